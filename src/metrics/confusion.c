/*
 * scikit-learn's confusion-matrix metrics, streamed: confusion_matrix,
 * multilabel_confusion_matrix and precision_recall_fscore_support.
 *
 * A multi-class state holds the C x C matrix of weighted counts; a
 * multi-label state holds tp, fp, fn and tn per label, plus, for the
 * 'samples' average, a small hash map from each sample's (tp, true,
 * predicted) label counts to the weight of the samples that had them, so
 * that beta and zero_division can still be chosen when the result is read.
 * Every sum is compensated.
 */
#include "metrics_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define ML_TP 0
#define ML_FP 1
#define ML_FN 2
#define ML_TN 3
#define TRIPLE_EMPTY UINT64_MAX
#define MAX_LABELS (((int64_t)1 << 21) - 1)

/* Open-addressing map from a sample's (tp, true, predicted) label counts,
 * packed as tp | true << 21 | pred << 42, to the weight of such samples. */
typedef struct {
  uint64_t *keys;
  double *w; /* (sum, comp) per slot */
  int64_t cap, count;
} triple_map;

struct xent_confusion_t {
  xent_confusion_kind_t kind;
  int64_t classes;
  double threshold;
  double *cells;   /* (sum, comp) pairs: C*C (multi-class) or 4*C (multi-label) */
  triple_map samples;
};

static int64_t ncells(const xent_confusion_t *s) {
  return s->kind == XENT_CONFUSION_MULTICLASS ? s->classes * s->classes : 4 * s->classes;
}

static void map_free(triple_map *m) {
  free(m->keys);
  free(m->w);
  memset(m, 0, sizeof *m);
}

static uint64_t hash64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return x;
}

/* Adds (sum, comp) to key's weight; the map must have a free slot. */
static void map_put(triple_map *m, uint64_t key, double sum, double comp) {
  int64_t i = (int64_t)(hash64(key) & (uint64_t)(m->cap - 1));
  while (m->keys[i] != TRIPLE_EMPTY && m->keys[i] != key) i = (i + 1) & (m->cap - 1);
  if (m->keys[i] == TRIPLE_EMPTY) {
    m->keys[i] = key;
    m->count++;
  }
  xent__m_add(&m->w[2 * i], &m->w[2 * i + 1], sum);
  xent__m_add(&m->w[2 * i], &m->w[2 * i + 1], comp);
}

/* Makes room for `more` new keys (load factor at most 1/2). */
static xent_status_t map_reserve(triple_map *m, int64_t more) {
  if (2 * (m->count + more) <= m->cap) return XENT_OK;
  int64_t ncap = m->cap ? m->cap : 64;
  while (2 * (m->count + more) > ncap) ncap *= 2;
  triple_map n;
  n.keys = malloc((size_t)ncap * sizeof *n.keys);
  n.w = calloc((size_t)(2 * ncap), sizeof *n.w);
  if (!n.keys || !n.w) {
    free(n.keys), free(n.w);
    return xent__fail(XENT_ERR_NOMEM, "could not grow the samples map to %" PRId64
                      " entries", ncap);
  }
  for (int64_t i = 0; i < ncap; i++) n.keys[i] = TRIPLE_EMPTY;
  n.cap = ncap;
  n.count = 0;
  for (int64_t i = 0; i < m->cap; i++)
    if (m->keys[i] != TRIPLE_EMPTY) map_put(&n, m->keys[i], m->w[2 * i], m->w[2 * i + 1]);
  free(m->keys), free(m->w);
  *m = n;
  return XENT_OK;
}

/* Adds every entry of `from` to `into`. */
static xent_status_t map_merge(triple_map *into, const triple_map *from) {
  XENT__TRY(map_reserve(into, from->count));
  for (int64_t i = 0; i < from->cap; i++)
    if (from->keys[i] != TRIPLE_EMPTY)
      map_put(into, from->keys[i], from->w[2 * i], from->w[2 * i + 1]);
  return XENT_OK;
}

