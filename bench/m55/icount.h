/* The instruction-count markers of the M55 bench images (icount_main.c, icount_ops.c):
 * bench/m55/icount_plugin.c counts the instructions executed between two calls of
 * rq_icount_mark (found by name in the image's symbol table, so it is an external function
 * that is never inlined); REGION runs one piece of code between two marks and names it.
 * Include from exactly one file of an image. */
#ifndef RQ_BENCH_M55_ICOUNT_H
#define RQ_BENCH_M55_ICOUNT_H

#include <stdio.h>

void rq_icount_mark(void);
__attribute__((noinline)) void rq_icount_mark(void)
{
    __asm__ volatile("" ::: "memory");
}

#define REGION(name, code)                                                                   \
    do {                                                                                     \
        rq_icount_mark();                                                                    \
        code;                                                                                \
        rq_icount_mark();                                                                    \
        printf("region %s\n", name);                                                         \
    } while (0)

#endif
