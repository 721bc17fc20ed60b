#include "codegen/spatial_int8_export.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"
#include "model/contract.h"
#include "quant/ptq.h"

static void write_i8(FILE *f, const char *name, const int8_t *v, size_t n)
{
    size_t i;
    fprintf(f, "static const int8_t %s[%zu] = {", name, n);
    for (i = 0; i < n; i++)
        fprintf(f, "%s%d,", i % 24 ? " " : "\n    ", v[i]);
    fprintf(f, "\n};\n");
}

static void write_i32(FILE *f, const char *name, const int32_t *v, size_t n)
{
    size_t i;
    fprintf(f, "static const int32_t %s[%zu] = {", name, n);
    for (i = 0; i < n; i++) {
        int32_t x;
        memcpy(&x, v + i, sizeof x);
        /* INT32_MIN has no literal of type int32_t */
        if (x == INT32_MIN)
            fprintf(f, "%s(-2147483647 - 1),", i % 8 ? " " : "\n    ");
        else
            fprintf(f, "%s%ld,", i % 8 ? " " : "\n    ", (long)x);
    }
    fprintf(f, "\n};\n");
}

static void float_lit(float x, char *buf, size_t n)
{
    snprintf(buf, n, "%.9gf", (double)x);
    if (!strpbrk(buf, ".eEn")) { /* "3f" is not a literal: make it "3.0f" */
        size_t len = strlen(buf);
        snprintf(buf + len - 1, n - (len - 1), ".0f");
    }
}

static const char *kind_name(rppg_q8_kind k)
{
    switch (k) {
    case RPPG_Q8_CONV2D: return "RPPG_Q8_CONV2D";
    case RPPG_Q8_DEPTHWISE: return "RPPG_Q8_DEPTHWISE";
    case RPPG_Q8_FULLY_CONNECTED: return "RPPG_Q8_FULLY_CONNECTED";
    case RPPG_Q8_MOVES: return "RPPG_Q8_MOVES";
    case RPPG_Q8_BINARY: return "RPPG_Q8_BINARY";
    case RPPG_Q8_LUT: return "RPPG_Q8_LUT";
    case RPPG_Q8_SOFTMAX: return "RPPG_Q8_SOFTMAX";
    case RPPG_Q8_GATHER: return "RPPG_Q8_GATHER";
    case RPPG_Q8_RESIZE_BILINEAR: return "RPPG_Q8_RESIZE_BILINEAR";
    case RPPG_Q8_RESIZE_NEAREST: return "RPPG_Q8_RESIZE_NEAREST";
    case RPPG_Q8_SUM: return "RPPG_Q8_SUM";
    case RPPG_Q8_REDUCE_MAX: return "RPPG_Q8_REDUCE_MAX";
    case RPPG_Q8_TRANSPOSE_CONV: return "RPPG_Q8_TRANSPOSE_CONV";
    case RPPG_Q8_MAX_POOL: return "RPPG_Q8_MAX_POOL";
    case RPPG_Q8_AVG_POOL: return "RPPG_Q8_AVG_POOL";
    case RPPG_Q8_MEAN_HW: return "RPPG_Q8_MEAN_HW";
    default: return "RPPG_Q8_COPY";
    }
}

static const char *rounding_name(rppg_q8_rounding r)
{
    return r == RPPG_Q8_ROUND_SINGLE ? "RPPG_Q8_ROUND_SINGLE" : "RPPG_Q8_ROUND_DOUBLE";
}

/* Weight, bias and multiplier bytes of a convolution-like layer (0 for the others). */
static size_t layer_const_bytes(const rppg_q8_layer *y)
{
    size_t w, n;
    int has_bias;
    switch (y->kind) {
    case RPPG_Q8_CONV2D:
        n = (size_t)y->op.conv.out_c;
        w = n * y->op.conv.k_h * y->op.conv.k_w * y->op.conv.in_c;
        has_bias = y->op.conv.bias != NULL;
        break;
    case RPPG_Q8_DEPTHWISE:
        n = (size_t)y->op.dw.in_c * y->op.dw.depth_mult;
        w = n * y->op.dw.k_h * y->op.dw.k_w;
        has_bias = y->op.dw.bias != NULL;
        break;
    case RPPG_Q8_FULLY_CONNECTED:
        n = (size_t)y->op.fc.units;
        w = n * y->op.fc.depth;
        has_bias = y->op.fc.bias != NULL;
        break;
    case RPPG_Q8_MOVES:
        return (size_t)y->op.moves.n_moves * sizeof(rppg_q8_move);
    case RPPG_Q8_LUT:
        return sizeof(rppg_q8_lut);
    case RPPG_Q8_TRANSPOSE_CONV:
        n = (size_t)y->op.tconv.out_c;
        w = n * y->op.tconv.k_h * y->op.tconv.k_w * y->op.tconv.in_c;
        has_bias = y->op.tconv.bias != NULL;
        break;
    case RPPG_Q8_SOFTMAX:
        return sizeof(rppg_q8_softmax);
    default:
        return 0;
    }
    return w + n * 4 * (has_bias ? 3 : 2);
}

