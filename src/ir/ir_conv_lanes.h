/* The float executor's convolution (and max pooling) in vector lanes (AVX2 / AVX-512): the
 * same bits as the scalar loops in ir_exec.c, faster.
 *
 * The scalar loop gives each output acc = bias (or 0) in double, then adds
 * (double)x * (double)w over the taps inside the input in (kh, kw, ic) order, and rounds to
 * float. Here output channels sit in the lanes and several output pixels of a row are in
 * flight; every lane adds the same products in the same order, skipping the same taps. A
 * product of two floats is exact in double (24 + 24 significant bits), so a fused
 * multiply-add rounds exactly where the separate add does: FMA is used, and gives the
 * scalar loop's bits. */
#ifndef RQ_IR_CONV_LANES_H
#define RQ_IR_CONV_LANES_H

#include <stdint.h>

#include "common/simd.h"
#include "ir/ir.h"

/* One convolution with groups = 1, both tensors described by element strides. */
typedef struct rq_conv_lanes_args {
    int64_t n, cin, ih, iw, xs_n, xs_c, xs_h, xs_w;  /* input: sizes and strides */
    int64_t cout, oh, ow, ys_n, ys_c, ys_h, ys_w;    /* output */
    int64_t kh, kw, sh, sw, dh, dw, ph, pw;          /* window */
    int64_t w_o, w_i, w_kh, w_kw;                    /* weight strides */
    const float *x, *w, *b;                          /* b may be NULL */
    float *y;
    rq_ir_act act;                                   /* applied to (float)acc */
    float act_lo, act_hi;                            /* RQ_IR_ACT_CLIP's bounds */
} rq_conv_lanes_args;

/* The weights and bias as the kernel reads them: doubles, [kh][kw][ic][Op], Op = cout padded
 * to whole blocks, zero past cout. */
typedef struct rq_conv_lanes_pack {
    double *w, *b;
    int64_t Op;
} rq_conv_lanes_pack;

/* Packs a's weights and bias (a->x and a->y are not read). -1: out of memory. */
int rq_conv_lanes_pack_new(const rq_conv_lanes_args *a, rq_conv_lanes_pack *p);
void rq_conv_lanes_pack_free(rq_conv_lanes_pack *p);

/* Runs the convolution at `level` (capped by the CPU) with its weights packed (`packed`,
 * made by rq_conv_lanes_pack_new from the same weights, or NULL to pack them now) and
 * returns 0, or returns -1 without touching y when it does not (level off, not x86-64, out
 * of memory): the caller then runs the scalar loop. */
int rq_conv_lanes(const rq_conv_lanes_args *a, const rq_conv_lanes_pack *packed, rq_simd level);

/* Max pooling over a->cin channels with the window fields of a (no weights), when input and
 * output channels are contiguous (NHWC); without the activation. 0, or -1 when it does not
 * run (then y is untouched). */
int rq_maxpool_lanes(const rq_conv_lanes_args *a, rq_simd level);

#endif
