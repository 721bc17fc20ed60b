/* The pickle virtual machine of the torch.save reader (see pickle.h). Opcode semantics
 * follow the documented pickle protocols 0-5; only the subset torch.save emits (plus cheap
 * protocol 4/5 framing and string opcodes) is accepted, anything else stops with the
 * opcode and its offset. */
#include "io/pickle.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const rq_pickle_limits rq_pickle_default_limits = {
    .max_bytes = (size_t)1 << 30,
    .max_stack = (size_t)1 << 20,
    .max_marks = 10000,
    .max_memo = (size_t)1 << 24,
    .max_depth = 256,
};

/* ---- arena: bump allocation in chunks, a hard cap on the total ---- */

typedef struct chunk {
    struct chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
} chunk;

struct rq_arena {
    chunk *head;
    size_t total, cap;
};

enum { CHUNK_BYTES = 64 * 1024 };

static void *arena_alloc(rq_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    if (a->head && a->head->size - a->head->used >= n) {
        void *p = a->head->data + a->head->used;
        a->head->used += n;
        return p;
    }
    size_t sz = n > CHUNK_BYTES / 4 ? n : CHUNK_BYTES;
    if (sz > a->cap || a->total > a->cap - sz)
        return NULL;
    chunk *c = malloc(sizeof *c + sz);
    if (!c)
        return NULL;
    a->total += sz;
    c->size = sz;
    c->used = n;
    if (sz == n && a->head) { /* a dedicated chunk: keep bumping in the current one */
        c->next = a->head->next;
        a->head->next = c;
    } else {
        c->next = a->head;
        a->head = c;
    }
    return c->data;
}

