/* Float executor: one kernel per operator, ONNX semantics, either layout. */
#include "ir/ir_exec.h"

#include "ir/ir_conv_lanes.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct shape_t {
    int rank;
    int64_t d[RQ_IR_MAX_DIMS];
} shape_t;

static shape_t shape_of(const rq_ir_graph *g, int t)
{
    shape_t s = {0, {0}};
    if (t < 0)
        return s;
    s.rank = g->tensors[t].rank;
    for (int i = 0; i < s.rank; i++)
        s.d[i] = g->tensors[t].shape[i];
    return s;
}

static int64_t numel(const shape_t *s)
{
    int64_t n = 1;
    for (int i = 0; i < s->rank; i++)
        n *= s->d[i];
    return n;
}

static int unsupported(const rq_ir_graph *g, const rq_ir_node *n, rq_error *err, const char *why)
{
    return rq_fail(err, "%s: node '%s' (%s): the float executor does not support %s", g->source,
                   n->name, n->op_type, why);
}

static float apply_act(const rq_ir_node *n, float v)
{
    switch (n->act) {
    case RQ_IR_ACT_RELU: return v > 0.0f ? v : 0.0f;
    case RQ_IR_ACT_RELU6: return v < 0.0f ? 0.0f : v > 6.0f ? 6.0f : v;
    case RQ_IR_ACT_CLIP: return v < n->act_lo ? n->act_lo : v > n->act_hi ? n->act_hi : v;
    default: return v;
    }
}

/* apply_act over a whole buffer, with the kind chosen once: loops without branches that the
 * compiler vectorizes (each element still gets exactly apply_act's comparisons). */
static void apply_act_all(const rq_ir_node *n, float *y, int64_t count)
{
    const float lo = n->act_lo, hi = n->act_hi;
    switch (n->act) {
    case RQ_IR_ACT_RELU:
        for (int64_t i = 0; i < count; i++)
            y[i] = y[i] > 0.0f ? y[i] : 0.0f;
        break;
    case RQ_IR_ACT_RELU6:
        for (int64_t i = 0; i < count; i++)
            y[i] = y[i] < 0.0f ? 0.0f : y[i] > 6.0f ? 6.0f : y[i];
        break;
    case RQ_IR_ACT_CLIP:
        for (int64_t i = 0; i < count; i++)
            y[i] = y[i] < lo ? lo : y[i] > hi ? hi : y[i];
        break;
    default:
        break;
    }
}

/* ---- convolution and pooling (rank 3 or 4; rank 3 is a 1-D window over W) ---------- */

typedef struct layout4 {
    int64_t n, c, h, w;      /* sizes */
    int64_t sn, sc, sh, sw;  /* element strides */
} layout4;

static layout4 layout_of(const rq_ir_graph *g, const shape_t *s)
{
    layout4 l;
    int nhwc = g->layout == RQ_IR_NHWC;
    l.n = s->d[0];
    if (s->rank == 3) {
        l.c = nhwc ? s->d[2] : s->d[1];
        l.h = 1;
        l.w = nhwc ? s->d[1] : s->d[2];
    } else {
        l.c = nhwc ? s->d[3] : s->d[1];
        l.h = nhwc ? s->d[1] : s->d[2];
        l.w = nhwc ? s->d[2] : s->d[3];
    }
    if (nhwc) {
        l.sc = 1, l.sw = l.c, l.sh = l.w * l.c;
    } else {
        l.sw = 1, l.sh = l.w, l.sc = l.h * l.w;
    }
    l.sn = l.c * l.h * l.w;
    return l;
}

/* Window parameters reduced to 2-D (a 1-D window has height 1). */
typedef struct win2 {
    int64_t kh, kw, sh, sw, dh, dw, ph, pw, pe_h, pe_w;
} win2;

static win2 win2_of(const rq_ir_window *w)
{
    win2 r;
    if (w->n_spatial == 1) {
        r.kh = 1, r.sh = 1, r.dh = 1, r.ph = 0, r.pe_h = 0;
        r.kw = w->kernel[0], r.sw = w->stride[0], r.dw = w->dilation[0];
        r.pw = w->pad_begin[0], r.pe_w = w->pad_end[0];
    } else {
        r.kh = w->kernel[0], r.sh = w->stride[0], r.dh = w->dilation[0], r.ph = w->pad_begin[0];
        r.kw = w->kernel[1], r.sw = w->stride[1], r.dw = w->dilation[1], r.pw = w->pad_begin[1];
        r.pe_h = w->pad_end[0], r.pe_w = w->pad_end[1];
    }
    return r;
}

/* The convolution and its fused activation in vector lanes (ir_conv_lanes.h: the same
 * bits); 0, or -1 when it does not apply (then nothing was written). */
static int conv_in_lanes(const rq_ir_node *n, const layout4 *X,
                         const layout4 *Y, const win2 *w, int64_t groups, const int64_t wstr[4],
                         const void *const *in, float *y, rq_simd level, rq_conv_lanes_pack *pack)
{
    if (groups != 1 || level == RQ_SIMD_OFF)
        return -1;
    rq_conv_lanes_args a = {
        .n = X->n, .cin = X->c, .ih = X->h, .iw = X->w,
        .xs_n = X->sn, .xs_c = X->sc, .xs_h = X->sh, .xs_w = X->sw,
        .cout = Y->c, .oh = Y->h, .ow = Y->w,
        .ys_n = Y->sn, .ys_c = Y->sc, .ys_h = Y->sh, .ys_w = Y->sw,
        .kh = w->kh, .kw = w->kw, .sh = w->sh, .sw = w->sw, .dh = w->dh, .dw = w->dw,
        .ph = w->ph, .pw = w->pw,
        .w_o = wstr[0], .w_i = wstr[1], .w_kh = wstr[2], .w_kw = wstr[3],
        .x = in[0], .w = in[1], .b = n->n_in > 2 ? in[2] : NULL, .y = y,
        .act = n->act, .act_lo = n->act_lo, .act_hi = n->act_hi,
    };
    if (pack && !pack->w && rq_conv_lanes_pack_new(&a, pack) < 0)
        pack = NULL;
    return rq_conv_lanes(&a, pack, level);
}

