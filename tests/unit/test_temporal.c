/* Part B pieces that need no PyTorch: float literals, ulp distances, dimension checks, the
 * runtime against a plain double-precision formulation of the network, and the export
 * directory's atomic replacement rules. (Bit-exactness against PyTorch is tested in
 * tests/integration/partb_exact.sh.) */
#include <dirent.h>
#include <float.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codegen/temporal_export.h"
#include "codegen/validate_c.h"
#include "common/atomic_file.h"
#include "model/temporal_fusion_model.h"
#include "harness.h"

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint32_t next_u32(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}
static float uniform(void) { return (float)((next_u32() & 0xffffff) / 16777216.0 * 2 - 1); }

static int literal_round_trips(float x)
{
    char lit[32];
    rq_c_float_literal(x, lit);
    size_t n = strlen(lit);
    if (n < 2 || lit[n - 1] != 'f' || !strpbrk(lit, ".e"))
        return 0;
    lit[n - 1] = 0;
    char *end;
    float y = strtof(lit, &end);
    return *end == 0 && memcmp(&x, &y, sizeof x) == 0;
}

static void float_literals_read_back_exactly(void)
{
    const float special[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.1f, 1e-5f, 3.0e38f, FLT_MAX, -FLT_MAX,
                             FLT_MIN, 1e-45f /* smallest denormal */, 1.17549421e-38f,
                             16777216.0f, 16777217.0f, 123456789.0f, 5e-40f};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
        CHECK_MSG(literal_round_trips(special[i]), "value %a", (double)special[i]);
    for (int i = 0; i < 1000000; i++) { /* random bit patterns: every exponent */
        uint32_t u = next_u32() ^ (next_u32() << 11);
        float x;
        memcpy(&x, &u, sizeof x);
        if (!isfinite(x))
            continue;
        CHECK_MSG(literal_round_trips(x), "bits 0x%08x", (unsigned)u);
    }
}

static void ulp_distance_counts_adjacent_floats(void)
{
    CHECK(rq_f32_ulp_distance(1.0f, 1.0f) == 0);
    CHECK(rq_f32_ulp_distance(1.0f, nextafterf(1.0f, 2.0f)) == 1);
    CHECK(rq_f32_ulp_distance(1.0f, nextafterf(1.0f, 0.0f)) == 1);
    CHECK(rq_f32_ulp_distance(0.0f, -0.0f) == 0);
    CHECK(rq_f32_ulp_distance(-1e-45f, 1e-45f) == 2);
    CHECK(rq_f32_ulp_distance(100.0f, 100.0f + 3 * 7.62939453e-6f) == 3);
    CHECK(rq_f32_ulp_distance(NAN, NAN) == 0);
    CHECK(rq_f32_ulp_distance(NAN, 1.0f) == UINT32_MAX);
    float c[3] = {1.0f, 2.0f, 3.0f}, r[3] = {1.0f, nextafterf(2.0f, 3.0f), 3.5f};
    rq_c_compare s;
    rq_c_compare_outputs(c, r, 3, &s);
    CHECK(s.n == 3 && s.identical == 1 && s.worst == 2);
    CHECK_NEAR(s.max_abs, 0.5, 0);
    CHECK(!strcmp(rq_c_grade(0.0), "PERFECT") && !strcmp(rq_c_grade(2e-5), "EXCELLENT"));
}

static void set_shapes(rq_tf_shape s[RQ_TF_NTENSORS], int t, int rf, int c1, int c2, int k, int h)
{
    rq_tf_shape v[RQ_TF_NTENSORS] = {
        {3, {c1, rf, k}}, {1, {c1}}, {3, {c2, c1, k}}, {1, {c2}},
        {2, {h, (int64_t)c2 * t}}, {1, {h}}, {2, {1, h}}, {1, {1}},
    };
    memcpy(s, v, sizeof v);
}

