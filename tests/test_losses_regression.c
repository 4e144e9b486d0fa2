/*
 * Regression losses: mean squared / absolute error, Huber, and TensorFlow
 * v1's mean_pairwise_squared_error. Expected values: Keras's documented
 * example, the TensorFlow example (graph and eager), closed forms and
 * long double references.
 */
#include "losses_testutil.h"

void test_losses_regression_closed_forms(void) {
  /* Keras docs: huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]) = 0.155 */
  double t[4] = {0, 1, 0, 0}, p[4] = {0.6, 0.4, 0.4, 0.6}, v;
  xent_tensor_t tt = lt_mat(t, 2, 2), tp = lt_mat(p, 2, 2), tv = lt_scalar(&v);
  xent_ce_options_t keras = lt_opts(XENT_REDUCTION_SUM_OVER_BATCH_SIZE);
  keras.flags = XENT_CE_MEAN_OVER_CLASSES;
  XT_OK(xent_huber_loss(&tp, &tt, 1.0, &keras, &tv, NULL));
  XT_CHECK_CLOSE(v, (0.18 + 0.18 + 0.08 + 0.18) / 4, 1e-15, 0);
  XT_CHECK_CLOSE(v, 0.155, 0, 5e-4);

  /* Huber's two branches, MSE, MAE, at e = 0, +-delta, beyond */
  double e[7] = {0, 0.5, -0.5, 2, -2, 3, -10}, z[7] = {0}, l[7], g[7];
  xent_tensor_t te = lt_mat(e, 1, 7), tz = lt_mat(z, 1, 7), tl = lt_mat(l, 1, 7), tg = lt_mat(g, 1, 7);
  xent_ce_options_t none = lt_opts(XENT_REDUCTION_NONE);
  XT_OK(xent_huber_loss(&te, &tz, 2.0, &none, &tl, &tg));
  for (int i = 0; i < 7; i++) {
    double a = fabs(e[i]);
    XT_CHECK_SAME(l[i], a <= 2 ? 0.5 * e[i] * e[i] : 2 * (a - 1));
    XT_CHECK_SAME(g[i], a <= 2 ? e[i] : (e[i] > 0 ? 2.0 : -2.0));
  }
  XT_OK(xent_mean_squared_error(&te, &tz, &none, &tl, &tg));
  for (int i = 0; i < 7; i++) {
    XT_CHECK_SAME(l[i], e[i] * e[i]);
    XT_CHECK_SAME(g[i], 2 * e[i]);
  }
  XT_OK(xent_mean_absolute_error(&te, &tz, &none, &tl, &tg));
  for (int i = 0; i < 7; i++) XT_CHECK_SAME(l[i], fabs(e[i]));
  XT_CHECK_SAME(g[0], 0.0); /* sign(0) = 0, as PyTorch and TensorFlow */
  XT_CHECK_SAME(g[1], 1.0);
  XT_CHECK_SAME(g[2], -1.0);

  /* Keras (mean over the last axis, then over positions) and PyTorch (mean
   * over all elements) agree without weights; with per-position weights the
   * Keras form weighs each position's mean. */
  enum { N = 3, C = 4 };
  double x[N * C], y[N * C], sw[N] = {0.5, 1, 2}, vk, vt;
  xt_rng rng = {909};
  for (int i = 0; i < N * C; i++) x[i] = xt_normal(&rng), y[i] = xt_normal(&rng);
  xent_tensor_t tx = lt_mat(x, N, C), ty = lt_mat(y, N, C), tvk = lt_scalar(&vk), tvt = lt_scalar(&vt);
  xent_ce_options_t torch = lt_opts(XENT_REDUCTION_SUM_OVER_BATCH_SIZE);
  XT_OK(xent_mean_squared_error(&tx, &ty, &keras, &tvk, NULL));
  XT_OK(xent_mean_squared_error(&tx, &ty, &torch, &tvt, NULL));
  XT_CHECK_CLOSE(vk, vt, 1e-15, 0);
  xent_tensor_t tsw = lt_vec(sw, N);
  keras.sample_weights = &tsw;
  XT_OK(xent_mean_absolute_error(&tx, &ty, &keras, &tvk, NULL));
  long double want = 0;
  for (int r = 0; r < N; r++) {
    long double s = 0;
    for (int c = 0; c < C; c++) s += fabsl((long double)x[r * C + c] - y[r * C + c]);
    want += sw[r] * s / C;
  }
  XT_CHECK_CLOSE(vk, (double)(want / N), 1e-15, 0);

  /* non-finite */
  double xi[3] = {INFINITY, NAN, 1}, yi[3] = {0, 0, INFINITY}, li[3];
  xent_tensor_t txi = lt_mat(xi, 1, 3), tyi = lt_mat(yi, 1, 3), tli = lt_mat(li, 1, 3);
  XT_OK(xent_huber_loss(&txi, &tyi, 1.0, &none, &tli, NULL));
  XT_CHECK_SAME(li[0], INFINITY);
  XT_CHECK(isnan(li[1]));
  XT_CHECK_SAME(li[2], INFINITY);
  XT_CHECK_STATUS(xent_huber_loss(&txi, &tyi, 0.0, &none, &tli, NULL), XENT_ERR_ARGUMENT);
}

