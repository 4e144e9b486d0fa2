"""PyTorch drop-ins: xent.compat.torch.nn.functional (NumPy results). For
autograd (a loss to call .backward() on), use xent.torch."""
from . import nn  # noqa: F401
