"""pytest-benchmark suite: each activation against the reference and NumPy.

    pytest benchmarks/ --benchmark-group-by=group --benchmark-columns=min,median,ops

Groups are one function, dtype and size, so a reader compares fastact, the
reference and the NumPy composition a user would write side by side.  Not part
of the default test run (testpaths = tests).  Peers that are not installed
(scipy) are skipped, never counted.
"""
import numpy as np
import pytest

import fastact
from fastact import reference

SIZES = [10 ** 3, 10 ** 5, 10 ** 6, 10 ** 7]
DTYPES = ["float32", "float64"]


def _numpy_sigmoid(x, out):
    # what a NumPy user writes: three passes, stable for x >= -88 only
    np.negative(x, out=out)
    np.exp(out, out=out)
    out += 1
    return np.reciprocal(out, out=out)


def _numpy_softplus(x, out):
    # the stable NumPy form: max(x, 0) + log1p(exp(-|x|))
    t = np.abs(x)
    np.negative(t, out=t)
    np.exp(t, out=t)
    np.log1p(t, out=t)
    np.maximum(x, 0, out=out)
    return np.add(out, t, out=out)


NUMPY = {
    "sigmoid": _numpy_sigmoid,
    "tanh": lambda x, out: np.tanh(x, out=out),
    "softplus": _numpy_softplus,
    "relu": lambda x, out: np.maximum(x, 0, out=out),
    "step": lambda x, out: np.heaviside(x, 0, out=out),
}


def _scipy(name):
    special = pytest.importorskip("scipy.special")
    if name == "sigmoid":
        return lambda x, out: special.expit(x, out=out)
    pytest.skip("scipy has no %s" % name)


@pytest.fixture(scope="module", params=DTYPES)
def dtype(request):
    return request.param


@pytest.mark.parametrize("n", SIZES, ids=lambda n: "n=%.0e" % n)
@pytest.mark.parametrize("impl", ["fastact", "reference", "numpy", "scipy"])
@pytest.mark.parametrize("name", list(NUMPY))
def test_activation(benchmark, name, impl, n, dtype):
    if impl == "reference" and n > 10 ** 6 and dtype == "float64":
        pytest.skip("the long double reference takes seconds per call at this size")
    x = np.random.default_rng(0).uniform(-10, 10, n).astype(dtype)
    out = np.empty_like(x)
    if impl == "fastact":
        f = getattr(fastact, name)
        fn = lambda: f(x, out=out)
    elif impl == "reference":
        f = getattr(reference, name)
        fn = lambda: f(x)
    elif impl == "numpy":
        fn = lambda: NUMPY[name](x, out)
    else:
        g = _scipy(name)
        fn = lambda: g(x, out)
    benchmark.group = "%s %s n=%.0e" % (name, dtype, n)
    benchmark.extra_info["melem_per_s"] = None
    benchmark(fn)
    benchmark.extra_info["melem_per_s"] = n / benchmark.stats.stats.min / 1e6
