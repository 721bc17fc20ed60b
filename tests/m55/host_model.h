/* Included by host_main.c for the comparison with a model: the features come from the
 * host's reference int8 engine (src/tflite) on the same .tflite the MCU export was made
 * from. Usage: host_cases MODEL.tflite [double|single] */
#include <stdlib.h>
#include <string.h>

#include "codegen/spatial_int8_export.h"
#include "engine/engine.h"

static rq_tfl_model host_model;
static rq_tfl_engine *host_engine;
static rq_tfl_scratch *host_scratch;
static rq_q8_lowered host_lowered;

static int8_t *host_arena;

static void host_features(const int8_t *patch, int8_t *out)
{
    rq_tfl_run(host_engine, host_scratch, patch, out);
}

/* Until the engine exists: the host build of the MCU CPU path (weaker: same code). */
static void host_cpu_path_features(const int8_t *patch, int8_t *out)
{
    rppg_q8_net_run(&host_lowered.net, patch, out, host_arena);
}

static int rq_host_model_io(rq_case_io *io, int argc, char **argv)
{
    rq_error err = {{0}};
    rppg_q8_rounding r = argc > 2 && !strcmp(argv[2], "single") ? RPPG_Q8_ROUND_SINGLE : RPPG_Q8_ROUND_DOUBLE;
    if (argc < 2) {
        fprintf(stderr, "usage: host_cases MODEL.tflite [double|single]\n");
        return -1;
    }
    if (rq_tfl_read(argv[1], &host_model, &err) ||
        rq_q8_lower(&host_model, r, argv[1], &host_lowered, &err)) {
        fprintf(stderr, "host_cases: %s\n", err.msg);
        return -1;
    }
    io->features = host_features;
    if (rq_tfl_prepare(&host_model, r == RPPG_Q8_ROUND_SINGLE ? RQ_TFL_ROUND_SINGLE : RQ_TFL_ROUND_DOUBLE,
                       &host_engine, &err) ||
        !(host_scratch = rq_tfl_scratch_new(host_engine))) {
        if (!strstr(err.msg, "not built yet")) {
            fprintf(stderr, "host_cases: %s\n", err.msg);
            return -1;
        }
        host_arena = malloc(host_lowered.net.arena_bytes + 1);
        io->features = host_cpu_path_features;
        fprintf(stderr, "reference=cpu-path\n");
    } else {
        fprintf(stderr, "reference=engine\n");
    }
    io->n_features = host_lowered.net.n_out;
    io->feat_scale = host_lowered.net.out_scale;
    io->feat_zp = host_lowered.net.out_zp;
    io->in_scale = host_lowered.net.in_scale;
    io->in_zp = host_lowered.net.in_zp;
    io->contract = &host_lowered.contract;
    return 0;
}
