/*
 * Exact ROC AUC and average precision, as scikit-learn computes them, with a
 * streaming state in two modes.
 *
 * Exact mode keeps, per column, one run of the counted scores with their
 * labels (1 positive, 0 negative) or, for multi-class columns, true classes.
 * While every score of a run is exactly representable as f32, an entry is one
 * 64-bit word, key32 << 32 | label (at most three sort passes instead of six,
 * and no separate label stream); the first other score widens the run to
 * 64-bit keys (xent__m_key) beside a label array. Weights are kept only once
 * a weight other than 1 has been seen; with unit weights the sweeps count in
 * 64-bit integers.
 * Runs are sorted lazily (radix sort) when a result is read; a sorted prefix
 * stays sorted and new entries are sorted and merged in.
 *
 * Bounded mode keeps, per column, at most `capacity` groups. A group is a
 * bucket key >> shift of the key grid; it records the lowest and highest key
 * it holds and a compensated weight per slot (negative/positive, or per class
 * with XENT_AUC_ONE_VS_ONE). New entries wait in a pending buffer of at most
 * `capacity` entries; a flush sorts them, merges them into the groups and
 * coarsens the grid one bit at a time while more than `capacity` buckets are
 * in use. The shift reached depends only on the set of keys, so batching and
 * merging do not change the result.
 *
 * Results sweep the tied-score groups from the highest score down:
 *   ROC:  U = sum_g fp_g (TP_before + tp_g / 2),  AUC = U / (P N)
 *   AP:   sum_g tp_g * TP_after / (TP_after + FP_after) / P
 * and, for groups holding several distinct keys, the bounds documented in
 * xent.h.
 */
#include "metrics_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- storage ---- */

typedef struct {
  uint64_t *k;  /* compact: key32 << 32 | class; wide: 64-bit keys */
  double *w;    /* NULL while every weight is 1 */
  void *c;      /* wide: labels (uint8_t, 1 = positive) or classes (int32_t) */
  int csize;    /* bytes per entry of c: 1 or 4 */
  int wide;
  int64_t n, cap, sorted; /* entries [0, sorted) are in ascending key order */
} run;

typedef struct {
  int shift;              /* bucket = key >> shift; 64 means one bucket */
  int64_t n, cap;
  uint64_t *lo, *hi;      /* lowest and highest key of each group */
  double *w;              /* n * L (sum, comp) pairs */
  uint64_t *pk;           /* pending entries */
  double *pw;
  int32_t *pc;
  int64_t pn, pcap;
} bcol;

struct xent_auc_t {
  xent_auc_config_t cfg;
  int64_t C;      /* columns */
  int multiclass;
  int64_t L;      /* bounded: weight slots per group */
  int64_t ntot;   /* entries of tot */
  run *runs;      /* exact: one per column */
  bcol *cols;     /* bounded: one per column */
  double *tot;    /* (sum, comp): multi-class per class; otherwise per (column, neg/pos) */
  int64_t count;  /* positions counted */
  /* 'samples' average (multi-label): per-position values */
  double s_roc[2], s_roc_w[2], s_roc_undef[2];
  double s_ap[2], s_ap_w[2], s_ap_nopos[2];
};

static uint64_t bucket_of(uint64_t key, int shift) {
  return shift >= 64 ? 0 : key >> shift;
}

static int64_t nruns(const xent_auc_t *s) { return s->C; }

/* The class (or label) of entry i of a run. */
static int32_t run_class(const run *r, int64_t i) {
  if (!r->wide) return (int32_t)(uint32_t)r->k[i];
  return r->csize == 1 ? ((const uint8_t *)r->c)[i] : ((const int32_t *)r->c)[i];
}

/* A key to compare entries of one run with (compact: the 32-bit key). */
static uint64_t run_gkey(const run *r, int64_t i) { return r->wide ? r->k[i] : r->k[i] >> 32; }

/* The 64-bit key (xent__m_key) of entry i. */
static uint64_t run_wkey(const run *r, int64_t i) {
  return r->wide ? r->k[i] : xent__m_key(xent__m_unkey32((uint32_t)(r->k[i] >> 32)));
}

static void run_free(run *r) {
  int csize = r->csize;
  free(r->k), free(r->w), free(r->c);
  memset(r, 0, sizeof *r);
  r->csize = csize;
}

/* Converts a compact run to 64-bit keys and a label array. */
static xent_status_t run_widen(run *r) {
  if (r->wide) return XENT_OK;
  void *c = xent__m_alloc((size_t)(r->cap ? r->cap : 1) * (size_t)r->csize);
  if (!c) return xent__fail(XENT_ERR_NOMEM, "could not allocate %" PRId64 " labels", r->cap);
  for (int64_t i = 0; i < r->n; i++) {
    int32_t cls = (int32_t)(uint32_t)r->k[i];
    if (r->csize == 1) ((uint8_t *)c)[i] = (uint8_t)cls;
    else ((int32_t *)c)[i] = cls;
    r->k[i] = xent__m_key(xent__m_unkey32((uint32_t)(r->k[i] >> 32)));
  }
  free(r->c);
  r->c = c;
  r->wide = 1;
  return XENT_OK;
}

static void bcol_free(bcol *b) {
  free(b->lo), free(b->hi), free(b->w), free(b->pk), free(b->pw), free(b->pc);
  memset(b, 0, sizeof *b);
}

xent_auc_config_t xent_auc_config_default(void) {
  xent_auc_config_t c;
  memset(&c, 0, sizeof c);
  c.task = XENT_AUC_BINARY;
  c.classes = 1;
  return c;
}

xent_auc_options_t xent_auc_options_default(void) {
  xent_auc_options_t o;
  memset(&o, 0, sizeof o);
  o.average = XENT_AVERAGE_MACRO;
  o.multi_class = XENT_MULTICLASS_OVR;
  o.max_fpr = 1.0;
  return o;
}

xent_status_t xent_auc_create(const xent_auc_config_t *config, xent_auc_t **state) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  *state = NULL;
  xent_auc_config_t cfg = config ? *config : xent_auc_config_default();
  if ((unsigned)cfg.task > XENT_AUC_MULTILABEL)
    return xent__fail(XENT_ERR_ARGUMENT, "config->task = %d is not a xent_auc_task_t",
                      (int)cfg.task);
  if (cfg.task == XENT_AUC_BINARY) cfg.classes = 1;
  if (cfg.classes < 1 || cfg.classes > INT32_MAX)
    return xent__fail(XENT_ERR_ARGUMENT, "config->classes = %" PRId64 " is outside [1, %d]",
                      cfg.classes, INT32_MAX);
  if (cfg.capacity < 0)
    return xent__fail(XENT_ERR_ARGUMENT, "config->capacity = %" PRId64 " is negative",
                      cfg.capacity);
  if (cfg.flags & ~XENT_AUC_ONE_VS_ONE)
    return xent__fail(XENT_ERR_ARGUMENT, "config->flags = %#x has unknown bits", cfg.flags);
  xent_auc_t *s = calloc(1, sizeof *s);
  if (!s) return xent__fail(XENT_ERR_NOMEM, "could not allocate an AUC state");
  s->cfg = cfg;
  s->C = cfg.classes;
  s->multiclass = cfg.task == XENT_AUC_MULTICLASS;
  s->L = s->multiclass && (cfg.flags & XENT_AUC_ONE_VS_ONE) ? s->C : 2;
  s->ntot = s->multiclass ? s->C : 2 * s->C;
  s->tot = calloc((size_t)(2 * s->ntot), sizeof *s->tot);
  if (cfg.capacity)
    s->cols = calloc((size_t)s->C, sizeof *s->cols);
  else
    s->runs = calloc((size_t)nruns(s), sizeof *s->runs);
  for (int64_t i = 0; s->runs && i < nruns(s); i++) s->runs[i].csize = s->multiclass ? 4 : 1;
  if (!s->tot || (cfg.capacity ? !s->cols : !s->runs)) {
    free(s->tot), free(s->cols), free(s->runs), free(s);
    return xent__fail(XENT_ERR_NOMEM, "could not allocate an AUC state for %" PRId64
                      " columns", cfg.classes);
  }
  *state = s;
  return XENT_OK;
}

xent_status_t xent_auc_reset(xent_auc_t *state) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  if (state->runs)
    for (int64_t i = 0; i < nruns(state); i++) run_free(&state->runs[i]);
  if (state->cols)
    for (int64_t i = 0; i < state->C; i++) bcol_free(&state->cols[i]);
  memset(state->tot, 0, (size_t)(2 * state->ntot) * sizeof *state->tot);
  state->count = 0;
  memset(state->s_roc, 0, sizeof state->s_roc), memset(state->s_roc_w, 0, sizeof state->s_roc_w);
  memset(state->s_roc_undef, 0, sizeof state->s_roc_undef);
  memset(state->s_ap, 0, sizeof state->s_ap), memset(state->s_ap_w, 0, sizeof state->s_ap_w);
  memset(state->s_ap_nopos, 0, sizeof state->s_ap_nopos);
  return XENT_OK;
}

xent_status_t xent_auc_destroy(xent_auc_t *state) {
  xent__clear_error();
  if (!state) return XENT_OK;
  xent_auc_reset(state);
  free(state->runs), free(state->cols), free(state->tot), free(state);
  return XENT_OK;
}

