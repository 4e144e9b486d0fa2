/*
 * Threads over rows. Work is cut into tasks whose boundaries depend only on
 * the problem (never on the thread count), and per-task partial results are
 * combined in task order, so every result is the same whatever the number of
 * threads. Tasks run on the caller's parallel-for if one is installed, else
 * on threads started for the call (the library keeps none between calls).
 */
#include "internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

/* Process-wide settings, like a BLAS thread count: the only mutable state of
 * the library besides the one-time CPU detection. */
static atomic_int thread_setting; /* 0: the default */
static _Atomic(xent_parallel_for_fn) user_for;
static _Atomic(void *) user_for_data;

void xent_set_num_threads(int n) { atomic_store(&thread_setting, n > 0 ? n : 0); }

int xent_get_num_threads(void) {
  int n = atomic_load(&thread_setting);
  if (n > 0) return n;
  const char *env = getenv("XENT_NUM_THREADS");
  if (env && atoi(env) > 0) return atoi(env);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return cpus > 0 ? (int)(cpus < 256 ? cpus : 256) : 1;
}

void xent_set_parallel_for(xent_parallel_for_fn fn, void *user) {
  atomic_store(&user_for_data, user);
  atomic_store(&user_for, fn);
}

typedef struct {
  void (*task)(void *ctx, int64_t index);
  void *ctx;
  int64_t ntasks;
  atomic_llong next;
} pool_job;

static void *worker(void *arg) {
  pool_job *job = arg;
  for (;;) {
    int64_t t = atomic_fetch_add(&job->next, 1);
    if (t >= job->ntasks) return NULL;
    job->task(job->ctx, t);
  }
}

void xent__parallel_for(int64_t ntasks, int64_t work, void (*task)(void *ctx, int64_t index),
                        void *ctx) {
  int threads = xent_get_num_threads();
  if (threads > ntasks) threads = (int)ntasks;
  /* Starting a thread costs tens of microseconds: small problems run here. */
  if (threads <= 1 || work < XENT__PARALLEL_MIN_WORK) {
    for (int64_t t = 0; t < ntasks; t++) task(ctx, t);
    return;
  }
  xent_parallel_for_fn fn = atomic_load(&user_for);
  if (fn) {
    fn(atomic_load(&user_for_data), ntasks, task, ctx);
    return;
  }
  pool_job job = {task, ctx, ntasks, 0};
  pthread_t ids[256];
  int started = 0;
  for (int i = 0; i < threads - 1; i++)
    if (pthread_create(&ids[started], NULL, worker, &job) == 0) started++;
  worker(&job); /* this thread works too; if no thread started, it does all */
  for (int i = 0; i < started; i++) pthread_join(ids[i], NULL);
}

void xent__row_buffers_init(xent__row_buffers *b, int64_t length) {
  pthread_mutex_init(&b->lock, NULL);
  b->length = length;
  b->kept = 0;
}

float *xent__row_buffers_take(xent__row_buffers *b) {
  float *p = NULL;
  pthread_mutex_lock(&b->lock);
  if (b->kept > 0) p = b->idle[--b->kept];
  pthread_mutex_unlock(&b->lock);
  if (p) return p;
  /* a whole number of cache lines, aligned like the non-temporal stores */
  uint64_t bytes = ((uint64_t)b->length * sizeof(float) + 63) / 64 * 64;
  return bytes <= SIZE_MAX ? aligned_alloc(64, (size_t)bytes) : NULL;
}

void xent__row_buffers_give(xent__row_buffers *b, float *p) {
  if (!p) return;
  pthread_mutex_lock(&b->lock);
  if (b->kept < XENT__ROW_BUFFERS_KEPT) b->idle[b->kept++] = p, p = NULL;
  pthread_mutex_unlock(&b->lock);
  free(p); /* more tasks at once than buffers kept: let this one go */
}

void xent__row_buffers_free(xent__row_buffers *b) {
  for (int i = 0; i < b->kept; i++) free(b->idle[i]);
  b->kept = 0;
  pthread_mutex_destroy(&b->lock);
}
