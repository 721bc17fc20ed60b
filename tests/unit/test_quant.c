/* The int8 quantization scheme (the arithmetic and graph_quant's lowering with the rPPG
 * path's settings), calibration sampling and metrics, checked against math properties and
 * independent direct computations. (The float forward against PyTorch is in
 * test_spatial_torch.c.) */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval/metrics.h"
#include "harness.h"
#include "ir/ir.h"
#include "passes/passes.h"
#include "quant/calib.h"
#include "quant/graph_quant.h"
#include "quant/ptq.h"
#include "tflite/tfl_model.h"

static uint64_t rng_state = 42;
static double urand(void) /* [0,1) */
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static void fill(float *x, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(lo + (hi - lo) * urand());
}

/* x [1,3,H,W] -> Conv(3->8, 3x3 pad 1, bias) -> Relu -> MaxPool 2 -> Conv(8->6, 3x3 pad 1)
 * -> Relu -> GlobalAveragePool -> Flatten, random weights, in the form the int8 path
 * takes (canonical and TFLite passes: NHWC, activations fused, one MEAN). */
static int small_cnn(rq_ir_graph *g, int h, int w)
{
    rq_error err;
    rq_ir_init(g, "small_cnn");
    int64_t xs[4] = {1, 3, h, w}, w0s[4] = {8, 3, 3, 3}, w1s[4] = {6, 8, 3, 3}, b0s[1] = {8}, b1s[1] = {6};
    int64_t one[2] = {1, 1}, pads[4] = {1, 1, 1, 1}, k3[2] = {3, 3}, two[2] = {2, 2};
    float w0[216], w1[432], b0[8], b1[6];
    fill(w0, 216, -0.5, 0.5), fill(w1, 432, -0.3, 0.3), fill(b0, 8, -0.1, 0.1), fill(b1, 6, -0.1, 0.1);
    int t[8];
    const char *names[8] = {"x", "c0", "r0", "p0", "c1", "r1", "a", "y"};
    for (int i = 0; i < 8; i++)
        t[i] = rq_ir_add_tensor(g, names[i], RQ_IR_F32, &err);
    rq_ir_set_shape(g, t[0], 4, xs, &err);
    int tw0 = rq_ir_add_const(g, "w0", RQ_IR_F32, 4, w0s, w0, &err);
    int tb0 = rq_ir_add_const(g, "b0", RQ_IR_F32, 1, b0s, b0, &err);
    int tw1 = rq_ir_add_const(g, "w1", RQ_IR_F32, 4, w1s, w1, &err);
    int tb1 = rq_ir_add_const(g, "b1", RQ_IR_F32, 1, b1s, b1, &err);
    int c[2];
    c[0] = rq_ir_add_node(g, RQ_IR_OP_CONV, NULL, NULL, 3, (int[]){t[0], tw0, tb0}, 1, &t[1], &err);
    rq_ir_add_node(g, RQ_IR_OP_RELU, NULL, NULL, 1, &t[1], 1, &t[2], &err);
    int mp = rq_ir_add_node(g, RQ_IR_OP_MAX_POOL, NULL, NULL, 1, &t[2], 1, &t[3], &err);
    c[1] = rq_ir_add_node(g, RQ_IR_OP_CONV, NULL, NULL, 3, (int[]){t[3], tw1, tb1}, 1, &t[4], &err);
    rq_ir_add_node(g, RQ_IR_OP_RELU, NULL, NULL, 1, &t[4], 1, &t[5], &err);
    rq_ir_add_node(g, RQ_IR_OP_GLOBAL_AVG_POOL, NULL, NULL, 1, &t[5], 1, &t[6], &err);
    int f = rq_ir_add_node(g, RQ_IR_OP_FLATTEN, NULL, NULL, 1, &t[6], 1, &t[7], &err);
    for (int k = 0; k < 2; k++) {
        rq_ir_add_attr_ints(g, c[k], "kernel_shape", 2, k3, &err);
        rq_ir_add_attr_ints(g, c[k], "pads", 4, pads, &err);
        rq_ir_add_attr_ints(g, c[k], "strides", 2, one, &err);
    }
    rq_ir_add_attr_ints(g, mp, "kernel_shape", 2, two, &err);
    rq_ir_add_attr_ints(g, mp, "strides", 2, two, &err);
    rq_ir_add_attr_int(g, f, "axis", 1, &err);
    g->opset = 13;
    if (rq_ir_set_io(g, 1, &t[0], 1, &t[7], &err) < 0 || rq_ir_infer_shapes(g, &err) < 0 ||
        rq_passes_canonicalize(g, &err) < 0 || rq_passes_for_tflite(g, &err) < 0) {
        fprintf(stderr, "small_cnn: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static void test_weights_symmetric_per_channel(void)
{
    enum { C = 7, R = 27 };
    float w[C * R], s[C];
    int8_t q[C * R];
    fill(w, C * R, -1.0, 1.0);
    for (int i = 0; i < R; i++)
        w[3 * R + i] *= 0.01f; /* one small channel keeps its own resolution */
    for (int i = 0; i < R; i++)
        w[5 * R + i] = 0.0f;   /* an all-zero channel */
    rq_quantize_weights(w, C, R, q, s);
    for (int c = 0; c < C; c++) {
        int maxq = 0;
        float maxw = 0;
        for (int i = 0; i < R; i++) {
            CHECK(q[c * R + i] >= -127 && q[c * R + i] <= 127);
            maxq = abs(q[c * R + i]) > maxq ? abs(q[c * R + i]) : maxq;
            maxw = fabsf(w[c * R + i]) > maxw ? fabsf(w[c * R + i]) : maxw;
            CHECK(fabs(q[c * R + i] * (double)s[c] - w[c * R + i]) <= 0.5001 * s[c]);
        }
        CHECK(s[c] > 0);
        if (c != 5) {
            CHECK(maxq == 127);
            CHECK_NEAR(s[c], maxw / 127.0, 1e-9);
        }
    }
}

static void test_bias_scale_is_input_times_weight_scale(void)
{
    float b[4] = {0.5f, -1.25f, 3.0f, 0.0f}, ws[4] = {0.01f, 0.002f, 0.03f, 0.5f}, bs[4];
    int32_t q[4];
    float s_in = 1.0f / 255.0f;
    rq_quantize_bias(b, 4, s_in, ws, q, bs);
    for (int c = 0; c < 4; c++) {
        CHECK(bs[c] == s_in * ws[c]);
        CHECK(fabs(q[c] * (double)bs[c] - b[c]) <= 0.5 * bs[c] * 1.0001);
    }
}

static void test_activation_zero_exact_and_range_covered(void)
{
    for (int t = 0; t < 2000; t++) {
        double lo = t % 3 == 0 ? 0.0 : -5.0 * urand(), hi = t % 5 == 0 ? 0.0 : 7.0 * urand();
        float s;
        int32_t zp;
        rq_act_params(lo, hi, &s, &zp);
        CHECK(s > 0 && zp >= -128 && zp <= 127);
        int8_t q;
        float zero = 0.0f;
        rq_quantize_f32(&zero, 1, s, zp, &q);
        CHECK(q == zp); /* dequantizes to exactly 0.0 */
        if (hi > lo) {
            CHECK((-128.0 - zp) * s <= lo + 0.5 * s);
            CHECK((127.0 - zp) * s >= hi - 0.5 * s);
        }
        if (lo == 0.0 && hi > 0.0)
            CHECK(zp == -128);
    }
    rppg_contract raw = {RPPG_REPR_RAW, 1.0f, 0.0f, 1}, ratio = {RPPG_REPR_WINDOW_RATIO, 50.0f, 4.0f, 4};
    float s;
    int32_t zp;
    rq_input_params(&raw, &s, &zp);
    CHECK(s == 1.0f / 255.0f && zp == -128);
    rq_input_params(&ratio, &s, &zp);
    CHECK_NEAR(s, 8.0 / 255.0, 1e-8);
    CHECK(zp == -1 || zp == 0);
    CHECK((-128.0 - zp) * s <= -4.0 + 0.5 * s && (127.0 - zp) * s >= 4.0 - 0.5 * s);
}

static const rq_tfl_tensor *tensor_named(const rq_tfl_model *t, const char *name)
{
    for (int i = 0; i < t->n_tensors; i++)
        if (t->tensors[i].name && !strcmp(t->tensors[i].name, name))
            return &t->tensors[i];
    return NULL;
}

static int same_quant(const rq_tfl_tensor *a, const rq_tfl_tensor *b)
{
    return a && b && a->q.n == 1 && b->q.n == 1 && a->q.scale[0] == b->q.scale[0] &&
           a->q.zero_point[0] == b->q.zero_point[0];
}

/* The rPPG path's settings on graph_quant: input range fixed (the raw contract's 1/255,
 * -128), pools sharing their input's parameters, per-channel OHWI weights with zero points
 * 0 in [-127,127], bias scales s_in * s_w[c], ReLU outputs starting at 0. */
static void test_graph_scheme(void)
{
    enum { N = 6, H = 12, W = 12 };
    rq_ir_graph g;
    CHECK(small_cnn(&g, H, W) == 0);
    float *patches = malloc(sizeof(float) * N * H * W * 3);
    fill(patches, N * H * W * 3, 0.0, 1.0);
    rq_gq_opts o = {.method = RQ_CALIB_MINMAX, .fixed_input = 1};
    rppg_contract raw = {RPPG_REPR_RAW, 1.0f, 0.0f, 1};
    rq_input_params(&raw, &o.input_scale, &o.input_zero_point);
    rq_gq_result r = {0};
    rq_error err;
    rq_tfl_model t;
    CHECK(rq_gq_calibrate(&g, patches, N, &o, &r, &err) == 0);
    CHECK_MSG(rq_gq_build(&g, &o, &r, &t, &err) == 0, "%.300s", err.msg);
    CHECK(t.n_ops == 4);
    int codes[4] = {RQ_TFL_OP_CONV_2D, RQ_TFL_OP_MAX_POOL_2D, RQ_TFL_OP_CONV_2D, RQ_TFL_OP_MEAN};
    for (int i = 0; i < 4 && i < t.n_ops; i++)
        CHECK((int)t.ops[i].code == codes[i]);
    CHECK(same_quant(tensor_named(&t, "maxpool_1"), tensor_named(&t, "conv_0")));
    const rq_tfl_tensor *in = tensor_named(&t, "input"), *out = tensor_named(&t, "output");
    CHECK(in && in->q.scale[0] == 1.0f / 255.0f && in->q.zero_point[0] == -128);
    CHECK(out && out->rank == 2 && out->shape[1] == 6 && out->type == RQ_TFL_INT8);
    const char *conv[2] = {"conv_0", "conv_2"}, *prev[2] = {"input", "maxpool_1"};
    for (int l = 0; l < 2; l++) {
        char wn[32], bn[32];
        snprintf(wn, sizeof wn, "%s/weights", conv[l]);
        snprintf(bn, sizeof bn, "%s/bias", conv[l]);
        const rq_tfl_tensor *w = tensor_named(&t, wn), *b = tensor_named(&t, bn),
                            *x = tensor_named(&t, prev[l]), *y = tensor_named(&t, conv[l]);
        CHECK(w && b && x && y && w->type == RQ_TFL_INT8 && b->type == RQ_TFL_INT32);
        if (!w || !b || !x || !y)
            continue;
        CHECK(w->q.n == w->shape[0] && w->q.quantized_dimension == 0);
        CHECK(w->shape[1] == 3 && w->shape[2] == 3 && w->shape[3] == (l ? 8 : 3)); /* OHWI */
        for (int c = 0; c < w->q.n; c++) {
            CHECK(w->q.zero_point[c] == 0 && b->q.zero_point[c] == 0);
            CHECK(b->q.scale[c] == x->q.scale[0] * w->q.scale[c]);
        }
        for (int64_t i = 0; i < rq_tfl_num_elements(w); i++)
            CHECK((int8_t)w->data[i] >= -127);
        CHECK(y->q.zero_point[0] == -128); /* a fused ReLU's range starts at 0.0 */
    }
    rq_tfl_model_free(&t);
    rq_gq_result_free(&r);
    rq_ir_free(&g);
    free(patches);
}

/* With bias correction the quantized conv's output at the calibration mean input equals the
 * float conv's (up to the int32 bias step), which is the point of it; the channel means are
 * the calibration inputs' (computed here for the graph input). */
static void test_bias_correction_removes_mean_error(void)
{
    enum { N = 4, H = 12, W = 12 };
    rq_ir_graph g;
    CHECK(small_cnn(&g, H, W) == 0);
    float *patches = malloc(sizeof(float) * N * H * W * 3);
    fill(patches, N * H * W * 3, 0.2, 1.0);
    rq_gq_opts o = {.method = RQ_CALIB_MINMAX, .bias_correction = 1};
    rq_gq_result r = {0};
    rq_error err;
    rq_tfl_model t;
    CHECK(rq_gq_calibrate(&g, patches, N, &o, &r, &err) == 0);
    const double *m0 = r.t[g.inputs[0]].channel_mean;
    double direct = 0; /* the input's channel 1 mean (NHWC) */
    for (int i = 0; i < N * H * W; i++)
        direct += patches[i * 3 + 1];
    CHECK(m0 && fabs(m0[1] - direct / (N * H * W)) < 1e-9);
    CHECK_MSG(rq_gq_build(&g, &o, &r, &t, &err) == 0, "%.300s", err.msg);
    const rq_ir_node *n = &g.nodes[2]; /* the second convolution */
    CHECK(n->op == RQ_IR_OP_CONV);
    const rq_tfl_tensor *w = tensor_named(&t, "conv_2/weights"), *b = tensor_named(&t, "conv_2/bias");
    const double *mean = r.t[n->in[0]].channel_mean;
    const float *fw = g.tensors[n->in[1]].data, *fb = g.tensors[n->in[2]].data;
    CHECK(w && b && mean);
    for (int o2 = 0; w && b && mean && o2 < 6; o2++) {
        size_t rest = 9 * 8;
        int32_t qb;
        memcpy(&qb, b->data + 4 * o2, 4);
        double fq = qb * (double)b->q.scale[o2], ff = fb[o2];
        for (size_t k = 0; k < rest; k++) {
            double mu = mean[k % 8];
            fq += (int8_t)w->data[o2 * rest + k] * (double)w->q.scale[o2] * mu;
            ff += fw[o2 * rest + k] * mu;
        }
        CHECK_NEAR(fq, ff, 0.51 * b->q.scale[o2] + 1e-6 * fabs(ff));
    }
    rq_tfl_model_free(&t);
    rq_gq_result_free(&r);
    rq_ir_free(&g);
    free(patches);
}

static void test_contract_description_roundtrip(void)
{
    rppg_contract c = {RPPG_REPR_WINDOW_RATIO, 50.0f, 4.0f, 4}, d;
    char buf[256];
    rq_contract_describe(&c, buf, sizeof buf);
    CHECK(rq_contract_from_description(buf, &d) == 0 && rq_contract_equal(&c, &d));
    c.scale = 0.1f;
    rq_contract_describe(&c, buf, sizeof buf);
    CHECK(rq_contract_from_description(buf, &d) == 0 && d.scale == 0.1f);
    CHECK(rq_contract_from_description("rppgq", &d) == -1);
    CHECK(rq_contract_from_description(NULL, &d) == -1);
}

/* 1000 windows: bin b gets counts[b] labels, the rest fall outside [40,160). */
static void make_labels(float *labels, int64_t n, const int counts[5])
{
    int64_t i = 0;
    for (int b = 0; b < 5; b++)
        for (int j = 0; j < counts[b]; j++, i++)
            labels[i] = (float)(rq_calib_edges[b] + (rq_calib_edges[b + 1] - rq_calib_edges[b]) * j / counts[b]);
    for (; i < n; i++)
        labels[i] = i % 2 ? 30.0f : 170.0f;
    for (int64_t k = n - 1; k > 0; k--) { /* scatter them */
        int64_t j = (int64_t)(urand() * (double)(k + 1));
        float t = labels[k];
        labels[k] = labels[j], labels[j] = t;
    }
}

static int bin_of_label(float hr)
{
    for (int b = 0; b < 5; b++)
        if (hr >= rq_calib_edges[b] && hr < rq_calib_edges[b + 1])
            return b;
    return -1;
}

static void test_stratified_counts(void)
{
    enum { N = 1000 };
    static float labels[N];
    int counts[5] = {200, 150, 100, 300, 50};
    make_labels(labels, N, counts);
    rq_calib_plan p, q;
    rq_error err;
    CHECK(rq_calib_select(labels, NULL, N, 100, 7, "t", &p, &err) == 0);
    CHECK(p.n == 100 && p.subjects == NULL);
    int got[5] = {0};
    for (int i = 0; i < p.n; i++) {
        int b = bin_of_label(labels[p.windows[i]]);
        CHECK(b >= 0);
        got[b]++;
        if (i)
            CHECK(p.windows[i] > p.windows[i - 1]); /* sorted, no repeats */
    }
    for (int b = 0; b < 5; b++)
        CHECK(got[b] == 20 && p.per_bin[b] == 20 && p.available[b] == counts[b]);
    /* Same seed, same plan; another seed, another plan. */
    CHECK(rq_calib_select(labels, NULL, N, 100, 7, "t", &q, &err) == 0);
    CHECK(!memcmp(p.windows, q.windows, sizeof(int64_t) * 100));
    rq_calib_plan_free(&q);
    CHECK(rq_calib_select(labels, NULL, N, 100, 8, "t", &q, &err) == 0);
    CHECK(memcmp(p.windows, q.windows, sizeof(int64_t) * 100) != 0);
    rq_calib_plan_free(&q);
    rq_calib_plan_free(&p);

    /* A short bin (5) and an empty one: their shares go to the others, 102 = 5 + 4 x 24 + 1. */
    int short_counts[5] = {0, 5, 300, 300, 300};
    make_labels(labels, N, short_counts);
    CHECK(rq_calib_select(labels, NULL, N, 102, 1, "t", &p, &err) == 0);
    CHECK(p.n == 102 && p.per_bin[0] == 0 && p.per_bin[1] == 5);
    CHECK(p.per_bin[2] + p.per_bin[3] + p.per_bin[4] == 97);
    CHECK(abs(p.per_bin[2] - p.per_bin[4]) <= 1);
    rq_calib_plan_free(&p);

    /* Fewer qualifying windows than asked for: an error naming the count. */
    CHECK(rq_calib_select(labels, NULL, N, 906, 1, "t", &p, &err) == -1);
    CHECK(strstr(err.msg, "905") != NULL);
}

static void test_subject_holdout(void)
{
    enum { N = 2000 };
    static float labels[N];
    static int64_t subj[N];
    for (int i = 0; i < N; i++) {
        labels[i] = (float)(40.0 + 120.0 * urand());
        subj[i] = 100 + i / 100; /* 20 subjects */
    }
    rq_calib_plan p;
    rq_error err;
    CHECK(rq_calib_select(labels, subj, N, 100, 3, "t", &p, &err) == 0);
    CHECK(p.n_all_subjects == 20 && p.n_subjects == 5);
    for (int i = 0; i < p.n; i++) {
        int64_t s = subj[p.windows[i]];
        int found = 0;
        for (int k = 0; k < p.n_subjects; k++)
            found |= p.subjects[k] == s;
        CHECK(found);
        CHECK(rq_calib_excludes(&p, p.windows[i], subj));
    }
    int64_t excluded = 0;
    for (int i = 0; i < N; i++)
        excluded += rq_calib_excludes(&p, i, subj);
    CHECK(excluded == 500);
    rq_calib_plan_free(&p);
}

/* Mean squared error of quantizing x with the range [lo, hi], done directly. */
static double quant_mse(const float *x, int n, double lo, double hi)
{
    float s;
    int32_t zp;
    rq_act_params(lo, hi, &s, &zp);
    double e = 0;
    for (int i = 0; i < n; i++) {
        int8_t q;
        rq_quantize_f32(&x[i], 1, s, zp, &q);
        double d = (q - zp) * (double)s - x[i];
        e += d * d;
    }
    return e / n;
}

static void test_observers(void)
{
    enum { N = 100000 };
    static float x[N], y[N];
    fill(x, N, 0.0, 1.0);
    x[17] = 50.0f; /* one outlier */
    for (int i = 0; i < N; i += 3)
        x[i] = 0.0f;
    for (int i = 0; i < N; i++)  /* heavy tail: exponential */
        y[i] = (float)-log(1.0 - urand());
    double lo, hi, plo, phi, mlo, mhi;
    rq_observer o;
    rq_observer_init(&o);
    rq_observer_add(&o, x, N / 2);
    rq_observer_add(&o, x + N / 2, N - N / 2);
    rq_observer_range(&o, RQ_CALIB_MINMAX, &lo, &hi);
    CHECK(lo == 0.0 && hi == 50.0);
    CHECK(rq_observer_start_hist(&o) == 0);
    rq_observer_add(&o, x, N);
    rq_observer_range(&o, RQ_CALIB_PERCENTILE, &plo, &phi);
    rq_observer_free(&o);
    CHECK(plo == 0.0 && phi >= 0.99 && phi < 1.1); /* the outlier is clipped */

    rq_observer_init(&o);
    rq_observer_add(&o, y, N);
    rq_observer_range(&o, RQ_CALIB_MINMAX, &lo, &hi);
    CHECK(rq_observer_start_hist(&o) == 0);
    rq_observer_add(&o, y, N);
    rq_observer_range(&o, RQ_CALIB_MSE, &mlo, &mhi);
    rq_observer_free(&o);
    /* The search clips the tail, and the real error at its range beats min/max's and
     * nearby ranges. */
    CHECK(mlo == 0.0 && mhi < hi);
    double e = quant_mse(y, N, mlo, mhi);
    CHECK(e < quant_mse(y, N, lo, hi));
    CHECK(e < quant_mse(y, N, 0, mhi * 0.8) && e < quant_mse(y, N, 0, mhi * 1.25));
}

static void test_metrics_by_hand(void)
{
    double pred[4] = {70, 80, 95, 100}, lab[4] = {72, 78, 90, 110};
    rq_metrics m = rq_metrics_compute(pred, lab, 4);
    CHECK_NEAR(m.mae, (2 + 2 + 5 + 10) / 4.0, 1e-12);
    CHECK_NEAR(m.rmse, sqrt((4 + 4 + 25 + 100) / 4.0), 1e-12);
    CHECK_NEAR(m.mape, 100.0 * (2 / 72.0 + 2 / 78.0 + 5 / 90.0 + 10 / 110.0) / 4, 1e-12);
    /* Pearson of (70,80,95,100) and (72,78,90,110), by hand: means 86.25 and 87.5. */
    double dp[4] = {-16.25, -6.25, 8.75, 13.75}, dl[4] = {-15.5, -9.5, 2.5, 22.5}, spl = 0, spp = 0, sll = 0;
    for (int i = 0; i < 4; i++)
        spl += dp[i] * dl[i], spp += dp[i] * dp[i], sll += dl[i] * dl[i];
    CHECK_NEAR(m.pearson, spl / sqrt(spp * sll), 1e-12);
    CHECK_NEAR(m.r2, 1 - 133.0 / sll, 1e-12);
    double c[4] = {91.3, 91.3, 91.3, 91.3}; /* a mean that does not come out exact */
    rq_metrics b = rq_metrics_compute(c, lab, 4);
    CHECK(isnan(b.pearson));
    CHECK_NEAR(b.r2, 1 - (4 * 3.8 * 3.8 + sll) / sll, 1e-9);
    CHECK(!strcmp(rq_grade_mae_increase(0.49), "PERFECT"));
    CHECK(!strcmp(rq_grade_mae_increase(0.5), "EXCELLENT"));
    CHECK(!strcmp(rq_grade_mae_increase(1.5), "GOOD"));
    CHECK(!strcmp(rq_grade_mae_increase(3.0), "POOR"));
    CHECK_NEAR(rq_sqnr_db(100.0, 1.0), 20.0, 1e-12);
}

/* The calibration record round-trips through the description, and malformed records
 * (hostile model files) are refused rather than misread. */
static void test_calib_record(void)
{
    float labels[40];
    int64_t subjects[40];
    for (int i = 0; i < 40; i++)
        labels[i] = 45.0f + (float)((i * 37) % 110), subjects[i] = i / 5;
    rq_calib_plan plan;
    rq_error err;
    CHECK(rq_calib_select(labels, subjects, 40, 6, 9, "d", &plan, &err) == 0);
    uint64_t fp = rq_calib_data_fingerprint(labels, subjects, 40);
    char *rec = rq_calib_record_format(&plan, RQ_CALIB_MSE, 9, 40, fp);
    CHECK(rec);
    char desc[2048];
    snprintf(desc, sizeof desc, "rppgq spatial_cnn int8; input_contract representation=raw frame_stride=1; %s", rec);
    free(rec);
    rq_calib_record r;
    CHECK(rq_calib_record_parse(desc, "m", &r, &err) == 1);
    int same = r.seed == 9 && r.data_n == 40 && r.data_fingerprint == fp && !strcmp(r.method, "mse") &&
               r.n_windows == plan.n && r.n_subjects == plan.n_subjects &&
               !memcmp(r.windows, plan.windows, (size_t)plan.n * sizeof(int64_t)) &&
               !memcmp(r.subjects, plan.subjects, (size_t)plan.n_subjects * sizeof(int64_t));
    rq_calib_plan back;
    int from = rq_calib_plan_from_record(&r, subjects, 40, "d", &back, &err);
    int excl_same = from == 0;
    for (int64_t i = 0; excl_same && i < 40; i++)
        excl_same = rq_calib_excludes(&back, i, subjects) == rq_calib_excludes(&plan, i, subjects);
    rq_calib_plan_free(&back);
    /* a record naming a window the dataset lacks */
    int past = rq_calib_plan_from_record(&r, subjects, r.windows[r.n_windows - 1], "d", &back, &err);
    rq_calib_plan_free(&back);
    rq_calib_record_free(&r);
    rq_calib_plan_free(&plan);
    CHECK(same);
    CHECK(excl_same);
    CHECK(past < 0 && strstr(err.msg, "names window"));
    /* one changed letter in the fingerprint alters it */
    labels[3] += 1.0f;
    CHECK(rq_calib_data_fingerprint(labels, subjects, 40) != fp);
    CHECK(rq_calib_record_parse("rppgq spatial_cnn int8", "m", &r, &err) == 0);
    static const char *bad[] = {
        "; calibration method=minmax seed=1 data=4:0123456789abcdef windows=1,2",               /* no subjects */
        "; calibration method=fancy seed=1 data=4:0123456789abcdef windows=1 subjects=none",
        "; calibration method=mse seed=-1 data=4:0123456789abcdef windows=1 subjects=none",
        "; calibration method=mse seed=1 data=4:0123456789ABCDEF windows=1 subjects=none",
        "; calibration method=mse seed=1 data=4:0123 windows=1 subjects=none",
        "; calibration method=mse seed=1 data=4:0123456789abcdef windows=2,1 subjects=none",  /* not sorted */
        "; calibration method=mse seed=1 data=4:0123456789abcdef windows= subjects=none",
        "; calibration method=mse seed=1 data=4:0123456789abcdef windows=1,,2 subjects=none",
        "; calibration method=mse seed=99999999999999999999 data=4:0123456789abcdef windows=1 subjects=none",
        "; calibration method=mse seed=1 data=4:0123456789abcdef windows=none subjects=none",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_MSG(rq_calib_record_parse(bad[i], "m.tflite", &r, &err) < 0 && strstr(err.msg, "m.tflite: "),
                  "accepted: %s", bad[i]);
        /* the same text as the metadata entry's bytes (where quantize puts it) */
        const char *text = bad[i] + 2;
        CHECK_MSG(rq_calib_record_parse_metadata((const uint8_t *)text, strlen(text), "m.tflite", &r, &err) < 0 &&
                      strstr(err.msg, "m.tflite: its calibration record (metadata rppgq_calibration)"),
                  "accepted as metadata: %s", text);
    }
    CHECK(rq_calib_record_parse_metadata((const uint8_t *)"calibratio", 10, "m.tflite", &r, &err) < 0);
}

/* quantize's place for the record: a Model.metadata entry, through the .tflite writer and
 * reader; it wins over a description record; without either there is none. */
static void test_calib_record_metadata(void)
{
    static const char rec[] = "calibration method=percentile seed=4 data=12:00112233445566ff windows=0,5 "
                              "subjects=0,1";
    rq_tfl_model m, back;
    rq_error err;
    rq_tfl_model_init(&m);
    int32_t shape[2] = {1, 4};
    int t = rq_tfl_add_tensor(&m, "x", RQ_TFL_INT8, 2, shape, &err);
    int32_t io = t;
    CHECK(t == 0 && rq_tfl_set_graph_io(&m, 1, &io, 1, &io, &err) == 0);
    CHECK(rq_tfl_set_description(&m, "rppgq; calibration method=minmax seed=1 data=1:0123456789abcdef "
                                     "windows=0 subjects=none", &err) == 0);
    CHECK(rq_tfl_set_metadata(&m, RQ_CALIB_METADATA, rec, strlen(rec), &err) == 0);
    CHECK(rq_tfl_set_metadata(&m, RQ_TFL_RUNTIME_METADATA, "x", 1, &err) < 0); /* the writer's own */
    uint8_t *bytes = NULL;
    size_t len = 0;
    CHECK_MSG(rq_tfl_serialize(&m, &bytes, &len, &err) == 0, "%.300s", err.msg);
    CHECK_MSG(rq_tfl_parse(bytes, len, "m.tflite", &back, &err) == 0, "%.300s", err.msg);
    const rq_tfl_metadata *e = rq_tfl_find_metadata(&back, RQ_CALIB_METADATA);
    CHECK(back.n_metadata == 1 && e && e->len == strlen(rec) && !memcmp(e->data, rec, e->len));
    rq_calib_record r;
    CHECK(rq_calib_record_from_model(&back, "m.tflite", &r, &err) == 1);
    CHECK(r.seed == 4 && !strcmp(r.method, "percentile") && r.n_windows == 2 && r.n_subjects == 2);
    rq_calib_record_free(&r);
    rq_tfl_model_free(&back);
    free(bytes);
    /* the earlier form: only the description */
    rq_tfl_model_free(&m);
    rq_tfl_model_init(&m);
    CHECK(rq_tfl_set_description(&m, "rppgq; calibration method=minmax seed=1 data=1:0123456789abcdef "
                                     "windows=0 subjects=none", &err) == 0);
    CHECK(rq_calib_record_from_model(&m, "m.tflite", &r, &err) == 1 && r.seed == 1);
    rq_calib_record_free(&r);
    rq_tfl_model_free(&m);
    rq_tfl_model_init(&m);
    CHECK(rq_calib_record_from_model(&m, "m.tflite", &r, &err) == 0);
    rq_tfl_model_free(&m);
}

int main(void)
{
    RUN(test_calib_record);
    RUN(test_calib_record_metadata);
    RUN(test_weights_symmetric_per_channel);
    RUN(test_bias_scale_is_input_times_weight_scale);
    RUN(test_activation_zero_exact_and_range_covered);
    RUN(test_graph_scheme);
    RUN(test_bias_correction_removes_mean_error);
    RUN(test_contract_description_roundtrip);
    RUN(test_stratified_counts);
    RUN(test_subject_holdout);
    RUN(test_observers);
    RUN(test_metrics_by_hand);
    TEST_EXIT();
}
