#!/usr/bin/env python3
"""Generate conformance data for xent from the real peer libraries.

Run inside the peer environment:

    tools/peers_env.sh && .peers-venv/bin/python conformance/generate.py

Writes conformance/data/<suite>.txt (format described in conformance/README.md).
Output is deterministic: every case draws its random values from a generator
seeded by a CRC of the case name, the peers run single-threaded on their
portable (non-SIMD-dispatched) CPU kernels, and no timestamps are written.
"""

import os
import sys

# Must be set before the peers are imported.
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"  # plain Eigen kernels, no ISA-dependent oneDNN paths
os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["ATEN_CPU_CAPABILITY"] = "default"  # torch: same kernels on every x86-64 CPU
os.environ["OMP_NUM_THREADS"] = "1"

import math  # noqa: E402
import subprocess  # noqa: E402

try:
    import mpmath
    import numpy as np
    import scipy
    import scipy.special
    import tensorflow as tf
    import torch
    import torch.nn.functional as F
except ImportError as exc:  # pragma: no cover
    sys.exit(f"generate.py: {exc}\nRun it in the peer environment: "
             "tools/peers_env.sh && .peers-venv/bin/python conformance/generate.py")

from cformat import FLOATS, NP_DTYPE, Suite, rng_for  # noqa: E402  (shared data format)

torch.set_num_threads(1)
tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)

TORCH_DTYPE = {"f32": torch.float32, "f64": torch.float64}
TF_DTYPE = {"f32": tf.float32, "f64": tf.float64}


def _debian_version(pkg):
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg],
                             capture_output=True, text=True, check=True).stdout.strip()
        return out or None
    except (OSError, subprocess.CalledProcessError):
        return None


TORCH_V = _debian_version("python3-torch") or torch.__version__
V = {
    "torch": TORCH_V,
    "tensorflow": tf.__version__,
    "scipy": scipy.__version__,
    "numpy": np.__version__,
    "mpmath": mpmath.__version__,
}


def shape_tag(shape):
    return "x".join(str(d) for d in shape) if shape else "scalar"


def ax_tag(axis):
    return f"ax{axis}" if axis >= 0 else f"axm{-axis}"


def to_t(a):
    # np.array(order="C") rather than np.ascontiguousarray: the latter turns a
    # 0-d array into shape (1,) in NumPy 1.x, which would change the case's rank.
    return torch.from_numpy(np.array(a, order="C", copy=True))


def as_dtype(a, dtype):
    return np.asarray(a).astype(NP_DTYPE[dtype])


def f64(a):
    return np.asarray(a, dtype=np.float64)


# --------------------------------------------------------------------------
# Input values
# --------------------------------------------------------------------------

SEED_1D = [0.1, 0.3, 0.5, 0.9]
SEED_2D = [[0.5, 1.5, 0.1], [2.2, 1.3, 1.7]]


def gen_x(kind, shape, axis, dtype, rng):
    """Finite input values of the given kind, already rounded to dtype."""
    big = dtype == "f64"
    if kind == "normal":
        x = rng.standard_normal(shape) * 3.0
    elif kind == "large":
        r = 700.0 if big else 80.0
        x = rng.uniform(-r, r, shape)
    elif kind in ("dominant", "underflow"):
        # One entry per slice along `axis` far above the rest.  'dominant': the
        # others are tiny but representable; 'underflow': their exp(x - max)
        # underflows to zero.
        x = rng.standard_normal(shape)
        boost = {"dominant": 60.0 if big else 40.0, "underflow": 800.0 if big else 110.0}[kind]
        xm = np.moveaxis(x, axis, -1)
        for idx in np.ndindex(*xm.shape[:-1]):
            xm[idx + (int(rng.integers(xm.shape[-1])),)] += boost
    elif kind == "ties":
        x = rng.choice(np.array([-1.5, 0.0, 0.25, 2.0]), size=shape)
    elif kind == "equal":
        red = list(shape)
        red[axis] = 1
        x = np.broadcast_to(rng.uniform(-5.0, 5.0, red), shape).copy()
    elif kind == "tiny":
        x = rng.standard_normal(shape) * 1e-6
        x[rng.random(shape) < 0.2] = 0.0
    elif kind == "seed":
        x = np.array(SEED_1D if len(shape) == 1 else SEED_2D)
    else:
        raise ValueError(kind)
    return as_dtype(x, dtype)


