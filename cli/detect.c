/* The first pass: open the outputs and the labels, check that they fit each
 * other, gather statistics of both in one streaming pass, and decide what
 * they are (logits or probabilities; class indices, one-hot, multi-hot, soft
 * or real-valued labels; binary, multi-class, multi-label or regression). */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *xcli_outputs_name(xcli_outputs_kind k) {
  switch (k) {
    case XCLI_OUT_LOGITS: return "logits";
    case XCLI_OUT_PROBABILITIES: return "probabilities";
    case XCLI_OUT_LOG_PROBABILITIES: return "log-probabilities";
    default: return "unknown";
  }
}

const char *xcli_activation_name(xcli_activation a) {
  switch (a) {
    case XCLI_ACT_NONE: return "none";
    case XCLI_ACT_SOFTMAX: return "softmax";
    case XCLI_ACT_SIGMOID: return "sigmoid";
    case XCLI_ACT_LOG_SOFTMAX: return "log_softmax";
    default: return "unknown";
  }
}

const char *xcli_labels_name(xcli_labels_form f) {
  switch (f) {
    case XCLI_LAB_INDICES: return "indices";
    case XCLI_LAB_BINARY: return "binary";
    case XCLI_LAB_ONE_HOT: return "one-hot";
    case XCLI_LAB_MULTI_HOT: return "multi-hot";
    case XCLI_LAB_SOFT: return "soft";
    case XCLI_LAB_REAL: return "real";
    default: return "unknown";
  }
}

const char *xcli_task_name(xcli_task t) {
  switch (t) {
    case XCLI_TASK_BINARY: return "binary";
    case XCLI_TASK_MULTICLASS: return "multiclass";
    case XCLI_TASK_MULTILABEL: return "multilabel";
    case XCLI_TASK_REGRESSION: return "regression";
    default: return "unknown";
  }
}

char *xcli_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p) memcpy(p, s, n);
  return p;
}

char *xcli_asprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return NULL;
  char *p = malloc((size_t)n + 1);
  if (!p) return NULL;
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}

const char *xcli_class_name(const xcli_data *d, int64_t c, char *buf, size_t size) {
  if (d->class_names && c >= 0 && c < d->det.classes) return d->class_names[c];
  snprintf(buf, size, "%lld", (long long)c);
  return buf;
}

/* ---- shapes ---- */

