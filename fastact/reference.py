"""Pure-NumPy reference of every public fastact kernel: the test oracle.

Written for clarity and numerical care, not speed; it imports nothing of
fastact's (only NumPy, and the standard library's math.erfc, which NumPy
lacks, for gelu).  Each function computes in a wider type than its
input and rounds once at the end: float32 inputs in float64, float64 inputs
in np.longdouble (80-bit extended on x86-64 Linux; where long double is just
double, float64 results carry that precision's own rounding).  Other inputs
are converted as the ufunc would (ints to float64).
"""
import math

import numpy as np

__all__ = ["sigmoid", "step", "tanh", "relu", "softplus", "wide_dtype", "FAMILY", "GRAD",
           "softmax", "log_softmax", "softmax_backward", "log_softmax_backward",
           "fixed_dot", "score_multiclass", "perceptron_epoch", "logistic_sgd_epoch", "logistic_minibatch_epoch",
           "multinomial_sgd_epoch",
           "score_binary"]


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


# --- the modern family and the gradients -----------------------------------------
# f(x, *params) in the wide type, params in float64 (as the ufuncs take them);
# the gradients as PyTorch writes them, from x, or from y = f(x) for sigmoid
# and tanh.  Each takes exact_wide like the functions above.

_SELU_ALPHA = np.longdouble("1.6732632423543772848170429916717")
_SELU_SCALE = np.longdouble("1.0507009873554804934193349852946")


def _family(fn):
    """Wrap fn(w, *params) -> wide result: widen x (float16 as float32),
    pass the params in the wide type, keep NaN, round unless exact_wide."""
    def wrapper(x, *params, exact_wide=False):
        x = np.asarray(x)
        if x.dtype == np.float16:
            x = x.astype(np.float32)
        x = _as_input(x)
        w = _widen(x)
        p = [np.asarray(v, dtype=np.float64).astype(w.dtype) for v in params]
        with np.errstate(all="ignore"):
            y = np.asarray(fn(w, *p), dtype=w.dtype)
        y = np.where(np.isnan(w), w, y)
        return _finish(y, x, exact_wide)
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _sig(w):
    e = np.exp(-np.abs(w))
    return np.where(w < 0, e / (1 + e), 1 / (1 + e))


def _softplus_w(w):
    return np.maximum(w, 0) + np.log1p(np.exp(-np.abs(w)))


@_family
def leaky_relu(w, slope):
    """x where x > 0, else negative_slope * x."""
    return np.where(w > 0, w, w * slope)


@_family
def elu(w, alpha):
    """x where x > 0, else alpha * expm1(x)."""
    return np.where(w > 0, w, alpha * np.expm1(np.minimum(w, 0)))


@_family
def celu(w, alpha):
    """x where x > 0, else alpha * expm1(x / alpha) (alpha > 0)."""
    return np.where(w > 0, w, alpha * np.expm1(np.minimum(w / alpha, 0)))


@_family
def selu(w):
    """scale * elu(x, alpha) with the SELU constants."""
    s, a = _SELU_SCALE.astype(w.dtype), _SELU_ALPHA.astype(w.dtype)
    return s * np.where(w > 0, w, a * np.expm1(np.minimum(w, 0)))


@_family
def silu(w):
    """x * sigmoid(x) (-0 at -inf, its limit)."""
    return np.where(np.isneginf(w), -0.0, w * _sig(w))


@_family
def mish(w):
    """x * tanh(softplus(x)) (-0 at -inf, its limit)."""
    return np.where(np.isneginf(w), -0.0, w * np.tanh(_softplus_w(w)))


@_family
def softsign(w):
    """x / (1 + |x|)."""
    return np.where(np.isinf(w), np.sign(w), w / (1 + np.abs(w)))


@_family
def hardsigmoid(w):
    """0 for x <= -3, 1 for x >= 3, else (x + 3) / 6."""
    return np.where(w <= -3, 0, np.where(w >= 3, 1, (w + 3) / 6))


