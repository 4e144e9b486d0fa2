/*
 * xent.h - the classification output layer in C: logits, softmax and sigmoid,
 * the cross-entropy family with gradients, and the operations beside them.
 *
 * This header is the manual. Each function says what it computes, the shapes
 * it takes, how accurate it is, and what it does on odd input.
 *
 * ---------------------------------------------------------------------------
 * Conventions shared by every function
 * ---------------------------------------------------------------------------
 *
 * Status. Every function returns an xent_status_t. XENT_OK is 0; anything else
 * is an error and leaves the outputs in an unspecified state (the library
 * never aborts, exits or prints). After an error, xent_last_error() gives a
 * sentence naming the argument, index and value that were wrong, for example
 * "labels[17] = 12 is outside [0, 10)". The detail is kept per thread.
 *
 * Tensors. Every array argument is an xent_tensor_t: a data pointer, a dtype,
 * a rank (0 to XENT_MAX_RANK), a shape and signed strides counted in
 * ELEMENTS (not bytes). Any layout is accepted: C order, Fortran order,
 * transposed and reversed views (negative strides), and broadcast inputs
 * (stride 0). Outputs may not have stride 0 along an axis longer than 1.
 * An output may be the same view as an input (in place); any other overlap
 * between an output and another argument gives unspecified results.
 *
 * Axes. An `axis` argument counts from 0, or from the end when negative
 * (-1 is the last axis), as in NumPy. Channels-last (N, ..., C) data uses
 * axis -1, channels-first (N, C, d1, ..., dk) data uses axis 1.
 *
 * Reduced outputs. A function that removes the class axis (logsumexp,
 * argmax) accepts the output either without that axis (rank - 1) or with it
 * kept at length 1 (NumPy's keepdims=True).
 *
 * Data types. f32 and f64 are computed natively; f16 and bf16 are storage
 * types whose values are computed in double and rounded once to the output
 * type (round to nearest, ties to even). Integer labels are i32 or i64,
 * masks are u8. An input and its output may have different float types.
 *
 * Accuracy. Bounds are stated in ulps (units in the last place of the output
 * type) against the exact result of the stated formula on the given inputs,
 * measured against MPFR by tests/test_accuracy.c. Reference kernels compute
 * in double with compensated sums, so f32, f16 and bf16 results are within
 * 1 ulp (almost always correctly rounded).
 *
 * Non-finite values. NaN in a row makes every output of that row NaN unless a
 * function says otherwise. Infinities are treated as limits: the answer is
 * the limit of the finite computation as the value grows without bound.
 * Subnormals are neither flushed nor produced by flushing.
 *
 * Empty input. A tensor with a zero-length axis is valid. Operations write
 * nothing; reductions over an empty class axis return their identity
 * (logsumexp: -inf) and argmax over an empty class axis is an error.
 *
 * Threads. Every function is reentrant and thread-safe on distinct outputs.
 * The library owns no threads and no global mutable state.
 */
#ifndef XENT_H
#define XENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(XENT_SHARED_BUILD)
#define XENT_API __declspec(dllexport)
#elif defined(_WIN32) && defined(XENT_SHARED)
#define XENT_API __declspec(dllimport)
#elif defined(__GNUC__)
#define XENT_API __attribute__((visibility("default")))
#else
#define XENT_API
#endif

#define XENT_VERSION_MAJOR 0
#define XENT_VERSION_MINOR 1
#define XENT_VERSION_PATCH 0

/* "0.1.0": the version of the library actually linked. */
XENT_API const char *xent_version(void);

/* The instruction set of the fast kernels in use: "avx512", "avx2", "neon"
 * (AArch64) or "scalar" (reference kernels only). Chosen once from the CPU at
 * first use; the environment variable XENT_ISA=scalar|avx2|avx512 caps it
 * (read once; on AArch64 only scalar caps it), so every variant can be tested
 * on one machine. Every variant meets the accuracy bounds stated below for
 * its function. */
XENT_API const char *xent_isa(void);

/* ------------------------------------------------------------------------ */
/* Threads                                                                  */
/* ------------------------------------------------------------------------ */
/*
 * Large calls split their rows into tasks and run them on several threads.
 * The split depends only on the problem, and partial sums are combined in a
 * fixed order, so results are identical for every thread count. Calls with
 * less than about 256K elements of work run on the calling thread.
 *
 * These two settings are process-wide (like a BLAS thread count) and are the
 * library's only mutable state: set them before calling xent from several
 * threads.
 */

/* Threads per call: n > 0, or 0 for the default (the environment variable
 * XENT_NUM_THREADS if set, else the number of online CPUs). */
XENT_API void xent_set_num_threads(int n);
XENT_API int xent_get_num_threads(void);

/* A caller's parallel-for: must call task(ctx, i) once for every i in
 * [0, ntasks), on any threads, and return when all calls have returned. */
typedef void (*xent_parallel_for_fn)(void *user, int64_t ntasks,
                                     void (*task)(void *ctx, int64_t index),
                                     void *ctx);

/* Runs xent's tasks on the caller's thread pool instead of threads started
 * per call, so xent does not fight the host's pool. NULL restores the
 * default. */
XENT_API void xent_set_parallel_for(xent_parallel_for_fn fn, void *user);

/* ------------------------------------------------------------------------ */
/* Status codes and error detail                                            */
/* ------------------------------------------------------------------------ */

typedef enum xent_status_t {
  XENT_OK = 0,
  XENT_ERR_NULL = 1,     /* a required pointer (tensor or data) is NULL      */
  XENT_ERR_ARGUMENT = 2, /* a scalar argument is invalid (axis, eps, flags)  */
  XENT_ERR_DTYPE = 3,    /* a tensor's dtype is not accepted for that role   */
  XENT_ERR_SHAPE = 4,    /* bad rank or extent, shapes disagree, size overflow,
                            or an output with stride 0 along a long axis     */
  XENT_ERR_INDEX = 5,    /* a label or index is outside its valid range      */
  XENT_ERR_VALUE = 6,    /* a value is outside the function's domain         */
  XENT_ERR_NOMEM = 7     /* scratch memory could not be allocated            */
} xent_status_t;

/* The code's name, e.g. "XENT_ERR_SHAPE"; "XENT_ERR_UNKNOWN" for other values. */
XENT_API const char *xent_status_name(xent_status_t status);

/* A short description of the code, e.g. "shapes do not match". */
XENT_API const char *xent_status_message(xent_status_t status);

/* The detail of the last error on the calling thread, naming the argument,
 * index and value at fault. Every public function clears it on entry, so it
 * is "" after a successful call. The pointer stays valid until the next xent
 * call on the same thread. Never NULL. */
XENT_API const char *xent_last_error(void);

/* ------------------------------------------------------------------------ */
/* Tensors                                                                  */
/* ------------------------------------------------------------------------ */

typedef enum xent_dtype_t {
  XENT_F32 = 0,
  XENT_F64 = 1,
  XENT_F16 = 2,  /* IEEE 754 binary16, storage only                          */
  XENT_BF16 = 3, /* bfloat16 (top half of an f32), storage only              */
  XENT_I32 = 4,
  XENT_I64 = 5,
  XENT_U8 = 6
} xent_dtype_t;

/* "f32", "f64", "f16", "bf16", "i32", "i64", "u8"; "?" for other values. */
XENT_API const char *xent_dtype_name(xent_dtype_t dtype);

/* Bytes per element; 0 for an unknown dtype. */
XENT_API size_t xent_dtype_size(xent_dtype_t dtype);

#define XENT_MAX_RANK 8

/* A view of a strided array. Filled by the caller; the library never frees or
 * keeps it. `strides` are in elements and may be negative or zero. */
typedef struct xent_tensor_t {
  void *data;
  xent_dtype_t dtype;
  int32_t rank;
  int64_t shape[XENT_MAX_RANK];
  int64_t strides[XENT_MAX_RANK];
} xent_tensor_t;

/* Fills `t`. `strides` may be NULL for C order (row-major, last axis
 * contiguous). Checks rank (0..XENT_MAX_RANK), extents (>= 0), dtype, and
 * that the element count fits in int64 (XENT_ERR_SHAPE otherwise). `data`
 * may be NULL only when the tensor has no elements. */
XENT_API xent_status_t xent_tensor_init(xent_tensor_t *t, void *data,
                                        xent_dtype_t dtype, int rank,
                                        const int64_t *shape,
                                        const int64_t *strides);

/* Shorthands for C-order tensors; they do not validate (every function
 * validates its tensors on entry). */
XENT_API xent_tensor_t xent_tensor_1d(void *data, xent_dtype_t dtype, int64_t n0);
XENT_API xent_tensor_t xent_tensor_2d(void *data, xent_dtype_t dtype, int64_t n0,
                                      int64_t n1);
XENT_API xent_tensor_t xent_tensor_3d(void *data, xent_dtype_t dtype, int64_t n0,
                                      int64_t n1, int64_t n2);

/* Number of elements (product of the shape); 1 for rank 0. */
XENT_API int64_t xent_tensor_numel(const xent_tensor_t *t);

/* ------------------------------------------------------------------------ */
/* Scalar conversions for the storage types                                 */
/* ------------------------------------------------------------------------ */

/* Exact widening of a binary16 / bfloat16 bit pattern. */
XENT_API float xent_f16_to_f32(uint16_t bits);
XENT_API float xent_bf16_to_f32(uint16_t bits);

/* Rounding of a double to binary16 / bfloat16 bits, to nearest with ties to
 * even, in one step (no double rounding through f32). Overflow gives
 * infinity; NaN gives a quiet NaN with the input's sign. */
XENT_API uint16_t xent_f64_to_f16(double value);
XENT_API uint16_t xent_f64_to_bf16(double value);

/* ------------------------------------------------------------------------ */
/* Normalizers along an axis: softmax, log_softmax, logsumexp               */
/* ------------------------------------------------------------------------ */
/*
 * For a row x (the elements along `axis`) with maximum m attained first at
 * index k:
 *
 *   softmax(x)_i     = exp(x_i - m) / (1 + s),  s = sum over j != k of exp(x_j - m)
 *   log_softmax(x)_i = (x_i - m) - log1p(s)
 *   logsumexp(x)     = m + log1p(s)
 *
 * Writing the sum as 1 + s and using log1p keeps the answer exact when one
 * logit dominates: log_softmax([40, 0]) in f64 is -4.248354255291589e-18,
 * where computing log(sum) - x gives 0. x_i - m is formed exactly (as a sum of
 * two doubles), so the result does not depend on how large the logits are:
 * shifting a row by a constant that keeps it exactly representable does not
 * change log_softmax or softmax at all, and
 * log_softmax([FLT_MAX, 1, 2, 3]) is [0, -FLT_MAX, -FLT_MAX, -FLT_MAX].
 *
 * Shapes: `y` has the shape of `x`; `out` (logsumexp) has the shape of `x`
 * without `axis` (or with it kept at length 1).
 *
 * Odd rows, as limits of the finite computation:
 *   - any NaN in the row: the whole row of the output is NaN;
 *   - one or more +inf (and no NaN): the k entries equal to +inf share the
 *     mass, softmax = 1/k there and 0 elsewhere; log_softmax = -log(k) there
 *     and -inf elsewhere; logsumexp = +inf. (PyTorch and TensorFlow give NaN.)
 *   - every entry -inf (a fully masked row): softmax is 0 everywhere,
 *     log_softmax is -inf everywhere, logsumexp is -inf. Zeros rather than
 *     NaN so that a masked row adds nothing downstream instead of poisoning a
 *     whole batch through a sum; this is the convention of masked attention.
 *     (PyTorch and TensorFlow give NaN.)
 *   - some entries -inf: they get probability 0 and log-probability -inf.
 *   - C = 1: softmax is 1 and log_softmax is 0 for any finite or +inf entry.
 *   - C = 0: nothing is written; logsumexp of an empty row is -inf.
 *
 * Accuracy (against the exact formula on the given inputs, MPFR-checked by
 * tests/test_accuracy.c for every kernel variant, see xent_isa()):
 *   f32 (fast kernels): softmax within 3 ulp, log_softmax within 2 ulp;
 *   f32 (reference), f16, bf16: softmax and log_softmax within 1 ulp;
 *   f64 (fast kernels for rows of 8 or more, and reference): softmax within
 *   4 ulp, log_softmax within 3 ulp;
 *   logsumexp: within 1 ulp (f32) or 4 ulp (f64) of max(|logsumexp|, |m|).
 *   (The fast f32 kernels compute logsumexp from float exps, for rows of more
 *   than 16 entries; a row where that could miss the 1-ulp bound, which needs
 *   |logsumexp| and |m| both below 8, is computed in double instead, as are
 *   f16 and bf16 rows: by the fast f64 kernel for rows of 8 or more.)
 *   When logsumexp is near 0 because m is near -log1p(s), the problem itself
 *   is ill-conditioned (the inputs' last bits decide the answer), so the bound
 *   is relative to |m| there.
 * The fast f32 kernels form x_i - m exactly too (a two-float sum) and exclude
 * the maximum from the sum, so the tiny log-probabilities and losses of
 * confident predictions keep full relative precision on every variant.
 */
XENT_API xent_status_t xent_softmax(const xent_tensor_t *x, int axis,
                                    const xent_tensor_t *y);
XENT_API xent_status_t xent_log_softmax(const xent_tensor_t *x, int axis,
                                        const xent_tensor_t *y);
XENT_API xent_status_t xent_logsumexp(const xent_tensor_t *x, int axis,
                                      const xent_tensor_t *out);

