/*
 * The fast f32 (and f64) kernels against long double references, at row lengths around
 * every vector tile (tile - 1, tile, tile + 1, primes, long rows). `make
 * test` runs the suite once per instruction set (XENT_ISA), so each variant
 * is held to the bounds stated in xent.h.
 */
#include "bounds.h"
#include "harness.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

/* ... and around the blocks of the long-row sweep (2048 entries) */
static const int64_t lengths[] = {1,   2,   3,   5,    7,    8,    9,    15,   16,   17,
                                  23,  31,  32,  33,   47,   48,   49,   63,   64,   65,
                                  127, 1000, 1023, 1025, 2047, 2048, 2049, 4113, 9000};
#define NLEN ((int)(sizeof lengths / sizeof lengths[0]))

/* -log_softmax in long double, the largest entry excluded from the sum. */
static void ld_neg_log_softmax(const float *x, int64_t n, long double *out) {
  int64_t k = 0;
  for (int64_t i = 1; i < n; i++)
    if (x[i] > x[k]) k = i;
  long double tail = 0;
  for (int64_t i = 0; i < n; i++)
    if (i != k) tail += expl((long double)x[i] - x[k]);
  for (int64_t i = 0; i < n; i++) out[i] = log1pl(tail) - ((long double)x[i] - x[k]);
}

/* Row kinds: 0 normal (every exp on the narrow path, rebased), 1 and 2
 * spread over more than 86 (the wide path), 3 one confident logit, 4 blocks
 * of 2048 at levels far apart (the sweep's rescaling, later blocks raising
 * the maximum; the level -200 is narrow but not rebased), 5 normal with
 * masked (-inf) entries and a masked block, 6 and 7 the edges of the rebased
 * rows: a maximum of exactly 170 and a minimum of exactly -170, each with
 * entries down to 86 below the maximum. */
#define ROW_KINDS 8
static void fill_row(xt_rng *rng, float *x, int64_t n, int kind) {
  static const double levels[] = {-50, 30, -200, 0, 45};
  for (int64_t i = 0; i < n; i++) {
    double v = kind == 1   ? xt_normal(rng) * 30
               : kind == 2 ? xt_uniform(rng, -80, 80)
               : kind == 4 ? xt_normal(rng) + levels[(i / 2048) % 5]
               : kind == 6 ? 170 - xt_uniform(rng, 0, 86)
               : kind == 7 ? -84 - xt_uniform(rng, 0, 86)
                           : xt_normal(rng);
    x[i] = (float)v;
  }
  if (kind == 6) x[xt_next(rng) % (uint64_t)n] = 170.0f;
  if (kind == 7) x[xt_next(rng) % (uint64_t)n] = -170.0f;
  if (kind == 3) x[xt_next(rng) % (uint64_t)n] += 25; /* one confident logit */
  if (kind == 5 && n > 1) {
    for (int64_t i = 1; i < n; i += 7) x[i] = -INFINITY;
    for (int64_t i = 2048; i < n && i < 4096; i++) x[i] = -INFINITY;
  }
}

void test_kernels_softmax_f32_tiles(void) {
  xt_rng rng = {77};
  double worst_sm = 0, worst_lsm = 0;
  for (int li = 0; li < NLEN; li++) {
    int64_t n = lengths[li];
    float *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
    long double *ref = malloc((size_t)n * sizeof *ref);
    for (int kind = 0; kind < ROW_KINDS; kind++) {
      fill_row(&rng, x, n, kind);
      ld_neg_log_softmax(x, n, ref);
      xent_tensor_t tx = xent_tensor_2d(x, XENT_F32, 1, n), ty = xent_tensor_2d(y, XENT_F32, 1, n);
      XT_OK(xent_softmax(&tx, -1, &ty));
      for (int64_t i = 0; i < n; i++) {
        double e = xt_ulp_error(y[i], expl(-ref[i]), XENT_F32);
        if (e > worst_sm) worst_sm = e;
      }
      XT_OK(xent_log_softmax(&tx, -1, &ty));
      for (int64_t i = 0; i < n; i++) {
        double e = xt_ulp_error(y[i], -ref[i], XENT_F32);
        if (e > worst_lsm) worst_lsm = e;
      }
    }
    free(x), free(y), free(ref);
  }
  printf("  kernels %s: softmax f32 max %.2f ulp (bound %d), log_softmax f32 max %.2f ulp (bound %d)\n",
         xent_isa(), worst_sm, XT_BOUND_SOFTMAX_F32, worst_lsm, XT_BOUND_LOG_SOFTMAX_F32);
  XT_CHECK(worst_sm <= XT_BOUND_SOFTMAX_F32);
  XT_CHECK(worst_lsm <= XT_BOUND_LOG_SOFTMAX_F32);
}

void test_kernels_sparse_ce_f32_tiles(void) {
  xt_rng rng = {78};
  double worst_loss = 0, worst_grad = 0;
  for (int li = 0; li < NLEN; li++) {
    int64_t n = lengths[li];
    float *x = malloc((size_t)n * sizeof *x), *g = malloc((size_t)n * sizeof *g);
    long double *ref = malloc((size_t)n * sizeof *ref);
    for (int kind = 0; kind < ROW_KINDS; kind++) {
      fill_row(&rng, x, n, kind);
      int64_t label = (int64_t)(xt_next(&rng) % (uint64_t)n);
      if (kind == 3) { /* make the confident logit the label */
        int64_t k = 0;
        for (int64_t i = 1; i < n; i++)
          if (x[i] > x[k]) k = i;
        label = k;
      }
      ld_neg_log_softmax(x, n, ref);
      float loss;
      xent_tensor_t tx = xent_tensor_2d(x, XENT_F32, 1, n), tg = xent_tensor_2d(g, XENT_F32, 1, n);
      xent_tensor_t tl = xent_tensor_1d(&label, XENT_I64, 1), tloss = xent_tensor_1d(&loss, XENT_F32, 1);
      XT_OK(xent_sparse_softmax_cross_entropy(&tx, &tl, NULL, &tloss, &tg));
      double e = xt_ulp_error(loss, ref[label], XENT_F32);
      if (e > worst_loss) worst_loss = e;
      for (int64_t i = 0; i < n; i++) {
        long double p = expl(-ref[i]), want = p - (i == label);
        /* in ulps of |p| + |u|, as stated for the gradient */
        double ge = (double)(fabsl(g[i] - want) / xt_ulp(p + (i == label), XENT_F32));
        if (ge > worst_grad) worst_grad = ge;
      }
    }
    free(x), free(g), free(ref);
  }
  printf("  kernels %s: sparse CE f32 loss max %.2f ulp, grad max %.2f ulp (bound 4)\n",
         xent_isa(), worst_loss, worst_grad);
  XT_CHECK(worst_loss <= 4);
  XT_CHECK(worst_grad <= 4);
}

