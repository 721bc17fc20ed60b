/* The int8 CPU path's convolution (rppg_q8_conv2d) against the straightforward loop nest of
 * the same operator (rppg_q8_conv2d_naive) on the Spatial CNN's three conv layers, with
 * results checked byte-identical in the same run.
 *
 * Prints wall time per patch for both, and, when valgrind is installed, re-runs itself under
 * callgrind and reports the instructions each version executes (exact and repeatable, unlike
 * time on a shared machine): the "ratio" line is naive / fast. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "int8_kernels.h"

typedef struct layer {
    rppg_q8_conv p;
    int8_t *w, *in, *out_fast, *out_naive;
    int32_t *b, *m, *s;
} layer;

static uint32_t rng = 2463534242u;
static uint32_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
    return rng;
}

static void make_layer(layer *l, int hw, int cin, int cout, rppg_q8_rounding r)
{
    rppg_q8_conv *p = &l->p;
    size_t nw = (size_t)cout * 9 * cin, nin = (size_t)hw * hw * cin, nout = (size_t)hw * hw * cout, i;
    memset(p, 0, sizeof *p);
    p->in_h = p->in_w = hw, p->in_c = cin, p->out_c = cout;
    p->k_h = p->k_w = 3, p->stride_h = p->stride_w = 1;
    rppg_q8_out_size(hw, 3, 1, 1, &p->out_h, &p->pad_top);
    rppg_q8_out_size(hw, 3, 1, 1, &p->out_w, &p->pad_left);
    p->in_zp = -128 + (int32_t)(next() % 40), p->out_zp = -128;
    p->act_min = -128, p->act_max = 127;
    l->w = malloc(nw), l->in = malloc(nin), l->out_fast = malloc(nout), l->out_naive = malloc(nout);
    l->b = malloc((size_t)cout * 4), l->m = malloc((size_t)cout * 4), l->s = malloc((size_t)cout * 4);
    for (i = 0; i < nw; i++)
        l->w[i] = (int8_t)((int)(next() % 255) - 127);
    for (i = 0; i < nin; i++)
        l->in[i] = (int8_t)(next() & 0xFF);
    for (i = 0; i < (size_t)cout; i++) {
        int shift;
        rppg_q8_quantize_multiplier(0.0005 + 0.001 * (double)(next() % 100) / 100.0, r, &l->m[i], &shift);
        l->s[i] = shift;
        l->b[i] = (int32_t)(next() % 20000) - 10000;
    }
    p->weights = l->w, p->bias = l->b, p->multiplier = l->m, p->shift = l->s, p->rounding = r;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* noinline wrappers: callgrind attributes each version's instructions to these names */
__attribute__((noinline)) void bench_fast(layer *l, int n)
{
    int i, k;
    for (k = 0; k < n; k++)
        for (i = 0; i < 3; i++)
            rppg_q8_conv2d(&l[i].p, l[i].in, l[i].out_fast);
}

__attribute__((noinline)) void bench_naive(layer *l, int n)
{
    int i, k;
    for (k = 0; k < n; k++)
        for (i = 0; i < 3; i++)
            rppg_q8_conv2d_naive(&l[i].p, l[i].in, l[i].out_naive);
}

static long long inclusive_ir(const char *annotated, const char *fn)
{
    FILE *f = fopen(annotated, "r");
    char line[1024];
    long long best = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        char num[64];
        const char *p = line;
        size_t k = 0;
        if (!strstr(line, fn))
            continue;
        while (*p == ' ')
            p++;
        while ((*p >= '0' && *p <= '9') || *p == ',') {
            if (*p != ',' && k < sizeof num - 1)
                num[k++] = *p;
            p++;
        }
        num[k] = 0;
        /* the function's own line is "N (x%)  file:fn [obj]" */
        if (k && strstr(p, ":") && strstr(p, fn) && strstr(p, fn)[strlen(fn)] == ' ') {
            long long v = atoll(num);
            if (v > best)
                best = v;
        }
    }
    fclose(f);
    return best;
}

static int callgrind_report(const char *self)
{
    char cmd[2048], out[256], ann[300];
    long long fast, naive;
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    if (system("command -v valgrind >/dev/null 2>&1 && command -v callgrind_annotate >/dev/null 2>&1") != 0) {
        printf("callgrind: valgrind not installed, instruction counts skipped\n");
        return 0;
    }
    snprintf(out, sizeof out, "%s/bench_int8_kernels.%ld.callgrind", tmp, (long)getpid());
    snprintf(ann, sizeof ann, "%s.txt", out);
    snprintf(cmd, sizeof cmd,
             "valgrind --tool=callgrind --callgrind-out-file=%s %s --inner >/dev/null 2>&1 && "
             "callgrind_annotate --inclusive=yes --threshold=100 %s >%s 2>/dev/null", out, self, out, ann);
    if (system(cmd) != 0) {
        printf("callgrind: run failed\n");
        return 1;
    }
    fast = inclusive_ir(ann, "bench_fast");
    naive = inclusive_ir(ann, "bench_naive");
    remove(out);
    remove(ann);
    if (fast <= 0 || naive <= 0) {
        printf("callgrind: could not read the counts\n");
        return 1;
    }
    printf("callgrind instructions, 3 conv layers of the Spatial CNN (one patch):\n");
    printf("  naive loop nest  %lld\n  rppg_q8_conv2d   %lld\n  ratio naive/fast %.2f\n", naive,
           fast, (double)naive / (double)fast);
    return 0;
}

int main(int argc, char **argv)
{
    layer l[3];
    const int inner = argc > 1 && !strcmp(argv[1], "--inner");
    int r, i, fails = 0;
    for (r = 0; r < 2; r++) {
        make_layer(&l[0], 36, 3, 16, (rppg_q8_rounding)r);
        make_layer(&l[1], 18, 16, 32, (rppg_q8_rounding)r);
        make_layer(&l[2], 9, 32, 16, (rppg_q8_rounding)r);
        if (inner) { /* under callgrind: one patch each, double rounding only */
            bench_fast(l, 1);
            bench_naive(l, 1);
        } else {
            const int n = 200;
            double t0 = now(), t1, t2;
            bench_fast(l, n);
            t1 = now();
            bench_naive(l, n);
            t2 = now();
            printf("int8 conv layers of one patch, %s rounding: fast %.1f us, naive %.1f us, "
                   "ratio %.2f\n", r ? "single" : "double", (t1 - t0) / n * 1e6,
                   (t2 - t1) / n * 1e6, (t2 - t1) / (t1 - t0));
        }
        for (i = 0; i < 3; i++) {
            size_t n = (size_t)l[i].p.out_h * l[i].p.out_w * l[i].p.out_c;
            if (memcmp(l[i].out_fast, l[i].out_naive, n) != 0) {
                printf("MISMATCH: layer %d, %s rounding\n", i, r ? "single" : "double");
                fails++;
            }
            free(l[i].w), free(l[i].in), free(l[i].out_fast), free(l[i].out_naive);
            free(l[i].b), free(l[i].m), free(l[i].s);
        }
        if (inner)
            break;
    }
    if (!inner) {
        printf("results bit-exact: %s\n", fails ? "NO" : "yes");
        fails += callgrind_report(argv[0]);
    }
    return fails ? 1 : 0;
}
