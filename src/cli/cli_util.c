#include "cli/cli_util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/dataset.h"
#include "model/contract.h"

int rq_cli_fail(const rq_error *err)
{
    fprintf(stderr, "rppgq: %s\n", err->msg[0] ? err->msg : "failed");
    return RQ_EXIT_FAIL;
}

int rq_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "rppgq %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'rppgq %s --help'.\n", cmd);
    return RQ_EXIT_USAGE;
}

int rq_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return 1;
    return 0;
}

int rq_parse_int(const char *s, long long lo, long long hi, long long *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int rq_parse_double(const char *s, double *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int rq_cli_timing_option(const char *cmd, const char *opt, const char *val, rq_data_timing *t)
{
    long long n;
    double f;
    if (!strcmp(opt, "--fps")) {
        if (!val || rq_parse_double(val, &f) || !(f > 0.0 && f <= RQ_DATA_FPS_MAX)) {
            rq_cli_usage_error(cmd, "--fps wants a frame rate in (0, %d], not '%s'", RQ_DATA_FPS_MAX,
                               val ? val : "");
            return -1;
        }
        t->fps = f;
        return 1;
    }
    if (!strcmp(opt, "--frame-stride")) {
        if (!val || rq_parse_int(val, 1, 1000000, &n)) {
            rq_cli_usage_error(cmd, "--frame-stride wants 1..1000000, not '%s'", val ? val : "");
            return -1;
        }
        t->frame_stride = (int)n;
        return 1;
    }
    return 0;
}
