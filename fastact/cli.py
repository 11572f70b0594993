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


def _csv_choices(choices):
    def parse(text):
        items = [t.strip() for t in text.split(",") if t.strip()]
        bad = [t for t in items if t not in choices]
        if bad or not items:
            raise argparse.ArgumentTypeError(
                "expected a comma-separated list of %s, got %r" % (", ".join(choices), text))
        return tuple(items)
    return parse


def _csv_sizes(text):
    try:
        sizes = tuple(int(float(t)) for t in text.split(",") if t.strip())
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1 or any(float(t) != int(float(t)) for t in text.split(",") if t.strip()):
        raise argparse.ArgumentTypeError("expected comma-separated positive sizes (e.g. 100,1e4,1e6), got %r" % text)
    return sizes


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError("expected a positive integer, got %r" % text)
    return value


def main(argv=None):
    from fastact import bench

    parser = argparse.ArgumentParser(
        prog="fastact", description="fastact: fast activations for NumPy.")
    sub = parser.add_subparsers(dest="command")
    p_bench = sub.add_parser(
        "bench", help="time fastact against the reference's peers (NumPy, SciPy, numexpr, PyTorch, numba)",
        description=bench.__doc__.split("\n\n")[0])
    p_bench.add_argument("--functions", type=_csv_choices(bench.FUNCTIONS), default=bench.FUNCTIONS,
                         help="comma-separated functions (default: all)")
    p_bench.add_argument("--sizes", type=_csv_sizes, default=bench.DEFAULT_SIZES,
                         help="comma-separated sizes (default: 100,1e4,1e6,1e7)")
    p_bench.add_argument("--dtypes", type=_csv_choices(("float32", "float64")), default=bench.DEFAULT_DTYPES,
                         help="comma-separated dtypes (default: float32,float64)")
    p_bench.add_argument("--threads", type=_positive_int, default=None,
                         help="threads for fastact and the threaded peers (default: fastact's)")
    p_bench.add_argument("--json", metavar="FILE", help="write the raw results as JSON")
    p_bench.add_argument("--plot", metavar="FILE.png", help="draw throughput against size (needs matplotlib)")
    p_demo = sub.add_parser("demo", help="show each activation and a quick timing (the default)")
    p_demo.add_argument("--size", type=int, default=1_000_000, help="elements to time (default 1e6)")
    p_demo.add_argument("--repeat", type=int, default=5, help="timing repeats (default 5)")
    sub.add_parser("config", help="print the build and runtime configuration")
    args = parser.parse_args(argv)

    if args.command == "bench":
        return bench.main(args)
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
