/* The second pass of `xent eval`: every metric, chunk by chunk, through
 * xent's streaming states. */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Above this many scores (rows x columns) the AUC state switches to its
 * bounded mode unless --auc exact is given: the exact mode keeps 8 bytes per
 * score. */
#define XCLI_EXACT_AUC_SCORES ((int64_t)1 << 22)
/* Memory for a bounded AUC state in the automatic setting. */
#define XCLI_AUC_BUDGET ((int64_t)256 << 20)
/* The largest multi-class problem whose C x C confusion state is kept. */
#define XCLI_MAX_CONFUSION_CLASSES 2048
/* Curves drawn per plot (then the micro average). */
#define XCLI_MAX_CURVES 10

void xcli_note(xcli_results *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char buf[1024];
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  char **n = realloc(r->notes, (size_t)(r->nnotes + 1) * sizeof *n);
  if (!n) return;
  r->notes = n;
  r->notes[r->nnotes] = xcli_strdup(buf);
  if (r->notes[r->nnotes]) r->nnotes++;
}

/* ---- chunks of both files as xent tensors ---- */

static bool exclusive_labels(const xcli_detection *det) {
  if (det->sparse_labels) return true;
  if (det->labels == XCLI_LAB_ONE_HOT) return true;
  if (det->labels == XCLI_LAB_SOFT && det->classes >= 2 &&
      (det->task == XCLI_TASK_MULTICLASS || det->task == XCLI_TASK_BINARY))
    return true;
  return false;
}

static bool softmax_task(const xcli_detection *det) {
  return det->classes >= 2 &&
         (det->task == XCLI_TASK_MULTICLASS || det->task == XCLI_TASK_BINARY);
}

xcli_status xcli_work_init(xcli_work *w, const xcli_data *d, int64_t chunk_values,
                           xcli_error *err) {
  memset(w, 0, sizeof *w);
  const int64_t C = d->det.classes;
  int64_t cap = chunk_values > 0 ? chunk_values : (int64_t)1 << 16;
  cap = cap / C > 0 ? cap / C : 1;
  w->rows_cap = cap;
  xcli_status st = xcli_chunk_init(&w->oc, cap, d->out.width, err);
  if (st == XCLI_OK) st = xcli_chunk_init(&w->lc, cap, d->lab.width, err);
  if (st != XCLI_OK) return st;
  w->prob = malloc((size_t)(cap * C) * sizeof *w->prob);
  w->dense = malloc((size_t)(cap * C) * sizeof *w->dense);
  w->idx = malloc((size_t)cap * sizeof *w->idx);
  w->pair = malloc((size_t)cap * 2 * sizeof *w->pair);
  if (!w->prob || !w->dense || !w->idx || !w->pair)
    return xcli_fail(err, XCLI_ERR_NOMEM, NULL, "out of memory");
  return XCLI_OK;
}

void xcli_work_free(xcli_work *w) {
  xcli_chunk_free(&w->oc);
  xcli_chunk_free(&w->lc);
  free(w->prob);
  free(w->dense);
  free(w->idx);
  free(w->pair);
  memset(w, 0, sizeof *w);
}