static size_t flash_bytes(const rq_q8_lowered *l)
{
    size_t n = sizeof(rppg_q8_net) + (size_t)l->net.n_layers * sizeof(rppg_q8_layer);
    for (int i = 0; i < l->net.n_layers; i++)
        n += layer_const_bytes(&l->layers[i]);
    return n;
}

/* The constant arrays of one convolution-like layer: weights, bias, multipliers, shifts. */
static void write_layer_arrays(FILE *f, int i, const int8_t *w, size_t n_w, const int32_t *bias,
                               const int32_t *mult, const int32_t *shift, size_t n)
{
    char name[64];
    snprintf(name, sizeof name, "layer%d_weights", i);
    write_i8(f, name, w, n_w);
    if (bias) {
        snprintf(name, sizeof name, "layer%d_bias", i);
        write_i32(f, name, bias, n);
    }
    snprintf(name, sizeof name, "layer%d_multiplier", i);
    write_i32(f, name, mult, n);
    snprintf(name, sizeof name, "layer%d_shift", i);
    write_i32(f, name, shift, n);
    fputc('\n', f);
}

static void write_i64_list(FILE *f, const int64_t *v, int n)
{
    fputc('{', f);
    for (int d = 0; d < n; d++)
        fprintf(f, "%s%lld", d ? ", " : "", (long long)v[d]);
    fputc('}', f);
}

/* A data-movement layer's copies: each a strided walk (and a requantization). */
static void write_moves(FILE *f, int i, const rppg_q8_moves *mv)
{
    fprintf(f, "static const rppg_q8_move layer%d_moves[%d] = {\n", i, mv->n_moves);
    for (int j = 0; j < mv->n_moves; j++) {
        const rppg_q8_move *m = &mv->moves[j];
        const rppg_mv_view *v = &m->v;
        fprintf(f, "    {.in = %d, .requant = %d,\n     .v = {.rank = %d, .elem = %d, .dims = {", m->in,
                m->requant, v->rank, v->elem);
        for (int d = 0; d < v->rank; d++)
            fprintf(f, "%s%ld", d ? ", " : "", (long)v->dims[d]);
        fputs("},\n           .in_stride = ", f);
        write_i64_list(f, v->in_stride, v->rank);
        fputs(", .out_stride = ", f);
        write_i64_list(f, v->out_stride, v->rank);
        fprintf(f, ",\n           .in_off = %lld, .out_off = %lld},\n     .q = {.in_zp = %ld, "
                   ".out_zp = %ld, .multiplier = %ld, .shift = %d, .rounding = %s}},\n",
                (long long)v->in_off, (long long)v->out_off, (long)m->q.in_zp, (long)m->q.out_zp,
                (long)m->q.multiplier, m->q.shift, rounding_name(m->q.rounding));
    }
    fputs("};\n\n", f);
}

static void write_i32_list(FILE *f, const int32_t *v, int n)
{
    fputc('{', f);
    for (int d = 0; d < n; d++)
        fprintf(f, "%s%ld", d ? ", " : "", (long)v[d]);
    fputc('}', f);
}

static const char *binary_kind_name(rppg_q8_binary_kind k)
{
    switch (k) {
    case RPPG_Q8_ADD: return "RPPG_Q8_ADD";
    case RPPG_Q8_SUB: return "RPPG_Q8_SUB";
    case RPPG_Q8_MUL: return "RPPG_Q8_MUL";
    case RPPG_Q8_MAXIMUM: return "RPPG_Q8_MAXIMUM";
    case RPPG_Q8_MINIMUM: return "RPPG_Q8_MINIMUM";
    default: return "RPPG_Q8_PRELU";
    }
}

