/* Every layout against the same data made contiguous. Each operation runs on
 * inputs and outputs stored in many layouts (C and Fortran order, transposed
 * and permuted axes, reversed axes with negative strides, padded strides,
 * broadcast inputs with stride 0) and must give results BIT-identical to the
 * same call on C-order contiguous copies, and write nothing outside its
 * output view. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Storing a logical C-order array under a layout                           */
/* ------------------------------------------------------------------------ */

#define NO_BCAST 99
#define SENTINEL 0xA5

typedef struct {
  const char *name;
  int order; /* memory order of the axes, outermost first: 0 C order,
                1 Fortran order, 2 last two axes swapped (a transposed view),
                3 axis 1 innermost (channels-first data stored channels-last) */
  int neg;   /* reversed axes: 0 none, 1 the last, 2 the even ones, 3 all */
  int pad;   /* unused elements after each axis's extent and before the view */
  int bcast; /* the axis read with stride 0 (negative: from the end), or NO_BCAST */
} layout;

static const layout layouts[] = {
    {"C order", 0, 0, 0, NO_BCAST},
    {"Fortran order", 1, 0, 0, NO_BCAST},
    {"last two axes transposed", 2, 0, 0, NO_BCAST},
    {"axis 1 innermost", 3, 0, 0, NO_BCAST},
    {"last axis reversed", 0, 1, 0, NO_BCAST},
    {"Fortran order, even axes reversed", 1, 2, 0, NO_BCAST},
    {"padded", 0, 0, 2, NO_BCAST},
    {"axis 1 innermost, padded, every axis reversed", 3, 3, 1, NO_BCAST},
    {"transposed, last axis reversed, padded", 2, 1, 3, NO_BCAST},
    /* inputs only from here on */
    {"broadcast along axis 0", 0, 0, 0, 0},
    {"broadcast along the last axis, Fortran order, reversed, padded", 1, 3, 1, -1},
    {"broadcast along axis 1, transposed", 2, 0, 0, 1},
};
#define N_OUT_LAYOUTS 9
#define N_IN_LAYOUTS ((int)(sizeof layouts / sizeof layouts[0]))

typedef struct {
  xent_tensor_t t;
  unsigned char *buf; /* the whole allocation, SENTINEL where unused */
  int64_t nbuf;       /* elements in buf */
} view;

static int64_t numel(int rank, const int64_t *shape) {
  int64_t n = 1;
  for (int i = 0; i < rank; i++) n *= shape[i];
  return n;
}

/* The axes in memory order, outermost first. */
static void memory_order(int rank, int order, int *perm) {
  for (int i = 0; i < rank; i++) perm[i] = order == 1 ? rank - 1 - i : i;
  if (order == 2 && rank >= 2) {
    perm[rank - 2] = rank - 1;
    perm[rank - 1] = rank - 2;
  }
  if (order == 3 && rank >= 2) {
    for (int i = 1; i < rank - 1; i++) perm[i] = i + 1;
    perm[rank - 1] = 1;
  }
}

static int is_reversed(int neg, int rank, int axis) {
  return neg == 3 || (neg == 1 && axis == rank - 1) || (neg == 2 && axis % 2 == 0);
}

static int bcast_axis(const layout *L, int rank) {
  if (L->bcast == NO_BCAST || rank == 0) return -1;
  int b = L->bcast < 0 ? L->bcast + rank : L->bcast;
  return b >= 0 && b < rank ? b : -1;
}

/* Element offset of multi-index idx in a tensor's data, in elements. */
static int64_t offset_of(const xent_tensor_t *t, const int64_t *idx) {
  int64_t off = 0;
  for (int i = 0; i < t->rank; i++) off += idx[i] * t->strides[i];
  return off;
}

/* Advances a C-order multi-index; returns 0 after the last one. */
static int next_index(int rank, const int64_t *shape, int64_t *idx) {
  for (int i = rank - 1; i >= 0; i--) {
    if (++idx[i] < shape[i]) return 1;
    idx[i] = 0;
  }
  return 0;
}

