/* Streaming CSV reader: a byte-level state machine over a 64 KiB window
 * (read() for files, the caller's buffer for in-memory input). */
#define _POSIX_C_SOURCE 200809L /* newlocale / uselocale */

#include "csv.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CSV_BUF (1 << 16)
/* The first record's text is kept until the header question is settled. */
#define CSV_MAX_FIRST_BYTES ((size_t)64 << 20)

enum { TERM_DELIM, TERM_EOL, TERM_EOF };

struct xcli_csv {
  char *name;
  int fd;                   /* -1 for in-memory input                  */
  const unsigned char *buf; /* current window                         */
  size_t len, pos;
  unsigned char *own;       /* the window's storage when reading a file */
  bool eof;                 /* nothing more to read into the window   */
  int read_errno;
  char delim;
  int64_t line;             /* line of the next byte (1-based)        */
  int64_t ncols;
  int64_t first_line;       /* line of the first record               */
  bool has_header;
  char *names;              /* header: NUL-separated names            */
  size_t *name_off;
  double *pending;          /* the first record when it is data       */
  bool have_pending;
  int64_t rows;
  xcli_error sticky;        /* the error, once there was one          */
  bool failed;
  locale_t c_locale;
  size_t flen;
  char field[XCLI_CSV_MAX_FIELD + 1];
};

xcli_csv_options xcli_csv_options_default(void) {
  xcli_csv_options o = {',', XCLI_CSV_HEADER_AUTO};
  return o;
}

/* ---- numbers ------------------------------------------------------------ */

static bool ieq(const char *s, size_t n, const char *word, size_t k) {
  if (n != k) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != word[i]) return false;
  }
  return true;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* What the grammar check learns on the way, for the fast path. */
typedef struct num_info {
  int special;      /* 1 nan, 2 inf, 0 decimal */
  bool negative;
  uint64_t mantissa; /* the significant digits, when they fit (`exact`) */
  bool exact;        /* at most 19 significant digits */
  int64_t exp10;     /* value = mantissa * 10^exp10 (when exact) */
} num_info;

/* Checks the grammar of csv.h and collects the digits. */
static bool number_syntax(const char *s, size_t n, num_info *ni) {
  size_t i = 0;
  ni->negative = false;
  ni->special = 0;
  if (i < n && (s[i] == '+' || s[i] == '-')) ni->negative = s[i++] == '-';
  if (i < n && (s[i] == 'n' || s[i] == 'N' || s[i] == 'i' || s[i] == 'I')) {
    if (ieq(s + i, n - i, "nan", 3)) ni->special = 1;
    else if (ieq(s + i, n - i, "inf", 3) || ieq(s + i, n - i, "infinity", 8)) ni->special = 2;
    return ni->special != 0;
  }
  uint64_t m = 0;
  int sig = 0;          /* significant digits kept in m */
  int64_t dropped = 0;  /* integer digits beyond those kept */
  int64_t frac = 0;     /* fraction digits kept */
  bool lost = false;    /* a nonzero digit did not fit */
  size_t int_digits = 0, frac_digits = 0;
  for (; i < n && is_digit(s[i]); i++, int_digits++) {
    if (sig < 19) {
      m = m * 10 + (uint64_t)(s[i] - '0');
      if (m) sig++;
    } else {
      dropped++;
      if (s[i] != '0') lost = true;
    }
  }
  if (i < n && s[i] == '.') {
    for (i++; i < n && is_digit(s[i]); i++, frac_digits++) {
      if (sig < 19) {
        m = m * 10 + (uint64_t)(s[i] - '0');
        if (m) sig++;
        frac++;
      } else if (s[i] != '0') {
        lost = true;
      }
    }
  }
  if (int_digits + frac_digits == 0) return false;
  int64_t e = 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    bool eneg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    size_t exp_digits = 0;
    for (; i < n && is_digit(s[i]); i++, exp_digits++)
      if (e < 100000) e = e * 10 + (s[i] - '0'); /* saturate: far beyond any double */
    if (exp_digits == 0) return false;
    if (eneg) e = -e;
  }
  ni->mantissa = m;
  ni->exact = !lost;
  ni->exp10 = e + dropped - frac;
  return i == n;
}