static void write_lut(FILE *f, int i, const rppg_q8_lut *t)
{
    fprintf(f, "static const rppg_q8_lut layer%d_lut = {{", i);
    for (int v = 0; v < 256; v++)
        fprintf(f, "%s%u,", v % 24 ? " " : "\n    ", (unsigned)t->table[v]);
    fputs("\n}};\n\n", f);
}

static void write_softmax(FILE *f, int i, const rppg_q8_softmax *p)
{
    fprintf(f, "static const rppg_q8_softmax layer%d_softmax = {%ld, %ld, %ld, {", i,
            (long)p->rows, (long)p->depth, (long)p->diff_min);
    for (int v = 0; v < 256; v++) {
        if (p->exp_q0[v] == INT32_MIN)
            fprintf(f, "%s(-2147483647 - 1),", v % 8 ? " " : "\n    ");
        else
            fprintf(f, "%s%ld,", v % 8 ? " " : "\n    ", (long)p->exp_q0[v]);
    }
    fputs("\n}};\n\n", f);
}

static void write_named_i32(FILE *f, int i, const char *what, const int32_t *v, size_t n)
{
    char name[64];
    snprintf(name, sizeof name, "layer%d_%s", i, what);
    write_i32(f, name, v, n);
    fputc('\n', f);
}

static void write_arrays(FILE *f, int i, const rppg_q8_layer *y)
{
    switch (y->kind) {
    case RPPG_Q8_GATHER: {
        const rppg_mv_gather *g = &y->op.gather.g;
        write_named_i32(f, i, "indices", y->op.gather.indices, (size_t)g->batch * g->coords);
        break;
    }
    case RPPG_Q8_RESIZE_NEAREST:
        write_named_i32(f, i, "y_index", y->op.resize.y_index, (size_t)y->op.resize.r.out_h);
        write_named_i32(f, i, "x_index", y->op.resize.x_index, (size_t)y->op.resize.r.out_w);
        break;
    case RPPG_Q8_TRANSPOSE_CONV: {
        const rppg_q8_transpose_conv *p = &y->op.tconv;
        write_layer_arrays(f, i, p->weights, (size_t)p->out_c * p->k_h * p->k_w * p->in_c,
                           p->bias, p->multiplier, p->shift, (size_t)p->out_c);
        break;
    }
    case RPPG_Q8_LUT:
        write_lut(f, i, y->op.lut);
        break;
    case RPPG_Q8_SOFTMAX:
        write_softmax(f, i, y->op.softmax);
        break;
    case RPPG_Q8_MOVES:
        write_moves(f, i, &y->op.moves);
        break;
    case RPPG_Q8_CONV2D: {
        const rppg_q8_conv *p = &y->op.conv;
        write_layer_arrays(f, i, p->weights, (size_t)p->out_c * p->k_h * p->k_w * p->in_c,
                           p->bias, p->multiplier, p->shift, (size_t)p->out_c);
        break;
    }
    case RPPG_Q8_DEPTHWISE: {
        const rppg_q8_dwconv *p = &y->op.dw;
        size_t n = (size_t)p->in_c * p->depth_mult;
        write_layer_arrays(f, i, p->weights, n * p->k_h * p->k_w, p->bias, p->multiplier,
                           p->shift, n);
        break;
    }
    case RPPG_Q8_FULLY_CONNECTED: {
        const rppg_q8_fc *p = &y->op.fc;
        write_layer_arrays(f, i, p->weights, (size_t)p->units * p->depth, p->bias,
                           p->multiplier, p->shift, (size_t)p->units);
        break;
    }
    default:
        break;
    }
}

static void write_ref(FILE *f, long ref)
{
    if (ref == RPPG_Q8_NET_IN)
        fputs("RPPG_Q8_NET_IN", f);
    else if (ref == RPPG_Q8_NET_OUT)
        fputs("RPPG_Q8_NET_OUT", f);
    else
        fprintf(f, "%ld", ref);
}

/* ".bias = layerN_bias" or NULL, then the multiplier and shift arrays and the rounding. */
static void write_array_refs(FILE *f, int i, const void *bias, rppg_q8_rounding r)
{
    fprintf(f, ".weights = layer%d_weights, .bias = ", i);
    if (bias)
        fprintf(f, "layer%d_bias", i);
    else
        fputs("NULL", f);
    fprintf(f, ",\n              .multiplier = layer%d_multiplier, .shift = layer%d_shift, "
               ".rounding = %s}", i, i, rounding_name(r));
}

