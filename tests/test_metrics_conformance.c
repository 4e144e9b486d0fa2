/*
 * The classification metrics against scikit-learn and Keras
 * (conformance/data/metrics.txt, written by conformance/generate_metrics.py).
 *
 * Each case is replayed through the public API. Ranking cases run three
 * ways: an exact state fed all the data, an exact state fed three batches
 * through three states that are then merged, and bounded states (a large
 * capacity must be exact; a small one must stay within its stated bound).
 * Tolerances allow the peer's rounding: scikit-learn computes in float64
 * with plain sums (a few ulps of the result), Keras in float32.
 */
#include "conformance_reader.h"
#include "harness.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int cases, values, failures;
} mstats;

/* ---- helpers ---- */

typedef struct {
  void *buf[XT_CONF_MAX_TENSORS];
  int n;
} bufs;

static xent_tensor_t tensor_of(const xt_conf_tensor *t, bufs *b) {
  void *p = calloc((size_t)(t->n ? t->n : 1), 8);
  b->buf[b->n++] = p;
  return xt_conf_tensor_of(t, p);
}

static void bufs_free(bufs *b) {
  for (int i = 0; i < b->n; i++) free(b->buf[i]);
  b->n = 0;
}

static int input(const xt_conf_case *c, const char *role, bufs *b, xent_tensor_t *out) {
  const xt_conf_tensor *t = xt_conf_get(c, role);
  if (!t || t->is_output) return 0;
  *out = tensor_of(t, b);
  return 1;
}

/* Rows [start, start + count) of a C-order tensor along axis 0. */
static xent_tensor_t rows(const xent_tensor_t *t, int64_t start, int64_t count) {
  xent_tensor_t v = *t;
  v.data = (char *)t->data + start * t->strides[0] * (int64_t)xent_dtype_size(t->dtype);
  v.shape[0] = count;
  return v;
}

static void check_values(const xt_conf_case *c, const char *what, const double *got,
                         const double *want, int64_t n, double rel, double abs_tol, mstats *st) {
  for (int64_t i = 0; i < n; i++) {
    st->values++;
    if (!xt_close(got[i], want[i], rel, abs_tol)) {
      st->failures++;
      xt_fail(__FILE__, __LINE__, "case %s: %s[%lld] = %.17g, peer gave %.17g", c->name, what,
              (long long)i, got[i], want[i]);
    }
  }
}

static void check_status(const xt_conf_case *c, const char *what, xent_status_t s, mstats *st) {
  if (s != XENT_OK) {
    st->failures++;
    xt_fail(__FILE__, __LINE__, "case %s: %s returned %s: %s", c->name, what,
            xent_status_name(s), xent_last_error());
  }
}

static xent_average_t parse_average(const char *s) {
  if (!strcmp(s, "binary")) return XENT_AVERAGE_BINARY;
  if (!strcmp(s, "micro")) return XENT_AVERAGE_MICRO;
  if (!strcmp(s, "macro")) return XENT_AVERAGE_MACRO;
  if (!strcmp(s, "weighted")) return XENT_AVERAGE_WEIGHTED;
  if (!strcmp(s, "samples")) return XENT_AVERAGE_SAMPLES;
  return XENT_AVERAGE_NONE;
}

static xent_metric_options_t opts_with(const xent_tensor_t *weights) {
  xent_metric_options_t o = xent_metric_options_default();
  o.sample_weights = weights;
  return o;
}

/* ---- ranking: ROC AUC and AP ---- */

typedef struct {
  xent_auc_task_t task;
  int64_t classes;
  xent_tensor_t y, s, w;
  int has_w;
} rank_input;

static int rank_setup(const xt_conf_case *c, bufs *b, rank_input *r) {
  const char *task = xt_conf_param(c, "task");
  r->task = !strcmp(task, "multiclass")   ? XENT_AUC_MULTICLASS
            : !strcmp(task, "multilabel") ? XENT_AUC_MULTILABEL
                                          : XENT_AUC_BINARY;
  r->classes = (int64_t)xt_conf_param_num(c, "classes", 1);
  if (!input(c, "y_true", b, &r->y) || !input(c, "y_score", b, &r->s)) return 0;
  r->has_w = input(c, "sample_weight", b, &r->w);
  return 1;
}

