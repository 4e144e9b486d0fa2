"""Losses on probabilities, focal, regression, segmentation and KL divergence:
xent.compat against Keras 3, PyTorch and tf.compat.v1.losses.

Tolerance: conftest's budget per dtype (float32: rtol 4e-7, atol 1e-7;
float64: rtol 2e-15, atol 1e-16) times a scale naming what the peer rounds:
  - probability losses: 1 + the largest term the peer forms: -log(1e-7) = 16.1
    for Keras's clip and TF v1's eps, 100 for PyTorch's clamp (the peers take
    the log of a rounded 1 - p, so their absolute error is that of 1 - p, not
    relative to a small loss);
  - focal losses: the same, times 1 + gamma (the peers round 1 - p_t before
    raising it to gamma);
  - regression: 1 + the largest |pred - target| (squared for MSE);
  - Dice / Tversky: 1 + the number of summed elements (the peers' sums);
  - a reduction over N losses: times N.
tf.compat.v1.losses compute in float32 whatever the input dtype, so they get
the float32 budget for float64 inputs too. xent computes each loss in double
and rounds once.
"""
import warnings

import numpy as np
import pytest

from _inputs import DTYPES, SHAPES, logits
from conftest import PEER_NOTES, TOLERANCE, assert_close, scale_of
from xent.compat import keras as xk
from xent.compat import tf as xtf
from xent.compat.torch.nn import functional as XF

LOG_EPS = 16.2  # -log(1e-7), the largest term of a clipped probability loss
_F32 = TOLERANCE["float32"]

# Probabilities that stress the clip: exact 0 and 1, the clip bounds, values
# just inside and outside them, and 1/2.
EDGES = np.array([0.0, 1.0, 1e-7, 1 - 1e-7, 1e-8, 1 - 1e-8, 1e-30, 0.5, 1e-4, 1 - 1e-4])


def probs01(rng, shape, dtype, kind):
    """Element-wise probabilities: 'uniform', 'edges' (half of them from
    EDGES), 'confident' (within 10^-1 .. 10^-7 of 0 or 1)."""
    if kind == "uniform":
        p = rng.uniform(0, 1, shape)
    elif kind == "edges":
        p = rng.uniform(0, 1, shape)
        pick = rng.uniform(size=shape) < 0.5
        p[pick] = rng.choice(EDGES, size=shape)[pick]
    else:
        d = np.power(10.0, -rng.uniform(1, 7, shape))
        p = np.where(rng.uniform(size=shape) < 0.5, d, 1 - d)
    return p.astype(dtype)


def rows(rng, shape, axis, dtype, kind):
    """Rows of probabilities along `axis`: 'dirichlet', 'onehot' (exact 0 and
    1), 'sparse' (about half the entries exactly 0)."""
    e = np.exp(rng.standard_normal(shape) * 2)
    if kind == "onehot":
        idx = rng.integers(0, max(shape[axis], 1), shape).argmax(axis=axis)
        e = np.zeros(shape)
        if e.size:
            np.put_along_axis(e, np.expand_dims(idx, axis), 1.0, axis=axis)
        return e.astype(dtype)
    if kind == "sparse":
        e[rng.uniform(size=shape) < 0.5] = 0
        e[np.all(e == 0, axis=axis, keepdims=True).repeat(shape[axis], axis=axis)] = 1
    return (e / e.sum(axis=axis, keepdims=True)).astype(dtype)


def onehot(rng, shape, axis, dtype):
    return rows(rng, shape, axis, dtype, "onehot")


# ---- Keras: cross-entropy on probabilities ------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["uniform", "edges", "confident"])
@pytest.mark.parametrize("shape,axis", SHAPES)
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_keras_binary_crossentropy_probabilities(keras, rng, shape, axis, kind, dtype,
                                                 smoothing):
    p = probs01(rng, shape, dtype, kind)
    y = rng.integers(0, 2, shape).astype(dtype)
    kw = dict(label_smoothing=smoothing, axis=axis)
    got = xk.losses.binary_crossentropy(y, p, **kw)
    want = keras.losses.binary_crossentropy(y, p, **kw)
    assert got.dtype == np.dtype(dtype)
    assert_close(got, want, dtype, "keras.losses.binary_crossentropy (probabilities)",
                 1 + LOG_EPS)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["dirichlet", "onehot", "sparse"])