void rq_arena_free(rq_arena *a)
{
    if (!a)
        return;
    for (chunk *c = a->head; c;) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

/* ---- values ---- */

enum { K_VALUE, K_GLOBAL, K_STORAGE };

/* Globals the interpreter understands; everything else is G_NONE (opaque). */
enum {
    G_NONE, G_ORDERED_DICT, G_REBUILD_V2, G_REBUILD_V1, G_REBUILD_PARAM, G_REBUILD_PARAM_STATE,
    G_REBUILD_FROM_TYPE_V2, G_CODECS_ENCODE, G_TORCH_SIZE, G_SET, G_STORAGE_TYPE,
};

/* Every value is allocated inside a node so the interpreter can attach what the public
 * rq_value has no room for. v must stay the first member. */
typedef struct pk_node {
    rq_value v;
    size_t cap;       /* capacity of a list's items / a dict's keys+vals */
    int64_t numel;    /* K_STORAGE: declared elements */
    int storage;      /* K_STORAGE: index in the caller's table */
    rq_dtype dtype;   /* K_STORAGE, and K_GLOBAL G_STORAGE_TYPE */
    unsigned char kind, gid, visit;
} pk_node;

static pk_node *node_of(rq_value *v) { return (pk_node *)(void *)v; }

typedef struct memo_map {
    uint64_t *keys; /* key+1, 0 = empty */
    rq_value **vals;
    size_t cap, n;
} memo_map;

typedef struct vm {
    const unsigned char *p;
    size_t len, pos, op_pos;
    rq_arena *arena;
    const rq_pickle_limits *lim;
    const rq_pickle_hooks *hooks;
    rq_value **stack;
    size_t sp, stack_cap;
    size_t *marks;
    size_t nmarks, marks_cap;
    memo_map memo;
    rq_error *err;
    char path[1024];
} vm;

static int vfail(vm *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int vfail(vm *m, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return rq_fail(m->err, "data.pkl: %s at offset %zu", what, m->op_pos);
}

static rq_value *new_value(vm *m, rq_vtype type)
{
    pk_node *n = arena_alloc(m->arena, sizeof *n);
    if (!n) {
        vfail(m, "pickle structures exceed %zu MB", m->arena->cap >> 20);
        return NULL;
    }
    memset(n, 0, sizeof *n);
    n->v.type = type;
    return &n->v;
}

static char *copy_text(vm *m, const void *s, size_t len)
{
    char *c = arena_alloc(m->arena, len + 1);
    if (!c) {
        vfail(m, "pickle structures exceed %zu MB", m->arena->cap >> 20);
        return NULL;
    }
    memcpy(c, s, len);
    c[len] = 0;
    return c;
}

static rq_value *new_text(vm *m, rq_vtype type, const void *s, size_t len)
{
    char *c = copy_text(m, s, len);
    rq_value *v = c ? new_value(m, type) : NULL;
    if (v) {
        v->u.str.s = c;
        v->u.str.len = len;
    }
    return v;
}

static rq_value *new_opaque(vm *m, const char *name)
{
    rq_value *v = new_value(m, RQ_V_OPAQUE);
    if (v)
        v->u.opaque = name;
    return v;
}

static rq_value *new_seq(vm *m, rq_vtype type, rq_value *const *items, size_t n)
{
    rq_value *v = new_value(m, type);
    if (!v)
        return NULL;
    if (n) {
        if (n > SIZE_MAX / sizeof *items)
            return vfail(m, "sequence too long"), NULL;
        rq_value **a = arena_alloc(m->arena, n * sizeof *a);
        if (!a)
            return vfail(m, "pickle structures exceed %zu MB", m->arena->cap >> 20), NULL;
        memcpy(a, items, n * sizeof *a);
        v->u.seq.items = a;
        v->u.seq.n = n;
        node_of(v)->cap = n;
    }
    return v;
}

/* Makes room for `more` entries in a list (items) or dict (keys and vals), doubling. */
static int grow(vm *m, rq_value *v, size_t more)
{
    pk_node *n = node_of(v);
    size_t used = v->type == RQ_V_DICT ? v->u.dict.n : v->u.seq.n;
    if (more <= n->cap - used)
        return 0;
    if (more > (SIZE_MAX / sizeof(void *)) / 4 - used)
        return vfail(m, "container too large");
    size_t cap = n->cap ? n->cap : 4;
    while (cap < used + more)
        cap *= 2;
    int arrays = v->type == RQ_V_DICT ? 2 : 1;
    for (int k = 0; k < arrays; k++) {
        rq_value **a = arena_alloc(m->arena, cap * sizeof *a);
        if (!a)
            return vfail(m, "pickle structures exceed %zu MB", m->arena->cap >> 20);
        rq_value ***slot = v->type == RQ_V_DICT ? (k ? &v->u.dict.vals : &v->u.dict.keys)
                                                : &v->u.seq.items;
        if (used)
            memcpy(a, *slot, used * sizeof *a);
        *slot = a;
    }
    n->cap = cap;
    return 0;
}

/* ---- memo: open addressing on the (possibly sparse) 32-bit index ---- */

static int memo_put(vm *m, uint64_t key, rq_value *v)
{
    memo_map *mm = &m->memo;
    if (mm->n + 1 > mm->cap / 2) {
        if (mm->n >= m->lim->max_memo)
            return vfail(m, "memo holds more than %zu entries", m->lim->max_memo);
        size_t cap = mm->cap ? mm->cap * 2 : 64;
        uint64_t *keys = calloc(cap, sizeof *keys);
        rq_value **vals = calloc(cap, sizeof *vals);
        if (!keys || !vals) {
            free(keys);
            free(vals);
            return vfail(m, "out of memory for the memo");
        }
        for (size_t i = 0; i < mm->cap; i++) {
            if (!mm->keys[i])
                continue;
            size_t h = (size_t)(mm->keys[i] * 0x9E3779B97F4A7C15ull) & (cap - 1);
            while (keys[h])
                h = (h + 1) & (cap - 1);
            keys[h] = mm->keys[i];
            vals[h] = mm->vals[i];
        }
        free(mm->keys);
        free(mm->vals);
        mm->keys = keys;
        mm->vals = vals;
        mm->cap = cap;
    }
    uint64_t k = key + 1;
    size_t h = (size_t)(k * 0x9E3779B97F4A7C15ull) & (mm->cap - 1);
    while (mm->keys[h] && mm->keys[h] != k)
        h = (h + 1) & (mm->cap - 1);
    if (!mm->keys[h])
        mm->n++;
    mm->keys[h] = k;
    mm->vals[h] = v;
    return 0;
}

static rq_value *memo_get(vm *m, uint64_t key)
{
    memo_map *mm = &m->memo;
    if (!mm->cap)
        return NULL;
    uint64_t k = key + 1;
    size_t h = (size_t)(k * 0x9E3779B97F4A7C15ull) & (mm->cap - 1);
    while (mm->keys[h]) {
        if (mm->keys[h] == k)
            return mm->vals[h];
        h = (h + 1) & (mm->cap - 1);
    }
    return NULL;
}

/* ---- stack ---- */

static size_t frame_base(const vm *m) { return m->nmarks ? m->marks[m->nmarks - 1] : 0; }

static int push(vm *m, rq_value *v)
{
    if (!v)
        return -1;
    if (m->sp == m->stack_cap) {
        if (m->sp >= m->lim->max_stack)
            return vfail(m, "stack deeper than %zu entries", m->lim->max_stack);
        size_t cap = m->stack_cap ? m->stack_cap * 2 : 256;
        rq_value **s = realloc(m->stack, cap * sizeof *s);
        if (!s)
            return vfail(m, "out of memory for the stack");
        m->stack = s;
        m->stack_cap = cap;
    }
    m->stack[m->sp++] = v;
    return 0;
}

static int need(vm *m, size_t k)
{
    if (m->sp - frame_base(m) < k)
        return vfail(m, "stack underflow");
    return 0;
}

static rq_value *pop(vm *m) { return m->stack[--m->sp]; }

static int push_mark(vm *m)
{
    if (m->nmarks == m->marks_cap) {
        if (m->nmarks >= m->lim->max_marks)
            return vfail(m, "more than %zu nested MARKs", m->lim->max_marks);
        size_t cap = m->marks_cap ? m->marks_cap * 2 : 64;
        size_t *s = realloc(m->marks, cap * sizeof *s);
        if (!s)
            return vfail(m, "out of memory for the marks");
        m->marks = s;
        m->marks_cap = cap;
    }
    m->marks[m->nmarks++] = m->sp;
    return 0;
}

/* Pops the topmost MARK: the items above it are stack[*base .. sp). */
static int pop_mark(vm *m, size_t *base)
{
    if (!m->nmarks)
        return vfail(m, "no MARK on the stack");
    *base = m->marks[--m->nmarks];
    return 0;
}

/* ---- reading the opcode stream ---- */

static int take(vm *m, size_t n, const unsigned char **out)
{
    if (m->len - m->pos < n)
        return vfail(m, "truncated pickle (needs %zu more bytes)", n);
    *out = m->p + m->pos;
    m->pos += n;
    return 0;
}

static int take_uint(vm *m, int bytes, uint64_t *out)
{
    const unsigned char *b = NULL;
    if (take(m, (size_t)bytes, &b))
        return -1;
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | b[i];
    *out = v;
    return 0;
}

static int take_line(vm *m, const char **s, size_t *len)
{
    const unsigned char *start = m->p + m->pos;
    const unsigned char *nl = memchr(start, '\n', m->len - m->pos);
    if (!nl)
        return vfail(m, "truncated pickle (unterminated line)");
    *s = (const char *)start;
    *len = (size_t)(nl - start);
    m->pos += *len + 1;
    return 0;
}

static int parse_decimal(vm *m, const char *s, size_t len, int64_t *out)
{
    char buf[32];
    if (len == 0 || len >= sizeof buf)
        return vfail(m, "bad decimal argument");
    memcpy(buf, s, len);
    buf[len] = 0;
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno || *end)
        return vfail(m, "bad decimal argument");
    *out = v;
    return 0;
}

/* ---- globals and the whitelist ---- */

void rq_printable(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

static const struct {
    const char *name;
    int gid;
    rq_dtype dtype;
} known_globals[] = {
    {"collections.OrderedDict", G_ORDERED_DICT, 0},
    {"torch._utils._rebuild_tensor_v2", G_REBUILD_V2, 0},
    {"torch._utils._rebuild_tensor", G_REBUILD_V1, 0},
    {"torch._utils._rebuild_parameter", G_REBUILD_PARAM, 0},
    {"torch._utils._rebuild_parameter_with_state", G_REBUILD_PARAM_STATE, 0},
    {"torch._tensor._rebuild_from_type_v2", G_REBUILD_FROM_TYPE_V2, 0},
    {"_codecs.encode", G_CODECS_ENCODE, 0},
    {"torch.Size", G_TORCH_SIZE, 0},
    {"builtins.set", G_SET, 0},
    {"builtins.frozenset", G_SET, 0},
    {"__builtin__.set", G_SET, 0},
    {"torch.FloatStorage", G_STORAGE_TYPE, RQ_DT_F32},
    {"torch.DoubleStorage", G_STORAGE_TYPE, RQ_DT_F64},
    {"torch.HalfStorage", G_STORAGE_TYPE, RQ_DT_F16},
    {"torch.BFloat16Storage", G_STORAGE_TYPE, RQ_DT_BF16},
    {"torch.LongStorage", G_STORAGE_TYPE, RQ_DT_I64},
    {"torch.IntStorage", G_STORAGE_TYPE, RQ_DT_I32},
    {"torch.ShortStorage", G_STORAGE_TYPE, RQ_DT_I16},
    {"torch.CharStorage", G_STORAGE_TYPE, RQ_DT_I8},
    {"torch.ByteStorage", G_STORAGE_TYPE, RQ_DT_U8},
    {"torch.BoolStorage", G_STORAGE_TYPE, RQ_DT_BOOL},
    {"torch.UntypedStorage", G_STORAGE_TYPE, RQ_DT_U8},
    {"torch.storage.UntypedStorage", G_STORAGE_TYPE, RQ_DT_U8},
    {"torch.float32", G_STORAGE_TYPE, RQ_DT_F32},
    {"torch.float", G_STORAGE_TYPE, RQ_DT_F32},
    {"torch.float64", G_STORAGE_TYPE, RQ_DT_F64},
    {"torch.double", G_STORAGE_TYPE, RQ_DT_F64},
    {"torch.float16", G_STORAGE_TYPE, RQ_DT_F16},
    {"torch.half", G_STORAGE_TYPE, RQ_DT_F16},
    {"torch.bfloat16", G_STORAGE_TYPE, RQ_DT_BF16},
    {"torch.int64", G_STORAGE_TYPE, RQ_DT_I64},
    {"torch.long", G_STORAGE_TYPE, RQ_DT_I64},
    {"torch.int32", G_STORAGE_TYPE, RQ_DT_I32},
    {"torch.int", G_STORAGE_TYPE, RQ_DT_I32},
    {"torch.int16", G_STORAGE_TYPE, RQ_DT_I16},
    {"torch.short", G_STORAGE_TYPE, RQ_DT_I16},
    {"torch.int8", G_STORAGE_TYPE, RQ_DT_I8},
    {"torch.uint8", G_STORAGE_TYPE, RQ_DT_U8},
    {"torch.bool", G_STORAGE_TYPE, RQ_DT_BOOL},
};

static rq_value *new_global(vm *m, const char *mod, size_t mlen, const char *name, size_t nlen)
{
    if (mlen > 4096 || nlen > 4096)
        return vfail(m, "global name too long"), NULL;
    char *full = arena_alloc(m->arena, mlen + nlen + 2);
    if (!full)
        return vfail(m, "pickle structures exceed %zu MB", m->arena->cap >> 20), NULL;
    memcpy(full, mod, mlen);
    full[mlen] = '.';
    memcpy(full + mlen + 1, name, nlen);
    full[mlen + nlen + 1] = 0;
    rq_printable(full); /* names reach one-line messages and inspect's lines */
    rq_value *v = new_opaque(m, full);
    if (!v)
        return NULL;
    pk_node *n = node_of(v);
    n->kind = K_GLOBAL;
    const char *cuda = "torch.cuda.";
    /* CUDA storages hold the same bytes as their CPU twins. */
    const char *lookup = full;
    char tmp[64];
    if (!strncmp(full, cuda, strlen(cuda)) && strlen(full) < sizeof tmp) {
        snprintf(tmp, sizeof tmp, "torch.%s", full + strlen(cuda));
        lookup = tmp;
    }
    for (size_t i = 0; i < sizeof known_globals / sizeof *known_globals; i++)
        if (!strcmp(lookup, known_globals[i].name)) {
            n->gid = (unsigned char)known_globals[i].gid;
            n->dtype = known_globals[i].dtype;
        }
    return v;
}

static int is_int(const rq_value *v) { return v->type == RQ_V_INT || v->type == RQ_V_BOOL; }
static int64_t int_of(const rq_value *v) { return v->type == RQ_V_INT ? v->u.i : v->u.b; }
static int is_seq(const rq_value *v) { return v->type == RQ_V_TUPLE || v->type == RQ_V_LIST; }

static int64_t checked_mul(int64_t a, int64_t b)
{
    if (a < 0 || b < 0)
        return -1;
    if (a && b > INT64_MAX / a)
        return -1;
    return a * b;
}

int64_t rq_tensor_span(const rq_tensor *t)
{
    int64_t last = 0;
    for (int d = 0; d < t->ndim; d++) {
        if (t->shape[d] == 0)
            return 0;
        int64_t step = checked_mul(t->shape[d] - 1, t->stride[d]);
        if (step < 0 || last > INT64_MAX - step)
            return -1;
        last += step;
    }
    return last + 1;
}

/* torch._utils._rebuild_tensor(_v2)(storage, storage_offset, size, stride, ...) */
static rq_value *rebuild_tensor(vm *m, rq_value *const *a, size_t n)
{
    if (n < 4)
        return vfail(m, "_rebuild_tensor: %zu arguments, expected at least 4", n), NULL;
    pk_node *st = node_of(a[0]);
    if (st->kind != K_STORAGE)
        return vfail(m, "_rebuild_tensor: first argument is not a storage"), NULL;
    if (!is_int(a[1]) || int_of(a[1]) < 0)
        return vfail(m, "_rebuild_tensor: bad storage offset"), NULL;
    if (!is_seq(a[2]) || !is_seq(a[3]) || a[2]->u.seq.n != a[3]->u.seq.n)
        return vfail(m, "_rebuild_tensor: size and stride are not tuples of one length"), NULL;
    size_t nd = a[2]->u.seq.n;
    if (nd > RQ_MAX_DIMS)
        return vfail(m, "_rebuild_tensor: %zu dimensions (at most %d supported)", nd, RQ_MAX_DIMS), NULL;
    rq_value *v = new_value(m, RQ_V_TENSOR);
    if (!v)
        return NULL;
    rq_tensor *t = &v->u.tensor;
    t->dtype = st->dtype;
    t->storage = st->storage;
    t->offset = int_of(a[1]);
    t->ndim = (int)nd;
    t->numel = 1;
    for (size_t d = 0; d < nd; d++) {
        const rq_value *sz = a[2]->u.seq.items[d], *sd = a[3]->u.seq.items[d];
        if (!is_int(sz) || !is_int(sd) || int_of(sz) < 0 || int_of(sd) < 0)
            return vfail(m, "_rebuild_tensor: bad size or stride in dimension %zu", d), NULL;
        t->shape[d] = int_of(sz);
        t->stride[d] = int_of(sd);
        t->numel = checked_mul(t->numel, t->shape[d]);
        if (t->numel < 0 || t->numel > (INT64_MAX >> 4))
            return vfail(m, "_rebuild_tensor: element count overflows"), NULL;
    }
    int64_t span = rq_tensor_span(t);
    if (span < 0 || t->offset > (INT64_MAX >> 4) - span)
        return vfail(m, "_rebuild_tensor: storage extent overflows"), NULL;
    return v;
}

static rq_value *apply(vm *m, rq_value *fn, rq_value *args, int depth);

/* latin-1 text (as UTF-8 in the pickle) back to the bytes Python 3 pickled with protocol 2. */
static rq_value *latin1_bytes(vm *m, const rq_value *s)
{
    char *out = arena_alloc(m->arena, s->u.str.len + 1);
    if (!out)
        return vfail(m, "pickle structures exceed %zu MB", m->arena->cap >> 20), NULL;
    const unsigned char *p = (const unsigned char *)s->u.str.s;
    size_t n = 0;
    for (size_t i = 0; i < s->u.str.len; i++) {
        if (p[i] < 0x80) {
            out[n++] = (char)p[i];
        } else if ((p[i] & 0xFE) == 0xC2 && i + 1 < s->u.str.len && (p[i + 1] & 0xC0) == 0x80) {
            out[n++] = (char)(((p[i] & 0x03) << 6) | (p[i + 1] & 0x3F));
            i++;
        } else {
            return new_opaque(m, "_codecs.encode");
        }
    }
    out[n] = 0;
    rq_value *v = new_value(m, RQ_V_BYTES);
    if (v) {
        v->u.str.s = out;
        v->u.str.len = n;
    }
    return v;
}

static rq_value *apply_known(vm *m, pk_node *fn, rq_value *const *a, size_t n, int depth)
{
    switch (fn->gid) {
    case G_ORDERED_DICT:
        return n == 0 ? new_value(m, RQ_V_DICT) : new_opaque(m, fn->v.u.opaque);
    case G_REBUILD_V2:
    case G_REBUILD_V1:
        return rebuild_tensor(m, a, n);
    case G_REBUILD_PARAM:
    case G_REBUILD_PARAM_STATE:
        if (n < 1)
            return vfail(m, "_rebuild_parameter without arguments"), NULL;
        return a[0];
    case G_REBUILD_FROM_TYPE_V2: /* (func, new_type, args, state): a tensor subclass */
        if (n < 3)
            return vfail(m, "_rebuild_from_type_v2: %zu arguments, expected 4", n), NULL;
        return apply(m, a[0], a[2], depth + 1);
    case G_CODECS_ENCODE:
        if (n == 2 && a[0]->type == RQ_V_STR && a[1]->type == RQ_V_STR &&
            (!strcmp(a[1]->u.str.s, "latin1") || !strcmp(a[1]->u.str.s, "latin-1")))
            return latin1_bytes(m, a[0]);
        return new_opaque(m, fn->v.u.opaque);
    case G_TORCH_SIZE:
        if (n == 1 && is_seq(a[0]))
            return new_seq(m, RQ_V_TUPLE, a[0]->u.seq.items, a[0]->u.seq.n);
        return new_opaque(m, fn->v.u.opaque);
    case G_SET:
        if (n == 0)
            return new_value(m, RQ_V_LIST);
        if (n == 1 && is_seq(a[0]))
            return new_seq(m, RQ_V_LIST, a[0]->u.seq.items, a[0]->u.seq.n);
        return new_opaque(m, fn->v.u.opaque);
    default:
        return new_opaque(m, fn->v.u.opaque);
    }
}

/* REDUCE: calls only whitelisted globals; any other call gives an opaque value named after
 * the callable, so a checkpoint's optimizer objects or numpy scalars never stop the
 * tensors from loading. */
static rq_value *apply(vm *m, rq_value *fn, rq_value *args, int depth)
{
    pk_node *f = node_of(fn);
    if (depth > 4)
        return vfail(m, "calls nested too deeply"), NULL;
    if (f->kind != K_GLOBAL || f->gid == G_NONE || f->gid == G_STORAGE_TYPE)
        return new_opaque(m, fn->type == RQ_V_OPAQUE ? fn->u.opaque : "<call>");
    if (args->type != RQ_V_TUPLE)
        return vfail(m, "arguments of %s are not a tuple", fn->u.opaque), NULL;
    return apply_known(m, f, args->u.seq.items, args->u.seq.n, depth);
}

/* BINPERSID: ('storage', storage_type, key, location, numel) */
static rq_value *persistent_load(vm *m, rq_value *pid)
{
    if (pid->type != RQ_V_TUPLE || pid->u.seq.n < 5)
        return vfail(m, "persistent id is not a 5-tuple"), NULL;
    rq_value **a = pid->u.seq.items;
    if (a[0]->type != RQ_V_STR || strcmp(a[0]->u.str.s, "storage"))
        return vfail(m, "persistent id is not a storage"), NULL;
    pk_node *type = node_of(a[1]);
    if (type->kind != K_GLOBAL || type->gid != G_STORAGE_TYPE)
        return vfail(m, "unsupported storage type %s",
                     a[1]->type == RQ_V_OPAQUE ? a[1]->u.opaque : "(not a global)"), NULL;
    if (a[2]->type != RQ_V_STR || !is_int(a[4]) || int_of(a[4]) < 0)
        return vfail(m, "malformed storage persistent id"), NULL;
    if (!m->hooks || !m->hooks->storage)
        return vfail(m, "storage outside an archive"), NULL;
    int index = -1;
    if (m->hooks->storage(m->hooks->ctx, a[2]->u.str.s, type->dtype, int_of(a[4]), &index, m->err))
        return NULL;
    rq_value *v = new_opaque(m, a[1]->u.opaque);
    if (v) {
        pk_node *n = node_of(v);
        n->kind = K_STORAGE;
        n->storage = index;
        n->dtype = type->dtype;
        n->numel = int_of(a[4]);
    }
    return v;
}

/* ---- container mutation ---- */

static int list_extend(vm *m, rq_value *list, rq_value *const *items, size_t n)
{
    if (list->type == RQ_V_OPAQUE)
        return 0; /* e.g. a list subclass: its items stay unread */
    if (list->type != RQ_V_LIST)
        return vfail(m, "APPEND to a non-list");
    if (n == 0) /* an empty list has no items array: no pointer arithmetic on NULL */
        return 0;
    if (grow(m, list, n))
        return -1;
    memcpy(list->u.seq.items + list->u.seq.n, items, n * sizeof *items);
    list->u.seq.n += n;
    return 0;
}

static int dict_set(vm *m, rq_value *dict, rq_value *const *kv, size_t n)
{
    if (n % 2)
        return vfail(m, "odd number of items for a dict");
    if (dict->type == RQ_V_OPAQUE)
        return 0;
    if (dict->type != RQ_V_DICT)
        return vfail(m, "SETITEM on a non-dict");
    if (grow(m, dict, n / 2))
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        dict->u.dict.keys[dict->u.dict.n] = kv[i];
        dict->u.dict.vals[dict->u.dict.n] = kv[i + 1];
        dict->u.dict.n++;
    }
    return 0;
}

/* ---- scalars ---- */

static rq_value *decode_long(vm *m, const unsigned char *b, size_t n)
{
    if (n > 8) {
        /* Fits only if the extra high bytes are pure sign extension. */
        unsigned char ext = (b[n - 1] & 0x80) ? 0xFF : 0;
        for (size_t i = 8; i < n; i++)
            if (b[i] != ext)
                return new_opaque(m, "builtins.int");
        if ((b[7] & 0x80) != (ext & 0x80))
            return new_opaque(m, "builtins.int");
        n = 8;
    }
    uint64_t u = 0;
    for (size_t i = n; i > 0; i--)
        u = u << 8 | b[i - 1];
    if (n > 0 && n < 8 && (b[n - 1] & 0x80))
        u |= ~(uint64_t)0 << (8 * n);
    rq_value *v = new_value(m, RQ_V_INT);
    if (v)
        v->u.i = (int64_t)u;
    return v;
}

static rq_value *new_int(vm *m, int64_t i)
{
    rq_value *v = new_value(m, RQ_V_INT);
    if (v)
        v->u.i = i;
    return v;
}

static rq_value *new_bool(vm *m, int b)
{
    rq_value *v = new_value(m, RQ_V_BOOL);
    if (v)
        v->u.b = b;
    return v;
}

/* A string or bytes opcode with an n-byte little-endian length. */
static int op_text(vm *m, int len_bytes, rq_vtype type)
{
    uint64_t len;
    const unsigned char *s = NULL;
    if (take_uint(m, len_bytes, &len))
        return -1;
    if (len > m->len - m->pos)
        return vfail(m, "truncated pickle (string of %" PRIu64 " bytes)", len);
    if (take(m, (size_t)len, &s))
        return -1;
    return push(m, new_text(m, type, s, (size_t)len));
}

static int op_tuple_n(vm *m, size_t n)
{
    if (need(m, n))
        return -1;
    rq_value *t = new_seq(m, RQ_V_TUPLE, m->stack + m->sp - n, n);
    if (!t)
        return -1;
    m->sp -= n;
    return push(m, t);
}

static int op_global(vm *m)
{
    const char *mod, *name;
    size_t ml, nl;
    if (take_line(m, &mod, &ml) || take_line(m, &name, &nl))
        return -1;
    return push(m, new_global(m, mod, ml, name, nl));
}

static int op_stack_global(vm *m)
{
    if (need(m, 2))
        return -1;
    rq_value *name = pop(m), *mod = pop(m);
    if (name->type != RQ_V_STR || mod->type != RQ_V_STR)
        return vfail(m, "STACK_GLOBAL on non-strings");
    return push(m, new_global(m, mod->u.str.s, mod->u.str.len, name->u.str.s, name->u.str.len));
}

static int op_put(vm *m, uint64_t idx)
{
    if (m->sp == 0)
        return vfail(m, "PUT on an empty stack");
    return memo_put(m, idx, m->stack[m->sp - 1]);
}

static int op_get(vm *m, uint64_t idx)
{
    rq_value *v = memo_get(m, idx);
    if (!v)
        return vfail(m, "memo key %" PRIu64 " missing", idx);
    return push(m, v);
}

static int op_decimal_memo(vm *m, int put)
{
    const char *s;
    size_t len;
    int64_t idx;
    if (take_line(m, &s, &len) || parse_decimal(m, s, len, &idx))
        return -1;
    if (idx < 0 || idx > UINT32_MAX)
        return vfail(m, "bad memo key");
    return put ? op_put(m, (uint64_t)idx) : op_get(m, (uint64_t)idx);
}

static int op_int_text(vm *m)
{
    const char *s;
    size_t len;
    int64_t i;
    if (take_line(m, &s, &len))
        return -1;
    if (len == 2 && s[0] == '0' && (s[1] == '0' || s[1] == '1'))
        return push(m, new_bool(m, s[1] == '1'));
    if (parse_decimal(m, s, len, &i))
        return -1;
    return push(m, new_int(m, i));
}

static int op_reduce(vm *m)
{
    if (need(m, 2))
        return -1;
    rq_value *args = pop(m), *fn = pop(m);
    return push(m, apply(m, fn, args, 0));
}

/* NEWOBJ / NEWOBJ_EX / OBJ / INST build instances of classes: never interpreted. */
static int op_newobj(vm *m, size_t nargs)
{
    if (need(m, nargs + 1))
        return -1;
    m->sp -= nargs;
    rq_value *cls = pop(m);
    return push(m, new_opaque(m, cls->type == RQ_V_OPAQUE ? cls->u.opaque : "<object>"));
}

static int op_obj(vm *m)
{
    size_t base = 0;
    if (pop_mark(m, &base))
        return -1;
    if (m->sp == base)
        return vfail(m, "OBJ without a class");
    rq_value *cls = m->stack[base];
    m->sp = base;
    return push(m, new_opaque(m, cls->type == RQ_V_OPAQUE ? cls->u.opaque : "<object>"));
}

static int op_inst(vm *m)
{
    const char *mod, *name;
    size_t ml = 0, nl = 0, base = 0;
    if (take_line(m, &mod, &ml) || take_line(m, &name, &nl) || pop_mark(m, &base))
        return -1;
    m->sp = base;
    rq_value *g = new_global(m, mod, ml, name, nl);
    return g ? push(m, new_opaque(m, g->u.opaque)) : -1;
}

static int op_mark_seq(vm *m, rq_vtype type)
{
    size_t base = 0;
    if (pop_mark(m, &base))
        return -1;
    rq_value *v = new_seq(m, type, m->stack + base, m->sp - base);
    if (!v)
        return -1;
    m->sp = base;
    return push(m, v);
}

static int op_mark_dict(vm *m)
{
    size_t base = 0;
    if (pop_mark(m, &base))
        return -1;
    rq_value *d = new_value(m, RQ_V_DICT);
    if (!d || dict_set(m, d, m->stack + base, m->sp - base))
        return -1;
    m->sp = base;
    return push(m, d);
}

/* APPENDS / SETITEMS / ADDITEMS: the target sits just below the mark. */
static int op_mark_extend(vm *m, int dict)
{
    size_t base = 0;
    if (pop_mark(m, &base))
        return -1;
    if (base == 0 || base - 1 < frame_base(m))
        return vfail(m, "stack underflow");
    rq_value *target = m->stack[base - 1];
    int rc = dict ? dict_set(m, target, m->stack + base, m->sp - base)
                  : list_extend(m, target, m->stack + base, m->sp - base);
    m->sp = base;
    return rc;
}

static int op_append(vm *m)
{
    if (need(m, 2))
        return -1;
    rq_value *v = pop(m);
    return list_extend(m, m->stack[m->sp - 1], &v, 1);
}

static int op_setitem(vm *m)
{
    if (need(m, 3))
        return -1;
    rq_value *kv[2];
    kv[1] = pop(m);
    kv[0] = pop(m);
    return dict_set(m, m->stack[m->sp - 1], kv, 2);
}

static int op_float(vm *m)
{
    uint64_t bits = 0;
    const unsigned char *b = NULL;
    if (take(m, 8, &b))
        return -1;
    for (int i = 0; i < 8; i++)
        bits = bits << 8 | b[i]; /* BINFLOAT is big-endian */
    double d;
    memcpy(&d, &bits, sizeof d);
    rq_value *v = new_value(m, RQ_V_FLOAT);
    if (v)
        v->u.f = d;
    return push(m, v);
}

static int op_long(vm *m, int len_bytes)
{
    uint64_t n;
    const unsigned char *b = NULL;
    if (take_uint(m, len_bytes, &n))
        return -1;
    if (len_bytes == 4 && n > INT32_MAX)
        return vfail(m, "negative LONG4 length");
    if (n > m->len - m->pos)
        return vfail(m, "truncated pickle (integer of %" PRIu64 " bytes)", n);
    if (take(m, (size_t)n, &b))
        return -1;
    return push(m, decode_long(m, b, (size_t)n));
}

static int op_uint(vm *m, int bytes, int is_signed32)
{
    uint64_t u;
    if (take_uint(m, bytes, &u))
        return -1;
    int64_t i = is_signed32 ? (int64_t)(int32_t)(uint32_t)u : (int64_t)u;
    return push(m, new_int(m, i));
}

static int op_memo_index(vm *m, int bytes, int put)
{
    uint64_t idx;
    if (take_uint(m, bytes, &idx))
        return -1;
    return put ? op_put(m, idx) : op_get(m, idx);
}

static int step(vm *m, int op)
{
    uint64_t u;
    switch (op) {
    case 0x80: /* PROTO */
        if (take_uint(m, 1, &u))
            return -1;
        return u <= 5 ? 0 : vfail(m, "unsupported pickle protocol %" PRIu64, u);
    case 0x95: /* FRAME: a length hint only */
        return take_uint(m, 8, &u);
    case '(': return push_mark(m);
    case '0':
        if (need(m, 1))
            return -1;
        m->sp--;
        return 0;
    case '1': {
        size_t base = 0;
        if (pop_mark(m, &base))
            return -1;
        m->sp = base;
        return 0;
    }
    case '2':
        if (need(m, 1))
            return -1;
        return push(m, m->stack[m->sp - 1]);
    case 'N': return push(m, new_value(m, RQ_V_NONE));
    case 0x88: return push(m, new_bool(m, 1));
    case 0x89: return push(m, new_bool(m, 0));
    case 'J': return op_uint(m, 4, 1);
    case 'K': return op_uint(m, 1, 0);
    case 'M': return op_uint(m, 2, 0);
    case 'I': return op_int_text(m);
    case 0x8a: return op_long(m, 1);
    case 0x8b: return op_long(m, 4);
    case 'G': return op_float(m);
    case 'X': return op_text(m, 4, RQ_V_STR);
    case 0x8c: return op_text(m, 1, RQ_V_STR);
    case 0x8d: return op_text(m, 8, RQ_V_STR);
    case 'T': return op_text(m, 4, RQ_V_STR);
    case 'U': return op_text(m, 1, RQ_V_STR);
    case 'B': return op_text(m, 4, RQ_V_BYTES);
    case 'C': return op_text(m, 1, RQ_V_BYTES);
    case 0x8e: return op_text(m, 8, RQ_V_BYTES);
    case 0x96: return op_text(m, 8, RQ_V_BYTES);
    case '}': return push(m, new_value(m, RQ_V_DICT));
    case ']': return push(m, new_value(m, RQ_V_LIST));
    case ')': return push(m, new_value(m, RQ_V_TUPLE));
    case 0x8f: return push(m, new_value(m, RQ_V_LIST)); /* EMPTY_SET */
    case 't': return op_mark_seq(m, RQ_V_TUPLE);
    case 0x85: return op_tuple_n(m, 1);
    case 0x86: return op_tuple_n(m, 2);
    case 0x87: return op_tuple_n(m, 3);
    case 'l': return op_mark_seq(m, RQ_V_LIST);
    case 0x91: return op_mark_seq(m, RQ_V_LIST); /* FROZENSET */
    case 'd': return op_mark_dict(m);
    case 'a': return op_append(m);
    case 'e': return op_mark_extend(m, 0);
    case 0x90: return op_mark_extend(m, 0); /* ADDITEMS */
    case 's': return op_setitem(m);
    case 'u': return op_mark_extend(m, 1);
    case 'c': return op_global(m);
    case 0x93: return op_stack_global(m);
    case 'R': return op_reduce(m);
    case 'b': /* BUILD: the state of an object is not interpreted */
        if (need(m, 2))
            return -1;
        m->sp--;
        return 0;
    case 0x81: return op_newobj(m, 1);
    case 0x92: return op_newobj(m, 2);
    case 'o': return op_obj(m);
    case 'i': return op_inst(m);
    case 'q': return op_memo_index(m, 1, 1);
    case 'r': return op_memo_index(m, 4, 1);
    case 'p': return op_decimal_memo(m, 1);
    case 'h': return op_memo_index(m, 1, 0);
    case 'j': return op_memo_index(m, 4, 0);
    case 'g': return op_decimal_memo(m, 0);
    case 0x94: return op_put(m, m->memo.n);
    case 'Q':
        if (need(m, 1))
            return -1;
        return push(m, persistent_load(m, pop(m)));
    default:
        return vfail(m, "unsupported pickle opcode 0x%02x", (unsigned)op);
    }
}

/* ---- paths and the final walk ---- */

void rq_fmt_double(char *buf, size_t cap, double x)
{
    if (x != x) { /* printf may say "-nan"; Python says "nan" whatever the sign bit */
        snprintf(buf, cap, "nan");
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, cap, "%.*g", p, x);
        if (strtod(buf, NULL) == x)
            return;
    }
}

