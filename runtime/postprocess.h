/* Postprocessing of the heart-rate stream: the rate the device displays. Each window pushes
 * one BPM estimate, with the window's signal quality (quality.h) when it is known; the
 * smoother reports the median of the last `window` kept estimates, their spread (max - min)
 * and median absolute deviation from the median (MAD), and whether the rate is shown. The
 * displayed rate is the median through a piecewise-linear correction (map_in -> map_out,
 * fitted on training subjects: the model pulls rates near 40 and 160 BPM towards the middle;
 * none when map_n is 0). When it is not shown, `why` says which of these held:
 *
 *   RPPG_HR_FEW        fewer than min_count estimates kept (start, or after a lost face)
 *   RPPG_HR_DISAGREE   the kept estimates spread more than max_spread_bpm, or their MAD is
 *                      over max_mad_bpm (successive estimates do not agree)
 *   RPPG_HR_NO_ESTIMATE this window's estimate was missing, NaN or outside [min_bpm, max_bpm]
 *   RPPG_HR_CLIPPED    too many of the window's contract values at the clip
 *                      (clip_share > max_clip_share): the input is outside the training data
 *   RPPG_HR_BRIGHTNESS an ROI's brightness jumped between frames (brightness_step >
 *                      max_brightness_step)
 *
 * The estimate of a window with NO_ESTIMATE, CLIPPED or BRIGHTNESS is not kept; it counts as
 * a gap, and after `max_gap` consecutive gaps the history is cleared (old estimates no
 * longer describe the subject). A pulse oximeter shows "--" in the same cases.
 *
 * The default configuration was tuned on the default model's predictions for its training
 * subjects only (tools/tune_smoother.py; docs/mcu.md says how).
 *
 * All state lives in the caller's rppg_smoother (no globals, no heap): one per stream.
 * C99; stack use below 400 bytes (316 measured on the Cortex-M55). */
#ifndef RPPG_POSTPROCESS_H
#define RPPG_POSTPROCESS_H

#include "quality.h"

#define RPPG_SMOOTH_MAX 16
#define RPPG_MAP_MAX 12

enum {
    RPPG_HR_FEW = 1,
    RPPG_HR_DISAGREE = 2,
    RPPG_HR_NO_ESTIMATE = 4,
    RPPG_HR_CLIPPED = 8,
    RPPG_HR_BRIGHTNESS = 16
};

typedef struct rppg_smoother_config {
    int window;           /* estimates kept, 1..RPPG_SMOOTH_MAX */
    int min_count;        /* estimates needed before a rate is shown, 1..window */
    float max_spread_bpm; /* shown only if max - min of the kept estimates <= this */
    float min_bpm, max_bpm; /* plausible range; the model's output range is [30, 180] */
    int max_gap;          /* windows without a kept estimate in a row that clear the history */
    float max_clip_share;      /* a window with more contract values at the clip is withheld */
    float max_brightness_step; /* a window with a larger ROI brightness step is withheld */
    float max_mad_bpm;    /* shown only if the kept estimates' MAD <= this */
    int map_n;            /* knots of the correction: 0 (none) or 2..RPPG_MAP_MAX */
    float map_in[RPPG_MAP_MAX];  /* strictly increasing medians (BPM) ... */
    float map_out[RPPG_MAP_MAX]; /* ... and the rates displayed for them; linear between
                                    knots, the end knot's offset outside; then clamped to
                                    [min_bpm, max_bpm] */
} rppg_smoother_config;

typedef struct rppg_smoother {
    rppg_smoother_config cfg;
    float history[RPPG_SMOOTH_MAX]; /* ring buffer, oldest at `head` when full */
    int count, head, gap;
} rppg_smoother;

typedef struct rppg_hr {
    float bpm;    /* the rate to display: the median through the map; 0 when none kept */
    float median; /* median of the kept estimates; 0 when there are none */
    float spread; /* max - min of the kept estimates */
    float mad;    /* median of |estimate - median| over the kept estimates */
    int count;    /* estimates kept */
    int confident; /* the rate is shown: why == 0 */
    int why;      /* RPPG_HR_* flags: why the rate is withheld; 0 when shown */
} rppg_hr;

/* The tuned defaults (see above); limits in postprocess.c. */
rppg_smoother_config rppg_smoother_default_config(void);
/* Returns 0, or -1 if the configuration is out of range (s is then left unusable). */
int rppg_smoother_init(rppg_smoother *s, const rppg_smoother_config *cfg);
void rppg_smoother_reset(rppg_smoother *s);
/* Adds one window's estimate and its quality (NULL: not known, only the estimate is
 * checked) and returns the rate to display. */
rppg_hr rppg_smoother_push_window(rppg_smoother *s, float bpm, const rppg_quality *q);
/* rppg_smoother_push_window without quality. */
rppg_hr rppg_smoother_push(rppg_smoother *s, float bpm);
/* The current smoothed heart rate without adding anything. */
rppg_hr rppg_smoother_get(const rppg_smoother *s);

#endif
