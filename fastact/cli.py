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


def load_table(path, target=None):
    """(X, y) from DATA: .npy (2-d; --target a column index), .npz (--target
    names the labels' array; X is the array 'X' or the only other one) or
    .csv (a header row; --target a column name).  y is None without target."""
    path = str(path)
    if path.endswith(".npy"):
        data = np.load(path, allow_pickle=False)
        if data.ndim != 2:
            raise ValueError("%s: expected a 2-d array, got shape %s" % (path, data.shape))
        if target is None:
            return data, None
        try:
            col = int(target)
        except ValueError:
            raise ValueError("%s: --target must be a column index for .npy data, got %r"
                             % (path, target)) from None
        if not -data.shape[1] <= col < data.shape[1]:
            raise ValueError("%s: --target column %d is out of range (%d columns)" % (path, col, data.shape[1]))
        return np.delete(data, col, axis=1), data[:, col]
    if path.endswith(".npz"):
        with np.load(path, allow_pickle=False) as f:
            names = list(f.files)
            y = None
            if target is not None:
                if target not in names:
                    raise ValueError("%s: no array %r for --target (arrays: %s)" % (path, target, ", ".join(names)))
                y = f[target]
                names.remove(target)
            name = "X" if "X" in names else (names[0] if len(names) == 1 else None)
            if name is None:
                raise ValueError("%s: expected an array 'X' (arrays: %s)" % (path, ", ".join(f.files)))
            return f[name], y
    if path.endswith(".csv"):
        import csv
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
        if not rows:
            raise ValueError("%s is empty" % path)
        header, body = rows[0], rows[1:]
        y = None
        if target is not None:
            if target not in header:
                raise ValueError("%s: no column %r for --target (columns: %s)" % (path, target, ", ".join(header)))
            t = header.index(target)
            y = np.array([r[t] for r in body])
            try:
                y = y.astype(np.float64)
                if np.all(y == np.round(y)):
                    y = y.astype(np.int64)
            except ValueError:
                pass   # string labels
            header = header[:t] + header[t + 1:]
            body = [r[:t] + r[t + 1:] for r in body]
        try:
            X = np.array(body, dtype=np.float64).reshape(len(body), len(header))
        except ValueError:
            raise ValueError("%s: every feature column must be numeric" % path) from None
        return X, y
    raise ValueError("DATA must be a .npy, .npz or .csv file, got %r" % path)


def train(args):
    from fastact.linear_model import LogisticRegression, Perceptron
    X, y = load_table(args.data, args.target)
    X = np.asarray(X, dtype=args.dtype)
    kwargs = dict(random_state=args.random_state, warm_start=True, max_iter=1, tol=None)
    model = LogisticRegression(**kwargs) if args.model == "logistic" else Perceptron(**kwargs)
    t_start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        model.fit(X, y)
        print("epoch %d/%d: train accuracy %.4f, %.3f s" % (epoch, args.epochs, model.score(X, y),
                                                          time.perf_counter() - t0), file=sys.stderr)
    model.set_params(warm_start=False, max_iter=args.epochs)
    model.n_iter_ = args.epochs
    model.save(args.output)
    print("trained %s on %d x %d in %.2f s -> %s" % (type(model).__name__, X.shape[0], X.shape[1],
                                                   time.perf_counter() - t_start, args.output))
    return 0


def score(args):
    from fastact.linear_model import load
    model = load(args.model)
    X, _ = load_table(args.data)
    X = np.asarray(X, dtype=model.coef_.dtype)
    kind = args.kind or ("proba" if hasattr(model, "predict_proba") else "label")
    t0 = time.perf_counter()
    if kind == "proba":
        if not hasattr(model, "predict_proba"):
            raise ValueError("--kind proba needs a logistic model")
        out = model.predict_proba(X)
    elif kind == "decision":
        out = model.decision_function(X)
    else:
        out = model.predict(X)
    elapsed = time.perf_counter() - t0
    np.save(args.output, out, allow_pickle=False)
    print("scored %d rows in %.3f s (%.0f rows/s) -> %s" % (X.shape[0], elapsed,
                                                          X.shape[0] / max(elapsed, 1e-9), args.output))
    return 0


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
    p_bench.add_argument("--learners", action="store_true",
                         help="benchmark the perceptron and logistic regression against scikit-learn instead")
    p_bench.add_argument("--family", action="store_true",
                         help="benchmark the modern family and the gradients against PyTorch instead "
                              "(the first of --sizes, default 1e6; the first of --dtypes)")
    p_bench.add_argument("--passes", type=_positive_int, default=1,
                         help="--family: passes over the functions, each time the best of them (default 1)")
    p_bench.add_argument("--rows", type=_positive_int, default=200_000,
                         help="rows of the --learners data (default 200000, 100 features)")
    p_bench.add_argument("--json", metavar="FILE", help="write the raw results as JSON")
    p_bench.add_argument("--plot", metavar="FILE.png", help="draw throughput against size (needs matplotlib)")
    p_demo = sub.add_parser("demo", help="show each activation and a quick timing (the default)")
    p_demo.add_argument("--size", type=int, default=1_000_000, help="elements to time (default 1e6)")
    p_demo.add_argument("--repeat", type=int, default=5, help="timing repeats (default 5)")
    sub.add_parser("config", help="print the build and runtime configuration")
    p_train = sub.add_parser("train", help="fit a perceptron or logistic regression on DATA")
    p_train.add_argument("data", help="a .npy, .npz or .csv file")
    p_train.add_argument("--target", required=True,
                         help="the labels: a column name (.csv), an array name (.npz) or a column index (.npy)")
    p_train.add_argument("--model", choices=("logistic", "perceptron"), default="logistic")
    p_train.add_argument("--epochs", type=_positive_int, default=5, help="passes over DATA (default 5)")
    p_train.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p_train.add_argument("--random-state", type=int, default=0)
    p_train.add_argument("-o", "--output", required=True, help="where to write the model (.npz)")
    p_score = sub.add_parser("score", help="score DATA with a model written by train")
    p_score.add_argument("model", help="a model .npz from fastact train")
    p_score.add_argument("data", help="a .npy, .npz or .csv file of features")
    p_score.add_argument("--kind", choices=("proba", "decision", "label"),
                         help="what to write (default: proba for logistic, label for perceptron)")
    p_score.add_argument("-o", "--output", required=True, help="where to write the scores (.npy)")
    args = parser.parse_args(argv)

    if args.command == "bench":
        return bench.main(args)
    if args.command in ("train", "score"):
        try:
            return (train if args.command == "train" else score)(args)
        except (ValueError, OSError) as exc:
            parser.exit(2, "fastact %s: error: %s\n" % (args.command, exc))
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