static void path_append(char *path, size_t cap, const char *comp)
{
    size_t n = strlen(path);
    snprintf(path + n, cap - n, "%s%s", n ? "." : "", comp);
    rq_printable(path + n); /* keys come from the file: keep messages on one line */
}

void rq_path_push_key(char *path, size_t cap, const rq_value *key)
{
    char buf[64];
    const char *c = buf;
    switch (key->type) {
    case RQ_V_STR: c = key->u.str.s; break;
    case RQ_V_INT: snprintf(buf, sizeof buf, "%" PRId64, key->u.i); break;
    case RQ_V_BOOL: c = key->u.b ? "True" : "False"; break;
    case RQ_V_NONE: c = "None"; break;
    case RQ_V_FLOAT: rq_fmt_double(buf, sizeof buf, key->u.f); break;
    case RQ_V_BYTES: c = "<bytes>"; break;
    case RQ_V_TUPLE: c = "<tuple>"; break;
    default: c = "<key>"; break;
    }
    path_append(path, cap, c);
}

void rq_path_push_index(char *path, size_t cap, size_t i)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", i);
    path_append(path, cap, buf);
}

static int keys_equal(const rq_value *a, const rq_value *b)
{
    if (a == b)
        return 1;
    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case RQ_V_STR:
    case RQ_V_BYTES:
        return a->u.str.len == b->u.str.len && !memcmp(a->u.str.s, b->u.str.s, a->u.str.len);
    case RQ_V_INT: return a->u.i == b->u.i;
    case RQ_V_BOOL: return a->u.b == b->u.b;
    case RQ_V_NONE: return 1;
    default: return 0;
    }
}

