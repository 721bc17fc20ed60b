#include <stdlib.h>

#include "engine/plan.h"

typedef struct buffer {
    size_t size, off;
    int first, last; /* operator indices, inclusive */
    int id;          /* tensor index, or n_tensors + op index for a temporary */
} buffer;

static size_t align_up(size_t n)
{
    return (n + RQ_PLAN_ALIGN - 1) & ~(size_t)(RQ_PLAN_ALIGN - 1);
}

static int by_size_desc(const void *a, const void *b)
{
    const buffer *x = a, *y = b;
    if (x->size != y->size)
        return x->size < y->size ? 1 : -1;
    if (x->first != y->first)
        return x->first < y->first ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int by_offset(const void *a, const void *b)
{
    const buffer *x = *(const buffer *const *)a, *y = *(const buffer *const *)b;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Lifetimes of the activation tensors and temporaries; returns the buffer count. */
static int collect_buffers(const rq_tfl_model *m, const size_t *bytes, const size_t *tmp_need,
                           buffer *b)
{
    int *first = malloc(sizeof *first * ((size_t)m->n_tensors + 1));
    int *last = malloc(sizeof *last * ((size_t)m->n_tensors + 1));
    if (!first || !last) {
        free(first);
        free(last);
        return -1;
    }
    for (int t = 0; t < m->n_tensors; t++)
        first[t] = last[t] = -2; /* never touched */
    for (int i = 0; i < m->n_inputs; i++)
        first[m->inputs[i]] = last[m->inputs[i]] = 0;
    for (int o = 0; o < m->n_ops; o++) {
        const rq_tfl_op *op = &m->ops[o];
        for (int k = 0; k < op->n_outputs; k++)
            if (first[op->outputs[k]] == -2)
                first[op->outputs[k]] = last[op->outputs[k]] = o;
        for (int k = 0; k < op->n_inputs; k++)
            if (op->inputs[k] >= 0 && first[op->inputs[k]] != -2)
                last[op->inputs[k]] = o;
    }
    for (int i = 0; i < m->n_outputs; i++)
        if (first[m->outputs[i]] != -2)
            last[m->outputs[i]] = m->n_ops;
    int n = 0;
    for (int t = 0; t < m->n_tensors; t++)
        if (!m->tensors[t].data && first[t] != -2)
            b[n++] = (buffer){align_up(bytes[t]), 0, first[t], last[t], t};
    for (int o = 0; o < m->n_ops; o++)
        if (tmp_need[o])
            b[n++] = (buffer){align_up(tmp_need[o]), 0, o, o, m->n_tensors + o};
    free(first);
    free(last);
    return n;
}

/* The lowest offset where b fits between the placed buffers alive with it. */
static size_t lowest_fit(const buffer *b, buffer *placed, int n_placed, buffer **live)
{
    int n = 0;
    for (int i = 0; i < n_placed; i++)
        if (placed[i].size && placed[i].first <= b->last && b->first <= placed[i].last)
            live[n++] = &placed[i];
    qsort(live, (size_t)n, sizeof *live, by_offset);
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        if (off + b->size <= live[i]->off)
            break;
        if (live[i]->off + live[i]->size > off)
            off = live[i]->off + live[i]->size;
    }
    return off;
}

static void place_greedy(buffer *b, int n, buffer **live)
{
    qsort(b, (size_t)n, sizeof *b, by_size_desc);
    for (int i = 0; i < n; i++)
        b[i].off = b[i].size ? lowest_fit(&b[i], b, i, live) : 0;
}

static void place_apart(buffer *b, int n, int n_tensors)
{
    size_t off = 0, tmp = 0;
    for (int i = 0; i < n; i++)
        if (b[i].id < n_tensors) {
            b[i].off = off;
            off += b[i].size;
        } else if (b[i].size > tmp) {
            tmp = b[i].size;
        }
    for (int i = 0; i < n; i++)
        if (b[i].id >= n_tensors)
            b[i].off = off;
}

int rq_plan_arena(const rq_tfl_model *m, const size_t *bytes, const size_t *tmp_need,
                  int keep_all, size_t *off, size_t *tmp_off, rq_tfl_memory *mem, rq_error *err)
{
    size_t cap = (size_t)m->n_tensors + (size_t)m->n_ops + 1;
    buffer *b = malloc(sizeof *b * cap);
    buffer **live = malloc(sizeof *live * cap);
    int n = b && live ? collect_buffers(m, bytes, tmp_need, b) : -1;
    if (n < 0) {
        free(b);
        free(live);
        return rq_fail(err, "model: out of memory");
    }
    *mem = (rq_tfl_memory){0, 0, 0};
    size_t tmp_max = 0;
    for (int i = 0; i < n; i++) {
        if (b[i].id < m->n_tensors)
            mem->naive += b[i].size;
        else if (b[i].size > tmp_max)
            tmp_max = b[i].size;
    }
    mem->naive += tmp_max;
    if (keep_all)
        place_apart(b, n, m->n_tensors);
    else
        place_greedy(b, n, live);
    for (int i = 0; i < n; i++) {
        size_t end = b[i].off + b[i].size;
        if (end > mem->arena)
            mem->arena = end;
        if (b[i].id < m->n_tensors) {
            off[b[i].id] = b[i].off;
            if (end > mem->activations)
                mem->activations = end;
        } else {
            tmp_off[b[i].id - m->n_tensors] = b[i].off;
        }
    }
    free(b);
    free(live);
    return 0;
}
