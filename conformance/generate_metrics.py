#!/usr/bin/env python3
"""Generate conformance/data/metrics.txt from the real peer libraries.

Run inside the peer environment:

    tools/peers_env.sh && .peers-venv/bin/python conformance/generate_metrics.py

Every case runs one scikit-learn or Keras metric on listed inputs and records
its result, with the xent options that reproduce the call as `param` lines
(format: conformance/README.md; ops and roles: the "metrics.txt" section
there). The C side is tests/test_metrics_conformance.c.

Inputs are random (normal scores, softmax probabilities) and tie-heavy
(scores drawn from a few values, -0.0 next to +0.0, probability rows drawn
from a small palette), with and without sample weights (some of them zero).

Deterministic: values come from generators seeded by a CRC of the case name,
TensorFlow runs single-threaded without oneDNN, nothing is timestamped.
"""

import os
import sys
import warnings

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["OMP_NUM_THREADS"] = "1"

try:
    import keras
    import numpy as np
    import sklearn
    import tensorflow as tf
    from sklearn import calibration as skcal
    from sklearn import metrics as skm
except ImportError as exc:  # pragma: no cover
    sys.exit(f"generate_metrics.py: {exc}\nRun it in the peer environment: "
             "tools/peers_env.sh && .peers-venv/bin/python conformance/generate_metrics.py")

from cformat import Suite, rng_for  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
warnings.filterwarnings("ignore")  # scikit-learn's UndefinedMetricWarning etc.

SK = f"scikit-learn {sklearn.__version__}"
KR = f"keras {keras.__version__} (tensorflow {tf.__version__})"
VERSIONS = {"scikit-learn": sklearn.__version__, "numpy": np.__version__,
            "keras": keras.__version__, "tensorflow": tf.__version__}

AVG = {None: "none", "binary": "binary", "micro": "micro", "macro": "macro",
       "weighted": "weighted", "samples": "samples"}


def f64(a):
    return np.asarray(a, dtype=np.float64)


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def weights_for(rng, n, zeros=True):
    w = rng.uniform(0.1, 3.0, n)
    if zeros:
        w[rng.random(n) < 0.1] = 0.0
    return w


def int_weights_for(rng, n):
    return rng.integers(0, 5, n).astype(np.float64)


# --------------------------------------------------------------------------
# scikit-learn: ranking (ROC AUC, average precision, curves)
# --------------------------------------------------------------------------

def binary_scores(kind, n, rng):
    y = rng.integers(0, 2, n)
    if kind == "ties":
        s = rng.choice([0.0, 0.25, 0.5, 0.75, 1.0], n)
    elif kind == "signed_zero":
        s = rng.choice([-1.0, -0.0, 0.0, 1.0, 2.0], n)
    elif kind == "f32":
        s = (rng.standard_normal(n) + 0.3 * y).astype(np.float32).astype(np.float64)
    elif kind == "separable":
        s = rng.random(n) + 2.0 * y
    else:
        s = rng.standard_normal(n) + 0.5 * y
    return y, s


