"""Classification metrics: xent.compat.keras.metrics against Keras 3 and
xent.compat.sklearn.metrics against scikit-learn 1.9.

Tolerances. Keras's accuracy functions give 0 or 1 per element or position:
compared exactly. scikit-learn computes its metrics in float64 whatever the
scores' dtype (the scores are only sorted or thresholded), so every
comparison uses conftest's float64 budget (rtol 2e-15, atol 1e-16) with
scale sqrt(N C), N samples of C columns (its cumulative sums and trapezoids
round once per sample and column, errors that grow like the square root of
their number; xent's counts are exact and its sums compensated). log_loss and
brier_score_loss compute in the probabilities' dtype: float32 inputs get the
float32 budget (rtol 4e-7, atol 1e-7), same scale. Where xent's documented value differs
(ties at the k-th place of top-k, a 'weighted' average without positives),
xent is checked against that value and scikit-learn's is recorded.
"""
import warnings

import numpy as np
import pytest

from conftest import PEER_NOTES, TOLERANCE, assert_close
from xent.compat import keras as xk
from xent.compat.sklearn import metrics as xm

F64 = TOLERANCE["float64"]


@pytest.fixture(scope="session")
def skm():
    import sklearn.metrics as m

    return m


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _note(what, ours, peer):
    PEER_NOTES.append("%-52s xent %s  peer %s" % (what, np.array2string(np.asarray(ours)),
                                                   np.array2string(np.asarray(peer))))


def _same(got, want, what):
    """Exact agreement (values 0/1, or exact counts)."""
    want = np.asarray(want.numpy() if hasattr(want, "numpy") else want)
    got = np.asarray(got)
    assert got.shape == want.shape, "%s: shape %s, peer %s" % (what, got.shape, want.shape)
    np.testing.assert_array_equal(got, want, err_msg=what)


# ---- Keras accuracy functions -------------------------------------------------------

def _scores(rng, shape, dtype, kind):
    if kind == "ties":  # few distinct values: equal maxima, scores equal to the threshold
        return (rng.integers(0, 3, shape) / 4).astype(dtype)
    return rng.uniform(0, 1, shape).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["uniform", "ties"])
@pytest.mark.parametrize("shapes", [((6, 3), (6, 3)), ((7,), (7,)), ((6,), (6, 1)),
                                    ((6, 1), (6,)), ((2, 3, 4), (2, 3, 4)), ((0, 2), (0, 2))])
@pytest.mark.parametrize("threshold", [0.5, 0.25, 0.0])
def test_keras_binary_accuracy(keras, rng, shapes, threshold, kind, dtype):
    y = rng.integers(0, 2, shapes[0]).astype(dtype)
    p = _scores(rng, shapes[1], dtype, kind)
    got = xk.metrics.binary_accuracy(y, p, threshold=threshold)
    assert got.dtype == np.float32
    _same(got, keras.metrics.binary_accuracy(y, p, threshold=threshold),
          "keras.metrics.binary_accuracy")


def test_keras_binary_accuracy_threshold_is_float32(keras):
    """Keras compares with float32(threshold), also for float64 scores."""
    p, y = np.array([0.7, 0.69999999, 0.7000001]), np.ones(3)
    _same(xk.metrics.binary_accuracy(y, p, threshold=0.7),
          keras.metrics.binary_accuracy(y, p, threshold=0.7), "keras.metrics.binary_accuracy")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["uniform", "ties"])
@pytest.mark.parametrize("shape", [(6, 4), (17, 2), (3, 1), (2, 3, 5), (0, 4)])
def test_keras_categorical_accuracy(keras, rng, shape, kind, dtype):
    p = _scores(rng, shape, dtype, kind)
    y = _scores(rng, shape, dtype, "ties")  # ties in y_true too: its first maximum
    _same(xk.metrics.categorical_accuracy(y, p), keras.metrics.categorical_accuracy(y, p),
          "keras.metrics.categorical_accuracy")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["uniform", "ties"])
