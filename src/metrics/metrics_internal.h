/*
 * Private helpers of the classification metrics (src/metrics): walking the
 * positions of (y_true, y_pred, weights, mask), score keys and their radix
 * sort, compensated accumulators. Names carry the xent__m prefix.
 */
#ifndef XENT_METRICS_INTERNAL_H
#define XENT_METRICS_INTERNAL_H

#include "../core/internal.h"
#include "../kernels/kernels.h"

#include <math.h>
#include <string.h>

/* ---- walking the positions of a metric's inputs (walk.c) ---- */

/* How y_pred is laid out against y_true. */
typedef enum {
  XENT__M_ELEMENTWISE, /* y_true and y_pred have one shape; each element is a
                          position (a trailing axis of length 1 on either side
                          is ignored)                                        */
  XENT__M_SPARSE,      /* y_pred has a class axis; y_true holds class indices
                          with the positions' shape (or the axis kept at 1)  */
  XENT__M_DENSE        /* y_pred has a class axis; y_true has its shape      */
} xent__m_layout;

enum { XENT__M_PRED, XENT__M_TRUE, XENT__M_WEIGHT, XENT__M_MASK, XENT__M_SLOTS };

/* y_true dtype requirements */
#define XENT__M_TRUE_ANY 0     /* any dtype                                   */
#define XENT__M_TRUE_INDEX 1   /* i32, i64 or u8                              */
#define XENT__M_TRUE_FLOAT 2   /* f32, f64, f16, bf16                          */

typedef struct xent__m_walk {
  xent__m_layout layout;
  xent_tensor_t pred, truth;   /* views (rank 0 made rank 1, trailing 1 dropped) */
  xent_tensor_t weight, mask;  /* broadcast views                              */
  int has_weight, has_mask;
  int axis;                    /* row axis of `pred`: the class axis, or the
                                  last axis for element-wise layouts          */
  int64_t length;              /* elements of a row                          */
  int64_t per_row;             /* positions per row: length (element-wise) or 1 */
  const xent_tensor_t *group[XENT__M_SLOTS];
  int group_axis[XENT__M_SLOTS];
  int64_t step[XENT__M_SLOTS]; /* byte step along the row (0 if the slot lacks it) */
  xent__rows it;
  const char *pred_name, *true_name;
} xent__m_walk;

/*
 * Checks the tensors and options and prepares the walk. `pred_kind` is
 * XENT__M_TRUE_FLOAT (y_pred must be float) or XENT__M_TRUE_ANY; `true_kind`
 * one of the XENT__M_TRUE_* requirements for y_true (SPARSE always needs
 * indices). opts may be NULL.
 */
xent_status_t xent__m_plan(xent__m_walk *w, xent__m_layout layout,
                           const xent_tensor_t *y_true, const char *true_name,
                           const xent_tensor_t *y_pred, const char *pred_name,
                           int pred_kind, int true_kind,
                           const xent_metric_options_t *opts);

/* (Re)starts the walk at the first row. */
void xent__m_begin(xent__m_walk *w);

/* Moves to row r (call with r = 0, 1, ..., it.count - 1 in order). */
static inline void xent__m_row(xent__m_walk *w, int64_t r) {
  if (r) xent__rows_next(&w->it);
}

/*
 * Position i of the current row (0 for class layouts): returns 1 and its
 * weight if it is counted, 0 if it is masked or weighted 0, -1 (with the
 * error recorded) if its weight is negative, infinite or NaN.
 */
int xent__m_position(const xent__m_walk *w, int64_t i, double *weight);

/* Element j of the current row of y_pred / y_true, as a double. */
static inline double xent__m_pred(const xent__m_walk *w, int64_t j) {
  return xent__load(w->it.ptr[XENT__M_PRED] + j * w->step[XENT__M_PRED], w->pred.dtype);
}
static inline double xent__m_true(const xent__m_walk *w, int64_t j) {
  return xent__load(w->it.ptr[XENT__M_TRUE] + j * w->step[XENT__M_TRUE], w->truth.dtype);
}
static inline int64_t xent__m_true_index(const xent__m_walk *w, int64_t j) {
  return xent__load_index(w->it.ptr[XENT__M_TRUE] + j * w->step[XENT__M_TRUE],
                          w->truth.dtype);
}

/* The index of element j of the current row in y_pred ("[3, 1]"). */
const char *xent__m_where_pred(const xent__m_walk *w, int64_t j, char *buf, size_t size);
/* The index of position i of the current row, as y_true sees it. */
const char *xent__m_where_true(const xent__m_walk *w, int64_t i, char *buf, size_t size);

/* Reads element j of the current row of y_pred; NaN records XENT_ERR_VALUE
 * naming the element and returns it. */
xent_status_t xent__m_load_pred(const xent__m_walk *w, int64_t j, double *v);

/* Reads y_true at position i as a class index in [0, classes). */
xent_status_t xent__m_load_class(const xent__m_walk *w, int64_t i, int64_t classes,
                                 int64_t *label);

