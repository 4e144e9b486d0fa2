"""Inputs for the differential tests: shapes, value distributions (random and
adversarial) and memory layouts. Everything is made from a seeded generator."""
import numpy as np

DTYPES = ("float32", "float64")

# (shape, class axis): batches of rows, one sample, one class, many classes,
# an empty batch, channels-first and channels-last images / sequences.
SHAPES = (
    ((4, 5), -1),
    ((17, 2), -1),
    ((3, 1), -1),
    ((2, 1000), -1),
    ((0, 5), -1),
    ((7,), -1),
    ((2, 3, 4), 1),
    ((2, 3, 4), -1),
    ((2, 5, 3, 2), 1),
)

# Value distributions:
#   normal    standard normal * 2
#   wide      normal * 30 (probabilities down to e^-100, saturated sigmoids)
#   ties      small integers: many equal logits
#   dominant  one logit 25 above the rest per row (tiny losses, peers lose digits)
#   offset    normal + 1000 (shift invariance: x - max(x) must be exact)
#   extreme   mixed magnitudes up to 1e4 with both signs
KINDS = ("normal", "wide", "ties", "dominant", "offset", "extreme")

LAYOUTS = ("C", "F", "strided")


def _layout(a, layout, rng):
    """`a`'s values in another memory layout (same values, same shape)."""
    if layout == "C" or a.ndim == 0:
        return np.ascontiguousarray(a)
    if layout == "F":
        return np.asfortranarray(a)
    # every other element of a larger buffer, last axis reversed
    big = np.empty(a.shape[:-1] + (2 * a.shape[-1] + 1,), a.dtype)
    big[...] = rng.standard_normal(big.shape)  # garbage between the elements
    view = big[..., 1::2][..., ::-1]
    view[...] = a
    return view


def logits(rng, shape, axis, dtype, kind="normal", layout="C"):
    x = rng.standard_normal(shape)
    if kind == "wide":
        x = x * 30
    elif kind == "ties":
        x = rng.integers(-1, 2, shape).astype(np.float64)
    elif kind == "dominant":
        x = x * 0.1
        if x.size:
            hot = rng.integers(0, shape[axis], shape).argmax(axis=axis)  # any index
            np.put_along_axis(x, np.expand_dims(hot, axis), 25.0, axis=axis)
    elif kind == "offset":
        x = x + 1000
    elif kind == "extreme":
        x = x * np.power(10.0, rng.integers(0, 5, shape)) * rng.choice([-1, 1], shape)
    else:
        x = x * 2
    return _layout(x.astype(dtype), layout, rng)


def probabilities(rng, shape, axis, dtype, one_hot=False):
    if one_hot:
        idx = rng.integers(0, max(shape[axis], 1), tuple(np.delete(shape, axis)))
        p = np.zeros(shape)
        if p.size:
            np.put_along_axis(p, np.expand_dims(idx, axis), 1.0, axis=axis)
        return p.astype(dtype)
    e = np.exp(rng.standard_normal(shape) * 2)
    return (e / e.sum(axis=axis, keepdims=True)).astype(dtype)


def class_labels(rng, shape, axis, dtype="int64"):
    positions = tuple(d for i, d in enumerate(shape) if i != axis % len(shape))
    return rng.integers(0, max(shape[axis], 1), positions).astype(dtype)


def targets01(rng, shape, dtype, binary=False):
    t = rng.integers(0, 2, shape) if binary else rng.uniform(0, 1, shape)
    return t.astype(dtype)
