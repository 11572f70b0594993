"""The linear learners' kernels (fastact._linear) against fastact.reference."""
import numpy as np
import pytest

import fastact
from fastact import _linear, reference

DTYPES = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])


def problem(n, d, dtype, seed=0, separable=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(dtype)
    w_true = rng.normal(size=d)
    z = X.astype(np.float64) @ w_true + 0.3
    if not separable:
        z += rng.normal(scale=1.0, size=n)
    y01 = (z > 0).astype(dtype)
    return X, y01, (2 * y01 - 1).astype(dtype)


@DTYPES
def test_dot_is_bitwise_the_reference_fixed_order(dtype):
    rng = np.random.default_rng(5)
    for n in list(range(0, 41)) + [999, 1000, 1003]:
        x = rng.normal(size=n).astype(dtype)
        w = rng.normal(size=n).astype(dtype)
        assert _linear.dot(x, w) == reference.fixed_dot(x, w), n


@DTYPES
def test_perceptron_epochs_are_bitwise_the_reference(dtype):
    X, _, y = problem(300, 17, dtype)
    sw = np.random.default_rng(2).choice([0.0, 0.5, 1.0, 2.0], 300)
    coef = np.zeros(17, dtype=dtype)
    ref_coef, b, ref_b = coef.copy(), 0.0, 0.0
    rng = np.random.default_rng(1)
    for _ in range(5):
        order = rng.permutation(300).astype(np.intp)
        b, mistakes = _linear.perceptron_epoch(X, y, sw, coef, b, order, 0.5)[:2]
        ref_coef, ref_b, ref_mistakes = reference.perceptron_epoch(X, y, sw, ref_coef, ref_b, order, 0.5)[:3]
        np.testing.assert_array_equal(coef, ref_coef)
        assert (b, mistakes) == (ref_b, ref_mistakes)
    assert mistakes < 300 * 0.2          # it learned something


@DTYPES
@pytest.mark.parametrize("average", [False, True], ids=["", "averaged"])
@pytest.mark.parametrize("l2, l1", [(0.0, 0.0), (0.01, 0.0), (0.0, 0.002), (0.0085, 0.0015), (0.6, 0.0)],
                         ids=["plain", "l2", "l1", "elasticnet", "l2-folds-the-scale"])
def test_penalized_perceptron_epochs_are_bitwise_the_reference(dtype, l2, l1, average):
    X, _, y = problem(200, 9, dtype, seed=3)
    sw = np.random.default_rng(4).choice([0.0, 1.0, 2.0], 200)
    coef = np.zeros(9, dtype=dtype)
    q = np.zeros(9)
    avg = np.zeros(9) if average else None
    b, scale, u, avg_b, n_avg = 0.0, 1.0, 0.0, 0.0, 0.0
    ref = (coef.copy(), 0.0, 0, 1.0, q.copy() if l1 > 0 else None, 0.0,
           None if avg is None else avg.copy(), 0.0, 0.0)
    rng = np.random.default_rng(1)
    for _ in range(4):
        order = rng.permutation(200).astype(np.intp)
        b, mistakes, scale, u, avg_b, n_avg, loss = _linear.perceptron_epoch(
            X, y, sw, coef, b, order, 0.7, True, scale, l2, l1, q, u, avg, avg_b, n_avg)
        ref = reference.perceptron_epoch(X, y, sw, ref[0], ref[1], order, 0.7, True, ref[3], l2, l1,
                                         ref[4], ref[5], ref[6], ref[7], ref[8])
        np.testing.assert_array_equal(coef, ref[0])
        assert (b, mistakes, scale, u, avg_b, n_avg, loss) == ref[1:4] + ref[5:6] + ref[7:]
        assert loss > 0
        if l1 > 0:
            np.testing.assert_array_equal(q, ref[4])
        if average:
            np.testing.assert_array_equal(avg, ref[6])
    if average:
        # the running mean over the rows visited (all of them once penalized)
        assert n_avg == 4 * (200 if l1 or l2 else np.count_nonzero(sw))
        assert not np.array_equal(avg, coef * scale)


def test_l1_penalty_zeroes_the_weights_of_noise_features():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(400, 10))
    y = np.where(X[:, :3] @ np.array([2.0, -1.5, 1.0]) > 0, 1.0, -1.0)   # 7 noise features
    coef, q = np.zeros(10), np.zeros(10)
    b, scale, u = 0.0, 1.0, 0.0
    for _ in range(20):
        order = rng.permutation(400).astype(np.intp)
        b, _, scale, u = _linear.perceptron_epoch(X, y, np.ones(400), coef, b, order, 0.1, True,
                                                  scale, 0.0, 0.05, q, u)[:4]
    assert np.all(coef[:3] != 0) and np.count_nonzero(coef[3:]) <= 2
    plain = np.zeros(10)
    _linear.perceptron_epoch(X, y, np.ones(400), plain, 0.0, np.arange(400, dtype=np.intp), 0.1)
    assert np.count_nonzero(plain[3:]) == 7


