/*
 * Cross-entropies on probabilities (Keras from_logits=False, PyTorch
 * binary_cross_entropy, TensorFlow v1 log_loss) and the negative
 * log-likelihood on log-probabilities (PyTorch nll_loss). Rows and elements
 * are the reference kernels of kernels/reference/losses.c; positions,
 * weights and reductions are the loss frame's.
 */
#include "loss_common.h"

#include "../kernels/kernels.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

xent_prob_params_t xent_prob_params_default(void) {
  xent_prob_params_t p;
  memset(&p, 0, sizeof p);
  p.mode = XENT_PROB_KERAS;
  p.eps = 1e-7;
  p.from_logits = 0;
  return p;
}

static xent_status_t check_params(const xent_prob_params_t *p, int keras_only,
                                  const char *fn) {
  if ((unsigned)p->mode > XENT_PROB_TF_V1)
    return xent__fail(XENT_ERR_ARGUMENT, "params->mode = %d is not a xent_prob_mode_t",
                      (int)p->mode);
  if (keras_only && p->mode != XENT_PROB_KERAS)
    return xent__fail(XENT_ERR_ARGUMENT, "%s has only the Keras mode (params->mode = %d)", fn,
                      (int)p->mode);
  if (!(p->eps >= 0 && p->eps <= 0.5))
    return xent__fail(XENT_ERR_ARGUMENT, "params->eps = %g is outside [0, 0.5]", p->eps);
  if (p->from_logits != 0 && p->from_logits != 1)
    return xent__fail(XENT_ERR_ARGUMENT, "params->from_logits = %d is not 0 or 1",
                      p->from_logits);
  return XENT_OK;
}

/* PyTorch checks that every probability is in [0, 1] (NaN fails too). */
static xent_status_t check_unit_interval(const xent_tensor_t *p, const char *name) {
  XENT__TRY(xent__check_tensor(p, name));
  if (p->rank == 0 || xent_tensor_numel(p) == 0) return XENT_OK;
  const xent_tensor_t *group[1] = {p};
  int axis = p->rank - 1, axes[1] = {axis};
  xent__rows it;
  xent__rows_init(&it, 1, group, axis, axes);
  int64_t step = it.row_stride[0] * (int64_t)xent_dtype_size(p->dtype);
  for (int64_t r = 0; r < it.count; r++) {
    if (r) xent__rows_next(&it);
    for (int64_t c = 0; c < it.length; c++) {
      double v = xent__load(it.ptr[0] + c * step, p->dtype);
      if (v >= 0 && v <= 1) continue;
      char where[200];
      int used = snprintf(where, sizeof where, "[");
      for (int d = 0; d < it.outer_rank && used < (int)sizeof where - 24; d++)
        used += snprintf(where + used, sizeof where - (size_t)used, "%" PRId64 ", ", it.index[d]);
      snprintf(where + used, sizeof where - (size_t)used, "%" PRId64 "]", c);
      return xent__fail(XENT_ERR_VALUE,
                        "%s%s = %g is outside [0, 1] (PyTorch's binary_cross_entropy requires "
                        "probabilities)", name, where, v);
    }
  }
  return XENT_OK;
}

/* ---- binary ---- */

typedef struct {
  xent_prob_mode_t mode;
  double lo, hi, eps, smoothing;
} bce_ctx;

static double bce_elem(const void *ctx, double p, double y, double *g) {
  const bce_ctx *k = ctx;
  if (k->smoothing) y = y * (1 - k->smoothing) + k->smoothing / 2;
  switch (k->mode) {
    case XENT_PROB_TORCH: return xent_ref_bce_torch(p, y, g);
    case XENT_PROB_TF_V1: return xent_ref_bce_tf_v1(p, y, k->eps, g);
    default: return xent_ref_bce_keras(p, y, k->lo, k->hi, g);
  }
}