/* A state fed the data in `parts` batches, one state per batch, merged. */
static xent_status_t rank_state(const rank_input *r, int64_t capacity, int parts,
                                xent_auc_t **out) {
  xent_auc_config_t cfg = xent_auc_config_default();
  cfg.task = r->task;
  cfg.classes = r->classes;
  cfg.capacity = capacity;
  if (capacity && r->task == XENT_AUC_MULTICLASS) cfg.flags = XENT_AUC_ONE_VS_ONE;
  xent_status_t st = xent_auc_create(&cfg, out);
  if (st != XENT_OK) return st;
  int64_t n = r->y.shape[0];
  for (int p = 0; p < parts && st == XENT_OK; p++) {
    int64_t a = n * p / parts, z = n * (p + 1) / parts;
    xent_tensor_t y = rows(&r->y, a, z - a), s = rows(&r->s, a, z - a), w;
    if (r->has_w) w = rows(&r->w, a, z - a);
    xent_metric_options_t o = opts_with(r->has_w ? &w : NULL);
    if (parts == 1) {
      st = xent_auc_update(*out, &y, &s, &o);
    } else {
      xent_auc_t *part;
      st = xent_auc_create(&cfg, &part);
      if (st == XENT_OK) st = xent_auc_update(part, &y, &s, &o);
      if (st == XENT_OK) st = xent_auc_merge(*out, part);
      xent_auc_destroy(part);
    }
  }
  return st;
}

static void run_ranking(const xt_conf_case *c, mstats *st) {
  bufs b = {{0}, 0};
  rank_input r;
  if (!rank_setup(c, &b, &r)) {
    xt_fail(__FILE__, __LINE__, "case %s: missing inputs", c->name);
    bufs_free(&b);
    return;
  }
  xent_auc_options_t base = xent_auc_options_default();
  base.max_fpr = xt_conf_param_num(c, "max_fpr", 1.0);
  if (xt_conf_param_num(c, "ap_no_positives_is_zero", 0)) base.flags = XENT_AUC_AP_NO_POSITIVES_IS_ZERO;
  /* exact whole, exact merged, bounded large (exact), bounded small */
  xent_auc_t *states[4] = {0};
  const int64_t caps[4] = {0, 0, 1 << 20, 6};
  const int parts[4] = {1, 3, 2, 3};
  for (int k = 0; k < 4; k++) check_status(c, "building a state", rank_state(&r, caps[k], parts[k], &states[k]), st);
  for (int i = 0; i < c->ntensors; i++) {
    const xt_conf_tensor *t = &c->t[i];
    if (!t->is_output) continue;
    char role[32];
    snprintf(role, sizeof role, "%s", t->role);
    char *us = strchr(role, '_');
    if (!us) continue;
    *us = 0;
    xent_auc_options_t o = base;
    o.average = parse_average(us + 1);
    int roc = !strcmp(role, "roc") || !strcmp(role, "rocovo");
    if (!strcmp(role, "rocovo")) o.multi_class = XENT_MULTICLASS_OVO;
    int64_t n = t->n;
    double got[64], bound;
    xent_tensor_t out = xent_tensor_1d(got, XENT_F64, n);
    st->cases++;
    for (int k = 0; k < 4; k++) {
      if (!states[k]) continue;
      if (k == 3 && o.multi_class == XENT_MULTICLASS_OVO && r.task != XENT_AUC_MULTICLASS) continue;
      xent_status_t s = roc ? xent_roc_auc(states[k], &o, &out, &bound)
                            : xent_average_precision(states[k], &o, &out, &bound);
      check_status(c, t->role, s, st);
      if (s != XENT_OK) continue;
      if (k < 3) {
        check_values(c, t->role, got, t->values, n, 1e-12, 1e-14, st);
        if (k >= 2 && !(bound == 0 || isnan(bound))) {
          st->failures++;
          xt_fail(__FILE__, __LINE__, "case %s: %s bound %g with room for every score", c->name,
                  t->role, bound);
        }
      } else {
        /* small capacity: within the stated bound of the peer's value */
        for (int64_t j = 0; j < n; j++) {
          st->values++;
          double want = t->values[j];
          if (isnan(want) ? !isnan(got[j])
                          : !(fabs(got[j] - want) <= bound + 1e-12)) {
            st->failures++;
            xt_fail(__FILE__, __LINE__, "case %s: %s bounded = %.17g, peer %.17g, bound %g",
                    c->name, t->role, got[j], want, bound);
          }
        }
      }
    }
  }
  for (int k = 0; k < 4; k++) xent_auc_destroy(states[k]);
  bufs_free(&b);
}

