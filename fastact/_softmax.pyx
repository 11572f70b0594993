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


cdef int _run(const char *a, const char *b, char *out, Py_ssize_t n_rows, Py_ssize_t n,
              bint is_double, bint log_out, bint backward) except -1:
    """Rows of a (and b: the backward's y) into out, n_rows C-contiguous
    rows of n float32 or float64 each."""
    cdef Py_ssize_t r, t, r0, r1
    if n_rows == 0 or n == 0:
        return 0
    cdef Py_ssize_t itemsize = sizeof(double) if is_double else sizeof(float)
    cdef Py_ssize_t row = n * itemsize
    cdef int n_threads = row_threads(n_rows, n)
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
    cdef int stream = n_rows * row >= fastact._family._stream_threshold()
    try:
        with nogil:
            # one block of rows per thread, each with its own scratch
            for t in prange(n_threads, schedule='static', num_threads=n_threads,
                            use_threads_if=n_threads > 1):
                r0 = t * rows_per
                r1 = r0 + rows_per if r0 + rows_per < n_rows else n_rows
                if backward:
                    for r in range(r0, r1):
                        bwd(a + r * row, b + r * row, out + r * row, n, log_out, scratch + t * stride, stream)
                elif r0 < r1:
                    fwd(a + r0 * row, out + r0 * row, r1 - r0, n, log_out, scratch + t * stride, stream)
    finally:
        free(scratch)
    return 0


cdef bint _is_double(cnp.ndarray a, str name) except -1:
    """Whether a (C-contiguous, 2-D) holds float64: float32 otherwise; a
    TypeError or ValueError naming it for any other array."""
    if cnp.PyArray_NDIM(a) != 2 or not cnp.PyArray_IS_C_CONTIGUOUS(a):
        raise ValueError("%s must be a 2-D C-contiguous array" % name)
    if not cnp.PyArray_ISNOTSWAPPED(a):
        raise TypeError("%s must be float32 or float64 in native byte order, got %s" % (name, a.dtype))
    cdef int t = cnp.PyArray_TYPE(a)
    if t != cnp.NPY_FLOAT and t != cnp.NPY_DOUBLE:
        raise TypeError("%s must be float32 or float64, got %s" % (name, a.dtype))
    return t == cnp.NPY_DOUBLE


cdef int _check_like(cnp.ndarray a, cnp.ndarray b, bint is_double, str name, bint written) except -1:
    """b (named name) as a: shape, dtype, layout; writeable where written"""
    if _is_double(b, name) != is_double:
        raise TypeError("%s has dtype %s, expected %s" % (name, b.dtype, a.dtype))
    if cnp.PyArray_DIM(b, 0) != cnp.PyArray_DIM(a, 0) or cnp.PyArray_DIM(b, 1) != cnp.PyArray_DIM(a, 1):
        raise ValueError("%s has shape %s, expected %s" % (name, (<object>b).shape, (<object>a).shape))
    if written and not cnp.PyArray_ISWRITEABLE(b):
        raise ValueError("%s is read-only" % name)
    return 0


def forward(cnp.ndarray x not None, cnp.ndarray y not None, bint log_out):
    """Rows of x into y: 2-D, C-contiguous, the same shape and dtype
    (float32 or float64), y writeable (y may be x itself, no other overlap)."""
    cdef bint is_double = _is_double(x, "x")
    _check_like(x, y, is_double, "y", True)
    _run(<const char *>cnp.PyArray_DATA(x), <const char *>cnp.PyArray_DATA(x), <char *>cnp.PyArray_DATA(y),
         cnp.PyArray_DIM(x, 0), cnp.PyArray_DIM(x, 1), is_double, log_out, False)


def backward(cnp.ndarray g not None, cnp.ndarray y not None, cnp.ndarray out not None, bint log_out):
    """Rows of g and y (the forward's output) into out, each as forward's x
    and y (out may be g or y itself, no other overlap)."""
    cdef bint is_double = _is_double(g, "g")
    _check_like(g, y, is_double, "y", False)
    _check_like(g, out, is_double, "out", True)
    _run(<const char *>cnp.PyArray_DATA(g), <const char *>cnp.PyArray_DATA(y), <char *>cnp.PyArray_DATA(out),
         cnp.PyArray_DIM(g, 0), cnp.PyArray_DIM(g, 1), is_double, log_out, True)