def test_perceptron_penalty_arguments_are_checked():
    X, _, y = problem(10, 3, np.float64)
    args = (X, y, np.ones(10), np.zeros(3), 0.0, np.arange(10, dtype=np.intp), 1.0, True)
    with pytest.raises(ValueError, match="l1 > 0 needs l1_q with n_features=3 entries"):
        _linear.perceptron_epoch(*args, 1.0, 0.0, 0.1)
    with pytest.raises(ValueError, match="l2 and l1 must be finite and >= 0"):
        _linear.perceptron_epoch(*args, 1.0, -1.0, 0.0)
    with pytest.raises(ValueError, match="coef_scale must be > 0"):
        _linear.perceptron_epoch(*args, 0.0, 0.0, 0.0)


@DTYPES
def test_perceptron_separates_separable_data(dtype):
    X, _, y = problem(500, 8, dtype, seed=3, separable=True)
    coef, b = np.zeros(8, dtype=dtype), 0.0
    order = np.arange(500, dtype=np.intp)
    for _ in range(200):
        b, mistakes = _linear.perceptron_epoch(X, y, np.ones(500), coef, b, order, 1.0)[:2]
        if mistakes == 0:
            break
    assert mistakes == 0
    assert np.all(np.sign(X.astype(np.float64) @ coef + b) == y)


@DTYPES
@pytest.mark.parametrize("schedule", [0, 1, 2], ids=["constant", "optimal", "invscaling"])
def test_logistic_epochs_match_the_reference(dtype, schedule):
    # The reference's sigmoid is correctly rounded from long double, the
    # kernel's within 1 ULP: trajectories agree to a few ULP, not bitwise.
    X, y, _ = problem(400, 11, dtype, seed=2)
    sw = np.random.default_rng(4).uniform(0.5, 2.0, 400)
    coef = np.zeros(11, dtype=dtype)
    ref = dict(coef=coef.copy(), scale=1.0, b=0.0, t=0.0)
    scale, b, t = 1.0, 0.0, 0.0
    # scikit-learn's heuristic start for alpha = 1e-3: eta begins near 5.6
    alpha, optimal_init = 1e-3, 178.0
    rng = np.random.default_rng(7)
    losses = []
    for _ in range(5):
        order = rng.permutation(400).astype(np.intp)
        scale, b, t, loss = _linear.logistic_sgd_epoch(
            X, y, sw, coef, scale, b, order, alpha, schedule, 0.05, 0.5, t, optimal_init)
        ref["coef"], ref["scale"], ref["b"], ref["t"], ref_loss = reference.logistic_sgd_epoch(
            X, y, sw, ref["coef"], ref["scale"], ref["b"], order, alpha, schedule, 0.05, 0.5,
            ref["t"], optimal_init)
        losses.append(loss / sw.sum())
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(coef * scale, ref["coef"] * ref["scale"], rtol=rtol, atol=rtol)
    assert b == pytest.approx(ref["b"], rel=rtol, abs=rtol)
    assert t == ref["t"] == 2000
    assert loss == pytest.approx(ref_loss, rel=rtol)
    # it learned: the mean log loss falls and ends below that of p = 1/2
    assert losses[-1] < losses[0] and losses[-1] < np.log(2)


