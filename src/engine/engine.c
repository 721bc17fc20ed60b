/* The engine's driver: checks the graph's order, prepares every operator (op_table.c), lays
 * the activation tensors and the operators' temporaries into one arena (plan.c), and runs
 * the prepared operators in order. The prepared engine is immutable; every thread brings
 * its own scratch arena. */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"
#include "engine/fold.h"
#include "engine/plan.h"
#include "engine/simd.h"

#define MAX_ARENA_BYTES ((size_t)1 << 31)
/* Real MCU graphs have hundreds of operators; the planner is quadratic in buffers. */
#define MAX_ENGINE_OPS 8192

struct rq_tfl_engine {
    const rq_tfl_model *m;   /* the engine's view: orig with shape computations folded */
    const rq_tfl_model *orig;
    rq_tfl_model *folded;    /* owned (m == folded) */
    slot *slots;
    size_t *bytes;
    rq_tfl_memory mem;
    prep_op *ops;
    int n_ops;
    rq_simd simd; /* the kernels chosen at prepare (engine/simd.h) */
};

struct rq_tfl_scratch {
    uint8_t *arena;
};

void rq_prep_op_release(prep_op *p)
{
    free(p->mult);
    free(p->shift);
    free(p->lshift);
    free(p->rshift);
    free(p->bias_adj);
    free(p->w16);
    free(p->state);
    if (p->kernel_free)
        p->kernel_free(p->kernel);
}

static void free_ops(prep_op *ops, int n)
{
    for (int i = 0; i < n; i++)
        rq_prep_op_release(&ops[i]);
    free(ops);
}

void rq_tfl_engine_free(rq_tfl_engine *e)
{
    if (!e)
        return;
    free_ops(e->ops, e->n_ops);
    rq_fold_free(e->orig, e->folded);
    free(e->slots);
    free(e->bytes);
    free(e);
}

/* Each non-constant tensor must be written by exactly one operator before it is read, or
 * be a graph input. */
static int check_order(const rq_tfl_model *m, rq_error *err)
{
    char *ready = calloc((size_t)m->n_tensors + 1, 1);
    if (!ready)
        return rq_fail(err, "model: out of memory");
    int rc = 0;
    for (int i = 0; i < m->n_inputs && !rc; i++) {
        if (m->tensors[m->inputs[i]].data)
            rc = rq_fail(err, "model: graph input %d is a constant tensor", i);
        ready[m->inputs[i]] = 1;
    }
    for (int o = 0; o < m->n_ops && !rc; o++) {
        const rq_tfl_op *op = &m->ops[o];
        for (int i = 0; i < op->n_inputs && !rc; i++) {
            int32_t t = op->inputs[i];
            if (t >= 0 && !m->tensors[t].data && !ready[t])
                rc = rq_fail(err, "operator %d (%s): input tensor %d (%s) is not computed "
                                  "before it", o, rq_tfl_builtin_name(op->code), (int)t,
                             m->tensors[t].name);
        }
        for (int i = 0; i < op->n_outputs && !rc; i++) {
            int32_t t = op->outputs[i];
            if (m->tensors[t].data || ready[t])
                rc = rq_fail(err, "operator %d (%s): output tensor %d (%s) is constant or "
                                  "written twice", o, rq_tfl_builtin_name(op->code), (int)t,
                             m->tensors[t].name);
            ready[t] = 1;
        }
    }
    for (int i = 0; i < m->n_outputs && !rc; i++)
        if (!ready[m->outputs[i]] && !m->tensors[m->outputs[i]].data)
            rc = rq_fail(err, "model: graph output %d is never computed", i);
    free(ready);
    return rc;
}

/* A folded operator's outputs are constants already (fold.c). */
static void run_nothing(const prep_op *p, uint8_t *arena)
{
    (void)p;
    (void)arena;
}

