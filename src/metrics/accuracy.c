/*
 * Keras's accuracy family: each counted position adds 1 (hit) or 0 (miss)
 * with its weight to a mean state. The state is updated only when the whole
 * batch is valid.
 */
#include "metrics_internal.h"

#include <inttypes.h>

typedef enum {
  ACC_EQUAL,        /* y_true == y_pred                                    */
  ACC_BINARY,       /* y_true == (y_pred > threshold)                      */
  ACC_CATEGORICAL,  /* argmax(y_true) == argmax(y_pred)                    */
  ACC_SPARSE,       /* y_true == argmax(y_pred)                            */
  ACC_TOP_K,        /* argmax(y_true) in top k of y_pred                   */
  ACC_SPARSE_TOP_K  /* y_true in top k of y_pred                           */
} acc_kind;

/* First index of the maximum of the current row of y_true (dense labels). */
static xent_status_t true_argmax(const xent__m_walk *w, int64_t *k) {
  double m = xent__m_true(w, 0);
  int64_t best = 0;
  for (int64_t j = 0; j < w->length; j++) {
    double v = xent__m_true(w, j);
    if (isnan(v)) {
      char where[160];
      return xent__fail(XENT_ERR_VALUE, "%s%s is NaN", w->true_name,
                        xent__m_where_pred(w, j, where, sizeof where));
    }
    if (v > m) m = v, best = j;
  }
  *k = best;
  return XENT_OK;
}

/* Is class `target` among the top k of the current row (ties at the k-th
 * place count: fewer than k classes score strictly higher)? */
static xent_status_t in_top_k(const xent__m_walk *w, int64_t target, int64_t k, int *hit) {
  double t = 0;
  XENT__TRY(xent__m_load_pred(w, target, &t));
  int64_t higher = 0;
  for (int64_t j = 0; j < w->length; j++) {
    double v = 0;
    XENT__TRY(xent__m_load_pred(w, j, &v));
    if (v > t) higher++;
  }
  *hit = higher < k;
  return XENT_OK;
}

static xent_status_t accuracy_update(acc_kind kind, xent_mean_state_t *state,
                                     const xent_tensor_t *y_true,
                                     const xent_tensor_t *y_pred, double threshold,
                                     int64_t k, const xent_metric_options_t *opts) {
  xent__clear_error();
  XENT__TRY(xent__m_check_mean(state));
  if (kind == ACC_BINARY && isnan(threshold))
    return xent__fail(XENT_ERR_ARGUMENT, "threshold is NaN");
  if ((kind == ACC_TOP_K || kind == ACC_SPARSE_TOP_K) && k < 1)
    return xent__fail(XENT_ERR_ARGUMENT, "k = %" PRId64 " must be at least 1", k);
  xent__m_layout layout = kind == ACC_EQUAL || kind == ACC_BINARY ? XENT__M_ELEMENTWISE
                          : kind == ACC_SPARSE || kind == ACC_SPARSE_TOP_K ? XENT__M_SPARSE
                                                                           : XENT__M_DENSE;
  xent__m_walk w;
  XENT__TRY(xent__m_plan(&w, layout, y_true, "y_true", y_pred, "y_pred",
                         kind == ACC_EQUAL ? XENT__M_TRUE_ANY : XENT__M_TRUE_FLOAT,
                         XENT__M_TRUE_ANY, opts));
  xent_mean_state_t s = *state;
  for (int64_t r = 0; r < w.it.count; r++) {
    xent__m_row(&w, r);
    for (int64_t i = 0; i < w.per_row; i++) {
      double weight;
      int counted = xent__m_position(&w, i, &weight);
      if (counted < 0) return XENT_ERR_VALUE;
      if (!counted) continue;
      int hit = 0;
      if (layout != XENT__M_ELEMENTWISE && w.length == 0) {
        char where[160];
        return xent__fail(XENT_ERR_SHAPE,
                          "y_pred.shape[%d] = 0: position %s has no class to predict",
                          w.axis, xent__rows_where(&w.it, where, sizeof where));
      }
      switch (kind) {
        case ACC_EQUAL: {
          double p;
          XENT__TRY(xent__m_load_pred(&w, i, &p));
          hit = xent__m_true(&w, i) == p;
          break;
        }
        case ACC_BINARY: {
          double p;
          XENT__TRY(xent__m_load_pred(&w, i, &p));
          hit = xent__m_true(&w, i) == (p > threshold ? 1.0 : 0.0);
          break;
        }
        case ACC_CATEGORICAL: {
          int64_t t = 0, pk = 0;
          XENT__TRY(true_argmax(&w, &t));
          XENT__TRY(xent__m_argmax(&w, &pk, NULL));
          hit = t == pk;
          break;
        }
        case ACC_SPARSE: {
          int64_t t = 0, pk = 0;
          XENT__TRY(xent__m_load_class(&w, 0, w.length, &t));
          XENT__TRY(xent__m_argmax(&w, &pk, NULL));
          hit = t == pk;
          break;
        }
        case ACC_TOP_K: {
          int64_t t = 0;
          XENT__TRY(true_argmax(&w, &t));
          XENT__TRY(in_top_k(&w, t, k, &hit));
          break;
        }
        case ACC_SPARSE_TOP_K: {
          int64_t t = 0;
          XENT__TRY(xent__m_load_class(&w, 0, w.length, &t));
          XENT__TRY(in_top_k(&w, t, k, &hit));
          break;
        }
      }
      xent__m_mean_add(&s, weight, hit ? 1.0 : 0.0);
    }
  }
  *state = s;
  return XENT_OK;
}

