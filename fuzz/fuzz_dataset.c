/* The dataset reader on a well-formed archive (see fz_structured_zip) with fuzzed content:
 * open, then stream every window the way calibration and validation do, into a buffer
 * sized from what the reader reports. */
#include "fz_util.h"
#include "io/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_buf z;
    fz_structured_zip(data, size, &z);
    rq_dataset ds;
    rq_error err;
    if (rq_dataset_open_mem(z.b, z.n, "fuzz.pt", &ds, &err)) {
        fz_expect_one_line(&err, "fuzz.pt");
        free(z.b);
        return 0;
    }
    /* What a consumer allocates: a few windows of window_floats floats. */
    int64_t per = ds.n < 4 ? ds.n : 4;
    float *win = malloc((size_t)(per * ds.window_floats) * sizeof *win);
    if (!win)
        abort(); /* the reader promised windows that cannot be held */
    for (int64_t first = 0; first < ds.n && first < 64; first += per) {
        int64_t c = ds.n - first < per ? ds.n - first : per;
        if (rq_dataset_read_windows(&ds, first, c, win, &err)) {
            fz_expect_one_line(&err, "fuzz.pt");
            break;
        }
    }
    free(win);
    rq_dataset_close(&ds);
    free(z.b);
    return 0;
}
