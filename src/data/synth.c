#include "data/synth.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/progress.h"
#include "io/torch_write.h"
#include "resample.h"

#define TWO_PI 6.283185307179586
#define TEX_MARGIN 8 /* texture pixels around the ROI: covers motion + jitter + scale */
#define ROI_PX_MIN 40
#define ROI_PX_MAX 150

/* Streams of the counter-based generator (the third key word). */
enum { KEY_SUBJECT = 1, KEY_BOX = 2, KEY_TEXTURE = 3, KEY_NOISE = 4, KEY_FRAME_NOISE = 5 };

/* ---- random numbers: splitmix64, keyed ---- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t rq_synth_key(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    uint64_t h = mix64(a + 0x9E3779B97F4A7C15ull);
    h = mix64(h ^ (b + 0x632BE59BD9B4E019ull));
    h = mix64(h ^ (c + 0x8CB92BA72F3D8DD7ull));
    return mix64(h ^ (d + 0xD6E8FEB86659FD93ull));
}

static uint64_t rng_next(rng *r)
{
    return mix64(r->s += 0x9E3779B97F4A7C15ull);
}

static double rng_unif(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1p-53;
}

static double rng_range(rng *r, double lo, double hi)
{
    return lo + (hi - lo) * rng_unif(r);
}

static double rng_normal(rng *r)
{
    double u1 = rng_unif(r), u2 = rng_unif(r);
    return sqrt(-2.0 * log(1.0 - u1)) * cos(TWO_PI * u2);
}

/* Camera noise: a sum of four uniforms (Irwin-Hall), scaled to unit variance. Tails stop at
 * 3.5 sigma, which does not matter for sensor noise and is much faster than Box-Muller. */
static float rng_fast_normal(rng *r)
{
    uint64_t v = rng_next(r);
    uint32_t s = (uint32_t)(v & 0xFFFF) + (uint32_t)((v >> 16) & 0xFFFF) +
                 (uint32_t)((v >> 32) & 0xFFFF) + (uint32_t)(v >> 48);
    return ((float)s * (1.0f / 65536.0f) - 2.0f) * 1.7320508f;
}

/* ---- the subject ---- */

typedef struct roi_params {
    double gain;      /* level relative to the face's mean */
    double amp;       /* pulse amplitude relative to the subject's */
    double lag;       /* seconds */
    double spec;      /* share of the specular reflection */
    double grad[2];   /* shading across the ROI */
    double wave[4][4]; /* skin texture: kx, ky (cycles per ROI), phase, amplitude */
    double fine;      /* per-pixel texture, relative */
} roi_params;

struct rq_synth_subject {
    uint64_t seed;
    int index, stride, windows;
    double hr0, hr_a[2], hr_f[2], hr_ph[2];
    double dc[3];     /* skin level per channel, [0,1] of full scale */
    double amp_g;     /* green pulse peak-to-peak / level */
    double ch_amp[3]; /* per channel, relative to green */
    double h2, psi2, h3, psi3, wave_pp;
    double drift_a, drift_f, drift_ph, sway_a, sway_f, sway_ph, flick_a, flick_ph;
    double spec_a, spec_ph, motion_a, motion_ph[2];
    double noise_a, noise_b; /* sigma^2 = a * DN + b */
    int roi_px;
    roi_params roi[RQ_SYNTH_ROIS];
    double *beats;
    int n_beats;
};

static int camera_mode(const rq_synth_config *c)
{
    return c->camera_fps > 0.0 || c->camera_times;
}

static int check_camera(const rq_synth_config *c, rq_error *err);

int rq_synth_check(const rq_synth_config *c, rq_error *err)
{
    if (c->subjects < 1)
        return rq_fail(err, "--subjects must be at least 1 (got %d)", c->subjects);
    if (c->windows_per_subject < 1)
        return rq_fail(err, "--windows-per-subject must be at least 1 (got %d)", c->windows_per_subject);
    if (c->frame_stride < 1)
        return rq_fail(err, "--frame-stride must be at least 1 (got %d)", c->frame_stride);
    if (c->frame_stride > RQ_SYNTH_MAX_STRIDE)
        return rq_fail(err,
                       "--frame-stride %d aliases the pulse: %.1f fps cannot carry %.0f BPM "
                       "(%.2f Hz); use 1..%d",
                       c->frame_stride, RQ_SYNTH_FPS / c->frame_stride, RQ_SYNTH_HR_MAX,
                       RQ_SYNTH_HR_MAX / 60.0, RQ_SYNTH_MAX_STRIDE);
    /* One recording must fit comfortably in int frame indices and in a day of video. */
    if ((int64_t)c->windows_per_subject * RQ_SYNTH_FRAMES * c->frame_stride > 30LL * 86400)
        return rq_fail(err, "--windows-per-subject %d makes a recording longer than a day",
                       c->windows_per_subject);
    if ((int64_t)c->subjects * c->windows_per_subject > 10000000LL)
        return rq_fail(err, "%lld windows is more than the limit of 10000000",
                       (long long)c->subjects * c->windows_per_subject);
    if (c->threads < 1 || c->threads > 256)
        return rq_fail(err, "--threads must be 1..256 (got %d)", c->threads);
    return camera_mode(c) ? check_camera(c, err) : 0;
}

double rq_synth_hr(const rq_synth_subject *s, double t)
{
    double hr = s->hr0;
    for (int i = 0; i < 2; i++)
        hr += s->hr_a[i] * sin(TWO_PI * s->hr_f[i] * t + s->hr_ph[i]);
    return hr < RQ_SYNTH_HR_MIN ? RQ_SYNTH_HR_MIN : (hr > RQ_SYNTH_HR_MAX ? RQ_SYNTH_HR_MAX : hr);
}

