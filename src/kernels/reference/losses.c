/*
 * Reference kernels for the losses on probabilities, the focal losses, and
 * Kullback-Leibler / distillation (see the section "Losses on probabilities,
 * focal, regression, segmentation, distillation" of xent.h for the formulas
 * and the peers they reproduce). Every kernel is a pure function of its
 * arguments (the loss frame calls them from several threads).
 *
 * Where a peer clips or renormalises, the kernel does the same; what it does
 * differently is only how it evaluates the result: 1 - r is taken from the
 * sum of the OTHER entries rather than by subtraction, and logs of numbers
 * near 1 go through log1p, so a confident prediction keeps its small loss.
 */
#include "../kernels.h"

#include <math.h>

/* ---- helpers ---- */

/* Keras's clip, tf.clip_by_value: NaN passes through; *inside is 1 where
 * the gradient passes (lo <= p <= hi, ends included). */
static double clip(double p, double lo, double hi, int *inside) {
  if (p < lo) return *inside = 0, lo;
  if (p > hi) return *inside = 0, hi;
  *inside = 1;
  return p;
}

/* log(v) for v > 0, through log1p near 1 (v - 1 is exact there). */
static double log_near1(double v) {
  return v >= 0.5 && v <= 2.0 ? log1p(v - 1.0) : log(v);
}

/* a * b, but 0 when either factor is 0 (never 0 * inf). */
static double mul_nz(double a, double b) { return a == 0 || b == 0 ? 0.0 : a * b; }

/* d/dm m^gamma = gamma m^(gamma - 1), with its limits at m = 0. */
static double pow_deriv(double m, double gamma) {
  if (gamma == 0) return 0.0;
  if (m == 0) return gamma < 1 ? INFINITY : gamma == 1 ? 1.0 : 0.0;
  return gamma * pow(m, gamma - 1);
}

/* m^gamma with 0^0 = 1 (C's pow already gives that). */
static double power(double m, double gamma) { return gamma == 0 ? 1.0 : pow(m, gamma); }

/* A compensated sum kept as two doubles, and hi + lo - v with little
 * cancellation (the sum of the other terms when v is one of them). */
typedef struct {
  double hi, lo;
} dd;

static dd dd_sum(const double *v, int64_t n) {
  xent_ref_sum s = {0, 0};
  for (int64_t i = 0; i < n; i++) xent_ref_sum_add(&s, v[i]);
  dd r = {xent_ref_sum_value(&s), 0};
  if (isfinite(r.hi)) r.lo = (s.sum - r.hi) + s.comp; /* what rounding hi lost */
  return r;
}

static double dd_minus(dd s, double v) { return (s.hi - v) + s.lo; }

/* ---- binary cross-entropy of one probability ---- */

double xent_ref_bce_keras(double p, double y, double lo, double hi, double *g) {
  if (isnan(p) || isnan(y)) {
    if (g) *g = NAN;
    return NAN;
  }
  int inside;
  double c = clip(p, lo, hi, &inside);
  double loss = 0, grad = 0;
  if (y != 0) {
    loss -= y * log(c);
    grad -= y / c;
  }
  if (1 - y != 0) {
    loss -= (1 - y) * log1p(-c);
    grad += (1 - y) / (1 - c);
  }
  if (g) *g = inside ? grad : 0.0;
  return loss;
}

double xent_ref_bce_torch(double p, double y, double *g) {
  /* (y - 1) max(log(1 - p), -100) - y max(log p, -100), each log clamped as
   * PyTorch's kernel does; the products are always formed (the clamp keeps
   * them finite). PyTorch's backward is w (p - y) / max(p (1 - p), 1e-12f),
   * not the derivative of the clamped logs: xent returns the same. */
  double l1 = log1p(-p), l0 = log(p);
  if (l1 < -100) l1 = -100;
  if (l0 < -100) l0 = -100;
  double loss = (y - 1) * l1 - y * l0;
  if (g) {
    double d = p * (1 - p);
    const double floor_ = (double)1e-12f;
    *g = (p - y) / (d > floor_ ? d : floor_);
    if (isnan(d)) *g = NAN;
  }
  return loss;
}

