/* Behaviour and edge cases of every foundation operation: the seed values,
 * the rules for odd rows and odd inputs stated in xent.h, the error paths of
 * every function, and in-place use. Expected values come from closed forms,
 * from long double computations written here, or from the numbers in xent.h
 * and the seed documents. */
#include "bounds.h"
#include "harness.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static const xent_dtype_t float_types[2] = {XENT_F32, XENT_F64};

/* Element i of a buffer of dtype `dt`, written or read as a double. */
static void put(void *buf, xent_dtype_t dt, int64_t i, double v) {
  switch (dt) {
    case XENT_F32: ((float *)buf)[i] = (float)v; break;
    case XENT_F64: ((double *)buf)[i] = v; break;
    case XENT_F16: ((uint16_t *)buf)[i] = xent_f64_to_f16(v); break;
    case XENT_BF16: ((uint16_t *)buf)[i] = xent_f64_to_bf16(v); break;
    case XENT_I32: ((int32_t *)buf)[i] = (int32_t)v; break;
    case XENT_I64: ((int64_t *)buf)[i] = (int64_t)v; break;
    case XENT_U8: ((uint8_t *)buf)[i] = (uint8_t)v; break;
  }
}

static double get(const void *buf, xent_dtype_t dt, int64_t i) {
  switch (dt) {
    case XENT_F32: return ((const float *)buf)[i];
    case XENT_F64: return ((const double *)buf)[i];
    case XENT_F16: return xent_f16_to_f32(((const uint16_t *)buf)[i]);
    case XENT_BF16: return xent_bf16_to_f32(((const uint16_t *)buf)[i]);
    case XENT_I32: return ((const int32_t *)buf)[i];
    case XENT_I64: return (double)((const int64_t *)buf)[i];
    case XENT_U8: return ((const uint8_t *)buf)[i];
  }
  return NAN;
}

/* v rounded to dt (what an input of that type actually holds). */
static double as_type(xent_dtype_t dt, double v) {
  double b[1];
  put(b, dt, 0, v);
  return get(b, dt, 0);
}

typedef xent_status_t (*axis_fn)(const xent_tensor_t *, int, const xent_tensor_t *);
typedef xent_status_t (*pw_fn)(const xent_tensor_t *, const xent_tensor_t *);
typedef xent_status_t (*pw_bwd_fn)(const xent_tensor_t *, const xent_tensor_t *,
                                   const xent_tensor_t *);
typedef xent_status_t (*axis_bwd_fn)(const xent_tensor_t *, const xent_tensor_t *,
                                     int, const xent_tensor_t *);

#define MAXN 64

/* Runs an (x, axis, y) function on a rows x cols C-order matrix of dtype dt
 * along the last axis; inputs and outputs as doubles. */
static xent_status_t run_rows(axis_fn fn, xent_dtype_t dt, const double *x,
                              int rows, int cols, double *y) {
  double bx[MAXN], by[MAXN];
  for (int i = 0; i < rows * cols; i++) put(bx, dt, i, x[i]);
  xent_tensor_t tx = xent_tensor_2d(bx, dt, rows, cols);
  xent_tensor_t ty = xent_tensor_2d(by, dt, rows, cols);
  xent_status_t st = fn(&tx, -1, &ty);
  for (int i = 0; i < rows * cols; i++) y[i] = get(by, dt, i);
  return st;
}

/* logsumexp of each row of a rows x cols matrix. */
static xent_status_t run_lse(xent_dtype_t dt, const double *x, int rows, int cols,
                             double *out) {
  double bx[MAXN], bo[MAXN];
  for (int i = 0; i < rows * cols; i++) put(bx, dt, i, x[i]);
  xent_tensor_t tx = xent_tensor_2d(bx, dt, rows, cols);
  xent_tensor_t to = xent_tensor_1d(bo, dt, rows);
  xent_status_t st = xent_logsumexp(&tx, -1, &to);
  for (int i = 0; i < rows; i++) out[i] = get(bo, dt, i);
  return st;
}

static xent_status_t run_pw(pw_fn fn, xent_dtype_t dt, const double *x, int n,
                            double *y) {
  double bx[MAXN], by[MAXN];
  for (int i = 0; i < n; i++) put(bx, dt, i, x[i]);
  xent_tensor_t tx = xent_tensor_1d(bx, dt, n), ty = xent_tensor_1d(by, dt, n);
  xent_status_t st = fn(&tx, &ty);
  for (int i = 0; i < n; i++) y[i] = get(by, dt, i);
  return st;
}

static xent_status_t run_pw_bwd(pw_bwd_fn fn, xent_dtype_t dt, const double *x,
                                const double *dy, int n, double *dx) {
  double bx[MAXN], bd[MAXN], bo[MAXN];
  for (int i = 0; i < n; i++) put(bx, dt, i, x[i]), put(bd, dt, i, dy[i]);
  xent_tensor_t tx = xent_tensor_1d(bx, dt, n), td = xent_tensor_1d(bd, dt, n),
                to = xent_tensor_1d(bo, dt, n);
  xent_status_t st = fn(&tx, &td, &to);
  for (int i = 0; i < n; i++) dx[i] = get(bo, dt, i);
  return st;
}

static xent_status_t run_logit(xent_dtype_t dt, const double *p, int n, double eps,
                               double *y) {
  double bp[MAXN], by[MAXN];
  for (int i = 0; i < n; i++) put(bp, dt, i, p[i]);
  xent_tensor_t tp = xent_tensor_1d(bp, dt, n), ty = xent_tensor_1d(by, dt, n);
  xent_status_t st = xent_logit(&tp, eps, &ty);
  for (int i = 0; i < n; i++) y[i] = get(by, dt, i);
  return st;
}

static xent_status_t run_logit_bwd(xent_dtype_t dt, const double *p,
                                   const double *dy, int n, double eps, double *dx) {
  double bp[MAXN], bd[MAXN], bo[MAXN];
  for (int i = 0; i < n; i++) put(bp, dt, i, p[i]), put(bd, dt, i, dy[i]);
  xent_tensor_t tp = xent_tensor_1d(bp, dt, n), td = xent_tensor_1d(bd, dt, n),
                to = xent_tensor_1d(bo, dt, n);
  xent_status_t st = xent_logit_backward(&tp, &td, eps, &to);
  for (int i = 0; i < n; i++) dx[i] = get(bo, dt, i);
  return st;
}

/* Backward of a normalizer on a rows x cols matrix (y, dy -> dx). */
static xent_status_t run_rows_bwd(axis_bwd_fn fn, xent_dtype_t dt, const double *y,
                                  const double *dy, int rows, int cols, double *dx) {
  double by[MAXN], bd[MAXN], bo[MAXN];
  for (int i = 0; i < rows * cols; i++) put(by, dt, i, y[i]), put(bd, dt, i, dy[i]);
  xent_tensor_t ty = xent_tensor_2d(by, dt, rows, cols),
                td = xent_tensor_2d(bd, dt, rows, cols),
                to = xent_tensor_2d(bo, dt, rows, cols);
  xent_status_t st = fn(&ty, &td, -1, &to);
  for (int i = 0; i < rows * cols; i++) dx[i] = get(bo, dt, i);
  return st;
}

/* logsumexp_backward on a rows x cols matrix with one dout per row. */
static xent_status_t run_lse_bwd(xent_dtype_t dt, const double *x,
                                 const double *dout, int rows, int cols,
                                 double *dx) {
  double bx[MAXN], bd[MAXN], bo[MAXN];
  for (int i = 0; i < rows * cols; i++) put(bx, dt, i, x[i]);
  for (int i = 0; i < rows; i++) put(bd, dt, i, dout[i]);
  xent_tensor_t tx = xent_tensor_2d(bx, dt, rows, cols),
                td = xent_tensor_1d(bd, dt, rows),
                to = xent_tensor_2d(bo, dt, rows, cols);
  xent_status_t st = xent_logsumexp_backward(&tx, &td, -1, &to);
  for (int i = 0; i < rows * cols; i++) dx[i] = get(bo, dt, i);
  return st;
}

/* Long double references for one row (inputs as the doubles they hold). */
static long double ld_max(const double *x, int n) {
  long double m = -INFINITY;
  for (int i = 0; i < n; i++)
    if (x[i] > m) m = x[i];
  return m;
}

/* The sum of exp(x_j - m) over every j but the first maximum: the softmax
 * denominator is 1 + tail, and log(1 + tail) is taken with log1pl so that a
 * tail far below 2^-64 is not lost. */
static long double ld_tail(const double *x, int n, long double m) {
  long double t = 0;
  int skipped = 0;
  for (int i = 0; i < n; i++) {
    if (!skipped && x[i] == m) {
      skipped = 1;
      continue;
    }
    t += expl((long double)x[i] - m);
  }
  return t;
}

#define ULP_CHECK(computed, ref, dt, bound)                                     \
  do {                                                                          \
    double ue_ = xt_ulp_error((computed), (ref), (dt));                         \
    XT_CHECK_MSG(ue_ <= (bound), "%s = %.17g, reference %.21Lg: %.2f ulp > %g", \
                 #computed, (double)(computed), (long double)(ref), ue_,        \
                 (double)(bound));                                              \
  } while (0)

/* ------------------------------------------------------------------------ */
/* Normalizers                                                              */
/* ------------------------------------------------------------------------ */

void test_softmax_seed_examples(void) {
  const double a[4] = {0.1, 0.3, 0.5, 0.9};
  const double seed_a[4] = {0.16838508, 0.205666, 0.25120102, 0.37474789};
  const double b[6] = {0.5, 1.5, 0.1, 2.2, 1.3, 1.7};
  const double seed_b[6] = {0.227863, 0.61939586, 0.15274114,
                            0.49674623, 0.20196195, 0.30129182};
  for (int d = 0; d < 2; d++) {
    xent_dtype_t dt = float_types[d];
    /* 8 digits; in f32 the rounding of the inputs and outputs adds < 1.5e-8. */
    double tol = dt == XENT_F32 ? 2.5e-8 : 5.01e-9;
    double y[6];
    XT_OK(run_rows(xent_softmax, dt, a, 1, 4, y));
    for (int i = 0; i < 4; i++) XT_CHECK_CLOSE(y[i], seed_a[i], 0, tol);
    XT_OK(run_rows(xent_softmax, dt, b, 2, 3, y));
    for (int i = 0; i < 6; i++) XT_CHECK_CLOSE(y[i], seed_b[i], 0, tol);

    /* The same rows against long double, with the documented bounds, for all
     * three normalizers. */
    const double *rows[3] = {a, b, b + 3};
    const int lens[3] = {4, 3, 3};
    for (int r = 0; r < 3; r++) {
      int n = lens[r];
      double x[4], sm[4], lsm[4], lse[1];
      for (int i = 0; i < n; i++) x[i] = as_type(dt, rows[r][i]);
      XT_OK(run_rows(xent_softmax, dt, x, 1, n, sm));
      XT_OK(run_rows(xent_log_softmax, dt, x, 1, n, lsm));
      XT_OK(run_lse(dt, x, 1, n, lse));
      long double m = ld_max(x, n), t = ld_tail(x, n, m), s = 1 + t;
      for (int i = 0; i < n; i++) {
        ULP_CHECK(sm[i], expl(x[i] - m) / s, dt,
                  dt == XENT_F32 ? XT_BOUND_SOFTMAX_F32 : XT_BOUND_SOFTMAX_F64);
        ULP_CHECK(lsm[i], (x[i] - m) - log1pl(t), dt,
                  dt == XENT_F32 ? XT_BOUND_LOG_SOFTMAX_F32 : XT_BOUND_LOG_SOFTMAX_F64);
      }
      ULP_CHECK(lse[0], m + log1pl(t), dt,
                dt == XENT_F32 ? XT_BOUND_LOGSUMEXP_F32 : XT_BOUND_LOGSUMEXP_F64);
    }
  }
}

/* f32 logsumexp on the fast kernels: long rows (several sweep blocks,
 * masked entries) within the stated 1 ulp of max(|logsumexp|, |m|), and
 * rows of small scale, where float exps alone can miss that bound (the pair
 * below gave 1.44 ulp before such rows were left to the reference). */
void test_logsumexp_f32_long_rows_and_small_scales(void) {
  enum { R = 6, C = 5000 };
  float *x = malloc(sizeof(float) * R * C), out[R];
  XT_CHECK(x != NULL);
  if (!x) return;
  xt_rng rng = {515};
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++)
      x[r * C + c] = (float)(r * 7.0 - 10 + (r % 3 == 0 ? 1 : 20) * xt_normal(&rng));
  for (int c = 100; c < 2600; c++) x[4 * C + c] = -INFINITY; /* a masked stretch */
  xent_tensor_t tx = xent_tensor_2d(x, XENT_F32, R, C), to = xent_tensor_1d(out, XENT_F32, R);
  XT_OK(xent_logsumexp(&tx, -1, &to));
  for (int r = 0; r < R; r++) {
    long double m = -INFINITY, t = 0;
    for (int c = 0; c < C; c++) m = x[r * C + c] > m ? x[r * C + c] : m;
    for (int c = 0; c < C; c++) t += expl((long double)x[r * C + c] - m);
    long double ref = m + logl(t), big = fabsl(ref) > fabsl(m) ? fabsl(ref) : fabsl(m);
    XT_CHECK_MSG(fabsl((long double)out[r] - ref) <= xt_ulp(big, XENT_F32),
                 "row %d: logsumexp %.9g, reference %.12Lg", r, out[r], ref);
  }
  free(x);
  float pair[2] = {-0.221977577f, -0.729595482f}, lse;
  xent_tensor_t tp = xent_tensor_2d(pair, XENT_F32, 1, 2), tl = xent_tensor_1d(&lse, XENT_F32, 1);
  XT_OK(xent_logsumexp(&tp, -1, &tl));
  long double m = pair[0], ref = m + log1pl(expl((long double)pair[1] - m));
  XT_CHECK_MSG(fabsl((long double)lse - ref) <= xt_ulp(fabsl(ref), XENT_F32),
               "logsumexp %.9g, reference %.12Lg", lse, ref);
}

/* Random rows of different widths and scales against long double, with the
 * bounds stated in xent.h. */
