#include "eval/validate.h"

#include <json-c/json.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "common/progress.h"
#include "eval/predictions.h"
#include "frontend/spatial_model.h"
#include "io/dataset.h"
#include "ir/ir_exec.h"
#include "model/temporal_fusion_model.h"
#include "model/temporal_host.h"
#include "quant/calib.h"
#include "quant/graph_quant.h"
#include "quant/ptq.h"

#define BATCH 4 /* windows a worker takes at a time */
#define RQ_MAX_QUALITY_FRAMES 32 /* rppg_window_quality's limit */

typedef struct ctx {
    const rq_spatial_model *sm;
    const rq_temporal_host *th; /* the Temporal Fusion in vector lanes (the runtime's bits) */
    const rq_tfl_engine *eng;
    rq_dataset *ds;
    int T, R, H, W, C, F;
    size_t wf, plane, patch;
    const int64_t *eval;
    int64_t n_eval;
    float in_scale, out_scale;
    int32_t in_zp, out_zp;
    int n_layers;
    int layer_ir[RQ_VALIDATE_LAYERS];     /* the float executor's tensor */
    int layer_tensor[RQ_VALIDATE_LAYERS]; /* the .tflite's tensor of the same name */
    char layer_name[RQ_VALIDATE_LAYERS][RQ_VALIDATE_NAME];
    float layer_scale[RQ_VALIDATE_LAYERS];
    int32_t layer_zp[RQ_VALIDATE_LAYERS];
    float *features; /* n_eval * T*R*F FP32 features, or NULL when not kept */
    rppg_quality *quality; /* n_eval: each window's signal quality */
    double *pred_fp, *pred_q, *sig, *noise; /* n_eval, n_eval, n_eval*layers (x2) */
    const char *data_path;
    double label_mean;          /* the checkpoint's, or NaN */
    const char *spatial_path;
    pthread_mutex_t mu;
    pthread_cond_t cv_progress;
    int64_t next;      /* next evaluation position to hand out */
    int64_t completed; /* windows finished */
    int running;       /* workers still running */
    int failed;
    rq_error err;      /* the first worker error */
} ctx;

typedef struct worker {
    ctx *c;
    pthread_t th;
    rq_dataset ds; /* each worker reads through its own handle: reading scales with cores */
    int have_ds;
    float *raw;    /* BATCH windows */
    rq_ir_exec *x; /* the float executor: the FP32 reference */
    rq_tfl_scratch *scr;
    float *xin, *feat_fp, *feat_q, *work;
} worker;

/* The MCU's quality measure (runtime/quality.c) on the window's frames. */
static void window_quality(const ctx *c, const float *raw, rppg_quality *q)
{
    const float *frames[RQ_MAX_QUALITY_FRAMES];
    int n = c->T < RQ_MAX_QUALITY_FRAMES ? c->T : RQ_MAX_QUALITY_FRAMES;
    for (int t = 0; t < n; t++)
        frames[t] = raw + (size_t)t * c->plane;
    rppg_window_quality(&c->sm->contract, frames, n, c->R, (int)(c->plane / (size_t)c->R), q);
}

/* Signal and noise energy of one layer: sum x^2 and sum (x - y)^2 with y the int8 value
 * dequantized, in double. Four partial sums (element i in sum i % 4) added in a fixed order
 * at the end: the same result on every run and thread count, with four independent chains
 * of additions instead of one. */
static void layer_energy(const float *x, const int8_t *a, size_t n, int32_t zp, float scale,
                         double *sig, double *noise)
{
    double s[4] = {0, 0, 0, 0}, e[4] = {0, 0, 0, 0}, s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    double e0 = 0, e1 = 0, e2 = 0, e3 = 0, d;
    const double sc = scale;
    size_t i = 0;
#define RQ_ENERGY(S, E, J)                               \
    d = (double)x[i + J] - (double)(a[i + J] - zp) * sc; \
    S += (double)x[i + J] * (double)x[i + J];            \
    E += d * d
    for (; i + 4 <= n; i += 4) {
        RQ_ENERGY(s0, e0, 0);
        RQ_ENERGY(s1, e1, 1);
        RQ_ENERGY(s2, e2, 2);
        RQ_ENERGY(s3, e3, 3);
    }
    s[0] = s0, s[1] = s1, s[2] = s2, s[3] = s3, e[0] = e0, e[1] = e1, e[2] = e2, e[3] = e3;
    for (int k = 0; i < n; i++, k++) { /* the tail: element i in sum i % 4 = k */
        RQ_ENERGY(s[k], e[k], 0);
    }
#undef RQ_ENERGY
    *sig = (s[0] + s[1]) + (s[2] + s[3]);
    *noise = (e[0] + e[1]) + (e[2] + e[3]);
}

