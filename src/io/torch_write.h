/* Writing files that torch.load reads: the zip format of torch.save (PyTorch >= 1.6) with a
 * protocol-2 pickle of nested dicts holding tensors, ints, floats, bools and strings.
 *
 * The pickle is built by a sequence of calls (a dict is opened, keys and values follow, it is
 * closed). Tensor data never stays in memory: it goes to a temporary file beside the output
 * and is copied into the archive (stored, each member 64-byte aligned like torch does) when
 * the file is committed. The output appears atomically: libzip writes a temporary archive and
 * renames it over PATH on commit; a failed or aborted writer leaves PATH untouched.
 *
 * Errors are sticky: the first failing call records its message, later calls do nothing, and
 * rq_tw_commit reports it. Output is byte-identical for identical calls. */
#ifndef RQ_TORCH_WRITE_H
#define RQ_TORCH_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "io/torch_file.h"

typedef struct rq_torch_writer rq_torch_writer;

int rq_tw_open(rq_torch_writer **out, const char *path, rq_error *err);

/* A dict value (the root object is the first value written). ordered: collections.OrderedDict
 * (what state_dicts are), else a plain dict. Inside a dict, each value follows rq_tw_key. */
int rq_tw_dict_begin(rq_torch_writer *w, int ordered);
int rq_tw_dict_end(rq_torch_writer *w);
int rq_tw_key(rq_torch_writer *w, const char *key);

int rq_tw_int(rq_torch_writer *w, int64_t v);
int rq_tw_float(rq_torch_writer *w, double v);
int rq_tw_bool(rq_torch_writer *w, int v);
int rq_tw_str(rq_torch_writer *w, const char *s);

/* A contiguous tensor whose little-endian data is given whole. */
int rq_tw_tensor(rq_torch_writer *w, rq_dtype dtype, int ndim, const int64_t *shape, const void *data);
/* A contiguous tensor whose data follows in pieces through rq_tw_tensor_append, before the
 * next tensor begins and before commit; the pieces must add up to exactly its size. */
int rq_tw_tensor_begin(rq_torch_writer *w, rq_dtype dtype, int ndim, const int64_t *shape);
int rq_tw_tensor_append(rq_torch_writer *w, const void *data, size_t bytes);

/* Finishes the archive and renames it into place; frees the writer either way. */
int rq_tw_commit(rq_torch_writer *w, rq_error *err);
/* Discards everything written; frees the writer (NULL is fine). */
void rq_tw_abort(rq_torch_writer *w);

#endif
