/* Shape inference: one rule per operator (ONNX semantics, in the graph's layout). */
#include "ir/ir.h"

#include <string.h>

#define MAXL 4096 /* longest integer list an operator argument may have */

static int fail_node(const rq_ir_graph *g, const rq_ir_node *n, rq_error *err, const char *what)
{
    return rq_fail(err, "%s: node '%s' (%s): %s", g->source, n->name, n->op_type, what);
}

int rq_ir_channel_axis(const rq_ir_graph *g, int rank)
{
    return g->layout == RQ_IR_NHWC && rank >= 3 ? rank - 1 : 1;
}

int rq_ir_spatial_axis(const rq_ir_graph *g, int rank)
{
    (void)rank;
    return g->layout == RQ_IR_NHWC ? 1 : 2;
}

static const rq_ir_tensor *in_t(const rq_ir_graph *g, const rq_ir_node *n, int k)
{
    return k < n->n_in && n->in[k] >= 0 ? &g->tensors[n->in[k]] : NULL;
}

int rq_ir_window_of(const rq_ir_graph *g, const rq_ir_node *n, rq_ir_window *w, rq_error *err)
{
    memset(w, 0, sizeof *w);
    const rq_ir_tensor *x = in_t(g, n, 0);
    if (!x || x->rank < 3)
        return fail_node(g, n, err, "needs an input of rank 3 or more");
    int ns = x->rank - 2, sp = rq_ir_spatial_axis(g, x->rank), ca = rq_ir_channel_axis(g, x->rank);
    w->n_spatial = ns;
    w->channels_in = x->shape[ca];
    w->group = 1;
    int64_t k[RQ_IR_MAX_DIMS];
    int nk = rq_ir_attr_ints(n, "kernel_shape", k, RQ_IR_MAX_DIMS);
    if (n->op == RQ_IR_OP_CONV) {
        const rq_ir_tensor *wt = in_t(g, n, 1);
        if (!wt || wt->rank != x->rank)
            return fail_node(g, n, err, "weights must have the input's rank");
        int wsp = g->layout == RQ_IR_NHWC ? 1 : 2;
        for (int i = 0; i < ns; i++)
            k[i] = wt->shape[wsp + i];
        nk = ns;
        w->channels_out = wt->shape[0];
        w->group = rq_ir_attr_int(n, "group", 1);
        int64_t cin_g = g->layout == RQ_IR_NHWC ? wt->shape[wt->rank - 1] : wt->shape[1];
        if (w->group < 1 || w->channels_in % w->group || w->channels_out % w->group ||
            cin_g * w->group != w->channels_in)
            return fail_node(g, n, err, "group does not divide the channels as the weights say");
    } else {
        w->channels_out = w->channels_in;
    }
    if (nk != ns)
        return fail_node(g, n, err, "kernel_shape does not match the spatial rank");
    int64_t v[2 * RQ_IR_MAX_DIMS];
    for (int i = 0; i < ns; i++) {
        w->in[i] = x->shape[sp + i];
        w->kernel[i] = k[i];
        w->stride[i] = w->dilation[i] = 1;
    }
    if (rq_ir_attr_ints(n, "strides", v, RQ_IR_MAX_DIMS) == ns)
        for (int i = 0; i < ns; i++)
            w->stride[i] = v[i];
    if (rq_ir_attr_ints(n, "dilations", v, RQ_IR_MAX_DIMS) == ns)
        for (int i = 0; i < ns; i++)
            w->dilation[i] = v[i];
    int np = rq_ir_attr_ints(n, "pads", v, 2 * RQ_IR_MAX_DIMS);
    if (np >= 0 && np != 2 * ns)
        return fail_node(g, n, err, "pads has the wrong length");
    for (int i = 0; i < ns && np == 2 * ns; i++)
        w->pad_begin[i] = v[i], w->pad_end[i] = v[ns + i];
    const rq_ir_attr *ap = rq_ir_attr_get(n, "auto_pad");
    const char *auto_pad = ap && ap->kind == RQ_IR_ATTR_STRING ? ap->s : "NOTSET";
    int ceil_mode = (int)rq_ir_attr_int(n, "ceil_mode", 0);
    for (int i = 0; i < ns; i++) {
        if (w->kernel[i] < 1 || w->kernel[i] > 4096 || w->stride[i] < 1 || w->stride[i] > 4096 ||
            w->dilation[i] < 1 || w->dilation[i] > 4096 || w->pad_begin[i] < 0 ||
            w->pad_end[i] < 0 || w->pad_begin[i] > 4096 || w->pad_end[i] > 4096)
            return fail_node(g, n, err, "kernel, stride, dilation or pads out of range");
        int64_t span = w->dilation[i] * (w->kernel[i] - 1) + 1;
        if (!strcmp(auto_pad, "SAME_UPPER") || !strcmp(auto_pad, "SAME_LOWER")) {
            w->out[i] = (w->in[i] + w->stride[i] - 1) / w->stride[i];
            int64_t total = (w->out[i] - 1) * w->stride[i] + span - w->in[i];
            total = total > 0 ? total : 0;
            int upper = !strcmp(auto_pad, "SAME_UPPER");
            w->pad_begin[i] = upper ? total / 2 : total - total / 2;
            w->pad_end[i] = total - w->pad_begin[i];
            continue;
        }
        if (!strcmp(auto_pad, "VALID"))
            w->pad_begin[i] = w->pad_end[i] = 0;
        int64_t room = w->in[i] + w->pad_begin[i] + w->pad_end[i] - span;
        if (room < 0)
            return fail_node(g, n, err, "the window is larger than the padded input");
        w->out[i] = (ceil_mode ? (room + w->stride[i] - 1) / w->stride[i] : room / w->stride[i]) + 1;
        /* ceil_mode: the last window must start inside the input or the begin padding */
        if (ceil_mode && (w->out[i] - 1) * w->stride[i] >= w->in[i] + w->pad_begin[i])
            w->out[i]--;
    }
    return 0;
}

