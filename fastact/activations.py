"""The modern activations with PyTorch's parameters and defaults
(torch.nn.functional), as thin wrappers over the ufuncs of fastact._family.

Every function takes an array_like `x` (float16 and float32 stay in their
dtype, float16 computed in float32; float64 native; other inputs follow
NumPy's casting rules as for np.sin) and the ufunc keywords `out=`,
`where=`, ... .  Parameters are scalars (arrays broadcast too, at a slower
per-element pace).  NaN in gives NaN out.  The accuracy of each function is
in the README's table and asserted in tests/test_family.py.
"""
import math

import numpy as np

from fastact import _family
from fastact import _softmax as _rows_kernels
from fastact._ufuncs import relu, sigmoid, softplus as _softplus_exact, step, tanh

__all__ = [
    "sigmoid", "tanh", "relu", "step", "softplus",
    "leaky_relu", "elu", "selu", "celu", "silu", "swish", "mish", "softsign", "hardsigmoid",
    "hardswish", "hardtanh", "relu6", "log_sigmoid", "threshold", "softmax", "log_softmax",
    "gelu", "tanhshrink",
]

_F = _family.FORWARD


def _number(name, value):
    """A parameter as a float, or a float64 array for array-valued ones; never NaN."""
    if type(value) is float:                    # the common case, without NumPy's overhead
        if value != value:
            raise ValueError("%s must not be NaN" % name)
        return value
    if np.ndim(value):
        try:
            v = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError("%s must be real numbers, got %r" % (name, value)) from None
        if np.isnan(v).any():
            raise ValueError("%s must not be NaN" % name)
        return v
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError("%s must be a real number, got %r" % (name, value)) from None
    if math.isnan(v):
        raise ValueError("%s must not be NaN" % name)
    return v


def _positive(fn_name, name, value, finite=False):
    v = _number(name, value)
    if type(v) is float:
        bad = not v > 0 or (finite and not math.isfinite(v))
    else:
        bad = not np.all(v > 0) or (finite and not np.all(np.isfinite(v)))
    if bad:
        raise ValueError("%s: %s must be a%s number > 0, got %r"
                         % (fn_name, name, " finite" if finite else "", value))
    return v


def leaky_relu(x, negative_slope=0.01, **kwargs):
    """x where x > 0, else negative_slope * x."""
    return _F["leaky_relu"](x, _number("negative_slope", negative_slope), **kwargs)


def elu(x, alpha=1.0, **kwargs):
    """x where x > 0, else alpha * (exp(x) - 1)."""
    return _F["elu"](x, _number("alpha", alpha), **kwargs)


def selu(x, **kwargs):
    """scale * elu(x, alpha) with scale = 1.0507009873554805 and
    alpha = 1.6732632423543772 (Klambauer et al., 2017)."""
    return _F["selu"](x, **kwargs)