# (shape, axis, kinds) for the normalizer forward ops
FWD_CONFIGS = [
    ((4,), -1, ["seed"]),
    ((2, 3), -1, ["seed"]),
    ((1, 1), -1, ["normal", "large"]),
    ((3, 1), -1, ["normal", "large"]),
    ((3, 1), 0, ["normal", "large"]),
    ((4, 5), 1, ["normal", "large", "dominant", "underflow", "ties", "equal", "tiny"]),
    ((4, 5), 0, ["normal", "dominant", "equal"]),
    ((2, 3, 4), 0, ["normal", "large"]),
    ((2, 3, 4), 1, ["normal", "large"]),
    ((2, 3, 4), -1, ["normal", "large", "dominant"]),
    ((17, 33), -1, ["normal", "large", "dominant"]),
    ((17, 33), 0, ["normal"]),
]

# Extra cross-peer cases (TensorFlow, SciPy)
XPEER_CONFIGS = [
    ((2, 3), -1, "seed"),
    ((4, 5), 1, "normal"),
    ((4, 5), 0, "large"),
    ((2, 3, 4), 1, "dominant"),
    ((3, 1), -1, "normal"),
]

BWD_CONFIGS = [
    ((1, 1), -1, ["normal"]),
    ((3, 1), -1, ["normal"]),
    ((3, 1), 0, ["normal"]),
    ((4, 5), 1, ["normal", "large", "dominant", "equal", "tiny"]),
    ((4, 5), 0, ["normal"]),
    ((2, 3, 4), 0, ["normal"]),
    ((2, 3, 4), 1, ["normal"]),
    ((2, 3, 4), -1, ["normal", "dominant"]),
    ((17, 33), -1, ["normal"]),
]


# --------------------------------------------------------------------------
# Normalizers: softmax, log_softmax, logsumexp
# --------------------------------------------------------------------------

def torch_fwd(op, x, axis):
    t = to_t(x)
    if op == "softmax":
        return F.softmax(t, dim=axis).numpy()
    if op == "log_softmax":
        return F.log_softmax(t, dim=axis).numpy()
    return torch.logsumexp(t, dim=axis).numpy()


def tf_fwd(op, x, axis):
    t = tf.constant(x)
    if op == "softmax":
        return tf.nn.softmax(t, axis=axis).numpy()
    if op == "log_softmax":
        return tf.nn.log_softmax(t, axis=axis).numpy()
    return tf.math.reduce_logsumexp(t, axis=axis).numpy()


def scipy_fwd(op, x, axis):
    fn = {"softmax": scipy.special.softmax, "log_softmax": scipy.special.log_softmax,
          "logsumexp": scipy.special.logsumexp}[op]
    return np.asarray(fn(x, axis=axis))


SOURCES_FWD = {
    "torch": {"softmax": "torch.nn.functional.softmax", "log_softmax": "torch.nn.functional.log_softmax",
              "logsumexp": "torch.logsumexp"},
    "tf": {"softmax": "tf.nn.softmax", "log_softmax": "tf.nn.log_softmax",
           "logsumexp": "tf.math.reduce_logsumexp"},
    "scipy": {"softmax": "scipy.special.softmax", "log_softmax": "scipy.special.log_softmax",
              "logsumexp": "scipy.special.logsumexp"},
}
PEER_VERSION = {"torch": "torch", "tf": "tensorflow", "scipy": "scipy"}
PEER_FN = {"torch": torch_fwd, "tf": tf_fwd, "scipy": scipy_fwd}

MAXDIFF = {}  # self-check statistics: key -> (max relative difference, max absolute difference)


def _track(key, got, ref):
    """Record how far `got` is from `ref` (relative below the dtype's smallest normal is absolute)."""
    got = np.asarray(got)
    tiny = float(np.finfo(got.dtype).tiny) if got.dtype.kind == "f" else 1e-300
    got = f64(got)
    ref = f64(ref)
    ad = np.abs(got - ref)
    rd = ad / np.maximum(np.abs(ref), tiny)
    r0, a0 = MAXDIFF.get(key, (0.0, 0.0))
    MAXDIFF[key] = (max(r0, float(np.max(rd, initial=0.0))), max(a0, float(np.max(ad, initial=0.0))))


