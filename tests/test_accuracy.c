/*
 * Measured accuracy against MPFR.
 *
 * For every function whose accuracy xent.h states, and for f32 and f64
 * (inputs and outputs of the same dtype), the exact result is computed with
 * MPFR at 256 bits from the exact input values, and xent's result is
 * measured in ulps of the output type with the metric the header states for
 * that function:
 *
 *   - most bounds are relative to the output: the error is counted in
 *     ulp(exact result);
 *   - softmax_backward:      ulp(y_i * (|dy_i| + sum_j |y_j dy_j|));
 *   - log_softmax_backward:  ulp(|dy_i| + exp(y_i) * sum_j |dy_j|);
 *   - f64 logsumexp:         ulp(max(|logsumexp|, |m|)), m the row maximum.
 *
 * ulp(v) = 2^(e - p + 1), e = floor(log2 |v|) clamped to the type's normal
 * exponent range [emin, emax] (so results in the subnormal range are counted
 * in the subnormal spacing; ulp(0) is the smallest subnormal). The error
 * |computed - exact| is formed in MPFR, so the measurement itself is exact to
 * far below 0.001 ulp.
 *
 * A result whose exact value is not finite in the output type (NaN, or an
 * exact value that rounds to an infinity), or a computed result that is not
 * finite, is not measured in ulps: it must match the exact value rounded to
 * the output type exactly (the same infinity, or both NaN).
 *
 * Each test prints one line per dtype with the largest error measured, and
 * on failure names the input that gave the largest error. The inputs are
 * deterministic (xt_rng with fixed seeds): random rows of several lengths and
 * scales plus adversarial rows and arguments.
 */
#include <stdarg.h>
#include <stdio.h>

#include "bounds.h"
#include "harness.h"

#include <float.h>
#include <mpfr.h>
#include <stdlib.h>
#include <string.h>

#define PREC 256

/* ------------------------------------------------------------------------ */
/* The dtype under test                                                     */
/* ------------------------------------------------------------------------ */

static const xent_dtype_t dtypes[2] = {XENT_F32, XENT_F64};

/* v rounded to the dtype (exact for values already representable). */
static double rd(xent_dtype_t dt, double v) {
  return dt == XENT_F32 ? (double)(float)v : v;
}
static double type_max(xent_dtype_t dt) { return dt == XENT_F32 ? FLT_MAX : DBL_MAX; }
static double type_min_normal(xent_dtype_t dt) {
  return dt == XENT_F32 ? FLT_MIN : DBL_MIN;
}
static double type_min_sub(xent_dtype_t dt) {
  return dt == XENT_F32 ? 0x1p-149 : 0x1p-1074;
}

/* v moved by k ulps of the dtype (k < 0: downwards). */
static double step_ulps(xent_dtype_t dt, double v, int k) {
  for (; k > 0; k--)
    v = dt == XENT_F32 ? (double)nextafterf((float)v, INFINITY) : nextafter(v, INFINITY);
  for (; k < 0; k++)
    v = dt == XENT_F32 ? (double)nextafterf((float)v, -INFINITY) : nextafter(v, -INFINITY);
  return v;
}

/* A magnitude with a uniformly random binary exponent in [emin_sub, 10],
 * random sign: covers subnormals, tiny, ordinary and moderately large
 * arguments. */
static double log_uniform(xt_rng *r, xent_dtype_t dt) {
  int lo = dt == XENT_F32 ? -149 : -1074;
  int e = lo + (int)(xt_next(r) % (uint64_t)(10 - lo + 1));
  double v = ldexp(xt_uniform(r, 1, 2), e);
  if (xt_next(r) & 1) v = -v;
  return rd(dt, v);
}

/* A contiguous 1-D array of the dtype under test. */
typedef struct {
  xent_dtype_t dt;
  int64_t n;
  void *p;
} vec;

static vec vec_new(xent_dtype_t dt, int64_t n) {
  size_t count = n > 0 ? (size_t)n : 1;
  vec v = {dt, n, calloc(count, xent_dtype_size(dt))};
  return v;
}
static void vec_set(vec *v, int64_t i, double x) {
  if (v->dt == XENT_F32)
    ((float *)v->p)[i] = (float)x;
  else
    ((double *)v->p)[i] = x;
}
static double vec_get(const vec *v, int64_t i) {
  return v->dt == XENT_F32 ? (double)((const float *)v->p)[i] : ((const double *)v->p)[i];
}
static vec vec_from(xent_dtype_t dt, const double *x, int64_t n) {
  vec v = vec_new(dt, n);
  for (int64_t i = 0; i < n; i++) vec_set(&v, i, x[i]);
  return v;
}
static xent_tensor_t vec_tensor(const vec *v) { return xent_tensor_1d(v->p, v->dt, v->n); }
static void vec_free(vec *v) { free(v->p); }

/* ------------------------------------------------------------------------ */
/* MPFR scratch                                                             */
/* ------------------------------------------------------------------------ */

static mpfr_t g_a, g_b, g_c, g_d; /* scratch for the reference formulas */
static mpfr_t g_ulp, g_diff;      /* scratch for the measurement */

static void mp_begin(void) {
  mpfr_inits2(PREC, g_a, g_b, g_c, g_d, g_ulp, g_diff, (mpfr_ptr)0);
}
static void mp_end(void) {
  mpfr_clears(g_a, g_b, g_c, g_d, g_ulp, g_diff, (mpfr_ptr)0);
  mpfr_free_cache();
}

static mpfr_t *mp_array(int64_t n) {
  size_t count = n > 0 ? (size_t)n : 1;
  mpfr_t *a = malloc(count * sizeof *a);
  for (int64_t i = 0; i < n; i++) mpfr_init2(a[i], PREC);
  return a;
}
static void mp_array_free(mpfr_t *a, int64_t n) {
  for (int64_t i = 0; i < n; i++) mpfr_clear(a[i]);
  free(a);
}

/* The exact value rounded to nearest in the output type. */
static double round_to(xent_dtype_t dt, mpfr_srcptr v) {
  return dt == XENT_F64 ? mpfr_get_d(v, MPFR_RNDN) : (double)mpfr_get_flt(v, MPFR_RNDN);
}

/* ------------------------------------------------------------------------ */
/* Error accounting                                                         */
/* ------------------------------------------------------------------------ */

/* Where a value came from, formatted only when it is the worst so far. */
typedef struct {
  const char *label; /* how the input was made */
  const char *xname; /* name of the first input ("x", "y", "p") */
  const double *x;   /* the first input: a row, or one element */
  int64_t n, i;      /* row length and the element measured */
  const double *dy;  /* the second input (dy), or NULL */
  const char *sname; /* name of an extra scalar ("dout", "eps"), or NULL */
  double scalar;
} where_t;

