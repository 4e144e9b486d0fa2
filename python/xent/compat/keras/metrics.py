"""keras.metrics drop-ins (Keras 3). The loss-like metric functions are the
loss functions (Keras exports the same objects under both names). The accuracy
functions return one value per element (binary_accuracy) or per position
(the others) as float32 arrays, as Keras does; each value is computed by one
of xent's accuracy updates on that element or position.

Where xent's rules differ from Keras's (docs/compat.md): NaN predictions and
sparse labels outside [0, C) are errors (ValueError, IndexError) rather than
misses, and the top-k functions rank infinite scores as ordinary values
(tf.math.in_top_k counts a row holding an infinity as a miss).
"""
import numpy as np

from .. import _util
from ... import _xent
from .losses import (  # noqa: F401
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    huber,
    kl_divergence,
    mean_absolute_error,
    mean_squared_error,
    sparse_categorical_crossentropy,
)

_arg = _util.arg
_FLOATX = "float32"


def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_true, y_pred = _util.same_rank(_arg(y_true), _arg(y_pred))
    # Keras compares with the threshold as a float32 tensor.
    threshold = float(np.float32(threshold))
    return _xent.binary_accuracy(y_true, y_pred, threshold=threshold,
                                 groups=_util.ndim(y_pred), dtype=_FLOATX)


def categorical_accuracy(y_true, y_pred):
    return _xent.categorical_accuracy(_arg(y_true), _arg(y_pred),
                                      groups=_util.ndim(y_pred) - 1, dtype=_FLOATX)


def _sparse_labels(y_true, y_pred):
    """Keras's sparse labels: a trailing axis of length 1 squeezed when the
    ranks are equal; float labels (Keras casts them) as int64 when they are
    whole numbers."""
    y_true = _arg(y_true)
    if _util.ndim(y_true) == _util.ndim(y_pred) and _util.shape(y_true)[-1:] == (1,):
        y_true = _util.as_numpy(y_true)[..., 0]
    if _util.is_floating(y_true):
        t = _util.as_numpy(y_true)
        if not np.array_equal(t, np.trunc(t)):
            raise ValueError("sparse labels must be whole numbers (class indices)")
        y_true = t.astype(np.int64)
    return y_true


def sparse_categorical_accuracy(y_true, y_pred):
    y_true = _sparse_labels(y_true, y_pred)
    return _xent.sparse_categorical_accuracy(y_true, _arg(y_pred),
                                             groups=_util.ndim(y_pred) - 1, dtype=_FLOATX)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    return _xent.top_k_categorical_accuracy(_arg(y_true), _arg(y_pred), k=int(k),
                                            groups=_util.ndim(y_pred) - 1, dtype=_FLOATX)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    if from_sorted_ids:
        # y_pred holds the ids of the top classes, best first: a lookup.
        ids = _util.as_numpy(y_pred)
        t = _util.as_numpy(y_true).reshape(-1)
        hits = (ids.reshape(-1, ids.shape[-1])[:, :k] == t[:, None]).any(axis=1)
        return hits.astype(_FLOATX).reshape(_util.shape(y_true))
    y_true = _sparse_labels(y_true, y_pred)
    return _xent.sparse_top_k_categorical_accuracy(y_true, _arg(y_pred), k=int(k),
                                                   groups=_util.ndim(y_pred) - 1,
                                                   dtype=_FLOATX)


__all__ = [
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "binary_focal_crossentropy", "categorical_focal_crossentropy", "mean_squared_error",
    "mean_absolute_error", "huber", "kl_divergence",
    "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
]
