/*
 * The xent command-line tool: what its parts share.
 *
 *   xent.c      main entry (xcli_main), subcommands, options, usage, exit codes
 *   source.c    model outputs and labels from .npy or CSV, read in chunks of rows
 *   detect.c    the first pass: statistics of the data, and what it is
 *   losses.c    loss names (xent's and the peers') and computing them by chunk
 *   eval.c      the second pass: every metric, through xent's public API
 *   doctor.c    misuse findings with their evidence
 *   report.c    the text and JSON reports, and files written atomically
 *   plots.c     SVG plots: ROC, precision-recall, reliability, confusion
 *   progress.c  the progress bar on stderr
 *
 * Every number the tool reports is computed by xent's public API; the tool
 * itself only counts, compares and moves data (statistics such as the range of
 * the values or the row sums, used to tell logits from probabilities).
 */
#ifndef XCLI_CLI_H
#define XCLI_CLI_H

#include "io/common.h"
#include "io/csv.h"
#include "io/npy.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* ---- exit codes (docs/cli.md) ---- */
enum {
  XCLI_EXIT_OK = 0,       /* report printed; doctor: no misuse found          */
  XCLI_EXIT_FINDINGS = 1, /* doctor: at least one misuse found                */
  XCLI_EXIT_USAGE = 2,    /* bad command line                                 */
  XCLI_EXIT_INPUT = 3,    /* an input file cannot be read or does not fit     */
  XCLI_EXIT_OUTPUT = 4,   /* an output file (report, plots) cannot be written */
  XCLI_EXIT_INTERNAL = 5  /* out of memory, or an unexpected library error     */
};

/* The whole tool; `main` only calls this. */
int xcli_main(int argc, char **argv);

/* ---- what was given ---- */

typedef enum xcli_outputs_kind {
  XCLI_OUT_UNKNOWN = 0,
  XCLI_OUT_LOGITS = 1,        /* raw scores, no softmax / sigmoid applied     */
  XCLI_OUT_PROBABILITIES = 2, /* after a softmax (rows sum to 1) or sigmoid  */
  XCLI_OUT_LOG_PROBABILITIES = 3 /* log_softmax: <= 0, exp of a row sums to 1 */
} xcli_outputs_kind;

typedef enum xcli_activation {
  XCLI_ACT_UNKNOWN = 0,
  XCLI_ACT_NONE = 1, /* linear: the outputs are logits                       */
  XCLI_ACT_SOFTMAX = 2,
  XCLI_ACT_SIGMOID = 3,
  XCLI_ACT_LOG_SOFTMAX = 4
} xcli_activation;

typedef enum xcli_labels_form {
  XCLI_LAB_UNKNOWN = 0,
  XCLI_LAB_INDICES = 1,   /* one class index per sample                       */
  XCLI_LAB_BINARY = 2,    /* one 0/1 target per sample, one output column      */
  XCLI_LAB_ONE_HOT = 3,   /* 0/1 per class, exactly one 1 per row              */
  XCLI_LAB_MULTI_HOT = 4, /* 0/1 per class, any number of 1s per row           */
  XCLI_LAB_SOFT = 5,      /* values in [0, 1] per class that are not all 0/1   */
  XCLI_LAB_REAL = 6       /* values outside [0, 1]: regression targets         */
} xcli_labels_form;

typedef enum xcli_task {
  XCLI_TASK_UNKNOWN = 0,
  XCLI_TASK_BINARY = 1,     /* two classes: one score, or two columns         */
  XCLI_TASK_MULTICLASS = 2, /* exactly one of C classes per sample            */
  XCLI_TASK_MULTILABEL = 3, /* C independent yes/no labels per sample         */
  XCLI_TASK_REGRESSION = 4  /* real-valued targets                            */
} xcli_task;

const char *xcli_outputs_name(xcli_outputs_kind k);
const char *xcli_activation_name(xcli_activation a);
const char *xcli_labels_name(xcli_labels_form f);
const char *xcli_task_name(xcli_task t);

/* ---- input sources: a .npy or CSV file seen as rows ---- */

