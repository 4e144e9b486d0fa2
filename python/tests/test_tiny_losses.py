"""Where xent is deliberately more exact than the peers: confidently correct
predictions, whose losses are tiny. The reference is mpmath at 60 digits; xent
must be within a few ulp of it (include/xent.h: f32 1 ulp, f64 4 ulp), and the
peers' errors are recorded (printed at the end of the run), not asserted."""
import mpmath
import numpy as np
import pytest

from conftest import PEER_NOTES
import xent
from xent.compat import keras as xk
from xent.compat import tf as xtf
from xent.compat.torch.nn import functional as XF

mpmath.mp.dps = 60

# (dtype, margins): the correct logit is `margin` above the other one.
MARGINS = {"float64": [20.0, 37.42994775023705, 45.0], "float32": [10.0, 20.0, 30.0]}
ULPS = {"float64": 4, "float32": 1}
CASES = [(d, m) for d, ms in MARGINS.items() for m in ms]


def _ulps(value, exact, dtype):
    spacing = np.spacing(np.asarray(abs(float(exact)), dtype)).astype(np.float64)
    return abs(float(value) - float(exact)) / float(spacing)


def _note(peer, dtype, margin, exact, got):
    got = float(got)
    rel = abs(got - float(exact)) / abs(float(exact))
    PEER_NOTES.append("%-48s %-7s margin %-6.4g exact %.6e  peer %.6e  rel. error %.2g"
                      % (peer, dtype, margin, float(exact), got, rel))


def _check(value, exact, dtype):
    assert _ulps(value, exact, dtype) <= ULPS[dtype], (float(value), float(exact))


@pytest.mark.parametrize("dtype,margin", CASES)
def test_softmax_cross_entropy_tiny(torch, tf, keras, dtype, margin):
    x = np.array([[margin, 0.0]], dtype)
    y = np.array([0])
    m = mpmath.mpf(float(x[0, 0]))  # the logits as stored
    exact = mpmath.log1p(mpmath.exp(-m))  # -log_softmax(x)_0
    onehot = np.array([[1.0, 0.0]], dtype)

    _check(xent.sparse_softmax_cross_entropy(x, y, reduction="none")[0], exact, dtype)
    _check(XF.cross_entropy(x, y), exact, dtype)
    _check(xtf.nn.sparse_softmax_cross_entropy_with_logits(y, x)[0], exact, dtype)
    _check(xtf.nn.softmax_cross_entropy_with_logits(onehot, x)[0], exact, dtype)
    _check(xk.losses.sparse_categorical_crossentropy(y, x, from_logits=True)[0], exact, dtype)

    tx = torch.from_numpy(x)
    _note("torch F.cross_entropy", dtype, margin, exact,
          torch.nn.functional.cross_entropy(tx, torch.from_numpy(y)))
    _note("tf.nn.sparse_softmax_cross_entropy_with_logits", dtype, margin, exact,
          tf.nn.sparse_softmax_cross_entropy_with_logits(y, x)[0])
    _note("tf.nn.softmax_cross_entropy_with_logits", dtype, margin, exact,
          tf.nn.softmax_cross_entropy_with_logits(onehot, x)[0])


@pytest.mark.parametrize("dtype,margin", CASES)
def test_log_softmax_tiny(torch, tf, dtype, margin):
    x = np.array([margin, 0.0], dtype)
    exact = -mpmath.log1p(mpmath.exp(-mpmath.mpf(float(x[0]))))
    _check(xent.log_softmax(x)[0], exact, dtype)
    _note("torch F.log_softmax", dtype, margin, exact,
          torch.nn.functional.log_softmax(torch.from_numpy(x), 0)[0])
    _note("tf.nn.log_softmax", dtype, margin, exact, tf.nn.log_softmax(x)[0])


@pytest.mark.parametrize("dtype,margin", CASES)
def test_sigmoid_cross_entropy_tiny(torch, tf, dtype, margin):
    x = np.array([margin], dtype)
    z = np.array([1.0], dtype)
    exact = mpmath.log1p(mpmath.exp(-mpmath.mpf(float(x[0]))))  # softplus(-x)
    _check(xtf.nn.sigmoid_cross_entropy_with_logits(z, x)[0], exact, dtype)
    _check(XF.binary_cross_entropy_with_logits(x, z), exact, dtype)
    _note("torch F.binary_cross_entropy_with_logits", dtype, margin, exact,
          torch.nn.functional.binary_cross_entropy_with_logits(torch.from_numpy(x),
                                                              torch.from_numpy(z)))
    _note("tf.nn.sigmoid_cross_entropy_with_logits", dtype, margin, exact,
          tf.nn.sigmoid_cross_entropy_with_logits(z, x)[0])


def test_tiny_gradient_keeps_relative_precision(torch):
    """The row [40, 0 x 9] with label 0: d loss / d x_0 = -9 e^-40 / (1 + 9 e^-40)."""
    x = np.array([[40.0] + [0.0] * 9])
    _, g = xent.sparse_softmax_cross_entropy(x, np.array([0]), return_grad=True)
    e = mpmath.exp(-40)
    exact = -9 * e / (1 + 9 * e)
    assert _ulps(g[0, 0], exact, "float64") <= 4
    t = torch.from_numpy(x).requires_grad_()
    torch.nn.functional.cross_entropy(t, torch.tensor([0])).backward()
    PEER_NOTES.append("%-48s %-7s row [40, 0 x 9]: exact %.6e  peer %.6e" % (
        "torch cross_entropy grad[0]", "float64", float(exact), float(t.grad[0, 0])))
