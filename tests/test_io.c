/* The command-line tool's input layer (cli/io): .npy reading and writing,
 * CSV reading, the one-line error messages, and the fuzz seed corpus.
 *
 * Every file is made at run time in a fresh directory (mkdtemp), byte by
 * byte, so the expected values are the ones the test wrote. The exceptions
 * are tests/data/npy/, written by NumPy itself (conformance/generate_npy.py),
 * an independent check of the reader and of the writer's bytes. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, mkfifo, setenv, sockets */

#include "harness.h"
#include "io/csv.h"
#include "io/npy.h"
#include "../fuzz/fuzz_one.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef XT_NPY_DATA_DIR
#define XT_NPY_DATA_DIR "tests/data/npy"
#endif
#ifndef XT_FUZZ_CORPUS_DIR
#define XT_FUZZ_CORPUS_DIR "fuzz/corpus"
#endif

/* ---- helpers ------------------------------------------------------------- */

#define CHECK_ST(call, expected, err)                                              \
  do {                                                                             \
    xcli_status st_ = (call);                                                      \
    if (st_ != (expected))                                                         \
      xt_fail(__FILE__, __LINE__, "%s returned %s (%s), expected %s", #call,       \
              xcli_status_name(st_), st_ ? (err).message : "", xcli_status_name(expected)); \
  } while (0)

#define CHECK_MSG(err, expected)                                                   \
  XT_CHECK_MSG(strcmp((err).message, (expected)) == 0, "message '%s', expected '%s'", \
               (err).message, (expected))

#define CHECK_MSG_HAS(err, part)                                                   \
  XT_CHECK_MSG(strstr((err).message, (part)) != NULL, "message '%s' lacks '%s'",   \
               (err).message, (part))

typedef struct tdir {
  char path[200];
} tdir;

static void td_make(tdir *t) {
  const char *base = getenv("TMPDIR");
  snprintf(t->path, sizeof t->path, "%s/xent_io_XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(t->path)) {
    xt_fail(__FILE__, __LINE__, "mkdtemp(%s): %s", t->path, strerror(errno));
    strcpy(t->path, "/tmp");
  }
}

/* "<dir>/<name>" in one of a few rotating buffers. */
static const char *td_file(const tdir *t, const char *name) {
  static char bufs[4][600];
  static int next;
  char *b = bufs[next++ % 4];
  snprintf(b, sizeof bufs[0], "%s/%s", t->path, name);
  return b;
}

static int td_entries(const tdir *t) {
  DIR *d = opendir(t->path);
  int n = 0;
  if (!d) return -1;
  for (struct dirent *e; (e = readdir(d));)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  closedir(d);
  return n;
}

static void td_remove(tdir *t) {
  DIR *d = opendir(t->path);
  if (d) {
    for (struct dirent *e; (e = readdir(d));) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      const char *p = td_file(t, e->d_name);
      if (unlink(p) != 0) rmdir(p);
    }
    closedir(d);
  }
  rmdir(t->path);
}

static void write_file(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) {
    xt_fail(__FILE__, __LINE__, "cannot create %s", path);
    return;
  }
  if (n && fwrite(p, 1, n, f) != n) xt_fail(__FILE__, __LINE__, "cannot write %s", path);
  fclose(f);
}

/* The whole file in a malloc'd buffer of exactly its size (NULL if absent). */
static unsigned char *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *p = malloc(len > 0 ? (size_t)len : 1);
  *n = len > 0 && fread(p, 1, (size_t)len, f) == (size_t)len ? (size_t)len : 0;
  fclose(f);
  return p;
}

static bool one_line(const xcli_error *e) {
  for (const char *p = e->message; *p; p++)
    if ((unsigned char)*p < 0x20) return false;
  return e->message[0] != '\0';
}

typedef struct bytes {
  unsigned char *p;
  size_t n;
} bytes;

/* A .npy file: magic, version, header length, `dict` (padded with spaces
 * and a newline to a multiple of 64 when `pad`, as NumPy does), data. */
static bytes npy_build(int major, const char *dict, bool pad, const void *data,
                       size_t n) {
  size_t prefix = major == 1 ? 10 : 12, dlen = strlen(dict);
  size_t hlen = pad ? (prefix + dlen + 1 + 63) / 64 * 64 - prefix : dlen;
  bytes b;
  b.n = prefix + hlen + n;
  b.p = malloc(b.n ? b.n : 1);
  memcpy(b.p, "\x93NUMPY", 6);
  b.p[6] = (unsigned char)major;
  b.p[7] = 0;
  for (size_t i = 0; i < prefix - 8; i++) b.p[8 + i] = (unsigned char)(hlen >> (8 * i));
  memcpy(b.p + prefix, dict, dlen);
  if (pad) {
    memset(b.p + prefix + dlen, ' ', hlen - dlen - 1);
    b.p[prefix + hlen - 1] = '\n';
  }
  if (n) memcpy(b.p + prefix + hlen, data, n);
  return b;
}

static void put_uint(unsigned char *p, uint64_t v, int size, bool big) {
  for (int i = 0; i < size; i++)
    p[big ? size - 1 - i : i] = (unsigned char)(v >> (8 * i));
}

static uint64_t f32_bits(float f) {
  uint32_t b;
  memcpy(&b, &f, 4);
  return b;
}

static uint64_t f64_bits(double d) {
  uint64_t b;
  memcpy(&b, &d, 8);
  return b;
}

static bool host_little(void) {
  const uint16_t one = 1;
  unsigned char c;
  memcpy(&c, &one, 1);
  return c == 1;
}

/* Opens from memory with the name "t.npy" and expects a failure. */
static void npy_bad(const bytes *b, xcli_status expected, const char *part, int line) {
  xcli_npy npy;
  xcli_error err = {XCLI_OK, ""};
  xcli_status st = xcli_npy_open_memory(&npy, b->p, b->n, "t.npy", &err);
  if (st != expected)
    xt_fail(__FILE__, line, "status %s (%s), expected %s", xcli_status_name(st),
            st ? err.message : "", xcli_status_name(expected));
  if (st != XCLI_OK) {
    if (strncmp(err.message, "t.npy: ", 7) != 0 || !one_line(&err))
      xt_fail(__FILE__, line, "message '%s' is not one line starting with the name",
              err.message);
    if (!strstr(err.message, part))
      xt_fail(__FILE__, line, "message '%s' lacks '%s'", err.message, part);
  }
  xcli_npy_close(&npy);
}

static void npy_bad_dict(const char *dict, const void *data, size_t n,
                         xcli_status expected, const char *part, int line) {
  bytes b = npy_build(1, dict, true, data, n);
  npy_bad(&b, expected, part, line);
  free(b.p);
}

#define NPY_BAD(dict, n, expected, part)                                        \
  do {                                                                          \
    static const unsigned char zeros_[64];                                      \
    npy_bad_dict(dict, zeros_, n, expected, part, __LINE__);                    \
  } while (0)

/* (i - 5) * 0.25: the values conformance/generate_npy.py writes. */
static double ramp(int64_t i) { return (double)(i - 5) * 0.25; }

static void check_ramp(const xcli_npy *npy, int line) {
  double v[64];
  xcli_error err;
  if (npy->numel > 64 || xcli_npy_read_f64(npy, 0, npy->numel, v, &err) != XCLI_OK) {
    xt_fail(__FILE__, line, "cannot read %s", npy->name);
    return;
  }
  for (int64_t i = 0; i < npy->numel; i++)
    if (!xt_same_double(v[i], ramp(i)))
      xt_fail(__FILE__, line, "%s: element %lld = %g, expected %g", npy->name,
              (long long)i, v[i], ramp(i));
}

/* ---- .npy reading ---------------------------------------------------------- */

void test_io_npy_versions(void) {
  double data[6];
  for (int i = 0; i < 6; i++) data[i] = ramp(i);
  const char *dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
  tdir t;
  td_make(&t);
  for (int major = 1; major <= 3; major++) {
    bytes b = npy_build(major, dict, true, data, sizeof data);
    for (int from_file = 0; from_file < 2; from_file++) {
      xcli_npy npy;
      xcli_error err;
      if (from_file) {
        write_file(td_file(&t, "v.npy"), b.p, b.n);
        CHECK_ST(xcli_npy_open(&npy, td_file(&t, "v.npy"), &err), XCLI_OK, err);
      } else {
        CHECK_ST(xcli_npy_open_memory(&npy, b.p, b.n, "v.npy", &err), XCLI_OK, err);
      }
      XT_CHECK_INT(npy.version_major, major);
      XT_CHECK_INT(npy.version_minor, 0);
      XT_CHECK_INT(npy.data_offset, b.n - sizeof data);
      XT_CHECK_INT(npy.data_offset % 64, 0);
      XT_CHECK_INT(npy.rank, 2);
      XT_CHECK_INT(npy.shape[0], 2);
      XT_CHECK_INT(npy.shape[1], 3);
      XT_CHECK_INT(npy.rows, 2);
      XT_CHECK_INT(npy.row_length, 3);
      XT_CHECK_INT(npy.numel, 6);
      XT_CHECK_INT(npy.data_bytes, 48);
      XT_CHECK(strcmp(npy.descr, "<f8") == 0);
      XT_CHECK(npy.kind == XCLI_NPY_FLOAT && npy.itemsize == 8 && !npy.fortran_order);
      check_ramp(&npy, __LINE__);
      xent_tensor_t v;
      XT_CHECK(xcli_npy_tensor(&npy, &v) == host_little());
      if (host_little()) {
        XT_CHECK(v.dtype == XENT_F64 && v.rank == 2 && v.strides[0] == 3 && v.strides[1] == 1);
        XT_CHECK(memcmp(v.data, data, sizeof data) == 0);
      }
      xcli_npy_close(&npy);
      xcli_npy_close(&npy); /* twice is harmless */
    }
    free(b.p);
  }
  td_remove(&t);
}

