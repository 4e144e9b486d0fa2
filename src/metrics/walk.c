/*
 * Shared framework of the classification metrics: options, the walk over the
 * positions of (y_true, y_pred, sample weights, mask), the mean state, and
 * small helpers for growable arrays and outputs.
 */
#include "metrics_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

xent_metric_options_t xent_metric_options_default(void) {
  xent_metric_options_t o;
  memset(&o, 0, sizeof o);
  o.axis = -1;
  return o;
}

/* A rank-0 tensor as a rank-1 tensor of one element. */
static void at_least_1d(xent_tensor_t *t) {
  if (t->rank == 0) {
    t->rank = 1;
    t->shape[0] = 1;
    t->strides[0] = 0;
  }
}

static xent_status_t check_true_kind(const xent_tensor_t *t, const char *name, int kind) {
  if (kind == XENT__M_TRUE_INDEX && !xent__is_integer(t->dtype))
    return xent__fail(XENT_ERR_DTYPE, "%s has dtype %s; class indices are i32, i64 or u8",
                      name, xent_dtype_name(t->dtype));
  if (kind == XENT__M_TRUE_FLOAT) return xent__require_float(t, name);
  return XENT_OK;
}

xent_status_t xent__m_plan(xent__m_walk *w, xent__m_layout layout,
                           const xent_tensor_t *y_true, const char *true_name,
                           const xent_tensor_t *y_pred, const char *pred_name,
                           int pred_kind, int true_kind,
                           const xent_metric_options_t *opts) {
  memset(w, 0, sizeof *w);
  xent_metric_options_t o = opts ? *opts : xent_metric_options_default();
  w->layout = layout;
  w->pred_name = pred_name;
  w->true_name = true_name;
  XENT__TRY(xent__check_tensor(y_true, true_name));
  XENT__TRY(xent__check_tensor(y_pred, pred_name));
  if (pred_kind == XENT__M_TRUE_FLOAT) XENT__TRY(xent__require_float(y_pred, pred_name));
  if (layout == XENT__M_SPARSE) true_kind = XENT__M_TRUE_INDEX;
  XENT__TRY(check_true_kind(y_true, true_name, true_kind));
  w->pred = *y_pred;
  w->truth = *y_true;

  int true_axis;
  /* the shape the weights and mask cover, and whether it keeps the row axis */
  xent_tensor_t positions;
  memset(&positions, 0, sizeof positions);
  int positions_have_axis;
  if (layout == XENT__M_ELEMENTWISE) {
    xent_tensor_t *p = &w->pred, *t = &w->truth;
    if (p->rank == t->rank + 1 && p->shape[p->rank - 1] == 1) p->rank--;
    else if (t->rank == p->rank + 1 && t->shape[t->rank - 1] == 1) t->rank--;
    at_least_1d(p);
    at_least_1d(t);
    XENT__TRY(xent__check_same_shape(p, pred_name, t, true_name));
    w->axis = p->rank - 1;
    true_axis = w->axis;
    positions = *p;
    positions_have_axis = 1;
  } else {
    if (w->pred.rank == 0)
      return xent__fail(XENT_ERR_SHAPE, "%s has rank 0; it needs a class axis", pred_name);
    XENT__TRY(xent__resolve_axis(o.axis, w->pred.rank, pred_name, &w->axis));
    if (layout == XENT__M_SPARSE) {
      XENT__TRY(xent__check_reduced_shape(&w->pred, pred_name, w->axis, &w->truth,
                                          true_name, &true_axis));
    } else {
      XENT__TRY(xent__check_same_shape(&w->pred, pred_name, &w->truth, true_name));
      true_axis = w->axis;
    }
    positions.rank = w->pred.rank - 1;
    for (int i = 0, j = 0; i < w->pred.rank; i++)
      if (i != w->axis) positions.shape[j++] = w->pred.shape[i];
    positions_have_axis = 0;
  }
  w->length = w->pred.shape[w->axis];
  w->per_row = layout == XENT__M_ELEMENTWISE ? w->length : 1;

  if (o.sample_weights) {
    XENT__TRY(xent__check_tensor(o.sample_weights, "opts->sample_weights"));
    XENT__TRY(xent__require_float(o.sample_weights, "opts->sample_weights"));
    XENT__TRY(xent__broadcast_left(o.sample_weights, "opts->sample_weights", positions.rank,
                             positions.shape, &w->weight));
    w->has_weight = 1;
  }
  if (o.mask) {
    XENT__TRY(xent__check_tensor(o.mask, "opts->mask"));
    if (o.mask->dtype != XENT_U8)
      return xent__fail(XENT_ERR_DTYPE, "opts->mask has dtype %s; expected u8",
                        xent_dtype_name(o.mask->dtype));
    XENT__TRY(xent__broadcast_left(o.mask, "opts->mask", positions.rank, positions.shape,
                             &w->mask));
    w->has_mask = 1;
  }

  /* The iterator group; an absent tensor is stood in for by y_pred (never read). */
  int side_axis = positions_have_axis ? w->axis : -1;
  w->group[XENT__M_PRED] = &w->pred;
  w->group_axis[XENT__M_PRED] = w->axis;
  w->group[XENT__M_TRUE] = &w->truth;
  w->group_axis[XENT__M_TRUE] = true_axis;
  w->group[XENT__M_WEIGHT] = w->has_weight ? &w->weight : &w->pred;
  w->group_axis[XENT__M_WEIGHT] = w->has_weight ? side_axis : w->axis;
  w->group[XENT__M_MASK] = w->has_mask ? &w->mask : &w->pred;
  w->group_axis[XENT__M_MASK] = w->has_mask ? side_axis : w->axis;
  xent__m_begin(w);
  for (int k = 0; k < XENT__M_SLOTS; k++)
    w->step[k] = w->it.row_stride[k] * (int64_t)xent_dtype_size(w->group[k]->dtype);
  if (!w->has_weight) w->step[XENT__M_WEIGHT] = 0;
  if (!w->has_mask) w->step[XENT__M_MASK] = 0;
  return XENT_OK;
}

