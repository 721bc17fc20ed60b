#include "quant/spatial_quantize.h"

#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"
#include "common/progress.h"
#include "frontend/spatial_model.h"
#include "quant/graph_quant.h"
#include "quant/ptq.h"
#include "tflite/tfl_model.h"

int rq_load_calibration_patches(rq_dataset *ds, const rq_calib_plan *plan,
                                const rppg_contract *c, float **patches, rq_error *err)
{
    size_t wf = (size_t)ds->window_floats;
    size_t plane = wf / (size_t)ds->frames;
    float *raw = malloc(wf * sizeof(float));
    float *out = malloc((size_t)plan->n * wf * sizeof(float));
    if (!raw || !out) {
        free(raw), free(out);
        return rq_fail(err, "out of memory for %d calibration windows", plan->n);
    }
    rq_progress prog;
    rq_progress_start(&prog, "calibration data", (uint64_t)plan->n);
    for (int i = 0; i < plan->n; i++) {
        rq_progress_update(&prog, (uint64_t)i);
        if (rq_dataset_read_windows(ds, plan->windows[i], 1, raw, err) < 0) {
            free(raw), free(out);
            return -1;
        }
        rppg_contract_apply(c, (size_t)ds->frames, plane, raw, out + (size_t)i * wf);
    }
    rq_progress_update(&prog, (uint64_t)plan->n);
    rq_progress_finish(&prog);
    free(raw);
    *patches = out;
    return 0;
}

/* The description validate and export-c read states the input contract; the calibration
 * record (quant/calib.h) naming the windows and subjects calibration used goes into the
 * model's metadata, where validate reads it. */
static int describe_model(rq_tfl_model *t, const rppg_contract *c, const rq_calib_plan *plan,
                          const rq_quantize_opts *o, const rq_dataset *ds, rq_error *err)
{
    char contract[256];
    rq_contract_describe(c, contract, sizeof contract);
    uint64_t fp = rq_calib_data_fingerprint(ds->labels, ds->subjects, ds->n);
    char *rec = rq_calib_record_format(plan, o->method, o->seed, ds->n, fp);
    int rc = rec ? rq_tfl_set_description(t, contract, err) : rq_fail(err, "%s: out of memory", o->out);
    if (rc == 0)
        rc = rq_tfl_set_metadata(t, RQ_CALIB_METADATA, rec, strlen(rec), err);
    free(rec);
    return rc;
}

static void print_summary(const rq_quantize_opts *o, const rq_spatial_model *m,
                          const rq_gq_result *r, int frames, int n_patches,
                          const rq_calib_plan *plan, size_t len)
{
    FILE *log = o->log;
    const rq_gq_tensor *in = &r->t[m->g.inputs[0]];
    char desc[256], timing[120];
    rq_contract_describe(&m->contract, desc, sizeof desc);
    rq_contract_timing_text(&m->contract, frames, timing, sizeof timing);
    fprintf(log, "observer: %s over %d ROI patches%s\n", rq_calib_method_name(o->method),
            n_patches, o->bias_correction ? ", bias correction on" : "");
    fprintf(log, "  %-16s scale %.9g zero point %d (the input contract's range)\n", "input",
            (double)in->scale, (int)in->zero_point);
    rq_gq_print(&m->g, r, log);
    fprintf(log, "input contract: %s (%s)\n", strstr(desc, "representation="), timing);
    fprintf(log, "calibration record (seed %llu, %d windows%s) in the model's metadata '%s'\n",
            (unsigned long long)o->seed, plan->n, plan->subjects ? " and their subjects" : "",
            RQ_CALIB_METADATA);
    fprintf(log, "wrote %s: %zu bytes (%.1f KB)\n", o->out, len, (double)len / 1024.0);
    if (len > RQ_TFLITE_SIZE_GOAL)
        fprintf(log, "warning: the model is larger than the %d KB goal\n", RQ_TFLITE_SIZE_GOAL / 1024);
}

int rq_quantize_spatial(const rq_quantize_opts *o, rq_quantize_result *res, rq_error *err)
{
    memset(res, 0, sizeof *res);
    rq_spatial_model m;
    rq_dataset ds;
    rq_calib_plan plan;
    rq_tfl_model t;
    rq_gq_result r = {0};
    float *patches = NULL;
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = -1;
    memset(&plan, 0, sizeof plan);
    rq_tfl_model_init(&t);
    if (rq_dataset_open(o->data, &ds, err) < 0)
        return -1;
    char warning[RQ_TIMING_WARNING_MAX] = "";
    if (rq_spatial_model_for_data(o->spatial, o->onnx, &ds, o->data, &o->timing, warning, &m,
                                  err) < 0 ||
        rq_gq_check_ops(&m.g, err) < 0 ||
        rq_calib_select(ds.labels, ds.subjects, ds.n, o->calib_windows, o->seed, o->data, &plan,
                        err) < 0)
        goto out;
    if (o->log)
        rq_calib_print(&plan, o->log);
    if (rq_load_calibration_patches(&ds, &plan, &m.contract, &patches, err) < 0)
        goto out;
    int n_patches = plan.n * ds.frames * ds.rois;
    rq_gq_opts go = {.method = o->method, .fixed_input = 1, .bias_correction = o->bias_correction};
    rq_input_params(&m.contract, &go.input_scale, &go.input_zero_point);
    if (rq_gq_calibrate(&m.g, patches, n_patches, &go, &r, err) < 0 ||
        rq_gq_build(&m.g, &go, &r, &t, err) < 0 ||
        describe_model(&t, &m.contract, &plan, o, &ds, err) < 0 ||
        rq_tfl_serialize(&t, &bytes, &len, err) < 0 ||
        rq_write_file_atomic(o->out, bytes, len, err) < 0)
        goto out;
    res->tflite_bytes = len;
    res->calib_windows = plan.n;
    res->calib_patches = n_patches;
    rq_print_warning(warning); /* after the work: an error would have stayed one line */
    if (o->log)
        print_summary(o, &m, &r, ds.frames, n_patches, &plan, len);
    rc = 0;
out:
    free(bytes);
    free(patches);
    rq_gq_result_free(&r);
    rq_tfl_model_free(&t);
    rq_calib_plan_free(&plan);
    rq_spatial_model_free(&m);
    rq_dataset_close(&ds);
    return rc;
}
