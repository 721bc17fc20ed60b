/* The .tflite writer and reader: round trips, determinism, hostile files.
 * With "--write DIR" it instead writes the synthetic test models (spatial_cnn.tflite and
 * one file per operator model) for the integration tests that run LiteRT and flatc. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tflite/tfl_model.h"
#include "tflite/tfl_testmodels.h"
#include "tflite/tfl_testmodels_arith.h"

static int same_quant(const rq_tfl_quant *a, const rq_tfl_quant *b)
{
    if (a->n != b->n || (a->n > 1 && a->quantized_dimension != b->quantized_dimension))
        return 0;
    for (int i = 0; i < a->n; i++)
        if (memcmp(&a->scale[i], &b->scale[i], sizeof(float)) || a->zero_point[i] != b->zero_point[i])
            return 0;
    return 1;
}

/* Everything the model API sets must come back from the file. */
static int same_model(const rq_tfl_model *a, const rq_tfl_model *b, char *why, size_t n)
{
    if (a->n_tensors != b->n_tensors || a->n_ops != b->n_ops)
        return snprintf(why, n, "counts"), 0;
    for (int i = 0; i < a->n_tensors; i++) {
        const rq_tfl_tensor *x = &a->tensors[i], *y = &b->tensors[i];
        if (strcmp(x->name, y->name) || x->type != y->type || x->rank != y->rank ||
            memcmp(x->shape, y->shape, sizeof(int32_t) * (size_t)x->rank) ||
            x->data_len != y->data_len || (x->data_len && memcmp(x->data, y->data, x->data_len)) ||
            !same_quant(&x->q, &y->q))
            return snprintf(why, n, "tensor %d (%s)", i, x->name), 0;
    }
    for (int i = 0; i < a->n_ops; i++) {
        const rq_tfl_op *x = &a->ops[i], *y = &b->ops[i];
        const rq_tfl_options *p = &x->opt, *q = &y->opt;
        int conv = x->code == RQ_TFL_OP_CONV_2D || x->code == RQ_TFL_OP_DEPTHWISE_CONV_2D;
        int pool = x->code == RQ_TFL_OP_MAX_POOL_2D || x->code == RQ_TFL_OP_AVERAGE_POOL_2D;
        if (x->code != y->code || x->version != y->version || x->n_inputs != y->n_inputs ||
            x->n_outputs != y->n_outputs ||
            memcmp(x->inputs, y->inputs, sizeof(int32_t) * (size_t)x->n_inputs) ||
            memcmp(x->outputs, y->outputs, sizeof(int32_t) * (size_t)x->n_outputs))
            return snprintf(why, n, "operator %d", i), 0;
        if ((conv || pool) && (p->padding != q->padding || p->stride_w != q->stride_w ||
                               p->stride_h != q->stride_h || p->activation != q->activation))
            return snprintf(why, n, "operator %d options", i), 0;
        if (conv && (p->dilation_w != q->dilation_w || p->dilation_h != q->dilation_h))
            return snprintf(why, n, "operator %d dilation", i), 0;
        if (x->code == RQ_TFL_OP_DEPTHWISE_CONV_2D && p->depth_multiplier != q->depth_multiplier)
            return snprintf(why, n, "operator %d multiplier", i), 0;
        if (pool && (p->filter_w != q->filter_w || p->filter_h != q->filter_h))
            return snprintf(why, n, "operator %d filter", i), 0;
        if ((x->code == RQ_TFL_OP_MEAN || x->code == RQ_TFL_OP_FULLY_CONNECTED) &&
            p->keep_dims != q->keep_dims)
            return snprintf(why, n, "operator %d keep_dims", i), 0;
    }
    if (a->n_inputs != b->n_inputs || a->n_outputs != b->n_outputs ||
        memcmp(a->inputs, b->inputs, sizeof(int32_t) * (size_t)a->n_inputs) ||
        memcmp(a->outputs, b->outputs, sizeof(int32_t) * (size_t)a->n_outputs))
        return snprintf(why, n, "graph io"), 0;
    if (strcmp(a->description, b->description))
        return snprintf(why, n, "description"), 0;
    return 1;
}

