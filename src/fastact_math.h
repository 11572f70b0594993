/*
 * fastact_math.h -- branch-free scalar math for the activation kernels.
 *
 * Every function here is `static inline`, free of table look-ups and libm
 * calls, and written so that GCC/Clang vectorize a loop that calls it under
 * `#pragma omp simd` (selects instead of branches, integer tricks instead of
 * float->int conversions).  Loops compiled for different ISAs include this
 * header, so the vector body and the scalar tail run the same operations.
 *
 * Floating-point environment: the results never overflow and are never NaN
 * for a non-NaN input, but the status flags are not meaningful: ordered
 * compares on NaN lanes raise FE_INVALID (GCC vectorizes even isless() into
 * a signalling compare), e^-|x| may pass through the subnormals, and with
 * -fno-trapping-math the compiler may evaluate both sides of a select.  The
 * ufunc loops therefore clear the flags they raised themselves.
 *
 * Accuracy (max error in ULP of the exact result; float32 over all 2^32
 * inputs, float64 over 1e6 random and the edge values, against long double
 * and mpmath; README has the table):
 *   sigmoid 0.797 (f32, this function; the AVX-512 loop 0.920) 0.634 (f64), tanh 0.631 0.761, softplus 0.512 1.67;
 *   relu, step exact.  tests/ assert 1/1, 1/1 and 1/2 ULP on every ISA.
 * The exp polynomials are truncated Taylor series (coefficients 1/n!, 2/(2n+1))
 * on ranges small enough that the truncation is far below half an ULP;
 * float32 softplus and tanh use fitted polynomials (see fa_softplus_f32,
 * fa_tanh_f32).
 */
#ifndef FASTACT_MATH_H
#define FASTACT_MATH_H

#include <stdint.h>
#include <string.h>

/* Every function here is inlined into the loops that call it, whatever the
 * compiler's size heuristics say: each kernel is instantiated twice (plain
 * and streaming-store loops, fastact_loops.c), and a call left in a loop
 * stops its vectorization (GCC 12 left 150 such calls, 10x slower). */
#if defined(__GNUC__) || defined(__clang__)
#define FA_INLINE inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#define FA_INLINE __forceinline
#else
#define FA_INLINE inline
#endif

/* An explicit fused multiply-add where the target has one, else a*b+c.
 * The build passes -ffp-contract=off, so these are the only FMAs: all ISAs
 * with FMA give bitwise identical results. */
#if defined(__FMA__) && (defined(__GNUC__) || defined(__clang__))
#define FA_FMAF(a, b, c) __builtin_fmaf((a), (b), (c))
#define FA_FMA(a, b, c) __builtin_fma((a), (b), (c))
#else
#define FA_FMAF(a, b, c) ((a) * (b) + (c))
#define FA_FMA(a, b, c) ((a) * (b) + (c))
#endif

static FA_INLINE uint32_t fa_bits_f32(float x) { uint32_t u; memcpy(&u, &x, sizeof u); return u; }
static FA_INLINE float fa_from_bits_f32(uint32_t u) { float x; memcpy(&x, &u, sizeof x); return x; }
static FA_INLINE uint64_t fa_bits_f64(double x) { uint64_t u; memcpy(&u, &x, sizeof u); return u; }
static FA_INLINE double fa_from_bits_f64(uint64_t u) { double x; memcpy(&x, &u, sizeof x); return x; }

static FA_INLINE float fa_abs_f32(float x) { return fa_from_bits_f32(fa_bits_f32(x) & 0x7fffffffu); }
static FA_INLINE double fa_abs_f64(double x) { return fa_from_bits_f64(fa_bits_f64(x) & 0x7fffffffffffffffull); }

/* 2^k for k in the normal exponent range. */
static FA_INLINE float fa_pow2_f32(int32_t k) { return fa_from_bits_f32((uint32_t)(k + 127) << 23); }
static FA_INLINE double fa_pow2_f64(int64_t k) { return fa_from_bits_f64((uint64_t)(k + 1023) << 52); }

/* |mag| with the sign of sgn (copysign). */
static FA_INLINE float fa_with_sign_f32(float mag, float sgn)
{
    return fa_from_bits_f32((fa_bits_f32(mag) & 0x7fffffffu) | (fa_bits_f32(sgn) & 0x80000000u));
}
static FA_INLINE double fa_with_sign_f64(double mag, double sgn)
{
    return fa_from_bits_f64((fa_bits_f64(mag) & 0x7fffffffffffffffull) |
                            (fa_bits_f64(sgn) & 0x8000000000000000ull));
}

