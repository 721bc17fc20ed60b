/* Data-movement operators as strided copies (runtime/int8_movement.h): TRANSPOSE, SLICE,
 * STRIDED_SLICE, SPLIT, SPLIT_V, UNPACK, PACK, CONCATENATION, PAD, PADV2, TILE,
 * DEPTH_TO_SPACE, SPACE_TO_DEPTH, SQUEEZE, EXPAND_DIMS. Prepare checks every shape and
 * constant operand the way TFLite Micro's Prepare does and turns the operator into a list
 * of views (one per input or output); run walks them. Elements are moved as bytes, so any
 * type works (int8, uint8, int32 shape tensors, float32); only CONCATENATION of int8
 * inputs with their own scale or zero point computes (it requantizes them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"
#include "engine/op_movement.h"
#include "int8_movement.h"

static void run_moves(const prep_op *p, uint8_t *arena)
{
    const mv_state *s = p->state;
    if (s->fill)
        rppg_mv_fill(mptr(&p->outs[0], arena), s->fill_n, s->fill_value, s->fill_elem);
    for (int i = 0; i < s->n_moves; i++) {
        const mv_move *m = &s->moves[i];
        const uint8_t *in = cptr(&p->ins[m->in], arena);
        uint8_t *out = mptr(&p->outs[m->out], arena);
        if (m->requant)
            rppg_mv_copy_requant(&m->v, &m->q, (const int8_t *)in, (int8_t *)out);
        else
            rppg_mv_copy(&m->v, in, out);
    }
}

/* ---- shared checks ------------------------------------------------------------------ */

int mv_elem_size(prep_ctx *c, const rq_tfl_tensor *t)
{
    size_t e = rq_tfl_type_size(t->type);
    if (e != 1 && e != 2 && e != 4 && e != 8)
        return op_fail(c, "tensor %s has type %s", t->name, rq_tfl_type_name(t->type));
    return (int)e;
}

/* Every input in list and every output of the operator have the type of the first. */
static int same_types(prep_ctx *c, const int *inputs, int n_inputs)
{
    const rq_tfl_tensor *first = input_tensor(c, inputs[0]);
    for (int i = 0; i < n_inputs; i++) {
        const rq_tfl_tensor *t = input_tensor(c, inputs[i]);
        if (!t)
            return op_fail(c, "input %d is missing", inputs[i]);
        if (t->type != first->type)
            return op_fail(c, "input %s is %s, input %s is %s", t->name,
                           rq_tfl_type_name(t->type), first->name,
                           rq_tfl_type_name(first->type));
    }
    for (int i = 0; i < c->op->n_outputs; i++) {
        const rq_tfl_tensor *t = output_tensor_at(c, i);
        if (t->type != first->type)
            return op_fail(c, "output %s is %s, input %s is %s", t->name,
                           rq_tfl_type_name(t->type), first->name,
                           rq_tfl_type_name(first->type));
    }
    return mv_elem_size(c, first) < 0 ? -1 : 0;
}

int mv_const_ints(prep_ctx *c, int i, const char *role, int32_t *vals, int max, int *n)
{
    const rq_tfl_tensor *t = input_tensor(c, i);
    if (!t)
        return op_fail(c, "%s input %d is missing", role, i);
    if (t->type != RQ_TFL_INT32 && t->type != RQ_TFL_INT64)
        return op_fail(c, "%s tensor %s has type %s, INT32 or INT64 needed", role, t->name,
                       rq_tfl_type_name(t->type));
    if (!t->data)
        return op_fail(c, "%s tensor %s is not constant (computed at run time; the engine "
                          "needs it fixed at prepare)", role, t->name);
    int64_t count = rq_tfl_num_elements(t);
    if (count > max)
        return op_fail(c, "%s tensor %s has %lld values, at most %d", role, t->name,
                       (long long)count, max);
    for (int64_t k = 0; k < count; k++) {
        int64_t v;
        if (t->type == RQ_TFL_INT32) {
            int32_t x;
            memcpy(&x, t->data + 4 * k, 4);
            v = x;
        } else {
            memcpy(&v, t->data + 8 * k, 8);
        }
        if (v < -INT32_MAX || v > INT32_MAX)
            return op_fail(c, "%s tensor %s holds %lld", role, t->name, (long long)v);
        vals[k] = (int32_t)v;
    }
    *n = (int)count;
    return 0;
}

/* An axis in [-rank, rank) as a dimension index, or -1 (error set). */
int mv_axis(prep_ctx *c, int axis, int rank, const char *what)
{
    if (axis < -rank || axis >= rank)
        return op_fail(c, "%s %d outside [-%d, %d)", what, axis, rank, rank);
    return axis < 0 ? axis + rank : axis;
}

