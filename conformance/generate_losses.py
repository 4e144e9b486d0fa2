#!/usr/bin/env python3
"""Generate conformance/data/losses.txt from the real peer libraries.

Run inside the peer environment (optax and jax are needed besides the usual
peers; see conformance/README.md):

    tools/peers_env.sh && .peers-venv/bin/python conformance/generate_losses.py

Every case runs one peer function -- Keras 3 losses, tf.compat.v1.losses,
PyTorch, optax -- on listed inputs and records its loss and its gradient with
respect to the first argument (tf.GradientTape, torch.autograd, jax.grad),
with the xent settings that reproduce the call as `param` lines. For a
per-position/per-group loss (reduction NONE) the gradient is that of
sum(upstream * loss) with the listed `upstream`.

Self-check: the generator also evaluates xent's documented formula (the
section "Losses on probabilities, focal, regression, segmentation,
distillation" of include/xent.h) in float64 NumPy with those settings, and
refuses to write the file if a peer disagrees with it beyond the peer's own
rounding. The same evaluation gives every expected value an error bar,
written as the outputs `loss_tol` and `grad_tol` (absolute, per element):
K ulps of the case's dtype times the size of the terms that make the value
(|value| plus the absolute values of the terms summed into it, plus 1 for
each logarithm, whose argument the peer rounds). The C runner
(tests/test_conformance_losses.c) accepts |xent - peer| <= that bar.

Deterministic: values come from generators seeded by a CRC of the case name,
the peers run single-threaded on portable kernels, nothing is timestamped.
"""

import os
import sys

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["ATEN_CPU_CAPABILITY"] = "default"
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["JAX_PLATFORMS"] = "cpu"
os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"

import math  # noqa: E402
import subprocess  # noqa: E402
import warnings  # noqa: E402

try:
    import jax
    import jax.numpy as jnp
    import keras
    import numpy as np
    import optax
    import tensorflow as tf
    import torch
    import torch.nn.functional as F
except ImportError as exc:  # pragma: no cover
    sys.exit(f"generate_losses.py: {exc}\nRun it in the peer environment with optax installed: "
             "tools/peers_env.sh && .peers-venv/bin/python conformance/generate_losses.py")

from cformat import NP_DTYPE, Suite, rng_for  # noqa: E402

jax.config.update("jax_enable_x64", True)
torch.set_num_threads(1)
tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
warnings.filterwarnings("ignore")


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
    "optax": optax.__version__,
    "jax": jax.__version__,
    "numpy": np.__version__,
}
KV, TFV, TV, OV = V["keras"], V["tensorflow"], V["torch"], V["optax"]
V1 = tf.compat.v1.losses

K_ULPS = 16
EPS = {"f32": 2.0 ** -23, "f64": 2.0 ** -52}
TINY = {"f32": 2.0 ** -126, "f64": 2.0 ** -1022}
KERAS_RED = {"SUM_OVER_BATCH_SIZE": "sum_over_batch_size", "SUM": "sum", "NONE": None,
             "MEAN": "mean_with_sample_weight"}
TORCH_RED = {"SUM_OVER_BATCH_SIZE": "mean", "SUM": "sum", "NONE": "none", "MEAN": "mean"}
V1_RED = {"NONE": "none", "SUM": "weighted_sum", "MEAN": "weighted_mean",
          "SUM_OVER_BATCH_SIZE": "weighted_sum_over_batch_size",
          "SUM_BY_NONZERO_WEIGHTS": "weighted_sum_by_nonzero_weights"}


def f64(a):
    return np.asarray(a, np.float64)


def cast(a, dtype):
    return np.asarray(a).astype(NP_DTYPE[dtype])


# ---------------------------------------------------------------------------
# The documented formulas in float64 (self-check and error bars)
# ---------------------------------------------------------------------------
# Each per-position function takes the predictions and targets with the
# class axis last, shape (P..., C), and returns, unweighted:
#   L  (P...)      the position's loss          Ls (P...)    its term scale
#   G  (P..., C)   d L / d pred                 Gs (P..., C) its term scale
# Element-wise losses return C-shaped L (one per element) and are averaged
# by `mean_over_classes` when the case asks for it.

def clip_bounds(eps, dtype):
    lo = float(cast(eps, dtype))
    hi = float(cast(1.0 - eps, dtype))
    return lo, hi


def nz(a, b):
    """a * b with 0 where either is 0 (no 0 * inf)."""
    a, b = np.broadcast_arrays(f64(a), f64(b))
    with np.errstate(invalid="ignore", over="ignore"):
        out = a * b
    return np.where((a == 0) | (b == 0), 0.0, out)


def sigmoid(x):
    x = f64(x)
    with np.errstate(over="ignore"):
        return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


def softplus(x):
    x = f64(x)
    with np.errstate(over="ignore"):
        return np.where(x > 0, x + np.log1p(np.exp(-x)), np.log1p(np.exp(x)))


def log_softmax(x):
    x = f64(x)
    m = np.max(x, axis=-1, keepdims=True)
    return (x - m) - np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))


