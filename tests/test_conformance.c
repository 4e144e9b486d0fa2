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

/* ------------------------------------------------------------------------ */
/* Cross-entropy (conformance/generate_ce.py -> data/cross_entropy.txt)     */
/* ------------------------------------------------------------------------ */
/*
 * Each case names the xent function (param function dense | sparse | sigmoid)
 * and the xent_ce_options_t fields that reproduce the peer's call as params;
 * the option tensors are inputs named after their field. Outputs: loss and
 * grad (d loss / d logits).
 *
 * Peer cases are compared with a tolerance for the PEER's rounding: a peer
 * forms x - max and log(sum exp) in its own precision, so its loss is off by
 * a few ulps of S = 1 + max|x| + log(1 + C), times the size U of the targets
 * and the weights W, and its gradient by a few ulps of S U max|grad|.
 * conformance/generate_ce.py applies the same formulas (at half the
 * tolerance) between each peer and an mpmath evaluation of xent's documented
 * formula before it writes a case, so a failure here is xent's.
 * A case marked peer_loses_precision (the peer is off by more than a few ulps:
 * tiny losses, float32 reductions) is run but not compared; its `_mpmath` twin
 * holds the correctly rounded value and is compared with a tight tolerance.
 */

#define CE_K_PEER 8.0 /* ulps of the scales above; same as generate_ce.py */
#define CE_K_MPMATH 8.0

typedef enum { CE_DENSE_FN, CE_SPARSE_FN, CE_SIGMOID_FN } ce_function;

typedef struct {
  int cases, mpmath, not_compared, values, failures;
} ce_stats;

typedef struct {
  ce_function fn;
  xent_ce_options_t o;
  int axis;       /* resolved class axis of logits */
  int skip_peer;  /* peer_loses_precision */
  int is_mpmath;  /* expected values from mpmath, not from a peer */
} ce_setup;

static int ce_parse_flags(const char *s, unsigned *flags) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s", s);
  *flags = 0;
  for (char *tok = strtok(buf, "|"); tok; tok = strtok(NULL, "|")) {
    if (!strcmp(tok, "TF_GRADIENT")) *flags |= XENT_CE_TF_GRADIENT;
    else if (!strcmp(tok, "MEAN_OVER_CLASSES")) *flags |= XENT_CE_MEAN_OVER_CLASSES;
    else return 0;
  }
  return 1;
}

/* Reads the params into s; 0 (after reporting) on an unknown key or value. */
static int ce_setup_params(const xt_conf_case *c, ce_setup *s) {
  static const char *reductions[] = {"NONE", "SUM", "MEAN", "SUM_OVER_BATCH_SIZE",
                                     "SUM_BY_NONZERO_WEIGHTS"};
  int have_function = 0;
  s->o = xent_ce_options_default();
  for (int i = 0; i < c->nparams; i++) {
    const char *k = c->param_key[i], *v = c->param_val[i];
    int ok = 1;
    if (!strcmp(k, "function")) {
      have_function = 1;
      if (!strcmp(v, "dense")) s->fn = CE_DENSE_FN;
      else if (!strcmp(v, "sparse")) s->fn = CE_SPARSE_FN;
      else if (!strcmp(v, "sigmoid")) s->fn = CE_SIGMOID_FN;
      else ok = 0;
    } else if (!strcmp(k, "axis")) {
      s->o.axis = atoi(v);
    } else if (!strcmp(k, "reduction")) {
      ok = 0;
      for (int r = 0; r < 5; r++)
        if (!strcmp(v, reductions[r])) s->o.reduction = (xent_reduction_t)r, ok = 1;
    } else if (!strcmp(k, "empty")) {
      if (!strcmp(v, "ZERO")) s->o.empty = XENT_EMPTY_ZERO;
      else if (!strcmp(v, "NAN")) s->o.empty = XENT_EMPTY_NAN;
      else ok = 0;
    } else if (!strcmp(k, "label_smoothing")) {
      s->o.label_smoothing = strtod(v, NULL);
    } else if (!strcmp(k, "ignore_index")) {
      s->o.ignore_index = strtoll(v, NULL, 10);
    } else if (!strcmp(k, "flags")) {
      ok = ce_parse_flags(v, &s->o.flags);
    } else if (!strcmp(k, "peer_loses_precision")) {
      s->skip_peer = atoi(v) != 0;
    } else {
      ok = 0;
    }
    if (!ok) {
      xt_fail(__FILE__, __LINE__, "case %s: unknown param %s %s", c->name, k, v);
      return 0;
    }
  }
  if (!have_function) xt_fail(__FILE__, __LINE__, "case %s: no param function", c->name);
  return have_function;
}