void test_normalizers_match_long_double(void) {
  xt_rng rng = {7};
  for (int d = 0; d < 2; d++) {
    xent_dtype_t dt = float_types[d];
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + (int)(xt_next(&rng) % 40);
      double scale = trial % 3 == 0 ? 1 : (trial % 3 == 1 ? 10 : 100);
      double shift = trial % 5 == 0 ? 1000 : 0;
      double x[MAXN], sm[MAXN], lsm[MAXN], lse[1];
      for (int i = 0; i < n; i++)
        x[i] = as_type(dt, shift + scale * xt_normal(&rng));
      XT_OK(run_rows(xent_softmax, dt, x, 1, n, sm));
      XT_OK(run_rows(xent_log_softmax, dt, x, 1, n, lsm));
      XT_OK(run_lse(dt, x, 1, n, lse));
      long double m = ld_max(x, n), t = ld_tail(x, n, m), s = 1 + t;
      for (int i = 0; i < n; i++) {
        ULP_CHECK(sm[i], expl(x[i] - m) / s, dt,
                  dt == XENT_F32 ? XT_BOUND_SOFTMAX_F32 : XT_BOUND_SOFTMAX_F64);
        ULP_CHECK(lsm[i], (x[i] - m) - log1pl(t), dt,
                  dt == XENT_F32 ? XT_BOUND_LOG_SOFTMAX_F32 : XT_BOUND_LOG_SOFTMAX_F64);
      }
      /* logsumexp: in ulps of max(|logsumexp|, |max x|), as stated */
      long double ref = m + log1pl(t);
      long double big = fabsl(ref) > fabsl(m) ? fabsl(ref) : fabsl(m);
      long double err = fabsl((long double)lse[0] - ref);
      XT_CHECK_MSG(err <= (dt == XENT_F32 ? XT_BOUND_LOGSUMEXP_F32 : XT_BOUND_LOGSUMEXP_F64) *
                              xt_ulp(big, dt),
                   "logsumexp = %.17g, reference %.21Lg", lse[0], ref);
    }
  }
}

void test_normalizers_shift_invariance(void) {
  /* log_softmax([FLT_MAX, 1, 2, 3]) in f32 is exactly [0, -FLT_MAX x 3]. */
  const double big[4] = {FLT_MAX, 1, 2, 3};
  double y[MAXN], z[MAXN], lse[2];
  XT_OK(run_rows(xent_log_softmax, XENT_F32, big, 1, 4, y));
  XT_CHECK_SAME(y[0], 0.0);
  for (int i = 1; i < 4; i++) XT_CHECK_SAME(y[i], -FLT_MAX);
  XT_OK(run_rows(xent_softmax, XENT_F32, big, 1, 4, y));
  XT_CHECK_SAME(y[0], 1.0);
  for (int i = 1; i < 4; i++) XT_CHECK_SAME(y[i], 0.0);
  XT_OK(run_lse(XENT_F32, big, 1, 4, lse));
  XT_CHECK_SAME(lse[0], FLT_MAX);
  /* The same in f64 with DBL_MAX. */
  const double dbig[3] = {DBL_MAX, -1, 0.5};
  XT_OK(run_rows(xent_log_softmax, XENT_F64, dbig, 1, 3, y));
  XT_CHECK_SAME(y[0], 0.0);
  XT_CHECK_SAME(y[1], -DBL_MAX);
  XT_CHECK_SAME(y[2], -DBL_MAX);
  XT_OK(run_lse(XENT_F64, dbig, 1, 3, lse));
  XT_CHECK_SAME(lse[0], DBL_MAX);

  /* Shifting a row by a constant that keeps it exactly representable changes
   * nothing, bit for bit: 1e7 in f32 (small integers stay exact below 2^24),
   * 2^40 in f64 (with quarter steps, exact below 2^51). */
  const double row32[6] = {1, 2, 3, -4, 0, 3};
  const double row64[6] = {0.5, -1.25, 3.75, 0, -7, 3.75};
  for (int d = 0; d < 2; d++) {
    xent_dtype_t dt = float_types[d];
    const double *row = dt == XENT_F32 ? row32 : row64;
    double shift = dt == XENT_F32 ? 1e7 : 0x1p40;
    double shifted[6];
    for (int i = 0; i < 6; i++) {
      shifted[i] = row[i] + shift;
      XT_CHECK(as_type(dt, shifted[i]) == shifted[i]); /* representable */
    }
    axis_fn fns[2] = {xent_softmax, xent_log_softmax};
    for (int f = 0; f < 2; f++) {
      XT_OK(run_rows(fns[f], dt, row, 1, 6, y));
      XT_OK(run_rows(fns[f], dt, shifted, 1, 6, z));
      for (int i = 0; i < 6; i++) XT_CHECK_SAME(z[i], y[i]);
    }
    /* Negative shifts too. */
    for (int i = 0; i < 6; i++) shifted[i] = row[i] - shift;
    for (int f = 0; f < 2; f++) {
      XT_OK(run_rows(fns[f], dt, row, 1, 6, y));
      XT_OK(run_rows(fns[f], dt, shifted, 1, 6, z));
      for (int i = 0; i < 6; i++) XT_CHECK_SAME(z[i], y[i]);
    }
  }
}

void test_log_softmax_dominant_logit(void) {
  const double x[2] = {40, 0};
  double y[2], sm[2], lse[1];
  XT_OK(run_rows(xent_log_softmax, XENT_F64, x, 1, 2, y));
  long double tail = log1pl(expl(-40.0L));
  ULP_CHECK(y[0], -tail, XENT_F64, 3);
  ULP_CHECK(y[1], -40.0L - tail, XENT_F64, 3);
  /* The value quoted in xent.h, to its 16 digits. */
  XT_CHECK_CLOSE(y[0], -4.248354255291589e-18, 1e-15, 0);
  XT_CHECK(y[0] != 0); /* log(sum) - x would give 0 */
  XT_OK(run_rows(xent_softmax, XENT_F64, x, 1, 2, sm));
  ULP_CHECK(sm[0], 1 / (1 + expl(-40.0L)), XENT_F64, 4);
  ULP_CHECK(sm[1], expl(-40.0L) / (1 + expl(-40.0L)), XENT_F64, 4);
  XT_OK(run_lse(XENT_F64, x, 1, 2, lse));
  ULP_CHECK(lse[0], 40 + tail, XENT_F64, 2);
  /* Reversed order: the maximum is found wherever it is. */
  const double r[2] = {0, 40};
  XT_OK(run_rows(xent_log_softmax, XENT_F64, r, 1, 2, y));
  ULP_CHECK(y[1], -tail, XENT_F64, 3);
  ULP_CHECK(y[0], -40.0L - tail, XENT_F64, 3);
  /* -4.248e-18 is a normal f32 number: f32 keeps it too. */
  XT_OK(run_rows(xent_log_softmax, XENT_F32, x, 1, 2, y));
  ULP_CHECK(y[0], -tail, XENT_F32, 1);
}

void test_normalizers_infinite_rows(void) {
  const double inf = INFINITY;
  for (int d = 0; d < 2; d++) {
    xent_dtype_t dt = float_types[d];
    double sm[MAXN], lsm[MAXN], lse[MAXN];
    /* One +inf: all the mass there. */
    const double one[4] = {1, inf, -3, 1e30};
    XT_OK(run_rows(xent_softmax, dt, one, 1, 4, sm));
    XT_OK(run_rows(xent_log_softmax, dt, one, 1, 4, lsm));
    XT_OK(run_lse(dt, one, 1, 4, lse));
    for (int i = 0; i < 4; i++) {
      XT_CHECK_SAME(sm[i], i == 1 ? 1.0 : 0.0);
      if (i == 1) XT_CHECK(lsm[i] == 0);
      else XT_CHECK_SAME(lsm[i], -inf);
    }
    XT_CHECK_SAME(lse[0], inf);
    /* Several +inf share the mass: 1/k and -log(k). */
    for (int k = 2; k <= 4; k++) {
      double x[6] = {0, -inf, 2, 5, -1, 7};
      int where[4] = {5, 0, 3, 2};
      for (int j = 0; j < k; j++) x[where[j]] = inf;
      XT_OK(run_rows(xent_softmax, dt, x, 1, 6, sm));
      XT_OK(run_rows(xent_log_softmax, dt, x, 1, 6, lsm));
      XT_OK(run_lse(dt, x, 1, 6, lse));
      for (int i = 0; i < 6; i++) {
        if (x[i] == inf) {
          XT_CHECK_SAME(sm[i], as_type(dt, 1.0 / k));
          ULP_CHECK(lsm[i], -logl((long double)k), dt,
                    dt == XENT_F32 ? XT_BOUND_LOG_SOFTMAX_F32 : XT_BOUND_LOG_SOFTMAX_F64);
        } else {
          XT_CHECK_SAME(sm[i], 0.0);
          XT_CHECK_SAME(lsm[i], -inf);
        }
      }
      XT_CHECK_SAME(lse[0], inf);
    }
    /* Every entry -inf: a fully masked row gives 0, -inf, -inf. */
    const double masked[3] = {-inf, -inf, -inf};
    XT_OK(run_rows(xent_softmax, dt, masked, 1, 3, sm));
    XT_OK(run_rows(xent_log_softmax, dt, masked, 1, 3, lsm));
    XT_OK(run_lse(dt, masked, 1, 3, lse));
    for (int i = 0; i < 3; i++) {
      XT_CHECK_SAME(sm[i], 0.0);
      XT_CHECK_SAME(lsm[i], -inf);
    }
    XT_CHECK_SAME(lse[0], -inf);
    /* Some entries -inf: probability 0, log-probability -inf, the others as
     * if the -inf entries were absent. */
    const double some[4] = {-inf, 1, -inf, 2};
    const double rest[2] = {1, 2};
    double ref_sm[2], ref_lsm[2], ref_lse[1];
    XT_OK(run_rows(xent_softmax, dt, some, 1, 4, sm));
    XT_OK(run_rows(xent_log_softmax, dt, some, 1, 4, lsm));
    XT_OK(run_lse(dt, some, 1, 4, lse));
    XT_OK(run_rows(xent_softmax, dt, rest, 1, 2, ref_sm));
    XT_OK(run_rows(xent_log_softmax, dt, rest, 1, 2, ref_lsm));
    XT_OK(run_lse(dt, rest, 1, 2, ref_lse));
    XT_CHECK_SAME(sm[0], 0.0);
    XT_CHECK_SAME(sm[2], 0.0);
    XT_CHECK_SAME(lsm[0], -inf);
    XT_CHECK_SAME(lsm[2], -inf);
    XT_CHECK_SAME(sm[1], ref_sm[0]);
    XT_CHECK_SAME(sm[3], ref_sm[1]);
    XT_CHECK_SAME(lsm[1], ref_lsm[0]);
    XT_CHECK_SAME(lsm[3], ref_lsm[1]);
    XT_CHECK_SAME(lse[0], ref_lse[0]);
    ULP_CHECK(sm[3], 1 / (1 + expl(-1.0L)), dt,
              dt == XENT_F32 ? XT_BOUND_SOFTMAX_F32 : XT_BOUND_SOFTMAX_F64);
    ULP_CHECK(lse[0], 2 + log1pl(expl(-1.0L)), dt,
              dt == XENT_F32 ? XT_BOUND_LOGSUMEXP_F32 : XT_BOUND_LOGSUMEXP_F64);
    /* +inf beside -inf. */
    const double both[3] = {-inf, inf, -inf};
    XT_OK(run_rows(xent_softmax, dt, both, 1, 3, sm));
    XT_OK(run_rows(xent_log_softmax, dt, both, 1, 3, lsm));
    XT_CHECK_SAME(sm[0], 0.0);
    XT_CHECK_SAME(sm[1], 1.0);
    XT_CHECK(lsm[1] == 0);
    XT_CHECK_SAME(lsm[2], -inf);
  }
}

void test_normalizers_nan_rows(void) {
  const double inf = INFINITY;
  for (int d = 0; d < 2; d++) {
    xent_dtype_t dt = float_types[d];
    /* Row 1 has a NaN (with and without infinities beside it); rows 0 and 2
     * must come out exactly as when computed alone. */
    const double nan_rows[3][4] = {
        {1, NAN, 3, 4}, {inf, 2, NAN, -inf}, {-inf, -inf, -inf, NAN}};
    for (int v = 0; v < 3; v++) {
      double x[12] = {0.5, -1, 2, 0.25, 0, 0, 0, 0, 3, 3, -2, 1};
      for (int i = 0; i < 4; i++) x[4 + i] = nan_rows[v][i];
      axis_fn fns[2] = {xent_softmax, xent_log_softmax};
      for (int f = 0; f < 2; f++) {
        double y[12], alone[4];
        XT_OK(run_rows(fns[f], dt, x, 3, 4, y));
        for (int i = 0; i < 4; i++) XT_CHECK(isnan(y[4 + i]));
        XT_OK(run_rows(fns[f], dt, x, 1, 4, alone));
        for (int i = 0; i < 4; i++) XT_CHECK_SAME(y[i], alone[i]);
        XT_OK(run_rows(fns[f], dt, x + 8, 1, 4, alone));
        for (int i = 0; i < 4; i++) XT_CHECK_SAME(y[8 + i], alone[i]);
      }
      double lse[3], one[1];
      XT_OK(run_lse(dt, x, 3, 4, lse));
      XT_CHECK(isnan(lse[1]));
      XT_OK(run_lse(dt, x, 1, 4, one));
      XT_CHECK_SAME(lse[0], one[0]);
      XT_OK(run_lse(dt, x + 8, 1, 4, one));
      XT_CHECK_SAME(lse[2], one[0]);
    }
  }
}

void test_normalizers_single_class(void) {
  const double vals[6] = {0, -3.5, 1e30, -1e30, INFINITY, 0x1p-1070};
  for (int d = 0; d < 2; d++) {
    xent_dtype_t dt = float_types[d];
    for (int v = 0; v < 6; v++) {
      double x[1] = {vals[v]}, sm[1], lsm[1], lse[1];
      XT_OK(run_rows(xent_softmax, dt, x, 1, 1, sm));
      XT_OK(run_rows(xent_log_softmax, dt, x, 1, 1, lsm));
      XT_OK(run_lse(dt, x, 1, 1, lse));
      XT_CHECK_SAME(sm[0], 1.0);
      XT_CHECK_MSG(lsm[0] == 0, "log_softmax of [%g] = %g", vals[v], lsm[0]);
      XT_CHECK_SAME(lse[0], as_type(dt, vals[v]));
    }
    double x[1] = {-INFINITY}, y[1];
    XT_OK(run_rows(xent_softmax, dt, x, 1, 1, y));
    XT_CHECK_SAME(y[0], 0.0);
    XT_OK(run_rows(xent_log_softmax, dt, x, 1, 1, y));
    XT_CHECK_SAME(y[0], -INFINITY);
    XT_OK(run_lse(dt, x, 1, 1, y));
    XT_CHECK_SAME(y[0], -INFINITY);
    x[0] = NAN;
    XT_OK(run_rows(xent_softmax, dt, x, 1, 1, y));
    XT_CHECK(isnan(y[0]));
    XT_OK(run_rows(xent_log_softmax, dt, x, 1, 1, y));
    XT_CHECK(isnan(y[0]));
    XT_OK(run_lse(dt, x, 1, 1, y));
    XT_CHECK(isnan(y[0]));
  }
}