double rq_synth_pulse_amplitude(const rq_synth_subject *s)
{
    return s->amp_g;
}

static double waveform_raw(const rq_synth_subject *s, double ph)
{
    return cos(ph) + s->h2 * cos(2 * ph - s->psi2) + s->h3 * cos(3 * ph - s->psi3);
}

static void draw_waveform(rq_synth_subject *s, rng *r)
{
    s->h2 = rng_range(r, 0.3, 0.5);
    s->psi2 = rng_range(r, 0.3, 1.5);
    s->h3 = rng_range(r, 0.05, 0.15);
    s->psi3 = rng_range(r, 0.0, TWO_PI);
    double lo = 1e9, hi = -1e9;
    for (int i = 0; i < 512; i++) {
        double v = waveform_raw(s, TWO_PI * i / 512.0);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    s->wave_pp = hi - lo;
}

/* Beat onsets: each period follows the drifting heart rate, modulated by respiratory sinus
 * arrhythmia and beat-to-beat jitter. */
static int draw_beats(rq_synth_subject *s, rng *r, double t_end)
{
    double f_resp = rng_range(r, 0.15, 0.4), rsa = rng_range(r, 0.02, 0.05);
    double resp_ph = rng_range(r, 0, TWO_PI), jitter = rng_range(r, 0.01, 0.03);
    int cap = (int)((t_end + 6.0) * RQ_SYNTH_HR_MAX / 60.0 / 0.8) + 16;
    s->beats = malloc((size_t)cap * sizeof *s->beats);
    if (!s->beats)
        return -1;
    double t = -(0.2 + rng_unif(r) * 1.5);
    int n = 0;
    while (n < cap) {
        s->beats[n++] = t;
        if (t > t_end + 2.0)
            break;
        double period = 60.0 / rq_synth_hr(s, t);
        period *= (1.0 + rsa * sin(TWO_PI * f_resp * t + resp_ph)) * (1.0 + jitter * rng_normal(r));
        t += period < 0.3 ? 0.3 : period;
    }
    s->n_beats = n;
    s->sway_f = f_resp * rng_range(r, 0.8, 1.2); /* head sway follows breathing */
    return 0;
}

static void draw_roi(roi_params *p, rng *r, int roi)
{
    p->gain = roi == 0 ? rng_range(r, 1.0, 1.08) : rng_range(r, 0.92, 1.0);
    p->amp = rng_range(r, 0.7, 1.3);
    p->lag = rng_range(r, 0.0, 0.05);
    p->spec = roi == 0 ? 1.0 : rng_range(r, 0.2, 0.5); /* the forehead shines most */
    p->grad[0] = rng_range(r, -0.05, 0.05);
    p->grad[1] = rng_range(r, -0.05, 0.05);
    for (int i = 0; i < 4; i++) {
        p->wave[i][0] = rng_range(r, -4, 4);
        p->wave[i][1] = rng_range(r, -4, 4);
        p->wave[i][2] = rng_range(r, 0, TWO_PI);
        p->wave[i][3] = rng_range(r, 0, 0.015);
    }
    p->fine = rng_range(r, 0.01, 0.03);
}

rq_synth_subject *rq_synth_subject_new(const rq_synth_config *c, int index)
{
    rq_synth_subject *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    rng r = {rq_synth_key(c->seed, (uint64_t)index, KEY_SUBJECT, 0)};
    s->seed = c->seed;
    s->index = index;
    s->stride = c->frame_stride;
    s->windows = c->windows_per_subject;
    s->hr0 = rng_range(&r, 42, 158);
    s->hr_a[0] = rng_range(&r, 1, 8);
    s->hr_f[0] = rng_range(&r, 1.0 / 150, 1.0 / 40);
    s->hr_a[1] = rng_range(&r, 0, 3);
    s->hr_f[1] = rng_range(&r, 1.0 / 40, 1.0 / 15);
    s->hr_ph[0] = rng_range(&r, 0, TWO_PI);
    s->hr_ph[1] = rng_range(&r, 0, TWO_PI);
    /* Skin tone along [0.7682, 0.5121, 0.3841], patch-mean red 0.45..0.82 of full scale. */
    double red = rng_range(&r, 0.45, 0.82);
    s->dc[0] = red;
    s->dc[1] = red * (0.5121 / 0.7682) * rng_range(&r, 0.92, 1.08);
    s->dc[2] = red * (0.3841 / 0.7682) * rng_range(&r, 0.9, 1.1);
    s->amp_g = exp(log(0.003) + 0.45 * rng_normal(&r));
    s->amp_g = s->amp_g < 0.001 ? 0.001 : (s->amp_g > 0.01 ? 0.01 : s->amp_g);
    s->ch_amp[0] = 0.43 * rng_range(&r, 0.85, 1.15);
    s->ch_amp[1] = 1.0;
    s->ch_amp[2] = 0.69 * rng_range(&r, 0.85, 1.15);
    draw_waveform(s, &r);
    s->drift_a = rng_range(&r, 0.01, 0.05);
    s->drift_f = rng_range(&r, 0.01, 0.05);
    s->drift_ph = rng_range(&r, 0, TWO_PI);
    s->sway_a = rng_range(&r, 0.005, 0.03);
    s->sway_ph = rng_range(&r, 0, TWO_PI);
    s->flick_a = rng_unif(&r) < 0.67 ? 0.0 : rng_range(&r, 0.0, 0.01); /* a third of rooms flicker */
    s->flick_ph = rng_range(&r, 0, TWO_PI);
    s->spec_a = rng_range(&r, 0.0, 0.05);
    s->spec_ph = rng_range(&r, 0, TWO_PI);
    s->motion_a = rng_range(&r, 0.0, 3.0);
    s->motion_ph[0] = rng_range(&r, 0, TWO_PI);
    s->motion_ph[1] = rng_range(&r, 0, TWO_PI);
    s->noise_a = rng_range(&r, 0.01, 0.05);
    s->noise_b = rng_range(&r, 0.5, 3.0);
    s->roi_px = ROI_PX_MIN + (int)(rng_unif(&r) * (ROI_PX_MAX - ROI_PX_MIN + 1));
    for (int i = 0; i < RQ_SYNTH_ROIS; i++)
        draw_roi(&s->roi[i], &r, i);
    double t_end = (double)c->windows_per_subject * RQ_SYNTH_FRAMES * c->frame_stride / RQ_SYNTH_FPS;
    if (draw_beats(s, &r, t_end)) {
        free(s);
        return NULL;
    }
    return s;
}

void rq_synth_subject_free(rq_synth_subject *s)
{
    if (s) {
        free(s->beats);
        free(s);
    }
}

/* Normalized pulse p(t), peak-to-peak 1: blood volume rises, reflected light falls. */
static double pulse(const rq_synth_subject *s, double t)
{
    int lo = 0, hi = s->n_beats - 1;
    if (t <= s->beats[0] || hi < 1)
        return waveform_raw(s, 0) / s->wave_pp;
    if (t >= s->beats[hi])
        lo = hi - 1;
    else
        while (hi - lo > 1) {
            int mid = (lo + hi) / 2;
            if (s->beats[mid] <= t)
                lo = mid;
            else
                hi = mid;
        }
    double ph = TWO_PI * (t - s->beats[lo]) / (s->beats[lo + 1] - s->beats[lo]);
    return waveform_raw(s, ph) / s->wave_pp;
}

/* ---- rendering ---- */

void rq_synth_area_resize(const float *in, int src, int sstride, float *out, int dst, int dstride)
{
    double f = (double)src / dst;
    /* Columns first (src rows x dst cols), then rows. */
    int need = src * dst;
    float stackbuf[160 * RQ_SYNTH_SIZE];
    float *tmp = need <= (int)(sizeof stackbuf / sizeof *stackbuf) ? stackbuf : malloc((size_t)need * sizeof *tmp);
    if (!tmp)
        return;
    for (int j = 0; j < dst; j++) {
        double a = j * f, b = (j + 1) * f;
        int i0 = (int)a, i1 = (int)ceil(b - 1e-9);
        if (i1 > src)
            i1 = src;
        for (int y = 0; y < src; y++) {
            double acc = 0;
            for (int i = i0; i < i1; i++) {
                double lo = i > a ? i : a, hi = i + 1 < b ? i + 1 : b;
                acc += (hi - lo) * in[((size_t)y * src + i) * sstride];
            }
            tmp[y * dst + j] = (float)(acc / f);
        }
    }
    for (int k = 0; k < dst; k++) {
        double a = k * f, b = (k + 1) * f;
        int y0 = (int)a, y1 = (int)ceil(b - 1e-9);
        if (y1 > src)
            y1 = src;
        for (int j = 0; j < dst; j++) {
            double acc = 0;
            for (int y = y0; y < y1; y++) {
                double lo = y > a ? y : a, hi = y + 1 < b ? y + 1 : b;
                acc += (hi - lo) * tmp[y * dst + j];
            }
            out[((size_t)k * dst + j) * dstride] = (float)(acc / f);
        }
    }
    if (tmp != stackbuf)
        free(tmp);
}

/* The subject's skin texture of one ROI at face-box scale, with a margin for motion. */
static void make_texture(const rq_synth_subject *s, int roi, float *tex, int n)
{
    const roi_params *p = &s->roi[roi];
    rng r = {rq_synth_key(s->seed, (uint64_t)s->index, KEY_TEXTURE, (uint64_t)roi)};
    int px = s->roi_px;
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            double u = (x - TEX_MARGIN + 0.5) / px - 0.5, v = (y - TEX_MARGIN + 0.5) / px - 0.5;
            double t = 1.0 + p->grad[0] * u + p->grad[1] * v;
            for (int i = 0; i < 4; i++)
                t += p->wave[i][3] * sin(TWO_PI * (p->wave[i][0] * u + p->wave[i][1] * v) + p->wave[i][2]);
            t += p->fine * rng_fast_normal(&r);
            tex[y * n + x] = (float)t;
        }
}