typedef struct {
  const char *fn;
  xent_dtype_t dt;
  double bound;
  double max_err;
  long measured, nonfinite, mismatches;
  char worst[768];
  char mismatch[768];
} tally;

static tally tally_new(const char *fn, xent_dtype_t dt, double bound) {
  tally t;
  memset(&t, 0, sizeof t);
  t.fn = fn;
  t.dt = dt;
  t.bound = bound;
  return t;
}

static void describe(char *buf, size_t size, const where_t *w, double got,
                     mpfr_srcptr exact) {
  int len = mpfr_snprintf(buf, size, "%s, n = %lld, element %lld: ", w->label,
                          (long long)w->n, (long long)w->i);
  if (len < 0 || (size_t)len >= size) return;
  size_t used = (size_t)len;
  if (w->n > 1) {
    used += (size_t)snprintf(buf + used, size - used, "%s = [", w->xname);
    int64_t shown = w->n <= 8 ? w->n : 6;
    for (int64_t k = 0; k < shown && used < size; k++)
      used += (size_t)snprintf(buf + used, size - used, "%s%a", k ? ", " : "", w->x[k]);
    if (shown < w->n && used < size)
      used += (size_t)snprintf(buf + used, size - used, ", ...");
    if (used < size) used += (size_t)snprintf(buf + used, size - used, "], ");
  }
  if (used < size)
    used += (size_t)snprintf(buf + used, size - used, "%s[i] = %a (%.17g)", w->xname,
                             w->x[w->i], w->x[w->i]);
  if (w->dy && used < size)
    used += (size_t)snprintf(buf + used, size - used, ", dy[i] = %a", w->dy[w->i]);
  if (w->sname && used < size)
    used += (size_t)snprintf(buf + used, size - used, ", %s = %a", w->sname, w->scalar);
  if (used < size)
    mpfr_snprintf(buf + used, size - used, "; got %a (%.17g), exact %.25Rg", got, got,
                  exact);
}

/* ulp(v) in the dtype as defined at the top of the file, into `u`. */
static void ulp_of(mpfr_ptr u, xent_dtype_t dt, mpfr_srcptr v) {
  long p = dt == XENT_F64 ? 53 : 24;
  long emin = dt == XENT_F64 ? -1022 : -126, emax = dt == XENT_F64 ? 1023 : 127;
  long e = emin;
  if (mpfr_regular_p(v)) e = (long)mpfr_get_exp(v) - 1; /* |v| in [2^e, 2^(e+1)) */
  if (e < emin) e = emin;
  if (e > emax) e = emax;
  mpfr_set_ui_2exp(u, 1, e - (p - 1), MPFR_RNDN);
}

/* Measures `got` against `exact`, in ulps of `scale` (of `exact` when scale
 * is NULL). */
static void tally_add(tally *t, double got, mpfr_srcptr exact, mpfr_srcptr scale,
                      const where_t *w) {
  double want = round_to(t->dt, exact);
  if (!isfinite(want) || !isfinite(got)) {
    t->nonfinite++;
    int same = isnan(want) ? isnan(got) : got == want;
    if (!same) {
      if (!t->mismatches) describe(t->mismatch, sizeof t->mismatch, w, got, exact);
      t->mismatches++;
    }
    return;
  }
  ulp_of(g_ulp, t->dt, scale ? scale : exact);
  mpfr_sub_d(g_diff, exact, got, MPFR_RNDN);
  mpfr_abs(g_diff, g_diff, MPFR_RNDN);
  mpfr_div(g_diff, g_diff, g_ulp, MPFR_RNDN);
  double err = mpfr_get_d(g_diff, MPFR_RNDU);
  t->measured++;
  if (err > t->max_err || (t->measured == 1 && err == 0)) {
    t->max_err = err;
    describe(t->worst, sizeof t->worst, w, got, exact);
  }
}

/* Prints the line for the report and asserts the bound. */
static void tally_check(const tally *t, const char *metric) {
  printf("  accuracy %s %s: max %.3g ulp (bound %g%s%s; %ld values, %ld non-finite)\n",
         t->fn, xent_dtype_name(t->dt), t->max_err, t->bound, metric ? ", " : "",
         metric ? metric : "", t->measured, t->nonfinite);
  XT_CHECK_MSG(t->max_err <= t->bound, "%s %s: %.4g ulp exceeds the bound %g; worst: %s",
               t->fn, xent_dtype_name(t->dt), t->max_err, t->bound, t->worst);
  XT_CHECK_MSG(t->mismatches == 0, "%s %s: %ld non-finite results differ; first: %s",
               t->fn, xent_dtype_name(t->dt), t->mismatches, t->mismatch);
  XT_CHECK_MSG(t->measured > 100, "%s %s: only %ld values measured", t->fn,
               xent_dtype_name(t->dt), t->measured);
}

/* ------------------------------------------------------------------------ */
/* Rows for the normalizers                                                 */
/* ------------------------------------------------------------------------ */

typedef struct {
  int64_t n;
  double *x;
  char label[64];
} row_t;

typedef struct {
  int count, cap;
  row_t *r;
} rowset;

static void rows_add(rowset *s, xent_dtype_t dt, const double *x, int64_t n,
                     const char *label) {
  if (s->count == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 64;
    s->r = realloc(s->r, (size_t)s->cap * sizeof *s->r);
  }
  row_t *row = &s->r[s->count++];
  row->n = n;
  row->x = malloc((size_t)n * sizeof *row->x);
  for (int64_t i = 0; i < n; i++) row->x[i] = rd(dt, x[i]);
  snprintf(row->label, sizeof row->label, "%s", label);
}

static void rows_free(rowset *s) {
  for (int k = 0; k < s->count; k++) free(s->r[k].x);
  free(s->r);
  s->r = NULL;
  s->count = s->cap = 0;
}

#define ADD_ROW(s, dt, label, ...)                                          \
  do {                                                                      \
    const double row_[] = {__VA_ARGS__};                                    \
    rows_add(s, dt, row_, (int64_t)(sizeof row_ / sizeof row_[0]), label);  \
  } while (0)

/*
 * A row of f32 values whose logsumexp is very close to 0 (the row maximum m
 * nearly cancels log1p(s)): found by searching the f32 neighbours (+-600
 * ulps) of two entries of a row shifted by its own logsumexp for the
 * smallest |logsumexp|, which is 1.16529392e-11 here.
 */
