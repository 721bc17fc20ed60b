/* The int8 kernels against exact rational arithmetic (__int128): the fixed-point helpers
 * must round exactly as TFLite's reference defines it, the fast conv must equal the
 * straightforward loop nest, pools and MEAN must equal their exact definitions. */
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"
#include "int8_kernels.h"
#include "int8_ops.h"
#include "q8_net.h"

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static int32_t rnd_i32(void) { return (int32_t)(uint32_t)rnd(); }
static int rnd_range(int lo, int hi) { return lo + (int)(rnd() % (uint64_t)(hi - lo + 1)); }

/* floor(n / 2^e) for e >= 0 */
static __int128 floor_pot(__int128 n, int e)
{
    const __int128 d = (__int128)1 << e;
    __int128 q = n / d;
    if (n % d != 0 && n < 0)
        q--;
    return q;
}

static void test_srdhm_rounds_half_up(void)
{
    int i;
    CHECK(rppg_q8_srdhm(INT32_MIN, INT32_MIN) == INT32_MAX);
    for (i = 0; i < 200000; i++) {
        int32_t a = rnd_i32(), b = rnd_i32();
        if (i % 4 == 0)
            b = (int32_t)(1u << rnd_range(0, 30)) * (rnd() & 1 ? 1 : -1) * (1 + (i & 1));
        if (a == INT32_MIN && b == INT32_MIN)
            continue;
        /* round(a*b / 2^31), halves towards +infinity */
        __int128 want = floor_pot((__int128)a * b + ((__int128)1 << 30), 31);
        CHECK_MSG(rppg_q8_srdhm(a, b) == (int32_t)want, "a=%d b=%d", a, b);
    }
}

static void test_rounding_divide_rounds_half_away(void)
{
    int i;
    for (i = 0; i < 200000; i++) {
        const int32_t x = i < 1000 ? i - 500 : rnd_i32();
        const int e = rnd_range(0, 31);
        const __int128 half = e ? (__int128)1 << (e - 1) : 0;
        __int128 want = x >= 0 ? floor_pot((__int128)x + half, e) : -floor_pot(-(__int128)x + half, e);
        if (e == 0)
            want = x;
        CHECK_MSG(rppg_q8_rounding_divide_by_pot(x, e) == (int32_t)want, "x=%d e=%d", x, e);
    }
}

static void test_mbqm_single_is_exact_rounding(void)
{
    int i;
    for (i = 0; i < 200000; i++) {
        const int32_t x = rnd_i32() >> rnd_range(0, 24);
        const int32_t m = (int32_t)((1u << 30) + (uint32_t)(rnd() % (1u << 30)));
        const int shift = rnd_range(-31, 0);
        const __int128 want = floor_pot((__int128)x * m + ((__int128)1 << (30 - shift)), 31 - shift);
        CHECK_MSG(rppg_q8_mbqm(x, m, shift, RPPG_Q8_ROUND_SINGLE) == (int32_t)want,
                  "x=%d m=%d s=%d", x, m, shift);
    }
}

/* Double rounding: round the high product first, then divide, each as the reference does. */
static void test_mbqm_double_is_two_roundings(void)
{
    int i;
    for (i = 0; i < 200000; i++) {
        const int32_t x = rnd_i32() >> rnd_range(0, 24);
        const int32_t m = (int32_t)((1u << 30) + (uint32_t)(rnd() % (1u << 30)));
        const int shift = rnd_range(-31, 0);
        const __int128 hi = floor_pot((__int128)x * m + ((__int128)1 << 30), 31);
        const int e = -shift;
        const __int128 half = e ? (__int128)1 << (e - 1) : 0;
        __int128 want = e == 0 ? hi : (hi >= 0 ? floor_pot(hi + half, e) : -floor_pot(-hi + half, e));
        const __int128 exact = floor_pot((__int128)x * m + ((__int128)1 << (30 + e)), 31 + e);
        const int32_t got = rppg_q8_mbqm(x, m, shift, RPPG_Q8_ROUND_DOUBLE);
        CHECK_MSG(got == (int32_t)want, "x=%d m=%d s=%d", x, m, shift);
        CHECK(got - exact <= 1 && exact - got <= 1);
    }
    /* positive shifts multiply first */
    CHECK(rppg_q8_mbqm(3, 1 << 30, 2, RPPG_Q8_ROUND_DOUBLE) == 6);
    CHECK(rppg_q8_mbqm(-3, 1 << 30, 2, RPPG_Q8_ROUND_SINGLE) == -6);
}

