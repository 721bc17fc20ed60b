/* Builtin options of the arithmetic and activation operators (ADD, SUB, MUL, SOFTMAX,
 * LEAKY_RELU, ARG_MAX, TRANSPOSE_CONV, SUM, REDUCE_MAX, MAXIMUM/MINIMUM, HARD_SWISH): the
 * reader's and the writer's part for them, called from tfl_read.c / tfl_write.c. Tables and
 * field ids as in the TFLite schema (tfl_schema.h). */
#ifndef RQ_TFL_OPTIONS_ARITH_H
#define RQ_TFL_OPTIONS_ARITH_H

#include "tflite/flatbuf_build.h"
#include "tflite/flatbuf_read.h"
#include "tflite/tfl_model.h"

/* Reads op's options from table t (present: the table exists, tag: its union type) into
 * op->opt and the reader's padding / activation / flag. Returns 1 when op is one of these
 * operators, 0 when it is not, -1 on a malformed table. */
int rq_tfl_read_arith_options(const rq_fbr *r, const rq_fbr_table *t, int present, int tag,
                              rq_tfl_op *op, const char *what, int8_t *pad, int8_t *act,
                              uint8_t *flag);

/* Writes op's options table; *tag gets its union type. Returns 1 (and *ref) when op is one
 * of these operators, 0 when it is not. */
int rq_tfl_write_arith_options(rq_fb *b, const rq_tfl_op *op, uint8_t *tag, rq_fb_ref *ref);

#endif
