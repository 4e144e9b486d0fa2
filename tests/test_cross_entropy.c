/*
 * The cross-entropy family on logits. Expected values come from the seed
 * documents' worked example, closed forms, and a long double reference
 * written here independently of the library (naive formulas, evaluated with
 * 11 more bits than double).
 */
#include "harness.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

/* ---- long double reference ---- */

/* -log_softmax(x)_c for every c, in long double. log1pl of the tail keeps the
 * dominant class exact. */
static void ref_neg_log_softmax(const double *x, int n, long double *out) {
  int k = 0;
  for (int i = 1; i < n; i++)
    if (x[i] > x[k]) k = i;
  long double tail = 0;
  for (int i = 0; i < n; i++)
    if (i != k) tail += expl((long double)x[i] - x[k]);
  long double l = log1pl(tail);
  for (int i = 0; i < n; i++) out[i] = l - ((long double)x[i] - x[k]);
}

/* sum_c u_c * -log_softmax(x)_c and its gradient p * sum(u) - u. */
static long double ref_softmax_ce(const double *x, const long double *u, int n,
                                  long double *grad) {
  long double nls[64], loss = 0, total = 0;
  ref_neg_log_softmax(x, n, nls);
  for (int c = 0; c < n; c++) {
    if (u[c] != 0) loss += u[c] * nls[c];
    total += u[c];
  }
  if (grad)
    for (int c = 0; c < n; c++) grad[c] = expl(-nls[c]) * total - u[c];
  return loss;
}

static long double ref_softplus(long double x) {
  return x > 0 ? x + log1pl(expl(-x)) : log1pl(expl(x));
}

static long double ref_sigmoid(long double x) { return 1 / (1 + expl(-x)); }

/* ---- helpers ---- */

static xent_tensor_t vec_i64(int64_t *d, int64_t n) { return xent_tensor_1d(d, XENT_I64, n); }
static xent_tensor_t mat(double *d, int64_t r, int64_t c) { return xent_tensor_2d(d, XENT_F64, r, c); }
static xent_tensor_t scalar(double *d) {
  xent_tensor_t t;
  xent_tensor_init(&t, d, XENT_F64, 0, NULL, NULL);
  return t;
}

static xent_ce_options_t opts_with(xent_reduction_t r) {
  xent_ce_options_t o = xent_ce_options_default();
  o.reduction = r;
  return o;
}

/* ---- the seed documents' worked example ---- */

void test_ce_seed_worked_example(void) {
  double x[6] = {0.5, 1.5, 0.1, 2.2, 1.3, 1.7};
  double onehot[6] = {0, 1, 0, 0, 0, 1};
  int64_t labels[2] = {1, 2};
  const double per_example[2] = {0.4790107, 1.19967598}, mean = 0.83934334;
  xent_tensor_t tx = mat(x, 2, 3), ty = mat(onehot, 2, 3), tl = vec_i64(labels, 2);
  double l[2], m;
  xent_tensor_t tloss = xent_tensor_1d(l, XENT_F64, 2), tm = scalar(&m);
  xent_ce_options_t none = opts_with(XENT_REDUCTION_NONE);

  XT_OK(xent_softmax_cross_entropy(&tx, &ty, &none, &tloss, NULL));
  for (int i = 0; i < 2; i++) XT_CHECK_CLOSE(l[i], per_example[i], 0, 5e-8);
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &tl, &none, &tloss, NULL));
  for (int i = 0; i < 2; i++) XT_CHECK_CLOSE(l[i], per_example[i], 0, 5e-8);
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &tl, NULL, &tm, NULL));
  XT_CHECK_CLOSE(m, mean, 0, 5e-9);

  /* f32 in, f32 out */
  float xf[6], lf[2];
  for (int i = 0; i < 6; i++) xf[i] = (float)x[i];
  xent_tensor_t txf = xent_tensor_2d(xf, XENT_F32, 2, 3), tlf = xent_tensor_1d(lf, XENT_F32, 2);
  XT_OK(xent_sparse_softmax_cross_entropy(&txf, &tl, &none, &tlf, NULL));
  for (int i = 0; i < 2; i++) XT_CHECK_CLOSE(lf[i], per_example[i], 0, 2e-7);
}

/* ---- exactness beyond the peers ---- */

void test_ce_confident_prediction_keeps_its_loss(void) {
  /* f64: the loss is log1p(exp(-37.42994775023705)) = 5.551115123125776e-17
   * (50-digit value); logsumexp - x, the peers' formula, gives 0 here. */
  double x[2] = {37.42994775023705, 0};
  int64_t label = 0;
  double m;
  xent_tensor_t tx = mat(x, 1, 2), tl = vec_i64(&label, 1), tm = scalar(&m);
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &tl, NULL, &tm, NULL));
  long double want = log1pl(expl(-(long double)x[0]));
  XT_CHECK_MSG(xt_ulp_error(m, want, XENT_F64) <= 1, "loss %.17g, want %.17Lg", m, want);
  XT_CHECK(m > 5.5e-17);
  double naive = (x[0] + log(1 + exp(x[1] - x[0]))) - x[0]; /* what the peers compute */
  XT_CHECK(naive == 0.0);

  /* f32: [20, 0] has loss 2.0611537e-09, not 0. */
  float xf[2] = {20, 0}, mf;
  xent_tensor_t txf = xent_tensor_2d(xf, XENT_F32, 1, 2), tmf = xent_tensor_1d(&mf, XENT_F32, 1);
  XT_OK(xent_sparse_softmax_cross_entropy(&txf, &tl, NULL, &tmf, NULL));
  XT_CHECK_MSG(xt_ulp_error(mf, log1pl(expl(-20.0L)), XENT_F32) <= 1, "f32 loss %.9g", mf);

  /* Sigmoid: label 1 with logit 40 has loss softplus(-40) = 4.248e-18. */
  double s = 40, one = 1, ls;
  xent_tensor_t ts = mat(&s, 1, 1), tone = mat(&one, 1, 1), tls = scalar(&ls);
  XT_OK(xent_sigmoid_cross_entropy(&ts, &tone, NULL, &tls, NULL));
  XT_CHECK_MSG(xt_ulp_error(ls, log1pl(expl(-40.0L)), XENT_F64) <= 1, "sigmoid loss %.17g", ls);
}

