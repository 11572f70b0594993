/*
 * fastact_family.h -- the modern activations, the gradients of every
 * activation, and float16 <-> float32 conversion.
 *
 * Same rules as fastact_math.h (branch-free, vectorizable, no libm): each
 * function of x and up to two parameters p[0], p[1] (doubles, PyTorch's
 * meaning) exists for double; float32 evaluates the double function on the
 * widened input and rounds once, so its error is the double function's
 * relative error (< 2^-45 here) plus half an ULP: every float32 result is
 * within 0.5 ULP + 2^-21 ULP of the exact one, nearly always correctly
 * rounded.  float16 goes through float32 (the ufunc loops convert blocks),
 * then rounds to float16: a second rounding, off by one float16 ULP on a
 * few ties.
 *
 * Gradients take grad_output g and the input x -- or, where PyTorch does
 * and it is cheaper and as accurate, the forward output y (sigmoid, tanh) --
 * and return g * f'(.).
 *
 * float64 accuracy (max ULP, measured by tests/test_family.py on 1e6
 * random inputs plus the edge values, and asserted there): see FA_FAMILY
 * bounds in tests/helpers.py and the README table.
 */
#ifndef FASTACT_FAMILY_H
#define FASTACT_FAMILY_H

#include <math.h>      /* INFINITY */

#include "fastact_math.h"

/* ------------------------------------------------------------------------
 * float16, bit-exact and branch-free (the same on every ISA).
 * half -> float is exact: the half's bits shifted into a float's place, then
 * scaled by 2^112 (exact, subnormal halves included); inf and NaN get the
 * float's all-ones exponent.
 * float -> half rounds to nearest even: overflow gives inf, NaN a quiet
 * NaN; subnormal halves round by one float addition of 0.5 (whose ULP is
 * the half subnormal's); normal ones by adding the rounding bias to the bits
 * (after F. Giesen's float_to_half_fast3_rtne).
 * ------------------------------------------------------------------------ */
static FA_INLINE float fa_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t em = h & 0x7fffu;
    uint32_t r = fa_bits_f32(fa_from_bits_f32(em << 13) * 0x1p112f);
    r = (em >= 0x7c00u) ? (r | 0x7f800000u) : r;
    return fa_from_bits_f32(r | sign);
}

static FA_INLINE uint16_t fa_f32_to_f16(float f)
{
    uint32_t x = fa_bits_f32(f);
    uint32_t sign = x & 0x80000000u;
    x ^= sign;
    uint32_t big = (x > 0x7f800000u) ? 0x7e00u : 0x7c00u;              /* NaN, or inf */
    uint32_t tiny = fa_bits_f32(fa_from_bits_f32(x) + 0.5f) - 0x3f000000u;
    uint32_t normal = (x + 0xc8000fffu + ((x >> 13) & 1u)) >> 13;        /* rebias -112, round */
    uint32_t o = (x >= 0x47800000u) ? big : ((x < 0x38800000u) ? tiny : normal);
    return (uint16_t)(o | (sign >> 16));
}

/* a * e^x for x <= 0, rounded as the product of a and one accurate e^x:
 * e^x = 2^k * p, and a * p is scaled by 2^k in two exact halves, so that a
 * subnormal result is rounded once from the normal a * p (a * e^x with e^x
 * already subnormal would keep only its few bits).  Below -800 the result
 * is +-0 (exact for |a| < 2^100; the callers' a are x or 1 + x there, whose
 * product with e^x vanishes). */
static FA_INLINE double fa_mul_exp_nonpos_f64(double a, double x)
{
    int64_t k;
    double xc = (x < -800.0) ? -800.0 : x;
    double r = fa_reduce_ln2_f64(xc, &k);
    double p = 1.0 + (r + fa_expm1_tail_f64(r));
    int64_t k1 = k >> 1;
    double y = ((a * p) * fa_pow2_f64(k1)) * fa_pow2_f64(k - k1);
    return (x < -800.0) ? a * 0.0 : y;
}

/* Below this, 1 / (1 + e^x) is 1 to double precision (e^-37 < 2^-53): x *
 * sigmoid(x), mish and their gradients reduce to a * e^x. */
#define FA_TAIL_X (-37.0)

/* ------------------------------------------------------------------------
 * Forward, float64.  p: the parameters (unused ones ignored).
 * ------------------------------------------------------------------------ */

/* x > 0 ? x : slope * x (one rounding); NaN stays NaN. */
static FA_INLINE double fa_leaky_relu_f64(double x, const double *p)
{
    return (x > 0.0) ? x : x * p[0];
}

/* alpha * expm1(x) for x <= 0, from the hi + lo expm1: one rounding of the
 * product plus the low part, <= 1 ULP. */
static FA_INLINE double fa_alpha_expm1_nonpos(double x, double alpha, double alpha_lo)
{
    double lo, hi = fa_expm1_nonpos_hilo_f64((x < 0.0) ? x : 0.0, &lo);
    return FA_FMA(alpha, hi, FA_FMA(alpha_lo, hi, alpha * lo));
}

/* elu: x > 0 ? x : alpha * (e^x - 1); x = +-0 gives x (as alpha * expm1(x)
 * in IEEE arithmetic, and the float loops). */
static FA_INLINE double fa_elu_f64(double x, const double *p)
{
    double neg = fa_alpha_expm1_nonpos(x, p[0], 0.0);
    return (x >= 0.0) ? x : ((x != x) ? x : neg);
}

/* celu: max(0, x) + min(0, alpha * (e^(x/alpha) - 1)), alpha != 0 (checked
 * by the caller): x > 0 ? x : alpha * expm1(x / alpha). */
static FA_INLINE double fa_celu_f64(double x, const double *p)
{
    double neg = fa_alpha_expm1_nonpos(x / p[0], p[0], 0.0);
    return (x >= 0.0) ? x : ((x != x) ? x : neg);
}

/* selu: scale * (x > 0 ? x : alpha * (e^x - 1)), Klambauer et al.'s
 * constants (scale 1.0507009873554804934, alpha 1.6732632423543772848),
 * scale and scale * alpha each carried as hi + lo doubles (mpmath). */
