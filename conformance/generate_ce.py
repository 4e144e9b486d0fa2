#!/usr/bin/env python3
"""Generate conformance/data/cross_entropy.txt from the real peer libraries.

Run inside the peer environment:

    tools/peers_env.sh && .peers-venv/bin/python conformance/generate_ce.py

Every case runs one peer function (TensorFlow tf.nn and tf.compat.v1.losses,
Keras 3 losses, PyTorch) on listed inputs and records its loss and its
gradient with respect to the logits (tf.GradientTape / torch.autograd), with
the xent_ce_options_t settings that reproduce the call as `param` lines.

Self-check: the generator also evaluates xent's documented formula (the
cross-entropy section of include/xent.h) with those options in mpmath at 50
digits and refuses to write the file if a peer disagrees with it beyond the
peer's own rounding. A case whose peer value is not within a few ulps of that
reference (tiny losses, float32 reductions) is marked `param
peer_loses_precision 1` and followed by a `<name>_mpmath` case holding the
correctly rounded reference. Format and conventions: conformance/README.md.

Deterministic: values come from generators seeded by a CRC of the case name,
the peers run single-threaded on portable kernels, nothing is timestamped.
"""

import os
import sys

# Must be set before the peers are imported (as in generate.py).
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["ATEN_CPU_CAPABILITY"] = "default"
os.environ["OMP_NUM_THREADS"] = "1"

import math  # noqa: E402
import subprocess  # noqa: E402

try:
    import keras
    import mpmath
    import numpy as np
    import tensorflow as tf
    import torch
    import torch.nn.functional as F
    from keras.src import backend as keras_backend  # set_keras_mask: Keras's own input masks
except ImportError as exc:  # pragma: no cover
    sys.exit(f"generate_ce.py: {exc}\nRun it in the peer environment: "
             "tools/peers_env.sh && .peers-venv/bin/python conformance/generate_ce.py")

from cformat import NP_DTYPE, Suite, rng_for  # noqa: E402

torch.set_num_threads(1)
tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
mpmath.mp.dps = 50

FLOATS = ("f32", "f64")


def _debian_version(pkg):
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg],
                             capture_output=True, text=True, check=True).stdout.strip()
        return out or None
    except (OSError, subprocess.CalledProcessError):
        return None


V = {
    "torch": _debian_version("python3-torch") or torch.__version__,
    "tensorflow": tf.__version__,
    "keras": keras.__version__,
    "numpy": np.__version__,
    "mpmath": mpmath.__version__,
}
TFV, KV, TV = V["tensorflow"], V["keras"], V["torch"]
V1 = tf.compat.v1.losses

# ---------------------------------------------------------------------------
# Tolerance model: the same formulas as tests/test_conformance.c
# ---------------------------------------------------------------------------
# A peer computes x - max and log(sum exp) in its own precision, so its loss is
# off by a few ulps of S = 1 + max|x| + log(1 + C), times the size U of the
# targets and the weights W; its gradient by a few ulps of S U max|grad|.
K_PEER = 8
EPS = {"f32": 2.0 ** -23, "f64": 2.0 ** -52}
TINY = {"f32": 2.0 ** -126, "f64": 2.0 ** -1022}  # TensorFlow flushes subnormals