@_family
def hardswish(w):
    """0 for x <= -3, x for x >= 3, else x (x + 3) / 6."""
    return np.where(w <= -3, 0, np.where(w >= 3, w, w * (w + 3) / 6))


@_family
def hardtanh(w, lo, hi):
    """x clamped to [min_val, max_val]."""
    return np.minimum(np.maximum(w, lo), hi)


@_family
def relu6(w):
    """min(max(x, 0), 6), relu6(-0) = +0."""
    return np.minimum(np.maximum(w, 0), 6) + 0


@_family
def log_sigmoid(w):
    """-softplus(-x)."""
    return -_softplus_w(-w)


@_family
def threshold(w, th, value):
    """value where x <= threshold, else x."""
    return np.where(w <= th, value, w)


@_family
def softplus_bt(w, beta, th):
    """PyTorch's softplus: softplus(beta x) / beta, x where beta x > threshold."""
    return np.where(beta * w > th, w, _softplus_w(beta * w) / beta)


_erfc = np.vectorize(math.erfc, otypes=[np.float64])


@_family
def gelu(w):
    """x Phi(x) = x erfc(-x / sqrt 2) / 2, with the standard library's
    double erfc: for float32 inputs far more accurate than a float32 ULP;
    for float64 good to about 2^-45 relative in the negative tail (the
    tests of float64 gelu use mpmath)."""
    phi = 0.5 * _erfc(np.asarray(-w / np.sqrt(2.0), dtype=np.float64)).astype(w.dtype)
    return np.where(np.isneginf(w), -0.0, w * phi)


@_family
def gelu_tanh(w):
    """PyTorch's tanh approximation, x sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3))."""
    k = np.sqrt(np.asarray(2.0, dtype=w.dtype) / np.pi)
    v = 2 * k * (w + np.asarray(0.044715, dtype=w.dtype) * w ** 3)
    return np.where(w < -40, -0.0, np.where(w > 40, w, w * _sig(v)))


@_family
def tanhshrink(w):
    """x - tanh(x), from its Taylor series where the difference cancels."""
    w2 = w * w
    series = w * w2 * (1 / 3 - w2 * (2 / 15 - w2 * (17 / 315 - w2 * 62 / 2835)))
    return np.where(np.abs(w) < 1e-3, series, w - np.tanh(w))


FAMILY = {f.__name__: f for f in (leaky_relu, elu, celu, selu, silu, mish, softsign, hardsigmoid,
                                  hardswish, hardtanh, relu6, log_sigmoid, threshold, softplus_bt,
                                  gelu, gelu_tanh, tanhshrink)}


def _grad(fn):
    """Wrap fn(g, w, *params) -> wide g * f'(.)."""
    def wrapper(g, x, *params, exact_wide=False):
        g, x = np.broadcast_arrays(np.asarray(g), np.asarray(x))
        if x.dtype == np.float16:
            g, x = g.astype(np.float32), x.astype(np.float32)
        x = _as_input(x)
        w, gw = _widen(x), _widen(g.astype(x.dtype))
        p = [np.asarray(v, dtype=np.float64).astype(w.dtype) for v in params]
        with np.errstate(all="ignore"):
            y = np.asarray(fn(gw, w, *p), dtype=w.dtype)
        y = np.where(np.isnan(w), w, y)
        return _finish(y, x, exact_wide)
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _gelu_tanh_grad(g, w):
    k = 2 * np.sqrt(np.asarray(2.0, dtype=w.dtype) / np.pi)
    c = np.asarray(0.044715, dtype=w.dtype)
    v = k * (w + c * w ** 3)
    s = _sig(v)
    return np.where(w < -40, g * 0, np.where(w > 40, g, g * (s + w * s * _sig(-v) * k * (1 + 3 * c * w * w))))


