/* The xent command-line tool (cli/), run as a separate process exactly as a
 * person runs it: exit codes, stdout, stderr, the files it writes.
 *
 * Expected values come from tests/data/cli/expected.txt (NumPy and
 * scikit-learn, tests/data/cli/generate_cli.py), from closed forms on inputs
 * built here, and, for the JSON round trip, from xent's own API called on the
 * same data in this process (the check there is that the text read back is
 * the same double). The SVG plots and the JSON are also checked by Python's
 * xml.etree and json modules when python3 is available. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, fork, wait4, mkfifo */
#define _DEFAULT_SOURCE         /* wait4 */

#include "harness.h"
#include "io/npy.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef XT_CLI_PATH
#define XT_CLI_PATH "cli/xent"
#endif
#ifndef XT_CLI_DATA_DIR
#define XT_CLI_DATA_DIR "tests/data/cli"
#endif

#if defined(__SANITIZE_ADDRESS__)
#define XT_CLI_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XT_CLI_SANITIZED 1
#endif
#endif
#ifndef XT_CLI_SANITIZED
#define XT_CLI_SANITIZED 0
#endif

/* ---- a scratch directory ---- */

typedef struct tdir {
  char path[256];
} tdir;

static void td_make(tdir *t) {
  const char *base = getenv("TMPDIR");
  snprintf(t->path, sizeof t->path, "%s/xent_cli_XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(t->path)) {
    xt_fail(__FILE__, __LINE__, "mkdtemp(%s): %s", t->path, strerror(errno));
    strcpy(t->path, "/tmp");
  }
}

static const char *td_file(const tdir *t, const char *name) {
  static char bufs[8][600];
  static int next;
  char *b = bufs[next++ % 8];
  snprintf(b, sizeof bufs[0], "%s/%s", t->path, name);
  return b;
}

static void remove_tree(const char *path) {
  DIR *d = opendir(path);
  if (d) {
    for (struct dirent *e; (e = readdir(d));) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      char p[1024];
      snprintf(p, sizeof p, "%s/%s", path, e->d_name);
      struct stat st;
      if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
        remove_tree(p);
      else
        unlink(p);
    }
    closedir(d);
  }
  rmdir(path);
}

/* Entries of a directory (-1 if it does not exist). */
static int entries(const char *path) {
  DIR *d = opendir(path);
  if (!d) return -1;
  int n = 0;
  for (struct dirent *e; (e = readdir(d));)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  closedir(d);
  return n;
}

static void write_text(const char *path, const char *text, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) {
    xt_fail(__FILE__, __LINE__, "cannot create %s", path);
    return;
  }
  if (n && fwrite(text, 1, n, f) != n) xt_fail(__FILE__, __LINE__, "cannot write %s", path);
  fclose(f);
}

static char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *p = malloc((size_t)(n > 0 ? n : 0) + 1);
  size_t got = n > 0 ? fread(p, 1, (size_t)n, f) : 0;
  p[got] = '\0';
  fclose(f);
  return p;
}

/* A 2-D (cols > 0) or 1-D (cols == 0) array as .npy. */
static void save(const tdir *t, const char *name, xent_dtype_t dtype, int64_t rows, int64_t cols,
                 const void *data) {
  xent_tensor_t v = cols > 0 ? xent_tensor_2d((void *)data, dtype, rows, cols)
                             : xent_tensor_1d((void *)data, dtype, rows);
  xcli_error err;
  if (xcli_npy_save(td_file(t, name), &v, &err) != XCLI_OK)
    xt_fail(__FILE__, __LINE__, "saving %s: %s", name, err.message);
}

/* ---- running the tool ---- */

typedef struct run {
  int code;       /* exit status; 128 + signal; -1 if it could not run */
  long maxrss;    /* KiB */
  char *out, *err;
} run;

static void run_free(run *r) {
  free(r->out);
  free(r->err);
  r->out = r->err = NULL;
}

/* Runs `xent ARGS...` (NULL-terminated), capturing stdout and stderr. */
static run xent_v(char *const *args) {
  run r = {-1, 0, NULL, NULL};
  char out[] = "/tmp/xent_cli_out_XXXXXX", err[] = "/tmp/xent_cli_err_XXXXXX";
  int fo = mkstemp(out), fe = mkstemp(err);
  if (fo < 0 || fe < 0) {
    xt_fail(__FILE__, __LINE__, "mkstemp: %s", strerror(errno));
    return r;
  }
  char *argv[64];
  int n = 0;
  argv[n++] = "xent";
  for (int i = 0; args[i] && n < 63; i++) argv[n++] = args[i];
  argv[n] = NULL;
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fo, STDOUT_FILENO);
    dup2(fe, STDERR_FILENO);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    execv(XT_CLI_PATH, argv);
    _exit(127);
  }
  int status = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  if (pid > 0 && wait4(pid, &status, 0, &ru) == pid) {
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.maxrss = ru.ru_maxrss;
  }
  close(fo);
  close(fe);
  r.out = read_text(out);
  r.err = read_text(err);
  unlink(out);
  unlink(err);
  if (!r.out) r.out = calloc(1, 1);
  if (!r.err) r.err = calloc(1, 1);
  return r;
}

#define XENT(...) xent_v((char *const[]){__VA_ARGS__, NULL})

/* The tool cannot run here (a cross build under an emulator without binfmt):
 * the CLI tests say so once and check nothing. */
static bool cli_missing(void) {
  static int state = -1;
  if (state < 0) {
    run r = XENT("version");
    state = r.code == 0 && strstr(r.out, xent_version()) ? 0 : 1;
    if (state) printf("  (the xent tool at %s cannot be run here: CLI tests skipped)\n", XT_CLI_PATH);
    run_free(&r);
  }
  return state == 1;
}

static bool one_line(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || s[n - 1] != '\n') return false;
  return memchr(s, '\n', n - 1) == NULL;
}

/* stderr is exactly one line "xent: <name>..." */
#define CHECK_ERROR_LINE(r, name)                                                        \
  XT_CHECK_MSG(one_line((r).err) && !strncmp((r).err, "xent: ", 6) &&                    \
                   strstr((r).err, (name)) != NULL,                                      \
               "stderr '%s' is not one line 'xent: ...' naming %s", (r).err, (name))

/* ---- a small strict JSON parser (RFC 8259) ---- */

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jv {
  jtype type;
  double num;
  bool b;
  char *str;
  struct jv *items; /* array elements or object values */
  char **keys;
  int n;
} jv;

typedef struct jparser {
  const char *p;
  bool ok;
} jparser;

static void jskip(jparser *j) {
  while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r') j->p++;
}

static char *jstring(jparser *j) {
  if (*j->p != '"') {
    j->ok = false;
    return NULL;
  }
  j->p++;
  size_t cap = 16, n = 0;
  char *s = malloc(cap);
  while (j->ok && *j->p != '"') {
    unsigned char c = (unsigned char)*j->p;
    if (c == '\0' || c < 0x20) {
      j->ok = false;
      break;
    }
    if (n + 8 > cap) s = realloc(s, cap *= 2);
    if (c == '\\') {
      char e = j->p[1];
      j->p += 2;
      if (e == 'u') {
        for (int i = 0; i < 4; i++)
          if (!isxdigit((unsigned char)j->p[i])) j->ok = false;
        s[n++] = '?';
        j->p += 4;
      } else if (strchr("\"\\/bfnrt", e) && e) {
        s[n++] = e == 'n' ? '\n' : e == 't' ? '\t' : e;
      } else {
        j->ok = false;
      }
    } else {
      s[n++] = (char)c;
      j->p++;
    }
  }
  if (*j->p == '"') j->p++;
  s[n] = '\0';
  return s;
}

static void jvalue(jparser *j, jv *v, int depth);

static void jnumber(jparser *j, jv *v) {
  const char *s = j->p;
  if (*s == '-') s++;
  if (*s == '0')
    s++;
  else if (isdigit((unsigned char)*s))
    while (isdigit((unsigned char)*s)) s++;
  else
    j->ok = false;
  if (*s == '.') {
    s++;
    if (!isdigit((unsigned char)*s)) j->ok = false;
    while (isdigit((unsigned char)*s)) s++;
  }
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '+' || *s == '-') s++;
    if (!isdigit((unsigned char)*s)) j->ok = false;
    while (isdigit((unsigned char)*s)) s++;
  }
  v->type = J_NUM;
  v->num = strtod(j->p, NULL);
  j->p = s;
}

