/* Every operator kind of the MCU graph path on the Cortex-M55: this host program takes every
 * test model of the repository that `export-c --spatial` lowers (the per-operator models, the
 * arithmetic/activation and data-movement families, the seed-shaped CNN, the branch model)
 * plus models of the two-input operators with two computed operands (ADD, SUB, MUL, MAXIMUM,
 * MINIMUM, PRELU; same shapes, per-channel and scalar operands on either side; built here:
 * the repository's own models of them have two graph inputs or a constant operand, which
 * the MCU path does not take), and for each model
 * and both roundings writes
 *   DIR/net_<i>.c      the export's network (`rppgq export-c --spatial`'s spatial_cnn_int8.c,
 *                      its symbols renamed rq_net_<i> so that all link into one image),
 *   DIR/nets.c         the table of all networks and an arena as large as the largest plan,
 *   DIR/expected.txt   the host int8 engine's outputs on models_main.c's inputs.
 * tests/m55/run.sh links models_main.c with them and requires the image's lines (Helium and
 * portable builds) to equal expected.txt.
 * Usage: gen_models DIR */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codegen/spatial_int8_export.h"
#include "engine/engine.h"
#include "models_inputs.h"
#include "tflite/tfl_testmodels.h"
#include "tflite/tfl_testmodels_arith.h"

/* ---- the two-input operator graph ------------------------------------------------------ */

typedef struct act {
    int t;
    float scale;
    int zp;
} act;

static int add_act(rq_tfl_model *m, const char *name, int rank, const int32_t *shape, float scale, int zp,
                   act *a, rq_error *err)
{
    int64_t z = zp;
    a->t = rq_tfl_add_tensor(m, name, RQ_TFL_INT8, rank, shape, err);
    a->scale = scale;
    a->zp = zp;
    return a->t < 0 || rq_tfl_set_quant(m, a->t, 1, &scale, &z, 0, err) ? -1 : 0;
}

static int axes_const(rq_tfl_model *m, const char *name, int n, const int32_t *axes, rq_error *err)
{
    int32_t shape[1];
    int t;
    shape[0] = n;
    t = rq_tfl_add_tensor(m, name, RQ_TFL_INT32, 1, shape, err);
    return t < 0 || rq_tfl_set_data(m, t, axes, sizeof *axes * (size_t)n, err) ? -1 : t;
}

static int op2(rq_tfl_model *m, rq_tfl_builtin code, const act *a, const act *b, const act *y,
               rq_tfl_activation fused, rq_error *err)
{
    rq_tfl_options o = rq_tfl_default_options();
    int32_t in[2];
    in[0] = a->t, in[1] = b->t;
    o.activation = fused;
    return rq_tfl_add_op(m, code, 2, in, 1, &y->t, &o, err) < 0 ? -1 : 0;
}

/* y = SLICE(x, begin, size) (x's quantization) */
static int slice(rq_tfl_model *m, const act *x, const int32_t *begin, const int32_t *size, act *y,
                 rq_error *err)
{
    char name[32];
    int32_t in[3];
    snprintf(name, sizeof name, "slice%d", m->n_tensors);
    in[0] = x->t;
    if (add_act(m, name, 4, size, x->scale, x->zp, y, err) ||
        (in[1] = axes_const(m, "begin", 4, begin, err)) < 0 || (in[2] = axes_const(m, "size", 4, size, err)) < 0)
        return -1;
    return rq_tfl_add_op(m, RQ_TFL_OP_SLICE, 3, in, 1, &y->t, NULL, err) < 0 ? -1 : 0;
}

/* The two-input operator models: x [1,6,5,22] is sliced into independent random operands,
 * a = x[..., :11] and b = x[..., 11:] (same shapes), c = x[0,0,0,11:] (one per channel) and
 * s = x[0,2,3,5] (a scalar), all in x's quantization; y = OP(first, second). */
typedef struct binary_case {
    const char *name;
    rq_tfl_builtin code;
    char first, second; /* 'a', 'b', 'c' or 's' */
    float out_scale;
    int out_zp;
    rq_tfl_activation fused;
} binary_case;

static const binary_case binary_cases[] = {
    {"bin_add_same", RQ_TFL_OP_ADD, 'a', 'b', 0.04f, 3, RQ_TFL_ACT_NONE},
    {"bin_add_chan_left", RQ_TFL_OP_ADD, 'c', 'a', 0.035f, -7, RQ_TFL_ACT_RELU6},
    {"bin_sub_scalar", RQ_TFL_OP_SUB, 'a', 's', 0.04f, -2, RQ_TFL_ACT_NONE},
    {"bin_sub_chan_relu", RQ_TFL_OP_SUB, 'a', 'c', 0.03f, -128, RQ_TFL_ACT_RELU},
    {"bin_mul_same", RQ_TFL_OP_MUL, 'a', 'b', 0.05f, 4, RQ_TFL_ACT_NONE},
    {"bin_mul_scalar_left", RQ_TFL_OP_MUL, 's', 'a', 0.045f, -1, RQ_TFL_ACT_NONE},
    {"bin_maximum_chan", RQ_TFL_OP_MAXIMUM, 'a', 'c', 0.02f, -5, RQ_TFL_ACT_NONE},
    {"bin_minimum_scalar_left", RQ_TFL_OP_MINIMUM, 's', 'b', 0.02f, -5, RQ_TFL_ACT_NONE},
    {"bin_prelu_chan", RQ_TFL_OP_PRELU, 'a', 'c', 0.03f, 10, RQ_TFL_ACT_NONE},
    {"bin_prelu_same", RQ_TFL_OP_PRELU, 'b', 'a', 0.025f, 0, RQ_TFL_ACT_NONE},
    {NULL, RQ_TFL_OP_ADD, 0, 0, 0.0f, 0, RQ_TFL_ACT_NONE},
};