double xent_ref_bce_tf_v1(double p, double y, double eps, double *g) {
  if (isnan(p) || isnan(y)) {
    if (g) *g = NAN;
    return NAN;
  }
  double loss = 0, grad = 0;
  if (y != 0) {
    /* log(p + eps); near 1 as log1p((p - 1) + eps) with p - 1 exact */
    double a = p + eps;
    double la = a >= 0.5 && a <= 2.0 ? log1p((p - 1.0) + eps) : log(a);
    loss -= y * la;
    grad -= y / a;
  }
  if (1 - y != 0) {
    /* log((1 - p) + eps); for p < 1/2 as log1p(eps - p) */
    double b = (1.0 - p) + eps;
    double lb = p < 0.5 && p > -0.5 ? log1p(eps - p) : log(b);
    loss -= (1 - y) * lb;
    grad += (1 - y) / b;
  }
  if (g) *g = grad;
  return loss;
}

/* ---- Keras categorical cross-entropy of a probability row ---- */

double xent_ref_cce_prob_row(const double *p, const double *u, double *g, int64_t n,
                             double lo, double hi, double *work) {
  (void)work;
  if (n == 0) return 0.0;
  int bad = 0;
  for (int64_t i = 0; i < n; i++) bad |= isnan(p[i]) || isnan(u[i]);
  dd s = dd_sum(p, n);
  if (!bad)
    for (int64_t i = 0; i < n; i++) bad |= isnan(p[i] / s.hi); /* 0/0, inf/inf */
  if (bad) {
    if (g)
      for (int64_t i = 0; i < n; i++) g[i] = NAN;
    return NAN;
  }
  int regular = s.hi != 0 && isfinite(s.hi);
  /* loss = sum_c u_c * -log(clip(p_c / S)) */
  xent_ref_sum loss = {0, 0}, live = {0, 0};
  for (int64_t c = 0; c < n; c++) {
    int inside;
    double r = clip(p[c] / s.hi, lo, hi, &inside);
    if (inside) xent_ref_sum_add(&live, u[c]);
    if (u[c] == 0) continue;
    double nl;
    if (inside && regular && r >= 0.5)
      nl = -log1p(-(dd_minus(s, p[c]) / s.hi)); /* 1 - r from the other entries */
    else
      nl = -log_near1(r);
    xent_ref_sum_add(&loss, u[c] * nl);
  }
  if (g) {
    /* dL/dp_k = -u_k a_k / p_k + U / S, U = sum_c u_c a_c (a: clip passes).
     * For a passing k: (U_k' p_k - u_k R_k) / (p_k S), where U_k' = U - u_k
     * and R_k = S - p_k: no cancellation on the dominant entry. */
    dd U = {xent_ref_sum_value(&live), 0};
    U.lo = isfinite(U.hi) ? (live.sum - U.hi) + live.comp : 0;
    for (int64_t k = 0; k < n; k++) {
      int inside;
      clip(p[k] / s.hi, lo, hi, &inside);
      if (!regular) {
        g[k] = NAN;
      } else if (inside) {
        double others = dd_minus(U, u[k]), rest = dd_minus(s, p[k]);
        g[k] = (mul_nz(others, p[k]) - mul_nz(u[k], rest)) / (p[k] * s.hi);
      } else {
        g[k] = U.hi / s.hi;
      }
    }
  }
  return xent_ref_sum_value(&loss);
}

/* ---- Keras sparse categorical cross-entropy of a probability row ---- */

double xent_ref_scce_prob_row(const double *p, const double *u, double *g, int64_t n,
                              double lo, double hi, double *work) {
  if (n == 0) return 0.0;
  double *c = work; /* the clipped row */
  int bad = 0;
  for (int64_t i = 0; i < n; i++) bad |= isnan(p[i]) || isnan(u[i]);
  if (bad) {
    if (g)
      for (int64_t i = 0; i < n; i++) g[i] = NAN;
    return NAN;
  }
  for (int64_t i = 0; i < n; i++) {
    int inside;
    c[i] = clip(p[i], lo, hi, &inside);
  }
  /* Keras takes log(clip(p)) as logits: -log_softmax = log(S' / p'_c)
   * = log1p(R'_c / p'_c), R'_c = S' - p'_c the sum of the other entries. */
  dd s = dd_sum(c, n);
  xent_ref_sum loss = {0, 0}, total = {0, 0};
  for (int64_t i = 0; i < n; i++) {
    xent_ref_sum_add(&total, u[i]);
    if (u[i] == 0) continue;
    double rest = dd_minus(s, c[i]);
    double nl = rest >= 0 ? log1p(rest / c[i]) : log(s.hi / c[i]);
    xent_ref_sum_add(&loss, u[i] * nl);
  }
  if (g) {
    /* dL/dp_k = a_k (U / S' - u_k / p'_k) = a_k (U_k' p'_k - u_k R'_k) / (p'_k S') */
    dd U = {xent_ref_sum_value(&total), 0};
    U.lo = isfinite(U.hi) ? (total.sum - U.hi) + total.comp : 0;
    for (int64_t k = 0; k < n; k++) {
      int inside;
      clip(p[k], lo, hi, &inside);
      if (!inside) {
        g[k] = 0.0;
        continue;
      }
      double others = dd_minus(U, u[k]), rest = dd_minus(s, c[k]);
      g[k] = (mul_nz(others, c[k]) - mul_nz(u[k], rest)) / (c[k] * s.hi);
    }
  }
  return xent_ref_sum_value(&loss);
}