def normalizer_forward(s):
    s.note("")
    s.note("=== softmax / log_softmax / logsumexp (forward) ===")
    s.note("Each peer computes in the case's dtype (f32 cases: the peer's own float32 result).")
    s.note("TensorFlow runs with subnormals flushed to zero on the CPU: its f32 softmax returns 0")
    s.note("where torch/scipy return a subnormal (e.g. case softmax_f32_4x5_ax0_large_tf).")
    for op in ("softmax", "log_softmax", "logsumexp"):
        for dtype in FLOATS:
            for shape, axis, kinds in FWD_CONFIGS:
                for kind in kinds:
                    name = f"{op}_{dtype}_{shape_tag(shape)}_{ax_tag(axis)}_{kind}"
                    x = gen_x(kind, shape, axis, dtype, rng_for(name))
                    y = torch_fwd(op, x, axis)
                    assert y.dtype == NP_DTYPE[dtype]
                    assert np.isfinite(y).all(), name
                    # self-check against the float64 result
                    _track(f"torch {op} {dtype} vs f64", y, torch_fwd(op, f64(x), axis))
                    s.add(name, op, f"{SOURCES_FWD['torch'][op]} {V['torch']}", [("axis", axis)],
                          [("x", dtype, x)], [("y", dtype, y)])
            for peer in ("tf", "scipy"):
                for shape, axis, kind in XPEER_CONFIGS:
                    name = f"{op}_{dtype}_{shape_tag(shape)}_{ax_tag(axis)}_{kind}_{peer}"
                    x = gen_x(kind, shape, axis, dtype, rng_for(name))
                    y = PEER_FN[peer](op, x, axis)
                    assert y.dtype == NP_DTYPE[dtype], (name, y.dtype)
                    _track(f"{peer} {op} {dtype} vs torch", y, torch_fwd(op, x, axis))
                    s.add(name, op, f"{SOURCES_FWD[peer][op]} {V[PEER_VERSION[peer]]}",
                          [("axis", axis)], [("x", dtype, x)], [("y", dtype, y)])


def normalizer_backward(s):
    s.note("")
    s.note("=== softmax_backward / log_softmax_backward / logsumexp_backward ===")
    s.note("dx is computed in float64 from the listed (exact) inputs, for f32 cases too, and then")
    s.note("rounded to the case dtype: the expected value is the accurate one, not torch's float32 result.")
    s.note("softmax_backward / log_softmax_backward: y is the forward output (computed in float64 and")
    s.note("rounded to the dtype); dx = the torch backward kernel autograd uses for F.softmax /")
    s.note("F.log_softmax, applied to the listed y and dy.  logsumexp_backward: autograd through")
    s.note("torch.logsumexp at the listed x, with dy shaped like the reduced output.")
    for op in ("softmax_backward", "log_softmax_backward", "logsumexp_backward"):
        for dtype in FLOATS:
            for shape, axis, kinds in BWD_CONFIGS:
                for kind in kinds:
                    name = f"{op}_{dtype}_{shape_tag(shape)}_{ax_tag(axis)}_{kind}"
                    rng = rng_for(name)
                    x = gen_x(kind, shape, axis, dtype, rng)
                    x64 = to_t(f64(x)).requires_grad_(True)
                    if op == "logsumexp_backward":
                        red = list(shape)
                        del red[axis]
                        dy = as_dtype(rng.standard_normal(red), dtype)
                        out = torch.logsumexp(x64, dim=axis)
                        dx, = torch.autograd.grad(out, x64, to_t(f64(dy)))
                        dx = dx.numpy()
                        src = (f"torch.autograd grad of torch.logsumexp {V['torch']} "
                               f"(float64 from the listed x, dy; rounded to {dtype})")
                        ins = [("x", dtype, x), ("dy", dtype, dy)]
                    else:
                        dy = as_dtype(rng.standard_normal(shape), dtype)
                        fwd = F.softmax if op == "softmax_backward" else F.log_softmax
                        y64 = fwd(x64, dim=axis)
                        y = as_dtype(y64.detach().numpy(), dtype)  # the listed forward output
                        kern = (torch._softmax_backward_data if op == "softmax_backward"
                                else torch._log_softmax_backward_data)
                        dx = kern(to_t(f64(dy)), to_t(f64(y)), axis, torch.float64).numpy()
                        if dtype == "f64":
                            # identical to what autograd returns through the forward op
                            ag, = torch.autograd.grad(y64, x64, to_t(f64(dy)))
                            assert np.array_equal(ag.numpy(), dx), name
                        fname = "softmax" if op == "softmax_backward" else "log_softmax"
                        src = (f"torch.autograd backward of torch.nn.functional.{fname} {V['torch']} "
                               f"(torch._{fname}_backward_data in float64 on the listed y, dy; "
                               f"rounded to {dtype})")
                        ins = [("y", dtype, y), ("dy", dtype, dy)]
                    assert np.isfinite(dx).all(), name
                    s.add(name, op, src, [("axis", axis)], ins, [("dx", dtype, as_dtype(dx, dtype))])


