/* Synthetic int8 models built through the public model API, for tests and benchmarks:
 * a spatial CNN shaped like the seed's (random weights, realistic quantization) and one
 * small model per operator. Same seed -> same model. */
#ifndef RQ_TFL_TESTMODELS_H
#define RQ_TFL_TESTMODELS_H

#include <stdint.h>

#include "tflite/tfl_model.h"

/* [1,36,36,3] int8 -> CONV 3->16 RELU, MAX_POOL 2, CONV 16->32 RELU, MAX_POOL 2,
 * CONV 32->16 RELU, MEAN(1,2) -> RESHAPE [1,16] int8. */
int rq_tfl_build_spatial_cnn(rq_tfl_model *m, uint64_t seed, rq_error *err);

/* Names accepted by rq_tfl_build_op_model, NULL-terminated. */
extern const char *const rq_tfl_op_model_names[];
/* One small model per operator (or operator variant), named as in the list above. */
int rq_tfl_build_op_model(rq_tfl_model *m, const char *name, uint64_t seed, rq_error *err);

/* Two graph inputs and two outputs (in the opposite order): a pool on one branch, a
 * requantize on the other; for multi-input/output plumbing. */
int rq_tfl_build_two_branch_model(rq_tfl_model *m, uint64_t seed, rq_error *err);

/* One input, one output, branches joined by a CONCATENATION of differently quantized
 * tensors: DEPTHWISE_CONV_2D and CONV_2D from the same input, then PAD and CONV_2D. */
int rq_tfl_build_branch_model(rq_tfl_model *m, uint64_t seed, rq_error *err);

/* Data-movement and shape operator models (tfl_testmodels_movement.c): the i-th name
 * (NULL past the end), its flags, and the model. */
#define RQ_TFL_MV_NO_TFLM 1   /* TFLite Micro has no kernel or ignores an option used */
#define RQ_TFL_MV_REF_MODEL 2 /* runtimes run "<name>.ref", the converter's equivalent */
#define RQ_TFL_MV_HIDDEN 4    /* only the ".ref" of another case */
#define RQ_TFL_MV_ROUNDS 8    /* the result depends on the rounding mode */
#define RQ_TFL_MV_NO_LITERT 16 /* outputs LiteRT.js computes at prepare and never copies out */
const char *rq_tfl_movement_model_name(int i);
int rq_tfl_movement_model_flags(const char *name);
int rq_tfl_build_movement_model(rq_tfl_model *m, const char *name, rq_error *err);

#endif