static void write_op(FILE *f, int i, const rppg_q8_layer *y)
{
    switch (y->kind) {
    case RPPG_Q8_CONV2D: {
        const rppg_q8_conv *p = &y->op.conv;
        fprintf(f, ",\n     .op.conv = {.in_h = %d, .in_w = %d, .in_c = %d, .out_h = %d, "
                   ".out_w = %d, .out_c = %d,\n              .k_h = %d, .k_w = %d, .stride_h = %d, "
                   ".stride_w = %d, .pad_top = %d, .pad_left = %d,\n              .in_zp = %ld, "
                   ".out_zp = %ld, .act_min = %ld, .act_max = %ld,\n              ",
                p->in_h, p->in_w, p->in_c, p->out_h, p->out_w, p->out_c, p->k_h, p->k_w,
                p->stride_h, p->stride_w, p->pad_top, p->pad_left, (long)p->in_zp,
                (long)p->out_zp, (long)p->act_min, (long)p->act_max);
        write_array_refs(f, i, p->bias, p->rounding);
        break;
    }
    case RPPG_Q8_DEPTHWISE: {
        const rppg_q8_dwconv *p = &y->op.dw;
        fprintf(f, ",\n     .op.dw = {.in_h = %d, .in_w = %d, .in_c = %d, .out_h = %d, "
                   ".out_w = %d, .depth_mult = %d,\n              .k_h = %d, .k_w = %d, "
                   ".stride_h = %d, .stride_w = %d, .dil_h = %d, .dil_w = %d, .pad_top = %d, "
                   ".pad_left = %d,\n              .in_zp = %ld, .out_zp = %ld, .act_min = %ld, "
                   ".act_max = %ld,\n              ",
                p->in_h, p->in_w, p->in_c, p->out_h, p->out_w, p->depth_mult, p->k_h, p->k_w,
                p->stride_h, p->stride_w, p->dil_h, p->dil_w, p->pad_top, p->pad_left,
                (long)p->in_zp, (long)p->out_zp, (long)p->act_min, (long)p->act_max);
        write_array_refs(f, i, p->bias, p->rounding);
        break;
    }
    case RPPG_Q8_FULLY_CONNECTED: {
        const rppg_q8_fc *p = &y->op.fc;
        fprintf(f, ",\n     .op.fc = {.batches = %d, .depth = %d, .units = %d, .in_zp = %ld, "
                   ".out_zp = %ld, .act_min = %ld, .act_max = %ld,\n              ",
                p->batches, p->depth, p->units, (long)p->in_zp, (long)p->out_zp,
                (long)p->act_min, (long)p->act_max);
        write_array_refs(f, i, p->bias, p->rounding);
        break;
    }
    case RPPG_Q8_MAX_POOL:
    case RPPG_Q8_AVG_POOL: {
        const rppg_q8_pool *p = &y->op.pool;
        fprintf(f, ",\n     .op.pool = {.in_h = %d, .in_w = %d, .c = %d, .out_h = %d, .out_w = %d, "
                   ".k_h = %d, .k_w = %d,\n              .stride_h = %d, .stride_w = %d, "
                   ".pad_top = %d, .pad_left = %d, .act_min = %ld, .act_max = %ld}",
                p->in_h, p->in_w, p->c, p->out_h, p->out_w, p->k_h, p->k_w, p->stride_h,
                p->stride_w, p->pad_top, p->pad_left, (long)p->act_min, (long)p->act_max);
        break;
    }
    case RPPG_Q8_BINARY: {
        const rppg_q8_binary *q = &y->op.bin.q;
        const rppg_q8_bcast *g = &y->op.bin.g;
        fprintf(f, ",\n     .op.bin = {.q = {.kind = %s, .a_offset = %ld, .b_offset = %ld, "
                   ".out_offset = %ld, .left_shift = %d,\n              .a_mult = %ld, "
                   ".b_mult = %ld, .out_mult = %ld, .a_shift = %d, .b_shift = %d, "
                   ".out_shift = %d,\n              .act_min = %ld, .act_max = %ld, "
                   ".rounding = %s},\n              .g = {.rank = %d, .dims = ",
                binary_kind_name(q->kind), (long)q->a_offset, (long)q->b_offset,
                (long)q->out_offset, q->left_shift, (long)q->a_mult, (long)q->b_mult,
                (long)q->out_mult, q->a_shift, q->b_shift, q->out_shift, (long)q->act_min,
                (long)q->act_max, rounding_name(q->rounding), g->rank);
        write_i32_list(f, g->dims, g->rank);
        fputs(", .a_stride = ", f);
        write_i32_list(f, g->a_stride, g->rank);
        fputs(", .b_stride = ", f);
        write_i32_list(f, g->b_stride, g->rank);
        fputs("}}", f);
        break;
    }
    case RPPG_Q8_LUT:
        fprintf(f, ",\n     .op.lut = &layer%d_lut", i);
        break;
    case RPPG_Q8_GATHER: {
        const rppg_mv_gather *g = &y->op.gather.g;
        fprintf(f, ",\n     .op.gather = {.g = {.batch = %ld, .outer = %ld, .axis_size = %ld, "
                   ".coords = %ld, .inner = %ld, .elem = %d}, .indices = layer%d_indices}",
                (long)g->batch, (long)g->outer, (long)g->axis_size, (long)g->coords,
                (long)g->inner, g->elem, i);
        break;
    }
    case RPPG_Q8_RESIZE_BILINEAR:
    case RPPG_Q8_RESIZE_NEAREST: {
        const rppg_mv_resize *r = &y->op.resize.r;
        fprintf(f, ",\n     .op.resize = {.r = {.batches = %ld, .in_h = %ld, .in_w = %ld, "
                   ".depth = %ld, .out_h = %ld, .out_w = %ld,\n              .align_corners = %d, "
                   ".half_pixel_centers = %d, .rounding = %s}",
                (long)r->batches, (long)r->in_h, (long)r->in_w, (long)r->depth, (long)r->out_h,
                (long)r->out_w, r->align_corners, r->half_pixel_centers, rounding_name(r->rounding));
        if (y->kind == RPPG_Q8_RESIZE_NEAREST)
            fprintf(f, ", .y_index = layer%d_y_index, .x_index = layer%d_x_index", i, i);
        fputc('}', f);
        break;
    }
    case RPPG_Q8_SUM:
    case RPPG_Q8_REDUCE_MAX: {
        const rppg_q8_reduce *r = &y->op.reduce;
        fprintf(f, ",\n     .op.reduce = {.rank = %d, .in_dims = ", r->rank);
        write_i32_list(f, r->in_dims, r->rank);
        fputs(", .out_stride = ", f);
        write_i32_list(f, r->out_stride, r->rank);
        fprintf(f, ",\n              .n_out = %ld, .n_reduce = %ld, .in_zp = %ld, .out_zp = %ld, "
                   ".mult = %ld, .shift = %d, .rounding = %s}",
                (long)r->n_out, (long)r->n_reduce, (long)r->in_zp, (long)r->out_zp,
                (long)r->mult, r->shift, rounding_name(r->rounding));
        break;
    }
    case RPPG_Q8_TRANSPOSE_CONV: {
        const rppg_q8_transpose_conv *p = &y->op.tconv;
        fprintf(f, ",\n     .op.tconv = {.batches = %d, .in_h = %d, .in_w = %d, .in_c = %d, "
                   ".out_h = %d, .out_w = %d, .out_c = %d, .k_h = %d, .k_w = %d,\n              "
                   ".stride_h = %d, .stride_w = %d, .pad_top = %d, .pad_left = %d, .in_zp = %ld, "
                   ".out_zp = %ld, .act_min = %ld, .act_max = %ld,\n              ",
                p->batches, p->in_h, p->in_w, p->in_c, p->out_h, p->out_w, p->out_c, p->k_h,
                p->k_w, p->stride_h, p->stride_w, p->pad_top, p->pad_left, (long)p->in_zp,
                (long)p->out_zp, (long)p->act_min, (long)p->act_max);
        write_array_refs(f, i, p->bias, p->rounding);
        break;
    }
    case RPPG_Q8_SOFTMAX:
        fprintf(f, ",\n     .op.softmax = &layer%d_softmax", i);
        break;
    case RPPG_Q8_MOVES: {
        const rppg_q8_moves *p = &y->op.moves;
        fprintf(f, ",\n     .op.moves = {.n_moves = %d, .moves = layer%d_moves, .fill = %d, "
                   ".fill_n = %zu, .fill_elem = %d, .fill_value = {", p->n_moves, i, p->fill,
                p->fill_n, p->fill_elem);
        for (int b = 0; b < 8; b++)
            fprintf(f, "%s%u", b ? ", " : "", (unsigned)p->fill_value[b]);
        fputs("}}", f);
        break;
    }
    case RPPG_Q8_MEAN_HW: {
        const rppg_q8_mean *p = &y->op.mean;
        fprintf(f, ",\n     .op.mean = {.h = %d, .w = %d, .c = %d, .in_zp = %ld, .out_zp = %ld, "
                   ".multiplier = %ld, .shift = %d,\n              .rounding = %s}",
                p->h, p->w, p->c, (long)p->in_zp, (long)p->out_zp, (long)p->multiplier,
                p->shift, rounding_name(p->rounding));
        break;
    }
    default:
        break;
    }
}

