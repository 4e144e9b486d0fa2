/*
 * The loss frame: everything a loss shares besides its formula.
 *
 * A loss is computed over "positions" (every index of the prediction tensor
 * except its class axis). The frame checks the common options (reduction,
 * empty rule, sample weights, mask, lengths, ignore_index, upstream), walks
 * the positions in any layout, validates sparse labels before writing
 * anything, computes the reduction's divisor (which never depends on the
 * predictions), and scales and stores each position's loss and gradient.
 * A loss supplies only a row function: the unweighted loss of one position
 * and its gradient with respect to that position's predictions.
 */
#ifndef XENT_LOSS_FRAME_H
#define XENT_LOSS_FRAME_H

#include "../core/internal.h"
#include "../kernels/kernels.h"

typedef enum {
  XENT__TARGET_DENSE,  /* same shape as the predictions, float            */
  XENT__TARGET_SPARSE, /* integer class indices, predictions' shape minus
                          the class axis (or with it kept at length 1)    */
} xent__target_kind;

/*
 * One position's computation. `x` and `t` are the position's prediction and
 * target rows (n = number of classes; t is NULL for sparse targets, whose
 * label is given instead). Writes the loss into loss[0] (or one loss per
 * element into loss[0..n) for an element-wise frame) and, if grad is not
 * NULL, d(loss)/d(x) into grad[0..n). `work` has room for work_per_class * n
 * doubles. Weights, masks and reductions are the frame's business.
 */
typedef void (*xent__row_fn)(const void *ctx, const double *x, const double *t,
                             int64_t label, int64_t n, double *loss, double *grad,
                             double *work);

typedef struct {
  /* what the loss is */
  xent__row_fn row;
  const void *ctx;
  int work_per_class;
  /* Optional fast kernel for f32 predictions with sparse targets: the loss
   * of the row into *loss and, if g is not NULL, scale * d(loss)/d(x) into g;
   * returns 0 to leave the row to `row` (non-finite inputs). */
  int (*fast_sparse_f32)(const float *x, int64_t label, float *g, double scale, int64_t n,
                         double *loss, xent__stream *stream);
  /* ... and its small-C block form (kernels.h), taking small_block rows. */
  unsigned (*fast_sparse_small_f32)(const float *x, const int32_t *labels, float *g,
                                    const float *gscale, int64_t n, double *loss);
  int small_block;
  /* ... and its form for runs of contiguous rows of one sweep block each. */
  int64_t (*fast_sparse_rows_f32)(const float *x, const int64_t *labels, float *g, double scale,
                                  int64_t n, int64_t rows, double *loss);
  /* Optional fast kernel for f64 predictions with sparse targets (kernels.h
   * xent_f64_kernels' sparse_ce), used for rows of XENT_F64_FAST_MIN or more. */
  int (*fast_sparse_f64)(const double *x, int64_t label, double *g, double scale, int64_t n,
                         double *loss);
  /* Optional fast kernel for f32 predictions with dense f32 targets (kernels.h
   * dense_ce, with its tf_gradient argument). */
  int (*fast_dense_f32)(const float *x, const float *u, float *g, double scale, int64_t n,
                        int tf_gradient, double *loss);
  int tf_gradient;
  /* Optional: element-wise losses over a flat run of f32 elements (sigmoid
   * cross-entropy without per-class options); see kernels.h. */
  double (*fast_flat_f32)(const float *x, const float *y, float *g, float *loss, double scale,
                          int64_t n);
  /* Factor of a sparse position's weight for MEAN (PyTorch: the class weight
   * of its label); NULL means 1. */
  const double *label_weights;
  /* arguments */
  const xent_tensor_t *pred;
  const char *pred_name;
  const xent_tensor_t *target;
  const char *target_name;
  xent__target_kind target_kind;
  int elementwise; /* one loss per element instead of per position */
  const xent_tensor_t *loss, *grad;
  const xent_ce_options_t *opts; /* already defaulted by the caller */
} xent__loss_spec;

/* Checks every argument of the spec (the loss-specific options must be
 * checked by the caller first), then computes loss and gradient. */
xent_status_t xent__loss_run(const xent__loss_spec *spec);

/* Loads a per-class option tensor ((C,), or one element if allow_scalar)
 * into out[0..classes). */
xent_status_t xent__load_per_class(const xent_tensor_t *t, const char *name,
                                   int64_t classes, int allow_scalar, double *out);

/* Checks the options every loss shares: reduction, empty rule. */
xent_status_t xent__check_common_options(const xent_ce_options_t *o);

#endif