xent_status_t xent_confusion_create(xent_confusion_kind_t kind, int64_t classes,
                                    double threshold, xent_confusion_t **state) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  *state = NULL;
  if ((unsigned)kind > XENT_CONFUSION_MULTILABEL)
    return xent__fail(XENT_ERR_ARGUMENT, "kind = %d is not a xent_confusion_kind_t", (int)kind);
  if (classes < 1)
    return xent__fail(XENT_ERR_ARGUMENT, "classes = %" PRId64 " must be at least 1", classes);
  if (kind == XENT_CONFUSION_MULTILABEL && classes > MAX_LABELS)
    return xent__fail(XENT_ERR_ARGUMENT, "classes = %" PRId64 " exceeds %" PRId64
                      " for a multi-label state", classes, MAX_LABELS);
  if (kind == XENT_CONFUSION_MULTICLASS && classes > ((int64_t)1 << 26))
    return xent__fail(XENT_ERR_ARGUMENT, "classes = %" PRId64 " is too many for a C x C "
                      "matrix", classes);
  if (isnan(threshold)) return xent__fail(XENT_ERR_ARGUMENT, "threshold is NaN");
  xent_confusion_t *s = calloc(1, sizeof *s);
  if (!s) return xent__fail(XENT_ERR_NOMEM, "could not allocate a confusion state");
  s->kind = kind;
  s->classes = classes;
  s->threshold = threshold;
  s->cells = calloc((size_t)(2 * ncells(s)), sizeof *s->cells);
  if (!s->cells) {
    int64_t n = 2 * ncells(s);
    free(s);
    return xent__fail(XENT_ERR_NOMEM, "could not allocate %" PRId64 " confusion counts", n);
  }
  *state = s;
  return XENT_OK;
}

xent_status_t xent_confusion_destroy(xent_confusion_t *state) {
  xent__clear_error();
  if (!state) return XENT_OK;
  free(state->cells);
  map_free(&state->samples);
  free(state);
  return XENT_OK;
}

xent_status_t xent_confusion_reset(xent_confusion_t *state) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  memset(state->cells, 0, (size_t)(2 * ncells(state)) * sizeof *state->cells);
  map_free(&state->samples);
  return XENT_OK;
}

static void cell_add(double *cells, int64_t i, double v) {
  xent__m_add(&cells[2 * i], &cells[2 * i + 1], v);
}

static double cell(const double *cells, int64_t i) {
  return xent__m_value(cells[2 * i], cells[2 * i + 1]);
}

/* ---- update ---- */

/* The predicted class of position i of the current row (multi-class). */
static xent_status_t predicted_class(const xent_confusion_t *s, const xent__m_walk *w,
                                     int64_t i, int64_t *k) {
  if (w->layout == XENT__M_SPARSE) return xent__m_argmax(w, k, NULL);
  int64_t y = xent__load_index(w->it.ptr[XENT__M_PRED] + i * w->step[XENT__M_PRED],
                               w->pred.dtype);
  if (y < 0 || y >= s->classes) {
    char where[160];
    return xent__fail(XENT_ERR_INDEX, "y_pred%s = %" PRId64 " is outside [0, %" PRId64 ")",
                      xent__m_where_pred(w, i, where, sizeof where), y, s->classes);
  }
  *k = y;
  return XENT_OK;
}

/* Whether label j of the current position is predicted (multi-label). */
static xent_status_t predicted_label(const xent_confusion_t *s, const xent__m_walk *w,
                                     int64_t j, int *yes) {
  if (xent__is_integer(w->pred.dtype)) {
    *yes = xent__load_index(w->it.ptr[XENT__M_PRED] + j * w->step[XENT__M_PRED],
                            w->pred.dtype) != 0;
    return XENT_OK;
  }
  double p;
  XENT__TRY(xent__m_load_pred(w, j, &p));
  *yes = p > s->threshold;
  return XENT_OK;
}

