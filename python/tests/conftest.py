"""Shared set-up for the live differential suite (python/tests).

Run as `make test-python`, or by hand:
    PYTHONPATH=build/python .peers-venv/bin/python -m pytest -q python/tests

Tolerances. A comparison of xent's value a with a peer's value b passes when

    |a - b| <= (rtol * |b| + atol) * scale

where `scale` is 1 + the largest |logit| of the call (the size of the terms a
peer's log-sum-exp cancels: peers round x - max(x) and log(sum) in the working
precision, so their absolute error grows with the logits' magnitude) and

    float32: rtol = 4e-7  (~3.4 ulp), atol = 1e-7
    float64: rtol = 2e-15 (~9 ulp),   atol = 1e-16

xent itself is within a few ulp of the exact value (include/xent.h); the
budget is the peers' rounding. Reductions over N positions get scale * N
(the peers' sums), and tf.compat.v1.losses gets the float32 budget for
float64 inputs too (TensorFlow reduces those losses in float32). The largest
share of the budget used per function and dtype is printed at the end of the
run (at the time of writing at most 0.67: xent.torch.BCEWithLogitsLoss's
gradient), next to the peers' errors on tiny losses (test_tiny_losses.py),
where the reference is mpmath, not the peer.
"""
import os
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

# A direct `pytest python/tests` finds the module in the default build folder.
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
try:
    import xent  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.join(_ROOT, os.environ.get("XENT_BUILD", "build"), "python"))

import numpy as np  # noqa: E402
import pytest  # noqa: E402

TOLERANCE = {
    "float32": dict(rtol=4e-7, atol=1e-7),
    "float64": dict(rtol=2e-15, atol=1e-16),
}

# (what, dtype) -> largest |a - b| / ((rtol |b| + atol) * scale) seen: the share
# of the budget used (1.0 = at the limit).
_BUDGET_USED = {}
# Lines about the peers' errors where xent is compared with mpmath instead.
PEER_NOTES = []


def scale_of(*arrays):
    m = 0.0
    for a in arrays:
        a = np.asarray(a, dtype=np.float64)
        finite = a[np.isfinite(a)]
        if finite.size:
            m = max(m, float(np.max(np.abs(finite))))
    return 1.0 + m


def to_numpy(x):
    """A peer's result as a NumPy array."""
    if hasattr(x, "detach"):
        x = x.detach()
    if hasattr(x, "numpy"):
        x = x.numpy()
    return np.asarray(x)


def assert_close(actual, expected, dtype, what, scale=1.0, tol=None):
    """xent's `actual` against the peer's `expected` with the dtype's budget."""
    actual, expected = np.asarray(actual), to_numpy(expected)
    assert actual.shape == expected.shape, "%s: shape %s, peer %s" % (
        what, actual.shape, expected.shape)
    name = np.dtype(dtype).name
    t = tol or TOLERANCE[name]
    a = actual.astype(np.float64)
    b = expected.astype(np.float64)
    same_nan = np.isnan(a) == np.isnan(b)
    assert same_nan.all(), "%s: NaN where the peer has none (or vice versa)" % what
    inf = np.isinf(b) | np.isinf(a)
    assert (a[inf] == b[inf]).all(), "%s: infinities differ" % what
    ok = ~np.isnan(b) & ~inf
    if not ok.any():
        return
    err = np.abs(a[ok] - b[ok])
    budget = (t["rtol"] * np.abs(b[ok]) + t["atol"]) * scale
    used = float(np.max(err / budget))
    key = (what, name)
    _BUDGET_USED[key] = max(_BUDGET_USED.get(key, 0.0), used)
    worst = int(np.argmax(err / budget))
    assert used <= 1.0, "%s (%s): |xent - peer| = %.3g > budget %.3g (xent %r, peer %r)" % (
        what, name, err[worst], budget[worst], a[ok][worst], b[ok][worst])


@pytest.fixture(scope="session")
def torch():
    import torch as t

    t.set_num_threads(1)
    return t


@pytest.fixture(scope="session")
def tf():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import tensorflow as t
    return t


@pytest.fixture(scope="session")
def keras(tf):
    import keras as k

    return k


@pytest.fixture
def rng(request):
    # One generator per test, seeded by its name: reruns see the same inputs.
    seed = sum(ord(c) * (i + 1) for i, c in enumerate(request.node.nodeid)) % (2**32)
    return np.random.default_rng(seed)


def pytest_terminal_summary(terminalreporter):
    tr = terminalreporter
    if _BUDGET_USED:
        tr.section("xent vs peers: share of the tolerance budget used (max over inputs)")
        for (what, dtype), used in sorted(_BUDGET_USED.items()):
            tr.write_line("  %-58s %-8s %6.3f" % (what, dtype, used))
    if PEER_NOTES:
        tr.section("peers' values where xent is checked against mpmath or its documented value")
        for line in PEER_NOTES:
            tr.write_line("  " + line)
