"""The modern activations (fastact.activations) and the gradients
(fastact.grad): against fastact.reference in ULP, at the edge values, in
every layout, with float16, and against a central finite difference."""
import numpy as np
import pytest

import fastact
from fastact import _family
from fastact import activations as A
from fastact import grad as G
from fastact import reference
from helpers import edge_values, random_inputs, ulp_error_vs

DTYPES = [np.float32, np.float64]
DTYPE = pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])

# name -> (the public function, the reference kernel, parameter sets to try)
FORWARD = {
    "leaky_relu": (A.leaky_relu, "leaky_relu", [(0.01,), (0.2,), (-1.5,)]),
    "elu": (A.elu, "elu", [(1.0,), (0.3,), (2.5,), (-0.5,)]),
    "celu": (A.celu, "celu", [(1.0,), (0.3,), (2.5,)]),
    "selu": (A.selu, "selu", [()]),
    "silu": (A.silu, "silu", [()]),
    "mish": (A.mish, "mish", [()]),
    "softsign": (A.softsign, "softsign", [()]),
    "hardsigmoid": (A.hardsigmoid, "hardsigmoid", [()]),
    "hardswish": (A.hardswish, "hardswish", [()]),
    "hardtanh": (A.hardtanh, "hardtanh", [(-1.0, 1.0), (-0.5, 2.0), (0.0, 0.0)]),
    "relu6": (A.relu6, "relu6", [()]),
    "log_sigmoid": (A.log_sigmoid, "log_sigmoid", [()]),
    "threshold": (A.threshold, "threshold", [(0.0, 0.0), (1.0, -2.0)]),
    # beta a power of two: within 2^-32..2^32 the folded loops (threshold
    # >= 19.5 or not), beyond them the loop that forms beta x
    "softplus": (A.softplus, "softplus_bt", [(1.0, 20.0), (0.5, 20.0), (3.0, 5.0), (1e-3, 20.0),
                                             (2.0, 5.0), (2.0 ** 40, 20.0), (2.0 ** 34, 3.0)]),
    "gelu": (A.gelu, "gelu", [()]),
    "gelu_tanh": (lambda x, **kw: A.gelu(x, approximate="tanh", **kw), "gelu_tanh", [()]),
    "tanhshrink": (A.tanhshrink, "tanhshrink", [()]),
}

# Max ULP asserted (float32, float64): float32 evaluates the float64
# function and rounds once; the piecewise-linear ones are exact.  silu's
# float32 loop is written by hand on AVX-512, in float (helpers.ULP_BOUND).
BOUND = {
    # float32 elu, celu and selu by hand on AVX-512, in float: about half an
    # ULP (measured 0.68), up to 0.98 where the result is subnormal
    "leaky_relu": (0.5, 0.5), "elu": (1.0, 1.0), "celu": (1.0, 1.5), "selu": (1.0, 1.5),
    # float32 mish by hand on AVX-512 from a table of tanh(softplus(x)):
    # measured 1.33 ULP over all 2^32 inputs
    "silu": (1.5, 2.0), "mish": (1.5, 4.0), "softsign": (0.51, 1.0),
    "hardsigmoid": (0.51, 1.0), "hardswish": (0.51, 1.5), "hardtanh": (0.0, 0.0),
    "relu6": (0.0, 0.0), "threshold": (0.0, 0.0),
    # float32 -softplus(-x): fastact.softplus's hand loop on AVX-512
    # (helpers.ULP_BOUND), else the double function rounded once
    "log_sigmoid": (1.0, 2.0),
    # float32 with beta a power of two: fastact.softplus's hand loop on
    # AVX-512 (measured 0.88), else the double function rounded once
    "softplus": (1.0, 3.0),
    # float64 gelu and tanhshrink: the NumPy reference's erfc (double) and
    # x - tanh(x) (long double) are the weaker ones there, so they are
    # checked against mpmath below instead
    # float32 tanhshrink by hand on AVX-512: 0.730 ULP over all 2^32
    # inputs, 0.750 for subnormal results; the tanh gelu by hand: 1.564 over
    # all 2^32 inputs (from its table of |x| S(-|x|), up to |x| = 8.06), 0.753
    # for subnormal results (the exponential path, 0.56 for normal ones)
    "gelu_tanh": (1.75, None), "tanhshrink": (1.0, None),
    # float32 gelu by hand on AVX-512, in float (1.4675 ULP over all 2^32
    # inputs; 0.51 elsewhere)
    "gelu": (1.5, None),
}

