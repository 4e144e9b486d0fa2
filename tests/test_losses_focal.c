/*
 * Focal cross-entropies (Keras binary_focal_crossentropy and
 * categorical_focal_crossentropy). Expected values: Keras's documented
 * examples, closed forms, and long double references of the formulas in
 * xent.h written here.
 */
#include "losses_testutil.h"

static long double sigl(long double x) { return 1 / (1 + expl(-x)); }
static long double softplusl(long double x) {
  return x > 0 ? x + log1pl(expl(-x)) : log1pl(expl(x));
}

/* Binary focal of one element, with its derivative (w.r.t. p, or x). */
static long double ref_bfocal(double x, double y, int logits, double gamma, double w, double lo,
                              double hi, long double *g, long double *gscale) {
  long double p = logits ? sigl(x) : x, q = logits ? sigl(-(long double)x) : 1 - (long double)x;
  long double bce, gb;
  if (logits) {
    bce = y * softplusl(-(long double)x) + (1 - (long double)y) * softplusl(x);
    gb = -(long double)y * q + (1 - (long double)y) * p;
  } else {
    long double c = p < lo ? lo : p > hi ? hi : p;
    int in = p >= lo && p <= hi;
    bce = 0, gb = 0;
    if (y != 0) bce -= y * logl(c), gb -= y / c;
    if (1 - (long double)y != 0) bce -= (1 - (long double)y) * log1pl(-c), gb += (1 - (long double)y) / (1 - c);
    if (!in) gb = 0;
  }
  long double m = y * q + (1 - (long double)y) * p;
  long double f = gamma == 0 ? 1 : powl(m, gamma);
  long double dm = 1 - 2 * (long double)y;
  if (logits) dm *= p * q;
  long double df = gamma == 0 ? 0 : gamma * powl(m, gamma - 1) * dm;
  if (g) *g = w * (df * bce + f * gb);
  if (gscale) *gscale = fabsl(w) * (fabsl(df * bce) + fabsl(f * gb));
  return w * f * bce;
}

/* Categorical focal of a row of probabilities (r = p / S clipped), u = alpha cw y. */
static long double ref_cfocal(const double *p, const double *u, int n, double gamma, double lo,
                              double hi, long double *g) {
  long double S = 0, loss = 0, gr[64], r[64];
  for (int i = 0; i < n; i++) S += p[i];
  for (int c = 0; c < n; c++) {
    r[c] = p[c] / S;
    int in = r[c] >= lo && r[c] <= hi;
    long double rc = r[c] < lo ? lo : r[c] > hi ? hi : r[c];
    long double m = in && r[c] >= 0.5L ? (S - p[c]) / S : 1 - rc;
    long double nl = in && r[c] >= 0.5L ? -log1pl(-m) : -logl(rc);
    long double f = gamma == 0 ? 1 : powl(m, gamma);
    loss += u[c] * f * nl;
    gr[c] = in ? u[c] * (-(gamma == 0 ? 0 : gamma * powl(m, gamma - 1)) * nl - f / rc) : 0;
  }
  long double d = 0;
  for (int c = 0; c < n; c++) d += gr[c] * r[c];
  for (int k = 0; g && k < n; k++) g[k] = (gr[k] - d) / S;
  return loss;
}