/* Rows the fast kernels decline (NaN, infinities) give the reference's answer. */
void test_kernels_fall_back_on_nonfinite_rows(void) {
  float x[3 * 17];
  for (int i = 0; i < 3 * 17; i++) x[i] = (float)(i % 5);
  x[3] = NAN;              /* row 0 */
  x[17 + 4] = INFINITY;    /* row 1 */
  for (int i = 0; i < 17; i++) x[34 + i] = -INFINITY; /* row 2 */
  float y[3 * 17];
  xent_tensor_t tx = xent_tensor_2d(x, XENT_F32, 3, 17), ty = xent_tensor_2d(y, XENT_F32, 3, 17);
  XT_OK(xent_softmax(&tx, -1, &ty));
  for (int i = 0; i < 17; i++) XT_CHECK(isnan(y[i]));
  for (int i = 0; i < 17; i++) XT_CHECK_SAME(y[17 + i], i == 4 ? 1.0 : 0.0);
  for (int i = 0; i < 17; i++) XT_CHECK_SAME(y[34 + i], 0.0);
  int64_t labels[3] = {0, 4, 1};
  float l[3];
  xent_ce_options_t o = xent_ce_options_default();
  o.reduction = XENT_REDUCTION_NONE;
  xent_tensor_t tl = xent_tensor_1d(labels, XENT_I64, 3), tloss = xent_tensor_1d(l, XENT_F32, 3);
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &tl, &o, &tloss, &ty));
  XT_CHECK(isnan(l[0]));
  XT_CHECK_SAME(l[1], 0.0);      /* the +inf logit is the label */
  XT_CHECK_SAME(l[2], INFINITY); /* a fully masked row with a real label */
}

/* Long rows are swept in blocks, so a row the kernels decline can be found
 * out after its first blocks: in place, they must not have been written over
 * by then. Rows of 5000 (three blocks), in place, against closed forms. */
void test_kernels_long_rows_in_place(void) {
  enum { N = 5000 };
  float *x = malloc(N * sizeof *x);
  long double *ref = malloc(N * sizeof *ref);
  XT_CHECK(x && ref);
  if (!x || !ref) return;
  xent_tensor_t tx = xent_tensor_2d(x, XENT_F32, 1, N);
  for (int kind = 0; kind < 4; kind++) {
    for (int i = 0; i < N; i++) x[i] = (float)(i % 5);
    if (kind == 0) x[3000] = INFINITY;                    /* in the second block */
    if (kind == 1) x[4500] = NAN;                         /* in the third */
    if (kind == 2) /* below every exp: the -1e30 entries share the mass */
      for (int i = 0; i < N; i++) x[i] = -1e30f * (float)(1 + i % 3);
    if (kind == 3) for (int i = 0; i < 2048; i++) x[i] = -INFINITY; /* a masked block */
    ld_neg_log_softmax(x, N, ref);
    XT_OK(xent_softmax(&tx, -1, &tx));
    int bad = 0;
    for (int i = 0; i < N; i++) {
      double want = kind == 0   ? (i == 3000)
                    : kind == 1 ? NAN
                    : kind == 2 ? (i % 3 == 0) / (double)((N + 2) / 3)
                                : (double)expl(-ref[i]);
      if (xt_ulp_error(x[i], want, XENT_F32) > XT_BOUND_SOFTMAX_F32) bad++;
    }
    XT_CHECK_MSG(bad == 0, "row kind %d: %d entries of the in-place softmax wrong", kind, bad);
  }
  /* the gradient in place of the logits, with a masked first block */
  for (int i = 0; i < N; i++) x[i] = i < 2048 ? -INFINITY : (float)(i % 7) * 0.5f;
  ld_neg_log_softmax(x, N, ref);
  int64_t label = 4000;
  float loss;
  xent_tensor_t tl = xent_tensor_1d(&label, XENT_I64, 1), tloss = xent_tensor_1d(&loss, XENT_F32, 1);
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &tl, NULL, &tloss, &tx));
  XT_CHECK(xt_ulp_error(loss, ref[label], XENT_F32) <= 4);
  int bad = 0;
  for (int i = 0; i < N; i++) {
    long double p = expl(-ref[i]);
    if (fabsl(x[i] - (p - (i == label))) / xt_ulp(p + (i == label), XENT_F32) > 4) bad++;
  }
  XT_CHECK_MSG(bad == 0, "%d entries of the in-place gradient wrong", bad);
  free(x), free(ref);
}

/* A caller's parallel-for that runs the tasks in reverse order on this
 * thread, and counts its calls. */
static int custom_calls;
static void reverse_for(void *user, int64_t ntasks, void (*task)(void *, int64_t), void *ctx) {
  (void)user;
  custom_calls++;
  for (int64_t i = ntasks - 1; i >= 0; i--) task(ctx, i);
}

/* Results are bit-identical for every thread count and for a caller's
 * parallel-for, on problems large enough to be split. */
void test_threads_give_identical_results(void) {
  enum { R = 700, C = 1000 };
  xent_dtype_t types[2] = {XENT_F32, XENT_F64};
  for (int d = 0; d < 2; d++) {
    size_t size = xent_dtype_size(types[d]);
    char *x = malloc(R * C * size), *y[4], *g[4];
    int64_t labels[R];
    double loss[4];
    xt_rng rng = {99};
    for (int i = 0; i < R * C; i++) {
      double v = xt_normal(&rng) * 5;
      if (types[d] == XENT_F32) ((float *)x)[i] = (float)v;
      else ((double *)x)[i] = v;
    }
    for (int i = 0; i < R; i++) labels[i] = (int64_t)(xt_next(&rng) % C);
    xent_tensor_t tx = xent_tensor_2d(x, types[d], R, C), tl = xent_tensor_1d(labels, XENT_I64, R);
    for (int run = 0; run < 4; run++) {
      y[run] = malloc(R * C * size), g[run] = malloc(R * C * size);
      if (run < 3) xent_set_num_threads(run + 1);
      else xent_set_parallel_for(reverse_for, NULL), xent_set_num_threads(2);
      xent_tensor_t ty = xent_tensor_2d(y[run], types[d], R, C), tg = xent_tensor_2d(g[run], types[d], R, C);
      xent_tensor_t tloss = xent_tensor_1d(&loss[run], XENT_F64, 1);
      XT_OK(xent_softmax(&tx, -1, &ty));
      XT_OK(xent_sparse_softmax_cross_entropy(&tx, &tl, NULL, &tloss, &tg));
    }
    xent_set_parallel_for(NULL, NULL);
    xent_set_num_threads(0);
    XT_CHECK(custom_calls >= 2 * (d + 1));
    for (int run = 1; run < 4; run++) {
      XT_CHECK(memcmp(y[run], y[0], R * C * size) == 0);
      XT_CHECK(memcmp(g[run], g[0], R * C * size) == 0);
      XT_CHECK_SAME(loss[run], loss[0]);
    }
    for (int run = 0; run < 4; run++) free(y[run]), free(g[run]);
    free(x);
  }
  XT_CHECK(xent_get_num_threads() >= 1);
}

/* The sparse CE of f32 logits x (into loss and g) and of the same values in
 * f64 (xd, into lossd and gd), with the same labels and options, compared
 * row by row: losses and gradients within 4 float epsilons, NaN matching
 * NaN. The f64 call takes the reference kernels. */
static void check_sparse_ce_against_f64(float *x, double *xd, const xent_tensor_t *tl,
                                        const xent_ce_options_t *o, int R, int C, float *g,
                                        double *gd, float *loss, double *lossd) {
  xent_tensor_t tx = xent_tensor_2d(x, XENT_F32, R, C), tg = xent_tensor_2d(g, XENT_F32, R, C);
  xent_tensor_t tloss = xent_tensor_1d(loss, XENT_F32, R);
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, tl, o, &tloss, &tg));
  xent_tensor_t txd = xent_tensor_2d(xd, XENT_F64, R, C), tgd = xent_tensor_2d(gd, XENT_F64, R, C);
  xent_tensor_t tlossd = xent_tensor_1d(lossd, XENT_F64, R);
  XT_OK(xent_sparse_softmax_cross_entropy(&txd, tl, o, &tlossd, &tgd));
  for (int r = 0; r < R; r++) {
    XT_CHECK_MSG(xt_close(loss[r], lossd[r], 4 * FLT_EPSILON, 1e-30), "row %d: loss %.9g vs %.17g",
                 r, loss[r], lossd[r]);
    for (int c = 0; c < C; c++)
      XT_CHECK_MSG(xt_close(g[r * C + c], gd[r * C + c], 4 * FLT_EPSILON, 4 * FLT_EPSILON),
                   "row %d: grad[%d] %.9g vs %.17g", r, c, g[r * C + c], gd[r * C + c]);
  }
}

