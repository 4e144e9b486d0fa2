/* Reports: output files written atomically, a JSON writer whose numbers read
 * back exactly, and the text and JSON reports of `xent eval`. */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- atomic output files ---- */

/* Temporary files being written, for the signal handler. */
#define MAX_OPEN 16
static char *volatile open_tmp[MAX_OPEN];

static void track(char *tmp, bool add) {
  for (int i = 0; i < MAX_OPEN; i++) {
    if (add && !open_tmp[i]) {
      open_tmp[i] = tmp;
      return;
    }
    if (!add && open_tmp[i] == tmp) {
      open_tmp[i] = NULL;
      return;
    }
  }
}

void xcli_out_cleanup_all(void) {
  for (int i = 0; i < MAX_OPEN; i++)
    if (open_tmp[i]) unlink(open_tmp[i]); /* async-signal-safe */
}

bool xcli_out_open(xcli_out *o, const char *path, xcli_error *err) {
  memset(o, 0, sizeof *o);
  if (!path || !strcmp(path, "-")) {
    o->f = stdout;
    return true;
  }
  static unsigned counter;
  const char *slash = strrchr(path, '/');
  size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
  o->path = xcli_strdup(path);
  o->tmp = xcli_asprintf("%.*s.%s.%ld.%u.tmp", (int)dirlen, path, path + dirlen,
                         (long)getpid(), counter++);
  if (!o->path || !o->tmp) {
    xcli_fail(err, XCLI_ERR_NOMEM, NULL, "out of memory");
    xcli_out_abort(o);
    return false;
  }
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    xcli_fail(err, XCLI_ERR_IO, path, "is a directory, not a file");
    xcli_out_abort(o);
    return false;
  }
  int fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    char e[128];
    xcli_fail(err, XCLI_ERR_IO, path, "cannot create: %s",
              xcli_strerror(errno, e, sizeof e));
    free(o->tmp);
    o->tmp = NULL;
    xcli_out_abort(o);
    return false;
  }
  track(o->tmp, true);
  o->f = fdopen(fd, "w");
  if (!o->f) {
    close(fd);
    xcli_fail(err, XCLI_ERR_NOMEM, NULL, "out of memory");
    xcli_out_abort(o);
    return false;
  }
  return true;
}

bool xcli_out_commit(xcli_out *o, xcli_error *err) {
  if (o->f == stdout) {
    bool ok = fflush(stdout) == 0 && !ferror(stdout);
    if (!ok) xcli_fail(err, XCLI_ERR_IO, "standard output", "write error");
    o->f = NULL;
    return ok;
  }
  char e[128];
  bool ok = fflush(o->f) == 0 && !ferror(o->f);
  if (ok && fsync(fileno(o->f)) != 0 && errno != EINVAL) ok = false;
  int saved = errno;
  if (fclose(o->f) != 0 && ok) {
    ok = false;
    saved = errno;
  }
  o->f = NULL;
  if (ok && rename(o->tmp, o->path) != 0) {
    ok = false;
    saved = errno;
  }
  if (!ok) {
    xcli_fail(err, XCLI_ERR_IO, o->path, "cannot write: %s", xcli_strerror(saved, e, sizeof e));
    xcli_out_abort(o);
    return false;
  }
  track(o->tmp, false);
  free(o->tmp);
  free(o->path);
  memset(o, 0, sizeof *o);
  return true;
}

void xcli_out_abort(xcli_out *o) {
  if (o->f && o->f != stdout) fclose(o->f);
  if (o->tmp) {
    unlink(o->tmp);
    track(o->tmp, false);
  }
  free(o->tmp);
  free(o->path);
  memset(o, 0, sizeof *o);
}

/* ---- JSON ---- */

const char *xcli_fmt_double(double v, char *buf, size_t size) {
  for (int p = 1; p <= 17; p++) {
    snprintf(buf, size, "%.*g", p, v);
    double back = strtod(buf, NULL);
    if (back == v && signbit(back) == signbit(v)) break;
  }
  return buf;
}

static void indent(xcli_json *j) {
  fputc('\n', j->f);
  for (int i = 0; i < j->depth; i++) fputs("  ", j->f);
}

