/* rppgq validate-c: the exported C against PyTorch's outputs, window by window. */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "codegen/validate_c.h"
#include "common/atomic_file.h"

static const char usage[] =
    "Usage: rppgq validate-c --c-dir DIR --reference REF.pt [--tolerance 1e-5] [--json FILE]\n"
    "\n"
    "Compiles the export directory DIR with $CC (default cc) and a harness, runs it on every\n"
    "window of REF.pt (a torch.save dict with 'inputs' (N, T*R, F) and PyTorch's 'outputs'\n"
    "(N,) in BPM, as tools/make_temporal_reference.py writes) and prints the differences.\n"
    "An `export-c --onnx` directory takes 'inputs' (N, ...) and 'outputs' (N, ...) in the\n"
    "model's layouts (tests/ref/temporal_zoo.py writes them); the tolerance is then in output units.\n"
    "\n"
    "  --tolerance BPM  fail (exit 1) when the largest |C - PyTorch| exceeds it (default 1e-5)\n"
    "  --json FILE      also write n, max_abs_bpm, mean_abs_bpm, max_ulp, grade, pass\n";

static void print_onnx_report(const char *name, const rq_c_compare *s, const float *c,
                              const float *ref)
{
    printf("%s: C vs PyTorch on %zu output floats\n", name, s->n);
    printf("  max  |C - PyTorch|: %.9g (output float %zu: C %.9g, PyTorch %.9g)\n", s->max_abs,
           s->worst, (double)c[s->worst], (double)ref[s->worst]);
    printf("  mean |C - PyTorch|: %.9g\n", s->mean_abs);
    printf("  max difference:     %llu ulp (float32)\n", (unsigned long long)s->max_ulp);
    printf("  identical outputs:  %zu of %zu\n", s->identical, s->n);
}

static void print_report(const rq_c_compare *s, const float *c, const float *ref)
{
    printf("Temporal Fusion: C vs PyTorch on %zu windows\n", s->n);
    printf("  max  |C - PyTorch|: %.8f BPM (window %zu: C %.9g, PyTorch %.9g)\n", s->max_abs,
           s->worst, (double)c[s->worst], (double)ref[s->worst]);
    printf("  mean |C - PyTorch|: %.8f BPM\n", s->mean_abs);
    printf("  max difference:     %llu ulp (float32)\n", (unsigned long long)s->max_ulp);
    printf("  identical outputs:  %zu of %zu\n", s->identical, s->n);
    printf("  grade:              %s%s\n", rq_c_grade(s->max_abs),
           s->max_abs < 1e-5 ? " (< 1e-5 BPM)" : "");
}

static json_object *json_number(double v)
{
    return isfinite(v) ? json_object_new_double(v) : NULL; /* null for a NaN mismatch */
}

static int write_json(const char *path, const rq_c_compare *s, double tol, int pass,
                      rq_error *err)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "n", json_object_new_int64((int64_t)s->n));
    json_object_object_add(o, "max_abs_bpm", json_number(s->max_abs));
    json_object_object_add(o, "mean_abs_bpm", json_number(s->mean_abs));
    json_object_object_add(o, "max_ulp", json_object_new_int64((int64_t)s->max_ulp));
    json_object_object_add(o, "identical", json_object_new_int64((int64_t)s->identical));
    json_object_object_add(o, "grade", json_object_new_string(rq_c_grade(s->max_abs)));
    json_object_object_add(o, "tolerance_bpm", json_object_new_double(tol));
    json_object_object_add(o, "pass", json_object_new_boolean(pass));
    const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
    size_t len = strlen(text);
    char *buf = malloc(len + 2);
    int rc = -1;
    if (buf) {
        memcpy(buf, text, len);
        buf[len] = '\n';
        rc = rq_write_file_atomic(path, buf, len + 1, err);
        free(buf);
    } else {
        rq_fail(err, "%s: out of memory", path);
    }
    json_object_put(o);
    return rc;
}

int cmd_validate_c(int argc, char **argv)
{
    if (rq_cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return RQ_EXIT_OK;
    }
    const char *dir = NULL, *ref = NULL, *json = NULL;
    double tol = 1e-5;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            return rq_cli_usage_error("validate-c", "unknown option or missing value: '%s'", a);
        if (!strcmp(a, "--c-dir"))
            dir = argv[++i];
        else if (!strcmp(a, "--reference"))
            ref = argv[++i];
        else if (!strcmp(a, "--json"))
            json = argv[++i];
        else if (!strcmp(a, "--tolerance")) {
            if (rq_parse_double(argv[++i], &tol) || tol < 0)
                return rq_cli_usage_error("validate-c", "--tolerance wants a number >= 0, not '%s'",
                                          argv[i]);
        } else
            return rq_cli_usage_error("validate-c", "unknown option '%s'", a);
    }
    if (!dir || !ref)
        return rq_cli_usage_error("validate-c", "--c-dir and --reference are required");

    const char *cc = getenv("CC");
    if (!cc || !*cc)
        cc = "cc";
    rq_error err = {{0}};
    float *c = NULL, *r = NULL;
    size_t n = 0;
    if (rq_validate_c_run(dir, ref, cc, &c, &r, &n, &err))
        return rq_cli_fail(&err);
    rq_c_compare s;
    rq_c_compare_outputs(c, r, n, &s);
    char onnx_name[64];
    if (rq_validate_c_onnx_name(dir, onnx_name))
        print_onnx_report(onnx_name, &s, c, r);
    else
        print_report(&s, c, r);
    free(c);
    free(r);
    int pass = s.max_abs <= tol;
    if (json && write_json(json, &s, tol, pass, &err))
        return rq_cli_fail(&err);
    if (!pass) {
        fprintf(stderr, "rppgq: %s: max |C - PyTorch| %.3g BPM exceeds the tolerance %.3g\n", dir,
                s.max_abs, tol);
        return RQ_EXIT_FAIL;
    }
    return RQ_EXIT_OK;
}
