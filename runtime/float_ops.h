/* Float32 operators of exported ONNX graphs (`rppgq export-c --onnx`), portable C99.
 *
 * One small pure function an operator: inputs, constant weights and dimensions in, output
 * out; no heap, no static or global mutable data (reentrant), no call frames beyond a
 * few scalars. Every multiply and every add is its own rounded float32 operation, in the
 * order PyTorch 1.13's batch-1 CPU float32 forward evaluates it (Debian's build: netlib
 * reference BLAS, AVX2 kernels), so that the result is bit-identical to PyTorch where that
 * order is reproducible. float_ops.c turns floating-point contraction off itself (a fused
 * multiply-add rounds once where PyTorch rounds twice). docs/onnx-c.md lists, op by op,
 * the order followed and what was measured.
 *
 * Layouts are ONNX's (row-major, NCHW, batch 1): a tensor of shape [C][H][W] is
 * x[(c * H + h) * W + w]. Convolution weights [O][C/groups][kH][kW], Gemm weights as the
 * file holds them ([N][K] when transB = 1, the nn.Linear layout [out][in]). */
#ifndef FLOAT_OPS_H
#define FLOAT_OPS_H

#define RQF_MAX_DIMS 6

/* 2-D convolution geometry (a 1-D convolution is H = 1, kernel_h = 1). */
typedef struct rqf_conv {
    int in_ch, in_h, in_w;
    int out_ch, out_h, out_w;
    int kernel_h, kernel_w;
    int stride_h, stride_w;
    int pad_top, pad_left; /* the bottom/right padding follows from out_h, out_w */
    int dilation_h, dilation_w;
    int groups;
} rqf_conv;

/* y[O][OH][OW] = conv(x[C][H][W], w[O][C/groups][kH][kW]) + bias (bias may be NULL).
 * PyTorch (im2col + sgemm with beta = 1): each output starts at its bias and adds w * x
 * for (input channel, kernel row, kernel column) in lexicographic order. Padded taps add
 * only signed zeros and are skipped. */
void rqf_conv2d(const rqf_conv *p, const float *x, const float *w, const float *bias, float *y);

/* y[M][N] = a[M][K] * b + bias: b is [K][N] (b_transposed = 0) or [N][K] (= 1). Each output
 * sums its products from zero in k order (netlib sgemm), then adds the bias, broadcast by
 * bias_rows x bias_cols (1 or M, 1 or N); bias NULL: none. */
void rqf_gemm(const float *a, const float *b, int b_transposed, const float *bias, int bias_rows,
              int bias_cols, int M, int K, int N, float *y);

/* Batched matrix product y[batch][M][N] = a[.][M][K] * b[.][K][N]; a_step / b_step are the
 * floats between consecutive batch matrices (0 broadcasts one matrix). Sums from zero in k
 * order (PyTorch's bmm kernel and sgemm alike). */
void rqf_matmul(const float *a, const float *b, int batch, int a_step, int b_step, int M, int K,
                int N, float *y);

/* Element-wise binary operators with ONNX (numpy) broadcasting. */
typedef enum rqf_binop { RQF_ADD, RQF_SUB, RQF_MUL, RQF_DIV, RQF_POW } rqf_binop;

/* Output of rank `rank` and dims `dims`; a_stride / b_stride give each input's stride per
 * output axis (0 where the input is broadcast). */
typedef struct rqf_bcast {
    int rank;
    int dims[RQF_MAX_DIMS];
    int a_stride[RQF_MAX_DIMS];
    int b_stride[RQF_MAX_DIMS];
} rqf_bcast;

void rqf_binary(rqf_binop op, const rqf_bcast *p, const float *a, const float *b, float *y);

/* Unary element-wise operators (y may be x). */
typedef enum rqf_unop {
    RQF_RELU, RQF_SIGMOID, RQF_TANH, RQF_ERF, RQF_SQRT, RQF_EXP, RQF_NEG, RQF_ABS,
    RQF_HARD_SWISH, RQF_GELU, RQF_RECIPROCAL
} rqf_unop;