/* Every dtype, in both byte orders, converted to f64 and i64 and viewed. */
void test_io_npy_dtypes_and_byte_orders(void) {
  struct {
    const char *code;
    int size;
    uint64_t raw[4];
    double f64[4];
    int64_t i64[4]; /* checked for integer and bool types */
    xent_dtype_t view; /* the dtype of a native view; XENT_BF16 for none */
  } cases[] = {
      {"b1", 1, {0, 1, 1, 0}, {0, 1, 1, 0}, {0, 1, 1, 0}, XENT_BF16},
      {"i1", 1, {0x80, 0xff, 0, 0x7f}, {-128, -1, 0, 127}, {-128, -1, 0, 127}, XENT_BF16},
      {"u1", 1, {0, 1, 128, 255}, {0, 1, 128, 255}, {0, 1, 128, 255}, XENT_U8},
      {"i2", 2, {0x8000, 0xffff, 0, 0x7fff}, {-32768, -1, 0, 32767},
       {-32768, -1, 0, 32767}, XENT_BF16},
      {"u2", 2, {0, 1, 0x8000, 0xffff}, {0, 1, 32768, 65535}, {0, 1, 32768, 65535},
       XENT_BF16},
      {"i4", 4, {0x80000000u, 0xffffffffu, 0, 0x7fffffff},
       {-2147483648.0, -1, 0, 2147483647.0}, {INT32_MIN, -1, 0, INT32_MAX}, XENT_I32},
      {"u4", 4, {0, 1, 0x80000000u, 0xffffffffu}, {0, 1, 2147483648.0, 4294967295.0},
       {0, 1, 2147483648LL, 4294967295LL}, XENT_BF16},
      {"i8", 8, {0x8000000000000000ull, ~0ull, 0, 0x7fffffffffffffffull},
       {-0x1p63, -1, 0, 0x1p63}, {INT64_MIN, -1, 0, INT64_MAX}, XENT_I64},
      {"u8", 8, {0, 1, (1ull << 53) + 1, 0x7fffffffffffffffull},
       {0, 1, 0x1p53, 0x1p63}, {0, 1, (1LL << 53) + 1, INT64_MAX}, XENT_BF16},
      {"f2", 2, {0x3c00, 0xc000, 0x0001, 0x7bff}, {1, -2, 0x1p-24, 65504}, {0}, XENT_F16},
      {"f4", 4, {f32_bits(1.5f), f32_bits(-0.0f), f32_bits(FLT_MAX), f32_bits(0x1p-149f)},
       {1.5, -0.0, FLT_MAX, 0x1p-149}, {0}, XENT_F32},
      {"f8", 8, {f64_bits(0.1), f64_bits(-0.0), f64_bits(DBL_MAX), f64_bits(5e-324)},
       {0.1, -0.0, DBL_MAX, 5e-324}, {0}, XENT_F64},
  };
  const char *orders = "<>|=";
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    for (int o = 0; o < 5; o++) {
      char order = o < 4 ? orders[o] : 0; /* 0: no prefix */
      if (order == '|' && cases[c].size > 1) continue; /* an error; see below */
      bool big = order == '>' || ((order == '=' || order == 0) && !host_little());
      unsigned char data[32];
      for (int i = 0; i < 4; i++)
        put_uint(data + i * cases[c].size, cases[c].raw[i], cases[c].size, big);
      char dict[128], descr[8];
      snprintf(descr, sizeof descr, "%s%s", order ? (char[]){order, 0} : "", cases[c].code);
      snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (2, 2), }",
               descr);
      bytes b = npy_build(1, dict, true, data, 4 * (size_t)cases[c].size);
      xcli_npy npy;
      xcli_error err;
      CHECK_ST(xcli_npy_open_memory(&npy, b.p, b.n, "t.npy", &err), XCLI_OK, err);
      XT_CHECK_MSG(npy.itemsize == cases[c].size && npy.kind == (xcli_npy_kind)cases[c].code[0] &&
                       strcmp(npy.descr, descr) == 0,
                   "%s: itemsize %d kind %c descr %s", descr, npy.itemsize, npy.kind,
                   npy.descr);
      double f[4];
      CHECK_ST(xcli_npy_read_f64(&npy, 0, 4, f, &err), XCLI_OK, err);
      for (int i = 0; i < 4; i++)
        XT_CHECK_MSG(xt_same_double(f[i], cases[c].f64[i]), "%s[%d] = %.17g, expected %.17g",
                     descr, i, f[i], cases[c].f64[i]);
      if (cases[c].code[0] != 'f') {
        int64_t q[4];
        CHECK_ST(xcli_npy_read_i64(&npy, 0, 4, q, &err), XCLI_OK, err);
        for (int i = 0; i < 4; i++)
          XT_CHECK_MSG(q[i] == cases[c].i64[i], "%s[%d] = %lld", descr, i, (long long)q[i]);
      }
      /* Partial ranges convert the same elements. */
      double f2[2];
      CHECK_ST(xcli_npy_read_f64(&npy, 1, 2, f2, &err), XCLI_OK, err);
      XT_CHECK(xt_same_double(f2[0], f[1]) && xt_same_double(f2[1], f[2]));
      xent_tensor_t v;
      bool native = cases[c].size == 1 || big == !host_little();
      bool want_view = native && cases[c].view != XENT_BF16;
      XT_CHECK_MSG(xcli_npy_tensor(&npy, &v) == want_view, "%s: view %d", descr, !want_view);
      if (want_view) {
        XT_CHECK(v.dtype == cases[c].view);
        for (int i = 0; i < 4; i++)
          XT_CHECK(xt_same_double(xcli_fuzz_view_value(&v, i), cases[c].f64[i]));
      }
      xcli_npy_close(&npy);
      free(b.p);
    }
  }
  /* A bool byte other than 0 / 1 is True. */
  unsigned char odd[2] = {0, 0xb2};
  bytes b = npy_build(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }",
                      true, odd, 2);
  xcli_npy npy;
  xcli_error err;
  double f[2];
  int64_t q[2];
  CHECK_ST(xcli_npy_open_memory(&npy, b.p, b.n, "t.npy", &err), XCLI_OK, err);
  CHECK_ST(xcli_npy_read_f64(&npy, 0, 2, f, &err), XCLI_OK, err);
  CHECK_ST(xcli_npy_read_i64(&npy, 0, 2, q, &err), XCLI_OK, err);
  XT_CHECK(f[0] == 0 && f[1] == 1 && q[0] == 0 && q[1] == 1);
  xcli_npy_close(&npy);
  free(b.p);
}

void test_io_npy_fortran_order(void) {
  /* Shape (2, 3, 4): element (i, j, k) is stored at i + 2 j + 6 k. */
  float data[24];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 4; k++) data[i + 2 * j + 6 * k] = (float)ramp(12 * i + 4 * j + k);
  bytes b = npy_build(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 4), }",
                      true, data, sizeof data);
  xcli_npy npy;
  xcli_error err;
  CHECK_ST(xcli_npy_open_memory(&npy, b.p, b.n, "t.npy", &err), XCLI_OK, err);
  XT_CHECK(npy.fortran_order);
  check_ramp(&npy, __LINE__);
  /* Ranges that start and end inside rows. */
  for (int64_t first = 0; first < 24; first++)
    for (int64_t count = 0; first + count <= 24; count += 5) {
      double v[24];
      CHECK_ST(xcli_npy_read_f64(&npy, first, count, v, &err), XCLI_OK, err);
      for (int64_t i = 0; i < count; i++) XT_CHECK(v[i] == ramp(first + i));
    }
  xent_tensor_t v;
  if (host_little()) {
    XT_CHECK(xcli_npy_tensor(&npy, &v));
    XT_CHECK(v.strides[0] == 1 && v.strides[1] == 2 && v.strides[2] == 6);
    for (int64_t i = 0; i < 24; i++) XT_CHECK(xcli_fuzz_view_value(&v, i) == ramp(i));
  }
  xcli_npy_close(&npy);
  free(b.p);

  /* Big-endian Fortran data goes through the converter. */
  unsigned char be[6 * 8];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 2; j++) put_uint(be + 8 * (i + 3 * j), f64_bits(ramp(2 * i + j)), 8, true);
  b = npy_build(2, "{'descr': '>f8', 'fortran_order': True, 'shape': (3, 2), }", true, be,
                sizeof be);
  CHECK_ST(xcli_npy_open_memory(&npy, b.p, b.n, "t.npy", &err), XCLI_OK, err);
  check_ramp(&npy, __LINE__);
  XT_CHECK(!xcli_npy_tensor(&npy, &v) || !host_little());
  xcli_npy_close(&npy);
  free(b.p);
}

/* Spellings of the header NumPy's own reader accepts. */
void test_io_npy_header_variants(void) {
  struct {
    int major;
    const char *dict;
    bool pad;
    int rank;
    int64_t shape[3];
  } ok[] = {
      {1, "{\"shape\": (2, 3), \"fortran_order\": False, \"descr\": \"<f8\"}", false, 2, {2, 3}},
      {1, "{ 'descr' : '<f8' ,\n 'fortran_order' : False ,\t'shape' : ( 2 , 3 , ) , }  \n\n",
       false, 2, {2, 3}},
      {1, "{'descr':'<f8','fortran_order':False,'shape':(6,)}", true, 1, {6}},
      {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (6L,), }", true, 1, {6}},
      {2, "{'descr': '<f8', 'fortran_order': False, 'shape': (1L, 6L), }", true, 2, {1, 6}},
      {3, "{'fortran_order': False, 'descr': '<f8', 'shape': (3, 2)}", false, 2, {3, 2}},
      {1, "{'descr': '<f8', 'fortran_order': True, 'shape': (6,), }", true, 1, {6}},
      {1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 6, 1, 1, 1, 1, 1), }",
       true, 8, {1, 1, 6}},
  };
  double data[6];
  for (int i = 0; i < 6; i++) data[i] = ramp(i);
  for (size_t c = 0; c < sizeof ok / sizeof ok[0]; c++) {
    bytes b = npy_build(ok[c].major, ok[c].dict, ok[c].pad, data, sizeof data);
    xcli_npy npy;
    xcli_error err;
    CHECK_ST(xcli_npy_open_memory(&npy, b.p, b.n, "t.npy", &err), XCLI_OK, err);
    XT_CHECK_INT(npy.rank, ok[c].rank);
    for (int i = 0; i < 3 && i < ok[c].rank; i++) XT_CHECK_INT(npy.shape[i], ok[c].shape[i]);
    XT_CHECK_INT(npy.numel, 6);
    check_ramp(&npy, __LINE__);
    xcli_npy_close(&npy);
    free(b.p);
  }

  /* Scalars and empty arrays. */
  double two5 = 2.5;
  bytes b = npy_build(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", true,
                      &two5, 8);
  xcli_npy npy;
  xcli_error err;
  double v;
  CHECK_ST(xcli_npy_open_memory(&npy, b.p, b.n, "t.npy", &err), XCLI_OK, err);
  XT_CHECK(npy.rank == 0 && npy.numel == 1 && npy.rows == 1 && npy.row_length == 1);
  CHECK_ST(xcli_npy_read_f64(&npy, 0, 1, &v, &err), XCLI_OK, err);
  XT_CHECK(v == 2.5);
  xcli_npy_close(&npy);
  free(b.p);
  struct {
    const char *shape;
    int64_t rows, row_length;
  } empty[] = {{"(0,)", 0, 1}, {"(0, 5)", 0, 5}, {"(3, 0)", 3, 0}, {"(2, 0, 4)", 2, 0}};
  for (size_t c = 0; c < sizeof empty / sizeof empty[0]; c++) {
    char dict[128];
    snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': True, 'shape': %s, }",
             empty[c].shape);
    b = npy_build(1, dict, true, NULL, 0);
    CHECK_ST(xcli_npy_open_memory(&npy, b.p, b.n, "t.npy", &err), XCLI_OK, err);
    XT_CHECK(npy.numel == 0 && npy.data_bytes == 0 && npy.data == NULL);
    XT_CHECK_INT(npy.rows, empty[c].rows);
    XT_CHECK_INT(npy.row_length, empty[c].row_length);
    CHECK_ST(xcli_npy_read_f64(&npy, 0, 0, &v, &err), XCLI_OK, err);
    xent_tensor_t t;
    if (host_little()) {
      XT_CHECK(xcli_npy_tensor(&npy, &t));
      XT_CHECK(xent_tensor_numel(&t) == 0 && t.rank == npy.rank);
    }
    xcli_npy_close(&npy);
    free(b.p);
  }
}

