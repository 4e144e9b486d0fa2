/*
 * The cross-entropy family on logits: each loss is a row function over the
 * reference kernels; positions, weights, masks and reductions are the loss
 * frame's (frame.h).
 */
#include "frame.h"

#include "../kernels/kernels.h"

#include <math.h>
#include <string.h>

typedef struct {
  const double *class_w; /* per class, or NULL */
  const double *pos_w;   /* per class, or NULL (sigmoid) */
  double smoothing;
  int tf_gradient;
  int mean_over_classes; /* sigmoid, Keras */
} ce_ctx;

xent_ce_options_t xent_ce_options_default(void) {
  xent_ce_options_t o;
  memset(&o, 0, sizeof o);
  o.axis = -1;
  o.reduction = XENT_REDUCTION_MEAN;
  o.empty = XENT_EMPTY_ZERO;
  o.ignore_index = XENT_NO_IGNORE;
  return o;
}

/* Softmax cross-entropy against dense targets: u_c = cw_c (y_c (1 - a) + a / C). */
static void row_dense(const void *ctx, const double *x, const double *t, int64_t label,
                      int64_t n, double *loss, double *grad, double *work) {
  const ce_ctx *k = ctx;
  (void)label;
  double *u = work + 2 * n, a = k->smoothing;
  for (int64_t c = 0; c < n; c++) {
    double y = a ? t[c] * (1 - a) + a / (double)n : t[c];
    u[c] = k->class_w ? k->class_w[c] * y : y;
  }
  loss[0] = xent_ref_softmax_ce_row(x, u, grad, n, k->tf_gradient, work);
}

/* Softmax cross-entropy against a class index, with PyTorch's smoothing:
 * u_c = (1 - a) cw_y [c == y] + (a / C) cw_c. */
static void row_sparse(const void *ctx, const double *x, const double *t, int64_t label,
                       int64_t n, double *loss, double *grad, double *work) {
  const ce_ctx *k = ctx;
  (void)t;
  double *u = work + 2 * n, a = k->smoothing;
  for (int64_t c = 0; c < n; c++)
    u[c] = a ? (a / (double)n) * (k->class_w ? k->class_w[c] : 1.0) : 0.0;
  u[label] += (1 - a) * (k->class_w ? k->class_w[label] : 1.0);
  loss[0] = xent_ref_softmax_ce_row(x, u, grad, n, k->tf_gradient, work);
}

/* Sigmoid cross-entropy per element, or averaged over the classes (Keras). */
static void row_sigmoid(const void *ctx, const double *x, const double *t, int64_t label,
                        int64_t n, double *loss, double *grad, double *work) {
  const ce_ctx *k = ctx;
  (void)label, (void)work;
  double a = k->smoothing;
  xent_ref_sum mean = {0, 0};
  for (int64_t c = 0; c < n; c++) {
    double cw = k->class_w ? k->class_w[c] : 1.0, lc = 0, gc = 0;
    if (cw != 0) { /* a zero class weight silences the element entirely */
      double y = a ? t[c] * (1 - a) + a / 2 : t[c];
      lc = cw * xent_ref_sigmoid_ce(x[c], y, k->pos_w ? k->pos_w[c] : 1.0, &gc);
      gc *= cw;
    }
    if (k->mean_over_classes) {
      xent_ref_sum_add(&mean, lc);
      if (grad) grad[c] = gc / (double)n;
    } else {
      loss[c] = lc;
      if (grad) grad[c] = gc;
    }
  }
  if (k->mean_over_classes) loss[0] = n ? xent_ref_sum_value(&mean) / (double)n : 0.0;
}

typedef enum { CE_DENSE, CE_SPARSE, CE_SIGMOID } ce_kind;

