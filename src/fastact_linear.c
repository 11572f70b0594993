/*
 * fastact_linear.c -- dot and axpy for the linear learners, compiled once per
 * ISA like fastact_loops.c (setup.py defines FA_ISA_SUFFIX); see
 * fastact_linear.h for the fixed summation order.
 */
#include "fastact_linear.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fastact_isa.h"
#include "fastact_loops.h"
#include "fastact_math.h"

#define FA_DEFINE_DOT(T, W, sfx)                                              \
    static double FA_LOCAL(dot_##sfx)(const T *x, const W *w, ptrdiff_t n)    \
    {                                                                         \
        double acc[FA_DOT_LANES];                                             \
        ptrdiff_t j = 0;                                                      \
        for (int l = 0; l < FA_DOT_LANES; l++) {                              \
            acc[l] = 0.0;                                                     \
        }                                                                     \
        for (; j + FA_DOT_LANES <= n; j += FA_DOT_LANES) {                    \
            _Pragma("omp simd")                                               \
            for (int l = 0; l < FA_DOT_LANES; l++) {                          \
                acc[l] += (double)x[j + l] * (double)w[j + l];                \
            }                                                                 \
        }                                                                     \
        for (int l = 0; j + l < n; l++) {                                     \
            acc[l] += (double)x[j + l] * (double)w[j + l];                    \
        }                                                                     \
        for (int half = FA_DOT_LANES / 2; half >= 1; half /= 2) {             \
            for (int l = 0; l < half; l++) {                                  \
                acc[l] = acc[l] + acc[l + half];                              \
            }                                                                 \
        }                                                                     \
        return acc[0];                                                        \
    }

#define FA_DEFINE_AXPY(W, T, name)                                            \
    static void FA_LOCAL(name)(W *w, W a, const T *x, ptrdiff_t n)            \
    {                                                                         \
        _Pragma("omp simd")                                                   \
        for (ptrdiff_t j = 0; j < n; j++) {                                   \
            w[j] = w[j] + a * (W)x[j];                                        \
        }                                                                     \
    }

FA_DEFINE_DOT(float, float, f32)
FA_DEFINE_DOT(double, double, f64)
FA_DEFINE_DOT(float, double, f32_w64)
FA_DEFINE_AXPY(float, float, axpy_f32)
FA_DEFINE_AXPY(double, double, axpy_f64)
FA_DEFINE_AXPY(double, float, axpy_acc_f32)
FA_DEFINE_AXPY(double, double, axpy_acc_f64)

/* AVX-512: the same sums written with intrinsics.  Lanes 0-31 are four
 * accumulators of 8 doubles; the tail adds its products under a mask (the
 * other lanes are left as they are, as the scalar tail leaves them); the
 * fold a[l] += a[l + 16], 8, 4, 2, 1 is four vector additions and two
 * scalar ones.  Bitwise the generic loop's result, at 17 instead of 25 ns
 * a row of 100 float32 (GCC 12 leaves the tail and the last folds scalar,
 * through the stack). */
#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>
#define FA_HAS_HAND_DOT 1

#define FA_LOAD8_F32(p, m) _mm512_cvtps_pd(_mm256_maskz_loadu_ps((m), (p)))
#define FA_LOAD8_F64(p, m) _mm512_maskz_loadu_pd((m), (p))

/* x[n - left .. n) in lanes 0 .. left-1 (0 < left < 8), zeros above */
static inline __m512d fa_tail8_f32(const float *x, ptrdiff_t n, ptrdiff_t left, __mmask8 m)
{
    if (n < 8)
        return FA_LOAD8_F32(x + n - left, m);
    __m256i idx = _mm256_add_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                   _mm256_set1_epi32((int)(8 - left)));
    return _mm512_cvtps_pd(_mm256_maskz_permutexvar_ps(m, idx, _mm256_loadu_ps(x + n - 8)));
}

