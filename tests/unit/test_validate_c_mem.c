/* rq_validate_c_run_inputs (what rppgq run uses): an exported folder compiled by the system
 * compiler and run on windows held in memory returns one output per window, in order, equal
 * to the same network run in this process (the runtime is bit-exact by design, see
 * runtime/temporal_fusion.h); a folder that is not an export fails naming it. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegen/temporal_export.h"
#include "codegen/validate_c.h"
#include "common/atomic_file.h"
#include "harness.h"
#include "model/temporal_fusion_model.h"

static char dir[256];
static uint64_t rng = 88172645463325252ull;

static float uniform(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (float)((double)(rng >> 11) / 9007199254740992.0 * 2 - 1);
}

static void in_memory_windows_match_in_process(void)
{
    rq_tf_shape s[RQ_TF_NTENSORS] = {
        {3, {32, 48, 3}}, {1, {32}}, {3, {16, 32, 3}}, {1, {16}},
        {2, {32, 128}}, {1, {32}}, {2, {1, 32}}, {1, {1}},
    };
    rq_temporal_model m;
    rq_error err = {{0}};
    CHECK_MSG(rq_temporal_dims(&m, s, 3, "random", &err) == 0 && rq_temporal_alloc(&m, &err) == 0, "%.200s",
              err.msg);
    for (size_t i = 0; i < m.num_params; i++)
        m.data[i] = uniform() * 0.2f;
    char src[300], out[300];
    snprintf(src, sizeof src, "%s/src.pth", dir);
    snprintf(out, sizeof out, "%s/export", dir);
    CHECK(rq_write_file_atomic(src, "checkpoint", 10, &err) == 0);
    CHECK_MSG(rq_temporal_export_c(&m, src, out, &err) == 0, "%.200s", err.msg);

    enum { N = 37, PER = 8 * 3 * 16 };
    static float in[N * PER];
    for (size_t i = 0; i < N * PER; i++)
        in[i] = uniform() * 2;
    float *c_out = NULL;
    CHECK_MSG(rq_validate_c_run_inputs(out, "cc", in, N, PER, &c_out, &err) == 0, "%.300s", err.msg);
    float work[TEMPORAL_FUSION_WORK_FLOATS(32, 8, 32)];
    int same = 1;
    for (int i = 0; i < N; i++) {
        float ref = temporal_fusion_run(&m.net, in + (size_t)i * PER, work);
        same &= memcmp(&ref, &c_out[i], sizeof ref) == 0 && c_out[i] >= 30 && c_out[i] <= 180;
    }
    free(c_out);
    rq_temporal_free(&m);
    CHECK(same);
}

static void not_an_export_fails(void)
{
    float x[4] = {0};
    float *c_out = NULL;
    rq_error err = {{0}};
    CHECK(rq_validate_c_run_inputs(dir, "cc", x, 1, 4, &c_out, &err) != 0);
    CHECK(strstr(err.msg, dir) != NULL && c_out == NULL);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/rq-vcm-XXXXXX", getenv("RQ_TMP") ? getenv("RQ_TMP") : "/tmp");
    if (!mkdtemp(dir))
        return 1;
    RUN(in_memory_windows_match_in_process);
    RUN(not_an_export_fails);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    TEST_EXIT();
}