#define FA_SELU_SCALE_HI 0x1.0cfabd6a91132p+0
#define FA_SELU_SCALE_LO 0x1.6fc7d272f2695p-55
#define FA_SELU_SA_HI 0x1.c212cc640f031p+0          /* scale * alpha */
#define FA_SELU_SA_LO 0x1.05161b045a1fep-56
static FA_INLINE double fa_selu_f64(double x, const double *p)
{
    (void)p;
    double neg = fa_alpha_expm1_nonpos(x, FA_SELU_SA_HI, FA_SELU_SA_LO);
    double pos = FA_FMA(FA_SELU_SCALE_HI, x, FA_SELU_SCALE_LO * x);
    return (x >= 0.0) ? pos : ((x != x) ? x : neg);       /* -0 gives -0 */
}

/* silu (swish): x * sigmoid(x); tiny for very negative x, never NaN for
 * finite x (the sigmoid is 0, not inf * 0). */
static FA_INLINE double fa_silu_f64(double x, const double *p)
{
    (void)p;
    double y = (x < FA_TAIL_X) ? fa_mul_exp_nonpos_f64(x, x) : x * fa_sigmoid_f64(x);
    return (x == -INFINITY) ? -0.0 : y;                /* the limit, not -inf * 0 */
}

/* mish: x * tanh(softplus(x)) without the two transcendental steps:
 * with u = e^x, tanh(log(1 + u)) = n / d, n = u(u + 2), d = n + 2; for x > 0
 * written in v = e^-x as n = 1 + 2v, d = n + 2v^2, so nothing overflows.
 * Returns t = n / d and *d_minus_n = d - n (2 or 2v^2, for the gradient). */
static FA_INLINE double fa_tanh_softplus_f64(double x, double *d_minus_n, double *d_out)
{
    double e = fa_exp_nonpos_f64(-fa_abs_f64(x));
    double pos_n = 1.0 + 2.0 * e, neg_n = e * (e + 2.0);
    double n = (x > 0.0) ? pos_n : neg_n;
    double dmn = (x > 0.0) ? 2.0 * e * e : 2.0;
    double d = n + dmn;
    *d_minus_n = dmn;
    *d_out = d;
    return n / d;
}

static FA_INLINE double fa_mish_f64(double x, const double *p)
{
    (void)p;
    double dmn, d;
    double y = (x < FA_TAIL_X) ? fa_mul_exp_nonpos_f64(x, x) : x * fa_tanh_softplus_f64(x, &dmn, &d);
    return (x == -INFINITY) ? -0.0 : y;
}

/* softsign: x / (1 + |x|); 1 + |x| is carried as hi + lo (TwoSum) and the
 * quotient corrected by its residual. */
static FA_INLINE double fa_softsign_f64(double x, const double *p)
{
    (void)p;
    double a = fa_abs_f64(x);
    double d = 1.0 + a;
    double bv = d - 1.0;
    double d_lo = (1.0 - (d - bv)) + (a - bv);
    double y = x / d;
    double r = fa_residual_f64(x, y, d) - y * d_lo;
    y = fa_with_sign_f64(y + r / d, x);     /* -0 stays -0 */
    return (a == a && a > 1e300) ? fa_with_sign_f64(1.0, x) : y;     /* inf / inf */
}

/* hardsigmoid: 0 for x <= -3, 1 for x >= 3, else x/6 + 1/2 = (x + 3) / 6,
 * with x + 3 as hi + lo and the quotient corrected: nearly correctly rounded. */
static FA_INLINE double fa_hardsigmoid_f64(double x, const double *p)
{
    (void)p;
    double t = x + 3.0;
    double bv = t - x;
    double t_lo = (x - (t - bv)) + (3.0 - bv);
    double y = t / 6.0;
    y = y + (fa_residual_f64(t, y, 6.0) + t_lo) / 6.0;
    y = (x <= -3.0) ? 0.0 : y;
    return (x >= 3.0) ? 1.0 : y;
}

/* hardswish: 0 for x <= -3, x for x >= 3, else x * (x + 3) / 6. */
static FA_INLINE double fa_hardswish_f64(double x, const double *p)
{
    double y = x * fa_hardsigmoid_f64(x, p);
    y = (x <= -3.0) ? 0.0 : y;
    return (x >= 3.0) ? x : y;
}

/* hardtanh: clamp to [min_val, max_val]; NaN stays NaN. */
static FA_INLINE double fa_hardtanh_f64(double x, const double *p)
{
    double r = (x < p[0]) ? p[0] : x;
    return (r > p[1]) ? p[1] : r;
}

/* relu6: clamp to [0, 6] (relu6(-0) = +0, as relu). */
static FA_INLINE double fa_relu6_f64(double x, const double *p)
{
    (void)p;
    double r = (x < 0.0) ? 0.0 : x;
    r = (r > 6.0) ? 6.0 : r;
    return r + 0.0;
}

/* log_sigmoid: log(1 / (1 + e^-x)) = -softplus(-x). */
static FA_INLINE double fa_log_sigmoid_f64(double x, const double *p)
{
    (void)p;
    return -fa_softplus_f64(-x);
}

/* threshold: x > threshold ? x : value (NaN stays NaN, as PyTorch's
 * x <= threshold ? value : x). */
static FA_INLINE double fa_threshold_f64(double x, const double *p)
{
    return (x <= p[0]) ? p[1] : x;
}

/* softplus with PyTorch's beta and threshold: x where beta * x > threshold,
 * else softplus(beta * x) / beta.  beta > 0 (checked by the caller).
 * beta * x is carried as hi + lo (an FMA): for very negative products the
 * rounding of beta * x alone would cost |beta * x| ULP of the result, since
 * softplus(u) ~ e^u there; softplus(hi + lo) = softplus(hi) + lo * sigmoid(hi). */
static FA_INLINE double fa_softplus_bt_f64(double x, const double *p)
{
    double bx = p[0] * x;
    double bx_lo = FA_FMA(p[0], x, -bx);
    bx_lo = (bx - bx == 0.0) ? bx_lo : 0.0;        /* bx infinite: no low part */
    double sp = FA_FMA(bx_lo, fa_sigmoid_f64(bx), fa_softplus_f64(bx));
    double y = sp / p[0];
    return (bx > p[1]) ? x : y;
}