/* n - y*d exactly, for y ~ n/d (so n - fl(y*d) is exact, Sterbenz): one FMA,
 * or Dekker's product splitting where the target has no FMA (the baseline
 * x86-64 build), so that every ISA keeps the compensated bounds. */
#if defined(__FMA__) && (defined(__GNUC__) || defined(__clang__))
#define FA_DEFINE_RESIDUAL(T, sfx, FMA, SPLIT) \
    static FA_INLINE T fa_residual_##sfx(T n, T y, T d) { return FMA(-y, d, n); }
#else
#define FA_DEFINE_RESIDUAL(T, sfx, FMA, SPLIT)                                \
    static FA_INLINE T fa_residual_##sfx(T n, T y, T d)                          \
    {                                                                         \
        T p = y * d;                                                          \
        T cy = SPLIT * y, y_hi = cy - (cy - y), y_lo = y - y_hi;              \
        T cd = SPLIT * d, d_hi = cd - (cd - d), d_lo = d - d_hi;              \
        T err = ((y_hi * d_hi - p) + y_hi * d_lo + y_lo * d_hi) + y_lo * d_lo; \
        return (n - p) - err;                                                 \
    }
#endif
FA_DEFINE_RESIDUAL(float, f32, FA_FMAF, 4097.0f)          /* 2^12 + 1 */
FA_DEFINE_RESIDUAL(double, f64, FA_FMA, 134217729.0)      /* 2^27 + 1 */

/* ------------------------------------------------------------------------
 * exp and expm1 for x <= 0 (the activations only need e^-|x| and e^-2|x|).
 * Cody-Waite: x = k*ln2 + r, |r| <= ln2/2, e^x = 2^k * e^r.  k comes from the
 * "add 1.5*2^23" rounding trick, read back from the bits, so there is no
 * float->int conversion.  e^r - 1 = r + r^2 * (1/2 + r/6 + ...), a truncated
 * Taylor series: below 2^-27 (float, to r^7) and 2^-62 (double, to r^13).
 * ------------------------------------------------------------------------ */

static const float fa_ln2_hi_f32 = 0x1.62ep-1f;        /* 13 bits: k*ln2_hi is exact */
static const float fa_ln2_lo_f32 = 0x1.0bfbe8p-15f;    /* ln2 - ln2_hi */
static const double fa_ln2_hi_f64 = 0x1.62e42fee00000p-1;   /* low 32 bits zero */
static const double fa_ln2_lo_f64 = 0x1.a39ef35793c76p-33;

/* r with x = k*ln2 + r, |r| <= ln2/2; x must lie in [-2^20, 0] or be NaN. */
static FA_INLINE float fa_reduce_ln2_f32(float x, int32_t *k)
{
    const float shifter = 0x1.8p23f;
    float kf = FA_FMAF(x, 0x1.715476p+0f, shifter);
    *k = (int32_t)(fa_bits_f32(kf) - fa_bits_f32(shifter));
    kf -= shifter;
    float r = FA_FMAF(kf, -fa_ln2_hi_f32, x);
    return FA_FMAF(kf, -fa_ln2_lo_f32, r);
}
static FA_INLINE double fa_reduce_ln2_f64(double x, int64_t *k)
{
    const double shifter = 0x1.8p52;
    double kf = FA_FMA(x, 0x1.71547652b82fep+0, shifter);
    *k = (int64_t)(fa_bits_f64(kf) - fa_bits_f64(shifter));
    kf -= shifter;
    double r = FA_FMA(kf, -fa_ln2_hi_f64, x);
    return FA_FMA(kf, -fa_ln2_lo_f64, r);
}

/* e^r - 1 - r = r^2 * (1/2 + r/6 + ...) for |r| <= ln2/2; truncation below
 * 2^-31 (tail8, to r^8: float's working precision) and 2^-62 (double, to
 * r^13) relative to e^r. */
#define FA_DEFINE_EXPM1_TAIL8(T, sfx, FMA)                                    \
    static FA_INLINE T fa_expm1_tail8_##sfx(T r)                                 \
    {                                                                         \
        T q = (T)1 / (T)40320;                                                \
        q = FMA(q, r, (T)1 / (T)5040);                                        \
        q = FMA(q, r, (T)1 / (T)720);                                         \
        q = FMA(q, r, (T)1 / (T)120);                                         \
        q = FMA(q, r, (T)1 / (T)24);                                          \
        q = FMA(q, r, (T)1 / (T)6);                                           \
        q = FMA(q, r, (T)0.5);                                                \
        return r * r * q;                                                     \
    }