static uint64_t key_hash(const rq_value *k)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)k->type;
    switch (k->type) {
    case RQ_V_STR:
    case RQ_V_BYTES:
        for (size_t i = 0; i < k->u.str.len; i++)
            h = (h ^ (unsigned char)k->u.str.s[i]) * 1099511628211ull;
        return h;
    case RQ_V_INT: return h ^ ((uint64_t)k->u.i * 0x9E3779B97F4A7C15ull);
    case RQ_V_BOOL: return h ^ (uint64_t)k->u.b;
    case RQ_V_NONE: return h;
    default: return h ^ (uint64_t)(uintptr_t)k;
    }
}

/* Python keeps one entry per key: the first position, the last value. */
static int dict_dedupe(vm *m, rq_value *d)
{
    size_t n = d->u.dict.n;
    if (n < 2)
        return 0;
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    size_t *slots = malloc(cap * sizeof *slots); /* entry index + 1, 0 = empty */
    if (!slots)
        return vfail(m, "out of memory");
    memset(slots, 0, cap * sizeof *slots);
    size_t out = 0;
    rq_value **keys = d->u.dict.keys, **vals = d->u.dict.vals;
    for (size_t i = 0; i < n; i++) {
        size_t h = (size_t)key_hash(keys[i]) & (cap - 1);
        while (slots[h] && !keys_equal(keys[slots[h] - 1], keys[i]))
            h = (h + 1) & (cap - 1);
        if (slots[h]) {
            vals[slots[h] - 1] = vals[i];
            continue;
        }
        keys[out] = keys[i];
        vals[out] = vals[i];
        slots[h] = ++out;
    }
    free(slots);
    d->u.dict.n = out;
    return 0;
}