static void jvalue(jparser *j, jv *v, int depth) {
  memset(v, 0, sizeof *v);
  jskip(j);
  if (depth > 64) j->ok = false;
  if (!j->ok) return;
  char c = *j->p;
  if (c == '{' || c == '[') {
    v->type = c == '{' ? J_OBJ : J_ARR;
    j->p++;
    jskip(j);
    if (*j->p == (c == '{' ? '}' : ']')) {
      j->p++;
      return;
    }
    for (;;) {
      v->items = realloc(v->items, (size_t)(v->n + 1) * sizeof *v->items);
      v->keys = realloc(v->keys, (size_t)(v->n + 1) * sizeof *v->keys);
      v->keys[v->n] = NULL;
      if (c == '{') {
        jskip(j);
        v->keys[v->n] = jstring(j);
        jskip(j);
        if (*j->p != ':') j->ok = false;
        j->p++;
      }
      jvalue(j, &v->items[v->n], depth + 1);
      v->n++;
      jskip(j);
      if (!j->ok) return;
      if (*j->p == ',') {
        j->p++;
        continue;
      }
      if (*j->p == (c == '{' ? '}' : ']')) {
        j->p++;
        return;
      }
      j->ok = false;
      return;
    }
  }
  if (c == '"') {
    v->type = J_STR;
    v->str = jstring(j);
  } else if (!strncmp(j->p, "true", 4) || !strncmp(j->p, "false", 5)) {
    v->type = J_BOOL;
    v->b = c == 't';
    j->p += v->b ? 4 : 5;
  } else if (!strncmp(j->p, "null", 4)) {
    v->type = J_NULL;
    j->p += 4;
  } else {
    jnumber(j, v);
  }
}

