#include "eval/report_run.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codegen/spatial_int8_export.h"
#include "codegen/temporal_export.h"
#include "codegen/validate_c.h"
#include "common/cleanup.h"
#include "common/spawn.h"
#include "common/progress.h"
#include "data/synth.h"
#include "eval/report_outdir.h"
#include "eval/validate.h"
#include "io/dataset.h"
#include "frontend/spatial_model.h"
#include "model/temporal_fusion_model.h"
#include "quant/calib.h"
#include "quant/ptq.h"
#include "quant/spatial_quantize.h"


/* An optional section must not hold the run (the footprint script allows QEMU 300 s). */
#define RUN_M55_LIMIT_S 120

/* Everything one run holds between steps. */
typedef struct run_ctx {
    const rq_run_opts *o;
    rq_report *rep;
    rq_outdir out;
    char root[PATH_MAX];
    char spatial[PATH_MAX], temporal[PATH_MAX], data[PATH_MAX];
    char tflite[PATH_MAX + 64], c_dir[PATH_MAX + 64], fw_dir[PATH_MAX + 64];
    rq_calib_method method;
    int calib_windows;
    int rois, frames;                 /* of the dataset */
    rq_data_timing timing;            /* of the dataset, resolved once (keys and options) */
    char timing_warning[RQ_TIMING_WARNING_MAX]; /* printed when the run succeeds */
    rppg_contract contract;           /* of the spatial checkpoint */
    float *features;                  /* FP32 features of the evaluated windows (validate) */
    size_t feature_floats;            /* a window's */
    /* owned arrays behind rep->truth, fp32, int8, subject, shown_fp32, shown_int8 */
    float *truth, *fp32, *int8, *shown_fp32, *shown_int8;
    int64_t *subject, *window;
} run_ctx;

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The folder holding `probe`: the working directory, or one to four levels above the
 * executable (build/rppgq, build/asan/rppgq, build/clang/rppgq). */
static int find_root_with(const char *probe_rel, char *buf, size_t size)
{
    if (file_exists(probe_rel)) {
        snprintf(buf, size, ".");
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = 0;
    for (int up = 0; up < 4; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash || slash == exe)
            return -1;
        *slash = 0;
        char probe[PATH_MAX + 64];
        snprintf(probe, sizeof probe, "%s/%s", exe, probe_rel);
        if (file_exists(probe)) {
            snprintf(buf, size, "%s", exe);
            return 0;
        }
    }
    return -1;
}

int rq_run_find_root(char *buf, size_t size) { return find_root_with("models/spatial_cnn.pth", buf, size); }

int rq_run_check_opts(const rq_run_opts *o, rq_error *err)
{
    rq_calib_method m;
    if (o->calib_method && rq_calib_method_parse(o->calib_method, &m))
        return rq_fail(err, "--calib-method: unknown method '%s' (minmax, percentile or mse)", o->calib_method);
    if (o->subjects < 0 || o->windows_per_subject < 0 || o->calib_windows < 0 || o->threads < 0)
        return rq_fail(err, "counts must be positive");
    if (o->data && (o->subjects || o->windows_per_subject))
        return rq_fail(err, "--subjects/--windows describe the synthetic data; they do not apply with --data");
    if (!o->data && (o->timing.fps > 0 || o->timing.frame_stride > 0))
        return rq_fail(err, "--fps/--frame-stride describe a given dataset; they apply only with --data");
    if (!o->out_dir || !*o->out_dir)
        return rq_fail(err, "--out: empty folder name");
    return 0;
}

/* On a terminal the step being run shows at once ("quantize ..."); a step with its own
 * progress bar draws over it, and the finished line replaces both. */
static void step_start(run_ctx *c, const char *step)
{
    if (c->o->log) {
        fprintf(c->o->log, "  %-11s ...\r", step);
        fflush(c->o->log);
    }
}

static void step_done(run_ctx *c, const char *step, double t0)
{
    double dt = rq_now() - t0;
    rq_report_add_timing(c->rep, step, dt);
    if (c->o->log)
        fprintf(c->o->log, "  %-11s %6.2f s%40s\n", step, dt, "");
}

