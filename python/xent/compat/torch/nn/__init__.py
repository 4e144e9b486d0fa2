"""torch.nn drop-ins: see xent.compat.torch.nn.functional."""
from . import functional  # noqa: F401
