/* The seed's checkpoint as a front end: a Spatial CNN state_dict (features.{0,1,4,5,8,9})
 * -> the graph IR, node for node what torch.onnx.export writes for that model with its
 * BatchNorms kept (Conv, BatchNormalization, Relu, MaxPool 2 after the first two blocks,
 * GlobalAveragePool, Flatten), so that the same passes, calibration and int8 lowering
 * serve both inputs. */
#ifndef RQ_SPATIAL_CKPT_H
#define RQ_SPATIAL_CKPT_H

#include "common/error.h"
#include "ir/ir.h"

/* h, w: the input patch size (the checkpoint does not state it). g is initialized here;
 * free it even on failure. */
int rq_spatial_ckpt_graph(const char *path, int h, int w, rq_ir_graph *g, rq_error *err);

#endif
