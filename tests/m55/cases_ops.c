/* Random instances of the int8 operator kernels of the MCU graph path (runtime/q8_net.c)
 * beyond the convolutions and pools of cases.c: DEPTHWISE_CONV_2D with any depth multiplier
 * and dilation, the broadcasting two-input operators (ADD, SUB, MUL, MAXIMUM, MINIMUM, PRELU),
 * table lookups (RELU ... LOGISTIC), SUM and REDUCE_MAX over random axes, TRANSPOSE_CONV,
 * RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR, SOFTMAX, requantizing copies (QUANTIZE, the
 * inputs of a CONCATENATION). Every case prints a hash of its output bytes; run.sh requires
 * the lines of the Helium and the portable M55 builds and of the host build to be identical.
 * Parameters are drawn wide on purpose (shifts on both sides of 0, extreme zero points,
 * rows not multiples of the vector length, broadcasts on either side) so that every vector
 * path and its scalar fallbacks run. */
#include <string.h>

#include "cases.h"
#include "int8_dwfc.h"
#include "int8_movement.h"
#include "int8_ops.h"

#ifdef RQ_M55
#define BIG_BUFFER __attribute__((section(".sram")))
#else
#define BIG_BUFFER
#endif

#define OPS_MAX 8192
static BIG_BUFFER int8_t ops_a[OPS_MAX], ops_b[OPS_MAX], ops_w[OPS_MAX], ops_out[2 * OPS_MAX];
static BIG_BUFFER int32_t ops_acc[2 * OPS_MAX];
static int32_t ops_bias[64], ops_mult[64], ops_shift[64]; /* per-channel parameters */
static rppg_q8_lut ops_lut;
static rppg_q8_softmax ops_softmax;

static void fill_i8(uint32_t *rng, int8_t *v, int n)
{
    int i;
    for (i = 0; i < n; i++)
        v[i] = (int8_t)rq_rng_range(rng, -128, 127);
}

/* a real multiplier mantissa * 2^e, e in [e_lo, e_hi], as (multiplier, shift) */
static void random_multiplier(uint32_t *rng, int e_lo, int e_hi, rppg_q8_rounding r, int32_t *m,
                              int *shift)
{
    const double mant = (double)rq_rng_range(rng, 1 << 19, 1 << 20) / (double)(1 << 20);
    const int e = rq_rng_range(rng, e_lo, e_hi);
    rppg_q8_quantize_multiplier(e >= 0 ? mant * (double)(1 << e) : mant / (double)(1 << -e), r, m, shift);
}

static void random_channels(uint32_t *rng, int n, rppg_q8_rounding r)
{
    int i, shift;
    for (i = 0; i < n; i++) {
        random_multiplier(rng, -14, 1, r, &ops_mult[i], &shift);
        ops_shift[i] = shift;
        ops_bias[i] = rq_rng_range(rng, -40000, 40000);
    }
}

/* ---- DEPTHWISE_CONV_2D, depth multiplier 1..4, dilation 1..3 ------------------------------ */