static int process_window(worker *wk, const float *raw, int64_t pos, rq_error *err)
{
    ctx *c = wk->c;
    const rq_ir_graph *g = &c->sm->g;
    double sig[RQ_VALIDATE_LAYERS] = {0}, noise[RQ_VALIDATE_LAYERS] = {0};
    rppg_contract_apply(&c->sm->contract, (size_t)c->T, c->plane, raw, wk->xin);
    window_quality(c, raw, &c->quality[pos]);
    for (int p = 0; p < c->T * c->R; p++) {
        const float *patch = wk->xin + (size_t)p * c->patch;
        memcpy(rq_ir_exec_input(wk->x, 0), patch, c->patch * sizeof(float));
        if (rq_ir_exec_run(wk->x, err) < 0)
            return -1;
        memcpy(wk->feat_fp + (size_t)p * (size_t)c->F, rq_ir_exec_tensor(wk->x, g->outputs[0]),
               (size_t)c->F * sizeof(float));
        rq_quantize_f32(patch, c->patch, c->in_scale, c->in_zp,
                        (int8_t *)rq_tfl_input(c->eng, wk->scr, 0));
        rq_tfl_invoke(c->eng, wk->scr);
        const int8_t *q = rq_tfl_output(c->eng, wk->scr, 0);
        for (int j = 0; j < c->F; j++)
            wk->feat_q[(size_t)p * (size_t)c->F + (size_t)j] = (float)(q[j] - c->out_zp) * c->out_scale;
        for (int l = 0; l < c->n_layers; l++) {
            const int8_t *a = rq_tfl_tensor_data(c->eng, wk->scr, c->layer_tensor[l]);
            size_t n = (size_t)rq_ir_numel(&g->tensors[c->layer_ir[l]]);
            const float *x = rq_ir_exec_tensor(wk->x, c->layer_ir[l]);
            double s, e;
            layer_energy(x, a, n, c->layer_zp[l], c->layer_scale[l], &s, &e);
            sig[l] += s, noise[l] += e;
        }
    }
    if (c->features) {
        size_t per = (size_t)c->T * (size_t)c->R * (size_t)c->F;
        memcpy(c->features + (size_t)pos * per, wk->feat_fp, per * sizeof(float));
    }
    c->pred_fp[pos] = rq_temporal_host_run(c->th, wk->feat_fp, wk->work);
    c->pred_q[pos] = rq_temporal_host_run(c->th, wk->feat_q, wk->work);
    for (int l = 0; l < c->n_layers; l++) {
        c->sig[pos * RQ_VALIDATE_LAYERS + l] = sig[l];
        c->noise[pos * RQ_VALIDATE_LAYERS + l] = noise[l];
    }
    return 0;
}

/* Reads positions [pos, pos+count) of the evaluation list, one dataset call per run of
 * consecutive window indices. */
static int read_batch(worker *wk, int64_t pos, int64_t count, rq_error *err)
{
    const ctx *c = wk->c;
    int64_t k = 0;
    while (k < count) {
        int64_t first = c->eval[pos + k], run = 1;
        while (k + run < count && c->eval[pos + k + run] == first + run)
            run++;
        if (rq_dataset_read_windows(&wk->ds, first, run, wk->raw + (size_t)k * c->wf, err) < 0)
            return -1;
        k += run;
    }
    return 0;
}