def ranking_binary(s):
    for kind in ("random", "ties", "signed_zero", "f32", "separable"):
        for n in (2, 7, 60, 250):
            for weighted in (0, 1, 2):
                name = f"rank_binary_{kind}_n{n}_w{weighted}"
                rng = rng_for(name)
                y, sc = binary_scores(kind, n, rng)
                if n == 2:
                    y = np.array([0, 1])
                w = None
                if weighted == 1:
                    w = weights_for(rng, n)
                elif weighted == 2:
                    w = int_weights_for(rng, n)
                sdt = "f32" if kind == "f32" else "f64"
                ins = [("y_true", "i64", y), ("y_score", sdt, sc)]
                if w is not None:
                    ins.append(("sample_weight", "f64", w))
                outs = [("roc_binary", "f64", f64(skm.roc_auc_score(y, sc, sample_weight=w))),
                        ("ap_binary", "f64", f64(skm.average_precision_score(y, sc, sample_weight=w)))]
                s.add(name, "ranking", f"{SK} roc_auc_score, average_precision_score",
                      [("task", "binary"), ("ap_no_positives_is_zero", 1)], ins, outs)
                outs = []
                if weighted != 1 and n <= 60:  # curves of fractional weights depend on summation order
                    for drop in (0, 1):
                        fpr, tpr, thr = skm.roc_curve(y, sc, sample_weight=w,
                                                      drop_intermediate=bool(drop))
                        p, r, t = skm.precision_recall_curve(y, sc, sample_weight=w,
                                                             drop_intermediate=bool(drop))
                        outs += [(f"rocfpr_d{drop}", "f64", fpr), (f"roctpr_d{drop}", "f64", tpr),
                                 (f"rocthr_d{drop}", "f64", thr), (f"prp_d{drop}", "f64", p),
                                 (f"prr_d{drop}", "f64", r), (f"prthr_d{drop}", "f64", t)]
                    s.add(name + "_curves", "curves", f"{SK} roc_curve, precision_recall_curve "
                          "(drop_intermediate False and True)", [("task", "binary")], ins, outs)
    # partial AUC
    for kind in ("random", "ties"):
        for max_fpr in (0.05, 0.3, 0.8):
            for weighted in (0, 1):
                name = f"rank_binary_maxfpr_{kind}_{max_fpr}_w{weighted}"
                rng = rng_for(name)
                y, sc = binary_scores(kind, 200, rng)
                w = weights_for(rng, 200) if weighted else None
                ins = [("y_true", "i64", y), ("y_score", "f64", sc)]
                if w is not None:
                    ins.append(("sample_weight", "f64", w))
                v = skm.roc_auc_score(y, sc, sample_weight=w, max_fpr=max_fpr)
                s.add(name, "ranking", f"{SK} roc_auc_score(max_fpr={max_fpr})",
                      [("task", "binary"), ("max_fpr", max_fpr)], ins, [("roc_binary", "f64", f64(v))])
    # one class only: ROC AUC is NaN; AP is 0 for scikit-learn (xent: NaN unless asked)
    for cls in (0, 1):
        name = f"rank_binary_single_class_{cls}"
        rng = rng_for(name)
        y = np.full(20, cls)
        sc = rng.standard_normal(20)
        s.add(name, "ranking", f"{SK} roc_auc_score (UndefinedMetricWarning), "
              "average_precision_score", [("task", "binary"), ("ap_no_positives_is_zero", 1)],
              [("y_true", "i64", y), ("y_score", "f64", sc)],
              [("roc_binary", "f64", f64(skm.roc_auc_score(y, sc))),
               ("ap_binary", "f64", f64(skm.average_precision_score(y, sc)))])


PALETTE3 = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [1 / 3, 1 / 3, 1 / 3],
                     [0.5, 0.25, 0.25], [0.25, 0.5, 0.25]])


def multiclass_scores(kind, n, C, rng):
    y = rng.integers(0, C, n)
    y[:C] = np.arange(C)  # every class occurs (scikit-learn needs it)
    if kind == "ties" and C == 3:
        P = PALETTE3[rng.integers(0, len(PALETTE3), n)]
    else:
        z = rng.standard_normal((n, C))
        z[np.arange(n), y] += 0.8
        P = softmax(z)
    return y, P


