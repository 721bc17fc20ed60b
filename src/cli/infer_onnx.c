/* rppgq infer MODEL.onnx IN.bin OUT.bin: the float executor on raw float32 samples. */
#include "cli/infer_onnx.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"
#include "ir/ir_exec.h"
#include "passes/passes.h"

#define MAX_INPUT_FILE ((size_t)1 << 31)

static int64_t io_floats(const rq_ir_graph *g, const int *io, int n)
{
    int64_t sum = 0;
    for (int i = 0; i < n; i++)
        sum += rq_ir_numel(&g->tensors[io[i]]);
    return sum;
}

/* Copies one tensor between the caller's NCHW floats and the executor's layout. */
static void copy_in(const rq_ir_graph *g, int t, const float *src, float *dst)
{
    const rq_ir_tensor *x = &g->tensors[t];
    if (g->layout == RQ_IR_NHWC && x->rank == 4)
        rq_nchw_to_nhwc(src, dst, x->shape[3], x->shape[1], x->shape[2]);
    else
        memcpy(dst, src, (size_t)rq_ir_numel(x) * sizeof(float));
}

static void copy_out(const rq_ir_graph *g, int t, const float *src, float *dst)
{
    const rq_ir_tensor *x = &g->tensors[t];
    if (g->layout == RQ_IR_NHWC && x->rank == 4)
        rq_nhwc_to_nchw(src, dst, x->shape[3], x->shape[1], x->shape[2]);
    else
        memcpy(dst, src, (size_t)rq_ir_numel(x) * sizeof(float));
}

static int check_float_io(const rq_ir_graph *g, rq_error *err)
{
    for (int i = 0; i < g->n_inputs; i++)
        if (g->tensors[g->inputs[i]].dtype != RQ_IR_F32)
            return rq_fail(err, "%s: input '%s' is not float32", g->source,
                           g->tensors[g->inputs[i]].name);
    for (int i = 0; i < g->n_outputs; i++)
        if (g->tensors[g->outputs[i]].dtype != RQ_IR_F32)
            return rq_fail(err, "%s: output '%s' is not float32", g->source,
                           g->tensors[g->outputs[i]].name);
    return 0;
}

int rq_infer_onnx(const char *model, const char *in_path, const char *out_path, int nhwc,
                  rq_error *err)
{
    rq_ir_graph g;
    rq_ir_exec *e = NULL;
    unsigned char *in = NULL;
    float *out = NULL;
    size_t in_len = 0;
    int rc = -1;
    if (rq_load_onnx_graph(model, nhwc ? RQ_IR_NHWC : RQ_IR_NCHW, &g, err) < 0 ||
        check_float_io(&g, err) < 0 || rq_ir_exec_new(&g, &e, err) < 0)
        goto done;
    int64_t n_in = io_floats(&g, g.inputs, g.n_inputs), n_out = io_floats(&g, g.outputs, g.n_outputs);
    if (rq_read_file(in_path, MAX_INPUT_FILE, &in, &in_len, err) < 0)
        goto done;
    size_t in_bytes = (size_t)n_in * sizeof(float);
    if (in_bytes == 0 || in_len == 0 || in_len % in_bytes) {
        rq_fail(err, "%s: %zu bytes is not a positive multiple of the input size %zu", in_path,
                in_len, in_bytes);
        goto done;
    }
    size_t n = in_len / in_bytes;
    if (!(out = malloc(n * (size_t)n_out * sizeof(float) + 1))) {
        rq_fail(err, "%s: out of memory", out_path);
        goto done;
    }
    for (size_t s = 0; s < n; s++) {
        const float *src = (const float *)(void *)in + s * (size_t)n_in;
        for (size_t k = 0; k < (size_t)n_in; k++)
            if (!isfinite(src[k])) {
                rq_fail(err, "%s: sample %zu holds NaN or Inf", in_path, s);
                goto done;
            }
        for (int i = 0; i < g.n_inputs; i++) {
            copy_in(&g, g.inputs[i], src, rq_ir_exec_input(e, i));
            src += rq_ir_numel(&g.tensors[g.inputs[i]]);
        }
        if (rq_ir_exec_run(e, err) < 0)
            goto done;
        float *dst = out + s * (size_t)n_out;
        for (int i = 0; i < g.n_outputs; i++) {
            copy_out(&g, g.outputs[i], rq_ir_exec_tensor(e, g.outputs[i]), dst);
            dst += rq_ir_numel(&g.tensors[g.outputs[i]]);
        }
    }
    rc = rq_write_file_atomic(out_path, out, n * (size_t)n_out * sizeof(float), err);
done:
    free(in), free(out);
    rq_ir_exec_free(e);
    rq_ir_free(&g);
    return rc;
}