# --------------------------------------------------------------------------
# Elementwise: sigmoid, log_sigmoid, softplus, logit and their backward
# --------------------------------------------------------------------------

GRID = [-30.0, -20.0, -15.0, -10.0, -5.0, -2.0, -1.0, -0.5, -1e-3, -1e-8, 0.0,
        1e-8, 1e-3, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0]
# Tails: where the peers' formulas lose accuracy or flush results to zero.
TAILS = {"f32": [-104.0, -100.0, -95.0, -88.0, -87.0, -50.0, -40.0, 17.0, 20.0, 25.0, 40.0, 50.0, 88.0, 100.0],
         "f64": [-750.0, -740.0, -720.0, -709.0, -700.0, -100.0, -40.0, 20.5, 30.0, 37.0, 40.0,
                 100.0, 700.0, 750.0]}
SOFTPLUS_THRESHOLD = [15.0, 19.0, 19.9, 20.0, 20.0001, 20.5, 21.0, 25.0, 30.0, 36.0, 40.0, 100.0]
LOGIT_GRID = [1e-12, 1e-8, 1e-6, 1e-4, 0.01, 0.1, 0.25, 0.3, 0.5, 0.7, 0.75, 0.9, 0.99,
              0.9999, 0.999999]
LOGIT_EPS_GRID = [0.0, 1e-9, 1e-7, 1e-4, 0.01, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.99,
                  0.99999, 1.0]


def torch_elem(op, t, eps=None):
    if op == "sigmoid":
        return torch.sigmoid(t)
    if op == "log_sigmoid":
        return F.logsigmoid(t)
    if op == "softplus":
        return F.softplus(t, beta=1, threshold=20)
    if op == "logit":
        return torch.logit(t, eps=eps)
    raise ValueError(op)


ELEM_SRC = {"sigmoid": "torch.sigmoid", "log_sigmoid": "torch.nn.functional.logsigmoid",
            "softplus": "torch.nn.functional.softplus(beta=1, threshold=20)", "logit": "torch.logit"}


def elem_params(op, eps):
    if op == "softplus":
        return [("beta", 1.0), ("threshold", 20.0)]
    if op == "logit" and eps is not None:
        return [("eps", eps)]
    return []


def elem_inputs(op, dtype):
    """(tag, x, eps) tuples of elementwise inputs."""
    res = []
    if op == "logit":
        res.append(("grid", as_dtype(LOGIT_GRID, dtype), None))
        rng = rng_for(f"{op}_{dtype}_4x5")
        res.append(("4x5", as_dtype(rng.uniform(0.001, 0.999, (4, 5)), dtype), None))
        rng = rng_for(f"{op}_{dtype}_2x3x4")
        res.append(("2x3x4", as_dtype(rng.uniform(0.001, 0.999, (2, 3, 4)), dtype), None))
        for eps in (1e-6, 0.25):
            res.append((f"eps{eps:g}_grid", as_dtype(LOGIT_EPS_GRID, dtype), eps))
        rng = rng_for(f"{op}_{dtype}_eps_4x5")
        p = rng.uniform(0.0, 1.0, (4, 5))
        p[0, 0], p[1, 3], p[3, 4] = 0.0, 1.0, 0.0
        res.append(("eps1e-06_4x5", as_dtype(p, dtype), 1e-6))
        return res
    res.append(("grid", as_dtype(GRID, dtype), None))
    rng = rng_for(f"{op}_{dtype}_4x5")
    res.append(("4x5", as_dtype(rng.standard_normal((4, 5)) * 3.0, dtype), None))
    rng = rng_for(f"{op}_{dtype}_2x3x4")
    res.append(("2x3x4", as_dtype(rng.standard_normal((2, 3, 4)) * 8.0, dtype), None))
    res.append(("scalar", as_dtype(np.array(1.25), dtype), None))
    if op == "softplus":
        res.append(("threshold", as_dtype(SOFTPLUS_THRESHOLD + [-t for t in SOFTPLUS_THRESHOLD], dtype), None))
    return res