xcli_status xcli_work_next(xcli_work *w, xcli_data *d, xcli_batch *b, int64_t *rows,
                           xcli_error *err) {
  const xcli_detection *det = &d->det;
  const int64_t C = det->classes;
  /* The previous chunk's pages are done with. */
  if (w->oc.rows) xcli_source_release(&d->out, w->oc.first, w->oc.rows);
  if (w->lc.rows) xcli_source_release(&d->lab, w->lc.first, w->lc.rows);
  xcli_status st = xcli_source_read(&d->out, &w->oc, true, err);
  if (st == XCLI_OK) st = xcli_source_read(&d->lab, &w->lc, false, err);
  if (st != XCLI_OK) return st;
  if (w->oc.rows != w->lc.rows)
    return xcli_fail(err, XCLI_ERR_FORMAT, w->oc.rows < w->lc.rows ? d->out.path : d->lab.path,
                     "file changed while it was read");
  const int64_t k = w->oc.rows;
  *rows = k;
  memset(b, 0, sizeof *b);
  if (k == 0) return XCLI_OK;
  b->rows = k;
  b->classes = C;
  b->x = xent_tensor_2d((void *)w->oc.data, w->oc.dtype, k, C);
  double *lab = w->lc.buf; /* labels are always converted to f64 */
  if (det->sparse_labels) {
    for (int64_t r = 0; r < k; r++) {
      double v = lab[r];
      w->idx[r] = isfinite(v) && v == floor(v) && fabs(v) < 9e15 ? (int64_t)v : -1;
    }
    xent_tensor_t it = xent_tensor_1d(w->idx, XENT_I64, k);
    b->dense = xent_tensor_2d(w->dense, XENT_F64, k, C);
    if (xent_one_hot(&it, -1, 1.0, 0.0, XENT_ONE_HOT_OUT_OF_RANGE_IS_OFF, &b->dense) !=
        XENT_OK)
      return xcli_fail(err, XCLI_ERR_ARGUMENT, NULL, "xent_one_hot: %s", xent_last_error());
    b->idx = it;
    b->has_idx = true;
  } else {
    if (det->labels == XCLI_LAB_BINARY || det->labels == XCLI_LAB_MULTI_HOT)
      for (int64_t i = 0; i < k * C; i++)
        if (lab[i] == -1) lab[i] = 0; /* -1/1 encoding */
    b->dense = xent_tensor_2d(lab, XENT_F64, k, C);
    if (exclusive_labels(det)) {
      b->idx = xent_tensor_1d(w->idx, XENT_I64, k);
      if (xent_argmax(&b->dense, -1, &b->idx) != XENT_OK)
        return xcli_fail(err, XCLI_ERR_ARGUMENT, NULL, "xent_argmax: %s", xent_last_error());
      b->has_idx = true;
    } else if (C == 1 && det->labels == XCLI_LAB_BINARY) {
      for (int64_t r = 0; r < k; r++) w->idx[r] = lab[r] == 1;
      b->idx = xent_tensor_1d(w->idx, XENT_I64, k);
      b->has_idx = true;
    }
  }
  b->soft = det->labels == XCLI_LAB_SOFT;
  if (det->outputs == XCLI_OUT_PROBABILITIES) {
    b->p = b->x;
  } else {
    b->p = xent_tensor_2d(w->prob, XENT_F64, k, C);
    xent_status_t s = softmax_task(det) ? xent_softmax(&b->x, -1, &b->p)
                                        : xent_sigmoid(&b->x, &b->p);
    if (s != XENT_OK)
      return xcli_fail(err, XCLI_ERR_ARGUMENT, NULL, "xent_softmax: %s", xent_last_error());
  }
  return XCLI_OK;
}

/* ---- eval ---- */

typedef struct states {
  xent_mean_state_t acc, topk[8], logloss, brier;
  xent_confusion_t *conf;
  xent_auc_t *auc;
  xent_calibration_t *cal;
  bool do_acc, do_conf, do_auc, do_proba, do_cal;
  double thr_x;        /* the decision threshold on the outputs' scale */
  int64_t auc_cols;
} states;

/* A library call failed: "xent_auc_update: <detail>" (exit code 5). */
static xcli_status lib_error(xcli_error *err, const char *what) {
  return xcli_fail(err, XCLI_ERR_VALUE, NULL, "%s: %s", what, xent_last_error());
}

/* Keeps the points of a curve in [0, 1]^2 that are more than 1/2000 apart
 * (a quarter of a pixel in the plots), and both ends. */
static void thin_curve(xcli_curve *c) {
  if (c->n <= 2) return;
  int64_t keep = 1;
  for (int64_t i = 1; i < c->n; i++) {
    double dx = fabs(c->x[i] - c->x[keep - 1]), dy = fabs(c->y[i] - c->y[keep - 1]);
    if (i == c->n - 1 || dx > 5e-4 || dy > 5e-4 || isnan(dx) || isnan(dy)) {
      c->x[keep] = c->x[i];
      c->y[keep] = c->y[i];
      keep++;
    }
  }
  c->n = keep;
}

