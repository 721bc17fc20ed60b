/* `rppgq run`: the whole stage in one process on the bundled default (or given) model.
 *   1. data      the evaluation set: --data, or synthetic data generated once into the cache
 *                (keyed by the generator version and its arguments) and reused after;
 *   2. quantize  Spatial CNN -> spatial_cnn_int8.tflite (stratified PTQ calibration);
 *   3. validate  FP32 and INT8 heart rates on the held-out subjects, baseline, layer SQNR;
 *   4. export-c  Temporal Fusion -> C folder (weights, runtime, headers);
 *   5. validate-c the exported C compiled and run against the float reference;
 *   6. firmware  `export-c --temporal --spatial`: both parts as C for the MCU (firmware_c/);
 *   7. m55       flash, RAM and stack of the MCU parts on the Cortex-M55 (QEMU), if installed;
 *   8. report    report.json, report.md, predictions.csv and the charts.
 * Everything is written into a temporary sibling of the output folder that replaces it only
 * when every step succeeded. */
#ifndef RQ_REPORT_RUN_H
#define RQ_REPORT_RUN_H

#include <stdint.h>
#include <stdio.h>

#include "common/error.h"
#include "eval/report.h"
#include "model/contract.h"

typedef struct rq_run_opts {
    const char *out_dir;            /* default "out" */
    const char *spatial, *temporal; /* NULL: the bundled models/ */
    const char *data;               /* NULL: synthetic, cached */
    const char *cache_dir;          /* NULL: cache/ beside models/ */
    const char *calib_method;       /* NULL: minmax */
    int calib_windows;              /* 0: 100 */
    int subjects, windows_per_subject; /* synthetic set; 0: defaults */
    uint64_t seed;
    int threads;                    /* 0: one per core */
    rq_data_timing timing;          /* --fps / --frame-stride of --data (0 = not given) */
    FILE *log;                      /* step lines; NULL silent */
} rq_run_opts;

/* Many short recordings rather than a few long ones: calibration draws from a quarter of the
 * subjects, and ten subjects cover every heart-rate bin where five left some empty. */
#define RQ_RUN_DEFAULT_SUBJECTS 40
#define RQ_RUN_DEFAULT_WINDOWS 12
#define RQ_RUN_DEFAULT_SEED 7

/* Checks the options that need no file (method name, counts); the message names the option. */
int rq_run_check_opts(const rq_run_opts *o, rq_error *err);

/* Runs every step and fills *rep (its prediction arrays stay valid until rq_run_free). */
int rq_run(const rq_run_opts *o, rq_report *rep, rq_error *err);
void rq_run_free(rq_report *rep);

/* Where the bundled files are: the folder holding models/spatial_cnn.pth, looked for in the
 * working directory and above the executable. */
int rq_run_find_root(char *buf, size_t size);

#endif