/* One sweep over the batch. Without `commit` it validates everything and
 * collects the samples' count triples into `batch`; with it (after a
 * successful validation) it adds the counts to the state. */
static xent_status_t sweep(xent_confusion_t *s, xent__m_walk *w, int commit,
                           triple_map *batch) {
  xent__m_begin(w);
  int64_t C = s->classes;
  for (int64_t r = 0; r < w->it.count; r++) {
    xent__m_row(w, r);
    for (int64_t i = 0; i < w->per_row; i++) {
      double weight;
      int counted = xent__m_position(w, i, &weight);
      if (counted < 0) return XENT_ERR_VALUE;
      if (!counted) continue;
      if (s->kind == XENT_CONFUSION_MULTICLASS) {
        int64_t t, p;
        XENT__TRY(xent__m_load_class(w, i, C, &t));
        XENT__TRY(predicted_class(s, w, i, &p));
        if (commit) cell_add(s->cells, t * C + p, weight);
      } else {
        int64_t ntp = 0, ntrue = 0, npred = 0;
        for (int64_t j = 0; j < C; j++) {
          int t, p;
          XENT__TRY(xent__m_load_binary(w, j, &t));
          XENT__TRY(predicted_label(s, w, j, &p));
          ntp += t && p, ntrue += t, npred += p;
          if (commit) {
            int which = t ? (p ? ML_TP : ML_FN) : (p ? ML_FP : ML_TN);
            cell_add(s->cells, 4 * j + which, weight);
          }
        }
        if (!commit) {
          XENT__TRY(map_reserve(batch, 1));
          map_put(batch, (uint64_t)ntp | (uint64_t)ntrue << 21 | (uint64_t)npred << 42,
                  weight, 0);
        }
      }
    }
  }
  return XENT_OK;
}

xent_status_t xent_confusion_update(xent_confusion_t *state, const xent_tensor_t *y_true,
                                    const xent_tensor_t *y_pred,
                                    const xent_metric_options_t *opts) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  xent__m_walk w;
  if (state->kind == XENT_CONFUSION_MULTICLASS) {
    if (y_pred && xent__is_integer(y_pred->dtype)) {
      XENT__TRY(xent__m_plan(&w, XENT__M_ELEMENTWISE, y_true, "y_true", y_pred, "y_pred",
                             XENT__M_TRUE_ANY, XENT__M_TRUE_INDEX, opts));
    } else {
      XENT__TRY(xent__m_plan(&w, XENT__M_SPARSE, y_true, "y_true", y_pred, "y_pred",
                             XENT__M_TRUE_FLOAT, XENT__M_TRUE_INDEX, opts));
      if (w.length != state->classes)
        return xent__fail(XENT_ERR_SHAPE, "y_pred.shape[%d] = %" PRId64
                          " but the state has %" PRId64 " classes", w.axis, w.length,
                          state->classes);
    }
  } else {
    XENT__TRY(xent__m_plan(&w, XENT__M_DENSE, y_true, "y_true", y_pred, "y_pred",
                           XENT__M_TRUE_ANY, XENT__M_TRUE_ANY, opts));
    if (w.length != state->classes)
      return xent__fail(XENT_ERR_SHAPE, "y_pred.shape[%d] = %" PRId64
                        " but the state has %" PRId64 " labels", w.axis, w.length,
                        state->classes);
  }
  triple_map batch;
  memset(&batch, 0, sizeof batch);
  xent_status_t st = sweep(state, &w, 0, &batch);
  /* Room for the batch's triples first, so that counting cannot fail half-way. */
  if (st == XENT_OK) st = map_reserve(&state->samples, batch.count);
  if (st == XENT_OK) {
    sweep(state, &w, 1, NULL);
    map_merge(&state->samples, &batch);
  }
  map_free(&batch);
  return st;
}

