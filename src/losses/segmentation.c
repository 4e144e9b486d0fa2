/*
 * Segmentation losses: Dice and Tversky (Keras keras.losses.Dice / Tversky,
 * optax.losses.dice_loss). The loss of a "group" is a ratio of sums over the
 * summed axes, so it is not a sum over positions: this file has its own two
 * sweeps (sums per group; then the gradient) around the shared group
 * reduction (loss_common.h).
 *
 * Per group, with I = sum p t, FP = sum p (1 - t), FN = sum t (1 - p),
 * P = sum p, T = sum t (compensated sums):
 *   Dice:    L = 1 - (2I + s) / (P + T + s + e)       = (FP + FN + e) / D
 *   Tversky: L = 1 - (I + s) / (I + a FP + b FN + s + e) = (a FP + b FN + e) / D
 * The right-hand forms are the same numbers without the cancellation of
 * 1 - (a ratio near 1), so a good prediction keeps its small loss.
 */
#include "loss_common.h"

#include "../kernels/kernels.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

xent_overlap_params_t xent_overlap_params_default(void) {
  xent_overlap_params_t p;
  memset(&p, 0, sizeof p);
  p.alpha = 0.5;
  p.beta = 0.5;
  p.smooth = 0.0;
  p.eps = 1e-7;
  p.sum_axes = 0;
  p.activation = XENT_ACTIVATION_NONE;
  p.ignore_background = 0;
  return p;
}

enum { S_I, S_P, S_T, S_FP, S_FN, S_COUNT };

typedef struct {
  int tversky;
  xent_overlap_params_t p;
  const xent_tensor_t *pred, *target, *mask, *grad;
  int axis;
  int64_t classes;
  int64_t gstride[XENT_MAX_RANK]; /* group-index stride of each pred axis, 0 if summed */
  int outer_axis[XENT_MAX_RANK];  /* pred axis of each outer index of the row iterator */
  const double *class_w;
} overlap;

/* Probabilities of one position from its predictions. */
static void activate(const overlap *k, const double *x, double *p, int64_t n) {
  switch (k->p.activation) {
    case XENT_ACTIVATION_SOFTMAX: xent_ref_softmax_row(x, p, n); break;
    case XENT_ACTIVATION_SIGMOID:
      for (int64_t c = 0; c < n; c++) p[c] = xent_ref_sigmoid(x[c]);
      break;
    default:
      for (int64_t c = 0; c < n; c++) p[c] = x[c];
      break;
  }
}

static int64_t group_base(const overlap *k, const xent__rows *it) {
  int64_t g = 0;
  for (int d = 0; d < it->outer_rank; d++) g += it->index[d] * k->gstride[k->outer_axis[d]];
  return g;
}

static void init_rows(const overlap *k, xent__rows *it) {
  const xent_tensor_t *group[4] = {k->pred, k->target, k->mask ? k->mask : k->pred,
                                   k->grad ? k->grad : k->pred};
  int axes[4] = {k->axis, k->axis, k->mask ? -1 : k->axis, k->axis};
  xent__rows_init(it, 4, group, k->axis, axes);
}

static int masked(const overlap *k, const xent__rows *it) {
  return k->mask && *(const uint8_t *)it->ptr[2] == 0;
}

/* First sweep: the five sums of every group (Neumaier, two doubles each). */
static void accumulate(const overlap *k, xent_ref_sum *sums, double *x, double *t, double *p) {
  xent__rows it;
  init_rows(k, &it);
  int64_t n = k->classes, cstride = k->gstride[k->axis];
  for (int64_t r = 0; r < it.count && n > 0; r++) {
    if (r) xent__rows_next(&it);
    if (masked(k, &it)) continue;
    xent__gather(x, it.ptr[0], it.row_stride[0], n, k->pred->dtype);
    xent__gather(t, it.ptr[1], it.row_stride[1], n, k->target->dtype);
    activate(k, x, p, n);
    int64_t base = group_base(k, &it);
    for (int64_t c = 0; c < n; c++) {
      xent_ref_sum *s = sums + S_COUNT * (base + c * cstride);
      double pc = p[c], tc = t[c];
      xent_ref_sum_add(&s[S_I], pc * tc);
      xent_ref_sum_add(&s[S_P], pc);
      xent_ref_sum_add(&s[S_T], tc);
      xent_ref_sum_add(&s[S_FP], pc * (1 - tc));
      xent_ref_sum_add(&s[S_FN], tc * (1 - pc));
    }
  }
}

