/*
 * fastact_linear.h -- the inner products and updates of the linear learners.
 *
 * The dot product has a fixed shape so that its result is the same bits on
 * every ISA, for every thread count, and in the NumPy reference: products in
 * double (exact for float32 inputs), lane l of 32 accumulates the indices
 * j = l (mod 32) in order, and the lanes are folded in halves:
 * a[l] += a[l + 16] for l < 16, then 8, 4, 2, 1.  32 lanes are 4 independent
 * AVX-512 (8 AVX2) accumulators, so the sum is not one serial chain of
 * additions.  The build passes -ffp-contract=off: no FMA changes a rounding.  Compiled per ISA with
 * fastact_loops.c; plain C, no Python.
 */
#ifndef FASTACT_LINEAR_H
#define FASTACT_LINEAR_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FA_DOT_LANES 32

/* The arguments and state of one sequential epoch over the rows
 * order[0 .. n_order) of X (n_features columns), weights coef_scale * coef.
 * The kernels read the inputs and update the state fields in place.
 *
 * logistic SGD (y in {0, 1}): eta follows `schedule` -- 0 constant eta0,
 * 1 optimal 1 / (alpha * (optimal_init + t)), 2 invscaling
 * eta0 / (t + 1) ** power_t -- with t the samples seen before this one; the
 * L2 step multiplies coef_scale by (1 - eta * alpha); sum_loss gets the
 * weighted log loss of each row before its update.
 *
 * perceptron (y in {-1, +1}), without penalty or averaging: a row of
 * positive weight s is a mistake when y * margin <= 0; then
 * coef += (eta * s * y / coef_scale) * x and intercept += eta * s * y;
 * n_mistakes counts them, sum_loss adds s * max(0, -y * margin). */
typedef struct {
    /* inputs */
    const double *sample_weight;
    const ptrdiff_t *order;
    ptrdiff_t n_order, n_features;
    double alpha, eta0, power_t, optimal_init;
    int schedule, fit_intercept;
    /* state, updated */
    double coef_scale, intercept, t, sum_loss;
    ptrdiff_t n_mistakes;
} fa_sgd_args;

typedef struct {
    double (*dot_f32)(const float *x, const float *w, ptrdiff_t n);
    double (*dot_f64)(const double *x, const double *w, ptrdiff_t n);
    /* dot_f32 with w already in double (scoring converts it once per call,
     * not once per row): the same products, the same bits */
    double (*dot_f32_w64)(const float *x, const double *w, ptrdiff_t n);
    /* w[j] += a * x[j], in the data's precision */
    void (*axpy_f32)(float *w, float a, const float *x, ptrdiff_t n);
    void (*axpy_f64)(double *w, double a, const double *x, ptrdiff_t n);
    /* g[j] += a * x[j] with g in double (the mini-batch gradients) */
    void (*axpy_acc_f32)(double *g, double a, const float *x, ptrdiff_t n);
    void (*axpy_acc_f64)(double *g, double a, const double *x, ptrdiff_t n);
    /* Whole sequential epochs (fa_sgd_args below); 0, or -1 when the
     * weights' scratch copy could not be allocated. */
    int (*logistic_sgd_f32)(const fa_sgd_args *a, const float *X, const float *y, float *coef);
    int (*logistic_sgd_f64)(const fa_sgd_args *a, const double *X, const double *y, double *coef);
    int (*perceptron_f32)(const fa_sgd_args *a, const float *X, const float *y, float *coef);
    int (*perceptron_f64)(const fa_sgd_args *a, const double *X, const double *y, double *coef);
    /* The mini-batch gradient of one block of m rows (rows[0 .. m) of X,
     * n_features columns): grad[0 .. fa_grad_stride(d)) is zeroed, then
     * grad[j] = sum_k s_k (p_k - y_k) x_kj for j < d (in row order), grad[pd]
     * the same without x (the intercept's part), grad[pd + 1] the
     * weighted log loss and grad[pd + 2] the sum of the rows' weights,
     * pd = fa_grad_padded(d).  The rows rows[m ..
     * n_ahead) after the block are prefetched as the block proceeds. */
    void (*block_gradient_f32)(const float *X, ptrdiff_t d, const float *y, const double *sw,
                               const float *coef, double intercept, const ptrdiff_t *rows,
                               ptrdiff_t m, ptrdiff_t n_ahead, double *grad);
    void (*block_gradient_f64)(const double *X, ptrdiff_t d, const double *y, const double *sw,
                               const double *coef, double intercept, const ptrdiff_t *rows,
                               ptrdiff_t m, ptrdiff_t n_ahead, double *grad);
    /* z[i] = scale * dot(X[i], w) + b for the m rows from X (n_features
     * columns, w in double: dot_f32_w64 / dot_f64), the row `ahead` rows on
     * prefetched while it is one of the n_avail rows from X; returns how
     * many z[i] are not finite. */
    ptrdiff_t (*margins_f32)(const float *X, ptrdiff_t d, ptrdiff_t m, const double *w, double scale,
                             double b, ptrdiff_t ahead, ptrdiff_t n_avail, double *z);
    ptrdiff_t (*margins_f64)(const double *X, ptrdiff_t d, ptrdiff_t m, const double *w, double scale,
                             double b, ptrdiff_t ahead, ptrdiff_t n_avail, double *z);
    /* 1 when no x[i] is NaN or infinite (the exponent bits are not all set) */
    int (*all_finite_f32)(const float *x, ptrdiff_t n);
    int (*all_finite_f64)(const double *x, ptrdiff_t n);
} fa_linear_table;

