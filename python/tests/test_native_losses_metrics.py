"""The native losses on probabilities, focal, regression, segmentation and
distillation losses, and the metrics: every params field as a keyword, the
gradients against central differences (float64, relative 1e-6 of the largest
gradient entry), the metrics' groups / stats / out= / masks, the exception
mapping, and the GIL released while computing. Values against the peers are
in test_compat_losses.py and test_compat_metrics.py."""

import numpy as np
import pytest

import xent
from _gil import longest_pause


def _fd_grad(f, x, h=1e-6):
    """Central differences of the scalar f at x (float64)."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (float(f(xp)) - float(f(xm))) / (2 * h)
    return g


def _interior(rng, shape):
    return rng.uniform(0.05, 0.95, shape)


# (name, first argument, second argument, keywords): every loss with options
def _cases(rng):
    p, y = _interior(rng, (3, 4)), rng.integers(0, 2, (3, 4)).astype(float)
    rows = rng.dirichlet(np.ones(4), 3)
    onehot = np.eye(4)[rng.integers(0, 4, 3)]
    labels = rng.integers(0, 4, 3)
    x = rng.standard_normal((3, 4))
    return [
        ("binary_cross_entropy", p, y, dict(label_smoothing=0.1, flags=xent.CE_MEAN_OVER_CLASSES)),
        ("binary_cross_entropy", p, y, dict(mode="tf_v1", eps=1e-3)),
        ("binary_cross_entropy", p, y, dict(mode="torch", class_weights=np.arange(1.0, 5))),
        ("binary_cross_entropy", x, y, dict(from_logits=True)),
        ("categorical_cross_entropy", rows, onehot, dict(label_smoothing=0.2)),
        ("sparse_categorical_cross_entropy", rows, labels, dict(class_weights=np.arange(1.0, 5))),
        ("nll_loss", np.log(rows), labels, dict(label_smoothing=0.1, reduction="sum")),
        ("binary_focal_cross_entropy", p, y,
         dict(gamma=1.5, alpha=0.3, apply_class_balancing=True)),
        ("binary_focal_cross_entropy", x, y, dict(from_logits=True, gamma=3.0)),
        ("categorical_focal_cross_entropy", rows, onehot, dict(gamma=1.0, alpha=0.5)),
        ("mean_squared_error", x, y, dict(sample_weights=np.arange(1.0, 4))),
        ("mean_absolute_error", x, y, dict(flags=xent.CE_MEAN_OVER_CLASSES)),
        ("huber_loss", x, y, dict(delta=0.5)),
        ("mean_pairwise_squared_error", x, y, dict(reduction="sum")),
        ("dice_loss", p, y, dict(sum_axes=(1,), smooth=1.0, eps=0.0)),
        ("tversky_loss", p, y, dict(alpha=0.3, beta=0.7, sum_axes=(0,))),
        ("dice_loss", x, onehot, dict(activation="softmax", sum_axes=(0,),
                                      ignore_background=True)),
        ("tversky_loss", x, y, dict(activation="sigmoid", sum_axes=(1,), smooth=0.5)),
        ("kl_divergence", rows, rng.dirichlet(np.ones(4), 3), dict(eps=0.0)),
        ("distillation_loss", x, rng.standard_normal((3, 4)), dict(temperature=2.5)),
    ]


@pytest.mark.parametrize("case", range(20))
def test_gradients_match_central_differences(rng, case):
    name, a, b, kw = _cases(rng)[case]
    fn = getattr(xent, name)
    kw = {"reduction": "sum_over_batch_size", **kw}
    loss, grad = fn(a, b, return_grad=True, **kw)
    assert grad.shape == a.shape and loss.shape == ()
    fd = _fd_grad(lambda t: fn(t, b, **kw), a)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-6 * np.abs(fd).max())
    # the upstream factor scales it; 'none' gives one loss per position / element
    np.testing.assert_allclose(fn(a, b, return_loss=False, return_grad=True,
                                  upstream=np.array(3.0), **kw), 3 * grad, rtol=1e-14)


def test_loss_shapes_for_reduction_none(rng):
    p, y = _interior(rng, (2, 3, 4)), rng.integers(0, 2, (2, 3, 4)).astype(float)
    assert xent.binary_cross_entropy(p, y, reduction="none").shape == (2, 3, 4)
    assert xent.binary_cross_entropy(p, y, reduction="none", axis=1,
                                     flags=xent.CE_MEAN_OVER_CLASSES).shape == (2, 4)
    assert xent.kl_divergence(p, y, reduction="none", axis=0).shape == (3, 4)
    assert xent.mean_pairwise_squared_error(p, y, reduction="none").shape == (2,)
    assert xent.dice_loss(p, y, reduction="none").shape == ()
    assert xent.dice_loss(p, y, reduction="none", sum_axes=(1,)).shape == (2, 4)
    # an int bit mask is the same as a sequence of axes
    np.testing.assert_array_equal(xent.dice_loss(p, y, reduction="none", sum_axes=0b110),
                                  xent.dice_loss(p, y, reduction="none", sum_axes=(-1, 1)))
    out = np.empty(2, np.float32)
    assert xent.tversky_loss(p, y, reduction="none", sum_axes=(1, 2), loss_out=out) is out


def test_params_keywords_take_effect(rng):
    p = np.array([[0.0, 1.0, 0.3]])
    y = np.array([[1.0, 0.0, 1.0]])
    keras = xent.binary_cross_entropy(p, y, reduction="none")
    # lo = 1e-7; 1 - hi = 1 - 0.9999999 (rounded) = 1.0000000005838672e-07
    np.testing.assert_allclose(keras[0, :2], [-np.log(1e-7), -np.log1p(-0.9999999)],
                               rtol=1e-15)
    np.testing.assert_allclose(xent.binary_cross_entropy(p, y, reduction="none", eps=1e-3)[0, 0],
                               -np.log(1e-3), rtol=1e-12)
    np.testing.assert_allclose(xent.binary_cross_entropy(p, y, reduction="none", mode="torch")
                               [0, :2], 100.0)
    np.testing.assert_allclose(xent.binary_cross_entropy(p, y, reduction="none", mode="tf_v1")
                               [0, 0], -np.log(1e-7), rtol=1e-9)
    x = rng.standard_normal((3, 4))
    t = rng.integers(0, 2, (3, 4)).astype(float)
    np.testing.assert_allclose(xent.binary_cross_entropy(x, t, from_logits=True),
                               xent.sigmoid_cross_entropy(x, t), rtol=1e-15)
    q = xent.sigmoid(x)
    f0 = xent.binary_focal_cross_entropy(q, t, gamma=0.0, reduction="none")
    np.testing.assert_allclose(f0, xent.binary_cross_entropy(q, t, reduction="none"),
                               rtol=1e-13)
    assert not np.allclose(xent.binary_focal_cross_entropy(q, t, gamma=2.0), f0.mean())
    np.testing.assert_allclose(xent.huber_loss(x, t, delta=1e9),
                               xent.mean_squared_error(x, t) / 2, rtol=1e-13)
    s = xent.softmax(x)
    np.testing.assert_allclose(xent.dice_loss(x, t, activation="softmax", sum_axes=(1,)),
                               xent.dice_loss(s, t, sum_axes=(1,)), rtol=1e-13)
    d = xent.dice_loss(s, t, sum_axes=(0,), reduction="none", ignore_background=True)
    assert d[0] == 0 and d[1:].all()
    teacher = x + rng.standard_normal(x.shape)
    np.testing.assert_allclose(xent.distillation_loss(x, teacher, temperature=3.0),
                               9 * xent.kl_divergence(xent.softmax(x / 3),
                                                      xent.softmax(teacher / 3), eps=0.0),
                               rtol=1e-13)
    m = xent.mean_pairwise_squared_error(x, t, reduction="sum", flags=xent.MPSE_TF_EAGER_COUNT)
    assert m != xent.mean_pairwise_squared_error(x, t, reduction="sum")


def test_loss_errors_are_mapped():
    p = np.array([[0.2, 0.8]])
    with pytest.raises(ValueError, match="mode 'bogus' is not one of 'keras', 'torch', 'tf_v1'"):
        xent.binary_cross_entropy(p, p, mode="bogus")
    with pytest.raises(ValueError, match=r"probs\[0, 1\] = 1.5 is outside \[0, 1\]"):
        xent.binary_cross_entropy(np.array([[0.2, 1.5]]), p, mode="torch")
    with pytest.raises(IndexError, match=r"labels\[1\] = 7 is outside \[0, 2\)"):
        xent.nll_loss(np.log(np.array([[0.2, 0.8], [0.5, 0.5]])), np.array([0, 7]))
    with pytest.raises(TypeError, match="gamma must be a number"):
        xent.binary_focal_cross_entropy(p, p, gamma="two")
    with pytest.raises(TypeError, match="unexpected keyword|invalid keyword"):
        xent.huber_loss(p, p, beta=2.0)
    with pytest.raises(ValueError, match="activation"):
        xent.dice_loss(p, p, activation="relu")
    with pytest.raises(ValueError, match="axis 5 is out of range"):
        xent.dice_loss(p, p, sum_axes=(5,))
    with pytest.raises(ValueError):
        xent.categorical_cross_entropy(p, p, mode="torch")  # Keras's loss only


# ---- metrics ------------------------------------------------------------------

def test_mean_metrics_groups_stats_out_and_weights(rng):
    y = rng.integers(0, 2, (5, 3)).astype(float)
    p = rng.uniform(size=(5, 3))
    per = xent.binary_accuracy(y, p, groups=2)
    np.testing.assert_array_equal(per, (p > 0.5) == y)
    rows = xent.binary_accuracy(y, p, groups=1, dtype="float32")
    assert rows.dtype == np.float32
    np.testing.assert_allclose(rows, per.mean(axis=1), rtol=1e-7)
    w = rng.uniform(0, 2, 5)
    mean, total, weight, count = xent.binary_accuracy(y, p, sample_weights=w, stats=True)
    np.testing.assert_allclose([total, weight], [(per * w[:, None]).sum(), 3 * w.sum()],
                               rtol=1e-14)
    assert count == 15 and mean == pytest.approx(total / weight, rel=1e-15)
    mask = np.array([1, 0, 1, 1, 0], np.uint8)
    np.testing.assert_allclose(xent.binary_accuracy(y, p, mask=mask), per[mask == 1].mean(),
                               rtol=1e-15)
    out = np.empty((), np.float64)
    assert xent.binary_accuracy(y, p, out=out) is out
    assert np.isnan(xent.binary_accuracy(y[:0], p[:0], empty="nan"))
    assert xent.binary_accuracy(y[:0], p[:0]) == 0
    scores = rng.uniform(size=(4, 6))
    labels = rng.integers(0, 6, 4)
    top = xent.sparse_top_k_categorical_accuracy(labels, scores, k=3, groups=1)
    np.testing.assert_array_equal(top, (scores > scores[np.arange(4), labels][:, None]).sum(1) < 3)
    with pytest.raises(ValueError, match="groups"):
        xent.binary_accuracy(y, p, groups=1, sample_weights=w)
    with pytest.raises(ValueError, match=r"y_pred\[.*\] is NaN"):
        xent.binary_accuracy(y, np.full((5, 3), np.nan))


def test_probability_metrics_keywords(rng):
    p = np.array([[0.0, 1.0], [0.3, 0.7]])
    y = np.array([0, 0])
    auto = xent.log_loss(y, p)  # clipped at 2^-52
    np.testing.assert_allclose(auto, (-np.log(2.0 ** -52) - np.log(0.3)) / 2, rtol=1e-14)
    np.testing.assert_allclose(xent.log_loss(y, p, eps=1e-3),
                               (-np.log(1e-3) - np.log(0.3)) / 2, rtol=1e-14)
    assert np.isinf(xent.log_loss(y, p, eps=0.0))
    b = xent.brier_score(y, p, scale="one")
    np.testing.assert_allclose(xent.brier_score(y, p), b / 2, rtol=1e-15)
    np.testing.assert_allclose(xent.brier_score(y, p, scale="half"), b / 2, rtol=1e-15)
    np.testing.assert_allclose(xent.binary_brier_score(np.array([1.0, 0.0]),
                                                       np.array([0.25, 0.5])),
                               (0.75 ** 2 + 0.25) / 2, rtol=1e-15)
    with pytest.raises(ValueError, match="outside"):
        xent.binary_log_loss(np.array([1.0]), np.array([1.5]))


def test_confusion_and_prf_keywords(rng):
    y, p = np.array([0, 1, 2, 2, 1]), np.array([0, 2, 2, 1, 1])
    cm = xent.confusion_matrix(y, p, 3)
    np.testing.assert_array_equal(cm, [[1, 0, 0], [0, 1, 1], [0, 1, 1]])
    np.testing.assert_allclose(xent.confusion_matrix(y, p, 3, normalize="true").sum(1), 1)
    scores = np.eye(3)[p] + 0.1
    np.testing.assert_array_equal(xent.confusion_matrix(y, scores, 3), cm)
    mlc = xent.multilabel_confusion_matrix(y, p, 3)
    np.testing.assert_array_equal(mlc[:, 1, 1], np.diag(cm))
    pr, rc, f, sup = xent.precision_recall_fscore(y, p, 3, labels=[2, 0])
    np.testing.assert_allclose(pr, [0.5, 1.0])
    np.testing.assert_array_equal(sup, [2, 1])
    pr, rc, f, sup = xent.precision_recall_fscore(y, p, 3, average="macro", beta=2.0)
    assert pr.shape == () and sup.shape == (3,)
    zd = xent.precision_recall_fscore(np.array([0, 0]), np.array([0, 0]), 2,
                                      zero_division=np.nan)
    assert np.isnan(zd[0][1])
    ml_t, ml_p = rng.integers(0, 2, (6, 3)), rng.uniform(size=(6, 3))
    r = xent.precision_recall_fscore(ml_t, ml_p, 3, kind="multilabel", threshold=0.3,
                                     average="samples")
    assert np.isfinite(r[2])
    with pytest.raises(ValueError, match="kind"):
        xent.confusion_matrix(y, p, 3, kind="multi")
    with pytest.raises(IndexError, match=r"is outside \[0, 3\)"):
        xent.confusion_matrix(np.array([0, 3]), np.array([0, 1]), 3)


def test_auc_keywords(rng):
    y, s = rng.integers(0, 2, 200), np.round(rng.standard_normal(200), 1)
    exact = xent.roc_auc(y, s)
    bounded, bound = xent.roc_auc(y, s, capacity=4, return_bound=True)
    assert bound > 0 and abs(bounded - exact) <= bound
    v, b0 = xent.roc_auc(y, s, capacity=1000, return_bound=True)
    assert v == exact and b0 == 0  # fewer distinct scores than the capacity
    assert xent.roc_auc(y, s, max_fpr=0.2) != exact
    assert np.isnan(xent.average_precision(np.zeros(5, np.int64), s[:5]))
    assert xent.average_precision(np.zeros(5, np.int64), s[:5],
                                  flags=xent.AUC_AP_NO_POSITIVES_IS_ZERO) == 0
    labels, scores = rng.integers(0, 3, 60), rng.dirichlet(np.ones(3), 60)
    per = xent.roc_auc(labels, scores, task="multiclass", classes=3, average=None)
    assert per.shape == (3,)
    np.testing.assert_allclose(xent.roc_auc(labels, scores, task="multiclass", classes=3),
                               per.mean(), rtol=1e-15)
    ovo = xent.roc_auc(labels, scores, task="multiclass", classes=3, multi_class="ovo",
                       capacity=8, config_flags=xent.AUC_ONE_VS_ONE)
    assert 0 <= ovo <= 1
    fpr, tpr, thr = xent.roc_curve(labels, scores, task="multiclass", classes=3,
                                   column=xent.AUC_MICRO, drop_intermediate=False)
    assert thr[0] == np.inf and fpr[-1] == tpr[-1] == 1
    pr, rc, thr = xent.precision_recall_curve(labels, scores, task="multiclass", classes=3,
                                              column=2)
    assert pr.size == rc.size == thr.size + 1
    w = rng.uniform(0, 2, 60)
    m = np.ones(60, np.uint8)
    m[::2] = 0
    np.testing.assert_allclose(
        xent.roc_auc(labels, scores, task="multiclass", classes=3, sample_weights=w, mask=m),
        xent.roc_auc(labels[1::2], scores[1::2], task="multiclass", classes=3,
                     sample_weights=w[1::2]), rtol=1e-15)
    with pytest.raises(ValueError, match="not a binary label"):
        xent.roc_auc(np.array([0, 2]), np.array([0.1, 0.2]))
    with pytest.raises(ValueError, match="NaN"):
        xent.roc_auc(np.array([0, 1]), np.array([0.1, np.nan]))


@pytest.mark.parametrize("call", ["loss", "metric"])
def test_the_gil_is_released_while_computing(call):
    rng = np.random.default_rng(1)
    if call == "loss":
        a, b = rng.uniform(0.01, 0.99, (2000, 2000)), rng.uniform(size=(2000, 2000))

        def work():
            xent.binary_focal_cross_entropy(a, b, return_grad=True)
    else:
        y, s = rng.integers(0, 2, 3_000_000), rng.standard_normal(3_000_000)

        def work():
            xent.roc_auc(y, s)
    gap, took = longest_pause(work)
    assert gap < 0.5 * took, (gap, took)
