/* Checks a protobuf message's wire bytes before protobuf-c unpacks them: protobuf-c
 * recurses once per nested message with no depth limit, so a file of nested
 * length-delimited fields could exhaust the stack. This walk knows the schema (the
 * generated descriptors), iterates over fields and recurses only into message-typed
 * fields, at most max_depth deep. Malformed wire data is left to protobuf-c to refuse. */
#ifndef RQ_PB_GUARD_H
#define RQ_PB_GUARD_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/* 0 when no message nests deeper than max_depth, -1 otherwise. */
int rq_pb_depth_ok(const uint8_t *buf, size_t len, const ProtobufCMessageDescriptor *desc,
                   int max_depth);

/* An allocator for protobuf_c_message_unpack that refuses to hand out more than `budget`
 * bytes in all (a hostile file cannot make unpacking allocate without bound). */
typedef struct rq_pb_budget {
    ProtobufCAllocator a;
    size_t used, budget;
} rq_pb_budget;

void rq_pb_budget_init(rq_pb_budget *b, size_t budget);

#endif
