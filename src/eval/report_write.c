#include "eval/report.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"
#include "eval/metrics.h"
#include "eval/plot_report.h"
#include "eval/predictions.h"

void rq_report_add_timing(rq_report *r, const char *step, double seconds)
{
    for (size_t i = 0; i < r->n_timings; i++)
        if (!strcmp(r->timings[i].step, step)) {
            r->timings[i].seconds += seconds;
            return;
        }
    if (r->n_timings >= RQ_REPORT_MAX_STEPS)
        return;
    rq_report_timing *t = &r->timings[r->n_timings++];
    snprintf(t->step, sizeof t->step, "%s", step);
    t->seconds = seconds;
}

void rq_report_add_layer(rq_report *r, const char *name, double sqnr_db)
{
    if (r->n_layers >= RQ_REPORT_MAX_LAYERS)
        return;
    rq_report_layer *l = &r->layers[r->n_layers++];
    snprintf(l->name, sizeof l->name, "%s", name);
    l->sqnr_db = sqnr_db;
}

/* ---- report.json ---- */

/* The shortest of %.15g / %.17g that reads back as the same double: exact, without
 * "0.10000000000000001" where 15 digits suffice. JSON has no NaN or Infinity: null. */
static json_object *jnum(double v)
{
    if (!isfinite(v))
        return NULL;
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, sizeof buf, "%.17g", v);
    return json_object_new_double_s(v, buf);
}

static json_object *jmetrics(const rq_report_metrics *m)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "mae", jnum(m->mae));
    json_object_object_add(o, "rmse", jnum(m->rmse));
    json_object_object_add(o, "mape", jnum(m->mape));
    json_object_object_add(o, "pearson", jnum(m->pearson));
    json_object_object_add(o, "r2", jnum(m->r2));
    return o;
}

static json_object *jstr(const char *s) { return s && *s ? json_object_new_string(s) : NULL; }