xent_status_t xent_binary_cross_entropy(const xent_tensor_t *probs,
                                        const xent_tensor_t *labels,
                                        const xent_prob_params_t *params,
                                        const xent_ce_options_t *opts,
                                        const xent_tensor_t *loss, const xent_tensor_t *grad) {
  xent__clear_error();
  xent_prob_params_t pp = params ? *params : xent_prob_params_default();
  xent_ce_options_t o = opts ? *opts : xent_ce_options_default();
  XENT__TRY(check_params(&pp, 0, "binary cross-entropy"));
  if (pp.from_logits) return xent_sigmoid_cross_entropy(probs, labels, &o, loss, grad);
  XENT__TRY(xent__check_loss_options(&o,
                                     XENT__ACCEPT_SMOOTHING | XENT__ACCEPT_CLASS_WEIGHTS |
                                         XENT__ACCEPT_SAMPLE_WEIGHTS | XENT__ACCEPT_MASK |
                                         XENT__ACCEPT_LENGTHS,
                                     XENT_CE_MEAN_OVER_CLASSES, "binary cross-entropy"));
  XENT__TRY(xent__check_tensor(probs, "probs"));
  XENT__TRY(xent__require_float(probs, "probs"));
  bce_ctx k = {pp.mode, 0, 1, 0, o.label_smoothing};
  xent__clip_bounds(pp.eps, probs->dtype, &k.lo, &k.hi);
  k.eps = k.lo; /* TF v1 adds eps in the input's precision */
  if (pp.mode == XENT_PROB_TORCH) XENT__TRY(check_unit_interval(probs, "probs"));
  xent__elem_loss e = {bce_elem, &k, NULL, 0};
  return xent__run_elementwise(&e, probs, "probs", labels, "labels", &o, loss, grad);
}

/* ---- categorical (dense targets) ---- */

typedef struct {
  const double *class_w;
  double smoothing, lo, hi;
} cat_ctx;

static void row_categorical(const void *ctx, const double *x, const double *t, int64_t label,
                            int64_t n, double *loss, double *grad, double *work) {
  const cat_ctx *k = ctx;
  (void)label;
  double *u = work + n, a = k->smoothing;
  for (int64_t c = 0; c < n; c++) {
    double y = a ? t[c] * (1 - a) + a / (double)n : t[c];
    u[c] = k->class_w ? k->class_w[c] * y : y;
  }
  loss[0] = xent_ref_cce_prob_row(x, u, grad, n, k->lo, k->hi, work);
}

/* u_c = (1 - a) cw_y [c == y] + (a / C) cw_c, as the logits' sparse loss. */
static void sparse_targets(const cat_ctx *k, int64_t label, int64_t n, double *u) {
  double a = k->smoothing;
  for (int64_t c = 0; c < n; c++)
    u[c] = a ? (a / (double)n) * (k->class_w ? k->class_w[c] : 1.0) : 0.0;
  u[label] += (1 - a) * (k->class_w ? k->class_w[label] : 1.0);
}

static void row_sparse(const void *ctx, const double *x, const double *t, int64_t label,
                       int64_t n, double *loss, double *grad, double *work) {
  const cat_ctx *k = ctx;
  (void)t;
  double *u = work + n;
  sparse_targets(k, label, n, u);
  loss[0] = xent_ref_scce_prob_row(x, u, grad, n, k->lo, k->hi, work);
}

static void row_nll(const void *ctx, const double *x, const double *t, int64_t label,
                    int64_t n, double *loss, double *grad, double *work) {
  const cat_ctx *k = ctx;
  (void)t;
  double *u = work;
  sparse_targets(k, label, n, u);
  /* -sum u_c x_c over the terms with u_c != 0 (PyTorch reads only those) */
  xent_ref_sum s = {0, 0};
  for (int64_t c = 0; c < n; c++)
    if (u[c] != 0) xent_ref_sum_add(&s, -u[c] * x[c]);
  loss[0] = xent_ref_sum_value(&s);
  if (grad)
    for (int64_t c = 0; c < n; c++) grad[c] = -u[c];
}

