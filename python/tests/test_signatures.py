"""The compat namespaces take the peers' exact signatures (parameter names,
order, defaults), and the names that are not implemented yet say so."""
import inspect

import pytest

from xent import compat

IMPLEMENTED = {
    "tf.nn": ["softmax", "log_softmax", "sigmoid", "softmax_cross_entropy_with_logits",
              "sparse_softmax_cross_entropy_with_logits",
              "sigmoid_cross_entropy_with_logits", "weighted_cross_entropy_with_logits"],
    "tf.compat.v1.losses": ["softmax_cross_entropy", "sparse_softmax_cross_entropy",
                            "sigmoid_cross_entropy", "log_loss", "mean_pairwise_squared_error",
                            "mean_squared_error", "absolute_difference", "huber_loss"],
    "keras.losses": ["categorical_crossentropy", "sparse_categorical_crossentropy",
                     "binary_crossentropy", "binary_focal_crossentropy",
                     "categorical_focal_crossentropy", "mean_squared_error",
                     "mean_absolute_error", "huber", "kl_divergence", "dice", "tversky"],
    "keras.losses.classes": ["CategoricalCrossentropy", "SparseCategoricalCrossentropy",
                             "BinaryCrossentropy", "BinaryFocalCrossentropy",
                             "CategoricalFocalCrossentropy", "MeanSquaredError",
                             "MeanAbsoluteError", "Huber", "KLDivergence", "Dice", "Tversky"],
    "keras.metrics": ["categorical_crossentropy", "sparse_categorical_crossentropy",
                      "binary_crossentropy", "binary_focal_crossentropy",
                      "categorical_focal_crossentropy", "mean_squared_error",
                      "mean_absolute_error", "huber", "kl_divergence", "binary_accuracy",
                      "categorical_accuracy", "sparse_categorical_accuracy",
                      "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy"],
    "torch.nn.functional": ["softmax", "log_softmax", "sigmoid", "cross_entropy",
                            "binary_cross_entropy_with_logits", "nll_loss",
                            "binary_cross_entropy", "mse_loss", "l1_loss", "huber_loss",
                            "smooth_l1_loss", "kl_div"],
    "sklearn.metrics": ["roc_auc_score", "average_precision_score", "roc_curve",
                        "precision_recall_curve", "precision_recall_fscore_support",
                        "f1_score", "accuracy_score", "confusion_matrix", "log_loss",
                        "brier_score_loss", "top_k_accuracy_score"],
}


def _ours(space):
    return {
        "tf.nn": compat.tf.nn,
        "tf.compat.v1.losses": compat.tf.losses,
        "keras.losses": compat.keras.losses,
        "keras.losses.classes": compat.keras.losses,
        "keras.metrics": compat.keras.metrics,
        "torch.nn.functional": compat.torch.nn.functional,
        "sklearn.metrics": compat.sklearn.metrics,
    }[space]


def _theirs(space, tf, keras, torch):
    return {
        "tf.nn": tf.nn,
        "tf.compat.v1.losses": tf.compat.v1.losses,
        "keras.losses": keras.losses,
        "keras.losses.classes": keras.losses,
        "keras.metrics": keras.metrics,
        "torch.nn.functional": torch.nn.functional,
        "sklearn.metrics": __import__("sklearn.metrics").metrics,
    }[space]


def _params(f):
    sig = inspect.signature(f.__init__ if inspect.isclass(f) else f)
    return [(p.name, p.default, p.kind) for p in sig.parameters.values() if p.name != "self"]


@pytest.mark.parametrize("space,name", [(s, n) for s, ns in IMPLEMENTED.items() for n in ns])
def test_signature_matches_the_peer(tf, keras, torch, space, name):
    ours = getattr(_ours(space), name)
    theirs = getattr(_theirs(space, tf, keras, torch), name)
    assert _params(ours) == _params(theirs)


def test_torch_modules_take_torch_arguments(torch):
    import xent.torch as xt

    assert _params(xt.CrossEntropyLoss) == _params(torch.nn.CrossEntropyLoss)
    assert _params(xt.BCEWithLogitsLoss) == _params(torch.nn.BCEWithLogitsLoss)
    assert _params(xt.cross_entropy) == _params(torch.nn.functional.cross_entropy)


# Names the C library has no function for (yet): present with the peer's
# name, raising NotImplementedError that says what is missing.
PENDING = [
    (compat.tf.losses.hinge_loss, ()),
    (compat.tf.losses.cosine_distance, ()),
    (compat.keras.losses.poisson, ()),
    (compat.keras.losses.hinge, ()),
    (compat.keras.losses.squared_hinge, ()),
    (compat.keras.losses.categorical_hinge, ()),
]


@pytest.mark.parametrize("fn,args", PENDING)
def test_pending_names_raise_not_implemented(fn, args):
    with pytest.raises(NotImplementedError, match="not implemented yet: it needs"):
        fn(*args)


def test_every_exported_name_is_implemented_or_pending():
    pending = {fn for fn, _ in PENDING}
    spaces = {"tf.compat.v1.losses": compat.tf.losses, "keras.losses": compat.keras.losses,
              "keras.metrics": compat.keras.metrics,
              "torch.nn.functional": compat.torch.nn.functional,
              "sklearn.metrics": compat.sklearn.metrics, "tf.nn": compat.tf.nn}
    for space, module in spaces.items():
        names = set(IMPLEMENTED.get(space, [])) | set(IMPLEMENTED.get(space + ".classes", []))
        for name in module.__all__:
            obj = getattr(module, name)
            assert name in names or obj in pending or name in (
                "Reduction", "Loss", "UndefinedMetricWarning"), "%s.%s" % (space, name)
