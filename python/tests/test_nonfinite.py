"""Non-finite inputs. Where the peers agree with xent's rules (NaN propagates
in its row, -inf entries get probability 0) the values are compared; where
xent deliberately takes the limit and the peers give NaN (+inf logits, fully
masked rows, sigmoid CE at +-inf), xent is checked against include/xent.h's
stated value and the peer's answer is recorded."""
import numpy as np
import pytest

from conftest import PEER_NOTES, assert_close
import xent
from xent.compat import tf as xtf
from xent.compat.torch.nn import functional as XF

INF, NAN = np.inf, np.nan


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_nan_and_minus_inf_agree_with_the_peers(torch, tf, dtype):
    x = np.array([[1.0, NAN, 2.0], [1.0, -INF, 2.0], [-INF, 0.5, -INF]], dtype)
    for name in ("softmax", "log_softmax"):
        assert_close(getattr(xtf.nn, name)(x[1:]), getattr(tf.nn, name)(x[1:]), dtype,
                     "nonfinite tf.nn." + name)
        assert_close(getattr(XF, name)(x, 1), getattr(torch.nn.functional, name)(
            torch.from_numpy(x), 1), dtype, "nonfinite F." + name)
    # xent's whole row is NaN; TensorFlow's float32 kernel keeps the NaN to its
    # own position (its float64 kernel agrees with xent)
    assert np.isnan(xtf.nn.softmax(x[:1])).all()
    _record("softmax, NaN in the row (tf, %s)" % dtype, xtf.nn.softmax(x[:1]),
            tf.nn.softmax(x[:1]))
    y = np.array([0, 2, 1])
    assert_close(XF.cross_entropy(x, y, reduction="none"),
                 torch.nn.functional.cross_entropy(torch.from_numpy(x), torch.from_numpy(y),
                                                   reduction="none"),
                 dtype, "nonfinite F.cross_entropy")


def _record(what, ours, peer):
    PEER_NOTES.append("%-48s xent %s  peer %s" % (what, np.array2string(np.asarray(ours)),
                                                    np.array2string(np.asarray(peer))))


def test_limits_where_the_peers_give_nan(torch, tf):
    masked = np.array([[-INF, -INF, -INF]])
    np.testing.assert_array_equal(xent.softmax(masked), [[0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(xent.log_softmax(masked), [[-INF, -INF, -INF]])
    _record("softmax, fully masked row (torch)", xent.softmax(masked),
            torch.softmax(torch.from_numpy(masked), 1).numpy())

    plus = np.array([[INF, 0.0, INF]])
    np.testing.assert_array_equal(xent.softmax(plus), [[0.5, 0.0, 0.5]])
    np.testing.assert_array_equal(xent.log_softmax(plus), [[-np.log(2), -INF, -np.log(2)]])
    _record("softmax, two +inf logits (tf)", xent.softmax(plus),
            tf.nn.softmax(plus).numpy())

    # sigmoid cross-entropy at +-inf: the loss's limit, 0 or +inf, never NaN
    x = np.array([INF, INF, -INF, -INF])
    z = np.array([1.0, 0.0, 0.0, 1.0])
    ours = xtf.nn.sigmoid_cross_entropy_with_logits(z, x)
    np.testing.assert_array_equal(ours, [0.0, INF, 0.0, INF])
    _record("sigmoid CE at +-inf (tf)", ours,
            tf.nn.sigmoid_cross_entropy_with_logits(z, x).numpy())
    _record("sigmoid CE at +-inf (torch)", ours,
            torch.nn.functional.binary_cross_entropy_with_logits(
                torch.from_numpy(x), torch.from_numpy(z), reduction="none").numpy())

    # softmax CE: a confidently wrong +inf logit costs +inf, a right one 0
    logits = np.array([[INF, 0.0], [INF, 0.0]])
    ours = xent.sparse_softmax_cross_entropy(logits, np.array([0, 1]), reduction="none")
    np.testing.assert_array_equal(ours, [0.0, INF])
    _record("sparse softmax CE with +inf logit (torch)", ours,
            torch.nn.functional.cross_entropy(torch.from_numpy(logits), torch.tensor([0, 1]),
                                              reduction="none").numpy())
