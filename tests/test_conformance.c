/*
 * xent against expected values produced by the real peers (PyTorch,
 * TensorFlow, SciPy, NumPy; conformance/generate.py). Each case names its
 * op; the op is run through the public API on the case's inputs and compared
 * with a tolerance that allows the PEER's rounding error: a few ulps of the
 * result, plus a few ulps of the row's largest input (peers compute x - lse,
 * which loses up to that much absolute accuracy).
 */
#include "conformance_reader.h"
#include "harness.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int cases, values, failures;
} conf_stats;

static double max_abs(const xt_conf_tensor *t) {
  double m = 0;
  for (int64_t i = 0; t && i < t->n; i++)
    if (isfinite(t->values[i]) && fabs(t->values[i]) > m) m = fabs(t->values[i]);
  return m;
}

static void *alloc_for(const xt_conf_tensor *t) {
  return calloc((size_t)(t->n ? t->n : 1), 8);
}

/* Compares an output buffer of `dtype` with the expected tensor. */
static void compare(const xt_conf_case *c, const xt_conf_tensor *expected, const void *got,
                    double input_scale, conf_stats *st) {
  int f64 = expected->dtype == XENT_F64;
  double eps = f64 ? DBL_EPSILON : FLT_EPSILON;
  double rel = 16 * eps, abs_tol = 16 * eps * (input_scale > 1 ? input_scale : 1);
  if (!f64) abs_tol += 2 * FLT_MIN; /* TensorFlow flushes f32 subnormals */
  int threshold_softplus = strstr(c->source, "threshold=20") != NULL;
  const xt_conf_tensor *x = xt_conf_get(c, "x");
  for (int64_t i = 0; i < expected->n; i++) {
    double want = expected->values[i], have;
    switch (expected->dtype) {
      case XENT_F32: have = ((const float *)got)[i]; break;
      case XENT_F64: have = ((const double *)got)[i]; break;
      case XENT_I32: have = ((const int32_t *)got)[i]; break;
      default: have = (double)((const int64_t *)got)[i]; break;
    }
    double tol_here = abs_tol;
    if (threshold_softplus && x && x->values[i] > 20)
      /* PyTorch returns x itself above its threshold; xent keeps the exact
       * value, which differs by at most exp(-x) (times dy for the gradient). */
      tol_here += 2 * exp(-x->values[i]) * (1 + max_abs(xt_conf_get(c, "dy")));
    st->values++;
    if (!xt_close(have, want, rel, tol_here)) {
      st->failures++;
      xt_fail(__FILE__, __LINE__, "case %s (%s): %s[%lld] = %.17g, peer gave %.17g",
              c->name, c->source, expected->role, (long long)i, have, want);
    }
  }
}

/* Runs one normalizer-suite case through xent. Returns 0 if the op is unknown. */
static int run_case(const xt_conf_case *c, conf_stats *st) {
  const xt_conf_tensor *out = NULL;
  for (int i = 0; i < c->ntensors; i++)
    if (c->t[i].is_output) out = &c->t[i];
  if (!out) return 0;
  void *bufs[4] = {0};
  xent_tensor_t ins[3];
  int nin = 0;
  double scale = 0;
  for (int i = 0; i < c->ntensors && nin < 3; i++) {
    if (c->t[i].is_output) continue;
    bufs[nin] = alloc_for(&c->t[i]);
    ins[nin] = xt_conf_tensor_of(&c->t[i], bufs[nin]);
    if (strcmp(c->t[i].role, "x") == 0 || strcmp(c->t[i].role, "y") == 0)
      scale = max_abs(&c->t[i]);
    nin++;
  }
  bufs[3] = alloc_for(out);
  xent_tensor_t y;
  xent_tensor_init(&y, bufs[3], out->dtype, out->rank, out->shape, NULL);
  int axis = (int)xt_conf_param_num(c, "axis", -1);
  double eps = xt_conf_param_num(c, "eps", XENT_LOGIT_NO_EPS);
  const char *op = c->op;
  xent_status_t s = XENT_ERR_ARGUMENT;
  int known = 1;
  if (!strcmp(op, "softmax")) s = xent_softmax(&ins[0], axis, &y);
  else if (!strcmp(op, "log_softmax")) s = xent_log_softmax(&ins[0], axis, &y);
  else if (!strcmp(op, "logsumexp")) s = xent_logsumexp(&ins[0], axis, &y);
  else if (!strcmp(op, "softmax_backward")) s = xent_softmax_backward(&ins[0], &ins[1], axis, &y);
  else if (!strcmp(op, "log_softmax_backward")) s = xent_log_softmax_backward(&ins[0], &ins[1], axis, &y);
  else if (!strcmp(op, "logsumexp_backward")) s = xent_logsumexp_backward(&ins[0], &ins[1], axis, &y);
  else if (!strcmp(op, "sigmoid")) s = xent_sigmoid(&ins[0], &y);
  else if (!strcmp(op, "log_sigmoid")) s = xent_log_sigmoid(&ins[0], &y);
  else if (!strcmp(op, "softplus")) s = xent_softplus(&ins[0], &y);
  else if (!strcmp(op, "logit")) s = xent_logit(&ins[0], eps, &y);
  else if (!strcmp(op, "sigmoid_backward")) s = xent_sigmoid_backward(&ins[0], &ins[1], &y);
  else if (!strcmp(op, "log_sigmoid_backward")) s = xent_log_sigmoid_backward(&ins[0], &ins[1], &y);
  else if (!strcmp(op, "softplus_backward")) s = xent_softplus_backward(&ins[0], &ins[1], &y);
  else if (!strcmp(op, "logit_backward")) s = xent_logit_backward(&ins[0], &ins[1], eps, &y);
  else if (!strcmp(op, "argmax")) s = xent_argmax(&ins[0], axis, &y);
  else if (!strcmp(op, "one_hot"))
    s = xent_one_hot(&ins[0], axis, xt_conf_param_num(c, "on_value", 1),
                     xt_conf_param_num(c, "off_value", 0), 0, &y);
  else known = 0;
  if (known) {
    st->cases++;
    if (s != XENT_OK) {
      st->failures++;
      xt_fail(__FILE__, __LINE__, "case %s: %s returned %s: %s", c->name, op,
              xent_status_name(s), xent_last_error());
    } else {
      compare(c, out, bufs[3], scale, st);
    }
  }
  for (int i = 0; i < 4; i++) free(bufs[i]);
  return known;
}

void test_conformance_normalizers(void) {
  xt_conf_file *f = xt_conf_open("normalizers");
  XT_CHECK(f != NULL);
  if (!f) return;
  xt_conf_case c;
  conf_stats st = {0, 0, 0};
  int r, unknown = 0;
  while ((r = xt_conf_next(f, &c)) == 1)
    if (!run_case(&c, &st)) {
      unknown++;
      xt_fail(__FILE__, __LINE__, "case %s: unknown op %s", c.name, c.op);
    }
  XT_CHECK(r == 0);
  XT_CHECK(st.cases > 100);
  printf("  conformance normalizers: %d cases, %d values, %d mismatches\n", st.cases,
         st.values, st.failures);
  xt_conf_close(f);
}