/* Every malformed file of the issue, and the header's syntax errors. */
void test_io_npy_rejects_malformed(void) {
  static const unsigned char z[16];
  /* Too short, bad magic, bad version. */
  bytes b = {(unsigned char *)"", 0};
  npy_bad(&b, XCLI_ERR_FORMAT, "t.npy: empty file", __LINE__);
  b = (bytes){(unsigned char *)"\x93NUM", 4};
  npy_bad(&b, XCLI_ERR_FORMAT, "file is truncated: 4 bytes, too short for a .npy header",
          __LINE__);
  b = (bytes){(unsigned char *)"\x93NUMPY\x01\x00\x10", 9};
  npy_bad(&b, XCLI_ERR_FORMAT, "file is truncated: 9 bytes", __LINE__);
  b = (bytes){(unsigned char *)"\x93NUMPY\x02\x00\x10\x00", 10};
  npy_bad(&b, XCLI_ERR_FORMAT, "too short for a version 2.0 header", __LINE__);
  b = (bytes){(unsigned char *)"PK\x03\x04 this is a zip", 19};
  npy_bad(&b, XCLI_ERR_FORMAT,
          "t.npy: not a .npy file: it starts with 'PK\\x03\\x04 thi', not the magic "
          "'\\x93NUMPY' (it looks like a .npz archive: extract the array first)", __LINE__);
  b = (bytes){(unsigned char *)"\x93NUMPZ\x01\x00\x00\x00", 10};
  npy_bad(&b, XCLI_ERR_FORMAT, "not a .npy file", __LINE__);
  const char *good = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }";
  for (int v = 0; v < 3; v++) {
    bytes g = npy_build(1, good, true, z, 8);
    g.p[6] = (unsigned char)(v == 0 ? 4 : v == 1 ? 0 : 1);
    g.p[7] = (unsigned char)(v == 2 ? 1 : 0);
    npy_bad(&g, XCLI_ERR_UNSUPPORTED, v == 0 ? "unsupported .npy format version 4.0 (1.0, "
            "2.0 and 3.0 are supported)" : v == 1 ? "version 0.0" : "version 1.1", __LINE__);
    free(g.p);
  }
  /* Header lengths beyond the file, and 0. */
  b = npy_build(1, good, true, z, 8);
  b.p[8] = 0xff;
  b.p[9] = 0xff;
  npy_bad(&b, XCLI_ERR_FORMAT,
          "t.npy: header length 65535 goes beyond the end of the file (126 bytes after "
          "the length field)", __LINE__);
  b.p[8] = b.p[9] = 0;
  npy_bad(&b, XCLI_ERR_FORMAT, "header length is 0", __LINE__);
  free(b.p);
  b = npy_build(2, good, true, z, 8);
  b.p[11] = 0x80; /* 2 GiB header */
  npy_bad(&b, XCLI_ERR_FORMAT, "goes beyond the end of the file", __LINE__);
  free(b.p);

  /* Data size: truncated, too long. */
  NPY_BAD("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }", 40, XCLI_ERR_FORMAT,
          "t.npy: file is truncated: the header describes 96 bytes of data (shape (3, 4), "
          "dtype '<f8') but only 40 follow it");
  NPY_BAD("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 25, XCLI_ERR_FORMAT,
          "t.npy: file is 1 bytes longer than its header describes (24 bytes of data for "
          "shape (3,), dtype '<f8'; 25 present)");
  NPY_BAD("{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }", 8, XCLI_ERR_FORMAT,
          "8 bytes longer");
  /* Absurd shapes: overflow, with and without a zero extent. */
  NPY_BAD("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }",
          0, XCLI_ERR_FORMAT,
          "t.npy: shape (4294967296, 4294967296, 16) of dtype '<f8' is impossibly large: its "
          "size in bytes overflows 63 bits");
  NPY_BAD("{'descr': '|u1', 'fortran_order': False, 'shape': (0, 9223372036854775807, 2), }",
          0, XCLI_ERR_FORMAT, "impossibly large");
  NPY_BAD("{'descr': '<f2', 'fortran_order': False, 'shape': (4611686018427387904,), }", 0,
          XCLI_ERR_FORMAT, "impossibly large");
  NPY_BAD("{'descr': '<f8', 'fortran_order': False, 'shape': (9223372036854775808,), }", 0,
          XCLI_ERR_FORMAT, "larger than 2^63 - 1");
  NPY_BAD("{'descr': '|u1', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 1,
          XCLI_ERR_UNSUPPORTED, "t.npy: array has 9 dimensions; at most 8 are supported");
  /* Unsupported dtypes. */
  NPY_BAD("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 8, XCLI_ERR_UNSUPPORTED,
          "t.npy: dtype '|O' holds Python objects (pickled), not numbers; only bool, integer "
          "and float arrays are supported");
  NPY_BAD("{'descr': '<U5', 'fortran_order': False, 'shape': (1,), }", 20,
          XCLI_ERR_UNSUPPORTED, "dtype '<U5' is a Unicode string type");
  NPY_BAD("{'descr': '|S3', 'fortran_order': False, 'shape': (1,), }", 3,
          XCLI_ERR_UNSUPPORTED, "byte string");
  NPY_BAD("{'descr': '|V8', 'fortran_order': False, 'shape': (1,), }", 8,
          XCLI_ERR_UNSUPPORTED, "void");
  NPY_BAD("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", 16,
          XCLI_ERR_UNSUPPORTED, "complex");
  NPY_BAD("{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (1,), }", 8,
          XCLI_ERR_UNSUPPORTED, "datetime");
  NPY_BAD("{'descr': '<m8[s]', 'fortran_order': False, 'shape': (1,), }", 8,
          XCLI_ERR_UNSUPPORTED, "timedelta");
  NPY_BAD("{'descr': '<f16', 'fortran_order': False, 'shape': (1,), }", 16,
          XCLI_ERR_UNSUPPORTED, "extended-precision");
  NPY_BAD("{'descr': '<f3', 'fortran_order': False, 'shape': (1,), }", 3,
          XCLI_ERR_UNSUPPORTED, "unsupported item size");
  NPY_BAD("{'descr': '<i16', 'fortran_order': False, 'shape': (1,), }", 16,
          XCLI_ERR_UNSUPPORTED, "unsupported item size");
  NPY_BAD("{'descr': '<b2', 'fortran_order': False, 'shape': (1,), }", 2,
          XCLI_ERR_UNSUPPORTED, "unsupported item size");
  NPY_BAD("{'descr': '<f08', 'fortran_order': False, 'shape': (1,), }", 8,
          XCLI_ERR_UNSUPPORTED, "unknown dtype '<f08'");
  NPY_BAD("{'descr': 'float64', 'fortran_order': False, 'shape': (1,), }", 8,
          XCLI_ERR_UNSUPPORTED, "unknown dtype 'float64'");
  NPY_BAD("{'descr': '|f4', 'fortran_order': False, 'shape': (1,), }", 4, XCLI_ERR_FORMAT,
          "dtype '|f4' has no byte order ('|') but its items have 4 bytes");
  NPY_BAD("{'descr': '', 'fortran_order': False, 'shape': (1,), }", 4, XCLI_ERR_FORMAT,
          "empty dtype");
  NPY_BAD("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (1,), }",
          8, XCLI_ERR_UNSUPPORTED, "t.npy: structured dtype (a list of fields) is not supported");
  NPY_BAD("{'descr': ('<f4', (2,)), 'fortran_order': False, 'shape': (1,), }", 8,
          XCLI_ERR_UNSUPPORTED, "subarray dtype");
  /* Header syntax. */
  NPY_BAD("{'descr': '<f8', 'fortran_order': False, 'shape': (1), }", 8, XCLI_ERR_FORMAT,
          "'shape' (1) is an integer, not a tuple (a 1-d shape is written (1,))");
  NPY_BAD("{'descr': '<f8', 'fortran_order': False, 'shape': [1], }", 8, XCLI_ERR_FORMAT,
          "'shape' must be a tuple");
  NPY_BAD("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", 8, XCLI_ERR_FORMAT,
          "negative dimension");
  NPY_BAD("{'descr': '<f8', 'fortran_order': False, 'shape': (01,), }", 8, XCLI_ERR_FORMAT,
          "leading zero");
  NPY_BAD("{'descr': '<f8', 'fortran_order': False, 'shape': (1.0,), }", 8, XCLI_ERR_FORMAT,
          "expected ',' or ')' in 'shape'");
  NPY_BAD("{'descr': '<f8', 'fortran_order': False, 'shape': (,), }", 8, XCLI_ERR_FORMAT,
          "expected a dimension");
  NPY_BAD("{'descr': '<f8', 'fortran_order': False, 'shape': (1,", 8, XCLI_ERR_FORMAT,
          "unterminated 'shape' tuple");
  NPY_BAD("{'descr': '<f8', 'fortran_order': 0, 'shape': (1,), }", 8, XCLI_ERR_FORMAT,
          "'fortran_order' must be True or False, found '0, 'shape':'");
  NPY_BAD("{'descr': '<f8', 'fortran_order': false, 'shape': (1,), }", 8, XCLI_ERR_FORMAT,
          "must be True or False");
  NPY_BAD("{'descr': '<f8', 'shape': (1,), }", 8, XCLI_ERR_FORMAT,
          "t.npy: bad .npy header: no 'fortran_order' key");
  NPY_BAD("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'shape': (1,)}", 8,
          XCLI_ERR_FORMAT, "key 'shape' appears twice");
  NPY_BAD("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", 8,
          XCLI_ERR_FORMAT, "t.npy: bad .npy header at byte 56: unexpected key 'x' (the keys "
          "are 'descr', 'fortran_order' and 'shape')");
  NPY_BAD("{}", 8, XCLI_ERR_FORMAT, "no 'descr' key");
  NPY_BAD("['descr', '<f8']", 8, XCLI_ERR_FORMAT, "t.npy: bad .npy header at byte 0: "
          "expected '{', found '['descr', '<'");
  NPY_BAD("{'descr': '<f8' 'fortran_order': False, 'shape': (1,)}", 8, XCLI_ERR_FORMAT,
          "expected ',' or '}'");
  NPY_BAD("{'descr': '<f8', 'fortran_order': False, 'shape': (1,)} x", 8, XCLI_ERR_FORMAT,
          "unexpected 'x' after the closing '}'");
  NPY_BAD("{'descr': '<f8, 'fortran_order': False, 'shape': (1,)}", 8, XCLI_ERR_FORMAT,
          "at byte 17: expected ',' or '}', found 'fortran_orde'");
  NPY_BAD("{'descr' '<f8'}", 8, XCLI_ERR_FORMAT, "at byte 9: expected ':', found ''<f8'}'");
  NPY_BAD("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'a\\'b': 1}", 8,
          XCLI_ERR_FORMAT, "escape sequences");
  NPY_BAD("{descr: '<f8'}", 8, XCLI_ERR_FORMAT, "expected a quoted key");
  NPY_BAD("{'descr': 42}", 8, XCLI_ERR_FORMAT, "'descr' must be a string");
  NPY_BAD("{'descr': '<f8", 8, XCLI_ERR_FORMAT, "unterminated string");
  NPY_BAD("{'descr': '<f8',", 8, XCLI_ERR_FORMAT, "expected a quoted key, found the end of "
          "the header");
  /* Version 3.0 headers are UTF-8; 1.0 headers are Latin-1 (then the byte
   * is merely unexpected). */
  for (int major = 1; major <= 3; major += 2) {
    b = npy_build(major, good, true, z, 8);
    b.p[(major == 1 ? 10 : 12) + strlen(good) + 2] = 0xff;
    npy_bad(&b, XCLI_ERR_FORMAT, major == 3 ? "a version 3.0 header must be UTF-8"
                                            : "unexpected '\\xff' after the closing '}'",
            __LINE__);
    free(b.p);
  }
}

