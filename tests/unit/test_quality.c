/* The window signal-quality measure (runtime/quality.c) and the displayed-rate evaluation
 * (src/eval/displayed.c) against values worked out by hand from their definitions. */
#include <stdlib.h>

#include "eval/displayed.h"
#include "harness.h"
#include "preprocess.h"
#include "quality.h"

#define T 8
static float win[T][RPPG_FRAME_FLOATS];

/* Every pixel at a level in (0.2, 0.8), constant over time. */
static void steady_window(void)
{
    for (int t = 0; t < T; t++)
        for (int i = 0; i < RPPG_FRAME_FLOATS; i++)
            win[t][i] = 0.2f + 0.6f * (float)((i * 37) % 101) / 101.0f;
}

static rppg_quality measure(const rppg_contract *c)
{
    const float *frames[T];
    rppg_quality q;
    for (int t = 0; t < T; t++)
        frames[t] = win[t];
    int rc = rppg_window_quality(c, frames, T, RPPG_ROIS, RPPG_PATCH_FLOATS, &q);
    if (rc != 0)
        q.clip_share = q.brightness_step = -1.0f;
    return q;
}

static const rppg_contract ratio = {RPPG_REPR_WINDOW_RATIO, 50.0f, 4.0f, 4};

static void test_steady_window_is_clean(void)
{
    steady_window();
    rppg_quality q = measure(&ratio);
    CHECK(q.clip_share == 0.0f);
    CHECK(q.brightness_step == 0.0f);
}

/* Frame 4 of every ROI 25 % brighter: the ROI level steps by 0.25 up and 0.2 down; the
 * window mean of a pixel is m (7 + 1.25) / 8, so frame 4's value is (1.25 / 1.03125 - 1) * 50
 * = 10.6 (clipped) and the others (1 / 1.03125 - 1) * 50 = -1.5 (not): 1/8 at the clip. */
static void test_brightness_jump(void)
{
    steady_window();
    for (int i = 0; i < RPPG_FRAME_FLOATS; i++)
        win[4][i] *= 1.25f;
    rppg_quality q = measure(&ratio);
    CHECK_NEAR(q.brightness_step, 0.25, 1e-5);
    CHECK_NEAR(q.clip_share, 1.0 / 8.0, 1e-7);
    /* the same in one ROI only: a third of the values */
    steady_window();
    for (int i = 0; i < RPPG_PATCH_FLOATS; i++)
        win[4][RPPG_PATCH_FLOATS + i] *= 1.25f;
    q = measure(&ratio);
    CHECK_NEAR(q.brightness_step, 0.25, 1e-5);
    CHECK_NEAR(q.clip_share, 1.0 / 24.0, 1e-7);
    /* darker by half in frame 7 of ROI 2: a step of 0.5 */
    steady_window();
    for (int i = 0; i < RPPG_PATCH_FLOATS; i++)
        win[7][2 * RPPG_PATCH_FLOATS + i] *= 0.5f;
    q = measure(&ratio);
    CHECK_NEAR(q.brightness_step, 0.5, 1e-5);
}

/* Every other value alternates 10 % above and below its level from frame to frame (the
 * window mean stays the level): (x / m - 1) * 50 = +-5 is past the clip for all frames of
 * those values, so half the values are at the clip; the RAW contract has no clip. */
static void test_noise_clips_and_raw_never_clips(void)
{
    steady_window();
    for (int t = 0; t < T; t++)
        for (int i = 0; i < RPPG_FRAME_FLOATS; i += 2)
            win[t][i] *= t % 2 ? 1.1f : 0.9f; /* mean unchanged: +-0.1 -> +-5 -> clipped */
    rppg_quality q = measure(&ratio);
    CHECK_NEAR(q.clip_share, 0.5, 1e-7);
    const rppg_contract raw = {RPPG_REPR_RAW, 0.0f, 0.0f, 1};
    q = measure(&raw);
    CHECK(q.clip_share == 0.0f);
}

static void test_bad_arguments(void)
{
    const float *frames[1] = {win[0]};
    rppg_quality q = {1.0f, 1.0f};
    CHECK(rppg_window_quality(&ratio, frames, 0, RPPG_ROIS, RPPG_PATCH_FLOATS, &q) == -1);
    CHECK(q.clip_share == 0.0f && q.brightness_step == 0.0f);
    CHECK(rppg_window_quality(&ratio, frames, 33, RPPG_ROIS, RPPG_PATCH_FLOATS, &q) == -1);
    CHECK(rppg_window_quality(&ratio, frames, 1, 0, RPPG_PATCH_FLOATS, &q) == -1);
    CHECK(rppg_window_quality(&ratio, frames, 1, RPPG_ROIS, 0, &q) == -1);
}