@DTYPES
def test_logistic_l2_scale_is_folded_in_before_it_underflows(dtype):
    X, y, _ = problem(50, 3, dtype, seed=9)
    coef = np.ones(3, dtype=dtype)
    # eta * alpha = 0.5: the scale halves every sample, 2^-50 after 50
    scale, b, t, _ = _linear.logistic_sgd_epoch(
        X, y, np.ones(50), coef, 1.0, 0.0, np.arange(50, dtype=np.intp), 5.0, 0, 0.1, 0.5, 0.0, 1.0)
    assert 1e-9 <= scale <= 1.0
    assert np.all(np.isfinite(coef))


@DTYPES
@pytest.mark.parametrize("kind", ["decision", "proba"])
def test_fused_scoring_matches_the_reference(dtype, kind):
    X, _, _ = problem(5000, 23, dtype, seed=8)
    coef = np.random.default_rng(1).normal(size=23).astype(dtype)
    out = np.empty((5000, 1 if kind == "decision" else 2), dtype=dtype)
    assert _linear.score_binary(X, coef, 0.25, out, kind) == 0   # no non-finite margin
    expected = reference.score_binary(X, coef, 0.25, kind)
    if kind == "decision":
        np.testing.assert_array_equal(out, expected)
    else:
        # within the activation's ULP bound of the reference sigmoid
        np.testing.assert_array_max_ulp(out, expected, maxulp=1)
        np.testing.assert_allclose(out.sum(axis=1), 1, rtol=4 * np.finfo(dtype).eps)


@DTYPES
@pytest.mark.parametrize("k", [1, 3], ids=["binary", "multiclass"])
def test_fused_scoring_is_bitwise_the_same_for_any_thread_count(dtype, k):
    X, _, _ = problem(20_011, 40, dtype, seed=6)
    coef = np.random.default_rng(2).normal(size=(k, 40)).astype(dtype)
    results = []
    for n_threads in (1, 2, 3):
        with fastact.num_threads(n_threads):
            if k == 1:
                out = np.empty((20_011, 2), dtype=dtype)
                assert _linear.score_binary(X, coef[0], -0.5, out, "proba") == 0
            else:
                out = np.empty((20_011, k), dtype=dtype)
                assert _linear.score_multiclass(X, coef, np.full(k, -0.5), out, "softmax") == 0
        results.append(out)
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])


@DTYPES
@pytest.mark.parametrize("kind", ["decision", "softmax", "ovr"])
def test_multiclass_scoring_matches_the_reference(dtype, kind):
    X, _, _ = problem(3000, 13, dtype, seed=9)
    rng = np.random.default_rng(3)
    coef = rng.normal(size=(4, 13)).astype(dtype)
    intercept = rng.normal(size=4)
    out = np.empty((3000, 4), dtype=dtype)
    assert _linear.score_multiclass(X, coef, intercept, out, kind) == 0
    expected = reference.score_multiclass(X, coef, intercept, kind)
    if kind == "decision":
        np.testing.assert_array_equal(out, expected)
    else:
        np.testing.assert_array_max_ulp(out, expected, maxulp=4)
        np.testing.assert_allclose(out.sum(axis=1), 1, rtol=8 * np.finfo(dtype).eps)