/* Reads element j of y_true as a binary label: 1 for 1, 0 for 0 or -1,
 * XENT_ERR_VALUE for anything else. */
xent_status_t xent__m_load_binary(const xent__m_walk *w, int64_t j, int *label);

/* First index of the maximum of the current row of y_pred (NaN: error). */
xent_status_t xent__m_argmax(const xent__m_walk *w, int64_t *k, double *max);

/* Loads the whole current row of y_pred into x (length w->length), failing on
 * NaN. */
xent_status_t xent__m_load_pred_row(const xent__m_walk *w, double *x);

/* ---- weighted means (mean.c) ---- */

static inline void xent__m_mean_add(xent_mean_state_t *s, double weight, double value) {
  xent_ref_sum t = {s->total, s->total_comp}, wt = {s->weight, s->weight_comp};
  xent_ref_sum_add(&t, weight * value);
  xent_ref_sum_add(&wt, weight);
  s->total = t.sum, s->total_comp = t.comp;
  s->weight = wt.sum, s->weight_comp = wt.comp;
  s->count++;
}

xent_status_t xent__m_check_mean(const xent_mean_state_t *state);

/* ---- score keys and the radix sort (sort.c) ---- */

/* A 64-bit key whose unsigned order is the order of the doubles (v not NaN);
 * -0.0 and +0.0 get the same key. */
static inline uint64_t xent__m_key(double v) {
  uint64_t u;
  if (v == 0) v = 0.0;
  memcpy(&u, &v, sizeof u);
  return (u >> 63) ? ~u : (u | 0x8000000000000000ull);
}

static inline double xent__m_unkey(uint64_t k) {
  uint64_t u = (k >> 63) ? (k & 0x7fffffffffffffffull) : ~k;
  double v;
  memcpy(&v, &u, sizeof v);
  return v;
}

/*
 * Sorts keys[0, n) ascending (LSD radix sort, 11-bit digits, passes whose
 * digit is the same for every key skipped), moving w[] (when not NULL) and
 * the payload c[] of csize bytes per entry (0, 1 or 4; c may be NULL) along.
 * Stable. XENT_ERR_NOMEM if its buffers cannot be had.
 */
xent_status_t xent__m_sort(uint64_t *keys, double *w, void *c, int csize, int64_t n);

/* Sorts 64-bit words on their top 32 bits only (the low 32 bits are a
 * payload that moves along), moving w[] too. Stable. */
xent_status_t xent__m_sort_hi32(uint64_t *words, double *w, int64_t n);

/* As xent__m_sort on the key bits [lo_bit, 64), for arrays the caller owns
 * (malloc'd, exactly n entries used): when the sorted data end up in the
 * sort's scratch buffers, *out receives them (swapped = 1) and the caller's
 * arrays are freed, which saves copying them back. */
typedef struct {
  uint64_t *keys;
  double *w;
  void *c;
  int swapped;
} xent__m_sorted;
xent_status_t xent__m_sort_owned(uint64_t *keys, double *w, void *c, int csize, int64_t n,
                                 int lo_bit, xent__m_sorted *out);

/* 32-bit keys of the values exactly representable as f32: the order of the
 * floats, -0.0 and +0.0 one key. */
static inline int xent__m_is_f32(double v) { return (double)(float)v == v; }
static inline uint32_t xent__m_key32(double v) {
  float f = (float)v;
  uint32_t u;
  if (f == 0) f = 0.0f;
  memcpy(&u, &f, sizeof u);
  return (u >> 31) ? ~u : (u | 0x80000000u);
}
static inline double xent__m_unkey32(uint32_t k) {
  uint32_t u = (k >> 31) ? (k & 0x7fffffffu) : ~k;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* ---- growable arrays (sort.c) ---- */

/* malloc, except that large buffers are aligned for transparent huge pages
 * (first touches of fresh pages dominate the cost of sorting 10^7 scores).
 * Free with free(). */
void *xent__m_alloc(size_t bytes);

/* Makes room for `need` elements of `size` bytes in *p (capacity *cap). */
xent_status_t xent__m_reserve(void **p, int64_t *cap, int64_t need, size_t size);

/* ---- compensated vectors ---- */

static inline void xent__m_add(double *sum, double *comp, double v) {
  xent_ref_sum s = {*sum, *comp};
  xent_ref_sum_add(&s, v);
  *sum = s.sum, *comp = s.comp;
}

static inline double xent__m_value(double sum, double comp) {
  xent_ref_sum s = {sum, comp};
  return xent_ref_sum_value(&s);
}

/* ---- output helpers ---- */

/* `t` (may be NULL: returns OK and does nothing) must be a float output
 * with exactly n elements; writes v[0..n). */
xent_status_t xent__m_check_out(const xent_tensor_t *t, const char *name, int64_t n);
void xent__m_write(const xent_tensor_t *t, const double *v, int64_t n);

/* Element i of a checked output in C order of its shape. */
void xent__m_store_at(const xent_tensor_t *t, int64_t i, double v);

#endif /* XENT_METRICS_INTERNAL_H */
