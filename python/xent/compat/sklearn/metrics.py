"""sklearn.metrics drop-ins. They arrive with xent's metrics (issue 5); each
name is here already and says so."""
from .. import _util

_ISSUE = "issue 5"

roc_auc_score = _util.pending("sklearn.metrics.roc_auc_score", "ROC AUC", _ISSUE)
average_precision_score = _util.pending("sklearn.metrics.average_precision_score",
                                        "average precision", _ISSUE)
log_loss = _util.pending("sklearn.metrics.log_loss", "log loss on probabilities", _ISSUE)
accuracy_score = _util.pending("sklearn.metrics.accuracy_score", "accuracy", _ISSUE)
top_k_accuracy_score = _util.pending("sklearn.metrics.top_k_accuracy_score", "top-k accuracy",
                                     _ISSUE)
brier_score_loss = _util.pending("sklearn.metrics.brier_score_loss", "the Brier score",
                                 _ISSUE)

__all__ = ["roc_auc_score", "average_precision_score", "log_loss", "accuracy_score",
           "top_k_accuracy_score", "brier_score_loss"]