void test_io_npy_integer_conversion(void) {
  double data[6] = {0, 1, -7, 2.5, NAN, 1e20};
  bytes b = npy_build(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }",
                      true, data, sizeof data);
  xcli_npy npy;
  xcli_error err;
  int64_t q[6];
  CHECK_ST(xcli_npy_open_memory(&npy, b.p, b.n, "labels.npy", &err), XCLI_OK, err);
  CHECK_ST(xcli_npy_read_i64(&npy, 0, 3, q, &err), XCLI_OK, err);
  XT_CHECK(q[0] == 0 && q[1] == 1 && q[2] == -7);
  CHECK_ST(xcli_npy_read_i64(&npy, 0, 6, q, &err), XCLI_ERR_VALUE, err);
  CHECK_MSG(err, "labels.npy: element [1, 1] = 2.5 is not an integer");
  CHECK_ST(xcli_npy_read_i64(&npy, 4, 1, q, &err), XCLI_ERR_VALUE, err);
  CHECK_MSG(err, "labels.npy: element [2, 0] = nan is not an integer");
  CHECK_ST(xcli_npy_read_i64(&npy, 5, 1, q, &err), XCLI_ERR_VALUE, err);
  CHECK_MSG(err, "labels.npy: element [2, 1] = 1e+20 is outside the int64 range");
  /* Bad ranges are the caller's error. */
  CHECK_ST(xcli_npy_read_i64(&npy, 5, 2, q, &err), XCLI_ERR_ARGUMENT, err);
  CHECK_MSG(err, "labels.npy: elements [5, 5 + 2) are outside [0, 6)");
  CHECK_ST(xcli_npy_read_f64(&npy, -1, 1, data, &err), XCLI_ERR_ARGUMENT, err);
  CHECK_ST(xcli_npy_read_f64(&npy, 0, 1, NULL, &err), XCLI_ERR_ARGUMENT, err);
  CHECK_ST(xcli_npy_read_f64(&npy, 6, 0, NULL, &err), XCLI_OK, err);
  xcli_npy_release(&npy, 0, 6); /* in memory: nothing to do */
  xcli_npy_close(&npy);
  CHECK_ST(xcli_npy_read_f64(&npy, 0, 0, data, &err), XCLI_ERR_ARGUMENT, err);
  free(b.p);

  uint64_t big[2] = {0x7fffffffffffffffull, 0x8000000000000000ull};
  unsigned char raw[16];
  put_uint(raw, big[0], 8, false);
  put_uint(raw + 8, big[1], 8, false);
  b = npy_build(1, "{'descr': '<u8', 'fortran_order': False, 'shape': (2,), }", true, raw, 16);
  CHECK_ST(xcli_npy_open_memory(&npy, b.p, b.n, "u.npy", &err), XCLI_OK, err);
  CHECK_ST(xcli_npy_read_i64(&npy, 0, 2, q, &err), XCLI_ERR_VALUE, err);
  CHECK_MSG(err, "u.npy: element [1] = 9223372036854775808 is outside the int64 range");
  XT_CHECK(q[0] == INT64_MAX);
  xcli_npy_close(&npy);
  free(b.p);

  /* -2^63 as a float is in range; 2^63 is not. */
  double edge[2] = {-0x1p63, 0x1p63};
  b = npy_build(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", true, edge, 16);
  CHECK_ST(xcli_npy_open_memory(&npy, b.p, b.n, "e.npy", &err), XCLI_OK, err);
  CHECK_ST(xcli_npy_read_i64(&npy, 0, 1, q, &err), XCLI_OK, err);
  XT_CHECK(q[0] == INT64_MIN);
  CHECK_ST(xcli_npy_read_i64(&npy, 1, 1, q, &err), XCLI_ERR_VALUE, err);
  xcli_npy_close(&npy);
  free(b.p);
}

/* Directories, FIFOs, sockets, devices, missing and unreadable paths, for
 * both readers: one line each, and never a hang. */
void test_io_bad_paths(void) {
  tdir t;
  td_make(&t);
  xcli_error err;
  xcli_npy npy;
  xcli_csv *csv;
  char want[600];

  const char *missing = td_file(&t, "missing.npy");
  CHECK_ST(xcli_npy_open(&npy, missing, &err), XCLI_ERR_IO, err);
  snprintf(want, sizeof want, "%s: cannot open: No such file or directory", missing);
  CHECK_MSG(err, want);
  CHECK_ST(xcli_csv_open(&csv, missing, NULL, &err), XCLI_ERR_IO, err);
  CHECK_MSG(err, want);
  XT_CHECK(csv == NULL);

  const char *dir = td_file(&t, "dir.npy");
  XT_CHECK(mkdir(dir, 0700) == 0);
  CHECK_ST(xcli_npy_open(&npy, dir, &err), XCLI_ERR_IO, err);
  snprintf(want, sizeof want, "%s: is a directory, not a file", dir);
  CHECK_MSG(err, want);
  CHECK_ST(xcli_csv_open(&csv, dir, NULL, &err), XCLI_ERR_IO, err);
  CHECK_MSG(err, want);

  /* No writer on the FIFO: a blocking open would hang here. */
  const char *fifo = td_file(&t, "fifo.csv");
  XT_CHECK(mkfifo(fifo, 0600) == 0);
  CHECK_ST(xcli_npy_open(&npy, fifo, &err), XCLI_ERR_IO, err);
  snprintf(want, sizeof want, "%s: is a FIFO (named pipe), not a regular file", fifo);
  CHECK_MSG(err, want);
  CHECK_ST(xcli_csv_open(&csv, fifo, NULL, &err), XCLI_ERR_IO, err);
  CHECK_MSG(err, want);

  const char *sock = td_file(&t, "s.npy");
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (strlen(sock) < sizeof addr.sun_path) {
    strcpy(addr.sun_path, sock);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    XT_CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0);
    CHECK_ST(xcli_npy_open(&npy, sock, &err), XCLI_ERR_IO, err);
    snprintf(want, sizeof want, "%s: is a socket, not a regular file", sock);
    CHECK_MSG(err, want);
    CHECK_ST(xcli_csv_open(&csv, sock, NULL, &err), XCLI_ERR_IO, err);
    CHECK_MSG(err, want);
    close(fd);
  }

  CHECK_ST(xcli_npy_open(&npy, "/dev/null", &err), XCLI_ERR_IO, err);
  CHECK_MSG(err, "/dev/null: is a character device, not a regular file");
  CHECK_ST(xcli_csv_open(&csv, "", NULL, &err), XCLI_ERR_IO, err);
  CHECK_MSG(err, "'': empty path");

  const char *empty = td_file(&t, "empty.npy");
  write_file(empty, "", 0);
  CHECK_ST(xcli_npy_open(&npy, empty, &err), XCLI_ERR_FORMAT, err);
  snprintf(want, sizeof want, "%s: empty file", empty);
  CHECK_MSG(err, want);
  CHECK_ST(xcli_csv_open(&csv, empty, NULL, &err), XCLI_ERR_FORMAT, err);
  CHECK_MSG(err, want);

  if (geteuid() != 0) { /* root reads anything */
    const char *locked = td_file(&t, "locked.npy");
    write_file(locked, "x", 1);
    chmod(locked, 0);
    CHECK_ST(xcli_npy_open(&npy, locked, &err), XCLI_ERR_IO, err);
    CHECK_MSG_HAS(err, ": cannot open: Permission denied");
  }

  /* A newline in a path cannot break the one-line message. */
  const char *odd = td_file(&t, "a\nb.npy");
  write_file(odd, "", 0);
  CHECK_ST(xcli_npy_open(&npy, odd, &err), XCLI_ERR_FORMAT, err);
  XT_CHECK(one_line(&err));
  CHECK_MSG_HAS(err, "a b.npy: empty file");
  td_remove(&t);
}

/* Files NumPy 1.26 wrote (conformance/generate_npy.py). */
void test_io_npy_reads_numpy_files(void) {
  struct {
    const char *file, *descr;
    int major, rank;
    int64_t shape[3];
    bool fortran;
    double values[7]; /* used when the file is not a ramp */
    bool is_ramp;
  } files[] = {
      {"f8_c.npy", "<f8", 1, 2, {3, 4}, false, {0}, true},
      {"f4_fortran.npy", "<f4", 1, 3, {2, 3, 4}, true, {0}, true},
      {"f2.npy", "<f2", 1, 1, {5}, false, {0}, true},
      {"f8_be.npy", ">f8", 1, 2, {2, 3}, false, {0}, true},
      {"f4_be_fortran.npy", ">f4", 1, 2, {3, 2}, true, {0}, true},
      {"f8_v2.npy", "<f8", 2, 2, {2, 2}, false, {0}, true},
      {"f4_v3.npy", "<f4", 3, 1, {2}, false, {0}, true},
      {"f8_scalar.npy", "<f8", 1, 0, {0}, false, {2.5}, false},
      {"f4_empty.npy", "<f4", 1, 2, {0, 3}, false, {0}, false},
      {"b1.npy", "|b1", 1, 1, {7}, false, {1, 0, 0, 1, 0, 0, 1}, false},
      {"i1.npy", "|i1", 1, 1, {4}, false, {-128, -1, 0, 127}, false},
      {"i2_be.npy", ">i2", 1, 1, {3}, false, {-32768, 1, 32767}, false},
      {"i4.npy", "<i4", 1, 2, {2, 2}, false, {-2147483648.0, -1, 0, 2147483647}, false},
      {"i8.npy", "<i8", 1, 1, {3}, false, {-0x1p63, 0, 0x1p63}, false},
      {"u1.npy", "|u1", 1, 1, {3}, false, {0, 1, 255}, false},
      {"u2.npy", "<u2", 1, 1, {2}, false, {0, 65535}, false},
      {"u4_be.npy", ">u4", 1, 1, {2}, false, {0, 4294967295.0}, false},
      {"u8.npy", "<u8", 1, 1, {3}, false, {0, 0x1p63, 0x1p64}, false},
  };
  for (size_t c = 0; c < sizeof files / sizeof files[0]; c++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", XT_NPY_DATA_DIR, files[c].file);
    xcli_npy npy;
    xcli_error err;
    if (xcli_npy_open(&npy, path, &err) != XCLI_OK) {
      xt_fail(__FILE__, __LINE__, "%s", err.message);
      continue;
    }
    XT_CHECK_MSG(strcmp(npy.descr, files[c].descr) == 0, "%s: descr %s", files[c].file,
                 npy.descr);
    XT_CHECK_INT(npy.version_major, files[c].major);
    XT_CHECK_INT(npy.rank, files[c].rank);
    for (int i = 0; i < files[c].rank; i++) XT_CHECK_INT(npy.shape[i], files[c].shape[i]);
    XT_CHECK_MSG(npy.fortran_order == files[c].fortran, "%s: fortran_order", files[c].file);
    if (files[c].is_ramp) {
      check_ramp(&npy, __LINE__);
    } else {
      double v[8];
      CHECK_ST(xcli_npy_read_f64(&npy, 0, npy.numel, v, &err), XCLI_OK, err);
      for (int64_t i = 0; i < npy.numel; i++)
        XT_CHECK_MSG(v[i] == files[c].values[i], "%s[%lld] = %.17g, expected %.17g",
                     files[c].file, (long long)i, v[i], files[c].values[i]);
    }
    xcli_npy_release(&npy, 0, npy.numel);
    if (files[c].is_ramp) check_ramp(&npy, __LINE__); /* re-read after release */
    xcli_npy_close(&npy);
  }
  /* Integers read exactly as int64, including the extremes. */
  char path[512];
  snprintf(path, sizeof path, "%s/i8.npy", XT_NPY_DATA_DIR);
  xcli_npy npy;
  xcli_error err;
  int64_t q[3];
  CHECK_ST(xcli_npy_open(&npy, path, &err), XCLI_OK, err);
  CHECK_ST(xcli_npy_read_i64(&npy, 0, 3, q, &err), XCLI_OK, err);
  XT_CHECK(q[0] == INT64_MIN && q[1] == 0 && q[2] == INT64_MAX);
  xcli_npy_close(&npy);
}

