"""The activations behave as NumPy ufuncs: dtypes, shapes, layouts, out=, errors."""
import numpy as np
import pytest

import fastact

from helpers import ACTIVATIONS, DTYPES, edge_values, max_ulp, ufunc
from fastact import reference

NAMES = pytest.mark.parametrize("name", ACTIVATIONS)
DTYPE = pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)


def data(shape, dtype, seed=1):
    return np.random.default_rng(seed).uniform(-30, 30, shape).astype(dtype)


def assert_matches_reference(y, x, name):
    from helpers import ulp_bound
    assert y.shape == np.shape(x)
    assert max_ulp(y, np.asarray(x), name) <= ulp_bound(name, x.dtype)


@NAMES
def test_is_a_numpy_ufunc_with_float16_float32_and_float64_loops(name):
    f = ufunc(name)
    assert isinstance(f, np.ufunc)
    assert (f.nin, f.nout) == (1, 1)
    assert f.types == ["e->e", "f->f", "d->d"]
    assert f.__name__ == name
    assert name in f.__doc__


@NAMES
@pytest.mark.parametrize("in_dtype, out_dtype", [
    (np.int64, np.float64), (np.int32, np.float64), (np.int16, np.float32),
    (np.uint16, np.float32), (np.int8, np.float16), (np.bool_, np.float16),
])
def test_other_inputs_follow_numpy_casting(name, in_dtype, out_dtype):
    # the same loops NumPy's own float ufuncs (e, f, d) pick
    x = np.array([0, 1, 2, 3], dtype=in_dtype)
    y = ufunc(name)(x)
    assert y.dtype == out_dtype == np.sin(x).dtype
    np.testing.assert_array_equal(y, ufunc(name)(x.astype(out_dtype)))


@NAMES
def test_float16_is_the_float32_result_rounded_to_float16(name):
    # every float16 value: the float32 result, rounded to float16 (a second
    # rounding: on a few ties one float16 ULP from the correctly rounded one)
    x = np.arange(1 << 16, dtype=np.uint16).view(np.float16)
    y = ufunc(name)(x)
    assert y.dtype == np.float16
    np.testing.assert_array_equal(y, ufunc(name)(x.astype(np.float32)).astype(np.float16))
    # strided and in threads (long contiguous) give the same bits
    np.testing.assert_array_equal(ufunc(name)(x[::3]), y[::3])
    big = np.tile(x[np.isfinite(x)], 8)
    with fastact.num_threads(2):
        np.testing.assert_array_equal(ufunc(name)(big), np.tile(y[np.isfinite(x)], 8))


@NAMES
def test_unsupported_dtype_raises_like_numpy(name):
    x = np.array([1 + 2j])
    with pytest.raises(TypeError, match="not supported for the input types"):
        ufunc(name)(x)


@NAMES
@DTYPE
def test_python_scalars_and_0d_arrays(name, dtype):
    f = ufunc(name)
    y = f(dtype(0.75))
    assert np.ndim(y) == 0 and y.dtype == dtype
    y0 = f(np.array(0.75, dtype=dtype))
    assert np.ndim(y0) == 0 and y0 == y
    assert f(0.75) == f(np.float64(0.75))


@NAMES
@DTYPE
@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 4, 2)])
def test_empty_arrays(name, dtype, shape):
    y = ufunc(name)(np.empty(shape, dtype=dtype))
    assert y.shape == shape and y.dtype == dtype


@NAMES
@DTYPE
def test_every_length_from_1_to_100(name, dtype):
    # Exercises the vector body and every length of the scalar tail.
    f = ufunc(name)
    for n in range(1, 101):
        x = data(n, dtype, seed=n)
        assert_matches_reference(f(x), x, name)


@NAMES
@DTYPE
def test_vector_body_and_scalar_tail_give_the_same_bits(name, dtype):
    # Each element is computed at every position mod 16: in the vector body
    # of a long array and in the scalar tail of a short one.
    x = np.concatenate([edge_values(dtype), data(200, dtype, seed=5)])
    f = ufunc(name)
    bits = np.dtype(dtype).str.replace("f", "u")
    whole = f(x).view(bits)
    for start in range(17):
        for n in (1, 7, 15, 33):
            np.testing.assert_array_equal(f(x[start:start + n]).view(bits), whole[start:start + n])


