#include "tflite/tfl_arith.h"

#include <math.h>

void rq_quantize_multiplier(double m, int32_t *q, int *shift)
{
    rppg_q8_quantize_multiplier(m, RPPG_Q8_ROUND_DOUBLE, q, shift);
}

float rq_round_f(float x)
{
    return roundf(x);
}

/* The gemmlowp fixed point and the LOGISTIC element function are the MCU runtime's
 * (runtime/int8_ops.h); these keep the host-side names. */

int32_t rq_fixed_logistic_q4(int32_t a)
{
    return rppg_q8_fx_logistic_q4(a);
}

void rq_logistic_prepare(float input_scale, int32_t *multiplier, int *left_shift, int32_t *radius)
{
    rppg_q8_sigmoidal q;
    rppg_q8_sigmoidal_prepare(input_scale, 0, RPPG_Q8_ROUND_DOUBLE, &q);
    *multiplier = q.mult;
    *left_shift = q.shift;
    *radius = q.radius;
}

int8_t rq_logistic_int8(int32_t x, int32_t multiplier, int left_shift, int32_t radius, int single)
{
    rppg_q8_sigmoidal q = {0, multiplier, left_shift, radius,
                           single ? RPPG_Q8_ROUND_SINGLE : RPPG_Q8_ROUND_DOUBLE};
    return rppg_q8_logistic_elem(&q, x); /* x is x - zp: zero point 0 here */
}
