/* The synthetic data generator: area resize, keyed random streams, window rendering. The
 * torch.load round trip and the statistics of the physics are checked against PyTorch and
 * numpy in tests/integration/synth.sh. */
#include <stdlib.h>

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

int main(void)
{
    RUN(area_resize_keeps_a_constant_image);
    RUN(area_resize_integer_ratio_is_block_mean);
    RUN(area_resize_preserves_the_mean);
    RUN(keys_differ_and_repeat);
    RUN(config_checks);
    RUN(windows_are_8bit_in_range_and_deterministic);
    RUN(heart_rate_stays_in_range_and_drifts_slowly);
    TEST_EXIT();
}
