/* Reading files written by torch.save (zip format, PyTorch >= 1.6) without executing
 * anything: the pickle is interpreted against a whitelist of globals; tensors are
 * described here and their data read lazily from the archive on request, so a 4.5 GB
 * dataset opens in constant memory.
 *
 * Not thread-safe: one rq_torch_file is read by one thread at a time. */
#ifndef RQ_TORCH_FILE_H
#define RQ_TORCH_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef enum rq_dtype {
    RQ_DT_F32, RQ_DT_F64, RQ_DT_F16, RQ_DT_BF16,
    RQ_DT_I64, RQ_DT_I32, RQ_DT_I16, RQ_DT_I8, RQ_DT_U8, RQ_DT_BOOL,
} rq_dtype;

const char *rq_dtype_name(rq_dtype t);   /* "float32", "int64", ... as torch prints them */
size_t rq_dtype_size(rq_dtype t);

#define RQ_MAX_DIMS 8

typedef struct rq_tensor {
    rq_dtype dtype;
    int ndim;
    int64_t shape[RQ_MAX_DIMS];
    int64_t stride[RQ_MAX_DIMS]; /* in elements */
    int64_t offset;              /* storage offset in elements */
    int64_t numel;
    int storage;                 /* index into the file's storage table */
} rq_tensor;

typedef enum rq_vtype {
    RQ_V_NONE, RQ_V_BOOL, RQ_V_INT, RQ_V_FLOAT, RQ_V_STR, RQ_V_BYTES,
    RQ_V_LIST, RQ_V_TUPLE, RQ_V_DICT, RQ_V_TENSOR,
    RQ_V_OPAQUE, /* anything not on the whitelist: kept by name, never executed */
} rq_vtype;

typedef struct rq_value rq_value;
struct rq_value {
    rq_vtype type;
    union {
        int b;
        int64_t i;
        double f;
        struct { const char *s; size_t len; } str;     /* STR (UTF-8, NUL-terminated) and BYTES */
        struct { rq_value **items; size_t n; } seq;     /* LIST and TUPLE */
        struct { rq_value **keys; rq_value **vals; size_t n; } dict; /* in insertion order */
        rq_tensor tensor;
        const char *opaque;                             /* "module.name" of the global */
    } u;
};

typedef struct rq_torch_file rq_torch_file;

int rq_torch_open(const char *path, rq_torch_file **out, rq_error *err);
/* The same from bytes in memory (fuzzing, tests): name stands for the path in messages;
 * data must stay valid until rq_torch_close (tensor reads are lazy). */
int rq_torch_open_mem(const void *data, size_t len, const char *name, rq_torch_file **out,
                      rq_error *err);
void rq_torch_close(rq_torch_file *f);
const rq_value *rq_torch_root(const rq_torch_file *f);
const char *rq_torch_path(const rq_torch_file *f);

/* Dict lookup by string key; NULL if absent or not a dict. */
const rq_value *rq_dict_get(const rq_value *dict, const char *key);
/* The state_dict of a checkpoint: root["model_state_dict"] if present, else the root
 * itself when it is a dict of tensors. NULL otherwise. */
const rq_value *rq_state_dict(const rq_value *root);
/* The tensor of a value, or NULL if it is not one. */
const rq_tensor *rq_value_tensor(const rq_value *v);

/* Reads `count` elements starting at logical (row-major) element `start` of tensor t,
 * converted to float / double / int64. Non-contiguous views are gathered. Fails (naming the
 * file) if the tensor does not fit its storage. */
int rq_tensor_read_f32(rq_torch_file *f, const rq_tensor *t, int64_t start, int64_t count,
                       float *out, rq_error *err);
int rq_tensor_read_f64(rq_torch_file *f, const rq_tensor *t, int64_t start, int64_t count,
                       double *out, rq_error *err);
int rq_tensor_read_i64(rq_torch_file *f, const rq_tensor *t, int64_t start, int64_t count,
                       int64_t *out, rq_error *err);

#endif
