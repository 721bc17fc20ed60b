/* The Spatial CNN in float: three conv blocks (conv + eval-mode BatchNorm folded in, ReLU),
 * max-pool 2 after the first two, global average at the end.
 *
 *   patch NHWC [H][W][C0] -> conv0+ReLU -> maxpool2 -> conv1+ReLU -> maxpool2 -> conv2+ReLU
 *                          -> mean over H,W -> features [C3]
 *
 * Channel counts and kernel sizes come from the checkpoint's tensor shapes (the seed's model:
 * 3 -> 16 -> 32 -> 16, kernels 3x3, padding k/2). The model is immutable once loaded; each
 * thread brings its own rq_spatial_ws, so forward passes run in parallel. */
#ifndef RQ_SPATIAL_CNN_H
#define RQ_SPATIAL_CNN_H

#include <stddef.h>

#include "common/error.h"
#include "input_contract.h"

#define RQ_SPATIAL_CONVS 3
/* Activations a forward pass produces, in graph order (the int8 graph has the same). */
#define RQ_SPATIAL_ACTS 6
enum { RQ_ACT_CONV0, RQ_ACT_POOL0, RQ_ACT_CONV1, RQ_ACT_POOL1, RQ_ACT_CONV2, RQ_ACT_MEAN };

#define RQ_BN_EPS 1e-5

/* One conv layer before folding, as PyTorch stores it (weights OIHW). */
typedef struct rq_conv_bn_params {
    int cin, cout, k;
    const float *weight; /* [cout][cin][k][k] */
    const float *bias;   /* [cout], NULL = conv without bias */
    const float *gamma, *beta, *mean, *var; /* [cout] each */
} rq_conv_bn_params;

typedef struct rq_spatial_conv {
    int cin, cout, k;
    float *w_ohwi; /* folded weights [cout][k][k][cin] (TFLite's CONV_2D layout) */
    float *w_hwio; /* the same, [k][k][cin][cout]: the float forward's inner loop runs over cout */
    float *b;      /* folded bias [cout] */
} rq_spatial_conv;

typedef struct rq_spatial_cnn {
    rq_spatial_conv conv[RQ_SPATIAL_CONVS];
    rppg_contract contract; /* how pixels become input (RAW when the checkpoint says nothing) */
    /* The checkpoint's top-level 'label_mean' (tools/train.py stores the training labels'
     * mean): what a trivial predictor would answer, the fair baseline. NaN when absent. */
    double label_mean;
} rq_spatial_cnn;

/* Per-thread working memory for patches of one size. */
typedef struct rq_spatial_ws {
    int h, w;
    int act_h[RQ_SPATIAL_ACTS], act_w[RQ_SPATIAL_ACTS], act_c[RQ_SPATIAL_ACTS];
    float *act[RQ_SPATIAL_ACTS]; /* NHWC activations of the last forward pass */
} rq_spatial_ws;

/* Folds eval-mode BatchNorm into the conv, keeping the conv's own bias:
 *   w' = w * g / sqrt(v + eps),  b' = (b - m) * g / sqrt(v + eps) + beta.
 * Fills a conv layer (allocates its arrays). */
int rq_spatial_fold(const rq_conv_bn_params *p, rq_spatial_conv *out, rq_error *err);

/* Builds the model from three unfolded layers (checks that channel counts chain). */
int rq_spatial_from_params(const rq_conv_bn_params p[RQ_SPATIAL_CONVS], rq_spatial_cnn *m,
                           rq_error *err);

/* Loads a spatial checkpoint (dict with model_state_dict, or a bare state_dict; keys
 * features.{0,1,4,5,8,9}.*) and its optional input_contract. Errors name file and key. */
int rq_spatial_load(const char *path, rq_spatial_cnn *m, rq_error *err);

/* The checkpoint's layers as stored (unfolded) and its input contract: what the checkpoint
 * front end builds the graph IR from. Free with rq_spatial_params_free. */
typedef struct rq_spatial_params {
    rq_conv_bn_params layer[RQ_SPATIAL_CONVS]; /* arrays owned */
    rppg_contract contract;
    double label_mean; /* as in rq_spatial_cnn */
} rq_spatial_params;
int rq_spatial_load_params(const char *path, rq_spatial_params *sp, rq_error *err);
void rq_spatial_params_free(rq_spatial_params *sp);
void rq_spatial_free(rq_spatial_cnn *m);

int rq_spatial_in_channels(const rq_spatial_cnn *m);
int rq_spatial_out_features(const rq_spatial_cnn *m);

/* Working memory for h x w patches; fails if the patch is too small for two poolings. */
int rq_spatial_ws_init(rq_spatial_ws *ws, const rq_spatial_cnn *m, int h, int w, rq_error *err);
void rq_spatial_ws_free(rq_spatial_ws *ws);

/* One patch NHWC [h][w][cin] (already through the input contract) -> out[features].
 * Intermediate activations stay in ws->act until the next call. */
void rq_spatial_forward(const rq_spatial_cnn *m, rq_spatial_ws *ws, const float *patch, float *out);

#endif
