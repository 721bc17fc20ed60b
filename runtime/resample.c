#include "resample.h"

#include <string.h>

#define US_PER_S 1000000

rppg_resample_config rppg_resample_config_of(const rppg_contract *c)
{
    rppg_resample_config cfg;
    const int stride = c->frame_stride > 0 ? c->frame_stride : 1;
    cfg.period_num = (int64_t)stride * US_PER_S; /* stride / 30 s */
    cfg.period_den = RPPG_CONTRACT_FPS;
    cfg.max_gap_us = 3 * cfg.period_num / (2 * cfg.period_den);
    return cfg;
}

/* The gap limit keeps at most RPPG_RESAMPLE_MAX_OUT sample times in one frame interval. */
static int config_ok(const rppg_resample_config *cfg)
{
    if (cfg->period_num < 1 || cfg->period_den < 1 || cfg->period_num > (int64_t)1 << 40 ||
        cfg->period_den > 1024)
        return 0;
    if (cfg->period_num < 4 * cfg->period_den) /* a period of at least 4 us */
        return 0;
    return cfg->max_gap_us >= 1 && 2 * cfg->max_gap_us * cfg->period_den <= 3 * cfg->period_num;
}

int rppg_resampler_init(rppg_resampler *rs, const rppg_resample_config *cfg, float *prev_buffer)
{
    if (!rs || !cfg || !prev_buffer || !config_ok(cfg))
        return RPPG_RESAMPLE_BAD_ARG;
    rs->cfg = *cfg;
    rs->prev = prev_buffer;
    rppg_resampler_reset(rs);
    return 0;
}

void rppg_resampler_reset(rppg_resampler *rs)
{
    rs->t_first = rs->t_prev = 0;
    rs->next = 0;
    rs->started = 0;
}

int64_t rppg_resampler_sample_time(const rppg_resampler *rs, int64_t j)
{
    /* rounded half up; integer arithmetic, so sample j is the same on every platform and
     * does not drift however long the stream */
    return rs->t_first + (j * rs->cfg.period_num + rs->cfg.period_den / 2) / rs->cfg.period_den;
}

/* out = the ROIs at time s between the previous frame (t_prev) and this one (t). */
static void interpolate(const float *prev, const float *cur, int64_t t_prev, int64_t t, int64_t s,
                        float *out)
{
    const float a = (float)(s - t_prev) / (float)(t - t_prev), b = 1.0f - a;
    int i;
    if (s == t) { /* on the frame: its own values, bit for bit */
        memcpy(out, cur, sizeof(float) * RPPG_FRAME_FLOATS);
        return;
    }
    for (i = 0; i < RPPG_FRAME_FLOATS; i++)
        out[i] = b * prev[i] + a * cur[i];
}

int rppg_resampler_push(rppg_resampler *rs, int64_t t_us, const float *rois, float *const *out,
                        int max_out)
{
    int n = 0;
    if (!rs || !rois || !out || max_out < RPPG_RESAMPLE_MAX_OUT || t_us < -RPPG_RESAMPLE_T_MAX ||
        t_us > RPPG_RESAMPLE_T_MAX)
        return RPPG_RESAMPLE_BAD_ARG;
    if (!rs->started) {
        rs->t_first = t_us;
        rs->next = 0;
    } else if (t_us <= rs->t_prev) {
        return RPPG_RESAMPLE_BACKWARDS;
    } else if (t_us - rs->t_prev > rs->cfg.max_gap_us) {
        return RPPG_RESAMPLE_GAP;
    } else if (t_us - rs->t_first > RPPG_RESAMPLE_SPAN_MAX) {
        return RPPG_RESAMPLE_BAD_ARG;
    }
    for (;;) {
        const int64_t s = rppg_resampler_sample_time(rs, rs->next);
        if (s > t_us || n == RPPG_RESAMPLE_MAX_OUT)
            break;
        interpolate(rs->prev, rois, rs->t_prev, t_us, s, out[n]);
        n++;
        rs->next++;
    }
    memcpy(rs->prev, rois, sizeof(float) * RPPG_FRAME_FLOATS);
    rs->t_prev = t_us;
    rs->started = 1;
    return n;
}
