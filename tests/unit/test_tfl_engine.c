/* The int8 engine: hand-computed small cases, intermediate tensors, threads sharing one
 * prepared model, and clear errors for what it does not run. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tflite/tfl_arith.h"
#include "engine/engine.h"
#include "tflite/tfl_testmodels.h"

/* 3x3 input, 3x3 kernel of ones, SAME: each output sums the valid neighbours of (x - zp);
 * scales 1 so the requantization is exact. Corners see 4 taps, edges 6, the centre 9. */
static void conv_same_padding_skips_outside_taps(void)
{
    rq_tfl_model m;
    rq_error err = {{0}};
    rq_tfl_model_init(&m);
    int32_t xs[4] = {1, 3, 3, 1}, ws[4] = {1, 3, 3, 1}, bs[1] = {1};
    float one = 1.0f;
    int64_t zp_in = -5, zero = 0;
    int x = rq_tfl_add_tensor(&m, "x", RQ_TFL_INT8, 4, xs, &err);
    int w = rq_tfl_add_tensor(&m, "w", RQ_TFL_INT8, 4, ws, &err);
    int b = rq_tfl_add_tensor(&m, "b", RQ_TFL_INT32, 1, bs, &err);
    int y = rq_tfl_add_tensor(&m, "y", RQ_TFL_INT8, 4, xs, &err);
    int8_t wd[9];
    memset(wd, 1, sizeof wd);
    int32_t bias = 2;
    CHECK(rq_tfl_set_data(&m, w, wd, 9, &err) == 0 && rq_tfl_set_data(&m, b, &bias, 4, &err) == 0);
    CHECK(rq_tfl_set_quant(&m, x, 1, &one, &zp_in, 0, &err) == 0);
    CHECK(rq_tfl_set_quant(&m, w, 1, &one, &zero, 0, &err) == 0);
    CHECK(rq_tfl_set_quant(&m, b, 1, &one, &zero, 0, &err) == 0);
    CHECK(rq_tfl_set_quant(&m, y, 1, &one, &zero, 0, &err) == 0);
    int32_t in[3] = {x, w, b};
    CHECK(rq_tfl_add_op(&m, RQ_TFL_OP_CONV_2D, 3, in, 1, &y, NULL, &err) == 0);
    CHECK(rq_tfl_set_graph_io(&m, 1, &x, 1, &y, &err) == 0);
    rq_tfl_engine *e;
    CHECK_MSG(rq_tfl_prepare(&m, RQ_TFL_ROUND_DOUBLE, &e, &err) == 0, "%.300s", err.msg);
    rq_tfl_scratch *s = rq_tfl_scratch_new(e);
    int8_t xin[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, out[9];
    rq_tfl_run(e, s, xin, out);
    /* x - zp = x + 5 */
    int8_t want[9];
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++) {
            int acc = bias;
            for (int dr = -1; dr <= 1; dr++)
                for (int dc = -1; dc <= 1; dc++)
                    if (r + dr >= 0 && r + dr < 3 && c + dc >= 0 && c + dc < 3)
                        acc += xin[(r + dr) * 3 + c + dc] + 5;
            want[r * 3 + c] = (int8_t)(acc > 127 ? 127 : acc);
        }
    CHECK(want[0] == 2 + (1 + 2 + 4 + 5) + 20); /* the hand value for the corner */
    CHECK(!memcmp(out, want, 9));
    rq_tfl_scratch_free(s);
    rq_tfl_engine_free(e);
    rq_tfl_model_free(&m);
}

/* The seed-like model's pool1 output must be the 2x2 max of its conv1 output, both read
 * back as intermediate tensors after one run. */
static void intermediate_tensors_are_readable(void)
{
    rq_tfl_model m;
    rq_error err = {{0}};
    CHECK(rq_tfl_build_spatial_cnn(&m, 4, &err) == 0);
    rq_tfl_engine *e;
    rq_tfl_engine_opts keep = {RQ_TFL_ROUND_DOUBLE, 1};
    CHECK(rq_tfl_prepare_opts(&m, &keep, &e, &err) == 0);
    rq_tfl_scratch *s = rq_tfl_scratch_new(e);
    int8_t *in = rq_tfl_input(e, s, 0);
    for (int i = 0; i < 3888; i++)
        in[i] = (int8_t)((i * 37) % 256 - 128);
    rq_tfl_invoke(e, s);
    int conv1 = -1, pool1 = -1;
    for (int t = 0; t < m.n_tensors; t++) {
        if (!strcmp(m.tensors[t].name, "conv1"))
            conv1 = t;
        if (!strcmp(m.tensors[t].name, "pool1"))
            pool1 = t;
    }
    CHECK(conv1 >= 0 && pool1 >= 0);
    CHECK(rq_tfl_tensor_bytes(e, conv1) == 36 * 36 * 16 && rq_tfl_tensor_bytes(e, pool1) == 18 * 18 * 16);
    const int8_t *c = rq_tfl_tensor_data(e, s, conv1), *p = rq_tfl_tensor_data(e, s, pool1);
    int distinct = 0;
    for (int y = 0; y < 18; y++)
        for (int x = 0; x < 18; x++)
            for (int ch = 0; ch < 16; ch++) {
                int mx = -128;
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++) {
                        int v = c[((2 * y + dy) * 36 + 2 * x + dx) * 16 + ch];
                        mx = v > mx ? v : mx;
                    }
                CHECK(p[(y * 18 + x) * 16 + ch] == mx);
                distinct += mx != -128;
            }
    CHECK(distinct > 100); /* the activations are not all clipped */
    rq_tfl_scratch_free(s);
    rq_tfl_engine_free(e);
    rq_tfl_model_free(&m);
}