def elem_bce(p, y, mode, lo, hi, eps):
    p, y = f64(p), f64(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        if mode == "KERAS":
            pc = np.clip(p, lo, hi)
            inside = (p >= lo) & (p <= hi)
            a, b = -nz(y, np.log(pc)), -nz(1 - y, np.log1p(-pc))
            ga, gb = -nz(y, 1 / pc), nz(1 - y, 1 / (1 - pc))
            g = np.where(inside, ga + gb, 0.0)
            la, lb = np.abs(np.log(pc)) + 1, np.abs(np.log1p(-pc)) + 1
        elif mode == "TORCH":
            l1 = np.maximum(np.log1p(-p), -100.0)
            l0 = np.maximum(np.log(p), -100.0)
            a, b = -y * l0, (y - 1) * l1
            den = np.maximum(p * (1 - p), float(np.float32(1e-12)))
            g = (p - y) / den
            ga, gb = p / den, y / den
            la, lb = np.abs(l0) + 1, np.abs(l1) + 1
        else:  # TF_V1
            a, b = -nz(y, np.log(p + eps)), -nz(1 - y, np.log((1 - p) + eps))
            ga, gb = -nz(y, 1 / (p + eps)), nz(1 - y, 1 / ((1 - p) + eps))
            g = ga + gb
            la, lb = np.abs(np.log(p + eps)) + 1, np.abs(np.log((1 - p) + eps)) + 1
    L = a + b
    Ls = nz(np.abs(y), la) + nz(np.abs(1 - y), lb)
    Gs = np.abs(ga) + np.abs(gb)
    return L, Ls, g, Gs


def elem_focal(x, y, gamma, alpha, balance, from_logits, lo, hi):
    x, y = f64(x), f64(y)
    p = sigmoid(x) if from_logits else x
    q = sigmoid(-x) if from_logits else 1 - x
    with np.errstate(divide="ignore", invalid="ignore"):
        if from_logits:
            bce = nz(y, softplus(-x)) + nz(1 - y, softplus(x))
            gb = -nz(y, q) + nz(1 - y, p)
            bs = np.abs(bce) + 1 + np.abs(x)
        else:
            pc = np.clip(p, lo, hi)
            inside = (p >= lo) & (p <= hi)
            bce = -nz(y, np.log(pc)) - nz(1 - y, np.log1p(-pc))
            if from_logits:
                gb = np.where(inside, nz(1 - y, p) - nz(y, q), 0.0)
            else:
                gb = np.where(inside, -nz(y, 1 / pc) + nz(1 - y, 1 / (1 - pc)), 0.0)
            bs = nz(np.abs(y), np.abs(np.log(pc)) + 1) + nz(np.abs(1 - y), np.abs(np.log1p(-pc)) + 1)
        m = nz(y, q) + nz(1 - y, p)
        f = np.ones_like(m) if gamma == 0 else m ** gamma
        w = (nz(y, alpha) + nz(1 - y, 1 - alpha)) if balance else np.ones_like(m)
        L = w * nz(f, bce)
        if gamma == 0:
            dpow = np.zeros_like(m)
        else:
            dpow = np.where(m == 0, np.inf if gamma < 1 else (1.0 if gamma == 1 else 0.0),
                            gamma * m ** (gamma - 1))
        dm = 1 - 2 * y
        if from_logits:
            dm = nz(dm, p * q)
        G = w * (nz(nz(dpow, dm), bce) + nz(f, gb))
        # The peer rounds 1 - p_t: an error of eps |d m^gamma / dm| bce.
        bse = bs
        Ls = np.abs(w) * (np.abs(f) * bse + np.abs(nz(dpow, bse)))
        Gs = np.abs(w) * ((np.abs(nz(nz(dpow, dm), bse)) + np.abs(nz(f, gb))) * (1 + bse)
                          + np.abs(nz(dpow, gb)))
    return L, Ls, G, Gs


def pos_cce(p, u, lo, hi):
    p, u = f64(p), f64(u)
    with np.errstate(divide="ignore", invalid="ignore"):
        S = np.sum(p, axis=-1, keepdims=True)
        r = p / S
        rc = np.clip(r, lo, hi)
        a = (r >= lo) & (r <= hi)
        L = np.sum(-nz(u, np.log(rc)), axis=-1)
        Ls = np.sum(nz(np.abs(u), np.abs(np.log(rc)) + 1), axis=-1)
        U = np.sum(np.where(a, u, 0.0), axis=-1, keepdims=True)
        t1 = np.where(a, -nz(u, 1 / p), 0.0)
        G = t1 + U / S
        Gs = np.abs(t1) + np.abs(U / S)
        bad = np.isnan(r).any(axis=-1) | (S[..., 0] == 0) | ~np.isfinite(S[..., 0])
        L = np.where(np.isnan(r).any(axis=-1), np.nan, L)
        G = np.where(bad[..., None], np.nan, G)
    return L, Ls, G, Gs


def pos_scce(p, u, lo, hi):
    p, u = f64(p), f64(u)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.clip(p, lo, hi)
        a = (p >= lo) & (p <= hi)
        S = np.sum(c, axis=-1, keepdims=True)
        nl = np.log(S) - np.log(c)
        L = np.sum(nz(u, nl), axis=-1)
        Ls = np.sum(nz(np.abs(u), np.abs(np.log(S)) + np.abs(np.log(c)) + 1), axis=-1)
        U = np.sum(u, axis=-1, keepdims=True)
        G = np.where(a, U / S - nz(u, 1 / c), 0.0)
        Gs = np.abs(U / S) + np.abs(nz(u, 1 / c))
    return L, Ls, G, Gs


def pos_nll(x, u):
    x, u = f64(x), f64(u)
    L = np.sum(-nz(u, x), axis=-1)
    return L, np.sum(np.abs(nz(u, x)), axis=-1), -u, np.abs(u)


def pos_cfocal(x, u, gamma, from_logits, lo, hi):
    x, u = f64(x), f64(u)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        p = np.exp(log_softmax(x)) if from_logits else x
        S = np.sum(p, axis=-1, keepdims=True)
        r = p / S
        rc = np.clip(r, lo, hi)
        a = (r >= lo) & (r <= hi)
        m = 1 - rc
        nl = -np.log(rc)
        f = np.ones_like(m) if gamma == 0 else m ** gamma
        L = np.sum(nz(u, nz(f, nl)), axis=-1)
        ls = np.abs(nl) + 1 + (np.max(np.abs(x), axis=-1, keepdims=True) if from_logits else 0)
        Ls = np.sum(nz(np.abs(u), f * ls), axis=-1)
        dpow = np.zeros_like(m) if gamma == 0 else gamma * m ** (gamma - 1)
        gr = np.where(a, nz(u, -nz(dpow, nl) - f / rc), 0.0)
        grs = np.where(a, np.abs(u) * (np.abs(nz(dpow, ls)) + f / rc), 0.0)
        d = np.sum(gr * r, axis=-1, keepdims=True)
        ds = np.sum(grs * np.abs(r), axis=-1, keepdims=True)
        G = (gr - d) / S
        Gs = (grs + ds) / np.abs(S)
        if from_logits:
            e = np.sum(p * G, axis=-1, keepdims=True)
            es = np.sum(p * Gs, axis=-1, keepdims=True)
            G = p * (G - e)
            Gs = p * (Gs + es) + np.abs(G)
    return L, Ls, G, Gs


def pos_kl(p, y, lo):
    p, y = f64(p), f64(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        pc, yc = np.clip(p, lo, 1.0), np.clip(y, lo, 1.0)
        t = nz(yc, np.log(yc / pc))
        L = np.sum(t, axis=-1)
        Ls = np.sum(nz(np.abs(yc), np.abs(np.log(yc)) + np.abs(np.log(pc)) + 1), axis=-1)
        a = (p >= lo) & (p <= 1)
        G = np.where(a & (yc != 0), -yc / pc, 0.0)
    return L, Ls, G, np.abs(G)


def pos_distill(s, t, T, lo):
    s, t = f64(s), f64(t)
    lp, lq = log_softmax(s / T), log_softmax(t / T)
    p, q = np.exp(lp), np.exp(lq)
    scale = 1 + np.max(np.abs(np.concatenate([s, t], axis=-1)), axis=-1, keepdims=True) / T
    if lo == 0:
        L = T * T * np.sum(nz(q, lq - lp), axis=-1)
        Ls = T * T * np.sum(q * (np.abs(lq) + np.abs(lp) + scale), axis=-1)
        G = T * (p - q)
        Gs = T * (p + q) * scale
        return L, Ls, G, Gs
    pc, qc = np.clip(p, lo, 1), np.clip(q, lo, 1)
    inside = (p >= lo) & (q >= lo)
    lr = np.where(inside, lq - lp, np.log(qc / pc))
    L = T * T * np.sum(qc * lr, axis=-1)
    Ls = T * T * np.sum(qc * (np.abs(np.log(qc)) + np.abs(np.log(pc)) + scale), axis=-1)
    v = np.where(p >= lo, -T * T * qc, 0.0)
    G = (v - p * np.sum(v, axis=-1, keepdims=True)) / T
    Gs = (np.abs(v) + p * np.sum(np.abs(v), axis=-1, keepdims=True)) / T * scale
    return L, Ls, G, Gs


def elem_regression(kind, x, t, delta=1.0):
    e = f64(x) - f64(t)
    a = np.abs(e)
    if kind == "mse":
        return e * e, e * e, 2 * e, 2 * a
    if kind == "mae":
        return a, a, np.sign(e), np.ones_like(e)
    quad = a <= delta
    L = np.where(quad, 0.5 * e * e, delta * (a - 0.5 * delta))
    G = np.where(quad, e, delta * np.sign(e))
    return L, np.abs(L) + delta * a, G, np.abs(G) + 1


def reduce(L, Ls, G, Gs, w, counted, red, empty, up, masking):
    """The frame's reductions. L, Ls, w, counted: positions (P...); G, Gs: (P..., C)."""
    live = counted & (w != 0)
    with np.errstate(invalid="ignore"):
        wl = np.where(live, w * L, 0.0)
        wls = np.where(live, np.abs(w) * Ls, 0.0)
    if red == "NONE":
        sc = np.where(live, w * up, 0.0)
        scs = np.abs(sc)
        with np.errstate(invalid="ignore"):
            return wl, wls, nz(G, sc[..., None]), nz(Gs, scs[..., None])
    if red == "SUM":
        d = 1.0
    elif red == "MEAN":
        d = float(np.sum(np.where(counted, w, 0.0)))
    elif red == "SUM_OVER_BATCH_SIZE":
        d = float(np.sum(counted)) if masking else float(L.size)
    else:
        d = float(np.sum(counted & (w != 0)))
    if d == 0:
        v = math.nan if empty == "NAN" else 0.0
        return np.array(v), np.array(0.0), np.zeros_like(G), np.zeros_like(Gs)
    sc = np.where(live, w * up / d, 0.0)
    with np.errstate(invalid="ignore"):
        return (np.array(np.sum(wl) / d), np.array(np.sum(wls) / abs(d)),
                nz(G, sc[..., None]), nz(Gs, np.abs(sc)[..., None]))


def broadcast_left(w, shape):
    w = f64(w)
    if w.size == 1:
        return np.broadcast_to(w.reshape(()), shape)
    w = w.reshape(w.shape + (1,) * (len(shape) - w.ndim))
    return np.broadcast_to(w, shape)


def reference(op, params, ins, dtype):
    """(loss, grad, loss_scale, grad_scale) of xent's formula for this case."""
    x = f64(ins["pred"])
    ax = params.get("axis", -1) % x.ndim
    flags = params.get("flags", "")
    mean_cls = "MEAN_OVER_CLASSES" in flags
    red, empty = params.get("reduction", "MEAN"), params.get("empty", "ZERO")
    a = params.get("label_smoothing", 0.0)
    xm = np.moveaxis(x, ax, -1)
    C = xm.shape[-1]
    tgt = ins.get("target")
    sparse = op in ("sparse_categorical_cross_entropy", "nll_loss")
    tm = None if sparse else np.moveaxis(f64(tgt), ax, -1)
    cw = f64(ins["class_weights"]) if "class_weights" in ins else None
    counted = np.ones(xm.shape[:-1], bool)
    eps = params.get("eps", 1e-7)
    lo, hi = clip_bounds(eps, dtype)
    elementwise = op in ("binary_cross_entropy", "binary_focal", "mse", "mae", "huber")
    logits_route = params.get("from_logits", 0) and op in (
        "binary_cross_entropy", "categorical_cross_entropy", "sparse_categorical_cross_entropy")
    if elementwise:
        if op == "binary_cross_entropy" and logits_route:
            y = tm * (1 - a) + a / 2 if a else tm
            L = nz(y, softplus(-xm)) + nz(1 - y, softplus(xm))
            Ls = np.abs(L) + 1 + np.abs(xm)
            G = sigmoid(xm) - y
            Gs = np.abs(sigmoid(xm)) + np.abs(y)
        elif op == "binary_cross_entropy":
            y = tm * (1 - a) + a / 2 if a else tm
            L, Ls, G, Gs = elem_bce(xm, y, params.get("mode", "KERAS"), lo, hi, lo)
        elif op == "binary_focal":
            y = tm * (1 - a) + a / 2 if a else tm
            L, Ls, G, Gs = elem_focal(xm, y, params["gamma"], params["alpha"],
                                      params.get("apply_class_balancing", 0),
                                      params.get("from_logits", 0), lo, hi)
        else:
            L, Ls, G, Gs = elem_regression(op, xm, tm, params.get("delta", 1.0))
        if cw is not None:
            L, Ls, G, Gs = L * cw, Ls * np.abs(cw), G * cw, Gs * np.abs(cw)
        if mean_cls:
            L, Ls, G, Gs = np.mean(L, -1), np.mean(Ls, -1), G / C, Gs / C
            G, Gs = G, Gs
        else:
            counted = np.ones(xm.shape, bool)
            G, Gs = G[..., None], Gs[..., None]
    else:
        if sparse:
            lab = np.asarray(tgt).astype(np.int64)
            ign = params.get("ignore_index")
            counted = np.ones(lab.shape, bool) if ign is None else lab != ign
            u = np.zeros(lab.shape + (C,))
            cwv = cw if cw is not None else np.ones(C)
            for idx in np.ndindex(*lab.shape):
                if not counted[idx]:
                    continue
                u[idx] = (a / C) * cwv if a else 0.0
                u[idx + (lab[idx],)] += (1 - a) * cwv[lab[idx]]
        elif op in ("categorical_cross_entropy", "categorical_focal"):
            y = tm * (1 - a) + a / C if a else tm
            u = y * (cw if cw is not None else 1.0)
        if logits_route:
            ls = log_softmax(xm)
            L = np.sum(-nz(u, ls), axis=-1)
            Ls = np.sum(nz(np.abs(u), np.abs(ls) + 1 + np.max(np.abs(xm), -1, keepdims=True)), -1)
            T = np.sum(u, axis=-1, keepdims=True)
            G = np.exp(ls) * T - u
            Gs = np.exp(ls) * np.abs(T) + np.abs(u)
        elif op == "categorical_cross_entropy":
            L, Ls, G, Gs = pos_cce(xm, u, lo, hi)
        elif op == "sparse_categorical_cross_entropy":
            L, Ls, G, Gs = pos_scce(xm, u, lo, hi)
        elif op == "nll_loss":
            L, Ls, G, Gs = pos_nll(xm, u)
        elif op == "categorical_focal":
            L, Ls, G, Gs = pos_cfocal(xm, u * params["alpha"], params["gamma"],
                                      params.get("from_logits", 0), lo, hi)
        elif op == "kl_divergence":
            L, Ls, G, Gs = pos_kl(xm, tm, lo)
        elif op == "distillation":
            L, Ls, G, Gs = pos_distill(xm, tm, params["temperature"], lo)
        else:
            raise ValueError(op)
    P = L.shape
    sw = ins.get("sample_weights")
    w = broadcast_left(sw, x.shape if (elementwise and not mean_cls) else
                       tuple(d for i, d in enumerate(x.shape) if i != ax)) if sw is not None \
        else np.ones(P)
    if elementwise and not mean_cls:
        w = np.moveaxis(w, ax, -1) if w.ndim else w
    w = np.broadcast_to(w, P)
    if "label_weights" in ins:
        pass
    if op == "nll_loss" or (op == "sparse_categorical_cross_entropy"):
        if cw is not None:
            lab = np.asarray(tgt).astype(np.int64)
            lw = np.where(counted, cw[np.where(counted, lab, 0)], 0.0)
            wmean = w * lw
        else:
            wmean = w
    else:
        wmean = w
    up = f64(ins["upstream"]) if "upstream" in ins else np.array(1.0)
    if red == "NONE" and "upstream" in ins and elementwise and not mean_cls:
        up = np.moveaxis(up, ax, -1)
    masking = "ignore_index" in params
    # MEAN divides by sum(w * label weight); the loss itself uses w.
    if red == "MEAN":
        d = float(np.sum(np.where(counted, wmean, 0.0)))
        live = counted & (w != 0)
        wl = np.where(live, w * L, 0.0)
        wls = np.where(live, np.abs(w) * Ls, 0.0)
        if d == 0:
            lossr = np.array(math.nan if empty == "NAN" else 0.0)
            Gr, Gsr = np.zeros_like(G), np.zeros_like(Gs)
            lsr = np.array(0.0)
        else:
            sc = np.where(live, w * up / d, 0.0)
            lossr, lsr = np.array(np.sum(wl) / d), np.array(np.sum(wls) / abs(d))
            Gr, Gsr = nz(G, sc[..., None]), nz(Gs, np.abs(sc)[..., None])
    else:
        lossr, lsr, Gr, Gsr = reduce(L, Ls, G, Gs, w, counted, red, empty, up, masking)
    if elementwise and not mean_cls:
        Gr, Gsr = Gr[..., 0], Gsr[..., 0]
        if red == "NONE":
            lossr, lsr = np.moveaxis(lossr, -1, ax), np.moveaxis(lsr, -1, ax)
    Gr, Gsr = np.moveaxis(Gr, -1, ax), np.moveaxis(Gsr, -1, ax)
    return lossr, Gr, lsr, Gsr


def ref_mpse(ins, params):
    x, t = f64(ins["pred"]), f64(ins["target"])
    N = x.shape[0]
    d = (x - t).reshape(N, -1)
    D = d.shape[1]
    w = ins.get("sample_weights")
    eager = "MPSE_TF_EAGER_COUNT" in params.get("flags", "")
    if w is None:
        c = np.ones(N)
        n = np.full(N, float(N * D if eager else D))
    elif f64(w).size == 1:
        v = float(f64(w).ravel()[0])
        c = np.full(N, v)
        n = np.full(N, 0.0 if v == 0 else float(N * D if eager else D))
    else:
        wf = f64(w)
        wf = wf.reshape(wf.shape + (1,) * (x.ndim - wf.ndim))
        c = np.broadcast_to(np.sum(wf.reshape(wf.shape[0], -1), axis=1), (N,))
        n = np.sum((np.broadcast_to(wf, x.shape) != 0).reshape(N, -1), axis=1).astype(float)
    S1, S2 = d.sum(1), (d * d).sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        L = np.where(n > 1, 2 * S2 / (n - 1) - 2 * S1 * S1 / (n * (n - 1)), 0.0)
        Ls = np.where(n > 1, 2 * S2 / (n - 1) + 2 * S1 * S1 / (n * (n - 1)), 0.0)
        G = np.where((n > 1)[:, None], 4 / (n - 1)[:, None] * (d - (S1 / n)[:, None]), 0.0)
        Gs = np.where((n > 1)[:, None], 4 / (n - 1)[:, None] * (np.abs(d) + np.abs(S1 / n)[:, None]),
                      0.0)
    red = params.get("reduction", "MEAN")
    up = f64(ins["upstream"]) if "upstream" in ins else np.array(1.0)
    lossr, lsr, Gr, Gsr = reduce(L, Ls, G, Gs, c, np.ones(N, bool), red,
                                 params.get("empty", "ZERO"), up, False)
    return lossr, Gr.reshape(x.shape), lsr, Gsr.reshape(x.shape)


def ref_overlap(op, params, ins):
    x, t = f64(ins["pred"]), f64(ins["target"])
    ax = params.get("axis", -1) % x.ndim
    act = params.get("activation", "NONE")
    if act == "SOFTMAX":
        p = np.moveaxis(np.exp(log_softmax(np.moveaxis(x, ax, -1))), -1, ax)
    elif act == "SIGMOID":
        p = sigmoid(x)
    else:
        p = x
    axes = params.get("sum_axes", "all")
    summed = tuple(range(x.ndim)) if axes == "all" else tuple(int(v) for v in axes.split(","))
    mask = ins.get("mask")
    mfull = np.ones(x.shape) if mask is None else np.expand_dims(f64(mask), ax) * np.ones(x.shape)
    I = np.sum(p * t * mfull, axis=summed, keepdims=True)
    P = np.sum(p * mfull, axis=summed, keepdims=True)
    T = np.sum(t * mfull, axis=summed, keepdims=True)
    FP = np.sum(p * (1 - t) * mfull, axis=summed, keepdims=True)
    FN = np.sum(t * (1 - p) * mfull, axis=summed, keepdims=True)
    al, be, sm, e = params["alpha"], params["beta"], params["smooth"], params["eps"]
    with np.errstate(divide="ignore", invalid="ignore"):
        if op == "tversky":
            D = I + al * FP + be * FN + sm + e
            L = (al * FP + be * FN + e) / D
            dL = (al * (1 - t) - be * t - L * (al * (1 - t) + (1 - be) * t)) / D
            Ls = (np.abs(I) + abs(al) * np.abs(FP) + abs(be) * np.abs(FN) + sm + e) / np.abs(D)
        else:
            D = P + T + sm + e
            L = (FP + FN + e) / D
            dL = (1 - L - 2 * t) / D
            Ls = (np.abs(P) + np.abs(T) + sm + e) / np.abs(D)
    gshape = tuple(d for i, d in enumerate(x.shape) if i not in summed)
    Lg, Lsg = L.reshape(gshape), Ls.reshape(gshape)
    cw = ins.get("class_weights")
    counted = np.ones(gshape, bool)
    gax = None
    if ax not in summed:
        gax = sum(1 for i in range(ax) if i not in summed)
    cvec = np.ones(x.shape[ax])
    if cw is not None:
        cvec = f64(cw)
        sh = [1] * len(gshape)
        sh[gax] = -1
        Lg, Lsg = Lg * cvec.reshape(sh), Lsg * np.abs(cvec).reshape(sh)
    ignore = params.get("ignore_background", 0) and x.shape[ax] > 1
    if ignore:
        idx = [slice(None)] * len(gshape)
        idx[gax] = 0
        counted[tuple(idx)] = False
    sw = ins.get("sample_weights")
    w = broadcast_left(sw, gshape) if sw is not None else np.ones(gshape)
    red = params.get("reduction", "MEAN")
    up = f64(ins["upstream"]) if "upstream" in ins else np.array(1.0)
    # per-group gradient factor, expanded back over the summed axes
    lossr, lsr, sc, _ = reduce(Lg, Lsg, np.ones(gshape + (1,)), np.ones(gshape + (1,)), w,
                               counted, red, params.get("empty", "ZERO"), up, bool(ignore))
    scf = sc[..., 0].reshape(tuple(1 if i in summed else d for i, d in enumerate(x.shape)))
    cshape = [1] * x.ndim
    cshape[ax] = -1
    cfac = cvec.reshape(cshape) if cw is not None else 1.0
    Gp = nz(nz(dL, scf), cfac) * mfull
    Gps = (np.abs(dL) + (1 + np.abs(L)) / np.abs(D)) * np.abs(scf) * np.abs(cfac) * mfull
    if act == "SOFTMAX":
        pm, gm, gms = (np.moveaxis(v, ax, -1) for v in (p, Gp, Gps))
        s = np.sum(pm * gm, axis=-1, keepdims=True)
        ss = np.sum(pm * gms, axis=-1, keepdims=True)
        G = np.moveaxis(pm * (gm - s), -1, ax)
        Gs = np.moveaxis(pm * (gms + ss), -1, ax)
    elif act == "SIGMOID":
        ds = sigmoid(x) * sigmoid(-x)
        G, Gs = Gp * ds, Gps * ds
    else:
        G, Gs = Gp, Gps
    return lossr, G, lsr, Gs


# ---------------------------------------------------------------------------
# Writing a case
# ---------------------------------------------------------------------------

STATS = {"cases": 0, "worst": {}}


def close(have, want, tol):
    have, want = f64(have), f64(want)
    both_nan = np.isnan(have) & np.isnan(want)
    inf = np.isinf(have) | np.isinf(want)
    with np.errstate(invalid="ignore"):
        ok = np.abs(have - want) <= tol
    ok = np.where(inf, have == want, ok)
    return np.where(np.isnan(have) | np.isnan(want), both_nan, ok)


def fmt_params(params):
    out = []
    for k, v in params.items():
        out.append((k, v))
    return out


def add(s, name, op, source, params, ins, dtype, loss, grad, roles=None, loss_only=False):
    """ins: dict role -> (dtype, array), in argument order. loss, grad: the peer's outputs."""
    arrays = {k: v[1] for k, v in ins.items()}
    if op == "mpse":
        ref = ref_mpse(arrays, params)
    elif op in ("dice", "tversky"):
        ref = ref_overlap(op, params, arrays)
    else:
        ref = reference(op, params, arrays, dtype)
    rl, rg, ls, gs = ref
    eps, tiny = EPS[dtype], TINY[dtype]
    loss = f64(loss).reshape(np.shape(rl))
    with np.errstate(invalid="ignore"):
        ltol = K_ULPS * eps * (np.abs(np.where(np.isfinite(rl), rl, 0)) + np.nan_to_num(ls, posinf=0)) + 4 * tiny
    assert close(loss, rl, ltol).all(), (name, "loss", loss, rl, ltol)
    outs = [("loss", dtype, cast(loss, dtype)), ("loss_tol", "f64", ltol)]
    if not loss_only:
        grad = f64(grad)
        with np.errstate(invalid="ignore"):
            gtol = K_ULPS * eps * (np.abs(np.where(np.isfinite(rg), rg, 0)) + np.nan_to_num(gs, posinf=0)) + 4 * tiny
        ok = close(grad, rg, gtol)
        assert ok.all(), (name, "grad", grad[~ok], f64(rg)[~ok], gtol[~ok])
        outs += [("grad", dtype, cast(grad, dtype)), ("grad_tol", "f64", gtol)]
    plist = fmt_params(params)
    s.add(name, op, source, plist, [(r, d, a) for r, (d, a) in ins.items()], outs)
    STATS["cases"] += 1


# ---------------------------------------------------------------------------
# Running the peers
# ---------------------------------------------------------------------------

def tf_run(fn, pred, up=None):
    """fn(pred as a tf.Variable) and its gradient (of sum(up * loss) for a non-scalar loss)."""
    v = tf.Variable(pred)
    with tf.GradientTape() as tape:
        loss = fn(v)
        obj = tf.reduce_sum(loss * tf.constant(up, loss.dtype)) if up is not None else tf.reduce_sum(loss)
    g = tape.gradient(obj, v)
    return loss.numpy(), (np.zeros_like(pred) if g is None else g.numpy())


def torch_run(fn, pred, up=None):
    t = torch.from_numpy(np.array(pred, copy=True)).requires_grad_(True)
    loss = fn(t)
    obj = (loss * torch.from_numpy(np.array(up, copy=True))).sum() if up is not None else loss.sum()
    g, = torch.autograd.grad(obj, t, allow_unused=True)
    return loss.detach().numpy(), (np.zeros_like(pred) if g is None else g.numpy())


def T(a):
    return torch.from_numpy(np.array(a, copy=True))


def keras_dtype(dtype):
    return "float64" if dtype == "f64" else "float32"


def upstream_for(name, shape, dtype):
    return cast(rng_for(name + "_up").uniform(0.5, 2.0, shape), dtype)


def probs(kind, shape, rng, dtype):
    """Probabilities of a kind: 'rand' in (0, 1); 'edges' with exact 0 and 1 and values
    near them; 'outside' with values outside [0, 1] (Keras clips them)."""
    p = rng.uniform(0.02, 0.98, shape)
    flat = p.reshape(-1)
    if kind in ("edges", "outside"):
        pick = [0.0, 1.0, 1e-9, 1 - 1e-9, 1e-4, 0.9999, 0.5] if kind == "edges" else \
            [-0.2, 1.3, 0.0, 1.0, -1e-3, 1.0001]
        for i, v in enumerate(pick):
            flat[(i * 5) % flat.size] = v
    return cast(p, dtype)


def bits(axes):
    return "all" if axes is None else ",".join(str(a) for a in axes)


def keras_reduce_kw(red):
    return {"reduction": KERAS_RED[red]}


# ---------------------------------------------------------------------------
# Cross-entropy on probabilities
# ---------------------------------------------------------------------------

def keras_probability(s):
    s.note("")
    s.note("=== Keras cross-entropies on probabilities (from_logits=False) ===")
    s.note("keras.losses.BinaryCrossentropy / CategoricalCrossentropy / SparseCategoricalCrossentropy")
    s.note("called with reduction=..., sample_weight=...; f64 cases pass dtype='float64' to the loss")
    s.note("(the loss classes otherwise compute in float32).  Gradient: tf.GradientTape w.r.t. y_pred.")
    # Keras's own test vector
    y = np.array([[1, 0], [1, 0]], np.float32)
    p = np.array([[1, 1], [1, 0]], np.float32)
    loss, g = tf_run(lambda v: keras.losses.BinaryCrossentropy()(y, v), p)
    assert abs(float(loss) - 3.98559) < 1e-5
    add(s, "keras_bce_test_vector_f32", "binary_cross_entropy",
        f"keras.losses.BinaryCrossentropy() {KV} (Keras's test: 3.98559)",
        {"mode": "KERAS", "eps": 1e-7, "axis": -1, "reduction": "SUM_OVER_BATCH_SIZE",
         "flags": "MEAN_OVER_CLASSES"},
        {"pred": ("f32", p), "target": ("f32", y)}, "f32", loss, g)
    configs = [((6, 3), -1, 0.0, "SUM_OVER_BATCH_SIZE", None, "rand"),
               ((6, 3), -1, 0.2, "SUM", None, "edges"),
               ((6, 3), -1, 0.0, "NONE", None, "outside"),
               ((6, 3), -1, 0.0, "MEAN", "full", "rand"),
               ((6, 3), -1, 0.1, "SUM_OVER_BATCH_SIZE", "pos", "edges"),
               ((2, 3, 4), -1, 0.0, "SUM_OVER_BATCH_SIZE", "pos1", "edges"),
               ((2, 3, 4), 1, 0.0, "NONE", None, "rand"),
               ((2, 3, 4), 1, 0.3, "SUM", "pos", "rand")]
    for dtype in ("f32", "f64"):
        for shape, axis, a, red, swk, pk in configs:
            name = f"keras_bce_{'x'.join(map(str, shape))}_ax{axis % len(shape)}_{red.lower()}_{pk}" \
                   f"{'_ls' if a else ''}{'_sw' + swk if swk else ''}_{dtype}"
            rng = rng_for(name)
            p = probs(pk, shape, rng, dtype)
            y = cast(rng.integers(0, 2, shape), dtype)
            pos = tuple(d for i, d in enumerate(shape) if i != axis % len(shape))
            sw = None
            if swk == "full" or (swk == "pos"):
                sw = cast(rng.uniform(0.2, 2.0, pos), dtype)
            elif swk == "pos1":
                sw = cast(rng.uniform(0.2, 2.0, (shape[0], 1)), dtype)
            up = upstream_for(name, pos, dtype) if red == "NONE" else None
            lossfn = keras.losses.BinaryCrossentropy(label_smoothing=a, axis=axis, dtype=keras_dtype(dtype),
                                                     **keras_reduce_kw(red))
            loss, g = tf_run(lambda v: lossfn(y, v, sample_weight=sw), p, up)
            ins = {"pred": (dtype, p), "target": (dtype, y)}
            if sw is not None:
                ins["sample_weights"] = (dtype, sw)
            if up is not None:
                ins["upstream"] = (dtype, up)
            params = {"mode": "KERAS", "eps": 1e-7, "axis": axis, "reduction": red,
                      "flags": "MEAN_OVER_CLASSES"}
            if a:
                params["label_smoothing"] = a
            add(s, name, "binary_cross_entropy",
                f"keras.losses.BinaryCrossentropy(label_smoothing={a}, axis={axis}, "
                f"reduction={KERAS_RED[red]!r}) {KV}", params, ins, dtype, loss, g)
        # from_logits=True routes to the sigmoid cross-entropy
        name = f"keras_bce_from_logits_5x3_{dtype}"
        rng = rng_for(name)
        x = cast(rng.standard_normal((5, 3)) * 4, dtype)
        y = cast(rng.integers(0, 2, (5, 3)), dtype)
        lossfn = keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1,
                                                 dtype=keras_dtype(dtype))
        loss, g = tf_run(lambda v: lossfn(y, v), x)
        add(s, name, "binary_cross_entropy",
            f"keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1) {KV}",
            {"mode": "KERAS", "eps": 1e-7, "from_logits": 1, "axis": -1,
             "reduction": "SUM_OVER_BATCH_SIZE", "flags": "MEAN_OVER_CLASSES", "label_smoothing": 0.1},
            {"pred": (dtype, x), "target": (dtype, y)}, dtype, loss, g)

    # categorical
    cat_configs = [((5, 4), -1, 0.0, "SUM_OVER_BATCH_SIZE", None, "norm"),
                   ((5, 4), -1, 0.2, "SUM", "pos", "unnorm"),
                   ((5, 4), -1, 0.0, "NONE", None, "zeros"),
                   ((5, 4), -1, 0.0, "MEAN", "pos", "negative"),
                   # no smoothing with axis 1: Keras divides it by the LAST axis's length
                   ((2, 4, 3), 1, 0.0, "NONE", None, "unnorm"),
                   ((2, 3, 4), -1, 0.0, "SUM_OVER_BATCH_SIZE", "pos", "soft")]
    for dtype in ("f32", "f64"):
        for shape, axis, a, red, swk, kind in cat_configs:
            name = f"keras_cce_{'x'.join(map(str, shape))}_ax{axis % len(shape)}_{red.lower()}_{kind}" \
                   f"{'_ls' if a else ''}{'_sw' if swk else ''}_{dtype}"
            rng = rng_for(name)
            ax = axis % len(shape)
            C = shape[ax]
            pm = rng.uniform(0.01, 1.0, shape)
            if kind == "norm":
                pm = pm / pm.sum(axis=ax, keepdims=True)
            elif kind == "zeros":
                pm.reshape(-1)[::3] = 0.0
            elif kind == "negative":
                pm.reshape(-1)[1::7] = -0.05
            p = cast(pm, dtype)
            lab = rng.integers(0, C, tuple(d for i, d in enumerate(shape) if i != ax))
            y = np.moveaxis(np.eye(C)[lab], -1, ax)
            if kind == "soft":
                y = rng.uniform(0, 1, shape)
                y = y / y.sum(axis=ax, keepdims=True)
            y = cast(y, dtype)
            pos = lab.shape
            sw = cast(rng.uniform(0.2, 2.0, pos), dtype) if swk else None
            up = upstream_for(name, pos, dtype) if red == "NONE" else None
            lossfn = keras.losses.CategoricalCrossentropy(label_smoothing=a, axis=axis,
                                                          dtype=keras_dtype(dtype), **keras_reduce_kw(red))
            loss, g = tf_run(lambda v: lossfn(y, v, sample_weight=sw), p, up)
            ins = {"pred": (dtype, p), "target": (dtype, y)}
            if sw is not None:
                ins["sample_weights"] = (dtype, sw)
            if up is not None:
                ins["upstream"] = (dtype, up)
            params = {"mode": "KERAS", "eps": 1e-7, "axis": axis, "reduction": red}
            if a:
                params["label_smoothing"] = a
            add(s, name, "categorical_cross_entropy",
                f"keras.losses.CategoricalCrossentropy(label_smoothing={a}, axis={axis}, "
                f"reduction={KERAS_RED[red]!r}) {KV}", params, ins, dtype, loss, g)
    # Keras's documented example, and a row that sums to 0 (NaN)
    y = np.array([[0, 1, 0], [0, 0, 1]], np.float32)
    p = np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]], np.float32)
    loss, g = tf_run(lambda v: keras.losses.CategoricalCrossentropy()(y, v), p)
    assert abs(float(loss) - 1.177) < 1e-3
    add(s, "keras_cce_doc_example_f32", "categorical_cross_entropy",
        f"keras.losses.CategoricalCrossentropy() {KV} (documented 1.177)",
        {"mode": "KERAS", "eps": 1e-7, "axis": -1, "reduction": "SUM_OVER_BATCH_SIZE"},
        {"pred": ("f32", p), "target": ("f32", y)}, "f32", loss, g)
    y = np.array([[0, 1, 0], [0, 1, 0], [1, 0, 0]], np.float32)
    p = np.array([[0, 0, 0], [0.2, -0.1, 0.9], [2, 3, 5]], np.float32)
    up = np.array([1.0, 0.5, 2.0], np.float32)
    loss, g = tf_run(lambda v: keras.losses.CategoricalCrossentropy(reduction=None)(y, v), p, up)
    add(s, "keras_cce_odd_rows_f32", "categorical_cross_entropy",
        f"keras.losses.CategoricalCrossentropy(reduction=None) {KV}: rows summing to 0 (NaN), "
        "with a negative entry, summing to 10",
        {"mode": "KERAS", "eps": 1e-7, "axis": -1, "reduction": "NONE"},
        {"pred": ("f32", p), "target": ("f32", y), "upstream": ("f32", up)}, "f32", loss, g)

    # sparse
    sp_configs = [((5, 4), 0, "SUM_OVER_BATCH_SIZE", None, "norm"),
                  ((5, 4), -1, "SUM", "pos", "unnorm"),
                  ((5, 4), 2, "SUM_OVER_BATCH_SIZE", None, "zeros"),
                  ((5, 4), None, "NONE", None, "negative"),
                  ((2, 3, 4), 1, "MEAN", "pos", "norm"),
                  ((2, 3, 4), None, "SUM_OVER_BATCH_SIZE", "pos", "unnorm")]
    for dtype in ("f32", "f64"):
        for shape, ignore, red, swk, kind in sp_configs:
            name = f"keras_scce_{'x'.join(map(str, shape))}_{red.lower()}_{kind}" \
                   f"{'_ignore' if ignore is not None else ''}{'_sw' if swk else ''}_{dtype}"
            rng = rng_for(name)
            C = shape[-1]
            pm = rng.uniform(0.01, 1.0, shape)
            if kind == "norm":
                pm = pm / pm.sum(axis=-1, keepdims=True)
            elif kind == "zeros":
                pm.reshape(-1)[::3] = 0.0
                pm[0] = 0.0
            elif kind == "negative":
                pm.reshape(-1)[1::7] = -0.05
            p = cast(pm, dtype)
            lab = rng.integers(0, C, shape[:-1])
            if ignore is not None:
                lab.reshape(-1)[::4] = ignore
            sw = cast(rng.uniform(0.2, 2.0, shape[:-1]), dtype) if swk else None
            up = upstream_for(name, shape[:-1], dtype) if red == "NONE" else None
            kw = {} if ignore is None else {"ignore_class": ignore}
            lossfn = keras.losses.SparseCategoricalCrossentropy(dtype=keras_dtype(dtype),
                                                                **kw, **keras_reduce_kw(red))
            loss, g = tf_run(lambda v: lossfn(lab, v, sample_weight=sw), p, up)
            ins = {"pred": (dtype, p), "target": ("i64", lab.astype(np.int64))}
            if sw is not None:
                ins["sample_weights"] = (dtype, sw)
            if up is not None:
                ins["upstream"] = (dtype, up)
            params = {"mode": "KERAS", "eps": 1e-7, "axis": -1, "reduction": red}
            if ignore is not None:
                params["ignore_index"] = ignore
            add(s, name, "sparse_categorical_cross_entropy",
                f"keras.losses.SparseCategoricalCrossentropy(ignore_class={ignore}, "
                f"reduction={KERAS_RED[red]!r}) {KV}", params, ins, dtype, loss, g)
    lab = np.array([1, 2])
    p = np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]], np.float32)
    loss, g = tf_run(lambda v: keras.losses.SparseCategoricalCrossentropy(reduction=None)(lab, v), p,
                     np.ones(2, np.float32))
    add(s, "keras_scce_doc_example_f32", "sparse_categorical_cross_entropy",
        f"keras.losses.SparseCategoricalCrossentropy(reduction=None) {KV} (documented [0.0513, 2.303])",
        {"mode": "KERAS", "eps": 1e-7, "axis": -1, "reduction": "NONE"},
        {"pred": ("f32", p), "target": ("i64", lab), "upstream": ("f32", np.ones(2, np.float32))},
        "f32", loss, g)


