/* The data-movement and shape operators in the int8 engine.
 *
 * Without arguments: properties that need no other runtime (every test model survives our
 * writer and reader with its options and runs; TILE and TRANSPOSE move each element where
 * their definition says; a CONCATENATION of differently quantized inputs equals the
 * converter's QUANTIZE + CONCATENATION; the Keras Flatten shape chain folds at prepare;
 * bad models fail with one line naming the operator).
 *
 * With "--write DIR": writes every test model (NAME.tflite), 4 deterministic input sets
 * (NAME.in, all inputs of one set back to back, then the next set), our engine's outputs
 * for them in both rounding modes (NAME.double, NAME.single) and DIR/cases.txt, one line
 * "NAME IN_BYTES OUT_BYTES FLAGS" a case, for tests/integration/tflite_movement.sh, which
 * runs the same files through TFLite Micro and LiteRT; and the bad models below as files
 * (DIR/bad.txt lists them) for the CLI's one-line errors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "harness.h"
#include "tflite/tfl_testmodels.h"

#define N_SETS 16

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static size_t io_bytes(const rq_tfl_model *m, const int32_t *idx, int n)
{
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        const rq_tfl_tensor *t = &m->tensors[idx[i]];
        total += (size_t)rq_tfl_num_elements(t) * rq_tfl_type_size(t->type);
    }
    return total;
}

/* Runs one input set (all inputs back to back) and appends every output to out. */
static void run_set(const rq_tfl_engine *e, rq_tfl_scratch *s, const rq_tfl_model *m,
                    const uint8_t *in, uint8_t *out)
{
    for (int i = 0; i < m->n_inputs; i++) {
        size_t n = rq_tfl_tensor_bytes(e, m->inputs[i]);
        memcpy(rq_tfl_input(e, s, i), in, n);
        in += n;
    }
    rq_tfl_invoke(e, s);
    for (int i = 0; i < m->n_outputs; i++) {
        size_t n = rq_tfl_tensor_bytes(e, m->outputs[i]);
        memcpy(out, rq_tfl_output(e, s, i), n);
        out += n;
    }
}

/* Our outputs for n_sets input sets; returns 0 or -1 (err). */
static int run_sets(const rq_tfl_model *m, rq_tfl_rounding r, const uint8_t *in, int n_sets,
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
    size_t ni = io_bytes(m, m->inputs, m->n_inputs), no = io_bytes(m, m->outputs, m->n_outputs);
    for (int k = 0; k < n_sets; k++)
        run_set(e, s, m, in + k * ni, out + k * no);
    rq_tfl_scratch_free(s);
    rq_tfl_engine_free(e);
    return 0;
}

static uint8_t *random_inputs(const rq_tfl_model *m, int n_sets, uint64_t seed)
{
    size_t n = io_bytes(m, m->inputs, m->n_inputs) * (size_t)n_sets;
    uint8_t *in = malloc(n + 1);
    uint64_t st = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; in && i < n; i++)
        in[i] = (uint8_t)(rng_next(&st) >> 24);
    return in;
}

/* The model as a file would give it: written by our writer, read by our reader. */
static int build_roundtrip(const char *name, rq_tfl_model *m, rq_tfl_model *back, rq_error *err)
{
    uint8_t *buf;
    size_t len;
    rq_tfl_model_init(back);
    if (rq_tfl_build_movement_model(m, name, err) || rq_tfl_serialize(m, &buf, &len, err))
        return -1;
    int rc = rq_tfl_parse(buf, len, name, back, err);
    free(buf);
    return rc;
}

/* ---- writing the files for the runtimes -------------------------------------------- */

static int write_bytes(const char *dir, const char *name, const char *ext, const void *d,
                       size_t n, rq_error *err)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s%s", dir, name, ext);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(d, 1, n, f) != n || fclose(f))
        return rq_fail(err, "%s: cannot write", path);
    return 0;
}

