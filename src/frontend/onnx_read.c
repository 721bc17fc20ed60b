/* ONNX protobuf -> graph IR (see onnx_read.h). */
#include "frontend/onnx_read.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"
#include "frontend/pb_guard.h"
#include "onnx.pb-c.h"

#define MAX_NESTING 24

/* ---- tensor names -> indices (open addressing; graphs may have many tensors) -------- */

typedef struct name_map {
    int *slot; /* tensor index + 1, 0 = empty */
    size_t cap;
} name_map;

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int map_init(name_map *m, size_t expect)
{
    m->cap = 64;
    while (m->cap < expect * 2)
        m->cap *= 2;
    m->slot = calloc(m->cap, sizeof(int));
    return m->slot ? 0 : -1;
}

static int map_find(const name_map *m, const rq_ir_graph *g, const char *name)
{
    for (size_t i = hash_name(name) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->slot[i])
            return -1;
        if (!strcmp(g->tensors[m->slot[i] - 1].name, name))
            return m->slot[i] - 1;
    }
}

static void map_put(name_map *m, const rq_ir_graph *g, int t)
{
    size_t i = hash_name(g->tensors[t].name) & (m->cap - 1);
    while (m->slot[i])
        i = (i + 1) & (m->cap - 1);
    m->slot[i] = t + 1;
}

typedef struct reader {
    rq_ir_graph *g;
    name_map names;
    const char *file;
    rq_error *err;
} reader;

/* Names end up in one-line messages: control characters (a newline...) are refused, as
 * are names longer than any exporter writes. */
static int text_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f || n > 1024)
            return 0;
    return 1;
}

static int check_text(reader *r, const char *s, const char *what)
{
    return s && !text_ok(s) ? rq_fail(r->err, "%s: a %s holds control characters or is too long",
                                      r->file, what) : 0;
}

/* The tensor named `name`, created (without shape) on first use. */
static int tensor_named(reader *r, const char *name)
{
    if (check_text(r, name, "tensor name") < 0)
        return -1;
    int t = map_find(&r->names, r->g, name);
    if (t >= 0)
        return t;
    if ((size_t)r->g->n_tensors * 2 + 2 > r->names.cap)
        return rq_fail(r->err, "%s: too many tensor names", r->file);
    t = rq_ir_add_tensor(r->g, name, RQ_IR_UNDEF, r->err);
    if (t >= 0)
        map_put(&r->names, r->g, t);
    return t;
}

/* ---- tensors --------------------------------------------------------------------- */

static rq_ir_dtype dtype_of(int32_t onnx_type)
{
    switch (onnx_type) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: return RQ_IR_F32;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: return RQ_IR_I64;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: return RQ_IR_I32;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT8: return RQ_IR_I8;
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8: return RQ_IR_U8;
    case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL: return RQ_IR_BOOL;
    default: return RQ_IR_UNDEF;
    }
}

/* Copies the typed field (float_data / int64_data / int32_data for the small types) into
 * dst, which holds n elements of dtype t. */
static int copy_typed(const Onnx__TensorProto *tp, rq_ir_dtype t, int64_t n, void *dst)
{
    switch (t) {
    case RQ_IR_F32:
        if ((int64_t)tp->n_float_data != n)
            return -1;
        if (n)
            memcpy(dst, tp->float_data, (size_t)n * 4);
        return 0;
    case RQ_IR_I64:
        if ((int64_t)tp->n_int64_data != n)
            return -1;
        if (n)
            memcpy(dst, tp->int64_data, (size_t)n * 8);
        return 0;
    case RQ_IR_I32:
        if ((int64_t)tp->n_int32_data != n)
            return -1;
        if (n)
            memcpy(dst, tp->int32_data, (size_t)n * 4);
        return 0;
    case RQ_IR_I8: case RQ_IR_U8: case RQ_IR_BOOL:
        if ((int64_t)tp->n_int32_data != n)
            return -1;
        for (int64_t i = 0; i < n; i++)
            ((uint8_t *)dst)[i] = (uint8_t)tp->int32_data[i];
        return 0;
    default:
        return -1;
    }
}

/* A TensorProto as a constant tensor `t` of the graph. raw_data is little endian, as
 * ONNX specifies and as this host is. */
