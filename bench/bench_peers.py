"""The peers' side of `make bench`: PyTorch, NumPy, SciPy and scikit-learn on
the operations and shapes of bench_xent, timed the way bench_xent times xent.

Run it with the peers' interpreter (tools/peers_env.sh makes it):

    .peers-venv/bin/python bench/bench_peers.py [--quick] [--dtype f32|f64]
        [--peers torch,numpy,scipy,sklearn] [--shapes RxC,...] [--reps N]
        [--xent-auc build/bench/bench_auc] [--default-malloc]

Output: bench_xent's column layout (shape, op, threads, ms, GB/s, floor_ms,
of_floor), one block per peer introduced by a "# peer<TAB>name version" line.
The floor columns are "-" (bench_xent measures the floor in its own run;
bench/report.py compares times). GB/s counts the same bytes as bench_xent:
one read of the logits (plus one of the targets for sigmoid CE) and one write
of the output or gradient. "# skipped" lines name what did not fit in memory.

What is timed, per (shape, op, threads), after one untimed warm-up call:
the median of 15 calls (5 when a tensor exceeds 256 MiB; when a call is slow,
as many as fit in 10 s but at least 3, or a single one when the warm-up took
over 10 s), as bench_xent does. Inputs are made
once per shape and reused; outputs are reused where the peer lets the caller
supply them (torch.softmax / torch.log_softmax out=, NumPy ufuncs out=).
Where the peer allocates (autograd, SciPy), it allocates on every call.

glibc returns large freed blocks to the kernel (they are mmap'd), so a peer
that allocates a fresh output per call pays a page fault per 4 KiB page each
time (for PyTorch's cross_entropy forward+backward at 512 x 32000 that is
several times the computation). Unless --default-malloc is given, the script
re-executes itself with jemalloc preloaded (Debian's libjemalloc2; PyTorch's
CPU performance guide recommends it) and MALLOC_CONF=dirty_decay_ms:-1,
muzzy_decay_ms:-1, so freed memory is kept and reused: the peers are measured
at their best, not at the cost of the allocator's defaults. (glibc tunables
that disable mmap also reuse memory but fragment: up to 19 dead tensors.)
The "# peers" line says which allocator was used.

  torch   F.softmax, F.log_softmax (out= variants), F.cross_entropy forward
          (no_grad) and forward+backward (autograd, x.grad reset to None),
          F.binary_cross_entropy_with_logits forward+backward with multi-label
          0/1 targets (mean reduction, xent_sigmoid_cross_entropy with
          XENT_REDUCTION_SUM_OVER_BATCH_SIZE); torch.set_num_threads(1) and
          all CPUs.
  numpy   softmax and log_softmax written with ufuncs into reused buffers
          (max, subtract, exp, sum, divide / log, subtract); one thread.
  scipy   scipy.special.softmax / log_softmax (they allocate); one thread.
  sklearn sklearn.metrics.roc_auc_score on 1e6 and 1e7 f32 scores rounded
          to 1e-4 (many ties: 10001 distinct values) with 0/1 labels; shape is
          the number of scores, op "roc_auc"; one thread. With --xent-auc BIN
          (the metrics' C program bench/bench_auc.c), xent's exact AUC is timed
          on the very same arrays (written to raw files; create + update +
          xent_roc_auc, the median of its runs) in a "# peer xent" block, and
          a "# check" line says whether the two AUCs agree to 1e-12.
"""
import argparse
import gc
import os
import sys
import time

JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
JEMALLOC_CONF = "dirty_decay_ms:-1,muzzy_decay_ms:-1"
BUDGET_S = 10.0

SHAPES = [(1048576, 2), (65536, 10), (4096, 1000), (512, 32000), (64, 256000),
          (8192, 128256)]
AUC_SIZES = [1000000, 10000000]