static int set_out(rq_ir_graph *g, const rq_ir_node *n, int k, rq_ir_dtype dt, int rank,
                   const int64_t *shape, rq_error *err)
{
    if (k >= n->n_out || n->out[k] < 0)
        return 0;
    rq_ir_tensor *t = &g->tensors[n->out[k]];
    if (t->data) /* folded already */
        return 0;
    t->dtype = dt;
    return rq_ir_set_shape(g, n->out[k], rank, shape, err);
}

static int same_as_input(rq_ir_graph *g, const rq_ir_node *n, rq_error *err)
{
    const rq_ir_tensor *x = in_t(g, n, 0);
    return set_out(g, n, 0, x->dtype, x->rank, x->shape, err);
}

static int broadcast(rq_ir_graph *g, const rq_ir_node *n, rq_error *err)
{
    int64_t s[RQ_IR_MAX_DIMS];
    int rank = 0;
    for (int k = 0; k < n->n_in; k++) {
        const rq_ir_tensor *t = in_t(g, n, k);
        if (t && t->rank > rank)
            rank = t->rank;
    }
    for (int d = 0; d < rank; d++)
        s[d] = 1;
    for (int k = 0; k < n->n_in; k++) {
        const rq_ir_tensor *t = in_t(g, n, k);
        if (!t)
            continue;
        for (int d = 0; d < t->rank; d++) {
            int64_t v = t->shape[d];
            int64_t *o = &s[rank - t->rank + d];
            if (v != 1 && *o != 1 && v != *o)
                return fail_node(g, n, err, "input shapes do not broadcast");
            if (v != 1)
                *o = v;
        }
    }
    return set_out(g, n, 0, in_t(g, n, 0)->dtype, rank, s, err);
}

static int norm_axis(int64_t a, int rank, int64_t *out)
{
    if (a < -rank || a >= rank)
        return -1;
    *out = a < 0 ? a + rank : a;
    return 0;
}

static int infer_window(rq_ir_graph *g, const rq_ir_node *n, rq_error *err)
{
    rq_ir_window w;
    if (rq_ir_window_of(g, n, &w, err) < 0)
        return -1;
    const rq_ir_tensor *x = in_t(g, n, 0);
    int64_t s[RQ_IR_MAX_DIMS];
    int sp = rq_ir_spatial_axis(g, x->rank);
    memcpy(s, x->shape, sizeof s);
    s[rq_ir_channel_axis(g, x->rank)] = w.channels_out;
    for (int i = 0; i < w.n_spatial; i++)
        s[sp + i] = w.out[i];
    return set_out(g, n, 0, x->dtype, x->rank, s, err);
}

