/* Shared by the libFuzzer harnesses (and the unit test that replays their regressions).
 *
 * Besides memory errors (ASan), undefined behaviour (UBSan), leaks and the -timeout /
 * -rss_limit_mb / -malloc_limit_mb budgets, every harness checks what the user would see:
 * a refused input fills rq_error with exactly one non-empty line that starts with the
 * file name. A violation aborts, so libFuzzer keeps the input. */
#ifndef RQ_FZ_UTIL_H
#define RQ_FZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "common/error.h"
#include "io/torch_file.h"

/* Elements one input may make a harness read (a consumer reads at most what the file
 * holds; this only keeps each run short when views repeat elements). */
#define FZ_MAX_READ ((int64_t)1 << 20)

static inline void fz_expect_one_line(const rq_error *err, const char *name)
{
    size_t n = strnlen(err->msg, sizeof err->msg);
    if (n == 0 || n == sizeof err->msg || memchr(err->msg, '\n', n) ||
        strncmp(err->msg, name, strlen(name))) {
        fprintf(stderr, "fuzz: bad error message: '%.512s'\n", err->msg);
        abort();
    }
}

/* Reads [start, start+count) of t through all three conversions a consumer may use. */
static inline void fz_read_tensor(rq_torch_file *f, const rq_tensor *t, int64_t *budget)
{
    int64_t n = t->numel < FZ_MAX_READ ? t->numel : FZ_MAX_READ;
    if (n > *budget)
        n = *budget;
    *budget -= n;
    rq_error err;
    float *f32 = malloc((size_t)(n ? n : 1) * sizeof *f32);
    double *f64 = malloc((size_t)(n ? n : 1) * sizeof *f64);
    int64_t *i64 = malloc((size_t)(n ? n : 1) * sizeof *i64);
    if (f32 && f64 && i64) {
        if (rq_tensor_read_f32(f, t, 0, n, f32, &err))
            fz_expect_one_line(&err, rq_torch_path(f));
        if (rq_tensor_read_f64(f, t, 0, n, f64, &err))
            fz_expect_one_line(&err, rq_torch_path(f));
        if (rq_tensor_read_i64(f, t, 0, n, i64, &err))
            fz_expect_one_line(&err, rq_torch_path(f));
        if (t->numel > 0 && rq_tensor_read_f32(f, t, t->numel - 1, 1, f32, &err))
            fz_expect_one_line(&err, rq_torch_path(f));
        if (t->numel > 2 && rq_tensor_read_f64(f, t, t->numel / 2, 1, f64, &err))
            fz_expect_one_line(&err, rq_torch_path(f));
    }
    free(f32);
    free(f64);
    free(i64);
}

/* Walks the value tree (shared sub-values may repeat: the node budget bounds the walk
 * the way inspect's line cap does) and reads every tensor. */
static inline void fz_walk(rq_torch_file *f, const rq_value *v, int depth, long *nodes,
                           int64_t *budget)
{
    if (depth > 300 || ++*nodes > 100000)
        return;
    if (v->type == RQ_V_TENSOR) {
        fz_read_tensor(f, &v->u.tensor, budget);
    } else if (v->type == RQ_V_LIST || v->type == RQ_V_TUPLE) {
        for (size_t i = 0; i < v->u.seq.n; i++)
            fz_walk(f, v->u.seq.items[i], depth + 1, nodes, budget);
    } else if (v->type == RQ_V_DICT) {
        for (size_t i = 0; i < v->u.dict.n; i++) {
            fz_walk(f, v->u.dict.keys[i], depth + 1, nodes, budget);
            fz_walk(f, v->u.dict.vals[i], depth + 1, nodes, budget);
        }
    }
}

static inline void fz_read_everything(rq_torch_file *f)
{
    long nodes = 0;
    int64_t budget = 4 * FZ_MAX_READ;
    fz_walk(f, rq_torch_root(f), 0, &nodes, &budget);
    (void)rq_state_dict(rq_torch_root(f));
}

