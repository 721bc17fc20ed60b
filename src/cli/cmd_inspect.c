/* rppgq inspect FILE: what is inside a torch.save file or a .tflite model. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "frontend/onnx_read.h"
#include "passes/passes.h"
#include "io/torch_inspect.h"
#include "tflite/tflite_inspect.h"

static const char usage[] =
    "Usage: rppgq inspect FILE\n\n"
    "FILE.pth/.pt (torch.save zip): keys, dtypes and shapes, like printing a state_dict.\n"
    "FILE.tflite: tensors (name, type, shape, scale, zero point), operators with versions,\n"
    "weight bytes, MACs, which operators the int8 engine cannot run, and the activation\n"
    "arena of the lifetime plan next to one buffer per tensor.\n"
    "FILE.onnx: the graph as rppgq reads it (constants folded): inputs, outputs, every node\n"
    "with its input and output shapes, attributes and MACs, total MACs and parameters.\n";

/* The file's own magic decides, not its name: TFLite files carry "TFL3" at bytes 4..7. */
static int is_tflite(const char *path)
{
    unsigned char head[8];
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return 0;
    size_t n = fread(head, 1, sizeof head, fp);
    fclose(fp);
    return n == sizeof head && !memcmp(head + 4, "TFL3", 4);
}

/* ONNX files start with a protobuf key; the name decides between it and torch.save. */
static int is_onnx(const char *path)
{
    size_t n = strlen(path);
    return n > 5 && !strcmp(path + n - 5, ".onnx");
}

static int inspect_onnx(const char *path, FILE *out, rq_error *err)
{
    rq_ir_graph g;
    int rc = rq_onnx_read(path, &g, err);
    if (rc == 0)
        rc = rq_passes_canonicalize(&g, err);
    if (rc == 0)
        rq_ir_print(&g, out);
    rq_ir_free(&g);
    return rc;
}

int cmd_inspect(int argc, char **argv)
{
    if (rq_cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return RQ_EXIT_OK;
    }
    if (argc != 2)
        return rq_cli_usage_error("inspect", "expected exactly one FILE");
    rq_error err = {{0}};
    int rc = is_tflite(argv[1]) ? rq_inspect_tflite(argv[1], stdout, &err)
             : is_onnx(argv[1]) ? inspect_onnx(argv[1], stdout, &err)
                                : rq_inspect_torch(argv[1], stdout, &err);
    return rc ? rq_cli_fail(&err) : RQ_EXIT_OK;
}