/* gelu, exact ('none'): x * Phi(x), Phi the normal CDF.  With a = |x|,
 * Phi(-a) = erfc(a / sqrt 2) / 2 from libm's erfc (not vectorized; < 1 ULP),
 * a / sqrt 2 carried as hi + lo and its rounding corrected to first order
 * (erfc' = -2/sqrt(pi) e^(-z^2)), so that the error of the argument does not
 * grow with z.  x > 0: x - x Phi(-a), no cancellation.  a > 37: the
 * asymptotic series Phi(-a) = phi(a) / a * (1 - 1/a^2 + 3/a^4 - ...), with
 * phi(a) = e^(-a^2/2) / sqrt(2 pi) applied by fa_mul_exp_nonpos_f64 (a^2 as
 * hi + lo), so the subnormal results are rounded once. */
#define FA_INV_SQRT2_HI 0x1.6a09e667f3bcdp-1
#define FA_INV_SQRT2_LO (-0x1.bdd3413b26456p-55)
#define FA_TWO_OVER_SQRT_PI 0x1.20dd750429b6dp+0
#define FA_INV_SQRT_2PI 0x1.9884533d43651p-2

static FA_INLINE double fa_phi_neg_abs_f64(double a)      /* Phi(-a), a >= 0, a <= 37 */
{
    double z = a * FA_INV_SQRT2_HI;
    double z_lo = FA_FMA(a, FA_INV_SQRT2_HI, -z) + a * FA_INV_SQRT2_LO;
    z_lo = (z - z == 0.0) ? z_lo : 0.0;
    double e = erfc(z);
    double d = FA_TWO_OVER_SQRT_PI * exp(-z * z) * z_lo;
    return 0.5 * (e - d);
}

/* S(a) = 1 - 1/a^2 + 3/a^4 - 15/a^6 + ..., the asymptotic series of
 * Phi(-a) = phi(a) / a * S(a) (eight terms: < 2^-60 at a = 37). */
static FA_INLINE double fa_gelu_series_f64(double a)
{
    double v = 1.0 / (a * a);
    double s = 2027025.0;
    s = FA_FMA(s, -v, 135135.0);
    s = FA_FMA(s, -v, 10395.0);
    s = FA_FMA(s, -v, 945.0);
    s = FA_FMA(s, -v, 105.0);
    s = FA_FMA(s, -v, 15.0);
    s = FA_FMA(s, -v, 3.0);
    s = FA_FMA(s, -v, 1.0);
    return FA_FMA(s * v, -1.0, 1.0);       /* 1 - v (1 - 3v (...)) */
}

/* x Phi(x) for x = -a < -37: -e^(-a^2/2) / sqrt(2 pi) * S(a), with
 * e^(-(h + h_lo)/2) = e^(-h/2) (1 - h_lo/2), h + h_lo = a^2 exactly. */
static FA_INLINE double fa_gelu_tail_f64(double a)
{
    double h = a * a;
    double h_lo = FA_FMA(a, a, -h);
    return fa_mul_exp_nonpos_f64(-FA_INV_SQRT_2PI * fa_gelu_series_f64(a) * (1.0 - 0.5 * h_lo), -0.5 * h);
}

static FA_INLINE double fa_gelu_f64(double x, const double *p)
{
    (void)p;
    double a = fa_abs_f64(x);
    double ph = fa_phi_neg_abs_f64((a > 37.0) ? 37.0 : a);
    double y = (x > 0.0) ? FA_FMA(-x, ph, x) : x * ph;
    y = (x < -37.0) ? fa_gelu_tail_f64((a > 1e3) ? 1e3 : a) : y;      /* e^-500000 = 0 */
    y = (x > 37.0) ? x : y;                            /* x Phi(-x) < 2^-990 x */
    return (x == -INFINITY) ? -0.0 : y;
}

/* gelu, tanh approximation: 0.5 x (1 + tanh(u)), u = sqrt(2/pi)(x + 0.044715 x^3),
 * written as x * sigmoid(2u), which does not cancel for negative x.  2u is
 * rounded a few times, which its sigmoid amplifies by about |2u| in the
 * negative tail (see the README's bound). */
#define FA_GELU_K1 0x1.9884533d43651p+0          /* 2 sqrt(2/pi) */
#define FA_GELU_K3 0x1.2444f2a4d8b4bp-4          /* 2 sqrt(2/pi) 0.044715 */
static FA_INLINE double fa_gelu_tanh_f64(double x, const double *p)
{
    (void)p;
    double v = x * FA_FMA(FA_GELU_K3, x * x, FA_GELU_K1);
    double y = x * fa_sigmoid_f64(v);
    y = (x < -40.0) ? -0.0 : y;                        /* below -40 it rounds to -0 */
    return (x > 40.0) ? x : y;                         /* above 40, sigmoid(v) = 1 */
}

/* tanhshrink: x - tanh(x).  |x| < 0.5: its Taylor series, x^3/3 - 2x^5/15
 * + ... to x^39 (19 terms, from the Bernoulli numbers; the next is below
 * 2^-60 relative); else x - tanh(x) with tanh as the compensated hi + lo of
 * fa_tanh_f64 (x - hi exact, Sterbenz), whose ~2^-56 relative accuracy the
 * cancellation (at most 12x from 0.5 on) leaves within a few ULP. */
