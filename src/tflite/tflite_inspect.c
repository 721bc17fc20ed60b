/* `rppgq inspect MODEL.tflite`: what the file holds and what running it costs. */
#include "tflite/tflite_inspect.h"

#include <inttypes.h>

#include "engine/engine.h"
#include "tflite/tfl_model.h"
#include "tflite/tfl_stats.h"

static void print_shape(FILE *out, const rq_tfl_tensor *t)
{
    fputc('[', out);
    for (int i = 0; i < t->rank; i++)
        fprintf(out, "%s%d", i ? "," : "", (int)t->shape[i]);
    fputc(']', out);
}

static void print_quant(FILE *out, const rq_tfl_quant *q)
{
    if (q->n == 0) {
        fprintf(out, "-");
    } else if (q->n == 1) {
        fprintf(out, "scale %.9g zp %" PRId64, q->scale[0], q->zero_point[0]);
    } else {
        float lo = q->scale[0], hi = q->scale[0];
        for (int i = 1; i < q->n; i++) {
            lo = q->scale[i] < lo ? q->scale[i] : lo;
            hi = q->scale[i] > hi ? q->scale[i] : hi;
        }
        fprintf(out, "per-channel dim %d: %d scales %.6g..%.6g zp %" PRId64 "..",
                q->quantized_dimension, q->n, lo, hi, q->zero_point[0]);
        fprintf(out, "%" PRId64, q->zero_point[q->n - 1]);
    }
}

static const char *padding_name(int p)
{
    return p == RQ_TFL_PAD_SAME ? "SAME" : p == RQ_TFL_PAD_VALID ? "VALID" : "?";
}

static const char *act_name(int a)
{
    switch (a) {
    case RQ_TFL_ACT_NONE: return "";
    case RQ_TFL_ACT_RELU: return " RELU";
    case RQ_TFL_ACT_RELU_N1_TO_1: return " RELU_N1_TO_1";
    case RQ_TFL_ACT_RELU6: return " RELU6";
    default: return " ACT?";
    }
}

static void print_options(FILE *out, const rq_tfl_op *op)
{
    const rq_tfl_options *o = &op->opt;
    switch ((int)op->code) {
    case RQ_TFL_OP_CONV_2D:
    case RQ_TFL_OP_DEPTHWISE_CONV_2D:
        fprintf(out, " %s stride %dx%d dilation %dx%d", padding_name(o->padding), o->stride_h,
                o->stride_w, o->dilation_h, o->dilation_w);
        if (op->code == RQ_TFL_OP_DEPTHWISE_CONV_2D)
            fprintf(out, " multiplier %d", o->depth_multiplier);
        fputs(act_name(o->activation), out);
        break;
    case RQ_TFL_OP_MAX_POOL_2D:
    case RQ_TFL_OP_AVERAGE_POOL_2D:
        fprintf(out, " %s filter %dx%d stride %dx%d%s", padding_name(o->padding), o->filter_h,
                o->filter_w, o->stride_h, o->stride_w, act_name(o->activation));
        break;
    case RQ_TFL_OP_FULLY_CONNECTED:
        fprintf(out, "%s%s", act_name(o->activation), o->keep_dims ? " keep_num_dims" : "");
        break;
    case RQ_TFL_OP_MEAN:
        fprintf(out, " keep_dims %d", o->keep_dims);
        break;
    case RQ_TFL_OP_RESHAPE:
        if (o->n_new_shape) {
            fputs(" new_shape [", out);
            for (int i = 0; i < o->n_new_shape; i++)
                fprintf(out, "%s%d", i ? "," : "", (int)o->new_shape[i]);
            fputc(']', out);
        }
        break;
    default:
        break;
    }
}

static void print_index_list(FILE *out, const int32_t *v, int n)
{
    fputc('[', out);
    for (int i = 0; i < n; i++)
        fprintf(out, "%s%d", i ? "," : "", (int)v[i]);
    fputc(']', out);
}