def torch_probability(s):
    s.note("")
    s.note("=== PyTorch binary_cross_entropy and nll_loss ===")
    s.note("torch.nn.functional.binary_cross_entropy: each log clamped at -100; its backward is")
    s.note("(p - y) / max(p (1 - p), 1e-12f), which autograd returns (the cases with p = 0 or 1 show it).")
    s.note("Weight of shape (C,) -> class_weights; of the input's shape -> sample_weights.")
    for dtype in ("f32", "f64"):
        for shape, red, wk, pk in [((6, 3), "SUM_OVER_BATCH_SIZE", None, "rand"),
                                   ((6, 3), "SUM", "full", "edges"),
                                   ((6, 3), "NONE", "class", "edges"),
                                   ((2, 3, 4), "SUM_OVER_BATCH_SIZE", "class", "rand"),
                                   ((2, 3, 4), "NONE", "full", "rand")]:
            name = f"torch_bce_{'x'.join(map(str, shape))}_{red.lower()}_{pk}{'_w' + wk if wk else ''}_{dtype}"
            rng = rng_for(name)
            p = probs(pk, shape, rng, dtype)
            y = cast(rng.integers(0, 2, shape) if pk != "rand" else rng.uniform(0, 1, shape), dtype)
            w = None
            if wk == "full":
                w = cast(rng.uniform(0.2, 2.0, shape), dtype)
            elif wk == "class":
                w = cast(rng.uniform(0.2, 2.0, shape[-1:]), dtype)
            up = upstream_for(name, shape, dtype) if red == "NONE" else None
            loss, g = torch_run(lambda t: F.binary_cross_entropy(
                t, T(y), weight=None if w is None else T(w), reduction=TORCH_RED[red]), p, up)
            ins = {"pred": (dtype, p), "target": (dtype, y)}
            if wk == "full":
                ins["sample_weights"] = (dtype, w)
            elif wk == "class":
                ins["class_weights"] = (dtype, w)
            if up is not None:
                ins["upstream"] = (dtype, up)
            add(s, name, "binary_cross_entropy",
                f"torch.nn.functional.binary_cross_entropy(reduction={TORCH_RED[red]!r}) {TV}",
                {"mode": "TORCH", "axis": -1, "reduction": red}, ins, dtype, loss, g)

    s.note("torch.nn.functional.nll_loss(log_probs, target, weight, ignore_index, reduction): MEAN")
    s.note("divides by the summed weights of the counted targets; an all-ignored mean is NaN (empty NAN).")
    for dtype in ("f32", "f64"):
        for shape, red, wk, ignore in [((5, 4), "MEAN", False, None),
                                       ((5, 4), "MEAN", True, -100),
                                       ((5, 4), "SUM", True, 2),
                                       ((5, 4), "NONE", False, -100),
                                       ((2, 3, 2, 2), "MEAN", True, -100),
                                       ((2, 3, 2, 2), "NONE", True, 1)]:
            name = f"torch_nll_{'x'.join(map(str, shape))}_{red.lower()}{'_w' if wk else ''}" \
                   f"{'_ignore' if ignore is not None else ''}_{dtype}"
            rng = rng_for(name)
            C = shape[1]
            x = cast(log_softmax(np.moveaxis(rng.standard_normal(shape) * 2, 1, -1)), dtype)
            x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
            lab = rng.integers(0, C, (shape[0],) + shape[2:])
            if ignore is not None:
                lab.reshape(-1)[::3] = ignore
            w = cast(rng.uniform(0.2, 2.0, C), dtype) if wk else None
            up = upstream_for(name, lab.shape, dtype) if red == "NONE" else None
            loss, g = torch_run(lambda t: F.nll_loss(
                t, torch.from_numpy(lab), weight=None if w is None else T(w),
                ignore_index=-100 if ignore is None else ignore, reduction=TORCH_RED[red]), x, up)
            ins = {"pred": (dtype, x), "target": ("i64", lab)}
            if w is not None:
                ins["class_weights"] = (dtype, w)
            if up is not None:
                ins["upstream"] = (dtype, up)
            params = {"axis": 1, "reduction": red, "empty": "NAN"}
            if ignore is not None:
                params["ignore_index"] = ignore
            add(s, name, "nll_loss",
                f"torch.nn.functional.nll_loss(ignore_index={ignore}, reduction={TORCH_RED[red]!r}) {TV}",
                params, ins, dtype, loss, g)
    # all ignored: mean is NaN, gradient 0
    x = cast(log_softmax(rng_for("nll_all").standard_normal((3, 4))), "f64")
    lab = np.full(3, -100)
    loss, g = torch_run(lambda t: F.nll_loss(t, torch.from_numpy(lab)), x)
    add(s, "torch_nll_all_ignored_f64", "nll_loss",
        f"torch.nn.functional.nll_loss {TV}: every target ignored, mean NaN",
        {"axis": 1, "reduction": "MEAN", "empty": "NAN", "ignore_index": -100},
        {"pred": ("f64", x), "target": ("i64", lab)}, "f64", loss, np.zeros_like(x))
    # label smoothing: cross_entropy on log-probabilities equals smoothed nll (loss only: the
    # peer's gradient goes through its log_softmax)
    x = cast(log_softmax(rng_for("nll_ls").standard_normal((6, 5))), "f64")
    lab = rng_for("nll_ls_lab").integers(0, 5, 6)
    w = cast(rng_for("nll_ls_w").uniform(0.3, 2, 5), "f64")
    loss = F.cross_entropy(T(x), torch.from_numpy(lab), weight=T(w), label_smoothing=0.2).numpy()
    add(s, "torch_nll_smoothing_via_cross_entropy_f64", "nll_loss",
        f"torch.nn.functional.cross_entropy(log_probs, weight, label_smoothing=0.2) {TV} "
        "(log_softmax of log-probabilities is the identity; loss only)",
        {"axis": 1, "reduction": "MEAN", "empty": "NAN", "label_smoothing": 0.2},
        {"pred": ("f64", x), "target": ("i64", lab), "class_weights": ("f64", w)}, "f64", loss, None,
        loss_only=True)


