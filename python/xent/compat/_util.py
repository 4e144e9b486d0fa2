"""Helpers shared by the compat namespaces: argument plumbing only; every
number is computed by the C library."""
import numpy as np


def arg(x):
    """An argument as xent reads it: PyTorch tensors detached (DLPack refuses
    tensors that require grad), everything else untouched (read in place)."""
    if x is not None and type(x).__module__.startswith("torch") and getattr(
        x, "requires_grad", False
    ):
        return x.detach()
    return x


def shape(x):
    s = getattr(x, "shape", None)
    return tuple(int(d) for d in s) if s is not None else np.shape(x)


def ndim(x):
    return len(shape(x))


def dtype_name(x):
    """'float32', 'int64', 'bfloat16', ... for a NumPy / PyTorch / TensorFlow
    array or anything numpy.asarray takes."""
    d = getattr(x, "dtype", None)
    if d is None:
        return np.asarray(x).dtype.name
    s = str(d)
    if s.startswith("torch."):
        return s[6:]
    name = getattr(d, "name", None)  # NumPy and TensorFlow dtypes
    return name if isinstance(name, str) else np.dtype(d).name


def is_floating(x):
    n = dtype_name(x)
    return n.startswith("float") or n == "bfloat16"


def as_numpy(x, dtype=None):
    """A NumPy view (no copy where possible) of a small auxiliary argument
    (weights), for broadcasting; bfloat16 tensors are widened."""
    x = arg(x)
    if type(x).__module__.startswith("torch") and str(x.dtype) == "torch.bfloat16":
        x = x.float()
    a = np.asarray(x)
    return a if dtype is None else a.astype(dtype, copy=False)


def float_weights(w, target_shape, dtype):
    """Weights broadcast (NumPy's right-aligned rules, as TensorFlow and PyTorch
    broadcast them) to `target_shape`: a stride-0 view, no copy."""
    a = as_numpy(w)
    if a.dtype.kind != "f":
        a = a.astype(dtype)
    return np.broadcast_to(a, target_shape)


def float_name(x):
    """The dtype name outputs get for input x (bfloat16 has no NumPy type)."""
    n = dtype_name(x)
    return "float32" if n == "bfloat16" else n


def per_class(w, logits):
    """A positive-class weight as xent takes it: one element, or one per class
    of the last axis (also given with leading axes of length 1)."""
    w = as_numpy(w)
    classes = shape(logits)[-1] if ndim(logits) else 1
    if w.dtype.kind != "f":
        w = w.astype(float_name(logits))
    if w.size == 1:
        return w.reshape(())
    if w.ndim >= 1 and w.shape[-1] == classes and w.size == classes:
        return w.reshape(classes)
    raise NotImplementedError(
        "pos_weight of shape %s: xent takes one value or one per class (%d); "
        "a per-element pos_weight is not supported" % (w.shape, classes))


def cast_like(x, ref):
    """x in the float dtype of ref (as Keras casts y_true to y_pred's dtype):
    x itself, read in place, when it has that dtype already."""
    name = float_name(ref)
    if dtype_name(x) == name:
        return arg(x)
    return as_numpy(x).astype(name)


def same_rank(x1, x2, expand_rank_1=True):
    """keras's squeeze_or_expand_to_same_rank: when the ranks differ by one and
    the longer one ends in an axis of length 1, that axis is squeezed (or the
    rank-1 one expanded). Returns views (or the arguments themselves)."""
    r1, r2 = ndim(x1), ndim(x2)
    if r1 == r2 + 1 and shape(x1)[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = as_numpy(x2)[..., None]
        else:
            x1 = as_numpy(x1)[..., 0]
    elif r2 == r1 + 1 and shape(x2)[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = as_numpy(x1)[..., None]
        else:
            x2 = as_numpy(x2)[..., 0]
    return x1, x2


def pending(name, what, issue="the loss and metric issues"):
    """A stub for `name`, which needs `what` from the C library (coming with
    `issue`): raises NotImplementedError with that message."""

    def stub(*args, **kwargs):
        raise NotImplementedError(
            "%s is not implemented yet: it needs %s in the xent C library (%s)"
            % (name, what, issue)
        )

    stub.__name__ = name.rsplit(".", 1)[-1]
    stub.__qualname__ = stub.__name__
    stub.__doc__ = "Not implemented yet: needs %s (%s)." % (what, issue)
    return stub