void test_ce_gradient_without_cancellation(void) {
  /* Row [40, 0 x 9], label 0: the on-target gradient is -9e^-40 / (1 + 9e^-40). */
  double x[10] = {40}, g[10], dense_g[10], onehot[10] = {1};
  int64_t label = 0;
  xent_tensor_t tx = mat(x, 1, 10), tg = mat(g, 1, 10), tl = vec_i64(&label, 1);
  xent_tensor_t ty = mat(onehot, 1, 10), tdg = mat(dense_g, 1, 10);
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &tl, NULL, NULL, &tg));
  XT_OK(xent_softmax_cross_entropy(&tx, &ty, NULL, NULL, &tdg));
  long double e = expl(-40.0L), want0 = -9 * e / (1 + 9 * e), want_other = e / (1 + 9 * e);
  XT_CHECK_CLOSE(g[0], (double)want0, 1e-13, 0);
  XT_CHECK_CLOSE(dense_g[0], (double)want0, 1e-13, 0);
  long double sum = 0;
  for (int c = 0; c < 10; c++) sum += g[c];
  for (int c = 1; c < 10; c++) XT_CHECK_CLOSE(g[c], (double)want_other, 1e-15, 0);
  XT_CHECK_MSG(fabsl(sum) <= 1e-15L * 9 * e, "gradient row sums to %Lg", sum);

  /* Random rows: every gradient row sums to 0 within 1e-15 of its scale. */
  xt_rng rng = {7};
  double xr[50 * 8], gr[50 * 8];
  int64_t lr[50];
  for (int i = 0; i < 400; i++) xr[i] = xt_normal(&rng) * 10;
  for (int i = 0; i < 50; i++) lr[i] = (int64_t)(xt_next(&rng) % 8);
  xent_tensor_t txr = mat(xr, 50, 8), tgr = mat(gr, 50, 8), tlr = vec_i64(lr, 50);
  xent_ce_options_t o = opts_with(XENT_REDUCTION_SUM);
  XT_OK(xent_sparse_softmax_cross_entropy(&txr, &tlr, &o, NULL, &tgr));
  for (int r = 0; r < 50; r++) {
    long double s = 0;
    for (int c = 0; c < 8; c++) s += gr[r * 8 + c];
    XT_CHECK_MSG(fabsl(s) <= 1e-15L, "row %d sums to %Lg", r, s);
  }
}

/* ---- accuracy against the long double reference ---- */

void test_ce_accuracy_against_long_double(void) {
  xt_rng rng = {11};
  double worst_loss = 0, worst_grad = 0;
  for (int trial = 0; trial < 300; trial++) {
    int n = 1 + (int)(xt_next(&rng) % 40);
    double x[40], g[40], scale = trial % 3 == 0 ? 1 : trial % 3 == 1 ? 30 : 300;
    for (int i = 0; i < n; i++) x[i] = xt_normal(&rng) * scale;
    int64_t label = (int64_t)(xt_next(&rng) % (uint64_t)n);
    if (trial % 5 == 0) x[label] += 40; /* confident and correct */
    double loss;
    xent_tensor_t tx = mat(x, 1, n), tg = mat(g, 1, n), tl = vec_i64(&label, 1), tm = scalar(&loss);
    XT_OK(xent_sparse_softmax_cross_entropy(&tx, &tl, NULL, &tm, &tg));
    long double u[40] = {0}, rg[40];
    u[label] = 1;
    long double want = ref_softmax_ce(x, u, n, rg);
    double e = xt_ulp_error(loss, want, XENT_F64);
    if (e > worst_loss) worst_loss = e;
    for (int c = 0; c < n; c++) {
      /* bound: 4 ulp of |softmax_c T| + |u_c| */
      long double scale_c = fabsl(rg[c] + u[c]) + u[c];
      double ge = (double)(fabsl(g[c] - rg[c]) / xt_ulp(scale_c, XENT_F64));
      if (ge > worst_grad) worst_grad = ge;
    }
  }
  printf("  accuracy sparse softmax CE f64: loss max %.2f ulp (bound 4), grad max %.2f ulp (bound 4)\n",
         worst_loss, worst_grad);
  XT_CHECK(worst_loss <= 4);
  XT_CHECK(worst_grad <= 4);
}

/* ---- reductions, weights, smoothing ---- */

#define RN 6
#define RC 4

/* Fills a batch with logits, labels, sample weights and class weights. */
typedef struct {
  double x[RN * RC];
  int64_t y[RN];
  double sw[RN], cw[RC];
} batch;

static void make_batch(batch *b, uint64_t seed) {
  xt_rng rng = {seed};
  for (int i = 0; i < RN * RC; i++) b->x[i] = xt_normal(&rng) * 2;
  for (int i = 0; i < RN; i++) b->y[i] = (int64_t)(xt_next(&rng) % RC);
  for (int i = 0; i < RN; i++) b->sw[i] = i == 2 ? 0 : xt_uniform(&rng, 0.5, 2);
  for (int i = 0; i < RC; i++) b->cw[i] = xt_uniform(&rng, 0.2, 3);
}