@pytest.mark.parametrize("shape", [(6, 4), (17, 2), (2, 3, 5), (0, 4)])
@pytest.mark.parametrize("labels", ["int64", "int32", "float32", "column"])
def test_keras_sparse_categorical_accuracy(keras, rng, shape, kind, labels, dtype):
    p = _scores(rng, shape, dtype, kind)
    y = rng.integers(0, shape[-1], shape[:-1])
    y = y[..., None].astype("int64") if labels == "column" else y.astype(labels)
    _same(xk.metrics.sparse_categorical_accuracy(y, p),
          keras.metrics.sparse_categorical_accuracy(y, p),
          "keras.metrics.sparse_categorical_accuracy")


# tf.math.in_top_k takes float32 only: float64 scores are given to Keras as
# float32 (the values are exactly representable).
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["uniform", "ties"])
@pytest.mark.parametrize("shape", [(6, 4), (17, 2), (2, 3, 5)])
@pytest.mark.parametrize("k", [1, 2, 5])
def test_keras_top_k_categorical_accuracy(keras, rng, shape, kind, k, dtype):
    p = _scores(rng, shape, "float32", kind)
    y = np.eye(shape[-1], dtype="float32")[rng.integers(0, shape[-1], shape[:-1])]
    labels = y.argmax(-1)
    _same(xk.metrics.top_k_categorical_accuracy(y, p.astype(dtype), k=k),
          keras.metrics.top_k_categorical_accuracy(y, p, k=k),
          "keras.metrics.top_k_categorical_accuracy")
    _same(xk.metrics.sparse_top_k_categorical_accuracy(labels, p.astype(dtype), k=k),
          keras.metrics.sparse_top_k_categorical_accuracy(labels, p, k=k),
          "keras.metrics.sparse_top_k_categorical_accuracy")
    ids = np.argsort(-p, axis=-1, kind="stable").astype("float32")
    _same(xk.metrics.sparse_top_k_categorical_accuracy(labels, ids, k=k, from_sorted_ids=True),
          keras.metrics.sparse_top_k_categorical_accuracy(labels, ids, k=k,
                                                          from_sorted_ids=True),
          "keras.metrics.sparse_top_k_categorical_accuracy(from_sorted_ids)")


def test_keras_top_k_infinite_scores_documented(keras):
    """xent ranks infinite scores as ordinary values; tf.math.in_top_k counts a
    row holding an infinity as a miss."""
    p = np.array([[np.inf, 0.5, 0.2], [0.1, 0.7, -np.inf]], np.float32)
    y = np.array([0, 1])
    got = xk.metrics.sparse_top_k_categorical_accuracy(y, p, k=1)
    np.testing.assert_array_equal(got, [1, 1])
    _note("keras sparse_top_k_categorical_accuracy, inf score", got,
          keras.metrics.sparse_top_k_categorical_accuracy(y, p, k=1))


def test_keras_accuracy_refusals_documented(keras):
    """A NaN prediction is an error in xent (Keras predicts 0 for it); a label
    outside [0, C) is an IndexError (Keras counts a miss)."""
    y, p = np.array([1.0, 0.0], np.float32), np.array([0.7, np.nan], np.float32)
    with pytest.raises(ValueError, match="NaN"):
        xk.metrics.binary_accuracy(y, p)
    _note("keras binary_accuracy, NaN prediction", "ValueError",
          keras.metrics.binary_accuracy(y, p))
    scores = np.array([[0.1, 0.9], [0.8, 0.2]], np.float32)
    with pytest.raises(IndexError, match=r"is outside \[0, 2\)"):
        xk.metrics.sparse_categorical_accuracy(np.array([1, 5]), scores)
    _note("keras sparse_categorical_accuracy, label 5 of 2", "IndexError",
          keras.metrics.sparse_categorical_accuracy(np.array([1, 5]), scores))


# ---- scikit-learn: targets ------------------------------------------------------------

N = 40
SCALE = np.sqrt(N)