/* Before a value or a key: the separator, and this value's path. */
static void before(xcli_json *j, bool container) {
  int d = j->depth;
  if (j->is_array[d]) {
    if (!j->first[d]) fputc(',', j->f);
    if (container || j->multiline[d]) {
      indent(j);
      j->multiline[d] = true;
    } else if (!j->first[d]) {
      fputc(' ', j->f);
    }
    j->plen[d + 1] = j->plen[d];
    int n = snprintf(j->path + j->plen[d], sizeof j->path - j->plen[d], "[%lld]",
                     (long long)j->count[d]);
    if (n > 0 && j->plen[d] + (size_t)n < sizeof j->path) j->plen[d + 1] = j->plen[d] + (size_t)n;
    j->count[d]++;
    j->first[d] = false;
  }
  /* in an object the key already wrote the separator and the path */
}

void xcli_json_begin(xcli_json *j, FILE *f) {
  memset(j, 0, sizeof *j);
  j->f = f;
  fputc('{', f);
  j->depth = 1;
  j->first[1] = true;
  j->multiline[1] = true;
}

void xcli_json_key(xcli_json *j, const char *key) {
  int d = j->depth;
  if (!j->first[d]) fputc(',', j->f);
  j->first[d] = false;
  j->multiline[d] = true;
  indent(j);
  xcli_json_str_raw(j, key);
  fputs(": ", j->f);
  size_t at = j->plen[d];
  int n = snprintf(j->path + at, sizeof j->path - at, "%s%s", at ? "." : "", key);
  j->plen[d + 1] = n > 0 && at + (size_t)n < sizeof j->path ? at + (size_t)n : at;
}

static void open_container(xcli_json *j, char c) {
  before(j, true);
  fputc(c, j->f);
  if (j->depth >= 30) return; /* not reached by the reports; keeps the arrays in bounds */
  int d = ++j->depth;
  j->first[d] = true;
  j->multiline[d] = false;
  j->is_array[d] = c == '[';
  j->count[d] = 0;
  /* plen[d] was set by the key or the array element */
}

void xcli_json_object(xcli_json *j) { open_container(j, '{'); }
void xcli_json_array(xcli_json *j) { open_container(j, '['); }

void xcli_json_close(xcli_json *j, char c) {
  bool multi = j->multiline[j->depth];
  j->depth--;
  if (multi) indent(j);
  fputc(c, j->f);
}

static void add_note(xcli_json *j, char *text) {
  if (!text) return;
  char **n = realloc(j->notes, (size_t)(j->nnotes + 1) * sizeof *n);
  if (!n) {
    free(text);
    return;
  }
  j->notes = n;
  j->notes[j->nnotes++] = text;
}

void xcli_json_note(xcli_json *j, const char *text) { add_note(j, xcli_strdup(text)); }

void xcli_json_num(xcli_json *j, double v) {
  before(j, false);
  if (isfinite(v)) {
    char buf[40];
    fputs(xcli_fmt_double(v, buf, sizeof buf), j->f);
    return;
  }
  fputs("null", j->f);
  char path[sizeof j->path + 1];
  snprintf(path, sizeof path, "%.*s", (int)j->plen[j->depth + 1], j->path);
  add_note(j, xcli_asprintf("%s is %s, written as null", path,
                            isnan(v) ? "NaN (undefined)" : v > 0 ? "+infinity" : "-infinity"));
}

void xcli_json_int(xcli_json *j, int64_t v) {
  before(j, false);
  fprintf(j->f, "%lld", (long long)v);
}

void xcli_json_bool(xcli_json *j, bool v) {
  before(j, false);
  fputs(v ? "true" : "false", j->f);
}

void xcli_json_null(xcli_json *j) {
  before(j, false);
  fputs("null", j->f);
}

/* Length of a valid UTF-8 sequence at s, or 0. */
static int utf8_len(const unsigned char *s) {
  unsigned c = s[0];
  int n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
  if (c >= 0xf5) n = 0;
  for (int i = 1; i < n; i++)
    if ((s[i] & 0xc0) != 0x80) return 0;
  return n;
}

