/* predictions.csv: one row per evaluated window, written by `rppgq validate --predictions`
 * and by `rppgq run` (the same writer):
 *
 *   subject,window,time_s,true_bpm,fp32_bpm,int8_bpm,smoothed_bpm
 *
 * subject: the dataset's subject id (-1 without subjects); window: the window's index in the
 * dataset; time_s: the window's centre in its subject's recording, in seconds (a subject's
 * windows follow each other without gap or overlap, as rppgq synth writes them; empty when
 * the timing is unknown); smoothed_bpm: the rate the device displays after this window (the
 * MCU smoother over the INT8 estimates; empty while it withholds one). */
#ifndef RQ_PREDICTIONS_H
#define RQ_PREDICTIONS_H

#include <stdint.h>

#include "common/error.h"

typedef struct rq_predictions {
    int64_t n;
    const int64_t *subject;  /* NULL: one recording */
    const int64_t *window;   /* index of each window in the dataset; NULL: 0..n-1 */
    const float *truth, *fp32, *int8;
    const float *shown;      /* displayed rate, NaN when withheld; NULL: not measured */
    double window_step_s;    /* seconds between a subject's consecutive windows; 0: unknown */
    double window_centre_s;  /* from a window's first sample to its centre */
} rq_predictions;

/* Writes the CSV atomically (nothing is left behind on failure). */
int rq_predictions_write(const rq_predictions *p, const char *path, rq_error *err);

#endif