static const double fa_tanhshrink_series[19] = {
    0x1.eb3229047434cp-26, -0x1.2efe8db3aff1fp-24, 0x1.75cde6563fed9p-23, -0x1.cd299de4ae6bbp-22, 0x1.1c77df95c1c0dp-20, -0x1.5ef2da474e5b7p-19, 0x1.b0f72d3ee24e9p-18, -0x1.0b132d39a6050p-16, 0x1.497d8eea25259p-15, -0x1.967e18afcafadp-14, 0x1.f57d7734d1664p-13, -0x1.3558248036744p-11, 0x1.7da36452b75e3p-10, -0x1.d6d3d0e157de0p-9, 0x1.226e355e6c23dp-7, -0x1.664f4882c10fap-6, 0x1.ba1ba1ba1ba1cp-5, -0x1.1111111111111p-3, 0x1.5555555555555p-2
};
static FA_INLINE double fa_tanhshrink_f64(double x, const double *p)
{
    (void)p;
    double x2 = x * x;
    double s = fa_tanhshrink_series[0];
    for (int i = 1; i < 19; i++)
        s = FA_FMA(s, x2, fa_tanhshrink_series[i]);
    double series = (x * x2) * s;
    double ax = fa_abs_f64(x);
    double axc = (ax > 20.0) ? 20.0 : ax;
    double em_lo, em = fa_expm1_nonpos_hilo_f64(-2.0 * axc, &em_lo);
    double d_hi = em + 2.0;
    double d_lo = ((2.0 - d_hi) + em) + em_lo;
    double rcp = 1.0 / d_hi;
    double t = -em * rcp;
    double corr = ((fa_residual_f64(-em, t, d_hi) - em_lo) - t * d_lo) * rcp;
    double big = (axc - t) - corr;                              /* |x| - tanh|x| */
    big = (ax > 20.0) ? ax - 1.0 : big;
    double y = (ax < 0.5) ? series : fa_with_sign_f64(big, x);
    return (x != x) ? x : y;
}

/* ------------------------------------------------------------------------
 * Forward for float32 inputs, in double: fa_<name>_f32d.  By default the
 * float64 function; where that carries hi + lo care a float32 result does
 * not need, a plainer double formula whose relative error stays below
 * 2^-50, so that the one rounding to float still gives <= 0.5 + 2^-26 ULP.
 * ------------------------------------------------------------------------ */
#define fa_leaky_relu_f32d fa_leaky_relu_f64
#define fa_elu_f32d fa_elu_f64
#define fa_celu_f32d fa_celu_f64
#define fa_selu_f32d fa_selu_f64
#define fa_mish_f32d fa_mish_f64
#define fa_softsign_f32d fa_softsign_f64
#define fa_hardtanh_f32d fa_hardtanh_f64
#define fa_relu6_f32d fa_relu6_f64
#define fa_threshold_f32d fa_threshold_f64
#define fa_gelu_f32d fa_gelu_f64
#define fa_gelu_tanh_f32d fa_gelu_tanh_f64

/* silu: x sigmoid(x) = x n / (1 + e), e = e^-|x| (~1 ULP), n = 1 or e: four
 * roundings of 2^-53; e^-|x| stays normal for every float32 x that matters
 * (below -745 the result is -0). */
static FA_INLINE double fa_silu_f32d(double x, const double *p)
{
    (void)p;
    double e = fa_exp_nonpos_f64(-fa_abs_f64(x));
    double y = ((x < 0.0) ? x * e : x) / (1.0 + e);
    return (x == -INFINITY) ? -0.0 : y;
}

/* softplus(beta x) / beta without the low part of beta x: for a float x its
 * rounding costs |beta x| 2^-53 relative, below 2^-40 wherever a float32
 * result is not 0 or x. */
static FA_INLINE double fa_softplus_bt_f32d(double x, const double *p)
{
    double bx = p[0] * x;
    double y = fa_softplus_f64(bx) / p[0];
    return (bx > p[1]) ? x : y;
}

/* tanhshrink for a float x: below |x| = 2^-6 the series x^3/3 - 2x^5/15 +
 * 17x^7/315 (the next term is below 2^-38 relative); above, x - tanh(x) in
 * double with a plain tanh (-em / (em + 2), a few double ULP), whose error
 * the cancellation multiplies by at most 3 / x^2 = 2^13.6: below 2^-36. */
static FA_INLINE double fa_tanhshrink_f32d(double x, const double *p)
{
    (void)p;
    double x2 = x * x;
    double series = (x * x2) * FA_FMA(FA_FMA(17.0 / 315.0, x2, -2.0 / 15.0), x2, 1.0 / 3.0);
    double ax = fa_abs_f64(x);
    double axc = (ax > 20.0) ? 20.0 : ax;
    double lo, em = fa_expm1_nonpos_hilo_f64(-2.0 * axc, &lo);
    double t = -em / (em + 2.0);
    double big = (ax > 20.0) ? ax - 1.0 : axc - t;
    double y = (ax < 0x1p-6) ? series : fa_with_sign_f64(big, x);
    return (x != x) ? x : y;
}

/* x + 3 in double (exact unless |x| < 2^-29, and then within 2^-53), times
 * a rounded 1/6: relative error below 2^-51. */
static FA_INLINE double fa_hardsigmoid_f32d(double x, const double *p)
{
    (void)p;
    double y = (x + 3.0) * (1.0 / 6.0);
    y = (x <= -3.0) ? 0.0 : y;
    return (x >= 3.0) ? 1.0 : y;
}

/* x (x + 3) in double: relative error below 2^-51, as hardsigmoid's. */
static FA_INLINE double fa_hardswish_f32d(double x, const double *p)
{
    (void)p;
    double y = (x * (x + 3.0)) * (1.0 / 6.0);
    y = (x <= -3.0) ? 0.0 : y;
    return (x >= 3.0) ? x : y;
}

/* -softplus(-x) with float32 softplus (evaluated in double without a
 * division, <= 0.512 ULP over every float32 input). */
static FA_INLINE double fa_log_sigmoid_f32d(double x, const double *p)
{
    (void)p;
    return -(double)fa_softplus_f32(-(float)x);
}

/* ------------------------------------------------------------------------
 * Gradients, float64: g * f'(in), `in` being x, or y = f(x) where noted.
 * ------------------------------------------------------------------------ */

/* sigmoid, from y: g * y * (1 - y). */
static FA_INLINE double fa_grad_sigmoid_f64(double g, double y, const double *p)
{
    (void)p;
    return g * (y * (1.0 - y));
}

/* tanh, from y: g * (1 - y^2) = g * (1 - y)(1 + y) (no cancellation near 1). */
static FA_INLINE double fa_grad_tanh_f64(double g, double y, const double *p)
{
    (void)p;
    return g * ((1.0 - y) * (1.0 + y));
}

