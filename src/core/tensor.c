/* Tensor descriptors: construction and the structural checks every public
 * function runs on its arguments. */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *xent_dtype_name(xent_dtype_t dtype) {
  switch (dtype) {
    case XENT_F32: return "f32";
    case XENT_F64: return "f64";
    case XENT_F16: return "f16";
    case XENT_BF16: return "bf16";
    case XENT_I32: return "i32";
    case XENT_I64: return "i64";
    case XENT_U8: return "u8";
  }
  return "?";
}

size_t xent_dtype_size(xent_dtype_t dtype) {
  switch (dtype) {
    case XENT_F32: return 4;
    case XENT_F64: return 8;
    case XENT_F16: return 2;
    case XENT_BF16: return 2;
    case XENT_I32: return 4;
    case XENT_I64: return 8;
    case XENT_U8: return 1;
  }
  return 0;
}

bool xent__is_float(xent_dtype_t dtype) {
  return dtype == XENT_F32 || dtype == XENT_F64 || dtype == XENT_F16 ||
         dtype == XENT_BF16;
}

bool xent__is_integer(xent_dtype_t dtype) {
  return dtype == XENT_I32 || dtype == XENT_I64 || dtype == XENT_U8;
}

int64_t xent_tensor_numel(const xent_tensor_t *t) {
  int64_t n = 1;
  for (int i = 0; i < t->rank; i++) n *= t->shape[i];
  return n;
}

static xent_tensor_t make_c_order(void *data, xent_dtype_t dtype, int rank,
                                  const int64_t *shape) {
  xent_tensor_t t;
  memset(&t, 0, sizeof t);
  t.data = data;
  t.dtype = dtype;
  t.rank = rank;
  /* Unsigned so that an absurd shape wraps instead of overflowing; such a
   * shape is rejected by the element-count check before any use. */
  uint64_t step = 1;
  for (int i = rank - 1; i >= 0; i--) {
    t.shape[i] = shape[i];
    t.strides[i] = (int64_t)step;
    if (shape[i] != 0) step *= (uint64_t)shape[i]; /* as NumPy: (3, 0) -> (1, 1) */
  }
  return t;
}

xent_tensor_t xent_tensor_1d(void *data, xent_dtype_t dtype, int64_t n0) {
  int64_t s[1] = {n0};
  return make_c_order(data, dtype, 1, s);
}

xent_tensor_t xent_tensor_2d(void *data, xent_dtype_t dtype, int64_t n0,
                             int64_t n1) {
  int64_t s[2] = {n0, n1};
  return make_c_order(data, dtype, 2, s);
}

xent_tensor_t xent_tensor_3d(void *data, xent_dtype_t dtype, int64_t n0,
                             int64_t n1, int64_t n2) {
  int64_t s[3] = {n0, n1, n2};
  return make_c_order(data, dtype, 3, s);
}

xent_status_t xent_tensor_init(xent_tensor_t *t, void *data, xent_dtype_t dtype,
                               int rank, const int64_t *shape,
                               const int64_t *strides) {
  xent__clear_error();
  if (!t) return xent__fail(XENT_ERR_NULL, "t is NULL");
  if (rank < 0 || rank > XENT_MAX_RANK)
    return xent__fail(XENT_ERR_SHAPE, "rank = %d is outside [0, %d]", rank,
                      XENT_MAX_RANK);
  if (rank > 0 && !shape) return xent__fail(XENT_ERR_NULL, "shape is NULL");
  *t = make_c_order(data, dtype, rank, shape);
  if (strides)
    for (int i = 0; i < rank; i++) t->strides[i] = strides[i];
  return xent__check_tensor(t, "t");
}

const char *xent__shape_str(const xent_tensor_t *t, char *buf, size_t size) {
  size_t used = 0;
  used += (size_t)snprintf(buf, size, "(");
  for (int i = 0; i < t->rank && used < size; i++)
    used += (size_t)snprintf(buf + used, size - used, "%s%" PRId64,
                             i ? ", " : "", t->shape[i]);
  if (used < size) snprintf(buf + used, size - used, ")");
  return buf;
}

xent_status_t xent__check_tensor(const xent_tensor_t *t, const char *name) {
  if (!t) return xent__fail(XENT_ERR_NULL, "%s is NULL", name);
  if (xent_dtype_size(t->dtype) == 0)
    return xent__fail(XENT_ERR_DTYPE, "%s has unknown dtype %d", name,
                      (int)t->dtype);
  if (t->rank < 0 || t->rank > XENT_MAX_RANK)
    return xent__fail(XENT_ERR_SHAPE, "%s.rank = %d is outside [0, %d]", name,
                      (int)t->rank, XENT_MAX_RANK);
  bool empty = false;
  for (int i = 0; i < t->rank; i++) {
    if (t->shape[i] < 0)
      return xent__fail(XENT_ERR_SHAPE, "%s.shape[%d] = %" PRId64 " is negative",
                        name, i, t->shape[i]);
    if (t->shape[i] == 0) empty = true;
  }
  if (empty) return XENT_OK; /* nothing is ever accessed */
  int64_t n = 1;
  for (int i = 0; i < t->rank; i++) {
    if (n > INT64_MAX / t->shape[i])
      return xent__fail(XENT_ERR_SHAPE, "%s has more elements than fit in int64",
                        name);
    n *= t->shape[i];
  }
  for (int i = 0; i < t->rank; i++) {
    /* The byte offset of the farthest element must fit as well. */
    int64_t d = t->shape[i];
    int64_t s = t->strides[i] < 0 ? -t->strides[i] : t->strides[i];
    if (d > 1 && s > INT64_MAX / 16 / d)
      return xent__fail(XENT_ERR_SHAPE,
                        "%s.strides[%d] = %" PRId64 " is too large for extent %" PRId64,
                        name, i, t->strides[i], d);
  }
  if (!t->data)
    return xent__fail(XENT_ERR_NULL, "%s.data is NULL but %s has %" PRId64
                      " elements", name, name, n);
  return XENT_OK;
}

