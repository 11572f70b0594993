"""Perceptron and LogisticRegression: scikit-learn conventions, learning,
float32 end to end, validation, save/load."""
import pickle

import numpy as np
import pytest

from fastact import reference
from fastact.linear_model import LogisticRegression, Perceptron, load

ESTIMATORS = pytest.mark.parametrize("Est", [Perceptron, LogisticRegression])


def blobs(n=600, d=5, k=2, seed=0, dtype=np.float64, spread=1.0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=4.0, size=(k, d))
    labels = rng.integers(0, k, n)
    X = (centers[labels] + rng.normal(scale=spread, size=(n, d))).astype(dtype)
    return X, labels


@ESTIMATORS
def test_constructor_stores_arguments_as_given(Est):
    est = Est(max_iter=7, tol=None, random_state=3)
    params = est.get_params()
    assert params["max_iter"] == 7 and params["tol"] is None and params["random_state"] == 3
    assert est.set_params(max_iter=9) is est and est.max_iter == 9


@ESTIMATORS
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fits_separable_blobs_and_keeps_the_dtype(Est, dtype):
    X, y = blobs(dtype=dtype)
    est = Est(random_state=0).fit(X, y)
    if Est is Perceptron:
        assert est.score(X, y) == 1.0
    else:
        # the L2-penalised optimum separates these blobs, but the default
        # (averaged mini-batch, tol on the loss) stops on a flat loss a few
        # points short; the sequential solver's large first steps get there
        assert est.score(X, y) >= 0.98
        assert Est(solver="sgd", random_state=0).fit(X, y).score(X, y) == 1.0
    assert est.coef_.dtype == dtype and est.coef_.shape == (1, 5)
    assert est.decision_function(X).dtype == dtype
    assert list(est.classes_) == [0, 1] and est.n_features_in_ == 5 and est.n_iter_ >= 1


@ESTIMATORS
def test_string_labels_and_more_than_two_classes(Est):
    X, y = blobs(n=900, k=3, seed=2, spread=0.5)
    names = np.array(["cat", "dog", "emu"])[y]
    est = Est(random_state=0).fit(X, names)
    assert list(est.classes_) == ["cat", "dog", "emu"]
    assert est.coef_.shape == (3, 5)
    assert est.score(X, names) > 0.97
    assert set(est.predict(X)) <= set(names)


def test_logistic_predict_proba_is_the_sigmoid_of_the_margin():
    X, y = blobs(seed=4, spread=3.0)
    est = LogisticRegression(random_state=0).fit(X, y)
    proba = est.predict_proba(X)
    z = est.decision_function(X)
    np.testing.assert_allclose(proba[:, 1], reference.sigmoid(z), rtol=1e-14)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_array_equal(est.predict(X), est.classes_[(proba[:, 1] > 0.5).astype(int)])


