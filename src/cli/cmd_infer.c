/* rppgq infer MODEL.tflite IN.bin OUT.bin: runs the int8 engine on raw input bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/infer_onnx.h"
#include "common/atomic_file.h"
#include "engine/engine.h"

static const char usage[] =
    "Usage: rppgq infer MODEL.tflite IN.bin OUT.bin [--rounding double|single]\n"
    "                   [--input-index I] [--output-index O]\n\n"
    "Runs MODEL with the int8 engine (TFLite Micro reference arithmetic). IN.bin holds the\n"
    "raw bytes of every graph input concatenated in the graph's input order (int8 NHWC for\n"
    "an int8 input), N such samples back to back; OUT.bin receives every graph output's\n"
    "raw bytes concatenated in output order, N samples back to back (the convention of\n"
    "TFLite Micro's tflm_run).\n\n"
    "  --rounding double   TFLite Micro's default requantization (two roundings)\n"
    "  --rounding single   TFLITE_SINGLE_ROUNDING, as XNNPACK-based runtimes (LiteRT)\n"
    "  --input-index I     IN.bin holds input I only; the other inputs are set to their\n"
    "                      zero point (real value 0)\n"
    "  --output-index O    OUT.bin receives output O only\n"
    "  --bench N           then runs N more inferences on one thread (cycling through the\n"
    "                      samples) and prints inferences_per_s=<x> on stderr, as\n"
    "                      TFLite Micro's tflm_bench does (load and planning not timed)\n\n"
    "Usage: rppgq infer MODEL.onnx IN.bin OUT.bin [--nhwc]\n\n"
    "Runs an ONNX model with the float executor: IN.bin holds N samples of float32 inputs\n"
    "(NCHW, as PyTorch), OUT.bin receives the float32 outputs. --nhwc runs the graph after\n"
    "the NCHW -> NHWC conversion the int8 path uses (files stay NCHW).\n";

#define MAX_INPUT_FILE ((size_t)1 << 31)

typedef struct infer_opts {
    rq_tfl_rounding rounding;
    int input_index, output_index; /* -1: all */
    long bench;                    /* 0: no benchmark */
} infer_opts;

/* Bytes of the selected graph inputs (or outputs) of one sample. */
static size_t io_bytes(const rq_tfl_engine *e, const int32_t *io, int n, int only)
{
    size_t sum = 0;
    for (int i = 0; i < n; i++)
        if (only < 0 || only == i)
            sum += rq_tfl_tensor_bytes(e, io[i]);
    return sum;
}

static void fill_zero_points(const rq_tfl_model *m, const rq_tfl_engine *e, rq_tfl_scratch *s)
{
    for (int i = 0; i < m->n_inputs; i++) {
        const rq_tfl_tensor *t = &m->tensors[m->inputs[i]];
        int zp = t->q.n == 1 && rq_tfl_type_size(t->type) == 1 ? (int)t->q.zero_point[0] : 0;
        memset(rq_tfl_input(e, s, i), zp, rq_tfl_tensor_bytes(e, m->inputs[i]));
    }
}

