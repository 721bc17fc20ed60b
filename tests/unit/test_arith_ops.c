/* The arithmetic and activation operators of the int8 engine.
 *
 * Without arguments: unit cases (every test model prepares in both roundings and survives
 * a file round trip with its options; properties checked by independent loops here; one-line
 * errors for bad input). The bit-exact proof against TFLite Micro and LiteRT is
 * tests/integration/ops_tflm.sh / ops_litert.sh, which use the two other modes:
 *
 *   test_arith_ops --write DIR   DIR/NAME.tflite and DIR/NAME.in (N_SETS input sets, each the
 *                                graph inputs' bytes concatenated, as rppgq infer and
 *                                tflm_run take them) per model, and DIR/models.txt:
 *                                "NAME N_SETS IN_BYTES OUT_BYTES" */
#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"
#include "engine/engine.h"
#include "harness.h"
#include "tflite/tfl_testmodels_arith.h"

#define N_SETS 3

/* ---- helpers --------------------------------------------------------------------------- */

static uint64_t rng_state = 99;
static uint32_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static size_t tensor_bytes(const rq_tfl_model *m, int t)
{
    return (size_t)rq_tfl_num_elements(&m->tensors[t]) * rq_tfl_type_size(m->tensors[t].type);
}

static size_t graph_bytes(const rq_tfl_model *m, const int32_t *idx, int n)
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += tensor_bytes(m, idx[i]);
    return total;
}

/* Set 0 walks through every byte value (all 256 int8 inputs when there are enough
 * elements); the other sets are random. Floats: random in [-8, 8) with exact halves. */
static void fill_input(const rq_tfl_tensor *t, int set, uint8_t *buf)
{
    size_t n = (size_t)rq_tfl_num_elements(t);
    for (size_t i = 0; i < n; i++) {
        if (t->type == RQ_TFL_FLOAT32) {
            float f = (float)((int32_t)(rnd() % 65536) - 32768) / 4096.0f;
            memcpy(buf + 4 * i, &f, 4);
        } else {
            buf[i] = set == 0 ? (uint8_t)(i * 7 + 3) : (uint8_t)rnd();
        }
    }
}

static int run_sets(const rq_tfl_model *m, rq_tfl_rounding r, const uint8_t *in, size_t n_sets,
                    uint8_t *out, rq_error *err)
{
    rq_tfl_engine *e;
    if (rq_tfl_prepare(m, r, &e, err))
        return -1;
    rq_tfl_scratch *s = rq_tfl_scratch_new(e);
    if (!s) {
        rq_tfl_engine_free(e);
        return rq_fail(err, "out of memory");
    }
    for (size_t k = 0; k < n_sets; k++) {
        for (int i = 0; i < m->n_inputs; i++) {
            size_t b = tensor_bytes(m, m->inputs[i]);
            memcpy(rq_tfl_input(e, s, i), in, b);
            in += b;
        }
        rq_tfl_invoke(e, s);
        for (int i = 0; i < m->n_outputs; i++) {
            size_t b = tensor_bytes(m, m->outputs[i]);
            memcpy(out, rq_tfl_output(e, s, i), b);
            out += b;
        }
    }
    rq_tfl_scratch_free(s);
    rq_tfl_engine_free(e);
    return 0;
}

/* ---- --write mode ------------------------------------------------------------- */

static int write_models(const char *dir)
{
    rq_error err = {{0}};
    char path[1024], list[1 << 14];
    size_t used = 0;
    for (int i = 0; rq_tfl_arith_model_name(i); i++) {
        const char *name = rq_tfl_arith_model_name(i);
        rq_tfl_model m;
        if (rq_tfl_build_arith_model(&m, name, 7, &err))
            goto fail;
        snprintf(path, sizeof path, "%s/%s.tflite", dir, name);
        if (rq_tfl_write(&m, path, &err))
            goto fail;
        size_t in_b = graph_bytes(&m, m.inputs, m.n_inputs);
        size_t out_b = graph_bytes(&m, m.outputs, m.n_outputs);
        uint8_t *in = malloc(in_b * N_SETS), *p = in;
        for (int k = 0; k < N_SETS; k++)
            for (int j = 0; j < m.n_inputs; j++) {
                fill_input(&m.tensors[m.inputs[j]], k, p);
                p += tensor_bytes(&m, m.inputs[j]);
            }
        snprintf(path, sizeof path, "%s/%s.in", dir, name);
        int rc = rq_write_file_atomic(path, in, in_b * N_SETS, &err);
        free(in);
        rq_tfl_model_free(&m);
        if (rc)
            goto fail;
        used += (size_t)snprintf(list + used, sizeof list - used, "%s %d %zu %zu\n", name, N_SETS,
                                 in_b, out_b);
        continue;
    fail:
        fprintf(stderr, "test_arith_ops: %s: %s\n", name, err.msg);
        rq_tfl_model_free(&m);
        return 1;
    }
    snprintf(path, sizeof path, "%s/models.txt", dir);
    if (rq_write_file_atomic(path, list, used, &err)) {
        fprintf(stderr, "test_arith_ops: %s\n", err.msg);
        return 1;
    }
    return 0;
}

