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
 * Accuracy (max error in ULP of the exact result): float32 over all 2^32
 * inputs against a float64 oracle, float64 over ~4e7 adversarial inputs
 * (near the clamps, branch points and reduction boundaries) against long
 * double:  sigmoid 2.40 (f32) 2.46 (f64), tanh 2.50 2.59, softplus 1.64 1.67;
 * relu, step exact.  tests/ assert 3, 3 and 2 ULP on every ISA.
 * Polynomials are truncated Taylor series (coefficients 1/n!, 2/(2n+1)) on
 * ranges small enough that the truncation error is far below half an ULP.
 * (A minimax fit would save terms: a later speed step.)
 */
#ifndef FASTACT_MATH_H
#define FASTACT_MATH_H

#include <stdint.h>
#include <string.h>

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

static inline uint32_t fa_bits_f32(float x) { uint32_t u; memcpy(&u, &x, sizeof u); return u; }
static inline float fa_from_bits_f32(uint32_t u) { float x; memcpy(&x, &u, sizeof x); return x; }
static inline uint64_t fa_bits_f64(double x) { uint64_t u; memcpy(&u, &x, sizeof u); return u; }
static inline double fa_from_bits_f64(uint64_t u) { double x; memcpy(&x, &u, sizeof x); return x; }

static inline float fa_abs_f32(float x) { return fa_from_bits_f32(fa_bits_f32(x) & 0x7fffffffu); }
static inline double fa_abs_f64(double x) { return fa_from_bits_f64(fa_bits_f64(x) & 0x7fffffffffffffffull); }

/* |mag| with the sign of sgn (copysign). */
static inline float fa_with_sign_f32(float mag, float sgn)
{
    return fa_from_bits_f32((fa_bits_f32(mag) & 0x7fffffffu) | (fa_bits_f32(sgn) & 0x80000000u));
}
static inline double fa_with_sign_f64(double mag, double sgn)
{
    return fa_from_bits_f64((fa_bits_f64(mag) & 0x7fffffffffffffffull) |
                            (fa_bits_f64(sgn) & 0x8000000000000000ull));
}

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
static inline float fa_reduce_ln2_f32(float x, int32_t *k)
{
    const float shifter = 0x1.8p23f;
    float kf = FA_FMAF(x, 0x1.715476p+0f, shifter);
    *k = (int32_t)(fa_bits_f32(kf) - fa_bits_f32(shifter));
    kf -= shifter;
    float r = FA_FMAF(kf, -fa_ln2_hi_f32, x);
    return FA_FMAF(kf, -fa_ln2_lo_f32, r);
}
static inline double fa_reduce_ln2_f64(double x, int64_t *k)
{
    const double shifter = 0x1.8p52;
    double kf = FA_FMA(x, 0x1.71547652b82fep+0, shifter);
    *k = (int64_t)(fa_bits_f64(kf) - fa_bits_f64(shifter));
    kf -= shifter;
    double r = FA_FMA(kf, -fa_ln2_hi_f64, x);
    return FA_FMA(kf, -fa_ln2_lo_f64, r);
}

/* e^r - 1 for |r| <= ln2/2. */
static inline float fa_expm1_poly_f32(float r)
{
    float q = 1.0f / 5040.0f;
    q = FA_FMAF(q, r, 1.0f / 720.0f);
    q = FA_FMAF(q, r, 1.0f / 120.0f);
    q = FA_FMAF(q, r, 1.0f / 24.0f);
    q = FA_FMAF(q, r, 1.0f / 6.0f);
    q = FA_FMAF(q, r, 0.5f);
    return FA_FMAF(r * r, q, r);
}
static inline double fa_expm1_poly_f64(double r)
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
    return FA_FMA(r * r, q, r);
}

/* e^x for x <= 0.  2^k is applied in two halves, so that a subnormal
 * result is rounded once, from the exact scaled value.  Below the clamp the
 * result rounds to 0 (float: e^-104 < 2^-150; double: e^-746 < 2^-1075). */
static inline float fa_exp_nonpos_f32(float x)
{
    int32_t k;
    x = (x < -104.0f) ? -104.0f : x;           /* NaN stays NaN */
    float p = 1.0f + fa_expm1_poly_f32(fa_reduce_ln2_f32(x, &k));
    int32_t k1 = k >> 1;                       /* arithmetic shift: floor(k/2) */
    float s1 = fa_from_bits_f32((uint32_t)(k1 + 127) << 23);
    float s2 = fa_from_bits_f32((uint32_t)(k - k1 + 127) << 23);
    return (p * s1) * s2;
}
static inline double fa_exp_nonpos_f64(double x)
{
    int64_t k;
    x = (x < -746.0) ? -746.0 : x;
    double p = 1.0 + fa_expm1_poly_f64(fa_reduce_ln2_f64(x, &k));
    int64_t k1 = k >> 1;
    double s1 = fa_from_bits_f64((uint64_t)(k1 + 1023) << 52);
    double s2 = fa_from_bits_f64((uint64_t)(k - k1 + 1023) << 52);
    return (p * s1) * s2;
}

/* e^x - 1 for x <= 0: 2^k * (e^r - 1) + (2^k - 1).  With k = 0 this is the
 * polynomial alone, so small |x| keeps full relative accuracy.  Below the
 * clamp the result rounds to -1 (float: -20, double: -40). */
