/* Figures about a model that do not need running it: MACs, weight bytes, activation
 * memory of a sequential schedule. Shared by `rppgq inspect` and the benchmarks. */
#ifndef RQ_TFL_STATS_H
#define RQ_TFL_STATS_H

#include <stdint.h>

#include "tflite/tfl_model.h"

/* Multiply-accumulates of one operator: convolutions and FULLY_CONNECTED count
 * outputs x taps, pools outputs x window, MEAN its input elements, others 0. */
int64_t rq_tfl_op_macs(const rq_tfl_model *m, const rq_tfl_op *op);

typedef struct rq_tfl_stats {
    int64_t macs;
    int64_t weight_bytes; /* weights and biases of CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED */
    int64_t other_const_bytes; /* shapes, axes and other constants */
    /* The largest sum of live activation bytes while the operators run in order, each
     * tensor living from its producer to its last consumer (no in-place reuse). */
    int64_t peak_activation_bytes;
} rq_tfl_stats;

void rq_tfl_compute_stats(const rq_tfl_model *m, rq_tfl_stats *s);

#endif
