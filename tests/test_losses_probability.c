/*
 * Cross-entropies on probabilities (Keras, PyTorch, TensorFlow v1 modes) and
 * nll_loss. Expected values: Keras's own test vectors and documented
 * examples, closed forms, and long double references written here from the
 * formulas of xent.h (independently of the library's code).
 */
#include "losses_testutil.h"

/* ---- long double references ---- */

static long double clampl(long double p, long double lo, long double hi, int *inside) {
  *inside = p >= lo && p <= hi;
  return p < lo ? lo : p > hi ? hi : p;
}

/* Keras: -(y log p' + (1 - y) log(1 - p')), and d/dp */
/* Each returns the loss; *g its derivative, *gs and *ls the sums of the
 * absolute values of the two terms of each (the scale their cancellation is
 * measured against). */
static long double ref_bce_keras(double p, double y, double lo, double hi, long double *g,
                                 long double *gs, long double *ls) {
  int in;
  long double c = clampl(p, lo, hi, &in), l = 0, d = 0, a = 0, b = 0;
  if (y != 0) l -= a = y * logl(c), d -= y / c;
  if (1 - (long double)y != 0) l -= b = (1 - (long double)y) * log1pl(-c), d += (1 - (long double)y) / (1 - c);
  if (g) *g = in ? d : 0;
  *gs = in ? fabsl(y / c) + fabsl((1 - (long double)y) / (1 - c)) : 0;
  *ls = fabsl(a) + fabsl(b);
  return l;
}

static long double ref_bce_torch(double p, double y, long double *g, long double *gs,
                                 long double *ls) {
  long double l1 = log1pl(-(long double)p), l0 = logl(p);
  if (l1 < -100) l1 = -100;
  if (l0 < -100) l0 = -100;
  long double den = (long double)p * (1 - (long double)p), fl = (long double)1e-12f;
  if (den < fl) den = fl;
  if (g) *g = ((long double)p - y) / den;
  *gs = (fabsl((long double)p) + fabsl((long double)y)) / den;
  *ls = fabsl(((long double)y - 1) * l1) + fabsl(y * l0);
  return ((long double)y - 1) * l1 - y * l0;
}

static long double ref_bce_tf(double p, double y, double eps, long double *g, long double *gs,
                              long double *ls) {
  long double a = (long double)p + eps, b = (1 - (long double)p) + eps, l = 0, d = 0, ta = 0, tb = 0;
  /* near 1, log(a) = log1p((p - 1) + eps): a itself would round 1 + 5e-17 */
  long double la = a > 0.5L && a < 2 ? log1pl(((long double)p - 1) + eps) : logl(a);
  long double lb = p < 0.5 ? log1pl(eps - (long double)p) : logl(b);
  if (y != 0) l -= ta = y * la, d -= y / a;
  if (1 - (long double)y != 0) l -= tb = (1 - (long double)y) * lb, d += (1 - (long double)y) / b;
  if (g) *g = d;
  *gs = fabsl(y / a) + fabsl((1 - (long double)y) / b);
  *ls = fabsl(ta) + fabsl(tb);
  return l;
}

/* Keras categorical: r = p / S, clipped; sum u * -log r'. 1 - r from the
 * other entries. Gradient -u_k a_k / p_k + U / S, with its scale. */
static long double ref_cce(const double *p, const double *u, int n, double lo, double hi,
                           long double *g, long double *gscale) {
  long double S = 0, U = 0, loss = 0;
  for (int i = 0; i < n; i++) S += p[i];
  int a[64];
  for (int c = 0; c < n; c++) {
    long double r = p[c] / S, others = S - p[c];
    long double rc = clampl(r, lo, hi, &a[c]);
    long double nl = a[c] && r >= 0.5L ? -log1pl(-others / S) : -logl(rc);
    if (u[c] != 0) loss += u[c] * nl;
    if (a[c]) U += u[c];
  }
  for (int k = 0; g && k < n; k++) {
    long double t = a[k] ? -(long double)u[k] / p[k] : 0;
    g[k] = t + U / S;
    gscale[k] = fabsl(t) + fabsl(U / S);
  }
  return loss;
}

/* Keras sparse: p' = clip(p); sum u (log S' - log p'), gradient a (U / S' - u / p'). */
static long double ref_scce(const double *p, const double *u, int n, double lo, double hi,
                            long double *g, long double *gscale) {
  long double c[64], S = 0, U = 0, loss = 0;
  int a[64];
  for (int i = 0; i < n; i++) c[i] = clampl(p[i], lo, hi, &a[i]), S += c[i], U += u[i];
  for (int i = 0; i < n; i++)
    if (u[i] != 0) loss += u[i] * log1pl((S - c[i]) / c[i]);
  for (int k = 0; g && k < n; k++) {
    g[k] = a[k] ? U / S - u[k] / c[k] : 0;
    gscale[k] = fabsl(U / S) + fabsl(u[k] / c[k]);
  }
  return loss;
}

/* ---- Keras's own test vectors ---- */

