/* Temporal Fusion inference: time per call of the portable C runtime (what
 * temporal_fusion_infer runs) and of the host's vector lanes (what validate runs, the same
 * bits) at each SIMD level the CPU has, their instruction counts under valgrind's
 * callgrind, beside PyTorch's forward of one window (batch 1, one thread) of the same
 * checkpoint, all measured in the same run.
 *
 *   bench_temporal [CKPT]                 default models/temporal_fusion.pth
 *   bench_temporal --calls N [LEVEL] CKPT runs N calls and nothing else (what callgrind
 *                                         counts): the portable runtime, or the lanes at
 *                                         LEVEL (avx2, avx512) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/temporal_fusion_model.h"
#include "model/temporal_host.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A deterministic window: mixed signs, like standardised features. */
static void fill_window(float *x, size_t n, unsigned seed)
{
    unsigned s = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)((int)(s >> 9) % 2000 - 1000) / 500.0f;
    }
}

static volatile float sink;

/* h NULL: the portable runtime */
static void run_calls(const rq_temporal_model *m, const rq_temporal_host *h, float *x, float *work,
                      long calls)
{
    for (long i = 0; i < calls; i++) {
        x[i % 64] += 1e-3f; /* a different window each call */
        sink = h ? rq_temporal_host_run(h, x, work) : temporal_fusion_run(&m->net, x, work);
    }
}

/* Best of 5 rounds, microseconds per call. */
static double us_per_call(const rq_temporal_model *m, const rq_temporal_host *h, float *x,
                          float *work)
{
    const long calls = 20000;
    run_calls(m, h, x, work, 2000); /* warm up */
    double best = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        run_calls(m, h, x, work, calls);
        double dt = (now() - t0) / (double)calls;
        if (dt < best)
            best = dt;
    }
    return best * 1e6;
}

/* Instructions per call: callgrind counts only inside the function that runs a window
 * (valgrind has no AVX-512: its CPU reports none, so the lanes run AVX2 there). */
static double callgrind_instructions(const char *self, const char *ckpt, const char *level,
                                     long calls)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "valgrind --tool=callgrind --callgrind-out-file=/dev/null "
             "--toggle-collect=%s '%s' --calls %ld %s '%s' 2>&1 | "
             "sed -n 's/.*Collected : *\\([0-9]*\\).*/\\1/p'",
             level ? "rq_temporal_host_run" : "temporal_fusion_run", self, calls,
             level ? level : "", ckpt);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    double n = -1;
    if (fscanf(p, "%lf", &n) != 1)
        n = -1;
    pclose(p);
    return n > 0 ? n / (double)calls : -1;
}

/* PyTorch's forward of one window, microseconds per call (-1 if torch is missing). */
static double torch_us_per_forward(const char *ckpt)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 - '%s' 2>/dev/null <<'EOF'\n"
             "import sys, time, torch\n"
             "sys.path.insert(0, 'tools')\n"
             "from make_temporal_reference import TemporalFusion\n"
             "torch.set_num_threads(1)\n"
             "ck = torch.load(sys.argv[1]); sd = ck.get('model_state_dict', ck)\n"
             "c1, rf, k = sd['temporal.0.weight'].shape; c2 = sd['temporal.2.weight'].shape[0]\n"
             "h, fin = sd['fc.0.weight'].shape; t = fin // c2\n"
             "m = TemporalFusion(t, 3, rf // 3, c1, c2, k, h); m.load_state_dict(sd); m.eval()\n"
             "x = torch.randn(1, t * 3, rf // 3)\n"
             "with torch.no_grad():\n"
             "    for _ in range(200): m(x)\n"
             "    best = 1e9\n"
             "    for _ in range(5):\n"
             "        t0 = time.perf_counter()\n"
             "        for _ in range(2000): m(x)\n"
             "        best = min(best, (time.perf_counter() - t0) / 2000)\n"
             "print(best * 1e6)\n"
             "EOF\n",
             ckpt);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    double us = -1;
    if (fscanf(p, "%lf", &us) != 1)
        us = -1;
    pclose(p);
    return us;
}