static int walk(vm *m, rq_value **slot, int depth)
{
    pk_node *n = node_of(*slot);
    if (n->visit == 1) { /* a cycle: cut it */
        rq_value *o = new_opaque(m, "<recursive>");
        if (!o)
            return -1;
        *slot = o;
        return 0;
    }
    if (n->visit == 2)
        return 0;
    if (depth > m->lim->max_depth)
        return vfail(m, "values nested deeper than %d", m->lim->max_depth);
    n->visit = 1;
    rq_value *v = &n->v;
    size_t plen = strlen(m->path);
    if (v->type == RQ_V_TENSOR && m->hooks && m->hooks->tensor &&
        m->hooks->tensor(m->hooks->ctx, &v->u.tensor, m->path, m->err))
        return -1;
    if (v->type == RQ_V_LIST || v->type == RQ_V_TUPLE) {
        for (size_t i = 0; i < v->u.seq.n; i++) {
            rq_path_push_index(m->path, sizeof m->path, i);
            int rc = walk(m, &v->u.seq.items[i], depth + 1);
            m->path[plen] = 0;
            if (rc)
                return -1;
        }
    } else if (v->type == RQ_V_DICT) {
        if (dict_dedupe(m, v))
            return -1;
        for (size_t i = 0; i < v->u.dict.n; i++) {
            if (walk(m, &v->u.dict.keys[i], depth + 1))
                return -1;
            m->path[plen] = 0;
            rq_path_push_key(m->path, sizeof m->path, v->u.dict.keys[i]);
            int rc = walk(m, &v->u.dict.vals[i], depth + 1);
            m->path[plen] = 0;
            if (rc)
                return -1;
        }
    }
    n->visit = 2;
    return 0;
}

