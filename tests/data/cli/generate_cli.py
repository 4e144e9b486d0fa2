"""Inputs and expected values for tests/test_cli.c, computed independently of
xent with NumPy and scikit-learn.

Run from the repository root with the peers' environment:
    .peers-venv/bin/python tests/data/cli/generate_cli.py
It writes, next to itself, small .npy / CSV inputs and expected.txt, whose
lines are "<case>.<json path> <value>": the value `xent eval --json` must
report at that path for that case (the cases are listed in test_cli.c).
"""
import os

import numpy as np
from sklearn import metrics as M

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240607)
lines = []


def put(key, value):
    lines.append("%s %s" % (key, repr(float(value))))


def calibration(conf, outcome, bins=10):
    """ECE and MCE with equal-width bins, scikit-learn's calibration_curve
    bin assignment (a confidence on an edge goes to the lower bin)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.searchsorted(edges[1:-1], conf, side="left")
    ece, mce, n = 0.0, 0.0, len(conf)
    for b in range(bins):
        m = idx == b
        if not m.any():
            continue
        gap = abs(outcome[m].mean() - conf[m].mean())
        ece += m.sum() / n * gap
        mce = max(mce, gap)
    return ece, mce


def prf(prefix, y_true, y_pred, labels, samples=False):
    p, r, f, s = M.precision_recall_fscore_support(y_true, y_pred, labels=labels,
                                                   average=None, zero_division=0)
    for k in range(len(labels)):
        put("%s.per_class[%d].precision" % (prefix, k), p[k])
        put("%s.per_class[%d].recall" % (prefix, k), r[k])
        put("%s.per_class[%d].f1" % (prefix, k), f[k])
        put("%s.per_class[%d].support" % (prefix, k), s[k])
    for avg in ["micro", "macro", "weighted"] + (["samples"] if samples else []):
        p, r, f, _ = M.precision_recall_fscore_support(y_true, y_pred, labels=labels,
                                                       average=avg, zero_division=0)
        put("%s.averages.%s.precision" % (prefix, avg), p)
        put("%s.averages.%s.recall" % (prefix, avg), r)
        put("%s.averages.%s.f1" % (prefix, avg), f)


# ---- multi-class: f32 logits (200, 4), int64 class indices ----
N, C = 200, 4
y = rng.integers(0, C, N)
x = rng.normal(0.0, 1.5, (N, C)).astype(np.float32)
x[np.arange(N), y] += 1.0
np.save(os.path.join(here, "mc_logits.npy"), x)
np.save(os.path.join(here, "mc_labels.npy"), y.astype(np.int64))
with open(os.path.join(here, "mc_logits.csv"), "w") as f:
    f.write("ant,bee,cat,dog\n")
    for row in x:
        f.write(",".join(repr(float(v)) for v in row) + "\n")
with open(os.path.join(here, "mc_labels.csv"), "w") as f:
    f.write("label\n")
    for v in y:
        f.write("%d\n" % v)
xd = x.astype(np.float64)
m = xd.max(axis=1, keepdims=True)
lse = m[:, 0] + np.log(np.exp(xd - m).sum(axis=1))
p = np.exp(xd - lse[:, None])
onehot = np.eye(C)[y]
put("mc.loss.value", np.mean(lse - xd[np.arange(N), y]))
put("mc.accuracy.value", M.accuracy_score(y, xd.argmax(axis=1)))
put("mc.top_k_accuracy[0].value", M.top_k_accuracy_score(y, p, k=2, labels=range(C)))
prf("mc", y, xd.argmax(axis=1), list(range(C)))
cm = M.confusion_matrix(y, xd.argmax(axis=1), labels=range(C))
for i in range(C):
    for j in range(C):
        put("mc.confusion_matrix[%d][%d]" % (i, j), cm[i, j])
put("mc.roc_auc.macro", M.roc_auc_score(y, p, multi_class="ovr", average="macro"))
put("mc.roc_auc.weighted", M.roc_auc_score(y, p, multi_class="ovr", average="weighted"))
put("mc.roc_auc.micro", M.roc_auc_score(onehot.ravel(), p.ravel()))
per = M.roc_auc_score(onehot, p, average=None)
for k in range(C):
    put("mc.per_class[%d].roc_auc" % k, per[k])
put("mc.average_precision.macro", M.average_precision_score(onehot, p, average="macro"))
put("mc.average_precision.weighted", M.average_precision_score(onehot, p, average="weighted"))
put("mc.average_precision.micro", M.average_precision_score(onehot, p, average="micro"))
put("mc.log_loss", M.log_loss(y, p, labels=range(C)))
put("mc.brier_score", np.mean(np.sum((onehot - p) ** 2, axis=1)))
ece, mce = calibration(p.max(axis=1), (p.argmax(axis=1) == y).astype(float))
put("mc.calibration.ece", ece)
put("mc.calibration.mce", mce)

# ---- binary: f64 scores (300,), int32 0/1 labels ----
N = 300
yb = rng.integers(0, 2, N)
s = rng.normal(0.0, 1.0, N) + 1.1 * (2 * yb - 1)
np.save(os.path.join(here, "bin_scores.npy"), s)
np.save(os.path.join(here, "bin_labels.npy"), yb.astype(np.int32))
pb = 1.0 / (1.0 + np.exp(-s))
pred = (s > 0).astype(int)
put("bin.loss.value", np.mean(np.logaddexp(0.0, s) - yb * s))
put("bin.accuracy.value", M.accuracy_score(yb, pred))
prf("bin", yb, pred, [0, 1])
pp, rr, ff, _ = M.precision_recall_fscore_support(yb, pred, average="binary")
put("bin.positive_class.precision", pp)
put("bin.positive_class.recall", rr)
put("bin.positive_class.f1", ff)
cm = M.confusion_matrix(yb, pred)
for i in range(2):
    for j in range(2):
        put("bin.confusion_matrix[%d][%d]" % (i, j), cm[i, j])
put("bin.roc_auc.value", M.roc_auc_score(yb, s))
put("bin.average_precision.value", M.average_precision_score(yb, s))
put("bin.log_loss", M.log_loss(yb, pb))
put("bin.brier_score", M.brier_score_loss(yb, pb))
ece, mce = calibration(pb, yb.astype(float))
put("bin.calibration.ece", ece)
put("bin.calibration.mce", mce)

# ---- multi-label: f64 sigmoid probabilities (150, 3), uint8 multi-hot ----
N, L = 150, 3
Y = (rng.random((N, L)) < 0.4).astype(np.uint8)
Y[0] = [1, 1, 0]  # at least one row with two labels
P = 1.0 / (1.0 + np.exp(-(rng.normal(0.0, 1.0, (N, L)) + 1.3 * (2.0 * Y - 1.0))))
np.save(os.path.join(here, "ml_probs.npy"), P)
np.save(os.path.join(here, "ml_labels.npy"), Y)
clipped = np.clip(P, 1e-7, 1 - 1e-7)
put("ml.loss.value", np.mean(-(Y * np.log(clipped) + (1 - Y) * np.log(1 - clipped))))
put("ml.accuracy.value", np.mean((P > 0.5) == Y))
prf("ml", Y, (P > 0.5).astype(np.uint8), list(range(L)), samples=True)
mcm = M.multilabel_confusion_matrix(Y, (P > 0.5).astype(np.uint8))
for k in range(L):
    for i in range(2):
        for j in range(2):
            put("ml.multilabel_confusion[%d][%d][%d]" % (k, i, j), mcm[k, i, j])
put("ml.roc_auc.macro", M.roc_auc_score(Y, P, average="macro"))
put("ml.roc_auc.micro", M.roc_auc_score(Y, P, average="micro"))
put("ml.roc_auc.weighted", M.roc_auc_score(Y, P, average="weighted"))
put("ml.average_precision.macro", M.average_precision_score(Y, P, average="macro"))
put("ml.average_precision.micro", M.average_precision_score(Y, P, average="micro"))
put("ml.log_loss", M.log_loss(Y.ravel(), P.ravel()))
put("ml.brier_score", M.brier_score_loss(Y.ravel(), P.ravel()))
ece, mce = calibration(P.ravel(), Y.ravel().astype(float))
put("ml.calibration.ece", ece)
put("ml.calibration.mce", mce)

with open(os.path.join(here, "expected.txt"), "w") as f:
    f.write("# Written by tests/data/cli/generate_cli.py (NumPy %s, scikit-learn %s).\n"
            % (np.__version__, __import__("sklearn").__version__))
    f.write("\n".join(lines) + "\n")
print(len(lines), "expected values")