def ranking_multiclass(s):
    for kind in ("random", "ties"):
        for C in (3, 5):
            if kind == "ties" and C != 3:
                continue
            for weighted in (0, 1):
                name = f"rank_multiclass_{kind}_C{C}_w{weighted}"
                rng = rng_for(name)
                y, P = multiclass_scores(kind, 100, C, rng)
                w = weights_for(rng, 100, zeros=False) if weighted else None
                ins = [("y_true", "i64", y), ("y_score", "f64", P)]
                if w is not None:
                    ins.append(("sample_weight", "f64", w))
                outs = []
                for avg in ("macro", "weighted", "micro", None):
                    outs.append((f"roc_{AVG[avg]}", "f64", f64(skm.roc_auc_score(
                        y, P, sample_weight=w, multi_class="ovr", average=avg))))
                    # AP of the one-vs-rest columns (label_binarize of the classes)
                    outs.append((f"ap_{AVG[avg]}", "f64", f64(skm.average_precision_score(
                        y, P, sample_weight=w, average=avg))))
                if not weighted:  # scikit-learn refuses sample weights for one-vs-one
                    for avg in ("macro", "weighted"):
                        outs.append((f"rocovo_{avg}", "f64", f64(skm.roc_auc_score(
                            y, P, multi_class="ovo", average=avg))))
                s.add(name, "ranking", f"{SK} roc_auc_score(multi_class='ovr'/'ovo'), "
                      "average_precision_score", [("task", "multiclass"), ("classes", C)], ins, outs)


def ranking_multilabel(s):
    for kind in ("random", "ties"):
        for weighted in (0, 1):
            name = f"rank_multilabel_{kind}_w{weighted}"
            rng = rng_for(name)
            n, C = 100, 4
            Y = (rng.random((n, C)) < np.array([0.5, 0.3, 0.1, 0.6])).astype(np.int64)
            Y[0] = [1, 1, 1, 1]
            Y[1] = [0, 0, 0, 0]
            if kind == "ties":
                S = rng.choice([0.0, 0.2, 0.4, 0.6, 0.8, 1.0], (n, C))
            else:
                S = rng.standard_normal((n, C)) + 0.7 * Y
            w = weights_for(rng, n) if weighted else None
            ins = [("y_true", "i64", Y), ("y_score", "f64", S)]
            if w is not None:
                ins.append(("sample_weight", "f64", w))
            outs = []
            for avg in ("macro", "weighted", "micro", "samples", None):
                outs.append((f"roc_{AVG[avg]}", "f64",
                             f64(skm.roc_auc_score(Y, S, sample_weight=w, average=avg))))
                outs.append((f"ap_{AVG[avg]}", "f64",
                             f64(skm.average_precision_score(Y, S, sample_weight=w, average=avg))))
            s.add(name, "ranking", f"{SK} roc_auc_score, average_precision_score",
                  [("task", "multilabel"), ("classes", C), ("ap_no_positives_is_zero", 1)], ins, outs)
            v = skm.roc_auc_score(Y, S, sample_weight=w, average="macro", max_fpr=0.5)
            s.add(f"{name}_maxfpr", "ranking", f"{SK} roc_auc_score(average='macro', max_fpr=0.5)",
                  [("task", "multilabel"), ("classes", C), ("max_fpr", 0.5)], ins,
                  [("roc_macro", "f64", f64(v))])


# --------------------------------------------------------------------------
# scikit-learn: confusion matrices, precision / recall / F
# --------------------------------------------------------------------------

def zd_param(zd):
    return "nan" if isinstance(zd, float) and np.isnan(zd) else str(zd)


def prf_cases(s, name, params, ins, y, p, w, labels, averages, configs, binary_pos=(1,)):
    """One case per average (and pos_label for 'binary')."""
    for avg in averages:
        for pos in (binary_pos if avg == "binary" else (1,)):
            tag = AVG[avg] + (f"_pos{pos}" if avg == "binary" else "")
            s.add(f"{name}_{tag}", "prf", f"{SK} precision_recall_fscore_support(average={avg!r})",
                  params, ins, prf_outputs(y, p, w, labels, [avg], configs, (pos,)))


