/* Model outputs and labels from .npy or CSV files, as chunks of rows. */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool ends_with(const char *s, const char *tail) {
  size_t n = strlen(s), m = strlen(tail);
  return n >= m && strcmp(s + n - m, tail) == 0;
}

/* True when the file starts with NumPy's magic. Errors (missing file, a
 * directory, a FIFO) are left to the reader that opens it next. */
static bool has_npy_magic(const char *path) {
  int fd;
  uint64_t size;
  if (xcli_open_regular(path, &fd, &size, NULL) != XCLI_OK) return false;
  unsigned char head[6];
  ssize_t n = size >= 6 ? read(fd, head, 6) : 0;
  close(fd);
  return n == 6 && memcmp(head, "\x93NUMPY", 6) == 0;
}

xcli_status xcli_source_open(xcli_source *s, const char *path,
                             const xcli_csv_options *csv_opts, xcli_error *err) {
  memset(s, 0, sizeof *s);
  s->path = path;
  s->csv_opts = csv_opts ? *csv_opts : xcli_csv_options_default();
  if (ends_with(path, ".tsv") && (!csv_opts || csv_opts->delimiter == ','))
    s->csv_opts.delimiter = '\t';
  s->is_npy = ends_with(path, ".npy") || has_npy_magic(path);
  if (s->is_npy) {
    xcli_status st = xcli_npy_open(&s->npy, path, err);
    if (st != XCLI_OK) return st;
    s->rank = s->npy.rank;
    memcpy(s->shape, s->npy.shape, sizeof s->shape);
    xent_tensor_t t;
    if (!s->npy.fortran_order && xcli_npy_tensor(&s->npy, &t) &&
        (t.dtype == XENT_F32 || t.dtype == XENT_F64)) {
      s->view_ok = true;
      s->view_dtype = t.dtype;
    }
  } else {
    xcli_status st = xcli_csv_open(&s->csv, path, &s->csv_opts, err);
    if (st != XCLI_OK) return st;
    s->rank = 2;
    s->shape[0] = -1;
    s->shape[1] = xcli_csv_columns(s->csv);
  }
  s->rows = -1;
  s->width = 0;
  return XCLI_OK;
}

void xcli_source_close(xcli_source *s) {
  if (s->is_npy)
    xcli_npy_close(&s->npy);
  else
    xcli_csv_close(s->csv);
  s->csv = NULL;
}

xcli_status xcli_source_rewind(xcli_source *s, xcli_error *err) {
  s->next = 0;
  if (s->is_npy) return XCLI_OK;
  xcli_csv_close(s->csv);
  s->csv = NULL;
  xcli_status st = xcli_csv_open(&s->csv, s->path, &s->csv_opts, err);
  if (st == XCLI_OK && xcli_csv_columns(s->csv) != s->shape[1])
    return xcli_fail(err, XCLI_ERR_FORMAT, s->path, "file changed while it was read");
  return st;
}

const char *xcli_source_dtype(const xcli_source *s) {
  if (!s->is_npy) return "f64";
  static const char *names[] = {"bool", "i8", "i16", "i32", "i64", "u8", "u16",
                                "u32", "u64", "f16", "f32", "f64"};
  int k = s->npy.kind, size = s->npy.itemsize;
  if (k == XCLI_NPY_BOOL) return names[0];
  int log2 = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
  if (k == XCLI_NPY_INT) return names[1 + log2];
  if (k == XCLI_NPY_UINT) return names[5 + log2];
  return names[9 + (log2 > 0 ? log2 - 1 : 0)];
}

const char *xcli_source_describe(const xcli_source *s, char *buf, size_t size) {
  char shape[160];
  if (s->is_npy) {
    xcli_shape_str(shape, sizeof shape, s->rank, s->shape);
    snprintf(buf, size, ".npy, %s %s%s", xcli_source_dtype(s), shape,
             s->npy.fortran_order ? ", Fortran order" : "");
  } else {
    snprintf(buf, size, "CSV, %lld rows x %lld column%s%s", (long long)s->rows,
             (long long)s->shape[1], s->shape[1] == 1 ? "" : "s",
             xcli_csv_has_header(s->csv) ? ", with a header" : "");
  }
  return buf;
}

