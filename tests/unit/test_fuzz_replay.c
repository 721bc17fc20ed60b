/* Replays every committed fuzz input (fuzz/regressions/<harness>/: inputs that once
 * crashed or hung a reader; fuzz/corpus/<harness>/: the seeds) through the libFuzzer
 * harnesses' own entry points, built here with the normal compiler under ASan + UBSan, so
 * that `make check-fast` keeps every fixed bug fixed even where clang's libFuzzer is not
 * installed. A regression that comes back crashes this binary. Also checks that the
 * in-memory open the harnesses use reads exactly what the path-based open reads. */
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

#define LLVMFuzzerTestOneInput fuzz_zip_one
#include "../../fuzz/fuzz_zip.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_pickle_one
#include "../../fuzz/fuzz_pickle.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_torch_one
#include "../../fuzz/fuzz_torch.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_dataset_one
#include "../../fuzz/fuzz_dataset.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_tflite_one
#include "../../fuzz/fuzz_tflite.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_engine_one
#include "../../fuzz/fuzz_engine.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_onnx_one
#include "../../fuzz/fuzz_onnx.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_npy_one
#include "../../fuzz/fuzz_npy.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_timestamps_one
#include "../../fuzz/fuzz_timestamps.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_calib_record_one
#include "../../fuzz/fuzz_calib_record.c"
#undef LLVMFuzzerTestOneInput

#include "common/atomic_file.h"

typedef int (*target_fn)(const uint8_t *, size_t);

/* Runs every file of DIR through fn; returns the number of files, -1 if DIR is unreadable
 * for another reason than not existing. */
static int replay_dir(const char *dir, target_fn fn)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unsigned char *buf;
        size_t len;
        rq_error err;
        if (rq_read_file(path, (size_t)1 << 24, &buf, &len, &err)) {
            n = -1;
            break;
        }
        fn(buf, len);
        free(buf);
        n++;
    }
    closedir(d);
    return n;
}

static int replay(const char *harness, target_fn fn)
{
    char dir[256];
    snprintf(dir, sizeof dir, "fuzz/regressions/%s", harness);
    int a = replay_dir(dir, fn);
    snprintf(dir, sizeof dir, "fuzz/corpus/%s", harness);
    int b = replay_dir(dir, fn);
    return a < 0 || b < 0 ? -1 : a + b;
}

static void zip_inputs(void) { CHECK(replay("fuzz_zip", fuzz_zip_one) > 0); }
static void pickle_inputs(void) { CHECK(replay("fuzz_pickle", fuzz_pickle_one) > 0); }
static void torch_inputs(void) { CHECK(replay("fuzz_torch", fuzz_torch_one) > 0); }
static void dataset_inputs(void) { CHECK(replay("fuzz_dataset", fuzz_dataset_one) > 0); }
static void tflite_inputs(void) { CHECK(replay("fuzz_tflite", fuzz_tflite_one) > 0); }
static void engine_inputs(void) { CHECK(replay("fuzz_engine", fuzz_engine_one) > 0); }
static void onnx_inputs(void) { CHECK(replay("fuzz_onnx", fuzz_onnx_one) > 0); }
static void npy_inputs(void) { CHECK(replay("fuzz_npy", fuzz_npy_one) > 0); }
static void timestamps_inputs(void) { CHECK(replay("fuzz_timestamps", fuzz_timestamps_one) > 0); }
static void calib_record_inputs(void)
{
    CHECK(replay("fuzz_calib_record", fuzz_calib_record_one) > 0);
}

/* rq_torch_open_mem on a file's bytes sees the same tensors, with the same values, as
 * rq_torch_open on the file (checked on a checkpoint PyTorch wrote: fuzz/corpus). */
static void mem_open_matches_path_open(void)
{
    const char *path = "fuzz/corpus/fuzz_zip/checkpoint_deflated.pth";
    unsigned char *buf;
    size_t len;
    rq_error err;
    CHECK_MSG(!rq_read_file(path, (size_t)1 << 24, &buf, &len, &err), "%.300s", err.msg);
    rq_torch_file *a, *b;
    CHECK_MSG(!rq_torch_open(path, &a, &err), "%.300s", err.msg);
    CHECK_MSG(!rq_torch_open_mem(buf, len, "mem.pth", &b, &err), "%.300s", err.msg);
    const rq_value *sa = rq_state_dict(rq_torch_root(a)), *sb = rq_state_dict(rq_torch_root(b));
    CHECK(sa && sb && sa->u.dict.n == sb->u.dict.n && sa->u.dict.n > 0);
    int same = 1;
    for (size_t i = 0; i < sa->u.dict.n && same; i++) {
        const rq_tensor *ta = rq_value_tensor(sa->u.dict.vals[i]);
        const rq_tensor *tb = rq_value_tensor(sb->u.dict.vals[i]);
        same = ta && tb && ta->numel == tb->numel && ta->numel < 4096;
        double va[4096], vb[4096];
        same = same && !rq_tensor_read_f64(a, ta, 0, ta->numel, va, &err) &&
               !rq_tensor_read_f64(b, tb, 0, tb->numel, vb, &err) &&
               !memcmp(va, vb, sizeof *va * (size_t)ta->numel);
    }
    rq_torch_close(a);
    rq_torch_close(b);
    free(buf);
    CHECK(same);
    /* and a refusal names the given name */
    CHECK(rq_torch_open_mem("PK\3\4", 4, "tiny.pth", &b, &err) == -1);
    CHECK_MSG(!strncmp(err.msg, "tiny.pth: broken zip archive", 28), "%.300s", err.msg);
}