/* The small-C block path of the fused loss: blocks of counted rows with
 * ignored labels, sample weights, a NaN row and a partial last block, against
 * the f64 reference (same inputs), and channels-first against channels-last
 * bit for bit. */
void test_kernels_sparse_ce_small_blocks(void) {
  enum { R = 37, C = 3 };
  float x[R * C], g[R * C], loss[R], xt[C * R], gt[C * R], losst[R];
  double xd[R * C], gd[R * C], lossd[R], w[R];
  int64_t labels[R];
  xt_rng rng = {5150};
  for (int i = 0; i < R * C; i++) xd[i] = x[i] = (float)(xt_normal(&rng) * 4);
  for (int r = 0; r < R; r++) {
    labels[r] = r % 7 == 3 ? -100 : (int64_t)(xt_next(&rng) % C);
    w[r] = r % 5 == 1 ? 0 : xt_uniform(&rng, 0.5, 2);
  }
  xd[20 * C + 1] = x[20 * C + 1] = NAN; /* row 20: NaN loss, NaN gradient */
  labels[20] = 0;
  w[20] = 1;
  xent_ce_options_t o = xent_ce_options_default();
  o.reduction = XENT_REDUCTION_NONE;
  o.ignore_index = -100;
  xent_tensor_t tw = xent_tensor_1d(w, XENT_F64, R), tl = xent_tensor_1d(labels, XENT_I64, R);
  o.sample_weights = &tw;
  check_sparse_ce_against_f64(x, xd, &tl, &o, R, C, g, gd, loss, lossd);
  XT_CHECK(isnan(loss[20]) && isnan(g[20 * C]));
  XT_CHECK_SAME(loss[3], 0.0); /* ignored */
  XT_CHECK_SAME(loss[1], 0.0); /* weight 0 */
  /* Channels-first (C, R): the class axis 0, positions along axis 1. */
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) xt[c * R + r] = x[r * C + c];
  xent_tensor_t txt = xent_tensor_2d(xt, XENT_F32, C, R), tgt = xent_tensor_2d(gt, XENT_F32, C, R);
  xent_tensor_t tlosst = xent_tensor_1d(losst, XENT_F32, R);
  o.axis = 0;
  XT_OK(xent_sparse_softmax_cross_entropy(&txt, &tl, &o, &tlosst, &tgt));
  for (int r = 0; r < R; r++) {
    XT_CHECK_SAME(losst[r], loss[r]);
    for (int c = 0; c < C; c++) XT_CHECK_SAME(gt[c * R + r], g[r * C + c]);
  }
}

/* Short rows (one sweep block) in place with a fully masked row: the
 * kernels must decline it before writing, or the reference would see their
 * output instead of the logits. Softmax of an all -inf row is 0; its sparse
 * CE loss is +inf with gradient -1 at the label and 0 elsewhere. */
void test_kernels_short_rows_in_place_masked(void) {
  enum { R = 3, C = 100 };
  float x[R * C], y[R * C], loss[R];
  int64_t labels[R] = {3, 5, 7};
  for (int i = 0; i < R * C; i++) x[i] = (float)(i % 7) * 0.5f;
  for (int c = 0; c < C; c++) x[C + c] = -INFINITY;
  memcpy(y, x, sizeof x);
  xent_tensor_t ty = xent_tensor_2d(y, XENT_F32, R, C);
  XT_OK(xent_softmax(&ty, -1, &ty));
  for (int c = 0; c < C; c++) XT_CHECK_MSG(y[C + c] == 0.0f, "softmax[1][%d] = %g", c, y[C + c]);
  XT_CHECK(y[0] > 0 && y[2 * C] > 0);
  memcpy(y, x, sizeof x);
  xent_ce_options_t o = xent_ce_options_default();
  o.reduction = XENT_REDUCTION_NONE;
  xent_tensor_t tl = xent_tensor_1d(labels, XENT_I64, R), tloss = xent_tensor_1d(loss, XENT_F32, R);
  XT_OK(xent_sparse_softmax_cross_entropy(&ty, &tl, &o, &tloss, &ty));
  XT_CHECK_MSG(isinf(loss[1]) && loss[1] > 0, "loss of the masked row %g", loss[1]);
  for (int c = 0; c < C; c++)
    XT_CHECK_MSG(y[C + c] == (c == 5 ? -1.0f : 0.0f), "gradient[1][%d] = %g", c, y[C + c]);
  XT_CHECK(isfinite(loss[0]) && isfinite(loss[2]));
}

/* The plain large-C path of the fused loss (contiguous rows, no weights or
 * masks): rows the kernel takes, an ignored label, a NaN row and a row with
 * +inf (both handed to the reference) in one call with per-row losses, i32
 * labels, against the f64 reference on the same inputs. */
void test_kernels_sparse_ce_plain_rows(void) {
  enum { R = 40, C = 300 };
  float *x = malloc(sizeof(float) * R * C), *g = malloc(sizeof(float) * R * C), loss[R];
  double *xd = malloc(sizeof(double) * R * C), *gd = malloc(sizeof(double) * R * C), lossd[R];
  int32_t labels[R];
  xt_rng rng = {8086};
  for (int i = 0; i < R * C; i++) xd[i] = x[i] = (float)(xt_normal(&rng) * 3);
  for (int r = 0; r < R; r++) labels[r] = (int32_t)(xt_next(&rng) % C);
  labels[7] = -100;                                /* ignored: loss 0, gradient 0 */
  xd[11 * C + 5] = x[11 * C + 5] = NAN;            /* NaN loss and gradient */
  xd[23 * C + 9] = x[23 * C + 9] = INFINITY;       /* the reference's rules */
  labels[23] = 9;
  xent_ce_options_t o = xent_ce_options_default();
  o.reduction = XENT_REDUCTION_NONE;
  o.ignore_index = -100;
  xent_tensor_t tl = xent_tensor_1d(labels, XENT_I32, R);
  check_sparse_ce_against_f64(x, xd, &tl, &o, R, C, g, gd, loss, lossd);
  XT_CHECK(isnan(loss[11]) && isnan(g[11 * C]) && isnan(g[12 * C - 1]));
  XT_CHECK_SAME(loss[7], 0.0);
  for (int c = 0; c < C; c++) XT_CHECK_SAME(g[7 * C + c], 0.0);
  XT_CHECK_SAME(loss[23], 0.0); /* +inf at the label: probability 1 */
  /* the mean of the same call: the counted rows' losses over their number */
  float mean;
  xent_tensor_t tx = xent_tensor_2d(x, XENT_F32, R, C), tg = xent_tensor_2d(g, XENT_F32, R, C);
  xent_tensor_t txd = xent_tensor_2d(xd, XENT_F64, R, C), tgd = xent_tensor_2d(gd, XENT_F64, R, C);
  xent_tensor_t tmean = xent_tensor_1d(&mean, XENT_F32, 1);
  o.reduction = XENT_REDUCTION_MEAN;
  x[11 * C + 5] = 0.0f, xd[11 * C + 5] = 0.0;
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &tl, &o, &tmean, &tg));
  double meand;
  xent_tensor_t tmeand = xent_tensor_1d(&meand, XENT_F64, 1);
  XT_OK(xent_sparse_softmax_cross_entropy(&txd, &tl, &o, &tmeand, &tgd));
  XT_CHECK_MSG(xt_close(mean, meand, 4 * FLT_EPSILON, 1e-30), "mean %.9g vs %.17g", mean, meand);
  for (int i = 0; i < R * C; i++)
    XT_CHECK_MSG(xt_close(g[i], gd[i], 4 * FLT_EPSILON, 4 * FLT_EPSILON / R), "grad[%d] %.9g vs %.17g",
                 i, g[i], gd[i]);
  free(x), free(g), free(xd), free(gd);
}