static xent_status_t run_ce(ce_kind kind, const xent_tensor_t *logits,
                            const xent_tensor_t *labels, const xent_ce_options_t *opts,
                            const xent_tensor_t *loss, const xent_tensor_t *grad) {
  xent__clear_error();
  xent_ce_options_t o = opts ? *opts : xent_ce_options_default();
  XENT__TRY(xent__check_common_options(&o));
  if (!(o.label_smoothing >= 0 && o.label_smoothing <= 1))
    return xent__fail(XENT_ERR_ARGUMENT, "opts->label_smoothing = %g is outside [0, 1]",
                      o.label_smoothing);
  unsigned known = kind == CE_SIGMOID ? XENT_CE_MEAN_OVER_CLASSES : XENT_CE_TF_GRADIENT;
  if (o.flags & ~known)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->flags = %#x has bits that do not apply to %s",
                      o.flags, kind == CE_SIGMOID ? "sigmoid cross-entropy"
                                                  : "softmax cross-entropy");
  if (o.pos_weight && kind != CE_SIGMOID)
    return xent__fail(XENT_ERR_ARGUMENT,
                      "opts->pos_weight applies only to sigmoid cross-entropy");

  ce_ctx k = {NULL, NULL, o.label_smoothing, (o.flags & XENT_CE_TF_GRADIENT) != 0,
              (o.flags & XENT_CE_MEAN_OVER_CLASSES) != 0};
  xent__loss_spec spec = {
      .row = kind == CE_DENSE ? row_dense : kind == CE_SPARSE ? row_sparse : row_sigmoid,
      .ctx = &k,
      .work_per_class = 3,
      .pred = logits,
      .pred_name = "logits",
      .target = labels,
      .target_name = "labels",
      .target_kind = kind == CE_SPARSE ? XENT__TARGET_SPARSE : XENT__TARGET_DENSE,
      .elementwise = kind == CE_SIGMOID && !k.mean_over_classes,
      .loss = loss,
      .grad = grad,
      .opts = &o};
  /* Per-class options, loaded once; the frame checks everything else. */
  /* One-hot targets without class weights or smoothing: the fused f32 and
   * f64 kernels (softmax - onehot is also TensorFlow's gradient then). */
  const xent_f32_kernels *fast = xent__fast_f32();
  if (fast && kind == CE_SPARSE && !o.class_weights && o.label_smoothing == 0) {
    spec.fast_sparse_f32 = fast->sparse_ce;
    spec.fast_sparse_small_f32 = fast->sparse_ce_small;
    spec.fast_sparse_rows_f32 = fast->sparse_ce_rows;
    spec.small_block = fast->block;
  }
  const xent_f64_kernels *fast64 = xent__fast_f64();
  if (fast64 && kind == CE_SPARSE && !o.class_weights && o.label_smoothing == 0)
    spec.fast_sparse_f64 = fast64->sparse_ce;
  if (fast && kind == CE_DENSE && !o.class_weights && o.label_smoothing == 0) {
    spec.fast_dense_f32 = fast->dense_ce;
    spec.tf_gradient = k.tf_gradient;
  }
  if (fast && kind == CE_SIGMOID && !k.mean_over_classes && !o.class_weights && !o.pos_weight &&
      o.label_smoothing == 0)
    spec.fast_flat_f32 = fast->sigmoid_ce_flat;
  int axis;
  XENT__TRY(xent__check_tensor(logits, "logits"));
  XENT__TRY(xent__resolve_axis(o.axis, logits->rank, "logits", &axis));
  int64_t classes = logits->shape[axis];
  xent__scratch cw = {0}, pw = {0};
  xent_status_t st = XENT_OK;
  if (o.class_weights) {
    st = xent__scratch_get(&cw, classes ? classes : 1, "class weights");
    if (st == XENT_OK)
      st = xent__load_per_class(o.class_weights, "opts->class_weights", classes, 0, cw.p);
    k.class_w = cw.p;
    if (kind == CE_SPARSE) spec.label_weights = cw.p;
  }
  if (st == XENT_OK && o.pos_weight) {
    st = xent__scratch_get(&pw, classes ? classes : 1, "pos_weight");
    if (st == XENT_OK)
      st = xent__load_per_class(o.pos_weight, "opts->pos_weight", classes, 1, pw.p);
    k.pos_w = pw.p;
  }
  if (st == XENT_OK) st = xent__loss_run(&spec);
  if (cw.p) xent__scratch_free(&cw);
  if (pw.p) xent__scratch_free(&pw);
  return st;
}

xent_status_t xent_softmax_cross_entropy(const xent_tensor_t *logits,
                                         const xent_tensor_t *labels,
                                         const xent_ce_options_t *opts,
                                         const xent_tensor_t *loss,
                                         const xent_tensor_t *grad) {
  return run_ce(CE_DENSE, logits, labels, opts, loss, grad);
}

xent_status_t xent_sparse_softmax_cross_entropy(const xent_tensor_t *logits,
                                                const xent_tensor_t *labels,
                                                const xent_ce_options_t *opts,
                                                const xent_tensor_t *loss,
                                                const xent_tensor_t *grad) {
  return run_ce(CE_SPARSE, logits, labels, opts, loss, grad);
}

xent_status_t xent_sigmoid_cross_entropy(const xent_tensor_t *logits,
                                         const xent_tensor_t *labels,
                                         const xent_ce_options_t *opts,
                                         const xent_tensor_t *loss,
                                         const xent_tensor_t *grad) {
  return run_ce(CE_SIGMOID, logits, labels, opts, loss, grad);
}