static xcli_status get_curve(xent_auc_t *auc, int64_t column, bool roc, xcli_curve *c,
                             xcli_error *err) {
  int64_t n = 0;
  xent_status_t s = roc ? xent_roc_curve(auc, column, 1, &n, NULL, NULL, NULL)
                        : xent_precision_recall_curve(auc, column, 1, &n, NULL, NULL, NULL);
  if (s != XENT_OK) return lib_error(err, roc ? "xent_roc_curve" : "xent_precision_recall_curve");
  c->x = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
  c->y = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
  double *t = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
  if (!c->x || !c->y || !t) {
    free(t);
    return xcli_fail(err, XCLI_ERR_NOMEM, NULL, "out of memory");
  }
  xent_tensor_t tx = xent_tensor_1d(c->x, XENT_F64, n), ty = xent_tensor_1d(c->y, XENT_F64, n);
  xent_tensor_t tt = xent_tensor_1d(t, XENT_F64, roc ? n : n - 1);
  /* The PR curve comes as (precision, recall): plotted with recall on x. */
  s = roc ? xent_roc_curve(auc, column, 1, &n, &tx, &ty, &tt)
          : xent_precision_recall_curve(auc, column, 1, &n, &ty, &tx, &tt);
  free(t);
  if (s != XENT_OK) return lib_error(err, roc ? "xent_roc_curve" : "xent_precision_recall_curve");
  c->n = n;
  thin_curve(c);
  return XCLI_OK;
}

static double mean_result(const xent_mean_state_t *m) {
  double v = NAN;
  if (xent_mean_state_result(m, XENT_EMPTY_NAN, &v) != XENT_OK) return NAN;
  return v;
}

