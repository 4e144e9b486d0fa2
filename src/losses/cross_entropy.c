/*
 * The cross-entropy family on logits: option checking, positions, weights,
 * masks and reductions around the reference row kernels.
 *
 * Work is done in two sweeps. The first reads only labels, masks and weights:
 * it validates sparse labels (so an error writes nothing) and computes the
 * reduction's divisor, which never depends on the logits. The second computes
 * each position's loss and gradient in one go, already scaled by the divisor.
 */
#include "../core/internal.h"
#include "../kernels/kernels.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

typedef enum { CE_DENSE, CE_SPARSE, CE_SIGMOID } ce_kind;

/* Slots of the row iterator. */
enum { T_LOGITS, T_GRAD, T_LABELS, T_LOSS, T_WEIGHT, T_MASK, T_UPSTREAM, T_COUNT };

typedef struct {
  ce_kind kind;
  xent_ce_options_t o;
  const xent_tensor_t *logits, *labels, *loss, *grad;
  int axis;
  int elementwise; /* sigmoid without XENT_CE_MEAN_OVER_CLASSES */
  int scalar_loss; /* a reduction other than NONE */
  int64_t classes;
  xent_tensor_t weight_view; /* sample weights broadcast to positions/elements */
  const xent_tensor_t *group[T_COUNT];
  int group_axis[T_COUNT];
  double *class_w, *pos_w; /* per class, or NULL */
} ce_plan;

xent_ce_options_t xent_ce_options_default(void) {
  xent_ce_options_t o;
  memset(&o, 0, sizeof o);
  o.axis = -1;
  o.reduction = XENT_REDUCTION_MEAN;
  o.empty = XENT_EMPTY_ZERO;
  o.ignore_index = XENT_NO_IGNORE;
  return o;
}

/* Left-aligned broadcast of `src` to `shape` (rank `rank`): every extent of
 * src equals the target's or is 1; missing trailing axes are broadcast. */
static xent_status_t broadcast_left(const xent_tensor_t *src, const char *name,
                                    int rank, const int64_t *shape,
                                    xent_tensor_t *view) {
  if (src->rank > rank)
    return xent__fail(XENT_ERR_SHAPE, "%s has rank %d, more than the %d axes it weights",
                      name, (int)src->rank, rank);
  memset(view, 0, sizeof *view);
  view->data = src->data;
  view->dtype = src->dtype;
  view->rank = rank;
  for (int i = 0; i < rank; i++) {
    view->shape[i] = shape[i];
    if (i >= src->rank) continue; /* stride 0 */
    if (src->shape[i] == shape[i])
      view->strides[i] = src->strides[i];
    else if (src->shape[i] != 1)
      return xent__fail(XENT_ERR_SHAPE,
                        "%s.shape[%d] = %" PRId64 " cannot broadcast to %" PRId64,
                        name, i, src->shape[i], shape[i]);
  }
  return XENT_OK;
}

/* A per-class option tensor: (C,) or one element (pos_weight). */
static xent_status_t load_per_class(const xent_tensor_t *t, const char *name,
                                    int64_t classes, int allow_scalar,
                                    double *out) {
  XENT__TRY(xent__check_tensor(t, name));
  XENT__TRY(xent__require_float(t, name));
  int64_t n = xent_tensor_numel(t);
  if (allow_scalar && n == 1) {
    double v = xent__load(t->data, t->dtype);
    for (int64_t c = 0; c < classes; c++) out[c] = v;
    return XENT_OK;
  }
  if (t->rank != 1 || t->shape[0] != classes)
    return xent__fail(XENT_ERR_SHAPE, "%s must have shape (%" PRId64 ")%s, one per class",
                      name, classes, allow_scalar ? " or one element" : "");
  xent__gather(out, t->data, t->strides[0], classes, t->dtype);
  return XENT_OK;
}