def _g(name, fn):
    fn.__name__ = name
    return _grad(fn)


GRAD = {
    "sigmoid": _g("sigmoid", lambda g, y: g * y * (1 - y)),
    "tanh": _g("tanh", lambda g, y: g * (1 - y) * (1 + y)),
    "softplus": _g("softplus", lambda g, w: g * _sig(w)),
    "relu": _g("relu", lambda g, w: np.where(w > 0, g, 0)),
    "step": _g("step", lambda g, w: g * 0),
    "leaky_relu": _g("leaky_relu", lambda g, w, s: np.where(w > 0, g, g * s)),
    "elu": _g("elu", lambda g, w, a: np.where(w > 0, g, g * a * np.exp(np.minimum(w, 0)))),
    "celu": _g("celu", lambda g, w, a: np.where(w > 0, g, g * np.exp(np.minimum(w / a, 0)))),
    "selu": _g("selu", lambda g, w: g * _SELU_SCALE.astype(w.dtype) * np.where(
        w > 0, 1, _SELU_ALPHA.astype(w.dtype) * np.exp(np.minimum(w, 0)))),
    "silu": _g("silu", lambda g, w: np.where(np.isneginf(w), g * 0, g * _sig(w) * (1 + w * _sig(-w)))),
    "mish": _g("mish", lambda g, w: np.where(np.isneginf(w), g * 0, g * (
        np.tanh(_softplus_w(w)) + w * _sig(w) * (1 - np.tanh(_softplus_w(w)) ** 2)))),
    "softsign": _g("softsign", lambda g, w: g / (1 + np.abs(w)) ** 2),
    "hardsigmoid": _g("hardsigmoid", lambda g, w: np.where((w > -3) & (w < 3), g / 6, 0)),
    "hardswish": _g("hardswish", lambda g, w: np.where(w < -3, 0, np.where(w > 3, g, g * (2 * w + 3) / 6))),
    "hardtanh": _g("hardtanh", lambda g, w, lo, hi: np.where((w > lo) & (w < hi), g, 0)),
    "relu6": _g("relu6", lambda g, w: np.where((w > 0) & (w < 6), g, 0)),
    "log_sigmoid": _g("log_sigmoid", lambda g, w: g * _sig(-w)),
    "threshold": _g("threshold", lambda g, w, th, value: np.where(w <= th, 0, g)),
    "softplus_bt": _g("softplus_bt", lambda g, w, b, th: np.where(b * w > th, g, g * _sig(b * w))),
    "gelu": _g("gelu", lambda g, w: np.where(np.isneginf(w), g * 0, np.where(np.isposinf(w), g, g * (
        0.5 * _erfc(np.asarray(-w / np.sqrt(2.0), dtype=np.float64)).astype(w.dtype)
        + w * np.exp(-w * w / 2) / np.sqrt(2 * np.asarray(np.pi, dtype=w.dtype)))))),
    "gelu_tanh": _g("gelu_tanh", lambda g, w: _gelu_tanh_grad(g, w)),
    "tanhshrink": _g("tanhshrink", lambda g, w: g * np.tanh(w) ** 2),
}


def _rows_wide(x, axis):
    x = np.asarray(x)
    if x.dtype == np.float16:
        x = x.astype(np.float32)
    x = _as_input(x)
    return x, _widen(x)


def softmax(x, axis=-1, exact_wide=False):
    """exp(x - max) / sum along axis, in the wide type; NaN rows, and rows
    whose max is +-inf, give NaN."""
    x, w = _rows_wide(x, axis)
    with np.errstate(all="ignore"):
        m = np.max(w, axis=axis, keepdims=True)
        e = np.exp(w - m)
        y = e / np.sum(e, axis=axis, keepdims=True)
        bad = np.isnan(m) | np.isinf(m)
    return _finish(np.where(bad, np.nan, y), x, exact_wide)