static float bilinear(const float *tex, int n, double u, double v)
{
    if (u < 0)
        u = 0;
    if (v < 0)
        v = 0;
    if (u > n - 1.001)
        u = n - 1.001;
    if (v > n - 1.001)
        v = n - 1.001;
    int x = (int)u, y = (int)v;
    float fx = (float)(u - x), fy = (float)(v - y);
    const float *q = tex + y * n + x;
    float top = q[0] + fx * (q[1] - q[0]), bot = q[n] + fx * (q[n + 1] - q[n]);
    return top + fy * (bot - top);
}

typedef struct frame_state {
    double light;  /* 1 + illumination change */
    double spec;   /* specular level, fraction of the skin level */
    double dx, dy, scale; /* face box: motion + jitter, in face-box pixels */
} frame_state;

/* The scene at time t (seconds); key: the camera frame's number, which keys its random jitter
 * and noise (frame n of the 30 fps recording: t = n / 30, key n). */
static frame_state frame_at(const rq_synth_subject *s, double t, uint64_t key)
{
    frame_state f;
    rng r = {rq_synth_key(s->seed, (uint64_t)s->index, KEY_BOX, key)};
    double sway = sin(TWO_PI * s->sway_f * t + s->sway_ph);
    f.light = 1.0 + s->drift_a * sin(TWO_PI * s->drift_f * t + s->drift_ph) + s->sway_a * sway +
              s->flick_a * sin(TWO_PI * 100.0 * t + s->flick_ph); /* 100 Hz mains, aliased */
    f.spec = s->spec_a * (0.5 + 0.5 * sin(TWO_PI * s->sway_f * t + s->spec_ph));
    f.dx = s->motion_a * sin(TWO_PI * s->sway_f * t + s->motion_ph[0]) + rng_range(&r, -1.5, 1.5);
    f.dy = 0.6 * s->motion_a * sin(TWO_PI * s->sway_f * t + s->motion_ph[1]) + rng_range(&r, -1.5, 1.5);
    f.scale = 1.0 + rng_range(&r, -0.02, 0.02);
    return f;
}