/* Clinger's fast path: a mantissa below 2^53 and a power of ten up to 1e22
 * are both exact doubles, so one IEEE multiply or divide rounds the exact
 * value once, correctly. Needs double arithmetic without excess precision. */
static bool fast_decimal(const num_info *ni, double *value) {
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
  static const double pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (!ni->exact || ni->mantissa > ((uint64_t)1 << 53)) return false;
  double m = (double)ni->mantissa, v;
  if (ni->mantissa == 0) v = 0;
  else if (ni->exp10 >= 0 && ni->exp10 <= 22) v = m * pow10[ni->exp10];
  else if (ni->exp10 < 0 && ni->exp10 >= -22) v = m / pow10[-ni->exp10];
  else return false;
  *value = ni->negative ? -v : v;
  return true;
#else
  (void)ni;
  (void)value;
  return false;
#endif
}

/* `s` must be NUL-terminated at s[n]. */
static bool parse_number_in(const char *s, size_t n, locale_t loc, double *value) {
  num_info ni;
  if (!number_syntax(s, n, &ni)) return false;
  if (ni.special) {
    double v = ni.special == 1 ? NAN : INFINITY;
    *value = ni.negative ? -v : v;
    return true;
  }
  if (fast_decimal(&ni, value)) return true;
  /* uselocale changes only this thread's locale, and only for this call. */
  locale_t old = uselocale(loc);
  char *end;
  double v = strtod(s, &end);
  uselocale(old);
  if (end != s + n) return false; /* cannot happen after number_syntax */
  *value = v;
  return true;
}

bool xcli_csv_parse_number(const char *s, size_t len, double *value) {
  if (!s || !value || len > XCLI_CSV_MAX_FIELD) return false;
  char tmp[XCLI_CSV_MAX_FIELD + 1];
  memcpy(tmp, s, len);
  tmp[len] = '\0';
  num_info ni;
  if (!number_syntax(tmp, len, &ni)) return false;
  if (ni.special || fast_decimal(&ni, value))
    return parse_number_in(tmp, len, (locale_t)0, value);
  /* Only the strtod fallback needs the locale object. */
  locale_t loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
  if (loc == (locale_t)0) return false;
  bool ok = parse_number_in(tmp, len, loc, value);
  freelocale(loc);
  return ok;
}

/* ---- bytes ------------------------------------------------------------- */

static bool refill(xcli_csv *c) {
  if (c->eof) return false;
  for (;;) {
    ssize_t k = read(c->fd, c->own, CSV_BUF);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      if (k < 0) c->read_errno = errno;
      c->eof = true;
      return false;
    }
    c->buf = c->own;
    c->len = (size_t)k;
    c->pos = 0;
    return true;
  }
}

/* The next byte without consuming it; -1 at the end (or a read error). */
static inline int peekc(xcli_csv *c) {
  if (c->pos < c->len) return c->buf[c->pos];
  if (!refill(c)) return -1;
  return c->buf[c->pos];
}

static xcli_status fail_at(xcli_csv *c, int64_t line, int64_t col, xcli_status st,
                           const char *fmt, ...) XCLI_PRINTF(5, 6);
static xcli_status fail_at(xcli_csv *c, int64_t line, int64_t col, xcli_status st,
                           const char *fmt, ...) {
  char text[XCLI_ERROR_SIZE];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  c->failed = true;
  if (col > 0)
    return xcli_fail(&c->sticky, st, NULL, "%s:%" PRId64 ":%" PRId64 ": %s", c->name,
                     line, col, text);
  if (line > 0)
    return xcli_fail(&c->sticky, st, NULL, "%s:%" PRId64 ": %s", c->name, line, text);
  return xcli_fail(&c->sticky, st, c->name, "%s", text);
}

