/*
 * xent's side of `make bench`: for each shape, the median time of each
 * operation with 1 thread and with all threads, its effective bandwidth, and
 * the fraction of the memory floor reached, where the floor is measured in
 * the same run by a STREAM-like read (sum) and copy over the same bytes.
 * Output: one tab-separated line per measurement, for bench/report.py; a
 * shape whose three tensors (input, output, gradient) do not fit in the
 * available memory is skipped with a "# skipped" line.
 *
 * usage: bench_xent [--quick] [--dtype f32|f64] [--shape RxC] [--op NAME]
 * (--shape and --op pick one shape or one operation, for working on a kernel;
 * --op logsumexp is the one operation not in the default suite)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xent.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Median times of an operation and of its memory floor, timed in turns
 * (floor, operation, floor, operation, ...) after one warm-up of each (which
 * also faults in the pages: outputs are supplied by the caller and reused).
 * On a shared machine the bandwidth drifts by tens of percent within
 * seconds; taken in turns, both medians come from the same stretch of time,
 * so their ratio is not a comparison of two different moments. A slow pair
 * gets fewer turns, as many as fit in BENCH_BUDGET_S seconds but at least 3,
 * and a single one when the warm-ups alone took longer than that. */
#define BENCH_BUDGET_S 10.0
typedef void (*bench_fn)(void *ctx);
static double median(double *t, int n) {
  qsort(t, (size_t)n, sizeof t[0], cmp_double);
  return t[n / 2];
}
static double median_pair(bench_fn fn, void *ctx, bench_fn floor_fn, void *floor_ctx, int reps,
                          double *floor_median) {
  double t[64], tf[64], start = now();
  floor_fn(floor_ctx);
  fn(ctx);
  double warm = now() - start;
  if (warm > BENCH_BUDGET_S) reps = 1;
  else if (warm * reps > BENCH_BUDGET_S)
    reps = warm * 3 > BENCH_BUDGET_S ? 3 : (int)(BENCH_BUDGET_S / warm);
  for (int i = 0; i < reps; i++) {
    double t0 = now();
    floor_fn(floor_ctx);
    double t1 = now();
    fn(ctx);
    tf[i] = t1 - t0, t[i] = now() - t1;
  }
  *floor_median = median(tf, reps);
  return median(t, reps);
}

typedef struct {
  int64_t rows, cols;
  xent_dtype_t dtype;
  void *x, *y, *g;
  int64_t *labels;
  double loss;
} problem;

/* ---- the memory floor: a read and a copy of the same bytes ---- */
static volatile double sink;
typedef struct { const double *src; double *dst; size_t n; int threads; } stream_ctx;
static void stream_read_task(void *c, int64_t t) {
  stream_ctx *s = c;
  size_t chunk = s->n / (size_t)s->threads, lo = (size_t)t * chunk;
  size_t hi = t == s->threads - 1 ? s->n : lo + chunk;
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  size_t i = lo;
  for (; i + 4 <= hi; i += 4) a0 += s->src[i], a1 += s->src[i + 1], a2 += s->src[i + 2], a3 += s->src[i + 3];
  for (; i < hi; i++) a0 += s->src[i];
  sink = a0 + a1 + a2 + a3;
}
static void stream_copy_task(void *c, int64_t t) {
  stream_ctx *s = c;
  size_t chunk = s->n / (size_t)s->threads, lo = (size_t)t * chunk;
  size_t hi = t == s->threads - 1 ? s->n : lo + chunk;
  memcpy(s->dst + lo, s->src + lo, (hi - lo) * sizeof(double));
}
/* Threads for the STREAM kernels come from a parallel-for of our own. */
#include <pthread.h>
typedef struct { void (*task)(void *, int64_t); void *ctx; int64_t i; } thread_arg;
static void *run_one(void *a) {
  thread_arg *t = a;
  t->task(t->ctx, t->i);
  return NULL;
}
static void run_threads(int n, void (*task)(void *, int64_t), void *ctx) {
  pthread_t ids[64];
  thread_arg args[64];
  for (int i = 0; i < n; i++) {
    args[i] = (thread_arg){task, ctx, i};
    if (i) pthread_create(&ids[i], NULL, run_one, &args[i]);
  }
  run_one(&args[0]);
  for (int i = 1; i < n; i++) pthread_join(ids[i], NULL);
}
/* An operation's floor: a copy per tensor it writes, a read per other
 * tensor it reads. */