xent_status_t xent_auc_memory(const xent_auc_t *state, int64_t *bytes) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  if (!bytes) return xent__fail(XENT_ERR_NULL, "bytes is NULL");
  int64_t b = (int64_t)sizeof *state + 16 * state->ntot;
  if (state->runs)
    for (int64_t i = 0; i < nruns(state); i++) {
      const run *r = &state->runs[i];
      b += (int64_t)sizeof *r + r->cap * (8 + (r->w ? 8 : 0) + (r->wide ? r->csize : 0));
    }
  if (state->cols)
    for (int64_t i = 0; i < state->C; i++) {
      const bcol *c = &state->cols[i];
      b += (int64_t)sizeof *c + c->cap * (16 + 16 * state->L) + c->pcap * 20;
    }
  *bytes = b;
  return XENT_OK;
}

/* ---- exact runs ---- */

static xent_status_t run_reserve(run *r, int64_t need) {
  if (need <= r->cap) return XENT_OK;
  int64_t cap = r->cap, c2 = r->cap, c3 = r->cap;
  XENT__TRY(xent__m_reserve((void **)&r->k, &cap, need, sizeof *r->k));
  if (r->wide) XENT__TRY(xent__m_reserve(&r->c, &c3, cap, (size_t)r->csize));
  if (r->w) XENT__TRY(xent__m_reserve((void **)&r->w, &c2, cap, sizeof *r->w));
  r->cap = cap;
  return XENT_OK;
}

/* Gives the run explicit weights (all 1 so far). */
static xent_status_t run_weigh(run *r) {
  if (r->w) return XENT_OK;
  r->w = xent__m_alloc((size_t)(r->cap ? r->cap : 1) * sizeof *r->w);
  if (!r->w) return xent__fail(XENT_ERR_NOMEM, "could not allocate weights");
  for (int64_t i = 0; i < r->n; i++) r->w[i] = 1.0;
  return XENT_OK;
}

static void run_put(run *r, int64_t i, double v, int32_t cls) {
  if (r->wide) {
    r->k[i] = xent__m_key(v);
    if (r->csize == 1) ((uint8_t *)r->c)[i] = (uint8_t)cls;
    else ((int32_t *)r->c)[i] = cls;
  } else {
    r->k[i] = (uint64_t)xent__m_key32(v) << 32 | (uint32_t)cls;
  }
}

static xent_status_t run_push(run *r, double v, double w, int32_t cls) {
  if (!r->wide && !xent__m_is_f32(v)) XENT__TRY(run_widen(r));
  if (r->n == r->cap) XENT__TRY(run_reserve(r, r->n + 1));
  if (w != 1.0 && !r->w) XENT__TRY(run_weigh(r));
  run_put(r, r->n, v, cls);
  if (r->w) r->w[r->n] = w;
  r->n++;
  return XENT_OK;
}

/* Sorts the unsorted tail and merges it into the sorted prefix. */
static xent_status_t run_sort(run *r) {
  if (r->sorted == r->n) return XENT_OK;
  int64_t s = r->sorted, n = r->n;
  size_t cs = r->wide ? (size_t)r->csize : 0;
  if (s == 0) { /* a sort from scratch may hand over its scratch buffers */
    xent__m_sorted out;
    XENT__TRY(xent__m_sort_owned(r->k, r->w, r->wide ? r->c : NULL, r->wide ? r->csize : 0, n,
                                 r->wide ? 0 : 32, &out));
    if (out.swapped) {
      r->k = out.keys, r->w = out.w;
      if (r->wide) r->c = out.c;
      r->cap = n;
    }
    r->sorted = n;
    return XENT_OK;
  }
  if (r->wide)
    XENT__TRY(xent__m_sort(r->k + s, r->w ? r->w + s : NULL, (char *)r->c + (size_t)s * cs,
                           r->csize, n - s));
  else
    XENT__TRY(xent__m_sort_hi32(r->k + s, r->w ? r->w + s : NULL, n - s));
  if (s > 0 && run_gkey(r, s - 1) > run_gkey(r, s)) {
    uint64_t *k = xent__m_alloc((size_t)n * sizeof *k);
    double *w = r->w ? xent__m_alloc((size_t)n * sizeof *w) : NULL;
    char *c = cs ? xent__m_alloc((size_t)n * cs) : NULL;
    if (!k || (r->w && !w) || (cs && !c)) {
      free(k), free(w), free(c);
      return xent__fail(XENT_ERR_NOMEM, "could not merge %" PRId64 " sorted scores", n);
    }
    int64_t i = 0, j = s, o = 0;
    const char *rc = r->c;
    while (i < s || j < n) {
      int64_t from = (j >= n || (i < s && run_gkey(r, i) <= run_gkey(r, j))) ? i++ : j++;
      k[o] = r->k[from];
      if (w) w[o] = r->w[from];
      if (cs) memcpy(c + (size_t)o * cs, rc + (size_t)from * cs, cs);
      o++;
    }
    free(r->k), free(r->w), free(r->c);
    r->k = k, r->w = w, r->c = c;
    r->cap = n;
  }
  r->sorted = n;
  return XENT_OK;
}

/* ---- bounded columns ---- */

static xent_status_t bcol_pending_push(bcol *b, uint64_t key, double w, int32_t slot,
                                       int64_t capacity) {
  if (b->pn == b->pcap) {
    int64_t need = b->pn + 1, cap = b->pcap;
    int64_t target = need > capacity ? need : (need * 2 < capacity ? need * 2 : capacity);
    int64_t c1 = cap, c2 = cap, c3 = cap;
    XENT__TRY(xent__m_reserve((void **)&b->pk, &c1, target, sizeof *b->pk));
    XENT__TRY(xent__m_reserve((void **)&b->pw, &c2, target, sizeof *b->pw));
    XENT__TRY(xent__m_reserve((void **)&b->pc, &c3, target, sizeof *b->pc));
    b->pcap = c1 < c2 ? (c1 < c3 ? c1 : c3) : (c2 < c3 ? c2 : c3);
  }
  b->pk[b->pn] = key, b->pw[b->pn] = w, b->pc[b->pn] = slot;
  b->pn++;
  return XENT_OK;
}

/* Merges adjacent groups that share a bucket at b->shift (in place). */
static void bcol_combine(bcol *b, int64_t L) {
  int64_t o = 0;
  for (int64_t i = 0; i < b->n; i++) {
    if (o > 0 && bucket_of(b->lo[o - 1], b->shift) == bucket_of(b->lo[i], b->shift)) {
      b->hi[o - 1] = b->hi[i];
      for (int64_t l = 0; l < L; l++) {
        xent__m_add(&b->w[2 * ((o - 1) * L + l)], &b->w[2 * ((o - 1) * L + l) + 1],
                    b->w[2 * (i * L + l)]);
        xent__m_add(&b->w[2 * ((o - 1) * L + l)], &b->w[2 * ((o - 1) * L + l) + 1],
                    b->w[2 * (i * L + l) + 1]);
      }
      continue;
    }
    if (o != i) {
      b->lo[o] = b->lo[i], b->hi[o] = b->hi[i];
      memmove(&b->w[2 * o * L], &b->w[2 * i * L], (size_t)(2 * L) * sizeof *b->w);
    }
    o++;
  }
  b->n = o;
}

/* Coarsens the grid until at most `capacity` groups remain. */
static void bcol_fit(bcol *b, int64_t L, int64_t capacity) {
  while (b->n > capacity && b->shift < 64) {
    b->shift++;
    bcol_combine(b, L);
  }
}

/* Merges sorted groups (lo, hi, w) of `n2` entries, at shift b->shift, into b. */
static xent_status_t bcol_merge_groups(bcol *b, int64_t L, const uint64_t *lo2,
                                       const uint64_t *hi2, const double *w2, int64_t n2) {
  int64_t n = b->n + n2;
  uint64_t *lo = malloc((size_t)(n ? n : 1) * sizeof *lo);
  uint64_t *hi = malloc((size_t)(n ? n : 1) * sizeof *hi);
  double *w = malloc((size_t)(n ? n : 1) * (size_t)(2 * L) * sizeof *w);
  if (!lo || !hi || !w) {
    free(lo), free(hi), free(w);
    return xent__fail(XENT_ERR_NOMEM, "could not merge %" PRId64 " score groups", n);
  }
  int64_t i = 0, j = 0, o = 0;
  while (i < b->n || j < n2) {
    int take_a = j >= n2 || (i < b->n && b->lo[i] <= lo2[j]);
    uint64_t l = take_a ? b->lo[i] : lo2[j], h = take_a ? b->hi[i] : hi2[j];
    const double *src = take_a ? &b->w[2 * i * L] : &w2[2 * j * L];
    if (take_a) i++; else j++;
    if (o > 0 && bucket_of(lo[o - 1], b->shift) == bucket_of(l, b->shift)) {
      if (l < lo[o - 1]) lo[o - 1] = l;
      if (h > hi[o - 1]) hi[o - 1] = h;
      for (int64_t s = 0; s < L; s++) {
        xent__m_add(&w[2 * ((o - 1) * L + s)], &w[2 * ((o - 1) * L + s) + 1], src[2 * s]);
        xent__m_add(&w[2 * ((o - 1) * L + s)], &w[2 * ((o - 1) * L + s) + 1], src[2 * s + 1]);
      }
      continue;
    }
    lo[o] = l, hi[o] = h;
    memcpy(&w[2 * o * L], src, (size_t)(2 * L) * sizeof *w);
    o++;
  }
  free(b->lo), free(b->hi), free(b->w);
  b->lo = lo, b->hi = hi, b->w = w;
  b->n = o;
  b->cap = n;
  return XENT_OK;
}