/* Two subjects, the smoother restarted for the second; window 3, min_count 2 (shown from
 * the second estimate), spread limit 10, MAD limit the default (12, never reached here). */
static void test_displayed_rate_per_subject(void)
{
    rppg_smoother_config cfg = rppg_smoother_default_config();
    cfg.window = 3, cfg.min_count = 2, cfg.max_spread_bpm = 10.0f;
    cfg.max_clip_share = 0.1f, cfg.max_brightness_step = 0.1f;
    cfg.map_n = 0; /* the median is displayed as is (the map has its own test) */
    const float pred[8] = {70, 74, 90, 72, 100, 104, 102, 103};
    const float truth[8] = {71, 71, 71, 71, 100, 100, 100, 100};
    const int64_t subj[8] = {1, 1, 1, 1, 2, 2, 2, 2};
    rppg_quality q[8] = {{0}};
    q[6].brightness_step = 0.3f; /* withheld, not kept */
    float shown[8];
    int why[8];
    rq_error err;
    CHECK(rq_display_run(&cfg, 8, pred, q, subj, shown, why, &err) == 0);
    /* subject 1: {70} few; {70,74} -> 72; {70,74,90} spread 20; {74,90,72} spread 18
     * subject 2: {100} few; {100,104} -> 102; window 6 withheld (brightness); {100,104,103} -> 103 */
    CHECK(isnan(shown[0]) && why[0] == RPPG_HR_FEW);
    CHECK(shown[1] == 72.0f && why[1] == 0);
    CHECK(isnan(shown[2]) && why[2] == RPPG_HR_DISAGREE);
    CHECK(isnan(shown[3]) && why[3] == RPPG_HR_DISAGREE);
    CHECK(isnan(shown[4]) && why[4] == RPPG_HR_FEW);
    CHECK(shown[5] == 102.0f && why[5] == 0);
    CHECK(isnan(shown[6]) && why[6] == RPPG_HR_BRIGHTNESS);
    CHECK(shown[7] == 103.0f && why[7] == 0);
    rq_displayed_metrics m = rq_displayed_measure(8, truth, shown);
    /* errors 1, 2, 3 over 3 shown windows of 8 */
    CHECK(m.n == 8 && m.shown == 3);
    CHECK_NEAR(m.coverage, 3.0 / 8.0, 1e-12);
    CHECK_NEAR(m.mae, 2.0, 1e-12);
    CHECK_NEAR(m.rmse, sqrt(14.0 / 3.0), 1e-12);
    CHECK_NEAR(m.within5, 1.0, 1e-12);
    /* without subjects: one recording, no restart at window 4 ({72,100} spread 28) */
    CHECK(rq_display_run(&cfg, 8, pred, NULL, NULL, shown, why, &err) == 0);
    CHECK(isnan(shown[4]) && why[4] == RPPG_HR_DISAGREE);
    cfg.window = 0;
    CHECK(rq_display_run(&cfg, 8, pred, NULL, NULL, shown, why, &err) == -1);
}

static void test_quality_summary_and_warning(void)
{
    rq_display_summary s = {.smoother = rppg_smoother_default_config()};
    s.smoother.max_clip_share = 0.01f, s.smoother.max_brightness_step = 0.02f;
    rppg_quality q[40] = {{0}};
    char w[512];
    q[0].clip_share = 0.5f;  /* one window of 40 over a limit: 2.5 %, not outside */
    rq_display_summarize_quality(&s, 40, q);
    CHECK_NEAR(s.windows_at_clip, 0.025, 1e-12);
    CHECK_NEAR(s.clip_share_mean, 0.5 / 40, 1e-9);
    CHECK(!s.outside_training);
    rq_display_warning(&s, w, sizeof w);
    CHECK(w[0] == 0);
    q[1].brightness_step = 0.05f, q[2].brightness_step = 0.05f; /* 3 of 40 = 7.5 % */
    rq_display_summarize_quality(&s, 40, q);
    CHECK_NEAR(s.windows_brightness_jump, 0.05, 1e-12);
    CHECK(s.outside_training);
    rq_display_warning(&s, w, sizeof w);
    CHECK(strstr(w, "outside what the model was trained on") && strstr(w, "withheld"));
}

int main(void)
{
    RUN(test_steady_window_is_clean);
    RUN(test_brightness_jump);
    RUN(test_noise_clips_and_raw_never_clips);
    RUN(test_bad_arguments);
    RUN(test_displayed_rate_per_subject);
    RUN(test_quality_summary_and_warning);
    TEST_EXIT();
}
