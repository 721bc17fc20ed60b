/* Bounds-checked FlatBuffers access for hostile files: every offset, vtable and vector is
 * checked against the buffer before use. Functions return 0 on success, -1 with err set to
 * "NAME: WHAT: problem" where WHAT is the caller's path of the field (e.g.
 * "subgraphs[0].tensors[3].shape"). */
#ifndef RQ_FLATBUF_READ_H
#define RQ_FLATBUF_READ_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef struct rq_fbr {
    const uint8_t *buf;
    size_t len;
    const char *name; /* file name for messages */
    rq_error *err;
} rq_fbr;

typedef struct rq_fbr_table {
    size_t pos;    /* table start */
    size_t vt;     /* vtable start */
    uint16_t vt_len, obj_len;
} rq_fbr_table;

typedef struct rq_fbr_vec {
    size_t data; /* first element */
    uint32_t n;
} rq_fbr_vec;

uint8_t rq_fbr_u8_at(const rq_fbr *r, size_t pos);
uint16_t rq_fbr_u16_at(const rq_fbr *r, size_t pos);
uint32_t rq_fbr_u32_at(const rq_fbr *r, size_t pos);
uint64_t rq_fbr_u64_at(const rq_fbr *r, size_t pos);

int rq_fbr_fail(const rq_fbr *r, const char *what, const char *problem);

/* The root table (checks size and, when ident is not NULL, the file identifier). */
int rq_fbr_root(const rq_fbr *r, const char *ident, rq_fbr_table *t);
/* The table a uoffset at pos points at. */
int rq_fbr_table_at(const rq_fbr *r, size_t pos, const char *what, rq_fbr_table *t);

/* Position of a scalar field of `size` bytes, 0 if absent; -1 if it lies outside. */
int rq_fbr_field(const rq_fbr *r, const rq_fbr_table *t, int id, size_t size, const char *what,
                 size_t *pos);
int rq_fbr_i8(const rq_fbr *r, const rq_fbr_table *t, int id, int8_t def, const char *what, int8_t *v);
int rq_fbr_u8(const rq_fbr *r, const rq_fbr_table *t, int id, uint8_t def, const char *what, uint8_t *v);
int rq_fbr_i32(const rq_fbr *r, const rq_fbr_table *t, int id, int32_t def, const char *what, int32_t *v);
int rq_fbr_u32(const rq_fbr *r, const rq_fbr_table *t, int id, uint32_t def, const char *what, uint32_t *v);

/* Sub-table / vector / string fields; *present = 0 when the field is absent. */
int rq_fbr_sub(const rq_fbr *r, const rq_fbr_table *t, int id, const char *what, int *present,
               rq_fbr_table *sub);
int rq_fbr_vector(const rq_fbr *r, const rq_fbr_table *t, int id, size_t elem, const char *what,
                  rq_fbr_vec *v); /* absent = empty vector */
int rq_fbr_string(const rq_fbr *r, const rq_fbr_table *t, int id, const char *what,
                  const char **s, uint32_t *len); /* absent: *s = NULL */
/* Element i of a vector of tables. */
int rq_fbr_vec_table(const rq_fbr *r, const rq_fbr_vec *v, uint32_t i, const char *what,
                     rq_fbr_table *t);

#endif