def prf_outputs(y, p, w, labels, averages, configs, binary_pos=(1,)):
    """One output per (average, beta, zero_division[, pos_label]): the values of
    precision, recall and F-beta concatenated, named <average>_b<beta>_zd<zd>[_pos<k>]."""
    outs = []
    for avg in averages:
        for beta, zd in configs:
            for pos_label in (binary_pos if avg == "binary" else (None,)):
                P, R, F, _ = skm.precision_recall_fscore_support(
                    y, p, beta=beta, labels=labels, average=avg, sample_weight=w,
                    zero_division=zd, pos_label=1 if pos_label is None else pos_label)
                role = f"{AVG[avg]}_b{beta:g}_zd{zd_param(zd)}"
                if pos_label is not None:
                    role += f"_pos{pos_label}"
                outs.append((role, "f64", np.concatenate([np.atleast_1d(f64(P)), np.atleast_1d(f64(R)),
                                                          np.atleast_1d(f64(F))])))
    return outs


PRF_CONFIGS = [(1.0, 0), (1.0, 1), (1.0, float("nan")), (0.5, 0), (2.0, 1), (0.0, 0),
               (float("inf"), 0)]


def prf_multiclass(s):
    for C in (2, 3, 5):
        for kind in ("random", "rare"):
            for weighted in (0, 1):
                name = f"prf_multiclass_C{C}_{kind}_w{weighted}"
                rng = rng_for(name)
                n = 60
                y = rng.integers(0, C, n)
                if kind == "rare":  # the last class is never predicted, class 0 never true
                    y = rng.integers(1, C, n)
                    p = rng.integers(0, C - 1, n)
                else:
                    p = np.where(rng.random(n) < 0.6, y, rng.integers(0, C, n))
                w = weights_for(rng, n) if weighted else None
                ins = [("y_true", "i64", y), ("y_pred", "i64", p)]
                if w is not None:
                    ins.append(("sample_weight", "f64", w))
                labels = list(range(C))
                outs = []
                for norm in (None, "true", "pred", "all"):
                    cm = skm.confusion_matrix(y, p, labels=labels, sample_weight=w, normalize=norm)
                    outs.append((f"cm_{str(norm).lower()}", "f64", f64(cm)))
                outs.append(("mcm", "f64", f64(skm.multilabel_confusion_matrix(
                    y, p, labels=labels, sample_weight=w))))
                outs.append(("support", "f64", f64(skm.precision_recall_fscore_support(
                    y, p, labels=labels, sample_weight=w)[3])))
                s.add(name + "_confusion", "confusion",
                      f"{SK} confusion_matrix, multilabel_confusion_matrix",
                      [("kind", "multiclass"), ("classes", C)], ins, outs)
                averages = [None, "micro", "macro", "weighted"] + (["binary"] if C == 2 else [])
                prf_cases(s, name + "_prf", [("kind", "multiclass"), ("classes", C)], ins,
                          y, p, w, labels, averages, PRF_CONFIGS, binary_pos=(1, 0))
                if C >= 3:  # a subset of labels, in another order
                    sub = [C - 1, 0]
                    s.add(name + "_prf_labels", "prf",
                          f"{SK} precision_recall_fscore_support(labels={sub})",
                          [("kind", "multiclass"), ("classes", C)],
                          ins + [("labels", "i64", np.array(sub))],
                          prf_outputs(y, p, w, sub, [None, "micro", "macro", "weighted"],
                                      [(1.0, 0), (2.0, 1)])[:8])


def prf_multilabel(s):
    for weighted in (0, 1):
        for kind in ("random", "sparse"):
            name = f"prf_multilabel_{kind}_w{weighted}"
            rng = rng_for(name)
            n, C = 60, 4
            rate = 0.5 if kind == "random" else 0.15
            Y = (rng.random((n, C)) < rate).astype(np.int64)
            Pd = np.where(rng.random((n, C)) < 0.7, Y, (rng.random((n, C)) < rate).astype(np.int64))
            Y[0], Pd[0] = 0, 0  # a sample with no labels and no predictions
            Y[1], Pd[1] = 1, 0
            w = weights_for(rng, n) if weighted else None
            ins = [("y_true", "i64", Y), ("y_pred", "i64", Pd)]
            if w is not None:
                ins.append(("sample_weight", "f64", w))
            s.add(name + "_confusion", "confusion", f"{SK} multilabel_confusion_matrix",
                  [("kind", "multilabel"), ("classes", C)], ins,
                  [("mcm", "f64", f64(skm.multilabel_confusion_matrix(Y, Pd, sample_weight=w))),
                   ("support", "f64", f64(skm.precision_recall_fscore_support(
                       Y, Pd, sample_weight=w)[3]))])
            prf_cases(s, name + "_prf", [("kind", "multilabel"), ("classes", C)], ins, Y, Pd, w,
                      None, [None, "micro", "macro", "weighted", "samples"],
                      [(1.0, 0), (1.0, 1), (1.0, float("nan")), (2.0, 0), (0.5, 1)])