void test_losses_mpse_tensorflow_example(void) {
  /* labels [[0, 1, 2], [3, 4, 5]], predictions [[0.5, 1.7, 2.1], [3.3, 3.9, 5.6]]:
   * tf.function (the documented semantics) 0.43333334, eager 0.32866663. */
  float lab[6] = {0, 1, 2, 3, 4, 5}, pr[6] = {0.5f, 1.7f, 2.1f, 3.3f, 3.9f, 5.6f}, v;
  xent_tensor_t tl = xent_tensor_2d(lab, XENT_F32, 2, 3), tp = xent_tensor_2d(pr, XENT_F32, 2, 3);
  xent_tensor_t tv = xent_tensor_1d(&v, XENT_F32, 1);
  xent_ce_options_t o = lt_opts(XENT_REDUCTION_SUM);
  XT_OK(xent_mean_pairwise_squared_error(&tp, &tl, &o, &tv, NULL));
  /* TensorFlow's printed float32 values, a couple of its ulps off the exact ones */
  XT_CHECK_CLOSE(v, 0.43333334, 0, 1.5e-7);
  o.flags = XENT_MPSE_TF_EAGER_COUNT;
  XT_OK(xent_mean_pairwise_squared_error(&tp, &tl, &o, &tv, NULL));
  XT_CHECK_CLOSE(v, 0.32866663, 0, 1.5e-7);
  /* The definition: the mean over a sample's pairs of ((a_i - a_j) - (x_i - x_j))^2. */
  long double total = 0;
  for (int s = 0; s < 2; s++) {
    long double sum = 0;
    for (int i = 0; i < 3; i++)
      for (int j = i + 1; j < 3; j++) {
        long double dd = ((long double)lab[3 * s + i] - lab[3 * s + j]) -
                         ((long double)pr[3 * s + i] - pr[3 * s + j]);
        sum += dd * dd;
      }
    total += sum / 3;
  }
  o.flags = 0;
  XT_OK(xent_mean_pairwise_squared_error(&tp, &tl, &o, &tv, NULL));
  XT_CHECK_MSG(xt_ulp_error(v, total, XENT_F32) <= 1, "%.9g vs %.9Lg", v, total);
}

/* Reference: per sample, with counts n and weight sums c given. */
static long double ref_mpse(const double *d, int N, int D, const double *c, const double *n,
                            long double *grad) {
  long double total = 0;
  for (int s = 0; s < N; s++) {
    long double s1 = 0, s2 = 0, m = n[s];
    for (int i = 0; i < D; i++) s1 += d[s * D + i];
    long double mean = s1 / D;
    for (int i = 0; i < D; i++) s2 += (d[s * D + i] - mean) * (d[s * D + i] - mean);
    /* 2 sum d^2 / (m - 1) - 2 s1^2 / (m (m - 1)) with sum d^2 = s2 + s1^2 / D,
     * written so that nothing cancels when m = D */
    long double L = m > 1 ? 2 / (m - 1) * (s2 + s1 * s1 * ((m - D) / (m * D))) : 0;
    total += c[s] * L;
    for (int i = 0; grad && i < D; i++)
      grad[s * D + i] = m > 1 ? c[s] * 4 / (m - 1) * (d[s * D + i] - s1 / m) : 0;
  }
  return total;
}

