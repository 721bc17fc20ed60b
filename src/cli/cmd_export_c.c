/* rppgq export-c: the Temporal Fusion checkpoint as C arrays plus the C99 runtime, and (with
 * --spatial) the int8 Spatial CNN as const data for the MCU's CPU path. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/export_spatial.h"
#include "codegen/onnx_c.h"
#include "codegen/temporal_export.h"
#include "model/temporal_fusion_model.h"

static const char usage[] =
    "Usage: rppgq export-c --temporal CKPT.pth --out DIR [--rois 3]\n"
    "       rppgq export-c --onnx MODEL.onnx --out DIR [--name NAME]\n"
    "                      [--spatial MODEL.tflite [--rounding double|single]]\n"
    "\n"
    "Writes DIR, a self-contained C99 directory for a firmware project:\n"
    "  temporal_fusion.h, temporal_fusion.c          the runtime (no heap, reentrant)\n"
    "  temporal_fusion_weights_exported.h            dimensions as macros, stack use\n"
    "  temporal_fusion_weights_exported.c            the weights as const float arrays\n"
    "Call `float temporal_fusion_infer(const float *features);` with one window of\n"
    "(T*R) x F features, row t*R + roi; it returns the heart rate in BPM.\n"
    "\n"
    "  --temporal CKPT  checkpoint: a dict holding 'model_state_dict', or a bare state_dict\n"
    "                   with temporal.0.*, temporal.2.*, fc.0.*, fc.2.* (dimensions are\n"
    "                   derived from the shapes)\n"
    "  --out DIR        output directory (written atomically; an existing DIR is replaced\n"
    "                   only if it holds nothing but the files of an export)\n"
    "  --rois N         face ROIs per frame (default 3): the input channels are R*F\n"
    "\n"
    "With --onnx, DIR gets NAME.h and NAME.c (the graph as calls of the float32 operators,\n"
    "weights as const arrays, a work buffer planned by tensor lifetime) and float_ops.{h,c};\n"
    "call `void NAME_infer(const float *input, float *output);` (NAME_INPUT_SIZE,\n"
    "NAME_OUTPUT_SIZE floats, the model's row-major layouts) or NAME_run with your own\n"
    "NAME_WORK_FLOATS buffer. One float32 input and output of static shape, batch 1.\n"
    "  --onnx MODEL     the ONNX file (opset 11..17; docs/onnx-c.md lists the operators)\n"
    "  --name NAME      C prefix of the API and file names (default: from MODEL's name)\n";

static int export_onnx(const char *model, const char *out, const char *name)
{
    rq_error err = {{0}};
    rq_onnx_c_summary s;
    if (rq_onnx_export_c(model, out, name, &s, &err))
        return rq_cli_fail(&err);
    printf("wrote %s: %d operator calls, %ld parameters, input %ld floats, output %ld floats, "
           "work %ld floats, stack %ld bytes; %s\n",
           out, s.nodes, s.params, s.in_floats, s.out_floats, s.work_floats, s.stack_bytes,
           s.exact ? "bit-identical to PyTorch" : "not bit-identical to PyTorch (see NAME.h)");
    return RQ_EXIT_OK;
}

static int export_temporal(const char *ckpt, const char *out, int rois)
{
    rq_error err = {{0}};
    rq_temporal_model m;
    if (rq_temporal_load(ckpt, rois, &m, &err))
        return rq_cli_fail(&err);
    int rc = rq_temporal_export_c(&m, ckpt, out, &err);
    if (!rc) {
        const temporal_fusion_net *n = &m.net;
        printf("wrote %s: %zu parameters; T=%d R=%d F=%d conv %d->%d->%d k=%d, hidden %d; "
               "stack %ld bytes\n",
               out, m.num_params, n->frames, n->rois, n->features, n->rois * n->features,
               n->conv1_out, n->conv2_out, n->kernel, n->hidden, rq_temporal_stack_bytes(n));
        if (rq_temporal_stack_bytes(n) > RQ_TF_STACK_LIMIT)
            fprintf(stderr, "rppgq export-c: note: the stack exceeds %d bytes; define "
                            "TEMPORAL_FUSION_STACK_LIMIT to compile it\n", RQ_TF_STACK_LIMIT);
    }
    rq_temporal_free(&m);
    return rc ? rq_cli_fail(&err) : RQ_EXIT_OK;
}

int cmd_export_c(int argc, char **argv)
{
    if (rq_cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        fputs(RQ_EXPORT_SPATIAL_USAGE, stdout);
        return RQ_EXIT_OK;
    }
    const char *spatial = NULL, *rounding = NULL;
    if (rq_export_wants_spatial(argc, argv)) {
        argc = rq_export_take_spatial(argc, argv, &spatial, &rounding);
        if (argc < 0)
            return RQ_EXIT_USAGE;
    }
    const char *ckpt = NULL, *out = NULL, *onnx = NULL, *name = NULL;
    long long rois = 3;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            return rq_cli_usage_error("export-c", "unknown option or missing value: '%s'", a);
        if (!strcmp(a, "--temporal"))
            ckpt = argv[++i];
        else if (!strcmp(a, "--onnx"))
            onnx = argv[++i];
        else if (!strcmp(a, "--name"))
            name = argv[++i];
        else if (!strcmp(a, "--out"))
            out = argv[++i];
        else if (!strcmp(a, "--rois")) {
            if (rq_parse_int(argv[++i], 1, 4096, &rois))
                return rq_cli_usage_error("export-c", "--rois wants an integer 1..4096, not '%s'",
                                          argv[i]);
        } else
            return rq_cli_usage_error("export-c", "unknown option '%s'", a);
    }
    if (onnx) {
        if (ckpt || spatial || !out)
            return rq_cli_usage_error("export-c", "--onnx wants --out and no --temporal/--spatial");
        if (name && !rq_onnx_c_name_ok(name))
            return rq_cli_usage_error("export-c", "--name '%s': wants a C identifier of at most "
                                                  "39 characters (not float_ops or rqf_*)", name);
        return export_onnx(onnx, out, name);
    }
    if (name)
        return rq_cli_usage_error("export-c", "--name goes with --onnx");
    if (!out || (!ckpt && !spatial))
        return rq_cli_usage_error("export-c", "--out and --temporal (or --spatial) are required");

    /* the temporal export replaces DIR atomically (keeping spatial files), so it goes first */
    if (ckpt) {
        int rc = export_temporal(ckpt, out, (int)rois);
        if (rc != RQ_EXIT_OK)
            return rc;
    }
    return spatial ? rq_export_spatial(spatial, out, rounding) : RQ_EXIT_OK;
}
