"""torch.nn.functional drop-ins (PyTorch signatures and defaults), returning
NumPy arrays (0-d for reduced losses). Legacy size_average / reduce are
honoured as PyTorch honours them. A mean over nothing (every target ignored,
empty batch) is NaN, as in PyTorch.

xent.torch wraps the same argument mapping in a torch.autograd.Function.
"""
import warnings

from ... import _util
from .... import _xent

_arg = _util.arg


def legacy_reduction(size_average, reduce, reduction):
    """torch.nn._reduction.legacy_get_string (with its warning)."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "none" if not reduce else ("mean" if size_average else "sum")
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  "reduction='%s' instead." % result, stacklevel=3)
    return result


def _check_reduction(reduction):
    if reduction not in ("none", "mean", "sum"):
        raise ValueError("%s is not a valid value for reduction" % reduction)


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn("Implicit dimension choice for %s has been deprecated. Change the call "
                  "to include dim=X as an argument." % name, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmax", _util.ndim(input), _stacklevel)
    return _xent.softmax(_arg(input), dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("log_softmax", _util.ndim(input), _stacklevel)
    return _xent.log_softmax(_arg(input), dim, dtype=dtype)


def sigmoid(input):
    return _xent.sigmoid(_arg(input))


def cross_entropy_args(input, target, weight=None, size_average=None, ignore_index=-100,
                       reduce=None, reduction="mean", label_smoothing=0.0):
    """(native function, keyword arguments) for F.cross_entropy's arguments.
    Class axis 1 (0 for an unbatched (C,) input); probability targets (float,
    the input's shape) or class indices."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    kwargs = dict(axis=1 if _util.ndim(input) >= 2 else 0, reduction=reduction,
                  empty="nan", label_smoothing=float(label_smoothing),
                  class_weights=_arg(weight))
    if _util.is_floating(target):
        return _xent.softmax_cross_entropy, kwargs
    return _xent.sparse_softmax_cross_entropy, dict(kwargs, ignore_index=int(ignore_index))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    fn, kwargs = cross_entropy_args(input, target, weight, size_average, ignore_index, reduce,
                                    reduction, label_smoothing)
    return fn(_arg(input), _arg(target), **kwargs)


def bce_with_logits_args(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean", pos_weight=None):
    """Keyword arguments of sigmoid_cross_entropy for F.binary_cross_entropy_with_logits.
    PyTorch's mean is over elements, weighted or not: sum / numel."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    shape = _util.shape(input)
    if _util.shape(target) != shape:
        raise ValueError("Target size (%s) must be the same as input size (%s)"
                         % (list(_util.shape(target)), list(shape)))
    kwargs = dict(axis=-1, empty="nan",
                  reduction={"mean": "sum_over_batch_size"}.get(reduction, reduction))
    if weight is not None:
        kwargs["sample_weights"] = _util.float_weights(weight, shape, _util.float_name(input))
    if pos_weight is not None:
        kwargs["pos_weight"] = _util.per_class(pos_weight, input)
    return kwargs


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    kwargs = bce_with_logits_args(input, target, weight, size_average, reduce, reduction,
                                  pos_weight)
    x, t = _arg(input), _arg(target)
    if _util.ndim(input) == 0:  # xent needs a class axis: view the scalar as (1,)
        x, t = _util.as_numpy(x).reshape(1), _util.as_numpy(t).reshape(1)
        if "sample_weights" in kwargs:
            kwargs["sample_weights"] = kwargs["sample_weights"].reshape(1)
        out = _xent.sigmoid_cross_entropy(x, t, **kwargs)
        return out.reshape(()) if kwargs["reduction"] == "none" else out
    return _xent.sigmoid_cross_entropy(x, t, **kwargs)


nll_loss = _util.pending("torch.nn.functional.nll_loss", "the loss on log-probabilities")
binary_cross_entropy = _util.pending("torch.nn.functional.binary_cross_entropy",
                                     "binary cross-entropy on probabilities")
mse_loss = _util.pending("torch.nn.functional.mse_loss", "the squared error")
l1_loss = _util.pending("torch.nn.functional.l1_loss", "the absolute error")
kl_div = _util.pending("torch.nn.functional.kl_div", "the KL divergence")

__all__ = [
    "softmax", "log_softmax", "sigmoid", "cross_entropy", "binary_cross_entropy_with_logits",
    "nll_loss", "binary_cross_entropy", "mse_loss", "l1_loss", "kl_div",
]
