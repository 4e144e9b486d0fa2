"""Writes digits_X.npy and digits_y.npy from scikit-learn's copy of the UCI
optical-digits test set (sklearn/datasets/data/digits.csv.gz).

Run with the project's peers environment, from the repository root:
    .peers-venv/bin/python examples/data/make_digits.py
The files are committed; this script only documents where they come from.
"""
import gzip
import os

import numpy as np
import sklearn

here = os.path.dirname(os.path.abspath(__file__))
src = os.path.join(os.path.dirname(sklearn.__file__), "datasets", "data", "digits.csv.gz")
with gzip.open(src, "rt") as f:
    data = np.loadtxt(f, delimiter=",", dtype=np.int64)
assert data.shape == (1797, 65), data.shape
X, y = data[:, :64], data[:, 64]
assert X.min() >= 0 and X.max() <= 16 and set(np.unique(y)) == set(range(10))
np.save(os.path.join(here, "digits_X.npy"), X.astype(np.uint8))
np.save(os.path.join(here, "digits_y.npy"), y.astype(np.uint8))
print("digits_X.npy", X.shape, "digits_y.npy", y.shape, np.bincount(y))