@pytest.mark.parametrize("shape,axis", [(s, a) for s, a in SHAPES if len(s) > 1])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_keras_categorical_crossentropy_probabilities(keras, rng, shape, axis, kind, dtype,
                                                      smoothing):
    p = rows(rng, shape, axis, dtype, kind)
    y = onehot(rng, shape, axis, dtype)
    kw = dict(label_smoothing=smoothing, axis=axis)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras: one-class categorical cross-entropy
        want = keras.losses.categorical_crossentropy(y, p, **kw)
    got = xk.losses.categorical_crossentropy(y, p, **kw)
    assert_close(got, want, dtype, "keras.losses.categorical_crossentropy (probabilities)",
                 (1 + LOG_EPS) * (1 + shape[axis] * smoothing))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["dirichlet", "onehot", "sparse"])
@pytest.mark.parametrize("shape", [(4, 5), (17, 2), (2, 1000), (0, 5), (2, 3, 4)])
@pytest.mark.parametrize("ignore_class", [None, -1])
def test_keras_sparse_categorical_crossentropy_probabilities(keras, rng, shape, kind, dtype,
                                                             ignore_class):
    p = rows(rng, shape, -1, dtype, kind)
    y = rng.integers(0, shape[-1], shape[:-1])
    if ignore_class is not None and y.size:
        y[rng.uniform(size=y.shape) < 0.3] = ignore_class
    kw = dict(ignore_class=ignore_class)
    got = xk.losses.sparse_categorical_crossentropy(y, p, **kw)
    want = keras.losses.sparse_categorical_crossentropy(y, p, **kw)
    assert_close(got, want, dtype,
                 "keras.losses.sparse_categorical_crossentropy (probabilities)", 1 + LOG_EPS)


def test_keras_documented_examples(keras):
    """include/xent.h's examples: where Keras's float32 arithmetic rounds
    1 - p, xent's documented value is checked and Keras's recorded."""
    y = np.array([[1, 0], [1, 0]], np.float32)
    p = np.array([[1, 1], [1, 0]], np.float32)
    got = xk.losses.binary_crossentropy(y, p)
    np.testing.assert_allclose(got, [7.9711924, 1.0960465e-07], rtol=2e-7)
    _note("keras binary_crossentropy y=[1,0] p=[1,0] (f32)", got[1],
          keras.losses.binary_crossentropy(y, p)[1])
    y = np.array([[0, 1, 0], [0, 0, 1]], np.float32)
    p = np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]], np.float32)
    np.testing.assert_allclose(xk.losses.categorical_crossentropy(y, p), [0.0513, 2.303],
                               rtol=1e-3)
    got = xk.losses.categorical_focal_crossentropy(y, p)
    np.testing.assert_allclose(got, [3.2058310e-05, 0.46627346], rtol=1e-6)
    _note("keras categorical_focal_crossentropy row 0 (f32)", got[0],
          keras.losses.categorical_focal_crossentropy(y, p)[0])
    # the two sparse / dense rules on a row that does not sum to 1
    q = np.array([[0.2, -0.1, 0.9]], np.float32)
    np.testing.assert_allclose(xk.losses.sparse_categorical_crossentropy([1], q), [16.213406],
                               rtol=1e-6)
    np.testing.assert_allclose(xk.losses.categorical_crossentropy([[0, 1, 0]], q),
                               [16.118095], rtol=1e-6)


def _note(what, ours, peer):
    PEER_NOTES.append("%-52s xent %.8g  peer %.8g" % (what, float(np.asarray(ours)),
                                                       float(np.asarray(peer))))


# ---- Keras: focal ----------------------------------------------------------------