static void test_quantize_multiplier(void)
{
    int32_t m;
    int s, i;
    rppg_q8_quantize_multiplier(0.5, RPPG_Q8_ROUND_DOUBLE, &m, &s);
    CHECK(m == (1 << 30) && s == 0);
    rppg_q8_quantize_multiplier(1.0, RPPG_Q8_ROUND_DOUBLE, &m, &s);
    CHECK(m == (1 << 30) && s == 1);
    rppg_q8_quantize_multiplier(0.0, RPPG_Q8_ROUND_DOUBLE, &m, &s);
    CHECK(m == 0 && s == 0);
    rppg_q8_quantize_multiplier(1e-12, RPPG_Q8_ROUND_DOUBLE, &m, &s); /* below 2^-32: zero */
    CHECK(m == 0 && s == 0);
    rppg_q8_quantize_multiplier(0.99999999999, RPPG_Q8_ROUND_DOUBLE, &m, &s); /* rounds up to 1 */
    CHECK(m == (1 << 30) && s == 1);
    rppg_q8_quantize_multiplier(1e12, RPPG_Q8_ROUND_SINGLE, &m, &s); /* saturates */
    CHECK(m == INT32_MAX && s == 30);
    for (i = 0; i < 10000; i++) {
        const double real = (double)(rnd() % 1000000 + 1) / 1000000.0 * ldexp(1.0, rnd_range(-20, 4));
        rppg_q8_quantize_multiplier(real, RPPG_Q8_ROUND_DOUBLE, &m, &s);
        CHECK(m >= (1 << 30));
        CHECK_NEAR(ldexp((double)m, s - 31), real, real * ldexp(1.0, -31));
    }
}

static void random_conv(rppg_q8_conv *p, int8_t *w, int8_t *in, int32_t *b, int32_t *m, int32_t *sh)
{
    int i, same = rnd_range(0, 1);
    p->in_h = rnd_range(1, 12);
    p->in_w = rnd_range(1, 12);
    p->in_c = rnd_range(1, 24); /* up to 600 taps: both conv paths (buffer of 512) */
    p->out_c = rnd_range(1, 20);
    p->k_h = rnd_range(1, p->in_h < 5 ? p->in_h : 5);
    p->k_w = rnd_range(1, p->in_w < 5 ? p->in_w : 5);
    p->stride_h = rnd_range(1, 3);
    p->stride_w = rnd_range(1, 3);
    rppg_q8_out_size(p->in_h, p->k_h, p->stride_h, same, &p->out_h, &p->pad_top);
    rppg_q8_out_size(p->in_w, p->k_w, p->stride_w, same, &p->out_w, &p->pad_left);
    p->in_zp = rnd_range(-128, 127);
    p->out_zp = rnd_range(-128, 127);
    p->act_min = rnd_range(0, 1) ? p->out_zp : -128;
    p->act_max = 127;
    for (i = 0; i < p->out_c * p->k_h * p->k_w * p->in_c; i++)
        w[i] = (int8_t)rnd_range(-127, 127);
    for (i = 0; i < p->in_h * p->in_w * p->in_c; i++)
        in[i] = (int8_t)rnd_range(-128, 127);
    for (i = 0; i < p->out_c; i++) {
        int s;
        rppg_q8_quantize_multiplier(ldexp((double)rnd_range(1, 1000) / 1000.0, -rnd_range(0, 14)),
                                    (rppg_q8_rounding)(rnd() & 1), &m[i], &s);
        sh[i] = s;
        b[i] = rnd_range(-50000, 50000);
    }
    p->weights = w;
    p->bias = rnd_range(0, 3) ? b : NULL;
    p->multiplier = m;
    p->shift = sh;
    p->rounding = (rppg_q8_rounding)(rnd() & 1);
}

/* The conv against its definition (sum over in-image taps of w * (x - zp), bias,
 * requantize, zero point, clamp), and the fast version against the loop nest. */
