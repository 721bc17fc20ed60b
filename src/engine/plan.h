/* Arena planning: where each activation tensor and each operator's temporary space lives
 * during an inference. Tensors whose lifetimes (from the operator that writes them to the
 * last one that reads them; graph inputs from the start, graph outputs to the end) do not
 * overlap may share bytes. Greedy by size, largest first, each at the lowest 64-byte
 * aligned offset that does not collide with an already placed buffer alive at the same
 * time (the strategy of TFLite Micro's GreedyMemoryPlanner). Deterministic. */
#ifndef RQ_ENGINE_PLAN_H
#define RQ_ENGINE_PLAN_H

#include <stddef.h>

#include "engine/engine.h"

/* Buffers are aligned to this many bytes. */
#define RQ_PLAN_ALIGN 64

/* bytes[t]: size of tensor t; tmp_need[i]: operator i's temporary bytes. Fills off[t] for
 * every non-constant tensor, tmp_off[i], and the memory figures. keep_all: every tensor
 * apart (no sharing), the temporaries after them. */
int rq_plan_arena(const rq_tfl_model *m, const size_t *bytes, const size_t *tmp_need,
                  int keep_all, size_t *off, size_t *tmp_off, rq_tfl_memory *mem, rq_error *err);

#endif