static void round_trip(rq_tfl_model *m)
{
    rq_error err = {{0}};
    uint8_t *buf, *buf2;
    size_t len, len2;
    CHECK_MSG(rq_tfl_serialize(m, &buf, &len, &err) == 0, "%.300s", err.msg);
    CHECK(len > 8 && !memcmp(buf + 4, "TFL3", 4));
    rq_tfl_model back;
    int rc = rq_tfl_parse(buf, len, "mem.tflite", &back, &err);
    char why[128] = "";
    int same = rc == 0 && same_model(m, &back, why, sizeof why);
    /* a model read back writes the same bytes: the reader lost nothing the writer wrote */
    int rc2 = rc == 0 ? rq_tfl_serialize(&back, &buf2, &len2, &err) : -1;
    int same_bytes = rc2 == 0 && len2 == len && !memcmp(buf, buf2, len);
    if (rc2 == 0)
        free(buf2);
    free(buf);
    rq_tfl_model_free(&back);
    CHECK_MSG(rc == 0, "%.300s", err.msg);
    CHECK_MSG(same, "differs at %s", why);
    CHECK(same_bytes);
}

static void spatial_cnn_round_trips(void)
{
    rq_tfl_model m;
    rq_error err = {{0}};
    CHECK_MSG(rq_tfl_build_spatial_cnn(&m, 1, &err) == 0, "%.300s", err.msg);
    round_trip(&m);
    rq_tfl_model_free(&m);
}

static void op_models_round_trip(void)
{
    for (int i = 0; rq_tfl_op_model_names[i]; i++) {
        rq_tfl_model m;
        rq_error err = {{0}};
        CHECK_MSG(rq_tfl_build_op_model(&m, rq_tfl_op_model_names[i], 7, &err) == 0, "%.300s",
                  err.msg);
        round_trip(&m);
        rq_tfl_model_free(&m);
        CHECK_MSG(!rq_t_failed_case, "model %s", rq_tfl_op_model_names[i]);
    }
}

static void weights_are_16_byte_aligned(void)
{
    rq_tfl_model m;
    rq_error err = {{0}};
    CHECK(rq_tfl_build_spatial_cnn(&m, 3, &err) == 0);
    uint8_t *buf;
    size_t len;
    CHECK(rq_tfl_serialize(&m, &buf, &len, &err) == 0);
    /* find each weight tensor's bytes in the file: they must start on 16 */
    int found = 0;
    for (int t = 0; t < m.n_tensors; t++) {
        const rq_tfl_tensor *x = &m.tensors[t];
        if (!x->data || x->data_len < 64)
            continue;
        for (size_t p = 0; p + x->data_len <= len; p++)
            if (!memcmp(buf + p, x->data, x->data_len)) {
                CHECK_MSG(p % 16 == 0, "tensor %s at %zu", x->name, p);
                found++;
                break;
            }
    }
    CHECK(found >= 3);
    free(buf);
    rq_tfl_model_free(&m);
}

static void same_model_same_bytes(void)
{
    uint8_t *a, *b;
    size_t la, lb;
    rq_error err = {{0}};
    rq_tfl_model m1, m2;
    CHECK(rq_tfl_build_spatial_cnn(&m1, 5, &err) == 0 && rq_tfl_build_spatial_cnn(&m2, 5, &err) == 0);
    CHECK(rq_tfl_serialize(&m1, &a, &la, &err) == 0 && rq_tfl_serialize(&m2, &b, &lb, &err) == 0);
    CHECK(la == lb && !memcmp(a, b, la));
    free(a);
    free(b);
    rq_tfl_model_free(&m1);
    rq_tfl_model_free(&m2);
}

/* Every truncation and a sweep of byte corruptions: an error naming the file, or a model;
 * never a crash or out-of-bounds read (ASan). */
