/* Writing an export directory (export-c --temporal, export-c --onnx) atomically: every
 * file goes into a temporary sibling directory that replaces DIR only when complete. */
#ifndef RQ_EXPORT_DIR_H
#define RQ_EXPORT_DIR_H

#include <stddef.h>

#include "common/error.h"

typedef struct rq_export_file {
    const char *name; /* file name inside the directory */
    const char *data;
    size_t len;
} rq_export_file;

/* Writes the n files as out_dir. An existing out_dir is replaced (atomically where the
 * file system can exchange directories) only if every entry of it is one of the files or
 * one of the NULL-terminated `keep` names; the `keep` files it holds are carried over into
 * the new directory. keep may be NULL. */
int rq_export_dir_write(const char *out_dir, const rq_export_file *files, int n,
                        const char *const *keep, rq_error *err);

/* SHA-256 of a file as 64 lowercase hex digits. */
int rq_sha256_file(const char *path, char hex[65], rq_error *err);

#endif