static int prepare_all(const rq_tfl_model *m, rq_tfl_engine *e, rq_tfl_rounding rounding,
                       rq_simd simd, size_t *tmp_need, rq_error *err)
{
    for (int i = 0; i < m->n_ops; i++) {
        prep_ctx c = {m, i, &m->ops[i], err, 0};
        prep_op *p = &e->ops[i];
        e->n_ops = i + 1;
        p->single = rounding == RQ_TFL_ROUND_SINGLE;
        p->simd = simd;
        if (rq_fold_is_folded(e->orig, m, i)) {
            p->run = run_nothing;
            continue;
        }
        prepare_fn prepare = rq_engine_prepare_fn(m->ops[i].code);
        if (!prepare)
            return op_fail(&c, "operator not supported by the int8 engine");
        if (prepare(&c, p))
            return -1;
        if (c.tmp_need > (size_t)RQ_ENG_MAX_TMP_BYTES)
            return op_fail(&c, "needs %zu bytes of scratch", c.tmp_need);
        tmp_need[i] = c.tmp_need;
    }
    return 0;
}

/* The slots are known once the plan is: copy them into every prepared operator. */
static void bind_slots(const rq_tfl_model *m, rq_tfl_engine *e)
{
    for (int i = 0; i < m->n_ops; i++) {
        prep_op *p = &e->ops[i];
        const rq_tfl_op *op = &m->ops[i];
        p->n_ins = op->n_inputs;
        p->n_outs = op->n_outputs;
        for (int k = 0; k < op->n_inputs; k++)
            if (op->inputs[k] >= 0)
                p->ins[k] = e->slots[op->inputs[k]];
        for (int k = 0; k < op->n_outputs; k++)
            p->outs[k] = e->slots[op->outputs[k]];
        p->in = p->ins[0];
        p->out = p->outs[0];
    }
}

int rq_tfl_prepare_opts(const rq_tfl_model *m, const rq_tfl_engine_opts *opts,
                        rq_tfl_engine **out, rq_error *err)
{
    return rq_tfl_prepare_simd(m, opts, rq_simd_level(), out, err);
}

int rq_tfl_prepare_simd(const rq_tfl_model *m, const rq_tfl_engine_opts *opts, rq_simd cap,
                        rq_tfl_engine **out, rq_error *err)
{
    *out = NULL;
    rq_simd best = simd_engine_best(), simd = cap < best ? cap : best;
    if (rq_tfl_validate(m, "model", err) || check_order(m, err))
        return -1;
    if (m->n_ops > MAX_ENGINE_OPS)
        return rq_fail(err, "model: %d operators, the engine runs at most %d", m->n_ops,
                       MAX_ENGINE_OPS);
    rq_tfl_engine *e = calloc(1, sizeof *e);
    size_t *tmp_need = calloc((size_t)m->n_ops + 1, sizeof *tmp_need);
    if (!e || !tmp_need) {
        free(e);
        free(tmp_need);
        return rq_fail(err, "model: out of memory");
    }
    e->orig = m;
    e->simd = simd;
    if (rq_fold_constants(m, opts->rounding == RQ_TFL_ROUND_SINGLE, &e->folded, err)) {
        free(e);
        free(tmp_need);
        return -1;
    }
    e->m = m = e->folded;
    e->slots = calloc((size_t)m->n_tensors + 1, sizeof *e->slots);
    e->bytes = calloc((size_t)m->n_tensors + 1, sizeof *e->bytes);
    e->ops = calloc((size_t)m->n_ops + 1, sizeof *e->ops);
    int rc = !e->slots || !e->bytes || !e->ops ? rq_fail(err, "model: out of memory") : 0;
    for (int t = 0; !rc && t < m->n_tensors; t++) {
        const rq_tfl_tensor *x = &m->tensors[t];
        e->bytes[t] = (size_t)rq_tfl_num_elements(x) * rq_tfl_type_size(x->type);
        e->slots[t].fixed = x->data;
    }
    if (!rc)
        rc = prepare_all(m, e, opts->rounding, e->simd, tmp_need, err);
    size_t *tmp_off = NULL, *off = NULL;
    if (!rc) {
        tmp_off = calloc((size_t)m->n_ops + 1, sizeof *tmp_off);
        off = calloc((size_t)m->n_tensors + 1, sizeof *off);
        rc = !tmp_off || !off ? rq_fail(err, "model: out of memory")
                              : rq_plan_arena(m, e->bytes, tmp_need, opts->keep_intermediates,
                                              off, tmp_off, &e->mem, err);
        for (int t = 0; !rc && t < m->n_tensors; t++)
            e->slots[t].off = off[t];
    }
    if (!rc && e->mem.arena > MAX_ARENA_BYTES)
        rc = rq_fail(err, "model: activations need %zu bytes, more than the engine's limit of "
                          "%zu", e->mem.arena, MAX_ARENA_BYTES);
    if (!rc) {
        bind_slots(m, e);
        for (int i = 0; i < m->n_ops; i++)
            e->ops[i].tmp_off = tmp_off[i];
    }
    free(tmp_off);
    free(off);
    free(tmp_need);
    if (rc) {
        rq_tfl_engine_free(e);
        return -1;
    }
    *out = e;
    return 0;
}

