#include "tflite/flatbuf_read.h"

#include <string.h>

uint8_t rq_fbr_u8_at(const rq_fbr *r, size_t pos)
{
    return r->buf[pos];
}

uint16_t rq_fbr_u16_at(const rq_fbr *r, size_t pos)
{
    return (uint16_t)(r->buf[pos] | r->buf[pos + 1] << 8);
}

uint32_t rq_fbr_u32_at(const rq_fbr *r, size_t pos)
{
    const uint8_t *p = r->buf + pos;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t rq_fbr_u64_at(const rq_fbr *r, size_t pos)
{
    return (uint64_t)rq_fbr_u32_at(r, pos) | (uint64_t)rq_fbr_u32_at(r, pos + 4) << 32;
}

int rq_fbr_fail(const rq_fbr *r, const char *what, const char *problem)
{
    return rq_fail(r->err, "%s: %s: %s", r->name, what, problem);
}

static int fits(const rq_fbr *r, size_t pos, size_t n)
{
    return pos <= r->len && n <= r->len - pos;
}

/* A table: soffset to its vtable, the vtable's two header fields, both inside the file. */
static int table_at_pos(const rq_fbr *r, size_t pos, const char *what, rq_fbr_table *t)
{
    if ((pos & 3) || !fits(r, pos, 4))
        return rq_fbr_fail(r, what, "table offset outside the file or misaligned");
    int32_t so = (int32_t)rq_fbr_u32_at(r, pos);
    int64_t vt = (int64_t)pos - so;
    if (vt < 0 || (vt & 1) || !fits(r, (size_t)vt, 4))
        return rq_fbr_fail(r, what, "vtable outside the file");
    uint16_t vt_len = rq_fbr_u16_at(r, (size_t)vt);
    uint16_t obj_len = rq_fbr_u16_at(r, (size_t)vt + 2);
    if (vt_len < 4 || (vt_len & 1) || !fits(r, (size_t)vt, vt_len))
        return rq_fbr_fail(r, what, "vtable size invalid");
    if (obj_len < 4 || !fits(r, pos, obj_len))
        return rq_fbr_fail(r, what, "table runs past the end of the file");
    t->pos = pos;
    t->vt = (size_t)vt;
    t->vt_len = vt_len;
    t->obj_len = obj_len;
    return 0;
}

/* Follows the uoffset stored at pos. */
static int follow(const rq_fbr *r, size_t pos, const char *what, size_t *target)
{
    if ((pos & 3) || !fits(r, pos, 4))
        return rq_fbr_fail(r, what, "offset outside the file or misaligned");
    uint32_t off = rq_fbr_u32_at(r, pos);
    if (off == 0 || !fits(r, pos, off) || pos + off >= r->len)
        return rq_fbr_fail(r, what, "offset points outside the file");
    *target = pos + off;
    return 0;
}

int rq_fbr_root(const rq_fbr *r, const char *ident, rq_fbr_table *t)
{
    if (r->len < 8)
        return rq_fbr_fail(r, "header", "file too short for a flatbuffer");
    if (r->len > (size_t)INT32_MAX)
        return rq_fbr_fail(r, "header", "file larger than 2 GB");
    if (ident && memcmp(r->buf + 4, ident, 4))
        return rq_fbr_fail(r, "header", "file identifier is not TFL3");
    size_t root;
    if (follow(r, 0, "root", &root))
        return -1;
    return table_at_pos(r, root, "root", t);
}

int rq_fbr_table_at(const rq_fbr *r, size_t pos, const char *what, rq_fbr_table *t)
{
    size_t target;
    if (follow(r, pos, what, &target))
        return -1;
    return table_at_pos(r, target, what, t);
}

int rq_fbr_field(const rq_fbr *r, const rq_fbr_table *t, int id, size_t size, const char *what,
                 size_t *pos)
{
    *pos = 0;
    size_t slot = 4 + 2 * (size_t)id;
    if (slot + 2 > t->vt_len)
        return 0;
    uint16_t off = rq_fbr_u16_at(r, t->vt + slot);
    if (off == 0)
        return 0;
    if (off < 4 || (size_t)off + size > t->obj_len)
        return rq_fbr_fail(r, what, "field lies outside its table");
    *pos = t->pos + off;
    return 0;
}

#define SCALAR_GETTER(fn, type, size, load)                                                 \
    int fn(const rq_fbr *r, const rq_fbr_table *t, int id, type def, const char *what,       \
           type *v)                                                                          \
    {                                                                                        \
        size_t pos;                                                                          \
        if (rq_fbr_field(r, t, id, size, what, &pos))                                        \
            return -1;                                                                       \
        *v = pos ? (type)load(r, pos) : def;                                                 \
        return 0;                                                                            \
    }

SCALAR_GETTER(rq_fbr_i8, int8_t, 1, rq_fbr_u8_at)
SCALAR_GETTER(rq_fbr_u8, uint8_t, 1, rq_fbr_u8_at)
SCALAR_GETTER(rq_fbr_i32, int32_t, 4, rq_fbr_u32_at)
SCALAR_GETTER(rq_fbr_u32, uint32_t, 4, rq_fbr_u32_at)

int rq_fbr_sub(const rq_fbr *r, const rq_fbr_table *t, int id, const char *what, int *present,
               rq_fbr_table *sub)
{
    size_t pos;
    *present = 0;
    if (rq_fbr_field(r, t, id, 4, what, &pos))
        return -1;
    if (!pos)
        return 0;
    *present = 1;
    return rq_fbr_table_at(r, pos, what, sub);
}

static int vector_at(const rq_fbr *r, size_t field, size_t elem, const char *what, rq_fbr_vec *v)
{
    size_t start;
    if (follow(r, field, what, &start))
        return -1;
    if ((start & 3) || !fits(r, start, 4))
        return rq_fbr_fail(r, what, "vector length outside the file or misaligned");
    uint32_t n = rq_fbr_u32_at(r, start);
    if ((uint64_t)n * elem > r->len - start - 4)
        return rq_fbr_fail(r, what, "vector runs past the end of the file");
    v->data = start + 4;
    v->n = n;
    return 0;
}

int rq_fbr_vector(const rq_fbr *r, const rq_fbr_table *t, int id, size_t elem, const char *what,
                  rq_fbr_vec *v)
{
    size_t pos;
    v->data = 0;
    v->n = 0;
    if (rq_fbr_field(r, t, id, 4, what, &pos))
        return -1;
    if (!pos)
        return 0;
    return vector_at(r, pos, elem, what, v);
}

int rq_fbr_string(const rq_fbr *r, const rq_fbr_table *t, int id, const char *what,
                  const char **s, uint32_t *len)
{
    rq_fbr_vec v;
    *s = NULL;
    *len = 0;
    size_t pos;
    if (rq_fbr_field(r, t, id, 4, what, &pos))
        return -1;
    if (!pos)
        return 0;
    if (vector_at(r, pos, 1, what, &v))
        return -1;
    *s = (const char *)r->buf + v.data;
    *len = v.n;
    return 0;
}

int rq_fbr_vec_table(const rq_fbr *r, const rq_fbr_vec *v, uint32_t i, const char *what,
                     rq_fbr_table *t)
{
    if (i >= v->n)
        return rq_fbr_fail(r, what, "index past the vector");
    return rq_fbr_table_at(r, v->data + 4 * (size_t)i, what, t);
}