/* An empty view of the given shape under layout L, every byte SENTINEL. */
static view make_view(const layout *L, int rank, const int64_t *shape,
                      xent_dtype_t dt) {
  view v;
  memset(&v, 0, sizeof v);
  int perm[XENT_MAX_RANK];
  int64_t stride_abs[XENT_MAX_RANK];
  memory_order(rank, L->order, perm);
  int b = bcast_axis(L, rank);
  int64_t run = 1;
  for (int i = rank - 1; i >= 0; i--) {
    int a = perm[i];
    int64_t extent = a == b ? 1 : (shape[a] > 0 ? shape[a] : 1);
    stride_abs[a] = run;
    run *= extent + L->pad;
  }
  int64_t base = L->pad;
  v.t.dtype = dt;
  v.t.rank = rank;
  for (int a = 0; a < rank; a++) {
    v.t.shape[a] = shape[a];
    if (a == b) {
      v.t.strides[a] = 0;
    } else if (is_reversed(L->neg, rank, a)) {
      v.t.strides[a] = -stride_abs[a];
      base += (shape[a] > 0 ? shape[a] - 1 : 0) * stride_abs[a];
    } else {
      v.t.strides[a] = stride_abs[a];
    }
  }
  size_t size = xent_dtype_size(dt);
  v.nbuf = run + 2 * L->pad;
  v.buf = malloc((size_t)v.nbuf * size);
  memset(v.buf, SENTINEL, (size_t)v.nbuf * size);
  v.t.data = v.buf + base * (int64_t)size;
  return v;
}

/* Copies a logical C-order array into the view (or back out of it). */
static void store_view(view *v, const unsigned char *logical) {
  size_t size = xent_dtype_size(v->t.dtype);
  int64_t n = numel(v->t.rank, v->t.shape), idx[XENT_MAX_RANK] = {0};
  for (int64_t f = 0; f < n; f++, next_index(v->t.rank, v->t.shape, idx))
    memcpy((unsigned char *)v->t.data + offset_of(&v->t, idx) * (int64_t)size,
           logical + f * (int64_t)size, size);
}

static void load_view(const view *v, unsigned char *logical) {
  size_t size = xent_dtype_size(v->t.dtype);
  int64_t n = numel(v->t.rank, v->t.shape), idx[XENT_MAX_RANK] = {0};
  for (int64_t f = 0; f < n; f++, next_index(v->t.rank, v->t.shape, idx))
    memcpy(logical + f * (int64_t)size,
           (const unsigned char *)v->t.data + offset_of(&v->t, idx) * (int64_t)size,
           size);
}

/* Bytes outside the view's elements that are no longer SENTINEL. */
static int64_t bytes_written_outside(const view *v) {
  size_t size = xent_dtype_size(v->t.dtype);
  unsigned char *inside = calloc((size_t)v->nbuf, 1);
  int64_t n = numel(v->t.rank, v->t.shape), idx[XENT_MAX_RANK] = {0};
  int64_t base = ((unsigned char *)v->t.data - v->buf) / (int64_t)size;
  for (int64_t f = 0; f < n; f++, next_index(v->t.rank, v->t.shape, idx))
    inside[base + offset_of(&v->t, idx)] = 1;
  int64_t bad = 0;
  for (int64_t e = 0; e < v->nbuf; e++)
    if (!inside[e])
      for (size_t k = 0; k < size; k++) bad += v->buf[e * (int64_t)size + (int64_t)k] != SENTINEL;
  free(inside);
  return bad;
}

/* Makes a logical array constant along axis b (what a stride-0 view of its
 * first slice holds). */
static void broadcast_logical(unsigned char *logical, int rank, const int64_t *shape,
                              xent_dtype_t dt, int b) {
  if (b < 0) return;
  size_t size = xent_dtype_size(dt);
  int64_t n = numel(rank, shape), idx[XENT_MAX_RANK] = {0}, src[XENT_MAX_RANK];
  for (int64_t f = 0; f < n; f++, next_index(rank, shape, idx)) {
    memcpy(src, idx, sizeof src);
    src[b] = 0;
    int64_t g = 0;
    for (int i = 0; i < rank; i++) g = g * shape[i] + src[i];
    memmove(logical + f * (int64_t)size, logical + g * (int64_t)size, size);
  }
}

static void free_view(view *v) {
  free(v->buf);
  v->buf = NULL;
}

/* ------------------------------------------------------------------------ */
/* The operations                                                           */
/* ------------------------------------------------------------------------ */

/* Input roles: which values, and whether the tensor has the full shape or the
 * reduced one (without the class axis, or with it kept at length 1). */
