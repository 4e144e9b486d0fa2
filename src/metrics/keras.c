/*
 * Keras's thresholded metrics: Precision, Recall (with thresholds, top_k and
 * class_id) and AUC (num_thresholds, ROC / PR / PR-gain, three summation
 * methods, multi_label, label_weights, from_logits).
 *
 * Decisions are made exactly as Keras makes them, in float32: a prediction is
 * positive at threshold t iff float(p) > float(t); with evenly spaced
 * thresholds Keras instead computes the bucket max(ceil(p * (T - 1)) - 1, 0)
 * of the clipped prediction in float32 arithmetic, and so does this file.
 * The counts are kept in double with compensated sums (Keras keeps float32).
 */
#include "metrics_internal.h"

#include <float.h>
#include <inttypes.h>
#include <stdlib.h>

#define KERAS_NEG_INF (-1e10)
#define KERAS_EPSILON 1e-7

/* keras.src.metrics.metrics_utils.is_evenly_distributed_thresholds */
static int evenly_distributed(const double *t, int64_t n) {
  if (n < 3) return 0;
  for (int64_t i = 0; i < n; i++) {
    double even = (double)((float)i / (float)(n - 1));
    if (!(fabs(t[i] - even) <= 1e-7 + 1e-5 * fabs(even))) return 0;
  }
  return 1;
}

/* The bucket of Keras's evenly-spaced path: ceil(p * (T - 1)) - 1 in float32
 * after clipping p to [0, 1]; raised to 0 when the thresholds reach outside
 * [0, 1] (`with_eps`); -1 means below every threshold. */
static int64_t keras_bucket(float p, int64_t T, int with_eps) {
  if (!(p >= 0.0f)) p = 0.0f;
  if (p > 1.0f) p = 1.0f;
  float prod = p * (float)(T - 1);
  float b = ceilf(prod) - 1.0f;
  if (with_eps && b < 0) b = 0;
  return (int64_t)b;
}

/* Top-k membership of the current row (ties go to the lower index, as
 * tf.math.top_k). keep[j] = 1 for the k kept entries. */
static xent_status_t top_k_row(const xent__m_walk *w, int64_t k, uint64_t *keys,
                               int32_t *idx, uint8_t *keep) {
  int64_t n = w->length;
  for (int64_t j = 0; j < n; j++) {
    double v;
    XENT__TRY(xent__m_load_pred(w, j, &v));
    keys[j] = ~xent__m_key(v); /* descending */
    idx[j] = (int32_t)j;
    keep[j] = 0;
  }
  XENT__TRY(xent__m_sort(keys, NULL, idx, 4, n));
  for (int64_t j = 0; j < n && j < k; j++) keep[idx[j]] = 1;
  return XENT_OK;
}

/* ======================================================================== */
/* Precision and Recall                                                     */
/* ======================================================================== */

struct xent_keras_pr_t {
  int64_t T;
  double *thr;
  float *thr32;
  int even;
  int64_t top_k, class_id;
  double *tp, *fp, *fn; /* (sum, comp) per threshold (per bucket when even) */
  double pos[2];        /* total positive weight (even path) */
};

xent_keras_pr_options_t xent_keras_pr_options_default(void) {
  xent_keras_pr_options_t o;
  memset(&o, 0, sizeof o);
  o.class_id = -1;
  return o;
}