void test_normalizers_empty(void) {
  for (int d = 0; d < 2; d++) {
    xent_dtype_t dt = float_types[d];
    /* C = 0 (shape (3, 0)): nothing written; logsumexp of an empty row is
     * -inf. Data pointers may be NULL for tensors without elements. */
    xent_tensor_t x = xent_tensor_2d(NULL, dt, 3, 0), y = xent_tensor_2d(NULL, dt, 3, 0);
    XT_OK(xent_softmax(&x, -1, &y));
    XT_OK(xent_log_softmax(&x, 1, &y));
    XT_OK(xent_softmax_backward(&x, &x, -1, &y));
    XT_OK(xent_log_softmax_backward(&x, &x, -1, &y));
    double out[4] = {5, 5, 5, 5};
    xent_tensor_t to = xent_tensor_1d(out, dt, 3);
    XT_OK(xent_logsumexp(&x, -1, &to));
    for (int i = 0; i < 3; i++) XT_CHECK_SAME(get(out, dt, i), -INFINITY);
    XT_OK(xent_logsumexp_backward(&x, &to, -1, &y));
    /* keepdims form of the same */
    xent_tensor_t tk = xent_tensor_2d(out, dt, 3, 1);
    for (int i = 0; i < 4; i++) put(out, dt, i, 5);
    XT_OK(xent_logsumexp(&x, 1, &tk));
    for (int i = 0; i < 3; i++) XT_CHECK_SAME(get(out, dt, i), -INFINITY);
    XT_CHECK_SAME(get(out, dt, 3), 5.0); /* not written */

    /* N = 0 (shape (0, 4)): nothing at all, no error. */
    xent_tensor_t e = xent_tensor_2d(NULL, dt, 0, 4), eo = xent_tensor_1d(NULL, dt, 0);
    XT_OK(xent_softmax(&e, -1, &e));
    XT_OK(xent_log_softmax(&e, 0, &e));
    XT_OK(xent_logsumexp(&e, -1, &eo));
    XT_OK(xent_softmax_backward(&e, &e, -1, &e));
    XT_OK(xent_log_softmax_backward(&e, &e, 1, &e));
    XT_OK(xent_logsumexp_backward(&e, &eo, -1, &e));
    /* Reducing along the empty axis gives 4 rows of -inf. */
    double four[4] = {0, 0, 0, 0};
    xent_tensor_t t4 = xent_tensor_1d(four, dt, 4);
    XT_OK(xent_logsumexp(&e, 0, &t4));
    for (int i = 0; i < 4; i++) XT_CHECK_SAME(get(four, dt, i), -INFINITY);

    /* A non-empty row buffer beside an empty tensor is never touched. */
    double guard[4];
    for (int i = 0; i < 4; i++) put(guard, dt, i, 7);
    xent_tensor_t g = xent_tensor_2d(guard, dt, 2, 0);
    XT_OK(xent_softmax(&g, -1, &g));
    for (int i = 0; i < 4; i++) XT_CHECK_SAME(get(guard, dt, i), 7.0);
  }
}

void test_normalizers_subnormals_and_signed_zero(void) {
  /* Subnormal outputs are produced, not flushed. */
  const double x64[2] = {0, -740};
  double y[4], lse[1];
  XT_OK(run_rows(xent_softmax, XENT_F64, x64, 1, 2, y));
  XT_CHECK(y[1] > 0 && y[1] < DBL_MIN);
  XT_CHECK_CLOSE(y[1], (double)expl(-740.0L), 0, 0x1p-1074);
  const double x32[2] = {0, -100};
  XT_OK(run_rows(xent_softmax, XENT_F32, x32, 1, 2, y));
  XT_CHECK(y[1] > 0 && y[1] < FLT_MIN);
  XT_CHECK_CLOSE(y[1], (float)expl(-100.0L), 0, 0x1p-149);
  /* Subnormal inputs are not flushed: the lone entry is its own logsumexp,
   * and the row [tiny, 0] is not treated as a tie. */
  const double tiny64[1] = {0x1p-1074}, tiny32[1] = {0x1p-149};
  XT_OK(run_lse(XENT_F64, tiny64, 1, 1, lse));
  XT_CHECK_SAME(lse[0], 0x1p-1074);
  XT_OK(run_lse(XENT_F32, tiny32, 1, 1, lse));
  XT_CHECK_SAME(lse[0], 0x1p-149);
  const double pair[2] = {0, 0x1p-1060};
  XT_OK(run_rows(xent_log_softmax, XENT_F64, pair, 1, 2, y));
  /* log_softmax = x_i - m - log1p(exp(...)): the difference of the two
   * outputs is the difference of the inputs. */
  XT_CHECK(y[0] <= y[1]);
  ULP_CHECK(y[0], -0x1p-1060L - logl(2), XENT_F64, 3);
  /* Signed zeros are equal: [-0, +0] is a tie. */
  for (int d = 0; d < 2; d++) {
    xent_dtype_t dt = float_types[d];
    const double z[2] = {-0.0, 0.0};
    XT_OK(run_rows(xent_softmax, dt, z, 1, 2, y));
    XT_CHECK_SAME(y[0], 0.5);
    XT_CHECK_SAME(y[1], 0.5);
    XT_OK(run_rows(xent_log_softmax, dt, z, 1, 2, y));
    ULP_CHECK(y[0], -logl(2), dt, dt == XENT_F32 ? XT_BOUND_LOG_SOFTMAX_F32 : XT_BOUND_LOG_SOFTMAX_F64);
    ULP_CHECK(y[1], -logl(2), dt, dt == XENT_F32 ? XT_BOUND_LOG_SOFTMAX_F32 : XT_BOUND_LOG_SOFTMAX_F64);
    XT_CHECK_SAME(y[0], y[1]);
    XT_OK(run_lse(dt, z, 1, 2, lse));
    ULP_CHECK(lse[0], logl(2), dt, dt == XENT_F32 ? XT_BOUND_LOGSUMEXP_F32 : XT_BOUND_LOGSUMEXP_F64);
  }
}

void test_logsumexp_keepdims(void) {
  /* x of shape (2, 3, 4); every axis, with and without the kept axis. */
  double x[24], flat[12], kept[12];
  xt_rng rng = {3};
  for (int i = 0; i < 24; i++) x[i] = xt_normal(&rng) * 3;
  xent_tensor_t tx = xent_tensor_3d(x, XENT_F64, 2, 3, 4);
  const int64_t full[3] = {2, 3, 4};
  for (int axis = -3; axis < 3; axis++) {
    int ax = axis < 0 ? axis + 3 : axis;
    int64_t rshape[2], kshape[3];
    for (int i = 0, j = 0; i < 3; i++) {
      kshape[i] = i == ax ? 1 : full[i];
      if (i != ax) rshape[j++] = full[i];
    }
    xent_tensor_t tf, tk;
    XT_OK(xent_tensor_init(&tf, flat, XENT_F64, 2, rshape, NULL));
    XT_OK(xent_tensor_init(&tk, kept, XENT_F64, 3, kshape, NULL));
    XT_OK(xent_logsumexp(&tx, axis, &tf));
    XT_OK(xent_logsumexp(&tx, axis, &tk));
    for (int i = 0; i < (int)(24 / full[ax]); i++) XT_CHECK_SAME(kept[i], flat[i]);
    /* Against long double, element by element. */
    for (int64_t a = 0; a < 2; a++)
      for (int64_t b = 0; b < 3; b++)
        for (int64_t c = 0; c < 4; c++) {
          int64_t idx[3] = {a, b, c};
          if (idx[ax] != 0) continue;
          double row[4];
          for (int64_t k = 0; k < full[ax]; k++) {
            idx[ax] = k;
            row[k] = x[idx[0] * 12 + idx[1] * 4 + idx[2]];
          }
          long double m = ld_max(row, (int)full[ax]), t = ld_tail(row, (int)full[ax], m);
          idx[ax] = 0;
          int64_t r = 0;
          for (int i = 0; i < 3; i++) r = r * kshape[i] + (i == ax ? 0 : idx[i]);
          long double ref = m + log1pl(t);
          long double bigger = fabsl(ref) > fabsl(m) ? fabsl(ref) : fabsl(m);
          XT_CHECK(fabsl(kept[r] - ref) <= 2 * xt_ulp(bigger, XENT_F64));
        }
    /* logsumexp_backward takes dout in either form, with the same result. */
    double dflat[24], dkept[24], dout[12];
    for (int i = 0; i < 12; i++) dout[i] = 0.5 + i;
    xent_tensor_t td1, td2;
    XT_OK(xent_tensor_init(&td1, dout, XENT_F64, 2, rshape, NULL));
    XT_OK(xent_tensor_init(&td2, dout, XENT_F64, 3, kshape, NULL));
    xent_tensor_t o1 = xent_tensor_3d(dflat, XENT_F64, 2, 3, 4);
    xent_tensor_t o2 = xent_tensor_3d(dkept, XENT_F64, 2, 3, 4);
    XT_OK(xent_logsumexp_backward(&tx, &td1, axis, &o1));
    XT_OK(xent_logsumexp_backward(&tx, &td2, axis, &o2));
    for (int i = 0; i < 24; i++) XT_CHECK_SAME(dflat[i], dkept[i]);
  }
  /* A kept axis must have length 1. */
  double bad[8];
  xent_tensor_t tb = xent_tensor_3d(bad, XENT_F64, 2, 2, 4);
  XT_CHECK_STATUS(xent_logsumexp(&tx, 1, &tb), XENT_ERR_SHAPE);
  XT_CHECK(strncmp(xent_last_error(), "out has shape (2, 2, 4)", 23) == 0);
}

/* ---- backward passes ---- */

void test_normalizer_backward_values(void) {
  xt_rng rng = {11};
  for (int d = 0; d < 2; d++) {
    xent_dtype_t dt = float_types[d];
    for (int trial = 0; trial < 100; trial++) {
      int n = 1 + (int)(xt_next(&rng) % 30);
      double x[MAXN], y[MAXN], ly[MAXN], dy[MAXN], dx[MAXN], ldx[MAXN], ex[MAXN];
      for (int i = 0; i < n; i++) {
        x[i] = as_type(dt, 4 * xt_normal(&rng));
        dy[i] = as_type(dt, xt_normal(&rng));
      }
      XT_OK(run_rows(xent_softmax, dt, x, 1, n, y));
      XT_OK(run_rows(xent_log_softmax, dt, x, 1, n, ly));
      XT_OK(run_rows_bwd(xent_softmax_backward, dt, y, dy, 1, n, dx));
      XT_OK(run_rows_bwd(xent_log_softmax_backward, dt, ly, dy, 1, n, ldx));
      double dout[1] = {as_type(dt, xt_normal(&rng))};
      XT_OK(run_lse_bwd(dt, x, dout, 1, n, ex));
      long double dot = 0, dot_abs = 0, sum = 0, sum_abs = 0;
      for (int i = 0; i < n; i++) {
        dot += (long double)y[i] * dy[i];
        dot_abs += fabsl((long double)y[i] * dy[i]);
        sum += dy[i];
        sum_abs += fabsl((long double)dy[i]);
      }
      long double m = ld_max(x, n), t = ld_tail(x, n, m), s = 1 + t;
      for (int i = 0; i < n; i++) {
        long double ref = y[i] * (dy[i] - dot);
        long double scale = y[i] * (fabsl((long double)dy[i]) + dot_abs);
        XT_CHECK_MSG(fabsl(dx[i] - ref) <= 4 * xt_ulp(scale, dt),
                     "softmax_backward dx[%d] = %.17g, reference %.21Lg", i, dx[i], ref);
        ref = dy[i] - expl(ly[i]) * sum;
        scale = fabsl((long double)dy[i]) + expl(ly[i]) * sum_abs;
        XT_CHECK_MSG(fabsl(ldx[i] - ref) <= 4 * xt_ulp(scale, dt),
                     "log_softmax_backward dx[%d] = %.17g, reference %.21Lg", i,
                     ldx[i], ref);
        ref = dout[0] * (expl(x[i] - m) / s);
        ULP_CHECK(ex[i], ref, dt, dt == XENT_F32 ? 1 : 5);
      }
    }
    /* A hand-checked case: y = [0.25, 0.75], dy = [1, 0]:
     * sum y dy = 0.25; dx = [0.25 * 0.75, 0.75 * -0.25]. */
    const double y2[2] = {0.25, 0.75}, dy2[2] = {1, 0};
    double dx2[2];
    XT_OK(run_rows_bwd(xent_softmax_backward, dt, y2, dy2, 1, 2, dx2));
    XT_CHECK_SAME(dx2[0], 0.1875);
    XT_CHECK_SAME(dx2[1], -0.1875);
    /* log_softmax: y = log([0.25, 0.75]) rounded, dy = [1, 1]: dx = 1 - 2 exp(y). */
    const double ly2[2] = {-2 * 0.6931471805599453, -0.2876820724517809};
    const double ones[2] = {1, 1};
    XT_OK(run_rows_bwd(xent_log_softmax_backward, dt, ly2, ones, 1, 2, dx2));
    for (int i = 0; i < 2; i++) {
      long double ref = 1 - 2 * expl(as_type(dt, ly2[i]));
      XT_CHECK(fabsl(dx2[i] - ref) <= 4 * xt_ulp(1 + 2 * expl(as_type(dt, ly2[i])), dt));
    }
  }
}