void xcli_json_str_raw(xcli_json *j, const char *s) {
  fputc('"', j->f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned c = *p;
    if (c == '"' || c == '\\') {
      fputc('\\', j->f);
      fputc((int)c, j->f);
    } else if (c == '\n') {
      fputs("\\n", j->f);
    } else if (c == '\t') {
      fputs("\\t", j->f);
    } else if (c < 0x20 || c == 0x7f) {
      fprintf(j->f, "\\u%04x", c);
    } else if (c < 0x80) {
      fputc((int)c, j->f);
    } else {
      int n = utf8_len(p);
      if (n) {
        fwrite(p, 1, (size_t)n, j->f);
        p += n - 1;
      } else {
        fprintf(j->f, "\\u%04x", c); /* a stray byte, read as Latin-1 */
      }
    }
  }
  fputc('"', j->f);
}

void xcli_json_str(xcli_json *j, const char *s) {
  before(j, false);
  xcli_json_str_raw(j, s ? s : "");
}

void xcli_json_end(xcli_json *j) {
  xcli_json_key(j, "notes");
  xcli_json_array(j);
  for (int i = 0; i < j->nnotes; i++) {
    before(j, true); /* one note per line */
    xcli_json_str_raw(j, j->notes[i]);
    free(j->notes[i]);
  }
  free(j->notes);
  j->notes = NULL;
  j->nnotes = 0;
  xcli_json_close(j, ']');
  j->depth = 0;
  fputs("\n}\n", j->f);
}

/* key + value shorthands */
static void jnum(xcli_json *j, const char *k, double v) {
  xcli_json_key(j, k);
  xcli_json_num(j, v);
}
static void jint(xcli_json *j, const char *k, int64_t v) {
  xcli_json_key(j, k);
  xcli_json_int(j, v);
}
static void jstr(xcli_json *j, const char *k, const char *v) {
  xcli_json_key(j, k);
  xcli_json_str(j, v);
}
static void jbool(xcli_json *j, const char *k, bool v) {
  xcli_json_key(j, k);
  xcli_json_bool(j, v);
}

/* ---- the detection block (eval and doctor) ---- */

static void json_source(xcli_json *j, const char *k, const xcli_source *s) {
  xcli_json_key(j, k);
  xcli_json_object(j);
  jstr(j, "path", s->path);
  jstr(j, "format", s->is_npy ? "npy" : "csv");
  jstr(j, "dtype", xcli_source_dtype(s));
  xcli_json_key(j, "shape");
  xcli_json_array(j);
  for (int a = 0; a < s->rank; a++) xcli_json_int(j, s->shape[a]);
  xcli_json_close(j, ']');
  xcli_json_close(j, '}');
}

void xcli_report_detection_json(xcli_json *j, const xcli_data *d) {
  const xcli_detection *det = &d->det;
  jstr(j, "xent_version", xent_version());
  xcli_json_key(j, "inputs");
  xcli_json_object(j);
  json_source(j, "outputs", &d->out);
  json_source(j, "labels", &d->lab);
  xcli_json_close(j, '}');
  xcli_json_key(j, "detected");
  xcli_json_object(j);
  jint(j, "samples", det->rows);
  jint(j, "classes", det->classes);
  xcli_json_key(j, "outputs");
  xcli_json_object(j);
  jstr(j, "kind", xcli_outputs_name(det->outputs));
  jstr(j, "activation", xcli_activation_name(det->activation));
  jbool(j, "forced", det->outputs_forced);
  jstr(j, "evidence", det->outputs_why);
  jnum(j, "min", det->out.min);
  jnum(j, "max", det->out.max);
  jint(j, "nan", det->out.nan);
  jint(j, "infinite", det->out.posinf + det->out.neginf);
  xcli_json_close(j, '}');
  xcli_json_key(j, "labels");
  xcli_json_object(j);
  jstr(j, "kind", xcli_labels_name(det->labels));
  jbool(j, "forced", det->labels_forced);
  jstr(j, "evidence", det->labels_why);
  xcli_json_close(j, '}');
  xcli_json_key(j, "task");
  xcli_json_object(j);
  jstr(j, "kind", xcli_task_name(det->task));
  jbool(j, "forced", det->task_forced);
  jstr(j, "evidence", det->task_why);
  xcli_json_close(j, '}');
  if (d->class_names) {
    xcli_json_key(j, "class_names");
    xcli_json_array(j);
    for (int64_t c = 0; c < det->classes; c++) xcli_json_str(j, d->class_names[c]);
    xcli_json_close(j, ']');
  }
  xcli_json_close(j, '}');
}