void test_ce_sparse_reductions_and_weights(void) {
  batch b;
  make_batch(&b, 3);
  b.y[4] = -100; /* ignored with ignore_index = -100 */
  const double a = 0.1;
  /* Reference per position: L = sw * [(1-a) cw_y nll_y + (a/C) sum_c cw_c nll_c],
   * weight = sw * cw_y (PyTorch's rules). */
  long double L[RN], W[RN], sumL = 0, sumW = 0;
  int counted = 0, nonzero = 0;
  for (int i = 0; i < RN; i++) {
    L[i] = W[i] = 0;
    if (b.y[i] == -100) continue;
    long double u[RC];
    for (int c = 0; c < RC; c++) u[c] = (a / RC) * b.cw[c];
    u[b.y[i]] += (1 - a) * b.cw[b.y[i]];
    L[i] = b.sw[i] * ref_softmax_ce(&b.x[i * RC], u, RC, NULL);
    W[i] = b.sw[i] * b.cw[b.y[i]];
    sumL += L[i], sumW += W[i];
    counted++;
    nonzero += b.sw[i] != 0;
  }
  xent_tensor_t tx = mat(b.x, RN, RC), ty = vec_i64(b.y, RN);
  xent_tensor_t tsw = xent_tensor_1d(b.sw, XENT_F64, RN), tcw = xent_tensor_1d(b.cw, XENT_F64, RC);
  xent_ce_options_t o = xent_ce_options_default();
  o.label_smoothing = a;
  o.ignore_index = -100;
  o.sample_weights = &tsw;
  o.class_weights = &tcw;

  double per[RN], v;
  xent_tensor_t tper = xent_tensor_1d(per, XENT_F64, RN), tv = scalar(&v);
  o.reduction = XENT_REDUCTION_NONE;
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &ty, &o, &tper, NULL));
  for (int i = 0; i < RN; i++) XT_CHECK_CLOSE(per[i], (double)L[i], 1e-14, 1e-300);
  o.reduction = XENT_REDUCTION_SUM;
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &ty, &o, &tv, NULL));
  XT_CHECK_CLOSE(v, (double)sumL, 1e-14, 0);
  o.reduction = XENT_REDUCTION_MEAN;
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &ty, &o, &tv, NULL));
  XT_CHECK_CLOSE(v, (double)(sumL / sumW), 1e-14, 0);
  o.reduction = XENT_REDUCTION_SUM_OVER_BATCH_SIZE; /* ignore in use: / counted */
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &ty, &o, &tv, NULL));
  XT_CHECK_CLOSE(v, (double)(sumL / counted), 1e-14, 0);
  o.reduction = XENT_REDUCTION_SUM_BY_NONZERO_WEIGHTS;
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &ty, &o, &tv, NULL));
  XT_CHECK_CLOSE(v, (double)(sumL / nonzero), 1e-14, 0);

  /* Without masking, SUM_OVER_BATCH_SIZE divides by every position. */
  o.ignore_index = XENT_NO_IGNORE;
  b.y[4] = 1;
  long double total = 0;
  for (int i = 0; i < RN; i++) {
    long double u[RC];
    for (int c = 0; c < RC; c++) u[c] = (a / RC) * b.cw[c];
    u[b.y[i]] += (1 - a) * b.cw[b.y[i]];
    total += b.sw[i] * ref_softmax_ce(&b.x[i * RC], u, RC, NULL);
  }
  o.reduction = XENT_REDUCTION_SUM_OVER_BATCH_SIZE;
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &ty, &o, &tv, NULL));
  XT_CHECK_CLOSE(v, (double)(total / RN), 1e-14, 0);
}

void test_ce_dense_smoothing_and_class_weights(void) {
  batch b;
  make_batch(&b, 5);
  double soft[RN * RC];
  xt_rng rng = {99};
  for (int i = 0; i < RN; i++) { /* soft labels that sum to 1 */
    double s = 0;
    for (int c = 0; c < RC; c++) s += soft[i * RC + c] = xt_uniform(&rng, 0, 1);
    for (int c = 0; c < RC; c++) soft[i * RC + c] /= s;
  }
  const double a = 0.2;
  xent_tensor_t tx = mat(b.x, RN, RC), ty = mat(soft, RN, RC);
  xent_tensor_t tcw = xent_tensor_1d(b.cw, XENT_F64, RC);
  xent_ce_options_t o = opts_with(XENT_REDUCTION_MEAN);
  o.label_smoothing = a;
  o.class_weights = &tcw;
  double v, g[RN * RC];
  xent_tensor_t tv = scalar(&v), tg = mat(g, RN, RC);
  XT_OK(xent_softmax_cross_entropy(&tx, &ty, &o, &tv, &tg));
  long double total = 0;
  for (int i = 0; i < RN; i++) {
    long double u[RC], rg[RC];
    for (int c = 0; c < RC; c++) u[c] = b.cw[c] * (soft[i * RC + c] * (1 - a) + a / RC);
    total += ref_softmax_ce(&b.x[i * RC], u, RC, rg);
    for (int c = 0; c < RC; c++)
      XT_CHECK_CLOSE(g[i * RC + c], (double)(rg[c] / RN), 1e-13, 1e-16);
  }
  /* Probability targets: the mean divides by the count, not the class weights. */
  XT_CHECK_CLOSE(v, (double)(total / RN), 1e-14, 0);

  /* Sparse labels with smoothing equal dense one-hot labels with smoothing
   * when no class weights are given (PyTorch's two forms agree). */
  double onehot[RN * RC] = {0}, vs, vd;
  for (int i = 0; i < RN; i++) onehot[i * RC + b.y[i]] = 1;
  xent_tensor_t toh = mat(onehot, RN, RC), tl = vec_i64(b.y, RN), tvs = scalar(&vs), tvd = scalar(&vd);
  xent_ce_options_t p = opts_with(XENT_REDUCTION_MEAN);
  p.label_smoothing = a;
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &tl, &p, &tvs, NULL));
  XT_OK(xent_softmax_cross_entropy(&tx, &toh, &p, &tvd, NULL));
  XT_CHECK_CLOSE(vs, vd, 1e-15, 0);
}