typedef struct job {
    const rq_tfl_engine *e;
    const int8_t *inputs;
    int8_t *outputs;
    int n;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    rq_tfl_scratch *s = rq_tfl_scratch_new(j->e);
    for (int i = 0; i < j->n; i++)
        rq_tfl_run(j->e, s, j->inputs + (size_t)i * 3888, j->outputs + (size_t)i * 16);
    rq_tfl_scratch_free(s);
    return NULL;
}

static void threads_share_one_prepared_model(void)
{
    rq_tfl_model m;
    rq_error err = {{0}};
    CHECK(rq_tfl_build_spatial_cnn(&m, 9, &err) == 0);
    rq_tfl_engine *e;
    CHECK(rq_tfl_prepare(&m, RQ_TFL_ROUND_DOUBLE, &e, &err) == 0);
    enum { N = 32, T = 4 };
    int8_t *in = malloc((size_t)N * 3888), *ref = malloc(N * 16), *out = malloc((size_t)T * N * 16);
    for (int i = 0; i < N * 3888; i++)
        in[i] = (int8_t)(((i * 2654435761u) >> 13) & 0xff);
    job one = {e, in, ref, N};
    run_job(&one);
    pthread_t th[T];
    job jobs[T];
    for (int t = 0; t < T; t++) {
        jobs[t] = (job){e, in, out + (size_t)t * N * 16, N};
        pthread_create(&th[t], NULL, run_job, &jobs[t]);
    }
    for (int t = 0; t < T; t++)
        pthread_join(th[t], NULL);
    int same = 1;
    for (int t = 0; t < T; t++)
        same &= !memcmp(out + (size_t)t * N * 16, ref, N * 16);
    free(in);
    free(ref);
    free(out);
    rq_tfl_engine_free(e);
    rq_tfl_model_free(&m);
    CHECK(same);
}

/* The engine's optimized convolution (gathered patches, folded zero point, row
 * requantizer) against the plain reference loop written with the shared arithmetic
 * (rq_mbqm = runtime/int8_kernels), for both roundings, on random inputs. */
static void conv_matches_plain_reference_loop(void)
{
    rq_tfl_model m;
    rq_error err = {{0}};
    CHECK(rq_tfl_build_op_model(&m, "conv_valid_stride2", 21, &err) == 0);
    const rq_tfl_op *op = &m.ops[0];
    const rq_tfl_tensor *x = &m.tensors[op->inputs[0]], *w = &m.tensors[op->inputs[1]],
                        *b = &m.tensors[op->inputs[2]], *y = &m.tensors[op->outputs[0]];
    int H = x->shape[1], W = x->shape[2], C = x->shape[3];
    int OH = y->shape[1], OW = y->shape[2], OC = y->shape[3], K = w->shape[1];
    int s = op->opt.stride_h, zp_in = (int)x->q.zero_point[0], zp_out = (int)y->q.zero_point[0];
    int8_t in[11 * 10 * 4], got[5 * 4 * 6], want[5 * 4 * 6];
    CHECK(H * W * C == (int)sizeof in && OH * OW * OC == (int)sizeof got);
    for (int single = 0; single < 2; single++) {
        rq_tfl_engine *e;
        CHECK(rq_tfl_prepare(&m, single ? RQ_TFL_ROUND_SINGLE : RQ_TFL_ROUND_DOUBLE, &e, &err) == 0);
        rq_tfl_scratch *sc = rq_tfl_scratch_new(e);
        for (int trial = 0; trial < 50; trial++) {
            for (size_t i = 0; i < sizeof in; i++)
                in[i] = (int8_t)(((i + 1) * 2654435761u * (unsigned)(trial + 3)) >> 24);
            rq_tfl_run(e, sc, in, got);
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++)
                    for (int oc = 0; oc < OC; oc++) {
                        int32_t acc;
                        memcpy(&acc, b->data + 4 * oc, 4);
                        for (int ky = 0; ky < K; ky++)
                            for (int kx = 0; kx < K; kx++)
                                for (int c = 0; c < C; c++) {
                                    int iy = oy * s + ky, ix = ox * s + kx;
                                    acc += (int8_t)w->data[((oc * K + ky) * K + kx) * C + c] *
                                           (in[(iy * W + ix) * C + c] - zp_in);
                                }
                        int32_t q;
                        int sh;
                        rq_quantize_multiplier((double)x->q.scale[0] * (double)w->q.scale[oc] /
                                                   (double)y->q.scale[0], &q, &sh);
                        int32_t v = rq_mbqm(acc, q, sh, single) + zp_out;
                        want[(oy * OW + ox) * OC + oc] = (int8_t)(v < -128 ? -128 : v > 127 ? 127 : v);
                    }
            CHECK_MSG(!memcmp(got, want, sizeof got), "rounding %d trial %d", single, trial);
        }
        rq_tfl_scratch_free(sc);
        rq_tfl_engine_free(e);
    }
    rq_tfl_model_free(&m);
}

