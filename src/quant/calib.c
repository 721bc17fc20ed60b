#include "quant/calib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tflite/tfl_model.h"

const double rq_calib_edges[RQ_CALIB_BINS + 1] = {40, 60, 80, 100, 120, 160};

/* splitmix64: tiny, portable, same stream on every platform. */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n) without modulo bias. */
static uint64_t below(uint64_t *s, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n, r;
    do
        r = next_u64(s);
    while (r >= limit);
    return r % n;
}

static void shuffle_i64(int64_t *a, int64_t n, uint64_t *s)
{
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)below(s, (uint64_t)i + 1);
        int64_t t = a[i];
        a[i] = a[j], a[j] = t;
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int rq_calib_pick(int64_t n, int64_t want, uint64_t seed, int64_t **out)
{
    int64_t *a = malloc((size_t)(n > 0 ? n : 1) * sizeof *a);
    if (!a)
        return -1;
    for (int64_t i = 0; i < n; i++)
        a[i] = i;
    if (want < n) {
        uint64_t rng = seed;
        shuffle_i64(a, n, &rng);
        qsort(a, (size_t)want, sizeof *a, cmp_i64);
    }
    *out = a;
    return 0;
}

static int bin_of(float hr)
{
    if (!(hr >= rq_calib_edges[0]))
        return -1;
    for (int b = 0; b < RQ_CALIB_BINS; b++)
        if (hr < rq_calib_edges[b + 1])
            return b;
    return -1;
}

static int subject_in(const rq_calib_plan *p, int64_t s)
{
    return bsearch(&s, p->subjects, (size_t)p->n_subjects, sizeof(int64_t), cmp_i64) != NULL;
}

/* Picks the calibration subjects: a seeded quarter of the distinct ids (at least one, and
 * at least one left over for evaluation). With a single subject nothing is held out. */
static int pick_subjects(const int64_t *subjects, int64_t n, uint64_t *rng, rq_calib_plan *p,
                         rq_error *err)
{
    int64_t *ids = malloc((size_t)n * sizeof(int64_t));
    if (!ids)
        return rq_fail(err, "out of memory choosing calibration subjects");
    memcpy(ids, subjects, (size_t)n * sizeof(int64_t));
    qsort(ids, (size_t)n, sizeof(int64_t), cmp_i64);
    int64_t u = 0;
    for (int64_t i = 0; i < n; i++)
        if (i == 0 || ids[i] != ids[u - 1])
            ids[u++] = ids[i];
    p->n_all_subjects = (int)u;
    if (u < 2) {
        free(ids);
        return 0;
    }
    shuffle_i64(ids, u, rng);
    int64_t k = (u + 2) / 4;
    if (k < 1)
        k = 1;
    if (k > u - 1)
        k = u - 1;
    qsort(ids, (size_t)k, sizeof(int64_t), cmp_i64);
    p->subjects = ids;
    p->n_subjects = (int)k;
    return 0;
}

int rq_calib_select(const float *labels, const int64_t *subjects, int64_t n, int want,
                    uint64_t seed, const char *what, rq_calib_plan *p, rq_error *err)
{
    memset(p, 0, sizeof *p);
    uint64_t rng = seed;
    if (want < 1)
        return rq_fail(err, "%s: need at least one calibration window", what);
    if (subjects && pick_subjects(subjects, n, &rng, p, err) < 0)
        return -1;
    int64_t *cand[RQ_CALIB_BINS] = {0};
    int rc = -1;
    for (int b = 0; b < RQ_CALIB_BINS; b++)
        if (!(cand[b] = malloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t)))) {
            rq_fail(err, "out of memory choosing calibration windows");
            goto out;
        }
    int64_t total = 0;
    for (int64_t i = 0; i < n; i++) {
        int b = bin_of(labels[i]);
        if (b < 0 || (p->subjects && !subject_in(p, subjects[i])))
            continue;
        cand[b][p->available[b]++] = i;
        total++;
    }
    if (total < want) {
        rq_fail(err, "%s: only %lld windows with heart rate in [40,160) BPM%s, fewer than the %d "
                "calibration windows asked for", what, (long long)total,
                p->subjects ? " among the calibration subjects" : "", want);
        goto out;
    }
    /* Even quotas, remainder to the lowest bins; a short bin's deficit goes round-robin to
     * bins that still have candidates. */
    int quota[RQ_CALIB_BINS];
    for (int b = 0; b < RQ_CALIB_BINS; b++)
        quota[b] = want / RQ_CALIB_BINS + (b < want % RQ_CALIB_BINS);
    int deficit = 0;
    for (int b = 0; b < RQ_CALIB_BINS; b++)
        if (quota[b] > p->available[b]) {
            deficit += quota[b] - (int)p->available[b];
            quota[b] = (int)p->available[b];
        }
    while (deficit > 0)
        for (int b = 0; b < RQ_CALIB_BINS && deficit > 0; b++)
            if (quota[b] < p->available[b])
                quota[b]++, deficit--;
    if (!(p->windows = malloc((size_t)want * sizeof(int64_t)))) {
        rq_fail(err, "out of memory choosing calibration windows");
        goto out;
    }
    for (int b = 0; b < RQ_CALIB_BINS; b++) {
        /* Partial Fisher-Yates: the first quota[b] entries become a uniform sample. */
        for (int j = 0; j < quota[b]; j++) {
            int64_t r = j + (int64_t)below(&rng, (uint64_t)(p->available[b] - j));
            int64_t t = cand[b][j];
            cand[b][j] = cand[b][r], cand[b][r] = t;
            p->windows[p->n++] = cand[b][j];
        }
        p->per_bin[b] = quota[b];
    }
    qsort(p->windows, (size_t)p->n, sizeof(int64_t), cmp_i64);
    rc = 0;
