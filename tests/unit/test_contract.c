/* The checkpoint's input_contract: written by our torch.save writer (whose output PyTorch
 * reads, tests/integration/synth.sh), read back by the torch_file reader; bad contracts are
 * refused naming the key. */
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "model/contract.h"

static char dir[256];

/* Writes {'num_params': 1, 'input_contract': <body>} where body is written by fn. */
typedef void (*body_fn)(rq_torch_writer *w, const void *arg);

static int write_ckpt(const char *path, body_fn fn, const void *arg)
{
    rq_torch_writer *w;
    rq_error err;
    if (rq_tw_open(&w, path, &err))
        return -1;
    rq_tw_dict_begin(w, 0);
    rq_tw_key(w, "num_params");
    rq_tw_int(w, 1);
    if (fn) {
        rq_tw_key(w, "input_contract");
        fn(w, arg);
    }
    rq_tw_dict_end(w);
    return rq_tw_commit(w, &err);
}

static void body_contract(rq_torch_writer *w, const void *arg)
{
    rq_contract_write(w, arg);
}

static int read_ckpt(const char *path, rppg_contract *c, rq_error *err)
{
    rq_torch_file *f;
    if (rq_torch_open(path, &f, err))
        return -2;
    int rc = rq_contract_from_checkpoint(rq_torch_root(f), path, c, err);
    rq_torch_close(f);
    return rc;
}

static void round_trip_window_ratio(void)
{
    char p[300];
    snprintf(p, sizeof p, "%s/wr.pth", dir);
    rppg_contract in = {RPPG_REPR_WINDOW_RATIO, 50.0f, 4.0f, 4}, out;
    rq_error err;
    CHECK(write_ckpt(p, body_contract, &in) == 0);
    CHECK(read_ckpt(p, &out, &err) == 0);
    CHECK(out.repr == RPPG_REPR_WINDOW_RATIO && out.scale == 50.0f && out.clip == 4.0f && out.frame_stride == 4);
    unlink(p);
}

static void round_trip_raw(void)
{
    char p[300];
    snprintf(p, sizeof p, "%s/raw.pth", dir);
    rppg_contract in = {RPPG_REPR_RAW, 0, 0, 2}, out;
    rq_error err;
    CHECK(write_ckpt(p, body_contract, &in) == 0);
    CHECK(read_ckpt(p, &out, &err) == 0);
    CHECK(out.repr == RPPG_REPR_RAW && out.frame_stride == 2);
    unlink(p);
}

static void absent_is_raw_stride_1(void)
{
    char p[300];
    snprintf(p, sizeof p, "%s/none.pth", dir);
    rppg_contract out = {RPPG_REPR_WINDOW_RATIO, 3, 3, 3};
    rq_error err;
    CHECK(write_ckpt(p, NULL, NULL) == 0);
    CHECK(read_ckpt(p, &out, &err) == 0);
    CHECK(out.repr == RPPG_REPR_RAW && out.frame_stride == 1 && out.scale == 1.0f);
    unlink(p);
}

typedef struct bad_case {
    const char *repr;
    double scale, clip;
    int64_t stride;
    const char *want;
} bad_case;

static void body_bad(rq_torch_writer *w, const void *arg)
{
    const bad_case *b = arg;
    rq_tw_dict_begin(w, 0);
    rq_tw_key(w, "representation");
    rq_tw_str(w, b->repr);
    if (b->scale >= -1) {
        rq_tw_key(w, "scale");
        rq_tw_float(w, b->scale);
    }
    rq_tw_key(w, "clip");
    rq_tw_float(w, b->clip);
    rq_tw_key(w, "frame_stride");
    rq_tw_int(w, b->stride);
    rq_tw_dict_end(w);
}

static void body_not_dict(rq_torch_writer *w, const void *arg)
{
    (void)arg;
    rq_tw_str(w, "window_ratio");
}

static void bad_contracts_are_refused(void)
{
    static const bad_case cases[] = {
        {"window_ratios", 50, 4, 4, "is not 'raw' or 'window_ratio'"},
        {"window_ratio", 0, 4, 4, "'scale' = 0"},
        {"window_ratio", -2, 4, 4, "has no 'scale'"},
        {"window_ratio", 50, -4, 4, "'clip' = -4"},
        {"window_ratio", 50, 4, 0, "'frame_stride' must be"},
        {"raw", 1, 0, 100000, "'frame_stride' must be"},
    };
    char p[300];
    snprintf(p, sizeof p, "%s/bad.pth", dir);
    rq_error err;
    rppg_contract out;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        CHECK(write_ckpt(p, body_bad, &cases[i]) == 0);
        CHECK_MSG(read_ckpt(p, &out, &err) == -1, "case %zu accepted", i);
        CHECK_MSG(strstr(err.msg, cases[i].want) && strstr(err.msg, "bad.pth"), "case %zu: %.200s", i, err.msg);
    }
    CHECK(write_ckpt(p, body_not_dict, NULL) == 0);
    CHECK(read_ckpt(p, &out, &err) == -1 && strstr(err.msg, "is not a dict"));
    unlink(p);
}

int main(void)
{
    const char *base = getenv("RQ_TMP") ? getenv("RQ_TMP") : "/tmp";
    snprintf(dir, sizeof dir, "%s/contract.XXXXXX", base);
    if (!mkdtemp(dir))
        return 1;
    RUN(round_trip_window_ratio);
    RUN(round_trip_raw);
    RUN(absent_is_raw_stride_1);
    RUN(bad_contracts_are_refused);
    rmdir(dir);
    TEST_EXIT();
}