static int set_constant(reader *r, int t, const Onnx__TensorProto *tp, const char *what)
{
    const char *name = tp->name && *tp->name ? tp->name : what;
    if ((tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) ||
        tp->n_external_data)
        return rq_fail(r->err, "%s: tensor '%s' keeps its data in an external file; re-export "
                       "with the weights inside the model (torch.onnx.export does for models "
                       "under 2 GB)", r->file, name);
    if (tp->segment)
        return rq_fail(r->err, "%s: tensor '%s' is segmented (not supported)", r->file, name);
    rq_ir_dtype dt = dtype_of(tp->data_type);
    if (dt == RQ_IR_UNDEF)
        return rq_fail(r->err, "%s: tensor '%s' has element type %d (supported: float32, int64, "
                       "int32, int8, uint8, bool)", r->file, name, (int)tp->data_type);
    if (tp->n_dims > RQ_IR_MAX_DIMS)
        return rq_fail(r->err, "%s: tensor '%s' has %zu dimensions (at most %d)", r->file, name,
                       tp->n_dims, RQ_IR_MAX_DIMS);
    rq_ir_tensor *x = &r->g->tensors[t];
    x->dtype = dt;
    if (rq_ir_set_shape(r->g, t, (int)tp->n_dims, tp->dims, r->err) < 0)
        return -1;
    int64_t n = rq_ir_numel(x);
    size_t bytes = (size_t)n * rq_ir_dtype_size(dt);
    void *buf = malloc(bytes ? bytes : 1);
    if (!buf)
        return rq_fail(r->err, "%s: out of memory for tensor '%s'", r->file, name);
    int bad;
    if (tp->has_raw_data) {
        bad = tp->raw_data.len != bytes;
        if (!bad && bytes)
            memcpy(buf, tp->raw_data.data, bytes);
    } else {
        bad = copy_typed(tp, dt, n, buf) < 0;
    }
    if (bad) {
        free(buf);
        return rq_fail(r->err, "%s: tensor '%s' holds a data length that does not match its "
                       "dims (%lld elements of %s)", r->file, name, (long long)n,
                       rq_ir_dtype_name(dt));
    }
    if (dt == RQ_IR_F32)
        for (int64_t i = 0; i < n; i++)
            if (!isfinite(((float *)buf)[i])) {
                free(buf);
                return rq_fail(r->err, "%s: tensor '%s' holds NaN or Inf (element %lld)",
                               r->file, name, (long long)i);
            }
    free(x->data);
    x->data = buf;
    return 0;
}

static int read_initializers(reader *r, const Onnx__GraphProto *gp)
{
    if (gp->n_sparse_initializer)
        return rq_fail(r->err, "%s: sparse initializers are not supported", r->file);
    for (size_t i = 0; i < gp->n_initializer; i++) {
        const Onnx__TensorProto *tp = gp->initializer[i];
        if (!tp->name || !*tp->name)
            return rq_fail(r->err, "%s: initializer %zu has no name", r->file, i);
        int t = tensor_named(r, tp->name);
        if (t < 0)
            return -1;
        if (r->g->tensors[t].data)
            return rq_fail(r->err, "%s: initializer '%s' is given twice", r->file, tp->name);
        if (set_constant(r, t, tp, tp->name) < 0)
            return -1;
    }
    return 0;
}

/* ---- graph inputs and outputs ------------------------------------------------------ */

/* Shape of a graph input from its ValueInfo: the batch (dim 0) may be symbolic and is 1;
 * every other dimension must be a number. */
static int input_shape(reader *r, int t, const Onnx__ValueInfoProto *vi)
{
    const Onnx__TypeProto *tp = vi->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
        return rq_fail(r->err, "%s: input '%s' is not a tensor", r->file, vi->name);
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    rq_ir_dtype dt = dtype_of(tt->elem_type);
    if (dt == RQ_IR_UNDEF)
        return rq_fail(r->err, "%s: input '%s' has element type %d (not supported)", r->file,
                       vi->name, (int)tt->elem_type);
    if (!tt->shape)
        return rq_fail(r->err, "%s: input '%s' has no shape", r->file, vi->name);
    size_t rank = tt->shape->n_dim;
    if (rank > RQ_IR_MAX_DIMS)
        return rq_fail(r->err, "%s: input '%s' has %zu dimensions (at most %d)", r->file,
                       vi->name, rank, RQ_IR_MAX_DIMS);
    int64_t shape[RQ_IR_MAX_DIMS];
    for (size_t d = 0; d < rank; d++) {
        const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
        int known = dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        if (!known && d > 0)
            return rq_fail(r->err, "%s: input '%s' has a dynamic dimension %zu ('%s'); only "
                           "the batch may be dynamic", r->file, vi->name, d,
                           dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM &&
                           dim->dim_param && text_ok(dim->dim_param) ? dim->dim_param : "?");
        if (known && d == 0 && rank > 1 && dim->dim_value != 1)
            return rq_fail(r->err, "%s: input '%s' was exported with batch %lld; export with "
                           "batch 1", r->file, vi->name, (long long)dim->dim_value);
        shape[d] = known ? dim->dim_value : 1;
        if (shape[d] < 1)
            return rq_fail(r->err, "%s: input '%s' has dimension %zu = %lld", r->file,
                           vi->name, d, (long long)shape[d]);
    }
    r->g->tensors[t].dtype = dt;
    return rq_ir_set_shape(r->g, t, (int)rank, shape, r->err);
}