def mem_available():
    """MemAvailable in bytes (0 when unknown)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def jemalloc_retained():
    """Bytes jemalloc keeps for reuse (freed by us, not returned to the
    system): resident - allocated. 0 without jemalloc."""
    if JEMALLOC not in os.environ.get("LD_PRELOAD", ""):
        return 0
    import ctypes
    lib = ctypes.CDLL(None)
    if not hasattr(lib, "mallctl"):
        return 0
    epoch, size = ctypes.c_uint64(1), ctypes.c_size_t(8)
    lib.mallctl(b"epoch", None, None, ctypes.byref(epoch), size)
    vals = []
    for name in (b"stats.resident", b"stats.allocated"):
        v, n = ctypes.c_size_t(0), ctypes.c_size_t(8)
        if lib.mallctl(name, ctypes.byref(v), ctypes.byref(n), None, ctypes.c_size_t(0)):
            return 0
        vals.append(v.value)
    return max(0, vals[0] - vals[1])


def median_time(fn, reps):
    """Median of `reps` timed calls after one warm-up; when slow, as many as fit
    in BUDGET_S but at least 3, or one when the warm-up took longer than that."""
    t0 = time.perf_counter()
    fn()
    warm = time.perf_counter() - t0
    if warm > BUDGET_S:
        reps = 1
    elif warm * reps > BUDGET_S:
        reps = 3 if warm * 3 > BUDGET_S else int(BUDGET_S / warm)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


class Out:
    """Prints rows in bench_xent's layout."""

    def __init__(self):
        print("shape\top\tthreads\tms\tGB/s\tfloor_ms\tof_floor", flush=True)

    def peer(self, name, version, dtype):
        print(f"# peer\t{name} {version}\tdtype\t{dtype}", flush=True)

    def row(self, shape, op, threads, t, moved):
        gbs = moved / t / 1e9 if moved else float("nan")
        print(f"{shape}\t{op}\t{threads}\t{1e3 * t:.3f}\t{gbs:.1f}\t-\t-", flush=True)

    def skip(self, shape, op, why):
        print(f"# skipped\t{shape}\t{op}\t{why}", flush=True)


def fits(units, nbytes, out, shape, op):
    """True when `units` more tensors of `nbytes` fit in 80% of the memory
    available now (to the system, plus what jemalloc keeps for this process);
    else prints a "# skipped" line."""
    gc.collect()
    need, avail = units * nbytes, mem_available() + jemalloc_retained()
    if avail and need > 0.8 * avail:
        out.skip(shape, op, f"needs about {need / 1e9:.1f} GB, {avail / 1e9:.1f} GB available")
        return False
    return True


def make_inputs(np, rows, cols, npdtype):
    rng = np.random.default_rng(12345)
    x = rng.random((rows, cols), dtype=np.float64 if npdtype == np.float64 else np.float32)
    x *= 8
    x -= 4
    labels = (np.arange(rows, dtype=np.int64) % cols)
    return x.astype(npdtype, copy=False), labels


def torch_shape(out, np, torch, F, rows, cols, npdtype, reps, all_threads):
    """PyTorch on one shape, 1 thread and all threads."""
    shape = f"{rows}x{cols}"
    nbytes = rows * cols * np.dtype(npdtype).itemsize
    xn, labels_n = make_inputs(np, rows, cols, npdtype)
    x, labels = torch.from_numpy(xn), torch.from_numpy(labels_n)
    xg = x.detach().requires_grad_(True)
    buf = {}   # "y": the reused output of softmax / log_softmax; "t": targets

    def softmax():
        torch.softmax(x, 1, out=buf["y"])

    def log_softmax():
        torch.log_softmax(x, 1, out=buf["y"])

    def ce_fwd():
        with torch.no_grad():
            return F.cross_entropy(x, labels)

    def ce_fwd_bwd():         # the gradient is a fresh tensor each call
        xg.grad = None
        F.cross_entropy(xg, labels).backward()

    def bce_fwd_bwd():
        xg.grad = None
        F.binary_cross_entropy_with_logits(xg, buf["t"]).backward()

    def make_y():
        buf["y"] = torch.empty_like(x)

    def make_t():
        rng = np.random.default_rng(54321)
        buf["t"] = torch.from_numpy((rng.random((rows, cols), dtype=np.float32) < 0.125)
                                    .astype(npdtype))

    # Groups of ops sharing a buffer, with the tensors they need beyond x (the
    # buffer and the peer's temporaries, measured with ru_maxrss), and per op
    # the tensors moved.
    groups = [(1, make_y, [("softmax", softmax, 2), ("log_softmax", log_softmax, 2)]),
              (1.2, None, [("sparse_ce_fwd", ce_fwd, 1)]),
              (3.2, None, [("sparse_ce_fwd_bwd", ce_fwd_bwd, 2)]),
              (6.2, make_t, [("sigmoid_ce_fwd_bwd", bce_fwd_bwd, 3)])]
    for threads in sorted({1, all_threads}):
        torch.set_num_threads(threads)
        for extra, make, ops in groups:
            if not fits(extra, nbytes, out, shape, ops[0][0]):
                for op, _, _ in ops[1:]:
                    out.skip(shape, op, "as above")
                continue
            if make:
                make()
            for op, fn, moved in ops:
                t = median_time(fn, reps)
                out.row(shape, op, threads, t, moved * nbytes)
            xg.grad = None
            buf.clear()