/* ---- unit cases ---------------------------------------------------------------------------- */

static void every_model_prepares_and_round_trips(void)
{
    rq_error err = {{0}};
    for (int i = 0; rq_tfl_arith_model_name(i); i++) {
        const char *name = rq_tfl_arith_model_name(i);
        rq_tfl_model m, back;
        rq_tfl_engine *e;
        uint8_t *bytes;
        size_t len;
        CHECK_MSG(rq_tfl_build_arith_model(&m, name, 3, &err) == 0, "%s: %.300s", name, err.msg);
        for (int r = 0; r < 2; r++) {
            CHECK_MSG(rq_tfl_prepare(&m, r ? RQ_TFL_ROUND_SINGLE : RQ_TFL_ROUND_DOUBLE, &e, &err) == 0,
                      "%s: %.300s", name, err.msg);
            rq_tfl_engine_free(e);
        }
        CHECK(rq_tfl_serialize(&m, &bytes, &len, &err) == 0);
        CHECK_MSG(rq_tfl_parse(bytes, len, name, &back, &err) == 0, "%.300s", err.msg);
        free(bytes);
        const rq_tfl_options *a = &m.ops[0].opt, *b = &back.ops[0].opt;
        CHECK_MSG(back.ops[0].code == m.ops[0].code && back.ops[0].version == m.ops[0].version &&
                      a->activation == b->activation && a->keep_dims == b->keep_dims, "%s", name);
        if (m.ops[0].code == RQ_TFL_OP_SOFTMAX)
            CHECK(a->beta == b->beta);
        if (m.ops[0].code == RQ_TFL_OP_LEAKY_RELU)
            CHECK(a->alpha == b->alpha);
        if (m.ops[0].code == RQ_TFL_OP_ARG_MAX)
            CHECK(a->output_type == b->output_type && b->output_type == back.tensors[back.outputs[0]].type);
        if (m.ops[0].code == RQ_TFL_OP_TRANSPOSE_CONV)
            CHECK(a->padding == b->padding && a->stride_w == b->stride_w && a->stride_h == b->stride_h);
        rq_tfl_model_free(&back);
        rq_tfl_model_free(&m);
    }
}

/* Runs model `name` (one input) on random bytes: in and out of set 1. */
static int run_one(const char *name, rq_tfl_rounding r, rq_tfl_model *m, uint8_t **in, uint8_t **out)
{
    rq_error err = {{0}};
    if (rq_tfl_build_arith_model(m, name, 5, &err))
        return -1;
    size_t in_b = graph_bytes(m, m->inputs, m->n_inputs), out_b = graph_bytes(m, m->outputs, 1);
    *in = malloc(in_b);
    *out = malloc(out_b);
    uint8_t *p = *in;
    for (int j = 0; j < m->n_inputs; j++) {
        fill_input(&m->tensors[m->inputs[j]], 1, p);
        p += tensor_bytes(m, m->inputs[j]);
    }
    return run_sets(m, r, *in, 1, *out, &err);
}

/* Index of output element o in an input of shape `in` right-aligned to the output. */
static size_t bcast_index(const rq_tfl_tensor *out, const rq_tfl_tensor *in, size_t o)
{
    size_t idx = 0, stride = 1;
    for (int d = out->rank - 1; d >= 0; d--) {
        size_t coord = o % (size_t)out->shape[d];
        o /= (size_t)out->shape[d];
        int di = d - (out->rank - in->rank);
        if (di < 0)
            continue;
        if (in->shape[di] != 1)
            idx += coord * stride;
        stride *= (size_t)in->shape[di];
    }
    return idx;
}

/* MAXIMUM / MINIMUM / float ADD, SUB, MUL: the broadcast element by element, computed here
 * by plain index arithmetic. */
