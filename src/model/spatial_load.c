/* Reading a Spatial CNN checkpoint: tensors by key, shapes checked before anything is
 * allocated, values checked for NaN/Inf, then folded by rq_spatial_from_params. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/torch_file.h"
#include "model/contract.h"
#include "model/spatial_cnn.h"

static const int conv_index[RQ_SPATIAL_CONVS] = {0, 4, 8};
static const int bn_index[RQ_SPATIAL_CONVS] = {1, 5, 9};

#define MAX_CH 4096
#define MAX_K 15

typedef struct layer_buf {
    float *weight, *bias, *gamma, *beta, *mean, *var;
} layer_buf;

static const rq_tensor *find_tensor(const rq_value *sd, const char *path, const char *key,
                                    int required, rq_error *err)
{
    const rq_value *v = rq_dict_get(sd, key);
    if (!v) {
        if (required)
            rq_fail(err, "%s: missing key '%s'", path, key);
        return NULL;
    }
    const rq_tensor *t = rq_value_tensor(v);
    if (!t)
        rq_fail(err, "%s: '%s' is not a tensor", path, key);
    return t;
}

/* Reads a whole tensor of `numel` floats, refusing NaN and Inf. */
static float *read_floats(rq_torch_file *f, const rq_tensor *t, const char *key, rq_error *err)
{
    float *buf = malloc((size_t)t->numel * sizeof(float));
    if (!buf) {
        rq_fail(err, "%s: out of memory reading '%s'", rq_torch_path(f), key);
        return NULL;
    }
    if (rq_tensor_read_f32(f, t, 0, t->numel, buf, err) < 0) {
        free(buf);
        return NULL;
    }
    for (int64_t i = 0; i < t->numel; i++)
        if (!isfinite(buf[i])) {
            rq_fail(err, "%s: '%s' holds a non-finite value at element %lld", rq_torch_path(f),
                    key, (long long)i);
            free(buf);
            return NULL;
        }
    return buf;
}

static int is_float_dtype(rq_dtype d)
{
    return d == RQ_DT_F32 || d == RQ_DT_F64 || d == RQ_DT_F16 || d == RQ_DT_BF16;
}

/* A 1-D float tensor of n elements under features.IDX.NAME. */
static float *read_vector(rq_torch_file *f, const rq_value *sd, int idx, const char *name, int n,
                          int required, rq_error *err)
{
    char key[64];
    snprintf(key, sizeof key, "features.%d.%s", idx, name);
    const rq_tensor *t = find_tensor(sd, rq_torch_path(f), key, required, err);
    if (!t)
        return NULL;
    if (!is_float_dtype(t->dtype) || t->ndim != 1 || t->shape[0] != n) {
        rq_fail(err, "%s: '%s' should be a float tensor of shape (%d), not %s with %d dims",
                rq_torch_path(f), key, n, rq_dtype_name(t->dtype), t->ndim);
        return NULL;
    }
    return read_floats(f, t, key, err);
}

static int read_layer(rq_torch_file *f, const rq_value *sd, int l, rq_conv_bn_params *p,
                      layer_buf *b, rq_error *err)
{
    const char *path = rq_torch_path(f);
    char key[64];
    snprintf(key, sizeof key, "features.%d.weight", conv_index[l]);
    const rq_tensor *w = find_tensor(sd, path, key, 1, err);
    if (!w)
        return -1;
    if (!is_float_dtype(w->dtype) || w->ndim != 4)
        return rq_fail(err, "%s: '%s' should be a 4-D float conv weight (out, in, k, k)", path, key);
    if (w->shape[0] < 1 || w->shape[0] > MAX_CH || w->shape[1] < 1 || w->shape[1] > MAX_CH ||
        w->shape[2] != w->shape[3] || w->shape[2] < 1 || w->shape[2] > MAX_K || w->shape[2] % 2 == 0)
        return rq_fail(err, "%s: '%s' has shape (%lld, %lld, %lld, %lld); need channels 1..%d and "
                       "a square odd kernel up to %d", path, key, (long long)w->shape[0],
                       (long long)w->shape[1], (long long)w->shape[2], (long long)w->shape[3],
                       MAX_CH, MAX_K);
    p->cout = (int)w->shape[0], p->cin = (int)w->shape[1], p->k = (int)w->shape[2];
    if (!(b->weight = read_floats(f, w, key, err)))
        return -1;
    p->weight = b->weight;

    snprintf(key, sizeof key, "features.%d.bias", conv_index[l]);
    if (rq_dict_get(sd, key)) {
        if (!(b->bias = read_vector(f, sd, conv_index[l], "bias", p->cout, 1, err)))
            return -1;
    }
    p->bias = b->bias;
    int bn = bn_index[l];
    if (!(b->gamma = read_vector(f, sd, bn, "weight", p->cout, 1, err)) ||
        !(b->beta = read_vector(f, sd, bn, "bias", p->cout, 1, err)) ||
        !(b->mean = read_vector(f, sd, bn, "running_mean", p->cout, 1, err)) ||
        !(b->var = read_vector(f, sd, bn, "running_var", p->cout, 1, err)))
        return -1;
    for (int o = 0; o < p->cout; o++)
        if (b->var[o] < 0.0f)
            return rq_fail(err, "%s: 'features.%d.running_var' is negative at channel %d", path,
                           bn, o);
    p->gamma = b->gamma, p->beta = b->beta, p->mean = b->mean, p->var = b->var;
    return 0;
}