static const float lse_zero_f32[][3] = {
    {-0x1.d3a254p+0f, -0x1.59ce7cp-1f, -0x1.1bbc92p+0f},
};

static void rows_build(rowset *s, xent_dtype_t dt) {
  xt_rng rng = {dt == XENT_F64 ? 0x5eed0064u : 0x5eed0032u};
  static const int64_t lens[] = {1, 2, 3, 7, 64, 1000};
  static const int reps[] = {24, 24, 24, 24, 6, 2};
  const double wide = dt == XENT_F64 ? 700 : 80;
  double *b = malloc(1000 * sizeof *b);
  char label[64];

  /* Random rows: normal*1, normal*30, uniform over a wide range. */
  for (int li = 0; li < 6; li++) {
    for (int kind = 0; kind < 3; kind++) {
      for (int rep = 0; rep < reps[li]; rep++) {
        for (int64_t i = 0; i < lens[li]; i++)
          b[i] = kind == 0   ? xt_normal(&rng)
                 : kind == 1 ? 30 * xt_normal(&rng)
                             : xt_uniform(&rng, -wide, wide);
        snprintf(label, sizeof label, "random %s #%d",
                 kind == 0 ? "normal" : kind == 1 ? "normal*30" : "uniform wide", rep);
        rows_add(s, dt, b, lens[li], label);
      }
    }
  }

  /* One dominant logit. */
  ADD_ROW(s, dt, "dominant", 40, 0);
  ADD_ROW(s, dt, "dominant", 0, -40);
  ADD_ROW(s, dt, "dominant", 40, 0, 0, 0, 0, 0, 0);
  ADD_ROW(s, dt, "dominant", 37.42994775023705, 0);
  ADD_ROW(s, dt, "dominant", 0, 37.42994775023705);
  ADD_ROW(s, dt, "dominant", 20, 0, -20);
  ADD_ROW(s, dt, "dominant", 88, 0);
  ADD_ROW(s, dt, "dominant", 104, 0);
  ADD_ROW(s, dt, "dominant", 700, 0);
  ADD_ROW(s, dt, "dominant", 745, 0);
  ADD_ROW(s, dt, "dominant", 760, 0);
  for (int64_t i = 0; i < 64; i++) b[i] = i == 5 ? 50 : 0;
  rows_add(s, dt, b, 64, "dominant");
  for (int64_t i = 0; i < 1000; i++) b[i] = i == 0 ? 30 : xt_normal(&rng) - 10;
  rows_add(s, dt, b, 1000, "dominant over noise");

  /* Near-ties. */
  ADD_ROW(s, dt, "near-tie", 1, step_ulps(dt, 1, 1), step_ulps(dt, 1, -1));
  ADD_ROW(s, dt, "near-tie", 0.1, 0.1, 0.1);
  ADD_ROW(s, dt, "near-tie", step_ulps(dt, 3, -1), 3, step_ulps(dt, 3, 2), 3);
  for (int64_t i = 0; i < 64; i++) b[i] = step_ulps(dt, 0.5, (int)i - 32);
  rows_add(s, dt, b, 64, "near-tie 0.5 +- k ulp");
  for (int64_t i = 0; i < 7; i++) b[i] = step_ulps(dt, -20, (int)(i * 3) - 9);
  rows_add(s, dt, b, 7, "near-tie -20 +- k ulp");

  /* Values near the ends of the range. */
  const double M = type_max(dt), den = type_min_sub(dt), tiny = type_min_normal(dt);
  ADD_ROW(s, dt, "huge", M, 1, 2, 3);
  ADD_ROW(s, dt, "huge", M, step_ulps(dt, M, -1), step_ulps(dt, M, -2));
  ADD_ROW(s, dt, "huge", -M, -M, -M);
  ADD_ROW(s, dt, "huge", -M, 0, M);
  ADD_ROW(s, dt, "huge", M, -M);
  ADD_ROW(s, dt, "huge", M, M);
  ADD_ROW(s, dt, "huge", -M, step_ulps(dt, -M, 1));
  ADD_ROW(s, dt, "huge", -M);
  ADD_ROW(s, dt, "huge", M / 2, M / 4, -M / 2, 0);

  /* Subnormals and signed zeros. */
  ADD_ROW(s, dt, "subnormal", den, -den, 0, -0.0, 3 * den);
  ADD_ROW(s, dt, "subnormal", den, 0);
  ADD_ROW(s, dt, "subnormal", -den, -0.0);
  ADD_ROW(s, dt, "subnormal", 5 * den, 7 * den, -1000 * den);
  ADD_ROW(s, dt, "subnormal", tiny, -tiny, den);
  ADD_ROW(s, dt, "subnormal", den);
  ADD_ROW(s, dt, "signed zero", -0.0, 0.0);
  ADD_ROW(s, dt, "signed zero", 0.0, -0.0);
  ADD_ROW(s, dt, "signed zero", -0.0, -0.0, 1);
  ADD_ROW(s, dt, "signed zero", -0.0);

  /* Large shifts: small integers on top of a big constant. */
  const double base = dt == XENT_F32 ? 1e7 : 1e15;
  ADD_ROW(s, dt, "shift", base, base + 1, base + 2, base - 3, base + 5, base - 7, base + 4);
  ADD_ROW(s, dt, "shift", -base, -base + 1, -base + 2, -base - 3);
  ADD_ROW(s, dt, "shift", base + 1, base);
  ADD_ROW(s, dt, "shift", 16777216.0, 16777214.0, 16777212.0, 16777218.0);

  /* logsumexp near 0: rows shifted by their own logsumexp, and constant
   * rows log(1/n). */
  static const int64_t zl[] = {2, 3, 7, 64, 1000};
  for (int li = 0; li < 5; li++) {
    for (int rep = 0; rep < 3; rep++) {
      long double mx = -INFINITY, sum = 0;
      for (int64_t i = 0; i < zl[li]; i++) {
        b[i] = rd(dt, (rep + 1) * xt_normal(&rng));
        if (b[i] > mx) mx = b[i];
      }
      for (int64_t i = 0; i < zl[li]; i++) sum += expl(b[i] - mx);
      long double lse = mx + logl(sum);
      for (int64_t i = 0; i < zl[li]; i++) b[i] = (double)(b[i] - lse);
      snprintf(label, sizeof label, "logsumexp near 0 #%d", rep);
      rows_add(s, dt, b, zl[li], label);
    }
    for (int64_t i = 0; i < zl[li]; i++) b[i] = -log((double)zl[li]);
    rows_add(s, dt, b, zl[li], "constant -log(n)");
  }
  /* The worst rows of a random search (millions of rows of 2 to 7 normal
   * values, f64): logsumexp 3.70 ulp of max(|logsumexp|, |m|), softmax 3.20
   * ulp, log_softmax 2.44 ulp. */
  ADD_ROW(s, dt, "found by search", -0x1.79d53b05a1774p+0, -0x1.e6f8d01b8f2e7p-4);
  ADD_ROW(s, dt, "found by search", 0x1.93329102c2958p+0, 0x1.3d2452f029358p-2,
          -0x1.bfdc98ae364dep-3, 0x1.f68d4711906f5p-1, -0x1.fd19ac97ccb2ep-2);
  ADD_ROW(s, dt, "found by search", -0x1.045d78b5e4eadp-1, -0x1.ce3b373499836p+0,
          -0x1.8cf189c5680fep+2, -0x1.fa5baf4704656p+2);
  if (dt == XENT_F32) {
    for (size_t k = 0; k < sizeof lse_zero_f32 / sizeof lse_zero_f32[0]; k++) {
      for (int i = 0; i < 3; i++) b[i] = lse_zero_f32[k][i];
      rows_add(s, dt, b, 3, "f32 logsumexp near 0 (searched)");
    }
  }

  /* Masked entries. */
  ADD_ROW(s, dt, "masked", -INFINITY, 0, 1);
  ADD_ROW(s, dt, "masked", -INFINITY, -INFINITY, 3);
  ADD_ROW(s, dt, "masked", 2, -INFINITY);
  ADD_ROW(s, dt, "fully masked", -INFINITY, -INFINITY);
  free(b);
}