def log_softmax(x, axis=-1, exact_wide=False):
    """(x - max) - log(sum(exp(x - max))) along axis, in the wide type."""
    x, w = _rows_wide(x, axis)
    with np.errstate(all="ignore"):
        m = np.max(w, axis=axis, keepdims=True)
        # sum = 1 + rest, rest summed without the max's 1 (it would absorb a tiny rest)
        rest = (np.sum(w == m, axis=axis, keepdims=True) - 1) + np.sum(
            np.where(w < m, np.exp(w - m), 0), axis=axis, keepdims=True)
        y = (w - m) - np.log1p(rest)
        bad = np.isnan(m) | np.isinf(m)
    return _finish(np.where(bad, np.nan, y), x, exact_wide)


def softmax_backward(g, y, axis=-1, exact_wide=False):
    """y * (g - sum(g * y)) along axis."""
    y, wy = _rows_wide(y, axis)
    wg = _widen(np.asarray(g).astype(y.dtype))
    r = wy * (wg - np.sum(wg * wy, axis=axis, keepdims=True))
    return _finish(r, y, exact_wide)


def log_softmax_backward(g, y, axis=-1, exact_wide=False):
    """g - exp(y) * sum(g) along axis."""
    y, wy = _rows_wide(y, axis)
    wg = _widen(np.asarray(g).astype(y.dtype))
    with np.errstate(all="ignore"):
        r = wg - np.exp(wy) * np.sum(wg, axis=axis, keepdims=True)
    return _finish(r, y, exact_wide)


# --- the linear learners -------------------------------------------------------
# Written as the kernels of fastact/_linear.pyx are, one sample at a time, in
# the same arithmetic: products and sums in float64, coefficient updates in
# the data's dtype, the intercept in float64.

DOT_LANES = 32


def fixed_dot(x, w):
    """sum(x * w) in float64 in the kernels' fixed order: lane l of 32 adds
    the products j = l (mod 32) in order; the lanes are folded in halves,
    a[l] += a[l + 16] for l < 16, then 8, 4, 2, 1."""
    p = np.asarray(x, dtype=np.float64) * np.asarray(w, dtype=np.float64)
    p = np.concatenate([p, np.zeros(-p.size % DOT_LANES)])
    a = p.reshape(-1, DOT_LANES).sum(axis=0) if p.size else np.zeros(DOT_LANES)
    half = DOT_LANES // 2
    while half >= 1:
        a = a[:half] + a[half:2 * half]
        half //= 2
    return float(a[0])


def _learning_rate(schedule, eta0, alpha, optimal_init, power_t, t):
    """0 constant, 1 optimal, 2 invscaling; t the samples seen so far."""
    if schedule == 0:
        return eta0
    if schedule == 1:
        return 1.0 / (alpha * (optimal_init + t))
    return eta0 / (t + 1.0) ** power_t