def _labels(rng, kind, n=N):
    """(y_true, y_pred) of a kind: 'binary' 0/1, 'multiclass' 0..3, 'strings'
    (three names), 'multilabel' (n, 4) indicators, 'signed' -1/1."""
    if kind == "binary":
        return rng.integers(0, 2, n), rng.integers(0, 2, n)
    if kind == "signed":
        return rng.choice([-1, 1], n), rng.choice([-1, 1], n)
    if kind == "multiclass":
        return rng.integers(0, 4, n), rng.integers(0, 4, n)
    if kind == "strings":
        names = np.array(["ant", "bee", "cat"])
        return names[rng.integers(0, 3, n)], names[rng.integers(0, 3, n)]
    return rng.integers(0, 2, (n, 4)), rng.integers(0, 2, (n, 4))


def _sample_weight(rng, kind, n=N):
    if kind is None:
        return None
    if kind == "ints":
        return rng.integers(0, 4, n)
    w = rng.uniform(0, 2, n)
    if kind == "with_zeros":
        w[rng.uniform(size=n) < 0.3] = 0
    return w


def _compare(got, want, what, scale=SCALE, tol=F64, dtype="float64"):
    if want is None:
        assert got is None, what
        return
    if isinstance(want, tuple):
        for i, (g, w) in enumerate(zip(got, want)):
            _compare(g, w, "%s[%d]" % (what, i), scale, tol, dtype)
        return
    assert np.ndim(got) == np.ndim(want), "%s: %r vs %r" % (what, got, want)
    if np.ndim(want) == 0:
        assert isinstance(got, float) == isinstance(want, float), (what, type(got), type(want))
    assert_close(np.asarray(got, np.float64), np.asarray(want, np.float64), dtype, what, scale,
                 tol=tol)


def _both(fn_name, skm, *args, **kwargs):
    """(xent's result or exception type, scikit-learn's)."""
    out = []
    for f in (getattr(xm, fn_name), getattr(skm, fn_name)):
        try:
            out.append(_quiet(f, *args, **kwargs))
        except (ValueError, NotImplementedError, TypeError) as e:
            out.append(type(e))
    return out


@pytest.mark.parametrize("kind", ["binary", "multiclass", "strings", "multilabel"])
@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("sw", [None, "float", "ints"])
def test_accuracy_score(skm, rng, kind, normalize, sw):
    y, p = _labels(rng, kind)
    w = _sample_weight(rng, sw)
    got, want = _both("accuracy_score", skm, y, p, normalize=normalize, sample_weight=w)
    _compare(got, want, "sklearn accuracy_score")


@pytest.mark.parametrize("kind", ["binary", "multiclass", "strings"])
@pytest.mark.parametrize("labels", [None, "subset", "extra"])
@pytest.mark.parametrize("normalize", [None, "true", "pred", "all"])
@pytest.mark.parametrize("sw", [None, "float", "ints"])
def test_confusion_matrix(skm, rng, kind, labels, normalize, sw):
    y, p = _labels(rng, kind)
    present = np.unique(np.concatenate([y, p]))
    lab = {None: None, "subset": present[::-1][:2], "extra": np.concatenate(
        [present, ["zzz"] if kind == "strings" else [7]])}[labels]
    w = _sample_weight(rng, sw)
    got, want = _both("confusion_matrix", skm, y, p, labels=lab, sample_weight=w,
                      normalize=normalize)
    assert got.dtype == want.dtype
    _compare(got, want, "sklearn confusion_matrix")


@pytest.mark.parametrize("kind", ["binary", "multiclass", "strings", "multilabel", "signed"])
@pytest.mark.parametrize("average", [None, "binary", "micro", "macro", "weighted", "samples"])
@pytest.mark.parametrize("labels", [False, True])
@pytest.mark.parametrize("zero_division", ["warn", 1.0, np.nan])
def test_precision_recall_fscore_support(skm, rng, kind, average, labels, zero_division):
    y, p = _labels(rng, kind, n=12)  # small: classes that are never predicted
    lab = None
    if labels:
        lab = ([3, 0, 2] if kind == "multilabel" else
               ["cat", "ant", "dog"] if kind == "strings" else [1, 0, 9])
    w = _sample_weight(rng, "with_zeros" if labels else None, n=12)
    pos = {"strings": "bee", "signed": -1}.get(kind, 1)
    got, want = _both("precision_recall_fscore_support", skm, y, p, beta=0.5, labels=lab,
                      average=average, sample_weight=w, zero_division=zero_division,
                      pos_label=pos)
    if isinstance(want, type):
        assert got is want, "sklearn raised %s, xent gave %r" % (want.__name__, got)
        return
    _compare(got, want, "sklearn precision_recall_fscore_support", scale=np.sqrt(12 * 4))


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("beta", [0.0, 2.0, np.inf])
def test_fbeta_edges(skm, rng, kind, beta):
    y, p = _labels(rng, kind)
    got, want = _both("precision_recall_fscore_support", skm, y, p, beta=beta,
                      average="macro")
    _compare(got, want, "sklearn precision_recall_fscore_support (beta)")


