"""pytest-benchmark suite: each activation against the reference and the peers.

    pytest benchmarks/ --benchmark-group-by=group --benchmark-columns=min,median,ops

Every activation x float32/float64 x 1e2, 1e4, 1e6, 1e7 elements, allocating
and with `out=`; fastact against fastact.reference and every installed peer of
fastact.bench.PEERS (the NumPy composition, SciPy, numexpr, PyTorch, numba).
A group is one function, dtype, size and mode, so a reader compares the
implementations side by side.  Missing peers are skipped, never counted.
Not part of the default test run (testpaths = tests).
"""
import numpy as np
import pytest

import fastact
from fastact import bench, reference

SIZES = [10 ** 2, 10 ** 4, 10 ** 6, 10 ** 7]
DTYPES = ["float32", "float64"]
IMPLS = ["fastact", "reference"] + list(bench.PEERS)


@pytest.fixture(scope="module")
def peers():
    loaded = {}
    for name, make in bench.PEERS.items():
        try:
            loaded[name] = make(fastact.get_num_threads())
        except ImportError:
            pass
    return loaded


@pytest.mark.parametrize("mode", ["out", "alloc"])
@pytest.mark.parametrize("n", SIZES, ids=lambda n: "n=%.0e" % n)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("name", bench.FUNCTIONS)
def test_activation(benchmark, peers, name, impl, dtype, n, mode):
    if impl == "reference" and n > 10 ** 6 and dtype == "float64":
        pytest.skip("the long double reference takes seconds per call at this size")
    x = np.random.default_rng(0).uniform(-10, 10, n).astype(dtype)
    out = np.empty_like(x)
    if impl == "fastact":
        f = getattr(fastact, name)
        fn = (lambda: f(x, out=out)) if mode == "out" else (lambda: f(x))
    elif impl == "reference":
        if mode == "out":
            pytest.skip("the reference always allocates")
        f = getattr(reference, name)
        fn = lambda: f(x)
    else:
        if impl not in peers:
            pytest.skip("%s is not installed" % impl)
        if name not in peers[impl]:
            pytest.skip("%s has no %s" % (impl, name))
        g = peers[impl][name]
        fn = ((lambda: bench._call(g, x, out)) if mode == "out"
              else (lambda: bench._call(g, x, np.empty_like(x))))
    benchmark.group = "%s %s n=%.0e %s" % (name, dtype, n, mode)
    benchmark(fn)
    benchmark.extra_info["melem_per_s"] = n / benchmark.stats.stats.min / 1e6
