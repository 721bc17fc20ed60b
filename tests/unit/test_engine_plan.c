/* The arena planner: a hand-computed chain, the no-overlap property of buffers alive at
 * the same time (lifetimes recomputed here from the graph), and identical outputs whether
 * tensors share bytes or not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "harness.h"
#include "tflite/tfl_testmodels.h"

/* in -> r1 -> r2 -> r3 -> out, each 1024 bytes: at most two are alive at once. */
static void chain_of_copies_needs_two_buffers(void)
{
    rq_tfl_model m;
    rq_error err = {{0}};
    rq_tfl_model_init(&m);
    int32_t shape[4] = {1, 8, 8, 16};
    int t[5];
    const char *names[5] = {"in", "r1", "r2", "r3", "out"};
    for (int i = 0; i < 5; i++)
        CHECK((t[i] = rq_tfl_add_tensor(&m, names[i], RQ_TFL_INT8, 4, shape, &err)) >= 0);
    for (int i = 0; i < 4; i++)
        CHECK(rq_tfl_add_op(&m, RQ_TFL_OP_RESHAPE, 1, &t[i], 1, &t[i + 1], NULL, &err) >= 0);
    CHECK(rq_tfl_set_graph_io(&m, 1, &t[0], 1, &t[4], &err) == 0);
    rq_tfl_engine *e;
    CHECK_MSG(rq_tfl_prepare(&m, RQ_TFL_ROUND_DOUBLE, &e, &err) == 0, "%.300s", err.msg);
    rq_tfl_memory mem = rq_tfl_engine_memory(e);
    CHECK_MSG(mem.arena == 2048 && mem.naive == 5 * 1024, "arena %zu naive %zu", mem.arena,
              mem.naive);
    rq_tfl_scratch *s = rq_tfl_scratch_new(e);
    int8_t *in = rq_tfl_input(e, s, 0);
    for (int i = 0; i < 1024; i++)
        in[i] = (int8_t)(i * 7);
    rq_tfl_invoke(e, s);
    const int8_t *out = rq_tfl_output(e, s, 0);
    for (int i = 0; i < 1024; i++)
        CHECK(out[i] == (int8_t)(i * 7));
    rq_tfl_scratch_free(s);
    rq_tfl_engine_free(e);
    rq_tfl_model_free(&m);
}

/* Lifetimes as the planner should see them: [writer, last reader], inputs from 0, outputs
 * to the end. Two tensors alive together must not share a byte. */
static int check_no_overlap(const rq_tfl_model *m, const rq_tfl_engine *e, rq_tfl_scratch *s)
{
    int n = m->n_tensors;
    int *first = malloc(sizeof(int) * (size_t)n), *last = malloc(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++)
        first[i] = last[i] = -1;
    for (int i = 0; i < m->n_inputs; i++)
        first[m->inputs[i]] = last[m->inputs[i]] = 0;
    for (int o = 0; o < m->n_ops; o++) {
        for (int k = 0; k < m->ops[o].n_outputs; k++)
            first[m->ops[o].outputs[k]] = last[m->ops[o].outputs[k]] = o;
        for (int k = 0; k < m->ops[o].n_inputs; k++)
            if (m->ops[o].inputs[k] >= 0)
                last[m->ops[o].inputs[k]] = o;
    }
    for (int i = 0; i < m->n_outputs; i++)
        last[m->outputs[i]] = m->n_ops;
    int bad = 0;
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++) {
            if (m->tensors[a].data || m->tensors[b].data || first[a] < 0 || first[b] < 0)
                continue;
            if (first[a] > last[b] || first[b] > last[a])
                continue;
            const uint8_t *pa = rq_tfl_tensor_data(e, s, a), *pb = rq_tfl_tensor_data(e, s, b);
            size_t na = rq_tfl_tensor_bytes(e, a), nb = rq_tfl_tensor_bytes(e, b);
            if (na && nb && pa < pb + nb && pb < pa + na)
                bad++;
        }
    free(first);
    free(last);
    return bad;
}

/* Runs model m planned and with every tensor apart on the same inputs. */
static void planned_equals_apart(const char *what, rq_tfl_model *m)
{
    rq_error err = {{0}};
    rq_tfl_engine *ep, *ea;
    rq_tfl_engine_opts apart = {RQ_TFL_ROUND_DOUBLE, 1};
    CHECK_MSG(rq_tfl_prepare(m, RQ_TFL_ROUND_DOUBLE, &ep, &err) == 0, "%s: %.300s", what, err.msg);
    CHECK(rq_tfl_prepare_opts(m, &apart, &ea, &err) == 0);
    rq_tfl_memory mp = rq_tfl_engine_memory(ep), ma = rq_tfl_engine_memory(ea);
    CHECK_MSG(mp.arena <= mp.naive && ma.naive == mp.naive, "%s: arena %zu naive %zu/%zu", what,
              mp.arena, mp.naive, ma.naive);
    rq_tfl_scratch *sp = rq_tfl_scratch_new(ep), *sa = rq_tfl_scratch_new(ea);
    CHECK_MSG(check_no_overlap(m, ep, sp) == 0, "%s: live tensors share bytes", what);
    uint64_t x = 12345;
    for (int rep = 0; rep < 3; rep++) {
        for (int i = 0; i < m->n_inputs; i++) {
            size_t nb = rq_tfl_tensor_bytes(ep, m->inputs[i]);
            uint8_t *a = rq_tfl_input(ep, sp, i), *b = rq_tfl_input(ea, sa, i);
            int is_float = m->tensors[m->inputs[i]].type == RQ_TFL_FLOAT32;
            for (size_t k = 0; k < nb; k++) {
                x = x * 6364136223846793005ull + 1442695040888963407ull;
                a[k] = b[k] = is_float && k % 4 == 3 ? 0x3f : (uint8_t)(x >> 56);
            }
        }
        rq_tfl_invoke(ep, sp);
        rq_tfl_invoke(ea, sa);
        for (int i = 0; i < m->n_outputs; i++)
            CHECK_MSG(!memcmp(rq_tfl_output(ep, sp, i), rq_tfl_output(ea, sa, i),
                              rq_tfl_tensor_bytes(ep, m->outputs[i])), "%s: output %d differs",
                      what, i);
    }
    rq_tfl_scratch_free(sp);
    rq_tfl_scratch_free(sa);
    rq_tfl_engine_free(ep);
    rq_tfl_engine_free(ea);
}

static void every_test_model_plans_safely(void)
{
    rq_error err = {{0}};
    rq_tfl_model m;
    CHECK(rq_tfl_build_spatial_cnn(&m, 3, &err) == 0);
    planned_equals_apart("spatial_cnn", &m);
    rq_tfl_model_free(&m);
    if (rq_t_failed_case)
        return;
    CHECK(rq_tfl_build_two_branch_model(&m, 9, &err) == 0);
    planned_equals_apart("two_branch", &m);
    rq_tfl_model_free(&m);
    for (int i = 0; rq_tfl_op_model_names[i]; i++) {
        CHECK_MSG(rq_tfl_build_op_model(&m, rq_tfl_op_model_names[i], 5, &err) == 0, "%s: %.200s",
                  rq_tfl_op_model_names[i], err.msg);
        planned_equals_apart(rq_tfl_op_model_names[i], &m);
        rq_tfl_model_free(&m);
        if (rq_t_failed_case)
            return;
    }
}

int main(void)
{
    RUN(chain_of_copies_needs_two_buffers);
    RUN(every_test_model_plans_safely);
    TEST_EXIT();
}
