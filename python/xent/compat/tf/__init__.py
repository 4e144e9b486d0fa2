"""TensorFlow drop-ins: xent.compat.tf.nn (tf.nn) and xent.compat.tf.losses
(tf.compat.v1.losses)."""
from . import losses, nn  # noqa: F401
