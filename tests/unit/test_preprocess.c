/* Preprocessing against an exact reference: the ROI edges of preprocess.h are multiples of
 * 1/100 of the face box, so in units of 1/3600 pixel every destination cell edge is an
 * integer and the area average can be computed with integer weights (exact), independent
 * of the runtime's float interval arithmetic. Tolerance 1e-4 of full scale (1/40 of an 8-bit
 * step): float32 cell edges near x = 100 px carry ~1e-5 px of rounding. */
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"
#include "input_contract.h"
#include "preprocess.h"
#include "q8_net.h"

#define U 3600 /* sub-pixel units per pixel */

static uint32_t seed = 12345;
static int rnd(int lo, int hi)
{
    seed = seed * 1103515245u + 12345u;
    return lo + (int)((seed >> 8) % (uint32_t)(hi - lo + 1));
}

/* percent edges of the three ROIs: x0, x1, y0, y1 */
static const int roi_pct[3][4] = {{30, 70, 8, 28}, {15, 40, 45, 70}, {60, 85, 45, 70}};

static double level(const rppg_frame *f, int y, int x, int ch)
{
    const uint8_t *row = f->pixels + (size_t)y * f->stride;
    if (f->format == RPPG_PIX_RGB565) {
        unsigned v = row[2 * x] | (row[2 * x + 1] << 8);
        unsigned c = ch == 0 ? v >> 11 : (ch == 1 ? (v >> 5) & 63 : v & 31);
        return (double)c / (ch == 1 ? 63.0 : 31.0);
    }
    return row[3 * x + ch] / 255.0;
}

static int64_t overlap(int64_t a, int64_t b, int64_t c, int64_t d)
{
    int64_t lo = a > c ? a : c, hi = b < d ? b : d;
    return hi > lo ? hi - lo : 0;
}

/* Exact area average of ROI r; returns -1 if the clipped ROI is empty. */
static int reference_roi(const rppg_frame *f, const rppg_box *b, int r, double *out)
{
    int64_t x0 = ((int64_t)100 * b->x + (int64_t)roi_pct[r][0] * b->w) * 36;
    int64_t x1 = ((int64_t)100 * b->x + (int64_t)roi_pct[r][1] * b->w) * 36;
    int64_t y0 = ((int64_t)100 * b->y + (int64_t)roi_pct[r][2] * b->h) * 36;
    int64_t y1 = ((int64_t)100 * b->y + (int64_t)roi_pct[r][3] * b->h) * 36;
    int i, j, x, y, ch;
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > (int64_t)f->width * U) x1 = (int64_t)f->width * U;
    if (y1 > (int64_t)f->height * U) y1 = (int64_t)f->height * U;
    if (x1 <= x0 || y1 <= y0)
        return -1;
    /* cell edges: x0 + i * (x1 - x0) / 36 is an integer only when the ROI is unclipped;
     * clipped ROIs scale everything by 36 once more */
    for (j = 0; j < 36; j++)
        for (i = 0; i < 36; i++) {
            const int64_t ca = x0 * 36 + i * (x1 - x0), cb = x0 * 36 + (i + 1) * (x1 - x0);
            const int64_t ra = y0 * 36 + j * (y1 - y0), rb = y0 * 36 + (j + 1) * (y1 - y0);
            for (ch = 0; ch < 3; ch++) {
                double sum = 0, wsum = 0;
                for (y = (int)(ra / (36 * U)); y < f->height && (int64_t)y * 36 * U < rb; y++) {
                    const int64_t wy = overlap(ra, rb, (int64_t)y * 36 * U, (int64_t)(y + 1) * 36 * U);
                    for (x = (int)(ca / (36 * U)); x < f->width && (int64_t)x * 36 * U < cb; x++) {
                        const int64_t wx = overlap(ca, cb, (int64_t)x * 36 * U, (int64_t)(x + 1) * 36 * U);
                        sum += (double)wy * (double)wx * level(f, y, x, ch);
                        wsum += (double)wy * (double)wx;
                    }
                }
                out[(j * 36 + i) * 3 + ch] = sum / wsum;
            }
        }
    return 0;
}

static uint8_t pixels[100 * (100 * 3 + 7)];

