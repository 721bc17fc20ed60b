#include "io/torch_write.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "common/cleanup.h"

#define TW_MAX_DEPTH 16
#define TW_ALIGN 64
#define TW_PREFIX "archive/"
/* Fixed member time (1980-01-01, the zip epoch) so that output is byte-identical. */
#define TW_MTIME ((time_t)315532800)

typedef struct tw_storage {
    uint64_t offset; /* in the temporary data file */
    uint64_t bytes;
} tw_storage;

struct rq_torch_writer {
    char path[4096];
    char data_tmp[4096 + 32];
    int cleanup_data, cleanup_zip; /* registrations for removal on an interrupt */
    FILE *data;          /* temporary file holding every storage back to back */
    uint64_t data_bytes; /* written to it so far */
    unsigned char *pkl;  /* the pickle being built */
    size_t pkl_len, pkl_cap;
    tw_storage *st;
    size_t n_st, cap_st;
    uint64_t stream_left; /* bytes still owed to the tensor begun last */
    int depth;
    int expect_key[TW_MAX_DEPTH]; /* per open dict: next call must be a key */
    int root_done;
    int failed;
    rq_error err;
};

static int tw_fail(rq_torch_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int tw_fail(rq_torch_writer *w, const char *fmt, ...)
{
    if (!w->failed) {
        char msg[400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        rq_fail(&w->err, "%s: %s", w->path, msg);
        w->failed = 1;
    }
    return -1;
}

static int put(rq_torch_writer *w, const void *p, size_t n)
{
    if (w->failed)
        return -1;
    if (w->pkl_len + n > w->pkl_cap) {
        size_t cap = w->pkl_cap ? w->pkl_cap : 256;
        while (cap < w->pkl_len + n)
            cap *= 2;
        unsigned char *q = realloc(w->pkl, cap);
        if (!q)
            return tw_fail(w, "out of memory");
        w->pkl = q;
        w->pkl_cap = cap;
    }
    memcpy(w->pkl + w->pkl_len, p, n);
    w->pkl_len += n;
    return 0;
}

static int put_op(rq_torch_writer *w, unsigned char op)
{
    return put(w, &op, 1);
}

static int put_le(rq_torch_writer *w, uint64_t v, int n)
{
    unsigned char b[8];
    for (int i = 0; i < n; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    return put(w, b, (size_t)n);
}

/* Pickle opcodes (protocol 2). */
enum {
    OP_MARK = '(', OP_STOP = '.', OP_BININT = 'J', OP_BININT1 = 'K', OP_BININT2 = 'M',
    OP_BINFLOAT = 'G', OP_BINUNICODE = 'X', OP_GLOBAL = 'c', OP_REDUCE = 'R', OP_TUPLE = 't',
    OP_EMPTY_TUPLE = ')', OP_EMPTY_DICT = '}', OP_SETITEMS = 'u', OP_BINPERSID = 'Q',
    OP_PROTO = 0x80, OP_NEWTRUE = 0x88, OP_NEWFALSE = 0x89, OP_LONG1 = 0x8a,
};

static void pk_int(rq_torch_writer *w, int64_t v)
{
    if (v >= 0 && v < 256) {
        put_op(w, OP_BININT1);
        put_le(w, (uint64_t)v, 1);
    } else if (v >= 0 && v < 65536) {
        put_op(w, OP_BININT2);
        put_le(w, (uint64_t)v, 2);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        put_op(w, OP_BININT);
        put_le(w, (uint64_t)v, 4);
    } else {
        put_op(w, OP_LONG1);
        put_le(w, 8, 1);
        put_le(w, (uint64_t)v, 8);
    }
}

static void pk_str(rq_torch_writer *w, const char *s)
{
    size_t n = strlen(s);
    put_op(w, OP_BINUNICODE);
    put_le(w, n, 4);
    put(w, s, n);
}

static void pk_global(rq_torch_writer *w, const char *module, const char *name)
{
    put_op(w, OP_GLOBAL);
    put(w, module, strlen(module));
    put(w, "\n", 1);
    put(w, name, strlen(name));
    put(w, "\n", 1);
}

/* Checks that a value may come now (root, or after a key) and updates the dict state. */
static int begin_value(rq_torch_writer *w)
{
    if (w->failed)
        return -1;
    if (w->stream_left)
        return tw_fail(w, "value written before the previous tensor's data was complete");
    if (w->depth == 0) {
        if (w->root_done)
            return tw_fail(w, "more than one root value");
        w->root_done = 1;
        return 0;
    }
    if (w->expect_key[w->depth - 1])
        return tw_fail(w, "dict value written without a key");
    w->expect_key[w->depth - 1] = 1;
    return 0;
}

int rq_tw_open(rq_torch_writer **out, const char *path, rq_error *err)
{
    *out = NULL;
    rq_torch_writer *w = calloc(1, sizeof *w);
    if (!w)
        return rq_fail(err, "%s: out of memory", path);
    if (strlen(path) >= sizeof w->path) {
        free(w);
        return rq_fail(err, "%s: path too long", path);
    }
    strcpy(w->path, path);
    snprintf(w->data_tmp, sizeof w->data_tmp, "%s.data.XXXXXX", path);
    int fd = mkstemp(w->data_tmp);
    if (fd < 0) {
        int e = errno;
        free(w);
        return rq_fail(err, "%s: cannot create temporary file: %s", path, strerror(e));
    }
    w->cleanup_data = rq_cleanup_add(w->data_tmp);
    w->data = fdopen(fd, "wb");
    if (!w->data) {
        close(fd);
        unlink(w->data_tmp);
        free(w);
        return rq_fail(err, "%s: cannot open temporary file", path);
    }
    put_op(w, OP_PROTO);
    put_le(w, 2, 1);
    *out = w;
    return 0;
}

int rq_tw_dict_begin(rq_torch_writer *w, int ordered)
{
    if (begin_value(w))
        return -1;
    if (w->depth >= TW_MAX_DEPTH)
        return tw_fail(w, "dicts nested deeper than %d", TW_MAX_DEPTH);
    if (ordered) {
        pk_global(w, "collections", "OrderedDict");
        put_op(w, OP_EMPTY_TUPLE);
        put_op(w, OP_REDUCE);
    } else {
        put_op(w, OP_EMPTY_DICT);
    }
    put_op(w, OP_MARK);
    w->expect_key[w->depth++] = 1;
    return w->failed ? -1 : 0;
}

int rq_tw_dict_end(rq_torch_writer *w)
{
    if (w->failed)
        return -1;
    if (w->depth == 0)
        return tw_fail(w, "dict end without a dict");
    if (!w->expect_key[w->depth - 1])
        return tw_fail(w, "dict ended after a key without a value");
    if (w->stream_left)
        return tw_fail(w, "dict ended before the tensor's data was complete");
    w->depth--;
    return put_op(w, OP_SETITEMS);
}

int rq_tw_key(rq_torch_writer *w, const char *key)
{
    if (w->failed)
        return -1;
    if (w->depth == 0 || !w->expect_key[w->depth - 1])
        return tw_fail(w, "key '%s' where a value was expected", key);
    w->expect_key[w->depth - 1] = 0;
    pk_str(w, key);
    return w->failed ? -1 : 0;
}

int rq_tw_int(rq_torch_writer *w, int64_t v)
{
    if (begin_value(w))
        return -1;
    pk_int(w, v);
    return w->failed ? -1 : 0;
}

int rq_tw_float(rq_torch_writer *w, double v)
{
    if (begin_value(w))
        return -1;
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(bits >> (8 * (7 - i))); /* BINFLOAT is big-endian */
    put_op(w, OP_BINFLOAT);
    return put(w, b, 8);
}

int rq_tw_bool(rq_torch_writer *w, int v)
{
    if (begin_value(w))
        return -1;
    return put_op(w, v ? OP_NEWTRUE : OP_NEWFALSE);
}

int rq_tw_str(rq_torch_writer *w, const char *s)
{
    if (begin_value(w))
        return -1;
    pk_str(w, s);
    return w->failed ? -1 : 0;
}

static const char *storage_class(rq_dtype t, size_t *elem)
{
    switch (t) {
    case RQ_DT_F32: *elem = 4; return "FloatStorage";
    case RQ_DT_F64: *elem = 8; return "DoubleStorage";
    case RQ_DT_F16: *elem = 2; return "HalfStorage";
    case RQ_DT_BF16: *elem = 2; return "BFloat16Storage";
    case RQ_DT_I64: *elem = 8; return "LongStorage";
    case RQ_DT_I32: *elem = 4; return "IntStorage";
    case RQ_DT_I16: *elem = 2; return "ShortStorage";
    case RQ_DT_I8: *elem = 1; return "CharStorage";
    case RQ_DT_U8: *elem = 1; return "ByteStorage";
    case RQ_DT_BOOL: *elem = 1; return "BoolStorage";
    }
    return NULL;
}

/* torch._utils._rebuild_tensor_v2(persistent storage, offset 0, shape, contiguous strides,
 * requires_grad False, empty backward hooks). */
static void pk_tensor(rq_torch_writer *w, const char *cls, size_t key, int64_t numel, int ndim,
                      const int64_t *shape)
{
    char keystr[32];
    snprintf(keystr, sizeof keystr, "%zu", key);
    pk_global(w, "torch._utils", "_rebuild_tensor_v2");
    put_op(w, OP_MARK);
    put_op(w, OP_MARK);
    pk_str(w, "storage");
    pk_global(w, "torch", cls);
    pk_str(w, keystr);
    pk_str(w, "cpu");
    pk_int(w, numel);
    put_op(w, OP_TUPLE);
    put_op(w, OP_BINPERSID);
    pk_int(w, 0);
    put_op(w, OP_MARK);
    for (int i = 0; i < ndim; i++)
        pk_int(w, shape[i]);
    put_op(w, OP_TUPLE);
    put_op(w, OP_MARK);
    int64_t stride = 1;
    int64_t strides[RQ_MAX_DIMS];
    for (int i = ndim - 1; i >= 0; i--) {
        strides[i] = stride;
        stride *= shape[i];
    }
    for (int i = 0; i < ndim; i++)
        pk_int(w, strides[i]);
    put_op(w, OP_TUPLE);
    put_op(w, OP_NEWFALSE);
    pk_global(w, "collections", "OrderedDict");
    put_op(w, OP_EMPTY_TUPLE);
    put_op(w, OP_REDUCE);
    put_op(w, OP_TUPLE);
    put_op(w, OP_REDUCE);
}

int rq_tw_tensor_begin(rq_torch_writer *w, rq_dtype dtype, int ndim, const int64_t *shape)
{
    if (begin_value(w))
        return -1;
    size_t elem = 0;
    const char *cls = storage_class(dtype, &elem);
    if (!cls)
        return tw_fail(w, "unsupported tensor dtype %d", (int)dtype);
    if (ndim < 0 || ndim > RQ_MAX_DIMS)
        return tw_fail(w, "tensor with %d dimensions", ndim);
    int64_t numel = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0 || (shape[i] && numel > INT64_MAX / 16 / shape[i]))
            return tw_fail(w, "bad tensor shape (dimension %d = %lld)", i, (long long)shape[i]);
        numel *= shape[i];
    }
    if (w->n_st == w->cap_st) {
        size_t cap = w->cap_st ? 2 * w->cap_st : 8;
        tw_storage *s = realloc(w->st, cap * sizeof *s);
        if (!s)
            return tw_fail(w, "out of memory");
        w->st = s;
        w->cap_st = cap;
    }
    w->st[w->n_st].offset = w->data_bytes;
    w->st[w->n_st].bytes = (uint64_t)numel * elem;
    pk_tensor(w, cls, w->n_st, numel, ndim, shape);
    w->n_st++;
    w->stream_left = (uint64_t)numel * elem;
    return w->failed ? -1 : 0;
}

int rq_tw_tensor_append(rq_torch_writer *w, const void *data, size_t bytes)
{
    if (w->failed)
        return -1;
    if (bytes > w->stream_left)
        return tw_fail(w, "more tensor data than the tensor's size");
    if (bytes && fwrite(data, 1, bytes, w->data) != bytes)
        return tw_fail(w, "cannot write temporary file: %s", strerror(errno));
    w->stream_left -= bytes;
    w->data_bytes += bytes;
    return 0;
}

int rq_tw_tensor(rq_torch_writer *w, rq_dtype dtype, int ndim, const int64_t *shape, const void *data)
{
    if (rq_tw_tensor_begin(w, dtype, ndim, shape))
        return -1;
    return rq_tw_tensor_append(w, data, (size_t)w->stream_left);
}

static void tw_free(rq_torch_writer *w)
{
    if (w->data)
        fclose(w->data);
    unlink(w->data_tmp);
    rq_cleanup_drop(w->cleanup_data);
    rq_cleanup_drop(w->cleanup_zip);
    free(w->pkl);
    free(w->st);
    free(w);
}

void rq_tw_abort(rq_torch_writer *w)
{
    if (w)
        tw_free(w);
}

/* Size of the local header libzip writes for a stored member without other extra fields:
 * 30 fixed bytes, the name, our padding field (4 + pad) and a zip64 field (4 + 16) when the
 * member is too large for 32-bit sizes. */
static uint64_t local_header_fixed(const char *name, uint64_t size)
{
    return 30 + strlen(name) + 4 + (size > 0xFFFFFFFFull ? 20 : 0);
}

/* Adds one stored member whose data starts at a multiple of TW_ALIGN, padding the local
 * header with an extra field (id "FB", as torch does); *pos tracks the archive offset. */
static int add_member(rq_torch_writer *w, zip_t *za, const char *name, zip_source_t *src,
                      uint64_t size, uint64_t *pos)
{
    static const zip_uint8_t zeros[TW_ALIGN];
    uint64_t hdr = local_header_fixed(name, size);
    uint16_t pad = (uint16_t)((TW_ALIGN - (*pos + hdr) % TW_ALIGN) % TW_ALIGN);
    zip_int64_t idx = zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
        zip_source_free(src);
        return tw_fail(w, "cannot add %s: %s", name, zip_strerror(za));
    }
    if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0) ||
        zip_file_set_mtime(za, (zip_uint64_t)idx, TW_MTIME, 0) ||
        zip_file_extra_field_set(za, (zip_uint64_t)idx, 0x4246, ZIP_EXTRA_FIELD_NEW, zeros, pad,
                                 ZIP_FL_LOCAL))
        return tw_fail(w, "cannot set up %s: %s", name, zip_strerror(za));
    *pos += hdr + pad + size;
    return 0;
}

