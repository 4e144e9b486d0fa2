"""keras.metrics drop-ins (Keras 3). The cross-entropy metric functions are the
loss functions (Keras exports the same objects under both names); the
accuracy metrics arrive with xent's metrics (issue 5)."""
from .. import _util
from .losses import (  # noqa: F401
    binary_crossentropy,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
)

binary_accuracy = _util.pending("keras.metrics.binary_accuracy", "the accuracy metrics",
                                "issue 5")
categorical_accuracy = _util.pending("keras.metrics.categorical_accuracy",
                                     "the accuracy metrics", "issue 5")
sparse_categorical_accuracy = _util.pending("keras.metrics.sparse_categorical_accuracy",
                                            "the accuracy metrics", "issue 5")
top_k_categorical_accuracy = _util.pending("keras.metrics.top_k_categorical_accuracy",
                                           "top-k", "issue 5")
sparse_top_k_categorical_accuracy = _util.pending(
    "keras.metrics.sparse_top_k_categorical_accuracy", "top-k", "issue 5")

__all__ = [
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
]
