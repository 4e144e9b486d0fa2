/* The xent command-line tool: subcommands, options, usage and exit codes. */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_main[] =
    "usage: xent <command> [options]\n"
    "\n"
    "Evaluates saved model outputs of a classifier and finds misuse of the output layer.\n"
    "\n"
    "commands:\n"
    "  eval OUTPUTS LABELS     the loss and every metric, as text, JSON or SVG plots\n"
    "  doctor OUTPUTS LABELS   misuses of logits, probabilities, losses and labels, with the\n"
    "                          evidence from the data and what to use instead\n"
    "  losses                  the loss names that --loss accepts\n"
    "  help [COMMAND]          this text, or a command's options\n"
    "  version                 the version of xent\n"
    "\n"
    "OUTPUTS and LABELS are NumPy .npy files or CSV files. Outputs have one row per sample\n"
    "and one column per class (or one column: a single score); labels are class indices\n"
    "(one per sample) or one value per output column.\n"
    "\n"
    "exit codes: 0 success (doctor: no misuse found), 1 doctor found misuse, 2 bad command\n"
    "line, 3 an input file cannot be read or does not fit, 4 an output file cannot be\n"
    "written, 5 out of memory or an internal error. Errors are one line on stderr.\n"
    "See docs/cli.md.\n";

static const char usage_inputs[] =
    "input options (eval and doctor):\n"
    "  --outputs KIND       logits, probabilities or log-probabilities (default: detected)\n"
    "  --labels KIND        indices, binary, one-hot, multi-hot, soft or real (default: detected)\n"
    "  --task KIND          binary, multiclass, multilabel or regression (default: detected)\n"
    "  --class-names A,B,.. names of the output columns (default: the outputs' CSV header)\n"
    "  --delimiter C        CSV field delimiter: one character, or 'tab' (default ',';\n"
    "                       '\\t' for .tsv files)\n"
    "  --header MODE        CSV header row: auto, yes or no (default auto: a first row\n"
    "                       without any number is a header)\n"
    "  --json               print the report as JSON (numbers read back exactly; NaN and\n"
    "                       infinities as null, with a note)\n"
    "  -o, --output FILE    write the report to FILE (atomically) instead of stdout\n"
    "  --progress, --no-progress   draw a progress bar on stderr (default: when it is a\n"
    "                       terminal)\n"
    "  --chunk N            values per chunk read (default 65536)\n";

static const char usage_eval[] =
    "usage: xent eval OUTPUTS LABELS [options]\n"
    "\n"
    "Works out what it was given and prints the right loss, accuracy and top-k, per-class\n"
    "precision / recall / F1 with support, the confusion matrix, ROC AUC and average\n"
    "precision, log loss, Brier score and calibration error. Files of any size are read in\n"
    "chunks, in bounded memory.\n"
    "\n"
    "eval options:\n"
    "  --loss NAME          also compute this loss (repeatable; 'xent losses' lists names)\n"
    "  --top-k K[,K...]     top-k accuracies (default 5, or 2 with 3 to 5 classes)\n"
    "  --threshold T        decision threshold on probabilities for binary and multi-label\n"
    "                       problems (default 0.5; on logits, the logit of T)\n"
    "  --bins N             calibration bins (default 10, equal width)\n"
    "  --auc MODE           exact, bounded or auto (default auto: exact up to 4194304 scores,\n"
    "                       then bounded memory with a stated error bound)\n"
    "  --auc-groups M       score groups per column in bounded mode (default: from a 256 MiB\n"
    "                       budget, at most 65536)\n"
    "  --plots DIR          write roc.svg, pr.svg, reliability.svg and confusion.svg in DIR\n"
    "\n";

