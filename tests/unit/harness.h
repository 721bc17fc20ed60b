/* A minimal unit-test harness: each test case is a function; a failed CHECK ends that
 * case. The binary prints "PASS name" / "FAIL name: where" per case (tests/run.sh counts
 * them) and exits non-zero if any case failed. */
#ifndef RQ_TEST_HARNESS_H
#define RQ_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int rq_t_failed_case;
static int rq_t_failures;
static char rq_t_where[512];

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            snprintf(rq_t_where, sizeof rq_t_where, "%s:%d: CHECK(%s)", __FILE__,       \
                     __LINE__, #cond);                                                  \
            rq_t_failed_case = 1;                                                       \
            return;                                                                     \
        }                                                                               \
    } while (0)

#define CHECK_MSG(cond, ...)                                                            \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            int n_ = snprintf(rq_t_where, sizeof rq_t_where, "%s:%d: ", __FILE__, __LINE__); \
            snprintf(rq_t_where + n_, sizeof rq_t_where - (size_t)n_, __VA_ARGS__);    \
            rq_t_failed_case = 1;                                                       \
            return;                                                                     \
        }                                                                               \
    } while (0)

#define CHECK_NEAR(a, b, tol) CHECK_MSG(fabs((double)(a) - (double)(b)) <= (tol),       \
                                        "%s = %.9g, %s = %.9g, tol %g", #a, (double)(a), #b, \
                                        (double)(b), (double)(tol))

#define RUN(fn)                                                                         \
    do {                                                                                \
        rq_t_failed_case = 0;                                                           \
        fn();                                                                           \
        if (rq_t_failed_case) {                                                         \
            rq_t_failures++;                                                            \
            printf("FAIL %s: %s\n", #fn, rq_t_where);                                   \
        } else {                                                                        \
            printf("PASS %s\n", #fn);                                                   \
        }                                                                               \
        fflush(stdout);                                                                 \
    } while (0)

#define TEST_EXIT() return rq_t_failures ? 1 : 0

#endif