static int run(vm *m, rq_value **result)
{
    while (m->pos < m->len) {
        m->op_pos = m->pos;
        int op = m->p[m->pos++];
        if (op == '.') {
            if (m->sp == 0)
                return vfail(m, "STOP on an empty stack");
            *result = m->stack[m->sp - 1];
            m->op_pos = m->pos;
            return walk(m, result, 0);
        }
        if (step(m, op))
            return -1;
    }
    m->op_pos = m->pos;
    return vfail(m, "truncated pickle (no STOP)");
}

/* A pickle that builds a value per opcode byte needs ~210 arena bytes per pickle byte; one
 * that copies a memoized list or string over and over (torch.Size(l), _codecs.encode(s)
 * via BINGET) would need bytes quadratic in its size: 70 KB of pickle asked for 690 MB.
 * Capping the arena in proportion to the pickle keeps memory linear in the input. */
static size_t arena_cap(const rq_pickle_limits *lim, size_t len)
{
    size_t base = (size_t)16 << 20, per_byte = 512;
    if (len > (SIZE_MAX - base) / per_byte)
        return lim->max_bytes;
    size_t cap = base + per_byte * len;
    return cap < lim->max_bytes ? cap : lim->max_bytes;
}

int rq_pickle_load(const unsigned char *data, size_t len, const rq_pickle_limits *limits,
                   const rq_pickle_hooks *hooks, rq_arena **arena, const rq_value **root,
                   rq_error *err)
{
    *arena = NULL;
    *root = NULL;
    vm m = {.p = data, .len = len, .lim = limits ? limits : &rq_pickle_default_limits,
            .hooks = hooks, .err = err};
    m.arena = calloc(1, sizeof *m.arena);
    if (!m.arena)
        return rq_fail(err, "data.pkl: out of memory");
    m.arena->cap = arena_cap(m.lim, len);
    /* Never NULL, so that "stack + base" over an empty stack is defined behaviour. */
    m.stack_cap = m.lim->max_stack < 256 ? (m.lim->max_stack ? m.lim->max_stack : 1) : 256;
    m.stack = malloc(m.stack_cap * sizeof *m.stack);
    if (!m.stack) {
        free(m.arena);
        return rq_fail(err, "data.pkl: out of memory");
    }
    rq_value *result = NULL;
    int rc = run(&m, &result);
    free(m.stack);
    free(m.marks);
    free(m.memo.keys);
    free(m.memo.vals);
    if (rc) {
        rq_arena_free(m.arena);
        return -1;
    }
    *arena = m.arena;
    *root = result;
    return 0;
}