static void test_conv_matches_definition(void)
{
    static int8_t w[20 * 25 * 24], in[12 * 12 * 24], o1[12 * 12 * 20], o2[12 * 12 * 20];
    int32_t b[20], m[20], sh[20];
    int it;
    for (it = 0; it < 400; it++) {
        rppg_q8_conv p;
        int oy, ox, oc, ky, kx, ic;
        random_conv(&p, w, in, b, m, sh);
        rppg_q8_conv2d(&p, in, o1);
        rppg_q8_conv2d_naive(&p, in, o2);
        CHECK(memcmp(o1, o2, (size_t)p.out_h * p.out_w * p.out_c) == 0);
        for (oy = 0; oy < p.out_h; oy++)
            for (ox = 0; ox < p.out_w; ox++)
                for (oc = 0; oc < p.out_c; oc++) {
                    int64_t acc = p.bias ? p.bias[oc] : 0;
                    int32_t v;
                    for (ky = 0; ky < p.k_h; ky++)
                        for (kx = 0; kx < p.k_w; kx++) {
                            int y = oy * p.stride_h - p.pad_top + ky, x = ox * p.stride_w - p.pad_left + kx;
                            if (y < 0 || x < 0 || y >= p.in_h || x >= p.in_w)
                                continue;
                            for (ic = 0; ic < p.in_c; ic++)
                                acc += (int64_t)w[((oc * p.k_h + ky) * p.k_w + kx) * p.in_c + ic] *
                                       (in[(y * p.in_w + x) * p.in_c + ic] - p.in_zp);
                        }
                    v = rppg_q8_mbqm((int32_t)acc, m[oc], sh[oc], p.rounding) + p.out_zp;
                    v = v < p.act_min ? p.act_min : (v > p.act_max ? p.act_max : v);
                    CHECK(o1[(oy * p.out_w + ox) * p.out_c + oc] == v);
                }
    }
}

static void test_same_padding_geometry(void)
{
    int out, pad;
    rppg_q8_out_size(36, 3, 1, 1, &out, &pad);
    CHECK(out == 36 && pad == 1);
    rppg_q8_out_size(36, 2, 2, 1, &out, &pad);
    CHECK(out == 18 && pad == 0);
    rppg_q8_out_size(9, 2, 2, 1, &out, &pad); /* TFLite: total pad 1, leading 0 */
    CHECK(out == 5 && pad == 0);
    rppg_q8_out_size(9, 2, 2, 0, &out, &pad);
    CHECK(out == 4 && pad == 0);
}

static void test_pools_and_mean(void)
{
    int8_t in[5 * 5 * 2], out[50];
    int i;
    rppg_q8_pool p = {5, 5, 2, 3, 3, 2, 2, 2, 2, 0, 0, -128, 127};
    rppg_q8_mean mean = {5, 5, 2, 3, -4, 0, 0, RPPG_Q8_ROUND_DOUBLE};
    for (i = 0; i < 50; i++)
        in[i] = (int8_t)(i * 37 % 256 - 128);
    rppg_q8_max_pool(&p, in, out);
    /* cell (2,2) of channel 1 covers only input (4,4) */
    CHECK(out[(2 * 3 + 2) * 2 + 1] == in[(4 * 5 + 4) * 2 + 1]);
    rppg_q8_avg_pool(&p, in, out);
    {
        /* cell (0,0) channel 0: mean of 4 values, halves away from zero */
        int s = in[0] + in[2] + in[10] + in[12];
        int want = s > 0 ? (s + 2) / 4 : (s - 2) / 4;
        CHECK(out[0] == want);
    }
    /* MEAN with scale ratio 0.75: exact value (sum - zp*n)/n*0.75 + out_zp within one LSB */
    {
        int32_t m;
        int s;
        rppg_q8_quantize_multiplier(0.75, RPPG_Q8_ROUND_DOUBLE, &m, &s);
        rppg_q8_mean_multiplier(m, s, 25, &mean.multiplier, &mean.shift);
        rppg_q8_mean_hw(&mean, in, out);
        for (i = 0; i < 2; i++) {
            int sum = 0, k;
            double exact;
            for (k = 0; k < 25; k++)
                sum += in[k * 2 + i];
            exact = (double)(sum - 3 * 25) / 25.0 * 0.75 - 4.0;
            CHECK_NEAR(out[i], exact, 1.0);
        }
    }
}

static void test_quantize_boundary(void)
{
    CHECK(rppg_q8_quantize(0.5f, 1.0f, 0) == 1);   /* halves away from zero */
    CHECK(rppg_q8_quantize(-0.5f, 1.0f, 0) == -1);
    CHECK(rppg_q8_quantize(1000.0f, 1.0f, 0) == 127);
    CHECK(rppg_q8_quantize(-1000.0f, 1.0f, 3) == -128);
    CHECK(rppg_q8_quantize(0.0f / 0.0f * 1.0f, 1.0f, 3) == -128);
    CHECK(rppg_q8_quantize(1.0f, 1.0f / 255.0f, -128) == 127);
    CHECK(rppg_q8_dequantize(-128, 0.5f, -128) == 0.0f);
    CHECK(rppg_q8_dequantize(127, 0.25f, 1) == 31.5f);
}