xcli_status xcli_chunk_init(xcli_chunk *c, int64_t rows_cap, int64_t width,
                            xcli_error *err) {
  memset(c, 0, sizeof *c);
  c->rows_cap = rows_cap;
  c->width = width;
  c->buf = malloc((size_t)(rows_cap * width) * sizeof *c->buf + 1);
  c->lines = malloc((size_t)rows_cap * sizeof *c->lines + 1);
  if (!c->buf || !c->lines) {
    xcli_chunk_free(c);
    return xcli_fail(err, XCLI_ERR_NOMEM, NULL, "out of memory");
  }
  return XCLI_OK;
}

void xcli_chunk_free(xcli_chunk *c) {
  free(c->buf);
  free(c->lines);
  c->buf = NULL;
  c->lines = NULL;
}

xcli_status xcli_source_read(xcli_source *s, xcli_chunk *c, bool want_view,
                             xcli_error *err) {
  c->first = s->next;
  c->rows = 0;
  c->width = s->width;
  if (s->is_npy) {
    int64_t left = s->rows - s->next;
    int64_t k = left < c->rows_cap ? left : c->rows_cap;
    if (k <= 0) return XCLI_OK;
    if (want_view && s->view_ok) {
      xent_tensor_t t;
      xcli_npy_tensor(&s->npy, &t);
      size_t item = xent_dtype_size(t.dtype);
      c->data = (const unsigned char *)t.data + (size_t)(s->next * s->width) * item;
      c->dtype = t.dtype;
    } else {
      xcli_status st = xcli_npy_read_f64(&s->npy, s->next * s->width, k * s->width,
                                         c->buf, err);
      if (st != XCLI_OK) return st;
      c->data = c->buf;
      c->dtype = XENT_F64;
    }
    c->rows = k;
    s->next += k;
    return XCLI_OK;
  }
  int64_t got = 0;
  xcli_status st = xcli_csv_read(s->csv, c->buf, c->rows_cap, &got, c->lines, err);
  if (st != XCLI_OK) return st;
  c->data = c->buf;
  c->dtype = XENT_F64;
  c->rows = got;
  s->next += got;
  return XCLI_OK;
}

void xcli_source_release(xcli_source *s, int64_t first, int64_t rows) {
  if (s->is_npy && rows > 0) xcli_npy_release(&s->npy, first * s->width, rows * s->width);
}

const char *xcli_source_position(const xcli_source *s, const xcli_chunk *c,
                                 int64_t r, int64_t j, char *buf, size_t size) {
  if (!s->is_npy) {
    if (s->width > 1)
      snprintf(buf, size, "line %lld, column %lld", (long long)c->lines[r],
               (long long)(j + 1));
    else
      snprintf(buf, size, "line %lld", (long long)c->lines[r]);
    return buf;
  }
  /* The flat C-order index, unravelled in the file's shape. */
  int64_t flat = (c->first + r) * s->width + j;
  int64_t idx[XENT_MAX_RANK];
  for (int a = s->rank - 1; a >= 0; a--) {
    int64_t n = s->shape[a] > 0 ? s->shape[a] : 1;
    idx[a] = flat % n;
    flat /= n;
  }
  size_t used = 0;
  buf[0] = '\0';
  used += (size_t)snprintf(buf, size, "[");
  for (int a = 0; a < s->rank && used < size; a++)
    used += (size_t)snprintf(buf + used, size - used, "%s%lld", a ? ", " : "",
                             (long long)idx[a]);
  if (used < size) snprintf(buf + used, size - used, "]");
  return buf;
}
