"""sklearn.metrics drop-ins (scikit-learn 1.9 signatures and defaults).

Labels are handled as scikit-learn handles them (any sortable values; the
classes are the sorted unique values, or `labels=`), mapped to class indices
here; every number is computed by xent's metrics (exact ROC AUC and average
precision with tied scores grouped, compensated sums). Scalars are returned
as Python floats, per-class values as NumPy arrays.

Where xent's documented rules differ from scikit-learn's (docs/compat.md):
- top_k_accuracy_score counts a tie at the k-th place as a hit
  (tf.math.in_top_k's rule); scikit-learn breaks ties by class index (a
  higher index ranks first).
- a 'weighted' ROC AUC or average precision with no positive weight at all is
  NaN (scikit-learn returns 0).
- inputs scikit-learn refuses before computing (non-finite scores, mixed
  label types, shapes) are refused here too, mostly with the same messages;
  infinite scores are accepted (they rank above or below every finite one).
- zero_division='warn' gives 0 like scikit-learn, without the warning.
"""
import warnings

import numpy as np

from .. import _util
from ... import _xent


class UndefinedMetricWarning(UserWarning):
    """Warning used when a metric is undefined (sklearn.exceptions.UndefinedMetricWarning
    is the same kind of warning; scikit-learn is not imported here)."""


# ---- targets: types, labels, encodings -------------------------------------------

def _np(x):
    return np.asarray(_util.as_numpy(x)) if x is not None else None


def _weights(sample_weight, n):
    if sample_weight is None:
        return None
    w = _np(sample_weight).reshape(-1)
    if w.dtype.kind not in "f":
        w = w.astype(np.float64)
    if w.shape[0] != n:
        raise ValueError("Found input variables with inconsistent numbers of samples: "
                         "[%d, %d]" % (n, w.shape[0]))
    return w


def _column(y, name="y"):
    if y.ndim == 1:
        return y
    if y.ndim == 2 and y.shape[1] == 1:
        return y.reshape(-1)
    raise ValueError("%s should be a 1d array, got an array of shape %s instead."
                     % (name, y.shape))


def _is_integral(y):
    if y.dtype.kind in "biu":
        return True
    if y.dtype.kind == "f":
        return bool(np.all(np.isnan(y) | (y == np.trunc(y))))
    return False


def _type_of_target(y):
    """sklearn.utils.multiclass.type_of_target for dense arrays."""
    if y.ndim > 2 or (y.ndim == 2 and y.shape[1] == 0):
        return "unknown"
    if y.ndim == 0:
        return "unknown"
    if y.ndim == 2 and y.shape[1] > 1 and y.dtype.kind in "biuf":
        if y.size and len(np.unique(y)) < 3 and _is_integral(y):
            return "multilabel-indicator"
    suffix = "-multioutput" if y.ndim == 2 and y.shape[1] > 1 else ""
    if y.dtype.kind == "f" and not _is_integral(y):
        return "continuous" + suffix
    if y.dtype.kind == "O":
        return "unknown"
    if len(np.unique(y)) > 2 or suffix:
        return "multiclass" + suffix
    return "binary"


def _unique_labels(*ys):
    kinds = {"str" if y.dtype.kind in "US" else "number" for y in ys if y.size}
    if len(kinds) > 1:
        raise ValueError("Mix of label input types (string and number)")
    return np.unique(np.concatenate([y.reshape(-1) for y in ys]))


def _check_targets(y_true, y_pred):
    """(type, sorted labels, y_true, y_pred) as sklearn's _check_targets."""
    t, p = _np(y_true), _np(y_pred)
    if t.shape[:1] != p.shape[:1]:
        raise ValueError("Found input variables with inconsistent numbers of samples: %s"
                         % ([t.shape[0] if t.ndim else 1, p.shape[0] if p.ndim else 1],))
    if t.ndim == 0 or t.shape[0] == 0:
        raise ValueError("Found empty input array (e.g., `y_true` or `y_pred`) while a "
                         "minimum of 1 sample is required.")
    types = {_type_of_target(t), _type_of_target(p)}
    if types == {"binary", "multiclass"}:
        types = {"multiclass"}
    if len(types) > 1:
        raise ValueError("Classification metrics can't handle a mix of %s and %s targets"
                         % (_type_of_target(t), _type_of_target(p)))
    y_type = types.pop()
    if y_type not in ("binary", "multiclass", "multilabel-indicator"):
        raise ValueError("%s is not supported" % y_type)
    if y_type == "multilabel-indicator":
        if t.shape[1] != p.shape[1]:
            raise ValueError("Multi-label binary indicator input with different numbers of "
                             "labels")
        return y_type, np.arange(t.shape[1]), t, p
    t, p = _column(t, "y_true"), _column(p, "y_pred")
    labels = _unique_labels(t, p)
    if y_type == "binary" and len(labels) > 2:
        y_type = "multiclass"
    return y_type, labels, t, p


