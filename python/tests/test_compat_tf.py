"""xent.compat.tf against the real TensorFlow: tf.nn and tf.compat.v1.losses."""
import numpy as np
import pytest

from _inputs import DTYPES, KINDS, LAYOUTS, SHAPES, class_labels, logits, probabilities, targets01
from conftest import TOLERANCE, assert_close, scale_of
from xent.compat import tf as xtf

SHAPES_LAST = [(s, a) for s, a in SHAPES if a == -1]


def _x(rng, shape, axis, dtype, kind):
    return logits(rng, shape, axis, dtype, kind, LAYOUTS[rng.integers(len(LAYOUTS))])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape,axis", SHAPES)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_normalizers(tf, rng, name, shape, axis, kind, dtype):
    x = _x(rng, shape, axis, dtype, kind)
    got = getattr(xtf.nn, name)(x, axis=axis)
    want = getattr(tf.nn, name)(x, axis=axis)
    assert got.dtype == np.dtype(dtype)
    assert_close(got, want, dtype, "tf.nn." + name, scale_of(x))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_normalizers_default_axis(tf, rng, name, dtype):
    x = logits(rng, (3, 4, 5), -1, dtype)
    assert_close(getattr(xtf.nn, name)(x), getattr(tf.nn, name)(x), dtype, "tf.nn." + name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape,axis", SHAPES)
def test_sigmoid(tf, rng, shape, axis, kind, dtype):
    x = _x(rng, shape, axis, dtype, kind)
    assert_close(xtf.nn.sigmoid(x), tf.nn.sigmoid(x), dtype, "tf.nn.sigmoid")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape,axis", SHAPES)
@pytest.mark.parametrize("one_hot", [False, True])
def test_softmax_cross_entropy_with_logits(tf, rng, shape, axis, kind, dtype, one_hot):
    x = _x(rng, shape, axis, dtype, kind)
    y = probabilities(rng, shape, axis, dtype, one_hot)
    got = xtf.nn.softmax_cross_entropy_with_logits(labels=y, logits=x, axis=axis)
    want = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=x, axis=axis)
    assert_close(got, want, dtype, "tf.nn.softmax_cross_entropy_with_logits", scale_of(x))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape,axis", SHAPES_LAST)
@pytest.mark.parametrize("label_dtype", ["int32", "int64"])
def test_sparse_softmax_cross_entropy_with_logits(tf, rng, shape, axis, kind, dtype,
                                                  label_dtype):
    x = _x(rng, shape, axis, dtype, kind)
    y = class_labels(rng, shape, axis, label_dtype)
    got = xtf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x)
    want = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x)
    assert_close(got, want, dtype, "tf.nn.sparse_softmax_cross_entropy_with_logits",
                 scale_of(x))


def test_sparse_label_out_of_range_is_index_error(tf):
    x = np.zeros((3, 4), np.float32)
    with pytest.raises(IndexError, match=r"labels\[1\] = 4 is outside \[0, 4\)"):
        xtf.nn.sparse_softmax_cross_entropy_with_logits(labels=np.array([0, 4, 1]), logits=x)
    with pytest.raises(Exception):  # TensorFlow refuses too (InvalidArgumentError)
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=np.array([0, 4, 1]), logits=x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape,axis", SHAPES)
@pytest.mark.parametrize("binary", [False, True])
def test_sigmoid_cross_entropy_with_logits(tf, rng, shape, axis, kind, dtype, binary):
    x = _x(rng, shape, axis, dtype, kind)
    z = targets01(rng, shape, dtype, binary)
    got = xtf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x)
    want = tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x)
    assert_close(got, want, dtype, "tf.nn.sigmoid_cross_entropy_with_logits", scale_of(x))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["normal", "wide", "extreme"])
@pytest.mark.parametrize("shape,axis", SHAPES_LAST)
@pytest.mark.parametrize("pos", ["scalar", "per_class", "leading_ones"])
def test_weighted_cross_entropy_with_logits(tf, rng, shape, axis, kind, dtype, pos):
    x = _x(rng, shape, axis, dtype, kind)
    z = targets01(rng, shape, dtype)
    q = {"scalar": np.asarray(2.5, dtype),
         "per_class": rng.uniform(0, 4, shape[-1]).astype(dtype),
         "leading_ones": rng.uniform(0, 4, (1, shape[-1])).astype(dtype)}[pos]
    if pos == "leading_ones" and len(shape) < 2:
        q = q.reshape(-1)
    got = xtf.nn.weighted_cross_entropy_with_logits(z, x, q)
    want = tf.nn.weighted_cross_entropy_with_logits(z, x, q)
    assert_close(got, want, dtype, "tf.nn.weighted_cross_entropy_with_logits",
                 scale_of(x) * scale_of(q))