/* Second sweep: the gradient. dL/dp for element (i, group g):
 *   Dice:    (1 - L - 2 t_i) / D
 *   Tversky: (a (1 - t_i) - b t_i - L (a (1 - t_i) + (1 - b) t_i)) / D
 * times scale_g and the class weight, then through the activation. */
static void backward(const overlap *k, const double *L, const double *D, const double *scale,
                     double *x, double *t, double *p, double *G) {
  xent__rows it;
  init_rows(k, &it);
  int64_t n = k->classes, cstride = k->gstride[k->axis];
  double a = k->p.alpha, b = k->p.beta;
  for (int64_t r = 0; r < it.count && n > 0; r++) {
    if (r) xent__rows_next(&it);
    if (masked(k, &it)) {
      for (int64_t c = 0; c < n; c++) G[c] = 0;
      xent__scatter(it.ptr[3], it.row_stride[3], G, n, k->grad->dtype);
      continue;
    }
    xent__gather(x, it.ptr[0], it.row_stride[0], n, k->pred->dtype);
    xent__gather(t, it.ptr[1], it.row_stride[1], n, k->target->dtype);
    activate(k, x, p, n);
    int64_t base = group_base(k, &it);
    for (int64_t c = 0; c < n; c++) {
      int64_t g = base + c * cstride;
      if (scale[g] == 0) {
        G[c] = 0;
        continue;
      }
      double tc = t[c], d;
      if (k->tversky)
        d = (a * (1 - tc) - b * tc - L[g] * (a * (1 - tc) + (1 - b) * tc)) / D[g];
      else
        d = (1 - L[g] - 2 * tc) / D[g];
      G[c] = scale[g] * (k->class_w ? k->class_w[c] : 1.0) * d;
    }
    switch (k->p.activation) {
      case XENT_ACTIVATION_SOFTMAX: {
        xent_ref_sum dot = {0, 0};
        for (int64_t c = 0; c < n; c++)
          if (p[c] != 0) xent_ref_sum_add(&dot, p[c] * G[c]);
        double s = xent_ref_sum_value(&dot);
        for (int64_t c = 0; c < n; c++) G[c] = p[c] == 0 ? 0.0 : p[c] * (G[c] - s);
        break;
      }
      case XENT_ACTIVATION_SIGMOID:
        for (int64_t c = 0; c < n; c++) {
          double ds = xent_ref_sigmoid_grad(x[c]);
          G[c] = G[c] == 0 || ds == 0 ? 0.0 : G[c] * ds;
        }
        break;
      default: break;
    }
    xent__scatter(it.ptr[3], it.row_stride[3], G, n, k->grad->dtype);
  }
}

