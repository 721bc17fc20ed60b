/* The SVG charts: ticks, Bland-Altman statistics, subject choice, and the written files
 * checked by an independent parser (python3 xml.etree, tests/ref/check_svg.py): well-formed
 * XML, every point, line vertex and bar inside its panel's plot area, and data mapped
 * linearly onto the tick positions. Set RQ_PLOT_DIR to keep the charts for viewing. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eval/plot_report.h"
#include "eval/plot_svg.h"
#include "harness.h"

static char dir[512];

/* A deterministic stand-in for a model's predictions: 6 subjects, 40 windows each. */
#define NW 240
static float truth[NW], fp32[NW], int8v[NW];
static int64_t subj[NW];

static double lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static void make_data(void)
{
    uint64_t s = 42;
    for (int i = 0; i < NW; i++) {
        int sub = i / 40;
        subj[i] = 100 + sub;
        double base = 55 + 15 * sub, t = i % 40;
        truth[i] = (float)(base + 6 * sin(t / 6.0));
        fp32[i] = (float)(truth[i] + (lcg(&s) - 0.5) * 16 + 2);
        int8v[i] = (float)(fp32[i] + (lcg(&s) - 0.5) * 2);
    }
}

static int check_svg(const char *path, const char *extra)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 tests/ref/check_svg.py %s '%s'", extra, path);
    return system(cmd);
}

