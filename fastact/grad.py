"""Gradients of the activations: grad_input = grad_output * f'(.), as ufuncs
(fastact._family), PyTorch's backward formulas.

Each function takes grad_output and what the backward needs: the forward
*output* y for sigmoid and tanh (as PyTorch saves it: y(1 - y), 1 - y^2),
the forward *input* x for the others, and the forward's parameters with the
same defaults.  dtypes, broadcasting and `out=` as for any ufunc (float16
computed in float32).  Where x is NaN the gradient is NaN.  At the kinks of
the piecewise-linear functions the choice is PyTorch's (relu'(0) = 0, ...).
"""
import numpy as np

from fastact import _family
from fastact import _softmax as _rows_kernels
from fastact import activations
from fastact.activations import (_axis_rows, _bounds, _compute_rows, _deliver, _direct_rows, _fast_rows,
                                 _number, _positive)

# one gradient per activation, under the same name
__all__ = list(activations.__all__)

_G = _family.GRAD


def sigmoid(grad_output, output, **kwargs):
    """grad_output * y * (1 - y), from the forward output y = sigmoid(x)."""
    return _G["sigmoid"](grad_output, output, **kwargs)


def tanh(grad_output, output, **kwargs):
    """grad_output * (1 - y^2), from the forward output y = tanh(x)."""
    return _G["tanh"](grad_output, output, **kwargs)


def relu(grad_output, x, **kwargs):
    """grad_output where x > 0, else 0."""
    return _G["relu"](grad_output, x, **kwargs)


def step(grad_output, x, **kwargs):
    """0: the step is flat wherever its derivative exists."""
    return _G["step"](grad_output, x, **kwargs)


def softplus(grad_output, x, beta=1.0, threshold=20.0, **kwargs):
    """grad_output * sigmoid(beta * x), or grad_output where beta * x >
    threshold (the backward of fastact.activations.softplus; threshold=inf
    for fastact.softplus)."""
    b, t = _positive("softplus", "beta", beta, finite=True), _number("threshold", threshold)
    if type(b) is float and type(t) is float and b == 1.0 and t == np.inf:
        return _G["softplus"](grad_output, x, **kwargs)
    return _G["softplus_bt"](grad_output, x, b, t, **kwargs)


def leaky_relu(grad_output, x, negative_slope=0.01, **kwargs):
    return _G["leaky_relu"](grad_output, x, _number("negative_slope", negative_slope), **kwargs)


def elu(grad_output, x, alpha=1.0, **kwargs):
    """grad_output where x > 0, else grad_output * alpha * exp(x)."""
    return _G["elu"](grad_output, x, _number("alpha", alpha), **kwargs)


def selu(grad_output, x, **kwargs):
    return _G["selu"](grad_output, x, **kwargs)


def celu(grad_output, x, alpha=1.0, **kwargs):
    """grad_output where x > 0, else grad_output * exp(x / alpha)."""
    return _G["celu"](grad_output, x, _positive("celu", "alpha", alpha), **kwargs)


def silu(grad_output, x, **kwargs):
    """grad_output * s * (1 + x * (1 - s)), s = sigmoid(x)."""
    return _G["silu"](grad_output, x, **kwargs)


swish = silu


def mish(grad_output, x, **kwargs):
    """grad_output * (t + x * sigmoid(x) * (1 - t^2)), t = tanh(softplus(x))."""
    return _G["mish"](grad_output, x, **kwargs)


def softsign(grad_output, x, **kwargs):
    """grad_output / (1 + |x|)^2."""
    return _G["softsign"](grad_output, x, **kwargs)


def hardsigmoid(grad_output, x, **kwargs):
    """grad_output / 6 on (-3, 3), else 0."""
    return _G["hardsigmoid"](grad_output, x, **kwargs)


def hardswish(grad_output, x, **kwargs):
    """0 for x < -3, grad_output for x > 3, else grad_output * (2x + 3) / 6."""
    return _G["hardswish"](grad_output, x, **kwargs)


def hardtanh(grad_output, x, min_val=-1.0, max_val=1.0, **kwargs):
    """grad_output on (min_val, max_val), else 0."""
    return _G["hardtanh"](grad_output, x, *_bounds(min_val, max_val), **kwargs)


def relu6(grad_output, x, **kwargs):
    """grad_output on (0, 6), else 0."""
    return _G["relu6"](grad_output, x, **kwargs)


def log_sigmoid(grad_output, x, **kwargs):
    """grad_output * sigmoid(-x)."""
    return _G["log_sigmoid"](grad_output, x, **kwargs)


def threshold(grad_output, x, threshold, value=0.0, **kwargs):
    """grad_output where x > threshold, else 0 (value, the forward's
    replacement, does not enter the gradient)."""
    return _G["threshold"](grad_output, x, _number("threshold", threshold), 0.0, **kwargs)


def gelu(grad_output, x, approximate="none", **kwargs):
    """grad_output * (Phi(x) + x phi(x)), or the derivative of the 'tanh'
    approximation."""
    if approximate not in ("none", "tanh"):
        raise ValueError("gelu: approximate must be 'none' or 'tanh', got %r" % (approximate,))
    return _G["gelu" if approximate == "none" else "gelu_tanh"](grad_output, x, **kwargs)


def tanhshrink(grad_output, x, **kwargs):
    """grad_output * tanh(x)^2."""
    return _G["tanhshrink"](grad_output, x, **kwargs)


def _softmax_backward(grad_output, output, axis, out, log_out, name):
    if (_fast_rows(grad_output, axis) and type(output) is np.ndarray and output.dtype == grad_output.dtype
            and output.shape == grad_output.shape and output.flags.c_contiguous):
        r = (np.empty_like(grad_output) if out is None
             else _direct_rows(out, grad_output, 1, grad_output.dtype, grad_output, [grad_output, output]))
        if r is not None:
            _rows_kernels.backward(grad_output, output, r, log_out)
            return r if out is None else out
    g, axis, dtype = _axis_rows(grad_output, axis, name)
    y, _, ydtype = _axis_rows(output, axis, name)
    if g.shape != y.shape:
        raise ValueError("%s: grad_output has shape %s but output has shape %s" % (name, g.shape, y.shape))
    dtype = np.result_type(dtype, ydtype)
    (g2, y2), shape = _compute_rows([g, y], axis, dtype)
    r2 = _direct_rows(out, g, axis, dtype, g2, [g2, y2])
    if r2 is not None:
        _rows_kernels.backward(g2, y2, r2, log_out)
        return out
    r2 = np.empty_like(g2)
    _rows_kernels.backward(g2, y2, r2, log_out)
    return _deliver(r2, shape, axis, dtype, out, name)


def softmax(grad_output, output, axis=-1, *, out=None):
    """y * (g - sum(g * y)) along `axis`, from the forward output y (as PyTorch)."""
    return _softmax_backward(grad_output, output, axis, out, False, "softmax")


def log_softmax(grad_output, output, axis=-1, *, out=None):
    """g - exp(y) * sum(g) along `axis`, from the forward output y = log_softmax(x)."""
    return _softmax_backward(grad_output, output, axis, out, True, "log_softmax")
