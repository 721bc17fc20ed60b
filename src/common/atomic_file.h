/* Writing output files so that a failure never leaves a half-written file behind:
 * everything goes to "PATH.tmp.XXXXXX" beside the target and is renamed over it only
 * when complete. */
#ifndef RQ_ATOMIC_FILE_H
#define RQ_ATOMIC_FILE_H

#include <stdio.h>
#include "common/error.h"

typedef struct rq_atomic_file {
    FILE *fp;            /* write through this */
    char path[4096];     /* final name */
    char tmp[4096 + 16]; /* temporary name in the same directory */
    int cleanup;         /* its registration for removal on an interrupt (common/cleanup.h) */
} rq_atomic_file;

int rq_atomic_open(rq_atomic_file *f, const char *path, rq_error *err);
/* Flushes and fsyncs without renaming: lets a writer of several files check that every
 * one of them is complete before it renames any (fails naming the file and the errno). */
int rq_atomic_flush(rq_atomic_file *f, rq_error *err);
/* Flushes, fsyncs and renames; on any write error removes the temporary and fails. */
int rq_atomic_commit(rq_atomic_file *f, rq_error *err);
/* Discards the temporary (safe to call after a failed commit or twice). */
void rq_atomic_abort(rq_atomic_file *f);

/* One-shot helper: writes len bytes atomically. */
int rq_write_file_atomic(const char *path, const void *data, size_t len, rq_error *err);

/* Reads a whole (small) file into a malloc'ed buffer; refuses files over max_len. */
int rq_read_file(const char *path, size_t max_len, unsigned char **data, size_t *len, rq_error *err);

#endif
