/* The int8 engine fed hostile but parseable models. Two ways in, chosen by the first byte:
 *   even: the rest is a .tflite file (seeds: our test models), parsed then run;
 *   odd:  a test model built in memory (spatial CNN or one per operator; with bit 1 set,
 *         one of the data-movement models; first byte 5 mod 8, one of the arithmetic and
 *         activation models) whose tensors and operators the rest of the
 *         input rewrites (shapes, scales, zero points, options, indices, constant bytes),
 *         run without going through the parser at all.
 * rq_tfl_prepare must refuse what it cannot run with one line; what it accepts must run
 * with any input bytes, without memory errors or undefined behaviour. */
#include "fz_util.h"
#include "engine/engine.h"
#include "tflite/tfl_testmodels.h"
#include "tflite/tfl_testmodels_arith.h"

/* A model that takes more than this much scratch is refused by the harness, not by the
 * engine: prepare is still exercised, only the run is skipped (keeps runs fast). */
#define FZ_MAX_ELEMS (1 << 22)

static uint32_t fz_take(const uint8_t **p, const uint8_t *end, int bytes)
{
    uint32_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | (*p < end ? *(*p)++ : 0);
    return v;
}

static float fz_weird_float(uint32_t sel, uint32_t raw)
{
    static const float table[] = {0.0f, -0.0f, -1.0f, 1e-30f, 1e30f, 1.0f, 0.5f, 3.4e38f,
                                  1.17e-38f, 1e-45f, 2.0f, 1.0f / 3.0f};
    if (sel % 3 == 0) {
        float f;
        memcpy(&f, &raw, 4);
        return f; /* any bit pattern, NaN and Inf included */
    }
    return table[raw % (sizeof table / sizeof *table)];
}

/* Options of the data-movement operators (axes, counts, masks, block sizes). */
static void fz_mutate_movement(rq_tfl_options *o, uint32_t field, int32_t v)
{
    switch (field % 10) {
    case 0: o->axis = v; break;
    case 1: o->count = v; break;
    case 2: o->batch_dims = v; break;
    case 3: o->begin_mask = v; break;
    case 4: o->end_mask = v; break;
    case 5: o->shrink_axis_mask = v; break;
    case 6: o->block_size = v; break;
    case 7: o->align_corners = v & 1, o->half_pixel_centers = (v >> 1) & 1; break;
    case 8: o->offset = v & 1; break;
    default:
        o->n_squeeze_dims = (int)((uint32_t)v % (RQ_TFL_MAX_DIMS + 1));
        for (int i = 0; i < o->n_squeeze_dims; i++)
            o->squeeze_dims[i] = (int32_t)((uint32_t)v - (uint32_t)i);
        break;
    }
}

static void fz_mutate(rq_tfl_model *m, const uint8_t *p, const uint8_t *end)
{
    while (p < end) {
        uint32_t what = fz_take(&p, end, 1), idx = fz_take(&p, end, 1);
        uint32_t field = fz_take(&p, end, 1), val = fz_take(&p, end, 4);
        if (m->n_tensors == 0 || m->n_ops == 0)
            return;
        rq_tfl_tensor *t = &m->tensors[idx % (uint32_t)m->n_tensors];
        rq_tfl_op *op = &m->ops[idx % (uint32_t)m->n_ops];
        int32_t sval = (int32_t)val;
        int32_t small = (int32_t)(val % 9) - 2; /* -2..6: near the edges */
        switch (what % 11) {
        case 0:
            if (t->rank > 0)
                t->shape[field % (uint32_t)t->rank] = (field & 0x80) ? sval : small + 2;
            break;
        case 1:
            if (t->q.n > 0)
                t->q.scale[field % (uint32_t)t->q.n] = fz_weird_float(field, val);
            break;
        case 2:
            if (t->q.n > 0)
                t->q.zero_point[field % (uint32_t)t->q.n] = (field & 1) ? (int64_t)sval : small * 64;
            break;
        case 3:
            if (t->data && t->data_len)
                t->data[val % t->data_len] = (uint8_t)field;
            break;
        case 4: {
            int v = (field & 0x80) ? sval : small;
            switch (field % 5) {
            case 0: op->opt.stride_w = v; break;
            case 1: op->opt.stride_h = v; break;
            case 2: op->opt.dilation_w = v; break;
            case 3: op->opt.dilation_h = v; break;
            default: op->opt.depth_multiplier = v; break;
            }
            break;
        }
        case 5:
            switch (field % 6) {
            case 0: op->opt.filter_w = (field & 0x80) ? sval : small; break;
            case 1: op->opt.filter_h = (field & 0x80) ? sval : small; break;
            case 2: op->opt.padding = (rq_tfl_padding)(val % 4); break;
            case 3: op->opt.activation = (rq_tfl_activation)(val % 6); break;
            case 4: op->opt.keep_dims = (int)(val & 1); break;
            default:
                if (op->opt.n_new_shape > 0)
                    op->opt.new_shape[val % (uint32_t)op->opt.n_new_shape] = small;
                break;
            }
            break;
        case 6:
            if (op->n_inputs > 0)
                op->inputs[field % (uint32_t)op->n_inputs] = (int32_t)(val % (uint32_t)(m->n_tensors + 1)) - 1;
            break;
        case 7:
            op->outputs[field % (uint32_t)op->n_outputs] = (int32_t)(val % (uint32_t)m->n_tensors);
            break;
        case 8:
            t->type = (rq_tfl_type)(val % 10);
            break;
        case 9: /* SOFTMAX beta, LEAKY_RELU alpha, ARG_MAX output type */
            switch (field % 3) {
            case 0: op->opt.beta = fz_weird_float(field, val); break;
            case 1: op->opt.alpha = fz_weird_float(field, val); break;
            default: op->opt.output_type = (rq_tfl_type)(val % 10); break;
            }
            break;
        default:
            if (t->q.n > 1)
                t->q.quantized_dimension = small;
            else
                fz_mutate_movement(&op->opt, field, (field & 0x80) ? sval : small);
            break;
        }
    }
}

