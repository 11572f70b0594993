"""Thread count resolution for fastact's OpenMP kernels.

The count in force is, in order: the value given to set_num_threads() (or the
num_threads() context), else OpenMP's own default -- which follows
OMP_NUM_THREADS and threadpoolctl's OpenMP limit -- capped at the CPUs this
process may run on.  Every kernel asks effective_num_threads() (nogil); this
module compiles with or without OpenMP.
"""
import os
from contextlib import contextmanager

cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    #define FASTACT_HAVE_OPENMP 1
    #else
    #define FASTACT_HAVE_OPENMP 0
    #define _OPENMP 0
    static int omp_get_max_threads(void) { return 1; }
    #endif
    """
    bint FASTACT_HAVE_OPENMP
    int OPENMP_VERSION "_OPENMP"
    int omp_get_max_threads() noexcept nogil
    const char *FASTACT_BUILD_CFLAGS
    const char *FASTACT_BUILD_LOOP_CFLAGS
    const char *FASTACT_BUILD_ISAS
    const char *FASTACT_BUILD_DEBUG


def _available_cpus():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# 0 means "not set": follow OpenMP's default.
cdef int _requested_threads = 0
cdef int _available = _available_cpus()


cdef int effective_num_threads() noexcept nogil:
    if not FASTACT_HAVE_OPENMP:
        return 1
    if _requested_threads > 0:
        return _requested_threads
    cdef int n = omp_get_max_threads()
    return n if n < _available else _available


def get_num_threads():
    """Number of threads fastact's kernels use for large inputs.

    Returns
    -------
    n_threads : int
        1 in a serial build (compiled without OpenMP).
    """
    return effective_num_threads()


def set_num_threads(n_threads):
    """Set the number of threads for fastact's kernels, process-wide.

    Parameters
    ----------
    n_threads : int or None
        A positive thread count, or None to go back to the default
        (OMP_NUM_THREADS / threadpoolctl, capped at the available CPUs).
        In a serial build any count runs on one thread.
    """
    global _requested_threads
    if n_threads is None:
        _requested_threads = 0
        return
    if isinstance(n_threads, bool) or not hasattr(n_threads, "__index__"):
        raise TypeError("n_threads must be a positive int or None, got %r" % (n_threads,))
    n = n_threads.__index__()
    if n < 1:
        raise ValueError("n_threads must be a positive int or None, got %d" % n)
    _requested_threads = min(n, 1 << 16)


def _requested():
    return _requested_threads if _requested_threads > 0 else None


@contextmanager
def num_threads(n_threads):
    """Context manager: run fastact kernels with `n_threads` inside the block.

    The setting is process-wide (like torch.set_num_threads), restored on exit.

    Examples
    --------
    >>> with fastact.num_threads(1):
    ...     y = fastact.sigmoid(x)
    """
    previous = _requested()
    set_num_threads(n_threads)
    try:
        yield
    finally:
        set_num_threads(previous)


def build_info():
    """How this fastact was compiled, as a dict (used by show_config)."""
    return {
        "openmp": bool(FASTACT_HAVE_OPENMP),
        "openmp_version": OPENMP_VERSION if FASTACT_HAVE_OPENMP else None,
        "cflags": FASTACT_BUILD_CFLAGS.decode(),
        "loop_cflags": FASTACT_BUILD_LOOP_CFLAGS.decode(),
        "compiled_isas": FASTACT_BUILD_ISAS.decode().split(),
        "debug": FASTACT_BUILD_DEBUG.decode() == "True",
        "available_cpus": _available,
    }
