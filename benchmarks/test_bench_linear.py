"""pytest-benchmark suite for the learners: fastact against scikit-learn.

    pytest benchmarks/test_bench_linear.py --benchmark-group-by=group

Synthetic data of FASTACT_BENCH_ROWS (default 1e6) x 100, float32 and
float64.  Fitting is timed for a fixed number of epochs (tol=None), scoring
as predict_proba / predict over the same X; each group is one task and
dtype, so fastact and scikit-learn sit side by side.  The test accuracy of
every fit goes into extra_info.  scikit-learn missing: its cases are skipped.
"""
import os

import numpy as np
import pytest

from fastact.linear_model import LogisticRegression, Perceptron

ROWS = int(float(os.environ.get("FASTACT_BENCH_ROWS", "1e6")))
FEATURES = 100
EPOCHS = 5


@pytest.fixture(scope="module", params=["float32", "float64"])
def data(request):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2 * ROWS, FEATURES)).astype(request.param)
    w = rng.normal(size=FEATURES) / np.sqrt(FEATURES) * 2
    y = ((X @ w + rng.normal(size=2 * ROWS)) > 0).astype(int)
    return request.param, X[:ROWS], y[:ROWS], X[ROWS:], y[ROWS:]


def _make(task, impl):
    if impl == "fastact":
        if task == "logistic-sgd":
            return LogisticRegression(solver="sgd", max_iter=EPOCHS, tol=None, random_state=0)
        if task == "perceptron":
            return Perceptron(max_iter=EPOCHS, tol=None, random_state=0)
        # against lbfgs: the default estimator, with its own stopping rule
        return LogisticRegression(random_state=0)
    sk = pytest.importorskip("sklearn.linear_model")
    if task == "logistic-sgd":
        return sk.SGDClassifier(loss="log_loss", max_iter=EPOCHS, tol=None, random_state=0)
    if task == "perceptron":
        return sk.Perceptron(max_iter=EPOCHS, tol=None, random_state=0)
    return sk.LogisticRegression()


@pytest.mark.parametrize("impl", ["fastact", "sklearn"])
@pytest.mark.parametrize("task", ["logistic-sgd", "perceptron", "logistic-lbfgs"])
def test_fit(benchmark, data, task, impl):
    dtype, X, y, X_test, y_test = data
    if _make(task, impl) is None:
        pytest.skip("fastact has no lbfgs solver: the lbfgs group is scikit-learn's reference time")
    benchmark.group = "fit %s %s %dx%d" % (task, dtype, ROWS, FEATURES)
    model = benchmark.pedantic(lambda: _make(task, impl).fit(X, y), rounds=1, iterations=1)
    benchmark.extra_info["test_accuracy"] = float(model.score(X_test, y_test))
    benchmark.extra_info["seconds_per_epoch"] = benchmark.stats.stats.min / EPOCHS


@pytest.mark.parametrize("impl", ["fastact", "sklearn"])
def test_predict_proba(benchmark, data, impl):
    dtype, X, y, X_test, _ = data
    model = _make("logistic-sgd", impl)
    model.set_params(max_iter=1)
    model.fit(X[:10_000], y[:10_000])
    benchmark.group = "predict_proba %s %dx%d" % (dtype, ROWS, FEATURES)
    benchmark(model.predict_proba, X_test)
    benchmark.extra_info["gb_per_s_of_X"] = X_test.nbytes / benchmark.stats.stats.min / 1e9
