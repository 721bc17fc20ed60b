#include "postprocess.h"

rppg_smoother_config rppg_smoother_default_config(void)
{
    rppg_smoother_config c;
    c.window = 5;
    c.min_count = 3;
    c.max_spread_bpm = 10.0f;
    c.min_bpm = 30.0f;
    c.max_bpm = 180.0f;
    c.max_gap = 3;
    return c;
}

int rppg_smoother_init(rppg_smoother *s, const rppg_smoother_config *cfg)
{
    if (cfg->window < 1 || cfg->window > RPPG_SMOOTH_MAX || cfg->min_count < 1 ||
        cfg->min_count > cfg->window || !(cfg->max_spread_bpm >= 0.0f) ||
        !(cfg->min_bpm <= cfg->max_bpm) || cfg->max_gap < 1)
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
    r.confident = 0;
    if (n == 0)
        return r;
    /* Insertion sort of at most 16 values: small, branch-light, no recursion. */
    for (i = 0; i < n; i++) {
        const float x = s->history[i];
        for (j = i; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
    r.bpm = n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
    r.spread = v[n - 1] - v[0];
    r.confident = n >= s->cfg.min_count && r.spread <= s->cfg.max_spread_bpm;
    return r;
}

rppg_hr rppg_smoother_push(rppg_smoother *s, float bpm)
{
    if (!(bpm >= s->cfg.min_bpm && bpm <= s->cfg.max_bpm)) { /* also NaN */
        if (++s->gap >= s->cfg.max_gap) {
            s->count = s->head = 0;
            s->gap = 0;
        }
        {
            rppg_hr r = rppg_smoother_get(s);
            r.confident = 0;
            return r;
        }
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
