/* The same synthetic subject filmed by cameras at 15, 25, 30 and 60 fps (rq_synth_camera_frame_at:
 * the generator's pulse, light, motion and camera noise at each frame's own time), through the
 * MCU chain: rppg_preprocess_frame -> rppg_resampler_push (7.5 Hz, the default model's rate)
 * -> the default model (float Spatial CNN under the input contract + Temporal Fusion).
 * Properties:
 *   - at 30 fps the resampled samples are the stride-4 frames themselves (same bits);
 *   - at 15/25/60 fps the ROI means of each sample (the pulse signal the model reads) differ
 *     from the 30 fps ones by little compared with the pulse: interpolation plus different
 *     camera noise; bounded against the difference of two 30 fps cameras (noise only);
 *   - the model's heart rate at 15/25/60 fps is close to its heart rate at 30 fps, within
 *     what camera noise alone moves it (a second 30 fps camera with other noise) plus 2 BPM.
 * The numbers are printed (docs/mcu.md quotes them). */
#include <stdint.h>
#include <stdlib.h>

#include "data/synth.h"
#include "io/dataset.h"
#include "harness.h"
#include "frontend/spatial_ckpt.h"
#include "ir/ir_exec.h"
#include "passes/passes.h"
#include "model/temporal_fusion_model.h"
#include "preprocess.h"
#include "resample.h"

#define CAM_W 320
#define CAM_H 240
#define T 8
#define WINDOWS 4   /* per subject */
#define SUBJECTS 4
#define SAMPLES (T * WINDOWS)
#define FLOATS RPPG_FRAME_FLOATS

static const char *root(void)
{
    const char *r = getenv("RQ_ROOT");
    return r ? r : ".";
}

/* Camera `stream` (0: the 30 fps recording's own frames) at fps: frame i taken at i/fps s, stamped
 * round(i/fps) us by its clock;
 * the model's samples of the first SAMPLES sample times into samples (SAMPLES x FLOATS).
 * Returns 0, or -1. */
static int film(const rq_synth_subject *s, int fps, uint64_t stream, float *samples)
{
    static uint8_t rgb[CAM_W * CAM_H * 3];
    const rppg_contract c = {RPPG_REPR_WINDOW_RATIO, 50.0f, 4.0f, 4};
    const rppg_resample_config cfg = rppg_resample_config_of(&c);
    float *prev = malloc(sizeof(float) * FLOATS), *cur = malloc(sizeof(float) * FLOATS);
    rq_synth_camera *cam = rq_synth_camera_new(s);
    rppg_resampler rs;
    int got = 0, rc = -1;
    if (!prev || !cur || !cam || rppg_resampler_init(&rs, &cfg, prev))
        goto out;
    for (int64_t i = 0; got < SAMPLES; i++) {
        const int64_t t_us = (i * 1000000 + fps / 2) / fps;
        rppg_box box;
        float *out[2] = {samples + (size_t)got * FLOATS,
                         samples + (size_t)(got + 1 < SAMPLES ? got + 1 : got) * FLOATS};
        float *spare = NULL;
        if (got + 1 >= SAMPLES) /* room for a second sample this frame might give */
            out[1] = spare = malloc(sizeof(float) * FLOATS);
        const uint64_t key = stream ? (stream << 32) + (uint64_t)i : (uint64_t)i;
        const rppg_frame fr = {rgb, CAM_W, CAM_H, CAM_W * 3, RPPG_PIX_RGB888};
        int n = -1;
        if (!rq_synth_camera_shoot(cam, (double)i / fps, key, CAM_W, CAM_H, rgb, &box) &&
            !rppg_preprocess_frame(&fr, &box, cur))
            n = rppg_resampler_push(&rs, t_us, cur, out, 2);
        free(spare);
        if (n < 0)
            goto out;
        got += n;
    }
    rc = 0;
out:
    rq_synth_camera_free(cam);
    free(prev), free(cur);
    return rc;
}

/* Mean of each ROI and channel of a sample: 9 values, the signal the pulse is in. */
static void roi_means(const float *sample, double m[9])
{
    for (int k = 0; k < 9; k++)
        m[k] = 0.0;
    for (int r = 0; r < RPPG_ROIS; r++)
        for (int p = 0; p < RPPG_ROI_SIZE * RPPG_ROI_SIZE; p++)
            for (int ch = 0; ch < 3; ch++)
                m[r * 3 + ch] += sample[(size_t)r * RPPG_PATCH_FLOATS + (size_t)p * 3 + ch];
    for (int k = 0; k < 9; k++)
        m[k] /= RPPG_ROI_SIZE * RPPG_ROI_SIZE;
}

/* The signal the model reads, per window: each ROI's green mean relative to its window mean
 * (as the window-ratio contract sees it; a constant offset such as mains flicker that one
 * camera rate aliases to a steady level and another to a ripple does not count). RMS over
 * samples and ROIs of the difference of two films, in units of the subject's pulse (green
 * peak-to-peak relative to the level). */
