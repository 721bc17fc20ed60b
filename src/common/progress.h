/* A progress bar on stderr for steps that take more than a moment. It stays silent for the
 * first second and when stderr is not a terminal (then it prints one line at the end), so
 * that tests and logs stay readable. */
#ifndef RQ_PROGRESS_H
#define RQ_PROGRESS_H

#include <stdint.h>

typedef struct rq_progress {
    const char *label;
    uint64_t total;
    uint64_t done;
    double t_start;
    double t_last;
    int is_tty;
    int shown;
} rq_progress;

void rq_progress_start(rq_progress *p, const char *label, uint64_t total);
void rq_progress_update(rq_progress *p, uint64_t done);
void rq_progress_finish(rq_progress *p);

/* Monotonic seconds, for timings in reports. */
double rq_now(void);

#endif
