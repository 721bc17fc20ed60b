#ifndef RQ_TFLITE_INSPECT_H
#define RQ_TFLITE_INSPECT_H
#include <stdio.h>
#include "common/error.h"
/* Prints tensors, operators, weight bytes, MACs and sequential activation memory. */
int rq_inspect_tflite(const char *path, FILE *out, rq_error *err);
#endif
