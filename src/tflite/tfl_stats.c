#include "tflite/tfl_stats.h"

#include <stdlib.h>

static int64_t tensor_elems(const rq_tfl_model *m, int32_t t)
{
    if (t < 0 || t >= m->n_tensors)
        return 0;
    int64_t n = rq_tfl_num_elements(&m->tensors[t]);
    return n < 0 ? 0 : n;
}

static int64_t tensor_bytes(const rq_tfl_model *m, int32_t t)
{
    return tensor_elems(m, t) * (int64_t)rq_tfl_type_size(m->tensors[t].type);
}

/* Products of hostile shapes and options can exceed int64 (a weight tensor with a zero
 * dimension may have huge others): saturate (a, b >= 0). */
static int64_t mul_saturated(int64_t a, int64_t b)
{
    return a && b > INT64_MAX / a ? INT64_MAX : a * b;
}

int64_t rq_tfl_op_macs(const rq_tfl_model *m, const rq_tfl_op *op)
{
    if (op->n_outputs < 1 || op->n_inputs < 1)
        return 0;
    int64_t out = tensor_elems(m, op->outputs[0]);
    const rq_tfl_tensor *w = op->n_inputs > 1 && op->inputs[1] >= 0 && op->inputs[1] < m->n_tensors
                                 ? &m->tensors[op->inputs[1]]
                                 : NULL;
    switch ((int)op->code) {
    case RQ_TFL_OP_CONV_2D: /* weights OHWI: taps = H*W*I */
        if (w && w->rank == 4)
            return mul_saturated(mul_saturated(mul_saturated(out, w->shape[1]), w->shape[2]),
                                 w->shape[3]);
        return 0;
    case RQ_TFL_OP_DEPTHWISE_CONV_2D: /* weights 1HWC: one channel a tap */
        if (w && w->rank == 4)
            return mul_saturated(mul_saturated(out, w->shape[1]), w->shape[2]);
        return 0;
    case RQ_TFL_OP_FULLY_CONNECTED: /* weights [units, depth] */
        if (w && w->rank == 2)
            return mul_saturated(out, w->shape[1]);
        return 0;
    case RQ_TFL_OP_MAX_POOL_2D:
    case RQ_TFL_OP_AVERAGE_POOL_2D: /* options straight from the file: any int */
        if (op->opt.filter_w <= 0 || op->opt.filter_h <= 0)
            return 0;
        return mul_saturated(mul_saturated(out, op->opt.filter_w), op->opt.filter_h);
    case RQ_TFL_OP_MEAN:
        return tensor_elems(m, op->inputs[0]);
    default:
        return 0;
    }
}

static int is_weight_input(const rq_tfl_op *op, int i)
{
    return i >= 1 && (op->code == RQ_TFL_OP_CONV_2D || op->code == RQ_TFL_OP_DEPTHWISE_CONV_2D ||
                      op->code == RQ_TFL_OP_FULLY_CONNECTED);
}

static void count_constants(const rq_tfl_model *m, rq_tfl_stats *s)
{
    char *is_weight = calloc((size_t)m->n_tensors + 1, 1);
    if (!is_weight)
        return;
    for (int o = 0; o < m->n_ops; o++)
        for (int i = 0; i < m->ops[o].n_inputs; i++) {
            int32_t t = m->ops[o].inputs[i];
            if (t >= 0 && t < m->n_tensors && is_weight_input(&m->ops[o], i))
                is_weight[t] = 1;
        }
    for (int t = 0; t < m->n_tensors; t++) {
        if (!m->tensors[t].data)
            continue;
        if (is_weight[t])
            s->weight_bytes += (int64_t)m->tensors[t].data_len;
        else
            s->other_const_bytes += (int64_t)m->tensors[t].data_len;
    }
    free(is_weight);
}

/* Each activation lives from its producer (or the start, for graph inputs) to its last
 * consumer (or the end, for graph outputs); the peak is the largest live sum at any op.
 * Summed through +bytes / -bytes events per op, so a hostile file with many tensors and
 * operators costs linear, not quadratic, time. */
static void peak_activations(const rq_tfl_model *m, rq_tfl_stats *s)
{
    int n = m->n_tensors;
    int *first = malloc(sizeof *first * (size_t)(n + 1));
    int *last = malloc(sizeof *last * (size_t)(n + 1));
    int64_t *delta = calloc((size_t)m->n_ops + 1, sizeof *delta);
    if (!first || !last || !delta)
        goto done;
    for (int t = 0; t < n; t++) {
        first[t] = m->n_ops;
        last[t] = -1;
    }
    for (int i = 0; i < m->n_inputs; i++)
        first[m->inputs[i]] = 0;
    for (int o = 0; o < m->n_ops; o++) {
        const rq_tfl_op *op = &m->ops[o];
        for (int i = 0; i < op->n_outputs; i++) {
            int32_t t = op->outputs[i];
            if (o < first[t])
                first[t] = o;
            if (o > last[t])
                last[t] = o;
        }
        for (int i = 0; i < op->n_inputs; i++) {
            int32_t t = op->inputs[i];
            if (t >= 0 && o > last[t])
                last[t] = o;
        }
    }
    for (int i = 0; i < m->n_outputs; i++)
        last[m->outputs[i]] = m->n_ops - 1;
    for (int t = 0; t < n; t++)
        if (!m->tensors[t].data && first[t] <= last[t]) {
            delta[first[t]] += tensor_bytes(m, t);
            delta[last[t] + 1] -= tensor_bytes(m, t);
        }
    int64_t live = 0;
    for (int o = 0; o < m->n_ops; o++) {
        live += delta[o];
        if (live > s->peak_activation_bytes)
            s->peak_activation_bytes = live;
    }
done:
    free(first);
    free(last);
    free(delta);
}

/* MACs of hostile shapes can exceed int64 when summed over operators: saturate (a, b >= 0). */
static int64_t add_saturated(int64_t a, int64_t b)
{
    return b > INT64_MAX - a ? INT64_MAX : a + b;
}

void rq_tfl_compute_stats(const rq_tfl_model *m, rq_tfl_stats *s)
{
    s->macs = s->weight_bytes = s->other_const_bytes = s->peak_activation_bytes = 0;
    for (int o = 0; o < m->n_ops; o++)
        s->macs = add_saturated(s->macs, rq_tfl_op_macs(m, &m->ops[o]));
    count_constants(m, s);
    peak_activations(m, s);
}