static int infer_gemm(rq_ir_graph *g, const rq_ir_node *n, rq_error *err)
{
    const rq_ir_tensor *a = in_t(g, n, 0), *b = in_t(g, n, 1);
    if (!b || a->rank != 2 || b->rank != 2)
        return fail_node(g, n, err, "Gemm needs two rank-2 inputs");
    int ta = (int)rq_ir_attr_int(n, "transA", 0), tb = (int)rq_ir_attr_int(n, "transB", 0);
    int64_t m = a->shape[ta ? 1 : 0], ka = a->shape[ta ? 0 : 1];
    int64_t kb = b->shape[tb ? 1 : 0], nn = b->shape[tb ? 0 : 1];
    if (ka != kb)
        return fail_node(g, n, err, "inner dimensions differ");
    int64_t s[2] = {m, nn};
    return set_out(g, n, 0, a->dtype, 2, s, err);
}

static int infer_matmul(rq_ir_graph *g, const rq_ir_node *n, rq_error *err)
{
    /* numpy matmul on matrices (rank >= 2); leading (batch) dimensions broadcast */
    const rq_ir_tensor *a = in_t(g, n, 0), *b = in_t(g, n, 1);
    if (!b || a->rank < 2 || b->rank < 2)
        return fail_node(g, n, err, "MatMul needs two inputs of rank >= 2");
    if (a->shape[a->rank - 1] != b->shape[b->rank - 2])
        return fail_node(g, n, err, "inner dimensions differ");
    int rank = a->rank > b->rank ? a->rank : b->rank;
    int64_t s[RQ_IR_MAX_DIMS];
    for (int d = 0; d < rank - 2; d++) {
        int da = d - (rank - a->rank), db = d - (rank - b->rank);
        int64_t x = da >= 0 ? a->shape[da] : 1, y = db >= 0 ? b->shape[db] : 1;
        if (x != y && x != 1 && y != 1)
            return fail_node(g, n, err, "batch dimensions do not broadcast");
        s[d] = x == 1 ? y : x;
    }
    s[rank - 2] = a->shape[a->rank - 2];
    s[rank - 1] = b->shape[b->rank - 1];
    return set_out(g, n, 0, a->dtype, rank, s, err);
}

static int infer_reshape(rq_ir_graph *g, const rq_ir_node *n, rq_error *err)
{
    const rq_ir_tensor *x = in_t(g, n, 0);
    int64_t v[MAXL], s[RQ_IR_MAX_DIMS];
    int k = rq_ir_ints_arg(g, n, NULL, 1, v, MAXL);
    if (k == -2)
        return 0; /* shape computed at run time: unknown until folded */
    if (k < 0 || k > RQ_IR_MAX_DIMS)
        return fail_node(g, n, err, "needs a constant shape of rank <= 6");
    int64_t total = rq_ir_numel(x), known = 1;
    int infer = -1;
    for (int i = 0; i < k; i++) {
        s[i] = v[i] == 0 && !rq_ir_attr_int(n, "allowzero", 0) && i < x->rank ? x->shape[i] : v[i];
        if (s[i] == -1) {
            if (infer >= 0)
                return fail_node(g, n, err, "shape has two -1");
            infer = i;
        } else if (s[i] < 0) {
            return fail_node(g, n, err, "shape has a negative dimension");
        } else {
            if (s[i] > 0 && known > RQ_IR_MAX_ELEMS / s[i])
                return fail_node(g, n, err, "shape too large");
            known *= s[i];
        }
    }
    if (infer >= 0) {
        if (known == 0 || total % known)
            return fail_node(g, n, err, "shape does not divide the element count");
        s[infer] = total / known;
    } else if (known != total) {
        return fail_node(g, n, err, "shape has a different element count");
    }
    return set_out(g, n, 0, x->dtype, k, s, err);
}

static int infer_flatten(rq_ir_graph *g, const rq_ir_node *n, rq_error *err)
{
    const rq_ir_tensor *x = in_t(g, n, 0);
    int64_t axis, s[2] = {1, 1};
    if (norm_axis(rq_ir_attr_int(n, "axis", 1), x->rank + 1, &axis) < 0)
        return fail_node(g, n, err, "axis out of range");
    for (int d = 0; d < x->rank; d++)
        s[d < axis ? 0 : 1] *= x->shape[d];
    return set_out(g, n, 0, x->dtype, 2, s, err);
}

