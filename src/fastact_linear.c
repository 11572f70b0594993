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

const fa_linear_table FA_CAT(fa_linear, FA_ISA_SUFFIX) = {
    FA_LOCAL(dot_f32), FA_LOCAL(dot_f64), FA_LOCAL(dot_f32_w64),
    FA_LOCAL(axpy_f32), FA_LOCAL(axpy_f64), FA_LOCAL(axpy_acc_f32), FA_LOCAL(axpy_acc_f64),
};
