/* .npy reading (header parsing, memory mapping, conversion) and writing
 * (temporary file renamed into place). The format facts used: the magic
 * "\x93NUMPY", a major and a minor version byte, a little-endian header
 * length (2 bytes in 1.0, 4 in 2.0 and 3.0), then a Python dict literal. */
#define _DEFAULT_SOURCE /* madvise / MADV_DONTNEED; includes POSIX 2008 */

#include "npy.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* NumPy's own limit on dimensions is 32 (64 in NumPy 2); parsing up to this
 * many lets the message say how many there were before rejecting rank > 8. */
#define NPY_PARSE_MAX_RANK 64

static bool host_big_endian(void) {
  const uint16_t one = 1;
  unsigned char first;
  memcpy(&first, &one, 1);
  return first == 0;
}

static void npy_reset(xcli_npy *npy) {
  memset(npy, 0, sizeof *npy);
  npy->name = "";
}

/* ---- header parsing ---------------------------------------------------- */

typedef struct hparser {
  const unsigned char *start, *p, *end;
  const char *name;
  int major;
  xcli_error *err;
} hparser;

static xcli_status hfail(hparser *h, xcli_status st, const char *fmt, ...)
    XCLI_PRINTF(3, 4);
static xcli_status hfail(hparser *h, xcli_status st, const char *fmt, ...) {
  char text[XCLI_ERROR_SIZE];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  return xcli_fail(h->err, st, h->name, "bad .npy header at byte %zu: %s",
                   (size_t)(h->p - h->start), text);
}

static void hws(hparser *h) {
  while (h->p < h->end &&
         (*h->p == ' ' || *h->p == '\t' || *h->p == '\n' || *h->p == '\r'))
    h->p++;
}

/* What the parser sees next, for "expected X, found Y" messages. */
static const char *hfound(const hparser *h, char *buf, size_t size) {
  if (h->p >= h->end) return "the end of the header";
  size_t n = (size_t)(h->end - h->p);
  if (n > 12) n = 12;
  /* Padding after the text says nothing; show the text alone. */
  while (n > 1 && (h->p[n - 1] == ' ' || h->p[n - 1] == '\n')) n--;
  return xcli_quote(buf, size, h->p, n);
}

static xcli_status hexpect(hparser *h, char c) {
  char f[64];
  if (h->p < h->end && *h->p == c) {
    h->p++;
    return XCLI_OK;
  }
  return hfail(h, XCLI_ERR_FORMAT, "expected '%c', found %s", c,
               hfound(h, f, sizeof f));
}

/* A quoted string without escapes (NumPy never writes any). */
static xcli_status hstring(hparser *h, const unsigned char **s, size_t *n) {
  unsigned char q = *h->p++;
  const unsigned char *begin = h->p;
  while (h->p < h->end && *h->p != q) {
    if (*h->p == '\\')
      return hfail(h, XCLI_ERR_FORMAT, "escape sequences in strings are not supported");
    if (*h->p == '\n' || *h->p == '\r')
      return hfail(h, XCLI_ERR_FORMAT, "unterminated string");
    h->p++;
  }
  if (h->p >= h->end) return hfail(h, XCLI_ERR_FORMAT, "unterminated string");
  *s = begin;
  *n = (size_t)(h->p - begin);
  h->p++;
  return XCLI_OK;
}

static bool is_ident_char(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_';
}

static xcli_status hbool(hparser *h, bool *v) {
  char f[64];
  const unsigned char *q = h->p;
  while (q < h->end && is_ident_char(*q)) q++;
  size_t n = (size_t)(q - h->p);
  if (n == 4 && memcmp(h->p, "True", 4) == 0) *v = true;
  else if (n == 5 && memcmp(h->p, "False", 5) == 0) *v = false;
  else
    return hfail(h, XCLI_ERR_FORMAT, "'fortran_order' must be True or False, found %s",
                 hfound(h, f, sizeof f));
  h->p = q;
  return XCLI_OK;
}

/* A non-negative decimal integer that fits int64. */
static xcli_status hint(hparser *h, int64_t *v) {
  char f[64];
  if (h->p < h->end && *h->p == '-')
    return hfail(h, XCLI_ERR_FORMAT, "negative dimension in 'shape'");
  if (h->p >= h->end || *h->p < '0' || *h->p > '9')
    return hfail(h, XCLI_ERR_FORMAT, "expected a dimension (an integer) in 'shape', found %s",
                 hfound(h, f, sizeof f));
  if (*h->p == '0' && h->p + 1 < h->end && h->p[1] >= '0' && h->p[1] <= '9')
    return hfail(h, XCLI_ERR_FORMAT, "dimension with a leading zero in 'shape'");
  uint64_t x = 0;
  while (h->p < h->end && *h->p >= '0' && *h->p <= '9') {
    unsigned d = (unsigned)(*h->p - '0');
    if (x > ((uint64_t)INT64_MAX - d) / 10)
      return hfail(h, XCLI_ERR_FORMAT, "dimension in 'shape' is larger than 2^63 - 1");
    x = x * 10 + d;
    h->p++;
  }
  /* Python 2 wrote longs as "3L"; NumPy still reads them in 1.0/2.0 files. */
  if (h->major < 3 && h->p < h->end && *h->p == 'L') h->p++;
  if (h->p < h->end && is_ident_char(*h->p))
    return hfail(h, XCLI_ERR_FORMAT, "bad dimension in 'shape': %s",
                 hfound(h, f, sizeof f));
  *v = (int64_t)x;
  return XCLI_OK;
}

/* A tuple of dimensions: "()", "(5,)", "(4, 3)", "(4, 3,)". "(5)" is the
 * integer 5 in Python, not a tuple, and NumPy rejects it too. */