def elementwise(s):
    s.note("")
    s.note("=== sigmoid / log_sigmoid / softplus / logit (forward, torch) ===")
    s.note("Forward: torch in the case's dtype.  softplus cases from torch carry param beta 1 and")
    s.note("param threshold 20: torch returns x itself wherever beta*x > threshold (off by up to")
    s.note("~2e-9 absolute from log1p(exp(x)) in f64).  logit with param eps clamps x to [eps, 1-eps]")
    s.note("first (for f32 in float32 arithmetic with eps rounded to float32); without eps no clamping.")
    s.note("In f32 that makes torch.logit(1, eps=1e-6) = 13.802318 while -torch.logit(0, eps=1e-6) =")
    s.note("13.815511: 1-eps rounds in float32.  torch's f32 logit near x = 0.5 is off by up to")
    s.note("~6e-8 absolute (large relative error): x/(1-x) is rounded before the log.")
    for op in ("sigmoid", "log_sigmoid", "softplus", "logit"):
        for dtype in FLOATS:
            for tag, x, eps in elem_inputs(op, dtype):
                name = f"{op}_{dtype}_{tag}"
                y = torch_elem(op, to_t(x), eps).numpy()
                assert y.dtype == NP_DTYPE[dtype] and np.isfinite(y).all(), name
                _track(f"torch {op} {dtype} vs f64", y, torch_elem(op, to_t(f64(x)), eps).numpy())
                s.add(name, op, f"{ELEM_SRC[op]} {V['torch']}", elem_params(op, eps),
                      [("x", dtype, x)], [("y", dtype, y)])
            if op == "softplus":
                # TensorFlow's softplus has no user threshold (it switches formulas only
                # where the switch is exact to the dtype's precision).
                for tag in ("grid", "threshold", "4x5"):
                    x = dict((t, v) for t, v, _ in elem_inputs(op, dtype))[tag]
                    name = f"{op}_{dtype}_{tag}_tf"
                    y = tf.math.softplus(tf.constant(x)).numpy()
                    assert y.dtype == NP_DTYPE[dtype], name
                    s.add(name, op, f"tf.math.softplus {V['tensorflow']} (no threshold)", [],
                          [("x", dtype, x)], [("y", dtype, y)])

    s.note("")
    s.note("=== sigmoid_backward / log_sigmoid_backward / softplus_backward / logit_backward ===")
    s.note("dx = torch.autograd grad of the forward op at the listed x with upstream dy, computed in")
    s.note("float64 from the listed (exact) x and dy, then rounded to the case dtype.")
    s.note("softplus_backward uses torch's threshold 20 too: dx = dy where x > 20.")
    s.note("logit_backward with eps: torch gives dx = 0 where x < eps or x > 1-eps.")
    for op in ("sigmoid", "log_sigmoid", "softplus", "logit"):
        bop = f"{op}_backward"
        for dtype in FLOATS:
            for tag, x, eps in elem_inputs(op, dtype):
                name = f"{bop}_{dtype}_{tag}"
                dy = as_dtype(rng_for(name).standard_normal(x.shape), dtype)
                x64 = to_t(f64(x)).requires_grad_(True)
                dx, = torch.autograd.grad(torch_elem(op, x64, eps), x64, to_t(f64(dy)))
                dx = dx.numpy()
                assert np.isfinite(dx).all(), name
                s.add(name, bop,
                      f"torch.autograd grad of {ELEM_SRC[op]} {V['torch']} "
                      f"(float64 from the listed x, dy; rounded to {dtype})",
                      elem_params(op, eps), [("x", dtype, x), ("dy", dtype, dy)],
                      [("dx", dtype, as_dtype(dx, dtype))])

    tails(s)


# --------------------------------------------------------------------------
# Tails, with mpmath references
# --------------------------------------------------------------------------

mpmath.mp.dps = 60


def mp_round(v, dtype):
    """Round an mpf to the nearest f32/f64 value (ties to even, subnormals included)."""
    p, emin, emax = (24, -126, 127) if dtype == "f32" else (53, -1022, 1023)
    if v == 0:
        return 0.0
    _, e = mpmath.frexp(v)  # |v| = m * 2**e, 0.5 <= m < 1
    q = max(int(e) - p, emin - (p - 1))
    n = mpmath.nint(mpmath.ldexp(v, -q))
    r = float(mpmath.ldexp(n, q)) if abs(int(e)) < 2000 else float("inf")
    if math.isinf(r) or abs(r) > (2.0 - 2.0 ** (1 - p)) * 2.0 ** emax:
        return math.copysign(math.inf, float(v))
    return r


