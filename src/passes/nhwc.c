/* NCHW -> NHWC, the layout TFLite kernels use (see passes.h).
 *
 * The pass decides everything on the NCHW shapes, rewrites constants and attributes,
 * inserts the Transposes that keep PyTorch's element order across reshapes, then switches
 * the layout and infers every shape again from the (permuted) graph inputs. */
#include "passes/passes.h"

#include <stdlib.h>
#include <string.h>

/* NCHW axis a -> NHWC axis; and the shape permutation nhwc[i] = nchw[TO_NHWC[i]]. */
static const int AXIS_TO_NHWC[4] = {0, 3, 1, 2};
static const int TO_NHWC[4] = {0, 2, 3, 1};
static const int TO_NCHW[4] = {0, 3, 1, 2};

static int fail_node(const rq_ir_graph *g, const rq_ir_node *n, rq_error *err, const char *why)
{
    return rq_fail(err, "%s: node '%s' (%s): cannot convert to NHWC: %s", g->source, n->name,
                   n->op_type, why);
}

static int is4(const rq_ir_graph *g, int t)
{
    return t >= 0 && g->tensors[t].rank == 4;
}

/* A 4-D NCHW tensor whose NHWC form has the same element order. */
static int order_free(const rq_ir_graph *g, int t)
{
    const int64_t *s = g->tensors[t].shape;
    return s[1] == 1 || s[2] * s[3] == 1;
}

/* A new constant: t's data (4-D NCHW, any element size) transposed by perm (out[i] = in[perm[i]]). */
static int transposed_const(rq_ir_graph *g, int t, const int *perm, const char *suffix,
                            rq_error *err)
{
    const rq_ir_tensor *x = &g->tensors[t];
    size_t es = rq_ir_dtype_size(x->dtype);
    int64_t in[4], os[4], istr[4], n = rq_ir_numel(x);
    for (int d = 0; d < 4; d++)
        in[d] = x->shape[d];
    istr[3] = 1;
    for (int d = 2; d >= 0; d--)
        istr[d] = istr[d + 1] * in[d + 1];
    for (int d = 0; d < 4; d++)
        os[d] = in[perm[d]];
    char *buf = malloc((size_t)(n ? n : 1) * es);
    if (!buf)
        return rq_fail(err, "%s: out of memory", g->source);
    int64_t i = 0;
    for (int64_t a = 0; a < os[0]; a++)
        for (int64_t b = 0; b < os[1]; b++)
            for (int64_t c = 0; c < os[2]; c++)
                for (int64_t d = 0; d < os[3]; d++, i++) {
                    int64_t idx[4] = {a, b, c, d}, src = 0;
                    for (int k = 0; k < 4; k++)
                        src += idx[k] * istr[perm[k]];
                    memcpy(buf + (size_t)i * es, (const char *)x->data + (size_t)src * es, es);
                }
    char name[300];
    snprintf(name, sizeof name, "%.280s/%s", x->name, suffix);
    int r = rq_ir_add_const(g, name, x->dtype, 4, os, buf, err);
    free(buf);
    return r;
}

/* A constant operand of rank <= 4 broadcast against a 4-D NCHW result: padded to rank 4
 * with leading ones and transposed to NHWC. */
static int broadcast_const_to_nhwc(rq_ir_graph *g, int t, rq_error *err)
{
    rq_ir_tensor *x = &g->tensors[t];
    if (x->rank == 4)
        return transposed_const(g, t, TO_NHWC, "nhwc", err);
    int64_t s[4] = {1, 1, 1, 1};
    for (int d = 0; d < x->rank; d++)
        s[4 - x->rank + d] = x->shape[d];
    char name[300];
    snprintf(name, sizeof name, "%.280s/4d", x->name);
    int k = rq_ir_add_const(g, name, x->dtype, 4, s, x->data, err);
    return k < 0 ? -1 : transposed_const(g, k, TO_NHWC, "nhwc", err);
}

static int add_i64_const(rq_ir_graph *g, const char *name, int n, const int64_t *v, rq_error *err)
{
    int64_t s[1] = {n};
    return rq_ir_add_const(g, name, RQ_IR_I64, 1, s, v, err);
}