static xent_status_t check_options(ce_plan *p) {
  const xent_ce_options_t *o = &p->o;
  if ((unsigned)o->reduction > XENT_REDUCTION_SUM_BY_NONZERO_WEIGHTS)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->reduction = %d is not a xent_reduction_t",
                      (int)o->reduction);
  if ((unsigned)o->empty > XENT_EMPTY_NAN)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->empty = %d is not a xent_empty_t",
                      (int)o->empty);
  if (!(o->label_smoothing >= 0 && o->label_smoothing <= 1))
    return xent__fail(XENT_ERR_ARGUMENT, "opts->label_smoothing = %g is outside [0, 1]",
                      o->label_smoothing);
  unsigned known = p->kind == CE_SIGMOID ? XENT_CE_MEAN_OVER_CLASSES : XENT_CE_TF_GRADIENT;
  if (o->flags & ~known)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->flags = %#x has bits that do not apply to %s",
                      o->flags, p->kind == CE_SIGMOID ? "sigmoid cross-entropy"
                                                       : "softmax cross-entropy");
  if (o->ignore_index != XENT_NO_IGNORE && p->kind != CE_SPARSE)
    return xent__fail(XENT_ERR_ARGUMENT,
                      "opts->ignore_index applies only to sparse (integer) labels");
  if (o->pos_weight && p->kind != CE_SIGMOID)
    return xent__fail(XENT_ERR_ARGUMENT,
                      "opts->pos_weight applies only to sigmoid cross-entropy");
  return XENT_OK;
}

