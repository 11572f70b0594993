"""`fastact bench`: fastact against the peers a user would pick instead.

For every function, dtype and size it times fastact and each installed peer
(the NumPy composition, SciPy, numexpr, PyTorch, numba) with `out=`
preallocated, best of several rounds, all in one run, and a copy of the same
size, through fastact's own chunks and threads, as the memory-bandwidth
yardstick (bytes read + written).  Missing peers
are skipped with a note.
"""
import json
import sys
import time

import numpy as np

import fastact
from fastact._ufuncs import _copy

FUNCTIONS = ("sigmoid", "tanh", "softplus", "relu", "step")
DEFAULT_SIZES = (100, 10_000, 1_000_000, 10_000_000)
DEFAULT_DTYPES = ("float32", "float64")


# --- peers: each returns {function: fn(x, out)} or raises ImportError; one
# that changes a process-wide thread setting appends its undo to `restore` ---

def _numpy_peer(n_threads, restore):
    def sigmoid(x, out):
        np.negative(x, out=out)
        np.exp(out, out=out)
        out += 1
        return np.reciprocal(out, out=out)

    def softplus(x, out):
        t = np.abs(x)
        np.negative(t, out=t)
        np.exp(t, out=t)
        np.log1p(t, out=t)
        np.maximum(x, 0, out=out)
        return np.add(out, t, out=out)

    return {
        "sigmoid": sigmoid,
        "tanh": lambda x, out: np.tanh(x, out=out),
        "softplus": softplus,
        "relu": lambda x, out: np.maximum(x, 0, out=out),
        "step": lambda x, out: np.heaviside(x, 0, out=out),
    }


def _scipy_peer(n_threads, restore):
    from scipy import special

    def softplus(x, out):
        # softplus(x) = -log_expit(-x)
        np.negative(x, out=out)
        special.log_expit(out, out=out)
        return np.negative(out, out=out)

    return {"sigmoid": lambda x, out: special.expit(x, out=out), "softplus": softplus}


def _numexpr_peer(n_threads, restore):
    import numexpr
    previous = numexpr.set_num_threads(n_threads)
    restore.append(lambda: numexpr.set_num_threads(previous))
    exprs = {
        "sigmoid": "1 / (1 + exp(-x))",
        "tanh": "tanh(x)",
        "softplus": "where(x > 0, x, 0) + log1p(exp(-abs(x)))",
        "relu": "where(x > 0, x, 0)",
        "step": "where(x > 0, 1, 0)",
    }
    return {name: (lambda e: lambda x, out: numexpr.evaluate(e, local_dict={"x": x}, out=out,
                                                            casting="unsafe"))(e)
            for name, e in exprs.items()}


def _torch_peer(n_threads, restore):
    import torch
    # torch.set_num_threads also sets this thread's OpenMP count, which is
    # fastact's default: undo it when the benchmark is over.
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    restore.append(lambda: torch.set_num_threads(previous))
    F = torch.nn.functional

    def wrap(fn):
        def run(x, out):
            fn(torch.from_numpy(x), torch.from_numpy(out))
            return out
        return run

    return {
        "sigmoid": wrap(lambda t, o: torch.sigmoid(t, out=o)),
        "tanh": wrap(lambda t, o: torch.tanh(t, out=o)),
        "softplus": wrap(lambda t, o: o.copy_(F.softplus(t))),
        "relu": wrap(lambda t, o: torch.clamp_min(t, 0, out=o)),
        "step": wrap(lambda t, o: torch.gt(t, 0, out=o)),
    }


def _numba_peer(n_threads, restore):
    import math

    import numba

    sig = ["float32(float32)", "float64(float64)"]
    return {
        "sigmoid": numba.vectorize(sig)(lambda v: 1 / (1 + math.exp(-v))),
        "tanh": numba.vectorize(sig)(lambda v: math.tanh(v)),
        "softplus": numba.vectorize(sig)(lambda v: max(v, 0) + math.log1p(math.exp(-abs(v)))),
        "relu": numba.vectorize(sig)(lambda v: v if v > 0 else 0),
        "step": numba.vectorize(sig)(lambda v: 1 if v > 0 else 0),
    }


PEERS = {
    "numpy": _numpy_peer,
    "scipy": _scipy_peer,
    "numexpr": _numexpr_peer,
    "torch": _torch_peer,
    "numba": _numba_peer,
}


def _call(fn, x, out):
    """Adapt numba's ufuncs (out as keyword) and the (x, out) callables."""
    return fn(x, out=out) if isinstance(fn, np.ufunc) else fn(x, out)


# --- timing ----------------------------------------------------------------

