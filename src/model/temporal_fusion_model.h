/* The Temporal Fusion network as a float model on the host: loaded from a PyTorch
 * checkpoint, checked, and run with the same C99 runtime the MCU uses. */
#ifndef RQ_TEMPORAL_FUSION_MODEL_H
#define RQ_TEMPORAL_FUSION_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "temporal_fusion.h"

/* The eight parameter tensors in state_dict order. */
enum {
    RQ_TF_CONV1_W, RQ_TF_CONV1_B, RQ_TF_CONV2_W, RQ_TF_CONV2_B,
    RQ_TF_FC1_W, RQ_TF_FC1_B, RQ_TF_FC2_W, RQ_TF_FC2_B,
    RQ_TF_NTENSORS
};

extern const char *const rq_tf_keys[RQ_TF_NTENSORS]; /* "temporal.0.weight", ... */

typedef struct rq_tf_shape {
    int ndim;
    int64_t dim[3];
} rq_tf_shape;

typedef struct rq_temporal_model {
    temporal_fusion_net net;             /* dimensions; weight pointers into data */
    rq_tf_shape shape[RQ_TF_NTENSORS];
    size_t count[RQ_TF_NTENSORS];        /* elements of each tensor */
    size_t num_params;
    float *data;                         /* all weights, one allocation */
} rq_temporal_model;

/* Derives every dimension from the tensor shapes (and the ROI count, which the shapes
 * cannot tell): fills m->net's dimensions, m->shape, m->count, m->num_params. On error the
 * message is "SOURCE: 'KEY' ..." naming the offending tensor. */
int rq_temporal_dims(rq_temporal_model *m, const rq_tf_shape shapes[RQ_TF_NTENSORS], int rois,
                     const char *source, rq_error *err);

/* Allocates m->data for the dimensions set by rq_temporal_dims and points the weights of
 * m->net into it. */
int rq_temporal_alloc(rq_temporal_model *m, rq_error *err);

/* Fails naming the first non-finite weight ("SOURCE: 'KEY' element I is nan"). */
int rq_temporal_check_finite(const rq_temporal_model *m, const char *source, rq_error *err);

/* Loads a checkpoint: a dict holding `model_state_dict`, or a bare state_dict. */
int rq_temporal_load(const char *path, int rois, rq_temporal_model *m, rq_error *err);

void rq_temporal_free(rq_temporal_model *m);

/* Heart rate in BPM of one window of T*R*F features (allocates the work buffer). */
int rq_temporal_forward(const rq_temporal_model *m, const float *features, float *bpm,
                        rq_error *err);

/* Elements of each tensor as pointers into m->data, in rq_tf_keys order. */
const float *rq_temporal_tensor(const rq_temporal_model *m, int which);

#endif