static void dims_come_from_the_shapes(void)
{
    rq_tf_shape s[RQ_TF_NTENSORS];
    rq_temporal_model m;
    rq_error err = {{0}};
    set_shapes(s, 8, 48, 32, 16, 3, 32);
    CHECK(rq_temporal_dims(&m, s, 3, "x.pth", &err) == 0);
    CHECK(m.net.frames == 8 && m.net.rois == 3 && m.net.features == 16);
    CHECK(m.net.conv1_out == 32 && m.net.conv2_out == 16 && m.net.kernel == 3 && m.net.hidden == 32);
    CHECK(m.num_params == 32 * 48 * 3 + 32 + 16 * 32 * 3 + 16 + 32 * 128 + 32 + 32 + 1);
    set_shapes(s, 16, 10, 7, 5, 5, 9);
    CHECK(rq_temporal_dims(&m, s, 2, "x.pth", &err) == 0);
    CHECK(m.net.frames == 16 && m.net.features == 5 && m.net.kernel == 5 && m.net.hidden == 9);
}

static void bad_shapes_name_the_key(void)
{
    rq_tf_shape s[RQ_TF_NTENSORS];
    rq_temporal_model m;
    rq_error err = {{0}};
    set_shapes(s, 8, 48, 32, 16, 3, 32);
    s[RQ_TF_CONV2_W].dim[1] = 31;
    CHECK(rq_temporal_dims(&m, s, 3, "x.pth", &err) != 0);
    CHECK_MSG(strstr(err.msg, "x.pth: 'temporal.2.weight' has shape [16, 31, 3]"), "%.200s", err.msg);
    set_shapes(s, 8, 48, 32, 16, 4, 32);
    s[RQ_TF_CONV2_W].dim[2] = 4;
    CHECK(rq_temporal_dims(&m, s, 3, "x.pth", &err) != 0 && strstr(err.msg, "odd kernel"));
    set_shapes(s, 8, 48, 32, 16, 3, 32);
    s[RQ_TF_FC1_W].dim[1] = 129;
    CHECK(rq_temporal_dims(&m, s, 3, "x.pth", &err) != 0 && strstr(err.msg, "'fc.0.weight'"));
    set_shapes(s, 8, 48, 32, 16, 3, 32);
    CHECK(rq_temporal_dims(&m, s, 5, "x.pth", &err) != 0 && strstr(err.msg, "ROI count 5"));
    set_shapes(s, 8, 48, 32, 16, 3, 32);
    s[RQ_TF_FC2_W].dim[0] = 2;
    CHECK(rq_temporal_dims(&m, s, 3, "x.pth", &err) != 0 && strstr(err.msg, "'fc.2.weight'"));
    set_shapes(s, 8, 48, 32, 16, 3, 32);
    s[RQ_TF_FC1_B].ndim = 2;
    CHECK(rq_temporal_dims(&m, s, 3, "x.pth", &err) != 0 && strstr(err.msg, "'fc.0.bias'"));
    set_shapes(s, 8, 48, 32, 16, 3, 32);
    s[RQ_TF_CONV1_W].dim[0] = 1 << 20;
    CHECK(rq_temporal_dims(&m, s, 3, "x.pth", &err) != 0 && strstr(err.msg, "'temporal.0.weight'"));
}

static void random_model(rq_temporal_model *m, int t, int r, int f, int c1, int c2, int k, int h,
                         float scale)
{
    rq_tf_shape s[RQ_TF_NTENSORS];
    rq_error err = {{0}};
    set_shapes(s, t, r * f, c1, c2, k, h);
    if (rq_temporal_dims(m, s, r, "random", &err) || rq_temporal_alloc(m, &err))
        abort();
    for (size_t i = 0; i < m->num_params; i++)
        m->data[i] = uniform() * scale;
}

/* The network written the plain way, in double: copy the input into (R*F, T), pad, convolve,
 * flatten, and so on. Independent of the runtime's indexing and loop order. */
