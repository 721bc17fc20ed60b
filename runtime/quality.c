#include "quality.h"

#define QUALITY_MAX_FRAMES 32 /* as RPPG_MAX_WINDOW in preprocess.h */

/* Share of contract values at +-clip: the contract of one pixel depends only on that pixel's
 * values across the window, so it is applied column by column (as rppg_window_patch does),
 * with the same arithmetic as on the whole window. */
static float clip_share(const rppg_contract *c, const float *const *frames, int n_frames,
                        long plane)
{
    float column[QUALITY_MAX_FRAMES], applied[QUALITY_MAX_FRAMES];
    long i, at_clip = 0;
    int k;
    if (c->repr != RPPG_REPR_WINDOW_RATIO)
        return 0.0f;
    for (i = 0; i < plane; i++) {
        for (k = 0; k < n_frames; k++)
            column[k] = frames[k][i];
        rppg_contract_apply(c, (size_t)n_frames, 1, column, applied);
        for (k = 0; k < n_frames; k++)
            at_clip += applied[k] >= c->clip || applied[k] <= -c->clip;
    }
    return (float)((double)at_clip / ((double)plane * (double)n_frames));
}

static float roi_level(const float *roi, int roi_floats)
{
    float sum = 0.0f;
    int i;
    for (i = 0; i < roi_floats; i++)
        sum += roi[i];
    return sum / (float)roi_floats;
}

static float brightness_step(const float *const *frames, int n_frames, int rois, int roi_floats)
{
    float worst = 0.0f;
    int r, t;
    for (r = 0; r < rois; r++) {
        float prev = roi_level(frames[0] + (long)r * roi_floats, roi_floats);
        for (t = 1; t < n_frames; t++) {
            const float cur = roi_level(frames[t] + (long)r * roi_floats, roi_floats);
            const float diff = cur > prev ? cur - prev : prev - cur;
            const float step = prev > 0.0f ? diff / prev : (cur > 0.0f ? 1.0f : 0.0f);
            worst = step > worst ? step : worst;
            prev = cur;
        }
    }
    return worst;
}

int rppg_window_quality(const rppg_contract *contract, const float *const *frames, int n_frames,
                        int rois, int roi_floats, rppg_quality *q)
{
    q->clip_share = q->brightness_step = 0.0f;
    if (n_frames < 1 || n_frames > QUALITY_MAX_FRAMES || rois < 1 || roi_floats < 1)
        return -1;
    q->clip_share = clip_share(contract, frames, n_frames, (long)rois * roi_floats);
    q->brightness_step = brightness_step(frames, n_frames, rois, roi_floats);
    return 0;
}