/* A memoized k-item list passed to torch.Size r times: k*r copies from ~2k + 7r bytes. */
static unsigned char *size_bomb(int k, int r, size_t *len)
{
    static const char head[] = "\x80\x02" "ctorch\nSize\nq\x00(";
    size_t n = sizeof head - 1 + 2 * (size_t)k + 3 + 7 * (size_t)r + 2, at = 0;
    unsigned char *p = malloc(n);
    if (!p)
        return NULL;
    memcpy(p, head, sizeof head - 1);
    at = sizeof head - 1;
    for (int i = 0; i < k; i++)
        p[at++] = 'K', p[at++] = 1;
    memcpy(p + at, "lq\x01", 3), at += 3;
    for (int i = 0; i < r; i++)
        memcpy(p + at, "h\x00h\x01\x85R0", 7), at += 7; /* GET GET TUPLE1 REDUCE POP */
    memcpy(p + at, "N.", 2);
    *len = n;
    return p;
}

/* Memory stays linear in the pickle's size: 70 KB of quadratic copying (690 MB before
 * the proportional arena cap) is refused, naming the cap; the same construction with few
 * copies loads. Expected sizes from the cap's definition: 16 MB + 512 B per pickle byte. */
static void pickle_memory_is_linear(void)
{
    size_t len;
    rq_arena *arena;
    const rq_value *root;
    rq_error err;
    unsigned char *p = size_bomb(16000, 5400, &len);
    CHECK(p);
    int rc = rq_pickle_load(p, len, NULL, NULL, &arena, &root, &err);
    free(p);
    CHECK(len == 69822);
    CHECK(rc == -1);
    CHECK_MSG(strstr(err.msg, "pickle structures exceed 50 MB"), "%.300s", err.msg);
    p = size_bomb(16000, 20, &len);
    CHECK(p);
    rc = rq_pickle_load(p, len, NULL, NULL, &arena, &root, &err);
    free(p);
    CHECK_MSG(rc == 0, "%.300s", err.msg);
    rq_arena_free(arena);
}

/* An average pool whose window spans a 256x256 input: 2^32 additions an inference from a
 * 768-byte model. The engine refuses it at prepare; a 3x3 pool on 36x36 still prepares. */
static int pool_model(rq_tfl_model *m, int size, int filter, rq_error *err)
{
    int32_t shape[4] = {1, size, size, 1};
    float scale = 0.1f;
    int64_t zp = 0;
    rq_tfl_model_init(m);
    int x = rq_tfl_add_tensor(m, "x", RQ_TFL_INT8, 4, shape, err);
    int y = rq_tfl_add_tensor(m, "y", RQ_TFL_INT8, 4, shape, err);
    rq_tfl_options o = rq_tfl_default_options();
    o.filter_w = o.filter_h = filter;
    o.padding = RQ_TFL_PAD_SAME;
    if (x < 0 || y < 0 || rq_tfl_set_quant(m, x, 1, &scale, &zp, 0, err) ||
        rq_tfl_set_quant(m, y, 1, &scale, &zp, 0, err) ||
        rq_tfl_add_op(m, RQ_TFL_OP_AVERAGE_POOL_2D, 1, &x, 1, &y, &o, err) < 0)
        return -1;
    return rq_tfl_set_graph_io(m, 1, &x, 1, &y, err);
}

static void pool_work_is_bounded(void)
{
    rq_tfl_model m;
    rq_tfl_engine *e = NULL;
    rq_error err;
    int ok = pool_model(&m, 256, 511, &err) == 0 &&
             rq_tfl_prepare(&m, RQ_TFL_ROUND_DOUBLE, &e, &err) == -1;
    rq_tfl_model_free(&m);
    CHECK_MSG(ok, "%.300s", err.msg);
    CHECK_MSG(strstr(err.msg, "a 511x511 window over 65536 outputs is 4294967296 operations"),
              "%.300s", err.msg);
    ok = pool_model(&m, 36, 3, &err) == 0 && rq_tfl_prepare(&m, RQ_TFL_ROUND_DOUBLE, &e, &err) == 0;
    rq_tfl_engine_free(e);
    rq_tfl_model_free(&m);
    CHECK_MSG(ok, "%.300s", err.msg);
}

int main(void)
{
    RUN(zip_inputs);
    RUN(onnx_inputs);
    RUN(npy_inputs);
    RUN(timestamps_inputs);
    RUN(calib_record_inputs);
    RUN(pickle_inputs);
    RUN(torch_inputs);
    RUN(dataset_inputs);
    RUN(tflite_inputs);
    RUN(engine_inputs);
    RUN(mem_open_matches_path_open);
    RUN(pickle_memory_is_linear);
    RUN(pool_work_is_bounded);
    TEST_EXIT();
}