def test_multiclass_scoring_is_stable_and_counts_non_finite_rows():
    X = np.array([[1000.0, 0.0], [-1000.0, 0.0], [np.nan, 1.0], [0.0, np.inf]])
    coef = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0]])
    out = np.empty((4, 3))
    assert _linear.score_multiclass(X, coef, np.zeros(3), out, "softmax") == 2
    np.testing.assert_array_equal(out[0], [1.0, 0.0, 0.0])     # exp(2000) would overflow
    np.testing.assert_array_equal(out[1], [0.0, 1.0, 0.0])
    # one-vs-rest where every sigmoid underflows: normalised in log space, not 0/0
    far = np.array([[1.0, 0.0]])
    w = np.array([[-1000.0, 0.0], [-900.0, 0.0], [-800.0, 0.0]])
    p = np.empty((1, 3))
    assert _linear.score_multiclass(far, w, np.zeros(3), p, "ovr") == 0
    np.testing.assert_allclose(p[0], [np.exp(-200.0), np.exp(-100.0), 1.0], rtol=1e-12)
    with pytest.raises(ValueError, match="kind must be 'decision', 'softmax' or 'ovr'"):
        _linear.score_multiclass(X, coef, np.zeros(3), out, "proba")
    with pytest.raises(ValueError, match=r"out must have shape \(4, 3\)"):
        _linear.score_multiclass(X, coef, np.zeros(3), np.empty((4, 2)), "decision")
    with pytest.raises(ValueError, match="intercept has 2 entries, expected n_classes=3"):
        _linear.score_multiclass(X, coef, np.zeros(2), out, "decision")
    with pytest.raises(ValueError, match="coef has 3 columns, expected n_features=2"):
        _linear.score_multiclass(X, np.zeros((3, 3)), np.zeros(3), out, "decision")


def test_kernels_reject_mismatched_arguments():
    X = np.zeros((4, 3))
    y = np.ones(4)
    order = np.arange(4, dtype=np.intp)
    sw = np.ones(4)
    with pytest.raises(ValueError, match="coef has 2 entries, expected n_features=3"):
        _linear.perceptron_epoch(X, y, sw, np.zeros(2), 0.0, order, 1.0)
    with pytest.raises(ValueError, match="y has 3 entries, expected 4"):
        _linear.perceptron_epoch(X, y[:3], sw, np.zeros(3), 0.0, order, 1.0)
    with pytest.raises(ValueError, match=r"order must hold row indices in \[0, 4\)"):
        _linear.perceptron_epoch(X, y, sw, np.zeros(3), 0.0, np.array([0, 4], dtype=np.intp), 1.0)
    with pytest.raises(ValueError, match="sample_weight has 2 entries"):
        _linear.logistic_sgd_epoch(X, y, np.ones(2), np.zeros(3), 1.0, 0.0, order, 0.0, 0, 0.1, 0.5, 0.0, 1.0)
    with pytest.raises(ValueError, match="schedule must be"):
        _linear.logistic_sgd_epoch(X, y, np.ones(4), np.zeros(3), 1.0, 0.0, order, 0.0, 7, 0.1, 0.5, 0.0, 1.0)
    with pytest.raises(ValueError, match="kind must be"):
        _linear.score_binary(X, np.zeros(3), 0.0, np.empty((4, 1)), "logit")
    with pytest.raises(ValueError, match=r"out must have shape \(4, 2\)"):
        _linear.score_binary(X, np.zeros(3), 0.0, np.empty((4, 1)), "proba")
    with pytest.raises(ValueError):   # dtype mismatch between X and coef: no silent cast
        _linear.perceptron_epoch(X, y, sw, np.zeros(3, dtype=np.float32), 0.0, order, 1.0)