static xcli_status hshape(hparser *h, int *rank, int64_t *shape) {
  char f[64];
  if (h->p >= h->end || *h->p != '(')
    return hfail(h, XCLI_ERR_FORMAT, "'shape' must be a tuple such as (4, 3), found %s",
                 hfound(h, f, sizeof f));
  h->p++;
  int n = 0;
  bool comma = false;
  hws(h);
  while (h->p < h->end && *h->p != ')') {
    if (n == NPY_PARSE_MAX_RANK)
      return hfail(h, XCLI_ERR_UNSUPPORTED, "'shape' has more than %d dimensions",
                   NPY_PARSE_MAX_RANK);
    xcli_status st = hint(h, &shape[n++]);
    if (st) return st;
    hws(h);
    comma = false;
    if (h->p < h->end && *h->p == ',') {
      h->p++;
      comma = true;
      hws(h);
    } else if (h->p < h->end && *h->p != ')') {
      return hfail(h, XCLI_ERR_FORMAT, "expected ',' or ')' in 'shape', found %s",
                   hfound(h, f, sizeof f));
    }
  }
  if (h->p >= h->end) return hfail(h, XCLI_ERR_FORMAT, "unterminated 'shape' tuple");
  if (n == 1 && !comma)
    return hfail(h, XCLI_ERR_FORMAT, "'shape' (%" PRId64 ") is an integer, not a tuple "
                 "(a 1-d shape is written (%" PRId64 ",))", shape[0], shape[0]);
  h->p++;
  *rank = n;
  return XCLI_OK;
}

/* Decodes a dtype string such as "<f4" into npy's kind / size / order. */
static xcli_status parse_descr(xcli_npy *npy, const unsigned char *s, size_t n,
                               xcli_error *err) {
  char q[200];
  xcli_quote(q, sizeof q, s, n);
  size_t i = 0;
  char order = 0;
  if (n > 0 && (s[0] == '<' || s[0] == '>' || s[0] == '|' || s[0] == '='))
    order = (char)s[i++];
  if (i >= n) return xcli_fail(err, XCLI_ERR_FORMAT, npy->name, "empty dtype %s", q);
  char type = (char)s[i++];
  const char *what = NULL;
  switch (type) {
    case 'O': what = "holds Python objects (pickled), not numbers"; break;
    case 'U': what = "is a Unicode string type"; break;
    case 'S': case 'a': what = "is a byte string type"; break;
    case 'V': what = "is a void (raw bytes) type"; break;
    case 'c': what = "is a complex type"; break;
    case 'M': what = "is a datetime type"; break;
    case 'm': what = "is a timedelta type"; break;
    case 'b': case 'i': case 'u': case 'f': break;
    default:
      return xcli_fail(err, XCLI_ERR_UNSUPPORTED, npy->name, "unknown dtype %s", q);
  }
  if (what)
    return xcli_fail(err, XCLI_ERR_UNSUPPORTED, npy->name,
                     "dtype %s %s; only bool, integer and float arrays are supported",
                     q, what);
  /* The item size: one or two digits, no leading zero. */
  int size = 0;
  size_t digits = n - i;
  bool ok = digits >= 1 && digits <= 2 && s[i] != '0';
  for (size_t k = i; ok && k < n; k++) {
    if (s[k] < '0' || s[k] > '9') ok = false;
    else size = size * 10 + (s[k] - '0');
  }
  if (!ok) return xcli_fail(err, XCLI_ERR_UNSUPPORTED, npy->name, "unknown dtype %s", q);
  bool size_ok = false;
  switch (type) {
    case 'b': size_ok = size == 1; break;
    case 'i': case 'u': size_ok = size == 1 || size == 2 || size == 4 || size == 8; break;
    case 'f': size_ok = size == 2 || size == 4 || size == 8; break;
  }
  if (!size_ok) {
    if (type == 'f' && size > 8)
      return xcli_fail(err, XCLI_ERR_UNSUPPORTED, npy->name,
                       "dtype %s (extended-precision float) is not supported; "
                       "use float64", q);
    return xcli_fail(err, XCLI_ERR_UNSUPPORTED, npy->name,
                     "dtype %s has an unsupported item size", q);
  }
  if (size > 1 && order == '|')
    return xcli_fail(err, XCLI_ERR_FORMAT, npy->name,
                     "dtype %s has no byte order ('|') but its items have %d bytes",
                     q, size);
  npy->kind = (xcli_npy_kind)type;
  npy->itemsize = size;
  npy->big_endian = size > 1 && (order == '>' || ((order == '=' || order == 0) &&
                                                   host_big_endian()));
  memcpy(npy->descr, s, n); /* n <= 4 here */
  npy->descr[n] = '\0';
  return XCLI_OK;
}