static inline __m512d fa_tail8_f64(const double *x, ptrdiff_t n, ptrdiff_t left, __mmask8 m)
{
    if (n < 8)
        return FA_LOAD8_F64(x + n - left, m);
    __m512i idx = _mm512_add_epi64(_mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7),
                                   _mm512_set1_epi64(8 - left));
    return _mm512_maskz_permutexvar_pd(m, idx, _mm512_loadu_pd(x + n - 8));
}
#define FA_DEFINE_HAND_DOT(T, W, sfx, XLOAD, XTAIL, WLOAD)                    \
    static FA_INLINE double FA_LOCAL(hand_dot_##sfx)(const T *x, const W *w, ptrdiff_t n) \
    {                                                                         \
        __m512d a[4];                                                         \
        for (int k = 0; k < 4; k++)                                           \
            a[k] = _mm512_setzero_pd();                                       \
        ptrdiff_t j = 0;                                                      \
        for (; j + FA_DOT_LANES <= n; j += FA_DOT_LANES) {                    \
            for (int k = 0; k < 4; k++)                                       \
                a[k] = _mm512_add_pd(a[k], _mm512_mul_pd(XLOAD(x + j + 8 * k, 0xFF), \
                                                         WLOAD(w + j + 8 * k, 0xFF))); \
        }                                                                     \
        /* The tail: whole vectors, then at most one partial one.  No load  \
         * reaches past x[n - 1], not even under a mask: a masked load       \
         * waits for every cache line it spans, and the line after a row is  \
         * not the one prefetched (a shuffled epoch's next row is elsewhere). \
         * The partial vector is the last 8 elements, moved down to lanes    \
         * 0 .. left-1 by a permute (a masked load when n < 8). */            \
        for (int k = 0; k < 4 && j + 8 * k < n; k++) {                        \
            ptrdiff_t left = n - j - 8 * k;                                   \
            if (left >= 8) {                                                  \
                a[k] = _mm512_add_pd(a[k], _mm512_mul_pd(XLOAD(x + j + 8 * k, 0xFF), \
                                                         WLOAD(w + j + 8 * k, 0xFF))); \
            } else {                                                          \
                __mmask8 m = (__mmask8)((1u << left) - 1u);                   \
                a[k] = _mm512_mask_add_pd(a[k], m, a[k],                      \
                                          _mm512_mul_pd(XTAIL(x, n, left, m), \
                                                        WLOAD(w + j + 8 * k, m))); \
            }                                                                 \
        }                                                                     \
        __m512d s = _mm512_add_pd(_mm512_add_pd(a[0], a[2]), _mm512_add_pd(a[1], a[3])); \
        __m256d h = _mm256_add_pd(_mm512_castpd512_pd256(s), _mm512_extractf64x4_pd(s, 1)); \
        __m128d q = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1)); \
        return _mm_cvtsd_f64(_mm_add_sd(q, _mm_unpackhi_pd(q, q)));           \
    }
FA_DEFINE_HAND_DOT(float, float, f32, FA_LOAD8_F32, fa_tail8_f32, FA_LOAD8_F32)
FA_DEFINE_HAND_DOT(double, double, f64, FA_LOAD8_F64, fa_tail8_f64, FA_LOAD8_F64)
FA_DEFINE_HAND_DOT(float, double, f32_w64, FA_LOAD8_F32, fa_tail8_f32, FA_LOAD8_F64)
#endif

/* ---------------------------------------------------------------------------
 * Sequential epochs.  One sample's work is a chain -- dot, sigmoid, update,
 * and the next dot reads the updated weights -- so what counts is the
 * latency of each link, not throughput:
 *  - the weights live in a scratch copy padded with zeros to a multiple of
 *    FA_DOT_LANES, so the update writes and the next dot reads whole vectors
 *    at the same addresses (a scalar or masked tail store does not forward to
 *    the next vector load: the load waits for the store to retire);
 *  - the sigmoid is fa_sgd_sigmoid below, not the ufunc's compensated one;
 *  - the row FA_SGD_PREFETCH_ROWS places ahead in `order` is requested,
 *    with its label and weight (a shuffled order defeats the hardware
 *    prefetchers).
 * The arithmetic is that of fastact._linear's Cython loops and of
 * fastact.reference: the fixed-order dot, updates rounded to the data's
 * precision, the intercept in double.
 * ------------------------------------------------------------------------- */
/* Shuffled float32 perceptron epoch, 1e6 x 100, into L2: 53.8 / 50.6 /
 * 50.8 / 50.9 ns a row at 8 / 16 / 32 / 64 rows ahead. */