static void run_sample(const rq_tfl_model *m, const rq_tfl_engine *e, rq_tfl_scratch *s,
                       const infer_opts *o, const unsigned char *in, unsigned char *out)
{
    if (o->input_index >= 0)
        fill_zero_points(m, e, s);
    for (int i = 0; i < m->n_inputs; i++)
        if (o->input_index < 0 || o->input_index == i) {
            size_t n = rq_tfl_tensor_bytes(e, m->inputs[i]);
            memcpy(rq_tfl_input(e, s, i), in, n);
            in += n;
        }
    rq_tfl_invoke(e, s);
    for (int i = 0; i < m->n_outputs; i++)
        if (o->output_index < 0 || o->output_index == i) {
            size_t n = rq_tfl_tensor_bytes(e, m->outputs[i]);
            memcpy(out, rq_tfl_output(e, s, i), n);
            out += n;
        }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* n more inferences over the samples; the rate goes to stderr. */
static void bench_samples(const rq_tfl_model *m, const rq_tfl_engine *e, rq_tfl_scratch *s,
                          const infer_opts *o, const unsigned char *in, size_t in_bytes,
                          size_t n_samples, unsigned char *scratch_out)
{
    double t0 = now_s();
    for (long i = 0; i < o->bench; i++)
        run_sample(m, e, s, o, in + (size_t)i % n_samples * in_bytes, scratch_out);
    double dt = now_s() - t0;
    fprintf(stderr, "inferences_per_s=%.1f\n", dt > 0 ? (double)o->bench / dt : 0.0);
}

static int check_indices(const rq_tfl_model *m, const infer_opts *o, const char *path,
                         rq_error *err)
{
    if (o->input_index >= m->n_inputs)
        return rq_fail(err, "%s: --input-index %d, the model has %d input(s)", path,
                       o->input_index, m->n_inputs);
    if (o->output_index >= m->n_outputs)
        return rq_fail(err, "%s: --output-index %d, the model has %d output(s)", path,
                       o->output_index, m->n_outputs);
    return 0;
}

static int run_all(const char *model_path, const char *in_path, const char *out_path,
                   const infer_opts *o, rq_error *err)
{
    rq_tfl_model m;
    rq_tfl_engine *e = NULL;
    rq_tfl_scratch *s = NULL;
    unsigned char *in = NULL, *out = NULL;
    size_t in_len = 0;
    int rc = -1;
    if (rq_tfl_read(model_path, &m, err) || check_indices(&m, o, model_path, err))
        goto done;
    if (rq_tfl_prepare(&m, o->rounding, &e, err)) {
        rq_fail_prefix(err, "%s: ", model_path);
        goto done;
    }
    if (!(s = rq_tfl_scratch_new(e))) {
        rq_fail(err, "%s: out of memory", model_path);
        goto done;
    }
    size_t in_bytes = io_bytes(e, m.inputs, m.n_inputs, o->input_index);
    size_t out_bytes = io_bytes(e, m.outputs, m.n_outputs, o->output_index);
    if (rq_read_file(in_path, MAX_INPUT_FILE, &in, &in_len, err))
        goto done;
    if (in_bytes == 0 || in_len == 0 || in_len % in_bytes) {
        rq_fail(err, "%s: %zu bytes is not a positive multiple of the input size %zu", in_path,
                in_len, in_bytes);
        goto done;
    }
    size_t n = in_len / in_bytes;
    out = malloc(n * out_bytes + 1);
    if (!out) {
        rq_fail(err, "%s: out of memory", out_path);
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        run_sample(&m, e, s, o, in + i * in_bytes, out + i * out_bytes);
    rc = rq_write_file_atomic(out_path, out, n * out_bytes, err);
    if (!rc && o->bench > 0)
        bench_samples(&m, e, s, o, in, in_bytes, n, out); /* after the write: out is scratch */
done:
    free(in);
    free(out);
    rq_tfl_scratch_free(s);
    rq_tfl_engine_free(e);
    rq_tfl_model_free(&m);
    return rc;
}

/* A non-negative integer option (an index or a count); -1 with the usage error printed. */
static int parse_count(const char *opt, const char *v)
{
    char *end;
    long x = strtol(v, &end, 10);
    if (!*v || *end || x < 0 || x > 1000000) {
        rq_cli_usage_error("infer", "%s needs a non-negative integer, not '%s'", opt, v);
        return -1;
    }
    return (int)x;
}

int cmd_infer(int argc, char **argv)
{
    if (rq_cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return RQ_EXIT_OK;
    }
    const char *pos[3];
    int n_pos = 0;
    infer_opts o = {RQ_TFL_ROUND_DOUBLE, -1, -1, 0};
    int nhwc = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--nhwc")) {
            nhwc = 1;
            continue;
        }
        if (!strcmp(argv[i], "--bench")) {
            if (i + 1 >= argc)
                return rq_cli_usage_error("infer", "--bench needs a count");
            int v = parse_count("--bench", argv[++i]);
            if (v < 1)
                return v < 0 ? RQ_EXIT_USAGE : rq_cli_usage_error("infer", "--bench needs a count of 1 or more");
            o.bench = v;
            continue;
        }
        if (!strcmp(argv[i], "--input-index") || !strcmp(argv[i], "--output-index")) {
            if (i + 1 >= argc)
                return rq_cli_usage_error("infer", "%s needs a value", argv[i]);
            int v = parse_count(argv[i], argv[i + 1]);
            if (v < 0)
                return RQ_EXIT_USAGE;
            *(!strcmp(argv[i], "--input-index") ? &o.input_index : &o.output_index) = v;
            i++;
        } else if (!strcmp(argv[i], "--rounding")) {
            if (i + 1 >= argc)
                return rq_cli_usage_error("infer", "--rounding needs a value");
            const char *v = argv[++i];
            if (!strcmp(v, "double"))
                o.rounding = RQ_TFL_ROUND_DOUBLE;
            else if (!strcmp(v, "single"))
                o.rounding = RQ_TFL_ROUND_SINGLE;
            else
                return rq_cli_usage_error("infer", "--rounding must be double or single, not '%s'", v);
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return rq_cli_usage_error("infer", "unknown option '%s'", argv[i]);
        } else if (n_pos < 3) {
            pos[n_pos++] = argv[i];
        } else {
            return rq_cli_usage_error("infer", "too many arguments");
        }
    }
    if (n_pos != 3)
        return rq_cli_usage_error("infer", "expected MODEL.tflite IN.bin OUT.bin");
    rq_error err = {{0}};
    size_t len = strlen(pos[0]);
    if (len > 5 && !strcmp(pos[0] + len - 5, ".onnx"))
        return rq_infer_onnx(pos[0], pos[1], pos[2], nhwc, &err) ? rq_cli_fail(&err) : RQ_EXIT_OK;
    if (run_all(pos[0], pos[1], pos[2], &o, &err))
        return rq_cli_fail(&err);
    return RQ_EXIT_OK;
}
