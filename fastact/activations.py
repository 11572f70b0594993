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
from fastact._ufuncs import relu, sigmoid, softplus as _softplus_exact, step, tanh

__all__ = [
    "sigmoid", "tanh", "relu", "step", "softplus",
    "leaky_relu", "elu", "selu", "celu", "silu", "swish", "mish", "softsign", "hardsigmoid",
    "hardswish", "hardtanh", "relu6", "log_sigmoid", "threshold",
]

_F = _family.FORWARD


def _number(name, value):
    """A parameter as a float, or a float64 array for array-valued ones; never NaN."""
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
    if not np.all(v > 0) or (finite and not np.all(np.isfinite(v))):
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
    if np.any(lo > hi):
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


def softplus(x, beta=1.0, threshold=20.0, **kwargs):
    """log(1 + exp(beta * x)) / beta, with PyTorch's reversion to x where
    beta * x > threshold; beta > 0.

    With beta=1 and threshold=inf this is fastact.softplus, which is exact
    everywhere: threshold=20 returns x where the exact value is x plus about
    2e-9 -- invisible in float32, but up to about 6e5 ULP in float64 just
    above 20.
    """
    b, t = _positive("softplus", "beta", beta, finite=True), _number("threshold", threshold)
    if np.ndim(b) == 0 and np.ndim(t) == 0 and b == 1.0 and t == math.inf:
        return _softplus_exact(x, **kwargs)
    return _F["softplus_bt"](x, b, t, **kwargs)
