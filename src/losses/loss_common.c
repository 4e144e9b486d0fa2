/* Helpers shared by the probability, focal, regression, segmentation and
 * distillation losses; see loss_common.h. */
#include "loss_common.h"

#include "../kernels/kernels.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

xent_status_t xent__check_loss_options(const xent_ce_options_t *o, unsigned accepted,
                                       unsigned flags, const char *fn) {
  XENT__TRY(xent__check_common_options(o));
  if (!(o->label_smoothing >= 0 && o->label_smoothing <= 1))
    return xent__fail(XENT_ERR_ARGUMENT, "opts->label_smoothing = %g is outside [0, 1]",
                      o->label_smoothing);
  const char *what = NULL;
  if (o->label_smoothing != 0 && !(accepted & XENT__ACCEPT_SMOOTHING))
    what = "opts->label_smoothing";
  else if (o->ignore_index != XENT_NO_IGNORE && !(accepted & XENT__ACCEPT_IGNORE))
    what = "opts->ignore_index";
  else if (o->class_weights && !(accepted & XENT__ACCEPT_CLASS_WEIGHTS))
    what = "opts->class_weights";
  else if (o->sample_weights && !(accepted & XENT__ACCEPT_SAMPLE_WEIGHTS))
    what = "opts->sample_weights";
  else if (o->mask && !(accepted & XENT__ACCEPT_MASK))
    what = "opts->mask";
  else if (o->lengths && !(accepted & XENT__ACCEPT_LENGTHS))
    what = "opts->lengths";
  else if (o->pos_weight)
    what = "opts->pos_weight";
  if (what) return xent__fail(XENT_ERR_ARGUMENT, "%s does not apply to %s", what, fn);
  if (o->flags & ~flags)
    return xent__fail(XENT_ERR_ARGUMENT, "opts->flags = %#x has bits that do not apply to %s",
                      o->flags, fn);
  return XENT_OK;
}

void xent__clip_bounds(double eps, xent_dtype_t dtype, double *lo, double *hi) {
  *lo = xent__round_to(eps, dtype);
  *hi = xent__round_to(1.0 - eps, dtype);
}

xent_status_t xent__class_weights(const xent_tensor_t *pred, const char *pred_name,
                                  const xent_ce_options_t *o, xent__scratch *cw_buf,
                                  const double **cw, int64_t *classes) {
  int axis;
  *cw = NULL;
  XENT__TRY(xent__check_tensor(pred, pred_name));
  XENT__TRY(xent__resolve_axis(o->axis, pred->rank, pred_name, &axis));
  *classes = pred->shape[axis];
  if (!o->class_weights) return XENT_OK;
  XENT__TRY(xent__scratch_get(cw_buf, *classes ? *classes : 1, "class weights"));
  xent_status_t st =
      xent__load_per_class(o->class_weights, "opts->class_weights", *classes, 0, cw_buf->p);
  if (st != XENT_OK) {
    xent__scratch_free(cw_buf);
    cw_buf->p = NULL;
    return st;
  }
  *cw = cw_buf->p;
  return XENT_OK;
}

/* ---- element-wise losses ---- */

static void elem_row(const void *ctx, const double *x, const double *t, int64_t label,
                     int64_t n, double *loss, double *grad, double *work) {
  const xent__elem_loss *e = ctx;
  (void)label, (void)work;
  xent_ref_sum mean = {0, 0};
  for (int64_t c = 0; c < n; c++) {
    double cw = e->class_w ? e->class_w[c] : 1.0, lc = 0, gc = 0;
    if (cw != 0) { /* a zero class weight silences the element */
      lc = cw * e->f(e->ctx, x[c], t[c], grad ? &gc : NULL);
      gc *= cw;
    }
    if (e->mean_over_classes) {
      xent_ref_sum_add(&mean, lc);
      if (grad) grad[c] = gc / (double)n;
    } else {
      loss[c] = lc;
      if (grad) grad[c] = gc;
    }
  }
  if (e->mean_over_classes) loss[0] = n ? xent_ref_sum_value(&mean) / (double)n : 0.0;
}

xent_status_t xent__run_elementwise(xent__elem_loss *e, const xent_tensor_t *pred,
                                    const char *pred_name, const xent_tensor_t *target,
                                    const char *target_name, const xent_ce_options_t *o,
                                    const xent_tensor_t *loss, const xent_tensor_t *grad) {
  xent__scratch cw = {0};
  int64_t classes;
  XENT__TRY(xent__class_weights(pred, pred_name, o, &cw, &e->class_w, &classes));
  e->mean_over_classes = (o->flags & XENT_CE_MEAN_OVER_CLASSES) != 0;
  xent__loss_spec spec = {.row = elem_row,
                          .ctx = e,
                          .work_per_class = 0,
                          .pred = pred,
                          .pred_name = pred_name,
                          .target = target,
                          .target_name = target_name,
                          .target_kind = XENT__TARGET_DENSE,
                          .elementwise = !e->mean_over_classes,
                          .loss = loss,
                          .grad = grad,
                          .opts = o};
  xent_status_t st = xent__loss_run(&spec);
  if (cw.p) xent__scratch_free(&cw);
  return st;
}

/* ---- group losses ---- */

/* Byte offset of group g (C order over gs->shape) in a tensor of that shape,
 * or aligned with it from the left with extents equal or 1. */
static int64_t group_offset(const xent__groups *gs, const xent_tensor_t *t, int64_t g) {
  int64_t off = 0;
  for (int d = gs->rank - 1; d >= 0; d--) {
    int64_t extent = gs->shape[d], i = extent ? g % extent : 0;
    g = extent ? g / extent : 0;
    if (d < t->rank && t->shape[d] != 1) off += i * t->strides[d];
  }
  return off * (int64_t)xent_dtype_size(t->dtype);
}

