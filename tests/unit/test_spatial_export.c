/* export-c --spatial's lowering: the seed-shaped int8 CNN and the per-operator test models
 * lower to the runtime's const-net form, unsupported operators are refused by name, the
 * precomputed multipliers equal TFLite Micro's definition, and the CPU path (runtime
 * kernels) gives the host int8 engine's bytes on every supported model. */
#include <stdlib.h>
#include <string.h>

#include "codegen/spatial_int8_export.h"
#include "harness.h"
#include "engine/engine.h"
#include "tflite/tfl_testmodels.h"
#include "tflite/tfl_testmodels_arith.h"

static void test_spatial_cnn_lowers(void)
{
    rq_tfl_model m;
    rq_q8_lowered l;
    rq_error err = {{0}};
    const rppg_q8_kind want[7] = {RPPG_Q8_CONV2D, RPPG_Q8_MAX_POOL, RPPG_Q8_CONV2D, RPPG_Q8_MAX_POOL,
                                  RPPG_Q8_CONV2D, RPPG_Q8_MEAN_HW, RPPG_Q8_COPY};
    int i, c;
    CHECK(rq_tfl_build_spatial_cnn(&m, 3, &err) == 0);
    CHECK_MSG(rq_q8_lower(&m, RPPG_Q8_ROUND_DOUBLE, "t", &l, &err) == 0, "%.200s", err.msg);
    CHECK(l.net.n_layers == 7 && l.net.n_out == 16 && l.net.in_h == 36 && l.net.in_c == 3);
    for (i = 0; i < 7; i++)
        CHECK(l.layers[i].kind == want[i]);
    /* lifetime plan (input and output in the caller's buffers): the peak is conv0's output
     * (36*36*16) alive with pool0's (18*18*16) */
    CHECK_MSG(l.net.arena_bytes == 20736 + 5184, "arena %zu", l.net.arena_bytes);
    /* multipliers: M * 2^(shift-31) == s_in * s_w[c] / s_out within the Q31 rounding */
    for (i = 0; i < 7; i++) {
        const rq_tfl_op *o = &m.ops[i];
        if (o->code != RQ_TFL_OP_CONV_2D)
            continue;
        for (c = 0; c < l.layers[i].op.conv.out_c; c++) {
            const rq_tfl_tensor *x = &m.tensors[o->inputs[0]], *w = &m.tensors[o->inputs[1]],
                                *y = &m.tensors[o->outputs[0]];
            const double real = (double)x->q.scale[0] * w->q.scale[w->q.n > 1 ? c : 0] / y->q.scale[0];
            const double got = ldexp((double)l.layers[i].op.conv.multiplier[c], l.layers[i].op.conv.shift[c] - 31);
            CHECK_NEAR(got, real, real * ldexp(1.0, -30));
        }
    }
    rq_q8_lowered_free(&l);
    rq_tfl_model_free(&m);
}

static int supported(const char *name)
{
    static const char *const ok[] = {"conv_valid_stride2", "depthwise_mult2", "maxpool_same3",
                                     "avgpool_same3", "avgpool_valid2", "mean_hw",
                                     "fully_connected", "fully_connected_per_channel",
                                     "quantize_requant", "logistic", NULL};
    int i;
    for (i = 0; ok[i]; i++)
        if (!strcmp(ok[i], name))
            return 1;
    return 0;
}

static void test_op_models_lower_or_are_refused(void)
{
    int i, n_ok = 0, n_refused = 0;
    for (i = 0; rq_tfl_op_model_names[i]; i++) {
        const char *name = rq_tfl_op_model_names[i];
        rq_tfl_model m;
        rq_q8_lowered l;
        rq_error err = {{0}};
        int rc;
        CHECK(rq_tfl_build_op_model(&m, name, 11, &err) == 0);
        rc = rq_q8_lower(&m, RPPG_Q8_ROUND_DOUBLE, name, &l, &err);
        if (supported(name)) {
            CHECK_MSG(rc == 0, "%s: %.200s", name, err.msg);
            n_ok++;
            rq_q8_lowered_free(&l);
        } else {
            CHECK_MSG(rc == -1 && strstr(err.msg, name) && strstr(err.msg, "operator"), "%s: %.200s",
                      name, err.msg);
            n_refused++;
        }
        rq_tfl_model_free(&m);
    }
    CHECK(n_ok == 10 && n_refused >= 3);
}