static json_object *report_json(const rq_report *r)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "n_windows", json_object_new_int64(r->n_windows));
    json_object_object_add(o, "n_subjects", json_object_new_int64(r->n_subjects));
    json_object_object_add(o, "fp32", jmetrics(&r->fp32_m));
    json_object_object_add(o, "int8", jmetrics(&r->int8_m));
    json_object_object_add(o, "baseline_mean", jmetrics(&r->baseline_m));
    json_object_object_add(o, "baseline_value", jnum(r->baseline_bpm));
    json_object_object_add(o, "baseline_source", jstr(r->baseline_source));
    json_object_object_add(o, "baseline_median", jmetrics(&r->median_m));
    json_object_object_add(o, "baseline_median_value", jnum(r->median_bpm));
    json_object_object_add(o, "baseline_median_source", jstr(r->median_source));
    json_object *v = json_object_new_object();
    json_object_object_add(v, "reads_heart_rate", json_object_new_boolean(r->reads_heart_rate));
    json_object_object_add(v, "baseline_mae", jnum(r->verdict_baseline_mae));
    json_object_object_add(v, "clearly_better_factor", jnum(RQ_CLEARLY_BETTER));
    json_object_object_add(v, "text", jstr(r->verdict));
    json_object_object_add(o, "verdict", v);
    if (r->calibration)
        json_object_object_add(o, "calibration", json_object_get(r->calibration));
    if (r->has_display)
        rq_display_add_json(&r->display, o);
    json_object_object_add(o, "int8_vs_fp32_mae", jnum(r->int8_vs_fp32_mae));
    json_object_object_add(o, "mae_increase", jnum(r->mae_increase));
    json_object_object_add(o, "grade", jstr(r->grade));
    json_object_object_add(o, "tflite_bytes", json_object_new_int64(r->tflite_bytes));

    /* as `rppgq validate --json` writes them: values and names in two parallel arrays */
    json_object *layers = json_object_new_array(), *names = json_object_new_array();
    for (size_t i = 0; i < r->n_layers; i++) {
        json_object_array_add(layers, jnum(r->layers[i].sqnr_db));
        json_object_array_add(names, json_object_new_string(r->layers[i].name));
    }
    json_object_object_add(o, "layer_sqnr_db", layers);
    json_object_object_add(o, "layer_names", names);

    json_object *c = json_object_new_object();
    json_object_object_add(c, "n", json_object_new_int64(r->c_ran ? r->c_n : 0));
    json_object_object_add(c, "max_abs_bpm", r->c_ran ? jnum(r->c_max_abs_bpm) : NULL);
    json_object_object_add(c, "mean_abs_bpm", r->c_ran ? jnum(r->c_mean_abs_bpm) : NULL);
    json_object_object_add(c, "max_ulp", r->c_ran ? json_object_new_int64(r->c_max_ulp) : NULL);
    json_object_object_add(o, "c_vs_reference", c);

    json_object *m55 = json_object_new_object();
    json_object_object_add(m55, "available", json_object_new_boolean(r->m55_available));
    json_object_object_add(m55, r->m55_available ? "target" : "reason", jstr(r->m55_note));
    if (r->m55_available) {
        json_object *parts = json_object_new_array();
        for (size_t i = 0; i < r->n_m55; i++) {
            json_object *p = json_object_new_object();
            json_object_object_add(p, "name", json_object_new_string(r->m55[i].name));
            json_object_object_add(p, "flash_bytes", json_object_new_int64(r->m55[i].flash_bytes));
            json_object_object_add(p, "ram_bytes", json_object_new_int64(r->m55[i].ram_bytes));
            json_object_object_add(p, "stack_peak_bytes", r->m55[i].stack_peak_bytes >= 0
                                                              ? json_object_new_int64(r->m55[i].stack_peak_bytes)
                                                              : NULL);
            json_object_array_add(parts, p);
        }
        json_object_object_add(m55, "parts", parts);
    }
    json_object_object_add(o, "m55_footprint", m55);

    json_object *t = json_object_new_object();
    double total = 0;
    for (size_t i = 0; i < r->n_timings; i++) {
        json_object_object_add(t, r->timings[i].step, jnum(r->timings[i].seconds));
        total += r->timings[i].seconds;
    }
    json_object_object_add(t, "total", jnum(total));
    json_object_object_add(o, "timings_s", t);

    json_object *sz = json_object_new_object();
    json_object_object_add(sz, "spatial_params", json_object_new_int64(r->spatial_params));
    json_object_object_add(sz, "spatial_fp32_bytes", json_object_new_int64(r->spatial_fp32_bytes));
    json_object_object_add(sz, "tflite_bytes", json_object_new_int64(r->tflite_bytes));
    json_object_object_add(sz, "temporal_params", json_object_new_int64(r->temporal_params));
    json_object_object_add(sz, "temporal_c_bytes", json_object_new_int64(r->temporal_c_bytes));
    json_object_object_add(o, "sizes", sz);

    json_object *in = json_object_new_object();
    json_object_object_add(in, "spatial", jstr(r->spatial_path));
    json_object_object_add(in, "temporal", jstr(r->temporal_path));
    json_object_object_add(in, "data", jstr(r->data_path));
    json_object_object_add(in, "data_origin", jstr(r->data_origin));
    json_object_object_add(in, "calib_method", jstr(r->calib_method));
    json_object_object_add(in, "calib_windows", json_object_new_int(r->calib_windows));
    json_object_object_add(in, "input_contract", jstr(r->contract));
    json_object_object_add(o, "inputs", in);
    return o;
}

int rq_report_write_json(const rq_report *r, const char *path, rq_error *err)
{
    json_object *o = report_json(r);
    size_t len = 0;
    const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    int rc;
    if (!s) {
        rc = rq_fail(err, "%s: out of memory", path);
    } else {
        rq_atomic_file f;
        rc = rq_atomic_open(&f, path, err);
        if (!rc) {
            fwrite(s, 1, len, f.fp);
            fputc('\n', f.fp);
            rc = rq_atomic_commit(&f, err);
        }
    }
    json_object_put(o);
    return rc;
}

/* ---- predictions.csv ---- */

