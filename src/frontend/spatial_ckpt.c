#include "frontend/spatial_ckpt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/torch_file.h"
#include "model/contract.h"

/* ---- reading the checkpoint: tensors by key, shapes checked before anything is
 * allocated, values checked for NaN/Inf ------------------------------------------------ */

#define RQ_SPATIAL_CONVS 3
#define RQ_BN_EPS 1e-5

/* One conv layer and the BatchNorm after it, as PyTorch stores them (weights OIHW). */
typedef struct rq_conv_bn_params {
    int cin, cout, k;
    const float *weight; /* [cout][cin][k][k] */
    const float *bias;   /* [cout], NULL = conv without bias */
    const float *gamma, *beta, *mean, *var; /* [cout] each */
} rq_conv_bn_params;

typedef struct rq_spatial_params {
    rq_conv_bn_params layer[RQ_SPATIAL_CONVS]; /* arrays owned */
    rppg_contract contract;
    double label_mean; /* NaN when absent */
} rq_spatial_params;

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

static void params_free(rq_spatial_params *sp)
{
    for (int l = 0; l < RQ_SPATIAL_CONVS; l++) {
        rq_conv_bn_params *p = &sp->layer[l];
        free((void *)p->weight), free((void *)p->bias), free((void *)p->gamma);
        free((void *)p->beta), free((void *)p->mean), free((void *)p->var);
    }
    memset(sp, 0, sizeof *sp);
}

static int load_params(const char *path, rq_spatial_params *sp, rq_error *err)
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

/* ---- the graph, as torch.onnx.export writes the model -------------------------------- */

/* A fresh activation tensor named after the node that writes it. */
static int activation(rq_ir_graph *g, const char *name, rq_error *err)
{
    return rq_ir_add_tensor(g, name, RQ_IR_F32, err);
}

static int add_block(rq_ir_graph *g, const rq_conv_bn_params *p, int l, int x, int pool,
                     rq_error *err)
{
    char name[64];
    int64_t ws[4] = {p->cout, p->cin, p->k, p->k}, cs[1] = {p->cout};
    int64_t pads[4] = {p->k / 2, p->k / 2, p->k / 2, p->k / 2}, one[2] = {1, 1};
    int64_t ks[2] = {p->k, p->k}, two[2] = {2, 2}, zero[4] = {0, 0, 0, 0};
    int in[5];
    snprintf(name, sizeof name, "features.%d.weight", 4 * l);
    in[0] = x;
    in[1] = rq_ir_add_const(g, name, RQ_IR_F32, 4, ws, p->weight, err);
    int n_in = 2;
    if (p->bias) {
        snprintf(name, sizeof name, "features.%d.bias", 4 * l);
        in[n_in++] = rq_ir_add_const(g, name, RQ_IR_F32, 1, cs, p->bias, err);
    }
    snprintf(name, sizeof name, "features.%d", 4 * l);
    int c = activation(g, name, err);
    if (in[1] < 0 || in[n_in - 1] < 0 || c < 0)
        return -1;
    int k = rq_ir_add_node(g, RQ_IR_OP_CONV, NULL, name, n_in, in, 1, &c, err);
    if (k < 0 || rq_ir_add_attr_ints(g, k, "dilations", 2, one, err) < 0 ||
        rq_ir_add_attr_int(g, k, "group", 1, err) < 0 ||
        rq_ir_add_attr_ints(g, k, "kernel_shape", 2, ks, err) < 0 ||
        rq_ir_add_attr_ints(g, k, "pads", 4, pads, err) < 0 ||
        rq_ir_add_attr_ints(g, k, "strides", 2, one, err) < 0)
        return -1;
    const float *bn[4] = {p->gamma, p->beta, p->mean, p->var};
    const char *bn_key[4] = {"weight", "bias", "running_mean", "running_var"};
    int bin[5] = {c};
    for (int j = 0; j < 4; j++) {
        snprintf(name, sizeof name, "features.%d.%s", 4 * l + 1, bn_key[j]);
        if ((bin[j + 1] = rq_ir_add_const(g, name, RQ_IR_F32, 1, cs, bn[j], err)) < 0)
            return -1;
    }
    snprintf(name, sizeof name, "features.%d", 4 * l + 1);
    int b = activation(g, name, err);
    if (b < 0 || (k = rq_ir_add_node(g, RQ_IR_OP_BATCHNORM, NULL, name, 5, bin, 1, &b, err)) < 0 ||
        rq_ir_add_attr_float(g, k, "epsilon", (float)RQ_BN_EPS, err) < 0)
        return -1;
    snprintf(name, sizeof name, "features.%d", 4 * l + 2);
    int r = activation(g, name, err);
    if (r < 0 || rq_ir_add_node(g, RQ_IR_OP_RELU, NULL, name, 1, &b, 1, &r, err) < 0)
        return -1;
    if (!pool)
        return r;
    snprintf(name, sizeof name, "features.%d", 4 * l + 3);
    int m = activation(g, name, err);
    if (m < 0 || (k = rq_ir_add_node(g, RQ_IR_OP_MAX_POOL, NULL, name, 1, &r, 1, &m, err)) < 0 ||
        rq_ir_add_attr_int(g, k, "ceil_mode", 0, err) < 0 ||
        rq_ir_add_attr_ints(g, k, "kernel_shape", 2, two, err) < 0 ||
        rq_ir_add_attr_ints(g, k, "pads", 4, zero, err) < 0 ||
        rq_ir_add_attr_ints(g, k, "strides", 2, two, err) < 0)
        return -1;
    return m;
}