void test_ce_tf_gradient_flag(void) {
  /* Labels summing to 2: the true gradient is p * 2 - y; TensorFlow's is p - y. */
  double x[3] = {1, 2, 3}, y[3] = {1, 0.5, 0.5}, g[3], gtf[3];
  xent_tensor_t tx = mat(x, 1, 3), ty = mat(y, 1, 3), tg = mat(g, 1, 3), tgtf = mat(gtf, 1, 3);
  xent_ce_options_t o = opts_with(XENT_REDUCTION_SUM);
  XT_OK(xent_softmax_cross_entropy(&tx, &ty, &o, NULL, &tg));
  o.flags = XENT_CE_TF_GRADIENT;
  XT_OK(xent_softmax_cross_entropy(&tx, &ty, &o, NULL, &tgtf));
  long double z = expl(1.0L) + expl(2.0L) + expl(3.0L);
  for (int c = 0; c < 3; c++) {
    long double p = expl((long double)x[c]) / z;
    XT_CHECK_CLOSE(g[c], (double)(p * 2 - y[c]), 1e-15, 1e-16);
    XT_CHECK_CLOSE(gtf[c], (double)(p - y[c]), 1e-15, 1e-16);
  }
}

/* ---- masks, lengths, ignore, empty ---- */

void test_ce_masks_lengths_and_ignore_agree(void) {
  /* Logits (N=2, T=3, C=4); lengths [2, 0] mask positions (0,2), (1,*). */
  enum { N = 2, T = 3, C = 4 };
  double x[N * T * C];
  xt_rng rng = {21};
  for (int i = 0; i < N * T * C; i++) x[i] = xt_normal(&rng);
  int64_t y[N * T] = {1, 2, 3, 0, 1, 2}, y_ignored[N * T];
  uint8_t mask[N * T] = {1, 1, 0, 0, 0, 0};
  int64_t lengths[N] = {2, -1};
  for (int i = 0; i < N * T; i++) y_ignored[i] = mask[i] ? y[i] : -7;
  int64_t shape3[3] = {N, T, C}, shape2[2] = {N, T};
  xent_tensor_t tx, ty, tyi, tm, tlen = vec_i64(lengths, N);
  xent_tensor_init(&tx, x, XENT_F64, 3, shape3, NULL);
  xent_tensor_init(&ty, y, XENT_I64, 2, shape2, NULL);
  xent_tensor_init(&tyi, y_ignored, XENT_I64, 2, shape2, NULL);
  xent_tensor_init(&tm, mask, XENT_U8, 2, shape2, NULL);

  long double want = 0;
  for (int p = 0; p < 2; p++) {
    long double u[C] = {0};
    u[y[p]] = 1;
    want += ref_softmax_ce(&x[p * C], u, C, NULL);
  }
  want /= 2;
  xent_reduction_t reductions[2] = {XENT_REDUCTION_MEAN, XENT_REDUCTION_SUM_OVER_BATCH_SIZE};
  for (int r = 0; r < 2; r++) {
    double v[3], g[3][N * T * C];
    xent_tensor_t tv[3], tg[3];
    for (int k = 0; k < 3; k++) {
      tv[k] = scalar(&v[k]);
      xent_tensor_init(&tg[k], g[k], XENT_F64, 3, shape3, NULL);
    }
    xent_ce_options_t om = opts_with(reductions[r]), ol = om, oi = om;
    om.mask = &tm;
    ol.lengths = &tlen;
    oi.ignore_index = -7;
    XT_OK(xent_sparse_softmax_cross_entropy(&tx, &ty, &om, &tv[0], &tg[0]));
    XT_OK(xent_sparse_softmax_cross_entropy(&tx, &ty, &ol, &tv[1], &tg[1]));
    XT_OK(xent_sparse_softmax_cross_entropy(&tx, &tyi, &oi, &tv[2], &tg[2]));
    for (int k = 0; k < 3; k++) {
      XT_CHECK_CLOSE(v[k], (double)want, 1e-15, 0);
      for (int i = 2 * C; i < N * T * C; i++) XT_CHECK_SAME(g[k][i], 0.0);
      for (int i = 0; i < N * T * C; i++) XT_CHECK_SAME(g[k][i], g[0][i]);
    }
  }
}

void test_ce_empty_and_all_masked(void) {
  double x[6] = {1, 2, 3, 4, 5, 6}, g[6], v;
  int64_t y[2] = {-100, -100};
  xent_tensor_t tx = mat(x, 2, 3), ty = vec_i64(y, 2), tg = mat(g, 2, 3), tv = scalar(&v);
  xent_ce_options_t o = xent_ce_options_default();
  o.ignore_index = -100;
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &ty, &o, &tv, &tg));
  XT_CHECK_SAME(v, 0.0); /* default: Keras's and TF's divide_no_nan */
  for (int i = 0; i < 6; i++) XT_CHECK_SAME(g[i], 0.0);
  o.empty = XENT_EMPTY_NAN; /* PyTorch */
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &ty, &o, &tv, &tg));
  XT_CHECK(isnan(v));
  for (int i = 0; i < 6; i++) XT_CHECK_SAME(g[i], 0.0);
  o.reduction = XENT_REDUCTION_SUM; /* a sum of nothing is 0 either way */
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &ty, &o, &tv, &tg));
  XT_CHECK_SAME(v, 0.0);

  /* An empty batch (N = 0). */
  xent_tensor_t te = mat(NULL, 0, 3), tye = vec_i64(NULL, 0), tge = mat(NULL, 0, 3);
  o = xent_ce_options_default();
  v = 123;
  XT_OK(xent_sparse_softmax_cross_entropy(&te, &tye, &o, &tv, &tge));
  XT_CHECK_SAME(v, 0.0);
  o.empty = XENT_EMPTY_NAN;
  XT_OK(xent_sparse_softmax_cross_entropy(&te, &tye, &o, &tv, &tge));
  XT_CHECK(isnan(v));
}

