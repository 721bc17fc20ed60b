/* The vectorized host Temporal Fusion (src/model/temporal_host.c) gives the portable
 * runtime's bits at every SIMD level the CPU has, on random networks of many shapes and on
 * inputs with signed zeros, subnormals, huge values and NaN.
 *
 *   test_temporal_host                         the cases below
 *   test_temporal_host --reference CKPT REF R  the level RPPGQ_SIMD allows against PyTorch's
 *                                              outputs in REF (tools/make_temporal_reference.py,
 *                                              R regions): 0 ulp required, and the same bits as
 *                                              the portable runtime */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/validate_c.h"
#include "io/torch_file.h"
#include "model/temporal_fusion_model.h"
#include "model/temporal_host.h"
#include "harness.h"

static uint64_t rng = 0x2545f4914f6cdd1du;
static uint32_t next_u32(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}
static float uniform(void) { return (float)((next_u32() & 0xffffff) / 16777216.0 * 2 - 1); }

static void random_model(rq_temporal_model *m, const int d[7], float scale)
{
    const int t = d[0], r = d[1], f = d[2], c1 = d[3], c2 = d[4], k = d[5], h = d[6];
    rq_tf_shape s[RQ_TF_NTENSORS] = {
        {3, {c1, r * f, k}}, {1, {c1}}, {3, {c2, c1, k}}, {1, {c2}},
        {2, {h, (int64_t)c2 * t}}, {1, {h}}, {2, {1, h}}, {1, {1}},
    };
    rq_error err = {{0}};
    if (rq_temporal_dims(m, s, r, "random", &err) || rq_temporal_alloc(m, &err))
        abort();
    for (size_t i = 0; i < m->num_params; i++)
        m->data[i] = uniform() * scale;
}

/* Ordinary values; in a special window, now and then a value that tests the rounding
 * rules (a huge one saturates the heart rate, so only some windows have them). */
static float input_value(int special)
{
    uint32_t pick = special ? next_u32() % 64 : 63;
    switch (pick) {
    case 0: return 0.0f;
    case 1: return -0.0f;
    case 2: return 1e-39f * uniform();   /* subnormal */
    case 3: return 3e37f * uniform();    /* sums overflow to infinity */
    case 4: return 1e-30f * uniform();   /* products underflow */
    default: return uniform() * 3;
    }
}

static int same_bits(float a, float b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static const int dims[][7] = {
    {8, 3, 16, 32, 16, 3, 32}, /* the seed's */
    {16, 2, 8, 24, 12, 5, 20}, {5, 2, 3, 4, 6, 5, 7}, {4, 1, 1, 1, 1, 1, 1},
    {3, 4, 2, 3, 2, 7, 2}, {1, 2, 2, 3, 3, 3, 2}, {2, 1, 3, 2, 2, 3, 4},
    {9, 3, 5, 17, 33, 3, 70}, {13, 1, 4, 40, 16, 9, 129},
};

/* every level at most the CPU's, each against temporal_fusion_run, bit for bit */
static void lanes_give_the_portable_bits(void)
{
    rq_simd cpu = rq_simd_cpu_level();
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++) {
        rq_temporal_model m;
        /* weights about 1/sqrt(fan-in): heart rates spread over the sigmoid's range, where
         * a changed rounding shows in the output (checked below) */
        random_model(&m, dims[d], 1.5f / sqrtf((float)(dims[d][1] * dims[d][2] * dims[d][5])));
        const temporal_fusion_net *n = &m.net;
        size_t nin = (size_t)n->frames * (size_t)n->rois * (size_t)n->features;
        float *x = malloc(nin * sizeof(float));
        float *wp = malloc((size_t)TEMPORAL_FUSION_WORK_FLOATS(n->conv1_out, n->frames, n->hidden) *
                           sizeof(float));
        for (int level = RQ_SIMD_OFF; level <= RQ_SIMD_AVX512; level++) {
            rq_temporal_host *h;
            rq_error err = {{0}};
            CHECK(rq_temporal_host_new(n, (rq_simd)level, &h, &err) == 0);
            CHECK(rq_temporal_host_level(h) == (level < (int)cpu ? (rq_simd)level : cpu));
            float *wh = malloc(rq_temporal_host_work_floats(h) * sizeof(float));
            int unsaturated = 0;
            for (int trial = 0; trial < 300; trial++) {
                for (size_t i = 0; i < nin; i++)
                    x[i] = trial % 50 == 49 && i == nin / 2 ? NAN : input_value(trial % 4 == 3);
                float want = temporal_fusion_run(n, x, wp), got = rq_temporal_host_run(h, x, wh);
                CHECK_MSG(same_bits(want, got) || (want != want && got != got),
                          "dims %zu level %s trial %d: %a vs portable %a", d,
                          rq_simd_name((rq_simd)level), trial, (double)got, (double)want);
                unsaturated += want > 35.0f && want < 175.0f;
            }
            CHECK_MSG(unsaturated >= 150, "dims %zu: only %d of 300 heart rates off the "
                      "sigmoid's flat ends", d, unsaturated);
            free(wh);
            rq_temporal_host_free(h);
        }
        free(x);
        free(wp);
        rq_temporal_free(&m);
    }
}

