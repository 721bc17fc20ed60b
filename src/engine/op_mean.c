/* MEAN over any set of axes: int32 sums, then one requantization with 1/N folded into the
 * multiplier (reference/integer_ops/mean.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"

/* One requantization per output sum (the reference's Mean). */
static void mean_requantize(const prep_op *p, const int32_t *sum, int8_t *out)
{
    for (int64_t i = 0; i < p->n_out; i++) {
        int32_t shifted = sum[i] - p->in_zp * (int32_t)p->n_reduce;
        int32_t v = rq_mbqm(shifted, p->m1, p->s1, p->single) + p->out_zp;
        out[i] = clamp8(v, INT8_MIN, INT8_MAX);
    }
}

/* The reduced axes are one run of consecutive dimensions (e.g. H and W of NHWC): the input
 * is [outer][reduced][inner] and every output is a plain column sum (integer sums: any order
 * gives the same). */
typedef struct mean_block {
    int64_t outer, reduced, inner;
} mean_block;

HOT static void run_mean_block(const prep_op *p, uint8_t *arena)
{
    const int8_t *in = (const int8_t *)cptr(&p->in, arena);
    int8_t *out = (int8_t *)mptr(&p->out, arena);
    int32_t *sum = (int32_t *)(arena + p->tmp_off);
    const mean_block *b = p->state;
    const int64_t inner = b->inner;
    for (int64_t o = 0; o < b->outer; o++) {
        int32_t *restrict s = sum + o * inner;
        for (int64_t j = 0; j < inner; j++)
            s[j] = 0;
        const int8_t *restrict x = in + o * b->reduced * inner;
        for (int64_t r = 0; r < b->reduced; r++, x += inner)
            for (int64_t j = 0; j < inner; j++)
                s[j] += x[j];
    }
    mean_requantize(p, sum, out);
}

/* mean_block for reduced dimensions that are consecutive; NULL otherwise (or no memory). */
static mean_block *consecutive_block(const rq_tfl_tensor *in, const int *reduced)
{
    int first = -1, last = -1;
    for (int d = 0; d < in->rank; d++)
        if (reduced[d]) {
            if (last >= 0 && last != d - 1)
                return NULL;
            first = first < 0 ? d : first;
            last = d;
        }
    if (first < 0)
        return NULL;
    mean_block *b = malloc(sizeof *b);
    if (!b)
        return NULL;
    *b = (mean_block){1, 1, 1};
    for (int d = 0; d < in->rank; d++)
        *(d < first ? &b->outer : d <= last ? &b->reduced : &b->inner) *= in->shape[d];
    return b;
}

static void run_mean(const prep_op *p, uint8_t *arena)
{
    const int8_t *in = (const int8_t *)cptr(&p->in, arena);
    int8_t *out = (int8_t *)mptr(&p->out, arena);
    int32_t *sum = (int32_t *)(arena + p->tmp_off);
    for (int64_t i = 0; i < p->n_out; i++)
        sum[i] = 0;
    int32_t idx[RQ_TFL_MAX_DIMS] = {0};
    int64_t total = p->n_reduce * p->n_out;
    size_t o = 0;
    for (int64_t i = 0; i < total; i++) {
        sum[o] += in[i];
        /* odometer over the input dims, moving the output index by each dim's stride */
        for (int d = p->rank - 1; d >= 0; d--) {
            o += (size_t)p->red_stride[d];
            if (++idx[d] < p->in_dims[d])
                break;
            o -= (size_t)p->red_stride[d] * (size_t)p->in_dims[d];
            idx[d] = 0;
        }
    }
    mean_requantize(p, sum, out);
}

int prepare_mean(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 2, 2))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    if (check_activation(c, in, "input") || check_activation(c, out, "output"))
        return -1;
    int reduced[RQ_TFL_MAX_DIMS] = {0};
    if (reduce_axes(c, in, reduced, INT32_MAX) < 0)
        return -1;
    p->rank = in->rank;
    p->n_reduce = 1;
    p->n_out = 1;
    int32_t kept[RQ_TFL_MAX_DIMS];
    int n_kept = 0;
    for (int d = 0; d < in->rank; d++) {
        p->in_dims[d] = in->shape[d];
        if (reduced[d])
            p->n_reduce *= in->shape[d];
        else
            kept[n_kept++] = in->shape[d];
    }
    int64_t stride = 1;
    for (int d = in->rank - 1; d >= 0; d--) {
        p->red_stride[d] = reduced[d] ? 0 : (int32_t)stride;
        if (!reduced[d])
            stride *= in->shape[d];
    }
    p->n_out = stride;
    if (rq_tfl_num_elements(out) != p->n_out)
        return op_fail(c, "output has %lld elements, the reduction gives %lld",
                       (long long)rq_tfl_num_elements(out), (long long)p->n_out);
    (void)kept;
    if (p->n_reduce == 0 || p->n_reduce > (1 << 23))
        return op_fail(c, "%lld reduced elements", (long long)p->n_reduce);
    p->in_zp = (int32_t)in->q.zero_point[0];
    p->out_zp = (int32_t)out->q.zero_point[0];
    int32_t m;
    int s;
    rq_quantize_multiplier((double)in->q.scale[0] / (double)out->q.scale[0], &m, &s);
    /* fold 1/N into the multiplier as the reference does (the MCU runtime's helper) */
    rppg_q8_mean_multiplier(m, s, (int32_t)p->n_reduce, &p->m1, &p->s1);
    if (p->s1 > 30 || p->s1 < -31)
        return op_fail(c, "scale ratio %g out of range", (double)in->q.scale[0] / out->q.scale[0]);
    c->tmp_need = sizeof(int32_t) * (size_t)p->n_out;
    p->state = consecutive_block(in, reduced);
    p->run = p->state ? run_mean_block : run_mean;
    return 0;
}

