"""LogisticRegression() with its default solver against scikit-learn's
LogisticRegression(lbfgs) on 1e6 x 100 float32 synthetic data: fit time and
test accuracy, one run (issue 4's second bar: within 0.002 in a third of
the time).

    python benchmarks/default_vs_lbfgs.py [--rows 1000000]
"""
import argparse
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression

    from fastact.linear_model import LogisticRegression
    rng = np.random.default_rng(0)
    n, d = args.rows, 100
    X = rng.normal(size=(2 * n, d)).astype(np.float32)
    w = rng.normal(size=d) / np.sqrt(d) * 2
    y = (X @ w + rng.logistic(size=2 * n) > 0).astype(int)
    X_train, y_train, X_test, y_test = X[:n], y[:n], X[n:], y[n:]
    for name, make in (("scikit-learn lbfgs", lambda: SkLogisticRegression()),
                       ("fastact default", lambda: LogisticRegression(random_state=0))):
        t0 = time.perf_counter()
        model = make().fit(X_train, y_train)
        seconds = time.perf_counter() - t0
        print("%-20s %7.2f s   test accuracy %.4f   n_iter_ %s"
              % (name, seconds, model.score(X_test, y_test), getattr(model, "n_iter_", None)), flush=True)


if __name__ == "__main__":
    main()