static xcli_status setup(const xcli_data *d, const xcli_eval_options *o, xcli_results *r,
                         states *s, xcli_error *err) {
  const xcli_detection *det = &d->det;
  const int64_t C = det->classes, N = det->rows;
  const bool softmax = softmax_task(det);
  const bool hard = det->labels != XCLI_LAB_SOFT && det->labels != XCLI_LAB_REAL;
  const bool exclusive = exclusive_labels(det);

  /* The right loss. */
  xcli_loss *L = &r->loss.loss;
  memset(&r->loss, 0, sizeof r->loss);
  if (det->task == XCLI_TASK_REGRESSION)
    xcli_loss_parse("mean_squared_error", L);
  else if (softmax)
    xcli_loss_parse(det->outputs == XCLI_OUT_PROBABILITIES
                        ? (det->labels == XCLI_LAB_SOFT ? "keras.categorical_crossentropy"
                                                        : "keras.sparse_categorical_crossentropy")
                        : "softmax_cross_entropy",
                    L);
  else
    xcli_loss_parse(det->outputs == XCLI_OUT_PROBABILITIES ? "keras.binary_crossentropy"
                                                           : "sigmoid_cross_entropy",
                    L);
  /* The softmax cross-entropy takes class indices where there are some (see
   * xcli_loss_add), else the labels as given. */
  const bool sparse_ce = exclusive && det->labels != XCLI_LAB_SOFT && C > 1;
  if (L->id == XCLI_L_SOFTMAX_CE && !sparse_ce) L->function = "xent_softmax_cross_entropy";
  r->has_loss = true;
  for (int i = 0; i < o->nextra; i++) {
    memset(&r->extra[i], 0, sizeof r->extra[i]);
    r->extra[i].loss = o->extra[i];
    if (o->extra[i].id == XCLI_L_SOFTMAX_CE && !sparse_ce)
      r->extra[i].loss.function = "xent_softmax_cross_entropy";
  }
  r->nextra = o->nextra;
  if (det->task == XCLI_TASK_REGRESSION) return XCLI_OK;

  /* The decision threshold on the outputs' scale. */
  r->threshold = o->threshold;
  s->thr_x = o->threshold;
  if (det->outputs != XCLI_OUT_PROBABILITIES && !softmax) {
    double t = o->threshold, lt = 0;
    xent_tensor_t tp = xent_tensor_1d(&t, XENT_F64, 1), tl = xent_tensor_1d(&lt, XENT_F64, 1);
    if (xent_logit(&tp, XENT_LOGIT_NO_EPS, &tl) != XENT_OK) return lib_error(err, "xent_logit");
    s->thr_x = lt;
  }

  xent_mean_state_init(&s->acc);
  xent_mean_state_init(&s->logloss);
  xent_mean_state_init(&s->brier);
  for (int i = 0; i < 8; i++) xent_mean_state_init(&s->topk[i]);
  s->do_acc = hard || exclusive;
  s->do_proba = true;
  s->do_cal = s->do_acc;
  s->do_conf = s->do_acc;
  s->do_auc = s->do_acc;
  if (!s->do_acc)
    xcli_note(r, "the labels are not 0/1, so accuracy, precision/recall, ROC AUC and "
                 "calibration (which need hard labels) are not computed");
  if (exclusive && det->labels == XCLI_LAB_SOFT)
    xcli_note(r, "soft labels: accuracy and the other metrics that need one class per "
                 "sample use each row's most likely class");

  /* top-k */
  r->ntopk = 0;
  if (softmax && s->do_acc) {
    if (o->ntopk < 0) {
      int64_t k = C > 5 ? 5 : C > 2 ? 2 : 0;
      if (k) r->topk[r->ntopk++] = k;
    } else {
      for (int i = 0; i < o->ntopk; i++)
        if (o->topk[i] < C)
          r->topk[r->ntopk++] = o->topk[i];
        else
          xcli_note(r, "top-%lld accuracy is 1 by definition with %lld classes: not shown",
                    (long long)o->topk[i], (long long)C);
    }
  }

  /* confusion */
  if (s->do_conf) {
    xent_status_t st;
    if (det->task == XCLI_TASK_MULTILABEL) {
      st = xent_confusion_create(XENT_CONFUSION_MULTILABEL, C, s->thr_x, &s->conf);
      r->multilabel = true;
    } else if (C > XCLI_MAX_CONFUSION_CLASSES) {
      s->do_conf = false;
      st = XENT_OK;
      xcli_note(r, "%lld classes: the confusion matrix and per-class precision/recall "
                   "(%lld x %lld counts) are not computed above %d classes",
                (long long)C, (long long)C, (long long)C, XCLI_MAX_CONFUSION_CLASSES);
    } else {
      st = xent_confusion_create(XENT_CONFUSION_MULTICLASS, C == 1 ? 2 : C, 0.5, &s->conf);
    }
    if (st != XENT_OK) return lib_error(err, "xent_confusion_create");
  }

  /* ROC AUC and average precision */
  if (s->do_auc) {
    xent_auc_config_t cfg = xent_auc_config_default();
    s->auc_cols = C;
    if (det->task == XCLI_TASK_MULTILABEL) {
      cfg.task = XENT_AUC_MULTILABEL;
      cfg.classes = C;
    } else if (softmax) {
      cfg.task = XENT_AUC_MULTICLASS;
      cfg.classes = C;
    } else {
      cfg.task = XENT_AUC_BINARY;
      s->auc_cols = 1;
    }
    int64_t scores = N * s->auc_cols;
    bool bounded = o->auc_mode == 2 || (o->auc_mode == 0 && scores > XCLI_EXACT_AUC_SCORES);
    if (bounded) {
      /* about 2 * 52 bytes per group and column, twice that during an update */
      int64_t m = o->auc_groups;
      if (m <= 0) {
        m = XCLI_AUC_BUDGET / (s->auc_cols * 2 * 52);
        if (m > 65536) m = 65536;
      }
      if (m < 64) {
        s->do_auc = false;
        xcli_note(r, "%lld columns: ROC AUC and average precision are not computed (%lld scores "
                     "exceed the exact mode, and %lld columns leave fewer than 64 score groups "
                     "each in the bounded mode's memory)",
                  (long long)s->auc_cols, (long long)scores, (long long)s->auc_cols);
      }
      cfg.capacity = m;
      r->auc_bounded = true;
      r->auc_groups = m;
    }
    if (s->do_auc && xent_auc_create(&cfg, &s->auc) != XENT_OK)
      return lib_error(err, "xent_auc_create");
  }

  /* calibration */
  if (s->do_cal) {
    xent_calibration_config_t cc = xent_calibration_config_default();
    cc.kind = softmax ? XENT_CALIBRATION_TOP_LABEL : XENT_CALIBRATION_BINARY;
    cc.bins = o->bins > 0 ? o->bins : 10;
    r->calibration_kind = softmax ? "top-label" : "binary";
    if (xent_calibration_create(&cc, &s->cal) != XENT_OK)
      return lib_error(err, "xent_calibration_create");
  }
  return XCLI_OK;
}

#define LIB(call, what)                            \
  do {                                             \
    if ((call) != XENT_OK) return lib_error(err, what); \
  } while (0)

