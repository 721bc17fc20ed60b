/* The synthetic data generator: area resize, keyed random streams, window rendering. The
 * torch.load round trip and the statistics of the physics are checked against PyTorch and
 * numpy in tests/integration/synth.sh. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/synth.h"
#include "harness.h"

static void area_resize_keeps_a_constant_image(void)
{
    static float in[97 * 97], out[36 * 36];
    for (int i = 0; i < 97 * 97; i++)
        in[i] = 123.0f;
    rq_synth_area_resize(in, 97, 1, out, 36, 1);
    for (int i = 0; i < 36 * 36; i++)
        CHECK_NEAR(out[i], 123.0, 1e-3);
}

static void area_resize_integer_ratio_is_block_mean(void)
{
    static float in[72 * 72 * 3], out[36 * 36 * 3];
    for (int i = 0; i < 72 * 72 * 3; i++)
        in[i] = (float)((i * 7919) % 256);
    rq_synth_area_resize(in + 1, 72, 3, out + 1, 36, 3); /* channel 1 of an RGB image */
    for (int y = 0; y < 36; y++)
        for (int x = 0; x < 36; x++) {
            double m = 0;
            for (int dy = 0; dy < 2; dy++)
                for (int dx = 0; dx < 2; dx++)
                    m += in[((2 * y + dy) * 72 + 2 * x + dx) * 3 + 1] / 4.0;
            CHECK_NEAR(out[(y * 36 + x) * 3 + 1], m, 1e-3);
        }
}

static void area_resize_preserves_the_mean(void)
{
    /* Any ratio: every source pixel contributes its area exactly once. */
    static float in[131 * 131], out[36 * 36];
    double sum_in = 0, sum_out = 0;
    for (int i = 0; i < 131 * 131; i++) {
        in[i] = (float)((i * 31) % 97);
        sum_in += in[i];
    }
    rq_synth_area_resize(in, 131, 1, out, 36, 1);
    for (int i = 0; i < 36 * 36; i++)
        sum_out += out[i];
    CHECK_NEAR(sum_out / (36.0 * 36.0), sum_in / (131.0 * 131.0), 1e-3);
}

static void keys_differ_and_repeat(void)
{
    CHECK(rq_synth_key(1, 2, 3, 4) == rq_synth_key(1, 2, 3, 4));
    CHECK(rq_synth_key(1, 2, 3, 4) != rq_synth_key(1, 2, 3, 5));
    CHECK(rq_synth_key(1, 2, 3, 4) != rq_synth_key(2, 1, 3, 4));
    CHECK(rq_synth_key(0, 0, 0, 0) != 0);
}

static void config_checks(void)
{
    rq_error err;
    rq_synth_config ok = {.subjects = 2, .windows_per_subject = 3, .frame_stride = 5, .seed = 0, .threads = 1};
    CHECK(rq_synth_check(&ok, &err) == 0);
    rq_synth_config c = ok;
    c.subjects = 0;
    CHECK(rq_synth_check(&c, &err) == -1 && strstr(err.msg, "--subjects"));
    c = ok;
    c.frame_stride = 6;
    CHECK(rq_synth_check(&c, &err) == -1 && strstr(err.msg, "aliases"));
    c = ok;
    c.frame_stride = 0;
    CHECK(rq_synth_check(&c, &err) == -1);
    c = ok;
    c.windows_per_subject = 0;
    CHECK(rq_synth_check(&c, &err) == -1 && strstr(err.msg, "--windows-per-subject"));
    c = ok;
    c.threads = 0;
    CHECK(rq_synth_check(&c, &err) == -1);
}

static void windows_are_8bit_in_range_and_deterministic(void)
{
    rq_synth_config c = {.subjects = 3, .windows_per_subject = 4, .frame_stride = 4, .seed = 42, .threads = 1};
    float *a = malloc(RQ_SYNTH_WINDOW_FLOATS * sizeof *a), *b = malloc(RQ_SYNTH_WINDOW_FLOATS * sizeof *b);
    rq_synth_subject *s = rq_synth_subject_new(&c, 2), *s2 = rq_synth_subject_new(&c, 2);
    CHECK(a && b && s && s2);
    float la, lb;
    CHECK(rq_synth_window(s, 3, a, &la) == 0);
    CHECK(rq_synth_window(s2, 3, b, &lb) == 0);
    CHECK(la == lb && la >= RQ_SYNTH_HR_MIN && la <= RQ_SYNTH_HR_MAX);
    CHECK(memcmp(a, b, RQ_SYNTH_WINDOW_FLOATS * sizeof *a) == 0);
    for (int i = 0; i < RQ_SYNTH_WINDOW_FLOATS; i++) {
        CHECK(a[i] >= 0.0f && a[i] <= 1.0f);
        float q = a[i] * 255.0f;
        CHECK_NEAR(q, rintf(q), 1e-3);
    }
    /* Another window of the same subject differs (time moves on: noise, pulse, light). */
    CHECK(rq_synth_window(s, 0, b, &lb) == 0);
    CHECK(memcmp(a, b, RQ_SYNTH_WINDOW_FLOATS * sizeof *a) != 0);
    double amp = rq_synth_pulse_amplitude(s);
    CHECK(amp >= 0.001 && amp <= 0.01);
    rq_synth_subject_free(s);
    rq_synth_subject_free(s2);
    free(a);
    free(b);
}

