/* The host SIMD kernels (engine/simd.h) against the portable C kernels, which are the
 * reference here (they are themselves checked against TFLite Micro by ops_tflm.sh,
 * tflite_cli.sh, onnx_quant.sh and simd_tflm.sh): random one-operator models of CONV_2D,
 * DEPTHWISE_CONV_2D, FULLY_CONNECTED, MAX_POOL_2D, AVERAGE_POOL_2D and ADD (odd channel
 * counts, SAME/VALID padding, strides, dilations, depth multipliers, per-tensor and
 * per-channel weights, weights of -128, fused activations), each prepared with the portable
 * kernels, AVX2 and AVX-512 VNNI (those the CPU has; the others print SKIP), in both
 * rounding modes, on random and extreme inputs: every output byte must be equal. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/simd.h"
#include "harness.h"
#include "int8_kernels.h"

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}
static int irand(int lo, int hi) /* inclusive */
{
    return lo + (int)(rnd() % (uint32_t)(hi - lo + 1));
}
static double urand(double lo, double hi)
{
    return lo + (hi - lo) * (rnd() / 4294967296.0);
}

static int add_q8(rq_tfl_model *m, const char *name, int rank, const int32_t *shape, float scale,
                  int zp, rq_error *err)
{
    int t = rq_tfl_add_tensor(m, name, RQ_TFL_INT8, rank, shape, err);
    int64_t z = zp;
    if (t < 0 || rq_tfl_set_quant(m, t, 1, &scale, &z, 0, err))
        return -1;
    return t;
}

/* Weights (count values, n channels along qdim, or per tensor when qdim < 0) and a bias;
 * returns the typical accumulator's real size through typ. */
static int add_weights(rq_tfl_model *m, int rank, const int32_t *shape, int qdim, int n,
                       float in_scale, int *wt, int *bt, double *typ, rq_error *err)
{
    int64_t count = 1;
    for (int i = 0; i < rank; i++)
        count *= shape[i];
    int8_t *w = malloc((size_t)count);
    float *sc = malloc(sizeof *sc * (size_t)n), *bsc = malloc(sizeof *bsc * (size_t)n);
    int64_t *zp = calloc((size_t)n, sizeof *zp);
    int32_t *bias = malloc(sizeof *bias * (size_t)n);
    int with_min = irand(0, 3) == 0; /* files may hold -128 although the spec says -127 */
    for (int64_t i = 0; i < count; i++)
        w[i] = (int8_t)irand(with_min ? -128 : -127, 127);
    for (int c = 0; c < n; c++) {
        sc[c] = qdim < 0 && c > 0 ? sc[0] : (float)urand(0.002, 0.02);
        bsc[c] = in_scale * sc[c];
    }
    double acc = 73.0 * 140.0 * (double)(count / n > 0 ? count / n : 1);
    for (int c = 0; c < n; c++)
        bias[c] = (int32_t)urand(-0.3 * acc, 0.3 * acc);
    *typ = 73.0 * 140.0 * 4.0 * in_scale * sc[0];
    int32_t bshape[1] = {n};
    int rc = -1;
    *wt = rq_tfl_add_tensor(m, "w", RQ_TFL_INT8, rank, shape, err);
    if (*wt < 0 || rq_tfl_set_data(m, *wt, w, (size_t)count, err) ||
        rq_tfl_set_quant(m, *wt, qdim < 0 ? 1 : n, sc, zp, qdim < 0 ? 0 : qdim, err))
        goto done;
    *bt = rq_tfl_add_tensor(m, "b", RQ_TFL_INT32, 1, bshape, err);
    if (*bt < 0 || rq_tfl_set_data(m, *bt, bias, sizeof *bias * (size_t)n, err) ||
        rq_tfl_set_quant(m, *bt, n, bsc, zp, 0, err))
        goto done;
    rc = 0;
done:
    free(w), free(sc), free(bsc), free(zp), free(bias);
    return rc;
}

static int out_dim(int padding, int in, int k, int stride, int dil)
{
    int eff = (k - 1) * dil + 1;
    return padding == RQ_TFL_PAD_SAME ? (in + stride - 1) / stride : (in - eff) / stride + 1;
}

enum { K_CONV, K_DW, K_FC, K_MAX, K_AVG, K_ADD, K_KINDS };
static const char *const kind_names[K_KINDS] = {"CONV_2D", "DEPTHWISE_CONV_2D",
                                                "FULLY_CONNECTED", "MAX_POOL_2D",
                                                "AVERAGE_POOL_2D", "ADD"};

