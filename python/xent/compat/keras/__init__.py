"""Keras 3 drop-ins: xent.compat.keras.losses and xent.compat.keras.metrics."""
from . import losses, metrics  # noqa: F401