#define FA_SGD_PREFETCH_ROWS 16
#define FA_SGD_LOSS_BLOCK 256

static inline ptrdiff_t fa_padded(ptrdiff_t d)
{
    return (d + FA_DOT_LANES - 1) / FA_DOT_LANES * FA_DOT_LANES;
}

/* sigmoid(z) = 1 / (1 + e) or e / (1 + e), e = e^-|z|, to about 1 ULP (the
 * polynomial's error and 4 roundings: the quotient is not corrected as in
 * fa_sigmoid_f64).  e^a, a = k ln2 + r, |r| <= ln2/2: 2^k (1 + r + r^2 q(r)),
 * q to r^11 (truncation below 2^-60 relative) in Estrin's scheme, which
 * shortens the dependency chain from 12 FMAs to 5 levels. */
static FA_INLINE double fa_sgd_sigmoid(double z)
{
    const double shifter = 0x1.8p52;
    double a = -fa_abs_f64(z);
    a = (a < -746.0) ? -746.0 : a;
    double kf = FA_FMA(a, 0x1.71547652b82fep+0, shifter);
    int64_t k = (int64_t)(fa_bits_f64(kf) - fa_bits_f64(shifter));
    kf -= shifter;
    double r = FA_FMA(kf, -fa_ln2_hi_f64, a);
    r = FA_FMA(kf, -fa_ln2_lo_f64, r);
    double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    double q01 = FA_FMA(1.0 / 6.0, r, 0.5);
    double q23 = FA_FMA(1.0 / 120.0, r, 1.0 / 24.0);
    double q45 = FA_FMA(1.0 / 5040.0, r, 1.0 / 720.0);
    double q67 = FA_FMA(1.0 / 362880.0, r, 1.0 / 40320.0);
    double q89 = FA_FMA(1.0 / 39916800.0, r, 1.0 / 3628800.0);
    double q1011 = FA_FMA(1.0 / 6227020800.0, r, 1.0 / 479001600.0);
    double q03 = FA_FMA(q23, r2, q01);
    double q47 = FA_FMA(q67, r2, q45);
    double q811 = FA_FMA(q1011, r2, q89);
    double q = FA_FMA(q811, r8, FA_FMA(q47, r4, q03));
    double p = 1.0 + FA_FMA(r2, q, r);
    int64_t k1 = k >> 1;                       /* two halves: subnormal e rounds once */
    double e = (p * fa_pow2_f64(k1)) * fa_pow2_f64(k - k1);
    double s = 1.0 / (1.0 + e);
    return (z < 0) ? e * s : s;
}

static inline double fa_sgd_eta(const fa_sgd_args *a, double t)
{
    return fa_learning_rate(a->schedule, a->eta0, a->alpha, a->optimal_init, a->power_t, t);
}

/* sum of weight[i] * softplus(margin[i]) (the log loss); overwrites margin */
static inline double fa_sgd_block_loss(double *margin, const double *weight, ptrdiff_t m)
{
    double total = 0.0;
    fa_kernels.softplus_f64(margin, margin, m);
    for (ptrdiff_t i = 0; i < m; i++)
        total += weight[i] * margin[i];
    return total;
}

