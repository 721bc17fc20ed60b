/* The report writers on a synthetic report: report.json parses and holds every key with the
 * values given (NaN as null), predictions.csv has one row per window that reads back
 * exactly, report.md names every chart and file, and the charts are written. */
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "eval/report.h"
#include "eval/report_outdir.h"
#include "harness.h"

static char dir[512];

#define NW 60
static float truth[NW], fp32[NW], int8v[NW];
static int64_t subj[NW];

static void fill(rq_report *r)
{
    memset(r, 0, sizeof *r);
    for (int i = 0; i < NW; i++) {
        subj[i] = i / 20;
        truth[i] = 60.0f + (float)i;
        fp32[i] = truth[i] + (i % 2 ? 3.0f : -1.0f);
        int8v[i] = fp32[i] + 0.1f * (float)(i % 3) + 1.0f / 3.0f;
    }
    snprintf(r->spatial_path, sizeof r->spatial_path, "models/spatial_cnn.pth");
    snprintf(r->temporal_path, sizeof r->temporal_path, "models/temporal_fusion.pth");
    snprintf(r->data_path, sizeof r->data_path, "cache/x.pt");
    snprintf(r->calib_method, sizeof r->calib_method, "minmax");
    r->calib_windows = 100;
    r->n_windows = NW;
    r->n_subjects = 3;
    r->truth = truth;
    r->fp32 = fp32;
    r->int8 = int8v;
    r->subject = subj;
    r->window_step_s = 1.0;
    r->fp32_m = (rq_report_metrics){2.0, 2.236, 2.5, 0.99, 0.97};
    r->int8_m = (rq_report_metrics){2.2, 2.4, 2.7, 0.98, NAN};
    r->baseline_m = (rq_report_metrics){15.0, 17.3, 18.0, NAN, 0.0};
    r->baseline_bpm = 89.5;
    r->int8_vs_fp32_mae = 0.43;
    r->mae_increase = 0.2;
    snprintf(r->grade, sizeof r->grade, "PERFECT");
    r->tflite_bytes = 20480;
    r->spatial_params = 9856;
    r->spatial_fp32_bytes = 4 * 9856;
    r->temporal_params = 10433;
    r->temporal_c_bytes = 204000;
    rq_report_add_layer(r, "conv1", 40.5);
    rq_report_add_layer(r, "conv2", 33.25);
    rq_report_add_layer(r, "mean", INFINITY);
    r->c_ran = 1;
    r->c_n = NW;
    r->c_max_abs_bpm = 1.52587890625e-05;
    r->c_mean_abs_bpm = 4.96e-06;
    r->c_max_ulp = 2;
    rq_report_add_timing(r, "quantize", 1.5);
    rq_report_add_timing(r, "validate", 2.0);
    rq_report_add_timing(r, "quantize", 0.25);
    r->n_files = 1;
    snprintf(r->files[0].name, sizeof r->files[0].name, "spatial_cnn_int8.tflite");
    r->files[0].bytes = 20480;
}

static json_object *get(json_object *o, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *k = strtok(buf, "."); k && o; k = strtok(NULL, "."))
        if (!json_object_object_get_ex(o, k, &o))
            return NULL;
    return o;
}

