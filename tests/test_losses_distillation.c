/*
 * Kullback-Leibler divergence (Keras kl_divergence) and the distillation
 * loss on teacher and student logits. Expected values: closed forms and long
 * double references of the formulas in xent.h written here.
 */
#include "losses_testutil.h"

/* The MPFR reference and the test using it are left out of builds without
 * MPFR (tests/CMakeLists.txt). */
#ifdef XT_HAVE_MPFR
#include <mpfr.h>

/* T^2 KL(softmax(t / T) || softmax(s / T)) of one row with MPFR at 320 bits
 * (the naive formula; the precision absorbs its cancellation when the two
 * distributions are close), rounded to a long double. */
static long double mp_distill(const double *s, const double *t, int n, double T, double lo) {
  mpfr_t a[64], b[64], za, zb, x, y, kl;
  mpfr_inits2(320, za, zb, x, y, kl, (mpfr_ptr)0);
  mpfr_set_zero(za, 1), mpfr_set_zero(zb, 1), mpfr_set_zero(kl, 1);
  for (int i = 0; i < n; i++) {
    mpfr_init2(a[i], 320), mpfr_init2(b[i], 320);
    mpfr_set_d(a[i], s[i], MPFR_RNDN), mpfr_div_d(a[i], a[i], T, MPFR_RNDN);
    mpfr_set_d(b[i], t[i], MPFR_RNDN), mpfr_div_d(b[i], b[i], T, MPFR_RNDN);
    mpfr_exp(x, a[i], MPFR_RNDN), mpfr_add(za, za, x, MPFR_RNDN);
    mpfr_exp(x, b[i], MPFR_RNDN), mpfr_add(zb, zb, x, MPFR_RNDN);
  }
  mpfr_log(za, za, MPFR_RNDN), mpfr_log(zb, zb, MPFR_RNDN);
  for (int i = 0; i < n; i++) {
    mpfr_sub(x, b[i], zb, MPFR_RNDN); /* log q */
    mpfr_sub(y, a[i], za, MPFR_RNDN); /* log p */
    if (lo > 0) { /* Keras: q and p clipped to [lo, 1] */
      mpfr_exp(x, x, MPFR_RNDN), mpfr_exp(y, y, MPFR_RNDN);
      if (mpfr_cmp_d(x, lo) < 0) mpfr_set_d(x, lo, MPFR_RNDN);
      if (mpfr_cmp_d(y, lo) < 0) mpfr_set_d(y, lo, MPFR_RNDN);
      mpfr_log(x, x, MPFR_RNDN), mpfr_log(y, y, MPFR_RNDN);
    }
    mpfr_sub(y, x, y, MPFR_RNDN);
    mpfr_exp(x, x, MPFR_RNDN);
    mpfr_mul(y, y, x, MPFR_RNDN);
    mpfr_add(kl, kl, y, MPFR_RNDN);
    mpfr_clears(a[i], b[i], (mpfr_ptr)0);
  }
  mpfr_mul_d(kl, kl, T * T, MPFR_RNDN);
  long double r = mpfr_get_ld(kl, MPFR_RNDN);
  mpfr_clears(za, zb, x, y, kl, (mpfr_ptr)0);
  return r;
}

static void softmaxl(const double *x, int n, double T, long double *p, long double *lp) {
  long double m = x[0] / (long double)T, z = 0;
  for (int i = 1; i < n; i++)
    if (x[i] / (long double)T > m) m = x[i] / (long double)T;
  for (int i = 0; i < n; i++) z += expl(x[i] / (long double)T - m);
  for (int i = 0; i < n; i++) {
    lp[i] = x[i] / (long double)T - m - logl(z);
    p[i] = expl(lp[i]);
  }
}
#endif /* XT_HAVE_MPFR */

