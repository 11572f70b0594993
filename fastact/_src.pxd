# Declarations of the portable C in src/ (no Python there).

cdef extern from "fastact_loops.h" nogil:
    ctypedef void (*fa_unary_fn)(const void *x, void *y, Py_ssize_t n) noexcept nogil

    ctypedef struct fa_kernel_table:
        fa_unary_fn sigmoid_f32
        fa_unary_fn sigmoid_f64
        fa_unary_fn tanh_f32
        fa_unary_fn tanh_f64
        fa_unary_fn softplus_f32
        fa_unary_fn softplus_f64
        fa_unary_fn relu_f32
        fa_unary_fn relu_f64
        fa_unary_fn step_f32
        fa_unary_fn step_f64
        fa_unary_fn copy_f32
        fa_unary_fn copy_f64

    fa_kernel_table fa_kernels
    fa_kernel_table fa_kernels_nt
    Py_ssize_t fa_default_stream_min_bytes()
    int fa_dispatch_init(const char *request)
    const char *fa_dispatch_isa()
    const char *fa_dispatch_compiled()


cdef extern from "fastact_linear.h" nogil:
    ctypedef struct fa_sgd_args:
        const double *sample_weight
        const Py_ssize_t *order
        Py_ssize_t n_order, n_features
        double alpha, eta0, power_t, optimal_init
        int schedule, fit_intercept
        double coef_scale, intercept, t, sum_loss
        Py_ssize_t n_mistakes

    ctypedef struct fa_linear_table:
        double (*dot_f32)(const float *x, const float *w, Py_ssize_t n) noexcept nogil
        double (*dot_f64)(const double *x, const double *w, Py_ssize_t n) noexcept nogil
        double (*dot_f32_w64)(const float *x, const double *w, Py_ssize_t n) noexcept nogil
        void (*axpy_f32)(float *w, float a, const float *x, Py_ssize_t n) noexcept nogil
        void (*axpy_f64)(double *w, double a, const double *x, Py_ssize_t n) noexcept nogil
        void (*axpy_acc_f32)(double *g, double a, const float *x, Py_ssize_t n) noexcept nogil
        void (*axpy_acc_f64)(double *g, double a, const double *x, Py_ssize_t n) noexcept nogil
        int (*logistic_sgd_f32)(const fa_sgd_args *a, const float *X, const float *y, float *coef) noexcept nogil
        int (*logistic_sgd_f64)(const fa_sgd_args *a, const double *X, const double *y, double *coef) noexcept nogil
        int (*perceptron_f32)(const fa_sgd_args *a, const float *X, const float *y, float *coef) noexcept nogil
        int (*perceptron_f64)(const fa_sgd_args *a, const double *X, const double *y, double *coef) noexcept nogil
        void (*block_gradient_f32)(const float *X, Py_ssize_t d, const float *y, const double *sw,
                                   const float *coef, double intercept, const Py_ssize_t *rows,
                                   Py_ssize_t m, Py_ssize_t n_ahead, double *grad) noexcept nogil
        void (*block_gradient_f64)(const double *X, Py_ssize_t d, const double *y, const double *sw,
                                   const double *coef, double intercept, const Py_ssize_t *rows,
                                   Py_ssize_t m, Py_ssize_t n_ahead, double *grad) noexcept nogil
        Py_ssize_t (*margins_f32)(const float *X, Py_ssize_t d, Py_ssize_t m, const double *w,
                                  double scale, double b, Py_ssize_t ahead, Py_ssize_t n_avail,
                                  double *z) noexcept nogil
        Py_ssize_t (*margins_f64)(const double *X, Py_ssize_t d, Py_ssize_t m, const double *w,
                                  double scale, double b, Py_ssize_t ahead, Py_ssize_t n_avail,
                                  double *z) noexcept nogil
        int (*all_finite_f32)(const float *x, Py_ssize_t n) noexcept nogil
        int (*all_finite_f64)(const double *x, Py_ssize_t n) noexcept nogil

    fa_linear_table fa_linear
    enum: FA_GRAD_BLOCK_ROWS
    Py_ssize_t fa_grad_padded(Py_ssize_t d)
    Py_ssize_t fa_grad_stride(Py_ssize_t d)
    void fa_prefetch(const void *x, Py_ssize_t n_bytes)
    void fa_prefetch_l2(const void *x, Py_ssize_t n_bytes)
    double fa_learning_rate(int schedule, double eta0, double alpha, double optimal_init,
                            double power_t, double t)


cdef extern from "fastact_math.h" nogil:
    double fa_sigmoid_f64(double x)
    double fa_exp_nonpos_f64(double x)
    double fa_softplus_f64(double x)


cdef extern from "fastact_loops.h" nogil:
    ctypedef void (*fa_param_fn)(const void *x, void *y, Py_ssize_t n, const double *p) noexcept nogil
    ctypedef void (*fa_grad_fn)(const void *g, const void *x, void *y, Py_ssize_t n,
                                const double *p) noexcept nogil
    int fa_n_param_kernels()
    int fa_n_grad_kernels()
    const char *fa_param_kernel_name(int k)
    const char *fa_grad_kernel_name(int k)
    fa_param_fn fa_param_kernel(int k, int is_double)
    fa_grad_fn fa_grad_kernel(int k, int is_double)
    fa_param_fn fa_param_kernel_nt(int k, int is_double)
    fa_grad_fn fa_grad_kernel_nt(int k, int is_double)
    void fa_half_to_float(const void *h, float *f, Py_ssize_t n)
    void fa_float_to_half(const float *f, void *h, Py_ssize_t n)
    ctypedef void (*fa_softmax_fn)(const void *x, void *y, Py_ssize_t n_rows, Py_ssize_t n, int log_out,
                                   double *scratch, int stream) noexcept nogil
    ctypedef void (*fa_softmax_backward_fn)(const void *g, const void *y, void *out, Py_ssize_t n,
                                            int log_out, double *scratch, int stream) noexcept nogil
    fa_softmax_fn fa_softmax_kernel(int is_double)
    fa_softmax_backward_fn fa_softmax_backward_kernel(int is_double)


# Floating-point status flags.  The activations are total functions (NaN in,
# NaN out; every other result finite or the exact limit) and raise no
# warnings, but their vectorized math raises flags on lanes that are not
# errors: each ufunc loop takes fp_flags_raised() first and ends with
# fp_flags_clear_since() to clear what it raised itself.
cdef extern from "fenv.h" nogil:
    int FE_INVALID
    int FE_UNDERFLOW
    int FE_OVERFLOW
    int FE_DIVBYZERO
    int fetestexcept(int excepts)
    int feclearexcept(int excepts)


cdef inline int fp_flags_raised() noexcept nogil:
    return fetestexcept(FE_INVALID | FE_UNDERFLOW | FE_OVERFLOW | FE_DIVBYZERO)


cdef inline void fp_flags_clear_since(int raised_before) noexcept nogil:
    cdef int raised_here = fp_flags_raised() & ~raised_before
    if raised_here:
        feclearexcept(raised_here)