# gradient name -> (public function, reference/ufunc kernel, parameter sets, from_output)
BACKWARD = {
    "sigmoid": (G.sigmoid, "sigmoid", [()], True),
    "tanh": (G.tanh, "tanh", [()], True),
    "relu": (G.relu, "relu", [()], False),
    "step": (G.step, "step", [()], False),
    # (1.0, inf): fastact.softplus's own gradient kernel
    "softplus": (G.softplus, "softplus_bt", [(1.0, 20.0), (0.5, 20.0), (2.0, 5.0), (1.0, np.inf)], False),
    "gelu_tanh": (lambda g, x, **kw: G.gelu(g, x, approximate="tanh", **kw), "gelu_tanh", [()], False),
    **{name: (getattr(G, name), kernel, params, False)
       for name, (_, kernel, params) in FORWARD.items() if name not in ("softplus", "gelu_tanh")},
}


def inputs(dtype, n=100_000, seed=0):
    return np.concatenate([random_inputs(dtype, n, seed=seed), edge_values(dtype),
                           np.linspace(-8, 8, 4001).astype(dtype)])


def forward_args(name, params):
    """Keyword form of the params for the public function."""
    if name == "threshold":
        return params, {}
    keys = {"leaky_relu": ("negative_slope",), "elu": ("alpha",), "celu": ("alpha",),
            "hardtanh": ("min_val", "max_val"), "softplus": ("beta", "threshold")}.get(name, ())
    return (), dict(zip(keys, params))


# (float64 gelu, gelu_tanh and tanhshrink: test_float64_against_mpmath)
@pytest.mark.parametrize("name, dtype", [(name, dtype) for name in FORWARD for dtype in DTYPES
                                         if BOUND[name][DTYPES.index(dtype)] is not None],
                         ids=lambda v: v if isinstance(v, str) else np.dtype(v).name)
def test_forward_matches_the_reference_within_its_bound(name, dtype):
    fn, kernel, param_sets = FORWARD[name]
    bound = BOUND[name][DTYPES.index(dtype)]
    x = inputs(dtype)
    for params in param_sets:
        args, kwargs = forward_args(name, params)
        y = fn(x, *args, **kwargs)
        assert y.dtype == dtype and y.shape == x.shape
        exact = reference.FAMILY[kernel](x, *params, exact_wide=True)
        err = ulp_error_vs(y, exact)
        worst = int(np.argmax(err))
        assert err[worst] <= bound, (params, x[worst], y[worst], exact[worst])


# Where the derivative crosses zero its terms cancel: within 0.5 of the
# crossing (and only there) the error is held to a few units of the terms'
# size, 8 eps |g| (1 + |x|), instead of a few ULP of the small result.
ZERO_CROSSING = {"silu": -1.27846, "mish": -1.19215, "gelu": -0.75179, "gelu_tanh": -0.75197,
                 "hardswish": -1.5}


# float32 gradients evaluate the float64 formula and round once (1 ULP),
# except those written by hand on AVX-512 in float: silu's s (1 + x (1 - s)) g
# rounds four times, and 1 + x (1 - s) cancels towards the zero at -1.278
# (measured 3.2 ULP at x = -1.84, just outside ZERO_CROSSING's window);
# g * sigmoid(+-x) (softplus, log_sigmoid) is the sigmoid's parts times g,
# rounded once (measured 1.40 ULP), and with beta != 1 (a power of two)
# g / (1 + e^-|beta x|) from the table exp and a Newton step (2.14 ULP); gelu's
# g G(|x|) or g (1 - G), G = Phi(-a) - a phi(a) from a table up to |x| = 8.48,
# and beyond it g e^(-x^2/2) (M(|x|) - |x|/sqrt(2 pi)), which cancels by up
# to 2.3x in its last factor (measured 3.59 ULP at x = -10.19 over all 2^32 x,
# each with a random g in (-2, 2)); tanhshrink's
# (g t) t carries the hand tanh's error twice (measured 2.46 ULP); the tanh
# gelu's e q (1 + x v' q) cancels towards its zero at -0.752 (measured 6.1
# ULP just outside ZERO_CROSSING's window, 3.5 for x >= 0); mish's g D, D
# from a table of the derivative rounded once, then g's product: near its
# zero at -1.19 D's table polynomial moves by more than its constant term
# (measured 2.08 ULP at x = -0.52 over all 2^32 x, each with a random g in
# (-2, 2); 1.21 with g = 1).
GRAD_BOUND_F32 = {"silu": 4.0, "softplus": 2.5, "log_sigmoid": 2.0, "gelu": 4.0, "tanhshrink": 3.0,
                  "gelu_tanh": 8.0, "mish": 2.5}


