/* Converter-style int8 models of the data-movement and shape operators (several shapes,
 * odd sizes, negative axes, masks, extreme zero points), built through the public model
 * API for the tests (tests/unit/test_tfl_movement.c writes them for TFLite Micro and
 * LiteRT) and the engine fuzzer. Graph inputs are named in0, in1, ... and outputs y0,
 * y1, ... so that a runtime sorting signature names keeps the graph order. */
#include <stdio.h>
#include <string.h>

#include "tflite/tfl_testmodels.h"

typedef struct bld {
    rq_tfl_model *m;
    rq_error *err;
    int fail;
    int n_in, n_out;
    int32_t in[RQ_TFL_MAX_GRAPH_IO], out[RQ_TFL_MAX_GRAPH_IO];
} bld;

#define S(...) ((const int32_t[]){__VA_ARGS__})
#define T(...) ((const int32_t[]){__VA_ARGS__})
#define NARG(...) ((int)(sizeof((const int32_t[]){__VA_ARGS__}) / sizeof(int32_t)))

static int tensor(bld *b, const char *name, rq_tfl_type type, int rank, const int32_t *shape,
                  float scale, int zp)
{
    if (b->fail)
        return -1;
    int t = rq_tfl_add_tensor(b->m, name, type, rank, shape, b->err);
    int64_t z = zp;
    if (t < 0 || ((type == RQ_TFL_INT8 || type == RQ_TFL_UINT8) &&
                  rq_tfl_set_quant(b->m, t, 1, &scale, &z, 0, b->err))) {
        b->fail = 1;
        return -1;
    }
    return t;
}

/* A graph input in<k>. */
static int input(bld *b, rq_tfl_type type, int rank, const int32_t *shape, float scale, int zp)
{
    char name[16];
    snprintf(name, sizeof name, "in%d", b->n_in);
    int t = tensor(b, name, type, rank, shape, scale, zp);
    if (t >= 0)
        b->in[b->n_in++] = t;
    return t;
}

/* A graph output y<k> (intermediates get other names). */
static int output(bld *b, rq_tfl_type type, int rank, const int32_t *shape, float scale, int zp)
{
    char name[16];
    snprintf(name, sizeof name, "y%d", b->n_out);
    int t = tensor(b, name, type, rank, shape, scale, zp);
    if (t >= 0)
        b->out[b->n_out++] = t;
    return t;
}

static int const_i32(bld *b, const char *name, int rank, const int32_t *shape, int n,
                     const int32_t *vals)
{
    int t = tensor(b, name, RQ_TFL_INT32, rank, shape, 0, 0);
    if (t >= 0 && rq_tfl_set_data(b->m, t, vals, sizeof *vals * (size_t)n, b->err)) {
        b->fail = 1;
        return -1;
    }
    return t;
}

/* A 1-D int32 constant. */
static int vec(bld *b, const char *name, int n, const int32_t *vals)
{
    return const_i32(b, name, 1, S(n), n, vals);
}

static void op(bld *b, rq_tfl_builtin code, int n_in, const int32_t *ins, int n_out,
               const int32_t *outs, const rq_tfl_options *o)
{
    if (!b->fail && rq_tfl_add_op(b->m, code, n_in, ins, n_out, outs, o, b->err) < 0)
        b->fail = 1;
}

static rq_tfl_options opts(void)
{
    return rq_tfl_default_options();
}

/* x -> op(x, constants...) -> y: the shape of most single-operator cases. */
static void unary(bld *b, rq_tfl_builtin code, int rank, const int32_t *in_shape,
                  int out_rank, const int32_t *out_shape, int n_const, const int32_t *consts,
                  const rq_tfl_options *o)
{
    int x = input(b, RQ_TFL_INT8, rank, in_shape, 0.05f, -3);
    int32_t ins[RQ_TFL_MAX_OP_IO] = {x};
    for (int i = 0; i < n_const; i++)
        ins[1 + i] = consts[i];
    int y = output(b, RQ_TFL_INT8, out_rank, out_shape, 0.05f, -3);
    op(b, code, 1 + n_const, ins, 1, &y, o);
}

/* ---- the cases ---------------------------------------------------------------------- */

