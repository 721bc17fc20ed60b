/* The flatbuffer builder and reader against the format's rules (hand-derived layouts),
 * and the reader against damaged buffers. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tflite/flatbuf_build.h"
#include "tflite/flatbuf_read.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* One table with one int32 field 0 = 7: the layout is fully determined by the format:
 * [root uoffset][ident][vtable: 6,8,4][pad 2][soffset][7]. */
static void smallest_table_layout(void)
{
    rq_fb b;
    rq_fb_init(&b);
    rq_fb_table_begin(&b);
    rq_fb_add_i32(&b, 0, 7, 0);
    rq_fb_ref t = rq_fb_table_end(&b);
    uint8_t *out;
    size_t len;
    CHECK(rq_fb_finish(&b, t, "TEST", &out, &len) == 0);
    rq_fb_free(&b);
    CHECK(len % 4 == 0);
    CHECK(!memcmp(out + 4, "TEST", 4));
    uint32_t root = le32(out);
    CHECK(root + 8 <= len);
    int32_t so = (int32_t)le32(out + root);
    size_t vt = root - (size_t)so;
    CHECK(out[vt] == 6 && out[vt + 1] == 0);     /* vtable: 2 header fields + 1 slot */
    CHECK(out[vt + 2] == 8 && out[vt + 3] == 0); /* table: soffset + int32 */
    uint16_t slot = (uint16_t)(out[vt + 4] | out[vt + 5] << 8);
    CHECK(slot == 4);
    CHECK(le32(out + root + slot) == 7);
    free(out);
}

static void vectors_strings_and_alignment(void)
{
    rq_fb b;
    rq_fb_init(&b);
    uint8_t bytes[5] = {1, 2, 3, 4, 5};
    rq_fb_ref data = rq_fb_bytes(&b, bytes, sizeof bytes, 16);
    rq_fb_ref s = rq_fb_string(&b, "hello");
    int32_t iv[3] = {-1, 0, 65536};
    rq_fb_ref v = rq_fb_vec_i32(&b, iv, 3);
    int64_t lv[2] = {-5, (int64_t)1 << 40};
    rq_fb_ref l = rq_fb_vec_i64(&b, lv, 2);
    rq_fb_table_begin(&b);
    rq_fb_add_ref(&b, 0, data);
    rq_fb_add_ref(&b, 1, s);
    rq_fb_add_i8(&b, 2, -3, 0);
    rq_fb_add_ref(&b, 3, v);
    rq_fb_add_ref(&b, 5, l);
    rq_fb_add_i32(&b, 6, 9, 9); /* equal to default: not stored */
    rq_fb_ref t = rq_fb_table_end(&b);
    uint8_t *out;
    size_t len;
    CHECK(rq_fb_finish(&b, t, "TEST", &out, &len) == 0);
    rq_fb_free(&b);
    CHECK(len % 16 == 0);
    rq_error err = {{0}};
    rq_fbr r = {out, len, "mem", &err};
    rq_fbr_table root;
    CHECK(rq_fbr_root(&r, "TEST", &root) == 0);
    rq_fbr_vec dv;
    CHECK(rq_fbr_vector(&r, &root, 0, 1, "data", &dv) == 0);
    CHECK(dv.n == 5 && dv.data % 16 == 0 && !memcmp(out + dv.data, bytes, 5));
    const char *str;
    uint32_t slen;
    CHECK(rq_fbr_string(&r, &root, 1, "s", &str, &slen) == 0);
    CHECK(slen == 5 && !memcmp(str, "hello", 5) && str[5] == 0);
    int8_t i8;
    CHECK(rq_fbr_i8(&r, &root, 2, 0, "i8", &i8) == 0 && i8 == -3);
    rq_fbr_vec vv;
    CHECK(rq_fbr_vector(&r, &root, 3, 4, "v", &vv) == 0 && vv.n == 3);
    CHECK((int32_t)rq_fbr_u32_at(&r, vv.data + 8) == 65536);
    CHECK((int32_t)rq_fbr_u32_at(&r, vv.data) == -1);
    rq_fbr_vec lvv;
    CHECK(rq_fbr_vector(&r, &root, 5, 8, "l", &lvv) == 0 && lvv.n == 2 && lvv.data % 8 == 0);
    CHECK((int64_t)rq_fbr_u64_at(&r, lvv.data + 8) == (int64_t)1 << 40);
    int32_t def;
    CHECK(rq_fbr_i32(&r, &root, 6, 9, "d", &def) == 0 && def == 9);
    CHECK(rq_fbr_i32(&r, &root, 20, 11, "beyond vtable", &def) == 0 && def == 11);
    free(out);
}