static double reference_bpm(const rq_temporal_model *m, const float *x)
{
    const temporal_fusion_net *n = &m->net;
    int T = n->frames, RF = n->rois * n->features, K = n->kernel, P = K / 2;
    int C1 = n->conv1_out, C2 = n->conv2_out, H = n->hidden;
    double *in = calloc((size_t)RF * T, sizeof(double));
    double *a = calloc((size_t)C1 * T, sizeof(double));
    double *b = calloc((size_t)C2 * T, sizeof(double));
    double *hid = calloc((size_t)H, sizeof(double));
    for (int t = 0; t < T; t++)
        for (int roi = 0; roi < n->rois; roi++)
            for (int f = 0; f < n->features; f++)
                in[(roi * n->features + f) * T + t] = x[(t * n->rois + roi) * n->features + f];
    for (int o = 0; o < C1; o++)
        for (int t = 0; t < T; t++) {
            double s = n->conv1_bias[o];
            for (int c = 0; c < RF; c++)
                for (int j = 0; j < K; j++) {
                    int u = t + j - P;
                    if (u >= 0 && u < T)
                        s += (double)n->conv1_weight[(o * RF + c) * K + j] * in[c * T + u];
                }
            a[o * T + t] = s > 0 ? s : 0;
        }
    for (int o = 0; o < C2; o++)
        for (int t = 0; t < T; t++) {
            double s = n->conv2_bias[o];
            for (int c = 0; c < C1; c++)
                for (int j = 0; j < K; j++) {
                    int u = t + j - P;
                    if (u >= 0 && u < T)
                        s += (double)n->conv2_weight[(o * C1 + c) * K + j] * a[c * T + u];
                }
            b[o * T + t] = s > 0 ? s : 0;
        }
    double logit = n->fc2_bias[0];
    for (int j = 0; j < H; j++) {
        double s = n->fc1_bias[j];
        for (int i = 0; i < C2 * T; i++)
            s += (double)n->fc1_weight[j * C2 * T + i] * b[i];
        hid[j] = s > 0 ? s : 0;
        logit += (double)n->fc2_weight[j] * hid[j];
    }
    free(in);
    free(a);
    free(b);
    free(hid);
    return 1.0 / (1.0 + exp(-logit)) * 150.0 + 30.0;
}

static void runtime_computes_the_network(void)
{
    static const int dims[][7] = {{8, 3, 16, 32, 16, 3, 32}, {5, 2, 3, 4, 6, 5, 7},
                                  {4, 1, 1, 1, 1, 1, 1}, {3, 4, 2, 3, 2, 7, 2},
                                  {1, 2, 2, 3, 3, 3, 2}, {2, 1, 3, 2, 2, 3, 4}};
    for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++) {
        const int *v = dims[d];
        rq_temporal_model m;
        random_model(&m, v[0], v[1], v[2], v[3], v[4], v[5], v[6], 0.5f);
        size_t nin = (size_t)v[0] * v[1] * v[2];
        float *x = malloc(nin * sizeof(float));
        for (int trial = 0; trial < 200; trial++) {
            for (size_t i = 0; i < nin; i++)
                x[i] = uniform() * 3;
            float got;
            rq_error err = {{0}};
            CHECK(rq_temporal_forward(&m, x, &got, &err) == 0);
            double want = reference_bpm(&m, x);
            /* float32 rounding of sums over up to 144 terms; an indexing slip is far larger */
            CHECK_MSG(fabs(got - want) <= 2e-3, "dims %zu trial %d: %.9g vs %.9g", d, trial,
                      (double)got, want);
        }
        free(x);
        rq_temporal_free(&m);
    }
}

static char dir[256];

static int count_entries(const char *d)
{
    DIR *dp = opendir(d);
    int n = 0;
    struct dirent *e;
    if (!dp)
        return -1;
    while ((e = readdir(dp)))
        if (e->d_name[0] != '.')
            n++;
    closedir(dp);
    return n;
}