static int append_node(rq_ir_graph *g, rq_ir_op op, const char *name, int in, int out,
                       rq_error *err)
{
    return rq_ir_add_node(g, op, NULL, name, 1, &in, 1, &out, err);
}

static int add_transpose(rq_ir_graph *g, const char *name, int in, int out, const int *perm,
                         rq_error *err)
{
    int k = append_node(g, RQ_IR_OP_TRANSPOSE, name, in, out, err);
    int64_t p[4] = {perm[0], perm[1], perm[2], perm[3]};
    return k < 0 ? -1 : rq_ir_add_attr_ints(g, k, "perm", 4, p, err);
}

/* A fresh activation tensor with the given (NCHW) shape. */
static int add_activation(rq_ir_graph *g, const char *name, rq_ir_dtype dt, const int64_t *s,
                          rq_error *err)
{
    char buf[300];
    snprintf(buf, sizeof buf, "%.280s", name);
    for (int k = 1; rq_ir_find_tensor(g, buf) >= 0; k++)
        snprintf(buf, sizeof buf, "%.270s_%d", name, k);
    int t = rq_ir_add_tensor(g, buf, dt, err);
    return t < 0 || rq_ir_set_shape(g, t, 4, s, err) < 0 ? -1 : t;
}

/* The only node reading t, or -1. */
static int sole_reader(const rq_ir_graph *g, int t)
{
    int c[2];
    return !rq_ir_is_output(g, t) && rq_ir_consumers(g, t, c, 2) == 1 ? c[0] : -1;
}

/* Flatten -> Gemm/MatMul with a constant matrix: the matrix's K axis is reordered from
 * C-major (c*H*W + h*W + w) to NHWC ((h*W + w)*C + c), so no Transpose is needed. */
static int permute_fc_weights(rq_ir_graph *g, int fc, const int64_t *s4, rq_error *err)
{
    rq_ir_node *n = &g->nodes[fc];
    int tb = n->op == RQ_IR_OP_GEMM && rq_ir_attr_int(n, "transB", 0);
    const rq_ir_tensor *b = &g->tensors[n->in[1]];
    int64_t C = s4[1], H = s4[2], W = s4[3], K = C * H * W;
    int64_t N = tb ? b->shape[0] : b->shape[1];
    float *w = malloc((size_t)(K * N) * sizeof(float));
    if (!w)
        return rq_fail(err, "%s: out of memory", g->source);
    const float *src = b->data;
    for (int64_t c = 0; c < C; c++)
        for (int64_t h = 0; h < H; h++)
            for (int64_t x = 0; x < W; x++) {
                int64_t kc = (c * H + h) * W + x, kn = (h * W + x) * C + c;
                for (int64_t j = 0; j < N; j++) {
                    if (tb)
                        w[j * K + kn] = src[j * K + kc];
                    else
                        w[kn * N + j] = src[kc * N + j];
                }
            }
    char name[300];
    int64_t bshape[2] = {b->shape[0], b->shape[1]}; /* adding a tensor may move b */
    snprintf(name, sizeof name, "%.280s/nhwc", b->name);
    int t = rq_ir_add_const(g, name, RQ_IR_F32, 2, bshape, w, err);
    free(w);
    if (t < 0)
        return -1;
    g->nodes[fc].in[1] = t;
    return 0;
}

/* Flatten/Reshape/Squeeze/Unsqueeze touching a 4-D tensor: becomes a Reshape to the NHWC
 * form of its output, with Transposes where the element orders differ. */