static int infer_squeeze(rq_ir_graph *g, const rq_ir_node *n, int unsqueeze, rq_error *err)
{
    const rq_ir_tensor *x = in_t(g, n, 0);
    int64_t axes[MAXL], s[RQ_IR_MAX_DIMS];
    int k = rq_ir_ints_arg(g, n, "axes", 1, axes, MAXL);
    if (k == -2)
        return 0;
    int out_rank = unsqueeze ? x->rank + (k > 0 ? k : 0) : x->rank;
    if (k > RQ_IR_MAX_DIMS || out_rank > RQ_IR_MAX_DIMS)
        return fail_node(g, n, err, "too many axes");
    char mark[RQ_IR_MAX_DIMS] = {0};
    for (int i = 0; i < k; i++) {
        int64_t a;
        if (norm_axis(axes[i], out_rank, &a) < 0 || mark[a])
            return fail_node(g, n, err, "axes out of range or repeated");
        mark[a] = 1;
    }
    int r = 0;
    if (unsqueeze) {
        for (int d = 0, j = 0; d < out_rank; d++)
            s[r++] = mark[d] ? 1 : x->shape[j++];
    } else {
        for (int d = 0; d < x->rank; d++) {
            int drop = k < 0 ? x->shape[d] == 1 : mark[d];
            if (drop && x->shape[d] != 1)
                return fail_node(g, n, err, "squeezes a dimension that is not 1");
            if (!drop)
                s[r++] = x->shape[d];
        }
    }
    return set_out(g, n, 0, x->dtype, r, s, err);
}

static int infer_concat(rq_ir_graph *g, const rq_ir_node *n, rq_error *err)
{
    const rq_ir_tensor *x = in_t(g, n, 0);
    int64_t axis, s[RQ_IR_MAX_DIMS];
    if (norm_axis(rq_ir_attr_int(n, "axis", 0), x->rank, &axis) < 0)
        return fail_node(g, n, err, "axis out of range");
    memcpy(s, x->shape, sizeof s);
    s[axis] = 0;
    for (int k = 0; k < n->n_in; k++) {
        const rq_ir_tensor *t = in_t(g, n, k);
        if (!t || t->rank != x->rank)
            return fail_node(g, n, err, "inputs of different ranks");
        for (int d = 0; d < x->rank; d++)
            if (d != axis && t->shape[d] != x->shape[d])
                return fail_node(g, n, err, "inputs differ outside the axis");
        s[axis] += t->shape[axis];
    }
    return set_out(g, n, 0, x->dtype, x->rank, s, err);
}

static int infer_pad(rq_ir_graph *g, const rq_ir_node *n, rq_error *err)
{
    const rq_ir_tensor *x = in_t(g, n, 0);
    int64_t p[2 * RQ_IR_MAX_DIMS + 1], s[RQ_IR_MAX_DIMS];
    int k = rq_ir_ints_arg(g, n, "pads", 1, p, 2 * RQ_IR_MAX_DIMS + 1);
    if (k == -2)
        return 0;
    if (k != 2 * x->rank)
        return fail_node(g, n, err, "pads must have twice the input's rank");
    for (int d = 0; d < x->rank; d++) {
        if (p[d] < -4096 || p[d] > 4096 || p[x->rank + d] < -4096 || p[x->rank + d] > 4096)
            return fail_node(g, n, err, "pads out of range");
        s[d] = x->shape[d] + p[d] + p[x->rank + d];
        if (s[d] < 0)
            return fail_node(g, n, err, "pads remove more than the input");
    }
    return set_out(g, n, 0, x->dtype, x->rank, s, err);
}