def best_seconds(fn, budget_s=0.03, rounds=5):
    """Best per-call time over `rounds` rounds of enough calls to fill the budget."""
    fn()
    number = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - t0
        if elapsed >= budget_s / rounds or number >= 1 << 20:
            break
        number *= 4
    best = elapsed / number
    for _ in range(rounds - 1):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best



def run(functions=FUNCTIONS, sizes=DEFAULT_SIZES, dtypes=DEFAULT_DTYPES, n_threads=None,
        progress=None):
    """Measure everything; return a dict with the rows, the peers and the notes."""
    progress = progress or sys.stderr
    n_threads = n_threads or fastact.get_num_threads()
    peers, notes, restore = {}, [], []
    try:
        for name, make in PEERS.items():
            try:
                peers[name] = make(n_threads, restore)
            except ImportError as exc:
                notes.append("%s not installed (%s): skipped" % (name, exc))
        rows = _measure(peers, functions, sizes, dtypes, n_threads, progress)
    finally:
        for undo in reversed(restore):
            undo()
    return {"rows": rows, "peers": list(peers), "notes": notes, "threads": n_threads,
            "config": fastact._config.config()}


def _measure(peers, functions, sizes, dtypes, n_threads, progress):
    rows = []
    total = len(functions) * len(sizes) * len(dtypes)
    rng = np.random.default_rng(0)
    done = 0
    with fastact.num_threads(n_threads):
        for dtype in dtypes:
            for n in sizes:
                x = rng.uniform(-10, 10, n).astype(dtype)
                out = np.empty_like(x)
                t_copy = best_seconds(lambda: _copy(x, out=out))
                for name in functions:
                    done += 1
                    print("[%d/%d] %s %s n=%d" % (done, total, name, dtype, n), file=progress, flush=True)
                    f = getattr(fastact, name)
                    row = {"function": name, "dtype": dtype, "n": n, "threads": n_threads,
                           "copy_s": t_copy, "fastact_s": best_seconds(lambda: f(x, out=out)),
                           "peers_s": {}}
                    for peer, fns in peers.items():
                        if name in fns:
                            g = fns[name]
                            row["peers_s"][peer] = best_seconds(lambda: _call(g, x, out))
                    rows.append(row)
    return rows


def format_table(result):
    peers = result["peers"]
    head = ["function", "dtype", "n", "fastact"] + peers + ["vs best peer", "vs copy", "GB/s"]
    lines = ["throughput in Melem/s (higher is better), %d thread(s); 'vs copy' is fastact's "
             "speed as a share of a same-size copy" % result["threads"],
             " ".join("%10s" % h for h in head)]
    for r in result["rows"]:
        melem = lambda s: r["n"] / s / 1e6
        cells = ["%10s" % r["function"], "%10s" % r["dtype"], "%10.0e" % r["n"],
                 "%10.0f" % melem(r["fastact_s"])]
        for p in peers:
            cells.append("%10.0f" % melem(r["peers_s"][p]) if p in r["peers_s"] else "%10s" % "-")
        best = min(r["peers_s"].values()) if r["peers_s"] else float("nan")
        itemsize = np.dtype(r["dtype"]).itemsize
        gbs = 2 * r["n"] * itemsize / r["fastact_s"] / 1e9
        cells += ["%9.2fx" % (best / r["fastact_s"]), "%9.0f%%" % (100 * r["copy_s"] / r["fastact_s"]),
                  "%10.1f" % gbs]
        lines.append(" ".join(cells))
    for note in result["notes"]:
        lines.append("note: " + note)
    return "\n".join(lines)


