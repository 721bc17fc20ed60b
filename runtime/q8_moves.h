/* A data-movement operator of the MCU int8 path (CONCATENATION, PAD, PADV2, TRANSPOSE,
 * SLICE, STRIDED_SLICE, PACK, TILE, DEPTH_TO_SPACE, SPACE_TO_DEPTH, SQUEEZE, EXPAND_DIMS) as
 * a const program: fill the output with a value (PAD), then strided copies from the
 * layer's inputs (int8_movement.h), some requantizing (a CONCATENATION input quantized
 * unlike the output). `export-c --spatial` writes the copies the host engine prepared, so
 * both run the very same walks.
 *
 * C99, no heap, no globals; stack: that of rppg_mv_copy (under 300 bytes). */
#ifndef RPPG_Q8_MOVES_H
#define RPPG_Q8_MOVES_H

#include <stddef.h>
#include <stdint.h>

#include "int8_movement.h"

typedef struct rppg_q8_move {
    int in;      /* index into the layer's inputs */
    int requant; /* 1: int8 elements requantized with q on the way */
    rppg_mv_view v;
    rppg_mv_requant q;
} rppg_q8_move;

typedef struct rppg_q8_moves {
    int n_moves;
    const rppg_q8_move *moves;
    int fill;          /* 1: out is first filled with fill_n copies of fill_value */
    size_t fill_n;
    int fill_elem;     /* bytes of one fill value */
    uint8_t fill_value[8];
} rppg_q8_moves;

void rppg_q8_moves_run(const rppg_q8_moves *m, const int8_t *const *in, int8_t *out);

#endif