static uint64_t seed = 0x9e3779b97f4a7c15ull;
static int8_t rnd8(void)
{
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    return (int8_t)(seed >> 24);
}

/* Same bytes as the host engine on every supported model, both roundings. */
static void test_cpu_path_matches_engine(void)
{
    const char *names[] = {"spatial", "conv_valid_stride2", "depthwise_mult2", "maxpool_same3",
                           "avgpool_same3", "avgpool_valid2", "mean_hw", "fully_connected",
                           "fully_connected_per_channel", "quantize_requant", "logistic",
                           "branches", NULL};
    int i, r, k, compared = 0;
    for (i = 0; names[i]; i++)
        for (r = 0; r < 2; r++) {
            rq_tfl_model m;
            rq_q8_lowered l;
            rq_tfl_engine *e = NULL;
            rq_tfl_scratch *s = NULL;
            rq_error err = {{0}};
            int8_t *in, *want, *got, *arena;
            size_t n_in;
            CHECK(i == 0 ? rq_tfl_build_spatial_cnn(&m, 5 + (uint64_t)r, &err) == 0
                  : !strcmp(names[i], "branches")
                      ? rq_tfl_build_branch_model(&m, 5 + (uint64_t)r, &err) == 0
                      : rq_tfl_build_op_model(&m, names[i], 5 + (uint64_t)r, &err) == 0);
            CHECK(rq_q8_lower(&m, (rppg_q8_rounding)r, names[i], &l, &err) == 0);
            if (rq_tfl_prepare(&m, r ? RQ_TFL_ROUND_SINGLE : RQ_TFL_ROUND_DOUBLE, &e, &err)) {
                rq_q8_lowered_free(&l);
                rq_tfl_model_free(&m);
                CHECK_MSG(strstr(err.msg, "not built yet"), "%.200s", err.msg);
                printf("note: int8 engine not built yet, comparison skipped\n");
                return;
            }
            s = rq_tfl_scratch_new(e);
            n_in = (size_t)l.net.in_h * l.net.in_w * l.net.in_c;
            in = malloc(n_in);
            want = malloc((size_t)l.net.n_out);
            got = malloc((size_t)l.net.n_out);
            arena = malloc(l.net.arena_bytes + 1);
            CHECK(s && in && want && got && arena);
            for (k = 0; k < 20; k++) {
                size_t j;
                for (j = 0; j < n_in; j++)
                    in[j] = rnd8();
                rq_tfl_run(e, s, in, want);
                rppg_q8_net_run(&l.net, in, got, arena);
                CHECK_MSG(memcmp(want, got, (size_t)l.net.n_out) == 0, "%s rounding %d input %d",
                          names[i], r, k);
                compared++;
            }
            free(in), free(want), free(got), free(arena);
            rq_tfl_scratch_free(s);
            rq_tfl_engine_free(e);
            rq_q8_lowered_free(&l);
            rq_tfl_model_free(&m);
        }
    CHECK(compared == 12 * 2 * 20);
}

/* Every single-input model of a family that the MCU path accepts gives the engine's
 * bytes (both roundings); the names in must have to be among them. Returns how many. */
