/*
 * Scores of predicted probabilities, added per position to a mean state:
 * log loss and the Brier score, as scikit-learn defines them.
 */
#include "metrics_internal.h"

#include <inttypes.h>

/* Machine epsilon of a float dtype (numpy.finfo(dtype).eps). */
static double dtype_eps(xent_dtype_t d) {
  switch (d) {
    case XENT_F32: return 0x1p-23;
    case XENT_F16: return 0x1p-10;
    case XENT_BF16: return 0x1p-7;
    default: return 0x1p-52;
  }
}

/* A probability read from y_prob: NaN or outside [0, 1] is an error. */
static xent_status_t load_prob(const xent__m_walk *w, int64_t j, double *p) {
  XENT__TRY(xent__m_load_pred(w, j, p));
  if (*p < 0 || *p > 1) {
    char where[160];
    return xent__fail(XENT_ERR_VALUE, "y_prob%s = %g is outside [0, 1]",
                      xent__m_where_pred(w, j, where, sizeof where), *p);
  }
  return XENT_OK;
}

/* A target read from y_true (dense or binary): must lie in [0, 1]. */
static xent_status_t load_target(const xent__m_walk *w, int64_t j, double *y) {
  *y = xent__m_true(w, j);
  if (!(*y >= 0 && *y <= 1)) {
    char where[160];
    return xent__fail(XENT_ERR_VALUE, "y_true%s = %g is outside [0, 1]",
                      w->layout == XENT__M_DENSE ? xent__m_where_pred(w, j, where, sizeof where)
                                                 : xent__m_where_true(w, j, where, sizeof where),
                      *y);
  }
  return XENT_OK;
}

typedef enum { P_LOG_LOSS, P_BRIER } prob_kind;

typedef struct {
  double lo, hi; /* log loss clip */
  double scale;  /* Brier */
} prob_params;

static double clip(double p, const prob_params *k) {
  return p < k->lo ? k->lo : p > k->hi ? k->hi : p;
}

/* -y log(clip(p)), 0 when y is 0. */
static double xlog(double y, double p, const prob_params *k) {
  return y == 0 ? 0.0 : -y * log(clip(p, k));
}

static xent_status_t eps_params(double eps, xent_dtype_t dtype, prob_params *k) {
  if (eps == XENT_LOG_LOSS_EPS_AUTO) eps = dtype_eps(dtype);
  if (!(eps >= 0 && eps < 0.5))
    return xent__fail(XENT_ERR_ARGUMENT, "eps = %g must be in [0, 0.5) or "
                      "XENT_LOG_LOSS_EPS_AUTO", eps);
  k->lo = eps;
  k->hi = xent__round_to(1.0 - eps, dtype); /* scikit-learn's 1 - eps in y_prob's dtype */
  return XENT_OK;
}

static xent_status_t class_update(prob_kind kind, xent_mean_state_t *state,
                                  const xent_tensor_t *y_true, const xent_tensor_t *y_prob,
                                  double eps, xent_brier_scale_t scale,
                                  const xent_metric_options_t *opts) {
  xent__clear_error();
  XENT__TRY(xent__m_check_mean(state));
  if (kind == P_BRIER && (unsigned)scale > XENT_BRIER_SCALE_HALF)
    return xent__fail(XENT_ERR_ARGUMENT, "scale = %d is not a xent_brier_scale_t", (int)scale);
  int sparse = y_true && xent__is_integer(y_true->dtype);
  xent__m_walk w;
  XENT__TRY(xent__m_plan(&w, sparse ? XENT__M_SPARSE : XENT__M_DENSE, y_true, "y_true", y_prob,
                         "y_prob", XENT__M_TRUE_FLOAT,
                         sparse ? XENT__M_TRUE_INDEX : XENT__M_TRUE_FLOAT, opts));
  prob_params k = {0, 1, 1};
  if (kind == P_LOG_LOSS) XENT__TRY(eps_params(eps, w.pred.dtype, &k));
  if (kind == P_BRIER)
    k.scale = scale == XENT_BRIER_SCALE_HALF || (scale == XENT_BRIER_SCALE_AUTO && w.length <= 2)
                  ? 0.5 : 1.0;
  xent_mean_state_t s = *state;
  for (int64_t r = 0; r < w.it.count; r++) {
    xent__m_row(&w, r);
    double weight;
    int counted = xent__m_position(&w, 0, &weight);
    if (counted < 0) return XENT_ERR_VALUE;
    if (!counted) continue;
    int64_t label = -1;
    if (sparse) XENT__TRY(xent__m_load_class(&w, 0, w.length, &label));
    xent_ref_sum row = {0, 0};
    for (int64_t c = 0; c < w.length; c++) {
      double p, y;
      XENT__TRY(load_prob(&w, c, &p));
      if (sparse) y = c == label ? 1.0 : 0.0;
      else XENT__TRY(load_target(&w, c, &y));
      if (kind == P_LOG_LOSS) xent_ref_sum_add(&row, xlog(y, p, &k));
      else xent_ref_sum_add(&row, (y - p) * (y - p));
    }
    xent__m_mean_add(&s, weight, k.scale * xent_ref_sum_value(&row));
  }
  *state = s;
  return XENT_OK;
}

