/* Camera frame -> the Spatial CNN's int8 inputs, on the MCU.
 *
 * Per camera frame (rppg_preprocess_frame): cut three regions of interest out of the face
 * box and area-average each down to 36x36 RGB floats in [0,1]:
 *
 *   ROI           x range (fraction of face width)   y range (fraction of face height)
 *   forehead      0.30 .. 0.70                        0.08 .. 0.28
 *   left cheek    0.15 .. 0.40                        0.45 .. 0.70   (left in the image)
 *   right cheek   0.60 .. 0.85                        0.45 .. 0.70
 *
 * ROI edges are fractional pixel positions (face box x + fraction * width); the area
 * averaging is exact: every destination pixel is the mean of the source area it covers,
 * source pixels cut by its edges weighted by the covered fraction (cv2.INTER_AREA). ROI
 * rectangles are clipped to the frame. Destination width at most 36 (RPPG_ROI_SIZE).
 *
 * Per window (rppg_window_patch): apply the model's input contract (input_contract.h) over
 * the window's frames and quantize one ROI patch of one frame with the model's input scale
 * and zero point (from the exported model, e.g. rppg_q8_net.in_scale / in_zp).
 *
 * Layouts: a frame's ROIs are RPPG_FRAME_FLOATS floats [roi][y][x][rgb] (the dataset's
 * plane); a patch is RPPG_PATCH_BYTES int8 [y][x][rgb] (NHWC input of the network).
 * C99, no heap, no globals; stack about 1.5 KB (measured: docs/mcu.md). */
#ifndef RPPG_PREPROCESS_H
#define RPPG_PREPROCESS_H

#include <stddef.h>
#include <stdint.h>

#include "input_contract.h"

#define RPPG_ROIS 3
#define RPPG_ROI_SIZE 36
#define RPPG_PATCH_FLOATS (RPPG_ROI_SIZE * RPPG_ROI_SIZE * 3)
#define RPPG_PATCH_BYTES RPPG_PATCH_FLOATS
#define RPPG_FRAME_FLOATS (RPPG_ROIS * RPPG_PATCH_FLOATS)

enum { RPPG_ROI_FOREHEAD = 0, RPPG_ROI_LEFT_CHEEK = 1, RPPG_ROI_RIGHT_CHEEK = 2 };

typedef enum rppg_pixel_format {
    RPPG_PIX_RGB888 = 0, /* 3 bytes R, G, B; value / 255 */
    RPPG_PIX_RGB565 = 1  /* 16-bit little endian, R in bits 15..11; R/31, G/63, B/31 */
} rppg_pixel_format;

typedef struct rppg_frame {
    const uint8_t *pixels; /* first byte of row 0 */
    int width, height;     /* pixels */
    size_t stride;         /* bytes from one row to the next (>= width * bytes per pixel) */
    rppg_pixel_format format;
} rppg_frame;

/* A face box in frame pixels (as detectors report it). */
typedef struct rppg_box {
    int x, y, w, h;
} rppg_box;

/* A rectangle with fractional edges: [x0, x1) x [y0, y1) in pixel units. */
typedef struct rppg_rect {
    float x0, y0, x1, y1;
} rppg_rect;

/* The ROI rectangle of a face box (unclipped). */
rppg_rect rppg_roi_rect(const rppg_box *face, int roi);

/* Area-averages src (clipped to the frame) into out [out_h][out_w][3] floats in [0,1].
 * Returns 0, or -1 if the clipped rectangle is empty or the frame is malformed. */
int rppg_area_resize(const rppg_frame *frame, rppg_rect src, int out_w, int out_h, float *out);

/* The three ROIs of one frame, RPPG_FRAME_FLOATS floats. Returns 0 or -1 (out unchanged
 * for the failing ROI and after it: treat the frame as lost). */
int rppg_preprocess_frame(const rppg_frame *frame, const rppg_box *face, float *out);

/* One int8 network input: ROI `roi` of window frame `t`, after the input contract over the
 * window's `n_frames` frames (frames[i] = RPPG_FRAME_FLOATS floats from
 * rppg_preprocess_frame, oldest first). Bit-identical to applying rppg_contract_apply to
 * the whole window and quantizing it as TFLite's QUANTIZE does. out: RPPG_PATCH_BYTES.
 * Returns 0, or -1 if n_frames is not in 1..RPPG_MAX_WINDOW or t, roi are out of range. */
#define RPPG_MAX_WINDOW 32
int rppg_window_patch(const rppg_contract *contract, const float *const *frames, int n_frames,
                      int t, int roi, float in_scale, int32_t in_zp, int8_t *out);

#endif