static const act *operand(char which, const act *a, const act *b, const act *c, const act *s)
{
    return which == 'a' ? a : which == 'b' ? b : which == 'c' ? c : s;
}

static int build_binary(const binary_case *bc, rq_tfl_model *m, rq_error *err)
{
    const int32_t xs[4] = {1, 6, 5, 22}, half[4] = {1, 6, 5, 11}, chan[4] = {1, 1, 1, 11}, one[4] = {1, 1, 1, 1};
    const int32_t at0[4] = {0, 0, 0, 0}, at11[4] = {0, 0, 0, 11}, at_s[4] = {0, 2, 3, 5};
    act x, a, b, c, s, y;
    rq_tfl_model_init(m);
    if (add_act(m, "x", 4, xs, 0.02f, -5, &x, err) || slice(m, &x, at0, half, &a, err) ||
        slice(m, &x, at11, half, &b, err) || slice(m, &x, at11, chan, &c, err) ||
        slice(m, &x, at_s, one, &s, err) || add_act(m, "y", 4, half, bc->out_scale, bc->out_zp, &y, err) ||
        op2(m, bc->code, operand(bc->first, &a, &b, &c, &s), operand(bc->second, &a, &b, &c, &s), &y, bc->fused,
            err) ||
        rq_tfl_set_graph_io(m, 1, &x.t, 1, &y.t, err))
        return -1;
    return rq_tfl_set_description(m, bc->name, err);
}

/* ---- the model list ------------------------------------------------------------------------ */

typedef enum family { FAM_SEED, FAM_BRANCH, FAM_BINARY, FAM_OP, FAM_ARITH, FAM_MOVEMENT, FAM_END } family;

static const char *name_at(family f, int i)
{
    static const char *const single[] = {"spatial_cnn", "branches"};
    switch (f) {
    case FAM_SEED:
    case FAM_BRANCH: return i == 0 ? single[f] : NULL;
    case FAM_BINARY: return binary_cases[i].name;
    case FAM_OP: return rq_tfl_op_model_names[i];
    case FAM_ARITH: return rq_tfl_arith_model_name(i);
    default: return rq_tfl_movement_model_name(i);
    }
}

static int build(family f, const char *name, rq_tfl_model *m, rq_error *err)
{
    switch (f) {
    case FAM_SEED: return rq_tfl_build_spatial_cnn(m, 7, err);
    case FAM_BRANCH: return rq_tfl_build_branch_model(m, 9, err);
    case FAM_BINARY: {
        int k = 0;
        while (strcmp(binary_cases[k].name, name))
            k++;
        return build_binary(&binary_cases[k], m, err);
    }
    case FAM_OP: return rq_tfl_build_op_model(m, name, 11, err);
    case FAM_ARITH: return rq_tfl_build_arith_model(m, name, 3, err);
    default: return rq_tfl_build_movement_model(m, name, err);
    }
}

/* ---- output ------------------------------------------------------------------------------- */

/* DIR/net_<i>.c: the export's source with its symbols renamed and its own header replaced by
 * the two it includes. */
static int write_net_source(const char *dir, int i, rq_error *err)
{
    char in_path[4200], out_path[4200], line[4096];
    FILE *in, *out;
    snprintf(in_path, sizeof in_path, "%s/export/spatial_cnn_int8.c", dir);
    snprintf(out_path, sizeof out_path, "%s/net_%d.c", dir, i);
    if (!(in = fopen(in_path, "r")))
        return rq_fail(err, "%s: cannot read", in_path);
    if (!(out = fopen(out_path, "w"))) {
        fclose(in);
        return rq_fail(err, "%s: cannot write", out_path);
    }
    while (fgets(line, sizeof line, in)) {
        char *p;
        if (!strcmp(line, "#include \"spatial_cnn_int8.h\"\n")) {
            fputs("#include \"input_contract.h\"\n#include \"q8_net.h\"\n", out);
            continue;
        }
        if ((p = strstr(line, "rppg_spatial_cnn =")) != NULL) {
            *p = '\0';
            fprintf(out, "%srq_net_%d =%s", line, i, p + strlen("rppg_spatial_cnn ="));
        } else if ((p = strstr(line, "rppg_spatial_contract =")) != NULL) {
            *p = '\0';
            fprintf(out, "%srq_contract_%d =%s", line, i, p + strlen("rppg_spatial_contract ="));
        } else {
            fputs(line, out);
        }
    }
    fclose(in);
    return fclose(out) ? rq_fail(err, "%s: write failed", out_path) : 0;
}