static void run_curves(const xt_conf_case *c, mstats *st) {
  bufs b = {{0}, 0};
  rank_input r;
  if (!rank_setup(c, &b, &r)) {
    bufs_free(&b);
    return;
  }
  xent_auc_t *s = NULL;
  check_status(c, "state", rank_state(&r, 0, 2, &s), st);
  for (int drop = 0; drop < 2 && s; drop++) {
    char name[6][32];
    const char *stem[6] = {"rocfpr", "roctpr", "rocthr", "prp", "prr", "prthr"};
    const xt_conf_tensor *want[6];
    for (int i = 0; i < 6; i++) {
      snprintf(name[i], sizeof name[i], "%s_d%d", stem[i], drop);
      want[i] = xt_conf_get(c, name[i]);
    }
    if (!want[0]) continue;
    st->cases++;
    int64_t np = 0, npr = 0;
    check_status(c, "roc points", xent_roc_curve(s, 0, drop, &np, NULL, NULL, NULL), st);
    check_status(c, "pr points", xent_precision_recall_curve(s, 0, drop, &npr, NULL, NULL, NULL), st);
    if (np != want[0]->n || npr != want[3]->n) {
      st->failures++;
      xt_fail(__FILE__, __LINE__, "case %s drop %d: %lld / %lld points, peer %lld / %lld", c->name,
              drop, (long long)np, (long long)npr, (long long)want[0]->n, (long long)want[3]->n);
      continue;
    }
    double *v = calloc((size_t)(3 * (np + npr)), sizeof *v);
    xent_tensor_t f = xent_tensor_1d(v, XENT_F64, np), t = xent_tensor_1d(v + np, XENT_F64, np);
    xent_tensor_t th = xent_tensor_1d(v + 2 * np, XENT_F64, np);
    double *u = v + 3 * np;
    xent_tensor_t p = xent_tensor_1d(u, XENT_F64, npr), rc = xent_tensor_1d(u + npr, XENT_F64, npr);
    xent_tensor_t pth = xent_tensor_1d(u + 2 * npr, XENT_F64, npr - 1);
    check_status(c, "roc", xent_roc_curve(s, 0, drop, &np, &f, &t, &th), st);
    check_status(c, "pr", xent_precision_recall_curve(s, 0, drop, &npr, &p, &rc, &pth), st);
    check_values(c, name[0], v, want[0]->values, np, 1e-13, 1e-15, st);
    check_values(c, name[1], v + np, want[1]->values, np, 1e-13, 1e-15, st);
    check_values(c, name[2], v + 2 * np, want[2]->values, np, 0, 0, st);
    check_values(c, name[3], u, want[3]->values, npr, 1e-13, 1e-15, st);
    check_values(c, name[4], u + npr, want[4]->values, npr, 1e-13, 1e-15, st);
    check_values(c, name[5], u + 2 * npr, want[5]->values, npr - 1, 0, 0, st);
    free(v);
  }
  xent_auc_destroy(s);
  bufs_free(&b);
}

/* ---- confusion matrices and precision / recall / F ---- */

