#include "model/temporal_fusion_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const rq_tf_keys[RQ_TF_NTENSORS] = {
    "temporal.0.weight", "temporal.0.bias", "temporal.2.weight", "temporal.2.bias",
    "fc.0.weight", "fc.0.bias", "fc.2.weight", "fc.2.bias",
};

/* Bound on any one dimension: far above any model that fits an MCU, low enough that no
 * product of three dimensions overflows. */
#define RQ_TF_MAX_DIM 65536
/* Bound on the total parameter count (256 MB of float32). */
#define RQ_TF_MAX_PARAMS (64u * 1024u * 1024u)

static void shape_str(const rq_tf_shape *s, char *buf, size_t len)
{
    size_t n = 0;
    n += (size_t)snprintf(buf + n, len - n, "[");
    for (int i = 0; i < s->ndim && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%lld", i ? ", " : "", (long long)s->dim[i]);
    if (n < len)
        snprintf(buf + n, len - n, "]");
}

static int bad_shape(const rq_tf_shape *shapes, int which, const char *source, const char *want,
                     rq_error *err)
{
    char got[96];
    shape_str(&shapes[which], got, sizeof got);
    return rq_fail(err, "%s: '%s' has shape %s, expected %s", source, rq_tf_keys[which], got, want);
}

static int dims_in_range(const rq_tf_shape *shapes, const char *source, rq_error *err)
{
    for (int k = 0; k < RQ_TF_NTENSORS; k++)
        for (int i = 0; i < shapes[k].ndim; i++)
            if (shapes[k].dim[i] < 1 || shapes[k].dim[i] > RQ_TF_MAX_DIM)
                return bad_shape(shapes, k, source, "dimensions in 1..65536", err);
    return 0;
}

int rq_temporal_dims(rq_temporal_model *m, const rq_tf_shape shapes[RQ_TF_NTENSORS], int rois,
                     const char *source, rq_error *err)
{
    static const int ndim[RQ_TF_NTENSORS] = {3, 1, 3, 1, 2, 1, 2, 1};
    char want[160];
    for (int k = 0; k < RQ_TF_NTENSORS; k++)
        if (shapes[k].ndim != ndim[k]) {
            snprintf(want, sizeof want, "%d dimensions", ndim[k]);
            return bad_shape(shapes, k, source, want, err);
        }
    if (dims_in_range(shapes, source, err))
        return -1;
    if (rois < 1 || rois > RQ_TF_MAX_DIM)
        return rq_fail(err, "%s: ROI count %d out of range", source, rois);

    const rq_tf_shape *s = shapes;
    int64_t c1 = s[RQ_TF_CONV1_W].dim[0], in_ch = s[RQ_TF_CONV1_W].dim[1];
    int64_t k = s[RQ_TF_CONV1_W].dim[2];
    int64_t c2 = s[RQ_TF_CONV2_W].dim[0], hidden = s[RQ_TF_FC1_W].dim[0];
    int64_t fc_in = s[RQ_TF_FC1_W].dim[1];

    if (k % 2 == 0) /* 'same' padding k//2 keeps the length only for odd kernels */
        return bad_shape(shapes, RQ_TF_CONV1_W, source, "an odd kernel size", err);
    if (in_ch % rois != 0) {
        snprintf(want, sizeof want, "input channels divisible by the ROI count %d", rois);
        return bad_shape(shapes, RQ_TF_CONV1_W, source, want, err);
    }
    if (s[RQ_TF_CONV1_B].dim[0] != c1) {
        snprintf(want, sizeof want, "[%lld] (temporal.0 output channels)", (long long)c1);
        return bad_shape(shapes, RQ_TF_CONV1_B, source, want, err);
    }
    if (s[RQ_TF_CONV2_W].dim[1] != c1 || s[RQ_TF_CONV2_W].dim[2] != k) {
        snprintf(want, sizeof want, "[C2, %lld, %lld] (input channels = temporal.0 outputs, same kernel)",
                 (long long)c1, (long long)k);
        return bad_shape(shapes, RQ_TF_CONV2_W, source, want, err);
    }
    if (s[RQ_TF_CONV2_B].dim[0] != c2) {
        snprintf(want, sizeof want, "[%lld] (temporal.2 output channels)", (long long)c2);
        return bad_shape(shapes, RQ_TF_CONV2_B, source, want, err);
    }
    if (fc_in % c2 != 0) {
        snprintf(want, sizeof want, "[H, %lld*T] (temporal.2 channels x window)", (long long)c2);
        return bad_shape(shapes, RQ_TF_FC1_W, source, want, err);
    }
    if (s[RQ_TF_FC1_B].dim[0] != hidden) {
        snprintf(want, sizeof want, "[%lld] (fc.0 outputs)", (long long)hidden);
        return bad_shape(shapes, RQ_TF_FC1_B, source, want, err);
    }
    if (s[RQ_TF_FC2_W].dim[0] != 1 || s[RQ_TF_FC2_W].dim[1] != hidden) {
        snprintf(want, sizeof want, "[1, %lld] (one output from fc.0's %lld)", (long long)hidden,
                 (long long)hidden);
        return bad_shape(shapes, RQ_TF_FC2_W, source, want, err);
    }
    if (s[RQ_TF_FC2_B].dim[0] != 1)
        return bad_shape(shapes, RQ_TF_FC2_B, source, "[1]", err);

    memset(m, 0, sizeof *m);
    size_t total = 0;
    for (int j = 0; j < RQ_TF_NTENSORS; j++) {
        m->shape[j] = shapes[j];
        size_t n = 1;
        for (int i = 0; i < shapes[j].ndim; i++)
            n *= (size_t)shapes[j].dim[i]; /* <= 65536^3: no overflow in 64 bits */
        m->count[j] = n;
        total += n;
    }
    if (total > RQ_TF_MAX_PARAMS)
        return rq_fail(err, "%s: %zu parameters, more than the %u this exporter accepts", source,
                       total, RQ_TF_MAX_PARAMS);
    int64_t frames = fc_in / c2;
    /* the runtime indexes with int: keep every product of dimensions it forms in range */
    if (in_ch * frames > RQ_TF_MAX_DIM * 16 || c1 * frames > RQ_TF_MAX_DIM * 16)
        return bad_shape(shapes, RQ_TF_FC1_W, source, "a smaller window", err);
    m->num_params = total;
    m->net.frames = (int)frames;
    m->net.rois = rois;
    m->net.features = (int)(in_ch / rois);
    m->net.conv1_out = (int)c1;
    m->net.conv2_out = (int)c2;
    m->net.kernel = (int)k;
    m->net.hidden = (int)hidden;
    return 0;
}

const float *rq_temporal_tensor(const rq_temporal_model *m, int which)
{
    const float *p = m->data;
    for (int j = 0; j < which; j++)
        p += m->count[j];
    return p;
}

int rq_temporal_alloc(rq_temporal_model *m, rq_error *err)
{
    m->data = calloc(m->num_params ? m->num_params : 1, sizeof(float));
    if (!m->data)
        return rq_fail(err, "out of memory for %zu weights", m->num_params);
    const float **slot[RQ_TF_NTENSORS] = {
        &m->net.conv1_weight, &m->net.conv1_bias, &m->net.conv2_weight, &m->net.conv2_bias,
        &m->net.fc1_weight, &m->net.fc1_bias, &m->net.fc2_weight, &m->net.fc2_bias,
    };
    for (int j = 0; j < RQ_TF_NTENSORS; j++)
        *slot[j] = rq_temporal_tensor(m, j);
    return 0;
}

/* The row-major flat index i as "[a, b, c]". */
static void index_str(const rq_tf_shape *s, size_t i, char *buf, size_t len)
{
    int64_t idx[3] = {0, 0, 0};
    for (int d = s->ndim - 1; d >= 0; d--) {
        idx[d] = (int64_t)(i % (size_t)s->dim[d]);
        i /= (size_t)s->dim[d];
    }
    rq_tf_shape at = *s;
    for (int d = 0; d < s->ndim; d++)
        at.dim[d] = idx[d];
    shape_str(&at, buf, len);
}

int rq_temporal_check_finite(const rq_temporal_model *m, const char *source, rq_error *err)
{
    for (int j = 0; j < RQ_TF_NTENSORS; j++) {
        const float *p = rq_temporal_tensor(m, j);
        for (size_t i = 0; i < m->count[j]; i++)
            if (!isfinite(p[i])) {
                char idx[96];
                index_str(&m->shape[j], i, idx, sizeof idx);
                return rq_fail(err, "%s: '%s' element %s is %s", source, rq_tf_keys[j], idx,
                               isnan(p[i]) ? "nan" : "infinite");
            }
    }
    return 0;
}

void rq_temporal_free(rq_temporal_model *m)
{
    free(m->data);
    m->data = NULL;
}

int rq_temporal_forward(const rq_temporal_model *m, const float *features, float *bpm,
                        rq_error *err)
{
    const temporal_fusion_net *n = &m->net;
    float *work = malloc(sizeof(float) *
                         (size_t)TEMPORAL_FUSION_WORK_FLOATS(n->conv1_out, n->frames, n->hidden));
    if (!work)
        return rq_fail(err, "out of memory for the temporal fusion work buffer");
    *bpm = temporal_fusion_run(n, features, work);
    free(work);
    return 0;
}
