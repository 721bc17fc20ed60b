/* The torch.save reader.
 *
 * Without arguments: self-contained cases on archives and pickles built here byte by byte
 * (opcode semantics from the pickle protocol documentation), covering what PyTorch never
 * writes: hostile and malformed input.
 *
 * With arguments (used by tests/integration/torch_reader.sh, whose fixtures and expected
 * values come from PyTorch itself):
 *   test_torch_file --values FILE.pth FILE.values   every tensor element against torch's
 *   test_torch_file --dataset FILE.pth              opens a dataset and streams all windows */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "harness.h"
#include "io/dataset.h"
#include "io/pickle.h"
#include "io/torch_file.h"

/* ---- building pickles ---- */

typedef struct pkb {
    unsigned char *b;
    size_t n, cap;
} pkb;

static void raw(pkb *p, const void *d, size_t n)
{
    if (p->n + n > p->cap) {
        p->cap = (p->n + n) * 2 + 1024;
        p->b = realloc(p->b, p->cap);
    }
    memcpy(p->b + p->n, d, n);
    p->n += n;
}

static void op(pkb *p, int c)
{
    unsigned char b = (unsigned char)c;
    raw(p, &b, 1);
}

static void u32le(pkb *p, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    raw(p, b, 4);
}

static void str(pkb *p, const char *s)
{
    op(p, 'X');
    u32le(p, (uint32_t)strlen(s));
    raw(p, s, strlen(s));
}

static void bint(pkb *p, int32_t v)
{
    op(p, 'J');
    u32le(p, (uint32_t)v);
}

static void glob(pkb *p, const char *mod, const char *name)
{
    op(p, 'c');
    raw(p, mod, strlen(mod));
    op(p, '\n');
    raw(p, name, strlen(name));
    op(p, '\n');
}

static void int_tuple(pkb *p, int n, const int64_t *v)
{
    op(p, '(');
    for (int i = 0; i < n; i++)
        bint(p, (int32_t)v[i]);
    op(p, 't');
}

/* _rebuild_tensor_v2(('storage', torch.<stype>, key, 'cpu', numel), off, size, stride, False, OrderedDict()) */
static void tensor(pkb *p, const char *stype, const char *key, int numel, int off, int nd,
                   const int64_t *size, const int64_t *stride)
{
    glob(p, "torch._utils", "_rebuild_tensor_v2");
    op(p, '(');
    op(p, '(');
    str(p, "storage");
    glob(p, "torch", stype);
    str(p, key);
    str(p, "cpu");
    bint(p, numel);
    op(p, 't');
    op(p, 'Q');
    bint(p, off);
    int_tuple(p, nd, size);
    int_tuple(p, nd, stride);
    op(p, 0x89);
    glob(p, "collections", "OrderedDict");
    op(p, ')');
    op(p, 'R');
    op(p, 't');
    op(p, 'R');
}

/* ---- building archives ---- */

typedef struct member {
    const char *name;
    const void *data;
    size_t len;
} member;

static char tmpdir[256];

static const char *write_zip(const char *file, const member *m, int n, int deflate)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, file);
    unlink(path);
    int ze;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    if (!z)
        return NULL;
    for (int i = 0; i < n; i++) {
        zip_source_t *s = zip_source_buffer(z, m[i].data, m[i].len, 0);
        zip_int64_t idx = zip_file_add(z, m[i].name, s, ZIP_FL_OVERWRITE);
        zip_set_file_compression(z, (zip_uint64_t)idx, deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 9);
    }
    return zip_close(z) ? NULL : path;
}

/* An archive holding pickle p and storage "0" = floats 0..n-1. */
static const char *archive(const char *file, pkb *p, int nfloats, int deflate)
{
    float *d = malloc((size_t)(nfloats ? nfloats : 1) * sizeof *d);
    for (int i = 0; i < nfloats; i++)
        d[i] = (float)i;
    op(p, '.');
    member m[] = {{"arch/data.pkl", p->b, p->n}, {"arch/data/0", d, (size_t)nfloats * 4},
                  {"arch/version", "3\n", 2}};
    const char *path = write_zip(file, m, 3, deflate);
    free(d);
    free(p->b);
    memset(p, 0, sizeof *p);
    return path;
}

