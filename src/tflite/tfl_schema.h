/* Field ids and union tags of the TFLite schema (tensorflow/lite/schema/schema.fbs,
 * version 3): the numbers the writer and the reader share. */
#ifndef RQ_TFL_SCHEMA_H
#define RQ_TFL_SCHEMA_H

enum { /* Model */
    F_MODEL_VERSION = 0, F_MODEL_OPERATOR_CODES = 1, F_MODEL_SUBGRAPHS = 2,
    F_MODEL_DESCRIPTION = 3, F_MODEL_BUFFERS = 4, F_MODEL_METADATA_BUFFER = 5,
    F_MODEL_METADATA = 6, F_MODEL_SIGNATURE_DEFS = 7
};
enum { /* OperatorCode */
    F_OPCODE_DEPRECATED_BUILTIN = 0, F_OPCODE_CUSTOM = 1, F_OPCODE_VERSION = 2,
    F_OPCODE_BUILTIN = 3
};
enum { /* SubGraph */
    F_SG_TENSORS = 0, F_SG_INPUTS = 1, F_SG_OUTPUTS = 2, F_SG_OPERATORS = 3, F_SG_NAME = 4
};
enum { /* Tensor */
    F_T_SHAPE = 0, F_T_TYPE = 1, F_T_BUFFER = 2, F_T_NAME = 3, F_T_QUANT = 4,
    F_T_IS_VARIABLE = 5, F_T_SPARSITY = 6, F_T_SHAPE_SIGNATURE = 7, F_T_HAS_RANK = 8
};
enum { /* QuantizationParameters (details is a union: type then value) */
    F_Q_MIN = 0, F_Q_MAX = 1, F_Q_SCALE = 2, F_Q_ZERO_POINT = 3, F_Q_DETAILS_TYPE = 4,
    F_Q_DETAILS = 5, F_Q_QDIM = 6
};
enum { /* Operator */
    F_OP_OPCODE_INDEX = 0, F_OP_INPUTS = 1, F_OP_OUTPUTS = 2, F_OP_OPTIONS_TYPE = 3,
    F_OP_OPTIONS = 4, F_OP_CUSTOM_OPTIONS = 5
};
enum { F_BUF_DATA = 0, F_BUF_OFFSET = 1, F_BUF_SIZE = 2 };   /* Buffer */
enum { F_META_NAME = 0, F_META_BUFFER = 1 };                 /* Metadata */
enum { F_TMAP_NAME = 0, F_TMAP_TENSOR = 1 };                 /* TensorMap */
enum { /* SignatureDef */
    F_SIG_INPUTS = 0, F_SIG_OUTPUTS = 1, F_SIG_KEY = 2, F_SIG_SUBGRAPH = 4
};
enum { /* Conv2DOptions */
    F_CONV_PADDING = 0, F_CONV_STRIDE_W = 1, F_CONV_STRIDE_H = 2, F_CONV_ACT = 3,
    F_CONV_DIL_W = 4, F_CONV_DIL_H = 5
};
enum { /* DepthwiseConv2DOptions */
    F_DW_PADDING = 0, F_DW_STRIDE_W = 1, F_DW_STRIDE_H = 2, F_DW_MULT = 3, F_DW_ACT = 4,
    F_DW_DIL_W = 5, F_DW_DIL_H = 6
};
enum { /* Pool2DOptions */
    F_POOL_PADDING = 0, F_POOL_STRIDE_W = 1, F_POOL_STRIDE_H = 2, F_POOL_FILTER_W = 3,
    F_POOL_FILTER_H = 4, F_POOL_ACT = 5
};
enum { F_FC_ACT = 0, F_FC_WEIGHTS_FORMAT = 1, F_FC_KEEP_NUM_DIMS = 2 }; /* FullyConnectedOptions */
enum { F_RESHAPE_NEW_SHAPE = 0 };                                     /* ReshapeOptions */
enum { F_REDUCER_KEEP_DIMS = 0 };                                     /* ReducerOptions */
/* data movement and shape options */
enum { F_CONCAT_AXIS = 0, F_CONCAT_ACT = 1 };                       /* ConcatenationOptions */
enum { F_RB_ALIGN_CORNERS = 2, F_RB_HALF_PIXEL = 3 };               /* ResizeBilinearOptions */
enum { F_RNN_ALIGN_CORNERS = 0, F_RNN_HALF_PIXEL = 1 };       /* ResizeNearestNeighborOptions */
enum { F_SQUEEZE_DIMS = 0 };                                        /* SqueezeOptions */
enum { /* StridedSliceOptions */
    F_SS_BEGIN_MASK = 0, F_SS_END_MASK = 1, F_SS_ELLIPSIS_MASK = 2, F_SS_NEW_AXIS_MASK = 3,
    F_SS_SHRINK_AXIS_MASK = 4, F_SS_OFFSET = 5
};
enum { F_SPLIT_NUM = 0 };                                /* SplitOptions, SplitVOptions */
enum { F_PACK_COUNT = 0, F_PACK_AXIS = 1 };              /* PackOptions, UnpackOptions */
enum { F_SHAPE_OUT_TYPE = 0 };                           /* ShapeOptions */
enum { F_GATHER_AXIS = 0, F_GATHER_BATCH_DIMS = 1 };     /* GatherOptions */
enum { F_BLOCK_SIZE = 0 };                      /* DepthToSpaceOptions, SpaceToDepthOptions */
enum { F_ADD_ACT = 0, F_ADD_POT_SCALE_INT16 = 1 };      /* AddOptions, SubOptions */
enum { F_MUL_ACT = 0 };                                 /* MulOptions */
enum { F_SOFTMAX_BETA = 0 };                            /* SoftmaxOptions */
enum { F_LEAKY_ALPHA = 0 };                             /* LeakyReluOptions */
enum { F_ARGMAX_OUTPUT_TYPE = 0 };                      /* ArgMaxOptions */
enum { /* TransposeConvOptions */
    F_TCONV_PADDING = 0, F_TCONV_STRIDE_W = 1, F_TCONV_STRIDE_H = 2, F_TCONV_ACT = 3,
    F_TCONV_BIAS_TYPE = 4
};

/* BuiltinOptions union tags */
enum {
    U_NONE = 0, U_CONV2D = 1, U_DEPTHWISE_CONV2D = 2, U_POOL2D = 5, U_FULLY_CONNECTED = 8,
    U_RESHAPE = 17, U_REDUCER = 27, U_DEQUANTIZE = 38, U_QUANTIZE = 89,
    U_CONCATENATION = 10, U_RESIZE_BILINEAR = 15, U_SPACE_TO_DEPTH = 19, U_PAD = 22,
    U_GATHER = 23, U_TRANSPOSE = 26, U_SQUEEZE = 30, U_STRIDED_SLICE = 32, U_SPLIT = 35,
    U_PADV2 = 43, U_SLICE = 48, U_TILE = 51, U_EXPAND_DIMS = 52, U_SHAPE = 55, U_PACK = 59,
    U_UNPACK = 64, U_RESIZE_NEAREST_NEIGHBOR = 74, U_SPLIT_V = 79, U_DEPTH_TO_SPACE = 94,
    U_SOFTMAX = 9, U_ADD = 11, U_MUL = 21, U_SUB = 28, U_MAXIMUM_MINIMUM = 39, U_ARG_MAX = 40,
    U_TRANSPOSE_CONV = 49, U_LEAKY_RELU = 75, U_HARD_SWISH = 91
};

#define RQ_TFL_SCHEMA_VERSION 3
#define RQ_TFL_MIN_RUNTIME "1.14.0"

#endif