# --------------------------------------------------------------------------
# scikit-learn: log loss, Brier score, calibration curve
# --------------------------------------------------------------------------

def probabilistic(s):
    for dt in ("f64", "f32"):
        for kind in ("random", "extreme"):
            for weighted in (0, 1):
                name = f"prob_binary_{dt}_{kind}_w{weighted}"
                rng = rng_for(name)
                n = 100
                y = rng.integers(0, 2, n)
                p = rng.random(n)
                if kind == "extreme":
                    p[rng.random(n) < 0.3] = 0.0
                    p[rng.random(n) < 0.3] = 1.0
                if dt == "f32":
                    p = p.astype(np.float32)
                w = weights_for(rng, n) if weighted else None
                ins = [("y_true", "i64", y), ("y_prob", dt, p)]
                if w is not None:
                    ins.append(("sample_weight", "f64", w))
                outs = [("binary_log_loss", "f64", f64(skm.log_loss(y, p, sample_weight=w,
                                                                     labels=[0, 1]))),
                        ("binary_brier", "f64", f64(skm.brier_score_loss(y, p, sample_weight=w,
                                                                          pos_label=1)))]
                s.add(name, "probabilistic", f"{SK} log_loss (1-D y_proba, {dt}), brier_score_loss",
                      [], ins, outs)
    for C in (2, 3, 6):
        for kind in ("random", "extreme"):
            for weighted in (0, 1):
                name = f"prob_multiclass_C{C}_{kind}_w{weighted}"
                rng = rng_for(name)
                n = 50
                y = rng.integers(0, C, n)
                P = softmax(rng.standard_normal((n, C)) * (6 if kind == "extreme" else 1))
                if kind == "extreme":
                    P[0] = 0.0
                    P[0, (y[0] + 1) % C] = 1.0  # the true class has probability 0
                w = weights_for(rng, n) if weighted else None
                ins = [("y_true", "i64", y), ("y_prob", "f64", P)]
                if w is not None:
                    ins.append(("sample_weight", "f64", w))
                labels = list(range(C))
                outs = [("log_loss", "f64", f64(skm.log_loss(y, P, sample_weight=w, labels=labels))),
                        ("brier_auto", "f64", f64(skm.brier_score_loss(
                            y, P, sample_weight=w, labels=labels))),
                        ("brier_one", "f64", f64(skm.brier_score_loss(
                            y, P, sample_weight=w, labels=labels, scale_by_half=False)))]
                s.add(name, "probabilistic", f"{SK} log_loss, brier_score_loss(scale_by_half="
                      "'auto' and False)", [], ins, outs)
    for strategy in ("uniform", "quantile"):
        for n_bins in (1, 5, 10):
            for kind in ("random", "ties", "skewed"):
                name = f"calibration_{strategy}_b{n_bins}_{kind}"
                rng = rng_for(name)
                n = 200
                if kind == "ties":
                    p = rng.choice([0.0, 0.1, 0.5, 0.7, 0.9, 1.0], n)
                elif kind == "skewed":
                    p = rng.random(n) ** 3
                else:
                    p = rng.random(n)
                y = (rng.random(n) < p).astype(np.int64)
                pt, pp = skcal.calibration_curve(y, p, n_bins=n_bins, strategy=strategy)
                s.add(name, "calibration_curve",
                      f"{SK} calibration_curve(n_bins={n_bins}, strategy={strategy!r})",
                      [("bins", n_bins), ("strategy", strategy)],
                      [("y_true", "i64", y), ("y_prob", "f64", p)],
                      [("prob_true", "f64", f64(pt)), ("prob_pred", "f64", f64(pp))])


