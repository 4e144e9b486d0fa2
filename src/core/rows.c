/* Lockstep iteration over the rows of several strided tensors. An odometer
 * over the outer axes moves one byte pointer per tensor, so any mix of
 * layouts (C order, Fortran order, transposed, reversed, broadcast) is walked
 * by the same code. */
#include "internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void xent__rows_init(xent__rows *it, int ntensors,
                     const xent_tensor_t *const *tensors, int axis,
                     const int *tensor_axis) {
  const xent_tensor_t *drive = tensors[0];
  memset(it, 0, sizeof *it);
  it->ntensors = ntensors;
  it->length = drive->rank ? drive->shape[axis] : 1;
  it->count = 1;
  for (int i = 0; i < drive->rank; i++) {
    if (i == axis) continue;
    it->outer_shape[it->outer_rank++] = drive->shape[i];
    it->count *= drive->shape[i];
  }
  for (int k = 0; k < ntensors; k++) {
    const xent_tensor_t *t = tensors[k];
    int64_t size = (int64_t)xent_dtype_size(t->dtype);
    int own_axis = tensor_axis[k];
    it->ptr[k] = it->base[k] = t->data;
    it->row_stride[k] = own_axis >= 0 ? t->strides[own_axis] : 0;
    for (int i = 0, o = 0; i < t->rank; i++) {
      if (i == own_axis) continue;
      it->outer_step[k][o++] = t->strides[i] * size;
    }
  }
}

void xent__rows_next(xent__rows *it) {
  /* Increment the last outer index; carry into earlier ones. */
  for (int d = it->outer_rank - 1; d >= 0; d--) {
    if (++it->index[d] < it->outer_shape[d]) {
      for (int k = 0; k < it->ntensors; k++) it->ptr[k] += it->outer_step[k][d];
      return;
    }
    it->index[d] = 0;
    for (int k = 0; k < it->ntensors; k++)
      it->ptr[k] -= it->outer_step[k][d] * (it->outer_shape[d] - 1);
  }
}

const char *xent__rows_where(const xent__rows *it, char *buf, size_t size) {
  size_t used = (size_t)snprintf(buf, size, "[");
  for (int d = 0; d < it->outer_rank && used < size; d++)
    used += (size_t)snprintf(buf + used, size - used, "%s%" PRId64,
                             d ? ", " : "", it->index[d]);
  if (used < size) snprintf(buf + used, size - used, "]");
  return buf;
}

void xent__rows_seek(xent__rows *it, int64_t r) {
  for (int k = 0; k < it->ntensors; k++) it->ptr[k] = it->base[k];
  for (int d = it->outer_rank - 1; d >= 0; d--) {
    int64_t extent = it->outer_shape[d];
    it->index[d] = extent ? r % extent : 0;
    r = extent ? r / extent : 0;
    for (int k = 0; k < it->ntensors; k++) it->ptr[k] += it->index[d] * it->outer_step[k][d];
  }
}

int xent__rows_adjacent(const xent__rows *it, int k, size_t elem_size, int64_t per_row) {
  if (per_row > 1 && it->row_stride[k] != 1) return 0;
  int64_t expected = per_row * (int64_t)elem_size;
  for (int d = it->outer_rank - 1; d >= 0; d--) {
    if (it->outer_shape[d] > 1 && it->outer_step[k][d] != expected) return 0;
    expected *= it->outer_shape[d];
  }
  return 1;
}
