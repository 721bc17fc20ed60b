/* Bench image for the Cortex-M55 (QEMU mps3-an547): one instance of each int8 operator family
 * of the MCU graph path beyond the Spatial CNN's layers (depthwise with multipliers 1, 2, 4
 * and dilation, the two-input operators, table lookups, reductions, TRANSPOSE_CONV, RESIZE,
 * SOFTMAX, requantizing and plain data movement), each between two calls of rq_icount_mark
 * (bench/m55/icount_plugin.c counts the instructions). With -DRQ_CMSIS_NN the operators that
 * CMSIS-NN has a kernel for also run through it on the same inputs (CMSIS-NN built from a
 * checkout outside this repository by bench/m55_icount.sh), and the outputs are compared
 * byte for byte. Prints "region NAME" per mark pair and "compare NAME identical=0|1". */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "int8_dwfc.h"
#include "int8_movement.h"
#include "int8_ops.h"
#include "q8_moves.h"
#ifdef RQ_CMSIS_NN
#include "arm_nnfunctions.h"
#endif
#include "icount.h"

#define H 18
#define W 18
#define C 32
#define N (H * W * C)
static int8_t x[N], y[N], w[8 * 9 * 16], out[2 * N];
static int32_t bias[C], mult[C], shift[C], acc[2 * N];
static rppg_q8_lut lut;
static rppg_q8_softmax smx;
#ifdef RQ_CMSIS_NN
static int8_t cmsis_buf[32768], theirs[2 * N];

static void compare(const char *name, const int8_t *a, const int8_t *b, size_t n)
{
    printf("compare %s identical=%d\n", name, !memcmp(a, b, n));
}
#endif

static uint32_t rng_next(uint32_t *s)
{
    uint32_t v = *s;
    v ^= v << 13;
    v ^= v >> 17;
    v ^= v << 5;
    return *s = v;
}

/* ---- depthwise ---------------------------------------------------------------------------- */

static rppg_q8_dwconv dw_params(int in_c, int depth_mult, int dil)
{
    rppg_q8_dwconv d;
    memset(&d, 0, sizeof d);
    d.in_h = H, d.in_w = W, d.in_c = in_c, d.depth_mult = depth_mult;
    d.k_h = d.k_w = 3, d.stride_h = d.stride_w = 1, d.dil_h = d.dil_w = dil;
    rppg_q8_out_size(H, 2 * dil + 1, 1, 1, &d.out_h, &d.pad_top);
    rppg_q8_out_size(W, 2 * dil + 1, 1, 1, &d.out_w, &d.pad_left);
    d.in_zp = -7, d.out_zp = 5, d.act_min = -128, d.act_max = 127;
    d.weights = w, d.bias = bias, d.multiplier = mult, d.shift = shift;
    d.rounding = RPPG_Q8_ROUND_DOUBLE;
    return d;
}

static void bench_depthwise(const char *name, int in_c, int depth_mult, int dil)
{
    const rppg_q8_dwconv d = dw_params(in_c, depth_mult, dil);
    const size_t n = (size_t)d.out_h * d.out_w * in_c * depth_mult;
    REGION(name, rppg_q8_depthwise_conv2d(&d, x, out));
#ifdef RQ_CMSIS_NN
    {
        char cname[64];
        cmsis_nn_context ctx = {cmsis_buf, sizeof cmsis_buf};
        cmsis_nn_dw_conv_params dp = {-d.in_zp, d.out_zp, depth_mult, {1, 1}, {d.pad_left, d.pad_top},
                                      {dil, dil}, {d.act_min, d.act_max}};
        cmsis_nn_per_channel_quant_params qp = {mult, shift};
        cmsis_nn_dims id = {1, H, W, in_c}, fd = {1, 3, 3, in_c * depth_mult}, bd = {1, 1, 1, in_c * depth_mult};
        cmsis_nn_dims od = {1, d.out_h, d.out_w, in_c * depth_mult};
        snprintf(cname, sizeof cname, "cmsis_%s", name);
        REGION(cname, arm_depthwise_conv_wrapper_s8(&ctx, &dp, &qp, &id, x, &fd, w, &bd, bias, &od, theirs));
        compare(name, out, theirs, n);
    }
#endif
    (void)n;
}

/* ---- two-input operators ------------------------------------------------------------------ */

