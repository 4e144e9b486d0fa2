/*
 * Reference kernels for softmax, log_softmax and logsumexp over one row of
 * doubles, and their backward passes. See xent.h for the formulas and the
 * rules for non-finite rows; the comments here say why each step is written
 * the way it is.
 */
#include "../kernels.h"

#include <math.h>
#include <stddef.h>

xent_ref_rowmax xent_ref_row_max(const double *x, int64_t n) {
  xent_ref_rowmax r = {0, -INFINITY, 0, 0};
  for (int64_t i = 0; i < n; i++) {
    double v = x[i];
    if (isnan(v)) {
      r.has_nan = 1;
      continue;
    }
    if (v > r.max) { /* strict: the first of equal maxima wins */
      r.max = v;
      r.argmax = i;
    }
    if (v == INFINITY) r.n_posinf++;
  }
  return r;
}

double xent_ref_exp_shifted(double x, double m) {
  double d = x - m;
  if (!isfinite(d)) return exp(d);
  /* Knuth's TwoSum: d + err == x - m exactly. */
  double b = d - x;
  double err = (x - (d - b)) + (-m - b);
  double e = exp(d);
  return e + e * err; /* exp(d + err) to first order; |err| <= ulp(d)/2 */
}

double xent_ref_tail_sum(const double *x, int64_t n, int64_t k, double m,
                         double *e) {
  xent_ref_sum s = {0, 0};
  for (int64_t i = 0; i < n; i++) {
    if (i == k) continue;
    double v = xent_ref_exp_shifted(x[i], m);
    xent_ref_sum_add(&s, v);
    if (e) e[i] = v;
  }
  if (e) e[k] = 1.0;
  return xent_ref_sum_value(&s);
}

static void fill(double *y, int64_t n, double v) {
  for (int64_t i = 0; i < n; i++) y[i] = v;
}

void xent_ref_softmax_row(const double *x, double *y, int64_t n) {
  if (n == 0) return;
  xent_ref_rowmax r = xent_ref_row_max(x, n);
  if (r.has_nan) {
    fill(y, n, NAN);
  } else if (r.max == INFINITY) { /* the +inf entries share the mass */
    double share = 1.0 / (double)r.n_posinf;
    for (int64_t i = 0; i < n; i++) y[i] = x[i] == INFINITY ? share : 0.0;
  } else if (r.max == -INFINITY) { /* fully masked row */
    fill(y, n, 0.0);
  } else {
    double s = xent_ref_tail_sum(x, n, r.argmax, r.max, y);
    double denom = 1.0 + s;
    for (int64_t i = 0; i < n; i++) y[i] /= denom;
  }
}

void xent_ref_log_softmax_row(const double *x, double *y, int64_t n) {
  if (n == 0) return;
  xent_ref_rowmax r = xent_ref_row_max(x, n);
  if (r.has_nan) {
    fill(y, n, NAN);
  } else if (r.max == INFINITY) {
    double share = -log((double)r.n_posinf);
    for (int64_t i = 0; i < n; i++) y[i] = x[i] == INFINITY ? share : -INFINITY;
  } else if (r.max == -INFINITY) {
    fill(y, n, -INFINITY);
  } else {
    double m = r.max;
    double lse_tail = log1p(xent_ref_tail_sum(x, n, r.argmax, m, 0));
    for (int64_t i = 0; i < n; i++) {
      double xi = x[i];
      double d = xi - m;
      if (!isfinite(d)) {
        y[i] = d - lse_tail;
        continue;
      }
      double b = d - xi;
      double err = (xi - (d - b)) + (-m - b); /* d + err == x_i - m */
      /* d <= 0 and lse_tail >= 0: the subtraction cannot cancel. */
      y[i] = (d - lse_tail) + err;
    }
  }
}

double xent_ref_logsumexp_row(const double *x, int64_t n) {
  if (n == 0) return -INFINITY;
  xent_ref_rowmax r = xent_ref_row_max(x, n);
  if (r.has_nan) return NAN;
  if (r.max == INFINITY || r.max == -INFINITY) return r.max;
  return r.max + log1p(xent_ref_tail_sum(x, n, r.argmax, r.max, 0));
}

void xent_ref_softmax_backward_row(const double *y, const double *dy, double *dx,
                                   int64_t n) {
  xent_ref_sum dot = {0, 0};
  for (int64_t i = 0; i < n; i++) xent_ref_sum_add(&dot, y[i] * dy[i]);
  double d = xent_ref_sum_value(&dot);
  for (int64_t i = 0; i < n; i++) dx[i] = y[i] * (dy[i] - d);
}

/* Below this, exp() of a log-probability is subnormal and has lost bits that
 * a large factor would expose; such terms are formed in long double. */
#define TINY_LOG (-700.0)

void xent_ref_log_softmax_backward_row(const double *y, const double *dy,
                                       double *dx, int64_t n) {
  xent_ref_sum total = {0, 0};
  int has_nan = 0;
  for (int64_t i = 0; i < n; i++) {
    xent_ref_sum_add(&total, dy[i]);
    has_nan |= isnan(y[i]);
  }
  double s = has_nan ? NAN : xent_ref_sum_value(&total);
  for (int64_t i = 0; i < n; i++)
    dx[i] = y[i] < TINY_LOG ? (double)(dy[i] - expl(y[i]) * s) : dy[i] - exp(y[i]) * s;
}

void xent_ref_logsumexp_backward_row(const double *x, double dout, double *dx,
                                     int64_t n) {
  if (n == 0) return;
  xent_ref_rowmax r = xent_ref_row_max(x, n);
  if (r.has_nan || isinf(r.max)) { /* softmax's rules for odd rows */
    xent_ref_softmax_row(x, dx, n);
    for (int64_t i = 0; i < n; i++) dx[i] *= dout;
    return;
  }
  double m = r.max, denom = 1.0 + xent_ref_tail_sum(x, n, r.argmax, m, NULL);
  for (int64_t i = 0; i < n; i++) {
    double d = x[i] - m;
    if (d < TINY_LOG) /* subnormal probability: keep its bits through the product */
      dx[i] = (double)(expl((long double)x[i] - m) / denom * dout);
    else
      dx[i] = xent_ref_exp_shifted(x[i], m) / denom * dout;
  }
}
