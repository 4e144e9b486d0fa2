"""PyTorch integration: losses whose backward is xent's fused gradient.

    import xent.torch
    loss_fn = xent.torch.CrossEntropyLoss()          # as torch.nn.CrossEntropyLoss
    loss = loss_fn(model(x), y); loss.backward()

The forward pass computes the loss and d(loss)/d(logits) in one call into
tensors allocated by PyTorch (written in place through DLPack); the backward
pass scales that gradient by the incoming one. Nothing is recomputed and
nothing is copied. Works for float16, bfloat16, float32 and float64 CPU
tensors; the arguments, defaults and values are PyTorch's (see
xent.compat.torch.nn.functional), except that the loss keeps its tiny values
for confident predictions (xent is exact there).

Gradients flow to the logits only: targets, weight and pos_weight are treated
as constants (as they are in almost every training loop).
"""
import torch

from ._xent import sigmoid_cross_entropy as _sigmoid_ce
from .compat._util import arg as _arg
from .compat.torch.nn import functional as _F


def _positions_shape(input, axis, reduction, per_element):
    if reduction != "none":
        return ()
    shape = list(input.shape)
    if not per_element:
        del shape[axis]
    return tuple(shape)


class _FusedLoss(torch.autograd.Function):
    """loss = fn(logits, target, **kwargs), with the gradient from the same call."""

    @staticmethod
    def forward(ctx, logits, target, fn, kwargs, per_element):
        x = logits.detach()
        axis = kwargs.get("axis", -1) % max(x.dim(), 1)
        reduction = kwargs["reduction"]
        loss = torch.empty(_positions_shape(x, axis, reduction, per_element), dtype=x.dtype)
        if logits.requires_grad:
            grad = torch.empty(x.shape, dtype=x.dtype)
            fn(x, _arg(target), loss_out=loss, grad_out=grad, **kwargs)
            ctx.save_for_backward(grad)
        else:
            fn(x, _arg(target), loss_out=loss, **kwargs)
            ctx.save_for_backward(None)
        ctx.axis, ctx.scalar, ctx.per_element = axis, reduction != "none", per_element
        return loss

    @staticmethod
    def backward(ctx, grad_output):
        (grad,) = ctx.saved_tensors
        if grad is None:
            return None, None, None, None, None
        if ctx.scalar or ctx.per_element:
            scale = grad_output
        else:  # one loss per position: broadcast along the class axis
            scale = grad_output.unsqueeze(ctx.axis)
        return grad * scale, None, None, None, None


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """torch.nn.functional.cross_entropy computed by xent, differentiable in input."""
    fn, kwargs = _F.cross_entropy_args(input, target, weight, size_average, ignore_index,
                                       reduce, reduction, label_smoothing)
    return _FusedLoss.apply(input, target, fn, kwargs, False)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """torch.nn.functional.binary_cross_entropy_with_logits computed by xent."""
    kwargs = _F.bce_with_logits_args(input, target, weight, size_average, reduce, reduction,
                                     pos_weight)
    if input.dim() == 0:
        return binary_cross_entropy_with_logits(
            input.reshape(1), target.reshape(1),
            None if weight is None else torch.as_tensor(weight).reshape(1),
            None, None, reduction, pos_weight).reshape(())
    return _FusedLoss.apply(input, target, _sigmoid_ce, kwargs, True)


class CrossEntropyLoss(torch.nn.Module):
    """Drop-in for torch.nn.CrossEntropyLoss (same arguments and defaults)."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _F.legacy_reduction(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index
        self.reduction = reduction
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                             reduction=self.reduction, label_smoothing=self.label_smoothing)


class BCEWithLogitsLoss(torch.nn.Module):
    """Drop-in for torch.nn.BCEWithLogitsLoss (same arguments and defaults)."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _F.legacy_reduction(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)
        self.reduction = reduction

    def forward(self, input, target):
        return binary_cross_entropy_with_logits(input, target, self.weight,
                                                reduction=self.reduction,
                                                pos_weight=self.pos_weight)


__all__ = ["cross_entropy", "binary_cross_entropy_with_logits", "CrossEntropyLoss",
           "BCEWithLogitsLoss"]
