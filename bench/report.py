"""The combined report of `make bench`: runs xent's benchmark (bench_xent, f32
and f64), oneDNN's (bench_onednn, once with OMP_NUM_THREADS=1 and once with
all CPUs), the Python peers' (bench_peers.py: PyTorch, NumPy, SciPy,
scikit-learn, and xent's exact AUC through the metrics' bench_auc program on
the same arrays as scikit-learn), saves their raw TSV outputs and report.md,
and prints one Markdown table per dtype and a summary of the bar
(docs/performance.md).

    python3 bench/report.py [--quick] [--build build] [--out DIR] [--python PY]
    python3 bench/report.py --read DIR        (re-render saved outputs)

Every column comes from the same run on the same machine. Ratios are
peer_ms / xent_ms: above 1 means xent is faster.
"""
import argparse
import os
import platform
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICK_SHAPES = ["1048576x2", "65536x10", "4096x1000", "512x32000"]
OPS = ["softmax", "log_softmax", "sparse_ce_fwd", "sparse_ce_fwd_bwd", "sigmoid_ce_fwd_bwd"]
# peers in column order: (key, column title)
PEERS = [("torch", "PyTorch"), ("onednn", "oneDNN"), ("numpy", "NumPy"), ("scipy", "SciPy")]
SMALL_C = ["1048576x2", "65536x10"]
FAR_FASTER = 2.0   # this report's reading of "far faster" (the issue names no number)


def log(msg):
    print(f"report.py: {msg}", file=sys.stderr, flush=True)


class Results:
    """Rows of every run: (source, dtype, shape, op, threads) -> fields."""

    def __init__(self):
        self.rows = {}
        self.skipped = []     # (source, shape, op, why)
        self.meta = {}        # source -> header comment fields
        self.failed = []      # sources whose run failed
        self.checks = []      # ["roc_auc", n, "xent=..", "sklearn=..", "agree"] or
                              # [op, shape, "max .. difference ..", "agree"] (bench_onednn)

    def parse(self, source, dtype, text):
        peer = source
        for line in text.splitlines():
            f = line.split("\t")
            if line.startswith("# peer\t"):
                peer = f[1].split()[0].lower()
                self.meta[peer] = f[1]
                continue
            if line.startswith("# check\t"):
                self.checks.append(f[1:])
                continue
            if line.startswith("# skipped"):
                self.skipped.append((peer, dtype, f[1], f[2] if len(f) > 3 else "all", f[-1]))
                continue
            if line.startswith("#"):
                self.meta.setdefault(source + ":header", line[2:])
                continue
            if len(f) < 7 or f[0] == "shape":
                continue
            try:
                ms = float(f[3])
            except ValueError:
                continue
            row = {"ms": ms, "gbs": f[4], "floor_ms": f[5], "of_floor": f[6]}
            if len(f) > 7:  # bench_onednn: xent's time from the same turns
                row["xent_ms"] = float(f[7])
            self.rows[(peer, dtype, f[0], f[1], int(f[2]))] = row

    def get(self, peer, dtype, shape, op, threads):
        return self.rows.get((peer, dtype, shape, op, threads))

    def skipped_for(self, peer, dtype, shape, op):
        for p, d, s, o, why in self.skipped:
            if p == peer and d == dtype and s == shape and o in (op, "all"):
                return why
        return None


def run(cmd, env_extra, outfile):
    """Runs one benchmark, saves its stdout to outfile, returns it ('' on failure)."""
    env = dict(os.environ, **env_extra)
    shown = " ".join(f"{k}={v}" for k, v in env_extra.items()) + (" " if env_extra else "")
    log(f"running {shown}{' '.join(cmd)}")
    t0 = time.time()
    try:
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    except OSError as e:
        log(f"  cannot run: {e}")
        return ""
    with open(outfile, "w") as f:
        f.write(p.stdout)
    log(f"  {time.time() - t0:.0f} s, exit {p.returncode} -> {outfile}")
    return p.stdout if p.returncode == 0 else ""


def all_threads_of(res):
    hdr = res.meta.get("xent:header", "")
    m = re.search(r"threads\t(\d+)", hdr)
    return int(m.group(1)) if m else len(os.sched_getaffinity(0))