static void concat_case(bld *b, int axis, int n, int rank, const int32_t *shapes,
                        const int32_t *out_shape, rq_tfl_type type, int requant, int ref)
{
    int32_t ins[RQ_TFL_MAX_OP_IO], y;
    static const float scales[] = {0.05f, 0.2f, 0.0004f, 3.0f};
    static const int zps[] = {-3, 40, -128, 127};
    for (int i = 0; i < n; i++) {
        float s = requant ? scales[i % 4] : 0.05f;
        int z = requant ? zps[i % 4] : -3;
        ins[i] = input(b, type, rank, shapes + i * rank, s, z);
        if (requant && ref && (s != 0.05f || z != -3)) { /* the converter's QUANTIZE */
            char name[24];
            snprintf(name, sizeof name, "requant%d", i);
            int q = tensor(b, name, type, rank, shapes + i * rank, 0.05f, -3);
            op(b, RQ_TFL_OP_QUANTIZE, 1, &ins[i], 1, &q, NULL);
            ins[i] = q;
        }
    }
    y = output(b, type, rank, out_shape, 0.05f, -3);
    rq_tfl_options o = opts();
    o.axis = axis;
    op(b, RQ_TFL_OP_CONCATENATION, n, ins, 1, &y, &o);
}

static void c_concat_channels(bld *b)
{
    concat_case(b, -1, 2, 4, T(1, 5, 7, 3, 1, 5, 7, 5), S(1, 5, 7, 8), RQ_TFL_INT8, 0, 0);
}
static void c_concat_rows3(bld *b)
{
    concat_case(b, 1, 3, 4, T(1, 2, 3, 4, 1, 5, 3, 4, 1, 1, 3, 4), S(1, 8, 3, 4), RQ_TFL_INT8,
                0, 0);
}
static void c_concat_rank2_neg(bld *b)
{
    concat_case(b, -2, 2, 2, T(3, 7, 2, 7), S(5, 7), RQ_TFL_INT8, 0, 0);
}
static void c_concat_int32(bld *b)
{
    concat_case(b, 0, 2, 1, T(3, 2), S(5), RQ_TFL_INT32, 0, 0);
}
static void c_concat_requant(bld *b)
{
    concat_case(b, 3, 4, 4, T(1, 3, 5, 2, 1, 3, 5, 1, 1, 3, 5, 3, 1, 3, 5, 2), S(1, 3, 5, 8),
                RQ_TFL_INT8, 1, 0);
}
static void c_concat_requant_ref(bld *b)
{
    concat_case(b, 3, 4, 4, T(1, 3, 5, 2, 1, 3, 5, 1, 1, 3, 5, 3, 1, 3, 5, 2), S(1, 3, 5, 8),
                RQ_TFL_INT8, 1, 1);
}

static void c_concat_8in(bld *b)
{ /* the most inputs an operator may have here, widths 1..8 */
    int32_t shapes[8 * 4];
    for (int i = 0; i < 8; i++) {
        shapes[4 * i] = 1, shapes[4 * i + 1] = 2, shapes[4 * i + 2] = i + 1;
        shapes[4 * i + 3] = 3;
    }
    concat_case(b, 2, 8, 4, shapes, S(1, 2, 36, 3), RQ_TFL_INT8, 0, 0);
}

static void pad_case(bld *b, int v2, int rank, const int32_t *shape, const int32_t *pads,
                     const int32_t *out_shape, int zp)
{
    int x = input(b, RQ_TFL_INT8, rank, shape, 0.1f, zp);
    int p = const_i32(b, "paddings", 2, S(rank, 2), 2 * rank, pads);
    int y = output(b, RQ_TFL_INT8, rank, out_shape, 0.1f, zp);
    int32_t ins[3] = {x, p, -1};
    if (v2) {
        int8_t v = 42;
        ins[2] = tensor(b, "pad_value", RQ_TFL_INT8, 0, S(0), 0.1f, zp);
        if (ins[2] >= 0 && rq_tfl_set_data(b->m, ins[2], &v, 1, b->err))
            b->fail = 1;
    }
    op(b, v2 ? RQ_TFL_OP_PADV2 : RQ_TFL_OP_PAD, v2 ? 3 : 2, ins, 1, &y, NULL);
}

