/*
 * A small test harness. Each test is a `void test_NAME(void)` function listed
 * once in tests/test_list.h. Checks record a failure with file and line and
 * let the test go on, so one run shows every broken assertion. The runner
 * prints "N passed, N failed" as its last line.
 */
#ifndef XENT_TEST_HARNESS_H
#define XENT_TEST_HARNESS_H

#include "xent.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>

extern int xt_failures; /* failures in the running test */
extern const char *xt_data_dir; /* the conformance data folder */

void xt_fail(const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#define XT_CHECK(cond)                                              \
  do {                                                              \
    if (!(cond)) xt_fail(__FILE__, __LINE__, "check failed: %s", #cond); \
  } while (0)

#define XT_CHECK_MSG(cond, ...)                          \
  do {                                                   \
    if (!(cond)) xt_fail(__FILE__, __LINE__, __VA_ARGS__); \
  } while (0)

#define XT_CHECK_INT(actual, expected)                                        \
  do {                                                                        \
    long long xt_a_ = (long long)(actual), xt_e_ = (long long)(expected);     \
    if (xt_a_ != xt_e_)                                                       \
      xt_fail(__FILE__, __LINE__, "%s = %lld, expected %lld", #actual, xt_a_, \
              xt_e_);                                                         \
  } while (0)

/* A call must return `expected`; on mismatch print the detail string. */
#define XT_CHECK_STATUS(call, expected)                                       \
  do {                                                                        \
    xent_status_t xt_s_ = (call);                                             \
    if (xt_s_ != (expected))                                                  \
      xt_fail(__FILE__, __LINE__, "%s returned %s (%s), expected %s", #call,  \
              xent_status_name(xt_s_), xent_last_error(),                     \
              xent_status_name(expected));                                    \
  } while (0)

#define XT_OK(call) XT_CHECK_STATUS(call, XENT_OK)

/* Bitwise-or-both-NaN equality for doubles (distinguishes -0.0 from +0.0). */
int xt_same_double(double a, double b);

/* |a - b| <= abs_tol + rel_tol * |b|, with NaN == NaN and equal infinities. */
int xt_close(double a, double b, double rel_tol, double abs_tol);

#define XT_CHECK_CLOSE(actual, expected, rel, abs_)                         \
  do {                                                                      \
    double xt_a_ = (actual), xt_e_ = (expected);                            \
    if (!xt_close(xt_a_, xt_e_, rel, abs_))                                 \
      xt_fail(__FILE__, __LINE__, "%s = %.17g, expected %.17g", #actual,    \
              xt_a_, xt_e_);                                                \
  } while (0)

#define XT_CHECK_SAME(actual, expected)                                     \
  do {                                                                      \
    double xt_a_ = (actual), xt_e_ = (expected);                            \
    if (!xt_same_double(xt_a_, xt_e_))                                      \
      xt_fail(__FILE__, __LINE__, "%s = %.17g, expected exactly %.17g",     \
              #actual, xt_a_, xt_e_);                                       \
  } while (0)

/* Distance in units of the last place of `dtype` (f32 or f64) between a
 * computed value and a reference given as long double. */
double xt_ulp_error(double computed, long double reference, xent_dtype_t dtype);

/* ulp of |v| in the given float type (subnormal-aware). */
long double xt_ulp(long double v, xent_dtype_t dtype);

/* Deterministic pseudo-random numbers (splitmix64). */
typedef struct { uint64_t s; } xt_rng;
uint64_t xt_next(xt_rng *r);
double xt_uniform(xt_rng *r, double lo, double hi);
double xt_normal(xt_rng *r);

#define XT(name) void test_##name(void);
#include "test_list.h"
#undef XT

#endif
