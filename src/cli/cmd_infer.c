/* rppgq infer MODEL.tflite IN.bin OUT.bin: runs the int8 engine on raw input bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "common/atomic_file.h"
#include "engine/engine.h"

static const char usage[] =
    "Usage: rppgq infer MODEL.tflite IN.bin OUT.bin [--rounding double|single]\n\n"
    "Runs MODEL with the int8 engine (TFLite Micro reference arithmetic). IN.bin holds the\n"
    "raw bytes of the input tensor (int8 NHWC for an int8 input), N inputs back to back;\n"
    "OUT.bin receives the N outputs' raw bytes back to back.\n\n"
    "  --rounding double   TFLite Micro's default requantization (two roundings)\n"
    "  --rounding single   TFLITE_SINGLE_ROUNDING, as XNNPACK-based runtimes (LiteRT)\n";

#define MAX_INPUT_FILE ((size_t)1 << 31)

static int run_all(const char *model_path, const char *in_path, const char *out_path,
                   rq_tfl_rounding rounding, rq_error *err)
{
    rq_tfl_model m;
    rq_tfl_engine *e = NULL;
    rq_tfl_scratch *s = NULL;
    unsigned char *in = NULL, *out = NULL;
    size_t in_len = 0;
    int rc = -1;
    if (rq_tfl_read(model_path, &m, err))
        goto done;
    if (m.n_inputs != 1 || m.n_outputs != 1) {
        rq_fail(err, "%s: infer needs one graph input and one output (has %d and %d)",
                model_path, m.n_inputs, m.n_outputs);
        goto done;
    }
    if (rq_tfl_prepare(&m, rounding, &e, err)) {
        rq_fail_prefix(err, "%s: ", model_path);
        goto done;
    }
    if (!(s = rq_tfl_scratch_new(e))) {
        rq_fail(err, "%s: out of memory", model_path);
        goto done;
    }
    size_t in_bytes = rq_tfl_tensor_bytes(e, m.inputs[0]);
    size_t out_bytes = rq_tfl_tensor_bytes(e, m.outputs[0]);
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
        rq_tfl_run(e, s, in + i * in_bytes, out + i * out_bytes);
    rc = rq_write_file_atomic(out_path, out, n * out_bytes, err);
done:
    free(in);
    free(out);
    rq_tfl_scratch_free(s);
    rq_tfl_engine_free(e);
    rq_tfl_model_free(&m);
    return rc;
}

int cmd_infer(int argc, char **argv)
{
    if (rq_cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return RQ_EXIT_OK;
    }
    const char *pos[3];
    int n_pos = 0;
    rq_tfl_rounding rounding = RQ_TFL_ROUND_DOUBLE;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rounding")) {
            if (i + 1 >= argc)
                return rq_cli_usage_error("infer", "--rounding needs a value");
            const char *v = argv[++i];
            if (!strcmp(v, "double"))
                rounding = RQ_TFL_ROUND_DOUBLE;
            else if (!strcmp(v, "single"))
                rounding = RQ_TFL_ROUND_SINGLE;
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
    if (run_all(pos[0], pos[1], pos[2], rounding, &err))
        return rq_cli_fail(&err);
    return RQ_EXIT_OK;
}
