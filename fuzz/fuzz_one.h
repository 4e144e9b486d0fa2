/*
 * The bodies of the fuzz targets, shared by the libFuzzer entry points
 * (fuzz_npy.c, fuzz_csv.c) and by tests/test_io.c, which runs every file of
 * the seed corpus through them so that `make test` replays the corpus under
 * ASan and UBSan.
 *
 * Besides memory errors (the sanitizers) they check what the readers promise
 * and abort() when a promise is broken:
 *   - a failure has a non-OK status and a one-line message naming the input;
 *   - an opened .npy file's sizes agree with each other and with the input,
 *     every element converts to f64, the zero-copy view (when there is one)
 *     holds the same values as the converter;
 *   - a CSV reader returns whole rows until the end or an error, its row
 *     line numbers increase, and an error repeats on the next call.
 */
#ifndef XCLI_FUZZ_ONE_H
#define XCLI_FUZZ_ONE_H

#include "io/csv.h"
#include "io/npy.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline void xcli_fuzz_check_error(xcli_status st, const xcli_error *e,
                                  const char *name) {
  if (st == XCLI_OK || e->status != st || e->message[0] == '\0' ||
      strchr(e->message, '\n') || strncmp(e->message, name, strlen(name)) != 0)
    abort();
}

/* Element i (C order) of a view, read through its strides. */
static inline double xcli_fuzz_view_value(const xent_tensor_t *t, int64_t i) {
  int64_t off = 0;
  for (int k = t->rank - 1; k >= 0; k--) {
    off += (i % t->shape[k]) * t->strides[k];
    i /= t->shape[k];
  }
  const unsigned char *p = (const unsigned char *)t->data + off * (int64_t)xent_dtype_size(t->dtype);
  switch (t->dtype) {
    case XENT_F16: { uint16_t b; memcpy(&b, p, 2); return xent_f16_to_f32(b); }
    case XENT_F32: { float f; memcpy(&f, p, 4); return f; }
    case XENT_F64: { double d; memcpy(&d, p, 8); return d; }
    case XENT_I32: { int32_t v; memcpy(&v, p, 4); return v; }
    case XENT_I64: { int64_t v; memcpy(&v, p, 8); return (double)v; }
    case XENT_U8: return *p;
    default: abort();
  }
}

static inline int xcli_fuzz_npy_one(const uint8_t *data, size_t size) {
  const char *name = "fuzz.npy";
  xcli_npy npy;
  xcli_error err;
  xcli_status st = xcli_npy_open_memory(&npy, data, size, name, &err);
  if (st != XCLI_OK) {
    xcli_fuzz_check_error(st, &err, name);
    xcli_npy_close(&npy);
    return 0;
  }
  if (npy.rank < 0 || npy.rank > XENT_MAX_RANK || npy.numel < 0 ||
      (uint64_t)npy.numel * (uint64_t)npy.itemsize != npy.data_bytes ||
      npy.data_offset + npy.data_bytes != size || npy.rows * npy.row_length != npy.numel)
    abort();
  xent_tensor_t view;
  bool has_view = xcli_npy_tensor(&npy, &view);
  if (has_view && xent_tensor_numel(&view) != npy.numel) abort();
  double f[64];
  int64_t q[64];
  for (int64_t first = 0; first < npy.numel; first += 64) {
    int64_t n = npy.numel - first < 64 ? npy.numel - first : 64;
    st = xcli_npy_read_f64(&npy, first, n, f, &err);
    if (st != XCLI_OK) abort();
    for (int64_t i = 0; has_view && i < n; i++) {
      double v = xcli_fuzz_view_value(&view, first + i);
      if (!(v == f[i] || (isnan(v) && isnan(f[i])))) abort();
    }
    st = xcli_npy_read_i64(&npy, first, n, q, &err);
    if (st != XCLI_OK) {
      if (st != XCLI_ERR_VALUE) abort();
      xcli_fuzz_check_error(st, &err, name);
    }
  }
  xcli_npy_release(&npy, 0, npy.numel);
  /* A range past the end is refused, never read. */
  if (xcli_npy_read_f64(&npy, npy.numel, 1, f, &err) != XCLI_ERR_ARGUMENT) abort();
  xcli_npy_close(&npy);
  return 0;
}

static inline void xcli_fuzz_csv_with(const uint8_t *data, size_t size, char delimiter,
                               xcli_csv_header_mode mode) {
  const char *name = "fuzz.csv";
  xcli_csv_options opts = xcli_csv_options_default();
  opts.delimiter = delimiter;
  opts.header = mode;
  xcli_csv *csv;
  xcli_error err;
  xcli_status st = xcli_csv_open_memory(&csv, data, size, name, &opts, &err);
  if (st != XCLI_OK) {
    if (csv != NULL) abort();
    xcli_fuzz_check_error(st, &err, name);
    return;
  }
  int64_t cols = xcli_csv_columns(csv);
  if (cols < 1 || cols > XCLI_CSV_MAX_COLUMNS) abort();
  if (xcli_csv_has_header(csv) && !xcli_csv_column_name(csv, cols - 1)) abort();
  enum { CHUNK = 3 };
  double *buf = malloc((size_t)cols * CHUNK * sizeof *buf);
  if (!buf) abort();
  int64_t lines[CHUNK], last_line = 0, total = 0, rows;
  for (;;) {
    st = xcli_csv_read(csv, buf, CHUNK, &rows, lines, &err);
    if (st != XCLI_OK) {
      xcli_fuzz_check_error(st, &err, name);
      xcli_error again;
      if (xcli_csv_read(csv, buf, CHUNK, &rows, lines, &again) != st ||
          strcmp(again.message, err.message) != 0 || rows != 0)
        abort();
      break;
    }
    if (rows < 0 || rows > CHUNK) abort();
    if (rows == 0) break;
    for (int64_t i = 0; i < rows; i++) {
      if (lines[i] <= last_line) abort();
      last_line = lines[i];
    }
    total += rows;
  }
  if (st == XCLI_OK && xcli_csv_rows_read(csv) != total) abort();
  free(buf);
  xcli_csv_close(csv);
}

static inline int xcli_fuzz_csv_one(const uint8_t *data, size_t size) {
  xcli_fuzz_csv_with(data, size, ',', XCLI_CSV_HEADER_AUTO);
  xcli_fuzz_csv_with(data, size, ',', XCLI_CSV_HEADER_YES);
  xcli_fuzz_csv_with(data, size, ',', XCLI_CSV_HEADER_NO);
  xcli_fuzz_csv_with(data, size, ';', XCLI_CSV_HEADER_AUTO);
  xcli_fuzz_csv_with(data, size, '\t', XCLI_CSV_HEADER_AUTO);
  return 0;
}

#endif /* XCLI_FUZZ_ONE_H */
