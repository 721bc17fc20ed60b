#include "quant/onnx_quantize.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/spatial_ckpt.h"
#include "io/sample_file.h"
#include "passes/passes.h"
#include "quant/graph_quant.h"

/* The samples must have the model input's NCHW shape (without the batch). */
static int check_sample_shape(const rq_ir_graph *g, const rq_samples *s, const char *path,
                              rq_error *err)
{
    const rq_ir_tensor *x = &g->tensors[g->inputs[0]];
    int64_t want[RQ_IR_MAX_DIMS];
    int r = x->rank - 1;
    for (int d = 1; d < x->rank; d++)
        want[d - 1] = x->shape[d];
    if (x->rank == 4) /* the graph is NHWC now; PyTorch's samples are (C, H, W) */
        want[0] = x->shape[3], want[1] = x->shape[1], want[2] = x->shape[2];
    int same = s->rank == r;
    for (int d = 0; same && d < r; d++)
        same = s->shape[d] == want[d];
    if (same)
        return 0;
    char a[128] = "", b[128] = "";
    for (int d = 0; d < s->rank; d++)
        snprintf(a + strlen(a), sizeof a - strlen(a), "%s%" PRId64, d ? "," : "", s->shape[d]);
    for (int d = 0; d < r; d++)
        snprintf(b + strlen(b), sizeof b - strlen(b), "%s%" PRId64, d ? "," : "", want[d]);
    return rq_fail(err, "%s: samples of shape (N,%s), but the model input '%s' takes (N,%s)",
                   path, a, x->name, b);
}

/* The chosen samples, copied into the graph's layout. */
static float *chosen_samples(const rq_ir_graph *g, const rq_samples *s, const int64_t *idx,
                             int64_t n)
{
    const rq_ir_tensor *x = &g->tensors[g->inputs[0]];
    int64_t per = s->per_sample;
    float *out = malloc((size_t)(n * per) * sizeof(float));
    for (int64_t k = 0; out && k < n; k++) {
        const float *src = s->data + idx[k] * per;
        if (x->rank == 4)
            rq_nchw_to_nhwc(src, out + k * per, x->shape[3], x->shape[1], x->shape[2]);
        else
            memcpy(out + k * per, src, (size_t)per * sizeof(float));
    }
    return out;
}

/* The canonical NCHW graph from either front end (the checkpoint's input size comes from
 * the samples). */
static int load_canonical(const rq_onnx_quant_opts *o, const rq_samples *s, rq_ir_graph *g,
                          rq_error *err)
{
    if (o->onnx)
        return rq_load_onnx_graph(o->onnx, RQ_IR_NCHW, g, err);
    if (s->rank != 3) {
        rq_ir_init(g, o->spatial);
        return rq_fail(err, "%s: the Spatial CNN takes samples of shape (N, C, H, W)", o->calib);
    }
    if (rq_spatial_ckpt_graph(o->spatial, (int)s->shape[1], (int)s->shape[2], g, NULL, err) < 0)
        return -1;
    return rq_passes_canonicalize(g, err);
}

int rq_quantize_onnx(const rq_onnx_quant_opts *o, rq_error *err)
{
    rq_ir_graph g;
    rq_samples s = {0};
    rq_gq_result r = {0};
    rq_tfl_model m;
    rq_tfl_model_init(&m);
    int64_t *idx = NULL;
    float *cal = NULL;
    int rc = -1;
    rq_gq_opts go = {.method = o->method, .io_float = o->io_float};
    const char *model = o->onnx ? o->onnx : o->spatial;
    if (rq_samples_read(o->calib, &s, err) < 0) {
        rq_ir_init(&g, model);
        goto done;
    }
    /* operators are checked on the canonical graph, before the TFLite rewrites need shapes */
    if (load_canonical(o, &s, &g, err) < 0 || rq_gq_check_ops(&g, err) < 0 ||
        rq_passes_for_tflite(&g, err) < 0)
        goto done;
    if (g.n_inputs != 1 || g.tensors[g.inputs[0]].dtype != RQ_IR_F32) {
        rq_fail(err, "%s: the int8 path needs exactly one float32 input", model);
        goto done;
    }
    if (check_sample_shape(&g, &s, o->calib, err) < 0)
        goto done;
    int64_t n = s.n < o->samples ? s.n : o->samples;
    if (rq_calib_pick(s.n, n, o->seed, &idx) < 0 || !(cal = chosen_samples(&g, &s, idx, n))) {
        rq_fail(err, "%s: out of memory", o->calib);
        goto done;
    }
    if (o->log)
        fprintf(o->log, "calibration: %" PRId64 " of %" PRId64 " samples from %s (seed %" PRIu64
                ", %s)\n", n, s.n, o->calib, o->seed, rq_calib_method_name(o->method));
    if (rq_gq_calibrate(&g, cal, n, &go, &r, err) < 0 || rq_gq_build(&g, &go, &r, &m, err) < 0)
        goto done;
    rq_error merr;
    int measured = rq_gq_measure(&g, &m, &go, cal, n, &r, &merr) == 0;
    if (rq_tfl_write(&m, o->out, err) < 0)
        goto done;
    if (o->log) {
        rq_gq_print(&g, &r, o->log);
        if (!measured)
            fprintf(o->log, "SQNR not measured: %s\n", merr.msg);
        fprintf(o->log, "wrote %s (%d operators, %s input/output)\n", o->out, m.n_ops,
                o->io_float ? "float32" : "int8");
    }
    if (o->json && rq_gq_write_json(&g, &r, o->out, o->json, err) < 0)
        goto done;
    rc = 0;
done:
    free(idx), free(cal);
    rq_gq_result_free(&r);
    rq_tfl_model_free(&m);
    rq_samples_free(&s);
    rq_ir_free(&g);
    return rc;
}
