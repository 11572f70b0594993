/*
 * fastact_linear.h -- the inner products and updates of the linear learners.
 *
 * The dot product has a fixed shape so that its result is the same bits on
 * every ISA, for every thread count, and in the NumPy reference: products in
 * double (exact for float32 inputs), lane l of 8 accumulates the indices
 * j = l (mod 8) in order, and the lanes are combined as
 * ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)).  The build passes
 * -ffp-contract=off, so no FMA changes a rounding.  Compiled per ISA with
 * fastact_loops.c; plain C, no Python.
 */
#ifndef FASTACT_LINEAR_H
#define FASTACT_LINEAR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FA_DOT_LANES 8

typedef struct {
    double (*dot_f32)(const float *x, const float *w, ptrdiff_t n);
    double (*dot_f64)(const double *x, const double *w, ptrdiff_t n);
    /* w[j] += a * x[j], in the data's precision */
    void (*axpy_f32)(float *w, float a, const float *x, ptrdiff_t n);
    void (*axpy_f64)(double *w, double a, const double *x, ptrdiff_t n);
} fa_linear_table;

/* The table in use; filled by fa_dispatch_init (fastact_loops.h). */
extern fa_linear_table fa_linear;

#ifdef __cplusplus
}
#endif

#endif /* FASTACT_LINEAR_H */
