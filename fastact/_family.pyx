"""The modern activations and the gradients of every activation, as NumPy
ufuncs over the C loops of src/fastact_family.h.

Each ufunc has float16, float32 and float64 loops.  The data inputs (x; or
grad_output and the saved input/output for a gradient) share the loop's
dtype; the parameters (negative_slope, alpha, ...) are extra float64 inputs,
usually scalars, which fastact.activations and fastact.grad pass with
PyTorch's defaults.  float16 is computed in float32, a block at a time.

Contiguous data with scalar parameters runs the dispatched C loop on the
arrays (in threads above a length); other layouts, float16 and array-valued
parameters go through blocks on the stack, computed by the same C loops, so
every layout gives the same bits.
"""
import fastact._ufuncs

cimport numpy as cnp
from cython.parallel cimport prange
from libc.stdlib cimport malloc

from fastact._openmp cimport threads_for_length
from fastact._src cimport (fp_flags_raised, fp_flags_clear_since, fa_dispatch_init, fa_float_to_half, fa_grad_fn, fa_grad_kernel,
                           fa_param_kernel_nt, fa_grad_kernel_nt, fa_default_stream_min_bytes,
                           fa_half_to_float, fa_n_grad_kernels, fa_n_param_kernels, fa_param_fn,
                           fa_param_kernel, fa_param_kernel_name, fa_grad_kernel_name)

cnp.import_array()
cnp.import_ufunc()

# this extension links its own copy of the dispatcher: use the same ISA
fa_dispatch_init(fastact._ufuncs.isa().encode())

cdef enum:
    BLOCK = 512          # elements per stack block (4 KiB of doubles)
    MAX_PARAMS = 2
    DT_HALF = 0
    DT_FLOAT = 1
    DT_DOUBLE = 2

cdef struct FamilyLoop:
    int grad                 # 0: forward f(x; p), 1: gradient (g, in; p)
    int kernel               # index in the C table
    int dtype                # DT_HALF, DT_FLOAT, DT_DOUBLE
    int n_params
    Py_ssize_t min_parallel  # contiguous length from which threads are used


# The length from which the contiguous loop runs in threads: the family is
# computed in double (about 1-3 ns an element on one core), so a thread pays
# for its wake-up from a few thousand elements; float64 is the same work.
cdef Py_ssize_t FAMILY_MIN_PARALLEL = 8192


# Outputs of at least this many bytes are written with streaming stores, as
# in fastact._ufuncs (see the measurements there); _stream_threshold() sets it.
cdef Py_ssize_t stream_min_bytes = fa_default_stream_min_bytes()


cdef inline void call_kernel(const FamilyLoop *loop, const char *g, const char *x, char *y,
                             Py_ssize_t n, const double *p, bint stream=False) noexcept nogil:
    cdef int is_double = loop.dtype == DT_DOUBLE
    if loop.grad:
        if stream:
            fa_grad_kernel_nt(loop.kernel, is_double)(g, x, y, n, p)
        else:
            fa_grad_kernel(loop.kernel, is_double)(g, x, y, n, p)
    elif stream:
        fa_param_kernel_nt(loop.kernel, is_double)(x, y, n, p)
    else:
        fa_param_kernel(loop.kernel, is_double)(x, y, n, p)


cdef inline void gather(const char *src, Py_ssize_t step, int dtype, Py_ssize_t m,
                        double *buf) noexcept nogil:
    """m elements at src (stride step) into buf: float32 for float16 and
    float32 data, float64 for float64."""
    cdef Py_ssize_t i
    cdef unsigned short half[BLOCK]
    if dtype == DT_HALF:
        for i in range(m):
            half[i] = (<const unsigned short *>(src + i * step))[0]
        fa_half_to_float(half, <float *>buf, m)
    elif dtype == DT_FLOAT:
        for i in range(m):
            (<float *>buf)[i] = (<const float *>(src + i * step))[0]
    else:
        for i in range(m):
            buf[i] = (<const double *>(src + i * step))[0]