static rppg_q8_binary binary_params(rppg_q8_binary_kind kind)
{
    rppg_q8_binary p;
    int s;
    memset(&p, 0, sizeof p);
    p.kind = kind;
    p.a_offset = 7, p.b_offset = -3, p.out_offset = -2;
    p.act_min = -128, p.act_max = 127;
    p.rounding = RPPG_Q8_ROUND_DOUBLE;
    if (kind == RPPG_Q8_ADD || kind == RPPG_Q8_SUB) { /* scales 0.02, 0.03 -> 0.04 */
        p.left_shift = 20;
        rppg_q8_quantize_multiplier(0.02 / 0.06, p.rounding, &p.a_mult, &s), p.a_shift = s;
        rppg_q8_quantize_multiplier(0.03 / 0.06, p.rounding, &p.b_mult, &s), p.b_shift = s;
        rppg_q8_quantize_multiplier(0.06 / (1 << 20) / 0.04, p.rounding, &p.out_mult, &s), p.out_shift = s;
    } else if (kind == RPPG_Q8_MUL) {
        rppg_q8_quantize_multiplier(0.02 * 0.03 / 0.05, p.rounding, &p.out_mult, &s), p.out_shift = s;
    } else if (kind == RPPG_Q8_PRELU) {
        rppg_q8_quantize_multiplier(0.02 / 0.03, p.rounding, &p.a_mult, &s), p.a_shift = s;
        rppg_q8_quantize_multiplier(0.02 * 0.01 / 0.03, p.rounding, &p.out_mult, &s), p.out_shift = s;
    }
    return p;
}

static void bench_binary(const char *name, rppg_q8_binary_kind kind, int per_channel_b)
{
    const rppg_q8_binary p = binary_params(kind);
    const int32_t shape[3] = {H, W, C}, chan[3] = {1, 1, C};
    int32_t os[3];
    rppg_q8_bcast g;
    int bad;
    rppg_q8_bcast_prepare(3, shape, 3, per_channel_b ? chan : shape, &g, os, &bad);
    REGION(name, rppg_q8_binary_run(&p, &g, x, y, out));
#ifdef RQ_CMSIS_NN
    if (!per_channel_b && kind != RPPG_Q8_PRELU && kind != RPPG_Q8_SUB) {
        char cname[64];
        cmsis_nn_context ctx = {cmsis_buf, sizeof cmsis_buf};
        cmsis_nn_dims d = {1, H, W, C};
        snprintf(cname, sizeof cname, "cmsis_%s", name);
        if (kind == RPPG_Q8_ADD)
            REGION(cname, arm_elementwise_add_s8(x, y, p.a_offset, p.a_mult, p.a_shift, p.b_offset, p.b_mult,
                                                 p.b_shift, p.left_shift, theirs, p.out_offset, p.out_mult,
                                                 p.out_shift, p.act_min, p.act_max, N));
        else if (kind == RPPG_Q8_MUL)
            REGION(cname, arm_elementwise_mul_s8(x, y, p.a_offset, p.b_offset, theirs, p.out_offset, p.out_mult,
                                                 p.out_shift, p.act_min, p.act_max, N));
        else
            REGION(cname, arm_maximum_s8(&ctx, x, &d, y, &d, theirs, &d));
        compare(name, out, theirs, N);
    }
#endif
}

/* ---- the rest ----------------------------------------------------------------------------- */

static void bench_reductions(void)
{
    rppg_q8_reduce r;
    memset(&r, 0, sizeof r);
    r.rank = 3, r.in_dims[0] = H, r.in_dims[1] = W, r.in_dims[2] = C;
    r.out_stride[2] = 1, r.n_out = C, r.n_reduce = H * W;
    r.in_zp = -7, r.out_zp = 3, r.rounding = RPPG_Q8_ROUND_DOUBLE;
    rppg_q8_quantize_multiplier(0.02 / 2.0, r.rounding, &r.mult, &r.shift);
    REGION("sum_hw", rppg_q8_reduce_sum_run(&r, x, out, acc));
    REGION("reduce_max_hw", rppg_q8_reduce_max_run(&r, x, out));
    r.in_dims[0] = H * W, r.in_dims[1] = C, r.rank = 2, r.out_stride[0] = 1, r.out_stride[1] = 0;
    r.n_out = H * W, r.n_reduce = C;
    REGION("sum_channels", rppg_q8_reduce_sum_run(&r, x, out, acc));
}

