"""keras.losses drop-ins (Keras 3 signatures and defaults).

Functions return the per-sample losses as NumPy arrays; the Loss classes
reduce them with Keras's rules (sample_weight, the mask of ignore_class, and
the reductions "sum_over_batch_size" (default), "mean", "sum",
"mean_with_sample_weight" and None / "none"). The classes compute in `dtype`
(default float32, Keras's floatx), as Keras does: inputs of another float
dtype are converted first.

Probabilities (from_logits=False, the default) are clipped to
[1e-7, 1 - 1e-7] rounded to the predictions' dtype, as Keras does with its
default epsilon (keras.config.epsilon() is not consulted). Where xent is
exact and Keras is not (its float32 log(1 - p) of a rounded 1 - p), the
values differ by Keras's rounding; see docs/compat.md.
"""
import numpy as np

from .. import _util
from ... import _xent

_arg = _util.arg
_EPSILON = 1e-7  # keras.config.epsilon()'s default


def _class_axis(axis, y_pred):
    if isinstance(axis, bool):
        raise ValueError(
            "`axis` must be of type `int`. Received: axis=%s of type %s" % (axis, type(axis)))
    rank = _util.ndim(y_pred)
    return axis + rank if axis < 0 else axis


def _smooth_on_last_axis(y_true, y_pred, smoothing, ax):
    """(labels, smoothing for xent): Keras smooths with the LAST axis's length
    whatever `axis` is; xent with the class axis's. They agree when the class
    axis is the last; otherwise the labels are smoothed here (the loss is
    linear in them)."""
    if smoothing and ax != _util.ndim(y_pred) - 1:
        t = _util.as_numpy(y_true, _util.float_name(y_pred))
        return t * (1.0 - smoothing) + smoothing / t.shape[-1], 0.0
    return y_true, smoothing


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0,
                             axis=-1):
    return _categorical(y_true, y_pred, from_logits, label_smoothing, axis)


def _categorical(y_true, y_pred, from_logits, label_smoothing, axis, **native):
    ax = _class_axis(axis, y_pred)
    native = {"reduction": "none", **native}
    if not from_logits:
        y_true = _util.cast_like(y_true, y_pred)
    y_true, smoothing = _smooth_on_last_axis(_arg(y_true), y_pred, float(label_smoothing), ax)
    if from_logits:
        return _xent.softmax_cross_entropy(_arg(y_pred), y_true, axis=ax,
                                           label_smoothing=smoothing, **native)
    return _xent.categorical_cross_entropy(_arg(y_pred), y_true, axis=ax, eps=_EPSILON,
                                           label_smoothing=smoothing, **native)


def _int_labels(y_true):
    y_true = _arg(y_true)
    return y_true if not _util.is_floating(y_true) else _util.as_numpy(y_true).astype(np.int64)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    return _sparse_categorical(y_true, y_pred, from_logits, ignore_class, axis)


def _sparse_categorical(y_true, y_pred, from_logits, ignore_class, axis, **native):
    ax = _class_axis(axis, y_pred)
    fn = (_xent.sparse_softmax_cross_entropy if from_logits
          else _xent.sparse_categorical_cross_entropy)
    extra = {} if from_logits else {"eps": _EPSILON}
    # Labels with the class axis kept at length 1 are accepted as they are.
    return fn(_arg(y_pred), _int_labels(y_true), axis=ax,
              ignore_index=None if ignore_class is None else int(ignore_class),
              **extra, **{"reduction": "none", **native})


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    return _binary(y_true, y_pred, from_logits, label_smoothing, axis)


def _binary(y_true, y_pred, from_logits, label_smoothing, axis, **native):
    ax = _class_axis(axis, y_pred)
    native = {"reduction": "none", "flags": _xent.CE_MEAN_OVER_CLASSES, **native}
    if from_logits:
        return _xent.sigmoid_cross_entropy(_arg(y_pred), _arg(y_true), axis=ax,
                                           label_smoothing=float(label_smoothing), **native)
    return _xent.binary_cross_entropy(_arg(y_pred), _util.cast_like(y_true, y_pred), axis=ax,
                                      eps=_EPSILON, label_smoothing=float(label_smoothing),
                                      **native)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    return _binary_focal(y_true, y_pred, apply_class_balancing, alpha, gamma, from_logits,
                         label_smoothing, axis)


def _binary_focal(y_true, y_pred, apply_class_balancing, alpha, gamma, from_logits,
                  label_smoothing, axis, **native):
    ax = _class_axis(axis, y_pred)
    native = {"reduction": "none", "flags": _xent.CE_MEAN_OVER_CLASSES, **native}
    return _xent.binary_focal_cross_entropy(
        _arg(y_pred), _util.cast_like(y_true, y_pred), axis=ax, gamma=float(gamma),
        alpha=float(alpha), apply_class_balancing=bool(apply_class_balancing),
        from_logits=bool(from_logits), eps=_EPSILON, label_smoothing=float(label_smoothing),
        **native)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    return _categorical_focal(y_true, y_pred, alpha, gamma, from_logits, label_smoothing,
                              axis)


