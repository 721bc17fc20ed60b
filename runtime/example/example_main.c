/* Example firmware main loop for the split rPPG model on the STM32N6 (or any Cortex-M with
 * an FPU): camera frame + face box in, smoothed heart rate out. Compiled for the Cortex-M55
 * by tests/m55/run.sh (against a real export) so that it stays correct; the board hooks
 * below are what your firmware provides.
 *
 * Files to add to the firmware project (all C99, no heap, no mutable globals):
 *   runtime/{input_contract,preprocess,resample,int8_kernels,q8_net,postprocess,quality,
 *            temporal_fusion}.{c,h}
 *   spatial_cnn_int8.{c,h}                  rppgq export-c --spatial MODEL.tflite
 *   temporal_fusion_weights_exported.{c,h}  rppgq export-c --temporal CKPT.pth
 * With the NPU, the Spatial CNN runs from ST Edge AI's code generated from the same .tflite
 * (define USE_NPU and implement npu_spatial_run); spatial_cnn_int8.c is then only needed for
 * its input/output quantization (or drop it and copy the four numbers). */
#include <stdint.h>

#include "postprocess.h"
#include "preprocess.h"
#include "q8_net.h"
#include "quality.h"
#include "resample.h"
#include "spatial_cnn_int8.h"
#include "temporal_fusion.h"

#define WINDOW 8  /* samples of one prediction (the model's T) */
#define FEATS RPPG_SPATIAL_FEATURES
#define HOP 2     /* predict every HOP samples once the window is full */

/* ---- board hooks (provided by the firmware) -------------------------------------------- */
/* 0 = a new frame, and its capture time in microseconds (any camera rate: 15, 25, 30, 60
 * fps...; the resampler turns frames into the model's sample times) */
int camera_next_frame(rppg_frame *frame, int64_t *t_us);
int face_detect(const rppg_frame *frame, rppg_box *face);  /* 0 = face found */
void report_heart_rate(const rppg_hr *hr);
#ifdef USE_NPU
/* Runs the Spatial CNN on the NPU: int8 [36][36][3] in, int8 [FEATS] out, same
 * quantization as the .tflite (ST Edge AI keeps int8 input and output). */
int npu_spatial_run(const int8_t *patch, int8_t *features);
#endif

/* ---- application state: everything the pipeline needs, owned by the caller ------------- */
typedef struct rppg_app {
    float frames[WINDOW][RPPG_FRAME_FLOATS]; /* ring of samples at the model's rate: 8 x 46.7 KB */
    int next;                                /* ring slot the next sample goes to */
    int filled;                              /* samples in the ring */
    int since_prediction;
    float camera_rois[RPPG_FRAME_FLOATS];    /* ROIs of the latest camera frame */
    float resampler_prev[RPPG_FRAME_FLOATS]; /* the resampler's copy of the frame before */
    rppg_resampler resampler;
    int8_t patch[RPPG_PATCH_BYTES];          /* one network input */
    int32_t arena_align; /* keeps arena 4-byte aligned, as q8_net.h asks */
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

/* One prediction over the ring: 24 patches -> 24 x FEATS features -> Temporal Fusion; and
 * the window's signal quality, which decides whether the smoother may show the estimate. */
static float predict(rppg_app *app, rppg_quality *quality)
{
    const float *window[WINDOW];
    int8_t q[FEATS];
    int t, r, i;
    for (t = 0; t < WINDOW; t++) /* oldest first */
        window[t] = app->frames[(app->next + t) % WINDOW];
    rppg_window_quality(&rppg_spatial_contract, window, WINDOW, RPPG_ROIS, RPPG_PATCH_FLOATS, quality);
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

/* A new window from the next sample on (face lost, frames lost). */
static void restart_window(rppg_app *app)
{
    app->filled = 0;
    app->since_prediction = 0;
    rppg_resampler_reset(&app->resampler);
}

/* The camera frame's ROIs at the model's sample times into the ring: how many samples. */
static int resample_into_ring(rppg_app *app, int64_t t_us)
{
    float *slots[RPPG_RESAMPLE_MAX_OUT];
    int n;
    slots[0] = app->frames[app->next];
    slots[1] = app->frames[(app->next + 1) % WINDOW];
    n = rppg_resampler_push(&app->resampler, t_us, app->camera_rois, slots, RPPG_RESAMPLE_MAX_OUT);
    if (n == RPPG_RESAMPLE_GAP) { /* frames were lost: the window restarts at this frame */
        restart_window(app);
        n = rppg_resampler_push(&app->resampler, t_us, app->camera_rois, slots, RPPG_RESAMPLE_MAX_OUT);
    }
    return n < 0 ? 0 : n; /* RPPG_RESAMPLE_BACKWARDS: a stale frame, dropped */
}

/* Feeds one camera frame taken at t_us; returns 1 when a new heart rate was reported. */
static int on_frame(rppg_app *app, const rppg_frame *frame, int64_t t_us)
{
    rppg_box face;
    rppg_hr hr;
    int n, k;
    if (face_detect(frame, &face) != 0 ||
        rppg_preprocess_frame(frame, &face, app->camera_rois) != 0) {
        restart_window(app); /* face lost: start a new window, tell the smoother */
        hr = rppg_smoother_push(&app->smoother, -1.0f);
        report_heart_rate(&hr);
        return 1;
    }
    n = resample_into_ring(app, t_us);
    for (k = 0; k < n; k++) {
        app->next = (app->next + 1) % WINDOW;
        if (app->filled < WINDOW)
            app->filled++;
        app->since_prediction++;
    }
    /* after all of this frame's samples are in: predict() reads the ring from app->next on */
    if (app->filled < WINDOW || app->since_prediction < HOP)
        return 0;
    app->since_prediction = 0;
    {
        rppg_quality quality;
        const float bpm = predict(app, &quality);
        hr = rppg_smoother_push_window(&app->smoother, bpm, &quality);
    }
    report_heart_rate(&hr); /* show hr.bpm if hr.confident, else "--" (hr.why says why) */
    return 1;
}

static rppg_app app; /* the application's one instance (about 500 KB: put it in AXISRAM) */

int main(void)
{
    rppg_frame frame;
    int64_t t_us;
    const rppg_smoother_config cfg = rppg_smoother_default_config();
    /* the model's sampling rate, from its input contract (7.5 Hz for the default) */
    const rppg_resample_config rs = rppg_resample_config_of(&rppg_spatial_contract);
    if (rppg_smoother_init(&app.smoother, &cfg) != 0 ||
        rppg_resampler_init(&app.resampler, &rs, app.resampler_prev) != 0)
        return 1;
    for (;;)
        if (camera_next_frame(&frame, &t_us) == 0)
            (void)on_frame(&app, &frame, t_us);
}
