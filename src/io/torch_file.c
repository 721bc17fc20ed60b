/* torch.save zip archives: the container (libzip), the storage table and lazy, bounded
 * tensor reads. The pickle itself is interpreted by io/pickle.c. */
#include "io/torch_file.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

#include "io/pickle.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the torch.save reader assumes a little-endian host (torch.save writes little-endian)"
#endif

enum {
    MAX_PICKLE_BYTES = 256 << 20,   /* data.pkl of any real checkpoint is far smaller */
    WINDOW_MIN = 64 << 10,
    WINDOW_MAX = 16 << 20,          /* storage bytes cached for gathering strided views */
    DEFLATE_MAX_RATIO = 1100,       /* deflate cannot expand beyond ~1032:1 */
    MAX_REPEATED_ELEMENTS = 1 << 24, /* elements of a view larger than its storage */
};

typedef struct storage {
    char *key;
    zip_uint64_t index;  /* zip member */
    uint64_t member_size;
    uint64_t nbytes;     /* declared bytes (numel * element size), <= member_size */
    int stored;          /* uncompressed: zip_fseek works */
} storage;

struct rq_torch_file {
    char *path;
    const unsigned char *mem;   /* rq_torch_open_mem: the caller's bytes, else NULL */
    size_t mem_len;
    zip_t *zip;
    char *prefix;               /* "archive/" */
    rq_arena *arena;
    const rq_value *root;
    storage *st;
    size_t nst, st_cap;
    uint64_t file_size;
    zip_int64_t members;
    int *member_storage;        /* zip index -> storage index, -1 if none */
    /* the open member and its read position */
    zip_file_t *zf;
    int zf_storage;
    uint64_t zf_pos;
    /* a cached byte range of one storage */
    unsigned char *win;
    size_t win_cap, win_len;
    int win_storage;
    uint64_t win_start;
    unsigned char *scratch;     /* conversion buffer */
};

static const struct { const char *name; size_t size; } dtypes[] = {
    [RQ_DT_F32] = {"float32", 4}, [RQ_DT_F64] = {"float64", 8}, [RQ_DT_F16] = {"float16", 2},
    [RQ_DT_BF16] = {"bfloat16", 2}, [RQ_DT_I64] = {"int64", 8}, [RQ_DT_I32] = {"int32", 4},
    [RQ_DT_I16] = {"int16", 2}, [RQ_DT_I8] = {"int8", 1}, [RQ_DT_U8] = {"uint8", 1},
    [RQ_DT_BOOL] = {"bool", 1},
};

const char *rq_dtype_name(rq_dtype t)
{
    return (unsigned)t < sizeof dtypes / sizeof *dtypes ? dtypes[t].name : "?";
}

size_t rq_dtype_size(rq_dtype t)
{
    return (unsigned)t < sizeof dtypes / sizeof *dtypes ? dtypes[t].size : 0;
}

const rq_value *rq_torch_root(const rq_torch_file *f) { return f->root; }
const char *rq_torch_path(const rq_torch_file *f) { return f->path; }

/* ---- the container ---- */

/* torch.save before 1.6 wrote a bare pickle starting with PROTO 2, LONG1 and the magic
 * number 0x1950a86a20f9469cfc6c. */
static int is_legacy_torch(const unsigned char *h, size_t n)
{
    static const unsigned char magic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46,
                                          0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
    return n >= sizeof magic && !memcmp(h, magic, sizeof magic);
}

/* Refuses what is not a zip archive before libzip sees it, with a message that says why. */
static int check_head(const char *path, const unsigned char *head, size_t n, rq_error *err)
{
    if (is_legacy_torch(head, n))
        return rq_fail(err, "%s: legacy torch.save format (before PyTorch 1.6); re-save it "
                       "with PyTorch >= 1.6: torch.save(obj, path) (default "
                       "_use_new_zipfile_serialization=True)", path);
    if (n < 4 || memcmp(head, "PK", 2) || !((head[2] == 3 && head[3] == 4) ||
                                            (head[2] == 5 && head[3] == 6)))
        return rq_fail(err, "%s: not a zip archive (torch.save files are zip archives since "
                       "PyTorch 1.6)", path);
    return 0;
}