/* Every truncation and many single-byte corruptions must fail cleanly or read something,
 * never touch memory outside the buffer (ASan watches). */
static void damaged_buffers_never_crash(void)
{
    rq_fb b;
    rq_fb_init(&b);
    rq_fb_ref s = rq_fb_string(&b, "abc");
    rq_fb_table_begin(&b);
    rq_fb_add_ref(&b, 0, s);
    rq_fb_add_i32(&b, 1, 42, 0);
    rq_fb_ref t = rq_fb_table_end(&b);
    uint8_t *out;
    size_t len;
    CHECK(rq_fb_finish(&b, t, "TEST", &out, &len) == 0);
    rq_fb_free(&b);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *p = malloc(cut ? cut : 1);
        memcpy(p, out, cut);
        rq_error err = {{0}};
        rq_fbr r = {p, cut, "cut", &err};
        rq_fbr_table root;
        if (rq_fbr_root(&r, "TEST", &root) == 0) {
            const char *str;
            uint32_t n;
            int32_t v;
            (void)rq_fbr_string(&r, &root, 0, "s", &str, &n);
            (void)rq_fbr_i32(&r, &root, 1, 0, "v", &v);
        } else {
            CHECK(strncmp(err.msg, "cut: ", 5) == 0);
        }
        free(p);
    }
    for (size_t i = 0; i < len; i++)
        for (int val = 0; val < 256; val += 51) {
            uint8_t *p = malloc(len);
            memcpy(p, out, len);
            p[i] = (uint8_t)val;
            rq_error err = {{0}};
            rq_fbr r = {p, len, "flip", &err};
            rq_fbr_table root;
            if (rq_fbr_root(&r, NULL, &root) == 0) {
                const char *str;
                uint32_t n;
                int32_t v;
                if (rq_fbr_string(&r, &root, 0, "s", &str, &n) == 0 && str)
                    CHECK((const uint8_t *)str + n <= p + len);
                (void)rq_fbr_i32(&r, &root, 1, 0, "v", &v);
            }
            free(p);
        }
    free(out);
}

static void same_calls_same_bytes(void)
{
    uint8_t *out[2];
    size_t len[2];
    for (int k = 0; k < 2; k++) {
        rq_fb b;
        rq_fb_init(&b);
        rq_fb_ref s = rq_fb_string(&b, "x");
        rq_fb_ref refs[2] = {s, s};
        rq_fb_ref v = rq_fb_vec_refs(&b, refs, 2);
        rq_fb_table_begin(&b);
        rq_fb_add_ref(&b, 0, v);
        rq_fb_ref t = rq_fb_table_end(&b);
        CHECK(rq_fb_finish(&b, t, "TEST", &out[k], &len[k]) == 0);
        rq_fb_free(&b);
    }
    CHECK(len[0] == len[1] && !memcmp(out[0], out[1], len[0]));
    free(out[0]);
    free(out[1]);
}

int main(void)
{
    RUN(smallest_table_layout);
    RUN(vectors_strings_and_alignment);
    RUN(damaged_buffers_never_crash);
    RUN(same_calls_same_bytes);
    TEST_EXIT();
}