static void case_depthwise(const rq_case_io *io, uint32_t *rng, int k)
{
    rppg_q8_dwconv d;
    int same;
    d.in_h = rq_rng_range(rng, 1, 12), d.in_w = rq_rng_range(rng, 1, 12);
    d.in_c = rq_rng_range(rng, 1, 13), d.depth_mult = rq_rng_range(rng, 1, 4);
    d.k_h = rq_rng_range(rng, 1, 3), d.k_w = rq_rng_range(rng, 1, 3);
    d.stride_h = rq_rng_range(rng, 1, 2), d.stride_w = rq_rng_range(rng, 1, 2);
    d.dil_h = rq_rng_range(rng, 1, 3), d.dil_w = rq_rng_range(rng, 1, 3);
    same = rq_rng_range(rng, 0, 1);
    rppg_q8_out_size(d.in_h, (d.k_h - 1) * d.dil_h + 1, d.stride_h, same, &d.out_h, &d.pad_top);
    rppg_q8_out_size(d.in_w, (d.k_w - 1) * d.dil_w + 1, d.stride_w, same, &d.out_w, &d.pad_left);
    d.in_zp = rq_rng_range(rng, -128, 127), d.out_zp = rq_rng_range(rng, -128, 127);
    d.act_min = rq_rng_range(rng, 0, 1) ? d.out_zp : -128;
    d.act_max = rq_rng_range(rng, 0, 1) ? 127 : rq_rng_range(rng, d.act_min, 127); /* lo <= hi, as TFLite's */
    d.rounding = (rppg_q8_rounding)(k % 2);
    random_channels(rng, d.in_c * d.depth_mult, d.rounding);
    fill_i8(rng, ops_a, d.in_h * d.in_w * d.in_c);
    fill_i8(rng, ops_w, d.k_h * d.k_w * d.in_c * d.depth_mult);
    d.weights = ops_w, d.bias = rq_rng_range(rng, 0, 3) ? ops_bias : NULL;
    d.multiplier = ops_mult, d.shift = ops_shift;
    if (d.out_h <= 0 || d.out_w <= 0)
        return;
    rppg_q8_depthwise_conv2d(&d, ops_a, ops_out);
    rq_emitf(io, "op dwconv %d %dx%dx%d mult=%d k=%dx%d s=%dx%d d=%dx%d hash=%08lx", k, d.in_h, d.in_w,
             d.in_c, d.depth_mult, d.k_h, d.k_w, d.stride_h, d.stride_w, d.dil_h, d.dil_w,
             (unsigned long)rq_fnv1a(ops_out, (size_t)d.out_h * d.out_w * d.in_c * d.depth_mult));
}

/* ---- two-input operators with broadcasting ------------------------------------------------ */

/* Shapes of a and b (rank 3 or 5): same shape, b per channel, b a scalar, a per channel
 * (the broadcast on the other side), b repeated along rows, 5-D with 1s on both sides. */
static int random_shapes(uint32_t *rng, int form, int32_t *as, int32_t *bs)
{
    const int32_t h = rq_rng_range(rng, 1, 9), w = rq_rng_range(rng, 1, 9), c = rq_rng_range(rng, 1, 37);
    int i;
    for (i = 0; i < 5; i++)
        as[i] = bs[i] = 1;
    as[0] = h, as[1] = w, as[2] = c;
    bs[0] = h, bs[1] = w, bs[2] = c;
    switch (form) {
    case 0: return 3;
    case 1: bs[0] = bs[1] = 1; return 3;
    case 2: bs[0] = bs[1] = bs[2] = 1; return 3;
    case 3: as[0] = as[1] = 1; return 3;
    case 4: bs[1] = 1; return 3;
    default:
        as[0] = 2, as[1] = 1, as[2] = h, as[3] = w, as[4] = c > 9 ? 9 : c;
        bs[0] = 1, bs[1] = 3, bs[2] = h, bs[3] = 1, bs[4] = as[4];
        return 5;
    }
}

static void random_binary(uint32_t *rng, rppg_q8_binary_kind kind, rppg_q8_rounding r, rppg_q8_binary *p)
{
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->rounding = r;
    p->a_offset = rq_rng_range(rng, -127, 128), p->b_offset = rq_rng_range(rng, -127, 128);
    p->out_offset = rq_rng_range(rng, -128, 127);
    p->act_min = rq_rng_range(rng, 0, 1) ? rq_rng_range(rng, -128, 0) : -128;
    p->act_max = rq_rng_range(rng, 0, 1) ? rq_rng_range(rng, 1, 127) : 127;
    switch (kind) {
    case RPPG_Q8_ADD:
    case RPPG_Q8_SUB: /* TFLite's prepare: inputs at most 1/2 of twice the larger scale */
        p->left_shift = 20;
        random_multiplier(rng, -12, -1, r, &p->a_mult, &p->a_shift);
        random_multiplier(rng, -12, -1, r, &p->b_mult, &p->b_shift);
        if (rq_rng_range(rng, 0, 1)) /* the larger input's rescale is exactly 1/2 (shift 0) */
            rppg_q8_quantize_multiplier(0.5, r, &p->b_mult, &p->b_shift);
        random_multiplier(rng, -30, -8, r, &p->out_mult, &p->out_shift);
        break;
    case RPPG_Q8_MUL: /* a third with shift 0 (multipliers in [1/2, 1)), where no sign fix applies */
        if (rq_rng_range(rng, 0, 2) == 0)
            random_multiplier(rng, 0, 0, r, &p->out_mult, &p->out_shift);
        else
            random_multiplier(rng, -16, 2, r, &p->out_mult, &p->out_shift);
        break;
    case RPPG_Q8_PRELU:
        random_multiplier(rng, -4, 3, r, &p->a_mult, &p->a_shift);
        random_multiplier(rng, rq_rng_range(rng, 0, 2) == 0 ? 0 : -14, 0, r, &p->out_mult, &p->out_shift);
        break;
    default: break;
    }
}