static void broadcast_ops_match_index_arithmetic(void)
{
    const char *names[] = {"maximum_bcast", "minimum_same", "add_f32_bcast", "sub_f32",
                           "mul_f32_relu", "maximum_f32"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        rq_tfl_model m;
        uint8_t *in = NULL, *out = NULL;
        CHECK(run_one(names[k], RQ_TFL_ROUND_DOUBLE, &m, &in, &out) == 0);
        const rq_tfl_tensor *a = &m.tensors[m.ops[0].inputs[0]], *b = &m.tensors[m.ops[0].inputs[1]];
        const rq_tfl_tensor *o = &m.tensors[m.outputs[0]];
        const uint8_t *bd = m.n_inputs > 1 ? in + tensor_bytes(&m, m.inputs[0]) : b->data;
        size_t n = (size_t)rq_tfl_num_elements(o), bad = 0;
        for (size_t i = 0; i < n; i++) {
            size_t ia = bcast_index(o, a, i), ib = bcast_index(o, b, i);
            if (o->type == RQ_TFL_INT8) {
                int8_t x = (int8_t)in[ia], y = (int8_t)bd[ib], want;
                want = m.ops[0].code == RQ_TFL_OP_MAXIMUM ? (x > y ? x : y) : (x < y ? x : y);
                bad += (int8_t)out[i] != want;
            } else {
                float x, y, got, want;
                memcpy(&x, in + 4 * ia, 4);
                memcpy(&y, bd + 4 * ib, 4);
                memcpy(&got, out + 4 * i, 4);
                switch ((int)m.ops[0].code) {
                case RQ_TFL_OP_ADD: want = x + y; want = want < 0 ? 0 : want > 6 ? 6 : want; break;
                case RQ_TFL_OP_SUB: want = x - y; break;
                case RQ_TFL_OP_MUL: want = x * y; want = want < 0 ? 0 : want; break;
                default: want = x > y ? x : y; break;
                }
                bad += memcmp(&got, &want, 4) != 0;
            }
        }
        CHECK_MSG(bad == 0, "%s: %zu of %zu elements differ", names[k], bad, n);
        free(in);
        free(out);
        rq_tfl_model_free(&m);
    }
}

/* ARG_MAX: the first index of the maximum along the axis; QUANTIZE uint8 -> int8 with equal
 * scales and zero points 128 apart flips the top bit. */
static void arg_max_and_uint8_quantize_properties(void)
{
    rq_tfl_model m;
    uint8_t *in = NULL, *out = NULL;
    CHECK(run_one("arg_max_channels", RQ_TFL_ROUND_DOUBLE, &m, &in, &out) == 0);
    for (int p = 0; p < 25; p++) {
        int best = 0;
        for (int c = 1; c < 10; c++)
            if ((int8_t)in[p * 10 + c] > (int8_t)in[p * 10 + best])
                best = c;
        int32_t got;
        memcpy(&got, out + 4 * p, 4);
        CHECK_MSG(got == best, "position %d: %d, want %d", p, (int)got, best);
    }
    free(in);
    free(out);
    rq_tfl_model_free(&m);
    CHECK(run_one("quantize_u8_to_i8", RQ_TFL_ROUND_DOUBLE, &m, &in, &out) == 0);
    for (int i = 0; i < 256; i++)
        CHECK(out[i] == (in[i] ^ 0x80));
    free(in);
    free(out);
    rq_tfl_model_free(&m);
}

/* SOFTMAX rows sum to about 1 (256 in output units) and keep the order of the inputs. */
static void softmax_rows_are_distributions(void)
{
    rq_tfl_model m;
    uint8_t *in = NULL, *out = NULL;
    CHECK(run_one("softmax", RQ_TFL_ROUND_DOUBLE, &m, &in, &out) == 0);
    for (int r = 0; r < 8; r++) {
        int sum = 0;
        for (int c = 0; c < 10; c++) {
            sum += (int8_t)out[r * 10 + c] + 128;
            for (int d = 0; d < 10; d++)
                if ((int8_t)in[r * 10 + c] > (int8_t)in[r * 10 + d])
                    CHECK((int8_t)out[r * 10 + c] >= (int8_t)out[r * 10 + d]);
        }
        CHECK_MSG(sum >= 256 - 10 && sum <= 256 + 10, "row %d sums to %d/256", r, sum);
    }
    free(in);
    free(out);
    rq_tfl_model_free(&m);
}

