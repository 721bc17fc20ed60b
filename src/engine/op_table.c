/* The engine's operator resolver: a builtin code -> its prepare function. One line an
 * operator (several codes may share a family's prepare). */
#include <stddef.h>

#include "engine/engine_internal.h"
#include "engine/op_movement.h"

typedef struct op_entry {
    int code;
    prepare_fn prepare;
} op_entry;

static const op_entry op_table[] = {
    {RQ_TFL_OP_AVERAGE_POOL_2D, prepare_pool},
    {RQ_TFL_OP_CONV_2D, prepare_conv},
    {RQ_TFL_OP_DEPTHWISE_CONV_2D, prepare_conv},
    {RQ_TFL_OP_DEQUANTIZE, prepare_dequantize},
    {RQ_TFL_OP_FULLY_CONNECTED, prepare_fully_connected},
    {RQ_TFL_OP_LOGISTIC, prepare_unary},
    {RQ_TFL_OP_MAX_POOL_2D, prepare_pool},
    {RQ_TFL_OP_RESHAPE, prepare_reshape},
    {RQ_TFL_OP_MEAN, prepare_mean},
    {RQ_TFL_OP_QUANTIZE, prepare_quantize},
    /* data movement and shape (op_movement.c, op_gather_resize.c) */
    {RQ_TFL_OP_CONCATENATION, prepare_concatenation},
    {RQ_TFL_OP_DEPTH_TO_SPACE, prepare_depth_space},
    {RQ_TFL_OP_EXPAND_DIMS, prepare_expand_dims},
    {RQ_TFL_OP_GATHER, prepare_gather},
    {RQ_TFL_OP_PACK, prepare_pack},
    {RQ_TFL_OP_PAD, prepare_pad},
    {RQ_TFL_OP_PADV2, prepare_pad},
    {RQ_TFL_OP_RESIZE_BILINEAR, prepare_resize},
    {RQ_TFL_OP_RESIZE_NEAREST_NEIGHBOR, prepare_resize},
    {RQ_TFL_OP_SHAPE, prepare_shape},
    {RQ_TFL_OP_SLICE, prepare_slice},
    {RQ_TFL_OP_SPACE_TO_DEPTH, prepare_depth_space},
    {RQ_TFL_OP_SPLIT, prepare_split},
    {RQ_TFL_OP_SPLIT_V, prepare_split_v},
    {RQ_TFL_OP_SQUEEZE, prepare_squeeze},
    {RQ_TFL_OP_STRIDED_SLICE, prepare_strided_slice},
    {RQ_TFL_OP_TILE, prepare_tile},
    {RQ_TFL_OP_TRANSPOSE, prepare_transpose},
    {RQ_TFL_OP_UNPACK, prepare_unpack},
    {RQ_TFL_OP_ADD, prepare_binary},
    {RQ_TFL_OP_SUB, prepare_binary},
    {RQ_TFL_OP_MUL, prepare_binary},
    {RQ_TFL_OP_MAXIMUM, prepare_binary},
    {RQ_TFL_OP_MINIMUM, prepare_binary},
    {RQ_TFL_OP_PRELU, prepare_binary},
    {RQ_TFL_OP_RELU, prepare_unary},
    {RQ_TFL_OP_RELU6, prepare_unary},
    {RQ_TFL_OP_LEAKY_RELU, prepare_unary},
    {RQ_TFL_OP_HARD_SWISH, prepare_unary},
    {RQ_TFL_OP_TANH, prepare_unary},
    {RQ_TFL_OP_SOFTMAX, prepare_softmax},
    {RQ_TFL_OP_SUM, prepare_reduce},
    {RQ_TFL_OP_REDUCE_MAX, prepare_reduce},
    {RQ_TFL_OP_ARG_MAX, prepare_arg_max},
    {RQ_TFL_OP_TRANSPOSE_CONV, prepare_transpose_conv},
};

prepare_fn rq_engine_prepare_fn(int code)
{
    for (size_t i = 0; i < sizeof op_table / sizeof op_table[0]; i++)
        if (op_table[i].code == code)
            return op_table[i].prepare;
    return NULL;
}

int rq_tfl_engine_supports(int code)
{
    return rq_engine_prepare_fn(code) != NULL;
}
