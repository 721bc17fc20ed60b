/* The host side of the Cortex-M55 comparison: the same cases on the host build of the
 * runtime (and, with a model, the host's reference int8 engine for the features). */
#include <stdio.h>

#include "cases.h"

static void emit(const char *line)
{
    puts(line);
}

#ifdef RQ_M55_MODEL
#include "host_model.h"
#endif

int main(int argc, char **argv)
{
    rq_case_io io = {emit, NULL, NULL, NULL, 0, 0.0f, 0, 0, 0.0f, NULL};
    (void)argc;
    (void)argv;
#ifdef RQ_M55_MODEL
    if (rq_host_model_io(&io, argc, argv) != 0)
        return 2;
#endif
    return rq_run_cases(&io) ? 1 : 0;
}