void xent__m_begin(xent__m_walk *w) {
  xent__rows_init(&w->it, XENT__M_SLOTS, w->group, w->axis, w->group_axis);
}

const char *xent__m_where_pred(const xent__m_walk *w, int64_t j, char *buf, size_t size) {
  size_t used = (size_t)snprintf(buf, size, "[");
  for (int d = 0, o = 0; d < w->pred.rank && used < size; d++) {
    int64_t v = d == w->axis ? j : w->it.index[o++];
    used += (size_t)snprintf(buf + used, size - used, "%s%" PRId64, d ? ", " : "", v);
  }
  if (used < size) snprintf(buf + used, size - used, "]");
  return buf;
}

const char *xent__m_where_true(const xent__m_walk *w, int64_t i, char *buf, size_t size) {
  if (w->layout == XENT__M_ELEMENTWISE) return xent__m_where_pred(w, i, buf, size);
  return xent__rows_where(&w->it, buf, size);
}

int xent__m_position(const xent__m_walk *w, int64_t i, double *weight) {
  if (w->has_mask &&
      *(const uint8_t *)(w->it.ptr[XENT__M_MASK] + i * w->step[XENT__M_MASK]) == 0)
    return 0;
  if (!w->has_weight) {
    *weight = 1.0;
    return 1;
  }
  double v = xent__load(w->it.ptr[XENT__M_WEIGHT] + i * w->step[XENT__M_WEIGHT],
                        w->weight.dtype);
  if (!(v >= 0) || isinf(v)) {
    char where[160];
    xent__fail(XENT_ERR_VALUE,
               "opts->sample_weights at position %s is %g; weights must be finite and >= 0",
               xent__m_where_true(w, i, where, sizeof where), v);
    return -1;
  }
  if (v == 0) return 0;
  *weight = v;
  return 1;
}

xent_status_t xent__m_load_pred(const xent__m_walk *w, int64_t j, double *v) {
  double x = xent__m_pred(w, j);
  if (isnan(x)) {
    char where[160];
    return xent__fail(XENT_ERR_VALUE, "%s%s is NaN", w->pred_name,
                      xent__m_where_pred(w, j, where, sizeof where));
  }
  *v = x;
  return XENT_OK;
}

xent_status_t xent__m_load_class(const xent__m_walk *w, int64_t i, int64_t classes,
                                 int64_t *label) {
  int64_t y = xent__m_true_index(w, i);
  if (y < 0 || y >= classes) {
    char where[160];
    return xent__fail(XENT_ERR_INDEX, "%s%s = %" PRId64 " is outside [0, %" PRId64 ")",
                      w->true_name, xent__m_where_true(w, i, where, sizeof where), y,
                      classes);
  }
  *label = y;
  return XENT_OK;
}

xent_status_t xent__m_load_binary(const xent__m_walk *w, int64_t j, int *label) {
  double y = xent__m_true(w, j);
  if (y == 1) {
    *label = 1;
    return XENT_OK;
  }
  if (y == 0 || y == -1) {
    *label = 0;
    return XENT_OK;
  }
  char where[160];
  return xent__fail(XENT_ERR_VALUE, "%s%s = %g is not a binary label (0 or 1)",
                    w->true_name, xent__m_where_true(w, j, where, sizeof where), y);
}