def tf_v1_log_loss(s):
    s.note("")
    s.note("=== tf.compat.v1.losses.log_loss (TF_V1 mode: eps added inside the logs) ===")
    s.note("TensorFlow computes log_loss in float32, so the cases are f32.  p = 1 with y = 1 gives")
    s.note("-log(1 + eps) < 0; p outside [0, 1] gives NaN where a log's argument is negative.")
    for shape, red, wk, eps, pk in [((6, 3), "SUM_BY_NONZERO_WEIGHTS", None, 1e-7, "rand"),
                                    ((6, 3), "NONE", "full", 1e-7, "edges"),
                                    ((6, 3), "SUM", "n1", 1e-4, "rand"),
                                    ((6, 3), "MEAN", "full0", 1e-7, "edges"),
                                    ((6, 3), "SUM_OVER_BATCH_SIZE", "scalar", 1e-7, "rand"),
                                    ((6, 3), "SUM_BY_NONZERO_WEIGHTS", "full0", 1e-3, "rand"),
                                    ((2, 3, 4), "MEAN", "n11", 1e-7, "edges")]:
        name = f"tfv1_log_loss_{'x'.join(map(str, shape))}_{red.lower()}_{pk}_eps{eps:g}{'_w' + wk if wk else ''}_f32"
        rng = rng_for(name)
        p = probs(pk, shape, rng, "f32")
        y = cast(rng.integers(0, 2, shape), "f32")
        w = 1.0
        if wk == "full":
            w = cast(rng.uniform(0.2, 2.0, shape), "f32")
        elif wk == "full0":
            w = cast(rng.uniform(0.2, 2.0, shape) * (rng.random(shape) > 0.3), "f32")
        elif wk == "n1":
            w = cast(rng.uniform(0.2, 2.0, (shape[0], 1)), "f32")
        elif wk == "n11":
            w = cast(rng.uniform(0.2, 2.0, (shape[0], 1, 1)), "f32")
        elif wk == "scalar":
            w = cast(np.array(1.5), "f32")
        up = upstream_for(name, shape, "f32") if red == "NONE" else None
        loss, g = tf_run(lambda v: V1.log_loss(y, v, weights=w, epsilon=eps, reduction=V1_RED[red]), p, up)
        ins = {"pred": ("f32", p), "target": ("f32", y)}
        if wk:
            ins["sample_weights"] = ("f32", np.asarray(w))
        if up is not None:
            ins["upstream"] = ("f32", up)
        add(s, name, "binary_cross_entropy",
            f"tf.compat.v1.losses.log_loss(epsilon={eps}, reduction={V1_RED[red]!r}) {TFV}",
            {"mode": "TF_V1", "eps": eps, "axis": -1, "reduction": red}, ins, "f32", loss, g)