def _encode(y, classes):
    """Indices of y's values in the sorted `classes` (-1 where absent)."""
    idx = np.searchsorted(classes, y)
    idx = np.minimum(idx, max(len(classes) - 1, 0))
    found = classes[idx] == y if len(classes) else np.zeros(y.shape, bool)
    return np.where(found, idx, -1).astype(np.int64)


def _index_map(y, order):
    """Indices of y's values in `order` (any order; -1 where absent)."""
    order = np.asarray(order)
    sorter = np.argsort(order, kind="stable")
    pos = _encode(y, order[sorter])
    return np.where(pos >= 0, sorter[np.maximum(pos, 0)], -1).astype(np.int64)


def _pos_label(pos_label, y_true):
    """sklearn's _check_pos_label_consistency."""
    classes = np.unique(y_true)
    if pos_label is None:
        if classes.dtype.kind in "OUS" or not (
                np.array_equal(classes, [0, 1]) or np.array_equal(classes, [-1, 1])
                or np.array_equal(classes, [0]) or np.array_equal(classes, [-1])
                or np.array_equal(classes, [1])):
            raise ValueError(
                "y_true takes value in {%s} and pos_label is not specified: either make "
                "y_true take value in {0, 1} or {-1, 1} or pass pos_label explicitly."
                % ", ".join(repr(c) for c in classes.tolist()))
        pos_label = 1
    return pos_label


def _scores(y_score):
    s = _np(y_score)
    if s.dtype.kind not in "f":
        s = s.astype(np.float64)
    if np.isnan(s).any():
        raise ValueError("Input y_score contains NaN.")
    return s


# ---- accuracy, confusion matrix, precision / recall / F ---------------------------

def accuracy_score(y_true, y_pred, *, normalize=True, sample_weight=None):
    y_type, labels, t, p = _check_targets(y_true, y_pred)
    w = _weights(sample_weight, t.shape[0])
    if y_type == "multilabel-indicator":
        # a sample counts when its whole row matches: compare row ids
        rows = np.concatenate([t, p]).astype(np.float64)
        _, ids = np.unique(rows, axis=0, return_inverse=True)
        ids = ids.reshape(-1)
        t, p = ids[:t.shape[0]], ids[t.shape[0]:]
    else:
        t, p = _encode(t, labels), _encode(p, labels)
    mean, total, _, _ = _xent.accuracy(t, p, sample_weights=w, stats=True)
    return float(mean if normalize else total)


def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None):
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError("The 'normalize' parameter of confusion_matrix must be a str among "
                         "{'true', 'pred', 'all'} or None. Got %r instead." % (normalize,))
    y_type, present, t, p = _check_targets(y_true, y_pred)
    if y_type not in ("binary", "multiclass"):
        raise ValueError("%s is not supported" % y_type)
    w = _weights(sample_weight, t.shape[0])
    if labels is None:
        labels = present
    else:
        labels = _np(labels)
        if labels.size == 0:
            raise ValueError("'labels' should contain at least one label.")
        if not np.isin(t, labels).any():
            raise ValueError("At least one label specified must be in y_true")
    ti, pi = _index_map(t, labels), _index_map(p, labels)
    keep = (ti >= 0) & (pi >= 0)  # entries outside `labels` are not counted
    mask = None if keep.all() else keep.astype(np.uint8)
    cm = _xent.confusion_matrix(np.maximum(ti, 0), np.maximum(pi, 0), len(labels),
                                normalize=normalize, sample_weights=w, mask=mask)
    if normalize is None and (sample_weight is None or _np(sample_weight).dtype.kind in "biu"):
        cm = cm.astype(np.int64)
    if cm.shape == (1, 1):
        warnings.warn("A single label was found in 'y_true' and 'y_pred'. For the confusion "
                      "matrix to have the correct shape, use the 'labels' parameter to pass "
                      "all known labels.", UserWarning, stacklevel=2)
    return cm


