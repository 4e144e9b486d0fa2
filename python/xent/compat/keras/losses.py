"""keras.losses drop-ins (Keras 3 signatures and defaults).

Functions return the per-sample losses as NumPy arrays; the Loss classes
reduce them with Keras's rules (sample_weight, the mask of ignore_class, and
the reductions "sum_over_batch_size" (default), "mean", "sum",
"mean_with_sample_weight" and None / "none"). The classes compute in `dtype`
(default float32, Keras's floatx), as Keras does.

Losses on probabilities (from_logits=False) arrive with xent's probability
losses; until then they raise NotImplementedError.
"""
import numpy as np

from .. import _util
from ... import _xent

_arg = _util.arg


def _class_axis(axis, y_pred):
    if isinstance(axis, bool):
        raise ValueError(
            "`axis` must be of type `int`. Received: axis=%s of type %s" % (axis, type(axis)))
    rank = _util.ndim(y_pred)
    return axis + rank if axis < 0 else axis


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0,
                             axis=-1):
    return _categorical(y_true, y_pred, from_logits, label_smoothing, axis)


def _categorical(y_true, y_pred, from_logits, label_smoothing, axis, **native):
    ax = _class_axis(axis, y_pred)
    if not from_logits:
        raise _util.only_from_logits("categorical_crossentropy")
    y_true, smoothing = _arg(y_true), float(label_smoothing)
    if smoothing and ax != _util.ndim(y_pred) - 1:
        # Keras divides by the LAST axis's length whatever `axis` is.
        t = _util.as_numpy(y_true, _util.float_name(y_pred))
        y_true, smoothing = t * (1.0 - smoothing) + smoothing / t.shape[-1], 0.0
    return _xent.softmax_cross_entropy(_arg(y_pred), y_true, axis=ax,
                                       label_smoothing=smoothing,
                                       **{"reduction": "none", **native})


def _int_labels(y_true):
    y_true = _arg(y_true)
    return y_true if not _util.is_floating(y_true) else _util.as_numpy(y_true).astype(np.int64)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    return _sparse_categorical(y_true, y_pred, from_logits, ignore_class, axis)


def _sparse_categorical(y_true, y_pred, from_logits, ignore_class, axis, **native):
    ax = _class_axis(axis, y_pred)
    if not from_logits:
        raise _util.only_from_logits("sparse_categorical_crossentropy")
    # Labels with the class axis kept at length 1 are accepted as they are.
    return _xent.sparse_softmax_cross_entropy(
        _arg(y_pred), _int_labels(y_true), axis=ax,
        ignore_index=None if ignore_class is None else int(ignore_class),
        **{"reduction": "none", **native})


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    return _binary(y_true, y_pred, from_logits, label_smoothing, axis)


def _binary(y_true, y_pred, from_logits, label_smoothing, axis, **native):
    ax = _class_axis(axis, y_pred)
    if not from_logits:
        raise _util.only_from_logits("binary_crossentropy")
    return _xent.sigmoid_cross_entropy(_arg(y_pred), _arg(y_true), axis=ax,
                                       label_smoothing=float(label_smoothing),
                                       flags=_xent.CE_MEAN_OVER_CLASSES,
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


# ---- coming with the loss issues --------------------------------------------

binary_focal_crossentropy = _util.pending("keras.losses.binary_focal_crossentropy",
                                          "the focal loss")
categorical_focal_crossentropy = _util.pending(
    "keras.losses.categorical_focal_crossentropy", "the focal loss")
mean_squared_error = _util.pending("keras.losses.mean_squared_error", "the squared error")
mean_absolute_error = _util.pending("keras.losses.mean_absolute_error", "the absolute error")
kl_divergence = _util.pending("keras.losses.kl_divergence", "the KL divergence")
dice = _util.pending("keras.losses.dice", "the Dice loss")
tversky = _util.pending("keras.losses.tversky", "the Tversky loss")
poisson = _util.pending("keras.losses.poisson", "the Poisson loss")
hinge = _util.pending("keras.losses.hinge", "the hinge loss")
squared_hinge = _util.pending("keras.losses.squared_hinge", "the squared hinge loss")
categorical_hinge = _util.pending("keras.losses.categorical_hinge", "the hinge loss")

__all__ = [
    "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
    "Loss", "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "BinaryCrossentropy",
    "binary_focal_crossentropy", "categorical_focal_crossentropy", "mean_squared_error",
    "mean_absolute_error", "kl_divergence", "dice", "tversky", "poisson", "hinge",
    "squared_hinge", "categorical_hinge",
]