@NAMES
@DTYPE
def test_a_result_does_not_depend_on_its_neighbours(name, dtype):
    # The AVX-512 float32 sigmoid and softplus take a table fast path for
    # vectors whose lanes all lie in (-12, 12) and the general kernel for the
    # others, with in-range lanes still given the table's value: mixing in
    # out-of-range neighbours must not change a result.
    f = ufunc(name)
    bits = np.dtype(dtype).str.replace("f", "u")
    inside = np.random.default_rng(4).uniform(-11.9, 11.9, 4000).astype(dtype)
    alone = f(inside).view(bits)
    for outside in (20.0, -50.0, np.inf, np.nan):
        mixed = inside.copy()
        mixed[::7] = outside
        np.testing.assert_array_equal(np.delete(f(mixed).view(bits), np.s_[::7]),
                                      np.delete(alone, np.s_[::7]))


@pytest.fixture
def streaming_everything():
    """Large outputs are written with streaming stores (fa_kernels_nt); with
    the threshold at 0 every contiguous call takes that path."""
    from fastact._ufuncs import _stream_threshold
    previous = _stream_threshold(0)
    yield
    _stream_threshold(previous)


@NAMES
@DTYPE
def test_streaming_stores_give_the_same_bits(name, dtype, streaming_everything):
    # every output alignment (the head before the first vector-aligned
    # address runs the plain loop), odd lengths, in place, 1 and 2 threads
    from fastact._ufuncs import _stream_threshold
    x = np.concatenate([edge_values(dtype), data(5000, dtype, seed=9)])
    f = ufunc(name)
    bits = np.dtype(dtype).str.replace("f", "u")
    _stream_threshold(1 << 62)
    plain = f(x).view(bits)
    _stream_threshold(0)
    itemsize = np.dtype(dtype).itemsize
    buf = np.zeros(x.size + 64, dtype)
    for offset in range(0, 64 // itemsize + 1):
        for n in (0, 1, 5, 17, 100, 1001, x.size - offset):
            out = buf[offset:offset + n]
            f(x[:n], out=out)
            np.testing.assert_array_equal(out.view(bits), plain[:n])
    y = x.copy()
    f(y, out=y)
    np.testing.assert_array_equal(y.view(bits), plain)
    for threads in (1, 2):
        with fastact.num_threads(threads):
            big = np.tile(x, 40)
            np.testing.assert_array_equal(f(big).view(bits), np.tile(plain, 40))


def test_stream_threshold_is_checked():
    from fastact._ufuncs import _stream_threshold
    with pytest.raises(ValueError, match="n_bytes"):
        _stream_threshold(-1)
    assert _stream_threshold() > 0


@NAMES
@DTYPE
def test_lengths_around_chunk_and_threshold_sizes(name, dtype):
    f = ufunc(name)
    for n in (8191, 8193, 16383, 16385, 131071, 131073, 262147, 1_000_003):
        x = data(n, dtype, seed=n)
        assert_matches_reference(f(x), x, name)


@NAMES
@DTYPE
def test_2d_c_and_f_order_and_non_contiguous_views(name, dtype):
    f = ufunc(name)
    base = data((301, 257), dtype)
    views = {
        "C": base,
        "F": np.asfortranarray(base),
        "rows": base[::3],
        "cols": base[:, 1::2],
        "negative": base[::-1, ::-2],
        "transposed": base.T,
        "1d stride": base.ravel()[::7],
        "1d reversed": base.ravel()[::-1],
    }
    expected_all = f(base.copy())
    for label, v in views.items():
        y = f(v)
        assert_matches_reference(y, v, name)
        # every layout runs the same C loop: bitwise identical results
        np.testing.assert_array_equal(y, f(np.ascontiguousarray(v)), err_msg=label)
    np.testing.assert_array_equal(f(base[:, 1::2]), expected_all[:, 1::2])


@NAMES
@DTYPE
def test_out_argument_writes_into_out_and_leaves_input_unchanged(name, dtype):
    f = ufunc(name)
    x = data(1000, dtype)
    x_before = x.copy()
    out = np.full_like(x, 7)
    y = f(x, out=out)
    assert y is out
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(out, f(x))
    out2 = np.empty_like(x)
    assert f(x, out=(out2,)) is out2


@NAMES
@DTYPE
def test_in_place(name, dtype):
    f = ufunc(name)
    for x in (data(70_000, dtype), data((40, 33), dtype)[:, ::2]):
        expected = f(x)
        assert f(x, out=x) is x
        np.testing.assert_array_equal(x, expected)


@NAMES
def test_broadcasting_with_out(name):
    f = ufunc(name)
    x = data(5, np.float32)
    out = np.empty((4, 5), dtype=np.float32)
    f(x, out=out)
    np.testing.assert_array_equal(out, np.broadcast_to(f(x), (4, 5)))


@NAMES
def test_where_argument(name):
    f = ufunc(name)
    x = data(100, np.float64)
    mask = np.arange(100) % 3 == 0
    out = np.full_like(x, -5.0)
    f(x, out=out, where=mask)
    np.testing.assert_array_equal(out[mask], f(x)[mask])
    assert np.all(out[~mask] == -5.0)


@NAMES
def test_dtype_argument_selects_the_loop(name):
    f = ufunc(name)
    x = data(100, np.float32)
    y = f(x, dtype=np.float64)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, f(x.astype(np.float64)))