static xent_status_t check_group_shaped(const xent__groups *gs, const xent_tensor_t *t,
                                        const char *name) {
  int ok = t->rank == gs->rank;
  for (int d = 0; ok && d < gs->rank; d++) ok = t->shape[d] == gs->shape[d];
  if (!ok && gs->rank == 0) ok = xent_tensor_numel(t) == 1;
  if (ok) return XENT_OK;
  xent_tensor_t want;
  memset(&want, 0, sizeof want);
  want.rank = gs->rank;
  memcpy(want.shape, gs->shape, sizeof want.shape);
  char sw[160], st[160];
  return xent__fail(XENT_ERR_SHAPE, "%s has shape %s; the loss's groups have shape %s", name,
                    xent__shape_str(t, st, sizeof st), xent__shape_str(&want, sw, sizeof sw));
}

xent_status_t xent__groups_check_outputs(const xent__groups *gs, const xent_ce_options_t *o,
                                         const xent_tensor_t *loss) {
  int none = o->reduction == XENT_REDUCTION_NONE;
  if (loss) {
    XENT__TRY(xent__check_output(loss, "loss"));
    XENT__TRY(xent__require_float(loss, "loss"));
    if (none) {
      XENT__TRY(check_group_shaped(gs, loss, "loss"));
    } else if (xent_tensor_numel(loss) != 1) {
      return xent__fail(XENT_ERR_SHAPE,
                        "loss has %" PRId64 " elements; a reduced loss needs exactly one",
                        xent_tensor_numel(loss));
    }
  }
  if (o->upstream) {
    XENT__TRY(xent__check_tensor(o->upstream, "opts->upstream"));
    XENT__TRY(xent__require_float(o->upstream, "opts->upstream"));
    if (none) {
      XENT__TRY(check_group_shaped(gs, o->upstream, "opts->upstream"));
    } else if (xent_tensor_numel(o->upstream) != 1) {
      return xent__fail(XENT_ERR_SHAPE, "opts->upstream must have one element for a reduced loss");
    }
  }
  return XENT_OK;
}

xent_status_t xent__groups_weights(const xent__groups *gs, const xent_ce_options_t *o,
                                   double *w) {
  const xent_tensor_t *sw = o->sample_weights;
  if (!sw) {
    for (int64_t g = 0; g < gs->count; g++) w[g] = 1.0;
    return XENT_OK;
  }
  XENT__TRY(xent__check_tensor(sw, "opts->sample_weights"));
  XENT__TRY(xent__require_float(sw, "opts->sample_weights"));
  if (sw->rank > gs->rank && xent_tensor_numel(sw) != 1)
    return xent__fail(XENT_ERR_SHAPE,
                      "opts->sample_weights has rank %d, more than the %d axes of the loss's "
                      "groups", (int)sw->rank, gs->rank);
  for (int d = 0; d < sw->rank && d < gs->rank; d++)
    if (sw->shape[d] != gs->shape[d] && sw->shape[d] != 1)
      return xent__fail(XENT_ERR_SHAPE,
                        "opts->sample_weights.shape[%d] = %" PRId64 " cannot broadcast to %" PRId64,
                        d, sw->shape[d], gs->shape[d]);
  for (int64_t g = 0; g < gs->count; g++)
    w[g] = xent__load((const char *)sw->data + group_offset(gs, sw, g), sw->dtype);
  return XENT_OK;
}

xent_status_t xent__groups_reduce(const xent__groups *gs, const xent_ce_options_t *o,
                                  const double *L, const unsigned char *counted,
                                  int masking, const double *w, const xent_tensor_t *loss,
                                  double *scale) {
  int none = o->reduction == XENT_REDUCTION_NONE;
  xent_ref_sum total = {0, 0}, weights = {0, 0};
  int64_t ncounted = 0, nonzero = 0;
  for (int64_t g = 0; g < gs->count; g++) {
    int live = !counted || counted[g];
    double lg = live && w[g] != 0 ? w[g] * L[g] : 0.0;
    if (live) {
      ncounted++;
      nonzero += w[g] != 0;
      xent_ref_sum_add(&weights, w[g]);
      xent_ref_sum_add(&total, lg);
    }
    if (none && loss)
      xent__store((char *)loss->data + group_offset(gs, loss, g), loss->dtype, lg);
  }
  double d = 1.0;
  switch (o->reduction) {
    case XENT_REDUCTION_MEAN: d = xent_ref_sum_value(&weights); break;
    case XENT_REDUCTION_SUM_OVER_BATCH_SIZE: d = (double)(masking ? ncounted : gs->count); break;
    case XENT_REDUCTION_SUM_BY_NONZERO_WEIGHTS: d = (double)nonzero; break;
    default: break;
  }
  int empty = !none && d == 0;
  double up = o->upstream && !none ? xent__load(o->upstream->data, o->upstream->dtype) : 1.0;
  for (int64_t g = 0; g < gs->count; g++) {
    int live = (!counted || counted[g]) && w[g] != 0 && !empty;
    double u = none && o->upstream
                   ? xent__load((const char *)o->upstream->data + group_offset(gs, o->upstream, g),
                                o->upstream->dtype)
                   : up;
    scale[g] = live ? w[g] * u / (none ? 1.0 : d) : 0.0;
  }
  if (loss && !none) {
    double value = empty ? (o->empty == XENT_EMPTY_NAN ? NAN : 0.0) : xent_ref_sum_value(&total) / d;
    xent__store(loss->data, loss->dtype, value);
  }
  return XENT_OK;
}
