#include "codegen/validate_c.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codegen/temporal_export.h"
#include "common/cleanup.h"
#include "common/spawn.h"
#include "common/atomic_file.h"
#include "io/torch_file.h"


/* ---- statistics ---- */

static int64_t ordered_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    /* map sign-magnitude to a line where adjacent floats differ by one (+0 == -0) */
    return (u & 0x80000000u) ? -(int64_t)(u & 0x7fffffffu) : (int64_t)u;
}

uint64_t rq_f32_ulp_distance(float a, float b)
{
    if (isnan(a) || isnan(b))
        return (isnan(a) && isnan(b)) ? 0 : UINT32_MAX;
    int64_t d = ordered_bits(a) - ordered_bits(b);
    return (uint64_t)(d < 0 ? -d : d);
}

void rq_c_compare_outputs(const float *c, const float *ref, size_t n, rq_c_compare *out)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double d;
        if (isnan(c[i]) || isnan(ref[i]))
            d = (isnan(c[i]) && isnan(ref[i])) ? 0.0 : INFINITY;
        else
            d = fabs((double)c[i] - (double)ref[i]);
        if (memcmp(&c[i], &ref[i], sizeof(float)) == 0)
            out->identical++;
        if (d > out->max_abs || (i == 0 && d >= out->max_abs)) {
            out->max_abs = d;
            out->worst = i;
        }
        sum += d;
        uint64_t u = rq_f32_ulp_distance(c[i], ref[i]);
        if (u > out->max_ulp)
            out->max_ulp = u;
    }
    out->mean_abs = n ? sum / (double)n : 0.0;
}

const char *rq_c_grade(double max_abs_bpm)
{
    if (max_abs_bpm < 1e-5)
        return "PERFECT";
    if (max_abs_bpm < 1e-4)
        return "EXCELLENT";
    if (max_abs_bpm < 1e-3)
        return "GOOD";
    return "POOR";
}

/* ---- the harness compiled with the export ---- */

#define INPUT_MAGIC "RQTFIN01"

/* Reads the windows from a binary file (magic, uint32 count, uint32 floats per window, then
 * float32 data in host order) and writes one float32 output per window. */
static const char harness_src[] =
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include \"temporal_fusion.h\"\n"
    "#include \"" RQ_TF_WEIGHTS_H "\"\n"
    "int main(int argc, char **argv)\n"
    "{\n"
    "    static float window[TEMPORAL_FUSION_INPUT_FLOATS];\n"
    "    char magic[8];\n"
    "    unsigned int head[2];\n"
    "    FILE *in, *out;\n"
    "    if (argc != 3 || !(in = fopen(argv[1], \"rb\")) || !(out = fopen(argv[2], \"wb\")))\n"
    "        return 2;\n"
    "    if (fread(magic, 1, 8, in) != 8 || memcmp(magic, \"" INPUT_MAGIC "\", 8) != 0 ||\n"
    "        fread(head, sizeof head[0], 2, in) != 2)\n"
    "        return 3;\n"
    "    if (head[1] != TEMPORAL_FUSION_INPUT_FLOATS) {\n"
    "        fprintf(stderr, \"%u floats per window, the export expects %d\\n\", head[1],\n"
    "                TEMPORAL_FUSION_INPUT_FLOATS);\n"
    "        return 4;\n"
    "    }\n"
    "    for (unsigned int i = 0; i < head[0]; i++) {\n"
    "        float y;\n"
    "        if (fread(window, sizeof(float), TEMPORAL_FUSION_INPUT_FLOATS, in) !=\n"
    "            TEMPORAL_FUSION_INPUT_FLOATS)\n"
    "            return 5;\n"
    "        y = temporal_fusion_infer(window);\n"
    "        if (fwrite(&y, sizeof y, 1, out) != 1)\n"
    "            return 6;\n"
    "    }\n"
    "    return fclose(out) == 0 ? 0 : 6;\n"
    "}\n";

/* The same for an `export-c --onnx` directory: %1$s is NAME, %2$s NAME in capitals; one
 * input of NAME_INPUT_SIZE floats in, NAME_OUTPUT_SIZE floats out. */
