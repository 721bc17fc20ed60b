#include "cli/export_spatial.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "codegen/spatial_int8_export.h"

int rq_export_wants_spatial(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--spatial"))
            return 1;
    return 0;
}

int rq_export_take_spatial(int argc, char **argv, const char **model, const char **rounding)
{
    int i, n = 1;
    for (i = 1; i < argc; i++) {
        const int is_spatial = !strcmp(argv[i], "--spatial"), is_rounding = !strcmp(argv[i], "--rounding");
        if (is_spatial || is_rounding) {
            if (i + 1 >= argc) {
                rq_cli_usage_error("export-c", "%s wants a value", argv[i]);
                return -1;
            }
            *(is_spatial ? model : rounding) = argv[++i];
            continue;
        }
        argv[n++] = argv[i];
    }
    return n;
}

int rq_export_spatial(const char *model, const char *out_dir, const char *rounding)
{
    rq_error err = {{0}};
    rq_q8_lowered l;
    rppg_q8_rounding r = RPPG_Q8_ROUND_DOUBLE;
    struct stat st;
    int rc, created = 0;
    if (rounding && !strcmp(rounding, "single"))
        r = RPPG_Q8_ROUND_SINGLE;
    else if (rounding && strcmp(rounding, "double"))
        return rq_cli_usage_error("export-c", "--rounding wants double or single, not '%s'", rounding);
    if (stat(out_dir, &st) != 0) {
        if (mkdir(out_dir, 0777) != 0) {
            rq_fail(&err, "%s: cannot create: %s", out_dir, strerror(errno));
            return rq_cli_fail(&err);
        }
        created = 1;
    } else if (!S_ISDIR(st.st_mode)) {
        rq_fail(&err, "%s: not a directory", out_dir);
        return rq_cli_fail(&err);
    }
    rc = rq_spatial_export_file(model, r, out_dir, &l, &err);
    if (rc && created)
        rmdir(out_dir); /* nothing half-written: the directory was ours and is empty again */
    if (!rc)
        printf("wrote %s/%s, %s: %d layers, input %dx%dx%d (scale %.9g, zero point %ld), "
               "%d features, arena %zu bytes, contract %s\n",
               out_dir, RQ_SPATIAL_H, RQ_SPATIAL_C, l.net.n_layers, l.net.in_h, l.net.in_w,
               l.net.in_c, (double)l.net.in_scale, (long)l.net.in_zp, l.net.n_out,
               l.net.arena_bytes, l.has_contract ? "from the model" : "raw (none recorded)");
    return rc ? rq_cli_fail(&err) : RQ_EXIT_OK;
}