/* pack: where the executor keeps this node's packed weights (NULL: pack them for this call). */
static int eval_conv(const rq_ir_graph *g, const rq_ir_node *n, const void *const *in,
                     void *const *out, rq_simd level, rq_conv_lanes_pack *pack, rq_error *err)
{
    rq_ir_window wg;
    if (rq_ir_window_of(g, n, &wg, err) < 0)
        return -1;
    if (wg.n_spatial > 2)
        return unsupported(g, n, err, "3-D convolutions");
    shape_t xs = shape_of(g, n->in[0]), ys = shape_of(g, n->out[0]);
    layout4 X = layout_of(g, &xs), Y = layout_of(g, &ys);
    win2 w = win2_of(&wg);
    const float *x = in[0], *wt = in[1], *b = n->n_in > 2 ? in[2] : NULL;
    float *y = out[0];
    int64_t groups = wg.group, cin_g = X.c / groups, cout_g = Y.c / groups;
    /* weight strides: NCHW [O][I/g][kh][kw]; NHWC [O][kh][kw][I/g] */
    int64_t wo, wi, wkh, wkw;
    if (g->layout == RQ_IR_NHWC)
        wi = 1, wkw = cin_g, wkh = w.kw * cin_g, wo = w.kh * w.kw * cin_g;
    else
        wkw = 1, wkh = w.kw, wi = w.kh * w.kw, wo = cin_g * w.kh * w.kw;
    if (conv_in_lanes(n, &X, &Y, &w, groups, (const int64_t[4]){wo, wi, wkh, wkw}, in, y,
                      level, pack) == 0)
        return 0;
    for (int64_t bn = 0; bn < X.n; bn++)
        for (int64_t oc = 0; oc < Y.c; oc++) {
            int64_t gi = oc / cout_g;
            for (int64_t oh = 0; oh < Y.h; oh++)
                for (int64_t ow = 0; ow < Y.w; ow++) {
                    double acc = b ? b[oc] : 0.0;
                    for (int64_t kh = 0; kh < w.kh; kh++) {
                        int64_t ih = oh * w.sh - w.ph + kh * w.dh;
                        if (ih < 0 || ih >= X.h)
                            continue;
                        for (int64_t kw = 0; kw < w.kw; kw++) {
                            int64_t iw = ow * w.sw - w.pw + kw * w.dw;
                            if (iw < 0 || iw >= X.w)
                                continue;
                            const float *xp = x + bn * X.sn + ih * X.sh + iw * X.sw + gi * cin_g * X.sc;
                            const float *wp = wt + oc * wo + kh * wkh + kw * wkw;
                            for (int64_t ic = 0; ic < cin_g; ic++)
                                acc += (double)xp[ic * X.sc] * (double)wp[ic * wi];
                        }
                    }
                    y[bn * Y.sn + oc * Y.sc + oh * Y.sh + ow * Y.sw] = apply_act(n, (float)acc);
                }
        }
    return 0;
}

/* eval_pool's loop with the channels innermost (contiguous in NHWC: loops the compiler
 * vectorizes): every output still takes its taps in (kh, kw) order with the same
 * comparisons or double sums, so the same bits. Max in float: comparing floats widened to
 * double is comparing the floats, and the result is one of them. -1: out of memory. */
static int pool_channels_inner(const layout4 *X, const layout4 *Y, const win2 *w, int is_max,
                               int include_pad, const float *x, float *y)
{
    float *mx = malloc((size_t)X->c * sizeof(float));
    double *sum = malloc((size_t)X->c * sizeof(double));
    if (!mx || !sum) {
        free(mx), free(sum);
        return -1;
    }
    for (int64_t bn = 0; bn < X->n; bn++)
        for (int64_t oh = 0; oh < Y->h; oh++)
            for (int64_t ow = 0; ow < Y->w; ow++) {
                int64_t count = 0, padded = 0;
                for (int64_t c = 0; c < X->c; c++)
                    mx[c] = -INFINITY, sum[c] = 0.0;
                for (int64_t kh = 0; kh < w->kh; kh++)
                    for (int64_t kw = 0; kw < w->kw; kw++) {
                        int64_t ih = oh * w->sh - w->ph + kh * w->dh, iw = ow * w->sw - w->pw + kw * w->dw;
                        if (ih < X->h + w->pe_h && iw < X->w + w->pe_w)
                            padded++;
                        if (ih < 0 || ih >= X->h || iw < 0 || iw >= X->w)
                            continue;
                        const float *xp = x + bn * X->sn + ih * X->sh + iw * X->sw;
                        if (is_max)
                            for (int64_t c = 0; c < X->c; c++)
                                mx[c] = xp[c * X->sc] > mx[c] ? xp[c * X->sc] : mx[c];
                        else
                            for (int64_t c = 0; c < X->c; c++)
                                sum[c] += (double)xp[c * X->sc];
                        count++;
                    }
                float *yp = y + bn * Y->sn + oh * Y->sh + ow * Y->sw;
                double div = (double)(include_pad ? padded : count ? count : 1);
                for (int64_t c = 0; c < X->c; c++)
                    yp[c * Y->sc] = is_max ? mx[c] : (float)(sum[c] / div);
            }
    free(mx), free(sum);
    return 0;
}

static int eval_pool(const rq_ir_graph *g, const rq_ir_node *n, const void *const *in,
                     void *const *out, rq_simd level, rq_error *err)
{
    rq_ir_window wg;
    if (rq_ir_window_of(g, n, &wg, err) < 0)
        return -1;
    if (wg.n_spatial > 2)
        return unsupported(g, n, err, "3-D pooling");
    shape_t xs = shape_of(g, n->in[0]), ys = shape_of(g, n->out[0]);
    layout4 X = layout_of(g, &xs), Y = layout_of(g, &ys);
    win2 w = win2_of(&wg);
    int is_max = n->op == RQ_IR_OP_MAX_POOL;
    int include_pad = (int)rq_ir_attr_int(n, "count_include_pad", 0);
    const float *x = in[0];
    float *y = out[0];
    rq_conv_lanes_args la = {
        .n = X.n, .cin = X.c, .ih = X.h, .iw = X.w,
        .xs_n = X.sn, .xs_c = X.sc, .xs_h = X.sh, .xs_w = X.sw,
        .cout = Y.c, .oh = Y.h, .ow = Y.w, .ys_n = Y.sn, .ys_c = Y.sc, .ys_h = Y.sh, .ys_w = Y.sw,
        .kh = w.kh, .kw = w.kw, .sh = w.sh, .sw = w.sw, .dh = w.dh, .dw = w.dw,
        .ph = w.ph, .pw = w.pw, .x = x, .y = y,
    };
    if (level != RQ_SIMD_OFF && ((is_max && rq_maxpool_lanes(&la, level) == 0) ||
                                 pool_channels_inner(&X, &Y, &w, is_max, include_pad, x, y) == 0)) {
        apply_act_all(n, y, numel(&ys));
        return 0;
    }
    for (int64_t bn = 0; bn < X.n; bn++)
        for (int64_t c = 0; c < X.c; c++)
            for (int64_t oh = 0; oh < Y.h; oh++)
                for (int64_t ow = 0; ow < Y.w; ow++) {
                    double acc = is_max ? -INFINITY : 0.0;
                    int64_t count = 0, padded = 0;
                    for (int64_t kh = 0; kh < w.kh; kh++)
                        for (int64_t kw = 0; kw < w.kw; kw++) {
                            int64_t ih = oh * w.sh - w.ph + kh * w.dh, iw = ow * w.sw - w.pw + kw * w.dw;
                            /* taps inside the padded input count for count_include_pad */
                            if (ih < X.h + w.pe_h && iw < X.w + w.pe_w)
                                padded++;
                            if (ih < 0 || ih >= X.h || iw < 0 || iw >= X.w)
                                continue;
                            double v = x[bn * X.sn + c * X.sc + ih * X.sh + iw * X.sw];
                            acc = is_max ? (v > acc ? v : acc) : acc + v;
                            count++;
                        }
                    if (!is_max)
                        acc /= (double)(include_pad ? padded : count ? count : 1);
                    y[bn * Y.sn + c * Y.sc + oh * Y.sh + ow * Y.sw] = apply_act(n, (float)acc);
                }
    return 0;
}

