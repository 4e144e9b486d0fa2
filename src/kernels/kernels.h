/*
 * Kernel interface. The framework (src/ops) checks arguments, walks layouts
 * and converts dtypes; kernels only see contiguous rows.
 *
 * Reference kernels (kernels/reference) work on rows of doubles with
 * compensated sums. They are the oracle: every faster variant added beside
 * them (AVX2, AVX-512, NEON) is tested against them and must meet the
 * accuracy bounds stated in xent.h.
 *
 * Every row kernel accepts y == x (in place).
 */
#ifndef XENT_KERNELS_H
#define XENT_KERNELS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* ---- normalizers over one row of n elements ---- */
void xent_ref_softmax_row(const double *x, double *y, int64_t n);
void xent_ref_log_softmax_row(const double *x, double *y, int64_t n);
double xent_ref_logsumexp_row(const double *x, int64_t n);

void xent_ref_softmax_backward_row(const double *y, const double *dy, double *dx,
                                   int64_t n);
void xent_ref_log_softmax_backward_row(const double *y, const double *dy,
                                       double *dx, int64_t n);
/* dx = dout * softmax(x); dx may alias x. */
void xent_ref_logsumexp_backward_row(const double *x, double dout, double *dx,
                                     int64_t n);

/* ---- cross-entropy ---- */

/*
 * Softmax cross-entropy of one row of logits x against the effective target
 * u (both length n): returns sum_c u_c * -log_softmax(x)_c, skipping terms
 * with u_c == 0. If g is not NULL, writes g_c = softmax(x)_c * T - u_c with
 * T = sum(u), or T = 1 when tf_gradient is set. `work` has room for 2n
 * doubles. g may alias u.
 */
double xent_ref_softmax_ce_row(const double *x, const double *u, double *g,
                               int64_t n, int tf_gradient, double *work);

/* Sigmoid cross-entropy of one element: returns
 * pw y softplus(-x) + (1 - y) softplus(x) and stores its derivative in *g
 * (if not NULL); a term whose coefficient is 0 is skipped. */
double xent_ref_sigmoid_ce(double x, double y, double pw, double *g);

/* ---- losses on probabilities, focal, Kullback-Leibler (reference/losses.c) ----
 * Formulas and the peers they reproduce: xent.h, "Losses on probabilities,
 * focal, regression, segmentation, distillation". lo and hi are the clip
 * bounds already rounded to the predictions' type. Each writes the
 * derivative of its loss with respect to its first argument into g (if not
 * NULL); a clip's derivative is 1 inside [lo, hi] (ends included), 0 outside. */
double xent_ref_bce_keras(double p, double y, double lo, double hi, double *g);
double xent_ref_bce_torch(double p, double y, double *g);
double xent_ref_bce_tf_v1(double p, double y, double eps, double *g);
/* Keras categorical CE of probabilities p against effective targets u:
 * r = p / sum(p), clipped; sum_c u_c -log r'_c. work: n doubles. */
double xent_ref_cce_prob_row(const double *p, const double *u, double *g, int64_t n,
                             double lo, double hi, double *work);
/* Keras sparse CE of probabilities: p' = clip(p); sum_c u_c -log(p'_c / sum p').
 * work: n doubles. */
double xent_ref_scce_prob_row(const double *p, const double *u, double *g, int64_t n,
                              double lo, double hi, double *work);
/* Keras binary focal CE of one element (x a probability, or a logit when
 * from_logits: then the cross-entropy is the exact one of the logit, and lo
 * and hi are not used). */
double xent_ref_binary_focal(double x, double y, int from_logits, double gamma,
                             double weight, double lo, double hi, double *g);
/* Keras categorical focal CE of a row; u_c = alpha_c y_c. work: 2n doubles. */
double xent_ref_categorical_focal_row(const double *x, const double *u, double *g,
                                      int64_t n, int from_logits, double gamma,
                                      double lo, double hi, double *work);
/* Keras kl_divergence: sum y' log(y' / p'), both clipped to [lo, 1]. */
double xent_ref_kl_row(const double *p, const double *y, double *g, int64_t n, double lo);
/* T^2 KL(softmax(t / T) || softmax(s / T)); lo > 0 clips both to [lo, 1]
 * (Keras). g: gradient with respect to s. work: 5n doubles. */
double xent_ref_distill_row(const double *s, const double *t, double *g, int64_t n,
                            double temperature, double lo, double *work);