void test_losses_focal_keras_examples(void) {
  /* binary: y = [[0, 1], [0, 0]], p = [[0.6, 0.4], [0.4, 0.6]], gamma 2 -> [0.330, 0.206] */
  double y[4] = {0, 1, 0, 0}, p[4] = {0.6, 0.4, 0.4, 0.6}, l[2];
  xent_tensor_t ty = lt_mat(y, 2, 2), tp = lt_mat(p, 2, 2), tl = lt_vec(l, 2);
  xent_ce_options_t o = lt_opts(XENT_REDUCTION_NONE);
  o.flags = XENT_CE_MEAN_OVER_CLASSES;
  XT_OK(xent_binary_focal_cross_entropy(&tp, &ty, NULL, &o, &tl, NULL));
  long double a = 0.36L * -logl(0.4L), b = 0.16L * -logl(0.6L);
  XT_CHECK_CLOSE(l[0], (double)a, 1e-15, 0);
  XT_CHECK_CLOSE(l[1], (double)((b + a) / 2), 1e-15, 0);
  XT_CHECK_CLOSE(l[0], 0.330, 0, 5e-4);
  XT_CHECK_CLOSE(l[1], 0.206, 0, 5e-4);

  /* categorical, class docs: [[0.05, 0.95, 0], [0.1, 0.8, 0.1]] -> [3.2058331e-05, 0.46627346] */
  double yc[6] = {0, 1, 0, 0, 0, 1}, pc[6] = {0.05, 0.95, 0, 0.1, 0.8, 0.1}, lc[2], v;
  xent_tensor_t tyc = lt_mat(yc, 2, 3), tpc = lt_mat(pc, 2, 3), tlc = lt_vec(lc, 2), tv = lt_scalar(&v);
  o.flags = 0;
  XT_OK(xent_categorical_focal_cross_entropy(&tpc, &tyc, NULL, &o, &tlc, NULL));
  XT_CHECK_CLOSE(lc[0], (double)(0.25L * 0.05L * 0.05L * -logl(0.95L)), 1e-14, 0);
  XT_CHECK_CLOSE(lc[1], (double)(0.25L * 0.81L * -logl(0.1L)), 1e-14, 0);
  /* Keras's printed float32 values carry its own rounding (1 - 0.95 in f32) */
  XT_CHECK_CLOSE(lc[0], 3.2058331e-05, 2e-6, 0);
  XT_CHECK_CLOSE(lc[1], 0.46627346, 2e-7, 0);
  o.reduction = XENT_REDUCTION_SUM_OVER_BATCH_SIZE;
  XT_OK(xent_categorical_focal_cross_entropy(&tpc, &tyc, NULL, &o, &tv, NULL));
  XT_CHECK_CLOSE(v, 0.23315276, 2e-7, 0);
  /* categorical, function docs: [[0.05, 0.9, 0.05], [0.1, 0.85, 0.05]] -> [2.634e-4, 0.6759] */
  double pd[6] = {0.05, 0.9, 0.05, 0.1, 0.85, 0.05};
  xent_tensor_t tpd = lt_mat(pd, 2, 3);
  o.reduction = XENT_REDUCTION_NONE;
  XT_OK(xent_categorical_focal_cross_entropy(&tpd, &tyc, NULL, &o, &tlc, NULL));
  XT_CHECK_CLOSE(lc[0], 2.63401289e-04, 2e-6, 0);
  XT_CHECK_CLOSE(lc[1], 6.75912094e-01, 2e-7, 0);
}

void test_losses_focal_gamma_zero_is_cross_entropy(void) {
  enum { N = 6, C = 4 };
  double p[N * C], y[N * C], l1[N], l2[N];
  xt_rng rng = {606};
  for (int i = 0; i < N * C; i++) p[i] = xt_uniform(&rng, 0.01, 0.99), y[i] = (double)(xt_next(&rng) % 2);
  xent_tensor_t tp = lt_mat(p, N, C), ty = lt_mat(y, N, C), tl1 = lt_vec(l1, N), tl2 = lt_vec(l2, N);
  xent_ce_options_t o = lt_opts(XENT_REDUCTION_NONE);
  o.flags = XENT_CE_MEAN_OVER_CLASSES;
  xent_focal_params_t fp = xent_focal_params_default();
  fp.gamma = 0;
  XT_OK(xent_binary_focal_cross_entropy(&tp, &ty, &fp, &o, &tl1, NULL));
  XT_OK(xent_binary_cross_entropy(&tp, &ty, NULL, &o, &tl2, NULL));
  for (int i = 0; i < N; i++) XT_CHECK_SAME(l1[i], l2[i]);
  /* with class balancing the elements are weighted alpha / 1 - alpha */
  fp.apply_class_balancing = 1;
  fp.alpha = 0.3;
  XT_OK(xent_binary_focal_cross_entropy(&tp, &ty, &fp, &o, &tl1, NULL));
  for (int r = 0; r < N; r++) {
    long double s = 0;
    for (int c = 0; c < C; c++) {
      double pi = p[r * C + c], yi = y[r * C + c];
      s += yi ? 0.3L * -logl(pi) : 0.7L * -log1pl(-(long double)pi);
    }
    XT_CHECK_CLOSE(l1[r], (double)(s / C), 1e-15, 0);
  }
  /* categorical: gamma 0 and alpha 1 is the categorical cross-entropy */
  fp = xent_focal_params_default();
  fp.gamma = 0, fp.alpha = 1;
  o.flags = 0;
  for (int r = 0; r < N; r++)
    for (int c = 0; c < C; c++) y[r * C + c] = c == r % C;
  XT_OK(xent_categorical_focal_cross_entropy(&tp, &ty, &fp, &o, &tl1, NULL));
  XT_OK(xent_categorical_cross_entropy(&tp, &ty, NULL, &o, &tl2, NULL));
  for (int i = 0; i < N; i++) XT_CHECK_CLOSE(l1[i], l2[i], 4e-16, 0);
}