out:
    for (int b = 0; b < RQ_CALIB_BINS; b++)
        free(cand[b]);
    if (rc < 0)
        rq_calib_plan_free(p);
    return rc;
}

void rq_calib_plan_free(rq_calib_plan *p)
{
    free(p->windows);
    free(p->subjects);
    memset(p, 0, sizeof *p);
}

void rq_calib_print(const rq_calib_plan *p, FILE *out)
{
    fprintf(out, "calibration: %d windows", p->n);
    if (p->subjects)
        fprintf(out, " from %d of %d subjects (the others are held out for validation)",
                p->n_subjects, p->n_all_subjects);
    fprintf(out, "\n");
    for (int b = 0; b < RQ_CALIB_BINS; b++)
        fprintf(out, "  HR [%3.0f,%3.0f) BPM: %3d windows (of %lld)\n", rq_calib_edges[b],
                rq_calib_edges[b + 1], p->per_bin[b], (long long)p->available[b]);
    for (int b = 0; b < RQ_CALIB_BINS; b++)
        if (p->available[b] == 0)
            fprintf(stderr, "rppgq: warning: HR bin [%.0f,%.0f) BPM is empty: calibration does not cover it\n",
                    rq_calib_edges[b], rq_calib_edges[b + 1]);
}

int rq_calib_excludes(const rq_calib_plan *p, int64_t i, const int64_t *subjects)
{
    if (p->n == 0) /* an empty plan: nothing was calibrated on in this data */
        return 0;
    if (p->subjects && subjects)
        return subject_in(p, subjects[i]);
    return bsearch(&i, p->windows, (size_t)p->n, sizeof(int64_t), cmp_i64) != NULL;
}

/* ---- observers -------------------------------------------------------------------- */

int rq_calib_method_parse(const char *s, rq_calib_method *out)
{
    static const char *names[] = {"minmax", "percentile", "mse"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, names[i])) {
            *out = (rq_calib_method)i;
            return 0;
        }
    return -1;
}

const char *rq_calib_method_name(rq_calib_method m)
{
    return m == RQ_CALIB_PERCENTILE ? "percentile" : m == RQ_CALIB_MSE ? "mse" : "minmax";
}

int rq_observer_needs_hist(rq_calib_method m) { return m != RQ_CALIB_MINMAX; }

void rq_observer_init(rq_observer *o)
{
    memset(o, 0, sizeof *o);
    o->min = INFINITY;
    o->max = -INFINITY;
}

void rq_observer_free(rq_observer *o)
{
    free(o->hist);
    o->hist = NULL;
}

int rq_observer_start_hist(rq_observer *o)
{
    o->hist = calloc(RQ_OBS_BINS, sizeof(uint64_t));
    if (!o->hist)
        return -1;
    o->pass = 1;
    return 0;
}

/* The histogram covers [min(min,0), max(max,0)]. Exact zeros (ReLU gives many) stay out of
 * it: 0.0 is exact in int8 whatever the range, so they must not pull the MSE search. */
static double hist_lo(const rq_observer *o) { return o->min < 0 ? o->min : 0.0; }
static double hist_hi(const rq_observer *o) { return o->max > 0 ? o->max : 0.0; }