def perceptron_epoch(X, y, sample_weight, coef, intercept, order, eta, fit_intercept=True,
                     coef_scale=1.0, l2=0.0, l1=0.0, l1_q=None, l1_u=0.0, avg_coef=None,
                     avg_intercept=0.0, n_avg=0.0):
    """One perceptron pass (y in {-1, +1}), weights coef_scale * coef, with
    the optional L2 (a shrinking scale) and L1 (cumulative clipping) penalty
    of fastact._linear.perceptron_epoch.

    Returns (coef, intercept, n_mistakes, coef_scale, l1_q, l1_u, avg_coef,
    avg_intercept, n_avg, sum_loss).
    """
    coef = np.array(coef, copy=True)
    avg_coef = None if avg_coef is None else np.array(avg_coef, dtype=np.float64, copy=True)
    l1_q = None if l1_q is None else np.array(l1_q, dtype=np.float64, copy=True)
    penalized = l2 > 0 or l1 > 0
    mistakes, sum_loss = 0, 0.0
    for i in order:
        yi, si = float(y[i]), float(sample_weight[i])
        if si <= 0 and not penalized:
            continue
        update = 0.0
        margin = coef_scale * fixed_dot(X[i], coef) + intercept
        if si > 0 and yi * margin <= 0:
            update = float(eta) * si * yi
            mistakes += 1
            sum_loss -= si * yi * margin
        if l2 > 0:
            coef_scale *= max(0.0, 1.0 - eta * l2)
            if coef_scale < 1e-9:
                coef = (coef.astype(np.float64) * coef_scale).astype(coef.dtype)
                coef_scale = 1.0
        if update != 0:
            coef = coef + coef.dtype.type(update / coef_scale) * X[i]
            if fit_intercept:
                intercept += update
        if avg_coef is not None:
            n_avg += 1.0
            avg_coef += (coef_scale * coef.astype(np.float64) - avg_coef) / n_avg
            avg_intercept += (intercept - avg_intercept) / n_avg
        if l1 > 0:
            l1_u += eta * l1
            z = coef.astype(np.float64)
            clipped = np.where(z > 0, np.maximum(0.0, z - (l1_u + l1_q) / coef_scale),
                               np.where(z < 0, np.minimum(0.0, z + (l1_u - l1_q) / coef_scale), z))
            coef = clipped.astype(coef.dtype)
            l1_q += coef_scale * (coef.astype(np.float64) - z)
    return coef, intercept, mistakes, coef_scale, l1_q, l1_u, avg_coef, avg_intercept, n_avg, sum_loss


def logistic_sgd_epoch(X, y, sample_weight, coef, coef_scale, intercept, order, alpha,
                       schedule, eta0, power_t, t, optimal_init, fit_intercept=True):
    """One logistic-regression SGD pass (y in {0, 1}); weights are coef_scale * coef.

    Returns (coef, coef_scale, intercept, t, sum_loss); see
    fastact._linear.logistic_sgd_epoch for the update.
    """
    coef = np.array(coef, copy=True)
    sum_loss = 0.0
    for i in order:
        eta = _learning_rate(schedule, eta0, alpha, optimal_init, power_t, t)
        z = coef_scale * fixed_dot(X[i], coef) + intercept
        yi, si = float(y[i]), float(sample_weight[i])
        p = float(sigmoid(np.float64(z)))
        sum_loss += si * float(softplus(np.float64(-z if yi == 1 else z)))
        g = (p - yi) * si
        if alpha > 0:
            coef_scale *= 1.0 - eta * alpha
        step = -eta * g
        if step != 0:
            coef = coef + coef.dtype.type(step / coef_scale) * X[i]
            if fit_intercept:
                intercept += step
        if coef_scale < 1e-9:
            coef = (coef.astype(np.float64) * coef_scale).astype(coef.dtype)
            coef_scale = 1.0
        t += 1
    return coef, coef_scale, intercept, t, sum_loss


def multinomial_sgd_epoch(X, y, sample_weight, coef, coef_scale, intercept, order, alpha,
                          schedule, eta0, power_t, t, optimal_init, fit_intercept=True):
    """One softmax-regression SGD pass (y: class indices); weights are
    coef_scale * coef (n_classes, n_features).  Returns (coef, coef_scale,
    intercept, t, sum_loss); see fastact._linear.multinomial_sgd_epoch."""
    coef = np.array(coef, copy=True)
    intercept = np.array(intercept, dtype=np.float64, copy=True)
    k_classes = coef.shape[0]
    sum_loss = 0.0
    for i in order:
        eta = _learning_rate(schedule, eta0, alpha, optimal_init, power_t, t)
        z = np.array([coef_scale * fixed_dot(X[i], coef[k]) + intercept[k] for k in range(k_classes)])
        e = np.exp((z - z.max()).astype(np.longdouble))
        p = (e / e.sum()).astype(np.float64)
        si = float(sample_weight[i])
        sum_loss += si * float(np.log(e.sum()) - np.log(e[y[i]]))
        if alpha > 0:
            coef_scale *= 1.0 - eta * alpha
        for k in range(k_classes):
            step = -eta * (p[k] - (1.0 if k == y[i] else 0.0)) * si
            if step != 0:
                coef[k] = coef[k] + coef.dtype.type(step / coef_scale) * X[i]
                if fit_intercept:
                    intercept[k] += step
        if coef_scale < 1e-9:
            coef = (coef.astype(np.float64) * coef_scale).astype(coef.dtype)
            coef_scale = 1.0
        t += 1
    return coef, coef_scale, intercept, t, sum_loss


