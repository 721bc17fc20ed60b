/* Building the in-memory TFLite model: copies, checks, defaults. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tflite/tfl_model.h"

static void builds_conv_and_validates(void)
{
    rq_tfl_model m;
    rq_error err = {{0}};
    rq_tfl_model_init(&m);
    int32_t xs[4] = {1, 4, 4, 3}, ws[4] = {2, 3, 3, 3}, bs[1] = {2}, ys[4] = {1, 4, 4, 2};
    int x = rq_tfl_add_tensor(&m, "x", RQ_TFL_INT8, 4, xs, &err);
    int w = rq_tfl_add_tensor(&m, "w", RQ_TFL_INT8, 4, ws, &err);
    int b = rq_tfl_add_tensor(&m, "b", RQ_TFL_INT32, 1, bs, &err);
    int y = rq_tfl_add_tensor(&m, "y", RQ_TFL_INT8, 4, ys, &err);
    CHECK(x == 0 && w == 1 && b == 2 && y == 3);
    int8_t wd[54] = {0};
    CHECK(rq_tfl_set_data(&m, w, wd, sizeof wd, &err) == 0);
    CHECK(rq_tfl_set_data(&m, w, wd, 53, &err) == -1);
    CHECK(strstr(err.msg, "tensor w"));
    float sc[2] = {0.1f, 0.2f};
    int64_t zp[2] = {0, 0};
    CHECK(rq_tfl_set_quant(&m, w, 2, sc, zp, 0, &err) == 0);
    CHECK(rq_tfl_set_quant(&m, w, 2, sc, zp, 3, &err) == -1);
    int32_t in[3] = {x, w, b};
    CHECK(rq_tfl_add_op(&m, RQ_TFL_OP_CONV_2D, 3, in, 1, &y, NULL, &err) == 0);
    CHECK(m.ops[0].version == 3 && m.ops[0].opt.stride_w == 1 && m.ops[0].opt.dilation_h == 1);
    CHECK(rq_tfl_validate(&m, "t", &err) == -1); /* graph io not set */
    CHECK(rq_tfl_set_graph_io(&m, 1, &x, 1, &y, &err) == 0);
    CHECK(rq_tfl_validate(&m, "t", &err) == 0);
    int32_t bad = 7;
    CHECK(rq_tfl_add_op(&m, RQ_TFL_OP_RESHAPE, 1, &bad, 1, &y, NULL, &err) == -1);
    rq_tfl_model_free(&m);
}

static void refuses_overflowing_shape(void)
{
    rq_tfl_model m;
    rq_error err = {{0}};
    rq_tfl_model_init(&m);
    int32_t s[3] = {65536, 65536, 2};
    CHECK(rq_tfl_add_tensor(&m, "big", RQ_TFL_INT8, 3, s, &err) == -1);
    int32_t neg[1] = {-1};
    CHECK(rq_tfl_add_tensor(&m, "neg", RQ_TFL_INT8, 1, neg, &err) == -1);
    rq_tfl_model_free(&m);
}

int main(void)
{
    RUN(builds_conv_and_validates);
    RUN(refuses_overflowing_shape);
    TEST_EXIT();
}
