/*
 * The losses on probabilities, focal, regression, segmentation and
 * distillation against the real peers (Keras, tf.compat.v1.losses, PyTorch,
 * optax): conformance/generate_losses.py -> conformance/data/losses.txt.
 *
 * Each case names its op and the xent options / params that reproduce the
 * peer call; its inputs are `pred` (the differentiated argument), `target`
 * and the option tensors; its outputs the peer's `loss` and `grad` with their
 * absolute error bars `loss_tol` and `grad_tol` (per element: K ulps of the
 * case's dtype times the size of the terms making the value, computed by the
 * generator from the documented formula; see its docstring). xent passes a
 * value when |xent - peer| <= the bar (NaN matches NaN, infinities must be
 * equal).
 */
#include "conformance_reader.h"
#include "harness.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  int cases, values, failures, skipped;
  double worst; /* largest |xent - peer| / bar, to show how much of the bar is used */
  char worst_case[200];
} loss_stats;

static int lookup(const char *s, const char *const *names, int n, int fallback) {
  if (!s) return fallback;
  for (int i = 0; i < n; i++)
    if (strcmp(s, names[i]) == 0) return i;
  return -1;
}

static int parse_options(const xt_conf_case *c, xent_ce_options_t *o) {
  static const char *const reductions[] = {"NONE", "SUM", "MEAN", "SUM_OVER_BATCH_SIZE",
                                           "SUM_BY_NONZERO_WEIGHTS"};
  static const char *const empties[] = {"ZERO", "NAN"};
  *o = xent_ce_options_default();
  o->axis = (int)xt_conf_param_num(c, "axis", -1);
  int r = lookup(xt_conf_param(c, "reduction"), reductions, 5, XENT_REDUCTION_MEAN);
  int e = lookup(xt_conf_param(c, "empty"), empties, 2, XENT_EMPTY_ZERO);
  if (r < 0 || e < 0) return 0;
  o->reduction = (xent_reduction_t)r;
  o->empty = (xent_empty_t)e;
  o->label_smoothing = xt_conf_param_num(c, "label_smoothing", 0);
  if (xt_conf_param(c, "ignore_index"))
    o->ignore_index = (int64_t)xt_conf_param_num(c, "ignore_index", 0);
  const char *flags = xt_conf_param(c, "flags");
  if (flags) {
    if (strstr(flags, "MEAN_OVER_CLASSES")) o->flags |= XENT_CE_MEAN_OVER_CLASSES;
    if (strstr(flags, "MPSE_TF_EAGER_COUNT")) o->flags |= XENT_MPSE_TF_EAGER_COUNT;
  }
  return 1;
}

static uint32_t parse_axes(const char *s) {
  if (!s || strcmp(s, "all") == 0) return 0;
  uint32_t bits = 0;
  for (const char *p = s; *p;) {
    char *end;
    long a = strtol(p, &end, 10);
    if (end == p) break;
    bits |= XENT_AXIS_BIT(a);
    p = *end == ',' ? end + 1 : end;
  }
  return bits;
}

static double value_at(const void *buf, xent_dtype_t dtype, int64_t i) {
  return dtype == XENT_F32 ? ((const float *)buf)[i] : ((const double *)buf)[i];
}

static void compare(const xt_conf_case *c, const char *what, const xt_conf_tensor *want,
                    const xt_conf_tensor *tol, const void *got, loss_stats *st) {
  for (int64_t i = 0; i < want->n; i++) {
    double have = value_at(got, want->dtype, i), w = want->values[i];
    double bar = tol && i < tol->n ? tol->values[i] : 0;
    int ok;
    if (isnan(w) || isnan(have))
      ok = isnan(w) && isnan(have);
    else if (isinf(w) || isinf(have))
      ok = have == w;
    else {
      ok = fabs(have - w) <= bar;
      double ratio = bar > 0 ? fabs(have - w) / bar : (have == w ? 0 : INFINITY);
      if (ratio > st->worst) {
        st->worst = ratio;
        snprintf(st->worst_case, sizeof st->worst_case, "%.120s %.8s[%lld]", c->name, what,
                 (long long)i);
      }
    }
    st->values++;
    if (!ok) {
      st->failures++;
      xt_fail(__FILE__, __LINE__, "case %s (%s): %s[%lld] = %.17g, peer gave %.17g (bar %.3g)",
              c->name, c->source, what, (long long)i, have, w, bar);
    }
  }
}