static xcli_status read_error(xcli_csv *c) {
  char e[128];
  return fail_at(c, 0, 0, XCLI_ERR_IO, "cannot read: %s",
                 xcli_strerror(c->read_errno, e, sizeof e));
}

static bool is_blank(const xcli_csv *c, int b) {
  return (b == ' ' || b == '\t') && b != c->delim;
}

/* ---- fields and records ---------------------------------------------------- */

static xcli_status put(xcli_csv *c, bool store, int64_t line, int64_t col, int b) {
  if (!store) return XCLI_OK;
  if (c->flen == XCLI_CSV_MAX_FIELD)
    return fail_at(c, line, col, XCLI_ERR_FORMAT, "field is longer than %d bytes",
                   XCLI_CSV_MAX_FIELD);
  c->field[c->flen++] = (char)b;
  return XCLI_OK;
}

/* Reads the field at the current position into c->field (when `store`;
 * otherwise only scans it) and consumes its terminator. */
static xcli_status read_field(xcli_csv *c, bool store, int64_t col, int *term) {
  xcli_status st;
  char q[64];
  const int64_t line = c->line;
  int b;
  c->flen = 0;
  while (is_blank(c, b = peekc(c))) c->pos++;
  if (b == '"') {
    c->pos++;
    for (;;) {
      b = peekc(c);
      if (b < 0) {
        if (c->read_errno) return read_error(c);
        return fail_at(c, line, col, XCLI_ERR_FORMAT,
                       "unterminated quoted field (its quote opens here)");
      }
      c->pos++;
      if (b == '"') {
        if (peekc(c) != '"') break;
        c->pos++;
      } else if (b == '\n') {
        c->line++;
      } else if (b == '\r' && peekc(c) != '\n') {
        c->line++; /* a lone CR ends a line; in CRLF the LF counts */
      }
      if ((st = put(c, store, line, col, b))) return st;
    }
    while (is_blank(c, b = peekc(c))) c->pos++;
    if (b >= 0 && b != c->delim && b != '\n' && b != '\r') {
      unsigned char ch = (unsigned char)b;
      return fail_at(c, c->line, col, XCLI_ERR_FORMAT,
                     "unexpected %s after the closing quote of a field",
                     xcli_quote(q, sizeof q, &ch, 1));
    }
  } else {
    /* Scan the window for the field's end and copy the run at once. */
    for (;;) {
      if (c->pos >= c->len && !refill(c)) break;
      const unsigned char *from = c->buf + c->pos, *end = c->buf + c->len, *stop = from;
      while (stop < end && *stop != (unsigned char)c->delim && *stop != '\n' &&
             *stop != '\r' && *stop != '"')
        stop++;
      size_t k = (size_t)(stop - from);
      if (store) {
        if (k > XCLI_CSV_MAX_FIELD - c->flen)
          return fail_at(c, line, col, XCLI_ERR_FORMAT, "field is longer than %d bytes",
                         XCLI_CSV_MAX_FIELD);
        memcpy(c->field + c->flen, from, k);
        c->flen += k;
      }
      c->pos += k;
      if (stop < end) break;
    }
    if (peekc(c) == '"')
      return fail_at(c, line, col, XCLI_ERR_FORMAT,
                     "quote inside an unquoted field (quote the whole field "
                     "and double the quotes inside it)");
    while (c->flen > 0 && is_blank(c, (unsigned char)c->field[c->flen - 1])) c->flen--;
  }
  c->field[c->flen] = '\0';
  b = peekc(c);
  if (b < 0) {
    if (c->read_errno) return read_error(c);
    *term = TERM_EOF;
  } else if (b == c->delim) {
    c->pos++;
    *term = TERM_DELIM;
  } else {
    c->pos++;
    if (b == '\r' && peekc(c) == '\n') c->pos++;
    c->line++;
    *term = TERM_EOL;
  }
  return XCLI_OK;
}