static int build(rq_ir_graph *g, const rq_spatial_params *sp, int h, int w, rq_error *err)
{
    for (int l = 1; l < RQ_SPATIAL_CONVS; l++)
        if (sp->layer[l].cin != sp->layer[l - 1].cout)
            return rq_fail(err, "%s: conv %d takes %d channels but conv %d gives %d", g->source, l,
                           sp->layer[l].cin, l - 1, sp->layer[l - 1].cout);
    int64_t xs[4] = {1, sp->layer[0].cin, h, w};
    int x = rq_ir_add_tensor(g, "input", RQ_IR_F32, err);
    if (x < 0 || rq_ir_set_shape(g, x, 4, xs, err) < 0)
        return -1;
    int input = x;
    for (int l = 0; l < RQ_SPATIAL_CONVS; l++)
        if ((x = add_block(g, &sp->layer[l], l, x, l < RQ_SPATIAL_CONVS - 1, err)) < 0)
            return -1;
    int a = activation(g, "features.11", err), y = activation(g, "output", err);
    if (a < 0 || y < 0 || rq_ir_add_node(g, RQ_IR_OP_GLOBAL_AVG_POOL, NULL, "features.11", 1, &x, 1, &a, err) < 0)
        return -1;
    int f = rq_ir_add_node(g, RQ_IR_OP_FLATTEN, NULL, "flatten", 1, &a, 1, &y, err);
    if (f < 0 || rq_ir_add_attr_int(g, f, "axis", 1, err) < 0 ||
        rq_ir_set_io(g, 1, &input, 1, &y, err) < 0)
        return -1;
    g->opset = 13;
    return rq_ir_infer_shapes(g, err);
}

int rq_spatial_ckpt_graph(const char *path, int h, int w, rq_ir_graph *g,
                          rq_spatial_ckpt_info *info, rq_error *err)
{
    rq_ir_init(g, path);
    rq_spatial_params sp;
    if (h < 1 || w < 1 || h > 4096 || w > 4096)
        return rq_fail(err, "%s: input size %dx%d out of range", path, h, w);
    if (load_params(path, &sp, err) < 0)
        return -1;
    int rc = build(g, &sp, h, w, err);
    if (info)
        info->contract = sp.contract, info->label_mean = sp.label_mean;
    params_free(&sp);
    return rc;
}
