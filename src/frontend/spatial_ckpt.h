/* The seed's checkpoint as a front end: a Spatial CNN state_dict (features.{0,1,4,5,8,9})
 * -> the graph IR, node for node what torch.onnx.export writes for that model with its
 * BatchNorms kept (Conv, BatchNormalization, Relu, MaxPool 2 after the first two blocks,
 * GlobalAveragePool, Flatten), so that the same passes, calibration and int8 lowering
 * serve both inputs. */
#ifndef RQ_SPATIAL_CKPT_H
#define RQ_SPATIAL_CKPT_H

#include "common/error.h"
#include "input_contract.h"
#include "ir/ir.h"

/* What a checkpoint records besides the weights. */
typedef struct rq_spatial_ckpt_info {
    rppg_contract contract; /* 'input_contract'; RAW, frame stride 1 when absent */
    double label_mean;      /* 'label_mean' (the training labels' mean); NaN when absent */
} rq_spatial_ckpt_info;

/* h, w: the input patch size (the checkpoint does not state it). g is initialized here;
 * free it even on failure. info may be NULL. */
int rq_spatial_ckpt_graph(const char *path, int h, int w, rq_ir_graph *g,
                          rq_spatial_ckpt_info *info, rq_error *err);

#endif