static void c_pad_hw(bld *b)
{
    pad_case(b, 0, 4, S(1, 5, 6, 3), T(0, 0, 1, 2, 3, 0, 0, 0), S(1, 8, 9, 3), -128);
}
static void c_pad_all(bld *b)
{
    pad_case(b, 0, 4, S(2, 3, 1, 2), T(1, 0, 0, 2, 2, 1, 1, 3), S(3, 5, 4, 6), 127);
}
static void c_pad_rank2(bld *b)
{
    pad_case(b, 0, 2, S(3, 5), T(2, 1, 0, 4), S(6, 9), 5);
}
static void c_pad_rank5(bld *b)
{
    pad_case(b, 0, 5, S(1, 2, 3, 2, 3), T(0, 1, 1, 0, 0, 2, 1, 1, 2, 0), S(2, 3, 5, 4, 5), -7);
}
static void c_pad_channels(bld *b)
{
    pad_case(b, 0, 4, S(1, 3, 3, 5), T(0, 0, 0, 0, 0, 0, 2, 3), S(1, 3, 3, 10), 0);
}
static void c_padv2(bld *b)
{
    pad_case(b, 1, 4, S(1, 4, 3, 2), T(0, 0, 2, 1, 1, 2, 0, 1), S(1, 7, 6, 3), -20);
}

static void resize_case(bld *b, rq_tfl_builtin code, const int32_t *in_shape, int oh, int ow,
                        int align, int half)
{
    int sz = vec(b, "size", 2, T(oh, ow));
    rq_tfl_options o = opts();
    o.align_corners = align;
    o.half_pixel_centers = half;
    unary(b, code, 4, in_shape, 4, S(in_shape[0], oh, ow, in_shape[3]), 1, &sz, &o);
}

#define RB RQ_TFL_OP_RESIZE_BILINEAR
#define RN RQ_TFL_OP_RESIZE_NEAREST_NEIGHBOR
static void c_bilinear_up(bld *b) { resize_case(b, RB, S(1, 5, 7, 3), 9, 13, 0, 0); }
static void c_bilinear_align(bld *b) { resize_case(b, RB, S(1, 5, 7, 3), 9, 13, 1, 0); }
static void c_bilinear_half(bld *b) { resize_case(b, RB, S(1, 5, 7, 3), 9, 13, 0, 1); }
static void c_bilinear_down(bld *b) { resize_case(b, RB, S(2, 8, 8, 2), 3, 5, 0, 1); }
static void c_bilinear_x2_half(bld *b) { resize_case(b, RB, S(1, 4, 4, 3), 8, 8, 0, 1); }
static void c_bilinear_1px(bld *b) { resize_case(b, RB, S(1, 1, 1, 2), 3, 3, 1, 0); }
static void c_bilinear_odd(bld *b) { resize_case(b, RB, S(1, 1, 3, 2), 7, 5, 0, 1); }
static void c_nearest_1px(bld *b) { resize_case(b, RN, S(1, 1, 1, 3), 4, 6, 0, 0); }
static void c_nearest_up(bld *b) { resize_case(b, RN, S(1, 5, 7, 3), 9, 13, 0, 0); }
static void c_nearest_align(bld *b) { resize_case(b, RN, S(1, 5, 7, 3), 9, 13, 1, 0); }
static void c_nearest_half(bld *b) { resize_case(b, RN, S(1, 5, 7, 3), 9, 13, 0, 1); }
static void c_nearest_down(bld *b) { resize_case(b, RN, S(2, 8, 9, 2), 3, 5, 1, 0); }
static void c_nearest_x2(bld *b) { resize_case(b, RN, S(1, 3, 4, 5), 6, 8, 0, 1); }

static void transpose_case(bld *b, int rank, const int32_t *shape, const int32_t *perm)
{
    int32_t out[RQ_TFL_MAX_DIMS];
    for (int d = 0; d < rank; d++)
        out[d] = shape[perm[d]];
    int p = vec(b, "perm", rank, perm);
    unary(b, RQ_TFL_OP_TRANSPOSE, rank, shape, rank, out, 1, &p, NULL);
}

static void c_transpose_nchw(bld *b) { transpose_case(b, 4, S(1, 3, 5, 7), T(0, 3, 1, 2)); }
static void c_transpose_3d(bld *b) { transpose_case(b, 3, S(2, 3, 4), T(2, 0, 1)); }
static void c_transpose_5d(bld *b) { transpose_case(b, 5, S(2, 1, 3, 2, 2), T(4, 2, 0, 3, 1)); }
static void c_transpose_6d(bld *b)
{
    transpose_case(b, 6, S(2, 1, 2, 3, 1, 2), T(5, 4, 3, 2, 1, 0));
}
static void c_transpose_2d(bld *b) { transpose_case(b, 2, S(7, 9), T(1, 0)); }

