/*
 * Dice and Tversky losses (Keras and optax semantics). Expected values:
 * Keras's documented example, closed forms, and a long double reference of
 * the formulas in xent.h written here.
 */
#include "losses_testutil.h"

static long double sigl(long double x) { return 1 / (1 + expl(-x)); }

/* Sums of one group in long double. */
typedef struct {
  long double I, P, T, FP, FN;
} sums;

static void add_elem(sums *s, long double p, long double t) {
  s->I += p * t, s->P += p, s->T += t, s->FP += p * (1 - t), s->FN += t * (1 - p);
}

static long double dice_of(sums s, double smooth, double eps) {
  return (s.FP + s.FN + eps) / (s.P + s.T + smooth + eps);
}
static long double tversky_of(sums s, double a, double b, double smooth, double eps) {
  return (a * s.FP + b * s.FN + eps) / (s.I + a * s.FP + b * s.FN + smooth + eps);
}

void test_losses_dice_keras_example(void) {
  /* keras.losses.Dice docs: shape (2, 2, 2, 1); axis (1, 2, 3) -> [0.5, 0.75757575],
   * axis None -> 0.6164384 */
  float yt[8] = {1, 1, 0, 0, 1, 1, 0, 0}, yp[8] = {0, 1, 0, 1, 0.4f, 0, 0, 0.9f}, per[2], all;
  int64_t shape[4] = {2, 2, 2, 1};
  xent_tensor_t tt = lt_nd(yt, XENT_F32, 4, shape), tp = lt_nd(yp, XENT_F32, 4, shape);
  xent_tensor_t tper = xent_tensor_1d(per, XENT_F32, 2), tall = xent_tensor_1d(&all, XENT_F32, 1);
  xent_overlap_params_t op = xent_overlap_params_default();
  op.sum_axes = XENT_AXIS_BIT(1) | XENT_AXIS_BIT(2) | XENT_AXIS_BIT(3);
  xent_ce_options_t none = lt_opts(XENT_REDUCTION_NONE);
  XT_OK(xent_dice_loss(&tp, &tt, &op, &none, &tper, NULL));
  XT_CHECK_CLOSE(per[0], 0.5, 0, 6e-8);
  XT_CHECK_CLOSE(per[1], 0.75757575, 0, 6e-8);
  XT_CHECK_MSG(xt_ulp_error(per[1], 1 - 0.8L / (3.3L + 1e-7L), XENT_F32) <= 1, "%.9g", per[1]);
  op.sum_axes = 0; /* axis=None: one loss for the whole batch */
  XT_OK(xent_dice_loss(&tp, &tt, &op, NULL, &tall, NULL));
  XT_CHECK_CLOSE(all, 0.6164384, 0, 1.5e-7); /* Keras's printed f32 value */
  /* Keras's Tversky(alpha=b, beta=a) is xent's Tversky(alpha=a, beta=b):
   * Keras multiplies its alpha by sum(y (1 - p)) (false negatives). With
   * Keras alpha = 0.3, beta = 0.7 on the whole batch: */
  op.alpha = 0.7, op.beta = 0.3;
  XT_OK(xent_tversky_loss(&tp, &tt, &op, NULL, &tall, NULL));
  /* I = 1.4, sum y (1 - p) = 2.6 (Keras "fp"), sum p (1 - y) = 1.9 (Keras "fn") */
  long double keras = 1 - 1.4L / (1.4L + 2.6L * 0.3L + 1.9L * 0.7L + 1e-7L);
  XT_CHECK_MSG(xt_ulp_error(all, keras, XENT_F32) <= 1, "%.9g vs %.9Lg", all, keras);
  /* alpha = beta = 1/2 Tversky is the Dice loss with eps doubled */
  double p[6] = {0.2, 0.9, 0.4, 0.7, 0.1, 0.5}, t[6] = {0, 1, 1, 1, 0, 0}, d1, d2;
  xent_tensor_t tp6 = lt_mat(p, 2, 3), tt6 = lt_mat(t, 2, 3), td1 = lt_scalar(&d1), td2 = lt_scalar(&d2);
  xent_overlap_params_t a = xent_overlap_params_default(), b = a;
  b.eps = 2 * a.eps;
  XT_OK(xent_tversky_loss(&tp6, &tt6, &a, NULL, &td1, NULL));
  XT_OK(xent_dice_loss(&tp6, &tt6, &b, NULL, &td2, NULL));
  XT_CHECK_CLOSE(d1, d2, 1e-15, 0);
}

