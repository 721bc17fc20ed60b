/* The calibration record validate reads from any model file, in both places it may be: the
 * bytes as the buffer of the model's rppgq_calibration metadata entry (where quantize puts
 * it) and as the description text (earlier models), parsed, then checked against a small
 * dataset of 12 windows over 3 subjects as validate does. One-line errors, no crash. The same
 * text also goes through the input-contract parser, which reads model descriptions and the
 * ONNX front end's rppgq.input_contract metadata. */
#include <stdlib.h>
#include <string.h>

#include "fz_util.h"
#include "model/contract.h"
#include "quant/calib.h"
#include "tflite/tfl_model.h"

static void calib_check_record(int found, rq_calib_record *r, rq_error *err)
{
    if (found < 0)
        fz_expect_one_line(err, "fuzz.tflite");
    if (found > 0) {
        static const int64_t subjects[12] = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2};
        rq_calib_plan plan;
        memset(&plan, 0, sizeof plan);
        if (rq_calib_plan_from_record(r, subjects, 12, "fuzz.pt", &plan, err))
            fz_expect_one_line(err, "fuzz.pt");
        else
            rq_calib_plan_free(&plan);
    }
    rq_calib_record_free(r);
}

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
    calib_check_record(rq_calib_record_parse(desc, "fuzz.tflite", &r, &err), &r, &err);
    rppg_contract contract;
    (void)rq_contract_from_description(desc, &contract);
    /* the metadata entry: the same bytes, not NUL-terminated, through the model lookup */
    rq_tfl_model m;
    rq_tfl_model_init(&m);
    if (rq_tfl_set_metadata(&m, RQ_CALIB_METADATA, data, size, &err) == 0)
        calib_check_record(rq_calib_record_from_model(&m, "fuzz.tflite", &r, &err), &r, &err);
    rq_tfl_model_free(&m);
    free(desc);
    return 0;
}