void rqf_unary(rqf_unop op, const float *x, int n, float *y);
/* y = x < 0 ? alpha * x : x */
void rqf_leaky_relu(const float *x, int n, float alpha, float *y);
/* y = x < 0 ? slope[c] * x : x for channel c of x[C][inner] (slope_n = 1 or C) */
void rqf_prelu(const float *x, int channels, int inner, const float *slope, int slope_n, float *y);
/* y = min(max(x, lo), hi) */
void rqf_clip(const float *x, int n, float lo, float hi, float *y);
/* y = max(0, min(1, alpha * x + beta)) */
void rqf_hard_sigmoid(const float *x, int n, float alpha, float beta, float *y);

/* Softmax over the last axis of x[rows][n]: PyTorch's AVX2 kernel (max, exp(x - max), a
 * sum in eight lanes, multiplication by 1 / sum). */
void rqf_softmax(const float *x, int rows, int n, float *y);

/* LayerNormalization over the last axis of x[rows][n] (gamma, beta of n floats, beta may
 * be NULL). */
void rqf_layer_norm(const float *x, int rows, int n, const float *gamma, const float *beta,
                    float eps, float *y);

/* Mean over the middle axis of x[outer][n][inner] into y[outer][inner]. */
void rqf_reduce_mean(const float *x, int outer, int n, int inner, float *y);

/* Pooling over x[C][H][W] (geometry in p; in_ch = out_ch = C, groups unused). Average
 * divides by the whole window (count_include_pad = 1) or by the taps inside it. */
void rqf_max_pool2d(const rqf_conv *p, const float *x, float *y);
void rqf_avg_pool2d(const rqf_conv *p, int count_include_pad, const float *x, float *y);

/* Copies of data: y[...] in the output order, x read at sum(index[i] * x_stride[i]). */
typedef struct rqf_gather {
    int rank;
    int dims[RQF_MAX_DIMS];     /* output dims */
    int x_stride[RQF_MAX_DIMS]; /* input stride per output axis (a transpose, a slice step) */
    int x_offset;               /* first input element (a slice start) */
} rqf_gather;

void rqf_strided_copy(const rqf_gather *p, const float *x, float *y);

/* Rows of n floats from x (rows x_stride apart) into y (rows y_stride apart): Concat along
 * an axis, Gather of one index. */
void rqf_copy_rows(const float *x, int x_stride, int rows, int n, float *y, int y_stride);

/* Zero padding (or a constant): x[dims] into y with pads before each axis of the output. */
typedef struct rqf_pad {
    int rank;
    int in_dims[RQF_MAX_DIMS];
    int out_dims[RQF_MAX_DIMS];
    int before[RQF_MAX_DIMS];
} rqf_pad;

void rqf_pad_constant(const rqf_pad *p, const float *x, float value, float *y);

/* Recurrent layers over x[T][I] (batch 1), weights in ONNX's layouts for one direction:
 * GRU w [3H][I], r [3H][H], gates z, r, h; bias wb, rb [3H] each (NULL: zero);
 * LSTM w [4H][I], r [4H][H], gates i, o, f, c; bias wb, rb [4H].
 * h0 (and c0) NULL for a zero initial state. y[t * y_step + j] receives h_t[j] (y_step lets
 * two directions interleave); h_last / c_last (may be NULL) the final state. The reverse
 * direction walks t from T-1 down to 0. work: rqf_gru_work(H) / rqf_lstm_work(H) floats.
 * PyTorch's cell: gi = W x + bw, gh = R h + br (sums from zero, bias last);
 *   GRU: r = sigmoid(gh_r + gi_r), z = sigmoid(gh_z + gi_z), n = tanh(gi_n + r * gh_n),
 *        h' = (h - n) * z + n  (ONNX linear_before_reset = 1)
 *   LSTM: g = gh + gi; c' = f * c + i * tanh(g_c); h' = o * tanh(c'). */
#define RQF_GRU_WORK(h) (7 * (h))
#define RQF_LSTM_WORK(h) (10 * (h))

void rqf_gru(const float *x, int T, int I, int H, const float *w, const float *r,
             const float *wb, const float *rb, const float *h0, int reverse, float *y, int y_step,
             float *h_last, float *work);
void rqf_lstm(const float *x, int T, int I, int H, const float *w, const float *r,
              const float *wb, const float *rb, const float *h0, const float *c0, int reverse,
              float *y, int y_step, float *h_last, float *c_last, float *work);

#endif