static void eval_gap(const rq_ir_graph *g, const rq_ir_node *n, const float *x, float *y)
{
    shape_t xs = shape_of(g, n->in[0]);
    layout4 X = layout_of(g, &xs);
    for (int64_t bn = 0; bn < X.n; bn++)
        for (int64_t c = 0; c < X.c; c++) {
            double acc = 0;
            for (int64_t h = 0; h < X.h; h++)
                for (int64_t w = 0; w < X.w; w++)
                    acc += x[bn * X.sn + c * X.sc + h * X.sh + w * X.sw];
            y[bn * X.c + c] = (float)(acc / (double)(X.h * X.w));
        }
}

static void eval_batchnorm(const rq_ir_graph *g, const rq_ir_node *n, const void *const *in,
                           float *y)
{
    shape_t xs = shape_of(g, n->in[0]);
    const float *x = in[0], *sc = in[1], *bi = in[2], *mu = in[3], *var = in[4];
    float eps = rq_ir_attr_float(n, "epsilon", 1e-5f);
    int ca = rq_ir_channel_axis(g, xs.rank);
    int64_t inner = 1, c = xs.d[ca], total = numel(&xs);
    for (int d = ca + 1; d < xs.rank; d++)
        inner *= xs.d[d];
    for (int64_t i = 0; i < total; i++) {
        int64_t k = (i / inner) % c;
        double a = (double)sc[k] / sqrt((double)var[k] + (double)eps);
        y[i] = apply_act(n, (float)(((double)x[i] - mu[k]) * a + bi[k]));
    }
}

/* ---- element-wise with numpy broadcasting ----------------------------------------- */

/* Strides of input t aligned to the output's rank (0 where it broadcasts). */
static void bcast_strides(const shape_t *in, const shape_t *o, int64_t *st)
{
    int64_t s = 1;
    for (int d = o->rank - 1; d >= 0; d--) {
        int di = d - (o->rank - in->rank);
        if (di < 0) {
            st[d] = 0;
            continue;
        }
        st[d] = in->d[di] == 1 ? 0 : s;
        s *= in->d[di];
    }
}

typedef double (*binop)(double, double);
static double op_add(double a, double b) { return a + b; }
static double op_sub(double a, double b) { return a - b; }
static double op_mul(double a, double b) { return a * b; }
static double op_div(double a, double b) { return a / b; }
static double op_prelu(double a, double s) { return a >= 0 ? a : a * s; }

static int eval_binary(const rq_ir_graph *g, const rq_ir_node *n, const void *const *in,
                       void *const *out, rq_error *err)
{
    shape_t a = shape_of(g, n->in[0]), b = shape_of(g, n->in[1]), o = shape_of(g, n->out[0]);
    binop f = n->op == RQ_IR_OP_ADD ? op_add : n->op == RQ_IR_OP_SUB ? op_sub
            : n->op == RQ_IR_OP_MUL ? op_mul : n->op == RQ_IR_OP_DIV ? op_div : op_prelu;
    rq_ir_dtype dt = g->tensors[n->out[0]].dtype;
    if (dt != RQ_IR_F32 && dt != RQ_IR_I64 && dt != RQ_IR_I32)
        return unsupported(g, n, err, "this element type");
    int64_t sa[RQ_IR_MAX_DIMS], sb[RQ_IR_MAX_DIMS], idx[RQ_IR_MAX_DIMS] = {0};
    bcast_strides(&a, &o, sa);
    bcast_strides(&b, &o, sb);
    int64_t total = numel(&o), ia = 0, ib = 0;
    for (int64_t i = 0; i < total; i++) {
        if (dt == RQ_IR_F32) {
            float r = (float)f(((const float *)in[0])[ia], ((const float *)in[1])[ib]);
            ((float *)out[0])[i] = apply_act(n, r);
        } else if (dt == RQ_IR_I64) {
            int64_t x = ((const int64_t *)in[0])[ia], y = ((const int64_t *)in[1])[ib];
            if (n->op == RQ_IR_OP_DIV && (y == 0 || (x == INT64_MIN && y == -1)))
                return unsupported(g, n, err, "an integer division by zero");
            ((int64_t *)out[0])[i] = n->op == RQ_IR_OP_ADD ? (int64_t)((uint64_t)x + (uint64_t)y)
                                   : n->op == RQ_IR_OP_SUB ? (int64_t)((uint64_t)x - (uint64_t)y)
                                   : n->op == RQ_IR_OP_MUL ? (int64_t)((uint64_t)x * (uint64_t)y)
                                   : x / y;
        } else {
            int32_t x = ((const int32_t *)in[0])[ia], y = ((const int32_t *)in[1])[ib];
            if (n->op == RQ_IR_OP_DIV && (y == 0 || (x == INT32_MIN && y == -1)))
                return unsupported(g, n, err, "an integer division by zero");
            ((int32_t *)out[0])[i] = n->op == RQ_IR_OP_ADD ? (int32_t)((uint32_t)x + (uint32_t)y)
                                   : n->op == RQ_IR_OP_SUB ? (int32_t)((uint32_t)x - (uint32_t)y)
                                   : n->op == RQ_IR_OP_MUL ? (int32_t)((uint32_t)x * (uint32_t)y)
                                   : x / y;
        }
        /* advance the multi-index (last axis fastest) */
        for (int d = o.rank - 1; d >= 0; d--) {
            ia += sa[d], ib += sb[d];
            if (++idx[d] < o.d[d])
                break;
            ia -= sa[d] * o.d[d], ib -= sb[d] * o.d[d];
            idx[d] = 0;
        }
    }
    return 0;
}