static void fz_run(const rq_tfl_model *m, const uint8_t *fill, size_t fill_len)
{
    rq_tfl_engine *e;
    rq_error err;
    if (rq_tfl_prepare(m, (fill_len & 1) ? RQ_TFL_ROUND_SINGLE : RQ_TFL_ROUND_DOUBLE, &e, &err)) {
        fz_expect_one_line(&err, "");
        return;
    }
    size_t total = 0;
    for (int i = 0; i < m->n_tensors; i++)
        total += rq_tfl_tensor_bytes(e, i);
    if (total <= FZ_MAX_ELEMS) {
        rq_tfl_scratch *s = rq_tfl_scratch_new(e);
        if (s) {
            for (int i = 0; i < m->n_inputs; i++) {
                uint8_t *in = rq_tfl_input(e, s, i);
                size_t n = rq_tfl_tensor_bytes(e, m->inputs[i]);
                for (size_t k = 0; k < n && in; k++)
                    in[k] = fill_len ? fill[k % fill_len] : (uint8_t)k;
            }
            rq_tfl_invoke(e, s);
            rq_tfl_scratch_free(s);
        }
    }
    rq_tfl_engine_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    rq_tfl_model m;
    rq_error err;
    if (!(data[0] & 1)) {
        if (rq_tfl_parse(data + 1, size - 1, "fuzz.tflite", &m, &err) == 0)
            fz_run(&m, data + 1, size - 1);
        rq_tfl_model_free(&m);
        return 0;
    }
    int n_names = 0, n_mv = 0, n_arith = 0;
    while (rq_tfl_op_model_names[n_names])
        n_names++;
    while (rq_tfl_movement_model_name(n_mv))
        n_mv++;
    while (rq_tfl_arith_model_name(n_arith))
        n_arith++;
    rq_tfl_model_init(&m);
    int rc;
    if (data[0] & 2) { /* 3 mod 4: a data-movement model */
        rc = rq_tfl_build_movement_model(&m, rq_tfl_movement_model_name(data[1] % n_mv), &err);
    } else if (data[0] & 4) { /* 5 mod 8: an arithmetic or activation model */
        rc = rq_tfl_build_arith_model(&m, rq_tfl_arith_model_name(data[1] % n_arith), 1, &err);
    } else {
        int pick = data[1] % (n_names + 1);
        rc = pick == n_names ? rq_tfl_build_spatial_cnn(&m, 1, &err)
                             : rq_tfl_build_op_model(&m, rq_tfl_op_model_names[pick], 1, &err);
    }
    if (rc == 0) {
        fz_mutate(&m, data + 2, data + size);
        fz_run(&m, data + 2, size - 2);
    }
    rq_tfl_model_free(&m);
    return 0;
}
