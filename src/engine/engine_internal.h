/* Inside the int8 engine: what an operator's prepare and run functions share.
 *
 * One operator = one prepare function (all shape checks and quantization math, TFLite
 * Micro's Prepare) that fills a prep_op and picks its run function (a branch-light loop
 * nest, TFLM's Eval). Prepare functions live in op_*.c, one file per operator family,
 * and are listed in op_table.c: adding an operator touches its own file and one line of
 * the table. */
#ifndef RQ_ENGINE_INTERNAL_H
#define RQ_ENGINE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "tflite/tfl_arith.h"

#if defined(__GNUC__) && !defined(__clang__)
#define HOT __attribute__((optimize("O3")))
#else
#define HOT
#endif
/* The dot products also get an AVX2 build chosen at load time (x86-64 with ifunc); the
 * integer results are the same whichever runs. */
#if defined(__x86_64__) && defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#define DOT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define DOT_CLONES
#endif

#define RQ_ENG_ALIGN 64
/* Hostile files can declare huge tensors: refuse to plan more than this. */
#define RQ_ENG_MAX_TMP_BYTES ((int64_t)1 << 28)

/* Where a tensor's bytes are during a run: constant data, or an offset in the arena. */
typedef struct slot {
    const uint8_t *fixed; /* constant data, or NULL: the tensor lives in the arena */
    size_t off;
} slot;

typedef struct prep_op prep_op;
typedef void (*run_fn)(const prep_op *p, uint8_t *arena);

struct prep_op {
    run_fn run;
    slot in, out;            /* inputs[0] and outputs[0] */
    int n_ins, n_outs;
    slot ins[RQ_TFL_MAX_OP_IO], outs[RQ_TFL_MAX_OP_IO]; /* every input and output */
    size_t tmp_off; /* temporary space in the arena (tmp_need bytes of prepare) */
    int single;     /* single rounding */
    rq_simd simd;   /* the host kernels to prepare for (resolved: OFF, AVX2 or AVX512) */
    /* An operator's own prepared data when the shared fields below do not fit it:
     * allocated by its prepare, released with free() when the engine is freed. */
    void *state;
    /* A host SIMD kernel's prepared data (engine/simd.h) and how to release it. */
    void *kernel;
    void (*kernel_free)(void *kernel);
    /* geometry (NHWC) */
    int batches, in_h, in_w, in_c, out_h, out_w, out_c;
    int k_h, k_w, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left, depth_mult;
    /* padded copy of the input for convolutions: rows x cols, or 0 to read the input */
    int src_h, src_w, needs_pad;
    int k_len, k_pad; /* patch length and its padded length (multiple of 8) */
    /* quantization */
    int32_t in_zp, out_zp, act_min, act_max;
    int32_t *mult;     /* per output channel */
    int32_t *shift;
    int32_t *lshift, *rshift; /* max(shift, 0) and max(-shift, 0), for the row requantizer */
    int32_t *bias_adj; /* bias - in_zp * sum(weights), per output channel */
    int16_t *w16;      /* weights widened, rows padded to k_pad */
    /* MEAN: each input element's output index comes from strides */
    int rank;
    int32_t in_dims[RQ_TFL_MAX_DIMS];
    int32_t red_stride[RQ_TFL_MAX_DIMS]; /* output stride of each input dim, 0 if reduced */
    int64_t n_reduce, n_out;
    /* MEAN / requantize */
    int32_t m1;
    int s1;
    /* QUANTIZE (float in) / DEQUANTIZE */
    float scale_f;
    double scale_d;
    size_t count;
};

static inline const uint8_t *cptr(const slot *s, const uint8_t *arena)
{
    return s->fixed ? s->fixed : arena + s->off;
}

static inline uint8_t *mptr(const slot *s, uint8_t *arena)
{
    return arena + s->off;
}

static inline int8_t clamp8(int32_t v, int32_t lo, int32_t hi)
{
    return (int8_t)(v < lo ? lo : v > hi ? hi : v);
}

/* ---- prepare-time context and helpers (prep_util.c) -------------------------------- */

typedef struct prep_ctx {
    const rq_tfl_model *m;
    int index;
    const rq_tfl_op *op;
    rq_error *err;
    size_t tmp_need; /* bytes of temporary space this op needs during its run */
} prep_ctx;

typedef int (*prepare_fn)(prep_ctx *c, prep_op *p);