typedef struct { stream_ctx s; int copies, reads; } stream_bench;
static void stream_fn(void *c) {
  stream_bench *b = c;
  for (int i = 0; i < b->copies; i++) run_threads(b->s.threads, stream_copy_task, &b->s);
  for (int i = 0; i < b->reads; i++) run_threads(b->s.threads, stream_read_task, &b->s);
}

/* ---- the operations ---- */
static void op_softmax(void *c) {
  problem *p = c;
  xent_tensor_t x = xent_tensor_2d(p->x, p->dtype, p->rows, p->cols);
  xent_tensor_t y = xent_tensor_2d(p->y, p->dtype, p->rows, p->cols);
  if (xent_softmax(&x, -1, &y)) abort();
}
static void op_log_softmax(void *c) {
  problem *p = c;
  xent_tensor_t x = xent_tensor_2d(p->x, p->dtype, p->rows, p->cols);
  xent_tensor_t y = xent_tensor_2d(p->y, p->dtype, p->rows, p->cols);
  if (xent_log_softmax(&x, -1, &y)) abort();
}
static void op_ce(problem *p, int with_grad) {
  xent_tensor_t x = xent_tensor_2d(p->x, p->dtype, p->rows, p->cols);
  xent_tensor_t g = xent_tensor_2d(p->g, p->dtype, p->rows, p->cols);
  xent_tensor_t l = xent_tensor_1d(p->labels, XENT_I64, p->rows);
  xent_tensor_t loss = xent_tensor_1d(&p->loss, XENT_F64, 1);
  if (xent_sparse_softmax_cross_entropy(&x, &l, NULL, &loss, with_grad ? &g : NULL)) abort();
}
/* logsumexp of each row into y's first column (f32 and f64 alike: y has room) */
static void op_logsumexp(void *c) {
  problem *p = c;
  xent_tensor_t x = xent_tensor_2d(p->x, p->dtype, p->rows, p->cols);
  xent_tensor_t out = xent_tensor_1d(p->y, p->dtype, p->rows);
  if (xent_logsumexp(&x, -1, &out)) abort();
}
static void op_ce_fwd(void *c) { op_ce(c, 0); }
static void op_ce_fwd_bwd(void *c) { op_ce(c, 1); }
/* Multi-label sigmoid CE, loss and gradient, with PyTorch's "mean" of
 * binary_cross_entropy_with_logits (per element, divided by their number).
 * The targets are in y (filled by fill_targets before it is timed). */
static void op_sigmoid_ce_fwd_bwd(void *c) {
  problem *p = c;
  xent_tensor_t x = xent_tensor_2d(p->x, p->dtype, p->rows, p->cols);
  xent_tensor_t t = xent_tensor_2d(p->y, p->dtype, p->rows, p->cols);
  xent_tensor_t g = xent_tensor_2d(p->g, p->dtype, p->rows, p->cols);
  xent_tensor_t loss = xent_tensor_1d(&p->loss, XENT_F64, 1);
  xent_ce_options_t opts = xent_ce_options_default();
  opts.reduction = XENT_REDUCTION_SUM_OVER_BATCH_SIZE;
  if (xent_sigmoid_cross_entropy(&x, &t, &opts, &loss, &g)) abort();
}
/* Multi-label 0/1 targets, each 1 with probability 1/8. */
static void fill_targets(problem *p) {
  size_t n = (size_t)(p->rows * p->cols);
  uint64_t z = 54321;
  for (size_t i = 0; i < n; i++) {
    z = z * 6364136223846793005ull + 1442695040888963407ull;
    double v = (z >> 61) == 0 ? 1.0 : 0.0;
    if (p->dtype == XENT_F32) ((float *)p->y)[i] = (float)v;
    else ((double *)p->y)[i] = v;
  }
}

/* MemAvailable from /proc/meminfo, in bytes; 0 when unknown. */
static double mem_available(void) {
  FILE *f = fopen("/proc/meminfo", "r");
  char line[256];
  double kb = 0;
  if (!f) return 0;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1) break;
  fclose(f);
  return kb * 1024;
}