FOCAL_OPTIONS = [
    dict(),
    dict(gamma=0.5, apply_class_balancing=True, alpha=0.6),
    dict(gamma=0.0, label_smoothing=0.1),
    dict(gamma=3.0, label_smoothing=0.2, apply_class_balancing=True),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("kind", ["a", "b"])
@pytest.mark.parametrize("shape,axis", [((4, 5), -1), ((3, 1), -1), ((2, 3, 4), 1)])
@pytest.mark.parametrize("opts", range(len(FOCAL_OPTIONS)))
def test_keras_binary_focal_crossentropy(keras, rng, shape, axis, kind, from_logits, dtype,
                                         opts):
    opts = FOCAL_OPTIONS[opts]
    if from_logits:
        x = logits(rng, shape, axis, dtype, "normal" if kind == "a" else "wide")
    else:
        x = probs01(rng, shape, dtype, "uniform" if kind == "a" else "edges")
    y = rng.integers(0, 2, shape).astype(dtype)
    kw = dict(from_logits=from_logits, axis=axis, **opts)
    got = xk.losses.binary_focal_crossentropy(y, x, **kw)
    want = keras.losses.binary_focal_crossentropy(y, x, **kw)
    gamma = opts.get("gamma", 2.0)
    assert_close(got, want, dtype, "keras.losses.binary_focal_crossentropy",
                 (1 + LOG_EPS + (scale_of(x) if from_logits else 0)) * (1 + gamma))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("shape,axis", [((4, 5), -1), ((17, 2), -1), ((2, 3, 4), 1)])
@pytest.mark.parametrize("opts", [dict(), dict(alpha="list"), dict(gamma=1.0, label_smoothing=0.2),
                                  dict(gamma=0.0, alpha=1.0)])
def test_keras_categorical_focal_crossentropy(keras, rng, shape, axis, from_logits, dtype, opts):
    opts = dict(opts)
    if opts.get("alpha") == "list":
        if axis != -1:
            pytest.skip("a list alpha weighs the last axis in Keras (NotImplementedError here)")
        opts["alpha"] = rng.uniform(0.1, 1, shape[-1]).tolist()
    x = (logits(rng, shape, axis, dtype, "normal") if from_logits
         else rows(rng, shape, axis, dtype, "sparse"))
    y = onehot(rng, shape, axis, dtype)
    kw = dict(from_logits=from_logits, axis=axis, **opts)
    got = xk.losses.categorical_focal_crossentropy(y, x, **kw)
    want = keras.losses.categorical_focal_crossentropy(y, x, **kw)
    assert_close(got, want, dtype, "keras.losses.categorical_focal_crossentropy",
                 (1 + LOG_EPS) * (1 + opts.get("gamma", 2.0)))


# ---- Keras: regression, KL divergence, Dice, Tversky -----------------------------

REGRESSION_SHAPES = [((4, 5), (4, 5)), ((7,), (7,)), ((6,), (6, 1)), ((6, 1), (6,)),
                     ((2, 3, 4), (2, 3, 4)), ((0, 3), (0, 3))]


def _regression_pair(rng, shapes, dtype, kind):
    ts, ps = shapes
    t = rng.standard_normal(ts)
    if kind == "ties":  # pred == target exactly in places, |e| == delta in others
        p = np.round(rng.standard_normal(ps) * 2) / 2
        t = np.round(t * 2) / 2
        if t.size and p.size:
            t.flat[0] = p.flat[0]
    elif kind == "wide":
        p = rng.standard_normal(ps) * 1e3
    else:
        p = rng.standard_normal(ps)
    return t.astype(dtype), p.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["normal", "wide", "ties"])
@pytest.mark.parametrize("shapes", REGRESSION_SHAPES)
@pytest.mark.parametrize("name,kw", [("mean_squared_error", {}), ("mean_absolute_error", {}),
                                     ("huber", {}), ("huber", dict(delta=0.5))])
def test_keras_regression(keras, rng, name, kw, shapes, kind, dtype):
    t, p = _regression_pair(rng, shapes, dtype, kind)
    got = getattr(xk.losses, name)(t, p, **kw)
    want = getattr(keras.losses, name)(t, p, **kw)
    m = scale_of(p, t)  # the peer rounds pred - target: an error of m ulp
    assert_close(got, want, dtype, "keras.losses." + name,
                 m * m if name == "mean_squared_error" else m)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["dirichlet", "onehot", "sparse"])
@pytest.mark.parametrize("shape", [(4, 5), (17, 2), (2, 3, 4), (0, 3)])
def test_keras_kl_divergence(keras, rng, shape, kind, dtype):
    p = rows(rng, shape, -1, dtype, kind)
    y = rows(rng, shape, -1, dtype, "sparse" if kind == "dirichlet" else "dirichlet")
    got = xk.losses.kl_divergence(y, p)
    want = keras.losses.kl_divergence(y, p)
    assert_close(got, want, dtype, "keras.losses.kl_divergence", 1 + LOG_EPS)
    assert xk.metrics.kl_divergence is xk.losses.kl_divergence


