/* The float executor's kernels at every SIMD level the CPU has give the scalar loops' bits:
 * random convolutions of every geometry the executor takes (both layouts, 1-D and 2-D,
 * strides, dilations, asymmetric pads, fused activations, batches) and the seed's Spatial
 * CNN graph tensor by tensor. (Agreement with PyTorch: tests/integration/onnx_float.sh.) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/spatial_ckpt.h"
#include "ir/ir_exec.h"
#include "passes/passes.h"
#include "harness.h"

static uint64_t rng = 0x853c49e6748fea9bu;
static uint32_t next_u32(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}
static int below(int n) { return (int)(next_u32() % (uint32_t)n); }
static float uniform(void) { return (float)((next_u32() & 0xffffff) / 16777216.0 * 2 - 1); }

/* Mostly ordinary values, some that test the rounding rules. Large ones make the double
 * sums cancel, so that a changed summation order shows in the float result. */
static float value(void)
{
    switch (below(40)) {
    case 0: return 0.0f;
    case 1: return -0.0f;
    case 2: return 1e-40f * uniform(); /* subnormal */
    case 3: return 1e30f * uniform();
    case 8: return NAN;
    case 4: case 5: case 6: case 7: return 1e9f * (float)(1 + below(3)) * (below(2) ? 1 : -1);
    default: return uniform();
    }
}

static void fill(float *x, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        x[i] = value();
}

typedef struct conv_case {
    int nhwc, spatial, batch, cin, cout, h, w, kh, kw, sh, sw, dh, dw, p[4], bias, act;
    rq_ir_op op; /* Conv, MaxPool, AveragePool */
    int include_pad, ceil_mode;
} conv_case;

static conv_case random_case(void)
{
    conv_case c;
    c.nhwc = below(2), c.spatial = 1 + below(2), c.batch = 1 + below(2);
    c.cin = 1 + below(20), c.cout = 1 + below(40);
    c.h = c.spatial == 1 ? 1 : 1 + below(12), c.w = 1 + below(14);
    c.kh = c.spatial == 1 ? 1 : 1 + below(5), c.kw = 1 + below(5);
    c.sh = c.spatial == 1 ? 1 : 1 + below(3), c.sw = 1 + below(3);
    c.dh = c.spatial == 1 ? 1 : 1 + below(2), c.dw = 1 + below(2);
    for (int i = 0; i < 4; i++)
        c.p[i] = below(4);
    if (c.spatial == 1)
        c.p[0] = c.p[2] = 0;
    /* the window must fit the padded input */
    while (c.h + c.p[0] + c.p[2] < c.dh * (c.kh - 1) + 1)
        c.p[2]++;
    while (c.w + c.p[1] + c.p[3] < c.dw * (c.kw - 1) + 1)
        c.p[3]++;
    c.bias = below(3) != 0, c.act = below(4);
    c.op = RQ_IR_OP_CONV, c.include_pad = below(2), c.ceil_mode = below(2);
    return c;
}

/* One Conv (or pool: c->op) node with its output shape inferred; x and y are the graph's first and last
 * tensors. Returns the node index, -1 on failure. */