@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("average", ["binary", "micro", "macro", "weighted", None])
def test_f1_score(skm, rng, kind, average):
    y, p = _labels(rng, kind)
    got, want = _both("f1_score", skm, y, p, average=average)
    if isinstance(want, type):
        assert got is want
        return
    _compare(got, want, "sklearn f1_score")


# ---- scikit-learn: ranking ---------------------------------------------------------

def _binary_scores(rng, kind, dtype, n=N):
    """(y_true, y_score): 'continuous', 'ties' (a few distinct scores),
    'constant' (one score), 'signed_zero' (-0.0 and 0.0 among few values),
    'one_class' (y_true all 1), 'wide' (scores across many magnitudes)."""
    y = rng.integers(0, 2, n)
    if kind == "continuous":
        s = rng.standard_normal(n)
    elif kind == "ties":
        s = rng.integers(0, 4, n) / 4
    elif kind == "constant":
        s = np.full(n, 0.3)
    elif kind == "signed_zero":
        s = rng.choice([-0.0, 0.0, 1.0, -1.0], n)
    elif kind == "one_class":
        y, s = np.ones(n, np.int64), rng.standard_normal(n)
    else:
        s = rng.standard_normal(n) * np.power(10.0, rng.integers(-30, 30, n))
    return y, s.astype(dtype)


SCORE_KINDS = ["continuous", "ties", "constant", "signed_zero", "one_class", "wide"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", SCORE_KINDS)
@pytest.mark.parametrize("sw", [None, "float", "with_zeros"])
@pytest.mark.parametrize("max_fpr", [None, 0.3])
def test_roc_auc_score_binary(skm, rng, kind, sw, max_fpr, dtype):
    y, s = _binary_scores(rng, kind, dtype)
    w = _sample_weight(rng, sw)
    got, want = _both("roc_auc_score", skm, y, s, sample_weight=w, max_fpr=max_fpr)
    _compare(got, want, "sklearn roc_auc_score (binary)")
    if kind == "one_class":  # undefined: NaN in both, with a warning
        assert np.isnan(got)
        with pytest.warns(xm.UndefinedMetricWarning):
            xm.roc_auc_score(y, s)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", SCORE_KINDS)
@pytest.mark.parametrize("sw", [None, "with_zeros"])
@pytest.mark.parametrize("pos_label", [1, 0])
def test_average_precision_score_binary(skm, rng, kind, sw, pos_label, dtype):
    y, s = _binary_scores(rng, kind, dtype)
    w = _sample_weight(rng, sw)
    got, want = _both("average_precision_score", skm, y, s, sample_weight=w,
                      pos_label=pos_label)
    # one_class with pos_label 0: no positives, scikit-learn's 0 (xent's flag)
    _compare(got, want, "sklearn average_precision_score (binary)")


def _multiclass(rng, dtype, kind, n=N, c=4):
    y = rng.integers(0, c, n)
    y[:c] = np.arange(c)  # every class present
    if kind == "ties":
        s = rng.integers(1, 4, (n, c)).astype(np.float64)
    else:
        s = rng.uniform(0.01, 1, (n, c))
    return y, (s / s.sum(1, keepdims=True)).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["continuous", "ties"])
