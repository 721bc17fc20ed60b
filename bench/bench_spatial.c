/* Float forward of the Spatial CNN as every command runs it (seed sizes 3-16-32-16, 36x36
 * patches), single thread: inferences per second of the graph IR's float executor on the
 * seed checkpoint's graph (double sums; calibration and validate's FP32 reference) at each
 * SIMD level, with the speed-up over its scalar loops measured in the same run. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/progress.h"
#include "frontend/spatial_ckpt.h"
#include "ir/ir_exec.h"
#include "passes/passes.h"

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
    bench_ir_executor("models/spatial_cnn.pth");
    return 0;
}