xent_status_t xent_keras_pr_create(const xent_keras_pr_options_t *opts,
                                   xent_keras_pr_t **state) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  *state = NULL;
  xent_keras_pr_options_t o = opts ? *opts : xent_keras_pr_options_default();
  if (o.top_k < 0)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->top_k = %" PRId64 " is negative", o.top_k);
  if (o.class_id < -1)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->class_id = %" PRId64 " must be -1 or a column",
                      o.class_id);
  if (o.thresholds && o.num_thresholds < 1)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->num_thresholds = %" PRId64
                      " must be at least 1", o.num_thresholds);
  int64_t T = o.thresholds ? o.num_thresholds : 1;
  for (int64_t i = 0; o.thresholds && i < T; i++)
    if (!(o.thresholds[i] >= 0 && o.thresholds[i] <= 1))
      return xent__fail(XENT_ERR_ARGUMENT, "opts->thresholds[%" PRId64 "] = %g is outside "
                        "[0, 1]", i, o.thresholds[i]);
  xent_keras_pr_t *s = calloc(1, sizeof *s);
  if (!s) return xent__fail(XENT_ERR_NOMEM, "could not allocate a Keras precision state");
  s->T = T;
  s->top_k = o.top_k;
  s->class_id = o.class_id;
  s->thr = malloc((size_t)T * sizeof *s->thr);
  s->thr32 = malloc((size_t)T * sizeof *s->thr32);
  s->tp = calloc((size_t)(6 * T), sizeof *s->tp);
  if (!s->thr || !s->thr32 || !s->tp) {
    xent_keras_pr_destroy(s);
    return xent__fail(XENT_ERR_NOMEM, "could not allocate %" PRId64 " thresholds", T);
  }
  s->fp = s->tp + 2 * T, s->fn = s->tp + 4 * T;
  for (int64_t i = 0; i < T; i++) {
    s->thr[i] = o.thresholds ? o.thresholds[i] : o.top_k ? KERAS_NEG_INF : 0.5;
    s->thr32[i] = (float)s->thr[i];
  }
  s->even = evenly_distributed(s->thr, T);
  *state = s;
  return XENT_OK;
}

xent_status_t xent_keras_pr_destroy(xent_keras_pr_t *state) {
  xent__clear_error();
  if (!state) return XENT_OK;
  free(state->thr), free(state->thr32), free(state->tp), free(state);
  return XENT_OK;
}

xent_status_t xent_keras_pr_reset(xent_keras_pr_t *state) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  memset(state->tp, 0, (size_t)(6 * state->T) * sizeof *state->tp);
  memset(state->pos, 0, sizeof state->pos);
  return XENT_OK;
}

/* The row scratch for top_k. */
typedef struct {
  uint64_t *keys;
  int32_t *idx;
  uint8_t *keep;
} topk_scratch;

static xent_status_t topk_alloc(topk_scratch *t, int64_t n) {
  t->keys = malloc((size_t)(n ? n : 1) * sizeof *t->keys);
  t->idx = malloc((size_t)(n ? n : 1) * sizeof *t->idx);
  t->keep = malloc((size_t)(n ? n : 1));
  if (!t->keys || !t->idx || !t->keep) {
    free(t->keys), free(t->idx), free(t->keep);
    return xent__fail(XENT_ERR_NOMEM, "could not allocate top-k scratch");
  }
  return XENT_OK;
}

static void topk_free(topk_scratch *t) { free(t->keys), free(t->idx), free(t->keep); }

