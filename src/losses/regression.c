/*
 * Regression losses: mean squared error, mean absolute error and Huber as
 * element-wise losses on the frame (per element: PyTorch, TensorFlow v1;
 * mean over the last axis: Keras), and TensorFlow v1's
 * mean_pairwise_squared_error, whose loss belongs to a whole sample and so
 * has its own sweep.
 */
#include "loss_common.h"

#include "../kernels/kernels.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

/* ---- element-wise ---- */

static double mse_elem(const void *ctx, double x, double t, double *g) {
  (void)ctx;
  double e = x - t;
  if (g) *g = 2 * e;
  return e * e;
}

static double mae_elem(const void *ctx, double x, double t, double *g) {
  (void)ctx;
  double e = x - t;
  /* d|e|/de = sign(e), 0 at e = 0 (PyTorch's and TensorFlow's choice) */
  if (g) *g = e > 0 ? 1.0 : e < 0 ? -1.0 : e; /* NaN stays NaN */
  return fabs(e);
}

static double huber_elem(const void *ctx, double x, double t, double *g) {
  double delta = *(const double *)ctx, e = x - t, a = fabs(e);
  if (a <= delta) {
    if (g) *g = e;
    return 0.5 * e * e;
  }
  if (isnan(e)) {
    if (g) *g = NAN;
    return NAN;
  }
  if (g) *g = e > 0 ? delta : -delta;
  return delta * (a - 0.5 * delta); /* delta |e| - delta^2 / 2 without cancelling */
}

static xent_status_t run_regression(xent__elem_fn f, const void *ctx, const char *fn,
                                    const xent_tensor_t *pred, const xent_tensor_t *target,
                                    const xent_ce_options_t *opts, const xent_tensor_t *loss,
                                    const xent_tensor_t *grad) {
  xent_ce_options_t o = opts ? *opts : xent_ce_options_default();
  XENT__TRY(xent__check_loss_options(
      &o, XENT__ACCEPT_SAMPLE_WEIGHTS | XENT__ACCEPT_MASK | XENT__ACCEPT_LENGTHS,
      XENT_CE_MEAN_OVER_CLASSES, fn));
  xent__elem_loss e = {f, ctx, NULL, 0};
  return xent__run_elementwise(&e, pred, "pred", target, "target", &o, loss, grad);
}

xent_status_t xent_mean_squared_error(const xent_tensor_t *pred, const xent_tensor_t *target,
                                      const xent_ce_options_t *opts, const xent_tensor_t *loss,
                                      const xent_tensor_t *grad) {
  xent__clear_error();
  return run_regression(mse_elem, NULL, "mean squared error", pred, target, opts, loss, grad);
}

xent_status_t xent_mean_absolute_error(const xent_tensor_t *pred, const xent_tensor_t *target,
                                       const xent_ce_options_t *opts,
                                       const xent_tensor_t *loss, const xent_tensor_t *grad) {
  xent__clear_error();
  return run_regression(mae_elem, NULL, "mean absolute error", pred, target, opts, loss, grad);
}

xent_status_t xent_huber_loss(const xent_tensor_t *pred, const xent_tensor_t *target,
                              double delta, const xent_ce_options_t *opts,
                              const xent_tensor_t *loss, const xent_tensor_t *grad) {
  xent__clear_error();
  if (!(delta > 0 && delta < INFINITY))
    return xent__fail(XENT_ERR_ARGUMENT, "delta = %g is not a finite value > 0", delta);
  return run_regression(huber_elem, &delta, "Huber loss", pred, target, opts, loss, grad);
}

/* ---- mean_pairwise_squared_error (TensorFlow v1) ---- */

/*
 * Per sample n (index of axis 0), with d = pred - target over the sample's
 * D elements and n_n the count of nonzero weights broadcast to the sample:
 *   L_n = 2 S2 / (n_n - 1) - 2 S1^2 / (n_n (n_n - 1))   (0 when n_n <= 1)
 * S1 = sum d, S2 = sum d^2. Written as
 *   L_n = 2 / (n_n - 1) * (V + S1^2 (n_n - D) / (n_n D)),  V = sum (d - S1/D)^2,
 * so that for n_n = D (the usual case) no cancellation happens.
 * The sample's weight c_n is the sum of the weight tensor's own elements in
 * the sample's slice (TensorFlow multiplies the [N, 1, ..., 1] losses by the
 * weights and sums everything).
 */
typedef struct {
  const xent_tensor_t *pred, *target;
  int64_t samples, per_sample; /* N and D */
} mpse_shape;

