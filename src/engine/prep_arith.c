/* Prepare-time helpers of the arithmetic and activation operators. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/engine_internal.h"

const char *shape_str(const rq_tfl_tensor *t, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = 0;
    k += (size_t)snprintf(buf + k, n - k, "[");
    for (int i = 0; i < t->rank && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, i ? ",%d" : "%d", (int)t->shape[i]);
    if (k < n)
        snprintf(buf + k, n - k, "]");
    return buf;
}

int check_quant8(prep_ctx *c, const rq_tfl_tensor *t, const char *role)
{
    if (t->type == RQ_TFL_INT8)
        return check_activation(c, t, role);
    if (t->type != RQ_TFL_UINT8)
        return op_fail(c, "%s %s has type %s, only INT8 and UINT8 are supported", role, t->name,
                       rq_tfl_type_name(t->type));
    if (t->q.n != 1)
        return op_fail(c, "%s %s needs one scale and zero point (has %d)", role, t->name, t->q.n);
    if (!(t->q.scale[0] > 0) || !isfinite(t->q.scale[0]))
        return op_fail(c, "%s %s has scale %g", role, t->name, t->q.scale[0]);
    if (t->q.zero_point[0] < 0 || t->q.zero_point[0] > 255)
        return op_fail(c, "%s %s has zero point %lld outside uint8", role, t->name,
                       (long long)t->q.zero_point[0]);
    return 0;
}

int op_multiplier(prep_ctx *c, const prep_op *p, double real, const char *what, int32_t *mult,
                  int *shift)
{
    if (!isfinite(real) || real < 0)
        return op_fail(c, "%s multiplier %g is not a finite non-negative number", what, real);
    rppg_q8_quantize_multiplier(real, p->single ? RPPG_Q8_ROUND_SINGLE : RPPG_Q8_ROUND_DOUBLE,
                                mult, shift);
    if (*shift > 30 || *shift < -31)
        return op_fail(c, "%s multiplier %g is out of the supported range", what, real);
    return 0;
}

/* The axes of input 1 (a constant INT32 tensor), negative ones counted from the end. */
int reduce_axes(prep_ctx *c, const rq_tfl_tensor *in, int *reduced, int max_axes)
{
    const rq_tfl_tensor *axes = input_tensor(c, 1);
    if (axes->type != RQ_TFL_INT32 || !axes->data)
        return op_fail(c, "axes must be a constant INT32 tensor");
    int64_t n = rq_tfl_num_elements(axes);
    if (n > max_axes)
        return op_fail(c, "%lld axes, at most %d", (long long)n, max_axes);
    for (int64_t i = 0; i < n; i++) {
        int32_t a;
        memcpy(&a, axes->data + 4 * i, 4);
        if (a < 0)
            a += in->rank;
        if (a < 0 || a >= in->rank)
            return op_fail(c, "axis %d outside rank %d", (int)a, in->rank);
        reduced[a] = 1;
    }
    return (int)n;
}