# ---------------------------------------------------------------------------
# Focal
# ---------------------------------------------------------------------------

def focal(s):
    s.note("")
    s.note("=== Keras binary and categorical focal cross-entropy ===")
    s.note("Inputs avoid p_t = 1 exactly with gamma < 1, where TensorFlow's gradient is NaN (xent")
    s.note("returns the limit).")
    y = np.array([[0, 1], [0, 0]], np.float32)
    p = np.array([[0.6, 0.4], [0.4, 0.6]], np.float32)
    up = np.ones(2, np.float32)
    loss, g = tf_run(lambda v: keras.losses.BinaryFocalCrossentropy(gamma=2, reduction=None)(y, v), p, up)
    add(s, "keras_bfocal_doc_example_f32", "binary_focal",
        f"keras.losses.BinaryFocalCrossentropy(gamma=2, reduction=None) {KV} (documented [0.330, 0.206])",
        {"gamma": 2.0, "alpha": 0.25, "eps": 1e-7, "axis": -1, "reduction": "NONE",
         "flags": "MEAN_OVER_CLASSES"},
        {"pred": ("f32", p), "target": ("f32", y), "upstream": ("f32", up)}, "f32", loss, g)
    configs = [((6, 3), 2.0, 0.25, 0, 0, 0.0, "SUM_OVER_BATCH_SIZE", "rand"),
               ((6, 3), 2.0, 0.25, 1, 0, 0.0, "SUM", "edges"),
               ((6, 3), 1.5, 0.6, 1, 1, 0.1, "NONE", "rand"),
               ((6, 3), 0.0, 0.25, 0, 1, 0.0, "SUM_OVER_BATCH_SIZE", "rand"),
               ((2, 3, 4), 3.0, 0.4, 1, 0, 0.2, "NONE", "rand"),
               ((2, 3, 4), 2.0, 0.25, 0, 1, 0.0, "SUM", "big")]
    for dtype in ("f32", "f64"):
        for shape, gamma, alpha, bal, logits, a, red, kind in configs:
            name = f"keras_bfocal_{'x'.join(map(str, shape))}_g{gamma:g}_a{alpha:g}{'_bal' if bal else ''}" \
                   f"{'_logits' if logits else ''}{'_ls' if a else ''}_{red.lower()}_{kind}_{dtype}"
            rng = rng_for(name)
            if logits:
                x = rng.standard_normal(shape) * (12 if kind == "big" else 3)
                x = cast(x, dtype)
            else:
                x = probs(kind, shape, rng, dtype)
            y = cast(rng.integers(0, 2, shape), dtype)
            pos = shape[:-1]
            up = upstream_for(name, pos, dtype) if red == "NONE" else None
            lossfn = keras.losses.BinaryFocalCrossentropy(
                apply_class_balancing=bool(bal), alpha=alpha, gamma=gamma, from_logits=bool(logits),
                label_smoothing=a, dtype=keras_dtype(dtype), **keras_reduce_kw(red))
            loss, g = tf_run(lambda v: lossfn(y, v), x, up)
            ins = {"pred": (dtype, x), "target": (dtype, y)}
            if up is not None:
                ins["upstream"] = (dtype, up)
            params = {"gamma": gamma, "alpha": alpha, "apply_class_balancing": bal, "from_logits": logits,
                      "eps": 1e-7, "axis": -1, "reduction": red, "flags": "MEAN_OVER_CLASSES"}
            if a:
                params["label_smoothing"] = a
            add(s, name, "binary_focal",
                f"keras.losses.BinaryFocalCrossentropy(apply_class_balancing={bool(bal)}, alpha={alpha}, "
                f"gamma={gamma}, from_logits={bool(logits)}, label_smoothing={a}) {KV}",
                params, ins, dtype, loss, g)

    yt = np.array([[0, 1, 0], [0, 0, 1]], np.float32)
    yp = np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]], np.float32)
    loss, g = tf_run(lambda v: keras.losses.CategoricalFocalCrossentropy(reduction=None)(yt, v), yp,
                     np.ones(2, np.float32))
    add(s, "keras_cfocal_doc_example_f32", "categorical_focal",
        f"keras.losses.CategoricalFocalCrossentropy(reduction=None) {KV} "
        "(documented [3.2058331e-05, 4.6627346e-01])",
        {"gamma": 2.0, "alpha": 0.25, "eps": 1e-7, "axis": -1, "reduction": "NONE"},
        {"pred": ("f32", yp), "target": ("f32", yt), "upstream": ("f32", np.ones(2, np.float32))},
        "f32", loss, g)
    cconfigs = [((5, 4), -1, 2.0, 0.25, False, 0, 0.0, "SUM_OVER_BATCH_SIZE", "unnorm"),
                ((5, 4), -1, 2.0, None, True, 0, 0.1, "SUM", "norm"),
                ((5, 4), -1, 0.5, 0.5, False, 1, 0.0, "NONE", "logits"),
                ((2, 4, 3), 1, 2.0, 0.25, False, 0, 0.0, "NONE", "unnorm"),
                ((2, 3, 4), -1, 3.0, None, True, 1, 0.2, "SUM_OVER_BATCH_SIZE", "logits")]
    for dtype in ("f32", "f64"):
        for shape, axis, gamma, alpha, alist, logits, a, red, kind in cconfigs:
            name = f"keras_cfocal_{'x'.join(map(str, shape))}_ax{axis % len(shape)}_g{gamma:g}" \
                   f"{'_alist' if alist else ''}{'_logits' if logits else ''}{'_ls' if a else ''}_{red.lower()}_{dtype}"
            rng = rng_for(name)
            ax = axis % len(shape)
            C = shape[ax]
            if logits:
                x = cast(rng.standard_normal(shape) * 3, dtype)
            else:
                pm = rng.uniform(0.01, 1.0, shape)
                if kind == "norm":
                    pm = pm / pm.sum(axis=ax, keepdims=True)
                x = cast(pm, dtype)
            lab = rng.integers(0, C, tuple(d for i, d in enumerate(shape) if i != ax))
            y = cast(np.moveaxis(np.eye(C)[lab], -1, ax), dtype)
            # float32 values: Keras turns a list alpha into a float32 tensor
            alist_v = cast(cast(rng.uniform(0.1, 1.0, C), "f32"), dtype) if alist else None
            keras_alpha = [float(v) for v in alist_v] if alist else alpha
            up = upstream_for(name, lab.shape, dtype) if red == "NONE" else None
            lossfn = keras.losses.CategoricalFocalCrossentropy(
                alpha=keras_alpha, gamma=gamma, from_logits=bool(logits), label_smoothing=a, axis=axis,
                dtype=keras_dtype(dtype), **keras_reduce_kw(red))
            loss, g = tf_run(lambda v: lossfn(y, v), x, up)
            ins = {"pred": (dtype, x), "target": (dtype, y)}
            if alist:
                ins["class_weights"] = (dtype, alist_v)
            if up is not None:
                ins["upstream"] = (dtype, up)
            params = {"gamma": gamma, "alpha": 1.0 if alist else alpha, "from_logits": logits, "eps": 1e-7,
                      "axis": axis, "reduction": red}
            if a:
                params["label_smoothing"] = a
            add(s, name, "categorical_focal",
                f"keras.losses.CategoricalFocalCrossentropy(alpha={'list' if alist else alpha}, gamma={gamma}, "
                f"from_logits={bool(logits)}, label_smoothing={a}, axis={axis}) {KV}",
                params, ins, dtype, loss, g)