static int check_container(rq_torch_file *f, rq_error *err)
{
    if (f->mem) {
        f->file_size = f->mem_len;
        return check_head(f->path, f->mem, f->mem_len < 16 ? f->mem_len : 16, err);
    }
    const char *path = f->path;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return rq_fail(err, "%s: cannot open: %s", path, strerror(errno));
    unsigned char head[16];
    size_t n = fread(head, 1, sizeof head, fp);
    struct stat sb;
    int st = fstat(fileno(fp), &sb);
    fclose(fp);
    if (st || !S_ISREG(sb.st_mode))
        return rq_fail(err, "%s: not a regular file", path);
    f->file_size = (uint64_t)sb.st_size;
    return check_head(path, head, n, err);
}

static int open_zip(rq_torch_file *f, rq_error *err)
{
    int ze = 0;
    if (f->mem) {
        zip_error_t ze_src;
        zip_error_init(&ze_src);
        zip_source_t *src = zip_source_buffer_create(f->mem, f->mem_len, 0, &ze_src);
        if (src) {
            f->zip = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze_src);
            if (!f->zip)
                zip_source_free(src);
        }
        ze = zip_error_code_zip(&ze_src);
        zip_error_fini(&ze_src);
    } else {
        f->zip = zip_open(f->path, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    }
    if (!f->zip) {
        zip_error_t e;
        zip_error_init_with_code(&e, ze);
        rq_fail(err, "%s: broken zip archive: %s", f->path, zip_error_strerror(&e));
        zip_error_fini(&e);
        return -1;
    }
    return 0;
}

/* The member "<archive>/data.pkl" names the archive prefix every other member shares. */
static int find_pickle(rq_torch_file *f, zip_uint64_t *index, rq_error *err)
{
    zip_int64_t n = zip_get_num_entries(f->zip, 0);
    for (zip_int64_t i = 0; i < n; i++) {
        const char *name = zip_get_name(f->zip, (zip_uint64_t)i, 0);
        if (!name)
            continue;
        const char *slash = strchr(name, '/');
        if (!slash || strcmp(slash + 1, "data.pkl"))
            continue;
        size_t plen = (size_t)(slash - name) + 1;
        f->prefix = malloc(plen + 1);
        if (!f->prefix)
            return rq_fail(err, "%s: out of memory", f->path);
        memcpy(f->prefix, name, plen);
        f->prefix[plen] = 0;
        *index = (zip_uint64_t)i;
        return 0;
    }
    return rq_fail(err, "%s: no <archive>/data.pkl member: not a torch.save file", f->path);
}

static int stat_member(rq_torch_file *f, zip_uint64_t index, const char *what, zip_stat_t *zs,
                       rq_error *err)
{
    zip_stat_init(zs);
    if (zip_stat_index(f->zip, index, 0, zs))
        return rq_fail(err, "%s: %s: %s", f->path, what, zip_strerror(f->zip));
    if (!(zs->valid & ZIP_STAT_SIZE) || !(zs->valid & ZIP_STAT_COMP_SIZE) ||
        !(zs->valid & ZIP_STAT_COMP_METHOD))
        return rq_fail(err, "%s: %s: incomplete zip directory entry", f->path, what);
    if ((zs->valid & ZIP_STAT_ENCRYPTION_METHOD) && zs->encryption_method != ZIP_EM_NONE)
        return rq_fail(err, "%s: %s: encrypted zip member", f->path, what);
    if (zs->comp_method != ZIP_CM_STORE && zs->comp_method != ZIP_CM_DEFLATE)
        return rq_fail(err, "%s: %s: unsupported zip compression method %d", f->path, what,
                       (int)zs->comp_method);
    if (zs->comp_size > f->file_size)
        return rq_fail(err, "%s: %s: member larger than the file", f->path, what);
    if (zs->comp_method == ZIP_CM_STORE && zs->size != zs->comp_size)
        return rq_fail(err, "%s: %s: stored member with inconsistent sizes", f->path, what);
    if (zs->comp_method == ZIP_CM_DEFLATE &&
        zs->size / DEFLATE_MAX_RATIO > zs->comp_size + 1024)
        return rq_fail(err, "%s: %s: implausible uncompressed size %" PRIu64, f->path, what,
                       (uint64_t)zs->size);
    return 0;
}