@pytest.mark.parametrize("solver", ["sgd", "minibatch"])
def test_logistic_multiclass_probabilities_sum_to_one(solver):
    X, y = blobs(n=900, k=4, seed=5, spread=2.0)
    # SGD on unscaled data: a fixed 50 epochs (the tol rule stops it early here,
    # as it does scikit-learn's SGDClassifier); lbfgs reaches 0.94
    est = LogisticRegression(solver=solver, learning_rate="optimal" if solver == "sgd" else "constant",
                             eta0=0.5, tol=None, max_iter=50, random_state=0).fit(X, y)
    proba = est.predict_proba(X)
    assert proba.shape == (900, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(est.predict(X), est.classes_[np.argmax(proba, axis=1)])
    assert est.score(X, y) > 0.9


def test_multiclass_sgd_is_softmax_regression():
    X, y = blobs(n=900, k=3, seed=16, spread=2.0)
    est = LogisticRegression(solver="sgd", random_state=0).fit(X, y)
    z = est.decision_function(X)
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(est.predict_proba(X), expected, rtol=1e-12)


def test_same_random_state_gives_the_same_model():
    X, y = blobs(seed=6, spread=3.0)
    a = LogisticRegression(random_state=1).fit(X, y)
    b = LogisticRegression(random_state=1).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.n_iter_ == b.n_iter_


def test_perceptron_fit_equals_the_reference_epochs():
    X, y = blobs(n=200, seed=7, spread=3.0)
    est = Perceptron(max_iter=3, tol=None, random_state=0).fit(X, y)
    rng = np.random.RandomState(0)
    coef, b = np.zeros(5), 0.0
    ypm = np.where(y == 1, 1.0, -1.0)
    for _ in range(3):
        coef, b = reference.perceptron_epoch(X, ypm, np.ones(200), coef, b, rng.permutation(200), 1.0)[:2]
    np.testing.assert_array_equal(est.coef_[0], coef)
    assert est.intercept_[0] == b


@pytest.mark.parametrize("schedule", ["optimal", "constant", "invscaling", "adaptive"])
def test_every_learning_rate_schedule_learns(schedule):
    X, y = blobs(seed=8, spread=2.5)
    est = LogisticRegression(learning_rate=schedule, eta0=0.05, random_state=0).fit(X, y)
    assert est.score(X, y) > 0.9


def test_partial_fit_needs_classes_first_and_then_learns():
    X, y = blobs(seed=9)
    est = LogisticRegression(random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        est.partial_fit(X, y)
    for _ in range(5):
        est.partial_fit(X, y, classes=[0, 1])
    assert est.score(X, y) == 1.0
    with pytest.raises(ValueError, match="differs from classes_"):
        est.partial_fit(X, y, classes=[0, 1, 2])


def test_warm_start_continues_from_the_previous_solution():
    X, y = blobs(seed=10, spread=3.0)
    est = LogisticRegression(max_iter=1, tol=None, warm_start=True, random_state=0).fit(X, y)
    first = est.coef_.copy()
    est.fit(X, y)
    cold = LogisticRegression(max_iter=1, tol=None, random_state=0).fit(X, y)
    assert not np.array_equal(est.coef_, first)
    np.testing.assert_array_equal(cold.coef_, first)


@pytest.mark.parametrize("X, y, match", [
    (np.array([[0.0, np.nan], [1.0, 2.0]]), [0, 1], "NaN or infinity"),
    (np.array([[0.0, np.inf], [1.0, 2.0]]), [0, 1], "NaN or infinity"),
    (np.array([[3e38, 3e38], [np.nan, 1.0]], dtype=np.float32), [0, 1], "NaN or infinity"),
    (np.zeros((3, 2)), [0, 1], "different lengths: 3 and 2"),
    (np.zeros((3, 2)), [1, 1, 1], "only one class"),
    (np.zeros((0, 2)), [], "0 sample"),
    (np.zeros((3, 0)), [0, 1, 0], "0 feature"),
    (np.zeros(4), [0, 1, 0, 1], "Expected a 2-d array"),
    (np.zeros((4, 2)), [0.5, 1.0, 0.0, 2.5], "Unknown label type: continuous"),
    (np.zeros((2, 2), dtype=complex), [0, 1], "Complex data not supported"),
    (np.zeros((2, 2)), None, "requires y to be passed"),
    (np.array([["a", "b"], ["c", "d"]]), [0, 1], "X must be numeric"),
])
@ESTIMATORS
def test_bad_input_is_a_clear_value_error(Est, X, y, match):
    with pytest.raises(ValueError, match=match):
        Est().fit(X, y)


@ESTIMATORS
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_scoring_rejects_nan_and_infinity(Est, bad):
    X, y = blobs()
    est = Est(random_state=0).fit(X, y)
    X[7, 2] = bad
    with pytest.raises(ValueError, match="NaN or infinity"):
        est.predict(X)
    if hasattr(est, "predict_proba"):
        with pytest.raises(ValueError, match="NaN or infinity"):
            est.predict_proba(X)


@ESTIMATORS
def test_predict_checks_the_number_of_features_and_fitting(Est):
    X, y = blobs()
    from fastact.linear_model import NotFittedError
    with pytest.raises(NotFittedError, match="not fitted yet"):
        Est().predict(X)
    est = Est(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="X has 4 features, but %s is expecting 5" % Est.__name__):
        est.predict(X[:, :4])


def test_bad_parameters_are_clear_errors():
    X, y = blobs()
    with pytest.raises(ValueError, match="learning_rate must be one of"):
        LogisticRegression(learning_rate="fast").fit(X, y)
    with pytest.raises(ValueError, match="max_iter must be a positive int"):
        LogisticRegression(max_iter=0).fit(X, y)
    with pytest.raises(ValueError, match="needs alpha > 0"):
        LogisticRegression(alpha=0.0).fit(X, y)
    with pytest.raises(ValueError, match="sample_weight is zero for every sample"):
        Perceptron().fit(X, y, sample_weight=np.zeros(len(y)))


def test_input_is_not_modified():
    X, y = blobs(dtype=np.float32)
    X_before = X.copy()
    LogisticRegression(random_state=0).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(X, X_before)


@ESTIMATORS
def test_pickle_and_npz_round_trips(Est, tmp_path):
    X, y = blobs(n=300, k=3, seed=11)
    names = np.array(["a", "b", "c"])[y]
    est = Est(random_state=0).fit(X, names)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(X), est.predict(X))
    path = tmp_path / "model.npz"
    est.save(path)
    loaded = load(path)
    assert type(loaded) is Est and loaded.get_params() == est.get_params()
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    np.testing.assert_array_equal(loaded.decision_function(X), est.decision_function(X))
    with np.load(path, allow_pickle=False) as f:   # readable without pickle
        assert set(f.files) >= {"coef", "intercept", "classes", "params", "kind"}


def test_the_fallback_base_has_scikit_learns_parameter_protocol():
    # used where scikit-learn is not installed
    from fastact.linear_model import _FallbackBase, _FallbackClassifierMixin

    class Fallback(_FallbackClassifierMixin, _FallbackBase, Perceptron):
        pass

    est = Fallback(max_iter=3, random_state=1)
    assert est.get_params()["max_iter"] == 3
    assert "Fallback(" in repr(est) and "max_iter=3" in repr(est)
    with pytest.raises(ValueError, match="invalid parameter 'gamma'"):
        est.set_params(gamma=1)
    X, y = blobs()
    assert est.set_params(max_iter=20).fit(X, y).score(X, y) == 1.0


def test_huge_finite_values_are_accepted():
    # their sum overflows, which must not read as "infinity in X"
    X = np.array([[3e38, 3e38], [3e38, -1.0], [-3e38, 1.0], [-3e38, -1.0]], dtype=np.float32)
    Perceptron(max_iter=2, tol=None).fit(X, [0, 0, 1, 1])


def test_minibatch_solver_learns_and_ignores_the_thread_count():
    X, y = blobs(n=3000, seed=14, spread=3.0)
    models = [LogisticRegression(solver="minibatch", learning_rate="constant", eta0=0.5,
                                 batch_size=256, max_iter=20, tol=None, random_state=0,
                                 n_threads=n).fit(X, y) for n in (1, 2)]
    np.testing.assert_array_equal(models[0].coef_, models[1].coef_)
    np.testing.assert_array_equal(models[0].intercept_, models[1].intercept_)
    assert models[0].score(X, y) > 0.9


def test_minibatch_solver_parameters_are_checked():
    X, y = blobs()
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        LogisticRegression(solver="minibatch", learning_rate="constant", batch_size=0).fit(X, y)
    with pytest.raises(ValueError, match="solver must be"):
        LogisticRegression(solver="newton").fit(X, y)


def test_perceptron_sample_weight_of_zero_drops_the_row():
    X, y = blobs(n=300, seed=15, spread=3.0)
    w = np.ones(300)
    w[::2] = 0
    a = Perceptron(max_iter=5, tol=None, shuffle=False).fit(X, y, sample_weight=w)
    b = Perceptron(max_iter=5, tol=None, shuffle=False).fit(X[1::2], y[1::2])
    np.testing.assert_array_equal(a.coef_, b.coef_)


@ESTIMATORS
def test_early_stopping_trains_on_the_training_rows_only(Est):
    X, y = blobs(n=400, spread=3.0, seed=4)
    est = Est(early_stopping=True, validation_fraction=0.2, shuffle=False, max_iter=3, tol=None,
              random_state=0).fit(X, y)
    # tol=None: no stopping rule, so early_stopping only holds rows out
    assert est.n_iter_ == 3
    probe = Est(validation_fraction=0.2, random_state=0)
    probe._start(np.unique(y), X.shape[1], X.dtype)
    train, val = probe._validation_split(y)
    assert val.size == 80 and np.intersect1d(train, val).size == 0 and train.size + val.size == 400
    assert np.bincount(y[val]).min() >= 30          # stratified: both classes held out
    plain = Est(shuffle=False, max_iter=3, tol=None, random_state=0).fit(X[train], y[train])
    np.testing.assert_array_equal(est.coef_, plain.coef_)
    np.testing.assert_array_equal(est.intercept_, plain.intercept_)


@ESTIMATORS
def test_early_stopping_stops_on_the_validation_score(Est):
    X, y = blobs(n=2000, spread=4.0, seed=5)
    est = Est(early_stopping=True, n_iter_no_change=3, tol=1e-3, max_iter=500, random_state=0).fit(X, y)
    assert est.n_iter_ < 500 and est.score(X, y) > 0.6   # chance is 0.5
    again = Est(early_stopping=True, n_iter_no_change=3, tol=1e-3, max_iter=500, random_state=0).fit(X, y)
    np.testing.assert_array_equal(est.coef_, again.coef_)


@pytest.mark.parametrize("params, match", [
    ({"early_stopping": "yes"}, "early_stopping must be True or False"),
    ({"validation_fraction": 1.0}, r"validation_fraction must be in \(0, 1\)"),
    ({"validation_fraction": 0}, r"validation_fraction must be in \(0, 1\)"),
    ({"class_weight": "auto"}, "class_weight must be None, 'balanced' or a dict"),
    ({"class_weight": {0: -1.0}}, "class_weight values must be finite and non-negative"),
])
@ESTIMATORS
def test_early_stopping_and_class_weight_parameters_are_checked(Est, params, match):
    X, y = blobs(n=50)
    with pytest.raises(ValueError, match=match):
        Est(**params).fit(X, y)


@ESTIMATORS
def test_early_stopping_needs_a_validation_row_per_class(Est):
    X, y = blobs(n=12, k=3, seed=2)
    with pytest.raises(ValueError, match="validation set of .* rows for 3 classes"):
        Est(early_stopping=True, validation_fraction=0.05).fit(X, y)


@ESTIMATORS
def test_class_weight_multiplies_the_sample_weight(Est):
    X, y = blobs(n=300, spread=3.0, seed=6)
    labels = np.where(y == 1, "spam", "ham")
    sw = np.random.default_rng(1).uniform(0.5, 2.0, 300)
    weighted = Est(class_weight={"spam": 3.0}, max_iter=5, tol=None, random_state=0).fit(X, labels, sw)
    by_hand = Est(max_iter=5, tol=None, random_state=0).fit(X, labels, sw * np.where(y == 1, 3.0, 1.0))
    np.testing.assert_array_equal(weighted.coef_, by_hand.coef_)
    counts = np.bincount(y)
    balanced = Est(class_weight="balanced", max_iter=5, tol=None, random_state=0).fit(X, labels)
    by_hand = Est(max_iter=5, tol=None, random_state=0).fit(X, labels, 300 / (2 * counts[y]))
    np.testing.assert_array_equal(balanced.coef_, by_hand.coef_)


@ESTIMATORS
def test_class_weight_errors(Est):
    X, y = blobs(n=60)
    with pytest.raises(ValueError, match="class_weight has labels that are not classes"):
        Est(class_weight={7: 2.0}).fit(X, y)
    with pytest.raises(ValueError, match="'balanced' is not supported by partial_fit"):
        Est(class_weight="balanced").partial_fit(X, y, classes=[0, 1])
    Est(class_weight={1: 2.0}).partial_fit(X, y, classes=[0, 1])   # a dict is fine


@pytest.mark.parametrize("params, match", [
    ({"penalty": "l3"}, "penalty must be None, 'l2', 'l1' or 'elasticnet'"),
    ({"penalty": "l2", "alpha": -1.0}, "alpha must be a finite number >= 0"),
    ({"penalty": "elasticnet", "l1_ratio": 1.5}, r"l1_ratio must be in \[0, 1\]"),
    ({"eta0": 0.0}, "eta0 must be > 0"),
])
def test_perceptron_penalty_parameters_are_checked(params, match):
    X, y = blobs(n=50)
    with pytest.raises(ValueError, match=match):
        Perceptron(**params).fit(X, y)


@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet"])
def test_penalized_perceptron_learns_through_fit_and_partial_fit(penalty):
    X, y = blobs(n=600, spread=2.0, seed=9)
    est = Perceptron(penalty=penalty, alpha=1e-3, random_state=0).fit(X, y)
    assert est.score(X, y) > 0.9
    inc = Perceptron(penalty=penalty, alpha=1e-3, random_state=0)
    for _ in range(5):
        inc.partial_fit(X, y, classes=[0, 1])
    assert inc.score(X, y) > 0.9
    # a stronger penalty gives smaller weights
    strong = Perceptron(penalty=penalty, alpha=0.05, random_state=0).fit(X, y)
    assert np.abs(strong.coef_).sum() < np.abs(est.coef_).sum()


def test_averaged_perceptron_publishes_the_mean_of_the_weights():
    X, y = blobs(n=300, spread=3.0, seed=10)
    ypm = np.where(y == 1, 1.0, -1.0)
    est = Perceptron(average=True, shuffle=False, max_iter=3, tol=None).fit(X, y)
    state = (np.zeros(5), 0.0, 0, 1.0, None, 0.0, np.zeros(5), 0.0, 0.0)
    for _ in range(3):
        state = reference.perceptron_epoch(X, ypm, np.ones(300), state[0], state[1], np.arange(300), 1.0,
                                           True, state[3], 0.0, 0.0, None, 0.0, state[6], state[7], state[8])
    np.testing.assert_array_equal(est.coef_[0], state[6])
    assert est.intercept_[0] == state[7] and state[8] == 900
    last = Perceptron(shuffle=False, max_iter=3, tol=None).fit(X, y)
    np.testing.assert_array_equal(last.coef_[0], state[0])     # without average: the last weights
    with pytest.raises(ValueError, match="average must be True or False"):
        Perceptron(average=10).fit(X, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fit_finds_a_single_nan_or_infinity_anywhere(dtype):
    # the threaded check reads X in blocks of 2^18 elements: a bad value at
    # the first and last element of X and on both sides of a block boundary
    from fastact import _linear
    X = np.ones((3000, 200), dtype=dtype)
    assert _linear.all_finite(X) and _linear.all_finite(X[:0])
    for flat in (0, 1 << 18, (1 << 18) - 1, X.size - 1):
        for bad in (np.nan, np.inf, -np.inf):
            Y = X.copy()
            Y.flat[flat] = bad
            assert not _linear.all_finite(Y), (flat, bad)
            with pytest.raises(ValueError, match="NaN or infinity"):
                Perceptron(max_iter=1).fit(Y, np.arange(3000) % 2)
    assert _linear.all_finite(np.full((2, 2), np.finfo(dtype).max, dtype=dtype))


@pytest.mark.parametrize("y", [
    np.array([5, -3, 5, 7, -3]), np.array([True, False, True]), np.array([2**40, 3, 2**40]),
    np.array([0, 9, 70000]), np.array([1.0, 3.0, 1.0]), np.array(["b", "a", "b"]),
    np.array([3, 3, 3], dtype=np.uint8),
])
def test_label_counting_agrees_with_sorting(y):
    from fastact.linear_model import _label_index, _unique_labels
    classes = _unique_labels(y)
    np.testing.assert_array_equal(classes, np.unique(y))
    assert classes.dtype == np.unique(y).dtype
    np.testing.assert_array_equal(_label_index(classes, y), np.searchsorted(np.unique(y), y))


@ESTIMATORS
def test_sequential_fits_do_not_depend_on_the_thread_count(Est):
    # the next epoch's shuffle is drawn on a helper thread when two threads
    # are allowed; the random stream, and so the fit, must be the same; the
    # early-stopped fit draws one order it does not use, at both counts
    X, y = blobs(n=2000, seed=21, spread=3.0)
    for kw in ({"max_iter": 6, "tol": None}, {"max_iter": 50, "tol": 1e-2}):
        a, b = (Est(random_state=4, n_threads=n, **kw) for n in (1, 2))
        a.fit(X, y)
        b.fit(X, y)
        np.testing.assert_array_equal(a.coef_, b.coef_)
        assert a.n_iter_ == b.n_iter_
        a.partial_fit(X, y)
        b.partial_fit(X, y)
        np.testing.assert_array_equal(a.coef_, b.coef_)


def test_the_default_is_averaged_minibatch_with_the_curvature_step():
    from fastact.linear_model import _curvature_step
    X, y = blobs(n=3000, seed=24, spread=3.0)
    est = LogisticRegression(max_iter=2, tol=None, shuffle=False, random_state=0).fit(X, y)
    assert est.solver == "minibatch" and est.learning_rate == "optimal"
    sw, rows = np.ones(3000), np.arange(3000)
    eta = _curvature_step(X, sw, rows, 1e-4, True)
    coef, b = np.zeros(5), 0.0
    for _ in range(2):                         # the mean over the last epoch only
        avg = np.zeros(7)
        coef, b, _ = reference.logistic_minibatch_epoch(X, y.astype(np.float64), sw, coef, b, rows,
                                                        1024, 1e-4, eta, avg=avg)
    np.testing.assert_allclose(est.coef_[0], avg[:5], rtol=1e-10)
    assert est.intercept_[0] == pytest.approx(avg[5], rel=1e-10)


def test_curvature_step_estimates_the_largest_eigenvalue():
    from fastact.linear_model import _curvature_step
    rng = np.random.default_rng(25)
    X = rng.normal(size=(200_000, 4)) * np.array([3.0, 1.0, 0.5, 0.1])   # variances 9, 1, .25, .01
    step = _curvature_step(X, np.ones(200_000), np.arange(200_000), 0.0, False)
    assert step == pytest.approx(1 / (9.0 / 4), rel=0.05)
    # weights count: a weight of 0 removes a row from the estimate
    w = np.ones(200_000)
    w[::2] = 0.0
    X[::2] *= 100.0
    assert _curvature_step(X, w, np.arange(200_000), 0.0, False) == pytest.approx(1 / (9.0 / 4), rel=0.05)


def test_n_iter_no_change_none_depends_on_the_solver():
    X, y = blobs(n=400, seed=26, spread=3.0)
    assert LogisticRegression()._patience_default == {"minibatch": 1, "sgd": 5}
    mb = LogisticRegression(random_state=0).fit(X, y)
    sgd = LogisticRegression(solver="sgd", random_state=0).fit(X, y)
    assert mb._patience() == 1 and sgd._patience() == 5
    assert sgd.n_iter_ >= 6                    # at least 5 epochs without improvement
    with pytest.raises(ValueError, match="n_iter_no_change must be a positive int"):
        Perceptron(n_iter_no_change=None).fit(X, y)
    with pytest.raises(ValueError, match="n_iter_no_change must be a positive int"):
        LogisticRegression(n_iter_no_change=0).fit(X, y)
