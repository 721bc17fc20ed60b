/* The HR smoother against its definition: median, spread and MAD of the last `window`
 * valid estimates (a sorted copy, recomputed from scratch), the correction map (interpolated
 * again here in double), confidence, gaps, bad configs. */
#include <math.h>
#include <stdlib.h>

#include "harness.h"
#include "postprocess.h"

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void test_median_and_spread_of_last_window(void)
{
    rppg_smoother s;
    rppg_smoother_config cfg = rppg_smoother_default_config();
    float all[200], tmp[16];
    int i, k;
    cfg.window = 7;
    cfg.min_count = 4;
    cfg.max_spread_bpm = 8.0f;
    cfg.map_n = 0; /* displayed = median */
    CHECK(rppg_smoother_init(&s, &cfg) == 0);
    for (i = 0; i < 200; i++) {
        rppg_hr hr;
        int n = i + 1 < 7 ? i + 1 : 7;
        all[i] = 40.0f + (float)((i * 7919) % 1000) / 10.0f * (i > 100 ? 0.05f : 1.0f);
        hr = rppg_smoother_push(&s, all[i]);
        for (k = 0; k < n; k++)
            tmp[k] = all[i - k];
        qsort(tmp, (size_t)n, sizeof tmp[0], cmp_float);
        CHECK(hr.count == n);
        CHECK(hr.bpm == (n % 2 ? tmp[n / 2] : 0.5f * (tmp[n / 2 - 1] + tmp[n / 2])));
        CHECK(hr.median == hr.bpm);
        CHECK(hr.spread == tmp[n - 1] - tmp[0]);
        CHECK(hr.confident == (n >= 4 && hr.spread <= 8.0f));
    }
}

static void test_invalid_estimates_are_gaps(void)
{
    rppg_smoother s;
    rppg_smoother_config cfg = rppg_smoother_default_config();
    rppg_hr hr;
    cfg.map_n = 0;
    CHECK(rppg_smoother_init(&s, &cfg) == 0);
    rppg_smoother_push(&s, 70.0f);
    rppg_smoother_push(&s, 72.0f);
    hr = rppg_smoother_push(&s, 71.0f);
    CHECK(hr.confident && hr.bpm == 71.0f);
    hr = rppg_smoother_push(&s, 0.0f / 0.0f * 1.0f);
    CHECK(!hr.confident && hr.count == 3 && hr.bpm == 71.0f);
    hr = rppg_smoother_push(&s, 500.0f);
    CHECK(!hr.confident && hr.count == 3);
    hr = rppg_smoother_push(&s, 73.0f); /* a valid one resets the gap count */
    CHECK(hr.confident && hr.count == 4);
    rppg_smoother_push(&s, -5.0f);
    rppg_smoother_push(&s, -5.0f);
    hr = rppg_smoother_push(&s, -5.0f); /* third gap in a row: face lost */
    CHECK(hr.count == 0 && hr.bpm == 0.0f && !hr.confident);
    hr = rppg_smoother_get(&s);
    CHECK(hr.count == 0);
}

/* Low quality withholds the rate, says why, and is not kept: a run of max_gap such windows
 * clears the history. A missing quality (NULL) checks the estimate only. */
