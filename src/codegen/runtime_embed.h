/* The MCU runtime's sources (runtime/temporal_fusion.{c,h}, runtime/float_ops.{c,h}), embedded in the toolchain at
 * build time so that export-c writes them byte for byte. */
#ifndef RQ_RUNTIME_EMBED_H
#define RQ_RUNTIME_EMBED_H

#include <stddef.h>

typedef struct rq_embedded_file {
    const char *name; /* file name in the export directory */
    const char *data;
    size_t len;
} rq_embedded_file;

#define RQ_RUNTIME_NFILES 2

/* Fills files[] with the runtime files, header first. */
void rq_runtime_files(rq_embedded_file files[RQ_RUNTIME_NFILES]);

/* The float operators of ONNX exports (runtime/float_ops.{h,c}), header first. */
#define RQ_FLOAT_OPS_NFILES 2
void rq_float_ops_files(rq_embedded_file files[RQ_FLOAT_OPS_NFILES]);

#endif
