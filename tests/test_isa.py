"""Every instruction set compiled in, forced with FASTACT_ISA, meets the same
ULP bounds; the FMA builds (AVX2, AVX-512) agree bitwise, except float32
sigmoid, tanh and softplus, which AVX-512 computes by hand with instructions
that have no AVX2 counterpart (vrcp14ps, vscalefps, 32-entry vpermt2ps
tables): there the two agree within the 1-ULP bound, each to the exact
result."""
import os
import subprocess
import sys

import numpy as np
import pytest

from fastact import reference
from fastact._config import config
from helpers import ACTIVATIONS, DTYPES, softmax_ulp_bound, ulp_bound, ulp_error_vs, edge_values, max_ulp, random_inputs

HERE = os.path.dirname(os.path.abspath(__file__))

RUN_ONE_ISA = """
import fastact, fastact._ufuncs as u, fastact.grad
isa, path = sys.argv[1], sys.argv[2]
inputs = np.load(path + ".in.npz")
results = {}
for key in inputs.files:
    for name in %r:
        results[name + "-" + key] = getattr(fastact, name)(inputs[key])
        results[name + "-" + key + "-strided"] = getattr(fastact, name)(inputs[key][::3])
previous = u._stream_threshold(0)          # every contiguous call streams its stores
for key in inputs.files:
    for name in %r:
        out = np.empty(inputs[key].size + 1, inputs[key].dtype)[1:]    # misaligned
        results[name + "-" + key + "-streamed"] = getattr(fastact, name)(inputs[key], out=out)
u._stream_threshold(previous)
from fastact import _family
for key in inputs.files:
    for name, ufunc in _family.FORWARD.items():
        n_params = ufunc.nin - 1
        params = [0.5, 2.0][:n_params]
        results["family-" + name + "-" + key] = ufunc(inputs[key], *params)
    for name, ufunc in _family.GRAD.items():
        params = [0.5, 2.0][:ufunc.nin - 2]
        g = inputs[key][::-1].copy()
        g[~np.isfinite(g)] = 1.0      # inf * (a gradient at the underflow edge) is inf or NaN
        results["grad-" + name + "-" + key] = ufunc(g, inputs[key], *params)
import fastact._linear as L
rng = np.random.default_rng(3)
for n in (7, 64, 1003):
    for dt in ("float32", "float64"):
        x, w = rng.normal(size=n).astype(dt), rng.normal(size=n).astype(dt)
        results["dot-" + dt + "-" + str(n)] = np.array(L.dot(x, w))
for d in (5, 100, 203):
    for dt in ("float32", "float64"):
        X = rng.normal(size=(300, d)).astype(dt)
        y01 = (X[:, 0] + 0.5 * rng.normal(size=300) > 0).astype(dt)
        order = rng.permutation(300).astype(np.intp)
        coef = np.zeros(d, dt)
        b = L.perceptron_epoch(X, 2 * y01 - 1, np.ones(300), coef, 0.0, order, 1.0)[0]
        results["perceptron-" + dt + "-" + str(d)] = np.append(coef.astype(np.float64), b)
        coef = np.zeros(d, dt)
        scale, b, t, loss = L.logistic_sgd_epoch(X, y01, np.ones(300), coef, 1.0, 0.0, order,
                                                 1e-3, 1, 0.0, 0.5, 0.0, 100.0)
        results["logistic-" + dt + "-" + str(d)] = np.append(coef * scale, [b, loss])
for dt in ("float32", "float64"):
    for n in (1, 16, 37, 1003):
        x = SOFTMAX_ROWS(dt, n)
        g = np.random.default_rng(n).uniform(-1, 1, x.shape).astype(dt)
        for log_out, fwd, bwd in ((0, fastact.softmax, fastact.grad.softmax),
                                  (1, fastact.log_softmax, fastact.grad.log_softmax)):
            k = "-".join(["softmax", str(log_out), dt, str(n)])
            results[k] = y = fwd(x)
            results[k + "-backward"] = bwd(g, y)
np.savez(path + "." + isa + ".npz", isa_in_use=np.array(u.isa()), **results)
""" % (ACTIVATIONS, ACTIVATIONS)

SOFTMAX_ROWS_SOURCE = """
import sys, numpy as np


def SOFTMAX_ROWS(dt, n):
    rng = np.random.default_rng(n)
    x = rng.normal(scale=5, size=(40, n))
    x[1, 0] = 500.0                               # the others underflow
    x[2] = rng.uniform(-1e3, 1e3, n)
    x[3, :] = -30.0
    x[3, -1] = 30.0                               # log_softmax near 0 for the max
    x[4] = 1e-8 * rng.normal(size=n)
    x[5, ::2] = -np.inf
    x[5, 0] = 0.0
    return x.astype(dt)
"""
exec(SOFTMAX_ROWS_SOURCE)
RUN_ONE_ISA = SOFTMAX_ROWS_SOURCE + RUN_ONE_ISA