static int write_case(const char *dir, const char *name, FILE *list, rq_error *err)
{
    rq_tfl_model m, back;
    char path[512];
    int flags = rq_tfl_movement_model_flags(name);
    int rc = build_roundtrip(name, &m, &back, err);
    snprintf(path, sizeof path, "%s/%s.tflite", dir, name);
    if (!rc)
        rc = rq_tfl_write(&m, path, err);
    if (!rc && !(flags & RQ_TFL_MV_HIDDEN)) {
        size_t ni = io_bytes(&back, back.inputs, back.n_inputs);
        size_t no = io_bytes(&back, back.outputs, back.n_outputs);
        uint8_t *in = random_inputs(&back, N_SETS, 7);
        uint8_t *d = malloc(no * N_SETS + 1), *s = malloc(no * N_SETS + 1);
        rc = !in || !d || !s ? rq_fail(err, "out of memory")
             : run_sets(&back, RQ_TFL_ROUND_DOUBLE, in, N_SETS, d, err) ||
                     run_sets(&back, RQ_TFL_ROUND_SINGLE, in, N_SETS, s, err) ||
                     write_bytes(dir, name, ".in", in, ni * N_SETS, err) ||
                     write_bytes(dir, name, ".double", d, no * N_SETS, err) ||
                     write_bytes(dir, name, ".single", s, no * N_SETS, err)
                 ? -1
                 : 0;
        if (!rc)
            fprintf(list, "%s %zu %zu %d\n", name, ni, no, flags);
        free(in);
        free(d);
        free(s);
    }
    rq_tfl_model_free(&m);
    rq_tfl_model_free(&back);
    return rc;
}