/* The given path, or the bundled file under root ("models/x.pth" when root is "."). */
static int bundled_or_given(char *buf, size_t size, const char *root, const char *given, const char *bundled)
{
    int n;
    if (given)
        n = snprintf(buf, size, "%s", given);
    else if (!strcmp(root, "."))
        n = snprintf(buf, size, "%s", bundled);
    else
        n = snprintf(buf, size, "%s/%s", root, bundled);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int resolve_inputs(run_ctx *c, rq_error *err)
{
    const rq_run_opts *o = c->o;
    const char *given[3] = {o->spatial, o->temporal, o->data};
    for (int i = 0; i < 3; i++)
        if (given[i] && !file_exists(given[i]))
            return rq_fail(err, "%s: cannot open: %s", given[i], strerror(ENOENT));
    int need_root = !o->spatial || !o->temporal || (!o->data && !o->cache_dir);
    if (need_root && rq_run_find_root(c->root, sizeof c->root))
        return rq_fail(err, "models/spatial_cnn.pth: bundled default model not found (run from the repository, "
                            "or pass --spatial, --temporal and --data)");
    if (bundled_or_given(c->spatial, sizeof c->spatial, c->root, o->spatial, "models/spatial_cnn.pth") ||
        bundled_or_given(c->temporal, sizeof c->temporal, c->root, o->temporal, "models/temporal_fusion.pth"))
        return rq_fail(err, "%s: path too long", c->root);
    if (!file_exists(c->spatial))
        return rq_fail(err, "%s: cannot open: %s", c->spatial, strerror(ENOENT));
    if (!file_exists(c->temporal))
        return rq_fail(err, "%s: cannot open: %s", c->temporal, strerror(ENOENT));
    if (o->data && !file_exists(o->data))
        return rq_fail(err, "%s: cannot open: %s", o->data, strerror(ENOENT));
    if (o->calib_method)
        rq_calib_method_parse(o->calib_method, &c->method);
    else
        c->method = RQ_CALIB_MINMAX;
    snprintf(c->rep->spatial_path, sizeof c->rep->spatial_path, "%s", c->spatial);
    snprintf(c->rep->temporal_path, sizeof c->rep->temporal_path, "%s", c->temporal);
    snprintf(c->rep->calib_method, sizeof c->rep->calib_method, "%s", rq_calib_method_name(c->method));
    c->calib_windows = o->calib_windows ? o->calib_windows : RQ_CALIB_DEFAULT_WINDOWS;
    c->rep->calib_windows = c->calib_windows;
    return 0;
}

/* ---- the steps ---- */

/* Model facts the report states: parameter counts, the input contract. */
static int read_models(run_ctx *c, rq_error *err)
{
    int64_t p;
    if (rq_spatial_ckpt_facts(c->spatial, &c->contract, &p, err))
        return -1;
    c->rep->spatial_params = p;
    c->rep->spatial_fp32_bytes = 4 * p;
    rq_contract_describe(&c->contract, c->rep->contract, sizeof c->rep->contract);
    return 0;
}

static int describe_data(run_ctx *c, rq_error *err)
{
    rq_dataset ds;
    if (rq_dataset_open(c->data, &ds, err))
        return -1;
    c->rois = ds.rois;
    c->frames = ds.frames;
    const rq_data_timing stated = {ds.fps, ds.frame_stride, ds.sample_hz};
    rq_dataset_close(&ds);
    /* warns here once; quantize and validate then get the resolved values */
    return rq_data_timing_check(&c->contract, &stated, &c->o->timing, c->data, c->timing_warning,
                                &c->timing, err);
}

static int online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

static int mkdir_p(const char *dir, rq_error *err)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
        return rq_fail(err, "%s: path too long", dir);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || !*p) {
            char ch = *p;
            *p = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return rq_fail(err, "%s: cannot create the cache folder: %s", buf, strerror(errno));
            *p = ch;
            if (!ch)
                break;
        }
    }
    return 0;
}

