"""softmax and log_softmax along the last axis of a C-contiguous 2-D array,
and their backward: threads over blocks of rows, the forward a block per
call and the backward a row per call of the dispatched C loops of
src/fastact_family.h (fa_softmax_row_*; on AVX-512 the float32 rows of
src/fastact_loops.c, whose softmax forward computes in float), otherwise
in double:
x_i - max exact (float32) or carried as hi + lo (float64), summed in 16
lanes (Neumaier-compensated for float64), a NaN row for a NaN or an
infinite max (as PyTorch's inf - inf).
"""
import fastact._family
import fastact._ufuncs

cimport numpy as cnp
from cython cimport floating
from cython.parallel cimport prange
from libc.stdlib cimport free, malloc

from fastact._openmp cimport effective_num_threads
from fastact._src cimport (fa_dispatch_init, fa_softmax_backward_fn, fa_softmax_backward_kernel,
                           fa_softmax_fn, fa_softmax_kernel)

cnp.import_array()

# this extension links its own copy of the dispatcher: use the same ISA
fa_dispatch_init(fastact._ufuncs.isa().encode())

cdef enum:
    MIN_PARALLEL_ELEMS = 32768


cdef int row_threads(Py_ssize_t n_rows, Py_ssize_t n):
    if n_rows < 2 or n_rows * n < MIN_PARALLEL_ELEMS:
        return 1
    cdef int t = effective_num_threads()
    return t if t < n_rows else <int>n_rows


def _run(const floating[:, ::1] a, const floating[:, ::1] b, floating[:, ::1] out, bint log_out,
         bint backward):
    cdef Py_ssize_t n_rows = a.shape[0], n = a.shape[1], r, t, r0, r1
    if n_rows == 0 or n == 0:
        return
    cdef int n_threads = row_threads(n_rows, n)
    cdef int is_double = floating is double
    cdef fa_softmax_fn fwd = fa_softmax_kernel(is_double)
    cdef fa_softmax_backward_fn bwd = fa_softmax_backward_kernel(is_double)
    # 2n + 64 doubles a thread: the forward's float32 rows on AVX-512 keep
    # two rows' t and s (one row's last pass runs inside the next's second),
    # each from a 64-byte boundary
    cdef Py_ssize_t stride = 2 * n + 64
    cdef double *scratch = <double *>malloc(n_threads * stride * sizeof(double))
    if scratch == NULL:
        raise MemoryError("could not allocate %d doubles for softmax rows" % (n_threads * stride))
    cdef Py_ssize_t rows_per = (n_rows + n_threads - 1) // n_threads
    # outputs from the element-wise loops' threshold up are written with
    # streaming stores (AVX-512's float32 softmax rows, both ways; the
    # log_softmax rows, in double, ignore it)
    cdef int stream = n_rows * n * <Py_ssize_t>sizeof(floating) >= fastact._family._stream_threshold()
    try:
        with nogil:
            # one block of rows per thread, each with its own scratch
            for t in prange(n_threads, schedule='static', num_threads=n_threads,
                            use_threads_if=n_threads > 1):
                r0 = t * rows_per
                r1 = r0 + rows_per if r0 + rows_per < n_rows else n_rows
                if backward:
                    for r in range(r0, r1):
                        bwd(&a[r, 0], &b[r, 0], &out[r, 0], n, log_out, scratch + t * stride, stream)
                elif r0 < r1:
                    fwd(&a[r0, 0], &out[r0, 0], r1 - r0, n, log_out, scratch + t * stride, stream)
    finally:
        free(scratch)


def forward(const floating[:, ::1] x, floating[:, ::1] y, bint log_out):
    """Rows of x into y (same shape, C-contiguous)."""
    _run(x, x, y, log_out, False)


def backward(const floating[:, ::1] g, const floating[:, ::1] y, floating[:, ::1] out, bint log_out):
    _run(g, y, out, log_out, True)
