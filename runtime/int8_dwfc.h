/* DEPTHWISE_CONV_2D and FULLY_CONNECTED on int8 with TFLite Micro's reference arithmetic
 * (integer_ops/depthwise_conv.h, integer_ops/fully_connected.h): for the MCU CPU path,
 * checked byte for byte against the host engine (itself checked against TFLite Micro).
 *
 * C99, no heap, no globals, integer arithmetic only at run time; stack: a few dozen bytes. */
#ifndef RPPG_INT8_DWFC_H
#define RPPG_INT8_DWFC_H

#include <stdint.h>

#include "int8_kernels.h"

/* One DEPTHWISE_CONV_2D image: output channel oc reads input channel oc / depth_mult;
 * taps outside the image are skipped. */
typedef struct rppg_q8_dwconv {
    int in_h, in_w, in_c;
    int out_h, out_w, depth_mult; /* out_c = in_c * depth_mult */
    int k_h, k_w;
    int stride_h, stride_w, dil_h, dil_w;
    int pad_top, pad_left;
    int32_t in_zp, out_zp;
    int32_t act_min, act_max;
    const int8_t *weights;     /* [1][k_h][k_w][out_c] */
    const int32_t *bias;       /* [out_c] or NULL */
    const int32_t *multiplier; /* [out_c] */
    const int32_t *shift;      /* [out_c] */
    rppg_q8_rounding rounding;
} rppg_q8_dwconv;

void rppg_q8_depthwise_conv2d(const rppg_q8_dwconv *p, const int8_t *in, int8_t *out);

/* FULLY_CONNECTED: batches rows of depth inputs -> units outputs each. Per-tensor weights
 * repeat one (multiplier, shift) in every entry. */
typedef struct rppg_q8_fc {
    int batches, depth, units;
    int32_t in_zp, out_zp;
    int32_t act_min, act_max;
    const int8_t *weights;     /* [units][depth] */
    const int32_t *bias;       /* [units] or NULL */
    const int32_t *multiplier; /* [units] */
    const int32_t *shift;      /* [units] */
    rppg_q8_rounding rounding;
} rppg_q8_fc;

void rppg_q8_fully_connected(const rppg_q8_fc *p, const int8_t *in, int8_t *out);

#endif
