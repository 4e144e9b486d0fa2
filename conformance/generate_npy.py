"""Writes the reference .npy files that tests/test_io.c reads (tests/data/npy/).

These are files written by NumPy itself, an independent check on xent's
reader (the test's other .npy files are built byte by byte by the test). The
values follow simple rules that the C test recomputes; keep the two in step:

  float files:  element i (C order) = (i - 5) * 0.25   (exact in f16/f32/f64)
  integer/bool: the literal lists below (the extremes of each type)

Run with the peers' environment (NumPy 1.26):
    .peers-venv/bin/python conformance/generate_npy.py
Running it twice gives byte-identical files.
"""
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "npy")


def ramp(dtype, shape):
    n = int(np.prod(shape, dtype=np.int64))
    return ((np.arange(n, dtype=np.float64) - 5) * 0.25).astype(dtype).reshape(shape)


def save(name, arr, version=None):
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        if version is None:
            np.save(f, arr, allow_pickle=False)
        else:
            np.lib.format.write_array(f, arr, version=version, allow_pickle=False)


def main():
    os.makedirs(OUT, exist_ok=True)
    save("f8_c.npy", ramp("<f8", (3, 4)))
    save("f4_fortran.npy", np.asfortranarray(ramp("<f4", (2, 3, 4))))
    save("f2.npy", ramp("<f2", (5,)))
    save("f8_be.npy", ramp(">f8", (2, 3)))
    save("f4_be_fortran.npy", np.asfortranarray(ramp(">f4", (3, 2))))
    save("f8_v2.npy", ramp("<f8", (2, 2)), version=(2, 0))
    save("f4_v3.npy", ramp("<f4", (2,)), version=(3, 0))
    save("f8_scalar.npy", np.array(2.5, dtype="<f8"))
    save("f4_empty.npy", np.zeros((0, 3), dtype="<f4"))
    save("b1.npy", np.array([True, False, False, True, False, False, True]))
    save("i1.npy", np.array([-128, -1, 0, 127], dtype="|i1"))
    save("i2_be.npy", np.array([-32768, 1, 32767], dtype=">i2"))
    save("i4.npy", np.array([[-2147483648, -1], [0, 2147483647]], dtype="<i4"))
    save("i8.npy", np.array([-2**63, 0, 2**63 - 1], dtype="<i8"))
    save("u1.npy", np.array([0, 1, 255], dtype="|u1"))
    save("u2.npy", np.array([0, 65535], dtype="<u2"))
    save("u4_be.npy", np.array([0, 4294967295], dtype=">u4"))
    save("u8.npy", np.array([0, 2**63 - 1, 2**64 - 1], dtype="<u8"))
    # A file xent's writer produced must load in NumPy: see tests/test_io.c
    # (the writer's header is compared byte for byte with NumPy's).
    for name in sorted(os.listdir(OUT)):
        if name.endswith(".npy"):
            a = np.load(os.path.join(OUT, name))
            print(f"{name:22s} {a.dtype.str:5s} {a.shape}")


if __name__ == "__main__":
    main()