/* ---- a torch.save-shaped zip built from a structured input ----
 *
 * Input: byte 0 = k (number of storages, mod 17); then k times a 2-byte little-endian
 * length and that many bytes (member "archive/data/<i>"); the rest is "archive/data.pkl".
 * Members are stored with correct CRCs, so the fuzzer spends its time on the pickle and
 * the tensor/storage resolution instead of on checksums. */

typedef struct fz_buf {
    unsigned char *b;
    size_t n, cap;
} fz_buf;

static inline void fz_put(fz_buf *z, const void *d, size_t n)
{
    if (z->n + n > z->cap) {
        size_t cap = (z->n + n) * 2 + 256;
        unsigned char *b = realloc(z->b, cap);
        if (!b)
            abort();
        z->b = b;
        z->cap = cap;
    }
    if (n)
        memcpy(z->b + z->n, d, n);
    z->n += n;
}

static inline void fz_u16(fz_buf *z, unsigned v)
{
    unsigned char b[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    fz_put(z, b, 2);
}

static inline void fz_u32(fz_buf *z, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    fz_put(z, b, 4);
}

typedef struct fz_member {
    char name[32];
    const unsigned char *data;
    size_t len;
    uint32_t crc, offset;
} fz_member;

/* Zip header layout from PKWARE's APPNOTE: local headers, central directory, end record. */
static inline void fz_zip(fz_member *m, int n, fz_buf *z)
{
    for (int i = 0; i < n; i++) {
        m[i].crc = (uint32_t)crc32(0, m[i].data, (uInt)m[i].len);
        m[i].offset = (uint32_t)z->n;
        size_t nl = strlen(m[i].name);
        fz_u32(z, 0x04034b50);
        fz_u16(z, 20), fz_u16(z, 0), fz_u16(z, 0), fz_u16(z, 0), fz_u16(z, 0);
        fz_u32(z, m[i].crc), fz_u32(z, (uint32_t)m[i].len), fz_u32(z, (uint32_t)m[i].len);
        fz_u16(z, (unsigned)nl), fz_u16(z, 0);
        fz_put(z, m[i].name, nl);
        fz_put(z, m[i].data, m[i].len);
    }
    uint32_t cd = (uint32_t)z->n;
    for (int i = 0; i < n; i++) {
        size_t nl = strlen(m[i].name);
        fz_u32(z, 0x02014b50);
        fz_u16(z, 20), fz_u16(z, 20), fz_u16(z, 0), fz_u16(z, 0), fz_u16(z, 0), fz_u16(z, 0);
        fz_u32(z, m[i].crc), fz_u32(z, (uint32_t)m[i].len), fz_u32(z, (uint32_t)m[i].len);
        fz_u16(z, (unsigned)nl), fz_u16(z, 0), fz_u16(z, 0), fz_u16(z, 0), fz_u16(z, 0);
        fz_u32(z, 0), fz_u32(z, m[i].offset);
        fz_put(z, m[i].name, nl);
    }
    uint32_t cd_len = (uint32_t)z->n - cd;
    fz_u32(z, 0x06054b50);
    fz_u16(z, 0), fz_u16(z, 0), fz_u16(z, (unsigned)n), fz_u16(z, (unsigned)n);
    fz_u32(z, cd_len), fz_u32(z, cd), fz_u16(z, 0);
}

/* Builds the archive described above into z (caller frees z->b). */
static inline void fz_structured_zip(const uint8_t *data, size_t size, fz_buf *z)
{
    fz_member m[17];
    int k = 0;
    size_t pos = 0;
    int want = size ? data[pos++] % 17 : 0;
    for (int i = 0; i < want && pos + 2 <= size; i++) {
        size_t len = (size_t)data[pos] | (size_t)data[pos + 1] << 8;
        pos += 2;
        if (len > size - pos)
            len = size - pos;
        snprintf(m[k].name, sizeof m[k].name, "archive/data/%d", i);
        m[k].data = data + pos;
        m[k].len = len;
        pos += len;
        k++;
    }
    snprintf(m[k].name, sizeof m[k].name, "archive/data.pkl");
    m[k].data = data + pos;
    m[k].len = size - pos;
    k++;
    z->b = NULL;
    z->n = z->cap = 0;
    fz_zip(m, k, z);
}

#endif