@pytest.mark.parametrize("multi_class", ["ovr", "ovo"])
@pytest.mark.parametrize("average", ["macro", "weighted", "micro", None])
@pytest.mark.parametrize("variant", ["plain", "labels", "weights"])
def test_roc_auc_score_multiclass(skm, rng, kind, multi_class, average, variant, dtype):
    y, s = _multiclass(rng, dtype, kind)
    kw = dict(multi_class=multi_class, average=average)
    if variant == "labels":  # a class that never occurs (its own column)
        y = np.where(y == 2, 3, y)
        kw["labels"] = [0, 1, 2, 3]
    elif variant == "weights":
        kw["sample_weight"] = _sample_weight(rng, "float")
    got, want = _both("roc_auc_score", skm, y, s, **kw)
    if isinstance(want, type):
        assert got is want, "sklearn raised %s, xent gave %r" % (want.__name__, got)
        return
    _compare(got, want, "sklearn roc_auc_score (multiclass)", scale=np.sqrt(N * 4))


@pytest.mark.parametrize("kind", ["continuous", "ties", "constant_column"])
@pytest.mark.parametrize("average", ["micro", "macro", "weighted", "samples", None])
@pytest.mark.parametrize("sw", [None, "with_zeros"])
@pytest.mark.parametrize("fn", ["roc_auc_score", "average_precision_score"])
def test_multilabel_ranking(skm, rng, fn, kind, average, sw):
    y = rng.integers(0, 2, (N, 3))
    s = (rng.integers(0, 3, (N, 3)) / 2) if kind == "ties" else rng.standard_normal((N, 3))
    if kind == "constant_column":
        y[:, 1] = 0  # no positives in one column
    w = _sample_weight(rng, sw)
    got, want = _both(fn, skm, y, s, average=average, sample_weight=w)
    _compare(got, want, "sklearn %s (multilabel)" % fn, scale=np.sqrt(N * 3))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["continuous", "ties"])
@pytest.mark.parametrize("average", ["micro", "macro", "weighted", "samples", None])
def test_average_precision_score_multiclass(skm, rng, kind, average, dtype):
    y, s = _multiclass(rng, dtype, kind)
    got, want = _both("average_precision_score", skm, y, s, average=average)
    _compare(got, want, "sklearn average_precision_score (multiclass)", scale=np.sqrt(N * 4))


def test_weighted_average_without_positives_documented(skm, rng):
    """No positive weight at all: xent's 'weighted' average is NaN (nothing to
    weigh); scikit-learn returns 0."""
    y, s = np.zeros((N, 3), np.int64), rng.standard_normal((N, 3))
    y[0, 0] = 1
    w = np.ones(N)
    w[0] = 0  # the only positive has weight 0
    for fn in ("roc_auc_score", "average_precision_score"):
        got = _quiet(getattr(xm, fn), y, s, average="weighted", sample_weight=w)
        assert np.isnan(got)
        _note("sklearn %s weighted, no positive weight" % fn, got,
              _quiet(getattr(skm, fn), y, s, average="weighted", sample_weight=w))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", SCORE_KINDS)
@pytest.mark.parametrize("sw", [None, "with_zeros"])
@pytest.mark.parametrize("drop", [False, True])
@pytest.mark.parametrize("fn", ["roc_curve", "precision_recall_curve"])
def test_curves(skm, rng, fn, kind, sw, drop, dtype):
    y, s = _binary_scores(rng, kind, dtype)
    w = _sample_weight(rng, sw)
    got, want = _both(fn, skm, y, s, sample_weight=w, drop_intermediate=drop)
    for g, v, name in zip(got, want, ("x", "y", "thresholds")):
        assert g.dtype == v.dtype, (fn, name, g.dtype, v.dtype)
        _compare(g, v, "sklearn %s %s" % (fn, name))


@pytest.mark.parametrize("fn", ["roc_curve", "precision_recall_curve"])
@pytest.mark.parametrize("labels", ["signed", "strings", "multiclass"])
def test_curves_pos_label(skm, rng, fn, labels):
    s = rng.standard_normal(N)
    if labels == "signed":
        y, pos = rng.choice([-1, 1], N), None
    elif labels == "strings":
        y, pos = np.array(["no", "yes"])[rng.integers(0, 2, N)], "yes"
    else:
        y, pos = rng.integers(0, 3, N), 2
    got, want = _both(fn, skm, y, s, pos_label=pos)
    for g, v in zip(got, want):
        _compare(g, v, "sklearn %s (pos_label)" % fn)
    if labels == "strings":  # no pos_label: both refuse
        got, want = _both(fn, skm, y, s)
        assert got is want is ValueError


