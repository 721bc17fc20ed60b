/* The Temporal Fusion runtime on the host, vectorized: the same bits as temporal_fusion_run
 * (runtime/temporal_fusion.c, 0 ulp from PyTorch's batch-1 forward), faster.
 *
 * Independent outputs go in parallel lanes (output channels of a convolution, units of the
 * hidden layer; several time steps in flight), and each output still adds exactly the
 * portable code's products in its order, multiply and add kept apart (no FMA). The weights
 * are re-packed once, channel-minor, so that one vector load holds a tap's weights for 16
 * output channels. AVX-512 or AVX2 as rq_simd_level() allows (RPPGQ_SIMD); level off, a
 * non-x86 host, or a network the lanes cannot reproduce exactly (see temporal_host.c) run
 * temporal_fusion_run itself. */
#ifndef RQ_TEMPORAL_HOST_H
#define RQ_TEMPORAL_HOST_H

#include <stddef.h>

#include "common/error.h"
#include "common/simd.h"
#include "temporal_fusion.h"

typedef struct rq_temporal_host rq_temporal_host;

/* Prepares net (which must outlive the result) for runs at `level` at most (capped by
 * the CPU; pass rq_simd_level() for what RPPGQ_SIMD allows). */
int rq_temporal_host_new(const temporal_fusion_net *net, rq_simd level, rq_temporal_host **out,
                         rq_error *err);
void rq_temporal_host_free(rq_temporal_host *h);

/* The level runs use (RQ_SIMD_OFF: temporal_fusion_run). */
rq_simd rq_temporal_host_level(const rq_temporal_host *h);

/* Floats of work buffer a run needs (any alignment); one buffer per thread. */
size_t rq_temporal_host_work_floats(const rq_temporal_host *h);

/* Heart rate in BPM of one window (features as temporal_fusion_run takes them). Reentrant:
 * threads may share h, each with its own work buffer. */
float rq_temporal_host_run(const rq_temporal_host *h, const float *features, float *work);

#endif