void test_losses_kl_divergence_keras(void) {
  /* keras: y and p clipped to [1e-7, 1]; sum y log(y / p) over the last axis */
  double y[4] = {0, 1, 0.3, 0.7}, p[4] = {0.5, 0.5, 0, 1.2}, l[2], g[4];
  xent_tensor_t ty = lt_mat(y, 2, 2), tp = lt_mat(p, 2, 2), tl = lt_vec(l, 2), tg = lt_mat(g, 2, 2);
  xent_ce_options_t none = lt_opts(XENT_REDUCTION_NONE);
  XT_OK(xent_kl_divergence(&tp, &ty, 1e-7, &none, &tl, &tg));
  long double e = 1e-7L;
  XT_CHECK_MSG(xt_ulp_error(l[0], e * logl(e / 0.5L) + logl(2.0L), XENT_F64) <= 2, "%.17g", l[0]);
  XT_CHECK_MSG(xt_ulp_error(l[1], 0.3L * logl(0.3L / e) + 0.7L * logl(0.7L), XENT_F64) <= 2, "%.17g",
               l[1]);
  XT_CHECK_CLOSE(l[0], 0.69314563, 0, 1e-7); /* the peer's f32 values */
  XT_CHECK_CLOSE(l[1], 4.2245646, 0, 5e-7);
  XT_CHECK_CLOSE(g[0], -1e-7 / 0.5, 1e-15, 0);
  XT_CHECK_CLOSE(g[1], -1 / 0.5, 1e-15, 0);
  /* p = 0 < eps is clipped: its gradient is 0; p = 1.2 > 1 likewise */
  XT_CHECK_SAME(g[2], 0.0);
  XT_CHECK_SAME(g[3], 0.0);
  /* eps = 0: the exact divergence; y = 0 terms vanish, p = 0 under y > 0 is +inf */
  XT_OK(xent_kl_divergence(&tp, &ty, 0.0, &none, &tl, NULL));
  XT_CHECK_CLOSE(l[0], log(2.0), 1e-15, 0);
  XT_CHECK_SAME(l[1], INFINITY);
  /* NaN propagates to its row only */
  y[0] = NAN;
  XT_OK(xent_kl_divergence(&tp, &ty, 1e-7, &none, &tl, NULL));
  XT_CHECK(isnan(l[0]) && !isnan(l[1]));
}

void test_losses_kl_accuracy(void) {
  /* random rows, some close to their targets: accuracy relative to the sum of
   * the terms' magnitudes (the terms have both signs) */
  enum { N = 40, C = 6 };
  double p[N * C], y[N * C], l[N], g[N * C];
  xt_rng rng = {1801};
  for (int i = 0; i < N * C; i++) {
    y[i] = xt_uniform(&rng, 1e-6, 1);
    p[i] = (i / C) % 3 == 0 ? y[i] * (1 + xt_normal(&rng) * 1e-7) : xt_uniform(&rng, 1e-6, 1);
  }
  xent_tensor_t tp = lt_mat(p, N, C), ty = lt_mat(y, N, C), tl = lt_vec(l, N), tg = lt_mat(g, N, C);
  xent_ce_options_t none = lt_opts(XENT_REDUCTION_NONE);
  XT_OK(xent_kl_divergence(&tp, &ty, 1e-7, &none, &tl, &tg));
  lt_tally t = {"kl_divergence f64, in ulps of sum |y log(y / p)|", 0, 0};
  for (int r = 0; r < N; r++) {
    long double want = 0, scale = 0;
    for (int c = 0; c < C; c++) {
      long double yc = y[r * C + c], pc = p[r * C + c];
      long double term = yc * log1pl((yc - pc) / pc);
      want += term, scale += fabsl(term);
      XT_CHECK_CLOSE(g[r * C + c], (double)(-yc / pc), 2e-16, 0);
    }
    lt_ulp_of(&t, l[r], want, scale, XENT_F64);
  }
  lt_report(&t, 4);
}

void test_losses_kl_clip_gradient_rule(void) {
  /* The gradient passes at p = eps exactly and is 0 below it. */
  double y[3] = {0.2, 0.5, 0.3}, p[3] = {1e-7, 0.5e-7, 0.9999}, g[3];
  xent_tensor_t ty = lt_mat(y, 1, 3), tp = lt_mat(p, 1, 3), tg = lt_mat(g, 1, 3);
  xent_ce_options_t o = lt_opts(XENT_REDUCTION_SUM);
  XT_OK(xent_kl_divergence(&tp, &ty, 1e-7, &o, NULL, &tg));
  XT_CHECK_CLOSE(g[0], -0.2 / 1e-7, 1e-15, 0);
  XT_CHECK_SAME(g[1], 0.0);
  XT_CHECK_CLOSE(g[2], -0.3 / 0.9999, 1e-15, 0);
}

