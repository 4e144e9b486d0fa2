"""tf.nn drop-ins (TensorFlow 2 signatures). `name` is accepted and ignored.

Values agree with TensorFlow's except where xent is exact and TensorFlow is
not: confidently correct predictions keep their tiny losses, rows with +inf
logits follow the limit rules, and fully masked rows (-inf everywhere) give
softmax 0 rather than NaN (see include/xent.h).
"""

from .. import _util
from ... import _xent

_arg = _util.arg


def softmax(logits, axis=None, name=None):
    return _xent.softmax(_arg(logits), -1 if axis is None else axis)


def log_softmax(logits, axis=None, name=None):
    return _xent.log_softmax(_arg(logits), -1 if axis is None else axis)


def sigmoid(x, name=None):
    return _xent.sigmoid(_arg(x))


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    return _xent.softmax_cross_entropy(_arg(logits), _arg(labels), axis=axis,
                                       reduction="none")


def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None):
    return _xent.sparse_softmax_cross_entropy(_arg(logits), _arg(labels), axis=-1,
                                              reduction="none")


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    if labels is None or logits is None:
        raise ValueError("Both labels and logits must be provided.")
    return _xent.sigmoid_cross_entropy(_arg(logits), _arg(labels), axis=-1,
                                       reduction="none")


def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None):
    return _xent.sigmoid_cross_entropy(_arg(logits), _arg(labels), axis=-1,
                                       reduction="none",
                                       pos_weight=_util.per_class(pos_weight, logits))


__all__ = [
    "softmax", "log_softmax", "sigmoid",
    "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
    "sigmoid_cross_entropy_with_logits", "weighted_cross_entropy_with_logits",
]