static xcli_status update(const xcli_data *d, xcli_work *w, const xcli_batch *b,
                          xcli_results *r, states *s, xcli_error *err) {
  const xcli_detection *det = &d->det;
  const bool softmax = softmax_task(det);
  xcli_loss_add(&r->loss, b);
  for (int i = 0; i < r->nextra; i++) xcli_loss_add(&r->extra[i], b);
  if (det->task == XCLI_TASK_REGRESSION) return XCLI_OK;
  const xent_tensor_t *yt = b->soft ? &b->dense : &b->idx;
  if (softmax) {
    if (s->do_acc) {
      LIB(xent_sparse_categorical_accuracy_update(&s->acc, &b->idx, &b->x, NULL),
          "xent_sparse_categorical_accuracy_update");
      for (int i = 0; i < r->ntopk; i++)
        LIB(xent_sparse_top_k_categorical_accuracy_update(&s->topk[i], &b->idx, &b->x,
                                                          r->topk[i], NULL),
            "xent_sparse_top_k_categorical_accuracy_update");
    }
    if (s->do_conf) LIB(xent_confusion_update(s->conf, &b->idx, &b->x, NULL), "xent_confusion_update");
    if (s->do_auc) LIB(xent_auc_update(s->auc, &b->idx, &b->p, NULL), "xent_auc_update");
    LIB(xent_log_loss_update(&s->logloss, yt, &b->p, XENT_LOG_LOSS_EPS_AUTO, NULL),
        "xent_log_loss_update");
    LIB(xent_brier_score_update(&s->brier, yt, &b->p, XENT_BRIER_SCALE_AUTO, NULL),
        "xent_brier_score_update");
    if (s->do_cal) LIB(xent_calibration_update(s->cal, &b->idx, &b->p, NULL), "xent_calibration_update");
    return XCLI_OK;
  }
  /* one score per sample (binary) or per label (multi-label) */
  if (s->do_acc)
    LIB(xent_binary_accuracy_update(&s->acc, &b->dense, &b->x, s->thr_x, NULL),
        "xent_binary_accuracy_update");
  if (s->do_conf) {
    if (det->task == XCLI_TASK_MULTILABEL) {
      LIB(xent_confusion_update(s->conf, &b->dense, &b->x, NULL), "xent_confusion_update");
    } else {
      /* Two columns [threshold, score]: the argmax is 1 iff score > threshold. */
      for (int64_t i = 0; i < b->rows; i++) {
        w->pair[2 * i] = s->thr_x;
        w->pair[2 * i + 1] = b->x.dtype == XENT_F32 ? ((const float *)b->x.data)[i]
                                                    : ((const double *)b->x.data)[i];
      }
      xent_tensor_t pair = xent_tensor_2d(w->pair, XENT_F64, b->rows, 2);
      LIB(xent_confusion_update(s->conf, &b->idx, &pair, NULL), "xent_confusion_update");
    }
  }
  if (s->do_auc) LIB(xent_auc_update(s->auc, &b->dense, &b->x, NULL), "xent_auc_update");
  LIB(xent_binary_log_loss_update(&s->logloss, &b->dense, &b->p, XENT_LOG_LOSS_EPS_AUTO, NULL),
      "xent_binary_log_loss_update");
  LIB(xent_binary_brier_score_update(&s->brier, &b->dense, &b->p, NULL),
      "xent_binary_brier_score_update");
  if (s->do_cal) LIB(xent_calibration_update(s->cal, &b->dense, &b->p, NULL), "xent_calibration_update");
  return XCLI_OK;
}

static double *alloc_nan(int64_t n) {
  double *p = malloc((size_t)(n > 0 ? n : 1) * sizeof *p);
  if (p)
    for (int64_t i = 0; i < n; i++) p[i] = NAN;
  return p;
}

