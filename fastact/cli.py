"""The `fastact` command line (also `python -m fastact`)."""
import argparse
import sys
import time

import numpy as np

ACTIVATIONS = ("sigmoid", "tanh", "softplus", "relu", "step")


def _best_time(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def demo(size=1_000_000, repeat=5, out=None):
    """Print each activation on a few values, then time it against the reference."""
    import fastact
    from fastact import reference

    out = out or sys.stdout
    fastact.show_config(file=out)
    x = np.array([-np.inf, -100, -5, -1, -0.0, 0.0, 1, 5, 100, np.inf, np.nan], dtype=np.float32)
    print("\nfloat32 inputs: %s" % np.array2string(x, precision=4), file=out)
    for name in ACTIVATIONS:
        y = getattr(fastact, name)(x)
        print("  %-9s %s" % (name, np.array2string(y, precision=4, suppress_small=False)), file=out)

    rng = np.random.default_rng(0)
    print("\ntime for %d elements (best of %d), fastact vs fastact.reference:" % (size, repeat), file=out)
    print("  %-9s %-8s %12s %14s %8s" % ("function", "dtype", "fastact ms", "reference ms", "ratio"), file=out)
    for dtype in (np.float32, np.float64):
        data = rng.uniform(-10, 10, size).astype(dtype)
        dest = np.empty_like(data)
        for name in ACTIVATIONS:
            ours = getattr(fastact, name)
            ref = getattr(reference, name)
            t_ours = _best_time(lambda: ours(data, out=dest), repeat)
            t_ref = _best_time(lambda: ref(data), max(1, repeat // 2))
            print("  %-9s %-8s %12.3f %14.3f %7.1fx" % (
                name, np.dtype(dtype).name, 1e3 * t_ours, 1e3 * t_ref, t_ref / t_ours), file=out)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="fastact", description="fastact: fast activations for NumPy.")
    sub = parser.add_subparsers(dest="command")
    p_demo = sub.add_parser("demo", help="show each activation and a quick timing (the default)")
    p_demo.add_argument("--size", type=int, default=1_000_000, help="elements to time (default 1e6)")
    p_demo.add_argument("--repeat", type=int, default=5, help="timing repeats (default 5)")
    sub.add_parser("config", help="print the build and runtime configuration")
    args = parser.parse_args(argv)

    if args.command == "config":
        import fastact
        fastact.show_config()
        return 0
    size = getattr(args, "size", 1_000_000)
    repeat = getattr(args, "repeat", 5)
    if size < 1 or repeat < 1:
        parser.error("--size and --repeat must be positive")
    demo(size=size, repeat=repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
