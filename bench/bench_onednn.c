/*
 * oneDNN's side of `make bench`: the softmax forward primitive (softmax v2,
 * dnnl_softmax_accurate, and dnnl_softmax_log for log_softmax), f32, over
 * axis 1 of a plain row-major (N, C) tensor, for the shapes of bench_xent,
 * timed in turns with xent's xent_softmax / xent_log_softmax on the same
 * input in the same process.
 *
 * Why in turns: on a shared machine speed and bandwidth drift by tens of
 * percent within seconds, so two programs timed minutes apart can swap
 * places. Here each turn runs oneDNN once and then xent once, and both
 * medians come from the same stretch of time.
 *
 * Threads: oneDNN (Debian's libdnnl-dev) threads with OpenMP, so the count is
 * fixed per process: run the binary once with OMP_NUM_THREADS=1 and once
 * with OMP_NUM_THREADS=<all>. xent runs its tasks on the same OpenMP threads,
 * installed with xent_set_parallel_for (the way a host with its own pool
 * runs xent). With xent starting threads of its own, oneDNN's idle OpenMP
 * threads would still be spinning on the cores it needs. bench_xent times
 * xent on its own threads. The `threads` column is OMP_NUM_THREADS (the
 * number of online CPUs when it is unset).
 *
 * Each primitive is created once per shape; source and destination memory
 * are allocated once and reused (xent writes a destination of its own); one
 * warm-up of each (it also faults in the pages), then `reps` turns (15, or 5
 * over 256 MiB, as bench_xent), each oneDNN execution followed by
 * dnnl_stream_wait. The two outputs are compared after the warm-up, and a
 * "# check" line says whether they agree.
 *
 * Output: the column layout of bench_xent (shape, op, threads, ms, GB/s,
 * floor_ms, of_floor) for oneDNN, with the floor columns "-" (bench_xent
 * measures the floor), and an eighth column, xent's median ms from the same
 * turns. GB/s counts one read of the input and one write of the output.
 * Shapes that do not fit in the available memory are skipped with a
 * "# skipped" line.
 *
 * usage: OMP_NUM_THREADS=n bench_onednn [--quick] [--reps N]
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
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

#define CHECK(call)                                                           \
  do {                                                                        \
    dnnl_status_t st_ = (call);                                               \
    if (st_ != dnnl_success) {                                                \
      fprintf(stderr, "bench_onednn: %s failed (status %d)\n", #call, (int)st_); \
      exit(1);                                                                \
    }                                                                         \
  } while (0)

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

static const char *isa_name(dnnl_cpu_isa_t isa) {
  switch (isa) {
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx2: return "avx2";
    default: return "other";
  }
}

static int thread_count(void) {
  const char *env = getenv("OMP_NUM_THREADS");
  if (env && atoi(env) > 0) return atoi(env);
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

typedef struct {
  dnnl_primitive_t prim;
  dnnl_stream_t stream;
  dnnl_exec_arg_t args[2];
} exec_ctx;

static void execute(const exec_ctx *e) {
  CHECK(dnnl_primitive_execute(e->prim, e->stream, 2, e->args));
  CHECK(dnnl_stream_wait(e->stream));
}

/* xent's side of a turn: softmax or log_softmax of x into its own y */
typedef struct {
  xent_tensor_t x, y;
  int log;
} xent_ctx;

static void xent_execute(const xent_ctx *c) {
  xent_status_t st = c->log ? xent_log_softmax(&c->x, 1, &c->y) : xent_softmax(&c->x, 1, &c->y);
  if (st != XENT_OK) {
    fprintf(stderr, "bench_onednn: xent failed: %s\n", xent_last_error());
    exit(1);
  }
}

/* xent's tasks on oneDNN's OpenMP threads */
static void openmp_for(void *user, int64_t ntasks, void (*task)(void *ctx, int64_t index),
                       void *ctx) {
  (void)user;
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t i = 0; i < ntasks; i++) task(ctx, i);
}

/* Medians of `reps` turns (oneDNN, then xent) after one warm-up of each; a
 * slow pair gets fewer turns (bench_xent's rule: as many as fit in
 * BENCH_BUDGET_S seconds but at least 3, one when the warm-ups alone took
 * longer). */
#define BENCH_BUDGET_S 10.0
static double median(double *t, int n) {
  qsort(t, (size_t)n, sizeof t[0], cmp_double);
  return t[n / 2];
}
static void warm_up(const exec_ctx *e, const xent_ctx *c, int *reps) {
  double start = now();
  execute(e);
  xent_execute(c);
  double warm = now() - start;
  if (warm > BENCH_BUDGET_S) *reps = 1;
  else if (warm * *reps > BENCH_BUDGET_S)
    *reps = warm * 3 > BENCH_BUDGET_S ? 3 : (int)(BENCH_BUDGET_S / warm);
}
static double median_turns(const exec_ctx *e, const xent_ctx *c, int reps, double *xent_median) {
  double t[64], tx[64];
  for (int i = 0; i < reps; i++) {
    double t0 = now();
    execute(e);
    double t1 = now();
    xent_execute(c);
    t[i] = t1 - t0, tx[i] = now() - t1;
  }
  *xent_median = median(tx, reps);
  return median(t, reps);
}

/* Largest difference between the two outputs: relative to max(|a|, |b|, 1e-30)
 * for softmax, absolute for log_softmax (where entries near 0 have tiny
 * magnitudes but the same absolute error as their row's log-sum-exp). */
