/* Which SIMD instruction set the host kernels may use: the CPU's features, capped by the
 * environment variable RPPGQ_SIMD so that tests can force every path on and off.
 *
 *   RPPGQ_SIMD=off     portable C only (what the MCU build runs)
 *   RPPGQ_SIMD=avx2    AVX2 at most
 *   RPPGQ_SIMD=avx512  AVX-512 at most (the default when unset or empty: the CPU's best)
 *
 * The variable is a cap, not a demand: avx512 on a CPU without AVX-512 runs the AVX2 path
 * (or the portable one, with one note on stderr saying so), so the same test command
 * passes on any x86-64 machine. Every SIMD
 * path must give the same bytes as the portable one; the cap only chooses the speed. */
#ifndef RQ_SIMD_H
#define RQ_SIMD_H

typedef enum rq_simd {
    RQ_SIMD_OFF = 0,
    RQ_SIMD_AVX2 = 1,   /* AVX2 and FMA (every AVX2 CPU has both) */
    RQ_SIMD_AVX512 = 2, /* AVX-512 F, BW, VL and DQ (and AVX2, FMA) */
} rq_simd;

/* The level to use: min(RPPGQ_SIMD's cap, the CPU's level). Read once per process (an
 * unknown RPPGQ_SIMD value gives one warning on stderr and means off). Thread-safe. */
rq_simd rq_simd_level(void);

/* 1 when the level is AVX-512 and the CPU has AVX-512 VNNI (vpdpbusd). */
int rq_simd_vnni(void);

/* What the CPU itself offers, ignoring RPPGQ_SIMD. */
rq_simd rq_simd_cpu_level(void);
/* 1 when the CPU has AVX-512 VNNI, ignoring RPPGQ_SIMD. */
int rq_simd_cpu_vnni(void);

/* Parses an RPPGQ_SIMD value (NULL or "" = no cap, i.e. RQ_SIMD_AVX512); -1 when unknown. */
int rq_simd_parse(const char *value, rq_simd *cap);

/* "off", "avx2", "avx512". */
const char *rq_simd_name(rq_simd level);

#endif