static void free_layer(layer_buf *b)
{
    free(b->weight), free(b->bias), free(b->gamma), free(b->beta), free(b->mean), free(b->var);
}

/* A heart rate in BPM, or NaN when the checkpoint does not record one. */
static int read_label_mean(const rq_value *root, const char *path, double *out, rq_error *err)
{
    const rq_value *v = root && root->type == RQ_V_DICT ? rq_dict_get(root, "label_mean") : NULL;
    *out = NAN;
    if (!v || v->type == RQ_V_NONE)
        return 0;
    double x = v->type == RQ_V_FLOAT ? v->u.f : v->type == RQ_V_INT ? (double)v->u.i : NAN;
    if (!(x > 0.0 && x < 1000.0))
        return rq_fail(err, "%s: 'label_mean' is not a heart rate in BPM (a number in (0, 1000))", path);
    *out = x;
    return 0;
}

void rq_spatial_params_free(rq_spatial_params *sp)
{
    for (int l = 0; l < RQ_SPATIAL_CONVS; l++) {
        rq_conv_bn_params *p = &sp->layer[l];
        free((void *)p->weight), free((void *)p->bias), free((void *)p->gamma);
        free((void *)p->beta), free((void *)p->mean), free((void *)p->var);
    }
    memset(sp, 0, sizeof *sp);
}

int rq_spatial_load_params(const char *path, rq_spatial_params *sp, rq_error *err)
{
    memset(sp, 0, sizeof *sp);
    rq_torch_file *f;
    if (rq_torch_open(path, &f, err) < 0)
        return -1;
    const rq_value *root = rq_torch_root(f);
    const rq_value *sd = rq_state_dict(root);
    layer_buf bufs[RQ_SPATIAL_CONVS];
    memset(bufs, 0, sizeof bufs);
    int rc = -1;
    if (!sd) {
        rq_fail(err, "%s: neither a dict with 'model_state_dict' nor a state_dict", path);
        goto out;
    }
    for (int l = 0; l < RQ_SPATIAL_CONVS; l++)
        if (read_layer(f, sd, l, &sp->layer[l], &bufs[l], err) < 0)
            goto out;
    if (rq_contract_from_checkpoint(root, path, &sp->contract, err) < 0 ||
        read_label_mean(root, path, &sp->label_mean, err) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0) {
        for (int l = 0; l < RQ_SPATIAL_CONVS; l++)
            free_layer(&bufs[l]);
        memset(sp, 0, sizeof *sp);
    }
    rq_torch_close(f);
    return rc;
}

int rq_spatial_load(const char *path, rq_spatial_cnn *m, rq_error *err)
{
    memset(m, 0, sizeof *m);
    rq_spatial_params sp;
    if (rq_spatial_load_params(path, &sp, err) < 0)
        return -1;
    int rc = rq_spatial_from_params(sp.layer, m, err);
    if (rc < 0)
        rq_fail_prefix(err, "%s: ", path);
    else
        m->contract = sp.contract, m->label_mean = sp.label_mean;
    rq_spatial_params_free(&sp);
    return rc;
}