def logistic_minibatch_epoch(X, y, sample_weight, coef, intercept, order, batch_size, alpha, eta,
                             fit_intercept=True, block_rows=64, avg=None):
    """One mini-batch epoch (y in {0, 1}); returns (coef, intercept, sum_loss).
    Each batch's gradient is summed row by row within blocks of `block_rows`
    rows and the blocks in order, as the kernel's threads do; sum_loss is the
    weighted log loss of every row with its batch's weights before the step.
    avg (float64, n_features + 2), if given, is updated in place after each
    step: the running mean of coef, of the intercept, and their count."""
    coef = np.array(coef, copy=True)
    d = coef.size
    sum_loss = 0.0
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        blocks = []
        for b0 in range(0, len(batch), block_rows):
            grad = np.zeros(d + 1)
            block_loss = 0.0
            for i in batch[b0:b0 + block_rows]:
                z = fixed_dot(X[i], coef) + intercept
                g = (float(sigmoid(np.float64(z))) - float(y[i])) * float(sample_weight[i])
                grad[:d] = grad[:d] + g * X[i].astype(np.float64)
                grad[d] += g
                margin = -z if y[i] == 1 else z
                block_loss += float(sample_weight[i]) * float(softplus(np.float64(margin)))
            blocks.append(grad)
            sum_loss += block_loss
        total_w = float(np.sum(sample_weight[batch]))
        if total_w <= 0:
            continue
        g_sum = np.zeros(d + 1)
        for grad in blocks:
            g_sum = g_sum + grad
        coef = (coef - eta * (g_sum[:d] / total_w + alpha * coef.astype(np.float64))).astype(coef.dtype)
        if fit_intercept:
            intercept -= eta * g_sum[d] / total_w
        if avg is not None:
            avg[d + 1] += 1.0
            avg[:d] += (coef.astype(np.float64) - avg[:d]) / avg[d + 1]
            avg[d] += (intercept - avg[d]) / avg[d + 1]
    return coef, intercept, sum_loss


def score_binary(X, coef, intercept, kind, scale=1.0):
    """z = scale * X @ coef + intercept per row: (n, 1) "decision", or
    (n, 2) [sigmoid(-z), sigmoid(z)] "proba", in X's dtype."""
    X = np.asarray(X)
    z = np.array([scale * fixed_dot(row, coef) + intercept for row in X], dtype=np.float64)
    if kind == "decision":
        return z.astype(X.dtype).reshape(-1, 1)
    return np.stack([sigmoid(-z), sigmoid(z)], axis=1).astype(X.dtype)


def score_multiclass(X, coef, intercept, kind):
    """(n, k) scores: margins X @ coef.T + intercept ("decision"), their
    max-subtracted softmax ("softmax") or their sigmoids normalised to sum
    to 1 ("ovr"); margins in float64 with the fixed-order dot, result in X's
    dtype."""
    X = np.asarray(X)
    z = np.array([[fixed_dot(row, w) + float(b) for w, b in zip(coef, intercept)] for row in X],
                 dtype=np.float64).reshape(X.shape[0], len(coef))
    if kind == "decision":
        return z.astype(X.dtype)
    if kind == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
    else:
        e = sigmoid(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(X.dtype)