static int load_pickle(pkb *p, const rq_pickle_limits *lim, rq_arena **a, const rq_value **root,
                       rq_error *err)
{
    op(p, '.');
    int rc = rq_pickle_load(p->b, p->n, lim, NULL, a, root, err);
    free(p->b);
    memset(p, 0, sizeof *p);
    return rc;
}

/* ---- cases ---- */

static void views_of_one_storage(int deflate)
{
    pkb p = {0};
    op(&p, 0x80);
    op(&p, 2);
    op(&p, '}');
    op(&p, '(');
    str(&p, "w");
    tensor(&p, "FloatStorage", "0", 12, 0, 2, (int64_t[]){3, 4}, (int64_t[]){4, 1});
    str(&p, "wt");
    tensor(&p, "FloatStorage", "0", 12, 0, 2, (int64_t[]){4, 3}, (int64_t[]){1, 4});
    str(&p, "col");
    tensor(&p, "FloatStorage", "0", 12, 2, 1, (int64_t[]){3}, (int64_t[]){4});
    op(&p, 'u');
    const char *path = archive(deflate ? "views_deflated.pth" : "views.pth", &p, 12, deflate);
    CHECK(path);
    rq_error err = {{0}};
    rq_torch_file *f;
    CHECK_MSG(!rq_torch_open(path, &f, &err), "%.300s", err.msg);
    const rq_value *root = rq_torch_root(f);
    const rq_tensor *w = rq_value_tensor(rq_dict_get(root, "w"));
    const rq_tensor *wt = rq_value_tensor(rq_dict_get(root, "wt"));
    const rq_tensor *col = rq_value_tensor(rq_dict_get(root, "col"));
    CHECK(w && wt && col);
    CHECK(w->storage == wt->storage && wt->storage == col->storage);
    CHECK(rq_state_dict(root) == root);
    float out[12];
    /* backwards first, so a deflated member has to restart */
    CHECK_MSG(!rq_tensor_read_f32(f, col, 0, 3, out, &err), "%.300s", err.msg);
    CHECK(out[0] == 2 && out[1] == 6 && out[2] == 10);
    CHECK(!rq_tensor_read_f32(f, wt, 0, 12, out, &err));
    for (int i = 0; i < 12; i++)
        CHECK_NEAR(out[i], (i % 3) * 4 + i / 3, 0); /* wt[r][c] = w[c][r] = 4c + r */
    CHECK(!rq_tensor_read_f32(f, w, 5, 4, out, &err));
    CHECK(out[0] == 5 && out[3] == 8);
    double d[2];
    CHECK(!rq_tensor_read_f64(f, wt, 10, 2, d, &err));
    CHECK(d[0] == 7 && d[1] == 11);
    int64_t iv[1];
    CHECK(rq_tensor_read_i64(f, w, 0, 1, iv, &err) == -1);
    CHECK(rq_tensor_read_f32(f, w, 10, 3, out, &err) == -1); /* past the end */
    rq_torch_close(f);
}

static void stored_views(void) { views_of_one_storage(0); }
static void deflated_views(void) { views_of_one_storage(1); }

static void forbidden_global_is_opaque(void)
{
    pkb p = {0};
    op(&p, 0x80);
    op(&p, 2);
    op(&p, '}');
    str(&p, "run");
    glob(&p, "os", "system");
    str(&p, "touch /nonexistent-dir/x");
    op(&p, 0x85);
    op(&p, 'R');
    op(&p, '}'); /* BUILD with a state: ignored */
    op(&p, 'b');
    op(&p, 's');
    str(&p, "ns");
    glob(&p, "argparse", "Namespace");
    op(&p, ')');
    op(&p, 0x81); /* NEWOBJ */
    op(&p, 's');
    str(&p, "w");
    tensor(&p, "FloatStorage", "0", 2, 0, 1, (int64_t[]){2}, (int64_t[]){1});
    op(&p, 's');
    const char *path = archive("evil.pth", &p, 2, 0);
    rq_error err = {{0}};
    rq_torch_file *f;
    CHECK_MSG(!rq_torch_open(path, &f, &err), "%.300s", err.msg);
    const rq_value *run = rq_dict_get(rq_torch_root(f), "run");
    const rq_value *ns = rq_dict_get(rq_torch_root(f), "ns");
    CHECK(run && run->type == RQ_V_OPAQUE && !strcmp(run->u.opaque, "os.system"));
    CHECK(ns && ns->type == RQ_V_OPAQUE && !strcmp(ns->u.opaque, "argparse.Namespace"));
    CHECK(rq_value_tensor(rq_dict_get(rq_torch_root(f), "w")));
    CHECK(rq_state_dict(rq_torch_root(f)) == NULL); /* not all values are tensors */
    rq_torch_close(f);
}

