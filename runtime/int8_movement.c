/* Data-movement kernels: see int8_movement.h. */
#include "int8_movement.h"

#include <math.h>
#include <string.h>

/* One innermost row of a view: n elements from in (step is) to out (step os). */
typedef void (*row_fn)(const uint8_t *in, int64_t is, uint8_t *out, int64_t os, int32_t n,
                       int elem, const void *ctx);

static void copy_row(const uint8_t *in, int64_t is, uint8_t *out, int64_t os, int32_t n,
                     int elem, const void *ctx)
{
    (void)ctx;
    if (is == 1 && os == 1) {
        memcpy(out, in, (size_t)n * (size_t)elem);
        return;
    }
    if (elem == 1) {
        for (int32_t i = 0; i < n; i++)
            out[i * os] = in[i * is];
        return;
    }
    for (int32_t i = 0; i < n; i++)
        memcpy(out + i * os * elem, in + i * is * elem, (size_t)elem);
}

static void requant_row(const uint8_t *in, int64_t is, uint8_t *out, int64_t os, int32_t n,
                        int elem, const void *ctx)
{
    const rppg_mv_requant *q = (const rppg_mv_requant *)ctx;
    (void)elem;
#ifdef RPPG_Q8_MVE
    if (is == 1 && os == 1) { /* Helium: four elements per vector, rppg_q8_requantize4 */
        for (int32_t i = 0; i < n; i += 4) {
            const mve_pred16_t pr = vctp32q((uint32_t)(n - i));
            const int32x4_t x = vsubq_n_s32(vldrbq_z_s32((const int8_t *)in + i, pr), q->in_zp);
            vstrbq_p_s32((int8_t *)out + i,
                         rppg_q8_requantize4(x, q->multiplier, q->shift, q->rounding, q->out_zp, -128, 127), pr);
        }
        return;
    }
#endif
    for (int32_t i = 0; i < n; i++) {
        int32_t x = (int32_t)(int8_t)in[i * is] - q->in_zp;
        int32_t v = rppg_q8_mbqm(x, q->multiplier, q->shift, q->rounding) + q->out_zp;
        v = v < -128 ? -128 : v > 127 ? 127 : v;
        out[i * os] = (uint8_t)(int8_t)v;
    }
}

/* Walks every index of the view but the last with a counter per dimension (odometer) and
 * hands each innermost row to row(). */
static void walk(const rppg_mv_view *v, const uint8_t *in, uint8_t *out, row_fn row,
                 const void *ctx)
{
    const int e = v->elem;
    if (v->rank == 0) {
        row(in + v->in_off * e, 1, out + v->out_off * e, 1, 1, e, ctx);
        return;
    }
    for (int d = 0; d < v->rank; d++)
        if (v->dims[d] <= 0)
            return;
    const int last = v->rank - 1;
    int32_t idx[RPPG_MV_MAX_DIMS] = {0};
    int64_t ip = v->in_off, op = v->out_off;
    for (;;) {
        row(in + ip * e, v->in_stride[last], out + op * e, v->out_stride[last], v->dims[last],
            e, ctx);
        int d = last - 1;
        while (d >= 0) {
            ip += v->in_stride[d];
            op += v->out_stride[d];
            if (++idx[d] < v->dims[d])
                break;
            ip -= v->in_stride[d] * v->dims[d];
            op -= v->out_stride[d] * v->dims[d];
            idx[d] = 0;
            d--;
        }
        if (d < 0)
            return;
    }
}

void rppg_mv_copy(const rppg_mv_view *v, const void *in, void *out)
{
    walk(v, (const uint8_t *)in, (uint8_t *)out, copy_row, NULL);
}

void rppg_mv_copy_requant(const rppg_mv_view *v, const rppg_mv_requant *q, const int8_t *in,
                          int8_t *out)
{
    walk(v, (const uint8_t *)in, (uint8_t *)out, requant_row, q);
}