static double ce_sum_abs(const xt_conf_tensor *t) {
  double s = 0;
  for (int64_t i = 0; t && i < t->n; i++) s += fabs(t->values[i]);
  return s;
}

/* The largest sum of |values| along axis `ax` (a dense target's size). */
static double ce_max_row_sum(const xt_conf_tensor *t, int ax) {
  int64_t outer = 1, inner = 1, n = t->shape[ax];
  for (int i = 0; i < ax; i++) outer *= t->shape[i];
  for (int i = ax + 1; i < t->rank; i++) inner *= t->shape[i];
  double best = 0;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t in = 0; in < inner; in++) {
      double s = 0;
      for (int64_t k = 0; k < n; k++) s += fabs(t->values[(o * n + k) * inner + in]);
      if (s > best) best = s;
    }
  return best;
}

typedef struct {
  double loss_rel, loss_abs, grad_rel, grad_abs;
} ce_tolerance;

static ce_tolerance ce_tolerances(const xt_conf_case *c, const ce_setup *s) {
  const xt_conf_tensor *x = xt_conf_get(c, "logits"), *labels = xt_conf_get(c, "labels");
  const xt_conf_tensor *cw = xt_conf_get(c, "class_weights"), *pw = xt_conf_get(c, "pos_weight");
  const xt_conf_tensor *sw = xt_conf_get(c, "sample_weights"), *grad = xt_conf_get(c, "grad");
  int f64 = x->dtype == XENT_F64;
  double eps = f64 ? DBL_EPSILON : FLT_EPSILON;
  int64_t classes = x->shape[s->axis];
  double u = s->fn == CE_DENSE_FN    ? fmax(1.0, ce_max_row_sum(labels, s->axis))
             : s->fn == CE_SPARSE_FN ? 1.0
                                     : 2 * fmax(1.0, max_abs(labels));
  double gmax = max_abs(grad);
  ce_tolerance t;
  if (s->is_mpmath) {
    /* xent against the correctly rounded value: relative, except where the
     * gradient's terms cancel (4 ulps of |softmax T| + |u| in xent.h). */
    double tiny = f64 ? DBL_TRUE_MIN : FLT_TRUE_MIN, k = CE_K_MPMATH * eps;
    t.loss_rel = k, t.loss_abs = 2 * tiny;
    t.grad_rel = k, t.grad_abs = k * u * gmax + 2 * tiny;
    return t;
  }
  double tiny = f64 ? DBL_MIN : FLT_MIN; /* TensorFlow flushes subnormals */
  double scale = 1 + max_abs(x) + log1p((double)classes);
  double cwm = cw ? max_abs(cw) : 1, pwm = pw ? fmax(1.0, max_abs(pw)) : 1;
  int elementwise = s->fn == CE_SIGMOID_FN && !(s->o.flags & XENT_CE_MEAN_OVER_CLASSES);
  int64_t numel = 1;
  for (int i = 0; i < x->rank; i++) numel *= x->shape[i];
  double npos = elementwise ? (double)numel : classes ? (double)(numel / classes) : 0;
  double wl;
  if (s->o.reduction == XENT_REDUCTION_SUM)
    wl = (sw && sw->n ? ce_sum_abs(sw) * npos / (double)sw->n : npos) * cwm * pwm;
  else
    wl = (sw ? max_abs(sw) : 1) * cwm * pwm;
  double k = CE_K_PEER * eps;
  t.loss_rel = k, t.loss_abs = k * scale * u * wl + 2 * tiny;
  t.grad_rel = k, t.grad_abs = k * scale * u * gmax + 2 * tiny;
  return t;
}

static void ce_compare(const xt_conf_case *c, const xt_conf_tensor *want, const void *got,
                       double rel, double abs_tol, ce_stats *st) {
  for (int64_t i = 0; i < want->n; i++) {
    double have = want->dtype == XENT_F64 ? ((const double *)got)[i] : ((const float *)got)[i];
    st->values++;
    if (!xt_close(have, want->values[i], rel, abs_tol)) {
      st->failures++;
      xt_fail(__FILE__, __LINE__, "case %s (%s): %s[%lld] = %.17g, expected %.17g (tolerance %.3g)",
              c->name, c->source, want->role, (long long)i, have, want->values[i],
              abs_tol + rel * fabs(want->values[i]));
    }
  }
}

static const char *const ce_roles[] = {"logits", "labels", "class_weights", "pos_weight",
                                       "sample_weights", "mask", "lengths", "upstream"};
enum { CE_NROLES = 8 };

