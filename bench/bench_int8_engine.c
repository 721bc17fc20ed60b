/* Spatial inferences per second of the int8 engine on a seed-sized model (the synthetic
 * spatial CNN: 36x36x3 -> 16, 2.46 M MACs), one thread and all cores, each thread with its
 * own scratch on one shared prepared engine. BENCH_SECONDS (default 2) per measurement. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "tflite/tfl_stats.h"
#include "tflite/tfl_testmodels.h"

#define N_INPUTS 64

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct worker {
    const rq_tfl_engine *e;
    const int8_t *inputs;
    double seconds;
    long done;
    unsigned checksum;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    rq_tfl_scratch *s = rq_tfl_scratch_new(w->e);
    if (!s)
        return NULL;
    int8_t out[16];
    double t0 = now();
    long n = 0;
    do {
        for (int i = 0; i < 32; i++, n++) {
            rq_tfl_run(w->e, s, w->inputs + (size_t)(n % N_INPUTS) * 3888, out);
            w->checksum += (unsigned char)out[n % 16];
        }
    } while (now() - t0 < w->seconds);
    w->seconds = now() - t0;
    w->done = n;
    rq_tfl_scratch_free(s);
    return NULL;
}

static double measure(const rq_tfl_engine *e, const int8_t *inputs, int threads, double seconds)
{
    pthread_t th[256];
    worker w[256];
    for (int t = 0; t < threads; t++) {
        w[t] = (worker){e, inputs, seconds, 0, 0};
        pthread_create(&th[t], NULL, work, &w[t]);
    }
    double rate = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(th[t], NULL);
        rate += w[t].done / w[t].seconds;
    }
    return rate;
}

int main(void)
{
    double seconds = getenv("BENCH_SECONDS") ? atof(getenv("BENCH_SECONDS")) : 2.0;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;
    if (cores > 256)
        cores = 256;
    rq_tfl_model m;
    rq_error err = {{0}};
    if (rq_tfl_build_spatial_cnn(&m, 1, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    rq_tfl_stats st;
    rq_tfl_compute_stats(&m, &st);
    int8_t *inputs = malloc((size_t)N_INPUTS * 3888);
    for (size_t i = 0; i < (size_t)N_INPUTS * 3888; i++)
        inputs[i] = (int8_t)((i * 2654435761u) >> 24);
    for (int r = 0; r < 2; r++) {
        rq_tfl_engine *e;
        if (rq_tfl_prepare(&m, r ? RQ_TFL_ROUND_SINGLE : RQ_TFL_ROUND_DOUBLE, &e, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        double one = measure(e, inputs, 1, seconds);
        double all = measure(e, inputs, (int)cores, seconds);
        printf("int8 engine, spatial CNN 36x36x3 (%.2f M MACs), %s rounding: "
               "%.0f inferences/s on 1 thread (%.2f GMAC/s), %.0f inferences/s on %ld threads\n",
               st.macs / 1e6, r ? "single" : "double", one, one * st.macs / 1e9, all, cores);
        rq_tfl_engine_free(e);
    }
    free(inputs);
    rq_tfl_model_free(&m);
    return 0;
}
