#ifndef RQ_TFLITE_INSPECT_H
#define RQ_TFLITE_INSPECT_H
#include <stdio.h>
#include "common/error.h"
/* Prints tensors, operators (flagging those the engine cannot run), weight bytes, MACs and
 * the activation arena of the engine's lifetime plan. */
int rq_inspect_tflite(const char *path, FILE *out, rq_error *err);
#endif