typedef struct xcli_source {
  const char *path;
  bool is_npy;
  xcli_npy npy;
  xcli_csv *csv;
  xcli_csv_options csv_opts;
  int rank;                       /* .npy: the file's shape; CSV: 2        */
  int64_t shape[XENT_MAX_RANK];   /* CSV: (rows, columns), rows -1 until known */
  int64_t rows;                   /* rows of `width` values; -1 if unknown  */
  int64_t width;                  /* values per row                         */
  bool view_ok;                   /* zero-copy chunks (f32/f64, C order)    */
  xent_dtype_t view_dtype;
  int64_t next;                   /* next row to read                       */
} xcli_source;

/* Opens `path` as .npy (by extension ".npy" or the NumPy magic) or CSV. */
xcli_status xcli_source_open(xcli_source *s, const char *path,
                             const xcli_csv_options *csv_opts, xcli_error *err);
void xcli_source_close(xcli_source *s);
/* Starts reading from the first row again (CSV: reopens the file). */
xcli_status xcli_source_rewind(xcli_source *s, xcli_error *err);
/* A description of the file: ".npy, f32 (450, 10)" or "CSV, 450 rows x 10 columns". */
const char *xcli_source_describe(const xcli_source *s, char *buf, size_t size);
/* The dtype of the file's values: "f32", "i64", ... ("f64" for CSV). */
const char *xcli_source_dtype(const xcli_source *s);

/* A chunk of rows. `data` is either a zero-copy view into the file (f32 or
 * f64) or `buf` (f64). `lines` (CSV only) holds each row's line number. */
typedef struct xcli_chunk {
  int64_t first;      /* index of the first row                              */
  int64_t rows;       /* rows in the chunk                                   */
  int64_t width;
  const void *data;
  xent_dtype_t dtype; /* XENT_F32 or XENT_F64                                */
  double *buf;        /* owned: capacity rows_cap * width                    */
  int64_t *lines;     /* owned (CSV)                                         */
  int64_t rows_cap;
} xcli_chunk;

xcli_status xcli_chunk_init(xcli_chunk *c, int64_t rows_cap, int64_t width,
                            xcli_error *err);
void xcli_chunk_free(xcli_chunk *c);

/* Reads up to c->rows_cap rows; c->rows is 0 at the end. `want_view`: allow a
 * zero-copy view (else the values are converted to f64 into c->buf). */
xcli_status xcli_source_read(xcli_source *s, xcli_chunk *c, bool want_view,
                             xcli_error *err);
/* Drops the pages of rows [first, first + rows) (npy only; see npy.h). */
void xcli_source_release(xcli_source *s, int64_t first, int64_t rows);

/* Value i of a chunk as a double. */
static inline double xcli_chunk_at(const xcli_chunk *c, int64_t i) {
  return c->dtype == XENT_F32 ? (double)((const float *)c->data)[i]
                              : ((const double *)c->data)[i];
}

/* The position of row r, element j of a chunk, for messages: "[17, 2]"
 * (.npy, an index in the file's shape) or "line 41, column 3" (CSV). */
const char *xcli_source_position(const xcli_source *s, const xcli_chunk *c,
                                 int64_t r, int64_t j, char *buf, size_t size);

/* ---- the first pass: statistics and detection ---- */

/* Statistics of the model outputs. */
typedef struct xcli_output_stats {
  int64_t values;
  int64_t nan, posinf, neginf;
  char first_nonfinite[96];    /* position text of the first non-finite value */
  double first_nonfinite_value;
  double min, max;             /* over finite values (NaN when none)        */
  int64_t outside01;           /* finite values outside [0, 1]              */
  int64_t exact_ones;          /* values equal to 1                          */
  int64_t finite_rows;         /* rows without NaN or infinities             */
  int64_t rows_sum1;           /* finite rows whose sum is within tol of 1   */
  double sum_min, sum_max;     /* of the finite rows                         */
  int64_t rows_exp_sum1;       /* finite rows all <= 0 whose exp sums to 1   */
  int64_t rows_none_above_half, rows_multi_above_half; /* as probabilities */
  int64_t *predicted;          /* per class: rows whose argmax is the class  */
} xcli_output_stats;