static void print_op_name(FILE *out, const rq_tfl_op *op)
{
    if (op->code == RQ_TFL_OP_CUSTOM)
        fprintf(out, "CUSTOM(%s)", op->custom_code[0] ? op->custom_code : "?");
    else
        fputs(rq_tfl_builtin_name(op->code), out);
}

/* What the engine says of the whole graph: its planned arena, or why it cannot run it. */
static void print_engine_verdict(FILE *out, const rq_tfl_model *m, int n_unsupported)
{
    if (n_unsupported) {
        fprintf(out, "engine: cannot run this model: %d operator(s) marked [not supported] "
                     "above\n", n_unsupported);
        return;
    }
    rq_error e2 = {{0}};
    rq_tfl_engine *e;
    /* the portable kernels' arena: what the MCU path needs (the host SIMD kernels' input
     * copies differ by CPU) */
    rq_tfl_engine_opts o = {RQ_TFL_ROUND_DOUBLE, 0};
    if (rq_tfl_prepare_simd(m, &o, RQ_SIMD_OFF, &e, &e2)) {
        fprintf(out, "engine: cannot run this model: %s\n", e2.msg);
        return;
    }
    rq_tfl_memory mem = rq_tfl_engine_memory(e);
    fprintf(out, "activation arena (tensors planned by lifetime, greedy by size): %zu bytes, "
                 "operator scratch of the portable kernels included; one buffer per tensor would take %zu "
                 "bytes\n",
            mem.arena, mem.naive);
    rq_tfl_engine_free(e);
}

int rq_inspect_tflite(const char *path, FILE *out, rq_error *err)
{
    rq_tfl_model m;
    if (rq_tfl_read(path, &m, err)) {
        rq_tfl_model_free(&m);
        return -1;
    }
    fprintf(out, "%s: TFLite schema 3, subgraph \"%s\", description \"%s\"\n", path,
            m.subgraph_name ? m.subgraph_name : "", m.description ? m.description : "");
    fputs("inputs ", out);
    print_index_list(out, m.inputs, m.n_inputs);
    fputs(" outputs ", out);
    print_index_list(out, m.outputs, m.n_outputs);
    fprintf(out, "\n\ntensors (%d):\n", m.n_tensors);
    for (int i = 0; i < m.n_tensors; i++) {
        const rq_tfl_tensor *t = &m.tensors[i];
        fprintf(out, "  %3d %-40s %-7s ", i, t->name, rq_tfl_type_name(t->type));
        print_shape(out, t);
        fputc(' ', out);
        print_quant(out, &t->q);
        if (t->data)
            fprintf(out, " const %zu bytes", t->data_len);
        fputc('\n', out);
    }
    fprintf(out, "\noperators (%d):\n", m.n_ops);
    int n_unsupported = 0;
    for (int i = 0; i < m.n_ops; i++) {
        const rq_tfl_op *op = &m.ops[i];
        fprintf(out, "  %3d ", i);
        print_op_name(out, op);
        fprintf(out, " v%d in ", op->version);
        print_index_list(out, op->inputs, op->n_inputs);
        fputs(" out ", out);
        print_index_list(out, op->outputs, op->n_outputs);
        print_options(out, op);
        fprintf(out, " MACs %" PRId64 "%s\n", rq_tfl_op_macs(&m, op),
                rq_tfl_engine_supports(op->code) ? "" : " [not supported by the engine]");
        n_unsupported += !rq_tfl_engine_supports(op->code);
    }
    rq_tfl_stats s;
    rq_tfl_compute_stats(&m, &s);
    fprintf(out, "\nMACs: %" PRId64 "\n", s.macs);
    fprintf(out, "weight bytes: %" PRId64 " (weights and biases), other constants: %" PRId64
                 " bytes\n", s.weight_bytes, s.other_const_bytes);
    print_engine_verdict(out, &m, n_unsupported);
    rq_tfl_model_free(&m);
    return 0;
}