static void random_frame(rppg_frame *f)
{
    size_t i;
    f->format = rnd(0, 1) ? RPPG_PIX_RGB565 : RPPG_PIX_RGB888;
    f->width = rnd(20, 100);
    f->height = rnd(20, 100);
    f->stride = (size_t)f->width * (f->format == RPPG_PIX_RGB565 ? 2 : 3) + (size_t)rnd(0, 7);
    for (i = 0; i < sizeof pixels; i++)
        pixels[i] = (uint8_t)rnd(0, 255);
    f->pixels = pixels;
}

static void test_area_resize_is_exact_area_average(void)
{
    static float got[RPPG_FRAME_FLOATS];
    static double want[RPPG_PATCH_FLOATS];
    int it, r, i, clipped = 0, inside = 0;
    for (it = 0; it < 150; it++) {
        rppg_frame f;
        rppg_box b;
        int rc;
        random_frame(&f);
        b.w = rnd(8, f.width + 30);
        b.h = rnd(8, f.height + 30);
        b.x = it % 2 ? rnd(0, f.width - b.w > 0 ? f.width - b.w : 0) : rnd(-b.w / 2, f.width - 4);
        b.y = it % 2 ? rnd(0, f.height - b.h > 0 ? f.height - b.h : 0) : rnd(-b.h / 2, f.height - 4);
        rc = rppg_preprocess_frame(&f, &b, got);
        for (r = 0; r < 3; r++) {
            int ref = reference_roi(&f, &b, r, want);
            if (ref != 0) {
                CHECK(rc == -1);
                break;
            }
            if (rc != 0)
                break; /* a later ROI failed */
            for (i = 0; i < RPPG_PATCH_FLOATS; i++)
                CHECK_NEAR(got[r * RPPG_PATCH_FLOATS + i], want[i], 1e-4);
            if (b.x < 0 || b.y < 0 || b.x + b.w > f.width || b.y + b.h > f.height)
                clipped++;
            else
                inside++;
        }
    }
    CHECK_MSG(clipped > 20 && inside > 20, "clipped %d inside %d", clipped, inside);
}

static void test_constant_frame_and_stride(void)
{
    static uint8_t a[64 * 64 * 3], bbuf[64 * (64 * 3 + 9)];
    static float fa[RPPG_FRAME_FLOATS], fb[RPPG_FRAME_FLOATS];
    rppg_frame f1 = {a, 64, 64, 64 * 3, RPPG_PIX_RGB888};
    rppg_frame f2 = {bbuf, 64, 64, 64 * 3 + 9, RPPG_PIX_RGB888};
    rppg_box box = {3, 5, 57, 49};
    int y, i;
    for (i = 0; i < (int)sizeof a; i++)
        a[i] = (uint8_t)(i % 3 == 0 ? 200 : (i % 3 == 1 ? 100 : 50));
    CHECK(rppg_preprocess_frame(&f1, &box, fa) == 0);
    for (i = 0; i < RPPG_FRAME_FLOATS; i += 3) {
        CHECK_NEAR(fa[i], 200.0 / 255, 1e-6);
        CHECK_NEAR(fa[i + 1], 100.0 / 255, 1e-6);
        CHECK_NEAR(fa[i + 2], 50.0 / 255, 1e-6);
    }
    for (i = 0; i < (int)sizeof a; i++)
        a[i] = (uint8_t)(i * 7 + i / 191);
    for (y = 0; y < 64; y++)
        memcpy(bbuf + y * (64 * 3 + 9), a + y * 64 * 3, 64 * 3);
    CHECK(rppg_preprocess_frame(&f1, &box, fa) == 0);
    CHECK(rppg_preprocess_frame(&f2, &box, fb) == 0);
    CHECK(memcmp(fa, fb, sizeof fa) == 0);
}

static void test_bad_frames_and_boxes_are_refused(void)
{
    static float out[RPPG_FRAME_FLOATS];
    rppg_frame f = {pixels, 50, 40, 150, RPPG_PIX_RGB888};
    rppg_box outside = {60, 0, 30, 30}, empty = {5, 5, 0, 30}, ok = {5, 5, 30, 30};
    CHECK(rppg_preprocess_frame(&f, &ok, out) == 0);
    CHECK(rppg_preprocess_frame(&f, &outside, out) == -1);
    CHECK(rppg_preprocess_frame(&f, &empty, out) == -1);
    f.stride = 149;
    CHECK(rppg_preprocess_frame(&f, &ok, out) == -1);
    f.stride = 150;
    f.format = (rppg_pixel_format)7;
    CHECK(rppg_preprocess_frame(&f, &ok, out) == -1);
    f.format = RPPG_PIX_RGB888;
    f.pixels = NULL;
    CHECK(rppg_preprocess_frame(&f, &ok, out) == -1);
}

