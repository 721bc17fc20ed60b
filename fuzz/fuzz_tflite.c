/* The .tflite reader: any bytes through rq_tfl_parse; a model that parses is validated,
 * measured (what `rppgq inspect` prints), written back and read again (the writer must
 * accept what the reader and the validator accepted, and reproduce it). */
#include "fz_util.h"
#include "tflite/tfl_model.h"
#include "tflite/tfl_stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rq_tfl_model m;
    rq_error err;
    if (rq_tfl_parse(data, size, "fuzz.tflite", &m, &err)) {
        fz_expect_one_line(&err, "fuzz.tflite");
        rq_tfl_model_free(&m);
        return 0;
    }
    rq_tfl_stats s;
    rq_tfl_compute_stats(&m, &s);
    for (int i = 0; i < m.n_ops; i++)
        (void)rq_tfl_op_macs(&m, &m.ops[i]);
    if (rq_tfl_validate(&m, "fuzz.tflite", &err) == 0) {
        uint8_t *out;
        size_t out_len;
        if (rq_tfl_serialize(&m, &out, &out_len, &err) == 0) {
            rq_tfl_model again;
            if (rq_tfl_parse(out, out_len, "again", &again, &err)) {
                fprintf(stderr, "fuzz: written model does not read back: %s\n", err.msg);
                abort();
            }
            if (again.n_tensors != m.n_tensors || again.n_ops != m.n_ops)
                abort();
            rq_tfl_model_free(&again);
            free(out);
        } else {
            fz_expect_one_line(&err, "");
        }
    } else {
        fz_expect_one_line(&err, "fuzz.tflite");
    }
    rq_tfl_model_free(&m);
    return 0;
}