void test_normalizer_backward_masked_and_nan_rows(void) {
  const double inf = INFINITY;
  for (int d = 0; d < 2; d++) {
    xent_dtype_t dt = float_types[d];
    /* Fully masked rows: softmax output all 0 -> dx = 0; log_softmax output
     * all -inf -> dx = dy; logsumexp of all -inf -> dx = 0. */
    const double y0s[3] = {0, 0, 0}, yinf[3] = {-inf, -inf, -inf};
    const double dy[3] = {1.5, -2, 0.25};
    double dx[3];
    XT_OK(run_rows_bwd(xent_softmax_backward, dt, y0s, dy, 1, 3, dx));
    for (int i = 0; i < 3; i++) XT_CHECK(dx[i] == 0);
    XT_OK(run_rows_bwd(xent_log_softmax_backward, dt, yinf, dy, 1, 3, dx));
    for (int i = 0; i < 3; i++) XT_CHECK_SAME(dx[i], dy[i]);
    const double dout[1] = {2.5};
    XT_OK(run_lse_bwd(dt, yinf, dout, 1, 3, dx));
    for (int i = 0; i < 3; i++) XT_CHECK(dx[i] == 0);
    /* The whole chain on a masked row stays finite: forward then backward. */
    double sm[3], lsm[3];
    XT_OK(run_rows(xent_softmax, dt, yinf, 1, 3, sm));
    XT_OK(run_rows_bwd(xent_softmax_backward, dt, sm, dy, 1, 3, dx));
    for (int i = 0; i < 3; i++) XT_CHECK(dx[i] == 0);
    XT_OK(run_rows(xent_log_softmax, dt, yinf, 1, 3, lsm));
    XT_OK(run_rows_bwd(xent_log_softmax_backward, dt, lsm, dy, 1, 3, dx));
    for (int i = 0; i < 3; i++) XT_CHECK_SAME(dx[i], dy[i]);
    /* logsumexp_backward follows softmax for +inf entries: [inf, 1, inf]
     * with dout 3 gives [1.5, 0, 1.5]. */
    const double xi[3] = {inf, 1, inf}, three[1] = {3};
    XT_OK(run_lse_bwd(dt, xi, three, 1, 3, dx));
    XT_CHECK_SAME(dx[0], 1.5);
    XT_CHECK(dx[1] == 0);
    XT_CHECK_SAME(dx[2], 1.5);
    /* Partly masked: an -inf entry gets exactly 0 (softmax output 0). */
    const double part[3] = {-inf, 0, 0};
    XT_OK(run_lse_bwd(dt, part, three, 1, 3, dx));
    XT_CHECK(dx[0] == 0);
    XT_CHECK_SAME(dx[1], 1.5);
    XT_CHECK_SAME(dx[2], 1.5);
    const double ypart[3] = {-inf, -0.6931471805599453, -0.6931471805599453};
    XT_OK(run_rows_bwd(xent_log_softmax_backward, dt, ypart, dy, 1, 3, dx));
    XT_CHECK_SAME(dx[0], dy[0]); /* exp(-inf) = 0: dy passes through */

    /* NaN in y or dy makes that row's dx NaN; other rows are unaffected. */
    const double yy[6] = {0.25, 0.5, 0.25, 0.125, 0.375, 0.5};
    const double ly[6] = {-1.5, -0.5, -2.5, -1, -0.75, -3};
    const double gg[6] = {1, -1, 2, 0.5, 0.25, -3};
    axis_bwd_fn fns[2] = {xent_softmax_backward, xent_log_softmax_backward};
    for (int f = 0; f < 2; f++) {
      const double *base = f == 0 ? yy : ly;
      for (int where = 0; where < 2; where++) {   /* NaN in y, then in dy */
        for (int pos = 0; pos < 3; pos++) {
          double yv[6], gv[6], out[6], alone[3];
          memcpy(yv, base, sizeof yv);
          memcpy(gv, gg, sizeof gv);
          if (where == 0) yv[3 + pos] = NAN;
          else gv[3 + pos] = NAN;
          XT_OK(run_rows_bwd(fns[f], dt, yv, gv, 2, 3, out));
          for (int i = 0; i < 3; i++)
            XT_CHECK_MSG(isnan(out[3 + i]),
                         "%s: NaN in %s[1, %d] left dx[1, %d] = %g",
                         f == 0 ? "softmax_backward" : "log_softmax_backward",
                         where == 0 ? "y" : "dy", pos, i, out[3 + i]);
          XT_OK(run_rows_bwd(fns[f], dt, yv, gv, 1, 3, alone));
          for (int i = 0; i < 3; i++) XT_CHECK_SAME(out[i], alone[i]);
        }
      }
    }
    /* logsumexp_backward: NaN in x or in dout makes the row NaN. */
    double xs[6] = {1, 2, 3, 4, NAN, 6}, ds[2] = {1, 2}, out[6];
    XT_OK(run_lse_bwd(dt, xs, ds, 2, 3, out));
    for (int i = 0; i < 3; i++) XT_CHECK(isfinite(out[i]));
    for (int i = 3; i < 6; i++) XT_CHECK(isnan(out[i]));
    xs[4] = 5;
    ds[0] = NAN;
    XT_OK(run_lse_bwd(dt, xs, ds, 2, 3, out));
    for (int i = 0; i < 3; i++) XT_CHECK(isnan(out[i]));
    for (int i = 3; i < 6; i++) XT_CHECK(isfinite(out[i]));
  }
}

/* ------------------------------------------------------------------------ */
/* Element-wise functions                                                   */
/* ------------------------------------------------------------------------ */

static long double ld_sigmoid(long double x) {
  if (x >= 0) return 1 / (1 + expl(-x));
  return expl(x) / (1 + expl(x));
}
static long double ld_softplus(long double x) {
  if (x > 0) return x + log1pl(expl(-x));
  return log1pl(expl(x));
}
static long double ld_sigmoid_grad(long double x) {
  long double e = expl(-fabsl(x));
  return e / ((1 + e) * (1 + e));
}

void test_sigmoid_family_values(void) {
  xt_rng rng = {5};
  for (int d = 0; d < 2; d++) {
    xent_dtype_t dt = float_types[d];
    double lim = dt == XENT_F32 ? 90 : 700;
    double bound = dt == XENT_F32 ? XT_BOUND_SIGMOID_FAMILY_F32 : XT_BOUND_SIGMOID_FAMILY_F64;
    double bwd_bound = dt == XENT_F32 ? XT_BOUND_SIGMOID_FAMILY_F32
                                      : XT_BOUND_SIGMOID_FAMILY_BACKWARD_F64;
    for (int trial = 0; trial < 50; trial++) {
      double x[40], dy[40], y[40];
      for (int i = 0; i < 40; i++) {
        double r = i % 4 == 0 ? xt_uniform(&rng, -lim, lim)
                   : i % 4 == 1 ? xt_uniform(&rng, -1, 1)
                   : i % 4 == 2 ? xt_uniform(&rng, -1e-3, 1e-3)
                                : xt_uniform(&rng, -40, 40);
        x[i] = as_type(dt, r);
        dy[i] = as_type(dt, xt_uniform(&rng, -2, 2));
      }
      XT_OK(run_pw(xent_sigmoid, dt, x, 40, y));
      for (int i = 0; i < 40; i++) ULP_CHECK(y[i], ld_sigmoid(x[i]), dt, bound);
      XT_OK(run_pw(xent_log_sigmoid, dt, x, 40, y));
      for (int i = 0; i < 40; i++) ULP_CHECK(y[i], -ld_softplus(-(long double)x[i]), dt, bound);
      XT_OK(run_pw(xent_softplus, dt, x, 40, y));
      for (int i = 0; i < 40; i++) ULP_CHECK(y[i], ld_softplus(x[i]), dt, bound);
      XT_OK(run_pw_bwd(xent_sigmoid_backward, dt, x, dy, 40, y));
      for (int i = 0; i < 40; i++)
        ULP_CHECK(y[i], dy[i] * ld_sigmoid_grad(x[i]), dt, bwd_bound);
      XT_OK(run_pw_bwd(xent_log_sigmoid_backward, dt, x, dy, 40, y));
      for (int i = 0; i < 40; i++)
        ULP_CHECK(y[i], dy[i] * ld_sigmoid(-(long double)x[i]), dt, bwd_bound);
      XT_OK(run_pw_bwd(xent_softplus_backward, dt, x, dy, 40, y));
      for (int i = 0; i < 40; i++) ULP_CHECK(y[i], dy[i] * ld_sigmoid(x[i]), dt, bwd_bound);
    }
    /* Points found by a wider search where the f64 error is largest. */
    if (dt == XENT_F64) {
      const double hard[2] = {-0x1.089071f61120ep+2, -0x1.4cabea289957dp+3};
      const double hard_dy[2] = {1, -0x1.f4353cdfe86a8p+0};
      double g[2];
      XT_OK(run_pw_bwd(xent_sigmoid_backward, dt, hard, hard_dy, 2, g));
      for (int i = 0; i < 2; i++)
        ULP_CHECK(g[i], hard_dy[i] * ld_sigmoid_grad(hard[i]), dt, XT_BOUND_SIGMOID_FAMILY_BACKWARD_F64);
    }
    /* Closed forms: sigmoid(0) = 1/2, softplus(0) = log 2, sigmoid'(0) = 1/4,
     * sigmoid(log 3) ~ 3/4. */
    double x[2] = {0, 0}, dy[2] = {1, -1}, y[2];
    XT_OK(run_pw(xent_sigmoid, dt, x, 1, y));
    XT_CHECK_SAME(y[0], 0.5);
    XT_OK(run_pw(xent_softplus, dt, x, 1, y));
    ULP_CHECK(y[0], logl(2), dt, bound);
    XT_OK(run_pw(xent_log_sigmoid, dt, x, 1, y));
    ULP_CHECK(y[0], -logl(2), dt, bound);
    XT_OK(run_pw_bwd(xent_sigmoid_backward, dt, x, dy, 2, y));
    XT_CHECK_SAME(y[0], 0.25);
    XT_CHECK_SAME(y[1], -0.25);
  }
}

void test_sigmoid_family_odd_inputs(void) {
  const double inf = INFINITY;
  const double x[5] = {inf, -inf, NAN, -0.0, 0.0};
  const double dy[5] = {3, 3, 3, 3, 3};
  for (int d = 0; d < 2; d++) {
    xent_dtype_t dt = float_types[d];
    double y[5];
    XT_OK(run_pw(xent_sigmoid, dt, x, 5, y));
    XT_CHECK_SAME(y[0], 1.0);
    XT_CHECK_SAME(y[1], 0.0);
    XT_CHECK(isnan(y[2]));
    XT_CHECK_SAME(y[3], 0.5);
    XT_CHECK_SAME(y[4], 0.5);
    XT_OK(run_pw(xent_log_sigmoid, dt, x, 5, y));
    XT_CHECK_SAME(y[0], -0.0);
    XT_CHECK_SAME(y[1], -inf);
    XT_CHECK(isnan(y[2]));
    ULP_CHECK(y[3], -logl(2), dt, dt == XENT_F32 ? 1 : 3);
    XT_OK(run_pw(xent_softplus, dt, x, 5, y));
    XT_CHECK_SAME(y[0], inf);
    XT_CHECK_SAME(y[1], 0.0);
    XT_CHECK(isnan(y[2]));
    ULP_CHECK(y[3], logl(2), dt, dt == XENT_F32 ? 1 : 3);
    /* Derivatives at +-inf are 0, except log_sigmoid'(-inf) = softplus'(+inf)
     * = 1; at -0.0 they are the values at 0. */
    XT_OK(run_pw_bwd(xent_sigmoid_backward, dt, x, dy, 5, y));
    XT_CHECK(y[0] == 0);
    XT_CHECK(y[1] == 0);
    XT_CHECK(isnan(y[2]));
    XT_CHECK_SAME(y[3], 0.75);
    XT_OK(run_pw_bwd(xent_log_sigmoid_backward, dt, x, dy, 5, y));
    XT_CHECK(y[0] == 0);
    XT_CHECK_SAME(y[1], 3.0);
    XT_CHECK(isnan(y[2]));
    XT_CHECK_SAME(y[3], 1.5);
    XT_OK(run_pw_bwd(xent_softplus_backward, dt, x, dy, 5, y));
    XT_CHECK_SAME(y[0], 3.0);
    XT_CHECK(y[1] == 0);
    XT_CHECK(isnan(y[2]));
    XT_CHECK_SAME(y[3], 1.5);
    /* A NaN upstream gradient gives NaN even where the derivative is 0. */
    const double nan_dy[2] = {NAN, NAN}, fin[2] = {0.5, -inf};
    XT_OK(run_pw_bwd(xent_sigmoid_backward, dt, fin, nan_dy, 2, y));
    XT_CHECK(isnan(y[0]));
    XT_CHECK(isnan(y[1]));
  }
  /* Rank-0 tensors are single elements. */
  double s = 0, r = 1;
  xent_tensor_t ts, tr;
  XT_OK(xent_tensor_init(&ts, &s, XENT_F64, 0, NULL, NULL));
  XT_OK(xent_tensor_init(&tr, &r, XENT_F64, 0, NULL, NULL));
  XT_OK(xent_sigmoid(&ts, &tr));
  XT_CHECK_SAME(r, 0.5);
  XT_OK(xent_sigmoid_backward(&ts, &ts, &tr));
  XT_CHECK_SAME(r, 0.0);
  /* Empty tensors: nothing written. */
  xent_tensor_t e = xent_tensor_2d(NULL, XENT_F32, 3, 0);
  XT_OK(xent_sigmoid(&e, &e));
  XT_OK(xent_softplus_backward(&e, &e, &e));
  XT_OK(xent_logit(&e, 0.1, &e));
}