void test_losses_overlap_against_long_double(void) {
  /* (N, H, W, C) maps, per image and class (sum over H, W), and near-perfect
   * predictions whose small loss must survive (1 - ratio would cancel). */
  enum { N = 3, H = 4, W = 5, C = 3 };
  double p[N * H * W * C], t[N * H * W * C], l[N * C];
  xt_rng rng = {1201};
  for (int i = 0; i < N * H * W * C; i++) {
    t[i] = (double)(xt_next(&rng) % 2);
    int n = i / (H * W * C);
    p[i] = n == 0 ? xt_uniform(&rng, 0, 1) : t[i] + (t[i] ? -1 : 1) * xt_uniform(&rng, 0, 1e-6);
  }
  int64_t shape[4] = {N, H, W, C}, gshape[2] = {N, C};
  xent_tensor_t tp = lt_nd(p, XENT_F64, 4, shape), tt = lt_nd(t, XENT_F64, 4, shape);
  xent_tensor_t tl = lt_nd(l, XENT_F64, 2, gshape);
  xent_ce_options_t none = lt_opts(XENT_REDUCTION_NONE);
  xent_overlap_params_t op = xent_overlap_params_default();
  op.sum_axes = XENT_AXIS_BIT(1) | XENT_AXIS_BIT(2);
  op.smooth = 0.5;
  op.alpha = 0.3, op.beta = 0.8;
  lt_tally td = {"Dice f64 (per image and class)", 0, 0}, tv = {"Tversky f64", 0, 0};
  for (int kind = 0; kind < 2; kind++) {
    if (kind == 0) XT_OK(xent_dice_loss(&tp, &tt, &op, &none, &tl, NULL));
    else XT_OK(xent_tversky_loss(&tp, &tt, &op, &none, &tl, NULL));
    for (int n = 0; n < N; n++)
      for (int c = 0; c < C; c++) {
        sums s = {0, 0, 0, 0, 0};
        for (int q = 0; q < H * W; q++) add_elem(&s, p[(n * H * W + q) * C + c], t[(n * H * W + q) * C + c]);
        long double want = kind == 0 ? dice_of(s, op.smooth, op.eps)
                                     : tversky_of(s, op.alpha, op.beta, op.smooth, op.eps);
        lt_ulp(kind == 0 ? &td : &tv, l[n * C + c], want, XENT_F64);
      }
  }
  lt_report(&td, 4);
  lt_report(&tv, 4);
  /* the near-perfect images have losses around 1e-7 .. 1e-6, kept to a few ulps */
  XT_CHECK(l[C] > 0 && l[C] < 1e-5);
}