/* Runs one case whose tensors are in bufs (bufs[i] holds c->t[i]). */
static void ce_execute(const xt_conf_case *c, ce_setup *s, void *const *bufs, ce_stats *st) {
  xent_tensor_t in[CE_NROLES];
  int have[CE_NROLES] = {0}, want_loss = -1, want_grad = -1;
  for (int i = 0; i < c->ntensors; i++) {
    const xt_conf_tensor *t = &c->t[i];
    int r = 0;
    if (t->is_output) {
      if (!strcmp(t->role, "loss")) want_loss = i;
      else if (!strcmp(t->role, "grad")) want_grad = i;
      else r = -1;
    } else {
      while (r < CE_NROLES && strcmp(t->role, ce_roles[r])) r++;
      if (r < CE_NROLES) in[r] = xt_conf_tensor_of(t, bufs[i]), have[r] = 1;
    }
    if (r < 0 || r == CE_NROLES) {
      st->failures++;
      xt_fail(__FILE__, __LINE__, "case %s: unknown role %s", c->name, t->role);
      return;
    }
  }
  if (!have[0] || !have[1] || want_loss < 0 || want_grad < 0) {
    st->failures++;
    xt_fail(__FILE__, __LINE__, "case %s: logits, labels, loss or grad missing", c->name);
    return;
  }
  s->axis = s->o.axis < 0 ? s->o.axis + (int)in[0].rank : s->o.axis;
  const xent_tensor_t **slot[CE_NROLES] = {NULL, NULL, &s->o.class_weights, &s->o.pos_weight,
                                           &s->o.sample_weights, &s->o.mask, &s->o.lengths,
                                           &s->o.upstream};
  for (int r = 2; r < CE_NROLES; r++)
    if (have[r]) *slot[r] = &in[r];

  const xt_conf_tensor *wl = &c->t[want_loss], *wg = &c->t[want_grad];
  xent_tensor_t loss, grad;
  xent_tensor_init(&loss, bufs[want_loss], wl->dtype, wl->rank, wl->shape, NULL);
  xent_tensor_init(&grad, bufs[want_grad], wg->dtype, wg->rank, wg->shape, NULL);
  xent_status_t status;
  if (s->fn == CE_DENSE_FN)
    status = xent_softmax_cross_entropy(&in[0], &in[1], &s->o, &loss, &grad);
  else if (s->fn == CE_SPARSE_FN)
    status = xent_sparse_softmax_cross_entropy(&in[0], &in[1], &s->o, &loss, &grad);
  else
    status = xent_sigmoid_cross_entropy(&in[0], &in[1], &s->o, &loss, &grad);
  st->cases++;
  st->mpmath += s->is_mpmath;
  if (status != XENT_OK) {
    st->failures++;
    xt_fail(__FILE__, __LINE__, "case %s: returned %s: %s", c->name, xent_status_name(status),
            xent_last_error());
  } else if (s->skip_peer) {
    st->not_compared++; /* its _mpmath twin is compared instead */
  } else {
    ce_tolerance tol = ce_tolerances(c, s);
    ce_compare(c, wl, bufs[want_loss], tol.loss_rel, tol.loss_abs, st);
    ce_compare(c, wg, bufs[want_grad], tol.grad_rel, tol.grad_abs, st);
  }
}

static void ce_run_case(const xt_conf_case *c, ce_stats *st) {
  ce_setup s;
  memset(&s, 0, sizeof s);
  if (!ce_setup_params(c, &s)) {
    st->failures++;
    return;
  }
  s.is_mpmath = strncmp(c->source, "mpmath", 6) == 0;
  void *bufs[XT_CONF_MAX_TENSORS] = {0};
  for (int i = 0; i < c->ntensors; i++) bufs[i] = alloc_for(&c->t[i]);
  ce_execute(c, &s, bufs, st);
  for (int i = 0; i < c->ntensors; i++) free(bufs[i]);
}

void test_conformance_cross_entropy(void) {
  xt_conf_file *f = xt_conf_open("cross_entropy");
  XT_CHECK(f != NULL);
  if (!f) return;
  xt_conf_case c;
  ce_stats st = {0, 0, 0, 0, 0};
  int r;
  while ((r = xt_conf_next(f, &c)) == 1) {
    if (strcmp(c.op, "cross_entropy") != 0) {
      xt_fail(__FILE__, __LINE__, "case %s: unknown op %s", c.name, c.op);
      continue;
    }
    ce_run_case(&c, &st);
  }
  XT_CHECK(r == 0);
  XT_CHECK(st.cases > 100);
  XT_CHECK(st.mpmath > 0);
  printf("  conformance cross_entropy: %d cases (%d peer, %d mpmath; %d peer cases marked "
         "peer_loses_precision not compared), %d values, %d mismatches\n",
         st.cases, st.cases - st.mpmath, st.mpmath, st.not_compared, st.values, st.failures);
  xt_conf_close(f);
}