static const char *outputs_words(const xcli_detection *det) {
  switch (det->outputs) {
    case XCLI_OUT_LOGITS: return "logits";
    case XCLI_OUT_LOG_PROBABILITIES: return "log-probabilities (log_softmax)";
    case XCLI_OUT_PROBABILITIES:
      return det->activation == XCLI_ACT_SOFTMAX ? "probabilities (softmax)"
                                                 : "probabilities (sigmoid)";
    default: return "unknown";
  }
}

static const char *labels_words(const xcli_detection *det) {
  switch (det->labels) {
    case XCLI_LAB_INDICES: return "class indices";
    case XCLI_LAB_BINARY: return "0/1 targets";
    case XCLI_LAB_ONE_HOT: return "one-hot";
    case XCLI_LAB_MULTI_HOT: return "multi-hot";
    case XCLI_LAB_SOFT: return "soft labels";
    case XCLI_LAB_REAL: return "real-valued targets";
    default: return "unknown";
  }
}

static const char *task_words(const xcli_detection *det) {
  switch (det->task) {
    case XCLI_TASK_BINARY: return det->classes == 1 ? "binary (one score per sample)"
                                                    : "binary (two classes)";
    case XCLI_TASK_MULTICLASS: return "multi-class";
    case XCLI_TASK_MULTILABEL: return "multi-label";
    case XCLI_TASK_REGRESSION: return "regression";
    default: return "unknown";
  }
}

void xcli_report_detection_text(FILE *f, const xcli_data *d) {
  const xcli_detection *det = &d->det;
  char a[256], b[256];
  fprintf(f, "Inputs\n");
  fprintf(f, "  outputs  %s  (%s)\n", d->out.path, xcli_source_describe(&d->out, a, sizeof a));
  fprintf(f, "  labels   %s  (%s)\n", d->lab.path, xcli_source_describe(&d->lab, b, sizeof b));
  fprintf(f, "  %lld samples, %lld output column%s\n\n", (long long)det->rows,
          (long long)det->classes, det->classes == 1 ? "" : "s");
  fprintf(f, "What was given (override with --outputs, --labels, --task)\n");
  fprintf(f, "  outputs  %-28s %s\n", outputs_words(det), det->outputs_why);
  fprintf(f, "  labels   %-28s %s\n", labels_words(det), det->labels_why);
  fprintf(f, "  task     %-28s %s\n\n", task_words(det), det->task_why);
}

/* ---- the eval report ---- */

static const char *f4(double v, char *buf, size_t size) {
  if (isnan(v))
    snprintf(buf, size, "n/a");
  else if (isinf(v))
    snprintf(buf, size, "%sinf", v < 0 ? "-" : "");
  else
    snprintf(buf, size, "%.4f", v);
  return buf;
}

static const char *g6(double v, char *buf, size_t size) {
  if (isnan(v))
    snprintf(buf, size, "n/a");
  else
    snprintf(buf, size, "%.6g", v);
  return buf;
}

static const char *count_str(double v, char *buf, size_t size) {
  if (v == floor(v) && fabs(v) < 1e15)
    snprintf(buf, size, "%.0f", v);
  else
    snprintf(buf, size, "%.4g", v);
  return buf;
}

static const char *reduction_words(const xcli_loss_acc *a) {
  return a->loss.elementwise ? "mean over outputs" : "mean over samples";
}

static const char *input_words(xcli_loss_input in) {
  switch (in) {
    case XCLI_LOSS_ON_LOGITS: return "logits";
    case XCLI_LOSS_ON_PROBABILITIES: return "probabilities";
    case XCLI_LOSS_ON_LOG_PROBABILITIES: return "log-probabilities";
    default: return "values";
  }
}

/* A note when a requested loss expects another kind of outputs. */
static const char *mismatch(const xcli_data *d, const xcli_loss *l) {
  xcli_outputs_kind k = d->det.outputs;
  bool ok = (l->input == XCLI_LOSS_ON_LOGITS && k != XCLI_OUT_PROBABILITIES) ||
            (l->input == XCLI_LOSS_ON_PROBABILITIES && k == XCLI_OUT_PROBABILITIES) ||
            (l->input == XCLI_LOSS_ON_LOG_PROBABILITIES && k == XCLI_OUT_LOG_PROBABILITIES) ||
            l->input == XCLI_LOSS_ON_VALUES;
  return ok ? NULL : "expects other outputs";
}

