/* rppgq run: the whole stage on the bundled default, or the given, model and data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "eval/report.h"
#include "eval/report_run.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: rppgq run [--out DIR] [--spatial CKPT] [--temporal CKPT] [--data DATA.pt]\n"
            "                 [--calib-method minmax|percentile|mse] [--calib-windows N]\n"
            "                 [--subjects N] [--windows N] [--seed S] [--cache DIR] [--threads N]\n"
            "                 [--fps F] [--frame-stride K]\n\n"
            "Runs the whole stage in one process: quantizes the Spatial CNN to INT8 (Part A),\n"
            "exports the Temporal Fusion to C (Part B), validates both and writes a report.\n"
            "Without arguments it uses the bundled default (models/spatial_cnn.pth,\n"
            "models/temporal_fusion.pth) and synthetic evaluation data generated once into the\n"
            "cache (cache/) and reused after.\n\n"
            "  --out DIR           output folder (default out); replaced only when the run succeeds,\n"
            "                      and only if it is empty or an earlier run's output\n"
            "  --spatial CKPT      Spatial CNN checkpoint (torch.save)\n"
            "  --temporal CKPT     Temporal Fusion checkpoint (torch.save)\n"
            "  --data DATA.pt      evaluation dataset instead of the synthetic one\n"
            "  --calib-method M    activation ranges: minmax (default), percentile or mse\n"
            "  --calib-windows N   calibration windows, stratified by heart rate (default 100)\n"
            "  --subjects N        synthetic subjects (default %d)\n"
            "  --windows N         synthetic windows a subject (default %d)\n"
            "  --seed S            synthetic data seed (default %d)\n"
            "  --cache DIR         where synthetic data is kept (default cache/ beside models/)\n"
            "  --threads N         worker threads (default: one per core)\n"
            "  with --data:\n" RQ_CLI_TIMING_HELP "\n"
            "Writes to DIR: spatial_cnn_int8.tflite, the C folder of export-c (temporal_fusion_c/), the\n"
            "firmware folder of export-c --temporal --spatial (firmware_c/), report.md, report.json,\n"
            "predictions.csv and the charts (SVG). Ctrl-C leaves nothing behind.\n",
            RQ_RUN_DEFAULT_SUBJECTS, RQ_RUN_DEFAULT_WINDOWS, RQ_RUN_DEFAULT_SEED);
}

/* Values that are numbers but nonsense (zero subjects) are failures (exit 1) with one line
 * naming the option, like any other bad input; unknown options are usage errors (exit 2). */
static int parse_count(const char *opt, const char *v, long long lo, long long hi, int *out)
{
    long long x;
    if (rq_parse_int(v, lo, hi, &x)) {
        fprintf(stderr, "rppgq run: %s: '%s' is not a whole number in %lld..%lld\n", opt, v, lo, hi);
        return -1;
    }
    *out = (int)x;
    return 0;
}

int cmd_run(int argc, char **argv)
{
    if (rq_cli_wants_help(argc, argv)) {
        usage(stdout);
        return RQ_EXIT_OK;
    }
    rq_run_opts o = {0};
    o.out_dir = "out";
    o.seed = RQ_RUN_DEFAULT_SEED;
    /* step lines on a terminal only, like the progress bars: in logs and tests an error
     * stays the one line on stderr, and the timings are in the report anyway */
    o.log = isatty(2) ? stderr : NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        int timing = rq_cli_timing_option("run", a, v, &o.timing);
        if (timing < 0)
            return RQ_EXIT_USAGE;
        if (timing)
            ;
        else if (!strcmp(a, "--out") && v)
            o.out_dir = v;
        else if (!strcmp(a, "--spatial") && v)
            o.spatial = v;
        else if (!strcmp(a, "--temporal") && v)
            o.temporal = v;
        else if (!strcmp(a, "--data") && v)
            o.data = v;
        else if (!strcmp(a, "--cache") && v)
            o.cache_dir = v;
        else if (!strcmp(a, "--calib-method") && v)
            o.calib_method = v;
        else if (!strcmp(a, "--calib-windows") && v) {
            if (parse_count(a, v, 1, 100000, &o.calib_windows))
                return RQ_EXIT_FAIL;
        } else if (!strcmp(a, "--subjects") && v) {
            if (parse_count(a, v, 1, 10000, &o.subjects))
                return RQ_EXIT_FAIL;
        } else if (!strcmp(a, "--windows") && v) {
            if (parse_count(a, v, 1, 100000, &o.windows_per_subject))
                return RQ_EXIT_FAIL;
        } else if (!strcmp(a, "--threads") && v) {
            if (parse_count(a, v, 1, 256, &o.threads))
                return RQ_EXIT_FAIL;
        } else if (!strcmp(a, "--seed") && v) {
            long long s;
            if (rq_parse_int(v, 0, (long long)1 << 62, &s)) {
                fprintf(stderr, "rppgq run: --seed: '%s' is not a non-negative whole number\n", v);
                return RQ_EXIT_FAIL;
            }
            o.seed = (uint64_t)s;
        } else if (a[0] == '-' && a[1] == '-' && !v && (!strcmp(a, "--out") || !strcmp(a, "--spatial") ||
                                                       !strcmp(a, "--temporal") || !strcmp(a, "--data") ||
                                                       !strcmp(a, "--cache") || !strcmp(a, "--calib-method") ||
                                                       !strcmp(a, "--calib-windows") || !strcmp(a, "--subjects") ||
                                                       !strcmp(a, "--windows") || !strcmp(a, "--threads") ||
                                                       !strcmp(a, "--seed"))) {
            return rq_cli_usage_error("run", "%s needs a value", a);
        } else {
            return rq_cli_usage_error("run", "unknown argument '%s'", a);
        }
        i += takes;
    }

    rq_error err = {{0}};
    if (rq_run_check_opts(&o, &err)) {
        fprintf(stderr, "rppgq run: %s\n", err.msg);
        return RQ_EXIT_FAIL;
    }
    rq_report rep;
    if (rq_run(&o, &rep, &err)) {
        rq_run_free(&rep);
        return rq_cli_fail(&err);
    }
    rq_report_print_summary(&rep, o.out_dir, stdout);
    rq_run_free(&rep);
    return RQ_EXIT_OK;
}