void rppg_mv_fill(void *out, size_t n, const void *value, int elem)
{
    uint8_t *o = (uint8_t *)out;
    if (elem == 1) {
        memset(o, *(const uint8_t *)value, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(o + i * (size_t)elem, value, (size_t)elem);
}

void rppg_mv_gather_run(const rppg_mv_gather *p, const void *in, const int32_t *indices,
                        void *out)
{
    const uint8_t *src = (const uint8_t *)in;
    uint8_t *dst = (uint8_t *)out;
    const size_t row = (size_t)p->inner * (size_t)p->elem;
    for (int32_t b = 0; b < p->batch; b++)
        for (int32_t o = 0; o < p->outer; o++)
            for (int32_t c = 0; c < p->coords; c++) {
                int32_t k = indices[(size_t)b * (size_t)p->coords + (size_t)c];
                size_t at = (((size_t)b * (size_t)p->outer + (size_t)o) * (size_t)p->coords +
                             (size_t)c) * row;
                if (k < 0 || k >= p->axis_size) {
                    memset(dst + at, 0, row);
                    continue;
                }
                size_t from = (((size_t)b * (size_t)p->outer + (size_t)o) *
                                   (size_t)p->axis_size + (size_t)k) * row;
                memcpy(dst + at, src + from, row);
            }
}

/* ---- RESIZE_BILINEAR (integer) ----------------------------------------------------- */

/* Source coordinate of output index value in 1/1024 units and its two neighbours,
 * as TFLite's ComputeInterpolationValuesInteger (C division truncates toward zero, as
 * C++'s does). The lower neighbour is also kept inside the input, where TFLite would read
 * past it (upsampling by more than ~1000x). */
static void interp_index(int32_t value, int32_t scale_10, int half_pixel, int32_t in_size,
                         int32_t *scaled, int32_t *lo, int32_t *hi)
{
    int32_t s = half_pixel ? value * scale_10 + scale_10 / 2 - (1 << 9) : value * scale_10;
    int32_t l = s / (1 << 10);
    int32_t h = (s + (1 << 10) - 1) / (1 << 10);
    l = l < 0 ? 0 : l;
    l = l > in_size - 1 ? in_size - 1 : l;
    *scaled = s;
    *lo = l;
    *hi = h < in_size - 1 ? h : in_size - 1;
}

static int32_t scale_10(int32_t in_size, int32_t out_size, int align_corners)
{
    if (align_corners && out_size > 1)
        return ((1 << 10) * (in_size - 1) + (out_size - 1) / 2) / (out_size - 1);
    return ((1 << 10) * in_size + out_size / 2) / out_size;
}

/* The 20-bit sum back to an integer: half away from zero (double rounding build of
 * TFLite), or add half and shift (TFLITE_SINGLE_ROUNDING). */
static int8_t round_20(int64_t v, rppg_q8_rounding rounding)
{
    int64_t r;
    if (rounding == RPPG_Q8_ROUND_SINGLE) {
        int64_t x = v + (1 << 19); /* floor division by 2^20, without shifting a negative */
        r = x >= 0 ? x / (1 << 20) : -((-x + (1 << 20) - 1) / (1 << 20));
    } else {
        r = (v + (v > 0 ? (1 << 19) : -(1 << 19))) / (1 << 20);
    }
    return (int8_t)r;
}

#ifdef RPPG_Q8_MVE
static int64_t abs64(int64_t v)
{
    return v < 0 ? -v : v;
}

/* The four weighted int8 values sum in int32 when the weights' magnitudes keep
 * 128 * (|wy0| + |wy1|) * (|wx0| + |wx1|) below 2^31 (always, except far outside the
 * ordinary 0..1024 weights: TFLite's clamped extrapolation). */
static int bilinear_fits_i32(int64_t wy0, int64_t wy1, int64_t wx0, int64_t wx1)
{
    return (abs64(wy0) + abs64(wy1)) * (abs64(wx0) + abs64(wx1)) < ((int64_t)1 << 23);
}

/* Helium: four channels of one output pixel per vector; round_20's two roundings as a
 * rounding shift (VRSHR: floor((v + 2^19) / 2^20)), after subtracting 1 from negative lanes
 * for half away from zero. The int8 store keeps the low byte, as round_20's cast does. */
static void bilinear_px_mve(const int8_t *a, const int8_t *b, const int8_t *c, const int8_t *d,
                            int32_t w00, int32_t w10, int32_t w01, int32_t w11, int32_t depth,
                            rppg_q8_rounding rounding, int8_t *out)
{
    for (int32_t ch = 0; ch < depth; ch += 4) {
        const mve_pred16_t pr = vctp32q((uint32_t)(depth - ch));
        int32x4_t s = vmulq_n_s32(vldrbq_z_s32(a + ch, pr), w00);
        s = vmlaq_n_s32(s, vldrbq_z_s32(b + ch, pr), w10);
        s = vmlaq_n_s32(s, vldrbq_z_s32(c + ch, pr), w01);
        s = vmlaq_n_s32(s, vldrbq_z_s32(d + ch, pr), w11);
        if (rounding != RPPG_Q8_ROUND_SINGLE)
            s = vaddq_s32(s, vshrq_n_s32(s, 31));
        vstrbq_p_s32(out + ch, vrshrq_n_s32(s, 20), pr);
    }
}
#endif

void rppg_mv_resize_bilinear_s8(const rppg_mv_resize *p, const int8_t *in, int8_t *out)
{
    const int32_t sh = scale_10(p->in_h, p->out_h, p->align_corners);
    const int32_t sw = scale_10(p->in_w, p->out_w, p->align_corners);
    const size_t row = (size_t)p->in_w * (size_t)p->depth;
    for (int32_t b = 0; b < p->batches; b++) {
        const int8_t *img = in + (size_t)b * (size_t)p->in_h * row;
        for (int32_t y = 0; y < p->out_h; y++) {
            int32_t iy, y0, y1;
            interp_index(y, sh, p->half_pixel_centers, p->in_h, &iy, &y0, &y1);
            const int64_t wy1 = iy - (1 << 10) * y0, wy0 = (1 << 10) - wy1;
            for (int32_t x = 0; x < p->out_w; x++) {
                int32_t ix, x0, x1;
                interp_index(x, sw, p->half_pixel_centers, p->in_w, &ix, &x0, &x1);
                const int64_t wx1 = ix - (1 << 10) * x0, wx0 = (1 << 10) - wx1;
                const int8_t *a = img + (size_t)y0 * row + (size_t)x0 * (size_t)p->depth;
                const int8_t *bq = img + (size_t)y1 * row + (size_t)x0 * (size_t)p->depth;
                const int8_t *c = img + (size_t)y0 * row + (size_t)x1 * (size_t)p->depth;
                const int8_t *d = img + (size_t)y1 * row + (size_t)x1 * (size_t)p->depth;
#ifdef RPPG_Q8_MVE
                if (bilinear_fits_i32(wy0, wy1, wx0, wx1)) {
                    bilinear_px_mve(a, bq, c, d, (int32_t)(wy0 * wx0), (int32_t)(wy1 * wx0),
                                    (int32_t)(wy0 * wx1), (int32_t)(wy1 * wx1), p->depth, p->rounding, out);
                    out += p->depth;
                    continue;
                }
#endif
                for (int32_t ch = 0; ch < p->depth; ch++) {
                    int64_t s = a[ch] * wy0 * wx0 + bq[ch] * wy1 * wx0 + c[ch] * wy0 * wx1 +
                                d[ch] * wy1 * wx1;
                    *out++ = round_20(s, p->rounding);
                }
            }
        }
    }
}

/* ---- RESIZE_NEAREST_NEIGHBOR ------------------------------------------------------- */

/* TFLite's GetNearestNeighbor, in float as it computes it. */
void rppg_mv_nearest_index(int32_t in_size, int32_t out_size, int align_corners,
                           int half_pixel_centers, int32_t *index)
{
    const float scale = (align_corners && out_size > 1)
                            ? (float)(in_size - 1) / (float)(out_size - 1)
                            : (float)in_size / (float)out_size;
    const float offset = half_pixel_centers ? 0.5f : 0.0f;
    for (int32_t o = 0; o < out_size; o++) {
        float f = ((float)o + offset) * scale;
        int32_t v = align_corners ? (int32_t)roundf(f) : (int32_t)floorf(f);
        v = v < in_size - 1 ? v : in_size - 1;
        if (half_pixel_centers && v < 0)
            v = 0;
        index[o] = v;
    }
}

void rppg_mv_resize_nearest(const rppg_mv_resize *p, const int32_t *y_index,
                            const int32_t *x_index, int elem, const void *in, void *out)
{
    const uint8_t *src = (const uint8_t *)in;
    uint8_t *dst = (uint8_t *)out;
    const size_t px = (size_t)p->depth * (size_t)elem;
    const size_t row = (size_t)p->in_w * px;
    for (int32_t b = 0; b < p->batches; b++) {
        const uint8_t *img = src + (size_t)b * (size_t)p->in_h * row;
        for (int32_t y = 0; y < p->out_h; y++)
            for (int32_t x = 0; x < p->out_w; x++) {
                memcpy(dst, img + (size_t)y_index[y] * row + (size_t)x_index[x] * px, px);
                dst += px;
            }
    }
}