static int infer_resize(rq_ir_graph *g, const rq_ir_node *n, rq_error *err)
{
    const rq_ir_tensor *x = in_t(g, n, 0), *sc = in_t(g, n, 2);
    int64_t sizes[RQ_IR_MAX_DIMS + 1], s[RQ_IR_MAX_DIMS];
    int k = rq_ir_ints_arg(g, n, NULL, 3, sizes, RQ_IR_MAX_DIMS + 1);
    if (k == -2)
        return 0;
    if (k == x->rank) {
        for (int d = 0; d < k; d++)
            if (sizes[d] < 1 || sizes[d] > 65536)
                return fail_node(g, n, err, "sizes out of range");
        return set_out(g, n, 0, x->dtype, x->rank, sizes, err);
    }
    if (!sc || !sc->data || sc->dtype != RQ_IR_F32 || rq_ir_numel(sc) != x->rank)
        return sc && !sc->data ? 0 : fail_node(g, n, err, "needs constant scales or sizes");
    const float *f = sc->data;
    for (int d = 0; d < x->rank; d++) {
        double v = (double)x->shape[d] * f[d];
        if (!(v >= 1.0 && v <= 65536.0))
            return fail_node(g, n, err, "scales out of range");
        s[d] = (int64_t)v;
    }
    return set_out(g, n, 0, x->dtype, x->rank, s, err);
}

static int infer_reduce_mean(rq_ir_graph *g, const rq_ir_node *n, rq_error *err)
{
    const rq_ir_tensor *x = in_t(g, n, 0);
    int64_t axes[MAXL], s[RQ_IR_MAX_DIMS];
    int k = rq_ir_ints_arg(g, n, "axes", 1, axes, MAXL);
    if (k == -2)
        return 0;
    char mark[RQ_IR_MAX_DIMS] = {0};
    for (int i = 0; i < k; i++) {
        int64_t a;
        if (norm_axis(axes[i], x->rank, &a) < 0)
            return fail_node(g, n, err, "axes out of range");
        mark[a] = 1;
    }
    int keep = (int)rq_ir_attr_int(n, "keepdims", 1), r = 0;
    for (int d = 0; d < x->rank; d++) {
        int red = k <= 0 || mark[d];
        if (!red)
            s[r++] = x->shape[d];
        else if (keep)
            s[r++] = 1;
    }
    return set_out(g, n, 0, x->dtype, r, s, err);
}

static int infer_transpose(rq_ir_graph *g, const rq_ir_node *n, rq_error *err)
{
    const rq_ir_tensor *x = in_t(g, n, 0);
    int64_t perm[RQ_IR_MAX_DIMS + 1], s[RQ_IR_MAX_DIMS];
    int k = rq_ir_attr_ints(n, "perm", perm, RQ_IR_MAX_DIMS + 1);
    if (k < 0)
        for (k = 0; k < x->rank; k++)
            perm[k] = x->rank - 1 - k;
    if (k != x->rank)
        return fail_node(g, n, err, "perm does not match the rank");
    char seen[RQ_IR_MAX_DIMS] = {0};
    for (int d = 0; d < k; d++) {
        if (perm[d] < 0 || perm[d] >= k || seen[perm[d]])
            return fail_node(g, n, err, "perm is not a permutation");
        seen[perm[d]] = 1;
        s[d] = x->shape[perm[d]];
    }
    return set_out(g, n, 0, x->dtype, k, s, err);
}

static int infer_gather(rq_ir_graph *g, const rq_ir_node *n, rq_error *err)
{
    const rq_ir_tensor *x = in_t(g, n, 0), *ix = in_t(g, n, 1);
    int64_t axis, s[RQ_IR_MAX_DIMS];
    if (!ix || norm_axis(rq_ir_attr_int(n, "axis", 0), x->rank, &axis) < 0 ||
        x->rank - 1 + ix->rank > RQ_IR_MAX_DIMS)
        return fail_node(g, n, err, "bad axis or indices");
    int r = 0;
    for (int d = 0; d < axis; d++)
        s[r++] = x->shape[d];
    for (int d = 0; d < ix->rank; d++)
        s[r++] = ix->shape[d];
    for (int d = (int)axis + 1; d < x->rank; d++)
        s[r++] = x->shape[d];
    return set_out(g, n, 0, x->dtype, r, s, err);
}

/* Start and element count of a Slice along one axis (ONNX clamping rules, any step). */
void rq_ir_slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t *first,
                      int64_t *count)
{
    start = start < 0 ? start + dim : start;
    end = end < 0 ? end + dim : end;
    if (step > 0) {
        start = start < 0 ? 0 : start > dim ? dim : start;
        end = end < 0 ? 0 : end > dim ? dim : end;
        *count = end > start ? (end - start + step - 1) / step : 0;
    } else {
        start = start < 0 ? -1 : start > dim - 1 ? dim - 1 : start;
        end = end < -1 ? -1 : end > dim - 1 ? dim - 1 : end;
        *count = start > end ? (start - end - step - 1) / -step : 0;
    }
    *first = start;
}