static void json_has_every_key(void)
{
    rq_report r;
    fill(&r);
    char path[600];
    rq_error err = {{0}};
    snprintf(path, sizeof path, "%s/report.json", dir);
    CHECK_MSG(rq_report_write_json(&r, path, &err) == 0, "%.300s", err.msg);
    json_object *o = json_object_from_file(path);
    CHECK(o != NULL);
    const char *keys[] = {"n_windows", "n_subjects", "fp32.mae", "fp32.rmse", "fp32.mape", "fp32.pearson",
                          "fp32.r2", "int8.mae", "baseline_mean.mae", "int8_vs_fp32_mae", "mae_increase", "grade",
                          "tflite_bytes", "layer_sqnr_db", "c_vs_reference.n", "c_vs_reference.max_abs_bpm",
                          "c_vs_reference.mean_abs_bpm", "c_vs_reference.max_ulp", "timings_s.quantize",
                          "timings_s.total"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        CHECK_MSG(get(o, keys[i]) != NULL, "missing %s", keys[i]);
    CHECK(json_object_get_int64(get(o, "n_windows")) == NW);
    CHECK_NEAR(json_object_get_double(get(o, "fp32.rmse")), 2.236, 1e-12);
    CHECK_NEAR(json_object_get_double(get(o, "c_vs_reference.max_abs_bpm")), 1.52587890625e-05, 1e-14);
    CHECK_NEAR(json_object_get_double(get(o, "timings_s.quantize")), 1.75, 1e-12);
    CHECK_NEAR(json_object_get_double(get(o, "timings_s.total")), 3.75, 1e-12);
    CHECK(!strcmp(json_object_get_string(get(o, "grade")), "PERFECT"));
    /* NaN and infinity are not JSON: they must be null, present as keys */
    json_object *v = (json_object *)1;
    CHECK(json_object_object_get_ex(get(o, "int8"), "r2", &v) && v == NULL);
    json_object *layers = get(o, "layer_sqnr_db");
    CHECK(json_object_is_type(layers, json_type_array) && json_object_array_length(layers) == 3);
    CHECK_NEAR(json_object_get_double(json_object_array_get_idx(layers, 1)), 33.25, 1e-12);
    CHECK(json_object_array_get_idx(layers, 2) == NULL); /* infinite SQNR: null */
    CHECK(!strcmp(json_object_get_string(json_object_array_get_idx(get(o, "layer_names"), 1)), "conv2"));
    json_object_put(o);
}

static void predictions_read_back_exactly(void)
{
    rq_report r;
    fill(&r);
    char path[600];
    rq_error err = {{0}};
    snprintf(path, sizeof path, "%s/predictions.csv", dir);
    CHECK_MSG(rq_report_write_predictions(&r, path, &err) == 0, "%.300s", err.msg);
    FILE *fp = fopen(path, "r");
    CHECK(fp);
    char line[256];
    CHECK(fgets(line, sizeof line, fp) &&
          !strcmp(line, "subject,window,time_s,true_bpm,fp32_bpm,int8_bpm,smoothed_bpm\n"));
    int rows = 0, k = 0;
    long long w, s;
    float tm, t, a, b;
    /* no displayed rate in this report: the last column is empty */
    while (fscanf(fp, "%lld,%lld,%f,%f,%f,%f,\n", &s, &w, &tm, &t, &a, &b) == 6) {
        k = rows > 0 && subj[rows] != subj[rows - 1] ? 0 : rows > 0 ? k + 1 : 0;
        if (w != rows || s != subj[rows] || t != truth[rows] || a != fp32[rows] || b != int8v[rows] ||
            tm != (float)k) /* window_step_s 1, centre offset 0 */
            break;
        rows++;
    }
    fclose(fp);
    CHECK(rows == NW);
}

static int file_nonempty(const char *name)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unsigned char *d;
    size_t len;
    rq_error err;
    if (rq_read_file(path, 1 << 24, &d, &len, &err))
        return 0;
    free(d);
    return len > 0;
}

static void markdown_and_plots_written(void)
{
    rq_report r;
    fill(&r);
    char path[600];
    rq_error err = {{0}};
    CHECK_MSG(rq_report_write_plots(&r, dir, &err) == 0, "%.300s", err.msg);
    snprintf(path, sizeof path, "%s/report.md", dir);
    CHECK_MSG(rq_report_write_markdown(&r, path, &err) == 0, "%.300s", err.msg);
    const char *svgs[] = {"pred_vs_true.svg", "bland_altman.svg", "hr_over_time.svg", "layer_sqnr.svg"};
    unsigned char *md;
    size_t len;
    CHECK(rq_read_file(path, 1 << 20, &md, &len, &err) == 0);
    char *text = calloc(1, len + 1);
    memcpy(text, md, len);
    free(md);
    int ok = 1;
    for (int i = 0; i < 4; i++)
        ok &= file_nonempty(svgs[i]) && strstr(text, svgs[i]) != NULL;
    ok &= strstr(text, "PERFECT") != NULL && strstr(text, "spatial_cnn_int8.tflite") != NULL;
    free(text);
    CHECK(ok);
}