static int write_all(const char *dir)
{
    rq_error err;
    char path[512];
    snprintf(path, sizeof path, "%s/cases.txt", dir);
    FILE *list = fopen(path, "w");
    if (!list) {
        fprintf(stderr, "%s: cannot write\n", path);
        return 1;
    }
    for (int i = 0; rq_tfl_movement_model_name(i); i++)
        if (write_case(dir, rq_tfl_movement_model_name(i), list, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            fclose(list);
            return 1;
        }
    return fclose(list) ? 1 : 0;
}

/* ---- properties --------------------------------------------------------------------- */

/* Every model: written and read back with the same options, prepared and run in both
 * rounding modes, deterministic. */
static void test_every_model_roundtrips_and_runs(void)
{
    for (int i = 0; rq_tfl_movement_model_name(i); i++) {
        const char *name = rq_tfl_movement_model_name(i);
        rq_tfl_model m, back;
        rq_error err;
        CHECK_MSG(build_roundtrip(name, &m, &back, &err) == 0, "%s: %.300s", name, err.msg);
        CHECK(m.n_ops == back.n_ops);
        for (int k = 0; k < m.n_ops; k++) {
            const rq_tfl_options *a = &m.ops[k].opt, *b = &back.ops[k].opt;
            CHECK_MSG(a->axis == b->axis && a->count == b->count &&
                          a->batch_dims == b->batch_dims && a->align_corners == b->align_corners &&
                          a->half_pixel_centers == b->half_pixel_centers &&
                          a->begin_mask == b->begin_mask && a->end_mask == b->end_mask &&
                          a->shrink_axis_mask == b->shrink_axis_mask && a->offset == b->offset &&
                          a->ellipsis_mask == b->ellipsis_mask &&
                          a->new_axis_mask == b->new_axis_mask &&
                          a->block_size == b->block_size &&
                          a->n_squeeze_dims == b->n_squeeze_dims &&
                          !memcmp(a->squeeze_dims, b->squeeze_dims, sizeof a->squeeze_dims),
                      "%s: options of operator %d differ after the round trip", name, k);
        }
        size_t no = io_bytes(&back, back.outputs, back.n_outputs);
        uint8_t *in = random_inputs(&back, 2, 3), *o1 = malloc(2 * no + 1),
                *o2 = malloc(2 * no + 1);
        int ok = in && o1 && o2 && !run_sets(&back, RQ_TFL_ROUND_DOUBLE, in, 2, o1, &err) &&
                 !run_sets(&back, RQ_TFL_ROUND_SINGLE, in, 2, o2, &err);
        int same = ok && (rq_tfl_movement_model_flags(name) & RQ_TFL_MV_ROUNDS ||
                          !memcmp(o1, o2, 2 * no));
        free(in);
        free(o1);
        free(o2);
        rq_tfl_model_free(&m);
        rq_tfl_model_free(&back);
        CHECK_MSG(ok, "%s: %.300s", name, err.msg);
        CHECK_MSG(same, "%s: pure data movement differs between rounding modes", name);
    }
}

/* One input set through a named model: in (its input bytes) -> out. */
static int run_named(const char *name, rq_tfl_rounding r, uint8_t **in, uint8_t **out,
                     size_t *n_out, rq_error *err)
{
    rq_tfl_model m;
    *in = *out = NULL;
    if (rq_tfl_build_movement_model(&m, name, err)) {
        rq_tfl_model_free(&m);
        return -1;
    }
    *n_out = io_bytes(&m, m.outputs, m.n_outputs);
    *in = random_inputs(&m, 1, 11);
    *out = malloc(*n_out + 1);
    int rc = !*in || !*out ? rq_fail(err, "out of memory") : run_sets(&m, r, *in, 1, *out, err);
    rq_tfl_model_free(&m);
    return rc;
}

/* TILE (no TFLite Micro kernel): out[i] = in[i mod shape] in every dimension. */
static void test_tile_definition(void)
{
    uint8_t *in, *out;
    size_t n;
    rq_error err;
    CHECK_MSG(run_named("tile_4d", RQ_TFL_ROUND_DOUBLE, &in, &out, &n, &err) == 0, "%.300s",
              err.msg);
    const int d[4] = {1, 2, 3, 2}, o[4] = {1, 6, 3, 4};
    int bad = n != 1 * 6 * 3 * 4;
    for (int a = 0; !bad && a < o[0]; a++)
        for (int b = 0; b < o[1]; b++)
            for (int c = 0; c < o[2]; c++)
                for (int e = 0; e < o[3]; e++) {
                    int oi = ((a * o[1] + b) * o[2] + c) * o[3] + e;
                    int ii = (((a % d[0]) * d[1] + b % d[1]) * d[2] + c % d[2]) * d[3] + e % d[3];
                    bad |= out[oi] != in[ii];
                }
    free(in);
    free(out);
    CHECK(!bad);
}

/* TRANSPOSE: out[i0..i4] = in[...] with out dimension k = input dimension perm[k]. */
static void test_transpose_definition(void)
{
    uint8_t *in, *out;
    size_t n;
    rq_error err;
    CHECK_MSG(run_named("transpose_5d", RQ_TFL_ROUND_DOUBLE, &in, &out, &n, &err) == 0, "%.300s",
              err.msg);
    const int s[5] = {2, 1, 3, 2, 2}, perm[5] = {4, 2, 0, 3, 1};
    int st[5], bad = 0;
    for (int k = 4, acc = 1; k >= 0; k--)
        st[k] = acc, acc *= s[k];
    int od[5], idx[5];
    for (int k = 0; k < 5; k++)
        od[k] = s[perm[k]];
    for (size_t o = 0; o < n; o++) {
        size_t r = o;
        for (int k = 4; k >= 0; k--)
            idx[k] = (int)(r % (size_t)od[k]), r /= (size_t)od[k];
        int src = 0;
        for (int k = 0; k < 5; k++)
            src += idx[k] * st[perm[k]];
        bad |= out[o] != in[src];
    }
    free(in);
    free(out);
    CHECK(n == 24 && !bad);
}

/* A CONCATENATION whose inputs have their own scales runs as the converter's QUANTIZE in
 * front of each such input would (the engine's QUANTIZE is TFLite Micro's); the input that
 * shares the output's quantization is copied as is. */
static void test_concat_requant_is_quantize_then_concat(void)
{
    static const int ch[4] = {2, 1, 3, 2}, coff[4] = {0, 2, 3, 6};
    for (int r = 0; r < 2; r++) {
        uint8_t *in1, *o1, *in2, *o2;
        size_t n1, n2;
        rq_error err;
        CHECK_MSG(run_named("concat_requant", (rq_tfl_rounding)r, &in1, &o1, &n1, &err) == 0,
                  "%.300s", err.msg);
        CHECK_MSG(run_named("concat_requant.ref", (rq_tfl_rounding)r, &in2, &o2, &n2, &err) == 0,
                  "%.300s", err.msg);
        int same = n1 == n2 && n1 == 15 * 8 && !memcmp(o1, o2, n1);
        int copied = 1, moved = 0;
        for (int i = 0, base = 0; same && i < 4; base += 15 * ch[i], i++)
            for (int px = 0; px < 15; px++)
                for (int c = 0; c < ch[i]; c++) {
                    int raw = in1[base + px * ch[i] + c] == o1[px * 8 + coff[i] + c];
                    if (i == 0)
                        copied &= raw;
                    else
                        moved |= !raw;
                }
        free(in1), free(o1), free(in2), free(o2);
        CHECK(same);
        CHECK(copied);
        CHECK(moved); /* else the test would prove nothing */
    }
}

/* The Flatten chain folds: no arena for its int32 tensors, the output is the input. */
static void test_flatten_chain_folds(void)
{
    uint8_t *in, *out;
    size_t n;
    rq_error err;
    CHECK_MSG(run_named("flatten_chain", RQ_TFL_ROUND_DOUBLE, &in, &out, &n, &err) == 0, "%.300s",
              err.msg);
    int same = n == 60 && !memcmp(in, out, 60);
    free(in);
    free(out);
    CHECK(same);
    rq_tfl_model m;
    rq_tfl_engine *e;
    CHECK(rq_tfl_build_movement_model(&m, "flatten_chain", &err) == 0);
    int rc = rq_tfl_prepare(&m, RQ_TFL_ROUND_DOUBLE, &e, &err);
    size_t arena = rc ? 0 : rq_tfl_engine_memory(e).activations;
    if (!rc)
        rq_tfl_engine_free(e);
    rq_tfl_model_free(&m);
    CHECK(rc == 0);
    CHECK_MSG(arena <= 2 * 64 + 64, "arena %zu: the shape tensors were not folded", arena);
}

/* ---- bad models --------------------------------------------------------------------- */

static rq_tfl_tensor *tensor_named(rq_tfl_model *m, const char *name)
{
    for (int i = 0; i < m->n_tensors; i++)
        if (!strcmp(m->tensors[i].name, name))
            return &m->tensors[i];
    return NULL;
}

static void set_i32(rq_tfl_model *m, const char *name, int i, int32_t v)
{
    rq_tfl_tensor *t = tensor_named(m, name);
    if (t && t->data && (size_t)(i + 1) * 4 <= t->data_len)
        memcpy(t->data + 4 * i, &v, 4);
}

/* The case's model broken by mutate must fail prepare with one line naming operator op
 * and containing want. */
static int fails_with(const char *name, void (*mutate)(rq_tfl_model *), int op,
                      const char *want, char *msg, size_t cap)
{
    rq_tfl_model m;
    rq_error err;
    rq_tfl_engine *e = NULL;
    if (rq_tfl_build_movement_model(&m, name, &err)) {
        snprintf(msg, cap, "%s: %.300s", name, err.msg);
        rq_tfl_model_free(&m);
        return 0;
    }
    mutate(&m);
    int rc = rq_tfl_prepare(&m, RQ_TFL_ROUND_DOUBLE, &e, &err);
    char head[64];
    snprintf(head, sizeof head, "operator %d (%s)", op, rq_tfl_builtin_name(m.ops[op].code));
    rq_tfl_engine_free(e);
    rq_tfl_model_free(&m);
    snprintf(msg, cap, "%s: %s", name, rc ? err.msg : "prepared");
    return rc && strstr(err.msg, head) && strstr(err.msg, want) && !strchr(err.msg, '\n');
}

static void perm_repeats(rq_tfl_model *m) { set_i32(m, "perm", 1, 0); }
static void stride_zero(rq_tfl_model *m) { set_i32(m, "strides", 2, 0); }
static void pad_negative(rq_tfl_model *m) { set_i32(m, "paddings", 3, -1); }
static void gather_outside(rq_tfl_model *m) { set_i32(m, "indices", 1, 5); }
static void tile_overflow(rq_tfl_model *m)
{
    set_i32(m, "multiples", 1, 1 << 30);
}
static void concat_mismatch(rq_tfl_model *m) { tensor_named(m, "in1")->shape[2] = 6; }
static void resize_both(rq_tfl_model *m) { m->ops[0].opt.align_corners = 1; }
static void split_count(rq_tfl_model *m) { m->ops[0].opt.count = 2; }
static void slice_outside(rq_tfl_model *m) { set_i32(m, "begin", 0, 5); }
static void d2s_block(rq_tfl_model *m) { m->ops[0].opt.block_size = 3; }
/* RESHAPE's shape from a graph input (PACK removed): not foldable */
static void shape_from_input(rq_tfl_model *m)
{
    m->inputs[m->n_inputs++] = m->ops[2].outputs[0];
    m->ops[2] = m->ops[3];
    m->n_ops = 3;
}
/* STRIDED_SLICE's begin computed at run time */
static void begin_from_input(rq_tfl_model *m)
{
    rq_tfl_tensor *b = tensor_named(m, "flatten/begin");
    free(b->data);
    b->data = NULL;
    b->data_len = 0;
    m->inputs[m->n_inputs++] = m->ops[1].inputs[1];
}

typedef struct bad_case {
    const char *model;
    void (*mutate)(rq_tfl_model *);
    int op;
    const char *want;
} bad_case;

static const bad_case bad_cases[] = {
    {"transpose_nchw", perm_repeats, 0, "not a permutation"},
    {"ss_steps", stride_zero, 0, "stride of dimension 2 is 0"},
    {"pad_hw", pad_negative, 0, "negative padding"},
    {"gather_rows", gather_outside, 0, "index 5 outside"},
    {"tile_2d", tile_overflow, 0, "multiple 1073741824"},
    {"concat_rows3", concat_mismatch, 0, "does not match output"},
    {"bilinear_half", resize_both, 0, "both set"},
    {"split3_channels", split_count, 0, "num_splits 2"},
    {"slice_2d", slice_outside, 0, "begin 5 size 5 outside dimension 0"},
    {"d2s_2", d2s_block, 0, "not a multiple"},
    {"flatten_chain", shape_from_input, 2, "does not fold to a constant"},
    {"flatten_chain", begin_from_input, 1, "begin tensor flatten/begin is not constant"},
};
#define N_BAD (sizeof bad_cases / sizeof bad_cases[0])

static void test_bad_models_fail_with_one_line(void)
{
    for (size_t i = 0; i < N_BAD; i++) {
        const bad_case *b = &bad_cases[i];
        char msg[600];
        CHECK_MSG(fails_with(b->model, b->mutate, b->op, b->want, msg, sizeof msg),
                  "case %zu: wanted operator %d and \"%s\", got %.300s", i, b->op, b->want,
                  msg);
    }
}

/* The bad models as files for the CLI (bad_<k>.tflite, an input of the right size
 * bad_<k>.in) and DIR/bad.txt: "bad_<k> OPERATOR_INDEX OPERATOR_NAME EXPECTED TEXT". */
static int write_bad_models(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/bad.txt", dir);
    FILE *list = fopen(path, "w");
    int rc = list ? 0 : -1;
    for (size_t i = 0; !rc && i < N_BAD; i++) {
        rq_tfl_model m;
        rq_error err;
        char name[32];
        snprintf(name, sizeof name, "bad_%zu", i);
        snprintf(path, sizeof path, "%s/%s.tflite", dir, name);
        rc = rq_tfl_build_movement_model(&m, bad_cases[i].model, &err);
        if (!rc) {
            bad_cases[i].mutate(&m);
            size_t ni = io_bytes(&m, m.inputs, m.n_inputs);
            uint8_t *in = calloc(ni + 1, 1);
            rc = !in || rq_tfl_write(&m, path, &err) || write_bytes(dir, name, ".in", in, ni, &err);
            free(in);
            fprintf(list, "%s %d %s %s\n", name, bad_cases[i].op,
                    rq_tfl_builtin_name(m.ops[bad_cases[i].op].code), bad_cases[i].want);
        }
        if (rc)
            fprintf(stderr, "%s: %s\n", name, err.msg);
        rq_tfl_model_free(&m);
    }
    return (list && fclose(list)) || rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--write"))
        return write_all(argv[2]) || write_bad_models(argv[2]);
    RUN(test_every_model_roundtrips_and_runs);
    RUN(test_tile_definition);
    RUN(test_transpose_definition);
    RUN(test_concat_requant_is_quantize_then_concat);
    RUN(test_flatten_chain_folds);
    RUN(test_bad_models_fail_with_one_line);
    TEST_EXIT();
}