static int eval_unary(const rq_ir_graph *g, const rq_ir_node *n, const void *const *in,
                      float *y, rq_error *err)
{
    shape_t s = shape_of(g, n->in[0]);
    int64_t total = numel(&s);
    const float *x = in[0];
    float lo = -INFINITY, hi = INFINITY;
    if (n->op == RQ_IR_OP_CLIP) {
        if (rq_ir_float_arg(g, n, "min", 1, -INFINITY, &lo) < 0 ||
            rq_ir_float_arg(g, n, "max", 2, INFINITY, &hi) < 0) {
            if (n->n_in > 1 && in[1])
                lo = *(const float *)in[1];
            if (n->n_in > 2 && in[2])
                hi = *(const float *)in[2];
        }
    }
    float alpha = rq_ir_attr_float(n, "alpha", n->op == RQ_IR_OP_HARD_SIGMOID ? 0.2f : 0.01f);
    float beta = rq_ir_attr_float(n, "beta", 0.5f);
    for (int64_t i = 0; i < total; i++) {
        double v = x[i], r;
        switch (n->op) {
        case RQ_IR_OP_RELU: r = v > 0 ? v : 0; break;
        case RQ_IR_OP_CLIP: r = v < lo ? lo : v > hi ? hi : v; break;
        case RQ_IR_OP_LEAKY_RELU: r = v >= 0 ? v : v * alpha; break;
        case RQ_IR_OP_SIGMOID: r = 1.0 / (1.0 + exp(-v)); break;
        case RQ_IR_OP_TANH: r = tanh(v); break;
        case RQ_IR_OP_HARD_SIGMOID: {
            double t = (double)alpha * v + (double)beta;
            r = t < 0 ? 0 : t > 1 ? 1 : t;
            break;
        }
        case RQ_IR_OP_HARD_SWISH: {
            double t = v / 6.0 + 0.5;
            r = v * (t < 0 ? 0 : t > 1 ? 1 : t);
            break;
        }
        default: return unsupported(g, n, err, "this unary op");
        }
        y[i] = apply_act(n, (float)r);
    }
    return 0;
}

/* ---- reductions and matrix products ----------------------------------------------- */

static int eval_reduce_mean(const rq_ir_graph *g, const rq_ir_node *n, const float *x, float *y)
{
    shape_t s = shape_of(g, n->in[0]);
    int64_t axes[RQ_IR_MAX_DIMS * 2];
    int k = rq_ir_ints_arg(g, n, "axes", 1, axes, RQ_IR_MAX_DIMS * 2);
    char red[RQ_IR_MAX_DIMS] = {0};
    for (int i = 0; i < k; i++)
        red[axes[i] < 0 ? axes[i] + s.rank : axes[i]] = 1;
    if (k <= 0)
        memset(red, 1, sizeof red);
    /* output index = the input index with reduced axes dropped */
    int64_t ostride[RQ_IR_MAX_DIMS], os = 1, count = 1;
    for (int d = s.rank - 1; d >= 0; d--) {
        ostride[d] = red[d] ? 0 : os;
        if (red[d])
            count *= s.d[d];
        else
            os *= s.d[d];
    }
    double *acc = calloc((size_t)os, sizeof(double));
    if (!acc)
        return -1;
    int64_t idx[RQ_IR_MAX_DIMS] = {0}, total = numel(&s), o = 0;
    for (int64_t i = 0; i < total; i++) {
        acc[o] += x[i];
        for (int d = s.rank - 1; d >= 0; d--) {
            o += ostride[d];
            if (++idx[d] < s.d[d])
                break;
            o -= ostride[d] * s.d[d];
            idx[d] = 0;
        }
    }
    for (int64_t i = 0; i < os; i++)
        y[i] = (float)(acc[i] / (double)count);
    free(acc);
    return 0;
}

static void eval_gemm(const rq_ir_graph *g, const rq_ir_node *n, const void *const *in, float *y)
{
    shape_t as = shape_of(g, n->in[0]), os = shape_of(g, n->out[0]);
    int ta = (int)rq_ir_attr_int(n, "transA", 0), tb = (int)rq_ir_attr_int(n, "transB", 0);
    double alpha = rq_ir_attr_float(n, "alpha", 1.0f), beta = rq_ir_attr_float(n, "beta", 1.0f);
    const float *a = in[0], *b = in[1], *c = n->n_in > 2 ? in[2] : NULL;
    int64_t M = os.d[0], N = os.d[1], K = ta ? as.d[0] : as.d[1];
    shape_t cs = shape_of(g, n->n_in > 2 ? n->in[2] : -1);
    for (int64_t i = 0; i < M; i++)
        for (int64_t j = 0; j < N; j++) {
            double acc = 0;
            for (int64_t k = 0; k < K; k++)
                acc += (double)a[ta ? k * M + i : i * K + k] * (double)b[tb ? j * K + k : k * N + j];
            acc *= alpha;
            if (c) {
                int64_t ci = cs.rank == 2 ? (cs.d[0] == 1 ? 0 : i) * cs.d[1] + (cs.d[1] == 1 ? 0 : j)
                           : cs.rank == 1 ? (cs.d[0] == 1 ? 0 : j) : 0;
                acc += beta * c[ci];
            }
            y[i * N + j] = apply_act(n, (float)acc);
        }
}