static const char onnx_harness_fmt[] =
    "#include <stdio.h>\n"
    "#include <string.h>\n"
    "#include \"%1$s.h\"\n"
    "int main(int argc, char **argv)\n"
    "{\n"
    "    static float in[%2$s_INPUT_SIZE], out[%2$s_OUTPUT_SIZE];\n"
    "    char magic[8];\n"
    "    unsigned int head[2], i;\n"
    "    FILE *fi, *fo;\n"
    "    if (argc != 3 || !(fi = fopen(argv[1], \"rb\")) || !(fo = fopen(argv[2], \"wb\")))\n"
    "        return 2;\n"
    "    if (fread(magic, 1, 8, fi) != 8 || memcmp(magic, \"" INPUT_MAGIC "\", 8) != 0 ||\n"
    "        fread(head, sizeof head[0], 2, fi) != 2)\n"
    "        return 3;\n"
    "    if (head[1] != %2$s_INPUT_SIZE) {\n"
    "        fprintf(stderr, \"%%u floats per input, the export expects %%d\\n\", head[1],\n"
    "                %2$s_INPUT_SIZE);\n"
    "        return 4;\n"
    "    }\n"
    "    for (i = 0; i < head[0]; i++) {\n"
    "        if (fread(in, sizeof(float), %2$s_INPUT_SIZE, fi) != %2$s_INPUT_SIZE)\n"
    "            return 5;\n"
    "        %1$s_infer(in, out);\n"
    "        if (fwrite(out, sizeof(float), %2$s_OUTPUT_SIZE, fo) != %2$s_OUTPUT_SIZE)\n"
    "            return 6;\n"
    "    }\n"
    "    return fclose(fo) == 0 ? 0 : 6;\n"
    "}\n";

/* NAME of an `export-c --onnx` directory (the header that says it was generated so), or
 * 0 when c_dir holds none. */
int rq_validate_c_onnx_name(const char *c_dir, char name[64])
{
    char pattern[4200];
    snprintf(pattern, sizeof pattern, "%s/*.h", c_dir);
    glob_t g;
    int found = 0;
    if (glob(pattern, 0, NULL, &g) != 0)
        return 0;
    for (size_t i = 0; i < g.gl_pathc && !found; i++) {
        FILE *fp = fopen(g.gl_pathv[i], "r");
        char line[256];
        if (!fp)
            continue;
        if (fgets(line, sizeof line, fp) && strstr(line, "generated by `rppgq export-c --onnx`")) {
            const char *b = strrchr(g.gl_pathv[i], '/');
            b = b ? b + 1 : g.gl_pathv[i];
            size_t l = strlen(b) - 2;
            if (l > 0 && l < 64) {
                memcpy(name, b, l);
                name[l] = 0;
                found = 1;
            }
        }
        fclose(fp);
    }
    globfree(&g);
    return found;
}

/* The harness source for c_dir (malloc'ed). */
static char *harness_for(const char *c_dir)
{
    char name[64], up[64];
    if (!rq_validate_c_onnx_name(c_dir, name))
        return strdup(harness_src);
    size_t k = 0;
    for (; name[k]; k++)
        up[k] = (char)((name[k] >= 'a' && name[k] <= 'z') ? name[k] - 32 : name[k]);
    up[k] = 0;
    size_t len = sizeof onnx_harness_fmt + 16 * sizeof name;
    char *buf = malloc(len);
    if (buf)
        snprintf(buf, len, onnx_harness_fmt, name, up);
    return buf;
}

static int write_harness(const char *c_dir, const char *path, rq_error *err)
{
    char *src = harness_for(c_dir);
    if (!src)
        return rq_fail(err, "out of memory");
    int rc = rq_write_file_atomic(path, src, strlen(src), err);
    free(src);
    return rc;
}

typedef struct workdir {
    char dir[4096];
    int cleanup; /* the folder's registration for removal on an interrupt */
    char harness[4200], input[4200], output[4200], exe[4200], log[4200];
} workdir;

static int workdir_make(workdir *w, rq_error *err)
{
    const char *t = getenv("TMPDIR");
    snprintf(w->dir, sizeof w->dir, "%s/rppgq-validate-c.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(w->dir))
        return rq_fail(err, "%s: cannot create a temporary directory: %s", w->dir, strerror(errno));
    w->cleanup = rq_cleanup_add(w->dir);
    snprintf(w->harness, sizeof w->harness, "%s/harness.c", w->dir);
    snprintf(w->input, sizeof w->input, "%s/inputs.bin", w->dir);
    snprintf(w->output, sizeof w->output, "%s/outputs.bin", w->dir);
    snprintf(w->exe, sizeof w->exe, "%s/harness", w->dir);
    snprintf(w->log, sizeof w->log, "%s/log.txt", w->dir);
    return 0;
}

static void workdir_remove(workdir *w)
{
    unlink(w->harness);
    unlink(w->input);
    unlink(w->output);
    unlink(w->exe);
    unlink(w->log);
    rmdir(w->dir);
    rq_cleanup_drop(w->cleanup);
    w->cleanup = 0;
}

/* The first line of the log that says something, for a one-line error. */
static void first_log_line(const char *log, char *buf, size_t len)
{
    buf[0] = 0;
    FILE *fp = fopen(log, "r");
    if (!fp)
        return;
    char line[512];
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = 0;
        if (strstr(line, "error") || strstr(line, "Error") || !buf[0]) {
            size_t k = strnlen(line, len - 1); /* truncating is fine: one line of context */
            memcpy(buf, line, k);
            buf[k] = 0;
        }
        if (strstr(line, "error"))
            break;
    }
    fclose(fp);
}

