/* Included by m55_main.c when the image is built with an exported model
 * (rppgq export-c --spatial): the features come from the const network in flash. */
#include "spatial_cnn_int8.h"

static union { /* the arena must be 4-byte aligned (q8_net.h) */
    int32_t align;
    int8_t bytes[RPPG_SPATIAL_ARENA_BYTES];
} model_arena_mem;
#define model_arena model_arena_mem.bytes

static void m55_features(const int8_t *patch, int8_t *out)
{
    stack_begin();
    rppg_q8_net_run(&rppg_spatial_cnn, patch, out, model_arena);
    {
        size_t used = stack_end();
        static size_t peak; /* test harness only */
        if (used > peak) {
            peak = used;
            printf("stack rppg_q8_net_run %lu\n", (unsigned long)used);
        }
    }
}

static void rq_m55_model_io(rq_case_io *io)
{
    io->features = m55_features;
    io->n_features = rppg_spatial_cnn.n_out;
    io->feat_scale = rppg_spatial_cnn.out_scale;
    io->feat_zp = rppg_spatial_cnn.out_zp;
    io->in_scale = rppg_spatial_cnn.in_scale;
    io->in_zp = rppg_spatial_cnn.in_zp;
    io->contract = &rppg_spatial_contract;
}