static double green_rms_diff(const float *a, const float *b, double pulse_pp)
{
    double acc = 0.0;
    for (int w = 0; w < WINDOWS; w++) {
        double ma[T][9], mb[T][9];
        for (int k = 0; k < T; k++) {
            roi_means(a + (size_t)(w * T + k) * FLOATS, ma[k]);
            roi_means(b + (size_t)(w * T + k) * FLOATS, mb[k]);
        }
        for (int r = 0; r < 3; r++) {
            double sa = 0.0, sb = 0.0;
            for (int k = 0; k < T; k++)
                sa += ma[k][r * 3 + 1], sb += mb[k][r * 3 + 1];
            for (int k = 0; k < T; k++) {
                const double d = ma[k][r * 3 + 1] / (sa / T) - mb[k][r * 3 + 1] / (sb / T);
                acc += d * d;
            }
        }
    }
    return sqrt(acc / (SAMPLES * 3)) / pulse_pp;
}

typedef struct model {
    rq_ir_graph g;     /* the spatial CNN as every command runs it (NHWC, passes done) */
    rq_spatial_ckpt_info info;
    rq_ir_exec *x;     /* its float executor */
    rq_temporal_model tm;
} model;

/* The default model's heart rate of window w of the samples. */
static int heart_rate(model *m, const float *samples, int w, float *bpm)
{
    static float xin[T * FLOATS], feats[T * RPPG_ROIS * 64];
    rq_error err;
    const int F = (int)rq_ir_numel(&m->g.tensors[m->g.outputs[0]]);
    rppg_contract_apply(&m->info.contract, T, FLOATS, samples + (size_t)w * T * FLOATS, xin);
    for (int p = 0; p < T * RPPG_ROIS; p++) {
        memcpy(rq_ir_exec_input(m->x, 0), xin + (size_t)p * RPPG_PATCH_FLOATS, sizeof(float) * RPPG_PATCH_FLOATS);
        if (rq_ir_exec_run(m->x, &err) < 0)
            return -1;
        memcpy(feats + (size_t)p * F, rq_ir_exec_tensor(m->x, m->g.outputs[0]), sizeof(float) * (size_t)F);
    }
    return rq_temporal_forward(&m->tm, feats, bpm, &err);
}

static void camera_rates_feed_the_same_model(void)
{
    static const int rates[] = {15, 25, 60};
    char path[1024];
    rq_error err;
    model m;
    memset(&m, 0, sizeof m);
    snprintf(path, sizeof path, "%s/models/spatial_cnn.pth", root());
    CHECK_MSG(!rq_spatial_ckpt_graph(path, RPPG_ROI_SIZE, RPPG_ROI_SIZE, &m.g, &m.info, &err) &&
              !rq_passes_canonicalize(&m.g, &err) && !rq_passes_for_tflite(&m.g, &err) &&
              !rq_ir_exec_new(&m.g, &m.x, &err), "%.300s", err.msg);
    CHECK(m.info.contract.frame_stride == 4 && rq_ir_numel(&m.g.tensors[m.g.outputs[0]]) <= 64);
    snprintf(path, sizeof path, "%s/models/temporal_fusion.pth", root());
    CHECK_MSG(!rq_temporal_load(path, RPPG_ROIS, &m.tm, &err), "%.300s", err.msg);

    const size_t n = (size_t)SAMPLES * FLOATS;
    float *s30 = malloc(n * sizeof(float)), *ref = malloc(n * sizeof(float)), *sf = malloc(n * sizeof(float));
    float *stride4 = malloc(sizeof(float) * FLOATS);
    static uint8_t rgb[CAM_W * CAM_H * 3];
    CHECK(s30 && ref && sf && stride4);
    double hr_noise = 0.0, hr_diff[3] = {0}, sig_noise = 0.0, sig_diff[3] = {0}, mae30 = 0.0;
    const rq_synth_config cfg = {.subjects = SUBJECTS, .windows_per_subject = WINDOWS, .frame_stride = 4,
                                 .seed = 20261201u, .threads = 1};
    for (int subj = 0; subj < SUBJECTS; subj++) {
        rq_synth_subject *s = rq_synth_subject_new(&cfg, subj);
        CHECK(s);
        const double pp = rq_synth_pulse_amplitude(s);
        CHECK(!film(s, 30, 0, s30) && !film(s, 30, 7, ref));
        /* 30 fps: sample j is camera frame 4j, bit for bit */
        for (int j = 0; j < SAMPLES; j += 5) {
            rppg_box box;
            const rppg_frame fr = {rgb, CAM_W, CAM_H, CAM_W * 3, RPPG_PIX_RGB888};
            CHECK(!rq_synth_camera_frame(s, 4 * j, CAM_W, CAM_H, rgb, &box) &&
                  !rppg_preprocess_frame(&fr, &box, stride4));
            CHECK_MSG(!memcmp(stride4, s30 + (size_t)j * FLOATS, sizeof(float) * FLOATS),
                      "subject %d: 30 fps sample %d is not frame %d", subj, j, 4 * j);
        }
        sig_noise += green_rms_diff(s30, ref, pp) / SUBJECTS;
        float hr30[WINDOWS];
        for (int w = 0; w < WINDOWS; w++) {
            float hr_ref, label = (float)rq_synth_hr(s, (w * T + 3.5) * 4 / 30.0);
            CHECK(!heart_rate(&m, s30, w, &hr30[w]) && !heart_rate(&m, ref, w, &hr_ref));
            hr_noise += fabs(hr30[w] - hr_ref) / (SUBJECTS * WINDOWS);
            mae30 += fabs(hr30[w] - label) / (SUBJECTS * WINDOWS);
        }
        for (int r = 0; r < 3; r++) {
            CHECK(!film(s, rates[r], 1 + (uint64_t)r, sf));
            sig_diff[r] += green_rms_diff(s30, sf, pp) / SUBJECTS;
            for (int w = 0; w < WINDOWS; w++) {
                float hr;
                CHECK(!heart_rate(&m, sf, w, &hr));
                hr_diff[r] += fabs(hr - hr30[w]) / (SUBJECTS * WINDOWS);
            }
        }
        rq_synth_subject_free(s);
    }
    printf("  %d subjects x %d windows, %dx%d camera; model MAE at 30 fps %.2f BPM\n", SUBJECTS,
           WINDOWS, CAM_W, CAM_H, mae30);
    printf("  30 fps, other noise: green ROI-mean RMS diff %.3f pulse, |HR diff| %.2f BPM\n",
           sig_noise, hr_noise);
    for (int r = 0; r < 3; r++)
        printf("  %2d fps vs 30 fps:  green ROI-mean RMS diff %.3f pulse, |HR diff| %.2f BPM\n",
               rates[r], sig_diff[r], hr_diff[r]);
    for (int r = 0; r < 3; r++) {
        CHECK_MSG(sig_diff[r] <= 1.5 * sig_noise + 0.1, "%d fps: signal differs by %.3f pulse (noise %.3f)",
                  rates[r], sig_diff[r], sig_noise);
        CHECK_MSG(hr_diff[r] <= hr_noise + 2.0, "%d fps: HR differs by %.2f BPM (noise %.2f)", rates[r],
                  hr_diff[r], hr_noise);
    }
    free(s30), free(ref), free(sf), free(stride4);
    rq_temporal_free(&m.tm);
    rq_ir_exec_free(m.x);
    rq_ir_free(&m.g);
}