int mv_expect_shape(prep_ctx *c, const rq_tfl_tensor *t, int rank, const int32_t *dims)
{
    int same = t->rank == rank;
    for (int i = 0; same && i < rank; i++)
        same = t->shape[i] == dims[i];
    if (same)
        return 0;
    char want[96] = "", have[96] = "";
    for (int i = 0; i < rank; i++)
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%d", i ? "," : "",
                 (int)dims[i]);
    for (int i = 0; i < t->rank; i++)
        snprintf(have + strlen(have), sizeof have - strlen(have), "%s%d", i ? "," : "",
                 (int)t->shape[i]);
    return op_fail(c, "output %s has shape [%s], the operator makes [%s]", t->name, have, want);
}

static void row_major(const int32_t *dims, int rank, int64_t *stride)
{
    int64_t s = 1;
    for (int i = rank - 1; i >= 0; i--) {
        stride[i] = s;
        s *= dims[i];
    }
}

/* A view that copies a whole tensor of this shape contiguously. */
static rppg_mv_view plain_view(const int32_t *dims, int rank, int elem)
{
    rppg_mv_view v;
    memset(&v, 0, sizeof v);
    v.rank = rank;
    v.elem = elem;
    for (int i = 0; i < rank; i++)
        v.dims[i] = dims[i];
    row_major(dims, rank, v.in_stride);
    row_major(dims, rank, v.out_stride);
    return v;
}

const mv_state *mv_state_of(const prep_op *p)
{
    return p->run == run_moves ? p->state : NULL;
}

static mv_state *new_state(prep_ctx *c, prep_op *p)
{
    mv_state *s = calloc(1, sizeof *s);
    if (!s) {
        op_fail(c, "out of memory");
        return NULL;
    }
    p->state = s;
    p->run = run_moves;
    return s;
}

static mv_move *add_move(mv_state *s, int in, int out, rppg_mv_view v)
{
    mv_move *m = &s->moves[s->n_moves++];
    m->in = in;
    m->out = out;
    m->v = v;
    return m;
}

static int one_output(prep_ctx *c)
{
    if (c->op->n_outputs != 1)
        return op_fail(c, "%d outputs, one expected", c->op->n_outputs);
    return 0;
}

/* ---- the operators ------------------------------------------------------------------ */

/* TRANSPOSE(x, perm): out[i0..] = x[...] with out dim d = x dim perm[d]. */
int prepare_transpose(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 2, 2) || same_types(c, (int[]){0}, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    int32_t perm[RQ_TFL_MAX_DIMS], dims[RQ_TFL_MAX_DIMS] = {0};
    int n;
    if (mv_const_ints(c, 1, "perm", perm, RQ_TFL_MAX_DIMS, &n))
        return -1;
    if (n != in->rank)
        return op_fail(c, "perm has %d entries for a rank-%d input", n, in->rank);
    int64_t in_stride[RQ_TFL_MAX_DIMS];
    row_major(in->shape, in->rank, in_stride);
    int used = 0;
    rppg_mv_view v;
    for (int d = 0; d < n; d++) {
        if (perm[d] < 0 || perm[d] >= n || (used >> perm[d] & 1))
            return op_fail(c, "perm is not a permutation of 0..%d", n - 1);
        used |= 1 << perm[d];
        dims[d] = in->shape[perm[d]];
    }
    if (mv_expect_shape(c, out, n, dims))
        return -1;
    v = plain_view(dims, n, mv_elem_size(c, in));
    for (int d = 0; d < n; d++)
        v.in_stride[d] = in_stride[perm[d]];
    mv_state *s = new_state(c, p);
    if (!s)
        return -1;
    add_move(s, 0, 0, v);
    return 0;
}

/* SLICE(x, begin, size): size -1 means "to the end". */
int prepare_slice(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 3, 3) || same_types(c, (int[]){0}, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    int32_t begin[RQ_TFL_MAX_DIMS], size[RQ_TFL_MAX_DIMS];
    int nb, ns;
    if (mv_const_ints(c, 1, "begin", begin, RQ_TFL_MAX_DIMS, &nb) ||
        mv_const_ints(c, 2, "size", size, RQ_TFL_MAX_DIMS, &ns))
        return -1;
    if (nb != in->rank || ns != in->rank)
        return op_fail(c, "begin and size have %d and %d entries for a rank-%d input", nb, ns,
                       in->rank);
    rppg_mv_view v;
    for (int d = 0; d < in->rank; d++) {
        if (size[d] == -1)
            size[d] = in->shape[d] - begin[d];
        if (begin[d] < 0 || size[d] < 0 || (int64_t)begin[d] + size[d] > in->shape[d])
            return op_fail(c, "begin %d size %d outside dimension %d of size %d", (int)begin[d],
                           (int)size[d], d, (int)in->shape[d]);
    }
    if (mv_expect_shape(c, out, in->rank, size))
        return -1;
    v = plain_view(size, in->rank, mv_elem_size(c, in));
    row_major(in->shape, in->rank, v.in_stride);
    for (int d = 0; d < in->rank; d++)
        v.in_off += begin[d] * v.in_stride[d];
    mv_state *s = new_state(c, p);
    if (!s)
        return -1;
    add_move(s, 0, 0, v);
    return 0;
}

