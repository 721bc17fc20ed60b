/* The int8 engine: runs a TFLite model (tflite/tfl_model.h) bit-exactly like TFLite Micro's
 * reference kernels (double rounding by default) or like TFLITE_SINGLE_ROUNDING.
 *
 *     rq_tfl_engine *e;
 *     if (rq_tfl_prepare(&m, RQ_TFL_ROUND_DOUBLE, &e, &err)) ...   // all math done here
 *     rq_tfl_scratch *s = rq_tfl_scratch_new(e);                   // one per thread
 *     memcpy(rq_tfl_input(e, s, 0), in, rq_tfl_tensor_bytes(e, m.inputs[0]));
 *     rq_tfl_invoke(e, s);
 *     const int8_t *y = rq_tfl_output(e, s, 0);
 *
 * Activation memory is one arena a scratch, planned by tensor lifetime (greedy by size,
 * like TFLite Micro's GreedyMemoryPlanner): tensors whose lifetimes do not overlap share
 * bytes. With keep_intermediates every tensor keeps its own bytes, so that every layer's
 * output can be read after a run (per-layer SQNR). */
#ifndef RQ_ENGINE_H
#define RQ_ENGINE_H

#include <stddef.h>

#include "common/simd.h"
#include "tflite/tfl_model.h"

typedef enum rq_tfl_rounding {
    RQ_TFL_ROUND_DOUBLE = 0, /* TFLite Micro reference default */
    RQ_TFL_ROUND_SINGLE = 1, /* TFLITE_SINGLE_ROUNDING, XNNPACK-like (LiteRT) */
} rq_tfl_rounding;

typedef struct rq_tfl_engine_opts {
    rq_tfl_rounding rounding;
    int keep_intermediates; /* 1: no tensor shares bytes (every tensor readable after a run) */
} rq_tfl_engine_opts;

/* A prepared model: all quantization math done, immutable after prepare, shareable
 * between threads. It keeps pointers into the model: the model must outlive it. */
typedef struct rq_tfl_engine rq_tfl_engine;
/* Per-thread working memory (the arena of one inference). */
typedef struct rq_tfl_scratch rq_tfl_scratch;

/* Lifetime-planned arena. */
int rq_tfl_prepare(const rq_tfl_model *m, rq_tfl_rounding rounding, rq_tfl_engine **out,
                   rq_error *err);
int rq_tfl_prepare_opts(const rq_tfl_model *m, const rq_tfl_engine_opts *opts,
                        rq_tfl_engine **out, rq_error *err);
/* Which host kernels run the int8 CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, pools and
 * same-shape ADD: rq_tfl_prepare_opts takes rq_simd_level() (the CPU's best under the cap
 * RPPGQ_SIMD=off|avx2|avx512, common/simd.h); this one takes the cap from the caller. The
 * AVX-512 kernels need VNNI (vpdpbusd): without it AVX2 runs. Every choice gives the same
 * bytes (engine/simd.h). */
int rq_tfl_prepare_simd(const rq_tfl_model *m, const rq_tfl_engine_opts *opts, rq_simd cap,
                        rq_tfl_engine **out, rq_error *err);
void rq_tfl_engine_free(rq_tfl_engine *e);
rq_tfl_scratch *rq_tfl_scratch_new(const rq_tfl_engine *e); /* NULL if out of memory */
void rq_tfl_scratch_free(rq_tfl_scratch *s);

/* Pointers into the scratch: fill the graph inputs, invoke, read outputs (and, with
 * keep_intermediates, any tensor; constant tensors point at the model's data).
 * Sizes in bytes: rq_tfl_tensor_bytes. */
void *rq_tfl_input(const rq_tfl_engine *e, rq_tfl_scratch *s, int i);
const void *rq_tfl_output(const rq_tfl_engine *e, const rq_tfl_scratch *s, int i);
const void *rq_tfl_tensor_data(const rq_tfl_engine *e, const rq_tfl_scratch *s, int tensor);
size_t rq_tfl_tensor_bytes(const rq_tfl_engine *e, int tensor);
/* Runs every operator; cannot fail once prepared (no allocation, no error path). */
void rq_tfl_invoke(const rq_tfl_engine *e, rq_tfl_scratch *s);
/* Convenience for one input and one output: copies in, invokes, copies out. */
void rq_tfl_run(const rq_tfl_engine *e, rq_tfl_scratch *s, const void *input, void *output);

/* Memory figures of a prepared engine (bytes): the arena it uses, and what one buffer per
 * activation tensor plus the largest operator scratch would take. */
typedef struct rq_tfl_memory {
    size_t arena; /* planned (or all tensors apart with keep_intermediates) */
    size_t naive; /* sum of every activation tensor + largest temporary */
    size_t activations; /* the arena's part that holds tensors (no operator scratch) */
} rq_tfl_memory;
rq_tfl_memory rq_tfl_engine_memory(const rq_tfl_engine *e);

/* The kernels a prepared engine runs: RQ_SIMD_OFF, RQ_SIMD_AVX2 or RQ_SIMD_AVX512. */
rq_simd rq_tfl_engine_simd(const rq_tfl_engine *e);

/* 1 when the engine has a kernel for this builtin operator code. */
int rq_tfl_engine_supports(int code);

#endif
