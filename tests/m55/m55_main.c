/* The Cortex-M55 test image: runs the cases, printing result lines over semihosting, and
 * measures the stack peak of each runtime call by painting the free stack. */
#include <stdint.h>
#include <stdio.h>

#include "cases.h"
#include "int8_kernels.h"

extern uint32_t __stack_limit;
#define PAINT 0xA5C3A5C3u

static uintptr_t painted_from; /* stack pointer of the caller when painting began */

static uintptr_t current_sp(void)
{
    uintptr_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/* Paints from the stack limit up to a little below this function's own frame. */
static __attribute__((noinline)) void stack_begin(void)
{
    volatile uint32_t *p = &__stack_limit;
    const uintptr_t top = current_sp() - 64;
    painted_from = current_sp();
    while ((uintptr_t)p < top)
        *p++ = PAINT;
}

/* The deepest painted word overwritten since stack_begin, as bytes below its caller. */
static __attribute__((noinline)) size_t stack_end(void)
{
    const uint32_t *p = &__stack_limit;
    while ((uintptr_t)p < painted_from && *p == PAINT)
        p++;
    return (size_t)(painted_from - (uintptr_t)p);
}

static void emit(const char *line)
{
    puts(line);
}

#ifdef RQ_M55_MODEL
#include "m55_model.h"
#endif

int main(void)
{
    rq_case_io io = {emit, stack_begin, stack_end, NULL, 0, 0.0f, 0, 0, 0.0f, NULL};
    printf("kernels %s\n", rppg_q8_kernels_path()); /* not compared: the host has no Helium */
#ifdef RQ_M55_MODEL
    rq_m55_model_io(&io);
#endif
    return rq_run_cases(&io) ? 1 : 0;
}
