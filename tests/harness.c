/* The test runner: runs every test in test_list.h (or those whose names
 * contain one of the command-line arguments) and prints a summary. */
#include "harness.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int xt_failures;
const char *xt_data_dir = XT_DEFAULT_DATA_DIR;
static const char *current_test;

void xt_fail(const char *file, int line, const char *fmt, ...) {
  if (xt_failures < 20) { /* keep the log readable when a loop fails */
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "  FAIL %s (%s:%d): ", current_test, file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
  } else if (xt_failures == 20) {
    fprintf(stderr, "  ... further failures of %s not shown\n", current_test);
  }
  xt_failures++;
}

int xt_same_double(double a, double b) {
  if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
  return memcmp(&a, &b, sizeof a) == 0;
}

int xt_close(double a, double b, double rel_tol, double abs_tol) {
  if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
  if (isinf(a) || isinf(b)) return a == b;
  return fabs(a - b) <= abs_tol + rel_tol * fabs(b);
}

long double xt_ulp(long double v, xent_dtype_t dtype) {
  int digits = dtype == XENT_F64 ? 53 : 24;
  int emin = dtype == XENT_F64 ? -1022 : -126;
  v = fabsl(v);
  int e = v == 0 ? emin : ilogbl(v);
  if (e < emin) e = emin;
  return ldexpl(1.0L, e - (digits - 1));
}

double xt_ulp_error(double computed, long double reference, xent_dtype_t dtype) {
  if (isnan(computed) || isnan(reference))
    return isnan(computed) && isnan(reference) ? 0 : INFINITY;
  if (isinf(computed) || isinf(reference))
    return (long double)computed == reference ? 0 : INFINITY;
  return (double)(fabsl((long double)computed - reference) / xt_ulp(reference, dtype));
}

uint64_t xt_next(xt_rng *r) {
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double xt_uniform(xt_rng *r, double lo, double hi) {
  return lo + (hi - lo) * ((double)(xt_next(r) >> 11) * 0x1.0p-53);
}

double xt_normal(xt_rng *r) {
  double u = xt_uniform(r, 1e-300, 1), v = xt_uniform(r, 0, 1);
  return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

typedef struct {
  const char *name;
  void (*fn)(void);
} test_entry;

static const test_entry tests[] = {
#define XT(name) {#name, test_##name},
#include "test_list.h"
#undef XT
};

int main(int argc, char **argv) {
  const char *env = getenv("XENT_TEST_DATA");
  if (env) xt_data_dir = env;
  int passed = 0, failed = 0;
  for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
    int selected = argc < 2;
    for (int a = 1; a < argc; a++)
      if (strstr(tests[i].name, argv[a])) selected = 1;
    if (!selected) continue;
    current_test = tests[i].name;
    xt_failures = 0;
    tests[i].fn();
    if (xt_failures) {
      failed++;
      printf("FAIL %s (%d checks failed)\n", tests[i].name, xt_failures);
    } else {
      passed++;
      printf("ok   %s\n", tests[i].name);
    }
    fflush(stdout);
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