/* Light reaching the camera from one ROI at time t, in DN: the skin level per channel
 * (pulse and illumination applied) and the specular part. */
static void roi_levels(const rq_synth_subject *s, double t, const frame_state *f, int roi,
                       float level[3], float *spec_dn)
{
    const roi_params *p = &s->roi[roi];
    double pl = pulse(s, t - p->lag) * s->amp_g * p->amp;
    double mean_dc = (s->dc[0] + s->dc[1] + s->dc[2]) / 3.0;
    for (int c = 0; c < 3; c++)
        level[c] = (float)(255.0 * f->light * s->dc[c] * p->gain * (1.0 - pl * s->ch_amp[c]));
    *spec_dn = (float)(255.0 * f->light * f->spec * p->spec * mean_dc);
}

/* One camera pixel: texture value tv on the given light, signal-dependent sensor noise,
 * rounded and clipped to 8 bits. */
static void camera_pixel(const rq_synth_subject *s, const float level[3], float spec_dn, float tv,
                         rng *r, float q[3])
{
    float na = (float)s->noise_a, nb = (float)s->noise_b;
    for (int c = 0; c < 3; c++) {
        float dn = level[c] * tv + spec_dn;
        float var = na * (dn > 0 ? dn : 0) + nb;
        dn += sqrtf(var) * rng_fast_normal(r);
        dn = rintf(dn);
        q[c] = dn < 0 ? 0 : (dn > 255 ? 255 : dn);
    }
}

/* One ROI of one camera frame: rendered at face-box scale in DN with camera noise, rounded to
 * 8 bits, area-averaged to 36x36 and rounded again (an 8-bit frame, as cv2 gives it). */
static void render_roi(const rq_synth_subject *s, int64_t n, const frame_state *f, int roi,
                       const float *tex, int tn, float *img, float *out)
{
    int px = s->roi_px;
    float level[3], spec_dn;
    roi_levels(s, (double)n / RQ_SYNTH_FPS, f, roi, level, &spec_dn);
    rng r = {rq_synth_key(s->seed, (uint64_t)s->index, KEY_NOISE, (uint64_t)n * 8 + (uint64_t)roi)};
    double centre = TEX_MARGIN + px / 2.0 - 0.5;
    for (int y = 0; y < px; y++) {
        double v = centre + (y + 0.5 - px / 2.0) * f->scale + f->dy;
        for (int x = 0; x < px; x++) {
            double u = centre + (x + 0.5 - px / 2.0) * f->scale + f->dx;
            camera_pixel(s, level, spec_dn, bilinear(tex, tn, u, v), &r, img + ((size_t)y * px + x) * 3);
        }
    }
    for (int c = 0; c < 3; c++)
        rq_synth_area_resize(img + c, px, 3, out + c, RQ_SYNTH_SIZE, 3);
    for (int i = 0; i < RQ_SYNTH_SIZE * RQ_SYNTH_SIZE * 3; i++)
        out[i] = rintf(out[i]) * (1.0f / 255.0f);
}

int rq_synth_window(const rq_synth_subject *s, int w, float *out, float *label)
{
    int tn = s->roi_px + 2 * TEX_MARGIN;
    size_t tex_len = (size_t)tn * tn;
    float *tex = malloc((RQ_SYNTH_ROIS * tex_len + (size_t)s->roi_px * s->roi_px * 3) * sizeof *tex);
    if (!tex)
        return -1;
    float *img = tex + RQ_SYNTH_ROIS * tex_len;
    for (int r = 0; r < RQ_SYNTH_ROIS; r++)
        make_texture(s, r, tex + r * tex_len, tn);
    int64_t start = (int64_t)w * RQ_SYNTH_FRAMES * s->stride;
    const size_t plane = RQ_SYNTH_SIZE * RQ_SYNTH_SIZE * RQ_SYNTH_CH;
    for (int k = 0; k < RQ_SYNTH_FRAMES; k++) {
        int64_t n = start + (int64_t)k * s->stride;
        frame_state f = frame_at(s, (double)n / RQ_SYNTH_FPS, (uint64_t)n);
        for (int r = 0; r < RQ_SYNTH_ROIS; r++)
            render_roi(s, n, &f, r, tex + r * tex_len, tn, img,
                       out + ((size_t)k * RQ_SYNTH_ROIS + r) * plane);
    }
    free(tex);
    double centre = (start + 0.5 * (RQ_SYNTH_FRAMES - 1) * s->stride) / RQ_SYNTH_FPS;
    *label = (float)rq_synth_hr(s, centre);
    return 0;
}