def tolerances(dtype, function, params, ins, grad, eps=None, loose=False):
    """((loss_rel, loss_abs), (grad_rel, grad_abs)) for comparing xent with the peer.
    loose: a gradient scale of at least the weights' (for peers that lose tiny gradients)."""
    eps = EPS[dtype] if eps is None else eps
    tiny = TINY[dtype]
    x = np.asarray(ins["logits"], np.float64)
    ax = params["axis"] % x.ndim
    classes = x.shape[ax]
    fin = np.abs(x[np.isfinite(x)])
    s = 1.0 + (fin.max() if fin.size else 0.0) + math.log1p(classes)
    lab = np.abs(np.asarray(ins["labels"], np.float64))
    if function == "dense":
        u = max(1.0, float(lab.sum(axis=ax).max(initial=0.0)))
    elif function == "sparse":
        u = 1.0
    else:
        u = 2.0 * max(1.0, float(lab.max(initial=0.0)))
    cw = ins.get("class_weights")
    pw = ins.get("pos_weight")
    sw = ins.get("sample_weights")
    cwm = float(np.abs(cw).max(initial=0.0)) if cw is not None else 1.0
    pwm = max(1.0, float(np.abs(pw).max(initial=0.0))) if pw is not None else 1.0
    elementwise = function == "sigmoid" and "MEAN_OVER_CLASSES" not in params.get("flags", "")
    npos = x.size if elementwise else (x.size // classes if classes else 0)
    if params["reduction"] == "SUM":
        wsum = float(np.abs(sw).sum()) * npos / sw.size if sw is not None and sw.size else float(npos)
        wl = wsum * cwm * pwm
    else:
        wl = (float(np.abs(sw).max(initial=0.0)) if sw is not None else 1.0) * cwm * pwm
    g = np.abs(np.asarray(grad, np.float64))
    gmax = float(g[np.isfinite(g)].max(initial=0.0))
    if loose:
        gmax = max(gmax, wl)
    k = K_PEER * eps
    return (k, k * s * u * wl + 2 * tiny), (k, k * s * u * gmax + 2 * tiny)


def close(have, want, rel, abs_):
    have = np.asarray(have, np.float64)
    want = np.asarray(want, np.float64)
    both_nan = np.isnan(have) & np.isnan(want)
    inf = np.isinf(have) | np.isinf(want)
    with np.errstate(invalid="ignore"):
        ok = np.abs(have - want) <= abs_ + rel * np.abs(want)
    ok = np.where(inf, have == want, ok)
    return np.where(np.isnan(have) | np.isnan(want), both_nan, ok)


def ulps(have, ref, dtype):
    """Largest distance in ulps of ref (subnormal-aware); inf where one is non-finite and they differ."""
    have = np.asarray(have, np.float64).ravel()
    ref = np.asarray(ref, np.float64).ravel()
    p, emin = (24, -126) if dtype == "f32" else (53, -1022)
    worst = 0.0
    for h, r in zip(have, ref):
        if math.isnan(h) or math.isnan(r) or math.isinf(h) or math.isinf(r):
            if not (h == r or (math.isnan(h) and math.isnan(r))):
                return math.inf
            continue
        e = max(math.frexp(r)[1] - 1 if r != 0 else emin, emin)
        worst = max(worst, abs(h - r) / 2.0 ** (e - (p - 1)))
    return worst


# ---------------------------------------------------------------------------
# The reference: xent's formula (include/xent.h) in mpmath, rounded to the dtype
# ---------------------------------------------------------------------------

def mp_round(v, dtype):
    """Nearest f32/f64 value to the mpf v (ties to even, subnormals, overflow to inf)."""
    if mpmath.isnan(v):
        return math.nan
    if mpmath.isinf(v):
        return math.copysign(math.inf, float(v))
    if v == 0:
        return 0.0
    p, emin, emax = (24, -126, 127) if dtype == "f32" else (53, -1022, 1023)
    _, e = mpmath.frexp(v)  # |v| = m 2^e, 1/2 <= m < 1
    if e - 1 > emax:
        return math.copysign(math.inf, float(mpmath.sign(v)))
    q = max(int(e) - p, emin - (p - 1))
    n = int(mpmath.nint(mpmath.ldexp(v, -q)))
    r = math.ldexp(float(n), q) if abs(n) < 2 ** 60 else float(mpmath.ldexp(n, q))
    if abs(r) > (2.0 - 2.0 ** (1 - p)) * 2.0 ** emax:
        return math.copysign(math.inf, r)
    return r


def mp_softplus(z):
    return mpmath.log1p(mpmath.exp(z)) if z <= 0 else z + mpmath.log1p(mpmath.exp(-z))


def mp_sigmoid(z):
    return 1 / (1 + mpmath.exp(-z))


def mp_softmax_ce(xrow, u, tf_gradient):
    """sum_c u_c * -log_softmax(x)_c and its gradient p T - u, without cancellation."""
    n = len(xrow)
    if n == 0:
        return mpmath.mpf(0), []
    k = int(np.argmax(xrow))
    m = mpmath.mpf(float(xrow[k]))
    assert math.isfinite(float(xrow[k])), "rows with +inf or all -inf are not in the data"
    e = [mpmath.exp(mpmath.mpf(float(v)) - m) if v != -math.inf else mpmath.mpf(0) for v in xrow]
    s = mpmath.fsum(e[c] for c in range(n) if c != k)
    lse = mpmath.log1p(s)
    loss = mpmath.mpf(0)
    for c in range(n):
        if u[c] != 0:
            nls = lse - (mpmath.mpf(float(xrow[c])) - m) if xrow[c] != -math.inf else mpmath.inf
            loss += u[c] * nls
    total = mpmath.mpf(1) if tf_gradient else mpmath.fsum(u)
    others = (1 - u[k]) if tf_gradient else mpmath.fsum(u[c] for c in range(n) if c != k)
    g = [e[c] / (1 + s) * total - u[c] for c in range(n)]
    g[k] = (others - u[k] * s) / (1 + s)
    return loss, g


def mp_sigmoid_ce(x, y, pw):
    x = mpmath.mpf(float(x))
    a, b = pw * y, 1 - y
    loss, g = mpmath.mpf(0), mpmath.mpf(0)
    if a != 0:
        loss += a * mp_softplus(-x)
        g -= a * mp_sigmoid(-x)
    if b != 0:
        loss += b * mp_softplus(x)
        g += b * mp_sigmoid(x)
    return loss, g


def broadcast_left(w, shape):
    w = np.asarray(w, np.float64)
    w = w.reshape(w.shape + (1,) * (len(shape) - w.ndim))
    return np.broadcast_to(w, shape)


def mp_reference(function, params, ins, dtype):
    """(loss, grad) of xent's formula with these options, correctly rounded to dtype."""
    mpf = mpmath.mpf
    x = np.asarray(ins["logits"], np.float64)
    ax = params["axis"] % x.ndim
    flags = params.get("flags", "")
    red = params["reduction"]
    a = mpf(params.get("label_smoothing", 0.0))
    ignore = params.get("ignore_index")
    elementwise = function == "sigmoid" and "MEAN_OVER_CLASSES" not in flags
    xm = np.moveaxis(x, ax, -1)
    classes = xm.shape[-1]
    pos = xm.shape[:-1]
    lab = np.asarray(ins["labels"])
    labm = lab if function == "sparse" else np.moveaxis(lab.astype(np.float64), ax, -1)
    cw = ins.get("class_weights")
    cw = [mpf(float(v)) for v in cw] if cw is not None else None
    pw = ins.get("pos_weight")
    if pw is not None:
        pw = [mpf(float(v)) for v in np.broadcast_to(np.asarray(pw, np.float64).ravel(), (classes,))]
    sw = ins.get("sample_weights")
    if sw is not None:
        sw = broadcast_left(sw, x.shape if elementwise else pos)
        if elementwise:
            sw = np.moveaxis(sw, ax, -1)
    mask, lengths, up = ins.get("mask"), ins.get("lengths"), ins.get("upstream")
    scalar = red != "NONE"
    if up is not None and not scalar and elementwise:
        up = np.moveaxis(np.asarray(up, np.float64), ax, -1)

    loss_out = np.full(pos + ((classes,) if elementwise else ()), mpf(0), dtype=object)
    grad_out = np.full(pos + (classes,), mpf(0), dtype=object)
    total = mpf(0)
    wsum = mpf(0)
    npos = counted = nonzero = 0
    per = classes if elementwise else 1
    for idx in np.ndindex(*pos):
        npos += per
        if mask is not None and mask[idx] == 0:
            continue
        if lengths is not None and idx[1] >= lengths[idx[0]]:
            continue
        if function == "sparse":
            y = int(labm[idx])
            if ignore is not None and y == ignore:
                continue
            assert 0 <= y < classes
        counted += per
        xr = xm[idx]
        if function == "sigmoid":
            yr = labm[idx]
            row_l, row_g = [], []
            for c in range(classes):
                swc = float(sw[idx + (c,)] if elementwise else sw[idx]) if sw is not None else 1.0
                w = mpf(swc) * (cw[c] if cw else 1)
                yy = mpf(float(yr[c]))
                if a:
                    yy = yy * (1 - a) + a / 2
                lc, gc = mp_sigmoid_ce(xr[c], yy, pw[c] if pw else mpf(1)) if w != 0 else (mpf(0), mpf(0))
                row_l.append(w * lc)
                row_g.append(w * gc)
                if elementwise:
                    wsum += mpf(swc)
                    nonzero += swc != 0
            if elementwise:
                loss_out[idx] = row_l
                total += mpmath.fsum(row_l)
                if up is not None and not scalar:
                    row_g = [g * mpf(float(up[idx + (c,)])) for c, g in enumerate(row_g)]
            else:
                swp = float(sw[idx]) if sw is not None else 1.0
                wsum += mpf(swp)
                nonzero += swp != 0
                lrow = mpmath.fsum(row_l) / classes
                loss_out[idx] = lrow
                total += lrow
                row_g = [g / classes for g in row_g]
                if up is not None and not scalar:
                    row_g = [g * mpf(float(up[idx])) for g in row_g]
            grad_out[idx] = row_g
        else:
            swp = float(sw[idx]) if sw is not None else 1.0
            if function == "dense":
                yr = labm[idx]
                u = []
                for c in range(classes):
                    yy = mpf(float(yr[c]))
                    if a:
                        yy = yy * (1 - a) + a / classes
                    u.append(yy * cw[c] if cw else yy)
                wpos = mpf(swp)
            else:
                u = [(a / classes) * (cw[c] if cw else 1) for c in range(classes)]
                u[y] += (1 - a) * (cw[y] if cw else 1)
                wpos = mpf(swp) * (cw[y] if cw else 1)
            wsum += wpos
            nonzero += swp != 0
            if swp != 0:
                lrow, grow = mp_softmax_ce(xr, u, "TF_GRADIENT" in flags)
                lrow *= swp
                grow = [g * swp for g in grow]
            else:
                lrow, grow = mpf(0), [mpf(0)] * classes
            if up is not None and not scalar:
                grow = [g * mpf(float(up[idx])) for g in grow]
            loss_out[idx] = lrow
            total += lrow
            grad_out[idx] = grow

    rnd = np.vectorize(lambda v: mp_round(v, dtype), otypes=[np.float64])
    if scalar:
        masking = mask is not None or lengths is not None or ignore is not None
        div = {"SUM": mpf(1), "MEAN": wsum,
               "SUM_OVER_BATCH_SIZE": mpf(counted if masking else npos),
               "SUM_BY_NONZERO_WEIGHTS": mpf(nonzero)}[red]
        upv = mpf(float(np.asarray(up).ravel()[0])) if up is not None else mpf(1)
        if div == 0:
            loss = np.array(math.nan if params.get("empty") == "NAN" else 0.0)
            scale = mpf(0)
        else:
            loss = np.array(mp_round(total / div, dtype))
            scale = upv / div
        grad_out = np.vectorize(lambda v: v * scale, otypes=[object])(grad_out) if grad_out.size else grad_out
    else:
        loss = rnd(loss_out) if loss_out.size else np.zeros(loss_out.shape)
        if elementwise:
            loss = np.moveaxis(loss, -1, ax)
    grad = rnd(grad_out) if grad_out.size else np.zeros(grad_out.shape)
    return loss.reshape(loss.shape), np.moveaxis(grad, -1, ax)


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------

SCALE = {"s1": 1.0, "s10": 10.0, "s100": 100.0, "conf": 1.0, "neginf": 1.0}
GAP = {"f32": 20.0, "f64": 40.0}  # confident rows: the label's logit leads by this much or more
EXACT_W = np.array([0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0])  # weights exact in f32 and f64


def cast(a, dtype):
    return np.asarray(a, np.float64).astype(NP_DTYPE[dtype])


def weights(rng, shape, dtype, zeros=0):
    w = rng.choice(EXACT_W, size=shape)
    if zeros and w.size:
        flat = w.reshape(-1)
        flat[rng.choice(flat.size, size=min(zeros, flat.size), replace=False)] = 0.0
    return cast(w, dtype)


def softmax_inputs(rng, shape, axis, kind, dtype, labels="sparse"):
    """Logits of `shape` (class axis `axis`) and labels: sparse indices, one-hot,
    soft (rows summing to 1) or unnorm (rows not summing to 1)."""
    ax = axis % len(shape)
    classes = shape[ax]
    moved = tuple(d for i, d in enumerate(shape) if i != ax) + (classes,)
    pos = moved[:-1]
    y = rng.integers(0, classes, size=pos)
    x = rng.standard_normal(moved) * SCALE[kind]
    if kind == "conf":
        for idx in np.ndindex(*pos):
            row = x[idx]
            others = np.delete(row, y[idx])
            lead = others.max() if others.size else 0.0
            row[y[idx]] = lead + GAP[dtype] * (1 + 0.25 * rng.random())
    elif kind == "neginf":
        # Masking by -inf: classes other than the label; the first position keeps only its label.
        for n, idx in enumerate(np.ndindex(*pos)):
            for c in range(classes):
                if c != y[idx] and (n == 0 or rng.random() < 0.4):
                    x[idx + (c,)] = -np.inf
    x = cast(np.moveaxis(x, -1, ax), dtype)
    if labels == "sparse":
        lab = y.astype(np.int64)
    elif labels == "onehot":
        lab = cast(np.moveaxis(np.eye(classes)[y], -1, ax), dtype)
    elif labels == "soft":
        lab = cast(np.moveaxis(rng.dirichlet(np.ones(classes), size=pos), -1, ax), dtype)
    elif labels == "unnorm":
        lab = cast(rng.uniform(0.0, 1.5, size=shape), dtype)
    else:
        raise ValueError(labels)
    return x, lab


def sigmoid_inputs(rng, shape, kind, dtype, labels="binary"):
    y = rng.integers(0, 2, size=shape).astype(np.float64) if labels == "binary" else rng.uniform(0, 1, shape)
    if kind == "conf":
        x = (2 * y - 1) * GAP[dtype] * (1 + 0.25 * rng.random(shape))
    else:
        x = rng.standard_normal(shape) * SCALE[kind]
    return cast(x, dtype), cast(y, dtype)


def with_ignored(rng, lab, value, frac=0.3, first=True):
    """Sets a fraction of sparse labels (and the first one) to `value`."""
    lab = lab.copy()
    flat = lab.reshape(-1)
    hit = rng.random(flat.size) < frac
    if first and flat.size:
        hit[0] = True
    flat[hit] = value
    return lab


def tag(shape, axis=None):
    t = "x".join(str(d) for d in shape) if shape else "scalar"
    if axis is not None:
        t += f"_ax{axis}" if axis >= 0 else f"_axm{-axis}"
    return t


# ---------------------------------------------------------------------------
# Running the peers
# ---------------------------------------------------------------------------

def tf_run(fn, x, upstream=None):
    """(loss, d sum(loss) / d x) with tf.GradientTape; upstream = output_gradients."""
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = fn(xt)
    g = tape.gradient(loss, xt, output_gradients=None if upstream is None else tf.constant(upstream))
    g = np.zeros_like(x) if g is None else g.numpy()
    return np.asarray(loss.numpy()), g


def torch_run(fn, x, upstream=None):
    xt = torch.from_numpy(np.array(x, copy=True)).requires_grad_(True)
    loss = fn(xt)
    go = torch.ones_like(loss) if upstream is None else torch.from_numpy(np.array(upstream, copy=True))
    g, = torch.autograd.grad(loss, xt, grad_outputs=go, allow_unused=True)
    g = np.zeros_like(x) if g is None else g.numpy()
    return loss.detach().numpy(), g


def tt(a):
    return None if a is None else torch.from_numpy(np.array(a, copy=True))


# ---------------------------------------------------------------------------
# Emitting cases
# ---------------------------------------------------------------------------

PARAM_ORDER = ("function", "axis", "reduction", "empty", "label_smoothing", "ignore_index", "flags")


class Gen:
    def __init__(self, suite):
        self.s = suite
        self.failures = []
        self.stats = {}  # family -> [cases, marked, worst loss ratio, worst grad ratio]

    def case(self, name, family, source, params, ins, loss, grad, dtype, kind="", f32_reduction=False):
        """One peer case. params: xent options (function, axis, reduction, ...);
        ins: [(role, array)], logits and labels first."""
        function = params["function"]
        insd = {r: a for r, a in ins}
        loss = np.asarray(loss)
        grad = np.asarray(grad)
        x = insd["logits"]
        assert loss.dtype == x.dtype and grad.dtype == x.dtype and grad.shape == x.shape, name
        ref_loss, ref_grad = mp_reference(function, params, insd, dtype)
        assert ref_loss.shape == loss.shape, (name, ref_loss.shape, loss.shape)
        # Confident rows: a peer may lose the tiny losses and gradients entirely; it must
        # still agree with the reference to a few ulps of the weights' scale.
        (lr, la), (gr, ga) = tolerances(dtype, function, params, insd, grad,
                                        eps=EPS["f32"] if f32_reduction else None, loose=kind == "conf")
        # The peer must be within half the C test's tolerance of the exact value
        # (the other half is left for xent's own rounding).
        ok = close(ref_loss, loss, lr / 2, la / 2).all() and close(ref_grad, grad, gr / 2, ga / 2).all()
        stat = self.stats.setdefault(family, [0, 0, 0.0, 0.0])
        for i, (ref, got, r, a_) in enumerate(((ref_loss, loss, lr, la), (ref_grad, grad, gr, ga))):
            ref = np.asarray(ref, np.float64).ravel()
            got = np.asarray(got, np.float64).ravel()
            fin = np.isfinite(ref) & np.isfinite(got)
            if fin.any():
                ratio = np.abs(ref[fin] - got[fin]) / (a_ + r * np.abs(got[fin]))
                stat[2 + i] = max(stat[2 + i], float(ratio.max()))
        marked = False
        if f32_reduction:
            marked = True  # tf.compat.v1.losses reduces in float32 even for float64 inputs
        elif kind == "conf":
            marked = ulps(loss, ref_loss, dtype) > 4 or ulps(grad, ref_grad, dtype) > 4
        if not ok:
            self.failures.append(f"{name}: peer differs from xent's formula\n  loss {loss.ravel()[:8]}"
                                 f"\n  ref  {ref_loss.ravel()[:8]}\n  grad {grad.ravel()[:8]}"
                                 f"\n  ref  {ref_grad.ravel()[:8]}")
        pl = [(k, params[k]) for k in PARAM_ORDER if k in params]
        if marked:
            pl.append(("peer_loses_precision", 1))
        fl = [(r, dtype_of(r, a, dtype), a) for r, a in ins]
        self.s.add(name, "cross_entropy", source, pl, fl,
                   [("loss", dtype, loss), ("grad", dtype, grad)])
        stat[0] += 1
        if marked:
            stat[1] += 1
            why = ("the peer reduces in float32" if f32_reduction
                   else "the peer loses the tiny losses / gradients")
            self.s.add(name + "_mpmath", "cross_entropy",
                       f"mpmath {V['mpmath']} (50 digits), xent's formula with these options, correctly "
                       f"rounded to {dtype}; reference for {name} ({why})",
                       [(k, params[k]) for k in PARAM_ORDER if k in params], fl,
                       [("loss", dtype, ref_loss), ("grad", dtype, ref_grad)])
            self.stats.setdefault("mpmath", [0, 0, 0.0, 0.0])[0] += 1


def dtype_of(role, a, dtype):
    a = np.asarray(a)
    if role in ("labels",) and np.issubdtype(a.dtype, np.integer):
        return "i32" if a.dtype == np.int32 else "i64"
    if role == "lengths":
        return "i64"
    if role == "mask":
        return "u8"
    return dtype


# ---------------------------------------------------------------------------
# TensorFlow: tf.nn
# ---------------------------------------------------------------------------

def tf_nn(g):
    g.s.note("")
    g.s.note("=== TensorFlow tf.nn: per-position losses (reduction NONE), gradient of their sum ===")
    g.s.note("softmax_cross_entropy_with_logits: gradient softmax - labels (flags TF_GRADIENT), also")
    g.s.note("for labels that do not sum to 1 ('unnorm').  weighted_cross_entropy_with_logits: pos_weight.")
    for dtype in FLOATS:
        src = f"tf.nn.softmax_cross_entropy_with_logits {TFV}"
        configs = [((8, 5), -1, k, "onehot", False) for k in ("s1", "s10", "s100", "conf")]
        configs += [((8, 5), -1, "s1", "soft", False), ((8, 5), -1, "s1", "unnorm", False),
                    ((8, 5), -1, "s10", "unnorm", False), ((8, 5), -1, "s1", "soft", True),
                    ((2, 4, 3), 1, "s1", "onehot", False), ((2, 3, 2, 2), 1, "s1", "soft", False),
                    ((3, 4, 5), 0, "s1", "unnorm", False), ((6,), 0, "s1", "onehot", False)]
        for shape, axis, kind, lk, upstream in configs:
            name = f"tfnn_softmax_{tag(shape, axis)}_{lk}_{kind}{'_up' if upstream else ''}_{dtype}"
            rng = rng_for(name)
            x, y = softmax_inputs(rng, shape, axis, kind, dtype, lk)
            pos = tuple(d for i, d in enumerate(shape) if i != axis % len(shape))
            up = cast(rng.standard_normal(pos), dtype) if upstream else None
            loss, grad = tf_run(lambda t: tf.nn.softmax_cross_entropy_with_logits(
                labels=tf.constant(y), logits=t, axis=axis), x, up)
            ins = [("logits", x), ("labels", y)] + ([("upstream", up)] if upstream else [])
            g.case(name, "tf.nn", src + ("; tape output_gradients = upstream" if upstream else ""),
                   {"function": "dense", "axis": axis, "reduction": "NONE", "flags": "TF_GRADIENT"},
                   ins, loss, grad, dtype, kind)

        src = f"tf.nn.sparse_softmax_cross_entropy_with_logits {TFV}"
        configs = [((8, 5), k, np.int64, False) for k in ("s1", "s10", "s100", "conf", "neginf")]
        configs += [((2, 3, 4), "s1", np.int64, False), ((8, 5), "s1", np.int32, False),
                    ((8, 5), "s1", np.int64, True), ((4, 1), "s1", np.int64, False)]
        for shape, kind, ldt, upstream in configs:
            lt = "i32" if ldt == np.int32 else "i64"
            name = f"tfnn_sparse_{tag(shape)}_{lt}_{kind}{'_up' if upstream else ''}_{dtype}"
            rng = rng_for(name)
            x, y = softmax_inputs(rng, shape, -1, kind, dtype, "sparse")
            y = y.astype(ldt)
            up = cast(rng.standard_normal(shape[:-1]), dtype) if upstream else None
            loss, grad = tf_run(lambda t: tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=tf.constant(y), logits=t), x, up)
            ins = [("logits", x), ("labels", y)] + ([("upstream", up)] if upstream else [])
            g.case(name, "tf.nn", src, {"function": "sparse", "axis": -1, "reduction": "NONE"},
                   ins, loss, grad, dtype, kind)

        src = f"tf.nn.sigmoid_cross_entropy_with_logits {TFV}"
        configs = [((6, 4), k, "binary", False) for k in ("s1", "s10", "s100", "conf")]
        configs += [((6, 4), "s1", "soft", False), ((2, 3, 2), "s1", "soft", False),
                    ((6, 4), "s1", "binary", True)]
        for shape, kind, lk, upstream in configs:
            name = f"tfnn_sigmoid_{tag(shape)}_{lk}_{kind}{'_up' if upstream else ''}_{dtype}"
            rng = rng_for(name)
            x, y = sigmoid_inputs(rng, shape, kind, dtype, lk)
            up = cast(rng.standard_normal(shape), dtype) if upstream else None
            loss, grad = tf_run(lambda t: tf.nn.sigmoid_cross_entropy_with_logits(
                labels=tf.constant(y), logits=t), x, up)
            ins = [("logits", x), ("labels", y)] + ([("upstream", up)] if upstream else [])
            g.case(name, "tf.nn", src, {"function": "sigmoid", "axis": -1, "reduction": "NONE"},
                   ins, loss, grad, dtype, kind)

        src = f"tf.nn.weighted_cross_entropy_with_logits {TFV}"
        for shape, kind, lk, pwk in (((6, 4), "s1", "binary", "scalar"), ((6, 4), "s1", "binary", "class"),
                                     ((6, 4), "s10", "soft", "class"), ((6, 4), "conf", "binary", "class")):
            name = f"tfnn_weighted_{tag(shape)}_{lk}_{kind}_pw{pwk}_{dtype}"
            rng = rng_for(name)
            x, y = sigmoid_inputs(rng, shape, kind, dtype, lk)
            pw = cast(2.5, dtype) if pwk == "scalar" else weights(rng, (shape[-1],), dtype)
            pw = np.asarray(pw)
            loss, grad = tf_run(lambda t: tf.nn.weighted_cross_entropy_with_logits(
                labels=tf.constant(y), logits=t, pos_weight=tf.constant(pw)), x)
            g.case(name, "tf.nn", src + f" (pos_weight {'scalar' if pwk == 'scalar' else 'per class'})",
                   {"function": "sigmoid", "axis": -1, "reduction": "NONE"},
                   [("logits", x), ("labels", y), ("pos_weight", pw)], loss, grad, dtype, kind)