# kernels whose AVX-512 loop uses instructions without an AVX2 counterpart
BY_HAND_AVX512 = {("sigmoid", np.float32), ("softplus", np.float32), ("tanh", np.float32)}


def _supported_isas():
    """Compiled ISAs this CPU runs (a forced ISA the CPU lacks falls back)."""
    order = ["baseline", "avx2", "avx512"]
    best = config()["isa"]
    return [isa for isa in config()["compiled_isas"] if order.index(isa) <= order.index(best)]


@pytest.fixture(scope="module")
def per_isa_results(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("isa") / "run")
    inputs = {}
    for dtype in DTYPES:
        name = np.dtype(dtype).name
        inputs[name] = np.concatenate([random_inputs(dtype, 100_000, seed=7), edge_values(dtype)])
    np.savez(path + ".in.npz", **inputs)
    results = {}
    for isa in _supported_isas():
        env = dict(os.environ, FASTACT_ISA=isa)
        subprocess.run([sys.executable, "-c", RUN_ONE_ISA, isa, path], env=env, check=True, cwd=HERE)
        loaded = np.load(path + "." + isa + ".npz")
        assert str(loaded["isa_in_use"]) == isa
        results[isa] = loaded
    return inputs, results


def test_this_cpu_runs_at_least_the_baseline():
    assert "baseline" in _supported_isas()


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_isa_meets_the_ulp_bound(per_isa_results, name, dtype):
    inputs, results = per_isa_results
    key = np.dtype(dtype).name
    x = inputs[key]
    for isa, res in results.items():
        assert max_ulp(res[name + "-" + key], x, name) <= ulp_bound(name, dtype), isa
        # strided and contiguous data run the same loop, streamed stores the same bits
        np.testing.assert_array_equal(res[name + "-" + key + "-strided"], res[name + "-" + key][::3])
        np.testing.assert_array_equal(res[name + "-" + key + "-streamed"], res[name + "-" + key])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_fma_isas_agree_bitwise(per_isa_results, name, dtype):
    _, results = per_isa_results
    fma = [isa for isa in ("avx2", "avx512") if isa in results]
    if len(fma) < 2:
        pytest.skip("this CPU or build has fewer than two FMA instruction sets")
    key = name + "-" + np.dtype(dtype).name
    if (name, dtype) in BY_HAND_AVX512:
        # each is within the bound of the exact result (the test above), so
        # the two are at most twice the bound apart; in fact they differ by one
        # unit in the last place on about 1% of the inputs
        a, b = results["avx2"][key], results["avx512"][key]
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        finite = np.isfinite(a) & np.isfinite(b)
        np.testing.assert_array_equal(a[~finite], b[~finite])
        # signs agree (a NaN's sign bit is not specified by IEEE 754: the
        # double kernels' invalid operations give x86's default -NaN, the
        # float ones pass x's NaN through)
        number = ~np.isnan(a)
        np.testing.assert_array_equal(np.signbit(a[number]), np.signbit(b[number]))
        # same-sign floats: the distance in units in the last place is that of the bits
        apart = np.abs(np.abs(a[finite]).view(np.int32).astype(np.int64) -
                       np.abs(b[finite]).view(np.int32))
        assert apart.max() <= 2 * ulp_bound(name, dtype), apart.max()
        assert np.mean(apart > 0) < 0.05, np.mean(apart > 0)
        return
    np.testing.assert_array_equal(results["avx2"][key], results["avx512"][key])


def test_sgd_epochs_agree_across_isas(per_isa_results):
    # the perceptron's arithmetic is the fixed-order dot and rounded updates:
    # the same bits everywhere; logistic SGD's sigmoid uses FMA where the ISA
    # has it, so its trajectories agree to rounding
    _, results = per_isa_results
    isas = list(results)
    for isa in isas[1:]:
        for d in (5, 100, 203):
            for dt in ("float32", "float64"):
                key = "%s-%d" % (dt, d)
                np.testing.assert_array_equal(results[isa]["perceptron-" + key],
                                              results[isas[0]]["perceptron-" + key], err_msg=isa)
                np.testing.assert_allclose(results[isa]["logistic-" + key],
                                           results[isas[0]]["logistic-" + key],
                                           rtol=1e-4 if dt == "float32" else 1e-11, err_msg=isa)


