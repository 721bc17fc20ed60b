/* The data-movement and shape operators (op_movement.c, op_gather_resize.c) and the
 * prepare-time helpers they share. */
#ifndef RQ_OP_MOVEMENT_H
#define RQ_OP_MOVEMENT_H

#include "engine/engine_internal.h"
#include "int8_movement.h"

/* A prepared data-movement operator: an optional fill of the output, then strided copies
 * (some requantizing) from its inputs to its outputs. The MCU export turns this into
 * runtime/q8_moves.h's form, so host and MCU run the very same copies. */
typedef struct mv_move {
    int in, out;   /* slots: p->ins[in] -> p->outs[out] */
    int requant;   /* int8 CONCATENATION input with other quantization than the output */
    rppg_mv_view v;
    rppg_mv_requant q;
} mv_move;

typedef struct mv_state {
    int n_moves;
    mv_move moves[RQ_TFL_MAX_OP_IO];
    int fill;                 /* PAD: the output is first filled with value */
    size_t fill_n;
    int fill_elem;
    uint8_t fill_value[8];
} mv_state;

/* The copies of a prepared operator, or NULL when it is not run as copies (GATHER, RESIZE,
 * SHAPE and the other operators). */
const mv_state *mv_state_of(const prep_op *p);

int prepare_transpose(prep_ctx *c, prep_op *p);      /* TRANSPOSE */
int prepare_slice(prep_ctx *c, prep_op *p);          /* SLICE */
int prepare_strided_slice(prep_ctx *c, prep_op *p);  /* STRIDED_SLICE */
int prepare_split(prep_ctx *c, prep_op *p);          /* SPLIT */
int prepare_split_v(prep_ctx *c, prep_op *p);        /* SPLIT_V */
int prepare_unpack(prep_ctx *c, prep_op *p);         /* UNPACK */
int prepare_pack(prep_ctx *c, prep_op *p);           /* PACK */
int prepare_concatenation(prep_ctx *c, prep_op *p);  /* CONCATENATION */
int prepare_pad(prep_ctx *c, prep_op *p);            /* PAD, PADV2 */
int prepare_tile(prep_ctx *c, prep_op *p);           /* TILE */
int prepare_depth_space(prep_ctx *c, prep_op *p);    /* DEPTH_TO_SPACE, SPACE_TO_DEPTH */
int prepare_squeeze(prep_ctx *c, prep_op *p);        /* SQUEEZE */
int prepare_expand_dims(prep_ctx *c, prep_op *p);    /* EXPAND_DIMS */
int prepare_gather(prep_ctx *c, prep_op *p);         /* GATHER */
int prepare_resize(prep_ctx *c, prep_op *p);  /* RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR */
int prepare_shape(prep_ctx *c, prep_op *p);          /* SHAPE */

/* Bytes per element (1, 2, 4 or 8) of a tensor moved as bytes; -1 (error set) otherwise. */
int mv_elem_size(prep_ctx *c, const rq_tfl_tensor *t);
/* The values of constant INT32/INT64 input i (at most max); error naming role if the
 * input is absent, of another type, or not constant. */
int mv_const_ints(prep_ctx *c, int i, const char *role, int32_t *vals, int max, int *n);
/* axis in [-rank, rank) as an index; -1 with the error set otherwise. */
int mv_axis(prep_ctx *c, int axis, int rank, const char *what);
/* The output must have exactly this shape (error naming both shapes). */
int mv_expect_shape(prep_ctx *c, const rq_tfl_tensor *t, int rank, const int32_t *dims);

#endif