# (float64 gelu: against mpmath in test_float64_against_mpmath)
@pytest.mark.parametrize("name, dtype", [(name, dtype) for name in BACKWARD for dtype in DTYPES
                                         if not (name == "gelu" and dtype == np.float64)],
                         ids=lambda v: v if isinstance(v, str) else np.dtype(v).name)
def test_gradient_matches_the_reference(name, dtype):
    fn, kernel, param_sets, from_output = BACKWARD[name]
    x = np.concatenate([inputs(dtype, 20_000, seed=1), np.linspace(-38.6, -36.9, 200).astype(dtype)])
    rng = np.random.default_rng(2)
    g = rng.uniform(-2, 2, x.size).astype(dtype)
    if from_output:
        x = getattr(fastact, name)(x)     # the saved output
    for params in param_sets:
        args, kwargs = forward_args(name, params)
        got = fn(g, x, *args, **kwargs)
        assert got.dtype == dtype
        exact = reference.GRAD[kernel](g, x, *params, exact_wide=True)
        err = ulp_error_vs(got, exact)
        bound = np.full(x.shape, GRAD_BOUND_F32.get(name, 1.0) if dtype == np.float32
                        else (8.0 if name == "mish" else 4.0))
        if name == "gelu_tanh" and dtype == np.float64:
            # as its forward: the rounding of 2u, times |2u|, for x < 0
            with np.errstate(over="ignore", invalid="ignore"):
                u2 = np.abs(2 * 0.7978845608 * (x + 0.044715 * x.astype(np.float64) ** 3))
                bound += np.where(x < 0, 4 * u2, 0)
        ok = err <= bound
        if name in ZERO_CROSSING:
            with np.errstate(invalid="ignore", over="ignore"):
                scale = 8 * np.finfo(dtype).eps * np.abs(g.astype(np.float64)) * (1 + np.abs(x.astype(np.float64)))
                near = (np.abs(got.astype(np.float64) - exact.astype(np.float64)) <= scale) & \
                    (np.abs(x.astype(np.float64) - ZERO_CROSSING[name]) < 0.5)
            ok |= near
        worst = int(np.argmax(np.where(ok, 0, err)))
        assert ok.all(), (params, x[worst], got[worst], exact[worst], err[worst])


SMOOTH = ["elu", "celu", "selu", "silu", "mish", "softsign", "hardsigmoid", "hardswish",
          "leaky_relu", "log_sigmoid", "softplus"]


@pytest.mark.parametrize("name", SMOOTH)
def test_gradient_agrees_with_a_central_finite_difference(name):
    fn, kernel, param_sets = FORWARD[name]
    rng = np.random.default_rng(3)
    x = rng.uniform(-6, 6, 2000)
    x = x[np.abs(x) > 1e-3]
    if name in ("hardsigmoid", "hardswish"):
        x = x[np.abs(np.abs(x) - 3) > 1e-3]           # away from the kinks
    for params in param_sets:
        args, kwargs = forward_args(name, params)
        h = 1e-6 * np.maximum(1.0, np.abs(x))
        fd = (fn(x + h, *args, **kwargs) - fn(x - h, *args, **kwargs)) / (2 * h)
        back = BACKWARD[name][0](np.ones_like(x), x, *args, **kwargs)
        np.testing.assert_allclose(back, fd, rtol=1e-6, atol=1e-9, err_msg=str(params))


@pytest.mark.parametrize("name", list(FORWARD))
def test_float16_is_the_float32_result_rounded(name):
    fn, _, param_sets = FORWARD[name]
    args, kwargs = forward_args(name, param_sets[0])
    x = np.arange(1 << 16, dtype=np.uint16).view(np.float16)
    y = fn(x, *args, **kwargs)
    assert y.dtype == np.float16
    with np.errstate(over="ignore"):       # float32 results beyond float16's range -> inf
        np.testing.assert_array_equal(y, fn(x.astype(np.float32), *args, **kwargs).astype(np.float16))
    g = np.full(x.shape, 0.5, dtype=np.float16)
    gb = BACKWARD[name if name in BACKWARD else "softplus"][0]
    d = gb(g, x, *args, **kwargs)
    assert d.dtype == np.float16
    np.testing.assert_array_equal(d, gb(g.astype(np.float32), x.astype(np.float32), *args, **kwargs)
                                  .astype(np.float16))


