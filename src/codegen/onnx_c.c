/* export-c --onnx: the back end that writes a graph as C99 calls of runtime/float_ops.c
 * (see onnx_c.h). Stages: read + passes, recurrent/normalisation shapes the IR does not
 * infer, storage (aliases for reshapes, lifetimes, greedy placement in one work buffer),
 * then one emitter an operator. */
#include "codegen/onnx_c.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/export_dir.h"
#include "codegen/runtime_embed.h"
#include "codegen/temporal_export.h"
#include "frontend/onnx_read.h"
#include "ir/ir.h"
#include "passes/passes.h"

/* ---- per-op guarantee, stated in the generated header ---- */

typedef enum guarantee {
    G_EXACT,   /* PyTorch's order reproduced */
    G_LIBM,    /* libm's erff where PyTorch uses its own vector erf */
    G_ONEDNN,  /* PyTorch takes oneDNN for this convolution */
    G_DECOMP,  /* an exporter's decomposition evaluated op by op (not PyTorch's kernel) */
    G_ORDER,   /* PyTorch sums in an order not reproduced (a mean over columns not 32-wide) */
    G_NCOUNT
} guarantee;

static const char *const guarantee_text[G_NCOUNT] = {
    "bit-identical to PyTorch 1.13's batch-1 CPU forward (its order of roundings)",
    "libm's erff where PyTorch uses its own vectorised erf: a few ulp apart",
    "PyTorch runs this convolution through oneDNN (groups > 1, kernel > 3x3 or input > "
    "20480 floats): same sum, other order, ~1e-6 relative",
    "part of an exporter's decomposition, evaluated op by op (PyTorch's fused kernel rounds "
    "otherwise): a few ulp",
    "PyTorch sums these rows in an order not reproduced (columns not a multiple of 32): a "
    "few ulp",
};

/* ---- the export state ---- */

enum { ST_NONE, ST_INPUT, ST_OUTPUT, ST_WORK, ST_CONST };

typedef struct buf {
    long size;        /* floats */
    int first, last;  /* node indices of the lifetime */
    long off;         /* placement in work */
} buf;

typedef struct exporter {
    rq_ir_graph g;
    const char *path;
    char name[64];
    rq_error *err;
    int *root;         /* tensor -> the tensor whose storage it shares (itself if none) */
    int *storage;      /* per root: ST_* */
    int *bufidx;       /* per root in work: index into bufs */
    int *const_id;     /* per constant tensor emitted: its array number, -1 if not emitted */
    int *transposed;   /* per constant: emitted as [N][K] from a MatMul's [K][N] */
    buf *bufs;
    int n_bufs;
    int *scratch;      /* per node: buffer index of its scratch, -1 */
    long work_floats, params;
    int n_consts;
    int uses[G_NCOUNT];
    char op_guarantee[64][96]; /* "OpType: guarantee" lines, unique */
    int n_op_lines;
    FILE *c;           /* NAME.c body being written (the run function) */
    FILE *decl;        /* NAME.c declarations (weights, parameter structs) */
} exporter;

static int node_fail(exporter *x, const rq_ir_node *n, const char *what)
{
    return rq_fail(x->err, "%s: node '%s' (%s): %s", x->path, n->name, n->op_type, what);
}

static const rq_ir_tensor *T(exporter *x, int t)
{
    return &x->g.tensors[t];
}

static long numel(exporter *x, int t)
{
    return (long)rq_ir_numel(T(x, t));
}

static void note_guarantee(exporter *x, const rq_ir_node *n, guarantee gu)
{
    char line[96];
    snprintf(line, sizeof line, "%s: %d", n->op_type, (int)gu);
    x->uses[gu]++;
    for (int i = 0; i < x->n_op_lines; i++)
        if (!strcmp(x->op_guarantee[i], line))
            return;
    if (x->n_op_lines < 64)
        snprintf(x->op_guarantee[x->n_op_lines++], 96, "%s", line);
}

/* ---- shapes the IR leaves to back ends (recurrent layers, LayerNormalization, the
 * element-wise functions it does not list) ---- */

static int is(const rq_ir_node *n, const char *op)
{
    return !strcmp(n->op_type, op);
}

static int is_unary_extra(const rq_ir_node *n)
{
    return is(n, "Erf") || is(n, "Sqrt") || is(n, "Exp") || is(n, "Neg") || is(n, "Abs") ||
           is(n, "Reciprocal") || is(n, "Gelu");
}

static int set_shape(exporter *x, int t, int rank, const int64_t *dims)
{
    if (t < 0)
        return 0;
    x->g.tensors[t].dtype = RQ_IR_F32;
    return rq_ir_set_shape(&x->g, t, rank, dims, x->err);
}

/* Output shapes of the ops the IR does not infer; returns how many outputs it set. */
static int infer_extra(exporter *x, int i, int *changed)
{
    rq_ir_node *n = &x->g.nodes[i];
    if (n->n_out < 1 || n->out[0] < 0 || T(x, n->out[0])->rank >= 0 || n->n_in < 1 || n->in[0] < 0)
        return 0;
    const rq_ir_tensor *in = T(x, n->in[0]);
    if (in->rank < 0)
        return 0;
    if (is_unary_extra(n) || is(n, "LayerNormalization") || is(n, "Pow")) {
        if (is(n, "Pow") && (n->n_in < 2 || n->in[1] < 0 || numel(x, n->in[1]) != 1))
            return 0;
        *changed = 1;
        return set_shape(x, n->out[0], in->rank, in->shape);
    }
    if (is(n, "GRU") || is(n, "LSTM")) {
        if (in->rank != 3 || n->n_in < 2 || n->in[1] < 0 || T(x, n->in[1])->rank != 3)
            return 0;
        int64_t H = rq_ir_attr_int(n, "hidden_size", 0);
        int64_t D = T(x, n->in[1])->shape[0];
        int64_t y[4] = {in->shape[0], D, in->shape[1], H}, yh[3] = {D, in->shape[1], H};
        *changed = 1;
        if (set_shape(x, n->out[0], 4, y))
            return -1;
        for (int k = 1; k < n->n_out; k++)
            if (set_shape(x, n->out[k], 3, yh))
                return -1;
    }
    return 0;
}

static int infer_all(exporter *x)
{
    for (int round = 0; round < 64; round++) {
        if (rq_ir_infer_shapes(&x->g, x->err))
            return -1;
        int changed = 0;
        for (int i = 0; i < x->g.n_nodes; i++)
            if (infer_extra(x, i, &changed) < 0)
                return -1;
        if (!changed)
            return 0;
    }
    return 0;
}

/* ---- storage ---- */

static int is_alias_op(const rq_ir_node *n)
{
    switch (n->op) {
    case RQ_IR_OP_RESHAPE: case RQ_IR_OP_FLATTEN: case RQ_IR_OP_SQUEEZE:
    case RQ_IR_OP_UNSQUEEZE: case RQ_IR_OP_IDENTITY: case RQ_IR_OP_DROPOUT:
    case RQ_IR_OP_CAST:
        return 1;
    default:
        return 0;
    }
}

static int add_buf(exporter *x, long size, int first, int last)
{
    buf *b = realloc(x->bufs, (size_t)(x->n_bufs + 1) * sizeof *b);
    if (!b)
        return rq_fail(x->err, "out of memory");
    x->bufs = b;
    b[x->n_bufs] = (buf){size, first, last, 0};
    return x->n_bufs++;
}

/* Scratch floats an op needs during its call only. */
static long scratch_floats(exporter *x, const rq_ir_node *n)
{
    int64_t H = rq_ir_attr_int(n, "hidden_size", 0);
    int unused_y = n->n_out < 1 || n->out[0] < 0;
    long y = 0;
    if (unused_y && n->n_in > 0)
        y = (long)(T(x, n->in[0])->shape[0] * T(x, n->in[1])->shape[0] * H);
    if (is(n, "GRU"))
        return 7 * H + y;
    if (is(n, "LSTM"))
        return 10 * H + y;
    return 0;
}

