"""The native API (xent.softmax, ..., xent.sigmoid_cross_entropy): values
against long-double references, shapes, every option keyword, outputs, and the
status -> exception mapping with the library's detail strings."""

import numpy as np
import pytest

import xent
from _gil import longest_pause

LD = np.longdouble


def _lsm(x, axis):
    x = np.asarray(x, LD)
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def _close(a, b, dtype, ulps=4):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(a, b, rtol=ulps * eps, atol=ulps * eps * 1e-3)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,axis", [((4, 6), -1), ((4, 6), 0), ((2, 3, 5), 1), ((7,), 0)])
def test_normalizers(rng, dtype, shape, axis):
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    ref = _lsm(x, axis)
    _close(xent.log_softmax(x, axis), ref, dtype)
    _close(xent.softmax(x, axis), np.exp(ref), dtype)
    lse = np.log(np.exp(np.asarray(x, LD)).sum(axis=axis))
    _close(xent.logsumexp(x, axis), lse, dtype)
    assert xent.logsumexp(x, axis, keepdims=True).shape == np.expand_dims(lse, axis).shape
    h = xent.hardmax(x, axis)
    np.testing.assert_array_equal(h.argmax(axis), x.argmax(axis))
    np.testing.assert_array_equal(xent.argmax(x, axis), x.argmax(axis))
    assert xent.argmax(x, axis, dtype="int32").dtype == np.int32
    assert xent.argmax(x, axis, keepdims=True).shape == np.expand_dims(x.argmax(axis), axis).shape


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_backward_passes(rng, dtype):
    x = rng.standard_normal((3, 5)).astype(dtype)
    dy = rng.standard_normal((3, 5)).astype(dtype)
    xl = np.asarray(x, LD)
    s = np.exp(_lsm(x, -1))
    _close(xent.softmax_backward(xent.softmax(x), dy),
           s * (dy - (s * dy).sum(-1, keepdims=True)), dtype, 64)
    _close(xent.log_softmax_backward(xent.log_softmax(x), dy),
           dy - s * dy.sum(-1, keepdims=True), dtype, 64)
    dout = rng.standard_normal(3).astype(dtype)
    _close(xent.logsumexp_backward(x, dout), dout[:, None] * s, dtype, 8)
    sig = 1 / (1 + np.exp(-xl))
    _close(xent.sigmoid(x), sig, dtype)
    _close(xent.sigmoid_backward(x, dy), dy * sig * (1 - sig), dtype, 8)
    _close(xent.log_sigmoid(x), np.log(sig), dtype)
    _close(xent.log_sigmoid_backward(x, dy), dy * (1 - sig), dtype, 8)
    _close(xent.softplus(x), np.log1p(np.exp(xl)), dtype)
    _close(xent.softplus_backward(x, dy), dy * sig, dtype, 8)
    p = rng.uniform(0.01, 0.99, (3, 5)).astype(dtype)
    pl = np.asarray(p, LD)
    _close(xent.logit(p), np.log(pl / (1 - pl)), dtype)
    _close(xent.logit_backward(p, dy), dy / (pl * (1 - pl)), dtype, 8)
    clamped = xent.logit(np.array([0.0, 1.0], dtype), eps=0.25)
    _close(clamped, [np.log(1 / 3), np.log(3)], dtype)


def test_one_hot():
    y = xent.one_hot(np.array([[0, 2], [1, 1]]), 3)
    assert y.shape == (2, 2, 3) and y.dtype == np.float32
    np.testing.assert_array_equal(y.argmax(-1), [[0, 2], [1, 1]])
    z = xent.one_hot(np.array([0, 2], np.int32), 3, axis=0, on_value=5, off_value=-1,
                     dtype="int64")
    np.testing.assert_array_equal(z, [[5, -1], [-1, -1], [-1, 5]])
    with pytest.raises(IndexError, match=r"labels\[1\] = 3"):
        xent.one_hot(np.array([0, 3]), 3)
    off = xent.one_hot(np.array([0, 3]), 3, out_of_range_is_off=True)
    np.testing.assert_array_equal(off, [[1, 0, 0], [0, 0, 0]])