def plot(result, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    functions = sorted({r["function"] for r in result["rows"]}, key=FUNCTIONS.index)
    dtypes = sorted({r["dtype"] for r in result["rows"]})
    fig, axes = plt.subplots(len(dtypes), len(functions), figsize=(4 * len(functions), 3.4 * len(dtypes)),
                             squeeze=False, sharex=True)
    for i, dtype in enumerate(dtypes):
        for j, name in enumerate(functions):
            ax = axes[i][j]
            rows = [r for r in result["rows"] if r["function"] == name and r["dtype"] == dtype]
            ns = [r["n"] for r in rows]
            ax.plot(ns, [r["n"] / r["fastact_s"] / 1e6 for r in rows], "o-", lw=2.5, color="C0",
                    label="fastact")
            for k, p in enumerate(result["peers"]):
                # one colour per implementation in every panel (peers lack some functions)
                pts = [(r["n"], r["n"] / r["peers_s"][p] / 1e6) for r in rows if p in r["peers_s"]]
                ax.plot(*(zip(*pts) if pts else ([], [])), ".--", color="C%d" % (k + 1), label=p)
            ax.plot(ns, [r["n"] / r["copy_s"] / 1e6 for r in rows], ":", color="gray", label="copy")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title("%s %s" % (name, dtype))
            ax.set_xlabel("elements")
            if j == 0:
                ax.set_ylabel("Melem/s")
            ax.grid(True, which="both", alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle("fastact vs peers, %d thread(s)" % result["threads"])
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def run_learners(n_rows, n_features=100, dtypes=DEFAULT_DTYPES, n_threads=None, progress=None):
    """Seconds per epoch of fastact's learners and scikit-learn's (if installed)
    on synthetic data, and predict_proba throughput, in one run."""
    from fastact.linear_model import LogisticRegression, Perceptron
    progress = progress or sys.stderr
    n_threads = n_threads or fastact.get_num_threads()
    try:
        from sklearn import linear_model as sk
    except ImportError:
        sk = None
    pairs = [
        ("logistic sgd", lambda: LogisticRegression(max_iter=3, tol=None, random_state=0),
         (lambda: sk.SGDClassifier(loss="log_loss", max_iter=3, tol=None, random_state=0)) if sk else None),
        ("perceptron", lambda: Perceptron(max_iter=3, tol=None, random_state=0),
         (lambda: sk.Perceptron(max_iter=3, tol=None, random_state=0)) if sk else None),
        ("logistic minibatch", lambda: LogisticRegression(solver="minibatch", learning_rate="constant",
                                                          eta0=0.5, max_iter=3, tol=None, random_state=0),
         None),
    ]
    rows = []
    rng = np.random.default_rng(0)
    with fastact.num_threads(n_threads):
        for dtype in dtypes:
            X = rng.normal(size=(2 * n_rows, n_features)).astype(dtype)
            w = rng.normal(size=n_features) / np.sqrt(n_features) * 2
            y = ((X @ w + rng.normal(size=2 * n_rows)) > 0).astype(int)
            X_train, y_train, X_test, y_test = X[:n_rows], y[:n_rows], X[n_rows:], y[n_rows:]
            for name, ours, theirs in pairs:
                print("[learners] %s %s" % (name, dtype), file=progress, flush=True)
                row = {"task": name, "dtype": dtype, "n": n_rows, "d": n_features}
                for label, make in (("fastact", ours), ("sklearn", theirs)):
                    if make is None:
                        continue
                    t0 = time.perf_counter()
                    model = make().fit(X_train, y_train)
                    row[label + "_s_per_epoch"] = (time.perf_counter() - t0) / 3
                    row[label + "_accuracy"] = float(model.score(X_test, y_test))
                    if name == "logistic sgd":
                        row[label + "_proba_s"] = best_seconds(lambda: model.predict_proba(X_test),
                                                               budget_s=0.2, rounds=3)
                rows.append(row)
    return {"rows": rows, "threads": n_threads,
            "notes": [] if sk else ["scikit-learn not installed: its columns are skipped"]}


def format_learners(result):
    lines = ["learners, %d thread(s): seconds per epoch (3 epochs), test accuracy, and "
             "predict_proba of the logistic model" % result["threads"],
             "%20s %8s %10s %10s %8s %9s %9s %14s %14s" % (
                 "task", "dtype", "rows", "fastact s", "sklearn s", "speed-up", "acc f/s",
                 "proba Mrow/s", "proba GB/s")]
    for r in result["rows"]:
        ours, theirs = r["fastact_s_per_epoch"], r.get("sklearn_s_per_epoch")
        proba = r.get("fastact_proba_s")
        gbs = r["n"] * r["d"] * np.dtype(r["dtype"]).itemsize / proba / 1e9 if proba else None
        lines.append("%20s %8s %10d %10.3f %8s %9s %9s %14s %14s" % (
            r["task"], r["dtype"], r["n"], ours,
            "%.3f" % theirs if theirs else "-", "%.1fx" % (theirs / ours) if theirs else "-",
            "%.3f/%s" % (r["fastact_accuracy"], "%.3f" % r["sklearn_accuracy"] if theirs else "-"),
            "%.1f" % (r["n"] / proba / 1e6) if proba else "-", "%.1f" % gbs if gbs else "-"))
    for note in result["notes"]:
        lines.append("note: " + note)
    return "\n".join(lines)


def main(args):
    if args.learners:
        result = run_learners(args.rows, dtypes=args.dtypes, n_threads=args.threads)
        print(format_learners(result))
        if args.json:
            with open(args.json, "w") as f:
                json.dump(result, f, indent=1)
        return 0
    result = run(functions=args.functions, sizes=args.sizes, dtypes=args.dtypes, n_threads=args.threads)
    print(format_table(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    if args.plot:
        try:
            plot(result, args.plot)
        except ImportError:
            print("note: --plot needs matplotlib (pip install 'fastact[plot]')", file=sys.stderr)
            return 1
    return 0
