/* torch.save writer: misuse is reported once and never leaves a file behind. That torch.load
 * reads what it writes is checked against PyTorch in tests/integration/synth.sh. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "io/torch_write.h"

static char dir[256];

static void path_in_dir(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static int dir_entries(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 0", dir);
    return system(cmd) == 0 ? 0 : 1;
}

static void writes_a_file(void)
{
    char p[300];
    path_in_dir(p, sizeof p, "ok.pt");
    rq_torch_writer *w;
    rq_error err;
    CHECK(rq_tw_open(&w, p, &err) == 0);
    int64_t shape[1] = {3};
    float v[3] = {1, 2, 3};
    rq_tw_dict_begin(w, 0);
    rq_tw_key(w, "x");
    rq_tw_tensor(w, RQ_DT_F32, 1, shape, v);
    rq_tw_dict_end(w);
    CHECK(rq_tw_commit(w, &err) == 0);
    CHECK(exists(p));
    unlink(p);
    CHECK(dir_entries() == 0);
}

static void value_without_key_fails_without_output(void)
{
    char p[300];
    path_in_dir(p, sizeof p, "bad.pt");
    rq_torch_writer *w;
    rq_error err;
    CHECK(rq_tw_open(&w, p, &err) == 0);
    rq_tw_dict_begin(w, 0);
    CHECK(rq_tw_int(w, 5) == -1);
    CHECK(rq_tw_key(w, "later") == -1); /* sticky */
    CHECK(rq_tw_commit(w, &err) == -1);
    CHECK_MSG(strstr(err.msg, "without a key") != NULL, "%.200s", err.msg);
    CHECK(strstr(err.msg, "bad.pt") != NULL);
    CHECK(!exists(p));
    CHECK(dir_entries() == 0);
}

static void unfinished_dict_fails(void)
{
    char p[300];
    path_in_dir(p, sizeof p, "open.pt");
    rq_torch_writer *w;
    rq_error err;
    CHECK(rq_tw_open(&w, p, &err) == 0);
    rq_tw_dict_begin(w, 1);
    rq_tw_key(w, "a");
    rq_tw_dict_begin(w, 0);
    rq_tw_dict_end(w);
    CHECK(rq_tw_commit(w, &err) == -1);
    CHECK_MSG(strstr(err.msg, "unfinished") != NULL, "%.200s", err.msg);
    CHECK(dir_entries() == 0);
}

static void short_or_long_tensor_data_fails(void)
{
    char p[300];
    path_in_dir(p, sizeof p, "short.pt");
    rq_torch_writer *w;
    rq_error err;
    int64_t shape[2] = {2, 2};
    float v[5] = {0};
    CHECK(rq_tw_open(&w, p, &err) == 0);
    rq_tw_dict_begin(w, 0);
    rq_tw_key(w, "x");
    rq_tw_tensor_begin(w, RQ_DT_F32, 2, shape);
    rq_tw_tensor_append(w, v, 8);
    rq_tw_dict_end(w);
    CHECK(rq_tw_commit(w, &err) == -1);
    CHECK(dir_entries() == 0);
    CHECK(rq_tw_open(&w, p, &err) == 0);
    rq_tw_tensor_begin(w, RQ_DT_F32, 2, shape);
    CHECK(rq_tw_tensor_append(w, v, sizeof v) == -1);
    rq_tw_abort(w);
    CHECK(dir_entries() == 0);
}

static void missing_directory_fails_at_open(void)
{
    rq_torch_writer *w;
    rq_error err;
    CHECK(rq_tw_open(&w, "/nonexistent-dir-rppgq/x.pt", &err) == -1);
    CHECK(strstr(err.msg, "/nonexistent-dir-rppgq/x.pt") != NULL);
}

int main(void)
{
    const char *base = getenv("RQ_TMP") ? getenv("RQ_TMP") : "/tmp";
    snprintf(dir, sizeof dir, "%s/tw.XXXXXX", base);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(writes_a_file);
    RUN(value_without_key_fails_without_output);
    RUN(unfinished_dict_fails);
    RUN(short_or_long_tensor_data_fails);
    RUN(missing_directory_fails_at_open);
    rmdir(dir);
    TEST_EXIT();
}