static void c_squeeze_all(bld *b)
{
    unary(b, RQ_TFL_OP_SQUEEZE, 5, S(1, 1, 5, 1, 3), 2, S(5, 3), 0, NULL, NULL);
}
static void c_squeeze_dims(bld *b)
{
    rq_tfl_options o = opts();
    o.n_squeeze_dims = 2;
    o.squeeze_dims[0] = -2;
    o.squeeze_dims[1] = 0;
    unary(b, RQ_TFL_OP_SQUEEZE, 5, S(1, 1, 5, 1, 3), 3, S(1, 5, 3), 0, NULL, &o);
}

static void expand_case(bld *b, int axis, const int32_t *out_shape)
{
    int a = const_i32(b, "axis", 0, S(0), 1, T(axis));
    unary(b, RQ_TFL_OP_EXPAND_DIMS, 2, S(3, 5), 3, out_shape, 1, &a, NULL);
}
static void c_expand_last(bld *b) { expand_case(b, -1, S(3, 5, 1)); }
static void c_expand_first(bld *b) { expand_case(b, 0, S(1, 3, 5)); }
static void c_expand_mid(bld *b) { expand_case(b, 1, S(3, 1, 5)); }

/* n slice entries (n != rank with ellipsis or new axes) */
static void sparse_case(bld *b, int rank, const int32_t *shape, int n, const int32_t *begin,
                        const int32_t *end, const int32_t *strides, const rq_tfl_options *o,
                        int out_rank, const int32_t *out_shape)
{
    int c3[3] = {vec(b, "begin", n, begin), vec(b, "end", n, end),
                 vec(b, "strides", n, strides)};
    int x = input(b, RQ_TFL_INT8, rank, shape, 0.05f, -3);
    int y = output(b, RQ_TFL_INT8, out_rank, out_shape, 0.05f, -3);
    op(b, RQ_TFL_OP_STRIDED_SLICE, 4, T(x, c3[0], c3[1], c3[2]), 1, &y, o);
}

static void c_ss_ellipsis(bld *b)
{ /* x[..., 1:3] */
    rq_tfl_options o = opts();
    o.ellipsis_mask = 1;
    sparse_case(b, 4, S(2, 3, 4, 5), 2, T(0, 1), T(0, 3), T(1, 1), &o, 4, S(2, 3, 4, 2));
}
static void c_ss_new_axis(bld *b)
{ /* x[:, None, 1:3] */
    rq_tfl_options o = opts();
    o.begin_mask = 1, o.end_mask = 1, o.new_axis_mask = 2;
    sparse_case(b, 2, S(3, 4), 3, T(0, 0, 1), T(0, 0, 3), T(1, 1, 1), &o, 3, S(3, 1, 2));
}
static void c_ss_short(bld *b)
{ /* x[1:3] on a rank-3 input: the rest implied */
    rq_tfl_options o = opts();
    sparse_case(b, 3, S(4, 5, 6), 1, T(1), T(3), T(1), &o, 3, S(2, 5, 6));
}

static void strided_case(bld *b, rq_tfl_type type, int rank, const int32_t *shape,
                         const int32_t *begin, const int32_t *end, const int32_t *strides,
                         int bm, int em, int sm, int offset, int out_rank,
                         const int32_t *out_shape)
{
    int c3[3] = {vec(b, "begin", rank, begin), vec(b, "end", rank, end),
                 vec(b, "strides", rank, strides)};
    rq_tfl_options o = opts();
    o.begin_mask = bm;
    o.end_mask = em;
    o.shrink_axis_mask = sm;
    o.offset = offset;
    int x = input(b, type, rank, shape, 0.05f, -3);
    int y = output(b, type, out_rank, out_shape, 0.05f, -3);
    op(b, RQ_TFL_OP_STRIDED_SLICE, 4, T(x, c3[0], c3[1], c3[2]), 1, &y, &o);
}

