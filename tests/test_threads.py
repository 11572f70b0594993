"""Thread controls, bitwise equality across thread counts, concurrent callers."""
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import fastact
from fastact._openmp import build_info
from helpers import ACTIVATIONS, DTYPES, ufunc

# The serial build (FASTACT_OPENMP=0) runs these same tests: with it every
# thread count in force is 1.
OPENMP = build_info()["openmp"]
CPUS = build_info()["available_cpus"]


def in_force(n_threads):
    return n_threads if OPENMP else 1


def default_threads():
    """The default on this thread: OpenMP's own (OMP_NUM_THREADS,
    threadpoolctl) capped at the available CPUs."""
    from fastact._openmp import _openmp_default
    return in_force(min(_openmp_default(), CPUS))

# Sizes on both sides of every per-function parallel threshold.
SIZES = (100, 2047, 2049, 4097, 8191, 8193, 16385, 32769, 65_537, 1_000_001)


@pytest.fixture(autouse=True)
def restore_thread_setting():
    yield
    fastact.set_num_threads(None)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_results_are_bitwise_identical_for_any_thread_count(name, dtype):
    f = ufunc(name)
    for n in SIZES:
        x = np.random.default_rng(n).uniform(-50, 50, n).astype(dtype)
        with fastact.num_threads(1):
            one = f(x)
        for n_threads in (2, 3, 4):
            with fastact.num_threads(n_threads):
                many = f(x)
            np.testing.assert_array_equal(one, many, err_msg="n=%d threads=%d" % (n, n_threads))


def test_concurrent_calls_from_python_threads():
    x = np.random.default_rng(3).uniform(-20, 20, 400_003)
    expected = {name: ufunc(name)(x) for name in ACTIVATIONS}
    barrier = threading.Barrier(4)

    def work(i):
        barrier.wait()
        name = ACTIVATIONS[i % len(ACTIVATIONS)]
        results = [ufunc(name)(x) for _ in range(5)]
        return name, results

    with ThreadPoolExecutor(4) as pool:
        for name, results in pool.map(work, range(8)):
            for r in results:
                np.testing.assert_array_equal(r, expected[name])


def test_num_threads_context_restores_the_previous_setting():
    fastact.set_num_threads(None)
    default = fastact.get_num_threads()
    with fastact.num_threads(1):
        assert fastact.get_num_threads() == 1
        with fastact.num_threads(2):
            assert fastact.get_num_threads() == in_force(2)
        assert fastact.get_num_threads() == 1
    assert fastact.get_num_threads() == default


def test_num_threads_context_restores_after_an_exception():
    fastact.set_num_threads(None)
    default = fastact.get_num_threads()
    with pytest.raises(RuntimeError):
        with fastact.num_threads(1):
            raise RuntimeError("boom")
    assert fastact.get_num_threads() == default


@pytest.mark.parametrize("bad, error", [
    (0, ValueError), (-2, ValueError), (1.5, TypeError), ("2", TypeError), (True, TypeError),
])
def test_set_num_threads_rejects_bad_values(bad, error):
    with pytest.raises(error, match="n_threads must be a positive int"):
        fastact.set_num_threads(bad)


def test_set_num_threads_accepts_numpy_integers():
    fastact.set_num_threads(np.int64(3))
    assert fastact.get_num_threads() == in_force(3)


def test_explicit_count_may_exceed_the_cpus():
    # like torch.set_num_threads: an explicit request is honoured as given
    fastact.set_num_threads(CPUS + 2)
    assert fastact.get_num_threads() == in_force(CPUS + 2)


def test_default_is_capped_at_the_available_cpus():
    fastact.set_num_threads(None)
    assert fastact.get_num_threads() == default_threads()
    assert fastact.get_num_threads() <= CPUS


def test_explicit_count_is_capped_at_four_times_the_cpus():
    fastact.set_num_threads(10 ** 6)
    assert fastact.get_num_threads() == in_force(4 * CPUS)
    with fastact.num_threads(10 ** 6):
        assert fastact.get_num_threads() == in_force(4 * CPUS)


def test_context_takes_precedence_over_set_num_threads():
    fastact.set_num_threads(3)
    with fastact.num_threads(1):
        assert fastact.get_num_threads() == 1
    assert fastact.get_num_threads() == in_force(3)


def test_num_threads_context_is_per_python_thread():
    # A enters, B enters, A leaves, B leaves: neither restores the other's value.
    step = [threading.Event() for _ in range(4)]
    seen = {}

    def thread_a():
        with fastact.num_threads(1):
            step[0].set()
            step[1].wait(10)
            seen["a inside"] = fastact.get_num_threads()
        step[2].set()

    def thread_b():
        step[0].wait(10)
        seen["b before"] = fastact.get_num_threads()
        with fastact.num_threads(2):
            step[1].set()
            step[2].wait(10)
            seen["b inside"] = fastact.get_num_threads()
        seen["b after"] = fastact.get_num_threads()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert seen["a inside"] == 1 and seen["b inside"] == in_force(2)
    assert seen["b after"] == seen["b before"]
    assert fastact.get_num_threads() == default_threads()


def _threads_in_subprocess(env_extra, code="import fastact; print(fastact.get_num_threads())"):
    env = dict(os.environ)
    env.pop("OMP_NUM_THREADS", None)
    env.update(env_extra)
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                         capture_output=True, text=True, cwd=os.path.dirname(__file__))
    return int(out.stdout.strip())


def test_default_follows_omp_num_threads():
    assert _threads_in_subprocess({"OMP_NUM_THREADS": "1"}) == 1
    assert _threads_in_subprocess({"OMP_NUM_THREADS": "64"}) == in_force(CPUS)
    if CPUS >= 2:
        assert _threads_in_subprocess({"OMP_NUM_THREADS": "2"}) == in_force(2)


def test_threadpoolctl_openmp_limit_is_honoured():
    import threadpoolctl   # a test requirement: never skipped
    fastact.set_num_threads(None)
    with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
        assert fastact.get_num_threads() == 1
    assert fastact.get_num_threads() == default_threads()