static void path_of(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", dir, name); }

static void nice_ticks_are_round_and_cover(void)
{
    double t[16], step;
    int n = rq_nice_ticks(31.2, 178.9, 6, t, 16, &step);
    CHECK(step == 20 || step == 50 || step == 25);
    CHECK(n >= 3);
    for (int i = 0; i < n; i++) {
        CHECK(t[i] >= 31.2 && t[i] <= 178.9);
        CHECK_NEAR(fmod(t[i], step), 0, 1e-9);
    }
    n = rq_nice_ticks(-0.013, 0.021, 5, t, 16, &step);
    CHECK_NEAR(step, 0.01, 1e-15);
    CHECK(n == 4); /* -0.01 0 0.01 0.02 */
    CHECK(t[1] == 0.0);
    CHECK(rq_nice_ticks(1, 1, 5, t, 16, &step) == 0);
    CHECK(rq_nice_ticks(0, NAN, 5, t, 16, &step) == 0);
}

static void bland_altman_matches_definition(void)
{
    /* differences +-2 around a bias of 1: mean 1, sample SD 2*sqrt(n/(n-1)) */
    float ref[4] = {60, 70, 80, 90}, pred[4] = {63, 69, 83, 89};
    double bias, sd;
    rq_bland_altman(4, pred, ref, &bias, &sd);
    CHECK_NEAR(bias, 1.0, 1e-12);
    CHECK_NEAR(sd, 2.0 * sqrt(4.0 / 3.0), 1e-12);
    float nanp[3] = {NAN, 61, 71}, nref[3] = {60, 60, 70};
    rq_bland_altman(3, nanp, nref, &bias, &sd);
    CHECK_NEAR(bias, 1.0, 1e-12);
    CHECK_NEAR(sd, 0.0, 1e-12);
}

static void subjects_span_heart_rate_range(void)
{
    rq_plot_preds p = {NW, truth, fp32, int8v, subj, 0, NULL, NULL};
    int64_t ids[10];
    int k = rq_plot_pick_subjects(&p, 4, ids);
    CHECK(k == 4);
    CHECK(ids[0] == 100); /* lowest mean heart rate */
    CHECK(ids[3] == 105); /* highest */
    CHECK(rq_plot_pick_subjects(&p, 10, ids) == 6);
}

static void report_charts_are_valid_svg(void)
{
    rq_plot_preds p = {NW, truth, fp32, int8v, subj, 1.0, NULL, NULL};
    char path[600];
    rq_error err = {{0}};
    path_of(path, sizeof path, "pred_vs_true.svg");
    CHECK_MSG(rq_plot_pred_vs_true(&p, path, &err) == 0, "%.300s", err.msg);
    CHECK(check_svg(path, "--axes 2 --min-points 480") == 0);
    path_of(path, sizeof path, "bland_altman.svg");
    CHECK_MSG(rq_plot_bland_altman(&p, path, &err) == 0, "%.300s", err.msg);
    CHECK(check_svg(path, "--axes 2 --min-points 480") == 0);
    path_of(path, sizeof path, "hr_over_time.svg");
    CHECK_MSG(rq_plot_hr_over_time(&p, 4, path, &err) == 0, "%.300s", err.msg);
    CHECK(check_svg(path, "--axes 4 --min-lines 12") == 0);
    /* with the displayed rate: two more lines a subject */
    p.shown_fp32 = int8v, p.shown_int8 = fp32;
    CHECK_MSG(rq_plot_hr_over_time(&p, 4, path, &err) == 0, "%.300s", err.msg);
    CHECK(check_svg(path, "--axes 4 --min-lines 20") == 0);
    const char *names[] = {"conv1 (features.0+1)", "conv2 (features.4+5)", "conv3 (features.8+9)",
                           "mean", "output"};
    double sq[] = {38.2, 31.7, 27.9, 33.0, 29.4};
    path_of(path, sizeof path, "layer_sqnr.svg");
    CHECK_MSG(rq_plot_layer_sqnr(5, names, sq, path, &err) == 0, "%.300s", err.msg);
    CHECK(check_svg(path, "--axes 1 --min-bars 5") == 0);
}

static void hostile_values_stay_inside(void)
{
    /* NaN, infinities, labels with XML specials and a constant series */
    rq_fig *f = rq_fig_new(400, 300, "a <b> & \"c\"");
    rq_axes *ax = rq_fig_add_axes(f, 0, 30, 400, 270);
    double x[5] = {1, 2, NAN, INFINITY, 5}, y[5] = {7, 7, 7, 7, 7};
    rq_axes_labels(ax, "x & y", "<y>");
    rq_axes_scatter(ax, 5, x, y, RQ_COL_FP32, 3, "pts <1>");
    rq_axes_line(ax, 5, x, y, RQ_COL_INT8, 1, 1, "line");
    rq_axes_legend(ax, RQ_LEGEND_TOP_LEFT);
    rq_axes_note(ax, "one\ntwo & three");
    char path[600];
    rq_error err = {{0}};
    path_of(path, sizeof path, "hostile.svg");
    CHECK_MSG(rq_fig_write(f, path, &err) == 0, "%.300s", err.msg);
    rq_fig_free(f);
    CHECK(check_svg(path, "--axes 1 --min-points 3") == 0);

    rq_plot_preds empty = {0, truth, fp32, int8v, NULL, 0, NULL, NULL};
    path_of(path, sizeof path, "empty.svg");
    CHECK(rq_plot_pred_vs_true(&empty, path, &err) == 0);
    CHECK(check_svg(path, "--axes 2") == 0);
}

static void unwritable_path_fails_with_name(void)
{
    rq_plot_preds p = {NW, truth, fp32, int8v, subj, 0, NULL, NULL};
    rq_error err = {{0}};
    CHECK(rq_plot_bland_altman(&p, "/nonexistent-dir/ba.svg", &err) != 0);
    CHECK(strstr(err.msg, "/nonexistent-dir/ba.svg") != NULL);
}

int main(void)
{
    const char *keep = getenv("RQ_PLOT_DIR");
    if (keep) {
        snprintf(dir, sizeof dir, "%s", keep);
        mkdir(dir, 0777);
    } else {
        snprintf(dir, sizeof dir, "%s/rq-plot-XXXXXX", getenv("RQ_TMP") ? getenv("RQ_TMP") : "/tmp");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            return 1;
        }
    }
    make_data();
    RUN(nice_ticks_are_round_and_cover);
    RUN(bland_altman_matches_definition);
    RUN(subjects_span_heart_rate_range);
    RUN(report_charts_are_valid_svg);
    RUN(hostile_values_stay_inside);
    RUN(unwritable_path_fails_with_name);
    if (!keep) {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    TEST_EXIT();
}