int rq_report_write_predictions(const rq_report *r, const char *path, rq_error *err)
{
    rq_predictions p = {r->n_windows, r->subject, r->window, r->truth, r->fp32, r->int8,
                        r->has_display ? r->shown_int8 : NULL, r->window_step_s, r->window_centre_s};
    return rq_predictions_write(&p, path, err);
}

/* ---- charts ---- */

int rq_report_write_plots(const rq_report *r, const char *dir, rq_error *err)
{
    rq_plot_preds p = {(size_t)r->n_windows, r->truth, r->fp32, r->int8, r->subject, r->window_step_s,
                       r->has_display ? r->shown_fp32 : NULL, r->has_display ? r->shown_int8 : NULL};
    char path[4096];
    snprintf(path, sizeof path, "%s/pred_vs_true.svg", dir);
    if (rq_plot_pred_vs_true(&p, path, err))
        return -1;
    snprintf(path, sizeof path, "%s/bland_altman.svg", dir);
    if (rq_plot_bland_altman(&p, path, err))
        return -1;
    snprintf(path, sizeof path, "%s/hr_over_time.svg", dir);
    if (rq_plot_hr_over_time(&p, 4, path, err))
        return -1;
    const char *names[RQ_REPORT_MAX_LAYERS];
    double db[RQ_REPORT_MAX_LAYERS];
    for (size_t i = 0; i < r->n_layers; i++) {
        names[i] = r->layers[i].name;
        db[i] = r->layers[i].sqnr_db;
    }
    snprintf(path, sizeof path, "%s/layer_sqnr.svg", dir);
    return rq_plot_layer_sqnr(r->n_layers, names, db, path, err);
}

/* ---- report.md ---- */

static const char *grade_rule(const char *grade)
{
    if (!strcmp(grade, "PERFECT"))
        return "increase < 0.5 BPM";
    if (!strcmp(grade, "EXCELLENT"))
        return "increase < 1.5 BPM";
    if (!strcmp(grade, "GOOD"))
        return "increase < 3.0 BPM";
    if (!strcmp(grade, "POOR"))
        return "increase >= 3.0 BPM";
    return "";
}

static void fmt_num(char *buf, size_t n, double v, const char *fmt)
{
    if (isfinite(v))
        snprintf(buf, n, fmt, v);
    else
        snprintf(buf, n, "n/a");
}

static void metrics_row(FILE *fp, const char *name, const rq_report_metrics *m)
{
    char a[32], b[32], c[32], d[32], e[32];
    fmt_num(a, sizeof a, m->mae, "%.2f");
    fmt_num(b, sizeof b, m->rmse, "%.2f");
    fmt_num(c, sizeof c, m->mape, "%.1f %%");
    fmt_num(d, sizeof d, m->pearson, "%.3f");
    fmt_num(e, sizeof e, m->r2, "%.3f");
    fprintf(fp, "| %s | %s | %s | %s | %s | %s |\n", name, a, b, c, d, e);
}

static void human_bytes(char *buf, size_t n, int64_t bytes)
{
    if (bytes >= 1024 * 1024)
        snprintf(buf, n, "%.2f MB", (double)bytes / (1024.0 * 1024.0));
    else if (bytes >= 1024)
        snprintf(buf, n, "%.1f KB", (double)bytes / 1024.0);
    else
        snprintf(buf, n, "%lld B", (long long)bytes);
}