static int read_member(rq_torch_file *f, zip_uint64_t index, const char *what, size_t max,
                       unsigned char **data, size_t *len, rq_error *err)
{
    zip_stat_t zs;
    if (stat_member(f, index, what, &zs, err))
        return -1;
    if (zs.size > max)
        return rq_fail(err, "%s: %s: %" PRIu64 " bytes (at most %zu accepted)", f->path, what,
                       (uint64_t)zs.size, max);
    size_t n = (size_t)zs.size;
    unsigned char *buf = malloc(n ? n : 1);
    zip_file_t *zf = buf ? zip_fopen_index(f->zip, index, 0) : NULL;
    if (!zf) {
        free(buf);
        return rq_fail(err, "%s: %s: cannot open: %s", f->path, what, zip_strerror(f->zip));
    }
    size_t got = 0;
    while (got < n) {
        zip_int64_t r = zip_fread(zf, buf + got, n - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got < n) {
        rq_fail(err, "%s: %s: truncated member (%zu of %zu bytes): %s", f->path, what, got, n,
                zip_file_strerror(zf));
        zip_fclose(zf);
        free(buf);
        return -1;
    }
    /* reading to the end lets libzip verify the CRC */
    unsigned char extra;
    zip_int64_t r = zip_fread(zf, &extra, 1);
    int crc_rc = zip_fclose(zf);
    if (r != 0 || crc_rc) {
        free(buf);
        return rq_fail(err, "%s: %s: corrupt member (size or CRC mismatch)", f->path, what);
    }
    *data = buf;
    *len = n;
    return 0;
}

/* torch >= 2.1 records the byte order; anything but little-endian is refused. */
static int check_byteorder(rq_torch_file *f, rq_error *err)
{
    char name[4200];
    snprintf(name, sizeof name, "%sbyteorder", f->prefix);
    zip_int64_t i = zip_name_locate(f->zip, name, 0);
    if (i < 0)
        return 0;
    unsigned char *d;
    size_t n;
    if (read_member(f, (zip_uint64_t)i, "byteorder", 64, &d, &n, err))
        return -1;
    int ok = n == 6 && !memcmp(d, "little", 6);
    free(d);
    return ok ? 0 : rq_fail(err, "%s: big-endian torch.save files are not supported", f->path);
}

/* ---- storages ---- */

static int storage_hook(void *ctx, const char *key, rq_dtype dtype, int64_t numel, int *index,
                        rq_error *err)
{
    rq_torch_file *f = ctx;
    char name[4200], shown[128];
    if (strlen(key) > 4000)
        return rq_fail(err, "data.pkl: storage key too long");
    snprintf(shown, sizeof shown, "%s", key);
    rq_printable(shown);
    snprintf(name, sizeof name, "%sdata/%s", f->prefix, key);
    zip_int64_t zi = zip_name_locate(f->zip, name, 0);
    if (zi < 0 || zi >= f->members)
        return rq_fail(err, "storage '%s' (member data/%s) missing from the archive", shown, shown);
    uint64_t elsize = rq_dtype_size(dtype);
    if ((uint64_t)numel > UINT64_MAX / elsize)
        return rq_fail(err, "storage '%s': size overflows", shown);
    uint64_t nbytes = (uint64_t)numel * elsize;
    int known = f->member_storage[zi];
    if (known >= 0) {
        storage *s = &f->st[known];
        if (nbytes > s->member_size)
            return rq_fail(err, "storage '%s' declares %" PRIu64 " bytes but holds %" PRIu64,
                           shown, nbytes, s->member_size);
        if (nbytes > s->nbytes)
            s->nbytes = nbytes;
        *index = known;
        return 0;
    }
    zip_stat_t zs;
    char what[4300];
    snprintf(what, sizeof what, "storage '%s'", shown);
    if (stat_member(f, (zip_uint64_t)zi, what, &zs, err))
        return -1;
    if (nbytes > zs.size)
        return rq_fail(err, "storage '%s' declares %" PRId64 " %s elements (%" PRIu64
                       " bytes) but its member holds %" PRIu64 " bytes",
                       shown, numel, rq_dtype_name(dtype), nbytes, (uint64_t)zs.size);
    if (f->nst == f->st_cap) {
        if (f->nst >= (1u << 24))
            return rq_fail(err, "data.pkl: more than 16M storages");
        size_t cap = f->st_cap ? f->st_cap * 2 : 16;
        storage *n = realloc(f->st, cap * sizeof *n);
        if (!n)
            return rq_fail(err, "out of memory");
        f->st = n;
        f->st_cap = cap;
    }
    storage *s = &f->st[f->nst];
    s->key = strdup(shown); /* for messages only */
    if (!s->key)
        return rq_fail(err, "out of memory");
    s->index = (zip_uint64_t)zi;
    s->member_size = zs.size;
    s->nbytes = nbytes;
    s->stored = zs.comp_method == ZIP_CM_STORE;
    f->member_storage[zi] = (int)f->nst;
    *index = (int)f->nst++;
    return 0;
}

static void shape_text(const rq_tensor *t, char *buf, size_t cap)
{
    size_t n = (size_t)snprintf(buf, cap, "[");
    for (int d = 0; d < t->ndim && n < cap; d++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%" PRId64, d ? ", " : "", t->shape[d]);
    if (n < cap)
        snprintf(buf + n, cap - n, "]");
}

/* The tensor's elements must lie inside its storage. */
static int check_fits(const rq_torch_file *f, const rq_tensor *t, const char *key, rq_error *err)
{
    if (t->storage < 0 || (size_t)t->storage >= f->nst)
        return rq_fail(err, "%s: tensor '%s' has no storage", f->path, key);
    int64_t span = rq_tensor_span(t);
    uint64_t avail = f->st[t->storage].nbytes / rq_dtype_size(t->dtype);
    if (span < 0 || (span > 0 && (uint64_t)t->offset + (uint64_t)span > avail)) {
        char shape[200];
        shape_text(t, shape, sizeof shape);
        return rq_fail(err, "%s: tensor '%s' (%s %s, storage offset %" PRId64 ") needs %" PRId64
                       " elements but its storage '%s' holds %" PRIu64,
                       f->path, key, rq_dtype_name(t->dtype), shape, t->offset,
                       span < 0 ? (int64_t)-1 : t->offset + span, f->st[t->storage].key, avail);
    }
    /* expand() views repeat storage elements (stride 0) and torch.save keeps them; a small
     * one is fine, but a few bytes must not declare billions of elements that a consumer
     * then allocates and gathers one by one (6 KB: 236 M weights, 2 GB and minutes). */
    if ((uint64_t)t->numel > avail && t->numel > MAX_REPEATED_ELEMENTS) {
        char shape[200];
        shape_text(t, shape, sizeof shape);
        return rq_fail(err, "%s: tensor '%s' (%s %s) has %" PRId64 " elements over a storage of %"
                       PRIu64 ": broadcast views above %d elements are refused (save it with "
                       ".contiguous())", f->path, key, rq_dtype_name(t->dtype), shape, t->numel,
                       avail, MAX_REPEATED_ELEMENTS);
    }
    return 0;
}

static int tensor_hook(void *ctx, const rq_tensor *t, const char *path, rq_error *err)
{
    return check_fits(ctx, t, *path ? path : "(root)", err);
}

/* ---- open / close ---- */

void rq_torch_close(rq_torch_file *f)
{
    if (!f)
        return;
    if (f->zf)
        zip_fclose(f->zf);
    if (f->zip)
        zip_discard(f->zip);
    for (size_t i = 0; i < f->nst; i++)
        free(f->st[i].key);
    free(f->st);
    free(f->member_storage);
    rq_arena_free(f->arena);
    free(f->prefix);
    free(f->path);
    free(f->win);
    free(f->scratch);
    free(f);
}

static int load(rq_torch_file *f, rq_error *err)
{
    if (check_container(f, err) || open_zip(f, err))
        return -1;
    zip_int64_t members = f->members = zip_get_num_entries(f->zip, 0);
    f->member_storage = malloc((size_t)(members > 0 ? members : 1) * sizeof(int));
    if (!f->member_storage)
        return rq_fail(err, "%s: out of memory", f->path);
    for (zip_int64_t i = 0; i < members; i++)
        f->member_storage[i] = -1;
    zip_uint64_t pkl = 0;
    if (find_pickle(f, &pkl, err) || check_byteorder(f, err))
        return -1;
    unsigned char *data;
    size_t len;
    if (read_member(f, pkl, "data.pkl", MAX_PICKLE_BYTES, &data, &len, err))
        return -1;
    rq_pickle_hooks hooks = {.ctx = f, .storage = storage_hook, .tensor = tensor_hook};
    int rc = rq_pickle_load(data, len, NULL, &hooks, &f->arena, &f->root, err);
    free(data);
    if (rc && strncmp(err->msg, f->path, strlen(f->path)))
        rq_fail_prefix(err, "%s: ", f->path);
    return rc;
}

static int open_common(const char *path, const void *mem, size_t mem_len, rq_torch_file **out,
                       rq_error *err)
{
    *out = NULL;
    rq_error local;
    if (!err)
        err = &local;
    rq_torch_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        return rq_fail(err, "%s: out of memory", path);
    }
    f->mem = mem;
    f->mem_len = mem_len;
    f->zf_storage = -1;
    f->win_storage = -1;
    if (load(f, err)) {
        rq_torch_close(f);
        return -1;
    }
    *out = f;
    return 0;
}

int rq_torch_open(const char *path, rq_torch_file **out, rq_error *err)
{
    return open_common(path, NULL, 0, out, err);
}

int rq_torch_open_mem(const void *data, size_t len, const char *name, rq_torch_file **out,
                      rq_error *err)
{
    static const unsigned char empty[1];
    return open_common(name, data ? data : empty, data ? len : 0, out, err);
}

/* ---- lookups ---- */

const rq_value *rq_dict_get(const rq_value *dict, const char *key)
{
    if (!dict || dict->type != RQ_V_DICT)
        return NULL;
    size_t len = strlen(key);
    for (size_t i = 0; i < dict->u.dict.n; i++) {
        const rq_value *k = dict->u.dict.keys[i];
        if (k->type == RQ_V_STR && k->u.str.len == len && !memcmp(k->u.str.s, key, len))
            return dict->u.dict.vals[i];
    }
    return NULL;
}

const rq_tensor *rq_value_tensor(const rq_value *v)
{
    return v && v->type == RQ_V_TENSOR ? &v->u.tensor : NULL;
}

static int all_tensors(const rq_value *d)
{
    if (!d || d->type != RQ_V_DICT || d->u.dict.n == 0)
        return 0;
    for (size_t i = 0; i < d->u.dict.n; i++)
        if (d->u.dict.vals[i]->type != RQ_V_TENSOR)
            return 0;
    return 1;
}

const rq_value *rq_state_dict(const rq_value *root)
{
    const rq_value *sd = rq_dict_get(root, "model_state_dict");
    if (sd && sd->type == RQ_V_DICT)
        return sd;
    return all_tensors(root) ? root : NULL;
}

/* ---- reading storage bytes ---- */

static int member_fail(rq_torch_file *f, int si, const char *what, rq_error *err)
{
    return rq_fail(err, "%s: storage '%s': %s: %s", f->path, f->st[si].key, what,
                   f->zf ? zip_file_strerror(f->zf) : zip_strerror(f->zip));
}

static int reopen_member(rq_torch_file *f, int si, rq_error *err)
{
    if (f->zf)
        zip_fclose(f->zf);
    /* Stored members are opened raw: their bytes are the data, and libzip then skips the
     * CRC pass that a windowed reader could never complete anyway (it costs ~3x the I/O
     * time when streaming a dataset from the page cache). */
    f->zf = zip_fopen_index(f->zip, f->st[si].index, f->st[si].stored ? ZIP_FL_COMPRESSED : 0);
    f->zf_storage = f->zf ? si : -1;
    f->zf_pos = 0;
    return f->zf ? 0 : member_fail(f, si, "cannot open", err);
}

static int read_exact(rq_torch_file *f, int si, void *dst, size_t n, rq_error *err)
{
    size_t got = 0;
    while (got < n) {
        zip_int64_t r = zip_fread(f->zf, (unsigned char *)dst + got, n - got);
        if (r <= 0) {
            zip_fclose(f->zf);
            f->zf = NULL;
            f->zf_storage = -1;
            return rq_fail(err, "%s: storage '%s': truncated or corrupt data", f->path,
                           f->st[si].key);
        }
        got += (size_t)r;
    }
    f->zf_pos += n;
    return 0;
}

/* Positions the open member at byte `off`: a seek for stored members, for deflated ones a
 * sequential skip (restarting from the beginning when going backwards). */
static int seek_member(rq_torch_file *f, int si, uint64_t off, rq_error *err)
{
    if (f->zf_storage != si || !f->zf || (!f->st[si].stored && off < f->zf_pos))
        if (reopen_member(f, si, err))
            return -1;
    if (f->zf_pos == off)
        return 0;
    if (f->st[si].stored) {
        if (zip_fseek(f->zf, (zip_int64_t)off, SEEK_SET))
            return member_fail(f, si, "seek failed", err);
        f->zf_pos = off;
        return 0;
    }
    unsigned char skip[16384];
    while (f->zf_pos < off) {
        uint64_t n = off - f->zf_pos < sizeof skip ? off - f->zf_pos : sizeof skip;
        if (read_exact(f, si, skip, (size_t)n, err))
            return -1;
    }
    return 0;
}

static int read_storage(rq_torch_file *f, int si, uint64_t off, void *dst, size_t n,
                        rq_error *err)
{
    if (off > f->st[si].member_size || n > f->st[si].member_size - off)
        return rq_fail(err, "%s: storage '%s': read past its end", f->path, f->st[si].key);
    if (seek_member(f, si, off, err))
        return -1;
    return read_exact(f, si, dst, n, err);
}

/* Returns a pointer to storage bytes [off, off+n) through the window cache (n <= window). */
static const unsigned char *window_bytes(rq_torch_file *f, int si, uint64_t off, size_t n,
                                         uint64_t hint_end, rq_error *err)
{
    if (off > f->st[si].member_size || n > f->st[si].member_size - off)
        return rq_fail(err, "%s: storage '%s': read past its end", f->path, f->st[si].key), NULL;
    if (f->win_storage == si && off >= f->win_start && off - f->win_start <= f->win_len &&
        n <= f->win_len - (off - f->win_start))
        return f->win + (off - f->win_start);
    uint64_t avail = f->st[si].member_size - off; /* off + n <= member_size: checked by caller */
    uint64_t want = hint_end > off ? hint_end - off : n;
    if (want > WINDOW_MAX)
        want = WINDOW_MAX;
    if (want < WINDOW_MIN)
        want = WINDOW_MIN;
    if (want > avail)
        want = avail;
    if (want < n)
        want = n;
    if (want > f->win_cap) {
        unsigned char *w = realloc(f->win, (size_t)want);
        if (!w)
            return rq_fail(err, "%s: out of memory", f->path), NULL;
        f->win = w;
        f->win_cap = (size_t)want;
    }
    f->win_storage = -1;
    if (read_storage(f, si, off, f->win, (size_t)want, err))
        return NULL;
    f->win_storage = si;
    f->win_start = off;
    f->win_len = (size_t)want;
    return f->win;
}

/* ---- element conversion ---- */

static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1F, mant = h & 0x3FF, bits;
    if (exp == 0x1F) {
        bits = sign | 0x7F800000u | (mant << 13);
    } else if (exp) {
        bits = sign | ((exp + 112) << 23) | (mant << 13);
    } else if (mant) { /* subnormal: normalise */
        int e = -1;
        do {
            e++;
            mant <<= 1;
        } while (!(mant & 0x400));
        bits = sign | ((uint32_t)(112 - e) << 23) | ((mant & 0x3FF) << 13);
    } else {
        bits = sign;
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static double load_f64(const unsigned char *p, rq_dtype dt)
{
    switch (dt) {
    case RQ_DT_F32: { float v; memcpy(&v, p, 4); return v; }
    case RQ_DT_F64: { double v; memcpy(&v, p, 8); return v; }
    case RQ_DT_F16: { uint16_t h; memcpy(&h, p, 2); return half_to_float(h); }
    case RQ_DT_BF16: {
        uint16_t h;
        memcpy(&h, p, 2);
        uint32_t b = (uint32_t)h << 16;
        float v;
        memcpy(&v, &b, 4);
        return v;
    }
    case RQ_DT_I64: { int64_t v; memcpy(&v, p, 8); return (double)v; }
    case RQ_DT_I32: { int32_t v; memcpy(&v, p, 4); return v; }
    case RQ_DT_I16: { int16_t v; memcpy(&v, p, 2); return v; }
    case RQ_DT_I8: return (int8_t)p[0];
    case RQ_DT_U8: return p[0];
    case RQ_DT_BOOL: return p[0] != 0;
    }
    return 0;
}

static int64_t load_i64(const unsigned char *p, rq_dtype dt)
{
    switch (dt) {
    case RQ_DT_I64: { int64_t v; memcpy(&v, p, 8); return v; }
    case RQ_DT_I32: { int32_t v; memcpy(&v, p, 4); return v; }
    case RQ_DT_I16: { int16_t v; memcpy(&v, p, 2); return v; }
    case RQ_DT_I8: return (int8_t)p[0];
    case RQ_DT_U8: return p[0];
    case RQ_DT_BOOL: return p[0] != 0;
    default: return 0;
    }
}

enum out_kind { OUT_F32, OUT_F64, OUT_I64 };

static void convert(const unsigned char *src, rq_dtype dt, size_t n, enum out_kind k, void *out,
                    size_t at)
{
    size_t es = rq_dtype_size(dt);
    if (k == OUT_F32 && dt == RQ_DT_F32) {
        memcpy((float *)out + at, src, n * 4);
    } else if (k == OUT_F64 && dt == RQ_DT_F64) {
        memcpy((double *)out + at, src, n * 8);
    } else if (k == OUT_I64 && dt == RQ_DT_I64) {
        memcpy((int64_t *)out + at, src, n * 8);
    } else if (k == OUT_F32) {
        float *o = (float *)out + at;
        for (size_t i = 0; i < n; i++)
            o[i] = (float)load_f64(src + i * es, dt);
    } else if (k == OUT_F64) {
        double *o = (double *)out + at;
        for (size_t i = 0; i < n; i++)
            o[i] = load_f64(src + i * es, dt);
    } else {
        int64_t *o = (int64_t *)out + at;
        for (size_t i = 0; i < n; i++)
            o[i] = load_i64(src + i * es, dt);
    }
}

/* ---- gathering a logical range ---- */

/* Elements in the innermost block of dimensions laid out contiguously. */
static int64_t contiguous_run(const rq_tensor *t)
{
    int64_t run = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        if (t->shape[d] != 1 && t->stride[d] != run)
            break;
        run *= t->shape[d];
    }
    return run;
}

static int64_t storage_index(const rq_tensor *t, int64_t logical)
{
    int64_t off = t->offset;
    for (int d = t->ndim - 1; d >= 0; d--) {
        if (t->shape[d] == 0)
            return off;
        off += (logical % t->shape[d]) * t->stride[d];
        logical /= t->shape[d];
    }
    return off;
}

/* Copies a contiguous stretch of storage elements straight into out: the fast path for
 * streaming dataset windows (no window cache, one zip read per call). */
static int read_direct(rq_torch_file *f, const rq_tensor *t, int64_t first, int64_t n,
                       enum out_kind k, void *out, size_t at, rq_error *err)
{
    size_t es = rq_dtype_size(t->dtype);
    uint64_t off = (uint64_t)first * es;
    int same = (k == OUT_F32 && t->dtype == RQ_DT_F32) || (k == OUT_F64 && t->dtype == RQ_DT_F64) ||
               (k == OUT_I64 && t->dtype == RQ_DT_I64);
    if (same)
        return read_storage(f, t->storage, off, (unsigned char *)out + at * es, (size_t)n * es, err);
    enum { CHUNK = 1 << 20 };
    if (!f->scratch && !(f->scratch = malloc(CHUNK)))
        return rq_fail(err, "%s: out of memory", f->path);
    size_t per = CHUNK / es;
    while (n > 0) {
        size_t c = (uint64_t)n < per ? (size_t)n : per;
        if (read_storage(f, t->storage, off, f->scratch, c * es, err))
            return -1;
        convert(f->scratch, t->dtype, c, k, out, at);
        off += c * es;
        at += c;
        n -= (int64_t)c;
    }
    return 0;
}

static int read_range(rq_torch_file *f, const rq_tensor *t, int64_t start, int64_t count,
                      enum out_kind k, void *out, rq_error *err)
{
    if (!t || t->storage < 0 || (size_t)t->storage >= f->nst)
        return rq_fail(err, "%s: not a tensor of this file", f->path);
    if (start < 0 || count < 0 || start > t->numel || count > t->numel - start)
        return rq_fail(err, "%s: elements [%" PRId64 ", +%" PRId64 ") outside a tensor of %" PRId64,
                       f->path, start, count, t->numel);
    if (k == OUT_I64 && (t->dtype == RQ_DT_F32 || t->dtype == RQ_DT_F64 ||
                         t->dtype == RQ_DT_F16 || t->dtype == RQ_DT_BF16))
        return rq_fail(err, "%s: a %s tensor read as integers", f->path, rq_dtype_name(t->dtype));
    if (check_fits(f, t, "?", err))
        return -1;
    if (count == 0)
        return 0;
    size_t es = rq_dtype_size(t->dtype);
    int64_t run = contiguous_run(t);
    uint64_t span_end = ((uint64_t)t->offset + (uint64_t)rq_tensor_span(t)) * es;
    int64_t i = start, end = start + count;
    while (i < end) {
        int64_t n = run - i % run;
        if (n > end - i)
            n = end - i;
        int64_t first = storage_index(t, i);
        if ((uint64_t)n * es > WINDOW_MIN) {
            if (read_direct(f, t, first, n, k, out, (size_t)(i - start), err))
                return -1;
        } else {
            const unsigned char *b = window_bytes(f, t->storage, (uint64_t)first * es,
                                                  (size_t)n * es, span_end, err);
            if (!b)
                return -1;
            convert(b, t->dtype, (size_t)n, k, out, (size_t)(i - start));
        }
        i += n;
    }
    return 0;
}

int rq_tensor_read_f32(rq_torch_file *f, const rq_tensor *t, int64_t start, int64_t count,
                       float *out, rq_error *err)
{
    return read_range(f, t, start, count, OUT_F32, out, err);
}

int rq_tensor_read_f64(rq_torch_file *f, const rq_tensor *t, int64_t start, int64_t count,
                       double *out, rq_error *err)
{
    return read_range(f, t, start, count, OUT_F64, out, err);
}

int rq_tensor_read_i64(rq_torch_file *f, const rq_tensor *t, int64_t start, int64_t count,
                       int64_t *out, rq_error *err)
{
    return read_range(f, t, start, count, OUT_I64, out, err);
}