/* Checks the tensors, resolves shapes and fills the iterator group. */
static xent_status_t plan_ce(ce_plan *p) {
  const xent_tensor_t *logits = p->logits, *labels = p->labels;
  XENT__TRY(check_options(p));
  XENT__TRY(xent__check_tensor(logits, "logits"));
  XENT__TRY(xent__require_float(logits, "logits"));
  XENT__TRY(xent__check_tensor(labels, "labels"));
  if (!p->loss && !p->grad)
    return xent__fail(XENT_ERR_NULL, "loss and grad are both NULL; nothing to compute");
  XENT__TRY(xent__resolve_axis(p->o.axis, logits->rank, "logits", &p->axis));
  int ax = p->axis;
  p->classes = logits->shape[ax];
  p->elementwise = p->kind == CE_SIGMOID && !(p->o.flags & XENT_CE_MEAN_OVER_CLASSES);
  p->scalar_loss = p->o.reduction != XENT_REDUCTION_NONE;

  /* labels */
  int labels_axis = ax;
  if (p->kind == CE_SPARSE) {
    if (!xent__is_integer(labels->dtype))
      return xent__fail(XENT_ERR_DTYPE, "labels has dtype %s; sparse labels are i32, i64 or u8",
                        xent_dtype_name(labels->dtype));
    XENT__TRY(xent__check_reduced_shape(logits, "logits", ax, labels, "labels",
                                        &labels_axis));
  } else {
    XENT__TRY(xent__require_float(labels, "labels"));
    XENT__TRY(xent__check_same_shape(logits, "logits", labels, "labels"));
  }

  /* the shape of the positions (logits without the class axis) */
  xent_tensor_t positions;
  memset(&positions, 0, sizeof positions);
  positions.rank = logits->rank - 1;
  for (int i = 0, j = 0; i < logits->rank; i++)
    if (i != ax) positions.shape[j++] = logits->shape[i];

  /* loss and grad */
  int loss_axis = -1;
  if (p->loss) {
    XENT__TRY(xent__check_output(p->loss, "loss"));
    XENT__TRY(xent__require_float(p->loss, "loss"));
    if (p->scalar_loss) {
      if (xent_tensor_numel(p->loss) != 1)
        return xent__fail(XENT_ERR_SHAPE,
                          "loss has %" PRId64 " elements; a reduced loss needs exactly one",
                          xent_tensor_numel(p->loss));
    } else if (p->elementwise) {
      XENT__TRY(xent__check_same_shape(logits, "logits", p->loss, "loss"));
      loss_axis = ax;
    } else {
      XENT__TRY(xent__check_reduced_shape(logits, "logits", ax, p->loss, "loss", &loss_axis));
    }
  }
  if (p->grad) {
    XENT__TRY(xent__check_output(p->grad, "grad"));
    XENT__TRY(xent__require_float(p->grad, "grad"));
    XENT__TRY(xent__check_same_shape(logits, "logits", p->grad, "grad"));
  }

  /* optional tensors */
  const xent_ce_options_t *o = &p->o;
  int weight_axis = -1;
  if (o->sample_weights) {
    XENT__TRY(xent__check_tensor(o->sample_weights, "opts->sample_weights"));
    XENT__TRY(xent__require_float(o->sample_weights, "opts->sample_weights"));
    if (p->elementwise) {
      XENT__TRY(broadcast_left(o->sample_weights, "opts->sample_weights", logits->rank,
                               logits->shape, &p->weight_view));
      weight_axis = ax;
    } else {
      XENT__TRY(broadcast_left(o->sample_weights, "opts->sample_weights", positions.rank,
                               positions.shape, &p->weight_view));
    }
  }
  if (o->mask) {
    XENT__TRY(xent__check_tensor(o->mask, "opts->mask"));
    if (o->mask->dtype != XENT_U8)
      return xent__fail(XENT_ERR_DTYPE, "opts->mask has dtype %s; expected u8",
                        xent_dtype_name(o->mask->dtype));
    XENT__TRY(xent__check_same_shape(&positions, "the positions (logits without the class axis)",
                                     o->mask, "opts->mask"));
  }
  if (o->lengths) {
    XENT__TRY(xent__check_tensor(o->lengths, "opts->lengths"));
    if (o->lengths->dtype != XENT_I32 && o->lengths->dtype != XENT_I64)
      return xent__fail(XENT_ERR_DTYPE, "opts->lengths has dtype %s; expected i32 or i64",
                        xent_dtype_name(o->lengths->dtype));
    if (positions.rank < 2)
      return xent__fail(XENT_ERR_SHAPE,
                        "opts->lengths needs positions with a batch and a time axis, "
                        "but logits has only %d axes besides the class axis",
                        (int)positions.rank);
    if (o->lengths->rank != 1 || o->lengths->shape[0] != positions.shape[0])
      return xent__fail(XENT_ERR_SHAPE, "opts->lengths must have shape (%" PRId64 ")",
                        positions.shape[0]);
  }
  int upstream_axis = -1;
  if (o->upstream) {
    XENT__TRY(xent__check_tensor(o->upstream, "opts->upstream"));
    XENT__TRY(xent__require_float(o->upstream, "opts->upstream"));
    if (p->scalar_loss) {
      if (xent_tensor_numel(o->upstream) != 1)
        return xent__fail(XENT_ERR_SHAPE, "opts->upstream must have one element for a "
                          "reduced loss");
    } else if (p->elementwise) {
      XENT__TRY(xent__check_same_shape(logits, "logits", o->upstream, "opts->upstream"));
      upstream_axis = ax;
    } else {
      XENT__TRY(xent__check_reduced_shape(logits, "logits", ax, o->upstream,
                                          "opts->upstream", &upstream_axis));
    }
  }

  /* The iterator group; absent tensors are stood in for by logits and never read. */
  const xent_tensor_t *g[T_COUNT] = {
      logits, p->grad ? p->grad : logits, labels,
      p->loss && !p->scalar_loss ? p->loss : logits,
      o->sample_weights ? &p->weight_view : logits, o->mask ? o->mask : logits,
      o->upstream && !p->scalar_loss ? o->upstream : logits};
  int a[T_COUNT] = {ax, ax, labels_axis,
                    p->loss && !p->scalar_loss ? loss_axis : ax,
                    o->sample_weights ? weight_axis : ax, o->mask ? -1 : ax,
                    o->upstream && !p->scalar_loss ? upstream_axis : ax};
  memcpy(p->group, g, sizeof g);
  memcpy(p->group_axis, a, sizeof a);
  return XENT_OK;
}

/* Is the current position counted (not masked, not ignored)? Reads the sparse
 * label into *label. */