def test_kernels_reject_none_for_every_array_argument():
    # A None array used to reach the C loops (a segfault with sample_weight=None).
    X = np.zeros((4, 3))
    y = np.ones(4)
    order = np.arange(4, dtype=np.intp)
    calls = {
        "perceptron_epoch": (_linear.perceptron_epoch,
                             [X, y, np.ones(4), np.zeros(3), 0.0, order, 1.0]),
        "logistic_sgd_epoch": (_linear.logistic_sgd_epoch,
                               [X, y, np.ones(4), np.zeros(3), 1.0, 0.0, order, 0.0, 0, 0.1, 0.5,
                                0.0, 1.0]),
        "multinomial_sgd_epoch": (_linear.multinomial_sgd_epoch,
                                  [X, np.zeros(4, dtype=np.intp), np.ones(4), np.zeros((2, 3)), 1.0,
                                   np.zeros(2), order, 0.0, 0, 0.1, 0.5, 0.0, 1.0]),
        "logistic_minibatch_epoch": (_linear.logistic_minibatch_epoch,
                                     [X, y, np.ones(4), np.zeros(3), 0.0, order, 2, 0.0, 0.1]),
        "score_binary": (_linear.score_binary, [X, np.zeros(3), 0.0, np.empty((4, 2)), "proba"]),
        "score_multiclass": (_linear.score_multiclass,
                             [X, np.zeros((2, 3)), np.zeros(2), np.empty((4, 2)), "softmax"]),
    }
    for name, (fn, args) in calls.items():
        fn(*args)                                   # the valid call runs
        for i, a in enumerate(args):
            if isinstance(a, np.ndarray) and not (name.startswith("score_") and i == 3):
                bad = list(args)
                bad[i] = None
                # the fused-type dispatcher rejects X (or x) before the None check
                with pytest.raises(TypeError, match="must not be None|No matching signature"):
                    fn(*bad)


def test_fused_scoring_counts_rows_with_a_non_finite_margin():
    X = np.ones((1000, 4))
    X[[3, 500, 999], [0, 1, 3]] = [np.nan, np.inf, -np.inf]
    out = np.empty((1000, 2))
    assert _linear.score_binary(X, np.ones(4), 0.0, out, "proba") == 3


@DTYPES
def test_minibatch_epoch_matches_the_reference(dtype):
    X, y, _ = problem(700, 9, dtype, seed=12)
    sw = np.random.default_rng(3).uniform(0.5, 2.0, 700)
    order = np.random.default_rng(4).permutation(700).astype(np.intp)
    coef = np.zeros(9, dtype=dtype)
    b, loss = _linear.logistic_minibatch_epoch(X, y, sw, coef, 0.0, order, 200, 1e-3, 0.5)
    ref_coef, ref_b, ref_loss = reference.logistic_minibatch_epoch(X, y, sw, np.zeros(9, dtype=dtype), 0.0,
                                                         order, 200, 1e-3, 0.5)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(coef, ref_coef, rtol=rtol, atol=rtol)
    assert b == pytest.approx(ref_b, rel=rtol, abs=rtol)
    # the loss of the first batch is that of w = 0: log(2) per unit weight
    assert loss == pytest.approx(ref_loss, rel=rtol)
    assert 0 < loss < np.log(2) * sw.sum()


@DTYPES
def test_minibatch_epoch_is_bitwise_the_same_for_any_thread_count(dtype):
    X, y, _ = problem(5000, 30, dtype, seed=13)
    sw = np.ones(5000)
    order = np.random.default_rng(5).permutation(5000).astype(np.intp)
    results = []
    for n_threads in (1, 2, 3):
        coef = np.zeros(30, dtype=dtype)
        with fastact.num_threads(n_threads):
            b = 0.0
            losses = []
            for _ in range(3):
                b, loss = _linear.logistic_minibatch_epoch(X, y, sw, coef, b, order, 1000, 1e-4, 0.5)
                losses.append(loss)
        results.append((coef, b, losses))
    for coef, b, losses in results[1:]:
        np.testing.assert_array_equal(coef, results[0][0])
        assert b == results[0][1] and losses == results[0][2]
    # and it learns
    z = X.astype(np.float64) @ results[0][0] + results[0][1]
    assert ((z > 0) == (y == 1)).mean() > 0.85


def test_minibatch_rejects_a_bad_batch_size():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        _linear.logistic_minibatch_epoch(X, np.zeros(4), np.ones(4), np.zeros(2), 0.0,
                                         np.arange(4, dtype=np.intp), 0, 0.0, 0.1)


