"""The activations as NumPy ufuncs.

One generic inner loop serves every activation and both dtypes: its `data`
names the C kernel slot (src/fastact_loops.h) and the element size.
Contiguous data (step == item size) is split into one static chunk per
thread above a per-function size threshold and handed to the dispatched C
loop; other strides are gathered into a small stack block, computed by the
same C loop and scattered back, so every layout gives the same bits.
NumPy releases the GIL around the inner loop.
"""
import os
import warnings

cimport numpy as cnp
from cython.parallel cimport prange

from fastact._openmp cimport threads_for_length
from fastact._src cimport (fa_unary_fn, fa_kernels, fa_dispatch_init, fa_dispatch_isa,
                           fa_dispatch_compiled, fa_float_to_half, fa_half_to_float,
                           fa_kernels_nt, fa_default_stream_min_bytes, fp_flags_raised,
                           fp_flags_clear_since)

cnp.import_array()
cnp.import_ufunc()

cdef struct UnaryLoop:
    fa_unary_fn *kernel            # slot in fa_kernels, read at call time
    fa_unary_fn *kernel_nt         # its twin in fa_kernels_nt (streaming stores)
    Py_ssize_t itemsize
    Py_ssize_t min_parallel_elems  # below this, run on the calling thread


# Strided data is computed in blocks of this many elements on the stack
# (2 x 4 KiB for float64): large enough to amortise the kernel call, small
# enough to stay in L1.
cdef enum:
    STRIDED_BLOCK_ELEMS = 512

# Threads split the data into equal contiguous chunks, each a multiple of
# this many elements (256 bytes of float32), so no two threads share a cache line.
cdef enum:
    CHUNK_ALIGN_ELEMS = 64


# Outputs of at least this many bytes are written with streaming stores
# (fa_kernels_nt): a quarter of the last-level cache (fastact_loops.h).
# Measured on the 2-core machine (L3 260 MiB as the VM reports it; threshold
# 65 MiB), float32 copy and sigmoid, GB/s plain / streamed: 64 MB out 47 / 74
# and 37 / 42; 128 MB out 29 / 55 and 23 / 41; 400 MB out 28 / 44 and 22 / 40
# (benchmarks/streaming.py, results/streaming_stores.txt).  Streaming wins the
# repeated-call benchmark at every size, but below the threshold the output
# stays cached for the next reader, which the benchmark does not measure.
# _stream_threshold() reads and sets it.
cdef Py_ssize_t stream_min_bytes = fa_default_stream_min_bytes()


cdef void run_contiguous(fa_unary_fn kernel, const char *x, char *y, Py_ssize_t n,
                         Py_ssize_t itemsize, Py_ssize_t min_parallel_elems) noexcept nogil:
    cdef int n_threads = 1
    cdef Py_ssize_t chunk, n_chunks, c, start
    if n <= 0:
        return
    n_threads = threads_for_length(n, min_parallel_elems)
    if n_threads <= 1:
        kernel(x, y, n)
        return
    chunk = (n + n_threads - 1) // n_threads
    chunk = (chunk + CHUNK_ALIGN_ELEMS - 1) // CHUNK_ALIGN_ELEMS * CHUNK_ALIGN_ELEMS
    n_chunks = (n + chunk - 1) // chunk
    for c in prange(n_chunks, schedule='static', num_threads=n_chunks):
        start = c * chunk
        kernel(x + start * itemsize, y + start * itemsize,
               chunk if n - start > chunk else n - start)


cdef void run_strided(fa_unary_fn kernel, const char *x, Py_ssize_t x_step,
                      char *y, Py_ssize_t y_step, Py_ssize_t n, Py_ssize_t itemsize) noexcept nogil:
    cdef double buf_in[STRIDED_BLOCK_ELEMS]
    cdef double buf_out[STRIDED_BLOCK_ELEMS]
    cdef Py_ssize_t done = 0, m, i
    while done < n:
        m = n - done if n - done < STRIDED_BLOCK_ELEMS else STRIDED_BLOCK_ELEMS
        if itemsize == 4:
            for i in range(m):
                (<float *>buf_in)[i] = (<const float *>(x + i * x_step))[0]
        else:
            for i in range(m):
                buf_in[i] = (<const double *>(x + i * x_step))[0]
        kernel(buf_in, buf_out, m)
        if itemsize == 4:
            for i in range(m):
                (<float *>(y + i * y_step))[0] = (<float *>buf_out)[i]
        else:
            for i in range(m):
                (<double *>(y + i * y_step))[0] = buf_out[i]
        x += m * x_step
        y += m * y_step
        done += m