/* The synthetic evaluation set, generated once and reused: the file name holds the
 * generator version and every argument that changes its bytes (not the thread count). */
static int synth_data(run_ctx *c, rq_error *err)
{
    const rq_run_opts *o = c->o;
    rq_synth_config sc = {.subjects = o->subjects ? o->subjects : RQ_RUN_DEFAULT_SUBJECTS,
                          .windows_per_subject = o->windows_per_subject ? o->windows_per_subject
                                                                        : RQ_RUN_DEFAULT_WINDOWS,
                          .frame_stride = c->contract.frame_stride,
                          .seed = o->seed,
                          .threads = o->threads ? o->threads : online_cores()};
    if (rq_synth_check(&sc, err))
        return -1;
    char cache[PATH_MAX];
    int n = o->cache_dir ? snprintf(cache, sizeof cache, "%s", o->cache_dir)
                         : snprintf(cache, sizeof cache, "%s/cache", c->root);
    if (n < 0 || n >= (int)sizeof cache)
        return rq_fail(err, "cache folder: path too long");
    n = snprintf(c->data, sizeof c->data, "%s/synth-v%d-%ds-%dw-stride%d-seed%llu.pt", cache, RQ_SYNTH_VERSION,
                 sc.subjects, sc.windows_per_subject, sc.frame_stride, (unsigned long long)sc.seed);
    if (n < 0 || n >= (int)sizeof c->data)
        return rq_fail(err, "%s: path too long", cache);
    const char *how = "cached";
    if (!file_exists(c->data)) {
        if (mkdir_p(cache, err))
            return -1;
        rq_synth_stats st;
        if (rq_synth_write(&sc, c->data, &st, err))
            return -1;
        how = "generated";
    }
    snprintf(c->rep->data_path, sizeof c->rep->data_path, "%s", c->data);
    snprintf(c->rep->data_origin, sizeof c->rep->data_origin,
             "synthetic: %d subjects x %d windows, frame stride %d, seed %llu, %s", sc.subjects,
             sc.windows_per_subject, sc.frame_stride, (unsigned long long)sc.seed, how);
    return describe_data(c, err);
}

static int step_data(run_ctx *c, rq_error *err)
{
    if (read_models(c, err))
        return -1;
    if (c->o->data) {
        snprintf(c->data, sizeof c->data, "%s", c->o->data);
        snprintf(c->rep->data_path, sizeof c->rep->data_path, "%s", c->data);
        snprintf(c->rep->data_origin, sizeof c->rep->data_origin, "given");
        return describe_data(c, err);
    }
    return synth_data(c, err);
}

static int step_quantize(run_ctx *c, rq_error *err)
{
    if (rq_outdir_path(&c->out, "spatial_cnn_int8.tflite", c->tflite, sizeof c->tflite, err))
        return -1;
    rq_quantize_opts q = {.spatial = c->spatial, .data = c->data, .out = c->tflite,
                          .calib_windows = c->calib_windows, .method = c->method,
                          .seed = RQ_CALIB_DEFAULT_SEED, .timing = c->timing, .log = NULL};
    rq_quantize_result qr;
    if (rq_quantize_spatial(&q, &qr, err))
        return -1;
    c->rep->tflite_bytes = (int64_t)qr.tflite_bytes;
    return 0;
}

static float *dup_floats(const float *v, size_t n)
{
    float *d = malloc((n ? n : 1) * sizeof *d);
    if (d && n)
        memcpy(d, v, n * sizeof *d);
    return d;
}