void test_losses_focal_against_long_double(void) {
  enum { N = 50, C = 5 };
  double x[N * C], y[N * C], l[N * C], g[N * C];
  xt_rng rng = {707};
  for (int i = 0; i < N * C; i++) y[i] = i % 5 == 0 ? xt_uniform(&rng, 0, 1) : (double)(xt_next(&rng) % 2);
  xent_tensor_t tx = lt_mat(x, N, C), ty = lt_mat(y, N, C), tl = lt_mat(l, N, C), tg = lt_mat(g, N, C);
  xent_ce_options_t o = lt_opts(XENT_REDUCTION_NONE);
  double gammas[3] = {2, 0.5, 3.5};
  for (int logits = 0; logits < 2; logits++) {
    for (int i = 0; i < N * C; i++)
      x[i] = logits ? xt_normal(&rng) * (i % 3 ? 4 : 30) : xt_uniform(&rng, 1e-5, 1 - 1e-5);
    lt_tally tl_ = {logits ? "binary focal from logits f64 loss" : "binary focal f64 loss", 0, 0};
    lt_tally tg_ = {logits ? "binary focal from logits f64 gradient" : "binary focal f64 gradient", 0, 0};
    for (int k = 0; k < 3; k++) {
      xent_focal_params_t fp = xent_focal_params_default();
      fp.gamma = gammas[k];
      fp.from_logits = logits;
      fp.apply_class_balancing = k == 1;
      XT_OK(xent_binary_focal_cross_entropy(&tx, &ty, &fp, &o, &tl, &tg));
      for (int i = 0; i < N * C; i++) {
        double w = k == 1 ? y[i] * 0.25 + (1 - y[i]) * 0.75 : 1;
        long double rg, rs, want = ref_bfocal(x[i], y[i], logits, gammas[k], w, 1e-7, 0.9999999, &rg, &rs);
        lt_ulp(&tl_, l[i], want, XENT_F64);
        lt_ulp_of(&tg_, g[i], rg, rs, XENT_F64); /* its two terms may cancel */
      }
    }
    lt_report(&tl_, 8);
    lt_report(&tg_, 8);
  }
  /* categorical, from probabilities */
  double p[N * C], yc[N * C], lc[N], gc[N * C];
  for (int r = 0; r < N; r++)
    for (int c = 0; c < C; c++) {
      p[r * C + c] = xt_uniform(&rng, 0.01, 2);
      yc[r * C + c] = c == r % C;
    }
  xent_tensor_t tp = lt_mat(p, N, C), tyc = lt_mat(yc, N, C), tlc = lt_vec(lc, N), tgc = lt_mat(gc, N, C);
  lt_tally t1 = {"categorical focal f64 loss", 0, 0}, t2 = {"categorical focal f64 gradient", 0, 0};
  for (int k = 0; k < 3; k++) {
    xent_focal_params_t fp = xent_focal_params_default();
    fp.gamma = gammas[k];
    XT_OK(xent_categorical_focal_cross_entropy(&tp, &tyc, &fp, &o, &tlc, &tgc));
    for (int r = 0; r < N; r++) {
      double u[C];
      for (int c = 0; c < C; c++) u[c] = 0.25 * yc[r * C + c];
      long double rg[C], want = ref_cfocal(&p[r * C], u, C, gammas[k], 1e-7, 0.9999999, rg);
      lt_ulp(&t1, lc[r], want, XENT_F64);
      long double scale = 0;
      for (int c = 0; c < C; c++) scale += fabsl(rg[c]);
      for (int c = 0; c < C; c++) lt_ulp_of(&t2, gc[r * C + c], rg[c], scale, XENT_F64);
    }
  }
  lt_report(&t1, 8);
  lt_report(&t2, 8);
}