static void jfree(jv *v) {
  for (int i = 0; i < v->n; i++) {
    jfree(&v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->str);
  memset(v, 0, sizeof *v);
}

/* Parses a whole document; false (and a failure) if it is not valid JSON. */
static bool jparse(const char *text, jv *v) {
  jparser j = {text, true};
  jvalue(&j, v, 0);
  jskip(&j);
  if (!j.ok || *j.p != '\0') {
    xt_fail(__FILE__, __LINE__, "invalid JSON near offset %ld: '%.40s'", (long)(j.p - text), j.p);
    jfree(v);
    return false;
  }
  return true;
}

/* The value at "a.b[2].c", or NULL. */
static const jv *jat(const jv *root, const char *path) {
  const jv *v = root;
  const char *p = path;
  while (v && *p) {
    if (*p == '.') p++;
    if (*p == '[') {
      int i = atoi(p + 1);
      if (v->type != J_ARR || i < 0 || i >= v->n) return NULL;
      v = &v->items[i];
      p = strchr(p, ']');
      if (!p) return NULL;
      p++;
      continue;
    }
    size_t n = strcspn(p, ".[");
    const jv *next = NULL;
    if (v->type == J_OBJ)
      for (int i = 0; i < v->n; i++)
        if (strlen(v->keys[i]) == n && !strncmp(v->keys[i], p, n)) next = &v->items[i];
    v = next;
    p += n;
  }
  return v;
}

static double jnum(const jv *root, const char *path) {
  const jv *v = jat(root, path);
  return v && v->type == J_NUM ? v->num : NAN;
}

static const char *jstr(const jv *root, const char *path) {
  const jv *v = jat(root, path);
  return v && v->type == J_STR ? v->str : "";
}

#define CHECK_JSTR(root, path, want)                                                  \
  XT_CHECK_MSG(!strcmp(jstr(root, path), want), "%s = '%s', expected '%s'", path,      \
               jstr(root, path), want)

/* Runs xent with the arguments, expects exit code 0 and parses stdout. */
static bool eval_json(jv *doc, char *const *args, int expected_code) {
  run r = xent_v(args);
  bool ok = r.code == expected_code;
  if (!ok)
    xt_fail(__FILE__, __LINE__, "xent %s %s exited with %d (stderr: %s)", args[0], args[1],
            r.code, r.err);
  ok = ok && jparse(r.out, doc);
  run_free(&r);
  return ok;
}

static bool has_python(void) {
  static int state = -1;
  if (state < 0) state = system("python3 -c 'import json, xml.etree.ElementTree' >/dev/null 2>&1") == 0;
  return state == 1;
}

/* ---- data ---- */

static double normal(xt_rng *g, double sd) { return sd * xt_normal(g); }

/* (n, c) logits with the label's logit raised by `margin`; labels 0..c-1 cycling
 * through every class. */
static void make_logits(xt_rng *g, int64_t n, int64_t c, double margin, double *x, int64_t *y) {
  for (int64_t i = 0; i < n; i++) {
    y[i] = (i * 7 + (int64_t)(xt_next(g) % 3)) % c;
    for (int64_t k = 0; k < c; k++) x[i * c + k] = normal(g, 1.5) + (k == y[i] ? margin : 0);
  }
}

/* ---- usage, help and exit codes ---- */

void test_cli_usage_and_exit_codes(void) {
  if (cli_missing()) return;
  run r = XENT("version");
  XT_CHECK_INT(r.code, 0);
  XT_CHECK(strstr(r.out, xent_version()) != NULL);
  run_free(&r);
  r = XENT("help");
  XT_CHECK_INT(r.code, 0);
  XT_CHECK(strstr(r.out, "exit codes") && strstr(r.out, "doctor"));
  run_free(&r);
  r = XENT("help", "eval");
  XT_CHECK(r.code == 0 && strstr(r.out, "--plots"));
  run_free(&r);
  r = XENT("doctor", "--help");
  XT_CHECK(r.code == 0 && strstr(r.out, "--activation"));
  run_free(&r);
  r = XENT("losses");
  XT_CHECK(r.code == 0 && strstr(r.out, "tf.nn.sigmoid_cross_entropy_with_logits"));
  run_free(&r);
  /* usage errors: exit 2 and one line */
  const char *bad[][6] = {
      {"frobnicate", NULL},
      {"eval", "only_one.npy", NULL},
      {"eval", "a.npy", "b.npy", "c.npy", NULL},
      {"eval", "a.npy", "b.npy", "--no-such-option", NULL},
      {"eval", "a.npy", "b.npy", "--threshold", "1.5", NULL},
      {"eval", "a.npy", "b.npy", "--outputs", "maybe", NULL},
      {"eval", "a.npy", "b.npy", "--top-k", "0", NULL},
      {"eval", "a.npy", "b.npy", "--loss", "no_such_loss", NULL},
      {"doctor", "a.npy", "b.npy", "--activation", "tanhh", NULL},
      {"eval", "a.npy", "b.npy", "--bins", NULL},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    run b = xent_v((char *const *)bad[i]);
    XT_CHECK_MSG(b.code == 2, "case %zu: exit %d, expected 2", i, b.code);
    XT_CHECK_MSG(one_line(b.err) && !strncmp(b.err, "xent: ", 6), "case %zu: stderr '%s'", i,
                 b.err);
    XT_CHECK(b.out[0] == '\0');
    run_free(&b);
  }
  r = xent_v((char *const[]){NULL});
  XT_CHECK_INT(r.code, 2);
  run_free(&r);
}

/* ---- detection ---- */

typedef struct detect_case {
  const char *what;
  const char *outputs, *activation, *labels, *task;
} detect_case;

static void check_detected(const jv *doc, const detect_case *c) {
  XT_CHECK_MSG(!strcmp(jstr(doc, "detected.outputs.kind"), c->outputs),
               "%s: outputs '%s', expected '%s'", c->what, jstr(doc, "detected.outputs.kind"),
               c->outputs);
  if (c->activation)
    XT_CHECK_MSG(!strcmp(jstr(doc, "detected.outputs.activation"), c->activation),
                 "%s: activation '%s', expected '%s'", c->what,
                 jstr(doc, "detected.outputs.activation"), c->activation);
  XT_CHECK_MSG(!strcmp(jstr(doc, "detected.labels.kind"), c->labels),
               "%s: labels '%s', expected '%s'", c->what, jstr(doc, "detected.labels.kind"),
               c->labels);
  XT_CHECK_MSG(!strcmp(jstr(doc, "detected.task.kind"), c->task), "%s: task '%s', expected '%s'",
               c->what, jstr(doc, "detected.task.kind"), c->task);
}

void test_cli_detects_outputs(void) {
  if (cli_missing()) return;
  tdir t;
  td_make(&t);
  xt_rng g = {11};
  enum { N = 60, C = 4 };
  double x[N * C], p[N * C], lp[N * C], s[N * C];
  int64_t y[N];
  make_logits(&g, N, C, 2.0, x, y);
  xent_tensor_t tx = xent_tensor_2d(x, XENT_F64, N, C), tp = xent_tensor_2d(p, XENT_F64, N, C);
  xent_tensor_t tl = xent_tensor_2d(lp, XENT_F64, N, C), ts = xent_tensor_2d(s, XENT_F64, N, C);
  XT_OK(xent_softmax(&tx, -1, &tp));
  XT_OK(xent_log_softmax(&tx, -1, &tl));
  XT_OK(xent_sigmoid(&tx, &ts));
  save(&t, "logits.npy", XENT_F64, N, C, x);
  save(&t, "softmax.npy", XENT_F64, N, C, p);
  save(&t, "logsoftmax.npy", XENT_F64, N, C, lp);
  save(&t, "sigmoid.npy", XENT_F64, N, C, s);
  save(&t, "labels.npy", XENT_I64, N, 0, y);
  float pf[N * C];
  for (int i = 0; i < N * C; i++) pf[i] = (float)p[i];
  save(&t, "softmax32.npy", XENT_F32, N, C, pf);
  const struct {
    const char *file;
    detect_case c;
  } cases[] = {
      {"logits.npy", {"logits", "logits", "none", "indices", "multiclass"}},
      {"softmax.npy", {"softmax", "probabilities", "softmax", "indices", "multiclass"}},
      {"softmax32.npy", {"f32 softmax", "probabilities", "softmax", "indices", "multiclass"}},
      {"logsoftmax.npy", {"log_softmax", "log-probabilities", "log_softmax", "indices", "multiclass"}},
      {"sigmoid.npy", {"sigmoid", "probabilities", "sigmoid", "indices", "multiclass"}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    jv doc;
    char o[600], l[600];
    snprintf(o, sizeof o, "%s", td_file(&t, cases[i].file));
    snprintf(l, sizeof l, "%s", td_file(&t, "labels.npy"));
    if (!eval_json(&doc, (char *const[]){"eval", o, l, "--json", NULL}, 0)) continue;
    check_detected(&doc, &cases[i].c);
    XT_CHECK(jat(&doc, "detected.outputs.forced")->b == false);
    jfree(&doc);
  }
  /* every probability gives the same accuracy as the logits it came from */
  jv a, b, c;
  char o1[600], o2[600], l[600];
  snprintf(o1, sizeof o1, "%s", td_file(&t, "logits.npy"));
  snprintf(o2, sizeof o2, "%s", td_file(&t, "softmax.npy"));
  snprintf(l, sizeof l, "%s", td_file(&t, "labels.npy"));
  if (eval_json(&a, (char *const[]){"eval", o1, l, "--json", NULL}, 0)) {
    if (eval_json(&b, (char *const[]){"eval", o2, l, "--json", NULL}, 0)) {
      XT_CHECK_SAME(jnum(&a, "accuracy.value"), jnum(&b, "accuracy.value"));
      XT_CHECK_CLOSE(jnum(&a, "log_loss"), jnum(&b, "log_loss"), 1e-12, 0);
      /* the loss of probabilities: Keras's sparse categorical cross-entropy */
      CHECK_JSTR(&b, "loss.canonical", "sparse_categorical_crossentropy");
      CHECK_JSTR(&a, "loss.canonical", "softmax_cross_entropy");
      jfree(&b);
    }
    jfree(&a);
  }
  /* a forced kind wins: probabilities taken as logits */
  if (eval_json(&c, (char *const[]){"eval", o2, l, "--json", "--outputs", "logits", NULL}, 0)) {
    CHECK_JSTR(&c, "detected.outputs.kind", "logits");
    XT_CHECK(jat(&c, "detected.outputs.forced")->b == true);
    CHECK_JSTR(&c, "loss.canonical", "softmax_cross_entropy");
    jfree(&c);
  }
  remove_tree(t.path);
}

void test_cli_detects_labels_and_tasks(void) {
  if (cli_missing()) return;
  tdir t;
  td_make(&t);
  xt_rng g = {12};
  enum { N = 40 };
  double x4[N * 4], x2[N * 2], x1[N], onehot[N * 4], multi[N * 4], soft[N * 4], real[N];
  double b01[N], pm1[N], col1[N];
  int64_t y4[N], y2[N];
  make_logits(&g, N, 4, 1.0, x4, y4);
  make_logits(&g, N, 2, 1.0, x2, y2);
  for (int i = 0; i < N; i++) {
    x1[i] = normal(&g, 2);
    b01[i] = i % 3 == 0;
    pm1[i] = i % 3 == 0 ? 1 : -1;
    real[i] = normal(&g, 3);
    col1[i] = (double)y4[i];
    double sum = 0;
    for (int k = 0; k < 4; k++) {
      onehot[i * 4 + k] = k == y4[i];
      multi[i * 4 + k] = (i + k) % 3 == 0 || k == y4[i];
      soft[i * 4 + k] = 0.1 + (k == y4[i]);
      sum += soft[i * 4 + k];
    }
    for (int k = 0; k < 4; k++) soft[i * 4 + k] /= sum;
  }
  save(&t, "x4.npy", XENT_F64, N, 4, x4);
  save(&t, "x2.npy", XENT_F64, N, 2, x2);
  save(&t, "x1.npy", XENT_F64, N, 0, x1);
  save(&t, "x1col.npy", XENT_F64, N, 1, x1);
  save(&t, "y4.npy", XENT_I64, N, 0, y4);
  save(&t, "y2.npy", XENT_I64, N, 0, y2);
  save(&t, "y4col.npy", XENT_F64, N, 1, col1);
  save(&t, "onehot.npy", XENT_F64, N, 4, onehot);
  save(&t, "multi.npy", XENT_F64, N, 4, multi);
  save(&t, "soft.npy", XENT_F64, N, 4, soft);
  save(&t, "b01.npy", XENT_F64, N, 0, b01);
  save(&t, "pm1.npy", XENT_F64, N, 0, pm1);
  save(&t, "real.npy", XENT_F64, N, 0, real);
  const struct {
    const char *out, *lab;
    detect_case c;
  } cases[] = {
      {"x4.npy", "y4.npy", {"indices", "logits", NULL, "indices", "multiclass"}},
      {"x4.npy", "y4col.npy", {"(N, 1) indices", "logits", NULL, "indices", "multiclass"}},
      {"x2.npy", "y2.npy", {"two classes", "logits", NULL, "indices", "binary"}},
      {"x4.npy", "onehot.npy", {"one-hot", "logits", NULL, "one-hot", "multiclass"}},
      {"x4.npy", "multi.npy", {"multi-hot", "logits", NULL, "multi-hot", "multilabel"}},
      {"x4.npy", "soft.npy", {"soft", "logits", NULL, "soft", "multiclass"}},
      {"x1.npy", "b01.npy", {"binary (N,)", "logits", NULL, "binary", "binary"}},
      {"x1col.npy", "b01.npy", {"binary (N, 1)", "logits", NULL, "binary", "binary"}},
      {"x1.npy", "pm1.npy", {"binary -1/1", "logits", NULL, "binary", "binary"}},
      {"x1.npy", "real.npy", {"regression", "logits", NULL, "real", "regression"}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    jv doc;
    char o[600], l[600];
    snprintf(o, sizeof o, "%s", td_file(&t, cases[i].out));
    snprintf(l, sizeof l, "%s", td_file(&t, cases[i].lab));
    if (!eval_json(&doc, (char *const[]){"eval", o, l, "--json", NULL}, 0)) continue;
    check_detected(&doc, &cases[i].c);
    jfree(&doc);
  }
  char o[600], l[600];
  snprintf(o, sizeof o, "%s", td_file(&t, "x4.npy"));
  snprintf(l, sizeof l, "%s", td_file(&t, "onehot.npy"));
  /* --task multilabel on one-hot labels: each column on its own */
  jv doc;
  if (eval_json(&doc, (char *const[]){"eval", o, l, "--json", "--task", "multilabel", NULL}, 0)) {
    CHECK_JSTR(&doc, "detected.task.kind", "multilabel");
    XT_CHECK(jat(&doc, "detected.task.forced")->b);
    CHECK_JSTR(&doc, "loss.canonical", "sigmoid_cross_entropy");
    CHECK_JSTR(&doc, "accuracy.kind", "binary");
    jfree(&doc);
  }
  /* forced kinds that cannot fit: usage errors */
  run r = XENT("eval", o, l, "--labels", "indices");
  XT_CHECK_INT(r.code, 2);
  CHECK_ERROR_LINE(r, "--labels indices");
  run_free(&r);
  snprintf(l, sizeof l, "%s", td_file(&t, "multi.npy"));
  r = XENT("eval", o, l, "--task", "multiclass");
  XT_CHECK_INT(r.code, 2);
  CHECK_ERROR_LINE(r, "--task multiclass");
  run_free(&r);
  remove_tree(t.path);
}

/* ---- values against scikit-learn ---- */

typedef struct expected {
  char key[160];
  double value;
} expected;

static int load_expected(expected *e, int cap) {
  char path[600];
  snprintf(path, sizeof path, "%s/expected.txt", XT_CLI_DATA_DIR);
  FILE *f = fopen(path, "r");
  if (!f) {
    xt_fail(__FILE__, __LINE__, "cannot open %s", path);
    return 0;
  }
  int n = 0;
  char line[512];
  while (n < cap && fgets(line, sizeof line, f)) {
    if (line[0] == '#') continue;
    if (sscanf(line, "%159s %lf", e[n].key, &e[n].value) == 2) n++;
  }
  fclose(f);
  return n;
}

/* Checks every expected value of a case ("mc", "bin", "ml") in a report. */
static int check_case(const jv *doc, const char *label, const char *prefix, const expected *e,
                      int n, double loss_tol) {
  size_t plen = strlen(prefix);
  int checked = 0;
  for (int i = 0; i < n; i++) {
    if (strncmp(e[i].key, prefix, plen) || e[i].key[plen] != '.') continue;
    const char *path = e[i].key + plen + 1;
    double got = jnum(doc, path);
    double tol = !strncmp(path, "loss.", 5) ? loss_tol : 1e-12;
    XT_CHECK_MSG(xt_close(got, e[i].value, tol, 1e-15), "%s: %s = %.17g, scikit-learn %.17g",
                 label, path, got, e[i].value);
    checked++;
  }
  return checked;
}

static const char *data_file(const char *name) {
  static char bufs[4][600];
  static int next;
  char *b = bufs[next++ % 4];
  snprintf(b, sizeof bufs[0], "%s/%s", XT_CLI_DATA_DIR, name);
  return b;
}

void test_cli_eval_matches_scikit_learn(void) {
  if (cli_missing()) return;
  static expected e[400];
  int n = load_expected(e, 400);
  XT_CHECK(n > 100);
  jv doc;
  /* f32 logits: the loss is within the f32 kernels' bound; everything else is
   * computed in double from the f32 values. */
  if (eval_json(&doc, (char *const[]){"eval", (char *)data_file("mc_logits.npy"),
                                      (char *)data_file("mc_labels.npy"), "--json", NULL},
                0)) {
    XT_CHECK(check_case(&doc, "multi-class", "mc", e, n, 1e-6) > 50);
    jfree(&doc);
  }
  if (eval_json(&doc, (char *const[]){"eval", (char *)data_file("bin_scores.npy"),
                                      (char *)data_file("bin_labels.npy"), "--json", NULL},
                0)) {
    XT_CHECK(check_case(&doc, "binary", "bin", e, n, 1e-12) > 15);
    CHECK_JSTR(&doc, "detected.task.kind", "binary");
    jfree(&doc);
  }
  if (eval_json(&doc, (char *const[]){"eval", (char *)data_file("ml_probs.npy"),
                                      (char *)data_file("ml_labels.npy"), "--json", NULL},
                0)) {
    XT_CHECK(check_case(&doc, "multi-label", "ml", e, n, 1e-12) > 30);
    jfree(&doc);
  }
}

void test_cli_eval_csv_matches_npy(void) {
  if (cli_missing()) return;
  static expected e[400];
  int n = load_expected(e, 400);
  jv doc;
  /* The CSV holds the f32 logits' exact values as f64 text. */
  if (eval_json(&doc, (char *const[]){"eval", (char *)data_file("mc_logits.csv"),
                                      (char *)data_file("mc_labels.csv"), "--json", NULL},
                0)) {
    XT_CHECK(check_case(&doc, "multi-class CSV", "mc", e, n, 1e-12) > 50);
    CHECK_JSTR(&doc, "inputs.outputs.format", "csv");
    /* the header names the classes */
    CHECK_JSTR(&doc, "per_class[2].name", "cat");
    CHECK_JSTR(&doc, "detected.class_names[3]", "dog");
    XT_CHECK_INT((long long)jnum(&doc, "detected.samples"), 200);
    jfree(&doc);
  }
  /* the text report says the same */
  run r = XENT("eval", (char *)data_file("mc_logits.csv"), (char *)data_file("mc_labels.csv"));
  XT_CHECK_INT(r.code, 0);
  XT_CHECK(strstr(r.out, "Confusion matrix") && strstr(r.out, "bee") &&
           strstr(r.out, "softmax_cross_entropy"));
  XT_CHECK(r.err[0] == '\0'); /* no progress bar when stderr is not a terminal */
  run_free(&r);
}

/* ---- JSON ---- */

void test_cli_json_round_trips(void) {
  if (cli_missing()) return;
  tdir t;
  td_make(&t);
  xt_rng g = {13};
  enum { N = 97, C = 5 };
  double x[N * C];
  int64_t y[N];
  make_logits(&g, N, C, 1.0, x, y);
  for (int i = 0; i < N; i++)
    if (y[i] == 4) y[i] = 3; /* class 4 never occurs: undefined values */
  save(&t, "x.npy", XENT_F64, N, C, x);
  save(&t, "y.npy", XENT_I64, N, 0, y);
  char o[600], l[600];
  snprintf(o, sizeof o, "%s", td_file(&t, "x.npy"));
  snprintf(l, sizeof l, "%s", td_file(&t, "y.npy"));
  const char *out = td_file(&t, "report.json");
  run r = XENT("eval", o, l, "--json", "--output", (char *)out, "--loss",
               "keras.categorical_crossentropy(from_logits=True)");
  XT_CHECK_INT(r.code, 0);
  XT_CHECK(r.out[0] == '\0');
  run_free(&r);
  char *text = read_text(out);
  jv doc;
  if (!text || !jparse(text, &doc)) {
    xt_fail(__FILE__, __LINE__, "no valid JSON in %s", out);
    free(text);
    remove_tree(t.path);
    return;
  }
  /* The same numbers from xent's API here: the text must read back as the
   * same double. */
  xent_tensor_t tx = xent_tensor_2d(x, XENT_F64, N, C), ty = xent_tensor_1d(y, XENT_I64, N);
  double loss;
  xent_tensor_t tl = xent_tensor_1d(&loss, XENT_F64, 1);
  xent_ce_options_t co = xent_ce_options_default();
  co.reduction = XENT_REDUCTION_SUM;
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &ty, &co, &tl, NULL));
  XT_CHECK_SAME(jnum(&doc, "loss.value"), loss / N);
  XT_CHECK_SAME(jnum(&doc, "other_losses[0].value"), loss / N);
  xent_mean_state_t acc;
  xent_mean_state_init(&acc);
  XT_OK(xent_sparse_categorical_accuracy_update(&acc, &ty, &tx, NULL));
  double a;
  XT_OK(xent_mean_state_result(&acc, XENT_EMPTY_NAN, &a));
  XT_CHECK_SAME(jnum(&doc, "accuracy.value"), a);
  double p[N * C];
  xent_tensor_t tp = xent_tensor_2d(p, XENT_F64, N, C);
  XT_OK(xent_softmax(&tx, -1, &tp));
  xent_auc_config_t cfg = xent_auc_config_default();
  cfg.task = XENT_AUC_MULTICLASS;
  cfg.classes = C;
  xent_auc_t *auc;
  XT_OK(xent_auc_create(&cfg, &auc));
  XT_OK(xent_auc_update(auc, &ty, &tp, NULL));
  double per[C], v;
  xent_auc_options_t ao = xent_auc_options_default();
  ao.average = XENT_AVERAGE_NONE;
  xent_tensor_t tper = xent_tensor_1d(per, XENT_F64, C), tv = xent_tensor_1d(&v, XENT_F64, 1);
  XT_OK(xent_roc_auc(auc, &ao, &tper, NULL));
  for (int k = 0; k < 4; k++) {
    char path[64];
    snprintf(path, sizeof path, "per_class[%d].roc_auc", k);
    XT_CHECK_SAME(jnum(&doc, path), per[k]);
  }
  ao.average = XENT_AVERAGE_MICRO;
  XT_OK(xent_roc_auc(auc, &ao, &tv, NULL));
  XT_CHECK_SAME(jnum(&doc, "roc_auc.micro"), v);
  xent_auc_destroy(auc);
  xent_mean_state_t ll;
  xent_mean_state_init(&ll);
  XT_OK(xent_log_loss_update(&ll, &ty, &tp, XENT_LOG_LOSS_EPS_AUTO, NULL));
  XT_OK(xent_mean_state_result(&ll, XENT_EMPTY_NAN, &v));
  XT_CHECK_SAME(jnum(&doc, "log_loss"), v);
  /* Undefined values are null, with a note naming them. */
  const jv *undefined = jat(&doc, "per_class[4].roc_auc");
  XT_CHECK(undefined && undefined->type == J_NULL);
  XT_CHECK(jat(&doc, "roc_auc.macro") && jat(&doc, "roc_auc.macro")->type == J_NULL);
  const jv *notes = jat(&doc, "notes");
  bool named = false;
  for (int i = 0; notes && i < notes->n; i++)
    if (notes->items[i].type == J_STR && strstr(notes->items[i].str, "per_class[4].roc_auc is NaN"))
      named = true;
  XT_CHECK_MSG(named, "no note names per_class[4].roc_auc");
  XT_CHECK_INT((long long)jnum(&doc, "per_class[4].support"), 0);
  jfree(&doc);
  free(text);
  if (has_python()) {
    char cmd[1400];
    /* the accuracy's shortest repr, as Python writes it */
    char rep[64];
    snprintf(rep, sizeof rep, "%.17g", a);
    for (int digits = 1; digits <= 17; digits++) {
      snprintf(rep, sizeof rep, "%.*g", digits, a);
      if (strtod(rep, NULL) == a) break;
    }
    if (!strchr(rep, '.') && !strchr(rep, 'e')) strcat(rep, ".0");
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
             "assert d[\"per_class\"][4][\"roc_auc\"] is None; "
             "assert repr(d[\"accuracy\"][\"value\"]) == sys.argv[2], repr(d[\"accuracy\"][\"value\"])' "
             "'%s' '%s'",
             out, rep);
    XT_CHECK_MSG(system(cmd) == 0, "Python's json module rejects %s", out);
  }
  remove_tree(t.path);
}

