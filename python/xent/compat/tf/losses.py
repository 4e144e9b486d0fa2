"""tf.compat.v1.losses drop-ins (the TF1 losses, still the ones with
SUM_BY_NONZERO_WEIGHTS as their default reduction). `scope` and
`loss_collection` are accepted and ignored (there is no graph).

TensorFlow computes these reductions in float32 even for float64 inputs;
xent computes them in the inputs' precision.
"""
from .. import _util
from ... import _xent

_arg = _util.arg


class Reduction:
    """tf.compat.v1.losses.Reduction."""

    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE,
                cls.SUM_OVER_NONZERO_WEIGHTS, cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError("Invalid Reduction Key %s." % key)


_NATIVE = {
    Reduction.NONE: "none",
    Reduction.SUM: "sum",
    Reduction.MEAN: "mean",
    Reduction.SUM_OVER_BATCH_SIZE: "sum_over_batch_size",
    Reduction.SUM_BY_NONZERO_WEIGHTS: "sum_by_nonzero_weights",
}


def _weights(weights, loss_shape, logits):
    """TF1 weights (a scalar, or broadcastable to the losses; one trailing axis
    of length 1 is squeezed) as a stride-0 view of the losses' shape."""
    w = _util.as_numpy(weights)
    if w.ndim == len(loss_shape) + 1 and w.shape[-1] == 1:
        w = w.reshape(w.shape[:-1])
    return _util.float_weights(w, loss_shape, _util.float_name(logits))


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection="losses",
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    Reduction.validate(reduction)
    positions = _util.shape(logits)[:-1]
    return _xent.softmax_cross_entropy(
        _arg(logits), _arg(onehot_labels), axis=-1, reduction=_NATIVE[reduction],
        label_smoothing=float(label_smoothing),
        sample_weights=_weights(weights, positions, logits))


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None,
                                 loss_collection="losses",
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    Reduction.validate(reduction)
    positions = _util.shape(logits)[:-1]
    return _xent.sparse_softmax_cross_entropy(
        _arg(logits), _arg(labels), axis=-1, reduction=_NATIVE[reduction],
        sample_weights=_weights(weights, positions, logits))


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0,
                          scope=None, loss_collection="losses",
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    Reduction.validate(reduction)
    return _xent.sigmoid_cross_entropy(
        _arg(logits), _arg(multi_class_labels), axis=-1, reduction=_NATIVE[reduction],
        label_smoothing=float(label_smoothing),
        sample_weights=_weights(weights, _util.shape(logits), logits))


log_loss = _util.pending("tf.compat.v1.losses.log_loss", "log loss on probabilities")
mean_pairwise_squared_error = _util.pending(
    "tf.compat.v1.losses.mean_pairwise_squared_error", "the pairwise squared error")
mean_squared_error = _util.pending("tf.compat.v1.losses.mean_squared_error",
                                   "the squared error")
absolute_difference = _util.pending("tf.compat.v1.losses.absolute_difference",
                                    "the absolute error")
hinge_loss = _util.pending("tf.compat.v1.losses.hinge_loss", "the hinge loss")
huber_loss = _util.pending("tf.compat.v1.losses.huber_loss", "the Huber loss")
cosine_distance = _util.pending("tf.compat.v1.losses.cosine_distance",
                                "the cosine distance")

__all__ = [
    "Reduction", "softmax_cross_entropy", "sparse_softmax_cross_entropy",
    "sigmoid_cross_entropy", "log_loss", "mean_pairwise_squared_error",
    "mean_squared_error", "absolute_difference", "hinge_loss", "huber_loss",
    "cosine_distance",
]