void test_losses_bce_keras_test_vector(void) {
  /* keras losses_test: y = [[1, 0], [1, 0]], p = [[1, 1], [1, 0]] -> 3.98559 */
  float y[4] = {1, 0, 1, 0}, p[4] = {1, 1, 1, 0}, v, per[2];
  xent_tensor_t ty = xent_tensor_2d(y, XENT_F32, 2, 2), tp = xent_tensor_2d(p, XENT_F32, 2, 2);
  xent_tensor_t tv = xent_tensor_1d(&v, XENT_F32, 1), tper = xent_tensor_1d(per, XENT_F32, 2);
  xent_ce_options_t o = lt_opts(XENT_REDUCTION_SUM_OVER_BATCH_SIZE);
  o.flags = XENT_CE_MEAN_OVER_CLASSES;
  XT_OK(xent_binary_cross_entropy(&tp, &ty, NULL, &o, &tv, NULL));
  XT_CHECK_CLOSE(v, 3.98559, 0, 1e-5); /* Keras asserts 3.98559 to its printed digits */
  /* exactly: (-log(1 - 2^-23) * 2 - log(2^-23) - log1p(-1e-7f)) / 4 in f32 */
  long double lo = (float)1e-7, hi = 1 - ldexpl(1, -23);
  long double want = (-2 * logl(hi) - log1pl(-hi) - log1pl(-lo)) / 4;
  XT_CHECK_MSG(xt_ulp_error(v, want, XENT_F32) <= 1, "loss %.9g, want %.9Lg", v, want);
  o.reduction = XENT_REDUCTION_NONE;
  XT_OK(xent_binary_cross_entropy(&tp, &ty, NULL, &o, &tper, NULL));
  XT_CHECK_CLOSE(per[0], 7.9711924, 0, 1e-6); /* Keras's per-sample value */
  /* Keras gives 1.1920929e-07 for the second sample: its f32 log(1 - p) rounds
   * 1 - 1e-7 to 1 - 2^-23 first. The loss of (y 0, p 0) is -log1p(-lo) = 1e-7,
   * so the accurate mean is (-log(hi) - log1p(-lo)) / 2 = 1.0960465e-07. */
  XT_CHECK_MSG(xt_ulp_error(per[1], (-logl(hi) - log1pl(-lo)) / 2, XENT_F32) <= 1, "%.9g", per[1]);

  /* keras docs: binary_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]) = [0.916, 0.714] */
  double y2[4] = {0, 1, 0, 0}, p2[4] = {0.6, 0.4, 0.4, 0.6}, l2[2];
  xent_tensor_t ty2 = lt_mat(y2, 2, 2), tp2 = lt_mat(p2, 2, 2), tl2 = lt_vec(l2, 2);
  XT_OK(xent_binary_cross_entropy(&tp2, &ty2, NULL, &o, &tl2, NULL));
  XT_CHECK_CLOSE(l2[0], -(log(0.4) + log(0.4)) / 2, 1e-15, 0);
  XT_CHECK_CLOSE(l2[1], -(log(0.6) + log(0.4)) / 2, 1e-15, 0);
  XT_CHECK_CLOSE(l2[0], 0.916, 0, 5e-4);
  XT_CHECK_CLOSE(l2[1], 0.714, 0, 5e-4);
}

/* ---- clip bounds in the input's precision ---- */

void test_losses_bce_clip_bounds_per_dtype(void) {
  /* f32: lo = (float)1e-7, hi = 1 - 2^-23; the clip is asymmetric. */
  float p[2] = {0, 1}, y[2] = {1, 0}, l[2], g[2];
  xent_tensor_t tp = xent_tensor_2d(p, XENT_F32, 1, 2), ty = xent_tensor_2d(y, XENT_F32, 1, 2);
  xent_tensor_t tl = xent_tensor_2d(l, XENT_F32, 1, 2), tg = xent_tensor_2d(g, XENT_F32, 1, 2);
  xent_ce_options_t o = lt_opts(XENT_REDUCTION_NONE);
  XT_OK(xent_binary_cross_entropy(&tp, &ty, NULL, &o, &tl, &tg));
  XT_CHECK_MSG(xt_ulp_error(l[0], -logl((float)1e-7), XENT_F32) <= 0.5, "%.9g", l[0]);
  XT_CHECK_MSG(xt_ulp_error(l[1], 23 * logl(2), XENT_F32) <= 0.5, "%.9g", l[1]);
  XT_CHECK_CLOSE(l[0], 16.118095, 0, 1e-6);
  XT_CHECK_CLOSE(l[1], 15.942385, 0, 1e-6);
  XT_CHECK_SAME(g[0], 0.0); /* clipped: the clip's gradient is 0 */
  XT_CHECK_SAME(g[1], 0.0);
  /* f64: lo = 1e-7, hi = 0.9999999 */
  double pd[2] = {0, 1}, yd[2] = {1, 0}, ld[2];
  xent_tensor_t tpd = lt_mat(pd, 1, 2), tyd = lt_mat(yd, 1, 2), tld = lt_mat(ld, 1, 2);
  XT_OK(xent_binary_cross_entropy(&tpd, &tyd, NULL, &o, &tld, NULL));
  XT_CHECK_MSG(xt_ulp_error(ld[0], -logl(1e-7), XENT_F64) <= 1, "%.17g", ld[0]);
  XT_CHECK_MSG(xt_ulp_error(ld[1], -log1pl(-(long double)0.9999999), XENT_F64) <= 1, "%.17g", ld[1]);
  /* At the bound itself the gradient passes (tf.clip_by_value's rule). */
  double pb[1] = {1e-7}, yb[1] = {1}, gb[1];
  xent_tensor_t tpb = lt_mat(pb, 1, 1), tyb = lt_mat(yb, 1, 1), tgb = lt_mat(gb, 1, 1);
  XT_OK(xent_binary_cross_entropy(&tpb, &tyb, NULL, &o, NULL, &tgb));
  XT_CHECK_CLOSE(gb[0], -1e7, 1e-15, 0);
  /* f16: hi rounds to 1, so a label 0 on p = 1 has loss +inf (as Keras on float16). */
  uint16_t ph[1] = {xent_f64_to_f16(1.0)}, yh[1] = {xent_f64_to_f16(0.0)};
  float lh;
  xent_tensor_t tph = xent_tensor_2d(ph, XENT_F16, 1, 1), tyh = xent_tensor_2d(yh, XENT_F16, 1, 1);
  xent_tensor_t tlh = xent_tensor_2d(&lh, XENT_F32, 1, 1);
  XT_OK(xent_binary_cross_entropy(&tph, &tyh, NULL, &o, &tlh, NULL));
  XT_CHECK_SAME(lh, INFINITY);
}