def bench_torch(out, np, shapes, dtype, reps_arg, all_threads):
    import torch
    import torch.nn.functional as F
    npdtype = np.float32 if dtype == "f32" else np.float64
    out.peer("torch", torch.__version__, dtype)
    for rows, cols in shapes:
        nbytes = rows * cols * np.dtype(npdtype).itemsize
        reps = reps_arg or (5 if nbytes > (256 << 20) else 15)
        if fits(1.1, nbytes, out, f"{rows}x{cols}", "all"):
            torch_shape(out, np, torch, F, rows, cols, npdtype, reps, all_threads)
        gc.collect()


def numpy_shape(out, np, special, name, rows, cols, npdtype, reps):
    """NumPy (ufuncs into reused buffers) or SciPy (allocating) on one shape."""
    shape = f"{rows}x{cols}"
    nbytes = rows * cols * np.dtype(npdtype).itemsize
    x, _ = make_inputs(np, rows, cols, npdtype)
    if name == "numpy":
        y = np.empty_like(x)
        m = np.empty((rows, 1), dtype=npdtype)
        s = np.empty((rows, 1), dtype=npdtype)

        def softmax():
            np.max(x, axis=1, keepdims=True, out=m)
            np.subtract(x, m, out=y)
            np.exp(y, out=y)
            np.sum(y, axis=1, keepdims=True, out=s)
            np.divide(y, s, out=y)

        def log_softmax():
            np.max(x, axis=1, keepdims=True, out=m)
            np.subtract(x, m, out=y)
            np.exp(y, out=y)
            np.sum(y, axis=1, keepdims=True, out=s)
            np.log(s, out=s)
            np.add(s, m, out=s)
            np.subtract(x, s, out=y)
    else:
        def softmax():
            return special.softmax(x, axis=1)

        def log_softmax():
            return special.log_softmax(x, axis=1)
    for op, fn in (("softmax", softmax), ("log_softmax", log_softmax)):
        t = median_time(fn, reps)
        out.row(shape, op, 1, t, 2 * nbytes)


def bench_numpy_scipy(out, np, shapes, dtype, reps_arg, which):
    import scipy
    import scipy.special
    npdtype = np.float32 if dtype == "f32" else np.float64
    for name in which:
        out.peer(name, np.__version__ if name == "numpy" else scipy.__version__, dtype)
        for rows, cols in shapes:
            nbytes = rows * cols * np.dtype(npdtype).itemsize
            reps = reps_arg or (5 if nbytes > (256 << 20) else 15)
            if fits(2.2 if name == "numpy" else 3.2, nbytes, out, f"{rows}x{cols}", "all"):
                numpy_shape(out, np, scipy.special, name, rows, cols, npdtype, reps)
            gc.collect()


def auc_data(np, n):
    rng = np.random.default_rng(777 + n)
    labels = (rng.random(n) < 0.4).astype(np.uint8)
    scores = np.round(0.8 * rng.random(n) + 0.2 * labels, 4).astype(np.float32)
    return scores, labels


