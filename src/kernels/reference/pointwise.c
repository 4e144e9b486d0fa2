/*
 * Reference element-wise kernels. Each function picks the branch in which
 * exp() cannot overflow and no subtraction cancels; see xent.h for the odd
 * inputs.
 */
#include "../kernels.h"

#include <math.h>

double xent_ref_sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + exp(-x));
  double e = exp(x); /* also the NaN path */
  return e / (1.0 + e);
}

double xent_ref_log_sigmoid(double x) {
  if (x >= 0) return -log1p(exp(-x));
  return x - log1p(exp(x)); /* both terms <= 0: no cancellation */
}

double xent_ref_softplus(double x) {
  if (x > 0) return x + log1p(exp(-x));
  return log1p(exp(x));
}

double xent_ref_sigmoid_grad(double x) {
  /* sigmoid(x) sigmoid(-x) = e / (1 + e)^2 with e = exp(-|x|) <= 1 */
  double e = exp(-fabs(x));
  double d = 1.0 + e;
  return e / (d * d);
}

double xent_ref_log_sigmoid_grad(double x) {
  if (x >= 0) {
    double e = exp(-x);
    return e / (1.0 + e);
  }
  return 1.0 / (1.0 + exp(x)); /* also the NaN path */
}

double xent_ref_logit(double p) {
  if (!(p >= 0 && p <= 1)) return NAN; /* NaN or outside the domain */
  if (p == 0) return -INFINITY;
  if (p == 1) return INFINITY;
  if (p >= 0.5) {
    /* log(p / (1 - p)) = log1p((2p - 1) / (1 - p)); 2p - 1 and 1 - p are
     * exact here, so nothing cancels near p = 1/2. */
    return log1p((2.0 * p - 1.0) / (1.0 - p));
  }
  if (p >= 0.25) {
    /* = -log1p((1 - 2p) / p): 1 - 2p is exact, p needs no rounding, and the
     * log1p argument is positive. */
    return -log1p((1.0 - 2.0 * p) / p);
  }
  return log(p) - log1p(-p); /* |log p| > 1.38 > |log1p(-p)| */
}

long double xent_ref_sigmoid_l(double x) {
  if (x >= 0) return 1.0L / (1.0L + expl(-(long double)x));
  long double e = expl((long double)x);
  return e / (1.0L + e);
}

long double xent_ref_sigmoid_grad_l(double x) {
  long double e = expl(-fabsl((long double)x)), d = 1.0L + e;
  return e / (d * d);
}

long double xent_ref_log_sigmoid_grad_l(double x) { return xent_ref_sigmoid_l(-x); }
