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
 * the caches whose rows are long (see XENT__STREAM_BYTES): the row's exps go
 * to a buffer of n floats (`stream`, 64-byte aligned, from the caller's row
 * buffers) until its denominator is known, and the output is then written
 * from it. The bits are those of ordinary stores.
 */
typedef struct xent_f32_kernels {
  const char *isa;
  int block; /* rows per small-C call */
  /* `stream`, when not NULL, asks for the output streamed through that
   * buffer (see above); log_softmax ignores it. */
  int (*softmax)(const float *x, float *y, int64_t n, float *stream);
  int (*log_softmax)(const float *x, float *y, int64_t n, float *stream);
  int (*sparse_ce)(const float *x, int64_t label, float *g, double scale, int64_t n,
                   double *loss, float *stream);
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
  int prefix##softmax_f32(const float *x, float *y, int64_t n, float *stream);           \
  int prefix##log_softmax_f32(const float *x, float *y, int64_t n, float *stream);       \
  int prefix##sparse_ce_f32(const float *x, int64_t label, float *g, double scale,        \
                            int64_t n, double *loss, float *stream);                      \
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
