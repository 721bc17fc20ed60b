/* Atomic files and option parsing: the behaviour every command relies on. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "common/atomic_file.h"
#include "common/simd.h"
#include "harness.h"

static char dir[256];

static int count_entries(const char *d)
{
    DIR *dp = opendir(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dp)))
        if (e->d_name[0] != '.')
            n++;
    closedir(dp);
    return n;
}

static void atomic_write_creates_file(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/a.bin", dir);
    rq_error err = {{0}};
    CHECK(rq_write_file_atomic(path, "hello", 5, &err) == 0);
    unsigned char *data;
    size_t len;
    CHECK(rq_read_file(path, 100, &data, &len, &err) == 0);
    CHECK(len == 5 && !memcmp(data, "hello", 5));
    free(data);
    CHECK(count_entries(dir) == 1);
    unlink(path);
}

static void aborted_write_leaves_nothing(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/b.bin", dir);
    rq_atomic_file f;
    rq_error err = {{0}};
    CHECK(rq_atomic_open(&f, path, &err) == 0);
    fputs("partial", f.fp);
    rq_atomic_abort(&f);
    CHECK(count_entries(dir) == 0);
}

static void failed_write_leaves_nothing(void)
{
    /* /dev/full makes every write fail; the commit must report it and remove the temp. */
    rq_atomic_file f;
    rq_error err = {{0}};
    char path[300];
    snprintf(path, sizeof path, "%s/c.bin", dir);
    CHECK(rq_atomic_open(&f, path, &err) == 0);
    FILE *full = fopen("/dev/full", "wb");
    if (!full)
        return; /* not on this system: nothing to test */
    fclose(f.fp);
    unlink(f.tmp);
    f.fp = full;
    fputs("data that cannot be written", f.fp);
    CHECK(rq_atomic_commit(&f, &err) != 0);
    CHECK(strstr(err.msg, "c.bin") != NULL);
    CHECK(count_entries(dir) == 0);
}

static void unwritable_dir_is_an_error(void)
{
    rq_error err = {{0}};
    CHECK(rq_write_file_atomic("/nonexistent-dir/x.bin", "x", 1, &err) != 0);
    CHECK(strstr(err.msg, "/nonexistent-dir/x.bin") != NULL);
}

static void read_refuses_large_file(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/d.bin", dir);
    rq_error err = {{0}};
    CHECK(rq_write_file_atomic(path, "0123456789", 10, &err) == 0);
    unsigned char *data;
    size_t len;
    CHECK(rq_read_file(path, 9, &data, &len, &err) != 0);
    CHECK(strstr(err.msg, "too large") != NULL);
    unlink(path);
}

static void parse_int_is_strict(void)
{
    long long v;
    CHECK(rq_parse_int("42", 0, 100, &v) == 0 && v == 42);
    CHECK(rq_parse_int("42x", 0, 100, &v) != 0);
    CHECK(rq_parse_int("", 0, 100, &v) != 0);
    CHECK(rq_parse_int("101", 0, 100, &v) != 0);
    CHECK(rq_parse_int("-1", 0, 100, &v) != 0);
    double d;
    CHECK(rq_parse_double("1e-5", &d) == 0 && d == 1e-5);
    CHECK(rq_parse_double("nan", &d) != 0);
    CHECK(rq_parse_double("1.5.2", &d) != 0);
}

/* RPPGQ_SIMD caps the level; unknown values are refused by the parser */
static void simd_env_is_a_cap(void)
{
    rq_simd cap;
    CHECK(rq_simd_parse(NULL, &cap) == 0 && cap == RQ_SIMD_AVX512);
    CHECK(rq_simd_parse("", &cap) == 0 && cap == RQ_SIMD_AVX512);
    CHECK(rq_simd_parse("off", &cap) == 0 && cap == RQ_SIMD_OFF);
    CHECK(rq_simd_parse("avx2", &cap) == 0 && cap == RQ_SIMD_AVX2);
    CHECK(rq_simd_parse("avx512", &cap) == 0 && cap == RQ_SIMD_AVX512);
    CHECK(rq_simd_parse("AVX2", &cap) < 0);
    CHECK(rq_simd_parse("sse", &cap) < 0);
    CHECK(!strcmp(rq_simd_name(RQ_SIMD_AVX2), "avx2"));
    /* the level is read once: set the cap before the first call */
    setenv("RPPGQ_SIMD", "avx2", 1);
    rq_simd cpu = rq_simd_cpu_level();
    CHECK(rq_simd_level() == (cpu < RQ_SIMD_AVX2 ? cpu : RQ_SIMD_AVX2));
    CHECK(!rq_simd_vnni());
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/rq-test-common.XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    RUN(atomic_write_creates_file);
    RUN(aborted_write_leaves_nothing);
    RUN(failed_write_leaves_nothing);
    RUN(unwritable_dir_is_an_error);
    RUN(read_refuses_large_file);
    RUN(parse_int_is_strict);
    RUN(simd_env_is_a_cap);
    rmdir(dir);
    TEST_EXIT();
}