cdef void unary_loop(char **args, cnp.npy_intp *dims, cnp.npy_intp *steps,
                     void *data) noexcept nogil:
    cdef const UnaryLoop *loop = <const UnaryLoop *>data
    cdef fa_unary_fn kernel = loop.kernel[0]
    cdef Py_ssize_t n = dims[0], size = loop.itemsize
    # The activations are total functions: NaN in gives NaN out, every other
    # result is finite or the exact limit, so they raise no floating-point
    # warnings.  But the vectorized math raises flags on lanes that are not
    # errors: ordered compares on NaN (FE_INVALID), e^-|x| passing through the
    # subnormals on the way to a normal result (FE_UNDERFLOW), selects the
    # compiler evaluates on both sides (FE_OVERFLOW of a clamped-away value).
    # Clear what this loop raised; the tests check every result instead.
    cdef int raised_before = fp_flags_raised()
    if steps[0] == size and steps[1] == size:
        if n * size >= stream_min_bytes:
            kernel = loop.kernel_nt[0]
        run_contiguous(kernel, args[0], args[1], n, size, loop.min_parallel_elems)
    else:
        run_strided(kernel, args[0], steps[0], args[1], steps[1], n, size)
    fp_flags_clear_since(raised_before)


cdef void half_blocks(fa_unary_fn kernel, const char *x, Py_ssize_t x_step, char *y,
                      Py_ssize_t y_step, Py_ssize_t n) noexcept nogil:
    """float16: blocks converted to float32, the float32 kernel, converted back."""
    cdef unsigned short h[STRIDED_BLOCK_ELEMS]
    cdef float f[STRIDED_BLOCK_ELEMS]
    cdef Py_ssize_t done = 0, m, i
    while done < n:
        m = n - done if n - done < STRIDED_BLOCK_ELEMS else STRIDED_BLOCK_ELEMS
        for i in range(m):
            h[i] = (<const unsigned short *>(x + i * x_step))[0]
        fa_half_to_float(h, f, m)
        kernel(f, f, m)
        fa_float_to_half(f, h, m)
        for i in range(m):
            (<unsigned short *>(y + i * y_step))[0] = h[i]
        x += m * x_step
        y += m * y_step
        done += m


cdef void unary_loop_half(char **args, cnp.npy_intp *dims, cnp.npy_intp *steps,
                          void *data) noexcept nogil:
    cdef const UnaryLoop *loop = <const UnaryLoop *>data     # the float32 loop's
    cdef fa_unary_fn kernel = loop.kernel[0]
    cdef Py_ssize_t n = dims[0], chunk, n_chunks, c, start
    cdef int raised_before = fp_flags_raised()
    cdef int n_threads = 1
    if steps[0] == 2 and steps[1] == 2:
        n_threads = threads_for_length(n, loop.min_parallel_elems)
    if n_threads <= 1:
        half_blocks(kernel, args[0], steps[0], args[1], steps[1], n)
    else:
        chunk = (n + n_threads - 1) // n_threads
        chunk = (chunk + CHUNK_ALIGN_ELEMS - 1) // CHUNK_ALIGN_ELEMS * CHUNK_ALIGN_ELEMS
        n_chunks = (n + chunk - 1) // chunk
        for c in prange(n_chunks, schedule='static', num_threads=n_chunks):
            start = c * chunk
            half_blocks(kernel, args[0] + 2 * start, 2, args[1] + 2 * start, 2,
                        chunk if n - start > chunk else n - start)
    fp_flags_clear_since(raised_before)


# --- the ufunc objects -------------------------------------------------------

# float16 (computed in float32, a block at a time), float32, float64
cdef cnp.PyUFuncGenericFunction _loop_funcs[3]
_loop_funcs[0] = <cnp.PyUFuncGenericFunction>unary_loop_half
_loop_funcs[1] = <cnp.PyUFuncGenericFunction>unary_loop
_loop_funcs[2] = <cnp.PyUFuncGenericFunction>unary_loop

