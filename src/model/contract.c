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