static xcli_status finish(const xcli_data *d, const xcli_eval_options *o, xcli_results *r,
                          states *s, xcli_error *err) {
  const xcli_detection *det = &d->det;
  const int64_t C = det->classes;
  const bool softmax = softmax_task(det);
  if (r->loss.status != XENT_OK)
    xcli_note(r, "the loss could not be computed: %s", r->loss.detail);
  if (det->task == XCLI_TASK_REGRESSION) return XCLI_OK;

  if (s->do_acc) {
    r->has_accuracy = true;
    r->accuracy = mean_result(&s->acc);
    r->accuracy_count = s->acc.count;
    r->accuracy_kind = softmax ? "categorical" : "binary";
    for (int i = 0; i < r->ntopk; i++) r->topk_value[i] = mean_result(&s->topk[i]);
  }
  r->has_proba = true;
  r->log_loss = mean_result(&s->logloss);
  r->brier = mean_result(&s->brier);
  r->brier_kind = softmax ? (C <= 2 ? "halved sum over classes (binary)" : "sum over classes")
                          : "mean over outputs";

  if (s->do_conf) {
    const int64_t K = C == 1 ? 2 : C; /* rows of the per-class table */
    r->has_confusion = true;
    r->classes = K;
    int64_t cells = r->multilabel ? C * 4 : K * K;
    r->cm = malloc((size_t)cells * sizeof *r->cm);
    r->precision = alloc_nan(K);
    r->recall = alloc_nan(K);
    r->f1 = alloc_nan(K);
    r->support = alloc_nan(K);
    if (!r->cm || !r->precision || !r->recall || !r->f1 || !r->support)
      return xcli_fail(err, XCLI_ERR_NOMEM, NULL, "out of memory");
    if (r->multilabel) {
      xent_tensor_t t = xent_tensor_3d(r->cm, XENT_F64, C, 2, 2);
      LIB(xent_confusion_multilabel_matrix(s->conf, &t), "xent_confusion_multilabel_matrix");
    } else {
      xent_tensor_t t = xent_tensor_2d(r->cm, XENT_F64, K, K);
      LIB(xent_confusion_matrix(s->conf, XENT_NORMALIZE_NONE, &t), "xent_confusion_matrix");
    }
    xent_prf_options_t po = xent_prf_options_default();
    xent_tensor_t tp = xent_tensor_1d(r->precision, XENT_F64, K);
    xent_tensor_t tr = xent_tensor_1d(r->recall, XENT_F64, K);
    xent_tensor_t tf = xent_tensor_1d(r->f1, XENT_F64, K);
    xent_tensor_t ts = xent_tensor_1d(r->support, XENT_F64, K);
    LIB(xent_precision_recall_fscore(s->conf, &po, &tp, &tr, &tf, &ts),
        "xent_precision_recall_fscore");
    const xent_average_t avgs[4] = {XENT_AVERAGE_MICRO, XENT_AVERAGE_MACRO,
                                    XENT_AVERAGE_WEIGHTED, XENT_AVERAGE_SAMPLES};
    for (int a = 0; a < 4; a++) {
      if (a == 3 && !r->multilabel) continue;
      po.average = avgs[a];
      xent_tensor_t p1 = xent_tensor_1d(&r->avg[a][0], XENT_F64, 1);
      xent_tensor_t r1 = xent_tensor_1d(&r->avg[a][1], XENT_F64, 1);
      xent_tensor_t f1 = xent_tensor_1d(&r->avg[a][2], XENT_F64, 1);
      LIB(xent_precision_recall_fscore(s->conf, &po, &p1, &r1, &f1, NULL),
          "xent_precision_recall_fscore");
      r->avg_valid[a] = true;
    }
    if (det->task == XCLI_TASK_BINARY) {
      po.average = XENT_AVERAGE_BINARY;
      po.pos_label = 1;
      xent_tensor_t p1 = xent_tensor_1d(&r->pos_prf[0], XENT_F64, 1);
      xent_tensor_t r1 = xent_tensor_1d(&r->pos_prf[1], XENT_F64, 1);
      xent_tensor_t f1 = xent_tensor_1d(&r->pos_prf[2], XENT_F64, 1);
      LIB(xent_precision_recall_fscore(s->conf, &po, &p1, &r1, &f1, NULL),
          "xent_precision_recall_fscore");
      r->has_pos_prf = true;
    }
    /* Which per-class values are 0/0 (reported as 0, as scikit-learn does). */
    if (!r->multilabel) {
      char never_pred[256] = "", never_true[256] = "";
      int npred = 0, ntrue = 0;
      for (int64_t c = 0; c < K; c++) {
        double col = 0, row = 0;
        for (int64_t i = 0; i < K; i++) {
          col += r->cm[i * K + c];
          row += r->cm[c * K + i];
        }
        char name[64];
        const char *nm = C == 1 ? (snprintf(name, sizeof name, "%lld", (long long)c), name)
                                : xcli_class_name(d, c, name, sizeof name);
        if (col == 0 && npred++ < 8)
          snprintf(never_pred + strlen(never_pred), sizeof never_pred - strlen(never_pred),
                   "%s%s", npred > 1 ? ", " : "", nm);
        if (row == 0 && ntrue++ < 8)
          snprintf(never_true + strlen(never_true), sizeof never_true - strlen(never_true),
                   "%s%s", ntrue > 1 ? ", " : "", nm);
      }
      if (npred)
        xcli_note(r, "%d class%s never predicted (%s%s): precision is 0/0 there, reported as "
                     "0 as scikit-learn does",
                  npred, npred > 1 ? "es are" : " is", never_pred, npred > 8 ? ", ..." : "");
      if (ntrue)
        xcli_note(r, "%d class%s no samples (%s%s): recall is 0/0 there, reported as 0, and "
                     "its ROC AUC is undefined",
                  ntrue, ntrue > 1 ? "es have" : " has", never_true, ntrue > 8 ? ", ..." : "");
    }
  }

  if (s->do_auc) {
    r->has_auc = true;
    xent_auc_options_t ao = xent_auc_options_default();
    double v, bound;
    xent_tensor_t t1 = xent_tensor_1d(&v, XENT_F64, 1);
    int64_t bytes = 0;
    xent_auc_memory(s->auc, &bytes);
    r->auc_bytes = bytes;
    if (s->auc_cols == 1) {
      LIB(xent_roc_auc(s->auc, &ao, &t1, &bound), "xent_roc_auc");
      r->roc_auc_binary = v;
      r->roc_auc_bound = bound;
      LIB(xent_average_precision(s->auc, &ao, &t1, &bound), "xent_average_precision");
      r->ap_binary = v;
      r->ap_bound = bound;
    } else {
      r->roc_auc_per = alloc_nan(C);
      r->ap_per = alloc_nan(C);
      if (!r->roc_auc_per || !r->ap_per) return xcli_fail(err, XCLI_ERR_NOMEM, NULL, "out of memory");
      xent_tensor_t tc = xent_tensor_1d(r->roc_auc_per, XENT_F64, C);
      ao.average = XENT_AVERAGE_NONE;
      LIB(xent_roc_auc(s->auc, &ao, &tc, NULL), "xent_roc_auc");
      tc.data = r->ap_per;
      LIB(xent_average_precision(s->auc, &ao, &tc, NULL), "xent_average_precision");
      ao.average = XENT_AVERAGE_MACRO;
      LIB(xent_roc_auc(s->auc, &ao, &t1, &r->roc_auc_bound), "xent_roc_auc");
      r->roc_auc_macro = v;
      LIB(xent_average_precision(s->auc, &ao, &t1, &r->ap_bound), "xent_average_precision");
      r->ap_macro = v;
      ao.average = XENT_AVERAGE_WEIGHTED;
      LIB(xent_roc_auc(s->auc, &ao, &t1, NULL), "xent_roc_auc");
      r->roc_auc_weighted = v;
      LIB(xent_average_precision(s->auc, &ao, &t1, NULL), "xent_average_precision");
      r->ap_weighted = v;
      ao.average = XENT_AVERAGE_MICRO;
      LIB(xent_roc_auc(s->auc, &ao, &t1, NULL), "xent_roc_auc");
      r->roc_auc_micro = v;
      LIB(xent_average_precision(s->auc, &ao, &t1, NULL), "xent_average_precision");
      r->ap_micro = v;
      if (det->task == XCLI_TASK_BINARY) {
        r->roc_auc_binary = r->roc_auc_per[1];
        r->ap_binary = r->ap_per[1];
      }
    }
    if (r->auc_bounded && isfinite(r->roc_auc_bound) && isfinite(r->ap_bound))
      xcli_note(r, "ROC AUC and average precision were computed in bounded-memory mode (at "
                   "most %lld score groups per column, %lld bytes): within %.3g and %.3g of "
                   "the exact values (use --auc exact for exact ones)",
                (long long)r->auc_groups, (long long)bytes, r->roc_auc_bound, r->ap_bound);
    else if (r->auc_bounded)
      xcli_note(r, "ROC AUC and average precision were computed in bounded-memory mode (at "
                   "most %lld score groups per column, %lld bytes); their error bounds are "
                   "undefined where the values are (use --auc exact for exact values)",
                (long long)r->auc_groups, (long long)bytes);
    if (o->want_curves) {
      /* Curves: the binary column, class 1 of a two-column problem, or up to
       * XCLI_MAX_CURVES columns and the micro average. */
      int64_t first = 0, n;
      bool micro = false;
      if (s->auc_cols == 1) {
        n = 1;
      } else if (det->task == XCLI_TASK_BINARY) {
        first = 1;
        n = 1;
      } else {
        n = C < XCLI_MAX_CURVES ? C : XCLI_MAX_CURVES;
        micro = true;
      }
      r->curves_n = n + micro;
      r->curves_first = first;
      r->curves_micro = micro;
      r->roc = calloc((size_t)r->curves_n, sizeof *r->roc);
      r->pr = calloc((size_t)r->curves_n, sizeof *r->pr);
      if (!r->roc || !r->pr) return xcli_fail(err, XCLI_ERR_NOMEM, NULL, "out of memory");
      for (int64_t i = 0; i < r->curves_n; i++) {
        int64_t col = i < n ? first + i : XENT_AUC_MICRO;
        xcli_status st = get_curve(s->auc, col, true, &r->roc[i], err);
        if (st == XCLI_OK) st = get_curve(s->auc, col, false, &r->pr[i], err);
        if (st != XCLI_OK) return st;
      }
    }
  }

  if (s->do_cal) {
    LIB(xent_calibration_error(s->cal, &r->ece, &r->mce), "xent_calibration_error");
    int64_t B = o->bins > 0 ? o->bins : 10;
    r->bins = B;
    r->bin_lower = alloc_nan(B);
    r->bin_upper = alloc_nan(B);
    r->bin_weight = alloc_nan(B);
    r->bin_conf = alloc_nan(B);
    r->bin_acc = alloc_nan(B);
    if (!r->bin_lower || !r->bin_upper || !r->bin_weight || !r->bin_conf || !r->bin_acc)
      return xcli_fail(err, XCLI_ERR_NOMEM, NULL, "out of memory");
    xent_tensor_t a = xent_tensor_1d(r->bin_lower, XENT_F64, B), b = a, c = a, e = a, f = a;
    b.data = r->bin_upper;
    c.data = r->bin_weight;
    e.data = r->bin_conf;
    f.data = r->bin_acc;
    LIB(xent_reliability_table(s->cal, &a, &b, &c, &e, &f), "xent_reliability_table");
  } else {
    r->ece = r->mce = NAN;
  }
  return XCLI_OK;
}