static int take_predictions(run_ctx *c, const rq_validate_result *vr, rq_error *err)
{
    size_t n = (size_t)vr->n_windows;
    c->truth = dup_floats(vr->truth, n);
    c->fp32 = dup_floats(vr->pred_fp32, n);
    c->int8 = dup_floats(vr->pred_int8, n);
    c->window = malloc((n ? n : 1) * sizeof *c->window);
    if (vr->subject)
        c->subject = malloc((n ? n : 1) * sizeof *c->subject);
    if (!c->truth || !c->fp32 || !c->int8 || !c->window || (vr->subject && !c->subject))
        return rq_fail(err, "out of memory keeping %zu predictions", n);
    memcpy(c->window, vr->windows, n * sizeof *c->window);
    if (vr->subject)
        memcpy(c->subject, vr->subject, n * sizeof *c->subject);
    rq_report *r = c->rep;
    r->n_windows = vr->n_windows;
    r->n_subjects = vr->n_subjects;
    r->truth = c->truth;
    r->fp32 = c->fp32;
    r->int8 = c->int8;
    r->subject = c->subject;
    r->window = c->window;
    r->window_step_s = vr->window_step_s;
    r->window_centre_s = vr->window_centre_s;
    c->shown_fp32 = dup_floats(vr->shown_fp32, n);
    c->shown_int8 = dup_floats(vr->shown_int8, n);
    if (!c->shown_fp32 || !c->shown_int8)
        return rq_fail(err, "out of memory keeping %zu displayed rates", n);
    r->has_display = 1;
    r->display = vr->display;
    r->shown_fp32 = c->shown_fp32;
    r->shown_int8 = c->shown_int8;
    return 0;
}

static rq_report_metrics from_metrics(const rq_metrics *m)
{
    return (rq_report_metrics){m->mae, m->rmse, m->mape, m->pearson, m->r2};
}

static int step_validate(run_ctx *c, rq_error *err)
{
    rq_validate_opts v = {.spatial = c->spatial, .temporal = c->temporal, .tflite = c->tflite,
                          .data = c->data, /* the model's calibration record says which windows */
                          .seed = RQ_CALIB_DEFAULT_SEED, .threads = c->o->threads,
                          .rounding = RQ_TFL_ROUND_DOUBLE, .keep_features = 1,
                          .timing = c->timing, .log = NULL};
    rq_validate_result vr;
    if (rq_validate(&v, &vr, err))
        return -1;
    rq_report *r = c->rep;
    int rc = take_predictions(c, &vr, err);
    if (!rc) {
        r->fp32_m = from_metrics(&vr.fp32);
        r->int8_m = from_metrics(&vr.int8);
        r->baseline_m = from_metrics(&vr.baseline);
        r->baseline_bpm = vr.baseline_value;
        r->median_m = from_metrics(&vr.baseline_median);
        r->median_bpm = vr.median_value;
        snprintf(r->baseline_source, sizeof r->baseline_source, "%s", vr.baseline_source);
        snprintf(r->median_source, sizeof r->median_source, "%s", vr.median_source);
        r->reads_heart_rate = vr.reads_heart_rate;
        r->verdict_baseline_mae = vr.verdict_baseline_mae;
        snprintf(r->verdict, sizeof r->verdict, "%s", vr.verdict);
        r->calibration = rq_validate_calibration_json(&vr);
        snprintf(r->held_out, sizeof r->held_out, "%s", vr.held_out);
        r->int8_vs_fp32_mae = vr.int8_vs_fp32_mae;
        r->mae_increase = vr.mae_increase;
        snprintf(r->grade, sizeof r->grade, "%s", vr.grade ? vr.grade : "");
        for (int l = 0; l < vr.n_layers; l++)
            rq_report_add_layer(r, vr.layer_name[l], vr.layer_sqnr_db[l]);
        /* the features feed the exported C in validate-c */
        c->features = vr.features;
        c->feature_floats = vr.feature_floats;
        vr.features = NULL;
    }
    rq_validate_result_free(&vr);
    return rc;
}

static int step_export_c(run_ctx *c, rq_error *err)
{
    if (rq_outdir_path(&c->out, "temporal_fusion_c", c->c_dir, sizeof c->c_dir, err))
        return -1;
    rq_temporal_model tm;
    if (rq_temporal_load(c->temporal, c->rois, &tm, err))
        return -1;
    c->rep->temporal_params = (int64_t)tm.num_params;
    int rc = rq_temporal_export_c(&tm, c->temporal, c->c_dir, err);
    rq_temporal_free(&tm);
    if (rc)
        return -1;
    char path[PATH_MAX + 128];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", c->c_dir, RQ_TF_WEIGHTS_C);
    if (stat(path, &st) == 0)
        c->rep->temporal_c_bytes = (int64_t)st.st_size;
    return 0;
}

