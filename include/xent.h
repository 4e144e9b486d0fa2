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

/* The instruction set of the fast kernels in use: "avx512", "avx2" or
 * "scalar" (reference kernels only). Chosen once from the CPU at first use;
 * the environment variable XENT_ISA=scalar|avx2|avx512 caps it (read once),
 * so every variant can be tested on one machine. Every variant meets the
 * accuracy bounds stated below for its function. */
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
 *   f64: softmax within 4 ulp, log_softmax within 3 ulp;
 *   logsumexp: within 1 ulp (f32) or 4 ulp (f64) of max(|logsumexp|, |m|).
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