_AVERAGES = (None, "micro", "macro", "weighted", "samples")


def _zero_division(zero_division):
    if isinstance(zero_division, str):
        if zero_division != "warn":
            raise ValueError("zero_division must be 'warn', 0.0, 1.0 or np.nan; got %r"
                             % zero_division)
        return 0.0
    if zero_division in (0, 1):
        return float(zero_division)
    if isinstance(zero_division, float) and np.isnan(zero_division):
        return float("nan")
    raise ValueError("zero_division must be 'warn', 0.0, 1.0 or np.nan; got %r"
                     % (zero_division,))


def precision_recall_fscore_support(y_true, y_pred, *, beta=1.0, labels=None, pos_label=1,
                                    average=None, warn_for=("precision", "recall", "f-score"),
                                    sample_weight=None, zero_division="warn"):
    zd = _zero_division(zero_division)
    if average not in _AVERAGES and average != "binary":
        raise ValueError("average has to be one of " + str(_AVERAGES))
    if not beta >= 0:
        raise ValueError("The 'beta' parameter must be a float in the range [0.0, inf]. Got "
                         "%r instead." % (beta,))
    y_type, present, t, p = _check_targets(y_true, y_pred)
    n_samples = t.shape[0]
    w = _weights(sample_weight, n_samples)
    native = dict(beta=float(beta), zero_division=zd, sample_weights=w,
                  average=average)
    if average == "binary":
        if y_type != "binary":
            options = [a for a in _AVERAGES if not (y_type == "multiclass" and a == "samples")]
            raise ValueError("Target is %s but average='binary'. Please choose another "
                             "average setting, one of %r." % (y_type, options))
        if pos_label not in present.tolist() and len(present) >= 2:
            raise ValueError("pos_label=%r is not a valid label. It should be one of %s"
                             % (pos_label, present))
        labels = None
    elif pos_label not in (None, 1):
        warnings.warn("Note that pos_label (set to %r) is ignored when average != 'binary' "
                      "(got %r). You may use labels=[pos_label] to specify a single positive "
                      "class." % (pos_label, average), UserWarning, stacklevel=2)

    if y_type == "multilabel-indicator":
        n = t.shape[1]
        if labels is not None:
            labels = _np(labels).astype(np.int64).reshape(-1)
            if labels.size and labels.max() >= n:
                raise ValueError("All labels must be in [0, n labels) for multilabel "
                                 "targets. Got %d > %d" % (labels.max(), n - 1))
            if labels.size and labels.min() < 0:
                raise ValueError("All labels must be in [0, n labels) for multilabel "
                                 "targets. Got %d < 0" % labels.min())
            if average == "samples":  # over the chosen labels only
                t, p, n, labels = t[:, labels], p[:, labels], labels.size, None
        pr, rc, f, support = _xent.precision_recall_fscore(
            t, p, n, kind="multilabel", labels=None if labels is None else labels.tolist(),
            **native)
    else:
        if average == "samples":
            raise ValueError("Samplewise metrics are not available outside of multilabel "
                             "classification.")
        if average == "binary":
            order = present.tolist()
            if pos_label not in order:
                order = sorted(order + [pos_label])
            order = np.asarray(order)
            native["pos_label"] = int(_index_map(np.asarray([pos_label]), order)[0])
            selected = None
        elif labels is None:
            order, selected = present, None
        else:
            labels = _np(labels).reshape(-1)
            order = np.concatenate([labels, np.setdiff1d(present, labels)])
            selected = list(range(labels.size))
        pr, rc, f, support = _xent.precision_recall_fscore(
            _index_map(t, order), _index_map(p, order), len(order), labels=selected, **native)
    if average is not None:
        return float(pr), float(rc), float(f), None
    if sample_weight is None:
        support = support.astype(np.int64)
    return pr, rc, f, support


def f1_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
             sample_weight=None, zero_division="warn"):
    _, _, f, _ = precision_recall_fscore_support(
        y_true, y_pred, beta=1, labels=labels, pos_label=pos_label, average=average,
        warn_for=("f-score",), sample_weight=sample_weight, zero_division=zero_division)
    return f


# ---- ranking: ROC AUC, average precision, curves, top-k --------------------------