# --------------------------------------------------------------------------
# Keras
# --------------------------------------------------------------------------

def keras_result(metric, y_true, y_pred, w=None):
    metric.update_state(y_true, y_pred, sample_weight=w)
    return np.asarray(metric.result(), dtype=np.float64)


def keras_accuracy(s):
    for weighted in (0, 1):
        # Accuracy (equality) and BinaryAccuracy
        name = f"keras_accuracy_w{weighted}"
        rng = rng_for(name)
        yt = rng.integers(0, 4, (50, 1))
        yp = np.where(rng.random((50, 1)) < 0.6, yt, rng.integers(0, 4, (50, 1)))
        w = rng.integers(0, 4, 50).astype(np.float64) if weighted else None
        ins = [("y_true", "i64", yt), ("y_pred", "f32", yp.astype(np.float32))]
        if w is not None:
            ins.append(("sample_weight", "f64", w))
        v = keras_result(keras.metrics.Accuracy(), yt, yp.astype(np.float32), w)
        s.add(name, "keras_accuracy", f"{KR} keras.metrics.Accuracy", [], ins, [("value", "f64", v)])
        for thr in (0.5, 0.7):
            for shape in ((60,), (20, 3)):
                name = f"keras_binary_accuracy_t{thr}_{'x'.join(map(str, shape))}_w{weighted}"
                rng = rng_for(name)
                yt = rng.integers(0, 2, shape)
                yp = rng.choice([0.1, 0.5, 0.69999999, 0.7, 0.71, 0.9, 0.3], shape).astype(np.float32)
                w = weights_for(rng, shape[0]) if weighted else None
                ins = [("y_true", "i64", yt), ("y_pred", "f32", yp)]
                if w is not None:
                    ins.append(("sample_weight", "f64", w))
                v = keras_result(keras.metrics.BinaryAccuracy(threshold=thr), yt, yp, w)
                s.add(name, "keras_binary_accuracy", f"{KR} BinaryAccuracy(threshold={thr})",
                      [("threshold", thr)], ins, [("value", "f64", v)])
    for kind in ("random", "ties"):
        for weighted in (0, 1):
            name = f"keras_categorical_{kind}_w{weighted}"
            rng = rng_for(name)
            n, C = 60, 5
            y = rng.integers(0, C, n)
            if kind == "ties":
                yp = rng.choice([0.0, 0.25, 0.5], (n, C)).astype(np.float32)
            else:
                yp = softmax(rng.standard_normal((n, C))).astype(np.float32)
            onehot = np.eye(C, dtype=np.float32)[y]
            w = weights_for(rng, n) if weighted else None
            wins = [("sample_weight", "f64", w)] if w is not None else []
            outs = [("categorical", "f64", keras_result(keras.metrics.CategoricalAccuracy(),
                                                         onehot, yp, w)),
                    ("sparse_categorical", "f64",
                     keras_result(keras.metrics.SparseCategoricalAccuracy(), y, yp, w))]
            for k in (1, 2, 3):
                outs.append((f"top_k{k}", "f64", keras_result(
                    keras.metrics.TopKCategoricalAccuracy(k=k), onehot, yp, w)))
                outs.append((f"sparse_top_k{k}", "f64", keras_result(
                    keras.metrics.SparseTopKCategoricalAccuracy(k=k), y, yp, w)))
            s.add(name, "keras_categorical", f"{KR} CategoricalAccuracy, SparseCategoricalAccuracy, "
                  "TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy",
                  [], [("y_true", "i64", y), ("y_onehot", "f32", onehot), ("y_pred", "f32", yp)] + wins,
                  outs)