typedef enum { CAT_DENSE, CAT_SPARSE, CAT_NLL } cat_kind;

static xent_status_t run_categorical(cat_kind kind, const xent_tensor_t *pred,
                                     const xent_tensor_t *labels,
                                     const xent_prob_params_t *params,
                                     const xent_ce_options_t *opts, const xent_tensor_t *loss,
                                     const xent_tensor_t *grad) {
  static const char *names[] = {"categorical cross-entropy",
                                "sparse categorical cross-entropy", "nll_loss"};
  const char *fn = names[kind];
  const char *pred_name = kind == CAT_NLL ? "log_probs" : "probs";
  xent_ce_options_t o = opts ? *opts : xent_ce_options_default();
  xent_prob_params_t pp = params ? *params : xent_prob_params_default();
  if (kind != CAT_NLL) {
    XENT__TRY(check_params(&pp, 1, fn));
    if (pp.from_logits)
      return kind == CAT_DENSE ? xent_softmax_cross_entropy(pred, labels, &o, loss, grad)
                               : xent_sparse_softmax_cross_entropy(pred, labels, &o, loss, grad);
  }
  unsigned accepted = XENT__ACCEPT_SMOOTHING | XENT__ACCEPT_CLASS_WEIGHTS |
                      XENT__ACCEPT_SAMPLE_WEIGHTS | XENT__ACCEPT_MASK | XENT__ACCEPT_LENGTHS;
  if (kind != CAT_DENSE) accepted |= XENT__ACCEPT_IGNORE;
  XENT__TRY(xent__check_loss_options(&o, accepted, 0, fn));
  XENT__TRY(xent__check_tensor(pred, pred_name));
  XENT__TRY(xent__require_float(pred, pred_name));
  cat_ctx k = {NULL, o.label_smoothing, 0, 1};
  xent__clip_bounds(pp.eps, pred->dtype, &k.lo, &k.hi);
  xent__scratch cw = {0};
  int64_t classes;
  XENT__TRY(xent__class_weights(pred, pred_name, &o, &cw, &k.class_w, &classes));
  xent__loss_spec spec = {
      .row = kind == CAT_DENSE ? row_categorical : kind == CAT_SPARSE ? row_sparse : row_nll,
      .ctx = &k,
      .work_per_class = 2,
      .label_weights = kind == CAT_DENSE ? NULL : k.class_w,
      .pred = pred,
      .pred_name = pred_name,
      .target = labels,
      .target_name = "labels",
      .target_kind = kind == CAT_DENSE ? XENT__TARGET_DENSE : XENT__TARGET_SPARSE,
      .loss = loss,
      .grad = grad,
      .opts = &o};
  xent_status_t st = xent__loss_run(&spec);
  if (cw.p) xent__scratch_free(&cw);
  return st;
}

xent_status_t xent_categorical_cross_entropy(const xent_tensor_t *probs,
                                             const xent_tensor_t *labels,
                                             const xent_prob_params_t *params,
                                             const xent_ce_options_t *opts,
                                             const xent_tensor_t *loss,
                                             const xent_tensor_t *grad) {
  xent__clear_error();
  return run_categorical(CAT_DENSE, probs, labels, params, opts, loss, grad);
}

xent_status_t xent_sparse_categorical_cross_entropy(const xent_tensor_t *probs,
                                                    const xent_tensor_t *labels,
                                                    const xent_prob_params_t *params,
                                                    const xent_ce_options_t *opts,
                                                    const xent_tensor_t *loss,
                                                    const xent_tensor_t *grad) {
  xent__clear_error();
  return run_categorical(CAT_SPARSE, probs, labels, params, opts, loss, grad);
}

xent_status_t xent_nll_loss(const xent_tensor_t *log_probs, const xent_tensor_t *labels,
                            const xent_ce_options_t *opts, const xent_tensor_t *loss,
                            const xent_tensor_t *grad) {
  xent__clear_error();
  return run_categorical(CAT_NLL, log_probs, labels, NULL, opts, loss, grad);
}