def celu(x, alpha=1.0, **kwargs):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); alpha > 0."""
    return _F["celu"](x, _positive("celu", "alpha", alpha), **kwargs)


def silu(x, **kwargs):
    """x * sigmoid(x) (swish)."""
    return _F["silu"](x, **kwargs)


swish = silu


def mish(x, **kwargs):
    """x * tanh(softplus(x)) (Misra, 2019)."""
    return _F["mish"](x, **kwargs)


def softsign(x, **kwargs):
    """x / (1 + |x|)."""
    return _F["softsign"](x, **kwargs)


def hardsigmoid(x, **kwargs):
    """0 for x <= -3, 1 for x >= 3, else x / 6 + 1 / 2."""
    return _F["hardsigmoid"](x, **kwargs)


def hardswish(x, **kwargs):
    """0 for x <= -3, x for x >= 3, else x * (x + 3) / 6."""
    return _F["hardswish"](x, **kwargs)


def hardtanh(x, min_val=-1.0, max_val=1.0, **kwargs):
    """x clamped to [min_val, max_val]; min_val <= max_val."""
    return _F["hardtanh"](x, *_bounds(min_val, max_val), **kwargs)


def _bounds(min_val, max_val):
    lo, hi = _number("min_val", min_val), _number("max_val", max_val)
    if (lo > hi) if type(lo) is float and type(hi) is float else np.any(lo > hi):
        raise ValueError("hardtanh: min_val (%r) must not be greater than max_val (%r)" % (min_val, max_val))
    return lo, hi


def relu6(x, **kwargs):
    """min(max(x, 0), 6)."""
    return _F["relu6"](x, **kwargs)


def log_sigmoid(x, **kwargs):
    """log(sigmoid(x)) = -softplus(-x), accurate for every x (no log(0))."""
    return _F["log_sigmoid"](x, **kwargs)


def threshold(x, threshold, value, **kwargs):
    """x where x > threshold, else value (PyTorch's F.threshold)."""
    return _F["threshold"](x, _number("threshold", threshold), _number("value", value), **kwargs)


def gelu(x, approximate="none", **kwargs):
    """x * Phi(x), Phi the standard normal CDF ('none'), or PyTorch's
    approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) ('tanh')."""
    if approximate == "none":
        return _F["gelu"](x, **kwargs)
    if approximate == "tanh":
        return _F["gelu_tanh"](x, **kwargs)
    raise ValueError("gelu: approximate must be 'none' or 'tanh', got %r" % (approximate,))


def tanhshrink(x, **kwargs):
    """x - tanh(x), accurate near 0 (no cancellation)."""
    return _F["tanhshrink"](x, **kwargs)


def softplus(x, beta=1.0, threshold=20.0, **kwargs):
    """log(1 + exp(beta * x)) / beta, with PyTorch's reversion to x where
    beta * x > threshold; beta > 0.

    With beta=1 and threshold=inf this is fastact.softplus, which is exact
    everywhere: threshold=20 returns x where the exact value is x plus about
    2e-9 -- invisible in float32, but up to about 6e5 ULP in float64 just
    above 20.
    """
    b, t = _positive("softplus", "beta", beta, finite=True), _number("threshold", threshold)
    # _number gives scalars as Python floats (np.ndim costs about a microsecond)
    if type(b) is float and type(t) is float and b == 1.0 and t == math.inf:
        return _softplus_exact(x, **kwargs)
    return _F["softplus_bt"](x, b, t, **kwargs)


# --- softmax along an axis (not element-wise: a ufunc cannot express it) -----

def _axis_rows(a, axis, name):
    """a with `axis` moved last, its normalized axis, and the float dtype of
    the result (NumPy's rules for np.sin: float16 stays, ints widen)."""
    a = np.asarray(a)
    if a.ndim == 0:
        raise ValueError("%s needs an array with at least one dimension, got a 0-d array" % name)
    if a.dtype.kind not in "biuf":
        raise TypeError("%s needs real numbers, got dtype %s" % (name, a.dtype))
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError("%s: axis must be an int, got %r" % (name, axis))
    if not -a.ndim <= axis < a.ndim:
        raise np.exceptions.AxisError(axis, a.ndim)
    return a, int(axis) % a.ndim, np.result_type(a.dtype, np.float16)


def _to_last(a, axis):
    """a with axis moved last (np.moveaxis, without its microseconds of
    argument handling: this runs on every call)."""
    if axis == a.ndim - 1:
        return a
    order = list(range(a.ndim))
    order.append(order.pop(axis))
    return a.transpose(order)


def _from_last(a, axis):
    """the inverse of _to_last"""
    if axis == a.ndim - 1:
        return a
    order = list(range(a.ndim - 1))
    order.insert(axis, a.ndim - 1)
    return a.transpose(order)


def _compute_rows(arrays, axis, dtype):
    """C-contiguous 2-D (rows, len(axis)) copies in the compute dtype."""
    compute = np.float32 if dtype == np.float16 else dtype
    moved = [_to_last(a, axis) for a in arrays]
    shape = moved[0].shape
    n_rows = math.prod(shape[:-1])
    rows = [np.ascontiguousarray(m, dtype=compute).reshape(n_rows, shape[-1]) for m in moved]
    return rows, shape


def _direct_rows(out, like, axis, dtype, rows_like, sources):
    """out as the kernels' (rows, n) C-contiguous view, where they can write
    straight into it: an array of like's shape and the compute dtype, rows
    contiguous along axis, writeable, and overlapping no input unless it is
    that input exactly (row by row in place is safe: each row is read before
    or at the index it is written).  None otherwise: the result then goes
    through _deliver, which also raises out's errors."""
    if (not isinstance(out, np.ndarray) or out.shape != like.shape or out.dtype != dtype
            or out.dtype != rows_like.dtype or not out.flags.writeable):
        return None
    moved = _to_last(out, axis)
    if not moved.flags.c_contiguous:
        return None
    r2 = moved.reshape(rows_like.shape)
    for s in sources:
        if np.may_share_memory(r2, s) and not (
                s.__array_interface__["data"][0] == r2.__array_interface__["data"][0]
                and s.strides == r2.strides and s.shape == r2.shape):
            return None
    return r2


def _deliver(y2, shape, axis, dtype, out, name):
    y = _from_last(y2.reshape(shape), axis)
    if out is None:
        return y.astype(dtype, copy=False)
    if not isinstance(out, np.ndarray):
        raise TypeError("%s: out must be a numpy array, got %s" % (name, type(out).__name__))
    if out.shape != y.shape:
        raise ValueError("%s: out has shape %s, expected %s" % (name, out.shape, y.shape))
    if not out.flags.writeable:
        raise ValueError("%s: out is read-only" % name)
    if not np.can_cast(dtype, out.dtype, casting="same_kind"):
        raise TypeError("%s: cannot write %s results into out of dtype %s" % (name, dtype, out.dtype))
    np.copyto(out, y, casting="same_kind")
    return out


_FAST_ROW_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _fast_rows(a, axis):
    """Whether a is what the row kernels take as it is: a 2-D C-contiguous
    float32/float64 ndarray (native byte order), rows along axis -1 or 1 (an
    int).  The common call then skips the general path's microseconds
    (moving the axis, the copies); out is None or what _direct_rows takes."""
    return (type(a) is np.ndarray and a.ndim == 2 and type(axis) is int and (axis == -1 or axis == 1)
            and a.dtype in _FAST_ROW_DTYPES and a.flags.c_contiguous)


def _softmax(x, axis, out, log_out, name):
    if _fast_rows(x, axis):
        y = np.empty_like(x) if out is None else _direct_rows(out, x, 1, x.dtype, x, [x])
        if y is not None:
            _rows_kernels.forward(x, y, log_out)
            return y if out is None else out
    x, axis, dtype = _axis_rows(x, axis, name)
    (x2,), shape = _compute_rows([x], axis, dtype)
    y2 = _direct_rows(out, x, axis, dtype, x2, [x2])
    if y2 is not None:
        _rows_kernels.forward(x2, y2, log_out)
        return out
    y2 = np.empty_like(x2)
    _rows_kernels.forward(x2, y2, log_out)
    return _deliver(y2, shape, axis, dtype, out, name)


def softmax(x, axis=-1, *, out=None):
    """exp(x - max) / sum(exp(x - max)) along `axis` (default the last).

    Stable for any values: computed as exp(x - c) / sum(exp(x - c)) for a c
    at or next to the max, x - c exact or carried to twice the working
    precision: float64 x - max as hi + lo, in double; float16/float32 x -
    max exact, in double, except float32 on AVX-512, in float: c the
    multiple of ln 2 nearest the max (where it is within +-65336; x - max
    by Fast2Sum beyond), each result within 0.6 ULP.  Threads over the
    rows.  A row holding NaN, or whose max is +-inf, gives NaN.  `out`
    (same shape) receives the result.
    """
    return _softmax(x, axis, out, False, "softmax")


def log_softmax(x, axis=-1, *, out=None):
    """(x - max) - log(sum(exp(x - max))) along `axis`: the log of softmax,
    without its underflow to 0 (and log(0) = -inf) for very negative x."""
    return _softmax(x, axis, out, True, "log_softmax")