/* ---- the three modes against long double ---- */

void test_losses_bce_modes_against_long_double(void) {
  enum { N = 40, C = 5 };
  double p[N * C], y[N * C], l[N * C], g[N * C];
  xt_rng rng = {101};
  for (int i = 0; i < N * C; i++) {
    int k = i % 9;
    p[i] = k == 0 ? xt_uniform(&rng, 1e-12, 1e-6)
           : k == 1 ? 1 - xt_uniform(&rng, 1e-12, 1e-6)
                    : xt_uniform(&rng, 0.0001, 0.9999);
    y[i] = i % 4 == 0 ? xt_uniform(&rng, 0, 1) : (double)(xt_next(&rng) % 2);
  }
  xent_tensor_t tp = lt_mat(p, N, C), ty = lt_mat(y, N, C), tl = lt_mat(l, N, C), tg = lt_mat(g, N, C);
  xent_ce_options_t o = lt_opts(XENT_REDUCTION_NONE);
  const char *names[3] = {"binary CE keras f64", "binary CE torch f64", "binary CE tf_v1 f64"};
  for (int mode = 0; mode < 3; mode++) {
    xent_prob_params_t pp = xent_prob_params_default();
    pp.mode = (xent_prob_mode_t)mode;
    XT_OK(xent_binary_cross_entropy(&tp, &ty, &pp, &o, &tl, &tg));
    lt_tally tl_ = {names[mode], 0, 0}, tg_ = {"  its gradient, in ulps of the sum of its terms", 0, 0};
    for (int i = 0; i < N * C; i++) {
      long double rg, gs, ls;
      long double want = mode == 0   ? ref_bce_keras(p[i], y[i], 1e-7, 0.9999999, &rg, &gs, &ls)
                         : mode == 1 ? ref_bce_torch(p[i], y[i], &rg, &gs, &ls)
                                     : ref_bce_tf(p[i], y[i], 1e-7, &rg, &gs, &ls);
      /* KERAS and TORCH terms have one sign for y in [0, 1] (relative
       * accuracy); TF_V1's log(p + eps) turns positive above 1 - eps */
      lt_ulp_of(&tl_, l[i], want, ls, XENT_F64);
      lt_ulp_of(&tg_, g[i], rg, gs, XENT_F64);
    }
    lt_report(&tl_, 2);
    lt_report(&tg_, 2);
  }
}

/* ---- odd inputs, per mode ---- */

void test_losses_bce_odd_inputs_per_mode(void) {
  double p[6] = {0, 1, -3, 1.5, NAN, 0.5}, y[6] = {1, 0, 1, 0, 1, 2}, l[6], g[6];
  xent_tensor_t tp = lt_mat(p, 1, 6), ty = lt_mat(y, 1, 6), tl = lt_mat(l, 1, 6), tg = lt_mat(g, 1, 6);
  xent_ce_options_t o = lt_opts(XENT_REDUCTION_NONE);
  xent_prob_params_t pp = xent_prob_params_default();
  /* KERAS: 0 and -3 both clip to 1e-7; 1 and 1.5 to 0.9999999; gradient 0 there. */
  XT_OK(xent_binary_cross_entropy(&tp, &ty, &pp, &o, &tl, &tg));
  XT_CHECK_CLOSE(l[0], -log(1e-7), 1e-15, 0);
  XT_CHECK_SAME(l[2], l[0]);
  XT_CHECK_CLOSE(l[1], -log1p(-0.9999999), 1e-15, 0);
  XT_CHECK_SAME(l[3], l[1]);
  XT_CHECK(isnan(l[4]) && isnan(g[4]));
  for (int i = 0; i < 4; i++) XT_CHECK_SAME(g[i], 0.0);
  /* a label outside [0, 1] is used as given: -(2 log 0.5 - log 0.5) = log 2 */
  XT_CHECK_CLOSE(l[5], log(2.0), 1e-15, 0);

  /* TORCH: values outside [0, 1] or NaN are an error naming the element, nothing written */
  pp.mode = XENT_PROB_TORCH;
  for (int i = 0; i < 6; i++) l[i] = 42;
  XT_CHECK_STATUS(xent_binary_cross_entropy(&tp, &ty, &pp, &o, &tl, &tg), XENT_ERR_VALUE);
  XT_CHECK_MSG(strcmp(xent_last_error(), "probs[0, 2] = -3 is outside [0, 1] (PyTorch's "
                                         "binary_cross_entropy requires probabilities)") == 0,
               "detail '%s'", xent_last_error());
  for (int i = 0; i < 6; i++) XT_CHECK_SAME(l[i], 42.0);
  p[2] = 0.25, p[3] = 0.75;
  XT_CHECK_STATUS(xent_binary_cross_entropy(&tp, &ty, &pp, &o, &tl, &tg), XENT_ERR_VALUE);
  XT_CHECK(strstr(xent_last_error(), "probs[0, 4] = nan") != NULL);
  p[4] = 1;
  XT_OK(xent_binary_cross_entropy(&tp, &ty, &pp, &o, &tl, &tg));
  XT_CHECK_SAME(l[0], 100.0); /* log clamped at -100 */
  XT_CHECK_SAME(l[1], 100.0);
  XT_CHECK(l[4] == 0); /* -0 in PyTorch too: (y - 1) * -100 with y = 1 */
  /* PyTorch's backward: (p - y) / max(p (1 - p), 1e-12f) */
  XT_CHECK_SAME(g[0], -1.0 / (double)1e-12f);
  XT_CHECK_CLOSE(g[0], -1.0000000039958029e12, 1e-16, 0);
  XT_CHECK_SAME(g[1], 1.0 / (double)1e-12f);
  XT_CHECK_SAME(g[4], 0.0);

  /* TF_V1: eps inside the logs; p = 1 with y = 1 gives a negative loss */
  pp.mode = XENT_PROB_TF_V1;
  double q[5] = {1, 0, 0, 1.2, -1e-7}, z[5] = {1, 0, 1, 0, 1}, lq[5];
  xent_tensor_t tq = lt_mat(q, 1, 5), tz = lt_mat(z, 1, 5), tlq = lt_mat(lq, 1, 5);
  XT_OK(xent_binary_cross_entropy(&tq, &tz, &pp, &o, &tlq, NULL));
  XT_CHECK_CLOSE(lq[0], -log1p(1e-7), 1e-15, 0);
  XT_CHECK(lq[0] < 0);
  XT_CHECK_CLOSE(lq[1], -log1p(1e-7), 1e-15, 0);
  XT_CHECK_CLOSE(lq[2], -log(1e-7), 1e-15, 0);
  XT_CHECK(isnan(lq[3]));          /* log(1 - 1.2 + eps) */
  XT_CHECK_SAME(lq[4], INFINITY);  /* log(-1e-7 + 1e-7) = log 0 */
}