/* Statistics of the labels (read as f64, whatever their dtype). */
typedef struct xcli_label_stats {
  int64_t values;
  int64_t nonfinite;
  char first_nonfinite[96];
  double min, max;             /* over finite values                          */
  int64_t non_integer;         /* finite values that are not integers         */
  char first_non_integer[96];
  double first_non_integer_value;
  int64_t zero_one;            /* values equal to 0 or 1                      */
  int64_t minus_one;           /* values equal to -1                          */
  int64_t outside01;
  bool many_values;            /* more than two distinct finite values        */
  double seen[2];
  int nseen;
  /* sparse labels (class indices) */
  int64_t out_of_range;        /* integers < 0 or >= C                         */
  char first_out_of_range[96];
  double first_out_of_range_value;
  /* dense labels with C >= 2, over rows of finite values */
  int64_t rows;
  int64_t rows_one_hot;        /* 0/1 rows with exactly one 1                  */
  int64_t rows_no_positive;    /* 0/1 rows without a 1                         */
  int64_t rows_multi_positive; /* 0/1 rows with two or more 1s                 */
  int64_t max_positives;       /* most 1s in one row                           */
  int64_t positives;           /* 1s in 0/1 rows                               */
  int64_t rows_sum1;           /* rows whose sum is within tol of 1            */
  int64_t first_bad_sum_row;   /* first row not summing to 1 (-1 if none)      */
  char first_bad_sum[96];
  double sum_min, sum_max;
  int64_t *support;            /* per class: rows with the class (label == c,
                                  or a value > 0 in column c)                  */
} xcli_label_stats;

/* What detect decided, with the evidence in words. */
typedef struct xcli_detection {
  int64_t classes;             /* C: output columns (1 for one score)         */
  int64_t rows;                /* positions (samples)                         */
  bool sparse_labels;          /* the labels' shape lacks the class axis       */
  xcli_outputs_kind outputs;
  xcli_activation activation;  /* for probabilities: softmax or sigmoid        */
  xcli_labels_form labels;
  xcli_task task;
  bool outputs_forced, labels_forced, task_forced;
  char outputs_why[256], labels_why[256], task_why[256];
  double tol;                  /* tolerance of "sums to 1"                     */
  xcli_output_stats out;
  xcli_label_stats lab;
} xcli_detection;

/* Forced kinds from the command line (UNKNOWN when not forced). */
typedef struct xcli_overrides {
  xcli_outputs_kind outputs;
  xcli_labels_form labels;
  xcli_task task;
} xcli_overrides;

/* The shared options of eval and doctor. */
typedef struct xcli_inputs {
  const char *outputs_path, *labels_path;
  xcli_csv_options csv;
  xcli_overrides force;
  bool progress;              /* draw a progress bar on stderr              */
  int64_t chunk_values;       /* values per chunk (default 1 << 16)         */
  char **class_names;         /* --class-names: NULL or nclass_names names  */
  int64_t nclass_names;
} xcli_inputs;

/* Opened inputs and the first pass over them. */
typedef struct xcli_data {
  xcli_source out, lab;
  xcli_detection det;
  char **class_names;         /* owned copies, or NULL                      */
} xcli_data;

/* Opens both files, checks that their shapes agree, runs the first pass and
 * decides what the data are. `strict`: eval (labels out of range, NaN outputs
 * and the like are errors); otherwise doctor (they become findings). */
xcli_status xcli_data_open(xcli_data *d, const xcli_inputs *in, bool strict,
                           xcli_error *err);
void xcli_data_close(xcli_data *d);

/* The name of class c, "0", "1", ... unless names were given. */
const char *xcli_class_name(const xcli_data *d, int64_t c, char *buf, size_t size);

/* ---- loss names ---- */