static const char *net_rounding(const rq_q8_lowered *l)
{
    for (int i = 0; i < l->net.n_layers; i++) {
        const rppg_q8_layer *y = &l->layers[i];
        rppg_q8_rounding r = y->kind == RPPG_Q8_CONV2D      ? y->op.conv.rounding
                             : y->kind == RPPG_Q8_DEPTHWISE ? y->op.dw.rounding
                             : y->kind == RPPG_Q8_FULLY_CONNECTED ? y->op.fc.rounding
                             : y->kind == RPPG_Q8_MEAN_HW   ? y->op.mean.rounding
                                                            : RPPG_Q8_ROUND_DOUBLE;
        if (r == RPPG_Q8_ROUND_SINGLE)
            return "single";
    }
    return "double";
}

static void write_source(FILE *f, const rq_q8_lowered *l, const char *source_name)
{
    char a[40], b[40], c[40];
    int i;
    fprintf(f, "/* Generated by rppgq export-c --spatial from %s. Do not edit.\n"
               " * The int8 network for the MCU CPU path (runtime/q8_net.h): TFLite Micro "
               "reference\n * arithmetic, %s rounding; arena offsets from a lifetime plan. */\n"
               "#include \"%s\"\n\n", source_name, net_rounding(l), RQ_SPATIAL_H);
    for (i = 0; i < l->net.n_layers; i++)
        write_arrays(f, i, &l->layers[i]);
    fprintf(f, "static const rppg_q8_layer layers[%d] = {\n", l->net.n_layers);
    for (i = 0; i < l->net.n_layers; i++) {
        const rppg_q8_layer *y = &l->layers[i];
        fprintf(f, "    {.kind = %s, .in_bytes = %zu, .out_bytes = %zu, .n_in = %d, .in = {",
                kind_name(y->kind), y->in_bytes, y->out_bytes, y->n_in);
        for (int k = 0; k < y->n_in; k++) {
            fputs(k ? ", " : "", f);
            write_ref(f, y->in[k]);
        }
        fputs("}, .out = ", f);
        write_ref(f, y->out);
        fprintf(f, ", .tmp = %ld", y->tmp);
        write_op(f, i, y);
        fprintf(f, "},\n");
    }
    fprintf(f, "};\n\n");
    float_lit(l->net.in_scale, a, sizeof a);
    float_lit(l->net.out_scale, b, sizeof b);
    fprintf(f, "const rppg_q8_net rppg_spatial_cnn = {\n"
               "    .name = \"spatial_cnn_int8\", .n_layers = %d, .layers = layers,\n"
               "    .in_h = %d, .in_w = %d, .in_c = %d, .in_scale = %s, .in_zp = %ld,\n"
               "    .n_out = %d, .out_scale = %s, .out_zp = %ld,\n"
               "    .arena_bytes = %zu,\n};\n\n",
            l->net.n_layers, l->net.in_h, l->net.in_w, l->net.in_c, a, (long)l->net.in_zp,
            l->net.n_out, b, (long)l->net.out_zp, l->net.arena_bytes);
    float_lit(l->contract.scale, a, sizeof a);
    float_lit(l->contract.clip, c, sizeof c);
    fprintf(f, "/* %s; samples every %d frames of a %d fps camera = %g Hz (resample.h feeds it\n"
               " * from any camera rate) */\nconst rppg_contract rppg_spatial_contract = {%s, %s, %s, %d};\n",
            l->has_contract ? "the input contract recorded in the model's description"
                            : "the model names no input contract: raw pixels in [0,1]",
            l->contract.frame_stride, RPPG_CONTRACT_FPS, rq_contract_sample_hz(&l->contract),
            l->contract.repr == RPPG_REPR_WINDOW_RATIO ? "RPPG_REPR_WINDOW_RATIO" : "RPPG_REPR_RAW",
            a, c, l->contract.frame_stride);
}

