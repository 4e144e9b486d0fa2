/*
 * Calibration: the reliability table (scikit-learn's calibration_curve
 * binning), expected and maximum calibration error, for equal-width bins
 * (three compensated sums per bin) and equal-mass bins (every (confidence,
 * outcome, weight) entry kept, since the edges are quantiles of all the data).
 */
#include "metrics_internal.h"

#include <inttypes.h>
#include <stdlib.h>

struct xent_calibration_t {
  xent_calibration_config_t cfg;
  double *edges; /* equal width: B + 1 edges */
  double *sums;  /* equal width: per bin (sum, comp) of w, w c, w o */
  double *c, *w; /* equal mass: entries */
  uint8_t *o;
  int64_t n, cap;
};

xent_calibration_config_t xent_calibration_config_default(void) {
  xent_calibration_config_t c;
  memset(&c, 0, sizeof c);
  c.kind = XENT_CALIBRATION_BINARY;
  c.bins = 10;
  c.strategy = XENT_BINS_EQUAL_WIDTH;
  return c;
}

/* numpy.linspace(0, 1, B + 1) */
static void linspace01(double *e, int64_t B) {
  double step = 1.0 / (double)B;
  for (int64_t i = 0; i < B; i++) e[i] = (double)i * step;
  e[B] = 1.0;
}

xent_status_t xent_calibration_create(const xent_calibration_config_t *config,
                                      xent_calibration_t **state) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  *state = NULL;
  xent_calibration_config_t cfg = config ? *config : xent_calibration_config_default();
  if ((unsigned)cfg.kind > XENT_CALIBRATION_TOP_LABEL)
    return xent__fail(XENT_ERR_ARGUMENT, "config->kind = %d is not a xent_calibration_kind_t",
                      (int)cfg.kind);
  if ((unsigned)cfg.strategy > XENT_BINS_EQUAL_MASS)
    return xent__fail(XENT_ERR_ARGUMENT, "config->strategy = %d is not a xent_bins_t",
                      (int)cfg.strategy);
  if (cfg.bins < 1 || cfg.bins > ((int64_t)1 << 30))
    return xent__fail(XENT_ERR_ARGUMENT, "config->bins = %" PRId64 " is outside [1, 2^30]",
                      cfg.bins);
  xent_calibration_t *s = calloc(1, sizeof *s);
  if (!s) return xent__fail(XENT_ERR_NOMEM, "could not allocate a calibration state");
  s->cfg = cfg;
  if (cfg.strategy == XENT_BINS_EQUAL_WIDTH) {
    s->edges = malloc((size_t)(cfg.bins + 1) * sizeof *s->edges);
    s->sums = calloc((size_t)(6 * cfg.bins), sizeof *s->sums);
    if (!s->edges || !s->sums) {
      xent_calibration_destroy(s);
      return xent__fail(XENT_ERR_NOMEM, "could not allocate %" PRId64 " bins", cfg.bins);
    }
    linspace01(s->edges, cfg.bins);
  }
  *state = s;
  return XENT_OK;
}

xent_status_t xent_calibration_destroy(xent_calibration_t *state) {
  xent__clear_error();
  if (!state) return XENT_OK;
  free(state->edges), free(state->sums), free(state->c), free(state->w), free(state->o);
  free(state);
  return XENT_OK;
}

xent_status_t xent_calibration_reset(xent_calibration_t *state) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  if (state->sums) memset(state->sums, 0, (size_t)(6 * state->cfg.bins) * sizeof *state->sums);
  state->n = 0;
  return XENT_OK;
}

/* numpy.searchsorted(edges[1:-1], c, side='left'): the number of inner edges
 * below c. */