/* ---- categorical ---- */

void test_losses_cce_keras_examples_and_odd_rows(void) {
  /* Keras docs: y = [[0, 1, 0], [0, 0, 1]], p = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
   * -> [0.0513, 2.303], mean 1.177. */
  double y[6] = {0, 1, 0, 0, 0, 1}, p[6] = {0.05, 0.95, 0, 0.1, 0.8, 0.1}, l[2], v;
  xent_tensor_t ty = lt_mat(y, 2, 3), tp = lt_mat(p, 2, 3), tl = lt_vec(l, 2), tv = lt_scalar(&v);
  xent_ce_options_t o = lt_opts(XENT_REDUCTION_NONE);
  XT_OK(xent_categorical_cross_entropy(&tp, &ty, NULL, &o, &tl, NULL));
  /* 0.05 + 0.95 is 1 - 4.2e-17 in doubles: r = 0.95 / (1 - 4.2e-17) */
  long double S0 = (long double)p[0] + p[1];
  XT_CHECK_MSG(xt_ulp_error(l[0], -log1pl(-(long double)p[0] / S0), XENT_F64) <= 1, "%.17g", l[0]);
  XT_CHECK_CLOSE(l[1], -log(0.1), 1e-15, 0);
  XT_CHECK_CLOSE(l[0], 0.0513, 0, 5e-5);
  XT_CHECK_CLOSE(l[1], 2.303, 0, 5e-4);
  o.reduction = XENT_REDUCTION_SUM_OVER_BATCH_SIZE;
  XT_OK(xent_categorical_cross_entropy(&tp, &ty, NULL, &o, &tv, NULL));
  XT_CHECK_CLOSE(v, 1.177, 0, 5e-4);
  /* Sparse labels on the same rows give the same values. */
  int64_t lab[2] = {1, 2};
  xent_tensor_t tlab = xent_tensor_1d(lab, XENT_I64, 2);
  o.reduction = XENT_REDUCTION_NONE;
  XT_OK(xent_sparse_categorical_cross_entropy(&tp, &tlab, NULL, &o, &tl, NULL));
  /* the 0 is clipped to 1e-7: log(S' / 0.95) with S' = 0.05 + 0.95 + 1e-7 */
  XT_CHECK_MSG(xt_ulp_error(l[0], log1pl(((long double)p[0] + 1e-7) / p[1]), XENT_F64) <= 1,
               "%.17g", l[0]);
  XT_CHECK_CLOSE(l[1], -log(0.1), 1e-15, 0);

  /* Odd rows (f32, as in the conformance data): a row of zeros is NaN for the
   * dense loss (0 / 0) and log(C) for the sparse one; [0.2, -0.1, 0.9] with
   * target 1 gives 16.118095 (renormalise, then clip) and 16.213406 (clip,
   * then renormalise). */
  float pf[6] = {0, 0, 0, 0.2f, -0.1f, 0.9f}, yf[6] = {0, 1, 0, 0, 1, 0}, lf[2], gf[6];
  xent_tensor_t tpf = xent_tensor_2d(pf, XENT_F32, 2, 3), tyf = xent_tensor_2d(yf, XENT_F32, 2, 3);
  xent_tensor_t tlf = xent_tensor_1d(lf, XENT_F32, 2), tgf = xent_tensor_2d(gf, XENT_F32, 2, 3);
  XT_OK(xent_categorical_cross_entropy(&tpf, &tyf, NULL, &o, &tlf, &tgf));
  XT_CHECK(isnan(lf[0]) && isnan(gf[0]) && isnan(gf[2]));
  XT_CHECK_MSG(xt_ulp_error(lf[1], -logl((float)1e-7), XENT_F32) <= 1, "%.9g", lf[1]);
  XT_CHECK_CLOSE(lf[1], 16.118095, 0, 2e-6);
  int64_t lab1[2] = {1, 1};
  xent_tensor_t tlab1 = xent_tensor_1d(lab1, XENT_I64, 2);
  XT_OK(xent_sparse_categorical_cross_entropy(&tpf, &tlab1, NULL, &o, &tlf, NULL));
  XT_CHECK_CLOSE(lf[0], log(3.0), 1e-7, 0);
  long double lo = (float)1e-7;
  long double want = -logl(lo) + logl((long double)0.2f + lo + (long double)0.9f);
  XT_CHECK_MSG(xt_ulp_error(lf[1], want, XENT_F32) <= 1, "%.9g vs %.9Lg", lf[1], want);
  XT_CHECK_CLOSE(lf[1], 16.213406, 0, 2e-6);

  /* A confident, correct prediction keeps its loss: 1 - r comes from the
   * other entries. p = [1 - 3e-6, 1e-6, 2e-6], target 0: loss -log1p(-3e-6). */
  double pc[3] = {1 - 3e-6, 1e-6, 2e-6}, yc[3] = {1, 0, 0}, lc;
  xent_tensor_t tpc = lt_mat(pc, 1, 3), tyc = lt_mat(yc, 1, 3), tlc = lt_vec(&lc, 1);
  XT_OK(xent_categorical_cross_entropy(&tpc, &tyc, NULL, &o, &tlc, NULL));
  long double S = (long double)pc[0] + pc[1] + pc[2];
  long double wantc = -log1pl(-((long double)pc[1] + pc[2]) / S);
  XT_CHECK_MSG(xt_ulp_error(lc, wantc, XENT_F64) <= 2, "%.17g vs %.17Lg", lc, wantc);

  /* Unnormalised rows are renormalised: p and 10 p give the same loss. */
  double p10[6];
  for (int i = 0; i < 6; i++) p10[i] = 10 * p[i];
  double l10[2];
  xent_tensor_t tp10 = lt_mat(p10, 2, 3), tl10 = lt_vec(l10, 2);
  XT_OK(xent_categorical_cross_entropy(&tp, &ty, NULL, &o, &tl, NULL));
  XT_OK(xent_categorical_cross_entropy(&tp10, &ty, NULL, &o, &tl10, NULL));
  XT_CHECK_CLOSE(l10[0], l[0], 1e-15, 0);
  XT_CHECK_CLOSE(l10[1], l[1], 1e-15, 0);
}

