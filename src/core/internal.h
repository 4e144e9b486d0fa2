/*
 * Private helpers shared by the framework code (argument checking, layouts,
 * dtype conversion). Nothing here is exported; names carry the xent__ prefix.
 */
#ifndef XENT_INTERNAL_H
#define XENT_INTERNAL_H

#include "xent.h"

#include <stdbool.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>

#if defined(__GNUC__)
#define XENT__PRINTF(f, a) __attribute__((format(printf, f, a)))
#define XENT__LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define XENT__PRINTF(f, a)
#define XENT__LIKELY(x) (x)
#endif

/* ---- error detail (status.c) ---- */

/* Clears the thread's detail string; every public entry point calls it. */
void xent__clear_error(void);

/* Records a formatted detail and returns `status`, so callers can write
 * `return xent__fail(XENT_ERR_SHAPE, "...", ...)`. */
xent_status_t xent__fail(xent_status_t status, const char *fmt, ...)
    XENT__PRINTF(2, 3);

/* Propagates a non-OK status from an expression. */
#define XENT__TRY(expr)                      \
  do {                                       \
    xent_status_t xent__st_ = (expr);        \
    if (xent__st_ != XENT_OK) return xent__st_; \
  } while (0)

/* ---- tensor checks (tensor.c) ---- */

bool xent__is_float(xent_dtype_t dtype);
bool xent__is_integer(xent_dtype_t dtype);

/* Structural validity of a tensor argument named `name`: non-NULL, known
 * dtype, rank and extents in range, element count without overflow, data
 * present when elements exist. */
xent_status_t xent__check_tensor(const xent_tensor_t *t, const char *name);

/* As xent__check_tensor, plus: no stride 0 along an axis longer than 1. */
xent_status_t xent__check_output(const xent_tensor_t *t, const char *name);

/* `t`'s dtype must be a float type (f32, f64, f16, bf16). */
xent_status_t xent__require_float(const xent_tensor_t *t, const char *name);

/* Normalises a possibly negative axis against `rank`; `name` is the tensor
 * the axis refers to. */
xent_status_t xent__resolve_axis(int axis, int rank, const char *name,
                                 int *resolved);

/* `b` must have exactly `a`'s shape. */
xent_status_t xent__check_same_shape(const xent_tensor_t *a, const char *a_name,
                                     const xent_tensor_t *b, const char *b_name);

/* `r` must have `x`'s shape with `axis` removed, or kept with length 1.
 * Sets *r_axis to the axis of `r` that stands for `axis` (-1 if removed). */
xent_status_t xent__check_reduced_shape(const xent_tensor_t *x,
                                        const char *x_name, int axis,
                                        const xent_tensor_t *r,
                                        const char *r_name, int *r_axis);

/* A view of `src` broadcast to `shape` (rank `rank`), aligned from the left
 * (batch first, as sample weights are): every extent of src equals the
 * target's or is 1, and missing trailing axes are broadcast (stride 0).
 * `name` names src in errors. */
xent_status_t xent__broadcast_left(const xent_tensor_t *src, const char *name, int rank,
                                   const int64_t *shape, xent_tensor_t *view);

/* Formats a shape as "(2, 3, 4)" into buf; returns buf. */
const char *xent__shape_str(const xent_tensor_t *t, char *buf, size_t size);

/* ---- element access (dtype.c) ---- */

/* Reads element `p` of type `dtype` as a double (exact for every dtype except
 * i64 values beyond 2^53). */
double xent__load(const void *p, xent_dtype_t dtype);

/* Stores `v` as `dtype`, rounding once to nearest-even for the float types;
 * integers are truncated toward zero (only used with integral values). */
void xent__store(void *p, xent_dtype_t dtype, double v);

/* Rounds v to the precision of `dtype` and back (identity for f64). */
double xent__round_to(double v, xent_dtype_t dtype);

/* Reads an integer label exactly. Inline: loss loops read one a row, and at
 * small C the call cost as much as the row. */
static inline int64_t xent__load_index(const void *p, xent_dtype_t dtype) {
  switch (dtype) {
    case XENT_I32: return *(const int32_t *)p;
    case XENT_I64: return *(const int64_t *)p;
    case XENT_U8: return *(const uint8_t *)p;
    default: return INT64_MIN;
  }
}

/* Strided row <-> contiguous double buffer. Strides are in elements. */
void xent__gather(double *dst, const void *src, int64_t stride, int64_t n,
                  xent_dtype_t dtype);
void xent__scatter(void *dst, int64_t stride, const double *src, int64_t n,
                   xent_dtype_t dtype);

/* ---- rows: lockstep iteration over every position but one axis (rows.c) ---- */

#define XENT__ROWS_MAX_TENSORS 8

/*
 * Walks the "rows" of a group of tensors: every combination of the indices
 * of the outer axes (all axes of the driving tensor except the row axis).
 * Each member tensor either has the row axis (its elements along it form the
 * row) or lacks it (it holds one element per row, e.g. a reduced output or a
 * label). After xent__rows_init, ptr[k] points at the first element of the
 * current row of tensor k and row_stride[k] is its element stride along the
 * row axis (0 for tensors without it).
 */
typedef struct xent__rows {
  int64_t count;  /* rows in total                 */
  int64_t length; /* elements per row (row axis)   */
  int ntensors;
  int outer_rank;
  int64_t outer_shape[XENT_MAX_RANK];
  int64_t index[XENT_MAX_RANK];
  /* byte step along each outer axis, per tensor */
  int64_t outer_step[XENT__ROWS_MAX_TENSORS][XENT_MAX_RANK];
  int64_t row_stride[XENT__ROWS_MAX_TENSORS];
  char *ptr[XENT__ROWS_MAX_TENSORS];
  char *base[XENT__ROWS_MAX_TENSORS]; /* the pointers at row 0 */
} xent__rows;