/* Rows per block of a mini-batch gradient (at most): the unit of work of a
 * thread and of the fixed-order sum, so the gradient does not depend on the
 * thread count. */
#define FA_GRAD_BLOCK_ROWS 64

/* The layout of a block gradient: d sums padded to whole vectors of 8
 * doubles, then the intercept's sum, the loss and the weight. */
static inline ptrdiff_t fa_grad_padded(ptrdiff_t d) { return (d + 7) / 8 * 8; }
static inline ptrdiff_t fa_grad_stride(ptrdiff_t d) { return fa_grad_padded(d) + 3; }

/* The table in use; filled by fa_dispatch_init (fastact_loops.h). */
extern fa_linear_table fa_linear;

/* scikit-learn's learning-rate schedules, t the number of samples seen
 * before this one: 0 constant eta0, 1 optimal 1 / (alpha * (optimal_init +
 * t)), 2 invscaling eta0 / (t + 1) ** power_t.  One definition for the C
 * epochs and the Cython (multinomial) one. */
static inline double fa_learning_rate(int schedule, double eta0, double alpha, double optimal_init,
                                      double power_t, double t)
{
    if (schedule == 0)
        return eta0;
    if (schedule == 1)
        return 1.0 / (alpha * (optimal_init + t));
    return eta0 / pow(t + 1.0, power_t);
}

/* Ask for the cache lines of x[0 .. bytes) ahead of use, into every level
 * (fa_prefetch) or into L2 (fa_prefetch_l2).  SGD visits rows in a shuffled
 * order, which the hardware prefetchers cannot follow.  For such scattered
 * rows the L2 hint measured faster (a shuffled perceptron epoch on 1e6 x 100
 * float32: 72 ns a row into L1, 51 into L2): the requests hold the few L1
 * miss buffers for less time. */
#if defined(__GNUC__) || defined(__clang__)
/* every line that [x, x + bytes) touches: from x's line, not from x
 * (x + 64 k from an unaligned x misses the last line) */
#define FA_DEFINE_PREFETCH(name, locality)                                    \
    static inline void name(const void *x, ptrdiff_t bytes)                   \
    {                                                                         \
        const char *end = (const char *)x + bytes;                            \
        const char *c = (const char *)((uintptr_t)x & ~(uintptr_t)63);        \
        for (; c < end; c += 64)                                              \
            __builtin_prefetch(c, 0, locality);                               \
    }
#else
#define FA_DEFINE_PREFETCH(name, locality)                                    \
    static inline void name(const void *x, ptrdiff_t bytes)                   \
    {                                                                         \
        (void)x;                                                              \
        (void)bytes;                                                          \
    }
#endif
FA_DEFINE_PREFETCH(fa_prefetch, 3)
FA_DEFINE_PREFETCH(fa_prefetch_l2, 2)

#ifdef __cplusplus
}
#endif

#endif /* FASTACT_LINEAR_H */