def test_linear_dot_is_bitwise_the_same_on_every_isa(per_isa_results):
    # no FMA and a fixed summation order: the baseline agrees too
    _, results = per_isa_results
    isas = list(results)
    keys = [k for k in results[isas[0]].files if k.startswith("dot-")]
    assert len(keys) == 6
    for isa in isas[1:]:
        for k in keys:
            assert results[isa][k] == results[isas[0]][k], (isa, k)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_family_and_gradients_agree_across_isas(per_isa_results, dtype):
    # The FMA builds agree bitwise; the baseline (no FMA: a*b + c rounds
    # twice) stays within a float32 ULP, and within 1e-10 for float64 (the
    # tanh gelu's tail multiplies the argument's rounding by |2u|).
    inputs, results = per_isa_results
    key = np.dtype(dtype).name
    names = [k for k in next(iter(results.values())).files if k.startswith(("family-", "grad-"))
             and k.endswith("-" + key)]
    assert len(names) == 17 + 22        # 17 forward kernels, 22 gradient kernels
    isas = list(results)
    for name in names:
        # float math on AVX-512 (fastact_loops.c)
        by_hand = name in ("family-silu-float32", "grad-silu-float32", "grad-softplus-float32",
                           "grad-log_sigmoid-float32", "grad-elu-float32", "grad-selu-float32",
                           "grad-celu-float32", "family-gelu-float32", "grad-gelu-float32",
                           "family-elu-float32", "family-selu-float32", "family-celu-float32",
                           "family-softplus_bt-float32", "grad-softplus_bt-float32",
                           "family-softsign-float32", "grad-tanhshrink-float32",
                           "grad-hardswish-float32", "family-tanhshrink-float32",
                           "grad-gelu_tanh-float32", "family-log_sigmoid-float32",
                           "family-gelu_tanh-float32", "family-mish-float32", "grad-mish-float32",
                           "grad-softsign-float32")
        if "avx2" in results and "avx512" in results and not by_hand:
            np.testing.assert_array_equal(results["avx2"][name], results["avx512"][name], err_msg=name)
        # gradients with a zero inside, written by hand on AVX-512: within
        # their bound + 1 ULP of each other (tests/test_family.py), or near
        # the derivative's zero within a few units of the terms' size
        near_zero = {"grad-silu-float32": 5, "grad-gelu-float32": 5, "grad-gelu_tanh-float32": 9,
                     "grad-mish-float32": 4}
        if name in near_zero:
            x = inputs[key].astype(np.float64)
            g = inputs[key][::-1].astype(np.float64)
            g[~np.isfinite(g)] = 1.0
            for isa in isas[1:]:
                a = results[isa][name].astype(np.float64)
                b = results[isas[0]][name].astype(np.float64)
                eps = np.finfo(np.float32).eps
                with np.errstate(invalid="ignore", over="ignore"):
                    tol = near_zero[name] * eps * np.abs(b) + 8 * eps * np.abs(g) * (1 + np.abs(x)) + 1e-44
                    ok = (np.abs(a - b) <= tol) | (np.isnan(a) & np.isnan(b)) | (a == b)
                assert ok.all(), (isa, x[~ok][:5], a[~ok][:5], b[~ok][:5])
            continue
        for isa in isas[1:]:
            # the hand-written loop and the double function: each within its
            # bound of the exact value, so at most the sum of the bounds apart
            # (for subnormal results, one or two units of the smallest one)
            rtol = (3 if by_hand else 1) * np.finfo(dtype).eps if dtype == np.float32 else 1e-10
            atol = 2 * np.finfo(np.float32).smallest_subnormal if by_hand else 1e-300
            np.testing.assert_allclose(results[isa][name], results[isas[0]][name], equal_nan=True,
                                       rtol=rtol, atol=atol, err_msg="%s %s" % (isa, name))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("log_out", [0, 1], ids=["softmax", "log_softmax"])
def test_softmax_rows_meet_their_bounds_on_every_isa(per_isa_results, dtype, log_out):
    """Each ISA's rows (AVX-512's float32 ones are written by hand) within
    tests/test_softmax.py's bounds of the reference, at lengths around the
    vector width."""
    _, results = per_isa_results
    dt = np.dtype(dtype).name
    ref, ref_b = ((reference.log_softmax, reference.log_softmax_backward) if log_out
                  else (reference.softmax, reference.softmax_backward))
    eps = np.finfo(dtype).eps
    for n in (1, 16, 37, 1003):
        x = SOFTMAX_ROWS(dt, n)
        g = np.random.default_rng(n).uniform(-1, 1, x.shape).astype(dt)
        for isa, res in results.items():
            k = "-".join(["softmax", str(log_out), dt, str(n)])
            y = res[k]
            err = ulp_error_vs(y, ref(x, exact_wide=True))
            assert err.max() <= softmax_ulp_bound(log_out, dtype), (isa, n)
            got = res[k + "-backward"].astype(np.float64)
            exact = ref_b(g, y, -1, True).astype(np.float64)
            y64 = y.astype(np.float64)
            scale = np.sum(np.abs(g.astype(np.float64)) * (1 if log_out else np.abs(y64)), axis=-1,
                           keepdims=True) + np.abs(g)
            with np.errstate(over="ignore", invalid="ignore"):
                tol = 4 * eps * scale * (np.exp(y64) if log_out else np.abs(y64)) + 4 * eps * np.abs(exact)
                # + one subnormal unit: a subnormal result rounds at that absolute step
                tol += np.finfo(dtype).smallest_subnormal
                ok = (np.abs(got - exact) <= tol) | (got == exact) | (np.isnan(got) & np.isnan(exact))
            assert ok.all(), (isa, n)