static void write_verdict(FILE *fp, const rq_report *r)
{
    fprintf(fp, "| | |\n| --- | --- |\n");
    fprintf(fp, "| **Model: reads heart rate?** | **%s**: %s |\n", r->reads_heart_rate ? "yes" : "NO", r->verdict);
    fprintf(fp, "| Baselines | always %.1f BPM = %s: MAE %.2f; always %.1f BPM = %s: MAE %.2f |\n", r->baseline_bpm,
            r->baseline_source, r->baseline_m.mae, r->median_bpm, r->median_source, r->median_m.mae);
    fprintf(fp, "| **Part A: INT8 grade** | **%s** (MAE increase %+.2f BPM; %s) |\n", r->grade, r->mae_increase,
            grade_rule(r->grade));
    fprintf(fp, "| MAE FP32 -> INT8 | %.2f -> %.2f BPM |\n", r->fp32_m.mae, r->int8_m.mae);
    fprintf(fp, "| INT8 vs FP32 outputs | differ by %.2f BPM on average |\n", r->int8_vs_fp32_mae);
    if (r->c_ran)
        fprintf(fp, "| **Part B: C vs float reference** | max %.3g BPM, mean %.3g BPM, max %lld ULP over %lld windows%s |\n",
                r->c_max_abs_bpm, r->c_mean_abs_bpm, (long long)r->c_max_ulp, (long long)r->c_n,
                r->c_max_ulp == 0 ? " (bit-identical)" : "");
    else
        fprintf(fp, "| **Part B: C vs float reference** | not run |\n");
    char a[32], b[32];
    human_bytes(a, sizeof a, r->spatial_fp32_bytes);
    human_bytes(b, sizeof b, r->tflite_bytes);
    if (r->tflite_bytes > 0 && r->spatial_fp32_bytes > 0)
        fprintf(fp, "| Spatial CNN size | %s FP32 -> %s INT8 .tflite (%.1fx smaller) |\n", a, b,
                (double)r->spatial_fp32_bytes / (double)r->tflite_bytes);
    fprintf(fp, "\n");
}

/* The model's own verdict comes before the INT8 grade: a grade compares INT8 with FP32
 * only, and PERFECT quantization of a model that reads no pulse is worth nothing. */
static void write_learning_warning(FILE *fp, const rq_report *r)
{
    if (!r->verdict[0])
        return;
    if (!r->reads_heart_rate)
        fprintf(fp, "> **Warning: %s.** A model reads heart rate when its MAE is at most %.1fx that of the better "
                    "trivial predictor (always the same answer); the INT8 grade below only compares INT8 with "
                    "FP32 and says nothing about heart-rate accuracy.\n\n",
                r->verdict, RQ_CLEARLY_BETTER);
    else
        fprintf(fp, "The model's own verdict first: a model reads heart rate when its MAE is at most %.1fx that of "
                    "the better trivial predictor (always the same answer, the mean or the median below).\n\n",
                RQ_CLEARLY_BETTER);
}

/* MAE per true heart-rate range (the calibration bins): errors are rarely uniform, and a
 * window of 8 frames holds less than one beat at low heart rates. */
static void write_bins(FILE *fp, const rq_report *r)
{
    static const double edges[] = {0, 40, 60, 80, 100, 120, 160, 1e9};
    enum { NB = sizeof edges / sizeof *edges - 1 };
    double ef[NB] = {0}, eq[NB] = {0};
    int64_t cnt[NB] = {0};
    for (int64_t i = 0; i < r->n_windows; i++) {
        double t = r->truth[i];
        if (!isfinite(t) || !isfinite(r->fp32[i]) || !isfinite(r->int8[i]))
            continue;
        for (int b = 0; b < NB; b++)
            if (t >= edges[b] && t < edges[b + 1]) {
                ef[b] += fabs((double)r->fp32[i] - t);
                eq[b] += fabs((double)r->int8[i] - t);
                cnt[b]++;
                break;
            }
    }
    fprintf(fp, "| true heart rate | windows | MAE FP32 | MAE INT8 |\n| --- | ---: | ---: | ---: |\n");
    for (int b = 0; b < NB; b++) {
        if (!cnt[b])
            continue;
        char range[32];
        if (b == 0)
            snprintf(range, sizeof range, "below %.0f", edges[1]);
        else if (b == NB - 1)
            snprintf(range, sizeof range, "%.0f and above", edges[b]);
        else
            snprintf(range, sizeof range, "%.0f-%.0f", edges[b], edges[b + 1]);
        fprintf(fp, "| %s BPM | %lld | %.2f | %.2f |\n", range, (long long)cnt[b], ef[b] / (double)cnt[b],
                eq[b] / (double)cnt[b]);
    }
    fprintf(fp, "\n");
}

