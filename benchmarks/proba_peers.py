"""predict_proba on 1e6 x 100 float32 against the compositions a user would
write instead, and against copying X, in one run (issue 4's scoring bar).

    python benchmarks/proba_peers.py [--rows 1000000]

Peers that are not installed are skipped.  "copy" is fastact's own
element-wise copy of X into another array (streamed stores, threads), the
yardstick of `fastact bench`; its rate is given as bytes copied per second
and as bytes moved (read + written) per second.
"""
import argparse

import numpy as np

import fastact
from fastact._ufuncs import _copy
from fastact.bench import best_seconds
from fastact.linear_model import LogisticRegression


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n, d = args.rows, 100
    X = rng.normal(size=(n, d)).astype(np.float32)
    w = rng.normal(size=d) / np.sqrt(d) * 2
    y = ((X @ w + rng.normal(size=n)) > 0).astype(int)
    ours = LogisticRegression(random_state=0).fit(X, y)
    coef, b = ours.coef_[0], float(ours.intercept_[0])
    cases = {"fastact predict_proba": lambda: ours.predict_proba(X)}
    try:
        from sklearn.linear_model import SGDClassifier
        sk = SGDClassifier(loss="log_loss", max_iter=1, tol=None, random_state=0).fit(X, y)
        cases["sklearn SGDClassifier.predict_proba"] = lambda: sk.predict_proba(X)
    except ImportError:
        pass
    try:
        from scipy.special import expit
        cases["scipy expit(X @ w + b)"] = lambda: expit(X @ coef + b)
    except ImportError:
        pass
    try:
        import torch
        tX, tw, tb = torch.from_numpy(X), torch.from_numpy(coef.copy()), torch.full((n,), b)
        cases["torch addmv(b, X, w).sigmoid_()"] = lambda: torch.addmv(tb, tX, tw).sigmoid_()
    except ImportError:
        pass
    flat, dst = X.reshape(-1), np.empty(X.size, dtype=X.dtype)
    t_copy = best_seconds(lambda: _copy(flat, out=dst), budget_s=1.0, rounds=7)
    print("1e6 x 100 float32, %d thread(s); X is %.0f MB" % (fastact.get_num_threads(), X.nbytes / 1e6))
    print("%-38s %9s %12s" % ("", "ms", "GB/s of X"))
    print("%-38s %9.2f %12.1f   (%.1f GB/s read + written)"
          % ("copy of X (fastact)", t_copy * 1e3, X.nbytes / t_copy / 1e9, 2 * X.nbytes / t_copy / 1e9))
    for name, f in cases.items():
        t = best_seconds(f, budget_s=1.0, rounds=7)
        print("%-38s %9.2f %12.1f   %.0f%% of the copy's rate" % (name, t * 1e3, X.nbytes / t / 1e9,
                                                                  100 * t_copy / t))


if __name__ == "__main__":
    main()