def test_cross_entropy_outputs_and_options(rng):
    x = rng.standard_normal((4, 3))
    y = np.array([0, 2, 1, 2])
    ref = -np.take_along_axis(_lsm(x, -1), y[:, None], -1)[:, 0]
    loss = xent.sparse_softmax_cross_entropy(x, y)
    assert loss.shape == () and loss.dtype == np.float64
    _close(loss, ref.mean(), "float64")
    none = xent.sparse_softmax_cross_entropy(x, y, reduction="none")
    _close(none, ref, "float64")
    # gradient only, loss and gradient, into given arrays
    g = xent.sparse_softmax_cross_entropy(x, y, return_loss=False, return_grad=True)
    onehot = np.eye(3)[y]
    _close(g, (np.exp(_lsm(x, -1)) - onehot) / 4, "float64")
    lo, go = np.empty(()), np.empty((4, 3))
    l2, g2 = xent.sparse_softmax_cross_entropy(x, y, loss_out=lo, grad_out=go)
    assert l2 is lo and g2 is go and lo == loss
    # every option keyword
    cw = np.array([1.0, 2.0, 0.5])
    sw = np.array([1.0, 0.0, 2.0, 1.0])
    mask = np.array([1, 1, 0, 1], np.uint8)
    got = xent.sparse_softmax_cross_entropy(
        x, y, axis=-1, reduction=xent.REDUCTION_SUM, empty="nan", label_smoothing=0.0,
        ignore_index=1, flags=0, class_weights=cw, sample_weights=sw, mask=mask)
    keep = (y != 1) & (mask == 1)
    _close(got, (ref * sw * cw[y])[keep].sum(), "float64")
    up = np.array([2.0, 1.0, 3.0, 0.5])
    g = xent.sparse_softmax_cross_entropy(x, y, reduction="none", upstream=up,
                                          return_loss=False, return_grad=True)
    _close(g, up[:, None] * (np.exp(_lsm(x, -1)) - onehot), "float64")
    # lengths: a (batch, time, classes) sequence, time steps past each length uncounted
    xs = rng.standard_normal((2, 4, 3))
    ys = rng.integers(0, 3, (2, 4))
    per = xent.sparse_softmax_cross_entropy(xs, ys, reduction="none",
                                            lengths=np.array([4, 2]))
    assert per[1, 2] == 0 and per[1, 3] == 0 and per[1, 1] > 0
    # dense labels, TF gradient flag
    p = np.full((4, 3), 0.5)  # labels that do not sum to 1
    g_tf = xent.softmax_cross_entropy(x, p, flags=xent.CE_TF_GRADIENT, reduction="sum",
                                      return_loss=False, return_grad=True)
    _close(g_tf, np.exp(_lsm(x, -1)) - p, "float64")
    # sigmoid: pos_weight, Keras's mean over classes
    z = rng.uniform(0, 1, (4, 3))
    sp = lambda v: np.log1p(np.exp(np.asarray(v, LD)))  # noqa: E731
    pw = np.array([1.0, 3.0, 0.5])
    el = xent.sigmoid_cross_entropy(x, z, reduction="none", pos_weight=pw)
    _close(el, pw * z * sp(-x) + (1 - z) * sp(x), "float64")
    m = xent.sigmoid_cross_entropy(x, z, reduction="none", flags=xent.CE_MEAN_OVER_CLASSES)
    _close(m, (z * sp(-x) + (1 - z) * sp(x)).mean(-1), "float64")


def test_status_codes_become_exceptions(rng):
    x = np.zeros((3, 4))
    with pytest.raises(IndexError, match=r"^labels\[2\] = 9 is outside \[0, 4\)$"):
        xent.sparse_softmax_cross_entropy(x, np.array([0, 1, 9]))
    with pytest.raises(TypeError, match="labels has dtype f64"):
        xent.sparse_softmax_cross_entropy(x, np.zeros(3))
    with pytest.raises(ValueError, match="shape"):
        xent.softmax_cross_entropy(x, np.zeros((3, 5)))
    with pytest.raises(ValueError, match="label_smoothing"):
        xent.softmax_cross_entropy(x, x, label_smoothing=2.0)
    with pytest.raises(ValueError, match="pos_weight"):
        xent.softmax_cross_entropy(x, x, pos_weight=np.ones(4))
    with pytest.raises(ValueError, match="both false"):
        xent.softmax_cross_entropy(x, x, return_loss=False)
    with pytest.raises(ValueError, match="reduction"):
        xent.softmax_cross_entropy(x, x, reduction="average")
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        xent.logsumexp(x, 2)
    with pytest.raises(ValueError, match="eps"):
        xent.logit(np.array([0.5]), eps=0.7)
    with pytest.raises(ValueError):
        xent.argmax(np.zeros((2, 0)))
    with pytest.raises(TypeError, match="dtype"):
        xent.softmax(x, dtype="complex64")


def test_the_gil_is_released_while_computing():
    """Another Python thread runs while xent computes: a spinner stamps the
    time in a loop, and its stamps must cover the whole call."""
    x = np.random.default_rng(0).standard_normal((3000, 2000))
    out = np.empty_like(x)
    gap, took = longest_pause(lambda: xent.log_softmax(x, out=out))
    assert gap < 0.5 * took, (gap, took)
