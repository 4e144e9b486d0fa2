/*
 * Gradient checks: every backward pass, on f64 tensors, against a central
 * finite difference of the forward function, written here independently in
 * long double.
 *
 * For a row function f and upstream gradient dy, L(x) = sum_i dy_i f(x)_i and
 *
 *   fd_j = (L(x + h e_j) - L(x - h e_j)) / (2h)
 *        = sum_i dy_i (f_i(x + h e_j) - f_i(x - h e_j)) / (2h),
 *
 * which must match xent's dx_j. For softmax and log_softmax the backward
 * takes the forward OUTPUT y, which is computed with xent in f64 (its
 * rounding moves dx by about 1e-16 relative, far below the tolerance).
 *
 * Step. With e = LDBL_EPSILON (2^-63 for x87 long double), the rounding error
 * of each f_i is a few e |f_i|, so the difference quotient carries about
 * e |f| / h, while the truncation error of the central difference is
 * h^2 |f'''| / 6. Both are about e^(2/3) times the scale of the problem when
 * h = e^(1/3) (2^-21 here): that is the step, as a power of two so that
 * x +- h is exact in long double. logit's derivative varies on the scale
 * s = min(p, 1 - p), so its step is h s (s rounded down to a power of two).
 *
 * Tolerance. |dx_j - fd_j| <= 64 e^(2/3) (|fd_j| + A_j) (1.5e-11 (|fd| + A)
 * for x87 long double), where A_j = sum_i |dy_i| (1 + |f_i(x)|) / s_j bounds
 * both the rounding term (e |f| / h) and the truncation term (the third
 * derivatives of these functions are bounded by a small multiple of
 * sum |dy_i| / s^2) in units of e^(2/3); the factor 64 covers the few
 * roundings in each long double f_i and the constants of the truncation
 * term, with a margin of more than 10. xent's own f64 error, a few ulps of a
 * scale no larger than A_j (the accuracy bounds of xent.h), is below 1e-15 A_j.
 * A wrong formula, a wrong sign, a missing term or a wrong row/axis gives an
 * error of order |dx| itself and fails by orders of magnitude.
 */
#include "harness.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Step and tolerance                                                       */
/* ------------------------------------------------------------------------ */

/* h = e^(1/3) rounded to a power of two, e = LDBL_EPSILON. */
static long double fd_step(void) {
  return ldexpl(1.0L, (int)lroundl(log2l(LDBL_EPSILON) / 3));
}

/* 64 e^(2/3): see the comment at the top. Where long double is much wider
 * than x87's (IEEE quad on AArch64: 64 e^(2/3) is about 2e-21), the finite
 * difference is far more accurate than xent's f64 result itself, whose error
 * (a few ulps of a scale no larger than |fd| + A, with y computed by xent in
 * f64) then dominates: the tolerance never goes below 16 DBL_EPSILON
 * (3.6e-15), which leaves x87's value unchanged. */
static long double fd_tolerance(void) {
  return fmaxl(64 * powl(LDBL_EPSILON, 2.0L / 3), 16 * (long double)DBL_EPSILON);
}

/* Largest ratio |dx - fd| / (|fd| + A) seen in a test, for the report. */
typedef struct {
  const char *name;
  long double worst;
  long checked;
} grad_tally;

/* Checks one component and records it. */
static void grad_check(grad_tally *t, double dx, long double fd, long double a,
                       const char *where, long long index) {
  long double err = fabsl((long double)dx - fd);
  long double ratio = err / (fabsl(fd) + a);
  if (!(ratio <= t->worst)) t->worst = ratio; /* NaN sticks */
  t->checked++;
  XT_CHECK_MSG(ratio <= fd_tolerance(),
               "%s %s, element %lld: dx = %.17g, finite difference %.17Lg "
               "(|dx - fd| / (|fd| + A) = %.3Lg, tolerance %.3Lg)",
               t->name, where, index, dx, fd, ratio, fd_tolerance());
}

static void grad_report(const grad_tally *t) {
  printf("  gradcheck %s: max |dx - fd| / (|fd| + A) = %.2Lg (tolerance %.2Lg; %ld "
         "components)\n",
         t->name, t->worst, fd_tolerance(), t->checked);
  XT_CHECK(t->checked > 0);
}

/* ------------------------------------------------------------------------ */
/* Forward functions in long double, written from the formulas              */
/* ------------------------------------------------------------------------ */

static long double row_max(const long double *x, int64_t n) {
  long double m = x[0];
  for (int64_t i = 1; i < n; i++)
    if (x[i] > m) m = x[i];
  return m;
}

/* softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m) */
static void ld_softmax(const long double *x, int64_t n, long double *y) {
  long double m = row_max(x, n), s = 0;
  for (int64_t i = 0; i < n; i++) s += expl(x[i] - m);
  for (int64_t i = 0; i < n; i++) y[i] = expl(x[i] - m) / s;
}

/* log_softmax(x)_i = (x_i - m) - log sum_j exp(x_j - m) */
static void ld_log_softmax(const long double *x, int64_t n, long double *y) {
  long double m = row_max(x, n), s = 0;
  for (int64_t i = 0; i < n; i++) s += expl(x[i] - m);
  long double ls = logl(s);
  for (int64_t i = 0; i < n; i++) y[i] = (x[i] - m) - ls;
}

/* logsumexp(x) = m + log sum_j exp(x_j - m) */
static long double ld_logsumexp(const long double *x, int64_t n) {
  long double m = row_max(x, n), s = 0;
  for (int64_t i = 0; i < n; i++) s += expl(x[i] - m);
  return m + logl(s);
}

static long double ld_sigmoid(long double x) {
  if (x >= 0) return 1 / (1 + expl(-x));
  long double e = expl(x);
  return e / (1 + e);
}

/* log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)) */
static long double ld_softplus(long double x) {
  return (x > 0 ? x : 0) + log1pl(expl(-fabsl(x)));
}

static long double ld_log_sigmoid(long double x) { return -ld_softplus(-x); }

/* log(p / (1 - p)) after the clamp to [lo, hi] when `clamp` is set. */
static long double ld_logit(long double p, int clamp, long double lo, long double hi) {
  if (clamp) p = p < lo ? lo : (p > hi ? hi : p);
  return logl(p) - log1pl(-p);
}

/* ------------------------------------------------------------------------ */
/* Tensors and rows                                                         */
/* ------------------------------------------------------------------------ */

typedef struct {
  int rank;
  int64_t shape[3];
  int axis;
} layout;

/* Rank-2 and rank-3 C-order tensors, the class axis first, in the middle and
 * last; the short shapes check rows of length 1 and 2. */
static const layout layouts[] = {
    {2, {5, 7, 0}, 0}, {2, {5, 7, 0}, -1}, {3, {3, 4, 6}, 0}, {3, {3, 4, 6}, 1},
    {3, {3, 4, 6}, -1}, {2, {3, 1, 0}, -1}, {2, {2, 3, 0}, 0},
};
#define N_LAYOUTS ((int)(sizeof layouts / sizeof layouts[0]))

/* A row along the axis: element k of row (o, in) is at (o * len + k) * inner
 * + in in C order; the reduced tensor holds the row's scalar at o * inner +
 * in. */
typedef struct {
  int64_t outer, len, inner, numel;
} geom;

static geom geom_of(const layout *l) {
  int a = l->axis < 0 ? l->axis + l->rank : l->axis;
  geom g = {1, l->shape[a], 1, 1};
  for (int d = 0; d < a; d++) g.outer *= l->shape[d];
  for (int d = a + 1; d < l->rank; d++) g.inner *= l->shape[d];
  g.numel = g.outer * g.len * g.inner;
  return g;
}

static xent_tensor_t make_tensor(double *data, const layout *l) {
  xent_tensor_t t;
  XT_OK(xent_tensor_init(&t, data, XENT_F64, l->rank, l->shape, NULL));
  return t;
}

/* The tensor of one value per row: the shape without the axis. */
static xent_tensor_t make_reduced(double *data, const layout *l) {
  int a = l->axis < 0 ? l->axis + l->rank : l->axis;
  int64_t shape[3];
  int r = 0;
  for (int d = 0; d < l->rank; d++)
    if (d != a) shape[r++] = l->shape[d];
  xent_tensor_t t;
  XT_OK(xent_tensor_init(&t, data, XENT_F64, r, shape, NULL));
  return t;
}

/* ------------------------------------------------------------------------ */
/* softmax, log_softmax, logsumexp                                          */
/* ------------------------------------------------------------------------ */

enum { G_SOFTMAX, G_LOG_SOFTMAX, G_LOGSUMEXP };

/* f(x) for one row: n values, or one (logsumexp). */
static void row_forward(int which, const long double *x, int64_t n, long double *f) {
  if (which == G_SOFTMAX) ld_softmax(x, n, f);
  if (which == G_LOG_SOFTMAX) ld_log_softmax(x, n, f);
  if (which == G_LOGSUMEXP) f[0] = ld_logsumexp(x, n);
}

