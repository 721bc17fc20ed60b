/* The ONNX front end: a .onnx file (protobuf, opsets 11-17) -> the graph IR.
 *
 * Safe on hostile files: the file is at most RQ_ONNX_MAX_FILE bytes, nesting is checked
 * before protobuf-c unpacks (pb_guard.h), unpacking allocates from a bounded budget, every
 * tensor's data length must match its dims, names and counts are capped by the IR.
 * Refused with one line naming the file: external data, sparse initializers, opsets
 * outside 11..17, element types other than float32/int64/int32/int8/uint8/bool,
 * dynamic dimensions other than the batch, a batch other than 1.
 *
 * Constant nodes become constant tensors; everything else is kept as nodes (see ir.h for
 * unknown operators). The graph comes back in topological order with shapes inferred. */
#ifndef RQ_ONNX_READ_H
#define RQ_ONNX_READ_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "ir/ir.h"

#define RQ_ONNX_MAX_FILE ((size_t)512 << 20)
#define RQ_ONNX_MIN_OPSET 11
#define RQ_ONNX_MAX_OPSET 17

/* g is initialized by the call; free it even on failure. */
int rq_onnx_read(const char *path, rq_ir_graph *g, rq_error *err);
int rq_onnx_parse(const uint8_t *buf, size_t len, const char *name, rq_ir_graph *g,
                  rq_error *err);

#endif