FA_DEFINE_EXPM1_TAIL8(float, f32, FA_FMAF)
FA_DEFINE_EXPM1_TAIL8(double, f64, FA_FMA)

static FA_INLINE double fa_expm1_tail_f64(double r)
{
    double q = 1.0 / 6227020800.0;
    q = FA_FMA(q, r, 1.0 / 479001600.0);
    q = FA_FMA(q, r, 1.0 / 39916800.0);
    q = FA_FMA(q, r, 1.0 / 3628800.0);
    q = FA_FMA(q, r, 1.0 / 362880.0);
    q = FA_FMA(q, r, 1.0 / 40320.0);
    q = FA_FMA(q, r, 1.0 / 5040.0);
    q = FA_FMA(q, r, 1.0 / 720.0);
    q = FA_FMA(q, r, 1.0 / 120.0);
    q = FA_FMA(q, r, 1.0 / 24.0);
    q = FA_FMA(q, r, 1.0 / 6.0);
    q = FA_FMA(q, r, 0.5);
    return r * r * q;
}

/* The rounding error of fa_reduce_ln2_*'s r (ln2_lo*k is not exact). */
static FA_INLINE float fa_reduce_ln2_lo_f32(float x, float r)
{
    const float shifter = 0x1.8p23f;
    float kf = FA_FMAF(x, 0x1.715476p+0f, shifter) - shifter;
    float r1 = FA_FMAF(kf, -fa_ln2_hi_f32, x);
    return FA_FMAF(kf, -fa_ln2_lo_f32, r1 - r);
}
static FA_INLINE double fa_reduce_ln2_lo_f64(double x, double r)
{
    const double shifter = 0x1.8p52;
    double kf = FA_FMA(x, 0x1.71547652b82fep+0, shifter) - shifter;
    double r1 = FA_FMA(kf, -fa_ln2_hi_f64, x);
    return FA_FMA(kf, -fa_ln2_lo_f64, r1 - r);
}

/* x = k*ln2 + r, and e^r - 1 as hi + *lo: r + t summed exactly (Fast2Sum,
 * |r| >= |t|), the reduction's rounding error joining the low part.  The
 * first step of both hi + lo functions below. */
#define FA_DEFINE_EXPM1_REDUCED_HILO(T, sfx, I, TAIL)                         \
    static FA_INLINE T fa_expm1_reduced_hilo_##sfx(T x, I *k, T *lo)             \
    {                                                                         \
        T r = fa_reduce_ln2_##sfx(x, k);                                      \
        T t = TAIL(r);                                                        \
        T hi = r + t;                                                         \
        *lo = ((r - hi) + t) + fa_reduce_ln2_lo_##sfx(x, r);                  \
        return hi;                                                            \
    }
FA_DEFINE_EXPM1_REDUCED_HILO(float, f32, int32_t, fa_expm1_tail8_f32)
FA_DEFINE_EXPM1_REDUCED_HILO(double, f64, int64_t, fa_expm1_tail_f64)

/* e^x for x <= 0.  2^k is applied in two halves, so that a subnormal
 * result is rounded once, from the exact scaled value.  Below the clamp the
 * result rounds to 0 (float: e^-104 < 2^-150; double: e^-746 < 2^-1075). */
static FA_INLINE double fa_exp_nonpos_f64(double x)
{
    int64_t k;
    x = (x < -746.0) ? -746.0 : x;
    double r = fa_reduce_ln2_f64(x, &k);
    double p = 1.0 + (r + fa_expm1_tail_f64(r));
    int64_t k1 = k >> 1;                       /* arithmetic shift: floor(k/2) */
    return (p * fa_pow2_f64(k1)) * fa_pow2_f64(k - k1);
}

/* ------------------------------------------------------------------------
 * The same, to about twice the working precision: hi + *lo, with *lo holding
 * the rounding errors of the reduction, the polynomial and the final sums.
 * The compensated activations below divide once and correct the quotient
 * with an exact FMA residual, which is how they reach <= 1 ULP.
 * ------------------------------------------------------------------------ */

/* e^x for x <= 0 as hi + *lo; below CLAMP the result rounds to 0 (float
 * -104, double -746).  2^(k + SHIFT) is normal for every k >= CLAMP/ln2 and
 * the multiplication by 2^-SHIFT rounds once, so subnormal results too. */