/* Sigmoid cross-entropy through the flat f32 kernel: every element against
 * long double (infinite logits included), the mean, and a transposed layout
 * giving the same bits element by element. */
static long double ld_softplus(long double x) {
  return x > 0 ? x + log1pl(expl(-x)) : log1pl(expl(x));
}

void test_kernels_sigmoid_ce_f32(void) {
  enum { R = 29, C = 7 };
  float x[R * C], y[R * C], l[R * C], g[R * C];
  xt_rng rng = {2718};
  const float targets[4] = {0, 1, 0.3f, 0.7f};
  for (int i = 0; i < R * C; i++) {
    double v = i % 5 == 0 ? xt_normal(&rng) * 40 : xt_normal(&rng) * 3;
    x[i] = (float)v;
    y[i] = targets[xt_next(&rng) % 4];
  }
  x[3] = INFINITY, y[3] = 1;   /* loss 0, gradient 0: 0 * inf never formed */
  x[4] = -INFINITY, y[4] = 0;  /* loss 0 */
  x[5] = INFINITY, y[5] = 0.3f; /* loss +inf */
  xent_ce_options_t o = xent_ce_options_default();
  o.reduction = XENT_REDUCTION_NONE;
  xent_tensor_t tx = xent_tensor_2d(x, XENT_F32, R, C), ty = xent_tensor_2d(y, XENT_F32, R, C);
  xent_tensor_t tl = xent_tensor_2d(l, XENT_F32, R, C), tg = xent_tensor_2d(g, XENT_F32, R, C);
  XT_OK(xent_sigmoid_cross_entropy(&tx, &ty, &o, &tl, &tg));
  double worst_l = 0, worst_g = 0;
  long double total = 0;
  for (int i = 0; i < R * C; i++) {
    long double xi = x[i], a = y[i], b = 1 - (long double)y[i];
    long double want = (a != 0 ? a * ld_softplus(-xi) : 0) + (b != 0 ? b * ld_softplus(xi) : 0);
    long double sig = 1 / (1 + expl(-xi)), sig_neg = 1 / (1 + expl(xi));
    long double dwant = (b != 0 ? b * sig : 0) - (a != 0 ? a * sig_neg : 0);
    total += want;
    if (isinf(x[i])) {
      XT_CHECK_SAME(l[i], (double)want);
      continue;
    }
    double el = xt_ulp_error(l[i], want, XENT_F32);
    /* the gradient: in ulps of its two terms' sum of magnitudes */
    long double scale = (b != 0 ? b * sig : 0) + (a != 0 ? a * sig_neg : 0);
    double eg = (double)(fabsl(g[i] - dwant) / xt_ulp(scale, XENT_F32));
    if (el > worst_l) worst_l = el;
    if (eg > worst_g) worst_g = eg;
  }
  XT_CHECK_SAME(g[3], 0.0);
  XT_CHECK_SAME(l[5], INFINITY);
  printf("  kernels %s: sigmoid CE f32 loss max %.2f ulp, grad max %.2f ulp (bound 4)\n", xent_isa(),
         worst_l, worst_g);
  XT_CHECK(worst_l <= 4);
  XT_CHECK(worst_g <= 4);

  /* The transposed layout: (C, R) data viewed as (R, C); same bits. */
  float xt_[C * R], yt[C * R], lt[C * R], gt[C * R];
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) xt_[c * R + r] = x[r * C + c], yt[c * R + r] = y[r * C + c];
  int64_t shape[2] = {R, C}, strides[2] = {1, R};
  xent_tensor_t vx, vy, vl, vg;
  xent_tensor_init(&vx, xt_, XENT_F32, 2, shape, strides);
  xent_tensor_init(&vy, yt, XENT_F32, 2, shape, strides);
  xent_tensor_init(&vl, lt, XENT_F32, 2, shape, strides);
  xent_tensor_init(&vg, gt, XENT_F32, 2, shape, strides);
  XT_OK(xent_sigmoid_cross_entropy(&vx, &vy, &o, &vl, &vg));
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) {
      XT_CHECK_SAME(lt[c * R + r], l[r * C + c]);
      XT_CHECK_SAME(gt[c * R + r], g[r * C + c]);
    }

  /* The mean over finite elements. */
  x[5] = 0;
  float mean;
  xent_tensor_t tm = xent_tensor_1d(&mean, XENT_F32, 1);
  XT_OK(xent_sigmoid_cross_entropy(&tx, &ty, NULL, &tm, NULL));
  long double want_total = 0;
  for (int i = 0; i < R * C; i++) {
    long double xi = x[i], a = y[i], b = 1 - (long double)y[i];
    want_total += (a != 0 ? a * ld_softplus(-xi) : 0) + (b != 0 ? b * ld_softplus(xi) : 0);
  }
  XT_CHECK_CLOSE(mean, (double)(want_total / (R * C)), 4 * FLT_EPSILON, 0);
  (void)total;
}

/* Dense (soft) targets through the fused f32 kernel: tile sizes against long
 * double, TensorFlow's gradient, the confident row, a transposed layout. */
