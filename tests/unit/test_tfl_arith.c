/* TFLite's integer arithmetic against hand-derived cases and exact properties. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"
#include "tflite/tfl_arith.h"

static uint64_t rng_state = 88172645463325252ull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static void quantize_multiplier_edges(void)
{
    int32_t q;
    int s;
    rq_quantize_multiplier(0.0, &q, &s);
    CHECK(q == 0 && s == 0);
    rq_quantize_multiplier(0.5, &q, &s);
    CHECK(q == (1 << 30) && s == 0);
    rq_quantize_multiplier(1.0, &q, &s);
    CHECK(q == (1 << 30) && s == 1);
    rq_quantize_multiplier(0.75, &q, &s);
    CHECK(q == 1610612736 && s == 0);
    /* a fraction that rounds up to 1.0 becomes 0.5 with the exponent raised */
    rq_quantize_multiplier(1.0 - ldexp(1.0, -40), &q, &s);
    CHECK(q == (1 << 30) && s == 1);
    /* halves round away from zero: 0.5 + 2^-32 is exactly q = 2^30 + 0.5 */
    rq_quantize_multiplier(0.5 + ldexp(1.0, -32), &q, &s);
    CHECK(q == (1 << 30) + 1 && s == 0);
    /* 2^-32 still fits (shift -31); 2^-33 flushes to zero */
    rq_quantize_multiplier(ldexp(1.0, -32), &q, &s);
    CHECK(q == (1 << 30) && s == -31);
    rq_quantize_multiplier(ldexp(1.0, -33), &q, &s);
    CHECK(q == 0 && s == 0);
    rq_quantize_multiplier(3.0, &q, &s);
    CHECK(q == 1610612736 && s == 2);
}

static void quantize_multiplier_property(void)
{
    for (int i = 0; i < 100000; i++) {
        double m = exp(((double)rnd() / 4294967296.0) * 30.0 - 20.0);
        int32_t q;
        int s;
        rq_quantize_multiplier(m, &q, &s);
        CHECK(q >= (1 << 30) && q <= INT32_MAX);
        double back = (double)q * ldexp(1.0, s - 31);
        CHECK_MSG(fabs(back - m) <= ldexp(1.0, s - 32) * 1.0000001, "m=%.17g q=%d s=%d", m, q, s);
    }
}

/* SRDHM rounds the exact a*b/2^31 half toward +infinity; INT32_MIN^2 saturates. */
static void srdhm_property(void)
{
    CHECK(rq_srdhm(INT32_MIN, INT32_MIN) == INT32_MAX);
    CHECK(rq_srdhm(1 << 30, 1 << 30) == 1 << 29);
    CHECK(rq_srdhm(1, 1 << 30) == 1);  /* +0.5 -> 1 */
    CHECK(rq_srdhm(-1, 1 << 30) == 0); /* -0.5 -> 0 */
    CHECK(rq_srdhm(-3, 1 << 30) == -1); /* -1.5 -> -1 */
    for (int i = 0; i < 200000; i++) {
        int32_t a = (int32_t)rnd(), b = (int32_t)rnd();
        if (i % 4 == 0)
            a >>= rnd() % 31;
        if (a == INT32_MIN && b == INT32_MIN)
            continue;
        int64_t ab = (int64_t)a * b;
        int64_t want = (ab + (1ll << 30)) >> 31; /* arithmetic shift = floor */
        CHECK_MSG(rq_srdhm(a, b) == want, "a=%d b=%d", a, b);
    }
}

/* RoundingDivideByPOT rounds half away from zero. */
static void rdbpot_property(void)
{
    CHECK(rq_rdbpot(3, 1) == 2);
    CHECK(rq_rdbpot(-3, 1) == -2);
    CHECK(rq_rdbpot(5, 2) == 1);  /* 1.25 */
    CHECK(rq_rdbpot(-6, 2) == -2); /* -1.5 */
    CHECK(rq_rdbpot(7, 0) == 7);
    for (int i = 0; i < 200000; i++) {
        int32_t x = (int32_t)rnd();
        int e = (int)(rnd() % 31);
        int64_t ax = x < 0 ? -(int64_t)x : x;
        int64_t r = (ax + ((1ll << e) >> 1)) >> e;
        if (e == 0)
            r = ax;
        int64_t want = x < 0 ? -r : r;
        CHECK_MSG(rq_rdbpot(x, e) == want, "x=%d e=%d", x, e);
    }
}