static void check_normalizer_grad(int which, const char *name) {
  grad_tally t = {name, 0, 0};
  xt_rng rng = {0x6ead0000u + (unsigned)which};
  const long double h = fd_step();
  for (int li = 0; li < N_LAYOUTS; li++) {
    const layout *l = &layouts[li];
    geom g = geom_of(l);
    for (int rep = 0; rep < 3; rep++) {
      const double scale = rep == 0 ? 1 : rep == 1 ? 4 : 12;
      size_t bytes = (size_t)g.numel * sizeof(double);
      double *x = malloc(bytes), *y = malloc(bytes), *dy = malloc(bytes),
             *dx = malloc(bytes);
      double *dout = malloc((size_t)(g.outer * g.inner) * sizeof(double));
      for (int64_t i = 0; i < g.numel; i++) {
        x[i] = scale * xt_normal(&rng);
        dy[i] = xt_normal(&rng);
      }
      for (int64_t i = 0; i < g.outer * g.inner; i++) dout[i] = 2 * xt_normal(&rng);
      xent_tensor_t tx = make_tensor(x, l), ty = make_tensor(y, l);
      xent_tensor_t tdy = make_tensor(dy, l), tdx = make_tensor(dx, l);
      xent_tensor_t tdout = make_reduced(dout, l);
      if (which == G_SOFTMAX) {
        XT_OK(xent_softmax(&tx, l->axis, &ty));
        XT_OK(xent_softmax_backward(&ty, &tdy, l->axis, &tdx));
      } else if (which == G_LOG_SOFTMAX) {
        XT_OK(xent_log_softmax(&tx, l->axis, &ty));
        XT_OK(xent_log_softmax_backward(&ty, &tdy, l->axis, &tdx));
      } else {
        XT_OK(xent_logsumexp_backward(&tx, &tdout, l->axis, &tdx));
      }

      int64_t n = g.len;
      long double *xr = malloc((size_t)n * sizeof *xr), *wr = malloc((size_t)n * sizeof *wr);
      long double *f0 = malloc((size_t)n * sizeof *f0), *fp = malloc((size_t)n * sizeof *fp),
                  *fm = malloc((size_t)n * sizeof *fm);
      int nf = which == G_LOGSUMEXP ? 1 : (int)n; /* outputs per row */
      char where[96];
      for (int64_t o = 0; o < g.outer; o++) {
        for (int64_t in = 0; in < g.inner; in++) {
          for (int64_t k = 0; k < n; k++) {
            int64_t idx = (o * n + k) * g.inner + in;
            xr[k] = x[idx];
            wr[k] = which == G_LOGSUMEXP ? (k == 0 ? dout[o * g.inner + in] : 0) : dy[idx];
          }
          row_forward(which, xr, n, f0);
          long double a = 0; /* A = sum |dy_i| (1 + |f_i|) */
          for (int i = 0; i < nf; i++) a += fabsl(wr[i]) * (1 + fabsl(f0[i]));
          for (int64_t j = 0; j < n; j++) {
            long double xj = xr[j];
            xr[j] = xj + h;
            long double up = xr[j];
            row_forward(which, xr, n, fp);
            xr[j] = xj - h;
            long double down = xr[j];
            row_forward(which, xr, n, fm);
            xr[j] = xj;
            long double sum = 0;
            for (int i = 0; i < nf; i++) sum += wr[i] * (fp[i] - fm[i]);
            long double fd = sum / (up - down);
            snprintf(where, sizeof where, "shape %s axis %d row (%lld, %lld)",
                     l->rank == 2 ? "rank 2" : "rank 3", l->axis, (long long)o,
                     (long long)in);
            grad_check(&t, dx[(o * n + j) * g.inner + in], fd, a, where, (long long)j);
          }
        }
      }
      free(xr);
      free(wr);
      free(f0);
      free(fp);
      free(fm);
      free(x);
      free(y);
      free(dy);
      free(dx);
      free(dout);
    }
  }
  grad_report(&t);
}

void test_gradcheck_softmax_backward(void) {
  check_normalizer_grad(G_SOFTMAX, "softmax_backward");
}
void test_gradcheck_log_softmax_backward(void) {
  check_normalizer_grad(G_LOG_SOFTMAX, "log_softmax_backward");
}
void test_gradcheck_logsumexp_backward(void) {
  check_normalizer_grad(G_LOGSUMEXP, "logsumexp_backward");
}

/* ------------------------------------------------------------------------ */
/* Element-wise functions                                                   */
/* ------------------------------------------------------------------------ */

enum { P_SIGMOID, P_LOG_SIGMOID, P_SOFTPLUS, P_LOGIT };