/* "operator 3 (CONV_2D): <message>" into c->err; returns -1. */
int op_fail(prep_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const rq_tfl_tensor *input_tensor(prep_ctx *c, int i);  /* NULL when absent */
const rq_tfl_tensor *output_tensor(prep_ctx *c);        /* outputs[0] */
const rq_tfl_tensor *output_tensor_at(prep_ctx *c, int i);
/* One scale, an int8 zero point: what an int8 activation needs. */
int check_activation(prep_ctx *c, const rq_tfl_tensor *t, const char *role);
/* min_in..max_in inputs (the first min_in present) and exactly one output. */
int check_counts(prep_ctx *c, int min_in, int max_in);
/* The clamp a fused activation puts on an int8 output, as CalculateActivationRangeQuantized. */
int activation_range(prep_ctx *c, const rq_tfl_tensor *out, int act, int32_t *lo, int32_t *hi);
/* Output size of a windowed op for SAME/VALID padding; -1 for another padding value. */
int out_size(int padding, int in, int k, int stride, int dil, int *out);
int pad_before(int stride, int dil, int in, int k, int out);
/* Shapes and padding of a 2-D windowed op (p->dil_* set by the caller); fills geometry in p. */
int window_geometry(prep_ctx *c, prep_op *p, const rq_tfl_tensor *in, const rq_tfl_tensor *out,
                    int k_h, int k_w, int out_c);

/* ---- the operators (op_*.c), looked up in op_table.c ------------------------------- */

int prepare_conv(prep_ctx *c, prep_op *p);            /* CONV_2D, DEPTHWISE_CONV_2D */
int prepare_fully_connected(prep_ctx *c, prep_op *p); /* FULLY_CONNECTED */
int prepare_pool(prep_ctx *c, prep_op *p);            /* MAX_POOL_2D, AVERAGE_POOL_2D */
int prepare_mean(prep_ctx *c, prep_op *p);            /* MEAN */
int prepare_reshape(prep_ctx *c, prep_op *p);         /* RESHAPE */
int prepare_quantize(prep_ctx *c, prep_op *p);        /* QUANTIZE */
int prepare_dequantize(prep_ctx *c, prep_op *p);      /* DEQUANTIZE */
/* arithmetic and activations: the run loops are the MCU runtime's (runtime/int8_ops.h) */
int prepare_binary(prep_ctx *c, prep_op *p);   /* ADD, SUB, MUL, MAXIMUM, MINIMUM, PRELU */
int prepare_unary(prep_ctx *c, prep_op *p);    /* RELU, RELU6, LEAKY_RELU, HARD_SWISH, TANH,
                                                  LOGISTIC */
int prepare_quantize_uint8(prep_ctx *c, prep_op *p); /* QUANTIZE uint8 <-> int8 */
int prepare_softmax(prep_ctx *c, prep_op *p);  /* SOFTMAX */
int prepare_reduce(prep_ctx *c, prep_op *p);   /* SUM, REDUCE_MAX */
int prepare_arg_max(prep_ctx *c, prep_op *p);  /* ARG_MAX */
int prepare_transpose_conv(prep_ctx *c, prep_op *p); /* TRANSPOSE_CONV */
/* "[1,4,4,3]" into buf (for messages). */
const char *shape_str(const rq_tfl_tensor *t, char *buf, size_t n);
/* An int8 or uint8 activation: one scale, a zero point in the type's range. */
int check_quant8(prep_ctx *c, const rq_tfl_tensor *t, const char *role);
/* Marks reduced[d] for every axis of input 1 (a constant INT32 tensor, negative axes
 * counted from the end, duplicates once); returns the number of axes or -1. */
int reduce_axes(prep_ctx *c, const rq_tfl_tensor *in, int *reduced, int max_axes);
/* QuantizeMultiplier with the engine's rounding; fails (naming what) outside the shifts the
 * runtime's requantization supports (-31..30). */
int op_multiplier(prep_ctx *c, const prep_op *p, double real, const char *what, int32_t *mult,
                  int *shift);

/* Frees what a prepare allocated into p (multipliers, weights, state). */
void rq_prep_op_release(prep_op *p);

/* For back ends that reuse what prepare computed (export-c --spatial): operator i, and
 * the runtime parameters of the operator families the MCU path runs as prepared (each
 * NULL, or -1, when p is not of that family). */
const prep_op *rq_engine_op(const rq_tfl_engine *e, int i);
struct rppg_q8_binary;
struct rppg_q8_bcast;
struct rppg_q8_lut;
struct rppg_q8_softmax;
struct rppg_mv_gather;
struct rppg_mv_resize;
struct rppg_q8_reduce;
struct rppg_q8_transpose_conv;
int binary_export(const prep_op *p, struct rppg_q8_binary *q, struct rppg_q8_bcast *g);
const struct rppg_mv_gather *gather_export(const prep_op *p);
/* the index tables are NULL for bilinear */
const struct rppg_mv_resize *resize_export(const prep_op *p, const int32_t **y_index,
                                           const int32_t **x_index);
/* SUM (*is_sum 1: needs an int32 accumulator per output) or REDUCE_MAX */
const struct rppg_q8_reduce *reduce_export(const prep_op *p, int *is_sum);
const struct rppg_q8_transpose_conv *transpose_conv_export(const prep_op *p);
const struct rppg_q8_lut *lut_export(const prep_op *p);
const struct rppg_q8_softmax *softmax_export(const prep_op *p);

/* The prepare function of a builtin code, NULL when the engine does not run it. */
prepare_fn rq_engine_prepare_fn(int code);

#endif