# ---------------------------------------------------------------------------
# TensorFlow: tf.compat.v1.losses
# ---------------------------------------------------------------------------

# tf.compat.v1.losses.Reduction names are xent's reduction names.
REDUCTIONS_V1 = ("NONE", "SUM", "MEAN", "SUM_OVER_BATCH_SIZE", "SUM_BY_NONZERO_WEIGHTS")


def tf_v1(g):
    g.s.note("")
    g.s.note("=== TensorFlow tf.compat.v1.losses: weights, label_smoothing, the five reductions ===")
    g.s.note("The v1 losses cast the per-position losses to float32 before weighting and reducing, also")
    g.s.note("for float64 inputs: every f64 case is marked peer_loses_precision and has an _mpmath twin.")
    g.s.note("softmax_cross_entropy smooths one-hot labels to y(1-a) + a/C, sigmoid_cross_entropy to")
    g.s.note("y(1-a) + a/2; sparse_softmax_cross_entropy has no label_smoothing.")
    red_of = {r: getattr(V1.Reduction, r) for r in REDUCTIONS_V1}
    for dtype in FLOATS:
        f32r = dtype == "f64"
        src = f"tf.compat.v1.losses.softmax_cross_entropy {TFV}"
        configs = [(red, wk, a, "s1", "onehot") for red in REDUCTIONS_V1 for wk in ("none", "vec")
                   for a in (0.0, 0.1)]
        configs += [("SUM_BY_NONZERO_WEIGHTS", "vec", 0.0, "s10", "onehot"),
                    ("MEAN", "vec", 0.2, "s100", "onehot"),
                    ("SUM_BY_NONZERO_WEIGHTS", "none", 0.0, "conf", "onehot"),
                    ("NONE", "none", 0.0, "conf", "onehot"),
                    ("SUM_BY_NONZERO_WEIGHTS", "zeros", 0.0, "s1", "onehot"),
                    ("MEAN", "zeros", 0.1, "s1", "onehot"),
                    ("MEAN", "scalar", 0.0, "s1", "onehot"),
                    ("SUM_BY_NONZERO_WEIGHTS", "scalar", 0.1, "s1", "onehot"),
                    ("SUM", "vec", 0.0, "s1", "unnorm")]
        for red, wk, a, kind, lk in configs:
            name = f"tfv1_softmax_8x5_{lk}_{kind}_w{wk}_ls{a}_{red}_{dtype}"
            rng = rng_for(name)
            x, y = softmax_inputs(rng, (8, 5), -1, kind, dtype, lk)
            w = {"none": None, "vec": weights(rng, (8,), dtype, zeros=2),
                 "zeros": cast(np.zeros(8), dtype), "scalar": np.asarray(cast(2.0, dtype))}[wk]
            kw = {} if w is None else {"weights": tf.constant(w)}
            loss, grad = tf_run(lambda t: V1.softmax_cross_entropy(
                onehot_labels=tf.constant(y), logits=t, label_smoothing=a, reduction=red_of[red], **kw), x)
            params = {"function": "dense", "axis": -1, "reduction": red, "flags": "TF_GRADIENT"}
            if a:
                params["label_smoothing"] = a
            ins = [("logits", x), ("labels", y)] + ([("sample_weights", w)] if w is not None else [])
            g.case(name, "tf.compat.v1.losses", src, params, ins, loss, grad, dtype, kind, f32_reduction=f32r)

        src = f"tf.compat.v1.losses.sparse_softmax_cross_entropy {TFV}"
        configs = [(red, wk, (8, 5), "s1") for red in REDUCTIONS_V1 for wk in ("none", "vec", "col")]
        configs += [("SUM_BY_NONZERO_WEIGHTS", "vec", (2, 3, 4), "s1"), ("MEAN", "none", (8, 5), "conf"),
                    ("SUM_BY_NONZERO_WEIGHTS", "vec", (8, 5), "neginf"), ("MEAN", "vec", (8, 5), "s100")]
        for red, wk, shape, kind in configs:
            name = f"tfv1_sparse_{tag(shape)}_{kind}_w{wk}_{red}_{dtype}"
            rng = rng_for(name)
            x, y = softmax_inputs(rng, shape, -1, kind, dtype, "sparse")
            w = {"none": None, "vec": weights(rng, shape[:-1], dtype, zeros=2),
                 "col": weights(rng, shape[:-1] + (1,), dtype, zeros=1)}[wk]
            kw = {} if w is None else {"weights": tf.constant(w)}
            loss, grad = tf_run(lambda t: V1.sparse_softmax_cross_entropy(
                labels=tf.constant(y), logits=t, reduction=red_of[red], **kw), x)
            # The peer squeezes (N, 1) weights to (N,); xent is given them squeezed.
            if wk == "col":
                w = w.reshape(shape[:-1])
            ins = [("logits", x), ("labels", y)] + ([("sample_weights", w)] if w is not None else [])
            g.case(name, "tf.compat.v1.losses", src, {"function": "sparse", "axis": -1,
                   "reduction": red}, ins, loss, grad, dtype, kind, f32_reduction=f32r)

        src = f"tf.compat.v1.losses.sigmoid_cross_entropy {TFV}"
        configs = [(red, wk, a, "s1") for red in REDUCTIONS_V1 for wk, a in
                   (("none", 0.0), ("col", 0.0), ("full", 0.2))]
        configs += [("SUM_BY_NONZERO_WEIGHTS", "none", 0.1, "s10"), ("MEAN", "full", 0.0, "s100"),
                    ("SUM_BY_NONZERO_WEIGHTS", "none", 0.0, "conf"), ("MEAN", "scalar", 0.2, "s1"),
                    ("SUM_BY_NONZERO_WEIGHTS", "zeros", 0.0, "s1")]
        for red, wk, a, kind in configs:
            name = f"tfv1_sigmoid_6x4_{kind}_w{wk}_ls{a}_{red}_{dtype}"
            rng = rng_for(name)
            x, y = sigmoid_inputs(rng, (6, 4), kind, dtype, "binary")
            w = {"none": None, "col": weights(rng, (6, 1), dtype, zeros=1),
                 "full": weights(rng, (6, 4), dtype, zeros=3), "scalar": np.asarray(cast(0.5, dtype)),
                 "zeros": cast(np.zeros((6, 1)), dtype)}[wk]
            kw = {} if w is None else {"weights": tf.constant(w)}
            loss, grad = tf_run(lambda t: V1.sigmoid_cross_entropy(
                multi_class_labels=tf.constant(y), logits=t, label_smoothing=a, reduction=red_of[red], **kw), x)
            params = {"function": "sigmoid", "axis": -1, "reduction": red}
            if a:
                params["label_smoothing"] = a
            ins = [("logits", x), ("labels", y)] + ([("sample_weights", w)] if w is not None else [])
            g.case(name, "tf.compat.v1.losses", src, params, ins, loss, grad, dtype, kind, f32_reduction=f32r)


