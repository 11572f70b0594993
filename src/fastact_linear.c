/*
 * fastact_linear.c -- dot and axpy for the linear learners, compiled once per
 * ISA like fastact_loops.c (setup.py defines FA_ISA_SUFFIX); see
 * fastact_linear.h for the fixed summation order.
 */
#include "fastact_linear.h"

#include "fastact_isa.h"

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

static inline __mmask8 fa_dot_mask(ptrdiff_t rem, int k)
{
    ptrdiff_t left = rem - 8 * k;
    return (__mmask8)(left >= 8 ? 0xFF : left > 0 ? (1u << left) - 1u : 0u);
}

#define FA_LOAD8_F32(p, m) _mm512_cvtps_pd(_mm256_maskz_loadu_ps((m), (p)))
#define FA_LOAD8_F64(p, m) _mm512_maskz_loadu_pd((m), (p))
#define FA_DEFINE_HAND_DOT(T, W, sfx, XLOAD, WLOAD)                           \
    static double FA_LOCAL(hand_dot_##sfx)(const T *x, const W *w, ptrdiff_t n) \
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
        if (j < n) {                                                          \
            for (int k = 0; k < 4; k++) {                                     \
                __mmask8 m = fa_dot_mask(n - j, k);                           \
                a[k] = _mm512_mask_add_pd(a[k], m, a[k],                      \
                                          _mm512_mul_pd(XLOAD(x + j + 8 * k, m), \
                                                        WLOAD(w + j + 8 * k, m))); \
            }                                                                 \
        }                                                                     \
        __m512d s = _mm512_add_pd(_mm512_add_pd(a[0], a[2]), _mm512_add_pd(a[1], a[3])); \
        __m256d h = _mm256_add_pd(_mm512_castpd512_pd256(s), _mm512_extractf64x4_pd(s, 1)); \
        __m128d q = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1)); \
        return _mm_cvtsd_f64(_mm_add_sd(q, _mm_unpackhi_pd(q, q)));           \
    }
FA_DEFINE_HAND_DOT(float, float, f32, FA_LOAD8_F32, FA_LOAD8_F32)
FA_DEFINE_HAND_DOT(double, double, f64, FA_LOAD8_F64, FA_LOAD8_F64)
FA_DEFINE_HAND_DOT(float, double, f32_w64, FA_LOAD8_F32, FA_LOAD8_F64)
#endif

const fa_linear_table FA_CAT(fa_linear, FA_ISA_SUFFIX) = {
    FA_LOCAL(dot_f32), FA_LOCAL(dot_f64), FA_LOCAL(dot_f32_w64),
    FA_LOCAL(axpy_f32), FA_LOCAL(axpy_f64), FA_LOCAL(axpy_acc_f32), FA_LOCAL(axpy_acc_f64),
#ifdef FA_HAS_HAND_DOT
    /* later designators replace the generic loops' entries */
    .dot_f32 = FA_LOCAL(hand_dot_f32),
    .dot_f64 = FA_LOCAL(hand_dot_f64),
    .dot_f32_w64 = FA_LOCAL(hand_dot_f32_w64),
#endif
};
