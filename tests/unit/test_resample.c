/* The runtime's resampler (runtime/resample.h) by its properties: a 30 fps stream resampled
 * to a stride-4 model is exactly every 4th frame (same bits); any input that is a linear
 * function of time comes out as that function at the sample times; the number of samples
 * is the number of sample times the stream covers; bad timestamps are refused with their
 * error code and change nothing. */
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"
#include "resample.h"

#define FLOATS RPPG_FRAME_FLOATS

static uint32_t seed = 99;
static uint32_t rnd_u32(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    return seed;
}
static float rnd_unit(void) { return (float)(rnd_u32() >> 8) / 16777216.0f; }

static const rppg_contract stride4 = {RPPG_REPR_WINDOW_RATIO, 50.0f, 4.0f, 4};

/* frame i of a camera at fps, as a camera clock in us would stamp it */
static int64_t cam_time(int64_t t0, int64_t i, int64_t fps)
{
    return t0 + (i * 1000000 + fps / 2) / fps;
}

static void thirty_fps_is_every_kth_frame(void)
{
    for (int stride = 1; stride <= 5; stride++) {
        const rppg_contract c = {RPPG_REPR_RAW, 1.0f, 0.0f, stride};
        const rppg_resample_config cfg = rppg_resample_config_of(&c);
        const int n_frames = 8 * stride + 3;
        float *frames = malloc(sizeof(float) * FLOATS * (size_t)n_frames);
        float *prev = malloc(sizeof(float) * FLOATS);
        float *outbuf = malloc(sizeof(float) * FLOATS * 2);
        float *out[2] = {outbuf, outbuf + FLOATS};
        rppg_resampler rs;
        int produced = 0;
        CHECK(frames && prev && outbuf);
        CHECK(rppg_resampler_init(&rs, &cfg, prev) == 0);
        for (size_t i = 0; i < (size_t)n_frames * FLOATS; i++)
            frames[i] = rnd_unit();
        const int64_t t0 = 1234567890123LL + stride;
        for (int i = 0; i < n_frames; i++) {
            int n = rppg_resampler_push(&rs, cam_time(t0, i, 30), frames + (size_t)i * FLOATS, out, 2);
            CHECK_MSG(n == (i % stride == 0), "stride %d frame %d: %d samples", stride, i, n);
            if (n == 1) {
                CHECK_MSG(!memcmp(out[0], frames + (size_t)i * FLOATS, sizeof(float) * FLOATS),
                          "stride %d: sample %d differs from frame %d", stride, produced, i);
                produced++;
            }
        }
        CHECK(produced == 8 + (3 + stride - 1) / stride);
        free(frames), free(prev), free(outbuf);
    }
}

/* Frames whose every value is a + b * t: the samples are a + b * s (up to float rounding),
 * at any camera rate and with jittered timestamps. */
static void linear_in_time_stays_linear(void)
{
    static const int rates[] = {15, 25, 30, 60, 9};
    const rppg_resample_config cfg = rppg_resample_config_of(&stride4);
    float *prev = malloc(sizeof(float) * FLOATS), *cur = malloc(sizeof(float) * FLOATS);
    float *outbuf = malloc(sizeof(float) * FLOATS * 2);
    float *out[2] = {outbuf, outbuf + FLOATS};
    float a[16], b[16]; /* per value (repeating): level and slope per second */
    CHECK(prev && cur && outbuf);
    for (int k = 0; k < 16; k++) {
        a[k] = 0.2f + 0.5f * rnd_unit();
        b[k] = (rnd_unit() - 0.5f) * 0.05f;
    }
    for (size_t r = 0; r < sizeof rates / sizeof *rates; r++) {
        rppg_resampler rs;
        const int64_t t0 = 5000000 + (int64_t)rnd_u32() % 100000;
        int64_t j = 0;
        CHECK(rppg_resampler_init(&rs, &cfg, prev) == 0);
        for (int i = 0; i < 5 * rates[r]; i++) {
            int64_t t = cam_time(t0, i, rates[r]);
            if (i > 0) /* +-3 ms of jitter */
                t += (int64_t)(rnd_u32() % 6001) - 3000;
            const double ts = (double)(t - t0) * 1e-6;
            for (int v = 0; v < FLOATS; v++)
                cur[v] = (float)(a[v % 16] + b[v % 16] * ts);
            int n = rppg_resampler_push(&rs, t, cur, out, 2);
            CHECK_MSG(n >= 0 && n <= 2, "%d fps frame %d: %d", rates[r], i, n);
            for (int k = 0; k < n; k++, j++) {
                const int64_t s = rppg_resampler_sample_time(&rs, j);
                const double ss = (double)(s - t0) * 1e-6;
                CHECK_MSG(llabs(s - t0 - (j * 4000000 + 15) / 30) <= 3000 || j == 0,
                          "sample %lld at %lld", (long long)j, (long long)s);
                for (int v = 0; v < FLOATS; v += 97)
                    CHECK_NEAR(out[k][v], a[v % 16] + b[v % 16] * ss, 2e-6);
            }
        }
        /* every sample time the stream covered, and only those */
        const int64_t t_last = rs.t_prev;
        CHECK_MSG(rppg_resampler_sample_time(&rs, j - 1) <= t_last &&
                      rppg_resampler_sample_time(&rs, j) > t_last,
                  "%d fps: %lld samples", rates[r], (long long)j);
    }
    free(prev), free(cur), free(outbuf);
}