# ---------------------------------------------------------------------------
# Keras 3
# ---------------------------------------------------------------------------

KERAS_RED = {"sum": "SUM", "sum_over_batch_size": "SUM_OVER_BATCH_SIZE", "mean": "SUM_OVER_BATCH_SIZE",
             "mean_with_sample_weight": "MEAN", None: "NONE"}


def keras_functions(g):
    g.s.note("")
    g.s.note("=== Keras 3 loss functions (from_logits=True): per-position losses ===")
    g.s.note("categorical_crossentropy -> dense, flags TF_GRADIENT (Keras calls")
    g.s.note("tf.nn.softmax_cross_entropy_with_logits); smoothing only with the class axis last (Keras")
    g.s.note("divides the smoothing by the LAST axis's length whatever `axis` is).")
    g.s.note("sparse_categorical_crossentropy -> sparse, ignore_class -> ignore_index (class axis last only).")
    g.s.note("binary_crossentropy -> sigmoid with flags MEAN_OVER_CLASSES (mean over `axis`).")
    for dtype in FLOATS:
        src = f"keras.losses.categorical_crossentropy {KV} (TensorFlow backend, from_logits=True)"
        configs = [((8, 5), -1, k, "onehot", 0.0) for k in ("s1", "s10", "s100", "conf")]
        configs += [((8, 5), -1, "s1", "onehot", 0.1), ((2, 3, 4), -1, "s1", "onehot", 0.2),
                    ((2, 4, 3), 1, "s1", "onehot", 0.0), ((8, 5), -1, "s1", "soft", 0.0),
                    ((8, 5), -1, "s1", "unnorm", 0.0)]
        for shape, axis, kind, lk, a in configs:
            name = f"keras_cce_{tag(shape, axis)}_{lk}_{kind}_ls{a}_{dtype}"
            rng = rng_for(name)
            x, y = softmax_inputs(rng, shape, axis, kind, dtype, lk)
            loss, grad = tf_run(lambda t: keras.losses.categorical_crossentropy(
                tf.constant(y), t, from_logits=True, label_smoothing=a, axis=axis), x)
            params = {"function": "dense", "axis": axis, "reduction": "NONE", "flags": "TF_GRADIENT"}
            if a:
                params["label_smoothing"] = a
            g.case(name, "keras", src, params, [("logits", x), ("labels", y)], loss, grad, dtype, kind)

        src = f"keras.losses.sparse_categorical_crossentropy {KV} (TensorFlow backend, from_logits=True)"
        configs = [((8, 5), k, None) for k in ("s1", "s10", "conf", "neginf")]
        configs += [((8, 5), "s1", -1), ((8, 5), "s1", 255), ((2, 3, 4), "s1", 3), ((4, 5), "s1", "all")]
        for shape, kind, ic in configs:
            name = f"keras_scce_{tag(shape)}_{kind}_ignore{ic}_{dtype}"
            rng = rng_for(name)
            x, y = softmax_inputs(rng, shape, -1, kind, dtype, "sparse")
            if ic == "all":
                ic = -1
                y = np.full_like(y, -1)
            elif ic is not None:
                y = with_ignored(rng, y, ic)
            kw = {} if ic is None else {"ignore_class": ic}
            loss, grad = tf_run(lambda t: keras.losses.sparse_categorical_crossentropy(
                tf.constant(y), t, from_logits=True, **kw), x)
            params = {"function": "sparse", "axis": -1, "reduction": "NONE"}
            if ic is not None:
                params["ignore_index"] = ic
            g.case(name, "keras", src, params, [("logits", x), ("labels", y)], loss, grad, dtype, kind)

        src = f"keras.losses.binary_crossentropy {KV} (TensorFlow backend, from_logits=True)"
        configs = [((6, 4), -1, k, "binary", 0.0) for k in ("s1", "s10", "conf")]
        configs += [((6, 4), -1, "s1", "binary", 0.2), ((2, 3, 4), 1, "s1", "soft", 0.0),
                    ((2, 3, 4), 1, "s1", "binary", 0.1), ((6, 4), -1, "s1", "soft", 0.0)]
        for shape, axis, kind, lk, a in configs:
            name = f"keras_bce_{tag(shape, axis)}_{lk}_{kind}_ls{a}_{dtype}"
            rng = rng_for(name)
            x, y = sigmoid_inputs(rng, shape, kind, dtype, lk)
            loss, grad = tf_run(lambda t: keras.losses.binary_crossentropy(
                tf.constant(y), t, from_logits=True, label_smoothing=a, axis=axis), x)
            params = {"function": "sigmoid", "axis": axis, "reduction": "NONE", "flags": "MEAN_OVER_CLASSES"}
            if a:
                params["label_smoothing"] = a
            g.case(name, "keras", src, params, [("logits", x), ("labels", y)], loss, grad, dtype, kind)


