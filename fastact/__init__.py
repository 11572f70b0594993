"""fastact: fast, accurate neural-network activations as NumPy ufuncs."""
from fastact._version import __version__

try:
    from fastact._ufuncs import relu, sigmoid, softplus, step, tanh
    from fastact._openmp import get_num_threads, num_threads, set_num_threads
except ModuleNotFoundError as exc:  # pragma: no cover - only without a build
    raise ImportError(
        "fastact's compiled extensions are missing (%s). Install it with "
        "`pip install .`; if you are in the source tree, run Python from "
        "another folder, or `pytest` rather than `python -m pytest`, so that "
        "the installed package is imported." % exc) from exc

from fastact._config import show_config
from fastact import activations, grad
from fastact.activations import (celu, elu, gelu, hardsigmoid, hardswish, hardtanh, leaky_relu,
                                 log_sigmoid, log_softmax, mish, relu6, selu, silu, softmax,
                                 softsign, swish, tanhshrink, threshold)

__all__ = [
    "__version__",
    "sigmoid", "step", "tanh", "relu", "softplus",
    "leaky_relu", "elu", "selu", "celu", "silu", "swish", "mish", "softsign", "hardsigmoid",
    "hardswish", "hardtanh", "relu6", "log_sigmoid", "threshold", "softmax", "log_softmax",
    "gelu", "tanhshrink", "activations", "grad",
    "get_num_threads", "set_num_threads", "num_threads",
    "show_config",
]