void xcli_report_eval_text(FILE *f, const xcli_data *d, const xcli_results *r,
                           const char *const *plots, int nplots) {
  const xcli_detection *det = &d->det;
  const int64_t C = det->classes;
  char a[64], b[64], c[64], e[64], g[64], h[64], nm[64];
  fprintf(f, "xent eval\n\n");
  xcli_report_detection_text(f, d);

  fprintf(f, "Loss\n");
  fprintf(f, "  %-32s %-12s %s on %s, %s\n", r->loss.loss.canonical,
          g6(xcli_loss_value(&r->loss), a, sizeof a), r->loss.loss.function,
          input_words(r->loss.loss.input), reduction_words(&r->loss));
  for (int i = 0; i < r->nextra; i++) {
    const xcli_loss_acc *x = &r->extra[i];
    if (x->status != XENT_OK) {
      fprintf(f, "  %-32s not computed: %s\n", x->loss.given, x->detail);
      continue;
    }
    fprintf(f, "  %-32s %-12s %s, %s%s%s\n", x->loss.given, g6(xcli_loss_value(x), a, sizeof a),
            x->loss.function, reduction_words(x),
            mismatch(d, &x->loss) ? "; it expects " : "",
            mismatch(d, &x->loss) ? input_words(x->loss.input) : "");
  }
  fputc('\n', f);
  if (det->task == XCLI_TASK_REGRESSION) goto notes;

  if (r->has_accuracy) {
    fprintf(f, "Accuracy\n");
    if (!strcmp(r->accuracy_kind, "categorical"))
      fprintf(f, "  %-24s %s   (argmax of the outputs, %lld samples)\n", "accuracy",
              f4(r->accuracy, a, sizeof a), (long long)r->accuracy_count);
    else
      fprintf(f, "  %-24s %s   (element-wise, predicted 1 where p > %g; %lld decisions)\n",
              det->task == XCLI_TASK_MULTILABEL ? "binary accuracy" : "accuracy",
              f4(r->accuracy, a, sizeof a), r->threshold, (long long)r->accuracy_count);
    for (int i = 0; i < r->ntopk; i++) {
      snprintf(b, sizeof b, "top-%lld accuracy", (long long)r->topk[i]);
      fprintf(f, "  %-24s %s\n", b, f4(r->topk_value[i], a, sizeof a));
    }
    fputc('\n', f);
  }

  if (r->has_confusion) {
    const int64_t K = r->classes;
    fprintf(f, "Per %s (precision, recall and F1 of the decisions above)\n",
            r->multilabel ? "label" : "class");
    bool aucs = r->roc_auc_per != NULL;
    fprintf(f, "  %-16s %9s %9s %9s %9s%s\n", r->multilabel ? "label" : "class", "precision",
            "recall", "F1", "support", aucs ? "   ROC AUC        AP" : "");
    int64_t shown = K <= 100 ? K : 100;
    for (int64_t k = 0; k < shown; k++) {
      const char *name = C == 1 ? (snprintf(nm, sizeof nm, "%lld", (long long)k), nm)
                                : xcli_class_name(d, k, nm, sizeof nm);
      fprintf(f, "  %-16.16s %9s %9s %9s %9s", name, f4(r->precision[k], a, sizeof a),
              f4(r->recall[k], b, sizeof b), f4(r->f1[k], c, sizeof c),
              count_str(r->support[k], e, sizeof e));
      if (aucs)
        fprintf(f, " %9s %9s", f4(r->roc_auc_per[k], g, sizeof g), f4(r->ap_per[k], h, sizeof h));
      fputc('\n', f);
    }
    if (shown < K)
      fprintf(f, "  ... %lld more in the JSON report (--json)\n", (long long)(K - shown));
    const char *avg_names[4] = {"micro avg", "macro avg", "weighted avg", "samples avg"};
    for (int i = 0; i < 4; i++) {
      if (!r->avg_valid[i]) continue;
      fprintf(f, "  %-16s %9s %9s %9s", avg_names[i], f4(r->avg[i][0], a, sizeof a),
              f4(r->avg[i][1], b, sizeof b), f4(r->avg[i][2], c, sizeof c));
      if (aucs && i < 3) {
        double au = i == 0 ? r->roc_auc_micro : i == 1 ? r->roc_auc_macro : r->roc_auc_weighted;
        double ap = i == 0 ? r->ap_micro : i == 1 ? r->ap_macro : r->ap_weighted;
        fprintf(f, " %9s %9s %9s", "", f4(au, g, sizeof g), f4(ap, h, sizeof h));
      }
      fputc('\n', f);
    }
    if (r->has_pos_prf)
      fprintf(f, "  positive class (1): precision %s, recall %s, F1 %s\n",
              f4(r->pos_prf[0], a, sizeof a), f4(r->pos_prf[1], b, sizeof b),
              f4(r->pos_prf[2], c, sizeof c));
    fputc('\n', f);

    if (r->multilabel) {
      fprintf(f, "Confusion per label ([[TN, FP], [FN, TP]], threshold p > %g)\n", r->threshold);
      fprintf(f, "  %-16s %9s %9s %9s %9s\n", "label", "TN", "FP", "FN", "TP");
      for (int64_t k = 0; k < (C <= 100 ? C : 100); k++)
        fprintf(f, "  %-16.16s %9s %9s %9s %9s\n", xcli_class_name(d, k, nm, sizeof nm),
                count_str(r->cm[4 * k], a, sizeof a), count_str(r->cm[4 * k + 1], b, sizeof b),
                count_str(r->cm[4 * k + 2], c, sizeof c),
                count_str(r->cm[4 * k + 3], e, sizeof e));
      fputc('\n', f);
    } else if (K <= 20) {
      fprintf(f, "Confusion matrix (rows: true class, columns: predicted class)\n");
      int width = 6;
      for (int64_t i = 0; i < K * K; i++) {
        int n = (int)strlen(count_str(r->cm[i], a, sizeof a)) + 1;
        if (n > width) width = n;
      }
      fprintf(f, "  %-8s", "");
      for (int64_t j = 0; j < K; j++) {
        const char *name = C == 1 ? (snprintf(nm, sizeof nm, "%lld", (long long)j), nm)
                                  : xcli_class_name(d, j, nm, sizeof nm);
        fprintf(f, "%*.*s", width, width - 1, name);
      }
      fputc('\n', f);
      for (int64_t i = 0; i < K; i++) {
        const char *name = C == 1 ? (snprintf(nm, sizeof nm, "%lld", (long long)i), nm)
                                  : xcli_class_name(d, i, nm, sizeof nm);
        fprintf(f, "  %-8.8s", name);
        for (int64_t j = 0; j < K; j++)
          fprintf(f, "%*s", width, count_str(r->cm[i * K + j], a, sizeof a));
        fputc('\n', f);
      }
      fputc('\n', f);
    } else {
      fprintf(f, "Confusion matrix: %lld x %lld, in the JSON report (--json) and the plots "
                 "(--plots)\n\n",
              (long long)K, (long long)K);
    }
  }

  if (r->has_auc) {
    fprintf(f, "Ranking (%s)\n", r->auc_bounded ? "bounded-memory mode" : "exact");
    if (det->task == XCLI_TASK_BINARY) {
      fprintf(f, "  %-24s %s\n", "ROC AUC", f4(r->roc_auc_binary, a, sizeof a));
      fprintf(f, "  %-24s %s\n", "average precision", f4(r->ap_binary, a, sizeof a));
    } else {
      const char *scheme = det->task == XCLI_TASK_MULTILABEL ? "" : " (one-vs-rest)";
      fprintf(f, "  ROC AUC%s: macro %s, weighted %s, micro %s\n", scheme,
              f4(r->roc_auc_macro, a, sizeof a), f4(r->roc_auc_weighted, b, sizeof b),
              f4(r->roc_auc_micro, c, sizeof c));
      fprintf(f, "  average precision: macro %s, weighted %s, micro %s\n",
              f4(r->ap_macro, a, sizeof a), f4(r->ap_weighted, b, sizeof b),
              f4(r->ap_micro, c, sizeof c));
    }
    if (r->auc_bounded)
      fprintf(f, "  (bounded-memory mode, error bounds: ROC AUC %s, average precision %s)\n",
              g6(r->roc_auc_bound, a, sizeof a), g6(r->ap_bound, b, sizeof b));
    fputc('\n', f);
  }

  if (r->has_proba) {
    const char *from = det->outputs == XCLI_OUT_PROBABILITIES ? "as given"
                       : (C >= 2 && det->task != XCLI_TASK_MULTILABEL)
                           ? "softmax of the outputs"
                           : "sigmoid of the outputs";
    fprintf(f, "Probabilities (%s)\n", from);
    fprintf(f, "  %-24s %s\n", "log loss", g6(r->log_loss, a, sizeof a));
    fprintf(f, "  %-24s %s   (%s)\n", "Brier score", g6(r->brier, a, sizeof a), r->brier_kind);
    if (r->bins)
      fprintf(f, "  %-24s ECE %s, MCE %s   (%s, %lld equal-width bins)\n", "calibration error",
              f4(r->ece, a, sizeof a), f4(r->mce, b, sizeof b), r->calibration_kind,
              (long long)r->bins);
    fputc('\n', f);
  }

notes:
  if (nplots) {
    fprintf(f, "Plots\n");
    for (int i = 0; i < nplots; i++) fprintf(f, "  %s\n", plots[i]);
    fputc('\n', f);
  }
  if (r->nnotes) {
    fprintf(f, "Notes\n");
    for (int i = 0; i < r->nnotes; i++) fprintf(f, "  - %s\n", r->notes[i]);
  }
}