/* ---- doctor ---- */

/* Runs doctor with --json; returns the exit code and whether `id` is among
 * the findings. */
static int doctor(char *const *args, const char *id, bool *found, jv *keep) {
  run r = xent_v(args);
  *found = false;
  jv doc;
  if (r.code == 0 || r.code == 1) {
    if (jparse(r.out, &doc)) {
      const jv *fs = jat(&doc, "findings");
      for (int i = 0; fs && i < fs->n; i++)
        if (id && !strcmp(jstr(&fs->items[i], "id"), id)) *found = true;
      if (keep)
        *keep = doc;
      else
        jfree(&doc);
    }
  } else {
    xt_fail(__FILE__, __LINE__, "doctor exited with %d: %s", r.code, r.err);
  }
  int code = r.code;
  run_free(&r);
  return code;
}

typedef struct doctor_data {
  tdir t;
  char path[32][600];
} doctor_data;

static const char *dd(doctor_data *d, int i, const char *name) {
  snprintf(d->path[i], sizeof d->path[i], "%s", td_file(&d->t, name));
  return d->path[i];
}

enum { DN = 120, DC = 10 };

/* The inputs of the doctor tests, each a classic misuse or its correction. */
static void doctor_inputs(doctor_data *d) {
  td_make(&d->t);
  const tdir *t = &d->t;
  xt_rng g = {14};
  static double x[DN * DC], p[DN * DC], s[DN * DC], onehot[DN * DC], multi[DN * 5];
  static double xm[DN * 5], pm[DN * 5], sm[DN * 5], ones[DN], b01[DN], x1[DN], s1[DN];
  static double real[DN], soft[DN * 4], x4[DN * 4], nanx[DN * DC];
  static int64_t y[DN], y1[DN], ymiss[DN];
  make_logits(&g, DN, DC, 2.5, x, y);
  xent_tensor_t tx = xent_tensor_2d(x, XENT_F64, DN, DC);
  xent_tensor_t tp = xent_tensor_2d(p, XENT_F64, DN, DC), ts = xent_tensor_2d(s, XENT_F64, DN, DC);
  xent_softmax(&tx, -1, &tp);
  xent_sigmoid(&tx, &ts);
  for (int i = 0; i < DN; i++) {
    for (int k = 0; k < DC; k++) onehot[i * DC + k] = k == y[i];
    y1[i] = y[i] + 1;              /* 1-based */
    ymiss[i] = y[i] == 7 ? 6 : y[i]; /* class 7 never occurs */
    ones[i] = 1;
    b01[i] = i % 2;
    x1[i] = normal(&g, 1) + (i % 2 ? 1.5 : -1.5);
    s1[i] = 1 / (1 + exp(-x1[i]));
    real[i] = normal(&g, 2);
    double sum = 0;
    for (int k = 0; k < 5; k++) {
      multi[i * 5 + k] = (i + k) % 3 == 0 || k == i % 5;
      xm[i * 5 + k] = normal(&g, 1) + (multi[i * 5 + k] ? 2 : -2);
    }
    for (int k = 0; k < 4; k++) {
      soft[i * 4 + k] = 0.05 + (k == y[i] % 4);
      sum += soft[i * 4 + k];
      x4[i * 4 + k] = normal(&g, 2);
    }
    for (int k = 0; k < 4; k++) soft[i * 4 + k] /= i % 10 == 0 ? sum / 1.5 : sum;
  }
  memcpy(nanx, x, sizeof nanx);
  nanx[5 * DC + 2] = NAN;
  xent_tensor_t txm = xent_tensor_2d(xm, XENT_F64, DN, 5), tpm = xent_tensor_2d(pm, XENT_F64, DN, 5);
  xent_tensor_t tsm = xent_tensor_2d(sm, XENT_F64, DN, 5);
  xent_softmax(&txm, -1, &tpm);
  xent_sigmoid(&txm, &tsm);
  save(t, "x.npy", XENT_F64, DN, DC, x);
  save(t, "p.npy", XENT_F64, DN, DC, p);
  save(t, "s.npy", XENT_F64, DN, DC, s);
  save(t, "y.npy", XENT_I64, DN, 0, y);
  save(t, "onehot.npy", XENT_F64, DN, DC, onehot);
  save(t, "y1.npy", XENT_I64, DN, 0, y1);
  save(t, "ymiss.npy", XENT_I64, DN, 0, ymiss);
  save(t, "ones.npy", XENT_F64, DN, 1, ones);
  save(t, "b01.npy", XENT_F64, DN, 0, b01);
  save(t, "x1.npy", XENT_F64, DN, 0, x1);
  save(t, "s1.npy", XENT_F64, DN, 0, s1);
  save(t, "real.npy", XENT_F64, DN, 0, real);
  save(t, "multi.npy", XENT_F64, DN, 5, multi);
  save(t, "xm.npy", XENT_F64, DN, 5, xm);
  save(t, "pm.npy", XENT_F64, DN, 5, pm);
  save(t, "sm.npy", XENT_F64, DN, 5, sm);
  save(t, "soft.npy", XENT_F64, DN, 4, soft);
  save(t, "x4.npy", XENT_F64, DN, 4, x4);
  save(t, "nanx.npy", XENT_F64, DN, DC, nanx);
}