static void *worker_main(void *arg)
{
    worker *wk = arg;
    ctx *c = wk->c;
    rq_error err = {{0}};
    for (;;) {
        pthread_mutex_lock(&c->mu);
        int64_t pos = c->next, count = c->n_eval - pos < BATCH ? c->n_eval - pos : BATCH;
        int stop = c->failed || pos >= c->n_eval;
        if (!stop)
            c->next += count;
        pthread_mutex_unlock(&c->mu);
        if (stop)
            break;
        int failed = read_batch(wk, pos, count, &err) < 0;
        for (int64_t k = 0; k < count && !failed; k++)
            failed = process_window(wk, wk->raw + (size_t)k * c->wf, pos + k, &err) < 0;
        if (failed) {
            pthread_mutex_lock(&c->mu);
            if (!c->failed)
                c->err = err;
            c->failed = 1;
            pthread_mutex_unlock(&c->mu);
            break;
        }
        pthread_mutex_lock(&c->mu);
        c->completed += count;
        pthread_cond_signal(&c->cv_progress);
        pthread_mutex_unlock(&c->mu);
    }
    pthread_mutex_lock(&c->mu);
    c->running--;
    pthread_cond_signal(&c->cv_progress);
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

static int worker_init(worker *wk, ctx *c, rq_error *err)
{
    memset(wk, 0, sizeof *wk);
    wk->c = c;
    if (rq_ir_exec_new(&c->sm->g, &wk->x, err) < 0)
        return -1;
    if (rq_dataset_open(c->data_path, &wk->ds, err) < 0)
        return -1;
    wk->have_ds = 1;
    if (wk->ds.window_floats != (int64_t)c->wf || wk->ds.n != c->ds->n)
        return rq_fail(err, "%s: changed while being read", c->data_path);
    wk->scr = rq_tfl_scratch_new(c->eng);
    wk->raw = malloc((size_t)BATCH * c->wf * sizeof(float));
    wk->xin = malloc(c->wf * sizeof(float));
    wk->feat_fp = malloc((size_t)(c->T * c->R * c->F) * sizeof(float));
    wk->feat_q = malloc((size_t)(c->T * c->R * c->F) * sizeof(float));
    wk->work = malloc(rq_temporal_host_work_floats(c->th) * sizeof(float));
    if (!wk->scr || !wk->raw || !wk->xin || !wk->feat_fp || !wk->feat_q || !wk->work)
        return rq_fail(err, "out of memory for a validation worker");
    return 0;
}

static void worker_free(worker *wk)
{
    rq_ir_exec_free(wk->x);
    if (wk->scr)
        rq_tfl_scratch_free(wk->scr);
    if (wk->have_ds)
        rq_dataset_close(&wk->ds);
    free(wk->raw), free(wk->xin), free(wk->feat_fp), free(wk->feat_q), free(wk->work);
}

/* Workers hand out batches among themselves; the caller's thread shows progress. */
static int run_pipeline(ctx *c, int n_threads, rq_error *err)
{
    worker *wk = calloc((size_t)n_threads, sizeof(worker));
    int started = 0, rc = -1;
    rq_progress prog;
    rq_progress_start(&prog, "validate", (uint64_t)c->n_eval);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv_progress, NULL);
    if (!wk) {
        rq_fail(err, "out of memory for the validation pipeline");
        goto out;
    }
    for (int i = 0; i < n_threads; i++)
        if (worker_init(&wk[i], c, err) < 0)
            goto out;
    c->running = n_threads;
    for (; started < n_threads; started++)
        if (pthread_create(&wk[started].th, NULL, worker_main, &wk[started]) != 0)
            break;
    pthread_mutex_lock(&c->mu);
    c->running = started;
    if (started < n_threads) {
        c->failed = 1;
        rq_fail(&c->err, "cannot start validation thread %d", started);
    }
    while (c->running > 0) {
        int64_t done = c->completed;
        pthread_mutex_unlock(&c->mu);
        rq_progress_update(&prog, (uint64_t)done);
        pthread_mutex_lock(&c->mu);
        if (c->running > 0 && c->completed == done)
            pthread_cond_wait(&c->cv_progress, &c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    for (int i = 0; i < started; i++)
        pthread_join(wk[i].th, NULL);
    if (c->failed) {
        *err = c->err;
        goto out;
    }
    rq_progress_update(&prog, (uint64_t)c->n_eval);
    rq_progress_finish(&prog);
    rc = 0;
out:
    for (int i = 0; wk && i < n_threads; i++)
        worker_free(&wk[i]);
    free(wk);
    pthread_cond_destroy(&c->cv_progress);
    pthread_mutex_destroy(&c->mu);
    return rc;
}

/* ---- checks that the pieces belong together --------------------------------------- */

/* Layers whose SQNR validate reports, in graph order: every node output the float
 * executor computes and the .tflite holds under the same name (rq_gq_tensor_name), except
 * pure reshapes (the values of their input again). */
static void map_layers(ctx *c, const rq_tfl_model *t)
{
    const rq_ir_graph *g = &c->sm->g;
    c->n_layers = 0;
    for (int i = 0; i < g->n_nodes && c->n_layers < RQ_VALIDATE_LAYERS; i++) {
        rq_ir_op op = g->nodes[i].op;
        int v = g->nodes[i].out[0];
        if (v < 0 || g->tensors[v].dtype != RQ_IR_F32 || op == RQ_IR_OP_RESHAPE ||
            op == RQ_IR_OP_FLATTEN || op == RQ_IR_OP_SQUEEZE || op == RQ_IR_OP_UNSQUEEZE)
            continue;
        const rq_ir_tensor *x = &g->tensors[v];
        char name[RQ_VALIDATE_NAME];
        rq_gq_tensor_name(g, v, name, sizeof name);
        for (int k = 0; k < t->n_tensors; k++) {
            const rq_tfl_tensor *y = &t->tensors[k];
            if (strcmp(y->name ? y->name : "", name) || y->type != RQ_TFL_INT8 || y->q.n != 1 ||
                rq_tfl_num_elements(y) != rq_ir_numel(x) || y->data)
                continue;
            int l = c->n_layers++;
            c->layer_ir[l] = v, c->layer_tensor[l] = k;
            c->layer_scale[l] = y->q.scale[0];
            c->layer_zp[l] = (int32_t)y->q.zero_point[0];
            memcpy(c->layer_name[l], name, sizeof name);
            break;
        }
    }
}

static int check_graph(ctx *c, const rq_tfl_model *t, const char *path, rq_error *err)
{
    if (t->n_inputs != 1 || t->n_outputs != 1)
        return rq_fail(err, "%s: the model has %d inputs and %d outputs, not 1 and 1", path,
                       t->n_inputs, t->n_outputs);
    const rq_tfl_tensor *in = &t->tensors[t->inputs[0]], *out = &t->tensors[t->outputs[0]];
    if (in->type != RQ_TFL_INT8 || in->q.n != 1 || in->rank != 4 || in->shape[0] != 1 ||
        in->shape[1] != c->H || in->shape[2] != c->W || in->shape[3] != c->C)
        return rq_fail(err, "%s: input is not int8 [1,%d,%d,%d] quantized per tensor", path, c->H,
                       c->W, c->C);
    if (out->type != RQ_TFL_INT8 || out->q.n != 1 || rq_tfl_num_elements(out) != c->F)
        return rq_fail(err, "%s: output is not %d int8 features quantized per tensor", path, c->F);
    map_layers(c, t);
    c->in_scale = in->q.scale[0], c->in_zp = (int32_t)in->q.zero_point[0];
    c->out_scale = out->q.scale[0], c->out_zp = (int32_t)out->q.zero_point[0];
    if (!(c->in_scale > 0) || !(c->out_scale > 0))
        return rq_fail(err, "%s: input or output scale is not positive", path);
    return 0;
}

static int check_contract(const rq_tfl_model *t, const rq_spatial_model *sm, const char *tfl_path,
                          const char *sp_path, FILE *log, rq_error *err)
{
    rppg_contract mc;
    char a[256], b[256];
    if (rq_contract_from_description(t->description, &mc) < 0) {
        if (log)
            fprintf(stderr, "rppgq: warning: %s does not say which input contract it expects; "
                    "using the checkpoint's\n", tfl_path);
        return 0;
    }
    if (rq_contract_equal(&mc, &sm->contract))
        return 0;
    rq_contract_describe(&mc, a, sizeof a);
    rq_contract_describe(&sm->contract, b, sizeof b);
    return rq_fail(err, "%s: made for input contract '%s' but %s has '%s'", tfl_path,
                   strstr(a, "representation="), sp_path, strstr(b, "representation="));
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

static int count_subjects(const rq_dataset *ds, const int64_t *eval, int64_t n)
{
    if (!ds->subjects || n == 0)
        return 0;
    int64_t *s = malloc((size_t)n * sizeof(int64_t));
    if (!s)
        return 0;
    for (int64_t i = 0; i < n; i++)
        s[i] = ds->subjects[eval[i]];
    qsort(s, (size_t)n, sizeof(int64_t), cmp_i64);
    int u = 1;
    for (int64_t i = 1; i < n; i++)
        u += s[i] != s[i - 1];
    free(s);
    return u;
}

/* Copies the per-window results into r (the report and `rppgq run` keep them). */
static int keep_predictions(const ctx *c, rq_validate_result *r, rq_error *err)
{
    size_t n = (size_t)c->n_eval;
    r->windows = malloc(n * sizeof(int64_t));
    r->truth = malloc(n * sizeof(float));
    r->pred_fp32 = malloc(n * sizeof(float));
    r->pred_int8 = malloc(n * sizeof(float));
    if (c->ds->subjects)
        r->subject = malloc(n * sizeof(int64_t));
    if (!r->windows || !r->truth || !r->pred_fp32 || !r->pred_int8 || (c->ds->subjects && !r->subject))
        return rq_fail(err, "out of memory keeping %zu predictions", n);
    for (size_t i = 0; i < n; i++) {
        r->windows[i] = c->eval[i];
        r->truth[i] = c->ds->labels[c->eval[i]];
        r->pred_fp32[i] = (float)c->pred_fp[i];
        r->pred_int8[i] = (float)c->pred_q[i];
        if (r->subject)
            r->subject[i] = c->ds->subjects[c->eval[i]];
    }
    return 0;
}

/* Runs the MCU smoother over each subject's windows, FP32 and INT8 (eval/displayed.h). */
static int measure_displayed(ctx *c, rq_validate_result *r, rq_error *err)
{
    size_t n = (size_t)c->n_eval;
    rq_display_summary *d = &r->display;
    d->smoother = rppg_smoother_default_config();
    d->per_subject = r->subject != NULL;
    r->quality = c->quality;
    c->quality = NULL;
    r->shown_fp32 = malloc(n * sizeof(float));
    r->shown_int8 = malloc(n * sizeof(float));
    r->why_fp32 = malloc(n * sizeof(int));
    r->why_int8 = malloc(n * sizeof(int));
    if (!r->shown_fp32 || !r->shown_int8 || !r->why_fp32 || !r->why_int8)
        return rq_fail(err, "out of memory for the displayed rate of %zu windows", n);
    if (rq_display_run(&d->smoother, n, r->pred_fp32, r->quality, r->subject, r->shown_fp32,
                       r->why_fp32, err) < 0 ||
        rq_display_run(&d->smoother, n, r->pred_int8, r->quality, r->subject, r->shown_int8,
                       r->why_int8, err) < 0)
        return -1;
    d->fp32 = rq_displayed_measure(n, r->truth, r->shown_fp32);
    d->int8 = rq_displayed_measure(n, r->truth, r->shown_int8);
    rq_display_summarize_quality(d, n, r->quality);
    return 0;
}

void rq_validate_result_free(rq_validate_result *r)
{
    free(r->windows), free(r->truth), free(r->pred_fp32), free(r->pred_int8), free(r->subject);
    free(r->features);
    free(r->shown_fp32), free(r->shown_int8), free(r->why_fp32), free(r->why_int8), free(r->quality);
    r->shown_fp32 = r->shown_int8 = NULL, r->why_fp32 = r->why_int8 = NULL, r->quality = NULL;
    r->features = NULL;
    r->windows = NULL, r->truth = r->pred_fp32 = r->pred_int8 = NULL, r->subject = NULL;
}

static int write_predictions(const char *path, const rq_validate_result *r, rq_error *err)
{
    rq_predictions p = {r->n_windows, r->subject, r->windows, r->truth, r->pred_fp32, r->pred_int8,
                        r->shown_int8, r->window_step_s, r->window_centre_s};
    return rq_predictions_write(&p, path, err);
}

/* The labels trivial predictors may learn from: those of the windows not evaluated (the
 * calibration subjects' or windows); none when everything is evaluated. */
static int64_t set_aside_labels(const ctx *c, double *out)
{
    int64_t k = 0, e = 0;
    for (int64_t i = 0; i < c->ds->n; i++) {
        if (e < c->n_eval && c->eval[e] == i) {
            e++;
            continue;
        }
        if (isfinite(c->ds->labels[i]))
            out[k++] = c->ds->labels[i];
    }
    return k;
}

/* Always the mean and always the median: of the training labels when the checkpoint
 * records their mean, else of the windows set aside, else (nothing set aside) of the
 * evaluated labels themselves, an oracle that flatters the baseline. */
static int baselines(const ctx *c, const rq_calib_plan *plan, const double *lab, rq_validate_result *r)
{
    double *ref = malloc((size_t)(c->ds->n ? c->ds->n : 1) * sizeof(double));
    double *base = malloc((size_t)c->n_eval * sizeof(double));
    if (!ref || !base) {
        free(ref), free(base);
        return -1;
    }
    int64_t n_ref = set_aside_labels(c, ref);
    char aside[160];
    if (n_ref > 0)
        snprintf(aside, sizeof aside, "the %lld windows set aside, %s", (long long)n_ref,
                 plan->subjects ? "the calibration subjects'" : "the calibration windows");
    else
        snprintf(aside, sizeof aside, "the evaluated labels themselves, nothing being set aside: an oracle, "
                                      "harder to beat than a training mean");
    const double *src = n_ref > 0 ? ref : lab;
    int64_t n_src = n_ref > 0 ? n_ref : c->n_eval;
    if (c->label_mean > 0) {
        r->baseline_value = c->label_mean;
        snprintf(r->baseline_source, sizeof r->baseline_source, "the training labels' mean (label_mean in %s)",
                 c->spatial_path);
    } else {
        double s = 0;
        for (int64_t i = 0; i < n_src; i++)
            s += src[i];
        r->baseline_value = s / (double)n_src;
        snprintf(r->baseline_source, sizeof r->baseline_source, "mean label of %s", aside);
    }
    r->median_value = rq_median(src, n_src);
    snprintf(r->median_source, sizeof r->median_source, "median label of %s", aside);
    for (int64_t i = 0; i < c->n_eval; i++)
        base[i] = r->baseline_value;
    r->baseline = rq_metrics_compute(base, lab, c->n_eval);
    for (int64_t i = 0; i < c->n_eval; i++)
        base[i] = r->median_value;
    r->baseline_median = rq_metrics_compute(base, lab, c->n_eval);
    r->verdict_baseline_mae = fmin(r->baseline.mae, r->baseline_median.mae);
    r->reads_heart_rate = rq_model_verdict(r->fp32.mae, r->int8.mae, r->verdict_baseline_mae, r->verdict,
                                           sizeof r->verdict);
    free(ref), free(base);
    return 0;
}

static int summarize(const ctx *c, const rq_calib_plan *plan, rq_validate_result *r)
{
    double *lab = malloc((size_t)c->n_eval * sizeof(double));
    if (!lab)
        return -1;
    for (int64_t i = 0; i < c->n_eval; i++)
        lab[i] = c->ds->labels[c->eval[i]];
    r->n_windows = c->n_eval;
    r->fp32 = rq_metrics_compute(c->pred_fp, lab, c->n_eval);
    r->int8 = rq_metrics_compute(c->pred_q, lab, c->n_eval);
    if (baselines(c, plan, lab, r) < 0) {
        free(lab);
        return -1;
    }
    r->int8_vs_fp32_mae = rq_mae_between(c->pred_q, c->pred_fp, c->n_eval);
    r->mae_increase = r->int8.mae - r->fp32.mae;
    r->grade = rq_grade_mae_increase(r->mae_increase);
    r->n_layers = c->n_layers;
    for (int l = 0; l < c->n_layers; l++) {
        double s = 0, e = 0;
        for (int64_t i = 0; i < c->n_eval; i++)
            s += c->sig[i * RQ_VALIDATE_LAYERS + l], e += c->noise[i * RQ_VALIDATE_LAYERS + l];
        snprintf(r->layer_name[l], sizeof r->layer_name[l], "%s", c->layer_name[l]);
        r->layer_sqnr_db[l] = rq_sqnr_db(s, e);
    }
    free(lab);
    return 0;
}

static int online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

/* ---- which windows are held out ----------------------------------------------------- */

/* The model's calibration record names the windows and subjects quantize used: validate
 * excludes exactly those, and refuses options that say otherwise, or a dataset other than
 * the one calibrated on (unless told it is independent of it). A model without a record
 * (written by an older rppgq or another tool): the selection is redrawn from the options. */
static int choose_held_out(const rq_validate_opts *o, const rq_tfl_model *t, const rq_dataset *ds,
                           rq_calib_plan *plan, rq_validate_result *r, char warning[RQ_TIMING_WARNING_MAX],
                           rq_error *err)
{
    rq_calib_record rec;
    int found = rq_calib_record_from_model(t, o->tflite, &rec, err);
    if (found < 0)
        return -1;
    int rc = -1;
    r->calib_recorded = found;
    r->independent_data = o->independent_data;
    if (!found) {
        r->calib_seed = o->seed;
        r->calib_windows = o->calib_windows ? o->calib_windows : RQ_CALIB_DEFAULT_WINDOWS;
        snprintf(warning, RQ_TIMING_WARNING_MAX, "rppgq: warning: %s records no calibration; assuming quantize ran with "
                 "--calib-windows %d --seed %llu", o->tflite, r->calib_windows, (unsigned long long)r->calib_seed);
        if (o->independent_data)
            return 0; /* nothing to exclude */
        rc = rq_calib_select(ds->labels, ds->subjects, ds->n, r->calib_windows, r->calib_seed, o->data,
                             plan, err);
        r->calib_subjects = plan->n_subjects;
        r->all_subjects = plan->n_all_subjects;
        return rc;
    }
    snprintf(r->calib_method, sizeof r->calib_method, "%s", rec.method);
    r->calib_seed = rec.seed;
    r->calib_windows = rec.n_windows;
    r->calib_subjects = rec.n_subjects;
    uint64_t fp = rq_calib_data_fingerprint(ds->labels, ds->subjects, ds->n);
    int same_data = rec.data_n == ds->n && rec.data_fingerprint == fp;
    if (o->seed_given && o->seed != rec.seed)
        rq_fail(err, "--seed %llu: %s was calibrated with seed %llu (its calibration record says which windows; "
                     "leave --seed out)", (unsigned long long)o->seed, o->tflite, (unsigned long long)rec.seed);
    else if (o->calib_windows && o->calib_windows != rec.n_windows)
        rq_fail(err, "--calib-windows %d: %s was calibrated on %d windows (its calibration record says which; "
                     "leave --calib-windows out)", o->calib_windows, o->tflite, rec.n_windows);
    else if (!same_data && !o->independent_data)
        rq_fail(err, "%s: %s was calibrated on another dataset (%lld windows, fingerprint %016llx; this one: "
                     "%lld, %016llx); validate on quantize's data, or give --independent-data if no subject "
                     "of it was calibrated on", o->data, o->tflite, (long long)rec.data_n,
                (unsigned long long)rec.data_fingerprint, (long long)ds->n, (unsigned long long)fp);
    else if (same_data && o->independent_data)
        rq_fail(err, "--independent-data: %s is the dataset %s was calibrated on", o->data, o->tflite);
    else if (o->independent_data)
        rc = 0; /* nothing to exclude */
    else
        rc = rq_calib_plan_from_record(&rec, ds->subjects, ds->n, o->data, plan, err);
    r->all_subjects = plan->n_all_subjects;
    rq_calib_record_free(&rec);
    return rc;
}

static void describe_held_out(rq_validate_result *r, const rq_calib_plan *plan, int64_t n_eval)
{
    char what[120], how[200];
    if (r->independent_data)
        snprintf(what, sizeof what, "all %lld windows (the data is not the calibration set)", (long long)n_eval);
    else if (plan->subjects)
        snprintf(what, sizeof what, "%lld windows of the %d subjects not used for calibration", (long long)n_eval,
                 plan->n_all_subjects - plan->n_subjects);
    else
        snprintf(what, sizeof what, "%lld windows (all but the %d calibration windows)", (long long)n_eval, plan->n);
    if (r->calib_recorded)
        snprintf(how, sizeof how, "as the model's calibration record says (%s, seed %llu, %d windows%s)",
                 r->calib_method, (unsigned long long)r->calib_seed, r->calib_windows,
                 r->calib_subjects ? " from the other subjects" : "");
    else
        snprintf(how, sizeof how, "assuming quantize ran with --calib-windows %d --seed %llu (the model records no "
                 "calibration)", r->calib_windows, (unsigned long long)r->calib_seed);
    snprintf(r->held_out, sizeof r->held_out, "%s, %s", what, how);
}

int rq_validate(const rq_validate_opts *o, rq_validate_result *res, rq_error *err)
{
    memset(res, 0, sizeof *res);
    ctx c;
    memset(&c, 0, sizeof c);
    rq_spatial_model sm;
    rq_temporal_model tm;
    rq_temporal_host *th = NULL;
    rq_tfl_model t;
    rq_tfl_engine *eng = NULL;
    rq_dataset ds;
    rq_calib_plan plan;
    int64_t *eval = NULL;
    int rc = -1, have_sm = 0, have_tm = 0, have_ds = 0;
    memset(&plan, 0, sizeof plan);
    memset(&tm, 0, sizeof tm);
    rq_tfl_model_init(&t);
    struct stat st;
    char warning[RQ_TIMING_WARNING_MAX] = "";

    if (rq_dataset_open(o->data, &ds, err) < 0)
        goto out;
    have_ds = 1;
    have_sm = 1;
    if (rq_spatial_model_for_data(o->spatial, o->onnx, &ds, o->data, &o->timing, warning, &sm,
                                  err) < 0)
        goto out;
    if (rq_temporal_load(o->temporal, ds.rois, &tm, err) < 0)
        goto out;
    have_tm = 1;
    if (rq_temporal_host_new(&tm.net, rq_simd_level(), &th, err) < 0)
        goto out;
    c.T = ds.frames, c.R = ds.rois, c.H = ds.height, c.W = ds.width, c.C = ds.channels;
    c.F = sm.features;
    if (tm.net.frames != c.T || tm.net.rois != c.R || tm.net.features != c.F) {
        rq_fail(err, "%s: the temporal network takes %d frames x %d ROIs x %d features, but the "
                "data and spatial CNN give %d x %d x %d", o->temporal, tm.net.frames, tm.net.rois,
                tm.net.features, c.T, c.R, c.F);
        goto out;
    }
    if (rq_tfl_read(o->tflite, &t, err) < 0)
        goto out;
    if (stat(o->tflite, &st) == 0)
        res->tflite_bytes = (size_t)st.st_size;
    c.sm = &sm;
    if (check_graph(&c, &t, o->tflite, err) < 0 ||
        check_contract(&t, &sm, o->tflite, sm.path, o->log, err) < 0 ||
        rq_tfl_prepare_opts(&t, &(rq_tfl_engine_opts){o->rounding, 1}, &eng, err) < 0)
        goto out;
    char calib_warning[RQ_TIMING_WARNING_MAX] = "";
    if (choose_held_out(o, &t, &ds, &plan, res, calib_warning, err) < 0)
        goto out;
    if (!(eval = malloc((size_t)ds.n * sizeof(int64_t)))) {
        rq_fail(err, "out of memory listing evaluation windows");
        goto out;
    }
    for (int64_t i = 0; i < ds.n; i++)
        if (!rq_calib_excludes(&plan, i, ds.subjects))
            eval[c.n_eval++] = i;
    if (c.n_eval == 0) {
        rq_fail(err, "%s: no window left for validation once the %d calibration windows%s are "
                "set aside", o->data, plan.n, plan.subjects ? " (and their subjects)" : "");
        goto out;
    }
    /* the trivial predictors' source: the training labels, else the windows set aside */
    c.label_mean = sm.label_mean;
    c.spatial_path = sm.path;
    c.sm = &sm, c.th = th, c.eng = eng, c.ds = &ds, c.eval = eval, c.data_path = o->data;
    c.wf = (size_t)ds.window_floats;
    c.plane = c.wf / (size_t)c.T;
    c.patch = (size_t)c.H * (size_t)c.W * (size_t)c.C;
    c.pred_fp = malloc((size_t)c.n_eval * sizeof(double));
    c.pred_q = malloc((size_t)c.n_eval * sizeof(double));
    c.sig = calloc((size_t)c.n_eval * RQ_VALIDATE_LAYERS, sizeof(double));
    c.noise = calloc((size_t)c.n_eval * RQ_VALIDATE_LAYERS, sizeof(double));
    c.quality = calloc((size_t)c.n_eval, sizeof(rppg_quality));
    if (!c.pred_fp || !c.pred_q || !c.sig || !c.noise || !c.quality) {
        rq_fail(err, "out of memory for %lld predictions", (long long)c.n_eval);
        goto out;
    }
    size_t per_window = (size_t)c.T * (size_t)c.R * (size_t)c.F;
    if (o->keep_features && !(c.features = malloc((size_t)c.n_eval * per_window * sizeof(float)))) {
        rq_fail(err, "out of memory for the features of %lld windows", (long long)c.n_eval);
        goto out;
    }
    describe_held_out(res, &plan, c.n_eval);
    if (o->log)
        fprintf(o->log, "validating on %s\n", res->held_out);
    int threads = o->threads > 0 ? o->threads : online_cores();
    if (threads > c.n_eval)
        threads = (int)c.n_eval;
    if (run_pipeline(&c, threads, err) < 0)
        goto out;
    if (summarize(&c, &plan, res) < 0) {
        rq_fail(err, "out of memory summarizing %lld predictions", (long long)c.n_eval);
        goto out;
    }
    res->n_subjects = count_subjects(&ds, eval, c.n_eval);
    if (keep_predictions(&c, res, err) < 0 || measure_displayed(&c, res, err) < 0)
        goto out;
    res->features = c.features;
    res->feature_floats = c.features ? per_window : 0;
    c.features = NULL;
    /* the model's rate (the data's must be it); a subject's windows tile its recording */
    res->window_step_s = c.T / rq_contract_sample_hz(&sm.contract);
    res->window_centre_s = 0.5 * (c.T - 1) / rq_contract_sample_hz(&sm.contract);
    if (o->predictions && write_predictions(o->predictions, res, err) < 0)
        goto out;
    rq_print_warning(warning); /* after the work: an error would have stayed one line */
    rq_print_warning(calib_warning);
    rc = 0;
out:
    if (rc < 0)
        rq_validate_result_free(res);
    free(c.pred_fp), free(c.pred_q), free(c.sig), free(c.noise), free(c.features), free(c.quality);
    free(eval);
    rq_calib_plan_free(&plan);
    if (eng)
        rq_tfl_engine_free(eng);
    rq_tfl_model_free(&t);
    rq_temporal_host_free(th);
    if (have_tm)
        rq_temporal_free(&tm);
    if (have_ds)
        rq_dataset_close(&ds);
    if (have_sm)
        rq_spatial_model_free(&sm);
    return rc;
}

/* ---- reports ---------------------------------------------------------------------- */

static void print_row(FILE *out, const char *name, const rq_metrics *m)
{
    fprintf(out, "  %-12s %8.3f %8.3f %8.2f %9.4f %9.4f\n", name, m->mae, m->rmse, m->mape,
            m->pearson, m->r2);
}

void rq_validate_print(const rq_validate_result *r, FILE *out)
{
    fprintf(out, "%s%s\n", r->reads_heart_rate ? "verdict: " : "WARNING: ", r->verdict);
    fprintf(out, "  baseline: always %.1f BPM = %s; always %.1f BPM = %s\n", r->baseline_value,
            r->baseline_source, r->median_value, r->median_source);
    fprintf(out, "windows: %lld", (long long)r->n_windows);
    if (r->n_subjects)
        fprintf(out, " (%d subjects)", r->n_subjects);
    fprintf(out, "\n  %-12s %8s %8s %8s %9s %9s\n", "", "MAE", "RMSE", "MAPE%", "Pearson", "R^2");
    print_row(out, "FP32", &r->fp32);
    print_row(out, "INT8", &r->int8);
    char base[32];
    snprintf(base, sizeof base, "mean %.1f", r->baseline_value);
    print_row(out, base, &r->baseline);
    snprintf(base, sizeof base, "median %.1f", r->median_value);
    print_row(out, base, &r->baseline_median);
    rq_display_print(&r->display, out);
    fprintf(out, "INT8 vs FP32 MAE: %.4f BPM\n", r->int8_vs_fp32_mae);
    fprintf(out, "MAE increase: %+.4f BPM: %s\n", r->mae_increase, r->grade);
    fprintf(out, "per-layer SQNR (dB):");
    for (int l = 0; l < r->n_layers; l++)
        fprintf(out, " %s %.2f", r->layer_name[l], r->layer_sqnr_db[l]);
    fprintf(out, "\ntflite: %zu bytes\n", r->tflite_bytes);
}

static json_object *num(double v)
{
    return isfinite(v) ? json_object_new_double(v) : json_object_new_null();
}

static json_object *metrics_json(const rq_metrics *m)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "mae", num(m->mae));
    json_object_object_add(o, "rmse", num(m->rmse));
    json_object_object_add(o, "mape", num(m->mape));
    json_object_object_add(o, "pearson", num(m->pearson));
    json_object_object_add(o, "r2", num(m->r2));
    return o;
}

json_object *rq_validate_calibration_json(const rq_validate_result *r)
{
    json_object *c = json_object_new_object();
    json_object_object_add(c, "recorded", json_object_new_boolean(r->calib_recorded));
    json_object_object_add(c, "method", r->calib_method[0] ? json_object_new_string(r->calib_method) : NULL);
    json_object_object_add(c, "seed", json_object_new_uint64(r->calib_seed));
    json_object_object_add(c, "windows", json_object_new_int(r->calib_windows));
    json_object_object_add(c, "subjects", json_object_new_int(r->calib_subjects));
    json_object_object_add(c, "independent_data", json_object_new_boolean(r->independent_data));
    return c;
}

int rq_validate_write_json(const rq_validate_result *r, const char *path, rq_error *err)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "n_windows", json_object_new_int64(r->n_windows));
    json_object_object_add(o, "n_subjects", json_object_new_int(r->n_subjects));
    json_object_object_add(o, "fp32", metrics_json(&r->fp32));
    json_object_object_add(o, "int8", metrics_json(&r->int8));
    json_object_object_add(o, "baseline_mean", metrics_json(&r->baseline));
    json_object_object_add(o, "baseline_value", num(r->baseline_value));
    json_object_object_add(o, "baseline_source", json_object_new_string(r->baseline_source));
    json_object_object_add(o, "baseline_median", metrics_json(&r->baseline_median));
    json_object_object_add(o, "baseline_median_value", num(r->median_value));
    json_object_object_add(o, "baseline_median_source", json_object_new_string(r->median_source));
    json_object *v = json_object_new_object();
    json_object_object_add(v, "reads_heart_rate", json_object_new_boolean(r->reads_heart_rate));
    json_object_object_add(v, "baseline_mae", num(r->verdict_baseline_mae));
    json_object_object_add(v, "clearly_better_factor", num(RQ_CLEARLY_BETTER));
    json_object_object_add(v, "text", json_object_new_string(r->verdict));
    json_object_object_add(o, "verdict", v);
    json_object_object_add(o, "calibration", rq_validate_calibration_json(r));
    rq_display_add_json(&r->display, o);
    json_object_object_add(o, "int8_vs_fp32_mae", num(r->int8_vs_fp32_mae));
    json_object_object_add(o, "mae_increase", num(r->mae_increase));
    json_object_object_add(o, "grade", json_object_new_string(r->grade ? r->grade : ""));
    json_object_object_add(o, "tflite_bytes", json_object_new_int64((int64_t)r->tflite_bytes));
    json_object *l = json_object_new_array(), *names = json_object_new_array();
    for (int i = 0; i < r->n_layers; i++) {
        json_object_array_add(l, num(r->layer_sqnr_db[i]));
        json_object_array_add(names, json_object_new_string(r->layer_name[i]));
    }
    json_object_object_add(o, "layer_sqnr_db", l);
    json_object_object_add(o, "layer_names", names);
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
    size_t len = strlen(s);
    char *buf = malloc(len + 2);
    int rc = -1;
    if (buf) {
        memcpy(buf, s, len);
        buf[len] = '\n';
        rc = rq_write_file_atomic(path, buf, len + 1, err);
        free(buf);
    } else {
        rq_fail(err, "out of memory writing %s", path);
    }
    json_object_put(o);
    return rc;
}
