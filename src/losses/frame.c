/*
 * The loss frame (see frame.h). Two sweeps over the positions: the first
 * reads only labels, masks and weights (validating labels, so an error writes
 * nothing, and computing the reduction's divisor); the second computes each
 * counted position's loss and gradient, already scaled by the divisor.
 */
#include "frame.h"

#include "../kernels/kernels.h"

#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>

/* Slots of the row iterator. */
enum { T_PRED, T_GRAD, T_TARGET, T_LOSS, T_WEIGHT, T_MASK, T_UPSTREAM, T_COUNT };

typedef struct {
  const xent__loss_spec *s;
  const xent_ce_options_t *o;
  int axis;
  int64_t classes;
  int scalar_loss;
  xent_tensor_t weight_view; /* sample weights broadcast to positions/elements */
  const xent_tensor_t *group[T_COUNT];
  int group_axis[T_COUNT];
} frame;

xent_status_t xent__check_common_options(const xent_ce_options_t *o) {
  if ((unsigned)o->reduction > XENT_REDUCTION_SUM_BY_NONZERO_WEIGHTS)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->reduction = %d is not a xent_reduction_t",
                      (int)o->reduction);
  if ((unsigned)o->empty > XENT_EMPTY_NAN)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->empty = %d is not a xent_empty_t",
                      (int)o->empty);
  return XENT_OK;
}