void rq_observer_add(rq_observer *o, const float *x, size_t n)
{
    if (o->pass == 0) {
        double mn = o->min, mx = o->max;
        for (size_t i = 0; i < n; i++) {
            if (x[i] < mn)
                mn = x[i];
            if (x[i] > mx)
                mx = x[i];
        }
        o->min = mn, o->max = mx;
        o->count += n;
        return;
    }
    double lo = hist_lo(o), hi = hist_hi(o);
    if (!(hi > lo))
        return;
    double inv = RQ_OBS_BINS / (hi - lo);
    for (size_t i = 0; i < n; i++) {
        if (x[i] == 0.0f)
            continue; /* exact in int8: no error whatever the range */
        long b = (long)(((double)x[i] - lo) * inv);
        if (b < 0)
            b = 0;
        if (b >= RQ_OBS_BINS)
            b = RQ_OBS_BINS - 1;
        o->hist[b]++;
    }
}

static void range_percentile(const rq_observer *o, double *lo, double *hi)
{
    const double tail = 1e-4; /* 99.99th percentile */
    double l = hist_lo(o), h = hist_hi(o), bw = (h - l) / RQ_OBS_BINS;
    uint64_t limit = (uint64_t)(tail * (double)o->count), acc = 0;
    int b = RQ_OBS_BINS - 1;
    for (; b > 0; b--) {
        acc += o->hist[b];
        if (acc > limit)
            break;
    }
    *hi = o->max > 0 ? fmin(o->max, l + (b + 1) * bw) : 0.0;
    acc = 0;
    for (b = 0; b < RQ_OBS_BINS - 1; b++) {
        acc += o->hist[b];
        if (acc > limit)
            break;
    }
    *lo = o->min < 0 ? fmax(o->min, l + b * bw) : 0.0;
}

/* Expected squared error of int8 quantization over [a*lo, a*hi] for the histogram: values
 * outside are clipped, values inside round (error step^2/12). */
static double expected_error(const rq_observer *o, double a)
{
    double l = hist_lo(o), h = hist_hi(o), bw = (h - l) / RQ_OBS_BINS;
    double cl = a * l, ch = a * h, step = (ch - cl) / 255.0, e = 0.0;
    for (int b = 0; b < RQ_OBS_BINS; b++) {
        if (!o->hist[b])
            continue;
        double c = l + (b + 0.5) * bw, d;
        if (c > ch)
            d = (c - ch) * (c - ch);
        else if (c < cl)
            d = (cl - c) * (cl - c);
        else
            d = step * step / 12.0;
        e += d * (double)o->hist[b];
    }
    return e;
}

static void range_mse(const rq_observer *o, double *lo, double *hi)
{
    double best_a = 1.0, best_e = expected_error(o, 1.0);
    for (int j = 999; j >= 20; j--) {
        double a = j / 1000.0, e = expected_error(o, a);
        if (e < best_e)
            best_e = e, best_a = a;
    }
    *lo = best_a * hist_lo(o);
    *hi = best_a * hist_hi(o);
}

void rq_observer_range(const rq_observer *o, rq_calib_method m, double *lo, double *hi)
{
    if (o->count == 0 || !(o->max >= o->min)) {
        *lo = 0.0, *hi = 0.0;
        return;
    }
    if (m == RQ_CALIB_MINMAX || !o->hist || !(hist_hi(o) > hist_lo(o))) {
        *lo = hist_lo(o), *hi = hist_hi(o);
    } else if (m == RQ_CALIB_PERCENTILE) {
        range_percentile(o, lo, hi);
    } else {
        range_mse(o, lo, hi);
    }
}

/* ---- the calibration record ------------------------------------------------------ */

#define RECORD_TAG "; calibration "

uint64_t rq_calib_data_fingerprint(const float *labels, const int64_t *subjects, int64_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    const unsigned char *parts[3] = {(const unsigned char *)&n, (const unsigned char *)labels,
                                     (const unsigned char *)subjects};
    size_t lens[3] = {sizeof n, labels ? (size_t)n * sizeof *labels : 0,
                      subjects ? (size_t)n * sizeof *subjects : 0};
    for (int p = 0; p < 3; p++)
        for (size_t i = 0; i < lens[p]; i++)
            h = (h ^ parts[p][i]) * 0x100000001b3ull;
    return h;
}