void test_losses_prob_ce_against_long_double(void) {
  enum { N = 60, C = 6 };
  double p[N * C], y[N * C], l[N], g[N * C], cw[C];
  int64_t lab[N];
  xt_rng rng = {202};
  for (int i = 0; i < C; i++) cw[i] = xt_uniform(&rng, 0.3, 2);
  for (int r = 0; r < N; r++) {
    lab[r] = (int64_t)(xt_next(&rng) % C);
    for (int c = 0; c < C; c++) {
      p[r * C + c] = r % 3 == 0 ? xt_uniform(&rng, 1e-4, 1e-2) : xt_uniform(&rng, 0.01, 3);
      y[r * C + c] = r % 2 ? (c == lab[r]) : xt_uniform(&rng, 0, 1);
    }
    if (r % 3 == 0) p[r * C + lab[r]] = xt_uniform(&rng, 0.5, 1); /* dominant */
  }
  const double a = 0.1;
  xent_tensor_t tp = lt_mat(p, N, C), ty = lt_mat(y, N, C), tl = lt_vec(l, N), tg = lt_mat(g, N, C);
  xent_tensor_t tlab = xent_tensor_1d(lab, XENT_I64, N), tcw = lt_vec(cw, C);
  xent_ce_options_t o = lt_opts(XENT_REDUCTION_NONE);
  o.label_smoothing = a;
  o.class_weights = &tcw;
  /* dense */
  XT_OK(xent_categorical_cross_entropy(&tp, &ty, NULL, &o, &tl, &tg));
  lt_tally t1 = {"categorical CE on probabilities f64 loss", 0, 0};
  lt_tally t2 = {"categorical CE on probabilities f64 gradient (of its terms)", 0, 0};
  for (int r = 0; r < N; r++) {
    double u[C];
    for (int c = 0; c < C; c++) u[c] = cw[c] * (y[r * C + c] * (1 - a) + a / C);
    long double rg[C], rs[C], want = ref_cce(&p[r * C], u, C, 1e-7, 0.9999999, rg, rs);
    lt_ulp(&t1, l[r], want, XENT_F64);
    for (int c = 0; c < C; c++) lt_ulp_of(&t2, g[r * C + c], rg[c], rs[c], XENT_F64);
  }
  lt_report(&t1, 4);
  lt_report(&t2, 4);
  /* sparse */
  XT_OK(xent_sparse_categorical_cross_entropy(&tp, &tlab, NULL, &o, &tl, &tg));
  lt_tally t3 = {"sparse categorical CE on probabilities f64 loss", 0, 0};
  lt_tally t4 = {"sparse categorical CE on probabilities f64 gradient (of its terms)", 0, 0};
  for (int r = 0; r < N; r++) {
    double u[C];
    for (int c = 0; c < C; c++) u[c] = (a / C) * cw[c];
    u[lab[r]] += (1 - a) * cw[lab[r]];
    long double rg[C], rs[C], want = ref_scce(&p[r * C], u, C, 1e-7, 0.9999999, rg, rs);
    lt_ulp(&t3, l[r], want, XENT_F64);
    for (int c = 0; c < C; c++) lt_ulp_of(&t4, g[r * C + c], rg[c], rs[c], XENT_F64);
  }
  lt_report(&t3, 4);
  lt_report(&t4, 4);

  /* f32 in and out: within 1 ulp of the long double value of the f32 inputs */
  float pf[N * C], yf[N * C], lf[N];
  for (int i = 0; i < N * C; i++) pf[i] = (float)p[i], yf[i] = (float)y[i];
  xent_tensor_t tpf = xent_tensor_2d(pf, XENT_F32, N, C), tyf = xent_tensor_2d(yf, XENT_F32, N, C);
  xent_tensor_t tlf = xent_tensor_1d(lf, XENT_F32, N);
  o.label_smoothing = 0;
  o.class_weights = NULL;
  XT_OK(xent_categorical_cross_entropy(&tpf, &tyf, NULL, &o, &tlf, NULL));
  lt_tally t5 = {"categorical CE on probabilities f32 loss", 0, 0};
  for (int r = 0; r < N; r++) {
    double pr[C], ur[C];
    for (int c = 0; c < C; c++) pr[c] = pf[r * C + c], ur[c] = yf[r * C + c];
    lt_ulp(&t5, lf[r], ref_cce(pr, ur, C, (float)1e-7, 1 - ldexp(1, -23), NULL, NULL), XENT_F32);
  }
  lt_report(&t5, 1);
}