def roc_auc_score(y_true, y_score, *, average="macro", sample_weight=None, max_fpr=None,
                  multi_class="raise", labels=None):
    if average not in _AVERAGES:
        raise ValueError("average has to be one of %s" % (_AVERAGES,))
    if multi_class not in ("raise", "ovr", "ovo"):
        raise ValueError("multi_class must be in ('ovo', 'ovr')")
    if max_fpr is not None and not 0 < max_fpr <= 1:
        raise ValueError("Expected max_fpr in range (0, 1], got: %r" % max_fpr)
    t, s = _np(y_true), _scores(y_score)
    y_type = _type_of_target(t)
    w = _weights(sample_weight, t.shape[0])
    if y_type == "multiclass" or (y_type == "binary" and s.ndim == 2 and s.shape[1] > 2):
        if max_fpr is not None and max_fpr != 1.0:
            raise ValueError("Partial AUC computation not available in multiclass setting, "
                             "'max_fpr' must be set to `None`, received `max_fpr=%r` instead"
                             % max_fpr)
        if multi_class == "raise":
            raise ValueError("multi_class must be in ('ovo', 'ovr')")
        return _multiclass_roc_auc(_column(t, "y_true"), s, labels, multi_class, average, w)
    if y_type == "binary":
        t = _column(t, "y_true")
        classes = np.unique(t)
        y01 = (t == classes[-1]) if len(classes) == 2 else np.zeros(t.shape, bool)
        if len(classes) != 2:
            warnings.warn("Only one class is present in y_true. ROC AUC score is not defined "
                          "in that case.", UndefinedMetricWarning, stacklevel=2)
        return float(_xent.roc_auc(y01.astype(np.uint8), _column(s, "y_score"),
                                   max_fpr=1.0 if max_fpr is None else float(max_fpr),
                                   sample_weights=w))
    if y_type != "multilabel-indicator":
        raise ValueError("%s format is not supported" % y_type)
    if s.shape != t.shape:
        raise ValueError("y_true and y_score have different shapes: %s, %s"
                         % (t.shape, s.shape))
    out = _xent.roc_auc(t.astype(np.uint8), s, task="multilabel", classes=t.shape[1],
                        average=average, max_fpr=1.0 if max_fpr is None else float(max_fpr),
                        sample_weights=w)
    return out if average is None else float(out)


def _multiclass_roc_auc(t, s, labels, multi_class, average, w):
    if s.ndim != 2:
        raise ValueError("`y_score` needs to be of shape `(n_samples, n_classes)`, since "
                         "`y_true` contains multiple classes. Got `y_score.shape=%s`."
                         % (s.shape,))
    if not np.allclose(1, s.sum(axis=1)):
        raise ValueError("Target scores need to be probabilities for multiclass roc_auc, "
                         "i.e. they should sum up to 1.0 over classes")
    options = ("macro", "weighted", None) + (("micro",) if multi_class == "ovr" else ())
    if average not in options:
        raise ValueError("average must be one of %s for multiclass problems"
                         % ((("micro",) if multi_class == "ovr" else ())
                            + ("macro", "weighted", None),))
    if average is None and multi_class == "ovo":
        raise NotImplementedError("average=None is not implemented for multi_class='ovo'.")
    if labels is not None:
        classes = _np(labels).reshape(-1)
        if len(np.unique(classes)) != len(classes):
            raise ValueError("Parameter 'labels' must be unique")
        if not np.array_equal(np.unique(classes), classes):
            raise ValueError("Parameter 'labels' must be ordered")
        if len(classes) != s.shape[1]:
            raise ValueError("Number of given labels, %d, not equal to the number of columns "
                             "in 'y_score', %d" % (len(classes), s.shape[1]))
        if len(np.setdiff1d(t, classes)):
            raise ValueError("'y_true' contains labels not in parameter 'labels'")
    else:
        classes = np.unique(t)
        if len(classes) != s.shape[1]:
            raise ValueError("Number of classes in y_true not equal to the number of columns "
                             "in 'y_score'")
    if multi_class == "ovo" and w is not None:
        raise ValueError("sample_weight is not supported for multiclass one-vs-one ROC AUC, "
                         "'sample_weight' must be None in this case.")
    out = _xent.roc_auc(_encode(t, classes), s, task="multiclass", classes=s.shape[1],
                        average=average, multi_class=multi_class, sample_weights=w)
    return out if average is None else float(out)


