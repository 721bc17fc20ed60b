/* Tensor and storage resolution: a well-formed archive (see fz_structured_zip) around a
 * fuzzed pickle and fuzzed storages, so that offsets, strides, sizes, dtypes, shared and
 * missing storages reach check_fits and the lazy, windowed reads. */
#include "fz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_buf z;
    fz_structured_zip(data, size, &z);
    rq_torch_file *f;
    rq_error err;
    if (rq_torch_open_mem(z.b, z.n, "fuzz.pth", &f, &err)) {
        fz_expect_one_line(&err, "fuzz.pth");
    } else {
        fz_read_everything(f);
        rq_torch_close(f);
    }
    free(z.b);
    return 0;
}