xent_status_t xent_keras_pr_update(xent_keras_pr_t *state, const xent_tensor_t *y_true,
                                   const xent_tensor_t *y_pred,
                                   const xent_metric_options_t *opts) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  xent__m_walk w;
  XENT__TRY(xent__m_plan(&w, XENT__M_ELEMENTWISE, y_true, "y_true", y_pred, "y_pred",
                         XENT__M_TRUE_FLOAT, XENT__M_TRUE_ANY, opts));
  if (state->class_id >= 0 && state->class_id >= w.length)
    return xent__fail(XENT_ERR_INDEX, "class_id = %" PRId64 " is outside the %" PRId64
                      " columns of y_pred", state->class_id, w.length);
  int64_t T = state->T;
  double *acc = malloc((size_t)(6 * T + 2) * sizeof *acc);
  topk_scratch tk = {0, 0, 0};
  if (!acc) return xent__fail(XENT_ERR_NOMEM, "could not allocate counts");
  if (state->top_k) {
    xent_status_t st = topk_alloc(&tk, w.length);
    if (st != XENT_OK) {
      free(acc);
      return st;
    }
  }
  memcpy(acc, state->tp, (size_t)(6 * T) * sizeof *acc);
  acc[6 * T] = state->pos[0], acc[6 * T + 1] = state->pos[1];
  double *tp = acc, *fp = acc + 2 * T, *fn = acc + 4 * T, *pos = acc + 6 * T;
  xent_status_t st = XENT_OK;
  for (int64_t r = 0; r < w.it.count && st == XENT_OK; r++) {
    xent__m_row(&w, r);
    if (state->top_k && (st = top_k_row(&w, state->top_k, tk.keys, tk.idx, tk.keep)) != XENT_OK)
      break;
    for (int64_t i = 0; i < w.per_row; i++) {
      if (state->class_id >= 0 && i != state->class_id) continue;
      double weight;
      int counted = xent__m_position(&w, i, &weight);
      if (counted < 0) {
        st = XENT_ERR_VALUE;
        break;
      }
      if (!counted) continue;
      double p, y = xent__m_true(&w, i);
      if ((st = xent__m_load_pred(&w, i, &p)) != XENT_OK) break;
      if (isnan(y)) {
        char where[160];
        st = xent__fail(XENT_ERR_VALUE, "y_true%s is NaN",
                        xent__m_where_true(&w, i, where, sizeof where));
        break;
      }
      if (state->top_k && !tk.keep[i]) p = KERAS_NEG_INF;
      int label = y != 0;
      float p32 = (float)p;
      if (state->even) {
        int64_t b = keras_bucket(p32, T, 0);
        if (label) xent__m_add(&pos[0], &pos[1], weight);
        if (b >= 0 && b < T) xent__m_add(label ? &tp[2 * b] : &fp[2 * b],
                                         label ? &tp[2 * b + 1] : &fp[2 * b + 1], weight);
      } else {
        for (int64_t t = 0; t < T; t++) {
          int pred = p32 > state->thr32[t];
          if (label && pred) xent__m_add(&tp[2 * t], &tp[2 * t + 1], weight);
          else if (!label && pred) xent__m_add(&fp[2 * t], &fp[2 * t + 1], weight);
          else if (label) xent__m_add(&fn[2 * t], &fn[2 * t + 1], weight);
        }
      }
    }
  }
  if (st == XENT_OK) {
    memcpy(state->tp, acc, (size_t)(6 * T) * sizeof *acc);
    state->pos[0] = pos[0], state->pos[1] = pos[1];
  }
  free(acc);
  if (state->top_k) topk_free(&tk);
  return st;
}

xent_status_t xent_keras_pr_merge(xent_keras_pr_t *into, const xent_keras_pr_t *from) {
  xent__clear_error();
  if (!into) return xent__fail(XENT_ERR_NULL, "into is NULL");
  if (!from) return xent__fail(XENT_ERR_NULL, "from is NULL");
  int same = into != from && into->T == from->T && into->top_k == from->top_k &&
             into->class_id == from->class_id;
  for (int64_t i = 0; same && i < into->T; i++) same = into->thr[i] == from->thr[i];
  if (!same)
    return xent__fail(XENT_ERR_ARGUMENT, "the states differ in thresholds, top_k or class_id");
  for (int64_t i = 0; i < 3 * into->T; i++) {
    xent__m_add(&into->tp[2 * i], &into->tp[2 * i + 1], from->tp[2 * i]);
    xent__m_add(&into->tp[2 * i], &into->tp[2 * i + 1], from->tp[2 * i + 1]);
  }
  xent__m_add(&into->pos[0], &into->pos[1], from->pos[0]);
  xent__m_add(&into->pos[0], &into->pos[1], from->pos[1]);
  return XENT_OK;
}

static double divide_no_nan(double a, double b) { return b == 0 ? 0.0 : a / b; }

