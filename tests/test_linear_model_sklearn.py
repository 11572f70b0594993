"""With scikit-learn installed: the estimators work in its tools and agree
with its LogisticRegression.  Skipped (as a peer) where it is not installed."""
import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from fastact.linear_model import LogisticRegression, Perceptron  # noqa: E402


def noisy_problem(n=4000, d=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d)
    y = (X @ w + rng.normal(scale=2.0, size=n) > 0).astype(int)
    return train_test_split(X, y, test_size=0.5, random_state=0)


@pytest.mark.parametrize("Est", [Perceptron, LogisticRegression])
def test_clone_pipeline_and_grid_search(Est):
    X_train, X_test, y_train, y_test = noisy_problem()
    est = Est(random_state=0)
    cloned = clone(est)
    assert cloned.get_params() == est.get_params() and not hasattr(cloned, "coef_")
    pipe = make_pipeline(StandardScaler(), Est(random_state=0)).fit(X_train, y_train)
    assert pipe.score(X_test, y_test) > 0.7
    grid = GridSearchCV(Est(random_state=0), {"max_iter": [5, 50]}, cv=3).fit(X_train, y_train)
    assert grid.best_params_["max_iter"] in (5, 50)


def test_logistic_agrees_with_scikit_learn():
    from sklearn.linear_model import LogisticRegression as SkLogisticRegression
    X_train, X_test, y_train, y_test = noisy_problem(n=20_000)
    ours = LogisticRegression(random_state=0).fit(X_train, y_train)
    theirs = SkLogisticRegression().fit(X_train, y_train)
    assert abs(ours.score(X_test, y_test) - theirs.score(X_test, y_test)) <= 0.01
    # probabilities close (SGD vs the exact optimum)
    diff = np.abs(ours.predict_proba(X_test)[:, 1] - theirs.predict_proba(X_test)[:, 1])
    assert np.median(diff) < 0.02


from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

# Every check passes but this one, which SGD cannot: rows are visited one at
# a time in a shuffled order, so a weight of 2 is one step twice as large,
# not two steps on two copies of the row (scikit-learn's own SGDClassifier
# and Perceptron are exempted from it for the same reason).
EXPECTED_FAILED_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data":
        "SGD: a weight of 2 is one larger step, not two steps on duplicated rows",
}
# The averaged perceptron also misses the class-weight check's 87% of class-0
# predictions (60%; measured: scikit-learn's SGDClassifier(loss='perceptron',
# average=True) reaches 66% on the same data): the mean over all rows keeps
# the weights of the first epochs.
AVERAGED_FAILED_CHECKS = dict(EXPECTED_FAILED_CHECKS, check_class_weight_classifiers=
                              "averaging keeps the first epochs' weights (scikit-learn's averaged "
                              "SGD misses it too)")


def expected_failures(estimator):
    return AVERAGED_FAILED_CHECKS if getattr(estimator, "average", False) else EXPECTED_FAILED_CHECKS


@parametrize_with_checks([Perceptron(random_state=0), LogisticRegression(random_state=0),
                          Perceptron(penalty="elasticnet", average=True, random_state=0)],
                         expected_failed_checks=expected_failures)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("penalty", [None, "l2", "l1", "elasticnet"])
def test_perceptron_penalties_equal_scikit_learns_perceptron(penalty):
    # Same rows in the same order (shuffle=False), same update: same weights.
    from sklearn.linear_model import Perceptron as SkPerceptron
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 8))
    y = (X @ rng.normal(size=8) + 0.5 * rng.normal(size=500) > 0).astype(int)
    sw = rng.uniform(0.5, 1.5, 500)
    params = dict(penalty=penalty, alpha=0.01, l1_ratio=0.3, eta0=0.5, shuffle=False, max_iter=5, tol=None)
    theirs = SkPerceptron(**params).fit(X, y, sample_weight=sw)
    ours = Perceptron(**params).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-12, atol=1e-12)
    if penalty in ("l1", "elasticnet"):
        assert np.count_nonzero(ours.coef_ == 0) == np.count_nonzero(theirs.coef_ == 0)
