/* GATHER, RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR and SHAPE: the data-movement operators
 * that are not a plain strided copy (runtime/int8_movement.h has their kernels). */
#include <stdlib.h>
#include <string.h>

#include "engine/op_movement.h"
#include "int8_movement.h"

/* Upper bound on resize sizes: TFLite's 10-bit fixed-point source coordinates
 * (value * scale_10, 1024 * size) stay inside int32 below 2^20. */
#define MAX_RESIZE_DIM (1 << 16)

typedef struct gather_state {
    rppg_mv_gather g;
} gather_state;

static void run_gather(const prep_op *p, uint8_t *arena)
{
    const gather_state *s = p->state;
    /* indices are int32, and both the arena and constant data keep them aligned */
    const int32_t *idx = (const int32_t *)(const void *)cptr(&p->ins[1], arena);
    rppg_mv_gather_run(&s->g, cptr(&p->ins[0], arena), idx, mptr(&p->out, arena));
}

const rppg_mv_gather *gather_export(const prep_op *p)
{
    return p->run == run_gather ? &((const gather_state *)p->state)->g : NULL;
}

int prepare_gather(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 2, 2))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *ix = input_tensor(c, 1),
                        *out = output_tensor(c);
    int elem = mv_elem_size(c, in);
    if (elem < 0)
        return -1;
    if (out->type != in->type)
        return op_fail(c, "output %s is %s, input %s is %s", out->name,
                       rq_tfl_type_name(out->type), in->name, rq_tfl_type_name(in->type));
    if (ix->type != RQ_TFL_INT32)
        return op_fail(c, "indices %s have type %s, INT32 needed", ix->name,
                       rq_tfl_type_name(ix->type));
    int axis = mv_axis(c, c->op->opt.axis, in->rank, "axis");
    if (axis < 0)
        return -1;
    int bd = c->op->opt.batch_dims;
    if (bd < 0)
        bd += ix->rank;
    if (bd < 0 || bd > axis || bd > ix->rank)
        return op_fail(c, "batch_dims %d with axis %d and rank-%d indices",
                       c->op->opt.batch_dims, axis, ix->rank);
    for (int d = 0; d < bd; d++)
        if (in->shape[d] != ix->shape[d])
            return op_fail(c, "batch dimension %d differs between input and indices", d);
    if (in->rank + ix->rank - 1 - bd > RQ_TFL_MAX_DIMS)
        return op_fail(c, "output rank above %d", RQ_TFL_MAX_DIMS);
    int32_t dims[RQ_TFL_MAX_DIMS];
    int n = 0;
    rppg_mv_gather g = {1, 1, in->shape[axis], 1, 1, elem};
    for (int d = 0; d < axis; d++) {
        dims[n++] = in->shape[d];
        if (d < bd)
            g.batch *= in->shape[d];
        else
            g.outer *= in->shape[d];
    }
    for (int d = bd; d < ix->rank; d++) {
        dims[n++] = ix->shape[d];
        g.coords *= ix->shape[d];
    }
    for (int d = axis + 1; d < in->rank; d++) {
        dims[n++] = in->shape[d];
        g.inner *= in->shape[d];
    }
    if (mv_expect_shape(c, out, n, dims))
        return -1;
    if (ix->data)
        for (int64_t k = 0; k < rq_tfl_num_elements(ix); k++) {
            int32_t v;
            memcpy(&v, ix->data + 4 * k, 4);
            if (v < 0 || v >= g.axis_size)
                return op_fail(c, "index %d outside dimension %d of size %d", (int)v, axis,
                               (int)g.axis_size);
        }
    gather_state *s = calloc(1, sizeof *s);
    if (!s)
        return op_fail(c, "out of memory");
    s->g = g;
    p->state = s;
    p->run = run_gather;
    return 0;
}

/* ---- RESIZE_* ----------------------------------------------------------------------- */

typedef struct resize_state {
    rppg_mv_resize r;
    int elem;
    int32_t *y_index, *x_index; /* nearest neighbour: into idx */
    int32_t idx[];
} resize_state;

static void run_bilinear(const prep_op *p, uint8_t *arena)
{
    const resize_state *s = p->state;
    rppg_mv_resize_bilinear_s8(&s->r, (const int8_t *)cptr(&p->in, arena),
                               (int8_t *)mptr(&p->out, arena));
}

static void run_nearest(const prep_op *p, uint8_t *arena)
{
    const resize_state *s = p->state;
    rppg_mv_resize_nearest(&s->r, s->y_index, s->x_index, s->elem, cptr(&p->in, arena),
                           mptr(&p->out, arena));
}

