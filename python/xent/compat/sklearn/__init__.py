"""scikit-learn drop-ins: xent.compat.sklearn.metrics."""
from . import metrics  # noqa: F401