/* A -0 conv bias or a non-finite conv weight: the zero-row padding could change a sum, so
 * those networks run the portable code (and still give its bits). */
static void inexact_networks_run_the_portable_code(void)
{
    for (int which = 0; which < 3; which++) {
        rq_temporal_model m;
        random_model(&m, dims[0], 1.0f);
        float *bias = (float *)m.net.conv1_bias, *w = (float *)m.net.conv2_weight;
        if (which == 0)
            bias[5] = -0.0f;
        else if (which == 1)
            w[7] = INFINITY;
        else
            ((float *)m.net.conv2_bias)[0] = -0.0f;
        rq_temporal_host *h;
        rq_error err = {{0}};
        CHECK(rq_temporal_host_new(&m.net, RQ_SIMD_AVX512, &h, &err) == 0);
        CHECK(rq_temporal_host_level(h) == RQ_SIMD_OFF);
        rq_temporal_host_free(h);
        rq_temporal_free(&m);
    }
}

/* --reference mode: PyTorch's outputs at the level RPPGQ_SIMD allows */
static int against_reference(const char *ckpt, const char *ref, int rois)
{
    rq_temporal_model m;
    rq_torch_file *f = NULL;
    rq_temporal_host *h = NULL;
    rq_error err = {{0}};
    if (rq_temporal_load(ckpt, rois, &m, &err) || rq_torch_open(ref, &f, &err) ||
        rq_temporal_host_new(&m.net, rq_simd_level(), &h, &err)) {
        printf("FAIL reference: %s\n", err.msg);
        return 1;
    }
    const rq_value *root = rq_torch_root(f);
    const rq_tensor *in = rq_value_tensor(rq_dict_get(root, "inputs"));
    const rq_tensor *out = rq_value_tensor(rq_dict_get(root, "outputs"));
    const temporal_fusion_net *n = &m.net;
    int64_t per = (int64_t)n->frames * n->rois * n->features;
    if (!in || !out || in->ndim != 3 || in->shape[1] * in->shape[2] != per ||
        out->shape[0] != in->shape[0]) {
        printf("FAIL reference: %s does not hold inputs (N, %d, %d) and outputs (N)\n", ref,
               n->frames * n->rois, n->features);
        return 1;
    }
    int64_t N = in->shape[0];
    float *x = malloc((size_t)(N * per) * sizeof(float)), *y = malloc((size_t)N * sizeof(float));
    float *got = malloc((size_t)N * sizeof(float)), *port = malloc((size_t)N * sizeof(float));
    float *wh = malloc(rq_temporal_host_work_floats(h) * sizeof(float));
    if (rq_tensor_read_f32(f, in, 0, N * per, x, &err) || rq_tensor_read_f32(f, out, 0, N, y, &err)) {
        printf("FAIL reference: %s\n", err.msg);
        return 1;
    }
    size_t differ = 0;
    for (int64_t i = 0; i < N; i++) {
        got[i] = rq_temporal_host_run(h, x + i * per, wh);
        port[i] = temporal_fusion_run(n, x + i * per, wh);
        differ += !same_bits(got[i], port[i]);
    }
    rq_c_compare c;
    rq_c_compare_outputs(got, y, (size_t)N, &c);
    const char *lv = rq_simd_name(rq_temporal_host_level(h));
    int ok = c.max_ulp == 0 && differ == 0;
    printf("%s host lanes (%s) vs PyTorch: %lld windows, max %llu ulp, %zu identical; "
           "%zu differ from the portable runtime\n", ok ? "PASS" : "FAIL", lv, (long long)N,
           (unsigned long long)c.max_ulp, c.identical, differ);
    free(x), free(y), free(got), free(port), free(wh);
    rq_temporal_host_free(h);
    rq_torch_close(f);
    rq_temporal_free(&m);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "--reference"))
        return against_reference(argv[2], argv[3], atoi(argv[4]));
    RUN(lanes_give_the_portable_bits);
    RUN(inexact_networks_run_the_portable_code);
    TEST_EXIT();
}