# ---------------------------------------------------------------------------
# Regression
# ---------------------------------------------------------------------------

def regression(s):
    s.note("")
    s.note("=== Regression: Keras (mean over the last axis, then the reduction), PyTorch (per element),")
    s.note("tf.compat.v1.losses (per element, weights, float32) ===")
    y = np.array([[0, 1], [0, 0]], np.float32)
    p = np.array([[0.6, 0.4], [0.4, 0.6]], np.float32)
    loss, g = tf_run(lambda v: keras.losses.Huber()(y, v), p)
    assert abs(float(loss) - 0.155) < 1e-3
    add(s, "keras_huber_doc_example_f32", "huber", f"keras.losses.Huber() {KV} (documented 0.155)",
        {"delta": 1.0, "axis": -1, "reduction": "SUM_OVER_BATCH_SIZE", "flags": "MEAN_OVER_CLASSES"},
        {"pred": ("f32", p), "target": ("f32", y)}, "f32", loss, g)
    kinds = {"mse": (keras.losses.MeanSquaredError, F.mse_loss, V1.mean_squared_error),
             "mae": (keras.losses.MeanAbsoluteError, F.l1_loss, V1.absolute_difference),
             "huber": (keras.losses.Huber, F.huber_loss, V1.huber_loss)}
    for op, (kcls, tfn, v1fn) in kinds.items():
        for dtype in ("f32", "f64"):
            for shape, red, swk, delta in [((5, 3), "SUM_OVER_BATCH_SIZE", None, 1.0),
                                           ((5, 3), "SUM", "pos", 0.5),
                                           ((2, 3, 4), "NONE", None, 2.0),
                                           ((2, 3, 4), "MEAN", "full", 1.0)]:
                name = f"keras_{op}_{'x'.join(map(str, shape))}_{red.lower()}{'_sw' if swk else ''}" \
                       f"{f'_d{delta:g}' if op == 'huber' else ''}_{dtype}"
                rng = rng_for(name)
                x = cast(rng.standard_normal(shape) * 2, dtype)
                t = cast(rng.standard_normal(shape) * 2, dtype)
                x.reshape(-1)[0] = t.reshape(-1)[0]  # e = 0: MAE's gradient is 0 there
                pos = shape[:-1]
                sw = cast(rng.uniform(0.2, 2.0, pos), dtype) if swk else None
                up = upstream_for(name, pos, dtype) if red == "NONE" else None
                kw = {"delta": delta} if op == "huber" else {}
                lossfn = kcls(dtype=keras_dtype(dtype), **kw, **keras_reduce_kw(red))
                loss, g = tf_run(lambda v: lossfn(t, v, sample_weight=sw), x, up)
                ins = {"pred": (dtype, x), "target": (dtype, t)}
                if sw is not None:
                    ins["sample_weights"] = (dtype, sw)
                if up is not None:
                    ins["upstream"] = (dtype, up)
                params = {"axis": -1, "reduction": red, "flags": "MEAN_OVER_CLASSES"}
                if op == "huber":
                    params["delta"] = delta
                add(s, name, op, f"keras.losses.{kcls.__name__}({kw or ''}reduction={KERAS_RED[red]!r}) {KV}",
                    params, ins, dtype, loss, g)
            for shape, red, delta in [((5, 3), "SUM_OVER_BATCH_SIZE", 1.0), ((5, 3), "SUM", 0.5),
                                      ((2, 3, 4), "NONE", 1.5)]:
                name = f"torch_{op}_{'x'.join(map(str, shape))}_{red.lower()}" \
                       f"{f'_d{delta:g}' if op == 'huber' else ''}_{dtype}"
                rng = rng_for(name)
                x = cast(rng.standard_normal(shape) * 2, dtype)
                t = cast(rng.standard_normal(shape) * 2, dtype)
                x.reshape(-1)[1] = t.reshape(-1)[1]
                up = upstream_for(name, shape, dtype) if red == "NONE" else None
                kw = {"delta": delta} if op == "huber" else {}
                loss, g = torch_run(lambda v: tfn(v, T(t), reduction=TORCH_RED[red], **kw), x, up)
                ins = {"pred": (dtype, x), "target": (dtype, t)}
                if up is not None:
                    ins["upstream"] = (dtype, up)
                params = {"axis": -1, "reduction": red}
                if op == "huber":
                    params["delta"] = delta
                add(s, name, op, f"torch.nn.functional.{tfn.__name__}(reduction={TORCH_RED[red]!r}{', delta=' + str(delta) if kw else ''}) {TV}",
                    params, ins, dtype, loss, g)
        for shape, red, wk, delta in [((5, 3), "SUM_BY_NONZERO_WEIGHTS", "full0", 1.0),
                                      ((5, 3), "MEAN", "n1", 0.7),
                                      ((2, 3, 4), "NONE", None, 1.0),
                                      ((2, 3, 4), "SUM_OVER_BATCH_SIZE", "scalar", 1.0)]:
            name = f"tfv1_{op}_{'x'.join(map(str, shape))}_{red.lower()}{'_w' + wk if wk else ''}" \
                   f"{f'_d{delta:g}' if op == 'huber' else ''}_f32"
            rng = rng_for(name)
            x = cast(rng.standard_normal(shape) * 2, "f32")
            t = cast(rng.standard_normal(shape) * 2, "f32")
            w = 1.0
            if wk == "full0":
                w = cast(rng.uniform(0.2, 2.0, shape) * (rng.random(shape) > 0.3), "f32")
            elif wk == "n1":
                w = cast(rng.uniform(0.2, 2.0, (shape[0], 1)), "f32")
            elif wk == "scalar":
                w = cast(np.array(0.75), "f32")
            up = upstream_for(name, shape, "f32") if red == "NONE" else None
            kw = {"delta": delta} if op == "huber" else {}
            loss, g = tf_run(lambda v: v1fn(t, v, weights=w, reduction=V1_RED[red], **kw), x, up)
            ins = {"pred": ("f32", x), "target": ("f32", t)}
            if wk:
                ins["sample_weights"] = ("f32", np.asarray(w))
            if up is not None:
                ins["upstream"] = ("f32", up)
            params = {"axis": -1, "reduction": red}
            if op == "huber":
                params["delta"] = delta
            add(s, name, op, f"tf.compat.v1.losses.{v1fn.__name__}(reduction={V1_RED[red]!r}) {TFV}",
                params, ins, "f32", loss, g)