def _categorical_focal(y_true, y_pred, alpha, gamma, from_logits, label_smoothing, axis,
                       **native):
    ax = _class_axis(axis, y_pred)
    native = {"reduction": "none", **native}
    y_true, smoothing = _smooth_on_last_axis(_util.cast_like(y_true, y_pred), y_pred,
                                             float(label_smoothing), ax)
    if np.ndim(alpha) == 0:
        alpha, class_weights = float(alpha), None
    else:
        # Keras turns a list alpha into a float32 tensor and multiplies it
        # along the LAST axis: xent's class weights along the class axis.
        if ax != _util.ndim(y_pred) - 1:
            raise NotImplementedError(
                "categorical_focal_crossentropy with a list alpha and axis=%d: Keras "
                "weighs the last axis, xent the class axis; move the classes last" % axis)
        alpha, class_weights = 1.0, np.asarray(alpha, np.float32).reshape(-1)
    return _xent.categorical_focal_cross_entropy(
        _arg(y_pred), y_true, axis=ax, gamma=float(gamma), alpha=alpha,
        from_logits=bool(from_logits), eps=_EPSILON, label_smoothing=smoothing,
        class_weights=class_weights, **native)


def _elementwise(fn, y_true, y_pred, **native):
    """Keras's mean over the last axis of an element-wise loss, after
    squeeze_or_expand_to_same_rank, y_true cast to y_pred's dtype."""
    y_true, y_pred = _util.same_rank(_util.cast_like(y_true, y_pred), _arg(y_pred))
    return fn(y_pred, y_true, axis=-1, **{"reduction": "none",
                                          "flags": _xent.CE_MEAN_OVER_CLASSES, **native})


def mean_squared_error(y_true, y_pred):
    return _elementwise(_xent.mean_squared_error, y_true, y_pred)


def mean_absolute_error(y_true, y_pred):
    return _elementwise(_xent.mean_absolute_error, y_true, y_pred)


def huber(y_true, y_pred, delta=1.0):
    return _elementwise(_xent.huber_loss, y_true, y_pred, delta=float(delta))


def _mse(y_true, y_pred, **native):
    return _elementwise(_xent.mean_squared_error, y_true, y_pred, **native)


def _mae(y_true, y_pred, **native):
    return _elementwise(_xent.mean_absolute_error, y_true, y_pred, **native)


def _huber(y_true, y_pred, delta, **native):
    return _elementwise(_xent.huber_loss, y_true, y_pred, delta=float(delta), **native)


def kl_divergence(y_true, y_pred):
    return _kl(y_true, y_pred)


def _kl(y_true, y_pred, **native):
    # Keras clips both to [1e-7, 1] and sums over the last axis.
    return _xent.kl_divergence(_arg(y_pred), _util.cast_like(y_true, y_pred), axis=-1,
                               eps=_EPSILON, **{"reduction": "none", **native})


def _sum_axes(axis, y_pred):
    if axis is None:
        return None
    return tuple(axis) if isinstance(axis, (tuple, list)) else (int(axis),)


def dice(y_true, y_pred, axis=None):
    return _dice(y_true, y_pred, axis)


def _dice(y_true, y_pred, axis, **native):
    # 1 - 2 sum(y p) / (sum y + sum p + 1e-7) over `axis` (None: everything).
    return _xent.dice_loss(_arg(y_pred), _util.cast_like(y_true, y_pred),
                           sum_axes=_sum_axes(axis, y_pred), eps=_EPSILON, smooth=0.0,
                           **{"reduction": "none", **native})


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    return _tversky(y_true, y_pred, alpha, beta, axis)


def _tversky(y_true, y_pred, alpha, beta, axis, **native):
    # Keras's alpha multiplies sum(y (1 - p)), the false negatives (xent's
    # beta), and its beta the false positives (xent's alpha).
    return _xent.tversky_loss(_arg(y_pred), _util.cast_like(y_true, y_pred),
                              alpha=float(beta), beta=float(alpha),
                              sum_axes=_sum_axes(axis, y_pred), eps=_EPSILON, smooth=0.0,
                              **{"reduction": "none", **native})


# ---- Loss classes -----------------------------------------------------------

_REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