static int case_binary(const rq_case_io *io, uint32_t *rng, int k)
{
    const rppg_q8_binary_kind kind = (rppg_q8_binary_kind)(k % 6);
    const int form = (k / 6) % 6;
    int32_t as[5], bs[5], os[5];
    rppg_q8_binary p;
    rppg_q8_bcast g;
    int rank = random_shapes(rng, form, as, bs), bad, i;
    size_t na = 1, nb = 1, no = 1;
    if (rppg_q8_bcast_prepare(rank, as, rank, bs, &g, os, &bad) != 0)
        return 1;
    for (i = 0; i < rank; i++)
        na *= (size_t)as[i], nb *= (size_t)bs[i], no *= (size_t)os[i];
    random_binary(rng, kind, (rppg_q8_rounding)((k / 36) % 2), &p);
    fill_i8(rng, ops_a, (int)na);
    fill_i8(rng, ops_b, (int)nb);
    rppg_q8_binary_run(&p, &g, ops_a, ops_b, ops_out);
    rq_emitf(io, "op binary %d kind=%d form=%d rank=%d n=%lu hash=%08lx", k, (int)kind, form, rank,
             (unsigned long)no, (unsigned long)rq_fnv1a(ops_out, no));
    return 0;
}

/* ---- table lookups ----------------------------------------------------------------------- */

static void case_lut(const rq_case_io *io, uint32_t *rng, int k)
{
    const int n = rq_rng_range(rng, 1, 700);
    fill_i8(rng, (int8_t *)ops_lut.table, 256);
    fill_i8(rng, ops_a, n);
    rppg_q8_lut_run(&ops_lut, (const uint8_t *)ops_a, (uint8_t *)ops_out, (size_t)n);
    rq_emitf(io, "op lut %d n=%d hash=%08lx", k, n, (unsigned long)rq_fnv1a(ops_out, (size_t)n));
}

/* ---- SUM and REDUCE_MAX over random axes --------------------------------------------------- */

static void random_reduce(uint32_t *rng, int k, rppg_q8_reduce *p)
{
    int d, any = 0;
    int64_t stride = 1;
    memset(p, 0, sizeof *p);
    p->rank = rq_rng_range(rng, 1, 4);
    p->n_out = p->n_reduce = 1;
    for (d = p->rank - 1; d >= 0; d--) {
        const int reduce = rq_rng_range(rng, 0, 2) == 0 || (d == 0 && !any);
        p->in_dims[d] = rq_rng_range(rng, 1, d == p->rank - 1 || p->rank <= 2 ? 40 : 5);
        any |= reduce;
        p->out_stride[d] = reduce ? 0 : (int32_t)stride;
        if (reduce)
            p->n_reduce *= p->in_dims[d];
        else
            stride *= p->in_dims[d], p->n_out *= p->in_dims[d];
    }
    p->in_zp = rq_rng_range(rng, -128, 127), p->out_zp = rq_rng_range(rng, -128, 127);
    p->rounding = (rppg_q8_rounding)(k % 2);
    random_multiplier(rng, -14, 1, p->rounding, &p->mult, &p->shift);
}

static void case_reduce(const rq_case_io *io, uint32_t *rng, int k)
{
    rppg_q8_reduce p;
    random_reduce(rng, k, &p);
    fill_i8(rng, ops_a, p.n_out * p.n_reduce);
    rppg_q8_reduce_sum_run(&p, ops_a, ops_out, ops_acc);
    rq_emitf(io, "op sum %d rank=%d last=%ld%s out=%ld reduce=%ld hash=%08lx", k, p.rank,
             (long)p.in_dims[p.rank - 1], p.out_stride[p.rank - 1] ? "" : " reduced", (long)p.n_out, (long)p.n_reduce, (unsigned long)rq_fnv1a(ops_out, (size_t)p.n_out));
    rppg_q8_reduce_max_run(&p, ops_a, ops_out);
    rq_emitf(io, "op reduce_max %d hash=%08lx", k, (unsigned long)rq_fnv1a(ops_out, (size_t)p.n_out));
}

