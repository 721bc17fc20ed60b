#include "quant/spatial_quantize.h"

#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"
#include "common/progress.h"
#include "quant/ptq.h"
#include "tflite/tfl_model.h"

int rq_check_dataset_fits(const rq_dataset *ds, const rq_spatial_cnn *m, const char *data_path,
                          const rq_data_timing *given, char *warning, rq_error *err)
{
    if (ds->channels != rq_spatial_in_channels(m))
        return rq_fail(err, "%s: windows have %d colour channels but the spatial CNN takes %d",
                       data_path, ds->channels, rq_spatial_in_channels(m));
    if (ds->height < 4 || ds->width < 4 || ds->height > 4096 || ds->width > 4096)
        return rq_fail(err, "%s: ROI patches of %dx%d do not fit the spatial CNN (4..4096 a side)",
                       data_path, ds->height, ds->width);
    const rq_data_timing stated = {ds->fps, ds->frame_stride, ds->sample_hz};
    return rq_data_timing_check(&m->contract, &stated, given, data_path, warning, NULL, err);
}

void rq_print_warning(const char *warning)
{
    if (warning && warning[0])
        fprintf(stderr, "%s\n", warning);
}

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

static void print_ranges(FILE *log, const rq_ptq_ranges *r)
{
    static const char *names[RQ_SPATIAL_ACTS] = {"conv0/relu", "pool0", "conv1/relu", "pool1",
                                                 "conv2/relu", "features (mean)"};
    fprintf(log, "  %-16s scale %.9g zero point %d\n", "input", (double)r->in_scale,
            (int)r->in_zero_point);
    for (int a = 0; a < RQ_SPATIAL_ACTS; a++)
        fprintf(log, "  %-16s range [%.6g, %.6g] scale %.9g zero point %d\n", names[a], r->lo[a],
                r->hi[a], (double)r->scale[a], (int)r->zero_point[a]);
}

/* Puts the calibration record (quant/calib.h) into the model's metadata: validate reads it
 * to exclude exactly these windows and subjects. */
static int record_calibration(rq_tfl_model *t, const rq_calib_plan *plan, const rq_quantize_opts *o,
                              const rq_dataset *ds, rq_error *err)
{
    uint64_t fp = rq_calib_data_fingerprint(ds->labels, ds->subjects, ds->n);
    char *rec = rq_calib_record_format(plan, o->method, o->seed, ds->n, fp);
    int rc = rec ? rq_tfl_set_metadata(t, RQ_CALIB_METADATA, rec, strlen(rec), err)
                 : rq_fail(err, "%s: out of memory", o->out);
    free(rec);
    return rc;
}

int rq_quantize_spatial(const rq_quantize_opts *o, rq_quantize_result *res, rq_error *err)
{
    memset(res, 0, sizeof *res);
    rq_spatial_cnn m;
    rq_dataset ds;
    rq_calib_plan plan;
    rq_tfl_model t;
    float *patches = NULL;
    double *means[RQ_SPATIAL_CONVS] = {NULL};
    uint8_t *bytes = NULL;
    size_t len = 0;
    int rc = -1;
    memset(&plan, 0, sizeof plan);
    rq_tfl_model_init(&t);
    if (rq_spatial_load(o->spatial, &m, err) < 0)
        return -1;
    if (rq_dataset_open(o->data, &ds, err) < 0) {
        rq_spatial_free(&m);
        return -1;
    }
    char warning[RQ_TIMING_WARNING_MAX] = "";
    if (rq_check_dataset_fits(&ds, &m, o->data, &o->timing, warning, err) < 0 ||
        rq_calib_select(ds.labels, ds.subjects, ds.n, o->calib_windows, o->seed, o->data, &plan,
                        err) < 0)
        goto out;
    if (o->log)
        rq_calib_print(&plan, o->log);
    if (rq_load_calibration_patches(&ds, &plan, &m.contract, &patches, err) < 0)
        goto out;
    int n_patches = plan.n * ds.frames * ds.rois;
    rq_ptq_ranges r;
    rq_tfl_model_free(&t);
    if (rq_ptq_calibrate(&m, patches, n_patches, ds.height, ds.width, o->method, &r, err) < 0)
        goto out;
    if (o->bias_correction) {
        if (rq_ptq_input_means(&m, patches, n_patches, ds.height, ds.width, means, err) < 0)
            goto out;
        for (int l = 0; l < RQ_SPATIAL_CONVS; l++)
            r.in_mean[l] = means[l];
    }
    if (rq_ptq_build(&m, ds.height, ds.width, &r, &t, err) < 0 ||
        record_calibration(&t, &plan, o, &ds, err) < 0 ||
        rq_tfl_serialize(&t, &bytes, &len, err) < 0 ||
        rq_write_file_atomic(o->out, bytes, len, err) < 0)
        goto out;
    res->tflite_bytes = len;
    res->calib_windows = plan.n;
    res->calib_patches = n_patches;
    rq_print_warning(warning); /* after the work: an error would have stayed one line */
    if (o->log) {
        char desc[256];
        rq_contract_describe(&m.contract, desc, sizeof desc);
        fprintf(o->log, "observer: %s over %d ROI patches%s\n", rq_calib_method_name(o->method),
                n_patches, o->bias_correction ? ", bias correction on" : "");
        print_ranges(o->log, &r);
        char timing[120];
        rq_contract_timing_text(&m.contract, ds.frames, timing, sizeof timing);
        fprintf(o->log, "input contract: %s (%s)\n", strstr(desc, "representation="), timing);
        fprintf(o->log, "calibration record (seed %llu, %d windows%s) in the model's metadata '%s'\n",
                (unsigned long long)o->seed, plan.n, plan.subjects ? " and their subjects" : "",
                RQ_CALIB_METADATA);
        fprintf(o->log, "wrote %s: %zu bytes (%.1f KB)\n", o->out, len, (double)len / 1024.0);
        if (len > RQ_TFLITE_SIZE_GOAL)
            fprintf(o->log, "warning: the model is larger than the %d KB goal\n",
                    RQ_TFLITE_SIZE_GOAL / 1024);
    }
    rc = 0;
out:
    for (int l = 0; l < RQ_SPATIAL_CONVS; l++)
        free(means[l]);
    free(bytes);
    free(patches);
    rq_tfl_model_free(&t);
    rq_calib_plan_free(&plan);
    rq_dataset_close(&ds);
    rq_spatial_free(&m);
    return rc;
}