/* Weight sums c_n and nonzero counts n_n. */
static xent_status_t mpse_weights(const mpse_shape *s, const xent_ce_options_t *o,
                                  double *c, double *count) {
  const xent_tensor_t *w = o->sample_weights, *p = s->pred;
  int64_t N = s->samples;
  int eager = (o->flags & XENT_MPSE_TF_EAGER_COUNT) != 0;
  if (!w) {
    for (int64_t n = 0; n < N; n++) c[n] = 1, count[n] = eager ? (double)(N * s->per_sample)
                                                                : (double)s->per_sample;
    return XENT_OK;
  }
  XENT__TRY(xent__check_tensor(w, "opts->sample_weights"));
  XENT__TRY(xent__require_float(w, "opts->sample_weights"));
  int64_t numel = xent_tensor_numel(w);
  if (w->rank > p->rank && numel != 1)
    return xent__fail(XENT_ERR_SHAPE,
                      "opts->sample_weights has rank %d, more than pred's %d", (int)w->rank,
                      (int)p->rank);
  for (int d = 0; d < w->rank && d < p->rank; d++)
    if (w->shape[d] != p->shape[d] && w->shape[d] != 1)
      return xent__fail(XENT_ERR_SHAPE,
                        "opts->sample_weights.shape[%d] = %" PRId64 " cannot broadcast to %" PRId64,
                        d, w->shape[d], p->shape[d]);
  if (numel == 1) {
    double v = xent__load(w->data, w->dtype);
    for (int64_t n = 0; n < N; n++) {
      c[n] = v;
      count[n] = v == 0 ? 0.0 : eager ? (double)(N * s->per_sample) : (double)s->per_sample;
    }
    return XENT_OK;
  }
  /* broadcast factor: pred's extents where the weights have extent 1 (or none) */
  double repeat = 1;
  for (int d = 1; d < p->rank; d++)
    if (d >= w->rank || w->shape[d] == 1) repeat *= (double)p->shape[d];
  int per_sample = w->rank >= 1 && w->shape[0] != 1;
  for (int64_t n = 0; n < N; n++) c[n] = 0, count[n] = 0;
  /* walk every element of w */
  int64_t idx[XENT_MAX_RANK] = {0}, size = (int64_t)xent_dtype_size(w->dtype);
  for (int64_t e = 0; e < numel; e++) {
    int64_t off = 0, rest = e;
    for (int d = w->rank - 1; d >= 0; d--) {
      idx[d] = w->shape[d] ? rest % w->shape[d] : 0;
      rest = w->shape[d] ? rest / w->shape[d] : 0;
      off += idx[d] * w->strides[d];
    }
    double v = xent__load((const char *)w->data + off * size, w->dtype);
    if (per_sample) {
      c[idx[0]] += v;
      count[idx[0]] += v != 0;
    } else {
      for (int64_t n = 0; n < N; n++) c[n] += v, count[n] += v != 0;
    }
  }
  for (int64_t n = 0; n < N; n++) count[n] *= repeat;
  return XENT_OK;
}