static void eval_matmul(const rq_ir_graph *g, const rq_ir_node *n, const void *const *in, float *y)
{
    /* numpy matmul; batch dimensions broadcast when one side holds a single matrix */
    shape_t as = shape_of(g, n->in[0]), bs = shape_of(g, n->in[1]);
    int64_t K = bs.d[bs.rank - 2], N = bs.d[bs.rank - 1];
    int64_t M = bs.rank == 2 ? numel(&as) / K : as.d[as.rank - 2];
    int64_t na = numel(&as) / (M * K), nb = numel(&bs) / (K * N), batch = na > nb ? na : nb;
    for (int64_t p = 0; p < batch; p++) {
        const float *a = (const float *)in[0] + (na > 1 ? p * M * K : 0);
        const float *b = (const float *)in[1] + (nb > 1 ? p * K * N : 0);
        float *yp = y + p * M * N;
        for (int64_t i = 0; i < M; i++)
            for (int64_t j = 0; j < N; j++) {
                double acc = 0;
                for (int64_t k = 0; k < K; k++)
                    acc += (double)a[i * K + k] * (double)b[k * N + j];
                yp[i * N + j] = apply_act(n, (float)acc);
            }
    }
}

static int eval_softmax(const rq_ir_graph *g, const rq_ir_node *n, const float *x, float *y)
{
    shape_t s = shape_of(g, n->in[0]);
    int64_t axis = rq_ir_attr_int(n, "axis", g->opset >= 13 ? -1 : 1);
    axis = axis < 0 ? axis + s.rank : axis;
    /* opset < 13: the input is seen as 2-D [outer, everything from axis on] */
    int64_t outer = 1, len = 1, inner = 1;
    for (int d = 0; d < axis; d++)
        outer *= s.d[d];
    if (g->opset >= 13) {
        len = s.d[axis];
        for (int d = (int)axis + 1; d < s.rank; d++)
            inner *= s.d[d];
    } else {
        for (int d = (int)axis; d < s.rank; d++)
            len *= s.d[d];
    }
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const float *xp = x + o * len * inner + i;
            float *yp = y + o * len * inner + i;
            double mx = -INFINITY, sum = 0;
            for (int64_t k = 0; k < len; k++)
                mx = xp[k * inner] > mx ? xp[k * inner] : mx;
            for (int64_t k = 0; k < len; k++)
                sum += exp((double)xp[k * inner] - mx);
            for (int64_t k = 0; k < len; k++)
                yp[k * inner] = (float)(exp((double)xp[k * inner] - mx) / sum);
        }
    return 0;
}

/* ---- data movement (any element type) --------------------------------------------- */

static size_t esize(const rq_ir_graph *g, int t)
{
    return rq_ir_dtype_size(g->tensors[t].dtype);
}

static void eval_concat(const rq_ir_graph *g, const rq_ir_node *n, const void *const *in, void *out)
{
    shape_t o = shape_of(g, n->out[0]);
    int64_t axis = rq_ir_attr_int(n, "axis", 0);
    axis = axis < 0 ? axis + o.rank : axis;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++)
        outer *= o.d[d];
    for (int d = (int)axis + 1; d < o.rank; d++)
        inner *= o.d[d];
    size_t es = esize(g, n->out[0]);
    char *y = out;
    for (int64_t ob = 0; ob < outer; ob++)
        for (int k = 0; k < n->n_in; k++) {
            int64_t len = g->tensors[n->in[k]].shape[axis] * inner;
            memcpy(y, (const char *)in[k] + (size_t)(ob * len) * es, (size_t)len * es);
            y += (size_t)len * es;
        }
}

static void eval_transpose(const rq_ir_graph *g, const rq_ir_node *n, const void *x, void *y)
{
    shape_t s = shape_of(g, n->in[0]), o = shape_of(g, n->out[0]);
    int64_t perm[RQ_IR_MAX_DIMS];
    if (rq_ir_attr_ints(n, "perm", perm, RQ_IR_MAX_DIMS) != s.rank)
        for (int d = 0; d < s.rank; d++)
            perm[d] = s.rank - 1 - d;
    int64_t istr[RQ_IR_MAX_DIMS], st = 1, idx[RQ_IR_MAX_DIMS] = {0}, src = 0;
    for (int d = s.rank - 1; d >= 0; d--)
        istr[d] = st, st *= s.d[d];
    size_t es = esize(g, n->in[0]);
    int64_t total = numel(&o);
    for (int64_t i = 0; i < total; i++) {
        memcpy((char *)y + (size_t)i * es, (const char *)x + (size_t)src * es, es);
        for (int d = o.rank - 1; d >= 0; d--) {
            src += istr[perm[d]];
            if (++idx[d] < o.d[d])
                break;
            src -= istr[perm[d]] * o.d[d];
            idx[d] = 0;
        }
    }
}

static int eval_gather(const rq_ir_graph *g, const rq_ir_node *n, const void *const *in,
                       void *out, rq_error *err)
{
    shape_t s = shape_of(g, n->in[0]), is = shape_of(g, n->in[1]);
    int64_t axis = rq_ir_attr_int(n, "axis", 0);
    axis = axis < 0 ? axis + s.rank : axis;
    int64_t outer = 1, inner = 1, ni = numel(&is), dim = s.d[axis];
    for (int d = 0; d < axis; d++)
        outer *= s.d[d];
    for (int d = (int)axis + 1; d < s.rank; d++)
        inner *= s.d[d];
    size_t es = esize(g, n->in[0]);
    int i64 = g->tensors[n->in[1]].dtype == RQ_IR_I64;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t k = 0; k < ni; k++) {
            int64_t ix = i64 ? ((const int64_t *)in[1])[k] : ((const int32_t *)in[1])[k];
            ix = ix < 0 ? ix + dim : ix;
            if (ix < 0 || ix >= dim)
                return unsupported(g, n, err, "an index out of range");
            memcpy((char *)out + (size_t)((o * ni + k) * inner) * es,
                   (const char *)in[0] + (size_t)((o * dim + ix) * inner) * es, (size_t)inner * es);
        }
    return 0;
}