static void write_header(FILE *f, const rq_q8_lowered *l, const char *source_name)
{
    fprintf(f, "/* Generated by rppgq export-c --spatial from %s. Do not edit.\n"
               " *\n"
               " * Run one patch:  rppg_q8_net_run(&rppg_spatial_cnn, patch, features, arena);\n"
               " *   patch     int8 [%d][%d][%d]  (rppg_window_patch with in_scale / in_zp below)\n"
               " *   features  int8 [%d]          (rppg_q8_dequantize with out_scale / out_zp)\n"
               " *   arena     int8 [RPPG_SPATIAL_ARENA_BYTES], caller-owned scratch\n"
               " * Flash: about %zu bytes of constants. */\n"
               "#ifndef RPPG_SPATIAL_CNN_INT8_H\n#define RPPG_SPATIAL_CNN_INT8_H\n\n"
               "#include \"input_contract.h\"\n#include \"q8_net.h\"\n\n"
               "#define RPPG_SPATIAL_IN_H %d\n#define RPPG_SPATIAL_IN_W %d\n#define RPPG_SPATIAL_IN_C %d\n"
               "#define RPPG_SPATIAL_FEATURES %d\n#define RPPG_SPATIAL_ARENA_BYTES %zu\n\n"
               "extern const rppg_q8_net rppg_spatial_cnn;\n"
               "extern const rppg_contract rppg_spatial_contract;\n\n#endif\n",
            source_name, l->net.in_h, l->net.in_w, l->net.in_c, l->net.n_out, flash_bytes(l),
            l->net.in_h, l->net.in_w, l->net.in_c, l->net.n_out, l->net.arena_bytes);
}