void test_cli_doctor_finds_each_misuse(void) {
  if (cli_missing()) return;
  doctor_data d;
  doctor_inputs(&d);
#define P(i, name) (char *)dd(&d, i, name)
  const struct {
    const char *id;
    char *args[12];
  } cases[] = {
      {"probabilities-for-logits-loss",
       {"doctor", P(0, "p.npy"), P(1, "y.npy"), "--json", "--loss", "torch.cross_entropy"}},
      {"probabilities-for-logits-loss",
       {"doctor", P(2, "x.npy"), P(3, "y.npy"), "--json", "--loss",
        "tf.nn.softmax_cross_entropy_with_logits", "--activation", "softmax"}},
      {"probabilities-for-logits-loss",
       {"doctor", P(4, "s1.npy"), P(5, "b01.npy"), "--json", "--loss", "nn.BCEWithLogitsLoss"}},
      {"logits-for-probability-loss",
       {"doctor", P(6, "x.npy"), P(7, "onehot.npy"), "--json", "--loss",
        "keras.losses.CategoricalCrossentropy"}},
      {"logits-for-probability-loss",
       {"doctor", P(8, "x1.npy"), P(9, "b01.npy"), "--json", "--loss", "keras.binary_crossentropy"}},
      {"logits-for-probability-loss",
       {"doctor", P(10, "x.npy"), P(11, "y.npy"), "--json", "--loss", "torch.nll_loss"}},
      {"softmax-single-output",
       {"doctor", P(12, "ones.npy"), P(13, "b01.npy"), "--json"}},
      {"softmax-single-output",
       {"doctor", P(14, "x1.npy"), P(15, "b01.npy"), "--json", "--loss",
        "keras.categorical_crossentropy(from_logits=True)"}},
      {"binary-on-exclusive-classes",
       {"doctor", P(16, "s.npy"), P(17, "onehot.npy"), "--json", "--loss",
        "keras.binary_crossentropy"}},
      {"binary-on-exclusive-classes",
       {"doctor", P(18, "p.npy"), P(19, "onehot.npy"), "--json", "--metric", "binary_accuracy"}},
      {"sigmoid-on-exclusive-classes",
       {"doctor", P(20, "s.npy"), P(21, "y.npy"), "--json"}},
      {"softmax-on-multilabel",
       {"doctor", P(22, "pm.npy"), P(23, "multi.npy"), "--json"}},
      {"sigmoid-on-regression-target",
       {"doctor", P(24, "s1.npy"), P(25, "real.npy"), "--json"}},
      {"labels-out-of-range",
       {"doctor", P(26, "x.npy"), P(27, "y1.npy"), "--json"}},
      {"soft-labels-not-summing-to-1",
       {"doctor", P(28, "x4.npy"), P(29, "soft.npy"), "--json", "--loss", "softmax_cross_entropy"}},
      {"non-finite-outputs",
       {"doctor", P(30, "nanx.npy"), P(31, "y.npy"), "--json"}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    bool found;
    int code = doctor(cases[i].args, cases[i].id, &found, NULL);
    XT_CHECK_MSG(code == 1 && found, "case %zu (%s): exit %d, found %d", i, cases[i].id, code,
                 found);
  }
  /* a class that never occurs (and the text report: each finding says what to
   * use instead) */
  bool found;
  int code = doctor((char *const[]){"doctor", P(0, "x.npy"), P(1, "ymiss.npy"), "--json", NULL},
                    "class-never-occurs", &found, NULL);
  XT_CHECK(code == 1 && found);
  run r = XENT("doctor", P(0, "p.npy"), P(1, "y.npy"), "--loss", "torch.cross_entropy");
  XT_CHECK_INT(r.code, 1);
  XT_CHECK(strstr(r.out, "evidence:") && strstr(r.out, "instead:") &&
           strstr(r.out, "[probabilities-for-logits-loss]"));
  run_free(&r);
#undef P
  remove_tree(d.t.path);
}

void test_cli_doctor_quiet_on_correct_usage(void) {
  if (cli_missing()) return;
  doctor_data d;
  doctor_inputs(&d);
#define P(i, name) (char *)dd(&d, i, name)
  const struct {
    const char *what;
    char *args[12];
  } cases[] = {
      {"logits, class indices, softmax cross-entropy",
       {"doctor", P(0, "x.npy"), P(1, "y.npy"), "--json", "--loss", "torch.cross_entropy",
        "--activation", "none", "--metric", "sparse_categorical_accuracy"}},
      {"softmax probabilities, one-hot, categorical cross-entropy",
       {"doctor", P(2, "p.npy"), P(3, "onehot.npy"), "--json", "--loss",
        "keras.categorical_crossentropy", "--activation", "softmax", "--metric", "accuracy"}},
      {"logits, one-hot, from_logits=True",
       {"doctor", P(4, "x.npy"), P(5, "onehot.npy"), "--json", "--loss",
        "keras.categorical_crossentropy(from_logits=True)"}},
      {"one logit, 0/1 labels, BCE with logits",
       {"doctor", P(6, "x1.npy"), P(7, "b01.npy"), "--json", "--loss",
        "torch.binary_cross_entropy_with_logits", "--metric", "binary_accuracy"}},
      {"one sigmoid probability, BCE",
       {"doctor", P(8, "s1.npy"), P(9, "b01.npy"), "--json", "--loss", "keras.binary_crossentropy",
        "--activation", "sigmoid", "--metric", "accuracy"}},
      {"multi-label sigmoid probabilities, BCE",
       {"doctor", P(10, "sm.npy"), P(11, "multi.npy"), "--json", "--loss",
        "keras.binary_crossentropy", "--activation", "sigmoid"}},
      {"multi-label logits, sigmoid cross-entropy",
       {"doctor", P(12, "xm.npy"), P(13, "multi.npy"), "--json", "--loss",
        "tf.nn.sigmoid_cross_entropy_with_logits"}},
      {"regression, linear output, MSE",
       {"doctor", P(14, "x1.npy"), P(15, "real.npy"), "--json", "--loss", "mse", "--activation",
        "linear"}},
      {"no training setup given", {"doctor", P(16, "x.npy"), P(17, "y.npy"), "--json"}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    bool found;
    jv doc;
    memset(&doc, 0, sizeof doc);
    int code = doctor(cases[i].args, NULL, &found, &doc);
    const jv *fs = jat(&doc, "findings");
    XT_CHECK_MSG(code == 0 && fs && fs->n == 0, "%s: exit %d, %d findings (first: %s)",
                 cases[i].what, code, fs ? fs->n : -1,
                 fs && fs->n ? jstr(&fs->items[0], "id") : "-");
    jfree(&doc);
  }
  run r = XENT("doctor", P(0, "x.npy"), P(1, "y.npy"), "--loss", "softmax_cross_entropy");
  XT_CHECK(r.code == 0 && strstr(r.out, "No misuse found."));
  run_free(&r);
#undef P
  remove_tree(d.t.path);
}

/* The evidence numbers against closed forms. */
void test_cli_doctor_evidence_numbers(void) {
  if (cli_missing()) return;
  tdir t;
  td_make(&t);
  /* 10 classes, 100 samples, one-hot labels. Sigmoid-like outputs: 0.9 on the
   * label for the first 40 samples (else 0.9 on the next class), 0.2
   * elsewhere. Binary accuracy = (40 * 10 + 60 * 8) / 1000 = 0.88, accuracy
   * 0.4, all zeros 0.9. */
  enum { N = 100, C = 10 };
  static double p[N * C], yh[N * C];
  for (int i = 0; i < N; i++) {
    int label = i % C, hot = i < 40 ? label : (label + 1) % C;
    for (int k = 0; k < C; k++) {
      yh[i * C + k] = k == label;
      p[i * C + k] = k == hot ? 0.9 : 0.2;
    }
  }
  save(&t, "p.npy", XENT_F64, N, C, p);
  save(&t, "y.npy", XENT_F64, N, C, yh);
  char o[600], l[600];
  snprintf(o, sizeof o, "%s", td_file(&t, "p.npy"));
  snprintf(l, sizeof l, "%s", td_file(&t, "y.npy"));
  bool found;
  jv doc;
  memset(&doc, 0, sizeof doc);
  int code = doctor((char *const[]){"doctor", o, l, "--json", "--loss", "keras.binary_crossentropy",
                                    "--metric", "accuracy", NULL},
                    "binary-on-exclusive-classes", &found, &doc);
  XT_CHECK(code == 1 && found);
  const jv *fs = jat(&doc, "findings");
  for (int i = 0; fs && i < fs->n; i++) {
    const jv *f = &fs->items[i];
    if (strcmp(jstr(f, "id"), "binary-on-exclusive-classes")) continue;
    XT_CHECK_CLOSE(jnum(f, "numbers.binary_accuracy"), 0.88, 1e-15, 0);
    XT_CHECK_CLOSE(jnum(f, "numbers.accuracy"), 0.4, 1e-15, 0);
    XT_CHECK_CLOSE(jnum(f, "numbers.all_zeros_binary_accuracy"), 0.9, 1e-15, 0);
  }
  jfree(&doc);

  /* softmax over one output: every value is 1, the categorical loss is 0 */
  static double one[N], lab[N];
  for (int i = 0; i < N; i++) {
    one[i] = 0.3 * i - 7;
    lab[i] = i % 2;
  }
  save(&t, "one.npy", XENT_F64, N, 1, one);
  save(&t, "lab.npy", XENT_F64, N, 0, lab);
  snprintf(o, sizeof o, "%s", td_file(&t, "one.npy"));
  snprintf(l, sizeof l, "%s", td_file(&t, "lab.npy"));
  memset(&doc, 0, sizeof doc);
  code = doctor((char *const[]){"doctor", o, l, "--json", "--activation", "softmax", "--loss",
                                "categorical_crossentropy", "--metric", "categorical_accuracy",
                                NULL},
                "softmax-single-output", &found, &doc);
  XT_CHECK(code == 1 && found);
  fs = jat(&doc, "findings");
  for (int i = 0; fs && i < fs->n; i++) {
    const jv *f = &fs->items[i];
    if (strcmp(jstr(f, "id"), "softmax-single-output")) continue;
    XT_CHECK_SAME(jnum(f, "numbers.softmax_equal_to_1"), (double)N);
    XT_CHECK_SAME(jnum(f, "numbers.categorical_loss"), 0.0);
    XT_CHECK_SAME(jnum(f, "numbers.categorical_accuracy"), 1.0);
  }
  jfree(&doc);

  /* probabilities to a with-logits loss: the best possible loss is
   * log(1 + (C - 1) / e) for softmax cross-entropy over probabilities */
  static double sp[N * C];
  static int64_t yi[N];
  for (int i = 0; i < N; i++) {
    yi[i] = i % C;
    for (int k = 0; k < C; k++) sp[i * C + k] = k == yi[i] ? 0.91 : 0.01;
  }
  save(&t, "sp.npy", XENT_F64, N, C, sp);
  save(&t, "yi.npy", XENT_I64, N, 0, yi);
  snprintf(o, sizeof o, "%s", td_file(&t, "sp.npy"));
  snprintf(l, sizeof l, "%s", td_file(&t, "yi.npy"));
  memset(&doc, 0, sizeof doc);
  code = doctor((char *const[]){"doctor", o, l, "--json", "--loss", "torch.cross_entropy", NULL},
                "probabilities-for-logits-loss", &found, &doc);
  XT_CHECK(code == 1 && found);
  fs = jat(&doc, "findings");
  for (int i = 0; fs && i < fs->n; i++) {
    const jv *f = &fs->items[i];
    if (strcmp(jstr(f, "id"), "probabilities-for-logits-loss")) continue;
    XT_CHECK_CLOSE(jnum(f, "numbers.best_possible_loss"), log1p((C - 1) / exp(1.0)), 1e-14, 0);
    /* loss as used: -log(e^0.91 / (e^0.91 + 9 e^0.01)) */
    double as_used = -(0.91 - log(exp(0.91) + 9 * exp(0.01)));
    XT_CHECK_CLOSE(jnum(f, "numbers.loss_as_used"), as_used, 1e-14, 0);
    /* the right loss: -log(0.91 / (0.91 + 9 * 0.01)) (Keras renormalises) */
    XT_CHECK_CLOSE(jnum(f, "numbers.loss_on_probabilities"), -log(0.91 / 1.0), 1e-12, 0);
  }
  jfree(&doc);
  remove_tree(t.path);
}

/* ---- bad input ---- */

static void put_npy_header(FILE *f, const char *dict) {
  size_t dlen = strlen(dict), hlen = (10 + dlen + 1 + 63) / 64 * 64 - 10;
  unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 0xff),
                           (unsigned char)(hlen >> 8)};
  fwrite(pre, 1, 10, f);
  fwrite(dict, 1, dlen, f);
  for (size_t i = dlen; i + 1 < hlen; i++) fputc(' ', f);
  fputc('\n', f);
}