/* Skips empty lines; false at the end of the input. */
static bool skip_empty_lines(xcli_csv *c) {
  for (;;) {
    int b = peekc(c);
    if (b == '\n') {
      c->pos++;
      c->line++;
    } else if (b == '\r') {
      c->pos++;
      if (peekc(c) == '\n') c->pos++;
      c->line++;
    } else {
      return b >= 0;
    }
  }
}

static xcli_status not_a_number(xcli_csv *c, int64_t line, int64_t col,
                                const char *text, size_t len, const char *why) {
  char q[200];
  if (len == 0)
    return fail_at(c, line, col, XCLI_ERR_FORMAT, "expected a number, found an empty field%s",
                   why);
  return fail_at(c, line, col, XCLI_ERR_FORMAT, "expected a number, found %s%s",
                 xcli_quote(q, sizeof q, text, len), why);
}

/* One data record into out[0 .. ncols); *got is false at the end. */
static xcli_status read_record(xcli_csv *c, double *out, int64_t *line, bool *got) {
  *got = false;
  if (!skip_empty_lines(c)) return c->read_errno ? read_error(c) : XCLI_OK;
  const int64_t rec_line = c->line;
  int64_t col = 0;
  int term;
  do {
    col++;
    bool store = col <= c->ncols;
    int64_t fline = c->line;
    xcli_status st = read_field(c, store, col, &term);
    if (st) return st;
    if (store && !parse_number_in(c->field, c->flen, c->c_locale, &out[col - 1]))
      return not_a_number(c, fline, col, c->field, c->flen, "");
  } while (term == TERM_DELIM);
  if (col != c->ncols)
    return fail_at(c, rec_line, 0, XCLI_ERR_FORMAT,
                   "row has %" PRId64 " field%s, expected %" PRId64 " (as on line %" PRId64
                   ")", col, col == 1 ? "" : "s", c->ncols, c->first_line);
  *line = rec_line;
  *got = true;
  return XCLI_OK;
}

/* The first record: collect its fields as text, then decide whether it is a
 * header, and convert it if it is data. */
