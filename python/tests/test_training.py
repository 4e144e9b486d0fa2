"""A real training client: a small PyTorch MLP trained with
xent.torch.CrossEntropyLoss follows the loss curve of torch.nn.CrossEntropyLoss
from the same seed (same data, same initial weights, same optimizer)."""
import numpy as np
import pytest

STEPS = 20
# The two losses differ by rounding only (xent is within 1 ulp, PyTorch a few
# ulp of the logits' magnitude), and 20 SGD steps on a small smooth problem
# keep such differences at that level: |ours - theirs| <= rtol |theirs| + atol.
CURVE_TOL = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-12, atol=1e-13)}


def _train(torch, loss_fn, dtype, opts):
    torch.manual_seed(1234)
    n, features, classes = 256, 20, 5
    centers = torch.randn(classes, features, dtype=dtype) * 0.4  # overlapping classes
    y = torch.randint(0, classes, (n,))
    x = centers[y] + torch.randn(n, features, dtype=dtype)
    if opts.get("ignore_index") is not None:
        y = y.clone()
        y[::7] = opts["ignore_index"]
    model = torch.nn.Sequential(
        torch.nn.Linear(features, 32), torch.nn.ReLU(), torch.nn.Linear(32, classes)
    ).to(dtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    curve = []
    for step in range(STEPS):
        batch = slice((step * 64) % n, (step * 64) % n + 64)
        optimizer.zero_grad()
        loss = loss_fn(model(x[batch]), y[batch])
        loss.backward()
        optimizer.step()
        curve.append(loss.item())
    return np.array(curve), [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("opts", [
    {},
    {"label_smoothing": 0.1},
    {"weight": [1.0, 2.0, 0.5, 1.0, 1.5], "ignore_index": -100},
])
def test_training_follows_the_same_loss_curve(torch, dtype, opts):
    import xent.torch

    tdtype = getattr(torch, dtype)
    kwargs = dict(opts)
    if "weight" in kwargs:
        kwargs["weight"] = torch.tensor(kwargs["weight"], dtype=tdtype)
    ours, ours_params = _train(torch, xent.torch.CrossEntropyLoss(**kwargs), tdtype, opts)
    theirs, their_params = _train(torch, torch.nn.CrossEntropyLoss(**kwargs), tdtype, opts)
    assert ours[-1] < 0.8 * ours[0], ours  # it learns
    np.testing.assert_allclose(ours, theirs, **CURVE_TOL[dtype])
    for a, b in zip(ours_params, their_params):  # and ends at the same weights
        np.testing.assert_allclose(a.numpy(), b.numpy(), **CURVE_TOL[dtype])