/* Five random inputs through the lowered network and the engine; 1 when all agree. */
static int cpu_path_agrees(const char *name, int r, rq_tfl_model *m, const rq_q8_lowered *l,
                           const rq_tfl_engine *e)
{
    rq_tfl_scratch *s = rq_tfl_scratch_new(e);
    size_t n_in = rq_tfl_tensor_bytes(e, m->inputs[0]);
    int8_t *in = malloc(n_in), *want = malloc((size_t)l->net.n_out + 1);
    int8_t *got = malloc((size_t)l->net.n_out + 1), *arena = malloc(l->net.arena_bytes + 1);
    int same = 1;
    for (int rep = 0; rep < 5 && same; rep++) {
        for (size_t j = 0; j < n_in; j++)
            in[j] = rnd8();
        rq_tfl_run(e, s, in, want);
        rppg_q8_net_run(&l->net, in, got, arena);
        same = !memcmp(got, want, (size_t)l->net.n_out);
    }
    if (!same)
        printf("FAIL %s: CPU path differs from the engine (rounding %d)\n", name, r);
    free(in), free(want), free(got), free(arena);
    rq_tfl_scratch_free(s);
    return same;
}

/* Every single-input model of a family that the MCU path accepts gives the engine's
 * bytes (both roundings); the names in must have to be among them. Returns how many. */
static int family_matches_engine(const char *(*name_of)(int),
                                 int (*build)(rq_tfl_model *, const char *, rq_error *),
                                 const char *const *must)
{
    int lowered = 0;
    for (int i = 0; name_of(i); i++)
        for (int r = 0; r < 2; r++) {
            const char *name = name_of(i);
            rq_tfl_model m;
            rq_q8_lowered l;
            rq_tfl_engine *e = NULL;
            rq_error err = {{0}};
            if (build(&m, name, &err)) {
                rq_tfl_model_free(&m);
                continue; /* hidden reference-only cases */
            }
            int ok = rq_q8_lower(&m, (rppg_q8_rounding)r, name, &l, &err) == 0;
            for (int k = 0; !ok && must[k]; k++)
                if (!strcmp(must[k], name)) {
                    printf("FAIL %s: not lowered: %.200s\n", name, err.msg);
                    rq_t_failed_case = 1;
                }
            if (ok && rq_tfl_prepare(&m, r ? RQ_TFL_ROUND_SINGLE : RQ_TFL_ROUND_DOUBLE, &e,
                                     &err) == 0) {
                if (!cpu_path_agrees(name, r, &m, &l, e))
                    rq_t_failed_case = 1;
                rq_tfl_engine_free(e);
                lowered++;
            }
            if (ok)
                rq_q8_lowered_free(&l);
            rq_tfl_model_free(&m);
        }
    return lowered;
}

static int build_movement(rq_tfl_model *m, const char *name, rq_error *err)
{
    return rq_tfl_build_movement_model(m, name, err);
}

static int build_arith(rq_tfl_model *m, const char *name, rq_error *err)
{
    return rq_tfl_build_arith_model(m, name, 3, err);
}

static void test_movement_models_match_engine(void)
{
    static const char *const must[] = {"pad_hw", "pad_all", "padv2", "transpose_nchw",
                                       "ss_steps", "ss_reverse", "slice_4d", "d2s_2", "s2d_3",
                                       "tile_4d", "squeeze_all", "expand_mid", "bilinear_up", "bilinear_half",
                                       "nearest_up", "nearest_align", "gather_rows", NULL};
    int n = family_matches_engine(rq_tfl_movement_model_name, build_movement, must);
    CHECK_MSG(n >= 2 * 17, "%d lowered", n);
}

static void test_arith_models_match_engine(void)
{
    static const char *const must[] = {"relu", "relu6", "leaky_relu", "leaky_relu_neg_alpha",
                                       "hard_swish", "tanh", "softmax", "softmax_long",
                                       "softmax_tiny_scale", "sum_hw_keepdims", "sum_channels",
                                       "reduce_max_hw", "transpose_conv_s2_same",
                                       "transpose_conv_valid_nobias", NULL};
    int n = family_matches_engine(rq_tfl_arith_model_name, build_arith, must);
    CHECK_MSG(n >= 2 * 14, "%d lowered", n);
}

int main(void)
{
    RUN(test_spatial_cnn_lowers);
    RUN(test_op_models_lower_or_are_refused);
    RUN(test_cpu_path_matches_engine);
    RUN(test_movement_models_match_engine);
    RUN(test_arith_models_match_engine);
    TEST_EXIT();
}
