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

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FA_DOT_LANES 32

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
} fa_linear_table;

/* The table in use; filled by fa_dispatch_init (fastact_loops.h). */
extern fa_linear_table fa_linear;

/* Ask for the cache lines of x[0 .. bytes) ahead of use: SGD visits rows in
 * a shuffled order, which the hardware prefetchers cannot follow. */
static inline void fa_prefetch(const void *x, ptrdiff_t bytes)
{
#if defined(__GNUC__) || defined(__clang__)
    const char *c = (const char *)x;
    for (ptrdiff_t off = 0; off < bytes; off += 64) {
        __builtin_prefetch(c + off, 0, 3);
    }
#else
    (void)x;
    (void)bytes;
#endif
}

#ifdef __cplusplus
}
#endif

#endif /* FASTACT_LINEAR_H */
