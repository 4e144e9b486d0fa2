"""xent.compat.torch.nn.functional and xent.torch against the real PyTorch."""
import warnings

import numpy as np
import pytest

from _inputs import DTYPES, KINDS, LAYOUTS, SHAPES, logits, probabilities, targets01
from conftest import assert_close, scale_of
from xent.compat.torch.nn import functional as XF

# PyTorch's class axis is 1 (0 for an unbatched (C,) input).
TORCH_SHAPES = [s for s, _ in SHAPES]


def _class_axis(shape):
    return 1 if len(shape) >= 2 else 0


def _x(torch, rng, shape, dtype, kind):
    """Logits as a torch tensor in a random layout (read through DLPack)."""
    a = logits(rng, shape, _class_axis(shape), dtype, kind, LAYOUTS[rng.integers(3)])
    return torch.from_numpy(a) if a.strides and min(a.strides) >= 0 else torch.from_numpy(
        np.ascontiguousarray(a))


def _labels(torch, rng, shape, ignore_index=None, frac=0.3):
    ax = _class_axis(shape)
    positions = tuple(d for i, d in enumerate(shape) if i != ax)
    y = rng.integers(0, shape[ax], positions)
    if ignore_index is not None and y.size:
        y[rng.uniform(size=positions) < frac] = ignore_index
    return torch.from_numpy(np.asarray(y, np.int64))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", TORCH_SHAPES)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_normalizers(torch, rng, name, shape, kind, dtype):
    x = _x(torch, rng, shape, dtype, kind)
    for dim in sorted({0, len(shape) - 1, -1}):
        got = getattr(XF, name)(x, dim=dim)
        want = getattr(torch.nn.functional, name)(x, dim=dim)
        assert_close(got, want, dtype, "F." + name, scale_of(x))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_normalizers_implicit_dim_and_dtype(torch, rng, name):
    x = torch.from_numpy(logits(rng, (2, 3, 4), 1, "float32"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = getattr(XF, name)(x)
        want = getattr(torch.nn.functional, name)(x)
    assert len(caught) == 2 and "Implicit dimension" in str(caught[0].message)
    assert_close(got, want, "float32", "F." + name)
    got = getattr(XF, name)(x, 1, dtype=torch.float64)
    want = getattr(torch.nn.functional, name)(x, 1, dtype=torch.float64)
    assert got.dtype == np.float64
    assert_close(got, want, "float64", "F.%s(dtype=float64)" % name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", TORCH_SHAPES)
def test_sigmoid(torch, rng, shape, dtype):
    x = _x(torch, rng, shape, dtype, "wide")
    assert_close(XF.sigmoid(x), torch.sigmoid(x), dtype, "F.sigmoid")


CE_OPTIONS = [
    {},
    dict(reduction="sum"),
    dict(reduction="none"),
    dict(ignore_index=2),
    dict(label_smoothing=0.15),
    dict(weight="w"),
    dict(weight="w", reduction="sum", label_smoothing=0.3),
    dict(weight="w", ignore_index=-100, reduction="none"),
    dict(ignore_index=-100, label_smoothing=0.2),
    dict(weight="w", ignore_index=-100, label_smoothing=0.1),
    dict(size_average=False),
    dict(reduce=False),
]


def _options(torch, rng, opts, classes, dtype):
    opts = dict(opts)
    if opts.get("weight") == "w":
        opts["weight"] = torch.from_numpy(rng.uniform(0.1, 3, classes).astype(dtype))
    return opts


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", TORCH_SHAPES)
@pytest.mark.parametrize("opts", range(len(CE_OPTIONS)))
def test_cross_entropy_class_indices(torch, rng, shape, kind, dtype, opts):
    opts = _options(torch, rng, CE_OPTIONS[opts], shape[_class_axis(shape)], dtype)
    x = _x(torch, rng, shape, dtype, kind)
    y = _labels(torch, rng, shape, opts.get("ignore_index", -100))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = XF.cross_entropy(x, y, **opts)
        want = torch.nn.functional.cross_entropy(x, y, **opts)
    assert_close(got, want, dtype, "F.cross_entropy (class indices)",
                 scale_of(x) * max(1, int(np.prod(shape)) // shape[_class_axis(shape)]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["normal", "wide", "dominant"])
@pytest.mark.parametrize("shape", TORCH_SHAPES)
@pytest.mark.parametrize("opts", [0, 1, 2, 4, 5, 6])
def test_cross_entropy_probabilities(torch, rng, shape, kind, dtype, opts):
    opts = _options(torch, rng, CE_OPTIONS[opts], shape[_class_axis(shape)], dtype)
    x = _x(torch, rng, shape, dtype, kind)
    y = torch.from_numpy(probabilities(rng, shape, _class_axis(shape), dtype))
    got = XF.cross_entropy(x, y, **opts)
    want = torch.nn.functional.cross_entropy(x, y, **opts)
    assert_close(got, want, dtype, "F.cross_entropy (probabilities)",
                 scale_of(x) * max(1, int(np.prod(shape)) // shape[_class_axis(shape)]))


def test_cross_entropy_everything_ignored_is_nan(torch):
    x = torch.zeros(3, 4)
    y = torch.full((3,), -100)
    assert np.isnan(XF.cross_entropy(x, y)) and torch.isnan(torch.nn.functional.cross_entropy(x, y))


def test_cross_entropy_label_out_of_range(torch):
    with pytest.raises(IndexError, match=r"labels\[2\] = 7 is outside \[0, 4\)"):
        XF.cross_entropy(torch.zeros(3, 4), torch.tensor([0, 1, 7]))


BCE_OPTIONS = [
    {},
    dict(reduction="sum"),
    dict(reduction="none"),
    dict(weight="per_element"),
    dict(weight="per_row", reduction="sum"),
    dict(pos_weight="per_class"),
    dict(pos_weight="scalar", reduction="none"),
    dict(weight="per_class", pos_weight="per_class", reduction="mean"),
    dict(reduce=False),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", TORCH_SHAPES + [()])
@pytest.mark.parametrize("opts", range(len(BCE_OPTIONS)))
def test_binary_cross_entropy_with_logits(torch, rng, shape, kind, dtype, opts):
    opts = dict(BCE_OPTIONS[opts])
    if shape == () and "pos_weight" in opts:
        pytest.skip("PyTorch 1.13 refuses pos_weight with a 0-d input")
    x = torch.from_numpy(np.asarray(logits(rng, shape, -1, dtype, kind)) if shape
                         else np.asarray(rng.standard_normal(), dtype))
    z = torch.from_numpy(targets01(rng, shape, dtype))
    c = shape[-1] if shape else 1
    w = {"per_element": shape, "per_row": shape[:-1] + (1,) if shape else (),
         "per_class": (c,)}.get(opts.get("weight"))
    if w is not None:
        opts["weight"] = torch.from_numpy(rng.uniform(0, 2, w).astype(dtype))
    if opts.get("pos_weight") == "per_class":
        opts["pos_weight"] = torch.from_numpy(rng.uniform(0, 4, (c,)).astype(dtype))
    elif opts.get("pos_weight") == "scalar":
        opts["pos_weight"] = torch.tensor([2.5], dtype=x.dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = XF.binary_cross_entropy_with_logits(x, z, **opts)
        want = torch.nn.functional.binary_cross_entropy_with_logits(x, z, **opts)
    assert_close(got, want, dtype, "F.binary_cross_entropy_with_logits",
                 scale_of(x) * 8 * max(1, int(np.prod(shape))))


# ---- xent.torch: autograd -----------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4), (5,), (0, 3)])
@pytest.mark.parametrize("opts", range(len(CE_OPTIONS) - 2))
def test_autograd_cross_entropy(torch, rng, shape, dtype, opts):
    import xent.torch as xt

    opts = _options(torch, rng, CE_OPTIONS[opts], shape[_class_axis(shape)], dtype)
    base = _x(torch, rng, shape, dtype, "normal")
    y = _labels(torch, rng, shape, opts.get("ignore_index", -100))
    a, b = base.clone().requires_grad_(), base.clone().requires_grad_()
    la = xt.cross_entropy(a, y, **opts)
    lb = torch.nn.functional.cross_entropy(b, y, **opts)
    up = torch.from_numpy(rng.uniform(0.5, 2, tuple(lb.shape)).astype(dtype))
    (la * up).sum().backward()
    (lb * up).sum().backward()
    s = scale_of(base) * max(1, int(np.prod(shape)))
    assert_close(la.detach(), lb, dtype, "xent.torch.cross_entropy", s)
    assert_close(a.grad, b.grad, dtype, "xent.torch.cross_entropy grad", s)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_autograd_bce_with_logits(torch, rng, dtype, reduction):
    import xent.torch as xt

    base = torch.from_numpy(logits(rng, (6, 3), -1, dtype))
    z = torch.from_numpy(targets01(rng, (6, 3), dtype))
    pw = torch.from_numpy(rng.uniform(0, 3, 3).astype(dtype))
    a, b = base.clone().requires_grad_(), base.clone().requires_grad_()
    la = xt.BCEWithLogitsLoss(reduction=reduction, pos_weight=pw)(a, z)
    lb = torch.nn.BCEWithLogitsLoss(reduction=reduction, pos_weight=pw)(b, z)
    (la * 3).sum().backward()
    (lb * 3).sum().backward()
    assert_close(la.detach(), lb, dtype, "xent.torch.BCEWithLogitsLoss", scale_of(base) * 20)
    assert_close(a.grad, b.grad, dtype, "xent.torch.BCEWithLogitsLoss grad", scale_of(base))


def test_autograd_half_precision(torch, rng):
    import xent.torch as xt

    for dt in (torch.float16, torch.bfloat16):
        base = torch.from_numpy(logits(rng, (8, 10), -1, "float32")).to(dt)
        y = torch.from_numpy(rng.integers(0, 10, 8))
        a = base.clone().requires_grad_()
        loss = xt.CrossEntropyLoss()(a, y)
        loss.backward()
        assert loss.dtype == dt and a.grad.dtype == dt
        want = torch.nn.functional.cross_entropy(base.double(), y)
        assert abs(loss.double().item() - want.item()) <= 1e-2 * abs(want.item())


def test_autograd_gradcheck(torch, rng):
    import xent.torch as xt

    x = torch.from_numpy(logits(rng, (3, 4), -1, "float64")).requires_grad_()
    y = torch.tensor([0, 3, 1])
    w = torch.tensor([1.0, 2.0, 0.5, 1.5], dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda t: xt.cross_entropy(t, y, weight=w, label_smoothing=0.1), (x,))
    assert torch.autograd.gradcheck(
        lambda t: xt.cross_entropy(t, y, reduction="none"), (x,))