static xent_confusion_t *confusion_of(const xt_conf_case *c, bufs *b, mstats *st,
                                      int64_t *classes) {
  const char *kind = xt_conf_param(c, "kind");
  *classes = (int64_t)xt_conf_param_num(c, "classes", 1);
  xent_tensor_t y, p, w;
  if (!input(c, "y_true", b, &y) || !input(c, "y_pred", b, &p)) return NULL;
  int has_w = input(c, "sample_weight", b, &w);
  xent_confusion_t *s = NULL, *part = NULL;
  xent_confusion_kind_t k = !strcmp(kind, "multilabel") ? XENT_CONFUSION_MULTILABEL
                                                        : XENT_CONFUSION_MULTICLASS;
  check_status(c, "create", xent_confusion_create(k, *classes, 0.5, &s), st);
  check_status(c, "create", xent_confusion_create(k, *classes, 0.5, &part), st);
  if (!s || !part) return s;
  /* first half into s, second into part, then merge */
  int64_t n = y.shape[0], h = n / 2;
  for (int half = 0; half < 2; half++) {
    int64_t a = half ? h : 0, z = half ? n : h;
    xent_tensor_t ys = rows(&y, a, z - a), ps = rows(&p, a, z - a), ws;
    if (has_w) ws = rows(&w, a, z - a);
    xent_metric_options_t o = opts_with(has_w ? &ws : NULL);
    check_status(c, "update", xent_confusion_update(half ? part : s, &ys, &ps, &o), st);
  }
  check_status(c, "merge", xent_confusion_merge(s, part), st);
  xent_confusion_destroy(part);
  return s;
}

static void run_confusion(const xt_conf_case *c, mstats *st) {
  bufs b = {{0}, 0};
  int64_t C;
  xent_confusion_t *s = confusion_of(c, &b, st, &C);
  for (int i = 0; i < c->ntensors && s; i++) {
    const xt_conf_tensor *t = &c->t[i];
    if (!t->is_output) continue;
    st->cases++;
    double *v = calloc((size_t)t->n, sizeof *v);
    if (!strncmp(t->role, "cm_", 3)) {
      const char *nm = t->role + 3;
      xent_normalize_t norm = !strcmp(nm, "true")   ? XENT_NORMALIZE_TRUE
                              : !strcmp(nm, "pred") ? XENT_NORMALIZE_PRED
                              : !strcmp(nm, "all")  ? XENT_NORMALIZE_ALL
                                                    : XENT_NORMALIZE_NONE;
      xent_tensor_t out = xent_tensor_2d(v, XENT_F64, C, C);
      check_status(c, t->role, xent_confusion_matrix(s, norm, &out), st);
    } else if (!strcmp(t->role, "mcm")) {
      xent_tensor_t out = xent_tensor_3d(v, XENT_F64, C, 2, 2);
      check_status(c, t->role, xent_confusion_multilabel_matrix(s, &out), st);
    } else if (!strcmp(t->role, "support")) {
      xent_tensor_t out = xent_tensor_1d(v, XENT_F64, C);
      check_status(c, t->role, xent_precision_recall_fscore(s, NULL, NULL, NULL, NULL, &out), st);
    }
    check_values(c, t->role, v, t->values, t->n, 1e-12, 1e-13, st);
    free(v);
  }
  xent_confusion_destroy(s);
  bufs_free(&b);
}

static void run_prf(const xt_conf_case *c, mstats *st) {
  bufs b = {{0}, 0};
  int64_t C;
  xent_confusion_t *s = confusion_of(c, &b, st, &C);
  const xt_conf_tensor *lab = xt_conf_get(c, "labels");
  int64_t labels[64];
  for (int64_t i = 0; lab && i < lab->n; i++) labels[i] = (int64_t)lab->values[i];
  for (int i = 0; i < c->ntensors && s; i++) {
    const xt_conf_tensor *t = &c->t[i];
    if (!t->is_output) continue;
    /* role: <average>_b<beta>_zd<zd>[_pos<k>] */
    char role[32];
    snprintf(role, sizeof role, "%s", t->role);
    xent_prf_options_t o = xent_prf_options_default();
    char *tok = strtok(role, "_");
    o.average = parse_average(tok);
    while ((tok = strtok(NULL, "_"))) {
      if (tok[0] == 'b') o.beta = strtod(tok + 1, NULL);
      else if (!strncmp(tok, "zd", 2)) o.zero_division = strtod(tok + 2, NULL);
      else if (!strncmp(tok, "pos", 3)) o.pos_label = strtoll(tok + 3, NULL, 10);
    }
    if (lab) o.labels = labels, o.num_labels = lab->n;
    int64_t k = t->n / 3;
    double v[3 * 64];
    xent_tensor_t P = xent_tensor_1d(v, XENT_F64, k), R = xent_tensor_1d(v + k, XENT_F64, k);
    xent_tensor_t F = xent_tensor_1d(v + 2 * k, XENT_F64, k);
    st->cases++;
    check_status(c, t->role, xent_precision_recall_fscore(s, &o, &P, &R, &F, NULL), st);
    check_values(c, t->role, v, t->values, t->n, 1e-12, 1e-14, st);
  }
  xent_confusion_destroy(s);
  bufs_free(&b);
}