/* A two-layer net runs through the arena exactly like the two kernels called by hand. */
static void test_net_chains_layers(void)
{
    static int8_t w[4 * 9 * 3], in[6 * 6 * 3], mid[6 * 6 * 4], want[3 * 3 * 4], got[3 * 3 * 4];
    static int8_t arena[6 * 6 * 4];
    int32_t mult[4], shift[4];
    rppg_q8_layer layers[2];
    rppg_q8_net net;
    int i;
    for (i = 0; i < (int)sizeof w; i++)
        w[i] = (int8_t)rnd_range(-127, 127);
    for (i = 0; i < (int)sizeof in; i++)
        in[i] = (int8_t)rnd_range(-128, 127);
    for (i = 0; i < 4; i++) {
        int s;
        rppg_q8_quantize_multiplier(0.01 * (i + 1), RPPG_Q8_ROUND_DOUBLE, &mult[i], &s);
        shift[i] = s;
    }
    memset(layers, 0, sizeof layers);
    layers[0].kind = RPPG_Q8_CONV2D;
    layers[0].op.conv = (rppg_q8_conv){6, 6, 3, 6, 6, 4, 3, 3, 1, 1, 1, 1, 5, -7, -7, 127,
                                       w, NULL, mult, shift, RPPG_Q8_ROUND_DOUBLE};
    layers[0].n_in = 1;
    layers[0].in[0] = RPPG_Q8_NET_IN;
    layers[0].out = 0;
    layers[0].in_bytes = sizeof in;
    layers[0].out_bytes = sizeof mid;
    layers[1].kind = RPPG_Q8_MAX_POOL;
    layers[1].op.pool = (rppg_q8_pool){6, 6, 4, 3, 3, 2, 2, 2, 2, 0, 0, -7, 127};
    layers[1].n_in = 1;
    layers[1].in[0] = 0;
    layers[1].out = RPPG_Q8_NET_OUT;
    layers[1].in_bytes = sizeof mid;
    layers[1].out_bytes = sizeof want;
    net = (rppg_q8_net){"t", 2, layers, 6, 6, 3, 1.0f, 0, 36, 1.0f, 0, sizeof arena};
    rppg_q8_conv2d(&layers[0].op.conv, in, mid);
    rppg_q8_max_pool(&layers[1].op.pool, mid, want);
    rppg_q8_net_run(&net, in, got, arena);
    CHECK(memcmp(want, got, sizeof want) == 0);
}

/* Broadcast shapes: the loop sizes are int32, so a hostile shape whose product passes 2^31
 * or a negative dimension is refused by the runtime itself, not only by the engine. */
static void test_bcast_refuses_huge_or_negative(void)
{
    rppg_q8_bcast g;
    int32_t out[RPPG_Q8_MAX_RANK];
    int bad = 99;
    const int32_t big_a[3] = {65536, 1, 65536}, big_b[3] = {1, 1, 1};
    const int32_t neg_a[2] = {4, -3}, neg_b[2] = {4, 1};
    const int32_t ok_a[3] = {2, 1, 3}, ok_b[2] = {4, 1};
    CHECK(rppg_q8_bcast_prepare(3, big_a, 3, big_b, &g, out, &bad) == -1);
    CHECK(bad == -1);
    CHECK(rppg_q8_bcast_prepare(2, neg_a, 2, neg_b, &g, out, &bad) == -1);
    CHECK(bad == 1);
    CHECK(rppg_q8_bcast_prepare(3, ok_a, 2, ok_b, &g, out, &bad) == 0);
    CHECK(out[0] == 2 && out[1] == 4 && out[2] == 3);
}

int main(void)
{
    RUN(test_srdhm_rounds_half_up);
    RUN(test_rounding_divide_rounds_half_away);
    RUN(test_mbqm_single_is_exact_rounding);
    RUN(test_mbqm_double_is_two_roundings);
    RUN(test_quantize_multiplier);
    RUN(test_conv_matches_definition);
    RUN(test_same_padding_geometry);
    RUN(test_pools_and_mean);
    RUN(test_quantize_boundary);
    RUN(test_net_chains_layers);
    RUN(test_bcast_refuses_huge_or_negative);
    TEST_EXIT();
}
