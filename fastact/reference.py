"""Pure-NumPy reference of every public fastact kernel: the test oracle.

Written for clarity and numerical care, not speed; it imports nothing of
fastact's compiled code.  Each function computes in a wider type than its
input and rounds once at the end: float32 inputs in float64, float64 inputs
in np.longdouble (80-bit extended on x86-64 Linux; where long double is just
double, float64 results carry that precision's own rounding).  Other inputs
are converted as the ufunc would (ints to float64).
"""
import numpy as np

__all__ = ["sigmoid", "step", "tanh", "relu", "softplus", "wide_dtype"]


def _as_input(x):
    """x as the ufuncs see it: float32 or float64, by NumPy's casting rules."""
    x = np.asarray(x)
    dtype = np.result_type(x.dtype, np.float32)
    if dtype not in (np.float32, np.float64):
        raise TypeError("expected real input castable to float32 or float64, got %s" % x.dtype)
    return x.astype(dtype, copy=False)


def wide_dtype(dtype):
    """The type the reference computes `dtype` inputs in."""
    return np.float64 if np.dtype(dtype) == np.float32 else np.longdouble


def _widen(x):
    with np.errstate(invalid="ignore"):   # a signalling NaN is quieted, as intended
        return x.astype(wide_dtype(x.dtype))


def _finish(wide, like, exact_wide=False):
    """Round the wide result to the input's dtype (or return it unrounded)."""
    return wide if exact_wide else wide.astype(like.dtype)


def sigmoid(x, exact_wide=False):
    """1 / (1 + exp(-x)), as exp(x)/(1+exp(x)) for x < 0 so that nothing overflows.

    With ``exact_wide=True`` the wide-precision result is returned unrounded
    (used to measure errors in ULP).
    """
    x = _as_input(x)
    w = _widen(x)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        e = np.exp(-np.abs(w))
        y = np.where(w < 0, e / (1 + e), 1 / (1 + e))
    y = np.where(np.isnan(w), w, y)
    return _finish(y, x, exact_wide)


def tanh(x, exact_wide=False):
    """Hyperbolic tangent."""
    x = _as_input(x)
    return _finish(np.tanh(_widen(x)), x, exact_wide)


def softplus(x, exact_wide=False):
    """log(1 + exp(x)), as max(x, 0) + log1p(exp(-|x|)) so that nothing overflows."""
    x = _as_input(x)
    w = _widen(x)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        y = np.maximum(w, 0) + np.log1p(np.exp(-np.abs(w)))
    return _finish(y, x, exact_wide)


def relu(x, exact_wide=False):
    """max(x, 0), with relu(-0) = +0 and relu(nan) = nan."""
    x = _as_input(x)
    y = np.where(x > 0, x, np.zeros_like(x))
    y = np.where(np.isnan(x), x, y)
    return _widen(y) if exact_wide else y


def step(x, exact_wide=False):
    """1 where x > 0, else 0 (step(+-0) = 0); step(nan) = nan."""
    x = _as_input(x)
    y = np.where(x > 0, np.ones_like(x), np.zeros_like(x))
    y = np.where(np.isnan(x), x, y)
    return _widen(y) if exact_wide else y