void test_losses_focal_limits_at_certainty(void) {
  /* p = 1 with y = 1: m = 1 - p_t = 0. The loss is 0 for gamma > 0; the
   * derivative of m^gamma is its limit (TensorFlow gives NaN for gamma < 1). */
  double p[1] = {1}, y[1] = {1}, l, g;
  xent_tensor_t tp = lt_mat(p, 1, 1), ty = lt_mat(y, 1, 1), tl = lt_mat(&l, 1, 1), tg = lt_mat(&g, 1, 1);
  xent_ce_options_t o = lt_opts(XENT_REDUCTION_NONE);
  xent_focal_params_t fp = xent_focal_params_default();
  double bce = -log1p(-(1 - 0.9999999)); /* -log(hi) */
  double gammas[4] = {0, 0.5, 1, 2}, want_g[4] = {0, -INFINITY, -bce, 0};
  for (int k = 0; k < 4; k++) {
    fp.gamma = gammas[k];
    XT_OK(xent_binary_focal_cross_entropy(&tp, &ty, &fp, &o, &tl, &tg));
    XT_CHECK_CLOSE(l, gammas[k] == 0 ? bce : 0.0, 1e-15, 0);
    XT_CHECK_MSG(xt_close(g, want_g[k], 1e-15, 0), "gamma %g: grad %.17g, want %.17g", gammas[k],
                 g, want_g[k]);
  }
  /* From a logit the same point is never reached: x = 40 keeps m = sigmoid(-40). */
  double x[1] = {40};
  xent_tensor_t tx = lt_mat(x, 1, 1);
  fp.gamma = 0.5;
  fp.from_logits = 1;
  XT_OK(xent_binary_focal_cross_entropy(&tx, &ty, &fp, &o, &tl, &tg));
  long double m = sigl(-40.0L), bl = softplusl(-40.0L);
  XT_CHECK_MSG(xt_ulp_error(l, sqrtl(m) * bl, XENT_F64) <= 4, "loss %.17g", l);
  XT_CHECK(isfinite(g));
  /* NaN propagates; a zero-weight element is silent */
  double pn[2] = {NAN, 0.3}, yn[2] = {1, 0}, ln[2];
  xent_tensor_t tpn = lt_mat(pn, 1, 2), tyn = lt_mat(yn, 1, 2), tln = lt_mat(ln, 1, 2);
  XT_OK(xent_binary_focal_cross_entropy(&tpn, &tyn, NULL, &o, &tln, NULL));
  XT_CHECK(isnan(ln[0]) && isfinite(ln[1]));
}

typedef struct {
  int categorical;
  xent_focal_params_t fp;
  xent_ce_options_t o;
  const xent_tensor_t *target;
} focal_ctx;

static xent_status_t focal_loss(void *ctx, const xent_tensor_t *x, const xent_tensor_t *loss,
                                const xent_tensor_t *grad) {
  focal_ctx *k = ctx;
  return k->categorical ? xent_categorical_focal_cross_entropy(x, k->target, &k->fp, &k->o, loss, grad)
                        : xent_binary_focal_cross_entropy(x, k->target, &k->fp, &k->o, loss, grad);
}

void test_losses_focal_gradients_match_finite_differences(void) {
  enum { N = 4, C = 5 };
  double p[N * C], x[N * C], y[N * C], oh[N * C], cw[C], sw[N];
  xt_rng rng = {808};
  for (int i = 0; i < N * C; i++) {
    p[i] = xt_uniform(&rng, 0.05, 0.95);
    x[i] = xt_normal(&rng) * 3;
    y[i] = xt_uniform(&rng, 0, 1);
    oh[i] = (i % C) == (i / C) % C;
  }
  for (int i = 0; i < C; i++) cw[i] = xt_uniform(&rng, 0.5, 2);
  for (int i = 0; i < N; i++) sw[i] = xt_uniform(&rng, 0.5, 2);
  int64_t shape[2] = {N, C};
  xent_tensor_t ty = lt_mat(y, N, C), toh = lt_mat(oh, N, C), tcw = lt_vec(cw, C), tsw = lt_vec(sw, N);
  focal_ctx k = {0, xent_focal_params_default(), xent_ce_options_default(), &ty};
  k.o.flags = XENT_CE_MEAN_OVER_CLASSES;
  k.o.sample_weights = &tsw;
  k.o.label_smoothing = 0.1;
  k.fp.apply_class_balancing = 1;
  k.fp.gamma = 1.5;
  lt_gradcheck("binary focal on probabilities", focal_loss, &k, p, 2, shape, 1);
  k.fp.from_logits = 1;
  lt_gradcheck("binary focal on logits", focal_loss, &k, x, 2, shape, 1);
  focal_ctx c = {1, xent_focal_params_default(), xent_ce_options_default(), &toh};
  c.o.class_weights = &tcw;
  c.o.label_smoothing = 0.2;
  lt_gradcheck("categorical focal on probabilities", focal_loss, &c, p, 2, shape, 1);
  c.fp.from_logits = 1;
  c.fp.gamma = 3;
  lt_gradcheck("categorical focal on logits", focal_loss, &c, x, 2, shape, 1);

  /* argument errors */
  double v;
  xent_tensor_t tv = lt_scalar(&v), tp = lt_mat(p, N, C);
  xent_focal_params_t bad = xent_focal_params_default();
  bad.gamma = -1;
  XT_CHECK_STATUS(xent_binary_focal_cross_entropy(&tp, &ty, &bad, NULL, &tv, NULL), XENT_ERR_ARGUMENT);
  bad = xent_focal_params_default();
  bad.apply_class_balancing = 1;
  XT_CHECK_STATUS(xent_categorical_focal_cross_entropy(&tp, &ty, &bad, NULL, &tv, NULL),
                  XENT_ERR_ARGUMENT);
}