static void displayed_row(FILE *fp, const char *name, const rq_displayed_metrics *m)
{
    char a[32], b[32], c[32], d[32];
    fmt_num(a, sizeof a, m->mae, "%.2f");
    fmt_num(b, sizeof b, m->rmse, "%.2f");
    fmt_num(c, sizeof c, 100 * m->within5, "%.1f %%");
    fmt_num(d, sizeof d, 100 * m->coverage, "%.1f %%");
    fprintf(fp, "| %s | %s | %s | %s | %s |\n", name, a, b, c, d);
}

/* What the device shows: the smoother's output, with the share of time it shows a rate. */
static void write_displayed(FILE *fp, const rq_report *r)
{
    const rq_display_summary *d = &r->display;
    fprintf(fp, "## The displayed heart rate\n\n");
    fprintf(fp, "A window is short and its estimate noisy; the device displays the output of the MCU smoother "
                "(`runtime/postprocess.c`, run here as on the device over each %s): the median of the last %d "
                "kept estimates%s, shown when at least %d are kept, they spread at most %.0f BPM and their median "
                "absolute deviation is at most %.3g BPM, withheld "
                "(\"--\") otherwise and when the window's input is unlike the training data (more than %.2g %% of its input "
                "values at the clip, or an ROI brightness step over %.2g %%). Errors are over the time a "
                "rate is shown.\n\n",
            d->per_subject ? "subject's consecutive windows" : "run of windows", d->smoother.window,
            d->smoother.map_n ? " through a correction map fitted on training subjects (the model pulls rates near "
                                "40 and 160 BPM towards the middle)" : "",
            d->smoother.min_count, (double)d->smoother.max_spread_bpm, (double)d->smoother.max_mad_bpm,
            100 * (double)d->smoother.max_clip_share, 100 * (double)d->smoother.max_brightness_step);
    fprintf(fp, "| displayed rate | MAE (BPM) | RMSE (BPM) | within 5 BPM | rate shown |\n");
    fprintf(fp, "| --- | ---: | ---: | ---: | ---: |\n");
    displayed_row(fp, "FP32", &d->fp32);
    displayed_row(fp, "INT8 (what the device shows)", &d->int8);
    fprintf(fp, "\nInput quality: %.2f %% of the input values at the clip on average; %.1f %% of the windows "
                "over the clip limit, %.1f %% over the brightness-step limit.\n\n",
            100 * d->clip_share_mean, 100 * d->windows_at_clip, 100 * d->windows_brightness_jump);
}

static void write_quality_warning(FILE *fp, const rq_report *r)
{
    char w[512];
    if (!r->has_display)
        return;
    rq_display_warning(&r->display, w, sizeof w);
    if (w[0])
        fprintf(fp, "> **Warning:** %s.\n\n", w + strlen("warning: "));
}