static const char usage_doctor[] =
    "usage: xent doctor OUTPUTS LABELS [options]\n"
    "\n"
    "Explains each misuse it finds, with the evidence from the data and what to use\n"
    "instead: probabilities given to a with-logits loss or logits to a probability loss;\n"
    "softmax or a categorical loss over one output; binary cross-entropy or binary accuracy\n"
    "on one-label-per-sample problems; sigmoids on exclusive classes; softmax on multi-label\n"
    "targets; a sigmoid on a regression target; labels out of range; soft labels that do not\n"
    "sum to 1; NaN or infinite values; classes that never occur. Exit code 1 when it finds\n"
    "any, 0 when it finds none.\n"
    "\n"
    "doctor options:\n"
    "  --loss NAME          the loss the model trains with, e.g. keras.binary_crossentropy,\n"
    "                       torch.cross_entropy, keras.categorical_crossentropy(from_logits=True)\n"
    "  --activation NAME    the model's last activation: softmax, sigmoid, none (linear) or\n"
    "                       log_softmax\n"
    "  --metric NAME        the metric it reports: accuracy (Keras's string), binary_accuracy,\n"
    "                       categorical_accuracy, sparse_categorical_accuracy\n"
    "\n";

static int fail_usage(const char *fmt, const char *arg) {
  fprintf(stderr, "xent: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, " (see 'xent help')\n");
  return XCLI_EXIT_USAGE;
}

static int exit_for(xcli_status st) {
  switch (st) {
    case XCLI_OK: return XCLI_EXIT_OK;
    case XCLI_ERR_ARGUMENT: return XCLI_EXIT_USAGE;
    case XCLI_ERR_NOMEM: return XCLI_EXIT_INTERNAL;
    default: return XCLI_EXIT_INPUT;
  }
}

static void report_error(const xcli_error *err) {
  fprintf(stderr, "xent: %s\n", err->message[0] ? err->message : "unknown error");
}

static bool parse_int(const char *s, int64_t lo, int64_t hi, int64_t *v) {
  char *end;
  errno = 0;
  long long x = strtoll(s, &end, 10);
  if (errno || end == s || *end || x < lo || x > hi) return false;
  *v = x;
  return true;
}

static bool parse_double(const char *s, double *v) {
  return xcli_csv_parse_number(s, strlen(s), v) && isfinite(*v);
}

/* Splits "a,b,c" into a new array of new strings. */
static char **split(const char *s, int64_t *n) {
  int64_t count = 1;
  for (const char *p = s; *p; p++) count += *p == ',';
  char **out = calloc((size_t)count, sizeof *out);
  if (!out) return NULL;
  const char *start = s;
  for (int64_t i = 0; i < count; i++) {
    const char *end = strchr(start, ',');
    size_t len = end ? (size_t)(end - start) : strlen(start);
    out[i] = malloc(len + 1);
    if (!out[i]) return out;
    memcpy(out[i], start, len);
    out[i][len] = '\0';
    start = end ? end + 1 : start + len;
  }
  *n = count;
  return out;
}

typedef struct args {
  xcli_inputs in;
  xcli_eval_options eval;
  xcli_doctor_options doctor;
  bool json;
  const char *output;
  const char *plots;
  const char *pos[2];
  int npos;
  bool help;
} args;

/* Takes the value of an option: "--name value" or "--name=value". */
static const char *value_of(int argc, char **argv, int *i, const char *name, bool *ok) {
  const char *a = argv[*i];
  size_t n = strlen(name);
  if (a[n] == '=') return a + n + 1;
  if (*i + 1 >= argc) {
    *ok = false;
    return NULL;
  }
  return argv[++*i];
}

static bool matches(const char *a, const char *name) {
  size_t n = strlen(name);
  return !strncmp(a, name, n) && (a[n] == '\0' || a[n] == '=');
}

static int parse(int argc, char **argv, bool doctor, args *A) {
  memset(A, 0, sizeof *A);
  A->in.csv = xcli_csv_options_default();
  A->in.progress = isatty(STDERR_FILENO);
  A->eval.ntopk = -1;
  A->eval.bins = 10;
  A->eval.threshold = 0.5;
  bool options = true;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (!options || a[0] != '-' || !strcmp(a, "-")) {
      if (A->npos >= 2) return fail_usage("unexpected argument '%s'", a);
      A->pos[A->npos++] = a;
      continue;
    }
    if (!strcmp(a, "--")) {
      options = false;
      continue;
    }
    bool ok = true;
    const char *v = NULL;
#define OPT(name) (matches(a, name) && (v = value_of(argc, argv, &i, name, &ok), true))
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      A->help = true;
    } else if (!strcmp(a, "--json")) {
      A->json = true;
    } else if (!strcmp(a, "--progress")) {
      A->in.progress = true;
    } else if (!strcmp(a, "--no-progress") || !strcmp(a, "--quiet") || !strcmp(a, "-q")) {
      A->in.progress = false;
    } else if (!strcmp(a, "-o") || OPT("--output")) {
      if (!strcmp(a, "-o")) {
        if (i + 1 >= argc) ok = false;
        else v = argv[++i];
      }
      if (ok) A->output = v;
    } else if (OPT("--outputs")) {
      if (!ok) return fail_usage("option '%s' needs a value", a);
      if (!strcmp(v, "logits")) A->in.force.outputs = XCLI_OUT_LOGITS;
      else if (!strcmp(v, "probabilities") || !strcmp(v, "probs"))
        A->in.force.outputs = XCLI_OUT_PROBABILITIES;
      else if (!strcmp(v, "log-probabilities") || !strcmp(v, "log-probs"))
        A->in.force.outputs = XCLI_OUT_LOG_PROBABILITIES;
      else return fail_usage("--outputs: '%s' is not logits, probabilities or log-probabilities", v);
    } else if (OPT("--labels")) {
      if (!ok) return fail_usage("option '%s' needs a value", a);
      static const char *names[] = {"indices", "binary", "one-hot", "multi-hot", "soft", "real"};
      static const xcli_labels_form forms[] = {XCLI_LAB_INDICES, XCLI_LAB_BINARY,
                                               XCLI_LAB_ONE_HOT, XCLI_LAB_MULTI_HOT,
                                               XCLI_LAB_SOFT, XCLI_LAB_REAL};
      for (int k = 0; k < 6; k++)
        if (!strcmp(v, names[k])) A->in.force.labels = forms[k];
      if (!A->in.force.labels)
        return fail_usage("--labels: '%s' is not indices, binary, one-hot, multi-hot, soft or real", v);
    } else if (OPT("--task")) {
      if (!ok) return fail_usage("option '%s' needs a value", a);
      if (!strcmp(v, "binary")) A->in.force.task = XCLI_TASK_BINARY;
      else if (!strcmp(v, "multiclass") || !strcmp(v, "multi-class"))
        A->in.force.task = XCLI_TASK_MULTICLASS;
      else if (!strcmp(v, "multilabel") || !strcmp(v, "multi-label"))
        A->in.force.task = XCLI_TASK_MULTILABEL;
      else if (!strcmp(v, "regression")) A->in.force.task = XCLI_TASK_REGRESSION;
      else return fail_usage("--task: '%s' is not binary, multiclass, multilabel or regression", v);
    } else if (OPT("--class-names")) {
      if (!ok) return fail_usage("option '%s' needs a value", a);
      A->in.class_names = split(v, &A->in.nclass_names);
      if (!A->in.class_names) return XCLI_EXIT_INTERNAL;
    } else if (OPT("--delimiter")) {
      if (!ok) return fail_usage("option '%s' needs a value", a);
      char c = !strcmp(v, "tab") || !strcmp(v, "\\t") ? '\t' : v[0];
      if ((strlen(v) != 1 && c != '\t') || c == '"' || c == '\r' || c == '\n' || c == '\0')
        return fail_usage("--delimiter: '%s' is not one character (other than a quote or a line break)", v);
      A->in.csv.delimiter = c;
    } else if (OPT("--header")) {
      if (!ok) return fail_usage("option '%s' needs a value", a);
      if (!strcmp(v, "auto")) A->in.csv.header = XCLI_CSV_HEADER_AUTO;
      else if (!strcmp(v, "yes")) A->in.csv.header = XCLI_CSV_HEADER_YES;
      else if (!strcmp(v, "no")) A->in.csv.header = XCLI_CSV_HEADER_NO;
      else return fail_usage("--header: '%s' is not auto, yes or no", v);
    } else if (OPT("--chunk")) {
      if (!ok) return fail_usage("option '%s' needs a value", a);
      if (!parse_int(v, 1, (int64_t)1 << 30, &A->in.chunk_values))
        return fail_usage("--chunk: '%s' is not a number of values in [1, 2^30]", v);
    } else if (OPT("--loss")) {
      if (!ok) return fail_usage("option '%s' needs a value", a);
      xcli_loss l;
      if (!xcli_loss_parse(v, &l))
        return fail_usage("--loss: unknown loss '%s' ('xent losses' lists the names)", v);
      if (doctor) {
        A->doctor.has_loss = true;
        A->doctor.loss = l;
      } else {
        if (A->eval.nextra >= 16) return fail_usage("--loss: at most 16 losses (%s)", v);
        A->eval.extra[A->eval.nextra++] = l;
      }
    } else if (doctor && OPT("--activation")) {
      if (!ok) return fail_usage("option '%s' needs a value", a);
      if (!xcli_parse_activation(v, &A->doctor.activation))
        return fail_usage("--activation: '%s' is not softmax, sigmoid, none or log_softmax", v);
      A->doctor.activation_name = v;
    } else if (doctor && OPT("--metric")) {
      if (!ok) return fail_usage("option '%s' needs a value", a);
      int m;
      if (!xcli_parse_metric(v, &m))
        return fail_usage("--metric: '%s' is not accuracy, binary_accuracy, categorical_accuracy "
                          "or sparse_categorical_accuracy", v);
      A->doctor.metric = (xcli_metric_kind)m;
      A->doctor.metric_name = v;
    } else if (!doctor && OPT("--top-k")) {
      if (!ok) return fail_usage("option '%s' needs a value", a);
      int64_t n = 0;
      char **ks = split(v, &n);
      if (!ks) return XCLI_EXIT_INTERNAL;
      int bad = n > 8;
      A->eval.ntopk = 0;
      for (int64_t k = 0; k < n; k++) {
        int64_t x;
        if (!bad && ks[k] && parse_int(ks[k], 1, INT64_MAX, &x))
          A->eval.topk[A->eval.ntopk++] = x;
        else
          bad = 1;
        free(ks[k]);
      }
      free(ks);
      if (bad) return fail_usage("--top-k: '%s' is not a list of at most 8 numbers >= 1", v);
    } else if (!doctor && OPT("--bins")) {
      if (!ok) return fail_usage("option '%s' needs a value", a);
      if (!parse_int(v, 1, 100000, &A->eval.bins))
        return fail_usage("--bins: '%s' is not a number in [1, 100000]", v);
    } else if (!doctor && OPT("--threshold")) {
      if (!ok) return fail_usage("option '%s' needs a value", a);
      if (!parse_double(v, &A->eval.threshold) || !(A->eval.threshold > 0) ||
          !(A->eval.threshold < 1))
        return fail_usage("--threshold: '%s' is not a probability strictly between 0 and 1", v);
    } else if (!doctor && OPT("--auc")) {
      if (!ok) return fail_usage("option '%s' needs a value", a);
      if (!strcmp(v, "auto")) A->eval.auc_mode = 0;
      else if (!strcmp(v, "exact")) A->eval.auc_mode = 1;
      else if (!strcmp(v, "bounded")) A->eval.auc_mode = 2;
      else return fail_usage("--auc: '%s' is not auto, exact or bounded", v);
    } else if (!doctor && OPT("--auc-groups")) {
      if (!ok) return fail_usage("option '%s' needs a value", a);
      if (!parse_int(v, 2, (int64_t)1 << 24, &A->eval.auc_groups))
        return fail_usage("--auc-groups: '%s' is not a number in [2, 2^24]", v);
    } else if (!doctor && OPT("--plots")) {
      if (!ok) return fail_usage("option '%s' needs a value", a);
      A->plots = v;
    } else {
      return fail_usage("unknown option '%s'", a);
    }
#undef OPT
    if (!ok) return fail_usage("option '%s' needs a value", a);
  }
  if (A->help) return -1;
  if (A->npos != 2)
    return fail_usage("%s", "expected two files: OUTPUTS LABELS");
  A->in.outputs_path = A->pos[0];
  A->in.labels_path = A->pos[1];
  A->eval.want_curves = A->plots != NULL;
  return 0;
}