void test_losses_overlap_layouts_and_groups(void) {
  /* channels-first (N, C, H, W) with axis 1 equals channels-last with axis -1;
   * whole batch, per image, per image and class. */
  enum { N = 2, C = 3, H = 3, W = 2 };
  double last[N * H * W * C], first[N * C * H * W], t_last[N * H * W * C], t_first[N * C * H * W];
  xt_rng rng = {1301};
  for (int n = 0; n < N; n++)
    for (int c = 0; c < C; c++)
      for (int q = 0; q < H * W; q++) {
        double v = xt_normal(&rng) * 2, y = (double)(xt_next(&rng) % 2);
        last[(n * H * W + q) * C + c] = first[(n * C + c) * H * W + q] = v;
        t_last[(n * H * W + q) * C + c] = t_first[(n * C + c) * H * W + q] = y;
      }
  int64_t sl[4] = {N, H, W, C}, sf[4] = {N, C, H, W};
  xent_tensor_t tl = lt_nd(last, XENT_F64, 4, sl), tf = lt_nd(first, XENT_F64, 4, sf);
  xent_tensor_t ttl = lt_nd(t_last, XENT_F64, 4, sl), ttf = lt_nd(t_first, XENT_F64, 4, sf);
  double gl[N * H * W * C], gf[N * C * H * W], ll[N * C], lf[N * C], v1, v2;
  xent_tensor_t tgl = lt_nd(gl, XENT_F64, 4, sl), tgf = lt_nd(gf, XENT_F64, 4, sf);
  xent_tensor_t tv1 = lt_scalar(&v1), tv2 = lt_scalar(&v2);
  int64_t gs[2] = {N, C};
  xent_tensor_t tll = lt_nd(ll, XENT_F64, 2, gs), tlf = lt_nd(lf, XENT_F64, 2, gs);
  xent_overlap_params_t ol = xent_overlap_params_default(), of = ol;
  ol.activation = of.activation = XENT_ACTIVATION_SOFTMAX;
  ol.smooth = of.smooth = 1;
  ol.eps = of.eps = 0;
  ol.ignore_background = of.ignore_background = 1;
  ol.sum_axes = XENT_AXIS_BIT(1) | XENT_AXIS_BIT(2);
  of.sum_axes = XENT_AXIS_BIT(2) | XENT_AXIS_BIT(3);
  xent_ce_options_t oL = lt_opts(XENT_REDUCTION_SUM_OVER_BATCH_SIZE), oF = oL;
  oF.axis = 1;
  XT_OK(xent_tversky_loss(&tl, &ttl, &ol, &oL, &tv1, &tgl));
  XT_OK(xent_tversky_loss(&tf, &ttf, &of, &oF, &tv2, &tgf));
  XT_CHECK_CLOSE(v1, v2, 1e-15, 0);
  for (int n = 0; n < N; n++)
    for (int c = 0; c < C; c++)
      for (int q = 0; q < H * W; q++)
        XT_CHECK_CLOSE(gl[(n * H * W + q) * C + c], gf[(n * C + c) * H * W + q], 1e-14, 1e-17);
  /* ignore_background: class 0 groups are 0 and SUM_OVER_BATCH_SIZE divides
   * by the N (C - 1) counted groups */
  oL.reduction = oF.reduction = XENT_REDUCTION_NONE;
  XT_OK(xent_tversky_loss(&tl, &ttl, &ol, &oL, &tll, NULL));
  XT_OK(xent_tversky_loss(&tf, &ttf, &of, &oF, &tlf, NULL));
  long double mean = 0;
  for (int i = 0; i < N * C; i++) {
    XT_CHECK_CLOSE(ll[i], lf[i], 1e-15, 0);
    if (i % C == 0) XT_CHECK_SAME(ll[i], 0.0);
    mean += ll[i];
  }
  XT_CHECK_CLOSE(v1, (double)(mean / (N * (C - 1))), 1e-15, 0);
  /* reference for one group: softmax over C, then optax's formula */
  sums s = {0, 0, 0, 0, 0};
  for (int q = 0; q < H * W; q++) {
    long double z = 0, e[C];
    for (int c = 0; c < C; c++) z += e[c] = expl(last[q * C + c]);
    add_elem(&s, e[1] / z, t_last[q * C + 1]);
  }
  XT_CHECK_CLOSE(ll[1], (double)(1 - (s.I + 1) / (s.I + 0.5L * s.FP + 0.5L * s.FN + 1)), 1e-14, 0);

  /* optax's binary example (C = 1, sigmoid): logits [[1, -1], [0.5, 0.5]],
   * targets [[1, 0], [1, 0]] -> [0.1344707106849976, 0.23557577412655162] */
  double x2[4] = {1, -1, 0.5, 0.5}, t2[4] = {1, 0, 1, 0}, l2[2];
  int64_t s3[3] = {2, 2, 1};
  xent_tensor_t tx2 = lt_nd(x2, XENT_F64, 3, s3), tt2 = lt_nd(t2, XENT_F64, 3, s3);
  int64_t s2[2] = {2, 1};
  xent_tensor_t tl2 = lt_nd(l2, XENT_F64, 2, s2);
  xent_overlap_params_t ob = xent_overlap_params_default();
  ob.smooth = 1, ob.eps = 0, ob.activation = XENT_ACTIVATION_SIGMOID, ob.sum_axes = XENT_AXIS_BIT(1);
  XT_OK(xent_tversky_loss(&tx2, &tt2, &ob, &oL, &tl2, NULL));
  XT_CHECK_CLOSE(l2[0], (double)(1 - (sigl(1) + 1) / 2), 1e-15, 0);
  XT_CHECK_CLOSE(l2[0], 0.1344707106849976, 1e-14, 0);
  XT_CHECK_CLOSE(l2[1], 0.23557577412655162, 1e-14, 0);

  /* a mask removes pixels from the sums; whole-batch loss with one element */
  uint8_t mask[N * H * W];
  for (int i = 0; i < N * H * W; i++) mask[i] = i % 4 != 1;
  int64_t ms[3] = {N, H, W};
  xent_tensor_t tm = lt_nd(mask, XENT_U8, 3, ms);
  xent_overlap_params_t od = xent_overlap_params_default();
  xent_ce_options_t om = lt_opts(XENT_REDUCTION_SUM);
  om.mask = &tm;
  double pr[N * H * W * C];
  for (int i = 0; i < N * H * W * C; i++) pr[i] = 1 / (1 + exp(-last[i]));
  xent_tensor_t tpr = lt_nd(pr, XENT_F64, 4, sl);
  XT_OK(xent_dice_loss(&tpr, &ttl, &od, &om, &tv1, &tgl));
  sums sm = {0, 0, 0, 0, 0};
  for (int i = 0; i < N * H * W * C; i++)
    if (mask[i / C]) add_elem(&sm, pr[i], t_last[i]);
  XT_CHECK_CLOSE(v1, (double)dice_of(sm, 0, 1e-7), 1e-15, 0);
  for (int i = 0; i < N * H * W * C; i++)
    if (!mask[i / C]) XT_CHECK_SAME(gl[i], 0.0);
}