@DTYPES
@pytest.mark.parametrize("schedule", [0, 1], ids=["constant", "optimal"])
def test_multinomial_epochs_match_the_reference(dtype, schedule):
    rng = np.random.default_rng(21)
    X = rng.normal(size=(500, 6)).astype(dtype)
    y = np.argmax(X.astype(np.float64) @ rng.normal(size=(6, 3)), axis=1).astype(np.intp)
    sw = rng.uniform(0.5, 2.0, 500)
    coef, b = np.zeros((3, 6), dtype=dtype), np.zeros(3)
    ref = [np.zeros((3, 6), dtype=dtype), 1.0, np.zeros(3), 0.0]
    scale, t = 1.0, 0.0
    losses = []
    for _ in range(4):
        order = rng.permutation(500).astype(np.intp)
        scale, t, loss = _linear.multinomial_sgd_epoch(X, y, sw, coef, scale, b, order, 1e-3, schedule,
                                                       0.1, 0.5, t, 178.0)
        ref[0], ref[1], ref[2], ref[3], ref_loss = reference.multinomial_sgd_epoch(
            X, y, sw, ref[0], ref[1], ref[2], order, 1e-3, schedule, 0.1, 0.5, ref[3], 178.0)
        losses.append(loss / sw.sum())
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(coef * scale, ref[0] * ref[1], rtol=rtol, atol=rtol)
    np.testing.assert_allclose(b, ref[2], rtol=rtol, atol=rtol)
    assert loss == pytest.approx(ref_loss, rel=rtol)
    assert losses[-1] < losses[0] and losses[-1] < np.log(3)


def test_multinomial_rejects_bad_labels():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match=r"class indices in \[0, 3\)"):
        _linear.multinomial_sgd_epoch(X, np.array([0, 1, 3, 0], dtype=np.intp), np.ones(4), np.zeros((3, 2)),
                                      1.0, np.zeros(3), np.arange(4, dtype=np.intp), 0.0, 0, 0.1, 0.5, 0.0, 1.0)


@DTYPES
def test_minibatch_averaging_matches_the_reference(dtype):
    X, y, _ = problem(700, 9, dtype, seed=22)
    sw = np.random.default_rng(6).uniform(0.5, 2.0, 700)
    order = np.random.default_rng(7).permutation(700).astype(np.intp)
    avg, ref_avg = np.zeros(11), np.zeros(11)
    coef, ref_coef, b, ref_b = np.zeros(9, dtype=dtype), np.zeros(9, dtype=dtype), 0.0, 0.0
    for _ in range(2):
        b, _ = _linear.logistic_minibatch_epoch(X, y, sw, coef, b, order, 64, 1e-3, 0.5, True, avg)
        ref_coef, ref_b, _ = reference.logistic_minibatch_epoch(X, y, sw, ref_coef, ref_b, order, 64,
                                                                1e-3, 0.5, avg=ref_avg)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    assert avg[-1] == ref_avg[-1] == 2 * 11          # 11 batches a pass, each one step
    np.testing.assert_allclose(avg, ref_avg, rtol=rtol, atol=rtol)
    # the mean of the iterates is not the last one
    assert not np.allclose(avg[:9], coef)
    with pytest.raises(ValueError, match="avg has 5 entries"):
        _linear.logistic_minibatch_epoch(X, y, sw, coef, b, order, 64, 1e-3, 0.5, True, np.zeros(5))


@DTYPES
def test_log_loss_kernel(dtype):
    X, y, _ = problem(3000, 13, dtype, seed=23)
    sw = np.random.default_rng(8).uniform(0.0, 2.0, 3000)
    w = np.random.default_rng(9).normal(size=13)
    z = X.astype(np.float64) @ w + 0.25
    expected = np.sum(sw * np.logaddexp(0.0, np.where(y == 1, -z, z)))
    losses = []
    for n_threads in (1, 2, 3):
        with fastact.num_threads(n_threads):
            losses.append(_linear.log_loss(X, y, sw, w, 0.25))
    assert losses[0] == losses[1] == losses[2]              # fixed block order
    assert losses[0] == pytest.approx(expected, rel=1e-12)
    assert _linear.log_loss(X[:0], y[:0], sw[:0], w, 0.25) == 0.0
    with pytest.raises(ValueError, match="coef has 12 entries"):
        _linear.log_loss(X, y, sw, w[:12], 0.25)
