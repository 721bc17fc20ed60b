/* `rppgq infer MODEL.onnx`: float32 samples through the IR's float executor. */
#ifndef RQ_INFER_ONNX_H
#define RQ_INFER_ONNX_H

#include "common/error.h"

/* IN.bin: N samples, each every graph input's float32 values (NCHW, as PyTorch) in input
 * order; OUT.bin: the outputs the same way. nhwc runs the graph after the NHWC pass (the
 * form the int8 path uses; inputs and outputs are still NCHW in the files). */
int rq_infer_onnx(const char *model, const char *in_path, const char *out_path, int nhwc,
                  rq_error *err);

#endif