enum {
  IN_LOGITS, /* full: logits with ties and infinities */
  IN_PROBS,  /* full: softmax outputs in [0, 1] */
  IN_LOGP,   /* full: log-probabilities <= 0 with -inf */
  IN_P,      /* full: logit inputs, [0, 1] with both ends and a few outside */
  IN_GRAD,   /* full: upstream gradients */
  IN_DOUT,   /* reduced: upstream gradient of logsumexp */
  IN_LABELS  /* reduced, never kept: labels in [0, C) */
};
enum { OUT_FLOAT, OUT_FLOAT_REDUCED, OUT_INDEX_REDUCED, OUT_ANY };
enum { DT_FLOATS, DT_FLOATS_AND_INTS, DT_LABELS };

typedef xent_status_t (*op_call)(const xent_tensor_t *a, const xent_tensor_t *b,
                                 int axis, const xent_tensor_t *out);

typedef struct {
  const char *name;
  op_call call;
  int nin;
  int roles[2];
  int out_kind;
  int has_axis;
  int in_types;
} op_spec;

static xent_status_t c_softmax(const xent_tensor_t *a, const xent_tensor_t *b, int axis,
                               const xent_tensor_t *o) {
  (void)b;
  return xent_softmax(a, axis, o);
}
static xent_status_t c_log_softmax(const xent_tensor_t *a, const xent_tensor_t *b,
                                   int axis, const xent_tensor_t *o) {
  (void)b;
  return xent_log_softmax(a, axis, o);
}
static xent_status_t c_logsumexp(const xent_tensor_t *a, const xent_tensor_t *b,
                                 int axis, const xent_tensor_t *o) {
  (void)b;
  return xent_logsumexp(a, axis, o);
}
static xent_status_t c_argmax(const xent_tensor_t *a, const xent_tensor_t *b, int axis,
                              const xent_tensor_t *o) {
  (void)b;
  return xent_argmax(a, axis, o);
}
static xent_status_t c_hardmax(const xent_tensor_t *a, const xent_tensor_t *b, int axis,
                               const xent_tensor_t *o) {
  (void)b;
  return xent_hardmax(a, axis, o);
}
static xent_status_t c_one_hot(const xent_tensor_t *a, const xent_tensor_t *b, int axis,
                               const xent_tensor_t *o) {
  (void)b;
  return xent_one_hot(a, axis, 0.75, -0.25, 0, o);
}
static xent_status_t c_softmax_bwd(const xent_tensor_t *a, const xent_tensor_t *b,
                                   int axis, const xent_tensor_t *o) {
  return xent_softmax_backward(a, b, axis, o);
}
static xent_status_t c_log_softmax_bwd(const xent_tensor_t *a, const xent_tensor_t *b,
                                       int axis, const xent_tensor_t *o) {
  return xent_log_softmax_backward(a, b, axis, o);
}
static xent_status_t c_logsumexp_bwd(const xent_tensor_t *a, const xent_tensor_t *b,
                                     int axis, const xent_tensor_t *o) {
  return xent_logsumexp_backward(a, b, axis, o);
}
#define POINTWISE(name, fn)                                                      \
  static xent_status_t name(const xent_tensor_t *a, const xent_tensor_t *b,      \
                            int axis, const xent_tensor_t *o) {                  \
    (void)b, (void)axis;                                                         \
    return fn(a, o);                                                             \
  }
#define POINTWISE_BWD(name, fn)                                                  \
  static xent_status_t name(const xent_tensor_t *a, const xent_tensor_t *b,      \
                            int axis, const xent_tensor_t *o) {                  \
    (void)axis;                                                                  \
    return fn(a, b, o);                                                          \
  }
POINTWISE(c_sigmoid, xent_sigmoid)
POINTWISE(c_log_sigmoid, xent_log_sigmoid)
POINTWISE(c_softplus, xent_softplus)
POINTWISE_BWD(c_sigmoid_bwd, xent_sigmoid_backward)
POINTWISE_BWD(c_log_sigmoid_bwd, xent_log_sigmoid_backward)
POINTWISE_BWD(c_softplus_bwd, xent_softplus_backward)
static xent_status_t c_logit(const xent_tensor_t *a, const xent_tensor_t *b, int axis,
                             const xent_tensor_t *o) {
  (void)b, (void)axis;
  return xent_logit(a, XENT_LOGIT_NO_EPS, o);
}
static xent_status_t c_logit_eps(const xent_tensor_t *a, const xent_tensor_t *b,
                                 int axis, const xent_tensor_t *o) {
  (void)b, (void)axis;
  return xent_logit(a, 1e-3, o);
}
static xent_status_t c_logit_bwd(const xent_tensor_t *a, const xent_tensor_t *b,
                                 int axis, const xent_tensor_t *o) {
  (void)axis;
  return xent_logit_backward(a, b, XENT_LOGIT_NO_EPS, o);
}
static xent_status_t c_logit_bwd_eps(const xent_tensor_t *a, const xent_tensor_t *b,
                                     int axis, const xent_tensor_t *o) {
  (void)axis;
  return xent_logit_backward(a, b, 1e-3, o);
}