/* ---- nll_loss ---- */

void test_losses_nll_matches_pytorch_rules(void) {
  /* log-probabilities (N, C, d) with class axis 1, weights, ignore_index -100 */
  enum { N = 2, C = 3, D = 2 };
  double x[N * C * D], w[C] = {1, 2, 0.5}, v, g[N * C * D];
  int64_t lab[N * D] = {0, 2, -100, 1};
  xt_rng rng = {303};
  for (int i = 0; i < N * C * D; i++) x[i] = -xt_uniform(&rng, 0.1, 5);
  int64_t sx[3] = {N, C, D}, sl[2] = {N, D};
  xent_tensor_t tx = lt_nd(x, XENT_F64, 3, sx), tl = lt_nd(lab, XENT_I64, 2, sl),
                tw = lt_vec(w, C), tv = lt_scalar(&v), tg = lt_nd(g, XENT_F64, 3, sx);
  xent_ce_options_t o = xent_ce_options_default();
  o.axis = 1;
  o.class_weights = &tw;
  o.ignore_index = -100;
  o.empty = XENT_EMPTY_NAN;
  XT_OK(xent_nll_loss(&tx, &tl, &o, &tv, &tg));
  /* -(w0 x[0,0,0] + w2 x[0,2,1] + w1 x[1,1,1]) / (w0 + w2 + w1) */
  long double num = -(w[0] * (long double)x[0 * C * D + 0 * D + 0] + w[2] * (long double)x[0 * C * D + 2 * D + 1] +
                      w[1] * (long double)x[1 * C * D + 1 * D + 1]);
  long double den = (long double)w[0] + w[2] + w[1];
  XT_CHECK_MSG(xt_ulp_error(v, num / den, XENT_F64) <= 1, "nll %.17g", v);
  for (int i = 0; i < N * C * D; i++) {
    double want = 0;
    if (i == 0) want = -w[0] / (double)den;
    if (i == 0 * C * D + 2 * D + 1) want = -w[2] / (double)den;
    if (i == 1 * C * D + 1 * D + 1) want = -w[1] / (double)den;
    XT_CHECK_CLOSE(g[i], want, 1e-15, 0);
  }
  /* Only the target's entry is read: NaN and -inf elsewhere change nothing. */
  double keep = x[1];
  x[1] = NAN, x[2] = -INFINITY;
  double v2;
  xent_tensor_t tv2 = lt_scalar(&v2);
  XT_OK(xent_nll_loss(&tx, &tl, &o, &tv2, NULL));
  XT_CHECK_SAME(v2, v);
  x[1] = keep;
  /* -inf at a target gives +inf */
  x[0] = -INFINITY;
  XT_OK(xent_nll_loss(&tx, &tl, &o, &tv2, NULL));
  XT_CHECK_SAME(v2, INFINITY);
  /* everything ignored: PyTorch's NaN mean, zero gradient */
  int64_t all[N * D] = {-100, -100, -100, -100};
  xent_tensor_t tall = lt_nd(all, XENT_I64, 2, sl);
  XT_OK(xent_nll_loss(&tx, &tall, &o, &tv2, &tg));
  XT_CHECK(isnan(v2));
  for (int i = 0; i < N * C * D; i++) XT_CHECK_SAME(g[i], 0.0);
  /* a label out of range is an error naming it */
  int64_t bad[N * D] = {0, 3, 1, 1};
  xent_tensor_t tbad = lt_nd(bad, XENT_I64, 2, sl);
  XT_CHECK_STATUS(xent_nll_loss(&tx, &tbad, &o, &tv2, NULL), XENT_ERR_INDEX);
  XT_CHECK_MSG(strcmp(xent_last_error(), "labels[0, 1] = 3 is outside [0, 3)") == 0, "'%s'",
               xent_last_error());
}

/* ---- from_logits routes to the logits kernels ---- */

