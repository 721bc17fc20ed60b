#include "eval/displayed.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>

int rq_display_run(const rppg_smoother_config *cfg, size_t n, const float *pred,
                   const rppg_quality *quality, const int64_t *subject, float *shown, int *why,
                   rq_error *err)
{
    rppg_smoother s;
    if (rppg_smoother_init(&s, cfg) != 0)
        return rq_fail(err, "invalid smoother configuration");
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && subject && subject[i] != subject[i - 1])
            rppg_smoother_reset(&s);
        rppg_hr hr = rppg_smoother_push_window(&s, pred[i], quality ? &quality[i] : NULL);
        shown[i] = hr.confident ? hr.bpm : NAN;
        if (why)
            why[i] = hr.why;
    }
    return 0;
}

rq_displayed_metrics rq_displayed_measure(size_t n, const float *truth, const float *shown)
{
    rq_displayed_metrics m = {.n = (int64_t)n};
    double abs_sum = 0, sq_sum = 0;
    int64_t within = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(shown[i]))
            continue;
        double e = fabs((double)shown[i] - (double)truth[i]);
        abs_sum += e, sq_sum += e * e;
        within += e <= 5.0;
        m.shown++;
    }
    m.coverage = n ? (double)m.shown / (double)n : NAN;
    m.mae = m.shown ? abs_sum / (double)m.shown : NAN;
    m.rmse = m.shown ? sqrt(sq_sum / (double)m.shown) : NAN;
    m.within5 = m.shown ? (double)within / (double)m.shown : NAN;
    return m;
}

void rq_display_summarize_quality(rq_display_summary *s, size_t n, const rppg_quality *q)
{
    double clip = 0;
    size_t at_clip = 0, jumps = 0, over = 0;
    for (size_t i = 0; i < n; i++) {
        int c = !(q[i].clip_share <= s->smoother.max_clip_share);
        int b = !(q[i].brightness_step <= s->smoother.max_brightness_step);
        clip += q[i].clip_share;
        at_clip += c, jumps += b, over += c || b;
    }
    double d = n ? (double)n : 1.0;
    s->clip_share_mean = clip / d;
    s->windows_at_clip = (double)at_clip / d;
    s->windows_brightness_jump = (double)jumps / d;
    s->outside_training = (double)over / d > RQ_OUTSIDE_TRAINING_SHARE;
}

void rq_display_warning(const rq_display_summary *s, char *buf, size_t size)
{
    if (!s->outside_training) {
        if (size)
            buf[0] = 0;
        return;
    }
    snprintf(buf, size, "warning: the data is outside what the model was trained on: %.0f %% of "
             "windows have more than %.2g %% of their input values at the clip, %.0f %% an ROI "
             "brightness jump over %.2g %%; the displayed rate is withheld for them",
             100 * s->windows_at_clip, 100 * (double)s->smoother.max_clip_share,
             100 * s->windows_brightness_jump, 100 * (double)s->smoother.max_brightness_step);
}

static void print_row(FILE *out, const char *name, const rq_displayed_metrics *m)
{
    if (m->shown == 0) /* never shown: no error to give */
        fprintf(out, "  %-10s %8s %8s %8s %7.1f%%\n", name, "--", "--", "--", 100 * m->coverage);
    else
        fprintf(out, "  %-10s %8.3f %8.3f %7.1f%% %7.1f%%\n", name, m->mae, m->rmse,
                100 * m->within5, 100 * m->coverage);
}

void rq_display_print(const rq_display_summary *s, FILE *out)
{
    char warning[512];
    fprintf(out, "displayed rate (the MCU smoother over each %s):\n  %-10s %8s %8s %8s %8s\n",
            s->per_subject ? "subject's windows" : "run of windows", "", "MAE", "RMSE",
            "within5", "shown");
    print_row(out, "FP32", &s->fp32);
    print_row(out, "INT8", &s->int8);
    fprintf(out, "input quality: %.2f %% of input values at the clip; windows over the limits: "
            "%.1f %% at the clip, %.1f %% brightness jumps\n", 100 * s->clip_share_mean,
            100 * s->windows_at_clip, 100 * s->windows_brightness_jump);
    rq_display_warning(s, warning, sizeof warning);
    if (warning[0])
        fprintf(out, "%s\n", warning);
}

static json_object *num(double v)
{
    return isfinite(v) ? json_object_new_double(v) : json_object_new_null();
}

/* A float setting as written in the source (0.05, not 0.0500000007). */
static json_object *num_f(float v)
{
    char buf[32];
    if (!isfinite(v))
        return json_object_new_null();
    snprintf(buf, sizeof buf, "%.7g", (double)v);
    return json_object_new_double_s(strtod(buf, NULL), buf);
}

static json_object *metrics_json(const rq_displayed_metrics *m)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "mae", num(m->mae));
    json_object_object_add(o, "rmse", num(m->rmse));
    json_object_object_add(o, "within5", num(m->within5));
    json_object_object_add(o, "coverage", num(m->coverage));
    return o;
}

void rq_display_add_json(const rq_display_summary *s, json_object *o)
{
    json_object *d = json_object_new_object(), *q = json_object_new_object();
    json_object *sm = json_object_new_object();
    char warning[512];
    json_object_object_add(d, "fp32", metrics_json(&s->fp32));
    json_object_object_add(d, "int8", metrics_json(&s->int8));
    json_object_object_add(sm, "window", json_object_new_int(s->smoother.window));
    json_object_object_add(sm, "min_count", json_object_new_int(s->smoother.min_count));
    json_object_object_add(sm, "max_spread_bpm", num_f(s->smoother.max_spread_bpm));
    json_object_object_add(sm, "max_clip_share", num_f(s->smoother.max_clip_share));
    json_object_object_add(sm, "max_brightness_step", num_f(s->smoother.max_brightness_step));
    json_object_object_add(sm, "max_mad_bpm", num_f(s->smoother.max_mad_bpm));
    json_object *map_in = json_object_new_array(), *map_out = json_object_new_array();
    for (int k = 0; k < s->smoother.map_n; k++) {
        json_object_array_add(map_in, num_f(s->smoother.map_in[k]));
        json_object_array_add(map_out, num_f(s->smoother.map_out[k]));
    }
    json_object_object_add(sm, "map_in", map_in);
    json_object_object_add(sm, "map_out", map_out);
    json_object_object_add(sm, "per_subject", json_object_new_boolean(s->per_subject));
    json_object_object_add(d, "smoother", sm);
    json_object_object_add(o, "displayed", d);
    rq_display_warning(s, warning, sizeof warning);
    json_object_object_add(q, "clip_share_mean", num(s->clip_share_mean));
    json_object_object_add(q, "windows_at_clip", num(s->windows_at_clip));
    json_object_object_add(q, "windows_brightness_jump", num(s->windows_brightness_jump));
    json_object_object_add(q, "outside_training", json_object_new_boolean(s->outside_training));
    json_object_object_add(q, "warning", warning[0] ? json_object_new_string(warning)
                                                    : json_object_new_null());
    json_object_object_add(o, "input_quality", q);
}