/* ---- log loss, Brier, calibration ---- */

static void run_probabilistic(const xt_conf_case *c, mstats *st) {
  bufs b = {{0}, 0};
  xent_tensor_t y, p, w;
  if (!input(c, "y_true", &b, &y) || !input(c, "y_prob", &b, &p)) return;
  int has_w = input(c, "sample_weight", &b, &w);
  xent_metric_options_t o = opts_with(has_w ? &w : NULL);
  /* scikit-learn takes the logs in y_prob's dtype */
  double rel = p.dtype == XENT_F32 ? 2e-6 : 1e-12;
  for (int i = 0; i < c->ntensors; i++) {
    const xt_conf_tensor *t = &c->t[i];
    if (!t->is_output) continue;
    xent_mean_state_t m;
    xent_mean_state_init(&m);
    xent_status_t s;
    if (!strcmp(t->role, "binary_log_loss"))
      s = xent_binary_log_loss_update(&m, &y, &p, XENT_LOG_LOSS_EPS_AUTO, &o);
    else if (!strcmp(t->role, "binary_brier"))
      s = xent_binary_brier_score_update(&m, &y, &p, &o);
    else if (!strcmp(t->role, "log_loss"))
      s = xent_log_loss_update(&m, &y, &p, XENT_LOG_LOSS_EPS_AUTO, &o);
    else if (!strcmp(t->role, "brier_auto"))
      s = xent_brier_score_update(&m, &y, &p, XENT_BRIER_SCALE_AUTO, &o);
    else
      s = xent_brier_score_update(&m, &y, &p, XENT_BRIER_SCALE_ONE, &o);
    st->cases++;
    check_status(c, t->role, s, st);
    double v;
    xent_mean_state_result(&m, XENT_EMPTY_NAN, &v);
    check_values(c, t->role, &v, t->values, 1, rel, 1e-15, st);
  }
  bufs_free(&b);
}

static void run_calibration(const xt_conf_case *c, mstats *st) {
  bufs b = {{0}, 0};
  xent_tensor_t y, p;
  if (!input(c, "y_true", &b, &y) || !input(c, "y_prob", &b, &p)) return;
  xent_calibration_config_t cfg = xent_calibration_config_default();
  cfg.bins = (int64_t)xt_conf_param_num(c, "bins", 5);
  cfg.strategy = !strcmp(xt_conf_param(c, "strategy"), "quantile") ? XENT_BINS_EQUAL_MASS
                                                                    : XENT_BINS_EQUAL_WIDTH;
  xent_calibration_t *s = NULL, *part = NULL;
  check_status(c, "create", xent_calibration_create(&cfg, &s), st);
  check_status(c, "create", xent_calibration_create(&cfg, &part), st);
  int64_t n = y.shape[0];
  xent_tensor_t y1 = rows(&y, 0, n / 3), p1 = rows(&p, 0, n / 3);
  xent_tensor_t y2 = rows(&y, n / 3, n - n / 3), p2 = rows(&p, n / 3, n - n / 3);
  check_status(c, "update", xent_calibration_update(s, &y1, &p1, NULL), st);
  check_status(c, "update", xent_calibration_update(part, &y2, &p2, NULL), st);
  check_status(c, "merge", xent_calibration_merge(s, part), st);
  int64_t B = cfg.bins;
  double *v = calloc((size_t)(3 * B), sizeof *v);
  xent_tensor_t W = xent_tensor_1d(v, XENT_F64, B), conf = xent_tensor_1d(v + B, XENT_F64, B);
  xent_tensor_t acc = xent_tensor_1d(v + 2 * B, XENT_F64, B);
  check_status(c, "table", xent_reliability_table(s, NULL, NULL, &W, &conf, &acc), st);
  /* scikit-learn lists the non-empty bins */
  double pt[256], pp[256];
  int64_t k = 0;
  for (int64_t i = 0; i < B; i++)
    if (v[i] > 0 && k < 256) pt[k] = v[2 * B + i], pp[k] = v[B + i], k++;
  const xt_conf_tensor *wt = xt_conf_get(c, "prob_true"), *wp = xt_conf_get(c, "prob_pred");
  st->cases++;
  if (k != wt->n) {
    st->failures++;
    xt_fail(__FILE__, __LINE__, "case %s: %lld non-empty bins, peer %lld", c->name, (long long)k,
            (long long)wt->n);
  } else {
    check_values(c, "prob_true", pt, wt->values, k, 1e-13, 1e-15, st);
    check_values(c, "prob_pred", pp, wp->values, k, 1e-13, 1e-15, st);
  }
  free(v);
  xent_calibration_destroy(s);
  xent_calibration_destroy(part);
  bufs_free(&b);
}