@DTYPE
@pytest.mark.parametrize("name", list(FORWARD))
def test_every_layout_and_thread_count_gives_the_same_bits(name, dtype):
    fn, _, param_sets = FORWARD[name]
    args, kwargs = forward_args(name, param_sets[0])
    x = inputs(dtype, 20_000, seed=4)
    with fastact.num_threads(1):
        ref = fn(x, *args, **kwargs)
    with fastact.num_threads(2):
        np.testing.assert_array_equal(fn(x, *args, **kwargs), ref)
    np.testing.assert_array_equal(fn(x[::3], *args, **kwargs), ref[::3])
    for start in range(5):                           # vector body against scalar tail
        np.testing.assert_array_equal(fn(x[start:start + 7], *args, **kwargs), ref[start:start + 7])
    m = x[: 200 * 50].reshape(200, 50)
    np.testing.assert_array_equal(fn(np.asfortranarray(m), *args, **kwargs), ref[: 200 * 50].reshape(200, 50))
    out = np.empty_like(x)
    assert fn(x, *args, out=out, **kwargs) is out
    np.testing.assert_array_equal(out, ref)
    inplace = x.copy()
    fn(inplace, *args, out=inplace, **kwargs)
    np.testing.assert_array_equal(inplace, ref)
    assert fn(x[:0], *args, **kwargs).shape == (0,)
    scalar = fn(x.dtype.type(0.75), *args, **kwargs)
    assert np.ndim(scalar) == 0 and scalar == fn(np.array([0.75], dtype), *args, **kwargs)[0]