/* Both files or neither: each is generated into its temporary and flushed, and only
 * when both are complete are they renamed into place. */
int rq_spatial_write_c(const rq_tfl_model *m, const rq_q8_lowered *l, const char *source_name,
                       const char *dir, rq_error *err)
{
    enum { N = 2 + RQ_SPATIAL_RUNTIME_NFILES };
    void (*const gen[2])(FILE *, const rq_q8_lowered *, const char *) = {write_header,
                                                                          write_source};
    rq_embedded_file rt[RQ_SPATIAL_RUNTIME_NFILES];
    const char *files[N];
    rq_atomic_file af[N];
    int opened = 0, rc = 0;
    (void)m;
    rq_spatial_runtime_files(rt);
    files[0] = RQ_SPATIAL_H;
    files[1] = RQ_SPATIAL_C;
    for (int i = 0; i < RQ_SPATIAL_RUNTIME_NFILES; i++)
        files[2 + i] = rt[i].name;
    for (; opened < N && !rc; opened++) {
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, files[opened]) >= sizeof path)
            rc = rq_fail(err, "%s: path too long", dir);
        else if ((rc = rq_atomic_open(&af[opened], path, err)) == 0) {
            if (opened < 2)
                gen[opened](af[opened].fp, l, source_name);
            else /* the runtime, byte for byte (a short write shows at flush) */
                (void)fwrite(rt[opened - 2].data, 1, rt[opened - 2].len, af[opened].fp);
        }
    }
    if (rc)
        opened--; /* the failed one is not open */
    for (int i = 0; i < opened && !rc; i++)
        rc = rq_atomic_flush(&af[i], err);
    for (int i = 0; i < opened; i++) {
        if (rc)
            rq_atomic_abort(&af[i]);
        else
            rc = rq_atomic_commit(&af[i], err);
    }
    return rc;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

int rq_spatial_export_file(const char *model_path, rppg_q8_rounding rounding, const char *dir,
                           rq_q8_lowered *info, rq_error *err)
{
    rq_tfl_model m;
    rq_q8_lowered l;
    memset(&l, 0, sizeof l);
    int rc = rq_tfl_read(model_path, &m, err);
    if (!rc)
        rc = rq_q8_lower(&m, rounding, model_path, &l, err);
    if (!rc)
        rc = rq_spatial_write_c(&m, &l, base_name(model_path), dir, err);
    if (!rc && info) {
        *info = l; /* the scalars; the arrays stay with l and go below */
        info->layers = NULL, info->params = NULL, info->net.layers = NULL, info->net.name = NULL;
    }
    rq_q8_lowered_free(&l);
    rq_tfl_model_free(&m);
    return rc;
}