/* ---- element-wise functions of one double ---- */
double xent_ref_sigmoid(double x);
double xent_ref_log_sigmoid(double x);
double xent_ref_softplus(double x);
double xent_ref_sigmoid_grad(double x);     /* sigmoid(x) sigmoid(-x) */
double xent_ref_log_sigmoid_grad(double x); /* sigmoid(-x)            */
double xent_ref_logit(double p);

/* The same derivatives in long double, for arguments where the double result
 * is subnormal: multiplying a subnormal by a large upstream gradient would
 * expose its missing bits. */
long double xent_ref_sigmoid_l(double x);
long double xent_ref_sigmoid_grad_l(double x);
long double xent_ref_log_sigmoid_grad_l(double x);

/* ---- fast f32 kernels, one table per instruction set ---- */

/*
 * Contiguous f32 rows. Each returns 1 on success, or 0 when the row holds
 * NaN or an infinity (outputs then unspecified: the caller recomputes the row
 * with the reference kernel). sparse_ce writes the loss of the row to *loss
 * and, if g is not NULL, g = scale * (softmax(x) - onehot(label)).
 */
/* Rows of at most this many classes go to the small-C kernels, which take a
 * block of xent_f32_kernels.block contiguous rows, one row per lane. */
#define XENT_SMALL_C 16

/*
 * Outputs written once, with non-temporal stores, for problems larger than
 * the caches whose rows are long (see XENT__STREAM_BYTES). A row's exps go
 * to a row buffer until its denominator is known; the row then waits, and is
 * written while the task's next row is swept, a few vectors between the
 * sweep's own, so that the stores drain to memory while the core computes
 * (written in one burst, they would stall it, and the two threads' bursts
 * would meet). The task's last row waits until xent__stream_finish. The
 * bits are those of ordinary stores.
 */
#define XENT__SWEEP_BLOCK 2048
#define XENT__STREAM_MAX_BLOCKS 256
/* Entries per block for a swept row of n: XENT__SWEEP_BLOCK, or more for
 * rows of more than XENT__STREAM_MAX_BLOCKS blocks, in whole 64-byte lines. */
static inline int64_t xent__sweep_block(int64_t n) {
  int64_t b = XENT__SWEEP_BLOCK;
  if (n > b * XENT__STREAM_MAX_BLOCKS) b = (n + XENT__STREAM_MAX_BLOCKS - 1) / XENT__STREAM_MAX_BLOCKS;
  return (b + 15) / 16 * 16;
}
/* A stream's block slots are this many floats apart: a block, and half a
 * page more, so that a slot being read and the next one being written never
 * sit at the same offset within a 4 KiB page (slots a whole number of pages
 * apart measured 10-20% slower, as loads waiting on unrelated stores, "4K
 * aliasing", would make it). */
static inline int64_t xent__stream_stride(int64_t n) {
  int64_t b = xent__sweep_block(n);
  return b + ((512 - b % 1024) % 1024 + 1024) % 1024;
}
/* Floats in a task's stream buffer for rows of n: a slot per block, and one more. */
static inline int64_t xent__stream_buffer_floats(int64_t n) {
  int64_t b = xent__sweep_block(n);
  return ((n + b - 1) / b + 1) * xent__stream_stride(n);
}
/* The rows of one stream have one length, so their blocks pair up: block b
 * of the waiting row is written while block b of the next is swept, whose
 * exps go to the slot block b - 1 of the waiting row has left (block 0 to the
 * spare slot after its last): each row's blocks sit one slot before the
 * previous row's, in a ring. The stores are fenced once, when the task's
 * last row is written (xent__stream_finish). */
typedef struct xent__stream {
  float *buf;                 /* the slots, `stride` floats apart */
  int64_t stride, slots;
  int64_t base, next_base;    /* the waiting row's first slot; the swept row's (< slots) */
  float *out;                 /* the waiting row's output; NULL when no row waits */
  int64_t n, block, written;  /* its length, block length, blocks written */
  int64_t fix_at; /* its label's entry (-1: none), stored last as `fix` */
  float fix;
  float factor[XENT__STREAM_MAX_BLOCKS]; /* each block's exps to outputs */
  void (*flush)(struct xent__stream *w); /* set by the kernel that parks a row */
} xent__stream;

/* A task's stream for rows of n, over buf (64-byte aligned, of
 * xent__stream_buffer_floats(n) floats). */
static inline void xent__stream_init(xent__stream *w, float *buf, int64_t n) {
  int64_t b = xent__sweep_block(n);
  w->buf = buf, w->stride = xent__stream_stride(n), w->slots = (n + b - 1) / b + 1;
  w->base = w->next_base = 0, w->out = NULL, w->flush = NULL;
}
/* Slot s >= 0 (the ring wraps) */
static inline float *xent__stream_slot(const xent__stream *w, int64_t s) {
  return w->buf + s % w->slots * w->stride;
}
/* Writes the row still waiting, if any, and fences the task's non-temporal
 * stores: a task calls it after its last row. */