/* A 128 MiB file read through the converter and through the view in 32 KiB
 * chunks, each released after use: the resident size must not grow with the
 * file. The 128-byte header puts every chunk boundary inside a page, so a
 * release that skipped partly covered pages would keep 4096 pages (16 MiB). */
static long resident_kib(void) {
  /* open/read rather than stdio: no allocation, which ASan would keep in its
   * quarantine and count as growth. */
  char text[128];
  int fd = open("/proc/self/statm", O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return -1;
  text[n] = '\0';
  long size = 0, resident = -1;
  if (sscanf(text, "%ld %ld", &size, &resident) != 2) return -1;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

void test_io_npy_large_file_bounded_memory(void) {
  tdir t;
  td_make(&t);
  const int64_t n = (int64_t)16 << 20; /* f64 elements: 128 MiB */
  char dict[128];
  snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': (%lld,), }",
           (long long)n);
  bytes head = npy_build(1, dict, true, NULL, 0);
  const char *path = td_file(&t, "big.npy");
  write_file(path, head.p, head.n);
  /* A sparse file: the data are zeros that take no disk space; a few known
   * values are written at the ends of chunks. */
  FILE *f = fopen(path, "r+b");
  XT_CHECK(f != NULL);
  if (!f) { td_remove(&t); free(head.p); return; }
  const int64_t chunk = 1 << 12;
  for (int64_t i = chunk - 1; i < n; i += 97 * chunk) {
    double v = (double)i;
    fseek(f, (long)(head.n + (size_t)i * 8), SEEK_SET);
    fwrite(&v, 8, 1, f);
  }
  fclose(f);
  XT_CHECK(truncate(path, (off_t)(head.n + (size_t)n * 8)) == 0);

  xcli_npy npy;
  xcli_error err;
  CHECK_ST(xcli_npy_open(&npy, path, &err), XCLI_OK, err);
  double *buf = malloc((size_t)chunk * sizeof *buf);
  long before = resident_kib(), peak = before;
  double sum = 0, want = 0;
  for (int64_t i = chunk - 1; i < n; i += 97 * chunk) want += (double)i;
  for (int64_t first = 0; first < n && buf; first += chunk) {
    if (xcli_npy_read_f64(&npy, first, chunk, buf, &err) != XCLI_OK) break;
    for (int64_t i = 0; i < chunk; i++) sum += buf[i];
    xcli_npy_release(&npy, first, chunk);
    long r = resident_kib();
    if (r > peak) peak = r;
  }
  XT_CHECK(sum == want);
  xent_tensor_t v;
  sum = 0;
  if (host_little() && xcli_npy_tensor(&npy, &v)) {
    const double *d = v.data;
    for (int64_t first = 0; first < n; first += chunk) {
      for (int64_t i = first; i < first + chunk; i++) sum += d[i];
      xcli_npy_release(&npy, first, chunk);
      long r = resident_kib();
      if (r > peak) peak = r;
    }
    XT_CHECK(sum == want);
  }
  if (before >= 0)
    XT_CHECK_MSG(peak - before < 4 * 1024, "resident size grew by %ld KiB reading 128 MiB",
                 peak - before);
  free(buf);
  xcli_npy_close(&npy);
  free(head.p);
  td_remove(&t);
}

/* ---- .npy writing ---------------------------------------------------------- */

void test_io_npy_writer_round_trip(void) {
  tdir t;
  td_make(&t);
  const xent_dtype_t dtypes[] = {XENT_F16, XENT_F32, XENT_F64, XENT_I32, XENT_I64, XENT_U8};
  const char *descr[] = {"<f2", "<f4", "<f8", "<i4", "<i8", "|u1"};
  for (size_t d = 0; d < 6; d++) {
    unsigned char src[6 * 8];
    size_t item = xent_dtype_size(dtypes[d]);
    for (size_t i = 0; i < sizeof src; i++) src[i] = (unsigned char)(i * 37 + d);
    if (dtypes[d] == XENT_F16) /* keep the f16 patterns finite */
      for (size_t i = 1; i < 12; i += 2) src[i] &= 0x3f;
    xent_tensor_t tv = xent_tensor_2d(src, dtypes[d], 2, 3);
    const char *path = td_file(&t, "w.npy");
    xcli_error err;
    CHECK_ST(xcli_npy_save(path, &tv, &err), XCLI_OK, err);
    XT_CHECK_INT(td_entries(&t), 1); /* no temporary file left */
    size_t n;
    unsigned char *file = read_file(path, &n);
    XT_CHECK(file && n > 128 && (n - 6 * item) % 64 == 0 && file[n - 6 * item - 1] == '\n');
    free(file);
    xcli_npy npy;
    CHECK_ST(xcli_npy_open(&npy, path, &err), XCLI_OK, err);
    if (host_little()) XT_CHECK(strcmp(npy.descr, descr[d]) == 0);
    XT_CHECK(npy.rank == 2 && npy.shape[0] == 2 && npy.shape[1] == 3 && !npy.fortran_order);
    XT_CHECK(npy.data && memcmp(npy.data, src, 6 * item) == 0);
    xcli_npy_close(&npy);
  }
  /* Strided tensors are written in C order: a Fortran-order view and a
   * reversed (negative-stride) one. */
  double fdata[6] = {0, 3, 1, 4, 2, 5}; /* (2, 3) Fortran: element (i, j) at i + 2 j */
  int64_t shape[2] = {3, 2}, fstrides[2] = {1, 3};
  xent_tensor_t ft;
  XT_CHECK(xent_tensor_init(&ft, fdata, XENT_F64, 2, shape, fstrides) == XENT_OK);
  /* ft is (3, 2) with element (i, j) = fdata[i + 3 j]. */
  const char *path = td_file(&t, "f.npy");
  xcli_error err;
  CHECK_ST(xcli_npy_save(path, &ft, &err), XCLI_OK, err);
  xcli_npy npy;
  double v[6];
  CHECK_ST(xcli_npy_open(&npy, path, &err), XCLI_OK, err);
  CHECK_ST(xcli_npy_read_f64(&npy, 0, 6, v, &err), XCLI_OK, err);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 2; j++) XT_CHECK(v[2 * i + j] == fdata[i + 3 * j]);
  xcli_npy_close(&npy);
  int64_t rstride[1] = {-1}, rshape[1] = {6};
  xent_tensor_t rt;
  XT_CHECK(xent_tensor_init(&rt, fdata + 5, XENT_F64, 1, rshape, rstride) == XENT_OK);
  CHECK_ST(xcli_npy_save(path, &rt, &err), XCLI_OK, err); /* replaces f.npy */
  CHECK_ST(xcli_npy_open(&npy, path, &err), XCLI_OK, err);
  CHECK_ST(xcli_npy_read_f64(&npy, 0, 6, v, &err), XCLI_OK, err);
  for (int i = 0; i < 6; i++) XT_CHECK(v[i] == fdata[5 - i]);
  xcli_npy_close(&npy);
  td_remove(&t);
}

/* The writer's bytes equal NumPy's for the same arrays (np.save, 1.26). */
void test_io_npy_writer_matches_numpy(void) {
  if (!host_little()) return; /* NumPy's files are little-endian */
  tdir t;
  td_make(&t);
  double f8[12];
  for (int i = 0; i < 12; i++) f8[i] = ramp(i);
  int32_t i4[4] = {INT32_MIN, -1, 0, INT32_MAX};
  uint8_t u1[3] = {0, 1, 255};
  double scalar = 2.5;
  float none[1];
  struct {
    const char *file;
    xent_tensor_t t;
  } cases[] = {
      {"f8_c.npy", xent_tensor_2d(f8, XENT_F64, 3, 4)},
      {"i4.npy", xent_tensor_2d(i4, XENT_I32, 2, 2)},
      {"u1.npy", xent_tensor_1d(u1, XENT_U8, 3)},
      {"f8_scalar.npy", xent_tensor_1d(&scalar, XENT_F64, 1)},
      {"f4_empty.npy", xent_tensor_2d(none, XENT_F32, 0, 3)},
  };
  cases[3].t.rank = 0;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char ref[512];
    snprintf(ref, sizeof ref, "%s/%s", XT_NPY_DATA_DIR, cases[c].file);
    const char *out = td_file(&t, cases[c].file);
    xcli_error err;
    CHECK_ST(xcli_npy_save(out, &cases[c].t, &err), XCLI_OK, err);
    size_t na = 0, nb = 0;
    unsigned char *a = read_file(out, &na), *b = read_file(ref, &nb);
    XT_CHECK_MSG(a && b && na == nb && memcmp(a, b, na) == 0,
                 "%s differs from NumPy's (%zu vs %zu bytes)", cases[c].file, na, nb);
    free(a);
    free(b);
  }
  td_remove(&t);
}

/* No partial outputs: until commit the target is untouched; on any failure
 * the temporary file is gone. */