static long double pw_forward(int fn, long double x, int clamp, long double lo,
                              long double hi) {
  switch (fn) {
  case P_SIGMOID: return ld_sigmoid(x);
  case P_LOG_SIGMOID: return ld_log_sigmoid(x);
  case P_SOFTPLUS: return ld_softplus(x);
  default: return ld_logit(x, clamp, lo, hi);
  }
}

static void check_pointwise_grad(int fn, int with_eps, const char *name) {
  grad_tally t = {name, 0, 0};
  xt_rng rng = {0x9017000u + (unsigned)(fn * 2 + with_eps)};
  const long double h = fd_step();
  const layout l = {3, {4, 5, 6}, -1}; /* the layout does not matter here */
  const double eps_list[] = {1e-3, 0.1, 0.3};
  const int n_eps = with_eps ? 3 : 1;
  for (int ei = 0; ei < n_eps; ei++) {
    double eps = with_eps ? eps_list[ei] : XENT_LOGIT_NO_EPS;
    long double lo = eps, hi = 1.0 - eps; /* 1 - eps rounded to f64 */
    for (int rep = 0; rep < 3; rep++) {
      geom g = geom_of(&l);
      size_t bytes = (size_t)g.numel * sizeof(double);
      double *x = malloc(bytes), *dy = malloc(bytes), *dx = malloc(bytes);
      for (int64_t i = 0; i < g.numel; i++) {
        if (fn != P_LOGIT) {
          x[i] = (rep + 1) * 3 * xt_normal(&rng); /* |x| up to about 30 */
        } else if (i % 3 == 0 || rep == 0) {
          x[i] = xt_uniform(&rng, 0, 1);
          if (x[i] == 0) x[i] = 0.5;
        } else if (i % 3 == 1) {
          x[i] = pow(10, -xt_uniform(&rng, 1, 10)); /* small p */
        } else {
          x[i] = 1 - pow(10, -xt_uniform(&rng, 1, 10)); /* p near 1 */
        }
        dy[i] = xt_normal(&rng);
      }
      xent_tensor_t tx = make_tensor(x, &l), tdy = make_tensor(dy, &l),
                    tdx = make_tensor(dx, &l);
      switch (fn) {
      case P_SIGMOID: XT_OK(xent_sigmoid_backward(&tx, &tdy, &tdx)); break;
      case P_LOG_SIGMOID: XT_OK(xent_log_sigmoid_backward(&tx, &tdy, &tdx)); break;
      case P_SOFTPLUS: XT_OK(xent_softplus_backward(&tx, &tdy, &tdx)); break;
      default: XT_OK(xent_logit_backward(&tx, &tdy, eps, &tdx)); break;
      }
      char where[96];
      for (int64_t i = 0; i < g.numel; i++) {
        long double xi = x[i], s = 1;
        if (fn == P_LOGIT) { /* step on the scale of min(p, 1 - p) */
          long double d = xi < 0.5L ? xi : 1 - xi;
          s = ldexpl(1.0L, ilogbl(d));
        }
        long double up = xi + h * s, down = xi - h * s;
        /* The clamped logit has kinks at lo and hi: no derivative there. */
        if (with_eps && ((down <= lo && lo <= up) || (down <= hi && hi <= up))) continue;
        long double fp = pw_forward(fn, up, with_eps, lo, hi);
        long double fm = pw_forward(fn, down, with_eps, lo, hi);
        long double fd = dy[i] * (fp - fm) / (up - down);
        long double a = fabsl(dy[i]) * (1 + fabsl(pw_forward(fn, xi, with_eps, lo, hi))) / s;
        snprintf(where, sizeof where, "eps %g, x = %.17g, dy = %.17g",
                 with_eps ? eps : -1.0, x[i], dy[i]);
        grad_check(&t, dx[i], fd, a, where, (long long)i);
      }
      free(x);
      free(dy);
      free(dx);
    }
  }
  grad_report(&t);
}

void test_gradcheck_sigmoid_backward(void) {
  check_pointwise_grad(P_SIGMOID, 0, "sigmoid_backward");
}
void test_gradcheck_log_sigmoid_backward(void) {
  check_pointwise_grad(P_LOG_SIGMOID, 0, "log_sigmoid_backward");
}
void test_gradcheck_softplus_backward(void) {
  check_pointwise_grad(P_SOFTPLUS, 0, "softplus_backward");
}
void test_gradcheck_logit_backward(void) {
  check_pointwise_grad(P_LOGIT, 0, "logit_backward");
}
void test_gradcheck_logit_backward_eps(void) {
  check_pointwise_grad(P_LOGIT, 1, "logit_backward (eps)");
}