/* ---- TRANSPOSE_CONV ----------------------------------------------------------------------- */

static void case_transpose_conv(const rq_case_io *io, uint32_t *rng, int k)
{
    rppg_q8_transpose_conv t;
    size_t n_out;
    const int many = k % 4 == 3; /* taps x output channels over the Helium kernel's table */
    t.batches = many ? 1 : rq_rng_range(rng, 1, 2);
    t.in_h = rq_rng_range(rng, 1, many ? 4 : 6), t.in_w = rq_rng_range(rng, 1, many ? 4 : 6);
    t.in_c = rq_rng_range(rng, 1, many ? 12 : 40), t.out_c = many ? rq_rng_range(rng, 33, 40) : rq_rng_range(rng, 1, 12);
    t.k_h = rq_rng_range(rng, many ? 3 : 1, 4), t.k_w = rq_rng_range(rng, many ? 3 : 1, 4);
    t.stride_h = rq_rng_range(rng, 1, 3), t.stride_w = rq_rng_range(rng, 1, 3);
    t.pad_top = rq_rng_range(rng, 0, t.k_h - 1), t.pad_left = rq_rng_range(rng, 0, t.k_w - 1);
    t.out_h = (t.in_h - 1) * t.stride_h + t.k_h - 2 * t.pad_top;
    t.out_w = (t.in_w - 1) * t.stride_w + t.k_w - 2 * t.pad_left;
    if (t.out_h < 1)
        t.out_h = 1;
    if (t.out_w < 1)
        t.out_w = 1;
    n_out = (size_t)t.batches * t.out_h * t.out_w * t.out_c;
    t.in_zp = rq_rng_range(rng, -128, 127), t.out_zp = rq_rng_range(rng, -128, 127);
    t.act_min = rq_rng_range(rng, 0, 1) ? t.out_zp : -128, t.act_max = 127;
    t.rounding = (rppg_q8_rounding)(k % 2);
    random_channels(rng, t.out_c, t.rounding);
    fill_i8(rng, ops_a, t.batches * t.in_h * t.in_w * t.in_c);
    fill_i8(rng, ops_w, t.out_c * t.k_h * t.k_w * t.in_c);
    t.weights = ops_w, t.bias = rq_rng_range(rng, 0, 2) ? ops_bias : NULL;
    t.multiplier = ops_mult, t.shift = ops_shift;
    rppg_q8_transpose_conv_run(&t, ops_a, ops_out, ops_acc);
    rq_emitf(io, "op transpose_conv %d %dx%dx%d->%dx%dx%d k=%dx%d s=%dx%d hash=%08lx", k, t.in_h, t.in_w,
             t.in_c, t.out_h, t.out_w, t.out_c, t.k_h, t.k_w, t.stride_h, t.stride_w,
             (unsigned long)rq_fnv1a(ops_out, n_out));
}

/* ---- RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR ---------------------------------------------- */

static void case_resize(const rq_case_io *io, uint32_t *rng, int k)
{
    rppg_mv_resize r;
    int32_t yi[64], xi[64];
    size_t n_out;
    r.batches = rq_rng_range(rng, 1, 2);
    r.in_h = rq_rng_range(rng, 1, 9), r.in_w = rq_rng_range(rng, 1, 9), r.depth = rq_rng_range(rng, 1, 19);
    r.out_h = rq_rng_range(rng, 1, 20), r.out_w = rq_rng_range(rng, 1, 20);
    r.align_corners = rq_rng_range(rng, 0, 2) == 0;
    r.half_pixel_centers = !r.align_corners && rq_rng_range(rng, 0, 1);
    r.rounding = (rppg_q8_rounding)(k % 2);
    n_out = (size_t)r.batches * r.out_h * r.out_w * r.depth;
    fill_i8(rng, ops_a, r.batches * r.in_h * r.in_w * r.depth);
    rppg_mv_resize_bilinear_s8(&r, ops_a, ops_out);
    rq_emitf(io, "op resize_bilinear %d %ldx%ldx%ld->%ldx%ld ac=%d hp=%d hash=%08lx", k, (long)r.in_h,
             (long)r.in_w, (long)r.depth, (long)r.out_h, (long)r.out_w, r.align_corners, r.half_pixel_centers, (unsigned long)rq_fnv1a(ops_out, n_out));
    rppg_mv_nearest_index(r.in_h, r.out_h, r.align_corners, r.half_pixel_centers, yi);
    rppg_mv_nearest_index(r.in_w, r.out_w, r.align_corners, r.half_pixel_centers, xi);
    rppg_mv_resize_nearest(&r, yi, xi, 1, ops_a, ops_out);
    rq_emitf(io, "op resize_nearest %d hash=%08lx", k, (unsigned long)rq_fnv1a(ops_out, n_out));
}

