"""Thread scaling: every activation (and the copy yardstick) at each thread
count and size, `out=` preallocated, best of a few runs.

    python benchmarks/scaling.py [--threads 1,2,4,8,16] [--sizes 1e6,1e7,1e8]
                                 [--dtype float32] [--learners]

Prints Melem/s per function, thread count and size, the copy's GB/s (bytes
read + written: the machine's bandwidth ceiling for a one-pass kernel) and
each kernel's share of the copy at the same size and thread count.  With
--learners it also times one mini-batch logistic epoch and the fused
predict_proba on 1e6 x 100 rows at each thread count.
"""
import argparse
import numpy as np

import fastact
from fastact.bench import best_seconds

FUNCTIONS = ("copy", "sigmoid", "tanh", "softplus", "relu", "step")


def kernel(name):
    if name == "copy":
        from fastact import _ufuncs
        return _ufuncs._copy
    return getattr(fastact, name)


def activations(threads, sizes, dtype):
    rng = np.random.default_rng(0)
    itemsize = np.dtype(dtype).itemsize
    rows = []
    for n in sizes:
        x = rng.uniform(-10, 10, n).astype(dtype)
        out = np.empty_like(x)
        for t in threads:
            with fastact.num_threads(t):
                copy_s = None
                for name in FUNCTIONS:
                    f = kernel(name)
                    s = best_seconds(lambda: f(x, out=out), rounds=3 if n >= 10 ** 8 else 5)
                    copy_s = s if name == "copy" else copy_s
                    rows.append((name, n, t, n / s / 1e6, 2 * n * itemsize / s / 1e9, copy_s / s))
                    print("  %-8s n=%-10d threads=%-3d %9.0f Melem/s %6.1f GB/s %5.0f%% of copy"
                          % (rows[-1][:5] + (100 * rows[-1][5],)), flush=True)
        del x, out
    return rows


def table(rows, sizes, threads):
    lines = ["| function | n | " + " | ".join("%d thr" % t for t in threads) + " |",
             "|---|---|" + "---|" * len(threads)]
    for name in FUNCTIONS:
        for n in sizes:
            cells = []
            for t in threads:
                r = [row for row in rows if row[:3] == (name, n, t)][0]
                cells.append("%.0f (%.0f%%)" % (r[3], 100 * r[5]) if name != "copy"
                             else "%.0f (%.1f GB/s)" % (r[3], r[4]))
            lines.append("| %s | %.0e | %s |" % (name, n, " | ".join(cells)))
    return "\n".join(lines)


def learners(threads, dtype):
    from fastact import _linear
    rng = np.random.default_rng(0)
    n, d = 1_000_000, 100
    X = rng.normal(size=(n, d)).astype(dtype)
    w = rng.normal(size=d).astype(dtype)
    y = (X @ w + rng.logistic(size=n) > 0).astype(dtype)
    order = rng.permutation(n).astype(np.intp)
    proba = np.empty((n, 2), dtype=dtype)
    ones = np.ones(n)
    print("| threads | mini-batch logistic epoch, batch 1024 (ms) | predict_proba (ms) | X read (GB/s) |")
    print("|---|---|---|---|")
    for t in threads:
        coef = np.zeros(d, dtype=dtype)
        with fastact.num_threads(t):
            epoch = best_seconds(lambda: _linear.logistic_minibatch_epoch(
                X, y, ones, coef, 0.0, order, 1024, 1e-4, 0.1), rounds=3)
            score = best_seconds(lambda: _linear.score_binary(X, w, 0.0, proba, "proba"), rounds=5)
        print("| %d | %.1f | %.2f | %.1f |" % (t, 1e3 * epoch, 1e3 * score, X.nbytes / score / 1e9),
              flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", default="1,2,4,8,16")
    parser.add_argument("--sizes", default="1e6,1e7,1e8")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--learners", action="store_true")
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    fastact.show_config()
    rows = activations(threads, sizes, args.dtype)
    print("\nMelem/s (share of the copy at the same size and threads), %s, out=:\n" % args.dtype)
    print(table(rows, sizes, threads))
    if args.learners:
        print()
        learners(threads, args.dtype)


if __name__ == "__main__":
    main()
