/* Graph IR: construction, lookup, attribute access, topological order. */
#include "ir/ir.h"

#include <stdlib.h>
#include <string.h>

static const char *const op_names[RQ_IR_OP_COUNT] = {
#define RQ_IR_OP_NAME(e, s) s,
    RQ_IR_OPS(RQ_IR_OP_NAME)
#undef RQ_IR_OP_NAME
    "Other",
};

rq_ir_op rq_ir_op_from_name(const char *op_type)
{
    for (int i = 0; i < RQ_IR_OP_OTHER; i++)
        if (!strcmp(op_names[i], op_type))
            return (rq_ir_op)i;
    return RQ_IR_OP_OTHER;
}

const char *rq_ir_op_name(rq_ir_op op)
{
    return op >= 0 && op < RQ_IR_OP_COUNT ? op_names[op] : "?";
}

const char *rq_ir_dtype_name(rq_ir_dtype t)
{
    switch (t) {
    case RQ_IR_F32: return "float32";
    case RQ_IR_I64: return "int64";
    case RQ_IR_I32: return "int32";
    case RQ_IR_I8: return "int8";
    case RQ_IR_U8: return "uint8";
    case RQ_IR_BOOL: return "bool";
    default: return "undefined";
    }
}

size_t rq_ir_dtype_size(rq_ir_dtype t)
{
    switch (t) {
    case RQ_IR_F32: case RQ_IR_I32: return 4;
    case RQ_IR_I64: return 8;
    case RQ_IR_I8: case RQ_IR_U8: case RQ_IR_BOOL: return 1;
    default: return 0;
    }
}

int64_t rq_ir_numel(const rq_ir_tensor *t)
{
    if (t->rank < 0)
        return -1;
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++) {
        if (t->shape[i] < 0 || (t->shape[i] > 0 && n > RQ_IR_MAX_ELEMS / t->shape[i]))
            return -1;
        n *= t->shape[i];
    }
    return n;
}

void rq_ir_init(rq_ir_graph *g, const char *source)
{
    memset(g, 0, sizeof *g);
    g->source = strdup(source ? source : "graph");
}

void rq_ir_clear_attrs(rq_ir_node *n)
{
    for (int a = 0; a < n->n_attrs; a++) {
        free(n->attrs[a].name), free(n->attrs[a].ints), free(n->attrs[a].floats);
        free(n->attrs[a].s);
    }
    free(n->attrs);
    n->attrs = NULL;
    n->n_attrs = 0;
}

static void free_node(rq_ir_node *n)
{
    free(n->op_type), free(n->name), free(n->in), free(n->out);
    rq_ir_clear_attrs(n);
}

void rq_ir_free(rq_ir_graph *g)
{
    for (int i = 0; i < g->n_tensors; i++)
        free(g->tensors[i].name), free(g->tensors[i].data);
    for (int i = 0; i < g->n_nodes; i++)
        free_node(&g->nodes[i]);
    free(g->tensors), free(g->nodes), free(g->inputs), free(g->outputs), free(g->source);
    for (int i = 0; i < g->n_props; i++)
        free(g->prop_key[i]), free(g->prop_value[i]);
    memset(g, 0, sizeof *g);
}

int rq_ir_set_prop(rq_ir_graph *g, const char *key, const char *value, rq_error *err)
{
    int i = 0;
    while (i < g->n_props && strcmp(g->prop_key[i], key))
        i++;
    if (i == RQ_IR_MAX_PROPS)
        return rq_fail(err, "%s: more than %d metadata entries", g->source, RQ_IR_MAX_PROPS);
    char *v = strdup(value), *k = i < g->n_props ? g->prop_key[i] : strdup(key);
    if (!v || !k) {
        free(v);
        if (i == g->n_props)
            free(k);
        return rq_fail(err, "%s: out of memory", g->source);
    }
    if (i < g->n_props)
        free(g->prop_value[i]);
    else
        g->n_props++;
    g->prop_key[i] = k, g->prop_value[i] = v;
    return 0;
}

const char *rq_ir_prop(const rq_ir_graph *g, const char *key)
{
    for (int i = 0; i < g->n_props; i++)
        if (!strcmp(g->prop_key[i], key))
            return g->prop_value[i];
    return NULL;
}

static int grow(void **p, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return 0;
    int c = *cap ? *cap * 2 : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, (size_t)c * elem);
    if (!q)
        return -1;
    memset((char *)q + (size_t)*cap * elem, 0, (size_t)(c - *cap) * elem);
    *p = q;
    *cap = c;
    return 0;
}