static void c_ss_steps(bld *b)
{
    strided_case(b, RQ_TFL_INT8, 4, S(1, 8, 9, 4), T(0, 1, -7, 0), T(1, 7, 9, 3), T(1, 2, 3, 1),
                 0, 0, 0, 0, 4, S(1, 3, 3, 3));
}
static void c_ss_reverse(bld *b)
{ /* negative strides, begin mask on dim 1, end mask on dim 3 */
    strided_case(b, RQ_TFL_INT8, 4, S(1, 6, 5, 4), T(0, 3, 4, 3), T(1, 0, 0, 0),
                 T(1, -2, -1, -1), 2, 8, 0, 0, 4, S(1, 3, 4, 4));
}
static void c_ss_shrink(bld *b)
{
    strided_case(b, RQ_TFL_INT8, 4, S(2, 5, 6, 3), T(1, 0, -2, 0), T(2, 5, 0, 3), T(1, 1, 1, 1),
                 2, 10, 5, 0, 2, S(5, 3));
}
static void c_ss_masks(bld *b)
{
    strided_case(b, RQ_TFL_INT8, 3, S(7, 4, 6), T(100, -100, 2), T(-100, 100, 5), T(-3, 1, 2),
                 7, 7, 0, 0, 3, S(3, 4, 3));
}
static void c_ss_clamp(bld *b)
{ /* out-of-range begin/end are clamped */
    strided_case(b, RQ_TFL_INT8, 2, S(5, 6), T(-100, 2), T(100, 100), T(2, 3), 0, 0, 0, 0, 2,
                 S(3, 2));
}
static void c_ss_offset(bld *b)
{ /* end counted from begin (TFLite Micro ignores offset) */
    strided_case(b, RQ_TFL_INT8, 2, S(6, 8), T(1, 2), T(3, 4), T(1, 2), 0, 0, 0, 1, 2,
                 S(3, 2));
}
static void c_ss_int32(bld *b)
{
    strided_case(b, RQ_TFL_INT32, 1, S(6), T(1), T(-1), T(2), 0, 0, 0, 0, 1, S(2));
}

static void slice_case(bld *b, int rank, const int32_t *shape, const int32_t *begin,
                       const int32_t *size, const int32_t *out_shape)
{
    int c2[2] = {vec(b, "begin", rank, begin), vec(b, "size", rank, size)};
    unary(b, RQ_TFL_OP_SLICE, rank, shape, rank, out_shape, 2, c2, NULL);
}
static void c_slice_4d(bld *b)
{
    slice_case(b, 4, S(2, 6, 5, 3), T(1, 2, 0, 1), T(1, -1, 4, 2), S(1, 4, 4, 2));
}
static void c_slice_2d(bld *b) { slice_case(b, 2, S(9, 4), T(3, 0), T(5, 4), S(5, 4)); }

static void split_case(bld *b, int v, int axis, int rank, const int32_t *shape, int n,
                       const int32_t *sizes, const int32_t *out_shapes)
{
    int x = input(b, RQ_TFL_INT8, rank, shape, 0.05f, -3);
    int ax = const_i32(b, "axis", 0, S(0), 1, T(axis));
    int32_t ys[RQ_TFL_MAX_OP_IO];
    for (int j = 0; j < n; j++)
        ys[j] = output(b, RQ_TFL_INT8, rank, out_shapes + j * rank, 0.05f, -3);
    rq_tfl_options o = opts();
    o.count = n;
    if (v) {
        int s = vec(b, "size_splits", n, sizes);
        op(b, RQ_TFL_OP_SPLIT_V, 3, T(x, s, ax), n, ys, &o);
    } else {
        op(b, RQ_TFL_OP_SPLIT, 2, T(ax, x), n, ys, &o);
    }
}
static void c_split3_channels(bld *b)
{
    split_case(b, 0, 3, 4, S(1, 4, 4, 6), 3, NULL, T(1, 4, 4, 2, 1, 4, 4, 2, 1, 4, 4, 2));
}
static void c_split2_neg(bld *b)
{
    split_case(b, 0, -3, 4, S(1, 4, 6, 2), 2, NULL, T(1, 2, 6, 2, 1, 2, 6, 2));
}
static void c_split_v(bld *b)
{
    split_case(b, 1, 1, 4, S(1, 7, 3, 2), 3, T(2, -1, 1), T(1, 2, 3, 2, 1, 4, 3, 2, 1, 1, 3, 2));
}
static void c_split_v_neg(bld *b)
{
    split_case(b, 1, -1, 2, S(3, 10), 2, T(7, 3), T(3, 7, 3, 3));
}

