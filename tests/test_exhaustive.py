"""float32 accuracy over every input: all 2^32 bit patterns (marked slow, run
with `pytest -m slow -s tests/test_exhaustive.py`), and a sample of random bit
patterns in the default run."""
import numpy as np
import pytest

import fastact.activations
from helpers import ufunc, ulp_bound, ulp_error, ulp_error_vs

# silu and gelu: two of the family's float32 kernels written by hand
# (fastact_loops.c); gelu against its float64 kernel (gelu_error)
TRANSCENDENTAL = ("sigmoid", "tanh", "softplus", "silu", "gelu")
CHUNK = 1 << 24


def gelu_error(got, x):
    """The exact gelu's error against its float64 kernel (itself checked
    against mpmath in tests/test_family.py): reference.gelu's scalar erfc
    would take hours over 2^32 inputs."""
    return ulp_error_vs(got, fastact.activations.gelu(x.astype(np.float64)))


def sweep(name, bit_patterns):
    """Max ULP error, share correctly rounded (<= 0.5 ULP) and worst input."""
    worst, worst_x, correct, total = 0.0, None, 0, 0
    for start in range(0, bit_patterns.size, CHUNK):
        x = bit_patterns[start:start + CHUNK].view(np.float32)
        if name == "gelu":
            with np.errstate(invalid="ignore"):
                err = gelu_error(fastact.activations.gelu(x), x)
        else:
            err = ulp_error(ufunc(name)(x), x, name)
        i = int(np.argmax(err))
        if err[i] > worst:
            worst, worst_x = float(err[i]), x[i]
        correct += int(np.count_nonzero(err <= 0.5))
        total += x.size
    return worst, correct / total, worst_x


@pytest.mark.parametrize("name", TRANSCENDENTAL)
def test_random_float32_bit_patterns_within_bound(name):
    rng = np.random.default_rng(2026)
    bits = rng.integers(0, 1 << 32, 1 << 22, dtype=np.uint64).astype(np.uint32)
    worst, share, worst_x = sweep(name, bits)
    assert worst <= ulp_bound(name, np.float32), (worst, worst_x)


@pytest.mark.slow
@pytest.mark.parametrize("name", TRANSCENDENTAL)
def test_every_float32_input_within_bound(name):
    worst, worst_x, correct, total = 0.0, None, 0, 0
    for high in range(1 << 8):
        bits = (np.uint32(high) << np.uint32(24)) | np.arange(1 << 24, dtype=np.uint32)
        w, share, wx = sweep(name, bits)
        if w > worst:
            worst, worst_x = w, wx
        correct += share * bits.size
        total += bits.size
    print("\n%s float32, all 2^32 inputs: max %.3f ULP at x=%r, %.4f%% correctly rounded"
          % (name, worst, worst_x, 100 * correct / total))
    assert worst <= ulp_bound(name, np.float32)