static void cycle_is_cut(void)
{
    pkb p = {0};
    op(&p, ']');
    op(&p, 'q');
    op(&p, 0);
    op(&p, 'h');
    op(&p, 0);
    op(&p, 'a'); /* l.append(l) */
    rq_arena *a;
    const rq_value *root;
    rq_error err = {{0}};
    CHECK_MSG(!load_pickle(&p, NULL, &a, &root, &err), "%.300s", err.msg);
    CHECK(root->type == RQ_V_LIST && root->u.seq.n == 1);
    CHECK(root->u.seq.items[0]->type == RQ_V_OPAQUE);
    CHECK(!strcmp(root->u.seq.items[0]->u.opaque, "<recursive>"));
    rq_arena_free(a);
}

static void deep_nesting_fails(void)
{
    pkb p = {0};
    op(&p, 'N');
    for (int i = 0; i < 5000; i++)
        op(&p, 0x85); /* TUPLE1 */
    rq_arena *a;
    const rq_value *root;
    rq_error err = {{0}};
    CHECK(load_pickle(&p, NULL, &a, &root, &err) == -1);
    CHECK_MSG(strstr(err.msg, "nested deeper than 256"), "%.300s", err.msg);
}

static void mark_bomb_fails(void)
{
    pkb p = {0};
    for (int i = 0; i < 20000; i++)
        op(&p, '(');
    rq_arena *a;
    const rq_value *root;
    rq_error err = {{0}};
    CHECK(load_pickle(&p, NULL, &a, &root, &err) == -1);
    CHECK_MSG(strstr(err.msg, "nested MARKs"), "%.300s", err.msg);
}

static void huge_lengths_fail_without_allocating(void)
{
    static const unsigned char cases[][12] = {
        {0x8d, 0, 0, 0, 0, 0, 0, 0, 0x10},   /* BINUNICODE8 of 2^60 bytes */
        {'X', 0xff, 0xff, 0xff, 0x7f},       /* BINUNICODE of 2 GB */
        {0x8b, 0xff, 0xff, 0xff, 0x7f},      /* LONG4 of 2 GB */
        {'r', 0xf0, 0xff, 0xff, 0xff, 'N'},  /* LONG_BINPUT on an empty stack */
    };
    static const size_t lens[] = {9, 5, 5, 6};
    for (int i = 0; i < 4; i++) {
        rq_arena *a;
        const rq_value *root;
        rq_error err = {{0}};
        CHECK_MSG(rq_pickle_load(cases[i], lens[i], NULL, NULL, &a, &root, &err) == -1, "case %d", i);
        CHECK_MSG(strstr(err.msg, "data.pkl: "), "%.300s", err.msg);
    }
}

static void sparse_memo_and_missing_key(void)
{
    pkb p = {0};
    op(&p, 'N');
    op(&p, 'r');
    u32le(&p, 0xfffffff0u); /* a sparse index must not size an array */
    op(&p, '0');
    op(&p, 'j');
    u32le(&p, 0xfffffff0u);
    rq_arena *a;
    const rq_value *root;
    rq_error err = {{0}};
    CHECK_MSG(!load_pickle(&p, NULL, &a, &root, &err), "%.300s", err.msg);
    CHECK(root->type == RQ_V_NONE);
    rq_arena_free(a);
    op(&p, 'h');
    op(&p, 3);
    CHECK(load_pickle(&p, NULL, &a, &root, &err) == -1);
    CHECK_MSG(!strcmp(err.msg, "data.pkl: memo key 3 missing at offset 0"), "%.300s", err.msg);
}