static xcli_status fit_shapes(xcli_data *d, xcli_error *err) {
  xcli_source *o = &d->out, *l = &d->lab;
  xcli_detection *det = &d->det;
  int64_t C, rows = -1;
  char shape[160];
  if (o->is_npy) {
    if (o->rank == 0)
      return xcli_fail(err, XCLI_ERR_SHAPE, o->path,
                       "holds a single number (shape ()); expected model outputs of shape "
                       "(samples,) or (samples, classes)");
    C = o->rank == 1 ? 1 : o->shape[o->rank - 1];
    if (C == 0)
      return xcli_fail(err, XCLI_ERR_SHAPE, o->path,
                       "shape %s has no classes (its last axis has length 0)",
                       xcli_shape_str(shape, sizeof shape, o->rank, o->shape));
    rows = o->npy.numel / C;
  } else {
    C = o->shape[1];
  }
  det->classes = C;
  o->width = C;

  /* The outputs' shape with the class axis made explicit: (N,) -> (N, 1). */
  int orank = o->is_npy ? (o->rank == 1 ? 2 : o->rank) : 2;
  int64_t oshape[XENT_MAX_RANK + 1];
  if (o->is_npy) {
    memcpy(oshape, o->shape, sizeof(int64_t) * (size_t)o->rank);
    if (o->rank == 1) oshape[1] = 1;
  }

  bool sparse;
  if (l->is_npy) {
    const int64_t *ls = l->shape;
    int lr = l->rank;
    if (o->is_npy) {
      bool same = lr == orank && !memcmp(ls, oshape, sizeof(int64_t) * (size_t)lr);
      bool minus = lr == orank - 1 && !memcmp(ls, oshape, sizeof(int64_t) * (size_t)lr);
      bool kept = C > 1 && lr == orank && !memcmp(ls, oshape, sizeof(int64_t) * (size_t)(lr - 1)) &&
                  ls[lr - 1] == 1;
      /* The original rank-1 outputs with labels of the same shape. */
      if (!same && !minus && !kept) {
        xcli_label_kind kind;
        xcli_status st = xcli_check_label_shape(o->path, orank, oshape, l->path, lr, ls,
                                                &kind, err);
        if (st == XCLI_OK)
          st = xcli_fail(err, XCLI_ERR_SHAPE, l->path, "shape %s does not fit %s",
                         xcli_shape_str(shape, sizeof shape, lr, ls), o->path);
        return st;
      }
      sparse = !same && C > 1;
    } else {
      /* CSV outputs: (N,), (N, 1) or (N, C) labels. */
      if (lr == 1 || (lr == 2 && ls[1] == 1))
        sparse = C > 1;
      else if (lr == 2 && ls[1] == C)
        sparse = false;
      else
        return xcli_fail(err, XCLI_ERR_SHAPE, l->path,
                         "shape %s does not fit %s's %lld columns: expected (rows,) (class "
                         "indices) or (rows, %lld) (one value per class)",
                         xcli_shape_str(shape, sizeof shape, lr, ls), o->path, (long long)C,
                         (long long)C);
    }
    l->width = sparse ? 1 : C;
    int64_t lrows = l->npy.numel / l->width;
    if (rows >= 0 && lrows != rows)
      return xcli_fail(err, XCLI_ERR_SHAPE, l->path, "has %lld rows, %s has %lld",
                       (long long)lrows, o->path, (long long)rows);
    if (rows < 0) rows = lrows;
  } else {
    int64_t lc = l->shape[1];
    if (lc == 1)
      sparse = C > 1;
    else if (lc == C)
      sparse = false;
    else if (o->is_npy)
      return xcli_fail(err, XCLI_ERR_SHAPE, l->path,
                       "has %lld columns, which do not fit %s's shape %s: expected 1 (class "
                       "indices) or %lld (one value per class)",
                       (long long)lc, o->path,
                       xcli_shape_str(shape, sizeof shape, o->rank, o->shape), (long long)C);
    else
      return xcli_fail(err, XCLI_ERR_SHAPE, l->path,
                       "has %lld columns, which do not fit %s's %lld: expected 1 (class "
                       "indices) or %lld (one value per class)",
                       (long long)lc, o->path, (long long)C, (long long)C);
    l->width = sparse ? 1 : C;
  }
  det->sparse_labels = sparse;
  det->rows = rows;
  o->rows = rows;
  l->rows = rows;
  return XCLI_OK;
}

/* ---- the first pass ---- */

static void scan_outputs(xcli_data *d, const xcli_chunk *c) {
  xcli_output_stats *s = &d->det.out;
  const int64_t C = d->det.classes;
  const double tol = d->det.tol;
  for (int64_t r = 0; r < c->rows; r++) {
    double sum = 0, emax = -INFINITY;
    bool finite = true;
    int64_t above = 0, arg = -1;
    double best = 0;
    for (int64_t j = 0; j < C; j++) {
      double v = xcli_chunk_at(c, r * C + j);
      s->values++;
      if (!isfinite(v)) {
        if (isnan(v))
          s->nan++;
        else if (v > 0)
          s->posinf++;
        else
          s->neginf++;
        if (s->nan + s->posinf + s->neginf == 1) {
          xcli_source_position(&d->out, c, r, j, s->first_nonfinite,
                               sizeof s->first_nonfinite);
          s->first_nonfinite_value = v;
        }
        finite = false;
        if (isnan(v)) {
          arg = -2; /* a NaN row has no prediction */
          continue;
        }
      } else {
        if (isnan(s->min) || v < s->min) s->min = v;
        if (isnan(s->max) || v > s->max) s->max = v;
        if (v < 0 || v > 1) s->outside01++;
        if (v == 1) s->exact_ones++;
        sum += v;
        if (v > emax) emax = v;
      }
      if (v > 0.5) above++;
      if (arg != -2 && (arg < 0 || v > best)) {
        arg = j;
        best = v;
      }
    }
    if (arg >= 0 && s->predicted) s->predicted[arg]++;
    if (!finite) continue;
    s->finite_rows++;
    if (s->finite_rows == 1 || sum < s->sum_min) s->sum_min = sum;
    if (s->finite_rows == 1 || sum > s->sum_max) s->sum_max = sum;
    if (fabs(sum - 1) <= tol) s->rows_sum1++;
    if (above == 0) s->rows_none_above_half++;
    if (above >= 2) s->rows_multi_above_half++;
    if (emax <= 0 && C >= 2) {
      double e = 0;
      for (int64_t j = 0; j < C; j++) e += exp(xcli_chunk_at(c, r * C + j));
      if (fabs(e - 1) <= tol) s->rows_exp_sum1++;
    }
  }
}

