/* rppgq: the command-line front end. Dispatches to one subcommand per stage step. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"

#ifndef RQ_VERSION
#define RQ_VERSION "0.1.0"
#endif

const rq_command rq_commands[] = {
    {"run", "run the whole stage (quantize, export, validate, report) on the default or given model", cmd_run},
    {"synth", "generate a synthetic rPPG dataset in the torch.save format", cmd_synth},
    {"quantize", "quantize the Spatial CNN to a fully INT8 .tflite (post-training)", cmd_quantize},
    {"validate", "compare FP32 and INT8 heart-rate predictions on a dataset", cmd_validate},
    {"export-c", "export the Temporal Fusion as C arrays plus the C99 runtime", cmd_export_c},
    {"validate-c", "compile exported C and compare it with PyTorch reference outputs", cmd_validate_c},
    {"infer", "run the int8 engine on a .tflite model: raw input bytes in, raw output bytes out", cmd_infer},
    {"inspect", "list the contents of a .pth checkpoint/dataset or a .tflite model", cmd_inspect},
    {NULL, NULL, NULL},
};

static void print_help(FILE *out)
{
    fprintf(out,
            "rppgq %s - make a split rPPG (camera heart-rate) model ready for the STM32N6\n\n"
            "Usage: rppgq <command> [options]\n       rppgq <command> --help\n\nCommands:\n",
            RQ_VERSION);
    for (const rq_command *c = rq_commands; c->name; c++)
        fprintf(out, "  %-12s %s\n", c->name, c->summary);
    fprintf(out, "\nExit status: 0 success, 1 failure, 2 bad usage.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return RQ_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        print_help(stdout);
        return RQ_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("rppgq %s\n", RQ_VERSION);
        return RQ_EXIT_OK;
    }
    for (const rq_command *c = rq_commands; c->name; c++)
        if (!strcmp(argv[1], c->name))
            return c->run(argc - 1, argv + 1);
    fprintf(stderr, "rppgq: unknown command '%s'\nTry 'rppgq --help'.\n", argv[1]);
    return RQ_EXIT_USAGE;
}
