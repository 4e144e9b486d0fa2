/* `xent doctor`: finds the common misuses of the classification output layer
 * in a model's outputs and labels (and, when given, the loss, activation and
 * metric it trains with), and explains each with the evidence from the data
 * and what to use instead. Every number in the evidence comes from xent. */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>



/* Strips a module prefix, lower-cases and drops underscores. */
static void name_key(const char *name, char *key, size_t size) {
  const char *dot = strrchr(name, '.');
  const char *p = dot ? dot + 1 : name;
  size_t k = 0;
  for (; *p && k + 1 < size; p++)
    if (*p != '_' && *p != '(' && *p != ')') key[k++] = (char)tolower((unsigned char)*p);
  key[k] = '\0';
}

bool xcli_parse_activation(const char *name, xcli_activation *a) {
  char key[64];
  name_key(name, key, sizeof key);
  if (!strcmp(key, "softmax"))
    *a = XCLI_ACT_SOFTMAX;
  else if (!strcmp(key, "sigmoid") || !strcmp(key, "logistic"))
    *a = XCLI_ACT_SIGMOID;
  else if (!strcmp(key, "none") || !strcmp(key, "linear") || !strcmp(key, "identity"))
    *a = XCLI_ACT_NONE;
  else if (!strcmp(key, "logsoftmax"))
    *a = XCLI_ACT_LOG_SOFTMAX;
  else
    return false;
  return true;
}

bool xcli_parse_metric(const char *name, int *m) {
  char key[64];
  name_key(name, key, sizeof key);
  if (!strcmp(key, "accuracy") || !strcmp(key, "acc"))
    *m = XCLI_METRIC_ACCURACY;
  else if (!strcmp(key, "binaryaccuracy"))
    *m = XCLI_METRIC_BINARY_ACCURACY;
  else if (!strcmp(key, "categoricalaccuracy"))
    *m = XCLI_METRIC_CATEGORICAL_ACCURACY;
  else if (!strcmp(key, "sparsecategoricalaccuracy"))
    *m = XCLI_METRIC_SPARSE_CATEGORICAL_ACCURACY;
  else
    return false;
  return true;
}

/* ---- findings ---- */

typedef struct finding {
  const char *id;
  char *title;
  char *evidence[10];
  int nevidence;
  char *why;
  char *instead;
  const char *num_name[8];
  double num_value[8];
  int nnum;
} finding;

typedef struct findings {
  finding f[16];
  int n;
} findings;

static finding *add(findings *fs, const char *id, const char *fmt, ...) XCLI_PRINTF(3, 4);
static finding *add(findings *fs, const char *id, const char *fmt, ...) {
  finding *f = &fs->f[fs->n < 15 ? fs->n++ : 15];
  memset(f, 0, sizeof *f);
  f->id = id;
  va_list ap;
  va_start(ap, fmt);
  char buf[512];
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  f->title = xcli_strdup(buf);
  return f;
}

static void evidence(finding *f, const char *fmt, ...) XCLI_PRINTF(2, 3);
static void evidence(finding *f, const char *fmt, ...) {
  if (f->nevidence >= 10) return;
  va_list ap;
  va_start(ap, fmt);
  char buf[1024];
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  f->evidence[f->nevidence++] = xcli_strdup(buf);
}

static void set_text(char **where, const char *fmt, ...) XCLI_PRINTF(2, 3);
static void set_text(char **where, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char buf[1536];
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  free(*where);
  *where = xcli_strdup(buf);
}

static void number(finding *f, const char *name, double v) {
  if (f->nnum < 8) {
    f->num_name[f->nnum] = name;
    f->num_value[f->nnum++] = v;
  }
}

static void findings_free(findings *fs) {
  for (int i = 0; i < fs->n; i++) {
    finding *f = &fs->f[i];
    free(f->title);
    for (int k = 0; k < f->nevidence; k++) free(f->evidence[k]);
    free(f->why);
    free(f->instead);
  }
  fs->n = 0;
}

/* ---- the evidence pass ---- */

typedef struct evidence_pass {
  xcli_loss_acc user;        /* the user's loss on the outputs as given          */
  xcli_loss_acc right;       /* the same family's loss on the right kind         */
  xcli_loss_acc floor_;      /* the user's loss on outputs equal to the labels   */
  xcli_loss_acc single_cat;  /* C == 1: categorical cross-entropy over one unit   */
  xcli_loss_acc mse_best;    /* regression: the MSE of clip(target, 0, 1)         */
  xcli_loss_acc mse_now;     /* regression: the MSE of the outputs                */
  bool has_user, has_right, has_floor;
  xent_mean_state_t acc, bin_acc, zero_acc, cat1;
  bool have_acc, have_bin, have_cat1;
  int64_t clipped;           /* values outside Keras's clip [1e-7, 1 - 1e-7]      */
  int64_t softmax_ones;      /* C == 1: softmax outputs equal to 1                */
  char failure[256];
} evidence_pass;

static void loss_named(xcli_loss_acc *a, const char *name) {
  memset(a, 0, sizeof *a);
  xcli_loss_parse(name, &a->loss);
}