/* Greedy by size, largest first, at the lowest offset free during its lifetime. */
static void place_bufs(exporter *x)
{
    int nb = x->n_bufs;
    int *order = malloc((size_t)(nb ? nb : 1) * sizeof *order);
    int *placed = calloc((size_t)(nb ? nb : 1), sizeof *placed);
    if (!order || !placed) {
        free(order);
        free(placed);
        x->work_floats = -1;
        return;
    }
    for (int i = 0; i < nb; i++)
        order[i] = i;
    for (int i = 1; i < nb; i++) /* insertion sort: stable, deterministic */
        for (int j = i; j > 0 && x->bufs[order[j]].size > x->bufs[order[j - 1]].size; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    long top = 0;
    for (int k = 0; k < nb; k++) {
        buf *b = &x->bufs[order[k]];
        long off = 0;
        for (int again = 1; again;) {
            again = 0;
            for (int j = 0; j < nb; j++) {
                const buf *o = &x->bufs[j];
                if (!placed[j] || o->last < b->first || o->first > b->last)
                    continue;
                if (off < o->off + o->size && o->off < off + b->size) {
                    off = o->off + o->size;
                    again = 1;
                }
            }
        }
        b->off = off;
        placed[order[k]] = 1;
        if (off + b->size > top)
            top = off + b->size;
    }
    x->work_floats = top;
    free(order);
    free(placed);
}

static int plan_storage(exporter *x)
{
    rq_ir_graph *g = &x->g;
    int nt = g->n_tensors;
    x->root = malloc((size_t)nt * sizeof(int));
    x->storage = calloc((size_t)nt, sizeof(int));
    x->bufidx = malloc((size_t)nt * sizeof(int));
    x->const_id = malloc((size_t)nt * sizeof(int));
    x->transposed = calloc((size_t)nt, sizeof(int));
    x->scratch = malloc((size_t)(g->n_nodes ? g->n_nodes : 1) * sizeof(int));
    if (!x->root || !x->storage || !x->bufidx || !x->const_id || !x->transposed || !x->scratch)
        return rq_fail(x->err, "out of memory");
    for (int t = 0; t < nt; t++) {
        x->root[t] = t;
        x->bufidx[t] = -1;
        x->const_id[t] = -1;
        if (rq_ir_is_const(g, t))
            x->storage[t] = ST_CONST;
    }
    x->storage[g->inputs[0]] = ST_INPUT;
    for (int i = 0; i < g->n_nodes; i++) {
        const rq_ir_node *n = &g->nodes[i];
        if (is_alias_op(n) && n->out[0] >= 0)
            x->root[n->out[0]] = x->root[n->in[0]];
    }
    int out_root = x->root[g->outputs[0]];
    if (x->storage[out_root] == ST_INPUT || x->storage[out_root] == ST_CONST)
        return rq_fail(x->err, "%s: the output is the input or a constant: nothing to compute",
                       x->path);
    x->storage[out_root] = ST_OUTPUT;
    /* lifetimes of the work buffers: from the producer to the last reader of any alias */
    for (int i = 0; i < g->n_nodes; i++) {
        const rq_ir_node *n = &g->nodes[i];
        x->scratch[i] = -1;
        for (int k = 0; k < n->n_out; k++) {
            int t = n->out[k];
            if (t < 0 || x->root[t] != t || x->storage[t] != ST_NONE)
                continue;
            x->storage[t] = ST_WORK;
            int b = add_buf(x, numel(x, t), i, i);
            if (b < 0)
                return -1;
            x->bufidx[t] = b;
        }
        long s = scratch_floats(x, n);
        if (s > 0 && (x->scratch[i] = add_buf(x, s, i, i)) < 0)
            return -1;
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const rq_ir_node *n = &g->nodes[i];
        for (int k = 0; k < n->n_in; k++) {
            if (n->in[k] < 0)
                continue;
            int b = x->bufidx[x->root[n->in[k]]];
            if (b >= 0 && x->bufs[b].last < i)
                x->bufs[b].last = i;
        }
    }
    place_bufs(x);
    return x->work_floats < 0 ? rq_fail(x->err, "out of memory") : 0;
}

/* ---- C text of operands ---- */

static void sanitize(const char *s, char *out, size_t len)
{
    size_t k = 0;
    for (; *s && k + 1 < len; s++)
        out[k++] = (isalnum((unsigned char)*s) || *s == '.' || *s == '/' || *s == '_' ||
                    *s == ':' || *s == '-') ? *s : '?';
    out[k] = 0;
    /* no comment terminator inside a comment */
    for (char *p = strstr(out, "*/"); p; p = strstr(out, "*/"))
        p[1] = '?';
    for (char *p = strstr(out, "/*"); p; p = strstr(out, "/*"))
        p[0] = '?';
}

/* Writes constant t as a const array (once); transpose: a [K][N] MatMul weight emitted as
 * [N][K] (the nn.Linear layout). */
static int emit_const(exporter *x, int t, int transpose)
{
    if (x->const_id[t] >= 0)
        return x->transposed[t] == transpose ? 0 : rq_fail(x->err, "%s: constant '%s' used "
                                                                   "both as a MatMul weight and otherwise", x->path, T(x, t)->name);
    const rq_ir_tensor *c = T(x, t);
    if (c->dtype != RQ_IR_F32)
        return rq_fail(x->err, "%s: constant '%s' is %s, not float32", x->path, c->name,
                       rq_ir_dtype_name(c->dtype));
    long n = numel(x, t);
    const float *v = c->data;
    for (long i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return rq_fail(x->err, "%s: constant '%s' holds %s at element %ld", x->path, c->name,
                           isnan(v[i]) ? "NaN" : "an infinity", i);
    x->const_id[t] = x->n_consts++;
    x->transposed[t] = transpose;
    x->params += n;
    char nm[200], shape[160] = "";
    sanitize(c->name, nm, sizeof nm);
    long K = transpose ? (long)c->shape[0] : 0, N = transpose ? (long)c->shape[1] : 0;
    size_t sl = 0;
    for (int d = 0; d < c->rank; d++) {
        int dd = transpose ? 1 - d : d;
        sl += (size_t)snprintf(shape + sl, sizeof shape - sl, "[%lld]", (long long)c->shape[dd]);
        if (sl >= sizeof shape)
            break;
    }
    fprintf(x->decl, "\n/* %s %s%s */\nstatic const float %s_c%d[%ld] = {\n", nm,
            c->rank ? shape : "(scalar)", transpose ? ", transposed from the file's [in][out]" : "",
            x->name, x->const_id[t], n ? n : 1);
    char lit[32];
    for (long i = 0; i < n; i++) {
        float f = transpose ? v[(i % K) * N + i / K] : v[i];
        rq_c_float_literal(f, lit);
        fprintf(x->decl, "%s%s", i % 6 == 0 ? (i ? ",\n    " : "    ") : ", ", lit);
    }
    fprintf(x->decl, "%s\n};\n", n ? "" : "    0.0f");
    return 0;
}

/* The C expression of tensor t's first element (emitting constants on first use). */
static const char *ref(exporter *x, int t, char *buf, size_t len)
{
    int r = x->root[t];
    switch (x->storage[r]) {
    case ST_INPUT: snprintf(buf, len, "input"); break;
    case ST_OUTPUT: snprintf(buf, len, "output"); break;
    case ST_WORK: snprintf(buf, len, "(work + %ld)", x->bufs[x->bufidx[r]].off); break;
    case ST_CONST:
        if (x->const_id[r] < 0 && emit_const(x, r, 0))
            return NULL;
        snprintf(buf, len, "%s_c%d", x->name, x->const_id[r]);
        break;
    default: return NULL;
    }
    return buf;
}

#define REF(var, t)                                                                        \
    char var##_b[96];                                                                      \
    const char *var = ref(x, (t), var##_b, sizeof var##_b);                                \
    if (!var)                                                                              \
        return -1

/* Contiguous strides of tensor t. */
static void strides_of(exporter *x, int t, long *st)
{
    const rq_ir_tensor *v = T(x, t);
    long s = 1;
    for (int d = v->rank - 1; d >= 0; d--) {
        st[d] = s;
        s *= (long)v->shape[d];
    }
}

/* ---- one emitter an operator ---- */

static int emit_conv(exporter *x, int i, const rq_ir_node *n, int pool)
{
    rq_ir_window w;
    if (rq_ir_window_of(&x->g, n, &w, x->err))
        return -1;
    if (w.n_spatial < 1 || w.n_spatial > 2)
        return node_fail(x, n, "only 1-D and 2-D windows are supported");
    int s2 = w.n_spatial == 2;
    int64_t kh = s2 ? w.kernel[0] : 1, kw = w.kernel[s2];
    fprintf(x->decl,
            "static const rqf_conv %s_p%d = {%lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, %lld, "
            "%lld, %lld, %lld, %lld, %lld, %lld};\n",
            x->name, i, (long long)w.channels_in, (long long)(s2 ? w.in[0] : 1),
            (long long)w.in[s2], (long long)w.channels_out, (long long)(s2 ? w.out[0] : 1),
            (long long)w.out[s2], (long long)kh, (long long)kw,
            (long long)(s2 ? w.stride[0] : 1), (long long)w.stride[s2],
            (long long)(s2 ? w.pad_begin[0] : 0), (long long)w.pad_begin[s2],
            (long long)(s2 ? w.dilation[0] : 1), (long long)w.dilation[s2], (long long)w.group);
    REF(X, n->in[0]);
    REF(Y, n->out[0]);
    if (pool == 1) {
        if (n->n_out > 1 && n->out[1] >= 0)
            return node_fail(x, n, "MaxPool's indices output is not supported");
        fprintf(x->c, "    rqf_max_pool2d(&%s_p%d, %s, %s);\n", x->name, i, X, Y);
        note_guarantee(x, n, G_EXACT);
        return 0;
    }
    if (pool == 2) {
        fprintf(x->c, "    rqf_avg_pool2d(&%s_p%d, %d, %s, %s);\n", x->name, i,
                (int)rq_ir_attr_int(n, "count_include_pad", 0), X, Y);
        note_guarantee(x, n, G_EXACT);
        return 0;
    }
    if (n->n_in < 2 || !rq_ir_is_const(&x->g, n->in[1]))
        return node_fail(x, n, "the weights must be constant");
    REF(Wt, n->in[1]);
    const char *B = "0";
    char bb[96];
    if (n->n_in > 2 && n->in[2] >= 0) {
        if (!rq_ir_is_const(&x->g, n->in[2]))
            return node_fail(x, n, "the bias must be constant");
        if (!(B = ref(x, n->in[2], bb, sizeof bb)))
            return -1;
    }
    fprintf(x->c, "    rqf_conv2d(&%s_p%d, %s, %s, %s, %s);\n", x->name, i, X, Wt, B, Y);
    long in_floats = (long)(w.channels_in * w.in[0] * (s2 ? w.in[1] : 1));
    int onednn = w.group > 1 || (kh > 3 && kw > 3) || in_floats > 20480;
    note_guarantee(x, n, onednn ? G_ONEDNN : G_EXACT);
    return 0;
}

/* y[M][N] = a * b (+ bias) with a constant or activation b */
static int emit_gemm(exporter *x, const rq_ir_node *n, int matmul)
{
    int a = n->in[0], b = n->in[1];
    const rq_ir_tensor *A = T(x, a), *Bt = T(x, b), *Y = T(x, n->out[0]);
    int transB = matmul ? 0 : (int)rq_ir_attr_int(n, "transB", 0);
    if (!matmul && (rq_ir_attr_int(n, "transA", 0) || rq_ir_attr_float(n, "alpha", 1.0f) != 1.0f ||
                    rq_ir_attr_float(n, "beta", 1.0f) != 1.0f))
        return node_fail(x, n, "only transA = 0, alpha = 1, beta = 1 are supported");
    if (A->rank < 1 || Bt->rank < 2)
        return node_fail(x, n, "needs matrices");
    long K = (long)A->shape[A->rank - 1];
    long N = (long)Bt->shape[Bt->rank - 1 - transB * 0];
    if (transB)
        N = (long)Bt->shape[0];
    REF(Ys, n->out[0]);
    REF(As, a);
    if (rq_ir_is_const(&x->g, b) && Bt->rank == 2) {
        /* a weight: written [N][K] as nn.Linear holds it; the sums run over k either way */
        long M = numel(x, a) / K;
        if (!transB && emit_const(x, b, 1))
            return -1;
        REF(Bs, b);
        const char *C = "0";
        char cb[96];
        int rows = 1, cols = 1;
        if (!matmul && n->n_in > 2 && n->in[2] >= 0) {
            const rq_ir_tensor *Ct = T(x, n->in[2]);
            long cn = numel(x, n->in[2]);
            cols = Ct->rank >= 1 && Ct->shape[Ct->rank - 1] == N ? (int)N : 1;
            rows = (int)(cn / cols);
            if (cn != (long)rows * cols || (rows != 1 && rows != M))
                return node_fail(x, n, "the bias does not broadcast to the output");
            if (!(C = ref(x, n->in[2], cb, sizeof cb)))
                return -1;
        }
        fprintf(x->c, "    rqf_gemm(%s, %s, 1, %s, %d, %d, %ld, %ld, %ld, %s);\n", As, Bs, C, rows,
                cols, M, K, N, Ys);
        note_guarantee(x, n, G_EXACT);
        (void)Y;
        return 0;
    }
    if (!matmul)
        return node_fail(x, n, "Gemm with a non-constant B is not supported");
    /* two activations: batched, one side may be a single matrix */
    long M = A->rank >= 2 ? (long)A->shape[A->rank - 2] : 1;
    long na = numel(x, a) / (M * K), nb = numel(x, b) / (K * N);
    long batch = na > nb ? na : nb;
    if ((na != batch && na != 1) || (nb != batch && nb != 1) || numel(x, n->out[0]) != batch * M * N)
        return node_fail(x, n, "batch dimensions that do not broadcast simply");
    REF(Bs, b);
    fprintf(x->c, "    rqf_matmul(%s, %s, %ld, %ld, %ld, %ld, %ld, %ld, %s);\n", As, Bs, batch,
            na > 1 ? M * K : 0L, nb > 1 ? K * N : 0L, M, K, N, Ys);
    note_guarantee(x, n, G_EXACT);
    return 0;
}

/* strides of input t broadcast to the output's rank and dims (0 on broadcast axes) */
static int bcast_strides(exporter *x, int t, int out, int *st)
{
    const rq_ir_tensor *v = T(x, t), *o = T(x, out);
    long s[RQ_IR_MAX_DIMS];
    strides_of(x, t, s);
    int lead = o->rank - v->rank;
    if (lead < 0)
        return -1;
    for (int d = 0; d < o->rank; d++) {
        int vd = d - lead;
        if (vd < 0 || v->shape[vd] == 1)
            st[d] = 0;
        else if (v->shape[vd] == o->shape[d])
            st[d] = (int)s[vd];
        else
            return -1;
    }
    return 0;
}

static void emit_ints(FILE *f, const int *v, int n)
{
    fputs("{", f);
    for (int d = 0; d < n; d++)
        fprintf(f, "%s%d", d ? ", " : "", v[d]);
    fputs("}", f);
}

static int emit_binary(exporter *x, int i, const rq_ir_node *n, const char *op)
{
    const rq_ir_tensor *o = T(x, n->out[0]);
    int as[RQ_IR_MAX_DIMS] = {0}, bs[RQ_IR_MAX_DIMS] = {0}, dims[RQ_IR_MAX_DIMS] = {0};
    if (bcast_strides(x, n->in[0], n->out[0], as) || bcast_strides(x, n->in[1], n->out[0], bs))
        return node_fail(x, n, "inputs that do not broadcast");
    for (int d = 0; d < o->rank; d++)
        dims[d] = (int)o->shape[d];
    int rank = o->rank ? o->rank : 1;
    if (!o->rank)
        dims[0] = 1;
    fprintf(x->decl, "static const rqf_bcast %s_p%d = {%d, ", x->name, i, rank);
    emit_ints(x->decl, dims, rank);
    fputs(", ", x->decl);
    emit_ints(x->decl, as, rank);
    fputs(", ", x->decl);
    emit_ints(x->decl, bs, rank);
    fputs("};\n", x->decl);
    REF(A, n->in[0]);
    REF(B, n->in[1]);
    REF(Y, n->out[0]);
    fprintf(x->c, "    rqf_binary(%s, &%s_p%d, %s, %s, %s);\n", op, x->name, i, A, B, Y);
    note_guarantee(x, n, G_EXACT);
    return 0;
}

static int emit_unary(exporter *x, const rq_ir_node *n, const char *op, guarantee gu)
{
    REF(X, n->in[0]);
    REF(Y, n->out[0]);
    fprintf(x->c, "    rqf_unary(%s, %s, %ld, %s);\n", op, X, numel(x, n->out[0]), Y);
    note_guarantee(x, n, gu);
    return 0;
}

static int emit_activation(exporter *x, const rq_ir_node *n)
{
    REF(X, n->in[0]);
    REF(Y, n->out[0]);
    long cnt = numel(x, n->out[0]);
    char a[32], b[32];
    if (n->op == RQ_IR_OP_LEAKY_RELU) {
        rq_c_float_literal(rq_ir_attr_float(n, "alpha", 0.01f), a);
        fprintf(x->c, "    rqf_leaky_relu(%s, %ld, %s, %s);\n", X, cnt, a, Y);
    } else if (n->op == RQ_IR_OP_HARD_SIGMOID) {
        rq_c_float_literal(rq_ir_attr_float(n, "alpha", 0.2f), a);
        rq_c_float_literal(rq_ir_attr_float(n, "beta", 0.5f), b);
        fprintf(x->c, "    rqf_hard_sigmoid(%s, %ld, %s, %s, %s);\n", X, cnt, a, b, Y);
    } else { /* Clip */
        float lo, hi;
        if (rq_ir_float_arg(&x->g, n, "min", 1, -INFINITY, &lo) < -1 ||
            rq_ir_float_arg(&x->g, n, "max", 2, INFINITY, &hi) < -1)
            return node_fail(x, n, "min and max must be constant");
        if (isinf(lo))
            snprintf(a, sizeof a, "-3.40282347e+38f");
        else
            rq_c_float_literal(lo, a);
        if (isinf(hi))
            snprintf(b, sizeof b, "3.40282347e+38f");
        else
            rq_c_float_literal(hi, b);
        fprintf(x->c, "    rqf_clip(%s, %ld, %s, %s, %s);\n", X, cnt, a, b, Y);
    }
    note_guarantee(x, n, G_EXACT);
    return 0;
}

static int emit_prelu(exporter *x, const rq_ir_node *n)
{
    const rq_ir_tensor *v = T(x, n->in[0]);
    long C = v->rank >= 2 ? (long)v->shape[1] : 1, sn = numel(x, n->in[1]);
    if (!rq_ir_is_const(&x->g, n->in[1]) || (sn != 1 && sn != C))
        return node_fail(x, n, "the slope must be constant, one value or one per channel");
    REF(X, n->in[0]);
    REF(S, n->in[1]);
    REF(Y, n->out[0]);
    fprintf(x->c, "    rqf_prelu(%s, %ld, %ld, %s, %ld, %s);\n", X, C, numel(x, n->in[0]) / C, S,
            sn, Y);
    note_guarantee(x, n, G_EXACT);
    return 0;
}

/* the axis attribute of n for a rank-r input, normalised; -1 if out of range */
static int axis_of(const rq_ir_node *n, int r, int64_t dflt)
{
    int64_t a = rq_ir_attr_int(n, "axis", dflt);
    if (a < 0)
        a += r;
    return a < 0 || a >= (r ? r : 1) ? -1 : (int)a;
}

static int emit_softmax(exporter *x, const rq_ir_node *n)
{
    const rq_ir_tensor *v = T(x, n->in[0]);
    int ax = axis_of(n, v->rank, x->g.opset >= 13 ? -1 : 1);
    long last = (long)v->shape[v->rank - 1];
    if (ax != v->rank - 1)
        return node_fail(x, n, "Softmax over an axis other than the last is not supported");
    REF(X, n->in[0]);
    REF(Y, n->out[0]);
    fprintf(x->c, "    rqf_softmax(%s, %ld, %ld, %s);\n", X, numel(x, n->in[0]) / last, last, Y);
    note_guarantee(x, n, G_EXACT); /* Sleef's exp and PyTorch's lane sums, reproduced */
    return 0;
}

static int emit_layer_norm(exporter *x, const rq_ir_node *n)
{
    const rq_ir_tensor *v = T(x, n->in[0]);
    if (axis_of(n, v->rank, -1) != v->rank - 1)
        return node_fail(x, n, "LayerNormalization over more than the last axis is not supported");
    for (int k = 1; k < n->n_out; k++)
        if (n->out[k] >= 0 && rq_ir_consumers(&x->g, n->out[k], NULL, 0) > 0)
            return node_fail(x, n, "the Mean and InvStdDev outputs are not supported");
    long last = (long)v->shape[v->rank - 1];
    if (n->n_in < 2 || !rq_ir_is_const(&x->g, n->in[1]) || numel(x, n->in[1]) != last ||
        (n->n_in > 2 && n->in[2] >= 0 &&
         (!rq_ir_is_const(&x->g, n->in[2]) || numel(x, n->in[2]) != last)))
        return node_fail(x, n, "scale and bias must be constant vectors of the last axis");
    REF(X, n->in[0]);
    REF(G, n->in[1]);
    const char *B = "0";
    char bb[96];
    if (n->n_in > 2 && n->in[2] >= 0 && !(B = ref(x, n->in[2], bb, sizeof bb)))
        return -1;
    REF(Y, n->out[0]);
    char eps[32];
    rq_c_float_literal(rq_ir_attr_float(n, "epsilon", 1e-5f), eps);
    fprintf(x->c, "    rqf_layer_norm(%s, %ld, %ld, %s, %s, %s, %s);\n", X,
            numel(x, n->in[0]) / last, last, G, B, eps, Y);
    note_guarantee(x, n, G_EXACT);
    return 0;
}

static int emit_reduce_mean(exporter *x, const rq_ir_node *n, int global)
{
    const rq_ir_tensor *v = T(x, n->in[0]);
    int lo = 2, hi = v->rank - 1;
    if (!global) {
        int64_t axes[RQ_IR_MAX_DIMS];
        int na = rq_ir_ints_arg(&x->g, n, "axes", 1, axes, RQ_IR_MAX_DIMS);
        if (na == -2)
            return node_fail(x, n, "the axes must be constant");
        if (na < 0) {
            lo = 0;
            hi = v->rank - 1;
        } else {
            int seen[RQ_IR_MAX_DIMS] = {0};
            lo = v->rank;
            hi = -1;
            for (int k = 0; k < na; k++) {
                int a = (int)(axes[k] < 0 ? axes[k] + v->rank : axes[k]);
                if (a < 0 || a >= v->rank)
                    return node_fail(x, n, "an axis out of range");
                seen[a] = 1;
                lo = a < lo ? a : lo;
                hi = a > hi ? a : hi;
            }
            for (int a = lo; a <= hi; a++)
                if (!seen[a])
                    return node_fail(x, n, "the reduced axes must be adjacent");
        }
    }
    long outer = 1, cnt = 1, inner = 1;
    for (int d = 0; d < v->rank; d++)
        *(d < lo ? &outer : d <= hi ? &cnt : &inner) *= (long)v->shape[d];
    REF(X, n->in[0]);
    REF(Y, n->out[0]);
    fprintf(x->c, "    rqf_reduce_mean(%s, %ld, %ld, %ld, %s);\n", X, outer, cnt, inner, Y);
    note_guarantee(x, n, inner == 1 || inner % 32 == 0 ? G_EXACT : G_ORDER);
    return 0;
}

/* y (the output's shape, row-major) from x at sum(idx[d] * st[d]) + off */
static int emit_gather_copy(exporter *x, int i, const rq_ir_node *n, const int *st, long off)
{
    const rq_ir_tensor *o = T(x, n->out[0]);
    int dims[RQ_IR_MAX_DIMS], rank = o->rank ? o->rank : 1;
    int stc[RQ_IR_MAX_DIMS];
    for (int d = 0; d < rank; d++) {
        dims[d] = o->rank ? (int)o->shape[d] : 1;
        stc[d] = o->rank ? st[d] : 0;
    }
    fprintf(x->decl, "static const rqf_gather %s_p%d = {%d, ", x->name, i, rank);
    emit_ints(x->decl, dims, rank);
    fputs(", ", x->decl);
    emit_ints(x->decl, stc, rank);
    fprintf(x->decl, ", %ld};\n", off);
    REF(X, n->in[0]);
    REF(Y, n->out[0]);
    fprintf(x->c, "    rqf_strided_copy(&%s_p%d, %s, %s);\n", x->name, i, X, Y);
    note_guarantee(x, n, G_EXACT);
    return 0;
}

static int emit_transpose(exporter *x, int i, const rq_ir_node *n)
{
    const rq_ir_tensor *v = T(x, n->in[0]);
    int64_t perm[RQ_IR_MAX_DIMS];
    int np = rq_ir_attr_ints(n, "perm", perm, RQ_IR_MAX_DIMS);
    long s[RQ_IR_MAX_DIMS];
    int st[RQ_IR_MAX_DIMS];
    strides_of(x, n->in[0], s);
    for (int d = 0; d < v->rank; d++) {
        int p = np < 0 ? v->rank - 1 - d : (int)perm[d];
        if (p < 0 || p >= v->rank)
            return node_fail(x, n, "a bad permutation");
        st[d] = (int)s[p];
    }
    return emit_gather_copy(x, i, n, st, 0);
}

static int emit_expand(exporter *x, int i, const rq_ir_node *n)
{
    int st[RQ_IR_MAX_DIMS];
    if (bcast_strides(x, n->in[0], n->out[0], st))
        return node_fail(x, n, "the input does not broadcast to the shape");
    return emit_gather_copy(x, i, n, st, 0);
}

static int emit_slice(exporter *x, int i, const rq_ir_node *n)
{
    const rq_ir_tensor *v = T(x, n->in[0]);
    int64_t starts[RQ_IR_MAX_DIMS], axes[RQ_IR_MAX_DIMS], steps[RQ_IR_MAX_DIMS];
    int ns = rq_ir_ints_arg(&x->g, n, "starts", 1, starts, RQ_IR_MAX_DIMS);
    int na = rq_ir_ints_arg(&x->g, n, "axes", 3, axes, RQ_IR_MAX_DIMS);
    int nst = n->n_in > 4 ? rq_ir_ints_arg(&x->g, n, "steps", 4, steps, RQ_IR_MAX_DIMS) : -1;
    if (ns < 0 || na == -2 || nst == -2)
        return node_fail(x, n, "starts, axes and steps must be constant");
    long s[RQ_IR_MAX_DIMS], off = 0;
    int st[RQ_IR_MAX_DIMS];
    strides_of(x, n->in[0], s);
    for (int d = 0; d < v->rank; d++)
        st[d] = (int)s[d];
    for (int k = 0; k < ns; k++) {
        int a = (int)(na > k ? (axes[k] < 0 ? axes[k] + v->rank : axes[k]) : k);
        if (a < 0 || a >= v->rank)
            return node_fail(x, n, "an axis out of range");
        int64_t dim = v->shape[a], step = nst > k ? steps[k] : 1, b = starts[k];
        if (step == 0)
            return node_fail(x, n, "a zero step");
        if (b < 0)
            b += dim;
        if (step > 0)
            b = b < 0 ? 0 : b > dim ? dim : b;
        else
            b = b < 0 ? 0 : b > dim - 1 ? dim - 1 : b;
        off += (long)b * s[a];
        st[a] = (int)(s[a] * step);
    }
    return emit_gather_copy(x, i, n, st, off);
}

static int emit_rows(exporter *x, int in, long x_off, long x_stride, long rows, long cnt,
                     int out, long y_off, long y_stride)
{
    REF(X, in);
    REF(Y, out);
    fprintf(x->c, "    rqf_copy_rows(%s + %ld, %ld, %ld, %ld, %s + %ld, %ld);\n", X, x_off, x_stride,
            rows, cnt, Y, y_off, y_stride);
    return 0;
}

static int emit_concat(exporter *x, const rq_ir_node *n)
{
    const rq_ir_tensor *o = T(x, n->out[0]);
    int ax = axis_of(n, o->rank, 0);
    if (ax < 0)
        return node_fail(x, n, "a bad axis");
    long outer = 1, inner = 1, off = 0;
    for (int d = 0; d < ax; d++)
        outer *= (long)o->shape[d];
    for (int d = ax + 1; d < o->rank; d++)
        inner *= (long)o->shape[d];
    long ystride = (long)o->shape[ax] * inner;
    for (int k = 0; k < n->n_in; k++) {
        long cnt = (long)T(x, n->in[k])->shape[ax] * inner;
        if (emit_rows(x, n->in[k], 0, cnt, outer, cnt, n->out[0], off, ystride))
            return -1;
        off += cnt;
    }
    note_guarantee(x, n, G_EXACT);
    return 0;
}

static int emit_gather(exporter *x, const rq_ir_node *n)
{
    const rq_ir_tensor *v = T(x, n->in[0]), *ix = T(x, n->in[1]);
    if (!rq_ir_is_const(&x->g, n->in[1]) || (ix->dtype != RQ_IR_I64 && ix->dtype != RQ_IR_I32))
        return node_fail(x, n, "the indices must be constant integers");
    int ax = axis_of(n, v->rank, 0);
    if (ax < 0)
        return node_fail(x, n, "a bad axis");
    long outer = 1, inner = 1, dim = (long)v->shape[ax], ni = numel(x, n->in[1]);
    for (int d = 0; d < ax; d++)
        outer *= (long)v->shape[d];
    for (int d = ax + 1; d < v->rank; d++)
        inner *= (long)v->shape[d];
    for (long j = 0; j < ni; j++) {
        long k = ix->dtype == RQ_IR_I64 ? (long)((const int64_t *)ix->data)[j]
                                         : (long)((const int32_t *)ix->data)[j];
        if (k < 0)
            k += dim;
        if (k < 0 || k >= dim)
            return node_fail(x, n, "an index out of range");
        if (emit_rows(x, n->in[0], k * inner, dim * inner, outer, inner, n->out[0], j * inner,
                      ni * inner))
            return -1;
    }
    note_guarantee(x, n, G_EXACT);
    return 0;
}

static int emit_pad(exporter *x, int i, const rq_ir_node *n)
{
    const rq_ir_tensor *v = T(x, n->in[0]), *o = T(x, n->out[0]);
    int64_t pads[2 * RQ_IR_MAX_DIMS];
    int np = rq_ir_ints_arg(&x->g, n, "pads", 1, pads, 2 * RQ_IR_MAX_DIMS);
    const rq_ir_attr *mode = rq_ir_attr_get(n, "mode");
    if (mode && mode->s && strcmp(mode->s, "constant"))
        return node_fail(x, n, "only constant padding is supported");
    if (np != 2 * v->rank)
        return node_fail(x, n, "the pads must be constant, two per axis");
    float value = 0.0f;
    if (rq_ir_float_arg(&x->g, n, "value", 2, 0.0f, &value) < -1)
        return node_fail(x, n, "the padding value must be constant");
    int ind[RQ_IR_MAX_DIMS], outd[RQ_IR_MAX_DIMS], before[RQ_IR_MAX_DIMS];
    for (int d = 0; d < v->rank; d++) {
        if (pads[d] < 0 || pads[d + v->rank] < 0)
            return node_fail(x, n, "negative pads are not supported");
        ind[d] = (int)v->shape[d];
        outd[d] = (int)o->shape[d];
        before[d] = (int)pads[d];
    }
    fprintf(x->decl, "static const rqf_pad %s_p%d = {%d, ", x->name, i, v->rank);
    emit_ints(x->decl, ind, v->rank);
    fputs(", ", x->decl);
    emit_ints(x->decl, outd, v->rank);
    fputs(", ", x->decl);
    emit_ints(x->decl, before, v->rank);
    fputs("};\n", x->decl);
    char lit[32];
    rq_c_float_literal(value, lit);
    REF(X, n->in[0]);
    REF(Y, n->out[0]);
    fprintf(x->c, "    rqf_pad_constant(&%s_p%d, %s, %s, %s);\n", x->name, i, X, lit, Y);
    note_guarantee(x, n, G_EXACT);
    return 0;
}

/* true when constant t holds only zeros */
static int all_zero(exporter *x, int t)
{
    const float *v = T(x, t)->data;
    for (long k = 0; k < numel(x, t); k++)
        if (v[k] != 0.0f)
            return 0;
    return 1;
}

/* optional operand: "0" when absent or a constant zero state, else its reference + offset */
static int opt_ref(exporter *x, const rq_ir_node *n, int k, int zero_is_null, char *buf,
                   size_t len)
{
    if (n->n_in <= k || n->in[k] < 0 ||
        (zero_is_null && rq_ir_is_const(&x->g, n->in[k]) && all_zero(x, n->in[k]))) {
        snprintf(buf, len, "0");
        return 0;
    }
    char b[96];
    if (!ref(x, n->in[k], b, sizeof b))
        return -1;
    snprintf(buf, len, "%s", b);
    return 0;
}

static int emit_rnn(exporter *x, int i, const rq_ir_node *n, int lstm)
{
    const int G = lstm ? 4 : 3;
    const rq_ir_tensor *X = T(x, n->in[0]);
    long H = (long)rq_ir_attr_int(n, "hidden_size", 0);
    if (X->rank != 3 || X->shape[1] != 1 || H < 1)
        return node_fail(x, n, "needs X [T][1][I] (batch 1) and hidden_size");
    if (n->n_in < 3 || !rq_ir_is_const(&x->g, n->in[1]) || !rq_ir_is_const(&x->g, n->in[2]) ||
        (n->n_in > 3 && n->in[3] >= 0 && !rq_ir_is_const(&x->g, n->in[3])))
        return node_fail(x, n, "the weights and biases must be constant");
    if (n->n_in > 4 && n->in[4] >= 0)
        return node_fail(x, n, "sequence_lens is not supported");
    if (lstm && n->n_in > 7 && n->in[7] >= 0)
        return node_fail(x, n, "peepholes are not supported");
    if (!lstm && rq_ir_attr_int(n, "linear_before_reset", 0) != 1)
        return node_fail(x, n, "linear_before_reset = 0 is not PyTorch's GRU");
    if (rq_ir_attr_get(n, "clip") || rq_ir_attr_get(n, "activations") ||
        rq_ir_attr_int(n, "layout", 0) != 0 || rq_ir_attr_int(n, "input_forget", 0) != 0)
        return node_fail(x, n, "clip, activations, layout and input_forget must be defaults");
    const rq_ir_attr *dir = rq_ir_attr_get(n, "direction");
    const char *ds = dir && dir->s ? dir->s : "forward";
    int D = !strcmp(ds, "bidirectional") ? 2 : 1, rev = !strcmp(ds, "reverse");
    if (T(x, n->in[1])->shape[0] != D || T(x, n->in[1])->shape[1] != G * H)
        return node_fail(x, n, "W does not match direction and hidden_size");
    long Tn = (long)X->shape[0], I = (long)X->shape[2];
    char xs[96], ws[96], rs[96], bs[96], h0[96], c0[96], ys[96], yh[96], yc[96], sc[96];
    if (!ref(x, n->in[0], xs, sizeof xs) || !ref(x, n->in[1], ws, sizeof ws) ||
        !ref(x, n->in[2], rs, sizeof rs) || opt_ref(x, n, 3, 0, bs, sizeof bs) ||
        opt_ref(x, n, 5, 1, h0, sizeof h0) || (lstm && opt_ref(x, n, 6, 1, c0, sizeof c0)))
        return -1;
    snprintf(sc, sizeof sc, "(work + %ld)", x->bufs[x->scratch[i]].off);
    if (n->n_out > 0 && n->out[0] >= 0) {
        if (!ref(x, n->out[0], ys, sizeof ys))
            return -1;
    } else {
        snprintf(ys, sizeof ys, "(work + %ld)", x->bufs[x->scratch[i]].off + (lstm ? 10 : 7) * H);
    }
    snprintf(yh, sizeof yh, "0");
    snprintf(yc, sizeof yc, "0");
    if (n->n_out > 1 && n->out[1] >= 0 && !ref(x, n->out[1], yh, sizeof yh))
        return -1;
    if (lstm && n->n_out > 2 && n->out[2] >= 0 && !ref(x, n->out[2], yc, sizeof yc))
        return -1;
    for (int d = 0; d < D; d++) {
        char b1[128] = "0", b2[128] = "0", hh[128] = "0", cc[128] = "0", oh[128] = "0",
             oc[128] = "0";
        if (strcmp(bs, "0")) {
            snprintf(b1, sizeof b1, "%s + %ld", bs, d * 2 * G * H);
            snprintf(b2, sizeof b2, "%s + %ld", bs, d * 2 * G * H + G * H);
        }
        if (strcmp(h0, "0"))
            snprintf(hh, sizeof hh, "%s + %ld", h0, d * H);
        if (lstm && strcmp(c0, "0"))
            snprintf(cc, sizeof cc, "%s + %ld", c0, d * H);
        if (strcmp(yh, "0"))
            snprintf(oh, sizeof oh, "%s + %ld", yh, d * H);
        if (lstm && strcmp(yc, "0"))
            snprintf(oc, sizeof oc, "%s + %ld", yc, d * H);
        if (lstm)
            fprintf(x->c,
                    "    rqf_lstm(%s, %ld, %ld, %ld, %s + %ld, %s + %ld, %s, %s, %s, %s, %d, %s + "
                    "%ld, %ld, %s, %s, %s);\n",
                    xs, Tn, I, H, ws, d * G * H * I, rs, d * G * H * H, b1, b2, hh, cc, rev || d,
                    ys, d * H, D * H, oh, oc, sc);
        else
            fprintf(x->c,
                    "    rqf_gru(%s, %ld, %ld, %ld, %s + %ld, %s + %ld, %s, %s, %s, %d, %s + %ld, "
                    "%ld, %s, %s);\n",
                    xs, Tn, I, H, ws, d * G * H * I, rs, d * G * H * H, b1, b2, hh, rev || d, ys,
                    d * H, D * H, oh, sc);
    }
    note_guarantee(x, n, G_EXACT); /* PyTorch's cell order, Sleef's sigmoid/tanh reproduced */
    return 0;
}

static int emit_node(exporter *x, int i)
{
    const rq_ir_node *n = &x->g.nodes[i];
    if (n->act != RQ_IR_ACT_NONE)
        return node_fail(x, n, "fused activations are not expected here");
    switch (n->op) {
    case RQ_IR_OP_CONV: return emit_conv(x, i, n, 0);
    case RQ_IR_OP_MAX_POOL: return emit_conv(x, i, n, 1);
    case RQ_IR_OP_AVG_POOL: return emit_conv(x, i, n, 2);
    case RQ_IR_OP_GLOBAL_AVG_POOL: return emit_reduce_mean(x, n, 1);
    case RQ_IR_OP_REDUCE_MEAN:
        if (rq_ir_attr_int(n, "noop_with_empty_axes", 0))
            return node_fail(x, n, "noop_with_empty_axes is not supported");
        return emit_reduce_mean(x, n, 0);
    case RQ_IR_OP_GEMM: return emit_gemm(x, n, 0);
    case RQ_IR_OP_MATMUL: return emit_gemm(x, n, 1);
    case RQ_IR_OP_ADD: return emit_binary(x, i, n, "RQF_ADD");
    case RQ_IR_OP_SUB: return emit_binary(x, i, n, "RQF_SUB");
    case RQ_IR_OP_MUL: return emit_binary(x, i, n, "RQF_MUL");
    case RQ_IR_OP_DIV: return emit_binary(x, i, n, "RQF_DIV");
    case RQ_IR_OP_RELU: return emit_unary(x, n, "RQF_RELU", G_EXACT);
    case RQ_IR_OP_SIGMOID: return emit_unary(x, n, "RQF_SIGMOID", G_EXACT);
    case RQ_IR_OP_TANH: return emit_unary(x, n, "RQF_TANH", G_EXACT);
    case RQ_IR_OP_HARD_SWISH: return emit_unary(x, n, "RQF_HARD_SWISH", G_DECOMP);
    case RQ_IR_OP_LEAKY_RELU: case RQ_IR_OP_HARD_SIGMOID: case RQ_IR_OP_CLIP:
        return emit_activation(x, n);
    case RQ_IR_OP_PRELU: return emit_prelu(x, n);
    case RQ_IR_OP_SOFTMAX: return emit_softmax(x, n);
    case RQ_IR_OP_TRANSPOSE: return emit_transpose(x, i, n);
    case RQ_IR_OP_SLICE: return emit_slice(x, i, n);
    case RQ_IR_OP_EXPAND: return emit_expand(x, i, n);
    case RQ_IR_OP_CONCAT: return emit_concat(x, n);
    case RQ_IR_OP_GATHER: return emit_gather(x, n);
    case RQ_IR_OP_PAD: return emit_pad(x, i, n);
    case RQ_IR_OP_RESHAPE: case RQ_IR_OP_FLATTEN: case RQ_IR_OP_SQUEEZE:
    case RQ_IR_OP_UNSQUEEZE: case RQ_IR_OP_IDENTITY: case RQ_IR_OP_DROPOUT:
        return 0; /* the output shares the input's storage */
    case RQ_IR_OP_CAST:
        if (T(x, n->in[0])->dtype != RQ_IR_F32 || T(x, n->out[0])->dtype != RQ_IR_F32)
            return node_fail(x, n, "only float32 to float32 casts are supported");
        return 0;
    default: break;
    }
    if (is(n, "GRU"))
        return emit_rnn(x, i, n, 0);
    if (is(n, "LSTM"))
        return emit_rnn(x, i, n, 1);
    if (is(n, "LayerNormalization"))
        return emit_layer_norm(x, n);
    if (is(n, "Erf"))
        return emit_unary(x, n, "RQF_ERF", G_LIBM);
    if (is(n, "Sqrt"))
        return emit_unary(x, n, "RQF_SQRT", G_DECOMP); /* LayerNorm's opset-13 form */
    if (is(n, "Exp"))
        return emit_unary(x, n, "RQF_EXP", G_EXACT);
    if (is(n, "Neg"))
        return emit_unary(x, n, "RQF_NEG", G_EXACT);
    if (is(n, "Abs"))
        return emit_unary(x, n, "RQF_ABS", G_EXACT);
    if (is(n, "Reciprocal"))
        return emit_unary(x, n, "RQF_RECIPROCAL", G_EXACT);
    if (is(n, "Pow"))
        return emit_binary(x, i, n, "RQF_POW") || (x->uses[G_DECOMP]++, 0);
    return node_fail(x, n, "unsupported operator");
}

/* ---- the files ---- */

static void upper(const char *s, char *out, size_t len)
{
    size_t k = 0;
    for (; *s && k + 1 < len; s++)
        out[k++] = (char)toupper((unsigned char)*s);
    out[k] = 0;
}

static int exact_model(const exporter *x)
{
    return !x->uses[G_LIBM] && !x->uses[G_ONEDNN] && !x->uses[G_DECOMP] && !x->uses[G_ORDER];
}

static void write_provenance(exporter *x, FILE *f, const char *src, const char *sha)
{
    char in_s[160], out_s[160], a[200], b[200];
    const rq_ir_tensor *in = T(x, x->g.inputs[0]), *out = T(x, x->g.outputs[0]);
    rq_c_shape_text(in->rank, in->shape, in_s, sizeof in_s);
    rq_c_shape_text(out->rank, out->shape, out_s, sizeof out_s);
    sanitize(in->name, a, sizeof a);
    sanitize(out->name, b, sizeof b);
    fprintf(f,
            "/* %s: generated by `rppgq export-c --onnx`: do not edit.\n"
            " *\n"
            " * Source:  %s (ONNX opset %d)\n"
            " * SHA-256: %s\n"
            " * Input:  '%s' float32 %s, row-major\n"
            " * Output: '%s' float32 %s, row-major\n"
            " * Parameters: %ld float32 (%ld bytes) in const arrays\n"
            " *\n"
            " * Numerics against PyTorch 1.13's batch-1 CPU float32 forward (docs/onnx-c.md):\n",
            x->name, src, x->g.opset, sha, a, in_s, b, out_s, x->params, x->params * 4);
    for (int k = 0; k < x->n_op_lines; k++) {
        char op[64];
        int gu = 0;
        const char *colon = strrchr(x->op_guarantee[k], ':');
        size_t l = (size_t)(colon - x->op_guarantee[k]);
        snprintf(op, sizeof op, "%.*s", (int)(l < sizeof op ? l : sizeof op - 1), x->op_guarantee[k]);
        gu = atoi(colon + 1);
        fprintf(f, " *   %-20s %s\n", op, guarantee_text[gu]);
    }
    fprintf(f, " * Whole model: %s\n */\n",
            exact_model(x) ? "bit-identical to PyTorch (0 ulp)"
                           : "not bit-identical (see the ops above); validate-c measures it");
}

static void write_header(exporter *x, FILE *f, const char *src, const char *sha)
{
    char up[64];
    upper(x->name, up, sizeof up);
    write_provenance(x, f, src, sha);
    fprintf(f,
            "#ifndef %s_H\n#define %s_H\n\n"
            "#define %s_INPUT_SIZE %ld  /* floats */\n"
            "#define %s_OUTPUT_SIZE %ld /* floats */\n"
            "#define %s_PARAMS %ld\n"
            "/* The work buffer of %s_run: tensors placed by lifetime (greedy by size). */\n"
            "#define %s_WORK_FLOATS %ld\n"
            "/* Stack of %s_infer: its work buffer plus at most %d bytes of call frames. */\n"
            "#define %s_STACK_BYTES %ld\n"
            "#define %s_EXACT %d /* 1: bit-identical to PyTorch */\n\n"
            "/* One inference, the work buffer on the stack (%s_STACK_BYTES). Reentrant: no\n"
            " * heap, no static or global mutable data. */\n"
            "void %s_infer(const float *input, float *output);\n\n"
            "/* The same with the caller's work buffer of %s_WORK_FLOATS floats (overwritten);\n"
            " * input and output must not overlap it. */\n"
            "void %s_run(const float *input, float *output, float *work);\n\n#endif\n",
            up, up, up, numel(x, x->g.inputs[0]), up, numel(x, x->g.outputs[0]), up, x->params,
            x->name, up, x->work_floats ? x->work_floats : 1, x->name, RQ_ONNX_FRAME_BYTES, up,
            (x->work_floats ? x->work_floats : 1) * 4 + RQ_ONNX_FRAME_BYTES, up, exact_model(x),
            up, x->name, up, x->name);
}

static void write_source(exporter *x, FILE *f, const char *src, const char *sha,
                         const char *decl, const char *body)
{
    char up[64];
    upper(x->name, up, sizeof up);
    write_provenance(x, f, src, sha);
    fprintf(f,
            "/* Weights in the file's layouts (Conv [out][in/groups][k...], Gemm/Linear\n"
            " * [out][in], bias [out]); every literal reads back as the identical float32. */\n"
            "#include \"%s.h\"\n#include \"float_ops.h\"\n%s\n"
            "void %s_run(const float *input, float *output, float *work)\n{\n%s}\n\n"
            "void %s_infer(const float *input, float *output)\n{\n"
            "    float work[%s_WORK_FLOATS];\n"
            "    %s_run(input, output, work);\n}\n",
            x->name, decl, x->name, body, x->name, up, x->name);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int set_name(exporter *x, const char *name)
{
    char def[64];
    if (!name) {
        const char *b = base_name(x->path);
        size_t k = 0;
        for (; b[k] && b[k] != '.' && k + 1 < sizeof def; k++)
            def[k] = isalnum((unsigned char)b[k]) ? b[k] : '_';
        def[k] = 0;
        if (!k || isdigit((unsigned char)def[0]))
            snprintf(def, sizeof def, "model");
        name = def;
    }
    if (!rq_onnx_c_name_ok(name))
        return rq_fail(x->err, "--name '%s': wants a C identifier of at most 39 characters "
                               "(not float_ops or rqf_*)", name);
    snprintf(x->name, sizeof x->name, "%s", name);
    return 0;
}

static const char *const extra_ops[] = {"GRU", "LSTM", "LayerNormalization", "Erf", "Sqrt",
                                        "Exp", "Neg", "Abs", "Reciprocal", "Pow", NULL};

/* Ops emit_node knows (those left after the passes: Shape, Constant... are folded). */
static int supported(const rq_ir_node *n)
{
    switch (n->op) {
    case RQ_IR_OP_RESIZE: case RQ_IR_OP_SHAPE: case RQ_IR_OP_CONSTANT:
    case RQ_IR_OP_CONSTANT_OF_SHAPE: case RQ_IR_OP_BATCHNORM:
        return 0;
    case RQ_IR_OP_OTHER:
        for (const char *const *o = extra_ops; *o; o++)
            if (!strcmp(n->op_type, *o))
                return 1;
        return 0;
    default:
        return n->op < RQ_IR_OP_COUNT;
    }
}

int rq_onnx_c_name_ok(const char *name)
{
    size_t l = strlen(name);
    int ok = l > 0 && l < 40 && (isalpha((unsigned char)name[0]) || name[0] == '_');
    for (size_t k = 0; ok && k < l; k++)
        ok = isalnum((unsigned char)name[k]) || name[k] == '_';
    return ok && strcmp(name, "float_ops") && strncmp(name, "rqf_", 4);
}

static int check_graph(exporter *x)
{
    rq_ir_graph *g = &x->g;
    for (int i = 0; i < g->n_nodes; i++)
        if (!supported(&g->nodes[i]))
            return node_fail(x, &g->nodes[i], g->nodes[i].op == RQ_IR_OP_BATCHNORM
                                                  ? "BatchNormalization not after a Conv"
                                                  : "unsupported operator");
    if (g->n_inputs != 1 || g->n_outputs != 1)
        return rq_fail(x->err, "%s: %d inputs and %d outputs; export-c --onnx supports one of each",
                       x->path, g->n_inputs, g->n_outputs);
    for (int i = 0; i < g->n_nodes; i++) {
        const rq_ir_node *n = &g->nodes[i];
        for (int k = 0; k < n->n_out; k++) {
            int t = n->out[k];
            if (t >= 0 && (T(x, t)->rank < 0 || numel(x, t) < 0))
                return node_fail(x, n, "its output shape does not resolve statically");
            if (t >= 0 && T(x, t)->dtype != RQ_IR_F32)
                return node_fail(x, n, "computes a non-float tensor at run time");
        }
    }
    if (T(x, g->inputs[0])->dtype != RQ_IR_F32 || T(x, g->outputs[0])->dtype != RQ_IR_F32)
        return rq_fail(x->err, "%s: the input and output must be float32", x->path);
    return 0;
}

static char *close_stream(FILE *f, char **buf, size_t *len)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(*buf);
        *buf = NULL;
    }
    (void)len;
    return *buf;
}

static void free_exporter(exporter *x)
{
    rq_ir_free(&x->g);
    free(x->root);
    free(x->storage);
    free(x->bufidx);
    free(x->const_id);
    free(x->transposed);
    free(x->bufs);
    free(x->scratch);
}

static int generate(exporter *x, const char *sha, char **hbuf, size_t *hlen, char **cbuf,
                    size_t *clen)
{
    char *dbuf = NULL, *bbuf = NULL;
    size_t dlen = 0, blen = 0;
    x->decl = open_memstream(&dbuf, &dlen);
    x->c = open_memstream(&bbuf, &blen);
    int rc = x->decl && x->c ? 0 : rq_fail(x->err, "out of memory");
    for (int i = 0; i < x->g.n_nodes && !rc; i++)
        rc = emit_node(x, i);
    if (x->decl && !close_stream(x->decl, &dbuf, &dlen) && !rc)
        rc = rq_fail(x->err, "out of memory");
    if (x->c && !close_stream(x->c, &bbuf, &blen) && !rc)
        rc = rq_fail(x->err, "out of memory");
    FILE *h = NULL, *c = NULL;
    if (!rc) {
        const char *src = base_name(x->path);
        h = open_memstream(hbuf, hlen);
        c = open_memstream(cbuf, clen);
        if (h && c) {
            write_header(x, h, src, sha);
            write_source(x, c, src, sha, dbuf, bbuf);
        }
        if (!h || !c || !close_stream(h, hbuf, hlen) || !close_stream(c, cbuf, clen))
            rc = rq_fail(x->err, "out of memory");
        h = c = NULL;
    }
    free(dbuf);
    free(bbuf);
    return rc;
}

int rq_onnx_export_c(const char *onnx_path, const char *out_dir, const char *name,
                     rq_onnx_c_summary *sum, rq_error *err)
{
    exporter x;
    memset(&x, 0, sizeof x);
    x.path = onnx_path;
    x.err = err;
    char sha[65], *hbuf = NULL, *cbuf = NULL;
    size_t hlen = 0, clen = 0;
    int rc = rq_onnx_read(onnx_path, &x.g, err);
    if (!rc)
        rc = set_name(&x, name) || rq_pass_fold_constants(&x.g, err) ||
             rq_pass_drop_identity(&x.g, err) || infer_all(&x) ||
             rq_pass_fold_constants(&x.g, err) || rq_pass_fold_batchnorm(&x.g, err) ||
             rq_pass_fuse_layernorm(&x.g, err) || infer_all(&x) || check_graph(&x) ||
             plan_storage(&x) || rq_sha256_file(onnx_path, sha, err) ||
             generate(&x, sha, &hbuf, &hlen, &cbuf, &clen);
    if (!rc) {
        char hname[80], cname[80];
        snprintf(hname, sizeof hname, "%s.h", x.name);
        snprintf(cname, sizeof cname, "%s.c", x.name);
        rq_embedded_file rt[RQ_FLOAT_OPS_NFILES];
        rq_float_ops_files(rt);
        rq_export_file files[2 + RQ_FLOAT_OPS_NFILES] = {{hname, hbuf, hlen}, {cname, cbuf, clen}};
        for (int k = 0; k < RQ_FLOAT_OPS_NFILES; k++)
            files[2 + k] = (rq_export_file){rt[k].name, rt[k].data, rt[k].len};
        rc = rq_export_dir_write(out_dir, files, 2 + RQ_FLOAT_OPS_NFILES, NULL, err);
    }
    if (!rc && sum) {
        int calls = 0;
        for (int i = 0; i < x.g.n_nodes; i++)
            calls += !is_alias_op(&x.g.nodes[i]);
        *sum = (rq_onnx_c_summary){x.params, x.work_floats,
                                   (x.work_floats ? x.work_floats : 1) * 4 + RQ_ONNX_FRAME_BYTES,
                                   numel(&x, x.g.inputs[0]), numel(&x, x.g.outputs[0]), calls,
                                   exact_model(&x)};
    }
    free(hbuf);
    free(cbuf);
    free_exporter(&x);
    return rc ? -1 : 0;
}