/* softplus (beta = 1): g * sigmoid(x). */
static FA_INLINE double fa_grad_softplus_f64(double g, double x, const double *p)
{
    (void)p;
    return g * fa_sigmoid_f64(x);
}

/* relu: g where x > 0, else 0 (PyTorch's subgradient 0 at 0). */
static FA_INLINE double fa_grad_relu_f64(double g, double x, const double *p)
{
    (void)p;
    double r = (x > 0.0) ? g : 0.0;
    return (x != x) ? x : r;
}

/* step: 0 everywhere (its derivative is 0 where it exists, as PyTorch's
 * heaviside has no gradient); NaN stays NaN. */
static FA_INLINE double fa_grad_step_f64(double g, double x, const double *p)
{
    (void)p;
    double r = g * 0.0;
    return (x != x) ? x : r;
}

static FA_INLINE double fa_grad_leaky_relu_f64(double g, double x, const double *p)
{
    double r = (x > 0.0) ? g : g * p[0];
    return (x != x) ? x : r;
}

/* elu: g for x > 0, else g * alpha * e^x. */
static FA_INLINE double fa_grad_elu_f64(double g, double x, const double *p)
{
    double r = (x > 0.0) ? g : g * fa_mul_exp_nonpos_f64(p[0], (x < 0.0) ? x : 0.0);
    return (x != x) ? x : r;
}

/* celu: g for x > 0, else g * e^(x / alpha), x / alpha carried as hi + lo
 * (its rounding alone would cost |x / alpha| ULP of e^(x / alpha)). */
static FA_INLINE double fa_grad_celu_f64(double g, double x, const double *p)
{
    double u = x / p[0];
    double u_lo = FA_FMA(-u, p[0], x) / p[0];
    u_lo = (u - u == 0.0) ? u_lo : 0.0;
    double e = fa_exp_nonpos_f64((u < 0.0) ? u : 0.0);
    double r = (x > 0.0) ? g : g * FA_FMA(e, u_lo, e);
    return (x != x) ? x : r;
}

static FA_INLINE double fa_grad_selu_f64(double g, double x, const double *p)
{
    (void)p;
    double r = (x > 0.0) ? g * FA_SELU_SCALE_HI
                         : g * fa_mul_exp_nonpos_f64(FA_SELU_SA_HI, (x < 0.0) ? x : 0.0);
    return (x != x) ? x : r;
}

/* silu: g * s * (1 + x * (1 - s)), s = sigmoid(x); below FA_TAIL_X it is
 * g * (1 + x) * e^x. */
static FA_INLINE double fa_grad_silu_f64(double g, double x, const double *p)
{
    (void)p;
    double s = fa_sigmoid_f64(x);
    double sn = fa_sigmoid_f64(-x);                    /* 1 - s, accurately */
    double tail = fa_mul_exp_nonpos_f64(1.0 + x, x);
    double r = (x < FA_TAIL_X) ? g * tail : g * (s * FA_FMA(x, sn, 1.0));
    return (x == -INFINITY) ? g * 0.0 : r;
}

/* mish: d/dx x tanh(sp(x)) = t + x * sigmoid(x) * (1 - t^2), t = n / d,
 * 1 - t^2 = (d - n)(d + n) / d^2 with d - n exact enough (2 or 2v^2). */
static FA_INLINE double fa_grad_mish_f64(double g, double x, const double *p)
{
    (void)p;
    double dmn, d;
    double t = fa_tanh_softplus_f64(x, &dmn, &d);
    double one_minus_t2 = (dmn / d) * ((2.0 * d - dmn) / d);
    double tail = fa_mul_exp_nonpos_f64(1.0 + x, x);    /* t ~ e^x there, as silu */
    double r = (x < FA_TAIL_X) ? g * tail : g * FA_FMA(x * fa_sigmoid_f64(x), one_minus_t2, t);
    return (x == -INFINITY) ? g * 0.0 : r;
}

/* softsign: g / (1 + |x|)^2. */
static FA_INLINE double fa_grad_softsign_f64(double g, double x, const double *p)
{
    (void)p;
    double d = 1.0 + fa_abs_f64(x);
    return g / (d * d);
}

/* hardsigmoid: g / 6 on (-3, 3), else 0. */
static FA_INLINE double fa_grad_hardsigmoid_f64(double g, double x, const double *p)
{
    (void)p;
    double r = (x > -3.0 && x < 3.0) ? g / 6.0 : 0.0;
    return (x != x) ? x : r;
}

/* hardswish: 0 for x < -3, g for x > 3, else g * (2x + 3) / 6 (PyTorch's
 * choice at the edges: x = -3 gives g * -1/2, x = 3 gives g * 3/2). */
static FA_INLINE double fa_grad_hardswish_f64(double g, double x, const double *p)
{
    (void)p;
    double r = (x < -3.0) ? 0.0 : ((x > 3.0) ? g : g * ((2.0 * x + 3.0) / 6.0));
    return (x != x) ? x : r;
}

/* hardtanh: g inside (min_val, max_val), else 0 (PyTorch: 0 at the edges). */
static FA_INLINE double fa_grad_hardtanh_f64(double g, double x, const double *p)
{
    double r = (x > p[0] && x < p[1]) ? g : 0.0;
    return (x != x) ? x : r;
}

static FA_INLINE double fa_grad_relu6_f64(double g, double x, const double *p)
{
    (void)p;
    double r = (x > 0.0 && x < 6.0) ? g : 0.0;
    return (x != x) ? x : r;
}

/* log_sigmoid: g * sigmoid(-x). */
static FA_INLINE double fa_grad_log_sigmoid_f64(double g, double x, const double *p)
{
    (void)p;
    return g * fa_sigmoid_f64(-x);
}

/* threshold: g where x > threshold, else 0. */
static FA_INLINE double fa_grad_threshold_f64(double g, double x, const double *p)
{
    double r = (x <= p[0]) ? 0.0 : g;
    return (x != x) ? x : r;
}

/* softplus with beta and threshold: g where beta * x > threshold, else
 * g * sigmoid(beta * x). */