void test_kernels_dense_ce_f32(void) {
  xt_rng rng = {31415};
  double worst_loss = 0, worst_grad = 0;
  for (int li = 0; li < NLEN; li++) {
    int64_t n = lengths[li];
    float *x = malloc((size_t)n * 4), *u = malloc((size_t)n * 4), *g = malloc((size_t)n * 4);
    long double *nls = malloc((size_t)n * sizeof *nls);
    for (int kind = 0; kind < ROW_KINDS; kind++) {
      fill_row(&rng, x, n, kind);
      double s = 0;
      for (int64_t i = 0; i < n; i++) s += u[i] = (float)(xt_next(&rng) % 3 == 0 ? 0 : xt_uniform(&rng, 0, 1));
      for (int64_t i = 0; s > 0 && i < n; i++) u[i] = (float)(u[i] / s);
      ld_neg_log_softmax(x, n, nls);
      float loss;
      xent_tensor_t tx = xent_tensor_2d(x, XENT_F32, 1, n), tu = xent_tensor_2d(u, XENT_F32, 1, n);
      xent_tensor_t tg = xent_tensor_2d(g, XENT_F32, 1, n), tl = xent_tensor_1d(&loss, XENT_F32, 1);
      xent_ce_options_t o = xent_ce_options_default();
      o.reduction = XENT_REDUCTION_SUM;
      XT_OK(xent_softmax_cross_entropy(&tx, &tu, &o, &tl, &tg));
      long double want = 0, total = 0;
      for (int64_t i = 0; i < n; i++) {
        if (u[i] != 0) want += u[i] * nls[i];
        total += u[i];
      }
      double e = xt_ulp_error(loss, want, XENT_F32);
      if (e > worst_loss) worst_loss = e;
      for (int64_t i = 0; i < n; i++) {
        long double p = expl(-nls[i]), gw = p * total - u[i];
        double ge = (double)(fabsl(g[i] - gw) / xt_ulp(p * total + u[i], XENT_F32));
        if (ge > worst_grad) worst_grad = ge;
      }
    }
    free(x), free(u), free(g), free(nls);
  }
  printf("  kernels %s: dense CE f32 loss max %.2f ulp, grad max %.2f ulp (bound 4)\n", xent_isa(),
         worst_loss, worst_grad);
  XT_CHECK(worst_loss <= 4);
  XT_CHECK(worst_grad <= 4);

  /* [40, 0 x 9] with a one-hot target on the 40: the gradient there is
   * -9 e^-40 / (1 + 9 e^-40) to full relative precision, also in f32. */
  float x10[10] = {40}, u10[10] = {1}, g10[10];
  xent_tensor_t tx = xent_tensor_2d(x10, XENT_F32, 1, 10), tu = xent_tensor_2d(u10, XENT_F32, 1, 10);
  xent_tensor_t tg = xent_tensor_2d(g10, XENT_F32, 1, 10);
  XT_OK(xent_softmax_cross_entropy(&tx, &tu, NULL, NULL, &tg));
  long double e40 = expl(-40.0L);
  XT_CHECK(xt_ulp_error(g10[0], -9 * e40 / (1 + 9 * e40), XENT_F32) <= 2);

  /* Targets summing to 2: the true gradient p * 2 - u, TensorFlow's p - u. */
  float x3[3] = {1, 2, 3}, u3[3] = {1, 0.5f, 0.5f}, g3[3], g3tf[3];
  xent_tensor_t tx3 = xent_tensor_2d(x3, XENT_F32, 1, 3), tu3 = xent_tensor_2d(u3, XENT_F32, 1, 3);
  xent_tensor_t tg3 = xent_tensor_2d(g3, XENT_F32, 1, 3), tg3tf = xent_tensor_2d(g3tf, XENT_F32, 1, 3);
  xent_ce_options_t o = xent_ce_options_default();
  o.reduction = XENT_REDUCTION_SUM;
  XT_OK(xent_softmax_cross_entropy(&tx3, &tu3, &o, NULL, &tg3));
  o.flags = XENT_CE_TF_GRADIENT;
  XT_OK(xent_softmax_cross_entropy(&tx3, &tu3, &o, NULL, &tg3tf));
  long double z = expl(1.0L) + expl(2.0L) + expl(3.0L);
  for (int c = 0; c < 3; c++) {
    long double p = expl((long double)x3[c]) / z;
    XT_CHECK_CLOSE(g3[c], (double)(p * 2 - u3[c]), 4 * FLT_EPSILON, 2 * FLT_EPSILON);
    XT_CHECK_CLOSE(g3tf[c], (double)(p - u3[c]), 4 * FLT_EPSILON, 2 * FLT_EPSILON);
  }

  /* A transposed layout gives the same bits. */
  enum { R = 5, C = 19 };
  float xr[R * C], ur[R * C], gr[R * C], xt_[C * R], ut[C * R], gt[C * R], lr[R], lt[R];
  for (int i = 0; i < R * C; i++) xr[i] = (float)(xt_normal(&rng) * 3), ur[i] = (float)xt_uniform(&rng, 0, 1);
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) xt_[c * R + r] = xr[r * C + c], ut[c * R + r] = ur[r * C + c];
  int64_t shape[2] = {R, C}, strides[2] = {1, R};
  xent_tensor_t a = xent_tensor_2d(xr, XENT_F32, R, C), b = xent_tensor_2d(ur, XENT_F32, R, C);
  xent_tensor_t ga = xent_tensor_2d(gr, XENT_F32, R, C), la = xent_tensor_1d(lr, XENT_F32, R);
  xent_tensor_t va, vb, vg, vl = xent_tensor_1d(lt, XENT_F32, R);
  xent_tensor_init(&va, xt_, XENT_F32, 2, shape, strides);
  xent_tensor_init(&vb, ut, XENT_F32, 2, shape, strides);
  xent_tensor_init(&vg, gt, XENT_F32, 2, shape, strides);
  o = xent_ce_options_default();
  o.reduction = XENT_REDUCTION_NONE;
  XT_OK(xent_softmax_cross_entropy(&a, &b, &o, &la, &ga));
  XT_OK(xent_softmax_cross_entropy(&va, &vb, &o, &vl, &vg));
  for (int r = 0; r < R; r++) {
    XT_CHECK_SAME(lt[r], lr[r]);
    for (int c = 0; c < C; c++) XT_CHECK_SAME(gt[c * R + r], gr[r * C + c]);
  }
}

/* argmax at every tile size: ties (the first wins, -0.0 == +0.0), NaN (the
 * first NaN wins), infinities; expected indices from a plain loop. */
static int64_t plain_argmax(const float *x, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    if (isnan(x[i])) return i;
  int64_t best = 0;
  for (int64_t i = 1; i < n; i++)
    if (x[i] > x[best]) best = i;
  return best;
}

void test_kernels_argmax_f32_tiles(void) {
  xt_rng rng = {1618};
  for (int li = 0; li < NLEN; li++) {
    int64_t n = lengths[li];
    float *x = malloc((size_t)n * 4);
    for (int kind = 0; kind < 6; kind++) {
      for (int64_t i = 0; i < n; i++) x[i] = (float)(xt_next(&rng) % 7) - 3; /* many ties */
      if (kind == 1) x[xt_next(&rng) % (uint64_t)n] = NAN;
      if (kind == 2) x[n - 1] = INFINITY;
      if (kind == 3) for (int64_t i = 0; i < n; i++) x[i] = -INFINITY;
      if (kind == 4) { for (int64_t i = 0; i < n; i++) x[i] = -1; x[n / 2] = -0.0f; x[n - 1] = 0.0f; }
      if (kind == 5) { x[0] = NAN; x[n - 1] = NAN; }
      int64_t got;
      xent_tensor_t tx = xent_tensor_2d(x, XENT_F32, 1, n), tout = xent_tensor_1d(&got, XENT_I64, 1);
      XT_OK(xent_argmax(&tx, -1, &tout));
      XT_CHECK_MSG(got == plain_argmax(x, n), "n = %lld kind %d: argmax %lld, expected %lld",
                   (long long)n, kind, (long long)got, (long long)plain_argmax(x, n));
    }
    free(x);
  }
}

/* Problems larger than the caches write their outputs with non-temporal
 * stores: a row's exps wait in a buffer, and the row is written while the
 * next one is swept. Every row must equal the row computed in a small call,
 * bit for bit, including the rows around those the kernels decline (NaN,
 * +inf), an ignored label, a masked block, and a gradient written over its
 * logits. */