/* The firmware folder: what `export-c --temporal --spatial` writes, the int8 Spatial CNN as
 * const data for the MCU's CPU path beside the Temporal Fusion, with every runtime file. */
static int step_firmware(run_ctx *c, rq_error *err)
{
    if (rq_outdir_path(&c->out, "firmware_c", c->fw_dir, sizeof c->fw_dir, err))
        return -1;
    rq_temporal_model tm;
    if (rq_temporal_load(c->temporal, c->rois, &tm, err))
        return -1;
    int rc = rq_temporal_export_c(&tm, c->temporal, c->fw_dir, err);
    rq_temporal_free(&tm);
    if (!rc)
        rc = rq_spatial_export_file(c->tflite, RPPG_Q8_ROUND_DOUBLE, c->fw_dir, NULL, err);
    return rc;
}

/* The exported folder, compiled by the system C compiler as a firmware build would, run on
 * the FP32 features of every evaluated window; the reference is the float model's heart
 * rate for the same features (the FP32 predictions). */
static int step_validate_c(run_ctx *c, rq_error *err)
{
    rq_report *r = c->rep;
    size_t n = (size_t)r->n_windows;
    if (!c->features || n == 0)
        return rq_fail(err, "run: validate kept no features to run the exported C on");
    const char *cc = getenv("CC");
    float *c_out = NULL;
    if (rq_validate_c_run_inputs(c->c_dir, cc && *cc ? cc : "cc", c->features, n, c->feature_floats, &c_out,
                                 err))
        return -1;
    rq_c_compare cmp;
    rq_c_compare_outputs(c_out, r->fp32, n, &cmp);
    free(c_out);
    r->c_ran = 1;
    r->c_n = (int64_t)cmp.n;
    r->c_max_abs_bpm = cmp.max_abs;
    r->c_mean_abs_bpm = cmp.mean_abs;
    r->c_max_ulp = (int64_t)cmp.max_ulp;
    return 0;
}

static void read_footprint(rq_report *r, const char *json_path)
{
    json_object *o = json_object_from_file(json_path), *v, *parts;
    if (!o || !json_object_object_get_ex(o, "parts", &parts) || !json_object_is_type(parts, json_type_array)) {
        snprintf(r->m55_note, sizeof r->m55_note, "tools/m55_footprint.sh wrote no parts");
        json_object_put(o);
        return;
    }
    const char *target = json_object_object_get_ex(o, "target", &v) ? json_object_get_string(v) : "Cortex-M55";
    const char *cc = json_object_object_get_ex(o, "compiler", &v) ? json_object_get_string(v) : "";
    snprintf(r->m55_note, sizeof r->m55_note, "%s with %s", target, cc);
    size_t n = json_object_array_length(parts);
    for (size_t i = 0; i < n && r->n_m55 < sizeof r->m55 / sizeof r->m55[0]; i++) {
        json_object *p = json_object_array_get_idx(parts, i);
        if (!json_object_object_get_ex(p, "name", &v))
            continue;
        size_t k = r->n_m55++;
        snprintf(r->m55[k].name, sizeof r->m55[k].name, "%s", json_object_get_string(v));
        r->m55[k].flash_bytes = json_object_object_get_ex(p, "flash_bytes", &v) ? json_object_get_int64(v) : 0;
        r->m55[k].ram_bytes = json_object_object_get_ex(p, "ram_bytes", &v) ? json_object_get_int64(v) : 0;
        r->m55[k].stack_peak_bytes = json_object_object_get_ex(p, "stack_peak_bytes", &v) && v
                                         ? json_object_get_int64(v)
                                         : -1;
    }
    r->m55_available = 1;
    json_object_put(o);
}