/*
 * Backward passes (vector-Jacobian products): given the upstream gradient dy
 * of a scalar loss with respect to the output, write dx.
 *
 *   xent_softmax_backward:     y = softmax(x);     dx_i = y_i (dy_i - sum_j y_j dy_j)
 *   xent_log_softmax_backward: y = log_softmax(x); dx_i = dy_i - exp(y_i) sum_j dy_j
 *   xent_logsumexp_backward:   x and d(out);       dx_i = d(out) * softmax(x)_i
 *                              (accuracy: softmax's bound, plus 0.5 ulp)
 *
 * The first two take the forward OUTPUT y (as PyTorch and TensorFlow do), so
 * no exponentials of x are recomputed. `y`, `dy` and `dx` have the shape of
 * `x`; for logsumexp, `dout` has the reduced shape.
 *
 * NaN in y or dy makes the row's dx NaN (for log_softmax_backward, NaN in dy
 * reaches every dx through the sum). A fully masked row (softmax output
 * all 0, log_softmax all -inf) with finite dy gives dx = 0 for softmax and
 * dx = dy for log_softmax (exp(-inf) = 0). logsumexp_backward follows
 * softmax's rules for infinite x (a fully masked row gets dx = 0).
 *
 * Accuracy: the sums are compensated, so each dx_i is within 4 ulp of
 * y_i * (|dy_i| + sum_j |y_j dy_j|) (softmax) or of
 * |dy_i| + exp(y_i) * sum_j |dy_j| (log_softmax); the cancellation in
 * dy_i - sum y dy belongs to the problem, not to the method.
 */
XENT_API xent_status_t xent_softmax_backward(const xent_tensor_t *y,
                                             const xent_tensor_t *dy, int axis,
                                             const xent_tensor_t *dx);
XENT_API xent_status_t xent_log_softmax_backward(const xent_tensor_t *y,
                                                 const xent_tensor_t *dy,
                                                 int axis,
                                                 const xent_tensor_t *dx);
XENT_API xent_status_t xent_logsumexp_backward(const xent_tensor_t *x,
                                               const xent_tensor_t *dout,
                                               int axis,
                                               const xent_tensor_t *dx);

/* ------------------------------------------------------------------------ */
/* Element-wise: sigmoid, log_sigmoid, softplus, logit                      */
/* ------------------------------------------------------------------------ */
/*
 * `x`, `y`, `dy` and `dx` all have one shape; any layouts.
 *
 *   sigmoid(x)     = 1 / (1 + exp(-x))          sigmoid'(x)     = sigmoid(x) sigmoid(-x)
 *   log_sigmoid(x) = -softplus(-x)              log_sigmoid'(x) = sigmoid(-x)
 *   softplus(x)    = log(1 + exp(x))            softplus'(x)    = sigmoid(x)
 *
 * Each is evaluated in the branch that cannot overflow or cancel, so
 * log_sigmoid(-1000) is -1000 and softplus(-700) is exp(-700) = 9.86e-305
 * in f64, not 0.
 * Backward passes take the forward INPUT x (not the output), because
 * sigmoid(x)(1 - sigmoid(x)) computed from a rounded sigmoid loses all
 * precision for large x; from x it stays exact: sigmoid'(40) = 4.248e-18.
 *
 * softplus is the exact function, like tf.math.softplus. PyTorch's
 * F.softplus(beta=1, threshold=20) returns x itself when x > 20; in f32 that
 * is the same number, in f64 it differs from the exact value by exp(-x).
 *
 * Odd inputs: NaN gives NaN. sigmoid(+inf) = 1, sigmoid(-inf) = 0,
 * log_sigmoid(+inf) = -0, log_sigmoid(-inf) = -inf, softplus(+inf) = +inf,
 * softplus(-inf) = 0; every derivative at +-inf is 0 except
 * log_sigmoid'(-inf) = softplus'(+inf) = 1.
 *
 * Accuracy: f32/f16/bf16 within 1 ulp; f64 forward within 3 ulp, backward
 * within 5 ulp. Where a derivative is subnormal in double (|x| > 708), it is
 * formed in long double, so a large dy does not expose its missing bits.
 */
XENT_API xent_status_t xent_sigmoid(const xent_tensor_t *x, const xent_tensor_t *y);
XENT_API xent_status_t xent_log_sigmoid(const xent_tensor_t *x,
                                        const xent_tensor_t *y);
XENT_API xent_status_t xent_softplus(const xent_tensor_t *x, const xent_tensor_t *y);
XENT_API xent_status_t xent_sigmoid_backward(const xent_tensor_t *x,
                                             const xent_tensor_t *dy,
                                             const xent_tensor_t *dx);
XENT_API xent_status_t xent_log_sigmoid_backward(const xent_tensor_t *x,
                                                 const xent_tensor_t *dy,
                                                 const xent_tensor_t *dx);
XENT_API xent_status_t xent_softplus_backward(const xent_tensor_t *x,
                                              const xent_tensor_t *dy,
                                              const xent_tensor_t *dx);

/* Pass as `eps` for no clamping (torch.logit with eps=None). */
#define XENT_LOGIT_NO_EPS (-1.0)

/*
 * logit(p) = log(p / (1 - p)), the inverse of sigmoid, as torch.logit.
 *
 * eps: XENT_LOGIT_NO_EPS (any negative value) for no clamp; otherwise a value
 * in [0, 0.5] and p is first clamped to [eps, 1 - eps], where 1 - eps is
 * rounded to the input's type as PyTorch does. eps outside that range, or
 * NaN, is XENT_ERR_ARGUMENT.
 *
 * Evaluated without cancellation: near p = 1/2 as log1p((2p - 1)/(1 - p))
 * (p >= 1/2) or -log1p((1 - 2p)/p) (1/4 <= p < 1/2), near 0 as
 * log(p) - log1p(-p).
 *
 * Odd inputs (after the clamp, if any): logit(0) = -inf, logit(1) = +inf,
 * p outside [0, 1] or NaN gives NaN (the function is not defined there; no
 * error is raised so that a batch with one bad value is still computed).
 *
 * Backward: dx = dy / (p (1 - p)) (divided, not multiplied by the
 * reciprocal, so a tiny p with a tiny dy does not overflow on the way) where
 * p is inside the clamp range (ends included), and 0 where the clamp was
 * active; +-inf at p = 0 or 1 without a clamp (with the sign of dy; NaN if dy
 * is 0); NaN for p outside [0, 1].
 *
 * Accuracy: f32/f16/bf16 within 1 ulp; f64 within 3 ulp.
 */
XENT_API xent_status_t xent_logit(const xent_tensor_t *p, double eps,
                                  const xent_tensor_t *y);
XENT_API xent_status_t xent_logit_backward(const xent_tensor_t *p,
                                           const xent_tensor_t *dy, double eps,
                                           const xent_tensor_t *dx);

/* ------------------------------------------------------------------------ */
/* Decisions: argmax, hardmax, one-hot                                      */
/* ------------------------------------------------------------------------ */

/*
 * Index of the largest element along `axis`, written to `out` (i32 or i64,
 * the reduced shape).
 * Ties: the FIRST index among equal maxima (-0.0 and +0.0 are equal).
 * NaN: counts as larger than everything, so the first NaN's index is returned
 * (as numpy.argmax and torch.argmax do).
 * Empty class axis with at least one row: XENT_ERR_SHAPE (there is no index
 * to return). An i32 output with C > INT32_MAX: XENT_ERR_DTYPE.
 * Integer inputs (i32, i64, u8) are accepted as well as float ones.
 */
XENT_API xent_status_t xent_argmax(const xent_tensor_t *x, int axis,
                                   const xent_tensor_t *out);

/* y = one_hot(argmax(x, axis)) with argmax's tie and NaN rules: 1 at the
 * chosen index of each row, 0 elsewhere. `y` has x's shape and any float or
 * integer dtype. An empty class axis writes nothing. */
XENT_API xent_status_t xent_hardmax(const xent_tensor_t *x, int axis,
                                    const xent_tensor_t *y);

/* Flag for xent_one_hot: an out-of-range label gives a row of off_value
 * (tf.one_hot's rule) instead of an error. */
#define XENT_ONE_HOT_OUT_OF_RANGE_IS_OFF 1u

/*
 * One-hot encoding of integer labels (i32 or i64). `y` has the labels' shape
 * with one extra axis of length C (the number of classes) inserted at
 * `axis` (an axis of `y`, so -1 appends the class axis, as tf.one_hot).
 * y = on_value where the class equals the label, off_value elsewhere,
 * stored in y's dtype (any float or integer type).
 * A label outside [0, C): XENT_ERR_INDEX naming its position and value,
 * unless `flags` has XENT_ONE_HOT_OUT_OF_RANGE_IS_OFF.
 */
XENT_API xent_status_t xent_one_hot(const xent_tensor_t *labels, int axis,
                                    double on_value, double off_value,
                                    unsigned flags, const xent_tensor_t *y);

/* ------------------------------------------------------------------------ */
/* Cross-entropy on logits: softmax (dense and sparse labels) and sigmoid   */
/* ------------------------------------------------------------------------ */
/*
 * Three functions cover the family; an xent_ce_options_t selects each peer's
 * semantics (docs/compat.md maps every TensorFlow, Keras and PyTorch call to
 * the options that reproduce it):
 *
 *   xent_softmax_cross_entropy         labels are probabilities, logits' shape
 *   xent_sparse_softmax_cross_entropy  labels are class indices (i32, i64, u8),
 *                                      logits' shape without the class axis
 *   xent_sigmoid_cross_entropy         labels are per-class targets in [0, 1],
 *                                      logits' shape (multi-label or binary)
 *
 * Terms. The class axis is opts->axis. A "position" is one index of the
 * other axes (a sample, or a pixel / time step of one). A position is
 * COUNTED unless it is masked (opts->mask, opts->lengths) or its sparse
 * label equals opts->ignore_index. Uncounted positions add no loss and no
 * gradient, and are not counted by any mean.
 *
 * Per-position loss, with u the effective target (below) and
 * log_softmax as in xent_log_softmax:
 *   softmax:  L = sw * sum_c u_c * -log_softmax(x)_c
 *   sigmoid:  L_c = sw * cw_c * (pw_c * y'_c * softplus(-x_c) + (1 - y'_c) * softplus(x_c))
 *             (one loss per element; with XENT_CE_MEAN_OVER_CLASSES, the
 *             mean over the class axis, one loss per position: Keras)
 * where sw is the position's sample weight, cw_c the class weight, pw_c the
 * positive weight (sigmoid only; PyTorch pos_weight,
 * tf.nn.weighted_cross_entropy_with_logits), and, with smoothing a:
 *   dense:   u_c = cw_c * (y_c (1 - a) + a / C)
 *   sparse:  u_c = (1 - a) cw_y [c == y] + (a / C) cw_c   (PyTorch's rule)
 *   sigmoid: y'_c = y_c (1 - a) + a / 2
 *
 * The position's weight, used by MEAN, is sw * cw_y for sparse labels and sw
 * for dense labels (PyTorch divides probability-target losses by the count,
 * not the class weights). For sigmoid losses each element of a position
 * carries the position's weight.
 *
 * Reductions (opts->reduction) of the weighted losses L over counted
 * positions (or elements, for per-element sigmoid losses):
 *   NONE                  loss holds L per position / element (0 where uncounted)
 *   SUM                   sum of L
 *   MEAN                  sum of L / sum of weights  (PyTorch cross_entropy's
 *                         "mean", Keras "mean_with_sample_weight", TF v1 MEAN;
 *                         PyTorch binary_cross_entropy_with_logits's "mean"
 *                         divides by the element count: SUM_OVER_BATCH_SIZE)
 *   SUM_OVER_BATCH_SIZE   sum of L / number of positions; when a mask,
 *                         lengths or ignore_index is in use, / number of
 *                         counted positions (Keras "sum_over_batch_size")
 *   SUM_BY_NONZERO_WEIGHTS sum of L / number of counted positions whose sample
 *                         weight is not 0 (TF v1 default)
 * When the divisor is 0 (empty batch, everything masked or ignored, all
 * weights 0), the reduced loss is opts->empty: 0 (Keras's and TF's
 * divide_no_nan; the default) or NaN (PyTorch); the gradient is 0 either way
 * (as PyTorch's is for an all-ignored batch).
 *
 * Gradient. `grad` (logits' shape) receives d(loss)/d(logits) of the reduced
 * loss, times opts->upstream when given (the gradient of the final objective
 * with respect to `loss`: a one-element tensor for a scalar reduction, the
 * loss's shape for NONE). For softmax losses,
 *   grad_c = softmax(x)_c * T - u_c,  T = sum_c u_c   (the true gradient)
 * computed without cancellation on the dominant logit, so the row
 * [40, 0 x 9] with label 0 gets -9 e^-40 to full relative precision in f64.
 * With XENT_CE_TF_GRADIENT, T = 1 (TensorFlow's softmax - labels, which is the
 * gradient only when the labels sum to 1). For sigmoid losses,
 *   grad_c = sw cw_c (-pw_c y'_c sigmoid(-x_c) + (1 - y'_c) sigmoid(x_c)).
 *
 * Exactness beyond the peers: losses are sums of non-negative terms
 * (-log_softmax is computed as log1p of the tail sum), so a confidently
 * correct prediction keeps its tiny loss: logits [37.42994775023705, 0] with
 * label 0 give 5.551115123125764e-17 in f64 (peers return 0), and the f32
 * loss of [20, 0] is 2.0611537e-09 rather than 0.
 *
 * Odd inputs:
 *   - sparse label outside [0, C) that is not ignore_index: XENT_ERR_INDEX,
 *     naming the position and value (e.g. "labels[17] = 12 is outside
 *     [0, 10)"); nothing is written.
 *   - NaN in a position's logits or labels: that position's loss and gradient
 *     are NaN (and so is a reduced loss that counts it).
 *   - +inf logits: softmax's limit rules (xent_softmax); a target with
 *     probability 0 in the limit gives loss +inf, never NaN.
 *   - a term whose coefficient (label, weight, 1 - label) is 0 is skipped,
 *     so 0 * inf never makes a NaN: a +inf logit with label 0 in sigmoid CE
 *     has loss +inf only if its label is below 1.
 *   - a position whose sample weight is 0 adds 0 loss and 0 gradient even if
 *     its logits are infinite or NaN.
 *   - logits all -inf with a positive target: loss +inf, gradient -u.
 *
 * Accuracy (every kernel variant, see xent_isa()): per-position loss within
 * 4 ulp (f32, f16, bf16: measured 1 ulp; f64: with non-negative targets),
 * plus the rounding of the reduction; gradient within 4 ulp of
 * |softmax_c T| + |u_c|. Tested in tests/test_cross_entropy.c (f64) and
 * tests/test_kernels.c (f32, at row lengths around every vector tile).
 */