static void free_args(args *A) {
  if (A->in.class_names)
    for (int64_t i = 0; i < A->in.nclass_names; i++) free(A->in.class_names[i]);
  free(A->in.class_names);
}

static int run_eval(args *A) {
  xcli_error err = {XCLI_OK, ""};
  xcli_data d;
  xcli_status st = xcli_data_open(&d, &A->in, true, &err);
  if (st != XCLI_OK) {
    report_error(&err);
    xcli_data_close(&d);
    return exit_for(st);
  }
  xcli_results r;
  memset(&r, 0, sizeof r);
  int rc = XCLI_EXIT_OK;
  st = xcli_eval_run(&d, &A->eval, &A->in, &r, &err);
  if (st != XCLI_OK) {
    report_error(&err);
    rc = exit_for(st);
    if (st == XCLI_ERR_VALUE && !strncmp(err.message, "xent_", 5)) rc = XCLI_EXIT_INTERNAL;
  }
  char paths[4][1024];
  const char *plist[4];
  int nplots = 0;
  if (rc == XCLI_EXIT_OK && A->plots) {
    if (!xcli_plots_write(A->plots, &d, &r, paths, &nplots, &err)) {
      report_error(&err);
      rc = XCLI_EXIT_OUTPUT;
    }
    for (int i = 0; i < nplots; i++) plist[i] = paths[i];
  }
  if (rc == XCLI_EXIT_OK) {
    xcli_out out;
    if (!xcli_out_open(&out, A->output, &err)) {
      report_error(&err);
      rc = XCLI_EXIT_OUTPUT;
    } else {
      if (A->json)
        xcli_report_eval_json(out.f, &d, &r, plist, nplots);
      else
        xcli_report_eval_text(out.f, &d, &r, plist, nplots);
      if (!xcli_out_commit(&out, &err)) {
        report_error(&err);
        rc = XCLI_EXIT_OUTPUT;
      }
    }
  }
  xcli_results_free(&r);
  xcli_data_close(&d);
  return rc;
}