typedef struct {
  int tversky;
  xent_overlap_params_t op;
  xent_ce_options_t o;
  const xent_tensor_t *target;
} ov_ctx;

static xent_status_t ov_loss(void *ctx, const xent_tensor_t *x, const xent_tensor_t *loss,
                             const xent_tensor_t *grad) {
  ov_ctx *k = ctx;
  return k->tversky ? xent_tversky_loss(x, k->target, &k->op, &k->o, loss, grad)
                    : xent_dice_loss(x, k->target, &k->op, &k->o, loss, grad);
}

void test_losses_overlap_gradients_match_finite_differences(void) {
  enum { N = 2, H = 3, W = 2, C = 3 };
  double x[N * H * W * C], p[N * H * W * C], t[N * H * W * C], cw[C] = {0.5, 1, 2}, sw[N] = {1.5, 0.5};
  xt_rng rng = {1401};
  for (int i = 0; i < N * H * W * C; i++) {
    x[i] = xt_normal(&rng) * 2;
    p[i] = xt_uniform(&rng, 0.05, 0.95);
    t[i] = (double)(xt_next(&rng) % 2);
  }
  int64_t shape[4] = {N, H, W, C};
  xent_tensor_t tt = lt_nd(t, XENT_F64, 4, shape), tcw = lt_vec(cw, C), tsw = lt_vec(sw, N);
  ov_ctx k = {0, xent_overlap_params_default(), xent_ce_options_default(), &tt};
  lt_gradcheck("Dice, whole batch", ov_loss, &k, p, 4, shape, 0.1);
  k.op.sum_axes = XENT_AXIS_BIT(1) | XENT_AXIS_BIT(2) | XENT_AXIS_BIT(3);
  k.o.sample_weights = &tsw;
  lt_gradcheck("Dice, per image, weights", ov_loss, &k, p, 4, shape, 0.1);
  k.tversky = 1;
  k.op.alpha = 0.3, k.op.beta = 0.9, k.op.smooth = 0.5;
  k.op.sum_axes = XENT_AXIS_BIT(1) | XENT_AXIS_BIT(2);
  k.op.activation = XENT_ACTIVATION_SOFTMAX;
  k.op.ignore_background = 1;
  k.o.class_weights = &tcw;
  k.o.sample_weights = NULL;
  k.o.reduction = XENT_REDUCTION_SUM_OVER_BATCH_SIZE;
  lt_gradcheck("Tversky, softmax, per image and class, class weights, no background", ov_loss, &k, x,
               4, shape, 0.1);
  k.op.activation = XENT_ACTIVATION_SIGMOID;
  k.op.ignore_background = 0;
  k.o.axis = -1;
  lt_gradcheck("Tversky, sigmoid", ov_loss, &k, x, 4, shape, 0.1);

  /* argument errors */
  double v;
  xent_tensor_t tv = lt_scalar(&v), tx = lt_nd(x, XENT_F64, 4, shape);
  xent_overlap_params_t bad = xent_overlap_params_default();
  xent_ce_options_t o = xent_ce_options_default();
  o.class_weights = &tcw; /* the class axis is summed by default */
  XT_CHECK_STATUS(xent_dice_loss(&tx, &tt, &bad, &o, &tv, NULL), XENT_ERR_ARGUMENT);
  XT_CHECK(strstr(xent_last_error(), "opts->class_weights needs the class axis") != NULL);
  bad.sum_axes = XENT_AXIS_BIT(5);
  XT_CHECK_STATUS(xent_dice_loss(&tx, &tt, &bad, NULL, &tv, NULL), XENT_ERR_ARGUMENT);
  bad = xent_overlap_params_default();
  bad.sum_axes = XENT_AXIS_BIT(1);
  double wrong[3];
  xent_tensor_t tw = lt_vec(wrong, 3);
  o = lt_opts(XENT_REDUCTION_NONE);
  XT_CHECK_STATUS(xent_dice_loss(&tx, &tt, &bad, &o, &tw, NULL), XENT_ERR_SHAPE);
  o = xent_ce_options_default();
  o.label_smoothing = 0.1;
  XT_CHECK_STATUS(xent_tversky_loss(&tx, &tt, NULL, &o, &tv, NULL), XENT_ERR_ARGUMENT);
}