def keras_call(loss_obj, y, x, sw=None, mask=None):
    """Calls a Keras Loss object on logits x, with an optional Keras mask on y_pred."""
    def fn(t):
        if mask is not None:
            t = tf.identity(t)
            keras_backend.set_keras_mask(t, tf.constant(mask.astype(bool)))
        return loss_obj(tf.constant(y), t, sample_weight=None if sw is None else tf.constant(sw))
    return tf_run(fn, x)


def keras_classes(g):
    g.s.note("")
    g.s.note("=== Keras 3 Loss classes: sample_weight, reductions, masks ===")
    g.s.note("reduction 'sum' -> SUM, 'sum_over_batch_size' and 'mean' -> SUM_OVER_BATCH_SIZE (divided by")
    g.s.note("the number of unmasked positions when a mask is in play), 'mean_with_sample_weight' -> MEAN,")
    g.s.note("None -> NONE.  Masks: ignore_class, or a Keras mask set on y_pred (role mask), here also")
    g.s.note("tf.sequence_mask(lengths) (role lengths).  An all-ignored batch gives 0 (empty ZERO).")
    g.s.note("sample_weight has the positions' shape: Keras divides 'mean_with_sample_weight' by the sum")
    g.s.note("of the sample_weight tensor as given, before broadcasting (not reproduced; see README).")
    reds = ("sum", "sum_over_batch_size", "mean", "mean_with_sample_weight", None)
    for dtype in FLOATS:
        kdt = "float32" if dtype == "f32" else "float64"

        src = f"keras.losses.CategoricalCrossentropy {KV} (from_logits=True)"
        configs = [((8, 5), -1, r, sw, 0.0, None, "s1") for r in reds for sw in (False, True)]
        configs += [((8, 5), -1, "sum_over_batch_size", True, 0.1, None, "s1"),
                    ((8, 5), -1, "mean_with_sample_weight", True, 0.0, None, "s10"),
                    ((2, 4, 3), 1, "mean_with_sample_weight", True, 0.0, None, "s1"),
                    ((2, 3, 4), -1, "sum_over_batch_size", False, 0.0, "mask", "s1"),
                    ((2, 3, 4), -1, "mean_with_sample_weight", True, 0.0, "mask", "s1"),
                    ((2, 3, 4), -1, "sum", False, 0.1, "mask", "s1"),
                    ((2, 3, 4), -1, None, False, 0.0, "mask", "s1"),
                    ((3, 4, 5), -1, "sum_over_batch_size", True, 0.0, "lengths", "s1"),
                    ((3, 4, 5), -1, "mean_with_sample_weight", False, 0.0, "lengths", "s1"),
                    ((8, 5), -1, "sum_over_batch_size", False, 0.0, None, "conf")]
        for shape, axis, red, use_sw, a, mk, kind in configs:
            name = f"keras_CCE_{tag(shape, axis)}_{kind}_{red}_sw{int(use_sw)}_ls{a}_{mk}_{dtype}"
            rng = rng_for(name)
            x, y = softmax_inputs(rng, shape, axis, kind, dtype, "onehot")
            pos = tuple(d for i, d in enumerate(shape) if i != axis % len(shape))
            sw = weights(rng, pos, dtype, zeros=1) if use_sw else None
            mask, lengths = mask_for(rng, pos, mk)
            obj = keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=a, axis=axis,
                                                       reduction=red, dtype=kdt)
            loss, grad = keras_call(obj, y, x, sw, mask)
            params = {"function": "dense", "axis": axis, "reduction": KERAS_RED[red], "flags": "TF_GRADIENT"}
            if a:
                params["label_smoothing"] = a
            ins = [("logits", x), ("labels", y)] + opt_ins(sw, mask, lengths, mk)
            g.case(name, "keras", src + f" reduction={red!r}", params, ins, loss, grad, dtype, kind)

        src = f"keras.losses.SparseCategoricalCrossentropy {KV} (from_logits=True)"
        configs = [((8, 5), r, sw, None, None, "s1") for r in reds for sw in (False, True)]
        configs += [((8, 5), r, False, -1, None, "s1") for r in reds]
        configs += [((8, 5), r, True, 255, None, "s1") for r in reds]
        configs += [((4, 5), r, sw, "all", None, "s1") for r, sw in
                    (("sum_over_batch_size", False), ("mean_with_sample_weight", True), ("sum", False),
                     (None, False), ("mean", True))]
        configs += [((2, 3, 4), "sum_over_batch_size", False, None, "mask", "s1"),
                    ((2, 3, 4), "mean_with_sample_weight", True, None, "mask", "s1"),
                    ((2, 3, 4), "sum_over_batch_size", True, 2, "mask", "s1"),
                    ((2, 3, 4), None, False, None, "mask", "s1"),
                    ((3, 4, 5), "sum_over_batch_size", False, None, "lengths", "s1"),
                    ((3, 4, 5), "sum", True, -1, "lengths", "s1"),
                    ((8, 5), "sum_over_batch_size", False, None, None, "conf"),
                    ((8, 5), "mean_with_sample_weight", True, -1, None, "neginf"),
                    ((8, 5), "sum_over_batch_size", False, None, None, "s100")]
        for shape, red, use_sw, ic, mk, kind in configs:
            name = f"keras_SCCE_{tag(shape)}_{kind}_{red}_sw{int(use_sw)}_ignore{ic}_{mk}_{dtype}"
            rng = rng_for(name)
            x, y = softmax_inputs(rng, shape, -1, kind, dtype, "sparse")
            if ic == "all":
                ic = -1
                y = np.full_like(y, -1)
            elif ic is not None:
                y = with_ignored(rng, y, ic)
            pos = shape[:-1]
            sw = weights(rng, pos, dtype, zeros=1) if use_sw else None
            mask, lengths = mask_for(rng, pos, mk)
            obj = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=ic,
                                                             reduction=red, dtype=kdt)
            loss, grad = keras_call(obj, y, x, sw, mask)
            params = {"function": "sparse", "axis": -1, "reduction": KERAS_RED[red]}
            if ic is not None:
                params["ignore_index"] = ic
            ins = [("logits", x), ("labels", y)] + opt_ins(sw, mask, lengths, mk)
            g.case(name, "keras", src + f" reduction={red!r}", params, ins, loss, grad, dtype, kind)

        src = f"keras.losses.BinaryCrossentropy {KV} (from_logits=True)"
        configs = [((6, 4), -1, r, sw, 0.0, None, "s1") for r in reds for sw in (False, True)]
        configs += [((6, 4), -1, "sum_over_batch_size", True, 0.2, None, "s1"),
                    ((2, 3, 4), 1, "mean_with_sample_weight", True, 0.0, None, "s1"),
                    ((2, 3, 4), -1, "sum_over_batch_size", False, 0.0, "mask", "s1"),
                    ((2, 3, 4), -1, "mean_with_sample_weight", True, 0.1, "mask", "s1"),
                    ((6, 4), -1, "sum_over_batch_size", False, 0.0, None, "conf"),
                    ((6, 4), -1, "sum", False, 0.0, None, "s10")]
        for shape, axis, red, use_sw, a, mk, kind in configs:
            name = f"keras_BCE_{tag(shape, axis)}_{kind}_{red}_sw{int(use_sw)}_ls{a}_{mk}_{dtype}"
            rng = rng_for(name)
            x, y = sigmoid_inputs(rng, shape, kind, dtype, "binary")
            pos = tuple(d for i, d in enumerate(shape) if i != axis % len(shape))
            sw = weights(rng, pos, dtype, zeros=1) if use_sw else None
            mask, lengths = mask_for(rng, pos, mk)
            obj = keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=a, axis=axis,
                                                  reduction=red, dtype=kdt)
            loss, grad = keras_call(obj, y, x, sw, mask)
            params = {"function": "sigmoid", "axis": axis, "reduction": KERAS_RED[red],
                      "flags": "MEAN_OVER_CLASSES"}
            if a:
                params["label_smoothing"] = a
            ins = [("logits", x), ("labels", y)] + opt_ins(sw, mask, lengths, mk)
            g.case(name, "keras", src + f" reduction={red!r}", params, ins, loss, grad, dtype, kind)