void test_sigmoid_family_extremes(void) {
  double y[4];
  const double m1000[1] = {-1000};
  XT_OK(run_pw(xent_log_sigmoid, XENT_F64, m1000, 1, y));
  XT_CHECK_SAME(y[0], -1000.0);
  XT_OK(run_pw(xent_log_sigmoid, XENT_F32, m1000, 1, y));
  XT_CHECK_SAME(y[0], -1000.0);
  /* softplus(-700) = exp(-700) = 9.86e-305, not 0. */
  const double m700[1] = {-700};
  XT_OK(run_pw(xent_softplus, XENT_F64, m700, 1, y));
  XT_CHECK_SAME(y[0], exp(-700.0));
  ULP_CHECK(y[0], expl(-700.0L), XENT_F64, 1);
  XT_CHECK_CLOSE(y[0], 9.86e-305, 1e-3, 0);
  /* sigmoid'(40) from x stays exact: 4.248e-18, to full precision. */
  const double p40[2] = {40, -40}, ones[2] = {1, 1};
  XT_OK(run_pw_bwd(xent_sigmoid_backward, XENT_F64, p40, ones, 2, y));
  ULP_CHECK(y[0], ld_sigmoid_grad(40), XENT_F64, 3);
  ULP_CHECK(y[1], ld_sigmoid_grad(40), XENT_F64, 3);
  XT_CHECK_CLOSE(y[0], 4.248e-18, 1e-4, 0);
  XT_OK(run_pw_bwd(xent_sigmoid_backward, XENT_F32, p40, ones, 2, y));
  ULP_CHECK(y[0], ld_sigmoid_grad(40), XENT_F32, 1);
  /* log_sigmoid'(40) = sigmoid(-40), also tiny but exact. */
  XT_OK(run_pw_bwd(xent_log_sigmoid_backward, XENT_F64, p40, ones, 2, y));
  ULP_CHECK(y[0], ld_sigmoid(-40), XENT_F64, 3);
  ULP_CHECK(y[1], ld_sigmoid(40), XENT_F64, 3);
  /* Subnormal results are produced. */
  const double m740[1] = {-740}, m100[1] = {-100};
  XT_OK(run_pw(xent_sigmoid, XENT_F64, m740, 1, y));
  XT_CHECK(y[0] > 0 && y[0] < DBL_MIN);
  XT_CHECK_CLOSE(y[0], (double)expl(-740.0L), 0, 0x1p-1074);
  XT_OK(run_pw(xent_softplus, XENT_F64, m740, 1, y));
  XT_CHECK_CLOSE(y[0], (double)expl(-740.0L), 0, 0x1p-1074);
  XT_OK(run_pw(xent_sigmoid, XENT_F32, m100, 1, y));
  XT_CHECK(y[0] > 0 && y[0] < FLT_MIN);
  XT_CHECK_CLOSE(y[0], (float)expl(-100.0L), 0, 0x1p-149);
  /* Large arguments: softplus(x) = x + exp(-x) exactly rounded, sigmoid = 1. */
  const double p800[2] = {800, -800};
  XT_OK(run_pw(xent_softplus, XENT_F64, p800, 2, y));
  XT_CHECK_SAME(y[0], 800.0);
  XT_CHECK_SAME(y[1], 0.0);
  XT_OK(run_pw(xent_sigmoid, XENT_F64, p800, 2, y));
  XT_CHECK_SAME(y[0], 1.0);
  XT_CHECK_SAME(y[1], 0.0);
  XT_OK(run_pw(xent_log_sigmoid, XENT_F64, p800, 2, y));
  XT_CHECK(y[0] == 0);
  XT_CHECK_SAME(y[1], -800.0);
  const double p20[1] = {20};
  XT_OK(run_pw(xent_softplus, XENT_F64, p20, 1, y));
  ULP_CHECK(y[0], 20 + log1pl(expl(-20.0L)), XENT_F64, 3);
  XT_CHECK(y[0] != 20.0); /* the exact function, not PyTorch's threshold */
}

/* ---- logit ---- */

static long double ld_logit(long double p) {
  if (p >= 0.25L) return log1pl((2 * p - 1) / (1 - p));
  return logl(p) - log1pl(-p);
}

void test_logit_values(void) {
  xt_rng rng = {9};
  for (int d = 0; d < 2; d++) {
    xent_dtype_t dt = float_types[d];
    double bound = dt == XENT_F32 ? XT_BOUND_LOGIT_F32 : XT_BOUND_LOGIT_F64;
    double p[40], dy[40], y[40];
    for (int trial = 0; trial < 30; trial++) {
      for (int i = 0; i < 40; i++) {
        double r = i % 4 == 0 ? xt_uniform(&rng, 0, 1)
                   : i % 4 == 1 ? 0.5 + xt_uniform(&rng, -1e-4, 1e-4)
                   : i % 4 == 2 ? exp(xt_uniform(&rng, -80, -1))
                                : 1 - exp(xt_uniform(&rng, -15, -1));
        p[i] = as_type(dt, r);
        dy[i] = as_type(dt, xt_uniform(&rng, -2, 2));
      }
      XT_OK(run_logit(dt, p, 40, XENT_LOGIT_NO_EPS, y));
      for (int i = 0; i < 40; i++) ULP_CHECK(y[i], ld_logit(p[i]), dt, bound);
      XT_OK(run_logit_bwd(dt, p, dy, 40, XENT_LOGIT_NO_EPS, y));
      for (int i = 0; i < 40; i++)
        ULP_CHECK(y[i], dy[i] / ((long double)p[i] * (1 - (long double)p[i])), dt, bound);
    }
    /* A point in [1/4, 1/2), where 1 - p is not exact, found by a wider search. */
    if (dt == XENT_F64) {
      const double hard[1] = {0x1.1af2e7fa35e5dp-2};
      XT_OK(run_logit(dt, hard, 1, XENT_LOGIT_NO_EPS, y));
      ULP_CHECK(y[0], logl(hard[0]) - log1pl(-(long double)hard[0]), dt, 3);
    }
    /* Closed forms: logit(1/2) = 0, logit(3/4) = log 3, logit(1/4) = -log 3,
     * logit'(1/2) = 4. */
    const double q[3] = {0.5, 0.75, 0.25}, g[3] = {1, 1, 1};
    XT_OK(run_logit(dt, q, 3, XENT_LOGIT_NO_EPS, y));
    XT_CHECK_SAME(y[0], 0.0);
    ULP_CHECK(y[1], logl(3), dt, bound);
    ULP_CHECK(y[2], -logl(3), dt, bound);
    XT_OK(run_logit_bwd(dt, q, g, 3, XENT_LOGIT_NO_EPS, y));
    XT_CHECK_SAME(y[0], 4.0);
    ULP_CHECK(y[1], 16.0L / 3, dt, bound);
    /* logit is the inverse of sigmoid. */
    const double xs[3] = {-30, 2.5, 15};
    double s[3], back[3];
    XT_OK(run_pw(xent_sigmoid, XENT_F64, xs, 3, s));
    XT_OK(run_logit(XENT_F64, s, 3, XENT_LOGIT_NO_EPS, back));
    XT_CHECK_CLOSE(back[0], -30, 1e-14, 0);
    XT_CHECK_CLOSE(back[1], 2.5, 1e-14, 0);
    XT_CHECK_CLOSE(back[2], 15, 1e-8, 0);
  }
}

void test_logit_odd_inputs(void) {
  const double inf = INFINITY;
  const double p[8] = {0, 1, -0.0, -0.5, 1.5, NAN, inf, -inf};
  const double dy[8] = {2, 2, 2, 2, 2, 2, 2, 2};
  const double ndy[8] = {-2, -2, -2, -2, -2, -2, -2, -2};
  for (int d = 0; d < 2; d++) {
    xent_dtype_t dt = float_types[d];
    double y[8];
    XT_OK(run_logit(dt, p, 8, XENT_LOGIT_NO_EPS, y));
    XT_CHECK_SAME(y[0], -inf);
    XT_CHECK_SAME(y[1], inf);
    XT_CHECK_SAME(y[2], -inf);
    for (int i = 3; i < 8; i++) XT_CHECK_MSG(isnan(y[i]), "logit(%g) = %g", p[i], y[i]);
    /* Backward without a clamp: +-inf at p = 0 or 1 with the sign of dy, NaN
     * outside [0, 1]. */
    XT_OK(run_logit_bwd(dt, p, dy, 8, XENT_LOGIT_NO_EPS, y));
    XT_CHECK_SAME(y[0], inf);
    XT_CHECK_SAME(y[1], inf);
    XT_CHECK_MSG(y[2] == inf, "logit_backward at p = -0.0, dy = 2 gave %g", y[2]);
    for (int i = 3; i < 8; i++) XT_CHECK(isnan(y[i]));
    XT_OK(run_logit_bwd(dt, p, ndy, 8, XENT_LOGIT_NO_EPS, y));
    XT_CHECK_SAME(y[0], -inf);
    XT_CHECK_SAME(y[1], -inf);
    XT_CHECK_MSG(y[2] == -inf, "logit_backward at p = -0.0, dy = -2 gave %g", y[2]);
    for (int i = 3; i < 8; i++) XT_CHECK(isnan(y[i]));
    /* NaN stays NaN through a clamp, forward and backward. */
    const double nanp[1] = {NAN};
    XT_OK(run_logit(dt, nanp, 1, 0.1, y));
    XT_CHECK(isnan(y[0]));
    XT_OK(run_logit_bwd(dt, nanp, dy, 1, 0.1, y));
    XT_CHECK(isnan(y[0]));
  }
}

void test_logit_eps_clamp(void) {
  const double inf = INFINITY;
  /* f64, eps = 0.125 (exact): p is clamped to [0.125, 0.875]. */
  {
    const double p[7] = {0, 0.0625, 0.125, 0.5, 0.875, 0.9375, 1};
    const double dy[7] = {1, 1, 1, 1, 1, 1, 1};
    double y[7];
    XT_OK(run_logit(XENT_F64, p, 7, 0.125, y));
    ULP_CHECK(y[0], -logl(7), XENT_F64, 3);
    ULP_CHECK(y[1], -logl(7), XENT_F64, 3);
    ULP_CHECK(y[2], -logl(7), XENT_F64, 3);
    XT_CHECK_SAME(y[3], 0.0);
    ULP_CHECK(y[4], logl(7), XENT_F64, 3);
    ULP_CHECK(y[5], logl(7), XENT_F64, 3);
    ULP_CHECK(y[6], logl(7), XENT_F64, 3);
    /* Gradient: 0 where the clamp is active, dy / (p (1 - p)) inside and at
     * both ends (1 / (1/8 * 7/8) = 64/7). */
    XT_OK(run_logit_bwd(XENT_F64, p, dy, 7, 0.125, y));
    XT_CHECK(y[0] == 0);
    XT_CHECK(y[1] == 0);
    ULP_CHECK(y[2], 64.0L / 7, XENT_F64, 3);
    XT_CHECK_SAME(y[3], 4.0);
    ULP_CHECK(y[4], 64.0L / 7, XENT_F64, 3);
    XT_CHECK(y[5] == 0);
    XT_CHECK(y[6] == 0);
    /* Outside [0, 1] the clamp applies first (as torch.logit with eps). */
    const double out[3] = {-0.5, 1.5, -inf};
    XT_OK(run_logit(XENT_F64, out, 3, 0.125, y));
    ULP_CHECK(y[0], -logl(7), XENT_F64, 3);
    ULP_CHECK(y[1], logl(7), XENT_F64, 3);
    ULP_CHECK(y[2], -logl(7), XENT_F64, 3);
    XT_OK(run_logit_bwd(XENT_F64, out, dy, 3, 0.125, y));
    for (int i = 0; i < 3; i++) XT_CHECK(y[i] == 0);
    /* eps = 0 clamps to [0, 1]: logit(-0.5) = logit(0) = -inf. */
    XT_OK(run_logit(XENT_F64, out, 2, 0, y));
    XT_CHECK_SAME(y[0], -inf);
    XT_CHECK_SAME(y[1], inf);
    /* eps = 0.5: everything becomes 1/2. */
    XT_OK(run_logit(XENT_F64, p, 7, 0.5, y));
    for (int i = 0; i < 7; i++) XT_CHECK(y[i] == 0);
  }
  /* 1 - eps is rounded to the input type: with eps = 1e-8, 1 - eps is 1 in
   * f32 (the gap below 1 is 6e-8), so logit(1) stays +inf there, while f64
   * clamps to 1 - 1e-8. The lower end is eps rounded to the type. */
  {
    const double p[2] = {1, 0};
    double y[2];
    XT_OK(run_logit(XENT_F32, p, 2, 1e-8, y));
    XT_CHECK_SAME(y[0], inf);
    long double lo = (float)1e-8;
    ULP_CHECK(y[1], logl(lo) - log1pl(-lo), XENT_F32, 1);
    XT_OK(run_logit(XENT_F64, p, 2, 1e-8, y));
    long double hi = 1 - 1e-8; /* rounded in double, as the input type */
    XT_CHECK(isfinite(y[0]));
    ULP_CHECK(y[0], ld_logit(hi), XENT_F64, 3);
    ULP_CHECK(y[1], ld_logit((double)1e-8), XENT_F64, 3);
    /* The gradient at p = 1 in f32 with eps = 1e-8: p = 1 = hi, inside the
     * clamp range (an end), so dy / (p (1 - p)) = +inf; p = lo is inside too. */
    const double g[2] = {1, 1};
    double pe[2] = {1, (float)1e-8};
    XT_OK(run_logit_bwd(XENT_F32, pe, g, 2, 1e-8, y));
    XT_CHECK_SAME(y[0], inf);
    ULP_CHECK(y[1], 1 / (lo * (1 - lo)), XENT_F32, 1);
  }
  /* f16 input, eps = 0.001: lo = f16(0.001) = 1049 * 2^-20 and hi = f16(0.999)
   * = 1 - 2^-10, so logit(1) = log(1023) and logit(0) = logit(1049 * 2^-20). */
  {
    uint16_t ph[4], yh[4];
    float y32[4];
    const double p[4] = {1, 0, 0.5, 0.9990234375};
    for (int i = 0; i < 4; i++) ph[i] = xent_f64_to_f16(p[i]);
    xent_tensor_t tp = xent_tensor_1d(ph, XENT_F16, 4), ty = xent_tensor_1d(y32, XENT_F32, 4);
    XT_OK(xent_logit(&tp, 0.001, &ty));
    long double lo = 1049.0L / 1048576;
    ULP_CHECK(y32[0], logl(1023), XENT_F32, 1);
    ULP_CHECK(y32[1], logl(lo) - log1pl(-lo), XENT_F32, 1);
    XT_CHECK_SAME(y32[2], 0.0);
    ULP_CHECK(y32[3], logl(1023), XENT_F32, 1);
    /* Backward in f16: p = 1 is beyond hi (gradient 0); p = 1 - 2^-10 is hi
     * itself (gradient 1 / (hi (1 - hi)) = 2^20 / 1023). */
    uint16_t gh[4];
    for (int i = 0; i < 4; i++) gh[i] = xent_f64_to_f16(1.0);
    xent_tensor_t tg = xent_tensor_1d(gh, XENT_F16, 4), to = xent_tensor_1d(yh, XENT_F16, 4);
    XT_OK(xent_logit_backward(&tp, &tg, 0.001, &to));
    XT_CHECK(xent_f16_to_f32(yh[0]) == 0);
    XT_CHECK(xent_f16_to_f32(yh[1]) == 0);
    XT_CHECK_SAME(xent_f16_to_f32(yh[2]), 4.0);
    XT_CHECK_INT(yh[3], xent_f64_to_f16(1048576.0 / 1023));
  }
}

void test_logit_eps_errors(void) {
  double p[2] = {0.25, 0.5}, y[2];
  xent_tensor_t tp = xent_tensor_1d(p, XENT_F64, 2), ty = xent_tensor_1d(y, XENT_F64, 2);
  const double bad[4] = {0.5000001, 0.6, INFINITY, NAN};
  for (int i = 0; i < 4; i++) {
    XT_CHECK_STATUS(xent_logit(&tp, bad[i], &ty), XENT_ERR_ARGUMENT);
    XT_CHECK(strncmp(xent_last_error(), "eps = ", 6) == 0);
    XT_CHECK_STATUS(xent_logit_backward(&tp, &tp, bad[i], &ty), XENT_ERR_ARGUMENT);
    XT_CHECK(strncmp(xent_last_error(), "eps = ", 6) == 0);
  }
  /* Negative values (any) mean no clamp; 0 and 0.5 are valid clamps. */
  const double ok[5] = {XENT_LOGIT_NO_EPS, -1e-300, -INFINITY, 0, 0.5};
  for (int i = 0; i < 5; i++) {
    XT_OK(xent_logit(&tp, ok[i], &ty));
    XT_OK(xent_logit_backward(&tp, &tp, ok[i], &ty));
  }
  double q[1] = {1}, r[1];
  xent_tensor_t tq = xent_tensor_1d(q, XENT_F64, 1), tr = xent_tensor_1d(r, XENT_F64, 1);
  XT_OK(xent_logit(&tq, -1e-300, &tr));
  XT_CHECK_SAME(r[0], INFINITY); /* not clamped */
}