static xcli_status read_first(xcli_csv *c, xcli_csv_header_mode mode, bool any_bytes) {
  if (!skip_empty_lines(c)) {
    if (c->read_errno) return read_error(c);
    return fail_at(c, 0, 0, XCLI_ERR_FORMAT, any_bytes ? "no rows: the file has only "
                   "empty lines" : "empty file");
  }
  c->first_line = c->line;
  size_t cap = 4096, used = 0, ocap = 64;
  char *text = malloc(cap);
  size_t *off = malloc(ocap * sizeof *off);
  int64_t *lines = malloc(ocap * sizeof *lines);
  xcli_status st = XCLI_OK;
  int64_t col = 0;
  int term = TERM_EOF;
  if (!text || !off || !lines) st = fail_at(c, 0, 0, XCLI_ERR_NOMEM, "out of memory");
  do {
    if (st) break;
    if (col == XCLI_CSV_MAX_COLUMNS) {
      st = fail_at(c, c->first_line, 0, XCLI_ERR_FORMAT, "more than %d columns",
                   XCLI_CSV_MAX_COLUMNS);
      break;
    }
    col++;
    int64_t fline = c->line;
    if ((st = read_field(c, true, col, &term))) break;
    if ((size_t)col > ocap) {
      ocap *= 2;
      size_t *o2 = realloc(off, ocap * sizeof *off);
      if (o2) off = o2;
      int64_t *l2 = realloc(lines, ocap * sizeof *lines);
      if (l2) lines = l2;
      if (!o2 || !l2) { st = fail_at(c, 0, 0, XCLI_ERR_NOMEM, "out of memory"); break; }
    }
    if (used + c->flen + 1 > cap) {
      while (used + c->flen + 1 > cap) cap *= 2;
      if (cap > CSV_MAX_FIRST_BYTES) {
        st = fail_at(c, c->first_line, 0, XCLI_ERR_FORMAT,
                     "first row is longer than %zu bytes", CSV_MAX_FIRST_BYTES);
        break;
      }
      char *t2 = realloc(text, cap);
      if (!t2) { st = fail_at(c, 0, 0, XCLI_ERR_NOMEM, "out of memory"); break; }
      text = t2;
    }
    off[col - 1] = used;
    lines[col - 1] = fline;
    memcpy(text + used, c->field, c->flen + 1);
    used += c->flen + 1;
  } while (term == TERM_DELIM);

  if (!st) {
    c->ncols = col;
    bool header = mode == XCLI_CSV_HEADER_YES;
    int64_t numbers = 0;
    double v;
    if (mode == XCLI_CSV_HEADER_AUTO) {
      for (int64_t i = 0; i < col; i++) {
        const char *s = text + off[i];
        if (parse_number_in(s, strlen(s), c->c_locale, &v)) numbers++;
      }
      header = numbers == 0;
    }
    if (header) {
      c->has_header = true;
      c->names = text;
      c->name_off = off;
      text = NULL;
      off = NULL;
    } else {
      c->pending = malloc((size_t)col * sizeof *c->pending);
      if (!c->pending) st = fail_at(c, 0, 0, XCLI_ERR_NOMEM, "out of memory");
      for (int64_t i = 0; !st && i < col; i++) {
        const char *s = text + off[i];
        size_t n = strlen(s);
        if (!parse_number_in(s, n, c->c_locale, &c->pending[i]))
          st = not_a_number(c, lines[i], i + 1, s, n,
                            mode == XCLI_CSV_HEADER_AUTO
                                ? " (other fields of this first row are numbers, so "
                                  "it was not taken for a header)"
                                : "");
      }
      c->have_pending = !st;
    }
  }
  free(text);
  free(off);
  free(lines);
  return st;
}

/* ---- open / read / close ------------------------------------------------ */

static xcli_status csv_start(xcli_csv **out, xcli_csv *c, const char *name,
                             const xcli_csv_options *opts, bool any_bytes,
                             xcli_error *err) {
  xcli_csv_options o = opts ? *opts : xcli_csv_options_default();
  xcli_status st = XCLI_OK;
  if (o.delimiter == '"' || o.delimiter == '\r' || o.delimiter == '\n' ||
      o.delimiter == '\0')
    st = xcli_fail(err, XCLI_ERR_ARGUMENT, name, "invalid CSV delimiter (byte %d)",
                   (unsigned char)o.delimiter);
  else if (o.header != XCLI_CSV_HEADER_AUTO && o.header != XCLI_CSV_HEADER_YES &&
           o.header != XCLI_CSV_HEADER_NO)
    st = xcli_fail(err, XCLI_ERR_ARGUMENT, name, "invalid CSV header mode %d",
                   (int)o.header);
  if (!st) {
    size_t n = strlen(name);
    c->name = malloc(n + 1);
    c->c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (!c->name || c->c_locale == (locale_t)0)
      st = xcli_fail(err, XCLI_ERR_NOMEM, name, "out of memory");
    else
      memcpy(c->name, name, n + 1);
  }
  if (!st) {
    c->delim = o.delimiter;
    c->line = 1;
    /* A UTF-8 byte-order mark (Excel writes one) is not part of the data. */
    if (peekc(c) == 0xef && c->len - c->pos >= 3 && c->buf[c->pos + 1] == 0xbb &&
        c->buf[c->pos + 2] == 0xbf)
      c->pos += 3;
    if (read_first(c, o.header, any_bytes)) {
      if (err) *err = c->sticky;
      st = c->sticky.status;
    }
  }
  if (st) {
    xcli_csv_close(c);
    return st;
  }
  *out = c;
  return XCLI_OK;
}