xent_status_t xent_confusion_merge(xent_confusion_t *into, const xent_confusion_t *from) {
  xent__clear_error();
  if (!into) return xent__fail(XENT_ERR_NULL, "into is NULL");
  if (!from) return xent__fail(XENT_ERR_NULL, "from is NULL");
  if (into->kind != from->kind || into->classes != from->classes)
    return xent__fail(XENT_ERR_ARGUMENT,
                      "the states differ: kind %d with %" PRId64 " classes and kind %d with %"
                      PRId64, (int)into->kind, into->classes, (int)from->kind, from->classes);
  if (into == from) return xent__fail(XENT_ERR_ARGUMENT, "into and from are the same state");
  XENT__TRY(map_reserve(&into->samples, from->samples.count));
  for (int64_t i = 0; i < ncells(into); i++) {
    xent__m_add(&into->cells[2 * i], &into->cells[2 * i + 1], from->cells[2 * i]);
    xent__m_add(&into->cells[2 * i], &into->cells[2 * i + 1], from->cells[2 * i + 1]);
  }
  return map_merge(&into->samples, &from->samples);
}

/* ---- per-class counts ---- */

typedef struct {
  double tp, pred, truth, total;
} class_counts;

/* tp, predicted and true weight of class c, and the total weight. */
static class_counts counts_of(const xent_confusion_t *s, int64_t c) {
  class_counts k;
  int64_t C = s->classes;
  if (s->kind == XENT_CONFUSION_MULTILABEL) {
    double tp = cell(s->cells, 4 * c + ML_TP), fp = cell(s->cells, 4 * c + ML_FP);
    double fn = cell(s->cells, 4 * c + ML_FN), tn = cell(s->cells, 4 * c + ML_TN);
    xent_ref_sum a = {0, 0};
    xent_ref_sum_add(&a, tp), xent_ref_sum_add(&a, fp), xent_ref_sum_add(&a, fn);
    xent_ref_sum_add(&a, tn);
    k.tp = tp, k.pred = tp + fp, k.truth = tp + fn, k.total = xent_ref_sum_value(&a);
    return k;
  }
  xent_ref_sum row = {0, 0}, col = {0, 0};
  for (int64_t j = 0; j < C; j++) {
    xent_ref_sum_add(&row, s->cells[2 * (c * C + j)]);
    xent_ref_sum_add(&row, s->cells[2 * (c * C + j) + 1]);
    xent_ref_sum_add(&col, s->cells[2 * (j * C + c)]);
    xent_ref_sum_add(&col, s->cells[2 * (j * C + c) + 1]);
  }
  k.tp = cell(s->cells, c * C + c);
  k.pred = xent_ref_sum_value(&col);
  k.truth = xent_ref_sum_value(&row);
  k.total = 0;
  return k;
}

static double total_weight(const xent_confusion_t *s) {
  xent_ref_sum t = {0, 0};
  int64_t n = s->kind == XENT_CONFUSION_MULTICLASS ? ncells(s) : 4;
  for (int64_t i = 0; i < n; i++) {
    xent_ref_sum_add(&t, s->cells[2 * i]);
    xent_ref_sum_add(&t, s->cells[2 * i + 1]);
  }
  return xent_ref_sum_value(&t);
}