static int32_t clamp_i(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* TFLite's StridedSliceStartForAxis / EndForAxis (the evaluation's rules). */
static int32_t ss_start(const rq_tfl_options *o, int32_t b, int32_t stride, int32_t size, int ax)
{
    int64_t start = b < 0 ? (int64_t)b + size : b;
    start = stride > 0 ? clamp_i((int32_t)(start > INT32_MAX ? INT32_MAX : start), 0, size)
                       : clamp_i((int32_t)start, -1, size - 1);
    if (o->begin_mask >> ax & 1)
        start = stride > 0 ? 0 : size - 1;
    return (int32_t)start;
}

static int32_t ss_end(const rq_tfl_options *o, int32_t e, int32_t stride, int32_t size, int ax,
                      int32_t start)
{
    if (o->shrink_axis_mask >> ax & 1)
        return start >= size ? start : start + 1;
    int64_t end = e;
    if (o->offset)
        end += start;
    if (end < 0)
        end += size;
    end = end > INT32_MAX ? INT32_MAX : end < INT32_MIN ? INT32_MIN : end;
    end = stride > 0 ? clamp_i((int32_t)end, 0, size) : clamp_i((int32_t)end, -1, size - 1);
    if (o->end_mask >> ax & 1)
        end = stride > 0 ? size : -1;
    return (int32_t)end;
}

/* STRIDED_SLICE's sparse specification (one entry per begin/end/strides value, with
 * ellipsis and new axes) made dense (one entry per input dimension), as TensorFlow
 * defines it: the ellipsis stands for full ranges over the dimensions the other entries
 * leave (one is implied at the end when absent); a new axis takes no input dimension and
 * puts a 1 in the output. order[] lists the output's dimensions: a dense index, or -1 for
 * a new axis. Without ellipsis and new axes it is the identity (TFLite Micro's case). */
typedef struct ss_spec {
    int32_t b[RQ_TFL_MAX_DIMS], e[RQ_TFL_MAX_DIMS], st[RQ_TFL_MAX_DIMS];
    rq_tfl_options o; /* begin/end/shrink masks by dense dimension; offset */
    int order[2 * RQ_TFL_MAX_DIMS], n_order;
} ss_spec;

static int ss_make_dense(prep_ctx *c, int rank, int n, const int32_t *b, const int32_t *e,
                         const int32_t *st, ss_spec *d)
{
    const rq_tfl_options *o = &c->op->opt;
    int ell = o->ellipsis_mask & ((1 << n) - 1);
    if (ell & (ell - 1))
        return op_fail(c, "ellipsis_mask %d has more than one bit", o->ellipsis_mask);
    int sparse_n = n, implied = !ell;
    int after = 0; /* new axes after the ellipsis */
    for (int i = 0; i < n; i++)
        if (ell && (1 << i) > ell && (o->new_axis_mask >> i & 1) && !(ell >> i & 1))
            after++;
    if (implied)
        ell = 1 << sparse_n++;
    memset(d, 0, sizeof *d);
    d->o.offset = o->offset;
    int full = 0;
    for (int i = 0; i < sparse_n; i++) {
        if (ell >> i & 1) {
            int next = rank - (sparse_n - i) + 1 + after;
            next = next < rank ? next : rank;
            for (; full < next; full++) {
                d->b[full] = 0, d->e[full] = 0, d->st[full] = 1;
                d->o.begin_mask |= 1 << full;
                d->o.end_mask |= 1 << full;
                d->order[d->n_order++] = full;
            }
        } else if (o->new_axis_mask >> i & 1) {
            if (d->n_order >= 2 * RQ_TFL_MAX_DIMS)
                return op_fail(c, "too many new axes");
            d->order[d->n_order++] = -1;
        } else {
            if (full >= rank)
                return op_fail(c, "%d slice entries for a rank-%d input", n, rank);
            d->b[full] = b[i], d->e[full] = e[i], d->st[full] = st[i];
            d->o.begin_mask |= (o->begin_mask >> i & 1) << full;
            d->o.end_mask |= (o->end_mask >> i & 1) << full;
            d->o.shrink_axis_mask |= (o->shrink_axis_mask >> i & 1) << full;
            d->order[d->n_order++] = full++;
        }
    }
    if (full != rank)
        return op_fail(c, "%d slice entries cover %d of the input's %d dimensions", n, full,
                       rank);
    return 0;
}