static xcli_status run_evidence(xcli_data *d, const xcli_inputs *in,
                                const xcli_doctor_options *o, evidence_pass *e,
                                xcli_error *err) {
  const xcli_detection *det = &d->det;
  const int64_t C = det->classes;
  const xcli_output_stats *os = &det->out;
  const xcli_label_stats *ls = &det->lab;
  memset(e, 0, sizeof *e);
  const bool idx_ok = (!det->sparse_labels ||
                       (ls->out_of_range == 0 && ls->non_integer == 0)) &&
                      ls->nonfinite == 0;
  const bool finite_out = os->nan == 0;
  if (o->has_loss) {
    e->user.loss = o->loss;
    e->has_user = true;
    const xcli_loss *L = &o->loss;
    const bool probs = det->outputs == XCLI_OUT_PROBABILITIES;
    if (L->family == XCLI_FAMILY_CATEGORICAL) {
      e->has_right = true;
      loss_named(&e->right, probs ? (det->sparse_labels ? "keras.sparse_categorical_crossentropy"
                                                        : "keras.categorical_crossentropy")
                                  : "softmax_cross_entropy");
    } else if (L->family == XCLI_FAMILY_BINARY) {
      e->has_right = true;
      loss_named(&e->right, probs ? "keras.binary_crossentropy" : "sigmoid_cross_entropy");
    }
    e->has_floor = L->input == XCLI_LOSS_ON_LOGITS;
    e->floor_.loss = o->loss;
  }
  loss_named(&e->single_cat, "softmax_cross_entropy");
  loss_named(&e->mse_best, "mean_squared_error");
  loss_named(&e->mse_now, "mean_squared_error");
  xent_mean_state_init(&e->acc);
  xent_mean_state_init(&e->bin_acc);
  xent_mean_state_init(&e->zero_acc);
  xent_mean_state_init(&e->cat1);

  xcli_status st = xcli_source_rewind(&d->out, err);
  if (st == XCLI_OK) st = xcli_source_rewind(&d->lab, err);
  if (st != XCLI_OK) return st;
  xcli_work w;
  st = xcli_work_init(&w, d, in->chunk_values, err);
  double *tmp = malloc((size_t)(w.rows_cap * C + 1) * sizeof *tmp);
  double *zeros = calloc((size_t)(w.rows_cap * C + 1), sizeof *zeros);
  if (st == XCLI_OK && (!tmp || !zeros))
    st = xcli_fail(err, XCLI_ERR_NOMEM, NULL, "out of memory");
  xcli_progress pg;
  xcli_progress_start(&pg, in->progress, "checking", det->rows);
  int64_t done = 0;
  e->have_acc = idx_ok && finite_out && C >= 2 && det->labels != XCLI_LAB_MULTI_HOT &&
                det->labels != XCLI_LAB_REAL;
  e->have_bin = finite_out && C >= 2 && ls->values > 0 && det->labels != XCLI_LAB_REAL &&
                det->labels != XCLI_LAB_SOFT && idx_ok;
  e->have_cat1 = finite_out && C == 1;
  while (st == XCLI_OK) {
    xcli_batch b;
    int64_t rows = 0;
    st = xcli_work_next(&w, d, &b, &rows, err);
    if (st != XCLI_OK || rows == 0) break;
    const int64_t n = rows * C;
    if (e->has_user) xcli_loss_add(&e->user, &b);
    if (e->has_right) xcli_loss_add(&e->right, &b);
    if (e->has_floor) {
      xcli_batch fb = b;
      fb.x = b.dense;
      xcli_loss_add(&e->floor_, &fb);
    }
    for (int64_t i = 0; i < n; i++) {
      double v = xcli_chunk_at(&w.oc, i);
      if (v < 1e-7 || v > 1 - 1e-7) e->clipped++;
    }
    xent_tensor_t t = xent_tensor_2d(tmp, XENT_F64, rows, C);
    if (C == 1) {
      /* softmax over a single output, and the categorical loss over it */
      if (xent_softmax(&b.x, -1, &t) == XENT_OK)
        for (int64_t i = 0; i < rows; i++) e->softmax_ones += tmp[i] == 1;
      xcli_loss_add(&e->single_cat, &b);
      if (e->have_cat1 &&
          xent_categorical_accuracy_update(&e->cat1, &b.dense, &b.x, NULL) != XENT_OK)
        e->have_cat1 = false;
    }
    if (e->have_acc &&
        xent_sparse_categorical_accuracy_update(&e->acc, &b.idx, &b.x, NULL) != XENT_OK) {
      e->have_acc = false;
      snprintf(e->failure, sizeof e->failure, "%s", xent_last_error());
    }
    if (e->have_bin) {
      /* Keras's binary accuracy: each output thresholded at 0.5, as
       * probabilities (a sigmoid of logits). */
      const xent_tensor_t *p = &b.x;
      if (det->outputs != XCLI_OUT_PROBABILITIES) {
        if (xent_sigmoid(&b.x, &t) != XENT_OK) e->have_bin = false;
        p = &t;
      }
      xent_tensor_t z = xent_tensor_2d(zeros, XENT_F64, rows, C);
      if (e->have_bin &&
          (xent_binary_accuracy_update(&e->bin_acc, &b.dense, p, 0.5, NULL) != XENT_OK ||
           xent_binary_accuracy_update(&e->zero_acc, &b.dense, &z, 0.5, NULL) != XENT_OK))
        e->have_bin = false;
    }
    if (det->labels == XCLI_LAB_REAL || det->labels == XCLI_LAB_SOFT) {
      const double *y = b.dense.data;
      for (int64_t i = 0; i < n; i++) tmp[i] = y[i] < 0 ? 0 : y[i] > 1 ? 1 : y[i];
      xcli_batch cb = b;
      cb.x = t;
      xcli_loss_add(&e->mse_best, &cb);
      xcli_loss_add(&e->mse_now, &b);
    }
    done += rows;
    xcli_progress_update(&pg, done);
  }
  xcli_progress_end(&pg);
  free(tmp);
  free(zeros);
  xcli_work_free(&w);
  return st;
}

static double mean_of(const xent_mean_state_t *m) {
  double v = NAN;
  xent_mean_state_result(m, XENT_EMPTY_NAN, &v);
  return v;
}

static const char *g(double v, char *buf, size_t size) {
  if (isnan(v))
    snprintf(buf, size, "NaN");
  else
    snprintf(buf, size, "%.6g", v);
  return buf;
}

static const char *pct(int64_t k, int64_t n, char *buf, size_t size) {
  snprintf(buf, size, "%.1f%%", n > 0 ? 100.0 * (double)k / (double)n : 0.0);
  return buf;
}

/* ---- the checks ---- */