# ---- scikit-learn: top-k, log loss, Brier score ---------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("k", [1, 2, 3, 4])
@pytest.mark.parametrize("sw", [None, "float"])
@pytest.mark.parametrize("normalize", [True, False])
def test_top_k_accuracy_score(skm, rng, k, sw, normalize, dtype):
    y, s = _multiclass(rng, dtype, "continuous")  # no ties
    w = _sample_weight(rng, sw)
    got, want = _both("top_k_accuracy_score", skm, y, s, k=k, sample_weight=w,
                      normalize=normalize)
    _compare(got, want, "sklearn top_k_accuracy_score")
    # binary: k = 1 thresholds the scores, k = 2 hits everything
    yb, sb = _binary_scores(rng, "continuous", dtype)
    for scores in (sb, 1 / (1 + np.exp(-sb))):
        got, want = _both("top_k_accuracy_score", skm, yb, scores, k=min(k, 2),
                          sample_weight=w, normalize=normalize)
        _compare(got, want, "sklearn top_k_accuracy_score (binary)")


def test_top_k_accuracy_score_labels(skm, rng):
    y, s = _multiclass(rng, "float64", "continuous", c=5)
    y = np.where(y == 4, 0, y)  # class 4 never occurs: labels= names it
    got, want = _both("top_k_accuracy_score", skm, y, s, k=2, labels=[0, 1, 2, 3, 4])
    _compare(got, want, "sklearn top_k_accuracy_score (labels)")
    got, want = _both("top_k_accuracy_score", skm, y, s, k=2)
    assert got is want is ValueError


@pytest.mark.parametrize("k", [1, 2])
def test_top_k_ties_documented(skm, rng, k):
    """Tied scores at the k-th place: xent counts a hit (fewer than k classes
    score strictly higher, tf.math.in_top_k's rule); scikit-learn ranks the
    higher class index first."""
    y, s = _multiclass(rng, "float64", "ties")
    got = xm.top_k_accuracy_score(y, s, k=k)
    higher = (s > s[np.arange(N), y][:, None]).sum(axis=1)
    assert got == np.mean(higher < k)
    _note("sklearn top_k_accuracy_score, tied scores, k=%d" % k, got,
          skm.top_k_accuracy_score(y, s, k=k))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", ["binary_1d", "binary_2d", "multiclass", "strings",
                                  "labels", "edges"])
@pytest.mark.parametrize("sw", [None, "with_zeros"])
@pytest.mark.parametrize("normalize", [True, False])
def test_log_loss(skm, rng, case, sw, normalize, dtype):
    if case in ("binary_1d", "edges"):
        y = rng.integers(0, 2, N)
        p = rng.uniform(0, 1, N)
        if case == "edges":  # exactly 0 and 1, right and wrong
            p[:8] = [0, 1, 0, 1, 1e-20, 1 - 1e-12, 1e-7, 0.5]
            y[:4] = [0, 1, 1, 0]
    elif case == "binary_2d":
        y, p = rng.integers(0, 2, N), rng.uniform(0, 1, N)
        p = np.stack([1 - p, p], axis=1)
    else:
        y, p = _multiclass(rng, "float64", "continuous")
        if case == "strings":
            y = np.array(["a", "b", "c", "d"])[y]
    labels = None
    if case == "labels":  # a class missing from y_true, named by labels=
        y = np.where(y == 3, 2, y)
        labels = [0, 1, 2, 3]
    w = _sample_weight(rng, sw)
    got, want = _both("log_loss", skm, y, p.astype(dtype), sample_weight=w,
                      normalize=normalize, labels=labels)
    tol = F64 if dtype == "float64" else TOLERANCE["float32"]
    _compare(got, want, "sklearn log_loss", scale=np.sqrt(p.size), tol=tol,
             dtype=dtype)


