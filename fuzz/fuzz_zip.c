/* The zip container of torch.save files: raw archive bytes (central directory, local
 * headers, stored and deflated members, CRCs) through rq_torch_open_mem, then every
 * tensor read back, which seeks and inflates inside the members. */
#include "fz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rq_torch_file *f;
    rq_error err;
    if (rq_torch_open_mem(data, size, "fuzz.pth", &f, &err)) {
        fz_expect_one_line(&err, "fuzz.pth");
        return 0;
    }
    fz_read_everything(f);
    rq_torch_close(f);
    return 0;
}