static void pack_case(bld *b, int axis, int n, int rank, const int32_t *shape, int out_rank,
                      const int32_t *out_shape)
{
    int32_t ins[RQ_TFL_MAX_OP_IO];
    for (int i = 0; i < n; i++)
        ins[i] = input(b, RQ_TFL_INT8, rank, shape, 0.05f, -3);
    int y = output(b, RQ_TFL_INT8, out_rank, out_shape, 0.05f, -3);
    rq_tfl_options o = opts();
    o.axis = axis;
    o.count = n;
    op(b, RQ_TFL_OP_PACK, n, ins, 1, &y, &o);
}
static void c_pack_axis0(bld *b) { pack_case(b, 0, 3, 2, S(4, 5), 3, S(3, 4, 5)); }
static void c_pack_last(bld *b) { pack_case(b, -1, 2, 2, S(4, 5), 3, S(4, 5, 2)); }
static void c_pack_mid(bld *b) { pack_case(b, 1, 4, 3, S(2, 3, 4), 4, S(2, 4, 3, 4)); }

static void unpack_case(bld *b, int axis, int n, int rank, const int32_t *shape,
                        const int32_t *out_shape)
{
    int x = input(b, RQ_TFL_INT8, rank, shape, 0.05f, -3);
    int32_t ys[RQ_TFL_MAX_OP_IO];
    for (int j = 0; j < n; j++)
        ys[j] = output(b, RQ_TFL_INT8, rank - 1, out_shape, 0.05f, -3);
    rq_tfl_options o = opts();
    o.axis = axis;
    o.count = n;
    op(b, RQ_TFL_OP_UNPACK, 1, &x, n, ys, &o);
}
static void c_unpack_axis0(bld *b) { unpack_case(b, 0, 3, 3, S(3, 4, 5), S(4, 5)); }
static void c_unpack_last(bld *b) { unpack_case(b, -1, 5, 3, S(3, 4, 5), S(3, 4)); }

static void c_shape(bld *b)
{
    int x = input(b, RQ_TFL_INT8, 4, S(1, 5, 7, 3), 0.05f, -3);
    int y = output(b, RQ_TFL_INT32, 1, S(4), 0, 0);
    rq_tfl_options o = opts();
    o.out_type = RQ_TFL_INT32;
    op(b, RQ_TFL_OP_SHAPE, 1, &x, 1, &y, &o);
}

static void tile_case(bld *b, int rank, const int32_t *shape, const int32_t *mult,
                      const int32_t *out_shape)
{
    int mt = vec(b, "multiples", rank, mult);
    unary(b, RQ_TFL_OP_TILE, rank, shape, rank, out_shape, 1, &mt, NULL);
}
static void c_tile_2d(bld *b) { tile_case(b, 2, S(2, 3), T(2, 3), S(4, 9)); }
static void c_tile_4d(bld *b) { tile_case(b, 4, S(1, 2, 3, 2), T(1, 3, 1, 2), S(1, 6, 3, 4)); }

static void gather_case(bld *b, int axis, int bd, int rank, const int32_t *shape, int irank,
                        const int32_t *ishape, int n_idx, const int32_t *idx, int out_rank,
                        const int32_t *out_shape)
{
    int ix = const_i32(b, "indices", irank, ishape, n_idx, idx);
    rq_tfl_options o = opts();
    o.axis = axis;
    o.batch_dims = bd;
    unary(b, RQ_TFL_OP_GATHER, rank, shape, out_rank, out_shape, 1, &ix, &o);
}
static void c_gather_rows(bld *b)
{
    gather_case(b, 0, 0, 2, S(5, 4), 1, S(3), 3, T(4, 0, 2), 2, S(3, 4));
}
static void c_gather_2d_idx(bld *b)
{
    gather_case(b, -1, 0, 3, S(2, 3, 6), 2, S(2, 2), 4, T(5, 0, 0, 3), 4, S(2, 3, 2, 2));
}
static void c_gather_batch(bld *b)
{
    gather_case(b, 1, 1, 3, S(2, 5, 3), 2, S(2, 4), 8, T(0, 4, 4, 1, 2, 3, 0, 0), 3,
                S(2, 4, 3));
}

static void c_gather_scalar(bld *b)
{ /* a scalar index removes the axis */
    gather_case(b, 0, 0, 2, S(4, 3), 0, S(0), 1, T(2), 1, S(3));
}

static void d2s_case(bld *b, rq_tfl_builtin code, int bs, const int32_t *shape,
                     const int32_t *out_shape)
{
    rq_tfl_options o = opts();
    o.block_size = bs;
    unary(b, code, 4, shape, 4, out_shape, 0, NULL, &o);
}
static void c_d2s_2(bld *b) { d2s_case(b, RQ_TFL_OP_DEPTH_TO_SPACE, 2, S(1, 3, 4, 8), S(1, 6, 8, 2)); }
static void c_d2s_3(bld *b) { d2s_case(b, RQ_TFL_OP_DEPTH_TO_SPACE, 3, S(2, 2, 2, 18), S(2, 6, 6, 2)); }
static void c_s2d_2(bld *b) { d2s_case(b, RQ_TFL_OP_SPACE_TO_DEPTH, 2, S(1, 4, 6, 3), S(1, 2, 3, 12)); }
static void c_s2d_3(bld *b) { d2s_case(b, RQ_TFL_OP_SPACE_TO_DEPTH, 3, S(2, 6, 3, 2), S(2, 2, 1, 18)); }

