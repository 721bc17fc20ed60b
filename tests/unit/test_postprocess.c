/* The HR smoother against its definition: median and spread of the last `window` valid
 * estimates (a sorted copy, recomputed from scratch), confidence, gaps, bad configs. */
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
        CHECK(hr.spread == tmp[n - 1] - tmp[0]);
        CHECK(hr.confident == (n >= 4 && hr.spread <= 8.0f));
    }
}

static void test_invalid_estimates_are_gaps(void)
{
    rppg_smoother s;
    rppg_smoother_config cfg = rppg_smoother_default_config();
    rppg_hr hr;
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
    cfg.max_clip_share = 0.02f, cfg.max_brightness_step = 0.03f;
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
}

int main(void)
{
    RUN(test_median_and_spread_of_last_window);
    RUN(test_invalid_estimates_are_gaps);
    RUN(test_low_quality_is_withheld);
    RUN(test_bad_config_is_refused);
    TEST_EXIT();
}
