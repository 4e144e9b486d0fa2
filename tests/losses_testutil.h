/*
 * Helpers for tests/test_losses_*.c: tensor shorthands, a worst-error tally
 * in ulps against long double references, and a central finite-difference
 * check of a loss's gradient.
 *
 * Finite differences. For a scalar loss f (xent's own f64 loss with the
 * options under test, reduced to one number), fd_j = (f(x + h e_j) -
 * f(x - h e_j)) / 2h with h = 2^-20 max(1, |x_j|) (exact in f64). The
 * truncation error is h^2 |f'''| / 6 and the rounding error about
 * 1e-16 |f| / h, both below 1e-9 of the problem's scale for the smooth,
 * moderate inputs used here (kept away from clips, kinks and the branch
 * point of Huber); the check allows 1e-7 (|fd| + scale). A wrong formula, a
 * missing factor (class weight, 1/C, 1/divisor, T) or a wrong element fails
 * by orders of magnitude.
 */
#ifndef XENT_LOSSES_TESTUTIL_H
#define XENT_LOSSES_TESTUTIL_H

#include "harness.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

static inline xent_tensor_t lt_vec(double *d, int64_t n) { return xent_tensor_1d(d, XENT_F64, n); }
static inline xent_tensor_t lt_mat(double *d, int64_t r, int64_t c) {
  return xent_tensor_2d(d, XENT_F64, r, c);
}
static inline xent_tensor_t lt_nd(void *d, xent_dtype_t dt, int rank, const int64_t *shape) {
  xent_tensor_t t;
  xent_tensor_init(&t, d, dt, rank, shape, NULL);
  return t;
}
static inline xent_tensor_t lt_scalar(double *d) { return lt_nd(d, XENT_F64, 0, NULL); }

static inline xent_ce_options_t lt_opts(xent_reduction_t r) {
  xent_ce_options_t o = xent_ce_options_default();
  o.reduction = r;
  return o;
}

/* Worst error in ulps of the output type (or of a given scale). */
typedef struct {
  const char *name;
  double worst;
  long count;
} lt_tally;

static inline void lt_ulp(lt_tally *t, double got, long double want, xent_dtype_t dt) {
  double e = isnan(got) && isnan((double)want) ? 0 : xt_ulp_error(got, want, dt);
  if (!(e <= t->worst)) t->worst = e;
  t->count++;
}

/* Error in ulps of `scale` (for values whose accuracy is relative to a
 * larger scale, e.g. a gradient that cancels). */
static inline void lt_ulp_of(lt_tally *t, double got, long double want, long double scale,
                             xent_dtype_t dt) {
  long double u = xt_ulp(fabsl(scale) > fabsl(want) ? fabsl(scale) : fabsl(want), dt);
  double e = (double)(fabsl((long double)got - want) / u);
  if (!(e <= t->worst)) t->worst = e;
  t->count++;
}

static inline void lt_report(const lt_tally *t, double bound) {
  printf("  accuracy %s: max %.2f ulp over %ld values (bound %g)\n", t->name, t->worst, t->count,
         bound);
  XT_CHECK_MSG(t->worst <= bound, "%s: %.2f ulp exceeds the bound %g", t->name, t->worst, bound);
  XT_CHECK(t->count > 0);
}

/* The loss as a function of the differentiated argument: writes the reduced
 * loss into *loss (grad may be NULL). */
typedef xent_status_t (*lt_loss_fn)(void *ctx, const xent_tensor_t *x, const xent_tensor_t *loss,
                                    const xent_tensor_t *grad);

/* Checks the gradient of f at x (f64 data of `rank`/`shape`) against central
 * differences; `scale` is the problem's natural gradient scale. */
static inline void lt_gradcheck(const char *name, lt_loss_fn f, void *ctx, double *x, int rank,
                                const int64_t *shape, double scale) {
  xent_tensor_t tx = lt_nd(x, XENT_F64, rank, shape);
  int64_t n = xent_tensor_numel(&tx);
  double *g = calloc((size_t)(n ? n : 1), sizeof *g), v, worst = 0;
  xent_tensor_t tg = lt_nd(g, XENT_F64, rank, shape), tv = lt_scalar(&v);
  XT_OK(f(ctx, &tx, &tv, &tg));
  for (int64_t j = 0; j < n; j++) {
    double keep = x[j], h = ldexp(1.0, -20) * (fabs(keep) > 1 ? fabs(keep) : 1), fp, fm;
    x[j] = keep + h;
    XT_OK(f(ctx, &tx, &tv, NULL));
    fp = v;
    x[j] = keep - h;
    XT_OK(f(ctx, &tx, &tv, NULL));
    fm = v;
    x[j] = keep;
    double fd = (fp - fm) / (2 * h), err = fabs(g[j] - fd) / (fabs(fd) + scale);
    if (!(err <= worst)) worst = err;
    XT_CHECK_MSG(err <= 1e-7, "%s: grad[%lld] = %.15g, finite difference %.15g", name,
                 (long long)j, g[j], fd);
  }
  printf("  gradcheck %s: max |g - fd| / (|fd| + %g) = %.2g over %lld elements\n", name, scale,
         worst, (long long)n);
  free(g);
}

#endif