typedef enum xcli_loss_input {
  XCLI_LOSS_ON_LOGITS = 1,
  XCLI_LOSS_ON_PROBABILITIES = 2,
  XCLI_LOSS_ON_LOG_PROBABILITIES = 3,
  XCLI_LOSS_ON_VALUES = 4 /* regression */
} xcli_loss_input;

typedef enum xcli_loss_family {
  XCLI_FAMILY_CATEGORICAL = 1, /* one class per sample: softmax              */
  XCLI_FAMILY_BINARY = 2,      /* independent outputs: sigmoid                */
  XCLI_FAMILY_REGRESSION = 3
} xcli_loss_family;

typedef enum xcli_loss_id {
  XCLI_L_SOFTMAX_CE = 1,
  XCLI_L_SIGMOID_CE,
  XCLI_L_BCE,
  XCLI_L_CCE,
  XCLI_L_SCCE,
  XCLI_L_NLL,
  XCLI_L_BINARY_FOCAL,
  XCLI_L_CATEGORICAL_FOCAL,
  XCLI_L_MSE,
  XCLI_L_MAE,
  XCLI_L_HUBER,
  XCLI_L_KLD
} xcli_loss_id;

typedef struct xcli_loss {
  xcli_loss_id id;
  const char *canonical;     /* xent's name of it                           */
  const char *function;      /* the xent function computing it              */
  xcli_loss_input input;
  xcli_loss_family family;
  xent_prob_mode_t mode;     /* binary cross-entropy: Keras, PyTorch or TF v1 */
  bool from_logits;          /* focal losses                                */
  bool sparse_labels;        /* takes class indices                          */
  bool elementwise;          /* mean over elements (else over samples)       */
  char given[96];            /* the name as the user wrote it                */
} xcli_loss;

/* Parses a loss name: xent's ("softmax_cross_entropy"), Keras's
 * ("keras.losses.BinaryCrossentropy", "keras.binary_crossentropy(from_logits=True)"),
 * PyTorch's ("torch.nn.functional.cross_entropy", "nn.BCEWithLogitsLoss") or
 * TensorFlow's ("tf.nn.sigmoid_cross_entropy_with_logits"). */
bool xcli_loss_parse(const char *name, xcli_loss *loss);
/* Every accepted name, for the usage text. */
void xcli_loss_list(FILE *f);

/* A loss summed over chunks: mean = sum / count. */
typedef struct xcli_loss_acc {
  xcli_loss loss;
  double sum, comp;
  int64_t count;
  xent_status_t status;      /* first failure, with its detail               */
  char detail[256];
} xcli_loss_acc;

struct xcli_batch;
/* Adds a batch to the accumulator (errors are kept in acc->status). */
void xcli_loss_add(xcli_loss_acc *acc, const struct xcli_batch *b);
double xcli_loss_value(const xcli_loss_acc *acc);

/* One chunk of both files as xent tensors. */
typedef struct xcli_batch {
  int64_t rows, classes;
  xent_tensor_t x;        /* outputs (rows, C), f32 or f64                     */
  xent_tensor_t p;        /* probabilities (rows, C), f64 (or x itself)        */
  xent_tensor_t dense;    /* labels (rows, C) f64: as given, or one-hot        */
  xent_tensor_t idx;      /* class indices (rows,) i64, when exclusive         */
  bool has_idx;
  bool soft;              /* soft labels: losses take `dense`, not `idx`       */
} xcli_batch;

/* ---- the second pass: every metric ---- */

typedef struct xcli_curve {
  int64_t n;
  double *x, *y;
} xcli_curve;

typedef struct xcli_eval_options {
  int64_t topk[8];
  int ntopk;                 /* -1: default                                   */
  int64_t bins;              /* calibration bins (default 10)                 */
  double threshold;          /* probability threshold (default 0.5)           */
  int auc_mode;              /* 0 auto, 1 exact, 2 bounded                    */
  int64_t auc_groups;        /* bounded mode capacity per column (0: auto)    */
  xcli_loss extra[16];       /* --loss                                        */
  int nextra;
  bool want_curves;          /* for --plots                                    */
} xcli_eval_options;