static int convert_reshape(rq_ir_graph *g, int i, rq_error *err)
{
    rq_ir_node *n = &g->nodes[i];
    int x = n->in[0], y = n->out[0];
    int64_t xs[4] = {0}, ys[RQ_IR_MAX_DIMS];
    memcpy(xs, g->tensors[x].shape, sizeof xs);
    int yr = g->tensors[y].rank;
    memcpy(ys, g->tensors[y].shape, sizeof ys);
    char name[300];
    int x4 = is4(g, x), y4 = yr == 4;
    int reader = sole_reader(g, y);
    if (x4 && !order_free(g, x)) {
        const rq_ir_node *r = reader >= 0 ? &g->nodes[reader] : NULL;
        int fc_ok = r && yr == 2 && ys[0] == 1 && r->in[0] == y && rq_ir_is_const(g, r->in[1]) &&
                    ((r->op == RQ_IR_OP_GEMM && !rq_ir_attr_int(r, "transA", 0)) ||
                     r->op == RQ_IR_OP_MATMUL);
        if (fc_ok) {
            if (permute_fc_weights(g, reader, xs, err) < 0)
                return -1;
        } else {
            snprintf(name, sizeof name, "%.280s/nchw", g->tensors[x].name);
            int xt = add_activation(g, name, g->tensors[x].dtype, xs, err);
            snprintf(name, sizeof name, "%.280s/to_nchw", g->nodes[i].name);
            if (xt < 0 || add_transpose(g, name, x, xt, TO_NCHW, err) < 0)
                return -1;
            n = &g->nodes[i];
            n->in[0] = xt;
        }
    }
    if (y4 && !order_free(g, y)) {
        snprintf(name, sizeof name, "%.280s/nchw", g->tensors[y].name);
        int yt = add_activation(g, name, g->tensors[y].dtype, ys, err);
        snprintf(name, sizeof name, "%.280s/to_nhwc", g->nodes[i].name);
        if (yt < 0 || add_transpose(g, name, yt, y, TO_NHWC, err) < 0)
            return -1;
        n = &g->nodes[i];
        n->out[0] = yt;
        y4 = 0; /* the reshape itself now writes the NCHW form */
    }
    int64_t target[RQ_IR_MAX_DIMS];
    for (int d = 0; d < yr; d++)
        target[d] = y4 ? ys[TO_NHWC[d]] : ys[d];
    snprintf(name, sizeof name, "%.280s/shape", n->name);
    int st = add_i64_const(g, name, yr, target, err);
    if (st < 0)
        return -1;
    n = &g->nodes[i];
    int *in = realloc(n->in, 2 * sizeof(int));
    if (!in)
        return rq_fail(err, "%s: out of memory", g->source);
    n->in = in;
    n->in[1] = st;
    n->n_in = 2;
    n->op = RQ_IR_OP_RESHAPE;
    free(n->op_type);
    n->op_type = strdup("Reshape");
    rq_ir_clear_attrs(n); /* axis/axes meant NCHW; the shape says it all */
    return n->op_type ? 0 : rq_fail(err, "%s: out of memory", g->source);
}

static int remap_axis_attr(rq_ir_node *n, const char *name, int64_t dflt, int rank)
{
    rq_ir_attr *a = (rq_ir_attr *)rq_ir_attr_get(n, name);
    int64_t v = a && a->kind == RQ_IR_ATTR_INT ? a->i : dflt;
    v = v < 0 ? v + rank : v;
    if (v < 0 || v >= 4)
        return -1;
    if (a && a->kind == RQ_IR_ATTR_INT)
        a->i = AXIS_TO_NHWC[v];
    return AXIS_TO_NHWC[v];
}

static int convert_reduce_mean(rq_ir_graph *g, rq_ir_node *n, rq_error *err)
{
    rq_ir_attr *a = (rq_ir_attr *)rq_ir_attr_get(n, "axes");
    if (!a || a->kind != RQ_IR_ATTR_INTS)
        return fail_node(g, n, err, "ReduceMean needs its axes as an attribute");
    char red[4] = {0};
    for (int k = 0; k < a->n; k++) {
        int64_t v = a->ints[k] < 0 ? a->ints[k] + 4 : a->ints[k];
        if (v < 0 || v > 3)
            return fail_node(g, n, err, "axis out of range");
        red[v] = 1;
        a->ints[k] = AXIS_TO_NHWC[v];
    }
    if (!rq_ir_attr_int(n, "keepdims", 1)) {
        /* the kept axes must come out in the same order in both layouts */
        int kept_nchw[4], kn = 0, kept_nhwc[4], kh = 0;
        for (int d = 0; d < 4; d++)
            if (!red[d])
                kept_nchw[kn++] = d;
        for (int d = 0; d < 4; d++)
            if (!red[TO_NHWC[d]])
                kept_nhwc[kh++] = TO_NHWC[d];
        for (int k = 0; k < kn; k++)
            if (kept_nchw[k] != kept_nhwc[k])
                return fail_node(g, n, err, "the kept axes change order");
    }
    return 0;
}