static void on_signal(int sig) {
  xcli_out_cleanup_all();
  signal(sig, SIG_DFL);
  raise(sig);
}

int xcli_main(int argc, char **argv) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);

  if (argc < 2) {
    fputs(usage_main, stderr);
    return XCLI_EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    const char *topic = argc > 2 ? argv[2] : NULL;
    if (topic && !strcmp(topic, "eval"))
      printf("%s%s", usage_eval, usage_inputs);
    else if (topic && !strcmp(topic, "doctor"))
      printf("%s%s", usage_doctor, usage_inputs);
    else if (topic && strcmp(topic, "losses"))
      return fail_usage("help: unknown command '%s'", topic);
    else if (topic)
      xcli_loss_list(stdout);
    else
      fputs(usage_main, stdout);
    return XCLI_EXIT_OK;
  }
  if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
    printf("xent %s\n", xent_version());
    return XCLI_EXIT_OK;
  }
  if (!strcmp(cmd, "losses")) {
    printf("Loss names for --loss (xent's name first, then the peers' names it accepts):\n");
    xcli_loss_list(stdout);
    return XCLI_EXIT_OK;
  }
  bool doctor = !strcmp(cmd, "doctor");
  if (!doctor && strcmp(cmd, "eval")) return fail_usage("unknown command '%s'", cmd);
  args A;
  int rc = parse(argc, argv, doctor, &A);
  if (rc == -1) {
    printf("%s%s", doctor ? usage_doctor : usage_eval, usage_inputs);
    free_args(&A);
    return XCLI_EXIT_OK;
  }
  if (rc != 0) {
    free_args(&A);
    return rc;
  }
  if (doctor) {
    xcli_error err = {XCLI_OK, ""};
    rc = xcli_doctor_run(&A.in, &A.doctor, A.json, A.output, &err);
    if (rc != XCLI_EXIT_OK && rc != XCLI_EXIT_FINDINGS) report_error(&err);
  } else {
    rc = run_eval(&A);
  }
  free_args(&A);
  return rc;
}