static int compile_harness(const char *c_dir, const char *cc, const workdir *w, rq_error *err)
{
    char pattern[4200];
    snprintf(pattern, sizeof pattern, "%s/*.c", c_dir);
    glob_t g;
    if (glob(pattern, 0, NULL, &g) != 0)
        return rq_fail(err, "%s: no C files", c_dir);
    char ccbuf[1024];
    snprintf(ccbuf, sizeof ccbuf, "%s", cc);
    char incdir[4200];
    snprintf(incdir, sizeof incdir, "-I%s", c_dir);
    char **argv = calloc(g.gl_pathc + 64, sizeof *argv);
    if (!argv) {
        globfree(&g);
        return rq_fail(err, "out of memory");
    }
    size_t n = 0;
    for (char *tok = strtok(ccbuf, " \t"); tok && n < 32; tok = strtok(NULL, " \t"))
        argv[n++] = tok;
    if (n == 0) {
        free(argv);
        globfree(&g);
        return rq_fail(err, "the C compiler command is empty");
    }
    static const char *flags[] = {"-std=c99", "-O2", "-Wall", "-Wextra", "-Werror"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        argv[n++] = (char *)flags[i];
    argv[n++] = incdir;
    for (size_t i = 0; i < g.gl_pathc; i++)
        argv[n++] = g.gl_pathv[i];
    argv[n++] = (char *)w->harness;
    argv[n++] = "-o";
    argv[n++] = (char *)w->exe;
    argv[n++] = "-lm";
    argv[n] = NULL;
    int st = rq_spawn_to_file(argv, w->log, 1);
    free(argv);
    globfree(&g);
    if (st != 0) {
        char line[300];
        first_log_line(w->log, line, sizeof line);
        if (st < 0)
            return rq_fail(err, "%s: cannot run the C compiler '%s'", c_dir, cc);
        return rq_fail(err, "%s: does not compile with '%s': %s", c_dir, cc, line);
    }
    return 0;
}

/* ---- the reference file ---- */

/* floats of one item of a (N, ...) tensor */
static int64_t per_item(const rq_tensor *t)
{
    int64_t n = 1;
    for (int d = 1; d < t->ndim; d++)
        n *= t->shape[d];
    return n;
}

static int reference_tensors(const char *path, rq_torch_file *f, const rq_tensor **in,
                             const rq_tensor **out, rq_error *err)
{
    const rq_value *root = rq_torch_root(f);
    *in = rq_value_tensor(rq_dict_get(root, "inputs"));
    *out = rq_value_tensor(rq_dict_get(root, "outputs"));
    if (!*in)
        return rq_fail(err, "%s: no tensor 'inputs'", path);
    if (!*out)
        return rq_fail(err, "%s: no tensor 'outputs'", path);
    const rq_tensor *i = *in, *o = *out;
    if (i->dtype != RQ_DT_F32 || o->dtype != RQ_DT_F32)
        return rq_fail(err, "%s: 'inputs' and 'outputs' must be float32", path);
    if (i->ndim < 1 || o->ndim < 1 || i->shape[0] != o->shape[0] || i->shape[0] < 1)
        return rq_fail(err, "%s: expected 'inputs' (N, ...) and 'outputs' (N, ...) with N >= 1",
                       path);
    if (i->shape[0] > UINT32_MAX || per_item(i) > (1 << 24) || per_item(o) > (1 << 24))
        return rq_fail(err, "%s: 'inputs' too large", path);
    return 0;
}

static int write_inputs(rq_torch_file *f, const rq_tensor *t, const char *path, rq_error *err)
{
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return rq_fail(err, "%s: cannot create: %s", path, strerror(errno));
    uint32_t head[2] = {(uint32_t)t->shape[0], (uint32_t)per_item(t)};
    int bad = fwrite(INPUT_MAGIC, 1, 8, fp) != 8 || fwrite(head, sizeof head[0], 2, fp) != 2;
    size_t per = head[1];
    float *buf = malloc(per * sizeof(float));
    if (!buf) {
        fclose(fp);
        return rq_fail(err, "out of memory");
    }
    for (uint32_t i = 0; i < head[0] && !bad; i++) {
        if (rq_tensor_read_f32(f, t, (int64_t)i * (int64_t)per, (int64_t)per, buf, err)) {
            free(buf);
            fclose(fp);
            return -1;
        }
        bad = fwrite(buf, sizeof(float), per, fp) != per;
    }
    free(buf);
    if (fclose(fp) != 0 || bad)
        return rq_fail(err, "%s: write failed", path);
    return 0;
}

static int read_outputs(const char *path, size_t n, float **out, rq_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return rq_fail(err, "%s: cannot open: %s", path, strerror(errno));
    *out = malloc(n * sizeof(float));
    int ok = *out && fread(*out, sizeof(float), n, fp) == n && fgetc(fp) == EOF;
    fclose(fp);
    if (!ok) {
        free(*out);
        *out = NULL;
        return rq_fail(err, "%s: the harness wrote fewer outputs than windows", path);
    }
    return 0;
}

/* An export directory is recognised by its weights header (export-c writes it). */
static int check_export_dir(const char *c_dir, rq_error *err)
{
    char probe[4200], name[64];
    if (rq_validate_c_onnx_name(c_dir, name))
        return 0;
    snprintf(probe, sizeof probe, "%s/%s", c_dir, RQ_TF_WEIGHTS_H);
    if (access(probe, R_OK) != 0)
        return rq_fail(err, "%s: not an export directory (no readable %s)", c_dir, RQ_TF_WEIGHTS_H);
    return 0;
}

/* Runs the compiled harness on w's input file; a failure quotes the first line it logged. */
static int run_harness(const char *c_dir, const workdir *w, rq_error *err)
{
    char *argv[] = {(char *)w->exe, (char *)w->input, (char *)w->output, NULL};
    int st = rq_spawn_to_file(argv, w->log, 1);
    if (st == 0)
        return 0;
    char line[300];
    first_log_line(w->log, line, sizeof line);
    return rq_fail(err, "%s: the compiled harness failed (status %d)%s%s", c_dir, st,
                   line[0] ? ": " : "", line);
}

int rq_validate_c_run(const char *c_dir, const char *reference, const char *cc, float **c_out,
                      float **ref_out, size_t *n_out, rq_error *err)
{
    *c_out = *ref_out = NULL;
    *n_out = 0;
    if (check_export_dir(c_dir, err))
        return -1;

    rq_torch_file *f = NULL;
    if (rq_torch_open(reference, &f, err))
        return -1;
    const rq_tensor *tin, *tout;
    workdir w;
    int rc = -1, made = 0;
    if (reference_tensors(reference, f, &tin, &tout, err) || workdir_make(&w, err))
        goto out;
    made = 1;
    size_t n = (size_t)(tin->shape[0] * per_item(tout));
    if (write_harness(c_dir, w.harness, err) ||
        write_inputs(f, tin, w.input, err) || compile_harness(c_dir, cc, &w, err))
        goto out;
    if (run_harness(c_dir, &w, err))
        goto out;
    if (read_outputs(w.output, n, c_out, err))
        goto out;
    *ref_out = malloc(n * sizeof(float));
    if (!*ref_out) {
        rq_fail(err, "out of memory");
        goto out;
    }
    if (rq_tensor_read_f32(f, tout, 0, (int64_t)n, *ref_out, err))
        goto out;
    *n_out = n;
    rc = 0;
out:
    if (made)
        workdir_remove(&w);
    rq_torch_close(f);
    if (rc) {
        free(*c_out);
        free(*ref_out);
        *c_out = *ref_out = NULL;
    }
    return rc;
}

static int write_inputs_mem(const float *inputs, size_t n, size_t per, const char *path, rq_error *err)
{
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return rq_fail(err, "%s: cannot create: %s", path, strerror(errno));
    uint32_t head[2] = {(uint32_t)n, (uint32_t)per};
    int bad = fwrite(INPUT_MAGIC, 1, 8, fp) != 8 || fwrite(head, sizeof head[0], 2, fp) != 2 ||
              fwrite(inputs, sizeof(float) * per, n, fp) != n;
    if (fclose(fp) != 0 || bad)
        return rq_fail(err, "%s: write failed", path);
    return 0;
}

int rq_validate_c_run_inputs(const char *c_dir, const char *cc, const float *inputs, size_t n,
                             size_t per, float **c_out, rq_error *err)
{
    *c_out = NULL;
    if (check_export_dir(c_dir, err))
        return -1;
    if (n < 1 || n > UINT32_MAX || per < 1 || per > (1u << 24))
        return rq_fail(err, "%s: %zu windows of %zu floats cannot be run", c_dir, n, per);
    workdir w;
    if (workdir_make(&w, err))
        return -1;
    int rc = -1;
    if (write_harness(c_dir, w.harness, err) ||
        write_inputs_mem(inputs, n, per, w.input, err) || compile_harness(c_dir, cc, &w, err))
        goto out;
    if (run_harness(c_dir, &w, err))
        goto out;
    rc = read_outputs(w.output, n, c_out, err);
out:
    workdir_remove(&w);
    return rc;
}