static int exists(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0;
}

static int nonempty(const char *d)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "test $(ls -A '%s' | wc -l) -eq 0", d);
    return system(cmd) == 0 ? 0 : 1;
}

static void write_file(const char *path, const char *text)
{
    rq_error err;
    rq_write_file_atomic(path, text, strlen(text), &err);
}

static void outdir_appears_only_on_commit(void)
{
    char out[600], p[1200];
    rq_error err = {{0}};
    rq_outdir o;
    snprintf(out, sizeof out, "%s/sub/out", dir);
    /* a missing parent is an error, and nothing is created */
    CHECK(rq_outdir_begin(&o, out, &err) != 0);
    CHECK(strstr(err.msg, out) != NULL);
    snprintf(out, sizeof out, "%s/out", dir);
    CHECK_MSG(rq_outdir_begin(&o, out, &err) == 0, "%.300s", err.msg);
    CHECK(rq_outdir_path(&o, "report.json", p, sizeof p, &err) == 0);
    write_file(p, "{}");
    CHECK(!exists(out));
    CHECK_MSG(rq_outdir_commit(&o, &err) == 0, "%.300s", err.msg);
    snprintf(p, sizeof p, "%s/report.json", out);
    CHECK(exists(p));

    /* a second run replaces the first; an aborted third leaves the second in place */
    CHECK(rq_outdir_begin(&o, out, &err) == 0);
    CHECK(rq_outdir_path(&o, "report.json", p, sizeof p, &err) == 0);
    write_file(p, "{\"run\": 2}");
    CHECK(rq_outdir_path(&o, "new.txt", p, sizeof p, &err) == 0);
    write_file(p, "x");
    CHECK(rq_outdir_commit(&o, &err) == 0);
    snprintf(p, sizeof p, "%s/new.txt", out);
    CHECK(exists(p));
    CHECK(rq_outdir_begin(&o, out, &err) == 0);
    CHECK(rq_outdir_path(&o, "partial.svg", p, sizeof p, &err) == 0);
    write_file(p, "<svg");
    rq_outdir_abort(&o);
    snprintf(p, sizeof p, "%s/new.txt", out);
    CHECK(exists(p));
    char cmd[800];
    snprintf(cmd, sizeof cmd, "test $(ls -d '%s'/out* | wc -l) -eq 1", dir);
    CHECK(system(cmd) == 0); /* no stage folder left beside it */
}

static void outdir_refuses_foreign_folder(void)
{
    char d[600], p[700];
    rq_error err = {{0}};
    rq_outdir o;
    snprintf(d, sizeof d, "%s/precious", dir);
    mkdir(d, 0777);
    snprintf(p, sizeof p, "%s/thesis.tex", d);
    write_file(p, "important");
    CHECK(rq_outdir_begin(&o, d, &err) != 0);
    CHECK(strstr(err.msg, "not an rppgq run output") != NULL);
    CHECK(exists(p));
    CHECK(rq_outdir_begin(&o, p, &err) != 0); /* a file */
    CHECK(rq_outdir_begin(&o, "/", &err) != 0);
    CHECK(nonempty(d));
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/rq-report-XXXXXX", getenv("RQ_TMP") ? getenv("RQ_TMP") : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(json_has_every_key);
    RUN(predictions_read_back_exactly);
    RUN(markdown_and_plots_written);
    RUN(outdir_appears_only_on_commit);
    RUN(outdir_refuses_foreign_folder);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    TEST_EXIT();
}