void test_losses_from_logits_routes_to_logits_kernels(void) {
  enum { N = 4, C = 5 };
  double x[N * C], y[N * C], l1[N], l2[N], g1[N * C], g2[N * C];
  int64_t lab[N] = {0, 4, 2, 1};
  xt_rng rng = {404};
  for (int i = 0; i < N * C; i++) x[i] = xt_normal(&rng) * 5, y[i] = (double)(xt_next(&rng) % 2);
  xent_tensor_t tx = lt_mat(x, N, C), ty = lt_mat(y, N, C), tl1 = lt_vec(l1, N), tl2 = lt_vec(l2, N);
  xent_tensor_t tg1 = lt_mat(g1, N, C), tg2 = lt_mat(g2, N, C), tlab = xent_tensor_1d(lab, XENT_I64, N);
  xent_prob_params_t pp = xent_prob_params_default();
  pp.from_logits = 1;
  xent_ce_options_t o = lt_opts(XENT_REDUCTION_NONE);
  o.flags = XENT_CE_MEAN_OVER_CLASSES;
  o.label_smoothing = 0.1;
  XT_OK(xent_binary_cross_entropy(&tx, &ty, &pp, &o, &tl1, &tg1));
  XT_OK(xent_sigmoid_cross_entropy(&tx, &ty, &o, &tl2, &tg2));
  for (int i = 0; i < N; i++) XT_CHECK_SAME(l1[i], l2[i]);
  for (int i = 0; i < N * C; i++) XT_CHECK_SAME(g1[i], g2[i]);
  o.flags = 0;
  XT_OK(xent_categorical_cross_entropy(&tx, &ty, &pp, &o, &tl1, &tg1));
  XT_OK(xent_softmax_cross_entropy(&tx, &ty, &o, &tl2, &tg2));
  for (int i = 0; i < N; i++) XT_CHECK_SAME(l1[i], l2[i]);
  for (int i = 0; i < N * C; i++) XT_CHECK_SAME(g1[i], g2[i]);
  XT_OK(xent_sparse_categorical_cross_entropy(&tx, &tlab, &pp, &o, &tl1, &tg1));
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &tlab, &o, &tl2, &tg2));
  for (int i = 0; i < N; i++) XT_CHECK_SAME(l1[i], l2[i]);
  for (int i = 0; i < N * C; i++) XT_CHECK_SAME(g1[i], g2[i]);
}

/* ---- gradients against finite differences ---- */

typedef struct {
  int kind; /* 0 binary, 1 categorical, 2 sparse, 3 nll */
  xent_prob_params_t pp;
  xent_ce_options_t o;
  const xent_tensor_t *target;
} prob_ctx;

static xent_status_t prob_loss(void *ctx, const xent_tensor_t *x, const xent_tensor_t *loss,
                               const xent_tensor_t *grad) {
  prob_ctx *k = ctx;
  switch (k->kind) {
    case 0: return xent_binary_cross_entropy(x, k->target, &k->pp, &k->o, loss, grad);
    case 1: return xent_categorical_cross_entropy(x, k->target, &k->pp, &k->o, loss, grad);
    case 2: return xent_sparse_categorical_cross_entropy(x, k->target, &k->pp, &k->o, loss, grad);
    default: return xent_nll_loss(x, k->target, &k->o, loss, grad);
  }
}

void test_losses_probability_gradients_match_finite_differences(void) {
  enum { N = 5, C = 4 };
  double p[N * C], y[N * C], sw[N], cw[C];
  int64_t lab[N] = {0, 3, 1, 2, 3};
  xt_rng rng = {505};
  for (int i = 0; i < N * C; i++) p[i] = xt_uniform(&rng, 0.05, 0.95), y[i] = xt_uniform(&rng, 0, 1);
  for (int i = 0; i < N; i++) sw[i] = xt_uniform(&rng, 0.5, 2);
  for (int i = 0; i < C; i++) cw[i] = xt_uniform(&rng, 0.5, 2);
  int64_t shape[2] = {N, C};
  xent_tensor_t ty = lt_mat(y, N, C), tlab = xent_tensor_1d(lab, XENT_I64, N);
  xent_tensor_t tsw = lt_vec(sw, N), tcw = lt_vec(cw, C);
  const char *bce_names[3] = {"binary CE keras (mean over classes, weights)", "binary CE torch",
                              "binary CE tf_v1"};
  for (int mode = 0; mode < 3; mode++) {
    prob_ctx k = {0, xent_prob_params_default(), xent_ce_options_default(), &ty};
    k.pp.mode = (xent_prob_mode_t)mode;
    k.o.class_weights = &tcw;
    k.o.label_smoothing = 0.1;
    if (mode == 0) k.o.flags = XENT_CE_MEAN_OVER_CLASSES, k.o.sample_weights = &tsw;
    lt_gradcheck(bce_names[mode], prob_loss, &k, p, 2, shape, 1);
  }
  prob_ctx k = {1, xent_prob_params_default(), xent_ce_options_default(), &ty};
  k.o.class_weights = &tcw;
  k.o.sample_weights = &tsw;
  k.o.label_smoothing = 0.2;
  lt_gradcheck("categorical CE on probabilities (unnormalised rows)", prob_loss, &k, p, 2, shape, 1);
  k.kind = 2;
  k.target = &tlab;
  lt_gradcheck("sparse categorical CE on probabilities", prob_loss, &k, p, 2, shape, 1);
  k.kind = 3;
  double lp[N * C];
  for (int i = 0; i < N * C; i++) lp[i] = log(p[i]);
  lt_gradcheck("nll_loss (smoothing, weights)", prob_loss, &k, lp, 2, shape, 1);
}

/* ---- argument errors ---- */