static bool valid_utf8(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    size_t len;
    uint32_t cp;
    if (c < 0x80) { i++; continue; }
    else if (c >= 0xc2 && c <= 0xdf) { len = 2; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { len = 3; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; cp = c & 0x07; }
    else return false;
    if (n - i < len) return false;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

static xcli_status parse_header(xcli_npy *npy, const unsigned char *hdr,
                                size_t len, xcli_error *err) {
  hparser h = {hdr, hdr, hdr + len, npy->name, npy->version_major, err};
  char f[64];
  xcli_status st;
  bool have_descr = false, have_order = false, have_shape = false;
  const unsigned char *descr = NULL;
  size_t descr_len = 0;
  int rank = 0;
  int64_t shape[NPY_PARSE_MAX_RANK];

  if (npy->version_major == 3 && !valid_utf8(hdr, len))
    return xcli_fail(err, XCLI_ERR_FORMAT, npy->name,
                     "bad .npy header: a version 3.0 header must be UTF-8");
  hws(&h);
  if ((st = hexpect(&h, '{'))) return st;
  hws(&h);
  if (h.p < h.end && *h.p == '}') {
    h.p++;
  } else {
    for (;;) {
      hws(&h);
      if (h.p >= h.end || (*h.p != '\'' && *h.p != '"'))
        return hfail(&h, XCLI_ERR_FORMAT, "expected a quoted key, found %s",
                     hfound(&h, f, sizeof f));
      const unsigned char *key;
      size_t key_len;
      const unsigned char *key_at = h.p;
      if ((st = hstring(&h, &key, &key_len))) return st;
      hws(&h);
      if ((st = hexpect(&h, ':'))) return st;
      hws(&h);
      bool *seen = NULL;
      if (key_len == 5 && memcmp(key, "descr", 5) == 0) seen = &have_descr;
      else if (key_len == 13 && memcmp(key, "fortran_order", 13) == 0) seen = &have_order;
      else if (key_len == 5 && memcmp(key, "shape", 5) == 0) seen = &have_shape;
      if (!seen || *seen) {
        char q[200];
        h.p = key_at;
        return hfail(&h, XCLI_ERR_FORMAT,
                     seen ? "key %s appears twice"
                          : "unexpected key %s (the keys are 'descr', "
                            "'fortran_order' and 'shape')",
                     xcli_quote(q, sizeof q, key, key_len));
      }
      *seen = true;
      if (seen == &have_descr) {
        int c = h.p < h.end ? *h.p : -1;
        if (c == '[')
          return xcli_fail(err, XCLI_ERR_UNSUPPORTED, npy->name,
                           "structured dtype (a list of fields) is not supported; "
                           "only plain bool, integer and float arrays are");
        if (c == '(')
          return xcli_fail(err, XCLI_ERR_UNSUPPORTED, npy->name,
                           "subarray dtype (a tuple) is not supported; "
                           "only plain bool, integer and float arrays are");
        if (c != '\'' && c != '"')
          return hfail(&h, XCLI_ERR_FORMAT, "'descr' must be a string, found %s",
                       hfound(&h, f, sizeof f));
        if ((st = hstring(&h, &descr, &descr_len))) return st;
      } else if (seen == &have_order) {
        if ((st = hbool(&h, &npy->fortran_order))) return st;
      } else {
        if ((st = hshape(&h, &rank, shape))) return st;
      }
      hws(&h);
      if (h.p < h.end && *h.p == ',') {
        h.p++;
        hws(&h);
        if (h.p < h.end && *h.p == '}') { h.p++; break; }
      } else if (h.p < h.end && *h.p == '}') {
        h.p++;
        break;
      } else {
        return hfail(&h, XCLI_ERR_FORMAT, "expected ',' or '}', found %s",
                     hfound(&h, f, sizeof f));
      }
    }
  }
  hws(&h);
  if (h.p != h.end)
    return hfail(&h, XCLI_ERR_FORMAT, "unexpected %s after the closing '}'",
                 hfound(&h, f, sizeof f));
  const char *missing = !have_descr ? "descr" : !have_order ? "fortran_order"
                      : !have_shape ? "shape" : NULL;
  if (missing)
    return xcli_fail(err, XCLI_ERR_FORMAT, npy->name,
                     "bad .npy header: no '%s' key", missing);
  if ((st = parse_descr(npy, descr, descr_len, err))) return st;
  if (rank > XENT_MAX_RANK)
    return xcli_fail(err, XCLI_ERR_UNSUPPORTED, npy->name,
                     "array has %d dimensions; at most %d are supported", rank,
                     XENT_MAX_RANK);
  npy->rank = rank;
  memcpy(npy->shape, shape, (size_t)rank * sizeof shape[0]);
  return XCLI_OK;
}

/* Everything after mapping: magic, version, header, sizes. */
static xcli_status parse_file(xcli_npy *npy, const unsigned char *buf,
                              uint64_t size, xcli_error *err) {
  char q[200], s1[300];
  if (size == 0) return xcli_fail(err, XCLI_ERR_FORMAT, npy->name, "empty file");
  size_t have = size < NPY_MAGIC_LEN ? (size_t)size : NPY_MAGIC_LEN;
  if (memcmp(buf, NPY_MAGIC, have) != 0)
    return xcli_fail(err, XCLI_ERR_FORMAT, npy->name,
                     "not a .npy file: it starts with %s, not the magic '\\x93NUMPY'%s",
                     xcli_quote(q, sizeof q, buf, size < 8 ? (size_t)size : 8),
                     size >= 4 && memcmp(buf, "PK\x03\x04", 4) == 0
                         ? " (it looks like a .npz archive: extract the array first)"
                         : "");
  if (size < 10)
    return xcli_fail(err, XCLI_ERR_FORMAT, npy->name,
                     "file is truncated: %" PRIu64 " bytes, too short for a .npy header",
                     size);
  npy->version_major = buf[6];
  npy->version_minor = buf[7];
  if ((buf[6] != 1 && buf[6] != 2 && buf[6] != 3) || buf[7] != 0)
    return xcli_fail(err, XCLI_ERR_UNSUPPORTED, npy->name,
                     "unsupported .npy format version %d.%d (1.0, 2.0 and 3.0 are "
                     "supported)", buf[6], buf[7]);
  uint64_t prefix, hlen;
  if (buf[6] == 1) {
    prefix = 10;
    hlen = (uint64_t)buf[8] | (uint64_t)buf[9] << 8;
  } else {
    if (size < 12)
      return xcli_fail(err, XCLI_ERR_FORMAT, npy->name,
                       "file is truncated: %" PRIu64 " bytes, too short for a "
                       "version %d.0 header", size, buf[6]);
    prefix = 12;
    hlen = (uint64_t)buf[8] | (uint64_t)buf[9] << 8 | (uint64_t)buf[10] << 16 |
           (uint64_t)buf[11] << 24;
  }
  if (hlen > size - prefix)
    return xcli_fail(err, XCLI_ERR_FORMAT, npy->name,
                     "header length %" PRIu64 " goes beyond the end of the file "
                     "(%" PRIu64 " bytes after the length field)", hlen, size - prefix);
  if (hlen == 0)
    return xcli_fail(err, XCLI_ERR_FORMAT, npy->name, "header length is 0");
  xcli_status st = parse_header(npy, buf + prefix, (size_t)hlen, err);
  if (st) return st;

  /* Byte size with overflow checks. Zero extents do not excuse the others:
   * like NumPy, a shape whose nonzero extents overflow is rejected. */
  uint64_t bytes = (uint64_t)npy->itemsize;
  bool zero = false;
  for (int i = 0; i < npy->rank; i++) {
    uint64_t d = (uint64_t)npy->shape[i];
    if (d == 0) { zero = true; continue; }
    if (bytes > (uint64_t)INT64_MAX / d)
      return xcli_fail(err, XCLI_ERR_FORMAT, npy->name,
                       "shape %s of dtype '%s' is impossibly large: its size in "
                       "bytes overflows 63 bits",
                       xcli_shape_str(s1, sizeof s1, npy->rank, npy->shape), npy->descr);
    bytes *= d;
  }
  npy->data_bytes = zero ? 0 : bytes;
  npy->numel = (int64_t)(npy->data_bytes / (uint64_t)npy->itemsize);
  npy->rows = npy->rank ? npy->shape[0] : 1;
  npy->row_length = 1;
  for (int i = 1; i < npy->rank; i++) npy->row_length *= npy->shape[i];
  npy->data_offset = prefix + hlen;
  uint64_t avail = size - npy->data_offset;
  xcli_shape_str(s1, sizeof s1, npy->rank, npy->shape);
  if (avail < npy->data_bytes)
    return xcli_fail(err, XCLI_ERR_FORMAT, npy->name,
                     "file is truncated: the header describes %" PRIu64 " bytes of "
                     "data (shape %s, dtype '%s') but only %" PRIu64 " follow it",
                     npy->data_bytes, s1, npy->descr, avail);
  if (avail > npy->data_bytes)
    return xcli_fail(err, XCLI_ERR_FORMAT, npy->name,
                     "file is %" PRIu64 " bytes longer than its header describes "
                     "(%" PRIu64 " bytes of data for shape %s, dtype '%s'; %" PRIu64
                     " present)", avail - npy->data_bytes, npy->data_bytes, s1,
                     npy->descr, avail);
  npy->data = npy->data_bytes ? buf + npy->data_offset : NULL;
  return XCLI_OK;
}

static xcli_status set_name(xcli_npy *npy, const char *name, xcli_error *err) {
  size_t n = strlen(name);
  npy->name_ = malloc(n + 1);
  if (!npy->name_) return xcli_fail(err, XCLI_ERR_NOMEM, name, "out of memory");
  memcpy(npy->name_, name, n + 1);
  npy->name = npy->name_;
  return XCLI_OK;
}

xcli_status xcli_npy_open_memory(xcli_npy *npy, const void *buf, size_t size,
                                 const char *name, xcli_error *err) {
  if (!npy) return xcli_fail(err, XCLI_ERR_ARGUMENT, name, "npy is NULL");
  npy_reset(npy);
  if (!name) name = "<memory>";
  if (!buf && size)
    return xcli_fail(err, XCLI_ERR_ARGUMENT, name, "buffer is NULL");
  xcli_status st = set_name(npy, name, err);
  if (!st) st = parse_file(npy, buf, size, err);
  if (st) xcli_npy_close(npy);
  return st;
}

xcli_status xcli_npy_open(xcli_npy *npy, const char *path, xcli_error *err) {
  char etext[128];
  if (!npy) return xcli_fail(err, XCLI_ERR_ARGUMENT, path, "npy is NULL");
  npy_reset(npy);
  if (!path) return xcli_fail(err, XCLI_ERR_ARGUMENT, NULL, "path is NULL");
  int fd;
  uint64_t size;
  xcli_status st = xcli_open_regular(path, &fd, &size, err);
  if (st) return st;
  st = set_name(npy, path, err);
  if (!st && size == 0) st = xcli_fail(err, XCLI_ERR_FORMAT, path, "empty file");
  if (!st && size > SIZE_MAX)
    st = xcli_fail(err, XCLI_ERR_UNSUPPORTED, path, "file is too large to map");
  if (!st) {
    void *map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      st = xcli_fail(err, XCLI_ERR_IO, path, "cannot map the file: %s",
                     xcli_strerror(errno, etext, sizeof etext));
    } else {
      npy->map_ = map;
      npy->map_len_ = (size_t)size;
      st = parse_file(npy, map, size, err);
    }
  }
  close(fd); /* the mapping keeps the file open */
  if (st) {
    xcli_npy_close(npy);
    return st;
  }
  /* Sequential access: read ahead eagerly and drop pages behind. */
  if (npy->data_bytes)
    (void)posix_madvise(npy->map_, npy->map_len_, POSIX_MADV_SEQUENTIAL);
  return XCLI_OK;
}

void xcli_npy_close(xcli_npy *npy) {
  if (!npy) return;
  if (npy->map_) munmap(npy->map_, npy->map_len_);
  free(npy->name_);
  npy_reset(npy);
}

/* ---- views and conversion ----------------------------------------------- */

bool xcli_npy_tensor(const xcli_npy *npy, xent_tensor_t *t) {
  if (!npy || !t || !npy->itemsize) return false;
  if (npy->itemsize > 1 && npy->big_endian != host_big_endian()) return false;
  xent_dtype_t dtype;
  switch ((int)npy->kind * 16 + npy->itemsize) {
    case XCLI_NPY_FLOAT * 16 + 2: dtype = XENT_F16; break;
    case XCLI_NPY_FLOAT * 16 + 4: dtype = XENT_F32; break;
    case XCLI_NPY_FLOAT * 16 + 8: dtype = XENT_F64; break;
    case XCLI_NPY_INT * 16 + 4: dtype = XENT_I32; break;
    case XCLI_NPY_INT * 16 + 8: dtype = XENT_I64; break;
    case XCLI_NPY_UINT * 16 + 1: dtype = XENT_U8; break;
    /* No view for '|b1': a byte other than 0 or 1 is True, which a u8 view
     * would show as its raw value (found by fuzzing). */
    default: return false;
  }
  if (npy->data && (uintptr_t)npy->data % (uintptr_t)npy->itemsize != 0) return false;
  memset(t, 0, sizeof *t);
  t->data = (void *)(uintptr_t)npy->data; /* read-only mapping; see npy.h */
  t->dtype = dtype;
  t->rank = npy->rank;
  /* Strides are products of extents, which cannot overflow: the nonzero
   * extents' product was checked at open, and a zero extent makes the
   * product of what follows it irrelevant (no element is ever reached). */
  int64_t step = 1;
  for (int k = 0; k < npy->rank; k++) {
    int i = npy->fortran_order ? k : npy->rank - 1 - k;
    t->shape[i] = npy->shape[i];
    t->strides[i] = step;
    if (npy->shape[i] != 0) step *= npy->shape[i];
  }
  return true;
}

static uint16_t bswap16(uint16_t v) { return (uint16_t)(v >> 8 | v << 8); }
static uint32_t bswap32(uint32_t v) {
  return v >> 24 | (v >> 8 & 0xff00u) | (v << 8 & 0xff0000u) | v << 24;
}
static uint64_t bswap64(uint64_t v) {
  return (uint64_t)bswap32((uint32_t)v) << 32 | bswap32((uint32_t)(v >> 32));
}

/* Loads of possibly unaligned, possibly byte-swapped items. */
static inline uint16_t ld16(const unsigned char *p, bool swap) {
  uint16_t v;
  memcpy(&v, p, 2);
  return swap ? bswap16(v) : v;
}
static inline uint32_t ld32(const unsigned char *p, bool swap) {
  uint32_t v;
  memcpy(&v, p, 4);
  return swap ? bswap32(v) : v;
}
static inline uint64_t ld64(const unsigned char *p, bool swap) {
  uint64_t v;
  memcpy(&v, p, 8);
  return swap ? bswap64(v) : v;
}
static inline double f32_of(uint32_t b) {
  float f;
  memcpy(&f, &b, 4);
  return f;
}
static inline double f64_of(uint64_t b) {
  double d;
  memcpy(&d, &b, 8);
  return d;
}

/* Kind and item size as one code to switch on. */
#define ET(kind, size) ((int)(kind) * 16 + (size))

/* Converts n elements `stride` bytes apart. The dtype switch is outside the
 * loops so that each loop is a plain load-convert-store. */
static void run_f64(const unsigned char *p, int64_t n, size_t stride, int et,
                    bool swap, double *out) {
#define RUN(expr)                                   \
  for (int64_t i = 0; i < n; i++, p += stride) out[i] = (expr); \
  break
  switch (et) {
    case ET(XCLI_NPY_BOOL, 1): RUN(*p != 0);
    case ET(XCLI_NPY_INT, 1): RUN((int8_t)*p);
    case ET(XCLI_NPY_UINT, 1): RUN(*p);
    case ET(XCLI_NPY_INT, 2): RUN((int16_t)ld16(p, swap));
    case ET(XCLI_NPY_UINT, 2): RUN(ld16(p, swap));
    case ET(XCLI_NPY_INT, 4): RUN((int32_t)ld32(p, swap));
    case ET(XCLI_NPY_UINT, 4): RUN(ld32(p, swap));
    case ET(XCLI_NPY_INT, 8): RUN((double)(int64_t)ld64(p, swap));
    case ET(XCLI_NPY_UINT, 8): RUN((double)ld64(p, swap));
    case ET(XCLI_NPY_FLOAT, 2): RUN(xent_f16_to_f32(ld16(p, swap)));
    case ET(XCLI_NPY_FLOAT, 4): RUN(f32_of(ld32(p, swap)));
    case ET(XCLI_NPY_FLOAT, 8): RUN(f64_of(ld64(p, swap)));
  }
#undef RUN
}

/* As run_f64 into int64; returns the position of the first element that is
 * not an int64 (a float that is not an integer in range, a u8 above
 * INT64_MAX), or -1. */
static int64_t run_i64(const unsigned char *p, int64_t n, size_t stride, int et,
                       bool swap, int64_t *out) {
#define RUN(expr)                                   \
  for (int64_t i = 0; i < n; i++, p += stride) out[i] = (expr); \
  break
  switch (et) {
    case ET(XCLI_NPY_BOOL, 1): RUN(*p != 0);
    case ET(XCLI_NPY_INT, 1): RUN((int8_t)*p);
    case ET(XCLI_NPY_UINT, 1): RUN(*p);
    case ET(XCLI_NPY_INT, 2): RUN((int16_t)ld16(p, swap));
    case ET(XCLI_NPY_UINT, 2): RUN(ld16(p, swap));
    case ET(XCLI_NPY_INT, 4): RUN((int32_t)ld32(p, swap));
    case ET(XCLI_NPY_UINT, 4): RUN(ld32(p, swap));
    case ET(XCLI_NPY_INT, 8): RUN((int64_t)ld64(p, swap));
    case ET(XCLI_NPY_UINT, 8):
      for (int64_t i = 0; i < n; i++, p += stride) {
        uint64_t v = ld64(p, swap);
        if (v > (uint64_t)INT64_MAX) return i;
        out[i] = (int64_t)v;
      }
      break;
    /* Floats must hold an integer in [-2^63, 2^63); NaN fails the test. */
#define FRUN(load)                                                      \
  for (int64_t i = 0; i < n; i++, p += stride) {                        \
    double v = (load);                                                  \
    if (!(v >= -0x1p63 && v < 0x1p63) || (double)(int64_t)v != v) return i; \
    out[i] = (int64_t)v;                                                \
  }                                                                     \
  break
    case ET(XCLI_NPY_FLOAT, 2): FRUN(xent_f16_to_f32(ld16(p, swap)));
    case ET(XCLI_NPY_FLOAT, 4): FRUN(f32_of(ld32(p, swap)));
    case ET(XCLI_NPY_FLOAT, 8): FRUN(f64_of(ld64(p, swap)));
#undef FRUN
  }
#undef RUN
  return -1;
}

/* The run of elements that starts at C-order position `pos`: its byte
 * offset, its length (at most `left`) and the byte step between its
 * elements. In C order everything is one run; in Fortran order a run goes
 * along the last axis, whose step is the item size times the product of the
 * other extents. */
static void run_at(const xcli_npy *npy, int64_t pos, int64_t left, uint64_t *off,
                   int64_t *len, size_t *stride) {
  const uint64_t item = (uint64_t)npy->itemsize;
  if (!npy->fortran_order || npy->rank < 2) {
    *off = (uint64_t)pos * item;
    *len = left;
    *stride = (size_t)item;
    return;
  }
  const int last = npy->rank - 1;
  int64_t idx[XENT_MAX_RANK];
  *stride = (size_t)item;
  for (int i = last; i >= 0; i--) {
    idx[i] = pos % npy->shape[i];
    pos /= npy->shape[i];
  }
  uint64_t o = 0, step = item;
  for (int i = 0; i <= last; i++) {
    o += (uint64_t)idx[i] * step;
    if (i == last) *stride = (size_t)step;
    step *= (uint64_t)npy->shape[i];
  }
  *off = o;
  int64_t room = npy->shape[last] - idx[last];
  *len = left < room ? left : room;
}

/* "[3, 1]" for the element at C-order position `flat`. */
static const char *index_str(const xcli_npy *npy, int64_t flat, char *buf, size_t size) {
  int64_t idx[XENT_MAX_RANK];
  for (int i = npy->rank - 1; i >= 0; i--) {
    idx[i] = npy->shape[i] ? flat % npy->shape[i] : 0;
    flat = npy->shape[i] ? flat / npy->shape[i] : 0;
  }
  size_t used = (size_t)snprintf(buf, size, "[");
  for (int i = 0; i < npy->rank && used < size; i++)
    used += (size_t)snprintf(buf + used, size - used, "%s%" PRId64, i ? ", " : "", idx[i]);
  if (used < size) snprintf(buf + used, size - used, "]");
  return buf;
}

static xcli_status check_range(const xcli_npy *npy, int64_t first, int64_t count,
                               const void *out, xcli_error *err) {
  if (!npy || !npy->itemsize)
    return xcli_fail(err, XCLI_ERR_ARGUMENT, NULL, "the .npy file is not open");
  if (first < 0 || count < 0 || first > npy->numel || count > npy->numel - first)
    return xcli_fail(err, XCLI_ERR_ARGUMENT, npy->name,
                     "elements [%" PRId64 ", %" PRId64 " + %" PRId64 ") are outside "
                     "[0, %" PRId64 ")", first, first, count, npy->numel);
  if (!out && count)
    return xcli_fail(err, XCLI_ERR_ARGUMENT, npy->name, "output buffer is NULL");
  return XCLI_OK;
}

xcli_status xcli_npy_read_f64(const xcli_npy *npy, int64_t first, int64_t count,
                              double *out, xcli_error *err) {
  xcli_status st = check_range(npy, first, count, out, err);
  if (st) return st;
  const int et = ET(npy->kind, npy->itemsize);
  const bool swap = npy->itemsize > 1 && npy->big_endian != host_big_endian();
  for (int64_t done = 0; done < count;) {
    uint64_t off;
    int64_t len;
    size_t stride;
    run_at(npy, first + done, count - done, &off, &len, &stride);
    run_f64(npy->data + off, len, stride, et, swap, out + done);
    done += len;
  }
  return XCLI_OK;
}

xcli_status xcli_npy_read_i64(const xcli_npy *npy, int64_t first, int64_t count,
                              int64_t *out, xcli_error *err) {
  xcli_status st = check_range(npy, first, count, out, err);
  if (st) return st;
  const int et = ET(npy->kind, npy->itemsize);
  const bool swap = npy->itemsize > 1 && npy->big_endian != host_big_endian();
  for (int64_t done = 0; done < count;) {
    uint64_t off;
    int64_t len;
    size_t stride;
    run_at(npy, first + done, count - done, &off, &len, &stride);
    int64_t bad = run_i64(npy->data + off, len, stride, et, swap, out + done);
    if (bad >= 0) {
      char where[200];
      const unsigned char *p = npy->data + off + (uint64_t)bad * stride;
      index_str(npy, first + done + bad, where, sizeof where);
      if (npy->kind == XCLI_NPY_UINT)
        return xcli_fail(err, XCLI_ERR_VALUE, npy->name,
                         "element %s = %" PRIu64 " is outside the int64 range", where,
                         ld64(p, swap));
      double v;
      run_f64(p, 1, stride, et, swap, &v);
      bool huge = isfinite(v) && fabs(v) >= 0x1p63;
      return xcli_fail(err, XCLI_ERR_VALUE, npy->name, "element %s = %.17g is %s", where,
                       v, huge ? "outside the int64 range" : "not an integer");
    }
    done += len;
  }
  return XCLI_OK;
}

void xcli_npy_release(const xcli_npy *npy, int64_t first, int64_t count) {
#ifdef MADV_DONTNEED
  if (!npy || !npy->map_ || !npy->data_bytes) return;
  if (first < 0 || count <= 0 || first > npy->numel || count > npy->numel - first) return;
  const bool whole = first == 0 && count == npy->numel;
  if (npy->fortran_order && npy->rank > 1 && !whole) return;
  uint64_t lo = npy->data_offset + (uint64_t)first * (uint64_t)npy->itemsize;
  uint64_t hi = lo + (uint64_t)count * (uint64_t)npy->itemsize;
  long page = sysconf(_SC_PAGESIZE);
  if (page <= 0) return;
  const uint64_t pg = (uint64_t)page;
  /* Dropping a page of this read-only file mapping is always safe: touched
   * again, it is read back from the file. So the page holding `first` goes
   * too (in a sequential pass its earlier elements are done; a page shared
   * with the previous chunk would otherwise never be dropped), and the page
   * holding the range's end stays (the next chunk is about to use it),
   * unless it is the file's last. */
  const bool to_end = hi == npy->map_len_;
  lo = lo / pg * pg;
  hi = to_end ? (hi + pg - 1) / pg * pg : hi / pg * pg;
  if (lo < hi) (void)madvise((char *)npy->map_ + lo, (size_t)(hi - lo), MADV_DONTNEED);
#else
  (void)npy; (void)first; (void)count;
#endif
}

/* ---- writing ----------------------------------------------------------- */

#define WRITER_BUF (1 << 16)

struct xcli_npy_writer {
  int fd;
  bool failed;
  char *path;
  char *tmp;
  size_t itemsize;
  int64_t numel;
  int64_t written;
  size_t used;
  unsigned char buf[WRITER_BUF];
};

static void writer_free(xcli_npy_writer *w, bool remove_tmp) {
  if (w->fd >= 0) close(w->fd);
  if (remove_tmp && w->tmp) unlink(w->tmp);
  free(w->path);
  free(w->tmp);
  free(w);
}

static xcli_status write_all(xcli_npy_writer *w, const unsigned char *p, size_t n,
                             xcli_error *err) {
  char etext[128];
  while (n > 0) {
    ssize_t k = write(w->fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      w->failed = true;
      return xcli_fail(err, XCLI_ERR_IO, w->path, "cannot write: %s",
                       k < 0 ? xcli_strerror(errno, etext, sizeof etext) : "no progress");
    }
    p += k;
    n -= (size_t)k;
  }
  return XCLI_OK;
}

static xcli_status writer_flush(xcli_npy_writer *w, xcli_error *err) {
  xcli_status st = write_all(w, w->buf, w->used, err);
  w->used = 0;
  return st;
}

static xcli_status writer_put(xcli_npy_writer *w, const unsigned char *p, size_t n,
                              xcli_error *err) {
  while (n > 0) {
    if (w->used == 0 && n >= WRITER_BUF) return write_all(w, p, n, err);
    size_t k = WRITER_BUF - w->used < n ? WRITER_BUF - w->used : n;
    memcpy(w->buf + w->used, p, k);
    w->used += k;
    p += k;
    n -= k;
    if (w->used == WRITER_BUF) {
      xcli_status st = writer_flush(w, err);
      if (st) return st;
    }
  }
  return XCLI_OK;
}

xcli_status xcli_npy_writer_open(xcli_npy_writer **out, const char *path,
                                 xent_dtype_t dtype, int rank,
                                 const int64_t *shape, xcli_error *err) {
  char etext[128];
  if (!out) return xcli_fail(err, XCLI_ERR_ARGUMENT, path, "writer pointer is NULL");
  *out = NULL;
  if (!path || !*path) return xcli_fail(err, XCLI_ERR_ARGUMENT, NULL, "empty output path");
  if (rank < 0 || rank > XENT_MAX_RANK || (rank > 0 && !shape))
    return xcli_fail(err, XCLI_ERR_ARGUMENT, path, "rank %d is outside [0, %d]", rank,
                     XENT_MAX_RANK);
  const char *code;
  switch (dtype) {
    case XENT_F16: code = "f2"; break;
    case XENT_F32: code = "f4"; break;
    case XENT_F64: code = "f8"; break;
    case XENT_I32: code = "i4"; break;
    case XENT_I64: code = "i8"; break;
    case XENT_U8: code = "u1"; break;
    case XENT_BF16:
      return xcli_fail(err, XCLI_ERR_UNSUPPORTED, path,
                       "bf16 cannot be stored in a .npy file (NumPy has no bfloat16)");
    default:
      return xcli_fail(err, XCLI_ERR_ARGUMENT, path, "unknown dtype %d", (int)dtype);
  }
  uint64_t bytes = xent_dtype_size(dtype);
  bool zero = false;
  for (int i = 0; i < rank; i++) {
    if (shape[i] < 0)
      return xcli_fail(err, XCLI_ERR_ARGUMENT, path, "shape[%d] = %" PRId64 " is negative",
                       i, shape[i]);
    if (shape[i] == 0) { zero = true; continue; }
    if (bytes > (uint64_t)INT64_MAX / (uint64_t)shape[i])
      return xcli_fail(err, XCLI_ERR_ARGUMENT, path, "shape is too large");
    bytes *= (uint64_t)shape[i];
  }

  /* The header, as NumPy writes it: dict, spaces, newline, 64-byte multiple. */
  char dict[400], shape_text[300];
  int dlen = snprintf(dict, sizeof dict, "{'descr': '%c%s', 'fortran_order': False, "
                      "'shape': %s, }", dtype == XENT_U8 ? '|' :
                      host_big_endian() ? '>' : '<', code,
                      xcli_shape_str(shape_text, sizeof shape_text, rank, shape));
  size_t prefix = 10;
  size_t total = (prefix + (size_t)dlen + 1 + 63) / 64 * 64;
  if (total - prefix > 65535) {
    prefix = 12;
    total = (prefix + (size_t)dlen + 1 + 63) / 64 * 64;
  }
  size_t hlen = total - prefix;

  xcli_npy_writer *w = calloc(1, sizeof *w);
  if (!w) return xcli_fail(err, XCLI_ERR_NOMEM, path, "out of memory");
  w->fd = -1;
  size_t plen = strlen(path);
  w->path = malloc(plen + 1);
  w->tmp = malloc(plen + 64);
  if (!w->path || !w->tmp) {
    writer_free(w, false);
    return xcli_fail(err, XCLI_ERR_NOMEM, path, "out of memory");
  }
  memcpy(w->path, path, plen + 1);
  w->itemsize = xent_dtype_size(dtype);
  w->numel = zero ? 0 : (int64_t)(bytes / w->itemsize);
  /* O_EXCL with a fresh name: never reuse or clobber another writer's file. */
  for (unsigned n = 0;; n++) {
    snprintf(w->tmp, plen + 64, "%s.%ld.%u.tmp", path, (long)getpid(), n);
    w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666);
    if (w->fd >= 0) break;
    if (errno != EEXIST || n == 1000) {
      int e = errno;
      free(w->tmp);
      w->tmp = NULL; /* nothing to remove */
      writer_free(w, false);
      return xcli_fail(err, XCLI_ERR_IO, path, "cannot create a temporary file "
                       "beside it: %s", xcli_strerror(e, etext, sizeof etext));
    }
  }
  unsigned char head[12];
  memcpy(head, NPY_MAGIC, NPY_MAGIC_LEN);
  head[6] = prefix == 10 ? 1 : 2;
  head[7] = 0;
  for (size_t i = 0; i < prefix - 8; i++) head[8 + i] = (unsigned char)(hlen >> (8 * i));
  xcli_status st = writer_put(w, head, prefix, err);
  if (!st) st = writer_put(w, (const unsigned char *)dict, (size_t)dlen, err);
  for (size_t i = (size_t)dlen; !st && i + 1 < hlen; i++)
    st = writer_put(w, (const unsigned char *)" ", 1, err);
  if (!st) st = writer_put(w, (const unsigned char *)"\n", 1, err);
  if (st) {
    writer_free(w, true);
    return st;
  }
  *out = w;
  return XCLI_OK;
}

