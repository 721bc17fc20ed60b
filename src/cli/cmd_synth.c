/* rppgq synth: writes a synthetic rPPG dataset (see src/data/synth.h) as a torch.save file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "io/timestamps.h"
#include "data/synth.h"

static void usage(void)
{
    puts("Usage: rppgq synth --out DATA.pt [options]\n"
         "\n"
         "Generates a synthetic rPPG dataset from a physical model of face video (skin tone,\n"
         "pulse with harmonics, HRV, respiration, illumination, specular motion, camera noise,\n"
         "face-box jitter, 8-bit frames) in the seed's format: a torch.save dict with\n"
         "samples float32 (N,8,3,36,36,3) in [0,1], labels float32 (N,) BPM at each window's\n"
         "centre, subjects int64 (N,), frame_stride.\n"
         "\n"
         "Options:\n"
         "  --out PATH                 output file (written atomically)\n"
         "  --subjects N               subjects, each one recording (default 20)\n"
         "  --windows-per-subject M    windows per subject, tiling the recording (default 32)\n"
         "  --frame-stride K           camera frames (30 fps) between window frames, 1..5\n"
         "                             (default 4: 7.5 fps, a 0.93 s window)\n"
         "  --seed S                   random seed, 0..2^63-1 (default 1); same seed, same bytes\n"
         "  --camera-fps F             film each subject with a 320x240 camera at F fps and\n"
         "                             resample to 30/K Hz as the MCU does (rppg_preprocess_frame,\n"
         "                             runtime/resample.h); the file then states 'sample_hz'\n"
         "                             and 'camera_fps'. At most 64 windows per subject.\n"
         "  --camera-times FILE        the same with the camera's frame timestamps: one whole\n"
         "                             number of microseconds per line (a real camera's log);\n"
         "                             timestamps the runtime refuses (going backwards, a gap\n"
         "                             over 1.5 sample periods) are an error naming the line\n"
         "  --threads T                worker threads (default: all cores; output unchanged)");
}

static int default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (n > 64 ? 64 : (int)n);
}

int cmd_synth(int argc, char **argv)
{
    if (rq_cli_wants_help(argc, argv)) {
        usage();
        return RQ_EXIT_OK;
    }
    rq_synth_config cfg = {.subjects = 20, .windows_per_subject = 32, .frame_stride = 4,
                           .seed = 1, .threads = default_threads()};
    const char *out = NULL, *times_path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        long long v;
        if ((!strcmp(opt, "--camera-fps") || !strcmp(opt, "--camera-times")) && i + 1 < argc) {
            const char *val = argv[++i];
            if (!strcmp(opt, "--camera-times"))
                times_path = val;
            else if (rq_parse_double(val, &cfg.camera_fps) || !(cfg.camera_fps > 0.0))
                return rq_cli_usage_error("synth", "--camera-fps: '%s' is not a frame rate", val);
            continue;
        }
        if (!strcmp(opt, "--out") || !strcmp(opt, "--subjects") || !strcmp(opt, "--windows-per-subject") ||
            !strcmp(opt, "--frame-stride") || !strcmp(opt, "--seed") || !strcmp(opt, "--threads")) {
            if (i + 1 >= argc)
                return rq_cli_usage_error("synth", "%s needs a value", opt);
            const char *val = argv[++i];
            if (!strcmp(opt, "--out")) {
                out = val;
                continue;
            }
            long long hi = !strcmp(opt, "--seed") ? 0x7FFFFFFFFFFFFFFFLL : 0x7FFFFFFF;
            if (rq_parse_int(val, 0, hi, &v))
                return rq_cli_usage_error("synth", "%s: '%s' is not a whole number in 0..%lld", opt, val, hi);
            if (!strcmp(opt, "--subjects"))
                cfg.subjects = (int)v;
            else if (!strcmp(opt, "--windows-per-subject"))
                cfg.windows_per_subject = (int)v;
            else if (!strcmp(opt, "--frame-stride"))
                cfg.frame_stride = (int)v;
            else if (!strcmp(opt, "--seed"))
                cfg.seed = (uint64_t)v;
            else
                cfg.threads = (int)v;
        } else {
            return rq_cli_usage_error("synth", "unknown option '%s'", opt);
        }
    }
    if (!out)
        return rq_cli_usage_error("synth", "--out PATH is required");
    rq_error err = {{0}};
    int64_t *times = NULL;
    if (times_path) {
        if (rq_timestamps_read(times_path, &times, &cfg.n_camera_times, &err))
            return rq_cli_fail(&err);
        cfg.camera_times = times;
        cfg.camera_times_name = times_path;
    }
    if (rq_synth_check(&cfg, &err)) { /* bad timestamps are bad input (1), not usage (2) */
        free(times);
        return times_path ? rq_cli_fail(&err) : rq_cli_usage_error("synth", "%s", err.msg);
    }
    rq_synth_stats st;
    int rc = rq_synth_write(&cfg, out, &st, &err);
    free(times);
    if (rc)
        return rq_cli_fail(&err);
    printf("wrote %s: %lld windows (%d subjects x %d), frame stride %d, seed %llu, "
           "%.1f s, %.1f windows/s on %d threads\n",
           out, (long long)st.windows, cfg.subjects, cfg.windows_per_subject, cfg.frame_stride,
           (unsigned long long)cfg.seed, st.seconds, st.seconds > 0 ? st.windows / st.seconds : 0.0,
           cfg.threads);
    return RQ_EXIT_OK;
}
