"""softmax and log_softmax along the last axis of a C-contiguous 2-D array,
and their backward, one row per task, threads over rows.

Each row is read twice (its max, then the exponentials and their sum) and
written once; a row of float32 or float64 is computed in double.  Stable:
x_i - max is carried as hi + lo (TwoSum), so e^(x_i - max) is accurate even
when the difference itself is not representable; the sum is Neumaier's
compensated sum.  A row with a NaN gives NaN; a row whose max is +-inf gives
NaN (as PyTorch: inf - inf).
"""
cimport numpy as cnp
from cython cimport floating
from cython.parallel cimport prange
from libc.math cimport INFINITY, NAN, exp, log1p
from libc.stdlib cimport free, malloc

from fastact._openmp cimport effective_num_threads

cnp.import_array()

cdef extern from "fastact_math.h" nogil:
    double fa_exp_nonpos_f64(double x)

cdef enum:
    MIN_PARALLEL_ELEMS = 32768


cdef inline void neumaier_add(double *s, double *c, double v) noexcept nogil:
    cdef double t = s[0] + v
    if (s[0] if s[0] >= 0 else -s[0]) >= (v if v >= 0 else -v):
        c[0] += (s[0] - t) + v
    else:
        c[0] += (v - t) + s[0]
    s[0] = t


cdef inline double difference_lo(double a, double b, double d) noexcept nogil:
    """The rounding error of d = a - b (TwoSum): a - b = d + lo exactly;
    0 where d is infinite (a = -inf)."""
    cdef double bv = d - a
    cdef double lo = (a - (d - bv)) + (-b - bv)
    return lo if lo == lo else 0.0


cdef void softmax_row(const floating *x, floating *y, Py_ssize_t n, bint log_out,
                      double *e) noexcept nogil:
    """One row: e[] holds e^(x_i - max) in double."""
    cdef Py_ssize_t i
    cdef double m = -INFINITY, d, lo, s = -1.0, c = 0.0, rest, log_total
    cdef bint nan = False
    for i in range(n):
        if x[i] > m:
            m = x[i]
        nan = nan or x[i] != x[i]
    if nan or m == INFINITY or m == -INFINITY:
        for i in range(n):
            y[i] = <floating>NAN
        return
    for i in range(n):
        d = <double>x[i] - m
        lo = difference_lo(<double>x[i], m, d)
        e[i] = fa_exp_nonpos_f64(d)
        e[i] = e[i] + e[i] * lo
        neumaier_add(&s, &c, e[i])
    # the sum is 1 + rest (the max contributes e^0 = 1): started at -1, the
    # compensated sum is rest itself, so log(sum) = log1p(rest) keeps its
    # accuracy when rest is tiny (a dominant max, log_softmax near 0)
    rest = s + c
    if log_out:
        log_total = log1p(rest)
        for i in range(n):
            d = <double>x[i] - m
            y[i] = <floating>((d - log_total) + difference_lo(<double>x[i], m, d))
    else:
        for i in range(n):
            y[i] = <floating>(e[i] / (1.0 + rest))


cdef void softmax_backward_row(const floating *g, const floating *y, floating *out, Py_ssize_t n,
                               bint log_out) noexcept nogil:
    """softmax: out = y (g - sum(g y)); log_softmax: out = g - e^y sum(g)."""
    cdef Py_ssize_t i
    cdef double s = 0.0, c = 0.0, total
    for i in range(n):
        neumaier_add(&s, &c, <double>g[i] * (1.0 if log_out else <double>y[i]))
    total = s + c
    for i in range(n):
        if log_out:
            out[i] = <floating>(<double>g[i] - exp(<double>y[i]) * total)
        else:
            out[i] = <floating>(<double>y[i] * (<double>g[i] - total))


def _threads(Py_ssize_t n_rows, Py_ssize_t n):
    if n_rows < 2 or n_rows * n < MIN_PARALLEL_ELEMS:
        return 1
    cdef int t = effective_num_threads()
    return t if t < n_rows else <int>n_rows


def forward(const floating[:, ::1] x, floating[:, ::1] y, bint log_out):
    """Rows of x into y (same shape, C-contiguous)."""
    cdef Py_ssize_t n_rows = x.shape[0], n = x.shape[1], r
    cdef int n_threads = _threads(n_rows, n)
    if n_rows == 0 or n == 0:
        return
    cdef double *buf = <double *>malloc(n_threads * n * sizeof(double))
    if buf == NULL:
        raise MemoryError("could not allocate %d doubles for softmax rows" % (n_threads * n))
    cdef Py_ssize_t rows_per = (n_rows + n_threads - 1) // n_threads, t, r0, r1
    try:
        with nogil:
            # one block of rows per thread, each with its own row buffer
            for t in prange(n_threads, schedule='static', num_threads=n_threads,
                            use_threads_if=n_threads > 1):
                r0 = t * rows_per
                r1 = r0 + rows_per if r0 + rows_per < n_rows else n_rows
                for r in range(r0, r1):
                    softmax_row(&x[r, 0], &y[r, 0], n, log_out, buf + t * n)
    finally:
        free(buf)


def backward(const floating[:, ::1] g, const floating[:, ::1] y, floating[:, ::1] out, bint log_out):
    cdef Py_ssize_t n_rows = g.shape[0], n = g.shape[1], r
    cdef int n_threads = _threads(n_rows, n)
    if n_rows == 0 or n == 0:
        return
    with nogil:
        for r in prange(n_rows, schedule='static', num_threads=n_threads,
                        use_threads_if=n_threads > 1):
            softmax_backward_row(&g[r, 0], &y[r, 0], &out[r, 0], n, log_out)
