/* Synthetic rPPG data from a physical model of a face video (see the notes in rppg-signal.md):
 * per subject a skin tone, a pulse of 0.1-1 % of the skin's level with harmonics, heart-rate
 * variability and respiratory sinus arrhythmia, a heart rate of 40-160 BPM drifting slowly,
 * illumination drift, sway and mains flicker, specular reflection tied to head motion, and per
 * ROI (forehead, left cheek, right cheek) lag, amplitude and skin texture. Each camera frame
 * (30 fps) renders every ROI at face-box scale (40-150 px, jittered per frame), adds
 * signal-dependent camera noise before 8-bit rounding and area-averages it to 36x36 8-bit.
 *
 * A subject's windows tile one recording: window w holds camera frames
 * (w*8 + k) * stride, k = 0..7, and its label is the heart rate at the window's centre.
 * Every random number is keyed by (seed, subject, frame, ...), so a window renders the same
 * whatever the thread or the order. */
#ifndef RQ_SYNTH_H
#define RQ_SYNTH_H

#include <stdint.h>

#include "common/error.h"
#include "preprocess.h"

/* Bump whenever the same configuration would render different bytes: rppgq run keys its
 * cache of synthetic data by it. */
#define RQ_SYNTH_VERSION 1

#define RQ_SYNTH_FRAMES 8
#define RQ_SYNTH_ROIS 3
#define RQ_SYNTH_SIZE 36
#define RQ_SYNTH_CH 3
#define RQ_SYNTH_FPS 30.0
#define RQ_SYNTH_HR_MIN 40.0
#define RQ_SYNTH_HR_MAX 160.0
#define RQ_SYNTH_MAX_STRIDE 5 /* 30/5 = 6 fps > 2 * 160/60 Hz: no aliasing of the pulse */
#define RQ_SYNTH_WINDOW_FLOATS (RQ_SYNTH_FRAMES * RQ_SYNTH_ROIS * RQ_SYNTH_SIZE * RQ_SYNTH_SIZE * RQ_SYNTH_CH)

typedef struct rq_synth_config {
    int subjects;
    int windows_per_subject;
    int frame_stride;
    uint64_t seed;
    int threads; /* does not change the output */
    /* Camera mode (either set): each subject filmed by a RQ_SYNTH_CAMERA_W x _H camera at
     * camera_fps frames per second, or with the frame timestamps camera_times (us, one
     * recording's frames, used for every subject; named camera_times_name in messages); each
     * frame cut into ROIs by rppg_preprocess_frame and resampled by the runtime's resampler
     * to 30 / frame_stride Hz, as the MCU would. */
    double camera_fps;
    const int64_t *camera_times;
    int64_t n_camera_times;
    const char *camera_times_name;
} rq_synth_config;

#define RQ_SYNTH_CAMERA_W 320
#define RQ_SYNTH_CAMERA_H 240
#define RQ_SYNTH_CAMERA_MAX_WINDOWS 64 /* per subject: a recording is filmed in memory */

/* Checks the configuration; the message names the option. */
int rq_synth_check(const rq_synth_config *c, rq_error *err);

typedef struct rq_synth_subject rq_synth_subject;

/* One subject's parameters and beat train (NULL on out of memory). */
rq_synth_subject *rq_synth_subject_new(const rq_synth_config *c, int index);
void rq_synth_subject_free(rq_synth_subject *s);
/* Heart rate (BPM) of the subject at time t seconds: the window label. */
double rq_synth_hr(const rq_synth_subject *s, double t);
/* Pulse amplitude of the subject: green peak-to-peak as a fraction of its level. */
double rq_synth_pulse_amplitude(const rq_synth_subject *s);
/* Renders window w of the subject into out (RQ_SYNTH_WINDOW_FLOATS, (8,3,36,36,3) in [0,1],
 * multiples of 1/255) and stores its label. Thread-safe for distinct out buffers; fails only
 * when out of memory. */
int rq_synth_window(const rq_synth_subject *s, int w, float *out, float *label);

/* A full RGB888 camera frame (width x height, rows packed) of camera frame n of the subject
 * and its face box: the same skin, pulse, illumination and noise model as rq_synth_window,
 * the three ROIs drawn where rppg_roi_rect places them in the box, shaded skin elsewhere in
 * the box, a grey wall around it. The box follows the head motion and per-frame jitter.
 * Deterministic (keyed by seed, subject, n). Returns 0, or -1 for a size outside 16..4096,
 * n < 0 or out of memory. Does not change what rq_synth_window renders. */
int rq_synth_camera_frame(const rq_synth_subject *s, int64_t n, int width, int height,
                          uint8_t *rgb, rppg_box *box);

/* The same for a camera at any rate: the frame taken at t seconds of the recording, its
 * random jitter and noise keyed by `key` (the camera's frame number). Frame n of the 30 fps
 * camera above is t = n / 30.0, key = n. Returns -1 also for t outside [0, 1e7). */
int rq_synth_camera_frame_at(const rq_synth_subject *s, double t, uint64_t key, int width,
                             int height, uint8_t *rgb, rppg_box *box);

/* A camera filming one subject (holds the subject's skin textures, so that a stream of frames
 * does not rebuild them): rq_synth_camera_shoot gives the same bytes as
 * rq_synth_camera_frame_at. Thread-safe for distinct rgb buffers. */
typedef struct rq_synth_camera rq_synth_camera;
rq_synth_camera *rq_synth_camera_new(const rq_synth_subject *s); /* NULL: out of memory */
int rq_synth_camera_shoot(const rq_synth_camera *c, double t, uint64_t key, int width, int height,
                          uint8_t *rgb, rppg_box *box);
void rq_synth_camera_free(rq_synth_camera *c);

typedef struct rq_synth_stats {
    int64_t windows;
    double seconds;
} rq_synth_stats;

/* Generates the whole dataset and writes it as a torch.save file (atomically). In camera mode
 * the file states the windows' rate as 'sample_hz' and the camera's as 'camera_fps' (no 'fps'
 * or 'frame_stride': the camera's frames are not a whole stride apart). */
int rq_synth_write(const rq_synth_config *c, const char *path, rq_synth_stats *stats, rq_error *err);

/* Helpers exposed for the tests. */
/* Area-average (what cv2.INTER_AREA does when shrinking) of an src x src single-channel
 * image, stepping `sstride` floats between pixels, to dst x dst (dst <= src). */
void rq_synth_area_resize(const float *in, int src, int sstride, float *out, int dst, int dstride);
/* Counter-based random numbers: the same key gives the same stream. */
uint64_t rq_synth_key(uint64_t a, uint64_t b, uint64_t c, uint64_t d);

#endif
