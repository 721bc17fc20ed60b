/* The int8 engine on the seed-shaped Spatial CNN (36x36x3 -> 16: CONV 3->16, MAX_POOL,
 * CONV 16->32, MAX_POOL, CONV 32->16, MEAN; synthetic weights, the seed's layer shapes,
 * 2.46 M MACs), one thread, with each host kernel set (portable C, AVX2, AVX-512 VNNI),
 * beside its references measured in the same run:
 *   - the portable kernels (the ratio the SIMD kernels gain),
 *   - the "today" figure (2.2-4.4 K inferences/s, quoted, not measured),
 *   - the core's int8 peak: a register-only vpdpbusd loop measured here, and the nominal
 *     2 vpdpbusd zmm a cycle x 64 MACs x the clock from /proc/cpuinfo,
 *   - TFLite Micro's reference kernels (../shared/oracles/tflm_bench) on the same model file,
 *   - PyTorch float on the same architecture (bench/run.sh passes its batch-1 figure in
 *     RQ_TORCH_PER_CPU_S).
 * Rates are per CPU second of the measuring thread (CLOCK_THREAD_CPUTIME_ID) so that other
 * processes on a shared machine do not count; wall-clock rates are printed beside them.
 * Every kernel set's outputs are checked equal to the portable ones in the same run.
 * BENCH_SECONDS (default 1) per measurement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/simd.h"
#include "tflite/tfl_model.h"
#include "tflite/tfl_stats.h"
#include "tflite/tfl_testmodels.h"

#define N_INPUTS 64
#define IN_BYTES 3888
#define OUT_BYTES 16

static double clock_s(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct rate {
    double per_cpu_s, per_wall_s;
} rate;

static rate measure(const rq_tfl_engine *e, const int8_t *inputs, double seconds, unsigned *sum)
{
    rq_tfl_scratch *s = rq_tfl_scratch_new(e);
    int8_t out[OUT_BYTES];
    long n = 0;
    double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), w0 = clock_s(CLOCK_MONOTONIC);
    do {
        for (int i = 0; i < 64; i++, n++) {
            rq_tfl_run(e, s, inputs + (size_t)(n % N_INPUTS) * IN_BYTES, out);
            *sum += (unsigned char)out[n % OUT_BYTES];
        }
    } while (clock_s(CLOCK_THREAD_CPUTIME_ID) - c0 < seconds);
    rate r = {n / (clock_s(CLOCK_THREAD_CPUTIME_ID) - c0), n / (clock_s(CLOCK_MONOTONIC) - w0)};
    rq_tfl_scratch_free(s);
    return r;
}

/* All N_INPUTS outputs, to compare kernel sets byte for byte. */
static void outputs(const rq_tfl_engine *e, const int8_t *inputs, int8_t *out)
{
    rq_tfl_scratch *s = rq_tfl_scratch_new(e);
    for (int i = 0; i < N_INPUTS; i++)
        rq_tfl_run(e, s, inputs + (size_t)i * IN_BYTES, out + (size_t)i * OUT_BYTES);
    rq_tfl_scratch_free(s);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
/* 16 independent vpdpbusd chains on registers only (the latency of 5 cycles needs at least
 * 10 in flight on two ports): what one core does at most, measured the same way. */
__attribute__((target("avx512f,avx512vnni"), noinline)) static double vnni_peak_gmacs(double seconds)
{
    __m512i a[16], x = _mm512_set1_epi32(0x01010101), w = _mm512_set1_epi32(0x01FF01FF);
    for (int i = 0; i < 16; i++)
        a[i] = _mm512_set1_epi32(i);
    long iters = 0;
    double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    do {
        for (int k = 0; k < 4096; k++) {
#define D(i) __asm__ volatile("vpdpbusd %1, %2, %0" : "+v"(a[i]) : "v"(w), "v"(x));
            D(0) D(1) D(2) D(3) D(4) D(5) D(6) D(7) D(8) D(9) D(10) D(11) D(12) D(13) D(14) D(15)
#undef D
        }
        iters += 4096;
    } while (clock_s(CLOCK_THREAD_CPUTIME_ID) - c0 < seconds);
    double t = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
    volatile int sink = _mm512_reduce_add_epi32(a[0]);
    (void)sink;
    return iters * 16.0 * 64.0 / t / 1e9;
}
#endif

/* The clock /proc/cpuinfo states ("cpu MHz"), in GHz; 0 when unknown. */
static double cpu_ghz(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    double mhz = 0;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "cpu MHz", 7) && strchr(line, ':')) {
            mhz = atof(strchr(line, ':') + 1);
            break;
        }
    if (f)
        fclose(f);
    return mhz / 1000.0;
}