static void arena_cap_stops_allocation(void)
{
    pkb p = {0};
    op(&p, ']');
    op(&p, '(');
    for (int i = 0; i < 200000; i++)
        op(&p, '}');
    op(&p, 'e');
    rq_pickle_limits lim = rq_pickle_default_limits;
    lim.max_bytes = 1 << 20;
    rq_arena *a;
    const rq_value *root;
    rq_error err = {{0}};
    CHECK(load_pickle(&p, &lim, &a, &root, &err) == -1);
    CHECK_MSG(strstr(err.msg, "pickle structures exceed 1 MB"), "%.300s", err.msg);
}

static void stack_underflow_and_unknown_opcode(void)
{
    pkb p = {0};
    op(&p, 'N');
    op(&p, 0x86); /* TUPLE2 of one item */
    rq_arena *a;
    const rq_value *root;
    rq_error err = {{0}};
    CHECK(load_pickle(&p, NULL, &a, &root, &err) == -1);
    CHECK_MSG(!strcmp(err.msg, "data.pkl: stack underflow at offset 1"), "%.300s", err.msg);
    op(&p, 0x80);
    op(&p, 2);
    op(&p, 'N');
    op(&p, 0x82);
    CHECK(load_pickle(&p, NULL, &a, &root, &err) == -1);
    CHECK_MSG(!strcmp(err.msg, "data.pkl: unsupported pickle opcode 0x82 at offset 3"), "%.300s", err.msg);
    /* no STOP */
    static const unsigned char none[] = {'N'};
    CHECK(rq_pickle_load(none, 1, NULL, NULL, &a, &root, &err) == -1);
    CHECK_MSG(strstr(err.msg, "no STOP"), "%.300s", err.msg);
}

static void duplicate_keys_keep_python_semantics(void)
{
    pkb p = {0};
    op(&p, '}');
    op(&p, '(');
    str(&p, "a");
    bint(&p, 1);
    str(&p, "b");
    bint(&p, 2);
    str(&p, "a");
    bint(&p, 3);
    op(&p, 'u');
    rq_arena *a;
    const rq_value *root;
    rq_error err = {{0}};
    CHECK_MSG(!load_pickle(&p, NULL, &a, &root, &err), "%.300s", err.msg);
    CHECK(root->type == RQ_V_DICT && root->u.dict.n == 2);
    CHECK(!strcmp(root->u.dict.keys[0]->u.str.s, "a") && root->u.dict.vals[0]->u.i == 3);
    CHECK(rq_dict_get(root, "b")->u.i == 2);
    rq_arena_free(a);
}

static void integers_of_every_width(void)
{
    static const unsigned char pk[] = {
        '(', 'K', 200, 'M', 0x34, 0x12, 'J', 0xfe, 0xff, 0xff, 0xff,
        0x8a, 8, 0, 0, 0, 0, 0, 0, 0, 0x80,         /* LONG1: -2^63 */
        0x8a, 9, 1, 0, 0, 0, 0, 0, 0, 0, 1,         /* 2^64 + 1: too large */
        0x8a, 0,                                    /* 0 */
        0x8a, 2, 0x00, 0xff,                        /* -256 */
        'I', '0', '1', '\n', 'I', '-', '7', '\n',   /* True, -7 */
        'G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0,          /* 1.5 */
        'l', '.'};
    rq_arena *a;
    const rq_value *r;
    rq_error err = {{0}};
    CHECK_MSG(!rq_pickle_load(pk, sizeof pk, NULL, NULL, &a, &r, &err), "%.300s", err.msg);
    CHECK(r->type == RQ_V_LIST && r->u.seq.n == 10);
    rq_value **v = r->u.seq.items;
    CHECK(v[0]->u.i == 200 && v[1]->u.i == 0x1234 && v[2]->u.i == -2);
    CHECK(v[3]->type == RQ_V_INT && v[3]->u.i == INT64_MIN);
    CHECK(v[4]->type == RQ_V_OPAQUE && !strcmp(v[4]->u.opaque, "builtins.int"));
    CHECK(v[5]->u.i == 0 && v[6]->u.i == -256);
    CHECK(v[7]->type == RQ_V_BOOL && v[7]->u.b == 1 && v[8]->u.i == -7);
    CHECK(v[9]->type == RQ_V_FLOAT && v[9]->u.f == 1.5);
    rq_arena_free(a);
}

