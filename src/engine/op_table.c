/* The engine's operator resolver: a builtin code -> its prepare function. One line an
 * operator (several codes may share a family's prepare). */
#include <stddef.h>

#include "engine/engine_internal.h"

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
    {RQ_TFL_OP_LOGISTIC, prepare_logistic},
    {RQ_TFL_OP_MAX_POOL_2D, prepare_pool},
    {RQ_TFL_OP_RESHAPE, prepare_reshape},
    {RQ_TFL_OP_MEAN, prepare_mean},
    {RQ_TFL_OP_QUANTIZE, prepare_quantize},
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