/* Moves the pending entries into the groups. */
static xent_status_t bcol_flush(bcol *b, int64_t L, int64_t capacity) {
  if (b->pn == 0) return XENT_OK;
  XENT__TRY(xent__m_sort(b->pk, b->pw, b->pc, 4, b->pn));
  /* groups of the pending entries at the current shift */
  int64_t m = 0;
  uint64_t *lo = malloc((size_t)b->pn * sizeof *lo), *hi = malloc((size_t)b->pn * sizeof *hi);
  double *w = calloc((size_t)b->pn * (size_t)(2 * L), sizeof *w);
  if (!lo || !hi || !w) {
    free(lo), free(hi), free(w);
    return xent__fail(XENT_ERR_NOMEM, "could not group %" PRId64 " scores", b->pn);
  }
  for (int64_t i = 0; i < b->pn; i++) {
    if (m == 0 || bucket_of(lo[m - 1], b->shift) != bucket_of(b->pk[i], b->shift)) {
      lo[m] = b->pk[i];
      m++;
    }
    hi[m - 1] = b->pk[i];
    int64_t s = b->pc[i];
    xent__m_add(&w[2 * ((m - 1) * L + s)], &w[2 * ((m - 1) * L + s) + 1], b->pw[i]);
  }
  xent_status_t st = bcol_merge_groups(b, L, lo, hi, w, m);
  free(lo), free(hi), free(w);
  XENT__TRY(st);
  b->pn = 0;
  bcol_fit(b, L, capacity);
  return XENT_OK;
}

static xent_status_t flush_all(xent_auc_t *s) {
  if (s->runs)
    for (int64_t i = 0; i < nruns(s); i++) XENT__TRY(run_sort(&s->runs[i]));
  if (s->cols)
    for (int64_t i = 0; i < s->C; i++) XENT__TRY(bcol_flush(&s->cols[i], s->L, s->cfg.capacity));
  return XENT_OK;
}

/* ---- per-position values for the 'samples' average ---- */

/* ROC AUC and AP of one position's n labels (unweighted). keys/cls are
 * scratch of n entries and get sorted. */
static xent_status_t row_values(uint64_t *keys, int32_t *cls, int64_t n, double *roc,
                                double *ap) {
  XENT__TRY(xent__m_sort(keys, NULL, cls, 4, n));
  double tp = 0, fp = 0, u = 0, a = 0;
  int64_t i = n;
  while (i > 0) {
    uint64_t key = keys[i - 1];
    double gt = 0, gf = 0;
    while (i > 0 && keys[i - 1] == key) {
      if (cls[i - 1]) gt++; else gf++;
      i--;
    }
    u += gf * (tp + gt / 2);
    tp += gt, fp += gf;
    if (gt > 0) a += gt * tp / (tp + fp);
  }
  *roc = tp > 0 && fp > 0 ? u / (tp * fp) : NAN;
  *ap = tp > 0 ? a / tp : NAN;
  return XENT_OK;
}

/* ---- update ---- */

static void samples_get(const xent_auc_t *s, double *v) {
  memcpy(v, s->s_roc, 2 * sizeof *v), memcpy(v + 2, s->s_roc_w, 2 * sizeof *v);
  memcpy(v + 4, s->s_roc_undef, 2 * sizeof *v), memcpy(v + 6, s->s_ap, 2 * sizeof *v);
  memcpy(v + 8, s->s_ap_w, 2 * sizeof *v), memcpy(v + 10, s->s_ap_nopos, 2 * sizeof *v);
}

static void samples_set(xent_auc_t *s, const double *v) {
  memcpy(s->s_roc, v, 2 * sizeof *v), memcpy(s->s_roc_w, v + 2, 2 * sizeof *v);
  memcpy(s->s_roc_undef, v + 4, 2 * sizeof *v), memcpy(s->s_ap, v + 6, 2 * sizeof *v);
  memcpy(s->s_ap_w, v + 8, 2 * sizeof *v), memcpy(s->s_ap_nopos, v + 10, 2 * sizeof *v);
}

static void tot_add(double *tot, int64_t i, double w) {
  xent__m_add(&tot[2 * i], &tot[2 * i + 1], w);
}

/* Adds one (column, key, slot) entry. slot: binary/multi-label 0/1; multi-
 * class the true class. */
static xent_status_t add_entry(xent_auc_t *s, int64_t col, uint64_t key, double w,
                               int64_t slot) {
  if (s->runs) return run_push(&s->runs[col], xent__m_unkey(key), w, (int32_t)slot);
  int64_t bslot = s->multiclass && s->L == 2 ? (slot == col) : slot;
  bcol *b = &s->cols[col];
  if (b->pn >= s->cfg.capacity) XENT__TRY(bcol_flush(b, s->L, s->cfg.capacity));
  return bcol_pending_push(b, key, w, (int32_t)bslot, s->cfg.capacity);
}

/* Fast path: binary task, exact mode, no mask or weights, f32/f64 scores. */
static int fast_binary(xent_auc_t *s, xent__m_walk *w, xent_status_t *st) {
  if (!s->runs || s->C != 1 || s->multiclass || w->has_mask || w->has_weight) return 0;
  if (w->pred.dtype != XENT_F32 && w->pred.dtype != XENT_F64) return 0;
  xent_dtype_t td = w->truth.dtype;
  if (td != XENT_U8 && td != XENT_I32 && td != XENT_I64 && td != XENT_F32 && td != XENT_F64)
    return 0;
  run *r = &s->runs[0];
  int64_t n0 = r->n, npos = 0;
  *st = XENT_OK;
  for (int64_t row = 0; row < w->it.count && *st == XENT_OK; row++) {
    xent__m_row(w, row);
    int64_t len = w->length;
    if ((*st = run_reserve(r, r->n + len)) != XENT_OK) break;
    const char *pp = w->it.ptr[XENT__M_PRED], *tp = w->it.ptr[XENT__M_TRUE];
    int64_t ps = w->step[XENT__M_PRED], ts = w->step[XENT__M_TRUE];
    int f32 = w->pred.dtype == XENT_F32;
    for (int64_t i = 0; i < len; i++) {
      double v = f32 ? (double)*(const float *)(pp + i * ps) : *(const double *)(pp + i * ps);
      double y;
      switch (td) {
        case XENT_U8: y = *(const uint8_t *)(tp + i * ts); break;
        case XENT_I32: y = *(const int32_t *)(tp + i * ts); break;
        case XENT_I64: y = (double)*(const int64_t *)(tp + i * ts); break;
        case XENT_F32: y = *(const float *)(tp + i * ts); break;
        default: y = *(const double *)(tp + i * ts); break;
      }
      if (isnan(v) || !(y == 1 || y == 0 || y == -1)) {
        int label;
        *st = isnan(v) ? xent__m_load_pred(w, i, &v) : xent__m_load_binary(w, i, &label);
        break;
      }
      if (!r->wide && !f32 && !xent__m_is_f32(v)) {
        int64_t keep = r->n;
        r->n += i; /* the entries written so far in this row */
        *st = run_widen(r);
        r->n = keep;
        if (*st != XENT_OK) break;
      }
      int is_pos = y == 1;
      if (r->wide) {
        r->k[r->n + i] = xent__m_key(v);
        ((uint8_t *)r->c)[r->n + i] = (uint8_t)is_pos;
      } else {
        r->k[r->n + i] = (uint64_t)xent__m_key32(v) << 32 | (uint32_t)is_pos;
      }
      npos += is_pos;
    }
    if (*st == XENT_OK) r->n += len;
  }
  if (*st != XENT_OK) {
    /* entries beyond n0 are dropped; a run widened by this batch stays wide,
     * which represents the same keys */
    r->n = n0;
    if (r->sorted > n0) r->sorted = n0;
    return 1;
  }
  int64_t added = r->n - n0;
  tot_add(s->tot, 0, (double)(added - npos));
  tot_add(s->tot, 1, (double)npos);
  s->count += added;
  return 1;
}

