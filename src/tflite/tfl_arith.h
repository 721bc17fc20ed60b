/* TFLite's integer arithmetic (quantization_util, common.h, gemmlowp fixed point), written
 * from the published semantics. Bit-exactness with TFLite Micro depends on every detail:
 * rounding direction, saturation, where doubles and floats are used. */
#ifndef RQ_TFL_ARITH_H
#define RQ_TFL_ARITH_H

#include <stdint.h>

#include "int8_kernels.h"
#include "int8_ops.h"

/* m = q * 2^shift with q in [0.5, 1) as a Q31 integer; halves round away from zero;
 * a q that rounds up to 1.0 becomes 0.5 with shift+1; shifts below -31 flush to 0. */
void rq_quantize_multiplier(double m, int32_t *q, int *shift);

/* The requantization arithmetic is the MCU runtime's (runtime/int8_kernels.h): the host
 * engine and the Cortex-M55 CPU path run the very same functions. */

/* gemmlowp SaturatingRoundingDoublingHighMul: (a*b*2 + 2^31) / 2^32, rounding half away
 * from zero, INT32_MIN*INT32_MIN saturating to INT32_MAX. */
static inline int32_t rq_srdhm(int32_t a, int32_t b)
{
    return rppg_q8_srdhm(a, b);
}

/* gemmlowp RoundingDivideByPOT: x / 2^e rounding half away from zero. */
static inline int32_t rq_rdbpot(int32_t x, int e)
{
    return rppg_q8_rounding_divide_by_pot(x, e);
}

/* MultiplyByQuantizedMultiplier, TFLite Micro's default: two roundings. The left shift
 * wraps like the reference (which compiles with integer-overflow sanitizing disabled). */
static inline int32_t rq_mbqm_double(int32_t x, int32_t m, int shift)
{
    return rppg_q8_mbqm(x, m, shift, RPPG_Q8_ROUND_DOUBLE);
}

/* The TFLITE_SINGLE_ROUNDING variant: one rounding, half up, of x*m / 2^(31-shift). */
static inline int32_t rq_mbqm_single(int32_t x, int32_t m, int shift)
{
    return rppg_q8_mbqm(x, m, shift, RPPG_Q8_ROUND_SINGLE);
}

static inline int32_t rq_mbqm(int32_t x, int32_t m, int shift, int single)
{
    return rppg_q8_mbqm(x, m, shift, single ? RPPG_Q8_ROUND_SINGLE : RPPG_Q8_ROUND_DOUBLE);
}

/* round() on float/double as TfLiteRound: halves away from zero. */
float rq_round_f(float x);

/* gemmlowp::logistic on a Q4.27 input, result Q0.31 (raw values). */
int32_t rq_fixed_logistic_q4(int32_t raw);

/* TFLite's LOGISTIC int8 preparation: input multiplier/shift and the radius outside which
 * the output saturates. */
void rq_logistic_prepare(float input_scale, int32_t *multiplier, int *left_shift,
                         int32_t *radius);
int8_t rq_logistic_int8(int32_t x_minus_zp, int32_t multiplier, int left_shift, int32_t radius,
                        int single);

#endif
