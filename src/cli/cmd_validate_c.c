#include <stdio.h>
#include "cli/cli_util.h"
#include "cli/commands.h"

/* Placeholder until the command lands; the table in main.c stays stable meanwhile. */
int cmd_validate_c(int argc, char **argv)
{
    if (rq_cli_wants_help(argc, argv)) {
        puts("Usage: rppgq validate-c ... (not built yet)");
        return RQ_EXIT_OK;
    }
    fprintf(stderr, "rppgq validate-c: not built yet\n");
    return RQ_EXIT_FAIL;
}
