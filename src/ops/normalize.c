/* softmax, log_softmax, logsumexp and their backward passes along an axis:
 * argument checks and layout walking around the row kernels. */
#include "../core/internal.h"
#include "../kernels/kernels.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

/* A row operation on up to two same-shape inputs and one output; `scalar` is
 * the per-row value of a reduced input (logsumexp_backward's dout). */
typedef void (*row_op)(const double *a, const double *b, double scalar,
                       double *out, int64_t n);

/* A fast kernel for contiguous f32 rows (NULL when there is none); returns 0
 * for rows it leaves to the reference kernel. */
typedef int (*fast_row_op)(const float *x, float *y, int64_t n, xent__stream *stream);

/* The same for a block of rows with few classes (kernels.h); returns the
 * lanes it leaves to the reference kernel. */
typedef unsigned (*fast_small_op)(const float *x, float *y, int64_t n);

/* The same for contiguous f64 rows (kernels.h: xent_f64_kernels). */
typedef int (*fast_f64_op)(const double *x, double *y, int64_t n);

/* A fast kernel for the backward passes: (y, dy) -> dx, contiguous rows. */
typedef int (*fast_row2_op)(const float *a, const float *b, float *out, int64_t n);

static void op_softmax(const double *a, const double *b, double s, double *out,
                       int64_t n) {
  (void)b, (void)s;
  xent_ref_softmax_row(a, out, n);
}
static void op_log_softmax(const double *a, const double *b, double s,
                           double *out, int64_t n) {
  (void)b, (void)s;
  xent_ref_log_softmax_row(a, out, n);
}
static void op_softmax_backward(const double *a, const double *b, double s,
                                double *out, int64_t n) {
  (void)s;
  xent_ref_softmax_backward_row(a, b, out, n);
}
static void op_log_softmax_backward(const double *a, const double *b, double s,
                                    double *out, int64_t n) {
  (void)s;
  xent_ref_log_softmax_backward_row(a, b, out, n);
}
static void op_logsumexp_backward(const double *a, const double *b, double s,
                                  double *out, int64_t n) {
  (void)b;
  xent_ref_logsumexp_backward_row(a, s, out, n);
}

typedef struct {
  xent__rows rows; /* set up at row 0; each task copies and seeks it */
  const xent_tensor_t *a, *b, *reduced, *out;
  row_op op;
  fast_row_op fast;
  fast_f64_op fast64;
  fast_small_op small;
  fast_row2_op fast2;
  int block;  /* rows per small call */
  int stream; /* outputs too large for the caches: non-temporal stores */
  xent__row_buffers buffers; /* the stream kernels' row buffers */
  int64_t rows_per_task;
  atomic_int failed; /* scratch allocation failed in a task */
} axis_job;

/* One row through the reference kernel: ptr are the row's pointers in the
 * iterator's slots (buffers of n doubles each). */
static void reference_row(const axis_job *j, char *const *ptr, double *sa, double *sb) {
  const int64_t *stride = j->rows.row_stride;
  int64_t n = j->rows.length;
  xent__gather(sa, ptr[0], stride[0], n, j->a->dtype);
  if (j->b) xent__gather(sb, ptr[2], stride[2], n, j->b->dtype);
  double scalar = j->reduced ? xent__load(ptr[3], j->reduced->dtype) : 0.0;
  j->op(sa, sb, scalar, sa, n);
  xent__scatter(ptr[1], stride[1], sa, n, j->out->dtype);
}

/* Rows with few classes: blocks of j->block rows are copied into a
 * contiguous buffer (so every layout takes the same path), computed one row
 * per lane, and copied out; declined rows go to the reference kernel. */