def average_precision_score(y_true, y_score, *, average="macro", pos_label=1,
                            sample_weight=None):
    if average not in _AVERAGES:
        raise ValueError("average has to be one of %s" % (_AVERAGES,))
    t, s = _np(y_true), _scores(y_score)
    y_type = _type_of_target(t)
    w = _weights(sample_weight, t.shape[0])
    flags = _xent.AUC_AP_NO_POSITIVES_IS_ZERO  # scikit-learn's value (with a warning)
    if y_type == "binary":
        t = _column(t, "y_true")
        present = np.unique(t)
        if len(present) == 2 and pos_label not in present.tolist():
            raise ValueError("pos_label=%r is not a valid label. It should be one of %s"
                             % (pos_label, present))
        return float(_xent.average_precision((t == pos_label).astype(np.uint8),
                                             _column(s, "y_score"), sample_weights=w,
                                             flags=flags))
    if y_type == "multilabel-indicator":
        if pos_label != 1:
            raise ValueError("Parameter pos_label is fixed to 1 for multilabel-indicator "
                             "y_true. Do not set pos_label or set pos_label to 1.")
        if s.shape != t.shape:
            raise ValueError("y_true and y_score have different shapes")
        out = _xent.average_precision(t.astype(np.uint8), s, task="multilabel",
                                      classes=t.shape[1], average=average, sample_weights=w,
                                      flags=flags)
        return out if average is None else float(out)
    if y_type != "multiclass":
        raise ValueError("%s format is not supported" % y_type)
    if pos_label != 1:
        raise ValueError("Parameter pos_label is fixed to 1 for multiclass y_true. Do not set "
                         "pos_label or set pos_label to 1.")
    t = _column(t, "y_true")
    classes = np.unique(t)
    if s.shape != (t.shape[0], len(classes)):
        raise ValueError("`y_score` needs to be of shape `(n_samples, n_classes)`, since "
                         "`y_true` contains multiple classes. Got `y_score.shape=%s`."
                         % (s.shape,))
    idx = _encode(t, classes)
    if average == "samples":  # per sample over its one-hot row: a multi-label problem
        out = _xent.average_precision(np.eye(len(classes), dtype=np.uint8)[idx], s,
                                      task="multilabel", classes=len(classes),
                                      average="samples", sample_weights=w, flags=flags)
    else:
        out = _xent.average_precision(idx, s, task="multiclass", classes=len(classes),
                                      average=average, sample_weights=w, flags=flags)
    return out if average is None else float(out)


def _binary_curve_inputs(y_true, y_score, pos_label, sample_weight):
    t = _column(_np(y_true), "y_true")
    s = _column(_scores(y_score), "y_score")
    y_type = _type_of_target(t)
    if not (y_type == "binary" or (y_type == "multiclass" and pos_label is not None)):
        raise ValueError("%s format is not supported" % y_type)
    if t.shape[0] != s.shape[0]:
        raise ValueError("Found input variables with inconsistent numbers of samples: [%d, %d]"
                         % (t.shape[0], s.shape[0]))
    pos_label = _pos_label(pos_label, t)
    return (t == pos_label).astype(np.uint8), s, _weights(sample_weight, t.shape[0])


def roc_curve(y_true, y_score, *, pos_label=None, sample_weight=None, drop_intermediate=True):
    y01, s, w = _binary_curve_inputs(y_true, y_score, pos_label, sample_weight)
    fpr, tpr, thresholds = _xent.roc_curve(y01, s, sample_weights=w,
                                           drop_intermediate=bool(drop_intermediate))
    if fpr.size and np.isnan(fpr[-1]):
        warnings.warn("No negative samples in y_true, false positive value should be "
                      "meaningless", UndefinedMetricWarning, stacklevel=2)
    if tpr.size and np.isnan(tpr[-1]):
        warnings.warn("No positive samples in y_true, true positive value should be "
                      "meaningless", UndefinedMetricWarning, stacklevel=2)
    return fpr, tpr, thresholds


def precision_recall_curve(y_true, y_score, *, pos_label=None, sample_weight=None,
                           drop_intermediate=False):
    y01, s, w = _binary_curve_inputs(y_true, y_score, pos_label, sample_weight)
    precision, recall, thresholds = _xent.precision_recall_curve(
        y01, s, sample_weights=w, drop_intermediate=bool(drop_intermediate))
    if not (y01 if w is None else y01 * (w != 0)).any():
        warnings.warn("No positive class found in y_true, recall is set to one for all "
                      "thresholds.", UserWarning, stacklevel=2)
    # thresholds are scores: back in the scores' dtype, exactly
    return precision, recall, thresholds.astype(_np(y_score).dtype, copy=False)


