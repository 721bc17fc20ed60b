/* Post-training quantization of the Spatial CNN to a fully int8 TFLite graph, following
 * the converter's scheme (shared/notes/tflite-int8.md):
 *   weights  int8 [-127,127] symmetric, per output channel (OHWI, quantized_dimension 0)
 *   bias     int32, scale input_scale * weight_scale[c], zero point 0
 *   activations int8 per tensor, asymmetric, 0.0 exactly representable (nudged zero point);
 *            the input's range comes from the input contract, max pools share their input's
 *            parameters, MEAN requantizes to its own.
 * Graph: CONV_2D(RELU) -> MAX_POOL_2D -> CONV_2D(RELU) -> MAX_POOL_2D -> CONV_2D(RELU)
 *        -> MEAN over H,W (keep_dims false) -> [1, features]. */
#ifndef RQ_PTQ_H
#define RQ_PTQ_H

#include <stdint.h>

#include "common/error.h"
#include "model/contract.h"
#include "model/spatial_cnn.h"
#include "quant/calib.h"
#include "tflite/tfl_model.h"

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

typedef struct rq_ptq_ranges {
    double lo[RQ_SPATIAL_ACTS], hi[RQ_SPATIAL_ACTS]; /* observed (chosen) real ranges */
    float scale[RQ_SPATIAL_ACTS];
    int32_t zero_point[RQ_SPATIAL_ACTS];
    float in_scale;
    int32_t in_zero_point;
    /* Optional bias correction (not owned; NULL = none): the mean of each input channel of
     * conv l over the calibration patches. The build then removes the expected error the
     * weight rounding adds to each output channel: b'[c] = b[c] - sum (w_q - w)[c] * mean. */
    const double *in_mean[RQ_SPATIAL_CONVS];
} rq_ptq_ranges;

/* Fills means[l] (malloc'ed, conv l's input channels) for bias correction. */
int rq_ptq_input_means(const rq_spatial_cnn *m, const float *patches, int64_t n, int h, int w,
                       double *means[RQ_SPATIAL_CONVS], rq_error *err);

/* Runs the float model over n patches (h x w x cin each, contiguous, contract applied)
 * and chooses every activation's parameters with the given observer. */
int rq_ptq_calibrate(const rq_spatial_cnn *m, const float *patches, int64_t n, int h, int w,
                     rq_calib_method method, rq_ptq_ranges *r, rq_error *err);

/* Builds the int8 graph (m_out is initialized here; free it even on failure). */
int rq_ptq_build(const rq_spatial_cnn *m, int h, int w, const rq_ptq_ranges *r,
                 rq_tfl_model *out, rq_error *err);

#endif
