/* Error records, quoting for messages, and opening a path as a regular file. */
#define _POSIX_C_SOURCE 200809L /* strerror_r (XSI), O_CLOEXEC, fstat */

#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *xcli_status_name(xcli_status status) {
  switch (status) {
    case XCLI_OK: return "XCLI_OK";
    case XCLI_ERR_IO: return "XCLI_ERR_IO";
    case XCLI_ERR_FORMAT: return "XCLI_ERR_FORMAT";
    case XCLI_ERR_UNSUPPORTED: return "XCLI_ERR_UNSUPPORTED";
    case XCLI_ERR_SHAPE: return "XCLI_ERR_SHAPE";
    case XCLI_ERR_VALUE: return "XCLI_ERR_VALUE";
    case XCLI_ERR_ARGUMENT: return "XCLI_ERR_ARGUMENT";
    case XCLI_ERR_NOMEM: return "XCLI_ERR_NOMEM";
  }
  return "XCLI_ERR_UNKNOWN";
}

xcli_status xcli_fail(xcli_error *err, xcli_status status, const char *name,
                      const char *fmt, ...) {
  if (!err) return status;
  err->status = status;
  size_t used = 0;
  if (name) {
    int n = snprintf(err->message, sizeof err->message, "%s: ", name);
    used = n < 0 ? 0 : (size_t)n;
    if (used >= sizeof err->message) used = sizeof err->message - 1;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message + used, sizeof err->message - used, fmt, ap);
  va_end(ap);
  /* A path may contain a newline; the message must stay one line. */
  for (char *p = err->message; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = ' ';
  return status;
}

const char *xcli_quote(char *buf, size_t size, const void *bytes, size_t len) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = bytes;
  size_t limit = len > 40 ? 40 : len, o = 0;
  /* Reserve room for the closing quote, "..." and the terminator. */
  size_t room = size - 5;
  buf[o++] = '\'';
  for (size_t i = 0; i < limit; i++) {
    char tmp[5];
    size_t n = 0;
    unsigned char c = s[i];
    if (c == '\n') { tmp[n++] = '\\'; tmp[n++] = 'n'; }
    else if (c == '\r') { tmp[n++] = '\\'; tmp[n++] = 'r'; }
    else if (c == '\t') { tmp[n++] = '\\'; tmp[n++] = 't'; }
    else if (c == '\\') { tmp[n++] = '\\'; tmp[n++] = '\\'; }
    else if (c < 0x20 || c >= 0x7f) {
      tmp[n++] = '\\'; tmp[n++] = 'x';
      tmp[n++] = hex[c >> 4]; tmp[n++] = hex[c & 15];
    } else {
      tmp[n++] = (char)c;
    }
    if (o + n > room) { limit = 0; len = SIZE_MAX; break; }
    memcpy(buf + o, tmp, n);
    o += n;
  }
  buf[o++] = '\'';
  if (len > 40) { memcpy(buf + o, "...", 3); o += 3; }
  buf[o] = '\0';
  return buf;
}

const char *xcli_shape_str(char *buf, size_t size, int rank,
                           const int64_t *shape) {
  size_t used = 0;
  buf[0] = '\0';
  used += (size_t)snprintf(buf, size, "(");
  for (int i = 0; i < rank && used < size; i++)
    used += (size_t)snprintf(buf + used, size - used, "%s%" PRId64,
                             i ? ", " : "", shape[i]);
  if (used < size) snprintf(buf + used, size - used, rank == 1 ? ",)" : ")");
  return buf;
}

const char *xcli_strerror(int e, char *buf, size_t size) {
  if (strerror_r(e, buf, size) != 0) snprintf(buf, size, "error %d", e);
  return buf;
}

static const char *file_type_text(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory, not a file";
  if (S_ISFIFO(mode)) return "is a FIFO (named pipe), not a regular file";
  if (S_ISSOCK(mode)) return "is a socket, not a regular file";
  if (S_ISCHR(mode)) return "is a character device, not a regular file";
  if (S_ISBLK(mode)) return "is a block device, not a regular file";
  return "is not a regular file";
}

xcli_status xcli_open_regular(const char *path, int *fd, uint64_t *size,
                              xcli_error *err) {
  char text[128];
  if (!path || !fd || !size)
    return xcli_fail(err, XCLI_ERR_ARGUMENT, NULL, "xcli_open_regular: NULL argument");
  *fd = -1;
  if (!*path) return xcli_fail(err, XCLI_ERR_IO, "''", "empty path");
  /* O_NONBLOCK: opening a FIFO for reading must not wait for a writer. */
  int f = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (f < 0) {
    int e = errno;
    struct stat st;
    /* Opening a socket fails with ENXIO; say what the path is instead. */
    if (e == ENXIO && stat(path, &st) == 0 && !S_ISREG(st.st_mode))
      return xcli_fail(err, XCLI_ERR_IO, path, "%s", file_type_text(st.st_mode));
    return xcli_fail(err, XCLI_ERR_IO, path, "cannot open: %s",
                     xcli_strerror(e, text, sizeof text));
  }
  struct stat st;
  if (fstat(f, &st) != 0) {
    int e = errno;
    close(f);
    return xcli_fail(err, XCLI_ERR_IO, path, "cannot stat: %s",
                     xcli_strerror(e, text, sizeof text));
  }
  if (!S_ISREG(st.st_mode)) {
    close(f);
    return xcli_fail(err, XCLI_ERR_IO, path, "%s", file_type_text(st.st_mode));
  }
  int flags = fcntl(f, F_GETFL);
  if (flags >= 0) (void)fcntl(f, F_SETFL, flags & ~O_NONBLOCK);
  *fd = f;
  *size = st.st_size < 0 ? 0 : (uint64_t)st.st_size;
  return XCLI_OK;
}

xcli_status xcli_check_label_shape(const char *out_name, int out_rank,
                                   const int64_t *out_shape,
                                   const char *lab_name, int lab_rank,
                                   const int64_t *lab_shape,
                                   xcli_label_kind *kind, xcli_error *err) {
  char a[200], b[200], c[200], d[200];
  if (out_rank < 1)
    return xcli_fail(err, XCLI_ERR_SHAPE, out_name,
                     "has shape () but model outputs need a class axis");
  bool dense = lab_rank == out_rank, sparse = lab_rank == out_rank - 1;
  for (int i = 0; i < lab_rank && (dense || sparse); i++)
    if (lab_shape[i] != out_shape[i]) sparse = dense = false;
  if (dense || sparse) {
    if (kind) *kind = dense ? XCLI_LABELS_DENSE : XCLI_LABELS_SPARSE;
    return XCLI_OK;
  }
  return xcli_fail(err, XCLI_ERR_SHAPE, lab_name,
                   "shape %s does not fit %s's shape %s: expected %s (class "
                   "indices) or %s (one value per class)",
                   xcli_shape_str(a, sizeof a, lab_rank, lab_shape), out_name,
                   xcli_shape_str(b, sizeof b, out_rank, out_shape),
                   xcli_shape_str(c, sizeof c, out_rank - 1, out_shape),
                   xcli_shape_str(d, sizeof d, out_rank, out_shape));
}