/* TFLite Micro's tflm_bench on the same model: its own (wall) figure and N per CPU second
 * of the child. 0 when absent. */
static double tflm_rate(const rq_tfl_model *m, const int8_t *input, double *wall)
{
    const char *cands[] = {getenv("RQ_TFLM_BENCH"), "../shared/oracles/tflm_bench",
                           "/work/shared/oracles/tflm_bench"};
    const char *bin = NULL;
    for (size_t i = 0; i < sizeof cands / sizeof *cands && !bin; i++)
        if (cands[i] && access(cands[i], X_OK) == 0)
            bin = cands[i];
    if (!bin)
        return 0;
    char dir[] = "/tmp/rq_bench.XXXXXX", model[64], in[64], cmd[512];
    rq_error err = {{0}};
    if (!mkdtemp(dir))
        return 0;
    snprintf(model, sizeof model, "%s/m.tflite", dir);
    snprintf(in, sizeof in, "%s/in.bin", dir);
    FILE *f = fopen(in, "wb");
    double per_cpu = 0;
    if (f && fwrite(input, 1, IN_BYTES, f) == IN_BYTES && !fclose(f) && !rq_tfl_write(m, model, &err)) {
        f = NULL;
        const int n = 100;
        snprintf(cmd, sizeof cmd, "'%s' '%s' '%s' %d", bin, model, in, n);
        struct rusage r0, r1;
        getrusage(RUSAGE_CHILDREN, &r0);
        FILE *p = popen(cmd, "r");
        char line[128] = "";
        while (p && fgets(line, sizeof line, p))
            if (!strncmp(line, "inferences_per_s=", 17))
                *wall = atof(line + 17);
        if (p && pclose(p) == 0) {
            getrusage(RUSAGE_CHILDREN, &r1);
            double cpu = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) +
                         1e-6 * (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) +
                         (double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
                         1e-6 * (double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec);
            per_cpu = cpu > 0 ? n / cpu : 0; /* includes loading the model: a lower bound */
        }
    } else if (f) {
        fclose(f);
    }
    unlink(model);
    unlink(in);
    rmdir(dir);
    return per_cpu;
}