typedef enum xent_reduction_t {
  XENT_REDUCTION_NONE = 0,
  XENT_REDUCTION_SUM = 1,
  XENT_REDUCTION_MEAN = 2,
  XENT_REDUCTION_SUM_OVER_BATCH_SIZE = 3,
  XENT_REDUCTION_SUM_BY_NONZERO_WEIGHTS = 4
} xent_reduction_t;

/* The value of a mean with nothing to average. */
typedef enum xent_empty_t {
  XENT_EMPTY_ZERO = 0, /* Keras, TensorFlow (divide_no_nan)  */
  XENT_EMPTY_NAN = 1   /* PyTorch (0 / 0)                    */
} xent_empty_t;

/* opts->ignore_index value meaning "no label is ignored". */
#define XENT_NO_IGNORE INT64_MIN

/* opts->flags */
#define XENT_CE_TF_GRADIENT 1u        /* softmax losses: grad = softmax - u     */
#define XENT_CE_MEAN_OVER_CLASSES 2u  /* sigmoid: average over the class axis  */

typedef struct xent_ce_options_t {
  int axis;                    /* class axis of logits (default -1)          */
  xent_reduction_t reduction;  /* default XENT_REDUCTION_MEAN                */
  xent_empty_t empty;          /* default XENT_EMPTY_ZERO                    */
  double label_smoothing;      /* a in [0, 1]; default 0                     */
  int64_t ignore_index;        /* sparse labels; default XENT_NO_IGNORE      */
  unsigned flags;              /* XENT_CE_* bits; default 0                  */
  /* Optional tensors (NULL when unused): */
  const xent_tensor_t *class_weights;  /* (C,) float                           */
  const xent_tensor_t *pos_weight;     /* sigmoid only: (C,) or one element     */
  const xent_tensor_t *sample_weights; /* float; aligned with the positions
                                          from the left (batch first), each
                                          extent equal or 1 (broadcast); for
                                          per-element sigmoid losses, aligned
                                          with the elements                   */
  const xent_tensor_t *mask;           /* u8, the positions' shape; 0 = masked */
  const xent_tensor_t *lengths;        /* i32/i64 (N,): position (n, t, ...)
                                          counts iff t < lengths[n], as
                                          tf.sequence_mask; needs >= 2 position
                                          axes; negative lengths count nothing */
  const xent_tensor_t *upstream;       /* see "Gradient" above                 */
} xent_ce_options_t;

/* The defaults listed above. */
XENT_API xent_ce_options_t xent_ce_options_default(void);

/*
 * Each computes the loss into `loss` and/or the gradient into `grad` (either
 * may be NULL, not both). `loss`: for XENT_REDUCTION_NONE, the positions'
 * shape (per-element sigmoid: logits' shape); otherwise a one-element tensor
 * (rank 0, or any shape of one element). `opts` may be NULL for the defaults.
 * Bad options give XENT_ERR_ARGUMENT (unknown reduction or flags, smoothing
 * outside [0, 1], options that do not apply to the function), bad option
 * tensors XENT_ERR_SHAPE / XENT_ERR_DTYPE naming the option.
 */
XENT_API xent_status_t xent_softmax_cross_entropy(const xent_tensor_t *logits,
                                                  const xent_tensor_t *labels,
                                                  const xent_ce_options_t *opts,
                                                  const xent_tensor_t *loss,
                                                  const xent_tensor_t *grad);
XENT_API xent_status_t xent_sparse_softmax_cross_entropy(
    const xent_tensor_t *logits, const xent_tensor_t *labels,
    const xent_ce_options_t *opts, const xent_tensor_t *loss,
    const xent_tensor_t *grad);
XENT_API xent_status_t xent_sigmoid_cross_entropy(const xent_tensor_t *logits,
                                                  const xent_tensor_t *labels,
                                                  const xent_ce_options_t *opts,
                                                  const xent_tensor_t *loss,
                                                  const xent_tensor_t *grad);

/* ------------------------------------------------------------------------ */
/* Classification metrics                                                   */
/* ------------------------------------------------------------------------ */
/*
 * The numbers a classifier is judged by, computed exactly, with each peer's
 * definition available: Keras's accuracy family and its thresholded
 * Precision / Recall / AUC, scikit-learn's confusion-matrix metrics, exact
 * ROC AUC and average precision with their curves, log loss, the Brier score,
 * and calibration errors with the reliability table behind them.
 * docs/metrics.md has the definitions, each peer's variant and the pitfalls.
 *
 * Streaming. Every metric accumulates into a state that is updated batch by
 * batch, merged with another state (from another thread or process) and read
 * at any time. Updates on batches, merged in any grouping, give the result of
 * one update on all the data: counts are exact, sums of weights are
 * compensated (Neumaier), so the results agree to the last bits with unit
 * weights and within a few ulps with fractional ones. Two kinds of state:
 *   - xent_mean_state_t: a small struct the caller allocates (the accuracy
 *     family, log loss, Brier score);
 *   - opaque handles that the library creates and destroys, for states whose
 *     size depends on the classes or the data: xent_confusion_t,
 *     xent_keras_pr_t, xent_keras_auc_t, xent_auc_t, xent_calibration_t.
 * A state is not synchronised: update each from one thread at a time (give
 * each thread its own state and merge them). Functions that read a state do
 * not change what it holds; the xent_auc_t readers sort its stored scores in
 * place, so they too need the state to themselves.
 *
 * Positions. The class axis of y_pred is opts->axis (default -1). A position
 * (a sample) is one index of the other axes. For element-wise metrics
 * (binary accuracy, binary log loss, binary AUC, Keras's thresholded metrics)
 * every element is a position. Where y_true and y_pred must have one shape,
 * a trailing axis of length 1 on either side is ignored (Keras squeezes it):
 * y_true (N,) goes with y_pred (N, 1).
 *
 * xent_metric_options_t (opts may be NULL for the defaults):
 *   sample_weights  float, one weight per position, aligned from the left
 *                   (batch first) with each extent equal or 1 (broadcast), as
 *                   in xent_ce_options_t: a (N,) weight applies to every
 *                   element or time step of sample n. Finite and >= 0.
 *   mask            u8, the same alignment; 0 skips the position.
 * A masked position, or one whose weight is 0, is skipped entirely: it is not
 * read, not checked, and adds nothing (as scikit-learn drops zero-weight
 * samples before it finds thresholds).
 *
 * Errors on data, each naming the position and the value; the state is left
 * unchanged:
 *   - NaN in a counted score or probability: XENT_ERR_VALUE. A NaN cannot be
 *     ranked or thresholded, and peers differ (Keras counts a NaN score as
 *     below every threshold, scikit-learn refuses it), so xent refuses it.
 *   - a class index outside [0, C): XENT_ERR_INDEX;
 *   - a binary label other than 0 or 1 (-1 is accepted as 0, scikit-learn's
 *     other default encoding), where a function says so: XENT_ERR_VALUE;
 *   - a sample weight that is negative, infinite or NaN: XENT_ERR_VALUE;
 *   - a probability outside [0, 1] (log loss, Brier, calibration):
 *     XENT_ERR_VALUE.
 * +inf and -inf scores are ordinary values: they rank above and below every
 * finite score (scikit-learn refuses them). -0.0 and +0.0 are one score.
 *
 * Results are doubles. A result written to a tensor may use any float dtype
 * (rounded once).
 */

typedef struct xent_metric_options_t {
  int axis;                            /* class axis of y_pred (default -1)   */
  const xent_tensor_t *sample_weights; /* optional, see above                 */
  const xent_tensor_t *mask;           /* optional, see above                 */
} xent_metric_options_t;

/* axis -1, no weights, no mask. */
XENT_API xent_metric_options_t xent_metric_options_default(void);

/* Averages over classes, labels or samples (scikit-learn's `average`). */
typedef enum xent_average_t {
  XENT_AVERAGE_NONE = 0,     /* one value per class (label)                   */
  XENT_AVERAGE_BINARY = 1,   /* the positive class only (pos_label)           */
  XENT_AVERAGE_MICRO = 2,    /* pool every (sample, class) decision           */
  XENT_AVERAGE_MACRO = 3,    /* unweighted mean over classes                  */
  XENT_AVERAGE_WEIGHTED = 4, /* mean over classes weighted by their support   */
  XENT_AVERAGE_SAMPLES = 5   /* mean over samples (multi-label only)          */
} xent_average_t;

/* ---- the mean state: accuracy family, log loss, Brier score ---- */

/*
 * A weighted mean: the sum of weight * value and the sum of weights, both
 * compensated, and the number of positions counted. Initialise it with
 * xent_mean_state_init (or zero it); merge two with xent_mean_state_merge.
 * The result is total / weight. With nothing counted (no positions, or all
 * masked or weighted 0) the result is `empty`: XENT_EMPTY_ZERO gives 0 as
 * Keras's Mean does (divide_no_nan); XENT_EMPTY_NAN gives NaN.
 * Keras's Mean counts samples (the batch axis) and averages each sample's
 * elements first; xent counts every element with its broadcast weight. The
 * two agree whenever the batches have the same trailing shape.
 */
typedef struct xent_mean_state_t {
  double total, total_comp;   /* sum of weight * value, and its compensation */
  double weight, weight_comp; /* sum of weights, and its compensation        */
  int64_t count;              /* positions counted                           */
} xent_mean_state_t;

XENT_API xent_status_t xent_mean_state_init(xent_mean_state_t *state);
/* into += from. */
XENT_API xent_status_t xent_mean_state_merge(xent_mean_state_t *into,
                                             const xent_mean_state_t *from);
XENT_API xent_status_t xent_mean_state_result(const xent_mean_state_t *state,
                                              xent_empty_t empty, double *result);

/* ---- accuracy family (Keras) ---- */
/*
 * Each adds one value per counted position (1 for a hit, 0 for a miss) to a
 * mean state, as Keras's MeanMetricWrapper metrics do:
 *
 *   xent_accuracy_update          keras.metrics.Accuracy: y_true == y_pred,
 *                                 element-wise, any dtypes (exact equality).
 *   xent_binary_accuracy_update   BinaryAccuracy: (y_pred > threshold) == y_true,
 *                                 element-wise; STRICTLY greater, so a score
 *                                 equal to the threshold predicts 0. y_true
 *                                 is compared exactly: a soft label such as
 *                                 0.9 never matches.
 *   xent_categorical_accuracy_update         argmax(y_true) == argmax(y_pred)
 *                                 along the class axis; y_true one-hot (or
 *                                 any scores), y_pred's shape.
 *   xent_sparse_categorical_accuracy_update  y_true == argmax(y_pred);
 *                                 y_true integer class indices, shape of
 *                                 y_pred without the class axis (or with it
 *                                 kept at length 1).
 *   xent_top_k_categorical_accuracy_update   argmax(y_true) is among the
 *                                 top k of y_pred.
 *   xent_sparse_top_k_categorical_accuracy_update  y_true is among the top k.
 *
 * argmax takes the FIRST index among equal maxima, as tf.argmax does, so
 * categorical accuracy counts a tie as a hit only for the first tied class.
 * Top-k follows tf.math.in_top_k: ties at the k-th place count as hits, so a
 * class is in the top k iff fewer than k classes score strictly higher
 * (y_pred [0.5, 0.5] with label 1 is a miss for categorical accuracy and a
 * hit for top-1). k >= C makes every position a hit; k < 1 is
 * XENT_ERR_ARGUMENT. in_top_k returns false for a row that holds any inf;
 * xent ranks infinities as ordinary values.
 *
 * Odd inputs: NaN in a counted y_pred is XENT_ERR_VALUE (Keras's binary
 * accuracy would predict 0 for it and its argmax skips it); NaN in a one-hot
 * y_true is XENT_ERR_VALUE too, while in the element-wise metrics a NaN
 * y_true matches nothing (a miss); a sparse label outside [0, C) is
 * XENT_ERR_INDEX (Keras counts it a miss); an empty class axis with positions
 * to count is XENT_ERR_SHAPE; sparse labels must be integers (i32, i64, u8).
 * Nothing counted: the mean state's `empty` rule.
 *
 * What the string "accuracy" means in Keras: see xent_keras_resolve_accuracy.
 */
XENT_API xent_status_t xent_accuracy_update(xent_mean_state_t *state,
                                            const xent_tensor_t *y_true,
                                            const xent_tensor_t *y_pred,
                                            const xent_metric_options_t *opts);
XENT_API xent_status_t xent_binary_accuracy_update(xent_mean_state_t *state,
                                                   const xent_tensor_t *y_true,
                                                   const xent_tensor_t *y_pred,
                                                   double threshold,
                                                   const xent_metric_options_t *opts);
XENT_API xent_status_t xent_categorical_accuracy_update(
    xent_mean_state_t *state, const xent_tensor_t *y_true,
    const xent_tensor_t *y_pred, const xent_metric_options_t *opts);
XENT_API xent_status_t xent_sparse_categorical_accuracy_update(
    xent_mean_state_t *state, const xent_tensor_t *y_true,
    const xent_tensor_t *y_pred, const xent_metric_options_t *opts);
XENT_API xent_status_t xent_top_k_categorical_accuracy_update(
    xent_mean_state_t *state, const xent_tensor_t *y_true,
    const xent_tensor_t *y_pred, int64_t k, const xent_metric_options_t *opts);
XENT_API xent_status_t xent_sparse_top_k_categorical_accuracy_update(
    xent_mean_state_t *state, const xent_tensor_t *y_true,
    const xent_tensor_t *y_pred, int64_t k, const xent_metric_options_t *opts);

typedef enum xent_accuracy_kind_t {
  XENT_ACCURACY_BINARY = 0,
  XENT_ACCURACY_CATEGORICAL = 1,
  XENT_ACCURACY_SPARSE_CATEGORICAL = 2
} xent_accuracy_kind_t;

/* The loss a Keras model was compiled with, as far as "accuracy" cares. */
typedef enum xent_keras_loss_t {
  XENT_KERAS_LOSS_OTHER = 0,
  XENT_KERAS_LOSS_BINARY_CROSSENTROPY = 1,
  XENT_KERAS_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY = 2
} xent_keras_loss_t;