static FA_INLINE double fa_grad_softplus_bt_f64(double g, double x, const double *p)
{
    double bx = p[0] * x;
    double bx_lo = FA_FMA(p[0], x, -bx);            /* as in fa_softplus_bt_f64 */
    bx_lo = (bx - bx == 0.0) ? bx_lo : 0.0;
    double s = fa_sigmoid_f64(bx);
    s = FA_FMA(bx_lo * s, fa_sigmoid_f64(-bx), s);
    return (bx > p[1]) ? g : g * s;
}

/* gelu: Phi(x) + x phi(x); x < -37: -phi(a) (a - S(a)/a), through the same
 * tail helper's exponent handling. */
static FA_INLINE double fa_grad_gelu_f64(double g, double x, const double *p)
{
    (void)p;
    double a = fa_abs_f64(x);
    double ac = (a > 37.0) ? 37.0 : a;
    double ph = fa_phi_neg_abs_f64(ac);
    double h = ac * ac, h_lo = FA_FMA(ac, ac, -h);
    double dens = FA_INV_SQRT_2PI * fa_exp_nonpos_f64(-0.5 * h) * (1.0 - 0.5 * h_lo);
    dens = (a > 37.0) ? 0.0 : dens;                   /* x > 37: phi(x) x < 2^-1000 */
    double cdf = (x > 0.0) ? 1.0 - ph : ph;
    double r = g * FA_FMA(x, dens, cdf);
    /* tail: Phi(-a) - a phi(a) = -phi(a) (a - S(a) / a), a^2 as hi + lo */
    double at = (a > 1e3) ? 1e3 : a;                  /* the result is 0 from a = 38.6 */
    double th = at * at, th_lo = FA_FMA(at, at, -th);
    double tail = g * fa_mul_exp_nonpos_f64(
        -FA_INV_SQRT_2PI * (at - fa_gelu_series_f64(at) / at) * (1.0 - 0.5 * th_lo), -0.5 * th);
    r = (x < -37.0) ? tail : r;
    r = (x > 37.0) ? g : r;
    return (x != x) ? x : ((x == -INFINITY) ? g * 0.0 : r);
}

/* gelu (tanh): d/dx x s(v) = s(v) + x s(v)(1 - s(v)) v', v = x (k1 + k3 x^2),
 * v' = k1 + 3 k3 x^2. */
static FA_INLINE double fa_grad_gelu_tanh_f64(double g, double x, const double *p)
{
    (void)p;
    double x2 = x * x;
    double v = x * FA_FMA(FA_GELU_K3, x2, FA_GELU_K1);
    double s = fa_sigmoid_f64(v), sn = fa_sigmoid_f64(-v);
    double dv = FA_FMA(3.0 * FA_GELU_K3, x2, FA_GELU_K1);
    double r = g * FA_FMA(x * s, sn * dv, s);
    r = (x < -40.0) ? g * 0.0 : r;
    r = (x > 40.0) ? g : r;                            /* s = 1, x s (1 - s) -> 0 */
    return (x != x) ? x : r;
}

/* tanhshrink: 1 - (1 - tanh^2) = tanh(x)^2. */
static FA_INLINE double fa_grad_tanhshrink_f64(double g, double x, const double *p)
{
    (void)p;
    double t = fa_tanh_f64(x);
    return g * (t * t);
}

/* ------------------------------------------------------------------------
 * Gradients for float32 inputs, in double: fa_grad_<name>_f32d, as the
 * forward ones: the float64 function, or a plainer double formula.
 * ------------------------------------------------------------------------ */
