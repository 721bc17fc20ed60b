/* Converter-style test models of the arithmetic and activation operators (ADD, SUB, MUL,
 * MAXIMUM, MINIMUM, PRELU, RELU, RELU6, LEAKY_RELU, HARD_SWISH, TANH, SOFTMAX, SUM,
 * REDUCE_MAX, ARG_MAX, TRANSPOSE_CONV, QUANTIZE uint8 <-> int8, float32 variants): one
 * operator each, several shapes, broadcasting cases (4-D and 5-D), odd sizes and extreme
 * scales, built through the public model API. Same name and seed -> same model. */
#ifndef RQ_TFL_TESTMODELS_ARITH_H
#define RQ_TFL_TESTMODELS_ARITH_H

#include <stdint.h>

#include "tflite/tfl_model.h"

/* The i-th model name, NULL past the last. */
const char *rq_tfl_arith_model_name(int i);
/* Builds the named model into m (initialized here; free it even on failure). */
int rq_tfl_build_arith_model(rq_tfl_model *m, const char *name, uint64_t seed, rq_error *err);

#endif
