/* The quantization arithmetic every int8 model shares (graph_quant.c, the rPPG path, tests),
 * following the converter's scheme (shared/notes/tflite-int8.md):
 *   weights  int8 [-127,127] symmetric, per output channel
 *   bias     int32, scale input_scale * weight_scale[c], zero point 0
 *   activations int8 per tensor, asymmetric, 0.0 exactly representable (nudged zero point);
 *            an rPPG model's input range comes from its input contract. */
#ifndef RQ_PTQ_H
#define RQ_PTQ_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "model/contract.h"

/* Activation parameters for the real range [lo, hi] (widened to contain 0). */
void rq_act_params(double lo, double hi, float *scale, int32_t *zero_point);
/* Input parameters fixed by the contract: raw [0,1] -> 1/255, -128; window_ratio -> its
 * range [-clip, clip]. */
void rq_input_params(const rppg_contract *c, float *scale, int32_t *zero_point);
/* q = clamp(round(x / scale) + zp, -128, 127), as TFLite's QUANTIZE does. */
void rq_quantize_f32(const float *x, size_t n, float scale, int32_t zero_point, int8_t *q);

/* Per-channel symmetric weights: scale[c] = max|w[c]| / 127. w is [cout][rest]. */
void rq_quantize_weights(const float *w, int cout, size_t rest, int8_t *q, float *scale);
/* int32 bias at in_scale * w_scale[c]. */
void rq_quantize_bias(const float *b, int cout, float in_scale, const float *w_scale,
                      int32_t *q, float *b_scale);

#endif