static int position_counted(const ce_plan *p, const xent__rows *it, int64_t *label) {
  const xent_ce_options_t *o = &p->o;
  if (o->mask && *(const uint8_t *)it->ptr[T_MASK] == 0) return 0;
  if (o->lengths) {
    const char *base = o->lengths->data;
    int64_t n = it->index[0], t = it->index[1];
    int64_t len = xent__load_index(
        base + n * o->lengths->strides[0] * (int64_t)xent_dtype_size(o->lengths->dtype),
        o->lengths->dtype);
    if (t >= len) return 0;
  }
  if (p->kind == CE_SPARSE) {
    *label = xent__load_index(it->ptr[T_LABELS], p->labels->dtype);
    if (*label == o->ignore_index) return 0;
  }
  return 1;
}

static double sample_weight_at(const ce_plan *p, const char *ptr) {
  return p->o.sample_weights ? xent__load(ptr, p->weight_view.dtype) : 1.0;
}

typedef struct {
  double weight_sum;  /* MEAN             */
  int64_t positions;  /* SUM_OVER_BATCH_SIZE without masking */
  int64_t counted;    /* ... with masking */
  int64_t nonzero;    /* SUM_BY_NONZERO_WEIGHTS */
} ce_counts;

/* First sweep: validate labels, and count what the reduction divides by. */
static xent_status_t count_positions(const ce_plan *p, ce_counts *k) {
  xent__rows it;
  xent__rows_init(&it, T_COUNT, p->group, p->axis, p->group_axis);
  memset(k, 0, sizeof *k);
  xent_ref_sum weights = {0, 0};
  int64_t per_position = p->elementwise ? p->classes : 1;
  int64_t wstep = it.row_stride[T_WEIGHT] * (int64_t)xent_dtype_size(p->weight_view.dtype);
  for (int64_t r = 0; r < it.count; r++) {
    if (r) xent__rows_next(&it);
    k->positions += per_position;
    int64_t label = 0;
    if (!position_counted(p, &it, &label)) continue;
    if (p->kind == CE_SPARSE && (label < 0 || label >= p->classes)) {
      char where[160];
      return xent__fail(XENT_ERR_INDEX, "labels%s = %" PRId64 " is outside [0, %" PRId64 ")",
                        xent__rows_where(&it, where, sizeof where), label, p->classes);
    }
    k->counted += per_position;
    for (int64_t c = 0; c < per_position; c++) {
      double w = sample_weight_at(p, it.ptr[T_WEIGHT] + c * wstep);
      if (p->kind == CE_SPARSE && p->class_w) w *= p->class_w[label];
      xent_ref_sum_add(&weights, w);
      if (sample_weight_at(p, it.ptr[T_WEIGHT] + c * wstep) != 0) k->nonzero++;
    }
  }
  k->weight_sum = xent_ref_sum_value(&weights);
  return XENT_OK;
}

static double divisor_of(const ce_plan *p, const ce_counts *k) {
  int masking = p->o.mask || p->o.lengths || p->o.ignore_index != XENT_NO_IGNORE;
  switch (p->o.reduction) {
    case XENT_REDUCTION_MEAN: return k->weight_sum;
    case XENT_REDUCTION_SUM_OVER_BATCH_SIZE:
      return (double)(masking ? k->counted : k->positions);
    case XENT_REDUCTION_SUM_BY_NONZERO_WEIGHTS: return (double)k->nonzero;
    default: return 1.0;
  }
}

static void zero_row(char *ptr, int64_t stride, int64_t n, xent_dtype_t dtype) {
  int64_t step = stride * (int64_t)xent_dtype_size(dtype);
  for (int64_t i = 0; i < n; i++) xent__store(ptr + i * step, dtype, 0.0);
}

/* Second sweep: per-position loss and gradient. `scale` multiplies the
 * gradient of every position (upstream / divisor); for NONE, the position's
 * upstream value multiplies it instead. Returns the sum of the weighted
 * losses through *total. */