int main(void)
{
    double seconds = getenv("BENCH_SECONDS") ? atof(getenv("BENCH_SECONDS")) : 1.0;
    rq_tfl_model m;
    rq_error err = {{0}};
    if (rq_tfl_build_spatial_cnn(&m, 1, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    rq_tfl_stats st;
    rq_tfl_compute_stats(&m, &st);
    const double macs = (double)st.macs;
    int8_t *inputs = malloc((size_t)N_INPUTS * IN_BYTES);
    int8_t *ref = malloc((size_t)N_INPUTS * OUT_BYTES), *got = malloc((size_t)N_INPUTS * OUT_BYTES);
    for (size_t i = 0; i < (size_t)N_INPUTS * IN_BYTES; i++)
        inputs[i] = (int8_t)((i * 2654435761u) >> 24);
    rq_simd best = simd_engine_best();
    printf("seed-shaped Spatial CNN int8 (36x36x3, %.2f M MACs), 1 thread, rates per CPU "
           "second (wall-clock beside)\n", macs / 1e6);
    printf("%-8s %-8s %12s %12s %8s %11s\n", "kernels", "rounding", "inf/s (cpu)",
           "inf/s (wall)", "GMAC/s", "x portable");
    double best_rate[2] = {0, 0}, off_rate[2] = {0, 0};
    unsigned sum = 0;
    int mismatch = 0;
    for (int r = 0; r < 2; r++)
        for (rq_simd k = RQ_SIMD_OFF; k <= best; k++) {
            rq_tfl_engine *e;
            rq_tfl_engine_opts o = {r ? RQ_TFL_ROUND_SINGLE : RQ_TFL_ROUND_DOUBLE, 0};
            if (rq_tfl_prepare_simd(&m, &o, k, &e, &err)) {
                fprintf(stderr, "%s\n", err.msg);
                return 1;
            }
            outputs(e, inputs, k == RQ_SIMD_OFF ? ref : got);
            int same = k == RQ_SIMD_OFF || !memcmp(ref, got, (size_t)N_INPUTS * OUT_BYTES);
            mismatch |= !same;
            rate x = measure(e, inputs, seconds, &sum);
            if (k == RQ_SIMD_OFF)
                off_rate[r] = x.per_cpu_s;
            best_rate[r] = x.per_cpu_s;
            printf("%-8s %-8s %12.0f %12.0f %8.2f %10.1fx%s\n", rq_simd_name(rq_tfl_engine_simd(e)),
                   r ? "single" : "double", x.per_cpu_s, x.per_wall_s, x.per_cpu_s * macs / 1e9,
                   x.per_cpu_s / off_rate[r], same ? "" : "  OUTPUTS DIFFER FROM PORTABLE");
            rq_tfl_engine_free(e);
        }
    const char *bn = rq_simd_name(best);
    printf("%s vs portable (same run): %.1fx double rounding, %.1fx single\n", bn,
           best_rate[0] / off_rate[0], best_rate[1] / off_rate[1]);
    printf("%s vs the issue's 'today' 2.2-4.4 K inferences/s: %.1fx-%.1fx (double rounding)\n", bn,
           best_rate[0] / 4400.0, best_rate[0] / 2200.0);
    double ghz = cpu_ghz(), gmacs = best_rate[0] * macs / 1e9;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (rq_simd_cpu_vnni()) {
        double peak = vnni_peak_gmacs(seconds);
        printf("int8 peak of this core: %.0f GMAC/s measured (16 register-only vpdpbusd zmm "
               "chains, per CPU second)", peak);
        if (ghz > 0)
            printf("; nominal %.0f GMAC/s = 2 vpdpbusd zmm a cycle (ports 0 and 5) x 64 MACs x "
                   "%.2f GHz (/proc/cpuinfo)", 2 * 64 * ghz, ghz);
        printf("\n%s engine: %.1f GMAC/s = %.1f%% of the measured peak", bn, gmacs,
               100 * gmacs / peak);
        if (ghz > 0)
            printf(", %.1f%% of the nominal", 100 * gmacs / (2 * 64 * ghz));
        printf("\n");
    } else
#endif
        printf("int8 peak: this CPU has no AVX-512 VNNI; not measured\n");
    double tflm_wall = 0, tflm = tflm_rate(&m, inputs, &tflm_wall);
    if (tflm > 0)
        printf("TFLite Micro reference kernels (tflm_bench, same model): %.0f inferences/s per "
               "CPU second (%.0f wall, its own figure); %s engine %.0fx, portable %.0fx\n",
               tflm, tflm_wall, bn, best_rate[0] / tflm, off_rate[0] / tflm);
    else
        printf("TFLite Micro: SKIP (tflm_bench not found in ../shared/oracles)\n");
    const char *torch = getenv("RQ_TORCH_PER_CPU_S");
    if (torch && atof(torch) > 0)
        printf("PyTorch float, same architecture, batch 1, 1 thread: %.0f inferences/s per CPU "
               "second; %s int8 engine %.1fx\n", atof(torch), bn, best_rate[0] / atof(torch));
    else
        printf("PyTorch float: SKIP (not measured in this run)\n");
    if (mismatch)
        printf("ERROR: a kernel set's outputs differ from the portable kernels\n");
    free(inputs);
    free(ref);
    free(got);
    rq_tfl_model_free(&m);
    return mismatch || !sum ? mismatch : 0;
}