static void write_npy_raw(const char *path, const char *dict, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return;
  put_npy_header(f, dict);
  if (n) fwrite(data, 1, n, f);
  fclose(f);
}

void test_cli_bad_inputs_fail_cleanly(void) {
  if (cli_missing()) return;
  tdir t;
  td_make(&t);
  const char *good = td_file(&t, "good.npy"), *labels = td_file(&t, "labels.npy");
  char good_s[600], labels_s[600];
  snprintf(good_s, sizeof good_s, "%s", good);
  snprintf(labels_s, sizeof labels_s, "%s", labels);
  double x[12] = {1, 2, 3, 0, 1, -1, 2, 2, 0, -3, 1, 0};
  int64_t y[4] = {0, 1, 2, 1};
  save(&t, "good.npy", XENT_F64, 4, 3, x);
  save(&t, "labels.npy", XENT_I64, 4, 0, y);
  /* the malformed files */
  write_npy_raw(td_file(&t, "truncated.npy"), "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 3), }", x, 50);
  write_text(td_file(&t, "magic.npy"), "\x93NUMPX\x01\x00\x10\x00{}              ", 26);
  write_text(td_file(&t, "hdrlen.npy"), "\x93NUMPY\x01\x00\xff\xff{'descr'", 17);
  write_npy_raw(td_file(&t, "overflow.npy"),
                "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 3), }", NULL, 0);
  write_npy_raw(td_file(&t, "dtype.npy"), "{'descr': '<c16', 'fortran_order': False, 'shape': (4, 3), }", x, 96);
  write_npy_raw(td_file(&t, "object.npy"), "{'descr': '|O', 'fortran_order': False, 'shape': (4, 3), }", x, 96);
  double x5[15] = {0};
  save(&t, "rows5.npy", XENT_F64, 5, 3, x5);
  save(&t, "cols4.npy", XENT_F64, 3, 4, x5);
  write_text(td_file(&t, "ragged.csv"), "1,2,3\n4,5\n6,7,8\n", 16);
  write_text(td_file(&t, "quote.csv"), "1,2,3\n\"4,5,6\n", 13);
  write_text(td_file(&t, "text.csv"), "1,2,3\n4,abc,6\n", 14);
  write_text(td_file(&t, "empty.npy"), "", 0);
  write_text(td_file(&t, "empty.csv"), "", 0);
  write_text(td_file(&t, "short.csv"), "1,2,3\n4,5,6\n", 12);
  write_text(td_file(&t, "labels5.csv"), "0\n1\n2\n1\n0\n", 10);
  int64_t bad_label[4] = {0, 1, 3, 1};
  save(&t, "label_range.npy", XENT_I64, 4, 0, bad_label);
  double nanx[12] = {1, 2, 3, 0, NAN, -1, 2, 2, 0, -3, 1, 0};
  save(&t, "nan.npy", XENT_F64, 4, 3, nanx);
  mkdir(td_file(&t, "dir.npy"), 0777);
  mkfifo(td_file(&t, "fifo.npy"), 0666);
  const struct {
    const char *out, *lab, *named, *says;
  } cases[] = {
      {"truncated.npy", NULL, "truncated.npy", "truncated"},
      {"magic.npy", NULL, "magic.npy", "magic"},
      {"hdrlen.npy", NULL, "hdrlen.npy", "header length"},
      {"overflow.npy", NULL, "overflow.npy", "overflows"},
      {"dtype.npy", NULL, "dtype.npy", "complex"},
      {"object.npy", NULL, "object.npy", "'|O'"},
      {"rows5.npy", NULL, "labels.npy", "does not fit"},
      {"cols4.npy", NULL, "labels.npy", "does not fit"},
      {"ragged.csv", NULL, "ragged.csv:2", "fields"},
      {"quote.csv", NULL, "quote.csv:2", "unterminated"},
      {"text.csv", NULL, "text.csv:2:2", "abc"},
      {"empty.npy", NULL, "empty.npy", "empty"},
      {"empty.csv", NULL, "empty.csv", "empty"},
      {"dir.npy", NULL, "dir.npy", "directory"},
      {"fifo.npy", NULL, "fifo.npy", "FIFO"},
      {"missing.npy", NULL, "missing.npy", "No such file"},
      {"short.csv", "labels5.csv", "short.csv", "rows"},
      {"good.npy", "labels5.csv", "labels5.csv", "rows"},
      {"good.npy", "dir.npy", "dir.npy", "directory"},
      {"good.npy", "label_range.npy", "label_range.npy", "outside [0, 3)"},
      {"nan.npy", NULL, "nan.npy", "NaN"},
  };
  const char *plots = td_file(&t, "plots");
  char plots_s[600], report_s[600];
  snprintf(plots_s, sizeof plots_s, "%s", plots);
  snprintf(report_s, sizeof report_s, "%s", td_file(&t, "report.json"));
  int before = entries(t.path);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char o[600], l[600];
    snprintf(o, sizeof o, "%s", td_file(&t, cases[i].out));
    snprintf(l, sizeof l, "%s", cases[i].lab ? td_file(&t, cases[i].lab) : labels_s);
    for (int cmd = 0; cmd < 2; cmd++) {
      run r = cmd == 0 ? XENT("eval", o, l, "--json", "--output", report_s, "--plots", plots_s)
                       : XENT("doctor", o, l);
      /* doctor reports a NaN output or a label out of range as a finding */
      bool finding = cmd == 1 && (strstr(cases[i].says, "NaN") || strstr(cases[i].says, "outside"));
      if (finding) {
        XT_CHECK_MSG(r.code == 1, "doctor on %s: exit %d", cases[i].out, r.code);
      } else {
        XT_CHECK_MSG(r.code == 3, "%s on %s / %s: exit %d, expected 3 (stderr %s)",
                     cmd ? "doctor" : "eval", cases[i].out, cases[i].lab ? cases[i].lab : "labels",
                     r.code, r.err);
        CHECK_ERROR_LINE(r, cases[i].named);
        XT_CHECK_MSG(strstr(r.err, cases[i].says) != NULL, "'%s' lacks '%s'", r.err,
                     cases[i].says);
        XT_CHECK(r.out[0] == '\0');
      }
      run_free(&r);
    }
    /* nothing written: no report, no plots, no temporary file */
    XT_CHECK_MSG(entries(t.path) == before, "case %s left files behind", cases[i].out);
  }
  remove_tree(t.path);
}