def bench_sklearn(out, np, reps_arg, quick, xent_auc):
    import sklearn
    from sklearn.metrics import roc_auc_score
    sizes = AUC_SIZES[:1] if quick else AUC_SIZES
    out.peer("sklearn", sklearn.__version__, "f32")
    values = {}
    for n in sizes:
        scores, labels = auc_data(np, n)
        t = median_time(lambda: roc_auc_score(labels, scores), reps_arg or 5)
        values[n] = roc_auc_score(labels, scores)
        out.row(str(n), "roc_auc", 1, t, scores.nbytes + labels.nbytes)
    if not xent_auc:
        return
    import subprocess
    import tempfile
    out.peer("xent", "bench_auc", "f32")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            scores, labels = auc_data(np, n)
            sp, lp = os.path.join(tmp, "scores.f32"), os.path.join(tmp, "labels.u8")
            scores.tofile(sp)
            labels.tofile(lp)
            reps = str(reps_arg or 7)
            p = subprocess.run([xent_auc, sp, lp, str(n), "f32", reps], capture_output=True,
                               text=True)
            if p.returncode != 0:
                out.skip(str(n), "roc_auc", f"bench_auc failed: {p.stderr.strip()}")
                continue
            fields = dict(kv.split("=", 1) for kv in p.stdout.split()[1:])
            out.row(str(n), "roc_auc", 1, float(fields["roc_s"]), scores.nbytes + labels.nbytes)
            x = float(fields["roc"])
            agree = "agree" if abs(x - values[n]) <= 1e-12 else "DISAGREE"
            print(f"# check\troc_auc\t{n}\txent={x!r}\tsklearn={values[n]!r}\t{agree}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="the four smaller shapes, AUC of 1e6")
    ap.add_argument("--dtype", choices=["f32", "f64"], default="f32")
    ap.add_argument("--peers", default="torch,numpy,scipy,sklearn")
    ap.add_argument("--shapes", default=None, help="only these, e.g. 4096x1000,8192x128256")
    ap.add_argument("--reps", type=int, default=0, help="timed calls (default 15 / 5)")
    ap.add_argument("--xent-auc", default=None,
                    help="xent's bench_auc program, timed on the same AUC data")
    ap.add_argument("--default-malloc", action="store_true",
                    help="keep glibc's allocator defaults (fresh pages per allocation)")
    args = ap.parse_args()

    preloaded = JEMALLOC in os.environ.get("LD_PRELOAD", "")
    if not args.default_malloc and not preloaded and os.path.exists(JEMALLOC):
        os.environ["LD_PRELOAD"] = JEMALLOC
        os.environ["MALLOC_CONF"] = JEMALLOC_CONF
        os.execv(sys.executable, [sys.executable] + sys.argv)
    if args.default_malloc and preloaded:
        sys.exit("bench_peers.py: --default-malloc with jemalloc in LD_PRELOAD")
    malloc = "jemalloc (kept)" if preloaded else "glibc (default)"

    import numpy as np
    peers = args.peers.split(",")
    shapes = SHAPES[:4] if args.quick else SHAPES
    if args.shapes:
        shapes = [s for s in SHAPES if f"{s[0]}x{s[1]}" in args.shapes.split(",")]
    all_threads = len(os.sched_getaffinity(0))
    print(f"# peers\tpython {sys.version.split()[0]}\tthreads\t{all_threads}\tdtype\t{args.dtype}"
          f"\tmalloc\t{malloc}", flush=True)
    out = Out()
    if "torch" in peers:
        bench_torch(out, np, shapes, args.dtype, args.reps, all_threads)
    which = [p for p in ("numpy", "scipy") if p in peers]
    if which:
        bench_numpy_scipy(out, np, shapes, args.dtype, args.reps, which)
    if "sklearn" in peers and args.dtype == "f32":
        xent_auc = args.xent_auc if args.xent_auc and os.path.exists(args.xent_auc) else None
        bench_sklearn(out, np, args.reps, args.quick, xent_auc)


if __name__ == "__main__":
    main()
