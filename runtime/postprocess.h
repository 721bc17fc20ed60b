/* Postprocessing of the heart-rate stream: a small streaming smoother with a confidence
 * flag. Each prediction (one window) pushes one BPM estimate; the smoother reports the
 * median of the last `window` valid estimates, their spread (max - min) and whether the
 * estimate can be trusted: enough estimates seen and a spread within max_spread_bpm.
 * Non-finite or out-of-range estimates (outside [min_bpm, max_bpm]) are not stored; they
 * count as a gap, and after `max_gap` consecutive gaps the history is cleared (the face
 * was lost, old estimates no longer describe the subject).
 *
 * All state lives in the caller's rppg_smoother (no globals, no heap): one per stream.
 * C99; stack use below 200 bytes. */
#ifndef RPPG_POSTPROCESS_H
#define RPPG_POSTPROCESS_H

#define RPPG_SMOOTH_MAX 16

typedef struct rppg_smoother_config {
    int window;           /* estimates kept, 1..RPPG_SMOOTH_MAX (e.g. 5) */
    int min_count;        /* estimates needed before confident, 1..window (e.g. 3) */
    float max_spread_bpm; /* confident only if max - min of the kept estimates <= this */
    float min_bpm, max_bpm; /* plausible range; the model's output range is [30, 180] */
    int max_gap;          /* invalid estimates in a row that clear the history (e.g. 3) */
} rppg_smoother_config;

typedef struct rppg_smoother {
    rppg_smoother_config cfg;
    float history[RPPG_SMOOTH_MAX]; /* ring buffer, oldest at `head` when full */
    int count, head, gap;
} rppg_smoother;

typedef struct rppg_hr {
    float bpm;    /* median of the kept estimates; 0 when there are none */
    float spread; /* max - min of the kept estimates */
    int count;    /* estimates kept */
    int confident;
} rppg_hr;

/* Window 5, min_count 3, spread 10 BPM, range [30, 180], max_gap 3. */
rppg_smoother_config rppg_smoother_default_config(void);
/* Returns 0, or -1 if the configuration is out of range (s is then left unusable). */
int rppg_smoother_init(rppg_smoother *s, const rppg_smoother_config *cfg);
void rppg_smoother_reset(rppg_smoother *s);
/* Adds one estimate and returns the smoothed heart rate. */
rppg_hr rppg_smoother_push(rppg_smoother *s, float bpm);
/* The current smoothed heart rate without adding anything. */
rppg_hr rppg_smoother_get(const rppg_smoother *s);

#endif
