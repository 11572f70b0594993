/*
 * fastact_loops.c -- the contiguous loops, compiled once per ISA.
 *
 * setup.py compiles this file several times with -DFA_ISA_SUFFIX=<isa> and
 * that ISA's -m flags; each copy exports its own table fa_kernels_<isa>.
 * `#pragma omp simd` (built with -fopenmp-simd, no OpenMP runtime needed)
 * lets the compiler vectorize the scalar math of fastact_math.h; the
 * remainder of n runs the same operations as scalars.
 */
#include "fastact_loops.h"
#include "fastact_math.h"

#include "fastact_isa.h"

#define FA_DEFINE_LOOP(name, T, suffix)                                       \
    static void FA_LOCAL(name##_##suffix)(const void *xv, void *yv, ptrdiff_t n) \
    {                                                                         \
        const T *x = (const T *)xv;                                           \
        T *y = (T *)yv;                                                       \
        _Pragma("omp simd")                                                   \
        for (ptrdiff_t i = 0; i < n; i++) {                                   \
            y[i] = fa_##name##_##suffix(x[i]);                                \
        }                                                                     \
    }

#define FA_DEFINE_LOOPS(name) \
    FA_DEFINE_LOOP(name, float, f32) \
    FA_DEFINE_LOOP(name, double, f64)
FA_UNARY_KERNELS(FA_DEFINE_LOOPS)

#define FA_TABLE_ENTRY(name) FA_LOCAL(name##_f32), FA_LOCAL(name##_f64),
const fa_kernel_table FA_CAT(fa_kernels, FA_ISA_SUFFIX) = {
    FA_UNARY_KERNELS(FA_TABLE_ENTRY)
};