static xent_status_t check_params(const xent_overlap_params_t *p, int rank) {
  if (!isfinite(p->alpha) || !isfinite(p->beta))
    return xent__fail(XENT_ERR_ARGUMENT, "params->alpha = %g and params->beta = %g must be finite",
                      p->alpha, p->beta);
  if (!(p->smooth >= 0 && p->smooth < INFINITY))
    return xent__fail(XENT_ERR_ARGUMENT, "params->smooth = %g is not a finite value >= 0",
                      p->smooth);
  if (!(p->eps >= 0 && p->eps < INFINITY))
    return xent__fail(XENT_ERR_ARGUMENT, "params->eps = %g is not a finite value >= 0", p->eps);
  if (rank < 32 && (p->sum_axes >> rank) != 0)
    return xent__fail(XENT_ERR_ARGUMENT,
                      "params->sum_axes = %#x names an axis beyond the %d axes of pred",
                      (unsigned)p->sum_axes, rank);
  if ((unsigned)p->activation > XENT_ACTIVATION_SIGMOID)
    return xent__fail(XENT_ERR_ARGUMENT, "params->activation = %d is not a xent_activation_t",
                      (int)p->activation);
  if (p->ignore_background != 0 && p->ignore_background != 1)
    return xent__fail(XENT_ERR_ARGUMENT, "params->ignore_background = %d is not 0 or 1",
                      p->ignore_background);
  return XENT_OK;
}