static int conv_graph(rq_ir_graph *g, const conv_case *c, int *x, int *y)
{
    rq_error err;
    rq_ir_init(g, "lanes");
    g->layout = c->nhwc ? RQ_IR_NHWC : RQ_IR_NCHW;
    int rank = c->spatial + 2;
    int64_t xs[4], ws[4], bs[1] = {c->cout};
    if (rank == 3) {
        int64_t a[3] = {c->batch, c->cin, c->w}, b[3] = {c->batch, c->w, c->cin};
        int64_t wa[3] = {c->cout, c->cin, c->kw}, wb[3] = {c->cout, c->kw, c->cin};
        memcpy(xs, c->nhwc ? b : a, sizeof a), memcpy(ws, c->nhwc ? wb : wa, sizeof wa);
    } else {
        int64_t a[4] = {c->batch, c->cin, c->h, c->w}, b[4] = {c->batch, c->h, c->w, c->cin};
        int64_t wa[4] = {c->cout, c->cin, c->kh, c->kw}, wb[4] = {c->cout, c->kh, c->kw, c->cin};
        memcpy(xs, c->nhwc ? b : a, sizeof a), memcpy(ws, c->nhwc ? wb : wa, sizeof wa);
    }
    int64_t nw = (int64_t)c->cout * c->cin * c->kh * c->kw;
    float *wd = malloc((size_t)nw * sizeof(float)), *bd = malloc((size_t)c->cout * sizeof(float));
    fill(wd, nw), fill(bd, c->cout);
    *x = rq_ir_add_tensor(g, "x", RQ_IR_F32, &err);
    int w = rq_ir_add_const(g, "w", RQ_IR_F32, rank, ws, wd, &err);
    int b = c->bias ? rq_ir_add_const(g, "b", RQ_IR_F32, 1, bs, bd, &err) : -1;
    free(wd), free(bd);
    *y = rq_ir_add_tensor(g, "y", RQ_IR_F32, &err);
    if (*x < 0 || w < 0 || *y < 0 || rq_ir_set_shape(g, *x, rank, xs, &err) < 0)
        return -1;
    int is_conv = c->op == RQ_IR_OP_CONV;
    int node = is_conv ? rq_ir_add_node(g, RQ_IR_OP_CONV, NULL, NULL, c->bias ? 3 : 2,
                                        (int[]){*x, w, b}, 1, y, &err)
                       : rq_ir_add_node(g, c->op, NULL, NULL, 1, x, 1, y, &err);
    int64_t st[2] = {c->sh, c->sw}, dil[2] = {c->dh, c->dw}, ks[2] = {c->kh, c->kw};
    int64_t pads4[4] = {c->p[0], c->p[1], c->p[2], c->p[3]}, pads2[2] = {c->p[1], c->p[3]};
    int s = c->spatial;
    if (!is_conv && (rq_ir_add_attr_ints(g, node, "kernel_shape", s, s == 1 ? ks + 1 : ks, &err) < 0 ||
                     rq_ir_add_attr_int(g, node, "ceil_mode", c->ceil_mode, &err) < 0 ||
                     rq_ir_add_attr_int(g, node, "count_include_pad", c->include_pad, &err) < 0))
        return -1;
    if (node < 0 || rq_ir_add_attr_ints(g, node, "strides", s, s == 1 ? st + 1 : st, &err) < 0 ||
        rq_ir_add_attr_ints(g, node, "dilations", s, s == 1 ? dil + 1 : dil, &err) < 0 ||
        rq_ir_add_attr_ints(g, node, "pads", 2 * s, s == 1 ? pads2 : pads4, &err) < 0 ||
        rq_ir_infer_shapes(g, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    rq_ir_node *n = &g->nodes[node];
    n->act = c->act == 0 ? RQ_IR_ACT_NONE : c->act == 1 ? RQ_IR_ACT_RELU
           : c->act == 2 ? RQ_IR_ACT_RELU6 : RQ_IR_ACT_CLIP;
    n->act_lo = below(2) ? -0.5f : -0.0f, n->act_hi = 0.25f;
    return node;
}

/* Every trial: a random node of `op`, evaluated at each level against RQ_SIMD_OFF. */
static void same_bits_at_every_level(rq_ir_op op)
{
    rq_simd cpu = rq_simd_cpu_level();
    for (int trial = 0; trial < 400; trial++) {
        conv_case c = random_case();
        c.op = op;
        if (op == RQ_IR_OP_AVG_POOL) /* AveragePool has no dilations (opset < 19) */
            c.dh = c.dw = 1;
        if (op != RQ_IR_OP_CONV) {  /* a pad smaller than the kernel, as ONNX requires */
            c.cout = c.cin;
            for (int i = 0; i < 4; i++)
                c.p[i] = c.p[i] < (i % 2 ? c.kw : c.kh) ? c.p[i] : 0;
            while (c.h + c.p[0] + c.p[2] < c.dh * (c.kh - 1) + 1)
                c.h++;
            while (c.w + c.p[1] + c.p[3] < c.dw * (c.kw - 1) + 1)
                c.w++;
        }
        rq_ir_graph g;
        int x, y, node = conv_graph(&g, &c, &x, &y);
        CHECK_MSG(node >= 0, "%s trial %d: graph", rq_ir_op_name(op), trial);
        int64_t nx = rq_ir_numel(&g.tensors[x]), ny = rq_ir_numel(&g.tensors[y]);
        float *xd = malloc((size_t)nx * sizeof(float));
        float *ref = malloc((size_t)ny * sizeof(float)), *got = malloc((size_t)ny * sizeof(float));
        fill(xd, nx);
        const rq_ir_node *n = &g.nodes[node];
        const void *in[3];
        for (int k = 0; k < n->n_in; k++)
            in[k] = k == 0 ? (const void *)xd : g.tensors[n->in[k]].data;
        rq_error err;
        CHECK(rq_ir_eval_node_at(&g, n, in, (void *const[]){ref}, RQ_SIMD_OFF, &err) == 0);
        for (int level = RQ_SIMD_AVX2; level <= (int)cpu; level++) {
            memset(got, 0xa5, (size_t)ny * sizeof(float));
            CHECK(rq_ir_eval_node_at(&g, n, in, (void *const[]){got}, (rq_simd)level, &err) == 0);
            CHECK_MSG(!memcmp(ref, got, (size_t)ny * sizeof(float)),
                      "%s trial %d %s: %s %dD batch %d cin %d cout %d in %dx%d k %dx%d s %dx%d "
                      "d %dx%d pads %d,%d,%d,%d", rq_ir_op_name(op), trial, rq_simd_name((rq_simd)level),
                      c.nhwc ? "NHWC" : "NCHW", c.spatial, c.batch, c.cin, c.cout, c.h, c.w,
                      c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, c.p[0], c.p[1], c.p[2], c.p[3]);
        }
        free(xd), free(ref), free(got);
        rq_ir_free(&g);
    }
}

static void random_convolutions_same_bits(void)
{
    same_bits_at_every_level(RQ_IR_OP_CONV);
}

/* (NaN inputs included: max pooling skips them unless all are NaN) */
static void random_pools_same_bits(void)
{
    same_bits_at_every_level(RQ_IR_OP_MAX_POOL);
    same_bits_at_every_level(RQ_IR_OP_AVG_POOL);
}

/* The seed's checkpoint graph as the int8 path sees it (NHWC, BatchNorm folded, ReLU fused):
 * every tensor identical at every level, on random patches. */
static void seed_graph_same_bits(void)
{
    rq_ir_graph g;
    rq_error err = {{0}};
    CHECK_MSG(rq_spatial_ckpt_graph("models/spatial_cnn.pth", 36, 36, &g, NULL, &err) == 0 &&
                  rq_passes_canonicalize(&g, &err) == 0 && rq_passes_for_tflite(&g, &err) == 0,
              "%.300s", err.msg);
    rq_ir_exec *e[3] = {NULL, NULL, NULL};
    for (int l = 0; l < 3; l++) {
        CHECK(rq_ir_exec_new(&g, &e[l], &err) == 0);
        rq_ir_exec_set_simd(e[l], (rq_simd)l);
    }
    int64_t nin = rq_ir_numel(&g.tensors[g.inputs[0]]);
    for (int patch = 0; patch < 20; patch++) {
        float *x0 = rq_ir_exec_input(e[0], 0);
        for (int64_t i = 0; i < nin; i++)
            x0[i] = patch == 0 ? 0.5f : uniform() * 4;
        for (int l = 0; l < 3; l++) {
            memcpy(rq_ir_exec_input(e[l], 0), x0, (size_t)nin * sizeof(float));
            CHECK(rq_ir_exec_run(e[l], &err) == 0);
        }
        for (int t = 0; t < g.n_tensors; t++) {
            if (g.tensors[t].dtype != RQ_IR_F32 || rq_ir_numel(&g.tensors[t]) <= 0)
                continue;
            size_t bytes = (size_t)rq_ir_numel(&g.tensors[t]) * sizeof(float);
            for (int l = 1; l < 3; l++)
                CHECK_MSG(!memcmp(rq_ir_exec_tensor(e[0], t), rq_ir_exec_tensor(e[l], t), bytes),
                          "patch %d tensor '%s' differs at %s", patch, g.tensors[t].name,
                          rq_simd_name((rq_simd)l));
        }
    }
    for (int l = 0; l < 3; l++)
        rq_ir_exec_free(e[l]);
    rq_ir_free(&g);
}

int main(void)
{
    RUN(random_convolutions_same_bits);
    RUN(random_pools_same_bits);
    RUN(seed_graph_same_bits);
    TEST_EXIT();
}