static void small_rows_task(axis_job *j, xent__rows *it, int64_t first, int64_t last) {
  int64_t n = it->length;
  float bx[16 * XENT_SMALL_C] = {0}, by[16 * XENT_SMALL_C];
  double sa[XENT_SMALL_C], sb[XENT_SMALL_C];
  char *at[16][4]; /* where each lane's row lives */
  int lanes = 0;
  /* Adjacent rows in and out: whole blocks straight from the caller's memory
   * (the copy below gives the same bits, so layouts still agree). */
  if (xent__rows_adjacent(it, 0, sizeof(float), n) &&
      xent__rows_adjacent(it, 1, sizeof(float), n)) {
    float *x = (float *)it->ptr[0], *y = (float *)it->ptr[1];
    for (; first + j->block <= last; first += j->block, x += j->block * n, y += j->block * n) {
      unsigned bad = j->small(x, y, n);
      for (int l = 0; bad && l < j->block; l++) {
        if (!(bad >> l & 1)) continue;
        char *ptr[4] = {(char *)(x + l * n), (char *)(y + l * n), NULL, NULL};
        reference_row(j, ptr, sa, sb);
      }
    }
    if (first == last) return;
    xent__rows_seek(it, first);
  }
  for (int64_t r = first; r < last; r++) {
    if (r > first) xent__rows_next(it);
    const float *src = (const float *)it->ptr[0];
    for (int64_t c = 0; c < n; c++) bx[lanes * n + c] = src[c * it->row_stride[0]];
    memcpy(at[lanes++], it->ptr, sizeof at[0]);
    if (lanes < j->block && r + 1 < last) continue;
    for (int l = lanes; l < j->block; l++) /* a partial block: finite filler rows */
      for (int64_t c = 0; c < n; c++) bx[l * n + c] = 0.0f;
    unsigned bad = j->small(bx, by, n);
    for (int l = 0; l < lanes; l++) {
      if (bad >> l & 1) {
        reference_row(j, at[l], sa, sb);
        continue;
      }
      float *dst = (float *)at[l][1];
      for (int64_t c = 0; c < n; c++) dst[c * it->row_stride[1]] = by[l * n + c];
    }
    lanes = 0;
  }
}

/* The backward passes with a fast kernel: contiguous rows directly, strided
 * ones through f32 copies (the same bits either way); declined rows take the
 * reference kernel. */
static void backward_rows_task(axis_job *j, xent__rows *it, int64_t first, int64_t last) {
  int64_t n = it->length;
  int direct = it->row_stride[0] == 1 && it->row_stride[1] == 1 && it->row_stride[2] == 1;
  xent__scratch sa = {0}, sb = {0};
  if (xent__scratch_get(&sa, 2 * n, "") || xent__scratch_get(&sb, 2 * n, "")) {
    atomic_store(&j->failed, 1);
    xent__scratch_free(&sa);
    return;
  }
  float *fa = (float *)sa.p, *fb = fa + n, *fo = (float *)sb.p;
  xent__rows_seek(it, first);
  for (int64_t r = first; r < last; r++) {
    if (r > first) xent__rows_next(it);
    const float *a = (const float *)it->ptr[0], *b = (const float *)it->ptr[2];
    float *out = (float *)it->ptr[1];
    if (direct) {
      if (j->fast2(a, b, out, n)) continue;
    } else {
      for (int64_t i = 0; i < n; i++) {
        fa[i] = a[i * it->row_stride[0]];
        fb[i] = b[i * it->row_stride[2]];
      }
      if (j->fast2(fa, fb, fo, n)) {
        for (int64_t i = 0; i < n; i++) out[i * it->row_stride[1]] = fo[i];
        continue;
      }
    }
    reference_row(j, it->ptr, sa.p, sb.p);
  }
  xent__scratch_free(&sa);
  xent__scratch_free(&sb);
}

