/*
 * Focal cross-entropies (Keras binary_focal_crossentropy and
 * categorical_focal_crossentropy), from probabilities or from logits. The
 * formulas are the reference kernels' (kernels/reference/losses.c).
 */
#include "loss_common.h"

#include "../kernels/kernels.h"

#include <math.h>
#include <string.h>

xent_focal_params_t xent_focal_params_default(void) {
  xent_focal_params_t p;
  memset(&p, 0, sizeof p);
  p.gamma = 2.0;
  p.alpha = 0.25;
  p.apply_class_balancing = 0;
  p.from_logits = 0;
  p.eps = 1e-7;
  return p;
}

static xent_status_t check_params(const xent_focal_params_t *p) {
  if (!(p->gamma >= 0 && p->gamma < INFINITY))
    return xent__fail(XENT_ERR_ARGUMENT, "params->gamma = %g is not a finite value >= 0",
                      p->gamma);
  if (!isfinite(p->alpha))
    return xent__fail(XENT_ERR_ARGUMENT, "params->alpha = %g is not finite", p->alpha);
  if (!(p->eps >= 0 && p->eps <= 0.5))
    return xent__fail(XENT_ERR_ARGUMENT, "params->eps = %g is outside [0, 0.5]", p->eps);
  if ((p->from_logits != 0 && p->from_logits != 1) ||
      (p->apply_class_balancing != 0 && p->apply_class_balancing != 1))
    return xent__fail(XENT_ERR_ARGUMENT,
                      "params->from_logits and params->apply_class_balancing are 0 or 1");
  return XENT_OK;
}

/* ---- binary ---- */

typedef struct {
  xent_focal_params_t p;
  double lo, hi, smoothing;
} bfocal_ctx;

static double bfocal_elem(const void *ctx, double x, double y, double *g) {
  const bfocal_ctx *k = ctx;
  if (k->smoothing) y = y * (1 - k->smoothing) + k->smoothing / 2;
  double w = 1.0;
  if (k->p.apply_class_balancing) {
    double a = k->p.alpha;
    w = (y != 0 ? y * a : 0.0) + (1 - y != 0 ? (1 - y) * (1 - a) : 0.0);
  }
  return xent_ref_binary_focal(x, y, k->p.from_logits, k->p.gamma, w, k->lo, k->hi, g);
}

xent_status_t xent_binary_focal_cross_entropy(const xent_tensor_t *pred,
                                              const xent_tensor_t *labels,
                                              const xent_focal_params_t *params,
                                              const xent_ce_options_t *opts,
                                              const xent_tensor_t *loss,
                                              const xent_tensor_t *grad) {
  xent__clear_error();
  xent_focal_params_t pp = params ? *params : xent_focal_params_default();
  xent_ce_options_t o = opts ? *opts : xent_ce_options_default();
  XENT__TRY(check_params(&pp));
  XENT__TRY(xent__check_loss_options(&o,
                                     XENT__ACCEPT_SMOOTHING | XENT__ACCEPT_CLASS_WEIGHTS |
                                         XENT__ACCEPT_SAMPLE_WEIGHTS | XENT__ACCEPT_MASK |
                                         XENT__ACCEPT_LENGTHS,
                                     XENT_CE_MEAN_OVER_CLASSES, "binary focal cross-entropy"));
  XENT__TRY(xent__check_tensor(pred, "pred"));
  XENT__TRY(xent__require_float(pred, "pred"));
  bfocal_ctx k = {pp, 0, 1, o.label_smoothing};
  xent__clip_bounds(pp.eps, pred->dtype, &k.lo, &k.hi);
  xent__elem_loss e = {bfocal_elem, &k, NULL, 0};
  return xent__run_elementwise(&e, pred, "pred", labels, "labels", &o, loss, grad);
}

/* ---- categorical ---- */

typedef struct {
  xent_focal_params_t p;
  const double *class_w;
  double lo, hi, smoothing;
} cfocal_ctx;

static void row_cfocal(const void *ctx, const double *x, const double *t, int64_t label,
                       int64_t n, double *loss, double *grad, double *work) {
  const cfocal_ctx *k = ctx;
  (void)label;
  double *u = work + 2 * n, a = k->smoothing;
  for (int64_t c = 0; c < n; c++) {
    double y = a ? t[c] * (1 - a) + a / (double)n : t[c];
    u[c] = k->p.alpha * (k->class_w ? k->class_w[c] : 1.0) * y;
  }
  loss[0] = xent_ref_categorical_focal_row(x, u, grad, n, k->p.from_logits, k->p.gamma, k->lo,
                                           k->hi, work);
}

xent_status_t xent_categorical_focal_cross_entropy(const xent_tensor_t *pred,
                                                   const xent_tensor_t *labels,
                                                   const xent_focal_params_t *params,
                                                   const xent_ce_options_t *opts,
                                                   const xent_tensor_t *loss,
                                                   const xent_tensor_t *grad) {
  xent__clear_error();
  xent_focal_params_t pp = params ? *params : xent_focal_params_default();
  xent_ce_options_t o = opts ? *opts : xent_ce_options_default();
  XENT__TRY(check_params(&pp));
  if (pp.apply_class_balancing)
    return xent__fail(XENT_ERR_ARGUMENT,
                      "params->apply_class_balancing applies only to binary focal "
                      "cross-entropy (the categorical loss always weights by alpha)");
  XENT__TRY(xent__check_loss_options(&o,
                                     XENT__ACCEPT_SMOOTHING | XENT__ACCEPT_CLASS_WEIGHTS |
                                         XENT__ACCEPT_SAMPLE_WEIGHTS | XENT__ACCEPT_MASK |
                                         XENT__ACCEPT_LENGTHS,
                                     0, "categorical focal cross-entropy"));
  XENT__TRY(xent__check_tensor(pred, "pred"));
  XENT__TRY(xent__require_float(pred, "pred"));
  cfocal_ctx k = {pp, NULL, 0, 1, o.label_smoothing};
  xent__clip_bounds(pp.eps, pred->dtype, &k.lo, &k.hi);
  xent__scratch cw = {0};
  int64_t classes;
  XENT__TRY(xent__class_weights(pred, "pred", &o, &cw, &k.class_w, &classes));
  xent__loss_spec spec = {.row = row_cfocal,
                          .ctx = &k,
                          .work_per_class = 3,
                          .pred = pred,
                          .pred_name = "pred",
                          .target = labels,
                          .target_name = "labels",
                          .target_kind = XENT__TARGET_DENSE,
                          .loss = loss,
                          .grad = grad,
                          .opts = &o};
  xent_status_t st = xent__loss_run(&spec);
  if (cw.p) xent__scratch_free(&cw);
  return st;
}