/* ------------------------------------------------------------------------ */
/* Data                                                                     */
/* ------------------------------------------------------------------------ */

static void put(unsigned char *buf, xent_dtype_t dt, int64_t i, double v) {
  switch (dt) {
    case XENT_F32: ((float *)(void *)buf)[i] = (float)v; break;
    case XENT_F64: ((double *)(void *)buf)[i] = v; break;
    case XENT_F16: ((uint16_t *)(void *)buf)[i] = xent_f64_to_f16(v); break;
    case XENT_BF16: ((uint16_t *)(void *)buf)[i] = xent_f64_to_bf16(v); break;
    case XENT_I32: ((int32_t *)(void *)buf)[i] = (int32_t)v; break;
    case XENT_I64: ((int64_t *)(void *)buf)[i] = (int64_t)v; break;
    case XENT_U8: buf[i] = (uint8_t)v; break;
  }
}

static int is_float(xent_dtype_t dt) {
  return dt == XENT_F32 || dt == XENT_F64 || dt == XENT_F16 || dt == XENT_BF16;
}

/* A logical C-order array of n values for a role, as dtype dt. */
static unsigned char *make_data(xt_rng *rng, int role, xent_dtype_t dt, int64_t n,
                                int64_t classes) {
  unsigned char *buf = malloc((size_t)(n > 0 ? n : 1) * xent_dtype_size(dt));
  for (int64_t i = 0; i < n; i++) {
    uint64_t r = xt_next(rng) % 64;
    double v;
    if (!is_float(dt)) { /* integer logits for argmax / hardmax, or labels */
      v = role == IN_LABELS ? (double)(xt_next(rng) % (uint64_t)classes)
                            : (double)(xt_next(rng) % 6);
    } else if (role == IN_LOGITS) {
      v = r < 4 ? -INFINITY : r == 4 ? INFINITY : r == 5 ? NAN
                : floor(xt_normal(rng) * 8) / 4; /* many ties */
    } else if (role == IN_PROBS) {
      v = xt_uniform(rng, 0, 1);
    } else if (role == IN_LOGP) {
      v = r < 6 ? -INFINITY : -xt_uniform(rng, 0, 6);
    } else if (role == IN_P) {
      v = r < 4 ? 0 : r < 8 ? 1 : r < 10 ? 1e-4 : r == 10 ? -0.25 : r == 11 ? 1.25
                : xt_uniform(rng, 0, 1);
    } else {
      v = xt_normal(rng) * 2;
    }
    put(buf, dt, i, v);
  }
  return buf;
}

/* ------------------------------------------------------------------------ */
/* The comparison                                                           */
/* ------------------------------------------------------------------------ */

static const xent_dtype_t float_dts[4] = {XENT_F32, XENT_F64, XENT_F16, XENT_BF16};
static const xent_dtype_t in_dts_all[6] = {XENT_F32, XENT_F64, XENT_F16,
                                           XENT_BF16, XENT_I32, XENT_U8};
static const xent_dtype_t label_dts[2] = {XENT_I32, XENT_I64};
static const xent_dtype_t index_dts[2] = {XENT_I32, XENT_I64};
static const xent_dtype_t any_dts[7] = {XENT_F32, XENT_F64, XENT_F16, XENT_BF16,
                                        XENT_I32, XENT_I64, XENT_U8};

static const int64_t shape_a[3] = {3, 4, 5};
static const int64_t shape_b[4] = {2, 1, 3, 2};

/* Shape of `shape` with axis ax removed (keep = 0) or set to 1 (keep = 1). */
static int reduce_shape(int rank, const int64_t *shape, int ax, int keep, int64_t *out) {
  int r = 0;
  for (int i = 0; i < rank; i++) {
    if (i != ax) out[r++] = shape[i];
    else if (keep) out[r++] = 1;
  }
  return r;
}