xent_status_t xent__load_per_class(const xent_tensor_t *t, const char *name,
                                   int64_t classes, int allow_scalar, double *out) {
  XENT__TRY(xent__check_tensor(t, name));
  XENT__TRY(xent__require_float(t, name));
  if (allow_scalar && xent_tensor_numel(t) == 1) {
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

/* Checks the tensors, resolves shapes and fills the iterator group. */
static xent_status_t plan(frame *f) {
  const xent__loss_spec *s = f->s;
  const xent_ce_options_t *o = f->o;
  const xent_tensor_t *pred = s->pred, *target = s->target;
  XENT__TRY(xent__check_common_options(o));
  XENT__TRY(xent__check_tensor(pred, s->pred_name));
  XENT__TRY(xent__require_float(pred, s->pred_name));
  XENT__TRY(xent__check_tensor(target, s->target_name));
  if (!s->loss && !s->grad)
    return xent__fail(XENT_ERR_NULL, "loss and grad are both NULL; nothing to compute");
  XENT__TRY(xent__resolve_axis(o->axis, pred->rank, s->pred_name, &f->axis));
  int ax = f->axis;
  f->classes = pred->shape[ax];
  f->scalar_loss = o->reduction != XENT_REDUCTION_NONE;

  int target_axis = ax;
  if (s->target_kind == XENT__TARGET_SPARSE) {
    if (!xent__is_integer(target->dtype))
      return xent__fail(XENT_ERR_DTYPE, "%s has dtype %s; sparse labels are i32, i64 or u8",
                        s->target_name, xent_dtype_name(target->dtype));
    XENT__TRY(xent__check_reduced_shape(pred, s->pred_name, ax, target, s->target_name,
                                        &target_axis));
  } else {
    XENT__TRY(xent__require_float(target, s->target_name));
    XENT__TRY(xent__check_same_shape(pred, s->pred_name, target, s->target_name));
    if (o->ignore_index != XENT_NO_IGNORE)
      return xent__fail(XENT_ERR_ARGUMENT,
                        "opts->ignore_index applies only to sparse (integer) labels");
  }

  /* the positions' shape: the predictions without the class axis */
  xent_tensor_t positions;
  memset(&positions, 0, sizeof positions);
  positions.rank = pred->rank - 1;
  for (int i = 0, j = 0; i < pred->rank; i++)
    if (i != ax) positions.shape[j++] = pred->shape[i];

  int loss_axis = -1;
  if (s->loss) {
    XENT__TRY(xent__check_output(s->loss, "loss"));
    XENT__TRY(xent__require_float(s->loss, "loss"));
    if (f->scalar_loss) {
      if (xent_tensor_numel(s->loss) != 1)
        return xent__fail(XENT_ERR_SHAPE,
                          "loss has %" PRId64 " elements; a reduced loss needs exactly one",
                          xent_tensor_numel(s->loss));
    } else if (s->elementwise) {
      XENT__TRY(xent__check_same_shape(pred, s->pred_name, s->loss, "loss"));
      loss_axis = ax;
    } else {
      XENT__TRY(xent__check_reduced_shape(pred, s->pred_name, ax, s->loss, "loss", &loss_axis));
    }
  }
  if (s->grad) {
    XENT__TRY(xent__check_output(s->grad, "grad"));
    XENT__TRY(xent__require_float(s->grad, "grad"));
    XENT__TRY(xent__check_same_shape(pred, s->pred_name, s->grad, "grad"));
  }

  int weight_axis = -1;
  if (o->sample_weights) {
    XENT__TRY(xent__check_tensor(o->sample_weights, "opts->sample_weights"));
    XENT__TRY(xent__require_float(o->sample_weights, "opts->sample_weights"));
    if (s->elementwise) {
      XENT__TRY(xent__broadcast_left(o->sample_weights, "opts->sample_weights", pred->rank,
                               pred->shape, &f->weight_view));
      weight_axis = ax;
    } else {
      XENT__TRY(xent__broadcast_left(o->sample_weights, "opts->sample_weights", positions.rank,
                               positions.shape, &f->weight_view));
    }
  }
  if (o->mask) {
    XENT__TRY(xent__check_tensor(o->mask, "opts->mask"));
    if (o->mask->dtype != XENT_U8)
      return xent__fail(XENT_ERR_DTYPE, "opts->mask has dtype %s; expected u8",
                        xent_dtype_name(o->mask->dtype));
    XENT__TRY(xent__check_same_shape(&positions,
                                     "the positions (predictions without the class axis)",
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
                        "but %s has only %d axes besides the class axis",
                        s->pred_name, (int)positions.rank);
    if (o->lengths->rank != 1 || o->lengths->shape[0] != positions.shape[0])
      return xent__fail(XENT_ERR_SHAPE, "opts->lengths must have shape (%" PRId64 ")",
                        positions.shape[0]);
  }
  int upstream_axis = -1;
  if (o->upstream) {
    XENT__TRY(xent__check_tensor(o->upstream, "opts->upstream"));
    XENT__TRY(xent__require_float(o->upstream, "opts->upstream"));
    if (f->scalar_loss) {
      if (xent_tensor_numel(o->upstream) != 1)
        return xent__fail(XENT_ERR_SHAPE,
                          "opts->upstream must have one element for a reduced loss");
    } else if (s->elementwise) {
      XENT__TRY(xent__check_same_shape(pred, s->pred_name, o->upstream, "opts->upstream"));
      upstream_axis = ax;
    } else {
      XENT__TRY(xent__check_reduced_shape(pred, s->pred_name, ax, o->upstream,
                                          "opts->upstream", &upstream_axis));
    }
  }

  /* Absent tensors are stood in for by the predictions and never read. */
  int per_position_loss = s->loss && !f->scalar_loss;
  int per_position_up = o->upstream && !f->scalar_loss;
  const xent_tensor_t *g[T_COUNT] = {pred,
                                     s->grad ? s->grad : pred,
                                     target,
                                     per_position_loss ? s->loss : pred,
                                     o->sample_weights ? &f->weight_view : pred,
                                     o->mask ? o->mask : pred,
                                     per_position_up ? o->upstream : pred};
  int a[T_COUNT] = {ax, ax, target_axis, per_position_loss ? loss_axis : ax,
                    o->sample_weights ? weight_axis : ax, o->mask ? -1 : ax,
                    per_position_up ? upstream_axis : ax};
  memcpy(f->group, g, sizeof g);
  memcpy(f->group_axis, a, sizeof a);
  return XENT_OK;
}

/* Is the current position counted (not masked, not ignored)? Reads the
 * sparse label into *label. */
static int position_counted(const frame *f, const xent__rows *it, int64_t *label) {
  const xent_ce_options_t *o = f->o;
  if (o->mask && *(const uint8_t *)it->ptr[T_MASK] == 0) return 0;
  if (o->lengths) {
    int64_t n = it->index[0], t = it->index[1];
    const char *p = (const char *)o->lengths->data +
                    n * o->lengths->strides[0] * (int64_t)xent_dtype_size(o->lengths->dtype);
    if (t >= xent__load_index(p, o->lengths->dtype)) return 0;
  }
  if (f->s->target_kind == XENT__TARGET_SPARSE) {
    *label = xent__load_index(it->ptr[T_TARGET], f->s->target->dtype);
    if (*label == o->ignore_index) return 0;
  }
  return 1;
}

static double weight_at(const frame *f, const char *ptr) {
  return f->o->sample_weights ? xent__load(ptr, f->weight_view.dtype) : 1.0;
}

/* How many of `rows` adjacent i32 or i64 labels are not `ignore`, when all
 * of those are in [0, classes); -1 otherwise (another dtype, or a label to
 * name in an error). Without branches: at small C a scan label by label
 * costs about as much as the loss itself. */
static int64_t count_labels(const char *lab, xent_dtype_t dtype, int64_t rows, int64_t classes,
                            int64_t ignore) {
  int64_t counted = 0;
  int bad = 0;
  if (dtype == XENT_I64) {
    const int64_t *l = (const int64_t *)lab;
    for (int64_t r = 0; r < rows; r++) {
      int keep = l[r] != ignore;
      counted += keep;
      bad |= keep & ((uint64_t)l[r] >= (uint64_t)classes);
    }
  } else if (dtype == XENT_I32) {
    const int32_t *l = (const int32_t *)lab;
    for (int64_t r = 0; r < rows; r++) {
      int keep = l[r] != ignore;
      counted += keep;
      bad |= keep & ((uint64_t)(int64_t)l[r] >= (uint64_t)classes);
    }
  } else {
    return -1;
  }
  return bad ? -1 : counted;
}

/* The first sweep without masks, lengths or sample weights, over adjacent
 * labels: a scan of the label array. */
static xent_status_t divisor_plain(const frame *f, const xent__rows *it, double *out) {
  const xent__loss_spec *s = f->s;
  const xent_ce_options_t *o = f->o;
  const char *lab = it->ptr[T_TARGET];
  size_t lsize = xent_dtype_size(s->target->dtype);
  int64_t fast = s->label_weights ? -1
                                  : count_labels(lab, s->target->dtype, it->count, f->classes,
                                                 o->ignore_index);
  int64_t counted = fast >= 0 ? fast : 0;
  xent_ref_sum weights = {0, 0};
  for (int64_t r = 0; fast < 0 && r < it->count; r++) {
    int64_t label = xent__load_index(lab + (size_t)r * lsize, s->target->dtype);
    if (label == o->ignore_index) continue;
    if (label < 0 || label >= f->classes) {
      xent__rows at = *it;
      char where[160];
      xent__rows_seek(&at, r);
      return xent__fail(XENT_ERR_INDEX, "%s%s = %" PRId64 " is outside [0, %" PRId64 ")",
                        s->target_name, xent__rows_where(&at, where, sizeof where), label,
                        f->classes);
    }
    counted++;
    if (s->label_weights) xent_ref_sum_add(&weights, s->label_weights[label]);
  }
  int masking = o->ignore_index != XENT_NO_IGNORE;
  switch (o->reduction) {
    case XENT_REDUCTION_MEAN:
      *out = s->label_weights ? xent_ref_sum_value(&weights) : (double)counted;
      break;
    case XENT_REDUCTION_SUM_OVER_BATCH_SIZE: *out = (double)(masking ? counted : it->count); break;
    case XENT_REDUCTION_SUM_BY_NONZERO_WEIGHTS: *out = (double)counted; break;
    default: *out = 1.0; break;
  }
  return XENT_OK;
}

/* First sweep: validate labels, and compute what the reduction divides by. */
static xent_status_t divisor(const frame *f, double *out) {
  const xent__loss_spec *s = f->s;
  xent__rows it;
  xent__rows_init(&it, T_COUNT, f->group, f->axis, f->group_axis);
  const xent_ce_options_t *opt = f->o;
  if (s->target_kind == XENT__TARGET_SPARSE && !s->elementwise && !opt->mask &&
      !opt->lengths && !opt->sample_weights &&
      xent__rows_adjacent(&it, T_TARGET, xent_dtype_size(s->target->dtype), 1))
    return divisor_plain(f, &it, out);
  xent_ref_sum weights = {0, 0};
  int64_t positions = 0, counted = 0, nonzero = 0;
  int64_t per_position = s->elementwise ? f->classes : 1;
  int64_t wstep = it.row_stride[T_WEIGHT] * (int64_t)xent_dtype_size(f->weight_view.dtype);
  /* Dense targets with nothing that drops or weighs a position: every element
   * counts once with weight 1, so they need not be visited (a serial pass over
   * every element would cost as much as the loss itself). */
  int all_count = s->target_kind != XENT__TARGET_SPARSE && !opt->mask && !opt->lengths &&
                  !opt->sample_weights && !s->label_weights;
  if (all_count) {
    positions = counted = nonzero = it.count * per_position;
    xent_ref_sum_add(&weights, (double)counted);
  }
  for (int64_t r = 0; !all_count && r < it.count; r++) {
    if (r) xent__rows_next(&it);
    positions += per_position;
    int64_t label = 0;
    if (!position_counted(f, &it, &label)) continue;
    if (s->target_kind == XENT__TARGET_SPARSE && (label < 0 || label >= f->classes)) {
      char where[160];
      return xent__fail(XENT_ERR_INDEX, "%s%s = %" PRId64 " is outside [0, %" PRId64 ")",
                        s->target_name, xent__rows_where(&it, where, sizeof where), label,
                        f->classes);
    }
    counted += per_position;
    double factor = s->label_weights ? s->label_weights[label] : 1.0;
    for (int64_t c = 0; c < per_position; c++) {
      double w = weight_at(f, it.ptr[T_WEIGHT] + c * wstep);
      xent_ref_sum_add(&weights, w * factor);
      if (w != 0) nonzero++;
    }
  }
  const xent_ce_options_t *o = f->o;
  int masking = o->mask || o->lengths || o->ignore_index != XENT_NO_IGNORE;
  switch (o->reduction) {
    case XENT_REDUCTION_MEAN: *out = xent_ref_sum_value(&weights); break;
    case XENT_REDUCTION_SUM_OVER_BATCH_SIZE: *out = (double)(masking ? counted : positions); break;
    case XENT_REDUCTION_SUM_BY_NONZERO_WEIGHTS: *out = (double)nonzero; break;
    default: *out = 1.0; break;
  }
  return XENT_OK;
}

static void store_zeros(char *ptr, int64_t stride, int64_t n, xent_dtype_t dtype) {
  int64_t step = stride * (int64_t)xent_dtype_size(dtype);
  for (int64_t i = 0; i < n; i++) xent__store(ptr + i * step, dtype, 0.0);
}

/* Second sweep: per-position loss and gradient, in tasks of whole rows.
 * `scale` multiplies every gradient (upstream / divisor); for NONE, each
 * position's (or element's) upstream value does. Each task leaves the sum of
 * its weighted losses in partial[task]. */
typedef struct {
  const frame *f;
  double scale;
  xent__rows rows; /* at row 0; each task copies and seeks it */
  int64_t rows_per_task;
  double *partial;
  int (*fast)(const float *, int64_t, float *, double, int64_t, double *, xent__stream *);
  int (*fast64)(const double *, int64_t, double *, double, int64_t, double *); /* the same, f64 */
  /* the fast kernel for runs of plain rows (NULL: row by row) */
  int64_t (*fast_rows)(const float *, const int64_t *, float *, double, int64_t, int64_t,
                       double *);
  int stream; /* gradients too large for the caches: non-temporal stores */
  xent__row_buffers buffers; /* the stream kernels' row buffers */
  unsigned (*small)(const float *, const int32_t *, float *, const float *, int64_t, double *);
  int block;
  int plain;     /* see sweep_small_task */
  int flat_rows; /* the flat kernel row by row, for strided element-wise rows */
  int (*dense)(const float *, const float *, float *, double, int64_t, int, double *);
  atomic_int failed;
} sweep_job;

/* Scratch for the reference path: predictions, targets, gradient and losses
 * of a row, per-element weights and upstream factors (element-wise losses
 * only), and the row function's work space. Returns 0 if allocation fails. */
static int take_buffers(const xent__loss_spec *s, int64_t room, xent__scratch *buf,
                        double **x, double **t, double **g, double **l, double **work,
                        double **wp, double **upp) {
  if (xent__scratch_get(buf, (6 + s->work_per_class) * room, "the loss")) return 0;
  *x = buf->p, *t = *x + room, *g = *t + room, *l = *g + room;
  if (s->elementwise) *wp = *l + room, *upp = *wp + room;
  *work = *l + 3 * room;
  return 1;
}

typedef struct {
  double *x, *t, *g, *l, *work;
} ref_buffers;

/* One counted position through the loss's row function: ptr and stride are
 * the position's pointers and row strides in the iterator's slots, wp and
 * upp its weights and upstream factors (one, or one per element). */
static void reference_position(const sweep_job *j, char *const *ptr, const int64_t *stride,
                               int64_t label, const double *wp, const double *upp,
                               const ref_buffers *b, xent_ref_sum *sum) {
  const frame *f = j->f;
  const xent__loss_spec *s = f->s;
  int64_t n = f->classes, per_position = s->elementwise ? n : 1;
  int per_position_loss = s->loss && !f->scalar_loss;
  int64_t lstep = per_position_loss ? stride[T_LOSS] * (int64_t)xent_dtype_size(s->loss->dtype) : 0;
  xent__gather(b->x, ptr[T_PRED], stride[T_PRED], n, s->pred->dtype);
  if (s->target_kind == XENT__TARGET_DENSE)
    xent__gather(b->t, ptr[T_TARGET], stride[T_TARGET], n, s->target->dtype);
  s->row(s->ctx, b->x, s->target_kind == XENT__TARGET_DENSE ? b->t : NULL, label, n, b->l,
         s->grad ? b->g : NULL, b->work);
  for (int64_t c = 0; c < per_position; c++) {
    /* A zero-weight element adds nothing, even if its loss is inf or NaN. */
    double lc = wp[c] != 0 ? wp[c] * b->l[c] : 0.0;
    xent_ref_sum_add(sum, lc);
    if (per_position_loss) xent__store(ptr[T_LOSS] + c * lstep, s->loss->dtype, lc);
  }
  if (s->grad) {
    for (int64_t c = 0; c < n; c++) {
      int64_t e = s->elementwise ? c : 0;
      b->g[c] = wp[e] != 0 ? b->g[c] * (wp[e] * j->scale * upp[e]) : 0.0;
    }
    xent__scatter(ptr[T_GRAD], stride[T_GRAD], b->g, n, s->grad->dtype);
  }
}

/* Few classes with the fused kernel: counted positions are gathered into
 * blocks of f32 rows (one row per lane), computed together, and scattered
 * back in order; positions the kernel declines take the row function. */
static void small_general(sweep_job *j, xent__rows *it, int64_t first, int64_t last,
                          xent_ref_sum *sum_out) {
  const frame *f = j->f;
  const xent__loss_spec *s = f->s;
  const xent_ce_options_t *o = f->o;
  int64_t n = f->classes;
  int per_position_loss = s->loss && !f->scalar_loss;
  int per_position_up = o->upstream && !f->scalar_loss;
  enum { L = 16 };
  float bx[L * XENT_SMALL_C], bg[L * XENT_SMALL_C], gscale[L];
  int32_t labels[L];
  double losses[L], w[L], up[L];
  char *at[L][T_COUNT];
  double scratch[(6 + 3) * XENT_SMALL_C];
  ref_buffers b = {scratch, scratch + n, scratch + 2 * n, scratch + 3 * n, scratch + 4 * n};
  xent_ref_sum sum = *sum_out;
  int lanes = 0, block = j->block;
  xent__rows_seek(it, first);
  for (int64_t r = first; r < last; r++) {
    if (r > first) xent__rows_next(it);
    int64_t label = 0;
    int live = position_counted(f, it, &label);
    double wr = live ? weight_at(f, it->ptr[T_WEIGHT]) : 0.0;
    if (!live || wr == 0) {
      if (s->grad) store_zeros(it->ptr[T_GRAD], it->row_stride[T_GRAD], n, s->grad->dtype);
      if (per_position_loss) store_zeros(it->ptr[T_LOSS], 0, 1, s->loss->dtype);
    } else {
      const float *px = (const float *)it->ptr[T_PRED];
      for (int64_t c = 0; c < n; c++) bx[lanes * n + c] = px[c * it->row_stride[T_PRED]];
      labels[lanes] = (int32_t)label;
      w[lanes] = wr;
      up[lanes] = per_position_up ? xent__load(it->ptr[T_UPSTREAM], o->upstream->dtype) : 1.0;
      gscale[lanes] = (float)(wr * j->scale * up[lanes]);
      memcpy(at[lanes], it->ptr, sizeof at[0]);
      lanes++;
    }
    if (lanes == 0 || (lanes < block && r + 1 < last)) continue;
    for (int l = lanes; l < block; l++) { /* a partial block: finite filler rows */
      for (int64_t c = 0; c < n; c++) bx[l * n + c] = 0.0f;
      labels[l] = 0, gscale[l] = 0;
    }
    unsigned bad = j->small(bx, labels, s->grad ? bg : NULL, gscale, n, losses);
    for (int l = 0; l < lanes; l++) {
      if (bad >> l & 1) {
        reference_position(j, at[l], it->row_stride, labels[l], &w[l], &up[l], &b, &sum);
        continue;
      }
      double lc = w[l] * losses[l];
      xent_ref_sum_add(&sum, lc);
      if (per_position_loss) xent__store(at[l][T_LOSS], s->loss->dtype, lc);
      if (s->grad) {
        float *pg = (float *)at[l][T_GRAD];
        for (int64_t c = 0; c < n; c++) pg[c * it->row_stride[T_GRAD]] = bg[l * n + c];
      }
    }
    lanes = 0;
  }
  *sum_out = sum;
}

/* The plain case (no mask, lengths, sample weights or per-position upstream;
 * adjacent rows, labels, gradients and losses): whole blocks straight from
 * the caller's arrays. A block holding an ignored label, and the rows left
 * over at the end, take small_general. Both add losses in row order, so the
 * result is the same as small_general alone would give. */
/* `count` labels of a small-C block into out (the caller has checked every
 * label's range); returns whether one of them is `ignore`. */
static int read_labels(const char *lab, xent_dtype_t dtype, int count, int64_t ignore,
                       int32_t *out) {
  int ignored = 0;
  if (dtype == XENT_I64) {
    for (int l = 0; l < count; l++) {
      int64_t v = ((const int64_t *)lab)[l];
      out[l] = (int32_t)v, ignored |= v == ignore;
    }
  } else {
    size_t size = xent_dtype_size(dtype);
    for (int l = 0; l < count; l++) {
      int64_t v = xent__load_index(lab + (size_t)l * size, dtype);
      out[l] = (int32_t)v, ignored |= v == ignore;
    }
  }
  return ignored;
}

/* xent_ref_sum_add on two scalars, which the compiler keeps in registers
 * (the same operations, so the same bits). */
static inline void neumaier_add(double *sum, double *comp, double v) {
  xent_ref_sum s = {*sum, *comp};
  xent_ref_sum_add(&s, v);
  *sum = s.sum, *comp = s.comp;
}

static void sweep_small_task(sweep_job *j, xent__rows *it, int64_t first, int64_t last,
                             int64_t task) {
  const frame *f = j->f;
  const xent__loss_spec *s = f->s;
  xent_ref_sum sum = {0, 0};
  int64_t n = f->classes, r = first, block = j->block;
  if (j->plain) {
    xent__rows_seek(it, first);
    const float *x = (const float *)it->ptr[T_PRED];
    float *g = s->grad ? (float *)it->ptr[T_GRAD] : NULL;
    const char *lab = it->ptr[T_TARGET];
    size_t lsize = xent_dtype_size(s->target->dtype);
    int per_position_loss = s->loss && !f->scalar_loss;
    char *loss_out = per_position_loss ? it->ptr[T_LOSS] : NULL;
    size_t loss_size = per_position_loss ? xent_dtype_size(s->loss->dtype) : 0;
    float gscale[16];
    for (int l = 0; l < 16; l++) gscale[l] = (float)j->scale;
    double losses[16], scratch[(6 + 3) * XENT_SMALL_C], one = 1.0;
    ref_buffers b = {scratch, scratch + n, scratch + 2 * n, scratch + 3 * n, scratch + 4 * n};
    for (; r + block <= last; r += block) {
      int32_t labels[16];
      int ignored = read_labels(lab + (size_t)(r - first) * lsize, s->target->dtype, block,
                                f->o->ignore_index, labels);
      if (ignored) {
        /* through a copy, so that sum can stay in registers */
        xent_ref_sum part = sum;
        small_general(j, it, r, r + block, &part);
        sum = part;
        continue;
      }
      int64_t off = (r - first) * n;
      unsigned bad = j->small(x + off, labels, g ? g + off : NULL, gscale, n, losses);
      if (!bad && !loss_out) { /* the common case, kept tight */
        double t = sum.sum, c = sum.comp;
        for (int l = 0; l < block; l++) neumaier_add(&t, &c, losses[l]);
        sum.sum = t, sum.comp = c;
        continue;
      }
      for (int l = 0; l < block; l++) {
        char *lp = loss_out ? loss_out + (size_t)(r - first + l) * loss_size : NULL;
        if (bad >> l & 1) {
          char *ptr[T_COUNT] = {(char *)(x + off + l * n), g ? (char *)(g + off + l * n) : NULL,
                                NULL, lp, NULL, NULL, NULL};
          xent_ref_sum part = sum;
          reference_position(j, ptr, it->row_stride, labels[l], &one, &one, &b, &part);
          sum = part;
          continue;
        }
        xent_ref_sum_add(&sum, losses[l]);
        if (lp) xent__store(lp, s->loss->dtype, losses[l]);
      }
    }
  }
  xent_ref_sum part = sum;
  if (r < last) small_general(j, it, r, last, &part);
  j->partial[task] = xent_ref_sum_value(&part);
}

/* The arrays of a plain call with the fused kernel (see sweep_task): each
 * row's logits, gradient, label and loss at a fixed step from row 0's; x is
 * NULL when the call is not such a call. */
typedef struct {
  const char *x;
  char *g;
  size_t elem_size; /* of x and g: f32, or f64 for fast64 */
  const char *labels;
  char *loss;
  size_t label_size, loss_size;
} plain_rows;

static plain_rows plain_rows_at(const sweep_job *j, const xent__rows *it) {
  const xent__loss_spec *s = j->f->s;
  plain_rows pr = {0};
  if (!j->plain || !(j->fast || j->fast64)) return pr;
  pr.x = it->base[T_PRED];
  pr.g = s->grad ? it->base[T_GRAD] : NULL;
  pr.elem_size = xent_dtype_size(s->pred->dtype);
  pr.labels = it->base[T_TARGET];
  pr.label_size = xent_dtype_size(s->target->dtype);
  if (s->loss && !j->f->scalar_loss) {
    pr.loss = it->base[T_LOSS];
    pr.loss_size = xent_dtype_size(s->loss->dtype);
  }
  return pr;
}

/* Rows first, first + 1, ... of a plain call through the fast kernels, up
 * to `last` or the first row whose label is ignored or that a kernel
 * declines; adds their losses to sum (in row order) and returns how many
 * were done. */
static int64_t plain_run(const sweep_job *j, const plain_rows *pr, int64_t first, int64_t last,
                         xent__stream *stream, xent_ref_sum *sum) {
  enum { RUN = 32 }; /* labels read and losses kept a run at a time */
  const xent__loss_spec *s = j->f->s;
  int64_t n = j->f->classes, ignore = j->f->o->ignore_index, r = first;
  while (r < last) {
    int64_t labels[RUN], count = 0, done = 0;
    double losses[RUN];
    while (count < RUN && r + count < last) {
      int64_t label = xent__load_index(pr->labels + (r + count) * pr->label_size, s->target->dtype);
      if (label == ignore) break;
      labels[count++] = label;
    }
    const char *xr = pr->x + r * n * pr->elem_size;
    char *gr = pr->g ? pr->g + r * n * pr->elem_size : NULL;
    if (j->fast64) {
      const double *x = (const double *)xr;
      double *g = (double *)gr;
      while (done < count && j->fast64(x + done * n, labels[done], g ? g + done * n : NULL,
                                       j->scale, n, &losses[done]))
        done++;
    } else {
      const float *x = (const float *)xr;
      float *g = (float *)gr;
      if (j->fast_rows && !stream)
        done = j->fast_rows(x, labels, g, j->scale, n, count, losses);
      else
        while (done < count && j->fast(x + done * n, labels[done], g ? g + done * n : NULL,
                                       j->scale, n, &losses[done], stream))
          done++;
    }
    for (int64_t i = 0; i < done; i++) {
      xent_ref_sum_add(sum, losses[i]);
      if (pr->loss) xent__store(pr->loss + (r + i) * pr->loss_size, s->loss->dtype, losses[i]);
    }
    r += done;
    if (done < RUN) break; /* an ignored or declined row, or the end */
  }
  return r - first;
}

/* A counted position through the fused sparse kernel of its dtype, scaled by
 * gscale; strided rows go through copies in `work` (room for 2n elements of
 * the dtype). Returns 0 when the kernel declines the row. */
static int fast_sparse_position(const sweep_job *j, const xent__rows *it, int64_t label,
                                double gscale, int direct, double *work, xent__stream *stream,
                                double *row_loss) {
  int64_t n = j->f->classes, xs = it->row_stride[T_PRED], gs = it->row_stride[T_GRAD];
  int grad = j->f->s->grad != NULL, done;
  if (j->fast) {
    const float *px = (const float *)it->ptr[T_PRED];
    float *pg = grad ? (float *)it->ptr[T_GRAD] : NULL;
    if (direct) return j->fast(px, label, pg, gscale, n, row_loss, stream);
    float *fx = (float *)work, *fg = fx + n;
    for (int64_t c = 0; c < n; c++) fx[c] = px[c * xs];
    done = j->fast(fx, label, pg ? fg : NULL, gscale, n, row_loss, NULL);
    for (int64_t c = 0; done && pg && c < n; c++) pg[c * gs] = fg[c];
    return done;
  }
  const double *px = (const double *)it->ptr[T_PRED];
  double *pg = grad ? (double *)it->ptr[T_GRAD] : NULL;
  if (direct) return j->fast64(px, label, pg, gscale, n, row_loss);
  double *dx = work, *dg = dx + n;
  for (int64_t c = 0; c < n; c++) dx[c] = px[c * xs];
  done = j->fast64(dx, label, pg ? dg : NULL, gscale, n, row_loss);
  for (int64_t c = 0; done && pg && c < n; c++) pg[c * gs] = dg[c];
  return done;
}

static void sweep_task(void *ctx, int64_t task) {
  sweep_job *j = ctx;
  const frame *f = j->f;
  const xent__loss_spec *s = f->s;
  const xent_ce_options_t *o = f->o;
  xent__rows it = j->rows;
  int64_t first = task * j->rows_per_task;
  int64_t last = first + j->rows_per_task < it.count ? first + j->rows_per_task : it.count;
  int64_t n = f->classes, room = n ? n : 1;
  int64_t per_position = s->elementwise ? n : 1;
  int per_position_loss = s->loss && !f->scalar_loss;
  int per_position_up = o->upstream && !f->scalar_loss;
  int64_t wstep = it.row_stride[T_WEIGHT] * (int64_t)xent_dtype_size(f->weight_view.dtype);
  int64_t ustep = per_position_up
                      ? it.row_stride[T_UPSTREAM] * (int64_t)xent_dtype_size(o->upstream->dtype)
                      : 0;
  int direct = it.row_stride[T_PRED] == 1 && (!s->grad || it.row_stride[T_GRAD] == 1);
  /* Buffers are taken when a row first needs them: a fast, contiguous row
   * needs none. */
  xent__scratch buf = {0};
  double *x = NULL, *t = NULL, *g = NULL, *l = NULL, *work = NULL;
  /* Per-element weights need buffers (element-wise losses always take
   * scratch up front); a position's weight is a local. */
  double w[1] = {0}, up[1] = {1}, *wp = w, *upp = up;
  if (j->small) {
    sweep_small_task(j, &it, first, last, task);
    return;
  }
  xent_ref_sum sum = {0, 0};
  float *rowbuf = j->fast && direct && j->stream ? xent__row_buffers_take(&j->buffers) : NULL;
  xent__stream streaming, *stream = NULL;
  if (rowbuf) xent__stream_init(&streaming, rowbuf, n), stream = &streaming;
  /* The plain case (see is_plain) with the fused kernel: runs of rows
   * straight from the caller's arrays; the iterator moves only to a row the
   * kernel declines or whose label is ignored, which takes the general path
   * below. At C = 1000 the general bookkeeping is about a tenth of a row. */
  plain_rows pr = plain_rows_at(j, &it);
  xent__rows_seek(&it, first);
  for (int64_t r = first; r < last; r++) {
    if (pr.x) {
      r += plain_run(j, &pr, r, last, stream, &sum);
      if (r == last) break;
      xent__rows_seek(&it, r);
    } else if (r > first) {
      xent__rows_next(&it);
    }
    if (!buf.p && (s->elementwise || !(j->fast || j->fast64) || !direct)) {
      if (!take_buffers(s, room, &buf, &x, &t, &g, &l, &work, &wp, &upp)) {
        atomic_store(&j->failed, 1);
        break;
      }
    }
    int64_t label = 0;
    int live = position_counted(f, &it, &label);
    int any_weight = 0;
    for (int64_t c = 0; live && c < per_position; c++) {
      wp[c] = weight_at(f, it.ptr[T_WEIGHT] + c * wstep);
      upp[c] = per_position_up ? xent__load(it.ptr[T_UPSTREAM] + c * ustep, o->upstream->dtype)
                               : 1.0;
      any_weight |= wp[c] != 0;
    }
    /* Uncounted, or weight 0: no loss and no gradient, even for NaN inputs. */
    if (!live || !any_weight) {
      if (s->grad) store_zeros(it.ptr[T_GRAD], it.row_stride[T_GRAD], n, s->grad->dtype);
      if (per_position_loss)
        store_zeros(it.ptr[T_LOSS], it.row_stride[T_LOSS], per_position, s->loss->dtype);
      continue;
    }
    if (j->fast || j->fast64) {
      double row_loss, gscale = wp[0] * j->scale * upp[0];
      int done = fast_sparse_position(j, &it, label, gscale, direct, work, stream, &row_loss);
      if (done) {
        double lc = wp[0] * row_loss;
        xent_ref_sum_add(&sum, lc);
        if (per_position_loss) xent__store(it.ptr[T_LOSS], s->loss->dtype, lc);
        continue;
      }
      /* declined (non-finite row): the reference needs buffers */
      if (!buf.p && !take_buffers(s, room, &buf, &x, &t, &g, &l, &work, &wp, &upp)) {
        atomic_store(&j->failed, 1);
        break;
      }
    }
    if (j->dense) {
      double row_loss, gscale = wp[0] * j->scale * upp[0];
      const float *px = (const float *)it.ptr[T_PRED], *pu = (const float *)it.ptr[T_TARGET];
      float *pg = s->grad ? (float *)it.ptr[T_GRAD] : NULL;
      int done;
      if (direct && it.row_stride[T_TARGET] == 1) {
        done = j->dense(px, pu, pg, gscale, n, s->tf_gradient, &row_loss);
      } else { /* strided: through f32 copies (work has room for 6n floats) */
        float *fx = (float *)work, *fu = fx + n, *fg = fu + n;
        for (int64_t c = 0; c < n; c++) {
          fx[c] = px[c * it.row_stride[T_PRED]];
          fu[c] = pu[c * it.row_stride[T_TARGET]];
        }
        done = j->dense(fx, fu, pg ? fg : NULL, gscale, n, s->tf_gradient, &row_loss);
        for (int64_t c = 0; done && pg && c < n; c++) pg[c * it.row_stride[T_GRAD]] = fg[c];
      }
      if (done) {
        double lc = wp[0] * row_loss;
        xent_ref_sum_add(&sum, lc);
        if (s->loss && !f->scalar_loss) xent__store(it.ptr[T_LOSS], s->loss->dtype, lc);
        continue;
      }
    }
    if (j->flat_rows) {
      /* the flat kernel, one strided row at a time (work has room for 6n
       * floats): each element's result is the one the flat path gives */
      float *fx = (float *)work, *fy = fx + n, *fg = fy + n, *fl = fg + n;
      const float *px = (const float *)it.ptr[T_PRED], *py = (const float *)it.ptr[T_TARGET];
      for (int64_t c = 0; c < n; c++) {
        fx[c] = px[c * it.row_stride[T_PRED]];
        fy[c] = py[c * it.row_stride[T_TARGET]];
      }
      xent_ref_sum_add(&sum, s->fast_flat_f32(fx, fy, s->grad ? fg : NULL, fl, j->scale, n));
      for (int64_t c = 0; s->grad && c < n; c++)
        ((float *)it.ptr[T_GRAD])[c * it.row_stride[T_GRAD]] = fg[c];
      if (s->loss && !f->scalar_loss)
        for (int64_t c = 0; c < n; c++)
          xent__store(it.ptr[T_LOSS] + c * it.row_stride[T_LOSS] *
                                           (int64_t)xent_dtype_size(s->loss->dtype),
                      s->loss->dtype, fl[c]);
      continue;
    }
    ref_buffers b = {x, t, g, l, work};
    reference_position(j, it.ptr, it.row_stride, label, wp, upp, &b, &sum);
  }
  xent__stream_finish(stream);
  xent__row_buffers_give(&j->buffers, rowbuf);
  xent__scratch_free(&buf);
  j->partial[task] = xent_ref_sum_value(&sum);
}

/* No mask, lengths, sample weights or per-position upstream, and every
 * per-row tensor adjacent in memory (see sweep_small_task). */
static int is_plain(const frame *f, const xent__rows *it) {
  const xent__loss_spec *s = f->s;
  const xent_ce_options_t *o = f->o;
  int64_t n = f->classes;
  return !o->mask && !o->lengths && !o->sample_weights && !(o->upstream && !f->scalar_loss) &&
         s->target_kind == XENT__TARGET_SPARSE && !s->elementwise &&
         xent__rows_adjacent(it, T_PRED, xent_dtype_size(s->pred->dtype), n) &&
         (!s->grad || xent__rows_adjacent(it, T_GRAD, xent_dtype_size(s->grad->dtype), n)) &&
         xent__rows_adjacent(it, T_TARGET, xent_dtype_size(s->target->dtype), 1) &&
         (!s->loss || f->scalar_loss ||
          xent__rows_adjacent(it, T_LOSS, xent_dtype_size(s->loss->dtype), 1));
}

/* The flat path: an element-wise loss whose tensors are all contiguous f32,
 * with nothing per position to apply, is one run of elements, cut into
 * chunks of a fixed size (so sums do not depend on the thread count). */
enum { FLAT_CHUNK = 1 << 14 };

typedef struct {
  const xent__loss_spec *s;
  const float *x, *y;
  float *g, *loss;
  double scale;
  int64_t n;
  double *partial;
} flat_job;

static void flat_task(void *ctx, int64_t task) {
  flat_job *j = ctx;
  int64_t first = task * FLAT_CHUNK, len = j->n - first < FLAT_CHUNK ? j->n - first : FLAT_CHUNK;
  j->partial[task] = j->s->fast_flat_f32(j->x + first, j->y + first, j->g ? j->g + first : NULL,
                                         j->loss ? j->loss + first : NULL, j->scale, len);
}

/* Whether the flat kernel applies to the loss's elements (in any layout). */
static int flat_kernel_applies(const frame *f) {
  const xent__loss_spec *s = f->s;
  const xent_ce_options_t *o = f->o;
  return s->fast_flat_f32 && s->elementwise && s->target_kind == XENT__TARGET_DENSE &&
         !o->mask && !o->lengths && !o->sample_weights && !(o->upstream && !f->scalar_loss) &&
         s->pred->dtype == XENT_F32 && s->target->dtype == XENT_F32 &&
         (!s->grad || s->grad->dtype == XENT_F32);
}

/* ... and whether its tensors are one contiguous run (the flat path). */
static int flat_eligible(const frame *f, const xent__rows *it) {
  const xent__loss_spec *s = f->s;
  int64_t n = f->classes;
  int per_element_loss = s->loss && !f->scalar_loss;
  return flat_kernel_applies(f) && (!per_element_loss || s->loss->dtype == XENT_F32) &&
         xent__rows_adjacent(it, T_PRED, sizeof(float), n) &&
         xent__rows_adjacent(it, T_TARGET, sizeof(float), n) &&
         (!s->grad || xent__rows_adjacent(it, T_GRAD, sizeof(float), n)) &&
         (!per_element_loss || xent__rows_adjacent(it, T_LOSS, sizeof(float), n));
}

static xent_status_t sweep_flat(const frame *f, const xent__rows *it, double scale,
                                double *total) {
  const xent__loss_spec *s = f->s;
  flat_job j = {s, (const float *)it->ptr[T_PRED], (const float *)it->ptr[T_TARGET],
                s->grad ? (float *)it->ptr[T_GRAD] : NULL,
                s->loss && !f->scalar_loss ? (float *)it->ptr[T_LOSS] : NULL, scale,
                it->count * f->classes, NULL};
  int64_t ntasks = (j.n + FLAT_CHUNK - 1) / FLAT_CHUNK;
  xent__scratch partial;
  XENT__TRY(xent__scratch_get(&partial, ntasks ? ntasks : 1, "the loss"));
  j.partial = partial.p;
  xent__parallel_for(ntasks, j.n, flat_task, &j);
  xent_ref_sum sum = {0, 0};
  for (int64_t t = 0; t < ntasks; t++) xent_ref_sum_add(&sum, j.partial[t]);
  xent__scratch_free(&partial);
  *total = xent_ref_sum_value(&sum);
  return XENT_OK;
}

static xent_status_t sweep(const frame *f, double scale, double *total) {
  const xent__loss_spec *s = f->s;
  sweep_job j;
  j.f = f;
  j.scale = scale;
  xent__rows_init(&j.rows, T_COUNT, f->group, f->axis, f->group_axis);
  *total = 0;
  if (j.rows.count == 0) return XENT_OK;
  if (flat_eligible(f, &j.rows)) return sweep_flat(f, &j.rows, scale, total);
  j.stream = s->grad && xent__stream_wanted(j.rows.count, f->classes);
  j.rows_per_task = j.stream ? xent__stream_rows_per_task(j.rows.count)
                             : xent__rows_per_task(j.rows.count, f->classes);
  /* the fused sparse kernels take predictions and gradient of one dtype */
  int sparse = !s->elementwise && s->target_kind == XENT__TARGET_SPARSE;
  xent_dtype_t dt = s->pred->dtype;
  int one_dtype = !s->grad || s->grad->dtype == dt;
  j.fast = sparse && one_dtype && dt == XENT_F32 ? s->fast_sparse_f32 : NULL;
  j.fast64 = sparse && one_dtype && dt == XENT_F64 && f->classes >= XENT_F64_FAST_MIN
                 ? s->fast_sparse_f64
                 : NULL;
  j.small = j.fast && f->classes <= XENT_SMALL_C ? s->fast_sparse_small_f32 : NULL;
  j.block = s->small_block;
  j.fast_rows = j.fast && !j.small && f->classes <= xent__sweep_block(f->classes)
                    ? s->fast_sparse_rows_f32
                    : NULL;
  j.plain = is_plain(f, &j.rows);
  j.flat_rows = flat_kernel_applies(f);
  j.dense = s->fast_dense_f32 && s->target_kind == XENT__TARGET_DENSE && !s->elementwise &&
                    s->pred->dtype == XENT_F32 && s->target->dtype == XENT_F32 &&
                    (!s->grad || s->grad->dtype == XENT_F32)
                ? s->fast_dense_f32
                : NULL;
  atomic_init(&j.failed, 0);
  int64_t ntasks = (j.rows.count + j.rows_per_task - 1) / j.rows_per_task;
  xent__scratch partial;
  XENT__TRY(xent__scratch_get(&partial, ntasks, "the loss"));
  j.partial = partial.p;
  xent__row_buffers_init(&j.buffers, xent__stream_buffer_floats(f->classes));
  xent__parallel_for(ntasks, j.rows.count * (f->classes ? f->classes : 1), sweep_task, &j);
  xent__row_buffers_free(&j.buffers);
  /* Partial sums in task order: the same total for every thread count. */
  xent_ref_sum sum = {0, 0};
  for (int64_t t = 0; t < ntasks; t++) xent_ref_sum_add(&sum, j.partial[t]);
  xent__scratch_free(&partial);
  if (atomic_load(&j.failed))
    return xent__fail(XENT_ERR_NOMEM, "could not allocate scratch for the loss");
  *total = xent_ref_sum_value(&sum);
  return XENT_OK;
}

xent_status_t xent__loss_run(const xent__loss_spec *spec) {
  frame f;
  memset(&f, 0, sizeof f);
  f.s = spec;
  f.o = spec->opts;
  XENT__TRY(plan(&f));
  double d = 0;
  XENT__TRY(divisor(&f, &d));
  double upstream = f.o->upstream && f.scalar_loss
                        ? xent__load(f.o->upstream->data, f.o->upstream->dtype) : 1.0;
  int empty = f.scalar_loss && d == 0;
  /* An empty mean has gradient 0 everywhere: sweep with scale 0. */
  double scale = !f.scalar_loss ? 1.0 : empty ? 0.0 : upstream / d;
  double total;
  XENT__TRY(sweep(&f, scale, &total));
  if (spec->loss && f.scalar_loss) {
    double value = empty ? (f.o->empty == XENT_EMPTY_NAN ? NAN : 0.0) : total / d;
    xent__store(spec->loss->data, spec->loss->dtype, value);
  }
  return XENT_OK;
}