/*
 * Which accuracy Keras computes for metrics=["accuracy"] (or "acc"), from the
 * shapes of y_true and y_pred (only their rank and shape are read; data may
 * be NULL):
 *   legacy = 0: Keras 3 and tf.keras since TensorFlow 2.2 (compile_utils):
 *     BINARY if y_pred's last extent is 1; otherwise SPARSE_CATEGORICAL if
 *     y_true has lower rank than y_pred, or y_true's last extent is 1;
 *     otherwise CATEGORICAL. The loss is not consulted.
 *   legacy = 1: standalone Keras 2.x and older tf.keras
 *     (training_utils.get_metric_function): BINARY if y_pred's last extent
 *     is 1 OR the loss is binary cross-entropy; SPARSE_CATEGORICAL if the
 *     loss is sparse categorical cross-entropy; otherwise CATEGORICAL. A
 *     C-class softmax model trained with binary_crossentropy on one-hot
 *     labels is then scored with binary accuracy, element by element: a model
 *     that predicts all zeros scores (C-1)/C (0.9 for ten classes).
 * Rank-0 y_pred (no last extent): XENT_ERR_SHAPE.
 */
XENT_API xent_status_t xent_keras_resolve_accuracy(const xent_tensor_t *y_true,
                                                   const xent_tensor_t *y_pred,
                                                   xent_keras_loss_t loss,
                                                   int legacy,
                                                   xent_accuracy_kind_t *kind);

/* ---- confusion matrices, precision, recall, F-beta (scikit-learn) ---- */

typedef struct xent_confusion_t xent_confusion_t;

typedef enum xent_confusion_kind_t {
  XENT_CONFUSION_MULTICLASS = 0, /* one class per position (binary is C = 2)  */
  XENT_CONFUSION_MULTILABEL = 1  /* C independent yes/no labels per position */
} xent_confusion_kind_t;

/*
 * A confusion state over `classes` classes (>= 1; at most 2^21 - 1 for
 * multi-label). `threshold` turns float predictions into decisions where a
 * function needs it (multi-label y_pred: positive iff y_pred > threshold;
 * 0.5 is Keras's and the usual choice).
 * Memory: multi-class keeps the C x C matrix (16 C^2 bytes, compensated
 * sums); multi-label keeps four sums per label plus, for the 'samples'
 * average, the weight of each distinct (tp, true, predicted) count triple
 * seen per sample (at most min(samples, (C + 1)^3) entries).
 */
XENT_API xent_status_t xent_confusion_create(xent_confusion_kind_t kind,
                                             int64_t classes, double threshold,
                                             xent_confusion_t **state);
/* Frees the state; NULL is accepted. */
XENT_API xent_status_t xent_confusion_destroy(xent_confusion_t *state);
/* Forgets everything counted. */
XENT_API xent_status_t xent_confusion_reset(xent_confusion_t *state);

/*
 * Counts a batch.
 * Multi-class: y_true holds class indices (i32, i64, u8) with the positions'
 * shape. y_pred holds either class indices of the same shape, or scores with
 * a class axis (opts->axis) of length C, whose argmax (first maximum) is the
 * prediction. Indices outside [0, C) are XENT_ERR_INDEX; NaN scores
 * XENT_ERR_VALUE.
 * Multi-label: y_true and y_pred have one shape with the label axis
 * (opts->axis) of length C. y_true: 0/1 indicators (any dtype; another value
 * is XENT_ERR_VALUE). y_pred: integer indicators (nonzero = predicted) or
 * float scores (> threshold = predicted).
 * The states must have the same kind and classes to be merged
 * (XENT_ERR_ARGUMENT otherwise).
 */
XENT_API xent_status_t xent_confusion_update(xent_confusion_t *state,
                                             const xent_tensor_t *y_true,
                                             const xent_tensor_t *y_pred,
                                             const xent_metric_options_t *opts);
XENT_API xent_status_t xent_confusion_merge(xent_confusion_t *into,
                                            const xent_confusion_t *from);

typedef enum xent_normalize_t {
  XENT_NORMALIZE_NONE = 0, /* weighted counts                               */
  XENT_NORMALIZE_TRUE = 1, /* each row (true class) sums to 1               */
  XENT_NORMALIZE_PRED = 2, /* each column (predicted class) sums to 1       */
  XENT_NORMALIZE_ALL = 3   /* the whole matrix sums to 1                    */
} xent_normalize_t;

/*
 * The (C, C) confusion matrix of a multi-class state: out[i][j] is the
 * weight of positions of true class i predicted as j (scikit-learn's
 * confusion_matrix with labels = 0..C-1). A row, column or matrix that sums
 * to 0 normalises to zeros (scikit-learn's nan_to_num). A multi-label state
 * has no such matrix: XENT_ERR_ARGUMENT.
 */
XENT_API xent_status_t xent_confusion_matrix(const xent_confusion_t *state,
                                             xent_normalize_t normalize,
                                             const xent_tensor_t *out);

/* (C, 2, 2) per-class matrices [[tn, fp], [fn, tp]] (scikit-learn's
 * multilabel_confusion_matrix), for either kind; multi-class treats each
 * class one-vs-rest. */
XENT_API xent_status_t xent_confusion_multilabel_matrix(const xent_confusion_t *state,
                                                        const xent_tensor_t *out);

typedef struct xent_prf_options_t {
  xent_average_t average;  /* default XENT_AVERAGE_NONE                     */
  double beta;             /* F-beta's beta, >= 0 or +inf; default 1        */
  double zero_division;    /* 0 (default), 1 or NaN: see below             */
  int64_t pos_label;       /* XENT_AVERAGE_BINARY: the class; default 1     */
  const int64_t *labels;   /* optional: which classes, in what order
                              (scikit-learn's labels=); NULL = 0..C-1       */
  int64_t num_labels;      /* entries in labels                             */
} xent_prf_options_t;

/* The defaults listed above (precision_recall_fscore_support's; note that
 * scikit-learn's precision_score, recall_score and f1_score default to
 * average='binary'). */
XENT_API xent_prf_options_t xent_prf_options_default(void);

/*
 * scikit-learn's precision_recall_fscore_support on the counts of a state:
 * for each selected class, with tp, predicted (tp + fp) and true (tp + fn)
 * weighted counts,
 *   precision = tp / predicted,  recall = tp / true,
 *   F-beta    = (1 + beta^2) tp / (beta^2 true + predicted)
 * (beta = +inf gives recall, beta = 0 precision). A 0/0 (an empty state, a
 * class never predicted, a class that never occurs) gives zero_division: 0
 * (scikit-learn's default "warn", without the warning) or 1;
 * NaN marks the value undefined and every average skips it (an average of
 * nothing but undefined values is NaN).
 * Averages (opts->average):
 *   NONE      one value per selected class: outputs have num_labels (or C)
 *             elements.
 *   BINARY    the class pos_label only; needs a multi-class state with C <= 2
 *             (scikit-learn refuses 'binary' for more classes).
 *   MICRO     the counts summed over the selected classes first (for a
 *             multi-class state with every class selected, precision =
 *             recall = F = accuracy).
 *   MACRO     the unweighted mean over the selected classes.
 *   WEIGHTED  the mean weighted by each class's true count; when those are
 *             all 0, the unweighted mean (as scikit-learn 1.9 does).
 *   SAMPLES   multi-label only: each sample's precision, recall and F over
 *             all its labels (opts->labels must be NULL), averaged with the
 *             sample weights.
 * precision, recall and fscore get one element for an average, one per
 * selected class for NONE; support always gets the true count of each
 * selected class. Any output may be NULL.
 * Bad options: XENT_ERR_ARGUMENT (a zero_division other than 0, 1 or NaN;
 * beta < 0 or NaN; SAMPLES on a multi-class state; BINARY on more than two
 * classes); a label outside [0, C): XENT_ERR_INDEX.
 */
XENT_API xent_status_t xent_precision_recall_fscore(const xent_confusion_t *state,
                                                    const xent_prf_options_t *opts,
                                                    const xent_tensor_t *precision,
                                                    const xent_tensor_t *recall,
                                                    const xent_tensor_t *fscore,
                                                    const xent_tensor_t *support);

/* ---- Keras Precision and Recall ---- */

typedef struct xent_keras_pr_t xent_keras_pr_t;

typedef struct xent_keras_pr_options_t {
  const double *thresholds; /* in [0, 1]; NULL = {0.5}, or, with top_k, a
                               threshold of -1e10 (Keras's NEG_INF)          */
  int64_t num_thresholds;   /* entries in thresholds                         */
  int64_t top_k;            /* > 0: only each position's k highest scores
                               can be positive; 0 = off (default)            */
  int64_t class_id;         /* >= 0: only that column counts; -1 (default)   */
} xent_keras_pr_options_t;

XENT_API xent_keras_pr_options_t xent_keras_pr_options_default(void);

/*
 * keras.metrics.Precision and Recall in one state: true positives, false
 * positives and false negatives per threshold. y_true and y_pred have one
 * shape; every element is a decision: the label is positive iff y_true is
 * nonzero, the prediction iff y_pred > threshold (strictly), both compared in
 * float32 as Keras does. top_k keeps the k highest scores of each position
 * along the last axis (ties broken towards the lower index, as tf.math.top_k)
 * and treats the rest as -1e10. class_id keeps only that column of the last
 * axis. Thresholds spread evenly over [0, 1] (three or more) use Keras's
 * bucket formula ceil(y_pred * (T - 1)) - 1 in float32, as Keras does.
 * Weights broadcast over the elements as described above.
 * Results: precision = tp / (tp + fp), recall = tp / (tp + fn), 0 when the
 * denominator is 0 (divide_no_nan: nothing counted, no positive label or no
 * positive prediction), one per threshold (outputs with
 * num_thresholds elements, or one element for a single threshold).
 * Keras accumulates in float32, so its counts stop being exact past 2^24;
 * xent's are doubles.
 */
XENT_API xent_status_t xent_keras_pr_create(const xent_keras_pr_options_t *opts,
                                            xent_keras_pr_t **state);
XENT_API xent_status_t xent_keras_pr_destroy(xent_keras_pr_t *state);
XENT_API xent_status_t xent_keras_pr_reset(xent_keras_pr_t *state);
XENT_API xent_status_t xent_keras_pr_update(xent_keras_pr_t *state,
                                            const xent_tensor_t *y_true,
                                            const xent_tensor_t *y_pred,
                                            const xent_metric_options_t *opts);
XENT_API xent_status_t xent_keras_pr_merge(xent_keras_pr_t *into,
                                           const xent_keras_pr_t *from);
XENT_API xent_status_t xent_keras_pr_result(const xent_keras_pr_t *state,
                                            const xent_tensor_t *precision,
                                            const xent_tensor_t *recall);

/* ---- Keras AUC (thresholded) ---- */

typedef struct xent_keras_auc_t xent_keras_auc_t;

typedef enum xent_keras_curve_t {
  XENT_KERAS_CURVE_ROC = 0,
  XENT_KERAS_CURVE_PR = 1,
  XENT_KERAS_CURVE_PRGAIN = 2
} xent_keras_curve_t;

typedef enum xent_keras_summation_t {
  XENT_KERAS_INTERPOLATION = 0, /* trapezoids (PR: Davis & Goadrich)          */
  XENT_KERAS_MINORING = 1,      /* left/right minimum of each step            */
  XENT_KERAS_MAJORING = 2       /* maximum                                    */
} xent_keras_summation_t;

typedef struct xent_keras_auc_options_t {
  int64_t num_thresholds;          /* > 1; default 200                         */
  const double *thresholds;        /* optional, in [0, 1]; replaces the even
                                      grid (num_thresholds is then count + 2)  */
  int64_t thresholds_count;
  xent_keras_curve_t curve;        /* default ROC                              */
  xent_keras_summation_t summation_method; /* default INTERPOLATION           */
  int multi_label;                 /* 0 (default): every element is one binary
                                      decision; 1: y_pred is (N, L) and each
                                      label gets its own curve, then averaged  */
  int64_t num_labels;              /* L, required with multi_label            */
  const double *label_weights;     /* optional: multi_label, weights of the
                                      per-label AUCs in the average; otherwise
                                      a weight per column of y_pred's last axis */
  int64_t label_weights_count;
  int from_logits;                 /* apply a sigmoid to y_pred first          */
} xent_keras_auc_options_t;

XENT_API xent_keras_auc_options_t xent_keras_auc_options_default(void);

/*
 * keras.metrics.AUC: confusion counts at T thresholds (default: 0 - 1e-7,
 * 1/(T-1), ..., (T-2)/(T-1), 1 + 1e-7), then a Riemann sum of the ROC, PR or
 * PR-gain curve through those points. Predictions are clipped to [0, 1] and
 * placed in buckets in float32 exactly as Keras does
 * (max(ceil(p * (T - 1)) - 1, 0)), so the counts match Keras's bit for bit;
 * the sums are then done in double. Labels: nonzero is positive.
 *
 * How far from the exact AUC: every pair of a positive and a negative that
 * fall in the same bucket is a tie to this metric. With interpolation the
 * ROC value counts such a pair as 1/2, so
 *   |Keras ROC AUC - exact ROC AUC| <= (1/2) sum_b P_b N_b / (P N)
 * (P_b, N_b: positive and negative weight in bucket b); minoring and
 * majoring count it 0 or 1, so their gap is up to twice that. A model whose
 * scores crowd into a few buckets (a confident model's probabilities near 0
 * and 1, or scores not in [0, 1] at all, which are clipped) can be
 * arbitrarily far off: all scores above 0.995 with T = 200 share one bucket
 * and the metric cannot rank them. The PR curve's value is a different
 * estimator from average precision even with infinitely many thresholds.
 * xent_keras_auc_result returns the bound above for ROC curves (NaN for PR
 * and PR-gain, when there are no positives or no negatives, and when explicit
 * thresholds leave scores outside their range, which the curve then misses).
 *
 * Keras accumulates in float32 and computes the result in float32; xent's
 * counts are doubles, so on more than 2^24 samples xent's value is the exact
 * one of the thresholded curve and Keras's is not.
 * from_logits applies a sigmoid in double rounded to float32 (TensorFlow's
 * float32 sigmoid can differ by an ulp, which matters only for a score that
 * lands exactly on a bucket edge).
 * Odd inputs: NaN in a counted y_pred: XENT_ERR_VALUE. No positives (or no
 * negatives): the rates Keras divides by are 0 and divide_no_nan makes them
 * 0; the result is whatever Keras's formula gives (0 for ROC), which is not
 * an AUC: check the counts.
 */
