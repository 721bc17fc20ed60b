/* Signal quality of one window, from what preprocessing already holds: the window's ROI
 * frames (rppg_preprocess_frame output, floats in [0,1]) and the model's input contract.
 *
 *   clip_share:      share of the window's contract values at the contract's clip (+-clip;
 *                    0 for RAW). The synthetic training data puts almost none there; real
 *                    compressed video with brightness jumps put more than half there, and the
 *                    model's output is then noise.
 *   brightness_step: the largest relative change of an ROI's mean level (all its pixels and
 *                    channels) from one window frame to the next: |m[t] - m[t-1]| / m[t-1].
 *                    Auto exposure, flicker and compression make it jump; a pulse moves it by
 *                    about 0.3 %.
 *
 * The third part of the quality, agreement of successive estimates, is the spread the
 * smoother (postprocess.h) keeps. The smoother withholds the displayed rate when either value
 * here exceeds its configured limit.
 *
 * C99, no heap, no globals; stack below 300 bytes (documented in docs/mcu.md). */
#ifndef RPPG_QUALITY_H
#define RPPG_QUALITY_H

#include "input_contract.h"

typedef struct rppg_quality {
    float clip_share;      /* 0..1 */
    float brightness_step; /* >= 0; a step up from a black ROI (level 0) counts as 1 */
} rppg_quality;

/* frames[t] (t < n_frames, oldest first) holds `rois` ROIs of `roi_floats` floats each (the
 * layout of rppg_preprocess_frame: RPPG_ROIS x RPPG_PATCH_FLOATS). Returns 0, or -1 if
 * n_frames is not in 1..32 or rois / roi_floats are not positive (q is then zeroed). */
int rppg_window_quality(const rppg_contract *contract, const float *const *frames, int n_frames,
                        int rois, int roi_floats, rppg_quality *q);

#endif