# ---- tf.compat.v1.losses ------------------------------------------------------

V1_REDUCTIONS = ["none", "weighted_sum", "weighted_mean", "weighted_sum_over_batch_size",
                 "weighted_sum_by_nonzero_weights"]
V1_SHAPES = [((4, 5), -1), ((17, 2), -1), ((3, 1), -1), ((2, 1000), -1), ((0, 5), -1)]


def _v1_weights(rng, kind, positions, dtype):
    if kind == "default":
        return 1.0
    if kind == "scalar":
        return 0.5
    if kind == "zero":
        return 0.0
    w = rng.uniform(0, 2, positions)
    if w.size:
        w[rng.uniform(size=positions) < 0.3] = 0  # some weights exactly 0
    return w.astype(dtype)


# TensorFlow reduces in float32 even for float64 inputs: the float32 budget.
_V1_TOL = TOLERANCE["float32"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis", V1_SHAPES)
@pytest.mark.parametrize("reduction", V1_REDUCTIONS)
@pytest.mark.parametrize("weights", ["default", "scalar", "zero", "per_sample"])
@pytest.mark.parametrize("smoothing", [0, 0.1])
def test_v1_softmax_cross_entropy(tf, rng, shape, axis, reduction, weights, smoothing, dtype):
    x = logits(rng, shape, axis, dtype, "normal")
    y = probabilities(rng, shape, axis, dtype, one_hot=True)
    w = _v1_weights(rng, weights, shape[:-1], dtype)
    got = xtf.losses.softmax_cross_entropy(y, x, weights=w, label_smoothing=smoothing,
                                           reduction=reduction)
    want = tf.compat.v1.losses.softmax_cross_entropy(y, x, weights=w,
                                                     label_smoothing=smoothing,
                                                     reduction=reduction)
    assert_close(got, want, dtype, "tf.compat.v1.losses.softmax_cross_entropy",
                 scale_of(x) * shape[0] if shape[0] else 1, tol=_V1_TOL)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis", V1_SHAPES)
@pytest.mark.parametrize("reduction", V1_REDUCTIONS)
@pytest.mark.parametrize("weights", ["default", "scalar", "zero", "per_sample"])
def test_v1_sparse_softmax_cross_entropy(tf, rng, shape, axis, reduction, weights, dtype):
    x = logits(rng, shape, axis, dtype, "normal")
    y = class_labels(rng, shape, axis)
    w = _v1_weights(rng, weights, shape[:-1], dtype)
    got = xtf.losses.sparse_softmax_cross_entropy(y, x, weights=w, reduction=reduction)
    want = tf.compat.v1.losses.sparse_softmax_cross_entropy(y, x, weights=w,
                                                            reduction=reduction)
    assert_close(got, want, dtype, "tf.compat.v1.losses.sparse_softmax_cross_entropy",
                 scale_of(x) * shape[0] if shape[0] else 1, tol=_V1_TOL)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis", V1_SHAPES)
@pytest.mark.parametrize("reduction", V1_REDUCTIONS)
@pytest.mark.parametrize("weights", ["default", "scalar", "zero", "per_element"])
@pytest.mark.parametrize("smoothing", [0, 0.2])
def test_v1_sigmoid_cross_entropy(tf, rng, shape, axis, reduction, weights, smoothing, dtype):
    x = logits(rng, shape, axis, dtype, "normal")
    z = targets01(rng, shape, dtype, binary=True)
    w = _v1_weights(rng, weights, shape, dtype)
    got = xtf.losses.sigmoid_cross_entropy(z, x, weights=w, label_smoothing=smoothing,
                                           reduction=reduction)
    want = tf.compat.v1.losses.sigmoid_cross_entropy(z, x, weights=w,
                                                     label_smoothing=smoothing,
                                                     reduction=reduction)
    assert_close(got, want, dtype, "tf.compat.v1.losses.sigmoid_cross_entropy",
                 scale_of(x) * max(int(np.prod(shape)), 1), tol=_V1_TOL)


def test_v1_reduction_names_match_tensorflow(tf):
    R = tf.compat.v1.losses.Reduction
    for key in ("NONE", "SUM", "MEAN", "SUM_OVER_BATCH_SIZE", "SUM_BY_NONZERO_WEIGHTS",
                "SUM_OVER_NONZERO_WEIGHTS"):
        assert getattr(xtf.losses.Reduction, key) == getattr(R, key)
    with pytest.raises(ValueError):
        xtf.losses.softmax_cross_entropy(np.eye(2), np.zeros((2, 2)), reduction="avg")
