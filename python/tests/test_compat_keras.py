"""xent.compat.keras against the real Keras 3 (TensorFlow backend)."""
import numpy as np
import pytest

from _inputs import DTYPES, KINDS, LAYOUTS, SHAPES, class_labels, logits, probabilities, targets01
from conftest import assert_close, scale_of
from xent.compat import keras as xk

SHAPES_LAST = [(s, a) for s, a in SHAPES if a == -1]

# Keras warns about one-class categorical cross-entropy (shape (3, 1) below).
pytestmark = pytest.mark.filterwarnings("ignore:In loss categorical_crossentropy")


def _x(rng, shape, axis, dtype, kind):
    return logits(rng, shape, axis, dtype, kind, LAYOUTS[rng.integers(len(LAYOUTS))])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape,axis", [(s, a) for s, a in SHAPES if len(s) > 1])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_categorical_crossentropy(keras, rng, shape, axis, kind, dtype, smoothing):
    x = _x(rng, shape, axis, dtype, kind)
    y = probabilities(rng, shape, axis, dtype, one_hot=True)
    kw = dict(from_logits=True, label_smoothing=smoothing, axis=axis)
    got = xk.losses.categorical_crossentropy(y, x, **kw)
    want = keras.losses.categorical_crossentropy(y, x, **kw)
    assert_close(got, want, dtype, "keras.losses.categorical_crossentropy", scale_of(x))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape,axis", [(s, a) for s, a in SHAPES_LAST if len(s) > 1])
@pytest.mark.parametrize("ignore_class", [None, 0, -1])
@pytest.mark.parametrize("keep_axis", [False, True])
def test_sparse_categorical_crossentropy(keras, rng, shape, axis, kind, dtype, ignore_class,
                                         keep_axis):
    x = _x(rng, shape, axis, dtype, kind)
    y = class_labels(rng, shape, axis)
    if ignore_class == -1 and y.size:
        y[rng.uniform(size=y.shape) < 0.3] = -1
    if keep_axis:
        y = y[..., None]  # (N, 1) labels, squeezed by Keras
    kw = dict(from_logits=True, ignore_class=ignore_class, axis=axis)
    got = xk.losses.sparse_categorical_crossentropy(y, x, **kw)
    want = keras.losses.sparse_categorical_crossentropy(y, x, **kw)
    assert_close(got, want, dtype, "keras.losses.sparse_categorical_crossentropy",
                 scale_of(x))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape,axis", SHAPES)
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_binary_crossentropy(keras, rng, shape, axis, kind, dtype, smoothing):
    x = _x(rng, shape, axis, dtype, kind)
    z = targets01(rng, shape, dtype, binary=True)
    kw = dict(from_logits=True, label_smoothing=smoothing, axis=axis)
    got = xk.losses.binary_crossentropy(z, x, **kw)
    want = keras.losses.binary_crossentropy(z, x, **kw)
    assert_close(got, want, dtype, "keras.losses.binary_crossentropy", scale_of(x))


def test_metrics_are_the_loss_functions(keras):
    for name in ("binary_crossentropy", "categorical_crossentropy",
                 "sparse_categorical_crossentropy"):
        assert getattr(xk.metrics, name) is getattr(xk.losses, name)
        assert getattr(keras.metrics, name) is getattr(keras.losses, name)


# ---- Loss classes: reductions, sample_weight, ignore_class's mask -----------

REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", None, "none"]


def _sample_weight(rng, kind, n, shape_extra=()):
    if kind is None:
        return None
    w = rng.uniform(0, 2, (n,) + shape_extra)
    if kind == "with_zeros" and w.size:
        w[rng.uniform(size=w.shape) < 0.4] = 0
    if kind == "column":
        w = w[:, None]
    return w.astype("float32")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("sw", [None, "plain", "with_zeros", "column"])
@pytest.mark.parametrize("n", [0, 1, 6])
def test_categorical_crossentropy_class(keras, rng, reduction, sw, n):
    x = logits(rng, (n, 4), -1, "float32")
    y = probabilities(rng, (n, 4), -1, "float32", one_hot=True)
    w = _sample_weight(rng, sw, n)
    kw = dict(from_logits=True, label_smoothing=0.1, reduction=reduction)
    got = xk.losses.CategoricalCrossentropy(**kw)(y, x, sample_weight=w)
    want = keras.losses.CategoricalCrossentropy(**kw)(y, x, sample_weight=w)
    assert_close(got, want, "float32", "keras.losses.CategoricalCrossentropy", scale_of(x) * 4)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("sw", [None, "plain", "with_zeros"])
@pytest.mark.parametrize("ignore_class", [None, 255])
@pytest.mark.parametrize("shape", [(0, 3), (6, 3), (2, 5, 3)])
def test_sparse_categorical_crossentropy_class(keras, rng, reduction, sw, ignore_class, shape):
    x = logits(rng, shape, -1, "float32")
    y = class_labels(rng, shape, -1)
    if ignore_class is not None and y.size:
        y[rng.uniform(size=y.shape) < 0.4] = ignore_class
    w = _sample_weight(rng, sw, shape[0], shape[1:-1])
    kw = dict(from_logits=True, ignore_class=ignore_class, reduction=reduction)
    got = xk.losses.SparseCategoricalCrossentropy(**kw)(y, x, sample_weight=w)
    want = keras.losses.SparseCategoricalCrossentropy(**kw)(y, x, sample_weight=w)
    assert_close(got, want, "float32", "keras.losses.SparseCategoricalCrossentropy",
                 scale_of(x) * 4)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("sw", [None, "plain", "with_zeros"])
@pytest.mark.parametrize("dtype", [None, "float64"])
def test_binary_crossentropy_class(keras, rng, reduction, sw, dtype):
    x = logits(rng, (5, 3), -1, "float64")
    z = targets01(rng, (5, 3), "float64", binary=True)
    w = _sample_weight(rng, sw, 5)
    kw = dict(from_logits=True, label_smoothing=0.05, reduction=reduction, dtype=dtype)
    got = xk.losses.BinaryCrossentropy(**kw)(z, x, sample_weight=w)
    want = keras.losses.BinaryCrossentropy(**kw)(z, x, sample_weight=w)
    assert got.dtype == np.dtype(dtype or "float32")
    assert_close(got, want, dtype or "float32", "keras.losses.BinaryCrossentropy",
                 scale_of(x) * 4)


def test_invalid_reduction_is_value_error():
    with pytest.raises(ValueError, match="reduction"):
        xk.losses.BinaryCrossentropy(reduction="avg")
