/* Streaming dataset windows out of a torch.save archive: rq_dataset_read_windows against a
 * plain fread of the same bytes (the I/O bound). Writes a stored-member dataset of
 * BENCH_WINDOWS (default 1000) windows of 8x3x36x36x3 float32 into $TMPDIR. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>

#include "io/dataset.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct buf {
    unsigned char b[4096];
    size_t n;
} buf;

static void put(buf *p, const void *d, size_t n)
{
    memcpy(p->b + p->n, d, n);
    p->n += n;
}
static void op(buf *p, int c) { p->b[p->n++] = (unsigned char)c; }
static void u32(buf *p, uint32_t v) { put(p, &v, 4); } /* little-endian host */
static void str(buf *p, const char *s)
{
    op(p, 'X');
    u32(p, (uint32_t)strlen(s));
    put(p, s, strlen(s));
}
static void bint(buf *p, int32_t v)
{
    op(p, 'J');
    u32(p, (uint32_t)v);
}
static void glob(buf *p, const char *g) { put(p, g, strlen(g)); }

/* key: _rebuild_tensor_v2(('storage', torch.<stype>, skey, 'cpu', numel), 0, shape, contiguous strides, ...) */
static void tensor(buf *p, const char *key, const char *stype, const char *skey, int nd,
                   const int64_t *shape)
{
    int64_t numel = 1, stride[8];
    for (int d = nd - 1; d >= 0; d--) {
        stride[d] = numel;
        numel *= shape[d];
    }
    str(p, key);
    glob(p, "ctorch._utils\n_rebuild_tensor_v2\n((");
    str(p, "storage");
    char g[64];
    snprintf(g, sizeof g, "ctorch\n%s\n", stype);
    glob(p, g);
    str(p, skey);
    str(p, "cpu");
    bint(p, (int32_t)numel);
    op(p, 't');
    op(p, 'Q');
    bint(p, 0);
    op(p, '(');
    for (int d = 0; d < nd; d++)
        bint(p, (int32_t)shape[d]);
    op(p, 't');
    op(p, '(');
    for (int d = 0; d < nd; d++)
        bint(p, (int32_t)stride[d]);
    op(p, 't');
    op(p, 0x89);
    glob(p, "ccollections\nOrderedDict\n)Rt");
    op(p, 'R');
}

int main(void)
{
    const char *env = getenv("BENCH_WINDOWS");
    int n = env ? atoi(env) : 1000;
    if (n < 1)
        n = 1000;
    const int64_t wf = 8 * 3 * 36 * 36 * 3;
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char raw[512], pth[512];
    snprintf(raw, sizeof raw, "%s/bench_torch_read.%d.raw", tmp, (int)getpid());
    snprintf(pth, sizeof pth, "%s/bench_torch_read.%d.pth", tmp, (int)getpid());

    float *w = malloc((size_t)wf * sizeof *w);
    FILE *fp = fopen(raw, "wb");
    if (!w || !fp)
        return 1;
    for (int i = 0; i < n; i++) {
        for (int64_t k = 0; k < wf; k++)
            w[k] = (float)((k * 7 + i) % 256) / 255.0f;
        fwrite(w, sizeof *w, (size_t)wf, fp);
    }
    fclose(fp);
    float *labels = malloc((size_t)n * sizeof *labels);
    for (int i = 0; i < n; i++)
        labels[i] = 60.0f + (float)(i % 100);

    buf p = {.n = 0};
    glob(&p, "\x80\x02}(");
    tensor(&p, "samples", "FloatStorage", "0", 6, (int64_t[]){n, 8, 3, 36, 36, 3});
    tensor(&p, "labels", "FloatStorage", "1", 1, (int64_t[]){n});
    op(&p, 'u');
    op(&p, '.');
    int ze;
    zip_t *z = zip_open(pth, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    zip_int64_t i0 = zip_file_add(z, "ds/data.pkl", zip_source_buffer(z, p.b, p.n, 0), 0);
    zip_int64_t i1 = zip_file_add(z, "ds/data/0", zip_source_file(z, raw, 0, -1), 0);
    zip_int64_t i2 = zip_file_add(z, "ds/data/1",
                                  zip_source_buffer(z, labels, (size_t)n * sizeof *labels, 0), 0);
    zip_set_file_compression(z, (zip_uint64_t)i0, ZIP_CM_STORE, 0);
    zip_set_file_compression(z, (zip_uint64_t)i1, ZIP_CM_STORE, 0);
    zip_set_file_compression(z, (zip_uint64_t)i2, ZIP_CM_STORE, 0);
    if (zip_close(z)) {
        fprintf(stderr, "cannot write %s\n", pth);
        return 1;
    }

    const int batch = 10;
    float *out = malloc((size_t)(wf * batch) * sizeof *out);
    double mb = (double)n * (double)wf * 4 / 1e6;

    /* baseline: the same bytes with fread (page cache warm after writing) */
    double t0 = now();
    fp = fopen(pth, "rb"); /* the archive itself: same bytes, same page-cache state */
    size_t got = 0;
    for (int i = 0; i < n; i += batch)
        got += fread(out, sizeof *out, (size_t)(wf * (n - i < batch ? n - i : batch)), fp);
    fclose(fp);
    double t_raw = now() - t0;

    rq_error err = {{0}};
    rq_dataset ds;
    t0 = now();
    if (rq_dataset_open(pth, &ds, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    double t_open = now() - t0;
    double t_pass[2];
    for (int pass = 0; pass < 2; pass++) {
        t0 = now();
        for (int64_t i = 0; i < ds.n; i += batch) {
            int64_t c = ds.n - i < batch ? ds.n - i : batch;
            if (rq_dataset_read_windows(&ds, i, c, out, &err)) {
                fprintf(stderr, "%s\n", err.msg);
                return 1;
            }
        }
        t_pass[pass] = now() - t0;
    }

    rq_dataset_close(&ds);

    printf("dataset: %d windows of 8x3x36x36x3 float32 (%.0f MB), stored zip member\n", n, mb);
    printf("  open (labels only):            %8.2f ms\n", t_open * 1e3);
    printf("  fread of the archive:          %8.1f MB/s (%zu floats)\n", mb / t_raw, got);
    printf("  rq_dataset_read_windows x%-3d:  %8.1f MB/s first pass, %.1f MB/s second (incl. [0,1] check)\n",
           batch, mb / t_pass[0], mb / t_pass[1]);
    unlink(raw);
    unlink(pth);
    free(w);
    free(labels);
    free(out);
    return 0;
}