xent_status_t xent__check_output(const xent_tensor_t *t, const char *name) {
  XENT__TRY(xent__check_tensor(t, name));
  for (int i = 0; i < t->rank; i++)
    if (t->strides[i] == 0 && t->shape[i] > 1)
      return xent__fail(XENT_ERR_SHAPE,
                        "%s.strides[%d] = 0 along an axis of length %" PRId64
                        "; an output cannot be broadcast",
                        name, i, t->shape[i]);
  return XENT_OK;
}

xent_status_t xent__require_float(const xent_tensor_t *t, const char *name) {
  if (!xent__is_float(t->dtype))
    return xent__fail(XENT_ERR_DTYPE,
                      "%s has dtype %s; expected f32, f64, f16 or bf16", name,
                      xent_dtype_name(t->dtype));
  return XENT_OK;
}

xent_status_t xent__resolve_axis(int axis, int rank, const char *name,
                                 int *resolved) {
  int a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) {
    if (rank == 0)
      return xent__fail(XENT_ERR_ARGUMENT,
                        "axis = %d, but %s has rank 0 and no axes", axis, name);
    return xent__fail(XENT_ERR_ARGUMENT, "axis = %d is outside [%d, %d) for %s of rank %d",
                      axis, -rank, rank, name, rank);
  }
  *resolved = a;
  return XENT_OK;
}

xent_status_t xent__check_same_shape(const xent_tensor_t *a, const char *a_name,
                                     const xent_tensor_t *b, const char *b_name) {
  bool same = a->rank == b->rank;
  for (int i = 0; same && i < a->rank; i++) same = a->shape[i] == b->shape[i];
  if (!same) {
    char sa[160], sb[160];
    return xent__fail(XENT_ERR_SHAPE, "%s has shape %s but %s has shape %s",
                      b_name, xent__shape_str(b, sb, sizeof sb), a_name,
                      xent__shape_str(a, sa, sizeof sa));
  }
  return XENT_OK;
}

xent_status_t xent__check_reduced_shape(const xent_tensor_t *x,
                                        const char *x_name, int axis,
                                        const xent_tensor_t *r,
                                        const char *r_name, int *r_axis) {
  bool ok;
  if (r->rank == x->rank) { /* keepdims */
    ok = r->shape[axis] == 1;
    for (int i = 0; ok && i < x->rank; i++)
      if (i != axis) ok = r->shape[i] == x->shape[i];
    *r_axis = axis;
  } else if (r->rank == x->rank - 1) {
    ok = true;
    for (int i = 0, j = 0; ok && i < x->rank; i++)
      if (i != axis) ok = r->shape[j++] == x->shape[i];
    *r_axis = -1;
  } else {
    ok = false;
  }
  if (!ok) {
    char sx[160], sr[160];
    return xent__fail(XENT_ERR_SHAPE,
                      "%s has shape %s; expected %s's shape %s without axis %d "
                      "(or with it kept at length 1)",
                      r_name, xent__shape_str(r, sr, sizeof sr), x_name,
                      xent__shape_str(x, sx, sizeof sx), axis);
  }
  return XENT_OK;
}

xent_status_t xent__scratch_get(xent__scratch *s, int64_t n, const char *what) {
  if (n <= XENT__SCRATCH_STACK) {
    s->p = s->stack;
    return XENT_OK;
  }
  s->p = (uint64_t)n <= SIZE_MAX / sizeof(double)
             ? malloc((size_t)n * sizeof(double))
             : NULL;
  if (!s->p)
    return xent__fail(XENT_ERR_NOMEM,
                      "could not allocate %" PRId64 " doubles of scratch for %s",
                      n, what);
  return XENT_OK;
}

void xent__scratch_free(xent__scratch *s) {
  if (s->p && s->p != s->stack) free(s->p);
  s->p = NULL;
}

xent_status_t xent__broadcast_left(const xent_tensor_t *src, const char *name, int rank,
                                   const int64_t *shape, xent_tensor_t *view) {
  if (src->rank > rank)
    return xent__fail(XENT_ERR_SHAPE, "%s has rank %d, more than the %d axes it covers", name,
                      (int)src->rank, rank);
  memset(view, 0, sizeof *view);
  view->data = src->data;
  view->dtype = src->dtype;
  view->rank = rank;
  for (int i = 0; i < rank; i++) {
    view->shape[i] = shape[i];
    if (i >= src->rank) continue; /* stride 0 */
    if (src->shape[i] == shape[i])
      view->strides[i] = src->strides[i];
    else if (src->shape[i] != 1)
      return xent__fail(XENT_ERR_SHAPE,
                        "%s.shape[%d] = %" PRId64 " cannot broadcast to %" PRId64, name, i,
                        src->shape[i], shape[i]);
  }
  return XENT_OK;
}