xent_status_t xent_keras_pr_result(const xent_keras_pr_t *state,
                                   const xent_tensor_t *precision,
                                   const xent_tensor_t *recall) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  int64_t T = state->T;
  XENT__TRY(xent__m_check_out(precision, "precision", T));
  XENT__TRY(xent__m_check_out(recall, "recall", T));
  double P = xent__m_value(state->pos[0], state->pos[1]);
  xent_ref_sum ctp = {0, 0}, cfp = {0, 0};
  for (int64_t t = T - 1; t >= 0; t--) {
    double tp, fp, fn;
    if (state->even) { /* counts at threshold t: buckets t and above */
      xent_ref_sum_add(&ctp, state->tp[2 * t]), xent_ref_sum_add(&ctp, state->tp[2 * t + 1]);
      xent_ref_sum_add(&cfp, state->fp[2 * t]), xent_ref_sum_add(&cfp, state->fp[2 * t + 1]);
      tp = xent_ref_sum_value(&ctp), fp = xent_ref_sum_value(&cfp), fn = P - tp;
    } else {
      tp = xent__m_value(state->tp[2 * t], state->tp[2 * t + 1]);
      fp = xent__m_value(state->fp[2 * t], state->fp[2 * t + 1]);
      fn = xent__m_value(state->fn[2 * t], state->fn[2 * t + 1]);
    }
    if (precision) xent__m_store_at(precision, t, divide_no_nan(tp, tp + fp));
    if (recall) xent__m_store_at(recall, t, divide_no_nan(tp, tp + fn));
  }
  return XENT_OK;
}

/* ======================================================================== */
/* AUC                                                                      */
/* ======================================================================== */

struct xent_keras_auc_t {
  int64_t T, L;          /* thresholds; labels (1 unless multi_label) */
  double *thr;
  float *thr32;
  int even;              /* Keras's bucket path */
  xent_keras_curve_t curve;
  xent_keras_summation_t summation;
  int multi_label, from_logits;
  double *label_w;       /* label_weights, or NULL */
  int64_t label_w_count;
  /* (sum, comp) pairs, T * L each: counts at each threshold, or per bucket on
   * the even path */
  double *tp, *fp;
  double *pos, *neg;     /* per label totals, L pairs each */
};