static void seen_value(xcli_label_stats *s, double v) {
  if (s->many_values) return;
  for (int i = 0; i < s->nseen; i++)
    if (s->seen[i] == v) return;
  if (s->nseen < 2)
    s->seen[s->nseen++] = v;
  else
    s->many_values = true;
}

static void scan_labels(xcli_data *d, const xcli_chunk *c) {
  xcli_label_stats *s = &d->det.lab;
  const int64_t C = d->det.classes, W = d->lab.width;
  const double tol = d->det.tol;
  for (int64_t r = 0; r < c->rows; r++) {
    double sum = 0;
    int64_t ones = 0, zeros = 0;
    bool finite = true;
    for (int64_t j = 0; j < W; j++) {
      double v = ((const double *)c->data)[r * W + j];
      s->values++;
      if (!isfinite(v)) {
        if (s->nonfinite++ == 0)
          xcli_source_position(&d->lab, c, r, j, s->first_nonfinite,
                               sizeof s->first_nonfinite);
        finite = false;
        continue;
      }
      if (isnan(s->min) || v < s->min) s->min = v;
      if (isnan(s->max) || v > s->max) s->max = v;
      seen_value(s, v);
      if (v != floor(v)) {
        if (s->non_integer++ == 0) {
          xcli_source_position(&d->lab, c, r, j, s->first_non_integer,
                               sizeof s->first_non_integer);
          s->first_non_integer_value = v;
        }
      }
      if (v == 0 || v == 1) s->zero_one++;
      if (v == 0) zeros++;
      if (v == 1) ones++;
      if (v == -1) s->minus_one++;
      if (v < 0 || v > 1) s->outside01++;
      sum += v;
      if (d->det.sparse_labels) {
        if (v == floor(v)) {
          if (v < 0 || v >= (double)C) {
            if (s->out_of_range++ == 0) {
              xcli_source_position(&d->lab, c, r, j, s->first_out_of_range,
                                   sizeof s->first_out_of_range);
              s->first_out_of_range_value = v;
            }
          } else if (s->support) {
            s->support[(int64_t)v]++;
          }
        }
      } else if (v > 0 && s->support) {
        s->support[j]++;
      }
    }
    if (d->det.sparse_labels || W < 2 || !finite) continue;
    s->rows++;
    if (ones + zeros == W) {
      if (ones == 1) s->rows_one_hot++;
      if (ones == 0) s->rows_no_positive++;
      if (ones >= 2) s->rows_multi_positive++;
      if (ones > s->max_positives) s->max_positives = ones;
      s->positives += ones;
    }
    if (s->rows == 1 || sum < s->sum_min) s->sum_min = sum;
    if (s->rows == 1 || sum > s->sum_max) s->sum_max = sum;
    if (fabs(sum - 1) <= tol)
      s->rows_sum1++;
    else if (s->first_bad_sum_row < 0) {
      s->first_bad_sum_row = c->first + r;
      if (d->lab.is_npy)
        snprintf(s->first_bad_sum, sizeof s->first_bad_sum, "row %lld",
                 (long long)(c->first + r));
      else
        snprintf(s->first_bad_sum, sizeof s->first_bad_sum, "line %lld",
                 (long long)c->lines[r]);
    }
  }
}