xcli_status xcli_npy_writer_write(xcli_npy_writer *w, const void *data,
                                  int64_t count, xcli_error *err) {
  if (!w) return xcli_fail(err, XCLI_ERR_ARGUMENT, NULL, "writer is NULL");
  if (w->failed)
    return xcli_fail(err, XCLI_ERR_IO, w->path, "not written: an earlier write failed");
  if (count < 0 || count > w->numel - w->written)
    return xcli_fail(err, XCLI_ERR_ARGUMENT, w->path,
                     "writing %" PRId64 " more elements would exceed the %" PRId64
                     " of the shape (%" PRId64 " written)", count, w->numel, w->written);
  if (!data && count) return xcli_fail(err, XCLI_ERR_ARGUMENT, w->path, "data is NULL");
  xcli_status st = writer_put(w, data, (size_t)count * w->itemsize, err);
  if (!st) w->written += count;
  return st;
}

xcli_status xcli_npy_writer_commit(xcli_npy_writer *w, xcli_error *err) {
  char etext[128];
  if (!w) return xcli_fail(err, XCLI_ERR_ARGUMENT, NULL, "writer is NULL");
  xcli_status st = XCLI_OK;
  if (w->failed)
    st = xcli_fail(err, XCLI_ERR_IO, w->path, "not written: an earlier write failed");
  else if (w->written != w->numel)
    st = xcli_fail(err, XCLI_ERR_ARGUMENT, w->path,
                   "not written: %" PRId64 " of its %" PRId64 " elements were given",
                   w->written, w->numel);
  if (!st) st = writer_flush(w, err);
  /* fsync before rename, so that after a crash the name never points at a
   * file whose data did not reach the disk. */
  if (!st && fsync(w->fd) != 0 && errno != EINVAL && errno != EROFS)
    st = xcli_fail(err, XCLI_ERR_IO, w->path, "cannot write: %s",
                   xcli_strerror(errno, etext, sizeof etext));
  if (!st) {
    int fd = w->fd;
    w->fd = -1;
    if (close(fd) != 0)
      st = xcli_fail(err, XCLI_ERR_IO, w->path, "cannot write: %s",
                   xcli_strerror(errno, etext, sizeof etext));
  }
  if (!st && rename(w->tmp, w->path) != 0)
    st = xcli_fail(err, XCLI_ERR_IO, w->path, "cannot move the finished file into "
                   "place: %s", xcli_strerror(errno, etext, sizeof etext));
  writer_free(w, st != XCLI_OK);
  return st;
}