/* STRIDED_SLICE(x, begin, end, strides) with every mask and offset. */
int prepare_strided_slice(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 4, 4) || same_types(c, (int[]){0}, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    int32_t b[RQ_TFL_MAX_DIMS], e[RQ_TFL_MAX_DIMS], st[RQ_TFL_MAX_DIMS];
    int nb, ne, ns;
    if (mv_const_ints(c, 1, "begin", b, RQ_TFL_MAX_DIMS, &nb) ||
        mv_const_ints(c, 2, "end", e, RQ_TFL_MAX_DIMS, &ne) ||
        mv_const_ints(c, 3, "strides", st, RQ_TFL_MAX_DIMS, &ns))
        return -1;
    if (nb != ne || nb != ns)
        return op_fail(c, "begin, end and strides have %d, %d, %d entries", nb, ne, ns);
    ss_spec d;
    if (ss_make_dense(c, in->rank, nb, b, e, st, &d))
        return -1;
    int64_t in_stride[RQ_TFL_MAX_DIMS];
    row_major(in->shape, in->rank, in_stride);
    rppg_mv_view v;
    memset(&v, 0, sizeof v);
    v.rank = in->rank;
    v.elem = mv_elem_size(c, in);
    for (int k = 0; k < in->rank; k++) {
        if (d.st[k] == 0)
            return op_fail(c, "stride of dimension %d is 0", k);
        int32_t size = in->shape[k];
        int32_t start = ss_start(&d.o, d.b[k], d.st[k], size, k);
        int32_t end = ss_end(&d.o, d.e[k], d.st[k], size, k, start);
        int64_t span = d.st[k] > 0 ? (int64_t)end - start : (int64_t)start - end;
        int64_t step = d.st[k] > 0 ? d.st[k] : -(int64_t)d.st[k];
        int64_t count = span > 0 ? (span + step - 1) / step : 0;
        if ((d.o.shrink_axis_mask >> k & 1) && count != 1)
            return op_fail(c, "shrunk dimension %d: index %d outside size %d", k, (int)d.b[k],
                           (int)size);
        v.dims[k] = (int32_t)count;
        v.in_stride[k] = d.st[k] * in_stride[k];
        v.in_off += (count ? start : 0) * in_stride[k];
    }
    int32_t out_dims[2 * RQ_TFL_MAX_DIMS];
    int n_out = 0;
    for (int i = 0; i < d.n_order; i++)
        if (d.order[i] < 0 || !(d.o.shrink_axis_mask >> d.order[i] & 1))
            out_dims[n_out++] = d.order[i] < 0 ? 1 : v.dims[d.order[i]];
    if (n_out > RQ_TFL_MAX_DIMS)
        return op_fail(c, "output rank %d", n_out);
    if (mv_expect_shape(c, out, n_out, out_dims))
        return -1;
    row_major(v.dims, v.rank, v.out_stride);
    mv_state *s = new_state(c, p);
    if (!s)
        return -1;
    add_move(s, 0, 0, v);
    return 0;
}

/* Outputs j = slices [offset_j, offset_j + len_j) of x along axis. */
static int split_moves(prep_ctx *c, prep_op *p, int x, int axis, const int32_t *len)
{
    const rq_tfl_tensor *in = input_tensor(c, x);
    mv_state *s = new_state(c, p);
    if (!s)
        return -1;
    int64_t in_stride[RQ_TFL_MAX_DIMS];
    row_major(in->shape, in->rank, in_stride);
    int64_t off = 0;
    for (int j = 0; j < c->op->n_outputs; j++) {
        int32_t dims[RQ_TFL_MAX_DIMS];
        memcpy(dims, in->shape, sizeof dims);
        dims[axis] = len[j];
        if (mv_expect_shape(c, output_tensor_at(c, j), in->rank, dims))
            return -1;
        rppg_mv_view v = plain_view(dims, in->rank, mv_elem_size(c, in));
        memcpy(v.in_stride, in_stride, sizeof in_stride);
        v.in_off = off * in_stride[axis];
        off += len[j];
        add_move(s, x, j, v);
    }
    return 0;
}

