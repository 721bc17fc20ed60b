/* The input contract of a spatial CNN: how camera pixels in [0,1] become the network's
 * input. Part of the model (stored in the checkpoint as `input_contract`), applied the same
 * way by the toolchain (synth, quantize, validate, run) and on the MCU.
 *
 *   RAW:          x' = x                      (the seed's contract; input range [0,1])
 *   WINDOW_RATIO: x' = clamp((x / m - 1) * scale, -clip, clip), where m is the mean of that
 *                 pixel and channel over the window's frames (m <= 1e-6 gives x' = 0).
 *                 Puts the pulse (~0.3 % of the pixel level) into the int8 input range.
 *
 * C99, no heap, no globals: this file runs on the Cortex-M55 as well. */
#ifndef RPPG_INPUT_CONTRACT_H
#define RPPG_INPUT_CONTRACT_H

#include <stddef.h>

typedef enum rppg_repr {
    RPPG_REPR_RAW = 0,
    RPPG_REPR_WINDOW_RATIO = 1
} rppg_repr;

/* The camera rate frame_stride counts frames of (the training data's): the model's sampling
 * rate is RPPG_CONTRACT_FPS / frame_stride Hz (7.5 Hz for stride 4) and a window of T samples
 * spans (T - 1) * frame_stride / RPPG_CONTRACT_FPS seconds (0.93 s for 8). Cameras at other
 * rates feed the model through resample.h. */
#define RPPG_CONTRACT_FPS 30

typedef struct rppg_contract {
    rppg_repr repr;
    float scale;      /* WINDOW_RATIO only */
    float clip;       /* WINDOW_RATIO only */
    int frame_stride; /* sample period in frames of a RPPG_CONTRACT_FPS camera (1 = 30 Hz) */
} rppg_contract;

/* The real-valued range of the network input under the contract. */
void rppg_contract_range(const rppg_contract *c, float *lo, float *hi);

/* Applies the contract to one window: `in` and `out` hold `frames` blocks of `plane` floats
 * each (plane = rois*H*W*C, frame-major as in the dataset). out may not alias in. */
void rppg_contract_apply(const rppg_contract *c, size_t frames, size_t plane, const float *in,
                         float *out);

#endif