static const char *num(double v, char *buf, size_t size) {
  snprintf(buf, size, "%.6g", v);
  return buf;
}

/* Decides the kinds from the statistics, unless forced. */
static xcli_status decide(xcli_data *d, const xcli_overrides *f, xcli_error *err) {
  xcli_detection *det = &d->det;
  const xcli_output_stats *o = &det->out;
  const xcli_label_stats *l = &det->lab;
  const int64_t C = det->classes;
  char a[32], b[32], a2[32], b2[32];

  /* outputs */
  if (f->outputs) {
    det->outputs = f->outputs;
    det->outputs_forced = true;
    snprintf(det->outputs_why, sizeof det->outputs_why, "as given by --outputs");
  } else if (o->finite_rows == 0 && o->outside01 == 0) {
    det->outputs = XCLI_OUT_LOGITS;
    snprintf(det->outputs_why, sizeof det->outputs_why,
             "no row is finite, so nothing tells; taken as logits");
  } else if (o->outside01 > 0 || o->posinf + o->neginf > 0) {
    if (C >= 2 && o->finite_rows > 0 && o->rows_exp_sum1 == o->finite_rows &&
        o->max <= 0) {
      det->outputs = XCLI_OUT_LOG_PROBABILITIES;
      snprintf(det->outputs_why, sizeof det->outputs_why,
               "every value is <= 0 and the exponentials of every row sum to 1");
    } else {
      det->outputs = XCLI_OUT_LOGITS;
      snprintf(det->outputs_why, sizeof det->outputs_why,
               "%lld of %lld values lie outside [0, 1] (min %s, max %s)",
               (long long)(o->outside01 + o->posinf + o->neginf), (long long)o->values,
               num(o->min, a, sizeof a), num(o->max, b, sizeof b));
    }
  } else {
    det->outputs = XCLI_OUT_PROBABILITIES;
    if (C >= 2 && o->rows_sum1 == o->finite_rows)
      snprintf(det->outputs_why, sizeof det->outputs_why,
               "every value lies in [0, 1] and every row sums to 1 (within %.0e): softmax",
               det->tol);
    else if (C >= 2)
      snprintf(det->outputs_why, sizeof det->outputs_why,
               "every value lies in [0, 1]; row sums range from %s to %s: independent "
               "(sigmoid) probabilities",
               num(o->sum_min, a, sizeof a), num(o->sum_max, b, sizeof b));
    else
      snprintf(det->outputs_why, sizeof det->outputs_why,
               "every value lies in [0, 1] (min %s, max %s)", num(o->min, a, sizeof a),
               num(o->max, b, sizeof b));
  }
  if (det->outputs == XCLI_OUT_PROBABILITIES)
    det->activation = C >= 2 && o->finite_rows > 0 && o->rows_sum1 == o->finite_rows
                          ? XCLI_ACT_SOFTMAX
                          : XCLI_ACT_SIGMOID;
  else if (det->outputs == XCLI_OUT_LOG_PROBABILITIES)
    det->activation = XCLI_ACT_LOG_SOFTMAX;
  else
    det->activation = XCLI_ACT_NONE;

  /* labels */
  xcli_labels_form guess;
  const bool all01 = l->zero_one == l->values - l->nonfinite;
  const bool pm1 = C == 1 && l->zero_one + l->minus_one == l->values - l->nonfinite &&
                   l->minus_one > 0;
  if (det->sparse_labels) {
    guess = XCLI_LAB_INDICES;
    snprintf(det->labels_why, sizeof det->labels_why,
             "one value per sample for %lld output columns: class indices, from %s to %s",
             (long long)C, num(l->min, a, sizeof a), num(l->max, b, sizeof b));
  } else if (C == 1) {
    if (all01 || pm1) {
      guess = XCLI_LAB_BINARY;
      snprintf(det->labels_why, sizeof det->labels_why, "one %s target per sample",
               pm1 ? "-1/1" : "0/1");
    } else if (l->nseen == 2 && !l->many_values && l->non_integer == 0) {
      guess = XCLI_LAB_BINARY; /* two classes, miscoded (strict mode refuses them) */
      snprintf(det->labels_why, sizeof det->labels_why,
               "one of two values per sample, %s and %s: two classes, not coded 0 and 1",
               num(l->seen[0], a, sizeof a), num(l->seen[1], b, sizeof b));
    } else if (l->outside01 == 0) {
      guess = XCLI_LAB_SOFT;
      snprintf(det->labels_why, sizeof det->labels_why,
               "one target per sample in [0, 1], not all 0 or 1 (soft targets)");
    } else {
      guess = XCLI_LAB_REAL;
      snprintf(det->labels_why, sizeof det->labels_why,
               "targets from %s to %s: real values, not 0/1", num(l->min, a, sizeof a),
               num(l->max, b, sizeof b));
    }
  } else if (all01) {
    if (l->rows_one_hot == l->rows) {
      guess = XCLI_LAB_ONE_HOT;
      snprintf(det->labels_why, sizeof det->labels_why,
               "0/1 per class with exactly one 1 in every row");
    } else {
      guess = XCLI_LAB_MULTI_HOT;
      snprintf(det->labels_why, sizeof det->labels_why,
               "0/1 per class; %lld of %lld rows have two or more 1s, %lld none",
               (long long)l->rows_multi_positive, (long long)l->rows,
               (long long)l->rows_no_positive);
    }
  } else if (l->outside01 == 0 || (l->min >= 0 && l->rows_sum1 * 2 > l->rows)) {
    /* values in [0, 1], or non-negative rows most of which sum to 1 */
    guess = XCLI_LAB_SOFT;
    if (l->rows_sum1 == l->rows)
      snprintf(det->labels_why, sizeof det->labels_why,
               "values in [0, 1] per class that sum to 1 in every row (soft labels)");
    else
      snprintf(det->labels_why, sizeof det->labels_why,
               "values from %s to %s per class; %lld of %lld rows do not sum to 1 (sums "
               "from %s to %s)",
               num(l->min, a, sizeof a), num(l->max, b, sizeof b),
               (long long)(l->rows - l->rows_sum1), (long long)l->rows,
               num(l->sum_min, a2, sizeof a2), num(l->sum_max, b2, sizeof b2));
  } else {
    guess = XCLI_LAB_REAL;
    snprintf(det->labels_why, sizeof det->labels_why,
             "values from %s to %s: real-valued targets, not class labels",
             num(l->min, a, sizeof a), num(l->max, b, sizeof b));
  }
  det->labels = guess;
  if (f->labels) {
    bool ok;
    if (det->sparse_labels)
      ok = f->labels == XCLI_LAB_INDICES;
    else if (C == 1)
      ok = f->labels == XCLI_LAB_BINARY || f->labels == XCLI_LAB_SOFT ||
           f->labels == XCLI_LAB_REAL;
    else
      ok = f->labels != XCLI_LAB_INDICES && f->labels != XCLI_LAB_BINARY;
    if (!ok)
      return xcli_fail(err, XCLI_ERR_ARGUMENT, d->lab.path,
                       "--labels %s does not fit labels of this shape (%s); they are %s",
                       xcli_labels_name(f->labels),
                       det->sparse_labels ? "one value per sample"
                                          : "one value per output column",
                       xcli_labels_name(guess));
    bool hard = f->labels == XCLI_LAB_ONE_HOT || f->labels == XCLI_LAB_MULTI_HOT ||
                f->labels == XCLI_LAB_BINARY;
    if (hard && !all01 && !(f->labels == XCLI_LAB_BINARY && pm1))
      return xcli_fail(err, XCLI_ERR_ARGUMENT, d->lab.path,
                       "--labels %s: the labels hold values other than 0 and 1 (from %s to %s)",
                       xcli_labels_name(f->labels), num(l->min, a, sizeof a),
                       num(l->max, b, sizeof b));
    if (f->labels == XCLI_LAB_ONE_HOT && l->rows_one_hot != l->rows)
      return xcli_fail(err, XCLI_ERR_VALUE, d->lab.path,
                       "--labels one-hot: row at %s does not hold exactly one 1",
                       l->first_bad_sum[0] ? l->first_bad_sum : "?");
    det->labels = f->labels;
    det->labels_forced = true;
    snprintf(det->labels_why, sizeof det->labels_why, "as given by --labels");
  }

  /* task */
  xcli_task task;
  switch (det->labels) {
    case XCLI_LAB_INDICES:
    case XCLI_LAB_ONE_HOT:
      task = C == 2 ? XCLI_TASK_BINARY : XCLI_TASK_MULTICLASS;
      snprintf(det->task_why, sizeof det->task_why, "one label per sample, %lld classes",
               (long long)C);
      break;
    case XCLI_LAB_BINARY:
      task = XCLI_TASK_BINARY;
      snprintf(det->task_why, sizeof det->task_why, "one output column, 0/1 targets");
      break;
    case XCLI_LAB_MULTI_HOT:
      task = XCLI_TASK_MULTILABEL;
      snprintf(det->task_why, sizeof det->task_why,
               "any number of the %lld labels per sample", (long long)C);
      break;
    case XCLI_LAB_SOFT:
      if (C == 1) {
        task = XCLI_TASK_BINARY;
        snprintf(det->task_why, sizeof det->task_why, "one output column");
      } else if (l->rows_sum1 * 2 > l->rows) {
        task = C == 2 ? XCLI_TASK_BINARY : XCLI_TASK_MULTICLASS;
        snprintf(det->task_why, sizeof det->task_why,
                 "soft labels summing to 1%s: a distribution over %lld classes",
                 l->rows_sum1 == l->rows ? "" : " in most rows", (long long)C);
      } else {
        task = XCLI_TASK_MULTILABEL;
        snprintf(det->task_why, sizeof det->task_why,
                 "soft labels not summing to 1: independent per-label targets");
      }
      break;
    default:
      task = XCLI_TASK_REGRESSION;
      snprintf(det->task_why, sizeof det->task_why, "real-valued targets");
      break;
  }
  det->task = task;
  if (f->task) {
    bool exclusive = det->labels == XCLI_LAB_INDICES || det->labels == XCLI_LAB_ONE_HOT ||
                     (det->labels == XCLI_LAB_SOFT && C >= 2);
    const char *why = NULL;
    if (f->task == XCLI_TASK_MULTICLASS && C < 2)
      why = "a multi-class problem needs one output column per class";
    else if (f->task == XCLI_TASK_MULTICLASS && !exclusive)
      why = "the labels are not one class per sample";
    else if (f->task == XCLI_TASK_BINARY && C > 2)
      why = "a binary problem has one or two output columns";
    else if (f->task == XCLI_TASK_BINARY && C == 2 && !exclusive)
      why = "the labels are not one class per sample";
    else if (f->task == XCLI_TASK_MULTILABEL && det->sparse_labels)
      why = "multi-label problems need one 0/1 label per output column";
    if (why)
      return xcli_fail(err, XCLI_ERR_ARGUMENT, NULL, "--task %s does not fit the data: %s",
                       xcli_task_name(f->task), why);
    det->task = f->task;
    det->task_forced = true;
    snprintf(det->task_why, sizeof det->task_why, "as given by --task");
  }
  return XCLI_OK;
}

