#include "common/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double rq_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void rq_progress_start(rq_progress *p, const char *label, uint64_t total)
{
    p->label = label;
    p->total = total;
    p->done = 0;
    p->t_start = p->t_last = rq_now();
    p->is_tty = isatty(2);
    p->shown = 0;
}

static void draw(const rq_progress *p, double now)
{
    double el = now - p->t_start;
    double frac = p->total ? (double)p->done / (double)p->total : 0.0;
    int width = 30, fill = (int)(frac * width + 0.5);
    char bar[64];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    double eta = frac > 0 ? el * (1 - frac) / frac : 0;
    fprintf(stderr, "\r%-22s [%s] %5.1f%% %llu/%llu  %.1fs elapsed, ~%.0fs left ", p->label, bar,
            100 * frac, (unsigned long long)p->done, (unsigned long long)p->total, el, eta);
}

void rq_progress_update(rq_progress *p, uint64_t done)
{
    p->done = done;
    if (!p->is_tty)
        return;
    double now = rq_now();
    if (now - p->t_start < 1.0 || now - p->t_last < 0.1)
        return;
    p->t_last = now;
    p->shown = 1;
    draw(p, now);
}

void rq_progress_finish(rq_progress *p)
{
    double now = rq_now();
    if (p->shown) {
        p->done = p->total;
        draw(p, now);
        fputc('\n', stderr);
    } else if (now - p->t_start >= 2.0) {
        fprintf(stderr, "%s: %llu done in %.1fs\n", p->label, (unsigned long long)p->total, now - p->t_start);
    }
}