def mp_elem(op, x):
    x = mpmath.mpf(x)
    if op == "sigmoid":
        return 1 / (1 + mpmath.exp(-x))
    if op == "log_sigmoid":
        return -mpmath.log1p(mpmath.exp(-x))
    if op == "softplus":
        return mpmath.log1p(mpmath.exp(x))
    raise ValueError(op)


def mp_elem_grad(op, x):
    x = mpmath.mpf(x)
    if op == "sigmoid":  # s(1-s) = 1/(e^x + 2 + e^-x)
        return 1 / (mpmath.exp(x) + 2 + mpmath.exp(-x))
    if op == "log_sigmoid":  # 1 - s(x) = s(-x)
        return 1 / (1 + mpmath.exp(x))
    if op == "softplus":  # s(x)
        return 1 / (1 + mpmath.exp(-x))
    raise ValueError(op)


def tails(s):
    s.note("")
    s.note("=== tails: extreme x for sigmoid / log_sigmoid / softplus and their backward ===")
    s.note("Cases named *_tails_torch hold torch's own results, which lose accuracy out here:")
    s.note("torch.sigmoid computes 1/(1+exp(-x)), so it returns 0 once exp(-x) overflows")
    s.note("(x < ~-88.7 in f32, x < ~-709.8 in f64) where the true value is still a nonzero")
    s.note("subnormal, and the float64 sigmoid/log_sigmoid backward through torch goes to 0 for large")
    s.note("x where the true gradient is ~exp(-|x|).  Cases named *_tails_mpmath hold the correctly")
    s.note("rounded values from mpmath at 60 digits, for the same x (and dy).")
    for op in ("sigmoid", "log_sigmoid", "softplus"):
        for dtype in FLOATS:
            x = as_dtype(TAILS[dtype], dtype)
            params = elem_params(op, None)
            y = torch_elem(op, to_t(x)).numpy()
            s.add(f"{op}_{dtype}_tails_torch", op, f"{ELEM_SRC[op]} {V['torch']}", params,
                  [("x", dtype, x)], [("y", dtype, y)])
            ym = np.array([mp_round(mp_elem(op, v), dtype) for v in f64(x)])
            mp_src = f"mpmath {V['mpmath']} (60 digits, correctly rounded to {dtype})"
            s.add(f"{op}_{dtype}_tails_mpmath", op,
                  f"{mp_src}: {'log1p(exp(x)), no threshold' if op == 'softplus' else op}", [],
                  [("x", dtype, x)], [("y", dtype, as_dtype(ym, dtype))])
            _track(f"torch {op} {dtype} tails vs mpmath", y, ym)

            bop = f"{op}_backward"
            dy = as_dtype(rng_for(f"{bop}_{dtype}_tails").standard_normal(x.shape), dtype)
            x64 = to_t(f64(x)).requires_grad_(True)
            dx, = torch.autograd.grad(torch_elem(op, x64), x64, to_t(f64(dy)))
            s.add(f"{bop}_{dtype}_tails_torch", bop,
                  f"torch.autograd grad of {ELEM_SRC[op]} {V['torch']} "
                  f"(float64 from the listed x, dy; rounded to {dtype})", params,
                  [("x", dtype, x), ("dy", dtype, dy)], [("dx", dtype, as_dtype(dx.numpy(), dtype))])
            dxm = np.array([mp_round(mpmath.mpf(float(d)) * mp_elem_grad(op, v), dtype)
                            for v, d in zip(f64(x), f64(dy))])
            s.add(f"{bop}_{dtype}_tails_mpmath", bop, f"{mp_src}: dy * d{op}/dx", [],
                  [("x", dtype, x), ("dy", dtype, dy)], [("dx", dtype, as_dtype(dxm, dtype))])
            _track(f"torch {bop} {dtype} tails vs mpmath", as_dtype(dx.numpy(), dtype), dxm)


# --------------------------------------------------------------------------
# argmax, one_hot
# --------------------------------------------------------------------------