/* Errors that stop eval (doctor reports them as findings instead). */
static xcli_status strict_checks(const xcli_data *d, xcli_error *err) {
  const xcli_detection *det = &d->det;
  const xcli_output_stats *o = &det->out;
  const xcli_label_stats *l = &det->lab;
  char a[32], a2[32];
  if (o->nan > 0)
    return xcli_fail(err, XCLI_ERR_VALUE, d->out.path,
                     "%lld of %lld values are NaN (the first at %s); run 'xent doctor' for "
                     "what to do",
                     (long long)o->nan, (long long)o->values, o->first_nonfinite);
  if (det->outputs == XCLI_OUT_PROBABILITIES && (o->outside01 || o->posinf || o->neginf))
    return xcli_fail(err, XCLI_ERR_VALUE, d->out.path,
                     "--outputs probabilities, but %lld values lie outside [0, 1] (min %s)",
                     (long long)(o->outside01 + o->posinf + o->neginf),
                     num(o->min, a, sizeof a));
  if (l->nonfinite > 0)
    return xcli_fail(err, XCLI_ERR_VALUE, d->lab.path,
                     "%lld labels are NaN or infinite (the first at %s)",
                     (long long)l->nonfinite, l->first_nonfinite);
  if (det->sparse_labels) {
    if (l->non_integer > 0)
      return xcli_fail(err, XCLI_ERR_VALUE, d->lab.path,
                       "label at %s = %s is not a class index (%lld labels are not "
                       "integers)",
                       l->first_non_integer, num(l->first_non_integer_value, a, sizeof a),
                       (long long)l->non_integer);
    if (l->out_of_range > 0)
      return xcli_fail(err, XCLI_ERR_VALUE, d->lab.path,
                       "label at %s = %s is outside [0, %lld): the outputs have %lld "
                       "classes (%lld labels are out of range; 'xent doctor' explains)",
                       l->first_out_of_range, num(l->first_out_of_range_value, a, sizeof a),
                       (long long)det->classes, (long long)det->classes,
                       (long long)l->out_of_range);
  }
  if (det->classes == 1 && det->task != XCLI_TASK_REGRESSION && l->nseen == 2 &&
      !l->many_values && l->non_integer == 0 && l->outside01 > 0 &&
      !(l->minus_one > 0 && (l->seen[0] == 1 || l->seen[1] == 1)))
    return xcli_fail(err, XCLI_ERR_VALUE, d->lab.path,
                     "binary labels must be 0 and 1; these are %s and %s ('xent doctor' "
                     "explains)",
                     num(l->seen[0], a, sizeof a), num(l->seen[1], a2, sizeof a2));
  if (det->task == XCLI_TASK_MULTICLASS && !det->sparse_labels &&
      det->labels == XCLI_LAB_MULTI_HOT)
    return xcli_fail(err, XCLI_ERR_VALUE, d->lab.path,
                     "%lld rows do not hold exactly one 1; a multi-class problem needs one "
                     "class per sample",
                     (long long)(l->rows - l->rows_one_hot));
  return XCLI_OK;
}