/* ---- full camera frames ---- */

/* Skin outside the three ROIs (brows, nose, jaw) is shaded darker than the cheeks, and the
 * wall behind the face is grey: a cut at the wrong place shows in the ROI means. */
#define FRAME_SKIN_SHADE 0.8f
static const double wall_dc[3] = {0.30, 0.31, 0.33};

/* The face box of frame n: centred, half the frame wide, 3/4 of it high, moved by the
 * subject's head motion and jitter (frame_at, converted from ROI pixels to frame pixels)
 * and scaled by the per-frame jitter. */
static rppg_box frame_box(const rq_synth_subject *s, const frame_state *f, int width, int height)
{
    double w = 0.5 * width * f->scale, h = 0.75 * height * f->scale;
    double to_frame = 0.4 * 0.5 * width / s->roi_px; /* forehead ROI: 0.4 of the box width */
    double cx = 0.5 * width + f->dx * to_frame, cy = 0.5 * height + f->dy * to_frame;
    rppg_box b = {(int)lrint(cx - 0.5 * w), (int)lrint(cy - 0.5 * h), (int)lrint(w), (int)lrint(h)};
    return b;
}

/* What every pixel of one frame shares: the ROI rectangles and the light of each region
 * (ROIs, other skin, wall), computed once per frame. */
typedef struct frame_light {
    rppg_rect roi[RQ_SYNTH_ROIS];
    float level[RQ_SYNTH_ROIS + 2][3], spec[RQ_SYNTH_ROIS + 2];
} frame_light;

enum { REGION_SKIN = RQ_SYNTH_ROIS, REGION_WALL = RQ_SYNTH_ROIS + 1 };

static void frame_light_at(const rq_synth_subject *s, double t, const frame_state *f,
                           const rppg_box *box, frame_light *fl)
{
    for (int r = 0; r < RQ_SYNTH_ROIS; r++) {
        fl->roi[r] = rppg_roi_rect(box, r);
        roi_levels(s, t, f, r, fl->level[r], &fl->spec[r]);
    }
    roi_levels(s, t, f, 1 /* a cheek's skin */, fl->level[REGION_SKIN], &fl->spec[REGION_SKIN]);
    for (int c = 0; c < 3; c++) {
        fl->level[REGION_SKIN][c] *= FRAME_SKIN_SHADE;
        fl->level[REGION_WALL][c] = (float)(255.0 * f->light * wall_dc[c]);
    }
    fl->spec[REGION_SKIN] = fl->spec[REGION_WALL] = 0.0f;
}

/* Light and texture value of the frame pixel centred at (xc, yc). */
static void frame_pixel_light(const rq_synth_subject *s, const frame_light *fl,
                              const rppg_box *box, const float *tex, int tn, double xc, double yc,
                              float level[3], float *spec_dn, float *tv)
{
    int region = REGION_WALL;
    *tv = 1.0f;
    for (int r = 0; r < RQ_SYNTH_ROIS; r++) {
        const rppg_rect *q = &fl->roi[r];
        if (xc >= q->x0 && xc < q->x1 && yc >= q->y0 && yc < q->y1) {
            double u = TEX_MARGIN - 0.5 + (xc - q->x0) / (q->x1 - q->x0) * s->roi_px;
            double v = TEX_MARGIN - 0.5 + (yc - q->y0) / (q->y1 - q->y0) * s->roi_px;
            *tv = bilinear(tex + (size_t)r * tn * tn, tn, u, v);
            region = r;
            break;
        }
    }
    if (region == REGION_WALL && xc >= box->x && xc < box->x + box->w && yc >= box->y &&
        yc < box->y + box->h)
        region = REGION_SKIN;
    for (int c = 0; c < 3; c++)
        level[c] = fl->level[region][c];
    *spec_dn = fl->spec[region];
}

int rq_synth_camera_frame(const rq_synth_subject *s, int64_t n, int width, int height,
                          uint8_t *rgb, rppg_box *box)
{
    if (n < 0)
        return -1;
    return rq_synth_camera_frame_at(s, (double)n / RQ_SYNTH_FPS, (uint64_t)n, width, height, rgb, box);
}

struct rq_synth_camera {
    const rq_synth_subject *s;
    int tn;
    float tex[]; /* the subject's three ROI textures, tn x tn each */
};

rq_synth_camera *rq_synth_camera_new(const rq_synth_subject *s)
{
    int tn = s->roi_px + 2 * TEX_MARGIN;
    rq_synth_camera *c = malloc(sizeof *c + (size_t)RQ_SYNTH_ROIS * tn * tn * sizeof(float));
    if (!c)
        return NULL;
    c->s = s;
    c->tn = tn;
    for (int r = 0; r < RQ_SYNTH_ROIS; r++)
        make_texture(s, r, c->tex + (size_t)r * tn * tn, tn);
    return c;
}

void rq_synth_camera_free(rq_synth_camera *c)
{
    free(c);
}

int rq_synth_camera_frame_at(const rq_synth_subject *s, double t, uint64_t key, int width,
                             int height, uint8_t *rgb, rppg_box *box)
{
    rq_synth_camera *c = rq_synth_camera_new(s);
    int rc = c ? rq_synth_camera_shoot(c, t, key, width, height, rgb, box) : -1;
    rq_synth_camera_free(c);
    return rc;
}