cdef char _loop_types[6]
_loop_types[0] = cnp.NPY_FLOAT16
_loop_types[1] = cnp.NPY_FLOAT16
_loop_types[2] = cnp.NPY_FLOAT32
_loop_types[3] = cnp.NPY_FLOAT32
_loop_types[4] = cnp.NPY_FLOAT64
_loop_types[5] = cnp.NPY_FLOAT64

cdef enum:
    N_UNARY = 6

cdef UnaryLoop _loops[N_UNARY * 2]
cdef void *_loop_data[N_UNARY * 3]
_ufunc_strings = []   # NumPy keeps pointers to the name and doc: keep them alive


cdef fa_unary_fn *nt_twin(fa_unary_fn *slot):
    """The slot of fa_kernels_nt at slot's place in fa_kernels (one struct type)."""
    return <fa_unary_fn *>(<char *>&fa_kernels_nt + (<char *>slot - <char *>&fa_kernels))


cdef object make_unary_ufunc(int index, fa_unary_fn *slot_f32, fa_unary_fn *slot_f64,
                             Py_ssize_t min_parallel_f32, str name, str doc,
                             Py_ssize_t min_parallel_f64=-1):
    # By default float64 pays off in parallel at half the length: an element
    # costs about twice a float32 one (half the SIMD lanes).
    if min_parallel_f64 < 0:
        min_parallel_f64 = min_parallel_f32 // 2
    _loops[2 * index].kernel = slot_f32
    _loops[2 * index].kernel_nt = nt_twin(slot_f32)
    _loops[2 * index].itemsize = 4
    _loops[2 * index].min_parallel_elems = min_parallel_f32
    _loops[2 * index + 1].kernel = slot_f64
    _loops[2 * index + 1].kernel_nt = nt_twin(slot_f64)
    _loops[2 * index + 1].itemsize = 8
    _loops[2 * index + 1].min_parallel_elems = min_parallel_f64
    _loop_data[3 * index] = &_loops[2 * index]          # float16 runs the float32 kernel
    _loop_data[3 * index + 1] = &_loops[2 * index]
    _loop_data[3 * index + 2] = &_loops[2 * index + 1]
    _UNARY_INDEX[name] = index
    name_b = name.encode()
    doc_b = doc.encode()
    _ufunc_strings.append((name_b, doc_b))
    return cnp.PyUFunc_FromFuncAndData(
        _loop_funcs, &_loop_data[3 * index], _loop_types, 3, 1, 1,
        cnp.PyUFunc_None, name_b, doc_b, 0)


_UNARY_INDEX = {}


def _parallel_threshold(name, dtype, min_parallel_elems=None):
    """Get (and with a value, set) the length at which `name` goes parallel.

    For measuring the thresholds (benchmarks/measure_threshold.py); returns
    the value in force before the call.
    """
    cdef UnaryLoop *loop = &_loops[2 * _UNARY_INDEX[name] + (0 if dtype == "float32" else 1)]
    previous = loop.min_parallel_elems
    if min_parallel_elems is not None:
        if min_parallel_elems < 0:
            raise ValueError("min_parallel_elems must be >= 0, got %r" % (min_parallel_elems,))
        loop.min_parallel_elems = min_parallel_elems
    return previous


def _stream_threshold(n_bytes=None):
    """Get (and with a value, set) the output size in bytes from which the
    element-wise loops (these and fastact._family's, whose threshold the
    softmax rows read too) write with streaming
    stores; returns the previous value.  For the benchmarks and tests (0
    streams everything)."""
    global stream_min_bytes
    previous = stream_min_bytes
    if n_bytes is not None:
        from fastact import _family
        _family._stream_threshold(n_bytes)          # checks n_bytes
        stream_min_bytes = n_bytes
    return previous


def _init_dispatch():
    request = os.environ.get("FASTACT_ISA", "").strip().lower()
    status = fa_dispatch_init(request.encode())
    if status == -1:
        raise ValueError("FASTACT_ISA must be one of 'baseline', 'avx2', 'avx512' "
                         "(or unset for the best this CPU supports), got %r" % request)
    if status == -2:
        fa_dispatch_init(b"")
        warnings.warn("FASTACT_ISA=%r: this CPU (or this build) does not support it; "
                      "using %r" % (request, fa_dispatch_isa().decode()), RuntimeWarning)