#ifdef XT_HAVE_MPFR
void test_losses_distillation_against_long_double(void) {
  enum { N = 40, C = 7 };
  double s[N * C], t[N * C], l[N], g[N * C];
  xt_rng rng = {1501};
  for (int i = 0; i < N * C; i++) s[i] = xt_normal(&rng) * 4, t[i] = xt_normal(&rng) * 6;
  for (int r = 0; r < N; r += 5) s[r * C] = t[r * C] = 30; /* dominant class agreed */
  for (int r = 2; r < N; r += 5) /* student within 1e-6 of the teacher: loss ~ 1e-13 */
    for (int c = 0; c < C; c++) s[r * C + c] = t[r * C + c] + xt_normal(&rng) * 1e-6;
  xent_tensor_t ts = lt_mat(s, N, C), tt = lt_mat(t, N, C), tl = lt_vec(l, N), tg = lt_mat(g, N, C);
  xent_ce_options_t none = lt_opts(XENT_REDUCTION_NONE);
  double temps[3] = {1, 2, 4.5};
  lt_tally tl_ = {"distillation f64 loss (eps 0)", 0, 0}, tg_ = {"distillation f64 gradient", 0, 0};
  lt_tally tk = {"distillation f64 loss (Keras clip 1e-7)", 0, 0};
  for (int k = 0; k < 3; k++) {
    double T = temps[k];
    XT_OK(xent_distillation_loss(&ts, &tt, T, 0.0, &none, &tl, &tg));
    for (int r = 0; r < N; r++) {
      long double p[C], lp[C], q[C], lq[C];
      softmaxl(&s[r * C], C, T, p, lp);
      softmaxl(&t[r * C], C, T, q, lq);
      /* relative accuracy, even where the student agrees with the teacher */
      lt_ulp(&tl_, l[r], mp_distill(&s[r * C], &t[r * C], C, T, 0), XENT_F64);
      for (int c = 0; c < C; c++)
        lt_ulp_of(&tg_, g[r * C + c], T * (p[c] - q[c]), T * (p[c] + q[c]), XENT_F64);
    }
    /* Keras's clipped form: the terms may have both signs, so the accuracy is
     * relative to T^2 sum |q' log(q'/p')| */
    XT_OK(xent_distillation_loss(&ts, &tt, T, 1e-7, &none, &tl, NULL));
    for (int r = 0; r < N; r++) {
      long double p[C], lp[C], q[C], lq[C], scale = 0;
      softmaxl(&s[r * C], C, T, p, lp);
      softmaxl(&t[r * C], C, T, q, lq);
      for (int c = 0; c < C; c++) {
        long double pc = p[c] < 1e-7L ? (long double)1e-7 : p[c], qc = q[c] < 1e-7L ? (long double)1e-7 : q[c];
        scale += fabsl(qc * logl(qc / pc));
      }
      lt_ulp_of(&tk, l[r], mp_distill(&s[r * C], &t[r * C], C, T, 1e-7), (long double)T * T * scale,
                XENT_F64);
    }
  }
  lt_report(&tl_, 16);
  lt_report(&tg_, 8);
  lt_report(&tk, 16);
  /* batchmean over 2-d inputs is SUM_OVER_BATCH_SIZE */
  double v;
  xent_tensor_t tv = lt_scalar(&v);
  xent_ce_options_t bm = lt_opts(XENT_REDUCTION_SUM_OVER_BATCH_SIZE);
  XT_OK(xent_distillation_loss(&ts, &tt, 2, 0.0, &bm, &tv, NULL));
  XT_OK(xent_distillation_loss(&ts, &tt, 2, 0.0, &none, &tl, NULL));
  long double sum = 0;
  for (int r = 0; r < N; r++) sum += l[r];
  XT_CHECK_CLOSE(v, (double)(sum / N), 1e-14, 0);
}
#endif /* XT_HAVE_MPFR */