cdef inline void scatter(const double *buf, int dtype, Py_ssize_t m, char *dst,
                         Py_ssize_t step) noexcept nogil:
    cdef Py_ssize_t i
    cdef unsigned short half[BLOCK]
    if dtype == DT_HALF:
        fa_float_to_half(<const float *>buf, half, m)
        for i in range(m):
            (<unsigned short *>(dst + i * step))[0] = half[i]
    elif dtype == DT_FLOAT:
        for i in range(m):
            (<float *>(dst + i * step))[0] = (<const float *>buf)[i]
    else:
        for i in range(m):
            (<double *>(dst + i * step))[0] = buf[i]


cdef void run_blocks(const FamilyLoop *loop, char **data, Py_ssize_t *steps, Py_ssize_t start,
                     Py_ssize_t n, const double *p) noexcept nogil:
    """Elements [start, start + n) through stack blocks (any strides, float16)."""
    cdef double gbuf[BLOCK]
    cdef double xbuf[BLOCK]
    cdef double ybuf[BLOCK]
    cdef Py_ssize_t done = 0, m, k
    while done < n:
        m = n - done if n - done < BLOCK else BLOCK
        k = start + done
        if loop.grad:
            gather(data[0] + k * steps[0], steps[0], loop.dtype, m, gbuf)
        gather(data[1] + k * steps[1], steps[1], loop.dtype, m, xbuf)
        call_kernel(loop, <const char *>gbuf, <const char *>xbuf, <char *>ybuf, m, p)
        scatter(ybuf, loop.dtype, m, data[2] + k * steps[2], steps[2])
        done += m


cdef void run_range(const FamilyLoop *loop, char **data, Py_ssize_t *steps, Py_ssize_t start,
                    Py_ssize_t n, const double *p, bint direct, Py_ssize_t size,
                    bint stream) noexcept nogil:
    if direct:
        call_kernel(loop, data[0] + start * size, data[1] + start * size, data[2] + start * size,
                    n, p, stream)
    else:
        run_blocks(loop, data, steps, start, n, p)


cdef void family_loop(char **args, cnp.npy_intp *dims, cnp.npy_intp *steps,
                      void *loop_data) noexcept nogil:
    cdef const FamilyLoop *loop = <const FamilyLoop *>loop_data
    cdef Py_ssize_t n = dims[0], i, j, chunk, n_chunks, c, start
    cdef int n_data = 1 + loop.grad, nin = 1 + loop.grad + loop.n_params
    cdef Py_ssize_t size = 2 if loop.dtype == DT_HALF else (4 if loop.dtype == DT_FLOAT else 8)
    cdef double p[MAX_PARAMS]
    # data[0] = g (gradients only), data[1] = x or the saved input, data[2] = out
    cdef char *data[3]
    cdef Py_ssize_t dsteps[3]
    data[0] = args[0]
    dsteps[0] = steps[0]
    data[1] = args[n_data - 1]
    dsteps[1] = steps[n_data - 1]
    data[2] = args[nin]
    dsteps[2] = steps[nin]
    cdef bint params_fixed = True
    for j in range(loop.n_params):
        params_fixed = params_fixed and steps[n_data + j] == 0
    p[0] = 0.0
    p[1] = 0.0
    # As in fastact._ufuncs: the results need no warnings, the vectorized
    # math raises flags on lanes that are not errors; clear what we raised.
    cdef int raised_before = fp_flags_raised()
    cdef bint direct = loop.dtype != DT_HALF and dsteps[1] == size and dsteps[2] == size and \
        (not loop.grad or dsteps[0] == size)
    cdef int n_threads = 1
    cdef bint stream = direct and n * size >= stream_min_bytes
    if not params_fixed:
        # array-valued parameters: one element at a time
        for i in range(n):
            for j in range(loop.n_params):
                p[j] = (<const double *>(args[n_data + j] + i * steps[n_data + j]))[0]
            run_blocks(loop, data, dsteps, i, 1, p)
    else:
        for j in range(loop.n_params):
            p[j] = (<const double *>args[n_data + j])[0]
        if direct or (dsteps[1] == size and dsteps[2] == size):
            n_threads = threads_for_length(n, loop.min_parallel)
        if n_threads <= 1:
            run_range(loop, data, dsteps, 0, n, p, direct, size, stream)
        else:
            chunk = (n + n_threads - 1) // n_threads
            chunk = (chunk + 63) // 64 * 64
            n_chunks = (n + chunk - 1) // chunk
            for c in prange(n_chunks, schedule='static', num_threads=n_chunks):
                start = c * chunk
                run_range(loop, data, dsteps, start, chunk if n - start > chunk else n - start,
                          p, direct, size, stream)
    fp_flags_clear_since(raised_before)