static int read_io(reader *r, const Onnx__GraphProto *gp)
{
    int *in = malloc((gp->n_input + 1) * sizeof(int));
    int *out = malloc((gp->n_output + 1) * sizeof(int));
    int n_in = 0, rc = -1;
    if (!in || !out) {
        rq_fail(r->err, "%s: out of memory", r->file);
        goto done;
    }
    for (size_t i = 0; i < gp->n_input; i++) {
        const Onnx__ValueInfoProto *vi = gp->input[i];
        if (!vi->name || !*vi->name) {
            rq_fail(r->err, "%s: graph input %zu has no name", r->file, i);
            goto done;
        }
        int t = tensor_named(r, vi->name);
        if (t < 0)
            goto done;
        if (r->g->tensors[t].data) /* older exporters list initializers as inputs too */
            continue;
        for (int k = 0; k < n_in; k++)
            if (in[k] == t) {
                rq_fail(r->err, "%s: graph input '%s' is listed twice", r->file, vi->name);
                goto done;
            }
        if (input_shape(r, t, vi) < 0)
            goto done;
        in[n_in++] = t;
    }
    if (gp->n_output == 0) {
        rq_fail(r->err, "%s: the graph has no outputs", r->file);
        goto done;
    }
    for (size_t i = 0; i < gp->n_output; i++) {
        const char *name = gp->output[i]->name;
        if (!name || !*name || (out[i] = tensor_named(r, name)) < 0) {
            if (!name || !*name)
                rq_fail(r->err, "%s: graph output %zu has no name", r->file, i);
            goto done;
        }
    }
    rc = rq_ir_set_io(r->g, n_in, in, (int)gp->n_output, out, r->err);
done:
    free(in), free(out);
    return rc;
}

/* ---- nodes ------------------------------------------------------------------------ */

static int read_attr(reader *r, int node, const Onnx__AttributeProto *a)
{
    const char *nm = a->name ? a->name : "";
    if (check_text(r, nm, "attribute name") < 0)
        return -1;
    rq_ir_graph *g = r->g;
    if (a->n_ints > 4096 || a->n_floats > 4096)
        return rq_fail(r->err, "%s: node '%s' attribute '%s' is too long", r->file,
                       g->nodes[node].name, nm);
    switch (a->type) {
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
        return rq_ir_add_attr_int(g, node, nm, a->i, r->err);
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
        return rq_ir_add_attr_float(g, node, nm, a->f, r->err);
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
        return rq_ir_add_attr_ints(g, node, nm, (int)a->n_ints, a->ints, r->err);
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
        return rq_ir_add_attr_floats(g, node, nm, (int)a->n_floats, a->floats, r->err);
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING: {
        char s[256];
        size_t n = a->s.len < sizeof s - 1 ? a->s.len : sizeof s - 1;
        if (n)
            memcpy(s, a->s.data, n);
        s[n] = 0;
        return rq_ir_add_attr_string(g, node, nm, s, r->err);
    }
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR: { /* ConstantOfShape's value */
        if (!a->t)
            return 0;
        char name[300];
        snprintf(name, sizeof name, "%.200s/%.80s", g->nodes[node].name, nm);
        int t = tensor_named(r, name);
        if (t < 0 || set_constant(r, t, a->t, name) < 0)
            return -1;
        return rq_ir_add_attr_tensor(g, node, nm, t, r->err);
    }
    default:
        return 0; /* graphs...: the ops we run have none; the op stays unsupported */
    }
}

