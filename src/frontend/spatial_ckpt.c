#include "frontend/spatial_ckpt.h"

#include <stdio.h>

#include "model/spatial_cnn.h"

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
    if (rq_spatial_load_params(path, &sp, err) < 0)
        return -1;
    int rc = build(g, &sp, h, w, err);
    if (info)
        info->contract = sp.contract, info->label_mean = sp.label_mean;
    rq_spatial_params_free(&sp);
    return rc;
}