typedef struct xcli_results {
  /* the right loss */
  xcli_loss_acc loss;
  bool has_loss;
  xcli_loss_acc extra[16];
  int nextra;
  /* accuracy */
  bool has_accuracy;
  double accuracy;           /* multi-class: argmax; binary/multi-label: element-wise */
  int64_t accuracy_count;
  const char *accuracy_kind; /* "categorical" (argmax) or "binary" (element-wise) */
  int ntopk;
  int64_t topk[8];
  double topk_value[8];
  double threshold;          /* decision threshold on probabilities         */
  /* confusion and P/R/F */
  bool has_confusion;
  bool multilabel;
  int64_t classes;           /* rows of the per-class table                   */
  double *cm;                /* (C, C) or (C, 2, 2)                            */
  double *precision, *recall, *f1, *support;   /* per class                   */
  double avg[4][3];          /* micro, macro, weighted, samples: P, R, F1     */
  bool avg_valid[4];
  double pos_prf[3];         /* binary: the positive class                    */
  bool has_pos_prf;
  /* ranking */
  bool has_auc;
  bool auc_bounded;
  int64_t auc_groups;
  double roc_auc_macro, roc_auc_weighted, roc_auc_micro, roc_auc_bound;
  double ap_macro, ap_weighted, ap_micro, ap_bound;
  double roc_auc_binary, ap_binary;   /* binary task: the positive class     */
  double *roc_auc_per, *ap_per;       /* per class / label (NULL for 1 col)   */
  int64_t auc_bytes;
  xcli_curve *roc, *pr;      /* curves_n: columns from curves_first, then micro */
  int64_t curves_n, curves_first;
  bool curves_micro;
  /* probabilities */
  bool has_proba;
  double log_loss, brier;
  const char *brier_kind;
  double ece, mce;
  int64_t bins;
  double *bin_lower, *bin_upper, *bin_weight, *bin_conf, *bin_acc;
  const char *calibration_kind;
  /* notes for the report */
  char **notes;
  int nnotes;
} xcli_results;

int xcli_eval_run(xcli_data *d, const xcli_eval_options *o, const xcli_inputs *in,
                  xcli_results *r, xcli_error *err);
void xcli_results_free(xcli_results *r);
void xcli_note(xcli_results *r, const char *fmt, ...) XCLI_PRINTF(2, 3);

/* Builds the tensors of one chunk (shared with doctor). */
typedef struct xcli_work {
  xcli_chunk oc, lc;
  double *prob;              /* rows_cap * C                                  */
  double *dense;             /* rows_cap * C (one-hot of sparse labels)       */
  int64_t *idx;              /* rows_cap                                      */
  double *pair;              /* rows_cap * 2: [threshold, score] rows         */
  int64_t rows_cap;
} xcli_work;

xcli_status xcli_work_init(xcli_work *w, const xcli_data *d, int64_t chunk_values,
                           xcli_error *err);
void xcli_work_free(xcli_work *w);
/* Reads the next chunk of both files into a batch; *rows 0 at the end. */
xcli_status xcli_work_next(xcli_work *w, xcli_data *d, xcli_batch *b, int64_t *rows,
                           xcli_error *err);

/* ---- doctor ---- */

typedef enum xcli_metric_kind {
  XCLI_METRIC_NONE = 0,
  XCLI_METRIC_ACCURACY,             /* Keras "accuracy": resolved from the shapes */
  XCLI_METRIC_BINARY_ACCURACY,
  XCLI_METRIC_CATEGORICAL_ACCURACY,
  XCLI_METRIC_SPARSE_CATEGORICAL_ACCURACY
} xcli_metric_kind;

typedef struct xcli_doctor_options {
  bool has_loss;
  xcli_loss loss;
  xcli_activation activation;  /* the model's last activation, if given */
  xcli_metric_kind metric;
  const char *metric_name;
  const char *activation_name;
} xcli_doctor_options;

bool xcli_parse_activation(const char *name, xcli_activation *a);
bool xcli_parse_metric(const char *name, int *m);
/* Runs doctor; returns the exit code (errors described in err). */
int xcli_doctor_run(const xcli_inputs *in, const xcli_doctor_options *o, bool json,
                    const char *output, xcli_error *err);