XENT_API xent_status_t xent_keras_auc_create(const xent_keras_auc_options_t *opts,
                                             xent_keras_auc_t **state);
XENT_API xent_status_t xent_keras_auc_destroy(xent_keras_auc_t *state);
XENT_API xent_status_t xent_keras_auc_reset(xent_keras_auc_t *state);
XENT_API xent_status_t xent_keras_auc_update(xent_keras_auc_t *state,
                                             const xent_tensor_t *y_true,
                                             const xent_tensor_t *y_pred,
                                             const xent_metric_options_t *opts);
XENT_API xent_status_t xent_keras_auc_merge(xent_keras_auc_t *into,
                                            const xent_keras_auc_t *from);
/* auc: Keras's result. gap_bound (may be NULL): the bound above. */
XENT_API xent_status_t xent_keras_auc_result(const xent_keras_auc_t *state,
                                             double *auc, double *gap_bound);
/* The accumulated counts, each (T,) or (T, L) for multi_label, in Keras's
 * variable layout (true_positives, false_positives, true_negatives,
 * false_negatives); any may be NULL. */
XENT_API xent_status_t xent_keras_auc_counts(const xent_keras_auc_t *state,
                                             const xent_tensor_t *tp,
                                             const xent_tensor_t *fp,
                                             const xent_tensor_t *tn,
                                             const xent_tensor_t *fn);

/* ---- exact ROC AUC and average precision (scikit-learn) ---- */

typedef struct xent_auc_t xent_auc_t;

typedef enum xent_auc_task_t {
  XENT_AUC_BINARY = 0,     /* y_score any shape, y_true 0/1 of that shape     */
  XENT_AUC_MULTICLASS = 1, /* y_score (..., C) with the class axis, y_true
                              class indices (the positions' shape)          */
  XENT_AUC_MULTILABEL = 2  /* y_score and y_true (..., C), y_true 0/1         */
} xent_auc_task_t;

/* xent_auc_config_t.flags */
#define XENT_AUC_ONE_VS_ONE 1u /* bounded multi-class states: keep what the
                                  one-vs-one average needs (C weights per
                                  group instead of 2)                       */

typedef struct xent_auc_config_t {
  xent_auc_task_t task;    /* default XENT_AUC_BINARY                          */
  int64_t classes;         /* columns C for MULTICLASS / MULTILABEL (>= 1)    */
  int64_t capacity;        /* 0 (default): exact mode; > 0: bounded mode with
                              at most `capacity` score groups per column     */
  unsigned flags;          /* XENT_AUC_* bits                                 */
} xent_auc_config_t;

XENT_API xent_auc_config_t xent_auc_config_default(void);

/*
 * A state for exact ROC AUC and average precision and their curves, as
 * scikit-learn computes them (roc_auc_score, average_precision_score,
 * roc_curve, precision_recall_curve), streamed.
 *
 * Exact mode (capacity 0) keeps every counted score: 8 bytes per score and
 * column while all of a column's scores are exactly representable as f32
 * (the score's 32-bit key and its label in one word), otherwise 9 bytes (12
 * for multi-class), plus 8 per score once any weight differs from 1; reading
 * a result sorts them, which needs as much memory again for a moment. The
 * results are exact: scores are sorted with a radix sort (O(n); -0.0 and
 * +0.0 are one key) and tied scores are grouped as one threshold. With unit
 * weights the pair counts are 64-bit integers, and the ROC AUC is the
 * correctly rounded ratio whenever P * N < 2^52 (always, below 2^27 scores).
 *
 * Bounded mode (capacity M > 0) keeps at most M groups per column: a group is
 * a range of scores that share their leading bits (the same bucket of a grid
 * on the scores' bit patterns, which is coarsened one bit at a time, for the
 * whole column, until at most M buckets are in use) with the weight of its
 * positives and negatives and its lowest and highest score. Memory is about
 * M * (36 + 16 L) bytes per column, L = 2 (C with XENT_AUC_ONE_VS_ONE), twice
 * that briefly during an update (new scores wait in a buffer of M entries).
 * The grid depends only on the data, not on how it was batched or merged, so
 * merged states equal one state fed everything. A group that holds one
 * distinct score is exact; within a group of several scores the order of
 * positives and negatives is unknown, and the results treat the group as
 * tied. The readers return a rigorous bound on the
 * difference from the exact value (error_bound): for ROC AUC,
 *   (1/2) sum over multi-score groups g of P_g N_g / (P N),
 * at most 1/M * W^2 / (4 P N) when the groups have equal weight; for average
 * precision, the sum over multi-score groups of the gap between their
 * positives-first and negatives-first orders. With at most M distinct scores
 * per column the bounded mode is exact and error_bound is 0.
 */
XENT_API xent_status_t xent_auc_create(const xent_auc_config_t *config,
                                       xent_auc_t **state);
XENT_API xent_status_t xent_auc_destroy(xent_auc_t *state);
XENT_API xent_status_t xent_auc_reset(xent_auc_t *state);

/*
 * Adds a batch (shapes in xent_auc_task_t). Binary and multi-label labels
 * must be 0 or 1 (-1 counts as 0); anything else is XENT_ERR_VALUE. Multi-
 * class labels outside [0, C): XENT_ERR_INDEX. NaN scores: XENT_ERR_VALUE.
 * Multi-class scores need not be probabilities (scikit-learn insists they sum
 * to 1; the AUCs do not depend on it).
 */
XENT_API xent_status_t xent_auc_update(xent_auc_t *state, const xent_tensor_t *y_true,
                                       const xent_tensor_t *y_score,
                                       const xent_metric_options_t *opts);
/* into += from: same task, classes, capacity and flags (XENT_ERR_ARGUMENT
 * otherwise). */
XENT_API xent_status_t xent_auc_merge(xent_auc_t *into, const xent_auc_t *from);
/* Bytes the state holds now. */
XENT_API xent_status_t xent_auc_memory(const xent_auc_t *state, int64_t *bytes);

typedef enum xent_multiclass_t {
  XENT_MULTICLASS_OVR = 0, /* each class against the rest (default)          */
  XENT_MULTICLASS_OVO = 1  /* each pair of classes (Hand & Till), ROC only  */
} xent_multiclass_t;

/* xent_auc_options_t.flags */
#define XENT_AUC_AP_NO_POSITIVES_IS_ZERO 1u /* AP of a column without positives
                                               is 0 (scikit-learn's value, which
                                               it pairs with a warning), not NaN */

typedef struct xent_auc_options_t {
  xent_average_t average;        /* default XENT_AVERAGE_MACRO                */
  xent_multiclass_t multi_class; /* default XENT_MULTICLASS_OVR               */
  double max_fpr;                /* ROC AUC only: in (0, 1]; < 1 gives the
                                    McClish-standardised partial AUC over
                                    FPR in [0, max_fpr]; default 1          */
  unsigned flags;                /* XENT_AUC_AP_* bits                        */
} xent_auc_options_t;

XENT_API xent_auc_options_t xent_auc_options_default(void);

/*
 * ROC AUC (roc_auc_score) and average precision (average_precision_score).
 *
 * Binary: ROC AUC = sum over tied-score groups g, highest first, of
 *   N_g (TP_before + P_g / 2) / (P N)
 * (the trapezoids of roc_curve: a positive and a negative with equal scores
 * count 1/2); AP = sum_g (P_g / P) * precision after g, where precision =
 * TP / (TP + FP) (the step integral of precision_recall_curve).
 *
 * Averages: NONE writes one value per column ((C,) output); MACRO the mean of
 * the columns; WEIGHTED the mean weighted by each column's positive weight
 * (columns without positives drop out); MICRO pools every (position, column)
 * pair into one binary problem; SAMPLES (multi-label only) computes each
 * position's value across its labels (unweighted within the position) and
 * averages them with the sample weights. BINARY is accepted for the binary
 * task (its only column). Multi-class uses OVR columns (class c against the
 * rest; MACRO, WEIGHTED, MICRO, NONE) or, with OVO, the pairs of classes that
 * occur: for classes a < b, on the positions of class a or b,
 * (AUC(a vs b, scores of a) + AUC(b vs a, scores of b)) / 2, averaged over
 * pairs (MACRO) or weighted by the pair's share of the weight (WEIGHTED).
 * scikit-learn refuses sample weights for OVO; xent weights the positions.
 *
 * Undefined values, never a silent 0: a column without positives or without
 * negatives has ROC AUC NaN (scikit-learn 1.9 returns NaN with an
 * UndefinedMetricWarning; older versions raised). AP is NaN for a column
 * without positives (scikit-learn returns 0 with a warning; flag
 * XENT_AUC_AP_NO_POSITIVES_IS_ZERO gives its 0) and 1 for a column without
 * negatives. MACRO and SAMPLES averages propagate NaN; WEIGHTED skips
 * columns with no positive weight and is NaN when there is none at all
 * (scikit-learn returns 0). An empty state gives NaN.
 *
 * out: one element for an average, (C,) for NONE. error_bound (may be NULL):
 * 0 in exact mode; in bounded mode the bound described at xent_auc_create
 * (for an average, the same average of the columns' bounds; for NONE the
 * largest). Bad combinations (SAMPLES outside multi-label, OVO with AP or
 * with NONE or MICRO, OVO on a bounded multi-class state created without
 * XENT_AUC_ONE_VS_ONE, max_fpr < 1 for multi-class, an output of the wrong
 * size): XENT_ERR_ARGUMENT or XENT_ERR_SHAPE.
 */
XENT_API xent_status_t xent_roc_auc(xent_auc_t *state, const xent_auc_options_t *opts,
                                    const xent_tensor_t *out, double *error_bound);
XENT_API xent_status_t xent_average_precision(xent_auc_t *state,
                                              const xent_auc_options_t *opts,
                                              const xent_tensor_t *out,
                                              double *error_bound);

/* The column argument of the curve functions for the micro-averaged curve. */
#define XENT_AUC_MICRO (-1)

/*
 * The curves of one column (0 for binary; class c one-vs-rest; or
 * XENT_AUC_MICRO), as scikit-learn returns them. Call once with NULL
 * outputs to learn *points, then with rank-1 outputs of exactly that many
 * elements (thresholds: *points for ROC, *points - 1 for PR).
 *
 * xent_roc_curve = roc_curve(drop_intermediate): fpr and tpr increasing from
 * (0, 0) at threshold +inf, then one point per distinct score, highest first
 * (thresholds decreasing); with drop_intermediate, points collinear with
 * their neighbours are dropped (scikit-learn's default). fpr is NaN
 * throughout when there are no negatives, tpr when there are no positives.
 *
 * xent_precision_recall_curve = precision_recall_curve(drop_intermediate):
 * thresholds increasing over the distinct scores; precision[i] and recall[i]
 * are those of predicting positive for scores >= thresholds[i]; the last
 * point is (precision 1, recall 0) without a threshold. Precision of an
 * empty prediction is 0; recall is 1 throughout when there are no positives.
 *
 * In bounded mode a point stands for a group and its threshold is the
 * group's lowest score.
 */
XENT_API xent_status_t xent_roc_curve(xent_auc_t *state, int64_t column,
                                      int drop_intermediate, int64_t *points,
                                      const xent_tensor_t *fpr,
                                      const xent_tensor_t *tpr,
                                      const xent_tensor_t *thresholds);
XENT_API xent_status_t xent_precision_recall_curve(xent_auc_t *state, int64_t column,
                                                   int drop_intermediate,
                                                   int64_t *points,
                                                   const xent_tensor_t *precision,
                                                   const xent_tensor_t *recall,
                                                   const xent_tensor_t *thresholds);

/* ---- log loss and Brier score (scikit-learn) ---- */

/* Pass as eps: clip at the machine epsilon of y_prob's dtype, as
 * scikit-learn's log_loss does (f64 2^-52, f32 2^-23, f16 2^-10,
 * bf16 2^-7). */
#define XENT_LOG_LOSS_EPS_AUTO (-1.0)

/*
 * Log loss (cross-entropy of probabilities), added per position to a mean
 * state:
 *   xent_log_loss_update:        -sum_c y_c log(clip(p_c)) along the class
 *       axis; y_true either class indices (positions' shape: -log p_y) or
 *       per-class targets with y_prob's shape (soft labels allowed).
 *   xent_binary_log_loss_update: -(y log(clip(p)) + (1 - y) log(1 - clip(p)))
 *       element-wise, p the probability of the positive class, y in [0, 1].
 * clip(p) = min(max(p, eps), 1 - eps) with 1 - eps rounded to y_prob's dtype
 * (scikit-learn's clip); eps = 0 means no clip (a true class with p = 0 then
 * gives +inf). eps must be in [0, 0.5) or XENT_LOG_LOSS_EPS_AUTO.
 * The logs are taken in double; scikit-learn takes them in y_prob's dtype, so
 * f32 results differ from it by float32 rounding. Probabilities need not sum
 * to 1 (scikit-learn warns and does not renormalise either).
 * Odd inputs: p outside [0, 1] or NaN: XENT_ERR_VALUE; a binary y outside
 * [0, 1]: XENT_ERR_VALUE; a class index outside [0, C): XENT_ERR_INDEX.
 */
XENT_API xent_status_t xent_log_loss_update(xent_mean_state_t *state,
                                            const xent_tensor_t *y_true,
                                            const xent_tensor_t *y_prob, double eps,
                                            const xent_metric_options_t *opts);
XENT_API xent_status_t xent_binary_log_loss_update(xent_mean_state_t *state,
                                                   const xent_tensor_t *y_true,
                                                   const xent_tensor_t *y_prob,
                                                   double eps,
                                                   const xent_metric_options_t *opts);