static void refuses_what_it_cannot_run(void)
{
    rq_tfl_model m;
    rq_error err = {{0}};
    rq_tfl_engine *e = NULL;
    /* an operator it does not run (REDUCE_PROD) */
    rq_tfl_model_init(&m);
    int32_t sh[2] = {1, 4};
    float sc = 0.1f;
    int64_t zp = 0;
    int a = rq_tfl_add_tensor(&m, "a", RQ_TFL_INT8, 2, sh, &err);
    int c = rq_tfl_add_tensor(&m, "c", RQ_TFL_INT8, 2, sh, &err);
    rq_tfl_set_quant(&m, a, 1, &sc, &zp, 0, &err);
    rq_tfl_set_quant(&m, c, 1, &sc, &zp, 0, &err);
    int32_t ins[2] = {a, a};
    CHECK(rq_tfl_add_op(&m, (rq_tfl_builtin)81, 2, ins, 1, &c, NULL, &err) == 0);
    rq_tfl_set_graph_io(&m, 1, &a, 1, &c, &err);
    CHECK(rq_tfl_prepare(&m, RQ_TFL_ROUND_DOUBLE, &e, &err) == -1 && e == NULL);
    CHECK_MSG(strstr(err.msg, "operator 0 (REDUCE_PROD)") && strstr(err.msg, "not supported"),
              "%.300s", err.msg);
    rq_tfl_model_free(&m);
    /* a float input to a convolution */
    CHECK(rq_tfl_build_op_model(&m, "conv_valid_stride2", 1, &err) == 0);
    m.tensors[m.inputs[0]].type = RQ_TFL_FLOAT32;
    CHECK(rq_tfl_prepare(&m, RQ_TFL_ROUND_DOUBLE, &e, &err) == -1);
    CHECK_MSG(strstr(err.msg, "CONV_2D") && strstr(err.msg, "FLOAT32"), "%.300s", err.msg);
    rq_tfl_model_free(&m);
    /* an output shape that does not follow from padding and stride */
    CHECK(rq_tfl_build_op_model(&m, "maxpool_same3", 1, &err) == 0);
    m.tensors[m.outputs[0]].shape[1] = 5;
    CHECK(rq_tfl_prepare(&m, RQ_TFL_ROUND_DOUBLE, &e, &err) == -1);
    CHECK_MSG(strstr(err.msg, "output shape"), "%.300s", err.msg);
    rq_tfl_model_free(&m);
    /* activations a hostile file may declare: 2 x 2 GB is refused before allocating */
    rq_tfl_model_init(&m);
    int32_t big[4] = {1, 46340, 46340, 1};
    a = rq_tfl_add_tensor(&m, "a", RQ_TFL_INT8, 4, big, &err);
    c = rq_tfl_add_tensor(&m, "c", RQ_TFL_INT8, 4, big, &err);
    CHECK(rq_tfl_add_op(&m, RQ_TFL_OP_RESHAPE, 1, &a, 1, &c, NULL, &err) == 0);
    rq_tfl_set_graph_io(&m, 1, &a, 1, &c, &err);
    CHECK(rq_tfl_prepare(&m, RQ_TFL_ROUND_DOUBLE, &e, &err) == -1);
    CHECK_MSG(strstr(err.msg, "limit"), "%.300s", err.msg);
    rq_tfl_model_free(&m);
}

int main(void)
{
    RUN(conv_same_padding_skips_outside_taps);
    RUN(intermediate_tensors_are_readable);
    RUN(threads_share_one_prepared_model);
    RUN(conv_matches_plain_reference_loop);
    RUN(refuses_what_it_cannot_run);
    TEST_EXIT();
}