/* ---- reports ---- */

/* An output stream that is either stdout or a file written atomically (to a
 * temporary file beside it, renamed into place by xcli_out_commit). */
typedef struct xcli_out {
  FILE *f;
  char *path, *tmp;
} xcli_out;

bool xcli_out_open(xcli_out *o, const char *path, xcli_error *err);
bool xcli_out_commit(xcli_out *o, xcli_error *err);
void xcli_out_abort(xcli_out *o);
/* Removes any temporary file still open (from a signal handler too). */
void xcli_out_cleanup_all(void);

/* A JSON writer: numbers are the shortest text that reads back as the same
 * double; NaN and infinities are written as null, and a note saying which
 * value it was goes to the "notes" array that xcli_json_end writes. Nesting
 * is limited to 30 levels (the reports use 5). */
typedef struct xcli_json {
  FILE *f;
  int depth;
  bool first[32], is_array[32], multiline[32];
  int64_t count[32];
  char path[512];
  size_t plen[33];
  char **notes;
  int nnotes;
} xcli_json;

void xcli_json_begin(xcli_json *j, FILE *f);
void xcli_json_key(xcli_json *j, const char *key);
void xcli_json_object(xcli_json *j);      /* { */
void xcli_json_array(xcli_json *j);       /* [ */
void xcli_json_close(xcli_json *j, char c);
void xcli_json_num(xcli_json *j, double v);
void xcli_json_int(xcli_json *j, int64_t v);
void xcli_json_str(xcli_json *j, const char *s);
void xcli_json_bool(xcli_json *j, bool v);
void xcli_json_null(xcli_json *j);
/* A quoted, escaped string without separators (keys, notes). */
void xcli_json_str_raw(xcli_json *j, const char *s);
/* Adds a note (extra notes besides the non-finite ones). */
void xcli_json_note(xcli_json *j, const char *text);
/* Writes "notes" and closes the top object. */
void xcli_json_end(xcli_json *j);
/* The shortest "%.*g" of v that reads back as v (v finite). */
const char *xcli_fmt_double(double v, char *buf, size_t size);

void xcli_report_eval_text(FILE *f, const xcli_data *d, const xcli_results *r,
                           const char *const *plots, int nplots);
void xcli_report_eval_json(FILE *f, const xcli_data *d, const xcli_results *r,
                           const char *const *plots, int nplots);
/* The "what was given" block of both reports. */
void xcli_report_detection_text(FILE *f, const xcli_data *d);
void xcli_report_detection_json(xcli_json *j, const xcli_data *d);

/* ---- plots ---- */

/* Writes roc.svg, pr.svg, reliability.svg and confusion.svg into `dir`
 * (created if missing), each atomically. Fills paths[] with what was written. */
bool xcli_plots_write(const char *dir, const xcli_data *d, const xcli_results *r,
                      char paths[][1024], int *npaths, xcli_error *err);

/* ---- progress ---- */

typedef struct xcli_progress {
  bool enabled;
  const char *label;
  int64_t total;             /* rows, or -1 when unknown                       */
  double last;               /* time of the last draw                          */
  bool drawn;
} xcli_progress;

void xcli_progress_start(xcli_progress *p, bool enabled, const char *label,
                         int64_t total);
void xcli_progress_update(xcli_progress *p, int64_t done);
void xcli_progress_end(xcli_progress *p);

/* ---- small helpers ---- */

/* Neumaier summation. */
static inline void xcli_kahan_add(double *sum, double *comp, double v) {
  double t = *sum + v;
  if ((*sum >= 0 ? *sum : -*sum) >= (v >= 0 ? v : -v))
    *comp += (*sum - t) + v;
  else
    *comp += (v - t) + *sum;
  *sum = t;
}

char *xcli_strdup(const char *s);
/* printf into a new string. */
char *xcli_asprintf(const char *fmt, ...) XCLI_PRINTF(1, 2);

#endif /* XCLI_CLI_H */