def _stream_threshold(n_bytes=None):
    """Get (and with a value, set) the output size in bytes from which the
    family's contiguous loops write with streaming stores (as
    fastact._ufuncs._stream_threshold); returns the previous value."""
    global stream_min_bytes
    previous = stream_min_bytes
    if n_bytes is not None:
        if n_bytes < 0:
            raise ValueError("n_bytes must be >= 0, got %r" % (n_bytes,))
        stream_min_bytes = n_bytes
    return previous


# --- the ufunc objects -------------------------------------------------------

# Parameters of each kernel, in the order of the C table's FA_PARAM_KERNELS.
PARAMS = {
    "leaky_relu": ("negative_slope",), "elu": ("alpha",), "celu": ("alpha",), "selu": (),
    "silu": (), "mish": (), "softsign": (), "hardsigmoid": (), "hardswish": (),
    "hardtanh": ("min_val", "max_val"), "relu6": (), "log_sigmoid": (),
    "threshold": ("threshold", "value"), "softplus_bt": ("beta", "threshold"),
    "gelu": (), "gelu_tanh": (), "tanhshrink": (),
    "sigmoid": (), "tanh": (), "softplus": (), "relu": (), "step": (),
}

cdef cnp.PyUFuncGenericFunction _funcs[3]
_funcs[0] = <cnp.PyUFuncGenericFunction>family_loop
_funcs[1] = <cnp.PyUFuncGenericFunction>family_loop
_funcs[2] = <cnp.PyUFuncGenericFunction>family_loop

_keep_alive = []   # NumPy keeps pointers to names, docs, types and data


cdef object make_family_ufunc(int grad, int kernel, str name, str ufunc_name, str doc):
    cdef int n_params = len(PARAMS[name])
    cdef int n_data = 1 + grad
    cdef int nin = n_data + n_params
    cdef FamilyLoop *loops = <FamilyLoop *>malloc(3 * sizeof(FamilyLoop))
    cdef void **data = <void **>malloc(3 * sizeof(void *))
    cdef char *types = <char *>malloc(3 * (nin + 1))
    if loops == NULL or data == NULL or types == NULL:
        raise MemoryError()
    cdef int d, j
    cdef char codes[3]
    codes[0] = cnp.NPY_FLOAT16
    codes[1] = cnp.NPY_FLOAT32
    codes[2] = cnp.NPY_FLOAT64
    for d in range(3):
        loops[d].grad = grad
        loops[d].kernel = kernel
        loops[d].dtype = d
        loops[d].n_params = n_params
        loops[d].min_parallel = FAMILY_MIN_PARALLEL
        data[d] = &loops[d]
        for j in range(nin + 1):
            types[d * (nin + 1) + j] = cnp.NPY_FLOAT64 if n_data <= j < nin else codes[d]
    name_b, doc_b = ufunc_name.encode(), doc.encode()
    _keep_alive.append((name_b, doc_b))
    return cnp.PyUFunc_FromFuncAndData(_funcs, data, types, 3, nin, 1, cnp.PyUFunc_None,
                                       name_b, doc_b, 0)


def _make_all():
    forward, backward = {}, {}
    for k in range(fa_n_param_kernels()):
        name = fa_param_kernel_name(k).decode()
        args = ", ".join(("x",) + PARAMS[name])
        forward[name] = make_family_ufunc(
            0, k, name, name, "%s(%s, /, out=None, ...)\n\nThe ufunc behind "
            "fastact.activations.%s (see there)." % (name, args, name.replace("_bt", "")))
    for k in range(fa_n_grad_kernels()):
        name = fa_grad_kernel_name(k).decode()
        args = ", ".join(("grad_output", "input") + PARAMS[name])
        backward[name] = make_family_ufunc(
            1, k, name, "grad_" + name, "grad_%s(%s, /, out=None, ...)\n\nThe ufunc behind "
            "fastact.grad.%s (see there)." % (name, args, name.replace("_bt", "")))
    return forward, backward


FORWARD, GRAD = _make_all()