static void diagnose(const xcli_data *d, const xcli_doctor_options *o, const evidence_pass *e,
                     findings *fs) {
  const xcli_detection *det = &d->det;
  const xcli_output_stats *os = &det->out;
  const xcli_label_stats *ls = &det->lab;
  const int64_t C = det->classes, N = det->rows;
  const xcli_loss *L = o->has_loss ? &o->loss : NULL;
  const xcli_activation A = o->activation;
  char a[64], b[64], c[64], q[64];
  const bool probs = det->outputs == XCLI_OUT_PROBABILITIES;
  const bool softmax_probs = probs && det->activation == XCLI_ACT_SOFTMAX;
  const bool sigmoid_probs = probs && det->activation == XCLI_ACT_SIGMOID;
  const bool idx_valid = det->sparse_labels && ls->out_of_range == 0 && ls->non_integer == 0 &&
                         ls->nonfinite == 0;
  const bool exclusive = idx_valid || det->labels == XCLI_LAB_ONE_HOT;
  const char *lname = L ? L->given : "";

  /* 1. probabilities given to a loss that expects logits */
  if (L && L->input == XCLI_LOSS_ON_LOGITS &&
      (probs || A == XCLI_ACT_SOFTMAX || A == XCLI_ACT_SIGMOID)) {
    bool cat = L->family == XCLI_FAMILY_CATEGORICAL;
    finding *f = add(fs, "probabilities-for-logits-loss",
                     "probabilities given to %s, which expects logits", lname);
    if (probs) {
      evidence(f, "every output lies in [0, 1] (min %s, max %s)", g(os->min, a, sizeof a),
               g(os->max, b, sizeof b));
      if (softmax_probs)
        evidence(f, "and every row sums to 1 (within %.0e): these are softmax probabilities, "
                    "not logits",
                 det->tol);
      else if (C >= 2)
        evidence(f, "row sums range from %s to %s: these look like sigmoid probabilities, "
                    "not logits",
                 g(os->sum_min, a, sizeof a), g(os->sum_max, b, sizeof b));
    }
    if (A == XCLI_ACT_SOFTMAX || A == XCLI_ACT_SIGMOID)
      evidence(f, "--activation %s: the model applies a %s before the loss, and %s applies "
                  "a %s again",
               o->activation_name, xcli_activation_name(A), lname, cat ? "softmax" : "sigmoid");
    if (e->user.status == XENT_OK && e->user.count > 0) {
      evidence(f, "%s on these outputs: %s", lname, g(xcli_loss_value(&e->user), a, sizeof a));
      number(f, "loss_as_used", xcli_loss_value(&e->user));
    }
    if (probs && e->has_right && e->right.status == XENT_OK && e->right.count > 0) {
      evidence(f, "the cross-entropy of these probabilities (%s): %s", e->right.loss.given,
               g(xcli_loss_value(&e->right), a, sizeof a));
      number(f, "loss_on_probabilities", xcli_loss_value(&e->right));
    }
    if (e->has_floor && e->floor_.status == XENT_OK && e->floor_.count > 0) {
      evidence(f, "even outputs exactly equal to the labels would score %s on %s: the loss "
                  "cannot approach 0",
               g(xcli_loss_value(&e->floor_), a, sizeof a), lname);
      number(f, "best_possible_loss", xcli_loss_value(&e->floor_));
    }
    set_text(&f->why,
             "%s applies its own %s to its input. Given probabilities, it squashes them a "
             "second time: the loss is bounded away from 0 and its gradients shrink, so "
             "training is slow and confident predictions are never rewarded.",
             lname, cat ? "softmax" : "sigmoid");
    if (cat)
      set_text(&f->instead,
               "Pass the logits (the outputs before the softmax) to %s and remove the "
               "softmax layer; or keep the softmax and use a loss on probabilities: "
               "keras.categorical_crossentropy / sparse_categorical_crossentropy with "
               "from_logits=False, or torch.nll_loss on log(p).",
               lname);
    else
      set_text(&f->instead,
               "Pass the logits (the outputs before the sigmoid) to %s and remove the "
               "sigmoid; or keep the sigmoid and use keras.binary_crossentropy "
               "(from_logits=False) or torch.binary_cross_entropy.",
               lname);
  }

  /* 2. logits given to a loss that expects probabilities (or log-probabilities) */
  if (L && L->input == XCLI_LOSS_ON_PROBABILITIES &&
      ((!probs && os->outside01 + os->posinf + os->neginf > 0) || A == XCLI_ACT_NONE)) {
    bool cat = L->family == XCLI_FAMILY_CATEGORICAL;
    finding *f = add(fs, "logits-for-probability-loss",
                     "logits given to %s, which expects probabilities", lname);
    int64_t out = os->outside01 + os->posinf + os->neginf;
    if (out > 0)
      evidence(f, "%lld of %lld outputs (%s) lie outside [0, 1] (min %s, max %s): these are "
                  "not probabilities",
               (long long)out, (long long)os->values, pct(out, os->values, q, sizeof q),
               g(os->min, a, sizeof a), g(os->max, b, sizeof b));
    if (cat && C >= 2 && os->finite_rows > 0)
      evidence(f, "row sums range from %s to %s, not 1", g(os->sum_min, a, sizeof a),
               g(os->sum_max, b, sizeof b));
    if (A == XCLI_ACT_NONE)
      evidence(f, "--activation %s: the model ends without a sigmoid or softmax",
               o->activation_name);
    if (e->user.status == XENT_OK && e->user.count > 0) {
      evidence(f, "%s on these outputs: %s", lname, g(xcli_loss_value(&e->user), a, sizeof a));
      number(f, "loss_as_used", xcli_loss_value(&e->user));
    } else if (e->user.status != XENT_OK) {
      evidence(f, "%s refuses them: %s", lname, e->user.detail);
    }
    if (L->id == XCLI_L_CCE || L->id == XCLI_L_CATEGORICAL_FOCAL)
      evidence(f, "Keras divides each row by its sum before clipping to [1e-7, 1 - 1e-7]: "
                  "with these sums the \"probabilities\" it takes the log of are "
                  "meaningless");
    else if (L->mode == XENT_PROB_KERAS && e->clipped > 0) {
      evidence(f, "Keras clips probabilities to [1e-7, 1 - 1e-7]: %lld of %lld outputs (%s) "
                  "are clipped, and a clipped output gets no gradient at all",
               (long long)e->clipped, (long long)os->values, pct(e->clipped, os->values, q, sizeof q));
      number(f, "clipped_outputs", (double)e->clipped);
    }
    if (e->has_right && e->right.status == XENT_OK && e->right.count > 0) {
      evidence(f, "the loss these logits should get (%s): %s", e->right.loss.given,
               g(xcli_loss_value(&e->right), a, sizeof a));
      number(f, "loss_from_logits", xcli_loss_value(&e->right));
    }
    set_text(&f->why,
             "A loss on probabilities takes its input as P(class). Logits are not "
             "probabilities: values outside [0, 1] are clipped (no gradient) or refused, "
             "and the loss optimises something other than the likelihood.");
    set_text(&f->instead,
             cat ? "Use the with-logits form: keras.categorical_crossentropy(from_logits=True) "
                   "(or sparse_categorical_crossentropy(from_logits=True)), "
                   "torch.cross_entropy, tf.nn.softmax_cross_entropy_with_logits "
                   "(xent: softmax_cross_entropy); or end the model with a softmax."
                 : "Use the with-logits form: keras.binary_crossentropy(from_logits=True), "
                   "torch.binary_cross_entropy_with_logits, "
                   "tf.nn.sigmoid_cross_entropy_with_logits (xent: sigmoid_cross_entropy); or "
                   "end the model with a sigmoid.");
  }
  if (L && L->input == XCLI_LOSS_ON_LOG_PROBABILITIES &&
      det->outputs != XCLI_OUT_LOG_PROBABILITIES && A != XCLI_ACT_LOG_SOFTMAX) {
    finding *f = add(fs, "logits-for-probability-loss",
                     "outputs that are not log-probabilities given to %s", lname);
    if (os->max > 0)
      evidence(f, "outputs reach %s; log-probabilities are never above 0",
               g(os->max, a, sizeof a));
    else
      evidence(f, "the exponentials of the rows do not sum to 1 (%lld of %lld rows do)",
               (long long)os->rows_exp_sum1, (long long)os->finite_rows);
    if (e->user.status == XENT_OK && e->user.count > 0)
      evidence(f, "%s on these outputs: %s (it reads only the labelled entry, negated)",
               lname, g(xcli_loss_value(&e->user), a, sizeof a));
    set_text(&f->why, "nll_loss takes log-probabilities and only negates the labelled "
                      "entry: on logits it rewards making that logit large without "
                      "normalising, so the loss is unbounded below.");
    set_text(&f->instead, "Apply log_softmax before nll_loss, or give the logits to "
                          "torch.cross_entropy (xent: softmax_cross_entropy), which does both.");
  }

  /* 3. softmax, or a categorical loss, over a single output unit */
  {
    bool cat_loss = L && L->family == XCLI_FAMILY_CATEGORICAL;
    bool cat_metric = o->metric == XCLI_METRIC_CATEGORICAL_ACCURACY;
    bool all_one = os->values > 0 && os->exact_ones == os->values;
    if (C == 1 && (A == XCLI_ACT_SOFTMAX || cat_loss || cat_metric || all_one)) {
      finding *f = add(fs, "softmax-single-output",
                       "softmax%s over a single output unit",
                       cat_loss ? " (inside a categorical loss)" : "");
      evidence(f, "the outputs have one column; a softmax over one value is exp(x) / exp(x) "
                  "= 1 whatever x is: %lld of %lld samples give exactly 1",
               (long long)e->softmax_ones, (long long)N);
      number(f, "softmax_equal_to_1", (double)e->softmax_ones);
      if (all_one)
        evidence(f, "every output in the file is exactly 1.0: the mark of a softmax over one "
                    "unit");
      if (A == XCLI_ACT_SOFTMAX) evidence(f, "--activation %s on one unit", o->activation_name);
      if (e->single_cat.status == XENT_OK && e->single_cat.count > 0) {
        evidence(f, "categorical cross-entropy over the single unit: %s for every batch: it "
                    "has no gradient, the model cannot learn",
                 g(xcli_loss_value(&e->single_cat), a, sizeof a));
        number(f, "categorical_loss", xcli_loss_value(&e->single_cat));
      }
      if (cat_metric && e->have_cat1) {
        evidence(f, "categorical accuracy takes the argmax of one column (always 0) on both "
                    "sides: it reports %s whatever the model does",
                 g(mean_of(&e->cat1), a, sizeof a));
        number(f, "categorical_accuracy", mean_of(&e->cat1));
      }
      set_text(&f->why, "With one output unit, a softmax always outputs 1 and a categorical "
                        "cross-entropy is always 0: the model is told it is perfect.");
      set_text(&f->instead,
               "For a yes/no problem use one output with a sigmoid and binary cross-entropy "
               "(keras.binary_crossentropy, or on the logit torch.binary_cross_entropy_with_"
               "logits / xent sigmoid_cross_entropy) and binary accuracy; or two outputs with "
               "a softmax and sparse categorical cross-entropy.");
    }
  }

  /* 4. a binary loss or binary accuracy on one-label-per-sample problems */
  {
    bool bin_loss = L && L->family == XCLI_FAMILY_BINARY;
    xent_accuracy_kind_t kind = XENT_ACCURACY_CATEGORICAL;
    bool legacy_binary = false;
    if (o->metric == XCLI_METRIC_ACCURACY && bin_loss) {
      xent_tensor_t yt = det->sparse_labels ? xent_tensor_1d(NULL, XENT_F64, N)
                                            : xent_tensor_2d(NULL, XENT_F64, N, C);
      xent_tensor_t yp = xent_tensor_2d(NULL, XENT_F64, N, C);
      if (xent_keras_resolve_accuracy(&yt, &yp, XENT_KERAS_LOSS_BINARY_CROSSENTROPY, 1,
                                      &kind) == XENT_OK)
        legacy_binary = kind == XENT_ACCURACY_BINARY;
    }
    bool bin_metric = o->metric == XCLI_METRIC_BINARY_ACCURACY || legacy_binary;
    if (C >= 3 && exclusive && (bin_loss || bin_metric)) {
      finding *f = add(fs, "binary-on-exclusive-classes",
                       "%s on a problem where each sample has exactly one of %lld classes",
                       bin_loss && bin_metric ? "binary cross-entropy and binary accuracy"
                       : bin_loss             ? "binary cross-entropy"
                                              : "binary accuracy",
                       (long long)C);
      evidence(f, "every sample has exactly one class (labels: %s)",
               det->sparse_labels ? "one class index per sample" : "one-hot rows");
      if (e->have_bin) {
        double ba = mean_of(&e->bin_acc), za = mean_of(&e->zero_acc);
        evidence(f, "binary accuracy (each of the %lld outputs thresholded at 0.5): %s",
                 (long long)C, g(ba, a, sizeof a));
        number(f, "binary_accuracy", ba);
        if (e->have_acc) {
          evidence(f, "true accuracy (the argmax is the label): %s", g(mean_of(&e->acc), b, sizeof b));
          number(f, "accuracy", mean_of(&e->acc));
        }
        evidence(f, "predicting all zeros already scores %s on binary accuracy, that is "
                    "(C - 1) / C = %lld/%lld",
                 g(za, c, sizeof c), (long long)(C - 1), (long long)C);
        number(f, "all_zeros_binary_accuracy", za);
      }
      if (legacy_binary)
        evidence(f, "metrics=['accuracy'] with binary_crossentropy means binary accuracy in "
                    "Keras 2.x and tf.keras before TensorFlow 2.2 (Keras 3 picks categorical "
                    "accuracy from the shapes)");
      if (bin_loss)
        evidence(f, "binary cross-entropy averages over the %lld outputs, %lld of which are 0 "
                    "in every sample: it mostly rewards predicting 0, and nothing makes the "
                    "outputs compete for the one right class",
                 (long long)C, (long long)(C - 1));
      set_text(&f->why, "Binary accuracy counts each of the C outputs as a separate yes/no "
                        "decision, so the C - 1 easy zeros dominate and a useless model "
                        "looks %.0f%% accurate.",
               100.0 * (double)(C - 1) / (double)C);
      set_text(&f->instead,
               "Use a softmax over the %lld outputs with categorical_crossentropy (one-hot "
               "labels) or sparse_categorical_crossentropy (class indices), or "
               "softmax_cross_entropy on the logits (torch.cross_entropy), and report "
               "categorical (or sparse categorical) accuracy.",
               (long long)C);
    }
  }

  /* 5. independent sigmoids on mutually exclusive classes */
  if (C >= 2 && exclusive &&
      (A == XCLI_ACT_SIGMOID || (A == XCLI_ACT_UNKNOWN && sigmoid_probs))) {
    finding *f = add(fs, "sigmoid-on-exclusive-classes",
                     "independent sigmoid outputs on mutually exclusive classes");
    evidence(f, "every sample has exactly one of the %lld classes", (long long)C);
    if (A == XCLI_ACT_SIGMOID) evidence(f, "--activation %s", o->activation_name);
    if (sigmoid_probs && os->finite_rows > 0) {
      evidence(f, "the outputs' row sums range from %s to %s (a softmax's are all 1)",
               g(os->sum_min, a, sizeof a), g(os->sum_max, b, sizeof b));
      evidence(f, "%lld of %lld rows have no output above 0.5 and %lld have two or more",
               (long long)os->rows_none_above_half, (long long)os->finite_rows,
               (long long)os->rows_multi_above_half);
      number(f, "rows_none_above_half", (double)os->rows_none_above_half);
      number(f, "rows_several_above_half", (double)os->rows_multi_above_half);
    }
    set_text(&f->why, "Sigmoids score each class on its own, so the outputs are not a "
                      "distribution over the classes: they need not sum to 1, a sample can "
                      "get several classes or none, and the probabilities are not calibrated "
                      "against each other.");
    set_text(&f->instead, "Use a softmax over the outputs with categorical (or sparse "
                          "categorical) cross-entropy, or softmax_cross_entropy on the logits.");
  }

  /* 6. softmax outputs on multi-label targets */
  bool f6 = false;
  if (C >= 2 && det->labels == XCLI_LAB_MULTI_HOT && ls->rows_multi_positive > 0 &&
      (A == XCLI_ACT_SOFTMAX || (A == XCLI_ACT_UNKNOWN && softmax_probs) ||
       (L && L->family == XCLI_FAMILY_CATEGORICAL))) {
    f6 = true;
    finding *f = add(fs, "softmax-on-multilabel", "softmax outputs on multi-label targets");
    evidence(f, "%lld of %lld samples have two or more labels (up to %lld)",
             (long long)ls->rows_multi_positive, (long long)ls->rows,
             (long long)ls->max_positives);
    if (A == XCLI_ACT_SOFTMAX) evidence(f, "--activation %s", o->activation_name);
    if (softmax_probs) evidence(f, "the outputs sum to 1 in every row: a softmax");
    if (L && L->family == XCLI_FAMILY_CATEGORICAL)
      evidence(f, "%s is a softmax (categorical) loss", lname);
    int64_t reachable = ls->rows - ls->rows_no_positive;
    evidence(f, "a softmax row sums to 1, so at most one label per sample can pass 0.5: at "
                "most %lld of the %lld positive labels can ever be predicted (recall at most "
                "%s)",
             (long long)reachable, (long long)ls->positives,
             g(ls->positives ? (double)reachable / (double)ls->positives : NAN, a, sizeof a));
    number(f, "samples_with_several_labels", (double)ls->rows_multi_positive);
    number(f, "max_recall", ls->positives ? (double)reachable / (double)ls->positives : NAN);
    set_text(&f->why, "A softmax makes the labels compete for one unit of probability; "
                      "multi-label targets need each label scored on its own.");
    set_text(&f->instead, "Use a sigmoid per label with binary cross-entropy "
                          "(sigmoid_cross_entropy on the logits: "
                          "torch.binary_cross_entropy_with_logits, "
                          "keras.binary_crossentropy(from_logits=True)) and a threshold per "
                          "label.");
  }

  /* 7. a sigmoid squashing a regression target */
  {
    bool sig = A == XCLI_ACT_SIGMOID || (A == XCLI_ACT_UNKNOWN && probs);
    bool real = det->labels == XCLI_LAB_REAL && ls->many_values;
    bool reg_loss = L && L->family == XCLI_FAMILY_REGRESSION;
    bool continuous = ls->many_values && ls->non_integer > 0;
    if ((real && sig) || (reg_loss && A == XCLI_ACT_SIGMOID && continuous)) {
      finding *f = add(fs, "sigmoid-on-regression-target",
                       "a sigmoid squashing a regression target");
      evidence(f, "the targets are real values from %s to %s, not class labels",
               g(ls->min, a, sizeof a), g(ls->max, b, sizeof b));
      if (ls->outside01 > 0)
        evidence(f, "%lld of %lld targets (%s) lie outside [0, 1], where a sigmoid never goes",
                 (long long)ls->outside01, (long long)ls->values,
                 pct(ls->outside01, ls->values, q, sizeof q));
      if (A == XCLI_ACT_SIGMOID)
        evidence(f, "--activation %s", o->activation_name);
      else if (probs)
        evidence(f, "every output lies in [0, 1] (min %s, max %s)", g(os->min, a, sizeof a),
                 g(os->max, b, sizeof b));
      if (e->mse_best.status == XENT_OK && e->mse_best.count > 0 && ls->outside01 > 0) {
        evidence(f, "the smallest mean squared error any output in [0, 1] can reach here is "
                    "%s",
                 g(xcli_loss_value(&e->mse_best), a, sizeof a));
        number(f, "best_possible_mse", xcli_loss_value(&e->mse_best));
      }
      if (probs && e->mse_now.status == XENT_OK && e->mse_now.count > 0) {
        evidence(f, "the outputs' mean squared error: %s",
                 g(xcli_loss_value(&e->mse_now), a, sizeof a));
        number(f, "mse", xcli_loss_value(&e->mse_now));
      }
      set_text(&f->why, "A sigmoid maps to (0, 1): it cannot reach targets outside it, and "
                        "near 0 and 1 its gradient vanishes, so targets close to the ends are "
                        "learnt slowly. It belongs to classification, where it turns a logit "
                        "into a probability.");
      set_text(&f->instead, "Use a linear output (no activation) with mean squared error or "
                            "Huber loss. If the targets must stay in a range, scale them, and "
                            "clip the predictions at inference.");
    }
  }

  /* 8. labels outside the range of the outputs */
  if (det->sparse_labels && (ls->out_of_range > 0 || ls->non_integer > 0)) {
    finding *f = add(fs, "labels-out-of-range", "class labels outside the outputs' %lld classes",
                     (long long)C);
    if (ls->out_of_range > 0) {
      evidence(f, "%lld of %lld labels are outside [0, %lld) (labels range from %s to %s; the "
                  "first at %s = %s)",
               (long long)ls->out_of_range, (long long)ls->values, (long long)C,
               g(ls->min, a, sizeof a), g(ls->max, b, sizeof b), ls->first_out_of_range,
               g(ls->first_out_of_range_value, c, sizeof c));
      number(f, "out_of_range", (double)ls->out_of_range);
    }
    if (ls->non_integer > 0) {
      evidence(f, "%lld labels are not whole numbers (the first at %s = %s)",
               (long long)ls->non_integer, ls->first_non_integer,
               g(ls->first_non_integer_value, a, sizeof a));
      number(f, "non_integer", (double)ls->non_integer);
    }
    if (ls->min == 1 && ls->max == (double)C)
      set_text(&f->instead, "The labels run from 1 to %lld: they look 1-based. Subtract 1 so "
                            "that class c is output column c.",
               (long long)C);
    else if (ls->min >= 0 && ls->max == (double)C)
      set_text(&f->instead, "Label %lld appears but the model has %lld outputs (classes 0 to "
                            "%lld): give the model %lld outputs, or fix the label encoding.",
               (long long)C, (long long)C, (long long)(C - 1), (long long)(C + 1));
    else if (ls->min < 0)
      set_text(&f->instead, "Negative labels (%s) are often padding: -100 is PyTorch's "
                            "ignore_index default. Mask those samples out (ignore_index in "
                            "torch.cross_entropy, ignore_class in Keras, a mask in xent) or "
                            "remove them.",
               g(ls->min, a, sizeof a));
    else if (ls->non_integer > 0)
      set_text(&f->instead, "Class labels must be whole numbers in [0, %lld). If these are "
                            "probabilities or targets, give them one column per class "
                            "(one-hot or soft labels) instead.",
               (long long)C);
    else
      set_text(&f->instead, "Make every label a class index in [0, %lld), or give the model "
                            "as many outputs as there are classes.",
               (long long)C);
    set_text(&f->why, "A label outside [0, C) has no output column: TensorFlow raises an "
                      "error or silently returns NaN/0 depending on the device, PyTorch raises "
                      "(or asserts on a GPU), and metrics count it as a miss.");
  } else if (C == 1 && ls->values > 0 && ls->nonfinite == 0 && !ls->many_values &&
             ls->non_integer == 0 && ls->outside01 > 0 &&
             (ls->minus_one == 0 || (L && L->family == XCLI_FAMILY_BINARY))) {
    /* two integer values that are not 0 and 1 */
    finding *f = add(fs, "labels-out-of-range", "binary labels that are not 0 and 1");
    evidence(f, "the labels take the values %s and %s", g(ls->seen[0], a, sizeof a),
             g(ls->nseen > 1 ? ls->seen[1] : ls->seen[0], b, sizeof b));
    if (ls->minus_one > 0 && L)
      evidence(f, "%s expects targets in [0, 1]: with y = -1 the term "
                  "-(y log p + (1 - y) log(1 - p)) = log p - 2 log(1 - p) is no longer a "
                  "cross-entropy and has no minimum at the right answer",
               lname);
    set_text(&f->why, "Binary cross-entropy and binary metrics read the label as the "
                      "probability of the positive class, so it must be 0 or 1.");
    set_text(&f->instead, "Map the labels to 0 (negative) and 1 (positive).");
  }

  /* 9. soft labels that do not sum to 1 */
  {
    bool cat_context = (L && L->family == XCLI_FAMILY_CATEGORICAL) || A == XCLI_ACT_SOFTMAX ||
                       (A == XCLI_ACT_UNKNOWN && softmax_probs);
    int64_t bad = ls->rows - ls->rows_sum1;
    if (!det->sparse_labels && C >= 2 && !f6 && bad > 0 && ls->nonfinite == 0 &&
        det->labels != XCLI_LAB_REAL &&
        (det->labels == XCLI_LAB_SOFT || det->labels == XCLI_LAB_MULTI_HOT) &&
        (cat_context || (det->labels == XCLI_LAB_SOFT && ls->rows_sum1 * 2 > ls->rows))) {
      finding *f = add(fs, "soft-labels-not-summing-to-1", "label rows that do not sum to 1");
      evidence(f, "%lld of %lld label rows do not sum to 1 (sums from %s to %s; the first at "
                  "%s)",
               (long long)bad, (long long)ls->rows, g(ls->sum_min, a, sizeof a),
               g(ls->sum_max, b, sizeof b), ls->first_bad_sum);
      number(f, "rows_not_summing_to_1", (double)bad);
      if (cat_context && L && L->family == XCLI_FAMILY_CATEGORICAL)
        evidence(f, "%s treats each label row as a distribution over the classes", lname);
      set_text(&f->why, "Categorical cross-entropy is linear in the labels: a row summing to "
                        "2 counts twice, a row of zeros adds nothing, and the gradient "
                        "softmax * sum(y) - y does not vanish where the prediction matches "
                        "the labels.");
      set_text(&f->instead, "Divide each label row by its sum (label smoothing keeps the sum "
                            "at 1: y (1 - a) + a / C). If the classes are independent, use a "
                            "sigmoid per class with binary cross-entropy instead.");
    }
  }

  /* 10. NaN or infinite values */
  if (os->nan + os->posinf + os->neginf > 0) {
    finding *f = add(fs, "non-finite-outputs", "NaN or infinite outputs");
    evidence(f, "%lld NaN, %lld +inf and %lld -inf among %lld outputs (the first at %s = %s)",
             (long long)os->nan, (long long)os->posinf, (long long)os->neginf,
             (long long)os->values, os->first_nonfinite,
             g(os->first_nonfinite_value, a, sizeof a));
    number(f, "nan", (double)os->nan);
    number(f, "infinite", (double)(os->posinf + os->neginf));
    set_text(&f->why, "A NaN output makes its loss NaN and, through the mean, the whole "
                      "batch's loss and gradients: training stops making sense from there. "
                      "Metrics cannot rank or threshold NaN.");
    set_text(&f->instead,
             "Find where they start: a learning rate that is too high (the run diverged), "
             "log(0) or 0/0 in a hand-written loss (use the fused with-logits losses, never "
             "log(softmax(x))), overflow in float16, or NaN in the inputs. Lower the learning "
             "rate, clip gradients, and check the inputs.");
  }
  if (ls->nonfinite > 0) {
    finding *f = add(fs, "non-finite-labels", "NaN or infinite labels");
    evidence(f, "%lld of %lld labels are NaN or infinite (the first at %s)",
             (long long)ls->nonfinite, (long long)ls->values, ls->first_nonfinite);
    number(f, "non_finite", (double)ls->nonfinite);
    set_text(&f->why, "A NaN label makes its sample's loss NaN, and the batch's with it.");
    set_text(&f->instead, "Remove or mask the samples with missing labels.");
  }

  /* 11. a class that never occurs */
  if (C >= 2 && (exclusive || det->labels == XCLI_LAB_MULTI_HOT) && ls->values > 0) {
    int64_t missing = 0;
    char list[256] = "", pred[256] = "";
    for (int64_t k = 0; k < C; k++) {
      if (ls->support[k] != 0) continue;
      if (missing < 8) {
        char nm[64];
        size_t at = strlen(list), pat = strlen(pred);
        snprintf(list + at, sizeof list - at, "%s%s", missing ? ", " : "",
                 xcli_class_name(d, k, nm, sizeof nm));
        snprintf(pred + pat, sizeof pred - pat, "%s%lld", missing ? ", " : "",
                 (long long)os->predicted[k]);
      }
      missing++;
    }
    if (missing > 0) {
      bool ml = det->labels == XCLI_LAB_MULTI_HOT;
      finding *f = add(fs, "class-never-occurs", "%s that never occur%s in the labels",
                       ml ? (missing > 1 ? "labels" : "a label") : (missing > 1 ? "classes" : "a class"),
                       missing > 1 ? "" : "s");
      evidence(f, "%s %s%s never %s among the %lld samples", ml ? "label" : "class", list,
               missing > 8 ? ", ..." : "", ml ? "is positive" : "occurs", (long long)N);
      if (!ml)
        evidence(f, "the model predicts %s (argmax) %s times%s", missing > 1 ? "them" : "it",
                 pred, missing > 1 ? " respectively" : "");
      number(f, "missing_classes", (double)missing);
      set_text(&f->why, "For a class without samples, recall, F1 and ROC AUC are undefined, "
                        "and macro averages over classes count it anyway; often it means the "
                        "label encoding or the data split is wrong.");
      set_text(&f->instead, "Check that output column c is class c in the labels, that the "
                            "split holds every class (stratify it), or drop the unused outputs.");
    }
  }
  (void)sigmoid_probs;
}