/* Scaling of the multi-class Brier score. */
typedef enum xent_brier_scale_t {
  XENT_BRIER_SCALE_AUTO = 0, /* scikit-learn's scale_by_half='auto': halve
                                when C <= 2                                 */
  XENT_BRIER_SCALE_ONE = 1,  /* sum over classes (range [0, 2])             */
  XENT_BRIER_SCALE_HALF = 2  /* half of it (range [0, 1])                   */
} xent_brier_scale_t;

/*
 * Brier score, added per position to a mean state:
 *   xent_brier_score_update:        s * sum_c (y_c - p_c)^2 along the class
 *       axis (y_true class indices or per-class targets, as log loss), s
 *       from `scale`;
 *   xent_binary_brier_score_update: (y - p)^2 element-wise (scikit-learn's
 *       binary brier_score_loss, which is the two-column sum halved).
 * Odd inputs as for log loss.
 */
XENT_API xent_status_t xent_brier_score_update(xent_mean_state_t *state,
                                               const xent_tensor_t *y_true,
                                               const xent_tensor_t *y_prob,
                                               xent_brier_scale_t scale,
                                               const xent_metric_options_t *opts);
XENT_API xent_status_t xent_binary_brier_score_update(xent_mean_state_t *state,
                                                      const xent_tensor_t *y_true,
                                                      const xent_tensor_t *y_prob,
                                                      const xent_metric_options_t *opts);

/* ---- calibration: reliability table, ECE, MCE ---- */

typedef struct xent_calibration_t xent_calibration_t;

typedef enum xent_calibration_kind_t {
  XENT_CALIBRATION_BINARY = 0,   /* p = P(positive) against y in {0, 1},
                                    element-wise (scikit-learn's
                                    calibration_curve)                       */
  XENT_CALIBRATION_TOP_LABEL = 1 /* confidence = max_c p_c against whether
                                    argmax_c p_c (first maximum) is the
                                    label (Guo et al. 2017)                  */
} xent_calibration_kind_t;

typedef enum xent_bins_t {
  XENT_BINS_EQUAL_WIDTH = 0, /* edges i / bins (scikit-learn 'uniform')     */
  XENT_BINS_EQUAL_MASS = 1   /* edges at the quantiles of the confidences
                                (scikit-learn 'quantile')                   */
} xent_bins_t;

typedef struct xent_calibration_config_t {
  xent_calibration_kind_t kind; /* default BINARY                            */
  int64_t bins;                 /* >= 1; default 10                          */
  xent_bins_t strategy;         /* default EQUAL_WIDTH                       */
} xent_calibration_config_t;

XENT_API xent_calibration_config_t xent_calibration_config_default(void);

/*
 * Calibration state. Each counted position contributes a confidence c in
 * [0, 1] and an outcome o in {0, 1} (BINARY: c = p, o = y; TOP_LABEL: c =
 * max p, o = prediction correct) with its weight w.
 *
 * Bins follow scikit-learn's calibration_curve: with edges e_0 = 0 < ... <
 * e_B = 1, a confidence goes to the bin b with e_b < c <= e_{b+1} (c = 0 to
 * the first bin), i.e. numpy.searchsorted(edges[1:-1], c, side='left').
 * EQUAL_WIDTH edges are b * (1 / B) (numpy.linspace). EQUAL_MASS edges are
 * numpy.percentile(c, linspace(0, 100, B + 1)) over the counted positions
 * (each counted once whatever its weight; equal edges leave bins empty).
 *
 * Memory: EQUAL_WIDTH keeps three sums per bin (bounded). EQUAL_MASS must
 * know every confidence to place its edges, so it keeps one (confidence,
 * outcome, weight) entry per position: 17 bytes each.
 *
 * Per bin: weight W_b, mean confidence conf_b = sum w c / W_b, and
 * accuracy (fraction of positives for BINARY) acc_b = sum w o / W_b.
 *   ECE = sum_b (W_b / W) |acc_b - conf_b|   (expected calibration error)
 *   MCE = max over non-empty bins |acc_b - conf_b|   (maximum)
 * An empty state gives NaN for both.
 * Odd inputs: probabilities outside [0, 1] or NaN: XENT_ERR_VALUE; BINARY
 * labels other than 0/1: XENT_ERR_VALUE; TOP_LABEL class indices outside
 * [0, C): XENT_ERR_INDEX.
 */
XENT_API xent_status_t xent_calibration_create(const xent_calibration_config_t *config,
                                               xent_calibration_t **state);
XENT_API xent_status_t xent_calibration_destroy(xent_calibration_t *state);
XENT_API xent_status_t xent_calibration_reset(xent_calibration_t *state);
/* BINARY: y_true and y_prob of one shape. TOP_LABEL: y_prob (..., C) with the
 * class axis opts->axis, y_true class indices. */
XENT_API xent_status_t xent_calibration_update(xent_calibration_t *state,
                                               const xent_tensor_t *y_true,
                                               const xent_tensor_t *y_prob,
                                               const xent_metric_options_t *opts);
XENT_API xent_status_t xent_calibration_merge(xent_calibration_t *into,
                                              const xent_calibration_t *from);
/* ece and mce may be NULL. */
XENT_API xent_status_t xent_calibration_error(const xent_calibration_t *state,
                                              double *ece, double *mce);
/*
 * The reliability table: each output (any may be NULL) has `bins` elements.
 * lower / upper: the bin's edges; weight: W_b; confidence: conf_b; accuracy:
 * acc_b (NaN for an empty bin). scikit-learn's calibration_curve returns
 * (accuracy, confidence) of the non-empty bins, in order.
 */
XENT_API xent_status_t xent_reliability_table(const xent_calibration_t *state,
                                              const xent_tensor_t *lower,
                                              const xent_tensor_t *upper,
                                              const xent_tensor_t *weight,
                                              const xent_tensor_t *confidence,
                                              const xent_tensor_t *accuracy);

/* ------------------------------------------------------------------------ */
/* Losses on probabilities, focal, regression, segmentation, distillation   */
/* ------------------------------------------------------------------------ */
/*
 * Common ground. Every function here takes the xent_ce_options_t of the
 * cross-entropy section and follows its rules: counted positions (mask,
 * lengths, ignore_index), sample weights, the five reductions and their
 * divisors, the empty rule, the upstream factor of the gradient, argument
 * errors, and "loss and/or grad may be NULL, not both; opts may be NULL".
 * Function-specific scalars come in a small params struct with a
 * _default(), or as an argument; params may be NULL for the defaults. Each
 * function lists the options it takes; setting any other (a nonzero
 * label_smoothing, an ignore_index, a tensor option, an unknown flag) is
 * XENT_ERR_ARGUMENT naming the option, and so is a bad params field.
 *
 * Element-wise losses (binary cross-entropy and binary focal on
 * probabilities, mean squared / absolute error, Huber) give one loss per
 * ELEMENT by default, as PyTorch and TensorFlow v1 do: `loss` for
 * XENT_REDUCTION_NONE has the predictions' shape, MEAN and
 * SUM_OVER_BATCH_SIZE divide by the number of elements, sample weights are
 * aligned with the elements. With opts->flags XENT_CE_MEAN_OVER_CLASSES they
 * give the MEAN OVER opts->axis, one loss per position, as Keras does
 * ("mean over the last axis, then the reduction"): `loss` for NONE has the
 * predictions' shape without the axis, sample weights are aligned with the
 * positions. Keras's default reduction "sum_over_batch_size" is
 * XENT_REDUCTION_SUM_OVER_BATCH_SIZE; PyTorch's "mean" of an element-wise
 * loss is the per-element form with SUM_OVER_BATCH_SIZE (or MEAN).
 *
 * Keras's clip. Keras computes on probabilities clipped to [lo, hi] with
 * lo = eps and hi = 1 - eps, each rounded to the PREDICTIONS' dtype as
 * TensorFlow converts the Python floats. With the default eps = 1e-7: in f32
 * lo = 1.00000001e-7 and hi = 1 - 2^-23 = 0.99999988 (1 - 1e-7 rounds
 * there), so the clip is not symmetric: -log(lo) = 16.118095 but
 * -log(1 - hi) = 15.942385; in f64 lo = 1e-7, hi = 0.9999999; in f16 and
 * bf16 hi rounds to 1, so a label below 1 on a probability of 1 has loss
 * +inf (as Keras on float16 tensors). The clip's gradient is 1 inside
 * [lo, hi], ends included, and 0 outside (tf.clip_by_value's): a clipped
 * probability gets gradient 0 from that path.
 *
 * Gradients are taken with respect to the first tensor argument (the
 * probabilities, log-probabilities, logits or predictions as given) of the
 * formula exactly as stated, clips included: what the peer's autograd
 * returns, except where a function says otherwise. Only that argument is
 * differentiated (the targets, and a distillation's teacher, are constants).
 *
 * Non-finite values: NaN in a position's inputs makes that position's loss
 * and gradient NaN (except where a function reads only some entries, said
 * there); infinities follow each formula. A position whose weight is 0, or
 * that is not counted, adds nothing, even if it holds NaN.
 *
 * Keras computes on what it is given unless that tensor is the direct output
 * of keras.ops.sigmoid / softmax (a model's final activation): it then
 * silently uses the logits behind it (from_logits semantics, no clip). To
 * reproduce that, pass those logits with from_logits = 1.
 *
 * Accuracy, measured against long double and MPFR references of the stated
 * formulas (tests/test_losses_*.c, which print the measured maxima): every
 * value is computed in double and rounded once, so f32 (f16, bf16) outputs
 * are within 1 ulp of each per-position loss and gradient element (plus the
 * rounding of a reduction); f64 bounds are given per function. The peers
 * compute in the input's precision with plain formulas; in f32 they are
 * typically a few ulps away, and much further where they cancel: Keras
 * computes log(1 - p) as the log of a rounded 1 - p (for p = 1e-5 in f32 its
 * loss is off by about 0.3%, and log(1 - 1e-7) becomes log(1 - 2^-23)).
 */

/* ---- cross-entropy on probabilities ---- */

/* Which peer's treatment of probabilities (params->mode). */
typedef enum xent_prob_mode_t {
  XENT_PROB_KERAS = 0, /* clip to [eps, 1 - eps] in the input's precision     */
  XENT_PROB_TORCH = 1, /* each log clamped at -100; p must lie in [0, 1]      */
  XENT_PROB_TF_V1 = 2  /* log(p + eps) and log(1 - p + eps): tf.v1 log_loss    */
} xent_prob_mode_t;

typedef struct xent_prob_params_t {
  xent_prob_mode_t mode; /* default XENT_PROB_KERAS                            */
  double eps;            /* in [0, 0.5]; default 1e-7 (Keras backend.epsilon(),
                            tf.compat.v1.losses.log_loss's epsilon); rounded to
                            the predictions' dtype. Not used by TORCH.        */
  int from_logits;       /* 0 (default) or 1: the predictions are logits, and
                            the call is exactly xent_sigmoid_cross_entropy /
                            xent_softmax_cross_entropy /
                            xent_sparse_softmax_cross_entropy with the same
                            options (Keras from_logits=True: no clip at all)  */
} xent_prob_params_t;

/* {XENT_PROB_KERAS, 1e-7, 0} */
XENT_API xent_prob_params_t xent_prob_params_default(void);

/*
 * Binary cross-entropy of probabilities `probs` against targets `labels`
 * (same shape, float), element-wise (see the common ground above), with the
 * label smoothed as y' = y (1 - a) + a / 2 (Keras's rule) and class weights
 * cw_c (per class along opts->axis; PyTorch's weight of shape (C,)):
 *
 *   KERAS: L = -cw (y' log p' + (1 - y') log(1 - p')),  p' = clip(p, lo, hi)
 *          grad = -cw (y'/p' - (1 - y')/(1 - p')) inside the clip, 0 outside
 *   TORCH: L = -cw (y' max(log p, -100) + (1 - y') max(log(1 - p), -100))
 *          grad = cw (p - y') / max(p (1 - p), 1e-12f)   (PyTorch's backward,
 *          which is not the derivative of the clamped logs near 0 and 1:
 *          at p = 0, y = 1 it is -1.0000000039958029e12, from 1e-12 in f32)
 *   TF_V1: L = -cw (y' log(p + eps) + (1 - y') log(1 - p + eps))
 *          grad = -cw (y'/(p + eps) - (1 - y')/(1 - p + eps))
 * A term whose coefficient (y' or 1 - y') is 0 is skipped (no 0 * inf); the
 * peers form it (TF_V1 gets NaN from 0 * log(negative) there).
 *
 * Peers reproduced:
 *   keras.losses.BinaryCrossentropy(from_logits=False, label_smoothing=a,
 *     axis=-1, reduction=r) and keras.losses.binary_crossentropy:
 *     KERAS, eps 1e-7, XENT_CE_MEAN_OVER_CLASSES, opts->axis = axis,
 *     reduction SUM_OVER_BATCH_SIZE ("sum_over_batch_size"), SUM, NONE, or
 *     MEAN ("mean_with_sample_weight").
 *     Keras's own test: y = [[1, 0], [1, 0]], p = [[1, 1], [1, 0]] in f32
 *     gives 3.98559, per sample [7.9711924, 1.0960465e-07]; Keras prints
 *     1.1920929e-07 for the second, because its f32 log(1 - p) at p = 1e-7
 *     takes the log of 1 - 1e-7 rounded to 1 - 2^-23.
 *     Keras's "mean_with_sample_weight" divides by the sum of the sample
 *     weights AS GIVEN (not broadcast): xent's MEAN equals it when the
 *     weights have the per-sample losses' shape.
 *   torch.nn.functional.binary_cross_entropy(input, target, weight,
 *     reduction): TORCH, per element, SUM_OVER_BATCH_SIZE for "mean", SUM,
 *     NONE; weight of the input's shape -> opts->sample_weights, of shape
 *     (C,) -> opts->class_weights.
 *   tf.compat.v1.losses.log_loss(labels, predictions, weights, epsilon,
 *     reduction): TF_V1, eps = epsilon, per element, weights ->
 *     opts->sample_weights, its reductions by the same names (default
 *     SUM_BY_NONZERO_WEIGHTS). TensorFlow computes log_loss in f32 even for
 *     f64 inputs; xent computes in the inputs' precision.
 *
 * Odd inputs:
 *   p = 0 or 1:  KERAS clips them to lo / hi (finite loss, gradient 0);
 *                TORCH gives 100 for the wrong label (log clamped), gradient
 *                +-1e12; TF_V1 gives -log(eps) = 16.118 for a wrong label
 *                and -log(1 + eps) = -1.19e-7 (a NEGATIVE loss) for a right
 *                one, as TensorFlow does.
 *   p outside [0, 1]: KERAS clips (p = -3 is p = 0); TORCH is an error,
 *                XENT_ERR_VALUE naming the element ("probs[1, 2] = 1.5 is
 *                outside [0, 1]"), nothing written, as PyTorch raises;
 *                TF_V1 gives NaN where p + eps or 1 - p + eps is negative
 *                (+inf where it is 0).
 *   NaN p:       KERAS and TF_V1 give NaN; TORCH is XENT_ERR_VALUE.
 *   labels outside [0, 1] are used as given by every mode (no peer checks).
 *
 * Options: axis, reduction, empty, label_smoothing, class_weights,
 * sample_weights, mask, lengths, upstream; flag XENT_CE_MEAN_OVER_CLASSES.
 * Accuracy (f64, per element): KERAS and TORCH loss within 2 ulp (measured
 * 1.2); TF_V1 loss, whose terms change sign above p = 1 - eps, within 2 ulp
 * of the sum of its terms' magnitudes (1.2); gradients within 2 ulp of the
 * sum of their two terms' magnitudes (1.9).
 */