@NAMES
@pytest.mark.parametrize("bad_out, error", [
    (np.empty(10, dtype=np.int32), np.tanh),       # wrong dtype: can't cast
    (np.empty(9, dtype=np.float64), np.tanh),      # wrong shape
    (np.empty((2, 10), dtype=np.float64)[:, 0], np.tanh),  # wrong shape
])
def test_bad_out_raises_the_same_error_class_as_numpy(name, bad_out, error):
    x = data(10, np.float64)
    with pytest.raises(Exception) as numpy_err:
        error(x, out=bad_out)
    with pytest.raises(type(numpy_err.value)):
        ufunc(name)(x, out=bad_out)


@NAMES
def test_read_only_out_raises(name):
    out = np.empty(10)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        ufunc(name)(data(10, np.float64), out=out)


@NAMES
def test_array_ufunc_dispatch(name):
    class Wrapped:
        def __init__(self, value):
            self.value = value

        def __array_ufunc__(self, uf, method, *inputs, **kwargs):
            args = [i.value if isinstance(i, Wrapped) else i for i in inputs]
            return ("handled", uf.__name__, method, getattr(uf, method)(*args, **kwargs))

    x = data(4, np.float64)
    tag, uf_name, method, result = ufunc(name)(Wrapped(x))
    assert (tag, uf_name, method) == ("handled", name, "__call__")
    np.testing.assert_array_equal(result, ufunc(name)(x))


def test_reference_imports_only_numpy_and_math():
    # math: the standard library's erfc, which NumPy lacks (gelu)
    import ast
    import inspect
    tree = ast.parse(inspect.getsource(reference))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported == {"numpy", "math"}


@NAMES
def test_ufunc_pickles_to_the_same_object(name):
    # dask, joblib and multiprocessing pickle the functions they ship
    import pickle
    f = ufunc(name)
    assert pickle.loads(pickle.dumps(f)) is f


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_internal_copy_is_bitwise_exact(dtype):
    # fastact bench's bandwidth yardstick must be a real copy
    from fastact._ufuncs import _copy
    x = np.concatenate([edge_values(dtype), data(300_001, dtype)])
    np.testing.assert_array_equal(_copy(x).view(np.uint8), x.view(np.uint8))
    np.testing.assert_array_equal(_copy(x[::-3]).view(np.uint8), np.ascontiguousarray(x[::-3]).view(np.uint8))