static int infer_slice(rq_ir_graph *g, const rq_ir_node *n, rq_error *err)
{
    const rq_ir_tensor *x = in_t(g, n, 0);
    int64_t st[RQ_IR_MAX_DIMS], en[RQ_IR_MAX_DIMS], ax[RQ_IR_MAX_DIMS], sp[RQ_IR_MAX_DIMS];
    int64_t s[RQ_IR_MAX_DIMS];
    int k = rq_ir_ints_arg(g, n, NULL, 1, st, RQ_IR_MAX_DIMS);
    int ke = rq_ir_ints_arg(g, n, NULL, 2, en, RQ_IR_MAX_DIMS);
    int ka = rq_ir_ints_arg(g, n, NULL, 3, ax, RQ_IR_MAX_DIMS);
    int ks = rq_ir_ints_arg(g, n, NULL, 4, sp, RQ_IR_MAX_DIMS);
    if (k == -2 || ke == -2 || ka == -2 || ks == -2)
        return 0;
    if (k < 0 || k > x->rank || ke != k || (ka >= 0 && ka != k) || (ks >= 0 && ks != k))
        return fail_node(g, n, err, "starts/ends/axes/steps do not fit");
    memcpy(s, x->shape, sizeof s);
    for (int i = 0; i < k; i++) {
        int64_t a = ka >= 0 ? ax[i] : i, step = ks >= 0 ? sp[i] : 1, first;
        if (norm_axis(a, x->rank, &a) < 0 || step == 0 || step < -(INT64_MAX / 2) ||
            step > INT64_MAX / 2)
            return fail_node(g, n, err, "bad axes or steps");
        rq_ir_slice_axis(x->shape[a], st[i], en[i], step, &first, &s[a]);
    }
    return set_out(g, n, 0, x->dtype, x->rank, s, err);
}

static int infer_constant_of_shape(rq_ir_graph *g, const rq_ir_node *n, rq_error *err)
{
    int64_t v[RQ_IR_MAX_DIMS + 1];
    int k = rq_ir_ints_arg(g, n, NULL, 0, v, RQ_IR_MAX_DIMS + 1);
    if (k == -2)
        return 0;
    if (k < 0 || k > RQ_IR_MAX_DIMS)
        return fail_node(g, n, err, "needs a constant shape of rank <= 6");
    const rq_ir_attr *a = rq_ir_attr_get(n, "value");
    rq_ir_dtype dt = a && a->kind == RQ_IR_ATTR_TENSOR && a->tensor >= 0 &&
                     rq_ir_numel(&g->tensors[a->tensor]) == 1
                         ? g->tensors[a->tensor].dtype : RQ_IR_F32;
    return set_out(g, n, 0, dt, k, v, err);
}

static int infer_expand(rq_ir_graph *g, const rq_ir_node *n, rq_error *err)
{
    const rq_ir_tensor *x = in_t(g, n, 0);
    int64_t v[RQ_IR_MAX_DIMS + 1], s[RQ_IR_MAX_DIMS];
    int k = rq_ir_ints_arg(g, n, NULL, 1, v, RQ_IR_MAX_DIMS + 1);
    if (k == -2)
        return 0;
    if (k < 0 || k > RQ_IR_MAX_DIMS)
        return fail_node(g, n, err, "needs a constant shape");
    int rank = k > x->rank ? k : x->rank;
    for (int d = 0; d < rank; d++) {
        int dx = d - (rank - x->rank), dv = d - (rank - k);
        int64_t a = dx >= 0 ? x->shape[dx] : 1, b = dv >= 0 ? v[dv] : 1;
        if (a != 1 && b != 1 && a != b)
            return fail_node(g, n, err, "shape does not broadcast");
        s[d] = a != 1 ? a : b;
        if (s[d] < 0)
            return fail_node(g, n, err, "negative dimension");
    }
    return set_out(g, n, 0, x->dtype, rank, s, err);
}

static rq_ir_dtype cast_target(int64_t to)
{
    switch (to) {
    case 1: return RQ_IR_F32;
    case 7: return RQ_IR_I64;
    case 6: return RQ_IR_I32;
    case 3: return RQ_IR_I8;
    case 2: return RQ_IR_U8;
    case 9: return RQ_IR_BOOL;
    default: return RQ_IR_UNDEF;
    }
}