xent_status_t xent_confusion_matrix(const xent_confusion_t *state, xent_normalize_t normalize,
                                    const xent_tensor_t *out) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  if (!out) return xent__fail(XENT_ERR_NULL, "out is NULL");
  if (state->kind != XENT_CONFUSION_MULTICLASS)
    return xent__fail(XENT_ERR_ARGUMENT, "a multi-label state has no C x C matrix; use "
                      "xent_confusion_multilabel_matrix");
  if ((unsigned)normalize > XENT_NORMALIZE_ALL)
    return xent__fail(XENT_ERR_ARGUMENT, "normalize = %d is not a xent_normalize_t",
                      (int)normalize);
  int64_t C = state->classes;
  if (out->rank != 2 || out->shape[0] != C || out->shape[1] != C)
    return xent__fail(XENT_ERR_SHAPE, "out must have shape (%" PRId64 ", %" PRId64 ")", C, C);
  XENT__TRY(xent__m_check_out(out, "out", C * C));
  double *rows = calloc((size_t)(2 * C + 1), sizeof *rows);
  if (!rows) return xent__fail(XENT_ERR_NOMEM, "could not allocate row sums");
  double *cols = rows + C;
  for (int64_t c = 0; c < C; c++) {
    class_counts k = counts_of(state, c);
    rows[c] = k.truth, cols[c] = k.pred;
  }
  double all = total_weight(state);
  for (int64_t i = 0; i < C; i++)
    for (int64_t j = 0; j < C; j++) {
      double v = cell(state->cells, i * C + j);
      double d = normalize == XENT_NORMALIZE_TRUE ? rows[i]
                 : normalize == XENT_NORMALIZE_PRED ? cols[j]
                 : normalize == XENT_NORMALIZE_ALL  ? all
                                                    : 1.0;
      xent__m_store_at(out, i * C + j, d == 0 ? 0.0 : v / d);
    }
  free(rows);
  return XENT_OK;
}

xent_status_t xent_confusion_multilabel_matrix(const xent_confusion_t *state,
                                               const xent_tensor_t *out) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  if (!out) return xent__fail(XENT_ERR_NULL, "out is NULL");
  int64_t C = state->classes;
  if (out->rank != 3 || out->shape[0] != C || out->shape[1] != 2 || out->shape[2] != 2)
    return xent__fail(XENT_ERR_SHAPE, "out must have shape (%" PRId64 ", 2, 2)", C);
  XENT__TRY(xent__m_check_out(out, "out", 4 * C));
  double all = state->kind == XENT_CONFUSION_MULTICLASS ? total_weight(state) : 0;
  for (int64_t c = 0; c < C; c++) {
    double tp, fp, fn, tn;
    if (state->kind == XENT_CONFUSION_MULTILABEL) {
      tp = cell(state->cells, 4 * c + ML_TP), fp = cell(state->cells, 4 * c + ML_FP);
      fn = cell(state->cells, 4 * c + ML_FN), tn = cell(state->cells, 4 * c + ML_TN);
    } else {
      class_counts k = counts_of(state, c);
      tp = k.tp, fp = k.pred - k.tp, fn = k.truth - k.tp;
      xent_ref_sum t = {all, 0};
      xent_ref_sum_add(&t, -tp), xent_ref_sum_add(&t, -fp), xent_ref_sum_add(&t, -fn);
      tn = xent_ref_sum_value(&t);
    }
    xent__m_store_at(out, 4 * c + 0, tn);
    xent__m_store_at(out, 4 * c + 1, fp);
    xent__m_store_at(out, 4 * c + 2, fn);
    xent__m_store_at(out, 4 * c + 3, tp);
  }
  return XENT_OK;
}

/* ---- precision, recall, F-beta ---- */

xent_prf_options_t xent_prf_options_default(void) {
  xent_prf_options_t o;
  memset(&o, 0, sizeof o);
  o.average = XENT_AVERAGE_NONE;
  o.beta = 1.0;
  o.zero_division = 0.0;
  o.pos_label = 1;
  return o;
}

static double divide(double num, double den, double zero_division) {
  return den == 0 ? zero_division : num / den;
}

typedef struct {
  double p, r, f;
} prf;

static prf prf_of(double tp, double pred, double truth, double beta, double zd) {
  prf v;
  v.p = divide(tp, pred, zd);
  v.r = divide(tp, truth, zd);
  if (isinf(beta)) {
    v.f = v.r;
  } else if (beta == 0) {
    v.f = v.p;
  } else {
    double b2 = beta * beta;
    v.f = divide((1 + b2) * tp, b2 * truth + pred, zd);
  }
  return v;
}