void test_cli_no_partial_output_files(void) {
  if (cli_missing()) return;
  tdir t;
  td_make(&t);
  xt_rng g = {15};
  enum { N = 50, C = 3 };
  double x[N * C];
  int64_t y[N];
  make_logits(&g, N, C, 1.0, x, y);
  save(&t, "x.npy", XENT_F64, N, C, x);
  save(&t, "y.npy", XENT_I64, N, 0, y);
  char o[600], l[600], rep[600], plots[600];
  snprintf(o, sizeof o, "%s", td_file(&t, "x.npy"));
  snprintf(l, sizeof l, "%s", td_file(&t, "y.npy"));
  snprintf(rep, sizeof rep, "%s", td_file(&t, "report.txt"));
  snprintf(plots, sizeof plots, "%s", td_file(&t, "plots"));
  /* An earlier report survives a failed run untouched. */
  write_text(rep, "earlier report\n", 15);
  char bad[600];
  snprintf(bad, sizeof bad, "%s", td_file(&t, "nothing.npy"));
  run r = XENT("eval", bad, l, "--output", rep);
  XT_CHECK_INT(r.code, 3);
  run_free(&r);
  char *text = read_text(rep);
  XT_CHECK(text && !strcmp(text, "earlier report\n"));
  free(text);
  /* A report into a directory that does not exist: exit 4, nothing written. */
  char nodir[600];
  snprintf(nodir, sizeof nodir, "%s", td_file(&t, "no/such/dir/report.json"));
  int before = entries(t.path);
  r = XENT("eval", o, l, "--json", "--output", nodir);
  XT_CHECK_INT(r.code, 4);
  CHECK_ERROR_LINE(r, "report.json");
  run_free(&r);
  XT_CHECK_INT(entries(t.path), before);
  /* Plots where a file is in the way: exit 4 and no partial plot. */
  write_text(plots, "a file", 6);
  r = XENT("eval", o, l, "--plots", plots);
  XT_CHECK_INT(r.code, 4);
  CHECK_ERROR_LINE(r, "plots");
  run_free(&r);
  unlink(plots);
  /* A plots directory that cannot be written (unless we are root). */
  mkdir(plots, 0555);
  if (access(plots, W_OK) != 0) {
    r = XENT("eval", o, l, "--plots", plots);
    XT_CHECK_INT(r.code, 4);
    XT_CHECK_INT(entries(plots), 0);
    run_free(&r);
  }
  chmod(plots, 0755);
  /* The successful run writes the report and the plots, nothing else. */
  r = XENT("eval", o, l, "--output", rep, "--plots", plots);
  XT_CHECK_INT(r.code, 0);
  run_free(&r);
  text = read_text(rep);
  XT_CHECK(text && strstr(text, "xent eval") && strstr(text, "roc.svg"));
  free(text);
  XT_CHECK_INT(entries(plots), 4);
  remove_tree(t.path);
}

/* ---- plots ---- */