/* ---- Keras binary focal cross-entropy of one element ---- */

double xent_ref_binary_focal(double x, double y, int from_logits, double gamma,
                             double weight, double lo, double hi, double *g) {
  if (isnan(x) || isnan(y)) {
    if (g) *g = NAN;
    return NAN;
  }
  /* p and q = 1 - p, both accurate (from logits: sigmoid(+-x)) */
  double p = from_logits ? xent_ref_sigmoid(x) : x;
  double q = from_logits ? xent_ref_sigmoid(-x) : 1.0 - x;
  double bce, gb; /* bce and its derivative with respect to the input */
  if (from_logits) {
    /* the exact sigmoid cross-entropy from the logit, no clip: Keras's
     * sigmoid output carries its logits, which binary_crossentropy uses */
    bce = xent_ref_sigmoid_ce(x, y, 1.0, &gb);
  } else {
    bce = xent_ref_bce_keras(p, y, lo, hi, &gb);
  }
  /* 1 - p_t = y q + (1 - y) p */
  double m = mul_nz(y, q) + mul_nz(1 - y, p);
  double f = power(m, gamma);
  double loss = weight * mul_nz(f, bce);
  if (g) {
    /* d(1 - p_t)/dp = 1 - 2y; times p q for a logit */
    double dm = 1 - 2 * y;
    if (from_logits) dm = mul_nz(dm, xent_ref_sigmoid_grad(x));
    double df = mul_nz(pow_deriv(m, gamma), dm);
    *g = weight * (mul_nz(df, bce) + mul_nz(f, gb));
  }
  return loss;
}

/* ---- Keras categorical focal cross-entropy of a row ---- */

double xent_ref_categorical_focal_row(const double *x, const double *u, double *g,
                                      int64_t n, int from_logits, double gamma,
                                      double lo, double hi, double *work) {
  if (n == 0) return 0.0;
  double *p = work, *gr = work + n; /* probabilities; dL/dr */
  int bad = 0;
  for (int64_t i = 0; i < n; i++) bad |= isnan(x[i]) || isnan(u[i]);
  if (from_logits && !bad) {
    xent_ref_softmax_row(x, p, n);
  } else {
    for (int64_t i = 0; i < n; i++) p[i] = x[i];
  }
  dd s = dd_sum(p, n);
  if (!bad)
    for (int64_t i = 0; i < n; i++) bad |= isnan(p[i] / s.hi);
  if (bad) {
    if (g)
      for (int64_t i = 0; i < n; i++) g[i] = NAN;
    return NAN;
  }
  int regular = s.hi != 0 && isfinite(s.hi);
  xent_ref_sum loss = {0, 0};
  for (int64_t c = 0; c < n; c++) {
    int inside;
    double r = clip(p[c] / s.hi, lo, hi, &inside);
    /* m = 1 - r' and -log r', from the other entries near r = 1 */
    double m, nl;
    if (inside && regular && r >= 0.5) {
      m = dd_minus(s, p[c]) / s.hi;
      nl = -log1p(-m);
    } else {
      m = 1.0 - r;
      nl = -log_near1(r);
    }
    double f = power(m, gamma);
    if (u[c] != 0) xent_ref_sum_add(&loss, u[c] * mul_nz(f, nl));
    /* d/dr' [m^gamma (-log r')] = -gamma m^(gamma-1) (-log r') - m^gamma / r' */
    gr[c] = inside && u[c] != 0
                ? u[c] * (-mul_nz(pow_deriv(m, gamma), nl) - f / r)
                : 0.0;
  }
  if (g) {
    /* r = p / S: dL/dp_k = (gr_k - sum_c gr_c r_c) / S */
    xent_ref_sum dot = {0, 0};
    for (int64_t c = 0; c < n; c++)
      if (gr[c] != 0) xent_ref_sum_add(&dot, gr[c] * (p[c] / s.hi));
    double d = xent_ref_sum_value(&dot);
    for (int64_t k = 0; k < n; k++) g[k] = regular ? (gr[k] - d) / s.hi : NAN;
    if (from_logits && regular) {
      /* through the softmax: dx_k = p_k (G_k - sum_c p_c G_c) */
      xent_ref_sum pd = {0, 0};
      for (int64_t c = 0; c < n; c++) xent_ref_sum_add(&pd, mul_nz(p[c], g[c]));
      double e = xent_ref_sum_value(&pd);
      for (int64_t k = 0; k < n; k++) g[k] = mul_nz(p[k], g[k] - e);
    }
  }
  return xent_ref_sum_value(&loss);
}