/* A Constant node's value as a constant tensor (no node is kept). */
static int read_constant(reader *r, const Onnx__NodeProto *np)
{
    if (np->n_output != 1 || !np->output[0] || !*np->output[0])
        return rq_fail(r->err, "%s: Constant node '%s' needs one output", r->file,
                       np->name ? np->name : "");
    int t = tensor_named(r, np->output[0]);
    if (t < 0)
        return -1;
    if (r->g->tensors[t].data || r->g->tensors[t].producer >= 0)
        return rq_fail(r->err, "%s: tensor '%s' is written twice", r->file, np->output[0]);
    for (size_t i = 0; i < np->n_attribute; i++) {
        const Onnx__AttributeProto *a = np->attribute[i];
        const char *nm = a->name ? a->name : "";
        if (!strcmp(nm, "value") && a->t)
            return set_constant(r, t, a->t, np->output[0]);
        rq_ir_tensor *x = &r->g->tensors[t];
        int64_t one = 1, n;
        if (!strcmp(nm, "value_float") || !strcmp(nm, "value_int")) {
            int is_f = nm[6] == 'f';
            x->dtype = is_f ? RQ_IR_F32 : RQ_IR_I64;
            if (rq_ir_set_shape(r->g, t, 0, &one, r->err) < 0)
                return -1;
            return is_f ? rq_ir_set_data(r->g, t, &a->f, r->err)
                        : rq_ir_set_data(r->g, t, &a->i, r->err);
        }
        if (!strcmp(nm, "value_floats") || !strcmp(nm, "value_ints")) {
            int is_f = nm[6] == 'f';
            x->dtype = is_f ? RQ_IR_F32 : RQ_IR_I64;
            n = is_f ? (int64_t)a->n_floats : (int64_t)a->n_ints;
            if (rq_ir_set_shape(r->g, t, 1, &n, r->err) < 0)
                return -1;
            return is_f ? rq_ir_set_data(r->g, t, a->floats, r->err)
                        : rq_ir_set_data(r->g, t, a->ints, r->err);
        }
    }
    return rq_fail(r->err, "%s: Constant node '%s' has no value this reader supports", r->file,
                   np->name ? np->name : np->output[0]);
}

static int read_node(reader *r, const Onnx__NodeProto *np, size_t index)
{
    const char *op_type = np->op_type ? np->op_type : "";
    if (check_text(r, op_type, "node op_type") < 0 || check_text(r, np->name, "node name") < 0 ||
        check_text(r, np->domain, "node domain") < 0)
        return -1;
    int foreign = np->domain && *np->domain && strcmp(np->domain, "ai.onnx");
    if (!foreign && !strcmp(op_type, "Constant"))
        return read_constant(r, np);
    if (np->n_input > 4096 || np->n_output > 4096 || np->n_attribute > 4096)
        return rq_fail(r->err, "%s: node %zu has too many inputs, outputs or attributes",
                       r->file, index);
    int *in = malloc((np->n_input + 1) * sizeof(int));
    int *out = malloc((np->n_output + 1) * sizeof(int));
    int rc = -1;
    if (!in || !out) {
        rq_fail(r->err, "%s: out of memory", r->file);
        goto done;
    }
    for (size_t i = 0; i < np->n_input; i++)
        if (!np->input[i] || !*np->input[i])
            in[i] = -1;
        else if ((in[i] = tensor_named(r, np->input[i])) < 0)
            goto done;
    for (size_t i = 0; i < np->n_output; i++) {
        if (!np->output[i] || !*np->output[i]) {
            out[i] = -1;
            continue;
        }
        if ((out[i] = tensor_named(r, np->output[i])) < 0)
            goto done;
        if (r->g->tensors[out[i]].producer >= 0 || r->g->tensors[out[i]].data) {
            rq_fail(r->err, "%s: tensor '%s' is written twice", r->file, np->output[i]);
            goto done;
        }
    }
    char type_buf[128];
    snprintf(type_buf, sizeof type_buf, "%s%s%s", foreign ? np->domain : "", foreign ? "." : "",
             op_type);
    rq_ir_op op = foreign ? RQ_IR_OP_OTHER : rq_ir_op_from_name(op_type);
    int k = rq_ir_add_node(r->g, op, type_buf, np->name, (int)np->n_input, in,
                           (int)np->n_output, out, r->err);
    if (k < 0)
        goto done;
    for (size_t i = 0; i < np->n_attribute; i++)
        if (read_attr(r, k, np->attribute[i]) < 0)
            goto done;
    rc = 0;
done:
    free(in), free(out);
    return rc;
}

/* ---- the model -------------------------------------------------------------------- */

