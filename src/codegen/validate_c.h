/* validate-c: compiles an export directory with a harness, runs it on every window of a
 * PyTorch reference file and compares the heart rates. */
#ifndef RQ_VALIDATE_C_H
#define RQ_VALIDATE_C_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef struct rq_c_compare {
    size_t n;
    size_t identical;   /* bit-identical outputs */
    double max_abs;     /* BPM; infinite when exactly one side is NaN */
    double mean_abs;
    uint64_t max_ulp;   /* float32 units in the last place between C and PyTorch */
    size_t worst;       /* window of max_abs */
} rq_c_compare;

/* Distance in float32 ulps (steps between adjacent floats); 0 for two NaNs, UINT32_MAX when
 * exactly one is NaN. */
uint64_t rq_f32_ulp_distance(float a, float b);

/* Compares c[i] with ref[i]. */
void rq_c_compare_outputs(const float *c, const float *ref, size_t n, rq_c_compare *out);

/* "PERFECT" below 1e-5 BPM, "EXCELLENT" below 1e-4, "GOOD" below 1e-3, else "POOR". */
const char *rq_c_grade(double max_abs_bpm);

/* 1 and NAME when c_dir is an `export-c --onnx` directory (NAME.h says so), else 0. */
int rq_validate_c_onnx_name(const char *c_dir, char name[64]);

/* Compiles c_dir with the compiler cc (a command, split at spaces) and runs it on the
 * reference's inputs ('inputs' (N, ...), 'outputs' (N, ...)); fills *out with the C outputs
 * (malloc'ed, *n floats: N times the floats of one output) and ref_out with PyTorch's. */
int rq_validate_c_run(const char *c_dir, const char *reference, const char *cc, float **c_out,
                      float **ref_out, size_t *n, rq_error *err);

/* The same on n windows held in memory (per floats each, as temporal_fusion_infer takes
 * them), for callers that computed the inputs themselves (rppgq run): fills *c_out with the
 * C outputs (malloc'ed, n of them). */
int rq_validate_c_run_inputs(const char *c_dir, const char *cc, const float *inputs, size_t n,
                             size_t per, float **c_out, rq_error *err);

#endif
