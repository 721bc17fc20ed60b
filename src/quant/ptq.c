#include "quant/ptq.h"

#include "q8_net.h"

#include "model/contract.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rq_act_params(double lo, double hi, float *scale, int32_t *zero_point)
{
    lo = lo < 0.0 ? lo : 0.0;
    hi = hi > 0.0 ? hi : 0.0;
    if (!(hi > lo)) { /* a tensor that is always zero: any scale represents it */
        *scale = 1.0f / 255.0f;
        *zero_point = -128;
        return;
    }
    float s = (float)((hi - lo) / 255.0);
    /* The converter's nudge: the zero point is the integer nearest to where real 0.0 falls. */
    double zp_from_min = -128.0 - lo / (double)s;
    int32_t zp = zp_from_min <= -128.0 ? -128 : zp_from_min >= 127.0 ? 127 : (int32_t)round(zp_from_min);
    *scale = s;
    *zero_point = zp;
}

void rq_input_params(const rppg_contract *c, float *scale, int32_t *zero_point)
{
    if (c->repr == RPPG_REPR_WINDOW_RATIO) {
        float lo, hi;
        rppg_contract_range(c, &lo, &hi);
        rq_act_params(lo, hi, scale, zero_point);
    } else {
        *scale = 1.0f / 255.0f;
        *zero_point = -128;
    }
}

/* The MCU's own quantizer (runtime/q8_net.c): host and device round alike. */
void rq_quantize_f32(const float *x, size_t n, float scale, int32_t zero_point, int8_t *q)
{
    for (size_t i = 0; i < n; i++)
        q[i] = rppg_q8_quantize(x[i], scale, zero_point);
}

void rq_quantize_weights(const float *w, int cout, size_t rest, int8_t *q, float *scale)
{
    for (int o = 0; o < cout; o++) {
        const float *wc = w + (size_t)o * rest;
        float mx = 0.0f;
        for (size_t i = 0; i < rest; i++)
            mx = fabsf(wc[i]) > mx ? fabsf(wc[i]) : mx;
        scale[o] = mx > 0.0f ? mx / 127.0f : 1.0f;
        for (size_t i = 0; i < rest; i++) {
            float r = roundf(wc[i] / scale[o]);
            q[(size_t)o * rest + i] = (int8_t)(r < -127.0f ? -127 : r > 127.0f ? 127 : (int)r);
        }
    }
}

void rq_quantize_bias(const float *b, int cout, float in_scale, const float *w_scale,
                      int32_t *q, float *b_scale)
{
    for (int o = 0; o < cout; o++) {
        b_scale[o] = in_scale * w_scale[o];
        double r = round((double)b[o] / (double)b_scale[o]);
        q[o] = r > (double)INT32_MAX ? INT32_MAX : r < -(double)INT32_MAX ? -INT32_MAX : (int32_t)r;
    }
}
