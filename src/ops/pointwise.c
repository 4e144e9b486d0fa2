/* Element-wise functions (sigmoid, log_sigmoid, softplus, logit) and their
 * backward passes, over tensors of any layout. */
#include "../core/internal.h"
#include "../kernels/kernels.h"

#include <math.h>

/* How one element is computed: forward f(x), or backward dy * f'(x) (or
 * dy / fn(x) where the derivative is a reciprocal, so that dy / tiny does not
 * overflow on the way). The context carries logit's clamp. */
typedef enum { FORWARD, TIMES_DY, DY_OVER } pointwise_mode;

typedef struct {
  double (*fn)(double x, const void *ctx);
  const void *ctx;
  pointwise_mode mode;
  /* For TIMES_DY: the derivative in long double, used where the double one
   * is subnormal (NULL if it never is). */
  long double (*tiny)(double x);
} pointwise_op;

static double backward_element(const pointwise_op *op, double x, double dy) {
  double d = op->fn(x, op->ctx);
  if (op->mode == DY_OVER) return dy / d;
  if (op->tiny && fabs(d) < 0x1p-1000 && d != 0 && dy != 0)
    return (double)(dy * op->tiny(x));
  if (op->tiny && d == 0 && dy != 0 && isfinite(x)) /* underflowed to 0 */
    return (double)(dy * op->tiny(x));
  return dy * d;
}

static xent_status_t run_pointwise(const xent_tensor_t *x, const char *x_name,
                                   const xent_tensor_t *dy,
                                   const xent_tensor_t *out, const char *out_name,
                                   pointwise_op op) {
  XENT__TRY(xent__check_tensor(x, x_name));
  XENT__TRY(xent__require_float(x, x_name));
  if (op.mode != FORWARD && !dy) return xent__fail(XENT_ERR_NULL, "dy is NULL");
  if (dy) {
    XENT__TRY(xent__check_tensor(dy, "dy"));
    XENT__TRY(xent__require_float(dy, "dy"));
    XENT__TRY(xent__check_same_shape(x, x_name, dy, "dy"));
  }
  XENT__TRY(xent__check_output(out, out_name));
  XENT__TRY(xent__require_float(out, out_name));
  XENT__TRY(xent__check_same_shape(x, x_name, out, out_name));

  /* Rows along the last axis; a rank-0 tensor is a single one-element row. */
  int ax = x->rank ? x->rank - 1 : -1;
  const xent_tensor_t *group[3] = {x, out, dy ? dy : x};
  int group_axis[3] = {ax, ax, ax};
  xent__rows it;
  xent__rows_init(&it, 3, group, ax, group_axis);
  if (it.count == 0 || it.length == 0) return XENT_OK;

  int64_t n = it.length;
  xent__scratch sx, sd;
  XENT__TRY(xent__scratch_get(&sx, n, out_name));
  xent_status_t st = xent__scratch_get(&sd, n, out_name);
  if (st != XENT_OK) {
    xent__scratch_free(&sx);
    return st;
  }
  for (int64_t r = 0; r < it.count; r++) {
    if (r) xent__rows_next(&it);
    xent__gather(sx.p, it.ptr[0], it.row_stride[0], n, x->dtype);
    if (op.mode != FORWARD) {
      xent__gather(sd.p, it.ptr[2], it.row_stride[2], n, dy->dtype);
      for (int64_t i = 0; i < n; i++) sx.p[i] = backward_element(&op, sx.p[i], sd.p[i]);
    } else {
      for (int64_t i = 0; i < n; i++) sx.p[i] = op.fn(sx.p[i], op.ctx);
    }
    xent__scatter(it.ptr[1], it.row_stride[1], sx.p, n, out->dtype);
  }
  xent__scratch_free(&sx);
  xent__scratch_free(&sd);
  return XENT_OK;
}

static double f_sigmoid(double x, const void *c) { (void)c; return xent_ref_sigmoid(x); }
static double f_log_sigmoid(double x, const void *c) { (void)c; return xent_ref_log_sigmoid(x); }
static double f_softplus(double x, const void *c) { (void)c; return xent_ref_softplus(x); }
static double f_sigmoid_grad(double x, const void *c) { (void)c; return xent_ref_sigmoid_grad(x); }
static double f_log_sigmoid_grad(double x, const void *c) { (void)c; return xent_ref_log_sigmoid_grad(x); }