#define FA_GRAD_F32D_DEFAULT(name) \
    static FA_INLINE double fa_grad_##name##_f32d(double g, double x, const double *p) \
    { return fa_grad_##name##_f64(g, x, p); }
FA_GRAD_F32D_DEFAULT(sigmoid)
FA_GRAD_F32D_DEFAULT(tanh)
FA_GRAD_F32D_DEFAULT(softplus)
FA_GRAD_F32D_DEFAULT(relu)
FA_GRAD_F32D_DEFAULT(step)
FA_GRAD_F32D_DEFAULT(leaky_relu)
FA_GRAD_F32D_DEFAULT(elu)
FA_GRAD_F32D_DEFAULT(celu)
FA_GRAD_F32D_DEFAULT(selu)
FA_GRAD_F32D_DEFAULT(mish)
FA_GRAD_F32D_DEFAULT(softsign)
FA_GRAD_F32D_DEFAULT(hardswish)
FA_GRAD_F32D_DEFAULT(hardtanh)
FA_GRAD_F32D_DEFAULT(relu6)
FA_GRAD_F32D_DEFAULT(log_sigmoid)
FA_GRAD_F32D_DEFAULT(threshold)
FA_GRAD_F32D_DEFAULT(gelu)
FA_GRAD_F32D_DEFAULT(gelu_tanh)
FA_GRAD_F32D_DEFAULT(tanhshrink)
#undef FA_GRAD_F32D_DEFAULT

/* silu: g s (1 + x (1 - s)), s and 1 - s from one e^-|x| and one division. */
static FA_INLINE double fa_grad_silu_f32d(double g, double x, const double *p)
{
    (void)p;
    double e = fa_exp_nonpos_f64(-fa_abs_f64(x));
    double r = 1.0 / (1.0 + e);
    double s = (x < 0.0) ? e * r : r;
    double sn = (x < 0.0) ? r : e * r;
    double y = g * (s * FA_FMA(x, sn, 1.0));
    return (x == -INFINITY) ? g * 0.0 : y;
}

/* hardsigmoid: g * (1/6) in double instead of g / 6 (vdivpd was the loop's
 * bottleneck).  The same float result: g / 6 for a float g is a float (3
 * divides g's significand) or has a non-terminating binary expansion, so
 * it is never within the product's 2^-52 relative error of a float
 * rounding boundary. */
static FA_INLINE double fa_grad_hardsigmoid_f32d(double g, double x, const double *p)
{
    (void)p;
    double r = (x > -3.0 && x < 3.0) ? g * (1.0 / 6.0) : 0.0;
    return (x != x) ? x : r;
}

/* softplus(beta, threshold): g sigmoid(beta x), without beta x's low part. */
static FA_INLINE double fa_grad_softplus_bt_f32d(double g, double x, const double *p)
{
    double bx = p[0] * x;
    return (bx > p[1]) ? g : g * fa_sigmoid_f64(bx);
}

/* ------------------------------------------------------------------------
 * softmax / log_softmax of one row, in double, vectorizable: the max (a
 * NaN or an infinite max gives a NaN row, as PyTorch's inf - inf), then
 * e_i = e^(x_i - max) with x_i - max carried as hi + lo (TwoSum), summed in
 * FA_SOFTMAX_LANES Neumaier lanes (selects, no branches) started from -1,
 * so the sum is 1 + rest with rest accurate even when tiny; the lanes'
 * sums and compensations are then combined in a fixed order.
 * ------------------------------------------------------------------------ */
#define FA_SOFTMAX_LANES 16

/* the rounding error of d = a - b (a, b finite or a = -inf: then 0) */
static FA_INLINE double fa_difference_lo(double a, double b, double d)
{
    double bv = d - a;
    double lo = (a - (d - bv)) + (-b - bv);
    return (lo == lo) ? lo : 0.0;
}

/* Neumaier-summed lanes of e[0..n), plus start; the lanes folded in order. */
static FA_INLINE double fa_lane_sum(const double *e, ptrdiff_t n, double start)
{
    double s[FA_SOFTMAX_LANES], c[FA_SOFTMAX_LANES];
    for (int l = 0; l < FA_SOFTMAX_LANES; l++) {
        s[l] = 0.0;
        c[l] = 0.0;
    }
    s[0] = start;
    ptrdiff_t i = 0;
    for (; i + FA_SOFTMAX_LANES <= n; i += FA_SOFTMAX_LANES) {
        _Pragma("omp simd")
        for (int l = 0; l < FA_SOFTMAX_LANES; l++) {
            double v = e[i + l];
            double t = s[l] + v;
            c[l] += (fa_abs_f64(s[l]) >= fa_abs_f64(v)) ? (s[l] - t) + v : (v - t) + s[l];
            s[l] = t;
        }
    }
    for (int l = 0; i + l < n; l++) {
        double v = e[i + l];
        double t = s[l] + v;
        c[l] += (fa_abs_f64(s[l]) >= fa_abs_f64(v)) ? (s[l] - t) + v : (v - t) + s[l];
        s[l] = t;
    }
    /* Neumaier over the lanes' sums and then their compensations, kept
     * apart: a lane holding 1 + tiny must not round its tiny away */
    double total = 0.0, comp = 0.0;
    for (int k = 0; k < 2 * FA_SOFTMAX_LANES; k++) {
        double v = (k < FA_SOFTMAX_LANES) ? s[k] : c[k - FA_SOFTMAX_LANES];
        double t = total + v;
        comp += (fa_abs_f64(total) >= fa_abs_f64(v)) ? (total - t) + v : (v - t) + total;
        total = t;
    }
    return total + comp;
}

#define FA_DEFINE_SOFTMAX_ROW(T, sfx)                                         \
    static FA_INLINE void fa_softmax_row_##sfx(const T *x, T *y, ptrdiff_t n, int log_out, \
                                            double *e)                        \
    {                                                                         \
        double m = -INFINITY;                                                 \
        int nan = 0;                                                          \
        _Pragma("omp simd reduction(max:m) reduction(|:nan)")                 \
        for (ptrdiff_t i = 0; i < n; i++) {                                   \
            double v = (double)x[i];                                          \
            m = (v > m) ? v : m;                                              \
            nan |= (v != v);                                                  \
        }                                                                     \
        if (nan || m == INFINITY || m == -INFINITY) {                         \
            for (ptrdiff_t i = 0; i < n; i++)                                 \
                y[i] = (T)NAN;                                                \
            return;                                                           \
        }                                                                     \
        _Pragma("omp simd")                                                   \
        for (ptrdiff_t i = 0; i < n; i++) {                                   \
            double v = (double)x[i];                                          \
            double d = v - m;                                                 \
            double ei = fa_exp_nonpos_f64(d);                                 \
            e[i] = FA_FMA(ei, fa_difference_lo(v, m, d), ei);                 \
        }                                                                     \
        double rest = fa_lane_sum(e, n, -1.0);                                \
        if (log_out) {                                                        \
            double log_total = log1p(rest);                                   \
            _Pragma("omp simd")                                               \
            for (ptrdiff_t i = 0; i < n; i++) {                               \
                double v = (double)x[i];                                      \
                double d = v - m;                                             \
                y[i] = (T)((d - log_total) + fa_difference_lo(v, m, d));      \
            }                                                                 \
        } else {                                                              \
            double total = 1.0 + rest;                                        \
            _Pragma("omp simd")                                               \
            for (ptrdiff_t i = 0; i < n; i++)                                 \
                y[i] = (T)(e[i] / total);                                     \
        }                                                                     \
    }                                                                         \
    /* backward: softmax out = y (g - sum(g y)); log_softmax out = g - e^y sum(g) */ \
    static FA_INLINE void fa_softmax_backward_row_##sfx(const T *g, const T *y, T *out, \
                                                     ptrdiff_t n, int log_out, double *e) \
    {                                                                         \
        _Pragma("omp simd")                                                   \
        for (ptrdiff_t i = 0; i < n; i++)                                     \
            e[i] = log_out ? (double)g[i] : (double)g[i] * (double)y[i];      \
        double total = fa_lane_sum(e, n, 0.0);                                \
        if (log_out) {                                                        \
            _Pragma("omp simd")                                               \
            for (ptrdiff_t i = 0; i < n; i++)                                 \
                out[i] = (T)((double)g[i] - exp((double)y[i]) * total);       \
        } else {                                                              \
            _Pragma("omp simd")                                               \
            for (ptrdiff_t i = 0; i < n; i++)                                 \
                out[i] = (T)((double)y[i] * ((double)g[i] - total));          \
        }                                                                     \
    }
FA_DEFINE_SOFTMAX_ROW(double, f64)

