/*
 * Reference cross-entropy kernels. Losses are sums of non-negative terms and
 * gradients avoid the cancellation of softmax - 1 on the dominant logit; see
 * the cross-entropy section of xent.h.
 */
#include "../kernels.h"

#include <math.h>

/* Log-probabilities and probabilities of a row without NaN, with softmax's
 * limit rules for infinite entries. Returns the tail sum s (softmax of the
 * first maximum is 1 / (1 + s)), or NaN when an infinity decided the row. */
static double log_probs(const double *x, int64_t n, xent_ref_rowmax r,
                        double *ls, double *p) {
  if (r.max == INFINITY) {
    double share = 1.0 / (double)r.n_posinf, log_share = -log((double)r.n_posinf);
    for (int64_t i = 0; i < n; i++) {
      int hot = x[i] == INFINITY;
      p[i] = hot ? share : 0.0;
      ls[i] = hot ? log_share : -INFINITY;
    }
    return NAN;
  }
  if (r.max == -INFINITY) {
    for (int64_t i = 0; i < n; i++) p[i] = 0.0, ls[i] = -INFINITY;
    return NAN;
  }
  double m = r.max;
  double s = xent_ref_tail_sum(x, n, r.argmax, m, p); /* p holds exp(x - m) */
  double log_denominator = log1p(s), denominator = 1.0 + s;
  for (int64_t i = 0; i < n; i++) {
    double d = x[i] - m;
    if (isfinite(d)) {
      double b = d - x[i];
      double err = (x[i] - (d - b)) + (-m - b); /* d + err == x_i - m */
      ls[i] = (d - log_denominator) + err;
    } else {
      ls[i] = d - log_denominator;
    }
    p[i] /= denominator;
  }
  return s;
}

double xent_ref_softmax_ce_row(const double *x, const double *u, double *g,
                               int64_t n, int tf_gradient, double *work) {
  if (n == 0) return 0.0;
  xent_ref_rowmax r = xent_ref_row_max(x, n);
  int has_nan = r.has_nan;
  for (int64_t i = 0; i < n && !has_nan; i++) has_nan = isnan(u[i]);
  if (has_nan) {
    if (g)
      for (int64_t i = 0; i < n; i++) g[i] = NAN;
    return NAN;
  }
  double *ls = work, *p = work + n;
  double s = log_probs(x, n, r, ls, p);

  xent_ref_sum loss = {0, 0}, total = {0, 0}, others = {0, 0};
  for (int64_t i = 0; i < n; i++) {
    if (u[i] != 0) xent_ref_sum_add(&loss, u[i] * -ls[i]);
    xent_ref_sum_add(&total, u[i]);
    if (i != r.argmax) xent_ref_sum_add(&others, u[i]);
  }
  if (g) {
    int64_t k = r.argmax;
    double uk = u[k];
    double t = tf_gradient ? 1.0 : xent_ref_sum_value(&total);
    for (int64_t i = 0; i < n; i++) g[i] = p[i] * t - u[i];
    if (!isnan(s)) {
      /* p_k T - u_k = ((T - u_k) - u_k s) / (1 + s), where T - u_k is summed
       * from the other targets (or is 1 - u_k), so nothing cancels when the
       * dominant logit is also the target. */
      double t_minus_uk = tf_gradient ? 1.0 - uk : xent_ref_sum_value(&others);
      g[k] = (t_minus_uk - uk * s) / (1.0 + s);
    }
  }
  return xent_ref_sum_value(&loss);
}

double xent_ref_sigmoid_ce(double x, double y, double pw, double *g) {
  double a = pw * y, b = 1.0 - y; /* coefficients of -log sigmoid(+-x) */
  double loss = 0.0, grad = 0.0;
  if (a != 0) {
    loss += a * xent_ref_softplus(-x);
    grad -= a * xent_ref_sigmoid(-x);
  }
  if (b != 0) {
    loss += b * xent_ref_softplus(x);
    grad += b * xent_ref_sigmoid(x);
  }
  if (g) *g = grad;
  return loss;
}
