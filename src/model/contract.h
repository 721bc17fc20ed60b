/* The input contract (runtime/input_contract.h) as a checkpoint stores it: the spatial CNN's
 * torch.save dict holds
 *   'input_contract': {'representation': 'raw' | 'window_ratio', 'scale': float,
 *                      'clip': float, 'frame_stride': int}
 * A checkpoint without it is the seed's: RAW, frame stride 1. */
#ifndef RQ_MODEL_CONTRACT_H
#define RQ_MODEL_CONTRACT_H

#include <stdio.h>

#include "common/error.h"
#include "input_contract.h"
#include "io/torch_file.h"
#include "io/torch_write.h"

/* Reads root['input_contract'] (root: the checkpoint's top-level dict). Errors name the file
 * (path) and the key. RAW leaves scale 1, clip 0. */
int rq_contract_from_checkpoint(const rq_value *root, const char *path, rppg_contract *c,
                                rq_error *err);

/* Writes the contract as a dict value (call after rq_tw_key(w, "input_contract")). */
int rq_contract_write(rq_torch_writer *w, const rppg_contract *c);

/* "raw" or "window_ratio". */
const char *rq_contract_repr_name(rppg_repr r);

/* The model's sampling rate in Hz: RPPG_CONTRACT_FPS / frame_stride (7.5 for stride 4). */
double rq_contract_sample_hz(const rppg_contract *c);

/* "7.5 Hz: every 4th frame at 30 fps; 8 samples span 0.933 s" (frames: the window's). */
void rq_contract_timing_text(const rppg_contract *c, int frames, char *buf, size_t size);

/* How a dataset's windows were sampled; 0 = not stated. */
typedef struct rq_data_timing {
    double fps;       /* camera frame rate */
    int frame_stride; /* camera frames between a window's samples */
    double sample_hz; /* the windows' rate itself (a dataset key only) */
} rq_data_timing;

#define RQ_TIMING_WARNING_MAX 320

/* Resolves the sampling of the dataset at `path`: its keys (stated) and the --fps /
 * --frame-stride options (given). A stated 'sample_hz' is the rate (fps and stride, when also
 * stated or given, must give it). An option contradicting a key is an error; a value stated
 * nowhere is assumed (30 fps; the model's stride) and named in a one-line warning put into
 * `warning` (RQ_TIMING_WARNING_MAX bytes, "" when none; the caller prints it when the command
 * succeeds, so that an error stays the one line). The resulting rate fps / frame_stride must
 * be the model's. out: the resolved timing (may be NULL). */
int rq_data_timing_check(const rppg_contract *c, const rq_data_timing *stated,
                         const rq_data_timing *given, const char *path, char *warning,
                         rq_data_timing *out, rq_error *err);

/* The model description records the input contract the model expects:
 *   "rppgq spatial_cnn int8; input_contract representation=raw frame_stride=1 sample_hz=30"
 *   "...; input_contract representation=window_ratio scale=50 clip=4 frame_stride=4 sample_hz=7.5"
 * (sample_hz = 30 / frame_stride, the model's sampling rate, for the reader; the parser
 * takes the stride) */
void rq_contract_describe(const rppg_contract *c, char *buf, size_t size);
/* Parses it back; -1 when the description carries no contract. */
int rq_contract_from_description(const char *desc, rppg_contract *c);
/* Same representation and frame stride, and scale/clip equal as float32. */
int rq_contract_equal(const rppg_contract *a, const rppg_contract *b);

#endif