/* One random model of the kind; 0 when built, 1 when the drawn shape is empty. */
static int build(rq_tfl_model *m, int kind, rq_error *err)
{
    rq_tfl_model_init(m);
    rq_tfl_options o = rq_tfl_default_options();
    o.padding = irand(0, 1) ? RQ_TFL_PAD_SAME : RQ_TFL_PAD_VALID;
    o.stride_h = irand(1, 3), o.stride_w = irand(1, 3);
    o.activation = (rq_tfl_activation)(int[]){RQ_TFL_ACT_NONE, RQ_TFL_ACT_RELU,
                                              RQ_TFL_ACT_RELU6}[irand(0, 2)];
    int batches = irand(0, 4) == 0 ? 2 : 1;
    int h = irand(1, 11), w = irand(1, 11), cin = irand(1, 21);
    float s_in = (float)urand(0.01, 0.05);
    int zp_in = irand(-128, 127), zp_out = irand(-60, 60);
    int32_t in_shape[4] = {batches, h, w, cin};
    int x = add_q8(m, "x", 4, in_shape, s_in, zp_in, err), y, wt, bt, op;
    if (x < 0)
        return -1;
    double typ;
    if (kind == K_CONV || kind == K_DW) {
        int kh = irand(1, 4), kw = irand(1, 4), mult = kind == K_DW ? irand(1, 3) : 1;
        o.dilation_h = irand(1, 2), o.dilation_w = irand(1, 2);
        int cout = kind == K_DW ? cin * mult : irand(1, 40);
        int oh = out_dim(o.padding, h, kh, o.stride_h, o.dilation_h);
        int ow = out_dim(o.padding, w, kw, o.stride_w, o.dilation_w);
        if (oh < 1 || ow < 1)
            return 1;
        int32_t wshape[4] = {kind == K_DW ? 1 : cout, kh, kw, kind == K_DW ? cout : cin};
        int per_channel = irand(0, 3) != 0;
        if (add_weights(m, 4, wshape, per_channel ? (kind == K_DW ? 3 : 0) : -1, cout, s_in, &wt,
                        &bt, &typ, err))
            return -1;
        typ *= kh * kw * (kind == K_DW ? 1 : cin) / 4.0 > 1 ? kh * kw * (kind == K_DW ? 1 : cin) / 4.0 : 1;
        int32_t oshape[4] = {batches, oh, ow, cout};
        if ((y = add_q8(m, "y", 4, oshape, (float)(typ / urand(3, 30)), zp_out, err)) < 0)
            return -1;
        o.depth_multiplier = mult;
        op = kind == K_DW ? RQ_TFL_OP_DEPTHWISE_CONV_2D : RQ_TFL_OP_CONV_2D;
        if (rq_tfl_add_op(m, op, 3, (int32_t[]){x, wt, bt}, 1, &y, &o, err) < 0)
            return -1;
    } else if (kind == K_FC) {
        int depth = h * w * cin, units = irand(1, 40);
        int32_t wshape[2] = {units, depth};
        if (add_weights(m, 2, wshape, irand(0, 1) ? 0 : -1, units, s_in, &wt, &bt, &typ, err))
            return -1;
        typ *= depth / 4.0 > 1 ? depth / 4.0 : 1;
        int32_t oshape[2] = {batches, units};
        if ((y = add_q8(m, "y", 2, oshape, (float)(typ / urand(3, 30)), zp_out, err)) < 0)
            return -1;
        if (rq_tfl_add_op(m, RQ_TFL_OP_FULLY_CONNECTED, 3, (int32_t[]){x, wt, bt}, 1, &y, &o,
                          err) < 0)
            return -1;
    } else if (kind == K_MAX || kind == K_AVG) {
        o.filter_h = irand(1, 5), o.filter_w = irand(1, 5);
        int oh = out_dim(o.padding, h, o.filter_h, o.stride_h, 1);
        int ow = out_dim(o.padding, w, o.filter_w, o.stride_w, 1);
        if (oh < 1 || ow < 1)
            return 1;
        int32_t oshape[4] = {batches, oh, ow, cin};
        if ((y = add_q8(m, "y", 4, oshape, s_in, zp_in, err)) < 0)
            return -1;
        op = kind == K_MAX ? RQ_TFL_OP_MAX_POOL_2D : RQ_TFL_OP_AVERAGE_POOL_2D;
        if (rq_tfl_add_op(m, op, 1, &x, 1, &y, &o, err) < 0)
            return -1;
    } else {
        int x2 = add_q8(m, "x2", 4, in_shape, (float)urand(0.005, 0.1), irand(-128, 127), err);
        if (x2 < 0 || (y = add_q8(m, "y", 4, in_shape, (float)urand(0.02, 0.15), zp_out, err)) < 0)
            return -1;
        if (rq_tfl_add_op(m, RQ_TFL_OP_ADD, 2, (int32_t[]){x, x2}, 1, &y, &o, err) < 0)
            return -1;
        return rq_tfl_set_graph_io(m, 2, (int32_t[]){x, x2}, 1, &y, err);
    }
    return rq_tfl_set_graph_io(m, 1, &x, 1, &y, err);
}

