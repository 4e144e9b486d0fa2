/*
 * Helpers shared by the losses on probabilities, the focal, regression,
 * segmentation and distillation losses (probability.c, focal.c,
 * regression.c, segmentation.c, distillation.c):
 *
 *   - which of the common options a loss accepts (the others are
 *     XENT_ERR_ARGUMENT, naming the option and the function);
 *   - element-wise losses as frame rows (one loss per element, or their mean
 *     over the class axis: Keras), with per-class weights;
 *   - Keras's clip bounds in the predictions' precision;
 *   - "group" losses that are not sums over positions (Dice over a batch,
 *     pairwise errors within a sample): checking their outputs and reducing
 *     them with the frame's rules.
 */
#ifndef XENT_LOSS_COMMON_H
#define XENT_LOSS_COMMON_H

#include "frame.h"

/* Options beyond reduction, empty and upstream (always accepted). */
enum {
  XENT__ACCEPT_SMOOTHING = 1u << 0,
  XENT__ACCEPT_IGNORE = 1u << 1,
  XENT__ACCEPT_CLASS_WEIGHTS = 1u << 2,
  XENT__ACCEPT_SAMPLE_WEIGHTS = 1u << 3,
  XENT__ACCEPT_MASK = 1u << 4,
  XENT__ACCEPT_LENGTHS = 1u << 5
};

/* Checks reduction, empty, label_smoothing (in [0, 1]) and that no option
 * outside `accepted` (or flag outside `flags`) is set; `fn` names the
 * function in the error. pos_weight never applies here. */
xent_status_t xent__check_loss_options(const xent_ce_options_t *o, unsigned accepted,
                                       unsigned flags, const char *fn);

/* Keras's clip: lo = eps and hi = 1 - eps (computed in double), each
 * rounded to `dtype` as TensorFlow converts Python floats to the tensor's
 * type. */
void xent__clip_bounds(double eps, xent_dtype_t dtype, double *lo, double *hi);

/* Resolves opts->axis against `pred` and loads opts->class_weights (if any)
 * into *cw (NULL otherwise); *classes is the class axis length. The caller
 * frees cw_buf with xent__scratch_free. */
xent_status_t xent__class_weights(const xent_tensor_t *pred, const char *pred_name,
                                  const xent_ce_options_t *o, xent__scratch *cw_buf,
                                  const double **cw, int64_t *classes);

/* ---- element-wise losses ---- */

/* The loss of one element x against target t, its derivative in *g. */
typedef double (*xent__elem_fn)(const void *ctx, double x, double t, double *g);

typedef struct {
  xent__elem_fn f;
  const void *ctx;
  const double *class_w;   /* per class along the axis, or NULL */
  int mean_over_classes;   /* XENT_CE_MEAN_OVER_CLASSES */
} xent__elem_loss;

/* Runs an element-wise loss through the frame: per element, or the mean over
 * opts->axis with XENT_CE_MEAN_OVER_CLASSES. e->class_w is filled here from
 * opts->class_weights. */
xent_status_t xent__run_elementwise(xent__elem_loss *e, const xent_tensor_t *pred,
                                    const char *pred_name, const xent_tensor_t *target,
                                    const char *target_name, const xent_ce_options_t *o,
                                    const xent_tensor_t *loss, const xent_tensor_t *grad);

/* ---- group losses ---- */

typedef struct {
  int rank;                      /* rank of the groups' shape (0: one group) */
  int64_t shape[XENT_MAX_RANK];
  int64_t count;                 /* number of groups */
} xent__groups;

/* Checks `loss` (NONE: the groups' shape, or one element when rank is 0;
 * otherwise one element) and opts->upstream (the same shapes). */
xent_status_t xent__groups_check_outputs(const xent__groups *gs, const xent_ce_options_t *o,
                                         const xent_tensor_t *loss);

/* Checks opts->sample_weights against the groups' shape (aligned from the
 * left, each extent equal or 1) and reads every group's weight into w
 * (1 without sample weights). */
xent_status_t xent__groups_weights(const xent__groups *gs, const xent_ce_options_t *o,
                                   double *w);

/*
 * Reduces per-group losses L with weights w over the counted groups
 * (counted == NULL: all), with the frame's rules (xent.h, cross-entropy
 * section): NONE writes w L per group (0 where uncounted or w = 0); SUM,
 * MEAN (/ sum of w), SUM_OVER_BATCH_SIZE (/ number of groups, or of counted
 * groups when `masking`), SUM_BY_NONZERO_WEIGHTS; an empty divisor gives
 * opts->empty. Writes `loss` (if not NULL) and scale[g], the factor of
 * dL_g/d(inputs) in the gradient (w * upstream / divisor; 0 where the group
 * adds nothing).
 */
xent_status_t xent__groups_reduce(const xent__groups *gs, const xent_ce_options_t *o,
                                  const double *L, const unsigned char *counted,
                                  int masking, const double *w, const xent_tensor_t *loss,
                                  double *scale);

#endif
