/* export-c --onnx: a graph (ONNX front end -> IR -> passes) as a self-contained C99
 * directory: NAME.h, NAME.c (the graph as a sequence of runtime/float_ops.c calls, the
 * weights as const arrays, the work buffer planned by tensor lifetime) and the runtime ops
 * copied byte for byte. */
#ifndef RQ_ONNX_C_H
#define RQ_ONNX_C_H

#include "common/error.h"

/* Stack of NAME_infer besides its work buffer: the call frames of NAME_run and the
 * float_ops functions (the largest, layer norm's moments, keeps 1.2 KB of lanes), an upper
 * bound; tests/integration/onnx_c_m55.sh measures it by stack painting. */
#define RQ_ONNX_FRAME_BYTES 2048

typedef struct rq_onnx_c_summary {
    long params;      /* float32 parameters written as const arrays */
    long work_floats; /* NAME_WORK_FLOATS */
    long stack_bytes; /* NAME_STACK_BYTES */
    long in_floats, out_floats;
    int nodes;        /* operator calls */
    int exact;        /* every op bit-identical to PyTorch */
} rq_onnx_c_summary;

/* NAME must be a C identifier of at most 39 characters, not float_ops or rqf_*. */
int rq_onnx_c_name_ok(const char *name);

/* Reads onnx_path, checks that every op is supported with one float32 input and output of
 * static shape and finite weights, and writes out_dir (atomically; an existing out_dir is
 * replaced only when it holds nothing but an export's files). name: the C prefix (NULL:
 * from the file name). On error nothing is written and err names the file and problem. */
int rq_onnx_export_c(const char *onnx_path, const char *out_dir, const char *name,
                     rq_onnx_c_summary *sum, rq_error *err);

#endif