int rq_tfl_prepare(const rq_tfl_model *m, rq_tfl_rounding rounding, rq_tfl_engine **out,
                   rq_error *err)
{
    rq_tfl_engine_opts o = {rounding, 0};
    return rq_tfl_prepare_opts(m, &o, out, err);
}

rq_simd rq_tfl_engine_simd(const rq_tfl_engine *e)
{
    return e->simd;
}

const prep_op *rq_engine_op(const rq_tfl_engine *e, int i)
{
    return &e->ops[i];
}

rq_tfl_memory rq_tfl_engine_memory(const rq_tfl_engine *e)
{
    return e->mem;
}

static size_t arena_alloc_bytes(const rq_tfl_engine *e)
{
    size_t n = e->mem.arena + RQ_ENG_ALIGN;
    return (n + RQ_ENG_ALIGN - 1) & ~(size_t)(RQ_ENG_ALIGN - 1);
}

rq_tfl_scratch *rq_tfl_scratch_new(const rq_tfl_engine *e)
{
    rq_tfl_scratch *s = malloc(sizeof *s);
    if (!s)
        return NULL;
    s->arena = aligned_alloc(RQ_ENG_ALIGN, arena_alloc_bytes(e));
    if (!s->arena) {
        free(s);
        return NULL;
    }
    memset(s->arena, 0, arena_alloc_bytes(e));
    return s;
}

void rq_tfl_scratch_free(rq_tfl_scratch *s)
{
    if (!s)
        return;
    free(s->arena);
    free(s);
}

void *rq_tfl_input(const rq_tfl_engine *e, rq_tfl_scratch *s, int i)
{
    return s->arena + e->slots[e->m->inputs[i]].off;
}

const void *rq_tfl_output(const rq_tfl_engine *e, const rq_tfl_scratch *s, int i)
{
    return rq_tfl_tensor_data(e, s, e->m->outputs[i]);
}

const void *rq_tfl_tensor_data(const rq_tfl_engine *e, const rq_tfl_scratch *s, int tensor)
{
    return cptr(&e->slots[tensor], s->arena);
}

size_t rq_tfl_tensor_bytes(const rq_tfl_engine *e, int tensor)
{
    return e->bytes[tensor];
}

void rq_tfl_invoke(const rq_tfl_engine *e, rq_tfl_scratch *s)
{
    for (int i = 0; i < e->n_ops; i++)
        e->ops[i].run(&e->ops[i], s->arena);
}

void rq_tfl_run(const rq_tfl_engine *e, rq_tfl_scratch *s, const void *input, void *output)
{
    memcpy(rq_tfl_input(e, s, 0), input, e->bytes[e->m->inputs[0]]);
    rq_tfl_invoke(e, s);
    memcpy(output, rq_tfl_output(e, s, 0), e->bytes[e->m->outputs[0]]);
}
