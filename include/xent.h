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

#ifdef __cplusplus
}
#endif

#endif /* XENT_H */