xent_keras_auc_options_t xent_keras_auc_options_default(void) {
  xent_keras_auc_options_t o;
  memset(&o, 0, sizeof o);
  o.num_thresholds = 200;
  o.curve = XENT_KERAS_CURVE_ROC;
  o.summation_method = XENT_KERAS_INTERPOLATION;
  return o;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

xent_status_t xent_keras_auc_create(const xent_keras_auc_options_t *opts,
                                    xent_keras_auc_t **state) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  *state = NULL;
  xent_keras_auc_options_t o = opts ? *opts : xent_keras_auc_options_default();
  if ((unsigned)o.curve > XENT_KERAS_CURVE_PRGAIN)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->curve = %d is not a xent_keras_curve_t",
                      (int)o.curve);
  if ((unsigned)o.summation_method > XENT_KERAS_MAJORING)
    return xent__fail(XENT_ERR_ARGUMENT,
                      "opts->summation_method = %d is not a xent_keras_summation_t",
                      (int)o.summation_method);
  if (!o.thresholds && o.num_thresholds <= 1)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->num_thresholds = %" PRId64
                      " must be greater than 1", o.num_thresholds);
  if (o.thresholds && o.thresholds_count < 0)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->thresholds_count is negative");
  for (int64_t i = 0; o.thresholds && i < o.thresholds_count; i++)
    if (!(o.thresholds[i] >= 0 && o.thresholds[i] <= 1))
      return xent__fail(XENT_ERR_ARGUMENT, "opts->thresholds[%" PRId64 "] = %g is outside "
                        "[0, 1]", i, o.thresholds[i]);
  if (o.multi_label && o.num_labels < 1)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->num_labels = %" PRId64
                      " must be given (>= 1) with multi_label", o.num_labels);
  if (!o.multi_label && o.num_labels)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->num_labels is for multi_label only");
  if (o.label_weights && o.label_weights_count < 1)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->label_weights_count must be at least 1");
  if (o.label_weights && o.multi_label && o.label_weights_count != o.num_labels)
    return xent__fail(XENT_ERR_SHAPE, "opts->label_weights has %" PRId64 " entries for %" PRId64
                      " labels", o.label_weights_count, o.num_labels);
  for (int64_t i = 0; o.label_weights && i < o.label_weights_count; i++)
    if (!isfinite(o.label_weights[i]))
      return xent__fail(XENT_ERR_VALUE, "opts->label_weights[%" PRId64 "] = %g is not finite",
                        i, o.label_weights[i]);

  xent_keras_auc_t *s = calloc(1, sizeof *s);
  if (!s) return xent__fail(XENT_ERR_NOMEM, "could not allocate a Keras AUC state");
  int64_t T = o.thresholds ? o.thresholds_count + 2 : o.num_thresholds;
  int64_t L = o.multi_label ? o.num_labels : 1;
  s->T = T, s->L = L;
  s->curve = o.curve, s->summation = o.summation_method;
  s->multi_label = o.multi_label != 0, s->from_logits = o.from_logits != 0;
  s->thr = malloc((size_t)T * sizeof *s->thr);
  s->thr32 = malloc((size_t)T * sizeof *s->thr32);
  s->tp = calloc((size_t)(4 * T * L + 4 * L), sizeof *s->tp);
  if (o.label_weights) {
    s->label_w = malloc((size_t)o.label_weights_count * sizeof *s->label_w);
    s->label_w_count = o.label_weights_count;
  }
  if (!s->thr || !s->thr32 || !s->tp || (o.label_weights && !s->label_w)) {
    xent_keras_auc_destroy(s);
    return xent__fail(XENT_ERR_NOMEM, "could not allocate %" PRId64 " thresholds", T);
  }
  s->fp = s->tp + 2 * T * L;
  s->pos = s->fp + 2 * T * L;
  s->neg = s->pos + 2 * L;
  if (o.label_weights)
    memcpy(s->label_w, o.label_weights, (size_t)o.label_weights_count * sizeof *s->label_w);
  /* Keras: [0 - epsilon] + thresholds + [1 + epsilon] */
  s->thr[0] = 0.0 - KERAS_EPSILON;
  s->thr[T - 1] = 1.0 + KERAS_EPSILON;
  if (o.thresholds) {
    memcpy(s->thr + 1, o.thresholds, (size_t)o.thresholds_count * sizeof *s->thr);
    qsort(s->thr + 1, (size_t)o.thresholds_count, sizeof *s->thr, cmp_double);
    double *check = malloc((size_t)T * sizeof *check);
    if (!check) {
      xent_keras_auc_destroy(s);
      return xent__fail(XENT_ERR_NOMEM, "could not allocate %" PRId64 " thresholds", T);
    }
    memcpy(check, s->thr, (size_t)T * sizeof *check);
    check[0] = 0.0, check[T - 1] = 1.0;
    s->even = evenly_distributed(check, T);
    free(check);
  } else {
    for (int64_t i = 0; i < T - 2; i++) s->thr[i + 1] = (double)(i + 1) * 1.0 / (double)(T - 1);
    s->even = 1;
  }
  for (int64_t i = 0; i < T; i++) s->thr32[i] = (float)s->thr[i];
  *state = s;
  return XENT_OK;
}

xent_status_t xent_keras_auc_destroy(xent_keras_auc_t *state) {
  xent__clear_error();
  if (!state) return XENT_OK;
  free(state->thr), free(state->thr32), free(state->tp), free(state->label_w), free(state);
  return XENT_OK;
}

xent_status_t xent_keras_auc_reset(xent_keras_auc_t *state) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  memset(state->tp, 0, (size_t)(4 * state->T * state->L + 4 * state->L) * sizeof *state->tp);
  return XENT_OK;
}

static int64_t auc_cells(const xent_keras_auc_t *s) { return 2 * s->T * s->L + 2 * s->L; }