static void bench_transpose_conv(void)
{
    rppg_q8_transpose_conv t;
    memset(&t, 0, sizeof t);
    t.batches = 1, t.in_h = 9, t.in_w = 9, t.in_c = 16, t.out_c = 8, t.out_h = 18, t.out_w = 18;
    t.k_h = t.k_w = 3, t.stride_h = t.stride_w = 2, t.pad_top = t.pad_left = 0;
    t.in_zp = -7, t.out_zp = 5, t.act_min = -128, t.act_max = 127;
    t.weights = w, t.bias = bias, t.multiplier = mult, t.shift = shift, t.rounding = RPPG_Q8_ROUND_DOUBLE;
    REGION("transpose_conv", rppg_q8_transpose_conv_run(&t, x, out, acc));
#ifdef RQ_CMSIS_NN
    {
        cmsis_nn_context ctx = {cmsis_buf, sizeof cmsis_buf}, out_ctx = {acc, sizeof acc};
        cmsis_nn_transpose_conv_params tp = {-t.in_zp, t.out_zp, {t.stride_w, t.stride_h}, {t.pad_left, t.pad_top},
                                             {0, 0}, {1, 1}, {t.act_min, t.act_max}};
        cmsis_nn_per_channel_quant_params qp = {mult, shift};
        cmsis_nn_dims id = {1, t.in_h, t.in_w, t.in_c}, fd = {t.out_c, t.k_h, t.k_w, t.in_c};
        cmsis_nn_dims bd = {1, 1, 1, t.out_c}, od = {1, t.out_h, t.out_w, t.out_c};
        int rc = -1;
        if (arm_transpose_conv_s8_get_buffer_size(&tp, &id, &fd, &od) <= (int32_t)sizeof cmsis_buf)
            REGION("cmsis_transpose_conv", rc = arm_transpose_conv_s8(&ctx, &out_ctx, &tp, &qp, &id, x, &fd, w, &bd,
                                                                      bias, &od, theirs));
        else
            REGION("cmsis_transpose_conv", (void)0);
        printf("status transpose_conv %d\n", rc);
        compare("transpose_conv", out, theirs, (size_t)t.out_h * t.out_w * t.out_c);
    }
#endif
}

static void bench_resize(void)
{
    rppg_mv_resize r;
    int32_t yi[H], xi[W];
    memset(&r, 0, sizeof r);
    r.batches = 1, r.in_h = H / 2, r.in_w = W / 2, r.depth = C, r.out_h = H, r.out_w = W;
    r.half_pixel_centers = 1, r.rounding = RPPG_Q8_ROUND_DOUBLE;
    REGION("resize_bilinear", rppg_mv_resize_bilinear_s8(&r, x, out));
    rppg_mv_nearest_index(r.in_h, r.out_h, 0, 1, yi);
    rppg_mv_nearest_index(r.in_w, r.out_w, 0, 1, xi);
    REGION("resize_nearest", rppg_mv_resize_nearest(&r, yi, xi, 1, x, out));
}

static void bench_softmax(void)
{
    const double beta = 1.0;
    const float scale = 0.05f;
    const int rows = 32, depth = 100;
    rppg_q8_softmax_prepare(beta, scale, rows, depth, RPPG_Q8_ROUND_DOUBLE, &smx);
    REGION("softmax", rppg_q8_softmax_run(&smx, x, out));
#ifdef RQ_CMSIS_NN
    {
        int32_t m;
        int s;
        rppg_q8_quantize_multiplier(beta * scale * (double)(1 << 26), RPPG_Q8_ROUND_DOUBLE, &m, &s);
        REGION("cmsis_softmax", arm_softmax_s8(x, rows, depth, m, s, smx.diff_min, theirs));
        compare("softmax", out, theirs, (size_t)(rows * depth));
    }
#endif
}

/* PAD 18x18x32 -> 20x20x32, a CONCATENATION of two 18x18x16 halves on channels, a TRANSPOSE
 * NHWC -> NCHW, and a requantizing copy (QUANTIZE int8 -> int8), as the engine prepares them */