int rq_ir_add_tensor(rq_ir_graph *g, const char *name, rq_ir_dtype dtype, rq_error *err)
{
    if (g->n_tensors >= RQ_IR_MAX_TENSORS)
        return rq_fail(err, "%s: more than %d tensors", g->source, RQ_IR_MAX_TENSORS);
    if (grow((void **)&g->tensors, &g->cap_tensors, g->n_tensors + 1, sizeof *g->tensors) < 0)
        return rq_fail(err, "%s: out of memory", g->source);
    rq_ir_tensor *t = &g->tensors[g->n_tensors];
    memset(t, 0, sizeof *t);
    t->name = strdup(name ? name : "");
    if (!t->name)
        return rq_fail(err, "%s: out of memory", g->source);
    t->dtype = dtype;
    t->rank = -1;
    t->producer = -1;
    return g->n_tensors++;
}

int rq_ir_find_tensor(const rq_ir_graph *g, const char *name)
{
    for (int i = g->n_tensors - 1; i >= 0; i--)
        if (!strcmp(g->tensors[i].name, name))
            return i;
    return -1;
}

int rq_ir_set_shape(rq_ir_graph *g, int t, int rank, const int64_t *shape, rq_error *err)
{
    if (rank < 0 || rank > RQ_IR_MAX_DIMS)
        return rq_fail(err, "%s: tensor '%s' has rank %d (at most %d supported)", g->source,
                       g->tensors[t].name, rank, RQ_IR_MAX_DIMS);
    rq_ir_tensor *x = &g->tensors[t];
    x->rank = rank;
    for (int i = 0; i < rank; i++)
        x->shape[i] = shape[i];
    if (rq_ir_numel(x) < 0)
        return rq_fail(err, "%s: tensor '%s' has a negative dimension or more than %lld elements",
                       g->source, x->name, (long long)RQ_IR_MAX_ELEMS);
    return 0;
}

int rq_ir_set_data(rq_ir_graph *g, int t, const void *data, rq_error *err)
{
    rq_ir_tensor *x = &g->tensors[t];
    int64_t n = rq_ir_numel(x);
    size_t es = rq_ir_dtype_size(x->dtype);
    if (n < 0 || es == 0)
        return rq_fail(err, "%s: constant '%s' has no known shape or type", g->source, x->name);
    size_t len = (size_t)n * es;
    void *d = malloc(len ? len : 1);
    if (!d)
        return rq_fail(err, "%s: out of memory for constant '%s'", g->source, x->name);
    if (len)
        memcpy(d, data, len);
    free(x->data);
    x->data = d;
    return 0;
}

int rq_ir_add_const(rq_ir_graph *g, const char *name, rq_ir_dtype dtype, int rank,
                    const int64_t *shape, const void *data, rq_error *err)
{
    char buf[300];
    snprintf(buf, sizeof buf, "%s", name);
    for (int k = 1; rq_ir_find_tensor(g, buf) >= 0 && k < 1000000; k++)
        snprintf(buf, sizeof buf, "%.280s_%d", name, k);
    int t = rq_ir_add_tensor(g, buf, dtype, err);
    if (t < 0 || rq_ir_set_shape(g, t, rank, shape, err) < 0 || rq_ir_set_data(g, t, data, err) < 0)
        return -1;
    return t;
}

int rq_ir_add_node(rq_ir_graph *g, rq_ir_op op, const char *op_type, const char *name,
                   int n_in, const int *in, int n_out, const int *out, rq_error *err)
{
    if (g->n_nodes >= RQ_IR_MAX_NODES)
        return rq_fail(err, "%s: more than %d nodes", g->source, RQ_IR_MAX_NODES);
    if (grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes + 1, sizeof *g->nodes) < 0)
        return rq_fail(err, "%s: out of memory", g->source);
    rq_ir_node *n = &g->nodes[g->n_nodes];
    memset(n, 0, sizeof *n);
    char dflt[64];
    snprintf(dflt, sizeof dflt, "%s_%d", op_type ? op_type : rq_ir_op_name(op), g->n_nodes);
    n->op = op;
    n->op_type = strdup(op_type ? op_type : rq_ir_op_name(op));
    n->name = strdup(name && *name ? name : dflt);
    n->in = malloc((size_t)(n_in > 0 ? n_in : 1) * sizeof(int));
    n->out = malloc((size_t)(n_out > 0 ? n_out : 1) * sizeof(int));
    if (!n->op_type || !n->name || !n->in || !n->out) {
        free_node(n);
        return rq_fail(err, "%s: out of memory", g->source);
    }
    n->n_in = n_in, n->n_out = n_out;
    for (int i = 0; i < n_in; i++)
        n->in[i] = in[i];
    for (int i = 0; i < n_out; i++) {
        n->out[i] = out[i];
        if (out[i] >= 0)
            g->tensors[out[i]].producer = g->n_nodes;
    }
    return g->n_nodes++;
}

