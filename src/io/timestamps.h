/* A camera's frame timestamps as a text file: one whole number of microseconds per line
 * (a camera driver's log), within +-2^61 us as the runtime's resampler takes them. Order and
 * gaps are the resampler's to judge (runtime/resample.h). Bounded and fuzzed (fuzz/). */
#ifndef RQ_TIMESTAMPS_H
#define RQ_TIMESTAMPS_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define RQ_TIMESTAMPS_FILE_MAX ((size_t)256 << 20)

/* Parses text (len bytes, not NUL-terminated); errors name `name` and the line. *out is
 * malloc'ed (free it), *n >= 0. */
int rq_timestamps_parse(const char *text, size_t len, const char *name, int64_t **out, int64_t *n,
                        rq_error *err);
/* The same from a file of at most RQ_TIMESTAMPS_FILE_MAX bytes. */
int rq_timestamps_read(const char *path, int64_t **out, int64_t *n, rq_error *err);

#endif
