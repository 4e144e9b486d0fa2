/*
 * Times xent's exact ROC AUC (and average precision) on scores and labels
 * read from raw files, so that bench/bench_auc.py can time scikit-learn on
 * the very same data.
 *
 *   bench_auc SCORES LABELS N DTYPE REPEATS
 *
 * SCORES: N raw f32 or f64 values (DTYPE f32 / f64); LABELS: N raw uint8 0/1.
 * Each repeat times create + update + xent_roc_auc (radix sort and sweep)
 * from the raw arrays, then xent_average_precision on the sorted state.
 * Prints one line: "xent n=N dtype=D roc=R ap=A roc_s=... ap_s=..." with the
 * median and the best of the repeats.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "xent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void *slurp(const char *path, size_t bytes) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  void *p = malloc(bytes ? bytes : 1);
  size_t got = p ? fread(p, 1, bytes, f) : 0;
  fclose(f);
  if (got != bytes) {
    free(p);
    return NULL;
  }
  return p;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int fail(const char *what, xent_status_t s) {
  fprintf(stderr, "bench_auc: %s: %s (%s)\n", what, xent_status_name(s), xent_last_error());
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: bench_auc SCORES LABELS N f32|f64 REPEATS\n");
    return 2;
  }
  int64_t n = atoll(argv[3]);
  int f64 = strcmp(argv[4], "f64") == 0;
  int repeats = atoi(argv[5]);
  if (n <= 0 || repeats <= 0) return 2;
  void *scores = slurp(argv[1], (size_t)n * (f64 ? 8 : 4));
  uint8_t *labels = slurp(argv[2], (size_t)n);
  if (!scores || !labels) {
    fprintf(stderr, "bench_auc: cannot read %s / %s\n", argv[1], argv[2]);
    return 1;
  }
  xent_tensor_t ts = xent_tensor_1d(scores, f64 ? XENT_F64 : XENT_F32, n);
  xent_tensor_t ty = xent_tensor_1d(labels, XENT_U8, n);
  double *troc = malloc(sizeof(double) * (size_t)repeats);
  double *tap = malloc(sizeof(double) * (size_t)repeats);
  double roc = 0, ap = 0;
  for (int r = 0; r < repeats; r++) {
    double t0 = now();
    xent_auc_t *st = NULL;
    xent_status_t s = xent_auc_create(NULL, &st);
    if (s != XENT_OK) return fail("create", s);
    if ((s = xent_auc_update(st, &ty, &ts, NULL)) != XENT_OK) return fail("update", s);
    xent_tensor_t out = xent_tensor_1d(&roc, XENT_F64, 1);
    if ((s = xent_roc_auc(st, NULL, &out, NULL)) != XENT_OK) return fail("roc_auc", s);
    double t1 = now();
    xent_tensor_t out2 = xent_tensor_1d(&ap, XENT_F64, 1);
    if ((s = xent_average_precision(st, NULL, &out2, NULL)) != XENT_OK) return fail("ap", s);
    double t2 = now();
    xent_auc_destroy(st);
    troc[r] = t1 - t0;
    tap[r] = t2 - t1;
  }
  qsort(troc, (size_t)repeats, sizeof *troc, cmp);
  qsort(tap, (size_t)repeats, sizeof *tap, cmp);
  printf("xent n=%lld dtype=%s roc=%.17g ap=%.17g roc_s=%.6f roc_best_s=%.6f ap_s=%.6f\n",
         (long long)n, f64 ? "f64" : "f32", roc, ap, troc[repeats / 2], troc[0], tap[repeats / 2]);
  free(troc), free(tap), free(scores), free(labels);
  return 0;
}