/* ---- Keras ---- */

/* Keras computes in float32: a few float32 ulps of the result. */
#define KREL 2e-6
#define KABS 1e-6

static void run_keras_mean(const xt_conf_case *c, mstats *st) {
  bufs b = {{0}, 0};
  xent_tensor_t y, p, w, oh;
  if (!input(c, "y_true", &b, &y) || !input(c, "y_pred", &b, &p)) return;
  int has_w = input(c, "sample_weight", &b, &w);
  int has_oh = input(c, "y_onehot", &b, &oh);
  xent_metric_options_t o = opts_with(has_w ? &w : NULL);
  for (int i = 0; i < c->ntensors; i++) {
    const xt_conf_tensor *t = &c->t[i];
    if (!t->is_output) continue;
    xent_mean_state_t m;
    xent_mean_state_init(&m);
    xent_status_t s = XENT_ERR_ARGUMENT;
    const char *r = t->role;
    if (!strcmp(c->op, "keras_accuracy")) s = xent_accuracy_update(&m, &y, &p, &o);
    else if (!strcmp(c->op, "keras_binary_accuracy"))
      s = xent_binary_accuracy_update(&m, &y, &p, xt_conf_param_num(c, "threshold", 0.5), &o);
    else if (!strcmp(r, "categorical") && has_oh) s = xent_categorical_accuracy_update(&m, &oh, &p, &o);
    else if (!strcmp(r, "sparse_categorical")) s = xent_sparse_categorical_accuracy_update(&m, &y, &p, &o);
    else if (!strncmp(r, "top_k", 5) && has_oh)
      s = xent_top_k_categorical_accuracy_update(&m, &oh, &p, strtoll(r + 5, NULL, 10), &o);
    else if (!strncmp(r, "sparse_top_k", 12))
      s = xent_sparse_top_k_categorical_accuracy_update(&m, &y, &p, strtoll(r + 12, NULL, 10), &o);
    st->cases++;
    check_status(c, r, s, st);
    double v;
    xent_mean_state_result(&m, XENT_EMPTY_ZERO, &v);
    check_values(c, r, &v, t->values, 1, KREL, KABS, st);
  }
  bufs_free(&b);
}