xent_status_t xent_sigmoid(const xent_tensor_t *x, const xent_tensor_t *y) {
  xent__clear_error();
  return run_pointwise(x, "x", NULL, y, "y", (pointwise_op){f_sigmoid, 0, FORWARD, 0});
}
xent_status_t xent_log_sigmoid(const xent_tensor_t *x, const xent_tensor_t *y) {
  xent__clear_error();
  return run_pointwise(x, "x", NULL, y, "y", (pointwise_op){f_log_sigmoid, 0, FORWARD, 0});
}
xent_status_t xent_softplus(const xent_tensor_t *x, const xent_tensor_t *y) {
  xent__clear_error();
  return run_pointwise(x, "x", NULL, y, "y", (pointwise_op){f_softplus, 0, FORWARD, 0});
}
xent_status_t xent_sigmoid_backward(const xent_tensor_t *x,
                                    const xent_tensor_t *dy,
                                    const xent_tensor_t *dx) {
  xent__clear_error();
  return run_pointwise(x, "x", dy, dx, "dx", (pointwise_op){f_sigmoid_grad, 0, TIMES_DY, xent_ref_sigmoid_grad_l});
}
xent_status_t xent_log_sigmoid_backward(const xent_tensor_t *x,
                                        const xent_tensor_t *dy,
                                        const xent_tensor_t *dx) {
  xent__clear_error();
  return run_pointwise(x, "x", dy, dx, "dx",
                       (pointwise_op){f_log_sigmoid_grad, 0, TIMES_DY,
                                     xent_ref_log_sigmoid_grad_l});
}
xent_status_t xent_softplus_backward(const xent_tensor_t *x,
                                     const xent_tensor_t *dy,
                                     const xent_tensor_t *dx) {
  xent__clear_error();
  /* softplus' = sigmoid */
  return run_pointwise(x, "x", dy, dx, "dx", (pointwise_op){f_sigmoid, 0, TIMES_DY, xent_ref_sigmoid_l});
}

/* ---- logit with torch.logit's optional clamp ---- */

typedef struct {
  int clamp;
  double lo, hi; /* in the input's precision, as PyTorch compares them */
} logit_clamp;

static double f_logit(double p, const void *c) {
  const logit_clamp *k = c;
  if (k->clamp) p = p < k->lo ? k->lo : (p > k->hi ? k->hi : p); /* NaN stays */
  return xent_ref_logit(p);
}

/* The reciprocal of logit's derivative, p (1 - p): the backward pass divides
 * dy by it. Infinite where the clamp is active, so the gradient is 0 there. */
static double f_logit_grad(double p, const void *c) {
  const logit_clamp *k = c;
  if (k->clamp && (p < k->lo || p > k->hi)) return INFINITY;
  if (!(p >= 0 && p <= 1)) return NAN;
  return fabs(p * (1.0 - p)); /* p = -0.0 counts as 0: +inf, not -inf */
}

static xent_status_t make_clamp(double eps, const xent_tensor_t *p,
                                logit_clamp *k) {
  XENT__TRY(xent__check_tensor(p, "p"));
  if (isnan(eps) || eps > 0.5)
    return xent__fail(XENT_ERR_ARGUMENT,
                      "eps = %g; expected a value in [0, 0.5], or a negative "
                      "value (XENT_LOGIT_NO_EPS) for no clamp", eps);
  k->clamp = eps >= 0;
  k->lo = xent__round_to(eps, p->dtype);
  k->hi = xent__round_to(1.0 - eps, p->dtype);
  return XENT_OK;
}

xent_status_t xent_logit(const xent_tensor_t *p, double eps,
                         const xent_tensor_t *y) {
  xent__clear_error();
  logit_clamp k;
  XENT__TRY(make_clamp(eps, p, &k));
  return run_pointwise(p, "p", NULL, y, "y", (pointwise_op){f_logit, &k, FORWARD, 0});
}

xent_status_t xent_logit_backward(const xent_tensor_t *p,
                                  const xent_tensor_t *dy, double eps,
                                  const xent_tensor_t *dx) {
  xent__clear_error();
  logit_clamp k;
  XENT__TRY(make_clamp(eps, p, &k));
  return run_pointwise(p, "p", dy, dx, "dx", (pointwise_op){f_logit_grad, &k, DY_OVER, 0});
}