/* ---- non-finite inputs ---- */

void test_ce_nonfinite_rules(void) {
  /* TensorFlow's test vector for softmax_cross_entropy_with_logits. xent's
   * answers are the limits: an infinite logit carrying the target has loss
   * 0, a target with probability 0 has loss +inf; NaN stays in its row. */
  double x[12] = {0, 0, 0, 0, 0, 0, INFINITY, 0, NAN, 0, -INFINITY, -INFINITY};
  double y[12] = {0, 0, 2, 0, NAN, 0, 1, 0, 1, 0, 1, 0};
  double l[6], g[12];
  xent_tensor_t tx = mat(x, 6, 2), ty = mat(y, 6, 2), tl = xent_tensor_1d(l, XENT_F64, 6),
                tg = mat(g, 6, 2);
  xent_ce_options_t o = opts_with(XENT_REDUCTION_NONE);
  XT_OK(xent_softmax_cross_entropy(&tx, &ty, &o, &tl, &tg));
  XT_CHECK_SAME(l[0], 0.0);
  XT_CHECK_CLOSE(l[1], 2 * log(2.0), 1e-16, 0);
  XT_CHECK(isnan(l[2]) && isnan(g[4]) && isnan(g[5]));
  XT_CHECK_SAME(l[3], 0.0);
  XT_CHECK_SAME(g[6], 0.0);
  XT_CHECK_SAME(g[7], 0.0);
  XT_CHECK(isnan(l[4]));
  XT_CHECK_SAME(l[5], INFINITY);
  XT_CHECK_SAME(g[10], -1.0);
  XT_CHECK_SAME(g[11], 0.0);
  /* Rows 0 and 1: the true gradient p * sum(y) - y. */
  XT_CHECK_SAME(g[0], 0.0);
  XT_CHECK_CLOSE(g[2], 0.5 * 2 - 2, 1e-16, 0);
  XT_CHECK_CLOSE(g[3], 0.5 * 2 - 0, 1e-16, 0);

  /* Sigmoid: 0 * inf is never formed. */
  double sx[6] = {INFINITY, -INFINITY, INFINITY, -INFINITY, INFINITY, NAN};
  double sy[6] = {1, 0, 0, 1, 0.5, 1};
  double sl[6], sg[6];
  xent_tensor_t tsx = mat(sx, 1, 6), tsy = mat(sy, 1, 6), tsl = mat(sl, 1, 6), tsg = mat(sg, 1, 6);
  XT_OK(xent_sigmoid_cross_entropy(&tsx, &tsy, &o, &tsl, &tsg));
  XT_CHECK_SAME(sl[0], 0.0);
  XT_CHECK_SAME(sl[1], 0.0);
  XT_CHECK_SAME(sl[2], INFINITY);
  XT_CHECK_SAME(sl[3], INFINITY);
  XT_CHECK_SAME(sl[4], INFINITY);
  XT_CHECK(isnan(sl[5]));
  XT_CHECK_SAME(sg[0], 0.0);
  XT_CHECK_SAME(sg[2], 1.0);
  XT_CHECK_SAME(sg[3], -1.0);

  /* A zero sample weight silences a position even with NaN logits. */
  double nx[4] = {NAN, 1, 2, 3}, w[2] = {0, 1}, v, ng[4];
  int64_t ny[2] = {0, 1};
  xent_tensor_t tnx = mat(nx, 2, 2), tny = vec_i64(ny, 2), tw = xent_tensor_1d(w, XENT_F64, 2),
                tv = scalar(&v), tng = mat(ng, 2, 2);
  xent_ce_options_t ow = xent_ce_options_default();
  ow.sample_weights = &tw;
  XT_OK(xent_sparse_softmax_cross_entropy(&tnx, &tny, &ow, &tv, &tng));
  XT_CHECK_CLOSE(v, log1p(exp(-1.0)), 1e-15, 0); /* mean over weight 1 */
  XT_CHECK_SAME(ng[0], 0.0);
  XT_CHECK_SAME(ng[1], 0.0);
}

/* ---- sigmoid cross-entropy ---- */

