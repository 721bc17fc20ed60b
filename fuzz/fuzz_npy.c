/* The .npy reader of calibration samples (`quantize --onnx --calib X.npy`): any bytes
 * through rq_samples_parse_npy; refusals are one line naming the file. */
#include "fz_util.h"
#include "io/sample_file.h"

#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rq_samples s;
    rq_error err;
    if (rq_samples_parse_npy(data, size, "fuzz.npy", &s, &err)) {
        fz_expect_one_line(&err, "fuzz.npy");
        return 0;
    }
    if (s.n < 1 || s.per_sample < 1)
        abort();
    for (int64_t i = 0; i < s.n * s.per_sample; i++)
        if (!isfinite(s.data[i]))
            abort(); /* the reader refuses NaN/Inf */
    rq_samples_free(&s);
    return 0;
}