XENT_API xent_status_t xent_binary_cross_entropy(const xent_tensor_t *probs,
                                                 const xent_tensor_t *labels,
                                                 const xent_prob_params_t *params,
                                                 const xent_ce_options_t *opts,
                                                 const xent_tensor_t *loss,
                                                 const xent_tensor_t *grad);

/*
 * Keras categorical cross-entropy of probabilities (params->mode must be
 * KERAS) against dense targets of the same shape, per position:
 *
 *   r = p / sum(p)  (renormalised first: Keras's "adjust the predictions")
 *   L = sum_c u_c * -log(clip(r_c, lo, hi)),  u_c = cw_c (y_c (1 - a) + a / C)
 *   dL/dp_k = -u_k a_k / p_k + (sum_c u_c a_c) / sum(p)
 *   (a_c = 1 where r_c passes the clip, else 0)
 *
 * keras.losses.CategoricalCrossentropy(from_logits=False, label_smoothing=a,
 * axis) and keras.losses.categorical_crossentropy: eps 1e-7, opts->axis =
 * axis, the reductions as for binary cross-entropy. Keras's example:
 * y = [[0, 1, 0], [0, 0, 1]], p = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]] gives
 * [0.0513, 2.303], mean 1.177.
 *
 * Odd inputs: p = 0 is clipped to lo (loss -log(lo) = 16.118 in f32 if it
 * is the target); a row that sums to 0 gives NaN loss and gradient (0 / 0,
 * as Keras); negative entries are renormalised then clipped (Keras's
 * arithmetic, loss finite); a row summing to +-inf or holding NaN gives NaN.
 * Labels need not sum to 1 (the loss is linear in them).
 * Not reproduced: with label smoothing and an axis other than the last,
 * Keras divides the smoothing by the LAST axis's length (shape (2, 4, 3),
 * axis 1: a / 3); xent uses the class axis's (a / 4).
 * Options: as xent_binary_cross_entropy, without flags.
 * Accuracy (f64): loss within 4 ulp per position (measured 1.5; f32 0.5);
 * gradient within 4 ulp of |u_k / p_k| + |sum u a / sum p| (2.1). A
 * near-certain correct prediction keeps its loss: 1 - r is summed from the
 * other entries.
 */
XENT_API xent_status_t xent_categorical_cross_entropy(const xent_tensor_t *probs,
                                                      const xent_tensor_t *labels,
                                                      const xent_prob_params_t *params,
                                                      const xent_ce_options_t *opts,
                                                      const xent_tensor_t *loss,
                                                      const xent_tensor_t *grad);

/*
 * Keras sparse categorical cross-entropy of probabilities (mode KERAS)
 * against class indices (i32, i64, u8; the positions' shape):
 *
 *   p' = clip(p, lo, hi)   (NOT renormalised first, unlike the dense loss)
 *   L  = sum_c u_c * -log(p'_c / sum(p')),  u as the logits' sparse loss
 *        (one-hot with PyTorch's smoothing rule and class weights)
 *   dL/dp_k = a_k (sum(u) / sum(p') - u_k / p'_k)
 *
 * This is Keras's computation: it takes log(clip(p)) as logits, so the
 * clipped row is renormalised by the softmax. The two Keras losses differ on
 * rows that do not sum to 1: p = [0.2, -0.1, 0.9] with target 1 gives
 * 16.118095 (dense: renormalise, then clip) and 16.213406 (sparse: clip,
 * then renormalise). A row of zeros gives log(C) (every entry clips to lo).
 * keras.losses.SparseCategoricalCrossentropy(from_logits=False,
 * ignore_class=k): opts->ignore_index = k, reduction SUM_OVER_BATCH_SIZE
 * (which divides by the counted positions when labels are ignored, as
 * Keras's mask does). Keras's example: labels [1, 2] on the probabilities
 * above give [0.0513, 2.303].
 * Options: axis, reduction, empty, label_smoothing, ignore_index,
 * class_weights, sample_weights, mask, lengths, upstream.
 * Accuracy (f64): loss within 4 ulp per position (measured 1.5); gradient
 * within 4 ulp of |sum u / sum p'| + |u_k / p'_k| (1.8).
 */
XENT_API xent_status_t xent_sparse_categorical_cross_entropy(
    const xent_tensor_t *probs, const xent_tensor_t *labels,
    const xent_prob_params_t *params, const xent_ce_options_t *opts,
    const xent_tensor_t *loss, const xent_tensor_t *grad);

/*
 * Negative log-likelihood of log-probabilities (PyTorch nll_loss) against
 * class indices: L = -sum_c u_c x_c with u as the logits' sparse loss
 * (u = cw_y at the label; with smoothing a, (1 - a) cw_y at the label plus
 * (a / C) cw_c everywhere: then this is torch.nn.functional.cross_entropy's
 * smoothed loss on log-probabilities); grad = -u. MEAN divides by the sum of
 * sw * cw_y over counted positions (PyTorch "mean"); ignore_index as
 * PyTorch's (default there -100: set it); empty = XENT_EMPTY_NAN gives
 * PyTorch's NaN for an all-ignored mean. The class axis is opts->axis
 * (PyTorch's dim 1: axis 1 for (N, C, d1, ...), 1 or -1 for (N, C)).
 * Only the entries with u_c != 0 are read, as in PyTorch: NaN or -inf
 * elsewhere in the row changes nothing; -inf at the label gives +inf.
 * Options: axis, reduction, empty, label_smoothing, ignore_index,
 * class_weights, sample_weights, mask, lengths, upstream.
 * Accuracy: exact products, compensated sum: within 1 ulp.
 */
XENT_API xent_status_t xent_nll_loss(const xent_tensor_t *log_probs,
                                     const xent_tensor_t *labels,
                                     const xent_ce_options_t *opts,
                                     const xent_tensor_t *loss,
                                     const xent_tensor_t *grad);

/* ---- focal cross-entropy (class imbalance) ---- */

typedef struct xent_focal_params_t {
  double gamma;              /* focusing exponent >= 0; default 2            */
  double alpha;              /* default 0.25                                  */
  int apply_class_balancing; /* binary only: weight alpha for y, 1 - alpha for
                                1 - y; default 0                              */
  int from_logits;           /* 0 (default): probabilities; 1: logits        */
  double eps;                /* clip, as Keras; default 1e-7; in [0, 0.5].
                                Not used by the binary loss from logits
                                (Keras computes that one exactly)            */
} xent_focal_params_t;

/* {2.0, 0.25, 0, 0, 1e-7} */
XENT_API xent_focal_params_t xent_focal_params_default(void);

/*
 * Keras binary focal cross-entropy, element-wise (see the common ground):
 *
 *   p = x, or sigmoid(x) with from_logits; y' = y (1 - a) + a / 2
 *   bce  = -(y' log p' + (1 - y') log(1 - p')),  p' = clip(p, lo, hi);
 *          from logits, the exact y' softplus(-x) + (1 - y') softplus(x),
 *          no clip (Keras: its sigmoid output carries the logits, which its
 *          binary_crossentropy then uses; eps is not used)
 *   m    = 1 - p_t = y' (1 - p) + (1 - y') p        (unclipped p)
 *   L    = cw w m^gamma bce,  w = y' alpha + (1 - y')(1 - alpha) when
 *          apply_class_balancing, else 1
 * keras.losses.BinaryFocalCrossentropy(apply_class_balancing, alpha, gamma,
 * from_logits, label_smoothing, axis): XENT_CE_MEAN_OVER_CLASSES; Keras's
 * example y = [[0, 1], [0, 0]], p = [[0.6, 0.4], [0.4, 0.6]], gamma = 2
 * gives [0.330, 0.206]. From logits the formula is also
 * torchvision.ops.sigmoid_focal_loss's (alpha_t and (1 - p_t)^gamma on the
 * exact sigmoid cross-entropy; torchvision was not run: not installed).
 * From logits, 1 - p is computed as sigmoid(-x), so m keeps its accuracy.
 * Gradient: with respect to p, or to x with from_logits. At m = 0 (p = y in
 * {0, 1}) the derivative of m^gamma is its limit: 0 for gamma > 1 or
 * gamma = 0, 1 for gamma = 1, +-inf for 0 < gamma < 1; TensorFlow returns
 * NaN there for gamma < 1 (gamma = 0 included). Odd inputs as KERAS binary
 * cross-entropy.
 * Options: axis, reduction, empty, label_smoothing, class_weights,
 * sample_weights, mask, lengths, upstream; flag XENT_CE_MEAN_OVER_CLASSES.
 * Accuracy (f64, per element): loss within 8 ulp (measured 5.2; 6.1 from
 * logits); gradient within 8 ulp of the sum of its two terms' magnitudes
 * (3.9; 7.6 from logits).
 */
XENT_API xent_status_t xent_binary_focal_cross_entropy(const xent_tensor_t *pred,
                                                       const xent_tensor_t *labels,
                                                       const xent_focal_params_t *params,
                                                       const xent_ce_options_t *opts,
                                                       const xent_tensor_t *loss,
                                                       const xent_tensor_t *grad);

/*
 * Keras categorical focal cross-entropy, per position, dense targets:
 *
 *   p = x, or softmax(x) with from_logits;  r = clip(p / sum(p), lo, hi)
 *   L = sum_c alpha cw_c y'_c (1 - r_c)^gamma * -log r_c,
 *   y'_c = y_c (1 - a) + a / C
 * keras.losses.CategoricalFocalCrossentropy(alpha, gamma, from_logits,
 * label_smoothing, axis): alpha a number -> params->alpha; alpha a list
 * [a_1 .. a_C] -> params->alpha = 1 and opts->class_weights = (a_1 .. a_C).
 * Keras's example: y = [[0, 1, 0], [0, 0, 1]],
 * p = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]] gives [3.2058331e-05, 0.46627346],
 * mean 0.23315276 (xent: 3.2058310e-05, from the exact 1 - 0.95). Keras
 * turns a list alpha into a float32 tensor. apply_class_balancing must be 0.
 * From logits Keras does clip (its renormalisation drops the logits). Odd
 * inputs and the derivative at r = 1 as above; rows summing to 0 give NaN.
 * Options: axis, reduction, empty, label_smoothing, class_weights,
 * sample_weights, mask, lengths, upstream.
 * Accuracy (f64): loss within 8 ulp per position (measured 3.2); gradient
 * within 8 ulp of the row's sum of |gradient| (2.4; the cancellation of the
 * renormalisation belongs to the problem).
 */
XENT_API xent_status_t xent_categorical_focal_cross_entropy(
    const xent_tensor_t *pred, const xent_tensor_t *labels,
    const xent_focal_params_t *params, const xent_ce_options_t *opts,
    const xent_tensor_t *loss, const xent_tensor_t *grad);

/* ---- regression ---- */

/*
 * Element-wise (see the common ground), e = pred - target:
 *   mean squared error:  e^2,          grad 2e
 *   mean absolute error: |e|,          grad sign(e) (0 at e = 0, as PyTorch
 *                                      and TensorFlow)
 *   Huber (delta > 0):   e^2 / 2 for |e| <= delta, else delta (|e| - delta / 2);
 *                        grad e, or delta sign(e) (e at |e| = delta: both
 *                        branches agree there)
 * Peers: keras.losses.MeanSquaredError / MeanAbsoluteError / Huber(delta)
 * (mean over the last axis, then the reduction): XENT_CE_MEAN_OVER_CLASSES,
 * SUM_OVER_BATCH_SIZE; Keras's example huber([[0, 1], [0, 0]],
 * [[0.6, 0.4], [0.4, 0.6]]) = 0.155. torch.nn.functional.mse_loss /
 * l1_loss / huber_loss(delta) (mean over all elements): per element,
 * SUM_OVER_BATCH_SIZE. torch smooth_l1_loss(beta) is huber_loss(beta) / beta
 * (scale the loss and the upstream by 1 / beta).
 * tf.compat.v1.losses.mean_squared_error / absolute_difference /
 * huber_loss(weights, delta, reduction): per element, weights ->
 * opts->sample_weights, default reduction SUM_BY_NONZERO_WEIGHTS
 * (TensorFlow computes these in f32).
 * NaN gives NaN; e = +-inf gives +inf loss (gradient +-inf, +-1, +-delta).
 * Options: axis, reduction, empty, sample_weights, mask, lengths, upstream;
 * flag XENT_CE_MEAN_OVER_CLASSES.
 * Accuracy: e^2, |e|, 2e, sign(e) are correctly rounded and Huber within 1
 * ulp, for the difference e as rounded to double (exact for f32 inputs).
 */