static void axis_task(void *ctx, int64_t task) {
  axis_job *j = ctx;
  xent__rows it = j->rows;
  int64_t n = it.length, first = task * j->rows_per_task;
  int64_t last = first + j->rows_per_task < it.count ? first + j->rows_per_task : it.count;
  int direct = it.row_stride[0] == 1 && it.row_stride[1] == 1;
  xent__scratch sa = {0}, sb = {0}; /* taken when first needed */
  xent__rows_seek(&it, first);
  if (j->small) {
    small_rows_task(j, &it, first, last);
    return;
  }
  if (j->fast2) {
    backward_rows_task(j, &it, first, last);
    return;
  }
  float *rowbuf = j->fast && direct && j->stream ? xent__row_buffers_take(&j->buffers) : NULL;
  xent__stream streaming, *stream = NULL;
  if (rowbuf) xent__stream_init(&streaming, rowbuf, n), stream = &streaming;
  for (int64_t r = first; r < last; r++) {
    if (r > first) xent__rows_next(&it);
    if (j->fast && direct && j->fast((const float *)it.ptr[0], (float *)it.ptr[1], n, stream))
      continue;
    if (j->fast64 && direct && j->fast64((const double *)it.ptr[0], (double *)it.ptr[1], n))
      continue;
    if (!sa.p && (xent__scratch_get(&sa, n, "") || xent__scratch_get(&sb, n, ""))) {
      atomic_store(&j->failed, 1);
      break;
    }
    if (j->fast64 && !direct) { /* through copies, for the same bits in every layout */
      xent__gather(sa.p, it.ptr[0], it.row_stride[0], n, XENT_F64);
      if (j->fast64(sa.p, sb.p, n)) {
        xent__scatter(it.ptr[1], it.row_stride[1], sb.p, n, XENT_F64);
        continue;
      }
    }
    if (j->fast && !direct) {
      float *fx = (float *)sb.p, *fy = fx + n; /* sb has room for 2n floats */
      const float *src = (const float *)it.ptr[0];
      for (int64_t i = 0; i < n; i++) fx[i] = src[i * it.row_stride[0]];
      if (j->fast(fx, fy, n, NULL)) {
        float *dst = (float *)it.ptr[1];
        for (int64_t i = 0; i < n; i++) dst[i * it.row_stride[1]] = fy[i];
        continue;
      }
    }
    reference_row(j, it.ptr, sa.p, sb.p);
  }
  xent__stream_finish(stream);
  xent__row_buffers_give(&j->buffers, rowbuf);
  xent__scratch_free(&sa);
  xent__scratch_free(&sb);
}

/*
 * Shared driver. `a` (and `b` if given) and `out` have one shape; `reduced`
 * (if given) has the reduced shape and supplies one scalar per row.
 */
static xent_status_t along_axis(const xent_tensor_t *a, const char *a_name,
                                const xent_tensor_t *b, const char *b_name,
                                const xent_tensor_t *reduced,
                                const char *reduced_name,
                                const xent_tensor_t *out, const char *out_name,
                                int axis, row_op op, fast_row_op fast, fast_f64_op fast64,
                                fast_small_op small, int block, fast_row2_op fast2) {
  xent__clear_error();
  XENT__TRY(xent__check_tensor(a, a_name));
  XENT__TRY(xent__require_float(a, a_name));
  if (b_name && !b) return xent__fail(XENT_ERR_NULL, "%s is NULL", b_name);
  if (b) {
    XENT__TRY(xent__check_tensor(b, b_name));
    XENT__TRY(xent__require_float(b, b_name));
  }
  if (reduced_name && !reduced) return xent__fail(XENT_ERR_NULL, "%s is NULL", reduced_name);
  if (reduced) {
    XENT__TRY(xent__check_tensor(reduced, reduced_name));
    XENT__TRY(xent__require_float(reduced, reduced_name));
  }
  XENT__TRY(xent__check_output(out, out_name));
  XENT__TRY(xent__require_float(out, out_name));
  int ax;
  XENT__TRY(xent__resolve_axis(axis, a->rank, a_name, &ax));
  if (b) XENT__TRY(xent__check_same_shape(a, a_name, b, b_name));
  XENT__TRY(xent__check_same_shape(a, a_name, out, out_name));
  int reduced_axis = -1;
  if (reduced)
    XENT__TRY(xent__check_reduced_shape(a, a_name, ax, reduced, reduced_name,
                                        &reduced_axis));

  const xent_tensor_t *group[4] = {a, out, b ? b : a, reduced ? reduced : a};
  int group_axis[4] = {ax, ax, ax, reduced ? reduced_axis : ax};
  axis_job job;
  xent__rows_init(&job.rows, 4, group, ax, group_axis);
  if (job.rows.count == 0 || job.rows.length == 0) return XENT_OK;
  job.a = a, job.b = b, job.reduced = reduced, job.out = out;
  job.op = op;
  /* The fast kernel serves every f32 row: contiguous rows in place, strided
   * ones through an f32 copy, so that the result never depends on the
   * layout. Rows it declines (NaN, infinities) take the reference path. */
  int f32 = a->dtype == XENT_F32 && out->dtype == XENT_F32;
  job.fast = f32 ? fast : NULL;
  int f64 = a->dtype == XENT_F64 && out->dtype == XENT_F64;
  job.fast64 = f64 && job.rows.length >= XENT_F64_FAST_MIN ? fast64 : NULL;
  job.small = f32 && small && job.rows.length <= XENT_SMALL_C ? small : NULL;
  job.block = block;
  job.fast2 = f32 && fast2 && b && b->dtype == XENT_F32 ? fast2 : NULL;
  job.stream = xent__stream_wanted(job.rows.count, job.rows.length);
  job.rows_per_task = job.stream ? xent__stream_rows_per_task(job.rows.count)
                                 : xent__rows_per_task(job.rows.count, job.rows.length);
  atomic_init(&job.failed, 0);
  int64_t ntasks = (job.rows.count + job.rows_per_task - 1) / job.rows_per_task;
  xent__row_buffers_init(&job.buffers, xent__stream_buffer_floats(job.rows.length));
  xent__parallel_for(ntasks, job.rows.count * job.rows.length, axis_task, &job);
  xent__row_buffers_free(&job.buffers);
  if (atomic_load(&job.failed))
    return xent__fail(XENT_ERR_NOMEM, "could not allocate scratch for %s", out_name);
  return XENT_OK;
}