xent_status_t xent_keras_auc_update(xent_keras_auc_t *state, const xent_tensor_t *y_true,
                                    const xent_tensor_t *y_pred,
                                    const xent_metric_options_t *opts) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  xent__m_walk w;
  XENT__TRY(xent__m_plan(&w, XENT__M_ELEMENTWISE, y_true, "y_true", y_pred, "y_pred",
                         XENT__M_TRUE_FLOAT, XENT__M_TRUE_ANY, opts));
  int64_t T = state->T, L = state->L;
  if (state->multi_label && (w.pred.rank != 2 || w.length != L))
    return xent__fail(XENT_ERR_SHAPE, "with multi_label, y_pred must have shape (N, %" PRId64
                      ")", L);
  if (!state->multi_label && state->label_w && w.length != state->label_w_count)
    return xent__fail(XENT_ERR_SHAPE, "opts->label_weights has %" PRId64 " entries but y_pred's "
                      "last axis has %" PRId64, state->label_w_count, w.length);
  int64_t n = 2 * auc_cells(state);
  double *acc = malloc((size_t)n * sizeof *acc);
  if (!acc) return xent__fail(XENT_ERR_NOMEM, "could not allocate counts");
  memcpy(acc, state->tp, (size_t)n * sizeof *acc);
  double *tp = acc, *fp = acc + 2 * T * L, *pos = fp + 2 * T * L, *neg = pos + 2 * L;
  xent_status_t st = XENT_OK;
  for (int64_t r = 0; r < w.it.count && st == XENT_OK; r++) {
    xent__m_row(&w, r);
    for (int64_t i = 0; i < w.per_row; i++) {
      double weight;
      int counted = xent__m_position(&w, i, &weight);
      if (counted < 0) {
        st = XENT_ERR_VALUE;
        break;
      }
      if (!counted) continue;
      double p, y = xent__m_true(&w, i);
      if ((st = xent__m_load_pred(&w, i, &p)) != XENT_OK) break;
      if (isnan(y)) {
        char where[160];
        st = xent__fail(XENT_ERR_VALUE, "y_true%s is NaN",
                        xent__m_where_true(&w, i, where, sizeof where));
        break;
      }
      if (state->from_logits) p = xent_ref_sigmoid(p);
      if (!state->multi_label && state->label_w) weight *= state->label_w[i];
      int64_t l = state->multi_label ? i : 0;
      int label = y != 0;
      float p32 = (float)p;
      xent__m_add(label ? &pos[2 * l] : &neg[2 * l], label ? &pos[2 * l + 1] : &neg[2 * l + 1],
                  weight);
      double *cnt = label ? tp : fp;
      if (state->even) {
        int64_t b = keras_bucket(p32, T, 1);
        if (b >= 0 && b < T) xent__m_add(&cnt[2 * (b * L + l)], &cnt[2 * (b * L + l) + 1], weight);
      } else {
        for (int64_t t = 0; t < T; t++)
          if (p32 > state->thr32[t]) xent__m_add(&cnt[2 * (t * L + l)], &cnt[2 * (t * L + l) + 1], weight);
      }
    }
  }
  if (st == XENT_OK) memcpy(state->tp, acc, (size_t)n * sizeof *acc);
  free(acc);
  return st;
}

xent_status_t xent_keras_auc_merge(xent_keras_auc_t *into, const xent_keras_auc_t *from) {
  xent__clear_error();
  if (!into) return xent__fail(XENT_ERR_NULL, "into is NULL");
  if (!from) return xent__fail(XENT_ERR_NULL, "from is NULL");
  int same = into != from && into->T == from->T && into->L == from->L &&
             into->multi_label == from->multi_label && into->from_logits == from->from_logits &&
             into->curve == from->curve && into->summation == from->summation;
  for (int64_t i = 0; same && i < into->T; i++) same = into->thr[i] == from->thr[i];
  if (!same) return xent__fail(XENT_ERR_ARGUMENT, "the states have different options");
  for (int64_t i = 0; i < auc_cells(into); i++) {
    xent__m_add(&into->tp[2 * i], &into->tp[2 * i + 1], from->tp[2 * i]);
    xent__m_add(&into->tp[2 * i], &into->tp[2 * i + 1], from->tp[2 * i + 1]);
  }
  return XENT_OK;
}

/* Counts of label l at every threshold (cumulated from the buckets on the
 * even path). Fills tp, fp, tn, fn (T each) and the totals. */