static int64_t bin_of(const double *edges, int64_t B, double c) {
  int64_t lo = 0, hi = B - 1; /* inner edges are edges[1 .. B-1] */
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (edges[mid + 1] < c) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static xent_status_t reserve_entries(xent_calibration_t *s, int64_t need) {
  if (need <= s->cap) return XENT_OK;
  int64_t c1 = s->cap, c2 = s->cap, c3 = s->cap;
  XENT__TRY(xent__m_reserve((void **)&s->c, &c1, need, sizeof *s->c));
  XENT__TRY(xent__m_reserve((void **)&s->w, &c2, need, sizeof *s->w));
  XENT__TRY(xent__m_reserve((void **)&s->o, &c3, need, sizeof *s->o));
  s->cap = c1;
  return XENT_OK;
}

static xent_status_t load_prob(const xent__m_walk *w, int64_t j, double *p) {
  XENT__TRY(xent__m_load_pred(w, j, p));
  if (*p < 0 || *p > 1) {
    char where[160];
    return xent__fail(XENT_ERR_VALUE, "y_prob%s = %g is outside [0, 1]",
                      xent__m_where_pred(w, j, where, sizeof where), *p);
  }
  return XENT_OK;
}

xent_status_t xent_calibration_update(xent_calibration_t *state, const xent_tensor_t *y_true,
                                      const xent_tensor_t *y_prob,
                                      const xent_metric_options_t *opts) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  int top = state->cfg.kind == XENT_CALIBRATION_TOP_LABEL;
  xent__m_walk w;
  XENT__TRY(xent__m_plan(&w, top ? XENT__M_SPARSE : XENT__M_ELEMENTWISE, y_true, "y_true",
                         y_prob, "y_prob", XENT__M_TRUE_FLOAT, XENT__M_TRUE_ANY, opts));
  int64_t B = state->cfg.bins, n0 = state->n;
  int mass = state->cfg.strategy == XENT_BINS_EQUAL_MASS;
  double *sums = NULL;
  if (!mass) {
    sums = malloc((size_t)(6 * B) * sizeof *sums);
    if (!sums) return xent__fail(XENT_ERR_NOMEM, "could not allocate %" PRId64 " bins", B);
    memcpy(sums, state->sums, (size_t)(6 * B) * sizeof *sums);
  }
  xent_status_t st = XENT_OK;
  for (int64_t r = 0; r < w.it.count && st == XENT_OK; r++) {
    xent__m_row(&w, r);
    for (int64_t i = 0; i < w.per_row; i++) {
      double weight, conf;
      int counted = xent__m_position(&w, i, &weight);
      if (counted < 0) {
        st = XENT_ERR_VALUE;
        break;
      }
      if (!counted) continue;
      int outcome;
      if (top) {
        int64_t label, k;
        if ((st = xent__m_load_class(&w, 0, w.length, &label)) != XENT_OK) break;
        for (int64_t c = 0; c < w.length && st == XENT_OK; c++) {
          double p;
          st = load_prob(&w, c, &p);
        }
        if (st != XENT_OK) break;
        if ((st = xent__m_argmax(&w, &k, &conf)) != XENT_OK) break;
        outcome = k == label;
      } else {
        if ((st = load_prob(&w, i, &conf)) != XENT_OK) break;
        if ((st = xent__m_load_binary(&w, i, &outcome)) != XENT_OK) break;
      }
      if (mass) {
        if ((st = reserve_entries(state, state->n + 1)) != XENT_OK) break;
        state->c[state->n] = conf, state->w[state->n] = weight;
        state->o[state->n] = (uint8_t)outcome;
        state->n++;
      } else {
        int64_t b = bin_of(state->edges, B, conf);
        xent__m_add(&sums[6 * b], &sums[6 * b + 1], weight);
        xent__m_add(&sums[6 * b + 2], &sums[6 * b + 3], weight * conf);
        xent__m_add(&sums[6 * b + 4], &sums[6 * b + 5], outcome ? weight : 0.0);
      }
    }
  }
  if (st == XENT_OK && !mass) memcpy(state->sums, sums, (size_t)(6 * B) * sizeof *sums);
  if (st != XENT_OK) state->n = n0;
  free(sums);
  return st;
}