static void run_keras_pr(const xt_conf_case *c, mstats *st) {
  bufs b = {{0}, 0};
  xent_tensor_t y, p, w, thr;
  if (!input(c, "y_true", &b, &y) || !input(c, "y_pred", &b, &p)) return;
  int has_w = input(c, "sample_weight", &b, &w);
  xent_keras_pr_options_t po = xent_keras_pr_options_default();
  const xt_conf_tensor *tt = xt_conf_get(c, "thresholds");
  if (tt) {
    thr = tensor_of(tt, &b);
    po.thresholds = thr.data;
    po.num_thresholds = tt->n;
  }
  po.top_k = (int64_t)xt_conf_param_num(c, "top_k", 0);
  po.class_id = (int64_t)xt_conf_param_num(c, "class_id", -1);
  xent_keras_pr_t *s = NULL, *part = NULL;
  check_status(c, "create", xent_keras_pr_create(&po, &s), st);
  check_status(c, "create", xent_keras_pr_create(&po, &part), st);
  int64_t n = y.shape[0], h = n / 2;
  for (int half = 0; half < 2 && s && part; half++) {
    int64_t a = half ? h : 0, z = half ? n : h;
    xent_tensor_t ys = rows(&y, a, z - a), ps = rows(&p, a, z - a), ws;
    if (has_w) ws = rows(&w, a, z - a);
    xent_metric_options_t o = opts_with(has_w ? &ws : NULL);
    check_status(c, "update", xent_keras_pr_update(half ? part : s, &ys, &ps, &o), st);
  }
  check_status(c, "merge", xent_keras_pr_merge(s, part), st);
  const xt_conf_tensor *wp = xt_conf_get(c, "precision"), *wr = xt_conf_get(c, "recall");
  double v[64];
  xent_tensor_t P = xent_tensor_1d(v, XENT_F64, wp->n), R = xent_tensor_1d(v + 32, XENT_F64, wr->n);
  st->cases++;
  check_status(c, "result", xent_keras_pr_result(s, &P, &R), st);
  check_values(c, "precision", v, wp->values, wp->n, KREL, KABS, st);
  check_values(c, "recall", v + 32, wr->values, wr->n, KREL, KABS, st);
  xent_keras_pr_destroy(s);
  xent_keras_pr_destroy(part);
  bufs_free(&b);
}

static void run_keras_auc(const xt_conf_case *c, mstats *st) {
  bufs b = {{0}, 0};
  xent_tensor_t y, p, w, thr, lw;
  if (!input(c, "y_true", &b, &y) || !input(c, "y_pred", &b, &p)) return;
  int has_w = input(c, "sample_weight", &b, &w);
  xent_keras_auc_options_t ko = xent_keras_auc_options_default();
  ko.num_thresholds = (int64_t)xt_conf_param_num(c, "num_thresholds", 200);
  const char *curve = xt_conf_param(c, "curve"), *summ = xt_conf_param(c, "summation");
  ko.curve = !strcmp(curve, "PR") ? XENT_KERAS_CURVE_PR
             : !strcmp(curve, "PRGAIN") ? XENT_KERAS_CURVE_PRGAIN : XENT_KERAS_CURVE_ROC;
  ko.summation_method = !strcmp(summ, "minoring")   ? XENT_KERAS_MINORING
                        : !strcmp(summ, "majoring") ? XENT_KERAS_MAJORING
                                                    : XENT_KERAS_INTERPOLATION;
  ko.multi_label = (int)xt_conf_param_num(c, "multi_label", 0);
  ko.from_logits = (int)xt_conf_param_num(c, "from_logits", 0);
  if (ko.multi_label) ko.num_labels = y.shape[1];
  const xt_conf_tensor *tt = xt_conf_get(c, "thresholds"), *lt = xt_conf_get(c, "label_weights");
  if (tt) {
    thr = tensor_of(tt, &b);
    ko.thresholds = thr.data;
    ko.thresholds_count = tt->n;
  }
  if (lt) {
    lw = tensor_of(lt, &b);
    ko.label_weights = lw.data;
    ko.label_weights_count = lt->n;
  }
  xent_keras_auc_t *s = NULL, *part = NULL;
  check_status(c, "create", xent_keras_auc_create(&ko, &s), st);
  check_status(c, "create", xent_keras_auc_create(&ko, &part), st);
  if (!s || !part) {
    bufs_free(&b);
    return;
  }
  int64_t n = y.shape[0], h = n / 3;
  for (int half = 0; half < 2; half++) {
    int64_t a = half ? h : 0, z = half ? n : h;
    xent_tensor_t ys = rows(&y, a, z - a), ps = rows(&p, a, z - a), ws;
    if (has_w) ws = rows(&w, a, z - a);
    xent_metric_options_t o = opts_with(has_w ? &ws : NULL);
    check_status(c, "update", xent_keras_auc_update(half ? part : s, &ys, &ps, &o), st);
  }
  check_status(c, "merge", xent_keras_auc_merge(s, part), st);
  double auc, gap;
  st->cases++;
  check_status(c, "result", xent_keras_auc_result(s, &auc, &gap), st);
  check_values(c, "auc", &auc, xt_conf_get(c, "auc")->values, 1, 1e-5, 2e-6, st);
  /* the counts: exact for unit weights (Keras sums float32 weights) */
  const char *roles[4] = {"tp", "fp", "tn", "fn"};
  int64_t cnt = xt_conf_get(c, "tp")->n;
  double *v = calloc((size_t)(4 * cnt), sizeof *v);
  xent_tensor_t ct[4];
  for (int k = 0; k < 4; k++) ct[k] = xent_tensor_1d(v + k * cnt, XENT_F64, cnt);
  check_status(c, "counts", xent_keras_auc_counts(s, &ct[0], &ct[1], &ct[2], &ct[3]), st);
  /* Keras's float32 sums (tn = total - fp) err by a few float32 ulps of the
   * total weight */
  const xt_conf_tensor *e0 = xt_conf_get(c, "tp"), *e1 = xt_conf_get(c, "fp");
  const xt_conf_tensor *e2 = xt_conf_get(c, "tn"), *e3 = xt_conf_get(c, "fn");
  double total = e0->values[0] + e1->values[0] + e2->values[0] + e3->values[0];
  for (int k = 0; k < 4; k++)
    check_values(c, roles[k], v + k * cnt, xt_conf_get(c, roles[k])->values, cnt,
                 has_w ? 1e-6 : 0, has_w ? 1e-6 * fabs(total) : 0, st);
  free(v);
  /* The documented bound: |Keras ROC AUC - exact AUC| <= gap (binary
   * problems over every element, sample weights broadcast). */
  if (ko.curve == XENT_KERAS_CURVE_ROC && !ko.multi_label && !lt && !ko.from_logits &&
      !isnan(gap)) {
    xent_auc_t *e = NULL;
    check_status(c, "exact", xent_auc_create(NULL, &e), st);
    xent_metric_options_t o = opts_with(has_w ? &w : NULL);
    check_status(c, "exact update", xent_auc_update(e, &y, &p, &o), st);
    double exact;
    xent_tensor_t out = xent_tensor_1d(&exact, XENT_F64, 1);
    check_status(c, "exact roc", xent_roc_auc(e, NULL, &out, NULL), st);
    st->values++;
    if (!(fabs(auc - exact) <= gap + 1e-12)) {
      st->failures++;
      xt_fail(__FILE__, __LINE__, "case %s: Keras AUC %.17g, exact %.17g, gap bound %g", c->name,
              auc, exact, gap);
    }
    xent_auc_destroy(e);
  }
  xent_keras_auc_destroy(s);
  xent_keras_auc_destroy(part);
  bufs_free(&b);
}

