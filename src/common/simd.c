#include "common/simd.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rq_simd_parse(const char *value, rq_simd *cap)
{
    if (!value || !*value || !strcmp(value, "avx512"))
        *cap = RQ_SIMD_AVX512;
    else if (!strcmp(value, "avx2"))
        *cap = RQ_SIMD_AVX2;
    else if (!strcmp(value, "off"))
        *cap = RQ_SIMD_OFF;
    else
        return -1;
    return 0;
}

const char *rq_simd_name(rq_simd level)
{
    return level == RQ_SIMD_AVX512 ? "avx512" : level == RQ_SIMD_AVX2 ? "avx2" : "off";
}

/* __builtin_cpu_supports also checks that the OS saves the vector registers (XCR0). */
rq_simd rq_simd_cpu_level(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return RQ_SIMD_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return RQ_SIMD_AVX2;
#endif
    return RQ_SIMD_OFF;
}

int rq_simd_cpu_vnni(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512vnni");
#else
    return 0;
#endif
}

/* level + 1, or 0 before the first call (computing it twice is harmless: same answer; the
 * warning may then print twice, which only a racing first call can cause) */
static atomic_int cached_level;

rq_simd rq_simd_level(void)
{
    int v = atomic_load(&cached_level);
    if (v)
        return (rq_simd)(v - 1);
    const char *env = getenv("RPPGQ_SIMD");
    rq_simd cap;
    if (rq_simd_parse(env, &cap) < 0) {
        fprintf(stderr, "rppgq: warning: RPPGQ_SIMD='%s' is not off, avx2 or avx512; using "
                "portable C only\n", env);
        cap = RQ_SIMD_OFF;
    }
    rq_simd cpu = rq_simd_cpu_level();
    rq_simd level = cap < cpu ? cap : cpu;
    if (env && *env && cap > cpu) /* asked for by name: say what runs instead */
        fprintf(stderr, "rppgq: note: RPPGQ_SIMD=%s, but this CPU has %s at most; using %s\n",
                env, rq_simd_name(cpu), rq_simd_name(cpu));
    atomic_store(&cached_level, (int)level + 1);
    return level;
}

int rq_simd_vnni(void)
{
    return rq_simd_level() == RQ_SIMD_AVX512 && rq_simd_cpu_vnni();
}