/* ---- reports ---- */

/* Prints "   label  text" with the text wrapped at 100 columns under itself. */
static void wrapped(FILE *f, const char *label, const char *text) {
  const int indent = 13, width = 100;
  fprintf(f, "   %-9s ", label);
  int col = indent;
  const char *p = text;
  while (*p) {
    const char *w = p;
    while (*w && *w != ' ') w++;
    int len = (int)(w - p);
    if (col > indent && col + 1 + len > width) {
      fprintf(f, "\n%*s", indent, "");
      col = indent;
    } else if (col > indent) {
      fputc(' ', f);
      col++;
    }
    fwrite(p, 1, (size_t)len, f);
    col += len;
    p = w;
    while (*p == ' ') p++;
  }
  fputc('\n', f);
}

static void text_report(FILE *f, const xcli_data *d, const xcli_doctor_options *o,
                        const findings *fs) {
  fprintf(f, "xent doctor\n\n");
  xcli_report_detection_text(f, d);
  if (o->has_loss || o->activation || o->metric) {
    fprintf(f, "Training setup\n");
    if (o->has_loss)
      fprintf(f, "  loss        %s  (xent: %s; takes %s)\n", o->loss.given, o->loss.canonical,
              o->loss.input == XCLI_LOSS_ON_LOGITS          ? "logits"
              : o->loss.input == XCLI_LOSS_ON_PROBABILITIES ? "probabilities"
              : o->loss.input == XCLI_LOSS_ON_LOG_PROBABILITIES ? "log-probabilities"
                                                                : "values");
    if (o->activation) fprintf(f, "  activation  %s\n", o->activation_name);
    if (o->metric) fprintf(f, "  metric      %s\n", o->metric_name);
    fputc('\n', f);
  }
  if (fs->n == 0) {
    fprintf(f, "No misuse found.\n");
    if (!o->has_loss && !o->activation)
      fprintf(f, "(Give --loss and --activation for the checks that depend on them.)\n");
    return;
  }
  fprintf(f, "%d finding%s\n", fs->n, fs->n > 1 ? "s" : "");
  for (int i = 0; i < fs->n; i++) {
    const finding *x = &fs->f[i];
    fprintf(f, "\n%d. %s  [%s]\n", i + 1, x->title, x->id);
    for (int k = 0; k < x->nevidence; k++) wrapped(f, k ? "" : "evidence:", x->evidence[k]);
    if (x->why) wrapped(f, "why:", x->why);
    if (x->instead) wrapped(f, "instead:", x->instead);
  }
}

