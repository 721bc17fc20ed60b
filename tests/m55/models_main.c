/* The Cortex-M55 image of every test model on the MCU path (tests/m55/gen_models.c writes
 * the networks and the host engine's expected lines): runs each network on its inputs and
 * prints one hex line per output, in gen_models' format. */
#include <stdio.h>

#include "int8_kernels.h"
#include "models_inputs.h"

#define MAX_BYTES 65536
static int8_t input[MAX_BYTES] RQ_BIG, output[MAX_BYTES] RQ_BIG;

int main(void)
{
    int i, k, j;
    printf("kernels %s\n", rppg_q8_kernels_path());
    for (i = 0; i < rq_n_models; i++) {
        const rppg_q8_net *net = rq_models[i].net;
        const size_t n_in = (size_t)net->in_h * net->in_w * net->in_c;
        uint32_t state = RQ_MODELS_SEED;
        if (n_in > MAX_BYTES || (size_t)net->n_out > MAX_BYTES) {
            printf("%d %s: too large for the test buffers\n", i, rq_models[i].name);
            return 1;
        }
        for (k = 0; k < RQ_MODELS_INPUTS; k++) {
            rq_models_fill_input(&state, input, n_in);
            rppg_q8_net_run(net, input, output, rq_models_arena);
            printf("%d %s r=%d k=%d ", i, rq_models[i].name, rq_models[i].rounding, k);
            for (j = 0; j < net->n_out; j++)
                printf("%02x", (unsigned)(uint8_t)output[j]);
            printf("\n");
        }
    }
    return 0;
}
