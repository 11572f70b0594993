"""Measure where going parallel pays, per activation: the constants beside the
ufunc definitions in fastact/_ufuncs.pyx come from this script.

    python benchmarks/measure_threshold.py [--threads 2] [--dtype float32]

For each size it times the activation on one thread and on --threads threads
(best of many runs, `out=` preallocated) and prints the speed-up; the
threshold is the smallest size from which the speed-up stays above 1.1x.
"""
import argparse

import numpy as np

import fastact
from fastact import _ufuncs
from fastact.bench import best_seconds

SIZES = [2 ** k for k in range(10, 21)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print("%-9s %s" % ("n", " ".join("%9d" % n for n in SIZES)))
    for name in ("sigmoid", "tanh", "softplus", "relu", "step"):
        f = getattr(fastact, name)
        previous = _ufuncs._parallel_threshold(name, args.dtype, 0)
        speedups = []
        try:
            for n in SIZES:
                x = rng.uniform(-10, 10, n).astype(args.dtype)
                out = np.empty_like(x)
                with fastact.num_threads(1):
                    t1 = best_seconds(lambda: f(x, out=out), budget_s=0.05, rounds=7)
                with fastact.num_threads(args.threads):
                    tn = best_seconds(lambda: f(x, out=out), budget_s=0.05, rounds=7)
                speedups.append(t1 / tn)
        finally:
            _ufuncs._parallel_threshold(name, args.dtype, previous)
        pays = [n for i, n in enumerate(SIZES) if all(s > 1.1 for s in speedups[i:])]
        print("%-9s %s   -> parallel from %s (now %d)" % (
            name, " ".join("%8.2fx" % s for s in speedups), pays[0] if pays else "never", previous))


if __name__ == "__main__":
    main()