/* scikit-learn's _nanaverage: the (weighted) mean of the values that are not
 * NaN; NaN when there are none; unweighted when their weights sum to 0. */
static double nanaverage(const double *a, const double *wts, int64_t n) {
  xent_ref_sum num = {0, 0}, den = {0, 0}, plain = {0, 0};
  int64_t kept = 0;
  for (int64_t i = 0; i < n; i++) {
    if (isnan(a[i])) continue;
    kept++;
    xent_ref_sum_add(&plain, a[i]);
    if (wts) {
      xent_ref_sum_add(&num, a[i] * wts[i]);
      xent_ref_sum_add(&den, wts[i]);
    }
  }
  if (kept == 0) return NAN;
  if (wts && xent_ref_sum_value(&den) != 0)
    return xent_ref_sum_value(&num) / xent_ref_sum_value(&den);
  return xent_ref_sum_value(&plain) / (double)kept;
}

xent_status_t xent_precision_recall_fscore(const xent_confusion_t *state,
                                           const xent_prf_options_t *opts,
                                           const xent_tensor_t *precision,
                                           const xent_tensor_t *recall,
                                           const xent_tensor_t *fscore,
                                           const xent_tensor_t *support) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  xent_prf_options_t o = opts ? *opts : xent_prf_options_default();
  int64_t C = state->classes;
  if ((unsigned)o.average > XENT_AVERAGE_SAMPLES)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->average = %d is not a xent_average_t",
                      (int)o.average);
  if (!(o.beta >= 0))
    return xent__fail(XENT_ERR_ARGUMENT, "opts->beta = %g must be >= 0", o.beta);
  if (!(o.zero_division == 0 || o.zero_division == 1 || isnan(o.zero_division)))
    return xent__fail(XENT_ERR_ARGUMENT, "opts->zero_division = %g must be 0, 1 or NaN",
                      o.zero_division);
  if (o.average == XENT_AVERAGE_SAMPLES && state->kind != XENT_CONFUSION_MULTILABEL)
    return xent__fail(XENT_ERR_ARGUMENT, "the 'samples' average needs a multi-label state");
  if (o.average == XENT_AVERAGE_SAMPLES && o.labels)
    return xent__fail(XENT_ERR_ARGUMENT, "the 'samples' average is over all labels; "
                      "opts->labels must be NULL");
  if (o.average == XENT_AVERAGE_BINARY) {
    if (state->kind != XENT_CONFUSION_MULTICLASS || C > 2)
      return xent__fail(XENT_ERR_ARGUMENT, "the 'binary' average needs a multi-class state "
                        "with at most 2 classes; choose another average (or labels = "
                        "{pos_label} with MICRO)");
    if (o.pos_label < 0 || o.pos_label >= C)
      return xent__fail(XENT_ERR_INDEX, "opts->pos_label = %" PRId64 " is outside [0, %" PRId64
                        ")", o.pos_label, C);
  }
  if (o.labels && o.num_labels < 1)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->num_labels = %" PRId64 " must be at least 1",
                      o.num_labels);
  int64_t L = o.average == XENT_AVERAGE_BINARY ? 1 : o.labels ? o.num_labels : C;
  for (int64_t i = 0; o.labels && o.average != XENT_AVERAGE_BINARY && i < L; i++)
    if (o.labels[i] < 0 || o.labels[i] >= C)
      return xent__fail(XENT_ERR_INDEX, "opts->labels[%" PRId64 "] = %" PRId64
                        " is outside [0, %" PRId64 ")", i, o.labels[i], C);
  int64_t nout = o.average == XENT_AVERAGE_NONE ? L : 1;
  XENT__TRY(xent__m_check_out(precision, "precision", nout));
  XENT__TRY(xent__m_check_out(recall, "recall", nout));
  XENT__TRY(xent__m_check_out(fscore, "fscore", nout));
  XENT__TRY(xent__m_check_out(support, "support", L));

  double *buf = calloc((size_t)(7 * L + 3), sizeof *buf);
  if (!buf) return xent__fail(XENT_ERR_NOMEM, "could not allocate %" PRId64 " labels", L);
  double *tp = buf, *pred = buf + L, *truth = buf + 2 * L;
  double *P = buf + 3 * L, *R = buf + 4 * L, *F = buf + 5 * L, *S = buf + 6 * L;
  for (int64_t i = 0; i < L; i++) {
    int64_t c = o.average == XENT_AVERAGE_BINARY ? o.pos_label : o.labels ? o.labels[i] : i;
    class_counts k = counts_of(state, c);
    tp[i] = k.tp, pred[i] = k.pred, truth[i] = k.truth, S[i] = k.truth;
  }
  double zd = o.zero_division;
  double out_p, out_r, out_f;
  if (o.average == XENT_AVERAGE_MICRO) {
    xent_ref_sum a = {0, 0}, b = {0, 0}, c = {0, 0};
    for (int64_t i = 0; i < L; i++)
      xent_ref_sum_add(&a, tp[i]), xent_ref_sum_add(&b, pred[i]), xent_ref_sum_add(&c, truth[i]);
    prf v = prf_of(xent_ref_sum_value(&a), xent_ref_sum_value(&b), xent_ref_sum_value(&c),
                   o.beta, zd);
    out_p = v.p, out_r = v.r, out_f = v.f;
  } else if (o.average == XENT_AVERAGE_SAMPLES) {
    /* one entry per distinct (tp, true, predicted) triple, with its weight */
    const triple_map *m = &state->samples;
    int64_t n = m->count, j = 0;
    double *vals = malloc((size_t)(4 * (n ? n : 1)) * sizeof *vals);
    if (!vals) {
      free(buf);
      return xent__fail(XENT_ERR_NOMEM, "could not allocate the samples average");
    }
    double *vp = vals, *vr = vals + n, *vf = vals + 2 * n, *vw = vals + 3 * n;
    for (int64_t i = 0; i < m->cap; i++) {
      uint64_t key = m->keys[i];
      if (key == TRIPLE_EMPTY) continue;
      double a = (double)(key & MAX_LABELS), t = (double)((key >> 21) & MAX_LABELS);
      double p = (double)(key >> 42);
      prf v = prf_of(a, p, t, o.beta, zd);
      vp[j] = v.p, vr[j] = v.r, vf[j] = v.f;
      vw[j] = xent__m_value(m->w[2 * i], m->w[2 * i + 1]);
      j++;
    }
    out_p = nanaverage(vp, vw, n);
    out_r = nanaverage(vr, vw, n);
    out_f = nanaverage(vf, vw, n);
    free(vals);
  } else {
    for (int64_t i = 0; i < L; i++) {
      prf v = prf_of(tp[i], pred[i], truth[i], o.beta, zd);
      P[i] = v.p, R[i] = v.r, F[i] = v.f;
    }
    const double *wts = o.average == XENT_AVERAGE_WEIGHTED ? truth : NULL;
    out_p = nanaverage(P, wts, L);
    out_r = nanaverage(R, wts, L);
    out_f = nanaverage(F, wts, L);
  }
  if (o.average == XENT_AVERAGE_NONE) {
    xent__m_write(precision, P, L);
    xent__m_write(recall, R, L);
    xent__m_write(fscore, F, L);
  } else if (o.average == XENT_AVERAGE_BINARY) {
    prf v = prf_of(tp[0], pred[0], truth[0], o.beta, zd);
    xent__m_write(precision, &v.p, 1);
    xent__m_write(recall, &v.r, 1);
    xent__m_write(fscore, &v.f, 1);
  } else {
    xent__m_write(precision, &out_p, 1);
    xent__m_write(recall, &out_r, 1);
    xent__m_write(fscore, &out_f, 1);
  }
  xent__m_write(support, S, L);
  free(buf);
  return XENT_OK;
}