#define FA_DEFINE_EXP_NONPOS_HILO(T, sfx, I, CLAMP, SHIFT, TWO_TO_MINUS_SHIFT)   \
    static FA_INLINE T fa_exp_nonpos_hilo_##sfx(T x, T *lo)                      \
    {                                                                         \
        I k;                                                                  \
        x = (x < CLAMP) ? CLAMP : x;                                          \
        T P_lo, P_hi = fa_expm1_reduced_hilo_##sfx(x, &k, &P_lo);             \
        T p_hi = (T)1 + P_hi;                                                 \
        T p_lo = (((T)1 - p_hi) + P_hi) + P_lo;                               \
        T s = fa_pow2_##sfx(k + SHIFT);                                       \
        *lo = (p_lo * s) * TWO_TO_MINUS_SHIFT;                                \
        return (p_hi * s) * TWO_TO_MINUS_SHIFT;                               \
    }
FA_DEFINE_EXP_NONPOS_HILO(float, f32, int32_t, -104.0f, 64, 0x1p-64f)
FA_DEFINE_EXP_NONPOS_HILO(double, f64, int64_t, -746.0, 600, 0x1p-600)

/* e^x - 1 for x <= 0 as hi + *lo: (2^k - 1) + 2^k * (e^r - 1), the first
 * part inexact once k < -24 (float) / -53 (double), so its error joins *lo.
 * Below CLAMP the result rounds to -1 (float -20, double -40). */
#define FA_DEFINE_EXPM1_NONPOS_HILO(T, sfx, I, CLAMP)                         \
    static FA_INLINE T fa_expm1_nonpos_hilo_##sfx(T x, T *lo)                    \
    {                                                                         \
        I k;                                                                  \
        x = (x < CLAMP) ? CLAMP : x;                                          \
        T P_lo, P_hi = fa_expm1_reduced_hilo_##sfx(x, &k, &P_lo);             \
        T s = fa_pow2_##sfx(k);                                               \
        T a = s - (T)1;                                                       \
        T a_lo = s - (a + (T)1);                                              \
        T b = s * P_hi;                                                       \
        T hi = a + b;        /* Fast2Sum: |a| >= |b| for k < 0, a = 0 for k = 0 */ \
        *lo = (((a - hi) + b) + a_lo) + s * P_lo;                             \
        return hi;                                                            \
    }
FA_DEFINE_EXPM1_NONPOS_HILO(float, f32, int32_t, -20.0f)
FA_DEFINE_EXPM1_NONPOS_HILO(double, f64, int64_t, -40.0)

/* ------------------------------------------------------------------------
 * log1p for 0 <= e <= 1 (softplus needs log1p(e^-|x|)).
 * u = 1 + e rounded, c = e - (u - 1) its exact rounding error (Fast2Sum).
 * u = 2^k * m with m in [sqrt(2)/2, sqrt(2)], f = m - 1 (exact),
 * s = f / (2 + f), log(m) = 2 atanh(s) = f - hf + s*(hf + R(s^2)) with
 * hf = f^2/2 and R(z) = 2z/3 + 2z^2/5 + ..., the last identity exact in
 * arithmetic (2s = f - s*f), so the large part f is never rounded.
 * log1p(e) = k*ln2 + log(m) + c/u.
 * ------------------------------------------------------------------------ */

static FA_INLINE double fa_log1p_unit_f64(double e)
{
    double u = 1.0 + e;
    double c = e - (u - 1.0);
    double kf = (u > 0x1.6a09e667f3bcdp+0) ? 1.0 : 0.0;
    double m = (u > 0x1.6a09e667f3bcdp+0) ? 0.5 * u : u;
    double f = m - 1.0;
    double s = f / (2.0 + f);
    double z = s * s;
    /* z <= 0.0295: terms up to z^11 leave < 2^-60 */
    double R = 2.0 / 23.0;
    R = FA_FMA(R, z, 2.0 / 21.0);
    R = FA_FMA(R, z, 2.0 / 19.0);
    R = FA_FMA(R, z, 2.0 / 17.0);
    R = FA_FMA(R, z, 2.0 / 15.0);
    R = FA_FMA(R, z, 2.0 / 13.0);
    R = FA_FMA(R, z, 2.0 / 11.0);
    R = FA_FMA(R, z, 2.0 / 9.0);
    R = FA_FMA(R, z, 2.0 / 7.0);
    R = FA_FMA(R, z, 2.0 / 5.0);
    R = FA_FMA(R, z, 2.0 / 3.0);
    R = R * z;
    double hf = 0.5 * f * f;
    double lo = FA_FMA(kf, fa_ln2_lo_f64, c / u);
    return FA_FMA(kf, fa_ln2_hi_f64, f - (hf - FA_FMA(s, hf + R, lo)));
}