static double max_difference(const float *a, const float *b, size_t n, int log) {
  double worst = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - (double)b[i]);
    if (!log) d /= fmax(fmax(fabs((double)a[i]), fabs((double)b[i])), 1e-30);
    if (!(d <= worst)) worst = d; /* NaN sticks */
  }
  return worst;
}

int main(int argc, char **argv) {
  int quick = 0, reps_arg = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick")) quick = 1;
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps_arg = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: OMP_NUM_THREADS=n bench_onednn [--quick] [--reps N]\n");
      return 2;
    }
  }
  if (reps_arg > 63) reps_arg = 63;
  static const int64_t shapes[][2] = {{1048576, 2}, {65536, 10}, {4096, 1000},
                                      {512, 32000}, {64, 256000}, {8192, 128256}};
  int nshapes = quick ? 4 : 6, threads = thread_count();
  xent_set_num_threads(threads);
  xent_set_parallel_for(openmp_for, NULL);
  const dnnl_version_t *v = dnnl_version();

  dnnl_engine_t engine;
  dnnl_stream_t stream;
  CHECK(dnnl_engine_create(&engine, dnnl_cpu, 0));
  CHECK(dnnl_stream_create(&stream, engine, dnnl_stream_default_flags));

  printf("# peer\toneDNN %d.%d.%d\tthreads\t%d\tdtype\tf32\tisa\t%s\n", v->major, v->minor,
         v->patch, threads, isa_name(dnnl_get_effective_cpu_isa()));
  printf("shape\top\tthreads\tms\tGB/s\tfloor_ms\tof_floor\txent_ms\n");
  for (int s = 0; s < nshapes; s++) {
    int64_t rows = shapes[s][0], cols = shapes[s][1];
    size_t n = (size_t)(rows * cols), bytes = n * sizeof(float);
    char shape[64];
    snprintf(shape, sizeof shape, "%lldx%lld", (long long)rows, (long long)cols);
    double avail = mem_available();
    if (avail > 0 && 3.0 * (double)bytes > 0.8 * avail) {
      printf("# skipped\t%s\tneeds %.1f GB, %.1f GB available\n", shape, 3e-9 * (double)bytes,
             1e-9 * avail);
      fflush(stdout);
      continue;
    }
    float *x = malloc(bytes), *y = malloc(bytes), *xy = malloc(bytes);
    if (!x || !y || !xy) {
      printf("# skipped\t%s\tout of memory\n", shape);
      free(x), free(y), free(xy);
      continue;
    }
    /* the same pseudo-random logits in [-4, 4) as bench_xent */
    uint64_t z = 12345;
    for (size_t i = 0; i < n; i++) {
      z = z * 6364136223846793005ull + 1442695040888963407ull;
      x[i] = (float)((double)(z >> 11) * 0x1p-53 * 8 - 4);
    }
    memset(y, 0, bytes);
    memset(xy, 0, bytes);

    dnnl_memory_desc_t md;
    dnnl_dims_t dims = {rows, cols};
    CHECK(dnnl_memory_desc_init_by_tag(&md, 2, dims, dnnl_f32, dnnl_ab));
    dnnl_memory_t src, dst;
    CHECK(dnnl_memory_create(&src, &md, engine, x));
    CHECK(dnnl_memory_create(&dst, &md, engine, y));

    int reps = reps_arg > 0 ? reps_arg : bytes > (256u << 20) ? 5 : 15;
    struct { const char *name; dnnl_alg_kind_t alg; } ops[] = {
        {"softmax", dnnl_softmax_accurate}, {"log_softmax", dnnl_softmax_log}};
    for (int o = 0; o < 2; o++) {
      dnnl_softmax_v2_desc_t desc;
      dnnl_primitive_desc_t pd;
      exec_ctx e;
      CHECK(dnnl_softmax_v2_forward_desc_init(&desc, dnnl_forward_inference, ops[o].alg, &md,
                                              &md, 1));
      CHECK(dnnl_primitive_desc_create(&pd, &desc, NULL, engine, NULL));
      CHECK(dnnl_primitive_create(&e.prim, pd));
      CHECK(dnnl_primitive_desc_destroy(pd));
      e.stream = stream;
      e.args[0] = (dnnl_exec_arg_t){DNNL_ARG_SRC, src};
      e.args[1] = (dnnl_exec_arg_t){DNNL_ARG_DST, dst};
      xent_ctx c = {xent_tensor_2d(x, XENT_F32, rows, cols), xent_tensor_2d(xy, XENT_F32, rows, cols),
                    o == 1};
      int turns = reps;
      warm_up(&e, &c, &turns);
      /* softmax within a few ulps of each other (relative); log_softmax
       * within a few ulps of the largest |log-sum-exp|, about 10 at these
       * shapes (absolute): 1e-5 either way */
      double diff = max_difference(y, xy, n, c.log);
      printf("# check\t%s\t%s\tmax %s difference %.2g\t%s\n", ops[o].name, shape,
             c.log ? "absolute" : "relative", diff, diff <= 1e-5 ? "agree" : "DIFFER");
      double xent_ms, t = median_turns(&e, &c, turns, &xent_ms);
      printf("%s\t%s\t%d\t%.3f\t%.1f\t-\t-\t%.3f\n", shape, ops[o].name, threads, 1e3 * t,
             2.0 * (double)bytes / t / 1e9, 1e3 * xent_ms);
      fflush(stdout);
      CHECK(dnnl_primitive_destroy(e.prim));
    }
    CHECK(dnnl_memory_destroy(src));
    CHECK(dnnl_memory_destroy(dst));
    free(x), free(y), free(xy);
  }
  CHECK(dnnl_stream_destroy(stream));
  CHECK(dnnl_engine_destroy(engine));
  return 0;
}