void test_ce_sigmoid_against_reference(void) {
  enum { N = 5, C = 3 };
  double x[N * C], y[N * C], pw[C] = {1, 3, 0.5}, cw[C] = {1, 2, 0.25};
  xt_rng rng = {4};
  for (int i = 0; i < N * C; i++) {
    x[i] = xt_normal(&rng) * (i % 4 == 0 ? 60 : 3);
    y[i] = i % 3 == 0 ? 0.3 : (double)(xt_next(&rng) % 2);
  }
  const double a = 0.1;
  xent_tensor_t tx = mat(x, N, C), ty = mat(y, N, C), tpw = xent_tensor_1d(pw, XENT_F64, C),
                tcw = xent_tensor_1d(cw, XENT_F64, C);
  long double ref[N * C], refg[N * C], total = 0;
  for (int i = 0; i < N * C; i++) {
    int c = i % C;
    long double ys = y[i] * (1 - a) + a / 2;
    ref[i] = cw[c] * (pw[c] * ys * ref_softplus(-x[i]) + (1 - ys) * ref_softplus(x[i]));
    refg[i] = cw[c] * (-pw[c] * ys * ref_sigmoid(-x[i]) + (1 - ys) * ref_sigmoid(x[i]));
    total += ref[i];
  }
  xent_ce_options_t o = opts_with(XENT_REDUCTION_NONE);
  o.pos_weight = &tpw;
  o.class_weights = &tcw;
  o.label_smoothing = a;
  double l[N * C], g[N * C], v;
  xent_tensor_t tl = mat(l, N, C), tg = mat(g, N, C), tv = scalar(&v);
  XT_OK(xent_sigmoid_cross_entropy(&tx, &ty, &o, &tl, &tg));
  for (int i = 0; i < N * C; i++) {
    XT_CHECK_CLOSE(l[i], (double)ref[i], 1e-14, 1e-300);
    XT_CHECK_CLOSE(g[i], (double)refg[i], 1e-14, 1e-300);
  }
  /* PyTorch mean: over all N * C elements. */
  o.reduction = XENT_REDUCTION_MEAN;
  XT_OK(xent_sigmoid_cross_entropy(&tx, &ty, &o, &tv, &tg));
  XT_CHECK_CLOSE(v, (double)(total / (N * C)), 1e-14, 0);
  for (int i = 0; i < N * C; i++) XT_CHECK_CLOSE(g[i], (double)(refg[i] / (N * C)), 1e-14, 1e-300);
  /* Keras: mean over the class axis per sample, then over the batch. */
  o.flags = XENT_CE_MEAN_OVER_CLASSES;
  o.reduction = XENT_REDUCTION_NONE;
  double per[N];
  xent_tensor_t tper = xent_tensor_1d(per, XENT_F64, N);
  XT_OK(xent_sigmoid_cross_entropy(&tx, &ty, &o, &tper, NULL));
  for (int r = 0; r < N; r++) {
    long double s = 0;
    for (int c = 0; c < C; c++) s += ref[r * C + c];
    XT_CHECK_CLOSE(per[r], (double)(s / C), 1e-14, 1e-300);
  }
  o.reduction = XENT_REDUCTION_SUM_OVER_BATCH_SIZE;
  XT_OK(xent_sigmoid_cross_entropy(&tx, &ty, &o, &tv, NULL));
  XT_CHECK_CLOSE(v, (double)(total / (N * C)), 1e-14, 0);
}

/* ---- upstream gradients and layouts ---- */

void test_ce_upstream_scales_gradient(void) {
  batch b;
  make_batch(&b, 8);
  xent_tensor_t tx = mat(b.x, RN, RC), ty = vec_i64(b.y, RN);
  double up[RN], g_none[RN * RC], g_sum[RN * RC], half = 0.5, g_half[RN * RC];
  for (int i = 0; i < RN; i++) up[i] = i + 1;
  xent_tensor_t tup = xent_tensor_1d(up, XENT_F64, RN), tg1 = mat(g_none, RN, RC),
                tg2 = mat(g_sum, RN, RC), thalf = scalar(&half), tg3 = mat(g_half, RN, RC);
  xent_ce_options_t o = opts_with(XENT_REDUCTION_NONE);
  o.upstream = &tup;
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &ty, &o, NULL, &tg1));
  xent_ce_options_t s = opts_with(XENT_REDUCTION_SUM);
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &ty, &s, NULL, &tg2));
  s.upstream = &thalf;
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &ty, &s, NULL, &tg3));
  for (int i = 0; i < RN * RC; i++) {
    XT_CHECK_CLOSE(g_none[i], g_sum[i] * up[i / RC], 1e-15, 1e-300);
    XT_CHECK_CLOSE(g_half[i], g_sum[i] * 0.5, 1e-15, 1e-300);
  }
}

void test_ce_channels_first_matches_channels_last(void) {
  /* (N, C, H, W) with axis 1 against the same data stored (N, H, W, C). */
  enum { N = 2, C = 3, H = 2, W = 4 };
  double first[N * C * H * W], last[N * H * W * C], g1[N * C * H * W], g2[N * H * W * C];
  int32_t y[N * H * W];
  xt_rng rng = {5};
  for (int n = 0; n < N; n++)
    for (int c = 0; c < C; c++)
      for (int p = 0; p < H * W; p++) {
        double v = xt_normal(&rng) * 4;
        first[(n * C + c) * H * W + p] = v;
        last[(n * H * W + p) * C + c] = v;
      }
  for (int i = 0; i < N * H * W; i++) y[i] = (int32_t)(xt_next(&rng) % C);
  int64_t sf[4] = {N, C, H, W}, sl[4] = {N, H, W, C}, sy[3] = {N, H, W};
  xent_tensor_t tf, tl, tgf, tgl, ty;
  xent_tensor_init(&tf, first, XENT_F64, 4, sf, NULL);
  xent_tensor_init(&tl, last, XENT_F64, 4, sl, NULL);
  xent_tensor_init(&tgf, g1, XENT_F64, 4, sf, NULL);
  xent_tensor_init(&tgl, g2, XENT_F64, 4, sl, NULL);
  xent_tensor_init(&ty, y, XENT_I32, 3, sy, NULL);
  double l1[N * H * W], l2[N * H * W];
  xent_tensor_t tl1, tl2;
  xent_tensor_init(&tl1, l1, XENT_F64, 3, sy, NULL);
  xent_tensor_init(&tl2, l2, XENT_F64, 3, sy, NULL);
  xent_ce_options_t of = opts_with(XENT_REDUCTION_NONE), ol = of;
  of.axis = 1;
  XT_OK(xent_sparse_softmax_cross_entropy(&tf, &ty, &of, &tl1, &tgf));
  XT_OK(xent_sparse_softmax_cross_entropy(&tl, &ty, &ol, &tl2, &tgl));
  for (int i = 0; i < N * H * W; i++) XT_CHECK_SAME(l1[i], l2[i]);
  for (int n = 0; n < N; n++)
    for (int c = 0; c < C; c++)
      for (int p = 0; p < H * W; p++)
        XT_CHECK_SAME(g1[(n * C + c) * H * W + p], g2[(n * H * W + p) * C + c]);
}

/* ---- finite differences of the reduced loss ---- */

