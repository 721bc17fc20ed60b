#include "frontend/pb_guard.h"

#include <stdlib.h>

/* Reads a base-128 varint; 0 on success, -1 when truncated or longer than 10 bytes. */
static int read_varint(const uint8_t *b, size_t len, size_t *pos, uint64_t *v)
{
    uint64_t r = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (*pos >= len)
            return -1;
        uint8_t c = b[(*pos)++];
        r |= (uint64_t)(c & 0x7f) << (shift < 64 ? shift : 63);
        if (!(c & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return -1;
}

int rq_pb_depth_ok(const uint8_t *buf, size_t len, const ProtobufCMessageDescriptor *desc,
                   int max_depth)
{
    if (max_depth < 0)
        return -1;
    size_t pos = 0;
    while (pos < len) {
        uint64_t key, v;
        if (read_varint(buf, len, &pos, &key) < 0)
            return 0; /* malformed: protobuf-c refuses it */
        switch (key & 7) {
        case 0:
            if (read_varint(buf, len, &pos, &v) < 0)
                return 0;
            break;
        case 1:
            if (len - pos < 8)
                return 0;
            pos += 8;
            break;
        case 5:
            if (len - pos < 4)
                return 0;
            pos += 4;
            break;
        case 2: {
            if (read_varint(buf, len, &pos, &v) < 0 || v > len - pos)
                return 0;
            const ProtobufCFieldDescriptor *f =
                key >> 3 <= UINT32_MAX
                    ? protobuf_c_message_descriptor_get_field(desc, (unsigned)(key >> 3))
                    : NULL;
            if (f && f->type == PROTOBUF_C_TYPE_MESSAGE &&
                rq_pb_depth_ok(buf + pos, (size_t)v, f->descriptor, max_depth - 1) < 0)
                return -1;
            pos += (size_t)v;
            break;
        }
        default:
            return 0; /* groups or invalid wire types: protobuf-c decides */
        }
    }
    return 0;
}

static void *budget_alloc(void *data, size_t size)
{
    rq_pb_budget *b = data;
    if (size > b->budget - b->used)
        return NULL;
    size_t *p = malloc(size + sizeof(size_t) * 2);
    if (!p)
        return NULL;
    b->used += size;
    p[0] = size;
    return p + 2; /* two words keep the 16-byte alignment malloc gives */
}

static void budget_free(void *data, void *ptr)
{
    rq_pb_budget *b = data;
    if (!ptr)
        return;
    size_t *p = (size_t *)ptr - 2;
    b->used -= p[0];
    free(p);
}

void rq_pb_budget_init(rq_pb_budget *b, size_t budget)
{
    b->a.alloc = budget_alloc;
    b->a.free = budget_free;
    b->a.allocator_data = b;
    b->used = 0;
    b->budget = budget;
}
