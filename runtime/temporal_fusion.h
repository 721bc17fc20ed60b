/* Temporal Fusion inference (part B of the split rPPG model) in portable C99, for the
 * Cortex-M55 and any other target with IEEE-754 float32.
 *
 * Network (dimensions from the exported weights header):
 *   features (T*R, F), row t*R + roi  ->  (T, R*F)  ->  channels R*F over time T
 *   Conv1d(R*F, C1, k, pad k/2) + ReLU;  Conv1d(C1, C2, k, pad k/2) + ReLU
 *   flatten channel-major (C2*T);  Linear(C2*T, H) + ReLU;  Linear(H, 1)
 *   BPM = sigmoid(x) * 150 + 30
 *
 * Rounding follows PyTorch's CPU float32 forward of one window (batch 1) step by step, so
 * that the result matches it to the bit on a host with the same expf:
 *   - a convolution output starts from its bias and adds each product w*x in the order
 *     (input channel, kernel tap), each product and each sum rounded to float32;
 *   - a linear output sums its products from zero in input order, then adds the bias;
 *   - sigmoid is 1 / (1 + expf(-x)), then * 150, then + 30, each rounded to float32.
 * No floating-point contraction: a fused multiply-add rounds once where PyTorch rounds
 * twice. temporal_fusion.c turns it off itself (GCC's optimize pragma, C99's FP_CONTRACT
 * pragma elsewhere, which Clang's explicit -ffp-contract=fast overrides: don't pass that);
 * -ffp-contract=off on the command line does no harm. Never -ffast-math (it reorders sums).
 *
 * Helium (MVE, e.g. -mcpu=cortex-m55; -DRPPG_NO_MVE forces the scalar code): independent
 * outputs in parallel lanes (four output channels of a convolution, four hidden units),
 * each lane adding exactly the scalar code's products in its order, multiply and add kept
 * apart. MVE's float instructions flush subnormals to zero and return the default NaN; when
 * that happened (FPSCR's IDC/UFC flags, a NaN in the hidden sums) the window is computed
 * again by the scalar code, so the result is the same bits either way.
 *
 * No heap, no static or global mutable data: reentrant. The only library call is expf.
 * temporal_fusion_run needs the caller's work buffer plus its own frames (160 bytes with
 * expf measured on the Cortex-M55 for the scalar code, 328 for the Helium path);
 * temporal_fusion_infer (in the generated weights file) keeps the buffer on its stack:
 * TEMPORAL_FUSION_STACK_BYTES in the generated header states the total, an upper bound
 * (seed's dimensions: 1728 stated, 1608 measured by painting with Helium, 1440 without). */
#ifndef TEMPORAL_FUSION_H
#define TEMPORAL_FUSION_H

/* The dimensions and weights of one network. Weight layouts: convolution
 * [out_ch][in_ch][kernel], linear [out_dim][in_dim], bias [out_dim]. */
typedef struct temporal_fusion_net {
    int frames;   /* T: time steps of the window */
    int rois;     /* R: face regions per frame */
    int features; /* F: features per region */
    int conv1_out; /* C1 */
    int conv2_out; /* C2 */
    int kernel;   /* k: odd temporal kernel size of both convolutions */
    int hidden;   /* H: width of the first linear layer */
    const float *conv1_weight; /* [C1][R*F][k] */
    const float *conv1_bias;   /* [C1] */
    const float *conv2_weight; /* [C2][C1][k] */
    const float *conv2_bias;   /* [C2] */
    const float *fc1_weight;   /* [H][C2*T] */
    const float *fc1_bias;     /* [H] */
    const float *fc2_weight;   /* [1][H] */
    const float *fc2_bias;     /* [1] */
} temporal_fusion_net;

/* Floats of work buffer temporal_fusion_run needs: conv1 output, four conv2 channels (the
 * Helium path computes four at a time; the scalar code uses one), and the hidden layer's
 * accumulators. */
#define TEMPORAL_FUSION_WORK_FLOATS(c1, t, h) ((c1) * (t) + 4 * (t) + (h))

/* Heart rate in BPM of one window. features: T*R*F floats, row-major (T*R, F) with row
 * t*R + roi. work: TEMPORAL_FUSION_WORK_FLOATS(C1, T, H) floats, overwritten. */
float temporal_fusion_run(const temporal_fusion_net *net, const float *features, float *work);

/* The end of temporal_fusion_run: from the hidden layer's sums without their bias
 * (hidden_sums[h] = sum over i of fc1_weight[h][i] * x[i] in i order, from zero) to BPM:
 * bias, ReLU, the output layer and the sigmoid. For host code that computes the sums its
 * own way (in the same order). */
float temporal_fusion_head(const temporal_fusion_net *net, const float *hidden_sums);

/* The same for the network of the exported weights file, with its work buffer on the stack. */
float temporal_fusion_infer(const float *features);

#endif
