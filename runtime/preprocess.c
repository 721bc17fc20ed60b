#include "preprocess.h"

#include "q8_net.h"

/* ROI edges as fractions of the face box: x0, x1, y0, y1 (see preprocess.h). */
static const float roi_fractions[RPPG_ROIS][4] = {
    {0.30f, 0.70f, 0.08f, 0.28f}, /* forehead */
    {0.15f, 0.40f, 0.45f, 0.70f}, /* left cheek */
    {0.60f, 0.85f, 0.45f, 0.70f}, /* right cheek */
};

rppg_rect rppg_roi_rect(const rppg_box *face, int roi)
{
    const float *f = roi_fractions[roi < 0 || roi >= RPPG_ROIS ? 0 : roi];
    rppg_rect r;
    r.x0 = (float)face->x + f[0] * (float)face->w;
    r.x1 = (float)face->x + f[1] * (float)face->w;
    r.y0 = (float)face->y + f[2] * (float)face->h;
    r.y1 = (float)face->y + f[3] * (float)face->h;
    return r;
}

static float minf(float a, float b) { return a < b ? a : b; }
static float maxf(float a, float b) { return a > b ? a : b; }

/* The source pixels [first, last] one destination cell [a, b) covers. */
static void cell_span(float a, float b, int limit, int *first, int *last)
{
    int f = (int)a, l = (int)b; /* a, b >= 0: truncation is floor */
    if ((float)l == b)
        l--;
    if (l >= limit)
        l = limit - 1;
    if (f >= limit) /* only for slivers narrower than float rounding at the frame edge */
        f = limit - 1;
    *first = f;
    *last = l < f ? f : l;
}

static void read_pixel(const rppg_frame *fr, int y, int x, float rgb[3])
{
    const uint8_t *row = fr->pixels + (size_t)y * fr->stride;
    if (fr->format == RPPG_PIX_RGB565) {
        const unsigned v = (unsigned)row[2 * x] | ((unsigned)row[2 * x + 1] << 8);
        rgb[0] = (float)((v >> 11) & 31u);
        rgb[1] = (float)((v >> 5) & 63u);
        rgb[2] = (float)(v & 31u);
    } else {
        rgb[0] = (float)row[3 * x];
        rgb[1] = (float)row[3 * x + 1];
        rgb[2] = (float)row[3 * x + 2];
    }
}

/* Weighted sum of source row y over destination columns: h[i][ch] and the weight total
 * wsum[i] (equal to the cell width up to rounding). */
static void row_sums(const rppg_frame *fr, int y, float x0, float sx, int out_w, float *h,
                     float *wsum)
{
    int i, x, ch;
    for (i = 0; i < out_w; i++) {
        const float a = x0 + (float)i * sx, b = x0 + (float)(i + 1) * sx;
        float acc[3] = {0.0f, 0.0f, 0.0f}, ws = 0.0f;
        int first, last;
        cell_span(a, b, fr->width, &first, &last);
        for (x = first; x <= last; x++) {
            const float w = minf((float)(x + 1), b) - maxf((float)x, a);
            float rgb[3];
            if (w <= 0.0f)
                continue;
            read_pixel(fr, y, x, rgb);
            for (ch = 0; ch < 3; ch++)
                acc[ch] += w * rgb[ch];
            ws += w;
        }
        for (ch = 0; ch < 3; ch++)
            h[3 * i + ch] = acc[ch];
        wsum[i] = ws;
    }
}

static int frame_ok(const rppg_frame *fr)
{
    const size_t bpp = fr->format == RPPG_PIX_RGB565 ? 2u : 3u;
    if (!fr->pixels || fr->width <= 0 || fr->height <= 0)
        return 0;
    if (fr->format != RPPG_PIX_RGB565 && fr->format != RPPG_PIX_RGB888)
        return 0;
    return fr->stride >= (size_t)fr->width * bpp;
}

#define RESIZE_MAX_W 36 /* destination width limit of the stack buffers */

int rppg_area_resize(const rppg_frame *frame, rppg_rect src, int out_w, int out_h, float *out)
{
    float h[3 * RESIZE_MAX_W], wsum[RESIZE_MAX_W], acc[3 * RESIZE_MAX_W];
    float sx, sy, level[3];
    int i, j, y, ch;
    if (!frame_ok(frame) || out_w <= 0 || out_h <= 0 || out_w > RESIZE_MAX_W)
        return -1;
    src.x0 = maxf(src.x0, 0.0f);
    src.y0 = maxf(src.y0, 0.0f);
    src.x1 = minf(src.x1, (float)frame->width);
    src.y1 = minf(src.y1, (float)frame->height);
    if (!(src.x1 > src.x0 && src.y1 > src.y0)) /* also rejects NaN edges */
        return -1;
    sx = (src.x1 - src.x0) / (float)out_w;
    sy = (src.y1 - src.y0) / (float)out_h;
    level[0] = level[2] = frame->format == RPPG_PIX_RGB565 ? 31.0f : 255.0f;
    level[1] = frame->format == RPPG_PIX_RGB565 ? 63.0f : 255.0f;
    for (j = 0; j < out_h; j++) {
        const float a = src.y0 + (float)j * sy, b = src.y0 + (float)(j + 1) * sy;
        float wy_sum = 0.0f;
        int first, last;
        cell_span(a, b, frame->height, &first, &last);
        for (i = 0; i < 3 * out_w; i++)
            acc[i] = 0.0f;
        for (y = first; y <= last; y++) {
            const float wy = minf((float)(y + 1), b) - maxf((float)y, a);
            if (wy <= 0.0f)
                continue;
            row_sums(frame, y, src.x0, sx, out_w, h, wsum);
            for (i = 0; i < 3 * out_w; i++)
                acc[i] += wy * h[i];
            wy_sum += wy;
        }
        for (i = 0; i < out_w; i++)
            for (ch = 0; ch < 3; ch++) {
                const float area = wy_sum * wsum[i];
                out[(j * out_w + i) * 3 + ch] = area > 0.0f ? acc[3 * i + ch] / area / level[ch] : 0.0f;
            }
    }
    return 0;
}

int rppg_preprocess_frame(const rppg_frame *frame, const rppg_box *face, float *out)
{
    int r;
    for (r = 0; r < RPPG_ROIS; r++)
        if (rppg_area_resize(frame, rppg_roi_rect(face, r), RPPG_ROI_SIZE, RPPG_ROI_SIZE,
                             out + r * RPPG_PATCH_FLOATS) != 0)
            return -1;
    return 0;
}

int rppg_window_patch(const rppg_contract *contract, const float *const *frames, int n_frames,
                      int t, int roi, float in_scale, int32_t in_zp, int8_t *out)
{
    float column[RPPG_MAX_WINDOW], applied[RPPG_MAX_WINDOW];
    const size_t base = (size_t)roi * RPPG_PATCH_FLOATS;
    int i, k;
    if (n_frames < 1 || n_frames > RPPG_MAX_WINDOW || t < 0 || t >= n_frames || roi < 0 ||
        roi >= RPPG_ROIS)
        return -1;
    for (i = 0; i < RPPG_PATCH_FLOATS; i++) {
        /* The contract of one pixel depends only on that pixel's values across the window:
         * applying it to the gathered column is the same arithmetic as on the whole window. */
        for (k = 0; k < n_frames; k++)
            column[k] = frames[k][base + (size_t)i];
        rppg_contract_apply(contract, (size_t)n_frames, 1, column, applied);
        out[i] = rppg_q8_quantize(applied[t], in_scale, in_zp);
    }
    return 0;
}
