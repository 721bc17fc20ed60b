/* MAX_POOL_2D and AVERAGE_POOL_2D: the MCU runtime's kernels (runtime/int8_kernels.h), one
 * image at a time; same scale and zero point in and out. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"
#include "engine/simd.h"

/* A pool's window costs no bytes in the file, so its work is bounded here instead: a
 * 768-byte model (256x256 input, 511x511 average pool) took 4.3e9 additions an inference,
 * and 1024x1024 with a 2047 window would take 10^12. 2^31 is ~10^3x what any rPPG-sized
 * model needs. */
#define MAX_POOL_OPS ((int64_t)1 << 31)

/* The pools are the MCU runtime's kernels (runtime/int8_kernels.h), one image at a time. */
static rppg_q8_pool pool_params(const prep_op *p)
{
    rppg_q8_pool q;
    q.in_h = p->in_h, q.in_w = p->in_w, q.c = p->in_c;
    q.out_h = p->out_h, q.out_w = p->out_w;
    q.k_h = p->k_h, q.k_w = p->k_w;
    q.stride_h = p->stride_h, q.stride_w = p->stride_w;
    q.pad_top = p->pad_top, q.pad_left = p->pad_left;
    q.act_min = p->act_min, q.act_max = p->act_max;
    return q;
}

static void run_max_pool(const prep_op *p, uint8_t *arena)
{
    const int8_t *in = (const int8_t *)cptr(&p->in, arena);
    int8_t *out = (int8_t *)mptr(&p->out, arena);
    const rppg_q8_pool q = pool_params(p);
    for (int b = 0; b < p->batches; b++)
        rppg_q8_max_pool(&q, in + (size_t)b * p->in_h * p->in_w * p->in_c,
                         out + (size_t)b * p->out_h * p->out_w * p->in_c);
}

static void run_avg_pool(const prep_op *p, uint8_t *arena)
{
    const int8_t *in = (const int8_t *)cptr(&p->in, arena);
    int8_t *out = (int8_t *)mptr(&p->out, arena);
    const rppg_q8_pool q = pool_params(p);
    for (int b = 0; b < p->batches; b++)
        rppg_q8_avg_pool(&q, in + (size_t)b * p->in_h * p->in_w * p->in_c,
                         out + (size_t)b * p->out_h * p->out_w * p->in_c);
}

/* The host SIMD pools (engine/simd.h): the same window clipping and integer math. */
static void run_pool_simd(const prep_op *p, uint8_t *arena)
{
    const int8_t *in = (const int8_t *)cptr(&p->in, arena);
    int8_t *out = (int8_t *)mptr(&p->out, arena);
    for (int b = 0; b < p->batches; b++)
        simd_pool_run(p->kernel, in + (size_t)b * p->in_h * p->in_w * p->in_c,
                      out + (size_t)b * p->out_h * p->out_w * p->in_c);
}

static int prepare_pool_simd(prep_ctx *c, prep_op *p)
{
    simd_pool *s = malloc(sizeof *s);
    if (!s)
        return op_fail(c, "out of memory");
    *s = (simd_pool){p->simd, c->op->code == RQ_TFL_OP_MAX_POOL_2D, p->in_h, p->in_w, p->in_c,
                     p->out_h, p->out_w, p->k_h, p->k_w, p->stride_h, p->stride_w,
                     p->pad_top, p->pad_left, p->act_min, p->act_max};
    p->kernel = s;
    p->kernel_free = free;
    p->run = run_pool_simd;
    return 0;
}

int prepare_pool(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 1, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    if (check_activation(c, in, "input") || check_activation(c, out, "output"))
        return -1;
    p->dil_h = p->dil_w = 1;
    if (window_geometry(c, p, in, out, c->op->opt.filter_h, c->op->opt.filter_w, in->shape[3]))
        return -1;
    /* the window is clipped to the input, so that is what one output can cost */
    int64_t win = (int64_t)(p->k_h < p->in_h ? p->k_h : p->in_h) * (p->k_w < p->in_w ? p->k_w : p->in_w);
    int64_t ops = win * rq_tfl_num_elements(out);
    if (ops > MAX_POOL_OPS)
        return op_fail(c, "a %dx%d window over %lld outputs is %lld operations an inference "
                       "(at most 2^31)", p->k_h, p->k_w, (long long)rq_tfl_num_elements(out),
                       (long long)ops);
    p->run = c->op->code == RQ_TFL_OP_MAX_POOL_2D ? run_max_pool : run_avg_pool;
    if (activation_range(c, out, c->op->opt.activation, &p->act_min, &p->act_max))
        return -1;
    return p->simd != RQ_SIMD_OFF ? prepare_pool_simd(c, p) : 0;
}