class Loss:
    """keras.losses.Loss for xent's functions: call(y_true, y_pred, sample_weight)."""

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in _REDUCTIONS:
            raise ValueError(
                "Invalid value for argument `reduction`. Expected one of %s. "
                "Received: reduction=%s" % (set(_REDUCTIONS), reduction))
        self.name = name
        self.reduction = reduction
        self.dtype = dtype or "float32"

    def __call__(self, y_true, y_pred, sample_weight=None):
        # Keras converts both to the loss's dtype, and its LossFunctionWrapper
        # squeezes (or expands) a trailing axis of length 1.
        y_true, y_pred = _util.same_rank(self._in_dtype(y_true), self._in_dtype(y_pred))
        positions = self._positions(y_pred)
        shape, weights = positions, None
        if sample_weight is not None:
            shape, weights = self._weights(sample_weight, positions)
        if self.reduction in (None, "none") or shape in ((), (0,)):
            native = "none"  # Keras returns scalar / empty losses unreduced
        elif self.reduction == "sum":
            native = "sum"
        elif self.reduction == "mean_with_sample_weight" and sample_weight is not None:
            native = "mean"
        else:  # sum_over_batch_size, mean: sum / the number of (unmasked) positions
            native = "sum_over_batch_size"
        kwargs = {"reduction": native, "dtype": self.dtype}
        if weights is not None:
            kwargs["sample_weights"] = weights
        loss = self.fn(y_true, y_pred, **self._kwargs, **kwargs)
        return loss.reshape(shape) if native == "none" else loss

    def _in_dtype(self, x):
        if not _util.is_floating(x) or _util.dtype_name(x) == self.dtype:
            return x
        return _util.as_numpy(x).astype(self.dtype)

    def _positions(self, y_pred):
        s = list(_util.shape(y_pred))
        ax = _class_axis(self._kwargs.get("axis", -1), y_pred)
        if 0 <= ax < len(s):
            del s[ax]
        return tuple(s)

    def _weights(self, sample_weight, positions):
        """(shape of Keras's result, weights aligned with the positions), after
        keras's squeeze_or_expand_to_same_rank(losses, sample_weight)."""
        w = _util.as_numpy(sample_weight, self.dtype)
        shape = positions
        if w.ndim == len(shape) + 1 and w.shape[-1] == 1:
            if len(shape) == 1:
                shape = shape + (1,)  # Keras expands the losses to (N, 1)
            else:
                w = w.reshape(w.shape[:-1])
        elif len(shape) == w.ndim + 1 and shape[-1] == 1:
            if w.ndim == 1:
                w = w.reshape(w.shape + (1,))
            else:
                shape = shape[:-1]  # Keras squeezes the losses
        full = np.broadcast_shapes(shape, w.shape)
        if full != shape:
            raise NotImplementedError(
                "sample_weight of shape %s broadcasts the losses %s to %s; xent weights "
                "the losses without enlarging them" % (w.shape, shape, full))
        return shape, np.broadcast_to(w, shape).reshape(positions)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction, "dtype": self.dtype,
                **self._kwargs}


class CategoricalCrossentropy(Loss):
    fn = staticmethod(_categorical)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy",
                 dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self._kwargs = dict(from_logits=from_logits, label_smoothing=label_smoothing,
                            axis=axis)


class SparseCategoricalCrossentropy(Loss):
    fn = staticmethod(_sparse_categorical)

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self._kwargs = dict(from_logits=from_logits, ignore_class=ignore_class, axis=axis)


class BinaryCrossentropy(Loss):
    fn = staticmethod(_binary)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self._kwargs = dict(from_logits=from_logits, label_smoothing=label_smoothing,
                            axis=axis)


class BinaryFocalCrossentropy(Loss):
    fn = staticmethod(_binary_focal)

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self._kwargs = dict(apply_class_balancing=apply_class_balancing, alpha=alpha,
                            gamma=gamma, from_logits=from_logits,
                            label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(Loss):
    fn = staticmethod(_categorical_focal)

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self._kwargs = dict(alpha=alpha, gamma=gamma, from_logits=from_logits,
                            label_smoothing=label_smoothing, axis=axis)


class MeanSquaredError(Loss):
    fn = staticmethod(_mse)

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error",
                 dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self._kwargs = {}


class MeanAbsoluteError(Loss):
    fn = staticmethod(_mae)

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error",
                 dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self._kwargs = {}


class Huber(Loss):
    fn = staticmethod(_huber)

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self._kwargs = dict(delta=delta)


class KLDivergence(Loss):
    fn = staticmethod(_kl)

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self._kwargs = {}


class _Overlap(Loss):
    def _positions(self, y_pred):
        # the axes that are not summed (none for axis=None: one loss)
        axis = self._kwargs["axis"]
        if axis is None:
            return ()
        rank = _util.ndim(y_pred)
        summed = {a % rank for a in (axis if isinstance(axis, (tuple, list)) else (axis,))}
        return tuple(d for i, d in enumerate(_util.shape(y_pred)) if i not in summed)


class Dice(_Overlap):
    fn = staticmethod(_dice)

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self._kwargs = dict(axis=axis)


class Tversky(_Overlap):
    fn = staticmethod(_tversky)

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self._kwargs = dict(alpha=alpha, beta=beta, axis=axis)


# ---- not in the C library ------------------------------------------------------

poisson = _util.pending("keras.losses.poisson", "the Poisson loss")
hinge = _util.pending("keras.losses.hinge", "the hinge loss")
squared_hinge = _util.pending("keras.losses.squared_hinge", "the squared hinge loss")
categorical_hinge = _util.pending("keras.losses.categorical_hinge", "the hinge loss")

__all__ = [
    "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
    "binary_focal_crossentropy", "categorical_focal_crossentropy", "mean_squared_error",
    "mean_absolute_error", "huber", "kl_divergence", "dice", "tversky",
    "Loss", "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "BinaryCrossentropy",
    "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy", "MeanSquaredError",
    "MeanAbsoluteError", "Huber", "KLDivergence", "Dice", "Tversky",
    "poisson", "hinge", "squared_hinge", "categorical_hinge",
]