def mpse(s):
    s.note("")
    s.note("=== tf.compat.v1.losses.mean_pairwise_squared_error (reduction SUM: the sum over the batch) ===")
    s.note("Run inside tf.function (graph mode: the documented per-sample count), except the cases")
    s.note("named *_eager, run eagerly with a scalar weight: TensorFlow then counts n over the whole batch")
    s.note("(param flags MPSE_TF_EAGER_COUNT reproduces it).  float32 (TensorFlow casts to float32).")
    for shape, wk, eager in [((2, 3), None, False), ((2, 3), None, True), ((3, 2, 4), "n1", False),
                             ((3, 2, 4), "full", False), ((4, 1), None, False), ((1, 5), "scalar", False),
                             ((3, 5), "n10", False), ((3, 2, 4), "scalar", True), ((2, 6), "row0", False)]:
        name = f"tfv1_mpse_{'x'.join(map(str, shape))}{'_w' + wk if wk else ''}{'_eager' if eager else ''}_f32"
        rng = rng_for(name)
        x = cast(rng.standard_normal(shape) * 2 + 3, "f32")
        t = cast(rng.standard_normal(shape) * 2, "f32")
        w = 1.0
        wshape1 = (shape[0],) + (1,) * (len(shape) - 1)
        if wk == "n1":
            w = cast(rng.uniform(0.2, 2.0, wshape1), "f32")
        elif wk == "n10":
            w = cast(rng.uniform(0.2, 2.0, wshape1), "f32")
            w[1] = 0.0
        elif wk == "full":
            w = cast(rng.uniform(0.2, 2.0, shape) * (rng.random(shape) > 0.25), "f32")
        elif wk == "scalar":
            w = cast(np.array(1.25), "f32")
        elif wk == "row0":
            w = cast(np.concatenate([np.zeros((1,) + shape[1:]), rng.uniform(0.5, 1, (1,) + shape[1:])]), "f32")
        fn = (lambda v: V1.mean_pairwise_squared_error(t, v, weights=w))
        if eager:
            loss, g = tf_run(fn, x)
        else:
            v = tf.Variable(x)

            @tf.function
            def run():
                with tf.GradientTape() as tape:
                    loss_ = fn(v)
                return loss_, tape.gradient(loss_, v)
            loss, g = (a.numpy() for a in run())
        ins = {"pred": ("f32", x), "target": ("f32", t)}
        if wk:
            ins["sample_weights"] = ("f32", np.asarray(w))
        params = {"reduction": "SUM"}
        if eager:
            params["flags"] = "MPSE_TF_EAGER_COUNT"
        add(s, name, "mpse",
            f"tf.compat.v1.losses.mean_pairwise_squared_error {TFV} ({'eager' if eager else 'tf.function'})",
            params, ins, "f32", loss, g)
    # the example: eager and graph disagree
    lab = np.arange(6, dtype=np.float32).reshape(2, 3)
    pr = np.array([[0.5, 1.7, 2.1], [3.3, 3.9, 5.6]], np.float32)
    for eager in (False, True):
        fn = (lambda v: V1.mean_pairwise_squared_error(lab, v))
        if eager:
            loss, g = tf_run(fn, pr)
        else:
            v = tf.Variable(pr)

            @tf.function
            def run2():
                with tf.GradientTape() as tape:
                    loss_ = fn(v)
                return loss_, tape.gradient(loss_, v)
            loss, g = (a.numpy() for a in run2())
        add(s, f"tfv1_mpse_example_{'eager' if eager else 'graph'}_f32", "mpse",
            f"tf.compat.v1.losses.mean_pairwise_squared_error {TFV} ({'eager: 0.32866663' if eager else 'tf.function: 0.43333334'})",
            {"reduction": "SUM", **({"flags": "MPSE_TF_EAGER_COUNT"} if eager else {})},
            {"pred": ("f32", pr), "target": ("f32", lab)}, "f32", loss, g)


# ---------------------------------------------------------------------------
# Segmentation
# ---------------------------------------------------------------------------

