/* rppgq quantize: the Spatial CNN to a fully INT8 .tflite (post-training quantization). */
#include <stdio.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "quant/onnx_quantize.h"
#include "quant/spatial_quantize.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: rppgq quantize --spatial CKPT.pth|--onnx MODEL.onnx --data DATA.pt --out MODEL.tflite\n"
            "                      [--calib-windows N] [--calib-method minmax|percentile|mse]\n"
            "                      [--seed S] [--bias-correction] [--fps F] [--frame-stride K]\n\n"
            "Post-training quantization of an rPPG Spatial CNN to a fully INT8 TFLite model\n"
            "(the checkpoint, or its ONNX export: the same model gives the same file):\n"
            "per-channel int8 weights, int32 biases, per-tensor int8 activations, input int8\n"
            "with the range of the checkpoint's input contract (raw [0,1]: scale 1/255).\n"
            "Calibration: N windows (default %d) drawn with seed S (default %d) evenly over the\n"
            "heart-rate bins [40,60) [60,80) [80,100) [100,120) [120,160) BPM; when the dataset\n"
            "names subjects, only from a seeded quarter of them (validate holds out the rest).\n"
            "Every window gives frames x ROIs patches. Observers: minmax (default, as the TFLite\n"
            "converter), percentile (99.99th), mse (least expected int8 error).\n"
            "--bias-correction subtracts from each conv bias the mean error its rounded weights\n"
            "add (weights x the calibration mean of each input channel).\n"
            RQ_CLI_TIMING_HELP
            "\nUsage: rppgq quantize --onnx MODEL.onnx --calib INPUTS --out MODEL.tflite\n"
            "                      [--calib-method M] [--calib-samples N] [--seed S]\n"
            "                      [--io float] [--json REPORT.json]\n\n"
            "Any CNN exported by torch.onnx.export (opsets 11-17, batch 1) to a fully int8\n"
            "TFLite model as the TFLite converter quantizes: INPUTS is a .npy or a torch.save file\n"
            "holding one float32 tensor (or a dict with key 'inputs') of shape (N, C, H, W), the\n"
            "model's own layout; N samples at most (default %d) are drawn with seed S. Prints the\n"
            "range, scale, zero point and SQNR (int8 vs float, on the calibration samples) of\n"
            "every activation; --json writes them. --io float keeps float32 input and output\n"
            "(QUANTIZE / DEQUANTIZE at the edges); by default both are int8.\n"
            "--spatial CKPT.pth --calib INPUTS (instead of --onnx) reads the seed's checkpoint into\n"
            "the same graph and runs the same pipeline: the same model as ONNX gives the same file.\n",
            RQ_CALIB_DEFAULT_WINDOWS, RQ_CALIB_DEFAULT_SEED, RQ_ONNX_DEFAULT_SAMPLES);
}