/* The exact row quantities: m (the maximum, an input value, first attained
 * at k), e_j = exp(x_j - m), s = sum over j != k of e_j, S = 1 + s and
 * logS = log1p(s). The sum is kept as 1 + s and its log taken with log1p,
 * as the header writes it, because s can be far below 2^-256 (a dominant
 * logit) and log(1 + s) would then lose it entirely. Returns 0 for a fully
 * masked row (every entry -inf), for which only m is set. Rows here have no
 * NaN and no +inf. */
static int row_exact(const double *x, int64_t n, double *m, mpfr_t *e, mpfr_ptr S,
                     mpfr_ptr logS) {
  double mx = -INFINITY;
  int64_t k = 0;
  for (int64_t i = 0; i < n; i++)
    if (x[i] > mx) mx = x[i], k = i;
  *m = mx;
  if (mx == -INFINITY) return 0;
  mpfr_set_zero(logS, 1); /* s, for now */
  for (int64_t i = 0; i < n; i++) {
    mpfr_set_d(e[i], x[i], MPFR_RNDN);
    mpfr_sub_d(e[i], e[i], mx, MPFR_RNDN);
    mpfr_exp(e[i], e[i], MPFR_RNDN);
    if (i != k) mpfr_add(logS, logS, e[i], MPFR_RNDN);
  }
  mpfr_add_ui(S, logS, 1, MPFR_RNDN);
  mpfr_log1p(logS, logS, MPFR_RNDN);
  return 1;
}

/* ------------------------------------------------------------------------ */
/* softmax, log_softmax, logsumexp                                          */
/* ------------------------------------------------------------------------ */

enum { NORM_SOFTMAX, NORM_LOG_SOFTMAX, NORM_LOGSUMEXP };

static void check_normalizer(int which) {
  static const char *names[] = {"softmax", "log_softmax", "logsumexp"};
  /* Bounds from xent.h (tests/bounds.h), f32 then f64. */
  static const double bounds[3][2] = {
      {XT_BOUND_SOFTMAX_F32, XT_BOUND_SOFTMAX_F64},
      {XT_BOUND_LOG_SOFTMAX_F32, XT_BOUND_LOG_SOFTMAX_F64},
      {XT_BOUND_LOGSUMEXP_F32, XT_BOUND_LOGSUMEXP_F64}};
  mp_begin();
  mpfr_t S, logS, exact, scale;
  mpfr_inits2(PREC, S, logS, exact, scale, (mpfr_ptr)0);
  for (int di = 0; di < 2; di++) {
    xent_dtype_t dt = dtypes[di];
    tally t = tally_new(names[which], dt, bounds[which][di]);
    rowset rows = {0, 0, NULL};
    rows_build(&rows, dt);
    for (int k = 0; k < rows.count; k++) {
      const row_t *row = &rows.r[k];
      int64_t n = row->n;
      vec vx = vec_from(dt, row->x, n), vy = vec_new(dt, which == NORM_LOGSUMEXP ? 1 : n);
      xent_tensor_t tx = vec_tensor(&vx), ty = vec_tensor(&vy);
      if (which == NORM_SOFTMAX) XT_OK(xent_softmax(&tx, -1, &ty));
      if (which == NORM_LOG_SOFTMAX) XT_OK(xent_log_softmax(&tx, -1, &ty));
      if (which == NORM_LOGSUMEXP) XT_OK(xent_logsumexp(&tx, -1, &ty));
      mpfr_t *e = mp_array(n);
      double m;
      int finite = row_exact(row->x, n, &m, e, S, logS);
      where_t w = {row->label, "x", row->x, n, 0, NULL, NULL, 0};
      if (which == NORM_LOGSUMEXP) {
        if (finite) {
          mpfr_add_d(exact, logS, m, MPFR_RNDN);
        } else {
          mpfr_set_inf(exact, -1);
        }
        /* the scale: max(|logsumexp|, |m|) */
        mpfr_set_d(scale, fabs(m), MPFR_RNDN);
        if (mpfr_cmpabs(exact, scale) > 0) mpfr_abs(scale, exact, MPFR_RNDN);
        w.i = 0;
        for (int64_t i = 1; i < n; i++)
          if (row->x[i] > row->x[w.i]) w.i = i;
        /* in ulps of max(|logsumexp|, |max x|) for both types, as stated */
        tally_add(&t, vec_get(&vy, 0), exact, scale, &w);
      } else {
        for (int64_t i = 0; i < n; i++) {
          if (!finite) {
            if (which == NORM_SOFTMAX)
              mpfr_set_zero(exact, 1);
            else
              mpfr_set_inf(exact, -1);
          } else if (which == NORM_SOFTMAX) {
            mpfr_div(exact, e[i], S, MPFR_RNDN);
          } else {
            mpfr_set_d(exact, row->x[i], MPFR_RNDN);
            mpfr_sub_d(exact, exact, m, MPFR_RNDN);
            mpfr_sub(exact, exact, logS, MPFR_RNDN);
          }
          w.i = i;
          tally_add(&t, vec_get(&vy, i), exact, NULL, &w);
        }
      }
      mp_array_free(e, n);
      vec_free(&vx);
      vec_free(&vy);
    }
    tally_check(&t, which == NORM_LOGSUMEXP
                        ? "in ulps of max(|logsumexp|, |max x|)"
                        : NULL);
    rows_free(&rows);
  }
  mpfr_clears(S, logS, exact, scale, (mpfr_ptr)0);
  mp_end();
}