static void write_body(FILE *fp, const rq_report *r)
{
    fprintf(fp, "# rppgq run report\n\n");
    fprintf(fp, "The Spatial CNN was quantized to a fully INT8 TFLite model (Part A, NPU) and the Temporal "
                "Fusion exported as FP32 C arrays with a C99 runtime (Part B, Cortex-M55). Both were then "
                "evaluated on %s.\n\n", r->held_out);
    fprintf(fp, "## Verdict\n\n");
    write_learning_warning(fp, r);
    write_quality_warning(fp, r);
    write_verdict(fp, r);

    fprintf(fp, "## Heart-rate accuracy\n\n");
    fprintf(fp, "| predictor | MAE (BPM) | RMSE (BPM) | MAPE | Pearson r | R² |\n");
    fprintf(fp, "| --- | ---: | ---: | ---: | ---: | ---: |\n");
    metrics_row(fp, "FP32 (float model)", &r->fp32_m);
    metrics_row(fp, "INT8 (quantized Spatial CNN)", &r->int8_m);
    char base[64];
    snprintf(base, sizeof base, "baseline: always %.1f BPM (mean)", r->baseline_bpm);
    /* a constant has no correlation with anything: whatever rounding left is not a number to show */
    rq_report_metrics bm = r->baseline_m;
    bm.pearson = NAN;
    metrics_row(fp, base, &bm);
    snprintf(base, sizeof base, "baseline: always %.1f BPM (median)", r->median_bpm);
    bm = r->median_m;
    bm.pearson = NAN;
    metrics_row(fp, base, &bm);
    fprintf(fp, "\n");
    fprintf(fp, "![Predicted vs true heart rate](pred_vs_true.svg)\n\n");
    fprintf(fp, "Each point is one window; points on the dashed identity line are exact.\n\n");
    fprintf(fp, "![Bland-Altman plots](bland_altman.svg)\n\n");
    fprintf(fp, "Difference against mean: the solid line is the mean bias, the dashed lines the limits of "
                "agreement (bias ± 1.96 SD) within which 95 %% of the errors fall.\n\n");
    fprintf(fp, "Error by true heart rate:\n\n");
    write_bins(fp, r);
    fprintf(fp, "![Heart rate over time](hr_over_time.svg)\n\n");
    fprintf(fp, "Subjects chosen to span the range of heart rates in the evaluation set%s.\n\n",
            r->has_display ? "; thin lines are the windows' estimates, thick lines the displayed rate (broken "
                             "where it is withheld)" : "");
    if (r->has_display)
        write_displayed(fp, r);

    fprintf(fp, "## Quantization: per-layer SQNR\n\n");
    fprintf(fp, "Signal-to-quantization-noise ratio of each INT8 layer output against the FP32 model on the "
                "evaluation windows (every 6 dB is one more bit of agreement).\n\n");
    fprintf(fp, "![Per-layer SQNR](layer_sqnr.svg)\n\n");
    fprintf(fp, "| layer | SQNR (dB) |\n| --- | ---: |\n");
    for (size_t i = 0; i < r->n_layers; i++) {
        char v[32];
        fmt_num(v, sizeof v, r->layers[i].sqnr_db, "%.1f");
        fprintf(fp, "| %s | %s |\n", r->layers[i].name, v);
    }
    fprintf(fp, "\nCalibration: %d windows, stratified by heart rate, method `%s`. Input contract: `%s`.\n\n",
            r->calib_windows, r->calib_method, r->contract[0] ? r->contract : "n/a");

    fprintf(fp, "## Part B: exported C against the float reference\n\n");
    if (r->c_ran)
        fprintf(fp, "The exported C Temporal Fusion was run on the features of %lld windows and compared with the "
                    "float reference: max |difference| **%.3g BPM**, mean %.3g BPM, at most %lld ULP of float32.\n\n",
                (long long)r->c_n, r->c_max_abs_bpm, r->c_mean_abs_bpm, (long long)r->c_max_ulp);
    else
        fprintf(fp, "Not run.\n\n");

    fprintf(fp, "## Sizes\n\n| model | parameters | FP32 weights | deployed as |\n| --- | ---: | ---: | --- |\n");
    char a[32], b[32], c[32], d[32];
    human_bytes(a, sizeof a, r->spatial_fp32_bytes);
    human_bytes(b, sizeof b, r->tflite_bytes);
    human_bytes(c, sizeof c, r->temporal_params * 4);
    human_bytes(d, sizeof d, r->temporal_c_bytes);
    fprintf(fp, "| Spatial CNN | %lld | %s | `spatial_cnn_int8.tflite`, %s |\n", (long long)r->spatial_params, a, b);
    fprintf(fp, "| Temporal Fusion | %lld | %s | `temporal_fusion_weights_exported.c`, %s of C text |\n\n",
            (long long)r->temporal_params, c, d);

    fprintf(fp, "## On the Cortex-M55\n\n");
    if (r->m55_available) {
        fprintf(fp, "Flash, RAM and peak stack of each MCU part, built for %s; stacks measured while the parts "
                    "run on QEMU (tools/m55_footprint.sh).\n\n",
                r->m55_note);
        fprintf(fp, "| part | flash | RAM | peak stack |\n| --- | ---: | ---: | ---: |\n");
        for (size_t i = 0; i < r->n_m55; i++) {
            human_bytes(a, sizeof a, r->m55[i].flash_bytes);
            if (r->m55[i].stack_peak_bytes >= 0)
                snprintf(b, sizeof b, "%lld B", (long long)r->m55[i].stack_peak_bytes);
            else
                snprintf(b, sizeof b, "n/a");
            fprintf(fp, "| %s | %s | %lld B | %s |\n", r->m55[i].name, a, (long long)r->m55[i].ram_bytes, b);
        }
        fprintf(fp, "\n");
    } else {
        fprintf(fp, "Not measured: %s.\n\n", r->m55_note[0] ? r->m55_note : "tools/m55_footprint.sh not run");
    }

    fprintf(fp, "## Files\n\n| file | size |\n| --- | ---: |\n");
    for (size_t i = 0; i < r->n_files; i++) {
        human_bytes(a, sizeof a, r->files[i].bytes);
        fprintf(fp, "| `%s` | %s |\n", r->files[i].name, a);
    }
    fprintf(fp, "\n## Timings\n\n| step | seconds |\n| --- | ---: |\n");
    double total = 0;
    for (size_t i = 0; i < r->n_timings; i++) {
        fprintf(fp, "| %s | %.2f |\n", r->timings[i].step, r->timings[i].seconds);
        total += r->timings[i].seconds;
    }
    fprintf(fp, "| **total** | **%.2f** |\n\n", total);

    fprintf(fp, "## Inputs\n\n");
    fprintf(fp, "- Spatial CNN: `%s`\n- Temporal Fusion: `%s`\n- Data: `%s`%s%s%s\n", r->spatial_path,
            r->temporal_path, r->data_path, r->data_origin[0] ? " (" : "", r->data_origin,
            r->data_origin[0] ? ")" : "");
}

