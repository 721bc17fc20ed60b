#include "model/contract.h"

#include <math.h>
#include <string.h>

#define STRIDE_MAX 1000 /* camera frames between window frames; far beyond any sane value */

const char *rq_contract_repr_name(rppg_repr r)
{
    return r == RPPG_REPR_WINDOW_RATIO ? "window_ratio" : "raw";
}

static int number_of(const rq_value *v, double *out)
{
    if (v && v->type == RQ_V_FLOAT) {
        *out = v->u.f;
        return 0;
    }
    if (v && v->type == RQ_V_INT) {
        *out = (double)v->u.i;
        return 0;
    }
    return -1;
}

/* A positive finite number that float32 holds (the runtime computes in float). */
static int positive_float(const rq_value *ic, const char *key, const char *path, float *out,
                          rq_error *err)
{
    double d;
    const rq_value *v = rq_dict_get(ic, key);
    if (!v)
        return rq_fail(err, "%s: 'input_contract' has no '%s'", path, key);
    if (number_of(v, &d) < 0)
        return rq_fail(err, "%s: 'input_contract' '%s' is not a number", path, key);
    if (!(d > 0.0 && d <= 1e6) || !isfinite(d))
        return rq_fail(err, "%s: 'input_contract' '%s' = %g is not in (0, 1e6]", path, key, d);
    *out = (float)d;
    return 0;
}

int rq_contract_from_checkpoint(const rq_value *root, const char *path, rppg_contract *c,
                                rq_error *err)
{
    c->repr = RPPG_REPR_RAW;
    c->scale = 1.0f;
    c->clip = 0.0f;
    c->frame_stride = 1;
    const rq_value *ic = root ? rq_dict_get(root, "input_contract") : NULL;
    if (!ic)
        return 0;
    if (ic->type != RQ_V_DICT)
        return rq_fail(err, "%s: 'input_contract' is not a dict", path);
    const rq_value *r = rq_dict_get(ic, "representation");
    if (!r || r->type != RQ_V_STR)
        return rq_fail(err, "%s: 'input_contract' has no string 'representation'", path);
    if (!strcmp(r->u.str.s, "window_ratio")) {
        c->repr = RPPG_REPR_WINDOW_RATIO;
        if (positive_float(ic, "scale", path, &c->scale, err) ||
            positive_float(ic, "clip", path, &c->clip, err))
            return -1;
    } else if (strcmp(r->u.str.s, "raw")) {
        return rq_fail(err, "%s: 'input_contract' representation '%.40s' is not 'raw' or 'window_ratio'",
                       path, r->u.str.s);
    }
    const rq_value *fs = rq_dict_get(ic, "frame_stride");
    if (fs) {
        if (fs->type != RQ_V_INT || fs->u.i < 1 || fs->u.i > STRIDE_MAX)
            return rq_fail(err, "%s: 'input_contract' 'frame_stride' must be an integer 1..%d", path,
                           STRIDE_MAX);
        c->frame_stride = (int)fs->u.i;
    }
    return 0;
}

int rq_contract_write(rq_torch_writer *w, const rppg_contract *c)
{
    int raw = c->repr != RPPG_REPR_WINDOW_RATIO;
    rq_tw_dict_begin(w, 0);
    rq_tw_key(w, "representation");
    rq_tw_str(w, rq_contract_repr_name(c->repr));
    rq_tw_key(w, "scale");
    rq_tw_float(w, raw ? 1.0 : (double)c->scale);
    rq_tw_key(w, "clip");
    rq_tw_float(w, raw ? 0.0 : (double)c->clip);
    rq_tw_key(w, "frame_stride");
    rq_tw_int(w, c->frame_stride);
    return rq_tw_dict_end(w);
}

double rq_contract_sample_hz(const rppg_contract *c)
{
    return (double)RPPG_CONTRACT_FPS / (c->frame_stride > 0 ? c->frame_stride : 1);
}

static const char *ordinal_suffix(int n)
{
    if (n % 100 >= 11 && n % 100 <= 13)
        return "th";
    return n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th";
}

/* "every frame" / "every 4th frame" */
static void every_text(int stride, char *buf, size_t size)
{
    if (stride <= 1)
        snprintf(buf, size, "every frame");
    else
        snprintf(buf, size, "every %d%s frame", stride, ordinal_suffix(stride));
}

void rq_contract_timing_text(const rppg_contract *c, int frames, char *buf, size_t size)
{
    char every[40];
    const int stride = c->frame_stride > 0 ? c->frame_stride : 1;
    every_text(stride, every, sizeof every);
    snprintf(buf, size, "%g Hz: %s at %d fps; %d samples span %.3g s", rq_contract_sample_hz(c),
             every, RPPG_CONTRACT_FPS, frames, (frames - 1) / rq_contract_sample_hz(c));
}

/* One value from the dataset key or the option; *assumed set when neither states it. */
static int pick_fps(double stated, double given, const char *path, double *out, int *assumed,
                    rq_error *err)
{
    if (stated > 0.0 && given > 0.0 && fabs(stated - given) > 1e-9 * stated)
        return rq_fail(err, "%s: --fps %g contradicts the dataset's 'fps' %g", path, given, stated);
    *out = stated > 0.0 ? stated : given > 0.0 ? given : (double)RPPG_CONTRACT_FPS;
    *assumed = !(stated > 0.0 || given > 0.0);
    return 0;
}

static int pick_stride(int stated, int given, int model, const char *path, int *out,
                       int *assumed, rq_error *err)
{
    if (stated > 0 && given > 0 && stated != given)
        return rq_fail(err, "%s: --frame-stride %d contradicts the dataset's 'frame_stride' %d",
                       path, given, stated);
    *out = stated > 0 ? stated : given > 0 ? given : model;
    *assumed = !(stated > 0 || given > 0);
    return 0;
}