/* ------------------------------------------------------------------------ */
/* Decisions                                                                */
/* ------------------------------------------------------------------------ */

/* argmax of one row of doubles stored as dt; -1 on error. */
static int64_t argmax_row(xent_dtype_t dt, const double *x, int n) {
  double bx[MAXN];
  int64_t out = -7;
  for (int i = 0; i < n; i++) put(bx, dt, i, x[i]);
  xent_tensor_t tx = xent_tensor_1d(bx, dt, n);
  xent_tensor_t to;
  if (xent_tensor_init(&to, &out, XENT_I64, 0, NULL, NULL) != XENT_OK) return -1;
  if (xent_argmax(&tx, 0, &to) != XENT_OK) return -1;
  return out;
}

void test_argmax_ties_and_nan(void) {
  const double inf = INFINITY;
  const xent_dtype_t types[4] = {XENT_F32, XENT_F64, XENT_F16, XENT_BF16};
  for (int d = 0; d < 4; d++) {
    xent_dtype_t dt = types[d];
    const double a[5] = {1, 3, 2, 3, 3};
    XT_CHECK_INT(argmax_row(dt, a, 5), 1);
    const double z1[3] = {-0.0, 0.0, -1}, z2[3] = {-1, 0.0, -0.0};
    XT_CHECK_INT(argmax_row(dt, z1, 3), 0);
    XT_CHECK_INT(argmax_row(dt, z2, 3), 1);
    const double n1[5] = {1, inf, NAN, 5, NAN};
    XT_CHECK_INT(argmax_row(dt, n1, 5), 2);
    const double n2[3] = {NAN, inf, NAN};
    XT_CHECK_INT(argmax_row(dt, n2, 3), 0);
    const double n3[3] = {inf, 2, -NAN};
    XT_CHECK_INT(argmax_row(dt, n3, 3), 2);
    const double i1[4] = {-inf, -inf, -inf, -inf};
    XT_CHECK_INT(argmax_row(dt, i1, 4), 0);
    const double i2[4] = {-inf, 7, inf, inf};
    XT_CHECK_INT(argmax_row(dt, i2, 4), 2);
    const double one[1] = {-5};
    XT_CHECK_INT(argmax_row(dt, one, 1), 0);
    const double neg[4] = {-3, -1, -2, -1};
    XT_CHECK_INT(argmax_row(dt, neg, 4), 1);
  }
  /* Values that only f64 separates (equal in f32). */
  const double close[3] = {1, 1 + 0x1p-40, 1};
  XT_CHECK_INT(argmax_row(XENT_F64, close, 3), 1);
  XT_CHECK_INT(argmax_row(XENT_F32, close, 3), 0);
  /* Subnormals are not flushed. */
  const double sub[3] = {0, 0x1p-1074, 0};
  XT_CHECK_INT(argmax_row(XENT_F64, sub, 3), 1);
}

void test_argmax_integer_inputs(void) {
  /* i32, i64 and u8 inputs; i32 and i64 outputs; first index on ties. */
  int32_t a32[6] = {-5, 7, INT32_MAX, 3, INT32_MAX, INT32_MIN};
  int64_t a64[4] = {(1ll << 60), (1ll << 60) + 1, (1ll << 60) + 1, -1};
  uint8_t a8[5] = {3, 255, 0, 255, 254};
  int32_t o32;
  int64_t o64;
  xent_tensor_t t32 = xent_tensor_1d(a32, XENT_I32, 6);
  xent_tensor_t t64 = xent_tensor_1d(a64, XENT_I64, 4);
  xent_tensor_t t8 = xent_tensor_1d(a8, XENT_U8, 5);
  xent_tensor_t r32, r64;
  XT_OK(xent_tensor_init(&r32, &o32, XENT_I32, 0, NULL, NULL));
  XT_OK(xent_tensor_init(&r64, &o64, XENT_I64, 0, NULL, NULL));
  XT_OK(xent_argmax(&t32, 0, &r32));
  XT_CHECK_INT(o32, 2);
  XT_OK(xent_argmax(&t32, -1, &r64));
  XT_CHECK_INT(o64, 2);
  /* 2^60 + 1 differs from 2^60 only in exact integer arithmetic. */
  XT_OK(xent_argmax(&t64, 0, &r32));
  XT_CHECK_INT(o32, 1);
  XT_OK(xent_argmax(&t64, 0, &r64));
  XT_CHECK_INT(o64, 1);
  XT_OK(xent_argmax(&t8, 0, &r32));
  XT_CHECK_INT(o32, 1);
  int64_t neg[3] = {INT64_MIN, INT64_MIN + 1, INT64_MIN};
  xent_tensor_t tn = xent_tensor_1d(neg, XENT_I64, 3);
  XT_OK(xent_argmax(&tn, 0, &r64));
  XT_CHECK_INT(o64, 1);
  /* A 2-D integer input along both axes. */
  int32_t m[6] = {1, 9, 9, 4, 2, 9};
  int64_t rows[3];
  xent_tensor_t tm = xent_tensor_2d(m, XENT_I32, 2, 3);
  xent_tensor_t tr = xent_tensor_1d(rows, XENT_I64, 2);
  XT_OK(xent_argmax(&tm, 1, &tr));
  XT_CHECK_INT(rows[0], 1);
  XT_CHECK_INT(rows[1], 2);
  tr = xent_tensor_1d(rows, XENT_I64, 3);
  XT_OK(xent_argmax(&tm, 0, &tr));
  XT_CHECK_INT(rows[0], 1);
  XT_CHECK_INT(rows[1], 0);
  XT_CHECK_INT(rows[2], 0);
}

void test_argmax_shapes(void) {
  /* x of shape (2, 3, 4) with known maxima; every axis, keepdims or not. */
  double x[24];
  for (int i = 0; i < 24; i++) x[i] = (double)((i * 7) % 24); /* a permutation */
  xent_tensor_t tx = xent_tensor_3d(x, XENT_F64, 2, 3, 4);
  const int64_t full[3] = {2, 3, 4};
  for (int axis = -3; axis < 3; axis++) {
    int ax = axis < 0 ? axis + 3 : axis;
    int64_t rshape[2], kshape[3];
    for (int i = 0, j = 0; i < 3; i++) {
      kshape[i] = i == ax ? 1 : full[i];
      if (i != ax) rshape[j++] = full[i];
    }
    int32_t flat[12], kept[12];
    int64_t wide[12];
    xent_tensor_t tf, tk, tw;
    XT_OK(xent_tensor_init(&tf, flat, XENT_I32, 2, rshape, NULL));
    XT_OK(xent_tensor_init(&tk, kept, XENT_I32, 3, kshape, NULL));
    XT_OK(xent_tensor_init(&tw, wide, XENT_I64, 2, rshape, NULL));
    XT_OK(xent_argmax(&tx, axis, &tf));
    XT_OK(xent_argmax(&tx, axis, &tk));
    XT_OK(xent_argmax(&tx, axis, &tw));
    int r = 0;
    for (int64_t a = 0; a < (ax == 0 ? 1 : 2); a++)
      for (int64_t b = 0; b < (ax == 1 ? 1 : 3); b++)
        for (int64_t c = 0; c < (ax == 2 ? 1 : 4); c++, r++) {
          int64_t idx[3] = {a, b, c}, best = 0;
          double bv = -1;
          for (int64_t k = 0; k < full[ax]; k++) {
            idx[ax] = k;
            double v = x[idx[0] * 12 + idx[1] * 4 + idx[2]];
            if (v > bv) bv = v, best = k;
          }
          XT_CHECK_INT(flat[r], best);
          XT_CHECK_INT(kept[r], best);
          XT_CHECK_INT(wide[r], best);
        }
  }
  /* Empty class axis with rows: an error. Empty batch: fine. */
  int64_t o[4] = {-1, -1, -1, -1};
  xent_tensor_t te = xent_tensor_2d(NULL, XENT_F32, 3, 0), to = xent_tensor_1d(o, XENT_I64, 3);
  XT_CHECK_STATUS(xent_argmax(&te, 1, &to), XENT_ERR_SHAPE);
  XT_CHECK(strstr(xent_last_error(), "x.shape[1] = 0") != NULL);
  XT_CHECK_INT(o[0], -1);
  xent_tensor_t te0 = xent_tensor_2d(NULL, XENT_F32, 0, 4), to0 = xent_tensor_1d(NULL, XENT_I64, 0);
  XT_OK(xent_argmax(&te0, 1, &to0));
  xent_tensor_t to4 = xent_tensor_1d(o, XENT_I64, 4);
  XT_CHECK_STATUS(xent_argmax(&te0, 0, &to4), XENT_ERR_SHAPE);
  xent_tensor_t t00 = xent_tensor_2d(NULL, XENT_F32, 0, 0);
  XT_OK(xent_argmax(&t00, 1, &to0));
  /* An i32 output cannot index a class axis longer than INT32_MAX (checked
   * with a broadcast input, which needs one element of storage). */
  float one = 1;
  int64_t bshape[2] = {1, (int64_t)INT32_MAX + 1}, bstr[2] = {0, 0};
  xent_tensor_t tb;
  XT_OK(xent_tensor_init(&tb, &one, XENT_F32, 2, bshape, bstr));
  int32_t o32 = -1;
  xent_tensor_t tr32 = xent_tensor_1d(&o32, XENT_I32, 1);
  XT_CHECK_STATUS(xent_argmax(&tb, 1, &tr32), XENT_ERR_DTYPE);
  XT_CHECK(strstr(xent_last_error(), "out is i32") != NULL);
}

void test_hardmax_rows(void) {
  const double inf = INFINITY;
  const double x[12] = {1, 3, 3, 2, /* tie -> first */
                        -0.0, 0.0, -1, -2, /* signed zeros equal */
                        1, NAN, inf, NAN}; /* first NaN */
  const int hot[3] = {1, 0, 1};
  const xent_dtype_t outs[7] = {XENT_F32, XENT_F64, XENT_F16, XENT_BF16,
                                XENT_I32, XENT_I64, XENT_U8};
  const xent_dtype_t ins[4] = {XENT_F32, XENT_F64, XENT_F16, XENT_BF16};
  for (int di = 0; di < 4; di++) {
    double bx[12];
    for (int i = 0; i < 12; i++) put(bx, ins[di], i, x[i]);
    xent_tensor_t tx = xent_tensor_2d(bx, ins[di], 3, 4);
    for (int o = 0; o < 7; o++) {
      double by[12];
      memset(by, 0x5a, sizeof by);
      xent_tensor_t ty = xent_tensor_2d(by, outs[o], 3, 4);
      XT_OK(xent_hardmax(&tx, -1, &ty));
      for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++)
          XT_CHECK_SAME(get(by, outs[o], r * 4 + c), c == hot[r] ? 1.0 : 0.0);
    }
  }
  /* Along axis 0, integer input. */
  int32_t m[6] = {1, 9, 5, 4, 9, 5};
  float y[6];
  xent_tensor_t tm = xent_tensor_2d(m, XENT_I32, 2, 3), ty = xent_tensor_2d(y, XENT_F32, 2, 3);
  XT_OK(xent_hardmax(&tm, 0, &ty));
  const float want[6] = {0, 1, 1, 1, 0, 0};
  for (int i = 0; i < 6; i++) XT_CHECK_SAME(y[i], want[i]);
  /* Empty class axis writes nothing and is not an error. */
  float guard[3] = {7, 7, 7};
  xent_tensor_t te = xent_tensor_2d(guard, XENT_F32, 3, 0);
  XT_OK(xent_hardmax(&te, 1, &te));
  for (int i = 0; i < 3; i++) XT_CHECK_SAME(guard[i], 7.0);
  /* hardmax agrees with one_hot(argmax). */
  xt_rng rng = {13};
  double r[40], h[40], oh[40];
  for (int i = 0; i < 40; i++) r[i] = (double)(xt_next(&rng) % 5);
  int64_t am[8];
  xent_tensor_t tr = xent_tensor_2d(r, XENT_F64, 8, 5), th = xent_tensor_2d(h, XENT_F64, 8, 5);
  xent_tensor_t ta = xent_tensor_1d(am, XENT_I64, 8), to = xent_tensor_2d(oh, XENT_F64, 8, 5);
  XT_OK(xent_hardmax(&tr, 1, &th));
  XT_OK(xent_argmax(&tr, 1, &ta));
  XT_OK(xent_one_hot(&ta, 1, 1, 0, 0, &to));
  for (int i = 0; i < 40; i++) XT_CHECK_SAME(h[i], oh[i]);
}