void test_accuracy_softmax(void) { check_normalizer(NORM_SOFTMAX); }
void test_accuracy_log_softmax(void) { check_normalizer(NORM_LOG_SOFTMAX); }
void test_accuracy_logsumexp(void) { check_normalizer(NORM_LOGSUMEXP); }

/* ------------------------------------------------------------------------ */
/* Backward passes of the normalizers                                       */
/* ------------------------------------------------------------------------ */

/* The upstream gradient for row k: normal, all ones (the worst cancellation
 * in dy_i - sum y dy), one-hot, large, or large and one-hot. */
static void make_dy(xt_rng *r, int k, double *dy, int64_t n, xent_dtype_t dt) {
  int kind = k % 5;
  for (int64_t i = 0; i < n; i++) {
    int hot = i == (int64_t)(k * 7) % n;
    double v = kind == 0   ? xt_normal(r)
               : kind == 1 ? 1.0
               : kind == 2 ? (hot ? 1.0 : 0.0)
               : kind == 3 ? 1000 * xt_normal(r)
                           : (hot ? 1000.0 : 0.0);
    dy[i] = rd(dt, v);
  }
}

static void check_normalizer_backward(int which) {
  static const char *names[] = {"softmax_backward", "log_softmax_backward",
                                "logsumexp_backward"};
  mp_begin();
  mpfr_t S, logS, exact, scale, dot, absdot;
  mpfr_inits2(PREC, S, logS, exact, scale, dot, absdot, (mpfr_ptr)0);
  for (int di = 0; di < 2; di++) {
    xent_dtype_t dt = dtypes[di];
    /* softmax_backward and log_softmax_backward: 4 ulp of the stated scale.
     * logsumexp_backward (dx_i = dout * softmax(x)_i, no cancellation): the
     * header states softmax's bound plus 0.5 ulp, relative to the result. */
    double bound = which == NORM_LOGSUMEXP
                       ? (dt == XENT_F64 ? XT_BOUND_SOFTMAX_F64 : XT_BOUND_SOFTMAX_F32) + 0.5
                       : 4;
    tally t = tally_new(names[which], dt, bound);
    xt_rng rng = {0xbacc0000u + (unsigned)di};
    rowset rows = {0, 0, NULL};
    rows_build(&rows, dt);
    for (int k = 0; k < rows.count; k++) {
      const row_t *row = &rows.r[k];
      int64_t n = row->n;
      double *in = malloc((size_t)n * sizeof *in), *dy = malloc((size_t)n * sizeof *dy);
      make_dy(&rng, k, dy, n, dt);
      vec vx = vec_from(dt, row->x, n), vdy = vec_from(dt, dy, n), vdx = vec_new(dt, n);
      vec vy = vec_new(dt, n), vdout = vec_new(dt, 1);
      xent_tensor_t tx = vec_tensor(&vx), tdy = vec_tensor(&vdy), tdx = vec_tensor(&vdx);
      xent_tensor_t ty = vec_tensor(&vy), tdout = vec_tensor(&vdout);
      double dout = rd(dt, (k % 3 == 0 ? 1000 : 1) * xt_normal(&rng));
      where_t w = {row->label, "y", in, n, 0, dy, NULL, 0};
      if (which == NORM_LOGSUMEXP) {
        /* x and d(out): dx_i = dout * softmax(x)_i exactly. */
        vec_set(&vdout, 0, dout);
        XT_OK(xent_logsumexp_backward(&tx, &tdout, -1, &tdx));
        for (int64_t i = 0; i < n; i++) in[i] = row->x[i];
        w.xname = "x";
        w.dy = NULL;
        w.sname = "dout";
        w.scalar = dout;
        mpfr_t *e = mp_array(n);
        double m;
        int finite = row_exact(in, n, &m, e, S, logS);
        for (int64_t i = 0; i < n; i++) {
          if (finite) {
            mpfr_div(exact, e[i], S, MPFR_RNDN);
            mpfr_mul_d(exact, exact, dout, MPFR_RNDN);
          } else {
            mpfr_set_zero(exact, 1);
          }
          w.i = i;
          tally_add(&t, vec_get(&vdx, i), exact, NULL, &w);
        }
        mp_array_free(e, n);
      } else {
        /* y is xent's forward output in the same dtype. */
        if (which == NORM_SOFTMAX) XT_OK(xent_softmax(&tx, -1, &ty));
        else XT_OK(xent_log_softmax(&tx, -1, &ty));
        for (int64_t i = 0; i < n; i++) in[i] = vec_get(&vy, i);
        if (which == NORM_SOFTMAX) XT_OK(xent_softmax_backward(&ty, &tdy, -1, &tdx));
        else XT_OK(xent_log_softmax_backward(&ty, &tdy, -1, &tdx));
        mpfr_set_zero(dot, 1);
        mpfr_set_zero(absdot, 1);
        for (int64_t i = 0; i < n; i++) {
          if (which == NORM_SOFTMAX) { /* sum y_j dy_j and sum |y_j dy_j| */
            mpfr_set_d(g_c, in[i], MPFR_RNDN);
            mpfr_mul_d(g_c, g_c, dy[i], MPFR_RNDN); /* exact: 106 bits */
          } else { /* sum dy_j and sum |dy_j| */
            mpfr_set_d(g_c, dy[i], MPFR_RNDN);
          }
          mpfr_add(dot, dot, g_c, MPFR_RNDN);
          mpfr_abs(g_c, g_c, MPFR_RNDN);
          mpfr_add(absdot, absdot, g_c, MPFR_RNDN);
        }
        for (int64_t i = 0; i < n; i++) {
          if (which == NORM_SOFTMAX) {
            /* dx_i = y_i (dy_i - sum y dy); scale y_i (|dy_i| + sum |y dy|) */
            mpfr_d_sub(exact, dy[i], dot, MPFR_RNDN);
            mpfr_mul_d(exact, exact, in[i], MPFR_RNDN);
            mpfr_set_d(scale, fabs(dy[i]), MPFR_RNDN);
            mpfr_add(scale, scale, absdot, MPFR_RNDN);
            mpfr_mul_d(scale, scale, in[i], MPFR_RNDN);
          } else {
            /* dx_i = dy_i - exp(y_i) sum dy; scale |dy_i| + exp(y_i) sum |dy| */
            mpfr_set_d(g_c, in[i], MPFR_RNDN);
            mpfr_exp(g_c, g_c, MPFR_RNDN);
            mpfr_mul(exact, g_c, dot, MPFR_RNDN);
            mpfr_d_sub(exact, dy[i], exact, MPFR_RNDN);
            mpfr_mul(scale, g_c, absdot, MPFR_RNDN);
            mpfr_add_d(scale, scale, fabs(dy[i]), MPFR_RNDN);
          }
          w.i = i;
          tally_add(&t, vec_get(&vdx, i), exact, scale, &w);
        }
      }
      vec_free(&vx);
      vec_free(&vdy);
      vec_free(&vdx);
      vec_free(&vy);
      vec_free(&vdout);
      free(in);
      free(dy);
    }
    tally_check(&t, which == NORM_SOFTMAX       ? "in ulps of y_i (|dy_i| + sum |y dy|)"
                    : which == NORM_LOG_SOFTMAX ? "in ulps of |dy_i| + exp(y_i) sum |dy|"
                                                : "not stated in xent.h; softmax's");
    rows_free(&rows);
  }
  mpfr_clears(S, logS, exact, scale, dot, absdot, (mpfr_ptr)0);
  mp_end();
}

