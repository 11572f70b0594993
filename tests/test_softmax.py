"""softmax and log_softmax along an axis, and their backward, against
fastact.reference (wide precision)."""
import numpy as np
import pytest

import fastact
from fastact import grad, reference
from helpers import softmax_ulp_bound, stream_threshold, ulp_error_vs

DTYPE = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])


def rows(dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(scale=5, size=(300, 37))
    x[0] = 0.0                                    # all equal
    x[1, 0] = 500.0                               # one dominant: the others underflow
    x[2] = rng.uniform(-1e3, 1e3, 37)             # huge spread
    x[3, :] = -30.0
    x[3, 5] = 30.0                                # log_softmax near 0 for the max
    x[4] = 1e-8 * rng.normal(size=37)
    return x.astype(dtype)


@DTYPE
@pytest.mark.parametrize("log_out", [False, True], ids=["softmax", "log_softmax"])
def test_matches_the_reference(dtype, log_out):
    fn = fastact.log_softmax if log_out else fastact.softmax
    ref = reference.log_softmax if log_out else reference.softmax
    x = rows(dtype)
    for axis in (-1, 0):
        y = fn(x, axis=axis)
        assert y.dtype == dtype and y.shape == x.shape
        err = ulp_error_vs(y, ref(x, axis=axis, exact_wide=True))
        assert err.max() <= softmax_ulp_bound(log_out, dtype), (axis, np.unravel_index(err.argmax(), err.shape))
    if not log_out:
        np.testing.assert_allclose(fastact.softmax(x).sum(axis=-1), 1, rtol=40 * np.finfo(dtype).eps)


def test_float32_rows_every_path_and_length():
    """The float32 rows (by hand on AVX-512) pick a path from each row's max:
    within +-(2^16 - 200), x itself is split by ln2 (x below max - 200
    clamped there); beyond, d = x - max exactly by Fast2Sum, per element,
    clamped at -110.  The ranges here take both, the first up to its limits,
    at lengths around the vector width; rows down to d = -200 reach the
    subnormal results.  A -inf appended (its result 0) gives the same bits
    for the others."""
    rng = np.random.default_rng(11)
    bound = softmax_ulp_bound(False, np.float32)
    ranges = ((-8, 8), (-50, -3), (-100, 100), (0.5, 3), (-1e-6, 1e-6), (90, 100), (-3, 12),
              (65200, 65330), (-65330, -65200), (-65330, -65100), (65340, 65400), (1e5, 1e5 + 100),
              (-1e6 - 150, -1e6), (3e38, 3.4e38))
    for n in (1, 15, 16, 17, 33, 1000):
        for lo, hi in ranges:
            x = rng.uniform(lo, hi, (6, n)).astype(np.float32)
            y = fastact.softmax(x)
            err = ulp_error_vs(y, reference.softmax(x, exact_wide=True))
            assert err.max() <= bound, (n, lo, hi)
            y_inf = fastact.softmax(np.concatenate([x, np.full((6, 1), -np.inf, np.float32)], axis=1))
            np.testing.assert_array_equal(y_inf[:, :n], y, err_msg=str((n, lo, hi)))
            assert (y_inf[:, n] == 0).all()


@DTYPE
def test_long_rows_of_equal_values(dtype):
    """A long row whose terms are all alike: every term's rounding goes the
    same way, so sums that are not compensated drift by its count (the
    float32 rows' float error sum did, 1.1 ULP at 50001)."""
    for n in (4097, 50001, 1000003):
        x = np.zeros((1, n), dtype)
        x[0, 0] = 5.0
        err = ulp_error_vs(fastact.softmax(x), reference.softmax(x, exact_wide=True))
        assert err.max() <= softmax_ulp_bound(False, dtype), (n, err.max())


@DTYPE
def test_any_axis_layout_and_thread_count(dtype):
    x = np.random.default_rng(1).normal(size=(7, 11, 500)).astype(dtype)
    for axis in range(3):
        expected = np.moveaxis(fastact.softmax(np.ascontiguousarray(np.moveaxis(x, axis, -1))), -1, axis)
        with fastact.num_threads(1):
            np.testing.assert_array_equal(fastact.softmax(x, axis=axis), expected)
        with fastact.num_threads(2):
            np.testing.assert_array_equal(fastact.softmax(x, axis=axis), expected)
        np.testing.assert_array_equal(fastact.softmax(np.asfortranarray(x), axis=axis), expected)
    out = np.empty_like(x)
    assert fastact.log_softmax(x, axis=1, out=out) is out
    np.testing.assert_array_equal(out, fastact.log_softmax(x, axis=1))
    np.testing.assert_array_equal(fastact.softmax(x[:, ::2, ::3]), fastact.softmax(x[:, ::2, ::3].copy()))


@DTYPE
@pytest.mark.parametrize("log_out", [False, True], ids=["softmax", "log_softmax"])
def test_out_written_directly_in_place_or_through_a_copy(dtype, log_out):
    """out= takes the kernels' writes directly where it can (rows contiguous,
    the compute dtype), in place included; an out that overlaps an input
    partly, or has other strides, goes through a copy: the same values."""
    fn, bwd = (fastact.log_softmax, grad.log_softmax) if log_out else (fastact.softmax, grad.softmax)
    x = rows(dtype, seed=5)
    y = fn(x)
    g = np.random.default_rng(6).uniform(-1, 1, x.shape).astype(dtype)
    b = bwd(g, y)
    for axis, make in ((-1, lambda a: a.copy()), (0, lambda a: np.asfortranarray(a))):
        expected, expected_b = fn(x, axis=axis), bwd(g, fn(x, axis=axis), axis=axis)
        xi = make(x)
        assert fn(xi, axis=axis, out=xi) is xi                       # in place
        np.testing.assert_array_equal(xi, expected)
        gi, yi = make(g), make(expected)
        assert bwd(gi, yi, axis=axis, out=gi) is gi
        np.testing.assert_array_equal(gi, expected_b)
        gi, yi = make(g), make(expected)
        assert bwd(gi, yi, axis=axis, out=yi) is yi
        np.testing.assert_array_equal(yi, expected_b)
    # partly overlapping: out is the input shifted by one row
    buf = np.concatenate([x, x[:1]])
    np.testing.assert_array_equal(fn(buf[:-1], out=buf[1:]), y)
    buf = np.concatenate([g, g[:1]])
    np.testing.assert_array_equal(bwd(buf[:-1], y, out=buf[1:]), b)
    # strided out, and an out of a wider dtype
    wide = np.empty((x.shape[0], 2 * x.shape[1]), dtype)[:, ::2]
    np.testing.assert_array_equal(fn(x, out=wide), y)
    if dtype == np.float32:
        np.testing.assert_array_equal(fn(x, out=np.empty(x.shape)), y.astype(np.float64))


@DTYPE
@pytest.mark.parametrize("log_out", [False, True], ids=["softmax", "log_softmax"])
def test_streaming_stores_give_the_same_bits(dtype, log_out):
    """Large outputs are written with streaming stores (AVX-512's float32
    softmax rows, both ways; log_softmax's ignore the flag, and are checked
    for that); with the threshold at 0 every call is, at every alignment
    of out and row length (the plain stores before the first 64-byte
    boundary and after the last full step), in place too."""
    from fastact._ufuncs import _stream_threshold
    fn, bwd = (fastact.log_softmax, grad.log_softmax) if log_out else (fastact.softmax, grad.softmax)
    previous = _stream_threshold()
    for n in (1, 15, 16, 17, 37, 1003):
        rng = np.random.default_rng(n)
        x = rng.normal(scale=5, size=(6, n)).astype(dtype)
        x[1] = rng.uniform(-1e3, 1e3, n)                  # huge spread: tiny results
        g = rng.uniform(-1, 1, x.shape).astype(dtype)
        with stream_threshold(1 << 62):
            plain = fn(x)
            plain_b = bwd(g, plain)
        with stream_threshold(0):
            buf = np.zeros(x.size + 64, dtype)
            for offset in (0, 1, 3, 64 // np.dtype(dtype).itemsize - 1):
                out = buf[offset:offset + x.size].reshape(x.shape)
                assert fn(x, out=out) is out
                np.testing.assert_array_equal(out, plain, err_msg=str((n, offset)))
                assert bwd(g, plain, out=out) is out
                np.testing.assert_array_equal(out, plain_b, err_msg=str((n, offset)))
            xi = x.copy()
            np.testing.assert_array_equal(fn(xi, out=xi), plain)
            with fastact.num_threads(2):
                big = np.tile(x, (50, 1))
                np.testing.assert_array_equal(fn(big), np.tile(plain, (50, 1)))
                np.testing.assert_array_equal(bwd(np.tile(g, (50, 1)), np.tile(plain, (50, 1))),
                                              np.tile(plain_b, (50, 1)))
    from fastact import _family
    assert _family._stream_threshold() == previous


@DTYPE
def test_special_rows_among_others(dtype):
    """A thread's block of rows is one call (AVX-512's float32 softmax runs
    each row's last pass inside the next row's second): a NaN row, one with
    an infinite max and one of -inf between ordinary rows leave those rows'
    bits as they are alone, streamed or not, with 1 and 2 threads."""
    for n in (1, 17, 1003):
        x = np.random.default_rng(n).normal(scale=5, size=(9, n)).astype(dtype)
        x[2, n // 2] = np.nan
        x[4, 0] = np.inf
        x[6] = -np.inf
        special = [2, 4, 6]
        alone = np.concatenate([fastact.softmax(x[r:r + 1]) for r in range(9)])
        assert np.isnan(alone[special]).all()
        for threshold in (1 << 62, 0):
            for threads in (1, 2):
                with stream_threshold(threshold), fastact.num_threads(threads):
                    np.testing.assert_array_equal(fastact.softmax(x), alone, err_msg=str(n))
                    big = np.tile(x, (40, 1))
                    np.testing.assert_array_equal(fastact.softmax(big), np.tile(alone, (40, 1)))


def test_special_rows_and_dtypes():
    assert np.isnan(fastact.softmax([1.0, np.nan])).all()
    assert np.isnan(fastact.softmax([np.inf, 1.0])).all()          # as PyTorch: inf - inf
    assert np.isnan(fastact.softmax([-np.inf, -np.inf])).all()
    np.testing.assert_array_equal(fastact.softmax([-np.inf, 0.0]), [0.0, 1.0])
    np.testing.assert_array_equal(fastact.log_softmax([-np.inf, 0.0]), [-np.inf, 0.0])
    assert fastact.log_softmax([0.0, -2000.0])[1] == -2000.0       # no log(0)
    assert fastact.softmax(np.zeros((3, 0))).shape == (3, 0)
    assert fastact.softmax(np.zeros((0, 4))).shape == (0, 4)
    assert fastact.softmax(np.float16([1, 2])).dtype == np.float16
    assert fastact.softmax(np.array([1, 2], np.int64)).dtype == np.float64
    assert fastact.softmax(np.array([1, 2], np.int8)).dtype == np.float16


@pytest.mark.parametrize("call, error, match", [
    (lambda: fastact.softmax(3.0), ValueError, "at least one dimension"),
    (lambda: fastact.softmax(np.ones((2, 3)), axis=2), np.exceptions.AxisError, "axis 2 is out of bounds"),
    (lambda: fastact.softmax(np.ones(3), axis=0.5), TypeError, "axis must be an int"),
    (lambda: fastact.softmax(np.array(["a"])), TypeError, "needs real numbers"),
    (lambda: fastact.softmax(np.ones(3), out=np.empty(4)), ValueError, r"out has shape \(4,\), expected \(3,\)"),
    (lambda: fastact.softmax(np.ones(3), out=np.empty(3, np.int64)), TypeError, "cannot write float64"),
    (lambda: grad.softmax(np.ones(3), np.ones(4)), ValueError, "grad_output has shape"),
])
def test_bad_input_is_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


@DTYPE
@pytest.mark.parametrize("log_out", [False, True], ids=["softmax", "log_softmax"])
def test_backward_matches_the_reference(dtype, log_out):
    x = rows(dtype, seed=2)[5:]
    g = np.random.default_rng(3).uniform(-1, 1, x.shape).astype(dtype)
    for axis in (-1, 0):
        if log_out:
            y = fastact.log_softmax(x, axis=axis)
            got, exact = grad.log_softmax(g, y, axis=axis), reference.log_softmax_backward(g, y, axis, True)
        else:
            y = fastact.softmax(x, axis=axis)
            got, exact = grad.softmax(g, y, axis=axis), reference.softmax_backward(g, y, axis, True)
        assert got.dtype == dtype
        # a difference of sums: within a few ULP of its terms' size
        scale = np.sum(np.abs(g.astype(np.float64)) * (1 if log_out else np.abs(y.astype(np.float64))),
                       axis=axis, keepdims=True) + np.abs(g)
        tol = 4 * np.finfo(dtype).eps * scale * (np.exp(y.astype(np.float64)) if log_out else np.abs(y) + 0)
        np.testing.assert_array_less(np.abs(got.astype(np.float64) - exact.astype(np.float64)),
                                     tol + 4 * np.finfo(dtype).eps * np.abs(exact.astype(np.float64)) + 1e-300)


def test_backward_equals_a_finite_difference():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 6))
    g = rng.normal(size=(3, 6))
    for fwd, bwd in ((fastact.softmax, grad.softmax), (fastact.log_softmax, grad.log_softmax)):
        back = bwd(g, fwd(x))
        h = 1e-6
        fd = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            e = np.zeros_like(x)
            e[i] = h
            fd[i] = np.sum(g * (fwd(x + e) - fwd(x - e))) / (2 * h)
        np.testing.assert_allclose(back, fd, rtol=1e-6, atol=1e-8)


def test_row_kernels_check_their_arrays():
    """fastact._softmax's entry points take raw buffers after checking them
    (the wrappers' fast path passes 2-D C-contiguous arrays straight in):
    anything else is a TypeError or ValueError naming the array, never a
    read or write out of bounds."""
    from fastact import _softmax as kernels
    x = np.ones((3, 4), np.float32)
    with pytest.raises(ValueError, match="y has shape"):
        kernels.forward(x, np.empty((4, 3), np.float32), False)
    with pytest.raises(TypeError, match="y has dtype"):
        kernels.forward(x, np.empty((3, 4)), False)
    with pytest.raises(TypeError, match="x must be float32 or float64"):
        kernels.forward(x.astype(np.int32), np.empty((3, 4), np.int32), False)
    with pytest.raises(TypeError, match="native byte order"):
        kernels.forward(x.astype(">f4"), np.empty((3, 4), np.float32), False)
    with pytest.raises(ValueError, match="x must be a 2-D C-contiguous"):
        kernels.forward(np.ones((3, 8), np.float32)[:, ::2], np.empty((3, 4), np.float32), False)
    with pytest.raises(ValueError, match="x must be a 2-D C-contiguous"):
        kernels.forward(np.ones(4, np.float32), np.empty(4, np.float32), False)
    read_only = np.empty((3, 4), np.float32)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="y is read-only"):
        kernels.forward(x, read_only, False)
    with pytest.raises(ValueError, match="out is read-only"):
        kernels.backward(x, x, read_only, False)
    with pytest.raises(ValueError, match="y has shape"):
        kernels.backward(x, np.ones((3, 5), np.float32), np.empty((3, 4), np.float32), False)
    with pytest.raises(TypeError):
        kernels.forward(x, None, False)
    y = np.empty_like(x)
    kernels.forward(x, y, False)
    np.testing.assert_array_equal(y, np.full((3, 4), 0.25, np.float32))
