#!/usr/bin/env python3
"""Exact ROC AUC: xent against scikit-learn on the same data.

    .peers-venv/bin/python bench/bench_auc.py [--build build] [--sizes 1e6 1e7]
    (or: make bench-auc)

For each size and data set it draws scores and 0/1 labels with NumPy (fixed
seed): "f32" and "f64" are normal scores shifted by the label (AUC about
0.76); "ties" are float32 scores rounded to 1e-4 (10001 distinct values, as
bench/bench_peers.py uses). It writes them as raw
files, times xent with the C program bench_auc (create + update + roc_auc from
the raw arrays: radix sort and one sweep; the median of several runs), then
times sklearn.metrics.roc_auc_score on the same arrays (the median of a few
runs), checks that the two AUCs agree, and prints both times and the ratio.
Also reports xent's average precision time on the already sorted state and
scikit-learn's average_precision_score.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

try:
    import sklearn
    from sklearn.metrics import average_precision_score, roc_auc_score
except ImportError:  # pragma: no cover
    sys.exit("bench_auc.py: scikit-learn is missing; run it with .peers-venv/bin/python "
             "(tools/peers_env.sh creates it)")


def median_time(fn, repeats):
    times = []
    value = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return value, times[len(times) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build", help="CMake build folder (default: build)")
    ap.add_argument("--sizes", nargs="+", default=["1e6", "1e7"])
    ap.add_argument("--data", nargs="+", default=["f32", "f64", "ties"],
                    choices=["f32", "f64", "ties"])
    ap.add_argument("--xent-repeats", type=int, default=7)
    ap.add_argument("--sklearn-repeats", type=int, default=3)
    args = ap.parse_args()
    exe = os.path.join(args.build, "bench", "bench_auc")
    if not os.path.exists(exe):
        sys.exit(f"bench_auc.py: {exe} not found; build first (cmake --build {args.build})")
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}; "
          f"{os.cpu_count()} CPUs; times are medians")
    print(f"{'n':>10} {'data':>5} {'xent roc_auc s':>15} {'sklearn s':>10} {'ratio':>7}   "
          f"{'xent AP s':>10} {'sklearn AP s':>12}   agree")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            n = int(float(size))
            rng = np.random.default_rng(12345 + n)
            y = (rng.random(n) < 0.4).astype(np.uint8)
            base = rng.standard_normal(n) + y.astype(np.float64)
            for kind in args.data:
                dt = "f64" if kind == "f64" else "f32"
                if kind == "ties":
                    s = np.round(0.8 * rng.random(n) + 0.2 * y, 4).astype(np.float32)
                else:
                    s = base.astype(np.float32 if dt == "f32" else np.float64)
                sp, yp = os.path.join(tmp, "s.bin"), os.path.join(tmp, "y.bin")
                s.tofile(sp)
                y.tofile(yp)
                out = subprocess.run([exe, sp, yp, str(n), dt, str(args.xent_repeats)],
                                     capture_output=True, text=True, check=True).stdout
                fields = dict(kv.split("=") for kv in out.split()[1:])
                x_roc, x_ap = float(fields["roc"]), float(fields["ap"])
                x_t, x_ap_t = float(fields["roc_s"]), float(fields["ap_s"])
                reps = args.sklearn_repeats if n <= 2_000_000 else max(1, args.sklearn_repeats - 1)
                s_roc, s_t = median_time(lambda: roc_auc_score(y, s), reps)
                s_ap, s_ap_t = median_time(lambda: average_precision_score(y, s), 1)
                ok = abs(x_roc - s_roc) <= 1e-12 and abs(x_ap - s_ap) <= 1e-12
                print(f"{n:>10} {kind:>5} {x_t:>15.4f} {s_t:>10.3f} {s_t / x_t:>6.1f}x   "
                      f"{x_ap_t:>10.4f} {s_ap_t:>12.3f}   "
                      f"{'yes' if ok else 'NO'} (roc {x_roc:.15f} vs {s_roc:.15f})")
                if not ok:
                    print(f"   ap {x_ap!r} vs {s_ap!r}", file=sys.stderr)


if __name__ == "__main__":
    main()
