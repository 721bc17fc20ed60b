#include "io/sample_file.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"
#include "io/torch_file.h"

#define MAX_FILE ((size_t)4 << 30)
#define MAX_VALUES ((int64_t)1 << 30)

void rq_samples_free(rq_samples *s)
{
    free(s->data);
    memset(s, 0, sizeof *s);
}

/* Shape (n, ...) -> the struct's fields; fails when empty or too large. */
static int set_shape(rq_samples *s, int ndim, const int64_t *shape, const char *name,
                     rq_error *err)
{
    if (ndim < 2 || ndim > RQ_SAMPLES_MAX_DIMS + 1)
        return rq_fail(err, "%s: expected an array of samples (N, ...) of rank 2 to %d, got rank %d",
                       name, RQ_SAMPLES_MAX_DIMS + 1, ndim);
    int64_t per = 1;
    for (int d = 0; d < ndim; d++)
        if (shape[d] < 1 || shape[d] > MAX_VALUES)
            return rq_fail(err, "%s: dimension %d is %lld", name, d, (long long)shape[d]);
    for (int d = 1; d < ndim; d++) {
        if (per > MAX_VALUES / shape[d])
            return rq_fail(err, "%s: too many values", name);
        per *= shape[d];
        s->shape[d - 1] = shape[d];
    }
    if (shape[0] > MAX_VALUES / per)
        return rq_fail(err, "%s: too many values", name);
    s->n = shape[0];
    s->rank = ndim - 1;
    s->per_sample = per;
    return 0;
}

static int check_finite(const rq_samples *s, const char *name, rq_error *err)
{
    for (int64_t i = 0; i < s->n * s->per_sample; i++)
        if (!isfinite(s->data[i]))
            return rq_fail(err, "%s: sample %lld holds NaN or Inf", name,
                           (long long)(i / s->per_sample));
    return 0;
}

/* The header's value for key (e.g. 'descr'): points just after "'key':" and spaces. */
static const char *header_value(const char *h, const char *key)
{
    char pat[32];
    snprintf(pat, sizeof pat, "'%s'", key);
    const char *p = strstr(h, pat);
    if (!p)
        return NULL;
    p += strlen(pat);
    while (*p == ' ' || *p == ':')
        p++;
    return p;
}

int rq_samples_parse_npy(const uint8_t *buf, size_t len, const char *name, rq_samples *s,
                         rq_error *err)
{
    memset(s, 0, sizeof *s);
    if (len < 10 || memcmp(buf, "\x93NUMPY", 6))
        return rq_fail(err, "%s: not a .npy file", name);
    size_t hlen, hstart;
    if (buf[6] == 1) {
        hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
        hstart = 10;
    } else if ((buf[6] == 2 || buf[6] == 3) && len >= 12) {
        hlen = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
        hstart = 12;
    } else {
        return rq_fail(err, "%s: unknown .npy version %d", name, buf[6]);
    }
    if (hlen > 65536 || hlen > len - hstart)
        return rq_fail(err, "%s: .npy header runs past the file", name);
    char h[65537];
    memcpy(h, buf + hstart, hlen);
    h[hlen] = 0;
    const char *descr = header_value(h, "descr"), *fo = header_value(h, "fortran_order");
    const char *sh = header_value(h, "shape");
    if (!descr || !fo || !sh || *sh != '(')
        return rq_fail(err, "%s: .npy header lacks descr, fortran_order or shape", name);
    int f64 = !strncmp(descr, "'<f8'", 5);
    if (!f64 && strncmp(descr, "'<f4'", 5))
        return rq_fail(err, "%s: element type is not float32 '<f4' or float64 '<f8'", name);
    if (strncmp(fo, "False", 5))
        return rq_fail(err, "%s: Fortran-ordered arrays are not supported", name);
    int64_t shape[RQ_SAMPLES_MAX_DIMS + 2];
    int ndim = 0;
    const char *p = sh + 1;
    while (*p && *p != ')') {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == ')')
            break;
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p || ndim > RQ_SAMPLES_MAX_DIMS + 1)
            return rq_fail(err, "%s: bad shape in the .npy header", name);
        shape[ndim++] = v;
        p = end;
    }
    if (set_shape(s, ndim, shape, name, err) < 0)
        return -1;
    size_t count = (size_t)(s->n * s->per_sample), es = f64 ? 8 : 4;
    const uint8_t *data = buf + hstart + hlen;
    if ((size_t)(buf + len - data) != count * es)
        return rq_fail(err, "%s: %zu data bytes for %zu values of %zu bytes", name,
                       (size_t)(buf + len - data), count, es);
    if (!(s->data = malloc(count * sizeof(float))))
        return rq_fail(err, "%s: out of memory", name);
    for (size_t i = 0; i < count; i++) {
        if (f64) {
            double v;
            memcpy(&v, data + i * 8, 8);
            s->data[i] = (float)v;
        } else {
            memcpy(&s->data[i], data + i * 4, 4);
        }
    }
    if (check_finite(s, name, err) < 0) {
        rq_samples_free(s);
        return -1;
    }
    return 0;
}

static int read_torch(const char *path, rq_samples *s, rq_error *err)
{
    rq_torch_file *f;
    if (rq_torch_open(path, &f, err) < 0)
        return -1;
    const rq_value *root = rq_torch_root(f), *v = root;
    if (root && root->type == RQ_V_DICT)
        v = rq_dict_get(root, "inputs");
    const rq_tensor *t = v ? rq_value_tensor(v) : NULL;
    int rc = -1;
    if (!t) {
        rq_fail(err, "%s: expected one tensor, or a dict with key 'inputs' holding one", path);
        goto done;
    }
    if (set_shape(s, t->ndim, t->shape, path, err) < 0)
        goto done;
    if (!(s->data = malloc((size_t)t->numel * sizeof(float)))) {
        rq_fail(err, "%s: out of memory", path);
        goto done;
    }
    if (rq_tensor_read_f32(f, t, 0, t->numel, s->data, err) < 0 || check_finite(s, path, err) < 0)
        goto done;
    rc = 0;
done:
    if (rc < 0)
        rq_samples_free(s);
    rq_torch_close(f);
    return rc;
}

int rq_samples_read(const char *path, rq_samples *s, rq_error *err)
{
    memset(s, 0, sizeof *s);
    size_t n = strlen(path);
    if (n > 4 && !strcmp(path + n - 4, ".npy")) {
        unsigned char *buf;
        size_t len;
        if (rq_read_file(path, MAX_FILE, &buf, &len, err) < 0)
            return -1;
        int rc = rq_samples_parse_npy(buf, len, path, s, err);
        free(buf);
        return rc;
    }
    return read_torch(path, s, err);
}