/* Building the test image and running it on QEMU takes a while: on a terminal the step's
 * line counts the seconds. */
static void m55_tick(void *arg, double seconds)
{
    run_ctx *c = arg;
    if (c->o->log && isatty(fileno(c->o->log))) {
        fprintf(c->o->log, "  %-11s measuring on QEMU, %.0f s (limit %d s)\r", "m55", seconds, RUN_M55_LIMIT_S);
        fflush(c->o->log);
    }
}

/* The MCU footprint, when the Arm toolchain and QEMU are there (the mcu session's script:
 * exit 3 means "not available"). Optional: it never fails the run. */
static int step_m55(run_ctx *c, rq_error *err)
{
    (void)err;
    rq_report *r = c->rep;
    char root[PATH_MAX], script[PATH_MAX + 64], cdir[PATH_MAX], tmp[] = "/tmp/rppgq-m55.XXXXXX";
    if (c->root[0])
        snprintf(root, sizeof root, "%s", c->root);
    else if (find_root_with("tools/m55_footprint.sh", root, sizeof root)) {
        snprintf(r->m55_note, sizeof r->m55_note, "tools/m55_footprint.sh not found");
        return 0;
    }
    snprintf(script, sizeof script, "%s/tools/m55_footprint.sh", root);
    if (!file_exists(script) || !realpath(c->fw_dir, cdir)) {
        snprintf(r->m55_note, sizeof r->m55_note, "tools/m55_footprint.sh not found");
        return 0;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(r->m55_note, sizeof r->m55_note, "no temporary file for tools/m55_footprint.sh");
        return 0;
    }
    close(fd);
    int cleanup = rq_cleanup_add(tmp);
    char limit[16];
    snprintf(limit, sizeof limit, "%d", RUN_M55_LIMIT_S);
    /* the firmware folder holds both parts: the footprint covers the spatial model too */
    char *argv[] = {"timeout", limit, "bash", script, "--spatial", cdir, "--temporal", cdir, NULL};
    int st = rq_spawn_to_file_ticking(argv, tmp, 0, m55_tick, c);
    if (st == 0)
        read_footprint(r, tmp);
    else if (st == 3)
        snprintf(r->m55_note, sizeof r->m55_note, "the Arm toolchain or QEMU is not installed");
    else if (st == 124)
        snprintf(r->m55_note, sizeof r->m55_note, "tools/m55_footprint.sh took over %d s", RUN_M55_LIMIT_S);
    else
        snprintf(r->m55_note, sizeof r->m55_note, "tools/m55_footprint.sh failed (status %d)", st);
    unlink(tmp);
    rq_cleanup_drop(cleanup);
    return 0;
}

static int file_size(const char *path, int64_t *bytes)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    *bytes = (int64_t)st.st_size;
    return 0;
}

static int step_report(run_ctx *c, rq_error *err)
{
    char path[PATH_MAX + 64];
    if (rq_outdir_path(&c->out, "predictions.csv", path, sizeof path, err) ||
        rq_report_write_predictions(c->rep, path, err))
        return -1;
    if (rq_report_write_plots(c->rep, c->out.stage, err))
        return -1;
    /* the file list of report.md: what the folder holds apart from the report itself */
    static const char *const listed[] = {"spatial_cnn_int8.tflite",
                                         "temporal_fusion_c/" RQ_TF_WEIGHTS_C,
                                         "temporal_fusion_c/" RQ_TF_WEIGHTS_H,
                                         "temporal_fusion_c/temporal_fusion.c",
                                         "temporal_fusion_c/temporal_fusion.h",
                                         "firmware_c/spatial_cnn_int8.c", "firmware_c/spatial_cnn_int8.h",
                                         "predictions.csv", "pred_vs_true.svg",
                                         "bland_altman.svg", "hr_over_time.svg", "layer_sqnr.svg"};
    c->rep->n_files = 0;
    for (size_t i = 0; i < sizeof listed / sizeof *listed && c->rep->n_files < RQ_REPORT_MAX_FILES; i++) {
        int64_t bytes;
        if (rq_outdir_path(&c->out, listed[i], path, sizeof path, err))
            return -1;
        if (file_size(path, &bytes) == 0) {
            rq_report_file *f = &c->rep->files[c->rep->n_files++];
            snprintf(f->name, sizeof f->name, "%s", listed[i]);
            f->bytes = bytes;
        }
    }
    return 0;
}

