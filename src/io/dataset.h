/* The rPPG dataset format of the seed: a torch.save dict
 *   samples  float32 (N, T, R, H, W, C) in [0,1]   (seed: T=8 frames, R=3 ROIs, 36x36x3)
 *   labels   float32 (N,) heart rate in BPM at the window's centre
 *   subjects int64 (N,) optional: subject id of each window
 *   frame_stride int optional: camera frames between the window's samples (synth writes it)
 *   fps float optional: the camera's frame rate (synth writes it); the windows' sampling
 *                rate is fps / frame_stride (see rq_data_timing_check in model/contract.h)
 *   sample_hz float optional: the windows' sampling rate itself (synth --camera-fps writes
 *                it, the camera's frames not being a whole stride apart)
 * Windows are streamed from the file: opening reads only labels and subjects. */
#ifndef RQ_DATASET_H
#define RQ_DATASET_H

#include <stdint.h>

#include "io/torch_file.h"

#define RQ_DATA_FPS_MAX 10000

typedef struct rq_dataset {
    rq_torch_file *file;
    int64_t n;                            /* windows */
    int frames, rois, height, width, channels;
    int64_t window_floats;                /* frames*rois*height*width*channels */
    float *labels;                        /* n */
    int64_t *subjects;                    /* n, or NULL when the file has none */
    int frame_stride;                     /* 0 when the file does not say */
    double fps;                           /* 0 when the file does not say */
    double sample_hz;                     /* 0 when the file does not say */
    const rq_tensor *samples;
} rq_dataset;

int rq_dataset_open(const char *path, rq_dataset *ds, rq_error *err);
/* The same from bytes in memory (see rq_torch_open_mem: data must outlive ds). */
int rq_dataset_open_mem(const void *data, size_t len, const char *name, rq_dataset *ds,
                        rq_error *err);
/* Reads windows [first, first+count) into out (count * window_floats floats). Fails, naming
 * the file and window, on values outside [0,1] or NaN. Not thread-safe (see torch_file.h). */
int rq_dataset_read_windows(rq_dataset *ds, int64_t first, int64_t count, float *out, rq_error *err);
void rq_dataset_close(rq_dataset *ds);

#endif