static xent_status_t sweep(const ce_plan *p, double scale, double *total) {
  xent__rows it;
  xent__rows_init(&it, T_COUNT, p->group, p->axis, p->group_axis);
  int64_t n = p->classes;
  xent__scratch s;
  XENT__TRY(xent__scratch_get(&s, 5 * (n ? n : 1), "cross-entropy"));
  double *x = s.p, *u = s.p + n, *g = s.p + 2 * n, *work = s.p + 3 * n;
  const xent_ce_options_t *o = &p->o;
  double a = o->label_smoothing;
  int tf_gradient = (o->flags & XENT_CE_TF_GRADIENT) != 0;
  xent_ref_sum sum = {0, 0};
  int64_t wstep = it.row_stride[T_WEIGHT] * (int64_t)xent_dtype_size(p->weight_view.dtype);
  int64_t lstep = p->loss && !p->scalar_loss
                      ? it.row_stride[T_LOSS] * (int64_t)xent_dtype_size(p->loss->dtype) : 0;
  int64_t ustep = o->upstream && !p->scalar_loss
                      ? it.row_stride[T_UPSTREAM] * (int64_t)xent_dtype_size(o->upstream->dtype)
                      : 0;

  for (int64_t r = 0; r < it.count; r++) {
    if (r) xent__rows_next(&it);
    int64_t label = 0;
    int counted = position_counted(p, &it, &label);
    int64_t per_position = p->elementwise ? n : 1;
    if (!counted) {
      if (p->grad) zero_row(it.ptr[T_GRAD], it.row_stride[T_GRAD], n, p->grad->dtype);
      if (p->loss && !p->scalar_loss)
        zero_row(it.ptr[T_LOSS], it.row_stride[T_LOSS], per_position, p->loss->dtype);
      continue;
    }
    xent__gather(x, it.ptr[T_LOGITS], it.row_stride[T_LOGITS], n, p->logits->dtype);

    if (p->kind == CE_SIGMOID) {
      xent__gather(u, it.ptr[T_LABELS], it.row_stride[T_LABELS], n, p->labels->dtype);
      xent_ref_sum row = {0, 0};
      for (int64_t c = 0; c < n; c++) {
        double sw = sample_weight_at(p, it.ptr[T_WEIGHT] + (p->elementwise ? c * wstep : 0));
        double up = o->upstream && !p->scalar_loss
                        ? xent__load(it.ptr[T_UPSTREAM] + (p->elementwise ? c * ustep : 0),
                                     o->upstream->dtype)
                        : 1.0;
        double cw = (p->class_w ? p->class_w[c] : 1.0) * sw;
        double y = a ? u[c] * (1 - a) + a / 2 : u[c];
        double gc = 0, lc = 0;
        if (cw != 0) {
          lc = cw * xent_ref_sigmoid_ce(x[c], y, p->pos_w ? p->pos_w[c] : 1.0, &gc);
          gc *= cw;
        }
        if (p->elementwise) {
          g[c] = gc * scale * up;
          if (p->loss && !p->scalar_loss) xent__store(it.ptr[T_LOSS] + c * lstep, p->loss->dtype, lc);
          xent_ref_sum_add(&sum, lc);
        } else {
          g[c] = gc * scale * up / (double)n;
          xent_ref_sum_add(&row, lc);
        }
      }
      if (!p->elementwise) {
        double lrow = xent_ref_sum_value(&row) / (double)n;
        if (p->loss && !p->scalar_loss) xent__store(it.ptr[T_LOSS], p->loss->dtype, lrow);
        xent_ref_sum_add(&sum, lrow);
      }
    } else {
      double sw = sample_weight_at(p, it.ptr[T_WEIGHT]);
      double up = o->upstream && !p->scalar_loss
                      ? xent__load(it.ptr[T_UPSTREAM], o->upstream->dtype) : 1.0;
      if (p->kind == CE_DENSE) {
        xent__gather(u, it.ptr[T_LABELS], it.row_stride[T_LABELS], n, p->labels->dtype);
        for (int64_t c = 0; c < n; c++) {
          double y = a ? u[c] * (1 - a) + a / (double)n : u[c];
          u[c] = p->class_w ? p->class_w[c] * y : y;
        }
      } else {
        double cy = p->class_w ? p->class_w[label] : 1.0;
        for (int64_t c = 0; c < n; c++)
          u[c] = a ? (a / (double)n) * (p->class_w ? p->class_w[c] : 1.0) : 0.0;
        u[label] += (1 - a) * cy;
      }
      double l = 0;
      if (sw != 0) {
        l = sw * xent_ref_softmax_ce_row(x, u, p->grad ? g : NULL, n, tf_gradient, work);
        for (int64_t c = 0; c < n && p->grad; c++) g[c] *= sw * scale * up;
      } else if (p->grad) {
        for (int64_t c = 0; c < n; c++) g[c] = 0;
      }
      if (p->loss && !p->scalar_loss) xent__store(it.ptr[T_LOSS], p->loss->dtype, l);
      xent_ref_sum_add(&sum, l);
    }
    if (p->grad) xent__scatter(it.ptr[T_GRAD], it.row_stride[T_GRAD], g, n, p->grad->dtype);
  }
  xent__scratch_free(&s);
  *total = xent_ref_sum_value(&sum);
  return XENT_OK;
}