/* ---- Kullback-Leibler divergence and distillation ---- */

double xent_ref_kl_row(const double *p, const double *y, double *g, int64_t n,
                       double lo) {
  int bad = 0;
  for (int64_t i = 0; i < n; i++) bad |= isnan(p[i]) || isnan(y[i]);
  if (bad) {
    if (g)
      for (int64_t i = 0; i < n; i++) g[i] = NAN;
    return NAN;
  }
  xent_ref_sum loss = {0, 0};
  for (int64_t c = 0; c < n; c++) {
    int in_p, in_y;
    double pc = clip(p[c], lo, 1.0, &in_p), yc = clip(y[c], lo, 1.0, &in_y);
    if (yc != 0) {
      /* log(y / p) = log1p((y - p) / p), y - p exact when they are close */
      double r = yc >= 0.5 * pc && yc <= 2 * pc ? log1p((yc - pc) / pc) : log(yc / pc);
      xent_ref_sum_add(&loss, yc * r);
    }
    if (g) g[c] = in_p && yc != 0 ? -yc / pc : 0.0;
  }
  return xent_ref_sum_value(&loss);
}

/* h(v) = v e^v - expm1(v) = sum_{n >= 2} (n - 1) v^n / n!  (>= 0), the KL
 * term p h(v) of one class when log(q / p) = v. The series for |v| <= 1/2
 * (the direct form cancels there); 18 terms reach 1e-17 relative. */
static double kl_term_h(double v) {
  double sum = 0, term = v * v / 2; /* v^n / n! from n = 2 */
  for (int n = 2; n <= 19; n++) {
    sum += (n - 1) * term;
    term *= v / (n + 1);
  }
  return sum;
}

/* KL(q || p) of q = softmax(b), p = softmax(a) with finite rows, as a sum of
 * non-negative terms p_c h(v_c), v_c = log(q_c / p_c) taken from the logit
 * differences (so a student close to its teacher keeps its small loss), and
 * g_c = p_c - q_c = -p_c expm1(v_c). s and t are the raw logits; work: 3n,
 * left holding p, q and v. */
static double kl_softmax_exact(const double *s, const double *t, double temperature, int64_t n,
                               double *g, double *work) {
  double *p = work, *q = work + n, *w = work + 2 * n;
  for (int64_t i = 0; i < n; i++) p[i] = s[i] / temperature;
  xent_ref_softmax_row(p, p, n);
  for (int64_t i = 0; i < n; i++) q[i] = t[i] / temperature;
  int64_t k = 0;
  for (int64_t i = 1; i < n; i++)
    if (q[i] > q[k]) k = i;
  xent_ref_softmax_row(q, q, n);
  /* w_c = delta_c - delta_k, delta = (t - s) / T: with k the teacher's
   * maximum, p_c e^{w_c} = p_k e^{b_c - b_k} <= 1, so nothing overflows */
  double dk = (t[k] - s[k]) / temperature;
  xent_ref_sum e = {0, 0};
  for (int64_t i = 0; i < n; i++) {
    w[i] = (t[i] - s[i]) / temperature - dk;
    if (i == k) w[i] = 0;
    if (p[i] != 0) xent_ref_sum_add(&e, p[i] * expm1(w[i]));
  }
  /* ell = log E_p[e^w] = log(p_k / q_k): through the expm1 sum when the ratio
   * is near 1 (no cancellation there), else from the ratio itself (the sum
   * would be -1 + tiny when the student gives the teacher's class little mass) */
  double ratio = p[k] / q[k];
  double ell = ratio >= 0.5 && ratio <= 2 ? log1p(xent_ref_sum_value(&e)) : log(ratio);
  xent_ref_sum loss = {0, 0};
  for (int64_t c = 0; c < n; c++) {
    double v = w[c] = w[c] - ell, term, diff; /* diff = p - q */
    if (fabs(v) <= 0.5) {
      term = p[c] * kl_term_h(v);
      diff = -p[c] * expm1(v);
    } else {
      diff = p[c] - q[c];
      double ev = exp(v);
      term = p[c] > 0x1p-1000 && isfinite(ev) ? p[c] * (v * ev - expm1(v))
                                             : mul_nz(q[c], v) - q[c] + p[c];
    }
    if (term != 0) xent_ref_sum_add(&loss, term);
    if (g) g[c] = diff;
  }
  return xent_ref_sum_value(&loss);
}

