#include "eval/predictions.h"

#include <math.h>
#include <stdio.h>

#include "common/atomic_file.h"

/* The window's position in its subject's recording: its dataset index minus that of the
 * subject's first evaluated window (a subject is evaluated whole or not at all); without
 * subjects the dataset is one recording. */
static int64_t position(const rq_predictions *p, int64_t i, int64_t *first)
{
    int64_t w = p->window ? p->window[i] : i;
    if (!p->subject)
        return w;
    if (i == 0 || p->subject[i] != p->subject[i - 1])
        *first = w;
    return w - *first;
}

int rq_predictions_write(const rq_predictions *p, const char *path, rq_error *err)
{
    rq_atomic_file f;
    if (rq_atomic_open(&f, path, err))
        return -1;
    fprintf(f.fp, "subject,window,time_s,true_bpm,fp32_bpm,int8_bpm,smoothed_bpm\n");
    int64_t first = 0;
    for (int64_t i = 0; i < p->n; i++) {
        int64_t k = position(p, i, &first);
        char t[32] = "", sm[32] = "";
        if (p->window_step_s > 0)
            snprintf(t, sizeof t, "%.6g", (double)k * p->window_step_s + p->window_centre_s);
        if (p->shown && isfinite(p->shown[i]))
            snprintf(sm, sizeof sm, "%.9g", (double)p->shown[i]);
        fprintf(f.fp, "%lld,%lld,%s,%.9g,%.9g,%.9g,%s\n", (long long)(p->subject ? p->subject[i] : -1),
                (long long)(p->window ? p->window[i] : i), t, (double)p->truth[i], (double)p->fp32[i],
                (double)p->int8[i], sm);
    }
    return rq_atomic_commit(&f, err);
}