static int eval_slice(const rq_ir_graph *g, const rq_ir_node *n, const void *x, void *y,
                      rq_error *err)
{
    shape_t s = shape_of(g, n->in[0]), o = shape_of(g, n->out[0]);
    int64_t st[RQ_IR_MAX_DIMS], en[RQ_IR_MAX_DIMS], ax[RQ_IR_MAX_DIMS], sp[RQ_IR_MAX_DIMS];
    int64_t begin[RQ_IR_MAX_DIMS] = {0}, step[RQ_IR_MAX_DIMS];
    int k = rq_ir_ints_arg(g, n, NULL, 1, st, RQ_IR_MAX_DIMS);
    rq_ir_ints_arg(g, n, NULL, 2, en, RQ_IR_MAX_DIMS);
    int ka = rq_ir_ints_arg(g, n, NULL, 3, ax, RQ_IR_MAX_DIMS);
    int ks = rq_ir_ints_arg(g, n, NULL, 4, sp, RQ_IR_MAX_DIMS);
    if (k < 0)
        return unsupported(g, n, err, "run-time slice bounds");
    for (int d = 0; d < s.rank; d++)
        step[d] = 1;
    for (int i = 0; i < k; i++) {
        int64_t a = ka >= 0 ? ax[i] : i, cnt;
        a = a < 0 ? a + s.rank : a;
        step[a] = ks >= 0 ? sp[i] : 1;
        rq_ir_slice_axis(s.d[a], st[i], en[i], step[a], &begin[a], &cnt);
    }
    int64_t istr[RQ_IR_MAX_DIMS], sz = 1, idx[RQ_IR_MAX_DIMS] = {0}, src = 0;
    for (int d = s.rank - 1; d >= 0; d--)
        istr[d] = sz, sz *= s.d[d];
    for (int d = 0; d < s.rank; d++)
        src += begin[d] * istr[d];
    size_t es = esize(g, n->in[0]);
    int64_t total = numel(&o);
    for (int64_t i = 0; i < total; i++) {
        memcpy((char *)y + (size_t)i * es, (const char *)x + (size_t)src * es, es);
        for (int d = o.rank - 1; d >= 0; d--) {
            src += istr[d] * step[d];
            if (++idx[d] < o.d[d])
                break;
            src -= istr[d] * step[d] * o.d[d];
            idx[d] = 0;
        }
    }
    return 0;
}

static int eval_pad(const rq_ir_graph *g, const rq_ir_node *n, const void *const *in, float *y,
                    rq_error *err)
{
    shape_t s = shape_of(g, n->in[0]), o = shape_of(g, n->out[0]);
    const rq_ir_attr *mode = rq_ir_attr_get(n, "mode");
    if (mode && mode->kind == RQ_IR_ATTR_STRING && strcmp(mode->s, "constant"))
        return unsupported(g, n, err, "pad modes other than constant");
    int64_t p[2 * RQ_IR_MAX_DIMS];
    if (rq_ir_ints_arg(g, n, "pads", 1, p, 2 * RQ_IR_MAX_DIMS) != 2 * s.rank)
        return unsupported(g, n, err, "run-time pads");
    float value = rq_ir_attr_float(n, "value", 0.0f);
    if (n->n_in > 2 && in[2])
        value = *(const float *)in[2];
    int64_t total = numel(&o), idx[RQ_IR_MAX_DIMS] = {0};
    for (int64_t i = 0; i < total; i++) {
        int64_t src = 0, inside = 1;
        for (int d = 0; d < s.rank; d++) {
            int64_t v = idx[d] - p[d];
            inside &= v >= 0 && v < s.d[d];
            src = src * s.d[d] + v;
        }
        y[i] = inside ? ((const float *)in[0])[src] : value;
        for (int d = o.rank - 1; d >= 0; d--) {
            if (++idx[d] < o.d[d])
                break;
            idx[d] = 0;
        }
    }
    return 0;
}

/* Source coordinate of output index i along an axis (ONNX Resize's transformations). */
static double resize_coord(const char *mode, int64_t i, int64_t in, int64_t out, double scale)
{
    if (!strcmp(mode, "align_corners"))
        return out > 1 ? (double)i * (double)(in - 1) / (double)(out - 1) : 0.0;
    if (!strcmp(mode, "asymmetric"))
        return (double)i / scale;
    if (!strcmp(mode, "pytorch_half_pixel"))
        return out > 1 ? ((double)i + 0.5) / scale - 0.5 : 0.0;
    return ((double)i + 0.5) / scale - 0.5; /* half_pixel */
}

static int eval_resize(const rq_ir_graph *g, const rq_ir_node *n, const void *const *in, float *y,
                       rq_error *err)
{
    shape_t s = shape_of(g, n->in[0]), o = shape_of(g, n->out[0]);
    const rq_ir_attr *am = rq_ir_attr_get(n, "mode"), *ac = rq_ir_attr_get(n, "coordinate_transformation_mode");
    const rq_ir_attr *an = rq_ir_attr_get(n, "nearest_mode");
    const char *mode = am && am->kind == RQ_IR_ATTR_STRING ? am->s : "nearest";
    const char *ctm = ac && ac->kind == RQ_IR_ATTR_STRING ? ac->s : "half_pixel";
    const char *nm = an && an->kind == RQ_IR_ATTR_STRING ? an->s : "round_prefer_floor";
    int linear = !strcmp(mode, "linear");
    if (!linear && strcmp(mode, "nearest"))
        return unsupported(g, n, err, "this resize mode");
    const float *sc = n->n_in > 2 && n->in[2] >= 0 && rq_ir_numel(&g->tensors[n->in[2]]) == s.rank
                          ? in[2] : NULL;
    double scale[RQ_IR_MAX_DIMS];
    int resized[2], nr = 0;
    for (int d = 0; d < s.rank; d++) {
        scale[d] = sc ? (double)sc[d] : (double)o.d[d] / (double)s.d[d];
        if (o.d[d] != s.d[d] || scale[d] != 1.0) {
            if (nr == 2)
                return unsupported(g, n, err, "resizing more than two axes");
            resized[nr++] = d;
        }
    }
    int64_t istr[RQ_IR_MAX_DIMS], st = 1, total = numel(&o), idx[RQ_IR_MAX_DIMS] = {0};
    for (int d = s.rank - 1; d >= 0; d--)
        istr[d] = st, st *= s.d[d];
    const float *x = in[0];
    for (int64_t i = 0; i < total; i++) {
        int64_t base = 0;
        for (int d = 0; d < s.rank; d++)
            base += (o.d[d] == s.d[d] && scale[d] == 1.0 ? idx[d] : 0) * istr[d];
        int64_t lo[2] = {0, 0}, hi[2] = {0, 0};
        double fr[2] = {0, 0};
        for (int r = 0; r < nr; r++) {
            int d = resized[r];
            double c = resize_coord(ctm, idx[d], s.d[d], o.d[d], scale[d]);
            if (linear) {
                c = c < 0 ? 0 : c;
                int64_t l = (int64_t)floor(c);
                l = l > s.d[d] - 1 ? s.d[d] - 1 : l;
                lo[r] = l, hi[r] = l + 1 < s.d[d] ? l + 1 : l;
                fr[r] = c - (double)l;
            } else {
                int64_t v = !strcmp(nm, "floor") ? (int64_t)floor(c)
                          : !strcmp(nm, "ceil") ? (int64_t)ceil(c)
                          : !strcmp(nm, "round_prefer_ceil") ? (int64_t)floor(c + 0.5)
                                                             : (int64_t)ceil(c - 0.5);
                v = v < 0 ? 0 : v >= s.d[d] ? s.d[d] - 1 : v;
                lo[r] = hi[r] = v;
            }
        }
        double acc = 0;
        for (int corner = 0; corner < (1 << nr); corner++) {
            double wgt = 1;
            int64_t off = base;
            for (int r = 0; r < nr; r++) {
                int up = corner >> r & 1;
                wgt *= linear ? (up ? fr[r] : 1 - fr[r]) : (up ? 0 : 1);
                off += (up ? hi[r] : lo[r]) * istr[resized[r]];
            }
            if (wgt != 0)
                acc += wgt * x[off];
        }
        y[i] = (float)acc;
        for (int d = o.rank - 1; d >= 0; d--) {
            if (++idx[d] < o.d[d])
                break;
            idx[d] = 0;
        }
    }
    return 0;
}