static xcli_status read_pass(xcli_data *d, const xcli_inputs *in, xcli_error *err) {
  const int64_t C = d->det.classes;
  int64_t cap = in->chunk_values > 0 ? in->chunk_values : (int64_t)1 << 16;
  cap = cap / C > 0 ? cap / C : 1;
  xcli_chunk oc, lc;
  xcli_status st = xcli_chunk_init(&oc, cap, d->out.width, err);
  if (st != XCLI_OK) return st;
  st = xcli_chunk_init(&lc, cap, d->lab.width, err);
  if (st != XCLI_OK) {
    xcli_chunk_free(&oc);
    return st;
  }
  xcli_progress pg;
  xcli_progress_start(&pg, in->progress, "reading", d->det.rows);
  int64_t done = 0;
  for (;;) {
    st = xcli_source_read(&d->out, &oc, true, err);
    if (st != XCLI_OK) break;
    st = xcli_source_read(&d->lab, &lc, false, err);
    if (st != XCLI_OK) break;
    if (oc.rows != lc.rows) {
      /* Only CSV files can disagree here: their rows are counted as read. */
      const xcli_source *shorter = oc.rows < lc.rows ? &d->out : &d->lab;
      const xcli_source *longer = oc.rows < lc.rows ? &d->lab : &d->out;
      int64_t have = done + (oc.rows < lc.rows ? oc.rows : lc.rows);
      if (longer->is_npy)
        st = xcli_fail(err, XCLI_ERR_SHAPE, shorter->path, "has %lld rows, %s has %lld",
                       (long long)have, longer->path, (long long)longer->rows);
      else
        st = xcli_fail(err, XCLI_ERR_SHAPE, shorter->path, "has %lld rows, %s has more",
                       (long long)have, longer->path);
      break;
    }
    if (oc.rows == 0) break;
    scan_outputs(d, &oc);
    scan_labels(d, &lc);
    xcli_source_release(&d->out, oc.first, oc.rows);
    xcli_source_release(&d->lab, lc.first, lc.rows);
    done += oc.rows;
    xcli_progress_update(&pg, done);
  }
  xcli_progress_end(&pg);
  xcli_chunk_free(&oc);
  xcli_chunk_free(&lc);
  if (st != XCLI_OK) return st;
  if (d->det.rows < 0) {
    d->det.rows = done;
    d->out.rows = d->lab.rows = done;
    if (!d->out.is_npy) d->out.shape[0] = done;
    if (!d->lab.is_npy) d->lab.shape[0] = done;
  }
  if (done == 0)
    return xcli_fail(err, XCLI_ERR_SHAPE, d->out.path, "holds no samples (0 rows)");
  return XCLI_OK;
}