void test_io_npy_writer_no_partial_output(void) {
  tdir t;
  td_make(&t);
  xcli_error err;
  xcli_npy_writer *w;
  int64_t shape[2] = {2, 3};
  double row[3] = {1, 2, 3};
  const char *path = td_file(&t, "out.npy");

  /* Too few elements: commit refuses, nothing is left. */
  CHECK_ST(xcli_npy_writer_open(&w, path, XENT_F64, 2, shape, &err), XCLI_OK, err);
  XT_CHECK_INT(td_entries(&t), 1); /* the temporary file */
  CHECK_ST(xcli_npy_writer_write(w, row, 3, &err), XCLI_OK, err);
  CHECK_ST(xcli_npy_writer_commit(w, &err), XCLI_ERR_ARGUMENT, err);
  char want[600];
  snprintf(want, sizeof want, "%s: not written: 3 of its 6 elements were given", path);
  CHECK_MSG(err, want);
  XT_CHECK_INT(td_entries(&t), 0);

  /* Too many elements. */
  CHECK_ST(xcli_npy_writer_open(&w, path, XENT_F64, 2, shape, &err), XCLI_OK, err);
  CHECK_ST(xcli_npy_writer_write(w, row, 3, &err), XCLI_OK, err);
  CHECK_ST(xcli_npy_writer_write(w, row, 3, &err), XCLI_OK, err);
  CHECK_ST(xcli_npy_writer_write(w, row, 1, &err), XCLI_ERR_ARGUMENT, err);
  CHECK_MSG_HAS(err, "writing 1 more elements would exceed the 6 of the shape (6 written)");
  xcli_npy_writer_abort(w);
  XT_CHECK_INT(td_entries(&t), 0);

  /* An existing file keeps its contents until the commit replaces it. */
  write_file(path, "old", 3);
  CHECK_ST(xcli_npy_writer_open(&w, path, XENT_F64, 2, shape, &err), XCLI_OK, err);
  CHECK_ST(xcli_npy_writer_write(w, row, 3, &err), XCLI_OK, err);
  CHECK_ST(xcli_npy_writer_write(w, row, 3, &err), XCLI_OK, err);
  size_t n;
  unsigned char *old = read_file(path, &n);
  XT_CHECK(old && n == 3 && memcmp(old, "old", 3) == 0);
  free(old);
  XT_CHECK_INT(td_entries(&t), 2);
  CHECK_ST(xcli_npy_writer_commit(w, &err), XCLI_OK, err);
  XT_CHECK_INT(td_entries(&t), 1);
  xcli_npy npy;
  CHECK_ST(xcli_npy_open(&npy, path, &err), XCLI_OK, err);
  XT_CHECK(npy.numel == 6);
  xcli_npy_close(&npy);
  /* Abort leaves the old file too. */
  CHECK_ST(xcli_npy_writer_open(&w, path, XENT_F32, 0, NULL, &err), XCLI_OK, err);
  xcli_npy_writer_abort(w);
  CHECK_ST(xcli_npy_open(&npy, path, &err), XCLI_OK, err);
  XT_CHECK(npy.numel == 6 && npy.itemsize == 8);
  xcli_npy_close(&npy);
  xcli_npy_writer_abort(NULL);

  /* A directory in the way: the rename fails and the temporary file goes. */
  const char *dir = td_file(&t, "taken.npy");
  XT_CHECK(mkdir(dir, 0700) == 0);
  CHECK_ST(xcli_npy_writer_open(&w, dir, XENT_U8, 1, shape, &err), XCLI_OK, err);
  CHECK_ST(xcli_npy_writer_write(w, "ab", 2, &err), XCLI_OK, err);
  CHECK_ST(xcli_npy_writer_commit(w, &err), XCLI_ERR_IO, err);
  CHECK_MSG_HAS(err, "taken.npy: cannot move the finished file into place: ");
  XT_CHECK_INT(td_entries(&t), 2); /* out.npy and the directory */

  /* Nowhere to write, bf16, bad arguments. */
  const char *nowhere = td_file(&t, "no/such/dir.npy");
  CHECK_ST(xcli_npy_writer_open(&w, nowhere, XENT_F64, 2, shape, &err), XCLI_ERR_IO, err);
  snprintf(want, sizeof want, "%s: cannot create a temporary file beside it: No such file or "
           "directory", nowhere);
  CHECK_MSG(err, want);
  XT_CHECK(w == NULL);
  CHECK_ST(xcli_npy_writer_open(&w, path, XENT_BF16, 2, shape, &err), XCLI_ERR_UNSUPPORTED,
           err);
  CHECK_MSG_HAS(err, "bf16 cannot be stored in a .npy file");
  int64_t neg[1] = {-1};
  CHECK_ST(xcli_npy_writer_open(&w, path, XENT_F64, 1, neg, &err), XCLI_ERR_ARGUMENT, err);
  CHECK_ST(xcli_npy_writer_open(&w, path, XENT_F64, 9, shape, &err), XCLI_ERR_ARGUMENT, err);
  CHECK_ST(xcli_npy_writer_open(&w, "", XENT_F64, 1, shape, &err), XCLI_ERR_ARGUMENT, err);
  xent_tensor_t bad = xent_tensor_1d(NULL, XENT_F64, 3);
  CHECK_ST(xcli_npy_save(path, &bad, &err), XCLI_ERR_ARGUMENT, err);
  CHECK_MSG_HAS(err, "invalid tensor: ");
  XT_CHECK_INT(td_entries(&t), 2);
  td_remove(&t);
}

/* ---- CSV --------------------------------------------------------------------- */

/* Opens `text` in memory as "t.csv" and reads every row (at most 64 values). */
static xcli_status csv_all(const char *text, const xcli_csv_options *opts, double *out,
                           int64_t *rows, int64_t *cols, int64_t *lines, xcli_error *err) {
  xcli_csv *csv;
  *rows = 0;
  *cols = 0;
  xcli_status st = xcli_csv_open_memory(&csv, text, strlen(text), "t.csv", opts, err);
  if (st) return st;
  *cols = xcli_csv_columns(csv);
  int64_t got;
  do {
    st = xcli_csv_read(csv, out + *rows * *cols, 1, &got, lines ? lines + *rows : NULL, err);
    *rows += got;
  } while (!st && got > 0 && (*rows + 1) * *cols <= 64);
  xcli_csv_close(csv);
  return st;
}

void test_io_csv_reads_rows(void) {
  struct {
    const char *text;
    int64_t rows, cols;
    bool header;
    double values[8];
    int64_t lines[4];
  } cases[] = {
      {"a,b\n1,2\n3,4\n", 2, 2, true, {1, 2, 3, 4}, {2, 3}},
      {"1,2\n3,4", 2, 2, false, {1, 2, 3, 4}, {1, 2}},
      {"1,2\r\n3,4\r\n", 2, 2, false, {1, 2, 3, 4}, {1, 2}},
      {"1,2\r3,4\r", 2, 2, false, {1, 2, 3, 4}, {1, 2}},
      {"\xef\xbb\xbfx\n5\n", 1, 1, true, {5}, {2}},
      {"\n\nlabel\n\n0\r\n\r\n2\n\n", 2, 1, true, {0, 2}, {5, 7}},
      {"\"a,1\",\"b\"\"2\"\n\"1.5\", \"-2\" \n 3 ,\t4\t\n", 2, 2, true, {1.5, -2, 3, 4}, {2, 3}},
      {"\"multi\nline\",b\n1,2\n", 1, 2, true, {1, 2}, {3}},
      {"NaN,-inf\n+Infinity,1e-3\n", 2, 2, false, {NAN, -INFINITY, INFINITY, 1e-3}, {1, 2}},
      {"x\n", 0, 1, true, {0}, {0}},
      {"0\n", 1, 1, false, {0}, {1}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    double v[64];
    int64_t rows, cols, lines[64];
    xcli_error err;
    CHECK_ST(csv_all(cases[c].text, NULL, v, &rows, &cols, lines, &err), XCLI_OK, err);
    XT_CHECK_MSG(rows == cases[c].rows && cols == cases[c].cols,
                 "case %zu: %lld rows %lld cols", c, (long long)rows, (long long)cols);
    for (int64_t i = 0; i < rows * cols && rows == cases[c].rows; i++)
      XT_CHECK_MSG(xt_same_double(v[i], cases[c].values[i]), "case %zu [%lld] = %g", c,
                   (long long)i, v[i]);
    for (int64_t r = 0; r < rows && rows == cases[c].rows; r++)
      XT_CHECK_MSG(lines[r] == cases[c].lines[r], "case %zu row %lld on line %lld", c,
                   (long long)r, (long long)lines[r]);
  }
  /* Header names, row chunks, rows_read. */
  const char *text = "\"logit, 0\", logit1 ,\"\"\n1,2,3\n4,5,6\n7,8,9\n";
  xcli_csv *csv;
  xcli_error err;
  CHECK_ST(xcli_csv_open_memory(&csv, text, strlen(text), "h.csv", NULL, &err), XCLI_OK, err);
  XT_CHECK(xcli_csv_has_header(csv) && xcli_csv_columns(csv) == 3);
  XT_CHECK(strcmp(xcli_csv_column_name(csv, 0), "logit, 0") == 0);
  XT_CHECK(strcmp(xcli_csv_column_name(csv, 1), "logit1") == 0);
  XT_CHECK(strcmp(xcli_csv_column_name(csv, 2), "") == 0);
  XT_CHECK(xcli_csv_column_name(csv, 3) == NULL && xcli_csv_column_name(csv, -1) == NULL);
  XT_CHECK(strcmp(xcli_csv_name(csv), "h.csv") == 0);
  double v[6];
  int64_t rows, lines[2];
  CHECK_ST(xcli_csv_read(csv, v, 2, &rows, lines, &err), XCLI_OK, err);
  XT_CHECK(rows == 2 && v[0] == 1 && v[5] == 6 && lines[0] == 2 && lines[1] == 3);
  CHECK_ST(xcli_csv_read(csv, v, 2, &rows, NULL, &err), XCLI_OK, err);
  XT_CHECK(rows == 1 && v[0] == 7 && v[2] == 9);
  CHECK_ST(xcli_csv_read(csv, v, 2, &rows, NULL, &err), XCLI_OK, err);
  XT_CHECK(rows == 0 && xcli_csv_rows_read(csv) == 3);
  CHECK_ST(xcli_csv_read(csv, v, 0, &rows, NULL, &err), XCLI_ERR_ARGUMENT, err);
  xcli_csv_close(csv);
  xcli_csv_close(NULL);
}

void test_io_csv_number_grammar(void) {
  struct {
    const char *s;
    double v;
  } good[] = {
      {"0", 0}, {"-0", -0.0}, {"+1", 1}, {"1.", 1}, {".5", 0.5}, {"-.5e1", -5},
      {"0.1", 0.1}, {"1E+05", 1e5}, {"1e-5", 1e-5}, {"007", 7},
      {"2.2250738585072011e-308", 2.2250738585072011e-308},
      {"9007199254740993", 9007199254740992.0}, /* ties to even */
      {"4.9406564584124654e-324", 5e-324}, {"1e-400", 0}, {"1e999", INFINITY},
      {"-1e999", -INFINITY}, {"nan", NAN}, {"NaN", NAN}, {"-NAN", -NAN}, {"inf", INFINITY},
      {"-Inf", -INFINITY}, {"+INF", INFINITY}, {"infinity", INFINITY}, {"-InFiNiTy", -INFINITY},
      {"0.30000000000000004", 0.30000000000000004},
      {"123456789012345678901234567890", 123456789012345678901234567890.0},
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    double v = 42;
    XT_CHECK_MSG(xcli_csv_parse_number(good[i].s, strlen(good[i].s), &v), "'%s' rejected",
                 good[i].s);
    XT_CHECK_MSG(xt_same_double(v, good[i].v) || (isnan(v) && isnan(good[i].v)),
                 "'%s' = %.17g", good[i].s, v);
  }
  const char *bad[] = {"", " ", "-", "+", ".", "e5", "1e", "1e+", "1.2.3", "--1", "0x1p3",
                       "1,5", "1_000", "nan(1)", "infinit", "in", "1 2", " 1", "1 ", "1d5",
                       "١", "1e5.0", "+-1", "inf1", "0x10"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    double v;
    XT_CHECK_MSG(!xcli_csv_parse_number(bad[i], strlen(bad[i]), &v), "'%s' accepted", bad[i]);
  }
  /* The length bounds the text; what follows is not read. */
  double v;
  XT_CHECK(xcli_csv_parse_number("12345", 2, &v) && v == 12);
}

/* The exact fast path (Clinger) and the strtod fallback agree with strtod
 * (this process runs in the "C" locale) bit for bit, on random decimal text
 * around the fast path's limits (2^53, 10^22, 19 digits) and beyond. */
void test_io_csv_numbers_match_strtod(void) {
  xt_rng r = {20240611};
  const char *fixed[] = {"9007199254740992", "9007199254740993", "9007199254740994e-3",
                         "1e22", "1e23", "4503599627370497e22", "1e-22", "3e-23",
                         "1234567890123456789", "12345678901234567890", "0.000000000000000000001",
                         "1.7976931348623157e308", "1.7976931348623159e308",
                         "2.4703282292062327e-324", "2.4703282292062328e-324",
                         "00000000000000000000000123.4500000000000000000000000000",
                         "0.1e1", "100000000000000000000000e-23", ".0000000000000000000000000001e28"};
  char buf[64];
  for (int k = 0; k < 200000 + (int)(sizeof fixed / sizeof fixed[0]); k++) {
    const char *s = buf;
    if (k < (int)(sizeof fixed / sizeof fixed[0])) {
      s = fixed[k];
    } else {
      int digits = 1 + (int)(xt_next(&r) % 24), point = (int)(xt_next(&r) % (digits + 2));
      size_t n = 0;
      if (xt_next(&r) % 2) buf[n++] = '-';
      for (int d = 0; d < digits; d++) {
        if (d == point) buf[n++] = '.';
        buf[n++] = (char)('0' + (d == 0 && digits > 1 ? 1 + xt_next(&r) % 9 : xt_next(&r) % 10));
      }
      if (xt_next(&r) % 3)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "e%d", (int)(xt_next(&r) % 701) - 350);
      buf[n] = '\0';
    }
    double got = 0, want = strtod(s, NULL);
    bool ok = xcli_csv_parse_number(s, strlen(s), &got);
    if (!ok || !xt_same_double(got, want)) {
      xt_fail(__FILE__, __LINE__, "'%s' gave %.17g, strtod %.17g", s, got, want);
      break;
    }
  }
}