/* One pass over the batch: validates, and adds entries when `add` is set. */
static xent_status_t update_pass(xent_auc_t *s, xent__m_walk *w, int add, double *tot,
                                 double *samples, int64_t *count, uint64_t *rk, int32_t *rc) {
  xent__m_begin(w);
  int64_t C = s->C;
  for (int64_t r = 0; r < w->it.count; r++) {
    xent__m_row(w, r);
    for (int64_t i = 0; i < w->per_row; i++) {
      double weight;
      int counted = xent__m_position(w, i, &weight);
      if (counted < 0) return XENT_ERR_VALUE;
      if (!counted) continue;
      if (s->cfg.task == XENT_AUC_BINARY) {
        double v;
        int y;
        XENT__TRY(xent__m_load_pred(w, i, &v));
        XENT__TRY(xent__m_load_binary(w, i, &y));
        if (add) {
          XENT__TRY(add_entry(s, 0, xent__m_key(v), weight, y));
          tot_add(tot, y, weight);
        }
      } else if (s->multiclass) {
        int64_t y;
        XENT__TRY(xent__m_load_class(w, 0, C, &y));
        for (int64_t j = 0; j < C; j++) {
          double v;
          XENT__TRY(xent__m_load_pred(w, j, &v));
          if (add) XENT__TRY(add_entry(s, j, xent__m_key(v), weight, y));
        }
        if (add) tot_add(tot, y, weight);
      } else {
        for (int64_t j = 0; j < C; j++) {
          double v;
          int y;
          XENT__TRY(xent__m_load_pred(w, j, &v));
          XENT__TRY(xent__m_load_binary(w, j, &y));
          rk[j] = xent__m_key(v), rc[j] = y;
          if (add) {
            XENT__TRY(add_entry(s, j, rk[j], weight, y));
            tot_add(tot, 2 * j + y, weight);
          }
        }
        if (add) {
          double roc, ap;
          XENT__TRY(row_values(rk, rc, C, &roc, &ap));
          if (isnan(roc)) xent__m_add(&samples[4], &samples[5], weight);
          else xent__m_add(&samples[0], &samples[1], weight * roc),
               xent__m_add(&samples[2], &samples[3], weight);
          if (isnan(ap)) xent__m_add(&samples[10], &samples[11], weight);
          else xent__m_add(&samples[6], &samples[7], weight * ap),
               xent__m_add(&samples[8], &samples[9], weight);
        }
      }
      if (add) (*count)++;
    }
  }
  return XENT_OK;
}

xent_status_t xent_auc_update(xent_auc_t *state, const xent_tensor_t *y_true,
                              const xent_tensor_t *y_score,
                              const xent_metric_options_t *opts) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  xent__m_walk w;
  xent_auc_task_t task = state->cfg.task;
  xent__m_layout layout = task == XENT_AUC_BINARY      ? XENT__M_ELEMENTWISE
                          : task == XENT_AUC_MULTICLASS ? XENT__M_SPARSE
                                                        : XENT__M_DENSE;
  XENT__TRY(xent__m_plan(&w, layout, y_true, "y_true", y_score, "y_score",
                         XENT__M_TRUE_FLOAT, XENT__M_TRUE_ANY, opts));
  if (task != XENT_AUC_BINARY && w.length != state->C)
    return xent__fail(XENT_ERR_SHAPE, "y_score.shape[%d] = %" PRId64 " but the state has %"
                      PRId64 " columns", w.axis, w.length, state->C);
  xent_status_t st;
  if (fast_binary(state, &w, &st)) return st;

  int64_t C = state->C, nr = state->runs ? nruns(state) : 0;
  int64_t *sizes = calloc((size_t)(nr + 1), sizeof *sizes);
  int *had_w = calloc((size_t)(nr + 1), sizeof *had_w);
  double *tot = malloc((size_t)(2 * state->ntot) * sizeof *tot);
  uint64_t *rk = malloc((size_t)C * sizeof *rk);
  int32_t *rc = malloc((size_t)C * sizeof *rc);
  if (!sizes || !had_w || !tot || !rk || !rc) {
    free(sizes), free(had_w), free(tot), free(rk), free(rc);
    return xent__fail(XENT_ERR_NOMEM, "could not allocate update scratch");
  }
  memcpy(tot, state->tot, (size_t)(2 * state->ntot) * sizeof *tot);
  double samples[12];
  samples_get(state, samples);
  int64_t count = state->count;
  for (int64_t i = 0; i < nr; i++) {
    sizes[i] = state->runs[i].n;
    had_w[i] = state->runs[i].w != NULL;
  }
  /* Bounded states validate first: a flush during the pass cannot be undone.
   * Exact states add as they go and roll back on an error. */
  st = XENT_OK;
  if (state->cols) st = update_pass(state, &w, 0, tot, samples, &count, rk, rc);
  if (st == XENT_OK) st = update_pass(state, &w, 1, tot, samples, &count, rk, rc);
  if (st == XENT_OK) {
    memcpy(state->tot, tot, (size_t)(2 * state->ntot) * sizeof *tot);
    samples_set(state, samples);
    state->count = count;
  } else {
    for (int64_t i = 0; i < nr; i++) {
      run *r = &state->runs[i];
      r->n = sizes[i];
      if (r->sorted > r->n) r->sorted = r->n;
      if (!had_w[i] && r->w) free(r->w), r->w = NULL;
    }
  }
  free(sizes), free(had_w), free(tot), free(rk), free(rc);
  return st;
}

/* ---- merge ---- */

static xent_status_t run_append(run *into, const run *from) {
  if (from->n == 0) return XENT_OK;
  if (from->wide) XENT__TRY(run_widen(into));
  XENT__TRY(run_reserve(into, into->n + from->n));
  if (from->w && !into->w) XENT__TRY(run_weigh(into));
  int64_t n0 = into->n;
  if (into->wide == from->wide) {
    memcpy(into->k + n0, from->k, (size_t)from->n * sizeof *from->k);
    if (into->wide)
      memcpy((char *)into->c + (size_t)n0 * (size_t)into->csize, from->c,
             (size_t)from->n * (size_t)from->csize);
  } else { /* a compact run into a wide one */
    for (int64_t i = 0; i < from->n; i++)
      run_put(into, n0 + i, xent__m_unkey32((uint32_t)(from->k[i] >> 32)), run_class(from, i));
  }
  if (into->w) {
    if (from->w) memcpy(into->w + n0, from->w, (size_t)from->n * sizeof *from->w);
    else for (int64_t i = 0; i < from->n; i++) into->w[n0 + i] = 1.0;
  }
  into->n += from->n;
  if (into->sorted == n0 && from->sorted == from->n &&
      (n0 == 0 || run_gkey(into, n0 - 1) <= run_gkey(into, n0)))
    into->sorted = into->n;
  return XENT_OK;
}

static xent_status_t bcol_absorb(bcol *into, const bcol *from, int64_t L, int64_t capacity) {
  /* from's groups, coarsened to the common shift */
  XENT__TRY(bcol_flush(into, L, capacity));
  while (into->shift < from->shift) {
    into->shift++;
    bcol_combine(into, L);
  }
  if (from->n) {
    bcol tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.shift = from->shift;
    tmp.n = from->n;
    tmp.lo = malloc((size_t)from->n * sizeof *tmp.lo);
    tmp.hi = malloc((size_t)from->n * sizeof *tmp.hi);
    tmp.w = malloc((size_t)from->n * (size_t)(2 * L) * sizeof *tmp.w);
    if (!tmp.lo || !tmp.hi || !tmp.w) {
      bcol_free(&tmp);
      return xent__fail(XENT_ERR_NOMEM, "could not copy %" PRId64 " score groups", from->n);
    }
    memcpy(tmp.lo, from->lo, (size_t)from->n * sizeof *tmp.lo);
    memcpy(tmp.hi, from->hi, (size_t)from->n * sizeof *tmp.hi);
    memcpy(tmp.w, from->w, (size_t)from->n * (size_t)(2 * L) * sizeof *tmp.w);
    while (tmp.shift < into->shift) {
      tmp.shift++;
      bcol_combine(&tmp, L);
    }
    xent_status_t st = bcol_merge_groups(into, L, tmp.lo, tmp.hi, tmp.w, tmp.n);
    bcol_free(&tmp);
    XENT__TRY(st);
    bcol_fit(into, L, capacity);
  }
  for (int64_t i = 0; i < from->pn; i++) {
    if (into->pn >= capacity) XENT__TRY(bcol_flush(into, L, capacity));
    XENT__TRY(bcol_pending_push(into, from->pk[i], from->pw[i], from->pc[i], capacity));
  }
  return XENT_OK;
}

xent_status_t xent_auc_merge(xent_auc_t *into, const xent_auc_t *from) {
  xent__clear_error();
  if (!into) return xent__fail(XENT_ERR_NULL, "into is NULL");
  if (!from) return xent__fail(XENT_ERR_NULL, "from is NULL");
  if (into == from) return xent__fail(XENT_ERR_ARGUMENT, "into and from are the same state");
  if (into->cfg.task != from->cfg.task || into->C != from->C ||
      into->cfg.capacity != from->cfg.capacity || into->cfg.flags != from->cfg.flags)
    return xent__fail(XENT_ERR_ARGUMENT, "the states differ in task, classes, capacity or "
                      "flags");
  if (into->runs)
    for (int64_t i = 0; i < nruns(into); i++)
      XENT__TRY(run_append(&into->runs[i], &from->runs[i]));
  if (into->cols)
    for (int64_t i = 0; i < into->C; i++)
      XENT__TRY(bcol_absorb(&into->cols[i], &from->cols[i], into->L, into->cfg.capacity));
  for (int64_t i = 0; i < into->ntot; i++) {
    xent__m_add(&into->tot[2 * i], &into->tot[2 * i + 1], from->tot[2 * i]);
    xent__m_add(&into->tot[2 * i], &into->tot[2 * i + 1], from->tot[2 * i + 1]);
  }
  double a[12], b[12];
  samples_get(into, a);
  samples_get(from, b);
  for (int i = 0; i < 12; i += 2) {
    xent__m_add(&a[i], &a[i + 1], b[i]);
    xent__m_add(&a[i], &a[i + 1], b[i + 1]);
  }
  samples_set(into, a);
  into->count += from->count;
  return XENT_OK;
}

