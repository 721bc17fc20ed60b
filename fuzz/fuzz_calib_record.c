/* The calibration record a .tflite description carries (`validate` reads it from any
 * model file): raw bytes as the description text, parsed, then checked against a small
 * dataset of 12 windows over 3 subjects as validate does. One-line errors, no crash. */
#include <stdlib.h>
#include <string.h>

#include "fz_util.h"
#include "quant/calib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *desc = malloc(size + 1);
    if (!desc)
        return 0;
    memcpy(desc, data, size);
    desc[size] = 0; /* the reader hands validate a NUL-terminated description */
    rq_calib_record r;
    rq_error err;
    memset(&r, 0, sizeof r);
    int found = rq_calib_record_parse(desc, "fuzz.tflite", &r, &err);
    if (found < 0)
        fz_expect_one_line(&err, "fuzz.tflite");
    if (found > 0) {
        static const int64_t subjects[12] = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2};
        rq_calib_plan plan;
        memset(&plan, 0, sizeof plan);
        if (rq_calib_plan_from_record(&r, subjects, 12, "fuzz.pt", &plan, &err))
            fz_expect_one_line(&err, "fuzz.pt");
        else
            rq_calib_plan_free(&plan);
    }
    rq_calib_record_free(&r);
    free(desc);
    return 0;
}