/* Slivers, 1-pixel faces at the frame edge and extreme coordinates: no read outside the
 * frame (ASan), outputs in [0,1] or a refusal. */
static void test_tiny_and_extreme_boxes(void)
{
    static float out[RPPG_FRAME_FLOATS];
    rppg_frame f = {pixels, 50, 40, 150, RPPG_PIX_RGB888};
    const rppg_box boxes[] = {{49, 39, 1, 1}, {48, 0, 2, 40}, {0, 38, 50, 2}, {-3, -3, 4, 4},
                              {2147483000, 5, 2147483000, 5}, {-2147483000, -2147483000, 2147483000, 2147483000},
                              {49, 39, 2147483000, 2147483000}};
    size_t b;
    int i;
    for (b = 0; b < sizeof boxes / sizeof boxes[0]; b++) {
        int rc = rppg_preprocess_frame(&f, &boxes[b], out);
        CHECK(rc == 0 || rc == -1);
        if (rc == 0)
            for (i = 0; i < RPPG_FRAME_FLOATS; i++)
                CHECK_MSG(out[i] >= 0.0f && out[i] <= 1.0f, "box %zu value %d = %g", b, i, (double)out[i]);
    }
}

/* The per-patch path equals the contract over the whole window followed by TFLite's
 * quantization (x / scale, rounded half away from zero, plus zero point, clamped). */
static void test_window_patch_equals_whole_window(void)
{
    enum { T = 8 };
    static float win[T * RPPG_FRAME_FLOATS], applied[T * RPPG_FRAME_FLOATS];
    const float *frames[T];
    int8_t patch[RPPG_PATCH_BYTES];
    const rppg_contract cs[2] = {{RPPG_REPR_RAW, 0, 0, 1}, {RPPG_REPR_WINDOW_RATIO, 50.0f, 4.0f, 4}};
    const float scales[2] = {1.0f / 255.0f, 8.0f / 255.0f};
    const int32_t zps[2] = {-128, 0};
    int c, t, r, i;
    for (i = 0; i < T * RPPG_FRAME_FLOATS; i++)
        win[i] = (float)rnd(0, 1000000) / 1000000.0f * (i % 97 == 0 ? 0.0f : 1.0f);
    for (t = 0; t < T; t++)
        frames[t] = win + t * RPPG_FRAME_FLOATS;
    for (c = 0; c < 2; c++) {
        rppg_contract_apply(&cs[c], T, RPPG_FRAME_FLOATS, win, applied);
        for (t = 0; t < T; t++)
            for (r = 0; r < 3; r++) {
                CHECK(rppg_window_patch(&cs[c], frames, T, t, r, scales[c], zps[c], patch) == 0);
                for (i = 0; i < RPPG_PATCH_BYTES; i++) {
                    const float x = applied[t * RPPG_FRAME_FLOATS + r * RPPG_PATCH_FLOATS + i];
                    long q = lroundf(x / scales[c]) + zps[c];
                    q = q < -128 ? -128 : (q > 127 ? 127 : q);
                    CHECK_MSG(patch[i] == q, "c=%d t=%d r=%d i=%d", c, t, r, i);
                }
            }
    }
    CHECK(rppg_window_patch(&cs[0], frames, 0, 0, 0, 1.0f, 0, patch) == -1);
    CHECK(rppg_window_patch(&cs[0], frames, T, T, 0, 1.0f, 0, patch) == -1);
    CHECK(rppg_window_patch(&cs[0], frames, T, 0, -1, 1.0f, 0, patch) == -1);
}

int main(void)
{
    RUN(test_area_resize_is_exact_area_average);
    RUN(test_constant_frame_and_stride);
    RUN(test_bad_frames_and_boxes_are_refused);
    RUN(test_tiny_and_extreme_boxes);
    RUN(test_window_patch_equals_whole_window);
    TEST_EXIT();
}