void test_ce_gradient_matches_finite_differences(void) {
  batch b;
  make_batch(&b, 13);
  xent_tensor_t tx = mat(b.x, RN, RC), ty = vec_i64(b.y, RN);
  xent_tensor_t tsw = xent_tensor_1d(b.sw, XENT_F64, RN), tcw = xent_tensor_1d(b.cw, XENT_F64, RC);
  xent_ce_options_t o = xent_ce_options_default(); /* MEAN */
  o.sample_weights = &tsw;
  o.class_weights = &tcw;
  o.label_smoothing = 0.05;
  double g[RN * RC];
  xent_tensor_t tg = mat(g, RN, RC);
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &ty, &o, NULL, &tg));
  /* The reduced loss in long double, as a function of the logits. */
  long double sumW = 0;
  for (int i = 0; i < RN; i++) sumW += b.sw[i] * b.cw[b.y[i]];
  const long double h = 1e-6L;
  for (int j = 0; j < RN * RC; j++) {
    int row = j / RC;
    long double f[2];
    for (int side = 0; side < 2; side++) {
      double xs[RC];
      memcpy(xs, &b.x[row * RC], sizeof xs);
      /* the step is applied in long double through the reference */
      long double u[RC], nls[RC], shifted = (long double)xs[j % RC] + (side ? h : -h);
      for (int c = 0; c < RC; c++) u[c] = (0.05L / RC) * b.cw[c];
      u[b.y[row]] += 0.95L * b.cw[b.y[row]];
      /* long double logits for this row */
      long double xl[RC], m = -INFINITY, z = 0;
      for (int c = 0; c < RC; c++) xl[c] = c == j % RC ? shifted : (long double)xs[c];
      for (int c = 0; c < RC; c++) m = xl[c] > m ? xl[c] : m;
      for (int c = 0; c < RC; c++) z += expl(xl[c] - m);
      long double loss = 0;
      for (int c = 0; c < RC; c++) loss += u[c] * (m + logl(z) - xl[c]);
      (void)nls;
      f[side] = b.sw[row] * loss / sumW;
    }
    long double fd = (f[1] - f[0]) / (2 * h);
    XT_CHECK_MSG(fabsl(g[j] - fd) <= 1e-8L * (1 + fabsl(fd)), "grad[%d] = %.12g, fd %.12Lg", j,
                 g[j], fd);
  }
}

/* The label scan that gives the mean's divisor, for i32 and i64 labels, on
 * f32 logits of 3 classes (the small-C kernels): the mean over the labels
 * not ignored against long double, and the first bad label named. */
void test_ce_label_scan_i32_and_i64(void) {
  enum { R = 40, C = 3 };
  float x[R * C], g[R * C];
  double xd[C], v;
  int64_t y64[R];
  int32_t y32[R];
  xt_rng rng = {4242};
  for (int i = 0; i < R * C; i++) x[i] = (float)(xt_normal(&rng) * 3);
  long double total = 0;
  int counted = 0;
  for (int r = 0; r < R; r++) {
    y64[r] = r % 7 == 3 ? -100 : r % C;
    y32[r] = (int32_t)y64[r];
    if (y64[r] == -100) continue;
    long double nls[C];
    for (int c = 0; c < C; c++) xd[c] = x[r * C + c];
    ref_neg_log_softmax(xd, C, nls);
    total += nls[y64[r]], counted++;
  }
  xent_ce_options_t o = xent_ce_options_default();
  o.ignore_index = -100;
  xent_tensor_t tx = xent_tensor_2d(x, XENT_F32, R, C), tg = xent_tensor_2d(g, XENT_F32, R, C);
  xent_tensor_t tv = scalar(&v), t64 = vec_i64(y64, R), t32 = xent_tensor_1d(y32, XENT_I32, R);
  for (int k = 0; k < 2; k++) {
    XT_OK(xent_sparse_softmax_cross_entropy(&tx, k ? &t32 : &t64, &o, &tv, &tg));
    double want = (double)(total / counted);
    XT_CHECK_MSG(fabs(v - want) <= 1e-6 * fabs(want), "%s labels: mean %.17g, want %.17g",
                 k ? "i32" : "i64", v, want);
  }
  /* out of range, after the first block of rows; the first one is named */
  y64[30] = -1, y32[30] = 3, y64[35] = 3, y32[35] = -1;
  for (int i = 0; i < R * C; i++) g[i] = 42;
  XT_CHECK_STATUS(xent_sparse_softmax_cross_entropy(&tx, &t64, &o, &tv, &tg), XENT_ERR_INDEX);
  XT_CHECK_MSG(strcmp(xent_last_error(), "labels[30] = -1 is outside [0, 3)") == 0, "'%s'",
               xent_last_error());
  XT_CHECK_STATUS(xent_sparse_softmax_cross_entropy(&tx, &t32, &o, &tv, &tg), XENT_ERR_INDEX);
  XT_CHECK_MSG(strcmp(xent_last_error(), "labels[30] = 3 is outside [0, 3)") == 0, "'%s'",
               xent_last_error());
  y64[30] = (int64_t)1 << 40;
  XT_CHECK_STATUS(xent_sparse_softmax_cross_entropy(&tx, &t64, &o, &tv, &tg), XENT_ERR_INDEX);
  XT_CHECK_MSG(strcmp(xent_last_error(), "labels[30] = 1099511627776 is outside [0, 3)") == 0,
               "'%s'", xent_last_error());
  int untouched = 1;
  for (int i = 0; i < R * C; i++) untouched &= g[i] == 42;
  XT_CHECK_MSG(untouched, "the gradient was written before the labels were checked");
}

/* ---- argument errors ---- */