/* Appends "key=a,b,c" (or "key=none") to buf at *len; buf is large enough by construction. */
static void put_list(char *buf, size_t *len, const char *key, const int64_t *v, int n)
{
    *len += (size_t)sprintf(buf + *len, " %s=", key);
    if (!v || n == 0)
        *len += (size_t)sprintf(buf + *len, "none");
    for (int i = 0; v && i < n; i++)
        *len += (size_t)sprintf(buf + *len, "%s%lld", i ? "," : "", (long long)v[i]);
}

char *rq_calib_record_format(const rq_calib_plan *p, rq_calib_method m, uint64_t seed,
                             int64_t data_n, uint64_t fingerprint)
{
    size_t cap = 200 + 21 * ((size_t)p->n + (size_t)p->n_subjects), len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    len = (size_t)sprintf(buf, "%smethod=%s seed=%llu data=%lld:%016llx", &RECORD_TAG[2],
                          rq_calib_method_name(m), (unsigned long long)seed, (long long)data_n,
                          (unsigned long long)fingerprint);
    put_list(buf, &len, "windows", p->windows, p->n);
    put_list(buf, &len, "subjects", p->subjects, p->n_subjects);
    return buf;
}

void rq_calib_record_free(rq_calib_record *r)
{
    free(r->windows);
    free(r->subjects);
    memset(r, 0, sizeof *r);
}

/* The value of " key=" in [s, end): its start and length, or NULL. */
static const char *field(const char *s, const char *end, const char *key, size_t *len)
{
    size_t k = strlen(key);
    for (const char *p = s; p + k + 1 < end; p++)
        if (*p == ' ' && !strncmp(p + 1, key, k) && p[1 + k] == '=') {
            const char *v = p + k + 2, *q = v;
            while (q < end && *q != ' ' && *q != ';')
                q++;
            *len = (size_t)(q - v);
            return v;
        }
    return NULL;
}

/* A non-negative decimal integer filling exactly [v, v+len). */
static int parse_u64(const char *v, size_t len, uint64_t *out)
{
    uint64_t x = 0;
    if (len == 0 || len > 19)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    *out = x;
    return 0;
}

/* "a,b,c" (non-negative, strictly increasing) or "none" into a malloc'ed array. */
static int parse_list(const char *v, size_t len, int64_t **out, int *n)
{
    *out = NULL, *n = 0;
    if (len == 4 && !strncmp(v, "none", 4))
        return 0;
    size_t count = 1;
    for (size_t i = 0; i < len; i++)
        count += v[i] == ',';
    if (count > (size_t)INT32_MAX / 2)
        return -1;
    int64_t *a = malloc(count * sizeof *a);
    if (!a)
        return -1;
    size_t start = 0, k = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && v[i] != ',')
            continue;
        uint64_t x;
        if (parse_u64(v + start, i - start, &x) || x > (uint64_t)INT64_MAX ||
            (k && (int64_t)x <= a[k - 1])) {
            free(a);
            return -1;
        }
        a[k++] = (int64_t)x;
        start = i + 1;
    }
    *out = a, *n = (int)k;
    return 0;
}

/* Parses the record's fields in [s, end) (s at the space before method=); `where` says where
 * the record was found, for the error. */
static int parse_record(const char *s, const char *end, const char *what, const char *where,
                        rq_calib_record *r, rq_error *err)
{
    size_t l_m, l_s, l_d, l_w, l_sub;
    const char *m = field(s, end, "method", &l_m), *seed = field(s, end, "seed", &l_s),
               *data = field(s, end, "data", &l_d), *win = field(s, end, "windows", &l_w),
               *sub = field(s, end, "subjects", &l_sub);
    rq_calib_method method;
    char name[16] = "";
    if (m && l_m < sizeof name)
        memcpy(name, m, l_m);
    uint64_t n_data = 0;
    const char *colon = data ? memchr(data, ':', l_d) : NULL;
    char hex[17] = "";
    if (colon && (size_t)(data + l_d - colon - 1) == 16)
        memcpy(hex, colon + 1, 16);
    char *hex_end = NULL;
    unsigned long long fp = hex[0] ? strtoull(hex, &hex_end, 16) : 0;
    if (!m || rq_calib_method_parse(name, &method) || !seed || parse_u64(seed, l_s, &r->seed) ||
        !colon || parse_u64(data, (size_t)(colon - data), &n_data) || n_data > (uint64_t)INT64_MAX ||
        !hex_end || *hex_end || strspn(hex, "0123456789abcdef") != 16 || !win ||
        parse_list(win, l_w, &r->windows, &r->n_windows) || r->n_windows == 0 || !sub ||
        parse_list(sub, l_sub, &r->subjects, &r->n_subjects)) {
        rq_calib_record_free(r);
        return rq_fail(err, "%s: its calibration record (%s) is malformed", what, where);
    }
    snprintf(r->method, sizeof r->method, "%s", rq_calib_method_name(method));
    r->data_n = (int64_t)n_data;
    r->data_fingerprint = fp;
    return 1;
}