xent_status_t xent_calibration_merge(xent_calibration_t *into, const xent_calibration_t *from) {
  xent__clear_error();
  if (!into) return xent__fail(XENT_ERR_NULL, "into is NULL");
  if (!from) return xent__fail(XENT_ERR_NULL, "from is NULL");
  if (into == from || into->cfg.kind != from->cfg.kind || into->cfg.bins != from->cfg.bins ||
      into->cfg.strategy != from->cfg.strategy)
    return xent__fail(XENT_ERR_ARGUMENT, "the states have different configurations");
  if (into->sums) {
    for (int64_t i = 0; i < 3 * into->cfg.bins; i++) {
      xent__m_add(&into->sums[2 * i], &into->sums[2 * i + 1], from->sums[2 * i]);
      xent__m_add(&into->sums[2 * i], &into->sums[2 * i + 1], from->sums[2 * i + 1]);
    }
    return XENT_OK;
  }
  XENT__TRY(reserve_entries(into, into->n + from->n));
  memcpy(into->c + into->n, from->c, (size_t)from->n * sizeof *from->c);
  memcpy(into->w + into->n, from->w, (size_t)from->n * sizeof *from->w);
  memcpy(into->o + into->n, from->o, (size_t)from->n * sizeof *from->o);
  into->n += from->n;
  return XENT_OK;
}

