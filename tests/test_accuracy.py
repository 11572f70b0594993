"""Every activation against fastact.reference, in ULP, on random and edge inputs."""
import numpy as np
import pytest

from helpers import ACTIVATIONS, DTYPES, ulp_bound, edge_values, max_ulp, random_inputs, ufunc


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_random_inputs_within_ulp_bound(name, dtype):
    x = random_inputs(dtype, n=500_000)        # 1e6 inputs
    y = ufunc(name)(x)
    assert y.dtype == dtype
    assert max_ulp(y, x, name) <= ulp_bound(name, x.dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_edge_values_within_ulp_bound(name, dtype):
    x = edge_values(dtype)
    y = ufunc(name)(x)
    assert max_ulp(y, x, name) <= ulp_bound(name, x.dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_nan_in_gives_nan_out_and_no_nan_from_finite(name, dtype):
    x = edge_values(dtype)
    y = ufunc(name)(x)
    np.testing.assert_array_equal(np.isnan(y), np.isnan(x))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_no_floating_point_warnings_on_edge_values(name, dtype):
    # Serial sizes: flags raised on the calling thread are what NumPy reports.
    x = edge_values(dtype)
    with np.errstate(all="raise"):
        ufunc(name)(x)
        ufunc(name)(x[::2])            # the strided path too
        for v in x:
            ufunc(name)(v)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_infinities_give_the_limits(dtype):
    import fastact
    x = np.array([-np.inf, np.inf], dtype=dtype)
    np.testing.assert_array_equal(fastact.sigmoid(x), [0, 1])
    np.testing.assert_array_equal(fastact.tanh(x), [-1, 1])
    np.testing.assert_array_equal(fastact.softplus(x), [0, np.inf])
    np.testing.assert_array_equal(fastact.relu(x), [0, np.inf])
    np.testing.assert_array_equal(fastact.step(x), [0, 1])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_softplus_large_input_returns_x(dtype):
    import fastact
    x = np.array([40.0, 100.0, 1e4, 1e30, float(np.finfo(dtype).max)], dtype=dtype)
    np.testing.assert_array_equal(fastact.softplus(x), x)


@pytest.mark.parametrize("dtype, lo, hi", [
    # from where e^x < ulp(1)/2, so log1p(e^x) rounds to e^x, to the underflow
    (np.float32, -103.0, -17.0),
    (np.float64, -744.0, -37.0),
])
def test_softplus_very_negative_input_returns_exp(dtype, lo, hi):
    import fastact
    x = np.linspace(lo, hi, 2001).astype(dtype)
    got = fastact.softplus(x).astype(np.longdouble)
    expected = np.exp(x.astype(np.longdouble))
    ulp = np.spacing(expected.astype(dtype)).astype(np.longdouble)
    assert np.all(got > 0)
    assert np.all(np.abs(got - expected) <= 2 * ulp)


@pytest.mark.parametrize("dtype, x, expected", [
    (np.float32, -89.0, 2.227364e-39),     # subnormal float32
    (np.float32, -100.0, 3.783506e-44),
    (np.float64, -720.0, 2.8869e-313),     # subnormal float64
])
def test_sigmoid_subnormal_result_is_not_flushed(dtype, x, expected):
    import fastact
    y = fastact.sigmoid(np.array([x], dtype=dtype))[0]
    assert 0 < y < np.finfo(dtype).tiny
    assert y == pytest.approx(expected, rel=1e-3)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_step_and_relu_at_signed_zero(dtype):
    import fastact
    z = np.array([0.0, -0.0], dtype=dtype)
    np.testing.assert_array_equal(fastact.step(z), [0, 0])
    relu = fastact.relu(z)
    np.testing.assert_array_equal(relu, [0, 0])
    assert not np.signbit(relu).any()          # relu(-0) is +0
    assert np.signbit(fastact.tanh(z)).tolist() == [False, True]   # tanh is odd
    assert fastact.sigmoid(z).tolist() == [0.5, 0.5]
    assert fastact.softplus(z).tolist() == [np.log(dtype(2))] * 2


def test_linspace_example_from_the_readme():
    import fastact
    x = np.linspace(-5, 5, 11, dtype=np.float32)
    np.testing.assert_allclose(fastact.sigmoid(x), 1 / (1 + np.exp(-x.astype(np.float64))), rtol=3e-7)
    np.testing.assert_allclose(fastact.softplus(x), np.log1p(np.exp(x.astype(np.float64))), rtol=3e-7)


MPMATH_FUNCTIONS = {
    "sigmoid": lambda mp, v: 1 / (1 + mp.exp(-v)),
    "tanh": lambda mp, v: mp.tanh(v),
    "softplus": lambda mp, v: mp.log1p(mp.exp(v)),
}


@pytest.mark.parametrize("name", sorted(MPMATH_FUNCTIONS))
def test_float64_against_mpmath(name):
    # An oracle independent of long double (which is plain double on some
    # platforms): 50-digit mpmath on random and hard inputs.
    import mpmath as mp    # a test requirement: never skipped
    mp.mp.dps = 50
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.uniform(-40, 40, 1500), rng.uniform(-1, 1, 500) * 10.0 ** rng.uniform(-300, 0, 500),
                        [-745.0, -709.5, -36.7, -20.0, -0.88137, 0.88137, 1e-300, 19.06, 40.0, 709.7]])
    y = ufunc(name)(x)
    worst = 0.0
    for xi, yi in zip(x, y):
        exact = MPMATH_FUNCTIONS[name](mp, mp.mpf(float(xi)))
        if exact == 0:
            assert yi == 0
            continue
        toward_zero = abs(float(exact))
        if toward_zero > abs(exact):
            toward_zero = np.nextafter(toward_zero, 0.0)
        ulp = mp.mpf(float(np.spacing(toward_zero)))
        worst = max(worst, float(abs(mp.mpf(float(yi)) - exact) / ulp))
    assert worst <= ulp_bound(name, np.float64)