void test_ce_errors_name_the_problem(void) {
  double x[6] = {0}, v, g[6];
  int64_t y[2] = {0, 3};
  xent_tensor_t tx = mat(x, 2, 3), ty = vec_i64(y, 2), tv = scalar(&v), tg = mat(g, 2, 3);
  for (int i = 0; i < 6; i++) g[i] = 42;
  XT_CHECK_STATUS(xent_sparse_softmax_cross_entropy(&tx, &ty, NULL, &tv, &tg), XENT_ERR_INDEX);
  XT_CHECK_MSG(strcmp(xent_last_error(), "labels[1] = 3 is outside [0, 3)") == 0, "detail '%s'",
               xent_last_error());
  for (int i = 0; i < 6; i++) XT_CHECK_SAME(g[i], 42.0); /* nothing written */
  y[1] = -1;
  XT_CHECK_STATUS(xent_sparse_softmax_cross_entropy(&tx, &ty, NULL, &tv, &tg), XENT_ERR_INDEX);
  y[1] = 1;

  /* A label in a 3-d position tensor names every index. */
  double x4[2 * 2 * 3] = {0};
  int64_t y4[4] = {0, 1, 2, 5}, s3[3] = {2, 2, 3}, s2[2] = {2, 2};
  xent_tensor_t tx4, ty4;
  xent_tensor_init(&tx4, x4, XENT_F64, 3, s3, NULL);
  xent_tensor_init(&ty4, y4, XENT_I64, 2, s2, NULL);
  XT_CHECK_STATUS(xent_sparse_softmax_cross_entropy(&tx4, &ty4, NULL, &tv, NULL), XENT_ERR_INDEX);
  XT_CHECK_MSG(strcmp(xent_last_error(), "labels[1, 1] = 5 is outside [0, 3)") == 0, "detail '%s'",
               xent_last_error());

  xent_ce_options_t o = xent_ce_options_default();
  o.label_smoothing = 1.5;
  XT_CHECK_STATUS(xent_sparse_softmax_cross_entropy(&tx, &ty, &o, &tv, NULL), XENT_ERR_ARGUMENT);
  XT_CHECK(strstr(xent_last_error(), "label_smoothing = 1.5") != NULL);
  o = xent_ce_options_default();
  o.reduction = (xent_reduction_t)9;
  XT_CHECK_STATUS(xent_sparse_softmax_cross_entropy(&tx, &ty, &o, &tv, NULL), XENT_ERR_ARGUMENT);
  o = xent_ce_options_default();
  o.flags = XENT_CE_MEAN_OVER_CLASSES; /* a sigmoid-only flag */
  XT_CHECK_STATUS(xent_sparse_softmax_cross_entropy(&tx, &ty, &o, &tv, NULL), XENT_ERR_ARGUMENT);
  o = xent_ce_options_default();
  o.ignore_index = -100;
  XT_CHECK_STATUS(xent_softmax_cross_entropy(&tx, &tx, &o, &tv, NULL), XENT_ERR_ARGUMENT);
  o = xent_ce_options_default();
  o.pos_weight = &tv;
  XT_CHECK_STATUS(xent_softmax_cross_entropy(&tx, &tx, &o, &tv, NULL), XENT_ERR_ARGUMENT);
  XT_CHECK_STATUS(xent_sparse_softmax_cross_entropy(&tx, &ty, NULL, NULL, NULL), XENT_ERR_NULL);

  double l3[3];
  xent_tensor_t tl3 = xent_tensor_1d(l3, XENT_F64, 3);
  XT_CHECK_STATUS(xent_sparse_softmax_cross_entropy(&tx, &ty, NULL, &tl3, NULL), XENT_ERR_SHAPE);
  XT_CHECK(strstr(xent_last_error(), "loss has 3 elements") != NULL);
  o = opts_with(XENT_REDUCTION_NONE);
  XT_CHECK_STATUS(xent_sparse_softmax_cross_entropy(&tx, &ty, &o, &tl3, NULL), XENT_ERR_SHAPE);

  double cw[2] = {1, 1};
  xent_tensor_t tcw = xent_tensor_1d(cw, XENT_F64, 2);
  o = xent_ce_options_default();
  o.class_weights = &tcw;
  XT_CHECK_STATUS(xent_sparse_softmax_cross_entropy(&tx, &ty, &o, &tv, NULL), XENT_ERR_SHAPE);
  XT_CHECK(strstr(xent_last_error(), "opts->class_weights must have shape (3)") != NULL);

  double mask_f[2] = {1, 1};
  xent_tensor_t tmf = xent_tensor_1d(mask_f, XENT_F64, 2);
  o = xent_ce_options_default();
  o.mask = &tmf;
  XT_CHECK_STATUS(xent_sparse_softmax_cross_entropy(&tx, &ty, &o, &tv, NULL), XENT_ERR_DTYPE);
  XT_CHECK(strstr(xent_last_error(), "opts->mask has dtype f64") != NULL);

  int64_t len[2] = {1, 1};
  xent_tensor_t tlen = vec_i64(len, 2);
  o = xent_ce_options_default();
  o.lengths = &tlen;
  XT_CHECK_STATUS(xent_sparse_softmax_cross_entropy(&tx, &ty, &o, &tv, NULL), XENT_ERR_SHAPE);

  double sw[3] = {1, 1, 1};
  xent_tensor_t tsw = xent_tensor_1d(sw, XENT_F64, 3);
  o = xent_ce_options_default();
  o.sample_weights = &tsw;
  XT_CHECK_STATUS(xent_sparse_softmax_cross_entropy(&tx, &ty, &o, &tv, NULL), XENT_ERR_SHAPE);
  XT_CHECK(strstr(xent_last_error(), "opts->sample_weights.shape[0] = 3") != NULL);

  xent_tensor_t tyf = mat(x, 2, 1);
  XT_CHECK_STATUS(xent_sparse_softmax_cross_entropy(&tx, &tyf, NULL, &tv, NULL), XENT_ERR_DTYPE);
  XT_CHECK_STATUS(xent_softmax_cross_entropy(&tx, &ty, NULL, &tv, NULL), XENT_ERR_DTYPE);
}