/* numpy's _lerp: a + (b - a) t, or b - (b - a)(1 - t) for t >= 0.5. */
static double lerp(double a, double b, double t) {
  double d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/* The table: edges (B + 1), and per bin W, sum w c, sum w o. */
typedef struct {
  double *edges, *W, *C, *O;
} table;

static void table_free(table *t) {
  free(t->edges);
  memset(t, 0, sizeof *t);
}

static xent_status_t build_table(const xent_calibration_t *s, table *t) {
  int64_t B = s->cfg.bins;
  memset(t, 0, sizeof *t);
  t->edges = calloc((size_t)(4 * B + 1), sizeof *t->edges);
  if (!t->edges) return xent__fail(XENT_ERR_NOMEM, "could not allocate %" PRId64 " bins", B);
  t->W = t->edges + B + 1, t->C = t->W + B, t->O = t->C + B;
  if (s->sums) {
    memcpy(t->edges, s->edges, (size_t)(B + 1) * sizeof *t->edges);
    for (int64_t b = 0; b < B; b++) {
      t->W[b] = xent__m_value(s->sums[6 * b], s->sums[6 * b + 1]);
      t->C[b] = xent__m_value(s->sums[6 * b + 2], s->sums[6 * b + 3]);
      t->O[b] = xent__m_value(s->sums[6 * b + 4], s->sums[6 * b + 5]);
    }
    return XENT_OK;
  }
  int64_t n = s->n;
  if (n == 0) {
    for (int64_t i = 0; i <= B; i++) t->edges[i] = NAN;
    return XENT_OK;
  }
  uint64_t *keys = malloc((size_t)n * sizeof *keys);
  if (!keys) {
    table_free(t);
    return xent__fail(XENT_ERR_NOMEM, "could not sort %" PRId64 " confidences", n);
  }
  for (int64_t i = 0; i < n; i++) keys[i] = xent__m_key(s->c[i]);
  xent_status_t st = xent__m_sort(keys, NULL, NULL, 0, n);
  if (st != XENT_OK) {
    free(keys), table_free(t);
    return st;
  }
  /* numpy.percentile(c, linspace(0, 1, B + 1) * 100), method 'linear' */
  double *q = malloc((size_t)(B + 1) * sizeof *q);
  if (!q) {
    free(keys), table_free(t);
    return xent__fail(XENT_ERR_NOMEM, "could not allocate quantiles");
  }
  linspace01(q, B);
  for (int64_t i = 0; i <= B; i++) {
    double quant = (q[i] * 100.0) / 100.0;
    double virt = (double)(n - 1) * quant;
    if (virt >= (double)(n - 1)) {
      t->edges[i] = xent__m_unkey(keys[n - 1]);
    } else if (virt < 0) {
      t->edges[i] = xent__m_unkey(keys[0]);
    } else {
      double prev = floor(virt);
      int64_t j = (int64_t)prev;
      t->edges[i] = lerp(xent__m_unkey(keys[j]), xent__m_unkey(keys[j + 1]), virt - prev);
    }
  }
  free(q), free(keys);
  xent_ref_sum *acc = calloc((size_t)(3 * B), sizeof *acc);
  if (!acc) {
    table_free(t);
    return xent__fail(XENT_ERR_NOMEM, "could not allocate %" PRId64 " bins", B);
  }
  for (int64_t i = 0; i < n; i++) {
    int64_t b = bin_of(t->edges, B, s->c[i]);
    xent_ref_sum_add(&acc[3 * b], s->w[i]);
    xent_ref_sum_add(&acc[3 * b + 1], s->w[i] * s->c[i]);
    xent_ref_sum_add(&acc[3 * b + 2], s->o[i] ? s->w[i] : 0.0);
  }
  for (int64_t b = 0; b < B; b++) {
    t->W[b] = xent_ref_sum_value(&acc[3 * b]);
    t->C[b] = xent_ref_sum_value(&acc[3 * b + 1]);
    t->O[b] = xent_ref_sum_value(&acc[3 * b + 2]);
  }
  free(acc);
  return XENT_OK;
}

xent_status_t xent_calibration_error(const xent_calibration_t *state, double *ece,
                                     double *mce) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  table t;
  XENT__TRY(build_table(state, &t));
  xent_ref_sum total = {0, 0}, num = {0, 0};
  double worst = NAN;
  for (int64_t b = 0; b < state->cfg.bins; b++) {
    if (!(t.W[b] > 0)) continue;
    double gap = fabs(t.O[b] / t.W[b] - t.C[b] / t.W[b]);
    xent_ref_sum_add(&total, t.W[b]);
    xent_ref_sum_add(&num, t.W[b] * gap);
    if (isnan(worst) || gap > worst) worst = gap;
  }
  double W = xent_ref_sum_value(&total);
  if (ece) *ece = W > 0 ? xent_ref_sum_value(&num) / W : NAN;
  if (mce) *mce = worst;
  table_free(&t);
  return XENT_OK;
}

xent_status_t xent_reliability_table(const xent_calibration_t *state,
                                     const xent_tensor_t *lower, const xent_tensor_t *upper,
                                     const xent_tensor_t *weight,
                                     const xent_tensor_t *confidence,
                                     const xent_tensor_t *accuracy) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  int64_t B = state->cfg.bins;
  XENT__TRY(xent__m_check_out(lower, "lower", B));
  XENT__TRY(xent__m_check_out(upper, "upper", B));
  XENT__TRY(xent__m_check_out(weight, "weight", B));
  XENT__TRY(xent__m_check_out(confidence, "confidence", B));
  XENT__TRY(xent__m_check_out(accuracy, "accuracy", B));
  table t;
  XENT__TRY(build_table(state, &t));
  for (int64_t b = 0; b < B; b++) {
    if (lower) xent__m_store_at(lower, b, t.edges[b]);
    if (upper) xent__m_store_at(upper, b, t.edges[b + 1]);
    if (weight) xent__m_store_at(weight, b, t.W[b]);
    if (confidence) xent__m_store_at(confidence, b, t.W[b] > 0 ? t.C[b] / t.W[b] : NAN);
    if (accuracy) xent__m_store_at(accuracy, b, t.W[b] > 0 ? t.O[b] / t.W[b] : NAN);
  }
  table_free(&t);
  return XENT_OK;
}