xcli_status xcli_data_open(xcli_data *d, const xcli_inputs *in, bool strict,
                           xcli_error *err) {
  memset(d, 0, sizeof *d);
  xcli_status st = xcli_source_open(&d->out, in->outputs_path, &in->csv, err);
  if (st != XCLI_OK) return st;
  st = xcli_source_open(&d->lab, in->labels_path, &in->csv, err);
  if (st != XCLI_OK) return st;
  st = fit_shapes(d, err);
  if (st != XCLI_OK) return st;
  const int64_t C = d->det.classes;
  d->det.tol = C * 1e-4 > 1e-3 ? C * 1e-4 : 1e-3;
  d->det.out.min = d->det.out.max = NAN;
  d->det.lab.min = d->det.lab.max = NAN;
  d->det.lab.first_bad_sum_row = -1;
  d->det.out.predicted = calloc((size_t)C, sizeof(int64_t));
  d->det.lab.support = calloc((size_t)C, sizeof(int64_t));
  if (!d->det.out.predicted || !d->det.lab.support)
    return xcli_fail(err, XCLI_ERR_NOMEM, NULL, "out of memory");
  st = read_pass(d, in, err);
  if (st != XCLI_OK) return st;
  st = decide(d, &in->force, err);
  if (st != XCLI_OK) return st;
  if (strict) {
    st = strict_checks(d, err);
    if (st != XCLI_OK) return st;
  }
  /* Class names: --class-names, else the outputs' CSV header. */
  if (in->class_names && in->nclass_names != C)
    return xcli_fail(err, XCLI_ERR_ARGUMENT, NULL,
                     "--class-names gives %lld names for %lld output columns",
                     (long long)in->nclass_names, (long long)C);
  if (in->class_names || (!d->out.is_npy && xcli_csv_has_header(d->out.csv) && C > 1)) {
    d->class_names = calloc((size_t)C, sizeof(char *));
    if (!d->class_names) return xcli_fail(err, XCLI_ERR_NOMEM, NULL, "out of memory");
    for (int64_t c = 0; c < C; c++) {
      const char *name = in->class_names ? in->class_names[c]
                                         : xcli_csv_column_name(d->out.csv, c);
      d->class_names[c] = xcli_strdup(name && *name ? name : "?");
      if (!d->class_names[c]) return xcli_fail(err, XCLI_ERR_NOMEM, NULL, "out of memory");
    }
  }
  return XCLI_OK;
}

void xcli_data_close(xcli_data *d) {
  xcli_source_close(&d->out);
  xcli_source_close(&d->lab);
  free(d->det.out.predicted);
  free(d->det.lab.support);
  if (d->class_names)
    for (int64_t c = 0; c < d->det.classes; c++) free(d->class_names[c]);
  free(d->class_names);
  memset(d, 0, sizeof *d);
}
