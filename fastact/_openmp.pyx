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
    #define FASTACT_OPENMP_VERSION _OPENMP
    #else
    /* never define _OPENMP here: Cython would then include <omp.h>, which a
       toolchain without OpenMP does not have */
    #define FASTACT_HAVE_OPENMP 0
    #define FASTACT_OPENMP_VERSION 0
    static int omp_get_max_threads(void) { return 1; }
    #endif

    /* The num_threads() context is per Python thread, so that blocks in
       concurrent threads never restore each other's setting. */
    #if defined(_MSC_VER)
    static __declspec(thread) int fastact_context_threads = 0;
    #else
    static __thread int fastact_context_threads = 0;
    #endif
    """
    bint FASTACT_HAVE_OPENMP
    int FASTACT_OPENMP_VERSION
    int omp_get_max_threads() noexcept nogil
    int fastact_context_threads
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
# An explicit count above this is capped: thousands of threads only thrash.
cdef int _max_threads = 4 * _available


cdef int effective_num_threads() noexcept nogil:
    """The thread count for a kernel called on this thread: the num_threads()
    context of this thread, else set_num_threads(), else OpenMP's default
    for this thread capped at the available CPUs."""
    if not FASTACT_HAVE_OPENMP:
        return 1
    if fastact_context_threads > 0:
        return fastact_context_threads
    if _requested_threads > 0:
        return _requested_threads
    cdef int n = omp_get_max_threads()
    return n if n < _available else _available


cdef int threads_for_length(Py_ssize_t n, Py_ssize_t min_parallel) noexcept nogil:
    """Threads for an element-wise pass over n elements: 1 below min_parallel
    (the length from which two threads pay), else effective_num_threads(),
    but no thread gets less than a quarter of min_parallel -- on the 16-core
    machine, float32 at n = 1e4 ran fastest on 2 to 4 threads and slower on
    8 and 16 (waking them costs more than they save)."""
    if n < min_parallel:
        return 1
    cdef int t = effective_num_threads()
    if min_parallel >= 4 and n // (min_parallel // 4) < t:
        t = <int>(n // (min_parallel // 4))
    return t


def _openmp_default():
    """OpenMP's own default for this thread (1 in a serial build)."""
    return omp_get_max_threads()


def get_num_threads():
    """Number of threads fastact's kernels use for large inputs.

    Returns
    -------
    n_threads : int
        1 in a serial build (compiled without OpenMP).
    """
    return effective_num_threads()


def _check_n_threads(n_threads):
    """n_threads as a capped positive int; raises for anything else."""
    if isinstance(n_threads, bool) or not hasattr(n_threads, "__index__"):
        raise TypeError("n_threads must be a positive int or None, got %r" % (n_threads,))
    n = n_threads.__index__()
    if n < 1:
        raise ValueError("n_threads must be a positive int or None, got %d" % n)
    return min(n, _max_threads)


def set_num_threads(n_threads):
    """Set the number of threads for fastact's kernels, process-wide.

    Parameters
    ----------
    n_threads : int or None
        A positive thread count (capped at 4 x the available CPUs), or None
        to go back to the default: OMP_NUM_THREADS, or threadpoolctl's OpenMP
        limit on the calling thread, capped at the available CPUs.  In a
        serial build any count runs on one thread.
    """
    global _requested_threads
    _requested_threads = 0 if n_threads is None else _check_n_threads(n_threads)


@contextmanager
def num_threads(n_threads):
    """Context manager: fastact kernels called from this thread use `n_threads`.

    The setting belongs to the calling Python thread and is restored on exit,
    so blocks may nest and run in several threads at once.  It takes
    precedence over set_num_threads().

    Examples
    --------
    >>> with fastact.num_threads(1):
    ...     y = fastact.sigmoid(x)
    """
    global fastact_context_threads
    cdef int n = _check_n_threads(n_threads)
    cdef int previous = fastact_context_threads
    fastact_context_threads = n
    try:
        yield
    finally:
        fastact_context_threads = previous


def build_info():
    """How this fastact was compiled, as a dict (used by show_config)."""
    return {
        "openmp": bool(FASTACT_HAVE_OPENMP),
        "openmp_version": FASTACT_OPENMP_VERSION if FASTACT_HAVE_OPENMP else None,
        "cflags": FASTACT_BUILD_CFLAGS.decode(),
        "loop_cflags": FASTACT_BUILD_LOOP_CFLAGS.decode(),
        "compiled_isas": FASTACT_BUILD_ISAS.decode().split(),
        "debug": FASTACT_BUILD_DEBUG.decode() == "True",
        "available_cpus": _available,
    }