int rq_synth_camera_shoot(const rq_synth_camera *c, double t, uint64_t key, int width, int height,
                          uint8_t *rgb, rppg_box *box)
{
    if (width < 16 || height < 16 || width > 4096 || height > 4096 || !(t >= 0.0 && t < 1e7))
        return -1;
    const rq_synth_subject *s = c->s;
    const int tn = c->tn;
    const float *tex = c->tex;
    frame_state f = frame_at(s, t, key);
    *box = frame_box(s, &f, width, height);
    rng r = {rq_synth_key(s->seed, (uint64_t)s->index, KEY_FRAME_NOISE, key)};
    frame_light fl;
    frame_light_at(s, t, &f, box, &fl);
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            float level[3], spec_dn, tv, q[3];
            frame_pixel_light(s, &fl, box, tex, tn, x + 0.5, y + 0.5, level, &spec_dn, &tv);
            camera_pixel(s, level, spec_dn, tv, &r, q);
            for (int ch = 0; ch < 3; ch++)
                rgb[((size_t)y * width + x) * 3 + ch] = (uint8_t)q[ch];
        }
    return 0;
}

/* ---- camera mode: a subject filmed at any frame rate, resampled as on the MCU ---- */

#define CAM_FLOATS RPPG_FRAME_FLOATS

/* Camera frame i: its clock's timestamp (us) and its true capture time (s from the first
 * frame). Returns -1 past the last timestamp. */
static int camera_frame_time(const rq_synth_config *c, int64_t i, int64_t *t_us, double *t_s)
{
    if (c->camera_times) {
        if (i >= c->n_camera_times)
            return -1;
        *t_us = c->camera_times[i];
        *t_s = (double)(c->camera_times[i] - c->camera_times[0]) * 1e-6;
        return 0;
    }
    *t_s = (double)i / c->camera_fps;
    *t_us = llround((double)i * 1e6 / c->camera_fps);
    return 0;
}

static rppg_resample_config camera_resample_config(const rq_synth_config *c)
{
    const rppg_contract k = {RPPG_REPR_RAW, 1.0f, 0.0f, c->frame_stride};
    return rppg_resample_config_of(&k);
}

/* The runtime resampler's verdict on the camera's timestamps (run without pixels over the
 * frames a subject's windows need), as one line naming the frame. */
static int check_camera(const rq_synth_config *c, rq_error *err)
{
    const char *what = c->camera_times ? c->camera_times_name : "--camera-fps";
    const char *unit = c->camera_times ? "line" : "frame";
    if (c->camera_times && c->camera_fps > 0.0)
        return rq_fail(err, "--camera-fps and --camera-times both given: the timestamps are the camera's rate");
    if (!c->camera_times && !(c->camera_fps >= 1.0 && c->camera_fps <= 1000.0))
        return rq_fail(err, "--camera-fps must be 1..1000 (got %g)", c->camera_fps);
    if (c->windows_per_subject > RQ_SYNTH_CAMERA_MAX_WINDOWS)
        return rq_fail(err, "--windows-per-subject %d: a filmed recording is held in memory, at most %d",
                       c->windows_per_subject, RQ_SYNTH_CAMERA_MAX_WINDOWS);
    if (c->camera_times && c->n_camera_times < 1)
        return rq_fail(err, "%s: no timestamps", what);
    const rppg_resample_config rc = camera_resample_config(c);
    float *buf = calloc(4 * (size_t)CAM_FLOATS, sizeof *buf);
    float *out[2] = {buf + CAM_FLOATS, buf + 2 * CAM_FLOATS};
    rppg_resampler rs;
    const int64_t need = (int64_t)c->windows_per_subject * RQ_SYNTH_FRAMES;
    int64_t got = 0, i, t_us = 0, t_prev = 0;
    int bad = 0;
    if (!buf || rppg_resampler_init(&rs, &rc, buf)) {
        free(buf);
        return rq_fail(err, "out of memory");
    }
    for (i = 0; got < need && !bad; i++) {
        double t_s;
        if (camera_frame_time(c, i, &t_us, &t_s)) {
            bad = rq_fail(err, "%s: %lld timestamps end at sample %lld of the %lld that %d windows of "
                          "%d samples at %g Hz need", what, (long long)i, (long long)got,
                          (long long)need, c->windows_per_subject, RQ_SYNTH_FRAMES,
                          RQ_SYNTH_FPS / c->frame_stride);
            break;
        }
        int n = rppg_resampler_push(&rs, t_us, buf + 3 * CAM_FLOATS, out, 2);
        if (n == RPPG_RESAMPLE_BACKWARDS)
            bad = rq_fail(err, "%s: %s %lld: timestamp %lld us is not after the previous frame's "
                          "%lld us (the runtime refuses it: RPPG_RESAMPLE_BACKWARDS)", what, unit,
                          (long long)i + 1, (long long)t_us, (long long)t_prev);
        else if (n == RPPG_RESAMPLE_GAP)
            bad = rq_fail(err, "%s: %s %lld: %lld us after the previous frame, more than the %lld us "
                          "the runtime bridges (RPPG_RESAMPLE_GAP): frames lost, or a camera slower "
                          "than %g Hz", what, unit, (long long)i + 1, (long long)(t_us - t_prev),
                          (long long)rc.max_gap_us, RQ_SYNTH_FPS / c->frame_stride / 1.5);
        else if (n < 0)
            bad = rq_fail(err, "%s: the runtime's resampler failed (%d)", what, n);
        got += n > 0 ? n : 0;
        t_prev = t_us;
    }
    free(buf);
    return bad;
}

/* One subject's recording filmed and resampled: windows_per_subject windows into out, their
 * labels (heart rate at each window's centre time). Returns 0, or -1 (out of memory). */
