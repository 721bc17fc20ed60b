/* Data-movement kernels (TFLite's CONCATENATION, PAD, PADV2, TRANSPOSE, SLICE,
 * STRIDED_SLICE, SPLIT, SPLIT_V, PACK, UNPACK, TILE, GATHER, DEPTH_TO_SPACE, SPACE_TO_DEPTH,
 * RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR), bit-exact with TFLite Micro's reference
 * kernels, shared by the host engine (src/engine/op_movement.c) and the MCU int8 path.
 *
 * Most of these operators only move elements: each is one or more strided copies
 * (rppg_mv_view) whose strides the caller computes once (prepare). A transpose is a copy
 * whose input strides are permuted, a slice one with an offset and scaled strides, a tile
 * one with zero strides, a pad one into an output with the padded row pitch.
 *
 * C99, no heap, no globals; stack use is under 300 bytes a call (the view's counters).
 * No floating point at run time: the nearest-neighbour index tables come from
 * rppg_mv_nearest_index, run once off-line or at prepare. */
#ifndef RPPG_INT8_MOVEMENT_H
#define RPPG_INT8_MOVEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "int8_kernels.h"

#define RPPG_MV_MAX_DIMS 12

/* out[out_off + sum_d i_d * out_stride[d]] = in[in_off + sum_d i_d * in_stride[d]] for
 * every index 0 <= i_d < dims[d] (outermost first). Strides and offsets count elements of
 * elem bytes (1, 2, 4 or 8); input strides may be zero (tile) or negative (reversed
 * slices). rank 0 copies one element. */
typedef struct rppg_mv_view {
    int rank, elem;
    int32_t dims[RPPG_MV_MAX_DIMS];
    int64_t in_stride[RPPG_MV_MAX_DIMS], out_stride[RPPG_MV_MAX_DIMS];
    int64_t in_off, out_off;
} rppg_mv_view;

void rppg_mv_copy(const rppg_mv_view *v, const void *in, void *out);

/* The same walk on int8 elements, each requantized as TFLite's int8 -> int8 QUANTIZE does:
 * clamp(MultiplyByQuantizedMultiplier(q - in_zp, multiplier, shift) + out_zp). */
typedef struct rppg_mv_requant {
    int32_t in_zp, out_zp, multiplier;
    int shift;
    rppg_q8_rounding rounding;
} rppg_mv_requant;

void rppg_mv_copy_requant(const rppg_mv_view *v, const rppg_mv_requant *q, const int8_t *in,
                          int8_t *out);

/* n elements of elem bytes, each a copy of *value (PAD's constant). */
void rppg_mv_fill(void *out, size_t n, const void *value, int elem);

/* GATHER along one axis: input [batch, outer, axis_size, inner], indices [batch, coords],
 * output [batch, outer, coords, inner]. An index outside [0, axis_size) writes zero bytes
 * (TFLite Micro reads outside the tensor there). */
typedef struct rppg_mv_gather {
    int32_t batch, outer, axis_size, coords, inner;
    int elem;
} rppg_mv_gather;

void rppg_mv_gather_run(const rppg_mv_gather *p, const void *in, const int32_t *indices,
                        void *out);

/* RESIZE_BILINEAR on int8 NHWC with TFLite's integer arithmetic (ResizeBilinearInteger:
 * 10-bit fixed-point source coordinates, a 20-bit weighted sum rounded half away from
 * zero, or half up with single rounding). */
typedef struct rppg_mv_resize {
    int32_t batches, in_h, in_w, depth, out_h, out_w;
    int align_corners, half_pixel_centers;
    rppg_q8_rounding rounding;
} rppg_mv_resize;

void rppg_mv_resize_bilinear_s8(const rppg_mv_resize *p, const int8_t *in, int8_t *out);

/* RESIZE_NEAREST_NEIGHBOR: index[o] is the source row (or column) of output row o. */
void rppg_mv_nearest_index(int32_t in_size, int32_t out_size, int align_corners,
                           int half_pixel_centers, int32_t *index);
void rppg_mv_resize_nearest(const rppg_mv_resize *p, const int32_t *y_index,
                            const int32_t *x_index, int elem, const void *in, void *out);

#endif