static void label_counts(const xent_keras_auc_t *s, int64_t l, double *tp, double *fp,
                         double *tn, double *fn, double *P, double *N) {
  int64_t T = s->T, L = s->L;
  *P = xent__m_value(s->pos[2 * l], s->pos[2 * l + 1]);
  *N = xent__m_value(s->neg[2 * l], s->neg[2 * l + 1]);
  xent_ref_sum a = {0, 0}, b = {0, 0};
  for (int64_t t = T - 1; t >= 0; t--) {
    double ctp = xent__m_value(s->tp[2 * (t * L + l)], s->tp[2 * (t * L + l) + 1]);
    double cfp = xent__m_value(s->fp[2 * (t * L + l)], s->fp[2 * (t * L + l) + 1]);
    if (s->even) {
      xent_ref_sum_add(&a, ctp), xent_ref_sum_add(&b, cfp);
      ctp = xent_ref_sum_value(&a), cfp = xent_ref_sum_value(&b);
    }
    tp[t] = ctp, fp[t] = cfp;
    fn[t] = *P - ctp, tn[t] = *N - cfp;
  }
}

/* keras AUC.interpolate_pr_auc for one label. */
static double interpolate_pr(const double *tp, const double *fp, const double *fn, int64_t T) {
  xent_ref_sum sum = {0, 0};
  for (int64_t i = 0; i + 1 < T; i++) {
    double dtp = tp[i] - tp[i + 1];
    double p0 = tp[i] + fp[i], p1 = tp[i + 1] + fp[i + 1];
    double dp = p0 - p1;
    double slope = divide_no_nan(dtp, dp > 0 ? dp : 0);
    double intercept = tp[i + 1] - slope * p1;
    double ratio = p0 > 0 && p1 > 0 ? divide_no_nan(p0, p1 > 0 ? p1 : 0) : 1.0;
    double den = tp[i + 1] + fn[i + 1];
    xent_ref_sum_add(&sum, divide_no_nan(slope * (dtp + intercept * log(ratio)), den > 0 ? den : 0));
  }
  return xent_ref_sum_value(&sum);
}

static double riemann(const xent_keras_auc_t *s, const double *tp, const double *fp,
                      const double *tn, const double *fn, double *x, double *y) {
  int64_t T = s->T;
  for (int64_t i = 0; i < T; i++) {
    double recall = divide_no_nan(tp[i], tp[i] + fn[i]);
    if (s->curve == XENT_KERAS_CURVE_ROC) {
      x[i] = divide_no_nan(fp[i], fp[i] + tn[i]);
      y[i] = recall;
    } else if (s->curve == XENT_KERAS_CURVE_PR) {
      x[i] = recall;
      y[i] = divide_no_nan(tp[i], tp[i] + fp[i]);
    } else {
      double scale = divide_no_nan(tp[i] + fn[i], tn[i] + fp[i]);
      double rg = 1.0 - scale * divide_no_nan(fn[i], tp[i]);
      double pg = 1.0 - scale * divide_no_nan(fp[i], tp[i]);
      if (tp[i] == 0) rg = 0.0, pg = 1.0;
      x[i] = rg > 0 ? rg : 0.0;
      y[i] = pg;
    }
  }
  xent_ref_sum sum = {0, 0};
  for (int64_t i = 0; i + 1 < T; i++) {
    double h = s->summation == XENT_KERAS_INTERPOLATION ? (y[i] + y[i + 1]) / 2
               : s->summation == XENT_KERAS_MINORING    ? (y[i] < y[i + 1] ? y[i] : y[i + 1])
                                                        : (y[i] > y[i + 1] ? y[i] : y[i + 1]);
    xent_ref_sum_add(&sum, (x[i] - x[i + 1]) * h);
  }
  return xent_ref_sum_value(&sum);
}

