/* Example firmware main loop for the split rPPG model on the STM32N6 (or any Cortex-M with
 * an FPU): camera frame + face box in, smoothed heart rate out. Compiled for the Cortex-M55
 * by tests/m55/run.sh (against a real export) so that it stays correct; the board hooks
 * below are what your firmware provides.
 *
 * Files to add to the firmware project (all C99, no heap, no mutable globals):
 *   runtime/{input_contract,preprocess,int8_kernels,q8_net,postprocess,temporal_fusion}.{c,h}
 *   spatial_cnn_int8.{c,h}                  rppgq export-c --spatial MODEL.tflite
 *   temporal_fusion_weights_exported.{c,h}  rppgq export-c --temporal CKPT.pth
 * With the NPU, the Spatial CNN runs from ST Edge AI's code generated from the same .tflite
 * (define USE_NPU and implement npu_spatial_run); spatial_cnn_int8.c is then only needed for
 * its input/output quantization (or drop it and copy the four numbers). */
#include <stdint.h>

#include "postprocess.h"
#include "preprocess.h"
#include "q8_net.h"
#include "spatial_cnn_int8.h"
#include "temporal_fusion.h"

#define WINDOW 8  /* frames of one prediction (the model's T) */
#define FEATS RPPG_SPATIAL_FEATURES
#define HOP 2     /* predict every HOP accepted frames once the window is full */

/* ---- board hooks (provided by the firmware) -------------------------------------------- */
int camera_next_frame(rppg_frame *frame);                  /* 0 = a new frame */
int face_detect(const rppg_frame *frame, rppg_box *face);  /* 0 = face found */
void report_heart_rate(const rppg_hr *hr);
#ifdef USE_NPU
/* Runs the Spatial CNN on the NPU: int8 [36][36][3] in, int8 [FEATS] out, same
 * quantization as the .tflite (ST Edge AI keeps int8 input and output). */
int npu_spatial_run(const int8_t *patch, int8_t *features);
#endif

/* ---- application state: everything the pipeline needs, owned by the caller ------------- */
typedef struct rppg_app {
    float frames[WINDOW][RPPG_FRAME_FLOATS]; /* ring of preprocessed frames: 8 x 46.7 KB */
    int next;                                /* ring slot the next frame goes to */
    int filled;                              /* frames in the ring */
    int camera_count;                        /* camera frames seen (for the frame stride) */
    int since_prediction;
    int8_t patch[RPPG_PATCH_BYTES];          /* one network input */
    int8_t arena[RPPG_SPATIAL_ARENA_BYTES];  /* CPU path scratch (unused with the NPU) */
    float features[WINDOW * RPPG_ROIS * FEATS];
    rppg_smoother smoother;
} rppg_app;

/* The Spatial CNN on one patch: the NPU call goes here. */
static void spatial_features(rppg_app *app, int8_t *out)
{
#ifdef USE_NPU
    (void)npu_spatial_run(app->patch, out);
#else
    rppg_q8_net_run(&rppg_spatial_cnn, app->patch, out, app->arena);
#endif
}

/* One prediction over the ring: 24 patches -> 24 x FEATS features -> Temporal Fusion. */
static float predict(rppg_app *app)
{
    const float *window[WINDOW];
    int8_t q[FEATS];
    int t, r, i;
    for (t = 0; t < WINDOW; t++) /* oldest first */
        window[t] = app->frames[(app->next + t) % WINDOW];
    for (t = 0; t < WINDOW; t++)
        for (r = 0; r < RPPG_ROIS; r++) {
            rppg_window_patch(&rppg_spatial_contract, window, WINDOW, t, r,
                              rppg_spatial_cnn.in_scale, rppg_spatial_cnn.in_zp, app->patch);
            spatial_features(app, q);
            for (i = 0; i < FEATS; i++) /* row t*3 + roi, as the model was trained */
                app->features[(t * RPPG_ROIS + r) * FEATS + i] =
                    rppg_q8_dequantize(q[i], rppg_spatial_cnn.out_scale, rppg_spatial_cnn.out_zp);
        }
    return temporal_fusion_infer(app->features); /* BPM in [30, 180] */
}

/* Feeds one camera frame; returns 1 when a new heart rate was reported. */
static int on_frame(rppg_app *app, const rppg_frame *frame)
{
    rppg_box face;
    rppg_hr hr;
    const int stride = rppg_spatial_contract.frame_stride > 0 ? rppg_spatial_contract.frame_stride : 1;
    if (app->camera_count++ % stride != 0) /* the model sees every stride-th frame */
        return 0;
    if (face_detect(frame, &face) != 0 ||
        rppg_preprocess_frame(frame, &face, app->frames[app->next]) != 0) {
        app->filled = 0; /* face lost: start a new window, tell the smoother */
        hr = rppg_smoother_push(&app->smoother, -1.0f);
        report_heart_rate(&hr);
        return 1;
    }
    app->next = (app->next + 1) % WINDOW;
    if (app->filled < WINDOW)
        app->filled++;
    if (app->filled < WINDOW || ++app->since_prediction < HOP)
        return 0;
    app->since_prediction = 0;
    hr = rppg_smoother_push(&app->smoother, predict(app));
    report_heart_rate(&hr); /* hr.bpm, hr.confident */
    return 1;
}

static rppg_app app; /* the application's one instance (about 405 KB: put it in AXISRAM) */

int main(void)
{
    rppg_frame frame;
    const rppg_smoother_config cfg = rppg_smoother_default_config();
    if (rppg_smoother_init(&app.smoother, &cfg) != 0)
        return 1;
    for (;;)
        if (camera_next_frame(&frame) == 0)
            (void)on_frame(&app, &frame);
}
