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

/* --fps F / --frame-stride K (how a dataset was sampled) into t. Returns 1 when opt is one
 * of them and val is valid, 0 when opt is neither, -1 after a usage error message for cmd. */
struct rq_data_timing;
int rq_cli_timing_option(const char *cmd, const char *opt, const char *val,
                         struct rq_data_timing *t);
#define RQ_CLI_TIMING_HELP                                                                    \
    "  --fps F             the dataset's camera frame rate when its 'fps' key is missing\n"   \
    "  --frame-stride K    camera frames between a window's samples, when 'frame_stride' is\n" \
    "                      missing (the windows' rate fps/K must be the model's, e.g. 7.5 Hz)\n"

#endif