/* The engine's outputs on the inputs models_main.c makes, one hex line per input. */
static int write_expected(FILE *fp, int i, const char *name, int r, const rq_tfl_model *m,
                          const rq_q8_lowered *l, rq_error *err)
{
    rq_tfl_engine *e = NULL;
    rq_tfl_scratch *s;
    const size_t n_in = (size_t)l->net.in_h * l->net.in_w * l->net.in_c, n_out = (size_t)l->net.n_out;
    int8_t *in, *out;
    uint32_t state = RQ_MODELS_SEED;
    int k;
    size_t j;
    if (rq_tfl_prepare(m, r ? RQ_TFL_ROUND_SINGLE : RQ_TFL_ROUND_DOUBLE, &e, err))
        return -1;
    if (rq_tfl_tensor_bytes(e, m->inputs[0]) != n_in) {
        rq_tfl_engine_free(e);
        return rq_fail(err, "%s: input sizes differ", name);
    }
    s = rq_tfl_scratch_new(e);
    in = malloc(n_in), out = malloc(n_out);
    for (k = 0; s && in && out && k < RQ_MODELS_INPUTS; k++) {
        rq_models_fill_input(&state, in, n_in);
        rq_tfl_run(e, s, in, out);
        fprintf(fp, "%d %s r=%d k=%d ", i, name, r, k);
        for (j = 0; j < n_out; j++)
            fprintf(fp, "%02x", (unsigned)(uint8_t)out[j]);
        fputc('\n', fp);
    }
    free(in), free(out);
    rq_tfl_scratch_free(s);
    rq_tfl_engine_free(e);
    return k == RQ_MODELS_INPUTS ? 0 : rq_fail(err, "out of memory");
}

int main(int argc, char **argv)
{
    rq_error err = {{0}};
    char path[4200];
    FILE *expected, *table;
    size_t arena = 4;
    int n = 0, f, i, r, refused = 0;
    if (argc != 2) {
        fprintf(stderr, "usage: gen_models DIR\n");
        return 2;
    }
    snprintf(path, sizeof path, "%s/expected.txt", argv[1]);
    expected = fopen(path, "w");
    snprintf(path, sizeof path, "%s/nets.c", argv[1]);
    table = fopen(path, "w");
    snprintf(path, sizeof path, "%s/export", argv[1]);
    if (!expected || !table || (mkdir(path, 0777) != 0 && errno != EEXIST)) {
        fprintf(stderr, "gen_models: %s: cannot write\n", argv[1]);
        return 1;
    }
    fprintf(table, "/* Generated by tests/m55/gen_models. */\n#include \"models_inputs.h\"\n\n");
    for (f = 0; f < FAM_END; f++)
        for (i = 0; name_at((family)f, i); i++)
            for (r = 0; r < 2; r++) {
                const char *name = name_at((family)f, i);
                rq_tfl_model m;
                rq_q8_lowered l;
                if (build((family)f, name, &m, &err) || rq_q8_lower(&m, (rppg_q8_rounding)r, name, &l, &err)) {
                    rq_tfl_model_free(&m);
                    refused += r == 0;
                    err.msg[0] = '\0';
                    continue; /* not on the MCU path (refused by name; test_spatial_export checks) */
                }
                if (rq_spatial_write_c(&m, &l, name, path, &err) || write_net_source(argv[1], n, &err) ||
                    write_expected(expected, n, name, r, &m, &l, &err)) {
                    fprintf(stderr, "gen_models: %s: %s\n", name, err.msg);
                    return 1;
                }
                fprintf(table, "extern const rppg_q8_net rq_net_%d;\n", n);
                arena = l.net.arena_bytes > arena ? l.net.arena_bytes : arena;
                fprintf(table, "#define RQ_NAME_%d \"%s\"\n#define RQ_ROUNDING_%d %d\n", n, name, n, r);
                rq_q8_lowered_free(&l);
                rq_tfl_model_free(&m);
                n++;
            }
    fprintf(table, "\nconst rq_model_entry rq_models[] = {\n");
    for (i = 0; i < n; i++)
        fprintf(table, "    {RQ_NAME_%d, RQ_ROUNDING_%d, &rq_net_%d},\n", i, i, i);
    fprintf(table, "};\nconst int rq_n_models = %d;\n\n"
                   "static union {\n    int32_t align;\n    int8_t bytes[%zu];\n} arena RQ_BIG;\n"
                   "int8_t *const rq_models_arena = arena.bytes;\n",
            n, arena);
    fclose(table);
    if (fclose(expected)) {
        fprintf(stderr, "gen_models: write failed\n");
        return 1;
    }
    printf("%d networks (%d models x 2 roundings), %d models not on the MCU path\n", n, n / 2, refused);
    return 0;
}