int rq_ir_infer_node(rq_ir_graph *g, int i, rq_error *err)
{
    rq_ir_node *n = &g->nodes[i];
    if (n->op == RQ_IR_OP_OTHER || n->n_in < 1 || n->n_out < 1)
        return 0;
    for (int k = 0; k < n->n_in; k++)
        if (n->in[k] >= 0 && g->tensors[n->in[k]].rank < 0)
            return 0; /* unknown input: unknown output */
    if (n->in[0] < 0)
        return fail_node(g, n, err, "first input missing");
    const rq_ir_tensor *x = &g->tensors[n->in[0]];
    switch (n->op) {
    case RQ_IR_OP_CONV: case RQ_IR_OP_MAX_POOL: case RQ_IR_OP_AVG_POOL:
        return infer_window(g, n, err);
    case RQ_IR_OP_GLOBAL_AVG_POOL: {
        if (x->rank < 3)
            return fail_node(g, n, err, "needs an input of rank 3 or more");
        int64_t s[RQ_IR_MAX_DIMS];
        memcpy(s, x->shape, sizeof s);
        for (int d = 0; d < x->rank - 2; d++)
            s[rq_ir_spatial_axis(g, x->rank) + d] = 1;
        return set_out(g, n, 0, x->dtype, x->rank, s, err);
    }
    case RQ_IR_OP_BATCHNORM: case RQ_IR_OP_RELU: case RQ_IR_OP_CLIP: case RQ_IR_OP_LEAKY_RELU:
    case RQ_IR_OP_SIGMOID: case RQ_IR_OP_HARD_SIGMOID: case RQ_IR_OP_HARD_SWISH:
    case RQ_IR_OP_TANH: case RQ_IR_OP_SOFTMAX: case RQ_IR_OP_IDENTITY: case RQ_IR_OP_DROPOUT:
        return same_as_input(g, n, err);
    case RQ_IR_OP_PRELU: case RQ_IR_OP_ADD: case RQ_IR_OP_SUB: case RQ_IR_OP_MUL:
    case RQ_IR_OP_DIV:
        return broadcast(g, n, err);
    case RQ_IR_OP_REDUCE_MEAN: return infer_reduce_mean(g, n, err);
    case RQ_IR_OP_GEMM: return infer_gemm(g, n, err);
    case RQ_IR_OP_MATMUL: return infer_matmul(g, n, err);
    case RQ_IR_OP_FLATTEN: return infer_flatten(g, n, err);
    case RQ_IR_OP_RESHAPE: return infer_reshape(g, n, err);
    case RQ_IR_OP_SQUEEZE: return infer_squeeze(g, n, 0, err);
    case RQ_IR_OP_UNSQUEEZE: return infer_squeeze(g, n, 1, err);
    case RQ_IR_OP_CONCAT: return infer_concat(g, n, err);
    case RQ_IR_OP_PAD: return infer_pad(g, n, err);
    case RQ_IR_OP_RESIZE: return infer_resize(g, n, err);
    case RQ_IR_OP_TRANSPOSE: return infer_transpose(g, n, err);
    case RQ_IR_OP_GATHER: return infer_gather(g, n, err);
    case RQ_IR_OP_SLICE: return infer_slice(g, n, err);
    case RQ_IR_OP_EXPAND: return infer_expand(g, n, err);
    case RQ_IR_OP_CONSTANT_OF_SHAPE: return infer_constant_of_shape(g, n, err);
    case RQ_IR_OP_SHAPE: {
        int64_t s[1] = {x->rank};
        return set_out(g, n, 0, RQ_IR_I64, 1, s, err);
    }
    case RQ_IR_OP_CAST: {
        rq_ir_dtype dt = cast_target(rq_ir_attr_int(n, "to", 0));
        if (dt == RQ_IR_UNDEF)
            return fail_node(g, n, err, "casts to an unsupported type");
        return set_out(g, n, 0, dt, x->rank, x->shape, err);
    }
    default:
        return 0;
    }
}

int rq_ir_infer_shapes(rq_ir_graph *g, rq_error *err)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (rq_ir_infer_node(g, i, err) < 0)
            return -1;
    return 0;
}
