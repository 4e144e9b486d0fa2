/*
 * The bundled demo (`make run`): a softmax-regression classifier on the UCI
 * optical-digits images, trained with xent's fused loss and gradient, then
 * evaluated with `xent eval`.
 *
 *   logits = W x + b,  W: 10 x 64,  x: the 8 x 8 pixel counts / 16
 *   loss   = xent_sparse_softmax_cross_entropy (mean over the batch), which
 *            also writes d(loss)/d(logits) in the same pass
 *   update = SGD with momentum on dW = grad^T X, db = sum of grad rows
 *
 * Everything is deterministic: a fixed 75 / 25 split and batch order from a
 * seeded generator, double precision, one thread. The held-out logits and
 * labels are written as .npy files, and `xent eval` (the same code as the
 * command-line tool) reports on them and draws the plots.
 *
 * usage: demo [--data DIR] [--out DIR]
 */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef XENT_DEMO_DATA_DIR
#define XENT_DEMO_DATA_DIR "examples/data"
#endif

enum { D = 64, K = 10, EPOCHS = 30, BATCH = 32 };
static const double LEARNING_RATE = 0.1, MOMENTUM = 0.9;

/* splitmix64 */
static uint64_t next_u64(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static void shuffle(int64_t *a, int64_t n, uint64_t *seed) {
  for (int64_t i = n - 1; i > 0; i--) {
    int64_t j = (int64_t)(next_u64(seed) % (uint64_t)(i + 1));
    int64_t t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

static int load(const char *dir, double **X, int64_t **y, int64_t *n) {
  char px[1024], py[1024];
  snprintf(px, sizeof px, "%s/digits_X.npy", dir);
  snprintf(py, sizeof py, "%s/digits_y.npy", dir);
  xcli_npy fx, fy;
  xcli_error err;
  if (xcli_npy_open(&fx, px, &err) != XCLI_OK || xcli_npy_open(&fy, py, &err) != XCLI_OK) {
    fprintf(stderr, "demo: %s\n", err.message);
    return 1;
  }
  if (fx.rank != 2 || fx.shape[1] != D || fy.rank != 1 || fy.shape[0] != fx.shape[0]) {
    fprintf(stderr, "demo: %s and %s do not hold 64-pixel images and their labels\n", px, py);
    return 1;
  }
  *n = fx.shape[0];
  *X = malloc((size_t)(*n * D) * sizeof **X);
  *y = malloc((size_t)*n * sizeof **y);
  if (!*X || !*y || xcli_npy_read_f64(&fx, 0, *n * D, *X, &err) != XCLI_OK ||
      xcli_npy_read_i64(&fy, 0, *n, *y, &err) != XCLI_OK) {
    fprintf(stderr, "demo: %s\n", *X && *y ? err.message : "out of memory");
    return 1;
  }
  for (int64_t i = 0; i < *n * D; i++) (*X)[i] /= 16.0;
  xcli_npy_close(&fx);
  xcli_npy_close(&fy);
  return 0;
}

/* logits[r] = W x_r + b for the rows listed in idx. */
static void forward(const double *W, const double *b, const double *X, const int64_t *idx,
                    int64_t rows, double *logits) {
  for (int64_t r = 0; r < rows; r++) {
    const double *x = X + idx[r] * D;
    for (int k = 0; k < K; k++) {
      double s = b[k];
      for (int j = 0; j < D; j++) s += W[k * D + j] * x[j];
      logits[r * K + k] = s;
    }
  }
}

/* Mean loss and accuracy over the rows listed in idx, with xent. */
static int measure(const double *W, const double *b, const double *X, const int64_t *y,
                   const int64_t *idx, int64_t rows, double *logits, int64_t *labels,
                   double *loss, double *accuracy) {
  forward(W, b, X, idx, rows, logits);
  for (int64_t r = 0; r < rows; r++) labels[r] = y[idx[r]];
  xent_tensor_t tx = xent_tensor_2d(logits, XENT_F64, rows, K);
  xent_tensor_t ty = xent_tensor_1d(labels, XENT_I64, rows);
  xent_tensor_t tl = xent_tensor_1d(loss, XENT_F64, 1);
  xent_mean_state_t acc;
  xent_mean_state_init(&acc);
  if (xent_sparse_softmax_cross_entropy(&tx, &ty, NULL, &tl, NULL) != XENT_OK ||
      xent_sparse_categorical_accuracy_update(&acc, &ty, &tx, NULL) != XENT_OK ||
      xent_mean_state_result(&acc, XENT_EMPTY_NAN, accuracy) != XENT_OK) {
    fprintf(stderr, "demo: %s\n", xent_last_error());
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *data = XENT_DEMO_DATA_DIR, *out = "demo-output";
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--data") && i + 1 < argc)
      data = argv[++i];
    else if (!strcmp(argv[i], "--out") && i + 1 < argc)
      out = argv[++i];
    else {
      fprintf(stderr, "usage: demo [--data DIR] [--out DIR]\n");
      return 2;
    }
  }
  xent_set_num_threads(1);
  double *X;
  int64_t *y, n;
  if (load(data, &X, &y, &n)) return 1;

  /* A fixed split: 75% to train, the rest held out. */
  uint64_t seed = 20240607;
  int64_t *order = malloc((size_t)n * sizeof *order);
  for (int64_t i = 0; i < n; i++) order[i] = i;
  shuffle(order, n, &seed);
  const int64_t ntest = n / 4, ntrain = n - ntest;
  int64_t *train = order, *test = order + ntrain;

  double W[K * D] = {0}, b[K] = {0}, vW[K * D] = {0}, vb[K] = {0};
  double *logits = malloc((size_t)(n * K) * sizeof *logits);
  double *grad = malloc((size_t)(BATCH * K) * sizeof *grad);
  int64_t *labels = malloc((size_t)n * sizeof *labels);
  if (!logits || !grad || !labels) {
    fprintf(stderr, "demo: out of memory\n");
    return 1;
  }

  printf("xent %s demo: softmax regression on the UCI optical digits (%s)\n", xent_version(),
         data);
  printf("%lld images of 8 x 8 pixels, 10 classes; %lld to train, %lld held out\n",
         (long long)n, (long long)ntrain, (long long)ntest);
  printf("logits = W x + b; xent_sparse_softmax_cross_entropy gives the loss and its gradient\n"
         "in one pass; SGD with momentum %.1f, learning rate %.2f, batches of %d\n\n",
         MOMENTUM, LEARNING_RATE, BATCH);
  printf("%5s  %10s  %9s  %13s  %12s\n", "epoch", "train loss", "train acc", "held-out loss",
         "held-out acc");
  for (int epoch = 1; epoch <= EPOCHS; epoch++) {
    shuffle(train, ntrain, &seed);
    for (int64_t start = 0; start < ntrain; start += BATCH) {
      int64_t rows = ntrain - start < BATCH ? ntrain - start : BATCH;
      const int64_t *idx = train + start;
      forward(W, b, X, idx, rows, logits);
      for (int64_t r = 0; r < rows; r++) labels[r] = y[idx[r]];
      double loss;
      xent_tensor_t tx = xent_tensor_2d(logits, XENT_F64, rows, K);
      xent_tensor_t ty = xent_tensor_1d(labels, XENT_I64, rows);
      xent_tensor_t tl = xent_tensor_1d(&loss, XENT_F64, 1);
      xent_tensor_t tg = xent_tensor_2d(grad, XENT_F64, rows, K);
      /* the mean loss over the batch and d(loss)/d(logits), fused */
      if (xent_sparse_softmax_cross_entropy(&tx, &ty, NULL, &tl, &tg) != XENT_OK) {
        fprintf(stderr, "demo: %s\n", xent_last_error());
        return 1;
      }
      for (int k = 0; k < K; k++) {
        double gb = 0;
        for (int64_t r = 0; r < rows; r++) gb += grad[r * K + k];
        vb[k] = MOMENTUM * vb[k] - LEARNING_RATE * gb;
        b[k] += vb[k];
        for (int j = 0; j < D; j++) {
          double gw = 0;
          for (int64_t r = 0; r < rows; r++) gw += grad[r * K + k] * X[idx[r] * D + j];
          vW[k * D + j] = MOMENTUM * vW[k * D + j] - LEARNING_RATE * gw;
          W[k * D + j] += vW[k * D + j];
        }
      }
    }
    double tr_loss, tr_acc, te_loss, te_acc;
    if (measure(W, b, X, y, train, ntrain, logits, labels, &tr_loss, &tr_acc) ||
        measure(W, b, X, y, test, ntest, logits, labels, &te_loss, &te_acc))
      return 1;
    printf("%5d  %10.4f  %9.4f  %13.4f  %12.4f\n", epoch, tr_loss, tr_acc, te_loss, te_acc);
  }

  /* The held-out outputs, as a framework would save them. */
  if (mkdir(out, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "demo: cannot create %s: %s\n", out, strerror(errno));
    return 1;
  }
  forward(W, b, X, test, ntest, logits);
  for (int64_t r = 0; r < ntest; r++) labels[r] = y[test[r]];
  float *lf = malloc((size_t)(ntest * K) * sizeof *lf);
  for (int64_t i = 0; i < ntest * K; i++) lf[i] = (float)logits[i];
  char lpath[1024], ypath[1024], ppath[1024];
  snprintf(lpath, sizeof lpath, "%s/heldout_logits.npy", out);
  snprintf(ypath, sizeof ypath, "%s/heldout_labels.npy", out);
  snprintf(ppath, sizeof ppath, "%s/plots", out);
  xent_tensor_t tl = xent_tensor_2d(lf, XENT_F32, ntest, K);
  xent_tensor_t ty = xent_tensor_1d(labels, XENT_I64, ntest);
  xcli_error err;
  if (xcli_npy_save(lpath, &tl, &err) != XCLI_OK || xcli_npy_save(ypath, &ty, &err) != XCLI_OK) {
    fprintf(stderr, "demo: %s\n", err.message);
    return 1;
  }
  printf("\nwrote %s and %s\n\n$ xent eval %s %s --plots %s\n\n", lpath, ypath, lpath, ypath,
         ppath);
  fflush(stdout);
  char *args[] = {"xent", "eval", lpath, ypath, "--plots", ppath, "--no-progress", NULL};
  int rc = xcli_main(7, args);
  free(lf);
  free(logits);
  free(grad);
  free(labels);
  free(order);
  free(X);
  free(y);
  return rc;
}