/* ---- sweeping tied-score groups, highest first ---- */

typedef struct {
  double tp, fp;
  uint64_t lo, hi;
} grp;

enum { SRC_RUN, SRC_GROUPS };

typedef struct {
  int kind;
  /* SRC_RUN: an ascending run walked from the end; tp = class `pos`, fp =
   * the other classes (or class `neg` only when neg >= 0) */
  const run *r;
  int64_t i;
  /* SRC_GROUPS: bounded groups with L slots, the same pos / neg meaning */
  const uint64_t *glo, *ghi;
  const double *gw;
  int64_t L, gi;
  int64_t pos, neg;
} gsrc;

static void src_run(gsrc *s, const run *r, int64_t pos, int64_t neg) {
  memset(s, 0, sizeof *s);
  s->kind = SRC_RUN;
  s->r = r, s->i = r->n;
  s->pos = pos, s->neg = neg;
}

static void src_groups(gsrc *s, const bcol *b, int64_t L, int64_t pos, int64_t neg) {
  memset(s, 0, sizeof *s);
  s->kind = SRC_GROUPS;
  s->glo = b->lo, s->ghi = b->hi, s->gw = b->w, s->L = L, s->gi = b->n;
  s->pos = pos, s->neg = neg;
}

static double slot_w(const double *w, int64_t L, int64_t g, int64_t l) {
  return xent__m_value(w[2 * (g * L + l)], w[2 * (g * L + l) + 1]);
}

/* The next group with some weight; 0 at the end. */
static int src_next(gsrc *s, grp *g) {
  for (;;) {
    g->tp = g->fp = 0;
    if (s->kind == SRC_RUN) {
      const run *r = s->r;
      if (s->i == 0) return 0;
      uint64_t key = run_gkey(r, s->i - 1);
      g->lo = g->hi = run_wkey(r, s->i - 1);
      xent_ref_sum a = {0, 0}, b = {0, 0};
      while (s->i > 0 && run_gkey(r, s->i - 1) == key) {
        s->i--;
        double wt = r->w ? r->w[s->i] : 1.0;
        int32_t c = run_class(r, s->i);
        if (c == s->pos) xent_ref_sum_add(&a, wt);
        else if (s->neg < 0 || c == s->neg) xent_ref_sum_add(&b, wt);
      }
      g->tp = xent_ref_sum_value(&a), g->fp = xent_ref_sum_value(&b);
    } else {
      if (s->gi == 0) return 0;
      int64_t i = --s->gi;
      g->lo = s->glo[i], g->hi = s->ghi[i];
      g->tp = slot_w(s->gw, s->L, i, s->pos);
      if (s->neg >= 0) {
        g->fp = slot_w(s->gw, s->L, i, s->neg);
      } else {
        xent_ref_sum b = {0, 0};
        for (int64_t l = 0; l < s->L; l++)
          if (l != s->pos) xent_ref_sum_add(&b, slot_w(s->gw, s->L, i, l));
        g->fp = xent_ref_sum_value(&b);
      }
    }
    if (g->tp != 0 || g->fp != 0) return 1;
  }
}

/* ROC and AP of one binary problem, with the bounded-mode error bounds. */
typedef struct {
  double roc, ap, roc_bound, ap_bound, P, N;
} score;

static void finish_score(score *s, int ap_zero) {
  if (!(s->P > 0 && s->N > 0)) s->roc = s->roc_bound = NAN;
  if (!(s->P > 0)) s->ap = s->ap_bound = ap_zero ? 0.0 : NAN;
}

/* The general sweep: weighted or bounded sources. */
static score sweep_scores(gsrc *src, int want_ap, int ap_zero) {
  xent_ref_sum u = {0, 0}, ap = {0, 0}, tps = {0, 0}, fps = {0, 0}, rerr = {0, 0}, aerr = {0, 0};
  grp g;
  while (src_next(src, &g)) {
    double tp0 = xent_ref_sum_value(&tps), fp0 = xent_ref_sum_value(&fps);
    xent_ref_sum_add(&u, g.fp * (tp0 + g.tp / 2));
    xent_ref_sum_add(&tps, g.tp);
    xent_ref_sum_add(&fps, g.fp);
    double tp1 = xent_ref_sum_value(&tps), fp1 = xent_ref_sum_value(&fps);
    double prec = g.tp > 0 && want_ap ? tp1 / (tp1 + fp1) : 0;
    if (g.tp > 0) xent_ref_sum_add(&ap, g.tp * prec);
    if (g.lo != g.hi) { /* several distinct scores: the order inside is unknown */
      xent_ref_sum_add(&rerr, g.tp * g.fp);
      if (want_ap && g.tp > 0 && g.fp > 0) {
        double hi = g.tp * (tp1 / (tp0 + fp0 + g.tp));
        double den = tp0 + fp0 + g.fp;
        double lo = den > 0 ? g.tp * (tp0 / den) : 0;
        double mid = g.tp * prec;
        xent_ref_sum_add(&aerr, hi - mid > mid - lo ? hi - mid : mid - lo);
      }
    }
  }
  score s;
  s.P = xent_ref_sum_value(&tps), s.N = xent_ref_sum_value(&fps);
  s.roc = xent_ref_sum_value(&u) / (s.P * s.N);
  s.roc_bound = 0.5 * xent_ref_sum_value(&rerr) / (s.P * s.N);
  s.ap = xent_ref_sum_value(&ap) / s.P;
  s.ap_bound = xent_ref_sum_value(&aerr) / s.P;
  finish_score(&s, ap_zero);
  return s;
}

/*
 * Unit weights, exact: one ascending scan over tied-score groups with 64-bit
 * integer counts. ROC: U2 = sum_g pos_g (2 neg_below + neg_g) = 2 U, exact.
 * AP: sum over groups with positives of pos_g * TP_ge / (TP_ge + FP_ge).
 */
#define UNIT_SCAN(KEY, CLS)                                                        \
  do {                                                                             \
    for (int64_t i = 0; i < n; i++) P += (CLS) == pos;                             \
    int64_t N = n - P, pos_below = 0, neg_below = 0, i = 0;                        \
    while (i < n) {                                                                \
      uint64_t key = (KEY);                                                        \
      int64_t pg = 0, g0 = i;                                                      \
      do {                                                                         \
        pg += (CLS) == pos;                                                        \
        i++;                                                                       \
      } while (i < n && (KEY) == key);                                             \
      int64_t ng = (i - g0) - pg;                                                  \
      u2 += (uint64_t)pg * (uint64_t)(2 * neg_below + ng);                         \
      if (want_ap && pg > 0) {                                                     \
        double tpge = (double)(P - pos_below), fpge = (double)(N - neg_below);     \
        xent_ref_sum_add(&ap, (double)pg * (tpge / (tpge + fpge)));                \
      }                                                                            \
      pos_below += pg, neg_below += ng;                                            \
    }                                                                              \
  } while (0)

static score unit_scores(const run *r, int64_t pos, int want_ap, int ap_zero) {
  const uint64_t *k = r->k;
  int64_t n = r->n, P = 0;
  uint64_t u2 = 0;
  xent_ref_sum ap = {0, 0};
  if (!r->wide) {
    UNIT_SCAN(k[i] >> 32, (int64_t)(uint32_t)k[i]);
  } else if (r->csize == 1) {
    const uint8_t *c = r->c;
    UNIT_SCAN(k[i], (int64_t)c[i]);
  } else {
    const int32_t *c = r->c;
    UNIT_SCAN(k[i], (int64_t)c[i]);
  }
  score s;
  s.P = (double)P, s.N = (double)(n - P);
  s.roc = (double)u2 / (2 * s.P * s.N);
  s.ap = xent_ref_sum_value(&ap) / s.P;
  s.roc_bound = s.ap_bound = 0;
  finish_score(&s, ap_zero);
  return s;
}

/* Exact counts in 64-bit integers are safe below 2^31 entries. */
static int unit_ok(int64_t n) { return n < ((int64_t)1 << 31); }

/* ---- one column's binary problem ---- */

/* The micro pool of an exact state: every (position, column) pair, labelled
 * positive or negative, sorted. */
static xent_status_t pool_micro(const xent_auc_t *s, run *p) {
  memset(p, 0, sizeof *p);
  p->csize = 1;
  int64_t n = 0;
  int weighted = 0, wide = 0;
  for (int64_t j = 0; j < s->C; j++) {
    n += s->runs[j].n;
    if (s->runs[j].w) weighted = 1;
    if (s->runs[j].wide) wide = 1;
  }
  if (wide) XENT__TRY(run_widen(p));
  XENT__TRY(run_reserve(p, n ? n : 1));
  if (weighted) XENT__TRY(run_weigh(p));
  for (int64_t j = 0; j < s->C; j++) {
    const run *r = &s->runs[j];
    for (int64_t i = 0; i < r->n; i++) {
      int32_t label = s->multiclass ? run_class(r, i) == j : run_class(r, i) != 0;
      if (wide) {
        p->k[p->n + i] = run_wkey(r, i);
        ((uint8_t *)p->c)[p->n + i] = (uint8_t)label;
      } else {
        p->k[p->n + i] = (r->k[i] & 0xffffffff00000000ull) | (uint32_t)label;
      }
      if (weighted) p->w[p->n + i] = r->w ? r->w[i] : 1.0;
    }
    p->n += r->n;
  }
  return run_sort(p);
}

