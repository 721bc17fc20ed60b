#include "postprocess.h"

/* Tuned on training subjects of the default model's data (tools/tune_smoother.py
 * --train-subjects 30; docs/mcu.md): the lowest displayed-rate MAE among the settings that
 * show a rate at least 90 % of the time; quality limits 1.5 x the largest value of any
 * training window (clip share max 0.00254, brightness step max 0.0240). */
#define DEFAULT_WINDOW 6
#define DEFAULT_MIN_COUNT 1
#define DEFAULT_MAX_SPREAD 60.0f
#define DEFAULT_MAX_CLIP_SHARE 0.0039f
#define DEFAULT_MAX_BRIGHTNESS_STEP 0.037f

rppg_smoother_config rppg_smoother_default_config(void)
{
    rppg_smoother_config c;
    c.window = DEFAULT_WINDOW;
    c.min_count = DEFAULT_MIN_COUNT;
    c.max_spread_bpm = DEFAULT_MAX_SPREAD;
    c.min_bpm = 30.0f;
    c.max_bpm = 180.0f;
    c.max_gap = 3;
    c.max_clip_share = DEFAULT_MAX_CLIP_SHARE;
    c.max_brightness_step = DEFAULT_MAX_BRIGHTNESS_STEP;
    return c;
}

int rppg_smoother_init(rppg_smoother *s, const rppg_smoother_config *cfg)
{
    if (cfg->window < 1 || cfg->window > RPPG_SMOOTH_MAX || cfg->min_count < 1 ||
        cfg->min_count > cfg->window || !(cfg->max_spread_bpm >= 0.0f) ||
        !(cfg->min_bpm <= cfg->max_bpm) || cfg->max_gap < 1 || !(cfg->max_clip_share >= 0.0f) ||
        !(cfg->max_brightness_step >= 0.0f))
        return -1;
    s->cfg = *cfg;
    rppg_smoother_reset(s);
    return 0;
}

void rppg_smoother_reset(rppg_smoother *s)
{
    int i;
    for (i = 0; i < RPPG_SMOOTH_MAX; i++)
        s->history[i] = 0.0f;
    s->count = s->head = s->gap = 0;
}

rppg_hr rppg_smoother_get(const rppg_smoother *s)
{
    float v[RPPG_SMOOTH_MAX];
    rppg_hr r;
    int i, j, n = s->count;
    r.bpm = r.spread = 0.0f;
    r.count = n;
    r.why = n < s->cfg.min_count ? RPPG_HR_FEW : 0;
    if (n > 0) {
        /* Insertion sort of at most 16 values: small, branch-light, no recursion. */
        for (i = 0; i < n; i++) {
            const float x = s->history[i];
            for (j = i; j > 0 && v[j - 1] > x; j--)
                v[j] = v[j - 1];
            v[j] = x;
        }
        r.bpm = n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
        r.spread = v[n - 1] - v[0];
        if (!(r.spread <= s->cfg.max_spread_bpm))
            r.why |= RPPG_HR_DISAGREE;
    }
    r.confident = r.why == 0;
    return r;
}

/* Why this window's estimate cannot be kept (0: it can). */
static int window_rejects(const rppg_smoother_config *c, float bpm, const rppg_quality *q)
{
    int why = 0;
    if (!(bpm >= c->min_bpm && bpm <= c->max_bpm)) /* also NaN */
        why |= RPPG_HR_NO_ESTIMATE;
    if (q && !(q->clip_share <= c->max_clip_share))
        why |= RPPG_HR_CLIPPED;
    if (q && !(q->brightness_step <= c->max_brightness_step))
        why |= RPPG_HR_BRIGHTNESS;
    return why;
}

rppg_hr rppg_smoother_push_window(rppg_smoother *s, float bpm, const rppg_quality *q)
{
    const int reject = window_rejects(&s->cfg, bpm, q);
    rppg_hr r;
    if (reject) {
        if (++s->gap >= s->cfg.max_gap) {
            s->count = s->head = 0;
            s->gap = 0;
        }
        r = rppg_smoother_get(s);
        r.why |= reject;
        r.confident = 0;
        return r;
    }
    s->gap = 0;
    if (s->count < s->cfg.window) {
        s->history[s->count++] = bpm;
    } else {
        s->history[s->head] = bpm;
        s->head = (s->head + 1) % s->cfg.window;
    }
    return rppg_smoother_get(s);
}

rppg_hr rppg_smoother_push(rppg_smoother *s, float bpm)
{
    return rppg_smoother_push_window(s, bpm, 0);
}