/* ------------------------------------------------------------------------
 * The activations.
 * ------------------------------------------------------------------------ */

/* sigmoid(x) = N / D with e = e^-|x| <= 1, so nothing overflows:
 * x >= 0: 1/(1+e);  x < 0: e/(1+e), which keeps tiny (subnormal) results.
 * e and D = 1 + e are carried as hi + lo; the quotient y0 = N * (1/D_hi) is
 * corrected by the exact residual N - y0*D_hi (FMA) and the low parts.  One
 * division per element (the compiler would duplicate N/D into both arms of
 * the N select). */
#define FA_DEFINE_SIGMOID(T, sfx, FMA)                                        \
    static FA_INLINE T fa_sigmoid_##sfx(T x)                                     \
    {                                                                         \
        T e_lo, e_hi = fa_exp_nonpos_hilo_##sfx(-fa_abs_##sfx(x), &e_lo);     \
        T d_hi = (T)1 + e_hi;                                                 \
        T d_lo = (((T)1 - d_hi) + e_hi) + e_lo;                               \
        T n_hi = (x < 0) ? e_hi : (T)1;                                       \
        T n_lo = (x < 0) ? e_lo : (T)0;                                       \
        T rcp = (T)1 / d_hi;                                                  \
        T y = n_hi * rcp;                                                     \
        T corr = (fa_residual_##sfx(n_hi, y, d_hi) + n_lo) - y * d_lo;        \
        return FMA(corr, rcp, y);                                             \
    }
FA_DEFINE_SIGMOID(float, f32, FA_FMAF)
FA_DEFINE_SIGMOID(double, f64, FA_FMA)

/* tanh(|x|) = N / D with em = expm1(-2|x|) in [-1, 0], N = -em, D = em + 2:
 * no cancellation, full relative accuracy near 0, exactly 1 for large |x|.
 * Compensated as sigmoid. */
static FA_INLINE double fa_tanh_f64(double x)
{
    double ax = fa_abs_f64(x);
    ax = (ax > 20.0) ? 20.0 : ax;              /* tanh(20) rounds to 1 */
    double em_lo, em = fa_expm1_nonpos_hilo_f64(-2.0 * ax, &em_lo);
    double d_hi = em + 2.0;
    double d_lo = ((2.0 - d_hi) + em) + em_lo;
    double rcp = 1.0 / d_hi;
    double y = -em * rcp;
    double corr = (fa_residual_f64(-em, y, d_hi) - em_lo) - y * d_lo;
    return fa_with_sign_f64(FA_FMA(corr, rcp, y), x);
}

/* float tanh: a polynomial per interval of |x|, no exp and no division
 * (tools/fit_tanh_f32.py fits them and explains the construction).  The
 * interval is read from the bits of max(|x|, 0.125): one 16-entry table per
 * coefficient, which the AVX2 and AVX-512 loops (fastact_loops.c) read with
 * vpermps, 8 or 16 lanes at once -- compilers turn a table look-up into
 * gathers, or do not vectorize it at all.  tanh(c + t) = c0 + t * P(t) with
 * t = |x| - c exact and c0 = tanh(c) to 2^-38, so the last FMA rounds once;
 * below 0.1875, c = c0 = 0 and y = t + t * P(t).  Every step is an exact or
 * single-rounding operation that the vector loops repeat in the same order,
 * so scalar and vector results agree bitwise.  NaN stays NaN through t. */
#include "fastact_tanh_f32_table.h"

static FA_INLINE uint32_t fa_tanh_f32_interval(float ax)
{
    float a = (ax < 0.125f) ? 0.125f : ax;
    return (fa_bits_f32(a) >> FA_TANH_F32_SHIFT) & 15u;
}

static FA_INLINE float fa_tanh_f32(float x)
{
    const float (*T)[16] = fa_tanh_f32_table;
    float ax = fa_abs_f32(x);
    ax = (ax > 10.0f) ? 10.0f : ax;            /* tanh(9.02) rounds to 1 */
    uint32_t i = fa_tanh_f32_interval(ax);
    float t = ax - T[0][i];
    float p = T[8][i];
    p = FA_FMAF(p, t, T[7][i]);
    p = FA_FMAF(p, t, T[6][i]);
    p = FA_FMAF(p, t, T[5][i]);
    p = FA_FMAF(p, t, T[4][i]);
    p = FA_FMAF(p, t, T[3][i]);
    p = FA_FMAF(p, t, T[2][i]);
    float b = (ax < 0.1875f) ? t : T[1][i];
    return fa_with_sign_f32(FA_FMAF(t, p, b), x);
}

/* softplus(x) = max(x, 0) + log1p(e^-|x|): equals x for large x, e^x for
 * very negative x (down to the subnormals), never overflows. */
static FA_INLINE double fa_softplus_f64(double x)
{
    double e = fa_exp_nonpos_f64(-fa_abs_f64(x));
    double pos = (x > 0.0) ? x : 0.0;
    return pos + fa_log1p_unit_f64(e);
}

/* float: evaluated in double without a division.  t = e^-|x| to 2^-31
 * (tail to r^8), then log1p(t) = t * h(t) with h(t) = log1p(t)/t on [0, 1]
 * a degree-10 polynomial, relative error 2^-30.3 (a Lawson-weighted least
 * squares fit against mpmath; see the README's accuracy section).  One
 * rounding to float at the end: every result within 0.52 ULP.  The AVX-512
 * loop (fastact_loops.c) evaluates the same h from a table-driven e^-|x|. */
#define FA_SOFTPLUS_F32_H_DEGREE 10
static const double fa_softplus_f32_h[FA_SOFTPLUS_F32_H_DEGREE + 1] = {   /* t^10 .. t^0 */
    0x1.0a1b60e138698p-9, -0x1.b7563ece02cacp-7, 0x1.53ca017abe036p-5, -0x1.51ae5c7079c14p-4,
    0x1.fca8aeca75341p-4, -0x1.49d8320d25cb7p-3, 0x1.975cccd322c6bp-3, -0x1.ffbd431dc15b6p-3,
    0x1.55534e19e58f7p-2, -0x1.fffff38a46f9cp-2, 0x1.fffffff99db1dp-1,
};

static FA_INLINE float fa_softplus_f32(float xf)
{
    int64_t k;
    double x = (double)xf;
    double xr = -fa_abs_f64(x);
    xr = (xr < -104.0) ? -104.0 : xr;          /* e^-104 is below float's subnormals */
    double r = fa_reduce_ln2_f64(xr, &k);
    double t = (1.0 + (r + fa_expm1_tail8_f64(r))) * fa_pow2_f64(k);
    /* written out: a loop here (even of constant trip count) kept GCC 12 from
     * vectorizing the loops that call this function */
    const double *c = fa_softplus_f32_h;
    double h = FA_FMA(c[0], t, c[1]);
    h = FA_FMA(h, t, c[2]);
    h = FA_FMA(h, t, c[3]);
    h = FA_FMA(h, t, c[4]);
    h = FA_FMA(h, t, c[5]);
    h = FA_FMA(h, t, c[6]);
    h = FA_FMA(h, t, c[7]);
    h = FA_FMA(h, t, c[8]);
    h = FA_FMA(h, t, c[9]);
    h = FA_FMA(h, t, c[10]);
    double pos = (x > 0.0) ? x : 0.0;
    return (float)FA_FMA(t, h, pos);
}

/* relu(x) = max(x, 0); relu(-0) = +0 (the "+ 0" turns -0 into +0), NaN -> NaN. */
static FA_INLINE float fa_relu_f32(float x)
{
    float r = (x < 0.0f) ? 0.0f : x;
    return r + 0.0f;
}
static FA_INLINE double fa_relu_f64(double x)
{
    double r = (x < 0.0) ? 0.0 : x;
    return r + 0.0;
}

/* step(x) = 1 if x > 0 else 0 (step(+-0) = 0: a perceptron fires only when
 * w.x + b > 0); NaN -> NaN. */
static FA_INLINE float fa_step_f32(float x)
{
    float r = (x > 0.0f) ? 1.0f : 0.0f;
    return (x != x) ? x : r;
}
static FA_INLINE double fa_step_f64(double x)
{
    double r = (x > 0.0) ? 1.0 : 0.0;
    return (x != x) ? x : r;
}

/* The identity: a copy through the same loops, the benchmarks' yardstick. */
static FA_INLINE float fa_copy_f32(float x) { return x; }
static FA_INLINE double fa_copy_f64(double x) { return x; }

#endif /* FASTACT_MATH_H */