const rppg_mv_resize *resize_export(const prep_op *p, const int32_t **y_index,
                                    const int32_t **x_index)
{
    const resize_state *s = p->state;
    if (p->run == run_bilinear) {
        *y_index = *x_index = NULL;
        return &s->r;
    }
    if (p->run == run_nearest && s->elem == 1) {
        *y_index = s->y_index;
        *x_index = s->x_index;
        return &s->r;
    }
    return NULL;
}

int prepare_resize(prep_ctx *c, prep_op *p)
{
    int bilinear = c->op->code == RQ_TFL_OP_RESIZE_BILINEAR;
    if (check_counts(c, 2, 2))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    const rq_tfl_options *o = &c->op->opt;
    int elem = mv_elem_size(c, in);
    if (elem < 0)
        return -1;
    if (out->type != in->type)
        return op_fail(c, "output %s is %s, input %s is %s", out->name,
                       rq_tfl_type_name(out->type), in->name, rq_tfl_type_name(in->type));
    if (bilinear && in->type != RQ_TFL_INT8)
        return op_fail(c, "input %s has type %s, only INT8 is supported", in->name,
                       rq_tfl_type_name(in->type));
    if (in->rank != 4)
        return op_fail(c, "input %s must be 4-D NHWC", in->name);
    if (o->align_corners && o->half_pixel_centers)
        return op_fail(c, "align_corners and half_pixel_centers are both set");
    int32_t size[2];
    int n;
    if (mv_const_ints(c, 1, "size", size, 2, &n))
        return -1;
    if (n != 2)
        return op_fail(c, "size holds %d values, 2 expected", n);
    if (size[0] < 1 || size[1] < 1 || size[0] > MAX_RESIZE_DIM || size[1] > MAX_RESIZE_DIM ||
        in->shape[1] < 1 || in->shape[2] < 1 || in->shape[1] > MAX_RESIZE_DIM ||
        in->shape[2] > MAX_RESIZE_DIM)
        return op_fail(c, "%dx%d -> %dx%d: sizes must be 1..%d", (int)in->shape[1],
                       (int)in->shape[2], (int)size[0], (int)size[1], MAX_RESIZE_DIM);
    int32_t dims[4] = {in->shape[0], size[0], size[1], in->shape[3]};
    if (mv_expect_shape(c, out, 4, dims))
        return -1;
    size_t extra = bilinear ? 0 : (size_t)size[0] + (size_t)size[1];
    resize_state *s = calloc(1, sizeof *s + extra * sizeof(int32_t));
    if (!s)
        return op_fail(c, "out of memory");
    p->state = s;
    s->elem = elem;
    s->r = (rppg_mv_resize){in->shape[0], in->shape[1], in->shape[2], in->shape[3],
                            size[0], size[1], o->align_corners != 0,
                            o->half_pixel_centers != 0,
                            p->single ? RPPG_Q8_ROUND_SINGLE : RPPG_Q8_ROUND_DOUBLE};
    if (bilinear) {
        p->run = run_bilinear;
        return 0;
    }
    s->y_index = s->idx;
    s->x_index = s->idx + size[0];
    rppg_mv_nearest_index(in->shape[1], size[0], s->r.align_corners, s->r.half_pixel_centers,
                          s->y_index);
    rppg_mv_nearest_index(in->shape[2], size[1], s->r.align_corners, s->r.half_pixel_centers,
                          s->x_index);
    p->run = run_nearest;
    return 0;
}

/* ---- SHAPE: the input's dimensions, known at prepare (and folded there) ------------- */

typedef struct shape_state {
    size_t bytes;
    uint8_t data[RQ_TFL_MAX_DIMS * 8];
} shape_state;

static void run_shape(const prep_op *p, uint8_t *arena)
{
    const shape_state *s = p->state;
    memcpy(mptr(&p->out, arena), s->data, s->bytes);
}

int prepare_shape(prep_ctx *c, prep_op *p)
{
    if (check_counts(c, 1, 1))
        return -1;
    const rq_tfl_tensor *in = input_tensor(c, 0), *out = output_tensor(c);
    if (out->type != RQ_TFL_INT32 && out->type != RQ_TFL_INT64)
        return op_fail(c, "output %s has type %s, INT32 or INT64 needed", out->name,
                       rq_tfl_type_name(out->type));
    int32_t dims[1] = {in->rank};
    if (mv_expect_shape(c, out, 1, dims))
        return -1;
    shape_state *s = calloc(1, sizeof *s);
    if (!s)
        return op_fail(c, "out of memory");
    p->state = s;
    for (int d = 0; d < in->rank; d++) {
        if (out->type == RQ_TFL_INT32) {
            memcpy(s->data + 4 * d, &in->shape[d], 4);
        } else {
            int64_t v = in->shape[d];
            memcpy(s->data + 8 * d, &v, 8);
        }
    }
    s->bytes = (size_t)in->rank * rq_tfl_type_size(out->type);
    p->run = run_shape;
    return 0;
}