/* Single rounding: the exact product rounded half up once. Double rounding: within one
 * of it (and equal away from ties). */
static void mbqm_properties(void)
{
    for (int i = 0; i < 200000; i++) {
        int32_t x = (int32_t)(rnd() % 2000001) - 1000000;
        double m = exp(((double)rnd() / 4294967296.0) * 14.0 - 12.0); /* 6e-6 .. 7 */
        int32_t q;
        int s;
        rq_quantize_multiplier(m, &q, &s);
        if (s > 7)
            continue;
        /* exact x*q*2^(s-31), rounded half up */
        int64_t num = (int64_t)x * q;
        int total = 31 - s;
        int64_t want = (num + (1ll << (total - 1))) >> total;
        CHECK_MSG(rq_mbqm_single(x, q, s) == want, "x=%d q=%d s=%d", x, q, s);
        int32_t d = rq_mbqm_double(x, q, s);
        CHECK_MSG(llabs((long long)d - want) <= 1, "x=%d q=%d s=%d d=%d", x, q, s, d);
    }
    /* a hand-derived tie: 10 * 0.25 = 2.5 -> 3 (single, half up), 3 (double) */
    CHECK(rq_mbqm_single(10, 1 << 30, -1) == 3);
    CHECK(rq_mbqm_double(10, 1 << 30, -1) == 3);
    /* -2.5: single rounds half up to -2; double: SRDHM gives -5 (ties up), then -2.5 ->
     * -3 away from zero */
    CHECK(rq_mbqm_single(-10, 1 << 30, -1) == -2);
    CHECK(rq_mbqm_double(-10, 1 << 30, -1) == -3);
}

/* LOGISTIC int8: within one step of the real sigmoid, 0 -> exactly 0 (= 0.5), monotone. */
static void logistic_against_real_sigmoid(void)
{
    const float scales[] = {0.01f, 0.05f, 0.1f, 0.0625f, 0.3f};
    for (unsigned k = 0; k < sizeof scales / sizeof scales[0]; k++) {
        int32_t m;
        int s;
        int32_t radius;
        rq_logistic_prepare(scales[k], &m, &s, &radius);
        for (int single = 0; single < 2; single++) {
            int prev = -129;
            for (int x = -128; x <= 127; x++) {
                int y = rq_logistic_int8(x, m, s, radius, single);
                double want = 256.0 / (1.0 + exp(-(double)x * scales[k])) - 128.0;
                if (want > 127)
                    want = 127;
                CHECK_MSG(fabs(y - want) <= 1.0, "scale %g x %d: %d vs %.3f", scales[k], x, y, want);
                CHECK(y >= prev);
                prev = y;
            }
            CHECK(rq_logistic_int8(0, m, s, radius, single) == 0);
        }
    }
    /* Q4.27 fixed point: 0 -> 0.5, and a sweep stays within 2^-20 of the real logistic */
    CHECK(rq_fixed_logistic_q4(0) == 1 << 30);
    for (int i = -1000; i <= 1000; i++) {
        int32_t raw = i * 1073741; /* Q4.27: -8 .. 8 in 2001 steps */
        double xr = raw / 134217728.0;
        double want = 1.0 / (1.0 + exp(-xr));
        double got = rq_fixed_logistic_q4(raw) / 2147483648.0;
        CHECK_MSG(fabs(got - want) < 1e-6, "x=%g got %.9f want %.9f", xr, got, want);
    }
}

int main(void)
{
    RUN(quantize_multiplier_edges);
    RUN(quantize_multiplier_property);
    RUN(srdhm_property);
    RUN(rdbpot_property);
    RUN(mbqm_properties);
    RUN(logistic_against_real_sigmoid);
    TEST_EXIT();
}