static inline float fa_expm1_nonpos_f32(float x)
{
    int32_t k;
    x = (x < -20.0f) ? -20.0f : x;
    float pm1 = fa_expm1_poly_f32(fa_reduce_ln2_f32(x, &k));
    float s = fa_from_bits_f32((uint32_t)(k + 127) << 23);
    return FA_FMAF(s, pm1, s - 1.0f);
}
static inline double fa_expm1_nonpos_f64(double x)
{
    int64_t k;
    x = (x < -40.0) ? -40.0 : x;
    double pm1 = fa_expm1_poly_f64(fa_reduce_ln2_f64(x, &k));
    double s = fa_from_bits_f64((uint64_t)(k + 1023) << 52);
    return FA_FMA(s, pm1, s - 1.0);
}

/* ------------------------------------------------------------------------
 * log1p for 0 <= e <= 1 (softplus needs log1p(e^-|x|)).
 * u = 1 + e rounded, c = e - (u - 1) its exact rounding error (Fast2Sum).
 * u = 2^k * m with m in [sqrt(2)/2, sqrt(2)], f = m - 1 (exact),
 * s = f / (2 + f), log(m) = 2 atanh(s) = f - hf + s*(hf + R(s^2)) with
 * hf = f^2/2 and R(z) = 2z/3 + 2z^2/5 + ..., the last identity exact in
 * arithmetic (2s = f - s*f), so the large part f is never rounded.
 * log1p(e) = k*ln2 + log(m) + c/u.
 * ------------------------------------------------------------------------ */

static inline float fa_log1p_unit_f32(float e)
{
    float u = 1.0f + e;
    float c = e - (u - 1.0f);
    float kf = (u > 0x1.6a09e6p+0f) ? 1.0f : 0.0f;   /* sqrt(2) */
    float m = (u > 0x1.6a09e6p+0f) ? 0.5f * u : u;
    float f = m - 1.0f;
    float s = f / (2.0f + f);
    float z = s * s;
    /* |s| <= 0.1716, z <= 0.0295: terms up to z^5 leave < 2^-30 */
    float R = 2.0f / 11.0f;
    R = FA_FMAF(R, z, 2.0f / 9.0f);
    R = FA_FMAF(R, z, 2.0f / 7.0f);
    R = FA_FMAF(R, z, 2.0f / 5.0f);
    R = FA_FMAF(R, z, 2.0f / 3.0f);
    R = R * z;
    float hf = 0.5f * f * f;
    float lo = FA_FMAF(kf, fa_ln2_lo_f32, c / u);
    return FA_FMAF(kf, fa_ln2_hi_f32, f - (hf - FA_FMAF(s, hf + R, lo)));
}

static inline double fa_log1p_unit_f64(double e)
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

/* sigmoid(x) = 1/(1+e^-x), from e = e^-|x| <= 1 so nothing overflows:
 * x >= 0: 1/(1+e);  x < 0: e/(1+e), which keeps tiny (subnormal) results. */
static inline float fa_sigmoid_f32(float x)
{
    float e = fa_exp_nonpos_f32(-fa_abs_f32(x));
    float num = (x < 0.0f) ? e : 1.0f;
    return num / (1.0f + e);
}
static inline double fa_sigmoid_f64(double x)
{
    double e = fa_exp_nonpos_f64(-fa_abs_f64(x));
    double num = (x < 0.0) ? e : 1.0;
    return num / (1.0 + e);
}

/* tanh(|x|) = -em / (em + 2) with em = expm1(-2|x|) in [-1, 0]: no
 * cancellation, full relative accuracy near 0, exactly 1 for large |x|. */
static inline float fa_tanh_f32(float x)
{
    float ax = fa_abs_f32(x);
    ax = (ax > 10.0f) ? 10.0f : ax;            /* tanh(10) rounds to 1; avoids -2*huge */
    float em = fa_expm1_nonpos_f32(-2.0f * ax);
    return fa_with_sign_f32(-em / (em + 2.0f), x);
}
static inline double fa_tanh_f64(double x)
{
    double ax = fa_abs_f64(x);
    ax = (ax > 20.0) ? 20.0 : ax;              /* tanh(20) rounds to 1 */
    double em = fa_expm1_nonpos_f64(-2.0 * ax);
    return fa_with_sign_f64(-em / (em + 2.0), x);
}

/* softplus(x) = max(x, 0) + log1p(e^-|x|): equals x for large x, e^x for
 * very negative x (down to the subnormals), never overflows. */
static inline float fa_softplus_f32(float x)
{
    float e = fa_exp_nonpos_f32(-fa_abs_f32(x));
    float pos = (x > 0.0f) ? x : 0.0f;
    return pos + fa_log1p_unit_f32(e);
}
static inline double fa_softplus_f64(double x)
{
    double e = fa_exp_nonpos_f64(-fa_abs_f64(x));
    double pos = (x > 0.0) ? x : 0.0;
    return pos + fa_log1p_unit_f64(e);
}

/* relu(x) = max(x, 0); relu(-0) = +0 (the "+ 0" turns -0 into +0), NaN -> NaN. */
static inline float fa_relu_f32(float x)
{
    float r = (x < 0.0f) ? 0.0f : x;
    return r + 0.0f;
}
static inline double fa_relu_f64(double x)
{
    double r = (x < 0.0) ? 0.0 : x;
    return r + 0.0;
}

/* step(x) = 1 if x > 0 else 0 (step(+-0) = 0: a perceptron fires only when
 * w.x + b > 0); NaN -> NaN. */
static inline float fa_step_f32(float x)
{
    float r = (x > 0.0f) ? 1.0f : 0.0f;
    return (x != x) ? x : r;
}
static inline double fa_step_f64(double x)
{
    double r = (x > 0.0) ? 1.0 : 0.0;
    return (x != x) ? x : r;
}

#endif /* FASTACT_MATH_H */