def top_k_accuracy_score(y_true, y_score, *, k=2, normalize=True, sample_weight=None,
                         labels=None):
    t = _column(_np(y_true), "y_true")
    y_type = _type_of_target(t)
    if y_type == "binary" and labels is not None and len(labels) > 2:
        y_type = "multiclass"
    if y_type not in ("binary", "multiclass"):
        raise ValueError("y type must be 'binary' or 'multiclass', got '%s' instead." % y_type)
    s = _scores(y_score)
    if y_type == "binary":
        if s.ndim == 2 and s.shape[1] != 1:
            raise ValueError("`y_true` is binary while y_score is 2d with %d classes. If "
                             "`y_true` does not contain all the labels, `labels` must be "
                             "provided." % s.shape[1])
        s = _column(s, "y_score")
    elif s.ndim != 2:
        raise ValueError("`y_score` needs to be of shape `(n_samples, n_classes)`, since "
                         "`y_true` contains multiple classes. Got `y_score.shape=%s`."
                         % (s.shape,))
    w = _weights(sample_weight, t.shape[0])
    n_score = s.shape[1] if s.ndim == 2 else 2
    if labels is None:
        classes = np.unique(t)
        if len(classes) != n_score:
            raise ValueError("Number of classes in 'y_true' (%d) not equal to the number of "
                             "classes in 'y_score' (%d).You can provide a list of all known "
                             "classes by assigning it to the `labels` parameter."
                             % (len(classes), n_score))
    else:
        labels = _np(labels).reshape(-1)
        classes = np.unique(labels)
        if len(classes) != len(labels):
            raise ValueError("Parameter 'labels' must be unique.")
        if not np.array_equal(classes, labels):
            raise ValueError("Parameter 'labels' must be ordered.")
        if len(classes) != n_score:
            raise ValueError("Number of given labels (%d) not equal to the number of classes "
                             "in 'y_score' (%d)." % (len(classes), n_score))
        if len(np.setdiff1d(t, classes)):
            raise ValueError("'y_true' contains labels not in parameter 'labels'.")
    if k >= len(classes):
        warnings.warn("'k' (%d) greater than or equal to 'n_classes' (%d) will result in a "
                      "perfect score and is therefore meaningless." % (k, len(classes)),
                      UndefinedMetricWarning, stacklevel=2)
    idx = _encode(t, classes)
    if y_type == "binary":
        if k == 1:
            threshold = 0.5 if s.min() >= 0 and s.max() <= 1 else 0.0
            r = _xent.binary_accuracy(idx.astype(np.float64), s, threshold=threshold,
                                      sample_weights=w, stats=True)
        else:  # every sample is a hit
            r = _xent.accuracy(idx, idx, sample_weights=w, stats=True)
    else:
        r = _xent.sparse_top_k_categorical_accuracy(idx, s, k=int(k), sample_weights=w,
                                                    stats=True)
    return float(r[0] if normalize else r[1])


# ---- probabilistic: log loss, Brier score -----------------------------------------

def _probabilities(y_proba):
    p = _np(y_proba)
    if p.dtype not in (np.float64, np.float32, np.float16):
        p = p.astype(np.float64)
    if p.size and np.nanmax(p) > 1:
        raise ValueError("y_prob contains values greater than 1: %s" % np.nanmax(p))
    if p.size and np.nanmin(p) < 0:
        raise ValueError("y_prob contains values lower than 0: %s" % np.nanmin(p))
    return p


def _multiclass_targets(t, labels, n_columns):
    """(class indices, classes) as sklearn's LabelBinarizer fit on labels or y_true."""
    if labels is not None:
        labels = _np(labels).reshape(-1)
        classes = np.unique(labels)
        if not np.array_equal(classes, labels):
            warnings.warn("Labels passed were %s. But this function assumes labels are ordered "
                          "lexicographically. Pass the ordered labels=%s and ensure that the "
                          "columns of y_prob correspond to this ordering."
                          % (labels, classes.tolist()), UserWarning, stacklevel=3)
        if not np.isin(t, classes).all():
            raise ValueError("y_true contains values %s not belonging to the passed labels %s."
                             % (set(np.setdiff1d(t, classes).tolist()), labels))
    else:
        classes = np.unique(t)
    if len(classes) == 1:
        if labels is None:
            raise ValueError("y_true contains only one label (%s). Please provide the list of "
                             "all expected class labels explicitly through the labels "
                             "argument." % classes[0])
        raise ValueError("The labels array needs to contain at least two labels, got %s."
                         % classes)
    if len(classes) != n_columns:
        if labels is None:
            raise ValueError("y_true and y_prob contain different number of classes: %d vs "
                             "%d. Please provide the true labels explicitly through the "
                             "labels argument. Classes found in y_true: %s"
                             % (len(classes), n_columns, classes))
        raise ValueError("The number of classes in labels is different from that in y_prob. "
                         "Classes found in labels: %s" % classes)
    return _encode(t, classes), classes


