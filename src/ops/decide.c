/* Discrete decisions: argmax, hardmax and one-hot encoding. */
#include "../core/internal.h"
#include "../kernels/kernels.h"

#include <inttypes.h>
#include <math.h>

/* First index of the maximum of a strided row; NaN beats everything (the
 * first NaN wins), ties keep the earliest index. */
static int64_t row_argmax(const char *p, int64_t stride, int64_t n,
                          xent_dtype_t dtype) {
  int64_t step = stride * (int64_t)xent_dtype_size(dtype);
  int64_t best = 0;
  const xent_f32_kernels *k;
  /* contiguous f32 rows: the vector kernel (same rules, same answer) */
  if (dtype == XENT_F32 && stride == 1 && n > 0 && (k = xent__fast_f32()) != NULL)
    return k->argmax((const float *)p, n);
  if (xent__is_integer(dtype)) {
    int64_t m = xent__load_index(p, dtype);
    for (int64_t i = 1; i < n; i++) {
      int64_t v = xent__load_index(p + i * step, dtype);
      if (v > m) m = v, best = i;
    }
    return best;
  }
  double m = xent__load(p, dtype);
  if (isnan(m)) return 0;
  for (int64_t i = 1; i < n; i++) {
    double v = xent__load(p + i * step, dtype);
    if (isnan(v)) return i;
    if (v > m) m = v, best = i;
  }
  return best;
}

xent_status_t xent_argmax(const xent_tensor_t *x, int axis,
                          const xent_tensor_t *out) {
  xent__clear_error();
  XENT__TRY(xent__check_tensor(x, "x"));
  XENT__TRY(xent__check_output(out, "out"));
  if (out->dtype != XENT_I32 && out->dtype != XENT_I64)
    return xent__fail(XENT_ERR_DTYPE, "out has dtype %s; expected i32 or i64",
                      xent_dtype_name(out->dtype));
  int ax, out_axis;
  XENT__TRY(xent__resolve_axis(axis, x->rank, "x", &ax));
  XENT__TRY(xent__check_reduced_shape(x, "x", ax, out, "out", &out_axis));
  const xent_tensor_t *group[2] = {x, out};
  int group_axis[2] = {ax, out_axis};
  xent__rows it;
  xent__rows_init(&it, 2, group, ax, group_axis);
  if (it.count == 0) return XENT_OK;
  if (it.length == 0)
    return xent__fail(XENT_ERR_SHAPE,
                      "x.shape[%d] = 0: argmax of an empty axis has no index",
                      ax);
  if (out->dtype == XENT_I32 && it.length > INT32_MAX)
    return xent__fail(XENT_ERR_DTYPE,
                      "out is i32 but x.shape[%d] = %" PRId64 " exceeds INT32_MAX",
                      ax, it.length);
  for (int64_t r = 0; r < it.count; r++) {
    if (r) xent__rows_next(&it);
    int64_t k = row_argmax(it.ptr[0], it.row_stride[0], it.length, x->dtype);
    xent__store(it.ptr[1], out->dtype, (double)k);
  }
  return XENT_OK;
}

xent_status_t xent_hardmax(const xent_tensor_t *x, int axis,
                           const xent_tensor_t *y) {
  xent__clear_error();
  XENT__TRY(xent__check_tensor(x, "x"));
  XENT__TRY(xent__check_output(y, "y"));
  int ax;
  XENT__TRY(xent__resolve_axis(axis, x->rank, "x", &ax));
  XENT__TRY(xent__check_same_shape(x, "x", y, "y"));
  const xent_tensor_t *group[2] = {x, y};
  int group_axis[2] = {ax, ax};
  xent__rows it;
  xent__rows_init(&it, 2, group, ax, group_axis);
  if (it.count == 0 || it.length == 0) return XENT_OK;
  int64_t ystep = it.row_stride[1] * (int64_t)xent_dtype_size(y->dtype);
  for (int64_t r = 0; r < it.count; r++) {
    if (r) xent__rows_next(&it);
    int64_t k = row_argmax(it.ptr[0], it.row_stride[0], it.length, x->dtype);
    for (int64_t i = 0; i < it.length; i++)
      xent__store(it.ptr[1] + i * ystep, y->dtype, i == k ? 1.0 : 0.0);
  }
  return XENT_OK;
}

xent_status_t xent_one_hot(const xent_tensor_t *labels, int axis,
                           double on_value, double off_value, unsigned flags,
                           const xent_tensor_t *y) {
  xent__clear_error();
  XENT__TRY(xent__check_tensor(labels, "labels"));
  if (labels->dtype != XENT_I32 && labels->dtype != XENT_I64)
    return xent__fail(XENT_ERR_DTYPE, "labels has dtype %s; expected i32 or i64",
                      xent_dtype_name(labels->dtype));
  XENT__TRY(xent__check_output(y, "y"));
  if (flags & ~XENT_ONE_HOT_OUT_OF_RANGE_IS_OFF)
    return xent__fail(XENT_ERR_ARGUMENT, "flags = %#x has unknown bits", flags);
  int ax, labels_axis;
  XENT__TRY(xent__resolve_axis(axis, y->rank, "y", &ax));
  /* labels must be y without its class axis */
  if (labels->rank != y->rank - 1)
    return xent__fail(XENT_ERR_SHAPE,
                      "labels has rank %d; expected y's rank %d minus one",
                      (int)labels->rank, (int)y->rank);
  XENT__TRY(xent__check_reduced_shape(y, "y", ax, labels, "labels", &labels_axis));
  const xent_tensor_t *group[2] = {y, labels};
  int group_axis[2] = {ax, -1};
  xent__rows it;
  xent__rows_init(&it, 2, group, ax, group_axis);
  if (it.count == 0) return XENT_OK;
  int64_t depth = it.length;
  int64_t ystep = it.row_stride[0] * (int64_t)xent_dtype_size(y->dtype);
  if (!(flags & XENT_ONE_HOT_OUT_OF_RANGE_IS_OFF)) {
    /* Check every label before writing, so an error leaves y untouched. */
    for (int64_t r = 0; r < it.count; r++) {
      if (r) xent__rows_next(&it);
      int64_t label = xent__load_index(it.ptr[1], labels->dtype);
      if (label < 0 || label >= depth) {
        char where[160];
        return xent__fail(XENT_ERR_INDEX,
                          "labels%s = %" PRId64 " is outside [0, %" PRId64 ")",
                          xent__rows_where(&it, where, sizeof where), label,
                          depth);
      }
    }
    xent__rows_init(&it, 2, group, ax, group_axis);
  }
  for (int64_t r = 0; r < it.count; r++) {
    if (r) xent__rows_next(&it);
    int64_t label = xent__load_index(it.ptr[1], labels->dtype);
    for (int64_t i = 0; i < depth; i++)
      xent__store(it.ptr[0] + i * ystep, y->dtype, i == label ? on_value : off_value);
  }
  return XENT_OK;
}