/* The number parser gives the same results under a locale whose decimal
 * point is a comma. The locale is built here (localedef, LC_NUMERIC only)
 * when the system has none installed. */
void test_io_csv_locale_independent(void) {
  tdir t;
  td_make(&t);
  const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "xx_XX"};
  bool active = false;
  char *saved_locpath = getenv("LOCPATH") ? strdup(getenv("LOCPATH")) : NULL;
  for (int i = 0; i < 4 && !active; i++) {
    if (i == 3) {
      const char *src = td_file(&t, "comma.src");
      const char *def = "LC_NUMERIC\ndecimal_point \",\"\nthousands_sep \".\"\n"
                        "grouping 3;3\nEND LC_NUMERIC\n";
      write_file(src, def, strlen(def));
      char cmd[1200];
      snprintf(cmd, sizeof cmd, "localedef -c -i '%s' -f ANSI_X3.4-1968 '%s' >/dev/null 2>&1",
               src, td_file(&t, "xx_XX"));
      if (system(cmd) == -1) break;
      setenv("LOCPATH", t.path, 1);
    }
    active = setlocale(LC_NUMERIC, names[i]) != NULL;
  }
  if (active && strtod("1.5", NULL) == 1.5) active = false; /* not a comma locale */
  if (!active) {
    printf("     (locale test skipped: no comma-decimal locale and no localedef)\n");
  } else {
    double v[64];
    int64_t rows, cols;
    xcli_error err;
    CHECK_ST(csv_all("a,b\n1.5,-2.25e1\n0.1,3\n", NULL, v, &rows, &cols, NULL, &err), XCLI_OK,
             err);
    XT_CHECK(rows == 2 && v[0] == 1.5 && v[1] == -22.5 && v[2] == 0.1 && v[3] == 3);
    CHECK_ST(csv_all("1,5\n", NULL, v, &rows, &cols, NULL, &err), XCLI_OK, err);
    XT_CHECK(cols == 2 && v[0] == 1 && v[1] == 5); /* a comma is always a delimiter */
    XT_CHECK(xcli_csv_parse_number("0.1", 3, &v[0]) && v[0] == 0.1);
    XT_CHECK(!xcli_csv_parse_number("0,1", 3, &v[0]));
    XT_CHECK(strtod("1.5", NULL) == 1.0); /* the locale is still in force here */
  }
  setlocale(LC_NUMERIC, "C");
  if (saved_locpath) setenv("LOCPATH", saved_locpath, 1);
  else unsetenv("LOCPATH");
  free(saved_locpath);
  td_remove(&t);
}

void test_io_csv_header_modes(void) {
  double v[64];
  int64_t rows, cols;
  xcli_error err;
  xcli_csv_options yes = {',', XCLI_CSV_HEADER_YES}, no = {',', XCLI_CSV_HEADER_NO};
  /* Numeric column names need YES. */
  CHECK_ST(csv_all("0,1,2\n5,6,7\n", &yes, v, &rows, &cols, NULL, &err), XCLI_OK, err);
  XT_CHECK(rows == 1 && cols == 3 && v[0] == 5);
  CHECK_ST(csv_all("0,1,2\n5,6,7\n", NULL, v, &rows, &cols, NULL, &err), XCLI_OK, err);
  XT_CHECK(rows == 2);
  CHECK_ST(csv_all("a,b\n1,2\n", &no, v, &rows, &cols, NULL, &err), XCLI_ERR_FORMAT, err);
  CHECK_MSG(err, "t.csv:1:1: expected a number, found 'a'");
  /* A first row mixing numbers and text is bad data, not a header. */
  CHECK_ST(csv_all("1,abc\n2,3\n", NULL, v, &rows, &cols, NULL, &err), XCLI_ERR_FORMAT, err);
  CHECK_MSG(err, "t.csv:1:2: expected a number, found 'abc' (other fields of this first row "
            "are numbers, so it was not taken for a header)");
  /* A header alone: no rows. */
  CHECK_ST(csv_all("a,b\n", &yes, v, &rows, &cols, NULL, &err), XCLI_OK, err);
  XT_CHECK(rows == 0 && cols == 2);
  /* Delimiters. */
  xcli_csv_options semi = {';', XCLI_CSV_HEADER_AUTO}, tab = {'\t', XCLI_CSV_HEADER_AUTO};
  CHECK_ST(csv_all("a;b\n1,5;2\n", &semi, v, &rows, &cols, NULL, &err), XCLI_ERR_FORMAT, err);
  CHECK_MSG(err, "t.csv:2:1: expected a number, found '1,5'");
  CHECK_ST(csv_all("a;b\n\"1\";2.5\n", &semi, v, &rows, &cols, NULL, &err), XCLI_OK, err);
  XT_CHECK(rows == 1 && cols == 2 && v[1] == 2.5);
  CHECK_ST(csv_all("a\tb\n 1\t2 \n", &tab, v, &rows, &cols, NULL, &err), XCLI_OK, err);
  XT_CHECK(rows == 1 && v[0] == 1 && v[1] == 2);
  CHECK_ST(csv_all("a\tb\tc\n1\t\t2\n", &tab, v, &rows, &cols, NULL, &err), XCLI_ERR_FORMAT,
           err);
  CHECK_MSG(err, "t.csv:2:2: expected a number, found an empty field");
  xcli_csv_options bad = {'"', XCLI_CSV_HEADER_AUTO};
  CHECK_ST(csv_all("1\n", &bad, v, &rows, &cols, NULL, &err), XCLI_ERR_ARGUMENT, err);
  bad.delimiter = '\n';
  CHECK_ST(csv_all("1\n", &bad, v, &rows, &cols, NULL, &err), XCLI_ERR_ARGUMENT, err);
  bad.delimiter = ',';
  bad.header = (xcli_csv_header_mode)7;
  CHECK_ST(csv_all("1\n", &bad, v, &rows, &cols, NULL, &err), XCLI_ERR_ARGUMENT, err);
}