xent_status_t xent_softmax(const xent_tensor_t *x, int axis,
                           const xent_tensor_t *y) {
  const xent_f32_kernels *k = xent__fast_f32();
  const xent_f64_kernels *k64 = xent__fast_f64();
  return along_axis(x, "x", NULL, NULL, NULL, NULL, y, "y", axis, op_softmax,
                    k ? k->softmax : NULL, k64 ? k64->softmax : NULL,
                    k ? k->softmax_small : NULL, k ? k->block : 0, NULL);
}

xent_status_t xent_log_softmax(const xent_tensor_t *x, int axis,
                               const xent_tensor_t *y) {
  const xent_f32_kernels *k = xent__fast_f32();
  const xent_f64_kernels *k64 = xent__fast_f64();
  return along_axis(x, "x", NULL, NULL, NULL, NULL, y, "y", axis, op_log_softmax,
                    k ? k->log_softmax : NULL, k64 ? k64->log_softmax : NULL,
                    k ? k->log_softmax_small : NULL,
                    k ? k->block : 0, NULL);
}

xent_status_t xent_softmax_backward(const xent_tensor_t *y,
                                    const xent_tensor_t *dy, int axis,
                                    const xent_tensor_t *dx) {
  const xent_f32_kernels *k = xent__fast_f32();
  return along_axis(y, "y", dy, "dy", NULL, NULL, dx, "dx", axis, op_softmax_backward, NULL,
                    NULL, NULL, 0, k ? k->softmax_backward : NULL);
}

xent_status_t xent_log_softmax_backward(const xent_tensor_t *y,
                                        const xent_tensor_t *dy, int axis,
                                        const xent_tensor_t *dx) {
  const xent_f32_kernels *k = xent__fast_f32();
  return along_axis(y, "y", dy, "dy", NULL, NULL, dx, "dx", axis, op_log_softmax_backward, NULL,
                    NULL, NULL, 0, k ? k->log_softmax_backward : NULL);
}

xent_status_t xent_logsumexp_backward(const xent_tensor_t *x,
                                      const xent_tensor_t *dout, int axis,
                                      const xent_tensor_t *dx) {
  return along_axis(x, "x", NULL, NULL, dout, "dout", dx, "dx", axis,
                    op_logsumexp_backward, NULL, NULL, NULL, 0, NULL);
}

/* logsumexp, one value per row. f32 rows of more than XENT_SMALL_C into an
 * f32 output take the fast f32 kernel, strided ones through an f32 copy (the
 * same bits, so layouts agree). Other rows of XENT_F64_FAST_MIN or more, and
 * the rows the f32 kernel declines (their logsumexp is small, where float
 * exps could miss the 1-ulp bound), are converted to double (exactly) for
 * the fast f64 kernel; what is left, the reference kernel. */