/* Keras Flatten as the converter leaves it: SHAPE -> STRIDED_SLICE (batch, shrunk) ->
 * PACK [batch, -1] -> RESHAPE, all int32 but the data. */
static void flatten_chain(bld *b, int then_pad)
{
    int x = input(b, RQ_TFL_INT8, 4, S(1, 4, 5, 3), 0.05f, -3);
    int sh = tensor(b, "flatten/Shape", RQ_TFL_INT32, 1, S(4), 0, 0);
    rq_tfl_options o = opts();
    o.out_type = RQ_TFL_INT32;
    op(b, RQ_TFL_OP_SHAPE, 1, &x, 1, &sh, &o);
    int c3[3] = {vec(b, "flatten/begin", 1, T(0)), vec(b, "flatten/end", 1, T(1)),
                 vec(b, "flatten/strides", 1, T(1))};
    int batch = tensor(b, "flatten/strided_slice", RQ_TFL_INT32, 0, S(0), 0, 0);
    o = opts();
    o.shrink_axis_mask = 1;
    op(b, RQ_TFL_OP_STRIDED_SLICE, 4, T(sh, c3[0], c3[1], c3[2]), 1, &batch, &o);
    int minus1 = const_i32(b, "flatten/Reshape/shape/1", 0, S(0), 1, T(-1));
    int shape = tensor(b, "flatten/Reshape/shape", RQ_TFL_INT32, 1, S(2), 0, 0);
    o = opts();
    o.axis = 0;
    o.count = 2;
    op(b, RQ_TFL_OP_PACK, 2, T(batch, minus1), 1, &shape, &o);
    if (!then_pad) {
        int y = output(b, RQ_TFL_INT8, 2, S(1, 60), 0.05f, -3);
        op(b, RQ_TFL_OP_RESHAPE, 2, T(x, shape), 1, &y, NULL);
        return;
    }
    int flat = tensor(b, "flatten/Reshape", RQ_TFL_INT8, 2, S(1, 60), 0.05f, -3);
    op(b, RQ_TFL_OP_RESHAPE, 2, T(x, shape), 1, &flat, NULL);
    int p = const_i32(b, "paddings", 2, S(2, 2), 4, T(0, 0, 2, 1));
    int y = output(b, RQ_TFL_INT8, 2, S(1, 63), 0.05f, -3);
    op(b, RQ_TFL_OP_PAD, 2, T(flat, p), 1, &y, NULL);
}

static void c_flatten_chain(bld *b) { flatten_chain(b, 0); }
static void c_flatten_then_pad(bld *b) { flatten_chain(b, 1); }

typedef struct movement_case {
    const char *name;
    void (*build)(bld *b);
    int flags;
} movement_case;