@DTYPE
def test_streaming_stores_give_the_same_bits_for_every_kernel(dtype):
    # Large outputs go through the kernels' streaming-store twins; with the
    # threshold at 0 every contiguous call does, at every output alignment.
    from fastact import _family
    from fastact._ufuncs import _stream_threshold
    x = inputs(dtype, 3001, seed=8)
    g = x[::-1].copy()
    itemsize = np.dtype(dtype).itemsize
    buf = np.zeros(x.size + 64, dtype)
    kernels = [(u, (x,)) for u in _family.FORWARD.values()] + \
              [(u, (g, x)) for u in _family.GRAD.values()]
    assert len(kernels) == 17 + 22
    previous = _stream_threshold()
    try:
        for ufunc, data in kernels:
            params = [0.5, 2.0][:ufunc.nin - len(data)]
            _stream_threshold(1 << 62)
            plain = ufunc(*data, *params)
            _stream_threshold(0)
            for offset in (0, 1, 3, 64 // itemsize - 1):
                for n in (1, 17, 1000, x.size):
                    out = buf[offset:offset + n]
                    ufunc(*[d[:n] for d in data], *params, out=out)
                    np.testing.assert_array_equal(out, plain[:n], err_msg=ufunc.__name__)
            with fastact.num_threads(2):
                big = [np.tile(d, 8) for d in data]
                np.testing.assert_array_equal(ufunc(*big, *params), np.tile(plain, 8),
                                              err_msg=ufunc.__name__)
    finally:
        _stream_threshold(previous)
    assert _family._stream_threshold() == previous


def test_array_valued_parameters_broadcast_like_scalars():
    x = np.linspace(-4, 4, 101)
    alphas = np.array([0.5, 1.0, 2.0])[:, None]
    y = A.elu(x, alphas)
    assert y.shape == (3, 101)
    for k, a in enumerate(alphas[:, 0]):
        np.testing.assert_array_equal(y[k], A.elu(x, a))


def _near(p):
    """float32 values at and three steps around round(p), p a float64 parameter"""
    with np.errstate(over="ignore"):                # 1e300 rounds to inf
        up = down = np.float32(p)
    out = [up]
    for _ in range(3):
        up, down = np.nextafter(up, np.float32(np.inf)), np.nextafter(down, np.float32(-np.inf))
        out += [up, down]
    return out


@pytest.mark.parametrize("lo, hi", [(-1.0, 1.0), (0.1, 0.3), (-1 / 3, 1 / 3), (-1e300, 1e-50),
                                    (-1e-50, 1e300), (2.0, 2.0), (-np.inf, 0.7), (1e-50, 1.0),
                                    (-1.0, -1e-50), (-1e-50, 1e-50)])
def test_float32_clamps_and_selects_are_the_float64_ones_rounded(lo, hi):
    """hardtanh, relu6 and threshold in float32 (by hand on AVX-512, with
    the parameters rounded) are the float64 function of the same float32
    inputs rounded once, also where a parameter is not a float32 and x lies
    next to it; so are their gradients (g or 0, never rounded)."""
    rng = np.random.default_rng(21)
    x = np.concatenate([rng.uniform(-4, 4, 1000), _near(lo), _near(hi), _near(0.0), _near(6.0),
                        [np.inf, -np.inf, np.nan, -0.0]]).astype(np.float32)
    x = np.concatenate([x, x[::-1]])               # positions inside vectors and in the tail
    g = rng.uniform(-1, 1, x.size).astype(np.float32)
    g[::7], g[3::7] = 0.0, -0.0                    # the gradient passes zeros' signs through
    x64, g64 = x.astype(np.float64), g.astype(np.float64)
    cases = [(A.hardtanh, G.hardtanh, (lo, hi)), (A.relu6, G.relu6, ()),
             (A.threshold, G.threshold, (lo, hi)), (A.threshold, G.threshold, (hi, lo))]
    for fwd, bwd, params in cases:
        with np.errstate(over="ignore"):
            expected = fwd(x64, *params).astype(np.float32)
        np.testing.assert_array_equal(fwd(x, *params), expected, err_msg=str((fwd.__name__, params)))
        np.testing.assert_array_equal(np.signbit(fwd(x, *params)), np.signbit(expected))
        with np.errstate(over="ignore"):
            expected_g = bwd(g64, x64, *params).astype(np.float32)
        np.testing.assert_array_equal(bwd(g, x, *params), expected_g, err_msg=str((bwd.__name__, params)))
        np.testing.assert_array_equal(np.signbit(bwd(g, x, *params)), np.signbit(expected_g))


@pytest.mark.parametrize("slope", [0.01, 0.1, 0.2, 0.3, -0.2, 3.0, 0.0, 1e-40, 1e-120, 1e30, 1e39])
def test_float32_leaky_relu_is_one_rounding_of_the_product(slope):
    """leaky_relu and its gradient in float32 (one FMA with the slope in two
    floats on AVX-512) within one rounding of x slope (or g slope), with
    the signs of zero of the float64 function, for slopes whose two float
    parts differ in sign (0.2), below the float range (1e-40, 1e-120) and
    beyond it (1e39), next to the subnormals and at infinities."""
    rng = np.random.default_rng(22)
    x = np.concatenate([rng.uniform(-4, 4, 600), -np.logspace(-45, 38, 300), np.logspace(-45, 38, 50),
                        [0.0, -0.0, np.inf, -np.inf, np.nan]]).astype(np.float32)
    x = np.concatenate([x, x[::-1]])
    g = rng.uniform(-1, 1, x.size).astype(np.float32)
    g[::5], g[2::5] = -x[::5], -0.0
    with np.errstate(over="ignore", invalid="ignore"):
        for got, exact in ((A.leaky_relu(x, slope), x.astype(np.float64) * np.where(x > 0, 1, slope)),
                           (G.leaky_relu(g, x, slope),
                            np.where(np.isnan(x), x, g.astype(np.float64) * np.where(x > 0, 1, slope)))):
            expected = exact.astype(np.float32)
            np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
            np.testing.assert_array_equal(np.signbit(got[~np.isnan(got)]), np.signbit(expected[~np.isnan(got)]))
            err = ulp_error_vs(got, exact)
            assert err[np.isfinite(exact)].max() <= 0.5 + 2.0 ** -20, (slope, err.max())


@pytest.mark.parametrize("call, error, match", [
    (lambda: A.celu(1.0, alpha=0.0), ValueError, "celu: alpha must be a number > 0"),
    (lambda: A.softplus(1.0, beta=0.0), ValueError, "softplus: beta must be a finite number > 0"),
    (lambda: A.softplus(1.0, beta=-1.0), ValueError, "softplus: beta must be a finite number > 0"),
    (lambda: A.hardtanh(1.0, min_val=2.0, max_val=1.0), ValueError, "min_val .* must not be greater"),
    (lambda: A.leaky_relu(1.0, negative_slope=float("nan")), ValueError, "negative_slope must not be NaN"),
    (lambda: A.elu(1.0, alpha="big"), TypeError, "alpha must be a real number"),
    (lambda: G.celu(1.0, 1.0, alpha=-1.0), ValueError, "celu: alpha must be a number > 0"),
])
def test_bad_parameters_are_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_pytorch_defaults_and_special_values():
    assert A.leaky_relu(-1.0) == -0.01
    assert A.hardtanh(5.0) == 1.0 and A.hardtanh(-5.0) == -1.0
    assert A.relu6(7.0) == 6.0 and not np.signbit(A.relu6(-0.0))
    assert A.softplus(25.0) == 25.0                      # threshold=20: x itself
    assert A.softplus(25.0, threshold=np.inf) == fastact.softplus(25.0)
    # beta x beyond float32 for a finite float32 x, no threshold: x, as in
    # double (AVX-512's float loop once gave inf from u = beta x = inf)
    big = np.float32([float.fromhex("0x1.0001ep+96"), 3e38])
    for beta in (2.0 ** 32, 3.0):
        np.testing.assert_array_equal(A.softplus(big, beta=beta, threshold=np.inf), big)
    assert A.silu(-np.inf) == 0.0 and A.silu(np.inf) == np.inf
    assert A.mish(-np.inf) == 0.0 and A.mish(np.inf) == np.inf
    assert A.softsign(np.inf) == 1.0 and A.softsign(-np.inf) == -1.0
    assert A.hardswish(-np.inf) == 0.0 and A.hardswish(np.inf) == np.inf
    assert A.elu(-np.inf) == -1.0 and A.selu(-np.inf) == pytest.approx(-1.7580993408473766)
    assert A.log_sigmoid(-1000.0) == -1000.0 and A.log_sigmoid(1000.0) == -0.0
    assert A.swish is A.silu and G.swish is G.silu
    for fn in (A.silu, A.mish, A.elu, A.softsign, A.hardswish, A.log_sigmoid):
        assert np.isnan(fn(np.nan))


@pytest.mark.parametrize("name, edges", [
    # the exact gelu's tables of |x| Phi(-|x|) (and its gradient's) up to
    # 8.48, the exponential path for a vector with a lane beyond it; tiny
    # and zero lanes (t = |x| on the first interval, c0 = 0)
    ("gelu", (8.48, 8.4800005, 1e-31, 0.0, -1e-40)),
    # mish's tables of x from -13 to 9.49 / 10.49, and x (e^x - e^2x/2) below
    ("mish", (-13.0, -13.000001, 9.49, 9.490001, 10.49, 10.490001, -150.0, -151.0)),
    # the tanh gelu's tables up to 8.06 (the forward's anchored at 0 on its
    # first interval)
    ("gelu_tanh", (8.06, 8.060001, 0.0, 1e-40)),
])
def test_float32_table_paths_and_their_edges(name, edges):
    """Whole vectors inside a hand kernel's (AVX-512 float32) table range,
    and vectors where a single lane leaves it (the other lanes then take the
    slower path too): all within the bound either way."""
    lo, hi = {"gelu": (-8.48, 8.48), "mish": (-13.0, 10.49), "gelu_tanh": (-8.06, 8.06)}[name]
    x = np.linspace(lo, hi, 160_000).astype(np.float32)
    fn, grad = ((lambda v: A.gelu(v, approximate="tanh")), (lambda g, v: G.gelu(g, v, approximate="tanh"))) \
        if name == "gelu_tanh" else (getattr(A, name), getattr(G, name))
    alone = fn(x)
    exact = reference.FAMILY[name](x, exact_wide=True)
    assert ulp_error_vs(alone, exact).max() <= BOUND[name][0]
    for e in edges:
        mixed = x.copy()
        mixed[7::16] = e                        # one lane of every vector
        y = fn(mixed)
        err = ulp_error_vs(y, reference.FAMILY[name](mixed, exact_wide=True))
        assert err.max() <= BOUND[name][0], e
        keep = np.ones(x.size, bool)
        keep[7::16] = False
        # the other lanes: each path within the bound, so within twice it
        assert np.all(ulp_error_vs(y[keep], alone[keep].astype(np.float64)) <= 2 * BOUND[name][0]), e
    # the gradients' tables (both kernels) on the same ranges, and mixed
    g = np.random.default_rng(3).uniform(-2, 2, x.size).astype(np.float32)
    for xs in [x] + [np.where(np.arange(x.size) % 16 == 7, np.float32(e), x) for e in edges]:
        d = grad(g, xs)
        ex = reference.GRAD[name](g, xs, exact_wide=True)
        ok = (ulp_error_vs(d, ex) <= GRAD_BOUND_F32[name]) | (np.abs(xs - ZERO_CROSSING[name]) < 0.5)
        assert ok.all(), xs[~ok][:5]
    # the far tails with gradients near the float range's top, where g f'(x)
    # stays a float well past where f'(x) alone underflows
    xt = np.concatenate([np.linspace(-200, -13, 4001), np.linspace(-40, 40, 801)]).astype(np.float32)
    for gmag in (1e30, 3e38):
        gt = np.where(np.arange(xt.size) % 2, gmag, -gmag).astype(np.float32)
        d = grad(gt, xt)
        ex = reference.GRAD[name](gt, xt, exact_wide=True)
        ok = (ulp_error_vs(d, ex) <= GRAD_BOUND_F32[name]) | (np.abs(xt - ZERO_CROSSING[name]) < 0.5)
        assert ok.all(), (gmag, xt[~ok][:5], d[~ok][:5], ex[~ok][:5])

def test_float32_gelus_keep_a_nan_as_it_is():
    """A NaN lane leaves the gelus' tables (AVX-512) for the paths that
    return it unchanged, sign and payload, as the other builds do."""
    nans = np.array([0xFFC00000, 0xFFC12345, 0x7FC12345, 0x7FC00000], np.uint32).view(np.float32)
    x = np.tile(np.concatenate([nans, np.linspace(-3, 3, 12, dtype=np.float32)]), 4)
    g = np.ones_like(x)
    for approximate in ("none", "tanh"):
        for y in (A.gelu(x, approximate=approximate), G.gelu(g, x, approximate=approximate)):
            np.testing.assert_array_equal(y.view(np.uint32)[x != x], x.view(np.uint32)[x != x])


def test_float64_gelu_gradient_against_mpmath():
    mpmath = pytest.importorskip("mpmath")
    rng = np.random.default_rng(8)
    x = np.concatenate([rng.uniform(-40, 10, 2000), np.linspace(-38.6, -36.9, 300),
                        -(10.0 ** rng.uniform(-300, 1.6, 300)), [0.0, 37.5, 1e300]])
    with mpmath.workdps(60):
        exact = [mpmath.ncdf(mpmath.mpf(v)) + mpmath.mpf(v) * mpmath.npdf(mpmath.mpf(v)) for v in x]
    got = G.gelu(np.ones_like(x), x)
    err = np.array([float(abs(mpmath.mpf(float(y)) - e) / max(mpmath.mpf(np.spacing(abs(float(e)))),
                                                             mpmath.mpf(5e-324)))
                    for y, e in zip(got, exact)])
    # away from the derivative's zero near -0.7518, where it cancels
    far = np.abs(x + 0.75179) > 0.5
    assert err[far].max() <= 8.0, (x[far][np.argmax(err[far])], err[far].max())


@pytest.mark.parametrize("name, bound", [("gelu", 4.0), ("gelu_tanh", None), ("tanhshrink", 4.0)])
def test_float64_against_mpmath(name, bound):
    mpmath = pytest.importorskip("mpmath")
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.uniform(-40, 10, 3000), -(10.0 ** rng.uniform(-300, 1.6, 500)),
                        10.0 ** rng.uniform(-300, 1.6, 300),
                        [-38.6, -38.0, -37.5, -37.0, -36.9, -5.0, -0.75, 0.0, 1e-300, 3.0, 0.035, 0.001]])
    k = mpmath.sqrt(2 / mpmath.pi)
    exact_fn = {
        "gelu": lambda v: v * mpmath.ncdf(v),
        "gelu_tanh": lambda v: v / (1 + mpmath.exp(-2 * k * (v + mpmath.mpf("0.044715") * v ** 3))),
        "tanhshrink": lambda v: v - mpmath.tanh(v),
    }[name]
    exact = []
    for v in x:       # enough digits for x - tanh(x) ~ x^3 / 3 at tiny x
        with mpmath.workdps(60 + int(-3 * np.log10(abs(v))) if 0 < abs(v) < 1 else 60):
            exact.append(exact_fn(mpmath.mpf(float(v))))
    y = FORWARD[name][0](x)
    err = np.array([float(abs(mpmath.mpf(float(yi)) - e) / max(mpmath.mpf(np.spacing(abs(float(e)))),
                                                               mpmath.mpf(5e-324)))
                    if e != 0 else float(yi != 0) for yi, e in zip(y, exact)])
    if bound is None:
        # the 'tanh' form rounds its argument 2u about three times, and the
        # sigmoid multiplies that error by |2u| for negative x: within 4 ULP
        # for x >= 0, within 4 |2u| + 4 ULP below
        u2 = np.abs(2 * 0.7978845608 * (x + 0.044715 * x ** 3))
        slack = np.where(x < 0, 4 * u2, 0)
        bad = err > 4 + slack
        assert not bad.any(), (x[bad], err[bad], slack[bad])
    else:
        assert err.max() <= bound, (x[np.argmax(err)], err.max())