xent_status_t xent_accuracy_update(xent_mean_state_t *state, const xent_tensor_t *y_true,
                                   const xent_tensor_t *y_pred,
                                   const xent_metric_options_t *opts) {
  return accuracy_update(ACC_EQUAL, state, y_true, y_pred, 0, 0, opts);
}

xent_status_t xent_binary_accuracy_update(xent_mean_state_t *state,
                                          const xent_tensor_t *y_true,
                                          const xent_tensor_t *y_pred, double threshold,
                                          const xent_metric_options_t *opts) {
  return accuracy_update(ACC_BINARY, state, y_true, y_pred, threshold, 0, opts);
}

xent_status_t xent_categorical_accuracy_update(xent_mean_state_t *state,
                                               const xent_tensor_t *y_true,
                                               const xent_tensor_t *y_pred,
                                               const xent_metric_options_t *opts) {
  return accuracy_update(ACC_CATEGORICAL, state, y_true, y_pred, 0, 0, opts);
}

xent_status_t xent_sparse_categorical_accuracy_update(xent_mean_state_t *state,
                                                      const xent_tensor_t *y_true,
                                                      const xent_tensor_t *y_pred,
                                                      const xent_metric_options_t *opts) {
  return accuracy_update(ACC_SPARSE, state, y_true, y_pred, 0, 0, opts);
}

xent_status_t xent_top_k_categorical_accuracy_update(xent_mean_state_t *state,
                                                     const xent_tensor_t *y_true,
                                                     const xent_tensor_t *y_pred, int64_t k,
                                                     const xent_metric_options_t *opts) {
  return accuracy_update(ACC_TOP_K, state, y_true, y_pred, 0, k, opts);
}

xent_status_t xent_sparse_top_k_categorical_accuracy_update(
    xent_mean_state_t *state, const xent_tensor_t *y_true, const xent_tensor_t *y_pred,
    int64_t k, const xent_metric_options_t *opts) {
  return accuracy_update(ACC_SPARSE_TOP_K, state, y_true, y_pred, 0, k, opts);
}

/* Only the shape is read, so data may be NULL. */
static xent_status_t check_shape_only(const xent_tensor_t *t, const char *name) {
  if (!t) return xent__fail(XENT_ERR_NULL, "%s is NULL", name);
  if (t->rank < 1 || t->rank > XENT_MAX_RANK)
    return xent__fail(XENT_ERR_SHAPE, "%s has rank %d; Keras's rule needs a last axis",
                      name, (int)t->rank);
  return XENT_OK;
}

xent_status_t xent_keras_resolve_accuracy(const xent_tensor_t *y_true,
                                          const xent_tensor_t *y_pred, xent_keras_loss_t loss,
                                          int legacy, xent_accuracy_kind_t *kind) {
  xent__clear_error();
  XENT__TRY(check_shape_only(y_true, "y_true"));
  XENT__TRY(check_shape_only(y_pred, "y_pred"));
  if (!kind) return xent__fail(XENT_ERR_NULL, "kind is NULL");
  if ((unsigned)loss > XENT_KERAS_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY)
    return xent__fail(XENT_ERR_ARGUMENT, "loss = %d is not a xent_keras_loss_t", (int)loss);
  int64_t t_last = y_true->shape[y_true->rank - 1];
  int64_t p_last = y_pred->shape[y_pred->rank - 1];
  if (legacy) {
    if (p_last == 1 || loss == XENT_KERAS_LOSS_BINARY_CROSSENTROPY)
      *kind = XENT_ACCURACY_BINARY;
    else if (loss == XENT_KERAS_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY)
      *kind = XENT_ACCURACY_SPARSE_CATEGORICAL;
    else
      *kind = XENT_ACCURACY_CATEGORICAL;
  } else {
    if (p_last == 1)
      *kind = XENT_ACCURACY_BINARY;
    else if (y_true->rank < y_pred->rank || (t_last == 1 && p_last > 1))
      *kind = XENT_ACCURACY_SPARSE_CATEGORICAL;
    else
      *kind = XENT_ACCURACY_CATEGORICAL;
  }
  return XENT_OK;
}