/* report.md and report.json: last, after every timing is known. */
static int write_report(run_ctx *c, rq_error *err)
{
    char path[PATH_MAX + 64];
    if (rq_outdir_path(&c->out, "report.md", path, sizeof path, err) ||
        rq_report_write_markdown(c->rep, path, err))
        return -1;
    /* report.json last: its presence marks a complete output folder */
    if (rq_outdir_path(&c->out, "report.json", path, sizeof path, err) || rq_report_write_json(c->rep, path, err))
        return -1;
    return 0;
}

typedef struct step {
    const char *name;
    int (*run)(run_ctx *c, rq_error *err);
} step;

static const step steps[] = {
    {"data", step_data},
    {"quantize", step_quantize},
    {"validate", step_validate},
    {"export-c", step_export_c},
    {"validate-c", step_validate_c},
    {"firmware", step_firmware},
    {"m55", step_m55},
};

/* A failing step names the file it was writing inside the temporary folder, which is gone
 * once the run fails; the user knows the folder by the name they gave. */
static void name_final_folder(const rq_outdir *o, rq_error *err)
{
    size_t n = strlen(o->stage);
    if (!err || !n || strncmp(err->msg, o->stage, n) != 0)
        return;
    char rest[sizeof err->msg];
    snprintf(rest, sizeof rest, "%s", err->msg + n);
    if (snprintf(err->msg, sizeof err->msg, "%s%s", o->final, rest) < 0)
        err->msg[0] = 0;
}

int rq_run(const rq_run_opts *o, rq_report *rep, rq_error *err)
{
    memset(rep, 0, sizeof *rep);
    run_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return rq_fail(err, "out of memory");
    c->o = o;
    c->rep = rep;
    int rc = -1;
    if (rq_run_check_opts(o, err) || rq_outdir_begin(&c->out, o->out_dir, err) || resolve_inputs(c, err))
        goto out;
    if (o->log)
        fprintf(o->log, "rppgq run: %s + %s -> %s/\n", c->spatial, c->temporal, c->out.final);
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        double t0 = rq_now();
        step_start(c, steps[i].name);
        if (steps[i].run(c, err)) {
            if (o->log)
                fprintf(o->log, "%60s\r", ""); /* the error line starts clean */
            goto out;
        }
        step_done(c, steps[i].name, t0);
    }
    double t0 = rq_now();
    if (step_report(c, err))
        goto out;
    step_done(c, "report", t0);
    if (write_report(c, err) || rq_outdir_commit(&c->out, err))
        goto out;
    rq_print_warning(c->timing_warning);
    rc = 0;
out:
    if (rc)
        name_final_folder(&c->out, err);
    rq_outdir_abort(&c->out);
    /* the arrays outlive the context: the report points at them until rq_run_free */
    rep->truth = c->truth;
    rep->fp32 = c->fp32;
    rep->int8 = c->int8;
    rep->subject = c->subject;
    rep->window = c->window;
    rep->shown_fp32 = c->shown_fp32;
    rep->shown_int8 = c->shown_int8;
    free(c->features);
    free(c);
    return rc;
}

void rq_run_free(rq_report *rep)
{
    json_object_put(rep->calibration);
    rep->calibration = NULL;
    free((void *)rep->truth);
    free((void *)rep->fp32);
    free((void *)rep->int8);
    free((void *)rep->subject);
    free((void *)rep->window);
    free((void *)rep->shown_fp32);
    free((void *)rep->shown_int8);
    rep->truth = rep->fp32 = rep->int8 = rep->shown_fp32 = rep->shown_int8 = NULL;
    rep->subject = rep->window = NULL;
}
