/* Float32 sample arrays from outside files (calibration inputs of `quantize --onnx`):
 *   - a .npy file (NumPy format 1.0-3.0, little-endian float32 '<f4' or float64 '<f8',
 *     C order), or
 *   - a torch.save file holding one tensor, or a dict whose key "inputs" holds it.
 * The first dimension counts samples. Bounds-checked; NaN/Inf refused naming the sample. */
#ifndef RQ_SAMPLE_FILE_H
#define RQ_SAMPLE_FILE_H

#include <stdint.h>

#include "common/error.h"

#define RQ_SAMPLES_MAX_DIMS 6

typedef struct rq_samples {
    float *data;       /* n * per_sample values */
    int64_t n;         /* samples (the first dimension) */
    int rank;          /* of one sample (without the sample dimension) */
    int64_t shape[RQ_SAMPLES_MAX_DIMS];
    int64_t per_sample;
} rq_samples;

int rq_samples_read(const char *path, rq_samples *s, rq_error *err);
void rq_samples_free(rq_samples *s);
/* The .npy parser on bytes (fuzzing, tests); name stands for the path in messages. */
int rq_samples_parse_npy(const uint8_t *buf, size_t len, const char *name, rq_samples *s,
                         rq_error *err);

#endif
