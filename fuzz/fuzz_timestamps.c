/* The camera-timestamp reader and then the runtime's resampler on what it accepted (as
 * rppgq synth --camera-times does before filming): one-line errors, no crash, no overflow. */
#include "data/synth.h"
#include "fz_util.h"
#include "io/timestamps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t *t, n;
    rq_error err;
    if (rq_timestamps_parse((const char *)data, size, "fuzz.txt", &t, &n, &err)) {
        fz_expect_one_line(&err, "fuzz.txt");
        return 0;
    }
    rq_synth_config c = {.subjects = 1, .windows_per_subject = 2, .frame_stride = 1 + (int)(size % 5),
                         .seed = 1, .threads = 1, .camera_times = t, .n_camera_times = n,
                         .camera_times_name = "fuzz.txt"};
    if (rq_synth_check(&c, &err))
        fz_expect_one_line(&err, "");
    free(t);
    return 0;
}