static void shape_str(char *buf, size_t size, int rank, const int64_t *shape) {
  size_t used = (size_t)snprintf(buf, size, "(");
  for (int i = 0; i < rank && used < size; i++)
    used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? ", " : "",
                             (long long)shape[i]);
  if (used < size) snprintf(buf + used, size - used, ")");
}

/* Runs one operation on every shape, axis, dtype and layout combination. */
static void check_op_layouts(const op_spec *op) {
  xt_rng rng = {0x5eed};
  for (int si = 0; si < 2; si++) {
    int rank = si == 0 ? 3 : 4;
    const int64_t *full = si == 0 ? shape_a : shape_b;
    int axis_lo = op->has_axis ? -rank : 0, axis_hi = op->has_axis ? rank : 1;
    for (int axis = axis_lo; axis < axis_hi; axis++) {
      int ax = axis < 0 ? axis + rank : axis;
      const xent_dtype_t *in_dts = op->in_types == DT_FLOATS ? float_dts
                                   : op->in_types == DT_LABELS ? label_dts
                                                               : in_dts_all;
      int n_in_dts = op->in_types == DT_FLOATS ? 4 : op->in_types == DT_LABELS ? 2 : 6;
      for (int di = 0; di < n_in_dts; di++) {
        xent_dtype_t in_dt = in_dts[di];
        /* Logical data of each input, in C order. A reduced input's data is
         * the same whether its class axis is dropped or kept at length 1. */
        unsigned char *data[2];
        int64_t red_shape[XENT_MAX_RANK];
        int red_rank = reduce_shape(rank, full, ax, 0, red_shape);
        for (int k = 0; k < op->nin; k++) {
          int reduced = op->roles[k] == IN_DOUT || op->roles[k] == IN_LABELS;
          int64_t n = reduced ? numel(red_rank, red_shape) : numel(rank, full);
          data[k] = make_data(&rng, op->roles[k], in_dt, n, full[ax]);
        }
        for (int li = 0; li < N_IN_LAYOUTS; li++) {
          for (int lo = 0; lo < N_OUT_LAYOUTS; lo++) {
            int combo = li * N_OUT_LAYOUTS + lo;
            int keep_out = combo % 2, keep_in = (combo / 2) % 2;
            xent_dtype_t out_dt =
                op->out_kind == OUT_INDEX_REDUCED ? index_dts[combo % 2]
                : op->out_kind == OUT_ANY ? any_dts[combo % 7]
                                          : float_dts[(combo + di) % 4];
            /* Shapes of the inputs and the output. */
            int in_rank[2];
            int64_t in_shape[2][XENT_MAX_RANK];
            const layout *in_layout[2];
            unsigned char *copy[2];
            for (int k = 0; k < op->nin; k++) {
              int role = op->roles[k];
              if (role == IN_DOUT || role == IN_LABELS)
                in_rank[k] = reduce_shape(rank, full, ax, role == IN_DOUT && keep_in,
                                          in_shape[k]);
              else
                in_rank[k] = reduce_shape(rank, full, -1, 0, in_shape[k]);
              in_layout[k] = &layouts[(li + 5 * k) % N_IN_LAYOUTS];
              int64_t n = numel(in_rank[k], in_shape[k]);
              size_t bytes = (size_t)n * xent_dtype_size(in_dt);
              copy[k] = malloc(bytes);
              memcpy(copy[k], data[k], bytes);
              broadcast_logical(copy[k], in_rank[k], in_shape[k], in_dt,
                                bcast_axis(in_layout[k], in_rank[k]));
            }
            int64_t out_shape[XENT_MAX_RANK];
            int reduced_out =
                op->out_kind == OUT_FLOAT_REDUCED || op->out_kind == OUT_INDEX_REDUCED;
            int out_rank = reduced_out ? reduce_shape(rank, full, ax, keep_out, out_shape)
                                       : reduce_shape(rank, full, -1, 0, out_shape);
            int64_t out_n = numel(out_rank, out_shape);
            size_t out_bytes = (size_t)out_n * xent_dtype_size(out_dt);

            /* The reference: C-order contiguous tensors. */
            xent_tensor_t ref_in[2], ref_out;
            for (int k = 0; k < op->nin; k++)
              XT_OK(xent_tensor_init(&ref_in[k], copy[k], in_dt, in_rank[k],
                                     in_shape[k], NULL));
            unsigned char *ref = malloc(out_bytes);
            memset(ref, SENTINEL, out_bytes);
            XT_OK(xent_tensor_init(&ref_out, ref, out_dt, out_rank, out_shape, NULL));
            xent_status_t st = op->call(&ref_in[0], op->nin > 1 ? &ref_in[1] : NULL,
                                        axis, &ref_out);
            XT_CHECK_MSG(st == XENT_OK, "%s: contiguous call failed: %s", op->name,
                         xent_last_error());

            /* The same under the layouts. */
            view vin[2], vout;
            for (int k = 0; k < op->nin; k++) {
              vin[k] = make_view(in_layout[k], in_rank[k], in_shape[k], in_dt);
              store_view(&vin[k], copy[k]);
            }
            vout = make_view(&layouts[lo], out_rank, out_shape, out_dt);
            st = op->call(&vin[0].t, op->nin > 1 ? &vin[1].t : NULL, axis, &vout.t);
            char shp[64];
            shape_str(shp, sizeof shp, rank, full);
            XT_CHECK_MSG(st == XENT_OK, "%s on %s, axis %d: strided call failed: %s",
                         op->name, shp, axis, xent_last_error());
            unsigned char *got = malloc(out_bytes);
            load_view(&vout, got);
            size_t esize = xent_dtype_size(out_dt);
            for (int64_t e = 0; e < out_n; e++) {
              if (memcmp(got + e * (int64_t)esize, ref + e * (int64_t)esize, esize) != 0) {
                XT_CHECK_MSG(0,
                             "%s on %s, axis %d, %s -> %s%s: output element %lld differs; "
                             "inputs: %s%s%s, output: %s",
                             op->name, shp, axis, xent_dtype_name(in_dt),
                             xent_dtype_name(out_dt),
                             reduced_out && keep_out ? " (kept axis)" : "",
                             (long long)e, in_layout[0]->name, op->nin > 1 ? " / " : "",
                             op->nin > 1 ? in_layout[1]->name : "", layouts[lo].name);
                break;
              }
            }
            int64_t outside = bytes_written_outside(&vout);
            XT_CHECK_MSG(outside == 0, "%s on %s, axis %d: %lld bytes written outside "
                         "the output view (%s)", op->name, shp, axis,
                         (long long)outside, layouts[lo].name);
            free(got);
            free(ref);
            free_view(&vout);
            for (int k = 0; k < op->nin; k++) {
              free_view(&vin[k]);
              free(copy[k]);
            }
          }
        }
        for (int k = 0; k < op->nin; k++) free(data[k]);
      }
    }
  }
}

