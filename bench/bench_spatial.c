/* C float forward of the Spatial CNN (seed sizes 3-16-32-16, 36x36 patches), single thread:
 * inferences per second of the model's own forward (src/model/spatial_cnn.c, float sums;
 * random weights: speed does not depend on them) and of the graph IR's float executor on
 * the seed checkpoint's graph (double sums, what the int8 path calibrates against) at each
 * SIMD level, with the speed-up over its scalar loops measured in the same run. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/progress.h"
#include "frontend/spatial_ckpt.h"
#include "ir/ir_exec.h"
#include "model/spatial_cnn.h"
#include "passes/passes.h"

static float *rnd(size_t n, float lo, float hi, unsigned *s)
{
    float *x = malloc(n * sizeof(float));
    for (size_t i = 0; x && i < n; i++) {
        *s = *s * 1103515245u + 12345u;
        x[i] = lo + (hi - lo) * (float)((*s >> 8) & 0xFFFF) / 65535.0f;
    }
    return x;
}

/* CPU seconds of this thread: the machine may be shared, wall time then says little. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Inferences per CPU second of the IR executor at `level` (0 when it failed). */
static double ir_rate(rq_ir_exec *e, int64_t nin, rq_simd level, double seconds)
{
    rq_error err;
    rq_ir_exec_set_simd(e, level);
    float *x = rq_ir_exec_input(e, 0);
    for (int64_t i = 0; i < nin; i++)
        x[i] = (float)(i % 97) / 97.0f;
    int n = 0;
    double t0 = rq_now(), c0 = cpu_now();
    do {
        for (int i = 0; i < 10; i++, n++)
            if (rq_ir_exec_run(e, &err) < 0)
                return 0;
    } while (rq_now() - t0 < seconds);
    return n / (cpu_now() - c0);
}

/* The seed checkpoint's graph (NHWC, BatchNorm folded, ReLU fused) in the float executor. */
static void bench_ir_executor(const char *ckpt)
{
    rq_ir_graph g;
    rq_ir_exec *e = NULL;
    rq_error err = {{0}};
    if (rq_spatial_ckpt_graph(ckpt, 36, 36, &g, NULL, &err) < 0 || rq_passes_canonicalize(&g, &err) < 0 ||
        rq_passes_for_tflite(&g, &err) < 0 || rq_ir_exec_new(&g, &e, &err) < 0) {
        printf("IR float executor: n/a (%s)\n", err.msg);
        rq_ir_free(&g);
        return;
    }
    int64_t nin = rq_ir_numel(&g.tensors[g.inputs[0]]);
    double scalar = ir_rate(e, nin, RQ_SIMD_OFF, 2.0);
    printf("IR float executor, seed graph (%s, 36x36x3, double sums, 1 thread): scalar loops "
           "%.0f inferences per CPU second (%.1f us each)\n", ckpt, scalar, 1e6 / scalar);
    for (int l = RQ_SIMD_AVX2; l <= RQ_SIMD_AVX512; l++) {
        if (rq_simd_cpu_level() < (rq_simd)l) {
            printf("  %-6s lanes: n/a (this CPU has no %s)\n", rq_simd_name((rq_simd)l),
                   rq_simd_name((rq_simd)l));
            continue;
        }
        double r = ir_rate(e, nin, (rq_simd)l, 2.0);
        printf("  %-6s lanes: %.0f inferences per CPU second (%.1f us each), %.1fx the scalar "
               "loops, same bits\n", rq_simd_name((rq_simd)l), r, 1e6 / r, r / scalar);
    }
    rq_ir_exec_free(e);
    rq_ir_free(&g);
}

int main(void)
{
    const int ch[4] = {3, 16, 32, 16};
    unsigned s = 1;
    rq_conv_bn_params p[3];
    float *bufs[3][6];
    for (int l = 0; l < 3; l++) {
        int ci = ch[l], co = ch[l + 1];
        bufs[l][0] = rnd((size_t)(co * ci * 9), -0.3f, 0.3f, &s);
        for (int k = 1; k < 6; k++)
            bufs[l][k] = rnd((size_t)co, k == 5 ? 0.5f : -0.2f, k == 5 ? 1.5f : 0.2f, &s);
        p[l] = (rq_conv_bn_params){.cin = ci, .cout = co, .k = 3, .weight = bufs[l][0],
                                   .bias = bufs[l][1], .gamma = bufs[l][2], .beta = bufs[l][3],
                                   .mean = bufs[l][4], .var = bufs[l][5]};
    }
    rq_spatial_cnn m;
    rq_spatial_ws ws;
    rq_error err;
    if (rq_spatial_from_params(p, &m, &err) < 0 || rq_spatial_ws_init(&ws, &m, 36, 36, &err) < 0) {
        fprintf(stderr, "bench_spatial: %s\n", err.msg);
        return 1;
    }
    float *x = rnd(36 * 36 * 3, 0.0f, 1.0f, &s), out[16];
    double sink = 0;
    int n = 0;
    double t0 = rq_now(), c0 = cpu_now(), t;
    do {
        for (int i = 0; i < 100; i++, n++) {
            rq_spatial_forward(&m, &ws, x, out);
            sink += out[0];
        }
        t = rq_now() - t0;
    } while (t < 2.0);
    double cpu = cpu_now() - c0;
    printf("spatial CNN float forward (C, 1 thread, 36x36x3 patch): %.0f inferences/s wall, "
           "%.0f per CPU second (%.1f us CPU each)%s\n",
           n / t, n / cpu, 1e6 * cpu / n, sink == 12345.678 ? " " : "");
    rq_spatial_ws_free(&ws);
    rq_spatial_free(&m);
    for (int l = 0; l < 3; l++)
        for (int k = 0; k < 6; k++)
            free(bufs[l][k]);
    free(x);
    bench_ir_executor("models/spatial_cnn.pth");
    return 0;
}