static void bench_moves(void)
{
    static const int8_t *srcs[2] = {x, y};
    rppg_q8_move mv[2];
    rppg_q8_moves m;
    memset(mv, 0, sizeof mv);
    memset(&m, 0, sizeof m);
    mv[0].v.rank = 2, mv[0].v.elem = 1, mv[0].v.dims[0] = H, mv[0].v.dims[1] = W * C;
    mv[0].v.in_stride[0] = W * C, mv[0].v.in_stride[1] = 1;
    mv[0].v.out_stride[0] = (W + 2) * C, mv[0].v.out_stride[1] = 1, mv[0].v.out_off = (W + 2) * C + C;
    m.n_moves = 1, m.moves = mv, m.fill = 1, m.fill_n = (size_t)(H + 2) * (W + 2) * C, m.fill_elem = 1;
    REGION("pad", rppg_q8_moves_run(&m, srcs, out));
    for (int i = 0; i < 2; i++) {
        mv[i].in = i, mv[i].v.rank = 2, mv[i].v.elem = 1, mv[i].v.dims[0] = H * W, mv[i].v.dims[1] = C / 2;
        mv[i].v.in_stride[0] = C / 2, mv[i].v.in_stride[1] = 1;
        mv[i].v.out_stride[0] = C, mv[i].v.out_stride[1] = 1, mv[i].v.out_off = i * (C / 2);
    }
    m.n_moves = 2, m.fill = 0;
    REGION("concat_channels", rppg_q8_moves_run(&m, srcs, out));
    mv[0].in = 0, mv[0].v.rank = 2, mv[0].v.dims[0] = C, mv[0].v.dims[1] = H * W;
    mv[0].v.in_stride[0] = 1, mv[0].v.in_stride[1] = C, mv[0].v.out_stride[0] = H * W, mv[0].v.out_stride[1] = 1;
    mv[0].v.out_off = 0;
    m.n_moves = 1;
    REGION("transpose_nchw", rppg_q8_moves_run(&m, srcs, out));
    mv[0].requant = 1, mv[0].v.rank = 1, mv[0].v.dims[0] = N, mv[0].v.in_stride[0] = 1, mv[0].v.out_stride[0] = 1;
    mv[0].q.in_zp = -7, mv[0].q.out_zp = 4, mv[0].q.rounding = RPPG_Q8_ROUND_DOUBLE;
    rppg_q8_quantize_multiplier(0.02 / 0.03, RPPG_Q8_ROUND_DOUBLE, &mv[0].q.multiplier, &mv[0].q.shift);
    REGION("quantize_requant", rppg_q8_moves_run(&m, srcs, out));
}

int main(void)
{
    uint32_t s = 0x2468aceu;
    int i;
    printf("kernels %s\n", rppg_q8_kernels_path());
    for (i = 0; i < N; i++)
        x[i] = (int8_t)rng_next(&s), y[i] = (int8_t)rng_next(&s);
    for (i = 0; i < (int)sizeof w; i++)
        w[i] = (int8_t)rng_next(&s);
    for (i = 0; i < 256; i++)
        lut.table[i] = (uint8_t)rng_next(&s);
    for (i = 0; i < C; i++) {
        int sh;
        rppg_q8_quantize_multiplier(0.0005 + 0.0001 * i, RPPG_Q8_ROUND_DOUBLE, &mult[i], &sh);
        shift[i] = sh;
        bias[i] = (int32_t)(rng_next(&s) % 20001u) - 10000;
    }
    REGION("empty", (void)0);
    bench_depthwise("depthwise_3x3_m1", 32, 1, 1);
    bench_depthwise("depthwise_3x3_m2", 16, 2, 1);
    bench_depthwise("depthwise_3x3_m4", 8, 4, 1);
    bench_depthwise("depthwise_3x3_m1_dil2", 32, 1, 2);
    bench_binary("add", RPPG_Q8_ADD, 0);
    bench_binary("add_per_channel", RPPG_Q8_ADD, 1);
    bench_binary("mul", RPPG_Q8_MUL, 0);
    bench_binary("maximum", RPPG_Q8_MAXIMUM, 0);
    bench_binary("prelu_per_channel", RPPG_Q8_PRELU, 1);
    REGION("lut", rppg_q8_lut_run(&lut, (const uint8_t *)x, (uint8_t *)out, N));
    bench_reductions();
    bench_transpose_conv();
    bench_resize();
    bench_softmax();
    bench_moves();
    return 0;
}