static void check_ops(const op_spec *ops, int n) {
  for (int i = 0; i < n; i++) check_op_layouts(&ops[i]);
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                    */
/* ------------------------------------------------------------------------ */

/* The helper itself: each layout stores and loads back the same array, the
 * strides it makes are what the layout says, and a broadcast view reads its
 * first slice everywhere. */
void test_layouts_helper_round_trips(void) {
  int64_t n = numel(4, shape_b);
  double logical[12], back[12];
  for (int i = 0; i < n; i++) logical[i] = i + 0.5;
  for (int li = 0; li < N_IN_LAYOUTS; li++) {
    double copy[12];
    memcpy(copy, logical, sizeof copy);
    int b = bcast_axis(&layouts[li], 4);
    broadcast_logical((unsigned char *)copy, 4, shape_b, XENT_F64, b);
    view v = make_view(&layouts[li], 4, shape_b, XENT_F64);
    store_view(&v, (unsigned char *)copy);
    load_view(&v, (unsigned char *)back);
    XT_CHECK(memcmp(copy, back, sizeof copy) == 0);
    xent_tensor_t t;
    XT_OK(xent_tensor_init(&t, v.t.data, XENT_F64, 4, v.t.shape, v.t.strides));
    if (b >= 0) {
      XT_CHECK_INT(v.t.strides[b], 0);
      int64_t idx[4] = {0, 0, 0, 0};
      for (int64_t f = 0; f < n; f++, next_index(4, shape_b, idx)) {
        int64_t g = 0;
        for (int i = 0; i < 4; i++) g = g * shape_b[i] + (i == b ? 0 : idx[i]);
        XT_CHECK_SAME(back[f], logical[g]);
      }
    }
    free_view(&v);
  }
  /* Fortran order of (3, 4, 5): strides (1, 3, 12); reversed last axis of C
   * order: strides (20, 5, -1) with the data at element 4. */
  view f = make_view(&layouts[1], 3, shape_a, XENT_F32);
  XT_CHECK_INT(f.t.strides[0], 1);
  XT_CHECK_INT(f.t.strides[1], 3);
  XT_CHECK_INT(f.t.strides[2], 12);
  free_view(&f);
  view r = make_view(&layouts[4], 3, shape_a, XENT_F32);
  XT_CHECK_INT(r.t.strides[0], 20);
  XT_CHECK_INT(r.t.strides[1], 5);
  XT_CHECK_INT(r.t.strides[2], -1);
  XT_CHECK((float *)r.t.data - (float *)(void *)r.buf == 4);
  free_view(&r);
  view c1 = make_view(&layouts[3], 3, shape_a, XENT_F32); /* axis 1 innermost */
  XT_CHECK_INT(c1.t.strides[1], 1);
  XT_CHECK_INT(c1.t.strides[2], 4);
  XT_CHECK_INT(c1.t.strides[0], 20);
  free_view(&c1);
}

void test_layouts_normalizers(void) {
  const op_spec ops[] = {
      {"softmax", c_softmax, 1, {IN_LOGITS, 0}, OUT_FLOAT, 1, DT_FLOATS},
      {"log_softmax", c_log_softmax, 1, {IN_LOGITS, 0}, OUT_FLOAT, 1, DT_FLOATS},
      {"logsumexp", c_logsumexp, 1, {IN_LOGITS, 0}, OUT_FLOAT_REDUCED, 1, DT_FLOATS},
  };
  check_ops(ops, 3);
}

void test_layouts_normalizer_backward(void) {
  const op_spec ops[] = {
      {"softmax_backward", c_softmax_bwd, 2, {IN_PROBS, IN_GRAD}, OUT_FLOAT, 1, DT_FLOATS},
      {"log_softmax_backward", c_log_softmax_bwd, 2, {IN_LOGP, IN_GRAD}, OUT_FLOAT, 1,
       DT_FLOATS},
      {"logsumexp_backward", c_logsumexp_bwd, 2, {IN_LOGITS, IN_DOUT}, OUT_FLOAT, 1,
       DT_FLOATS},
  };
  check_ops(ops, 3);
}

void test_layouts_elementwise(void) {
  const op_spec ops[] = {
      {"sigmoid", c_sigmoid, 1, {IN_LOGITS, 0}, OUT_FLOAT, 0, DT_FLOATS},
      {"log_sigmoid", c_log_sigmoid, 1, {IN_LOGITS, 0}, OUT_FLOAT, 0, DT_FLOATS},
      {"softplus", c_softplus, 1, {IN_LOGITS, 0}, OUT_FLOAT, 0, DT_FLOATS},
      {"sigmoid_backward", c_sigmoid_bwd, 2, {IN_LOGITS, IN_GRAD}, OUT_FLOAT, 0, DT_FLOATS},
      {"log_sigmoid_backward", c_log_sigmoid_bwd, 2, {IN_LOGITS, IN_GRAD}, OUT_FLOAT, 0,
       DT_FLOATS},
      {"softplus_backward", c_softplus_bwd, 2, {IN_LOGITS, IN_GRAD}, OUT_FLOAT, 0, DT_FLOATS},
      {"logit", c_logit, 1, {IN_P, 0}, OUT_FLOAT, 0, DT_FLOATS},
      {"logit (eps 1e-3)", c_logit_eps, 1, {IN_P, 0}, OUT_FLOAT, 0, DT_FLOATS},
      {"logit_backward", c_logit_bwd, 2, {IN_P, IN_GRAD}, OUT_FLOAT, 0, DT_FLOATS},
      {"logit_backward (eps 1e-3)", c_logit_bwd_eps, 2, {IN_P, IN_GRAD}, OUT_FLOAT, 0,
       DT_FLOATS},
  };
  check_ops(ops, 10);
}

void test_layouts_decisions(void) {
  const op_spec ops[] = {
      {"argmax", c_argmax, 1, {IN_LOGITS, 0}, OUT_INDEX_REDUCED, 1, DT_FLOATS_AND_INTS},
      {"hardmax", c_hardmax, 1, {IN_LOGITS, 0}, OUT_ANY, 1, DT_FLOATS_AND_INTS},
      {"one_hot", c_one_hot, 1, {IN_LABELS, 0}, OUT_ANY, 1, DT_LABELS},
  };
  check_ops(ops, 3);
}