static void bad_timestamps_change_nothing(void)
{
    const rppg_resample_config cfg = rppg_resample_config_of(&stride4);
    float *prev = malloc(sizeof(float) * FLOATS), *f = malloc(sizeof(float) * FLOATS * 4);
    float *outbuf = malloc(sizeof(float) * FLOATS * 4);
    float *out[2] = {outbuf, outbuf + FLOATS}, *ref[2] = {outbuf + 2 * FLOATS, outbuf + 3 * FLOATS};
    rppg_resampler rs, clean;
    float *prev2 = malloc(sizeof(float) * FLOATS);
    CHECK(prev && f && outbuf && prev2);
    for (size_t i = 0; i < (size_t)FLOATS * 4; i++)
        f[i] = rnd_unit();
    CHECK(cfg.max_gap_us == 200000); /* 1.5 periods of 7.5 Hz */
    CHECK(rppg_resampler_init(&rs, &cfg, prev) == 0);
    CHECK(rppg_resampler_init(&clean, &cfg, prev2) == 0);
    CHECK(rppg_resampler_push(&rs, 1000, f, out, 2) == 1);
    CHECK(rppg_resampler_push(&clean, 1000, f, ref, 2) == 1);
    CHECK(rppg_resampler_push(&rs, 100000, f + FLOATS, out, 2) == 0);
    CHECK(rppg_resampler_push(&clean, 100000, f + FLOATS, ref, 2) == 0);
    /* the same time again, an earlier time: refused */
    CHECK(rppg_resampler_push(&rs, 100000, f + 2 * FLOATS, out, 2) == RPPG_RESAMPLE_BACKWARDS);
    CHECK(rppg_resampler_push(&rs, 99999, f + 2 * FLOATS, out, 2) == RPPG_RESAMPLE_BACKWARDS);
    /* one microsecond beyond the gap limit: refused; at the limit: accepted */
    CHECK(rppg_resampler_push(&rs, 300001, f + 2 * FLOATS, out, 2) == RPPG_RESAMPLE_GAP);
    CHECK(rppg_resampler_push(&rs, 0, f + 2 * FLOATS, out, 2) == RPPG_RESAMPLE_BACKWARDS);
    /* too few output slots, missing buffers */
    CHECK(rppg_resampler_push(&rs, 150000, f + 2 * FLOATS, out, 1) == RPPG_RESAMPLE_BAD_ARG);
    CHECK(rppg_resampler_push(&rs, 150000, NULL, out, 2) == RPPG_RESAMPLE_BAD_ARG);
    /* the refused frames left no trace: the stream goes on as the clean one */
    CHECK(rppg_resampler_push(&rs, 300000, f + 3 * FLOATS, out, 2) == 2);
    CHECK(rppg_resampler_push(&clean, 300000, f + 3 * FLOATS, ref, 2) == 2);
    CHECK(!memcmp(out[0], ref[0], sizeof(float) * FLOATS * 1));
    CHECK(!memcmp(out[1], ref[1], sizeof(float) * FLOATS * 1));
    CHECK(rppg_resampler_sample_time(&rs, 1) == 1000 + 133333);
    CHECK(rppg_resampler_sample_time(&rs, 2) == 1000 + 266667);
    /* after a gap: reset, and the frame starts a new series */
    CHECK(rppg_resampler_push(&rs, 900000, f, out, 2) == RPPG_RESAMPLE_GAP);
    rppg_resampler_reset(&rs);
    CHECK(rppg_resampler_push(&rs, 900000, f, out, 2) == 1);
    CHECK(!memcmp(out[0], f, sizeof(float) * FLOATS));
    CHECK(rppg_resampler_sample_time(&rs, 3) == 900000 + 400000);
    free(prev), free(prev2), free(f), free(outbuf);
}

static void bad_configs_are_refused(void)
{
    float buf[4];
    rppg_resampler rs;
    rppg_resample_config cfg = rppg_resample_config_of(&stride4);
    CHECK(rppg_resampler_init(&rs, &cfg, buf) == 0);
    CHECK(rppg_resampler_init(&rs, &cfg, NULL) == RPPG_RESAMPLE_BAD_ARG);
    cfg.max_gap_us = 200001; /* beyond 1.5 periods */
    CHECK(rppg_resampler_init(&rs, &cfg, buf) == RPPG_RESAMPLE_BAD_ARG);
    cfg.max_gap_us = 0;
    CHECK(rppg_resampler_init(&rs, &cfg, buf) == RPPG_RESAMPLE_BAD_ARG);
    cfg = rppg_resample_config_of(&stride4);
    cfg.period_den = 0;
    CHECK(rppg_resampler_init(&rs, &cfg, buf) == RPPG_RESAMPLE_BAD_ARG);
    cfg.period_den = 30;
    cfg.period_num = -5;
    CHECK(rppg_resampler_init(&rs, &cfg, buf) == RPPG_RESAMPLE_BAD_ARG);
    /* stride 1: 30 Hz, 50 ms gap limit */
    const rppg_contract s1 = {RPPG_REPR_RAW, 1.0f, 0.0f, 1};
    cfg = rppg_resample_config_of(&s1);
    CHECK(cfg.period_num == 1000000 && cfg.period_den == 30 && cfg.max_gap_us == 50000);
}

int main(void)
{
    RUN(thirty_fps_is_every_kth_frame);
    RUN(linear_in_time_stays_linear);
    RUN(bad_timestamps_change_nothing);
    RUN(bad_configs_are_refused);
    TEST_EXIT();
}