void test_losses_mpse_weights_and_accuracy(void) {
  enum { N = 3, A = 2, B = 4, D = A * B };
  double x[N * D], t[N * D], g[N * D], v, d[N * D];
  xt_rng rng = {1001};
  /* a large common offset: sum d^2 - (sum d)^2 / n cancels badly there */
  for (int i = 0; i < N * D; i++) {
    t[i] = xt_normal(&rng);
    x[i] = t[i] + 1e6 + xt_normal(&rng) * 1e-3;
    d[i] = x[i] - t[i];
  }
  int64_t shape[3] = {N, A, B};
  xent_tensor_t tx = lt_nd(x, XENT_F64, 3, shape), tt = lt_nd(t, XENT_F64, 3, shape);
  xent_tensor_t tg = lt_nd(g, XENT_F64, 3, shape), tv = lt_scalar(&v);
  xent_ce_options_t o = lt_opts(XENT_REDUCTION_SUM);
  double c1[N] = {1, 1, 1}, n8[N] = {D, D, D};
  long double rg[N * D];
  XT_OK(xent_mean_pairwise_squared_error(&tx, &tt, &o, &tv, &tg));
  long double want = ref_mpse(d, N, D, c1, n8, rg);
  lt_tally ta = {"mean_pairwise_squared_error f64 (offset 1e6 + noise 1e-3)", 0, 0};
  lt_ulp(&ta, v, want, XENT_F64);
  lt_report(&ta, 4);
  /* the gradient 4 / (n - 1) (d_i - mean d) is accurate to ulps of |d|: the
   * difference itself is the rounded inputs' (d = x - t already rounds) */
  lt_tally tgr = {"mean_pairwise_squared_error f64 gradient, in ulps of 4 max|d| / (n - 1)", 0, 0};
  for (int i = 0; i < N * D; i++) lt_ulp_of(&tgr, g[i], rg[i], 4 * 1e6L / (D - 1), XENT_F64);
  lt_report(&tgr, 4);

  /* per-sample weights (N, 1, 1) with a zero: c = w, n = D or 0 */
  double w[N] = {2, 0, 0.5};
  int64_t ws[3] = {N, 1, 1};
  xent_tensor_t tw = lt_nd(w, XENT_F64, 3, ws);
  o.sample_weights = &tw;
  XT_OK(xent_mean_pairwise_squared_error(&tx, &tt, &o, &tv, &tg));
  double n_w[N] = {D, 0, D};
  XT_CHECK_CLOSE(v, (double)ref_mpse(d, N, D, w, n_w, rg), 1e-12, 0);
  for (int i = D; i < 2 * D; i++) XT_CHECK_SAME(g[i], 0.0);
  /* (N,) weights are aligned from the left: the same */
  double v2;
  xent_tensor_t tw1 = lt_vec(w, N), tv2 = lt_scalar(&v2);
  o.sample_weights = &tw1;
  XT_OK(xent_mean_pairwise_squared_error(&tx, &tt, &o, &tv2, NULL));
  XT_CHECK_SAME(v2, v);
  /* full-shape weights: c = the sample's weight sum, n = its nonzero count;
   * the squared differences are not masked */
  double wf[N * D];
  for (int i = 0; i < N * D; i++) wf[i] = i % 3 == 0 ? 0 : 1 + (i % 5);
  xent_tensor_t twf = lt_nd(wf, XENT_F64, 3, shape);
  o.sample_weights = &twf;
  XT_OK(xent_mean_pairwise_squared_error(&tx, &tt, &o, &tv, &tg));
  double cf[N], nf[N];
  for (int s = 0; s < N; s++) {
    cf[s] = 0, nf[s] = 0;
    for (int i = 0; i < D; i++) cf[s] += wf[s * D + i], nf[s] += wf[s * D + i] != 0;
  }
  XT_CHECK_CLOSE(v, (double)ref_mpse(d, N, D, cf, nf, rg), 1e-9, 0);
  for (int i = 0; i < N * D; i++) XT_CHECK_CLOSE(g[i], (double)rg[i], 1e-8, 1e-10);
  /* NONE: c_s L_s per sample */
  double per[N];
  xent_tensor_t tper = lt_vec(per, N);
  o.reduction = XENT_REDUCTION_NONE;
  XT_OK(xent_mean_pairwise_squared_error(&tx, &tt, &o, &tper, NULL));
  XT_CHECK_CLOSE(per[0] + per[1] + per[2], v, 1e-12, 0);
  /* a sample of one element has no pairs: loss 0 */
  double x1[2] = {3, 4}, t1[2] = {0, 0}, v1;
  xent_tensor_t tx1 = lt_mat(x1, 2, 1), tt1 = lt_mat(t1, 2, 1), tv1 = lt_scalar(&v1);
  xent_ce_options_t os = lt_opts(XENT_REDUCTION_SUM);
  XT_OK(xent_mean_pairwise_squared_error(&tx1, &tt1, &os, &tv1, NULL));
  XT_CHECK_SAME(v1, 0.0);
  /* errors: options that do not apply */
  os.mask = &tx1;
  XT_CHECK_STATUS(xent_mean_pairwise_squared_error(&tx1, &tt1, &os, &tv1, NULL), XENT_ERR_ARGUMENT);
  os = lt_opts(XENT_REDUCTION_SUM);
  double wbad[3] = {1, 1, 1};
  xent_tensor_t twbad = lt_vec(wbad, 3);
  os.sample_weights = &twbad;
  XT_CHECK_STATUS(xent_mean_pairwise_squared_error(&tx1, &tt1, &os, &tv1, NULL), XENT_ERR_SHAPE);
}