static const movement_case cases[] = {
    {"concat_channels", c_concat_channels, 0},
    {"concat_rows3", c_concat_rows3, 0},
    {"concat_rank2_neg", c_concat_rank2_neg, 0},
    {"concat_int32", c_concat_int32, 0},
    {"concat_requant", c_concat_requant, RQ_TFL_MV_REF_MODEL},
    {"concat_requant.ref", c_concat_requant_ref, RQ_TFL_MV_HIDDEN},
    {"concat_8in", c_concat_8in, 0},
    {"pad_hw", c_pad_hw, 0},
    {"pad_all", c_pad_all, 0},
    {"pad_rank2", c_pad_rank2, 0},
    {"pad_rank5", c_pad_rank5, 0},
    {"pad_channels", c_pad_channels, 0},
    {"padv2", c_padv2, 0},
    {"bilinear_up", c_bilinear_up, RQ_TFL_MV_ROUNDS},
    {"bilinear_align", c_bilinear_align, RQ_TFL_MV_ROUNDS},
    {"bilinear_half", c_bilinear_half, RQ_TFL_MV_ROUNDS},
    {"bilinear_down", c_bilinear_down, RQ_TFL_MV_ROUNDS},
    {"bilinear_x2_half", c_bilinear_x2_half, RQ_TFL_MV_ROUNDS},
    {"bilinear_1px", c_bilinear_1px, RQ_TFL_MV_ROUNDS},
    {"bilinear_odd", c_bilinear_odd, RQ_TFL_MV_ROUNDS},
    {"nearest_up", c_nearest_up, 0},
    {"nearest_align", c_nearest_align, 0},
    {"nearest_half", c_nearest_half, 0},
    {"nearest_down", c_nearest_down, 0},
    {"nearest_x2", c_nearest_x2, 0},
    {"nearest_1px", c_nearest_1px, 0},
    {"transpose_nchw", c_transpose_nchw, 0},
    {"transpose_3d", c_transpose_3d, 0},
    {"transpose_5d", c_transpose_5d, 0},
    {"transpose_6d", c_transpose_6d, RQ_TFL_MV_NO_TFLM},
    {"transpose_2d", c_transpose_2d, 0},
    {"squeeze_all", c_squeeze_all, 0},
    {"squeeze_dims", c_squeeze_dims, 0},
    {"expand_last", c_expand_last, 0},
    {"expand_first", c_expand_first, 0},
    {"expand_mid", c_expand_mid, 0},
    {"ss_steps", c_ss_steps, 0},
    {"ss_reverse", c_ss_reverse, 0},
    {"ss_shrink", c_ss_shrink, 0},
    {"ss_masks", c_ss_masks, 0},
    {"ss_clamp", c_ss_clamp, 0},
    {"ss_offset", c_ss_offset, RQ_TFL_MV_NO_TFLM},
    {"ss_int32", c_ss_int32, 0},
    {"ss_ellipsis", c_ss_ellipsis, RQ_TFL_MV_NO_TFLM},
    {"ss_new_axis", c_ss_new_axis, RQ_TFL_MV_NO_TFLM},
    {"ss_short", c_ss_short, RQ_TFL_MV_NO_TFLM},
    {"slice_4d", c_slice_4d, 0},
    {"slice_2d", c_slice_2d, 0},
    {"split3_channels", c_split3_channels, 0},
    {"split2_neg", c_split2_neg, 0},
    {"split_v", c_split_v, 0},
    {"split_v_neg", c_split_v_neg, 0},
    {"pack_axis0", c_pack_axis0, 0},
    {"pack_last", c_pack_last, 0},
    {"pack_mid", c_pack_mid, 0},
    {"unpack_axis0", c_unpack_axis0, 0},
    {"unpack_last", c_unpack_last, 0},
    {"shape", c_shape, RQ_TFL_MV_NO_LITERT},
    {"tile_2d", c_tile_2d, RQ_TFL_MV_NO_TFLM},
    {"tile_4d", c_tile_4d, RQ_TFL_MV_NO_TFLM},
    {"gather_rows", c_gather_rows, 0},
    {"gather_2d_idx", c_gather_2d_idx, 0},
    {"gather_batch", c_gather_batch, 0},
    {"gather_scalar", c_gather_scalar, 0},
    {"d2s_2", c_d2s_2, 0},
    {"d2s_3", c_d2s_3, 0},
    {"s2d_2", c_s2d_2, 0},
    {"s2d_3", c_s2d_3, 0},
    {"flatten_chain", c_flatten_chain, RQ_TFL_MV_NO_LITERT},
    {"flatten_then_pad", c_flatten_then_pad, 0},
    {NULL, NULL, 0},
};

const char *rq_tfl_movement_model_name(int i)
{
    if (i < 0 || i >= (int)(sizeof cases / sizeof cases[0]))
        return NULL;
    return cases[i].name;
}

int rq_tfl_movement_model_flags(const char *name)
{
    for (int i = 0; cases[i].name; i++)
        if (!strcmp(cases[i].name, name))
            return cases[i].flags;
    return -1;
}

int rq_tfl_build_movement_model(rq_tfl_model *m, const char *name, rq_error *err)
{
    rq_tfl_model_init(m);
    for (int i = 0; cases[i].name; i++) {
        if (strcmp(cases[i].name, name))
            continue;
        bld b = {.m = m, .err = err};
        cases[i].build(&b);
        if (b.fail || rq_tfl_set_graph_io(m, b.n_in, b.in, b.n_out, b.out, err))
            return -1;
        return rq_tfl_set_description(m, name, err);
    }
    return rq_fail(err, "no movement test model named %s", name);
}