static bool well_formed_svg(const char *path) {
  if (!has_python()) return true;
  char cmd[1400];
  snprintf(cmd, sizeof cmd,
           "python3 -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); "
           "assert r.tag == \"{http://www.w3.org/2000/svg}svg\", r.tag; "
           "assert len(list(r.iter(\"{http://www.w3.org/2000/svg}text\"))) > 5' '%s'",
           path);
  return system(cmd) == 0;
}

void test_cli_plots_are_well_formed_svg(void) {
  if (cli_missing()) return;
  tdir t;
  td_make(&t);
  xt_rng g = {16};
  enum { N = 80, C = 4 };
  double x[N * C], x1[N], b01[N], multi[N * C];
  int64_t y[N];
  make_logits(&g, N, C, 1.5, x, y);
  for (int i = 0; i < N; i++) {
    b01[i] = i % 2;
    x1[i] = normal(&g, 1) + (i % 2 ? 1 : -1);
    for (int k = 0; k < C; k++) multi[i * C + k] = (i + k) % 3 == 0;
  }
  save(&t, "x.npy", XENT_F64, N, C, x);
  save(&t, "y.npy", XENT_I64, N, 0, y);
  save(&t, "x1.npy", XENT_F64, N, 0, x1);
  save(&t, "b01.npy", XENT_F64, N, 0, b01);
  save(&t, "multi.npy", XENT_F64, N, C, multi);
  /* class names with characters that XML must escape */
  const char *sets[][3] = {{"x.npy", "y.npy", "a<b,\"q\",R&D,it's"},
                           {"x1.npy", "b01.npy", NULL},
                           {"x.npy", "multi.npy", NULL}};
  for (int s = 0; s < 3; s++) {
    char o[600], l[600], dir[600];
    snprintf(o, sizeof o, "%s", td_file(&t, sets[s][0]));
    snprintf(l, sizeof l, "%s", td_file(&t, sets[s][1]));
    snprintf(dir, sizeof dir, "%s/plots%d", t.path, s);
    run r = sets[s][2] ? XENT("eval", o, l, "--plots", dir, "--class-names", (char *)sets[s][2])
                       : XENT("eval", o, l, "--plots", dir);
    XT_CHECK_MSG(r.code == 0, "plots %d: exit %d (%s)", s, r.code, r.err);
    run_free(&r);
    const char *names[] = {"roc.svg", "pr.svg", "reliability.svg", "confusion.svg"};
    for (int k = 0; k < 4; k++) {
      char p[700];
      snprintf(p, sizeof p, "%s/%s", dir, names[k]);
      char *svg = read_text(p);
      XT_CHECK_MSG(svg && !strncmp(svg, "<?xml", 5) && strstr(svg, "</svg>"), "%s", p);
      if (svg && k < 2)
        XT_CHECK(strstr(svg, "<polyline") && strstr(svg, k == 0 ? "AUC" : "AP") &&
                 strstr(svg, "<text"));
      if (svg && k == 3) XT_CHECK(strstr(svg, "<rect") && strstr(svg, "Confusion matrix"));
      if (svg && s == 0) XT_CHECK(!strstr(svg, "a<b") && (k != 3 || strstr(svg, "a&lt;b")));
      XT_CHECK_MSG(well_formed_svg(p), "%s is not well-formed SVG", p);
      free(svg);
    }
  }
  remove_tree(t.path);
}

/* ---- a large file in bounded memory ---- */

void test_cli_large_file_bounded_memory(void) {
  if (cli_missing()) return;
  tdir t;
  td_make(&t);
  /* A sparse 32 MiB f32 file (zeros take no disk space) and its labels. */
  const int64_t n = XT_CLI_SANITIZED ? (int64_t)1 << 16 : (int64_t)1 << 21, c = 4;
  char dict[160];
  snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%lld, %lld), }",
           (long long)n, (long long)c);
  const char *lp = td_file(&t, "big.npy");
  char logits[600], labels[600];
  snprintf(logits, sizeof logits, "%s", lp);
  FILE *f = fopen(logits, "wb");
  XT_CHECK(f != NULL);
  if (!f) return;
  put_npy_header(f, dict);
  long head = ftell(f);
  /* a few non-zero logits, so that not every score ties */
  for (int64_t i = 0; i < n; i += 4099) {
    float v = (float)(i % 7) - 3;
    fseek(f, head + (long)((i * c + i % c) * 4), SEEK_SET);
    fwrite(&v, 4, 1, f);
  }
  fclose(f);
  XT_CHECK(truncate(logits, (off_t)(head + n * c * 4)) == 0);
  snprintf(dict, sizeof dict, "{'descr': '|u1', 'fortran_order': False, 'shape': (%lld,), }",
           (long long)n);
  snprintf(labels, sizeof labels, "%s", td_file(&t, "big_labels.npy"));
  f = fopen(labels, "wb");
  if (!f) return;
  put_npy_header(f, dict);
  head = ftell(f);
  for (int64_t i = 0; i < n; i += 1) {
    if (i % 4099 != 0) continue;
    unsigned char v = (unsigned char)(i % c);
    fseek(f, head + (long)i, SEEK_SET);
    fwrite(&v, 1, 1, f);
  }
  fclose(f);
  XT_CHECK(truncate(labels, (off_t)(head + n)) == 0);
  run r = XENT("eval", logits, labels, "--json", "--auc-groups", "1024");
  XT_CHECK_MSG(r.code == 0, "exit %d: %s", r.code, r.err);
  jv doc;
  if (r.code == 0 && jparse(r.out, &doc)) {
    XT_CHECK_SAME(jnum(&doc, "detected.samples"), (double)n);
    CHECK_JSTR(&doc, "roc_auc.mode", n * c > ((int64_t)1 << 22) ? "bounded" : "exact");
    XT_CHECK_SAME(jnum(&doc, "accuracy.count"), (double)n);
    jfree(&doc);
  }
  /* The file is 32 MiB; the process stays far below (ASan's shadow memory
   * makes the number meaningless there). */
  long file_kib = (long)(n * c * 4 / 1024);
  if (!XT_CLI_SANITIZED)
    XT_CHECK_MSG(r.maxrss < 12 * 1024 && r.maxrss < file_kib / 2,
                 "peak resident size %ld KiB for a %ld KiB file", r.maxrss, file_kib);
  run_free(&r);
  remove_tree(t.path);
}

/* ---- loss names ---- */

void test_cli_loss_names(void) {
  if (cli_missing()) return;
  tdir t;
  td_make(&t);
  xt_rng g = {17};
  enum { N = 30, C = 3 };
  double x[N * C];
  int64_t y[N];
  make_logits(&g, N, C, 1.0, x, y);
  save(&t, "x.npy", XENT_F64, N, C, x);
  save(&t, "y.npy", XENT_I64, N, 0, y);
  char o[600], l[600];
  snprintf(o, sizeof o, "%s", td_file(&t, "x.npy"));
  snprintf(l, sizeof l, "%s", td_file(&t, "y.npy"));
  /* every spelling of the softmax cross-entropy on logits gives one value */
  char *names[] = {"softmax_cross_entropy", "torch.cross_entropy", "nn.CrossEntropyLoss",
                   "torch.nn.functional.cross_entropy", "F.cross_entropy",
                   "tf.nn.sparse_softmax_cross_entropy_with_logits",
                   "keras.sparse_categorical_crossentropy(from_logits=True)",
                   "tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
                   "keras.losses.CategoricalCrossentropy(from_logits = True)"};
  enum { NN = sizeof names / sizeof names[0] };
  char *args[4 + 2 * NN + 1];
  int a = 0;
  args[a++] = "eval";
  args[a++] = o;
  args[a++] = l;
  args[a++] = "--json";
  for (int i = 0; i < NN; i++) {
    args[a++] = "--loss";
    args[a++] = names[i];
  }
  args[a] = NULL;
  jv doc;
  if (eval_json(&doc, args, 0)) {
    double v = jnum(&doc, "loss.value");
    for (int i = 0; i < NN; i++) {
      char path[64];
      snprintf(path, sizeof path, "other_losses[%d].value", i);
      XT_CHECK_MSG(xt_close(jnum(&doc, path), v, 1e-15, 0), "%s: %.17g, expected %.17g", names[i],
                   jnum(&doc, path), v);
      snprintf(path, sizeof path, "other_losses[%d].canonical", i);
      CHECK_JSTR(&doc, path, "softmax_cross_entropy");
    }
    jfree(&doc);
  }
  /* a loss on probabilities given logits: computed as asked, with a warning */
  if (eval_json(&doc, (char *const[]){"eval", o, l, "--json", "--loss", "keras.binary_crossentropy",
                                      "--loss", "torch.nn.BCELoss", NULL},
                0)) {
    XT_CHECK(jat(&doc, "other_losses[0].warning") != NULL);
    CHECK_JSTR(&doc, "other_losses[0].canonical", "binary_crossentropy");
    /* PyTorch refuses probabilities outside [0, 1]: no value, an error */
    XT_CHECK(jat(&doc, "other_losses[1].value")->type == J_NULL);
    XT_CHECK(strstr(jstr(&doc, "other_losses[1].error"), "outside [0, 1]") != NULL);
    jfree(&doc);
  }
  remove_tree(t.path);
}