static int film_subject(const rq_synth_config *c, const rq_synth_subject *s, float *out,
                        float *labels)
{
    const int W = RQ_SYNTH_CAMERA_W, H = RQ_SYNTH_CAMERA_H;
    const int64_t need = (int64_t)c->windows_per_subject * RQ_SYNTH_FRAMES;
    const rppg_resample_config rcfg = camera_resample_config(c);
    uint8_t *rgb = malloc((size_t)W * H * 3);
    float *bufs = malloc(3 * (size_t)CAM_FLOATS * sizeof *bufs);
    rq_synth_camera *cam = rq_synth_camera_new(s);
    rppg_resampler rs;
    int64_t got = 0;
    int rc = -1;
    if (!rgb || !bufs || !cam || rppg_resampler_init(&rs, &rcfg, bufs))
        goto done;
    float *cur = bufs + CAM_FLOATS, *spare = bufs + 2 * CAM_FLOATS;
    const rppg_frame fr = {rgb, W, H, (size_t)W * 3, RPPG_PIX_RGB888};
    for (int64_t i = 0; got < need; i++) {
        int64_t t_us;
        double t_s;
        rppg_box box;
        if (camera_frame_time(c, i, &t_us, &t_s) ||
            rq_synth_camera_shoot(cam, t_s, (uint64_t)i, W, H, rgb, &box) ||
            rppg_preprocess_frame(&fr, &box, cur))
            goto done;
        float *slots[2] = {out + (size_t)got * CAM_FLOATS,
                           got + 1 < need ? out + (size_t)(got + 1) * CAM_FLOATS : spare};
        int n = rppg_resampler_push(&rs, t_us, cur, slots, 2);
        if (n < 0) /* check_camera ran the same timestamps */
            goto done;
        got += n;
    }
    const double period = (double)c->frame_stride / RQ_SYNTH_FPS;
    for (int w = 0; w < c->windows_per_subject; w++)
        labels[w] = (float)rq_synth_hr(s, (w * RQ_SYNTH_FRAMES + 0.5 * (RQ_SYNTH_FRAMES - 1)) * period);
    rc = 0;
done:
    rq_synth_camera_free(cam);
    free(rgb);
    free(bufs);
    return rc;
}

typedef struct camera_job {
    const rq_synth_config *c;
    rq_synth_subject **subjects;
    int first, count;
    float *buf, *labels;
    atomic_int next, failed;
} camera_job;

static void *camera_worker(void *arg)
{
    camera_job *job = arg;
    const size_t per_subject = (size_t)job->c->windows_per_subject * RQ_SYNTH_WINDOW_FLOATS;
    for (;;) {
        int i = atomic_fetch_add(&job->next, 1);
        if (i >= job->count)
            break;
        int g = job->first + i;
        if (film_subject(job->c, job->subjects[g], job->buf + (size_t)i * per_subject,
                         job->labels + (size_t)g * job->c->windows_per_subject))
            atomic_store(&job->failed, 1);
    }
    return NULL;
}

/* Camera mode: subjects filmed in parallel, one per thread, written in order. */
static int write_camera_windows(rq_torch_writer *tw, const rq_synth_config *c,
                                rq_synth_subject **subj, float *labels, const char *path,
                                rq_error *err)
{
    const size_t per_subject = (size_t)c->windows_per_subject * RQ_SYNTH_WINDOW_FLOATS;
    const int per_batch = c->threads < c->subjects ? c->threads : c->subjects;
    float *buf = malloc((size_t)per_batch * per_subject * sizeof *buf);
    if (!buf)
        return rq_fail(err, "%s: out of memory for %d filmed recordings", path, per_batch);
    camera_job job = {.c = c, .subjects = subj, .buf = buf, .labels = labels};
    rq_progress prog;
    rq_progress_start(&prog, "synth", (uint64_t)c->subjects * (uint64_t)c->windows_per_subject);
    int rc = 0;
    for (int first = 0; first < c->subjects && !rc; first += per_batch) {
        pthread_t tid[256];
        int started = 0;
        job.first = first;
        job.count = c->subjects - first < per_batch ? c->subjects - first : per_batch;
        atomic_init(&job.next, 0);
        atomic_init(&job.failed, 0);
        for (int i = 1; i < job.count; i++)
            if (pthread_create(&tid[started], NULL, camera_worker, &job) == 0)
                started++;
        camera_worker(&job);
        for (int i = 0; i < started; i++)
            pthread_join(tid[i], NULL);
        if (atomic_load(&job.failed))
            rc = rq_fail(err, "%s: out of memory while filming", path);
        else if (rq_tw_tensor_append(tw, buf, (size_t)job.count * per_subject * sizeof *buf))
            rc = -2; /* the writer holds the message */
        rq_progress_update(&prog, (uint64_t)(first + job.count) * (uint64_t)c->windows_per_subject);
    }
    rq_progress_finish(&prog);
    free(buf);
    return rc;
}

/* The camera's mean frame rate: the rate given, or that of the timestamps. */
static double camera_rate(const rq_synth_config *c)
{
    if (!c->camera_times)
        return c->camera_fps;
    int64_t n = c->n_camera_times;
    double span = (double)(c->camera_times[n - 1] - c->camera_times[0]) * 1e-6;
    return n > 1 && span > 0 ? (double)(n - 1) / span : 0.0;
}

/* ---- the dataset: windows rendered in parallel batches, written in order ---- */

typedef struct batch_job {
    rq_synth_subject **subjects;
    int windows_per_subject;
    int64_t first, count;
    float *buf, *labels;
    atomic_llong next;
    atomic_int failed;
} batch_job;