/* Runs the model on each input set; outputs concatenated. */
static int run_all(const rq_tfl_engine *e, const rq_tfl_model *m, const uint8_t *in, size_t in_b,
                   int sets, uint8_t *out, size_t out_b)
{
    rq_tfl_scratch *s = rq_tfl_scratch_new(e);
    if (!s)
        return -1;
    for (int k = 0; k < sets; k++) {
        size_t off = 0;
        for (int i = 0; i < m->n_inputs; i++) {
            size_t b = rq_tfl_tensor_bytes(e, m->inputs[i]);
            memcpy(rq_tfl_input(e, s, i), in + (size_t)k * in_b + off, b);
            off += b;
        }
        rq_tfl_invoke(e, s);
        memcpy(out + (size_t)k * out_b, rq_tfl_output(e, s, 0), out_b);
    }
    rq_tfl_scratch_free(s);
    return 0;
}

#define SETS 3
static int compared[K_KINDS][4];

static void simd_equals_portable(void)
{
    rq_simd best = simd_engine_best();
    if (best < RQ_SIMD_AVX512)
        printf("SKIP avx512 kernels: this CPU lacks AVX-512 VNNI\n");
    if (best < RQ_SIMD_AVX2)
        printf("SKIP avx2 kernels: this CPU lacks AVX2\n");
    int cases = 0;
    for (int iter = 0; iter < 420; iter++) {
        int kind = iter % K_KINDS;
        rq_tfl_model m;
        rq_error err = {{0}};
        int b = build(&m, kind, &err);
        CHECK_MSG(b >= 0, "%s: building: %.300s", kind_names[kind], err.msg);
        if (b == 1) {
            rq_tfl_model_free(&m);
            continue;
        }
        for (int r = 0; r < 2; r++) {
            rq_tfl_engine_opts o = {r ? RQ_TFL_ROUND_SINGLE : RQ_TFL_ROUND_DOUBLE, 0};
            rq_tfl_engine *ref;
            if (rq_tfl_prepare_simd(&m, &o, RQ_SIMD_OFF, &ref, &err))
                continue; /* e.g. a multiplier out of range: refused by every path alike */
            size_t in_b = 0, out_b = rq_tfl_tensor_bytes(ref, m.outputs[0]);
            for (int i = 0; i < m.n_inputs; i++)
                in_b += rq_tfl_tensor_bytes(ref, m.inputs[i]);
            uint8_t *in = malloc(in_b * SETS), *want = malloc(out_b * SETS),
                    *got = malloc(out_b * SETS);
            for (size_t i = 0; i < in_b * SETS; i++)
                in[i] = (uint8_t)rnd();
            for (size_t i = 0; i < in_b; i++) /* the extremes: -128 and 127 only */
                in[i] = (rnd() & 1) ? 0x80 : 0x7F;
            CHECK(run_all(ref, &m, in, in_b, SETS, want, out_b) == 0);
            for (rq_simd isa = RQ_SIMD_AVX2; isa <= best; isa++) {
                rq_tfl_engine *e;
                CHECK_MSG(rq_tfl_prepare_simd(&m, &o, isa, &e, &err) == 0, "%s %s: %.300s",
                          kind_names[kind], rq_simd_name(isa), err.msg);
                CHECK(rq_tfl_engine_simd(e) == isa);
                CHECK(run_all(e, &m, in, in_b, SETS, got, out_b) == 0);
                size_t bad = 0, first = 0;
                for (size_t i = out_b * SETS; i-- > 0;)
                    if (got[i] != want[i])
                        bad++, first = i;
                CHECK_MSG(bad == 0, "%s (case %d, %s rounding) on %s: %zu of %zu bytes differ, "
                          "first at %zu: %d vs portable %d", kind_names[kind], iter,
                          r ? "single" : "double", rq_simd_name(isa), bad, out_b * SETS, first,
                          (int8_t)got[first], (int8_t)want[first]);
                compared[kind][isa]++;
                rq_tfl_engine_free(e);
            }
            cases++;
            free(in), free(want), free(got);
            rq_tfl_engine_free(ref);
        }
        rq_tfl_model_free(&m);
    }
    for (int k = 0; k < K_KINDS; k++)
        printf("%-18s cases compared: avx2 %d, avx512 %d\n", kind_names[k],
               compared[k][RQ_SIMD_AVX2], compared[k][RQ_SIMD_AVX512]);
    /* the comparison must have run on most drawn models */
    CHECK_MSG(cases >= 500, "only %d cases ran", cases);
    for (int k = 0; k < K_KINDS && best >= RQ_SIMD_AVX2; k++)
        CHECK_MSG(compared[k][best] >= 40, "%s: %d cases", kind_names[k], compared[k][best]);
}