void test_accuracy_softmax_backward(void) { check_normalizer_backward(NORM_SOFTMAX); }
void test_accuracy_log_softmax_backward(void) {
  check_normalizer_backward(NORM_LOG_SOFTMAX);
}
void test_accuracy_logsumexp_backward(void) { check_normalizer_backward(NORM_LOGSUMEXP); }

/* ------------------------------------------------------------------------ */
/* Element-wise functions                                                   */
/* ------------------------------------------------------------------------ */

enum { PW_SIGMOID, PW_LOG_SIGMOID, PW_SOFTPLUS, PW_LOGIT };

typedef struct {
  int fn;
  int backward;
  double eps; /* logit: XENT_LOGIT_NO_EPS or the clamp */
} pw_case;

/* r = exp(-|x|) into g_a, then sigmoid(x) = 1 / (1 + exp(-x)) written in the
 * form that cannot overflow. */
static void mp_sigmoid(mpfr_ptr r, double x) {
  mpfr_set_d(g_a, -fabs(x), MPFR_RNDN);
  mpfr_exp(g_a, g_a, MPFR_RNDN);
  mpfr_add_ui(g_b, g_a, 1, MPFR_RNDN);
  if (x >= 0)
    mpfr_ui_div(r, 1, g_b, MPFR_RNDN);
  else
    mpfr_div(r, g_a, g_b, MPFR_RNDN); /* also NaN */
}

/* softplus(x) = log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)). */
static void mp_softplus(mpfr_ptr r, double x) {
  mpfr_set_d(g_a, -fabs(x), MPFR_RNDN);
  mpfr_exp(g_a, g_a, MPFR_RNDN);
  mpfr_log1p(g_a, g_a, MPFR_RNDN);
  mpfr_add_d(r, g_a, x > 0 ? x : 0.0, MPFR_RNDN);
}

/* logit(p) = log(p / (1 - p)); 1 - p is exact at this precision. */
static void mp_logit(mpfr_ptr r, double p) {
  if (!(p >= 0 && p <= 1)) {
    mpfr_set_nan(r);
  } else if (p == 0) {
    mpfr_set_inf(r, -1);
  } else if (p == 1) {
    mpfr_set_inf(r, 1);
  } else {
    mpfr_set_d(g_a, p, MPFR_RNDN);
    mpfr_ui_sub(g_b, 1, g_a, MPFR_RNDN);
    mpfr_div(g_a, g_a, g_b, MPFR_RNDN);
    mpfr_log(r, g_a, MPFR_RNDN);
  }
}

/* The exact result for one element. lo and hi are logit's clamp range (the
 * header's eps and 1 - eps rounded to the input type). */
static void pw_exact(mpfr_ptr r, const pw_case *c, int clamp, double lo, double hi,
                     double x, double dy) {
  switch (c->fn) {
  case PW_SIGMOID:
    if (!c->backward) {
      mp_sigmoid(r, x);
    } else { /* sigmoid(x) sigmoid(-x) = e / (1 + e)^2, e = exp(-|x|) */
      mpfr_set_d(g_a, -fabs(x), MPFR_RNDN);
      mpfr_exp(g_a, g_a, MPFR_RNDN);
      mpfr_add_ui(g_b, g_a, 1, MPFR_RNDN);
      mpfr_sqr(g_b, g_b, MPFR_RNDN);
      mpfr_div(r, g_a, g_b, MPFR_RNDN);
    }
    break;
  case PW_LOG_SIGMOID:
    if (!c->backward) {
      mp_softplus(r, -x); /* log_sigmoid(x) = -softplus(-x) */
      mpfr_neg(r, r, MPFR_RNDN);
    } else {
      mp_sigmoid(r, -x); /* log_sigmoid'(x) = sigmoid(-x) */
    }
    break;
  case PW_SOFTPLUS:
    if (!c->backward)
      mp_softplus(r, x);
    else
      mp_sigmoid(r, x); /* softplus'(x) = sigmoid(x) */
    break;
  default: /* logit */
    if (!c->backward) {
      double p = x;
      if (clamp) p = p < lo ? lo : (p > hi ? hi : p); /* NaN stays NaN */
      mp_logit(r, p);
    } else {
      if (clamp && (x < lo || x > hi)) {
        mpfr_set_zero(r, 1); /* the clamp is active: dx = 0 */
      } else if (!(x >= 0 && x <= 1)) {
        mpfr_set_nan(r);
      } else { /* dy / (p (1 - p)), sign(dy) inf at p = 0 (-0.0 too) or 1 */
        mpfr_set_d(g_a, x, MPFR_RNDN);
        mpfr_ui_sub(g_b, 1, g_a, MPFR_RNDN);
        mpfr_mul(g_a, g_a, g_b, MPFR_RNDN);
        mpfr_abs(g_a, g_a, MPFR_RNDN);
        mpfr_d_div(r, dy, g_a, MPFR_RNDN);
      }
      return; /* dy is already applied */
    }
    break;
  }
  if (c->backward) mpfr_mul_d(r, r, dy, MPFR_RNDN);
}