static xent_status_t binary_update(prob_kind kind, xent_mean_state_t *state,
                                   const xent_tensor_t *y_true, const xent_tensor_t *y_prob,
                                   double eps, const xent_metric_options_t *opts) {
  xent__clear_error();
  XENT__TRY(xent__m_check_mean(state));
  xent__m_walk w;
  XENT__TRY(xent__m_plan(&w, XENT__M_ELEMENTWISE, y_true, "y_true", y_prob, "y_prob",
                         XENT__M_TRUE_FLOAT, XENT__M_TRUE_ANY, opts));
  prob_params k = {0, 1, 1};
  if (kind == P_LOG_LOSS) XENT__TRY(eps_params(eps, w.pred.dtype, &k));
  xent_mean_state_t s = *state;
  for (int64_t r = 0; r < w.it.count; r++) {
    xent__m_row(&w, r);
    for (int64_t i = 0; i < w.per_row; i++) {
      double weight;
      int counted = xent__m_position(&w, i, &weight);
      if (counted < 0) return XENT_ERR_VALUE;
      if (!counted) continue;
      double p, y;
      XENT__TRY(load_prob(&w, i, &p));
      XENT__TRY(load_target(&w, i, &y));
      double v;
      if (kind == P_LOG_LOSS) {
        /* scikit-learn stacks (1 - p, p) in y_prob's dtype and clips both */
        double q = xent__round_to(1.0 - p, w.pred.dtype);
        v = xlog(y, p, &k) + xlog(1.0 - y, q, &k);
      } else {
        v = (y - p) * (y - p);
      }
      xent__m_mean_add(&s, weight, v);
    }
  }
  *state = s;
  return XENT_OK;
}

xent_status_t xent_log_loss_update(xent_mean_state_t *state, const xent_tensor_t *y_true,
                                   const xent_tensor_t *y_prob, double eps,
                                   const xent_metric_options_t *opts) {
  return class_update(P_LOG_LOSS, state, y_true, y_prob, eps, XENT_BRIER_SCALE_AUTO, opts);
}

xent_status_t xent_binary_log_loss_update(xent_mean_state_t *state,
                                          const xent_tensor_t *y_true,
                                          const xent_tensor_t *y_prob, double eps,
                                          const xent_metric_options_t *opts) {
  return binary_update(P_LOG_LOSS, state, y_true, y_prob, eps, opts);
}

xent_status_t xent_brier_score_update(xent_mean_state_t *state, const xent_tensor_t *y_true,
                                      const xent_tensor_t *y_prob, xent_brier_scale_t scale,
                                      const xent_metric_options_t *opts) {
  return class_update(P_BRIER, state, y_true, y_prob, 0, scale, opts);
}

xent_status_t xent_binary_brier_score_update(xent_mean_state_t *state,
                                             const xent_tensor_t *y_true,
                                             const xent_tensor_t *y_prob,
                                             const xent_metric_options_t *opts) {
  return binary_update(P_BRIER, state, y_true, y_prob, 0, opts);
}