def keras_pr(s):
    configs = [
        ("default", None, None, None),
        ("thr2", [0.3, 0.7], None, None),
        ("even5", [0.0, 0.25, 0.5, 0.75, 1.0], None, None),
        ("topk2", None, 2, None),
        ("topk3_thr", [0.2, 0.4], 3, None),
        ("class1", None, None, 1),
        ("class2_topk2", [0.1, 0.5], 2, 2),
    ]
    for tag, thr, top_k, class_id in configs:
        for kind in ("random", "ties"):
            for weighted in (0, 1):
                name = f"keras_pr_{tag}_{kind}_w{weighted}"
                rng = rng_for(name)
                n, C = 40, 4
                yt = (rng.random((n, C)) < 0.4).astype(np.int64)
                if kind == "ties":
                    yp = rng.choice([0.0, 0.25, 0.5, 0.75, 1.0], (n, C)).astype(np.float32)
                else:
                    yp = rng.random((n, C)).astype(np.float32)
                w = weights_for(rng, n) if weighted else None
                ins = [("y_true", "i64", yt), ("y_pred", "f32", yp)]
                if w is not None:
                    ins.append(("sample_weight", "f64", w))
                params = []
                if thr is not None:
                    ins.append(("thresholds", "f64", np.array(thr)))
                if top_k:
                    params.append(("top_k", top_k))
                if class_id is not None:
                    params.append(("class_id", class_id))
                pm = keras.metrics.Precision(thresholds=thr, top_k=top_k, class_id=class_id)
                rm = keras.metrics.Recall(thresholds=thr, top_k=top_k, class_id=class_id)
                P = np.atleast_1d(keras_result(pm, yt, yp, w))
                R = np.atleast_1d(keras_result(rm, yt, yp, w))
                s.add(name, "keras_precision_recall",
                      f"{KR} Precision/Recall(thresholds={thr}, top_k={top_k}, class_id={class_id})",
                      params, ins, [("precision", "f64", P), ("recall", "f64", R)])