static void test_low_quality_is_withheld(void)
{
    rppg_smoother s;
    rppg_smoother_config cfg = rppg_smoother_default_config();
    const rppg_quality good = {0.0f, 0.0f};
    rppg_quality clipped = good, jump = good;
    rppg_hr hr;
    int i;
    cfg.window = 5, cfg.min_count = 3, cfg.max_spread_bpm = 10.0f, cfg.max_gap = 3;
    cfg.max_clip_share = 0.02f, cfg.max_brightness_step = 0.03f, cfg.map_n = 0;
    clipped.clip_share = 0.5f;
    jump.brightness_step = 0.031f;
    CHECK(rppg_smoother_init(&s, &cfg) == 0);
    hr = rppg_smoother_push_window(&s, 70.0f, &good);
    CHECK(!hr.confident && hr.why == RPPG_HR_FEW);
    rppg_smoother_push_window(&s, 71.0f, &good);
    hr = rppg_smoother_push_window(&s, 72.0f, &good);
    CHECK(hr.confident && hr.why == 0 && hr.bpm == 71.0f);
    hr = rppg_smoother_push_window(&s, 150.0f, &clipped);
    CHECK(!hr.confident && hr.why == RPPG_HR_CLIPPED && hr.count == 3 && hr.bpm == 71.0f);
    hr = rppg_smoother_push_window(&s, 0.0f / 0.0f * 1.0f, &jump);
    CHECK(!hr.confident && hr.why == (RPPG_HR_BRIGHTNESS | RPPG_HR_NO_ESTIMATE) && hr.count == 3);
    hr = rppg_smoother_push_window(&s, 73.0f, &good); /* a good one ends the gap run */
    CHECK(hr.confident && hr.count == 4);
    hr = rppg_smoother_push(&s, 74.0f); /* quality unknown */
    CHECK(hr.confident && hr.count == 5);
    hr = rppg_smoother_push_window(&s, 120.0f, &good); /* {71,72,73,74,120}: spread 49 */
    CHECK(!hr.confident && hr.why == RPPG_HR_DISAGREE && hr.bpm == 73.0f);
    for (i = 0; i < 3; i++)
        hr = rppg_smoother_push_window(&s, 70.0f, &jump);
    CHECK(hr.count == 0 && hr.why == (RPPG_HR_FEW | RPPG_HR_BRIGHTNESS));
    cfg.max_clip_share = -0.1f;
    CHECK(rppg_smoother_init(&s, &cfg) == -1);
}

static float median_of(float *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp_float);
    return n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

/* The MAD (median of |x - median|) of the kept estimates, and its gate: one wild estimate
 * among many agreeing ones is tolerated, a scatter is not. */
static void test_mad_of_last_window(void)
{
    rppg_smoother s;
    rppg_smoother_config cfg = rppg_smoother_default_config();
    float all[300], tmp[16], dev[16];
    int i, k;
    cfg.window = 12, cfg.min_count = 1, cfg.max_spread_bpm = 1000.0f, cfg.max_mad_bpm = 6.0f;
    cfg.min_bpm = 0.0f, cfg.max_bpm = 1000.0f, cfg.map_n = 0;
    CHECK(rppg_smoother_init(&s, &cfg) == 0);
    for (i = 0; i < 300; i++) {
        int n = i + 1 < 12 ? i + 1 : 12;
        /* calm stretches (+-3 BPM with a rare outlier) and scattered ones (+-40 BPM) */
        float amp = (i / 50) % 2 ? 40.0f : 3.0f;
        all[i] = 90.0f + amp * (float)((i * 7919) % 201 - 100) / 100.0f + (i % 17 == 0 ? 60.0f : 0.0f);
        rppg_hr hr = rppg_smoother_push(&s, all[i]);
        for (k = 0; k < n; k++)
            tmp[k] = all[i - k];
        float m = median_of(tmp, n);
        for (k = 0; k < n; k++)
            dev[k] = tmp[k] > m ? tmp[k] - m : m - tmp[k];
        float mad = median_of(dev, n);
        CHECK(hr.median == m && hr.mad == mad);
        CHECK(hr.confident == (mad <= 6.0f));
        CHECK(hr.confident || hr.why == RPPG_HR_DISAGREE);
    }
}

/* The displayed rate: the median through the map, linear between knots, the end knot's
 * offset outside them, clamped to [min_bpm, max_bpm]; computed again here in double. */
static double map_ref(const rppg_smoother_config *c, double m)
{
    int n = c->map_n, k;
    double y;
    if (m <= c->map_in[0])
        y = m + c->map_out[0] - c->map_in[0];
    else if (m >= c->map_in[n - 1])
        y = m + c->map_out[n - 1] - c->map_in[n - 1];
    else {
        for (k = 1; m > c->map_in[k]; k++)
            ;
        y = c->map_out[k - 1] + (m - c->map_in[k - 1]) * (c->map_out[k] - c->map_out[k - 1]) /
                                    (c->map_in[k] - c->map_in[k - 1]);
    }
    return y < c->min_bpm ? c->min_bpm : y > c->max_bpm ? c->max_bpm : y;
}