void test_losses_probability_errors(void) {
  double p[4] = {0.5, 0.5, 0.5, 0.5}, v;
  int64_t lab[2] = {0, 1};
  xent_tensor_t tp = lt_mat(p, 2, 2), tv = lt_scalar(&v), tlab = xent_tensor_1d(lab, XENT_I64, 2);
  xent_prob_params_t pp = xent_prob_params_default();
  pp.eps = 0.7;
  XT_CHECK_STATUS(xent_binary_cross_entropy(&tp, &tp, &pp, NULL, &tv, NULL), XENT_ERR_ARGUMENT);
  XT_CHECK(strstr(xent_last_error(), "params->eps = 0.7") != NULL);
  pp = xent_prob_params_default();
  pp.mode = XENT_PROB_TORCH;
  XT_CHECK_STATUS(xent_categorical_cross_entropy(&tp, &tp, &pp, NULL, &tv, NULL), XENT_ERR_ARGUMENT);
  XT_CHECK(strstr(xent_last_error(), "only the Keras mode") != NULL);
  pp.mode = (xent_prob_mode_t)7;
  XT_CHECK_STATUS(xent_binary_cross_entropy(&tp, &tp, &pp, NULL, &tv, NULL), XENT_ERR_ARGUMENT);
  xent_ce_options_t o = xent_ce_options_default();
  o.ignore_index = -1;
  XT_CHECK_STATUS(xent_binary_cross_entropy(&tp, &tp, NULL, &o, &tv, NULL), XENT_ERR_ARGUMENT);
  XT_CHECK_MSG(strcmp(xent_last_error(), "opts->ignore_index does not apply to binary cross-entropy") == 0,
               "'%s'", xent_last_error());
  o = xent_ce_options_default();
  o.flags = XENT_CE_TF_GRADIENT;
  XT_CHECK_STATUS(xent_categorical_cross_entropy(&tp, &tp, NULL, &o, &tv, NULL), XENT_ERR_ARGUMENT);
  o = xent_ce_options_default();
  o.pos_weight = &tv;
  XT_CHECK_STATUS(xent_binary_cross_entropy(&tp, &tp, NULL, &o, &tv, NULL), XENT_ERR_ARGUMENT);
  XT_CHECK_STATUS(xent_nll_loss(&tp, &tp, NULL, &tv, NULL), XENT_ERR_DTYPE);
  XT_CHECK_STATUS(xent_nll_loss(&tp, &tlab, NULL, NULL, NULL), XENT_ERR_NULL);
  double l3[3];
  xent_tensor_t tl3 = lt_vec(l3, 3);
  o = lt_opts(XENT_REDUCTION_NONE);
  XT_CHECK_STATUS(xent_binary_cross_entropy(&tp, &tp, NULL, &o, &tl3, NULL), XENT_ERR_SHAPE);
}

/* ---- f32 (and f16) outputs are the double results rounded once ---- */

void test_losses_f32_outputs_round_once(void) {
  /* With f32 inputs, an f64 output holds the double result and an f32 output
   * must be exactly that value rounded (so the f64 accuracy bounds give f32
   * results within 1 ulp). */
  enum { N = 6, C = 5 };
  float x[N * C], p[N * C], y[N * C], oh[N * C];
  xt_rng rng = {1701};
  for (int i = 0; i < N * C; i++) {
    x[i] = (float)(xt_normal(&rng) * 3);
    p[i] = (float)xt_uniform(&rng, 0.001, 0.999);
    y[i] = (float)(xt_next(&rng) % 2);
    oh[i] = (float)((i % C) == (i / C) % C);
  }
  xent_tensor_t tx = xent_tensor_2d(x, XENT_F32, N, C), tp = xent_tensor_2d(p, XENT_F32, N, C);
  xent_tensor_t ty = xent_tensor_2d(y, XENT_F32, N, C), toh = xent_tensor_2d(oh, XENT_F32, N, C);
  double ld[N * C], gd[N * C];
  float lf[N * C], gf[N * C];
  xent_ce_options_t o = lt_opts(XENT_REDUCTION_NONE);
  xent_focal_params_t fl = xent_focal_params_default();
  fl.from_logits = 1;
  xent_overlap_params_t ov = xent_overlap_params_default();
  ov.sum_axes = XENT_AXIS_BIT(1);
  const char *names[7] = {"binary CE", "categorical CE", "binary focal (logits)", "Huber",
                          "Dice per row", "kl_divergence", "distillation"};
  for (int f = 0; f < 7; f++) {
    int per_elem = f == 0 || f == 2 || f == 3;
    int64_t nl = per_elem ? N * C : N;
    xent_tensor_t tld = per_elem ? lt_mat(ld, N, C) : lt_vec(ld, N), tgd = lt_mat(gd, N, C);
    xent_tensor_t tlf = per_elem ? xent_tensor_2d(lf, XENT_F32, N, C) : xent_tensor_1d(lf, XENT_F32, N);
    xent_tensor_t tgf = xent_tensor_2d(gf, XENT_F32, N, C);
    for (int pass = 0; pass < 2; pass++) {
      const xent_tensor_t *L = pass ? &tlf : &tld, *G = pass ? &tgf : &tgd;
      xent_status_t s;
      switch (f) {
        case 0: s = xent_binary_cross_entropy(&tp, &ty, NULL, &o, L, G); break;
        case 1: s = xent_categorical_cross_entropy(&tp, &toh, NULL, &o, L, G); break;
        case 2: s = xent_binary_focal_cross_entropy(&tx, &ty, &fl, &o, L, G); break;
        case 3: s = xent_huber_loss(&tx, &ty, 1.5, &o, L, G); break;
        case 4: s = xent_dice_loss(&tp, &ty, &ov, &o, L, G); break;
        case 5: s = xent_kl_divergence(&tp, &toh, 1e-7, &o, L, G); break;
        default: s = xent_distillation_loss(&tx, &tp, 2.0, 0.0, &o, L, G); break;
      }
      XT_CHECK_MSG(s == XENT_OK, "%s: %s", names[f], xent_last_error());
    }
    for (int64_t i = 0; i < nl; i++)
      XT_CHECK_MSG(xt_same_double(lf[i], (float)ld[i]), "%s loss[%lld]: %.9g vs %.9g", names[f],
                   (long long)i, lf[i], (float)ld[i]);
    for (int i = 0; i < N * C; i++)
      XT_CHECK_MSG(xt_same_double(gf[i], (float)gd[i]), "%s grad[%d]: %.9g vs %.9g", names[f], i,
                   gf[i], (float)gd[i]);
  }
}