def keras_auc(s):
    configs = [
        ("T3", dict(num_thresholds=3)),
        ("T10", dict(num_thresholds=10)),
        ("T200", dict()),
        ("T200_pr", dict(curve="PR")),
        ("T50_pr_minoring", dict(num_thresholds=50, curve="PR", summation_method="minoring")),
        ("T50_roc_majoring", dict(num_thresholds=50, summation_method="majoring")),
        ("T50_roc_minoring", dict(num_thresholds=50, summation_method="minoring")),
        ("T20_prgain", dict(num_thresholds=20, curve="PRGAIN")),
        ("logits", dict(num_thresholds=100, from_logits=True)),
        ("thr_uneven", dict(thresholds=[0.1, 0.35, 0.5, 0.9])),
        ("thr_even", dict(thresholds=[0.25, 0.5, 0.75])),
        ("thr_uneven_pr", dict(thresholds=[0.2, 0.3, 0.8], curve="PR")),
        ("multilabel", dict(num_thresholds=30, multi_label=True, num_labels=3)),
        ("multilabel_lw", dict(num_thresholds=30, multi_label=True, num_labels=3,
                               label_weights=[0.5, 1.0, 2.0])),
        ("multilabel_pr", dict(num_thresholds=30, multi_label=True, num_labels=3, curve="PR")),
        ("labelw", dict(num_thresholds=30, label_weights=[1.0, 0.0, 3.0])),
    ]
    for tag, kw in configs:
        for kind in ("random", "ties", "grid"):
            for weighted in (0, 1):
                if kind == "grid" and weighted:
                    continue
                name = f"keras_auc_{tag}_{kind}_w{weighted}"
                rng = rng_for(name)
                n = 40
                shape = (n, 3)
                yt = (rng.random(shape) < 0.4).astype(np.int64)
                if kind == "ties":
                    yp = rng.choice([0.0, 0.2, 0.5, 1.0], shape)
                elif kind == "grid":  # scores on the threshold grid itself
                    T = kw.get("num_thresholds", 200)
                    yp = rng.integers(0, T, shape) / (T - 1)
                else:
                    yp = np.clip(rng.random(shape) * 0.8 + 0.35 * yt, 0, 1)
                if kw.get("from_logits"):
                    yp = rng.standard_normal(shape) * 2 + yt
                yp = yp.astype(np.float32)
                w = weights_for(rng, n) if weighted else None
                ins = [("y_true", "i64", yt), ("y_pred", "f32", yp)]
                if w is not None:
                    ins.append(("sample_weight", "f64", w))
                params = [("num_thresholds", kw.get("num_thresholds", 200)),
                          ("curve", kw.get("curve", "ROC")),
                          ("summation", kw.get("summation_method", "interpolation")),
                          ("multi_label", int(kw.get("multi_label", False))),
                          ("from_logits", int(kw.get("from_logits", False)))]
                if "thresholds" in kw:
                    ins.append(("thresholds", "f64", np.array(kw["thresholds"])))
                if "label_weights" in kw:
                    ins.append(("label_weights", "f64", np.array(kw["label_weights"])))
                m = keras.metrics.AUC(**kw)
                v = keras_result(m, yt, yp, w)
                counts = [np.asarray(x.numpy(), dtype=np.float64) for x in
                          (m.true_positives, m.false_positives, m.true_negatives, m.false_negatives)]
                s.add(name, "keras_auc", f"{KR} keras.metrics.AUC({kw})", params, ins,
                      [("auc", "f64", v), ("tp", "f64", counts[0]), ("fp", "f64", counts[1]),
                       ("tn", "f64", counts[2]), ("fn", "f64", counts[3])])
    # Keras's own test vectors (confusion_metrics_test.AUCTest)
    yp = np.array([0, 0.5, 0.3, 0.9], dtype=np.float32)
    yt = np.array([0, 0, 1, 1])
    for summ in ("interpolation", "majoring", "minoring"):
        for curve in ("ROC", "PR"):
            m = keras.metrics.AUC(num_thresholds=3, curve=curve, summation_method=summ)
            v = keras_result(m, yt, yp, np.array([1.0, 2.0, 3.0, 4.0]))
            counts = [np.asarray(x.numpy(), dtype=np.float64) for x in
                      (m.true_positives, m.false_positives, m.true_negatives, m.false_negatives)]
            s.add(f"keras_auc_testvector_{curve}_{summ}", "keras_auc",
                  f"{KR} AUC(num_thresholds=3, curve={curve!r}, summation_method={summ!r}); "
                  "inputs of keras AUCTest", [("num_thresholds", 3), ("curve", curve),
                                              ("summation", summ), ("multi_label", 0),
                                              ("from_logits", 0)],
                  [("y_true", "i64", yt), ("y_pred", "f32", yp),
                   ("sample_weight", "f64", np.array([1.0, 2.0, 3.0, 4.0]))],
                  [("auc", "f64", v), ("tp", "f64", counts[0]), ("fp", "f64", counts[1]),
                   ("tn", "f64", counts[2]), ("fn", "f64", counts[3])])


class MetricsSuite(Suite):
    def add(self, name, op, source, params, ins, outs):
        # tests/conformance_reader.h reads at most 16 tensors and 16 params per case
        assert len(ins) + len(outs) <= 16 and len(params) <= 16, name
        super().add(name, op, source, params, ins, outs)


def main():
    s = MetricsSuite("metrics",
              "Classification metrics: scikit-learn ranking, confusion and probabilistic metrics,\n"
              "Keras accuracy family, Precision/Recall and AUC. Ops and roles: conformance/README.md.",
              generator="generate_metrics.py", versions=VERSIONS)
    ranking_binary(s)
    ranking_multiclass(s)
    ranking_multilabel(s)
    prf_multiclass(s)
    prf_multilabel(s)
    probabilistic(s)
    keras_accuracy(s)
    keras_pr(s)
    keras_auc(s)
    s.write()


if __name__ == "__main__":
    main()