static rq_ir_attr *new_attr(rq_ir_graph *g, int node, const char *name, rq_ir_attr_kind kind,
                            rq_error *err)
{
    rq_ir_node *n = &g->nodes[node];
    rq_ir_attr *a = realloc(n->attrs, (size_t)(n->n_attrs + 1) * sizeof *a);
    if (!a) {
        rq_fail(err, "%s: out of memory", g->source);
        return NULL;
    }
    n->attrs = a;
    a = &n->attrs[n->n_attrs];
    memset(a, 0, sizeof *a);
    a->name = strdup(name);
    if (!a->name) {
        rq_fail(err, "%s: out of memory", g->source);
        return NULL;
    }
    a->kind = kind;
    a->tensor = -1;
    n->n_attrs++;
    return a;
}

int rq_ir_add_attr_int(rq_ir_graph *g, int node, const char *name, int64_t v, rq_error *err)
{
    rq_ir_attr *a = new_attr(g, node, name, RQ_IR_ATTR_INT, err);
    return a ? (a->i = v, 0) : -1;
}

int rq_ir_add_attr_float(rq_ir_graph *g, int node, const char *name, float v, rq_error *err)
{
    rq_ir_attr *a = new_attr(g, node, name, RQ_IR_ATTR_FLOAT, err);
    return a ? (a->f = v, 0) : -1;
}

int rq_ir_add_attr_ints(rq_ir_graph *g, int node, const char *name, int n, const int64_t *v,
                        rq_error *err)
{
    rq_ir_attr *a = new_attr(g, node, name, RQ_IR_ATTR_INTS, err);
    if (!a)
        return -1;
    a->ints = malloc((size_t)(n > 0 ? n : 1) * sizeof *a->ints);
    if (!a->ints)
        return rq_fail(err, "%s: out of memory", g->source);
    if (n > 0)
        memcpy(a->ints, v, (size_t)n * sizeof *v);
    a->n = n;
    return 0;
}

int rq_ir_add_attr_floats(rq_ir_graph *g, int node, const char *name, int n, const float *v,
                          rq_error *err)
{
    rq_ir_attr *a = new_attr(g, node, name, RQ_IR_ATTR_FLOATS, err);
    if (!a)
        return -1;
    a->floats = malloc((size_t)(n > 0 ? n : 1) * sizeof *a->floats);
    if (!a->floats)
        return rq_fail(err, "%s: out of memory", g->source);
    if (n > 0)
        memcpy(a->floats, v, (size_t)n * sizeof *v);
    a->n = n;
    return 0;
}

int rq_ir_add_attr_string(rq_ir_graph *g, int node, const char *name, const char *s,
                          rq_error *err)
{
    rq_ir_attr *a = new_attr(g, node, name, RQ_IR_ATTR_STRING, err);
    if (!a)
        return -1;
    a->s = strdup(s);
    return a->s ? 0 : rq_fail(err, "%s: out of memory", g->source);
}

int rq_ir_add_attr_tensor(rq_ir_graph *g, int node, const char *name, int tensor,
                          rq_error *err)
{
    rq_ir_attr *a = new_attr(g, node, name, RQ_IR_ATTR_TENSOR, err);
    return a ? (a->tensor = tensor, 0) : -1;
}

int rq_ir_set_io(rq_ir_graph *g, int n_in, const int *in, int n_out, const int *out,
                 rq_error *err)
{
    free(g->inputs), free(g->outputs);
    g->inputs = malloc((size_t)(n_in > 0 ? n_in : 1) * sizeof(int));
    g->outputs = malloc((size_t)(n_out > 0 ? n_out : 1) * sizeof(int));
    if (!g->inputs || !g->outputs)
        return rq_fail(err, "%s: out of memory", g->source);
    if (n_in > 0)
        memcpy(g->inputs, in, (size_t)n_in * sizeof(int));
    if (n_out > 0)
        memcpy(g->outputs, out, (size_t)n_out * sizeof(int));
    g->n_inputs = n_in, g->n_outputs = n_out;
    return 0;
}

