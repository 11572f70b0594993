"""Shared test helpers: ULP errors against fastact.reference, edge values."""
import contextlib

import numpy as np

import fastact
from fastact import reference

ACTIVATIONS = ("sigmoid", "tanh", "softplus", "relu", "step")
DTYPES = (np.float32, np.float64)

# Max error in ULP asserted for each activation and dtype, on every ISA,
# against the reference computed in the wider type; relu and step are exact.
# Measured maxima are in the README.
ULP_BOUND = {
    ("sigmoid", np.float32): 1.0, ("sigmoid", np.float64): 1.0,
    ("tanh", np.float32): 1.0, ("tanh", np.float64): 1.0,
    ("softplus", np.float32): 1.0, ("softplus", np.float64): 2.0,
    ("relu", np.float32): 0.0, ("relu", np.float64): 0.0,
    ("step", np.float32): 0.0, ("step", np.float64): 0.0,
    # the family's silu (tests/test_family.py holds its other bounds); float32
    # by hand on AVX-512, the double function rounded once elsewhere
    ("silu", np.float32): 1.5, ("silu", np.float64): 2.0,
    # the exact gelu: by hand on AVX-512 in float (1.4675 over all 2^32
    # inputs, on the path with the exponential, which vectors with |x| > 8.48
    # take; 1.411 from the table of |x| Phi(-|x|), fa_gelu_fast_f32x16)
    ("gelu", np.float32): 1.5, ("gelu", np.float64): 4.0,
}


# softmax / log_softmax rows, float32 / float64 (ULP of the exact result):
# AVX-512's float32 softmax keeps e^d in two floats (measured 0.54, bounded
# near 0.56); log_softmax and the other ISAs compute the rows in double.
SOFTMAX_ULP_BOUND = {(False, np.float32): 0.6, (True, np.float32): 0.51,
                     (False, np.float64): 4.0, (True, np.float64): 4.0}


def softmax_ulp_bound(log_out, dtype):
    return SOFTMAX_ULP_BOUND[(bool(log_out), np.dtype(dtype).type)]


def ulp_bound(name, dtype):
    return ULP_BOUND[(name, np.dtype(dtype).type)]


def ulp_error(got, x, name):
    """Per-element error of `got` = fastact.<name>(x) in ULP of the exact result.

    The exact result is the reference in its wider type (float64 for float32
    input, long double for float64); the ULP is the spacing of the binade the
    exact value lies in (for a value just below a power of two, the smaller
    spacing below it), floored at the smallest subnormal.  NaN and infinities
    must match exactly (error 0 or inf).
    """
    return ulp_error_vs(got, getattr(reference, name)(x, exact_wide=True))


def ulp_error_vs(got, exact):
    """Per-element error of `got` in ULP of `exact` (the unrounded wide result)."""
    got = np.asarray(got)
    exact = np.asarray(exact)
    with np.errstate(over="ignore"):
        rounded = exact.astype(got.dtype)
    err = np.zeros(got.shape, dtype=exact.dtype)
    nan_ok = np.isnan(got) == np.isnan(rounded)
    inf_ref = np.isinf(rounded)
    finite = ~np.isnan(rounded) & ~inf_ref
    with np.errstate(invalid="ignore", over="ignore"):
        # the exact value rounded toward zero: its spacing is the exact value's ULP
        toward_zero = np.where(np.abs(rounded.astype(exact.dtype)) > np.abs(exact),
                               np.nextafter(rounded, got.dtype.type(0)), rounded)
        ulp = np.spacing(np.abs(toward_zero)).astype(exact.dtype)
        err[finite] = np.abs(got[finite].astype(exact.dtype) - exact[finite]) / ulp[finite]
    err[~nan_ok] = np.inf
    err[inf_ref & (got != rounded)] = np.inf
    return err


def max_ulp(got, x, name):
    err = ulp_error(got, x, name)
    return float(err.max()) if err.size else 0.0


def random_inputs(dtype, n=200_000, seed=0):
    """Uniform on [-100, 100], plus magnitudes spread log-uniformly down to the
    subnormals, both signs."""
    rng = np.random.default_rng(seed)
    finfo = np.finfo(dtype)
    lo = np.log10(float(finfo.smallest_subnormal)) + 1
    uniform = rng.uniform(-100, 100, n)
    logs = 10.0 ** rng.uniform(lo, 2.5, n) * rng.choice([-1.0, 1.0], n)
    return np.concatenate([uniform, logs]).astype(dtype)


def edge_values(dtype):
    """+-0, +-inf, nan, the extremes of the finite range, subnormals, +-1, and
    the overflow edges of exp near +-88 (float32) and +-709/745 (float64)."""
    f = np.finfo(dtype)
    base = [0.0, 1.0, 2.0, 0.5, 1e-3, 10.0, 20.0, 40.0, 100.0,
            float(f.tiny), float(f.smallest_subnormal), float(f.tiny) - float(f.smallest_subnormal),
            float(f.max), float(f.eps), np.inf]
    if dtype == np.float32:
        base += [87.0, 87.33654, 88.0, 88.72283, 88.72284, 89.0, 89.4, 103.0, 103.97, 104.0, 110.0]
    else:
        base += [700.0, 708.39, 709.0, 709.78, 709.79, 710.0, 744.0, 745.13, 745.14, 746.0, 800.0]
    vals = np.array(base, dtype=np.float64)
    vals = np.concatenate([vals, -vals, [np.nan]])
    out = vals.astype(dtype)
    # the neighbours of each edge as well
    with np.errstate(over="ignore"):
        return np.concatenate([out, np.nextafter(out, dtype(np.inf)), np.nextafter(out, dtype(-np.inf))])


def ufunc(name):
    return getattr(fastact, name)


@contextlib.contextmanager
def stream_threshold(n_bytes):
    """Outputs of n_bytes and up written with streaming stores inside the
    block (0: every call, 1 << 62: none); the previous threshold after it."""
    from fastact._ufuncs import _stream_threshold
    previous = _stream_threshold(n_bytes)
    try:
        yield previous
    finally:
        _stream_threshold(previous)