int rq_report_write_markdown(const rq_report *r, const char *path, rq_error *err)
{
    rq_atomic_file f;
    if (rq_atomic_open(&f, path, err))
        return -1;
    write_body(f.fp, r);
    return rq_atomic_commit(&f, err);
}

/* ---- stdout ---- */

void rq_report_print_summary(const rq_report *r, const char *out_dir, FILE *out)
{
    char a[32], b[32], d[32];
    human_bytes(a, sizeof a, r->spatial_fp32_bytes);
    human_bytes(b, sizeof b, r->tflite_bytes);
    human_bytes(d, sizeof d, r->temporal_c_bytes);
    fprintf(out, "Evaluated %s\n", r->held_out);
    /* the model's own verdict first: the grade only compares INT8 with FP32 */
    fprintf(out, "  %s %s\n", r->reads_heart_rate ? "Verdict:" : "WARNING:", r->verdict);
    fprintf(out, "        baselines: always %.1f BPM = %s, MAE %.2f; always %.1f BPM (median), MAE %.2f\n",
            r->baseline_bpm, r->baseline_source, r->baseline_m.mae, r->median_bpm, r->median_m.mae);
    fprintf(out, "  INT8  grade %s: MAE FP32 %.2f -> INT8 %.2f BPM, increase %+.2f BPM\n", r->grade, r->fp32_m.mae,
            r->int8_m.mae, r->mae_increase);
    if (r->has_display) {
        char w[512];
        const rq_display_summary *s = &r->display;
        fprintf(out, "  Shown FP32 %.2f BPM, INT8 %.2f BPM MAE of the displayed rate; shown %.0f %% of the time, "
                "within 5 BPM %.0f %% of it (INT8)\n", s->fp32.mae, s->int8.mae, 100 * s->int8.coverage,
                100 * s->int8.within5);
        rq_display_warning(s, w, sizeof w);
        if (w[0])
            fprintf(out, "  %s\n", w);
    }
    if (r->c_ran)
        fprintf(out, "  C     max diff %.3g BPM, mean %.3g BPM vs float reference (%lld windows)\n", r->c_max_abs_bpm,
                r->c_mean_abs_bpm, (long long)r->c_n);
    fprintf(out, "  Size  Spatial CNN %s FP32 -> %s INT8 .tflite; Temporal Fusion C weights %s\n", a, b, d);
    fprintf(out, "  Report: %s/report.md\n", out_dir);
}