static void recompute_producers(rq_ir_graph *g)
{
    for (int t = 0; t < g->n_tensors; t++)
        g->tensors[t].producer = -1;
    for (int i = 0; i < g->n_nodes; i++)
        for (int o = 0; o < g->nodes[i].n_out; o++)
            if (g->nodes[i].out[o] >= 0)
                g->tensors[g->nodes[i].out[o]].producer = i;
}

void rq_ir_compact(rq_ir_graph *g)
{
    int k = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        if (g->nodes[i].op == RQ_IR_OP_COUNT)
            free_node(&g->nodes[i]);
        else
            g->nodes[k++] = g->nodes[i];
    }
    g->n_nodes = k;
    recompute_producers(g);
}

/* A graph already in order (what exporters write) keeps its order; otherwise Kahn's
 * algorithm, ready nodes first-in first-out from file order. */
int rq_ir_toposort(rq_ir_graph *g, rq_error *err)
{
    int nn = g->n_nodes, rc = -1;
    int *writer = malloc((size_t)(g->n_tensors ? g->n_tensors : 1) * sizeof(int));
    int *pending = calloc((size_t)(nn ? nn : 1), sizeof(int));
    int *order = malloc((size_t)(nn ? nn : 1) * sizeof(int));
    if (!writer || !pending || !order) {
        rq_fail(err, "%s: out of memory", g->source);
        goto out;
    }
    for (int t = 0; t < g->n_tensors; t++)
        writer[t] = -1;
    for (int i = 0; i < nn; i++)
        for (int o = 0; o < g->nodes[i].n_out; o++) {
            int t = g->nodes[i].out[o];
            if (t < 0)
                continue;
            if (writer[t] >= 0 || g->tensors[t].data) {
                rq_fail(err, "%s: tensor '%s' is written twice (node '%s')", g->source,
                        g->tensors[t].name, g->nodes[i].name);
                goto out;
            }
            writer[t] = i;
        }
    for (int i = 0; i < nn; i++)
        for (int k = 0; k < g->nodes[i].n_in; k++) {
            int t = g->nodes[i].in[k];
            if (t < 0)
                continue;
            if (writer[t] >= 0)
                pending[i]++;
            else if (!g->tensors[t].data) {
                int is_in = 0;
                for (int j = 0; j < g->n_inputs; j++)
                    is_in |= g->inputs[j] == t;
                if (!is_in) {
                    rq_fail(err, "%s: node '%s' reads '%s', which no node, input or initializer "
                            "provides", g->source, g->nodes[i].name, g->tensors[t].name);
                    goto out;
                }
            }
        }
    int in_order = 1;
    for (int i = 0; i < nn && in_order; i++)
        for (int k = 0; k < g->nodes[i].n_in; k++) {
            int t = g->nodes[i].in[k];
            if (t >= 0 && writer[t] >= i)
                in_order = 0;
        }
    if (in_order) {
        recompute_producers(g);
        rc = 0;
        goto out;
    }
    /* Kahn's algorithm over the writer -> reader edges (CSR). */
    int n_edges = 0;
    for (int i = 0; i < nn; i++)
        n_edges += pending[i];
    int *start = calloc((size_t)nn + 1, sizeof(int)), *edge = malloc((size_t)(n_edges + 1) * sizeof(int));
    if (!start || !edge) {
        free(start), free(edge);
        rq_fail(err, "%s: out of memory", g->source);
        goto out;
    }
    for (int i = 0; i < nn; i++)
        for (int k = 0; k < g->nodes[i].n_in; k++) {
            int t = g->nodes[i].in[k];
            if (t >= 0 && writer[t] >= 0)
                start[writer[t] + 1]++;
        }
    for (int i = 0; i < nn; i++)
        start[i + 1] += start[i];
    int *fill = calloc((size_t)nn + 1, sizeof(int));
    if (!fill) {
        free(start), free(edge);
        rq_fail(err, "%s: out of memory", g->source);
        goto out;
    }
    for (int i = 0; i < nn; i++)
        for (int k = 0; k < g->nodes[i].n_in; k++) {
            int t = g->nodes[i].in[k];
            if (t >= 0 && writer[t] >= 0)
                edge[start[writer[t]] + fill[writer[t]]++] = i;
        }
    free(fill);
    int head = 0, tail = 0;
    for (int i = 0; i < nn; i++)
        if (pending[i] == 0)
            order[tail++] = i;
    while (head < tail) {
        int p = order[head++];
        for (int e = start[p]; e < start[p + 1]; e++)
            if (--pending[edge[e]] == 0)
                order[tail++] = edge[e];
    }
    free(start), free(edge);
    if (tail < nn) {
        for (int i = 0; i < nn; i++)
            if (pending[i] > 0) {
                rq_fail(err, "%s: the graph has a cycle through node '%s'", g->source,
                        g->nodes[i].name);
                break;
            }
        goto out;
    }
    rq_ir_node *sorted = malloc((size_t)(nn ? nn : 1) * sizeof *sorted);
    if (!sorted) {
        rq_fail(err, "%s: out of memory", g->source);
        goto out;
    }
    for (int i = 0; i < nn; i++)
        sorted[i] = g->nodes[order[i]];
    memcpy(g->nodes, sorted, (size_t)nn * sizeof *sorted);
    free(sorted);
    recompute_producers(g);
    rc = 0;
out:
    free(writer), free(pending), free(order);
    return rc;
}