static xent_status_t run_ce(ce_kind kind, const xent_tensor_t *logits,
                            const xent_tensor_t *labels, const xent_ce_options_t *opts,
                            const xent_tensor_t *loss, const xent_tensor_t *grad) {
  xent__clear_error();
  ce_plan p;
  memset(&p, 0, sizeof p);
  p.kind = kind;
  p.o = opts ? *opts : xent_ce_options_default();
  p.logits = logits, p.labels = labels, p.loss = loss, p.grad = grad;
  XENT__TRY(plan_ce(&p));

  xent__scratch cw, pw;
  cw.p = pw.p = NULL;
  xent_status_t st = XENT_OK;
  int64_t classes = p.classes ? p.classes : 1;
  if (p.o.class_weights) {
    st = xent__scratch_get(&cw, classes, "class weights");
    if (st == XENT_OK)
      st = load_per_class(p.o.class_weights, "opts->class_weights", p.classes, 0, cw.p);
    p.class_w = cw.p;
  }
  if (st == XENT_OK && p.o.pos_weight) {
    st = xent__scratch_get(&pw, classes, "pos_weight");
    if (st == XENT_OK)
      st = load_per_class(p.o.pos_weight, "opts->pos_weight", p.classes, 1, pw.p);
    p.pos_w = pw.p;
  }

  ce_counts counts;
  if (st == XENT_OK) st = count_positions(&p, &counts);
  if (st == XENT_OK) {
    double divisor = divisor_of(&p, &counts);
    double upstream = p.o.upstream && p.scalar_loss
                          ? xent__load(p.o.upstream->data, p.o.upstream->dtype) : 1.0;
    int empty = p.scalar_loss && divisor == 0;
    /* An empty mean has gradient 0 everywhere: sweep with scale 0. */
    double scale = !p.scalar_loss ? 1.0 : empty ? 0.0 : upstream / divisor;
    double total = 0;
    st = sweep(&p, scale, &total);
    if (st == XENT_OK && loss && p.scalar_loss) {
      double value = empty ? (p.o.empty == XENT_EMPTY_NAN ? NAN : 0.0) : total / divisor;
      xent__store(loss->data, loss->dtype, value);
    }
  }
  if (cw.p) xent__scratch_free(&cw);
  if (pw.p) xent__scratch_free(&pw);
  return st;
}

xent_status_t xent_softmax_cross_entropy(const xent_tensor_t *logits,
                                         const xent_tensor_t *labels,
                                         const xent_ce_options_t *opts,
                                         const xent_tensor_t *loss,
                                         const xent_tensor_t *grad) {
  return run_ce(CE_DENSE, logits, labels, opts, loss, grad);
}

xent_status_t xent_sparse_softmax_cross_entropy(const xent_tensor_t *logits,
                                                const xent_tensor_t *labels,
                                                const xent_ce_options_t *opts,
                                                const xent_tensor_t *loss,
                                                const xent_tensor_t *grad) {
  return run_ce(CE_SPARSE, logits, labels, opts, loss, grad);
}

xent_status_t xent_sigmoid_cross_entropy(const xent_tensor_t *logits,
                                         const xent_tensor_t *labels,
                                         const xent_ce_options_t *opts,
                                         const xent_tensor_t *loss,
                                         const xent_tensor_t *grad) {
  return run_ce(CE_SIGMOID, logits, labels, opts, loss, grad);
}