/* Micro pooling for bounded states: every column's groups on a common grid. */
static xent_status_t groups_micro(const xent_auc_t *s, bcol *out) {
  memset(out, 0, sizeof *out);
  int shift = 0;
  int64_t n = 0;
  for (int64_t j = 0; j < s->C; j++) {
    if (s->cols[j].shift > shift) shift = s->cols[j].shift;
    n += s->cols[j].n;
  }
  if (n > INT32_MAX) return xent__fail(XENT_ERR_NOMEM, "too many score groups to pool");
  uint64_t *lo = malloc((size_t)(n ? n : 1) * sizeof *lo);
  uint64_t *hi = malloc((size_t)(n ? n : 1) * sizeof *hi);
  double *w = calloc((size_t)(n ? n : 1) * 4, sizeof *w);
  int32_t *idx = malloc((size_t)(n ? n : 1) * sizeof *idx);
  uint64_t *keys = malloc((size_t)(n ? n : 1) * sizeof *keys);
  if (!lo || !hi || !w || !idx || !keys) {
    free(lo), free(hi), free(w), free(idx), free(keys);
    return xent__fail(XENT_ERR_NOMEM, "could not pool %" PRId64 " score groups", n);
  }
  int64_t m = 0;
  for (int64_t j = 0; j < s->C; j++) {
    const bcol *b = &s->cols[j];
    int64_t pos = s->L == 2 ? 1 : j;
    for (int64_t g = 0; g < b->n; g++) {
      keys[m] = b->lo[g];
      idx[m] = (int32_t)m;
      lo[m] = b->lo[g], hi[m] = b->hi[g];
      for (int64_t l = 0; l < s->L; l++) {
        double v = slot_w(b->w, s->L, g, l);
        xent__m_add(&w[4 * m + (l == pos ? 2 : 0)], &w[4 * m + (l == pos ? 3 : 1)], v);
      }
      m++;
    }
  }
  xent_status_t st = xent__m_sort(keys, NULL, idx, 4, m);
  if (st == XENT_OK) {
    out->shift = shift;
    out->lo = malloc((size_t)(m ? m : 1) * sizeof *out->lo);
    out->hi = malloc((size_t)(m ? m : 1) * sizeof *out->hi);
    out->w = calloc((size_t)(m ? m : 1) * 4, sizeof *out->w);
    if (!out->lo || !out->hi || !out->w) st = xent__fail(XENT_ERR_NOMEM, "could not pool");
  }
  if (st == XENT_OK) {
    int64_t o = 0;
    for (int64_t t = 0; t < m; t++) {
      int64_t g = idx[t];
      if (o > 0 && bucket_of(out->lo[o - 1], shift) == bucket_of(lo[g], shift)) {
        if (lo[g] < out->lo[o - 1]) out->lo[o - 1] = lo[g];
        if (hi[g] > out->hi[o - 1]) out->hi[o - 1] = hi[g];
      } else {
        out->lo[o] = lo[g], out->hi[o] = hi[g];
        o++;
      }
      for (int l = 0; l < 4; l += 2) {
        xent__m_add(&out->w[4 * (o - 1) + l], &out->w[4 * (o - 1) + l + 1], w[4 * g + l]);
        xent__m_add(&out->w[4 * (o - 1) + l], &out->w[4 * (o - 1) + l + 1], w[4 * g + l + 1]);
      }
    }
    out->n = o;
  }
  free(lo), free(hi), free(w), free(idx), free(keys);
  if (st != XENT_OK) bcol_free(out);
  return st;
}

/* Column j's one-vs-rest problem (j = XENT_AUC_MICRO for the micro pool).
 * Exact states give a run and the positive class (*ex set); bounded states a
 * group source. The source may point into `p` or `b`, which the caller
 * frees. */
static xent_status_t column_source(const xent_auc_t *s, int64_t j, gsrc *src, run *p,
                                   bcol *b, const run **ex, int64_t *pos) {
  memset(p, 0, sizeof *p);
  memset(b, 0, sizeof *b);
  *ex = NULL;
  if (j == XENT_AUC_MICRO && s->C == 1) j = 0;
  if (s->cols) {
    if (j == XENT_AUC_MICRO) {
      XENT__TRY(groups_micro(s, b));
      src_groups(src, b, 2, 1, 0);
    } else {
      src_groups(src, &s->cols[j], s->L, s->L == 2 ? 1 : j, s->L == 2 ? 0 : -1);
    }
    return XENT_OK;
  }
  if (j == XENT_AUC_MICRO) {
    XENT__TRY(pool_micro(s, p));
    *ex = p, *pos = 1;
  } else {
    *ex = &s->runs[j], *pos = s->multiclass ? j : 1;
  }
  src_run(src, *ex, *pos, -1);
  return XENT_OK;
}

static void run_release(run *p) {
  free(p->k), free(p->w), free(p->c);
  memset(p, 0, sizeof *p);
}

static xent_status_t column_score(const xent_auc_t *s, int64_t j, int want_ap, int ap_zero,
                                  score *out) {
  gsrc src;
  run p;
  bcol b;
  const run *ex;
  int64_t pos = 0;
  XENT__TRY(column_source(s, j, &src, &p, &b, &ex, &pos));
  if (ex && !ex->w && unit_ok(ex->n))
    *out = unit_scores(ex, pos, want_ap, ap_zero);
  else
    *out = sweep_scores(&src, want_ap, ap_zero);
  run_release(&p);
  bcol_free(&b);
  return XENT_OK;
}

/* ---- partial ROC AUC (max_fpr) and the curves ---- */

typedef struct {
  double *tps, *fps; /* cumulative, highest score first */
  uint64_t *key;     /* the group's lowest key (its threshold) */
  int64_t n;
} curve;

static void curve_free(curve *c) {
  free(c->tps), free(c->fps), free(c->key);
  memset(c, 0, sizeof *c);
}

static xent_status_t column_curve(const xent_auc_t *s, int64_t j, curve *cv) {
  memset(cv, 0, sizeof *cv);
  gsrc src;
  run p;
  bcol b;
  const run *ex;
  int64_t pos;
  XENT__TRY(column_source(s, j, &src, &p, &b, &ex, &pos));
  int64_t cap = 0;
  xent_ref_sum tps = {0, 0}, fps = {0, 0};
  grp g;
  xent_status_t st = XENT_OK;
  while (src_next(&src, &g)) {
    if (cv->n == cap) {
      int64_t c1 = cap, c2 = cap, c3 = cap;
      st = xent__m_reserve((void **)&cv->tps, &c1, cv->n + 1, sizeof *cv->tps);
      if (st == XENT_OK) st = xent__m_reserve((void **)&cv->fps, &c2, cv->n + 1, sizeof *cv->fps);
      if (st == XENT_OK) st = xent__m_reserve((void **)&cv->key, &c3, cv->n + 1, sizeof *cv->key);
      if (st != XENT_OK) break;
      cap = c1;
    }
    xent_ref_sum_add(&tps, g.tp);
    xent_ref_sum_add(&fps, g.fp);
    cv->tps[cv->n] = xent_ref_sum_value(&tps);
    cv->fps[cv->n] = xent_ref_sum_value(&fps);
    cv->key[cv->n] = g.lo;
    cv->n++;
  }
  run_release(&p);
  bcol_free(&b);
  if (st != XENT_OK) curve_free(cv);
  return st;
}

/* roc_curve's drop_intermediate: keeps the first, the last, and each point
 * where the second difference of fps or tps is not 0. Compacts cv. */
static void drop_roc(curve *cv) {
  if (cv->n <= 2) return;
  int64_t o = 1;
  for (int64_t i = 1; i + 1 < cv->n; i++) {
    double dfp = (cv->fps[i + 1] - cv->fps[i]) - (cv->fps[i] - cv->fps[i - 1]);
    double dtp = (cv->tps[i + 1] - cv->tps[i]) - (cv->tps[i] - cv->tps[i - 1]);
    if (dfp != 0 || dtp != 0) {
      cv->tps[o] = cv->tps[i], cv->fps[o] = cv->fps[i], cv->key[o] = cv->key[i];
      o++;
    }
  }
  cv->tps[o] = cv->tps[cv->n - 1], cv->fps[o] = cv->fps[cv->n - 1];
  cv->key[o] = cv->key[cv->n - 1];
  cv->n = o + 1;
}

/* precision_recall_curve's drop_intermediate: keeps a point when tps changes
 * on the way in or out. */
static void drop_pr(curve *cv) {
  if (cv->n <= 2) return;
  int64_t o = 1;
  for (int64_t i = 1; i + 1 < cv->n; i++) {
    if (cv->tps[i] != cv->tps[i - 1] || cv->tps[i + 1] != cv->tps[i]) {
      cv->tps[o] = cv->tps[i], cv->fps[o] = cv->fps[i], cv->key[o] = cv->key[i];
      o++;
    }
  }
  cv->tps[o] = cv->tps[cv->n - 1], cv->fps[o] = cv->fps[cv->n - 1];
  cv->key[o] = cv->key[cv->n - 1];
  cv->n = o + 1;
}

