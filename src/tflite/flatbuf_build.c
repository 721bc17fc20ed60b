#include "tflite/flatbuf_build.h"

#include <stdlib.h>
#include <string.h>

#define FB_MAX_SIZE ((size_t)1 << 31)

void rq_fb_init(rq_fb *b)
{
    memset(b, 0, sizeof *b);
    b->minalign = 1;
}

void rq_fb_free(rq_fb *b)
{
    free(b->buf);
    memset(b, 0, sizeof *b);
}

/* Makes room for n more bytes in front of what is written. */
static int reserve(rq_fb *b, size_t n)
{
    if (b->failed)
        return -1;
    if (b->used + n > FB_MAX_SIZE) {
        b->failed = 1;
        return -1;
    }
    if (b->used + n <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : 1024;
    while (ncap < b->used + n)
        ncap *= 2;
    uint8_t *nb = malloc(ncap);
    if (!nb) {
        b->failed = 1;
        return -1;
    }
    if (b->used)
        memcpy(nb + ncap - b->used, b->buf + b->cap - b->used, b->used);
    free(b->buf);
    b->buf = nb;
    b->cap = ncap;
    return 0;
}

static uint8_t *front(rq_fb *b)
{
    return b->buf + b->cap - b->used;
}

static void push_bytes(rq_fb *b, const void *p, size_t n)
{
    if (reserve(b, n))
        return;
    b->used += n;
    memcpy(front(b), p, n);
}

static void push_le(rq_fb *b, uint64_t v, size_t n)
{
    uint8_t tmp[8];
    for (size_t i = 0; i < n; i++)
        tmp[i] = (uint8_t)(v >> (8 * i));
    push_bytes(b, tmp, n);
}

static void pad(rq_fb *b, size_t n)
{
    static const uint8_t zeros[16];
    while (n > 0) {
        size_t k = n < sizeof zeros ? n : sizeof zeros;
        push_bytes(b, zeros, k);
        n -= k;
    }
}

/* Pads so that, once `extra` more bytes are written, the front is aligned to `align`. */
static void prep(rq_fb *b, size_t align, size_t extra)
{
    if (align > b->minalign)
        b->minalign = align;
    size_t mis = (b->used + extra) & (align - 1);
    if (mis)
        pad(b, align - mis);
}

/* A uoffset stored at the (aligned) front pointing at target: the distance between the
 * two positions, both counted from the end. */
static void push_uoffset(rq_fb *b, rq_fb_ref target)
{
    prep(b, 4, 0);
    push_le(b, (uint32_t)(b->used + 4 - target), 4);
}

static rq_fb_ref vec_scalars(rq_fb *b, const void *v, size_t n, size_t elem, size_t align)
{
    if (n > (FB_MAX_SIZE / (elem ? elem : 1))) {
        b->failed = 1;
        return 0;
    }
    prep(b, 4, n * elem);
    prep(b, align, n * elem);
    const uint8_t *p = v;
    for (size_t i = n; i-- > 0;) {
        uint64_t x = 0;
        if (elem == 4) {
            uint32_t u;
            memcpy(&u, p + i * 4, 4);
            x = u;
        } else if (elem == 8) {
            memcpy(&x, p + i * 8, 8);
        } else {
            x = p[i];
        }
        push_le(b, x, elem);
    }
    push_le(b, (uint32_t)n, 4);
    return (rq_fb_ref)b->used;
}

rq_fb_ref rq_fb_string(rq_fb *b, const char *s)
{
    size_t n = strlen(s);
    prep(b, 4, n + 1);
    push_le(b, 0, 1);
    push_bytes(b, s, n);
    push_le(b, (uint32_t)n, 4);
    return (rq_fb_ref)b->used;
}

rq_fb_ref rq_fb_bytes(rq_fb *b, const void *data, size_t n, size_t align)
{
    prep(b, 4, n);
    prep(b, align < 4 ? 4 : align, n);
    if (n)
        push_bytes(b, data, n);
    push_le(b, (uint32_t)n, 4);
    return (rq_fb_ref)b->used;
}

rq_fb_ref rq_fb_vec_i32(rq_fb *b, const int32_t *v, size_t n)
{
    return vec_scalars(b, v, n, 4, 4);
}

rq_fb_ref rq_fb_vec_f32(rq_fb *b, const float *v, size_t n)
{
    return vec_scalars(b, v, n, 4, 4);
}

rq_fb_ref rq_fb_vec_i64(rq_fb *b, const int64_t *v, size_t n)
{
    return vec_scalars(b, v, n, 8, 8);
}

rq_fb_ref rq_fb_vec_refs(rq_fb *b, const rq_fb_ref *v, size_t n)
{
    prep(b, 4, 4 * n);
    for (size_t i = n; i-- > 0;)
        push_uoffset(b, v[i]);
    push_le(b, (uint32_t)n, 4);
    return (rq_fb_ref)b->used;
}

void rq_fb_table_begin(rq_fb *b)
{
    b->in_table = 1;
    b->n_fields = 0;
    b->table_start = b->used;
}

static void note_field(rq_fb *b, int id)
{
    if (b->n_fields >= RQ_FB_MAX_FIELDS || id < 0 || id >= RQ_FB_MAX_FIELDS || !b->in_table) {
        b->failed = 1;
        return;
    }
    b->fields[b->n_fields].id = (uint16_t)id;
    b->fields[b->n_fields].at = (uint32_t)b->used;
    b->n_fields++;
}

static void add_scalar(rq_fb *b, int id, uint64_t v, size_t n)
{
    prep(b, n, n);
    push_le(b, v, n);
    note_field(b, id);
}

void rq_fb_add_i8(rq_fb *b, int id, int8_t v, int8_t def)
{
    if (v != def)
        add_scalar(b, id, (uint8_t)v, 1);
}

void rq_fb_add_u8(rq_fb *b, int id, uint8_t v, uint8_t def)
{
    if (v != def)
        add_scalar(b, id, v, 1);
}

void rq_fb_add_i32(rq_fb *b, int id, int32_t v, int32_t def)
{
    if (v != def)
        add_scalar(b, id, (uint32_t)v, 4);
}

void rq_fb_add_u32(rq_fb *b, int id, uint32_t v, uint32_t def)
{
    if (v != def)
        add_scalar(b, id, v, 4);
}

void rq_fb_add_ref(rq_fb *b, int id, rq_fb_ref target)
{
    if (!target)
        return;
    push_uoffset(b, target);
    note_field(b, id);
}

/* The table starts with an soffset to its vtable; the vtable (written just in front of
 * it) lists each field's position inside the table, 0 for absent fields. */
rq_fb_ref rq_fb_table_end(rq_fb *b)
{
    prep(b, 4, 4);
    push_le(b, 0, 4); /* soffset, patched below */
    rq_fb_ref table = (rq_fb_ref)b->used;
    int n_slots = 0;
    for (int i = 0; i < b->n_fields; i++)
        if (b->fields[i].id + 1 > n_slots)
            n_slots = b->fields[i].id + 1;
    uint16_t slot[RQ_FB_MAX_FIELDS] = {0};
    for (int i = 0; i < b->n_fields; i++)
        slot[b->fields[i].id] = (uint16_t)(table - b->fields[i].at);
    size_t object_size = table - b->table_start;
    if (object_size > 0xffff)
        b->failed = 1;
    for (int i = n_slots; i-- > 0;)
        push_le(b, slot[i], 2);
    push_le(b, (uint16_t)object_size, 2);
    push_le(b, (uint16_t)(4 + 2 * n_slots), 2);
    rq_fb_ref vtable = (rq_fb_ref)b->used;
    if (!b->failed) {
        /* soffset = table position - vtable position (vtable lies before the table) */
        int32_t so = (int32_t)(vtable - table);
        uint8_t *p = b->buf + b->cap - table;
        for (int i = 0; i < 4; i++)
            p[i] = (uint8_t)((uint32_t)so >> (8 * i));
    }
    b->in_table = 0;
    return table;
}

int rq_fb_finish(rq_fb *b, rq_fb_ref root, const char ident[4], uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    prep(b, b->minalign > 4 ? b->minalign : 4, 8);
    push_bytes(b, ident, 4);
    push_uoffset(b, root);
    if (b->failed)
        return -1;
    uint8_t *p = malloc(b->used);
    if (!p)
        return -1;
    memcpy(p, front(b), b->used);
    *out = p;
    *out_len = b->used;
    return 0;
}