static xent_status_t pw_call(const pw_case *c, const xent_tensor_t *x,
                             const xent_tensor_t *dy, const xent_tensor_t *out) {
  switch (c->fn) {
  case PW_SIGMOID:
    return c->backward ? xent_sigmoid_backward(x, dy, out) : xent_sigmoid(x, out);
  case PW_LOG_SIGMOID:
    return c->backward ? xent_log_sigmoid_backward(x, dy, out) : xent_log_sigmoid(x, out);
  case PW_SOFTPLUS:
    return c->backward ? xent_softplus_backward(x, dy, out) : xent_softplus(x, out);
  default:
    return c->backward ? xent_logit_backward(x, dy, c->eps, out)
                       : xent_logit(x, c->eps, out);
  }
}

/* Arguments for sigmoid, log_sigmoid, softplus and their gradients. Labels
 * are per range of indices; returns the count. */
static int64_t smooth_args(xent_dtype_t dt, double *x, const char **label) {
  xt_rng rng = {dt == XENT_F64 ? 0x51960064u : 0x51960032u};
  const double wide = dt == XENT_F64 ? 800 : 110;
  int64_t n = 0;
  for (int i = 0; i < 1200; i++, n++) {
    x[n] = rd(dt, xt_normal(&rng));
    label[n] = "random normal";
  }
  for (int i = 0; i < 800; i++, n++) {
    x[n] = rd(dt, 30 * xt_normal(&rng));
    label[n] = "random normal*30";
  }
  for (int i = 0; i < 800; i++, n++) {
    x[n] = rd(dt, xt_uniform(&rng, -wide, wide));
    label[n] = "random uniform wide";
  }
  for (int i = 0; i < 600; i++, n++) {
    x[n] = log_uniform(&rng, dt);
    label[n] = "random log-uniform magnitude";
  }
  /* Adversarial centres, each with its neighbours and nearby points. */
  const double centres[] = {0, type_min_sub(dt), type_min_normal(dt), 1e-300, 1e-40,
                            0x1p-26, 0x1p-53, 1e-8, 0.5, 1, 2, 20, 36.7368005696771,
                            40, 88.72283935546875, 103.97, 700, 708.4, 709.78, 745.13,
                            746, 1000, type_max(dt)};
  for (size_t c = 0; c < sizeof centres / sizeof centres[0]; c++) {
    for (int sign = -1; sign <= 1; sign += 2) {
      double v = rd(dt, sign * centres[c]);
      for (int k = -4; k <= 4; k++, n++) {
        x[n] = step_ulps(dt, v, k);
        label[n] = "near a special argument (k ulps)";
      }
      for (int k = 0; k < 10; k++, n++) {
        x[n] = rd(dt, v * (1 + xt_uniform(&rng, -1e-3, 1e-3)));
        label[n] = "near a special argument";
      }
    }
  }
  x[n] = INFINITY;
  label[n++] = "infinity";
  x[n] = -INFINITY;
  label[n++] = "infinity";
  return n;
}

/* Arguments for logit and its gradient. */
static int64_t logit_args(xent_dtype_t dt, double *x, const char **label) {
  xt_rng rng = {dt == XENT_F64 ? 0x10917064u : 0x10917032u};
  int mant = dt == XENT_F64 ? 53 : 24, emin_sub = dt == XENT_F64 ? 1074 : 149;
  int64_t n = 0;
  for (int i = 0; i < 1200; i++, n++) {
    x[n] = rd(dt, xt_uniform(&rng, 0, 1));
    label[n] = "random uniform (0, 1)";
  }
  for (int i = 0; i < 600; i++, n++) {
    x[n] = rd(dt, ldexp(xt_uniform(&rng, 1, 2), -1 - (int)(xt_next(&rng) % (uint64_t)emin_sub)));
    label[n] = "random tiny p";
  }
  for (int i = 0; i < 600; i++, n++) {
    x[n] = rd(dt, 1 - ldexp(xt_uniform(&rng, 0.5, 1), -(int)(xt_next(&rng) % (uint64_t)mant)));
    label[n] = "random p near 1";
  }
  for (int i = 0; i < 400; i++, n++) {
    x[n] = rd(dt, xt_uniform(&rng, 0.2, 0.3));
    label[n] = "random p near 0.25";
  }
  for (int i = 0; i < 400; i++, n++) {
    x[n] = rd(dt, xt_uniform(&rng, 0.45, 0.55));
    label[n] = "random p near 0.5";
  }
  const double centres[] = {type_min_sub(dt), type_min_normal(dt), 1e-300, 1e-30, 1e-8,
                            0.125, 0.25, 0.5, 0.75, 1};
  for (size_t c = 0; c < sizeof centres / sizeof centres[0]; c++) {
    double v = rd(dt, centres[c]);
    for (int k = -16; k <= 16; k++, n++) {
      x[n] = step_ulps(dt, v, k);
      label[n] = "near a special p (k ulps)";
    }
    for (int k = 0; k < 12; k++, n++) {
      x[n] = rd(dt, v * (1 + xt_uniform(&rng, -1e-6, 1e-6)));
      label[n] = "near a special p";
    }
  }
  const double odd[] = {0, -0.0, 1, -0.1, 1.5, NAN, INFINITY, -INFINITY};
  for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++, n++) {
    x[n] = odd[k];
    label[n] = "odd p";
  }
  return n;
}

/* The worst f64 arguments of a random search (a million arguments each,
 * uniform over [-40, 40] for the sigmoid family, [0.25, 0.5] for logit and
 * (0, 1) for logit_backward; dy standard normal), with the error found then.
 * The softplus_backward entry is the log_sigmoid_backward one mirrored
 * (softplus'(-x) = log_sigmoid'(x)). */
static const struct {
  int fn, backward;
  double x, dy;
} pw_found[] = {
    {PW_SIGMOID, 0, -0x1.002bd1a0c9dp+1, 1},                          /* 2.08 ulp */
    {PW_SIGMOID, 1, 0x1.5cf34820404p+2, -0x1.b9e2e07e7c749p+0},        /* 4.52 ulp */
    {PW_LOG_SIGMOID, 1, 0x1.e632be7d0485p+3, 0x1.dce8061adb2ebp-3},    /* 3.15 ulp */
    {PW_SOFTPLUS, 1, -0x1.e632be7d0485p+3, 0x1.dce8061adb2ebp-3},      /* 3.15 ulp */
    {PW_LOGIT, 0, 0x1.16a7c1296429bp-2, 1},                           /* 3.20 ulp */
    {PW_LOGIT, 1, 0x1.f113a90feabd4p-2, 0x1.f7bb107e8f614p-1},        /* 1.91 ulp */
};