static void tensor_bigger_than_storage_names_key(void)
{
    pkb p = {0};
    op(&p, '}');
    str(&p, "model_state_dict");
    op(&p, '}');
    str(&p, "fc.weight");
    tensor(&p, "FloatStorage", "0", 4, 0, 2, (int64_t[]){2, 3}, (int64_t[]){3, 1});
    op(&p, 's');
    op(&p, 's');
    const char *path = archive("toobig.pth", &p, 4, 0);
    rq_error err = {{0}};
    rq_torch_file *f;
    CHECK(rq_torch_open(path, &f, &err) == -1);
    CHECK_MSG(strstr(err.msg, "toobig.pth: tensor 'model_state_dict.fc.weight' (float32 [2, 3]"),
              "%.300s", err.msg);
    CHECK_MSG(strstr(err.msg, "needs 6 elements but its storage '0' holds 4"), "%.300s", err.msg);
}

static void stride_overflow_is_refused(void)
{
    pkb p = {0};
    tensor(&p, "FloatStorage", "0", 4, 0, 2, (int64_t[]){2, 2}, (int64_t[]){0x7fffffff, 0x7fffffff});
    const char *path = archive("overflow.pth", &p, 4, 0);
    rq_error err = {{0}};
    rq_torch_file *f;
    CHECK(rq_torch_open(path, &f, &err) == -1);
    CHECK_MSG(strstr(err.msg, "overflow.pth: tensor '(root)'"), "%.300s", err.msg);
}

static void no_pickle_member(void)
{
    member m[] = {{"arch/other", "x", 1}};
    const char *path = write_zip("nopkl.pth", m, 1, 0);
    rq_error err = {{0}};
    rq_torch_file *f;
    CHECK(rq_torch_open(path, &f, &err) == -1);
    CHECK_MSG(strstr(err.msg, "nopkl.pth: no <archive>/data.pkl member"), "%.300s", err.msg);
}

/* Found by fuzz_pickle: MARK/TUPLE on a fresh stack, APPENDS/SETITEMS of nothing. */
static void empty_marks(void)
{
    rq_arena *a;
    const rq_value *r;
    rq_error err = {{0}};
    static const unsigned char pk2[] = {'(', 't', ']', '(', 'e', '}', '(', 'u', '0', 0x86, '.'};
    CHECK_MSG(!rq_pickle_load(pk2, sizeof pk2, NULL, NULL, &a, &r, &err), "%.300s", err.msg);
    CHECK(r->type == RQ_V_TUPLE && r->u.seq.n == 2);
    CHECK(r->u.seq.items[0]->type == RQ_V_TUPLE && r->u.seq.items[0]->u.seq.n == 0);
    CHECK(r->u.seq.items[1]->type == RQ_V_LIST && r->u.seq.items[1]->u.seq.n == 0);
    rq_arena_free(a);
}

static void fmt_double_round_trips(void)
{
    char b[64];
    rq_fmt_double(b, sizeof b, 0.1);
    CHECK(!strcmp(b, "0.1"));
    rq_fmt_double(b, sizeof b, 1.0 / 3.0);
    CHECK(!strcmp(b, "0.3333333333333333"));
    rq_fmt_double(b, sizeof b, 1e16);
    CHECK(!strcmp(b, "1e+16"));
    rq_fmt_double(b, sizeof b, -0.0);
    CHECK(!strcmp(b, "-0"));
}

/* ---- comparison against PyTorch's values ---- */

typedef struct found {
    const char *want;
    const rq_tensor *t;
} found;