/* Storage for the case's tensors, freed at the end. */
typedef struct {
  void *bufs[8];
  int n;
} arena;

static xent_tensor_t input(arena *a, const xt_conf_tensor *t) {
  void *p = calloc((size_t)(t->n ? t->n : 1), 8);
  a->bufs[a->n++] = p;
  return xt_conf_tensor_of(t, p);
}

static void run_case(const xt_conf_case *c, loss_stats *st) {
  const xt_conf_tensor *pred = xt_conf_get(c, "pred"), *target = xt_conf_get(c, "target");
  const xt_conf_tensor *want_loss = xt_conf_get(c, "loss"), *want_grad = xt_conf_get(c, "grad");
  const xt_conf_tensor *cw = xt_conf_get(c, "class_weights"), *sw = xt_conf_get(c, "sample_weights");
  const xt_conf_tensor *mask = xt_conf_get(c, "mask"), *up = xt_conf_get(c, "upstream");
  xent_ce_options_t o;
  if (!pred || !target || !want_loss || !parse_options(c, &o)) {
    st->failures++;
    xt_fail(__FILE__, __LINE__, "case %s: malformed (missing tensors or bad options)", c->name);
    return;
  }
  arena a = {{0}, 0};
  xent_tensor_t tp = input(&a, pred), tt = input(&a, target), tcw, tsw, tm, tup;
  if (cw) tcw = input(&a, cw), o.class_weights = &tcw;
  if (sw) tsw = input(&a, sw), o.sample_weights = &tsw;
  if (mask) tm = input(&a, mask), o.mask = &tm;
  if (up) tup = input(&a, up), o.upstream = &tup;
  void *lbuf = calloc((size_t)(want_loss->n ? want_loss->n : 1), 8);
  void *gbuf = want_grad ? calloc((size_t)(want_grad->n ? want_grad->n : 1), 8) : NULL;
  xent_tensor_t tl, tg;
  xent_tensor_init(&tl, lbuf, want_loss->dtype, want_loss->rank, want_loss->shape, NULL);
  if (gbuf) xent_tensor_init(&tg, gbuf, want_grad->dtype, want_grad->rank, want_grad->shape, NULL);
  const xent_tensor_t *g = gbuf ? &tg : NULL;

  static const char *const modes[] = {"KERAS", "TORCH", "TF_V1"};
  static const char *const acts[] = {"NONE", "SOFTMAX", "SIGMOID"};
  const char *op = c->op;
  xent_status_t s = XENT_ERR_ARGUMENT;
  int known = 1;
  if (!strcmp(op, "binary_cross_entropy") || !strcmp(op, "categorical_cross_entropy") ||
      !strcmp(op, "sparse_categorical_cross_entropy")) {
    xent_prob_params_t p = xent_prob_params_default();
    p.mode = (xent_prob_mode_t)lookup(xt_conf_param(c, "mode"), modes, 3, XENT_PROB_KERAS);
    p.eps = xt_conf_param_num(c, "eps", 1e-7);
    p.from_logits = (int)xt_conf_param_num(c, "from_logits", 0);
    if (op[0] == 'b') s = xent_binary_cross_entropy(&tp, &tt, &p, &o, &tl, g);
    else if (op[0] == 'c') s = xent_categorical_cross_entropy(&tp, &tt, &p, &o, &tl, g);
    else s = xent_sparse_categorical_cross_entropy(&tp, &tt, &p, &o, &tl, g);
  } else if (!strcmp(op, "nll_loss")) {
    s = xent_nll_loss(&tp, &tt, &o, &tl, g);
  } else if (!strcmp(op, "binary_focal") || !strcmp(op, "categorical_focal")) {
    xent_focal_params_t p = xent_focal_params_default();
    p.gamma = xt_conf_param_num(c, "gamma", 2);
    p.alpha = xt_conf_param_num(c, "alpha", 0.25);
    p.apply_class_balancing = (int)xt_conf_param_num(c, "apply_class_balancing", 0);
    p.from_logits = (int)xt_conf_param_num(c, "from_logits", 0);
    p.eps = xt_conf_param_num(c, "eps", 1e-7);
    s = op[0] == 'b' ? xent_binary_focal_cross_entropy(&tp, &tt, &p, &o, &tl, g)
                     : xent_categorical_focal_cross_entropy(&tp, &tt, &p, &o, &tl, g);
  } else if (!strcmp(op, "mse")) {
    s = xent_mean_squared_error(&tp, &tt, &o, &tl, g);
  } else if (!strcmp(op, "mae")) {
    s = xent_mean_absolute_error(&tp, &tt, &o, &tl, g);
  } else if (!strcmp(op, "huber")) {
    s = xent_huber_loss(&tp, &tt, xt_conf_param_num(c, "delta", 1), &o, &tl, g);
  } else if (!strcmp(op, "mpse")) {
    s = xent_mean_pairwise_squared_error(&tp, &tt, &o, &tl, g);
  } else if (!strcmp(op, "dice") || !strcmp(op, "tversky")) {
    xent_overlap_params_t p = xent_overlap_params_default();
    p.alpha = xt_conf_param_num(c, "alpha", 0.5);
    p.beta = xt_conf_param_num(c, "beta", 0.5);
    p.smooth = xt_conf_param_num(c, "smooth", 0);
    p.eps = xt_conf_param_num(c, "eps", 1e-7);
    p.sum_axes = parse_axes(xt_conf_param(c, "sum_axes"));
    p.activation = (xent_activation_t)lookup(xt_conf_param(c, "activation"), acts, 3, 0);
    p.ignore_background = (int)xt_conf_param_num(c, "ignore_background", 0);
    s = op[0] == 'd' ? xent_dice_loss(&tp, &tt, &p, &o, &tl, g)
                     : xent_tversky_loss(&tp, &tt, &p, &o, &tl, g);
  } else if (!strcmp(op, "kl_divergence")) {
    s = xent_kl_divergence(&tp, &tt, xt_conf_param_num(c, "eps", 1e-7), &o, &tl, g);
  } else if (!strcmp(op, "distillation")) {
    s = xent_distillation_loss(&tp, &tt, xt_conf_param_num(c, "temperature", 1),
                               xt_conf_param_num(c, "eps", 0), &o, &tl, g);
  } else {
    known = 0;
  }
  if (!known) {
    st->failures++;
    xt_fail(__FILE__, __LINE__, "case %s: unknown op %s", c->name, op);
  } else if (s != XENT_OK) {
    st->failures++;
    xt_fail(__FILE__, __LINE__, "case %s: %s returned %s: %s", c->name, op, xent_status_name(s),
            xent_last_error());
  } else {
    st->cases++;
    compare(c, "loss", want_loss, xt_conf_get(c, "loss_tol"), lbuf, st);
    if (gbuf) compare(c, "grad", want_grad, xt_conf_get(c, "grad_tol"), gbuf, st);
  }
  free(lbuf);
  free(gbuf);
  for (int i = 0; i < a.n; i++) free(a.bufs[i]);
}

void test_conformance_losses(void) {
  xt_conf_file *f = xt_conf_open("losses");
  XT_CHECK(f != NULL);
  if (!f) return;
  xt_conf_case c;
  loss_stats st = {0, 0, 0, 0, 0, ""};
  int r;
  while ((r = xt_conf_next(f, &c)) == 1) run_case(&c, &st);
  XT_CHECK(r == 0);
  XT_CHECK(st.cases >= 200);
  printf("  conformance losses: %d cases, %d values, %d mismatches; worst |xent - peer| / bar = "
         "%.3g (%s)\n", st.cases, st.values, st.failures, st.worst, st.worst_case);
  xt_conf_close(f);
}
