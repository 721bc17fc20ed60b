#include <stdio.h>
#include <string.h>
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/export_spatial.h"

/* Placeholder until the command lands; the table in main.c stays stable meanwhile. */
int cmd_export_c(int argc, char **argv)
{
    if (rq_cli_wants_help(argc, argv)) {
        puts("Usage: rppgq export-c --spatial MODEL.tflite --out DIR [--rounding double|single]\n"
             RQ_EXPORT_SPATIAL_USAGE);
        return RQ_EXIT_OK;
    }
    if (rq_export_wants_spatial(argc, argv)) {
        const char *model = NULL, *rounding = NULL, *out = NULL;
        int i, n = rq_export_take_spatial(argc, argv, &model, &rounding);
        if (n < 0)
            return RQ_EXIT_USAGE;
        for (i = 1; i < n; i++) {
            if (!strcmp(argv[i], "--out") && i + 1 < n)
                out = argv[++i];
            else
                return rq_cli_usage_error("export-c", "unknown option or missing value: '%s'", argv[i]);
        }
        if (!out)
            return rq_cli_usage_error("export-c", "--out is required");
        return rq_export_spatial(model, out, rounding);
    }
    fprintf(stderr, "rppgq export-c: not built yet\n");
    return RQ_EXIT_FAIL;
}