typedef struct {
  int kind; /* 0 mse, 1 mae, 2 huber, 3 mpse */
  xent_ce_options_t o;
  const xent_tensor_t *target;
} reg_ctx;

static xent_status_t reg_loss(void *ctx, const xent_tensor_t *x, const xent_tensor_t *loss,
                              const xent_tensor_t *grad) {
  reg_ctx *k = ctx;
  switch (k->kind) {
    case 0: return xent_mean_squared_error(x, k->target, &k->o, loss, grad);
    case 1: return xent_mean_absolute_error(x, k->target, &k->o, loss, grad);
    case 2: return xent_huber_loss(x, k->target, 0.8, &k->o, loss, grad);
    default: return xent_mean_pairwise_squared_error(x, k->target, &k->o, loss, grad);
  }
}

void test_losses_regression_gradients_match_finite_differences(void) {
  enum { N = 3, C = 5 };
  double x[N * C], t[N * C], sw[N * C];
  xt_rng rng = {1101};
  for (int i = 0; i < N * C; i++) {
    t[i] = xt_normal(&rng);
    double e = xt_uniform(&rng, 0.1, 2.5) * (i % 2 ? 1 : -1);
    if (fabs(fabs(e) - 0.8) < 0.05) e *= 1.2; /* away from Huber's branch point */
    x[i] = t[i] + e;
    sw[i] = xt_uniform(&rng, 0.5, 2);
  }
  int64_t shape[2] = {N, C};
  xent_tensor_t tt = lt_mat(t, N, C), tsw = lt_mat(sw, N, C), tsw1 = lt_vec(sw, N);
  const char *names[4] = {"mean squared error", "mean absolute error", "Huber (delta 0.8)",
                          "mean_pairwise_squared_error"};
  for (int kind = 0; kind < 4; kind++) {
    reg_ctx k = {kind, xent_ce_options_default(), &tt};
    k.o.sample_weights = kind == 3 ? &tsw1 : &tsw; /* per element, or per sample */
    lt_gradcheck(names[kind], reg_loss, &k, x, 2, shape, 1);
  }
  reg_ctx k = {2, xent_ce_options_default(), &tt};
  k.o.flags = XENT_CE_MEAN_OVER_CLASSES;
  k.o.sample_weights = &tsw1;
  lt_gradcheck("Huber, Keras form (mean over the last axis, weights)", reg_loss, &k, x, 2, shape, 1);
}
