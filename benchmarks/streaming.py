"""Plain against streaming stores, element-wise kernels, by output size.

    python benchmarks/streaming.py [--threads N] [--sizes 1e6,4e6,...]

For each size: GB/s (bytes read + written) of fastact's internal copy and of
the five activations, float32, out= preallocated, best of 5 rounds, with the
streaming-store threshold forced off and on (fastact._ufuncs._stream_threshold).
The default threshold is a quarter of the last-level cache; the table shows
where streaming starts to pay on this machine.
"""
import argparse
import contextlib

import numpy as np

import fastact
from fastact._ufuncs import _copy, _stream_threshold
from fastact.bench import best_seconds

FUNCS = {"copy": _copy, "sigmoid": fastact.sigmoid, "tanh": fastact.tanh,
         "softplus": fastact.softplus, "relu": fastact.relu, "step": fastact.step}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--sizes", default="1e6,4e6,1.6e7,3.2e7,1e8")
    args = ap.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    default = _stream_threshold()
    print("streaming threshold by default: %d bytes of output (%.0f MiB); threads: %s"
          % (default, default / 2**20, args.threads or fastact.get_num_threads()))
    print("%-10s %-8s" % ("n", "stores") + "".join("%10s" % k for k in FUNCS))
    threads = fastact.num_threads(args.threads) if args.threads else contextlib.nullcontext()
    with threads:
        for n in sizes:
            x = np.random.default_rng(0).standard_normal(n).astype(np.float32)
            out = np.empty_like(x)
            for label, threshold in (("plain", 1 << 62), ("stream", 0)):
                _stream_threshold(threshold)
                row = ["%10.1f" % (8 * n / best_seconds(lambda: f(x, out=out)) / 1e9) for f in FUNCS.values()]
                print("%-10d %-8s" % (n, label) + "".join(row))
    _stream_threshold(default)


if __name__ == "__main__":
    main()