def _maps(rng, shape, dtype, kind):
    t = (rng.uniform(size=shape) < 0.4).astype(dtype)
    if kind == "perfect":
        p = t.copy()
    elif kind == "empty":  # nothing to find and nothing predicted: D = eps only
        t[...] = 0
        p = np.zeros(shape, dtype)
    else:
        p = rng.uniform(size=shape).astype(dtype)
    return t, p


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["random", "perfect", "empty"])
@pytest.mark.parametrize("axis", [None, (1, 2), (1, 2, 3), 3, (-3, -2)])
@pytest.mark.parametrize("name,kw", [("dice", {}), ("tversky", {}),
                                     ("tversky", dict(alpha=0.7, beta=0.3))])
def test_keras_dice_tversky(keras, rng, name, kw, axis, kind, dtype):
    shape = (2, 5, 4, 3)
    t, p = _maps(rng, shape, dtype, kind)
    got = getattr(xk.losses, name)(t, p, axis=axis, **kw)
    want = getattr(keras.losses, name)(t, p, axis=axis, **kw)
    assert_close(got, want, dtype, "keras.losses." + name, 1 + p.size)


# ---- Keras: Loss classes ---------------------------------------------------------

REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None, "none"]


def _class_case(rng, name, n):
    if name == "BinaryCrossentropy":
        return (rng.integers(0, 2, (n, 3)).astype("float32"),
                probs01(rng, (n, 3), "float32", "edges"), dict(label_smoothing=0.1))
    if name == "CategoricalCrossentropy":
        return (onehot(rng, (n, 4), -1, "float32"), rows(rng, (n, 4), -1, "float32", "sparse"),
                dict(label_smoothing=0.1))
    if name == "SparseCategoricalCrossentropy":
        y = rng.integers(0, 4, n)
        y[: n // 3] = 3
        return y, rows(rng, (n, 4), -1, "float32", "sparse"), dict(ignore_class=3)
    if name in ("BinaryFocalCrossentropy",):
        return (rng.integers(0, 2, (n, 3)).astype("float32"),
                probs01(rng, (n, 3), "float32", "edges"), dict(gamma=1.5))
    if name in ("CategoricalFocalCrossentropy", "KLDivergence"):
        return (onehot(rng, (n, 4), -1, "float32"), rows(rng, (n, 4), -1, "float32", "sparse"),
                {})
    if name in ("Dice", "Tversky"):
        t, p = _maps(rng, (n, 3, 2), "float32", "random")
        return t, p, dict(axis=(1, 2), **({"alpha": 0.3} if name == "Tversky" else {}))
    t = rng.standard_normal((n, 3)).astype("float32")
    return t, rng.standard_normal((n, 3)).astype("float32"), (
        dict(delta=0.6) if name == "Huber" else {})


@pytest.mark.parametrize("name", ["BinaryCrossentropy", "CategoricalCrossentropy",
                                  "SparseCategoricalCrossentropy",
                                  "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy",
                                  "MeanSquaredError", "MeanAbsoluteError", "Huber",
                                  "KLDivergence", "Dice", "Tversky"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("sw", [None, "plain", "with_zeros"])
@pytest.mark.parametrize("dtype", [None, "float64"])
def test_keras_loss_classes(keras, rng, name, reduction, sw, dtype):
    n = 6
    t, p, kw = _class_case(rng, name, n)
    w = None
    if sw is not None:
        w = rng.uniform(0, 2, n).astype("float32")
        if sw == "with_zeros":
            w[rng.uniform(size=n) < 0.4] = 0
    got = getattr(xk.losses, name)(reduction=reduction, dtype=dtype, **kw)(t, p, sample_weight=w)
    want = getattr(keras.losses, name)(reduction=reduction, dtype=dtype, **kw)(
        t, p, sample_weight=w)
    assert got.dtype == np.dtype(dtype or "float32")
    assert_close(got, want, dtype or "float32", "keras.losses.%s (class)" % name,
                 1 + LOG_EPS)


def test_keras_loss_class_signatures_and_config(keras):
    loss = xk.losses.Huber(delta=2.0, reduction="sum")
    assert loss.get_config()["delta"] == 2.0 and loss.name == "huber_loss"
    with pytest.raises(ValueError, match="reduction"):
        xk.losses.Dice(reduction="avg")


# ---- PyTorch ------------------------------------------------------------------

TORCH_SHAPES = [(4, 5), (17, 2), (3, 1), (7,), (2, 3, 4), (2, 5, 3, 2), (0, 5)]


def _t(torch, a):
    return torch.from_numpy(np.array(a))  # a C-ordered copy; 0-d stays 0-d


NLL_OPTIONS = [
    {}, dict(reduction="sum"), dict(reduction="none"), dict(weight="w"),
    dict(weight="w", ignore_index=1), dict(ignore_index=-100, reduction="sum"),
    dict(weight="w", reduction="none", ignore_index=0), dict(size_average=False),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", TORCH_SHAPES)
@pytest.mark.parametrize("opts", range(len(NLL_OPTIONS)))
def test_torch_nll_loss(torch, rng, shape, dtype, opts):
    opts = dict(NLL_OPTIONS[opts])
    ax = 1 if len(shape) >= 2 else 0
    x = logits(rng, shape, ax, dtype, "wide")
    logp = torch.log_softmax(_t(torch, x), ax)
    y = rng.integers(0, shape[ax], tuple(d for i, d in enumerate(shape) if i != ax))
    if y.size:
        y[rng.uniform(size=y.shape) < 0.2] = opts.get("ignore_index", -100)
    if opts.get("weight") == "w":
        opts["weight"] = _t(torch, rng.uniform(0.1, 3, shape[ax]).astype(dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = XF.nll_loss(logp, _t(torch, y), **opts)
        want = torch.nn.functional.nll_loss(logp, _t(torch, y), **opts)
    assert_close(got, want, dtype, "F.nll_loss", scale_of(logp.numpy()) * _n(opts, y.size))


BCE_OPTIONS = [{}, dict(reduction="sum"), dict(reduction="none"), dict(weight="full"),
               dict(weight="per_class", reduction="sum"), dict(weight="per_row"),
               dict(reduce=False)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["uniform", "edges", "confident"])
@pytest.mark.parametrize("shape", [(4, 5), (3, 1), (7,), (2, 3, 4), (0, 3), ()])
@pytest.mark.parametrize("opts", range(len(BCE_OPTIONS)))
def test_torch_binary_cross_entropy(torch, rng, shape, kind, dtype, opts):
    opts = dict(BCE_OPTIONS[opts])
    p = probs01(rng, shape, dtype, kind)
    y = rng.uniform(0, 1, shape).astype(dtype)
    w = {"full": shape, "per_class": shape[-1:], "per_row": shape[:-1] + (1,) if shape else ()
         }.get(opts.get("weight"))
    if w is not None:
        opts["weight"] = _t(torch, rng.uniform(0, 2, w).astype(dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = XF.binary_cross_entropy(_t(torch, p), _t(torch, y), **opts)
        want = torch.nn.functional.binary_cross_entropy(_t(torch, p), _t(torch, y), **opts)
    assert_close(got, want, dtype, "F.binary_cross_entropy",
                 (1 + LOG_EPS) * _n(opts, int(np.prod(shape))))


def test_torch_binary_cross_entropy_refuses_non_probabilities(torch):
    p, y = np.array([0.5, 1.5]), np.array([1.0, 0.0])
    with pytest.raises(ValueError, match=r"1\.5 is outside \[0, 1\]"):
        XF.binary_cross_entropy(p, y)
    with pytest.raises(RuntimeError):  # torch refuses too
        torch.nn.functional.binary_cross_entropy(_t(torch, p), _t(torch, y))
    with pytest.raises(ValueError, match="different to the input size"):
        XF.binary_cross_entropy(np.ones(3) / 2, np.ones((3, 1)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 5), (7,), (2, 3, 4), (0, 2), ()])
@pytest.mark.parametrize("kind", ["normal", "ties"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,kw", [("mse_loss", {}), ("l1_loss", {}), ("huber_loss", {}),
                                     ("huber_loss", dict(delta=0.4)), ("smooth_l1_loss", {}),
                                     ("smooth_l1_loss", dict(beta=0.3)),
                                     ("smooth_l1_loss", dict(beta=0.0))])
def test_torch_regression(torch, rng, name, kw, shape, kind, reduction, dtype):
    t, p = _regression_pair(rng, (shape, shape), dtype, kind)
    got = getattr(XF, name)(_t(torch, p), _t(torch, t), reduction=reduction, **kw)
    want = getattr(torch.nn.functional, name)(_t(torch, p), _t(torch, t), reduction=reduction,
                                              **kw)
    m = scale_of(p, t)
    assert_close(got, want, dtype, "F." + name,
                 (m * m if name == "mse_loss" else m) * _n(dict(reduction=reduction),
                                                           int(np.prod(shape))))


def test_torch_regression_broadcasts_with_torch_warning(torch, rng):
    p, t = rng.standard_normal((4, 3)), rng.standard_normal((3,))
    with pytest.warns(UserWarning, match="different to the input size"):
        got = XF.mse_loss(_t(torch, p), _t(torch, t))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch.nn.functional.mse_loss(_t(torch, p), _t(torch, t))
    assert_close(got, want, "float64", "F.mse_loss (broadcast)", scale_of(p, t) ** 2 * 12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4), (6,)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_torch_kl_div(torch, rng, shape, reduction, log_target, dtype):
    logp = torch.log_softmax(_t(torch, logits(rng, shape, -1, dtype, "wide")), -1)
    # exact zeros (0 log 0 = 0) with probability targets; log-targets of 0
    # are -inf, where torch forms 0 * inf (see the test below)
    q = rows(rng, shape, -1, dtype, "dirichlet" if log_target else "sparse")
    target = _t(torch, q)
    if log_target:
        target = torch.log(target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = XF.kl_div(logp, target, reduction=reduction, log_target=log_target)
        want = torch.nn.functional.kl_div(logp, target, reduction=reduction,
                                          log_target=log_target)
    assert_close(got, want, dtype, "F.kl_div",
                 scale_of(logp.numpy()) * _n(dict(reduction=reduction), int(np.prod(shape))))


@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_kl_div_zero_target_documented(torch, dtype):
    """A zero target contributes 0 (xent skips a term whose coefficient is 0);
    torch agrees for probability targets and forms exp(-inf) * inf = NaN for
    log-targets."""
    logp = torch.log(torch.tensor([[0.25, 0.75], [0.5, 0.5]], dtype=getattr(torch, dtype)))
    q = torch.tensor([[0.0, 1.0], [0.5, 0.5]], dtype=logp.dtype)
    got = XF.kl_div(logp, torch.log(q), reduction="none", log_target=True)
    assert got[0, 0] == 0 and np.isfinite(got).all()
    want = torch.nn.functional.kl_div(logp, torch.log(q), reduction="none", log_target=True)
    _note("F.kl_div log_target, target -inf (%s)" % dtype, got[0, 0], want[0, 0])
    assert_close(got, XF.kl_div(logp, q, reduction="none"), dtype, "F.kl_div (log_target)")
    assert_close(XF.kl_div(logp, q, reduction="none"),
                 torch.nn.functional.kl_div(logp, q, reduction="none"), dtype, "F.kl_div")


def test_torch_kl_div_takes_log_probabilities(torch):
    with pytest.raises(ValueError, match="log-probabilities"):
        XF.kl_div(np.array([0.5, -1.0]), np.array([0.5, 0.5]), reduction="batchmean")
    with pytest.warns(UserWarning, match="batchmean"):
        XF.kl_div(np.log([0.5, 0.5]), np.array([0.5, 0.5]))


def _n(opts, n):
    """The scale factor of a reduction over n losses (1 when unreduced)."""
    return 1 if opts.get("reduction") == "none" or opts.get("reduce") is False else max(1, n)


# ---- tf.compat.v1.losses -------------------------------------------------------

V1_REDUCTIONS = ["none", "weighted_sum", "weighted_mean", "weighted_sum_over_batch_size",
                 "weighted_sum_by_nonzero_weights"]


def _v1_weights(rng, kind, shape, dtype):
    if kind == "default":
        return 1.0
    if kind == "zero":
        return 0.0
    w = rng.uniform(0, 2, shape[:1] + (1,) * (len(shape) - 1) if kind == "per_sample"
                    else shape)
    if w.size:
        w[rng.uniform(size=w.shape) < 0.3] = 0
    return w.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 5), (17, 2), (0, 5)])
@pytest.mark.parametrize("reduction", V1_REDUCTIONS)
@pytest.mark.parametrize("weights", ["default", "zero", "per_sample", "per_element"])
@pytest.mark.parametrize("epsilon", [1e-7, 1e-3])
def test_v1_log_loss(tf, rng, shape, reduction, weights, epsilon, dtype):
    # TensorFlow casts the inputs to float32 first: values it keeps exactly
    p = probs01(rng, shape, "float32", "edges").astype(dtype)
    y = rng.integers(0, 2, shape).astype(dtype)
    w = _v1_weights(rng, weights, shape, dtype)
    kw = dict(weights=w, epsilon=epsilon, reduction=reduction)
    got = xtf.losses.log_loss(y, p, **kw)
    want = tf.compat.v1.losses.log_loss(y, p, **kw)
    assert_close(got, want, dtype, "tf.compat.v1.losses.log_loss",
                 (1 + LOG_EPS) * _n(dict(reduction=reduction), int(np.prod(shape))), tol=_F32)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,kind", [((4, 5), "normal"), ((3, 2, 2), "ties"),
                                        ((0, 5), "normal")])
@pytest.mark.parametrize("reduction", V1_REDUCTIONS)
@pytest.mark.parametrize("weights", ["default", "zero", "per_sample", "per_element"])
@pytest.mark.parametrize("name,kw", [("mean_squared_error", {}), ("absolute_difference", {}),
                                     ("huber_loss", dict(delta=0.5))])
def test_v1_regression(tf, rng, name, kw, shape, kind, reduction, weights, dtype):
    t, p = _regression_pair(rng, (shape, shape), dtype, kind)
    w = _v1_weights(rng, weights, shape, dtype)
    got = getattr(xtf.losses, name)(t, p, weights=w, reduction=reduction, **kw)
    want = getattr(tf.compat.v1.losses, name)(t, p, weights=w, reduction=reduction, **kw)
    m = scale_of(p, t)
    assert_close(got, want, dtype, "tf.compat.v1.losses." + name,
                 (m * m if name == "mean_squared_error" else m)
                 * _n(dict(reduction=reduction), int(np.prod(shape))), tol=_F32)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 5), (3, 1), (2, 3, 4), (5, 2)])