static void json_report(FILE *f, const xcli_data *d, const xcli_doctor_options *o,
                        const findings *fs) {
  xcli_json j;
  xcli_json_begin(&j, f);
  xcli_json_key(&j, "command");
  xcli_json_str(&j, "doctor");
  xcli_report_detection_json(&j, d);
  xcli_json_key(&j, "setup");
  xcli_json_object(&j);
  xcli_json_key(&j, "loss");
  if (o->has_loss) {
    xcli_json_object(&j);
    xcli_json_key(&j, "name");
    xcli_json_str(&j, o->loss.given);
    xcli_json_key(&j, "canonical");
    xcli_json_str(&j, o->loss.canonical);
    xcli_json_close(&j, '}');
  } else {
    xcli_json_null(&j);
  }
  xcli_json_key(&j, "activation");
  if (o->activation)
    xcli_json_str(&j, xcli_activation_name(o->activation));
  else
    xcli_json_null(&j);
  xcli_json_key(&j, "metric");
  if (o->metric)
    xcli_json_str(&j, o->metric_name);
  else
    xcli_json_null(&j);
  xcli_json_close(&j, '}');
  xcli_json_key(&j, "findings");
  xcli_json_array(&j);
  for (int i = 0; i < fs->n; i++) {
    const finding *x = &fs->f[i];
    xcli_json_object(&j);
    xcli_json_key(&j, "id");
    xcli_json_str(&j, x->id);
    xcli_json_key(&j, "title");
    xcli_json_str(&j, x->title);
    xcli_json_key(&j, "evidence");
    xcli_json_array(&j);
    for (int k = 0; k < x->nevidence; k++) xcli_json_str(&j, x->evidence[k]);
    xcli_json_close(&j, ']');
    xcli_json_key(&j, "numbers");
    xcli_json_object(&j);
    for (int k = 0; k < x->nnum; k++) {
      xcli_json_key(&j, x->num_name[k]);
      xcli_json_num(&j, x->num_value[k]);
    }
    xcli_json_close(&j, '}');
    xcli_json_key(&j, "why");
    xcli_json_str(&j, x->why);
    xcli_json_key(&j, "instead");
    xcli_json_str(&j, x->instead);
    xcli_json_close(&j, '}');
  }
  xcli_json_close(&j, ']');
  xcli_json_end(&j);
}