static void test_correction_map(void)
{
    rppg_smoother s;
    rppg_smoother_config cfg = rppg_smoother_default_config();
    static const float in[4] = {50, 80, 120, 150}, out[4] = {40, 82, 121, 158};
    int i, k;
    cfg.window = 1, cfg.min_count = 1, cfg.map_n = 4;
    for (k = 0; k < 4; k++)
        cfg.map_in[k] = in[k], cfg.map_out[k] = out[k];
    CHECK(rppg_smoother_init(&s, &cfg) == 0);
    for (i = 0; i <= 1500; i++) {
        float m = 30.0f + 0.1f * (float)i; /* 30..180: below, between, on and above the knots */
        rppg_hr hr = rppg_smoother_push(&s, m);
        CHECK(hr.median == m);
        CHECK_MSG(fabs((double)hr.bpm - map_ref(&cfg, m)) <= 1e-4, "median %g: %g vs %g", (double)m,
                  (double)hr.bpm, map_ref(&cfg, m));
    }
    CHECK(rppg_smoother_push(&s, 35.0f).bpm == 30.0f);  /* 35 - 10 = 25: clamped */
    CHECK(rppg_smoother_push(&s, 80.0f).bpm == 82.0f);  /* on a knot */
    CHECK(rppg_smoother_push(&s, 178.0f).bpm == 180.0f); /* 178 + 8: clamped */
    /* the defaults: a valid, non-decreasing map */
    rppg_smoother_config d = rppg_smoother_default_config();
    CHECK(d.map_n >= 2 && d.map_n <= RPPG_MAP_MAX);
    for (k = 1; k < d.map_n; k++)
        CHECK(d.map_in[k] > d.map_in[k - 1] && d.map_out[k] >= d.map_out[k - 1]);
}

static void test_bad_config_is_refused(void)
{
    rppg_smoother s;
    rppg_smoother_config c = rppg_smoother_default_config();
    c.window = 0;
    CHECK(rppg_smoother_init(&s, &c) == -1);
    c.window = RPPG_SMOOTH_MAX + 1;
    CHECK(rppg_smoother_init(&s, &c) == -1);
    c = rppg_smoother_default_config();
    c.min_count = c.window + 1;
    CHECK(rppg_smoother_init(&s, &c) == -1);
    c = rppg_smoother_default_config();
    c.max_spread_bpm = 0.0f / 0.0f * 1.0f;
    CHECK(rppg_smoother_init(&s, &c) == -1);
    c = rppg_smoother_default_config();
    c.min_bpm = 200.0f;
    CHECK(rppg_smoother_init(&s, &c) == -1);
    c = rppg_smoother_default_config();
    c.max_mad_bpm = -1.0f;
    CHECK(rppg_smoother_init(&s, &c) == -1);
    c = rppg_smoother_default_config();
    c.map_n = 1;
    CHECK(rppg_smoother_init(&s, &c) == -1);
    c.map_n = RPPG_MAP_MAX + 1;
    CHECK(rppg_smoother_init(&s, &c) == -1);
    c = rppg_smoother_default_config();
    c.map_in[2] = c.map_in[1]; /* not strictly increasing */
    CHECK(rppg_smoother_init(&s, &c) == -1);
    c = rppg_smoother_default_config();
    c.map_out[0] = 0.0f / 0.0f * 1.0f;
    CHECK(rppg_smoother_init(&s, &c) == -1);
    c = rppg_smoother_default_config();
    c.map_n = 0; /* no correction */
    CHECK(rppg_smoother_init(&s, &c) == 0);
}

int main(void)
{
    RUN(test_median_and_spread_of_last_window);
    RUN(test_invalid_estimates_are_gaps);
    RUN(test_low_quality_is_withheld);
    RUN(test_mad_of_last_window);
    RUN(test_correction_map);
    RUN(test_bad_config_is_refused);
    TEST_EXIT();
}
