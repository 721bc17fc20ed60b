/* Any int8 network exported by `rppgq export-c --spatial` run on N pseudo-random inputs.
 * On the Cortex-M55 (QEMU) it prints each output as hex; built for the host with
 * -DRQ_GRAPH_INPUTS it writes the very same inputs as raw bytes instead, for the host's
 * int8 engine (`rppgq infer`) to run. The two output listings must be equal. */
#include <stdint.h>
#include <stdio.h>

#include "spatial_cnn_int8.h"

#define N_INPUTS 24
#define IN_BYTES (RPPG_SPATIAL_IN_H * RPPG_SPATIAL_IN_W * RPPG_SPATIAL_IN_C)

static int8_t input[IN_BYTES];

static void fill_input(uint32_t *state)
{
    int i;
    for (i = 0; i < IN_BYTES; i++) {
        *state ^= *state << 13;
        *state ^= *state >> 17;
        *state ^= *state << 5;
        input[i] = (int8_t)(*state >> 24);
    }
}

#ifdef RQ_GRAPH_INPUTS
int main(void)
{
    uint32_t state = 2463534242u;
    int k;
    for (k = 0; k < N_INPUTS; k++) {
        fill_input(&state);
        fwrite(input, 1, IN_BYTES, stdout);
    }
    return 0;
}
#else
static union { /* the arena must be 4-byte aligned (q8_net.h) */
    int32_t align;
    int8_t bytes[RPPG_SPATIAL_ARENA_BYTES + 1];
} arena;
static int8_t output[RPPG_SPATIAL_FEATURES];

int main(void)
{
    uint32_t state = 2463534242u;
    int k, i;
    printf("kernels %s\n", rppg_q8_kernels_path());
    for (k = 0; k < N_INPUTS; k++) {
        fill_input(&state);
        rppg_q8_net_run(&rppg_spatial_cnn, input, output, arena.bytes);
        for (i = 0; i < RPPG_SPATIAL_FEATURES; i++)
            printf("%02x", (unsigned)(uint8_t)output[i]);
        printf("\n");
    }
    return 0;
}
#endif
