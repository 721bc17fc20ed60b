/* The ONNX reader's hostile-input guards and the IR's graph algorithms (topological
 * order, shape rules) on hand-built inputs whose answers follow from the definitions. */
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx_read.h"
#include "frontend/pb_guard.h"
#include "harness.h"
#include "ir/ir.h"
#include "onnx.pb-c.h"

/* Appends key (field, wire type 2) and a varint length in front of an inner message. */
static size_t wrap(unsigned char *buf, size_t inner_at, size_t inner_len, unsigned field)
{
    unsigned char hdr[12];
    size_t h = 0;
    hdr[h++] = (unsigned char)(field << 3 | 2);
    size_t v = inner_len;
    do {
        hdr[h++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    memcpy(buf + inner_at - h, hdr, h);
    return h;
}

/* graph(7) { node(1) { attribute(5) { g(6) { node ... } } } }, `levels` cycles deep. */
static unsigned char *nested_model(int levels, size_t *len)
{
    size_t cap = (size_t)levels * 4 * 6 + 64;
    unsigned char *buf = calloc(cap, 1);
    if (!buf)
        return NULL;
    size_t at = cap, n = 0;
    const unsigned fields[3] = {6, 5, 1}; /* from the inside out: g, attribute, node */
    for (int l = 0; l < levels; l++)
        for (int k = 0; k < 3; k++) {
            size_t h = wrap(buf, at, n, fields[k]);
            at -= h, n += h;
        }
    size_t h = wrap(buf, at, n, 7);
    at -= h, n += h;
    memmove(buf, buf + at, n);
    *len = n;
    return buf;
}

static void nesting_bomb_is_refused(void)
{
    size_t len;
    unsigned char *p = nested_model(100000, &len);
    CHECK(p);
    rq_ir_graph g;
    rq_error err;
    int rc = rq_onnx_parse(p, len, "deep.onnx", &g, &err);
    rq_ir_free(&g);
    free(p);
    CHECK(rc == -1);
    CHECK_MSG(strstr(err.msg, "deep.onnx: messages nested deeper than 24 levels"), "%.300s", err.msg);
    /* 3 levels (10 messages deep) pass the guard and fail later for another reason */
    p = nested_model(3, &len);
    CHECK(p);
    CHECK(rq_pb_depth_ok(p, len, &onnx__model_proto__descriptor, 24) == 0);
    CHECK(rq_pb_depth_ok(p, len, &onnx__model_proto__descriptor, 5) == -1);
    rc = rq_onnx_parse(p, len, "shallow.onnx", &g, &err);
    rq_ir_free(&g);
    free(p);
    CHECK(rc == -1 && strstr(err.msg, "no ai.onnx opset"));
}

static void garbage_is_one_line(void)
{
    rq_ir_graph g;
    rq_error err;
    const unsigned char junk[] = {0x3a, 0x7f, 0x01};
    CHECK(rq_onnx_parse(junk, sizeof junk, "junk.onnx", &g, &err) == -1);
    rq_ir_free(&g);
    CHECK_MSG(!strncmp(err.msg, "junk.onnx: not a valid ONNX protobuf", 36), "%.300s", err.msg);
}

/* Nodes given in reverse order come back producer-first; a cycle is named. */
static void toposort_orders_and_finds_cycles(void)
{
    rq_ir_graph g;
    rq_error err;
    rq_ir_init(&g, "t");
    int x = rq_ir_add_tensor(&g, "x", RQ_IR_F32, &err);
    int a = rq_ir_add_tensor(&g, "a", RQ_IR_F32, &err);
    int b = rq_ir_add_tensor(&g, "b", RQ_IR_F32, &err);
    int64_t s[2] = {1, 4};
    CHECK(rq_ir_set_shape(&g, x, 2, s, &err) == 0);
    CHECK(rq_ir_add_node(&g, RQ_IR_OP_SIGMOID, NULL, "second", 1, &a, 1, &b, &err) == 0);
    CHECK(rq_ir_add_node(&g, RQ_IR_OP_RELU, NULL, "first", 1, &x, 1, &a, &err) == 1);
    CHECK(rq_ir_set_io(&g, 1, &x, 1, &b, &err) == 0);
    CHECK_MSG(rq_ir_toposort(&g, &err) == 0, "%.300s", err.msg);
    CHECK(!strcmp(g.nodes[0].name, "first") && !strcmp(g.nodes[1].name, "second"));
    CHECK(g.tensors[b].producer == 1 && g.tensors[a].producer == 0);
    CHECK(rq_ir_infer_shapes(&g, &err) == 0);
    CHECK(g.tensors[b].rank == 2 && g.tensors[b].shape[1] == 4);
    /* make "first" read b: a -> b -> a */
    g.nodes[0].in[0] = b;
    CHECK(rq_ir_toposort(&g, &err) == -1);
    CHECK_MSG(strstr(err.msg, "t: the graph has a cycle through node"), "%.300s", err.msg);
    rq_ir_free(&g);
}

/* Conv output sizes from the definition floor((in + pads - dil*(k-1) - 1)/stride) + 1,
 * SAME_UPPER = ceil(in/stride), and MaxPool ceil_mode. */
static void window_geometry(void)
{
    rq_ir_graph g;
    rq_error err;
    rq_ir_init(&g, "w");
    int x = rq_ir_add_tensor(&g, "x", RQ_IR_F32, &err);
    int64_t xs[4] = {1, 3, 17, 10}, ws[4] = {6, 1, 3, 3};
    float zeros[54] = {0};
    CHECK(rq_ir_set_shape(&g, x, 4, xs, &err) == 0);
    int w = rq_ir_add_const(&g, "w", RQ_IR_F32, 4, ws, zeros, &err);
    int y = rq_ir_add_tensor(&g, "y", RQ_IR_F32, &err);
    int conv = rq_ir_add_node(&g, RQ_IR_OP_CONV, NULL, NULL, 2, (int[]){x, w}, 1, &y, &err);
    int64_t st[2] = {2, 3}, pads[4] = {1, 0, 2, 1}, dil[2] = {2, 1};
    CHECK(rq_ir_add_attr_ints(&g, conv, "strides", 2, st, &err) == 0);
    CHECK(rq_ir_add_attr_ints(&g, conv, "pads", 4, pads, &err) == 0);
    CHECK(rq_ir_add_attr_ints(&g, conv, "dilations", 2, dil, &err) == 0);
    CHECK(rq_ir_add_attr_int(&g, conv, "group", 3, &err) == 0);
    CHECK_MSG(rq_ir_infer_shapes(&g, &err) == 0, "%.300s", err.msg);
    /* H: (17+3-4-1)/2+1 = 8; W: (10+1-2-1)/3+1 = 3 */
    CHECK(g.tensors[y].shape[1] == 6 && g.tensors[y].shape[2] == 8 && g.tensors[y].shape[3] == 3);
    CHECK(rq_ir_node_macs(&g, &g.nodes[conv]) == 6 * 8 * 3 * 9);
    int z = rq_ir_add_tensor(&g, "z", RQ_IR_F32, &err);
    int pool = rq_ir_add_node(&g, RQ_IR_OP_MAX_POOL, NULL, NULL, 1, &x, 1, &z, &err);
    int64_t k[2] = {2, 2}, s2[2] = {2, 2};
    CHECK(rq_ir_add_attr_ints(&g, pool, "kernel_shape", 2, k, &err) == 0);
    CHECK(rq_ir_add_attr_ints(&g, pool, "strides", 2, s2, &err) == 0);
    CHECK(rq_ir_add_attr_int(&g, pool, "ceil_mode", 1, &err) == 0);
    CHECK(rq_ir_add_attr_string(&g, pool, "auto_pad", "NOTSET", &err) == 0);
    CHECK(rq_ir_infer_shapes(&g, &err) == 0);
    CHECK(g.tensors[z].shape[2] == 9 && g.tensors[z].shape[3] == 5); /* ceil(15/2)+1, 4+1 */
    rq_ir_free(&g);
}

int main(void)
{
    RUN(nesting_bomb_is_refused);
    RUN(garbage_is_one_line);
    RUN(toposort_orders_and_finds_cycles);
    RUN(window_geometry);
    TEST_EXIT();
}
