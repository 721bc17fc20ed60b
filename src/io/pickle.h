/* A pickle interpreter for the subset torch.save writes, that never executes anything:
 * globals are only names; a short whitelist (OrderedDict, the tensor rebuild functions,
 * torch.Size, _codecs.encode, set) is interpreted, every other call yields an RQ_V_OPAQUE
 * value holding the global's name. Every allocation comes from an arena with a hard cap,
 * and the stack, memo and nesting depth are bounded, so hostile input costs at most
 * time and memory proportional to its size. */
#ifndef RQ_PICKLE_H
#define RQ_PICKLE_H

#include <stddef.h>
#include <stdint.h>

#include "io/torch_file.h"

typedef struct rq_arena rq_arena;

/* Persistent ids ('storage', storage_type, key, location, numel) are resolved by the
 * caller: it returns the index of the storage in its table (or fails, filling err with a
 * message that does not yet name the file). */
typedef int (*rq_pickle_storage_fn)(void *ctx, const char *key, rq_dtype dtype, int64_t numel,
                                    int *index, rq_error *err);
/* Called once per tensor of the final tree with its dotted path ("model_state_dict.fc.0.weight"). */
typedef int (*rq_pickle_tensor_fn)(void *ctx, const rq_tensor *t, const char *path, rq_error *err);

typedef struct rq_pickle_hooks {
    void *ctx;
    rq_pickle_storage_fn storage;  /* NULL: every persistent id fails */
    rq_pickle_tensor_fn tensor;    /* NULL: no per-tensor check */
} rq_pickle_hooks;

typedef struct rq_pickle_limits {
    size_t max_bytes;    /* arena cap (values, strings, arrays); the arena is also capped
                            at 16 MB + 512 bytes per pickle byte, so memory stays linear in
                            the pickle's size */
    size_t max_stack;    /* stack entries */
    size_t max_marks;    /* open MARKs */
    size_t max_memo;     /* memo entries */
    int max_depth;       /* nesting of the final tree */
} rq_pickle_limits;

/* The limits used when NULL is passed: 1 GB, 1 M stack entries, 10 K marks, 16 M memo
 * entries, depth 256. */
extern const rq_pickle_limits rq_pickle_default_limits;

/* Interprets a pickle. On success *root is the value left by STOP (an acyclic tree, shared
 * sub-values allowed; cycles are replaced by opaque "<recursive>" values) and *arena owns
 * it. Errors read "data.pkl: what at offset N" (the caller prefixes the file name). */
int rq_pickle_load(const unsigned char *data, size_t len, const rq_pickle_limits *limits,
                   const rq_pickle_hooks *hooks, rq_arena **arena, const rq_value **root,
                   rq_error *err);
void rq_arena_free(rq_arena *a);

/* Number of storage elements a tensor spans: 1 + sum((shape-1)*stride), 0 when empty;
 * -1 on overflow. */
int64_t rq_tensor_span(const rq_tensor *t);

/* Appends the path component of a dict key to path ("a" + "b" -> "a.b"); keys that are
 * not str/int/bool/None/float become "<type>". Used by inspect so paths agree. */
void rq_path_push_key(char *path, size_t cap, const rq_value *key);
void rq_path_push_index(char *path, size_t cap, size_t i);

/* Replaces control characters (newlines, ...) by '?' in place: text from a file that goes
 * into a one-line message. */
void rq_printable(char *s);

/* Shortest "%.*g" text that reads back as exactly x (same rule as the Python references). */
void rq_fmt_double(char *buf, size_t cap, double x);

#endif