static void *batch_worker(void *arg)
{
    batch_job *job = arg;
    for (;;) {
        long long i = atomic_fetch_add(&job->next, 1);
        if (i >= job->count)
            break;
        int64_t g = job->first + i;
        const rq_synth_subject *s = job->subjects[g / job->windows_per_subject];
        if (rq_synth_window(s, (int)(g % job->windows_per_subject),
                            job->buf + (size_t)i * RQ_SYNTH_WINDOW_FLOATS, job->labels + g))
            atomic_store(&job->failed, 1);
    }
    return NULL;
}

static int run_batch(batch_job *job, int threads)
{
    pthread_t tid[256];
    int started = 0;
    atomic_store(&job->next, 0);
    for (int i = 1; i < threads && job->count > i; i++) {
        if (pthread_create(&tid[started], NULL, batch_worker, job) != 0)
            break;
        started++;
    }
    batch_worker(job);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    return atomic_load(&job->failed) ? -1 : 0;
}

static int write_windows(rq_torch_writer *tw, const rq_synth_config *c, rq_synth_subject **subj,
                         float *labels, const char *path, rq_error *err)
{
    int64_t total = (int64_t)c->subjects * c->windows_per_subject;
    int64_t per_batch = 16LL * c->threads;
    float *buf = malloc((size_t)per_batch * RQ_SYNTH_WINDOW_FLOATS * sizeof *buf);
    if (!buf)
        return rq_fail(err, "%s: out of memory for a batch of windows", path);
    batch_job job = {.subjects = subj, .windows_per_subject = c->windows_per_subject,
                     .buf = buf, .labels = labels};
    atomic_init(&job.next, 0);
    atomic_init(&job.failed, 0);
    rq_progress prog;
    rq_progress_start(&prog, "synth", (uint64_t)total);
    int rc = 0;
    for (int64_t first = 0; first < total && !rc; first += per_batch) {
        job.first = first;
        job.count = total - first < per_batch ? total - first : per_batch;
        if (run_batch(&job, c->threads))
            rc = rq_fail(err, "%s: out of memory while rendering", path);
        else if (rq_tw_tensor_append(tw, buf, (size_t)job.count * RQ_SYNTH_WINDOW_FLOATS * sizeof *buf))
            rc = -2; /* the writer holds the message */
        rq_progress_update(&prog, (uint64_t)(first + job.count));
    }
    rq_progress_finish(&prog);
    free(buf);
    return rc;
}

int rq_synth_write(const rq_synth_config *c, const char *path, rq_synth_stats *stats, rq_error *err)
{
    if (rq_synth_check(c, err))
        return -1;
    double t0 = rq_now();
    int64_t total = (int64_t)c->subjects * c->windows_per_subject;
    rq_synth_subject **subj = calloc((size_t)c->subjects, sizeof *subj);
    float *labels = malloc((size_t)total * sizeof *labels);
    int64_t *ids = malloc((size_t)total * sizeof *ids);
    rq_torch_writer *tw = NULL;
    int rc = -1;
    if (!subj || !labels || !ids) {
        rq_fail(err, "%s: out of memory", path);
        goto done;
    }
    for (int i = 0; i < c->subjects; i++)
        if (!(subj[i] = rq_synth_subject_new(c, i))) {
            rq_fail(err, "%s: out of memory", path);
            goto done;
        }
    for (int64_t g = 0; g < total; g++)
        ids[g] = g / c->windows_per_subject;
    if (rq_tw_open(&tw, path, err))
        goto done;
    int64_t shape[6] = {total, RQ_SYNTH_FRAMES, RQ_SYNTH_ROIS, RQ_SYNTH_SIZE, RQ_SYNTH_SIZE, RQ_SYNTH_CH};
    rq_tw_dict_begin(tw, 0);
    rq_tw_key(tw, "samples");
    rq_tw_tensor_begin(tw, RQ_DT_F32, 6, shape);
    int wrc = camera_mode(c) ? write_camera_windows(tw, c, subj, labels, path, err)
                             : write_windows(tw, c, subj, labels, path, err);
    if (wrc == -2) { /* commit of a failed writer reports its error and cleans up */
        rq_tw_commit(tw, err);
        tw = NULL;
    }
    if (wrc)
        goto done;
    rq_tw_key(tw, "labels");
    rq_tw_tensor(tw, RQ_DT_F32, 1, shape, labels);
    rq_tw_key(tw, "subjects");
    rq_tw_tensor(tw, RQ_DT_I64, 1, shape, ids);
    if (camera_mode(c)) { /* the windows' rate, and the camera's (not a whole stride apart) */
        rq_tw_key(tw, "sample_hz");
        rq_tw_float(tw, RQ_SYNTH_FPS / c->frame_stride);
        rq_tw_key(tw, "camera_fps");
        rq_tw_float(tw, camera_rate(c));
    } else {
        rq_tw_key(tw, "frame_stride");
        rq_tw_int(tw, c->frame_stride);
        rq_tw_key(tw, "fps");
        rq_tw_float(tw, RQ_SYNTH_FPS);
    }
    rq_tw_key(tw, "seed");
    rq_tw_int(tw, (int64_t)c->seed);
    rq_tw_key(tw, "generator");
    rq_tw_str(tw, "rppgq synth 1");
    rq_tw_dict_end(tw);
    rc = rq_tw_commit(tw, err);
    tw = NULL;
    if (!rc && stats) {
        stats->windows = total;
        stats->seconds = rq_now() - t0;
    }
done:
    rq_tw_abort(tw);
    if (subj)
        for (int i = 0; i < c->subjects; i++)
            rq_synth_subject_free(subj[i]);
    free(subj);
    free(labels);
    free(ids);
    return rc;
}