/* Appends the pw_found entries of one function; dy_fixed gets their dy (NaN
 * for the other arguments, whose dy is drawn at random). */
static int64_t add_found(xent_dtype_t dt, int fn, int backward, double *x, double *dy_fixed,
                         const char **label, int64_t n) {
  for (int64_t i = 0; i < n; i++) dy_fixed[i] = NAN;
  for (size_t k = 0; k < sizeof pw_found / sizeof pw_found[0]; k++) {
    if (pw_found[k].fn != fn || pw_found[k].backward != backward) continue;
    x[n] = rd(dt, pw_found[k].x);
    dy_fixed[n] = rd(dt, pw_found[k].dy);
    label[n++] = "found by a random search";
  }
  return n;
}

#define PW_MAX_ARGS 8192

static void check_pointwise(const char *name, int fn, int backward, int with_eps) {
  mp_begin();
  mpfr_t exact;
  mpfr_init2(exact, PREC);
  double *x = malloc(PW_MAX_ARGS * sizeof *x), *dy = malloc(PW_MAX_ARGS * sizeof *dy);
  double *dy_fixed = malloc(PW_MAX_ARGS * sizeof *dy_fixed);
  const char **label = malloc(PW_MAX_ARGS * sizeof *label);
  for (int di = 0; di < 2; di++) {
    xent_dtype_t dt = dtypes[di];
    /* As stated in xent.h (tests/bounds.h). */
    double bound = fn == PW_LOGIT ? (dt == XENT_F64 ? XT_BOUND_LOGIT_F64 : XT_BOUND_LOGIT_F32)
                   : dt == XENT_F32 ? XT_BOUND_SIGMOID_FAMILY_F32
                   : backward       ? XT_BOUND_SIGMOID_FAMILY_BACKWARD_F64
                                    : XT_BOUND_SIGMOID_FAMILY_F64;
    tally t = tally_new(name, dt, bound);
    xt_rng rng = {0xd1d1u + (unsigned)(fn * 16 + backward * 4 + di)};
    int64_t n = fn == PW_LOGIT ? logit_args(dt, x, label) : smooth_args(dt, x, label);
    n = add_found(dt, fn, backward, x, dy_fixed, label, n);
    /* eps values for the clamped logit, each representable in the dtype. */
    const double eps_f64[] = {0, 1e-12, 1e-6, 0x1p-10, 0.25, 0.5};
    const double eps_f32[] = {0, (double)1e-6f, 0x1p-10, 0.25, 0.5};
    const double *eps_list = with_eps ? (dt == XENT_F64 ? eps_f64 : eps_f32) : NULL;
    int n_eps = with_eps ? (dt == XENT_F64 ? 6 : 5) : 1;
    for (int ei = 0; ei < n_eps; ei++) {
      pw_case c = {fn, backward, with_eps ? eps_list[ei] : XENT_LOGIT_NO_EPS};
      double lo = 0, hi = 1;
      int64_t count = n;
      if (with_eps) {
        /* The clamp range: eps, and 1 - eps rounded to the input's type. */
        lo = c.eps;
        mpfr_set_d(g_d, c.eps, MPFR_RNDN);
        mpfr_ui_sub(g_d, 1, g_d, MPFR_RNDN); /* exact */
        hi = round_to(dt, g_d);
        /* the ends of the range and their neighbours */
        for (int k = -2; k <= 2; k++) {
          dy_fixed[count] = dy_fixed[count + 1] = NAN;
          x[count] = step_ulps(dt, lo, k);
          label[count++] = "at the clamp's low end (k ulps)";
          x[count] = step_ulps(dt, hi, k);
          label[count++] = "at the clamp's high end (k ulps)";
        }
      }
      for (int64_t i = 0; i < count; i++) {
        double v = xt_normal(&rng);
        if (i % 7 == 3) v = i % 2 ? 1.0 : -1.0;
        if (i % 11 == 5) v *= 1000;
        if (fn == PW_LOGIT && i % 5 == 2 && x[i] < 1e-3) v *= 1e-12; /* dx finite, 1/p not */
        if (v == 0) v = 1;
        dy[i] = isnan(dy_fixed[i]) ? rd(dt, v) : dy_fixed[i];
      }
      vec vx = vec_from(dt, x, count), vdy = vec_from(dt, dy, count),
          vout = vec_new(dt, count);
      xent_tensor_t tx = vec_tensor(&vx), tdy = vec_tensor(&vdy), tout = vec_tensor(&vout);
      XT_OK(pw_call(&c, &tx, &tdy, &tout));
      for (int64_t i = 0; i < count; i++) {
        pw_exact(exact, &c, with_eps, lo, hi, x[i], dy[i]);
        where_t w = {label[i], fn == PW_LOGIT ? "p" : "x", x + i, 1, 0,
                     backward ? dy + i : NULL, with_eps ? "eps" : NULL, c.eps};
        tally_add(&t, vec_get(&vout, i), exact, NULL, &w);
      }
      vec_free(&vx);
      vec_free(&vdy);
      vec_free(&vout);
    }
    tally_check(&t, with_eps ? "eps in {0, 1e-6, 2^-10, 0.25, 0.5, ...}" : NULL);
  }
  free(x);
  free(dy);
  free(dy_fixed);
  free(label);
  mpfr_clear(exact);
  mp_end();
}

void test_accuracy_sigmoid(void) { check_pointwise("sigmoid", PW_SIGMOID, 0, 0); }
void test_accuracy_log_sigmoid(void) {
  check_pointwise("log_sigmoid", PW_LOG_SIGMOID, 0, 0);
}
void test_accuracy_softplus(void) { check_pointwise("softplus", PW_SOFTPLUS, 0, 0); }
void test_accuracy_sigmoid_backward(void) {
  check_pointwise("sigmoid_backward", PW_SIGMOID, 1, 0);
}
void test_accuracy_log_sigmoid_backward(void) {
  check_pointwise("log_sigmoid_backward", PW_LOG_SIGMOID, 1, 0);
}
void test_accuracy_softplus_backward(void) {
  check_pointwise("softplus_backward", PW_SOFTPLUS, 1, 0);
}
void test_accuracy_logit(void) { check_pointwise("logit", PW_LOGIT, 0, 0); }
void test_accuracy_logit_eps(void) { check_pointwise("logit (eps)", PW_LOGIT, 0, 1); }
void test_accuracy_logit_backward(void) {
  check_pointwise("logit_backward", PW_LOGIT, 1, 0);
}
void test_accuracy_logit_backward_eps(void) {
  check_pointwise("logit_backward (eps)", PW_LOGIT, 1, 1);
}
