#include "frontend/spatial_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx_read.h"
#include "frontend/spatial_ckpt.h"
#include "passes/passes.h"

void rq_print_warning(const char *warning)
{
    if (warning && warning[0])
        fprintf(stderr, "%s\n", warning);
}

void rq_spatial_model_free(rq_spatial_model *m)
{
    rq_ir_free(&m->g);
}

/* The ONNX file's rppgq.* metadata: the input contract and the label mean. */
static int onnx_facts(rq_spatial_model *m, rq_error *err)
{
    const char *c = rq_ir_prop(&m->g, "rppgq.input_contract");
    const char *lm = rq_ir_prop(&m->g, "rppgq.label_mean");
    if (c) {
        char text[300];
        snprintf(text, sizeof text, "input_contract %.250s", c);
        if (strlen(c) > 250 || rq_contract_from_description(text, &m->contract) < 0 ||
            m->contract.frame_stride < 1 || m->contract.frame_stride > 1000 ||
            (m->contract.repr == RPPG_REPR_WINDOW_RATIO &&
             !(m->contract.scale > 0.0f && m->contract.clip > 0.0f && isfinite(m->contract.scale) &&
               isfinite(m->contract.clip))))
            return rq_fail(err, "%s: metadata 'rppgq.input_contract' is not 'representation=raw "
                           "frame_stride=K' or 'representation=window_ratio scale=S clip=C "
                           "frame_stride=K'", m->path);
    }
    if (lm) {
        char *end;
        double x = strtod(lm, &end);
        if (end == lm || *end || !(x > 0.0 && x < 1000.0))
            return rq_fail(err, "%s: metadata 'rppgq.label_mean' is not a heart rate in BPM "
                           "(a number in (0, 1000))", m->path);
        m->label_mean = x;
    }
    return 0;
}

/* The NHWC graph from either front end. */
static int load_graph(const char *ckpt, const char *onnx, int h, int w, rq_spatial_model *m,
                      rq_error *err)
{
    if (onnx) {
        if (rq_onnx_read(onnx, &m->g, err) < 0 || onnx_facts(m, err) < 0 ||
            rq_passes_canonicalize(&m->g, err) < 0)
            return -1;
    } else {
        rq_spatial_ckpt_info info;
        if (rq_spatial_ckpt_graph(ckpt, h, w, &m->g, &info, err) < 0 ||
            rq_passes_canonicalize(&m->g, err) < 0)
            return -1;
        m->contract = info.contract, m->label_mean = info.label_mean;
    }
    return rq_passes_for_tflite(&m->g, err);
}

/* One float32 input [1,H,W,C] (NHWC now) and one float32 output. */
static int check_io(rq_spatial_model *m, rq_error *err)
{
    const rq_ir_graph *g = &m->g;
    if (g->n_inputs != 1 || g->n_outputs != 1)
        return rq_fail(err, "%s: a spatial model has one input and one output, not %d and %d",
                       m->path, g->n_inputs, g->n_outputs);
    const rq_ir_tensor *x = &g->tensors[g->inputs[0]], *y = &g->tensors[g->outputs[0]];
    if (x->dtype != RQ_IR_F32 || x->rank != 4 || x->shape[0] != 1 || y->dtype != RQ_IR_F32)
        return rq_fail(err, "%s: a spatial model takes one float32 image (1, C, H, W) and gives "
                       "float32 features", m->path);
    int64_t f = rq_ir_numel(y);
    if (f < 1 || f > 65536)
        return rq_fail(err, "%s: the output has %lld elements, not 1..65536 features", m->path,
                       (long long)f);
    m->h = (int)x->shape[1], m->w = (int)x->shape[2], m->c = (int)x->shape[3];
    m->features = (int)f;
    return 0;
}

int rq_spatial_model_for_data(const char *ckpt, const char *onnx, const rq_dataset *ds,
                              const char *data_path, const rq_data_timing *given,
                              char *warning, rq_spatial_model *m, rq_error *err)
{
    memset(m, 0, sizeof *m);
    m->path = onnx ? onnx : ckpt;
    m->label_mean = NAN;
    m->contract.repr = RPPG_REPR_RAW, m->contract.scale = 1.0f, m->contract.frame_stride = 1;
    rq_ir_init(&m->g, m->path);
    if (ds->height < 4 || ds->width < 4 || ds->height > 4096 || ds->width > 4096)
        return rq_fail(err, "%s: ROI patches of %dx%d do not fit the spatial CNN (4..4096 a side)",
                       data_path, ds->height, ds->width);
    rq_ir_free(&m->g);
    if (load_graph(ckpt, onnx, ds->height, ds->width, m, err) < 0 || check_io(m, err) < 0)
        return -1;
    if (ds->channels != m->c)
        return rq_fail(err, "%s: windows have %d colour channels but the spatial CNN takes %d",
                       data_path, ds->channels, m->c);
    if (ds->height != m->h || ds->width != m->w)
        return rq_fail(err, "%s: ROI patches of %dx%d, but %s takes %dx%d", data_path,
                       ds->height, ds->width, m->path, m->h, m->w);
    const rq_data_timing stated = {ds->fps, ds->frame_stride, ds->sample_hz};
    return rq_data_timing_check(&m->contract, &stated, given, data_path, warning, NULL, err);
}

/* The float32 constants nodes read (folding leaves the unfolded ones unread). */
static int64_t float_params(const rq_ir_graph *g)
{
    int64_t p = 0;
    for (int t = 0; t < g->n_tensors; t++)
        if (g->tensors[t].data && g->tensors[t].dtype == RQ_IR_F32 && rq_ir_consumers(g, t, NULL, 0) > 0)
            p += rq_ir_numel(&g->tensors[t]);
    return p;
}

int64_t rq_spatial_model_params(const rq_spatial_model *m)
{
    return float_params(&m->g);
}

int rq_spatial_ckpt_facts(const char *ckpt, rppg_contract *c, int64_t *params, rq_error *err)
{
    rq_ir_graph g;
    rq_spatial_ckpt_info info;
    int rc = rq_spatial_ckpt_graph(ckpt, 36, 36, &g, &info, err);
    if (rc == 0)
        rc = rq_passes_canonicalize(&g, err);
    if (rc == 0)
        *c = info.contract, *params = float_params(&g);
    rq_ir_free(&g);
    return rc;
}