xent_status_t xent__m_argmax(const xent__m_walk *w, int64_t *k, double *max) {
  if (w->length == 0) {
    char where[160];
    return xent__fail(XENT_ERR_SHAPE,
                      "%s.shape[%d] = 0: position %s has no class to predict",
                      w->pred_name, w->axis, xent__rows_where(&w->it, where, sizeof where));
  }
  double m = 0;
  XENT__TRY(xent__m_load_pred(w, 0, &m));
  int64_t best = 0;
  for (int64_t j = 1; j < w->length; j++) {
    double v = 0;
    XENT__TRY(xent__m_load_pred(w, j, &v));
    if (v > m) m = v, best = j;
  }
  *k = best;
  if (max) *max = m;
  return XENT_OK;
}

xent_status_t xent__m_load_pred_row(const xent__m_walk *w, double *x) {
  xent__gather(x, w->it.ptr[XENT__M_PRED], w->it.row_stride[XENT__M_PRED], w->length,
               w->pred.dtype);
  for (int64_t j = 0; j < w->length; j++)
    if (isnan(x[j])) {
      char where[160];
      return xent__fail(XENT_ERR_VALUE, "%s%s is NaN", w->pred_name,
                        xent__m_where_pred(w, j, where, sizeof where));
    }
  return XENT_OK;
}

/* ---- mean state ---- */

xent_status_t xent__m_check_mean(const xent_mean_state_t *state) {
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  return XENT_OK;
}

xent_status_t xent_mean_state_init(xent_mean_state_t *state) {
  xent__clear_error();
  XENT__TRY(xent__m_check_mean(state));
  memset(state, 0, sizeof *state);
  return XENT_OK;
}

xent_status_t xent_mean_state_merge(xent_mean_state_t *into, const xent_mean_state_t *from) {
  xent__clear_error();
  if (!into) return xent__fail(XENT_ERR_NULL, "into is NULL");
  if (!from) return xent__fail(XENT_ERR_NULL, "from is NULL");
  xent_mean_state_t s = *into;
  xent__m_add(&s.total, &s.total_comp, from->total);
  xent__m_add(&s.total, &s.total_comp, from->total_comp);
  xent__m_add(&s.weight, &s.weight_comp, from->weight);
  xent__m_add(&s.weight, &s.weight_comp, from->weight_comp);
  s.count += from->count;
  *into = s;
  return XENT_OK;
}

xent_status_t xent_mean_state_result(const xent_mean_state_t *state, xent_empty_t empty,
                                     double *result) {
  xent__clear_error();
  XENT__TRY(xent__m_check_mean(state));
  if (!result) return xent__fail(XENT_ERR_NULL, "result is NULL");
  if ((unsigned)empty > XENT_EMPTY_NAN)
    return xent__fail(XENT_ERR_ARGUMENT, "empty = %d is not a xent_empty_t", (int)empty);
  double wsum = xent__m_value(state->weight, state->weight_comp);
  if (state->count == 0 || wsum == 0) {
    *result = empty == XENT_EMPTY_NAN ? NAN : 0.0;
    return XENT_OK;
  }
  *result = xent__m_value(state->total, state->total_comp) / wsum;
  return XENT_OK;
}

/* ---- outputs ---- */

xent_status_t xent__m_check_out(const xent_tensor_t *t, const char *name, int64_t n) {
  if (!t) return XENT_OK;
  XENT__TRY(xent__check_output(t, name));
  XENT__TRY(xent__require_float(t, name));
  if (xent_tensor_numel(t) != n)
    return xent__fail(XENT_ERR_SHAPE, "%s has %" PRId64 " elements; expected %" PRId64,
                      name, xent_tensor_numel(t), n);
  return XENT_OK;
}

void xent__m_store_at(const xent_tensor_t *t, int64_t i, double v) {
  int64_t off = 0;
  for (int d = t->rank - 1; d >= 0; d--) {
    int64_t ext = t->shape[d];
    off += (i % ext) * t->strides[d];
    i /= ext;
  }
  xent__store((char *)t->data + off * (int64_t)xent_dtype_size(t->dtype), t->dtype, v);
}

void xent__m_write(const xent_tensor_t *t, const double *v, int64_t n) {
  if (!t) return;
  for (int64_t i = 0; i < n; i++) xent__m_store_at(t, i, v[i]);
}
