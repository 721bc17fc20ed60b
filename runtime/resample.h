/* Camera frames at any rate -> the model's sampling rate, on the MCU.
 *
 * The model was trained on windows sampled at a fixed rate (the input contract's: every
 * frame_stride-th frame of a 30 fps camera, 7.5 Hz for the default model), so what it needs
 * is samples at fixed *times*, not every n-th frame. The resampler takes each camera frame's
 * ROIs (rppg_preprocess_frame) with the frame's capture time and produces the ROIs at the
 * model's sample times t0, t0 + P, t0 + 2P, ... (t0 = the first frame's time, P = the model's
 * sample period) by linear interpolation between the two camera frames around each sample
 * time, pixel by pixel:  x(s) = (1 - a) * x(t_prev) + a * x(t),  a = (s - t_prev) / (t - t_prev).
 * A sample time that falls on a frame's time gives that frame's ROIs exactly (same bits), so
 * a 30 fps camera feeding a stride-4 model gives exactly every 4th frame.
 *
 * Why linear interpolation: it needs one stored frame (46.7 KB of ROIs), never overshoots
 * (values stay in [0,1]) and its loss is small at camera rates at or above 15 fps (a sine at
 * 3 Hz = 180 BPM keeps >= 81 % of its amplitude half way between 15 fps frames, >= 95 % at
 * 30 fps; at 72 BPM >= 96 %). Higher-order interpolation would need more stored frames.
 *
 * Timestamps: int64 microseconds from any origin, strictly increasing (extend a 32-bit
 * hardware tick to 64 bits before passing it), within +-2^61 us and at most 2^52 us (142
 * years) after the stream's first frame; beyond is RPPG_RESAMPLE_BAD_ARG (no overflow
 * anywhere). Sample times are exact integers: sample j is
 * at t0 + round(j * period_num / period_den) us, with P = period_num / period_den us
 * (4,000,000 / 30 for 7.5 Hz), so no rounding drift accumulates over hours.
 *
 * Errors (nothing is changed; the frame is not used):
 *   RPPG_RESAMPLE_BACKWARDS  the timestamp is not after the previous frame's (clock went
 *                            backwards, or the same frame twice)
 *   RPPG_RESAMPLE_GAP        more than max_gap_us since the previous frame (frames lost, the
 *                            camera stalled or runs slower than the model's rate): samples
 *                            inside the gap would be invented. Start a new window:
 *                            rppg_resampler_reset, then push the frame again.
 *
 * C99, no heap, no globals. State: sizeof(rppg_resampler) (64 bytes) plus the caller's
 * buffer of one frame of ROIs (RPPG_FRAME_FLOATS floats = 46,656 bytes); stack 124 bytes on
 * the Cortex-M55 (measured: docs/mcu.md). */
#ifndef RPPG_RESAMPLE_H
#define RPPG_RESAMPLE_H

#include <stdint.h>

#include "input_contract.h"
#include "preprocess.h"

#define RPPG_RESAMPLE_BACKWARDS (-2)
#define RPPG_RESAMPLE_GAP (-3)
#define RPPG_RESAMPLE_BAD_ARG (-1)

#define RPPG_RESAMPLE_T_MAX ((int64_t)1 << 61)    /* |timestamp| limit */
#define RPPG_RESAMPLE_SPAN_MAX ((int64_t)1 << 52) /* since the stream's first frame */

/* Samples one push can produce at most (the gap limit is at most 1.5 sample periods). */
#define RPPG_RESAMPLE_MAX_OUT 2

typedef struct rppg_resample_config {
    int64_t period_num; /* model sample period = period_num / period_den microseconds, */
    int64_t period_den; /* num 4 * den .. 2^40, den 1..1024 */
    int64_t max_gap_us; /* longest accepted time between consecutive frames, 1 us .. 1.5 periods */
} rppg_resample_config;

/* The contract's sampling rate (RPPG_CONTRACT_FPS / frame_stride Hz) with a gap limit of
 * 1.5 sample periods (200 ms at 7.5 Hz: a 15 fps camera may drop a frame, a 7.5 fps camera
 * may jitter; anything slower is refused). */
rppg_resample_config rppg_resample_config_of(const rppg_contract *c);

typedef struct rppg_resampler {
    rppg_resample_config cfg;
    float *prev;      /* caller's buffer: the previous frame's ROIs (RPPG_FRAME_FLOATS) */
    int64_t t_first;  /* time of sample 0 */
    int64_t t_prev;   /* time of the frame in prev */
    int64_t next;     /* index of the next sample to produce */
    int started;
} rppg_resampler;

/* prev_buffer: RPPG_FRAME_FLOATS floats the resampler owns from now on. Returns 0, or
 * RPPG_RESAMPLE_BAD_ARG for a period or gap limit out of range. */
int rppg_resampler_init(rppg_resampler *rs, const rppg_resample_config *cfg, float *prev_buffer);

/* Forgets the stream: the next frame starts a new series of sample times. */
void rppg_resampler_reset(rppg_resampler *rs);

/* The model sample time j of the current series (us). */
int64_t rppg_resampler_sample_time(const rppg_resampler *rs, int64_t j);

/* Feeds one camera frame's ROIs (RPPG_FRAME_FLOATS floats from rppg_preprocess_frame) taken
 * at t_us. Writes each model sample that falls in (previous frame's time, t_us] (the first
 * frame: its own time) to out[0], out[1], ... in time order and returns how many (0, 1 or
 * 2; never more than max_out, which must be >= RPPG_RESAMPLE_MAX_OUT), or a negative error
 * code (above). out buffers hold RPPG_FRAME_FLOATS floats and may not alias rois. */
int rppg_resampler_push(rppg_resampler *rs, int64_t t_us, const float *rois, float *const *out,
                        int max_out);

#endif