static int convert_node(rq_ir_graph *g, int i, rq_error *err)
{
    rq_ir_node *n = &g->nodes[i];
    int y = n->n_out ? n->out[0] : -1;
    int touches4 = is4(g, y);
    for (int k = 0; k < n->n_in; k++)
        touches4 |= is4(g, n->in[k]) && !rq_ir_is_const(g, n->in[k]);
    if (!touches4)
        return 0;
    char name[300];
    switch (n->op) {
    case RQ_IR_OP_CONV: {
        if (!is4(g, n->in[0]))
            return fail_node(g, n, err, "only 2-D convolutions");
        if (!rq_ir_is_const(g, n->in[1]))
            return fail_node(g, n, err, "the weights are not constant");
        int w = transposed_const(g, n->in[1], TO_NHWC, "ohwi", err);
        if (w < 0)
            return -1;
        g->nodes[i].in[1] = w;
        return 0;
    }
    case RQ_IR_OP_MAX_POOL: case RQ_IR_OP_AVG_POOL: case RQ_IR_OP_GLOBAL_AVG_POOL:
        return is4(g, n->in[0]) ? 0 : fail_node(g, n, err, "only 2-D pooling");
    case RQ_IR_OP_BATCHNORM: case RQ_IR_OP_RELU: case RQ_IR_OP_CLIP: case RQ_IR_OP_LEAKY_RELU:
    case RQ_IR_OP_SIGMOID: case RQ_IR_OP_HARD_SIGMOID: case RQ_IR_OP_HARD_SWISH:
    case RQ_IR_OP_TANH: case RQ_IR_OP_IDENTITY: case RQ_IR_OP_DROPOUT:
        return 0;
    case RQ_IR_OP_ADD: case RQ_IR_OP_SUB: case RQ_IR_OP_MUL: case RQ_IR_OP_DIV:
    case RQ_IR_OP_PRELU:
        for (int k = 0; k < n->n_in; k++) {
            int t = g->nodes[i].in[k];
            if (rq_ir_is_const(g, t)) {
                if (rq_ir_numel(&g->tensors[t]) == 1)
                    continue;
                int c = broadcast_const_to_nhwc(g, t, err);
                if (c < 0)
                    return -1;
                g->nodes[i].in[k] = c;
            } else if (!is4(g, t)) {
                return fail_node(g, n, err, "a lower-rank operand broadcast against a 4-D one");
            }
        }
        return 0;
    case RQ_IR_OP_CONCAT:
        return remap_axis_attr(n, "axis", 0, 4) < 0 ? fail_node(g, n, err, "bad axis") : 0;
    case RQ_IR_OP_SOFTMAX: {
        int64_t axis = rq_ir_attr_int(n, "axis", g->opset >= 13 ? -1 : 1);
        axis = axis < 0 ? axis + 4 : axis;
        if (g->opset < 13 && !(axis == 3 || (axis == 1 && g->tensors[y].shape[2] * g->tensors[y].shape[3] == 1)))
            return fail_node(g, n, err, "opset < 13 softmax over several axes");
        if (rq_ir_attr_get(n, "axis"))
            return remap_axis_attr(n, "axis", -1, 4) < 0 ? fail_node(g, n, err, "bad axis") : 0;
        return rq_ir_add_attr_int(g, i, "axis", g->opset >= 13 ? 3 : AXIS_TO_NHWC[axis], err);
    }
    case RQ_IR_OP_REDUCE_MEAN:
        return convert_reduce_mean(g, n, err);
    case RQ_IR_OP_PAD: {
        int64_t p[8];
        if (rq_ir_ints_arg(g, n, NULL, 1, p, 8) != 8)
            return fail_node(g, n, err, "pads must be a constant input of 8 values");
        int64_t q[8];
        for (int d = 0; d < 4; d++)
            q[d] = p[TO_NHWC[d]], q[4 + d] = p[4 + TO_NHWC[d]];
        snprintf(name, sizeof name, "%.280s/pads_nhwc", n->name);
        int t = add_i64_const(g, name, 8, q, err);
        return t < 0 ? -1 : (g->nodes[i].in[1] = t, 0);
    }
    case RQ_IR_OP_RESIZE: {
        for (int k = 2; k < 4 && k < n->n_in; k++) {
            int t = g->nodes[i].in[k];
            if (t < 0 || rq_ir_numel(&g->tensors[t]) == 0)
                continue;
            if (!rq_ir_is_const(g, t) || rq_ir_numel(&g->tensors[t]) != 4)
                return fail_node(g, n, err, "scales/sizes must be constant");
            rq_ir_tensor *x = &g->tensors[t];
            size_t es = rq_ir_dtype_size(x->dtype);
            char buf[32], out[32];
            memcpy(buf, x->data, 4 * es);
            for (int d = 0; d < 4; d++)
                memcpy(out + (size_t)d * es, buf + (size_t)TO_NHWC[d] * es, es);
            snprintf(name, sizeof name, "%.280s/nhwc", x->name);
            int64_t s1[1] = {4};
            int c = rq_ir_add_const(g, name, x->dtype, 1, s1, out, err);
            if (c < 0)
                return -1;
            g->nodes[i].in[k] = c;
        }
        return 0;
    }
    case RQ_IR_OP_TRANSPOSE: {
        int64_t perm[4];
        if (!is4(g, n->in[0]) || rq_ir_attr_ints(n, "perm", perm, 4) != 4)
            return fail_node(g, n, err, "a Transpose without a 4-D perm");
        rq_ir_attr *a = (rq_ir_attr *)rq_ir_attr_get(n, "perm");
        for (int j = 0; j < 4; j++)
            a->ints[j] = TO_NCHW[perm[TO_NHWC[j]]];
        return 0;
    }
    case RQ_IR_OP_FLATTEN: case RQ_IR_OP_RESHAPE: case RQ_IR_OP_SQUEEZE: case RQ_IR_OP_UNSQUEEZE:
        return convert_reshape(g, i, err);
    default:
        return fail_node(g, n, err, "no NHWC rule for this operator on 4-D tensors");
    }
}

