/*
 * Soft targets: Keras kl_divergence on probabilities, and knowledge
 * distillation on teacher and student logits with a temperature
 * (PyTorch's recipe F.kl_div(log_softmax(s/T), softmax(t/T)) * T^2, or
 * Keras's LogitsDistillation with clipped probabilities). Row kernels:
 * kernels/reference/losses.c; positions and reductions: the loss frame.
 */
#include "loss_common.h"

#include "../kernels/kernels.h"

#include <math.h>
#include <string.h>

typedef struct {
  double lo, temperature;
} kl_ctx;

static void row_kl(const void *ctx, const double *x, const double *t, int64_t label, int64_t n,
                   double *loss, double *grad, double *work) {
  const kl_ctx *k = ctx;
  (void)label, (void)work;
  loss[0] = xent_ref_kl_row(x, t, grad, n, k->lo);
}

static void row_distill(const void *ctx, const double *x, const double *t, int64_t label,
                        int64_t n, double *loss, double *grad, double *work) {
  const kl_ctx *k = ctx;
  (void)label;
  loss[0] = xent_ref_distill_row(x, t, grad, n, k->temperature, k->lo, work);
}

static xent_status_t run(int distill, const xent_tensor_t *pred, const char *pred_name,
                         const xent_tensor_t *target, const char *target_name, double eps,
                         double temperature, const xent_ce_options_t *opts,
                         const xent_tensor_t *loss, const xent_tensor_t *grad) {
  const char *fn = distill ? "the distillation loss" : "kl_divergence";
  xent_ce_options_t o = opts ? *opts : xent_ce_options_default();
  if (!(eps >= 0 && eps <= 0.5))
    return xent__fail(XENT_ERR_ARGUMENT, "eps = %g is outside [0, 0.5]", eps);
  if (distill && !(temperature > 0 && temperature < INFINITY))
    return xent__fail(XENT_ERR_ARGUMENT, "temperature = %g is not a finite value > 0",
                      temperature);
  XENT__TRY(xent__check_loss_options(
      &o, XENT__ACCEPT_SAMPLE_WEIGHTS | XENT__ACCEPT_MASK | XENT__ACCEPT_LENGTHS, 0, fn));
  XENT__TRY(xent__check_tensor(pred, pred_name));
  XENT__TRY(xent__require_float(pred, pred_name));
  kl_ctx k = {xent__round_to(eps, pred->dtype), temperature};
  xent__loss_spec spec = {.row = distill ? row_distill : row_kl,
                          .ctx = &k,
                          .work_per_class = distill ? 5 : 0,
                          .pred = pred,
                          .pred_name = pred_name,
                          .target = target,
                          .target_name = target_name,
                          .target_kind = XENT__TARGET_DENSE,
                          .loss = loss,
                          .grad = grad,
                          .opts = &o};
  return xent__loss_run(&spec);
}

xent_status_t xent_kl_divergence(const xent_tensor_t *probs, const xent_tensor_t *targets,
                                 double eps, const xent_ce_options_t *opts,
                                 const xent_tensor_t *loss, const xent_tensor_t *grad) {
  xent__clear_error();
  return run(0, probs, "probs", targets, "targets", eps, 1.0, opts, loss, grad);
}

xent_status_t xent_distillation_loss(const xent_tensor_t *student_logits,
                                     const xent_tensor_t *teacher_logits, double temperature,
                                     double eps, const xent_ce_options_t *opts,
                                     const xent_tensor_t *loss, const xent_tensor_t *grad) {
  xent__clear_error();
  return run(1, student_logits, "student_logits", teacher_logits, "teacher_logits", eps,
             temperature, opts, loss, grad);
}