def test_float32_elu_gradient_with_a_huge_alpha():
    # past 2^100 the AVX-512 float32 loop hands over to the generic one (its
    # double products could overflow); both within the bound
    x = np.concatenate([inputs(np.float32, 20_000, seed=3), np.linspace(-110, 5, 2001).astype(np.float32)])
    g = np.random.default_rng(4).uniform(-2, 2, x.size).astype(np.float32)
    for alpha in (1e35, 2.0 ** 100, -3e38):
        got = G.elu(g, x, alpha=alpha)
        exact = reference.GRAD["elu"](g, x, alpha, exact_wide=True)
        with np.errstate(invalid="ignore", over="ignore"):
            err = ulp_error_vs(got, exact)
        assert np.nanmax(err) <= 1.0, alpha


@pytest.mark.parametrize("kind", ["forward", "gradient"])
def test_float32_and_float64_agree_on_the_sign_of_zero(kind):
    """At x = +-0 (and g = +-0 for the gradients) every kernel gives the same
    sign in float32 (on AVX-512 often a hand-written float loop, whose sums
    of zeros would give +0) as in float64."""
    kernels = _family.FORWARD if kind == "forward" else _family.GRAD
    for name, ufunc in kernels.items():
        n_params = ufunc.nin - (1 if kind == "forward" else 2)
        params = [0.5, 2.0][:n_params]
        for x in (0.0, -0.0):
            for g in ((None,) if kind == "forward" else (1.0, -1.0, 0.0, -0.0)):
                args = [x] if g is None else [g, x]
                a = ufunc(*[np.float32(v) for v in args], *params)
                b = ufunc(*[np.float64(v) for v in args], *params)
                assert np.signbit(a) == np.signbit(b), (name, args, a, b)