#define FA_DEFINE_SGD_EPOCHS(T, sfx, DOT, AXPY)                                \
    /* row i and its label and weight: in a shuffled order all three miss */  \
    static FA_INLINE void FA_LOCAL(sgd_prefetch_##sfx)(const T *X, const T *y,   \
                                                    const double *sw, ptrdiff_t i, \
                                                    ptrdiff_t d)              \
    {                                                                         \
        fa_prefetch_l2(X + i * d, d * (ptrdiff_t)sizeof(T));                  \
        fa_prefetch_l2(y + i, 1);                                             \
        fa_prefetch_l2(sw + i, 1);                                            \
    }                                                                         \
                                                                              \
    /* coef copied into a 64-byte aligned block of fa_padded(d), zero       \
     * beyond d; *raw is what to free (NULL if allocation failed) */          \
    static T *FA_LOCAL(pad_copy_##sfx)(const T *coef, ptrdiff_t d, void **raw) \
    {                                                                         \
        ptrdiff_t dp = fa_padded(d);                                          \
        *raw = malloc((size_t)dp * sizeof(T) + 64);                           \
        if (*raw == NULL)                                                     \
            return NULL;                                                      \
        T *w = (T *)(((uintptr_t)*raw + 63) & ~(uintptr_t)63);                \
        memcpy(w, coef, (size_t)d * sizeof(T));                               \
        for (ptrdiff_t j = d; j < dp; j++)                                    \
            w[j] = 0;                                                         \
        return w;                                                             \
    }                                                                         \
                                                                              \
    static int FA_LOCAL(logistic_sgd_##sfx)(const fa_sgd_args *ac, const T *X, \
                                            const T *y, T *coef)              \
    {                                                                         \
        fa_sgd_args *a = (fa_sgd_args *)ac;                                   \
        const ptrdiff_t d = a->n_features, n_order = a->n_order;              \
        const ptrdiff_t *order = a->order;                                    \
        const double *sw = a->sample_weight;                                  \
        double scale = a->coef_scale, b = a->intercept, t = a->t, loss = 0.0; \
        double margin[FA_SGD_LOSS_BLOCK], weight[FA_SGD_LOSS_BLOCK];          \
        ptrdiff_t n_loss = 0;                                                 \
        void *raw;                                                            \
        T *w = FA_LOCAL(pad_copy_##sfx)(coef, d, &raw);                       \
        if (w == NULL)                                                        \
            return -1;                                                        \
        for (ptrdiff_t k = 0; k < n_order; k++) {                             \
            const ptrdiff_t i = order[k];                                     \
            const T *x = X + i * d;                                           \
            if (k + FA_SGD_PREFETCH_ROWS < n_order)                           \
                FA_LOCAL(sgd_prefetch_##sfx)(X, y, sw, order[k + FA_SGD_PREFETCH_ROWS], d); \
            double eta = fa_sgd_eta(a, t);                                    \
            double z = scale * DOT(x, w, d) + b;                              \
            double p = fa_sgd_sigmoid(z);                                     \
            /* log loss: softplus(-z) for y = 1, softplus(z) for y = 0 */     \
            margin[n_loss] = (y[i] == 0) ? z : -z;                            \
            weight[n_loss] = sw[i];                                           \
            if (++n_loss == FA_SGD_LOSS_BLOCK) {                              \
                loss += fa_sgd_block_loss(margin, weight, n_loss);            \
                n_loss = 0;                                                   \
            }                                                                 \
            double g = (p - (double)y[i]) * sw[i];                            \
            if (a->alpha > 0)                                                 \
                scale *= 1.0 - eta * a->alpha;                                \
            double step = -eta * g;                                           \
            if (step != 0) {                                                  \
                AXPY(w, (T)(step / scale), x, d);                             \
                if (a->fit_intercept)                                         \
                    b += step;                                                \
            }                                                                 \
            if (scale < 1e-9) {                                               \
                /* fold the scale in before it underflows */                  \
                for (ptrdiff_t j = 0; j < d; j++)                             \
                    w[j] = (T)(w[j] * scale);                                 \
                scale = 1.0;                                                  \
            }                                                                 \
            t += 1;                                                           \
        }                                                                     \
        loss += fa_sgd_block_loss(margin, weight, n_loss);                    \
        memcpy(coef, w, (size_t)d * sizeof(T));                               \
        free(raw);                                                            \
        a->coef_scale = scale;                                                \
        a->intercept = b;                                                     \
        a->t = t;                                                             \
        a->sum_loss = loss;                                                   \
        return 0;                                                             \
    }                                                                         \
                                                                              \
    static int FA_LOCAL(perceptron_##sfx)(const fa_sgd_args *ac, const T *X,  \
                                          const T *y, T *coef)                \
    {                                                                         \
        fa_sgd_args *a = (fa_sgd_args *)ac;                                   \
        const ptrdiff_t d = a->n_features, n_order = a->n_order;              \
        const ptrdiff_t *order = a->order;                                    \
        const double *sw = a->sample_weight;                                  \
        const double scale = a->coef_scale, eta = a->eta0;                    \
        double b = a->intercept, loss = 0.0;                                  \
        ptrdiff_t mistakes = 0;                                               \
        void *raw;                                                            \
        T *w = FA_LOCAL(pad_copy_##sfx)(coef, d, &raw);                       \
        if (w == NULL)                                                        \
            return -1;                                                        \
        for (ptrdiff_t k = 0; k < n_order; k++) {                             \
            const ptrdiff_t i = order[k];                                     \
            const T *x = X + i * d;                                           \
            if (k + FA_SGD_PREFETCH_ROWS < n_order)                           \
                FA_LOCAL(sgd_prefetch_##sfx)(X, y, sw, order[k + FA_SGD_PREFETCH_ROWS], d); \
            if (sw[i] <= 0)                                                   \
                continue;                                                     \
            double margin = scale * DOT(x, w, d) + b;                         \
            if (y[i] * margin <= 0) {                                         \
                double update = eta * sw[i] * y[i];                           \
                mistakes += 1;                                                \
                loss -= sw[i] * y[i] * margin;                                \
                AXPY(w, (T)(update / scale), x, d);                           \
                if (a->fit_intercept)                                         \
                    b += update;                                              \
            }                                                                 \
        }                                                                     \
        memcpy(coef, w, (size_t)d * sizeof(T));                               \
        free(raw);                                                            \
        a->intercept = b;                                                     \
        a->n_mistakes = mistakes;                                             \
        a->sum_loss = loss;                                                   \
        return 0;                                                             \
    }

#ifdef FA_HAS_HAND_DOT
/* The dot and the update over the padded weights: w read and written as
 * whole aligned vectors (x under a mask in its tail); the same sums and
 * roundings as hand_dot_* and axpy_*. */
#define FA_WLOAD8_F32(p, m) _mm512_cvtps_pd(_mm256_load_ps(p))
#define FA_WLOAD8_F64(p, m) _mm512_load_pd(p)
FA_DEFINE_HAND_DOT(float, float, padded_f32, FA_LOAD8_F32, fa_tail8_f32, FA_WLOAD8_F32)
FA_DEFINE_HAND_DOT(double, double, padded_f64, FA_LOAD8_F64, fa_tail8_f64, FA_WLOAD8_F64)

/* x[n - left .. n) in lanes 0 .. left-1 (0 < left < 16), zeros above: as
 * fa_tail8_f32, no load past the row */
static inline __m512 fa_tail16_f32(const float *x, ptrdiff_t n, ptrdiff_t left)
{
    __mmask16 m = (__mmask16)((1u << left) - 1u);
    if (n < 16)
        return _mm512_maskz_loadu_ps(m, x + n - left);
    __m512i idx = _mm512_add_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                   _mm512_set1_epi32((int)(16 - left)));
    return _mm512_maskz_permutexvar_ps(m, idx, _mm512_loadu_ps(x + n - 16));
}

/* w[j] += a * x[j] (a product, then a sum: the bits of axpy_*), w padded:
 * its tail lanes get a * 0 added and stay 0 */
static FA_INLINE void fa_axpy_padded_f32(float *w, float a, const float *x, ptrdiff_t n)
{
    __m512 va = _mm512_set1_ps(a);
    ptrdiff_t j = 0;
    for (; j + 16 <= n; j += 16)
        _mm512_store_ps(w + j, _mm512_add_ps(_mm512_load_ps(w + j),
                                             _mm512_mul_ps(va, _mm512_loadu_ps(x + j))));
    if (j < n)
        _mm512_store_ps(w + j, _mm512_add_ps(_mm512_load_ps(w + j),
                                             _mm512_mul_ps(va, fa_tail16_f32(x, n, n - j))));
}

/* g[j] += a * x[j] in double over whole vectors of 8 (g padded to 8): the
 * tail's lanes past n get a * 0; no load past x[n - 1].  float64: the
 * padded weights' update; float32 rows: the mini-batch gradient's sums. */
#define FA_DEFINE_ACC_PADDED(name, T, LOAD8, TAIL8)                           \
    static FA_INLINE void name(double *g, double a, const T *x, ptrdiff_t n)  \
    {                                                                         \
        __m512d va = _mm512_set1_pd(a);                                       \
        ptrdiff_t j = 0;                                                      \
        for (; j + 8 <= n; j += 8)                                            \
            _mm512_storeu_pd(g + j, _mm512_add_pd(_mm512_loadu_pd(g + j),     \
                                                  _mm512_mul_pd(va, LOAD8(x + j, 0xFF)))); \
        if (j < n)                                                            \
            _mm512_storeu_pd(g + j, _mm512_add_pd(_mm512_loadu_pd(g + j),     \
                _mm512_mul_pd(va, TAIL8(x, n, n - j, (__mmask8)((1u << (n - j)) - 1u))))); \
    }
FA_DEFINE_ACC_PADDED(fa_axpy_padded_f64, double, FA_LOAD8_F64, fa_tail8_f64)
FA_DEFINE_ACC_PADDED(fa_acc_padded_f32, float, FA_LOAD8_F32, fa_tail8_f32)

FA_DEFINE_SGD_EPOCHS(float, f32, FA_LOCAL(hand_dot_padded_f32), fa_axpy_padded_f32)
FA_DEFINE_SGD_EPOCHS(double, f64, FA_LOCAL(hand_dot_padded_f64), fa_axpy_padded_f64)
#else
FA_DEFINE_SGD_EPOCHS(float, f32, FA_LOCAL(dot_f32), FA_LOCAL(axpy_f32))
FA_DEFINE_SGD_EPOCHS(double, f64, FA_LOCAL(dot_f64), FA_LOCAL(axpy_f64))
#endif

/* ---------------------------------------------------------------------------
 * The mini-batch gradient of a block of rows (fastact_linear.h).  The
 * weights do not change within a block, so its margins are independent: all
 * the dot products first (they overlap in the CPU), one vectorized sigmoid
 * and one softplus pass, then the sums in row order.
 * ------------------------------------------------------------------------- */
#define FA_GRAD_PREFETCH_ROWS 32

#define FA_DEFINE_BLOCK_GRADIENT(T, sfx, DOT, ACC)                            \
    static void FA_LOCAL(block_gradient_##sfx)(const T *X, ptrdiff_t d, const T *y, \
                                               const double *sw, const T *coef, \
                                               double intercept, const ptrdiff_t *rows, \
                                               ptrdiff_t m, ptrdiff_t n_ahead, double *grad) \
    {                                                                         \
        double z[FA_GRAD_BLOCK_ROWS], p[FA_GRAD_BLOCK_ROWS];                    \
        const ptrdiff_t pd = fa_grad_padded(d);                               \
        double g_b = 0.0, loss = 0.0;                                         \
        for (ptrdiff_t j = 0; j < pd; j++)                                    \
            grad[j] = 0.0;                                                    \
        for (ptrdiff_t k = 0; k < m; k++) {                                   \
            if (k + FA_GRAD_PREFETCH_ROWS < n_ahead) {                        \
                const ptrdiff_t ahead = rows[k + FA_GRAD_PREFETCH_ROWS];      \
                fa_prefetch_l2(X + ahead * d, d * (ptrdiff_t)sizeof(T));      \
                fa_prefetch_l2(y + ahead, 1);                                 \
                fa_prefetch_l2(sw + ahead, 1);                                \
            }                                                                 \
            z[k] = DOT(X + rows[k] * d, coef, d) + intercept;                 \
        }                                                                     \
        fa_kernels.sigmoid_f64(z, p, m);                                      \
        for (ptrdiff_t k = 0; k < m; k++) {                                   \
            const ptrdiff_t i = rows[k];                                      \
            double g = (p[k] - (double)y[i]) * sw[i];                         \
            ACC(grad, g, X + i * d, d);                                       \
            g_b += g;                                                         \
            /* log loss: softplus(-z) for y = 1, softplus(z) for y = 0 */     \
            z[k] = (y[i] == 1) ? -z[k] : z[k];                                \
        }                                                                     \
        fa_kernels.softplus_f64(z, z, m);                                     \
        double weight = 0.0;                                                  \
        for (ptrdiff_t k = 0; k < m; k++) {                                   \
            loss += sw[rows[k]] * z[k];                                       \
            weight += sw[rows[k]];                                            \
        }                                                                     \
        grad[pd] = g_b;                                                       \
        grad[pd + 1] = loss;                                                  \
        grad[pd + 2] = weight;                                                \
    }

#ifdef FA_HAS_HAND_DOT
FA_DEFINE_BLOCK_GRADIENT(float, f32, FA_LOCAL(hand_dot_f32), fa_acc_padded_f32)
FA_DEFINE_BLOCK_GRADIENT(double, f64, FA_LOCAL(hand_dot_f64), fa_axpy_padded_f64)
#else
FA_DEFINE_BLOCK_GRADIENT(float, f32, FA_LOCAL(dot_f32), FA_LOCAL(axpy_acc_f32))
FA_DEFINE_BLOCK_GRADIENT(double, f64, FA_LOCAL(dot_f64), FA_LOCAL(axpy_acc_f64))
#endif

/* The margins of a block of consecutive rows (fastact_linear.h): the dot
 * products inlined into one loop (a call per row cost a call, a vzeroupper
 * and the spills of its frame). */
#define FA_DEFINE_MARGINS(T, sfx, DOT)                                        \
    static ptrdiff_t FA_LOCAL(margins_##sfx)(const T *X, ptrdiff_t d, ptrdiff_t m, \
                                             const double *w, double scale, double b, \
                                             ptrdiff_t ahead, ptrdiff_t n_avail, double *z) \
    {                                                                         \
        ptrdiff_t n_nonfinite = 0;                                            \
        for (ptrdiff_t i = 0; i < m; i++) {                                   \
            if (i + ahead < n_avail)                                          \
                fa_prefetch_l2(X + (i + ahead) * d, d * (ptrdiff_t)sizeof(T)); \
            z[i] = scale * DOT(X + i * d, w, d) + b;                          \
            n_nonfinite += !(z[i] - z[i] == 0.0);                             \
        }                                                                     \
        return n_nonfinite;                                                   \
    }
#ifdef FA_HAS_HAND_DOT
FA_DEFINE_MARGINS(float, f32, FA_LOCAL(hand_dot_f32_w64))
FA_DEFINE_MARGINS(double, f64, FA_LOCAL(hand_dot_f64))
#else
FA_DEFINE_MARGINS(float, f32, FA_LOCAL(dot_f32_w64))
FA_DEFINE_MARGINS(double, f64, FA_LOCAL(dot_f64))
#endif

/* The exponent field of every element OR-ed as "all ones or not", in
 * integers: the compiler vectorizes it, and no floating-point flag is
 * raised by a NaN. */
#define FA_DEFINE_ALL_FINITE(T, U, sfx, EXP)                                  \
    static int FA_LOCAL(all_finite_##sfx)(const T *x, ptrdiff_t n)            \
    {                                                                         \
        const U *u = (const U *)(const void *)x;                              \
        U bad = 0;                                                            \
        _Pragma("omp simd reduction(|:bad)")                                  \
        for (ptrdiff_t i = 0; i < n; i++)                                     \
            bad |= (U)((u[i] & EXP) == EXP);                                  \
        return bad == 0;                                                      \
    }
FA_DEFINE_ALL_FINITE(float, uint32_t, f32, 0x7f800000u)
FA_DEFINE_ALL_FINITE(double, uint64_t, f64, 0x7ff0000000000000ull)

const fa_linear_table FA_CAT(fa_linear, FA_ISA_SUFFIX) = {
    FA_LOCAL(dot_f32), FA_LOCAL(dot_f64), FA_LOCAL(dot_f32_w64),
    FA_LOCAL(axpy_f32), FA_LOCAL(axpy_f64), FA_LOCAL(axpy_acc_f32), FA_LOCAL(axpy_acc_f64),
    FA_LOCAL(logistic_sgd_f32), FA_LOCAL(logistic_sgd_f64),
    FA_LOCAL(perceptron_f32), FA_LOCAL(perceptron_f64),
    FA_LOCAL(block_gradient_f32), FA_LOCAL(block_gradient_f64),
    FA_LOCAL(margins_f32), FA_LOCAL(margins_f64),
    FA_LOCAL(all_finite_f32), FA_LOCAL(all_finite_f64),
#ifdef FA_HAS_HAND_DOT
    /* later designators replace the generic loops' entries */
    .dot_f32 = FA_LOCAL(hand_dot_f32),
    .dot_f64 = FA_LOCAL(hand_dot_f64),
    .dot_f32_w64 = FA_LOCAL(hand_dot_f32_w64),
#endif
};