void test_metrics_conformance(void) {
  xt_conf_file *f = xt_conf_open("metrics");
  XT_CHECK(f != NULL);
  if (!f) return;
  xt_conf_case c;
  mstats st = {0, 0, 0};
  int r;
  while ((r = xt_conf_next(f, &c)) == 1) {
    const char *op = c.op;
    if (!strcmp(op, "ranking")) run_ranking(&c, &st);
    else if (!strcmp(op, "curves")) run_curves(&c, &st);
    else if (!strcmp(op, "confusion")) run_confusion(&c, &st);
    else if (!strcmp(op, "prf")) run_prf(&c, &st);
    else if (!strcmp(op, "probabilistic")) run_probabilistic(&c, &st);
    else if (!strcmp(op, "calibration_curve")) run_calibration(&c, &st);
    else if (!strcmp(op, "keras_accuracy") || !strcmp(op, "keras_binary_accuracy") ||
             !strcmp(op, "keras_categorical"))
      run_keras_mean(&c, &st);
    else if (!strcmp(op, "keras_precision_recall")) run_keras_pr(&c, &st);
    else if (!strcmp(op, "keras_auc")) run_keras_auc(&c, &st);
    else xt_fail(__FILE__, __LINE__, "case %s: unknown op %s", c.name, op);
  }
  XT_CHECK(r == 0);
  XT_CHECK(st.cases > 500);
  printf("  conformance metrics: %d checks, %d values, %d mismatches\n", st.cases, st.values,
         st.failures);
  xt_conf_close(f);
}