void test_kernels_streaming_outputs_match(void) {
  /* 42 MB of f32 in rows of 65600: above XENT__STREAM_BYTES and
   * XENT__STREAM_MIN_ROW, so the big calls stream; the small ones do not */
  enum { R = 160, C = 65600, K = 4 };
  size_t bytes = (size_t)R * C * 4;
  float *x = malloc(bytes), *y = malloc(bytes), *g = malloc(bytes), *gx = malloc(bytes);
  int64_t *labels = malloc(R * sizeof *labels);
  double *losses = malloc(R * sizeof *losses), *losses_in_place = malloc(R * sizeof *losses);
  XT_CHECK(x && y && g && gx && labels && losses && losses_in_place);
  if (!x || !y || !g || !gx || !labels || !losses || !losses_in_place) return;
  xt_rng rng = {8888};
  for (int64_t i = 0; i < (int64_t)R * C; i++) x[i] = (float)(xt_normal(&rng) * 6);
  for (int r = 0; r < R; r++) labels[r] = (int64_t)(xt_next(&rng) % C);
  labels[1] = 0, x[1 * C] = 60;             /* a confident, correct row */
  x[7 * C + 5000] = NAN;                    /* declined rows between streamed rows */
  x[8 * C + 3000] = INFINITY;
  labels[9] = -100;                         /* an ignored label */
  for (int c = 2048; c < 4096; c++) x[10 * C + c] = -INFINITY; /* a masked block */
  x[(R - 1) * C + C - 1] = NAN;             /* and the last row declined */
  xent_ce_options_t o = xent_ce_options_default();
  o.reduction = XENT_REDUCTION_NONE;
  o.ignore_index = -100;
  xent_tensor_t tx = xent_tensor_2d(x, XENT_F32, R, C), ty = xent_tensor_2d(y, XENT_F32, R, C);
  xent_tensor_t tg = xent_tensor_2d(g, XENT_F32, R, C), tl = xent_tensor_1d(labels, XENT_I64, R);
  xent_tensor_t tloss = xent_tensor_1d(losses, XENT_F64, R);
  XT_OK(xent_softmax(&tx, -1, &ty));
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &tl, &o, &tloss, &tg));
  /* in place: the gradient over a copy of the logits */
  memcpy(gx, x, bytes);
  xent_tensor_t tgx = xent_tensor_2d(gx, XENT_F32, R, C);
  xent_tensor_t tloss_in_place = xent_tensor_1d(losses_in_place, XENT_F64, R);
  XT_OK(xent_sparse_softmax_cross_entropy(&tgx, &tl, &o, &tloss_in_place, &tgx));
  static float ys[K * C], gs[K * C];
  double ls[K];
  int64_t bad_rows = 0;
  for (int r0 = 0; r0 < R; r0 += K) {
    size_t off = (size_t)r0 * C;
    xent_tensor_t sx = xent_tensor_2d(x + off, XENT_F32, K, C);
    xent_tensor_t sy = xent_tensor_2d(ys, XENT_F32, K, C), sg = xent_tensor_2d(gs, XENT_F32, K, C);
    xent_tensor_t sl = xent_tensor_1d(labels + r0, XENT_I64, K);
    xent_tensor_t sloss = xent_tensor_1d(ls, XENT_F64, K);
    XT_OK(xent_softmax(&sx, -1, &sy));
    XT_OK(xent_sparse_softmax_cross_entropy(&sx, &sl, &o, &sloss, &sg));
    int same = memcmp(y + off, ys, sizeof ys) == 0 && memcmp(g + off, gs, sizeof gs) == 0 &&
               memcmp(gx + off, gs, sizeof gs) == 0;
    for (int r = 0; r < K; r++)
      same = same && xt_same_double(losses[r0 + r], ls[r]) &&
             xt_same_double(losses_in_place[r0 + r], ls[r]);
    bad_rows += !same;
    XT_CHECK_MSG(same, "rows %d..%d differ from a small call", r0, r0 + K - 1);
    if (bad_rows > 3) break;
  }
  /* the special rows came out as the reference gives them */
  XT_CHECK(isnan(y[7 * C]) && isnan(g[7 * C]) && isnan(losses[7]));
  XT_CHECK(losses[9] == 0 && g[9 * C] == 0 && g[9 * C + C - 1] == 0);
  XT_CHECK(y[10 * C + 3000] == 0 && y[10 * C + 100] > 0);
  /* the confident row: at most about 65600 e^18 e^-60 = 4e-14 (e^18 is the
   * mean of e^x for x ~ N(0, 36)), which x - lse would round to 0 */
  XT_CHECK(losses[1] > 0 && losses[1] < 1e-12);
  free(x), free(y), free(g), free(gx), free(labels), free(losses), free(losses_in_place);
}

/* ---- f64 rows (simd/rows_f64.inc) ---- */

/* -log_softmax of a double row in long double, the largest entry excluded
 * from the sum (infinite and NaN rows are not passed here). */
static void ld_neg_log_softmax_f64(const double *x, int64_t n, long double *out) {
  int64_t k = 0;
  for (int64_t i = 1; i < n; i++)
    if (x[i] > x[k]) k = i;
  long double tail = 0;
  for (int64_t i = 0; i < n; i++)
    if (i != k && x[i] != -INFINITY) tail += expl((long double)x[i] - x[k]);
  for (int64_t i = 0; i < n; i++) out[i] = log1pl(tail) - ((long double)x[i] - x[k]);
}

/* Row kinds: 0 normal, 1 spread (span up to about 300), 2 one confident
 * logit (its loss near 1e-17, kept to full relative precision), 3 entries at
 * large magnitude (1e5 + normal: x - m must be exact), 4 a span of more than
 * 700 and 5 masked (-inf) entries (both declined to the reference), 6 many
 * entries tied at the maximum. */
#define F64_ROW_KINDS 7
static void fill_row_f64(xt_rng *rng, double *x, int64_t n, int kind) {
  for (int64_t i = 0; i < n; i++) {
    double v = kind == 1   ? xt_normal(rng) * 60
               : kind == 3 ? 1e5 + xt_normal(rng)
               : kind == 4 ? xt_uniform(rng, -400, 400)
               : kind == 6 ? (double)(xt_next(rng) % 3)
                           : xt_normal(rng);
    x[i] = v;
  }
  if (kind == 2) x[xt_next(rng) % (uint64_t)n] += 40;
  if (kind == 4 && n > 1) x[0] = -400, x[1] = 400;
  if (kind == 5 && n > 1)
    for (int64_t i = 1; i < n; i += 5) x[i] = -INFINITY;
}

void test_kernels_softmax_f64_tiles(void) {
  xt_rng rng = {91};
  double worst_sm = 0, worst_lsm = 0;
  for (int li = 0; li < NLEN; li++) {
    int64_t n = lengths[li];
    double *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
    double *z = malloc((size_t)n * sizeof *z);
    long double *ref = malloc((size_t)n * sizeof *ref);
    XT_CHECK(x && y && z && ref);
    for (int kind = 0; kind < F64_ROW_KINDS; kind++) {
      fill_row_f64(&rng, x, n, kind);
      ld_neg_log_softmax_f64(x, n, ref);
      xent_tensor_t tx = xent_tensor_2d(x, XENT_F64, 1, n), ty = xent_tensor_2d(y, XENT_F64, 1, n);
      xent_tensor_t tz = xent_tensor_2d(z, XENT_F64, 1, n);
      XT_OK(xent_softmax(&tx, -1, &ty));
      for (int64_t i = 0; i < n; i++) {
        double e = xt_ulp_error(y[i], expl(-ref[i]), XENT_F64);
        if (!(e <= worst_sm)) worst_sm = e;
      }
      memcpy(z, x, (size_t)n * sizeof *z); /* in place: the same bits */
      XT_OK(xent_softmax(&tz, -1, &tz));
      XT_CHECK(memcmp(z, y, (size_t)n * sizeof *z) == 0);
      XT_OK(xent_log_softmax(&tx, -1, &ty));
      for (int64_t i = 0; i < n; i++) {
        double e = x[i] == -INFINITY ? (y[i] == -INFINITY ? 0 : 1e9)
                                     : xt_ulp_error(y[i], -ref[i], XENT_F64);
        if (!(e <= worst_lsm)) worst_lsm = e;
      }
      memcpy(z, x, (size_t)n * sizeof *z);
      XT_OK(xent_log_softmax(&tz, -1, &tz));
      XT_CHECK(memcmp(z, y, (size_t)n * sizeof *z) == 0);
    }
    free(x), free(y), free(z), free(ref);
  }
  printf("  kernels %s: softmax f64 max %.2f ulp (bound %d), log_softmax f64 max %.2f ulp (bound %d)\n",
         xent_isa(), worst_sm, XT_BOUND_SOFTMAX_F64, worst_lsm, XT_BOUND_LOG_SOFTMAX_F64);
  XT_CHECK(worst_sm <= XT_BOUND_SOFTMAX_F64);
  XT_CHECK(worst_lsm <= XT_BOUND_LOG_SOFTMAX_F64);
}