void test_one_hot_encoding(void) {
  int32_t lab[6] = {0, 4, 2, 3, 1, 4}; /* shape (2, 3) */
  xent_tensor_t tl = xent_tensor_2d(lab, XENT_I32, 2, 3);
  /* axis -1: y (2, 3, 5), y[a, b, c] = on if c == lab[a, b]. */
  double y[30];
  xent_tensor_t ty = xent_tensor_3d(y, XENT_F64, 2, 3, 5);
  XT_OK(xent_one_hot(&tl, -1, 0.9, -0.1, 0, &ty));
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 3; b++)
      for (int c = 0; c < 5; c++)
        XT_CHECK_SAME(y[(a * 3 + b) * 5 + c], c == lab[a * 3 + b] ? 0.9 : -0.1);
  /* axis 2 is the same as -1. */
  double y2[30];
  xent_tensor_t ty2 = xent_tensor_3d(y2, XENT_F64, 2, 3, 5);
  XT_OK(xent_one_hot(&tl, 2, 0.9, -0.1, 0, &ty2));
  XT_CHECK(memcmp(y, y2, sizeof y) == 0);
  /* axis 0: y (5, 2, 3), y[c, a, b]. Integer output. */
  int32_t yi[30];
  xent_tensor_t tyi = xent_tensor_3d(yi, XENT_I32, 5, 2, 3);
  XT_OK(xent_one_hot(&tl, 0, 1, 0, 0, &tyi));
  for (int c = 0; c < 5; c++)
    for (int a = 0; a < 2; a++)
      for (int b = 0; b < 3; b++)
        XT_CHECK_INT(yi[(c * 2 + a) * 3 + b], c == lab[a * 3 + b]);
  /* axis 1 (and -2): y (2, 5, 3), y[a, c, b]; u8 output with on = 7. */
  uint8_t yu[30];
  xent_tensor_t tyu = xent_tensor_3d(yu, XENT_U8, 2, 5, 3);
  XT_OK(xent_one_hot(&tl, -2, 7, 0, 0, &tyu));
  for (int a = 0; a < 2; a++)
    for (int c = 0; c < 5; c++)
      for (int b = 0; b < 3; b++)
        XT_CHECK_INT(yu[(a * 5 + c) * 3 + b], c == lab[a * 3 + b] ? 7 : 0);
  /* i64 labels, f16/bf16/f32/i64 outputs, on and off swapped. */
  int64_t l64[3] = {2, 0, 1};
  xent_tensor_t tl64 = xent_tensor_1d(l64, XENT_I64, 3);
  const xent_dtype_t outs[4] = {XENT_F16, XENT_BF16, XENT_F32, XENT_I64};
  for (int o = 0; o < 4; o++) {
    double buf[9];
    xent_tensor_t t = xent_tensor_2d(buf, outs[o], 3, 3);
    XT_OK(xent_one_hot(&tl64, -1, 0, 1, 0, &t));
    for (int r = 0; r < 3; r++)
      for (int c = 0; c < 3; c++)
        XT_CHECK_SAME(get(buf, outs[o], r * 3 + c), c == l64[r] ? 0.0 : 1.0);
  }
  /* Scalar label: y of rank 1. */
  int32_t one = 3;
  float v[4];
  xent_tensor_t ts, tv = xent_tensor_1d(v, XENT_F32, 4);
  XT_OK(xent_tensor_init(&ts, &one, XENT_I32, 0, NULL, NULL));
  XT_OK(xent_one_hot(&ts, 0, 1, 0, 0, &tv));
  for (int i = 0; i < 4; i++) XT_CHECK_SAME(v[i], i == 3 ? 1.0 : 0.0);
  /* Empty batch. */
  xent_tensor_t le = xent_tensor_1d(NULL, XENT_I32, 0), ye = xent_tensor_2d(NULL, XENT_F32, 0, 4);
  XT_OK(xent_one_hot(&le, -1, 1, 0, 0, &ye));
}

void test_one_hot_out_of_range(void) {
  /* labels (2, 3) with 7 at [1, 2], C = 5. */
  int32_t lab[6] = {0, 4, 2, 3, 1, 7};
  xent_tensor_t tl = xent_tensor_2d(lab, XENT_I32, 2, 3);
  float y[30];
  for (int i = 0; i < 30; i++) y[i] = 42;
  xent_tensor_t ty = xent_tensor_3d(y, XENT_F32, 2, 3, 5);
  XT_CHECK_STATUS(xent_one_hot(&tl, -1, 1, 0, 0, &ty), XENT_ERR_INDEX);
  XT_CHECK_MSG(strcmp(xent_last_error(), "labels[1, 2] = 7 is outside [0, 5)") == 0,
               "detail was '%s'", xent_last_error());
  for (int i = 0; i < 30; i++) XT_CHECK_SAME(y[i], 42.0); /* untouched */
  /* The position is that of the label whatever the class axis. */
  xent_tensor_t ty0 = xent_tensor_3d(y, XENT_F32, 5, 2, 3);
  XT_CHECK_STATUS(xent_one_hot(&tl, 0, 1, 0, 0, &ty0), XENT_ERR_INDEX);
  XT_CHECK_MSG(strcmp(xent_last_error(), "labels[1, 2] = 7 is outside [0, 5)") == 0,
               "detail was '%s'", xent_last_error());
  for (int i = 0; i < 30; i++) XT_CHECK_SAME(y[i], 42.0);
  /* Negative labels and C itself are out of range; i64 values too. */
  lab[5] = 1;
  lab[1] = -1;
  XT_CHECK_STATUS(xent_one_hot(&tl, -1, 1, 0, 0, &ty), XENT_ERR_INDEX);
  XT_CHECK_MSG(strcmp(xent_last_error(), "labels[0, 1] = -1 is outside [0, 5)") == 0,
               "detail was '%s'", xent_last_error());
  for (int i = 0; i < 30; i++) XT_CHECK_SAME(y[i], 42.0);
  lab[1] = 5;
  XT_CHECK_STATUS(xent_one_hot(&tl, -1, 1, 0, 0, &ty), XENT_ERR_INDEX);
  XT_CHECK(strcmp(xent_last_error(), "labels[0, 1] = 5 is outside [0, 5)") == 0);
  int64_t big[2] = {1, (int64_t)1 << 40};
  xent_tensor_t tb = xent_tensor_1d(big, XENT_I64, 2);
  xent_tensor_t tyb = xent_tensor_2d(y, XENT_F32, 2, 5);
  XT_CHECK_STATUS(xent_one_hot(&tb, -1, 1, 0, 0, &tyb), XENT_ERR_INDEX);
  XT_CHECK(strcmp(xent_last_error(), "labels[1] = 1099511627776 is outside [0, 5)") == 0);
  /* With XENT_ONE_HOT_OUT_OF_RANGE_IS_OFF, such labels give rows of off. */
  lab[1] = -1;
  lab[5] = 7;
  lab[3] = 5;
  XT_OK(xent_one_hot(&tl, -1, 2, -3, XENT_ONE_HOT_OUT_OF_RANGE_IS_OFF, &ty));
  for (int r = 0; r < 6; r++)
    for (int c = 0; c < 5; c++)
      XT_CHECK_SAME(y[r * 5 + c], c == lab[r] ? 2.0 : -3.0);
  XT_OK(xent_one_hot(&tb, -1, 1, 0, XENT_ONE_HOT_OUT_OF_RANGE_IS_OFF, &tyb));
  for (int c = 0; c < 5; c++) {
    XT_CHECK_SAME(y[c], c == 1 ? 1.0 : 0.0);
    XT_CHECK_SAME(y[5 + c], 0.0);
  }
  /* Unknown flag bits are an argument error. */
  XT_CHECK_STATUS(xent_one_hot(&tl, -1, 1, 0, 2u, &ty), XENT_ERR_ARGUMENT);
  XT_CHECK(strncmp(xent_last_error(), "flags", 5) == 0);
  /* C = 0: every label is out of range; with the flag nothing is written. */
  int32_t z[2] = {0, 0};
  xent_tensor_t tz = xent_tensor_1d(z, XENT_I32, 2), ye = xent_tensor_2d(NULL, XENT_F32, 2, 0);
  XT_CHECK_STATUS(xent_one_hot(&tz, -1, 1, 0, 0, &ye), XENT_ERR_INDEX);
  XT_OK(xent_one_hot(&tz, -1, 1, 0, XENT_ONE_HOT_OUT_OF_RANGE_IS_OFF, &ye));
}

/* ------------------------------------------------------------------------ */
/* Error paths, table-driven                                                */
/* ------------------------------------------------------------------------ */

/* Whether `detail` mentions `name` as a word: at the start or after a space
 * or '(', and followed by ' ', '.', '[' or '\''. */
static int names_arg(const char *detail, const char *name) {
  size_t n = strlen(name);
  for (const char *p = strstr(detail, name); p; p = strstr(p + 1, name)) {
    int start = p == detail || p[-1] == ' ' || p[-1] == '(';
    char c = p[n];
    if (start && (c == ' ' || c == '.' || c == '[' || c == '\'')) return 1;
  }
  return 0;
}

/* Roles of the tensors of a call. Full tensors have shape (2, 3) and the
 * class axis -1; reduced ones have shape (2). */
enum {
  R_IN,      /* float input, full shape         */
  R_IN_RED,  /* float input, reduced shape      */
  R_OUT,     /* float output, full shape        */
  R_OUT_RED, /* float output, reduced shape     */
  R_IDX,     /* i32/i64 output, reduced shape   */
  R_ANY_IN,  /* any dtype input, full shape     */
  R_ANY_OUT, /* any dtype output, full shape    */
  R_LABELS   /* i32/i64 input, reduced shape    */
};

typedef xent_status_t (*err_call)(const xent_tensor_t *const *t, int axis);

typedef struct {
  const char *fn;
  err_call call;
  int nt;
  const char *names[3];
  int roles[3];
  int has_axis;
} err_spec;

#define WRAP_AXIS(name, fn) \
  static xent_status_t name(const xent_tensor_t *const *t, int axis) { return fn(t[0], axis, t[1]); }
#define WRAP_AXIS2(name, fn) \
  static xent_status_t name(const xent_tensor_t *const *t, int axis) { return fn(t[0], t[1], axis, t[2]); }
#define WRAP_PW(name, fn) \
  static xent_status_t name(const xent_tensor_t *const *t, int axis) { (void)axis; return fn(t[0], t[1]); }
#define WRAP_PW2(name, fn) \
  static xent_status_t name(const xent_tensor_t *const *t, int axis) { (void)axis; return fn(t[0], t[1], t[2]); }

WRAP_AXIS(w_softmax, xent_softmax)
WRAP_AXIS(w_log_softmax, xent_log_softmax)
WRAP_AXIS(w_logsumexp, xent_logsumexp)
WRAP_AXIS2(w_softmax_bwd, xent_softmax_backward)
WRAP_AXIS2(w_log_softmax_bwd, xent_log_softmax_backward)
WRAP_AXIS2(w_logsumexp_bwd, xent_logsumexp_backward)
WRAP_PW(w_sigmoid, xent_sigmoid)
WRAP_PW(w_log_sigmoid, xent_log_sigmoid)
WRAP_PW(w_softplus, xent_softplus)
WRAP_PW2(w_sigmoid_bwd, xent_sigmoid_backward)
WRAP_PW2(w_log_sigmoid_bwd, xent_log_sigmoid_backward)
WRAP_PW2(w_softplus_bwd, xent_softplus_backward)
WRAP_AXIS(w_argmax, xent_argmax)
WRAP_AXIS(w_hardmax, xent_hardmax)

static xent_status_t w_logit(const xent_tensor_t *const *t, int axis) {
  (void)axis;
  return xent_logit(t[0], 0.01, t[1]);
}
static xent_status_t w_logit_bwd(const xent_tensor_t *const *t, int axis) {
  (void)axis;
  return xent_logit_backward(t[0], t[1], XENT_LOGIT_NO_EPS, t[2]);
}
static xent_status_t w_one_hot(const xent_tensor_t *const *t, int axis) {
  return xent_one_hot(t[0], axis, 1, 0, 0, t[1]);
}

static const err_spec err_specs[] = {
    {"softmax", w_softmax, 2, {"x", "y"}, {R_IN, R_OUT}, 1},
    {"log_softmax", w_log_softmax, 2, {"x", "y"}, {R_IN, R_OUT}, 1},
    {"logsumexp", w_logsumexp, 2, {"x", "out"}, {R_IN, R_OUT_RED}, 1},
    {"softmax_backward", w_softmax_bwd, 3, {"y", "dy", "dx"}, {R_IN, R_IN, R_OUT}, 1},
    {"log_softmax_backward", w_log_softmax_bwd, 3, {"y", "dy", "dx"}, {R_IN, R_IN, R_OUT}, 1},
    {"logsumexp_backward", w_logsumexp_bwd, 3, {"x", "dout", "dx"}, {R_IN, R_IN_RED, R_OUT}, 1},
    {"sigmoid", w_sigmoid, 2, {"x", "y"}, {R_IN, R_OUT}, 0},
    {"log_sigmoid", w_log_sigmoid, 2, {"x", "y"}, {R_IN, R_OUT}, 0},
    {"softplus", w_softplus, 2, {"x", "y"}, {R_IN, R_OUT}, 0},
    {"sigmoid_backward", w_sigmoid_bwd, 3, {"x", "dy", "dx"}, {R_IN, R_IN, R_OUT}, 0},
    {"log_sigmoid_backward", w_log_sigmoid_bwd, 3, {"x", "dy", "dx"}, {R_IN, R_IN, R_OUT}, 0},
    {"softplus_backward", w_softplus_bwd, 3, {"x", "dy", "dx"}, {R_IN, R_IN, R_OUT}, 0},
    {"logit", w_logit, 2, {"p", "y"}, {R_IN, R_OUT}, 0},
    {"logit_backward", w_logit_bwd, 3, {"p", "dy", "dx"}, {R_IN, R_IN, R_OUT}, 0},
    {"argmax", w_argmax, 2, {"x", "out"}, {R_ANY_IN, R_IDX}, 1},
    {"hardmax", w_hardmax, 2, {"x", "y"}, {R_ANY_IN, R_ANY_OUT}, 1},
    {"one_hot", w_one_hot, 2, {"labels", "y"}, {R_LABELS, R_ANY_OUT}, 1},
};

typedef struct {
  double data[3][8];
  xent_tensor_t t[3];
  const xent_tensor_t *p[3];
} err_args;

static void err_base(const err_spec *s, err_args *a) {
  for (int k = 0; k < s->nt; k++) {
    double *d = a->data[k];
    switch (s->roles[k]) {
      case R_IN:
        for (int i = 0; i < 6; i++) d[i] = 0.125 * (i + 1);
        a->t[k] = xent_tensor_2d(d, XENT_F64, 2, 3);
        break;
      case R_OUT: a->t[k] = xent_tensor_2d(d, XENT_F64, 2, 3); break;
      case R_ANY_IN:
        for (int i = 0; i < 6; i++) d[i] = i;
        a->t[k] = xent_tensor_2d(d, XENT_F64, 2, 3);
        break;
      case R_ANY_OUT: a->t[k] = xent_tensor_2d(d, XENT_F32, 2, 3); break;
      case R_IN_RED:
        d[0] = 1, d[1] = 2;
        a->t[k] = xent_tensor_1d(d, XENT_F64, 2);
        break;
      case R_OUT_RED: a->t[k] = xent_tensor_1d(d, XENT_F64, 2); break;
      case R_IDX: a->t[k] = xent_tensor_1d(d, XENT_I64, 2); break;
      case R_LABELS: {
        int32_t lab[2] = {0, 2};
        memcpy(d, lab, sizeof lab);
        a->t[k] = xent_tensor_1d(d, XENT_I32, 2);
        break;
      }
    }
    a->p[k] = &a->t[k];
  }
}

static int is_output(int role) {
  return role == R_OUT || role == R_OUT_RED || role == R_IDX || role == R_ANY_OUT;
}