static int quantize_onnx(int argc, char **argv)
{
    rq_onnx_quant_opts o = {.method = RQ_CALIB_MINMAX, .samples = RQ_ONNX_DEFAULT_SAMPLES,
                            .seed = RQ_CALIB_DEFAULT_SEED, .log = stdout};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            return rq_cli_usage_error("quantize", "'%s' needs a value or is unknown", a);
        const char *v = argv[++i];
        long long n;
        if (!strcmp(a, "--onnx"))
            o.onnx = v;
        else if (!strcmp(a, "--spatial"))
            o.spatial = v;
        else if (!strcmp(a, "--calib"))
            o.calib = v;
        else if (!strcmp(a, "--out"))
            o.out = v;
        else if (!strcmp(a, "--json"))
            o.json = v;
        else if (!strcmp(a, "--io")) {
            if (strcmp(v, "float") && strcmp(v, "int8"))
                return rq_cli_usage_error("quantize", "--io wants float or int8, not '%s'", v);
            o.io_float = !strcmp(v, "float");
        } else if (!strcmp(a, "--calib-samples")) {
            if (rq_parse_int(v, 1, 100000000, &n) < 0)
                return rq_cli_usage_error("quantize", "--calib-samples wants 1..100000000, not '%s'", v);
            o.samples = n;
        } else if (!strcmp(a, "--calib-method")) {
            if (rq_calib_method_parse(v, &o.method) < 0)
                return rq_cli_usage_error("quantize", "--calib-method wants minmax, percentile or mse, not '%s'", v);
        } else if (!strcmp(a, "--seed")) {
            if (rq_parse_int(v, 0, INT64_MAX, &n) < 0)
                return rq_cli_usage_error("quantize", "--seed wants a non-negative integer, not '%s'", v);
            o.seed = (uint64_t)n;
        } else
            return rq_cli_usage_error("quantize", "unknown option '%s' (with --onnx)", a);
    }
    if ((!o.onnx == !o.spatial) || !o.calib || !o.out)
        return rq_cli_usage_error("quantize", "--onnx (or --spatial), --calib and --out are required");
    rq_error err = {{0}};
    return rq_quantize_onnx(&o, &err) < 0 ? rq_cli_fail(&err) : RQ_EXIT_OK;
}

int cmd_quantize(int argc, char **argv)
{
    if (rq_cli_wants_help(argc, argv)) {
        usage(stdout);
        return RQ_EXIT_OK;
    }
    int has_data = 0;
    for (int i = 1; i < argc; i++)
        has_data |= !strcmp(argv[i], "--data");
    for (int i = 1; i < argc; i++)
        if ((!strcmp(argv[i], "--onnx") && !has_data) || !strcmp(argv[i], "--calib"))
            return quantize_onnx(argc, argv);
    rq_quantize_opts o = {.calib_windows = RQ_CALIB_DEFAULT_WINDOWS, .method = RQ_CALIB_MINMAX,
                          .seed = RQ_CALIB_DEFAULT_SEED, .log = stdout};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--bias-correction")) {
            o.bias_correction = 1;
            continue;
        }
        if (i + 1 >= argc)
            return rq_cli_usage_error("quantize", "'%s' needs a value or is unknown", a);
        const char *v = argv[++i];
        long long n;
        int timing = rq_cli_timing_option("quantize", a, v, &o.timing);
        if (timing < 0)
            return RQ_EXIT_USAGE;
        if (timing)
            continue;
        if (!strcmp(a, "--spatial"))
            o.spatial = v;
        else if (!strcmp(a, "--onnx"))
            o.onnx = v;
        else if (!strcmp(a, "--data"))
            o.data = v;
        else if (!strcmp(a, "--out"))
            o.out = v;
        else if (!strcmp(a, "--calib-windows")) {
            if (rq_parse_int(v, 1, 1000000, &n) < 0)
                return rq_cli_usage_error("quantize", "--calib-windows wants 1..1000000, not '%s'", v);
            o.calib_windows = (int)n;
        } else if (!strcmp(a, "--calib-method")) {
            if (rq_calib_method_parse(v, &o.method) < 0)
                return rq_cli_usage_error("quantize", "--calib-method wants minmax, percentile or mse, not '%s'", v);
        } else if (!strcmp(a, "--seed")) {
            if (rq_parse_int(v, 0, INT64_MAX, &n) < 0)
                return rq_cli_usage_error("quantize", "--seed wants a non-negative integer, not '%s'", v);
            o.seed = (uint64_t)n;
        } else
            return rq_cli_usage_error("quantize", "unknown option '%s'", a);
    }
    if (!o.spatial == !o.onnx || !o.data || !o.out)
        return rq_cli_usage_error("quantize", "--spatial (or --onnx), --data and --out are required");
    rq_error err = {{0}};
    rq_quantize_result res;
    if (rq_quantize_spatial(&o, &res, &err) < 0)
        return rq_cli_fail(&err);
    return RQ_EXIT_OK;
}