double xent_ref_distill_row(const double *s, const double *t, double *g, int64_t n,
                            double temperature, double lo, double *work) {
  if (n == 0) return 0.0;
  double *a = work, *lp = work + n, *lq = work + 2 * n, *p = work + 3 * n,
         *q = work + 4 * n;
  int finite = 1, bad = 0;
  for (int64_t i = 0; i < n; i++) {
    finite &= isfinite(s[i]) && isfinite(t[i]);
    bad |= isnan(s[i]) || isnan(t[i]);
  }
  if (bad) {
    if (g)
      for (int64_t i = 0; i < n; i++) g[i] = NAN;
    return NAN;
  }
  double t2 = temperature * temperature;
  xent_ref_sum loss = {0, 0};
  if (finite) {
    double kl = kl_softmax_exact(s, t, temperature, n, g, work);
    /* Keras's clip changes nothing unless an entry falls below lo */
    int clipped = 0;
    for (int64_t i = 0; lo > 0 && i < n; i++) clipped |= work[i] < lo || work[n + i] < lo;
    if (!clipped) {
      if (g)
        for (int64_t c = 0; c < n; c++) g[c] *= temperature; /* T^2 (p - q) / T */
      return t2 * kl;
    }
    /* Keras with clipped entries: sum q' log(q' / p'), with the accurate
     * log(q / p) = v where neither is clipped */
    const double *pp = work, *qq = work + n, *vv = work + 2 * n;
    xent_ref_sum vsum = {0, 0};
    double *vg = work + 3 * n; /* p dL/dp per class */
    for (int64_t c = 0; c < n; c++) {
      int in_p, in_q;
      double pc = clip(pp[c], lo, 1.0, &in_p), qc = clip(qq[c], lo, 1.0, &in_q);
      double lr = in_p && in_q ? vv[c] : log_near1(qc / pc);
      xent_ref_sum_add(&loss, qc * lr);
      vg[c] = in_p ? -t2 * qc : 0.0;
      xent_ref_sum_add(&vsum, vg[c]);
    }
    if (g) {
      double v = xent_ref_sum_value(&vsum);
      for (int64_t c = 0; c < n; c++) g[c] = (vg[c] - mul_nz(pp[c], v)) / temperature;
    }
    return t2 * xent_ref_sum_value(&loss);
  }
  for (int64_t i = 0; i < n; i++) a[i] = s[i] / temperature;
  xent_ref_log_softmax_row(a, lp, n);
  xent_ref_softmax_row(a, p, n);
  for (int64_t i = 0; i < n; i++) a[i] = t[i] / temperature;
  xent_ref_log_softmax_row(a, lq, n);
  xent_ref_softmax_row(a, q, n);
  if (lo == 0) {
    /* infinite logits: softmax's limit rules; T^2 sum q (log q - log p) */
    for (int64_t c = 0; c < n; c++)
      if (q[c] != 0) xent_ref_sum_add(&loss, q[c] * (lq[c] - lp[c]));
    if (g)
      for (int64_t c = 0; c < n; c++) g[c] = temperature * (p[c] - q[c]);
    return t2 * xent_ref_sum_value(&loss);
  }
  /* Keras: both distributions clipped to [lo, 1]. With v_c = p_c dL/dp_c =
   * -T^2 q'_c where p_c passes the clip (0 elsewhere), the gradient with
   * respect to s / T is v - p sum(v). */
  xent_ref_sum vsum = {0, 0};
  for (int64_t c = 0; c < n; c++) {
    int in_p, in_q;
    double pc = clip(p[c], lo, 1.0, &in_p), qc = clip(q[c], lo, 1.0, &in_q);
    double lr = in_p && in_q ? lq[c] - lp[c] : log_near1(qc / pc);
    xent_ref_sum_add(&loss, qc * lr);
    a[c] = in_p ? -t2 * qc : 0.0;
    xent_ref_sum_add(&vsum, a[c]);
  }
  if (g) {
    double v = xent_ref_sum_value(&vsum);
    for (int64_t c = 0; c < n; c++) g[c] = (a[c] - mul_nz(p[c], v)) / temperature;
  }
  return t2 * xent_ref_sum_value(&loss);
}
