/* An int8 network held entirely in const data, run on the CPU with the kernels of
 * int8_kernels.h and int8_dwfc.h. `rppgq export-c --spatial MODEL.tflite` writes one as C
 * source (weights, biases, per-channel multipliers and shifts, zero points, the arena
 * plan, input and output quantization); the firmware links it into flash and calls
 * rppg_q8_net_run.
 *
 * A graph, not only a chain: every layer names where it reads each input and where it
 * writes its output, as the network's input buffer, its output buffer, or an offset in
 * the arena. The offsets come from a lifetime plan made at export (tensors that are never
 * alive together share bytes), so branches (a residual ADD, a CONCATENATION of earlier
 * tensors) need no copies.
 *
 * Memory: the caller passes one scratch arena of net->arena_bytes, aligned to 4 bytes
 * (SUM and TRANSPOSE_CONV keep int32 accumulators in it); nothing else is written. Reentrant: one arena per concurrent caller. C99, no heap, no globals. */
#ifndef RPPG_Q8_NET_H
#define RPPG_Q8_NET_H

#include <stddef.h>
#include <stdint.h>

#include "int8_dwfc.h"
#include "int8_kernels.h"
#include "int8_ops.h"
#include "q8_moves.h"

typedef enum rppg_q8_kind {
    RPPG_Q8_CONV2D = 0,
    RPPG_Q8_MAX_POOL = 1,
    RPPG_Q8_AVG_POOL = 2,
    RPPG_Q8_MEAN_HW = 3,
    RPPG_Q8_COPY = 4, /* RESHAPE and friends: the bytes stay as they are */
    RPPG_Q8_DEPTHWISE = 5,
    RPPG_Q8_FULLY_CONNECTED = 6,
    RPPG_Q8_MOVES = 7,  /* data movement: q8_moves.h */
    RPPG_Q8_BINARY = 8, /* ADD, SUB, MUL, MAXIMUM, MINIMUM, PRELU with broadcasting */
    RPPG_Q8_LUT = 9,    /* RELU, RELU6, LEAKY_RELU, HARD_SWISH, TANH, LOGISTIC: a table */
    RPPG_Q8_SOFTMAX = 10,
    RPPG_Q8_GATHER = 11,           /* constant indices */
    RPPG_Q8_RESIZE_BILINEAR = 12,
    RPPG_Q8_RESIZE_NEAREST = 13,
    RPPG_Q8_SUM = 14,              /* int32 accumulators at arena + tmp */
    RPPG_Q8_REDUCE_MAX = 15,
    RPPG_Q8_TRANSPOSE_CONV = 16    /* int32 accumulators at arena + tmp */
} rppg_q8_kind;

/* A two-input elementwise layer: the operator and its broadcast. */
typedef struct rppg_q8_binary_layer {
    rppg_q8_binary q;
    rppg_q8_bcast g;
} rppg_q8_binary_layer;

#define RPPG_Q8_MAX_LAYER_IN 8
#define RPPG_Q8_NET_IN (-1)  /* a layer reads the network's input buffer */
#define RPPG_Q8_NET_OUT (-2) /* a layer writes the network's output buffer */

typedef struct rppg_q8_layer {
    rppg_q8_kind kind;
    size_t in_bytes, out_bytes; /* of inputs[0] and of the output */
    int n_in;
    long in[RPPG_Q8_MAX_LAYER_IN]; /* arena offset, or RPPG_Q8_NET_IN / RPPG_Q8_NET_OUT */
    long out;                      /* arena offset, or RPPG_Q8_NET_OUT */
    long tmp;                      /* SUM, TRANSPOSE_CONV: arena offset of int32 scratch */
    union {
        rppg_q8_conv conv;    /* RPPG_Q8_CONV2D */
        rppg_q8_pool pool;    /* RPPG_Q8_MAX_POOL, RPPG_Q8_AVG_POOL */
        rppg_q8_mean mean;    /* RPPG_Q8_MEAN_HW */
        rppg_q8_dwconv dw;    /* RPPG_Q8_DEPTHWISE */
        rppg_q8_fc fc;        /* RPPG_Q8_FULLY_CONNECTED */
        rppg_q8_moves moves;  /* RPPG_Q8_MOVES */
        rppg_q8_binary_layer bin;          /* RPPG_Q8_BINARY */
        const rppg_q8_lut *lut;            /* RPPG_Q8_LUT (out_bytes elements) */
        const rppg_q8_softmax *softmax;    /* RPPG_Q8_SOFTMAX */
        struct {
            rppg_mv_gather g;
            const int32_t *indices;
        } gather;                          /* RPPG_Q8_GATHER */
        struct {
            rppg_mv_resize r;
            const int32_t *y_index, *x_index; /* nearest neighbour only */
        } resize;                          /* RPPG_Q8_RESIZE_* */
        rppg_q8_reduce reduce;             /* RPPG_Q8_SUM, RPPG_Q8_REDUCE_MAX */
        rppg_q8_transpose_conv tconv;      /* RPPG_Q8_TRANSPOSE_CONV */
    } op;
} rppg_q8_layer;

typedef struct rppg_q8_net {
    const char *name;
    int n_layers;
    const rppg_q8_layer *layers;
    /* Input [in_h][in_w][in_c] int8: q = clamp(round(x / in_scale) + in_zp). */
    int in_h, in_w, in_c;
    float in_scale;
    int32_t in_zp;
    /* Output: n_out int8 values, real = (q - out_zp) * out_scale. */
    int n_out;
    float out_scale;
    int32_t out_zp;
    size_t arena_bytes; /* the lifetime plan's peak */
} rppg_q8_net;

/* Runs the network on one input. out receives n_out bytes; arena must hold arena_bytes
 * and be 4-byte aligned. in and out may not overlap the arena. */
void rppg_q8_net_run(const rppg_q8_net *net, const int8_t *in, int8_t *out, int8_t *arena);

/* Float helpers at the network's boundaries (TFLite's QUANTIZE / DEQUANTIZE arithmetic). */
int8_t rppg_q8_quantize(float x, float scale, int32_t zero_point);
float rppg_q8_dequantize(int8_t q, float scale, int32_t zero_point);

#endif
