/* Each graph pass on a small hand-built graph: the structure it must leave, and the
 * property that matters (the float executor computes the same outputs before and after,
 * or values derived here from the definitions). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ir/ir.h"
#include "ir/ir_exec.h"
#include "passes/passes.h"

static int act(rq_ir_graph *g, const char *name, int rank, const int64_t *s)
{
    rq_error err;
    int t = rq_ir_add_tensor(g, name, RQ_IR_F32, &err);
    if (t >= 0 && rank >= 0)
        rq_ir_set_shape(g, t, rank, s, &err);
    return t;
}

/* Deterministic pseudo-random values in [-1, 1). */
static void fill(float *x, int n, unsigned seed)
{
    for (int i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        x[i] = (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
    }
}

/* Runs g on input x (graph layout) and copies output 0 into y. */
static int run(const rq_ir_graph *g, const float *x, float *y, int64_t ny)
{
    rq_ir_exec *e;
    rq_error err;
    if (rq_ir_exec_new(g, &e, &err) < 0)
        return -1;
    memcpy(rq_ir_exec_input(e, 0), x, (size_t)rq_ir_numel(&g->tensors[g->inputs[0]]) * sizeof(float));
    int rc = rq_ir_exec_run(e, &err);
    if (rc == 0)
        memcpy(y, rq_ir_exec_tensor(e, g->outputs[0]), (size_t)ny * sizeof(float));
    rq_ir_exec_free(e);
    return rc;
}

/* x [1,2,3,4] -> Shape -> Gather(0) -> Unsqueeze(0) -> Concat with [-1] -> Reshape:
 * the chain PyTorch writes for x.reshape(x.shape[0], -1). */
static void fold_shape_chain(void)
{
    rq_ir_graph g;
    rq_error err;
    rq_ir_init(&g, "fold");
    int64_t xs[4] = {1, 2, 3, 4}, one[1] = {1}, zero = 0, minus1 = -1;
    int x = act(&g, "x", 4, xs), sh = act(&g, "sh", -1, NULL), b = act(&g, "b", -1, NULL);
    int u = act(&g, "u", -1, NULL), c = act(&g, "c", -1, NULL), y = act(&g, "y", -1, NULL);
    int idx = rq_ir_add_const(&g, "idx", RQ_IR_I64, 0, NULL, &zero, &err);
    int ax = rq_ir_add_const(&g, "ax", RQ_IR_I64, 1, one, &zero, &err);
    int m1 = rq_ir_add_const(&g, "m1", RQ_IR_I64, 1, one, &minus1, &err);
    rq_ir_add_node(&g, RQ_IR_OP_SHAPE, NULL, NULL, 1, &x, 1, &sh, &err);
    rq_ir_add_node(&g, RQ_IR_OP_GATHER, NULL, NULL, 2, (int[]){sh, idx}, 1, &b, &err);
    rq_ir_add_node(&g, RQ_IR_OP_UNSQUEEZE, NULL, NULL, 2, (int[]){b, ax}, 1, &u, &err);
    int cc = rq_ir_add_node(&g, RQ_IR_OP_CONCAT, NULL, NULL, 2, (int[]){u, m1}, 1, &c, &err);
    rq_ir_add_attr_int(&g, cc, "axis", 0, &err);
    rq_ir_add_node(&g, RQ_IR_OP_RESHAPE, NULL, NULL, 2, (int[]){x, c}, 1, &y, &err);
    rq_ir_set_io(&g, 1, &x, 1, &y, &err);
    CHECK_MSG(rq_pass_fold_constants(&g, &err) == 0, "%.300s", err.msg);
    CHECK(g.n_nodes == 1 && g.nodes[0].op == RQ_IR_OP_RESHAPE);
    const int64_t *v = g.tensors[c].data;
    CHECK(v && v[0] == 1 && v[1] == -1);
    CHECK(g.tensors[y].rank == 2 && g.tensors[y].shape[0] == 1 && g.tensors[y].shape[1] == 24);
    rq_ir_free(&g);
}

/* Conv(2->3, 3x3, pad 1, with bias) -> BatchNorm -> Relu -> Identity: after the passes one
 * Conv with a fused Relu, weights and bias as the folding formula gives (computed here in
 * double), and the same outputs as before. */
static void batchnorm_relu_identity(void)
{
    rq_ir_graph g;
    rq_error err;
    rq_ir_init(&g, "bn");
    int64_t xs[4] = {1, 2, 5, 5}, ws[4] = {3, 2, 3, 3}, cs[1] = {3};
    float w[54], b[3], sc[3] = {0.5f, 1.5f, -2.0f}, be[3] = {0.1f, -0.2f, 0.3f};
    float mu[3] = {0.05f, -0.1f, 0.2f}, var[3] = {0.9f, 1.1f, 0.3f};
    fill(w, 54, 1), fill(b, 3, 2);
    int x = act(&g, "x", 4, xs), c = act(&g, "c", -1, NULL), n = act(&g, "n", -1, NULL);
    int r = act(&g, "r", -1, NULL), y = act(&g, "y", -1, NULL);
    int tw = rq_ir_add_const(&g, "w", RQ_IR_F32, 4, ws, w, &err);
    int tb = rq_ir_add_const(&g, "b", RQ_IR_F32, 1, cs, b, &err);
    int bn_in[5] = {c, rq_ir_add_const(&g, "sc", RQ_IR_F32, 1, cs, sc, &err),
                    rq_ir_add_const(&g, "be", RQ_IR_F32, 1, cs, be, &err),
                    rq_ir_add_const(&g, "mu", RQ_IR_F32, 1, cs, mu, &err),
                    rq_ir_add_const(&g, "var", RQ_IR_F32, 1, cs, var, &err)};
    int conv = rq_ir_add_node(&g, RQ_IR_OP_CONV, NULL, NULL, 3, (int[]){x, tw, tb}, 1, &c, &err);
    int64_t pads[4] = {1, 1, 1, 1};
    rq_ir_add_attr_ints(&g, conv, "pads", 4, pads, &err);
    rq_ir_add_node(&g, RQ_IR_OP_BATCHNORM, NULL, NULL, 5, bn_in, 1, &n, &err);
    rq_ir_add_node(&g, RQ_IR_OP_RELU, NULL, NULL, 1, &n, 1, &r, &err);
    rq_ir_add_node(&g, RQ_IR_OP_IDENTITY, NULL, NULL, 1, &r, 1, &y, &err);
    rq_ir_set_io(&g, 1, &x, 1, &y, &err);
    CHECK(rq_ir_infer_shapes(&g, &err) == 0);
    float in[50], before[75], after[75];
    fill(in, 50, 3);
    CHECK(run(&g, in, before, 75) == 0);
    CHECK_MSG(rq_passes_canonicalize(&g, &err) == 0, "%.300s", err.msg);
    CHECK(g.n_nodes == 1 && g.nodes[0].op == RQ_IR_OP_CONV && g.nodes[0].act == RQ_IR_ACT_RELU);
    CHECK(g.outputs[0] == y && g.nodes[0].out[0] == y);
    const float *fw = g.tensors[g.nodes[0].in[1]].data, *fb = g.tensors[g.nodes[0].in[2]].data;
    for (int o = 0; o < 3; o++) {
        double a = sc[o] / sqrt((double)var[o] + 1e-5);
        CHECK_NEAR(fb[o], ((double)b[o] - mu[o]) * a + be[o], 1e-6);
        for (int k = 0; k < 18; k++)
            CHECK_NEAR(fw[o * 18 + k], w[o * 18 + k] * a, 1e-6);
    }
    CHECK(run(&g, in, after, 75) == 0);
    int negative_seen = 0;
    for (int i = 0; i < 75; i++) {
        CHECK_NEAR(after[i], before[i], 1e-5);
        negative_seen |= after[i] == 0.0f;
    }
    CHECK(negative_seen); /* the Relu clamps something */
    rq_ir_free(&g);
}

/* Clip(0,6) fuses as Relu6; Clip(0,3) has no TFLite activation and stays a node. */
static void clip_fusion(void)
{
    for (int k = 0; k < 2; k++) {
        rq_ir_graph g;
        rq_error err;
        rq_ir_init(&g, "clip");
        int64_t xs[2] = {1, 4}, ws[2] = {3, 4};
        float w[12], lo = 0.0f, hi = k ? 3.0f : 6.0f;
        fill(w, 12, 4);
        int x = act(&g, "x", 2, xs), z = act(&g, "z", -1, NULL), y = act(&g, "y", -1, NULL);
        int tw = rq_ir_add_const(&g, "w", RQ_IR_F32, 2, ws, w, &err);
        int tlo = rq_ir_add_const(&g, "lo", RQ_IR_F32, 0, NULL, &lo, &err);
        int thi = rq_ir_add_const(&g, "hi", RQ_IR_F32, 0, NULL, &hi, &err);
        int gm = rq_ir_add_node(&g, RQ_IR_OP_GEMM, NULL, NULL, 2, (int[]){x, tw}, 1, &z, &err);
        rq_ir_add_attr_int(&g, gm, "transB", 1, &err);
        rq_ir_add_node(&g, RQ_IR_OP_CLIP, NULL, NULL, 3, (int[]){z, tlo, thi}, 1, &y, &err);
        rq_ir_set_io(&g, 1, &x, 1, &y, &err);
        CHECK(rq_ir_infer_shapes(&g, &err) == 0);
        CHECK(rq_pass_fuse_activations(&g, &err) == 0);
        CHECK(g.n_nodes == (k ? 2 : 1));
        CHECK(g.nodes[0].act == (k ? RQ_IR_ACT_NONE : RQ_IR_ACT_RELU6));
        rq_ir_free(&g);
    }
}

/* Conv -> Flatten -> Gemm, and Conv -> Flatten as the graph output: after the NHWC pass
 * the outputs equal the NCHW graph's (the input transposed for it); the first needs no
 * Transpose (the Gemm's weights are permuted), the second gets one. */
static void nhwc_keeps_flatten_order(void)
{
    for (int with_fc = 1; with_fc >= 0; with_fc--) {
        rq_ir_graph g;
        rq_error err;
        rq_ir_init(&g, "nhwc");
        int64_t xs[4] = {1, 2, 3, 4}, ws[4] = {3, 2, 1, 1}, fs[2] = {5, 36};
        float w[6], fw[180], in[24], in_nhwc[24], ref[36], got[36];
        fill(w, 6, 5), fill(fw, 180, 6), fill(in, 24, 7);
        int x = act(&g, "x", 4, xs), c = act(&g, "c", -1, NULL), f = act(&g, "f", -1, NULL);
        int tw = rq_ir_add_const(&g, "w", RQ_IR_F32, 4, ws, w, &err);
        rq_ir_add_node(&g, RQ_IR_OP_CONV, NULL, NULL, 2, (int[]){x, tw}, 1, &c, &err);
        rq_ir_add_node(&g, RQ_IR_OP_FLATTEN, NULL, NULL, 1, &c, 1, &f, &err);
        int y = f;
        if (with_fc) {
            y = act(&g, "y", -1, NULL);
            int tf = rq_ir_add_const(&g, "fw", RQ_IR_F32, 2, fs, fw, &err);
            int gm = rq_ir_add_node(&g, RQ_IR_OP_GEMM, NULL, NULL, 2, (int[]){f, tf}, 1, &y, &err);
            rq_ir_add_attr_int(&g, gm, "transB", 1, &err);
        }
        rq_ir_set_io(&g, 1, &x, 1, &y, &err);
        CHECK(rq_ir_infer_shapes(&g, &err) == 0);
        int64_t ny = with_fc ? 5 : 36;
        CHECK(run(&g, in, ref, ny) == 0);
        CHECK_MSG(rq_pass_to_nhwc(&g, &err) == 0, "%.300s", err.msg);
        CHECK(g.layout == RQ_IR_NHWC && g.tensors[x].shape[3] == 2 && g.tensors[x].shape[1] == 3);
        int transposes = 0;
        for (int i = 0; i < g.n_nodes; i++)
            transposes += g.nodes[i].op == RQ_IR_OP_TRANSPOSE;
        CHECK(transposes == (with_fc ? 0 : 1));
        rq_nchw_to_nhwc(in, in_nhwc, 2, 3, 4);
        CHECK(run(&g, in_nhwc, got, ny) == 0);
        for (int i = 0; i < ny; i++)
            CHECK_NEAR(got[i], ref[i], 1e-6);
        rq_ir_free(&g);
    }
}

/* x -> HardSigmoid(1/6, 1/2) -> Mul(x, .): one HardSwish after rq_pass_fuse_hardswish; a
 * HardSigmoid gating another tensor becomes Add(+3, Relu6) and Mul(1/6). Outputs equal the
 * original graph's (the definitions: x*clamp(x/6+1/2,0,1) and clamp(x+3,0,6)/6). */
static void hardswish_and_hardsigmoid(void)
{
    for (int gate_other = 0; gate_other < 2; gate_other++) {
        rq_ir_graph g;
        rq_error err;
        rq_ir_init(&g, "hs");
        int64_t xs[2] = {1, 40};
        int x = act(&g, "x", 2, xs), h = act(&g, "h", -1, NULL), y = act(&g, "y", -1, NULL);
        int other = x;
        if (gate_other) { /* gate a second tensor: -x */
            other = act(&g, "neg", -1, NULL);
            float m1 = -1.0f;
            int c = rq_ir_add_const(&g, "m1", RQ_IR_F32, 0, NULL, &m1, &err);
            rq_ir_add_node(&g, RQ_IR_OP_MUL, NULL, NULL, 2, (int[]){x, c}, 1, &other, &err);
        }
        int hs = rq_ir_add_node(&g, RQ_IR_OP_HARD_SIGMOID, NULL, NULL, 1, &x, 1, &h, &err);
        rq_ir_add_attr_float(&g, hs, "alpha", 1.0f / 6.0f, &err);
        rq_ir_add_node(&g, RQ_IR_OP_MUL, NULL, NULL, 2, (int[]){other, h}, 1, &y, &err);
        rq_ir_set_io(&g, 1, &x, 1, &y, &err);
        CHECK(rq_ir_infer_shapes(&g, &err) == 0);
        float in[40], ref[40], got[40];
        for (int i = 0; i < 40; i++)
            in[i] = -5.0f + 0.25f * (float)i; /* crosses both corners at -3 and 3 */
        CHECK(run(&g, in, ref, 40) == 0);
        CHECK(rq_pass_fuse_hardswish(&g, &err) == 0);
        CHECK(rq_pass_decompose_hardsigmoid(&g, &err) == 0);
        int n_hswish = 0, n_add = 0, n_hsig = 0;
        for (int i = 0; i < g.n_nodes; i++) {
            n_hswish += g.nodes[i].op == RQ_IR_OP_HARD_SWISH;
            n_hsig += g.nodes[i].op == RQ_IR_OP_HARD_SIGMOID;
            n_add += g.nodes[i].op == RQ_IR_OP_ADD && g.nodes[i].act == RQ_IR_ACT_RELU6;
        }
        CHECK(n_hsig == 0);
        CHECK(gate_other ? (n_hswish == 0 && n_add == 1) : (n_hswish == 1 && g.n_nodes == 1));
        CHECK(run(&g, in, got, 40) == 0);
        for (int i = 0; i < 40; i++) {
            double v = in[i], t = v / 6.0 + 0.5;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            CHECK_NEAR(got[i], (gate_other ? -v : v) * t, 1e-6);
            CHECK_NEAR(got[i], ref[i], 1e-6);
        }
        rq_ir_free(&g);
    }
}

/* MatMul by a constant matrix plus a constant bias, then Relu: one Gemm with the bias and
 * a fused Relu, same outputs. */
static void matmul_add_relu(void)
{
    rq_ir_graph g;
    rq_error err;
    rq_ir_init(&g, "mm");
    int64_t xs[2] = {1, 6}, ws[2] = {6, 4}, bs[1] = {4};
    float w[24], b[4], in[6], ref[4], got[4];
    fill(w, 24, 8), fill(b, 4, 9), fill(in, 6, 10);
    int x = act(&g, "x", 2, xs), m = act(&g, "m", -1, NULL), a = act(&g, "a", -1, NULL);
    int y = act(&g, "y", -1, NULL);
    int tw = rq_ir_add_const(&g, "w", RQ_IR_F32, 2, ws, w, &err);
    int tb = rq_ir_add_const(&g, "b", RQ_IR_F32, 1, bs, b, &err);
    rq_ir_add_node(&g, RQ_IR_OP_MATMUL, NULL, NULL, 2, (int[]){x, tw}, 1, &m, &err);
    rq_ir_add_node(&g, RQ_IR_OP_ADD, NULL, NULL, 2, (int[]){tb, m}, 1, &a, &err);
    rq_ir_add_node(&g, RQ_IR_OP_RELU, NULL, NULL, 1, &a, 1, &y, &err);
    rq_ir_set_io(&g, 1, &x, 1, &y, &err);
    CHECK(rq_ir_infer_shapes(&g, &err) == 0);
    CHECK(run(&g, in, ref, 4) == 0);
    CHECK_MSG(rq_passes_canonicalize(&g, &err) == 0, "%.300s", err.msg);
    CHECK(g.n_nodes == 1 && g.nodes[0].op == RQ_IR_OP_GEMM && g.nodes[0].act == RQ_IR_ACT_RELU);
    CHECK(g.nodes[0].n_in == 3 && g.nodes[0].in[2] == tb && g.nodes[0].out[0] == y);
    CHECK(run(&g, in, got, 4) == 0);
    for (int j = 0; j < 4; j++) {
        double v = b[j];
        for (int k = 0; k < 6; k++)
            v += (double)in[k] * w[k * 4 + j];
        CHECK_NEAR(got[j], v > 0 ? v : 0, 1e-6);
        CHECK_NEAR(got[j], ref[j], 1e-6);
    }
    rq_ir_free(&g);
}

/* x [1,3,4,5] -> GlobalAveragePool -> Flatten: one ReduceMean over H,W without kept dims
 * (TFLite's MEAN keep_dims false), the same 3 means (the definition, computed here), also
 * after NHWC; a GlobalAveragePool read by something else too is left alone. */
static void gap_flatten_becomes_mean(void)
{
    for (int shared = 0; shared < 2; shared++) {
        rq_ir_graph g;
        rq_error err;
        rq_ir_init(&g, "gap");
        int64_t xs[4] = {1, 3, 4, 5};
        float in[60], in_nhwc[60], got[3];
        double want[3] = {0};
        fill(in, 60, 9);
        for (int i = 0; i < 60; i++)
            want[i / 20] += in[i] / 20.0;
        int x = act(&g, "x", 4, xs), a = act(&g, "a", -1, NULL), y = act(&g, "y", -1, NULL);
        rq_ir_add_node(&g, RQ_IR_OP_GLOBAL_AVG_POOL, NULL, NULL, 1, &x, 1, &a, &err);
        int f = rq_ir_add_node(&g, RQ_IR_OP_FLATTEN, NULL, NULL, 1, &a, 1, &y, &err);
        rq_ir_add_attr_int(&g, f, "axis", 1, &err);
        int outs[2] = {y, a};
        rq_ir_set_io(&g, 1, &x, 1 + shared, outs, &err);
        CHECK(rq_ir_infer_shapes(&g, &err) == 0);
        CHECK_MSG(rq_pass_gap_flatten_to_mean(&g, &err) == 0, "%.300s", err.msg);
        CHECK(g.n_nodes == (shared ? 2 : 1));
        CHECK(g.nodes[0].op == (shared ? RQ_IR_OP_GLOBAL_AVG_POOL : RQ_IR_OP_REDUCE_MEAN));
        CHECK(g.tensors[g.outputs[0]].rank == 2 && g.tensors[g.outputs[0]].shape[1] == 3);
        CHECK(run(&g, in, got, 3) == 0);
        for (int c = 0; c < 3; c++)
            CHECK_NEAR(got[c], want[c], 1e-6);
        CHECK_MSG(rq_pass_to_nhwc(&g, &err) == 0, "%.300s", err.msg);
        rq_nchw_to_nhwc(in, in_nhwc, 3, 4, 5);
        CHECK(run(&g, in_nhwc, got, 3) == 0);
        for (int c = 0; c < 3; c++)
            CHECK_NEAR(got[c], want[c], 1e-6);
        rq_ir_free(&g);
    }
}

int main(void)
{
    RUN(gap_flatten_becomes_mean);
    RUN(matmul_add_relu);
    RUN(hardswish_and_hardsigmoid);
    RUN(fold_shape_chain);
    RUN(batchnorm_relu_identity);
    RUN(clip_fusion);
    RUN(nhwc_keeps_flatten_order);
    TEST_EXIT();
}