static int same_file_bytes(const char *a, const char *b)
{
    unsigned char *da, *db;
    size_t la, lb;
    rq_error err;
    if (rq_read_file(a, 1 << 24, &da, &la, &err) || rq_read_file(b, 1 << 24, &db, &lb, &err))
        return 0;
    int same = la == lb && !memcmp(da, db, la);
    free(da);
    free(db);
    return same;
}

static void export_replaces_only_an_export(void)
{
    rq_temporal_model m;
    random_model(&m, 8, 3, 16, 32, 16, 3, 32, 0.1f);
    char src[300], out[300], path[400], other[400];
    unsigned char *bytes;
    size_t len;
    snprintf(src, sizeof src, "%s/src.pth", dir);
    snprintf(out, sizeof out, "%s/export", dir);
    rq_error err = {{0}};
    CHECK(rq_write_file_atomic(src, "checkpoint bytes", 16, &err) == 0);
    CHECK_MSG(rq_temporal_export_c(&m, src, out, &err) == 0, "%.200s", err.msg);
    CHECK(count_entries(out) == 4);
    snprintf(path, sizeof path, "%s/temporal_fusion.c", out);
    CHECK(same_file_bytes(path, "runtime/temporal_fusion.c"));
    snprintf(path, sizeof path, "%s/temporal_fusion.h", out);
    CHECK(same_file_bytes(path, "runtime/temporal_fusion.h"));
    /* a second export replaces the first */
    m.data[0] = 0.25f;
    CHECK_MSG(rq_temporal_export_c(&m, src, out, &err) == 0, "%.200s", err.msg);
    CHECK(count_entries(out) == 4 && count_entries(dir) == 2);
    /* the files of export-c --spatial stay */
    snprintf(other, sizeof other, "%s/spatial_cnn_int8.c", out);
    CHECK(rq_write_file_atomic(other, "int8", 4, &err) == 0);
    CHECK_MSG(rq_temporal_export_c(&m, src, out, &err) == 0, "%.200s", err.msg);
    CHECK(count_entries(out) == 5 && count_entries(dir) == 2);
    CHECK(rq_read_file(other, 100, &bytes, &len, &err) == 0);
    CHECK(len == 4 && !memcmp(bytes, "int8", 4));
    free(bytes);
    unlink(other);
    /* a directory holding anything else is left alone */
    snprintf(other, sizeof other, "%s/notes.txt", out);
    CHECK(rq_write_file_atomic(other, "mine", 4, &err) == 0);
    CHECK(rq_temporal_export_c(&m, src, out, &err) != 0);
    CHECK_MSG(strstr(err.msg, "notes.txt"), "%.200s", err.msg);
    CHECK(count_entries(out) == 5 && count_entries(dir) == 2);
    /* a non-finite weight fails before anything is written */
    unlink(other);
    m.data[5] = NAN;
    CHECK(rq_temporal_export_c(&m, src, out, &err) != 0);
    CHECK_MSG(strstr(err.msg, "'temporal.0.weight' element [0, 1, 2] is nan"), "%.200s", err.msg);
    CHECK(count_entries(dir) == 2);
    for (const char *const *f = (const char *const[]){"temporal_fusion.c", "temporal_fusion.h",
                                                      RQ_TF_WEIGHTS_C, RQ_TF_WEIGHTS_H, NULL};
         *f; f++) {
        snprintf(path, sizeof path, "%s/%s", out, *f);
        unlink(path);
    }
    rmdir(out);
    unlink(src);
    rq_temporal_free(&m);
}

int main(void)
{
    const char *t = getenv("RQ_TMP");
    snprintf(dir, sizeof dir, "%s/test_temporal.XXXXXX", t ? t : "/tmp");
    if (!mkdtemp(dir))
        return 1;
    RUN(float_literals_read_back_exactly);
    RUN(ulp_distance_counts_adjacent_floats);
    RUN(dims_come_from_the_shapes);
    RUN(bad_shapes_name_the_key);
    RUN(runtime_computes_the_network);
    RUN(export_replaces_only_an_export);
    rmdir(dir);
    TEST_EXIT();
}
