"""Whether a call releases the GIL: another Python thread stamps the time in
a loop while the call runs. Held, the GIL would let the stamper run only at
the edges (a switch interval after the start, before the end), and one gap
between stamps would span nearly the whole call."""
import threading
import time


def longest_pause(work):
    """Runs work() beside a stamping thread; returns (the longest gap
    between stamps within the call, the call's duration)."""
    stamps, stop = [], threading.Event()

    def spin():
        while not stop.is_set():
            stamps.append(time.perf_counter())

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        time.sleep(0.02)
        t0 = time.perf_counter()
        work()
        t1 = time.perf_counter()
    finally:
        stop.set()
        spinner.join()
    edges = [t0] + [t for t in stamps if t0 < t < t1] + [t1]
    return max(b - a for a, b in zip(edges, edges[1:])), t1 - t0