def header_has_auc():
    try:
        with open(os.path.join(ROOT, "include", "xent.h")) as f:
            return "xent_roc_auc" in f.read()
    except OSError:
        return False


def run_all(args, res):
    os.makedirs(args.out, exist_ok=True)
    build = os.path.join(ROOT, args.build) if not os.path.isabs(args.build) else args.build
    quick = ["--quick"] if args.quick else []
    cache = os.path.join(build, "CMakeCache.txt")
    if os.path.exists(cache):
        with open(cache) as f:
            m = re.search(r"^CMAKE_BUILD_TYPE:\w+=(\w*)", f.read(), re.M)
        if not m or m.group(1) != "Release":
            log(f"warning: {build} is not a Release build")
    xent_bin = os.path.join(build, "bench", "bench_xent")
    for dtype in args.dtypes:
        src = run([xent_bin, "--dtype", dtype] + quick, {},
                  os.path.join(args.out, f"xent-{dtype}.tsv"))
        if not src:
            res.failed.append(f"bench_xent --dtype {dtype}")
        res.parse("xent", dtype, src)
    nthreads = all_threads_of(res)
    onednn_bin = os.path.join(build, "bench", "bench_onednn")
    if "f32" in args.dtypes and os.path.exists(onednn_bin):
        for t in sorted({1, nthreads}):
            src = run([onednn_bin] + quick, {"OMP_NUM_THREADS": str(t)},
                      os.path.join(args.out, f"onednn-{t}.tsv"))
            if not src:
                res.failed.append(f"bench_onednn (OMP_NUM_THREADS={t})")
            res.parse("onednn", "f32", src)
    elif "f32" in args.dtypes:
        res.failed.append("bench_onednn (not built: libdnnl-dev missing)")
    auc_bin = os.path.join(build, "bench", "bench_auc")
    auc = ["--xent-auc", auc_bin] if os.path.exists(auc_bin) else []
    if os.path.exists(args.python):
        for dtype in args.dtypes:
            src = run([args.python, os.path.join(ROOT, "bench", "bench_peers.py"), "--dtype", dtype]
                      + quick + (auc if dtype == "f32" else []), {},
                      os.path.join(args.out, f"peers-{dtype}.tsv"))
            if not src:
                res.failed.append(f"bench_peers.py --dtype {dtype}")
            res.parse("peers", dtype, src)
    else:
        res.failed.append(f"bench_peers.py ({args.python} missing: run tools/peers_env.sh)")


def read_all(args, res):
    for name in sorted(os.listdir(args.read)):
        m = re.match(r"(xent|onednn|peers)-(f32|f64|\d+)\.tsv$", name)
        if not m:
            continue
        with open(os.path.join(args.read, name)) as f:
            text = f.read()
        src = m.group(1)
        res.parse(src, m.group(2) if src in ("xent", "peers") else "f32", text)


def fmt_ratio(peer_ms, xent_ms):
    r = peer_ms / xent_ms
    return f"{r:.1f}x" if r < 100 else f"{r:.0f}x"