/* scikit-learn's _binary_roc_auc_score with max_fpr < 1 (McClish). */
static xent_status_t partial_roc(const xent_auc_t *s, int64_t j, double max_fpr, double *v) {
  curve cv;
  XENT__TRY(column_curve(s, j, &cv));
  if (cv.n == 0 || cv.tps[cv.n - 1] <= 0 || cv.fps[cv.n - 1] <= 0) {
    curve_free(&cv);
    *v = NAN;
    return XENT_OK;
  }
  drop_roc(&cv);
  double P = cv.tps[cv.n - 1], N = cv.fps[cv.n - 1];
  /* points (0, 0), then (fps/N, tps/P) */
  int64_t n = cv.n + 1;
  double *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
  if (!x || !y) {
    free(x), free(y), curve_free(&cv);
    return xent__fail(XENT_ERR_NOMEM, "could not allocate the ROC curve");
  }
  x[0] = y[0] = 0;
  for (int64_t i = 0; i < cv.n; i++) x[i + 1] = cv.fps[i] / N, y[i + 1] = cv.tps[i] / P;
  curve_free(&cv);
  int64_t stop = 0; /* searchsorted(x, max_fpr, 'right') */
  while (stop < n && x[stop] <= max_fpr) stop++;
  double x0 = x[stop - 1], x1 = x[stop], y0 = y[stop - 1], y1 = y[stop];
  /* numpy.interp */
  double yi = x1 == x0 ? y1 : y0 + (max_fpr - x0) * ((y1 - y0) / (x1 - x0));
  double area = 0;
  for (int64_t i = 1; i < stop; i++) area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
  area += (max_fpr - x[stop - 1]) * (yi + y[stop - 1]) / 2;
  free(x), free(y);
  double min_area = 0.5 * max_fpr * max_fpr, max_area = max_fpr;
  *v = 0.5 * (1 + (area - min_area) / (max_area - min_area));
  return XENT_OK;
}

/* ---- one-vs-one ---- */

/* The (C, C) matrix A[a][b] = AUC of class a against class b on column a's
 * scores (positions of classes a and b only), with bounds. */
static xent_status_t ovo_matrix(const xent_auc_t *s, double *auc, double *bound) {
  int64_t C = s->C;
  double *u = calloc((size_t)(4 * C), sizeof *u); /* (sum, comp) of U and of errors */
  if (!u) return xent__fail(XENT_ERR_NOMEM, "could not allocate one-vs-one sums");
  double *W = malloc((size_t)C * sizeof *W);
  if (!W) {
    free(u);
    return xent__fail(XENT_ERR_NOMEM, "could not allocate one-vs-one sums");
  }
  for (int64_t k = 0; k < C; k++) W[k] = xent__m_value(s->tot[2 * k], s->tot[2 * k + 1]);
  for (int64_t a = 0; a < C; a++) {
    memset(u, 0, (size_t)(4 * C) * sizeof *u);
    xent_ref_sum above = {0, 0}; /* class-a weight at higher scores */
    if (s->runs) {
      const run *r = &s->runs[a];
      int64_t i = r->n;
      while (i > 0) {
        uint64_t key = run_gkey(r, i - 1);
        int64_t end = i;
        xent_ref_sum ga = {0, 0};
        while (i > 0 && run_gkey(r, i - 1) == key) {
          i--;
          if (run_class(r, i) == a) xent_ref_sum_add(&ga, r->w ? r->w[i] : 1.0);
        }
        double A = xent_ref_sum_value(&above), g = xent_ref_sum_value(&ga);
        for (int64_t t = i; t < end; t++) {
          int64_t b = run_class(r, t);
          if (b != a) xent__m_add(&u[2 * b], &u[2 * b + 1], (r->w ? r->w[t] : 1.0) * (A + g / 2));
        }
        xent_ref_sum_add(&above, g);
      }
    } else {
      const bcol *b = &s->cols[a];
      for (int64_t gi = b->n - 1; gi >= 0; gi--) {
        double A = xent_ref_sum_value(&above), g = slot_w(b->w, C, gi, a);
        int multi = b->lo[gi] != b->hi[gi];
        for (int64_t k = 0; k < C; k++) {
          if (k == a) continue;
          double wk = slot_w(b->w, C, gi, k);
          if (wk == 0) continue;
          xent__m_add(&u[2 * k], &u[2 * k + 1], wk * (A + g / 2));
          if (multi) xent__m_add(&u[2 * C + 2 * k], &u[2 * C + 2 * k + 1], wk * g);
        }
        xent_ref_sum_add(&above, g);
      }
    }
    for (int64_t k = 0; k < C; k++) {
      double d = W[a] * W[k];
      auc[a * C + k] = k != a && d > 0 ? xent__m_value(u[2 * k], u[2 * k + 1]) / d : NAN;
      bound[a * C + k] =
          k != a && d > 0 ? 0.5 * xent__m_value(u[2 * C + 2 * k], u[2 * C + 2 * k + 1]) / d : NAN;
    }
  }
  free(u), free(W);
  return XENT_OK;
}

/* ---- results ---- */

typedef enum { WANT_ROC, WANT_AP } want;

static xent_status_t check_result_args(const xent_auc_t *s, const xent_auc_options_t *o,
                                       want what, const xent_tensor_t *out) {
  if ((unsigned)o->average > XENT_AVERAGE_SAMPLES)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->average = %d is not a xent_average_t",
                      (int)o->average);
  if ((unsigned)o->multi_class > XENT_MULTICLASS_OVO)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->multi_class = %d is not a xent_multiclass_t",
                      (int)o->multi_class);
  if (o->flags & ~XENT_AUC_AP_NO_POSITIVES_IS_ZERO)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->flags = %#x has unknown bits", o->flags);
  if (!(o->max_fpr > 0 && o->max_fpr <= 1))
    return xent__fail(XENT_ERR_ARGUMENT, "opts->max_fpr = %g is outside (0, 1]", o->max_fpr);
  if (what == WANT_AP && o->max_fpr != 1)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->max_fpr applies to ROC AUC only");
  xent_auc_task_t task = s->cfg.task;
  if (o->average == XENT_AVERAGE_SAMPLES && task != XENT_AUC_MULTILABEL)
    return xent__fail(XENT_ERR_ARGUMENT, "the 'samples' average needs a multi-label state");
  if (o->average == XENT_AVERAGE_BINARY && task != XENT_AUC_BINARY)
    return xent__fail(XENT_ERR_ARGUMENT, "the 'binary' average needs a binary state");
  if (o->multi_class == XENT_MULTICLASS_OVO && task == XENT_AUC_MULTICLASS) {
    if (what == WANT_AP)
      return xent__fail(XENT_ERR_ARGUMENT, "one-vs-one is defined for ROC AUC only");
    if (o->average != XENT_AVERAGE_MACRO && o->average != XENT_AVERAGE_WEIGHTED)
      return xent__fail(XENT_ERR_ARGUMENT, "one-vs-one averages are MACRO and WEIGHTED");
    if (s->cols && s->L != s->C)
      return xent__fail(XENT_ERR_ARGUMENT, "a bounded state needs XENT_AUC_ONE_VS_ONE for the "
                        "one-vs-one average");
  }
  if (task == XENT_AUC_MULTICLASS && o->max_fpr != 1)
    return xent__fail(XENT_ERR_ARGUMENT, "partial AUC (max_fpr < 1) is not defined for "
                      "multi-class states");
  if (!out) return xent__fail(XENT_ERR_NULL, "out is NULL");
  int64_t n = o->average == XENT_AVERAGE_NONE ? s->C : 1;
  return xent__m_check_out(out, "out", n);
}