XENT_API xent_status_t xent_mean_squared_error(const xent_tensor_t *pred,
                                               const xent_tensor_t *target,
                                               const xent_ce_options_t *opts,
                                               const xent_tensor_t *loss,
                                               const xent_tensor_t *grad);
XENT_API xent_status_t xent_mean_absolute_error(const xent_tensor_t *pred,
                                                const xent_tensor_t *target,
                                                const xent_ce_options_t *opts,
                                                const xent_tensor_t *loss,
                                                const xent_tensor_t *grad);
XENT_API xent_status_t xent_huber_loss(const xent_tensor_t *pred,
                                       const xent_tensor_t *target, double delta,
                                       const xent_ce_options_t *opts,
                                       const xent_tensor_t *loss,
                                       const xent_tensor_t *grad);

/* opts->flags for xent_mean_pairwise_squared_error: count n as TensorFlow
 * does in EAGER mode with a scalar (or absent) weight (see below). */
#define XENT_MPSE_TF_EAGER_COUNT 0x10000u

/*
 * tf.compat.v1.losses.mean_pairwise_squared_error(labels, predictions,
 * weights). Pairs are drawn within each sample (index of axis 0), never
 * across samples. With d = pred - target over a sample's D elements and n
 * the number of its elements whose broadcast weight is nonzero:
 *
 *   L_s = 2 sum d^2 / (n - 1) - 2 (sum d)^2 / (n (n - 1))   (0 when n <= 1)
 *       (for n = D: the mean of (d_i - d_j)^2 over the D (D - 1) / 2 pairs,
 *       = 2 / (D - 1) * sum (d - mean d)^2, which is how xent computes it)
 *   grad = c_s 4 / (n - 1) (d_i - sum d / n)
 *
 * Weights (opts->sample_weights): one element, or aligned with pred from the
 * left with extents equal or 1 ((N,) or (N, 1, ...) per sample, or pred's
 * full shape). Each sample's loss is multiplied by c_s, the sum of the
 * weight tensor's own elements in the sample's slice (TensorFlow multiplies
 * the (N, 1, ..., 1) losses by the weights and sums everything; with full-
 * shape weights the squared differences are NOT masked, only n counts the
 * nonzero weights). The reduction is over samples with weights c_s:
 * TensorFlow's is XENT_REDUCTION_SUM (the sum over the batch); NONE gives
 * c_s L_s per sample (loss of shape (N,)); MEAN divides by sum c_s.
 *
 * TensorFlow in eager mode with a scalar (or default) weight counts n as
 * the number of elements of the WHOLE batch, not of the sample (its
 * _num_present shortcut), so eager and graph mode disagree: for
 * labels [[0, 1, 2], [3, 4, 5]], predictions [[0.5, 1.7, 2.1], [3.3, 3.9,
 * 5.6]] eager gives 0.32866663 and tf.function gives 0.43333334 (the
 * documented value, xent's default). opts->flags XENT_MPSE_TF_EAGER_COUNT
 * reproduces the eager count. TensorFlow computes in f32 even for f64 inputs.
 * Options: reduction, empty, sample_weights, upstream; flag
 * XENT_MPSE_TF_EAGER_COUNT. opts->axis is not used (the batch is axis 0).
 * Accuracy (f64, for d as rounded to double): loss within 4 ulp (measured
 * 3.0 on samples offset by 1e6 with noise 1e-3, where sum d^2 - (sum d)^2 / n
 * would lose every digit); gradient within 4 ulp of 4 c max|d| / (n - 1)
 * (0.2).
 */
XENT_API xent_status_t xent_mean_pairwise_squared_error(const xent_tensor_t *pred,
                                                        const xent_tensor_t *target,
                                                        const xent_ce_options_t *opts,
                                                        const xent_tensor_t *loss,
                                                        const xent_tensor_t *grad);

/* ---- segmentation: Dice and Tversky ---- */

typedef enum xent_activation_t {
  XENT_ACTIVATION_NONE = 0,    /* pred are probabilities                      */
  XENT_ACTIVATION_SOFTMAX = 1, /* softmax over opts->axis first               */
  XENT_ACTIVATION_SIGMOID = 2  /* sigmoid of each element first               */
} xent_activation_t;

/* Bit of axis i in params->sum_axes. */
#define XENT_AXIS_BIT(i) (1u << (i))

typedef struct xent_overlap_params_t {
  double alpha;      /* Tversky: weight of the false positives sum p (1 - t);
                        default 0.5 (not used by Dice)                        */
  double beta;       /* Tversky: weight of the false negatives sum t (1 - p);
                        default 0.5 (not used by Dice)                        */
  double smooth;     /* added to numerator and denominator; default 0       */
  double eps;        /* added to the denominator only; default 1e-7 (Keras) */
  uint32_t sum_axes; /* XENT_AXIS_BIT(i) for each summed axis (non-negative
                        axis numbers); 0 (default) = every axis: one loss for
                        the whole batch (Keras axis=None)                    */
  xent_activation_t activation; /* default XENT_ACTIVATION_NONE             */
  int ignore_background;        /* 1: the groups of class 0 (along
                                   opts->axis) are not counted (optax)       */
} xent_overlap_params_t;

/* {0.5, 0.5, 0, 1e-7, 0, XENT_ACTIVATION_NONE, 0}: Keras's Dice and Tversky. */
XENT_API xent_overlap_params_t xent_overlap_params_default(void);

/*
 * Overlap losses of predictions `pred` against targets (same shape, float,
 * usually 0/1 or one-hot) after params->activation. The sums run over the
 * axes in params->sum_axes; every index of the other axes is a "group" with
 * its own loss. With p the (activated) predictions and t the targets:
 *
 *   I = sum p t,  FP = sum p (1 - t),  FN = sum t (1 - p),  P = sum p,  T = sum t
 *   Dice:    L = 1 - (2 I + smooth) / (P + T + smooth + eps)
 *   Tversky: L = 1 - (I + smooth) / (I + alpha FP + beta FN + smooth + eps)
 *
 * both evaluated as (FP + FN + eps) / D and (alpha FP + beta FN + eps) / D
 * (the same values without cancellation, so a near-perfect segmentation
 * keeps its small loss). Class weights (opts->class_weights, needs the class
 * axis kept) multiply the group's loss. Then opts->reduction over the
 * groups with sample weights aligned with the groups' shape from the left
 * (opts->mask removes positions, i.e. pixels, from the sums); `loss` for
 * NONE has the groups' shape (one element when every axis is summed).
 * ignore_background: groups of class 0 are not counted (loss 0, no
 * gradient, and SUM_OVER_BATCH_SIZE divides by the counted groups).
 *
 * Peers:
 *   keras.losses.Dice(axis): xent_dice_loss, eps 1e-7, smooth 0, sum_axes =
 *     the bits of axis (0 for axis=None: one loss for the batch), reduction
 *     SUM_OVER_BATCH_SIZE (the mean over the remaining indices). Keras's
 *     example: axis (1, 2, 3) gives [0.5, 0.75757575], axis None 0.6164384.
 *   keras.losses.Tversky(alpha=a, beta=b, axis): xent_tversky_loss with
 *     params->alpha = b and params->beta = a. Keras's code multiplies its
 *     alpha by sum(y_true (1 - y_pred)) (false NEGATIVES) although its
 *     documentation says false positives; xent names them by what they
 *     weigh. eps 1e-7, smooth 0.
 *   optax.losses.dice_loss(alpha, beta, smooth, class_weights,
 *     ignore_background, axis, apply_softmax, reduction) (channels-last,
 *     summing the axes between the first and the last by default):
 *     xent_tversky_loss with the same alpha, beta, smooth, eps = 0, sum_axes
 *     = the spatial axes, opts->axis = -1, activation SOFTMAX (SIGMOID when
 *     C = 1: optax's rule for apply_softmax=True) or NONE; its "mean" over
 *     classes followed by a mean over the batch is SUM_OVER_BATCH_SIZE; its
 *     "none" is NONE (xent keeps class 0 in the shape, as 0, with
 *     ignore_background). optax's standard Dice (alpha = beta = 0.5) is
 *     (I + smooth) / ((P + T) / 2 + smooth): smooth enters differently from
 *     xent_dice_loss's 2 I + smooth. optax checks that probabilities sum to
 *     1 when apply_softmax=False; xent does not.
 * Channels-first maps: opts->axis = 1 and sum_axes the spatial axes, as
 * channels-last with axis -1; the loss is the same.
 *
 * Gradient with respect to pred (through the activation):
 *   Dice:    dL/dp_i = (1 - L - 2 t_i) / D,   D = P + T + smooth + eps
 *   Tversky: dL/dp_i = (alpha (1 - t_i) - beta t_i
 *                       - L (alpha (1 - t_i) + (1 - beta) t_i)) / D
 * times the group's reduction factor and class weight.
 * Odd inputs: D = 0 (empty group with smooth = eps = 0) gives NaN; NaN
 * makes its group NaN. Probabilities outside [0, 1] are used as given.
 * Options: axis (the class axis: activation, class weights, background),
 * reduction, empty, class_weights, sample_weights, mask, upstream.
 * Accuracy (f64): loss within 4 ulp per group (measured 1.0 Dice, 1.1
 * Tversky, near-perfect maps with losses of 1e-7 included); the gradient is
 * checked against finite differences (1e-9 relative), not measured in ulps.
 */
XENT_API xent_status_t xent_dice_loss(const xent_tensor_t *pred,
                                      const xent_tensor_t *target,
                                      const xent_overlap_params_t *params,
                                      const xent_ce_options_t *opts,
                                      const xent_tensor_t *loss,
                                      const xent_tensor_t *grad);
XENT_API xent_status_t xent_tversky_loss(const xent_tensor_t *pred,
                                         const xent_tensor_t *target,
                                         const xent_overlap_params_t *params,
                                         const xent_ce_options_t *opts,
                                         const xent_tensor_t *loss,
                                         const xent_tensor_t *grad);

/* ---- soft targets and distillation ---- */

/*
 * Kullback-Leibler divergence of predicted probabilities `probs` from target
 * probabilities `targets` (same shape), per position along opts->axis:
 *
 *   L = sum_c y'_c log(y'_c / p'_c),  y' = clip(y, lo, 1), p' = clip(p, lo, 1)
 *   dL/dp_c = -y'_c / p'_c where lo <= p_c <= 1, else 0
 *
 * lo = eps rounded to probs' dtype. keras.losses.KLDivergence() and
 * keras.losses.kl_divergence(y_true, y_pred): eps 1e-7 (note the argument
 * order: xent takes the prediction first), reduction SUM_OVER_BATCH_SIZE.
 * eps = 0 is the exact divergence (terms with y = 0 are 0; p = 0 under
 * y > 0 gives +inf), scipy.special.rel_entr summed over the axis, or
 * torch.nn.functional.kl_div(log(p), y) summed over the axis.
 * Options: axis, reduction, empty, sample_weights, mask, lengths, upstream.
 * Accuracy (f64): within 4 ulp of sum |y' log(y'/p')| per position
 * (measured 0.8; log(y/p) is taken as log1p((y - p) / p) when they are
 * close); gradient correctly rounded.
 */
XENT_API xent_status_t xent_kl_divergence(const xent_tensor_t *probs,
                                          const xent_tensor_t *targets, double eps,
                                          const xent_ce_options_t *opts,
                                          const xent_tensor_t *loss,
                                          const xent_tensor_t *grad);

/*
 * Distillation loss on student and teacher logits (same shape) with a
 * temperature T > 0, per position along opts->axis:
 *
 *   p = softmax(s / T), q = softmax(t / T)
 *   eps = 0: L = T^2 sum_c q_c (log q_c - log p_c)   (log_softmax, exact)
 *            dL/ds = T (p - q)
 *   eps > 0: L = T^2 sum_c q'_c log(q'_c / p'_c), q', p' clipped to [eps, 1]
 *            (gradient through the clip)
 *
 * Peers: PyTorch's usual recipe F.kl_div(F.log_softmax(s / T, 1),
 * F.softmax(t / T, 1), reduction="batchmean") * T**2: eps = 0, reduction
 * SUM_OVER_BATCH_SIZE (2-d inputs; "batchmean" divides by N only, for more
 * axes use SUM and divide). keras.distillation.LogitsDistillation(
 * temperature=T, loss=keras.losses.KLDivergence()): eps 1e-7,
 * SUM_OVER_BATCH_SIZE. With its default loss="kl_divergence" (a string)
 * Keras 3.15 resolves the FUNCTION kl_divergence, so its isinstance check
 * for KLDivergence fails and it applies kl_divergence to the scaled LOGITS
 * (no softmax, no T^2): teacher [[1, 2, 3], [0, 0, 5]], student
 * [[3, 2, 1], [0, 1, 2]], T = 2 gives 0.17328602 there and 1.2032695 with
 * the instance. xent reproduces the intended (instance) form only.
 * Gradient: with respect to the student logits only.
 * Odd inputs: softmax's limit rules for infinite logits; an all -inf teacher
 * row gives q = 0 and loss 0 (eps = 0); NaN gives NaN.
 * Options: axis, reduction, empty, sample_weights, mask, lengths, upstream.
 * Accuracy. For finite logits xent writes the divergence as a sum of
 * non-negative terms p_c h(v_c), v = log(q / p) from the logit differences,
 * h(v) = v e^v - expm1(v), and the gradient as -T p expm1(v): a student close
 * to its teacher keeps its small loss (log_softmax differences lose it all:
 * peers return noise below about 1e-16 max|x| / T). f64 loss within 16 ulp,
 * relative (measured 8.6, MPFR reference, losses down to 1e-13, logits up
 * to 30); gradient within 8 ulp of T (p + q) (4.3); with eps > 0 and a
 * clipped entry, within 16 ulp of T^2 sum |q' log(q'/p')| (8.1).
 */
XENT_API xent_status_t xent_distillation_loss(const xent_tensor_t *student_logits,
                                              const xent_tensor_t *teacher_logits,
                                              double temperature, double eps,
                                              const xent_ce_options_t *opts,
                                              const xent_tensor_t *loss,
                                              const xent_tensor_t *grad);

#ifdef __cplusplus
}
#endif

#endif /* XENT_H */