void xcli_npy_writer_abort(xcli_npy_writer *w) {
  if (w) writer_free(w, true);
}

xcli_status xcli_npy_save(const char *path, const xent_tensor_t *t, xcli_error *err) {
  if (!t) return xcli_fail(err, XCLI_ERR_ARGUMENT, path, "tensor is NULL");
  xent_tensor_t v;
  if (xent_tensor_init(&v, t->data, t->dtype, t->rank, t->shape, t->strides) != XENT_OK)
    return xcli_fail(err, XCLI_ERR_ARGUMENT, path, "invalid tensor: %s", xent_last_error());
  xcli_npy_writer *w;
  xcli_status st = xcli_npy_writer_open(&w, path, v.dtype, v.rank, v.shape, err);
  if (st) return st;
  int64_t n = xent_tensor_numel(&v);
  const size_t item = xent_dtype_size(v.dtype);
  unsigned char chunk[4096];
  size_t used = 0;
  int64_t idx[XENT_MAX_RANK] = {0};
  const char *p = v.data;
  /* C-order walk over any strides (negative and zero ones included). */
  for (int64_t i = 0; i < n && !st; i++) {
    memcpy(chunk + used, p, item);
    used += item;
    if (used + item > sizeof chunk || i + 1 == n) {
      st = xcli_npy_writer_write(w, chunk, (int64_t)(used / item), err);
      used = 0;
    }
    for (int k = v.rank - 1; k >= 0; k--) {
      if (++idx[k] < v.shape[k]) {
        p += v.strides[k] * (int64_t)item;
        break;
      }
      p -= (idx[k] - 1) * v.strides[k] * (int64_t)item;
      idx[k] = 0;
    }
  }
  if (st) {
    xcli_npy_writer_abort(w);
    return st;
  }
  return xcli_npy_writer_commit(w, err);
}