/* rppgq synth --camera-fps 30: the dataset's windows are the MCU chain's samples, i.e. the
 * stride-4 camera frames cut by rppg_preprocess_frame, bit for bit; the file states its rate
 * as 'sample_hz' 7.5 and the camera's as 'camera_fps'. */
static void synth_camera_mode_is_the_mcu_chain(void)
{
    static uint8_t rgb[RQ_SYNTH_CAMERA_W * RQ_SYNTH_CAMERA_H * 3];
    char path[300];
    rq_error err;
    rq_dataset ds;
    const rq_synth_config cfg = {2, 2, 4, 99, 2, 30.0, NULL, 0, NULL};
    const char *tmp = getenv("RQ_CASE_TMP");
    snprintf(path, sizeof path, "%s/camera30.pt", tmp ? tmp : "/tmp");
    CHECK_MSG(!rq_synth_write(&cfg, path, NULL, &err), "%.300s", err.msg);
    CHECK_MSG(!rq_dataset_open(path, &ds, &err), "%.300s", err.msg);
    float *w = malloc(sizeof(float) * (size_t)ds.window_floats), *ref = malloc(sizeof(float) * FLOATS);
    CHECK(w && ref && ds.n == 4 && ds.frames == T && ds.sample_hz == 7.5 && ds.fps == 0.0 &&
          ds.frame_stride == 0);
    for (int subj = 0; subj < 2; subj++) {
        rq_synth_subject *s = rq_synth_subject_new(&cfg, subj);
        CHECK(s);
        for (int win = 0; win < 2; win++) {
            CHECK(!rq_dataset_read_windows(&ds, subj * 2 + win, 1, w, &err));
            for (int k = 0; k < T; k++) {
                rppg_box box;
                const rppg_frame fr = {rgb, RQ_SYNTH_CAMERA_W, RQ_SYNTH_CAMERA_H, RQ_SYNTH_CAMERA_W * 3,
                                       RPPG_PIX_RGB888};
                CHECK(!rq_synth_camera_frame(s, 4 * (win * T + k), fr.width, fr.height, rgb, &box) &&
                      !rppg_preprocess_frame(&fr, &box, ref));
                CHECK_MSG(!memcmp(ref, w + (size_t)k * FLOATS, sizeof(float) * FLOATS),
                          "subject %d window %d sample %d", subj, win, k);
            }
            CHECK_NEAR(ds.labels[subj * 2 + win], rq_synth_hr(s, (win * T + 3.5) * 4 / 30.0), 1e-4);
        }
        rq_synth_subject_free(s);
    }
    free(w), free(ref);
    rq_dataset_close(&ds);
}

int main(void)
{
    RUN(synth_camera_mode_is_the_mcu_chain);
    RUN(camera_rates_feed_the_same_model);
    TEST_EXIT();
}