static void hostile_files_fail_cleanly(void)
{
    rq_tfl_model m;
    rq_error err = {{0}};
    CHECK(rq_tfl_build_op_model(&m, "conv_valid_stride2", 3, &err) == 0);
    uint8_t *buf;
    size_t len;
    CHECK(rq_tfl_serialize(&m, &buf, &len, &err) == 0);
    rq_tfl_model_free(&m);
    uint8_t *copy = malloc(len);
    for (size_t cut = 0; cut < len; cut += 1) {
        memcpy(copy, buf, cut);
        rq_tfl_model r;
        int rc = rq_tfl_parse(copy, cut, "bad.tflite", &r, &err);
        rq_tfl_model_free(&r);
        if (rc == 0)
            continue; /* a prefix may still hold a complete model only if nothing was cut */
        CHECK_MSG(!strncmp(err.msg, "bad.tflite: ", 12) && !strchr(err.msg, '\n'), "%.300s", err.msg);
    }
    uint32_t x = 12345;
    for (size_t i = 0; i < len; i++)
        for (int k = 0; k < 4; k++) {
            memcpy(copy, buf, len);
            x = x * 1103515245u + 12345u;
            copy[i] = (uint8_t)(x >> 16);
            rq_tfl_model r;
            int rc = rq_tfl_parse(copy, len, "bad.tflite", &r, &err);
            if (rc == 0)
                (void)rq_tfl_validate(&r, "bad.tflite", &err);
            rq_tfl_model_free(&r);
            if (rc)
                CHECK_MSG(!strncmp(err.msg, "bad.tflite: ", 12) && !strchr(err.msg, '\n'), "%.300s",
                          err.msg);
        }
    free(copy);
    free(buf);
}

static void specific_damage_is_named(void)
{
    rq_error err = {{0}};
    rq_tfl_model r;
    uint8_t junk[16] = {0};
    CHECK(rq_tfl_parse(junk, 5, "x.tflite", &r, &err) == -1);
    CHECK(strstr(err.msg, "too short"));
    rq_tfl_model_free(&r);
    memcpy(junk + 4, "TFL2", 4);
    CHECK(rq_tfl_parse(junk, 16, "x.tflite", &r, &err) == -1);
    CHECK(strstr(err.msg, "identifier"));
    rq_tfl_model_free(&r);
    CHECK(rq_tfl_read("/nonexistent/x.tflite", &r, &err) == -1);
    CHECK(strstr(err.msg, "/nonexistent/x.tflite"));
    rq_tfl_model_free(&r);
}

/* What the model API was asked to write, as JSON, for the flatc cross-check. */
static void describe(const rq_tfl_model *m, FILE *f)
{
    fprintf(f, "{\"description\": \"%s\", \"inputs\": [", m->description);
    for (int i = 0; i < m->n_inputs; i++)
        fprintf(f, "%s%d", i ? ", " : "", (int)m->inputs[i]);
    fprintf(f, "], \"outputs\": [");
    for (int i = 0; i < m->n_outputs; i++)
        fprintf(f, "%s%d", i ? ", " : "", (int)m->outputs[i]);
    fprintf(f, "],\n \"tensors\": [\n");
    for (int t = 0; t < m->n_tensors; t++) {
        const rq_tfl_tensor *x = &m->tensors[t];
        fprintf(f, "  {\"name\": \"%s\", \"type\": \"%s\", \"shape\": [", x->name,
                rq_tfl_type_name(x->type));
        for (int d = 0; d < x->rank; d++)
            fprintf(f, "%s%d", d ? ", " : "", (int)x->shape[d]);
        fprintf(f, "], \"scale\": [");
        for (int i = 0; i < x->q.n; i++)
            fprintf(f, "%s%.9g", i ? ", " : "", x->q.scale[i]);
        fprintf(f, "], \"zero_point\": [");
        for (int i = 0; i < x->q.n; i++)
            fprintf(f, "%s%lld", i ? ", " : "", (long long)x->q.zero_point[i]);
        fprintf(f, "], \"quantized_dimension\": %d, \"data\": [", x->q.quantized_dimension);
        for (size_t i = 0; x->data && i < x->data_len; i++)
            fprintf(f, "%s%u", i ? "," : "", x->data[i]);
        fprintf(f, "]}%s\n", t + 1 < m->n_tensors ? "," : "");
    }
    fprintf(f, " ],\n \"operators\": [\n");
    for (int o = 0; o < m->n_ops; o++) {
        const rq_tfl_op *op = &m->ops[o];
        const rq_tfl_options *q = &op->opt;
        fprintf(f, "  {\"code\": \"%s\", \"version\": %d, \"inputs\": [",
                rq_tfl_builtin_name(op->code), op->version);
        for (int i = 0; i < op->n_inputs; i++)
            fprintf(f, "%s%d", i ? ", " : "", (int)op->inputs[i]);
        fprintf(f, "], \"outputs\": [");
        for (int i = 0; i < op->n_outputs; i++)
            fprintf(f, "%s%d", i ? ", " : "", (int)op->outputs[i]);
        fprintf(f, "], \"padding\": %d, \"stride_w\": %d, \"stride_h\": %d, "
                   "\"dilation_w\": %d, \"dilation_h\": %d, \"depth_multiplier\": %d, "
                   "\"filter_w\": %d, \"filter_h\": %d, \"activation\": %d, "
                   "\"keep_dims\": %d, \"beta\": %.9g, \"alpha\": %.9g, "
                   "\"output_type\": \"%s\"}%s\n",
                (int)q->padding, q->stride_w, q->stride_h, q->dilation_w, q->dilation_h,
                q->depth_multiplier, q->filter_w, q->filter_h, (int)q->activation, q->keep_dims,
                (double)q->beta, (double)q->alpha, rq_tfl_type_name(q->output_type),
                o + 1 < m->n_ops ? "," : "");
    }
    fprintf(f, " ]}\n");
}