static xent_status_t auc_result(xent_auc_t *s, const xent_auc_options_t *opts, want what,
                                const xent_tensor_t *out, double *error_bound) {
  xent__clear_error();
  if (!s) return xent__fail(XENT_ERR_NULL, "state is NULL");
  xent_auc_options_t o = opts ? *opts : xent_auc_options_default();
  XENT__TRY(check_result_args(s, &o, what, out));
  XENT__TRY(flush_all(s));
  int ap_zero = (o.flags & XENT_AUC_AP_NO_POSITIVES_IS_ZERO) != 0;
  int64_t C = s->C;
  double value = NAN, bound = 0;

  if (o.average == XENT_AVERAGE_SAMPLES) {
    const double *num = what == WANT_ROC ? s->s_roc : s->s_ap;
    const double *den = what == WANT_ROC ? s->s_roc_w : s->s_ap_w;
    const double *undef = what == WANT_ROC ? s->s_roc_undef : s->s_ap_nopos;
    double W = xent__m_value(den[0], den[1]), U = xent__m_value(undef[0], undef[1]);
    if (s->count == 0 || (U > 0 && !(what == WANT_AP && ap_zero)))
      value = NAN;
    else
      value = xent__m_value(num[0], num[1]) / (W + U);
    xent__m_write(out, &value, 1);
    if (error_bound) *error_bound = 0;
    return XENT_OK;
  }

  if (o.multi_class == XENT_MULTICLASS_OVO && s->multiclass) {
    double *m = malloc((size_t)(2 * C * C) * sizeof *m);
    if (!m) return xent__fail(XENT_ERR_NOMEM, "could not allocate the one-vs-one matrix");
    xent_status_t st = ovo_matrix(s, m, m + C * C);
    if (st != XENT_OK) {
      free(m);
      return st;
    }
    xent_ref_sum num = {0, 0}, den = {0, 0}, bnum = {0, 0};
    for (int64_t a = 0; a < C; a++)
      for (int64_t b = a + 1; b < C; b++) {
        double Wa = xent__m_value(s->tot[2 * a], s->tot[2 * a + 1]);
        double Wb = xent__m_value(s->tot[2 * b], s->tot[2 * b + 1]);
        if (!(Wa > 0 && Wb > 0)) continue; /* pairs of classes that occur */
        double pair = (m[a * C + b] + m[b * C + a]) / 2;
        double pb = (m[C * C + a * C + b] + m[C * C + b * C + a]) / 2;
        double wt = o.average == XENT_AVERAGE_WEIGHTED ? Wa + Wb : 1.0;
        xent_ref_sum_add(&num, wt * pair);
        xent_ref_sum_add(&bnum, wt * pb);
        xent_ref_sum_add(&den, wt);
      }
    free(m);
    double d = xent_ref_sum_value(&den);
    value = d > 0 ? xent_ref_sum_value(&num) / d : NAN;
    bound = d > 0 ? xent_ref_sum_value(&bnum) / d : NAN;
    xent__m_write(out, &value, 1);
    if (error_bound) *error_bound = s->cols ? bound : (isnan(value) ? NAN : 0);
    return XENT_OK;
  }

  if (o.average == XENT_AVERAGE_MICRO || C == 1) {
    score sc;
    XENT__TRY(column_score(s, XENT_AUC_MICRO, what == WANT_AP, ap_zero, &sc));
    if (what == WANT_ROC && o.max_fpr < 1) {
      sc.roc_bound = 0.5 * sc.roc_bound / (o.max_fpr - 0.5 * o.max_fpr * o.max_fpr);
      XENT__TRY(partial_roc(s, XENT_AUC_MICRO, o.max_fpr, &sc.roc));
    }
    value = what == WANT_ROC ? sc.roc : sc.ap;
    bound = what == WANT_ROC ? sc.roc_bound : sc.ap_bound;
    xent__m_write(out, &value, 1);
    if (error_bound) *error_bound = s->cols ? bound : (isnan(value) ? NAN : 0);
    return XENT_OK;
  }

  double *v = malloc((size_t)(2 * C) * sizeof *v);
  if (!v) return xent__fail(XENT_ERR_NOMEM, "could not allocate %" PRId64 " columns", C);
  double *b = v + C;
  for (int64_t j = 0; j < C; j++) {
    score sc;
    xent_status_t st = column_score(s, j, what == WANT_AP, ap_zero, &sc);
    if (st == XENT_OK && what == WANT_ROC && o.max_fpr < 1) {
      sc.roc_bound = 0.5 * sc.roc_bound / (o.max_fpr - 0.5 * o.max_fpr * o.max_fpr);
      st = partial_roc(s, j, o.max_fpr, &sc.roc);
    }
    if (st != XENT_OK) {
      free(v);
      return st;
    }
    v[j] = what == WANT_ROC ? sc.roc : sc.ap;
    b[j] = what == WANT_ROC ? sc.roc_bound : sc.ap_bound;
  }
  if (o.average == XENT_AVERAGE_NONE) {
    xent__m_write(out, v, C);
    bound = 0;
    for (int64_t j = 0; j < C; j++)
      if (!(b[j] <= bound)) bound = b[j];
  } else {
    xent_ref_sum num = {0, 0}, den = {0, 0}, bnum = {0, 0};
    for (int64_t j = 0; j < C; j++) {
      double wt = 1.0;
      if (o.average == XENT_AVERAGE_WEIGHTED) {
        int64_t t = s->multiclass ? j : 2 * j + 1;
        wt = xent__m_value(s->tot[2 * t], s->tot[2 * t + 1]);
        if (wt == 0) continue; /* no positives: drops out (scikit-learn zeroes it) */
      }
      xent_ref_sum_add(&num, wt * v[j]);
      xent_ref_sum_add(&bnum, wt * b[j]);
      xent_ref_sum_add(&den, wt);
    }
    double d = xent_ref_sum_value(&den);
    value = d > 0 ? xent_ref_sum_value(&num) / d : NAN;
    bound = d > 0 ? xent_ref_sum_value(&bnum) / d : NAN;
    xent__m_write(out, &value, 1);
  }
  free(v);
  if (error_bound) *error_bound = s->cols ? bound : (isnan(bound) ? NAN : 0);
  return XENT_OK;
}

xent_status_t xent_roc_auc(xent_auc_t *state, const xent_auc_options_t *opts,
                           const xent_tensor_t *out, double *error_bound) {
  return auc_result(state, opts, WANT_ROC, out, error_bound);
}

xent_status_t xent_average_precision(xent_auc_t *state, const xent_auc_options_t *opts,
                                     const xent_tensor_t *out, double *error_bound) {
  return auc_result(state, opts, WANT_AP, out, error_bound);
}

/* ---- curves ---- */

static xent_status_t check_column(const xent_auc_t *s, int64_t column) {
  if (column == XENT_AUC_MICRO) return XENT_OK;
  if (column < 0 || column >= s->C)
    return xent__fail(XENT_ERR_INDEX, "column = %" PRId64 " is outside [0, %" PRId64 ")",
                      column, s->C);
  return XENT_OK;
}

static xent_status_t check_curve_out(const xent_tensor_t *t, const char *name, int64_t n) {
  if (!t) return XENT_OK;
  if (t->rank != 1) return xent__fail(XENT_ERR_SHAPE, "%s must have rank 1", name);
  return xent__m_check_out(t, name, n);
}

xent_status_t xent_roc_curve(xent_auc_t *state, int64_t column, int drop_intermediate,
                             int64_t *points, const xent_tensor_t *fpr,
                             const xent_tensor_t *tpr, const xent_tensor_t *thresholds) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  if (!points) return xent__fail(XENT_ERR_NULL, "points is NULL");
  XENT__TRY(check_column(state, column));
  XENT__TRY(flush_all(state));
  curve cv;
  XENT__TRY(column_curve(state, column, &cv));
  if (drop_intermediate) drop_roc(&cv);
  int64_t n = cv.n + 1;
  *points = n;
  xent_status_t st = check_curve_out(fpr, "fpr", n);
  if (st == XENT_OK) st = check_curve_out(tpr, "tpr", n);
  if (st == XENT_OK) st = check_curve_out(thresholds, "thresholds", n);
  if (st == XENT_OK) {
    double P = cv.n ? cv.tps[cv.n - 1] : 0, N = cv.n ? cv.fps[cv.n - 1] : 0;
    for (int64_t i = 0; i < n; i++) {
      double tp = i ? cv.tps[i - 1] : 0, fp = i ? cv.fps[i - 1] : 0;
      if (fpr) xent__m_store_at(fpr, i, N > 0 ? fp / N : NAN);
      if (tpr) xent__m_store_at(tpr, i, P > 0 ? tp / P : NAN);
      if (thresholds)
        xent__m_store_at(thresholds, i, i ? xent__m_unkey(cv.key[i - 1]) : INFINITY);
    }
  }
  curve_free(&cv);
  return st;
}

xent_status_t xent_precision_recall_curve(xent_auc_t *state, int64_t column,
                                          int drop_intermediate, int64_t *points,
                                          const xent_tensor_t *precision,
                                          const xent_tensor_t *recall,
                                          const xent_tensor_t *thresholds) {
  xent__clear_error();
  if (!state) return xent__fail(XENT_ERR_NULL, "state is NULL");
  if (!points) return xent__fail(XENT_ERR_NULL, "points is NULL");
  XENT__TRY(check_column(state, column));
  XENT__TRY(flush_all(state));
  curve cv;
  XENT__TRY(column_curve(state, column, &cv));
  if (drop_intermediate) drop_pr(&cv);
  int64_t n = cv.n + 1;
  *points = n;
  xent_status_t st = check_curve_out(precision, "precision", n);
  if (st == XENT_OK) st = check_curve_out(recall, "recall", n);
  if (st == XENT_OK) st = check_curve_out(thresholds, "thresholds", n - 1);
  if (st == XENT_OK) {
    double P = cv.n ? cv.tps[cv.n - 1] : 0;
    /* increasing thresholds: the groups in reverse */
    for (int64_t i = 0; i < cv.n; i++) {
      int64_t g = cv.n - 1 - i;
      double tp = cv.tps[g], ps = tp + cv.fps[g];
      if (precision) xent__m_store_at(precision, i, ps != 0 ? tp / ps : 0.0);
      if (recall) xent__m_store_at(recall, i, P != 0 ? tp / P : 1.0);
      if (thresholds) xent__m_store_at(thresholds, i, xent__m_unkey(cv.key[g]));
    }
    if (precision) xent__m_store_at(precision, cv.n, 1.0);
    if (recall) xent__m_store_at(recall, cv.n, 0.0);
  }
  curve_free(&cv);
  return st;
}