static int add_buffer(rq_torch_writer *w, zip_t *za, const char *name, const void *buf, size_t n,
                      uint64_t *pos)
{
    zip_source_t *src = zip_source_buffer(za, buf, n, 0);
    if (!src)
        return tw_fail(w, "cannot add %s: %s", name, zip_strerror(za));
    return add_member(w, za, name, src, n, pos);
}

static int build_archive(rq_torch_writer *w, zip_t *za)
{
    uint64_t pos = 0;
    char name[64];
    if (add_buffer(w, za, TW_PREFIX "data.pkl", w->pkl, w->pkl_len, &pos))
        return -1;
    for (size_t i = 0; i < w->n_st; i++) {
        snprintf(name, sizeof name, TW_PREFIX "data/%zu", i);
        zip_source_t *src = zip_source_file(za, w->data_tmp, w->st[i].offset,
                                            (zip_int64_t)w->st[i].bytes);
        if (!src)
            return tw_fail(w, "cannot add %s: %s", name, zip_strerror(za));
        if (add_member(w, za, name, src, w->st[i].bytes, &pos))
            return -1;
    }
    return add_buffer(w, za, TW_PREFIX "version", "3\n", 2, &pos);
}

int rq_tw_commit(rq_torch_writer *w, rq_error *err)
{
    if (!w->failed && (w->depth || !w->root_done))
        tw_fail(w, "unfinished object (a dict is still open)");
    if (!w->failed && w->stream_left)
        tw_fail(w, "tensor data incomplete (%llu bytes missing)", (unsigned long long)w->stream_left);
    put_op(w, OP_STOP);
    if (!w->failed && (fflush(w->data) || ferror(w->data)))
        tw_fail(w, "cannot write temporary file: %s", strerror(errno));
    if (w->failed) {
        if (err)
            *err = w->err;
        tw_free(w);
        return -1;
    }
    int zerr = 0;
    /* libzip writes the archive to "PATH.XXXXXX" and renames it over PATH when closing */
    w->cleanup_zip = rq_cleanup_add_glob(w->path, ".??????");
    zip_t *za = zip_open(w->path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        tw_fail(w, "cannot create: %s", zip_error_strerror(&ze));
        zip_error_fini(&ze);
    } else if (build_archive(w, za)) {
        zip_discard(za);
    } else if (zip_close(za)) {
        tw_fail(w, "cannot write: %s", zip_strerror(za));
        zip_discard(za);
    }
    int rc = w->failed ? -1 : 0;
    if (rc && err)
        *err = w->err;
    tw_free(w);
    return rc;
}
