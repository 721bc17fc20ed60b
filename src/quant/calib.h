/* Calibration for post-training quantization: which windows to calibrate on (stratified by
 * heart rate, fixed seed) and what range each activation gets (observers).
 *
 * Subject hold-out: when the dataset names subjects, calibration draws only from a seeded
 * quarter of them (at least one, never all), so that `validate` can evaluate on subjects
 * the quantizer never saw. Both commands call rq_calib_select with the same arguments and
 * get the same plan. */
#ifndef RQ_CALIB_H
#define RQ_CALIB_H

#include <stdint.h>
#include <stdio.h>

#include "common/error.h"

#define RQ_CALIB_BINS 5
extern const double rq_calib_edges[RQ_CALIB_BINS + 1]; /* 40, 60, 80, 100, 120, 160 BPM */

#define RQ_CALIB_DEFAULT_WINDOWS 100
#define RQ_CALIB_DEFAULT_SEED 1234

typedef struct rq_calib_plan {
    int64_t *windows;         /* sorted window indices to calibrate on */
    int n;
    int per_bin[RQ_CALIB_BINS];   /* drawn from each HR bin */
    int64_t available[RQ_CALIB_BINS]; /* candidates each bin had */
    int64_t *subjects;        /* calibration subjects (sorted), NULL when not held out */
    int n_subjects;
    int n_all_subjects;       /* distinct subjects in the dataset (0 without subjects) */
} rq_calib_plan;

/* Draws `want` windows spread evenly over the bins (a bin short of candidates gives its
 * share to the others). Fails when fewer than `want` windows qualify. `what` names the
 * dataset in errors. */
int rq_calib_select(const float *labels, const int64_t *subjects, int64_t n, int want,
                    uint64_t seed, const char *what, rq_calib_plan *plan, rq_error *err);
void rq_calib_plan_free(rq_calib_plan *plan);
/* Prints the per-bin counts to out, and a warning line per empty bin to stderr. */
void rq_calib_print(const rq_calib_plan *plan, FILE *out);
/* True when window i must not be used for evaluation: it is a calibration window or
 * (with held-out subjects) belongs to a calibration subject. */
int rq_calib_excludes(const rq_calib_plan *plan, int64_t i, const int64_t *subjects);

/* Plain sample sets (no labels): the first min(want, n) entries of *out (malloc'ed, n
 * entries) are the chosen indices, sorted; all of 0..n-1 in order when want >= n, else a
 * seeded draw without repetition. -1 when out of memory. */
int rq_calib_pick(int64_t n, int64_t want, uint64_t seed, int64_t **out);

/* ---- observers -------------------------------------------------------------------- */

typedef enum rq_calib_method {
    RQ_CALIB_MINMAX = 0,    /* the TFLite converter's: the whole observed range */
    RQ_CALIB_PERCENTILE = 1, /* clip at the 99.99th percentile (0.01th below zero) */
    RQ_CALIB_MSE = 2,        /* clip where the expected int8 error (rounding + clipping) is least */
} rq_calib_method;

int rq_calib_method_parse(const char *s, rq_calib_method *out);
const char *rq_calib_method_name(rq_calib_method m);

#define RQ_OBS_BINS 4096

/* Two passes over the same data: first min/max, then (percentile, mse) a histogram over
 * [min, max]. */
typedef struct rq_observer {
    double min, max;
    uint64_t count;
    int pass;      /* 0: min/max, 1: histogram */
    uint64_t *hist; /* RQ_OBS_BINS, allocated by rq_observer_start_hist */
} rq_observer;

void rq_observer_init(rq_observer *o);
void rq_observer_free(rq_observer *o);
void rq_observer_add(rq_observer *o, const float *x, size_t n);
int rq_observer_start_hist(rq_observer *o); /* -1 when out of memory */
int rq_observer_needs_hist(rq_calib_method m);
/* The range [lo, hi] the method picks (always containing 0.0). */
void rq_observer_range(const rq_observer *o, rq_calib_method m, double *lo, double *hi);

/* ---- the calibration record ----------------------------------------------------------
 * quantize records in the .tflite which windows it calibrated on, so that validate excludes
 * exactly those (whatever options it is given) and knows whether it was given the same
 * dataset. The record is the text
 *   "calibration method=minmax seed=1234 data=480:0123456789abcdef windows=3,17,...
 *    subjects=2,9,..."        (subjects=none when the dataset names no subjects)
 * in the buffer of the Model.metadata entry named RQ_CALIB_METADATA (what a TFLite metadata
 * entry is for: runtimes ignore entries they do not know). data= is the dataset's window
 * count and a fingerprint of its labels and subjects. Models of earlier rppgq versions
 * carry it appended to the description ("...; calibration method=..."): still read. */
#define RQ_CALIB_METADATA "rppgq_calibration"

typedef struct rq_calib_record {
    char method[16];
    uint64_t seed;
    int64_t data_n;
    uint64_t data_fingerprint;
    int64_t *windows;   /* sorted */
    int n_windows;
    int64_t *subjects;  /* sorted; NULL when none were held out */
    int n_subjects;
} rq_calib_record;

/* FNV-1a 64 over the window count, the labels' bytes and the subjects' bytes. */
uint64_t rq_calib_data_fingerprint(const float *labels, const int64_t *subjects, int64_t n);
/* The " calibration ..." text (malloc'ed; NULL when out of memory). */
char *rq_calib_record_format(const rq_calib_plan *plan, rq_calib_method m, uint64_t seed,
                             int64_t data_n, uint64_t fingerprint);
/* Finds and parses the record in a model description (the earlier form): 1 found, 0 none
 * there, -1 malformed (the error names `what`, the model file). */
int rq_calib_record_parse(const char *desc, const char *what, rq_calib_record *r, rq_error *err);
/* Parses the record from the bytes of the metadata entry: 1, or -1 malformed. */
int rq_calib_record_parse_metadata(const uint8_t *data, size_t len, const char *what, rq_calib_record *r,
                                   rq_error *err);
/* The model's record: its RQ_CALIB_METADATA entry, else its description. 1 / 0 / -1. */
struct rq_tfl_model;
int rq_calib_record_from_model(const struct rq_tfl_model *t, const char *what, rq_calib_record *r,
                               rq_error *err);
void rq_calib_record_free(rq_calib_record *r);
/* The plan the record describes, checked against the dataset it must belong to (indices in
 * range, subjects present; `what` names the dataset). */
int rq_calib_plan_from_record(const rq_calib_record *r, const int64_t *subjects, int64_t n,
                              const char *what, rq_calib_plan *plan, rq_error *err);

#endif