def table(res, dtype, shapes, nthreads):
    """One Markdown table for a dtype."""
    peers = [(k, t) for k, t in PEERS if any(key[0] == k and key[1] == dtype for key in res.rows)
             or any(s[0] == k and s[1] == dtype for s in res.skipped)]
    head = ["shape", "op", "threads", "xent ms", "xent GB/s", "of floor"] + \
        [f"{t} / xent" for _, t in peers]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    # what each peer measures at all (a skipped shape shows only for those)
    has = {(k[0], k[3], k[4]) for k in res.rows if k[1] == dtype}
    for shape in shapes:
        for threads in sorted({1, nthreads}):
            for op in OPS:
                x = res.get("xent", dtype, shape, op, threads)
                skip = res.skipped_for("xent", dtype, shape, op)
                if not x and not skip:
                    continue
                cells = [shape.replace("x", " x "), op, str(threads)]
                if x:
                    cells += [f"{x['ms']:.3f}", x["gbs"], x["of_floor"]]
                else:
                    cells += ["skipped", "-", "-"]
                for k, _ in peers:
                    p = res.get(k, dtype, shape, op, threads)
                    if p and "xent_ms" in p:  # timed in turns with xent
                        cells.append(fmt_ratio(p["ms"], p["xent_ms"]))
                    elif p and x:
                        cells.append(fmt_ratio(p["ms"], x["ms"]))
                    elif p:
                        cells.append(f"({p['ms']:.1f} ms)")
                    elif (k, op, threads) in has and res.skipped_for(k, dtype, shape, op):
                        cells.append("skipped (memory)")
                    else:
                        cells.append("-")
                lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def auc_table(res):
    lines = ["| scores | xent ms | scikit-learn ms | scikit-learn / xent | same AUC |",
             "|---|---|---|---|---|"]
    agree = {c[1]: c[-1] for c in res.checks if c and c[0] == "roc_auc"}
    sizes = sorted({k[2] for k in res.rows if k[0] in ("sklearn", "xent") and k[3] == "roc_auc"},
                   key=lambda s: float(s))
    has = header_has_auc()
    for n in sizes:
        x = res.get("xent", "f32", n, "roc_auc", 1)
        s = res.get("sklearn", "f32", n, "roc_auc", 1)
        xs = f"{x['ms']:.1f}" if x else ("NOT MEASURED (no bench_auc binary)" if has else
                                         "NOT MEASURED (xent_roc_auc not in include/xent.h yet)")
        ss = f"{s['ms']:.1f}" if s else "-"
        rs = fmt_ratio(s["ms"], x["ms"]) if x and s else "-"
        lines.append(f"| {int(n):,} | {xs} | {ss} | {rs} | {agree.get(n, '-')} |")
    return "\n".join(lines)


def bar(res, nthreads, quick):
    """The issue's bar, criterion by criterion (f32)."""
    out = []

    def verdict(ok, text):
        out.append(f"- {'PASS' if ok else 'FAIL'}: {text}")

    def missing(text):
        out.append(f"- NOT MEASURED: {text}")

    for shape in ["4096x1000", "8192x128256"]:
        x = res.get("xent", "f32", shape, "sparse_ce_fwd_bwd", nthreads)
        t = res.get("torch", "f32", shape, "sparse_ce_fwd_bwd", nthreads)
        name = f"sparse CE fwd+bwd {shape.replace('x', ' x ')} f32, {nthreads} threads"
        if not x:
            missing(f"{name} (xent row missing{', --quick' if quick else ''})")
            continue
        frac = float(x["of_floor"])
        verdict(frac >= 0.80, f"{name}: {100 * frac:.0f}% of the bandwidth floor (>= 80%)")
        if t:
            r = t["ms"] / x["ms"]
            verdict(r >= 3, f"{name}: {r:.1f}x faster than PyTorch (>= 3x)")
        else:
            why = res.skipped_for("torch", "f32", shape, "sparse_ce_fwd_bwd")
            missing(f"{name} vs PyTorch ({why or 'no PyTorch row'})")
    shapes = QUICK_SHAPES if quick else QUICK_SHAPES + ["64x256000", "8192x128256"]
    for shape in shapes:
        for threads in sorted({1, nthreads}):
            o = res.get("onednn", "f32", shape, "softmax", threads)
            name = f"softmax fwd {shape.replace('x', ' x ')} f32, {threads} thread(s)"
            if not (o and "xent_ms" in o):
                missing(f"{name} vs oneDNN (no bench_onednn row)")
                continue
            r = o["ms"] / o["xent_ms"]
            differ = [c for c in res.checks if c[:2] == ["softmax", shape] and c[-1] != "agree"]
            if differ:
                verdict(False, f"{name}: xent's and oneDNN's outputs differ ({differ[0][2]})")
                continue
            if shape in SMALL_C:
                verdict(r >= FAR_FASTER, f"{name}: {r:.2f}x oneDNN (small C: far faster, "
                        f"read as >= {FAR_FASTER:g}x)")
            else:
                verdict(r >= 1.0, f"{name}: {r:.2f}x oneDNN (>= 1x)")
    x = res.get("xent", "f32", "10000000", "roc_auc", 1)
    s = res.get("sklearn", "f32", "10000000", "roc_auc", 1)
    if x and s:
        r = s["ms"] / x["ms"]
        same = {c[1]: c[-1] for c in res.checks if c and c[0] == "roc_auc"}.get("10000000", "?")
        verdict(r >= 10 and same == "agree", f"exact ROC AUC of 1e7 scores: {r:.1f}x faster than "
                f"scikit-learn (>= 10x), results {same}")
    else:
        why = []
        if not x:
            why.append("no xent AUC row: " + ("no bench_auc binary" if header_has_auc()
                                               else "xent_roc_auc not in include/xent.h yet"))
        if not s:
            why.append("no scikit-learn row for 1e7" + (" (--quick)" if quick else ""))
        missing("exact ROC AUC of 1e7 scores vs scikit-learn (" + "; ".join(why) + ")")
    return "\n".join(out)