def segmentation(s):
    s.note("")
    s.note("=== Dice and Tversky: keras.losses.Dice / Tversky (eps 1e-7, smooth 0; Keras's Tversky alpha")
    s.note("weighs sum(y_true (1 - y_pred)): params alpha and beta are swapped) and optax.losses.dice_loss")
    s.note("(smooth, class weights, ignore_background, softmax or sigmoid first; gradients by jax.grad of")
    s.note("the mean of optax's per-sample output, i.e. reduction SUM_OVER_BATCH_SIZE over the groups).")
    s.note("Cases named *_cfirst hold the same maps transposed to channels-first (axis 1).")
    yt = np.array([[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]], np.float32)
    yp = np.array([[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]], np.float32)
    for axis in ((1, 2, 3), None):
        red = "NONE" if axis else "SUM_OVER_BATCH_SIZE"
        up = np.ones(2, np.float32) if axis else None
        loss, g = tf_run(lambda v: keras.losses.Dice(axis=axis, reduction=None if axis else "sum_over_batch_size")(yt, v),
                         yp, up)
        ins = {"pred": ("f32", yp), "target": ("f32", yt)}
        if up is not None:
            ins["upstream"] = ("f32", up)
        add(s, f"keras_dice_doc_example_{'axis123' if axis else 'all'}_f32", "dice",
            f"keras.losses.Dice(axis={axis}) {KV} (documented {'[0.5, 0.75757575]' if axis else '0.6164384'})",
            {"alpha": 0.5, "beta": 0.5, "smooth": 0.0, "eps": 1e-7, "sum_axes": bits(axis),
             "activation": "NONE", "axis": -1, "reduction": red}, ins, "f32", loss, g)
    for dtype in ("f32", "f64"):
        for op, shape, axis, red, ab, swk in [("dice", (2, 4, 4, 3), None, "SUM_OVER_BATCH_SIZE", None, None),
                                              ("dice", (2, 4, 4, 3), (1, 2, 3), "NONE", None, None),
                                              ("dice", (2, 4, 4, 3), (1, 2), "SUM_OVER_BATCH_SIZE", None, None),
                                              ("dice", (3, 5, 2), (1,), "SUM", None, "w"),
                                              ("tversky", (2, 4, 4, 3), None, "SUM_OVER_BATCH_SIZE", (0.3, 0.7), None),
                                              ("tversky", (2, 4, 4, 3), (1, 2, 3), "NONE", (0.7, 0.3), None),
                                              ("tversky", (3, 5, 2), (1,), "MEAN", (0.2, 0.9), "w")]:
            name = f"keras_{op}_{'x'.join(map(str, shape))}_{bits(axis).replace(',', '')}_{red.lower()}" \
                   f"{f'_a{ab[0]:g}b{ab[1]:g}' if ab else ''}{'_sw' if swk else ''}_{dtype}"
            rng = rng_for(name)
            p = cast(rng.uniform(0, 1, shape), dtype)
            y = cast(rng.random(shape) > 0.6, dtype)
            gshape = tuple(d for i, d in enumerate(shape) if axis is not None and i not in axis)
            # full group-shaped weights: Keras broadcasts from the right and its
            # mean_with_sample_weight divides by the sum of the weights as given
            sw = cast(rng.uniform(0.2, 2.0, gshape), dtype) if swk else None
            up = upstream_for(name, gshape, dtype) if red == "NONE" else None
            if op == "dice":
                lossfn = keras.losses.Dice(axis=axis, dtype=keras_dtype(dtype), **keras_reduce_kw(red))
            else:
                lossfn = keras.losses.Tversky(alpha=ab[0], beta=ab[1], axis=axis, dtype=keras_dtype(dtype),
                                              **keras_reduce_kw(red))
            loss, g = tf_run(lambda v: lossfn(y, v, sample_weight=sw), p, up)
            ins = {"pred": (dtype, p), "target": (dtype, y)}
            if sw is not None:
                ins["sample_weights"] = (dtype, sw)
            if up is not None:
                ins["upstream"] = (dtype, up)
            params = {"alpha": ab[1] if ab else 0.5, "beta": ab[0] if ab else 0.5, "smooth": 0.0, "eps": 1e-7,
                      "sum_axes": bits(axis), "activation": "NONE", "axis": -1, "reduction": red}
            add(s, name, op,
                f"keras.losses.{'Dice' if op == 'dice' else 'Tversky'}({f'alpha={ab[0]}, beta={ab[1]}, ' if ab else ''}"
                f"axis={axis}, reduction={KERAS_RED[red]!r}) {KV}", params, ins, dtype, loss, g)

    # optax
    for dtype in ("f32", "f64"):
        for shape, alpha, beta, smooth, cw, ignore, softmax, ored in [
                ((2, 4, 4, 3), 0.5, 0.5, 1.0, False, False, True, "mean"),
                ((2, 4, 4, 3), 0.3, 0.7, 1.0, True, True, True, "mean"),
                ((2, 4, 4, 3), 0.5, 0.5, 0.1, False, True, True, "none"),
                ((2, 5, 3), 0.6, 0.4, 1.0, True, False, False, "mean"),
                ((3, 4, 4, 1), 0.5, 0.5, 1.0, False, False, True, "mean"),
                ((2, 3, 4, 2), 0.5, 0.5, 0.5, False, False, True, "sum")]:
            base = f"optax_dice_{'x'.join(map(str, shape))}_a{alpha:g}b{beta:g}_s{smooth:g}" \
                   f"{'_cw' if cw else ''}{'_nobg' if ignore else ''}{'' if softmax else '_probs'}_{ored}_{dtype}"
            rng = rng_for(base)
            C = shape[-1]
            if softmax:
                x = cast(rng.standard_normal(shape) * 2, dtype)
            else:
                x = cast(np.exp(log_softmax(rng.standard_normal(shape))), dtype)
            lab = rng.integers(0, C, shape[:-1]) if C > 1 else None
            y = cast(np.eye(C)[lab] if C > 1 else (rng.random(shape) > 0.5), dtype)
            cwv = cast(rng.uniform(0.3, 2.0, C), dtype) if cw else None
            jx, jy = jnp.asarray(x), jnp.asarray(y)
            kw = dict(alpha=alpha, beta=beta, smooth=smooth, apply_softmax=softmax, ignore_background=ignore,
                      reduction=ored, class_weights=None if cwv is None else jnp.asarray(cwv))
            out = np.asarray(optax.losses.dice_loss(jx, jy, **kw))
            spatial = tuple(range(1, len(shape) - 1))
            if ored == "none":
                # per (sample, class); xent keeps class 0 as 0 with ignore_background
                up = upstream_for(base, out.shape, dtype)
                gfun = lambda v: jnp.sum(optax.losses.dice_loss(v, jy, **kw) * jnp.asarray(up))  # noqa: E731
                grad = np.asarray(jax.grad(gfun)(jx))
                loss = out
                if ignore:
                    loss = np.concatenate([np.zeros(out.shape[:-1] + (1,)), out], axis=-1)
                    up = np.concatenate([np.ones(up.shape[:-1] + (1,)), up], axis=-1).astype(up.dtype)
                red = "NONE"
            elif ored == "mean":
                up = None
                loss = np.mean(out)
                grad = np.asarray(jax.grad(lambda v: jnp.mean(optax.losses.dice_loss(v, jy, **kw)))(jx))
                red = "SUM_OVER_BATCH_SIZE"
            else:  # sum over classes, then over the batch
                up = None
                loss = np.sum(out)
                grad = np.asarray(jax.grad(lambda v: jnp.sum(optax.losses.dice_loss(v, jy, **kw)))(jx))
                red = "SUM"
            act = "NONE" if not softmax else ("SIGMOID" if C == 1 else "SOFTMAX")
            params = {"alpha": alpha, "beta": beta, "smooth": smooth, "eps": 0.0, "sum_axes": bits(spatial),
                      "activation": act, "ignore_background": int(ignore), "axis": -1, "reduction": red}
            ins = {"pred": (dtype, x), "target": (dtype, y)}
            if cwv is not None:
                ins["class_weights"] = (dtype, cwv)
            if up is not None:
                ins["upstream"] = (dtype, cast(up, dtype))
            src = (f"optax.losses.dice_loss(alpha={alpha}, beta={beta}, smooth={smooth}, "
                   f"class_weights={'[..]' if cw else None}, apply_softmax={softmax}, ignore_background={ignore}, "
                   f"reduction={ored!r}) {OV}, jax {V['jax']}" + ("" if ored != "mean" else ", then jnp.mean"))
            add(s, base, "tversky", src, params, ins, dtype, cast(loss, dtype), cast(grad, dtype))
            if len(shape) == 4 and ored != "none":
                # the same maps channels-first, axis 1
                xf = np.ascontiguousarray(np.moveaxis(x, -1, 1))
                yf = np.ascontiguousarray(np.moveaxis(y, -1, 1))
                gf = np.ascontiguousarray(np.moveaxis(cast(grad, dtype), -1, 1))
                pf = dict(params, axis=1, sum_axes=bits(tuple(range(2, len(shape)))))
                insf = {"pred": (dtype, xf), "target": (dtype, yf)}
                if cwv is not None:
                    insf["class_weights"] = (dtype, cwv)
                add(s, base.replace(f"_{dtype}", f"_cfirst_{dtype}"), "tversky",
                    src + " on the channels-last maps; inputs here transposed to channels-first",
                    pf, insf, dtype, cast(loss, dtype), gf)


# ---------------------------------------------------------------------------
# KL divergence and distillation
# ---------------------------------------------------------------------------

def distillation(s):
    s.note("")
    s.note("=== keras.losses.KLDivergence; distillation (PyTorch recipe with batchmean, and")
    s.note("keras.distillation.LogitsDistillation with a KLDivergence instance: clipped probabilities) ===")
    for dtype in ("f32", "f64"):
        for shape, red, swk, kind in [((5, 4), "SUM_OVER_BATCH_SIZE", None, "rand"),
                                      ((5, 4), "SUM", "pos", "zeros"),
                                      ((2, 3, 4), "NONE", None, "outside"),
                                      ((2, 3, 4), "MEAN", "pos", "rand")]:
            name = f"keras_kl_{'x'.join(map(str, shape))}_{red.lower()}_{kind}{'_sw' if swk else ''}_{dtype}"
            rng = rng_for(name)
            p = rng.uniform(0.01, 1, shape)
            p = p / p.sum(-1, keepdims=True)
            y = rng.uniform(0.01, 1, shape)
            y = y / y.sum(-1, keepdims=True)
            if kind == "zeros":
                p.reshape(-1)[::5] = 0.0
                y.reshape(-1)[1::4] = 0.0
            elif kind == "outside":
                p.reshape(-1)[::5] = 1.3
                y.reshape(-1)[1::6] = -0.2
            p, y = cast(p, dtype), cast(y, dtype)
            pos = shape[:-1]
            sw = cast(rng.uniform(0.2, 2.0, pos), dtype) if swk else None
            up = upstream_for(name, pos, dtype) if red == "NONE" else None
            lossfn = keras.losses.KLDivergence(dtype=keras_dtype(dtype), **keras_reduce_kw(red))
            loss, g = tf_run(lambda v: lossfn(y, v, sample_weight=sw), p, up)
            ins = {"pred": (dtype, p), "target": (dtype, y)}
            if sw is not None:
                ins["sample_weights"] = (dtype, sw)
            if up is not None:
                ins["upstream"] = (dtype, up)
            add(s, name, "kl_divergence", f"keras.losses.KLDivergence(reduction={KERAS_RED[red]!r}) {KV}",
                {"eps": 1e-7, "axis": -1, "reduction": red}, ins, dtype, loss, g)
    for dtype in ("f32", "f64"):
        for shape, temp in [((6, 5), 1.0), ((6, 5), 2.0), ((4, 10), 4.0)]:
            name = f"torch_distill_{'x'.join(map(str, shape))}_T{temp:g}_{dtype}"
            rng = rng_for(name)
            st = cast(rng.standard_normal(shape) * 3, dtype)
            te = cast(rng.standard_normal(shape) * 3, dtype)
            loss, g = torch_run(lambda v: F.kl_div(F.log_softmax(v / temp, dim=1), F.softmax(T(te) / temp, dim=1),
                                                   reduction="batchmean") * temp ** 2, st)
            add(s, name, "distillation",
                f"torch.nn.functional.kl_div(log_softmax(s/T), softmax(t/T), reduction='batchmean') * T**2 {TV}",
                {"temperature": temp, "eps": 0.0, "axis": -1, "reduction": "SUM_OVER_BATCH_SIZE"},
                {"pred": (dtype, st), "target": (dtype, te)}, dtype, loss, g)
        for shape, temp in [((6, 5), 3.0), ((4, 10), 1.5)]:
            name = f"keras_distill_{'x'.join(map(str, shape))}_T{temp:g}_{dtype}"
            rng = rng_for(name)
            st = cast(rng.standard_normal(shape) * 3, dtype)
            te = cast(rng.standard_normal(shape) * 6, dtype)
            from keras.distillation import LogitsDistillation
            dl = LogitsDistillation(temperature=temp, loss=keras.losses.KLDivergence(dtype=keras_dtype(dtype)))
            loss, g = tf_run(lambda v: dl.compute_loss(tf.constant(te), v), st)
            add(s, name, "distillation",
                f"keras.distillation.LogitsDistillation(temperature={temp}, loss=keras.losses.KLDivergence()) {KV}",
                {"temperature": temp, "eps": 1e-7, "axis": -1, "reduction": "SUM_OVER_BATCH_SIZE"},
                {"pred": (dtype, st), "target": (dtype, te)}, dtype, loss, g)


def main():
    s = Suite("losses",
              "Ops: binary_cross_entropy categorical_cross_entropy sparse_categorical_cross_entropy nll_loss\n"
              "binary_focal categorical_focal mse mae huber mpse dice tversky kl_divergence distillation.\n"
              "Params name the xent options and params fields; inputs pred (the differentiated argument),\n"
              "target, and the option tensors; outputs loss, grad (d loss / d pred) and their absolute\n"
              "error bars loss_tol, grad_tol.  Format: conformance/README.md.",
              generator="generate_losses.py", versions=V)
    keras_probability(s)
    torch_probability(s)
    tf_v1_log_loss(s)
    focal(s)
    regression(s)
    mpse(s)
    segmentation(s)
    distillation(s)
    s.write()


if __name__ == "__main__":
    main()