/* The vector requantization alone against rppg_q8_mbqm (the MCU runtime's scalar one) on
 * random and edge values: every shift the engine accepts (-31..30), multipliers from
 * QuantizeMultiplier's range and 0, accumulators including INT32_MIN/MAX and exact halves
 * (the rounding ties of both roundings). */
static void requantization_equals_scalar(void)
{
    enum { N = 4096 };
    static int32_t x[N], m[N], sh[N], got[N];
    rq_simd best = simd_engine_best();
    long checked = 0;
    for (int round = 0; round < 64; round++)
        for (int single = 0; single < 2; single++) {
            for (int i = 0; i < N; i++) {
                sh[i] = irand(-31, 30);
                m[i] = irand(0, 15) == 0 ? 0 : (int32_t)((1u << 30) + (rnd() & 0x3FFFFFFF));
                switch (irand(0, 5)) {
                case 0: x[i] = (int32_t)rnd(); break;
                case 1: x[i] = irand(-300, 300); break;
                case 2: x[i] = irand(0, 1) ? INT32_MIN : INT32_MAX; break;
                case 3: /* a tie of the final rounding: an exact half of 2^(31-shift) / m */
                    x[i] = (int32_t)((((int64_t)irand(-5000, 5000) * 2 + 1) * ((int64_t)1 << (sh[i] < 0 ? -sh[i] : 0))) / 2);
                    m[i] = 1 << 30;
                    break;
                default: x[i] = (int32_t)(rnd() >> irand(1, 31)) * (irand(0, 1) ? 1 : -1); break;
                }
            }
            for (rq_simd isa = RQ_SIMD_AVX2; isa <= best; isa++) {
                simd_mbqm(isa, single, x, m, sh, got, N);
                for (int i = 0; i < N; i++) {
                    int32_t want = rppg_q8_mbqm(x[i], m[i], sh[i], single ? RPPG_Q8_ROUND_SINGLE
                                                                          : RPPG_Q8_ROUND_DOUBLE);
                    CHECK_MSG(got[i] == want, "%s %s rounding: mbqm(%d, %d, %d) = %d, scalar %d",
                              rq_simd_name(isa), single ? "single" : "double", (int)x[i],
                              (int)m[i], (int)sh[i], (int)got[i], (int)want);
                    checked++;
                }
            }
        }
    printf("requantizations compared: %ld\n", checked);
}

/* The cap chooses the kernels; the CPU bounds it; the default is rq_simd_level()'s. */
static void cap_chooses_kernels(void)
{
    rq_tfl_model m;
    rq_error err = {{0}};
    CHECK(build(&m, K_CONV, &err) == 0);
    rq_tfl_engine_opts o = {RQ_TFL_ROUND_DOUBLE, 0};
    rq_simd best = simd_engine_best(), lvl = rq_simd_level();
    for (rq_simd cap = RQ_SIMD_OFF; cap <= RQ_SIMD_AVX512; cap++) {
        rq_tfl_engine *e;
        CHECK_MSG(rq_tfl_prepare_simd(&m, &o, cap, &e, &err) == 0, "%.300s", err.msg);
        CHECK(rq_tfl_engine_simd(e) == (cap < best ? cap : best));
        rq_tfl_engine_free(e);
    }
    rq_tfl_engine *e;
    CHECK(rq_tfl_prepare_opts(&m, &o, &e, &err) == 0);
    CHECK(rq_tfl_engine_simd(e) == (lvl < best ? lvl : best));
    rq_tfl_engine_free(e);
    rq_tfl_model_free(&m);
}

int main(void)
{
    RUN(requantization_equals_scalar);
    RUN(simd_equals_portable);
    RUN(cap_chooses_kernels);
    TEST_EXIT();
}