/* ---- SOFTMAX ------------------------------------------------------------------------------- */

static int case_softmax(const rq_case_io *io, uint32_t *rng, int k)
{
    const int32_t rows = rq_rng_range(rng, 1, 5), depth = rq_rng_range(rng, 1, 300);
    const double beta = (double)rq_rng_range(rng, 1, 40) / 10.0;
    const float scale = (float)rq_rng_range(rng, 1, 1000) / 4096.0f;
    if (rppg_q8_softmax_prepare(beta, scale, rows, depth, (rppg_q8_rounding)(k % 2), &ops_softmax) != 0)
        return 0;
    fill_i8(rng, ops_a, rows * depth);
    rppg_q8_softmax_run(&ops_softmax, ops_a, ops_out);
    rq_emitf(io, "op softmax %d %ldx%ld hash=%08lx", k, (long)rows, (long)depth,
             (unsigned long)rq_fnv1a(ops_out, (size_t)(rows * depth)));
    return 0;
}

/* ---- requantizing copies (QUANTIZE int8 -> int8, CONCATENATION inputs) ---------------------- */

static void case_requant_copy(const rq_case_io *io, uint32_t *rng, int k)
{
    rppg_mv_view v;
    rppg_mv_requant q;
    const int32_t rows = rq_rng_range(rng, 1, 8), cols = rq_rng_range(rng, 1, 50);
    const int pitch = cols + rq_rng_range(rng, 0, 5);
    memset(&v, 0, sizeof v);
    v.rank = 2, v.elem = 1;
    v.dims[0] = rows, v.dims[1] = cols;
    v.in_stride[0] = cols, v.in_stride[1] = 1;
    v.out_stride[0] = pitch, v.out_stride[1] = k % 3 == 2 ? -1 : 1; /* a reversed row: scalar */
    v.out_off = k % 3 == 2 ? cols - 1 : 0;
    q.in_zp = rq_rng_range(rng, -128, 127), q.out_zp = rq_rng_range(rng, -128, 127);
    q.rounding = (rppg_q8_rounding)(k % 2);
    random_multiplier(rng, -6, 3, q.rounding, &q.multiplier, &q.shift);
    fill_i8(rng, ops_a, rows * cols);
    memset(ops_out, 0x5a, (size_t)(rows * pitch));
    rppg_mv_copy_requant(&v, &q, ops_a, ops_out);
    rq_emitf(io, "op requant_copy %d %ldx%ld hash=%08lx", k, (long)rows, (long)cols,
             (unsigned long)rq_fnv1a(ops_out, (size_t)(rows * pitch)));
}

int rq_run_op_cases(const rq_case_io *io, uint32_t seed)
{
    int k, fails = 0;
    for (k = 0; k < 24; k++)
        case_depthwise(io, &seed, k);
    for (k = 0; k < 144; k++) /* 6 kinds x 6 broadcast forms x 2 roundings, twice */
        fails += case_binary(io, &seed, k);
    for (k = 0; k < 8; k++)
        case_lut(io, &seed, k);
    for (k = 0; k < 32; k++)
        case_reduce(io, &seed, k);
    for (k = 0; k < 16; k++)
        case_transpose_conv(io, &seed, k);
    for (k = 0; k < 24; k++)
        case_resize(io, &seed, k);
    for (k = 0; k < 12; k++)
        fails += case_softmax(io, &seed, k);
    for (k = 0; k < 12; k++)
        case_requant_copy(io, &seed, k);
    return fails;
}