/*
 * Sets up iteration driven by `tensors[0]` along its axis `axis`.
 * tensor_axis[k] is the axis of tensors[k] that is the row axis, or -1 when
 * tensors[k] lacks it; its other axes must match the outer axes in order
 * (the caller has checked shapes).
 */
void xent__rows_init(xent__rows *it, int ntensors,
                     const xent_tensor_t *const *tensors, int axis,
                     const int *tensor_axis);

/* Advances to the next row. Call exactly count - 1 times. */
void xent__rows_next(xent__rows *it);

/* Formats the current row's outer index as "[3, 1]" (or "[]" for a single
 * row of a rank-0 outer shape) for error messages; returns buf. */
const char *xent__rows_where(const xent__rows *it, char *buf, size_t size);

/* Whether tensor k's rows are adjacent in memory: row r + 1 starts where
 * row r ends (contiguous rows, in C order over the outer axes). `per_row` is
 * the number of elements the tensor has per row: the row length for tensors
 * with the row axis, 1 for those without it (labels, reduced outputs). */
int xent__rows_adjacent(const xent__rows *it, int k, size_t elem_size, int64_t per_row);

/* Moves the iterator to row r (0 <= r < count). */
void xent__rows_seek(xent__rows *it, int64_t r);

/* ---- threads (parallel.c) ---- */

/* Outputs larger than this (about the last-level cache) whose rows have at
 * least XENT__STREAM_MIN_ROW elements are written with non-temporal stores
 * by the fast kernels that offer it. Shorter rows are faster with ordinary
 * stores (measured at 32768 x 1000 and 512 x 32000 on the 2-core AVX-512
 * machine: 20-35% and 5-10%; see docs/performance.md, fourth session). */
#define XENT__STREAM_BYTES ((int64_t)32 << 20)
#define XENT__STREAM_MIN_ROW ((int64_t)1 << 16)
static inline int xent__stream_wanted(int64_t rows, int64_t length) {
  return length >= XENT__STREAM_MIN_ROW &&
         rows * length * (int64_t)sizeof(float) > XENT__STREAM_BYTES;
}
/* Rows per task when streaming: a row's output is written while the task's
 * next row is swept, so a task of one row would write it in a burst. Up to
 * 32 rows, and at least 16 tasks where there are 16 rows. */
static inline int64_t xent__stream_rows_per_task(int64_t rows) {
  int64_t per = rows / 16;
  return per < 1 ? 1 : per > 32 ? 32 : per;
}

/* Below this many elements of work a call runs on the calling thread. */
#define XENT__PARALLEL_MIN_WORK (1 << 18)

/* Runs task(ctx, 0 .. ntasks-1), on several threads when `work` (elements
 * touched) is large enough. Tasks must not call xent__fail (the detail
 * string is per thread): they report through ctx. */
void xent__parallel_for(int64_t ntasks, int64_t work, void (*task)(void *ctx, int64_t index),
                        void *ctx);

/* Rows per task for `rows` rows of `length` elements. A task is a run of
 * adjacent rows, and the thread that takes it streams through it: long runs
 * keep the hardware prefetchers on one stream (at 4096 x 1000 on two
 * threads, tasks of 256 rows ran 10-13% faster than tasks of 16). Between
 * 2^14 and 2^18 elements a task, and at least 16 tasks where that allows,
 * so that a thread slowed down can be caught up; over 16 rows, a multiple of
 * 16 (the small-C block). The split depends on the shape alone. */
static inline int64_t xent__rows_per_task(int64_t rows, int64_t length) {
  int64_t len = length > 0 ? length : 1;
  int64_t fewest = ((int64_t)1 << 14) / len, most = ((int64_t)1 << 18) / len;
  int64_t per = rows / 16;
  per = per < fewest ? fewest : per > most ? most : per;
  if (per > 16) per = per / 16 * 16;
  return per > 0 ? per : 1;
}

/* ---- row buffers for the streaming kernels ---- */

/* A call's tasks borrow float buffers (for the kernels that write their
 * outputs with non-temporal stores: xent__stream in kernels/kernels.h) and
 * give them back, so a call allocates about one buffer per thread however
 * many tasks it has. The buffers are freed when the call ends. */
#define XENT__ROW_BUFFERS_KEPT 64
typedef struct xent__row_buffers {
  pthread_mutex_t lock;
  int64_t length; /* floats in each buffer */
  int kept;       /* idle buffers in idle[] */
  float *idle[XENT__ROW_BUFFERS_KEPT];
} xent__row_buffers;

void xent__row_buffers_init(xent__row_buffers *b, int64_t length);
/* An idle buffer or a new one; NULL when allocation fails (the caller then
 * uses ordinary stores, which give the same results). */
float *xent__row_buffers_take(xent__row_buffers *b);
void xent__row_buffers_give(xent__row_buffers *b, float *p);
void xent__row_buffers_free(xent__row_buffers *b);

/* ---- scratch ---- */

/* A double buffer of n elements: on the stack when small, else malloc'd. */
#define XENT__SCRATCH_STACK 512
typedef struct xent__scratch {
  double *p;
  double stack[XENT__SCRATCH_STACK];
} xent__scratch;

/* Gives s->p room for n doubles; XENT_ERR_NOMEM on failure. */
xent_status_t xent__scratch_get(xent__scratch *s, int64_t n, const char *what);
/* Frees what xent__scratch_get took; safe on a zeroed, never-used scratch. */
void xent__scratch_free(xent__scratch *s);

#endif /* XENT_INTERNAL_H */