void test_io_csv_rejects_malformed(void) {
  struct {
    const char *text, *message;
  } cases[] = {
      {"", "t.csv: empty file"},
      {"\n\r\n\n", "t.csv: no rows: the file has only empty lines"},
      {"a,b,c\n1,2,3\n4,5\n", "t.csv:3: row has 2 fields, expected 3 (as on line 1)"},
      {"a,b,c\n1,2,3\n4,5,6,7\n", "t.csv:3: row has 4 fields, expected 3 (as on line 1)"},
      {"\n\na,b\n1\n", "t.csv:4: row has 1 field, expected 2 (as on line 3)"},
      {"1,2\n3,4,\n", "t.csv:2: row has 3 fields, expected 2 (as on line 1)"},
      {"a,b\n1,\"2\n3\n", "t.csv:2:2: unterminated quoted field (its quote opens here)"},
      {"\"a", "t.csv:1:1: unterminated quoted field (its quote opens here)"},
      {"ab\"c,1\n", "t.csv:1:1: quote inside an unquoted field (quote the whole field and "
                    "double the quotes inside it)"},
      {"a,b\n\"1\"x,2\n", "t.csv:2:1: unexpected 'x' after the closing quote of a field"},
      {"a,b\n1,\n", "t.csv:2:2: expected a number, found an empty field"},
      {"a\n  \n", "t.csv:2:1: expected a number, found an empty field"},
      {"a,b\n1,\"\"\n", "t.csv:2:2: expected a number, found an empty field"},
      {"\"x\ny\",b\n1,z\n", "t.csv:3:2: expected a number, found 'z'"},
      {"a\r\n1\r\nx\r\n", "t.csv:3:1: expected a number, found 'x'"},
      {"1\r2\rx", "t.csv:3:1: expected a number, found 'x'"},
      {"a\n\"1\n\n2\"\n", "t.csv:2:1: expected a number, found '1\\n\\n2'"},
      {"a\n1\x00\n", "t.csv:2:1: expected a number, found '1\\x00'"},
      {"a\n0x10\n", "t.csv:2:1: expected a number, found '0x10'"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    double v[64];
    int64_t rows, cols;
    xcli_error err = {XCLI_OK, ""};
    /* strlen stops at the NUL of one case: give its length explicitly. */
    size_t len = strlen(cases[c].text);
    if (c == 17) len = 5;
    xcli_csv *csv;
    xcli_status st = xcli_csv_open_memory(&csv, cases[c].text, len, "t.csv", NULL, &err);
    int64_t got = 1;
    while (st == XCLI_OK && got > 0) {
      cols = xcli_csv_columns(csv);
      st = xcli_csv_read(csv, v, 64 / cols, &rows, NULL, &err);
      got = rows;
    }
    if (st == XCLI_OK) xcli_csv_close(csv);
    XT_CHECK_MSG(st == XCLI_ERR_FORMAT, "case %zu: %s", c, xcli_status_name(st));
    XT_CHECK_MSG(strcmp(err.message, cases[c].message) == 0, "case %zu: '%s', expected '%s'",
                 c, err.message, cases[c].message);
    XT_CHECK(one_line(&err));
    if (st != XCLI_OK && csv) {
      /* The error repeats. */
      xcli_error again;
      XT_CHECK(xcli_csv_read(csv, v, 1, &rows, NULL, &again) == st && rows == 0 &&
               strcmp(again.message, err.message) == 0);
      xcli_csv_close(csv);
    }
  }
  /* Line 17, column 3, as in the issue. */
  char text[512] = "a,b,c\n";
  for (int i = 2; i < 17; i++) strcat(text, "1,2,3\n");
  strcat(text, "1,2,abc\n");
  double v[64];
  int64_t rows, cols;
  xcli_error err;
  xcli_csv *csv;
  CHECK_ST(xcli_csv_open_memory(&csv, text, strlen(text), "labels.csv", NULL, &err), XCLI_OK,
           err);
  CHECK_ST(xcli_csv_read(csv, v, 20, &rows, NULL, &err), XCLI_ERR_FORMAT, err);
  CHECK_MSG(err, "labels.csv:17:3: expected a number, found 'abc'");
  xcli_csv_close(csv);
  /* Over-long fields and rows. */
  char *longf = malloc(3000);
  memset(longf, '1', 2000);
  memcpy(longf, "a\n", 2);
  longf[2000] = '\0';
  CHECK_ST(csv_all(longf, NULL, v, &rows, &cols, NULL, &err), XCLI_ERR_FORMAT, err);
  CHECK_MSG(err, "t.csv:2:1: field is longer than 1024 bytes");
  free(longf);
  (void)rows;
}

/* Reading a file through the 64 KiB window gives what reading it whole in
 * memory gives, with CRLFs, quotes and fields across window boundaries. */
void test_io_csv_streams_in_chunks(void) {
  tdir t;
  td_make(&t);
  const int n = 30000;
  size_t cap = (size_t)n * 40 + 100, len = 0;
  char *text = malloc(cap);
  len += (size_t)snprintf(text, cap, "\"first\ncolumn\",second\r\n");
  for (int k = 0; k < n; k++) {
    const char *pad = "      " + (6 - k % 7);
    if (k % 3 == 0)
      len += (size_t)snprintf(text + len, cap - len, "%s\"%g\"%s,%d%s", pad, k * 0.5, pad, -k,
                              k % 2 ? "\r\n" : "\n");
    else
      len += (size_t)snprintf(text + len, cap - len, "%g,%s%d%s", k * 0.5, pad, -k,
                              k % 2 ? "\r\n" : "\n");
    if (k % 1000 == 999) len += (size_t)snprintf(text + len, cap - len, "\n");
  }
  const char *path = td_file(&t, "big.csv");
  write_file(path, text, len);
  XT_CHECK(len > 4 * (1 << 16));
  xcli_csv *a, *b;
  xcli_error err = {XCLI_OK, ""};
  CHECK_ST(xcli_csv_open(&a, path, NULL, &err), XCLI_OK, err);
  CHECK_ST(xcli_csv_open_memory(&b, text, len, path, NULL, &err), XCLI_OK, err);
  if (a && b) {
    XT_CHECK(xcli_csv_has_header(a) && xcli_csv_columns(a) == 2);
    XT_CHECK(strcmp(xcli_csv_column_name(a, 0), "first\ncolumn") == 0);
    enum { CHUNK = 777 };
    double va[2 * CHUNK], vb[2 * CHUNK];
    int64_t la[CHUNK], lb[CHUNK], ra, rb, k = 0;
    int64_t line = 3; /* the header takes lines 1 and 2 */
    do {
      CHECK_ST(xcli_csv_read(a, va, CHUNK, &ra, la, &err), XCLI_OK, err);
      CHECK_ST(xcli_csv_read(b, vb, CHUNK, &rb, lb, &err), XCLI_OK, err);
      XT_CHECK(ra == rb);
      for (int64_t r = 0; r < ra && ra == rb; r++, k++) {
        if (va[2 * r] != k * 0.5 || va[2 * r + 1] != -k || la[r] != line ||
            vb[2 * r] != va[2 * r] || vb[2 * r + 1] != va[2 * r + 1] || lb[r] != la[r]) {
          xt_fail(__FILE__, __LINE__, "row %lld: %g %g on line %lld", (long long)k, va[2 * r],
                  va[2 * r + 1], (long long)la[r]);
          break;
        }
        line += k % 1000 == 999 ? 2 : 1;
      }
    } while (ra > 0 && !err.status);
    XT_CHECK_INT(k, n);
    XT_CHECK_INT(xcli_csv_rows_read(a), n);
  }
  xcli_csv_close(a);
  xcli_csv_close(b);
  free(text);
  td_remove(&t);
}

/* ---- shared -------------------------------------------------------------- */

void test_io_label_shapes(void) {
  int64_t logits[3] = {4, 7, 3};
  int64_t sparse[2] = {4, 7}, dense[3] = {4, 7, 3}, bad[2] = {4, 3};
  xcli_label_kind kind;
  xcli_error err;
  CHECK_ST(xcli_check_label_shape("l.npy", 3, logits, "y.npy", 2, sparse, &kind, &err),
           XCLI_OK, err);
  XT_CHECK(kind == XCLI_LABELS_SPARSE);
  CHECK_ST(xcli_check_label_shape("l.npy", 3, logits, "y.npy", 3, dense, &kind, &err),
           XCLI_OK, err);
  XT_CHECK(kind == XCLI_LABELS_DENSE);
  CHECK_ST(xcli_check_label_shape("l.npy", 3, logits, "y.npy", 2, bad, &kind, &err),
           XCLI_ERR_SHAPE, err);
  CHECK_MSG(err, "y.npy: shape (4, 3) does not fit l.npy's shape (4, 7, 3): expected (4, 7) "
            "(class indices) or (4, 7, 3) (one value per class)");
  int64_t l2[2] = {5, 3}, y1[1] = {4};
  CHECK_ST(xcli_check_label_shape("logits.npy", 2, l2, "labels.csv", 1, y1, &kind, &err),
           XCLI_ERR_SHAPE, err);
  CHECK_MSG(err, "labels.csv: shape (4,) does not fit logits.npy's shape (5, 3): expected "
            "(5,) (class indices) or (5, 3) (one value per class)");
  int64_t one[2] = {5, 1}, y5[1] = {5};
  CHECK_ST(xcli_check_label_shape("l", 2, one, "y", 2, one, &kind, &err), XCLI_OK, err);
  XT_CHECK(kind == XCLI_LABELS_DENSE);
  CHECK_ST(xcli_check_label_shape("l", 2, one, "y", 1, y5, &kind, &err), XCLI_OK, err);
  XT_CHECK(kind == XCLI_LABELS_SPARSE);
  CHECK_ST(xcli_check_label_shape("l", 0, one, "y", 0, one, &kind, &err), XCLI_ERR_SHAPE, err);
  CHECK_MSG(err, "l: has shape () but model outputs need a class axis");
}

void test_io_messages_are_one_line(void) {
  char q[64];
  XT_CHECK(strcmp(xcli_quote(q, sizeof q, "a'b\\\n\t\r\x01\xc3\xa9", 10),
                  "'a'b\\\\\\n\\t\\r\\x01\\xc3\\xa9'") == 0);
  XT_CHECK(strcmp(xcli_quote(q, sizeof q, "0123456789012345678901234567890123456789xyz", 43),
                  "'0123456789012345678901234567890123456789'...") == 0);
  char tiny[12];
  xcli_quote(tiny, sizeof tiny, "\x01\x02\x03\x04", 4);
  XT_CHECK(strlen(tiny) < sizeof tiny && strstr(tiny, "...") != NULL);
  xcli_error err;
  XT_CHECK(xcli_fail(&err, XCLI_ERR_IO, "a\nb", "x\ty %d", 5) == XCLI_ERR_IO);
  CHECK_MSG(err, "a b: x y 5");
  XT_CHECK(xcli_fail(NULL, XCLI_ERR_VALUE, "n", "m") == XCLI_ERR_VALUE);
  char s[64];
  int64_t shape[3] = {4, 0, 2};
  XT_CHECK(strcmp(xcli_shape_str(s, sizeof s, 0, shape), "()") == 0);
  XT_CHECK(strcmp(xcli_shape_str(s, sizeof s, 1, shape), "(4,)") == 0);
  XT_CHECK(strcmp(xcli_shape_str(s, sizeof s, 3, shape), "(4, 0, 2)") == 0);
  const xcli_status all[] = {XCLI_OK, XCLI_ERR_IO, XCLI_ERR_FORMAT, XCLI_ERR_UNSUPPORTED,
                             XCLI_ERR_SHAPE, XCLI_ERR_VALUE, XCLI_ERR_ARGUMENT, XCLI_ERR_NOMEM};
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < i; j++)
      XT_CHECK(strcmp(xcli_status_name(all[i]), xcli_status_name(all[j])) != 0);
  XT_CHECK(strcmp(xcli_status_name((xcli_status)99), "XCLI_ERR_UNKNOWN") == 0);
}

/* Every seed-corpus file (and every crasher the fuzzer found, kept there)
 * through the same bodies the fuzz targets run. */
static int run_corpus(const char *sub, int (*body)(const uint8_t *, size_t)) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s/%s", XT_FUZZ_CORPUS_DIR, sub);
  DIR *d = opendir(dir);
  XT_CHECK_MSG(d != NULL, "cannot open %s", dir);
  if (!d) return 0;
  int files = 0;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    size_t n = 0;
    unsigned char *p = read_file(path, &n);
    if (!p) continue;
    body(p, n); /* aborts on a broken promise; ASan/UBSan report the rest */
    free(p);
    files++;
  }
  closedir(d);
  return files;
}

void test_io_fuzz_corpus(void) {
  XT_CHECK(run_corpus("npy", xcli_fuzz_npy_one) >= 20);
  XT_CHECK(run_corpus("csv", xcli_fuzz_csv_one) >= 15);
}
