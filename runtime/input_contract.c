#include "input_contract.h"

void rppg_contract_range(const rppg_contract *c, float *lo, float *hi)
{
    if (c->repr == RPPG_REPR_WINDOW_RATIO) {
        *lo = -c->clip;
        *hi = c->clip;
    } else {
        *lo = 0.0f;
        *hi = 1.0f;
    }
}

static float clampf(float x, float lo, float hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

void rppg_contract_apply(const rppg_contract *c, size_t frames, size_t plane, const float *in,
                         float *out)
{
    size_t i, t;
    if (c->repr != RPPG_REPR_WINDOW_RATIO) {
        for (i = 0; i < frames * plane; i++)
            out[i] = in[i];
        return;
    }
    for (i = 0; i < plane; i++) {
        /* Summed in frame order in float32, the same order as the training script. */
        float sum = 0.0f, mean;
        for (t = 0; t < frames; t++)
            sum += in[t * plane + i];
        mean = sum / (float)frames;
        for (t = 0; t < frames; t++) {
            float v = 0.0f;
            if (mean > 1e-6f)
                v = clampf((in[t * plane + i] / mean - 1.0f) * c->scale, -c->clip, c->clip);
            out[t * plane + i] = v;
        }
    }
}