int main(int argc, char **argv) {
  xent_dtype_t dtype = XENT_F32;
  const char *only_op = NULL;
  int64_t shapes[6][2] = {{1048576, 2}, {65536, 10}, {4096, 1000},
                          {512, 32000}, {64, 256000}, {8192, 128256}};
  int nshapes = 6;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick")) nshapes = 4;
    else if (!strcmp(argv[i], "--dtype") && i + 1 < argc)
      dtype = strcmp(argv[++i], "f64") ? XENT_F32 : XENT_F64;
    else if (!strcmp(argv[i], "--op") && i + 1 < argc) only_op = argv[++i];
    else if (!strcmp(argv[i], "--shape") && i + 1 < argc) {
      long long r, c;
      if (sscanf(argv[++i], "%lldx%lld", &r, &c) != 2 || r < 1 || c < 1) {
        fprintf(stderr, "bench_xent: --shape wants ROWSxCOLS, got '%s'\n", argv[i]);
        return 2;
      }
      shapes[0][0] = r, shapes[0][1] = c, nshapes = 1;
    } else {
      fprintf(stderr, "bench_xent: unknown argument '%s'\n", argv[i]);
      return 2;
    }
  }
  int all = xent_get_num_threads();
  size_t esize = xent_dtype_size(dtype);
  printf("# isa\t%s\tthreads\t%d\tdtype\t%s\n", xent_isa(), all, xent_dtype_name(dtype));
  printf("shape\top\tthreads\tms\tGB/s\tfloor_ms\tof_floor\n");
  for (int s = 0; s < nshapes; s++) {
    problem p = {shapes[s][0], shapes[s][1], dtype, NULL, NULL, NULL, NULL, 0};
    size_t n = (size_t)(p.rows * p.cols), bytes = n * esize;
    char shape[64];
    snprintf(shape, sizeof shape, "%lldx%lld", (long long)p.rows, (long long)p.cols);
    /* x, y and g must stay in memory: a shape that does not fit is skipped */
    double avail = mem_available();
    if (avail > 0 && 3.0 * (double)bytes > 0.8 * avail) {
      printf("# skipped\t%s\tneeds %.1f GB, %.1f GB available\n", shape, 3e-9 * (double)bytes,
             1e-9 * avail);
      fflush(stdout);
      continue;
    }
    p.x = malloc(bytes), p.y = malloc(bytes), p.g = malloc(bytes);
    p.labels = malloc((size_t)p.rows * sizeof(int64_t));
    uint64_t z = 12345;
    for (size_t i = 0; i < n; i++) {
      z = z * 6364136223846793005ull + 1442695040888963407ull;
      double v = (double)(z >> 11) * 0x1p-53 * 8 - 4;
      if (dtype == XENT_F32) ((float *)p.x)[i] = (float)v;
      else ((double *)p.x)[i] = v;
    }
    for (int64_t r = 0; r < p.rows; r++) p.labels[r] = r % p.cols;
    int reps = bytes > (256u << 20) ? 5 : 15;
    int thread_counts[2] = {1, all};
    for (int tc = 0; tc < (all > 1 ? 2 : 1); tc++) {
      int threads = thread_counts[tc];
      xent_set_num_threads(threads);
      /* reads: tensors read (x, and the targets for sigmoid CE); writes: 0 or 1 */
      struct { const char *name; bench_fn fn; int reads, writes; } ops[] = {
          {"softmax", op_softmax, 1, 1}, {"log_softmax", op_log_softmax, 1, 1},
          {"sparse_ce_fwd", op_ce_fwd, 1, 0}, {"sparse_ce_fwd_bwd", op_ce_fwd_bwd, 1, 1},
          {"sigmoid_ce_fwd_bwd", op_sigmoid_ce_fwd_bwd, 2, 1},
          {"logsumexp", op_logsumexp, 1, 0}};
      for (int o = 0; o < 6; o++) {
        if (only_op ? strcmp(only_op, ops[o].name) != 0 : ops[o].fn == op_logsumexp)
          continue; /* logsumexp (no peer in the report) only when named by --op */
        if (ops[o].fn == op_sigmoid_ce_fwd_bwd) fill_targets(&p);
        /* the floor copies x into g: no operation reads g (sigmoid CE's
         * targets are in y) */
        stream_bench sb = {{p.x, p.g, bytes / sizeof(double), threads}, ops[o].writes,
                           ops[o].reads - ops[o].writes};
        double floor_t, t = median_pair(ops[o].fn, &p, stream_fn, &sb, reps, &floor_t);
        double moved = (double)bytes * (ops[o].reads + ops[o].writes);
        printf("%s\t%s\t%d\t%.3f\t%.1f\t%.3f\t%.2f\n", shape, ops[o].name, threads, 1e3 * t,
               moved / t / 1e9, 1e3 * floor_t, floor_t / t);
        fflush(stdout);
      }
    }
    free(p.x), free(p.y), free(p.g), free(p.labels);
  }
  return 0;
}
