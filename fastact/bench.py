"""`fastact bench`: fastact against the peers a user would pick instead.

For every function, dtype and size it times fastact and each installed peer
(the NumPy composition, SciPy, numexpr, PyTorch, numba) with `out=`
preallocated, best of several rounds, all in one run, and a copy of the same
size, through fastact's own chunks and threads, as the memory-bandwidth
yardstick (bytes read + written).  A function's contenders and the copy are
timed in turns, round by round (best_seconds_each), so that their ratios
hold on a shared machine; in the family's table the cheap ones (the copy,
fastact's kernels) take up to 25 rounds, about a second each, while a slow
peer's calls keep to five.  Missing peers are skipped with a note.
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

def _calls_per_round(fn, budget_s, rounds):
    """Calls of fn (after one to warm it) that fill budget_s / rounds, and
    the time per call they took."""
    fn()
    number = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - t0
        if elapsed >= budget_s / rounds or number >= 1 << 20:
            return number, elapsed / number
        number *= 4


def best_seconds(fn, budget_s=0.03, rounds=5):
    """Best per-call time over `rounds` rounds of enough calls to fill the budget."""
    return best_seconds_each([fn], budget_s, rounds)[0]


def best_seconds_each(fns, budget_s=0.03, rounds=5, max_rounds=None, each_s=0.0):
    """Best per-call time of each of fns, measured in turns: each round
    times every fn once (enough calls to fill its share of the budget), so
    that a slow spell of a shared machine falls on all of them alike and
    their ratios hold.  With max_rounds, a fn whose rounds are short takes
    more of them, up to max_rounds, until they add up to each_s: where one
    call takes longer than the budget (1e8 elements), the cheap fns (a
    copy, fastact's kernels) are timed many times in turns with each other
    instead of as often as the slowest peer."""
    plan = [_calls_per_round(fn, budget_s, rounds) for fn in fns]
    best = [per_call for _, per_call in plan]
    want = [rounds if not max_rounds else
            min(max_rounds, max(rounds, int(each_s / (number * per_call))))
            for number, per_call in plan]
    for r in range(max(want, default=1) - 1):
        for k, (fn, (number, _)) in enumerate(zip(fns, plan)):
            if r >= want[k] - 1:
                continue
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            best[k] = min(best[k], (time.perf_counter() - t0) / number)
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
                for name in functions:
                    done += 1
                    print("[%d/%d] %s %s n=%d" % (done, total, name, dtype, n), file=progress, flush=True)
                    f = getattr(fastact, name)
                    # the copy, fastact and the peers in turns (best_seconds_each)
                    timed = {"copy": lambda: _copy(x, out=out), "fastact": lambda: f(x, out=out)}
                    for peer, fns in peers.items():
                        if name in fns:
                            timed[peer] = (lambda g: lambda: _call(g, x, out))(fns[name])
                    seconds = dict(zip(timed, best_seconds_each(list(timed.values()))))
                    rows.append({"function": name, "dtype": dtype, "n": n, "threads": n_threads,
                                 "copy_s": seconds.pop("copy"), "fastact_s": seconds.pop("fastact"),
                                 "peers_s": seconds})
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
    # (task, fastact, scikit-learn, epochs): 3 epochs each, or None for the
    # defaults with their own stopping rules (seconds for the whole fit)
    pairs = [
        ("logistic sgd", lambda: LogisticRegression(solver="sgd", max_iter=3, tol=None, random_state=0),
         (lambda: sk.SGDClassifier(loss="log_loss", max_iter=3, tol=None, random_state=0)) if sk else None,
         3),
        ("perceptron", lambda: Perceptron(max_iter=3, tol=None, random_state=0),
         (lambda: sk.Perceptron(max_iter=3, tol=None, random_state=0)) if sk else None, 3),
        ("logistic minibatch", lambda: LogisticRegression(max_iter=3, tol=None, random_state=0), None, 3),
        ("default vs lbfgs", lambda: LogisticRegression(random_state=0),
         (lambda: sk.LogisticRegression()) if sk else None, None),
    ]
    rows = []
    rng = np.random.default_rng(0)
    with fastact.num_threads(n_threads):
        for dtype in dtypes:
            X = rng.normal(size=(2 * n_rows, n_features)).astype(dtype)
            w = rng.normal(size=n_features) / np.sqrt(n_features) * 2
            y = ((X @ w + rng.normal(size=2 * n_rows)) > 0).astype(int)
            X_train, y_train, X_test, y_test = X[:n_rows], y[:n_rows], X[n_rows:], y[n_rows:]
            for name, ours, theirs, epochs in pairs:
                print("[learners] %s %s" % (name, dtype), file=progress, flush=True)
                row = {"task": name, "dtype": dtype, "n": n_rows, "d": n_features, "epochs": epochs}
                for label, make in (("fastact", ours), ("sklearn", theirs)):
                    if make is None:
                        continue
                    t0 = time.perf_counter()
                    model = make().fit(X_train, y_train)
                    row[label + "_s_per_epoch"] = (time.perf_counter() - t0) / (epochs or 1)
                    row[label + "_accuracy"] = float(model.score(X_test, y_test))
                    if name == "logistic sgd":
                        row[label + "_proba_s"] = best_seconds(lambda: model.predict_proba(X_test),
                                                               budget_s=0.2, rounds=3)
                rows.append(row)
    return {"rows": rows, "threads": n_threads,
            "notes": [] if sk else ["scikit-learn not installed: its columns are skipped"]}


def format_learners(result):
    lines = ["learners, %d thread(s): seconds per epoch (3 epochs; 'default vs lbfgs': the whole fit, "
             "each with its stopping rule), test accuracy, and predict_proba of the logistic model"
             % result["threads"],
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


# --- the modern family: forward and backward against PyTorch -----------------

def _family_cases():
    """name -> (fastact forward, fastact backward, torch forward, torch backward,
    NumPy composition or None); the torch callables take tensors, the
    backward ones (grad, x, y) through ATen's backward kernels (no autograd
    graph), as PyTorch's own backward pass calls them."""
    from fastact import activations as A, grad as G
    try:
        import torch
    except ImportError:
        torch = None
    F = torch.nn.functional if torch else None
    aten = torch.ops.aten if torch else None
    sa = 1.6732632423543772
    ss = 1.0507009873554805
    np_sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    cases = {
        "leaky_relu": (lambda x, out: A.leaky_relu(x, out=out), lambda g, x, y, out: G.leaky_relu(g, x, out=out),
                       lambda x: F.leaky_relu(x), lambda g, x, y: aten.leaky_relu_backward(g, x, 0.01, False),
                       lambda x: np.where(x > 0, x, 0.01 * x)),
        "elu": (lambda x, out: A.elu(x, out=out), lambda g, x, y, out: G.elu(g, x, out=out),
                lambda x: F.elu(x), lambda g, x, y: aten.elu_backward(g, 1.0, 1, 1, False, x),
                lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
        "selu": (lambda x, out: A.selu(x, out=out), lambda g, x, y, out: G.selu(g, x, out=out),
                 lambda x: F.selu(x), lambda g, x, y: aten.elu_backward(g, sa, ss, 1, False, x),
                 lambda x: ss * np.where(x > 0, x, sa * np.expm1(np.minimum(x, 0)))),
        "celu": (lambda x, out: A.celu(x, out=out), lambda g, x, y, out: G.celu(g, x, out=out),
                 lambda x: F.celu(x), lambda g, x, y: aten.elu_backward(g, 1.0, 1, 1.0, False, x),
                 None),
        "silu": (lambda x, out: A.silu(x, out=out), lambda g, x, y, out: G.silu(g, x, out=out),
                 lambda x: F.silu(x), lambda g, x, y: aten.silu_backward(g, x),
                 lambda x: x * np_sig(x)),
        "mish": (lambda x, out: A.mish(x, out=out), lambda g, x, y, out: G.mish(g, x, out=out),
                 lambda x: F.mish(x), lambda g, x, y: aten.mish_backward(g, x),
                 lambda x: x * np.tanh(np.logaddexp(0, x))),
        "softsign": (lambda x, out: A.softsign(x, out=out), lambda g, x, y, out: G.softsign(g, x, out=out),
                     lambda x: F.softsign(x), lambda g, x, y: g / (1 + x.abs()) ** 2,
                     lambda x: x / (1 + np.abs(x))),
        "hardsigmoid": (lambda x, out: A.hardsigmoid(x, out=out),
                        lambda g, x, y, out: G.hardsigmoid(g, x, out=out),
                        lambda x: F.hardsigmoid(x), lambda g, x, y: aten.hardsigmoid_backward(g, x),
                        lambda x: np.clip(x / 6 + 0.5, 0, 1)),
        "hardswish": (lambda x, out: A.hardswish(x, out=out), lambda g, x, y, out: G.hardswish(g, x, out=out),
                      lambda x: F.hardswish(x), lambda g, x, y: aten.hardswish_backward(g, x),
                      lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
        "hardtanh": (lambda x, out: A.hardtanh(x, out=out), lambda g, x, y, out: G.hardtanh(g, x, out=out),
                     lambda x: F.hardtanh(x), lambda g, x, y: aten.hardtanh_backward(g, x, -1.0, 1.0),
                     lambda x: np.clip(x, -1, 1)),
        "relu6": (lambda x, out: A.relu6(x, out=out), lambda g, x, y, out: G.relu6(g, x, out=out),
                  lambda x: F.relu6(x), lambda g, x, y: aten.hardtanh_backward(g, x, 0.0, 6.0),
                  lambda x: np.clip(x, 0, 6)),
        "log_sigmoid": (lambda x, out: A.log_sigmoid(x, out=out),
                        lambda g, x, y, out: G.log_sigmoid(g, x, out=out),
                        lambda x: F.logsigmoid(x), lambda g, x, y: g * torch.sigmoid(-x),
                        lambda x: -np.logaddexp(0, -x)),
        "threshold": (lambda x, out: A.threshold(x, 0.5, 0.0, out=out),
                      lambda g, x, y, out: G.threshold(g, x, 0.5, out=out),
                      lambda x: F.threshold(x, 0.5, 0.0), lambda g, x, y: aten.threshold_backward(g, x, 0.5),
                      lambda x: np.where(x > 0.5, x, 0.0)),
        "softplus(beta=2)": (lambda x, out: A.softplus(x, beta=2.0, out=out),
                             lambda g, x, y, out: G.softplus(g, x, beta=2.0, out=out),
                             lambda x: F.softplus(x, beta=2.0),
                             lambda g, x, y: aten.softplus_backward(g, x, 2.0, 20.0),
                             lambda x: np.logaddexp(0, 2 * x) / 2),
        "gelu": (lambda x, out: A.gelu(x, out=out), lambda g, x, y, out: G.gelu(g, x, out=out),
                 lambda x: F.gelu(x), lambda g, x, y: aten.gelu_backward(g, x), None),
        "gelu(tanh)": (lambda x, out: A.gelu(x, approximate="tanh", out=out),
                       lambda g, x, y, out: G.gelu(g, x, approximate="tanh", out=out),
                       lambda x: F.gelu(x, approximate="tanh"),
                       lambda g, x, y: aten.gelu_backward(g, x, approximate="tanh"), None),
        "tanhshrink": (lambda x, out: A.tanhshrink(x, out=out), lambda g, x, y, out: G.tanhshrink(g, x, out=out),
                       lambda x: F.tanhshrink(x), lambda g, x, y: g * torch.tanh(x) ** 2,
                       lambda x: x - np.tanh(x)),
        "softmax(rows of 1000)": (lambda x, out: A.softmax(x.reshape(-1, 1000), out=None if out is None
                                                             else out.reshape(-1, 1000)),
                                  lambda g, x, y, out: G.softmax(g.reshape(-1, 1000), y.reshape(-1, 1000),
                                                                 out=None if out is None else out.reshape(-1, 1000)),
                                  lambda x: torch.softmax(x.reshape(-1, 1000), dim=-1),
                                  lambda g, x, y: aten._softmax_backward_data(g.reshape(-1, 1000),
                                                                              y.reshape(-1, 1000), -1, y.dtype),
                                  None),
        "sigmoid": (lambda x, out: fastact.sigmoid(x, out=out), lambda g, x, y, out: G.sigmoid(g, y, out=out),
                    lambda x: torch.sigmoid(x), lambda g, x, y: aten.sigmoid_backward(g, y), np_sig),
        "tanh": (lambda x, out: fastact.tanh(x, out=out), lambda g, x, y, out: G.tanh(g, y, out=out),
                 lambda x: torch.tanh(x), lambda g, x, y: aten.tanh_backward(g, y), np.tanh),
        "relu": (lambda x, out: fastact.relu(x, out=out), lambda g, x, y, out: G.relu(g, x, out=out),
                 lambda x: torch.relu(x), lambda g, x, y: aten.threshold_backward(g, x, 0.0),
                 lambda x: np.maximum(x, 0)),
    }
    return cases, torch


def run_family(n=1_000_000, dtype="float32", n_threads=None, functions=None, progress=None, passes=1):
    """Melem/s of every family function and gradient, fastact (out=) against
    PyTorch (allocating, as its functional API does) and the NumPy
    composition, at one size, in one run: `passes` passes over the
    functions, each time the best of them all (a shared machine's slow
    spells last longer than one function's turn)."""
    progress = progress or sys.stderr
    cases, torch = _family_cases()
    n_threads = n_threads or fastact.get_num_threads()
    restore = []
    if torch is not None:
        previous = torch.get_num_threads()
        torch.set_num_threads(n_threads)
        restore.append(lambda: torch.set_num_threads(previous))
    rng = np.random.default_rng(0)
    x = rng.uniform(-8, 8, n).astype(dtype)
    g = rng.uniform(-1, 1, n).astype(dtype)
    out = np.empty_like(x)
    rows = {}
    try:
        with fastact.num_threads(n_threads):
            for pass_ in range(passes):
                _family_pass(cases, torch, functions, x, g, out, n, dtype, rows, pass_, progress)
    finally:
        for undo in restore:
            undo()
    return {"rows": list(rows.values()), "threads": n_threads, "passes": passes,
            "notes": [] if torch is not None else ["PyTorch not installed: its columns are skipped"]}


def _family_pass(cases, torch, functions, x, g, out, n, dtype, rows, pass_, progress):
    """One pass over the functions; each time in rows keeps its best over
    the passes (the NumPy compositions, the slowest calls, in the first
    pass only)."""
    for name, (fwd, bwd, tf, tb, comp) in cases.items():
        if functions and name not in functions:
            continue
        print("[family] %s%s" % (name, " (pass %d)" % (pass_ + 1) if pass_ else ""),
              file=progress, flush=True)
        y = fwd(x, None)
        # the copy, fastact, PyTorch and NumPy in turns (best_seconds_each)
        timed = {"copy_s": lambda: _copy(x, out=out), "fastact_forward_s": lambda: fwd(x, out),
                 "fastact_backward_s": lambda: bwd(g, x, y, out)}
        if torch is not None:
            xt, gt = torch.from_numpy(x), torch.from_numpy(g)
            yt = tf(xt)
            timed["torch_forward_s"] = lambda: tf(xt)
            timed["torch_backward_s"] = lambda: tb(gt, xt, yt)
        if comp is not None and pass_ == 0:
            timed["numpy_forward_s"] = lambda: comp(x)
        with np.errstate(all="ignore"):
            seconds = best_seconds_each(list(timed.values()), max_rounds=25, each_s=1.0)
        row = rows.setdefault(name, {"function": name, "n": n, "dtype": dtype})
        for key, sec in zip(timed, seconds):
            row[key] = min(row.get(key, sec), sec)


def format_family(result):
    passes = result.get("passes", 1)
    lines = ["family, %d thread(s), Melem/s (fastact with out=, PyTorch allocating)%s; "
             "'x' columns: fastact / PyTorch" % (
                 result["threads"], ", best of %d passes" % passes if passes > 1 else ""),
             "%18s %8s %10s %9s %10s %10s %8s %11s %11s %8s %8s %8s" % (
                 "function", "dtype", "n", "fwd", "torch fwd", "numpy fwd", "fwd x", "bwd",
                 "torch bwd", "bwd x", "fwd bw", "bwd bw")]
    for r in result["rows"]:
        n = r["n"]
        rate = lambda k: n / r[k] / 1e6 if k in r else None  # noqa: E731
        cell = lambda v: "%.0f" % v if v else "-"  # noqa: E731
        f, tf, nf = rate("fastact_forward_s"), rate("torch_forward_s"), rate("numpy_forward_s")
        b, tb = rate("fastact_backward_s"), rate("torch_backward_s")
        # bytes moved per second against fastact's copy of x (read + write):
        # the forward moves as many, the backward 3/2 as many (g, x, out)
        fbw, bbw = r["copy_s"] / r["fastact_forward_s"], 1.5 * r["copy_s"] / r["fastact_backward_s"]
        lines.append("%18s %8s %10.0e %9s %10s %10s %8s %11s %11s %8s %7.0f%% %7.0f%%" % (
            r["function"], r["dtype"], n, cell(f), cell(tf), cell(nf),
            "%.2fx" % (f / tf) if tf else "-", cell(b), cell(tb), "%.2fx" % (b / tb) if tb else "-",
            100 * fbw, 100 * bbw))
    copies = [r["n"] / r["copy_s"] / 1e6 for r in result["rows"]]
    lines.append("'bw' columns: bytes moved per second as a share of fastact's copy of x, timed "
                 "in turns with each function (%.0f-%.0f Melem/s)" % (min(copies or [0]), max(copies or [0])))
    for note in result["notes"]:
        lines.append("note: " + note)
    return "\n".join(lines)


def main(args):
    if getattr(args, "family", False):
        size = args.sizes[0] if args.sizes != DEFAULT_SIZES else 1_000_000
        result = run_family(size, dtype=args.dtypes[0], n_threads=args.threads, passes=args.passes)
        print(format_family(result))
        if args.json:
            with open(args.json, "w") as f:
                json.dump(result, f, indent=1)
        return 0
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