int rq_ir_is_const(const rq_ir_graph *g, int t)
{
    return t >= 0 && t < g->n_tensors && g->tensors[t].data != NULL;
}

int rq_ir_consumers(const rq_ir_graph *g, int t, int *nodes, int max)
{
    int n = 0;
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_in; k++)
            if (g->nodes[i].in[k] == t) {
                if (n < max)
                    nodes[n] = i;
                n++;
                break;
            }
    return n;
}

int rq_ir_is_output(const rq_ir_graph *g, int t)
{
    for (int i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == t)
            return 1;
    return 0;
}

const rq_ir_attr *rq_ir_attr_get(const rq_ir_node *n, const char *name)
{
    for (int a = 0; a < n->n_attrs; a++)
        if (!strcmp(n->attrs[a].name, name))
            return &n->attrs[a];
    return NULL;
}

int64_t rq_ir_attr_int(const rq_ir_node *n, const char *name, int64_t dflt)
{
    const rq_ir_attr *a = rq_ir_attr_get(n, name);
    return a && a->kind == RQ_IR_ATTR_INT ? a->i : dflt;
}

float rq_ir_attr_float(const rq_ir_node *n, const char *name, float dflt)
{
    const rq_ir_attr *a = rq_ir_attr_get(n, name);
    return a && a->kind == RQ_IR_ATTR_FLOAT ? a->f : dflt;
}

int rq_ir_attr_ints(const rq_ir_node *n, const char *name, int64_t *out, int max)
{
    const rq_ir_attr *a = rq_ir_attr_get(n, name);
    if (!a || a->kind != RQ_IR_ATTR_INTS)
        return -1;
    for (int i = 0; i < a->n && i < max; i++)
        out[i] = a->ints[i];
    return a->n;
}

int rq_ir_ints_arg(const rq_ir_graph *g, const rq_ir_node *n, const char *attr, int input,
                   int64_t *out, int max)
{
    if (attr) {
        int k = rq_ir_attr_ints(n, attr, out, max);
        if (k >= 0)
            return k;
    }
    if (input < 0 || input >= n->n_in || n->in[input] < 0)
        return -1;
    const rq_ir_tensor *t = &g->tensors[n->in[input]];
    if (!t->data || (t->dtype != RQ_IR_I64 && t->dtype != RQ_IR_I32) || t->rank > 1)
        return -2;
    int64_t k = rq_ir_numel(t);
    for (int64_t i = 0; i < k && i < max; i++)
        out[i] = t->dtype == RQ_IR_I64 ? ((const int64_t *)t->data)[i]
                                       : ((const int32_t *)t->data)[i];
    return (int)k;
}

int rq_ir_float_arg(const rq_ir_graph *g, const rq_ir_node *n, const char *attr, int input,
                    float dflt, float *out)
{
    *out = attr ? rq_ir_attr_float(n, attr, dflt) : dflt;
    if (input < 0 || input >= n->n_in || n->in[input] < 0)
        return 0;
    const rq_ir_tensor *t = &g->tensors[n->in[input]];
    if (!t->data || t->dtype != RQ_IR_F32 || rq_ir_numel(t) != 1)
        return -2;
    *out = *(const float *)t->data;
    return 0;
}