/* A confident f64 row: log_softmax of [40, 0, ..., 0] (C entries) at the
 * maximum is -log1p((C - 1) e^-40), about -4.2e-17 C, against a closed form
 * in long double; and strided rows (axis 0 of a C-order matrix) give the same
 * bits as contiguous ones. */
void test_kernels_f64_confident_and_strided(void) {
  enum { C = 37, R = 5 };
  double x[C], y[C];
  for (int i = 0; i < C; i++) x[i] = i == 3 ? 40.0 : 0.0;
  xent_tensor_t tx = xent_tensor_2d(x, XENT_F64, 1, C), ty = xent_tensor_2d(y, XENT_F64, 1, C);
  XT_OK(xent_log_softmax(&tx, -1, &ty));
  long double want = -log1pl((C - 1) * expl(-40.0L));
  XT_CHECK(xt_ulp_error(y[3], want, XENT_F64) <= XT_BOUND_LOG_SOFTMAX_F64);
  XT_OK(xent_softmax(&tx, -1, &ty));
  XT_CHECK(xt_ulp_error(y[0], expl(-40.0L) / (1 + (C - 1) * expl(-40.0L)), XENT_F64) <=
           XT_BOUND_SOFTMAX_F64);

  /* m[c][r] = row r's entry c: softmax over axis 0 walks strided rows */
  xt_rng rng = {92};
  double rows[R][C], m[C][R], out_rows[R][C], out_m[C][R];
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) m[c][r] = rows[r][c] = xt_normal(&rng) * 5;
  xent_tensor_t trows = xent_tensor_2d(rows, XENT_F64, R, C), tm = xent_tensor_2d(m, XENT_F64, C, R);
  xent_tensor_t tor = xent_tensor_2d(out_rows, XENT_F64, R, C), tom = xent_tensor_2d(out_m, XENT_F64, C, R);
  for (int op = 0; op < 2; op++) {
    XT_OK(op ? xent_log_softmax(&trows, 1, &tor) : xent_softmax(&trows, 1, &tor));
    XT_OK(op ? xent_log_softmax(&tm, 0, &tom) : xent_softmax(&tm, 0, &tom));
    int same = 1;
    for (int r = 0; r < R; r++)
      for (int c = 0; c < C; c++) same &= memcmp(&out_rows[r][c], &out_m[c][r], sizeof(double)) == 0;
    XT_CHECK(same);
  }
}

/* Fused sparse CE of f64 rows at every tile length and row kind, against
 * long double: the loss within 4 ulp and each gradient entry within 4 ulp of
 * |p| + |u| (xent.h), with the label on a random entry or, for the confident
 * kind, on the confident logit; in place (g over x) the same bits; declined
 * rows (kinds 4, 5) give the reference's answer, held to the same bounds. */
void test_kernels_sparse_ce_f64_tiles(void) {
  xt_rng rng = {93};
  double worst_loss = 0, worst_grad = 0;
  xent_ce_options_t o = xent_ce_options_default();
  o.reduction = XENT_REDUCTION_NONE;
  for (int li = 0; li < NLEN; li++) {
    int64_t n = lengths[li];
    double *x = malloc((size_t)n * sizeof *x), *g = malloc((size_t)n * sizeof *g);
    double *z = malloc((size_t)n * sizeof *z);
    long double *ref = malloc((size_t)n * sizeof *ref);
    XT_CHECK(x && g && z && ref);
    for (int kind = 0; kind < F64_ROW_KINDS; kind++) {
      fill_row_f64(&rng, x, n, kind);
      int64_t label = (int64_t)(xt_next(&rng) % (uint64_t)n);
      if (kind == 2)
        for (int64_t i = 0; i < n; i++)
          if (x[i] > x[label]) label = i;
      if (x[label] == -INFINITY) label = 0; /* a finite loss */
      ld_neg_log_softmax_f64(x, n, ref);
      double loss, loss_in_place;
      xent_tensor_t tx = xent_tensor_2d(x, XENT_F64, 1, n), tg = xent_tensor_2d(g, XENT_F64, 1, n);
      xent_tensor_t tz = xent_tensor_2d(z, XENT_F64, 1, n);
      xent_tensor_t tl = xent_tensor_1d(&label, XENT_I64, 1), tloss = xent_tensor_1d(&loss, XENT_F64, 1);
      xent_tensor_t tloss2 = xent_tensor_1d(&loss_in_place, XENT_F64, 1);
      XT_OK(xent_sparse_softmax_cross_entropy(&tx, &tl, &o, &tloss, &tg));
      double e = xt_ulp_error(loss, ref[label], XENT_F64);
      if (!(e <= worst_loss)) worst_loss = e;
      for (int64_t i = 0; i < n; i++) {
        long double p = x[i] == -INFINITY ? 0.0L : expl(-ref[i]), want = p - (i == label);
        double ge = (double)(fabsl(g[i] - want) / xt_ulp(p + (i == label), XENT_F64));
        if (!(ge <= worst_grad)) worst_grad = ge;
      }
      memcpy(z, x, (size_t)n * sizeof *z);
      XT_OK(xent_sparse_softmax_cross_entropy(&tz, &tl, &o, &tloss2, &tz));
      XT_CHECK(memcmp(z, g, (size_t)n * sizeof *z) == 0 && xt_same_double(loss, loss_in_place));
    }
    free(x), free(g), free(z), free(ref);
  }
  printf("  kernels %s: sparse CE f64 loss max %.2f ulp, grad max %.2f ulp (bound 4)\n",
         xent_isa(), worst_loss, worst_grad);
  XT_CHECK(worst_loss <= 4);
  XT_CHECK(worst_grad <= 4);
}

/* The confident f64 row [0, ..., 0, 40] with label at the 40: the loss is
 * log1p((C - 1) e^-40), about 4.2e-17 (C - 1), and the label's gradient
 * -(C - 1) e^-40 / (1 + (C - 1) e^-40), against closed forms in long
 * double; at C = 9 the 40 is in the partial last vector, also in place (the
 * gradient over the logits), where the entry's value must be read before
 * its exp is written. Strided rows give the bits of contiguous ones. */