static xcli_csv *csv_alloc(void) {
  xcli_csv *c = calloc(1, sizeof *c);
  if (c) {
    c->fd = -1;
    c->c_locale = (locale_t)0;
  }
  return c;
}

xcli_status xcli_csv_open(xcli_csv **out, const char *path,
                          const xcli_csv_options *opts, xcli_error *err) {
  if (!out) return xcli_fail(err, XCLI_ERR_ARGUMENT, path, "csv pointer is NULL");
  *out = NULL;
  if (!path) return xcli_fail(err, XCLI_ERR_ARGUMENT, NULL, "path is NULL");
  int fd;
  uint64_t size;
  xcli_status st = xcli_open_regular(path, &fd, &size, err);
  if (st) return st;
  xcli_csv *c = csv_alloc();
  if (c) c->own = malloc(CSV_BUF);
  if (!c || !c->own) {
    close(fd);
    if (c) free(c);
    return xcli_fail(err, XCLI_ERR_NOMEM, path, "out of memory");
  }
  c->fd = fd;
  return csv_start(out, c, path, opts, size > 0, err);
}

xcli_status xcli_csv_open_memory(xcli_csv **out, const void *data, size_t size,
                                 const char *name, const xcli_csv_options *opts,
                                 xcli_error *err) {
  if (!name) name = "<memory>";
  if (!out) return xcli_fail(err, XCLI_ERR_ARGUMENT, name, "csv pointer is NULL");
  *out = NULL;
  if (!data && size) return xcli_fail(err, XCLI_ERR_ARGUMENT, name, "data is NULL");
  xcli_csv *c = csv_alloc();
  if (!c) return xcli_fail(err, XCLI_ERR_NOMEM, name, "out of memory");
  c->buf = data;
  c->len = size;
  c->eof = true;
  return csv_start(out, c, name, opts, size > 0, err);
}

int64_t xcli_csv_columns(const xcli_csv *c) { return c ? c->ncols : 0; }

bool xcli_csv_has_header(const xcli_csv *c) { return c && c->has_header; }

const char *xcli_csv_column_name(const xcli_csv *c, int64_t i) {
  if (!c || !c->has_header || i < 0 || i >= c->ncols) return NULL;
  return c->names + c->name_off[i];
}

const char *xcli_csv_name(const xcli_csv *c) { return c ? c->name : NULL; }

int64_t xcli_csv_rows_read(const xcli_csv *c) { return c ? c->rows : 0; }

xcli_status xcli_csv_read(xcli_csv *c, double *out, int64_t max_rows, int64_t *rows,
                          int64_t *lines, xcli_error *err) {
  if (rows) *rows = 0;
  if (!c || !out || !rows || max_rows < 1)
    return xcli_fail(err, XCLI_ERR_ARGUMENT, c ? c->name : NULL,
                     "xcli_csv_read: NULL argument or max_rows < 1");
  if (!c->failed) {
    int64_t n = 0;
    if (c->have_pending) {
      memcpy(out, c->pending, (size_t)c->ncols * sizeof *out);
      if (lines) lines[0] = c->first_line;
      c->have_pending = false;
      n = 1;
    }
    while (n < max_rows) {
      bool got;
      int64_t line = 0;
      if (read_record(c, out + n * c->ncols, &line, &got)) break;
      if (!got) break;
      if (lines) lines[n] = line;
      n++;
    }
    if (!c->failed) {
      c->rows += n;
      *rows = n;
      return XCLI_OK;
    }
  }
  if (err) *err = c->sticky;
  return c->sticky.status;
}

void xcli_csv_close(xcli_csv *c) {
  if (!c) return;
  if (c->fd >= 0) close(c->fd);
  if (c->c_locale != (locale_t)0) freelocale(c->c_locale);
  free(c->own);
  free(c->name);
  free(c->names);
  free(c->name_off);
  free(c->pending);
  free(c);
}
