"""Drop-in namespaces: the peers' function names, signatures and defaults,
computed by xent and returned as NumPy arrays (reductions: 0-d arrays).

    xent.compat.tf.nn                   tf.nn
    xent.compat.tf.losses               tf.compat.v1.losses
    xent.compat.keras.losses            keras.losses
    xent.compat.keras.metrics           keras.metrics
    xent.compat.torch.nn.functional     torch.nn.functional
    xent.compat.sklearn.metrics         sklearn.metrics

Each submodule imports only NumPy and xent, never the peer itself. Inputs may
be the peer's own tensors (PyTorch tensors are detached, read through DLPack;
TensorFlow tensors through the buffer protocol) or NumPy arrays.

A function whose C implementation has not landed yet is present with its
signature and raises NotImplementedError saying what is missing, so adding it
is replacing the stub by a few lines that map the peer's arguments onto a
native call.
"""
import importlib

__all__ = ["tf", "keras", "torch", "sklearn"]


def __getattr__(name):
    if name in __all__:
        return importlib.import_module("." + name, __name__)
    raise AttributeError("module 'xent.compat' has no attribute %r" % name)
