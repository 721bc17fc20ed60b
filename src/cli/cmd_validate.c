/* rppgq validate: FP32 against INT8 heart-rate predictions on the windows calibration did
 * not see. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "eval/validate.h"
#include "quant/calib.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: rppgq validate --spatial CKPT.pth|--onnx MODEL.onnx --temporal CKPT.pth\n"
            "                      --tflite MODEL.tflite\n"
            "                      --data DATA.pt [--json FILE] [--predictions FILE.csv]\n"
            "                      [--independent-data] [--calib-windows N] [--seed S] [--threads N]\n"
            "                      [--rounding double|single] [--fps F] [--frame-stride K]\n\n"
            "Predicts the heart rate of every window that calibration did not use (with\n"
            "subjects in the data: of every subject it did not use) twice: FP32 (the spatial CNN,\n"
            "checkpoint or ONNX export, on the float graph executor + float temporal fusion) and INT8 (the int8 engine on MODEL, dequantized\n"
            "features, float temporal fusion). First the model's own verdict: does it read heart\n"
            "rate, i.e. is its MAE at most %.1fx that of always answering the training labels'\n"
            "mean (label_mean in CKPT) or, without it, the mean of the windows set aside, or their\n"
            "median? Then MAE, RMSE, MAPE, Pearson r and R^2 against the labels for both and for\n"
            "the baselines, the INT8-vs-FP32 MAE, the MAE increase with its grade (PERFECT < 0.5,\n"
            "EXCELLENT < 1.5, GOOD < 3.0, POOR) and the SQNR of every layer.\n"
            "Which windows calibration used, MODEL's calibration record says (quantize writes it):\n"
            "exactly those windows and subjects are left out. --independent-data: DATA is not the\n"
            "dataset MODEL was calibrated on; evaluate every window (refused for that dataset).\n"
            "--calib-windows and --seed only matter for a model without a record (defaults %d and\n"
            "%d); given and disagreeing with the record they are refused. --rounding: the engine's\n"
            "requantization (double: TFLite Micro's reference, the default; single: CMSIS-NN /\n"
            "XNNPACK style).\n"
            RQ_CLI_TIMING_HELP,
            RQ_CLEARLY_BETTER, RQ_CALIB_DEFAULT_WINDOWS, RQ_CALIB_DEFAULT_SEED);
}

int cmd_validate(int argc, char **argv)
{
    if (rq_cli_wants_help(argc, argv)) {
        usage(stdout);
        return RQ_EXIT_OK;
    }
    rq_validate_opts o = {.seed = RQ_CALIB_DEFAULT_SEED, .rounding = RQ_TFL_ROUND_DOUBLE, .log = stdout};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--independent-data")) {
            o.independent_data = 1;
            continue;
        }
        if (i + 1 >= argc)
            return rq_cli_usage_error("validate", "'%s' needs a value or is unknown", a);
        const char *v = argv[++i];
        long long n;
        int timing = rq_cli_timing_option("validate", a, v, &o.timing);
        if (timing < 0)
            return RQ_EXIT_USAGE;
        if (timing)
            continue;
        if (!strcmp(a, "--spatial"))
            o.spatial = v;
        else if (!strcmp(a, "--onnx"))
            o.onnx = v;
        else if (!strcmp(a, "--temporal"))
            o.temporal = v;
        else if (!strcmp(a, "--tflite"))
            o.tflite = v;
        else if (!strcmp(a, "--data"))
            o.data = v;
        else if (!strcmp(a, "--json"))
            o.json = v;
        else if (!strcmp(a, "--predictions"))
            o.predictions = v;
        else if (!strcmp(a, "--calib-windows")) {
            if (rq_parse_int(v, 1, 1000000, &n) < 0)
                return rq_cli_usage_error("validate", "--calib-windows wants 1..1000000, not '%s'", v);
            o.calib_windows = (int)n;
        } else if (!strcmp(a, "--seed")) {
            if (rq_parse_int(v, 0, INT64_MAX, &n) < 0)
                return rq_cli_usage_error("validate", "--seed wants a non-negative integer, not '%s'", v);
            o.seed = (uint64_t)n;
            o.seed_given = 1;
        } else if (!strcmp(a, "--threads")) {
            if (rq_parse_int(v, 1, 256, &n) < 0)
                return rq_cli_usage_error("validate", "--threads wants 1..256, not '%s'", v);
            o.threads = (int)n;
        } else if (!strcmp(a, "--rounding")) {
            if (!strcmp(v, "double"))
                o.rounding = RQ_TFL_ROUND_DOUBLE;
            else if (!strcmp(v, "single"))
                o.rounding = RQ_TFL_ROUND_SINGLE;
            else
                return rq_cli_usage_error("validate", "--rounding wants double or single, not '%s'", v);
        } else
            return rq_cli_usage_error("validate", "unknown option '%s'", a);
    }
    if (!o.spatial == !o.onnx || !o.temporal || !o.tflite || !o.data)
        return rq_cli_usage_error("validate", "--spatial (or --onnx), --temporal, --tflite and --data are required");
    rq_error err = {{0}};
    rq_validate_result r;
    if (rq_validate(&o, &r, &err) < 0)
        return rq_cli_fail(&err);
    rq_validate_print(&r, stdout);
    rq_validate_result_free(&r);
    if (o.json) {
        if (rq_validate_write_json(&r, o.json, &err) < 0)
            return rq_cli_fail(&err);
        printf("wrote %s\n", o.json);
    }
    return RQ_EXIT_OK;
}