static int check_opset(reader *r, const Onnx__ModelProto *mp)
{
    int opset = 0;
    for (size_t i = 0; i < mp->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *o = mp->opset_import[i];
        if ((!o->domain || !*o->domain || !strcmp(o->domain, "ai.onnx")) && o->has_version)
            opset = o->version > 1000 ? 1000 : (int)o->version;
    }
    if (opset == 0)
        return rq_fail(r->err, "%s: the model imports no ai.onnx opset", r->file);
    if (opset < RQ_ONNX_MIN_OPSET || opset > RQ_ONNX_MAX_OPSET)
        return rq_fail(r->err, "%s: opset %d is not supported (opsets %d-%d; export with "
                       "torch.onnx.export(..., opset_version=13))", r->file, opset,
                       RQ_ONNX_MIN_OPSET, RQ_ONNX_MAX_OPSET);
    r->g->opset = opset;
    return 0;
}

static int read_graph(reader *r, const Onnx__GraphProto *gp)
{
    size_t names = gp->n_initializer + gp->n_input + gp->n_output;
    for (size_t i = 0; i < gp->n_node; i++)
        names += gp->node[i]->n_input + gp->node[i]->n_output + gp->node[i]->n_attribute;
    if (gp->n_node > RQ_IR_MAX_NODES || names > 4 * (size_t)RQ_IR_MAX_TENSORS)
        return rq_fail(r->err, "%s: the graph is too large (%zu nodes)", r->file, gp->n_node);
    if (map_init(&r->names, names + 16) < 0)
        return rq_fail(r->err, "%s: out of memory", r->file);
    if (read_initializers(r, gp) < 0 || read_io(r, gp) < 0)
        return -1;
    for (size_t i = 0; i < gp->n_node; i++)
        if (read_node(r, gp->node[i], i) < 0)
            return -1;
    for (int i = 0; i < r->g->n_outputs; i++) {
        const rq_ir_tensor *t = &r->g->tensors[r->g->outputs[i]];
        int is_input = 0;
        for (int k = 0; k < r->g->n_inputs; k++)
            is_input |= r->g->inputs[k] == r->g->outputs[i];
        if (t->producer < 0 && !t->data && !is_input)
            return rq_fail(r->err, "%s: graph output '%s' is never computed", r->file, t->name);
    }
    if (rq_ir_toposort(r->g, r->err) < 0)
        return -1;
    return rq_ir_infer_shapes(r->g, r->err);
}

/* The metadata rppgq reads (keys "rppgq.*", e.g. a spatial model's input contract);
 * others are ignored. */
static int read_props(reader *r, const Onnx__ModelProto *mp)
{
    for (size_t i = 0; i < mp->n_metadata_props; i++) {
        const Onnx__StringStringEntryProto *e = mp->metadata_props[i];
        if (!e->key || strncmp(e->key, "rppgq.", 6))
            continue;
        if (!e->value || check_text(r, e->key, "metadata key") < 0 ||
            check_text(r, e->value, "metadata value") < 0 ||
            rq_ir_set_prop(r->g, e->key, e->value, r->err) < 0)
            return -1;
    }
    return 0;
}

int rq_onnx_parse(const uint8_t *buf, size_t len, const char *name, rq_ir_graph *g,
                  rq_error *err)
{
    rq_ir_init(g, name);
    reader r = {.g = g, .file = name, .err = err};
    if (len > RQ_ONNX_MAX_FILE)
        return rq_fail(err, "%s: file larger than %zu MB", name, RQ_ONNX_MAX_FILE >> 20);
    if (rq_pb_depth_ok(buf, len, &onnx__model_proto__descriptor, MAX_NESTING) < 0)
        return rq_fail(err, "%s: messages nested deeper than %d levels (not an ONNX model "
                       "rppgq reads)", name, MAX_NESTING);
    rq_pb_budget budget;
    rq_pb_budget_init(&budget, ((size_t)64 << 20) + len * 16);
    Onnx__ModelProto *mp = onnx__model_proto__unpack(&budget.a, len, buf);
    if (!mp)
        return rq_fail(err, "%s: not a valid ONNX protobuf (or it needs more memory than "
                       "its size justifies)", name);
    int rc = -1;
    if (!mp->graph)
        rq_fail(err, "%s: the model has no graph", name);
    else if (check_opset(&r, mp) == 0 && read_graph(&r, mp->graph) == 0 && read_props(&r, mp) == 0)
        rc = 0;
    onnx__model_proto__free_unpacked(mp, &budget.a);
    free(r.names.slot);
    return rc;
}

int rq_onnx_read(const char *path, rq_ir_graph *g, rq_error *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    if (rq_read_file(path, RQ_ONNX_MAX_FILE, &buf, &len, err) < 0) {
        rq_ir_init(g, path);
        return -1;
    }
    int rc = rq_onnx_parse(buf, len, path, g, err);
    free(buf);
    return rc;
}