def log_loss(y_true, y_proba=None, *, normalize=True, sample_weight=None, labels=None,
             y_pred="deprecated"):
    if not (isinstance(y_pred, str) and y_pred == "deprecated"):
        if y_proba is not None:
            raise ValueError("Cannot use both `y_pred` and `y_proba`. `y_pred` is deprecated, "
                             "use `y_proba` instead.")
        warnings.warn("`y_pred` was renamed to `y_proba` in version 1.9 and will be removed "
                      "in 1.11. Use `y_proba` instead.", FutureWarning, stacklevel=2)
        y_proba = y_pred
    p = _probabilities(y_proba)
    t = _np(y_true)
    w = _weights(sample_weight, t.shape[0])
    binary = p.ndim == 1 or (p.ndim == 2 and p.shape[1] == 1)
    if t.ndim == 2 and t.shape[1] > 1:  # multi-label indicator rows: per-class targets
        if binary or p.shape != t.shape:
            raise ValueError("y_true and y_prob contain different number of classes: %d vs "
                             "%d." % (t.shape[1], 2 if binary else p.shape[1]))
        r = _xent.log_loss(t.astype(p.dtype), p, sample_weights=w, stats=True)
        return float(r[0] if normalize else r[1])
    t = _column(t, "y_true")
    idx, classes = _multiclass_targets(t, labels, 2 if binary else p.shape[1])
    if binary:
        r = _xent.binary_log_loss(idx.astype(p.dtype), p.reshape(-1), sample_weights=w,
                                  stats=True)
    else:
        s = p.sum(axis=1)
        if not np.allclose(s, 1, rtol=np.sqrt(np.finfo(p.dtype).eps), atol=0):
            warnings.warn("The y_prob values do not sum to one. Make sure to pass "
                          "probabilities.", UserWarning, stacklevel=2)
        r = _xent.log_loss(idx, p, sample_weights=w, stats=True)
    return float(r[0] if normalize else r[1])


def brier_score_loss(y_true, y_proba, *, sample_weight=None, pos_label=None, labels=None,
                     scale_by_half="auto"):
    if scale_by_half not in ("auto", True, False):
        raise ValueError("scale_by_half must be a bool or 'auto'; got %r" % (scale_by_half,))
    p = _probabilities(y_proba)
    t = _column(_np(y_true), "y_true")
    w = _weights(sample_weight, t.shape[0])
    if p.ndim == 1 or p.shape[1] == 1:
        y_type = _type_of_target(t)
        if y_type != "binary":
            raise ValueError("The type of the target inferred from y_true is %s but should "
                             "be binary according to the shape of y_prob." % y_type)
        try:
            pos = _pos_label(pos_label, t)
        except ValueError:
            classes = np.unique(t)
            if classes.dtype.kind in "OUS":
                raise
            pos = classes[-1]
        # the two-column sum (1 - y - (1 - p))^2 + (y - p)^2, halved by default
        r = _xent.binary_brier_score((t == pos).astype(p.dtype), p.reshape(-1),
                                     sample_weights=w)
        return float(r) * (1.0 if scale_by_half in ("auto", True) else 2.0)
    idx, _ = _multiclass_targets(t, labels, p.shape[1])
    scale = "auto" if scale_by_half == "auto" else ("half" if scale_by_half else "one")
    return float(_xent.brier_score(idx, p, scale=scale, sample_weights=w))


__all__ = [
    "accuracy_score", "confusion_matrix", "precision_recall_fscore_support", "f1_score",
    "roc_auc_score", "average_precision_score", "roc_curve", "precision_recall_curve",
    "top_k_accuracy_score", "log_loss", "brier_score_loss", "UndefinedMetricWarning",
]