/* The dataset states its rate itself: fps / frame_stride from the file or the options, when
 * both known, must give it; then it must be the model's. */
static int check_sample_hz(const rppg_contract *c, const rq_data_timing *stated,
                           const rq_data_timing *given, const char *path, char *warning,
                           rq_data_timing *out, rq_error *err)
{
    const double hz = stated->sample_hz, want = rq_contract_sample_hz(c);
    const double fps = stated->fps > 0.0 ? stated->fps : given->fps;
    const int stride = stated->frame_stride > 0 ? stated->frame_stride : given->frame_stride;
    if (fps > 0.0 && stride > 0 && fabs(fps / stride - hz) > 1e-9 * hz)
        return rq_fail(err, "%s: 'sample_hz' %g contradicts %g fps every %d frames (%g Hz)", path,
                       hz, fps, stride, fps / stride);
    if (fabs(hz - want) > 1e-9 * want)
        return rq_fail(err, "%s: windows sampled at %g Hz ('sample_hz') but the model's input "
                       "contract expects %g Hz (every %d frames at %d fps)", path, hz, want,
                       c->frame_stride > 0 ? c->frame_stride : 1, RPPG_CONTRACT_FPS);
    if (warning)
        warning[0] = 0;
    if (out) {
        out->sample_hz = hz;
        out->fps = fps > 0.0 ? fps : (double)RPPG_CONTRACT_FPS;
        out->frame_stride = stride > 0 ? stride : (c->frame_stride > 0 ? c->frame_stride : 1);
    }
    return 0;
}

int rq_data_timing_check(const rppg_contract *c, const rq_data_timing *stated,
                         const rq_data_timing *given, const char *path, char *warning,
                         rq_data_timing *out, rq_error *err)
{
    static const rq_data_timing none = {0.0, 0, 0.0};
    rq_data_timing t = {0.0, 0, 0.0};
    int fps_assumed = 0, stride_assumed = 0;
    char every[40];
    const int model_stride = c->frame_stride > 0 ? c->frame_stride : 1;
    stated = stated ? stated : &none;
    given = given ? given : &none;
    if (stated->sample_hz > 0.0)
        return check_sample_hz(c, stated, given, path, warning, out, err);
    if (pick_fps(stated->fps, given->fps, path, &t.fps, &fps_assumed, err) ||
        pick_stride(stated->frame_stride, given->frame_stride, model_stride, path,
                    &t.frame_stride, &stride_assumed, err))
        return -1;
    every_text(t.frame_stride, every, sizeof every);
    const char *unstated = fps_assumed && stride_assumed ? "'fps' or 'frame_stride'"
                           : fps_assumed                 ? "'fps'"
                           : stride_assumed              ? "'frame_stride'"
                                                         : NULL;
    const double rate = t.fps / t.frame_stride, want = rq_contract_sample_hz(c);
    if (fabs(rate - want) > 1e-9 * want) {
        char model_every[40];
        every_text(model_stride, model_every, sizeof model_every);
        char note[80] = "";
        if (unstated)
            snprintf(note, sizeof note, "; no %s stated, assumed", unstated);
        return rq_fail(err, "%s: windows sampled at %g Hz (%g fps, %s%s) but the model's input "
                       "contract expects %g Hz (%s at %d fps)", path, rate, t.fps, every, note,
                       want, model_every, RPPG_CONTRACT_FPS);
    }
    if (warning) {
        warning[0] = 0;
        if (unstated)
            snprintf(warning, RQ_TIMING_WARNING_MAX,
                     "rppgq: warning: %s states no %s: assuming %g fps, %s (%g Hz); "
                     "--fps/--frame-stride set them", path, unstated, t.fps, every, rate);
    }
    t.sample_hz = rate;
    if (out)
        *out = t;
    return 0;
}

#define DESC_PREFIX "rppgq spatial_cnn int8; input_contract representation="

void rq_contract_describe(const rppg_contract *c, char *buf, size_t size)
{
    if (c->repr == RPPG_REPR_WINDOW_RATIO)
        snprintf(buf, size, DESC_PREFIX "window_ratio scale=%.9g clip=%.9g frame_stride=%d sample_hz=%.9g",
                 (double)c->scale, (double)c->clip, c->frame_stride, rq_contract_sample_hz(c));
    else
        snprintf(buf, size, DESC_PREFIX "raw frame_stride=%d sample_hz=%.9g", c->frame_stride,
                 rq_contract_sample_hz(c));
}

int rq_contract_from_description(const char *desc, rppg_contract *c)
{
    const char *p = desc ? strstr(desc, "input_contract representation=") : NULL;
    if (!p)
        return -1;
    p += strlen("input_contract representation=");
    double scale, clip;
    int stride, used = 0;
    memset(c, 0, sizeof *c);
    if (sscanf(p, "window_ratio scale=%lf clip=%lf frame_stride=%d%n", &scale, &clip, &stride,
               &used) == 3 && used > 0) {
        c->repr = RPPG_REPR_WINDOW_RATIO;
        c->scale = (float)scale, c->clip = (float)clip, c->frame_stride = stride;
        return 0;
    }
    if (sscanf(p, "raw frame_stride=%d%n", &stride, &used) == 1 && used > 0) {
        c->repr = RPPG_REPR_RAW;
        c->scale = 1.0f;
        c->frame_stride = stride;
        return 0;
    }
    return -1;
}

int rq_contract_equal(const rppg_contract *a, const rppg_contract *b)
{
    if (a->repr != b->repr || a->frame_stride != b->frame_stride)
        return 0;
    return a->repr != RPPG_REPR_WINDOW_RATIO || (a->scale == b->scale && a->clip == b->clip);
}
