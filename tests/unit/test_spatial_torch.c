/* The Spatial CNN as every command runs it (checkpoint front end -> graph IR -> passes ->
 * float executor) against PyTorch's own module on torch.save checkpoints
 * (tests/ref/spatial_ref.py, run with Debian's torch): 1e-5 relative. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "frontend/spatial_ckpt.h"
#include "ir/ir_exec.h"
#include "passes/passes.h"

static char dir[512];
static const char *root(void)
{
    const char *r = getenv("RQ_ROOT");
    return r ? r : ".";
}

static int py(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/tests/ref/spatial_ref.py %s", root(), args);
    return system(cmd);
}

static float *read_f32(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    float *b = malloc((size_t)len);
    if (b && fread(b, 1, (size_t)len, f) != (size_t)len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *n = (size_t)len / sizeof(float);
    return b;
}

/* Makes a checkpoint with `flags`, runs PyTorch on 12 random patches and compares. */
static int compare_with_torch(const char *name, const char *flags, double *worst)
{
    char args[2048], ck[600], in[600], out[600];
    snprintf(ck, sizeof ck, "%s/%s.pth", dir, name);
    snprintf(in, sizeof in, "%s/patches.f32", dir);
    snprintf(out, sizeof out, "%s/%s.out.f32", dir, name);
    snprintf(args, sizeof args, "ckpt %s %s", ck, flags);
    if (py(args))
        return -1;
    snprintf(args, sizeof args, "forward %s %s %s", ck, in, out);
    if (py(args))
        return -2;
    rq_ir_graph g;
    rq_ir_exec *e = NULL;
    rq_error err;
    size_t ni, no;
    float *x = read_f32(in, &ni), *ref = read_f32(out, &no);
    int rc = -3;
    if (rq_spatial_ckpt_graph(ck, 36, 36, &g, NULL, &err) < 0 || rq_passes_canonicalize(&g, &err) < 0 ||
        rq_passes_for_tflite(&g, &err) < 0 || rq_ir_exec_new(&g, &e, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        goto done;
    }
    rc = -4;
    if (!x || !ref)
        goto done;
    size_t n = ni / (36 * 36 * 3);
    *worst = 0;
    for (size_t p = 0; p < n; p++) {
        memcpy(rq_ir_exec_input(e, 0), x + p * 36 * 36 * 3, sizeof(float) * 36 * 36 * 3);
        if (rq_ir_exec_run(e, &err) < 0)
            goto done;
        const float *feat = rq_ir_exec_tensor(e, g.outputs[0]);
        /* Relative to the feature vector's scale: a feature near 0 has no meaningful
         * relative error of its own. */
        double scale = 0;
        for (int j = 0; j < 16; j++)
            scale = fmax(scale, fabs(ref[p * 16 + j]));
        for (int j = 0; j < 16; j++) {
            double e = fabs(feat[j] - ref[p * 16 + j]) / fmax(scale, 1e-6);
            *worst = fmax(*worst, e);
        }
    }
    rc = 0;
done:
    free(x), free(ref);
    rq_ir_exec_free(e);
    rq_ir_free(&g);
    return rc;
}

static void test_dict_checkpoint(void)
{
    double worst;
    CHECK(compare_with_torch("dict", "--seed 1", &worst) == 0);
    CHECK_MSG(worst <= 1e-5, "worst relative error %g", worst);
}

static void test_bare_state_dict(void)
{
    double worst;
    CHECK(compare_with_torch("bare", "--seed 2 --bare", &worst) == 0);
    CHECK_MSG(worst <= 1e-5, "worst relative error %g", worst);
}

static void test_conv_without_bias(void)
{
    double worst;
    CHECK(compare_with_torch("nobias", "--seed 3 --no-bias", &worst) == 0);
    CHECK_MSG(worst <= 1e-5, "worst relative error %g", worst);
}

static void test_contract_read(void)
{
    double worst;
    CHECK(compare_with_torch("ratio", "--seed 4 --contract window_ratio:50:4:4", &worst) == 0);
    char ck[600];
    snprintf(ck, sizeof ck, "%s/ratio.pth", dir);
    rq_ir_graph g;
    rq_spatial_ckpt_info info;
    rq_error err;
    CHECK(rq_spatial_ckpt_graph(ck, 36, 36, &g, &info, &err) == 0);
    CHECK(info.contract.repr == RPPG_REPR_WINDOW_RATIO && info.contract.scale == 50.0f &&
          info.contract.clip == 4.0f && info.contract.frame_stride == 4);
    /* the seed's layers, as the exporter writes them: Conv [16,3,3,3], [32,16,3,3], [16,32,3,3] */
    static const int64_t shapes[3][4] = {{16, 3, 3, 3}, {32, 16, 3, 3}, {16, 32, 3, 3}};
    int convs = 0;
    for (int i = 0; i < g.n_nodes; i++)
        if (g.nodes[i].op == RQ_IR_OP_CONV && convs < 3) {
            const rq_ir_tensor *w = &g.tensors[g.nodes[i].in[1]];
            CHECK(w->rank == 4 && !memcmp(w->shape, shapes[convs], sizeof shapes[convs]));
            convs++;
        }
    CHECK(convs == 3);
    rq_ir_free(&g);
    snprintf(ck, sizeof ck, "%s/dict.pth", dir);
    CHECK(rq_spatial_ckpt_graph(ck, 36, 36, &g, &info, &err) == 0);
    CHECK(info.contract.repr == RPPG_REPR_RAW && info.contract.frame_stride == 1);
    rq_ir_free(&g);
}

int main(void)
{
    const char *tmp = getenv("RQ_TMP");
    snprintf(dir, sizeof dir, "%s/spatial_torch.%d", tmp ? tmp : "/tmp", (int)getpid());
    char cmd[600], args[700];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    if (system(cmd))
        return 1;
    snprintf(args, sizeof args, "patches %s/patches.f32 12 --seed 5", dir);
    if (py(args))
        return 1;
    RUN(test_dict_checkpoint);
    RUN(test_bare_state_dict);
    RUN(test_conv_without_bias);
    RUN(test_contract_read);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd))
        return 1;
    TEST_EXIT();
}