void test_losses_distillation_odd_inputs(void) {
  /* identical logits: loss 0, gradient 0; an all -inf teacher row: q = 0, loss 0;
   * NaN: NaN; temperature <= 0: error */
  double s[9] = {1, 2, 3, 0, 0, 0, NAN, 1, 2}, t[9] = {1, 2, 3, -INFINITY, -INFINITY, -INFINITY, 0, 0, 0};
  double l[3], g[9];
  xent_tensor_t ts = lt_mat(s, 3, 3), tt = lt_mat(t, 3, 3), tl = lt_vec(l, 3), tg = lt_mat(g, 3, 3);
  xent_ce_options_t none = lt_opts(XENT_REDUCTION_NONE);
  XT_OK(xent_distillation_loss(&ts, &tt, 2.0, 0.0, &none, &tl, &tg));
  XT_CHECK(fabs(l[0]) <= 1e-16);
  for (int c = 0; c < 3; c++) XT_CHECK(fabs(g[c]) <= 1e-16);
  XT_CHECK_SAME(l[1], 0.0);
  XT_CHECK(isnan(l[2]) && isnan(g[6]));
  XT_CHECK_STATUS(xent_distillation_loss(&ts, &tt, 0.0, 0.0, &none, &tl, &tg), XENT_ERR_ARGUMENT);
  XT_CHECK_STATUS(xent_distillation_loss(&ts, &tt, 1.0, -1.0, &none, &tl, &tg), XENT_ERR_ARGUMENT);
  xent_ce_options_t o = xent_ce_options_default();
  o.class_weights = &tl;
  XT_CHECK_STATUS(xent_kl_divergence(&ts, &tt, 1e-7, &o, &tl, NULL), XENT_ERR_ARGUMENT);
}

typedef struct {
  int distill;
  double temperature, eps;
  xent_ce_options_t o;
  const xent_tensor_t *target;
} kl_ctx;

static xent_status_t kl_loss(void *ctx, const xent_tensor_t *x, const xent_tensor_t *loss,
                             const xent_tensor_t *grad) {
  kl_ctx *k = ctx;
  return k->distill ? xent_distillation_loss(x, k->target, k->temperature, k->eps, &k->o, loss, grad)
                    : xent_kl_divergence(x, k->target, k->eps, &k->o, loss, grad);
}

void test_losses_distillation_gradients_match_finite_differences(void) {
  enum { N = 4, C = 5 };
  double s[N * C], t[N * C], p[N * C], y[N * C], sw[N];
  xt_rng rng = {1601};
  for (int i = 0; i < N * C; i++) {
    s[i] = xt_normal(&rng) * 2, t[i] = xt_normal(&rng) * 2;
    p[i] = xt_uniform(&rng, 0.05, 1), y[i] = xt_uniform(&rng, 0.05, 1);
  }
  for (int i = 0; i < N; i++) sw[i] = xt_uniform(&rng, 0.5, 2);
  int64_t shape[2] = {N, C};
  xent_tensor_t tt = lt_mat(t, N, C), ty = lt_mat(y, N, C), tsw = lt_vec(sw, N);
  kl_ctx k = {0, 1, 1e-7, xent_ce_options_default(), &ty};
  k.o.sample_weights = &tsw;
  lt_gradcheck("kl_divergence (Keras)", kl_loss, &k, p, 2, shape, 1);
  kl_ctx d = {1, 3.0, 0.0, lt_opts(XENT_REDUCTION_SUM_OVER_BATCH_SIZE), &tt};
  lt_gradcheck("distillation, T = 3 (exact)", kl_loss, &d, s, 2, shape, 1);
  d.eps = 1e-7;
  d.temperature = 0.7;
  d.o.sample_weights = &tsw;
  lt_gradcheck("distillation, T = 0.7 (Keras clip)", kl_loss, &d, s, 2, shape, 1);
}