/* SPLIT(axis, x) into num_splits equal parts. */
int prepare_split(prep_ctx *c, prep_op *p)
{
    if (c->op->n_inputs != 2 || c->op->inputs[0] < 0 || c->op->inputs[1] < 0)
        return op_fail(c, "%d inputs, 2 expected (axis, input)", c->op->n_inputs);
    if (same_types(c, (int[]){1}, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 1);
    int32_t ax;
    int n, k = c->op->n_outputs;
    if (mv_const_ints(c, 0, "axis", &ax, 1, &n))
        return -1;
    if (n != 1)
        return op_fail(c, "axis tensor holds %d values", n);
    int axis = mv_axis(c, ax, in->rank, "axis");
    if (axis < 0)
        return -1;
    if (c->op->opt.count != k || in->shape[axis] % k)
        return op_fail(c, "num_splits %d with %d outputs over a dimension of %d",
                       c->op->opt.count, k, (int)in->shape[axis]);
    int32_t len[RQ_TFL_MAX_OP_IO];
    for (int j = 0; j < k; j++)
        len[j] = in->shape[axis] / k;
    return split_moves(c, p, 1, axis, len);
}

/* SPLIT_V(x, size_splits, axis): one size may be -1 (the rest). */
int prepare_split_v(prep_ctx *c, prep_op *p)
{
    if (c->op->n_inputs != 3)
        return op_fail(c, "%d inputs, 3 expected (input, size_splits, axis)", c->op->n_inputs);
    if (same_types(c, (int[]){0}, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0);
    int32_t ax, len[RQ_TFL_MAX_OP_IO];
    int n, nl, k = c->op->n_outputs;
    if (mv_const_ints(c, 2, "axis", &ax, 1, &n) ||
        mv_const_ints(c, 1, "size_splits", len, RQ_TFL_MAX_OP_IO, &nl))
        return -1;
    int axis = n == 1 ? mv_axis(c, ax, in->rank, "axis") : op_fail(c, "axis tensor holds %d values", n);
    if (axis < 0)
        return -1;
    if (nl != k || c->op->opt.count != k)
        return op_fail(c, "%d sizes, num_splits %d, %d outputs", nl, c->op->opt.count, k);
    int64_t sum = 0;
    int rest = -1;
    for (int j = 0; j < k; j++) {
        if (len[j] == -1 && rest < 0)
            rest = j;
        else if (len[j] < 0)
            return op_fail(c, "size_splits[%d] = %d", j, (int)len[j]);
        else
            sum += len[j];
    }
    if (rest >= 0 && sum <= in->shape[axis])
        len[rest] = (int32_t)(in->shape[axis] - sum), sum = in->shape[axis];
    if (sum != in->shape[axis])
        return op_fail(c, "sizes add up to %lld, dimension %d has %d", (long long)sum, axis,
                       (int)in->shape[axis]);
    return split_moves(c, p, 0, axis, len);
}

/* UNPACK(x) into num tensors along axis (the axis disappears). */
int prepare_unpack(prep_ctx *c, prep_op *p)
{
    if (c->op->n_inputs != 1 || c->op->inputs[0] < 0)
        return op_fail(c, "%d inputs, 1 expected", c->op->n_inputs);
    if (same_types(c, (int[]){0}, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0);
    int axis = mv_axis(c, c->op->opt.axis, in->rank, "axis");
    if (axis < 0)
        return -1;
    int k = c->op->n_outputs;
    if (c->op->opt.count != k || in->shape[axis] != k)
        return op_fail(c, "num %d with %d outputs over a dimension of %d", c->op->opt.count, k,
                       (int)in->shape[axis]);
    int32_t dims[RQ_TFL_MAX_DIMS];
    int n = 0;
    for (int d = 0; d < in->rank; d++)
        if (d != axis)
            dims[n++] = in->shape[d];
    for (int j = 0; j < k; j++) {
        if (mv_expect_shape(c, output_tensor_at(c, j), n, dims))
            return -1;
    }
    /* each output is the size-1 slice; its shape without the axis has the same layout */
    int32_t full[RQ_TFL_MAX_DIMS];
    mv_state *s = new_state(c, p);
    if (!s)
        return -1;
    int64_t in_stride[RQ_TFL_MAX_DIMS];
    row_major(in->shape, in->rank, in_stride);
    memcpy(full, in->shape, sizeof full);
    full[axis] = 1;
    for (int j = 0; j < k; j++) {
        rppg_mv_view v = plain_view(full, in->rank, mv_elem_size(c, in));
        memcpy(v.in_stride, in_stride, sizeof in_stride);
        v.in_off = j * in_stride[axis];
        add_move(s, 0, j, v);
    }
    return 0;
}

/* Copies input i (its shape with a 1 at axis when stacking) to the output at offset off
 * along axis. */
static rppg_mv_view place_view(const rq_tfl_tensor *out, const int32_t *dims, int axis,
                               int64_t off, int elem)
{
    rppg_mv_view v = plain_view(dims, out->rank, elem);
    row_major(out->shape, out->rank, v.out_stride);
    v.out_off = off * v.out_stride[axis];
    return v;
}

/* PACK(x0..xN-1): stacks equal shapes along a new axis. */
int prepare_pack(prep_ctx *c, prep_op *p)
{
    int k = c->op->n_inputs;
    if (one_output(c) || k < 1)
        return op_fail(c, "%d inputs", k);
    int list[RQ_TFL_MAX_OP_IO];
    for (int i = 0; i < k; i++)
        list[i] = i;
    if (same_types(c, list, k))
        return -1;
    const rq_tfl_tensor *in0 = input_tensor(c, 0), *out = output_tensor(c);
    if (c->op->opt.count != k)
        return op_fail(c, "values_count %d with %d inputs", c->op->opt.count, k);
    if (in0->rank + 1 > RQ_TFL_MAX_DIMS)
        return op_fail(c, "rank %d input", in0->rank);
    int axis = mv_axis(c, c->op->opt.axis, in0->rank + 1, "axis");
    if (axis < 0)
        return -1;
    int32_t od[RQ_TFL_MAX_DIMS], one[RQ_TFL_MAX_DIMS];
    for (int d = 0, s = 0; d <= in0->rank; d++) {
        od[d] = d == axis ? k : in0->shape[s];
        one[d] = d == axis ? 1 : in0->shape[s];
        s += d != axis;
    }
    if (mv_expect_shape(c, out, in0->rank + 1, od))
        return -1;
    mv_state *s = new_state(c, p);
    if (!s)
        return -1;
    for (int i = 0; i < k; i++) {
        const rq_tfl_tensor *t = input_tensor(c, i);
        int same = t->rank == in0->rank;
        for (int d = 0; same && d < t->rank; d++)
            same = t->shape[d] == in0->shape[d];
        if (!same)
            return op_fail(c, "input %s differs in shape from %s", t->name, in0->name);
        add_move(s, i, 0, place_view(out, one, axis, i, mv_elem_size(c, in0)));
    }
    return 0;
}

/* The requantization of an int8 input whose scale or zero point is not the output's:
 * what the converter's QUANTIZE in front of the CONCATENATION would do. */
static int concat_requant(prep_ctx *c, prep_op *p, const rq_tfl_tensor *t,
                          const rq_tfl_tensor *out, mv_move *m)
{
    if (t->type != RQ_TFL_INT8)
        return 0;
    if (check_activation(c, t, "input") || check_activation(c, out, "output"))
        return -1;
    if (t->q.scale[0] == out->q.scale[0] && t->q.zero_point[0] == out->q.zero_point[0])
        return 0;
    int32_t mult;
    int shift;
    rq_quantize_multiplier((double)t->q.scale[0] / (double)out->q.scale[0], &mult, &shift);
    if (shift > 30 || shift < -31)
        return op_fail(c, "input %s: scale ratio to the output out of range", t->name);
    m->requant = 1;
    m->q.in_zp = (int32_t)t->q.zero_point[0];
    m->q.out_zp = (int32_t)out->q.zero_point[0];
    m->q.multiplier = mult;
    m->q.shift = shift;
    m->q.rounding = p->single ? RPPG_Q8_ROUND_SINGLE : RPPG_Q8_ROUND_DOUBLE;
    return 0;
}

/* CONCATENATION(x0..xN-1) along axis. */
int prepare_concatenation(prep_ctx *c, prep_op *p)
{
    int k = c->op->n_inputs;
    if (one_output(c) || k < 1)
        return op_fail(c, "%d inputs", k);
    int list[RQ_TFL_MAX_OP_IO];
    for (int i = 0; i < k; i++)
        list[i] = i;
    if (same_types(c, list, k))
        return -1;
    if (c->op->opt.activation != RQ_TFL_ACT_NONE)
        return op_fail(c, "fused activation %d not supported (TFLite Micro refuses it too)",
                       (int)c->op->opt.activation);
    const rq_tfl_tensor *out = output_tensor(c);
    int axis = mv_axis(c, c->op->opt.axis, out->rank, "axis");
    if (axis < 0)
        return -1;
    mv_state *s = new_state(c, p);
    if (!s)
        return -1;
    int64_t off = 0;
    for (int i = 0; i < k; i++) {
        const rq_tfl_tensor *t = input_tensor(c, i);
        int same = t->rank == out->rank;
        for (int d = 0; same && d < t->rank; d++)
            same = d == axis || t->shape[d] == out->shape[d];
        if (!same)
            return op_fail(c, "input %s does not match output %s outside axis %d", t->name,
                           out->name, axis);
        mv_move *m = add_move(s, i, 0, place_view(out, t->shape, axis, off, mv_elem_size(c, t)));
        if (concat_requant(c, p, t, out, m))
            return -1;
        off += t->shape[axis];
    }
    if (off != out->shape[axis])
        return op_fail(c, "inputs add up to %lld along axis %d, output %s has %d",
                       (long long)off, axis, out->name, (int)out->shape[axis]);
    return 0;
}

/* PAD(x, paddings) / PADV2(x, paddings, value): fill with the value (PAD: the output's
 * zero point), then copy x inside. */
int prepare_pad(prep_ctx *c, prep_op *p)
{
    int v2 = c->op->code == RQ_TFL_OP_PADV2;
    if (check_counts(c, v2 ? 3 : 2, v2 ? 3 : 2) || same_types(c, (int[]){0}, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    int32_t pads[2 * RQ_TFL_MAX_DIMS], dims[RQ_TFL_MAX_DIMS];
    int n;
    if (mv_const_ints(c, 1, "paddings", pads, 2 * RQ_TFL_MAX_DIMS, &n))
        return -1;
    if (n != 2 * in->rank || in->rank > 5)
        return op_fail(c, "%d padding values for a rank-%d input (at most 5 dimensions)", n,
                       in->rank);
    for (int d = 0; d < in->rank; d++) {
        if (pads[2 * d] < 0 || pads[2 * d + 1] < 0)
            return op_fail(c, "negative padding of dimension %d", d);
        int64_t size = (int64_t)in->shape[d] + pads[2 * d] + pads[2 * d + 1];
        dims[d] = (int32_t)(size > INT32_MAX ? INT32_MAX : size);
    }
    if (mv_expect_shape(c, out, in->rank, dims))
        return -1;
    int elem = mv_elem_size(c, in);
    mv_state *s = new_state(c, p);
    if (!s)
        return -1;
    s->fill = 1;
    s->fill_n = (size_t)rq_tfl_num_elements(out);
    s->fill_elem = elem;
    if (v2) {
        const rq_tfl_tensor *cv = input_tensor(c, 2);
        if (!cv->data || rq_tfl_num_elements(cv) != 1 || cv->type != in->type)
            return op_fail(c, "constant_values %s must be one constant %s value", cv->name,
                           rq_tfl_type_name(in->type));
        memcpy(s->fill_value, cv->data, (size_t)elem);
    } else if (in->type == RQ_TFL_INT8 || in->type == RQ_TFL_UINT8) {
        if (out->q.n < 1)
            return op_fail(c, "output %s has no zero point to pad with", out->name);
        int64_t zp = out->q.zero_point[0];
        if (zp < (in->type == RQ_TFL_INT8 ? -128 : 0) || zp > (in->type == RQ_TFL_INT8 ? 127 : 255))
            return op_fail(c, "output %s has zero point %lld", out->name, (long long)zp);
        s->fill_value[0] = (uint8_t)zp;
    }
    rppg_mv_view v = plain_view(in->shape, in->rank, elem);
    row_major(out->shape, out->rank, v.out_stride);
    for (int d = 0; d < in->rank; d++)
        v.out_off += pads[2 * d] * v.out_stride[d];
    add_move(s, 0, 0, v);
    return 0;
}

/* TILE(x, multiples): out dim d = x dim d * multiples[d]; a view with a zero input stride
 * for each repetition. (TFLite Micro has no TILE kernel.) */
int prepare_tile(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 2, 2) || same_types(c, (int[]){0}, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    int32_t mult[RQ_TFL_MAX_DIMS], dims[RQ_TFL_MAX_DIMS];
    int n;
    if (mv_const_ints(c, 1, "multiples", mult, RQ_TFL_MAX_DIMS, &n))
        return -1;
    if (n != in->rank)
        return op_fail(c, "%d multiples for a rank-%d input", n, in->rank);
    for (int d = 0; d < n; d++) {
        int64_t size = (int64_t)in->shape[d] * mult[d];
        if (mult[d] < 0 || size > INT32_MAX)
            return op_fail(c, "multiple %d of dimension %d", (int)mult[d], d);
        dims[d] = (int32_t)size;
    }
    if (mv_expect_shape(c, out, n, dims))
        return -1;
    int64_t is[RQ_TFL_MAX_DIMS], os[RQ_TFL_MAX_DIMS];
    row_major(in->shape, n, is);
    row_major(dims, n, os);
    rppg_mv_view v;
    memset(&v, 0, sizeof v);
    v.rank = 2 * n;
    v.elem = mv_elem_size(c, in);
    for (int d = 0; d < n; d++) {
        v.dims[2 * d] = mult[d];
        v.in_stride[2 * d] = 0;
        v.out_stride[2 * d] = (int64_t)in->shape[d] * os[d];
        v.dims[2 * d + 1] = in->shape[d];
        v.in_stride[2 * d + 1] = is[d];
        v.out_stride[2 * d + 1] = os[d];
    }
    mv_state *s = new_state(c, p);
    if (!s)
        return -1;
    add_move(s, 0, 0, v);
    return 0;
}

/* DEPTH_TO_SPACE / SPACE_TO_DEPTH (NHWC, TFLite's DCR order): six-dimensional views. */
int prepare_depth_space(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 1, 1) || same_types(c, (int[]){0}, 1))
        return -1;
    int d2s = c->op->code == RQ_TFL_OP_DEPTH_TO_SPACE;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    int bs = c->op->opt.block_size;
    if (in->rank != 4)
        return op_fail(c, "input %s must be 4-D NHWC", in->name);
    if (bs < 1 || bs > 4096)
        return op_fail(c, "block_size %d", bs);
    int32_t n = in->shape[0], h = in->shape[1], w = in->shape[2], ch = in->shape[3];
    int32_t dims[4];
    if (d2s) {
        if (ch % (bs * bs))
            return op_fail(c, "depth %d is not a multiple of block_size^2 = %d", (int)ch, bs * bs);
        int64_t oh = (int64_t)h * bs, ow = (int64_t)w * bs;
        if (oh > INT32_MAX || ow > INT32_MAX)
            return op_fail(c, "output too large");
        dims[0] = n, dims[1] = (int32_t)oh, dims[2] = (int32_t)ow, dims[3] = ch / (bs * bs);
    } else {
        if (h % bs || w % bs)
            return op_fail(c, "height %d and width %d are not multiples of block_size %d",
                           (int)h, (int)w, bs);
        int64_t oc = (int64_t)ch * bs * bs;
        if (oc > INT32_MAX)
            return op_fail(c, "output too large");
        dims[0] = n, dims[1] = h / bs, dims[2] = w / bs, dims[3] = (int32_t)oc;
    }
    if (mv_expect_shape(c, out, 4, dims))
        return -1;
    /* loops in output order; the input strides say where each element comes from */
    int32_t vd[6];
    int64_t vs[6];
    int64_t H = h, W = w, C = ch;
    if (d2s) { /* out [n, h, i, w, j, od] <- in [n, h, w, (i*bs + j)*od + od'] */
        int32_t od = dims[3];
        int32_t d6[6] = {n, h, bs, w, bs, od};
        int64_t s6[6] = {H * W * C, W * C, (int64_t)bs * od, C, od, 1};
        memcpy(vd, d6, sizeof vd), memcpy(vs, s6, sizeof vs);
    } else { /* out [n, oh, ow, i, j, c] <- in [n, oh*bs + i, ow*bs + j, c] */
        int32_t d6[6] = {n, h / bs, w / bs, bs, bs, ch};
        int64_t s6[6] = {H * W * C, bs * W * C, bs * C, W * C, C, 1};
        memcpy(vd, d6, sizeof vd), memcpy(vs, s6, sizeof vs);
    }
    rppg_mv_view v = plain_view(vd, 6, mv_elem_size(c, in));
    memcpy(v.in_stride, vs, sizeof vs);
    mv_state *s = new_state(c, p);
    if (!s)
        return -1;
    add_move(s, 0, 0, v);
    return 0;
}

/* SQUEEZE and EXPAND_DIMS only relabel the shape: a byte copy once the shapes check. */
static int relabel(prep_ctx *c, prep_op *p, const int32_t *dims, int rank)
{
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    if (mv_expect_shape(c, out, rank, dims))
        return -1;
    mv_state *s = new_state(c, p);
    if (!s)
        return -1;
    int32_t count = (int32_t)rq_tfl_num_elements(in);
    add_move(s, 0, 0, plain_view(&count, 1, mv_elem_size(c, in)));
    return 0;
}

int prepare_squeeze(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 1, 1) || same_types(c, (int[]){0}, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0);
    const rq_tfl_options *o = &c->op->opt;
    int drop[RQ_TFL_MAX_DIMS] = {0};
    for (int i = 0; i < o->n_squeeze_dims; i++) {
        int d = mv_axis(c, o->squeeze_dims[i], in->rank, "squeeze dimension");
        if (d < 0)
            return -1;
        if (in->shape[d] != 1)
            return op_fail(c, "dimension %d has size %d, not 1", d, (int)in->shape[d]);
        drop[d] = 1;
    }
    int32_t dims[RQ_TFL_MAX_DIMS];
    int n = 0;
    for (int d = 0; d < in->rank; d++)
        if (!(o->n_squeeze_dims ? drop[d] : in->shape[d] == 1))
            dims[n++] = in->shape[d];
    return relabel(c, p, dims, n);
}

int prepare_expand_dims(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 2, 2) || same_types(c, (int[]){0}, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0);
    int32_t ax;
    int n;
    if (mv_const_ints(c, 1, "axis", &ax, 1, &n))
        return -1;
    if (n != 1 || in->rank + 1 > RQ_TFL_MAX_DIMS)
        return op_fail(c, "axis tensor holds %d values for a rank-%d input", n, in->rank);
    int axis = mv_axis(c, ax, in->rank + 1, "axis");
    if (axis < 0)
        return -1;
    int32_t dims[RQ_TFL_MAX_DIMS];
    for (int d = 0, s = 0; d <= in->rank; d++)
        dims[d] = d == axis ? 1 : in->shape[s++];
    return relabel(c, p, dims, in->rank + 1);
}