int rq_pass_to_nhwc(rq_ir_graph *g, rq_error *err)
{
    if (g->layout == RQ_IR_NHWC)
        return 0;
    for (int t = 0; t < g->n_tensors; t++)
        if (g->tensors[t].rank < 0 && (g->tensors[t].producer >= 0))
            return rq_fail(err, "%s: tensor '%s' has no known shape", g->source, g->tensors[t].name);
    int n0 = g->n_nodes; /* nodes appended by the pass need no conversion */
    for (int i = 0; i < n0; i++)
        if (convert_node(g, i, err) < 0)
            return -1;
    for (int k = 0; k < g->n_inputs; k++) {
        rq_ir_tensor *x = &g->tensors[g->inputs[k]];
        if (x->rank == 4) {
            int64_t s[4];
            for (int d = 0; d < 4; d++)
                s[d] = x->shape[TO_NHWC[d]];
            memcpy(x->shape, s, sizeof s);
        }
    }
    g->layout = RQ_IR_NHWC;
    /* every activation's shape again, from the permuted inputs */
    for (int t = 0; t < g->n_tensors; t++)
        if (!g->tensors[t].data && g->tensors[t].producer >= 0)
            g->tensors[t].rank = -1;
    if (rq_ir_toposort(g, err) < 0 || rq_ir_infer_shapes(g, err) < 0)
        return -1;
    for (int t = 0; t < g->n_tensors; t++)
        if (!g->tensors[t].data && g->tensors[t].producer >= 0 && g->tensors[t].rank < 0)
            return rq_fail(err, "%s: tensor '%s' has no shape after the NHWC conversion",
                           g->source, g->tensors[t].name);
    return 0;
}

void rq_nchw_to_nhwc(const float *src, float *dst, int64_t c, int64_t h, int64_t w)
{
    for (int64_t y = 0; y < h; y++)
        for (int64_t x = 0; x < w; x++)
            for (int64_t k = 0; k < c; k++)
                dst[(y * w + x) * c + k] = src[(k * h + y) * w + x];
}

void rq_nhwc_to_nchw(const float *src, float *dst, int64_t c, int64_t h, int64_t w)
{
    for (int64_t y = 0; y < h; y++)
        for (int64_t x = 0; x < w; x++)
            for (int64_t k = 0; k < c; k++)
                dst[(k * h + y) * w + x] = src[(y * w + x) * c + k];
}