static int eval_cast(const rq_ir_graph *g, const rq_ir_node *n, const void *x, void *y)
{
    shape_t s = shape_of(g, n->in[0]);
    rq_ir_dtype from = g->tensors[n->in[0]].dtype, to = g->tensors[n->out[0]].dtype;
    for (int64_t i = 0; i < numel(&s); i++) {
        double v;
        switch (from) {
        case RQ_IR_F32: v = ((const float *)x)[i]; break;
        case RQ_IR_I64: v = (double)((const int64_t *)x)[i]; break;
        case RQ_IR_I32: v = ((const int32_t *)x)[i]; break;
        case RQ_IR_I8: v = ((const int8_t *)x)[i]; break;
        default: v = ((const uint8_t *)x)[i]; break;
        }
        switch (to) {
        case RQ_IR_F32: ((float *)y)[i] = (float)v; break;
        case RQ_IR_I64: ((int64_t *)y)[i] = v >= 9.2e18 ? INT64_MAX : v <= -9.2e18 ? INT64_MIN : (int64_t)v; break;
        case RQ_IR_I32: ((int32_t *)y)[i] = v >= 2147483647.0 ? INT32_MAX : v <= -2147483648.0 ? INT32_MIN : (int32_t)v; break;
        case RQ_IR_BOOL: ((uint8_t *)y)[i] = v != 0; break;
        default: ((uint8_t *)y)[i] = (uint8_t)(v < -128 ? -128 : v > 255 ? 255 : (int)v); break;
        }
    }
    return 0;
}

static void eval_expand(const rq_ir_graph *g, const rq_ir_node *n, const void *x, void *y)
{
    shape_t s = shape_of(g, n->in[0]), o = shape_of(g, n->out[0]);
    int64_t st[RQ_IR_MAX_DIMS], idx[RQ_IR_MAX_DIMS] = {0}, src = 0;
    bcast_strides(&s, &o, st);
    size_t es = esize(g, n->in[0]);
    for (int64_t i = 0; i < numel(&o); i++) {
        memcpy((char *)y + (size_t)i * es, (const char *)x + (size_t)src * es, es);
        for (int d = o.rank - 1; d >= 0; d--) {
            src += st[d];
            if (++idx[d] < o.d[d])
                break;
            src -= st[d] * o.d[d];
            idx[d] = 0;
        }
    }
}

static int eval_constant_of_shape(const rq_ir_graph *g, const rq_ir_node *n, void *y)
{
    shape_t o = shape_of(g, n->out[0]);
    const rq_ir_attr *a = rq_ir_attr_get(n, "value");
    size_t es = esize(g, n->out[0]);
    char zero[8] = {0};
    const void *v = a && a->kind == RQ_IR_ATTR_TENSOR && a->tensor >= 0 ? g->tensors[a->tensor].data : zero;
    for (int64_t i = 0; i < numel(&o); i++)
        memcpy((char *)y + (size_t)i * es, v, es);
    return 0;
}

int rq_ir_eval_node(const rq_ir_graph *g, const rq_ir_node *n, const void *const *in,
                    void *const *out, rq_error *err)
{
    return rq_ir_eval_node_at(g, n, in, out, rq_simd_level(), err);
}

static int eval_node(const rq_ir_graph *g, const rq_ir_node *n, const void *const *in,
                     void *const *out, rq_simd level, rq_conv_lanes_pack *pack, rq_error *err);

int rq_ir_eval_node_at(const rq_ir_graph *g, const rq_ir_node *n, const void *const *in,
                       void *const *out, rq_simd level, rq_error *err)
{
    return eval_node(g, n, in, out, level, NULL, err);
}