static void find_tensor(const rq_value *v, char *path, size_t cap, found *fd)
{
    if (fd->t)
        return;
    const char *shown = path[0] ? path : "(root)";
    if (v->type == RQ_V_TENSOR && !strcmp(shown, fd->want)) {
        fd->t = &v->u.tensor;
        return;
    }
    size_t plen = strlen(path);
    if (v->type == RQ_V_LIST || v->type == RQ_V_TUPLE) {
        for (size_t i = 0; i < v->u.seq.n; i++) {
            rq_path_push_index(path, cap, i);
            find_tensor(v->u.seq.items[i], path, cap, fd);
            path[plen] = 0;
        }
    } else if (v->type == RQ_V_DICT) {
        for (size_t i = 0; i < v->u.dict.n; i++) {
            rq_path_push_key(path, cap, v->u.dict.keys[i]);
            find_tensor(v->u.dict.vals[i], path, cap, fd);
            path[plen] = 0;
        }
    }
}

static int same_double(double a, double b)
{
    return (a != a && b != b) || (a == b && signbit(a) == signbit(b));
}

/* One line: path \t dtype \t shape \t values. Returns 0 if the tensor matches. */
static int compare_line(rq_torch_file *f, char *line, char *why, size_t whycap)
{
    char *path = strtok(line, "\t"), *dtype = strtok(NULL, "\t"), *shape = strtok(NULL, "\t");
    char *vals = strtok(NULL, "\n");
    if (!path || !dtype || !shape) {
        snprintf(why, whycap, "malformed line");
        return -1;
    }
    char buf[1024] = "";
    found fd = {path, NULL};
    find_tensor(rq_torch_root(f), buf, sizeof buf, &fd);
    const rq_tensor *t = fd.t;
    if (!t)
        return snprintf(why, whycap, "no tensor at this path"), -1;
    if (strcmp(rq_dtype_name(t->dtype), dtype))
        return snprintf(why, whycap, "dtype %s, torch says %s", rq_dtype_name(t->dtype), dtype), -1;
    char sh[256] = "";
    size_t n = 0;
    for (int d = 0; d < t->ndim; d++)
        n += (size_t)snprintf(sh + n, sizeof sh - n, "%s%" PRId64, d ? "," : "", t->shape[d]);
    if (strcmp(sh, strcmp(shape, "-") ? shape : ""))
        return snprintf(why, whycap, "shape %s, torch says %s", sh, shape), -1;
    int is_float = t->dtype == RQ_DT_F32 || t->dtype == RQ_DT_F64 || t->dtype == RQ_DT_F16 ||
                   t->dtype == RQ_DT_BF16;
    int64_t N = t->numel;
    double *want = malloc((size_t)(N + 1) * sizeof *want), *got = malloc((size_t)(N + 1) * sizeof *got);
    int64_t *wi = malloc((size_t)(N + 1) * sizeof *wi), *gi = malloc((size_t)(N + 1) * sizeof *gi);
    float *gf = malloc((size_t)(N + 1) * sizeof *gf);
    int rc = -1;
    char *s = vals ? vals : (char *)"";
    for (int64_t i = 0; i < N; i++) {
        char *end;
        if (is_float)
            want[i] = strtod(s, &end);
        else
            wi[i] = strtoll(s, &end, 10), want[i] = (double)wi[i];
        if (end == s) {
            snprintf(why, whycap, "expected values file has too few values");
            goto out;
        }
        s = end;
    }
    rq_error err = {{0}};
    if (rq_tensor_read_f64(f, t, 0, N, got, &err) || rq_tensor_read_f32(f, t, 0, N, gf, &err) ||
        (!is_float && rq_tensor_read_i64(f, t, 0, N, gi, &err))) {
        snprintf(why, whycap, "%.300s", err.msg);
        goto out;
    }
    for (int64_t i = 0; i < N; i++) {
        if (!same_double(got[i], want[i]) || !same_double(gf[i], (double)(float)want[i]) ||
            (!is_float && gi[i] != wi[i])) {
            snprintf(why, whycap, "element %" PRId64 ": %.17g, torch says %.17g", i, got[i], want[i]);
            goto out;
        }
    }
    /* sub-ranges gather the same elements */
    for (int64_t start = 1; start < N; start += N / 7 + 1) {
        int64_t cnt = (N - start) / 2 + 1;
        if (rq_tensor_read_f64(f, t, start, cnt, got, &err)) {
            snprintf(why, whycap, "%.300s", err.msg);
            goto out;
        }
        for (int64_t i = 0; i < cnt; i++)
            if (!same_double(got[i], want[start + i])) {
                snprintf(why, whycap, "range from %" PRId64 ", element %" PRId64 " differs", start, i);
                goto out;
            }
    }
    rc = 0;
out:
    free(want);
    free(got);
    free(wi);
    free(gi);
    free(gf);
    return rc;
}