def test_log_loss_refusals(skm):
    for y, p, kw in ((np.array([1, 1]), np.array([0.2, 0.4]), {}),
                     (np.array([0, 1]), np.array([0.2, 1.4]), {}),
                     (np.array([0, 1, 2]), np.eye(3)[:, :2], {}),
                     (np.array([0, 1]), np.array([0.2, 0.4]), dict(labels=[0]))):
        got, want = _both("log_loss", skm, y, p, **kw)
        assert got is want is ValueError


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", ["binary", "signed", "strings", "multiclass", "two_columns"])
@pytest.mark.parametrize("scale_by_half", ["auto", True, False])
@pytest.mark.parametrize("sw", [None, "with_zeros"])
def test_brier_score_loss(skm, rng, case, scale_by_half, sw, dtype):
    kw = {}
    if case == "multiclass":
        y, p = _multiclass(rng, "float64", "continuous")
    elif case == "two_columns":
        y, p = rng.integers(0, 2, N), rng.uniform(0, 1, N)
        p = np.stack([1 - p, p], axis=1)
    else:
        y, p = rng.integers(0, 2, N), rng.uniform(0, 1, N)
        p[:3] = [0.0, 1.0, 0.5]
        if case == "signed":
            y = 2 * y - 1
        elif case == "strings":
            y, kw = np.array(["ham", "spam"])[y], dict(pos_label="spam")
    w = _sample_weight(rng, sw)
    got, want = _both("brier_score_loss", skm, y, p.astype(dtype), sample_weight=w,
                      scale_by_half=scale_by_half, **kw)
    tol = F64 if dtype == "float64" else TOLERANCE["float32"]
    _compare(got, want, "sklearn brier_score_loss", scale=np.sqrt(p.size), tol=tol,
             dtype=dtype)


def test_refusals_agree(skm, rng):
    """Inputs scikit-learn refuses are refused here too (ValueError)."""
    y, s = rng.integers(0, 3, N), rng.dirichlet(np.ones(3), N)
    cases = [
        ("roc_auc_score", (y, s), {}),  # multi_class='raise'
        ("roc_auc_score", (y, s[:, :2]), dict(multi_class="ovr")),
        ("roc_auc_score", (y, s), dict(multi_class="ovo", sample_weight=np.ones(N))),
        ("roc_auc_score", (y, s), dict(multi_class="ovr", max_fpr=0.5)),
        ("roc_auc_score", (y, s * 2), dict(multi_class="ovr")),
        ("roc_auc_score", (rng.uniform(size=N), s[:, 0]), {}),  # continuous y_true
        ("average_precision_score", (y, s), dict(pos_label=2)),
        ("confusion_matrix", (y, y), dict(labels=[7, 8])),
        ("confusion_matrix", (y[:0], y[:0]), {}),
        ("precision_recall_fscore_support", (y, y), dict(average="binary")),
        ("precision_recall_fscore_support", (y % 2, y % 2), dict(average="binary",
                                                                  pos_label=5)),
        ("precision_recall_fscore_support", (y, y), dict(average="samples")),
        ("accuracy_score", (y, np.eye(3)[y]), {}),  # mixed target types
        ("top_k_accuracy_score", (y, s[:, :2]), {}),
        ("brier_score_loss", (y, s[:, 0]), {}),  # multiclass y_true, 1-d y_proba
        ("log_loss", (y, s), dict(labels=[0, 1])),
        ("roc_curve", (y, s[:, 0]), {}),  # multiclass without pos_label
    ]
    for fn, args, kw in cases:
        got, want = _both(fn, skm, *args, **kw)
        assert isinstance(want, type), (fn, kw, want)
        assert got is want or (got is ValueError and issubclass(want, ValueError)), (
            fn, kw, got, want)


def test_log_loss_y_pred_is_deprecated(skm, rng):
    y, p = rng.integers(0, 2, N), rng.uniform(size=N)
    with pytest.warns(FutureWarning, match="renamed to `y_proba`"):
        got = xm.log_loss(y, y_pred=p)
    _compare(got, _quiet(skm.log_loss, y, y_pred=p), "sklearn log_loss (y_pred)")
    with pytest.raises(ValueError, match="Cannot use both"):
        xm.log_loss(y, p, y_pred=p)