int xcli_doctor_run(const xcli_inputs *in, const xcli_doctor_options *o, bool json,
                    const char *output, xcli_error *err) {
  xcli_data d;
  xcli_status st = xcli_data_open(&d, in, false, err);
  if (st != XCLI_OK) {
    xcli_data_close(&d);
    return st == XCLI_ERR_NOMEM ? XCLI_EXIT_INTERNAL
           : st == XCLI_ERR_ARGUMENT ? XCLI_EXIT_USAGE
                                     : XCLI_EXIT_INPUT;
  }
  evidence_pass e;
  st = run_evidence(&d, in, o, &e, err);
  if (st != XCLI_OK) {
    xcli_data_close(&d);
    return st == XCLI_ERR_NOMEM ? XCLI_EXIT_INTERNAL : XCLI_EXIT_INPUT;
  }
  findings fs;
  memset(&fs, 0, sizeof fs);
  diagnose(&d, o, &e, &fs);
  xcli_out out;
  int rc = fs.n > 0 ? XCLI_EXIT_FINDINGS : XCLI_EXIT_OK;
  if (!xcli_out_open(&out, output, err)) {
    rc = XCLI_EXIT_OUTPUT;
  } else {
    if (json)
      json_report(out.f, &d, o, &fs);
    else
      text_report(out.f, &d, o, &fs);
    if (!xcli_out_commit(&out, err)) rc = XCLI_EXIT_OUTPUT;
  }
  findings_free(&fs);
  xcli_data_close(&d);
  return rc;
}