_init_dispatch()


def isa():
    """Name of the instruction set the kernels run with ('baseline', 'avx2', 'avx512')."""
    return fa_dispatch_isa().decode()


def compiled_isas():
    """Instruction sets compiled into this build."""
    return fa_dispatch_compiled().decode().split()


_DOC_TAIL = """

Parameters
----------
x : array_like
    Input values.  float32 and float64 are computed natively, float16 in
    float32 and then rounded to float16; other inputs follow NumPy's ufunc
    casting rules.
out : ndarray, None, or tuple of ndarray, optional
    Where to write the result (may be `x` itself, for in-place).
where, casting, order, dtype, subok
    As for any NumPy ufunc.

Returns
-------
y : ndarray or scalar
    Same shape as `x` (after broadcasting with `out`)."""

# Per-function float32 lengths from which going parallel pays, measured with
# benchmarks/measure_threshold.py on a 2-core AVX-512 machine (the smallest
# power of two from which 2 threads stay > 1.1x faster than 1; float64 crossed
# at half the length, as make_unary_ufunc assumes).  Remeasured when the
# AVX-512 float32 sigmoid, tanh and softplus became table-driven (0.25-0.3 ns
# an element): two runs both gave 16384 for the three (8192: 0.75-1.02x),
# while their float64 kernels (the compiled, compensated ones, about 1 ns an
# element) pay from 2048 (1.2-1.4x there; --dtype float64).  Waking a thread costs a
# few microseconds, so the cheap, memory-bound functions (relu, step) need
# the longest arrays to pay for it.
sigmoid = make_unary_ufunc(
    0, &fa_kernels.sigmoid_f32, &fa_kernels.sigmoid_f64, 16384, "sigmoid",
    "sigmoid(x, /, out=None, *, where=True, ...)\n\n"
    "Logistic sigmoid, 1 / (1 + exp(-x)), element-wise.\n\n"
    "Stable for every input: no overflow, sigmoid(-inf) = 0, sigmoid(inf) = 1,\n"
    "and tiny results keep their value down to the subnormals." + _DOC_TAIL,
    min_parallel_f64=2048)

tanh = make_unary_ufunc(
    1, &fa_kernels.tanh_f32, &fa_kernels.tanh_f64, 16384, "tanh",
    "tanh(x, /, out=None, *, where=True, ...)\n\n"
    "Hyperbolic tangent, element-wise.  tanh(+-inf) = +-1, tanh(-0) = -0." + _DOC_TAIL,
    min_parallel_f64=2048)

softplus = make_unary_ufunc(
    2, &fa_kernels.softplus_f32, &fa_kernels.softplus_f64, 16384, "softplus",
    "softplus(x, /, out=None, *, where=True, ...)\n\n"
    "Softplus, log(1 + exp(x)), element-wise, computed stably as\n"
    "max(x, 0) + log1p(exp(-|x|)): equal to x for large x and to exp(x) for\n"
    "very negative x." + _DOC_TAIL,
    min_parallel_f64=2048)

relu = make_unary_ufunc(
    3, &fa_kernels.relu_f32, &fa_kernels.relu_f64, 32768, "relu",
    "relu(x, /, out=None, *, where=True, ...)\n\n"
    "Rectified linear unit, max(x, 0), element-wise.  relu(-0) = +0 and\n"
    "relu(nan) = nan." + _DOC_TAIL)

step = make_unary_ufunc(
    4, &fa_kernels.step_f32, &fa_kernels.step_f64, 32768, "step",
    "step(x, /, out=None, *, where=True, ...)\n\n"
    "Heaviside step: 1 where x > 0, else 0 (step(0) = step(-0) = 0, as a\n"
    "perceptron fires only when w.x + b > 0); step(nan) = nan." + _DOC_TAIL)

# Not public: a copy through the same chunks and threads, the memory-bandwidth
# yardstick of `fastact bench` (what a one-pass kernel can at best reach).
_copy = make_unary_ufunc(
    5, &fa_kernels.copy_f32, &fa_kernels.copy_f64, 32768, "_copy",
    "_copy(x, /, out=None, ...)\n\nCopy x, through fastact's parallel loops." + _DOC_TAIL)