/* How far the thresholded ROC AUC of one label can be from the exact one. */
static double gap_of(const xent_keras_auc_t *s, int64_t l, const double *tp, const double *fp,
                     double P, double N) {
  if (s->curve != XENT_KERAS_CURVE_ROC || !(P > 0) || !(N > 0)) return NAN;
  int64_t T = s->T, L = s->L;
  /* every score must lie between the first and the last threshold */
  if (P - tp[0] != 0 || N - fp[0] != 0 || tp[T - 1] != 0 || fp[T - 1] != 0) return NAN;
  xent_ref_sum sum = {0, 0};
  for (int64_t i = 0; i + 1 < T; i++) {
    double pb, nb;
    if (s->even) {
      pb = xent__m_value(s->tp[2 * (i * L + l)], s->tp[2 * (i * L + l) + 1]);
      nb = xent__m_value(s->fp[2 * (i * L + l)], s->fp[2 * (i * L + l) + 1]);
    } else {
      pb = tp[i] - tp[i + 1], nb = fp[i] - fp[i + 1];
    }
    xent_ref_sum_add(&sum, pb * nb);
  }
  double k = s->summation == XENT_KERAS_INTERPOLATION ? 0.5 : 1.0;
  return k * xent_ref_sum_value(&sum) / (P * N);
}

xent_status_t xent_keras_auc_result(const xent_keras_auc_t *state, double *auc,
                                    double *gap_bound) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  if (!auc) return xent__fail(XENT_ERR_NULL, "auc is NULL");
  int64_t T = state->T, L = state->L;
  double *buf = malloc((size_t)(6 * T) * sizeof *buf);
  if (!buf) return xent__fail(XENT_ERR_NOMEM, "could not allocate %" PRId64 " thresholds", T);
  double *tp = buf, *fp = buf + T, *tn = buf + 2 * T, *fn = buf + 3 * T;
  double *x = buf + 4 * T, *y = buf + 5 * T;
  xent_ref_sum num = {0, 0}, den = {0, 0}, gnum = {0, 0};
  for (int64_t l = 0; l < L; l++) {
    double P, N;
    label_counts(state, l, tp, fp, tn, fn, &P, &N);
    double v = state->curve == XENT_KERAS_CURVE_PR && state->summation == XENT_KERAS_INTERPOLATION
                   ? interpolate_pr(tp, fp, fn, T)
                   : riemann(state, tp, fp, tn, fn, x, y);
    double g = gap_of(state, l, tp, fp, P, N);
    double lw = state->multi_label && state->label_w ? state->label_w[l] : 1.0;
    xent_ref_sum_add(&num, lw * v);
    xent_ref_sum_add(&gnum, lw * g);
    xent_ref_sum_add(&den, lw);
  }
  free(buf);
  if (L == 1) {
    *auc = xent_ref_sum_value(&num);
    if (gap_bound) *gap_bound = xent_ref_sum_value(&gnum);
  } else {
    double d = xent_ref_sum_value(&den);
    *auc = divide_no_nan(xent_ref_sum_value(&num), d);
    if (gap_bound) *gap_bound = d != 0 ? xent_ref_sum_value(&gnum) / d : NAN;
  }
  return XENT_OK;
}

xent_status_t xent_keras_auc_counts(const xent_keras_auc_t *state, const xent_tensor_t *tp,
                                    const xent_tensor_t *fp, const xent_tensor_t *tn,
                                    const xent_tensor_t *fn) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  int64_t T = state->T, L = state->L;
  XENT__TRY(xent__m_check_out(tp, "tp", T * L));
  XENT__TRY(xent__m_check_out(fp, "fp", T * L));
  XENT__TRY(xent__m_check_out(tn, "tn", T * L));
  XENT__TRY(xent__m_check_out(fn, "fn", T * L));
  double *buf = malloc((size_t)(4 * T) * sizeof *buf);
  if (!buf) return xent__fail(XENT_ERR_NOMEM, "could not allocate %" PRId64 " thresholds", T);
  for (int64_t l = 0; l < L; l++) {
    double P, N;
    label_counts(state, l, buf, buf + T, buf + 2 * T, buf + 3 * T, &P, &N);
    for (int64_t t = 0; t < T; t++) {
      if (tp) xent__m_store_at(tp, t * L + l, buf[t]);
      if (fp) xent__m_store_at(fp, t * L + l, buf[T + t]);
      if (tn) xent__m_store_at(tn, t * L + l, buf[2 * T + t]);
      if (fn) xent__m_store_at(fn, t * L + l, buf[3 * T + t]);
    }
  }
  free(buf);
  return XENT_OK;
}
