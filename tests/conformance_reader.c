/* Parser for the conformance data files; see conformance_reader.h. */
#include "conformance_reader.h"

#include "harness.h"

#include <stdlib.h>
#include <string.h>

struct xt_conf_file {
  FILE *fp;
  char path[1024];
  long line;
  char *buf;
  size_t cap;
  double *owned[XT_CONF_MAX_TENSORS]; /* the current case's value arrays */
};

xt_conf_file *xt_conf_open(const char *suite) {
  xt_conf_file *f = calloc(1, sizeof *f);
  if (!f) return NULL;
  snprintf(f->path, sizeof f->path, "%s/%s.txt", xt_data_dir, suite);
  f->fp = fopen(f->path, "r");
  if (!f->fp) {
    fprintf(stderr, "conformance: cannot open %s\n", f->path);
    free(f);
    return NULL;
  }
  return f;
}

static void free_values(xt_conf_file *f) {
  for (int i = 0; i < XT_CONF_MAX_TENSORS; i++) {
    free(f->owned[i]);
    f->owned[i] = NULL;
  }
}

void xt_conf_close(xt_conf_file *f) {
  if (!f) return;
  fclose(f->fp);
  free_values(f);
  free(f->buf);
  free(f);
}

/* Next line without its newline; NULL at end of file. */
static char *read_line(xt_conf_file *f) {
  size_t len = 0;
  for (;;) {
    if (len + 2 >= f->cap) {
      f->cap = f->cap ? f->cap * 2 : 4096;
      f->buf = realloc(f->buf, f->cap);
    }
    if (!fgets(f->buf + len, (int)(f->cap - len), f->fp)) {
      if (len == 0) return NULL;
      break;
    }
    len += strlen(f->buf + len);
    if (len && f->buf[len - 1] == '\n') break;
  }
  f->line++;
  while (len && (f->buf[len - 1] == '\n' || f->buf[len - 1] == '\r')) f->buf[--len] = 0;
  return f->buf;
}

static int bad(xt_conf_file *f, const char *what) {
  fprintf(stderr, "conformance: %s:%ld: %s\n", f->path, f->line, what);
  return -1;
}

static int parse_dtype(const char *s, xent_dtype_t *d) {
  static const char *names[] = {"f32", "f64", "f16", "bf16", "i32", "i64", "u8"};
  for (int i = 0; i < 7; i++)
    if (strcmp(s, names[i]) == 0) return *d = (xent_dtype_t)i, 1;
  return 0;
}

int xt_conf_next(xt_conf_file *f, xt_conf_case *c) {
  free_values(f);
  memset(c, 0, sizeof *c);
  char *line;
  int in_case = 0;
  xt_conf_tensor *pending = NULL;
  int64_t filled = 0;
  while ((line = read_line(f))) {
    if (pending && filled < pending->n) {
      char *p = line, *end;
      while (filled < pending->n) {
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) break;
        double v = strtod(p, &end);
        if (end == p) return bad(f, "bad number");
        pending->values[filled++] = v;
        p = end;
      }
      continue;
    }
    if (line[0] == '#' || line[0] == 0) continue;
    char key[32] = {0};
    sscanf(line, "%31s", key);
    const char *rest = line + strlen(key);
    while (*rest == ' ') rest++;
    if (strcmp(key, "case") == 0) {
      snprintf(c->name, sizeof c->name, "%s", rest);
      in_case = 1;
    } else if (!in_case) {
      return bad(f, "text outside a case");
    } else if (strcmp(key, "op") == 0) {
      snprintf(c->op, sizeof c->op, "%s", rest);
    } else if (strcmp(key, "source") == 0) {
      snprintf(c->source, sizeof c->source, "%s", rest);
    } else if (strcmp(key, "param") == 0) {
      if (c->nparams == XT_CONF_MAX_PARAMS) return bad(f, "too many params");
      char k[32] = {0};
      sscanf(rest, "%31s", k);
      const char *v = rest + strlen(k);
      while (*v == ' ') v++;
      snprintf(c->param_key[c->nparams], 32, "%s", k);
      snprintf(c->param_val[c->nparams], 128, "%s", v);
      c->nparams++;
    } else if (strcmp(key, "in") == 0 || strcmp(key, "out") == 0) {
      if (c->ntensors == XT_CONF_MAX_TENSORS) return bad(f, "too many tensors");
      xt_conf_tensor *t = &c->t[c->ntensors];
      char dt[16] = {0};
      int used = 0;
      if (sscanf(rest, "%31s %15s %d%n", t->role, dt, &t->rank, &used) != 3 ||
          !parse_dtype(dt, &t->dtype) || t->rank < 0 || t->rank > XENT_MAX_RANK)
        return bad(f, "bad tensor header");
      const char *p = rest + used;
      t->n = 1;
      for (int i = 0; i < t->rank; i++) {
        char *end;
        t->shape[i] = strtoll(p, &end, 10);
        if (end == p || t->shape[i] < 0) return bad(f, "bad shape");
        p = end;
        t->n *= t->shape[i];
      }
      t->is_output = key[0] == 'o';
      t->values = f->owned[c->ntensors] = malloc(sizeof(double) * (size_t)(t->n ? t->n : 1));
      c->ntensors++;
      pending = t;
      filled = 0;
    } else if (strcmp(key, "end") == 0) {
      if (pending && filled < pending->n) return bad(f, "too few values");
      return 1;
    } else {
      return bad(f, "unknown keyword");
    }
  }
  return in_case ? bad(f, "case without end") : 0;
}

const xt_conf_tensor *xt_conf_get(const xt_conf_case *c, const char *role) {
  for (int i = 0; i < c->ntensors; i++)
    if (strcmp(c->t[i].role, role) == 0) return &c->t[i];
  return NULL;
}

const char *xt_conf_param(const xt_conf_case *c, const char *key) {
  for (int i = 0; i < c->nparams; i++)
    if (strcmp(c->param_key[i], key) == 0) return c->param_val[i];
  return NULL;
}

double xt_conf_param_num(const xt_conf_case *c, const char *key, double fallback) {
  const char *v = xt_conf_param(c, key);
  return v ? strtod(v, NULL) : fallback;
}

xent_tensor_t xt_conf_tensor_of(const xt_conf_tensor *t, void *storage) {
  size_t size = xent_dtype_size(t->dtype);
  for (int64_t i = 0; i < t->n; i++) {
    char *p = (char *)storage + (size_t)i * size;
    double v = t->values[i];
    switch (t->dtype) {
      case XENT_F32: *(float *)p = (float)v; break;
      case XENT_F64: *(double *)p = v; break;
      case XENT_F16: *(uint16_t *)p = xent_f64_to_f16(v); break;
      case XENT_BF16: *(uint16_t *)p = xent_f64_to_bf16(v); break;
      case XENT_I32: *(int32_t *)p = (int32_t)v; break;
      case XENT_I64: *(int64_t *)p = (int64_t)v; break;
      case XENT_U8: *(uint8_t *)p = (uint8_t)v; break;
    }
  }
  xent_tensor_t out;
  xent_tensor_init(&out, storage, t->dtype, t->rank, t->shape, NULL);
  return out;
}
