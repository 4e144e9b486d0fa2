"""torch.nn.functional drop-ins (PyTorch signatures and defaults), returning
NumPy arrays (0-d for reduced losses). Legacy size_average / reduce are
honoured as PyTorch honours them. A mean over nothing (every target ignored,
empty batch) is NaN, as in PyTorch.

xent.torch wraps the same argument mapping in a torch.autograd.Function.
"""
import warnings

import numpy as np

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


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    return _xent.nll_loss(_arg(input), _arg(target), axis=1 if _util.ndim(input) >= 2 else 0,
                          reduction=reduction, empty="nan", ignore_index=int(ignore_index),
                          class_weights=_arg(weight))


def _same_size(input, target):
    if _util.shape(target) != _util.shape(input):
        raise ValueError(
            "Using a target size ({}) that is different to the input size ({}) is deprecated. "
            "Please ensure they have the same size.".format(_size(target), _size(input)))


def _size(x):
    return "torch.Size(%s)" % list(_util.shape(x))


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _same_size(input, target)
    kwargs = dict(mode="torch", axis=-1, empty="nan",
                  reduction={"mean": "sum_over_batch_size"}.get(reduction, reduction))
    if weight is not None:
        # torch expands weight to the target's size (NumPy's broadcasting)
        kwargs["sample_weights"] = _util.float_weights(weight, _util.shape(input),
                                                       _util.float_name(input))
    return _elementwise(_xent.binary_cross_entropy, _arg(input), _arg(target), **kwargs)


def _elementwise(fn, x, t, **kwargs):
    """fn on element-wise losses; a 0-d input is viewed as (1,) (xent's
    element-wise losses need an axis) and its 'none' loss given back 0-d."""
    if _util.ndim(x) > 0:
        return fn(x, t, **kwargs)
    x, t = _util.as_numpy(x).reshape(1), _util.as_numpy(t).reshape(1)
    if "sample_weights" in kwargs:
        kwargs["sample_weights"] = kwargs["sample_weights"].reshape(1)
    out = fn(x, t, **kwargs)
    return out.reshape(()) if kwargs.get("reduction") == "none" else out


def _broadcast(input, target, stacklevel=4):
    """torch broadcasts input and target of different sizes, with a warning."""
    if _util.shape(target) == _util.shape(input):
        return _arg(input), _arg(target)
    warnings.warn(
        "Using a target size ({}) that is different to the input size ({}). "
        "This will likely lead to incorrect results due to broadcasting. "
        "Please ensure they have the same size.".format(_size(target), _size(input)),
        stacklevel=stacklevel)
    return tuple(np.broadcast_arrays(_util.as_numpy(input), _util.as_numpy(target)))


def _pointwise(fn, input, target, reduction, **kwargs):
    _check_reduction(reduction)
    x, t = _broadcast(input, target)
    return _elementwise(fn, x, t, empty="nan",
                        reduction={"mean": "sum_over_batch_size"}.get(reduction, reduction),
                        **kwargs)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = legacy_reduction(size_average, reduce, reduction)
    return _pointwise(_xent.mean_squared_error, input, target, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = legacy_reduction(size_average, reduce, reduction)
    return _pointwise(_xent.mean_absolute_error, input, target, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    return _pointwise(_xent.huber_loss, input, target, reduction, delta=float(delta))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    reduction = legacy_reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:
        return _pointwise(_xent.mean_absolute_error, input, target, reduction)
    # smooth_l1(beta) = huber(delta=beta) / beta
    loss = _pointwise(_xent.huber_loss, input, target, reduction, delta=float(beta))
    return (loss / np.asarray(beta, loss.dtype)).astype(loss.dtype, copy=False)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """torch's pointwise target * (log(target) - input), computed as xent's KL
    divergence of p = exp(input) (in float64) from the target, each element its
    own position. Defined here for log-probabilities (input <= 0) and targets
    in [0, 1] (log_target: <= 0); other values raise ValueError (xent's
    divergence clips probabilities to [0, 1])."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.", stacklevel=2)
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError("%s is not a valid value for reduction" % reduction)
    x, t = (_util.as_numpy(a) for a in _broadcast(input, target))
    out_dtype = _util.float_name(input)
    if (x > 0).any() or ((t > 0).any() if log_target else ((t < 0) | (t > 1)).any()):
        raise ValueError(
            "xent's kl_div takes log-probabilities (input <= 0) and probabilities "
            "(target in [0, 1], or <= 0 with log_target=True)")
    p = np.exp(x.astype(np.float64))[..., None]
    q = (np.exp(t.astype(np.float64)) if log_target else t.astype(np.float64))[..., None]
    native = {"mean": "sum_over_batch_size", "batchmean": "sum"}.get(reduction, reduction)
    loss = _xent.kl_divergence(p, q, eps=0.0, axis=-1, reduction=native, empty="nan")
    if reduction == "batchmean" and x.ndim:
        loss = loss / x.shape[0]
    return np.asarray(loss).astype(out_dtype, copy=False)


__all__ = [
    "softmax", "log_softmax", "sigmoid", "cross_entropy", "binary_cross_entropy_with_logits",
    "nll_loss", "binary_cross_entropy", "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss",
    "kl_div",
]