static void heart_rate_stays_in_range_and_drifts_slowly(void)
{
    rq_synth_config c = {.subjects = 50, .windows_per_subject = 100, .frame_stride = 4, .seed = 9, .threads = 1};
    for (int i = 0; i < 50; i++) {
        rq_synth_subject *s = rq_synth_subject_new(&c, i);
        CHECK(s);
        double prev = rq_synth_hr(s, 0);
        for (double t = 0.1; t < 100; t += 0.1) {
            double hr = rq_synth_hr(s, t);
            CHECK(hr >= RQ_SYNTH_HR_MIN && hr <= RQ_SYNTH_HR_MAX);
            /* slow drift: well under 1 BPM per 0.1 s */
            CHECK_MSG(fabs(hr - prev) < 0.5, "subject %d t %.1f: %.2f -> %.2f", i, t, prev, hr);
            prev = hr;
        }
        rq_synth_subject_free(s);
    }
}

/* Mean of channel c of ROI plane `roi` (36x36x3 floats). */
static double plane_mean(const float *plane, int c)
{
    double m = 0;
    for (int i = 0; i < RQ_SYNTH_SIZE * RQ_SYNTH_SIZE; i++)
        m += plane[i * 3 + c];
    return m / (RQ_SYNTH_SIZE * RQ_SYNTH_SIZE);
}

/* Largest |ROI mean of the frame cut at box - ROI mean of the generator's own rendering|
 * over ROIs and channels. */
static double frame_roi_error(const uint8_t *rgb, int w, int h, rppg_box box, const float *gen)
{
    static float rois[RPPG_FRAME_FLOATS];
    const rppg_frame f = {rgb, w, h, (size_t)w * 3, RPPG_PIX_RGB888};
    double worst = 0;
    if (rppg_preprocess_frame(&f, &box, rois) != 0)
        return 1e9;
    for (int r = 0; r < RPPG_ROIS; r++)
        for (int c = 0; c < 3; c++) {
            double d = fabs(plane_mean(rois + r * RPPG_PATCH_FLOATS, c) -
                            plane_mean(gen + r * RPPG_PATCH_FLOATS, c));
            worst = d > worst ? d : worst;
        }
    return worst;
}

/* A camera frame cut by the runtime's preprocessing at the frame's face box shows the same
 * ROI means as the generator's direct ROI rendering of that camera frame (the skin around
 * the ROIs is shaded 20 % darker and the wall is grey, so a misplaced ROI shows), and the
 * same frame cut at a box moved by a fifth of its height does not. */
static void camera_frames_put_the_rois_where_preprocessing_cuts(void)
{
    const rq_synth_config c = {.subjects = 4, .windows_per_subject = 3, .frame_stride = 4, .seed = 77, .threads = 1};
    static float win[RQ_SYNTH_WINDOW_FLOATS];
    static uint8_t rgb[320 * 240 * 3], again[320 * 240 * 3];
    const int sizes[2][2] = {{160, 120}, {320, 240}};
    double worst = 0, best_moved = 1e9;
    for (int i = 0; i < c.subjects; i++) {
        rq_synth_subject *s = rq_synth_subject_new(&c, i);
        float label;
        rppg_box prev = {0, 0, 0, 0};
        int moved = 0;
        CHECK(s && rq_synth_window(s, 1, win, &label) == 0);
        for (int k = 0; k < RQ_SYNTH_FRAMES; k++) {
            const int64_t n = (int64_t)(8 + k) * c.frame_stride;
            const int w = sizes[k % 2][0], h = sizes[k % 2][1];
            rppg_box box, box2, off;
            CHECK(rq_synth_camera_frame(s, n, w, h, rgb, &box) == 0);
            CHECK(rq_synth_camera_frame(s, n, w, h, again, &box2) == 0);
            CHECK(memcmp(rgb, again, (size_t)w * h * 3) == 0 && memcmp(&box, &box2, sizeof box) == 0);
            CHECK(box.x > 0 && box.y > 0 && box.x + box.w < w && box.y + box.h < h);
            moved += k % 2 == 0 && k > 0 && memcmp(&box, &prev, sizeof box) != 0;
            if (k % 2 == 0)
                prev = box;
            const float *gen = win + (size_t)k * RPPG_FRAME_FLOATS;
            double e = frame_roi_error(rgb, w, h, box, gen);
            worst = e > worst ? e : worst;
            off = box;
            off.y += box.h / 5;
            e = frame_roi_error(rgb, w, h, off, gen);
            best_moved = e < best_moved ? e : best_moved;
        }
        CHECK_MSG(moved > 0, "subject %d: the face box never moves", i);
        rq_synth_subject_free(s);
    }
    printf("  camera frames: ROI mean error %.4f at the box, >= %.4f at a moved box\n", worst, best_moved);
    CHECK_MSG(worst < 4.0 / 255.0, "ROI means differ by %.4f", worst);
    CHECK_MSG(best_moved > 10.0 / 255.0, "a moved box still matches (%.4f)", best_moved);
    rq_synth_subject *s = rq_synth_subject_new(&c, 0);
    rppg_box b;
    CHECK(s && rq_synth_camera_frame(s, 0, 8, 120, rgb, &b) == -1);
    rq_synth_subject_free(s);
}

int main(void)
{
    RUN(area_resize_keeps_a_constant_image);
    RUN(area_resize_integer_ratio_is_block_mean);
    RUN(area_resize_preserves_the_mean);
    RUN(keys_differ_and_repeat);
    RUN(config_checks);
    RUN(windows_are_8bit_in_range_and_deterministic);
    RUN(heart_rate_stays_in_range_and_drifts_slowly);
    RUN(camera_frames_put_the_rois_where_preprocessing_cuts);
    TEST_EXIT();
}