static int eval_node(const rq_ir_graph *g, const rq_ir_node *n, const void *const *in,
                     void *const *out, rq_simd level, rq_conv_lanes_pack *pack, rq_error *err)
{
    for (int k = 0; k < n->n_out; k++)
        if (n->out[k] >= 0 && g->tensors[n->out[k]].rank < 0)
            return rq_fail(err, "%s: node '%s' (%s): output shape unknown", g->source, n->name,
                           n->op_type);
    shape_t xs = shape_of(g, n->n_in ? n->in[0] : -1);
    int is_f32 = n->n_in && n->in[0] >= 0 && g->tensors[n->in[0]].dtype == RQ_IR_F32;
    switch (n->op) {
    case RQ_IR_OP_CONV:
        return eval_conv(g, n, in, out, level, pack, err);
    case RQ_IR_OP_MAX_POOL: case RQ_IR_OP_AVG_POOL:
        return eval_pool(g, n, in, out, level, err);
    case RQ_IR_OP_GLOBAL_AVG_POOL:
        if (xs.rank != 4 && xs.rank != 3)
            return unsupported(g, n, err, "this rank");
        eval_gap(g, n, in[0], out[0]);
        return 0;
    case RQ_IR_OP_BATCHNORM:
        if (n->n_in < 5)
            return unsupported(g, n, err, "fewer than 5 inputs");
        eval_batchnorm(g, n, in, out[0]);
        return 0;
    case RQ_IR_OP_ADD: case RQ_IR_OP_SUB: case RQ_IR_OP_MUL: case RQ_IR_OP_DIV:
    case RQ_IR_OP_PRELU:
        return eval_binary(g, n, in, out, err);
    case RQ_IR_OP_RELU: case RQ_IR_OP_CLIP: case RQ_IR_OP_LEAKY_RELU: case RQ_IR_OP_SIGMOID:
    case RQ_IR_OP_TANH: case RQ_IR_OP_HARD_SIGMOID: case RQ_IR_OP_HARD_SWISH:
        if (!is_f32)
            return unsupported(g, n, err, "non-float inputs");
        return eval_unary(g, n, in, out[0], err);
    case RQ_IR_OP_REDUCE_MEAN:
        if (!is_f32)
            return unsupported(g, n, err, "non-float inputs");
        return eval_reduce_mean(g, n, in[0], out[0]) < 0 ? rq_fail(err, "out of memory") : 0;
    case RQ_IR_OP_GEMM:
        eval_gemm(g, n, in, out[0]);
        return 0;
    case RQ_IR_OP_MATMUL:
        eval_matmul(g, n, in, out[0]);
        return 0;
    case RQ_IR_OP_SOFTMAX:
        return eval_softmax(g, n, in[0], out[0]);
    case RQ_IR_OP_FLATTEN: case RQ_IR_OP_RESHAPE: case RQ_IR_OP_SQUEEZE: case RQ_IR_OP_UNSQUEEZE:
    case RQ_IR_OP_IDENTITY: case RQ_IR_OP_DROPOUT:
        memcpy(out[0], in[0], (size_t)numel(&xs) * esize(g, n->in[0]));
        return 0;
    case RQ_IR_OP_CONCAT:
        eval_concat(g, n, in, out[0]);
        return 0;
    case RQ_IR_OP_TRANSPOSE:
        eval_transpose(g, n, in[0], out[0]);
        return 0;
    case RQ_IR_OP_GATHER:
        return eval_gather(g, n, in, out[0], err);
    case RQ_IR_OP_SLICE:
        return eval_slice(g, n, in[0], out[0], err);
    case RQ_IR_OP_PAD:
        if (!is_f32)
            return unsupported(g, n, err, "non-float inputs");
        return eval_pad(g, n, in, out[0], err);
    case RQ_IR_OP_RESIZE:
        if (!is_f32)
            return unsupported(g, n, err, "non-float inputs");
        return eval_resize(g, n, in, out[0], err);
    case RQ_IR_OP_SHAPE:
        for (int d = 0; d < xs.rank; d++)
            ((int64_t *)out[0])[d] = xs.d[d];
        return 0;
    case RQ_IR_OP_CAST:
        return eval_cast(g, n, in[0], out[0]);
    case RQ_IR_OP_EXPAND:
        eval_expand(g, n, in[0], out[0]);
        return 0;
    case RQ_IR_OP_CONSTANT_OF_SHAPE:
        return eval_constant_of_shape(g, n, out[0]);
    default:
        return unsupported(g, n, err, "this operator");
    }
}

/* ---- whole-graph runs -------------------------------------------------------------- */

struct rq_ir_exec {
    const rq_ir_graph *g;
    rq_simd level; /* the kernels' instruction set (same bits at every level) */
    rq_conv_lanes_pack *packs; /* per node: a convolution's constant weights packed once */
    void **buf; /* per tensor: owned buffer, or NULL for constants (read their data) */
};

int rq_ir_exec_new(const rq_ir_graph *g, rq_ir_exec **out, rq_error *err)
{
    rq_ir_exec *e = calloc(1, sizeof *e);
    *out = NULL;
    if (!e || !(e->buf = calloc((size_t)g->n_tensors + 1, sizeof(void *))) ||
        !(e->packs = calloc((size_t)g->n_nodes + 1, sizeof(rq_conv_lanes_pack)))) {
        if (e)
            free(e->buf);
        free(e);
        return rq_fail(err, "%s: out of memory", g->source);
    }
    e->g = g;
    e->level = rq_simd_level();
    for (int t = 0; t < g->n_tensors; t++) {
        const rq_ir_tensor *x = &g->tensors[t];
        if (x->data)
            continue;
        int64_t n = rq_ir_numel(x);
        if (n < 0) {
            int used = x->producer >= 0;
            for (int i = 0; i < g->n_inputs; i++)
                used |= g->inputs[i] == t;
            if (!used)
                continue;
            rq_ir_exec_free(e);
            return rq_fail(err, "%s: tensor '%s' has no known shape", g->source, x->name);
        }
        e->buf[t] = calloc((size_t)(n ? n : 1), rq_ir_dtype_size(x->dtype) ? rq_ir_dtype_size(x->dtype) : 4);
        if (!e->buf[t]) {
            rq_ir_exec_free(e);
            return rq_fail(err, "%s: out of memory", g->source);
        }
    }
    *out = e;
    return 0;
}

void rq_ir_exec_free(rq_ir_exec *e)
{
    if (!e)
        return;
    for (int t = 0; t < e->g->n_tensors; t++)
        free(e->buf[t]);
    for (int i = 0; e->packs && i < e->g->n_nodes; i++)
        rq_conv_lanes_pack_free(&e->packs[i]);
    free(e->packs);
    free(e->buf);
    free(e);
}

void rq_ir_exec_set_simd(rq_ir_exec *e, rq_simd level)
{
    e->level = level;
}

float *rq_ir_exec_input(rq_ir_exec *e, int i)
{
    return e->buf[e->g->inputs[i]];
}

const void *rq_ir_exec_tensor(const rq_ir_exec *e, int t)
{
    return e->g->tensors[t].data ? e->g->tensors[t].data : e->buf[t];
}

int rq_ir_exec_run(rq_ir_exec *e, rq_error *err)
{
    const rq_ir_graph *g = e->g;
    for (int i = 0; i < g->n_nodes; i++) {
        const rq_ir_node *n = &g->nodes[i];
        const void *in[64];
        void *out[8];
        if (n->n_in > 64 || n->n_out > 8)
            return rq_fail(err, "%s: node '%s' has too many inputs or outputs", g->source, n->name);
        for (int k = 0; k < n->n_in; k++)
            in[k] = n->in[k] >= 0 ? rq_ir_exec_tensor(e, n->in[k]) : NULL;
        for (int k = 0; k < n->n_out; k++)
            out[k] = n->out[k] >= 0 ? e->buf[n->out[k]] : NULL;
        /* a convolution's weights are packed once when they are constants */
        int packable = n->op == RQ_IR_OP_CONV && n->n_in >= 2 && rq_ir_is_const(g, n->in[1]) &&
                       (n->n_in < 3 || n->in[2] < 0 || rq_ir_is_const(g, n->in[2]));
        if (eval_node(g, n, in, out, e->level, packable ? &e->packs[i] : NULL, err) < 0)
            return -1;
    }
    return 0;
}