void test_kernels_sparse_ce_f64_confident_and_strided(void) {
  static const int64_t sizes[] = {9, 17, 37, 1000};
  for (int s = 0; s < 4; s++) {
    int64_t C = sizes[s], label = C - 1;
    double *x = calloc((size_t)C, sizeof *x), *g = calloc((size_t)C, sizeof *g);
    XT_CHECK(x && g);
    for (int in_place = 0; in_place < 2; in_place++) {
      for (int64_t i = 0; i < C; i++) x[i] = i == label ? 40.0 : 0.0;
      double loss, *out = in_place ? x : g;
      xent_tensor_t tx = xent_tensor_2d(x, XENT_F64, 1, C), tg = xent_tensor_2d(out, XENT_F64, 1, C);
      xent_tensor_t tl = xent_tensor_1d(&label, XENT_I64, 1), tloss = xent_tensor_1d(&loss, XENT_F64, 1);
      XT_OK(xent_sparse_softmax_cross_entropy(&tx, &tl, NULL, &tloss, &tg));
      long double tail = (long double)(C - 1) * expl(-40.0L);
      XT_CHECK_MSG(xt_ulp_error(loss, log1pl(tail), XENT_F64) <= 4, "C %lld in place %d: loss %.17g",
                   (long long)C, in_place, loss);
      XT_CHECK(xt_ulp_error(out[label], -tail / (1 + tail), XENT_F64) <= 4);
      XT_CHECK(xt_ulp_error(out[0], expl(-40.0L) / (1 + tail), XENT_F64) <= 4);
    }
    free(x), free(g);
  }

  /* m[c][r] = row r's entry c: CE over axis 0 walks strided rows */
  enum { C = 37, R = 5 };
  xt_rng rng = {94};
  double rows[R][C], m[C][R], g_rows[R][C], g_m[C][R], l_rows[R], l_m[R];
  int64_t labels[R];
  for (int r = 0; r < R; r++) {
    labels[r] = (int64_t)(xt_next(&rng) % C);
    for (int c = 0; c < C; c++) m[c][r] = rows[r][c] = xt_normal(&rng) * 5;
  }
  xent_ce_options_t o = xent_ce_options_default();
  o.reduction = XENT_REDUCTION_NONE;
  xent_tensor_t tl = xent_tensor_1d(labels, XENT_I64, R);
  xent_tensor_t trows = xent_tensor_2d(rows, XENT_F64, R, C), tm = xent_tensor_2d(m, XENT_F64, C, R);
  xent_tensor_t tgr = xent_tensor_2d(g_rows, XENT_F64, R, C), tgm = xent_tensor_2d(g_m, XENT_F64, C, R);
  xent_tensor_t tlr = xent_tensor_1d(l_rows, XENT_F64, R), tlm = xent_tensor_1d(l_m, XENT_F64, R);
  XT_OK(xent_sparse_softmax_cross_entropy(&trows, &tl, &o, &tlr, &tgr));
  o.axis = 0;
  XT_OK(xent_sparse_softmax_cross_entropy(&tm, &tl, &o, &tlm, &tgm));
  int same = memcmp(l_rows, l_m, sizeof l_rows) == 0;
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) same &= memcmp(&g_rows[r][c], &g_m[c][r], sizeof(double)) == 0;
  XT_CHECK(same);
}

/* logsumexp of f64 rows at every tile length and row kind, within 4 ulp of
 * max(|logsumexp|, |m|) against long double; and of f32 rows whose
 * logsumexp is small (entries in [-2, 2]: the f32 kernel declines them and
 * they are converted to double), within 1 ulp of it. */
void test_kernels_logsumexp_f64_tiles(void) {
  xt_rng rng = {95};
  double worst64 = 0, worst32 = 0;
  for (int li = 0; li < NLEN; li++) {
    int64_t n = lengths[li];
    double *x = malloc((size_t)n * sizeof *x);
    float *xf = malloc((size_t)n * sizeof *xf);
    long double *ref = malloc((size_t)n * sizeof *ref);
    XT_CHECK(x && xf && ref);
    for (int kind = 0; kind <= F64_ROW_KINDS; kind++) {
      int f32 = kind == F64_ROW_KINDS;
      if (f32)
        for (int64_t i = 0; i < n; i++) x[i] = xf[i] = (float)xt_uniform(&rng, -2, 2);
      else
        fill_row_f64(&rng, x, n, kind);
      ld_neg_log_softmax_f64(x, n, ref);
      long double m = x[0];
      for (int64_t i = 1; i < n; i++) m = x[i] > m ? x[i] : m;
      long double want = m + ref[0] + ((long double)x[0] - m); /* lse = x_i - log_softmax_i */
      long double big = fabsl(want) > fabsl(m) ? fabsl(want) : fabsl(m);
      double out64;
      float out32;
      xent_tensor_t tx = f32 ? xent_tensor_2d(xf, XENT_F32, 1, n) : xent_tensor_2d(x, XENT_F64, 1, n);
      xent_tensor_t to = f32 ? xent_tensor_1d(&out32, XENT_F32, 1) : xent_tensor_1d(&out64, XENT_F64, 1);
      XT_OK(xent_logsumexp(&tx, -1, &to));
      xent_dtype_t dt = f32 ? XENT_F32 : XENT_F64;
      double e = (double)(fabsl((f32 ? (long double)out32 : (long double)out64) - want) / xt_ulp(big, dt));
      double *worst = f32 ? &worst32 : &worst64;
      if (!(e <= *worst)) *worst = e;
    }
    free(x), free(xf), free(ref);
  }
  printf("  kernels %s: logsumexp f64 max %.2f ulp (bound %d), f32 small max %.2f ulp (bound %d)\n",
         xent_isa(), worst64, XT_BOUND_LOGSUMEXP_F64, worst32, XT_BOUND_LOGSUMEXP_F32);
  XT_CHECK(worst64 <= XT_BOUND_LOGSUMEXP_F64);
  XT_CHECK(worst32 <= XT_BOUND_LOGSUMEXP_F32);
}

/* Rows the fast f64 kernels decline follow xent.h's rules, at a length (9)
 * that reaches them: a NaN row is NaN throughout; +inf at the label gives
 * loss 0 and gradient 0, +inf elsewhere loss +inf and gradient p - u with
 * p = 1 at the +inf; a row of -inf gives loss +inf and gradient -u; and
 * logsumexp is NaN, +inf and -inf for those rows. */
void test_kernels_f64_declined_rows_follow_the_rules(void) {
  enum { R = 4, C = 9 };
  double x[R][C], g[R][C], loss[R], lse[R];
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) x[r][c] = c * 0.25;
  x[0][3] = NAN;
  x[1][2] = INFINITY;                           /* label 2 */
  x[2][5] = INFINITY;                           /* label 0 */
  for (int c = 0; c < C; c++) x[3][c] = -INFINITY; /* label 4 */
  int64_t labels[R] = {1, 2, 0, 4};
  xent_ce_options_t o = xent_ce_options_default();
  o.reduction = XENT_REDUCTION_NONE;
  xent_tensor_t tx = xent_tensor_2d(x, XENT_F64, R, C), tg = xent_tensor_2d(g, XENT_F64, R, C);
  xent_tensor_t tl = xent_tensor_1d(labels, XENT_I64, R), tloss = xent_tensor_1d(loss, XENT_F64, R);
  xent_tensor_t tlse = xent_tensor_1d(lse, XENT_F64, R);
  XT_OK(xent_sparse_softmax_cross_entropy(&tx, &tl, &o, &tloss, &tg));
  XT_OK(xent_logsumexp(&tx, -1, &tlse));
  XT_CHECK(isnan(loss[0]) && isnan(lse[0]));
  for (int c = 0; c < C; c++) XT_CHECK(isnan(g[0][c]));
  XT_CHECK_SAME(loss[1], 0.0);
  XT_CHECK_SAME(lse[1], INFINITY);
  for (int c = 0; c < C; c++) XT_CHECK(g[1][c] == 0.0);
  XT_CHECK_SAME(loss[2], INFINITY);
  XT_CHECK_SAME(lse[2], INFINITY);
  for (int c = 0; c < C; c++) XT_CHECK_SAME(g[2][c], c == 0 ? -1.0 : c == 5 ? 1.0 : 0.0);
  XT_CHECK_SAME(loss[3], INFINITY);
  XT_CHECK_SAME(lse[3], -INFINITY);
  for (int c = 0; c < C; c++) XT_CHECK(g[3][c] == (c == 4 ? -1.0 : 0.0));
}