def machine():
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            model = m.group(1) if m else model
    except OSError:
        pass
    return f"{model}, {len(os.sched_getaffinity(0))} CPUs"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="the four smaller shapes only")
    ap.add_argument("--build", default="build", help="CMake build folder (default build)")
    ap.add_argument("--out", default=None,
                    help="where raw outputs go (default BUILD/bench-results)")
    ap.add_argument("--read", default=None,
                    help="render saved outputs from this folder, run nothing")
    ap.add_argument("--python", default=os.path.join(ROOT, ".peers-venv", "bin", "python"))
    ap.add_argument("--dtypes", default="f32,f64")
    args = ap.parse_args()
    args.dtypes = args.dtypes.split(",")
    args.out = args.out or os.path.join(args.build, "bench-results")

    res = Results()
    if args.read:
        read_all(args, res)
        args.quick = not any(k[2] == "8192x128256" for k in res.rows)
    else:
        run_all(args, res)
    nthreads = all_threads_of(res)
    shapes = QUICK_SHAPES if args.quick else QUICK_SHAPES + ["64x256000", "8192x128256"]

    lines = []

    def emit(text):
        lines.append(text)

    cmd = "make bench" + (" BENCH_QUICK=1" if args.quick else "")
    emit(f"## Results ({cmd})\n")
    isa = re.search(r"isa\t(\w+)", res.meta.get("xent:header", ""))
    emit(f"Machine: {machine()}; xent's kernels: {isa.group(1) if isa else '?'}, "
         f"all threads = {nthreads}.")
    versions = [v for k, v in res.meta.items() if ":" not in k and k != "xent"]
    if versions:
        emit("Peers: " + ", ".join(sorted(versions)) + ".")
    peers_hdr = res.meta.get("peers:header")
    if peers_hdr:
        m = re.search(r"malloc\t(.*)", peers_hdr)
        if m:
            emit(f"Python peers' allocator: {m.group(1)}.")
    emit("Ratios are peer ms / xent ms (above 1: xent is faster). NumPy and SciPy run on one "
         "thread. \"of floor\" is the STREAM-like floor time / xent's time. The oneDNN ratios "
         "come from bench_onednn, which times oneDNN and xent in turns in one process, xent "
         "running on oneDNN's OpenMP threads (the xent columns are bench_xent's, on xent's own "
         "threads).")
    for what in res.failed:
        emit(f"\nNot run or failed: {what}.")
    for c in res.checks:
        if c and c[0] != "roc_auc" and c[-1] != "agree":
            emit(f"\nxent and oneDNN disagree: {' '.join(c)}.")
    for dtype in args.dtypes:
        if not any(k[1] == dtype for k in res.rows):
            continue
        emit(f"\n### {dtype}\n")
        emit(table(res, dtype, shapes, nthreads))
    if any(k[3] == "roc_auc" for k in res.rows):
        emit("\n### Exact ROC AUC (f32 scores rounded to 1e-4, one thread)\n")
        emit(auc_table(res))
    emit("\n### The bar (f32)\n")
    emit(bar(res, nthreads, args.quick))

    text = "\n".join(lines) + "\n"
    print(text, end="")
    if not args.read:
        with open(os.path.join(args.out, "report.md"), "w") as f:
            f.write(text)
        log(f"report written to {os.path.join(args.out, 'report.md')}")


if __name__ == "__main__":
    main()