static xent_status_t run_overlap(int tversky, const xent_tensor_t *pred,
                                 const xent_tensor_t *target,
                                 const xent_overlap_params_t *params,
                                 const xent_ce_options_t *opts, const xent_tensor_t *loss,
                                 const xent_tensor_t *grad) {
  const char *fn = tversky ? "Tversky loss" : "Dice loss";
  overlap k;
  memset(&k, 0, sizeof k);
  k.tversky = tversky;
  k.p = params ? *params : xent_overlap_params_default();
  xent_ce_options_t o = opts ? *opts : xent_ce_options_default();
  XENT__TRY(xent__check_loss_options(
      &o, XENT__ACCEPT_CLASS_WEIGHTS | XENT__ACCEPT_SAMPLE_WEIGHTS | XENT__ACCEPT_MASK, 0, fn));
  XENT__TRY(xent__check_tensor(pred, "pred"));
  XENT__TRY(xent__require_float(pred, "pred"));
  XENT__TRY(xent__check_tensor(target, "target"));
  XENT__TRY(xent__require_float(target, "target"));
  XENT__TRY(xent__check_same_shape(pred, "pred", target, "target"));
  if (!loss && !grad)
    return xent__fail(XENT_ERR_NULL, "loss and grad are both NULL; nothing to compute");
  XENT__TRY(xent__resolve_axis(o.axis, pred->rank, "pred", &k.axis));
  XENT__TRY(check_params(&k.p, pred->rank));
  k.pred = pred, k.target = target, k.mask = o.mask, k.grad = grad;
  k.classes = pred->shape[k.axis];
  uint32_t summed = k.p.sum_axes ? k.p.sum_axes : (uint32_t)((1u << pred->rank) - 1);
  int class_kept = !((summed >> k.axis) & 1);
  int ignore = k.p.ignore_background && k.classes > 1;
  if ((ignore || o.class_weights) && !class_kept)
    return xent__fail(XENT_ERR_ARGUMENT,
                      "%s needs the class axis (opts->axis = %d) kept, not summed "
                      "(params->sum_axes = %#x)",
                      ignore ? "params->ignore_background" : "opts->class_weights", o.axis,
                      (unsigned)k.p.sum_axes);
  /* the groups: the axes that are not summed, in order */
  xent__groups gs;
  memset(&gs, 0, sizeof gs);
  gs.count = 1;
  for (int a = pred->rank - 1; a >= 0; a--) {
    if ((summed >> a) & 1) continue;
    k.gstride[a] = gs.count;
    gs.count *= pred->shape[a];
  }
  for (int a = 0; a < pred->rank; a++)
    if (!((summed >> a) & 1)) gs.shape[gs.rank++] = pred->shape[a];
  for (int a = 0, d = 0; a < pred->rank; a++)
    if (a != k.axis) k.outer_axis[d++] = a;
  if (grad) {
    XENT__TRY(xent__check_output(grad, "grad"));
    XENT__TRY(xent__require_float(grad, "grad"));
    XENT__TRY(xent__check_same_shape(pred, "pred", grad, "grad"));
  }
  if (o.mask) {
    xent_tensor_t positions;
    memset(&positions, 0, sizeof positions);
    for (int a = 0; a < pred->rank; a++)
      if (a != k.axis) positions.shape[positions.rank++] = pred->shape[a];
    XENT__TRY(xent__check_tensor(o.mask, "opts->mask"));
    if (o.mask->dtype != XENT_U8)
      return xent__fail(XENT_ERR_DTYPE, "opts->mask has dtype %s; expected u8",
                        xent_dtype_name(o.mask->dtype));
    XENT__TRY(xent__check_same_shape(&positions,
                                     "the positions (pred without the class axis)", o.mask,
                                     "opts->mask"));
  }
  XENT__TRY(xent__groups_check_outputs(&gs, &o, loss));

  xent__scratch cw = {0}, buf = {0};
  int64_t classes;
  XENT__TRY(xent__class_weights(pred, "pred", &o, &cw, &k.class_w, &classes));
  int64_t G = gs.count ? gs.count : 1, n = k.classes ? k.classes : 1;
  /* per group: 5 sums (2 doubles each), L, D, weighted L, w, scale, counted;
   * per position: x, t, p, G */
  xent_status_t st = xent__scratch_get(&buf, 16 * G + 4 * n, "the loss");
  if (st == XENT_OK) {
    xent_ref_sum *sums = (xent_ref_sum *)buf.p;
    double *L = buf.p + 10 * G, *D = L + G, *Lw = D + G, *w = Lw + G, *scale = w + G;
    unsigned char *counted = (unsigned char *)(scale + G);
    double *x = buf.p + 16 * G, *t = x + n, *p = t + n, *gr = p + n;
    memset(sums, 0, sizeof(xent_ref_sum) * S_COUNT * (size_t)G);
    accumulate(&k, sums, x, t, p);
    double a = k.p.alpha, b = k.p.beta, s = k.p.smooth, e = k.p.eps;
    for (int64_t g = 0; g < gs.count; g++) {
      double v[S_COUNT];
      for (int i = 0; i < S_COUNT; i++) v[i] = xent_ref_sum_value(&sums[S_COUNT * g + i]);
      if (tversky) {
        D[g] = v[S_I] + a * v[S_FP] + b * v[S_FN] + s + e;
        L[g] = (a * v[S_FP] + b * v[S_FN] + e) / D[g];
      } else {
        D[g] = v[S_P] + v[S_T] + s + e;
        L[g] = (v[S_FP] + v[S_FN] + e) / D[g];
      }
      int64_t c = class_kept ? (g / k.gstride[k.axis]) % (k.classes ? k.classes : 1) : 0;
      counted[g] = !(ignore && c == 0);
      Lw[g] = k.class_w ? k.class_w[c] * L[g] : L[g];
    }
    st = xent__groups_weights(&gs, &o, w);
    if (st == XENT_OK) st = xent__groups_reduce(&gs, &o, Lw, counted, ignore, w, loss, scale);
    if (st == XENT_OK && grad) backward(&k, L, D, scale, x, t, p, gr);
  }
  xent__scratch_free(&buf);
  if (cw.p) xent__scratch_free(&cw);
  return st;
}

xent_status_t xent_dice_loss(const xent_tensor_t *pred, const xent_tensor_t *target,
                             const xent_overlap_params_t *params, const xent_ce_options_t *opts,
                             const xent_tensor_t *loss, const xent_tensor_t *grad) {
  xent__clear_error();
  return run_overlap(0, pred, target, params, opts, loss, grad);
}

xent_status_t xent_tversky_loss(const xent_tensor_t *pred, const xent_tensor_t *target,
                                const xent_overlap_params_t *params,
                                const xent_ce_options_t *opts, const xent_tensor_t *loss,
                                const xent_tensor_t *grad) {
  xent__clear_error();
  return run_overlap(1, pred, target, params, opts, loss, grad);
}
