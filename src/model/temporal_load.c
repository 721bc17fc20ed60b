/* Loading the Temporal Fusion weights from a torch.save checkpoint. */
#include "model/temporal_fusion_model.h"

#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "io/torch_file.h"

/* The reader takes tensor bytes raw without a CRC pass (it serves windows of huge datasets);
 * a checkpoint is small, so read every member to its end once and let libzip check each
 * CRC: flipped bytes in the weights must not export silently. */
static int check_member_crcs(const char *path, rq_error *err)
{
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
    if (!z)
        return rq_fail(err, "%s: broken zip archive", path);
    zip_int64_t n = zip_get_num_entries(z, 0);
    zip_uint64_t total = 0;
    char buf[65536];
    int rc = 0;
    for (zip_int64_t i = 0; i < n && !rc; i++) {
        zip_stat_t st;
        zip_file_t *f = NULL;
        if (zip_stat_index(z, (zip_uint64_t)i, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
            rc = rq_fail(err, "%s: unreadable zip member %lld", path, (long long)i);
            break;
        }
        total += st.size;
        if (total > (zip_uint64_t)1 << 30) { /* no Temporal Fusion checkpoint is this large */
            rc = rq_fail(err, "%s: over 1 GB of members, not a Temporal Fusion checkpoint", path);
            break;
        }
        f = zip_fopen_index(z, (zip_uint64_t)i, 0);
        zip_int64_t got = 0, r = 0;
        while (f && (r = zip_fread(f, buf, sizeof buf)) > 0)
            got += r;
        if (!f || r < 0 || (zip_uint64_t)got != st.size)
            rc = rq_fail(err, "%s: member '%s' is corrupt (size or CRC mismatch)", path, st.name);
        if (f)
            zip_fclose(f);
    }
    zip_discard(z);
    return rc;
}

static int tensor_shape(const rq_tensor *t, rq_tf_shape *s)
{
    if (t->ndim < 0 || t->ndim > 3)
        return -1;
    s->ndim = t->ndim;
    for (int i = 0; i < t->ndim; i++)
        s->dim[i] = t->shape[i];
    return 0;
}

static int find_tensors(const char *path, const rq_value *sd, const rq_tensor *tensors[],
                        rq_tf_shape shapes[], rq_error *err)
{
    for (int k = 0; k < RQ_TF_NTENSORS; k++) {
        const rq_value *v = rq_dict_get(sd, rq_tf_keys[k]);
        if (!v)
            return rq_fail(err, "%s: key '%s' missing from the state_dict", path, rq_tf_keys[k]);
        const rq_tensor *t = rq_value_tensor(v);
        if (!t)
            return rq_fail(err, "%s: '%s' is not a tensor", path, rq_tf_keys[k]);
        if (t->dtype != RQ_DT_F32)
            return rq_fail(err, "%s: '%s' is %s, expected float32", path, rq_tf_keys[k],
                           rq_dtype_name(t->dtype));
        memset(&shapes[k], 0, sizeof shapes[k]);
        if (tensor_shape(t, &shapes[k]))
            return rq_fail(err, "%s: '%s' has %d dimensions, expected %d", path, rq_tf_keys[k],
                           t->ndim, (k == RQ_TF_CONV1_W || k == RQ_TF_CONV2_W) ? 3
                                    : (k == RQ_TF_FC1_W || k == RQ_TF_FC2_W) ? 2 : 1);
        tensors[k] = t;
    }
    return 0;
}

int rq_temporal_load(const char *path, int rois, rq_temporal_model *m, rq_error *err)
{
    memset(m, 0, sizeof *m);
    rq_torch_file *f = NULL;
    if (rq_torch_open(path, &f, err))
        return -1;
    if (check_member_crcs(path, err)) {
        rq_torch_close(f);
        return -1;
    }
    const rq_value *sd = rq_state_dict(rq_torch_root(f));
    const rq_tensor *tensors[RQ_TF_NTENSORS];
    rq_tf_shape shapes[RQ_TF_NTENSORS];
    int rc = -1;
    if (!sd) {
        rq_fail(err, "%s: neither a checkpoint with 'model_state_dict' nor a state_dict", path);
        goto out;
    }
    if (find_tensors(path, sd, tensors, shapes, err) ||
        rq_temporal_dims(m, shapes, rois, path, err) || rq_temporal_alloc(m, err))
        goto out;
    for (int k = 0; k < RQ_TF_NTENSORS; k++)
        if (rq_tensor_read_f32(f, tensors[k], 0, (int64_t)m->count[k],
                               (float *)rq_temporal_tensor(m, k), err)) {
            if (err) {
                char lower[sizeof err->msg];
                memcpy(lower, err->msg, sizeof lower);
                lower[sizeof lower - 48] = 0; /* room for the key */
                rq_fail(err, "%s (tensor '%s')", lower, rq_tf_keys[k]);
            }
            goto out;
        }
    rc = rq_temporal_check_finite(m, path, err);
out:
    if (rc)
        rq_temporal_free(m);
    rq_torch_close(f);
    return rc;
}