static int write_one(const rq_tfl_model *m, const char *dir, const char *name, rq_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.tflite", dir, name);
    if (rq_tfl_write(m, path, err))
        return -1;
    snprintf(path, sizeof path, "%s/%s.expect.json", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return rq_fail(err, "%s: cannot create", path);
    describe(m, f);
    return fclose(f) ? rq_fail(err, "%s: write failed", path) : 0;
}

static int write_models(const char *dir)
{
    rq_error err = {{0}};
    char path[256];
    rq_tfl_model m;
    for (uint64_t s = 1; s <= 2; s++) {
        if (rq_tfl_build_spatial_cnn(&m, s, &err))
            goto fail;
        snprintf(path, sizeof path, "spatial_cnn_%d", (int)s);
        if (write_one(&m, dir, path, &err))
            goto fail;
        rq_tfl_model_free(&m);
    }
    for (int i = 0; rq_tfl_op_model_names[i]; i++) {
        if (rq_tfl_build_op_model(&m, rq_tfl_op_model_names[i], 11 + (uint64_t)i, &err))
            goto fail;
        snprintf(path, sizeof path, "op_%s", rq_tfl_op_model_names[i]);
        if (write_one(&m, dir, path, &err))
            goto fail;
        rq_tfl_model_free(&m);
    }
    if (rq_tfl_build_two_branch_model(&m, 7, &err) || write_one(&m, dir, "two_branch", &err))
        goto fail;
    rq_tfl_model_free(&m);
    /* the arithmetic and activation operators (their options tables in particular) */
    for (int i = 0; rq_tfl_arith_model_name(i); i++) {
        if (rq_tfl_build_arith_model(&m, rq_tfl_arith_model_name(i), 3, &err))
            goto fail;
        snprintf(path, sizeof path, "ops_%s", rq_tfl_arith_model_name(i));
        if (write_one(&m, dir, path, &err))
            goto fail;
        rq_tfl_model_free(&m);
    }
    if (rq_tfl_build_branch_model(&m, 9, &err) || write_one(&m, dir, "branches", &err))
        goto fail;
    rq_tfl_model_free(&m);
    return 0;
fail:
    rq_tfl_model_free(&m);
    fprintf(stderr, "%s\n", err.msg);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--write"))
        return write_models(argv[2]);
    RUN(spatial_cnn_round_trips);
    RUN(op_models_round_trip);
    RUN(weights_are_16_byte_aligned);
    RUN(same_model_same_bytes);
    RUN(hostile_files_fail_cleanly);
    RUN(specific_damage_is_named);
    TEST_EXIT();
}