/* A dtype that the role rejects, or -1 if it accepts every known dtype. */
static int bad_dtype(int role) {
  switch (role) {
    case R_IN: case R_IN_RED: case R_OUT: case R_OUT_RED: return XENT_I32;
    case R_IDX: return XENT_F32;
    case R_LABELS: return XENT_F64;
    default: return -1;
  }
}

#define ERR_EXPECT(s, a, axis, code, name, what)                                \
  do {                                                                          \
    xent_status_t st_ = (s)->call((a).p, (axis));                               \
    const char *det_ = xent_last_error();                                       \
    XT_CHECK_MSG(st_ == (code), "%s with %s: returned %s (%s), expected %s",    \
                 (s)->fn, (what), xent_status_name(st_), det_,                  \
                 xent_status_name(code));                                       \
    XT_CHECK_MSG(names_arg(det_, (name)), "%s with %s: detail '%s' does not "   \
                 "name %s", (s)->fn, (what), det_, (name));                     \
  } while (0)

void test_errors_name_the_argument(void) {
  const int nspec = (int)(sizeof err_specs / sizeof err_specs[0]);
  for (int si = 0; si < nspec; si++) {
    const err_spec *s = &err_specs[si];
    err_args a;
    err_base(s, &a);
    xent_status_t st = s->call(a.p, -1);
    XT_CHECK_MSG(st == XENT_OK, "%s: valid call returned %s (%s)", s->fn,
                 xent_status_name(st), xent_last_error());
    XT_CHECK(strcmp(xent_last_error(), "") == 0);
    for (int k = 0; k < s->nt; k++) {
      const char *nm = s->names[k];
      char what[64];
      /* NULL tensor */
      err_base(s, &a);
      a.p[k] = NULL;
      snprintf(what, sizeof what, "%s = NULL", nm);
      ERR_EXPECT(s, a, -1, XENT_ERR_NULL, nm, what);
      /* NULL data with elements */
      err_base(s, &a);
      a.t[k].data = NULL;
      snprintf(what, sizeof what, "%s.data = NULL", nm);
      ERR_EXPECT(s, a, -1, XENT_ERR_NULL, nm, what);
      /* a dtype the role does not accept */
      int bad = bad_dtype(s->roles[k]);
      if (bad >= 0) {
        err_base(s, &a);
        a.t[k].dtype = (xent_dtype_t)bad;
        snprintf(what, sizeof what, "%s of dtype %s", nm, xent_dtype_name(a.t[k].dtype));
        ERR_EXPECT(s, a, -1, XENT_ERR_DTYPE, nm, what);
      }
      /* u8 where a float is needed, too */
      if (bad == XENT_I32) {
        err_base(s, &a);
        a.t[k].dtype = XENT_U8;
        ERR_EXPECT(s, a, -1, XENT_ERR_DTYPE, nm, "a u8 tensor");
      }
      /* an unknown dtype */
      err_base(s, &a);
      a.t[k].dtype = (xent_dtype_t)42;
      snprintf(what, sizeof what, "%s of dtype 42", nm);
      ERR_EXPECT(s, a, -1, XENT_ERR_DTYPE, nm, what);
      /* a shape that disagrees with the others */
      err_base(s, &a);
      a.t[k].shape[0] = 3;
      snprintf(what, sizeof what, "%s.shape[0] = 3", nm);
      ERR_EXPECT(s, a, -1, XENT_ERR_SHAPE, nm, what);
      /* one axis too many */
      err_base(s, &a);
      a.t[k].shape[a.t[k].rank] = 1;
      a.t[k].strides[a.t[k].rank] = 1;
      a.t[k].rank++;
      a.t[k].shape[0] = 1; /* keeps the element count small */
      snprintf(what, sizeof what, "%s with rank + 1", nm);
      ERR_EXPECT(s, a, -1, XENT_ERR_SHAPE, nm, what);
      /* structural errors: rank out of range, negative extent */
      err_base(s, &a);
      a.t[k].rank = XENT_MAX_RANK + 1;
      ERR_EXPECT(s, a, -1, XENT_ERR_SHAPE, nm, "rank 9");
      err_base(s, &a);
      a.t[k].shape[0] = -1;
      ERR_EXPECT(s, a, -1, XENT_ERR_SHAPE, nm, "a negative extent");
      /* an output broadcast along an axis longer than 1 */
      if (is_output(s->roles[k])) {
        err_base(s, &a);
        a.t[k].strides[0] = 0;
        snprintf(what, sizeof what, "%s.strides[0] = 0", nm);
        ERR_EXPECT(s, a, -1, XENT_ERR_SHAPE, nm, what);
        XT_CHECK(strstr(xent_last_error(), "strides[0] = 0") != NULL);
      }
    }
    /* axis outside [-rank, rank) */
    if (s->has_axis) {
      const int bad_axes[4] = {2, -3, 100, -100};
      for (int i = 0; i < 4; i++) {
        err_base(s, &a);
        char what[32];
        snprintf(what, sizeof what, "axis = %d", bad_axes[i]);
        ERR_EXPECT(s, a, bad_axes[i], XENT_ERR_ARGUMENT, "axis", what);
      }
    }
    /* After all that, a valid call still succeeds and clears the detail. */
    err_base(s, &a);
    XT_CHECK(s->call(a.p, -1) == XENT_OK);
    XT_CHECK(strcmp(xent_last_error(), "") == 0);
  }
}

void test_errors_specific_messages(void) {
  double x[6] = {1, 2, 3, 4, 5, 6}, y[6];
  xent_tensor_t tx = xent_tensor_2d(x, XENT_F64, 2, 3), ty = xent_tensor_2d(y, XENT_F64, 2, 3);
  /* rank-0 x has no axis at all */
  xent_tensor_t ts;
  XT_OK(xent_tensor_init(&ts, x, XENT_F64, 0, NULL, NULL));
  XT_CHECK_STATUS(xent_softmax(&ts, 0, &ts), XENT_ERR_ARGUMENT);
  XT_CHECK(strstr(xent_last_error(), "rank 0") != NULL);
  /* NULL data message */
  xent_tensor_t tn = tx;
  tn.data = NULL;
  XT_CHECK_STATUS(xent_softmax(&tn, -1, &ty), XENT_ERR_NULL);
  XT_CHECK(strcmp(xent_last_error(), "x.data is NULL but x has 6 elements") == 0);
  /* dtype message */
  xent_tensor_t ti = ty;
  ti.dtype = XENT_I64;
  XT_CHECK_STATUS(xent_log_softmax(&tx, -1, &ti), XENT_ERR_DTYPE);
  XT_CHECK(strncmp(xent_last_error(), "y has dtype i64", 15) == 0);
  /* reduced shapes: out must drop the axis or keep it at length 1 */
  double o[6];
  xent_tensor_t to = xent_tensor_1d(o, XENT_F64, 3);
  XT_CHECK_STATUS(xent_logsumexp(&tx, -1, &to), XENT_ERR_SHAPE);
  XT_CHECK(strncmp(xent_last_error(), "out has shape (3)", 17) == 0);
  XT_OK(xent_logsumexp(&tx, 0, &to));
  int64_t io[3];
  xent_tensor_t tio = xent_tensor_1d(io, XENT_I64, 3);
  XT_CHECK_STATUS(xent_argmax(&tx, 1, &tio), XENT_ERR_SHAPE);
  XT_OK(xent_argmax(&tx, 0, &tio));
  /* one_hot: labels must be y without the class axis */
  int32_t lab[2] = {0, 1};
  xent_tensor_t tl = xent_tensor_1d(lab, XENT_I32, 2);
  XT_CHECK_STATUS(xent_one_hot(&tl, 0, 1, 0, 0, &ty), XENT_ERR_SHAPE);
  XT_CHECK(names_arg(xent_last_error(), "labels"));
  xent_tensor_t tl2 = xent_tensor_2d(lab, XENT_I32, 2, 1);
  XT_CHECK_STATUS(xent_one_hot(&tl2, -1, 1, 0, 0, &ty), XENT_ERR_SHAPE);
  XT_CHECK(strncmp(xent_last_error(), "labels has rank 2", 17) == 0);
  XT_CHECK_STATUS(xent_one_hot(&tl, 2, 1, 0, 0, &ty), XENT_ERR_ARGUMENT);
  XT_CHECK_MSG(strcmp(xent_last_error(), "axis = 2 is outside [-2, 2) for y of rank 2") == 0,
               "detail was '%s'", xent_last_error());
  /* logsumexp_backward's dout has the reduced shape */
  xent_tensor_t tdo = xent_tensor_1d(o, XENT_F64, 3);
  XT_CHECK_STATUS(xent_logsumexp_backward(&tx, &tdo, -1, &ty), XENT_ERR_SHAPE);
  XT_CHECK(strncmp(xent_last_error(), "dout has shape (3)", 18) == 0);
  /* pointwise: shapes must agree exactly (no broadcasting of shapes) */
  xent_tensor_t t1 = xent_tensor_1d(y, XENT_F64, 6);
  XT_CHECK_STATUS(xent_sigmoid(&tx, &t1), XENT_ERR_SHAPE);
  XT_CHECK(strcmp(xent_last_error(), "y has shape (6) but x has shape (2, 3)") == 0);
  XT_CHECK_STATUS(xent_logit_backward(&tx, &t1, 0.1, &ty), XENT_ERR_SHAPE);
  XT_CHECK(strcmp(xent_last_error(), "dy has shape (6) but p has shape (2, 3)") == 0);
}

/* ------------------------------------------------------------------------ */
/* In place                                                                 */
/* ------------------------------------------------------------------------ */

/* y is the same view as x: the result equals the out-of-place one. Checked
 * on a contiguous and on a transposed view. */
void test_in_place_matches_out_of_place(void) {
  xt_rng rng = {21};
  for (int d = 0; d < 2; d++) {
    xent_dtype_t dt = float_types[d];
    double base[12], base2[12], prob[12];
    for (int i = 0; i < 12; i++) {
      base[i] = xt_normal(&rng) * 3;
      base2[i] = xt_normal(&rng);
      prob[i] = xt_uniform(&rng, 0, 1);
    }
    base[5] = -INFINITY;
    for (int view = 0; view < 2; view++) {
      /* view 0: C order (3, 4); view 1: the transpose of a (4, 3) buffer. */
      int64_t shape[2] = {3, 4};
      int64_t strides[2] = {view ? 1 : 4, view ? 3 : 1};
      for (int axis = -2; axis < 2; axis++) {
        double a[12], b[12], c[12], ref[12];
        xent_tensor_t ta, tb, tc, tr;
        XT_OK(xent_tensor_init(&ta, a, dt, 2, shape, strides));
        XT_OK(xent_tensor_init(&tb, b, dt, 2, shape, strides));
        XT_OK(xent_tensor_init(&tc, c, dt, 2, shape, strides));
        XT_OK(xent_tensor_init(&tr, ref, dt, 2, shape, strides));
#define RESET()                                                       \
  for (int i = 0; i < 12; i++)                                        \
    put(a, dt, i, base[i]), put(b, dt, i, base2[i]), put(c, dt, i, prob[i])
#define SAME_AS_REF(buf)                                                       \
  for (int i = 0; i < 12; i++)                                                 \
    XT_CHECK_MSG(xt_same_double(get(buf, dt, i), get(ref, dt, i)),            \
                 "in place differs at %d (view %d, axis %d, %s)", i, view, axis, \
                 xent_dtype_name(dt))
        axis_fn fns[3] = {xent_softmax, xent_log_softmax, xent_hardmax};
        for (int f = 0; f < 3; f++) {
          RESET();
          XT_OK(fns[f](&ta, axis, &tr));
          XT_OK(fns[f](&ta, axis, &ta));
          SAME_AS_REF(a);
        }
        axis_bwd_fn bfns[2] = {xent_softmax_backward, xent_log_softmax_backward};
        for (int f = 0; f < 2; f++) {
          /* dx over dy, then dx over y */
          RESET();
          XT_OK(bfns[f](&tc, &tb, axis, &tr));
          XT_OK(bfns[f](&tc, &tb, axis, &tb));
          SAME_AS_REF(b);
          RESET();
          XT_OK(bfns[f](&tc, &tb, axis, &tc));
          SAME_AS_REF(c);
        }
        /* logsumexp_backward with dx over x */
        double dout[4] = {0.5, -1, 2, 3};
        xent_tensor_t td = xent_tensor_1d(dout, XENT_F64, axis == 0 || axis == -2 ? 4 : 3);
        RESET();
        XT_OK(xent_logsumexp_backward(&ta, &td, axis, &tr));
        XT_OK(xent_logsumexp_backward(&ta, &td, axis, &ta));
        SAME_AS_REF(a);
      }
      /* element-wise */
      double a[12], b[12], c[12], ref[12];
      xent_tensor_t ta, tb, tc, tr;
      int axis = 0;
      XT_OK(xent_tensor_init(&ta, a, dt, 2, shape, strides));
      XT_OK(xent_tensor_init(&tb, b, dt, 2, shape, strides));
      XT_OK(xent_tensor_init(&tc, c, dt, 2, shape, strides));
      XT_OK(xent_tensor_init(&tr, ref, dt, 2, shape, strides));
      pw_fn pws[3] = {xent_sigmoid, xent_log_sigmoid, xent_softplus};
      for (int f = 0; f < 3; f++) {
        RESET();
        XT_OK(pws[f](&ta, &tr));
        XT_OK(pws[f](&ta, &ta));
        SAME_AS_REF(a);
      }
      pw_bwd_fn pbs[3] = {xent_sigmoid_backward, xent_log_sigmoid_backward,
                          xent_softplus_backward};
      for (int f = 0; f < 3; f++) {
        RESET();
        XT_OK(pbs[f](&ta, &tb, &tr));
        XT_OK(pbs[f](&ta, &tb, &tb));
        SAME_AS_REF(b);
        RESET();
        XT_OK(pbs[f](&ta, &tb, &ta));
        SAME_AS_REF(a);
      }
      RESET();
      XT_OK(xent_logit(&tc, 0.05, &tr));
      XT_OK(xent_logit(&tc, 0.05, &tc));
      SAME_AS_REF(c);
      RESET();
      XT_OK(xent_logit_backward(&tc, &tb, XENT_LOGIT_NO_EPS, &tr));
      XT_OK(xent_logit_backward(&tc, &tb, XENT_LOGIT_NO_EPS, &tb));
      SAME_AS_REF(b);
      RESET();
      XT_OK(xent_logit_backward(&tc, &tb, 0.2, &tr));
      XT_OK(xent_logit_backward(&tc, &tb, 0.2, &tc));
      SAME_AS_REF(c);
      (void)axis;
#undef RESET
#undef SAME_AS_REF
    }
  }
}