def test_softsign_gradient_is_rounded_once_into_the_subnormals():
    """g / (1 + |x|)^2 in float32 where the quotient is subnormal or near
    it: within half an ULP (of the smallest subnormal there) plus the float64
    quotient's own 2^-52, on AVX-512's float loop too (its residual
    correction routes |q| < 2^-125 and |g| < 2^-100 to double: g =
    0x1.1a553ap-94, x = 0x1.0cd816p+28 gave 0 for 2^-149 before)."""
    rng = np.random.default_rng(12)
    n = 1 << 16
    g = (rng.choice([-1.0, 1.0], n) * np.exp2(rng.uniform(-110, -55, n))).astype(np.float32)
    x = (rng.choice([-1.0, 1.0], n) * np.exp2(rng.uniform(-3, 33, n))).astype(np.float32)
    g[:2] = [float.fromhex("0x1.1a553ap-94"), 3.0]
    x[:2] = [float.fromhex("0x1.0cd816p+28"), float.fromhex("-0x1.800002p+1")]
    exact = g.astype(np.float64) / (1.0 + np.abs(x.astype(np.float64))) ** 2
    got = G.softsign(g, x)
    assert got[0] == np.float32(2.0 ** -149)
    err = ulp_error_vs(got, exact)
    assert (np.abs(exact) < 2.0 ** -126).sum() > n // 4         # the subnormals are reached
    assert err.max() <= 0.5 + 1e-6, (g[err.argmax()], x[err.argmax()], err.max())