static void json_loss(xcli_json *j, const xcli_data *d, const xcli_loss_acc *x) {
  xcli_json_object(j);
  jstr(j, "name", x->loss.given);
  jstr(j, "canonical", x->loss.canonical);
  jstr(j, "function", x->loss.function);
  jstr(j, "input", input_words(x->loss.input));
  jstr(j, "reduction", reduction_words(x));
  if (x->status == XENT_OK) {
    jnum(j, "value", xcli_loss_value(x));
    jint(j, "count", x->count);
  } else {
    xcli_json_key(j, "value");
    xcli_json_null(j);
    jstr(j, "error", x->detail);
  }
  if (mismatch(d, &x->loss))
    jstr(j, "warning", "this loss expects other outputs than these; see xent doctor");
  xcli_json_close(j, '}');
}

void xcli_report_eval_json(FILE *f, const xcli_data *d, const xcli_results *r,
                           const char *const *plots, int nplots) {
  const xcli_detection *det = &d->det;
  const int64_t C = det->classes;
  xcli_json j;
  xcli_json_begin(&j, f);
  jstr(&j, "command", "eval");
  xcli_report_detection_json(&j, d);
  xcli_json_key(&j, "loss");
  json_loss(&j, d, &r->loss);
  xcli_json_key(&j, "other_losses");
  xcli_json_array(&j);
  for (int i = 0; i < r->nextra; i++) json_loss(&j, d, &r->extra[i]);
  xcli_json_close(&j, ']');
  char nm[64];
  if (r->has_accuracy) {
    xcli_json_key(&j, "accuracy");
    xcli_json_object(&j);
    jstr(&j, "kind", r->accuracy_kind);
    jnum(&j, "value", r->accuracy);
    jint(&j, "count", r->accuracy_count);
    if (strcmp(r->accuracy_kind, "categorical")) jnum(&j, "threshold", r->threshold);
    xcli_json_close(&j, '}');
    xcli_json_key(&j, "top_k_accuracy");
    xcli_json_array(&j);
    for (int i = 0; i < r->ntopk; i++) {
      xcli_json_object(&j);
      jint(&j, "k", r->topk[i]);
      jnum(&j, "value", r->topk_value[i]);
      xcli_json_close(&j, '}');
    }
    xcli_json_close(&j, ']');
  }
  if (r->has_confusion) {
    const int64_t K = r->classes;
    xcli_json_key(&j, "per_class");
    xcli_json_array(&j);
    for (int64_t k = 0; k < K; k++) {
      xcli_json_object(&j);
      jint(&j, "class", k);
      if (C > 1) jstr(&j, "name", xcli_class_name(d, k, nm, sizeof nm));
      jnum(&j, "precision", r->precision[k]);
      jnum(&j, "recall", r->recall[k]);
      jnum(&j, "f1", r->f1[k]);
      jnum(&j, "support", r->support[k]);
      if (r->roc_auc_per) {
        jnum(&j, "roc_auc", r->roc_auc_per[k]);
        jnum(&j, "average_precision", r->ap_per[k]);
      }
      xcli_json_close(&j, '}');
    }
    xcli_json_close(&j, ']');
    xcli_json_key(&j, "averages");
    xcli_json_object(&j);
    const char *avg_names[4] = {"micro", "macro", "weighted", "samples"};
    for (int i = 0; i < 4; i++) {
      if (!r->avg_valid[i]) continue;
      xcli_json_key(&j, avg_names[i]);
      xcli_json_object(&j);
      jnum(&j, "precision", r->avg[i][0]);
      jnum(&j, "recall", r->avg[i][1]);
      jnum(&j, "f1", r->avg[i][2]);
      xcli_json_close(&j, '}');
    }
    xcli_json_close(&j, '}');
    if (r->has_pos_prf) {
      xcli_json_key(&j, "positive_class");
      xcli_json_object(&j);
      jnum(&j, "precision", r->pos_prf[0]);
      jnum(&j, "recall", r->pos_prf[1]);
      jnum(&j, "f1", r->pos_prf[2]);
      xcli_json_close(&j, '}');
    }
    if (r->multilabel) {
      xcli_json_key(&j, "multilabel_confusion");
      xcli_json_array(&j);
      for (int64_t k = 0; k < C; k++) {
        xcli_json_array(&j);
        for (int row = 0; row < 2; row++) {
          xcli_json_array(&j);
          xcli_json_num(&j, r->cm[4 * k + 2 * row]);
          xcli_json_num(&j, r->cm[4 * k + 2 * row + 1]);
          xcli_json_close(&j, ']');
        }
        xcli_json_close(&j, ']');
      }
      xcli_json_close(&j, ']');
    } else {
      xcli_json_key(&j, "confusion_matrix");
      xcli_json_array(&j);
      for (int64_t i = 0; i < K; i++) {
        xcli_json_array(&j);
        for (int64_t k = 0; k < K; k++) xcli_json_num(&j, r->cm[i * K + k]);
        xcli_json_close(&j, ']');
      }
      xcli_json_close(&j, ']');
    }
  }
  if (r->has_auc) {
    for (int which = 0; which < 2; which++) {
      xcli_json_key(&j, which ? "average_precision" : "roc_auc");
      xcli_json_object(&j);
      if (det->task == XCLI_TASK_BINARY) {
        jnum(&j, "value", which ? r->ap_binary : r->roc_auc_binary);
      } else {
        jnum(&j, "value", which ? r->ap_macro : r->roc_auc_macro);
        jnum(&j, "macro", which ? r->ap_macro : r->roc_auc_macro);
        jnum(&j, "weighted", which ? r->ap_weighted : r->roc_auc_weighted);
        jnum(&j, "micro", which ? r->ap_micro : r->roc_auc_micro);
      }
      jstr(&j, "mode", r->auc_bounded ? "bounded" : "exact");
      if (r->auc_bounded) jint(&j, "groups_per_column", r->auc_groups);
      jnum(&j, "error_bound", which ? r->ap_bound : r->roc_auc_bound);
      xcli_json_close(&j, '}');
    }
  }
  if (r->has_proba) {
    jnum(&j, "log_loss", r->log_loss);
    jnum(&j, "brier_score", r->brier);
    jstr(&j, "brier_scale", r->brier_kind);
  }
  if (r->bins) {
    xcli_json_key(&j, "calibration");
    xcli_json_object(&j);
    jstr(&j, "kind", r->calibration_kind);
    jstr(&j, "binning", "equal-width");
    jnum(&j, "ece", r->ece);
    jnum(&j, "mce", r->mce);
    xcli_json_key(&j, "bins");
    xcli_json_array(&j);
    for (int64_t i = 0; i < r->bins; i++) {
      xcli_json_object(&j);
      jnum(&j, "lower", r->bin_lower[i]);
      jnum(&j, "upper", r->bin_upper[i]);
      jnum(&j, "weight", r->bin_weight[i]);
      jnum(&j, "confidence", r->bin_conf[i]);
      jnum(&j, "accuracy", r->bin_acc[i]);
      xcli_json_close(&j, '}');
    }
    xcli_json_close(&j, ']');
    xcli_json_close(&j, '}');
  }
  xcli_json_key(&j, "plots");
  xcli_json_array(&j);
  for (int i = 0; i < nplots; i++) xcli_json_str(&j, plots[i]);
  xcli_json_close(&j, ']');
  for (int i = 0; i < r->nnotes; i++) xcli_json_note(&j, r->notes[i]);
  xcli_json_end(&j);
}
