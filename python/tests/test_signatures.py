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
                            "sigmoid_cross_entropy"],
    "keras.losses": ["categorical_crossentropy", "sparse_categorical_crossentropy",
                     "binary_crossentropy"],
    "keras.losses.classes": ["CategoricalCrossentropy", "SparseCategoricalCrossentropy",
                             "BinaryCrossentropy"],
    "keras.metrics": ["categorical_crossentropy", "sparse_categorical_crossentropy",
                      "binary_crossentropy"],
    "torch.nn.functional": ["softmax", "log_softmax", "sigmoid", "cross_entropy",
                            "binary_cross_entropy_with_logits"],
}


def _ours(space):
    return {
        "tf.nn": compat.tf.nn,
        "tf.compat.v1.losses": compat.tf.losses,
        "keras.losses": compat.keras.losses,
        "keras.losses.classes": compat.keras.losses,
        "keras.metrics": compat.keras.metrics,
        "torch.nn.functional": compat.torch.nn.functional,
    }[space]


def _theirs(space, tf, keras, torch):
    return {
        "tf.nn": tf.nn,
        "tf.compat.v1.losses": tf.compat.v1.losses,
        "keras.losses": keras.losses,
        "keras.losses.classes": keras.losses,
        "keras.metrics": keras.metrics,
        "torch.nn.functional": torch.nn.functional,
    }[space]


def _params(f):
    sig = inspect.signature(f.__init__ if inspect.isclass(f) else f)
    return [(p.name, p.default) for p in sig.parameters.values() if p.name != "self"]


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


PENDING = [
    (compat.tf.losses.log_loss, ()),
    (compat.tf.losses.mean_pairwise_squared_error, ()),
    (compat.keras.losses.dice, ()),
    (compat.keras.metrics.top_k_categorical_accuracy, ()),
    (compat.torch.nn.functional.nll_loss, ()),
    (compat.torch.nn.functional.kl_div, ()),
    (compat.sklearn.metrics.roc_auc_score, ()),
    (compat.sklearn.metrics.average_precision_score, ()),
]


@pytest.mark.parametrize("fn,args", PENDING)
def test_pending_names_raise_not_implemented(fn, args):
    with pytest.raises(NotImplementedError, match="not implemented yet"):
        fn(*args)


def test_probability_inputs_are_not_implemented_yet():
    import numpy as np

    for f in (compat.keras.losses.categorical_crossentropy,
              compat.keras.losses.binary_crossentropy):
        with pytest.raises(NotImplementedError, match="from_logits=True"):
            f(np.eye(2), np.eye(2))
    with pytest.raises(NotImplementedError, match="from_logits=True"):
        compat.keras.losses.sparse_categorical_crossentropy(np.arange(2), np.eye(2))
