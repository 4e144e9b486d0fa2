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


def _pointwise(fn, labels, predictions, weights, reduction, **kwargs):
    Reduction.validate(reduction)
    if _util.shape(labels) != _util.shape(predictions):
        raise ValueError("Shapes %s and %s are incompatible"
                         % (_util.shape(labels), _util.shape(predictions)))
    labels = _util.cast_like(labels, predictions)
    return fn(_arg(predictions), labels, axis=-1, reduction=_NATIVE[reduction],
              sample_weights=_weights(weights, _util.shape(predictions), predictions), **kwargs)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None,
             loss_collection="losses", reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    # -y log(p + eps) - (1 - y) log(1 - p + eps), element-wise
    return _pointwise(_xent.binary_cross_entropy, labels, predictions, weights, reduction,
                      mode="tf_v1", eps=float(epsilon))


def mean_squared_error(labels, predictions, weights=1.0, scope=None,
                       loss_collection="losses", reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    return _pointwise(_xent.mean_squared_error, labels, predictions, weights, reduction)


def absolute_difference(labels, predictions, weights=1.0, scope=None,
                        loss_collection="losses", reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    return _pointwise(_xent.mean_absolute_error, labels, predictions, weights, reduction)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None,
               loss_collection="losses", reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    return _pointwise(_xent.huber_loss, labels, predictions, weights, reduction,
                      delta=float(delta))


def mean_pairwise_squared_error(labels, predictions, weights=1.0, scope=None,
                                loss_collection="losses"):
    """The sum over the batch of each sample's mean squared pairwise difference
    (pairs within a sample). Weights: a scalar, or of labels' rank with each
    extent 1 or equal (TensorFlow's assert_broadcastable). A nonzero scalar
    weight makes TensorFlow count each sample's elements as those of the whole
    batch (its _num_present shortcut, taken for a Python float weight and, in
    eager mode, for any scalar): reproduced here with MPSE_TF_EAGER_COUNT, as
    these functions run eagerly."""
    if _util.shape(labels) != _util.shape(predictions):
        raise ValueError("Shapes %s and %s are incompatible"
                         % (_util.shape(labels), _util.shape(predictions)))
    w = _util.as_numpy(weights)
    if w.dtype.kind != "f":
        w = w.astype(_util.float_name(predictions))
    flags = 0
    if w.ndim == 0 and w != 0:
        flags = _xent.MPSE_TF_EAGER_COUNT
    elif w.ndim and w.ndim != _util.ndim(predictions):
        raise ValueError("weights can not be broadcast to values: weights of shape %s, "
                         "values of shape %s" % (w.shape, _util.shape(predictions)))
    return _xent.mean_pairwise_squared_error(
        _arg(predictions), _util.cast_like(labels, predictions), reduction="sum",
        sample_weights=w, flags=flags)


hinge_loss = _util.pending("tf.compat.v1.losses.hinge_loss", "the hinge loss")
cosine_distance = _util.pending("tf.compat.v1.losses.cosine_distance",
                                "the cosine distance")

__all__ = [
    "Reduction", "softmax_cross_entropy", "sparse_softmax_cross_entropy",
    "sigmoid_cross_entropy", "log_loss", "mean_pairwise_squared_error",
    "mean_squared_error", "absolute_difference", "huber_loss", "hinge_loss",
    "cosine_distance",
]