int rq_calib_record_parse(const char *desc, const char *what, rq_calib_record *r, rq_error *err)
{
    memset(r, 0, sizeof *r);
    const char *s = desc ? strstr(desc, RECORD_TAG) : NULL;
    if (!s)
        return 0;
    s += strlen(RECORD_TAG) - 1; /* keep the space: every field follows one */
    const char *end = strchr(s, ';');
    if (!end)
        end = s + strlen(s);
    return parse_record(s, end, what, "in the description", r, err);
}

int rq_calib_record_parse_metadata(const uint8_t *data, size_t len, const char *what, rq_calib_record *r,
                                   rq_error *err)
{
    memset(r, 0, sizeof *r);
    const char *tag = &RECORD_TAG[2], *s = (const char *)data; /* "calibration " */
    size_t k = strlen(tag);
    if (len < k || memcmp(s, tag, k))
        return rq_fail(err, "%s: its calibration record (metadata %s) is malformed", what, RQ_CALIB_METADATA);
    return parse_record(s + k - 1, s + len, what, "metadata " RQ_CALIB_METADATA, r, err);
}

int rq_calib_record_from_model(const rq_tfl_model *t, const char *what, rq_calib_record *r, rq_error *err)
{
    const rq_tfl_metadata *e = rq_tfl_find_metadata(t, RQ_CALIB_METADATA);
    if (e)
        return rq_calib_record_parse_metadata(e->data, e->len, what, r, err);
    return rq_calib_record_parse(t->description, what, r, err);
}

static int has_subject(const int64_t *subjects, int64_t n, int64_t s)
{
    for (int64_t i = 0; i < n; i++)
        if (subjects[i] == s)
            return 1;
    return 0;
}

int rq_calib_plan_from_record(const rq_calib_record *r, const int64_t *subjects, int64_t n,
                              const char *what, rq_calib_plan *p, rq_error *err)
{
    memset(p, 0, sizeof *p);
    if (r->n_subjects && !subjects)
        return rq_fail(err, "%s: the calibration record names subjects but the dataset has none", what);
    if (r->windows[r->n_windows - 1] >= n)
        return rq_fail(err, "%s: the calibration record names window %lld, the dataset has %lld", what,
                       (long long)r->windows[r->n_windows - 1], (long long)n);
    for (int i = 0; i < r->n_subjects; i++)
        if (!has_subject(subjects, n, r->subjects[i]))
            return rq_fail(err, "%s: the calibration record names subject %lld, not in the dataset", what,
                           (long long)r->subjects[i]);
    p->windows = malloc((size_t)r->n_windows * sizeof(int64_t));
    p->subjects = r->n_subjects ? malloc((size_t)r->n_subjects * sizeof(int64_t)) : NULL;
    if (!p->windows || (r->n_subjects && !p->subjects)) {
        rq_calib_plan_free(p);
        return rq_fail(err, "out of memory reading the calibration record");
    }
    memcpy(p->windows, r->windows, (size_t)r->n_windows * sizeof(int64_t));
    if (r->n_subjects)
        memcpy(p->subjects, r->subjects, (size_t)r->n_subjects * sizeof(int64_t));
    p->n = r->n_windows;
    p->n_subjects = r->n_subjects;
    if (subjects) {
        /* distinct subjects of the dataset, as rq_calib_select counts them */
        int64_t *ids = malloc((size_t)(n ? n : 1) * sizeof(int64_t));
        if (!ids) {
            rq_calib_plan_free(p);
            return rq_fail(err, "out of memory reading the calibration record");
        }
        memcpy(ids, subjects, (size_t)n * sizeof(int64_t));
        qsort(ids, (size_t)n, sizeof(int64_t), cmp_i64);
        int u = 0;
        for (int64_t i = 0; i < n; i++)
            u += i == 0 || ids[i] != ids[i - 1];
        free(ids);
        p->n_all_subjects = u;
    }
    return 0;
}
