"""xent: the classification output layer (softmax, sigmoid, cross-entropy and
the operations beside them), a Python binding over the xent C library.

Native API (the C library's functions, see include/xent.h for the maths):

    softmax, log_softmax, logsumexp, hardmax          along an axis
    softmax_backward, log_softmax_backward, logsumexp_backward
    sigmoid, log_sigmoid, softplus, logit             element-wise
    sigmoid_backward, log_sigmoid_backward, softplus_backward, logit_backward
    argmax, one_hot
    softmax_cross_entropy, sparse_softmax_cross_entropy, sigmoid_cross_entropy

  losses (the xent_ce_options_t fields as keywords, plus each params struct's):
    binary_cross_entropy, categorical_cross_entropy,         on probabilities
    sparse_categorical_cross_entropy, nll_loss
    binary_focal_cross_entropy, categorical_focal_cross_entropy
    mean_squared_error, mean_absolute_error, huber_loss, mean_pairwise_squared_error
    dice_loss, tversky_loss, kl_divergence, distillation_loss

  metrics (one update of a fresh state, then its result):
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy,
    log_loss, binary_log_loss, brier_score, binary_brier_score
    confusion_matrix, multilabel_confusion_matrix, precision_recall_fscore
    roc_auc, average_precision, roc_curve, precision_recall_curve

Arrays in: NumPy arrays, anything with the buffer protocol, anything with
``__dlpack__`` on the CPU (PyTorch, JAX, TensorFlow), read in place, strided
views included. Arrays out: NumPy arrays, or the ``out=`` array you pass.
Errors: ``ValueError`` / ``TypeError`` / ``IndexError`` / ``MemoryError``
carrying the library's detail, e.g. ``labels[17] = 12 is outside [0, 10)``.

Drop-in namespaces with the peers' signatures: ``xent.compat.tf.nn``,
``xent.compat.tf.losses``, ``xent.compat.keras.losses``,
``xent.compat.keras.metrics``, ``xent.compat.torch.nn.functional``,
``xent.compat.sklearn.metrics``. PyTorch autograd integration:
``xent.torch.CrossEntropyLoss`` (imports torch when first used).
"""

try:
    from . import _xent
except ImportError as e:  # pragma: no cover - depends on how it was built
    raise ImportError(
        "xent's C extension (_xent) is not built next to this package. Build the "
        "repository (`make build`) and put build/python on PYTHONPATH "
        "(see python/README.md). Original error: %s" % e
    ) from e

from ._xent import (  # noqa: F401  (re-exported)
    softmax,
    log_softmax,
    logsumexp,
    hardmax,
    softmax_backward,
    log_softmax_backward,
    logsumexp_backward,
    sigmoid,
    log_sigmoid,
    softplus,
    sigmoid_backward,
    log_sigmoid_backward,
    softplus_backward,
    logit,
    logit_backward,
    argmax,
    one_hot,
    softmax_cross_entropy,
    sparse_softmax_cross_entropy,
    sigmoid_cross_entropy,
    binary_cross_entropy,
    categorical_cross_entropy,
    sparse_categorical_cross_entropy,
    nll_loss,
    binary_focal_cross_entropy,
    categorical_focal_cross_entropy,
    mean_squared_error,
    mean_absolute_error,
    huber_loss,
    mean_pairwise_squared_error,
    dice_loss,
    tversky_loss,
    kl_divergence,
    distillation_loss,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    top_k_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    log_loss,
    binary_log_loss,
    brier_score,
    binary_brier_score,
    confusion_matrix,
    multilabel_confusion_matrix,
    precision_recall_fscore,
    roc_auc,
    average_precision,
    roc_curve,
    precision_recall_curve,
    describe,
    REDUCTION_NONE,
    REDUCTION_SUM,
    REDUCTION_MEAN,
    REDUCTION_SUM_OVER_BATCH_SIZE,
    REDUCTION_SUM_BY_NONZERO_WEIGHTS,
    EMPTY_ZERO,
    EMPTY_NAN,
    CE_TF_GRADIENT,
    CE_MEAN_OVER_CLASSES,
    MAX_RANK,
    MPSE_TF_EAGER_COUNT,
    AUC_ONE_VS_ONE,
    AUC_AP_NO_POSITIVES_IS_ZERO,
    AUC_MICRO,
)

__version__ = _xent.version()

__all__ = [
    "softmax", "log_softmax", "logsumexp", "hardmax",
    "softmax_backward", "log_softmax_backward", "logsumexp_backward",
    "sigmoid", "log_sigmoid", "softplus", "logit",
    "sigmoid_backward", "log_sigmoid_backward", "softplus_backward", "logit_backward",
    "argmax", "one_hot",
    "softmax_cross_entropy", "sparse_softmax_cross_entropy", "sigmoid_cross_entropy",
    "binary_cross_entropy", "categorical_cross_entropy", "sparse_categorical_cross_entropy",
    "nll_loss", "binary_focal_cross_entropy", "categorical_focal_cross_entropy",
    "mean_squared_error", "mean_absolute_error", "huber_loss", "mean_pairwise_squared_error",
    "dice_loss", "tversky_loss", "kl_divergence", "distillation_loss",
    "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "log_loss",
    "binary_log_loss", "brier_score", "binary_brier_score", "confusion_matrix",
    "multilabel_confusion_matrix", "precision_recall_fscore", "roc_auc", "average_precision",
    "roc_curve", "precision_recall_curve",
    "describe", "compat", "torch",
]


def __getattr__(name):
    # `xent.compat` and `xent.torch` load on first use, so `import xent` never
    # imports TensorFlow or PyTorch.
    if name in ("compat", "torch"):
        import importlib

        return importlib.import_module("." + name, __name__)
    raise AttributeError("module 'xent' has no attribute %r" % name)