def mask_for(rng, pos, mk):
    """(mask u8 of the positions' shape, lengths) for a Keras mask on y_pred."""
    if mk == "mask":
        m = (rng.random(pos) < 0.7).astype(np.uint8)
        m.reshape(-1)[0] = 0
        m.reshape(-1)[-1] = 1
        return m, None
    if mk == "lengths":
        lengths = rng.integers(0, pos[1] + 1, size=pos[0]).astype(np.int64)
        lengths[0] = 0
        lengths[-1] = pos[1]
        m = (np.arange(pos[1])[None, :] < lengths[:, None]).astype(np.uint8)
        return m, lengths
    return None, None


def opt_ins(sw, mask, lengths, mk):
    out = []
    if sw is not None:
        out.append(("sample_weights", sw))
    if mk == "mask":
        out.append(("mask", mask))
    elif mk == "lengths":
        out.append(("lengths", lengths))
    return out


# ---------------------------------------------------------------------------
# PyTorch
# ---------------------------------------------------------------------------

def torch_cases(g):
    g.s.note("")
    g.s.note("=== PyTorch torch.nn.functional.cross_entropy and binary_cross_entropy_with_logits ===")
    g.s.note("cross_entropy, index targets -> sparse with ignore_index (default -100) and empty NAN;")
    g.s.note("reduction 'mean' -> MEAN (divided by the summed class weights of the counted targets).")
    g.s.note("cross_entropy, probability targets -> dense, 'mean' -> MEAN (divided by the number of")
    g.s.note("positions, not by the weights); the gradient is the true one (no TF_GRADIENT).")
    g.s.note("binary_cross_entropy_with_logits: weight (C,) -> class_weights, weight (N,1) or (N,C) ->")
    g.s.note("sample_weights, pos_weight -> pos_weight, 'mean' -> SUM_OVER_BATCH_SIZE (over elements).")
    reds = ("none", "sum", "mean")
    tred = {"none": "NONE", "sum": "SUM", "mean": "MEAN"}
    for dtype in FLOATS:
        src = f"torch.nn.functional.cross_entropy {TV} (index targets)"
        variants = [("plain", False, False, 0.0), ("w", True, False, 0.0), ("ign", False, True, 0.0),
                    ("w_ign", True, True, 0.0), ("ls", False, False, 0.1), ("w_ls", True, False, 0.1),
                    ("ign_ls", False, True, 0.2), ("w_ign_ls", True, True, 0.2)]
        configs = [((8, 5), r, v, "s1", -100, False) for r in reds for v in variants]
        configs += [((2, 5, 3, 2), "mean", variants[0], "s1", -100, False),
                    ((2, 5, 3, 2), "mean", variants[7], "s1", -100, False),
                    ((2, 5, 3, 2), "none", variants[3], "s1", -100, False),
                    ((3, 4, 6), "sum", variants[5], "s1", -100, False),
                    ((8, 5), "mean", variants[0], "s10", -100, False),
                    ((8, 5), "mean", variants[1], "s100", -100, False),
                    ((8, 5), "mean", variants[0], "conf", -100, False),
                    ((8, 5), "none", variants[0], "conf", -100, False),
                    ((8, 5), "mean", variants[5], "conf", -100, False),
                    ((8, 5), "mean", variants[0], "neginf", -100, False),
                    ((8, 5), "none", variants[4], "neginf", -100, False),
                    ((8, 5), "mean", variants[2], "s1", 2, False),
                    ((5,), "none", variants[0], "s1", -100, False),
                    ((5,), "mean", variants[5], "s1", -100, False),
                    ((8, 5), "mean", variants[7], "s1", -100, True),
                    ((8, 5), "none", variants[1], "s1", -100, True)]
        for r in reds:
            configs.append(((4, 5), r, ("allign",) + variants[0][1:], "s1", -100, False))
        configs += [((4, 5), "mean", ("allign_w_ls", True, False, 0.1), "s1", -100, False),
                    ((0, 5), "mean", ("empty",) + variants[0][1:], "s1", -100, False),
                    ((0, 5), "sum", ("empty",) + variants[0][1:], "s1", -100, False)]
        for shape, red, (vt, use_w, ign, a), kind, ii, upstream in configs:
            name = f"torch_ce_idx_{tag(shape)}_{kind}_{vt}_ii{ii}_{red}{'_up' if upstream else ''}_{dtype}"
            rng = rng_for(name)
            axis = 1 if len(shape) > 1 else 0
            x, y = softmax_inputs(rng, shape, axis, kind, dtype, "sparse")
            if ign:
                y = with_ignored(rng, y, ii)
            if vt.startswith("allign"):
                y = np.full_like(y, ii)
            classes = shape[axis]
            cw = weights(rng, (classes,), dtype) if use_w or vt == "allign_w_ls" else None
            up = None
            if upstream:
                up = cast(rng.standard_normal(y.shape if red == "none" else ()), dtype)
            loss, grad = torch_run(lambda t: F.cross_entropy(t, tt(y), weight=tt(cw), ignore_index=ii,
                                                             reduction=red, label_smoothing=a), x, up)
            params = {"function": "sparse", "axis": axis, "reduction": tred[red], "empty": "NAN"}
            if a:
                params["label_smoothing"] = a
            params["ignore_index"] = ii
            ins = [("logits", x), ("labels", y)]
            if cw is not None:
                ins.append(("class_weights", cw))
            if up is not None:
                ins.append(("upstream", np.asarray(up)))
            g.case(name, "torch", src + ("; autograd grad_outputs = upstream" if upstream else ""),
                   params, ins, loss, grad, dtype, kind)

        src = f"torch.nn.functional.cross_entropy {TV} (probability targets)"
        configs = [((8, 5), r, use_w, a, "soft", "s1") for r in reds for use_w, a in
                   ((False, 0.0), (True, 0.0), (False, 0.1), (True, 0.2))]
        configs += [((2, 5, 3, 2), "mean", True, 0.1, "soft", "s1"), ((2, 5, 3, 2), "none", False, 0.0, "soft", "s1"),
                    ((8, 5), "mean", False, 0.0, "unnorm", "s1"), ((8, 5), "sum", True, 0.1, "unnorm", "s10"),
                    ((8, 5), "mean", False, 0.0, "onehot", "s100"), ((8, 5), "none", False, 0.0, "onehot", "conf"),
                    ((8, 5), "mean", True, 0.0, "onehot", "conf")]
        for shape, red, use_w, a, lk, kind in configs:
            name = f"torch_ce_prob_{tag(shape)}_{lk}_{kind}_w{int(use_w)}_ls{a}_{red}_{dtype}"
            rng = rng_for(name)
            x, y = softmax_inputs(rng, shape, 1, kind, dtype, lk)
            cw = weights(rng, (shape[1],), dtype) if use_w else None
            loss, grad = torch_run(lambda t: F.cross_entropy(t, tt(y), weight=tt(cw), reduction=red,
                                                             label_smoothing=a), x)
            params = {"function": "dense", "axis": 1, "reduction": tred[red], "empty": "NAN"}
            if a:
                params["label_smoothing"] = a
            ins = [("logits", x), ("labels", y)] + ([("class_weights", cw)] if cw is not None else [])
            g.case(name, "torch", src, params, ins, loss, grad, dtype, kind)

        src = f"torch.nn.functional.binary_cross_entropy_with_logits {TV}"
        bred = {"none": "NONE", "sum": "SUM", "mean": "SUM_OVER_BATCH_SIZE"}
        wvariants = ("none", "class", "col", "full", "pw", "class_pw", "full_pw")
        configs = [((6, 4), r, wv, "binary", "s1", False) for r in reds for wv in wvariants]
        configs += [((6, 4), "mean", "pw", "soft", "s1", False), ((6, 4), "sum", "full", "soft", "s10", False),
                    ((6, 4), "mean", "none", "binary", "s100", False),
                    ((6, 4), "mean", "none", "binary", "conf", False),
                    ((6, 4), "none", "class_pw", "binary", "conf", False),
                    ((2, 3, 4), "mean", "class", "binary", "s1", False),
                    ((6, 4), "mean", "pw", "binary", "s1", True), ((6, 4), "none", "full", "soft", "s1", True)]
        for shape, red, wv, lk, kind, upstream in configs:
            name = f"torch_bce_{tag(shape)}_{lk}_{kind}_w{wv}_{red}{'_up' if upstream else ''}_{dtype}"
            rng = rng_for(name)
            x, y = sigmoid_inputs(rng, shape, kind, dtype, lk)
            classes = shape[-1]
            w = {"none": None, "class": weights(rng, (classes,), dtype), "col": weights(rng, (shape[0], 1), dtype, 1),
                 "full": weights(rng, shape, dtype, 2), "pw": None, "class_pw": weights(rng, (classes,), dtype),
                 "full_pw": weights(rng, shape, dtype, 2)}[wv]
            pw = weights(rng, (classes,), dtype) if wv.endswith("pw") else None
            up = None
            if upstream:
                up = cast(rng.standard_normal(shape if red == "none" else ()), dtype)
            loss, grad = torch_run(lambda t: F.binary_cross_entropy_with_logits(
                t, tt(y), weight=tt(w), pos_weight=tt(pw), reduction=red), x, up)
            params = {"function": "sigmoid", "axis": -1, "reduction": bred[red], "empty": "NAN"}
            ins = [("logits", x), ("labels", y)]
            if w is not None:
                ins.append(("class_weights" if w.shape == (classes,) and wv.startswith("class") else "sample_weights", w))
            if pw is not None:
                ins.append(("pos_weight", pw))
            if up is not None:
                ins.append(("upstream", np.asarray(up)))
            g.case(name, "torch", src + ("; autograd grad_outputs = upstream" if upstream else ""),
                   params, ins, loss, grad, dtype, kind)


# ---------------------------------------------------------------------------

def main():
    s = Suite("cross_entropy",
              "Op: cross_entropy (xent_softmax_cross_entropy / _sparse_ / _sigmoid_ chosen by param function).\n"
              "Params name xent_ce_options_t fields; inputs logits, labels and the optional option tensors;\n"
              "outputs loss and grad (d loss / d logits).  Format: conformance/README.md.",
              generator="generate_ce.py", versions=V)
    g = Gen(s)
    tf_nn(g)
    tf_v1(g)
    keras_functions(g)
    keras_classes(g)
    torch_cases(g)
    if g.failures:
        for f in g.failures:
            print("MISMATCH " + f, file=sys.stderr)
        sys.exit(f"generate_ce.py: {len(g.failures)} peer cases disagree with xent's formula; not written")
    s.write()
    print("self-check (not written): cases, marked peer_loses_precision, worst |peer - reference| as a "
          "fraction of the C test's tolerance (loss, grad)", file=sys.stderr)
    for k in sorted(g.stats):
        n, m, wl, wg = g.stats[k]
        print(f"  {k:24s} {n:4d} cases  {m:3d} marked  loss {wl:8.3g}  grad {wg:8.3g}", file=sys.stderr)


if __name__ == "__main__":
    main()