/* Bad input: one line naming the operator index, its name and what is wrong. */
static void expect_prepare_error(rq_tfl_model *m, const char *want1, const char *want2)
{
    rq_error err = {{0}};
    rq_tfl_engine *e = NULL;
    CHECK(rq_tfl_prepare(m, RQ_TFL_ROUND_DOUBLE, &e, &err) != 0);
    CHECK(e == NULL);
    CHECK_MSG(strstr(err.msg, want1) && strstr(err.msg, want2) && !strchr(err.msg, '\n'),
              "message: %.300s", err.msg);
}

static void bad_shapes_and_scales_are_refused(void)
{
    rq_error err = {{0}};
    rq_tfl_model m;
    /* shapes that do not broadcast */
    CHECK(rq_tfl_build_arith_model(&m, "add_bcast_4d", 1, &err) == 0);
    m.tensors[m.ops[0].inputs[1]].shape[2] = 3; /* [1,1,3,5] against [1,6,1,5] -> fine... */
    m.tensors[m.ops[0].inputs[0]].shape[2] = 2; /* ...but [1,6,2,5] does not take 3 */
    expect_prepare_error(&m, "operator 0 (ADD)", "do not broadcast");
    rq_tfl_model_free(&m);
    /* an output that is not the broadcast shape */
    CHECK(rq_tfl_build_arith_model(&m, "mul_same", 1, &err) == 0);
    m.tensors[m.outputs[0]].shape[3] = 6;
    expect_prepare_error(&m, "operator 0 (MUL)", "is not the broadcast");
    rq_tfl_model_free(&m);
    /* ADD whose output scale is far below its inputs' (TFLM's rescale >= 1) */
    CHECK(rq_tfl_build_arith_model(&m, "add_same", 1, &err) == 0);
    m.tensors[m.outputs[0]].q.scale[0] = 1e-9f;
    expect_prepare_error(&m, "operator 0 (ADD)", "too small");
    rq_tfl_model_free(&m);
    /* SOFTMAX output must be 1/256, -128 */
    CHECK(rq_tfl_build_arith_model(&m, "softmax", 1, &err) == 0);
    m.tensors[m.outputs[0]].q.zero_point[0] = 0;
    expect_prepare_error(&m, "operator 0 (SOFTMAX)", "1/256");
    rq_tfl_model_free(&m);
    /* TRANSPOSE_CONV output_shape constant disagreeing with the output tensor */
    CHECK(rq_tfl_build_arith_model(&m, "transpose_conv_s2_same", 1, &err) == 0);
    m.tensors[m.outputs[0]].shape[1] = 11;
    expect_prepare_error(&m, "operator 0 (TRANSPOSE_CONV)", "output_shape[1]");
    rq_tfl_model_free(&m);
    /* TRANSPOSE_CONV whose scatter would take more than 2^31 multiply-adds */
    CHECK(rq_tfl_build_arith_model(&m, "transpose_conv_s2_same", 1, &err) == 0);
    m.tensors[m.inputs[0]].shape[1] = 10000;
    m.tensors[m.inputs[0]].shape[2] = 5000;
    expect_prepare_error(&m, "operator 0 (TRANSPOSE_CONV)", "multiply-adds");
    rq_tfl_model_free(&m);
    /* REDUCE_MAX with requantization (TFLite requires equal parameters) */
    CHECK(rq_tfl_build_arith_model(&m, "reduce_max_hw", 1, &err) == 0);
    m.tensors[m.outputs[0]].q.scale[0] *= 2;
    expect_prepare_error(&m, "operator 0 (REDUCE_MAX)", "quantization differ");
    rq_tfl_model_free(&m);
    /* HARD_SWISH with an output multiplier above one */
    CHECK(rq_tfl_build_arith_model(&m, "hard_swish", 1, &err) == 0);
    m.tensors[m.outputs[0]].q.scale[0] = 1e-6f;
    expect_prepare_error(&m, "operator 0 (HARD_SWISH)", "output scale");
    rq_tfl_model_free(&m);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--write"))
        return write_models(argv[2]);
    RUN(every_model_prepares_and_round_trips);
    RUN(broadcast_ops_match_index_arithmetic);
    RUN(arg_max_and_uint8_quantize_properties);
    RUN(softmax_rows_are_distributions);
    RUN(bad_shapes_and_scales_are_refused);
    TEST_EXIT();
}
