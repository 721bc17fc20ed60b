/* Small helpers shared by the subcommands: option parsing and uniform messages. */
#ifndef RQ_CLI_UTIL_H
#define RQ_CLI_UTIL_H

#include <stdint.h>
#include "common/error.h"

#define RQ_EXIT_OK 0
#define RQ_EXIT_FAIL 1
#define RQ_EXIT_USAGE 2

/* Prints "rppgq: MESSAGE" on stderr and returns RQ_EXIT_FAIL. */
int rq_cli_fail(const rq_error *err);
/* Prints "rppgq CMD: MESSAGE" and "Try 'rppgq CMD --help'." and returns RQ_EXIT_USAGE. */
int rq_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True if any argument is -h or --help. */
int rq_cli_wants_help(int argc, char **argv);

/* Strict number parsing for option values: the whole string must be a number in range. */
int rq_parse_int(const char *s, long long lo, long long hi, long long *out);
int rq_parse_double(const char *s, double *out);

#endif
