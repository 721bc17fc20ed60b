/* The rPPG dataset: a torch.save dict of samples (N,T,R,H,W,C) in [0,1] and labels (N,),
 * streamed window by window from the archive. */
#include "io/dataset.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/pickle.h"

static void describe_shape(const rq_tensor *t, char *buf, size_t cap)
{
    size_t n = (size_t)snprintf(buf, cap, "(");
    for (int d = 0; d < t->ndim && n < cap; d++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%" PRId64, d ? ", " : "", t->shape[d]);
    if (n < cap)
        snprintf(buf + n, cap - n, "%s)", t->ndim == 1 ? "," : "");
}

static const rq_tensor *tensor_key(const rq_dataset *ds, const char *key, int required,
                                   rq_error *err)
{
    const char *path = rq_torch_path(ds->file);
    const rq_value *root = rq_torch_root(ds->file);
    const rq_value *v = rq_dict_get(root, key);
    if (!v) {
        if (required)
            rq_fail(err, "%s: missing key '%s' (an rPPG dataset is a dict with 'samples' and "
                    "'labels')", path, key);
        return NULL;
    }
    const rq_tensor *t = rq_value_tensor(v);
    if (!t) {
        rq_fail(err, "%s: '%s' is not a tensor", path, key);
        return NULL;
    }
    /* Every element must have its own bytes in the file: a broadcast view (stride 0) would
     * let a few-KB file declare billions of windows that the reader and its callers then
     * allocate and stream. torch.save keeps such views as they are. */
    if (t->numel > 1 && rq_tensor_span(t) < t->numel) {
        rq_fail(err, "%s: '%s' repeats storage elements (a broadcast or overlapping view): "
                "save it with .contiguous()", path, key);
        return NULL;
    }
    return t;
}

static int check_samples(rq_dataset *ds, const rq_tensor *s, rq_error *err)
{
    const char *path = rq_torch_path(ds->file);
    char shape[200];
    describe_shape(s, shape, sizeof shape);
    if (s->dtype != RQ_DT_F32)
        return rq_fail(err, "%s: 'samples' is %s, expected float32", path, rq_dtype_name(s->dtype));
    if (s->ndim != 6)
        return rq_fail(err, "%s: 'samples' has shape %s, expected rank 6 (N, frames, rois, "
                       "height, width, channels)", path, shape);
    for (int d = 1; d < 6; d++)
        if (s->shape[d] < 1 || s->shape[d] > 4096)
            return rq_fail(err, "%s: 'samples' has shape %s: dimension %d out of range", path,
                           shape, d);
    if (s->shape[0] < 1)
        return rq_fail(err, "%s: 'samples' holds no windows", path);
    ds->n = s->shape[0];
    ds->frames = (int)s->shape[1];
    ds->rois = (int)s->shape[2];
    ds->height = (int)s->shape[3];
    ds->width = (int)s->shape[4];
    ds->channels = (int)s->shape[5];
    ds->window_floats = s->numel / ds->n;
    ds->samples = s;
    return 0;
}

static int read_labels(rq_dataset *ds, const rq_tensor *l, rq_error *err)
{
    const char *path = rq_torch_path(ds->file);
    char shape[200];
    describe_shape(l, shape, sizeof shape);
    if (l->ndim != 1 || l->shape[0] != ds->n)
        return rq_fail(err, "%s: 'labels' has shape %s, expected (%" PRId64 ",)", path, shape, ds->n);
    if (l->dtype != RQ_DT_F32 && l->dtype != RQ_DT_F64)
        return rq_fail(err, "%s: 'labels' is %s, expected float32", path, rq_dtype_name(l->dtype));
    ds->labels = malloc((size_t)ds->n * sizeof *ds->labels);
    if (!ds->labels)
        return rq_fail(err, "%s: out of memory for %" PRId64 " labels", path, ds->n);
    if (rq_tensor_read_f32(ds->file, l, 0, ds->n, ds->labels, err))
        return -1;
    for (int64_t i = 0; i < ds->n; i++)
        if (!isfinite(ds->labels[i]))
            return rq_fail(err, "%s: 'labels'[%" PRId64 "] is not a finite number", path, i);
    return 0;
}

static int read_subjects(rq_dataset *ds, const rq_tensor *s, rq_error *err)
{
    const char *path = rq_torch_path(ds->file);
    char shape[200];
    describe_shape(s, shape, sizeof shape);
    if (s->ndim != 1 || s->shape[0] != ds->n)
        return rq_fail(err, "%s: 'subjects' has shape %s, expected (%" PRId64 ",)", path, shape,
                       ds->n);
    if (s->dtype != RQ_DT_I64 && s->dtype != RQ_DT_I32)
        return rq_fail(err, "%s: 'subjects' is %s, expected int64", path, rq_dtype_name(s->dtype));
    ds->subjects = malloc((size_t)ds->n * sizeof *ds->subjects);
    if (!ds->subjects)
        return rq_fail(err, "%s: out of memory for %" PRId64 " subjects", path, ds->n);
    return rq_tensor_read_i64(ds->file, s, 0, ds->n, ds->subjects, err);
}

static int read_frame_stride(rq_dataset *ds, rq_error *err)
{
    const rq_value *v = rq_dict_get(rq_torch_root(ds->file), "frame_stride");
    if (!v)
        return 0;
    if (v->type != RQ_V_INT || v->u.i < 1 || v->u.i > 1000000)
        return rq_fail(err, "%s: 'frame_stride' must be an int in [1, 1000000]",
                       rq_torch_path(ds->file));
    ds->frame_stride = (int)v->u.i;
    return 0;
}

/* An optional rate key: a number in (0, RQ_DATA_FPS_MAX]; 0 when absent. */
static int read_rate(rq_dataset *ds, const char *key, double *out, rq_error *err)
{
    const rq_value *v = rq_dict_get(rq_torch_root(ds->file), key);
    if (!v)
        return 0;
    double f = v->type == RQ_V_FLOAT ? v->u.f : v->type == RQ_V_INT ? (double)v->u.i : NAN;
    if (!(f > 0.0 && f <= RQ_DATA_FPS_MAX))
        return rq_fail(err, "%s: '%s' must be a number in (0, %d]", rq_torch_path(ds->file), key,
                       RQ_DATA_FPS_MAX);
    *out = f;
    return 0;
}

static int load(rq_dataset *ds, rq_error *err)
{
    const char *path = rq_torch_path(ds->file);
    if (rq_torch_root(ds->file)->type != RQ_V_DICT)
        return rq_fail(err, "%s: not a dict (an rPPG dataset is a dict with 'samples' and "
                       "'labels')", path);
    const rq_tensor *samples = tensor_key(ds, "samples", 1, err);
    if (!samples || check_samples(ds, samples, err))
        return -1;
    const rq_tensor *labels = tensor_key(ds, "labels", 1, err);
    if (!labels || read_labels(ds, labels, err))
        return -1;
    if (rq_dict_get(rq_torch_root(ds->file), "subjects")) {
        const rq_tensor *subjects = tensor_key(ds, "subjects", 0, err);
        if (!subjects || read_subjects(ds, subjects, err))
            return -1;
    }
    return read_frame_stride(ds, err) || read_rate(ds, "fps", &ds->fps, err) ||
                   read_rate(ds, "sample_hz", &ds->sample_hz, err)
               ? -1
               : 0;
}

/* Checks the layout of an opened file; takes ownership of it. */
static int open_file(rq_torch_file *f, rq_dataset *ds, rq_error *err)
{
    ds->file = f;
    if (load(ds, err)) {
        rq_dataset_close(ds);
        return -1;
    }
    return 0;
}

int rq_dataset_open_mem(const void *data, size_t len, const char *name, rq_dataset *ds,
                        rq_error *err)
{
    rq_torch_file *f;
    memset(ds, 0, sizeof *ds);
    return rq_torch_open_mem(data, len, name, &f, err) ? -1 : open_file(f, ds, err);
}

int rq_dataset_open(const char *path, rq_dataset *ds, rq_error *err)
{
    memset(ds, 0, sizeof *ds);
    if (rq_torch_open(path, &ds->file, err))
        return -1;
    if (load(ds, err)) {
        rq_dataset_close(ds);
        return -1;
    }
    return 0;
}

/* True if every value is in [0,1] (NaN is not). Fixed-size blocks without an early exit
 * let the compiler vectorise the test at -O2: it costs less than reading the data. */
static int all_in_unit_range(const float *v, int64_t n)
{
    enum { BLOCK = 1024 };
    int ok = 1;
    int64_t i = 0;
    for (; i + BLOCK <= n && ok; i += BLOCK) {
        const float *b = v + i;
        for (int k = 0; k < BLOCK; k++)
            ok &= (b[k] >= 0.0f) & (b[k] <= 1.0f);
    }
    for (; i < n; i++)
        ok &= (v[i] >= 0.0f) & (v[i] <= 1.0f);
    return ok;
}

static int check_range(const rq_dataset *ds, int64_t first, const float *v, int64_t total,
                       rq_error *err)
{
    if (all_in_unit_range(v, total))
        return 0;
    for (int64_t i = 0; i < total; i++)
        if (!(v[i] >= 0.0f && v[i] <= 1.0f))
            return rq_fail(err, "%s: window %" PRId64 ": sample value %g outside [0,1]",
                           rq_torch_path(ds->file), first + i / ds->window_floats, (double)v[i]);
    return 0;
}

int rq_dataset_read_windows(rq_dataset *ds, int64_t first, int64_t count, float *out, rq_error *err)
{
    const char *path = rq_torch_path(ds->file);
    if (first < 0 || count < 0 || first > ds->n || count > ds->n - first)
        return rq_fail(err, "%s: windows [%" PRId64 ", %" PRId64 ") outside 0..%" PRId64, path,
                       first, first + count, ds->n);
    int64_t w = ds->window_floats;
    if (rq_tensor_read_f32(ds->file, ds->samples, first * w, count * w, out, err))
        return -1;
    return check_range(ds, first, out, count * w, err);
}

void rq_dataset_close(rq_dataset *ds)
{
    if (!ds)
        return;
    rq_torch_close(ds->file);
    free(ds->labels);
    free(ds->subjects);
    memset(ds, 0, sizeof *ds);
}
