/* A small FlatBuffers builder (the standard back-to-front layout): children are written
 * before the tables that point at them, so every offset points forward as the format
 * requires. Values are stored little endian whatever the host. Deterministic: the bytes
 * depend only on the sequence of calls. Out of memory is sticky: check rq_fb_finish. */
#ifndef RQ_FLATBUF_BUILD_H
#define RQ_FLATBUF_BUILD_H

#include <stddef.h>
#include <stdint.h>

#define RQ_FB_MAX_FIELDS 32

/* An object already written, as its distance from the end of the buffer. */
typedef uint32_t rq_fb_ref;

typedef struct rq_fb {
    uint8_t *buf; /* bytes live at buf + cap - used .. buf + cap */
    size_t cap, used;
    size_t minalign; /* largest alignment requested: the final size is a multiple of it */
    int failed;      /* an allocation failed or the buffer passed 2 GB */
    /* the table being built */
    int in_table;
    size_t table_start;
    int n_fields;
    struct { uint16_t id; uint32_t at; } fields[RQ_FB_MAX_FIELDS];
} rq_fb;

void rq_fb_init(rq_fb *b);
void rq_fb_free(rq_fb *b);

rq_fb_ref rq_fb_string(rq_fb *b, const char *s);
/* A [ubyte] vector whose first data byte is aligned to align (a power of two). */
rq_fb_ref rq_fb_bytes(rq_fb *b, const void *data, size_t n, size_t align);
rq_fb_ref rq_fb_vec_i32(rq_fb *b, const int32_t *v, size_t n);
rq_fb_ref rq_fb_vec_f32(rq_fb *b, const float *v, size_t n);
rq_fb_ref rq_fb_vec_i64(rq_fb *b, const int64_t *v, size_t n);
/* A vector of tables or strings. */
rq_fb_ref rq_fb_vec_refs(rq_fb *b, const rq_fb_ref *v, size_t n);

/* Tables: begin, add fields by schema field id, end. A scalar equal to its schema
 * default is not stored (readers return the default for absent fields). */
void rq_fb_table_begin(rq_fb *b);
void rq_fb_add_i8(rq_fb *b, int id, int8_t v, int8_t def);
void rq_fb_add_u8(rq_fb *b, int id, uint8_t v, uint8_t def);
void rq_fb_add_i32(rq_fb *b, int id, int32_t v, int32_t def);
void rq_fb_add_u32(rq_fb *b, int id, uint32_t v, uint32_t def);
void rq_fb_add_ref(rq_fb *b, int id, rq_fb_ref target); /* target 0 = absent */
rq_fb_ref rq_fb_table_end(rq_fb *b);

/* Writes the root offset and the 4-byte file identifier; hands the finished bytes to the
 * caller (malloc'ed). Returns -1 if anything failed on the way. */
int rq_fb_finish(rq_fb *b, rq_fb_ref root, const char ident[4], uint8_t **out, size_t *out_len);

#endif