static int compare_values(const char *pth, const char *values)
{
    rq_error err = {{0}};
    rq_torch_file *f;
    if (rq_torch_open(pth, &f, &err)) {
        printf("FAIL %s: %s\n", pth, err.msg);
        return 1;
    }
    FILE *fp = fopen(values, "r");
    if (!fp) {
        printf("FAIL %s: cannot read %s\n", pth, values);
        rq_torch_close(f);
        return 1;
    }
    size_t cap = 0;
    char *line = NULL;
    int failures = 0, tensors = 0;
    while (getline(&line, &cap, fp) > 0) {
        char why[600], path[300];
        snprintf(path, sizeof path, "%.*s", (int)strcspn(line, "\t"), line);
        tensors++;
        if (compare_line(f, line, why, sizeof why)) {
            printf("FAIL %s %s: %s\n", pth, path, why);
            failures++;
        }
    }
    free(line);
    fclose(fp);
    rq_torch_close(f);
    if (!failures)
        printf("PASS %s: %d tensors equal torch's\n", pth, tensors);
    return failures ? 1 : 0;
}

static int stream_dataset(const char *path)
{
    rq_error err = {{0}};
    rq_dataset ds;
    if (rq_dataset_open(path, &ds, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    float *w = malloc((size_t)ds.window_floats * 5 * sizeof *w);
    double sum = 0;
    int rc = 0;
    for (int64_t i = 0; i < ds.n && !rc; i += 5) {
        int64_t c = ds.n - i < 5 ? ds.n - i : 5;
        if (rq_dataset_read_windows(&ds, i, c, w, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            rc = 1;
            break;
        }
        for (int64_t k = 0; k < c * ds.window_floats; k++)
            sum += w[k];
    }
    if (!rc) {
        double lsum = 0;
        int64_t ssum = 0;
        for (int64_t i = 0; i < ds.n; i++) {
            lsum += ds.labels[i];
            ssum += ds.subjects ? ds.subjects[i] : 0;
        }
        printf("n=%" PRId64 " shape=%d,%d,%d,%d,%d stride=%d subjects=%s sum=%.3f labels=%.3f "
               "subjsum=%" PRId64 "\n", ds.n, ds.frames, ds.rois, ds.height, ds.width,
               ds.channels, ds.frame_stride, ds.subjects ? "yes" : "no", sum, lsum, ssum);
    }
    free(w);
    rq_dataset_close(&ds);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--values"))
        return compare_values(argv[2], argv[3]);
    if (argc == 3 && !strcmp(argv[1], "--dataset"))
        return stream_dataset(argv[2]);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/rq_torch_test.XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    RUN(stored_views);
    RUN(deflated_views);
    RUN(forbidden_global_is_opaque);
    RUN(cycle_is_cut);
    RUN(deep_nesting_fails);
    RUN(mark_bomb_fails);
    RUN(huge_lengths_fail_without_allocating);
    RUN(sparse_memo_and_missing_key);
    RUN(arena_cap_stops_allocation);
    RUN(stack_underflow_and_unknown_opcode);
    RUN(duplicate_keys_keep_python_semantics);
    RUN(integers_of_every_width);
    RUN(tensor_bigger_than_storage_names_key);
    RUN(stride_overflow_is_refused);
    RUN(no_pickle_member);
    RUN(empty_marks);
    RUN(fmt_double_round_trips);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd)) {
    }
    TEST_EXIT();
}