int main(int argc, char **argv)
{
    long calls_only = 0;
    const char *ckpt = "models/temporal_fusion.pth", *calls_level = NULL;
    int a = 1;
    if (a + 1 < argc && !strcmp(argv[a], "--calls")) {
        calls_only = atol(argv[a + 1]);
        a += 2;
        if (a < argc && (!strcmp(argv[a], "avx2") || !strcmp(argv[a], "avx512")))
            calls_level = argv[a++];
    }
    if (a < argc)
        ckpt = argv[a];

    rq_temporal_model m;
    rq_error err = {{0}};
    if (rq_temporal_load(ckpt, 3, &m, &err)) {
        fprintf(stderr, "bench_temporal: %s\n", err.msg);
        return 1;
    }
    const temporal_fusion_net *n = &m.net;
    size_t nin = (size_t)n->frames * n->rois * n->features;
    rq_temporal_host *lanes[3] = {NULL, NULL, NULL}; /* by level; [0] unused */
    size_t work_floats = (size_t)TEMPORAL_FUSION_WORK_FLOATS(n->conv1_out, n->frames, n->hidden);
    for (int l = RQ_SIMD_AVX2; l <= RQ_SIMD_AVX512; l++) {
        if (rq_temporal_host_new(n, (rq_simd)l, &lanes[l], &err)) {
            fprintf(stderr, "bench_temporal: %s\n", err.msg);
            return 1;
        }
        if (rq_temporal_host_work_floats(lanes[l]) > work_floats)
            work_floats = rq_temporal_host_work_floats(lanes[l]);
    }
    float *x = malloc(nin * sizeof(float));
    float *work = malloc(sizeof(float) * work_floats);
    if (!x || !work)
        return 1;
    fill_window(x, nin, 1);

    if (calls_only) {
        rq_simd cap = RQ_SIMD_OFF;
        if (calls_level)
            rq_simd_parse(calls_level, &cap);
        run_calls(&m, calls_level ? lanes[cap] : NULL, x, work, calls_only);
    } else {
        double c_us = us_per_call(&m, NULL, x, work);
        double lane_us[3] = {0, 0, 0};
        for (int l = RQ_SIMD_AVX2; l <= RQ_SIMD_AVX512; l++)
            if (rq_temporal_host_level(lanes[l]) == (rq_simd)l)
                lane_us[l] = us_per_call(&m, lanes[l], x, work);
        double instr = callgrind_instructions(argv[0], ckpt, NULL, 200);
        double lane_instr = lane_us[RQ_SIMD_AVX2] > 0
                                ? callgrind_instructions(argv[0], ckpt, "avx2", 200) : -1;
        double torch_us = torch_us_per_forward(ckpt);
        printf("temporal fusion (%s: %zu params, T=%d R=%d F=%d, %d->%d->%d, hidden %d)\n", ckpt,
               m.num_params, n->frames, n->rois, n->features, n->rois * n->features, n->conv1_out,
               n->conv2_out, n->hidden);
        printf("  C runtime (-O2, host):      %8.3f us/window (portable C; best of 5 x 20000 calls)\n",
               c_us);
        for (int l = RQ_SIMD_AVX2; l <= RQ_SIMD_AVX512; l++)
            if (lane_us[l] > 0)
                printf("  host lanes, %-6s:         %8.3f us/window (%.1fx the portable C, same bits)\n",
                       rq_simd_name((rq_simd)l), lane_us[l], c_us / lane_us[l]);
            else
                printf("  host lanes, %-6s:         n/a (this CPU has no %s)\n",
                       rq_simd_name((rq_simd)l), rq_simd_name((rq_simd)l));
        if (instr > 0)
            printf("  C runtime instructions:     %8.0f per window (callgrind)\n", instr);
        else
            printf("  C runtime instructions:     n/a (valgrind not installed)\n");
        if (instr > 0 && lane_instr > 0)
            printf("  host lanes (avx2) instr.:   %8.0f per window (callgrind; %.1fx fewer)\n",
                   lane_instr, instr / lane_instr);
        if (torch_us > 0)
            printf("  PyTorch forward, 1 window:  %8.3f us (1 thread, no_grad)\n"
                   "  ratio PyTorch / C:          %8.1fx\n",
                   torch_us, torch_us / c_us);
        double best_lane = 0;
        for (int l = RQ_SIMD_AVX2; l <= RQ_SIMD_AVX512; l++)
            if (lane_us[l] > 0 && (best_lane == 0 || lane_us[l] < best_lane))
                best_lane = lane_us[l];
        if (torch_us > 0 && best_lane > 0)
            printf("  ratio PyTorch / host lanes:  %8.1fx\n", torch_us / best_lane);
        else
            printf("  PyTorch forward:            n/a (python3-torch not installed)\n");
    }
    for (int l = RQ_SIMD_AVX2; l <= RQ_SIMD_AVX512; l++)
        rq_temporal_host_free(lanes[l]);
    free(x);
    free(work);
    rq_temporal_free(&m);
    return 0;
}