static inline void xent__stream_finish(xent__stream *w) {
  if (w && w->flush) w->flush(w);
}

typedef struct xent_f32_kernels {
  const char *isa;
  int block; /* rows per small-C call */
  /* `stream`, when not NULL, asks for the output streamed (see above);
   * log_softmax ignores it. */
  int (*softmax)(const float *x, float *y, int64_t n, xent__stream *stream);
  int (*log_softmax)(const float *x, float *y, int64_t n, xent__stream *stream);
  int (*sparse_ce)(const float *x, int64_t label, float *g, double scale, int64_t n,
                   double *loss, xent__stream *stream);
  /* sparse_ce over `rows` contiguous rows of n (XENT_SMALL_C < n <=
   * xent__sweep_block(n): one block each) with the given labels, into
   * loss[r] and g's rows; the same bits as sparse_ce row by row. Stops at
   * the first row it declines (for the caller to recompute) and returns the
   * number of rows done. */
  int64_t (*sparse_ce_rows)(const float *x, const int64_t *labels, float *g, double scale,
                            int64_t n, int64_t rows, double *loss);
  /* log(sum(exp(x))) of a row, in double from f32 exps (for f32 outputs) */
  int (*logsumexp)(const float *x, int64_t n, double *lse);
  /* Small C: `block` rows of n <= XENT_SMALL_C classes, contiguous. Rows that
   * hold NaN or whose maximum is infinite are not written; their lanes are
   * returned as a bit mask. sparse_ce_small reads `block` labels and
   * gradient scales and writes `block` losses. */
  unsigned (*softmax_small)(const float *x, float *y, int64_t n);
  unsigned (*log_softmax_small)(const float *x, float *y, int64_t n);
  unsigned (*sparse_ce_small)(const float *x, const int32_t *labels, float *g,
                              const float *gscale, int64_t n, double *loss);
  /* Sigmoid cross-entropy of n elements (any values, the reference's rules
   * for infinities): each loss into loss and scale * derivative into g (either
   * may be NULL); returns the sum of the losses. */
  double (*sigmoid_ce_flat)(const float *x, const float *y, float *g, float *loss,
                            double scale, int64_t n);
  /* Backward passes of contiguous rows: y (the forward output), dy -> dx;
   * 0 declines the row (outputs unspecified, the reference recomputes). */
  int (*softmax_backward)(const float *y, const float *dy, float *dx, int64_t n);
  int (*log_softmax_backward)(const float *y, const float *dy, float *dx, int64_t n);
  /* Softmax cross-entropy of a contiguous row against dense targets u: the
   * loss into *loss and, if g, scale * (softmax T - u) (T = sum(u), or 1 with
   * tf_gradient); 0 declines the row before anything is written. */
  int (*dense_ce)(const float *x, const float *u, float *g, double scale, int64_t n,
                  int tf_gradient, double *loss);
  /* argmax of a contiguous row of n >= 1 (first NaN, else first maximum) */
  int64_t (*argmax)(const float *x, int64_t n);
} xent_f32_kernels;

#define XENT__DECLARE_F32_KERNELS(prefix)                                          \
  int prefix##softmax_f32(const float *x, float *y, int64_t n, xent__stream *stream);    \
  int prefix##log_softmax_f32(const float *x, float *y, int64_t n, xent__stream *stream); \
  int prefix##sparse_ce_f32(const float *x, int64_t label, float *g, double scale,        \
                            int64_t n, double *loss, xent__stream *stream);               \
  int64_t prefix##sparse_ce_rows_f32(const float *x, const int64_t *labels, float *g,       \
                                     double scale, int64_t n, int64_t rows, double *loss);  \
  int prefix##logsumexp_f32(const float *x, int64_t n, double *lse);                      \
  unsigned prefix##softmax_small_f32(const float *x, float *y, int64_t n);        \
  unsigned prefix##log_softmax_small_f32(const float *x, float *y, int64_t n);    \
  unsigned prefix##sparse_ce_small_f32(const float *x, const int32_t *labels, float *g, \
                                       const float *gscale, int64_t n, double *loss);     \
  double prefix##sigmoid_ce_flat_f32(const float *x, const float *y, float *g, float *loss, \
                                     double scale, int64_t n);                            \
  int prefix##softmax_backward_f32(const float *y, const float *dy, float *dx, int64_t n); \
  int prefix##log_softmax_backward_f32(const float *y, const float *dy, float *dx, int64_t n); \
  int prefix##dense_ce_f32(const float *x, const float *u, float *g, double scale, int64_t n, \
                           int tf_gradient, double *loss);                                     \
  int64_t prefix##argmax_f32(const float *x, int64_t n);