/* ------------------------------------------------------------------------
 * float32 rows.  A float result rounded once from a double one that is off
 * by 2^-32 is within 0.5 + 2^-8 ULP, so these skip the compensation of the
 * double rows above:
 * - x_i - max of two floats is exact in double, up to a rounding far below
 *   what e^(x_i - max) can feel (the whole difference is under 2^9);
 * - e^d comes from fa_exp_f32d (below), the sums are plain double lanes
 *   (error n 2^-53), one reciprocal for the row;
 * - the max's own 1s are counted apart from the e^d with d < 0, so that
 *   log_softmax's log1p(count - 1 + rest) keeps a tiny rest exactly as the
 *   double rows' Neumaier lanes do.
 * The FA_SOFTMAX_LANES lanes in a fixed order give the same bits on every ISA.
 * ------------------------------------------------------------------------ */

/* e^x in double to 2^-32 relative (Taylor to r^8 on |r| <= ln2/2, one-word
 * ln2: |k| <= 1100 puts its error below 2^-44), for float results.  Clamped
 * to [-746, 710], so +inf for x > 709.8, a rounded 0 or subnormal below
 * -708, NaN for NaN. */
static FA_INLINE double fa_exp_f32d(double x)
{
    const double shifter = 0x1.8p52;
    x = (x < -746.0) ? -746.0 : x;
    x = (x > 710.0) ? 710.0 : x;
    double kf = FA_FMA(x, 0x1.71547652b82fep+0, shifter);
    int64_t k = (int64_t)(fa_bits_f64(kf) - fa_bits_f64(shifter));
    kf -= shifter;
    double r = FA_FMA(kf, -0x1.62e42fefa39efp-1, x);
    double p = 1.0 + (r + fa_expm1_tail8_f64(r));
    int64_t k1 = k >> 1;                       /* arithmetic shift: floor(k/2) */
    return (p * fa_pow2_f64(k1)) * fa_pow2_f64(k - k1);
}

/* the FA_SOFTMAX_LANES lanes folded in order */
static FA_INLINE double fa_fold_lanes(const double *s)
{
    double t = 0.0;
    for (int l = 0; l < FA_SOFTMAX_LANES; l++)
        t += s[l];
    return t;
}

/* one lane step of the forward row: e^d stored where wanted, the max's 1s
 * (d = 0) counted apart from the rest */
#define FA_SOFTMAX_F32_LANE(j, l)                                                 do {                                                                              double d_ = (double)x[j] - m;                                                 double e_ = fa_exp_f32d(d_);                                                  if (!log_out)                                                                     e[j] = e_;                                                                int below_ = d_ < 0.0;                                                        rest[l] += below_ ? e_ : 0.0;                                                 ones[l] += below_ ? 0.0 : 1.0;                                            } while (0)

static FA_INLINE void fa_softmax_row_f32(const float *x, float *y, ptrdiff_t n, int log_out,
                                         double *e)
{
    float mf = -INFINITY;
    int nan = 0;
    _Pragma("omp simd reduction(max:mf) reduction(|:nan)")
    for (ptrdiff_t i = 0; i < n; i++) {
        float v = x[i];
        mf = (v > mf) ? v : mf;
        nan |= (v != v);
    }
    if (nan || mf == INFINITY || mf == -INFINITY) {
        for (ptrdiff_t i = 0; i < n; i++)
            y[i] = NAN;
        return;
    }
    double m = (double)mf;
    double rest[FA_SOFTMAX_LANES], ones[FA_SOFTMAX_LANES];
    for (int l = 0; l < FA_SOFTMAX_LANES; l++) {
        rest[l] = 0.0;
        ones[l] = 0.0;
    }
    ptrdiff_t i = 0;
    for (; i + FA_SOFTMAX_LANES <= n; i += FA_SOFTMAX_LANES) {
        _Pragma("omp simd")
        for (int l = 0; l < FA_SOFTMAX_LANES; l++)
            FA_SOFTMAX_F32_LANE(i + l, l);
    }
    for (int l = 0; i + l < n; l++)
        FA_SOFTMAX_F32_LANE(i + l, l);
    double r = fa_fold_lanes(rest), c = fa_fold_lanes(ones);
    if (log_out) {
        double log_total = log1p((c - 1.0) + r);
        _Pragma("omp simd")
        for (ptrdiff_t j = 0; j < n; j++)
            y[j] = (float)(((double)x[j] - m) - log_total);
    } else {
        double inv = 1.0 / (c + r);
        _Pragma("omp simd")
        for (ptrdiff_t j = 0; j < n; j++)
            y[j] = (float)(e[j] * inv);
    }
}
#undef FA_SOFTMAX_F32_LANE

/* backward: softmax out = y (g - sum(g y)) (the products exact in double);
 * log_softmax out = g - e^y sum(g) */
static FA_INLINE void fa_softmax_backward_row_f32(const float *g, const float *y, float *out,
                                                  ptrdiff_t n, int log_out, double *e)
{
    (void)e;
    double s[FA_SOFTMAX_LANES];
    for (int l = 0; l < FA_SOFTMAX_LANES; l++)
        s[l] = 0.0;
    ptrdiff_t i = 0;
    for (; i + FA_SOFTMAX_LANES <= n; i += FA_SOFTMAX_LANES) {
        _Pragma("omp simd")
        for (int l = 0; l < FA_SOFTMAX_LANES; l++)
            s[l] += log_out ? (double)g[i + l] : (double)g[i + l] * (double)y[i + l];
    }
    for (int l = 0; i + l < n; l++)
        s[l] += log_out ? (double)g[i + l] : (double)g[i + l] * (double)y[i + l];
    double total = fa_fold_lanes(s);
    if (log_out) {
        _Pragma("omp simd")
        for (ptrdiff_t j = 0; j < n; j++)
            out[j] = (float)((double)g[j] - fa_exp_f32d((double)y[j]) * total);
    } else {
        _Pragma("omp simd")
        for (ptrdiff_t j = 0; j < n; j++)
            out[j] = (float)((double)y[j] * ((double)g[j] - total));
    }
}

#endif /* FASTACT_FAMILY_H */