xent_status_t xent_mean_pairwise_squared_error(const xent_tensor_t *pred,
                                               const xent_tensor_t *target,
                                               const xent_ce_options_t *opts,
                                               const xent_tensor_t *loss,
                                               const xent_tensor_t *grad) {
  xent__clear_error();
  xent_ce_options_t o = opts ? *opts : xent_ce_options_default();
  XENT__TRY(xent__check_loss_options(&o, XENT__ACCEPT_SAMPLE_WEIGHTS, XENT_MPSE_TF_EAGER_COUNT,
                                     "mean_pairwise_squared_error"));
  XENT__TRY(xent__check_tensor(pred, "pred"));
  XENT__TRY(xent__require_float(pred, "pred"));
  XENT__TRY(xent__check_tensor(target, "target"));
  XENT__TRY(xent__require_float(target, "target"));
  XENT__TRY(xent__check_same_shape(pred, "pred", target, "target"));
  if (!loss && !grad)
    return xent__fail(XENT_ERR_NULL, "loss and grad are both NULL; nothing to compute");
  if (pred->rank < 1)
    return xent__fail(XENT_ERR_SHAPE, "pred has rank 0; mean_pairwise_squared_error needs a "
                                      "batch axis");
  if (grad) {
    XENT__TRY(xent__check_output(grad, "grad"));
    XENT__TRY(xent__require_float(grad, "grad"));
    XENT__TRY(xent__check_same_shape(pred, "pred", grad, "grad"));
  }
  xent__groups gs = {1, {pred->shape[0]}, pred->shape[0]};
  XENT__TRY(xent__groups_check_outputs(&gs, &o, loss));
  mpse_shape s = {pred, target, pred->shape[0], 1};
  for (int d = 1; d < pred->rank; d++) s.per_sample *= pred->shape[d];
  int64_t N = s.samples, D = s.per_sample;

  xent__scratch buf = {0};
  /* per sample: c, count, S1 (2 doubles), V (2 doubles), L, scale; per row
   * (the last axis): x, t, g */
  int64_t row = pred->shape[pred->rank - 1] ? pred->shape[pred->rank - 1] : 1;
  XENT__TRY(xent__scratch_get(&buf, 8 * N + 3 * row, "the loss"));
  double *c = buf.p, *count = c + N, *s1 = count + N, *v = s1 + 2 * N, *L = v + 2 * N,
         *scale = L + N, *x = scale + N, *t = x + row, *g = t + row;
  for (int64_t i = 0; i < 4 * N; i++) s1[i] = 0; /* S1 and V accumulators */
  xent_status_t st = mpse_weights(&s, &o, c, count);
  if (st != XENT_OK) {
    xent__scratch_free(&buf);
    return st;
  }
  /* Walk rows along the last axis; the sample is index[0] (rank >= 2) or
   * the element itself (rank 1). */
  int rank1 = pred->rank == 1, axis = pred->rank - 1;
  const xent_tensor_t *group[3] = {pred, target, grad ? grad : pred};
  int axes[3] = {axis, axis, axis};
  xent__rows it;
  for (int pass = 0; pass < 3; pass++) {
    if (pass == 2 && !grad) break;
    xent__rows_init(&it, 3, group, axis, axes);
    int64_t n_el = it.length;
    for (int64_t r = 0; r < it.count && n_el > 0; r++) {
      if (r) xent__rows_next(&it);
      xent__gather(x, it.ptr[0], it.row_stride[0], n_el, pred->dtype);
      xent__gather(t, it.ptr[1], it.row_stride[1], n_el, target->dtype);
      for (int64_t e = 0; e < n_el; e++) {
        int64_t n = rank1 ? e : it.index[0];
        double d = x[e] - t[e];
        if (pass == 0) {
          xent_ref_sum acc = {s1[2 * n], s1[2 * n + 1]};
          xent_ref_sum_add(&acc, d);
          s1[2 * n] = acc.sum, s1[2 * n + 1] = acc.comp;
        } else if (pass == 1) {
          double dm = d - s1[2 * n] / (double)(rank1 ? 1 : D);
          xent_ref_sum acc = {v[2 * n], v[2 * n + 1]};
          xent_ref_sum_add(&acc, dm * dm);
          v[2 * n] = acc.sum, v[2 * n + 1] = acc.comp;
        } else {
          /* dL_n/dd_i = 4 / (n_n - 1) (d_i - S1 / n_n) */
          double m = count[n];
          g[e] = m > 1 && scale[n] != 0 ? scale[n] * (4 / (m - 1)) * (d - s1[2 * n] / m) : 0.0;
        }
      }
      if (pass == 2) xent__scatter(it.ptr[2], it.row_stride[2], g, n_el, grad->dtype);
    }
    if (pass == 0)
      for (int64_t n = 0; n < N; n++) {
        xent_ref_sum acc = {s1[2 * n], s1[2 * n + 1]};
        s1[2 * n] = xent_ref_sum_value(&acc), s1[2 * n + 1] = 0;
      }
    if (pass == 1) {
      for (int64_t n = 0; n < N; n++) {
        xent_ref_sum acc = {v[2 * n], v[2 * n + 1]};
        double V = xent_ref_sum_value(&acc), m = count[n], Dn = rank1 ? 1.0 : (double)D;
        double S1 = s1[2 * n];
        if (m <= 1) {
          L[n] = 0; /* TensorFlow's div_no_nan of max(n - 1, 0) */
        } else if (m == Dn) {
          L[n] = 2 / (m - 1) * V;
        } else {
          L[n] = 2 / (m - 1) * (V + S1 * S1 * ((m - Dn) / (m * Dn)));
        }
      }
      st = xent__groups_reduce(&gs, &o, L, NULL, 0, c, loss, scale);
      if (st != XENT_OK) break;
    }
  }
  xent__scratch_free(&buf);
  return st;
}