XENT__DECLARE_F32_KERNELS(xent_avx512_)
XENT__DECLARE_F32_KERNELS(xent_avx2_)
XENT__DECLARE_F32_KERNELS(xent_neon_)

/* The table for the best instruction set this CPU has, capped by the
 * environment variable XENT_ISA (scalar, avx2, avx512; on AArch64 NEON is
 * the baseline and only scalar caps it); NULL when only the reference kernels
 * are to be used. Chosen once. */
const xent_f32_kernels *xent__fast_f32(void);

/*
 * Contiguous f64 rows (simd/rows_f64.inc): 1 on success, 0 for a row that
 * holds NaN or an infinity or whose entries span more than 700 (declined
 * before anything is written; the caller recomputes it with the reference).
 */
typedef struct xent_f64_kernels {
  int (*softmax)(const double *x, double *y, int64_t n);
  int (*log_softmax)(const double *x, double *y, int64_t n);
  /* log(sum(exp(x))) of a row; also for f32, f16 and bf16 rows converted to
   * double (their outputs then round it once) */
  int (*logsumexp)(const double *x, int64_t n, double *lse);
  /* sparse softmax cross-entropy of a row (f32's sparse_ce without a
   * stream): the loss into *loss and, if g, scale * (softmax - onehot) */
  int (*sparse_ce)(const double *x, int64_t label, double *g, double scale, int64_t n,
                   double *loss);
} xent_f64_kernels;
/* Shorter f64 rows are cheaper on the reference kernel (measured at 2
 * classes: 2x slower on the fast one; at 10, 1.3x faster). */
#define XENT_F64_FAST_MIN 8

#define XENT__DECLARE_F64_KERNELS(prefix)                                  \
  int prefix##softmax_f64(const double *x, double *y, int64_t n);          \
  int prefix##log_softmax_f64(const double *x, double *y, int64_t n);      \
  int prefix##logsumexp_f64(const double *x, int64_t n, double *lse);      \
  int prefix##sparse_ce_f64(const double *x, int64_t label, double *g, double scale, \
                            int64_t n, double *loss);
XENT__DECLARE_F64_KERNELS(xent_avx512_)
XENT__DECLARE_F64_KERNELS(xent_avx2_)
XENT__DECLARE_F64_KERNELS(xent_neon_)

/* The f64 kernels of the instruction set xent__fast_f32 chose; NULL for the
 * reference kernels. */
const xent_f64_kernels *xent__fast_f64(void);

/* ---- building blocks shared by the reference kernels ---- */

/* Neumaier's compensated sum: add terms with xent_ref_sum_add and read the
 * total with xent_ref_sum_value. The error is about one rounding of the
 * total, independent of the number of terms. */
typedef struct {
  double sum, comp;
} xent_ref_sum;

static inline void xent_ref_sum_add(xent_ref_sum *s, double v) {
  double t = s->sum + v;
  double a = s->sum >= 0 ? s->sum : -s->sum, b = v >= 0 ? v : -v;
  s->comp += a >= b ? (s->sum - t) + v : (v - t) + s->sum;
  s->sum = t;
}

static inline double xent_ref_sum_value(const xent_ref_sum *s) {
  /* Once the sum is infinite (or NaN) the compensation is inf - inf = NaN and
   * means nothing: the sum itself is the answer. */
  return isfinite(s->sum) ? s->sum + s->comp : s->sum;
}

/* Row statistics used by the normalizers: the first index of the maximum,
 * whether a NaN was seen, and how many entries equal +inf. */
typedef struct {
  int64_t argmax;
  double max;
  int has_nan;
  int64_t n_posinf;
} xent_ref_rowmax;

xent_ref_rowmax xent_ref_row_max(const double *x, int64_t n);

/* exp(x - m) with x - m formed exactly as a two-double sum, so the result's
 * accuracy does not depend on how large x and m are. */
double xent_ref_exp_shifted(double x, double m);

/* s = sum over i != k of exp(x_i - m); the softmax denominator is 1 + s.
 * If `e` is not NULL, exp(x_i - m) is stored in e[i] (e[k] = 1). */
double xent_ref_tail_sum(const double *x, int64_t n, int64_t k, double m,
                         double *e);

#endif /* XENT_KERNELS_H */
