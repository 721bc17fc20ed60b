/* Prepare-time folding of integer shape computations (fold.c). */
#ifndef RQ_ENGINE_FOLD_H
#define RQ_ENGINE_FOLD_H

#include "engine/engine_internal.h"

/* The engine's view of m: the same model, with the outputs of every foldable operator
 * (integer outputs, constant inputs) computed and attached as constant data. m must
 * outlive it; free it with rq_fold_free. */
int rq_fold_constants(const rq_tfl_model *m, int single, rq_tfl_model **out, rq_error *err);
/* 1 when every output of operator op was folded (it has nothing left to do at run time). */
int rq_fold_is_folded(const rq_tfl_model *m, const rq_tfl_model *em, int op);
void rq_fold_free(const rq_tfl_model *m, rq_tfl_model *em);

#endif
