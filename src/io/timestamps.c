#include "io/timestamps.h"

#include <stdlib.h>
#include <string.h>

#include "common/atomic_file.h"

#define T_LIMIT ((long long)1 << 61)

/* One line [p, e) as a number; -1 if it is not one in range. */
static int parse_line(const char *p, const char *e, long long *v)
{
    char buf[24], *end;
    size_t l = (size_t)(e - p);
    if (l == 0 || l >= sizeof buf)
        return -1;
    memcpy(buf, p, l);
    buf[l] = 0;
    if (buf[0] == '+' || buf[0] == ' ' || buf[0] == '\t')
        return -1;
    *v = strtoll(buf, &end, 10);
    return *end || *v < -T_LIMIT || *v > T_LIMIT ? -1 : 0;
}

int rq_timestamps_parse(const char *text, size_t len, const char *name, int64_t **out, int64_t *n,
                        rq_error *err)
{
    const char *p = text, *end = text + len;
    int64_t count = 0, cap = 1024, line = 0;
    int64_t *t = malloc((size_t)cap * sizeof *t);
    *out = NULL;
    *n = 0;
    while (t && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
        long long v;
        line++;
        if (e > p && e[-1] == '\r')
            e--;
        if (parse_line(p, e, &v)) {
            char shown[24];
            size_t l = (size_t)(e - p), k;
            for (k = 0; k < l && k < 20; k++) /* the line as text, whatever its bytes */
                shown[k] = p[k] >= 0x20 && p[k] < 0x7f ? p[k] : '?';
            shown[k] = 0;
            free(t);
            return rq_fail(err, "%s: line %lld: '%s%s' is not a whole number of microseconds in "
                           "+-2^61", name, (long long)line, shown, l > 20 ? "..." : "");
        }
        if (count == cap) {
            int64_t *g = realloc(t, (size_t)(cap *= 2) * sizeof *t);
            if (!g)
                free(t);
            t = g;
            if (!t)
                break;
        }
        t[count++] = v;
        p = nl ? nl + 1 : end;
    }
    if (!t)
        return rq_fail(err, "%s: out of memory for %lld timestamps", name, (long long)count);
    *out = t;
    *n = count;
    return 0;
}

int rq_timestamps_read(const char *path, int64_t **out, int64_t *n, rq_error *err)
{
    unsigned char *text = NULL;
    size_t len = 0;
    if (rq_read_file(path, RQ_TIMESTAMPS_FILE_MAX, &text, &len, err))
        return -1;
    int rc = rq_timestamps_parse((const char *)text, len, path, out, n, err);
    free(text);
    return rc;
}
