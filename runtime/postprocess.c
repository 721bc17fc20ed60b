#include "postprocess.h"

/* Tuned on training subjects of the default model's data (tools/tune_smoother.py; docs/mcu.md):
 * the lowest displayed-rate MAE among the settings that show a rate at least 90 % of the time
 * on the training subjects, then the correction map fitted to those subjects' displayed rates
 * (least absolute error); quality limits 1.5 x the largest value of any training window
 * (clip share max 0.00254, brightness step max 0.0240). */
#define DEFAULT_WINDOW 10
#define DEFAULT_MIN_COUNT 2
#define DEFAULT_MAX_SPREAD 100.0f
#define DEFAULT_MAX_MAD 10.0f
#define DEFAULT_MAX_CLIP_SHARE 0.0039f
#define DEFAULT_MAX_BRIGHTNESS_STEP 0.037f
#define DEFAULT_MAP_N 9
static const float default_map_in[DEFAULT_MAP_N] = {45.0f, 60.0f, 75.0f, 90.0f, 105.0f, 120.0f,
                                                    135.0f, 150.0f, 165.0f};
static const float default_map_out[DEFAULT_MAP_N] = {39.43f, 57.13f, 75.08f, 91.07f, 105.23f, 119.29f,
                                                     135.51f, 153.0f, 165.18f};

rppg_smoother_config rppg_smoother_default_config(void)
{
    rppg_smoother_config c;
    int k;
    c.window = DEFAULT_WINDOW;
    c.min_count = DEFAULT_MIN_COUNT;
    c.max_spread_bpm = DEFAULT_MAX_SPREAD;
    c.min_bpm = 30.0f;
    c.max_bpm = 180.0f;
    c.max_gap = 3;
    c.max_clip_share = DEFAULT_MAX_CLIP_SHARE;
    c.max_brightness_step = DEFAULT_MAX_BRIGHTNESS_STEP;
    c.max_mad_bpm = DEFAULT_MAX_MAD;
    c.map_n = DEFAULT_MAP_N;
    for (k = 0; k < RPPG_MAP_MAX; k++) {
        c.map_in[k] = k < DEFAULT_MAP_N ? default_map_in[k] : 0.0f;
        c.map_out[k] = k < DEFAULT_MAP_N ? default_map_out[k] : 0.0f;
    }
    return c;
}

/* map_n 0, or 2..RPPG_MAP_MAX finite knots with strictly increasing inputs. */
static int map_valid(const rppg_smoother_config *c)
{
    int k;
    if (c->map_n == 0)
        return 1;
    if (c->map_n < 2 || c->map_n > RPPG_MAP_MAX)
        return 0;
    for (k = 0; k < c->map_n; k++) {
        if (!(c->map_in[k] > -1e6f && c->map_in[k] < 1e6f && c->map_out[k] > -1e6f && c->map_out[k] < 1e6f))
            return 0; /* also NaN */
        if (k > 0 && !(c->map_in[k] > c->map_in[k - 1]))
            return 0;
    }
    return 1;
}

int rppg_smoother_init(rppg_smoother *s, const rppg_smoother_config *cfg)
{
    if (cfg->window < 1 || cfg->window > RPPG_SMOOTH_MAX || cfg->min_count < 1 ||
        cfg->min_count > cfg->window || !(cfg->max_spread_bpm >= 0.0f) ||
        !(cfg->min_bpm <= cfg->max_bpm) || cfg->max_gap < 1 || !(cfg->max_clip_share >= 0.0f) ||
        !(cfg->max_brightness_step >= 0.0f) || !(cfg->max_mad_bpm >= 0.0f) || !map_valid(cfg))
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

/* Insertion sort of n <= RPPG_SMOOTH_MAX values into v: small, branch-light, no recursion. */
static void sort_into(const float *x, int n, float *v)
{
    int i, j;
    for (i = 0; i < n; i++) {
        const float y = x[i];
        for (j = i; j > 0 && v[j - 1] > y; j--)
            v[j] = v[j - 1];
        v[j] = y;
    }
}

static float median_sorted(const float *v, int n)
{
    return n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

/* The median's displayed value: the correction map, then the plausible range. */
static float displayed_rate(const rppg_smoother_config *c, float m)
{
    float y = m;
    int k;
    if (c->map_n >= 2) {
        const int last = c->map_n - 1;
        if (m <= c->map_in[0]) {
            y = m + (c->map_out[0] - c->map_in[0]);
        } else if (m >= c->map_in[last]) {
            y = m + (c->map_out[last] - c->map_in[last]);
        } else {
            for (k = 1; m > c->map_in[k]; k++)
                ;
            y = c->map_out[k - 1] + (m - c->map_in[k - 1]) / (c->map_in[k] - c->map_in[k - 1]) *
                                        (c->map_out[k] - c->map_out[k - 1]);
        }
    }
    return y < c->min_bpm ? c->min_bpm : y > c->max_bpm ? c->max_bpm : y;
}

rppg_hr rppg_smoother_get(const rppg_smoother *s)
{
    float v[RPPG_SMOOTH_MAX], d[RPPG_SMOOTH_MAX], dev[RPPG_SMOOTH_MAX];
    rppg_hr r;
    int i, n = s->count;
    r.bpm = r.median = r.spread = r.mad = 0.0f;
    r.count = n;
    r.why = n < s->cfg.min_count ? RPPG_HR_FEW : 0;
    if (n > 0) {
        sort_into(s->history, n, v);
        r.median = median_sorted(v, n);
        r.spread = v[n - 1] - v[0];
        for (i = 0; i < n; i++)
            dev[i] = v[i] > r.median ? v[i] - r.median : r.median - v[i];
        sort_into(dev, n, d);
        r.mad = median_sorted(d, n);
        r.bpm = displayed_rate(&s->cfg, r.median);
        if (!(r.spread <= s->cfg.max_spread_bpm) || !(r.mad <= s->cfg.max_mad_bpm))
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