@pytest.mark.parametrize("weights", [1.0, 2.5, 0.0, "per_sample", "per_element", "per_column"])
@pytest.mark.parametrize("offset", [0.0, 100.0])
def test_v1_mean_pairwise_squared_error(tf, rng, shape, weights, offset, dtype):
    t = (rng.standard_normal(shape) + offset).astype(dtype)
    p = (t + rng.standard_normal(shape)).astype(dtype)
    w = weights
    if weights == "per_sample":
        w = rng.uniform(0, 2, shape[:1] + (1,) * (len(shape) - 1)).astype(dtype)
    elif weights == "per_element":
        w = rng.uniform(0, 2, shape).astype(dtype)
        w[rng.uniform(size=shape) < 0.3] = 0
    elif weights == "per_column":
        w = rng.uniform(0, 2, (1,) + shape[1:]).astype(dtype)
    got = xtf.losses.mean_pairwise_squared_error(t, p, weights=w)
    # TensorFlow computes in float32
    want = tf.compat.v1.losses.mean_pairwise_squared_error(
        t.astype("float32"), p, weights=np.asarray(w, "float32") if np.ndim(w) else w)
    # d = pred - target is rounded at the offset's magnitude; TensorFlow forms
    # sum d^2 - (sum d)^2 / n over each sample and sums the samples
    assert_close(got, want, dtype, "tf.compat.v1.losses.mean_pairwise_squared_error",
                 (1 + offset) * int(np.prod(shape)), tol=_F32)


def test_v1_mean_pairwise_squared_error_documented_example(tf):
    """TF's example: its eager count (a scalar weight counts the whole batch)
    is what the drop-in returns; the tf.function count is xent's default."""
    import xent

    labels = np.array([[0, 1, 2], [3, 4, 5]], np.float32)
    pred = np.array([[0.5, 1.7, 2.1], [3.3, 3.9, 5.6]], np.float32)
    got = xtf.losses.mean_pairwise_squared_error(labels, pred)
    np.testing.assert_allclose(got, 0.32866663, rtol=1e-6)
    np.testing.assert_allclose(
        xent._xent.mean_pairwise_squared_error(pred, labels, reduction="sum"), 0.43333334,
        rtol=1e-6)
    assert_close(got, tf.compat.v1.losses.mean_pairwise_squared_error(labels, pred),
                 "float32", "tf.compat.v1.losses.mean_pairwise_squared_error", 100)
