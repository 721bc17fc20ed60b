/* Shared by gen_models.c (host: the engine's expected outputs) and models_main.c (the
 * Cortex-M55 image): the networks' table entry and the inputs both sides feed them. */
#ifndef RQ_M55_MODELS_INPUTS_H
#define RQ_M55_MODELS_INPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "q8_net.h"

#define RQ_MODELS_INPUTS 3       /* inputs per network */
#define RQ_MODELS_SEED 2463534242u /* xorshift32 state at each network's first input */

#ifdef RQ_M55
#define RQ_BIG __attribute__((section(".sram")))
#else
#define RQ_BIG
#endif

typedef struct rq_model_entry {
    const char *name;
    int rounding; /* the export's: 0 double, 1 single */
    const rppg_q8_net *net;
} rq_model_entry;

extern const rq_model_entry rq_models[];
extern const int rq_n_models;
extern int8_t *const rq_models_arena; /* 4-byte aligned, the largest plan */

/* n pseudo-random int8 input bytes (xorshift32, the same numbers on every platform) */
static inline void rq_models_fill_input(uint32_t *state, int8_t *in, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        *state ^= *state << 13;
        *state ^= *state >> 17;
        *state ^= *state << 5;
        in[i] = (int8_t)(*state >> 24);
    }
}

#endif