int xcli_eval_run(xcli_data *d, const xcli_eval_options *o, const xcli_inputs *in,
                  xcli_results *r, xcli_error *err) {
  states s;
  memset(&s, 0, sizeof s);
  xcli_work w;
  xcli_status st = setup(d, o, r, &s, err);
  if (st == XCLI_OK) st = xcli_source_rewind(&d->out, err);
  if (st == XCLI_OK) st = xcli_source_rewind(&d->lab, err);
  if (st == XCLI_OK) st = xcli_work_init(&w, d, in->chunk_values, err);
  else memset(&w, 0, sizeof w);
  if (st == XCLI_OK) {
    xcli_progress pg;
    xcli_progress_start(&pg, in->progress, "evaluating", d->det.rows);
    int64_t done = 0;
    for (;;) {
      xcli_batch b;
      int64_t rows = 0;
      st = xcli_work_next(&w, d, &b, &rows, err);
      if (st != XCLI_OK || rows == 0) break;
      st = update(d, &w, &b, r, &s, err);
      if (st != XCLI_OK) break;
      done += rows;
      xcli_progress_update(&pg, done);
    }
    xcli_progress_end(&pg);
    if (st == XCLI_OK && done != d->det.rows)
      st = xcli_fail(err, XCLI_ERR_FORMAT, d->out.path, "file changed while it was read");
  }
  if (st == XCLI_OK) st = finish(d, o, r, &s, err);
  xcli_work_free(&w);
  xent_confusion_destroy(s.conf);
  xent_auc_destroy(s.auc);
  xent_calibration_destroy(s.cal);
  return st;
}

void xcli_results_free(xcli_results *r) {
  free(r->cm);
  free(r->precision);
  free(r->recall);
  free(r->f1);
  free(r->support);
  free(r->roc_auc_per);
  free(r->ap_per);
  for (int64_t i = 0; i < r->curves_n; i++) {
    if (r->roc) {
      free(r->roc[i].x);
      free(r->roc[i].y);
    }
    if (r->pr) {
      free(r->pr[i].x);
      free(r->pr[i].y);
    }
  }
  free(r->roc);
  free(r->pr);
  free(r->bin_lower);
  free(r->bin_upper);
  free(r->bin_weight);
  free(r->bin_conf);
  free(r->bin_acc);
  for (int i = 0; i < r->nnotes; i++) free(r->notes[i]);
  free(r->notes);
  memset(r, 0, sizeof *r);
}