typedef struct {
  xent__rows rows;
  const xent_tensor_t *x, *out;
  int (*fast)(const float *x, int64_t n, double *lse);
  int (*fast64)(const double *x, int64_t n, double *lse);
  int64_t rows_per_task;
  atomic_int failed; /* scratch allocation failed in a task */
} lse_job;

static void lse_task(void *ctx, int64_t task) {
  lse_job *j = ctx;
  xent__rows it = j->rows;
  int64_t n = it.length, first = task * j->rows_per_task;
  int64_t last = first + j->rows_per_task < it.count ? first + j->rows_per_task : it.count;
  xent__scratch s = {0}; /* n doubles (or n floats), taken when first needed */
  xent__rows_seek(&it, first);
  for (int64_t r = first; r < last; r++) {
    if (r > first) xent__rows_next(&it);
    if (!s.p && (it.row_stride[0] != 1 || !j->fast) && xent__scratch_get(&s, n, "")) {
      atomic_store(&j->failed, 1);
      return;
    }
    double v;
    if (j->fast) {
      const float *row = (const float *)it.ptr[0];
      if (it.row_stride[0] != 1) {
        float *copy = (float *)s.p;
        for (int64_t c = 0; c < n; c++) copy[c] = row[c * it.row_stride[0]];
        row = copy;
      }
      if (j->fast(row, n, &v)) {
        xent__store(it.ptr[1], j->out->dtype, v);
        continue;
      }
      if (!s.p && xent__scratch_get(&s, n, "")) {
        atomic_store(&j->failed, 1);
        return;
      }
    }
    xent__gather(s.p, it.ptr[0], it.row_stride[0], n, j->x->dtype);
    if (!j->fast64 || !j->fast64(s.p, n, &v)) v = xent_ref_logsumexp_row(s.p, n);
    xent__store(it.ptr[1], j->out->dtype, v);
  }
  xent__scratch_free(&s);
}

xent_status_t xent_logsumexp(const xent_tensor_t *x, int axis,
                             const xent_tensor_t *out) {
  xent__clear_error();
  XENT__TRY(xent__check_tensor(x, "x"));
  XENT__TRY(xent__require_float(x, "x"));
  XENT__TRY(xent__check_output(out, "out"));
  XENT__TRY(xent__require_float(out, "out"));
  int ax, out_axis;
  XENT__TRY(xent__resolve_axis(axis, x->rank, "x", &ax));
  XENT__TRY(xent__check_reduced_shape(x, "x", ax, out, "out", &out_axis));

  const xent_tensor_t *group[2] = {x, out};
  int group_axis[2] = {ax, out_axis};
  lse_job job;
  xent__rows_init(&job.rows, 2, group, ax, group_axis);
  if (job.rows.count == 0) return XENT_OK;
  const xent_f32_kernels *k = xent__fast_f32();
  job.x = x, job.out = out;
  /* Rows of at most XENT_SMALL_C mostly have a small logsumexp, where the
   * f32 kernel declines and the row would be computed twice: they go
   * straight to double. */
  job.fast = k && x->dtype == XENT_F32 && out->dtype == XENT_F32 &&
                     job.rows.length > XENT_SMALL_C
                 ? k->logsumexp
                 : NULL;
  const xent_f64_kernels *k64 = xent__fast_f64();
  job.fast64 = k64 && job.rows.length >= XENT_F64_FAST_MIN ? k64->logsumexp : NULL;
  job.rows_per_task = xent__rows_per_task(job.rows.count, job.rows.length);
  atomic_init(&job.failed, 0);
  int64_t ntasks = (job.rows.count + job.rows_per_task - 1) / job.rows_per_task;
  xent__parallel_for(ntasks, job.rows.count * (job.rows.length ? job.rows.length : 1), lse_task,
                     &job);
  if (atomic_load(&job.failed))
    return xent__fail(XENT_ERR_NOMEM, "could not allocate scratch for out");
  return XENT_OK;
}
