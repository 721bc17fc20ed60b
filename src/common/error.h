/* Error reporting shared by the whole toolchain.
 * Every fallible function returns 0 on success or -1 on failure and fills an rq_error
 * with one line "FILE: what is wrong" that the CLI prints as is. */
#ifndef RQ_ERROR_H
#define RQ_ERROR_H

#include <stddef.h>

typedef struct rq_error {
    char msg[512];
} rq_error;

/* Formats the message into err (may be NULL) and returns -1 so that callers can write
 * `return rq_fail(err, "%s: bad magic", path);`. */
int rq_fail(rq_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefixes an existing message, e.g. with the file name a lower layer did not know. */
int rq_fail_prefix(rq_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