ARGMAX_CONFIGS = [
    ((7,), 0, "ties"),
    ((1, 1), -1, "normal"),
    ((3, 1), 0, "normal"),
    ((4, 5), 1, "ties"),
    ((4, 5), 0, "ties"),
    ((4, 5), -1, "equal"),
    ((2, 3, 4), 0, "ties"),
    ((2, 3, 4), 1, "ties"),
    ((2, 3, 4), -1, "ties"),
    ((17, 33), -1, "normal"),
    ((17, 33), 0, "ties"),
    ((4, 6), 1, "inf"),
    ((4, 6), 1, "nan"),
    ((3, 4), 0, "nan"),
]


def argmax_input(kind, shape, axis, dtype, rng):
    if kind in ("normal", "ties", "equal"):
        return gen_x(kind, shape, axis, dtype, rng)
    x = rng.choice(np.array([-1.0, 0.0, 2.0]), size=shape)
    if kind == "inf":
        x[0, 1], x[0, 4] = np.inf, np.inf       # tie between +inf
        x[1, :] = -np.inf                       # all -inf
        x[2, 3] = np.inf
        x[3, 0] = -np.inf
    else:  # nan
        x[0, 2] = np.nan                         # nan after a non-nan maximum
        x[1, 0], x[1, 3] = np.inf, np.nan        # nan after +inf
        x[2, 1], x[2, shape[1] - 1] = np.nan, np.nan  # two nans
    return as_dtype(x, dtype)


def argmax_cases(s):
    s.note("")
    s.note("=== argmax (output i64, axis removed) ===")
    s.note("numpy.argmax and torch.argmax agree on every case here: the index of the FIRST maximum")
    s.note("along the axis; +inf is an ordinary maximum; NaN counts as larger than everything, so")
    s.note("the first NaN wins.  Cases named *_nan_* contain NaN inputs, *_inf_* contain +-inf.")
    for dtype in FLOATS:
        for shape, axis, kind in ARGMAX_CONFIGS:
            base = f"argmax_{dtype}_{shape_tag(shape)}_{ax_tag(axis)}_{kind}"
            x = argmax_input(kind, shape, axis, dtype, rng_for(base))
            a_np = np.argmax(x, axis=axis).astype(np.int64)
            a_t = torch.argmax(to_t(x), dim=axis).numpy().astype(np.int64)
            assert np.array_equal(a_np, a_t), (base, a_np, a_t)
            s.add(f"{base}_numpy", "argmax", f"numpy.argmax {V['numpy']}", [("axis", axis)],
                  [("x", dtype, x)], [("y", "i64", a_np)])
            s.add(f"{base}_torch", "argmax", f"torch.argmax {V['torch']}", [("axis", axis)],
                  [("x", dtype, x)], [("y", "i64", a_t)])


ONE_HOT_CONFIGS = [((5,), 3), ((2, 3), 4), ((), 5), ((1,), 1), ((17,), 10), ((2, 2, 3), 7)]


def one_hot_cases(s):
    s.note("")
    s.note("=== one_hot (tf.one_hot, float32 output of shape labels.shape + (depth,)) ===")
    for shape, depth in ONE_HOT_CONFIGS:
        name = f"one_hot_{shape_tag(shape)}_depth{depth}"
        labels = rng_for(name).integers(0, depth, size=shape).astype(np.int64)
        y = tf.one_hot(tf.constant(labels), depth).numpy()
        assert y.dtype == np.float32 and y.shape == tuple(shape) + (depth,)
        s.add(name, "one_hot", f"tf.one_hot {V['tensorflow']}", [("depth", depth)],
              [("labels", "i64", labels)], [("y", "f32", y)])


# --------------------------------------------------------------------------

def main():
    s = Suite("normalizers",
              "Ops: softmax log_softmax logsumexp, their _backward, sigmoid log_sigmoid softplus logit,\n"
              "their _backward, argmax, one_hot.  Format: conformance/README.md.",
              generator="generate.py", versions=V)
    normalizer_forward(s)
    normalizer_backward(s)
    elementwise(s)
    argmax_cases(s)
    one_hot_cases(s)
    s.write()
    print("self-check (not written to the data): max difference, relative to max(|ref|, smallest normal)",
          file=sys.stderr)
    for k in sorted(MAXDIFF):
        print(f"  {k:48s} rel {MAXDIFF[k][0]:9.3g}  abs {MAXDIFF[k][1]:9.3g}", file=sys.stderr)


if __name__ == "__main__":
    main()
