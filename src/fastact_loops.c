/*
 * fastact_loops.c -- the contiguous loops, compiled once per ISA.
 *
 * setup.py compiles this file several times with -DFA_ISA_SUFFIX=<isa> and
 * that ISA's -m flags; each copy exports its own table fa_kernels_<isa>.
 * `#pragma omp simd` (built with -fopenmp-simd, no OpenMP runtime needed)
 * lets the compiler vectorize the scalar math of fastact_math.h; the
 * remainder of n runs the same operations as scalars.
 *
 * On AVX-512 many float32 kernels are written by hand below (the later
 * designators of fa_family_<isa> at the end list them): in float, with
 * exact FMA products, one shared table exponential (fa_exp_parts_f32x16)
 * and 32-entry vpermt2ps tables, because on the CPUs we measure 512-bit
 * floating-point work issues on one port while permutes use another, and
 * the double functions pay two conversions per 8 lanes.  Each states its
 * error; tests/test_family.py and tests/test_isa.py hold them to it.
 */
#include "fastact_loops.h"
#include "fastact_math.h"
#include "fastact_family.h"

#include "fastact_isa.h"

#include <math.h>
#include <stdint.h>
#if defined(__SSE2__) || defined(_M_X64)
#include <immintrin.h>
#endif

/* Streaming (non-temporal) stores of one vector, FA_NT_BYTES wide, to an
 * address aligned to it (see fa_kernels_nt in fastact_loops.h).  The
 * streamed stores are weakly ordered: each nt loop ends with an sfence. */
#if defined(__AVX512F__)
#define FA_NT_BYTES 64
#define FA_NT_STORE(dst, src) _mm512_stream_si512((void *)(dst), _mm512_load_si512((const void *)(src)))
#elif defined(__AVX2__)
#define FA_NT_BYTES 32
#define FA_NT_STORE(dst, src) \
    _mm256_stream_si256((__m256i *)(void *)(dst), _mm256_load_si256((const __m256i *)(const void *)(src)))
#elif defined(__SSE2__) || defined(_M_X64)
#define FA_NT_BYTES 16
#define FA_NT_STORE(dst, src) \
    _mm_stream_si128((__m128i *)(void *)(dst), _mm_load_si128((const __m128i *)(const void *)(src)))
#endif
/* The streaming loops (and the hand-written float loops, plain or not)
 * prefetch their input this far ahead: the hardware prefetcher alone does
 * not keep the loads ahead of a compute-heavy loop (float32 tanh at 1e6:
 * 45 -> 50 GB/s in the plain loop).  Measured on the 2-core machine, AVX-512
 * float32 sigmoid, n = 1e8, 2 threads: 24 GB/s without, 32 / 37.7 / 37.9 /
 * 38.6 at 1 / 4 / 8 / 16 KiB ahead (a streamed copy: 40). */
#ifdef FA_NT_BYTES
#define FA_PREFETCH_BYTES 8192
#define FA_PREFETCH(p) _mm_prefetch((const char *)(p) + FA_PREFETCH_BYTES, _MM_HINT_T0)
#endif

#if defined(_MSC_VER)
#define FA_ALIGNED(decl) __declspec(align(64)) decl
#else
#define FA_ALIGNED(decl) decl __attribute__((aligned(64)))
#endif

/* Elements of T before y's first FA_NT_BYTES boundary, at most n; -1 when y
 * is not even aligned to T (then the caller stores plainly). */
#ifdef FA_NT_BYTES
static inline ptrdiff_t fa_nt_head(const void *y, ptrdiff_t itemsize, ptrdiff_t n)
{
    uintptr_t mis = (uintptr_t)y % FA_NT_BYTES;
    if (mis % (uintptr_t)itemsize != 0) {
        return -1;
    }
    ptrdiff_t head = mis ? (ptrdiff_t)(FA_NT_BYTES - mis) / itemsize : 0;
    return head < n ? head : n;
}
#endif

/* Elements of y to run before its first FA_NT_BYTES boundary, so that the
 * vector loop's stores (and the loads of inputs at the same offset) do not
 * straddle cache lines: NumPy's large arrays start 16 bytes past one, and
 * AVX-512 float32 hardtanh at 3e5 elements ran 12% slower so.  0 for short
 * rows, where the extra step would cost more. */
#define FA_ALIGN_MIN_N 256
static inline ptrdiff_t fa_align_head(const void *y, ptrdiff_t itemsize, ptrdiff_t n)
{
#ifdef FA_NT_BYTES
    ptrdiff_t head = n >= FA_ALIGN_MIN_N ? fa_nt_head(y, itemsize, n) : 0;
    return head > 0 ? head : 0;
#else
    (void)y, (void)itemsize, (void)n;
    return 0;
#endif
}

#define FA_DEFINE_LOOP(name, T, suffix)                                       \
    static void FA_LOCAL(name##_##suffix##_run)(const T *x, T *y, ptrdiff_t n) \
    {                                                                         \
        _Pragma("omp simd")                                                   \
        for (ptrdiff_t i = 0; i < n; i++) {                                   \
            y[i] = fa_##name##_##suffix(x[i]);                                \
        }                                                                     \
    }                                                                         \
    static void FA_LOCAL(name##_##suffix)(const void *xv, void *yv, ptrdiff_t n) \
    {                                                                         \
        const T *x = (const T *)xv;                                           \
        T *y = (T *)yv;                                                       \
        ptrdiff_t head = fa_align_head(y, sizeof(T), n);                      \
        FA_LOCAL(name##_##suffix##_run)(x, y, head);                          \
        FA_LOCAL(name##_##suffix##_run)(x + head, y + head, n - head);        \
    }

/* The streaming twin: the same scalar code, FA_NT_BYTES of results at a
 * time computed into an aligned block (which stays in a register or L1) and
 * streamed out.  The head before y's first aligned address and the tail run
 * the plain loop, so every element gets the same bits as there. */
#ifdef FA_NT_BYTES
#define FA_DEFINE_NT_LOOP(name, T, suffix)                                    \
    static void FA_LOCAL(name##_##suffix##_nt)(const void *xv, void *yv, ptrdiff_t n) \
    {                                                                         \
        enum { LANES = FA_NT_BYTES / sizeof(T) };                             \
        const T *x = (const T *)xv;                                           \
        T *y = (T *)yv;                                                       \
        ptrdiff_t i = fa_nt_head(y, sizeof(T), n);                            \
        if (i < 0) {                                                          \
            FA_LOCAL(name##_##suffix)(x, y, n);                               \
            return;                                                           \
        }                                                                     \
        FA_LOCAL(name##_##suffix)(x, y, i);                                   \
        for (; i + LANES <= n; i += LANES) {                                  \
            FA_ALIGNED(T block[LANES]);                                       \
            FA_PREFETCH(x + i);                                               \
            _Pragma("omp simd")                                               \
            for (int k = 0; k < LANES; k++) {                                 \
                block[k] = fa_##name##_##suffix(x[i + k]);                    \
            }                                                                 \
            FA_NT_STORE(y + i, block);                                        \
        }                                                                     \
        FA_LOCAL(name##_##suffix)(x + i, y + i, n - i);                       \
        _mm_sfence();                                                         \
    }
#else
#define FA_DEFINE_NT_LOOP(name, T, suffix)                                    \
    static void FA_LOCAL(name##_##suffix##_nt)(const void *xv, void *yv, ptrdiff_t n) \
    {                                                                         \
        FA_LOCAL(name##_##suffix)(xv, yv, n);                                 \
    }
#endif

#define FA_DEFINE_LOOPS(name) \
    FA_DEFINE_LOOP(name, float, f32) \
    FA_DEFINE_LOOP(name, double, f64) \
    FA_DEFINE_NT_LOOP(name, float, f32) \
    FA_DEFINE_NT_LOOP(name, double, f64)
FA_UNARY_KERNELS(FA_DEFINE_LOOPS)

/* The plain and the streaming table entry of a hand-written float loop
 * fa_<name>_f32_loop(x, y, n, stream), stream a constant in each. */
#define FA_DEFINE_BY_HAND_ENTRIES(name)                                       \
    static void FA_LOCAL(name##_f32_by_hand)(const void *x, void *y, ptrdiff_t n) \
    {                                                                         \
        fa_##name##_f32_loop((const float *)x, (float *)y, n, 0);             \
    }                                                                         \
    static void FA_LOCAL(name##_f32_by_hand_nt)(const void *x, void *y, ptrdiff_t n) \
    {                                                                         \
        fa_##name##_f32_loop((const float *)x, (float *)y, n, 1);             \
    }

/* An AVX-512 float loop writing y[i .. i + 16) = VEC(LOADS(i, m)), LOADS
 * the input vectors at i under the mask m, VEC a function of them (and of
 * what SETUP declares); PREFETCH(i) asks for the inputs ahead.  The head
 * before y's first 64-byte boundary (streaming, or fa_align_head's) and
 * the tail run the same code under a mask, so every
 * element gets the same bits at any position; stream selects the streamed
 * stores of fa_kernels_nt.  The inputs are prefetched either way. */
#define FA_APPLY(f, ...) f(__VA_ARGS__)
#define FA_MASKED_LOOP_BODY(SETUP, VEC, LOADS, PREFETCH)                      \
    {                                                                         \
        SETUP                                                                 \
        ptrdiff_t i = 0;                                                      \
        /* streamed stores need the head; plain ones are faster for it */    \
        ptrdiff_t head = stream ? fa_nt_head(y, sizeof(float), n)             \
                                : fa_align_head(y, sizeof(float), n);         \
        if (head < 0)                                                         \
            stream = 0;                                                       \
        else if (head > 0) {                                                  \
            __mmask16 m = (__mmask16)((1u << head) - 1u);                     \
            _mm512_mask_storeu_ps(y, m, FA_APPLY(VEC, LOADS(0, m)));          \
            i = head;                                                         \
        }                                                                     \
        for (; i + 16 <= n; i += 16) {                                        \
            PREFETCH(i);                                                      \
            __m512 v = FA_APPLY(VEC, LOADS(i, (__mmask16)0xFFFF));            \
            if (stream)                                                       \
                _mm512_stream_ps(y + i, v);                                   \
            else                                                              \
                _mm512_storeu_ps(y + i, v);                                   \
        }                                                                     \
        if (i < n) {                                                          \
            __mmask16 m = (__mmask16)((1u << (n - i)) - 1u);                  \
            _mm512_mask_storeu_ps(y + i, m, FA_APPLY(VEC, LOADS(i, m)));      \
        }                                                                     \
        if (stream)                                                           \
            _mm_sfence();                                                     \
    }

/* y = VEC(x), VEC a function of one vector of 16 lanes */
#define FA_LOADS_X(i, m) _mm512_maskz_loadu_ps((m), x + (i))
#define FA_PREFETCH_X(i) FA_PREFETCH(x + (i))
#define FA_DEFINE_MASKED_LOOP(name, SETUP, VEC)                               \
    static inline void fa_##name##_f32_loop(const float *x, float *y, ptrdiff_t n, int stream) \
    FA_MASKED_LOOP_BODY(SETUP, VEC, FA_LOADS_X, FA_PREFETCH_X)

/* y = VEC(g, x), for the gradients */
#define FA_LOADS_GX(i, m) _mm512_maskz_loadu_ps((m), g + (i)), _mm512_maskz_loadu_ps((m), x + (i))
#define FA_PREFETCH_GX(i) (FA_PREFETCH(g + (i)), FA_PREFETCH(x + (i)))
#define FA_DEFINE_MASKED_GRAD_LOOP(name, SETUP, VEC)                          \
    static inline void fa_##name##_grad_f32_loop(const float *g, const float *x, float *y, \
                                                 ptrdiff_t n, int stream)     \
    FA_MASKED_LOOP_BODY(SETUP, VEC, FA_LOADS_GX, FA_PREFETCH_GX)

/* float tanh by hand: its coefficients come from tables, which compilers do
 * not vectorize well (gathers, or a scalar loop), while one vpermps reads a
 * 16-entry table for 8 lanes (AVX2, two halves and a blend) and one
 * vpermt2ps a 32-entry table for 16 (AVX-512, below).  The AVX2 steps are
 * fa_tanh_f32's, in the same order, so every element gets the same bits as
 * the scalar tail (tests/test_isa.py checks it). */
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#define FA_TANH_F32_BY_HAND 1
#define FA_TANH_T(j) fa_tanh_f32_table[j]

/* stream: a compile-time constant at each call (the plain and the nt entry) */
#if defined(__AVX512F__)
/* AVX-512: four intervals per binade in 32-entry tables (vpermt2ps), so a
 * degree-5 polynomial (fastact_tanh_f32_table32.h, relative error 2^-26.1):
 * 7 look-ups and 5 FMAs against 9 and 7.  Head and tail run the same code
 * under a mask, so these are not fa_tanh_f32's bits (both within the bound). */
#include "fastact_tanh_f32_table32.h"

static inline __m512 fa_tanh_f32x16(__m512 x, const __m512 *T)
{
    const __m512i sign = _mm512_set1_epi32((int)0x80000000u);
    __m512i xb = _mm512_castps_si512(x);
    __m512 ax = _mm512_castsi512_ps(_mm512_andnot_si512(sign, xb));
    ax = _mm512_min_ps(_mm512_set1_ps(10.0f), ax);   /* min(a, b) returns b if NaN */
    __m512i k = _mm512_srli_epi32(_mm512_castps_si512(_mm512_max_ps(_mm512_set1_ps(0.125f), ax)),
                                  FA_TANH_F32_SHIFT32);      /* vpermt2ps reads k & 31 */
#define FA_TANH_ROW(j) _mm512_permutex2var_ps(T[2 * (j)], k, T[2 * (j) + 1])
    __m512 t = _mm512_sub_ps(ax, FA_TANH_ROW(0));
    __m512 p = FA_TANH_ROW(FA_TANH_F32_ROWS32 - 1);
    for (int j = FA_TANH_F32_ROWS32 - 2; j >= 2; j--)
        p = _mm512_fmadd_ps(p, t, FA_TANH_ROW(j));
    __m512 b = _mm512_mask_mov_ps(FA_TANH_ROW(1),
                                  _mm512_cmp_ps_mask(ax, _mm512_set1_ps(FA_TANH_F32_FIRST_END32),
                                                     _CMP_LT_OQ), t);
#undef FA_TANH_ROW
    __m512i r = _mm512_castps_si512(_mm512_fmadd_ps(t, p, b));
    /* r | (x & sign): r >= 0 */
    return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(r, xb, sign, 0xf8));
}

#define FA_TANH_SETUP                                                         \
    __m512 T[2 * FA_TANH_F32_ROWS32];                                         \
    for (int j = 0; j < FA_TANH_F32_ROWS32; j++) {                            \
        T[2 * j] = _mm512_loadu_ps(fa_tanh_f32_table32[j]);                   \
        T[2 * j + 1] = _mm512_loadu_ps(fa_tanh_f32_table32[j] + 16);          \
    }
#define FA_TANH_VEC(v) fa_tanh_f32x16((v), T)
FA_DEFINE_MASKED_LOOP(tanh, FA_TANH_SETUP, FA_TANH_VEC)
#else
static inline void fa_tanh_f32_loop(const float *x, float *y, ptrdiff_t n, int stream)
{
    ptrdiff_t i = 0;
    if (stream) {
        ptrdiff_t head = fa_nt_head(y, sizeof(float), n);
        if (head < 0) {
            stream = 0;
        }
        for (; i < head; i++)
            y[i] = fa_tanh_f32(x[i]);
    }
    __m256 T[FA_TANH_F32_ROWS][2];
    for (int j = 0; j < FA_TANH_F32_ROWS; j++) {
        T[j][0] = _mm256_loadu_ps(FA_TANH_T(j));
        T[j][1] = _mm256_loadu_ps(FA_TANH_T(j) + 8);
    }
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 ten = _mm256_set1_ps(10.0f), low = _mm256_set1_ps(0.125f);
    const __m256 first = _mm256_set1_ps(0.1875f);
#define FA_TANH_LOOKUP(j) \
    _mm256_blendv_ps(_mm256_permutevar8x32_ps(T[j][0], k), _mm256_permutevar8x32_ps(T[j][1], k), hi)
    for (; i + 8 <= n; i += 8) {
        FA_PREFETCH(x + i);
        __m256 xv = _mm256_loadu_ps(x + i);
        __m256 ax = _mm256_min_ps(ten, _mm256_andnot_ps(sign, xv));
        __m256i k = _mm256_srli_epi32(_mm256_castps_si256(_mm256_max_ps(low, ax)),
                                      FA_TANH_F32_SHIFT);   /* vpermps reads k & 7 */
        __m256 hi = _mm256_castsi256_ps(_mm256_slli_epi32(k, 28));   /* bit 3 -> sign */
        __m256 t = _mm256_sub_ps(ax, FA_TANH_LOOKUP(0));
        __m256 p = FA_TANH_LOOKUP(8);
        for (int j = 7; j >= 2; j--)
            p = _mm256_fmadd_ps(p, t, FA_TANH_LOOKUP(j));
        __m256 b = _mm256_blendv_ps(FA_TANH_LOOKUP(1), t, _mm256_cmp_ps(ax, first, _CMP_LT_OQ));
        __m256 r = _mm256_or_ps(_mm256_fmadd_ps(t, p, b), _mm256_and_ps(sign, xv));
        if (stream)
            _mm256_stream_ps(y + i, r);
        else
            _mm256_storeu_ps(y + i, r);
    }
#undef FA_TANH_LOOKUP
    for (; i < n; i++)
        y[i] = fa_tanh_f32(x[i]);
    if (stream)
        _mm_sfence();
}
#endif

FA_DEFINE_BY_HAND_ENTRIES(tanh)
#undef FA_TANH_T
#endif

/* The AVX-512 fast path of float sigmoid and softplus: on (-12, 12), a
 * polynomial of degree 7 per interval of width 3/4, every coefficient one
 * vpermt2ps from a 32-entry table (tools/fit_pw_f32.py; relative error of
 * the polynomials 2^-28.4), y = fma(t, P(t), c0) rounded once: about 22
 * operations per 16 lanes.  A vector takes it when all its lanes are in
 * range (an activation's inputs nearly always are); otherwise the general
 * kernel runs and the in-range lanes still take the table's value, so every
 * element's result depends on its input alone. */
#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include "fastact_pw_f32_table.h"

/* -v, exactly (the sign bit flipped, NaN too) */
static inline __m512 fa_neg_ps(__m512 v)
{
    return _mm512_xor_ps(v, _mm512_set1_ps(-0.0f));
}

static inline __mmask16 fa_pw_f32_in_range(__m512 x)
{
    return _mm512_cmp_ps_mask(_mm512_abs_ps(x), _mm512_set1_ps(FA_PW_F32_LIMIT), _CMP_LT_OQ);
}

/* T[2 j], T[2 j + 1]: row j of the table, 16 entries each.  The value is
 * c0 + t P(t): returns P, with t and c0. */
static inline __m512 fa_pw_f32x16_poly(__m512 x, const __m512 *T, __m512 *t_out, __m512 *c0)
{
    /* the interval: round(x * SCALE + OFFSET), read from the low bits of the rounded float */
    __m512i k = _mm512_castps_si512(_mm512_add_ps(
        _mm512_fmadd_ps(x, _mm512_set1_ps(FA_PW_F32_SCALE), _mm512_set1_ps(FA_PW_F32_OFFSET)),
        _mm512_set1_ps(0x1.8p23f)));
#define FA_PW_ROW(j) _mm512_permutex2var_ps(T[2 * (j)], k, T[2 * (j) + 1])
    __m512 t = _mm512_sub_ps(x, FA_PW_ROW(0));
    __m512 p = FA_PW_ROW(FA_PW_F32_ROWS - 1);
    for (int j = FA_PW_F32_ROWS - 2; j >= 2; j--)
        p = _mm512_fmadd_ps(p, t, FA_PW_ROW(j));
    *c0 = FA_PW_ROW(1);
#undef FA_PW_ROW
    *t_out = t;
    return p;
}

static inline __m512 fa_pw_f32x16(__m512 x, const __m512 *T)
{
    __m512 t, c0, p = fa_pw_f32x16_poly(x, T, &t, &c0);
    return _mm512_fmadd_ps(t, p, c0);
}

/* a * (c0 + t P(t)) for the table's function at x: a c0 exactly as hi + lo
 * (FMA), then a (t P) + lo added before the one rounding that matters:
 * about the table polynomial's error plus half an ULP (silu: a = x; the
 * gradients g * sigmoid), not the function's rounding error magnified by
 * the product's.  |a| >= 2^126 (where a c0's low part could overflow) and
 * a = 0 take the plain product of a and the rounded value. */
static inline __m512 fa_pw_f32x16_times(__m512 x, __m512 a, const __m512 *T)
{
    __m512 t, c0, p = fa_pw_f32x16_poly(x, T, &t, &c0);
    __m512 hi = _mm512_mul_ps(a, c0);
    __m512 lo = _mm512_fmsub_ps(a, c0, hi);                  /* a c0 - hi, exact */
    __m512 v = _mm512_add_ps(hi, _mm512_fmadd_ps(a, _mm512_mul_ps(t, p), lo));
    /* a = +-0 (-0 + +0 would give +0), |a| >= 2^126 (a c0's low part
     * could overflow, inf makes it NaN): the plain product a * f */
    __mmask16 plain = _mm512_cmp_ps_mask(_mm512_abs_ps(a), _mm512_set1_ps(0x1p126f), _CMP_NLT_UQ)
                      | _mm512_cmp_ps_mask(a, _mm512_setzero_ps(), _CMP_EQ_OQ);
    return _mm512_mask_mul_ps(v, plain, a, _mm512_fmadd_ps(t, p, c0));
}

#define fa_pw_f32x16_times_x(x, T) fa_pw_f32x16_times((x), (x), (T))

static inline void fa_pw_f32_load(__m512 *T, const float (*table)[32])
{
    for (int j = 0; j < FA_PW_F32_ROWS; j++) {
        T[2 * j] = _mm512_loadu_ps(table[j]);
        T[2 * j + 1] = _mm512_loadu_ps(table[j] + 16);
    }
}

/* The fast path's value where the whole vector is in range, else `general`
 * (computed by the caller only when needed) with the in-range lanes replaced. */
static inline int fa_pw_f32_all_in(__mmask16 in)
{
    return in == (__mmask16)0xFFFF;
}

static inline __m512 fa_pw_f32_merge(__m512 general, __mmask16 in, __m512 x, const __m512 *T)
{
    return in ? _mm512_mask_mov_ps(general, in, fa_pw_f32x16(x, T)) : general;
}
#endif

/* float sigmoid on AVX-512 by hand: e = e^-|x| from a 32-entry table of
 * 2^(j/32) (vpermt2ps) and a cubic, carried as hi + lo; y = N / (1 + e) with
 * N = 1 (x >= 0) or e (x < 0, kept unscaled so a subnormal result is
 * scaled, and rounded, once by vscalefps), from the 14-bit vrcp14ps
 * reciprocal corrected once by the FMA residual N - y0 * D (its error is
 * squared: 2^-28).  No division, no libm: about 30 operations per 16
 * lanes, against about 50 and a vdivps for the compiled fa_sigmoid_f32.
 * The general kernel: over all 2^32 inputs alone it was within 0.754 ULP,
 * 99.963% correctly rounded; with the table fast path above for |x| < 12,
 * 0.920 ULP, 99.18% (tests/test_exhaustive.py).  vrcp14ps has no portable C spelling, so
 * this loop is AVX-512 only, and the tail runs the same vector code under a
 * mask: every element of an array gets the same bits.  The AVX2 and
 * baseline builds keep fa_sigmoid_f32 (also within 1 ULP, not bitwise the
 * same: tests/test_isa.py). */
#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include "fastact_exp2_f32_table.h"
#define FA_SIGMOID_F32_BY_HAND 1

/* The sigmoid as y0 + *res * *rc, unscaled for x < 0 (*neg): the caller
 * scales by 2^*kj there; -|x| is clamped at `clamp`. */
static inline __m512 fa_sigmoid_f32x16_parts(__m512 x, float clamp, __m512 th0, __m512 th1,
                                              __m512 tl0, __m512 tl1, __m512 *res_out,
                                              __m512 *rc_out, __m512 *kj_out, __mmask16 *neg_out,
                                              __m512 *es_out, __m512 *esl_out)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 shifter = _mm512_set1_ps(0x1.8p18f);   /* ulp 1/32: rounds to k + j/32 */
    /* z = -min(|x|, -clamp); max() returns z if NaN */
    __m512 z = _mm512_max_ps(_mm512_set1_ps(clamp), _mm512_or_ps(x, _mm512_set1_ps(-0.0f)));
    __m512 kf = _mm512_fmadd_ps(z, _mm512_set1_ps(0x1.715476p+0f), shifter);
    __m512 kj = _mm512_sub_ps(kf, shifter);                 /* k + j/32, z ~ kj * ln2 */
    __m512 r = _mm512_fnmadd_ps(kj, _mm512_set1_ps(0x1.62ep-1f), z);   /* exact */
    r = _mm512_fnmadd_ps(kj, _mm512_set1_ps(0x1.0bfbe8p-15f), r);      /* |r| <= ln2/64 */
    /* e^r - 1 = r + r^2 (1/2 + r/6): truncation below 2^-30 */
    __m512 q = _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(1.0f / 6.0f), r, _mm512_set1_ps(0.5f)),
                               _mm512_mul_ps(r, r), r);
    __m512i j = _mm512_castps_si512(kf);                    /* vpermt2ps reads j & 31 */
    __m512 thi = _mm512_permutex2var_ps(th0, j, th1);
    __m512 tlo = _mm512_permutex2var_ps(tl0, j, tl1);
    /* e / 2^k = 2^(j/32) e^r = ehi + elo (Fast2Sum) */
    __m512 s = _mm512_fmadd_ps(thi, q, tlo);
    __m512 ehi = _mm512_add_ps(thi, s);
    __m512 elo = _mm512_add_ps(_mm512_sub_ps(thi, ehi), s);
    /* e scaled by 2^k (vscalefps uses floor(kj) = k); y0 = N / D to 2^-14 from
     * vrcp14ps of D = 1 + es + esl rounded; N = 1, or the unscaled e for x < 0
     * (sign bit set: -0 and NaN too, which give 0.5 and NaN either way) */
    __m512 es = _mm512_scalef_ps(ehi, kj);
    __m512 esl = _mm512_scalef_ps(elo, kj);
    __mmask16 neg = _mm512_movepi32_mask(_mm512_castps_si512(x));
    __m512 nhi = _mm512_mask_mov_ps(one, neg, ehi);
    __m512 rc = _mm512_rcp14_ps(_mm512_add_ps(one, es));
    __m512 y0 = _mm512_mul_ps(nhi, rc);
    /* the residual N - y0 D, N - y0 exact (Sterbenz: y0 in [N/2, N]) */
    __m512 res = _mm512_fnmadd_ps(y0, es, _mm512_sub_ps(nhi, y0));
    res = _mm512_fnmadd_ps(y0, esl, res);
    res = _mm512_mask_add_ps(res, neg, res, elo);
    *res_out = res;
    *rc_out = rc;
    *kj_out = kj;
    *neg_out = neg;
    *es_out = es;
    *esl_out = esl;
    return y0;
}

static inline __m512 fa_sigmoid_f32x16(__m512 x, __m512 th0, __m512 th1, __m512 tl0, __m512 tl1)
{
    /* e^-104 rounds to 0 */
    __m512 res, rc, kj, es, esl;
    __mmask16 neg;
    __m512 y0 = fa_sigmoid_f32x16_parts(x, -104.0f, th0, th1, tl0, tl1, &res, &rc, &kj, &neg, &es, &esl);
    __m512 y = _mm512_fmadd_ps(res, rc, y0);
    return _mm512_mask_scalef_ps(y, neg, y, kj);
}

static inline __m512 fa_sigmoid_f32x16_any(__m512 x, const __m512 *P, __m512 th0, __m512 th1,
                                            __m512 tl0, __m512 tl1)
{
    __mmask16 in = fa_pw_f32_in_range(x);
    if (fa_pw_f32_all_in(in))
        return fa_pw_f32x16(x, P);
    return fa_pw_f32_merge(fa_sigmoid_f32x16(x, th0, th1, tl0, tl1), in, x, P);
}

#define FA_SIGMOID_SETUP                                                      \
    __m512 P[2 * FA_PW_F32_ROWS];                                             \
    fa_pw_f32_load(P, fa_pw_sigmoid_f32_table);                               \
    const __m512 th0 = _mm512_loadu_ps(fa_exp2_f32_table[0]);                 \
    const __m512 th1 = _mm512_loadu_ps(fa_exp2_f32_table[0] + 16);            \
    const __m512 tl0 = _mm512_loadu_ps(fa_exp2_f32_table[1]);                 \
    const __m512 tl1 = _mm512_loadu_ps(fa_exp2_f32_table[1] + 16);
#define FA_SIGMOID_VEC(v) fa_sigmoid_f32x16_any((v), P, th0, th1, tl0, tl1)
FA_DEFINE_MASKED_LOOP(sigmoid, FA_SIGMOID_SETUP, FA_SIGMOID_VEC)
FA_DEFINE_BY_HAND_ENTRIES(sigmoid)

/* float silu on AVX-512 by hand: x * sigmoid(x) from the kernel above, in
 * float (the generic loop evaluates the double function, at half the lanes
 * and with a division).  For x < 0 the product is formed with the unscaled
 * e / (1 + e) and then scaled by 2^k, so that x e^x is rounded once even
 * where e^x alone would be subnormal (x < -87; x e^x is normal down to
 * -88.7 and rounds to 0 below -108.6: the clamp is -112, and below it the
 * result is -0, the limit).  On |x| < 12 the table sigmoid times x.  In
 * both, x s is formed as x s_hi (exact, hi + lo) plus x times s's small
 * correction, rounded once: the sigmoid's own rounding is not magnified by
 * the product's (x * a rounded sigmoid measured 1.58 ULP). */
#define FA_SILU_F32_BY_HAND 1

static inline __m512 fa_silu_f32x16(__m512 x, __m512 th0, __m512 th1, __m512 tl0, __m512 tl1)
{
    __m512 res, rc, kj, es, esl;
    __mmask16 neg;
    __m512 y0 = fa_sigmoid_f32x16_parts(x, -112.0f, th0, th1, tl0, tl1, &res, &rc, &kj, &neg, &es, &esl);
    /* x (y0 + res rc), the sigmoid unscaled for x < 0: x y0 as hi + lo, so
     * that the product is rounded once, not the sigmoid and then the product */
    __m512 hi = _mm512_mul_ps(x, y0);
    __m512 lo = _mm512_fmsub_ps(x, y0, hi);
    __m512 v = _mm512_add_ps(hi, _mm512_fmadd_ps(x, _mm512_mul_ps(res, rc), lo));
    v = _mm512_mask_scalef_ps(v, neg, v, kj);
    /* above 20 the sigmoid rounds to 1 (and inf would make lo NaN): x */
    v = _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(x, _mm512_set1_ps(20.0f), _CMP_GT_OQ), x);
    /* below the clamp (and at -inf): -0 */
    return _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(x, _mm512_set1_ps(-112.0f), _CMP_LT_OQ),
                              _mm512_set1_ps(-0.0f));
}

static inline __m512 fa_silu_f32x16_any(__m512 x, const __m512 *P, __m512 th0, __m512 th1,
                                         __m512 tl0, __m512 tl1)
{
    __mmask16 in = fa_pw_f32_in_range(x);
    if (fa_pw_f32_all_in(in))
        return fa_pw_f32x16_times_x(x, P);
    return _mm512_mask_mov_ps(fa_silu_f32x16(x, th0, th1, tl0, tl1), in, fa_pw_f32x16_times_x(x, P));
}

#define FA_SILU_VEC(v) fa_silu_f32x16_any((v), P, th0, th1, tl0, tl1)
FA_DEFINE_MASKED_LOOP(silu, FA_SIGMOID_SETUP, FA_SILU_VEC)

/* Its gradient, g s (1 + x (1 - s)), s = sigmoid(x), in float from the
 * same parts: 1 - s is e s (x >= 0, e = e^-x) or 1 / D refined once by
 * Newton (x < 0, D = 1 + e^x).  For x < 0 s is unscaled (times 2^-k), and
 * s (1 + x (1 - s)) is scaled by 2^k in two halves around the product with
 * g: rounded once where the result is subnormal, never overflowing on the
 * way.  Below -112 and at -inf the result is g * 0; above 20, g (at +inf
 * NaN, as 1 + inf * 0 in the float64 kernel and PyTorch).  The
 * terms cancel at the derivative's zero, x = -1.278; elsewhere within
 * 3 ULP (tests/test_family.py). */
static inline __m512 fa_silu_grad_f32x16(__m512 g, __m512 x, __m512 th0, __m512 th1,
                                          __m512 tl0, __m512 tl1)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 res, rc, kj, es, esl;
    __mmask16 neg;
    __m512 y0 = fa_sigmoid_f32x16_parts(x, -112.0f, th0, th1, tl0, tl1, &res, &rc, &kj, &neg, &es, &esl);
    __m512 s = _mm512_fmadd_ps(res, rc, y0);
    /* 1 / D to about 2^-28: D = 1 + es + esl as hi + lo, one Newton step
     * from rc (1 + x (1 - s) cancels near the derivative's zero, which
     * magnifies an error of 1 - s) */
    __m512 dh = _mm512_add_ps(one, es);
    __m512 dl = _mm512_add_ps(_mm512_add_ps(_mm512_sub_ps(one, dh), es), esl);
    __m512 e1 = _mm512_fnmadd_ps(dl, rc, _mm512_fnmadd_ps(dh, rc, one));
    __m512 inv = _mm512_fmadd_ps(e1, rc, rc);
    __m512 sn = _mm512_mask_mov_ps(_mm512_mul_ps(es, s), neg, inv);
    __m512 d = _mm512_mul_ps(s, _mm512_fmadd_ps(x, sn, one));
    /* x < 0: d is unscaled; 2^k in two halves around the product with g */
    __m512 k1 = _mm512_roundscale_ps(_mm512_mul_ps(kj, _mm512_set1_ps(0.5f)),
                                     _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    __m512 k = _mm512_roundscale_ps(kj, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    d = _mm512_mask_scalef_ps(d, neg, d, k1);
    __m512 v = _mm512_mul_ps(g, d);
    v = _mm512_mask_scalef_ps(v, neg, v, _mm512_sub_ps(k, k1));
    v = _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(x, _mm512_set1_ps(20.0f), _CMP_GT_OQ), g);
    /* at +inf the formula's 1 + inf * 0 is NaN, as the float64 kernel and PyTorch give */
    v = _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(x, _mm512_set1_ps(INFINITY), _CMP_EQ_OQ),
                           _mm512_set1_ps(NAN));
    return _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(x, _mm512_set1_ps(-112.0f), _CMP_LT_OQ),
                              _mm512_mul_ps(g, _mm512_setzero_ps()));
}

/* On |x| < 12 (the table fast path): s + x s', s and s' = s (1 - s) from
 * the sigmoid's and its derivative's tables. */
static inline __m512 fa_silu_grad_f32x16_any(__m512 g, __m512 x, const __m512 *P, const __m512 *Q,
                                              __m512 th0, __m512 th1, __m512 tl0, __m512 tl1)
{
    __mmask16 in = fa_pw_f32_in_range(x);
    __m512 table = _mm512_mul_ps(g, _mm512_fmadd_ps(x, fa_pw_f32x16(x, Q), fa_pw_f32x16(x, P)));
    if (fa_pw_f32_all_in(in))
        return table;
    return _mm512_mask_mov_ps(fa_silu_grad_f32x16(g, x, th0, th1, tl0, tl1), in, table);
}

#define FA_SILU_GRAD_VEC(gv, xv) fa_silu_grad_f32x16_any((gv), (xv), P, Q, th0, th1, tl0, tl1)
#define FA_SILU_GRAD_SETUP                                                    \
    __m512 P[2 * FA_PW_F32_ROWS];                                             \
    __m512 Q[2 * FA_PW_F32_ROWS];                                             \
    fa_pw_f32_load(P, fa_pw_sigmoid_f32_table);                               \
    fa_pw_f32_load(Q, fa_pw_sigmoid_grad_f32_table);                          \
    const __m512 th0 = _mm512_loadu_ps(fa_exp2_f32_table[0]);                 \
    const __m512 th1 = _mm512_loadu_ps(fa_exp2_f32_table[0] + 16);            \
    const __m512 tl0 = _mm512_loadu_ps(fa_exp2_f32_table[1]);                 \
    const __m512 tl1 = _mm512_loadu_ps(fa_exp2_f32_table[1] + 16);
FA_DEFINE_MASKED_GRAD_LOOP(silu, FA_SILU_GRAD_SETUP, FA_SILU_GRAD_VEC)


/* a * sigmoid(u), the sigmoid's parts multiplied by a before the one
 * rounding (a y0 as hi + lo), and for u < 0 2^k applied in two steps
 * around it: rounded once where the result is subnormal, never
 * overflowing on the way, and zero only where a e^u rounds to zero (the
 * clamp of u is -200, not the sigmoid's -104: |a| reaches 2^128). */
static inline __m512 fa_times_sigmoid_f32x16(__m512 a, __m512 u, __m512 th0, __m512 th1,
                                              __m512 tl0, __m512 tl1)
{
    __m512 res, rc, kj, es, esl;
    __mmask16 neg;
    /* clamp: a up to 2^128 times e^-200 still rounds to 0 */
    __m512 y0 = fa_sigmoid_f32x16_parts(u, -200.0f, th0, th1, tl0, tl1, &res, &rc, &kj, &neg, &es, &esl);
    __m512 k = _mm512_roundscale_ps(kj, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    __m512 k1 = _mm512_max_ps(k, _mm512_set1_ps(-100.0f));
    /* 2^k1 on the sigmoid (y0 2^k1 stays normal), 2^(k - k1) on the product */
    y0 = _mm512_mask_scalef_ps(y0, neg, y0, k1);
    __m512 corr = _mm512_mask_scalef_ps(_mm512_mul_ps(res, rc), neg, _mm512_mul_ps(res, rc), k1);
    __m512 hi = _mm512_mul_ps(a, y0);
    __m512 lo = _mm512_fmsub_ps(a, y0, hi);
    __m512 v = _mm512_add_ps(hi, _mm512_fmadd_ps(a, corr, lo));
    /* a = +-0, |a| >= 2^126: the plain product, as fa_pw_f32x16_times */
    __mmask16 plain = _mm512_cmp_ps_mask(_mm512_abs_ps(a), _mm512_set1_ps(0x1p126f), _CMP_NLT_UQ)
                      | _mm512_cmp_ps_mask(a, _mm512_setzero_ps(), _CMP_EQ_OQ);
    v = _mm512_mask_mul_ps(v, plain, a, _mm512_add_ps(y0, corr));
    return _mm512_mask_scalef_ps(v, neg, v, _mm512_sub_ps(k, k1));
}

static inline __m512 fa_times_sigmoid_f32x16_any(__m512 a, __m512 u, const __m512 *P, __m512 th0,
                                                  __m512 th1, __m512 tl0, __m512 tl1)
{
    __mmask16 in = fa_pw_f32_in_range(u);
    if (fa_pw_f32_all_in(in))
        return fa_pw_f32x16_times(u, a, P);
    return _mm512_mask_mov_ps(fa_times_sigmoid_f32x16(a, u, th0, th1, tl0, tl1), in,
                              fa_pw_f32x16_times(u, a, P));
}

/* The gradients g * sigmoid(x) (softplus) and g * sigmoid(-x) (log_sigmoid):
 * about half an ULP plus the sigmoid's approximation error. */
#define FA_TIMES_SIGMOID_F32_BY_HAND 1
#define FA_SOFTPLUS_GRAD_VEC(gv, xv) fa_times_sigmoid_f32x16_any((gv), (xv), P, th0, th1, tl0, tl1)
#define FA_LOG_SIGMOID_GRAD_VEC(gv, xv)                                      \
    fa_times_sigmoid_f32x16_any((gv), fa_neg_ps(xv), P, th0, th1, tl0, tl1)
FA_DEFINE_MASKED_GRAD_LOOP(softplus, FA_SIGMOID_SETUP, FA_SOFTPLUS_GRAD_VEC)
FA_DEFINE_MASKED_GRAD_LOOP(log_sigmoid, FA_SIGMOID_SETUP, FA_LOG_SIGMOID_GRAD_VEC)

#define FA_DEFINE_HAND_GRAD_ENTRIES(name)                                     \
    static void FA_LOCAL(g_##name##_f32_by_hand)(const void *g, const void *x, void *y, \
                                                 ptrdiff_t n, const double *p) \
    {                                                                         \
        (void)p;                                                              \
        fa_##name##_grad_f32_loop((const float *)g, (const float *)x, (float *)y, n, 0); \
    }                                                                         \
    static void FA_LOCAL(g_##name##_f32_by_hand_nt)(const void *g, const void *x, void *y, \
                                                    ptrdiff_t n, const double *p) \
    {                                                                         \
        (void)p;                                                              \
        fa_##name##_grad_f32_loop((const float *)g, (const float *)x, (float *)y, n, 1); \
    }
FA_DEFINE_HAND_GRAD_ENTRIES(softplus)
FA_DEFINE_HAND_GRAD_ENTRIES(log_sigmoid)

FA_DEFINE_HAND_GRAD_ENTRIES(silu)

/* e^(z + zl) for z in [-300, 0] (zl a small correction: the rounding error
 * of z's own computation) as 2^floor(kj) (thi + s): 2^(j/32) = thi + tlo
 * from the 32-entry tables, the reduction by (k + j/32) ln2 with ln2 in
 * three parts, the first of 10 bits (k ln2's first part exact for every k
 * down there), e^r - 1 a cubic on |r| <= ln2/64 (2^-30), s = thi (e^r - 1)
 * + tlo: thi + s is e^(z + zl) / 2^k to about 2^-30.  zl may be NULL.
 * words = 2: ln2 in two floats, r to about 2^-30 absolute (each FMA rounds
 * a result below ln2/64 + |k| 2^-25), for e^z - 1 with z <= -1/16, where
 * that is below 2^-26 of the result. */
struct fa_exp2_tabs {
    __m512 th0, th1, tl0, tl1;
};

static inline struct fa_exp2_tabs fa_exp2_tabs_load(void)
{
    struct fa_exp2_tabs t;
    t.th0 = _mm512_loadu_ps(fa_exp2_f32_table[0]);
    t.th1 = _mm512_loadu_ps(fa_exp2_f32_table[0] + 16);
    t.tl0 = _mm512_loadu_ps(fa_exp2_f32_table[1]);
    t.tl1 = _mm512_loadu_ps(fa_exp2_f32_table[1] + 16);
    return t;
}

static inline __m512 fa_exp_parts_f32x16_n(__m512 z, const __m512 *zl, const struct fa_exp2_tabs *t,
                                           __m512 *s, __m512 *kj, int words)
{
    const __m512 shifter = _mm512_set1_ps(0x1.8p18f);       /* ulp 1/32 */
    __m512 kf = _mm512_fmadd_ps(z, _mm512_set1_ps(0x1.715476p+0f), shifter);
    __m512 k = _mm512_sub_ps(kf, shifter);
    __m512 r;
    if (words == 3) {
        r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0x1.628p-1f), z);          /* exact */
        r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0x1.90bfbep-11f), r);
        r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0x1.1cf79ap-36f), r);
    } else {
        r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0x1.62e43p-1f), z);
        r = _mm512_fnmadd_ps(k, _mm512_set1_ps(-0x1.05c61p-29f), r);
    }
    if (zl)                                     /* a constant at each call */
        r = _mm512_add_ps(r, *zl);
    __m512 e = _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(1.0f / 6.0f), r, _mm512_set1_ps(0.5f)),
                               _mm512_mul_ps(r, r), r);
    __m512i j = _mm512_castps_si512(kf);
    __m512 thi = _mm512_permutex2var_ps(t->th0, j, t->th1);
    *s = _mm512_fmadd_ps(thi, e, _mm512_permutex2var_ps(t->tl0, j, t->tl1));
    *kj = k;
    return thi;
}

static inline __m512 fa_exp_parts_f32x16(__m512 z, const __m512 *zl, const struct fa_exp2_tabs *t,
                                         __m512 *s, __m512 *kj)
{
    return fa_exp_parts_f32x16_n(z, zl, t, s, kj, 3);
}

/* 1 / (1 + e) for 0 <= e <= 1 (or NaN): 1 + e = d + dl exactly (Fast2Sum),
 * a 14-bit reciprocal, a Newton step in its residual form and dl's first
 * order term: within about half an ULP, where the rounding of 1 + e alone
 * would count once more in every product it enters. */
static inline __m512 fa_recip_one_plus(__m512 e)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 d = _mm512_add_ps(one, e);
    __m512 dl = _mm512_add_ps(_mm512_sub_ps(one, d), e);
    __m512 q = _mm512_rcp14_ps(d);
    q = _mm512_fmadd_ps(q, _mm512_fnmadd_ps(d, q, one), q);
    return _mm512_fnmadd_ps(_mm512_mul_ps(dl, q), q, q);
}

/* 1 / (1 + e + el) as q + *ql, el a small correction of e (its rounding
 * error): unrounded to about 2^-40, where q alone, rounded near 1/2 at the
 * bottom of its binade, is off by up to 1.5 2^-24 of itself */
static inline __m512 fa_recip_one_plus_2(__m512 e, __m512 el, __m512 *ql)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 d = _mm512_add_ps(one, e);
    __m512 dl = _mm512_add_ps(_mm512_add_ps(_mm512_sub_ps(one, d), e), el);
    __m512 q = _mm512_rcp14_ps(d);
    q = _mm512_fmadd_ps(q, _mm512_fnmadd_ps(d, q, one), q);
    /* 1 / (d + dl) - q = q (1 - d q - dl q) / (1 + ...), to first order */
    *ql = _mm512_mul_ps(q, _mm512_fnmadd_ps(dl, q, _mm512_fnmadd_ps(d, q, one)));
    return q;
}

/* elu, selu and celu gradients by hand, in float: x > 0: g P; x <= 0:
 * g A e^u, u = x (elu, selu) or x / alpha (celu: x (ih + il), 1/alpha in
 * two floats, the rounding of x ih and x il folded into the reduction).
 * P and A come as two floats each (elu: P = 1, A = alpha; selu: scale and
 * scale alpha; celu: 1 and 1).  g A = p + pe exactly (FMA) and e^u =
 * 2^k (thi + s), so g A e^u = 2^k (p thi + (pe thi + p s)) rounds once (a
 * second time only where it is subnormal): about half an ULP plus the
 * exponential's 2^-30.  Where |p| >= 2^125 (p thi could overflow before
 * the scaling) or p is below 2^-96 (subnormal on the way), g is scaled by
 * 2^-128 or 2^64 first, exactly, and back through 2^k.  alpha outside
 * [2^-100, 2^100] takes the generic loop. */
/* v (h + l), h + l a constant in two floats, rounded once: v h + v l, the
 * small product dropped where v is +-inf (inf * 0, or inf - inf) or NaN */
static inline __m512 fa_times_pair(__m512 v, __m512 h, __m512 l)
{
    __mmask16 finite = _mm512_cmp_ps_mask(_mm512_abs_ps(v), _mm512_set1_ps(INFINITY), _CMP_LT_OQ);
    return _mm512_fmadd_ps(v, h, _mm512_maskz_mul_ps(finite, v, l));
}

struct fa_exp_consts {
    __m512 ph, pl, ah, al, ih, il, ash, asl;       /* P, A, s (1 or 1/alpha), A s */
    int p_one, a_exact, p_lo_pos;   /* P == 1, A a float (al == 0), ph, pl > 0 */
};

/* u = x (ih + il) as u + *zl: celu's x / alpha, the rounding of x ih and
 * x il as the exponential's correction, dropped below its clamp (x = -inf
 * too: inf - inf) */
static inline __m512 fa_scaled_arg(__m512 x, const struct fa_exp_consts *c, __m512 *zl)
{
    __m512 u = _mm512_mul_ps(x, c->ih);
    __m512 lo = _mm512_fmadd_ps(x, c->il, _mm512_fmsub_ps(x, c->ih, u));
    *zl = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(u, _mm512_set1_ps(-300.0f), _CMP_GE_OQ), lo);
    return u;
}

static inline __m512 fa_exp_grad_f32x16(__m512 g, __m512 x, const struct fa_exp_consts *c,
                                        const struct fa_exp2_tabs *t, int scaled)
{
    __m512 g0 = g;
    __m512 z, zl = _mm512_setzero_ps();         /* only where scaled */
    z = scaled ? fa_scaled_arg(x, c, &zl) : x;
    z = _mm512_max_ps(_mm512_set1_ps(-300.0f), _mm512_min_ps(z, _mm512_setzero_ps()));
    __m512 s, kj, thi = fa_exp_parts_f32x16(z, scaled ? &zl : NULL, t, &s, &kj);
    __m512 p = _mm512_mul_ps(g, c->ah);
    __m512 ap = _mm512_abs_ps(p);
    __mmask16 big = _mm512_cmp_ps_mask(ap, _mm512_set1_ps(0x1p125f), _CMP_GE_OQ);
    __mmask16 tiny = _mm512_cmp_ps_mask(ap, _mm512_set1_ps(0x1p-96f), _CMP_LT_OQ)
                     & _mm512_cmp_ps_mask(p, _mm512_setzero_ps(), _CMP_NEQ_UQ);
    if (big | tiny) {
        /* g A near or past the float range's ends: g scaled by 2^-128
         * (|g| >= 2^25 there, as A <= 2^100: exact) or 2^64 (exact), the
         * factor taken back through k */
        __m512 e = _mm512_mask_blend_ps(big, _mm512_setzero_ps(), _mm512_set1_ps(-128.0f));
        e = _mm512_mask_mov_ps(e, tiny, _mm512_set1_ps(64.0f));
        g = _mm512_scalef_ps(g, e);
        kj = _mm512_sub_ps(kj, e);
        p = _mm512_mul_ps(g, c->ah);
    }
    __m512 pe = _mm512_fmadd_ps(g, c->al, _mm512_fmsub_ps(g, c->ah, p));
    __m512 neg = _mm512_scalef_ps(
        _mm512_fmadd_ps(p, thi, _mm512_fmadd_ps(pe, thi, _mm512_mul_ps(p, s))), kj);
    neg = _mm512_or_ps(neg, _mm512_and_ps(p, _mm512_set1_ps(-0.0f)));   /* g A's sign, for 0 too */
    __m512 pos = fa_times_pair(g0, c->ph, c->pl);
    __m512 v = _mm512_mask_mov_ps(neg, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ), pos);
    /* NaN x: x */
    return _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}

#define FA_EXP2_TABS_SETUP const struct fa_exp2_tabs tabs = fa_exp2_tabs_load();
#define FA_EXP_GRAD_VEC(gv, xv) fa_exp_grad_f32x16((gv), (xv), c, &tabs, 0)
#define FA_EXP_GRAD_SCALED_VEC(gv, xv) fa_exp_grad_f32x16((gv), (xv), c, &tabs, 1)
static inline void fa_exp_grad_f32_loop(const float *g, const float *x, float *y, ptrdiff_t n,
                                        int stream, const struct fa_exp_consts *c)
FA_MASKED_LOOP_BODY(FA_EXP2_TABS_SETUP, FA_EXP_GRAD_VEC, FA_LOADS_GX, FA_PREFETCH_GX)
static inline void fa_exp_grad_scaled_f32_loop(const float *g, const float *x, float *y,
                                               ptrdiff_t n, int stream,
                                               const struct fa_exp_consts *c)
FA_MASKED_LOOP_BODY(FA_EXP2_TABS_SETUP, FA_EXP_GRAD_SCALED_VEC, FA_LOADS_GX, FA_PREFETCH_GX)

/* elu, selu and celu forward by hand, in float: x >= 0: P x (the sign of -0
 * kept); x < 0: A (e^u - 1), u = x s (s = 1 or 1/alpha), two ways:
 * - |u| >= 1/16: e^u - 1 = b - d, d = 1 - 2^k thi exactly as d + de
 *   (Fast2Sum), b = 2^k s - de: the two never cancel by more than 1.05
 *   here; A (b - d) = -ah d + (ah b - al (d - b)), one rounding.  The
 *   exponential's reduction takes ln2 in two words (over all 2^32 inputs,
 *   4000-4700 results of selu, elu and celu changed from three, the worst
 *   of them 0.52 ULP before and 0.51 after; 1e8, 2 threads: selu's forward
 *   89-92% -> 92-94% of the copy's bandwidth in a C harness).
 * - |u| < 1/16: A (e^u - 1) = (A s) x (1 + u Q(u)), Q = 1/2 + u/6 + ... +
 *   u^6/7! (2^-30), (A s) x = p + pe exactly (FMA): p + (p u Q + pe), one
 *   rounding, no subnormal u on the way (celu's A s is 1: x itself).
 * About half an ULP either way: over all 2^32 inputs 0.68 (elu, alpha 1),
 * up to 0.87 sampled for celu with a tiny alpha (1e-20). */
static inline __m512 fa_exp_fwd_f32x16(__m512 x, const struct fa_exp_consts *c,
                                       const struct fa_exp2_tabs *t, int scaled, int selu)
{
    /* selu (a constant at each call): its flags as constants, so that its
     * loop carries no tests of them (1e8, 2 threads, in turns with a copy
     * in a C harness: 85-86% -> 89% of its speed; in L1, 7.5 -> 7.15 ns
     * per 16 elements) */
    const int p_one = selu ? 0 : c->p_one, p_lo_pos = selu ? 1 : c->p_lo_pos;
    const int a_exact = selu ? 0 : c->a_exact;
    __m512 zl = _mm512_setzero_ps();
    __m512 u = scaled ? fa_scaled_arg(x, c, &zl) : x;
    __mmask16 neg_lanes = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    __mmask16 small = _mm512_mask_cmp_ps_mask(neg_lanes, u, _mm512_set1_ps(-0.0625f), _CMP_GT_OQ);
    /* P x: x itself for P = 1; with P's low part of the sign of its high
     * part (fa_exp_consts rounds it so) x ph and x pl never make
     * inf - inf, so the product needs no guard */
    __m512 v = p_one ? x
             : p_lo_pos ? _mm512_fmadd_ps(x, c->ph, _mm512_mul_ps(x, c->pl))
                        : fa_times_pair(x, c->ph, c->pl);
    if (neg_lanes & ~small) {
        /* clamped below only: the other lanes' values (from x > 0, up to
         * inf and NaN) are not taken */
        __m512 z = _mm512_max_ps(_mm512_set1_ps(-300.0f), u);
        __m512 s, kj, thi = fa_exp_parts_f32x16_n(z, scaled ? &zl : NULL, t, &s, &kj, 2);
        /* e^u - 1 = b - d - de: d = 1 - 2^k thi and its rounding error de
         * (Fast2Sum: 1 >= 2^k thi for k <= -1; k = 0 only for thi = 1) */
        const __m512 one = _mm512_set1_ps(1.0f);
        __m512 ts = _mm512_scalef_ps(thi, kj);
        __m512 d = _mm512_sub_ps(one, ts);
        __m512 de = _mm512_sub_ps(_mm512_sub_ps(one, d), ts);
        __m512 b = _mm512_sub_ps(_mm512_scalef_ps(s, kj), de);
        __m512 w = a_exact ? _mm512_mul_ps(c->ah, b)
                           : _mm512_fmsub_ps(c->ah, b, _mm512_mul_ps(c->al, _mm512_sub_ps(d, b)));
        w = _mm512_fnmadd_ps(c->ah, d, w);
        v = _mm512_mask_mov_ps(v, neg_lanes & ~small, w);
    }
    if (small) {
        __m512 q = _mm512_set1_ps(1.0f / 5040.0f);
        q = _mm512_fmadd_ps(q, u, _mm512_set1_ps(1.0f / 720.0f));
        q = _mm512_fmadd_ps(q, u, _mm512_set1_ps(1.0f / 120.0f));
        q = _mm512_fmadd_ps(q, u, _mm512_set1_ps(1.0f / 24.0f));
        q = _mm512_fmadd_ps(q, u, _mm512_set1_ps(1.0f / 6.0f));
        q = _mm512_fmadd_ps(q, u, _mm512_set1_ps(0.5f));
        __m512 p = _mm512_mul_ps(x, c->ash);
        __m512 pe = _mm512_fmadd_ps(x, c->asl, _mm512_fmsub_ps(x, c->ash, p));
        __m512 w = _mm512_add_ps(p, _mm512_fmadd_ps(p, _mm512_mul_ps(u, q), pe));
        /* w has p's sign (1 + u Q > 0), -0 included */
        w = _mm512_or_ps(w, _mm512_and_ps(p, _mm512_set1_ps(-0.0f)));
        v = _mm512_mask_mov_ps(v, small, w);
    }
    return v;                   /* NaN x: x P, NaN */
}

#define FA_EXP_FWD_VEC(v) fa_exp_fwd_f32x16((v), c, &tabs, 0, 0)
#define FA_EXP_FWD_SCALED_VEC(v) fa_exp_fwd_f32x16((v), c, &tabs, 1, 0)
#define FA_EXP_FWD_SELU_VEC(v) fa_exp_fwd_f32x16((v), c, &tabs, 0, 1)
static inline void fa_exp_fwd_f32_loop(const float *x, float *y, ptrdiff_t n, int stream,
                                       const struct fa_exp_consts *c)
FA_MASKED_LOOP_BODY(FA_EXP2_TABS_SETUP, FA_EXP_FWD_VEC, FA_LOADS_X, FA_PREFETCH_X)
static inline void fa_exp_fwd_scaled_f32_loop(const float *x, float *y, ptrdiff_t n, int stream,
                                              const struct fa_exp_consts *c)
FA_MASKED_LOOP_BODY(FA_EXP2_TABS_SETUP, FA_EXP_FWD_SCALED_VEC, FA_LOADS_X, FA_PREFETCH_X)
static inline void fa_exp_fwd_selu_f32_loop(const float *x, float *y, ptrdiff_t n, int stream,
                                           const struct fa_exp_consts *c)
FA_MASKED_LOOP_BODY(FA_EXP2_TABS_SETUP, FA_EXP_FWD_SELU_VEC, FA_LOADS_X, FA_PREFETCH_X)

/* v as two floats, hi + lo */
static inline __m512 fa_split_hi(double v) { return _mm512_set1_ps((float)v); }
static inline __m512 fa_split_lo(double v) { return _mm512_set1_ps((float)(v - (double)(float)v)); }

static inline struct fa_exp_consts fa_exp_consts(double P, double A, double inv,
                                                           double As)
{
    struct fa_exp_consts c = {fa_split_hi(P), fa_split_lo(P), fa_split_hi(A), fa_split_lo(A),
                                   fa_split_hi(inv), fa_split_lo(inv), fa_split_hi(As),
                                   fa_split_lo(As), P == 1.0, (double)(float)A == A, 0};
    /* P > 0 not a float (selu's scale): ph rounded down, so pl > 0 */
    float ph = (float)P;
    if ((double)ph > P)
        ph = nextafterf(ph, 0.0f);
    if (P > 0 && (double)ph < P && (float)(P - (double)ph) > 0) {
        c.ph = _mm512_set1_ps(ph);
        c.pl = _mm512_set1_ps((float)(P - (double)ph));
        c.p_lo_pos = 1;
    }
    return c;
}

/* the generic loops (defined with the family below), for the fallback */
static void FA_LOCAL(g_elu_f32)(const void *g, const void *x, void *y, ptrdiff_t n, const double *p);
static void FA_LOCAL(g_elu_f32_nt)(const void *g, const void *x, void *y, ptrdiff_t n,
                                   const double *p);
static void FA_LOCAL(g_celu_f32)(const void *g, const void *x, void *y, ptrdiff_t n, const double *p);
static void FA_LOCAL(g_celu_f32_nt)(const void *g, const void *x, void *y, ptrdiff_t n,
                                    const double *p);

static void FA_LOCAL(g_elu_f32_by_hand_impl)(const void *g, const void *x, void *y, ptrdiff_t n,
                                             const double *p, int stream)
{
    double alpha = p[0] < 0 ? -p[0] : p[0];
    if (!(alpha == 0.0 || (alpha >= 0x1p-100 && alpha <= 0x1p100))) {   /* see above */
        (stream ? FA_LOCAL(g_elu_f32_nt) : FA_LOCAL(g_elu_f32))(g, x, y, n, p);
        return;
    }
    struct fa_exp_consts c = fa_exp_consts(1.0, p[0], 1.0, p[0]);
    fa_exp_grad_f32_loop((const float *)g, (const float *)x, (float *)y, n, stream, &c);
}

static void FA_LOCAL(g_selu_f32_by_hand_impl)(const void *g, const void *x, void *y, ptrdiff_t n,
                                              const double *p, int stream)
{
    (void)p;
    struct fa_exp_consts c = fa_exp_consts(FA_SELU_SCALE_HI, FA_SELU_SA_HI, 1.0, FA_SELU_SA_HI);
    fa_exp_grad_f32_loop((const float *)g, (const float *)x, (float *)y, n, stream, &c);
}

/* celu: alpha > 0 (the Python layer checks); 1/alpha's two floats carry it
 * to about 2^-48, below the float subnormals past 2^126 and 2^-126 */
static void FA_LOCAL(g_celu_f32_by_hand_impl)(const void *g, const void *x, void *y, ptrdiff_t n,
                                              const double *p, int stream)
{
    double inv = 1.0 / p[0];
    if (!(p[0] >= 0x1p-100 && p[0] <= 0x1p100)) {
        (stream ? FA_LOCAL(g_celu_f32_nt) : FA_LOCAL(g_celu_f32))(g, x, y, n, p);
        return;
    }
    struct fa_exp_consts c = fa_exp_consts(1.0, 1.0, inv, 1.0);
    if (inv == 1.0)
        fa_exp_grad_f32_loop((const float *)g, (const float *)x, (float *)y, n, stream, &c);
    else
        fa_exp_grad_scaled_f32_loop((const float *)g, (const float *)x, (float *)y, n, stream, &c);
}

static void FA_LOCAL(p_elu_f32)(const void *x, void *y, ptrdiff_t n, const double *p);
static void FA_LOCAL(p_elu_f32_nt)(const void *x, void *y, ptrdiff_t n, const double *p);
static void FA_LOCAL(p_celu_f32)(const void *x, void *y, ptrdiff_t n, const double *p);
static void FA_LOCAL(p_celu_f32_nt)(const void *x, void *y, ptrdiff_t n, const double *p);

static void FA_LOCAL(p_elu_f32_by_hand_impl)(const void *x, void *y, ptrdiff_t n, const double *p,
                                             int stream)
{
    double alpha = p[0] < 0 ? -p[0] : p[0];
    if (!(alpha <= 0x1p100)) {
        (stream ? FA_LOCAL(p_elu_f32_nt) : FA_LOCAL(p_elu_f32))(x, y, n, p);
        return;
    }
    struct fa_exp_consts c = fa_exp_consts(1.0, p[0], 1.0, p[0]);
    fa_exp_fwd_f32_loop((const float *)x, (float *)y, n, stream, &c);
}

static void FA_LOCAL(p_selu_f32_by_hand_impl)(const void *x, void *y, ptrdiff_t n, const double *p,
                                              int stream)
{
    (void)p;
    struct fa_exp_consts c = fa_exp_consts(FA_SELU_SCALE_HI, FA_SELU_SA_HI, 1.0, FA_SELU_SA_HI);
    if (!c.p_one && c.p_lo_pos && !c.a_exact)   /* what FA_EXP_FWD_SELU_VEC takes */
        fa_exp_fwd_selu_f32_loop((const float *)x, (float *)y, n, stream, &c);
    else
        fa_exp_fwd_f32_loop((const float *)x, (float *)y, n, stream, &c);
}

static void FA_LOCAL(p_celu_f32_by_hand_impl)(const void *x, void *y, ptrdiff_t n, const double *p,
                                              int stream)
{
    if (!(p[0] >= 0x1p-100 && p[0] <= 0x1p100)) {
        (stream ? FA_LOCAL(p_celu_f32_nt) : FA_LOCAL(p_celu_f32))(x, y, n, p);
        return;
    }
    double inv = 1.0 / p[0];
    struct fa_exp_consts c = fa_exp_consts(1.0, p[0], inv, 1.0);
    if (inv == 1.0)
        fa_exp_fwd_f32_loop((const float *)x, (float *)y, n, stream, &c);
    else
        fa_exp_fwd_scaled_f32_loop((const float *)x, (float *)y, n, stream, &c);
}

#define FA_DEFINE_PARAM_IMPL_ENTRIES(name)                                       \
    static void FA_LOCAL(p_##name##_f32_by_hand)(const void *x, void *y, ptrdiff_t n, \
                                                 const double *p)             \
    {                                                                         \
        FA_LOCAL(p_##name##_f32_by_hand_impl)(x, y, n, p, 0);                 \
    }                                                                         \
    static void FA_LOCAL(p_##name##_f32_by_hand_nt)(const void *x, void *y, ptrdiff_t n, \
                                                    const double *p)          \
    {                                                                         \
        FA_LOCAL(p_##name##_f32_by_hand_impl)(x, y, n, p, 1);                 \
    }
FA_DEFINE_PARAM_IMPL_ENTRIES(elu)
FA_DEFINE_PARAM_IMPL_ENTRIES(selu)
FA_DEFINE_PARAM_IMPL_ENTRIES(celu)

#define FA_DEFINE_GRAD_IMPL_ENTRIES(name)                                      \
    static void FA_LOCAL(g_##name##_f32_by_hand)(const void *g, const void *x, void *y, \
                                                 ptrdiff_t n, const double *p) \
    {                                                                         \
        FA_LOCAL(g_##name##_f32_by_hand_impl)(g, x, y, n, p, 0);              \
    }                                                                         \
    static void FA_LOCAL(g_##name##_f32_by_hand_nt)(const void *g, const void *x, void *y, \
                                                    ptrdiff_t n, const double *p) \
    {                                                                         \
        FA_LOCAL(g_##name##_f32_by_hand_impl)(g, x, y, n, p, 1);              \
    }
FA_DEFINE_GRAD_IMPL_ENTRIES(elu)
FA_DEFINE_GRAD_IMPL_ENTRIES(selu)
FA_DEFINE_GRAD_IMPL_ENTRIES(celu)

/* A kernel with parameters written by hand, forward and gradient: loops
 * over a constants struct CTYPE that CONSTS builds from p, where OK (a
 * condition on p) holds; elsewhere the generic double loops.  FWD and GRAD
 * see the constants as c, after FSETUP and GSETUP.  FA_DEFINE_PARAM_GRAD
 * alone: the gradient's half, for a forward written apart. */
#define FA_DEFINE_PARAM_GRAD(name, CTYPE, OK, CONSTS, GSETUP, GRAD)            \
    static inline void fa_##name##_grad_f32_loop(const float *g, const float *x, float *y, \
                                                 ptrdiff_t n, int stream, const CTYPE *c) \
    FA_MASKED_LOOP_BODY(GSETUP, GRAD, FA_LOADS_GX, FA_PREFETCH_GX)            \
    static void FA_LOCAL(g_##name##_f32)(const void *g, const void *x, void *y, ptrdiff_t n, \
                                         const double *p);                   \
    static void FA_LOCAL(g_##name##_f32_nt)(const void *g, const void *x, void *y, ptrdiff_t n, \
                                            const double *p);                \
    static void FA_LOCAL(g_##name##_f32_by_hand_impl)(const void *g, const void *x, void *y, \
                                                      ptrdiff_t n, const double *p, int stream) \
    {                                                                         \
        if (!(OK)) {                                                          \
            (stream ? FA_LOCAL(g_##name##_f32_nt) : FA_LOCAL(g_##name##_f32))(g, x, y, n, p); \
            return;                                                           \
        }                                                                     \
        CTYPE c = CONSTS;                                                     \
        fa_##name##_grad_f32_loop((const float *)g, (const float *)x, (float *)y, n, stream, &c); \
    }                                                                         \
    FA_DEFINE_GRAD_IMPL_ENTRIES(name)
#define FA_DEFINE_PARAM_KERNEL(name, CTYPE, OK, CONSTS, FSETUP, FWD, GSETUP, GRAD) \
    static inline void fa_##name##_f32_loop(const float *x, float *y, ptrdiff_t n, int stream, \
                                            const CTYPE *c)                   \
    FA_MASKED_LOOP_BODY(FSETUP, FWD, FA_LOADS_X, FA_PREFETCH_X)               \
    static void FA_LOCAL(p_##name##_f32)(const void *x, void *y, ptrdiff_t n, const double *p); \
    static void FA_LOCAL(p_##name##_f32_nt)(const void *x, void *y, ptrdiff_t n, const double *p); \
    static void FA_LOCAL(p_##name##_f32_by_hand_impl)(const void *x, void *y, ptrdiff_t n, \
                                                      const double *p, int stream) \
    {                                                                         \
        if (!(OK)) {                                                          \
            (stream ? FA_LOCAL(p_##name##_f32_nt) : FA_LOCAL(p_##name##_f32))(x, y, n, p); \
            return;                                                           \
        }                                                                     \
        CTYPE c = CONSTS;                                                     \
        fa_##name##_f32_loop((const float *)x, (float *)y, n, stream, &c);    \
    }                                                                         \
    FA_DEFINE_PARAM_IMPL_ENTRIES(name)                                        \
    FA_DEFINE_PARAM_GRAD(name, CTYPE, OK, CONSTS, GSETUP, GRAD)

/* No constants to set up */
#define FA_NO_SETUP

/* The family's signature for a hand loop fa_<name>_f32_loop of a function
 * without parameters (silu, gelu): plain and streaming entries. */
#define FA_DEFINE_HAND_PARAM_ENTRIES(name)                                    \
    static void FA_LOCAL(p_##name##_f32_by_hand)(const void *x, void *y, ptrdiff_t n, \
                                                 const double *p)             \
    {                                                                         \
        (void)p;                                                              \
        fa_##name##_f32_loop((const float *)x, (float *)y, n, 0);             \
    }                                                                         \
    static void FA_LOCAL(p_##name##_f32_by_hand_nt)(const void *x, void *y, ptrdiff_t n, \
                                                    const double *p)          \
    {                                                                         \
        (void)p;                                                              \
        fa_##name##_f32_loop((const float *)x, (float *)y, n, 1);             \
    }
FA_DEFINE_HAND_PARAM_ENTRIES(silu)
#endif

#if defined(__AVX512F__) && defined(__AVX512DQ__)
/* A table's pointer the compiler cannot follow across loop iterations: the
 * vpermt2ps then take their rows from memory (load ports) instead of
 * hoisted registers, which each permute would overwrite, so that every one
 * needed a register copy (a port 0/5 operation, not eliminated for zmm). */
static inline const float (*fa_opaque_table(const float (*tab)[32]))[32]
{
#if defined(__GNUC__) || defined(__clang__)
    __asm__("" : "+r"(tab));
#endif
    return tab;
}

/* A table of |x| (tools/fit_pw_f32.py) at a s (s NULL: 1), interval i in
 * the low 5 bits of k = i + 1.5 * 2^23 (MAPPED_TABLES: k from the kernel's
 * increasing function of a), the rows read from memory (fa_opaque_table).
 * Returns P with f(a s) = c0 + t P(t), t = a s - c. */
static inline __m512 fa_table_poly_ks(__m512 k, __m512 a, const __m512 *a_scale,
                                      const float (*T)[32], int rows, __m512 *t, __m512 *c0)
{
    T = fa_opaque_table(T);
    __m512i idx = _mm512_castps_si512(k);
#define FA_SMALL_ROW(j) _mm512_permutex2var_ps(_mm512_loadu_ps(T[j]), idx, _mm512_loadu_ps(T[j] + 16))
    *t = (a_scale == NULL) ? _mm512_sub_ps(a, FA_SMALL_ROW(0))
                           : _mm512_fmsub_ps(a, *a_scale, FA_SMALL_ROW(0));
    __m512 p = FA_SMALL_ROW(rows - 1);
    for (int j = rows - 2; j >= 2; j--)
        p = _mm512_fmadd_ps(p, *t, FA_SMALL_ROW(j));
    *c0 = FA_SMALL_ROW(1);
#undef FA_SMALL_ROW
    return p;
}

static inline __m512 fa_table_poly_k(__m512 k, __m512 a, const float (*T)[32], int rows,
                                     __m512 *t, __m512 *c0)
{
    return fa_table_poly_ks(k, a, NULL, T, rows, t, c0);
}

/* The same at the interval round(a * scale + offset) (SMALL_TABLES, equal
 * widths): one FMA when offset is an integer, which rides on the shifter
 * exactly (1.5 * 2^23 - 1/2 is not a float).  _s: at a s (s NULL: 1), the
 * scale a vector that carries s (fa_table_poly_ks). */
static inline __m512 fa_small_table_poly_s(__m512 a, const __m512 *a_scale, __m512 scale,
                                           float offset, const float (*T)[32], int rows,
                                           __m512 *t, __m512 *c0)
{
    __m512 k = (offset == (float)(int)offset)
        ? _mm512_fmadd_ps(a, scale, _mm512_set1_ps(0x1.8p23f + offset))
        : _mm512_add_ps(_mm512_fmadd_ps(a, scale, _mm512_set1_ps(offset)), _mm512_set1_ps(0x1.8p23f));
    return fa_table_poly_ks(k, a, a_scale, T, rows, t, c0);
}

static inline __m512 fa_small_table_poly(__m512 a, const float (*T)[32], int rows, float scale,
                                         float offset, __m512 *t, __m512 *c0)
{
    return fa_small_table_poly_s(a, NULL, _mm512_set1_ps(scale), offset, T, rows, t, c0);
}
#endif

#if defined(__AVX512F__) && defined(__AVX512DQ__)
/* e^z in double for z in [-1100, 710] (+inf above 709.78) or NaN, to about
 * 2^-34 relative: z = (k + j/16) ln2 + r, 2^(j/16) from the 16-entry table
 * t0:t1 (vpermt2pd reads j from kf's low bits), e^r - 1 a quartic on
 * |r| <= ln2/32, 2^k by vscalefpd (floor(kj) = k; one rounding, subnormals
 * and overflow included).  One word of ln2: |kj| <= 1600 puts its error
 * below 2^-43.  For float results, rounded once from it. */
static inline __m512d fa_exp_f64x8_t16(__m512d z, __m512d t0, __m512d t1)
{
    const __m512d shifter = _mm512_set1_pd(0x1.8p48);    /* ulp 1/16: rounds to k + j/16 */
    __m512d kf = _mm512_fmadd_pd(z, _mm512_set1_pd(0x1.71547652b82fep+0), shifter);
    __m512d kj = _mm512_sub_pd(kf, shifter);
    __m512d r = _mm512_fnmadd_pd(kj, _mm512_set1_pd(0x1.62e42fefa39efp-1), z);
    __m512d p = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 120.0), r, _mm512_set1_pd(1.0 / 24.0));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 6.0));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(0.5));
    __m512d q = _mm512_fmadd_pd(p, _mm512_mul_pd(r, r), r);            /* e^r - 1 */
    __m512d T = _mm512_permutex2var_pd(t0, _mm512_castpd_si512(kf), t1);  /* reads j & 15 */
    return _mm512_scalef_pd(_mm512_fmadd_pd(T, q, T), kj);            /* 2^k uses floor(kj) */
}
#endif

/* float softplus on AVX-512 by hand: softplus(x) = max(x, 0) + G(|x|),
 * G(a) = log1p(e^-a) from a table of 32 polynomials of degree 6 on
 * [-5/16, 19.6875) (tools/fit_pw_f32.py softplus, 2^-28.0): for x < 0 G
 * rounded once, for x >= 0 x + c0 split exactly (Fast2Sum of the larger and
 * the smaller) before t P is added; above 19.5, G(19.5) (the sum rounds to
 * x).  Below -19.5 (a vector with any such lane, NaN or +inf takes this
 * too, for those lanes): e^x - e^2x / 2 from the shared table exp.  About
 * 17 operations per 16 lanes.  Over every input: 0.8634 ULP (0.754 for
 * subnormal results), 99.87% correctly rounded.  It replaces a
 * double kernel (0.512 ULP) behind a sigmoid-style table of softplus itself
 * on (-12, 12) (0.942 ULP), whose mixed vectors (a beta = 2 softplus of
 * inputs in (-8, 8): a quarter of them) cost 2.7 times this table. */
#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define FA_SOFTPLUS_F32_BY_HAND 1

#include "fastact_pw_softplus_f32_table.h"

/* max(x, 0) + G(|x|), G = c0 + t P from the table */
static inline __m512 fa_softplus_from_table(__m512 x, __m512 t, __m512 p, __m512 c0)
{
    /* x < 0: G alone, rounded once */
    __m512 neg = _mm512_fmadd_ps(t, p, c0);
    /* x >= 0: x + c0 = hi + lo exactly, then (t P + lo) (|t P| < |c0| / 3)
     * rounded on the way, a fraction of the result's ULP */
    __m512 big = _mm512_max_ps(x, c0), small = _mm512_min_ps(x, c0);
    __m512 hi = _mm512_add_ps(big, small);
    __m512 lo = _mm512_sub_ps(small, _mm512_sub_ps(hi, big));        /* big + small - hi, exact */
    __m512 pos = _mm512_add_ps(hi, _mm512_fmadd_ps(t, p, lo));
    return _mm512_mask_mov_ps(neg, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GE_OQ), pos);
}

/* the table at |x|: G(|x|) = c0 + t P, P returned; above the table
 * G(19.5) = 3.4e-9 in place of G(x) <= that: the sum rounds to x either
 * way */
static inline __m512 fa_softplus_g_poly(__m512 x, const float (*T)[32], __m512 *t, __m512 *c0)
{
    __m512 a = _mm512_min_ps(_mm512_abs_ps(x), _mm512_set1_ps(FA_PW_SOFTPLUS_F32_LIMIT));
    return fa_small_table_poly(a, T, FA_PW_SOFTPLUS_F32_ROWS, FA_PW_SOFTPLUS_F32_SCALE,
                               FA_PW_SOFTPLUS_F32_OFFSET, t, c0);
}

static inline __m512 fa_softplus_table_f32x16(__m512 x, const float (*T)[32])
{
    __m512 t, c0, p = fa_softplus_g_poly(x, T, &t, &c0);
    return fa_softplus_from_table(x, t, p, c0);
}

/* below the table (x < -19.5, -inf included): log1p(t) = t - t^2 / 2 for
 * t = e^x <= 3.4e-9 (t^3 / 3 is below 2^-56 of t), e^x = 2^k (thi + s) from
 * fa_exp_parts_f32x16, rounded once (twice for a subnormal result); NaN and
 * +inf come back as they are */
static inline __m512 fa_softplus_low_f32x16(__m512 x, const struct fa_exp2_tabs *tb)
{
    const __m512 lim = _mm512_set1_ps(-FA_PW_SOFTPLUS_F32_LIMIT);
    __m512 z = _mm512_min_ps(lim, _mm512_max_ps(_mm512_set1_ps(-300.0f), x));
    __m512 s, kj;
    __m512 thi = fa_exp_parts_f32x16(z, NULL, tb, &s, &kj);
    __m512 h = _mm512_mul_ps(_mm512_scalef_ps(thi, kj), thi);          /* t thi, for t^2 / 2^k */
    __m512 y = _mm512_scalef_ps(_mm512_add_ps(thi, _mm512_fnmadd_ps(h, _mm512_set1_ps(0.5f), s)), kj);
    return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, lim, _CMP_NLT_UQ), x);
}

static inline __m512 fa_softplus_f32x16_any(__m512 x, const float (*T)[32], const struct fa_exp2_tabs *tb)
{
    /* -19.5 <= x < inf (the table's G, clamped above) */
    __mmask16 in = _mm512_mask_cmp_ps_mask(
        _mm512_cmp_ps_mask(x, _mm512_set1_ps(-FA_PW_SOFTPLUS_F32_LIMIT), _CMP_GE_OQ), x,
        _mm512_set1_ps(INFINITY), _CMP_LT_OQ);
    if (in == (__mmask16)0xFFFF)
        return fa_softplus_table_f32x16(x, T);
    __m512 y = fa_softplus_low_f32x16(x, tb);
    return in ? _mm512_mask_mov_ps(y, in, fa_softplus_table_f32x16(x, T)) : y;
}

#define FA_SOFTPLUS_SETUP                                                     \
    const float (*T)[32] = fa_pw_softplus_g_f32_table;                        \
    const struct fa_exp2_tabs tabs = fa_exp2_tabs_load();
#define FA_SOFTPLUS_VEC(v) fa_softplus_f32x16_any((v), T, &tabs)
FA_DEFINE_MASKED_LOOP(softplus, FA_SOFTPLUS_SETUP, FA_SOFTPLUS_VEC)
FA_DEFINE_BY_HAND_ENTRIES(softplus)

/* log_sigmoid(x) = -softplus(-x): the table's arithmetic at u = -x with
 * the signs carried through, each step the negation of softplus's
 * (rounding is symmetric: the same bits), so that neither x nor the result
 * is negated where the table holds; u's |u|, max and min are |x|'s, by
 * vrangeps (max or min of the magnitudes, sign cleared).  Below the table
 * (x > 19.5, +inf giving -0 as the double function) and for NaN, the sign
 * flips around fa_softplus_low_f32x16.  (1e8 elements: 32 -> 30
 * operations per 16 lanes.) */
static inline __m512 fa_log_sigmoid_table_f32x16(__m512 x, const float (*T)[32])
{
    __m512 t, c0, p = fa_softplus_g_poly(x, T, &t, &c0);
    /* x > 0: -G, rounded once */
    __m512 neg = _mm512_fnmsub_ps(t, p, c0);
    /* x <= 0: -(|x| + c0) = -(hi + lo) exactly, then -(t P + lo) */
    __m512 big = _mm512_range_ps(x, c0, 0x0B), small = _mm512_range_ps(x, c0, 0x0A);
    __m512 hi = _mm512_add_ps(big, small);
    __m512 nlo = _mm512_sub_ps(_mm512_sub_ps(hi, big), small);       /* -lo, exact */
    __m512 pos = _mm512_sub_ps(_mm512_fnmadd_ps(t, p, nlo), hi);
    return _mm512_mask_mov_ps(neg, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LE_OQ), pos);
}

static inline __m512 fa_log_sigmoid_f32x16(__m512 x, const float (*T)[32], const struct fa_exp2_tabs *tb)
{
    /* -inf < x <= 19.5 (-19.5 <= u < inf) */
    __mmask16 in = _mm512_mask_cmp_ps_mask(
        _mm512_cmp_ps_mask(x, _mm512_set1_ps(FA_PW_SOFTPLUS_F32_LIMIT), _CMP_LE_OQ), x,
        _mm512_set1_ps(-INFINITY), _CMP_GT_OQ);
    if (in == (__mmask16)0xFFFF)
        return fa_log_sigmoid_table_f32x16(x, T);
    __m512 y = fa_neg_ps(fa_softplus_low_f32x16(fa_neg_ps(x), tb));
    return in ? _mm512_mask_mov_ps(y, in, fa_log_sigmoid_table_f32x16(x, T)) : y;
}
#define FA_LOG_SIGMOID_VEC(v) fa_log_sigmoid_f32x16((v), T, &tabs)
FA_DEFINE_MASKED_LOOP(log_sigmoid, FA_SOFTPLUS_SETUP, FA_LOG_SIGMOID_VEC)
FA_DEFINE_HAND_PARAM_ENTRIES(log_sigmoid)
#define FA_LOG_SIGMOID_F32_BY_HAND 1
#endif

/* The exact gelu in float by hand (AVX-512).  With a = |x| (clamped to
 * 15.5, where every result has underflowed or equals x):
 *   Phi(-a) = e^(-a^2/2) M(a),  M smooth (tools/fit_pw_f32.py gelu: 32
 *   polynomials of degree 6 on [0, 16), relative error 2^-27.5, Gal's c0);
 *   e^(-a^2/2) = 2^k (thi + s) from the shared 2^(j/32) tables, reduced by
 *   one FMA on the exact a^2 (fa_gelu_f32x16_parts).
 * forward: v = x Phi(-a) = 2^k (p thi + (pe thi + p s)), p + pe = x M
 *   exactly, one rounding (a second only for a subnormal result);
 *   gelu = x - v for x > 0 (v <= x/2: no cancellation), v otherwise (the
 *   sign of -0 kept).
 * backward: gelu' = Phi(x) + x phi(x) = F for x <= 0, 1 - F for x > 0, with
 *   F = e^(-a^2/2) (M(a) - a/sqrt(2 pi)) (c0 - a/sqrt(2 pi) rounded once,
 *   then + t P); g F scaled in two steps (2^max(k, -64) first), so that no
 *   g overflows on the way nor loses bits to a subnormal F.
 * About 40 operations per 16 lanes (45 before the one-FMA reduction and
 * the single clamp of |x|), against the scalar erfc loop's 40 ns an
 * element.  The fast paths below send this path only the lanes beyond
 * |x| = 8.48 (and NaN).  All 2^32 inputs: this path 1.468 ULP (against
 * double erfc); the fast path's table 1.411. */
#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define FA_GELU_F32_BY_HAND 1
#include "fastact_pw_gelu_f32_table.h"

struct fa_gelu_parts {
    __m512 a, t, c0, p;         /* M(a) = c0 + t P(t) */
    __m512 thi, s, kj;          /* e^(-a^2/2) = 2^floor(kj) (thi + s) */
};

/* a = |x| (NaN kept), M at am = min(a, 15.5), the Gaussian at a */
static inline struct fa_gelu_parts fa_gelu_f32x16_parts(__m512 a, __m512 am, const float (*T)[32],
                                                        const struct fa_exp2_tabs *t)
{
    struct fa_gelu_parts q;
    q.a = a;
    q.p = fa_small_table_poly(am, T, FA_PW_GELU_F32_ROWS, FA_PW_GELU_F32_SCALE, FA_PW_GELU_F32_OFFSET,
                              &q.t, &q.c0);
    /* e^(-a^2/2) = 2^kj (thi + s): kj (k + j/32) from a^2 rounded; the
     * reduction rr = a^2 + kj (2 ln2) = -2 r by one FMA on the exact a^2
     * (kj times 2 ln2's 9-bit first word is exact, |kj| < 2^9; the second
     * word leaves 2^-38), e^r - 1 a cubic in rr (|r| <= ln2/64, 2^-30) */
    const __m512 shifter = _mm512_set1_ps(0x1.8p18f);                    /* ulp 1/32 */
    __m512 kf = _mm512_fmadd_ps(_mm512_mul_ps(a, a), _mm512_set1_ps(-0x1.715476p-1f), shifter);
    q.kj = _mm512_sub_ps(kf, shifter);
    __m512 rr = _mm512_fmadd_ps(a, a, _mm512_mul_ps(q.kj, _mm512_set1_ps(0x1.63p+0f)));
    rr = _mm512_fmadd_ps(q.kj, _mm512_set1_ps(-0x1.bd0106p-12f), rr);
    __m512 e = _mm512_fmadd_ps(_mm512_set1_ps(-1.0f / 48.0f), rr, _mm512_set1_ps(0.125f));
    e = _mm512_mul_ps(rr, _mm512_fmadd_ps(e, rr, _mm512_set1_ps(-0.5f)));   /* e^(-rr/2) - 1 */
    __m512i j = _mm512_castps_si512(kf);
    q.thi = _mm512_permutex2var_ps(t->th0, j, t->th1);
    q.s = _mm512_fmadd_ps(q.thi, e, _mm512_permutex2var_ps(t->tl0, j, t->tl1));
    return q;
}

/* x clamped to +-lim, NaN kept (max/min return their second operand) */
static inline __m512 fa_gelu_clamp(__m512 x, float lim)
{
    return _mm512_min_ps(_mm512_set1_ps(lim), _mm512_max_ps(_mm512_set1_ps(-lim), x));
}

/* x Phi(x) from v = |x| Phi(-|x|) >= 0: x - v for x > 0 (v <= x/2: no
 * cancellation), else v with x's sign (-0 for x = -0 too) */
static inline __m512 fa_gelu_from_tail(__m512 x, __m512 v)
{
    v = _mm512_or_ps(v, _mm512_and_ps(x, _mm512_set1_ps(-0.0f)));
    return _mm512_mask_sub_ps(v, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ), x, v);
}

/* the same from a table's V(|x|) = c0 + t P (first interval: c0 = 0, t =
 * |x|): (max(0, x) - c0) - t P in one FMA, rounded once for x <= 0 (max
 * returns its second operand for +-0 and NaN: -0 for x = -0) */
static inline __m512 fa_gelu_from_tail_poly(__m512 x, __m512 t, __m512 P, __m512 c0)
{
    return _mm512_fnmadd_ps(t, P, _mm512_sub_ps(_mm512_max_ps(_mm512_setzero_ps(), x), c0));
}

/* g d for x <= 0 (and NaN), g (1 - d) for x > 0: the gelus' derivatives
 * from their value d at -|x| (Phi(x) + Phi(-x) = 1, sigmoid's likewise) */
static inline __m512 fa_times_reflected(__m512 g, __m512 x, __m512 d)
{
    d = _mm512_mask_sub_ps(d, _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ),
                           _mm512_set1_ps(1.0f), d);
    return _mm512_mul_ps(g, d);
}

static inline __m512 fa_gelu_f32x16(__m512 x, const float (*T)[32], const struct fa_exp2_tabs *t)
{
    /* a = min(|x|, 15.5), NaN kept (min returns its second operand) */
    __m512 a = _mm512_min_ps(_mm512_set1_ps(FA_PW_GELU_F32_LIMIT), _mm512_abs_ps(x));
    struct fa_gelu_parts q = fa_gelu_f32x16_parts(a, a, T, t);
    __m512 m = _mm512_fmadd_ps(q.t, q.p, q.c0);
    __m512 p = _mm512_mul_ps(a, m);
    __m512 pe = _mm512_fmsub_ps(a, m, p);
    return fa_gelu_from_tail(x, _mm512_scalef_ps(
        _mm512_fmadd_ps(p, q.thi, _mm512_fmadd_ps(pe, q.thi, _mm512_mul_ps(p, q.s))), q.kj));
}

static inline __m512 fa_gelu_grad_f32x16(__m512 g, __m512 x, const float (*T)[32],
                                         const struct fa_exp2_tabs *t)
{
    /* g up to 2^128 times a phi(a) stays above the subnormals to a = 19.5 */
    __m512 a = _mm512_abs_ps(fa_gelu_clamp(x, 20.0f));
    __m512 am = _mm512_min_ps(a, _mm512_set1_ps(FA_PW_GELU_F32_LIMIT));
    struct fa_gelu_parts q = fa_gelu_f32x16_parts(a, am, T, t);
    const __m512 inv_sqrt_2pi = _mm512_set1_ps(0x1.988454p-2f);
    __m512 u = _mm512_fnmadd_ps(a, inv_sqrt_2pi, q.c0);                 /* c0 - a/sqrt(2 pi) */
    __m512 dm = _mm512_fmadd_ps(q.t, q.p, u);
    __mmask16 far = _mm512_cmp_ps_mask(a, am, _CMP_GT_OQ);
    if (far) {
        /* beyond the table: M(a) = (1/a)(1 - 1/a^2 + 3/a^4) / sqrt(2 pi) to 15/a^6,
         * 2^-23 of M and so 2^-31 of M - a / sqrt(2 pi) */
        __m512 ia = _mm512_div_ps(_mm512_set1_ps(1.0f), a);
        __m512 ia2 = _mm512_mul_ps(ia, ia);
        __m512 mt = _mm512_mul_ps(ia, _mm512_fnmadd_ps(ia2, _mm512_fnmadd_ps(ia2, _mm512_set1_ps(3.0f),
                                                                            _mm512_set1_ps(1.0f)),
                                                       _mm512_set1_ps(1.0f)));
        dm = _mm512_mask_mul_ps(dm, far, _mm512_sub_ps(mt, a), inv_sqrt_2pi);
    }
    __m512 k1 = _mm512_max_ps(q.kj, _mm512_set1_ps(-64.0f));
    __m512 f1 = _mm512_scalef_ps(_mm512_fmadd_ps(dm, q.thi, _mm512_mul_ps(dm, q.s)), k1);
    __m512 k2 = _mm512_sub_ps(q.kj, k1);
    __m512 neg = _mm512_scalef_ps(_mm512_mul_ps(g, f1), k2);
    __m512 pos = _mm512_mul_ps(g, _mm512_sub_ps(_mm512_set1_ps(1.0f), _mm512_scalef_ps(f1, k2)));
    __mmask16 is_pos = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ);
    __m512 y = _mm512_mask_mov_ps(neg, is_pos, pos);
    /* NaN x: NaN (g * NaN), whatever g */
    return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}

/* The fast paths, |x| <= 8.48: tables of a = |x| on 32 intervals uniform
 * in a (a + 3) (tools/fit_pw_f32.py gelu_n), interval round(a (a + 3)
 * SCALE) from two FMAs, no exponential.
 * forward: V(a) = a Phi(-a) = c0 + t P(t) (degree 7, 2^-27.1; the first
 * interval's c = c0 = 0, so t = a exactly and V keeps its relative
 * accuracy down to the subnormals), gelu(x) = x - V(x) for x > 0 and
 * -V(|x|) below: y = (max(0, x) - c0) - t P in one FMA, rounded once for
 * x <= 0 (and on the first interval), twice above: 1.411 ULP over all
 * 2^32 inputs (1.468 on the exponential path).  About 24 operations per 16
 * lanes (the table of Phi(-a), with a V = a c0 + (a t) p0 + (a t) (t Q) in
 * split products, took 34 for 1.62 ULP).  Lanes beyond 8.48 (+-inf too)
 * and NaN lanes (kept as they are, sign and payload) take the path above.
 * backward: g G(a) (x <= 0) or g (1 - G(a)), G = Phi(-a) - a phi(a) = V'
 * from a second table on the same intervals (its fit held to its
 * interval's scale where G crosses zero, at 0.7518), G rounded once, then
 * 1 - G and the product. */
#include "fastact_pw_gelu_n_f32_table.h"

/* the interval in k's low bits: a (a + 3) SCALE rounded (+ 1.5 * 2^23) */
static inline __m512 fa_gelu_n_index(__m512 a)
{
    const float s = FA_PW_GELU_N_F32_SCALE;
    return _mm512_fmadd_ps(a, _mm512_fmadd_ps(a, _mm512_set1_ps(s), _mm512_set1_ps(3.0f * s)),
                           _mm512_set1_ps(0x1.8p23f));
}

static inline __m512 fa_gelu_fast_f32x16(__m512 x, const float (*N)[32], const float (*T)[32],
                                         const struct fa_exp2_tabs *tb)
{
    __m512 a = _mm512_abs_ps(x);
    __m512 t, c0, P = fa_table_poly_k(fa_gelu_n_index(a), a, N, FA_PW_GELU_N_F32_ROWS, &t, &c0);
    __m512 y = fa_gelu_from_tail_poly(x, t, P, c0);
    __mmask16 far = _mm512_cmp_ps_mask(a, _mm512_set1_ps(FA_PW_GELU_N_F32_LIMIT), _CMP_NLE_UQ);
    if (far)
        y = _mm512_mask_mov_ps(y, far, fa_gelu_f32x16(x, T, tb));
    return y;
}

static inline __m512 fa_gelu_grad_fast_f32x16(__m512 g, __m512 x, const float (*GT)[32],
                                              const float (*T)[32], const struct fa_exp2_tabs *tb)
{
    __m512 a = _mm512_abs_ps(x);
    __m512 t, c0, P = fa_table_poly_k(fa_gelu_n_index(a), a, GT, FA_PW_GELU_N_F32_ROWS, &t, &c0);
    __m512 y = fa_times_reflected(g, x, _mm512_fmadd_ps(t, P, c0));
    __mmask16 far = _mm512_cmp_ps_mask(a, _mm512_set1_ps(FA_PW_GELU_N_F32_LIMIT), _CMP_NLE_UQ);
    if (far)
        y = _mm512_mask_mov_ps(y, far, fa_gelu_grad_f32x16(g, x, T, tb));
    return y;
}

#define FA_GELU_SETUP                                                         \
    const float (*T)[32] = fa_pw_gelu_m_f32_table;                            \
    const struct fa_exp2_tabs tabs = fa_exp2_tabs_load();                     \
    const float (*N)[32] = fa_pw_gelu_v_f32_table;
#define FA_GELU_GRAD_SETUP                                                    \
    const float (*T)[32] = fa_pw_gelu_m_f32_table;                            \
    const struct fa_exp2_tabs tabs = fa_exp2_tabs_load();                     \
    const float (*GT)[32] = fa_pw_gelu_g_f32_table;
#define FA_GELU_VEC(v) fa_gelu_fast_f32x16((v), N, T, &tabs)
#define FA_GELU_GRAD_VEC(gv, xv) fa_gelu_grad_fast_f32x16((gv), (xv), GT, T, &tabs)
FA_DEFINE_MASKED_LOOP(gelu, FA_GELU_SETUP, FA_GELU_VEC)
FA_DEFINE_MASKED_GRAD_LOOP(gelu, FA_GELU_GRAD_SETUP, FA_GELU_GRAD_VEC)
FA_DEFINE_HAND_GRAD_ENTRIES(gelu)
FA_DEFINE_HAND_PARAM_ENTRIES(gelu)
#endif

/* softplus(x, beta, threshold) and its gradient in float by hand (AVX-512)
 * where beta is a power of two in [2^-99, 2^100] (1 and 2 among them): then
 * u = beta x is exact (save over- and underflow, harmless there), and the
 * result is the hand softplus of u times 1/beta (exact) or g sigmoid(u),
 * with the bounds of fastact.softplus and its gradient.  u > threshold
 * compares against the largest float not above threshold (the same test as
 * beta x > threshold in double).  Other betas take the generic loop. */
#if defined(FA_SOFTPLUS_F32_BY_HAND) && defined(FA_TIMES_SIGMOID_F32_BY_HAND)
#define FA_SOFTPLUS_BT_F32_BY_HAND 1

static int fa_beta_is_pow2(double beta)
{
    int e;
    return frexp(beta, &e) == 0.5 && e >= -98 && e <= 101;
}

static float fa_float_at_or_below(double t)
{
    float f = (float)t;
    return ((double)f > t) ? nextafterf(f, -INFINITY) : f;
}

static float fa_float_at_or_above(double t)
{
    float f = (float)t;
    return ((double)f < t) ? nextafterf(f, INFINITY) : f;
}

struct fa_softplus_bt_consts {
    __m512 beta, inv, thr;
};

static inline struct fa_softplus_bt_consts fa_softplus_bt_consts(const double *p)
{
    struct fa_softplus_bt_consts c = {_mm512_set1_ps((float)p[0]), _mm512_set1_ps((float)(1.0 / p[0])),
                                      _mm512_set1_ps(fa_float_at_or_below(p[1]))};
    return c;
}

static inline __m512 fa_softplus_bt_f32x16(__m512 x, const struct fa_softplus_bt_consts *c,
                                           const float (*T)[32], const struct fa_exp2_tabs *tb)
{
    __m512 u = _mm512_mul_ps(x, c->beta);
    __m512 y = _mm512_mul_ps(fa_softplus_f32x16_any(u, T, tb), c->inv);
    return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(u, c->thr, _CMP_GT_OQ), x);
}
#define FA_SOFTPLUS_BT_VEC(v) fa_softplus_bt_f32x16((v), c, T, &tabs)

/* g sigmoid(u) for the gradient, from the shared table exp alone (the
 * sigmoid's 32-interval table covers |u| < 12, which beta = 2 doubles past
 * for half the usual inputs): e = e^-|u| = 2^k (thi + sx), q = 1 / (1 + e)
 * (14-bit reciprocal, a Newton step, 1 + e split exactly), g q for u >= 0,
 * 2^k (g (thi + sx) q) below with g thi split exactly, 2^k split in two
 * where |g| >= 2^126 could overflow first.  Measured 2.14 ULP. */
static inline __m512 fa_g_sigmoid_f32x16(__m512 g, __m512 u, const struct fa_exp2_tabs *tb)
{
    __m512 z = _mm512_max_ps(_mm512_set1_ps(-300.0f), _mm512_or_ps(u, _mm512_set1_ps(-0.0f)));
    __m512 sx, kj, thi = fa_exp_parts_f32x16(z, NULL, tb, &sx, &kj);
    __m512 e = _mm512_scalef_ps(_mm512_add_ps(thi, sx), kj);
    __m512 q = fa_recip_one_plus(e);
    /* u < 0: 2^k g (thi + sx) q, g thi = p + pe exactly */
    if (_mm512_cmp_ps_mask(_mm512_abs_ps(g), _mm512_set1_ps(0x1p126f), _CMP_GE_OQ)) {
        __m512 k1 = _mm512_max_ps(kj, _mm512_set1_ps(-100.0f));
        thi = _mm512_scalef_ps(thi, k1);
        sx = _mm512_scalef_ps(sx, k1);
        kj = _mm512_sub_ps(kj, k1);
    }
    __m512 p = _mm512_mul_ps(g, thi);
    __m512 pe = _mm512_fmadd_ps(g, sx, _mm512_fmsub_ps(g, thi, p));
    __m512 neg = _mm512_scalef_ps(_mm512_fmadd_ps(p, q, _mm512_mul_ps(pe, q)), kj);
    return _mm512_mask_mul_ps(neg, _mm512_cmp_ps_mask(u, _mm512_setzero_ps(), _CMP_GE_OQ), g, q);
}

static inline __m512 fa_softplus_bt_grad_f32x16(__m512 g, __m512 x,
                                                const struct fa_softplus_bt_consts *c,
                                                const struct fa_exp2_tabs *tb)
{
    __m512 u = _mm512_mul_ps(x, c->beta);
    return _mm512_mask_mov_ps(fa_g_sigmoid_f32x16(g, u, tb),
                              _mm512_cmp_ps_mask(u, c->thr, _CMP_GT_OQ), g);
}
#define FA_SOFTPLUS_BT_GRAD_VEC(gv, xv) fa_softplus_bt_grad_f32x16((gv), (xv), c, &tabs)
FA_DEFINE_PARAM_GRAD(softplus_bt, struct fa_softplus_bt_consts, fa_beta_is_pow2(p[0]),
                     fa_softplus_bt_consts(p), FA_EXP2_TABS_SETUP, FA_SOFTPLUS_BT_GRAD_VEC)

static inline void fa_softplus_bt_f32_loop(const float *x, float *y, ptrdiff_t n, int stream,
                                           const struct fa_softplus_bt_consts *c)
FA_MASKED_LOOP_BODY(FA_SOFTPLUS_SETUP, FA_SOFTPLUS_BT_VEC, FA_LOADS_X, FA_PREFETCH_X)

/* The forward for beta in [2^-32, 2^32] (1 and 2 among them): the table's
 * c0 and P rows times 1/beta, and beta taken into the intervals' scale and
 * into t = |x| beta - c, so that the table's lanes form neither u = beta x
 * nor the product by 1/beta: the same operations on values 1/beta times as
 * large, each exact or rounded at the same place, give the same bits (all
 * 2^32 inputs, beta = 2^-32, 1/2, 1, 2, 2^32).  Where threshold >= 19.5,
 * the default 20 among them, the select is left out: there the table's
 * sum rounds to u already (above, G(19.5) < 2^-27 is less than half an ULP
 * of u), and so the result to x.  One difference from forming u: where
 * beta x overflows for a finite x and threshold is +inf or NaN (no
 * select), the result is x, as in double, where u = inf gave inf.  (1e8
 * elements, beta = 2: 34 -> 30 operations per 16 lanes.) */
struct fa_softplus_fold {
    float tab[FA_PW_SOFTPLUS_F32_ROWS][32];
    __m512 beta, inv, sb, lim, nlim, thr;
};

/* the constants for p = (beta, threshold); returns whether the select is
 * needed (threshold below 19.5, or NaN) */
static int fa_softplus_fold_init(struct fa_softplus_fold *c, const double *p)
{
    const float inv = (float)(1.0 / p[0]), thr = fa_float_at_or_below(p[1]);
    for (int j = 0; j < FA_PW_SOFTPLUS_F32_ROWS; j++)
        for (int i = 0; i < 32; i++)
            c->tab[j][i] = j == 0 ? fa_pw_softplus_g_f32_table[j][i] : fa_pw_softplus_g_f32_table[j][i] * inv;
    c->beta = _mm512_set1_ps((float)p[0]);
    c->inv = _mm512_set1_ps(inv);
    c->sb = _mm512_set1_ps(FA_PW_SOFTPLUS_F32_SCALE * (float)p[0]);
    c->lim = _mm512_set1_ps(FA_PW_SOFTPLUS_F32_LIMIT * inv);
    c->nlim = _mm512_set1_ps(-FA_PW_SOFTPLUS_F32_LIMIT * inv);
    c->thr = _mm512_set1_ps(thr);
    return !(thr >= FA_PW_SOFTPLUS_F32_LIMIT);
}

static inline __m512 fa_softplus_fold_table_f32x16(__m512 x, const struct fa_softplus_fold *c)
{
    __m512 t, c0;
    __m512 a = _mm512_min_ps(_mm512_abs_ps(x), c->lim);
    __m512 p = fa_small_table_poly_s(a, &c->beta, c->sb, FA_PW_SOFTPLUS_F32_OFFSET,
                                     (const float (*)[32])c->tab, FA_PW_SOFTPLUS_F32_ROWS, &t, &c0);
    return fa_softplus_from_table(x, t, p, c0);
}

static inline __m512 fa_softplus_fold_f32x16(__m512 x, const struct fa_softplus_fold *c,
                                             const struct fa_exp2_tabs *tb, int select)
{
    /* -19.5 <= beta x < inf: the table */
    __mmask16 in = _mm512_mask_cmp_ps_mask(_mm512_cmp_ps_mask(x, c->nlim, _CMP_GE_OQ), x,
                                           _mm512_set1_ps(INFINITY), _CMP_LT_OQ);
    __m512 y;
    if (in == (__mmask16)0xFFFF) {
        y = fa_softplus_fold_table_f32x16(x, c);
    } else {
        y = _mm512_mul_ps(fa_softplus_low_f32x16(_mm512_mul_ps(x, c->beta), tb), c->inv);
        if (in)
            y = _mm512_mask_mov_ps(y, in, fa_softplus_fold_table_f32x16(x, c));
    }
    if (select)
        y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(_mm512_mul_ps(x, c->beta), c->thr, _CMP_GT_OQ), x);
    return y;
}
#define FA_SOFTPLUS_FOLD_VEC(v) fa_softplus_fold_f32x16((v), c, &tabs, 0)
#define FA_SOFTPLUS_FOLD_SELECT_VEC(v) fa_softplus_fold_f32x16((v), c, &tabs, 1)
static inline void fa_softplus_fold_f32_loop(const float *x, float *y, ptrdiff_t n, int stream,
                                             const struct fa_softplus_fold *c)
FA_MASKED_LOOP_BODY(FA_EXP2_TABS_SETUP, FA_SOFTPLUS_FOLD_VEC, FA_LOADS_X, FA_PREFETCH_X)
static inline void fa_softplus_fold_select_f32_loop(const float *x, float *y, ptrdiff_t n,
                                                    int stream, const struct fa_softplus_fold *c)
FA_MASKED_LOOP_BODY(FA_EXP2_TABS_SETUP, FA_SOFTPLUS_FOLD_SELECT_VEC, FA_LOADS_X, FA_PREFETCH_X)

static void FA_LOCAL(p_softplus_bt_f32)(const void *x, void *y, ptrdiff_t n, const double *p);
static void FA_LOCAL(p_softplus_bt_f32_nt)(const void *x, void *y, ptrdiff_t n, const double *p);

static void FA_LOCAL(p_softplus_bt_f32_by_hand_impl)(const void *x, void *y, ptrdiff_t n,
                                                     const double *p, int stream)
{
    if (!fa_beta_is_pow2(p[0])) {
        (stream ? FA_LOCAL(p_softplus_bt_f32_nt) : FA_LOCAL(p_softplus_bt_f32))(x, y, n, p);
        return;
    }
    if (p[0] >= 0x1p-32 && p[0] <= 0x1p32) {
        struct fa_softplus_fold c;
        if (fa_softplus_fold_init(&c, p))
            fa_softplus_fold_select_f32_loop((const float *)x, (float *)y, n, stream, &c);
        else
            fa_softplus_fold_f32_loop((const float *)x, (float *)y, n, stream, &c);
        return;
    }
    struct fa_softplus_bt_consts c = fa_softplus_bt_consts(p);
    fa_softplus_bt_f32_loop((const float *)x, (float *)y, n, stream, &c);
}
FA_DEFINE_PARAM_IMPL_ENTRIES(softplus_bt)
#endif

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define FA_CLAMPS_F32_BY_HAND 1
/* hardtanh, relu6 and threshold and their gradients in float by hand
 * (AVX-512): clamps and selects, exact in float once the parameters are
 * rounded the right way.  Rounding is monotone, so clamping a float to
 * round(p) gives round(clamp to p); a float x is > p where it is > the
 * largest float <= p, < p where it is < the smallest float >= p, and <= p
 * where it is <= the largest float <= p.  The double functions they
 * replace convert four times per 16 lanes (hardtanh's forward ran at 84% of
 * the copy at 1e6, relu's at 93%). */
struct fa_clamp_consts {
    __m512 lo, hi;              /* round(p0), round(p1) */
    __m512 above, below;        /* x > p0: x > above; x < p1: x < below */
    __m512 lo_up, hi_down;      /* x < p0: x < lo_up; x > p1: x > hi_down */
};

static inline struct fa_clamp_consts fa_clamp_consts(double p0, double p1)
{
    struct fa_clamp_consts c = {_mm512_set1_ps((float)p0), _mm512_set1_ps((float)p1),
                                _mm512_set1_ps(fa_float_at_or_below(p0)),
                                _mm512_set1_ps(fa_float_at_or_above(p1)),
                                _mm512_set1_ps(fa_float_at_or_above(p0)),
                                _mm512_set1_ps(fa_float_at_or_below(p1))};
    return c;
}

/* hardtanh: x below p0 -> round(p0), above p1 -> round(p1) (the compares
 * with the right-way bounds: x = -0 against p0 = 1e-50, whose round is +0,
 * gives +0 as the double function); NaN compares false and stays */
static inline __m512 fa_hardtanh_f32x16(__m512 x, const struct fa_clamp_consts *c)
{
    __m512 r = _mm512_mask_mov_ps(x, _mm512_cmp_ps_mask(x, c->lo_up, _CMP_LT_OQ), c->lo);
    return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(r, c->hi_down, _CMP_GT_OQ), c->hi);
}

/* g strictly inside (p0, p1), else 0; NaN x gives x */
static inline __m512 fa_inside_grad_f32x16(__m512 g, __m512 x, const struct fa_clamp_consts *c)
{
    __mmask16 in = _mm512_mask_cmp_ps_mask(_mm512_cmp_ps_mask(x, c->above, _CMP_GT_OQ), x, c->below,
                                           _CMP_LT_OQ);
    return _mm512_mask_mov_ps(_mm512_maskz_mov_ps(in, g), _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}

/* relu6: hardtanh to [0, 6], then + 0 (relu6(-0) = +0, as relu) */
static inline __m512 fa_relu6_f32x16(__m512 x, const struct fa_clamp_consts *c)
{
    return _mm512_add_ps(fa_hardtanh_f32x16(x, c), _mm512_setzero_ps());
}

/* threshold: x <= p0 -> value (lo holds it here), else x (NaN stays) */
static inline __m512 fa_threshold_f32x16(__m512 x, const struct fa_clamp_consts *c)
{
    return _mm512_mask_mov_ps(x, _mm512_cmp_ps_mask(x, c->above, _CMP_LE_OQ), c->lo);
}

/* its gradient: 0 where x <= p0, else g; NaN x gives x */
static inline __m512 fa_threshold_grad_f32x16(__m512 g, __m512 x, const struct fa_clamp_consts *c)
{
    __m512 r = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, c->above, _CMP_GT_OQ), g);
    return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}

#define FA_DEFINE_CLAMP_KERNEL(name, FWD, GRAD, CONSTS)                       \
    FA_DEFINE_PARAM_KERNEL(name, struct fa_clamp_consts, 1, CONSTS, FA_NO_SETUP, FWD,           \
                           FA_NO_SETUP, GRAD)
#define FA_HARDTANH_VEC(v) fa_hardtanh_f32x16((v), c)
#define FA_RELU6_VEC(v) fa_relu6_f32x16((v), c)
#define FA_THRESHOLD_VEC(v) fa_threshold_f32x16((v), c)
#define FA_INSIDE_GRAD_VEC(gv, xv) fa_inside_grad_f32x16((gv), (xv), c)
#define FA_THRESHOLD_GRAD_VEC(gv, xv) fa_threshold_grad_f32x16((gv), (xv), c)
FA_DEFINE_CLAMP_KERNEL(hardtanh, FA_HARDTANH_VEC, FA_INSIDE_GRAD_VEC, fa_clamp_consts(p[0], p[1]))
FA_DEFINE_CLAMP_KERNEL(relu6, FA_RELU6_VEC, FA_INSIDE_GRAD_VEC, fa_clamp_consts(0.0, 6.0))
/* threshold: the value in lo, x <= p0 as x <= above */
static inline struct fa_clamp_consts fa_threshold_consts(const double *p)
{
    struct fa_clamp_consts c = {_mm512_set1_ps((float)p[1]), _mm512_setzero_ps(),
                                _mm512_set1_ps(fa_float_at_or_below(p[0])), _mm512_setzero_ps(),
                                _mm512_setzero_ps(), _mm512_setzero_ps()};
    return c;
}
FA_DEFINE_CLAMP_KERNEL(threshold, FA_THRESHOLD_VEC, FA_THRESHOLD_GRAD_VEC, fa_threshold_consts(p))
#endif

/* leaky_relu and its gradient in float by hand (AVX-512): a s with the
 * float64 slope s = sh + sl in two floats, fma(a, sh, a sl): one rounding
 * of a value within 2^-48 of a s (the double function rounds a s twice,
 * to double and then to float).  Where a sl would make inf - inf (a = inf,
 * sh and sl of opposite signs) or inf times 0, where the result is below
 * 2^-100 (a sl, or zero, is then lost to the subnormals) or from 2^100 up
 * (an overflowed a sl would decide the sign of inf), the double product; a slope beyond the float range or below 2^-100 (not 0) takes
 * the double function. */
#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define FA_LEAKY_RELU_F32_BY_HAND 1
struct fa_slope_consts {
    __m512 sh, sl;
    __m512d s;
};

static inline struct fa_slope_consts fa_slope_consts(double s)
{
    struct fa_slope_consts c = {fa_split_hi(s), fa_split_lo(s), _mm512_set1_pd(s)};
    return c;
}

/* a float vector's halves widened to double (lanes 0..7, 8..15), and two
 * double vectors narrowed back into one, each lane rounded once */
static inline __m512d fa_lo_pd(__m512 a)
{
    return _mm512_cvtps_pd(_mm512_castps512_ps256(a));
}

static inline __m512d fa_hi_pd(__m512 a)
{
    return _mm512_cvtps_pd(_mm512_extractf32x8_ps(a, 1));
}

static inline __m512 fa_narrow_ps(__m512d lo, __m512d hi)
{
    return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)), _mm512_cvtpd_ps(hi), 1);
}

/* f (a double function of one or two __m512d) on the halves of a (and b),
 * each lane narrowed back once */
#define FA_BY_HALVES(f, a) fa_narrow_ps(f(fa_lo_pd(a)), f(fa_hi_pd(a)))
#define FA_BY_HALVES2(f, a, b) fa_narrow_ps(f(fa_lo_pd(a), fa_lo_pd(b)), f(fa_hi_pd(a), fa_hi_pd(b)))

/* a s in double, rounded once to float */
static inline __m512 fa_times_f64(__m512 a, __m512d s)
{
    return fa_narrow_ps(_mm512_mul_pd(fa_lo_pd(a), s), _mm512_mul_pd(fa_hi_pd(a), s));
}

static inline __m512 fa_times_slope(__m512 a, const struct fa_slope_consts *c)
{
    __m512 y = _mm512_fmadd_ps(a, c->sh, _mm512_mul_ps(a, c->sl));
    /* a = +-0: a sh (-0 sh + -0 sl is +0 where sh and sl differ in sign) */
    y = _mm512_mask_mul_ps(y, _mm512_cmp_ps_mask(a, _mm512_setzero_ps(), _CMP_EQ_OQ), a, c->sh);
    /* NaN (from inf, or a NaN a), results below 2^-100 (a sl lost to the
     * subnormals there) and from 2^100 up: the double product */
    __m512 ay = _mm512_abs_ps(y);
    __mmask16 bad = _mm512_cmp_ps_mask(ay, _mm512_set1_ps(0x1p-100f), _CMP_NGE_UQ);
    bad = _mm512_mask_cmp_ps_mask(bad, a, _mm512_setzero_ps(), _CMP_NEQ_UQ);   /* a = +-0: exact */
    /* from 2^100 up (an overflowed a sl decides an inf result's sign) */
    bad = (__mmask16)(bad | _mm512_cmp_ps_mask(ay, _mm512_set1_ps(0x1p100f), _CMP_GE_OQ));
    return bad ? _mm512_mask_mov_ps(y, bad, fa_times_f64(a, c->s)) : y;
}

/* x > 0: x, else x s (NaN x: x s = NaN) */
static inline __m512 fa_leaky_relu_f32x16(__m512 x, const struct fa_slope_consts *c)
{
    return _mm512_mask_mov_ps(fa_times_slope(x, c), _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ), x);
}

/* x > 0: g, else g s; NaN x gives x */
static inline __m512 fa_leaky_relu_grad_f32x16(__m512 g, __m512 x, const struct fa_slope_consts *c)
{
    __m512 r = _mm512_mask_mov_ps(fa_times_slope(g, c), _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ), g);
    return _mm512_mask_mov_ps(r, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}

/* a slope beyond the float range (its sh inf), or below 2^-100 but not 0
 * (its sl subnormal, so sh + sl no longer holds it to 2^-48): the double
 * function */
static int fa_slope_is_float(double s)
{
    return s == 0.0 || (fabs(s) <= 0x1.fffffep+127 && fabs(s) >= 0x1p-100);
}

#define FA_LEAKY_RELU_VEC(v) fa_leaky_relu_f32x16((v), c)
#define FA_LEAKY_RELU_GRAD_VEC(gv, xv) fa_leaky_relu_grad_f32x16((gv), (xv), c)
FA_DEFINE_PARAM_KERNEL(leaky_relu, struct fa_slope_consts, fa_slope_is_float(p[0]),
                       fa_slope_consts(p[0]), FA_NO_SETUP, FA_LEAKY_RELU_VEC, FA_NO_SETUP,
                       FA_LEAKY_RELU_GRAD_VEC)
#endif

/* softsign x / (1 + |x|) in float by hand (AVX-512): d = 1 + |x| as d + dl
 * exactly (Fast2Sum on max and min), q0 = x / d rounded (vdivps), then
 * q0 + (x - q0 (d + dl)) / d with the residual by FMA and the last division
 * by a 14-bit reciprocal: one rounding of a value within 2^-14 ULP of the
 * quotient, so about half an ULP; +-inf give +-1. */
#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define FA_SOFTSIGN_F32_BY_HAND 1
static inline __m512 fa_softsign_f32x16(__m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 a = _mm512_abs_ps(x);
    __m512 big = _mm512_max_ps(a, one), small = _mm512_min_ps(a, one);
    __m512 d = _mm512_add_ps(big, small);
    __m512 dl = _mm512_add_ps(_mm512_sub_ps(big, d), small);
    __m512 q0 = _mm512_div_ps(x, d);
    __m512 r = _mm512_fnmadd_ps(q0, dl, _mm512_fnmadd_ps(q0, d, x));
    __m512 q = _mm512_fmadd_ps(r, _mm512_rcp14_ps(d), q0);
    __m512 sign = _mm512_and_ps(x, _mm512_set1_ps(-0.0f));
    __mmask16 inf = _mm512_cmp_ps_mask(a, _mm512_set1_ps(INFINITY), _CMP_EQ_OQ);
    /* q has x's sign (-0 too: the residual's zeros add to +0) */
    return _mm512_mask_mov_ps(_mm512_or_ps(q, sign), inf, _mm512_or_ps(one, sign));
}
#define FA_SOFTSIGN_VEC(v) fa_softsign_f32x16(v)
FA_DEFINE_MASKED_LOOP(softsign, FA_NO_SETUP, FA_SOFTSIGN_VEC)
FA_DEFINE_HAND_PARAM_ENTRIES(softsign)
#endif

/* tanhshrink x - tanh(x) in float by hand (AVX-512), a = |x|, x's sign:
 * - a < 8: a^3 f(a), f = (a - tanh a) / a^3 from a table of 32
 *   polynomials of degree 6 on [-4/31, 8 + 4/31) (tools/fit_pw_f32.py
 *   tanhshrink; 2^-30.4), a^3 = p + e (a^2 = h + hl and a h = p + pe by
 *   FMA), p c0 + (p t P + e c0) rounded once: no cancellation left, about
 *   half an ULP (below 2^-32 on a 2^40 times larger, scaled back after);
 * - above: a - 1, exact below 2^24 and the correctly rounded result: the
 *   rest, 2 e^-2a / (1 + e^-2a) <= 2.26e-7, stays below half an ULP of
 *   a - 1 >= 7 (2.38e-7) (from 2^24 to 2^25 a - 1 is a tie, rounded to
 *   even: within half an ULP and a hair).  No exponential: about 18 operations per 16 lanes
 *   (the table stopped at 7.75 before, and a vector with any lane past it
 *   paid for an exponential and a reciprocal).
 * Over all 2^32 inputs: 0.7304 ULP, 0.7501 for subnormal results, 99.86%
 * correctly rounded (1.40 before, next to the subnormals). */
#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define FA_TANHSHRINK_F32_BY_HAND 1
#include "fastact_pw_tanhshrink_f32_table.h"

/* a^3 (c0 + tP): a^3 = p + e (a^2 = h + hl and a h = p + pe by FMA), then
 * p c0 + (p tP + e c0) rounded once */
static inline __m512 fa_cube_times(__m512 a, __m512 c0, __m512 tP)
{
    __m512 h = _mm512_mul_ps(a, a);
    __m512 hl = _mm512_fmsub_ps(a, a, h);
    __m512 p = _mm512_mul_ps(a, h);
    __m512 e = _mm512_fmadd_ps(a, hl, _mm512_fmsub_ps(a, h, p));
    return _mm512_fmadd_ps(p, c0, _mm512_fmadd_ps(p, tP, _mm512_mul_ps(e, c0)));
}

static inline __m512 fa_tanhshrink_f32x16(__m512 x, const float (*T)[32])
{
    const __m512 lim = _mm512_set1_ps(FA_PW_TANHSHRINK_F32_LIMIT);
    __m512 a = _mm512_abs_ps(x);
    __m512 am = _mm512_min_ps(a, lim);
    __m512 t, c0, P = fa_small_table_poly(am, T, FA_PW_TANHSHRINK_F32_ROWS, FA_PW_TANHSHRINK_F32_SCALE,
                                          FA_PW_TANHSHRINK_F32_OFFSET, &t, &c0);
    __m512 v = fa_cube_times(am, c0, _mm512_mul_ps(t, P));
    /* below 2^-32 a^3's low part and the result near the subnormals: a
     * 2^40 cubed, the result scaled back, rounded there once more */
    __mmask16 tiny = _mm512_cmp_ps_mask(a, _mm512_set1_ps(0x1p-32f), _CMP_LT_OQ);
    if (tiny)
        v = _mm512_mask_scalef_ps(v, tiny,
                                  fa_cube_times(_mm512_mul_ps(am, _mm512_set1_ps(0x1p40f)), c0,
                                                _mm512_mul_ps(t, P)),
                                  _mm512_set1_ps(-120.0f));
    /* a >= 8, inf and NaN: a - 1 */
    v = _mm512_mask_sub_ps(v, _mm512_cmp_ps_mask(a, lim, _CMP_NLT_UQ), a, _mm512_set1_ps(1.0f));
    return _mm512_or_ps(v, _mm512_and_ps(x, _mm512_set1_ps(-0.0f)));      /* NaN stays NaN */
}
#define FA_TANHSHRINK_SETUP                                                   \
    const float (*T)[32] = fa_pw_tanhshrink_f_f32_table;
#define FA_TANHSHRINK_VEC(v) fa_tanhshrink_f32x16((v), T)
FA_DEFINE_MASKED_LOOP(tanhshrink, FA_TANHSHRINK_SETUP, FA_TANHSHRINK_VEC)
FA_DEFINE_HAND_PARAM_ENTRIES(tanhshrink)
#endif

/* mish x tanh(softplus(x)) and its gradient in float by hand (AVX-512),
 * from tables of 32 polynomials of degree 7 on [-13.125, 10.875), width
 * 3/4 (tools/fit_pw_f32.py mish): T(x) = tanh(softplus(x)) (2^-28.7;
 * 2^-27.1 above 9.375, where no float c meets Gal's condition) and D(x) =
 * mish'(x) = T + x sigmoid(x) (1 - T^2) (Gal's c0; D's fit is held to its
 * interval's scale where it crosses zero, at -1.19, so its error there is
 * absolute), then
 * - forward: x c0 + x (t P(t)), rounded once after the small product's
 *   rounding; x is clamped to 9.49 for the table, where T rounds to 1
 *   (1 - T < 2^-26), so x above it gives x (+inf too);
 * - backward: g D, D = c0 + t P(t) rounded first, to 1 from 10.49 up
 *   (D - 1 < 2^-24.9, below half an ULP of 1's binade);
 * - below -13: with e = e^x (below 2^-18.7), T = e - e^2/2 and D = e (1 +
 *   x) - e^2 (x + 1/2), to O(e^3) relative: from the shared table exp,
 *   e = 2^k (thi + s), the e^2 term a small correction, rounded once (a
 *   second time for a subnormal result), in a branch that only vectors
 *   with such a lane take.  g D is scaled in two steps (2^max(k, -64)
 *   first), so that a subnormal D loses no bits of g's product; x is
 *   clamped at -200 there (g D underflows below -195 even for the largest
 *   g), at -150 for x e^x.
 * About 24 operations per 16 lanes, against the double function's
 * quotient and exponential per element (6x faster on one core).  Over all
 * 2^32 inputs: forward 1.33 ULP; gradient 1.21 ULP with g = 1, 2.08 with
 * a random g in (-2, 2), outside 0.5 of the zero at -1.19. */
#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define FA_MISH_F32_BY_HAND 1
#include "fastact_pw_mish_f32_table.h"

/* x clamped to [-13, top] for the tables (NaN kept) */
static inline __m512 fa_mish_clamp(__m512 x, float top)
{
    return _mm512_min_ps(_mm512_set1_ps(top), _mm512_max_ps(_mm512_set1_ps(-FA_PW_MISH_F32_LIMIT), x));
}

/* below -13: a (w e - v e^2) / 2^k unrounded but for one rounding, w and v
 * exact, e = 2^k (thi + s) (z = max(x, -150)); *kj gets k */
static inline __m512 fa_mish_tail(__m512 z, __m512 w, __m512 v, const struct fa_exp2_tabs *tb,
                                  __m512 *kj)
{
    __m512 s, thi = fa_exp_parts_f32x16(z, NULL, tb, &s, kj);
    /* the e^2 term, below 2^-18.7 of the result, from e rounded (s counts:
     * it is up to 2^-6.5 of thi) */
    __m512 h = _mm512_add_ps(thi, s);
    __m512 c = _mm512_mul_ps(_mm512_mul_ps(v, h), _mm512_scalef_ps(h, *kj));
    return _mm512_fmadd_ps(w, thi, _mm512_fmsub_ps(w, s, c));
}

static inline __m512 fa_mish_f32x16(__m512 x, const float (*T)[32], const struct fa_exp2_tabs *tb)
{
    /* x c0 + x (t P) rounded once (|t P| below half of |c0|); the small
     * product from x clamped (+inf: inf c0 + finite), x's sign for x = -0
     * too (-0 c0 + +0) */
    __m512 xc = fa_mish_clamp(x, 0x1.2fae14p+3f), t, c0;                     /* 9.49 */
    __m512 P = fa_small_table_poly(xc, T, FA_PW_MISH_F32_ROWS, FA_PW_MISH_F32_SCALE,
                                   FA_PW_MISH_F32_OFFSET, &t, &c0);
    __m512 y = _mm512_or_ps(_mm512_fmadd_ps(x, c0, _mm512_mul_ps(xc, _mm512_mul_ps(t, P))),
                            _mm512_and_ps(x, _mm512_set1_ps(-0.0f)));
    __mmask16 tail = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-FA_PW_MISH_F32_LIMIT), _CMP_LT_OQ);
    if (tail) {
        /* x (e - e^2/2); from -150 down every result is -0 (-inf too) */
        __m512 z = _mm512_max_ps(_mm512_set1_ps(-150.0f), x), kj;
        __m512 v = fa_mish_tail(z, z, _mm512_mul_ps(z, _mm512_set1_ps(0.5f)), tb, &kj);
        y = _mm512_mask_scalef_ps(y, tail, v, kj);
    }
    return y;
}

static inline __m512 fa_mish_grad_f32x16(__m512 g, __m512 x, const float (*D)[32],
                                         const struct fa_exp2_tabs *tb)
{
    __m512 t, c0, P = fa_small_table_poly(fa_mish_clamp(x, 0x1.4fae14p+3f), D,      /* 10.49 */
                                          FA_PW_MISH_F32_ROWS, FA_PW_MISH_F32_SCALE,
                                          FA_PW_MISH_F32_OFFSET, &t, &c0);
    /* g D, D rounded first (near D's zero t P outgrows c0, where the
     * forward's pair g c0 + g t P would gain little) */
    __m512 y = _mm512_mul_ps(g, _mm512_fmadd_ps(t, P, c0));
    __mmask16 tail = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-FA_PW_MISH_F32_LIMIT), _CMP_LT_OQ);
    __mmask16 pinf = _mm512_cmp_ps_mask(x, _mm512_set1_ps(INFINITY), _CMP_EQ_OQ);
    if (tail | pinf) {
        /* g (e (1 + x) - e^2 (x + 1/2)), both sums exact down there */
        __m512 z = _mm512_max_ps(_mm512_set1_ps(-200.0f), x), kj;
        __m512 f = fa_mish_tail(z, _mm512_add_ps(z, _mm512_set1_ps(1.0f)),
                                _mm512_add_ps(z, _mm512_set1_ps(0.5f)), tb, &kj);
        __m512 k1 = _mm512_max_ps(kj, _mm512_set1_ps(-64.0f));
        __m512 v = _mm512_scalef_ps(_mm512_mul_ps(g, _mm512_scalef_ps(f, k1)), _mm512_sub_ps(kj, k1));
        /* x = -inf: g * 0, the double function's limit */
        __mmask16 ninf = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-INFINITY), _CMP_EQ_OQ);
        v = _mm512_mask_mul_ps(v, ninf, g, _mm512_setzero_ps());
        y = _mm512_mask_mov_ps(y, tail, v);
        /* x = +inf: NaN, as the float64 function's T + inf * 0 and PyTorch */
        y = _mm512_mask_mov_ps(y, pinf, _mm512_set1_ps(NAN));
    }
    return y;
}

#define FA_MISH_SETUP                                                         \
    const float (*T)[32] = fa_pw_mish_t_f32_table;                            \
    const struct fa_exp2_tabs tabs = fa_exp2_tabs_load();
#define FA_MISH_GRAD_SETUP                                                    \
    const float (*D)[32] = fa_pw_mish_d_f32_table;                            \
    const struct fa_exp2_tabs tabs = fa_exp2_tabs_load();
#define FA_MISH_VEC(v) fa_mish_f32x16((v), T, &tabs)
#define FA_MISH_GRAD_VEC(gv, xv) fa_mish_grad_f32x16((gv), (xv), D, &tabs)
FA_DEFINE_MASKED_LOOP(mish, FA_MISH_SETUP, FA_MISH_VEC)
FA_DEFINE_MASKED_GRAD_LOOP(mish, FA_MISH_GRAD_SETUP, FA_MISH_GRAD_VEC)
FA_DEFINE_HAND_PARAM_ENTRIES(mish)
FA_DEFINE_HAND_GRAD_ENTRIES(mish)
#endif

/* The tanh gelu and its gradient in float by hand (AVX-512): v = x (k1 +
 * k3 x^2), s = sigmoid(v) = q or e q, e = e^-|v| (the shared table exp),
 * q = 1 / (1 + e) (a 14-bit reciprocal and a Newton step, 2^-28).  v =
 * k1 x + k3 x^3 is carried as vh + vl (x^3, k1 x and k3 x^3 split by FMA, k1
 * and k3 in two floats each, the sum by TwoSum), and vl goes into e's
 * reduction: in the negative tail, where the result is about e^v, its error
 * does not grow with |v|.
 * forward: x s, x q for v >= 0, 2^kj x (thi + sx) q below, with q + ql
 * the reciprocal of 1 + 2^kj (thi + sx) unrounded and x thi split exactly:
 * rounded once (and once more by the scaling where the result is
 * subnormal).  4.6e8 inputs (every 7th float): 0.557 ULP, 0.751 for
 * subnormal results, 99.98% correctly rounded.
 * gradient: g (s + x s (1 - s) v'), s (1 - s) = e q^2.  Measured 6.1 ULP
 * next to the derivative's zero, 3.5 for x >= 0.
 * Both serve the lanes beyond |x| = 8.06 of the fast paths' tables below. */
#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define FA_GELU_TANH_GRAD_F32_BY_HAND 1
#define FA_GELU_TANH_F32_BY_HAND 1
struct fa_gelu_tanh_parts {
    __m512 h, v, thi, sx, kj, ep, e, q, ql;    /* ql: with exact_q, 1 / (1 + e) = q + ql */
    __mmask16 pos;                                  /* v >= 0 */
};

static inline struct fa_gelu_tanh_parts fa_gelu_tanh_parts(__m512 x, const struct fa_exp2_tabs *tb,
                                                            int exact_q)
{
    struct fa_gelu_tanh_parts o;
    const __m512 k1h = fa_split_hi(FA_GELU_K1), k1l = fa_split_lo(FA_GELU_K1);
    const __m512 k3h = fa_split_hi(FA_GELU_K3), k3l = fa_split_lo(FA_GELU_K3);
    __m512 h = _mm512_mul_ps(x, x);
    __m512 hl = _mm512_fmsub_ps(x, x, h);
    __m512 c3 = _mm512_mul_ps(x, h);                                   /* x^3 = c3 + c3e */
    __m512 c3e = _mm512_fmadd_ps(x, hl, _mm512_fmsub_ps(x, h, c3));
    __m512 p1 = _mm512_mul_ps(k1h, x);                                 /* k1 x = p1 + e1 */
    __m512 e1 = _mm512_fmadd_ps(k1l, x, _mm512_fmsub_ps(k1h, x, p1));
    __m512 p3 = _mm512_mul_ps(k3h, c3);                                /* k3 x^3 = p3 + e3 */
    __m512 e3 = _mm512_fmadd_ps(k3h, c3e, _mm512_fmadd_ps(k3l, c3, _mm512_fmsub_ps(k3h, c3, p3)));
    __m512 v = _mm512_add_ps(p1, p3);
    __m512 bv = _mm512_sub_ps(v, p1);
    __m512 vl = _mm512_add_ps(_mm512_add_ps(_mm512_sub_ps(p1, _mm512_sub_ps(v, bv)), _mm512_sub_ps(p3, bv)),
                              _mm512_add_ps(e1, e3));
    /* -|v| (and its low part), clamped where e^-|v| has long underflowed;
     * max keeps a NaN, and the low part goes where it would be inf - inf */
    o.pos = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GE_OQ);
    __m512 z = _mm512_max_ps(_mm512_set1_ps(-300.0f), _mm512_or_ps(v, _mm512_set1_ps(-0.0f)));
    __m512 zl = _mm512_mask_sub_ps(vl, o.pos, _mm512_setzero_ps(), vl);
    zl = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(z, _mm512_set1_ps(-300.0f), _CMP_GT_OQ), zl);
    o.thi = fa_exp_parts_f32x16(z, &zl, tb, &o.sx, &o.kj);
    o.ep = _mm512_add_ps(o.thi, o.sx);                         /* e = 2^kj ep */
    o.e = _mm512_scalef_ps(o.ep, o.kj);
    if (exact_q) {                              /* a constant at each call */
        /* q + ql of 2^kj (thi + sx), not of e rounded */
        __m512 el = _mm512_scalef_ps(_mm512_add_ps(_mm512_sub_ps(o.thi, o.ep), o.sx), o.kj);
        o.q = fa_recip_one_plus_2(o.e, el, &o.ql);
    } else {
        o.q = fa_recip_one_plus(o.e);
        o.ql = _mm512_setzero_ps();
    }
    o.h = h;
    o.v = v;
    return o;
}

static inline __m512 fa_gelu_tanh_f32x16(__m512 x, const struct fa_exp2_tabs *tb)
{
    struct fa_gelu_tanh_parts o = fa_gelu_tanh_parts(x, tb, 1);
    __m512 y = _mm512_fmadd_ps(x, o.q, _mm512_mul_ps(x, o.ql));
    if (o.pos != (__mmask16)0xFFFF) {
        /* v < 0: 2^kj x (thi + sx) (q + ql), x thi split exactly, rounded
         * once (and by the scaling where subnormal) */
        __m512 xt = _mm512_mul_ps(x, o.thi);
        __m512 xl = _mm512_fmadd_ps(x, o.sx, _mm512_fmsub_ps(x, o.thi, xt));
        __m512 w = _mm512_fmadd_ps(xt, o.q, _mm512_fmadd_ps(xt, o.ql, _mm512_mul_ps(xl, o.q)));
        y = _mm512_mask_mov_ps(_mm512_scalef_ps(w, o.kj), o.pos, y);
    }
    /* |x| > 40: x or -0 to the last bit (and x^3 overflows further out) */
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, _mm512_set1_ps(40.0f), _CMP_GT_OQ), x);
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, _mm512_set1_ps(-40.0f), _CMP_LT_OQ),
                           _mm512_set1_ps(-0.0f));
    return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}

static inline __m512 fa_gelu_tanh_grad_f32x16(__m512 g, __m512 x, const struct fa_exp2_tabs *tb)
{
    const __m512 k1h = fa_split_hi(FA_GELU_K1), k1l = fa_split_lo(FA_GELU_K1);
    const __m512 one = _mm512_set1_ps(1.0f);
    struct fa_gelu_tanh_parts o = fa_gelu_tanh_parts(x, tb, 0);
    __m512 dv = _mm512_add_ps(_mm512_fmadd_ps(_mm512_set1_ps((float)(3.0 * FA_GELU_K3)), o.h, k1h), k1l);
    __m512 dvq = _mm512_mul_ps(dv, o.q);
    /* v >= 0: q (1 + x v' q e) */
    __m512 y = _mm512_mul_ps(g, _mm512_mul_ps(o.q, _mm512_fmadd_ps(x, _mm512_mul_ps(dvq, o.e), one)));
    if (o.pos != (__mmask16)0xFFFF) {
        /* v < 0: 2^kj ep q (1 + x v' q), 1 + x (v' q) rounded once where it
         * cancels towards the derivative's zero; the 2^kj applied in two
         * steps after g (2^max(kj, -100) first): no underflow before g, no
         * overflow */
        __m512 r = _mm512_mul_ps(_mm512_mul_ps(o.ep, o.q), _mm512_fmadd_ps(x, dvq, one));
        __m512 k1 = _mm512_max_ps(o.kj, _mm512_set1_ps(-100.0f));
        __m512 yn = _mm512_scalef_ps(_mm512_mul_ps(g, _mm512_scalef_ps(r, k1)), _mm512_sub_ps(o.kj, k1));
        /* v < -250: g e^v x v' is below the subnormals for any float g */
        yn = _mm512_mask_mul_ps(yn, _mm512_cmp_ps_mask(o.v, _mm512_set1_ps(-250.0f), _CMP_LT_OQ), g,
                                _mm512_setzero_ps());
        y = _mm512_mask_mov_ps(yn, o.pos, y);
    }
    /* |x| > 40: r is 0 or 1 to the last bit (and x^3 overflows further out) */
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, _mm512_set1_ps(40.0f), _CMP_GT_OQ), g);
    y = _mm512_mask_mul_ps(y, _mm512_cmp_ps_mask(x, _mm512_set1_ps(-40.0f), _CMP_LT_OQ), g,
                           _mm512_setzero_ps());
    return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}
/* The fast paths, as the exact gelu's, for |x| <= 8.06: tables of a = |x|
 * on 32 intervals uniform in a + 0.044715 a^3 (tools/fit_pw_f32.py
 * gelu_tanh_n; degree 8), no exponential and no reciprocal.
 * forward: V(a) = a S(-a), S = sigmoid(-v(a)), expanded at each
 * interval's top (TOP_ANCHORED: V falls by e^1.6 across an interval, and
 * t P keeps c0's sign, at most 0.8 V) but the first's, at 0; y = (max(0,
 * x) - c0) - t P in one FMA: x - V(x) for x > 0, -V(|x|) below.  1.564
 * ULP over all 2^32 inputs (the exponential path above keeps 0.56, and its
 * 1-ULP bound was this forward's until the table: 2.6 times as fast).
 * backward: the derivative at -a, G = S - a v' S (1 - S) (1 - G at a;
 * held to an interval's scale where G crosses zero), g G or g (1 - G).
 * Lanes beyond (and NaN lanes, kept as they are) take the paths above. */
#include "fastact_pw_gelu_tanh_n_f32_table.h"

/* the interval in k's low bits: (a + 0.044715 a^3) SCALE rounded (+ 1.5 * 2^23) */
static inline __m512 fa_gelu_tanh_n_index(__m512 a)
{
    const float s = FA_PW_GELU_TANH_N_F32_SCALE;
    return _mm512_fmadd_ps(a, _mm512_fmadd_ps(_mm512_mul_ps(a, a), _mm512_set1_ps(0.044715f * s),
                                              _mm512_set1_ps(s)),
                           _mm512_set1_ps(0x1.8p23f));
}

static inline __m512 fa_gelu_tanh_fast_f32x16(__m512 x, const float (*VT)[32],
                                              const struct fa_exp2_tabs *tb)
{
    __m512 a = _mm512_abs_ps(x);
    __m512 t, c0, P = fa_table_poly_k(fa_gelu_tanh_n_index(a), a, VT, FA_PW_GELU_TANH_N_F32_ROWS,
                                      &t, &c0);
    __m512 y = fa_gelu_from_tail_poly(x, t, P, c0);
    __mmask16 far = _mm512_cmp_ps_mask(a, _mm512_set1_ps(FA_PW_GELU_TANH_N_F32_LIMIT), _CMP_NLE_UQ);
    if (far)
        y = _mm512_mask_mov_ps(y, far, fa_gelu_tanh_f32x16(x, tb));
    return y;
}

static inline __m512 fa_gelu_tanh_grad_fast_f32x16(__m512 g, __m512 x, const float (*GT)[32],
                                                   const struct fa_exp2_tabs *tb)
{
    __m512 a = _mm512_abs_ps(x);
    __m512 t, c0, P = fa_table_poly_k(fa_gelu_tanh_n_index(a), a, GT, FA_PW_GELU_TANH_N_F32_ROWS,
                                      &t, &c0);
    __m512 y = fa_times_reflected(g, x, _mm512_fmadd_ps(t, P, c0));
    __mmask16 far = _mm512_cmp_ps_mask(a, _mm512_set1_ps(FA_PW_GELU_TANH_N_F32_LIMIT), _CMP_NLE_UQ);
    if (far)
        y = _mm512_mask_mov_ps(y, far, fa_gelu_tanh_grad_f32x16(g, x, tb));
    return y;
}

#define FA_GELU_TANH_GRAD_SETUP                                               \
    FA_EXP2_TABS_SETUP                                                        \
    const float (*GT)[32] = fa_pw_gelu_tanh_g_f32_table;
#define FA_GELU_TANH_GRAD_VEC(gv, xv) fa_gelu_tanh_grad_fast_f32x16((gv), (xv), GT, &tabs)
FA_DEFINE_MASKED_GRAD_LOOP(gelu_tanh, FA_GELU_TANH_GRAD_SETUP, FA_GELU_TANH_GRAD_VEC)
FA_DEFINE_HAND_GRAD_ENTRIES(gelu_tanh)
#define FA_GELU_TANH_SETUP                                                    \
    FA_EXP2_TABS_SETUP                                                        \
    const float (*VT)[32] = fa_pw_gelu_tanh_v_f32_table;
#define FA_GELU_TANH_VEC(v) fa_gelu_tanh_fast_f32x16((v), VT, &tabs)
FA_DEFINE_MASKED_LOOP(gelu_tanh, FA_GELU_TANH_SETUP, FA_GELU_TANH_VEC)
FA_DEFINE_HAND_PARAM_ENTRIES(gelu_tanh)
#endif

/* Two gradients in float by hand (AVX-512):
 * - tanhshrink: g tanh(x)^2 with the hand tanh above, (g t) t rounded once:
 *   twice the tanh's error plus half an ULP (measured 2.42).
 * - hardswish: g (2x + 3) / 6 inside [-3, 3], g above, 0 below: 2x + 3 =
 *   n + nl (TwoSum), g / 6 = a1 + a1e (1/6 in two floats), rounded once
 *   from within about 2^-44 of the exact value: half an ULP save next to a
 *   midpoint. */
#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define FA_GRADS_F32_BY_HAND 1
static inline __m512 fa_tanhshrink_grad_f32x16(__m512 g, __m512 x, const __m512 *T)
{
    __m512 t = fa_tanh_f32x16(x, T);
    /* (g t) t, g t = p + pe exactly: no t^2 underflowing under a large g;
     * g = +-inf: p t alone (pe is NaN) */
    __m512 p = _mm512_mul_ps(g, t);
    __mmask16 fin = _mm512_cmp_ps_mask(_mm512_abs_ps(g), _mm512_set1_ps(INFINITY), _CMP_LT_OQ);
    __m512 pe = _mm512_maskz_fmsub_ps(fin, g, t, p);
    __m512 y = _mm512_fmadd_ps(p, t, _mm512_mul_ps(pe, t));
    /* a zero result has g's sign (t^2 >= 0), as the plain product's */
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(y, _mm512_setzero_ps(), _CMP_EQ_OQ),
                           _mm512_and_ps(g, _mm512_set1_ps(-0.0f)));
    return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}
#define FA_TANHSHRINK_GRAD_VEC(gv, xv) fa_tanhshrink_grad_f32x16((gv), (xv), T)
FA_DEFINE_MASKED_GRAD_LOOP(tanhshrink, FA_TANH_SETUP, FA_TANHSHRINK_GRAD_VEC)
FA_DEFINE_HAND_GRAD_ENTRIES(tanhshrink)

static inline __m512 fa_hardswish_grad_f32x16(__m512 g, __m512 x)
{
    const __m512 three = _mm512_set1_ps(3.0f);
    __m512 a = _mm512_add_ps(x, x);
    __m512 n = _mm512_add_ps(a, three);
    __m512 bv = _mm512_sub_ps(n, a);
    __m512 nl = _mm512_add_ps(_mm512_sub_ps(a, _mm512_sub_ps(n, bv)), _mm512_sub_ps(three, bv));
    /* g / 6 = a1 + a1e (a1 = g c rounded, the rest by FMA and g cl), then
     * a1 n + (a1e n + a1 nl): no overflow before the one rounding; g = +-inf:
     * a1 n alone (a1e is NaN) */
    const __m512 c = _mm512_set1_ps(0x1.555556p-3f), cl = _mm512_set1_ps(-0x1.555556p-28f);
    __m512 ag = _mm512_abs_ps(g);
    __mmask16 fin = _mm512_cmp_ps_mask(ag, _mm512_set1_ps(INFINITY), _CMP_LT_OQ);
    /* |g| < 2^-100 (g / 6 would lose bits to the subnormals): g 2^40, and
     * the result scaled back (a second rounding only where it is subnormal) */
    __mmask16 tiny = _mm512_cmp_ps_mask(ag, _mm512_set1_ps(0x1p-100f), _CMP_LT_OQ)
                     & _mm512_cmp_ps_mask(g, _mm512_setzero_ps(), _CMP_NEQ_UQ);
    __m512 gs = tiny ? _mm512_mask_mul_ps(g, tiny, g, _mm512_set1_ps(0x1p40f)) : g;
    __m512 a1 = _mm512_mul_ps(gs, c);
    __m512 a1e = _mm512_maskz_fmadd_ps(fin, gs, cl, _mm512_fmsub_ps(gs, c, a1));
    __m512 y = _mm512_fmadd_ps(a1, n, _mm512_fmadd_ps(a1e, n, _mm512_maskz_mul_ps(fin, a1, nl)));
    if (tiny)
        y = _mm512_mask_mul_ps(y, tiny, y, _mm512_set1_ps(0x1p-40f));
    /* a zero result: the sign of g (2x + 3), as the plain product's */
    __m512 zsign = _mm512_and_ps(_mm512_xor_ps(g, n), _mm512_set1_ps(-0.0f));
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(y, _mm512_setzero_ps(), _CMP_EQ_OQ), zsign);
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, three, _CMP_GT_OQ), g);
    y = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(-3.0f), _CMP_NLT_UQ), y);
    return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), x);
}
#define FA_HARDSWISH_GRAD_VEC(gv, xv) fa_hardswish_grad_f32x16((gv), (xv))
FA_DEFINE_MASKED_GRAD_LOOP(hardswish, FA_NO_SETUP, FA_HARDSWISH_GRAD_VEC)
FA_DEFINE_HAND_GRAD_ENTRIES(hardswish)
#endif

/* hardsigmoid and hardswish forward, and hardsigmoid's gradient, in float
 * by hand (AVX-512): the generic loops' double arithmetic (fa_*_f32d:
 * (x + 3) / 6, x (x + 3) / 6 and g / 6, each with the rounded 1/6, so the
 * same bits), eight lanes at a time from the two halves of the floats,
 * where the generic loops left the compiler's vectorization of the double
 * functions at 80% of a copy's speed (hardswish, 1e6 floats, 2 threads). */
#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define FA_HARD_F32_BY_HAND 1
/* (x + 3) / 6 as the generic loop forms it: x + 3 exact in double, times
 * the rounded 1/6 */
static inline __m512d fa_hardsigmoid_half_pd(__m512d x)
{
    return _mm512_mul_pd(_mm512_add_pd(x, _mm512_set1_pd(3.0)), _mm512_set1_pd(1.0 / 6.0));
}

static inline __m512 fa_hardsigmoid_f32x16(__m512 x)
{
    __m512 y = FA_BY_HALVES(fa_hardsigmoid_half_pd, x);
    y = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(-3.0f), _CMP_NLE_UQ), y);
    return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, _mm512_set1_ps(3.0f), _CMP_GE_OQ),
                              _mm512_set1_ps(1.0f));
}
#define FA_HARDSIGMOID_VEC(v) fa_hardsigmoid_f32x16(v)
FA_DEFINE_MASKED_LOOP(hardsigmoid, FA_NO_SETUP, FA_HARDSIGMOID_VEC)
FA_DEFINE_HAND_PARAM_ENTRIES(hardsigmoid)

/* x (x + 3) / 6 as the generic loop forms it: x + 3 exact in double, the
 * product and the rounded 1/6 each within 2^-53 */
static inline __m512d fa_hardswish_half_pd(__m512d x)
{
    return _mm512_mul_pd(_mm512_mul_pd(x, _mm512_add_pd(x, _mm512_set1_pd(3.0))), _mm512_set1_pd(1.0 / 6.0));
}

static inline __m512 fa_hardswish_f32x16(__m512 x)
{
    __m512 y = FA_BY_HALVES(fa_hardswish_half_pd, x);
    y = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(-3.0f), _CMP_NLE_UQ), y);
    return _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, _mm512_set1_ps(3.0f), _CMP_GE_OQ), x);
}
#define FA_HARDSWISH_VEC(v) fa_hardswish_f32x16(v)
FA_DEFINE_MASKED_LOOP(hardswish, FA_NO_SETUP, FA_HARDSWISH_VEC)
FA_DEFINE_HAND_PARAM_ENTRIES(hardswish)

/* g / 6 (in double, rounded once) inside (-3, 3), +0 outside, x where x
 * is NaN: hardtanh's gradient select */
#define FA_HARDSIGMOID_GRAD_SETUP const struct fa_clamp_consts c = fa_clamp_consts(-3.0, 3.0);
#define FA_HARDSIGMOID_GRAD_VEC(gv, xv) \
    fa_inside_grad_f32x16(fa_times_f64((gv), _mm512_set1_pd(1.0 / 6.0)), (xv), &c)
FA_DEFINE_MASKED_GRAD_LOOP(hardsigmoid, FA_HARDSIGMOID_GRAD_SETUP, FA_HARDSIGMOID_GRAD_VEC)
FA_DEFINE_HAND_GRAD_ENTRIES(hardsigmoid)

/* softsign's gradient g / (1 + a)^2, a = |x|, in float: 1 + a = d + dl
 * (Fast2Sum), d^2 = P + Pl (P rounded, Pl = d^2 - P: the FMA's error of
 * d d, 2 d dl and dl^2), q0 = g / P rounded, then q0 + (g - q0 P - q0 Pl) /
 * P with 1 / P to 2^-28 (rcp14 and a Newton step): the float roundings of
 * Pl and the residual leave about 2^-46 of the quotient, so the one
 * rounding is off only next to a midpoint (all 2^32 x with random g:
 * 0.50000003 ULP at worst; the generic loop's two double divisions ran at 64%
 * of a copy's speed at 1e6).  Lanes where the float steps could overflow
 * or meet inf or NaN (a >= 2^32, x or g not finite), or where g - q0 P or
 * the quotient could round in the subnormals (0 < |g| < 2^-100 or |q0| <
 * 2^-125; 1.3 ULP before the first was routed, 0.50006 before the second),
 * take the generic double arithmetic, for the same bits. */
static inline __m512d fa_softsign_grad_half_pd(__m512d g, __m512d x)
{
    __m512d d = _mm512_add_pd(_mm512_set1_pd(1.0), _mm512_abs_pd(x));
    return _mm512_div_pd(g, _mm512_mul_pd(d, d));
}

static inline __m512 fa_softsign_grad_f32x16(__m512 g, __m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 a = _mm512_abs_ps(x);
    __m512 big = _mm512_max_ps(a, one), small = _mm512_min_ps(a, one);
    __m512 d = _mm512_add_ps(big, small);
    __m512 dl = _mm512_sub_ps(small, _mm512_sub_ps(d, big));
    __m512 P = _mm512_mul_ps(d, d);
    __m512 Pl = _mm512_fmadd_ps(dl, dl, _mm512_fmadd_ps(_mm512_add_ps(d, d), dl, _mm512_fmsub_ps(d, d, P)));
    __m512 q0 = _mm512_div_ps(g, P);
    __m512 r = _mm512_fnmadd_ps(q0, Pl, _mm512_fnmadd_ps(q0, P, g));
    __m512 rc = _mm512_rcp14_ps(P);
    rc = _mm512_fmadd_ps(rc, _mm512_fnmadd_ps(P, rc, one), rc);            /* 2^-28 */
    __m512 q = _mm512_fmadd_ps(r, rc, q0);
    /* a zero quotient keeps q0's sign (g's): r's zeros add to +0 */
    q = _mm512_mask_mov_ps(q, _mm512_cmp_ps_mask(q0, _mm512_setzero_ps(), _CMP_EQ_OQ), q0);
    __m512 ag = _mm512_abs_ps(g);
    __mmask16 odd = _mm512_cmp_ps_mask(a, _mm512_set1_ps(0x1p32f), _CMP_NLT_UQ)
                    | _mm512_cmp_ps_mask(ag, _mm512_set1_ps(INFINITY), _CMP_NLT_UQ)
                    | ((_mm512_cmp_ps_mask(ag, _mm512_set1_ps(0x1p-100f), _CMP_LT_OQ)
                        | _mm512_cmp_ps_mask(_mm512_abs_ps(q0), _mm512_set1_ps(0x1p-125f), _CMP_LT_OQ))
                       & _mm512_cmp_ps_mask(ag, _mm512_setzero_ps(), _CMP_NEQ_OQ));
    if (odd)
        q = _mm512_mask_mov_ps(q, odd, FA_BY_HALVES2(fa_softsign_grad_half_pd, g, x));
    return q;
}
#define FA_SOFTSIGN_GRAD_VEC(gv, xv) fa_softsign_grad_f32x16((gv), (xv))
FA_DEFINE_MASKED_GRAD_LOOP(softsign, FA_NO_SETUP, FA_SOFTSIGN_GRAD_VEC)
FA_DEFINE_HAND_GRAD_ENTRIES(softsign)

/* The backward of sigmoid and tanh (from y: g y (1 - y), g (1 - y)(1 + y))
 * and relu (g where x > 0, else +0; x where it is NaN), the generic loops'
 * double arithmetic on the two halves of the floats: the same bits, at the
 * speed of the memory where the compiler's vectorization of the double
 * functions was a little short of it (1e6, 2 threads: 92-93% of a copy's
 * bytes for sigmoid and tanh). */
static inline __m512d fa_sigmoid_grad_half_pd(__m512d g, __m512d y)
{
    return _mm512_mul_pd(g, _mm512_mul_pd(y, _mm512_sub_pd(_mm512_set1_pd(1.0), y)));
}
#define FA_SIGMOID_GRAD_VEC(gv, yv) FA_BY_HALVES2(fa_sigmoid_grad_half_pd, (gv), (yv))
FA_DEFINE_MASKED_GRAD_LOOP(sigmoid, FA_NO_SETUP, FA_SIGMOID_GRAD_VEC)
FA_DEFINE_HAND_GRAD_ENTRIES(sigmoid)

static inline __m512d fa_tanh_grad_half_pd(__m512d g, __m512d y)
{
    const __m512d one = _mm512_set1_pd(1.0);
    return _mm512_mul_pd(g, _mm512_mul_pd(_mm512_sub_pd(one, y), _mm512_add_pd(one, y)));
}

#define FA_TANH_GRAD_VEC(gv, yv) FA_BY_HALVES2(fa_tanh_grad_half_pd, (gv), (yv))
FA_DEFINE_MASKED_GRAD_LOOP(tanh, FA_NO_SETUP, FA_TANH_GRAD_VEC)
FA_DEFINE_HAND_GRAD_ENTRIES(tanh)

/* relu's: threshold's gradient at 0 */
#define FA_RELU_GRAD_SETUP const struct fa_clamp_consts c = fa_clamp_consts(0.0, 0.0);
#define FA_RELU_GRAD_VEC(gv, xv) fa_threshold_grad_f32x16((gv), (xv), &c)
FA_DEFINE_MASKED_GRAD_LOOP(relu, FA_RELU_GRAD_SETUP, FA_RELU_GRAD_VEC)
FA_DEFINE_HAND_GRAD_ENTRIES(relu)
#endif

/* float32 softmax and log_softmax rows by hand (AVX-512).  softmax in
 * float: fa_softmax_rows_f32_exp below.  log_softmax: the generic rows'
 * arithmetic (fa_softmax_row_f32: double, 16 lanes folded in order) with
 * fa_exp_f64x8_t16 for e^d (2^-34) and masked tails; floats widened
 * straight from memory (vcvtps2pd ymm loads, no lane extracts: the
 * conversions share port 5 with the table's permute) and narrowed into two
 * 8-float stores; the e^d with d < 0 summed apart from the max's 1s, for
 * log1p(count - 1 + rest). */
#if defined(__AVX512F__) && defined(__AVX512DQ__)
#define FA_SOFTMAX_F32_BY_HAND 1

static inline __mmask16 fa_mask16(ptrdiff_t left)
{
    return (left >= 16) ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1u);
}

/* 8 floats at p (those of mask k) widened to double, the others 0 */
static inline __m512d fa_load8_pd(const float *p, __mmask8 k)
{
    return _mm512_cvtps_pd(_mm256_maskz_loadu_ps(k, p));
}

static inline void fa_store8_ps(float *p, __mmask8 k, __m512d v)
{
    _mm256_mask_storeu_ps(p, k, _mm512_cvtpd_ps(v));
}

/* lanes 0..7 (lo) and 8..15 (hi) added in lane order, as fa_fold_lanes */
static inline double fa_fold16(__m512d lo, __m512d hi)
{
    double s[16];
    _mm512_storeu_pd(s, lo);
    _mm512_storeu_pd(s + 8, hi);
    return fa_fold_lanes(s);
}

/* the loop over a row of n in steps of 16 floats at i, k_ the mask of the
 * step's lanes: all 16 (a constant) but in the last step */
#define FA_ROW_FOR(n, STEP)                                                   \
    do {                                                                      \
        ptrdiff_t i = 0;                                                      \
        for (; i + 16 <= (n); i += 16) {                                      \
            const __mmask16 k_ = (__mmask16)0xFFFF;                           \
            STEP                                                              \
        }                                                                     \
        if (i < (n)) {                                                        \
            const __mmask16 k_ = fa_mask16((n) - i);                          \
            STEP                                                              \
        }                                                                     \
    } while (0)

/* FA_ROW_FOR writing out (floats), its full steps from out's first 64-byte
 * boundary: STEP(k, st) at i for the masked head before it, the full steps
 * (st = 1: streamed, where stream asks) and the masked tail, then a fence
 * after streaming.  Without stream, the head is fa_align_head's (none for
 * short rows); where out is not float-aligned, no head and no streaming. */
#define FA_ROW_FOR_STREAM(n, out, stream, STEP)                               \
    do {                                                                      \
        ptrdiff_t head_ = (stream) ? fa_nt_head((out), sizeof(float), (n))    \
                                   : fa_align_head((out), sizeof(float), (n)); \
        const int st_ = (stream) && head_ >= 0;                               \
        ptrdiff_t i = 0;                                                      \
        if (head_ > 0)                                                        \
            STEP(fa_mask16(head_), 0);                                        \
        i = head_ > 0 ? head_ : 0;                                            \
        if (st_) {                                                            \
            for (; i + 16 <= (n); i += 16)                                    \
                STEP((__mmask16)0xFFFF, 1);                                   \
        } else {                                                              \
            for (; i + 16 <= (n); i += 16)                                    \
                STEP((__mmask16)0xFFFF, 0);                                   \
        }                                                                     \
        if (i < (n))                                                          \
            STEP(fa_mask16((n) - i), 0);                                      \
        if (st_)                                                              \
            _mm_sfence();                                                     \
    } while (0)

/* v to p's lanes k, or streamed (a full, 64-byte-aligned step) */
static FA_INLINE void fa_put16(float *p, __mmask16 k, __m512 v, int stream)
{
    if (stream)
        _mm512_stream_ps(p, v);
    else
        _mm512_mask_storeu_ps(p, k, v);
}

/* the same as two halves of 8, k0 and k1 */
#define FA_ROW_LOOP(BODY)                                                     \
    FA_ROW_FOR(n, const __mmask8 k0 = (__mmask8)k_;                           \
                  const __mmask8 k1 = (__mmask8)(k_ >> 8);                    \
                  BODY)

/* softmax rows in float (AVX-512).  e^(x - c) = 2^k (thi + sv) from the
 * 32-entry table (thi exact, sv = thi (e^r - 1) + tlo; r by two FMAs with
 * ln2 in two floats: the first product need not be exact, the FMA rounds
 * only the small difference), for a per-row c whose e^c cancels in the
 * quotient.  thi 2^k and sv 2^k go to the two halves of the scratch row (y
 * is written once, in the last pass), both times 2^40 (the tables are
 * scaled) so that neither is subnormal where a result can be nonzero; the
 * sum of the thi 2^k is exact by Fast2Sum, each lane started at 2^41 (above
 * any term), its errors and the sv 2^k summed apart.  The last pass forms
 * (T + S) (ih + il), 1 / sum in two floats, rounded once; results below
 * 2^-100 (where its small products could be subnormal) are formed in
 * double.  A NaN anywhere, or an infinite max, makes the sum NaN: the row
 * is NaN.
 *
 * FA_SM_DIRECT, where the max is finite and within +-(2^16 - 200): c = K
 * ln2 with K the integer nearest m log2(e), and x itself is split as k ln2
 * + r (k a multiple of 1/32, r exact to 2^-30): x - m is never formed, and
 * the power of 2 is k - K (kf - (shifter + K), exact).  x is clamped at m -
 * 200, where that power of 2 makes T and sv 0: -inf gives 0, as any x
 * whose e^(x - m) / sum rounds to 0.  Otherwise (FA_SM_ANY): c = m, with d
 * = x - m exactly as s + err (Fast2Sum, the operand of larger magnitude
 * first, chosen per lane) and d clamped at -110, below which e^d / sum
 * rounds to 0.  (DIRECT takes 5 operations a vector for d and r, where
 * Fast2Sum and r from it take 8.) */
enum { FA_SM_ANY, FA_SM_DIRECT };

struct fa_sm_consts {
    __m512 nm, am, floor_d, shifter, shk, floor_x, th0, th1, tl0, tl1;
};

static FA_INLINE void fa_softmax_e16(const struct fa_sm_consts *c, int mode, __m512 v, __mmask16 k,
                                     float *tr, float *svr, __m512 *S, __m512 *C)
{
    const __m512 log2e = _mm512_set1_ps(0x1.715476p+0f);
    const __m512 ln2hi = _mm512_set1_ps(0x1.62e43p-1f), ln2lo = _mm512_set1_ps(-0x1.05c61p-29f);
    __m512 kf, r, p2;                       /* kf's low bits: the table index; p2: the power of 2 */
    __mmask16 kv = k;                       /* the lanes with a value, 0 in the others */
    if (mode == FA_SM_DIRECT) {
        v = _mm512_max_ps(c->floor_x, v);   /* -inf included; NaN stays */
        kf = _mm512_fmadd_ps(v, log2e, c->shifter);
        __m512 kj = _mm512_sub_ps(kf, c->shifter);
        p2 = _mm512_sub_ps(kf, c->shk);
        r = _mm512_fnmadd_ps(kj, ln2lo, _mm512_fnmadd_ps(kj, ln2hi, v));
    } else {
        __mmask16 vbig = _mm512_cmp_ps_mask(_mm512_abs_ps(v), c->am, _CMP_GE_OQ);
        __m512 a = _mm512_mask_blend_ps(vbig, c->nm, v);
        __m512 b = _mm512_mask_blend_ps(vbig, v, c->nm);
        __m512 s = _mm512_add_ps(a, b);
        __m512 err = _mm512_sub_ps(b, _mm512_sub_ps(s, a));
        /* below -110 (-inf included): clamped for the arithmetic, and 0
         * (e^-110 / sum rounds to 0 anyway); NaN stays */
        kv = (__mmask16)(k & ~_mm512_cmp_ps_mask(s, c->floor_d, _CMP_LT_OQ));
        s = _mm512_max_ps(c->floor_d, s);
        kf = _mm512_fmadd_ps(s, log2e, c->shifter);
        p2 = _mm512_sub_ps(kf, c->shifter);
        /* r = (s - kj ln2) + err, the small parts (kj times ln2's second
         * word, err) added first, so r is rounded once after the first FMA */
        r = _mm512_add_ps(_mm512_fnmadd_ps(p2, ln2hi, s), _mm512_fnmadd_ps(p2, ln2lo, err));
    }
    __m512 q = _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(1.0f / 6.0f), r, _mm512_set1_ps(0.5f)),
                               _mm512_mul_ps(r, r), r);
    __m512i j = _mm512_castps_si512(kf);
    __m512 thi = _mm512_permutex2var_ps(c->th0, j, c->th1);
    __m512 sv = _mm512_fmadd_ps(thi, q, _mm512_permutex2var_ps(c->tl0, j, c->tl1));
    __m512 T = _mm512_maskz_scalef_ps(kv, thi, p2);
    sv = _mm512_maskz_scalef_ps(kv, sv, p2);
    _mm512_mask_storeu_ps(tr, k, T);
    _mm512_mask_storeu_ps(svr, k, sv);
    __m512 S1 = _mm512_add_ps(*S, T);
    *C = _mm512_add_ps(_mm512_add_ps(*C, _mm512_add_ps(_mm512_sub_ps(*S, S1), T)), sv);
    *S = S1;
}

/* (a + b) c in double, rounded once to float */
static inline __m512 fa_times_sum_f64(__m512 a, __m512 b, __m512d c)
{
    return fa_narrow_ps(_mm512_mul_pd(_mm512_add_pd(fa_lo_pd(a), fa_lo_pd(b)), c),
                        _mm512_mul_pd(_mm512_add_pd(fa_hi_pd(a), fa_hi_pd(b)), c));
}

/* (T + sv) (ih + il), rounded once, in lanes k (the others' zeros would
 * each take the double path) */
static FA_INLINE __m512 fa_softmax_out16(__m512 T, __m512 sv, __mmask16 k, __m512 ih, __m512 il,
                                         __m512d invd)
{
    __m512 v = _mm512_fmadd_ps(T, ih, _mm512_fmadd_ps(T, il, _mm512_mul_ps(sv, ih)));
    __mmask16 tiny = _mm512_mask_cmp_ps_mask(k, v, _mm512_set1_ps(0x1p-100f), _CMP_LT_OQ);
    if (tiny)
        v = _mm512_mask_mov_ps(v, tiny, fa_times_sum_f64(T, sv, invd));
    return v;
}

/* y[0..16) (lanes k) = (T + sv) (ih + il), T and sv from the scratch rows;
 * stream: a streaming store (a full step at a 64-byte boundary, fa_put16) */
static FA_INLINE void fa_softmax_scale16(float *y, const float *tr, const float *svr, __mmask16 k,
                                         __m512 ih, __m512 il, __m512d invd, int stream)
{
    fa_put16(y, k,
             fa_softmax_out16(_mm512_maskz_loadu_ps(k, tr), _mm512_maskz_loadu_ps(k, svr), k, ih, il, invd),
             stream);
}

/* n_rows C-contiguous rows of n; scr: scratch for 4n + 128 floats, two
 * rows' t and s, each of the four from a 64-byte boundary (row r's in half
 * r & 1, while row r - 1's last pass reads the other).  y is written once
 * per row, in its last pass: the elements up to y's first 64-byte boundary
 * as soon as the row's sum is known, the full 16-element steps one at a
 * time inside the next row's second pass (streamed where asked: they drain
 * while the next row computes), the masked tail after it.  Streamed, a
 * tail waits for the next row's head, and the line they share is one
 * streaming store.  While the second pass computes, the next row (x + n)
 * is prefetched to L1, so the first pass of every row but the first reads
 * from the cache, and FA_SM_AHEAD floats further on to L2.  (1e8 elements
 * in rows of 1000, 2 threads, as a share of the copy's bandwidth: 61%
 * with three passes a row, 64-70% with the previous row's steps in a
 * per-step function, 74-77% with them as below and FA_SM_DIRECT; in a C
 * harness, in turns with the copy: 74-76% -> 79% with the shared lines
 * streamed, 82-83% with the prefetch to L2 as well.) */
#define FA_SM_AHEAD 2048
static void fa_softmax_rows_f32_exp(const float *x, float *y, ptrdiff_t n_rows, ptrdiff_t n,
                                    float *scr, int stream)
{
    /* the four rows of scratch on 64-byte boundaries (no vector of them
     * straddles two cache lines) */
    float *base = (float *)(((uintptr_t)scr + 63) & ~(uintptr_t)63);
    const ptrdiff_t half = (n + 15) & ~(ptrdiff_t)15;
    /* the previous row's last pass: its y, t and s; pj its next element,
     * pfull the end of its full steps (streamed where pst), pn its length */
    float *py = y;
    const float *ptr = base, *psv = base;
    ptrdiff_t pj = 0, pfull = 0, pn = 0;
    int pst = 0;
    __m512 ih = _mm512_setzero_ps(), il = ih;
    __m512d invd = _mm512_setzero_pd();
    /* a streamed row's tail (lanes tailk of the line at taily; tailk 0:
     * none), held until the next row's head fills the rest of that line:
     * then the line is one streaming store, where two plain stores would
     * each read the line from memory first */
    __m512 tailv = _mm512_setzero_ps();
    __mmask16 tailk = 0;
    float *taily = y;
#define FA_SM_PREV_REST()                                                     \
    do {                                                                      \
        for (; pj < pfull; pj += 16)                                          \
            fa_softmax_scale16(py + pj, ptr + pj, psv + pj, (__mmask16)0xFFFF, ih, il, invd, pst); \
        if (pj < pn) {                                                        \
            const __mmask16 k_ = fa_mask16(pn - pj);                          \
            if (pst) {                                                        \
                tailv = fa_softmax_out16(_mm512_maskz_loadu_ps(k_, ptr + pj), \
                                         _mm512_maskz_loadu_ps(k_, psv + pj), k_, ih, il, invd); \
                tailk = k_;                                                   \
                taily = py + pj;                                              \
            } else {                                                          \
                fa_softmax_scale16(py + pj, ptr + pj, psv + pj, k_, ih, il, invd, 0); \
            }                                                                 \
        }                                                                     \
        pj = pn;                                                              \
    } while (0)
    for (ptrdiff_t row = 0; row < n_rows; row++, x += n, y += n) {
        /* the max, two vectors a step (the latency of max, not its count,
         * bounds a single chain) */
        __m512 mx = _mm512_set1_ps(-INFINITY), mx2 = mx;
        ptrdiff_t i = 0;
        for (; i + 32 <= n; i += 32) {
            mx = _mm512_max_ps(_mm512_loadu_ps(x + i), mx);
            mx2 = _mm512_max_ps(_mm512_loadu_ps(x + i + 16), mx2);
        }
        for (; i < n; i += 16) {
            __mmask16 k = fa_mask16(n - i < 16 ? n - i : 16);
            mx = _mm512_mask_max_ps(mx, k, _mm512_maskz_loadu_ps(k, x + i), mx);
        }
        /* a NaN does not go into it (max returns its second operand): the
         * sum finds it */
        const float mf = _mm512_reduce_max_ps(_mm512_max_ps(mx, mx2));
        const int mode = (mf > -0x1p16f + 200.0f && mf < 0x1p16f - 200.0f) ? FA_SM_DIRECT : FA_SM_ANY;
        const __m512 big = _mm512_set1_ps(0x1p40f);
        /* shk = shifter + K, K = the integer nearest m log2(e): exact (both
         * in [2^18, 2^19), where floats are multiples of 1/32) */
        const float kc = (mode == FA_SM_DIRECT) ? (float)nearbyint((double)mf * 1.4426950408889634) : 0.0f;
        const struct fa_sm_consts c = {
            _mm512_set1_ps(-mf), _mm512_set1_ps(fabsf(mf)), _mm512_set1_ps(-110.0f),
            _mm512_set1_ps(0x1.8p18f), _mm512_set1_ps(0x1.8p18f + kc), _mm512_set1_ps(mf - 200.0f),
            _mm512_mul_ps(big, _mm512_loadu_ps(fa_exp2_f32_table[0])),
            _mm512_mul_ps(big, _mm512_loadu_ps(fa_exp2_f32_table[0] + 16)),
            _mm512_mul_ps(big, _mm512_loadu_ps(fa_exp2_f32_table[1])),
            _mm512_mul_ps(big, _mm512_loadu_ps(fa_exp2_f32_table[1] + 16)),
        };
        /* C (the sv and S's rounding errors) is moved into double every 16
         * vectors: a float C over a long row would drift by its own
         * roundings (a row of equal values rounds the same way every time) */
        float *svr = base + (row & 1) * 2 * half, *tr = svr + half;
        __m512 S = _mm512_set1_ps(0x1p41f), C = _mm512_setzero_ps();
        __m512d C0 = _mm512_setzero_pd(), C1 = _mm512_setzero_pd();
#define FA_SM_STEP(MODE, K)                                                   \
    _mm_prefetch((const char *)(x + n + i), _MM_HINT_T0);                     \
    _mm_prefetch((const char *)(x + n + i + FA_SM_AHEAD), _MM_HINT_T1);       \
    fa_softmax_e16(&c, MODE, _mm512_maskz_loadu_ps(K, x + i), K, tr + i, svr + i, &S, &C); \
    if ((i & 255) == 240) {                                                   \
        C0 = _mm512_add_pd(C0, fa_lo_pd(C));                                  \
        C1 = _mm512_add_pd(C1, fa_hi_pd(C));                                  \
        C = _mm512_setzero_ps();                                              \
    }                                                                         \
    if (pj < pfull) {                                                         \
        fa_softmax_scale16(py + pj, ptr + pj, psv + pj, (__mmask16)0xFFFF, ih, il, invd, pst); \
        pj += 16;                                                             \
    }
#define FA_SM_ROW(MODE)                                                       \
    for (i = 0; i + 16 <= n; i += 16) {                                       \
        FA_SM_STEP(MODE, (__mmask16)0xFFFF)                                   \
    }                                                                         \
    if (i < n) {                                                              \
        FA_SM_STEP(MODE, fa_mask16(n - i))                                    \
    }
        if (mode == FA_SM_DIRECT) {
            FA_SM_ROW(FA_SM_DIRECT)
        } else {
            FA_SM_ROW(FA_SM_ANY)
        }
#undef FA_SM_ROW
#undef FA_SM_STEP
        FA_SM_PREV_REST();
        const __m512d off = _mm512_set1_pd(0x1p41);
        __m512d lo8 = _mm512_add_pd(_mm512_sub_pd(fa_lo_pd(S), off), _mm512_add_pd(fa_lo_pd(C), C0));
        __m512d hi8 = _mm512_add_pd(_mm512_sub_pd(fa_hi_pd(S), off), _mm512_add_pd(fa_hi_pd(C), C1));
        const double total = _mm512_reduce_add_pd(_mm512_add_pd(lo8, hi8));
        /* a NaN in the row, or an infinite max: the row is NaN (T (NaN) +
         * ... in the last pass, whatever T) */
        const double inv = (total == total && fabsf(mf) < INFINITY) ? 1.0 / total : (double)NAN;
        const float ihf = (float)inv;
        ih = _mm512_set1_ps(ihf);
        il = _mm512_set1_ps((float)(inv - (double)ihf));
        invd = _mm512_set1_pd(inv);
        /* this row's head now (plain stores), its full steps in the next
         * row's second pass */
        ptrdiff_t head = stream ? fa_nt_head(y, sizeof(float), n) : fa_align_head(y, sizeof(float), n);
        pst = stream && head >= 0;
        if (head < 0)
            head = 0;
        if (tailk && pst && taily + 16 == y + head) {
            /* the rest of the last row's tail line: this row's first head
             * elements, expanded into the lanes after tailk */
            const __mmask16 kh = (__mmask16)~tailk;
            __m512 v = fa_softmax_out16(_mm512_maskz_expandloadu_ps(kh, tr),
                                        _mm512_maskz_expandloadu_ps(kh, svr), kh, ih, il, invd);
            _mm512_stream_ps(taily, _mm512_mask_mov_ps(v, tailk, tailv));
        } else {
            if (tailk)
                _mm512_mask_storeu_ps(taily, tailk, tailv);
            if (head > 0)
                fa_softmax_scale16(y, tr, svr, fa_mask16(head), ih, il, invd, 0);
        }
        tailk = 0;
        py = y;
        ptr = tr;
        psv = svr;
        pj = head;
        pn = n;
        pfull = head + ((n - head) & ~(ptrdiff_t)15);
    }
    FA_SM_PREV_REST();
#undef FA_SM_PREV_REST
    if (tailk)
        _mm512_mask_storeu_ps(taily, tailk, tailv);
    if (stream)
        _mm_sfence();
}

static void fa_log_softmax_row_f32_by_hand(const float *x, float *y, ptrdiff_t n)
{
    __m512 mv = _mm512_set1_ps(-INFINITY);
    __mmask16 nan = 0;
    FA_ROW_FOR(n,
        __m512 v = _mm512_maskz_loadu_ps(k_, x + i);
        nan |= _mm512_mask_cmp_ps_mask(k_, v, v, _CMP_UNORD_Q);
        mv = _mm512_mask_max_ps(mv, k_, v, mv);
    );
    float mf = _mm512_reduce_max_ps(mv);
    if (nan || mf == INFINITY || mf == -INFINITY) {
        for (ptrdiff_t i = 0; i < n; i++)
            y[i] = NAN;
        return;
    }
    const __m512d t0 = _mm512_loadu_pd(fa_exp2_f64_table16);
    const __m512d t1 = _mm512_loadu_pd(fa_exp2_f64_table16 + 8);
    const __m512d m = _mm512_set1_pd((double)mf), floor_d = _mm512_set1_pd(-200.0);
    const __m512d zero = _mm512_setzero_pd(), one = _mm512_set1_pd(1.0);
    __m512d s0 = zero, s1 = zero, c0 = zero, c1 = zero;
    /* e^-200 rounds to float 0 in the sum; -inf - max = -inf lands there too */
#define FA_SOFTMAX_E(h, kh)                                                   \
    __m512d d##h = _mm512_max_pd(floor_d, _mm512_sub_pd(fa_load8_pd(x + i + 8 * h, kh), m)); \
    __m512d e##h = fa_exp_f64x8_t16(d##h, t0, t1);
    FA_ROW_LOOP(
        FA_SOFTMAX_E(0, k0)
        FA_SOFTMAX_E(1, k1)
        __mmask8 b0 = _mm512_mask_cmp_pd_mask(k0, d0, zero, _CMP_LT_OQ);
        __mmask8 b1 = _mm512_mask_cmp_pd_mask(k1, d1, zero, _CMP_LT_OQ);
        s0 = _mm512_mask_add_pd(s0, b0, s0, e0);
        s1 = _mm512_mask_add_pd(s1, b1, s1, e1);
        c0 = _mm512_mask_add_pd(c0, k0 & (__mmask8)~b0, c0, one);
        c1 = _mm512_mask_add_pd(c1, k1 & (__mmask8)~b1, c1, one);
    );
#undef FA_SOFTMAX_E
    const __m512d lt = _mm512_set1_pd(log1p((fa_fold16(c0, c1) - 1.0) + fa_fold16(s0, s1)));
    FA_ROW_LOOP(
        fa_store8_ps(y + i, k0, _mm512_sub_pd(_mm512_sub_pd(fa_load8_pd(x + i, k0), m), lt));
        fa_store8_ps(y + i + 8, k1, _mm512_sub_pd(_mm512_sub_pd(fa_load8_pd(x + i + 8, k1), m), lt));
    );
}


/* e: scratch for 2n + 64 doubles */
static void FA_LOCAL(softmax_f32_by_hand)(const void *xv, void *yv, ptrdiff_t n_rows, ptrdiff_t n,
                                          int log_out, double *e, int stream)
{
    const float *x = (const float *)xv;
    float *y = (float *)yv;
    if (!log_out) {
        fa_softmax_rows_f32_exp(x, y, n_rows, n, (float *)(void *)e, stream);
        return;
    }
    for (ptrdiff_t r = 0; r < n_rows; r++)
        fa_log_softmax_row_f32_by_hand(x + r * n, y + r * n, n);
}

/* backward: softmax y (g - sum(g y)), log_softmax g - e^y sum(g), as
 * fa_softmax_backward_row_f32; e^y for any y (clamped to [-800, 710], NaN
 * kept: max/min return their second operand for NaN) */
static void FA_LOCAL(softmax_backward_f32_by_hand)(const void *gv, const void *yv, void *ov,
                                                   ptrdiff_t n, int log_out, double *e, int stream)
{
    (void)e;
    const float *g = (const float *)gv, *y = (const float *)yv;
    float *out = (float *)ov;
    __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
    if (log_out) {
        FA_ROW_LOOP(
            s0 = _mm512_add_pd(s0, fa_load8_pd(g + i, k0));
            s1 = _mm512_add_pd(s1, fa_load8_pd(g + i + 8, k1));
        );
    } else {
        FA_ROW_LOOP(                            /* the products are exact */
            s0 = _mm512_fmadd_pd(fa_load8_pd(g + i, k0), fa_load8_pd(y + i, k0), s0);
            s1 = _mm512_fmadd_pd(fa_load8_pd(g + i + 8, k1), fa_load8_pd(y + i + 8, k1), s1);
        );
    }
    const __m512d total = _mm512_set1_pd(fa_fold16(s0, s1));
    if (log_out) {
        const __m512d t0 = _mm512_loadu_pd(fa_exp2_f64_table16);
        const __m512d t1 = _mm512_loadu_pd(fa_exp2_f64_table16 + 8);
        const __m512d lo = _mm512_set1_pd(-800.0), hi = _mm512_set1_pd(710.0);
#define FA_LOG_SOFTMAX_GRAD(h, kh)                                            \
    fa_store8_ps(out + i + 8 * h, kh, _mm512_fnmadd_pd(                         \
        fa_exp_f64x8_t16(_mm512_min_pd(hi, _mm512_max_pd(lo, fa_load8_pd(y + i + 8 * h, kh))), t0, t1), \
        total, fa_load8_pd(g + i + 8 * h, kh)));
        FA_ROW_LOOP(FA_LOG_SOFTMAX_GRAD(0, k0) FA_LOG_SOFTMAX_GRAD(1, k1));
#undef FA_LOG_SOFTMAX_GRAD
    } else {
        /* y ((g - t_hi) - t_lo) in float, t = t_hi + t_lo to 2^-48: g - t_hi is
         * exact where they cancel (Sterbenz), so the result is within about
         * 1.5 ULP of y (g - sum), against 0.5 in double at 5 times the cost
         * (each widening takes port 5 twice) */
        double t = _mm512_cvtsd_f64(total);
        const __m512 th = _mm512_set1_ps((float)t);
        const __m512 tl = _mm512_set1_ps((float)(t - (double)(float)t));
        /* the next rows' g and y (C-contiguous rows) asked for meanwhile,
         * and FA_SM_AHEAD floats further on to L2 (1e8 in rows of 1000, C
         * harness: 90-91% -> 93% of the copy's bandwidth); streaming stores
         * from out's first 64-byte boundary where asked */
#define FA_SM_BWD(k, st)                                                      \
        do {                                                                  \
            _mm_prefetch((const char *)(g + n + i), _MM_HINT_T0);             \
            _mm_prefetch((const char *)(y + n + i), _MM_HINT_T0);             \
            _mm_prefetch((const char *)(g + n + i + FA_SM_AHEAD), _MM_HINT_T1); \
            _mm_prefetch((const char *)(y + n + i + FA_SM_AHEAD), _MM_HINT_T1); \
            __m512 d = _mm512_sub_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, g + i), th), tl); \
            fa_put16(out + i, k, _mm512_mul_ps(_mm512_maskz_loadu_ps(k, y + i), d), (st)); \
        } while (0)
        FA_ROW_FOR_STREAM(n, out, stream, FA_SM_BWD);
#undef FA_SM_BWD
    }
}
#undef FA_ROW_LOOP
#undef FA_ROW_FOR_STREAM
#undef FA_ROW_FOR
#undef FA_SM_AHEAD
#endif

#define FA_TABLE_ENTRY(name) FA_LOCAL(name##_f32), FA_LOCAL(name##_f64),
const fa_kernel_table FA_CAT(fa_kernels, FA_ISA_SUFFIX) = {
    FA_UNARY_KERNELS(FA_TABLE_ENTRY)
#ifdef FA_TANH_F32_BY_HAND
    /* a later designator replaces the generic loop's entry (C99 6.7.8) */
    .tanh_f32 = FA_LOCAL(tanh_f32_by_hand),
#endif
#ifdef FA_SIGMOID_F32_BY_HAND
    .sigmoid_f32 = FA_LOCAL(sigmoid_f32_by_hand),
#endif
#ifdef FA_SOFTPLUS_F32_BY_HAND
    .softplus_f32 = FA_LOCAL(softplus_f32_by_hand),
#endif
};

#define FA_NT_TABLE_ENTRY(name) FA_LOCAL(name##_f32_nt), FA_LOCAL(name##_f64_nt),
const fa_kernel_table FA_CAT(fa_kernels_nt, FA_ISA_SUFFIX) = {
    FA_UNARY_KERNELS(FA_NT_TABLE_ENTRY)
#ifdef FA_TANH_F32_BY_HAND
    .tanh_f32 = FA_LOCAL(tanh_f32_by_hand_nt),
#endif
#ifdef FA_SIGMOID_F32_BY_HAND
    .sigmoid_f32 = FA_LOCAL(sigmoid_f32_by_hand_nt),
#endif
#ifdef FA_SOFTPLUS_F32_BY_HAND
    .softplus_f32 = FA_LOCAL(softplus_f32_by_hand_nt),
#endif
};

/* --- the modern family and the gradients ------------------------------- */

/* The parameters are copied to locals so the compiler sees them invariant. */
/* the family's plain loops: y's elements up to its first FA_NT_BYTES
 * boundary, then the rest (fa_align_head), the same scalar code over both */
#define FA_PARAM_LOOP(T, ELEM)                                                \
    {                                                                         \
        const T *x = (const T *)xv;                                           \
        T *y = (T *)yv;                                                       \
        const double q[2] = {p[0], p[1]};                                     \
        ptrdiff_t cut = fa_align_head(y, sizeof(T), n), lo = 0;               \
        for (int part = 0; part < 2; part++, lo = cut, cut = n) {             \
            _Pragma("omp simd")                                               \
            for (ptrdiff_t i = lo; i < cut; i++) {                            \
                y[i] = ELEM;                                                  \
            }                                                                 \
        }                                                                     \
    }
#define FA_DEFINE_PARAM_LOOPS(name)                                           \
    static void FA_LOCAL(p_##name##_f32)(const void *xv, void *yv, ptrdiff_t n, \
                                         const double *p)                     \
    FA_PARAM_LOOP(float, (float)fa_##name##_f32d((double)x[i], q))            \
    static void FA_LOCAL(p_##name##_f64)(const void *xv, void *yv, ptrdiff_t n, \
                                         const double *p)                     \
    FA_PARAM_LOOP(double, fa_##name##_f64(x[i], q))
FA_PARAM_KERNELS(FA_DEFINE_PARAM_LOOPS)

/* Streaming twins of the family's loops, as FA_DEFINE_NT_LOOP: a block of
 * FA_NT_BYTES of results, then one streamed store; head and tail plain. */
#ifdef FA_NT_BYTES
#define FA_DEFINE_PARAM_NT_LOOP(name, T, sfx, ELEM)                           \
    static void FA_LOCAL(p_##name##_##sfx##_nt)(const void *xv, void *yv, ptrdiff_t n, \
                                                const double *p)              \
    {                                                                         \
        enum { LANES = FA_NT_BYTES / sizeof(T) };                             \
        const T *x = (const T *)xv;                                           \
        T *y = (T *)yv;                                                       \
        const double q[2] = {p[0], p[1]};                                     \
        ptrdiff_t i = fa_nt_head(y, sizeof(T), n);                            \
        if (i < 0) {                                                          \
            FA_LOCAL(p_##name##_##sfx)(x, y, n, p);                           \
            return;                                                           \
        }                                                                     \
        FA_LOCAL(p_##name##_##sfx)(x, y, i, p);                               \
        for (; i + LANES <= n; i += LANES) {                                  \
            FA_ALIGNED(T block[LANES]);                                       \
            FA_PREFETCH(x + i);                                               \
            _Pragma("omp simd")                                               \
            for (int k = 0; k < LANES; k++) {                                 \
                block[k] = ELEM(name, x[i + k], q);                           \
            }                                                                 \
            FA_NT_STORE(y + i, block);                                        \
        }                                                                     \
        FA_LOCAL(p_##name##_##sfx)(x + i, y + i, n - i, p);                   \
        _mm_sfence();                                                         \
    }
#else
#define FA_DEFINE_PARAM_NT_LOOP(name, T, sfx, ELEM)                           \
    static void FA_LOCAL(p_##name##_##sfx##_nt)(const void *xv, void *yv, ptrdiff_t n, \
                                                const double *p)              \
    {                                                                         \
        FA_LOCAL(p_##name##_##sfx)(xv, yv, n, p);                             \
    }
#endif
#define FA_P_ELEM_F32(name, xi, q) ((float)fa_##name##_f32d((double)(xi), q))
#define FA_P_ELEM_F64(name, xi, q) (fa_##name##_f64((xi), q))
#define FA_DEFINE_PARAM_NT_LOOPS(name)                                        \
    FA_DEFINE_PARAM_NT_LOOP(name, float, f32, FA_P_ELEM_F32)                  \
    FA_DEFINE_PARAM_NT_LOOP(name, double, f64, FA_P_ELEM_F64)
FA_PARAM_KERNELS(FA_DEFINE_PARAM_NT_LOOPS)

#define FA_DEFINE_GRAD_LOOPS(name)                                            \
    static void FA_LOCAL(g_##name##_f32)(const void *gv, const void *xv, void *yv, \
                                         ptrdiff_t n, const double *p)        \
    {                                                                         \
        const float *g = (const float *)gv;                                   \
        FA_PARAM_LOOP(float, (float)fa_grad_##name##_f32d((double)g[i], (double)x[i], q)) \
    }                                                                         \
    static void FA_LOCAL(g_##name##_f64)(const void *gv, const void *xv, void *yv, \
                                         ptrdiff_t n, const double *p)        \
    {                                                                         \
        const double *g = (const double *)gv;                                 \
        FA_PARAM_LOOP(double, fa_grad_##name##_f64(g[i], x[i], q))            \
    }
FA_GRAD_KERNELS(FA_DEFINE_GRAD_LOOPS)

#ifdef FA_NT_BYTES
#define FA_DEFINE_GRAD_NT_LOOP(name, T, sfx, ELEM)                            \
    static void FA_LOCAL(g_##name##_##sfx##_nt)(const void *gv, const void *xv, void *yv, \
                                                ptrdiff_t n, const double *p) \
    {                                                                         \
        enum { LANES = FA_NT_BYTES / sizeof(T) };                             \
        const T *g = (const T *)gv, *x = (const T *)xv;                       \
        T *y = (T *)yv;                                                       \
        const double q[2] = {p[0], p[1]};                                     \
        ptrdiff_t i = fa_nt_head(y, sizeof(T), n);                            \
        if (i < 0) {                                                          \
            FA_LOCAL(g_##name##_##sfx)(g, x, y, n, p);                        \
            return;                                                           \
        }                                                                     \
        FA_LOCAL(g_##name##_##sfx)(g, x, y, i, p);                            \
        for (; i + LANES <= n; i += LANES) {                                  \
            FA_ALIGNED(T block[LANES]);                                       \
            FA_PREFETCH(g + i);                                               \
            FA_PREFETCH(x + i);                                               \
            _Pragma("omp simd")                                               \
            for (int k = 0; k < LANES; k++) {                                 \
                block[k] = ELEM(name, g[i + k], x[i + k], q);                 \
            }                                                                 \
            FA_NT_STORE(y + i, block);                                        \
        }                                                                     \
        FA_LOCAL(g_##name##_##sfx)(g + i, x + i, y + i, n - i, p);            \
        _mm_sfence();                                                         \
    }
#else
#define FA_DEFINE_GRAD_NT_LOOP(name, T, sfx, ELEM)                            \
    static void FA_LOCAL(g_##name##_##sfx##_nt)(const void *gv, const void *xv, void *yv, \
                                                ptrdiff_t n, const double *p) \
    {                                                                         \
        FA_LOCAL(g_##name##_##sfx)(gv, xv, yv, n, p);                         \
    }
#endif
#define FA_G_ELEM_F32(name, gi, xi, q) ((float)fa_grad_##name##_f32d((double)(gi), (double)(xi), q))
#define FA_G_ELEM_F64(name, gi, xi, q) (fa_grad_##name##_f64((gi), (xi), q))
#define FA_DEFINE_GRAD_NT_LOOPS(name)                                         \
    FA_DEFINE_GRAD_NT_LOOP(name, float, f32, FA_G_ELEM_F32)                   \
    FA_DEFINE_GRAD_NT_LOOP(name, double, f64, FA_G_ELEM_F64)
FA_GRAD_KERNELS(FA_DEFINE_GRAD_NT_LOOPS)

static void FA_LOCAL(half_to_float)(const void *hv, float *f, ptrdiff_t n)
{
    const uint16_t *h = (const uint16_t *)hv;
    _Pragma("omp simd")
    for (ptrdiff_t i = 0; i < n; i++) {
        f[i] = fa_f16_to_f32(h[i]);
    }
}

static void FA_LOCAL(float_to_half)(const float *f, void *hv, ptrdiff_t n)
{
    uint16_t *h = (uint16_t *)hv;
    _Pragma("omp simd")
    for (ptrdiff_t i = 0; i < n; i++) {
        h[i] = fa_f32_to_f16(f[i]);
    }
}

#define FA_DEFINE_SOFTMAX_LOOPS(T, sfx)                                       \
    static void FA_LOCAL(softmax_##sfx)(const void *x, void *y, ptrdiff_t n_rows, ptrdiff_t n, \
                                        int log_out, double *scratch, int stream) \
    {                                                                         \
        (void)stream;                                                         \
        for (ptrdiff_t r = 0; r < n_rows; r++)                                \
            fa_softmax_row_##sfx((const T *)x + r * n, (T *)y + r * n, n, log_out, scratch); \
    }                                                                         \
    static void FA_LOCAL(softmax_backward_##sfx)(const void *g, const void *y, void *out, \
                                                 ptrdiff_t n, int log_out, double *scratch, \
                                                 int stream)                  \
    {                                                                         \
        (void)stream;                                                         \
        fa_softmax_backward_row_##sfx((const T *)g, (const T *)y, (T *)out, n, log_out, scratch); \
    }
FA_DEFINE_SOFTMAX_LOOPS(float, f32)
FA_DEFINE_SOFTMAX_LOOPS(double, f64)

#define FA_PARAM_ENTRY(name) {FA_LOCAL(p_##name##_f32), FA_LOCAL(p_##name##_f64)},
#define FA_GRAD_ENTRY(name) {FA_LOCAL(g_##name##_f32), FA_LOCAL(g_##name##_f64)},
#define FA_PARAM_NT_ENTRY(name) {FA_LOCAL(p_##name##_f32_nt), FA_LOCAL(p_##name##_f64_nt)},
#define FA_GRAD_NT_ENTRY(name) {FA_LOCAL(g_##name##_f32_nt), FA_LOCAL(g_##name##_f64_nt)},
const fa_family_table FA_CAT(fa_family, FA_ISA_SUFFIX) = {
    {FA_PARAM_KERNELS(FA_PARAM_ENTRY)},
    {FA_GRAD_KERNELS(FA_GRAD_ENTRY)},
    {FA_PARAM_KERNELS(FA_PARAM_NT_ENTRY)},
    {FA_GRAD_KERNELS(FA_GRAD_NT_ENTRY)},
    FA_LOCAL(half_to_float),
    FA_LOCAL(float_to_half),
    {FA_LOCAL(softmax_f32), FA_LOCAL(softmax_f64)},
    {FA_LOCAL(softmax_backward_f32), FA_LOCAL(softmax_backward_f64)},
    /* later designators replace the generic loops' float32 entries with the
     * hand-written loops, plain and streaming */
#define FA_HAND_PARAM(name) .param[FA_P_##name][0] = FA_LOCAL(p_##name##_f32_by_hand), \
                            .param_nt[FA_P_##name][0] = FA_LOCAL(p_##name##_f32_by_hand_nt),
#define FA_HAND_GRAD(name) .grad[FA_G_##name][0] = FA_LOCAL(g_##name##_f32_by_hand), \
                           .grad_nt[FA_G_##name][0] = FA_LOCAL(g_##name##_f32_by_hand_nt),
#ifdef FA_SILU_F32_BY_HAND
    FA_HAND_PARAM(silu) FA_HAND_GRAD(silu)
    FA_HAND_GRAD(softplus) FA_HAND_GRAD(log_sigmoid)
    FA_HAND_PARAM(elu) FA_HAND_PARAM(selu) FA_HAND_PARAM(celu)
    FA_HAND_GRAD(elu) FA_HAND_GRAD(selu) FA_HAND_GRAD(celu)
#endif
#ifdef FA_SOFTPLUS_BT_F32_BY_HAND
    FA_HAND_PARAM(softplus_bt) FA_HAND_GRAD(softplus_bt)
#endif
#ifdef FA_GELU_F32_BY_HAND
    FA_HAND_PARAM(gelu) FA_HAND_GRAD(gelu)
#endif
#ifdef FA_SOFTSIGN_F32_BY_HAND
    FA_HAND_PARAM(softsign)
#endif
#ifdef FA_LOG_SIGMOID_F32_BY_HAND
    FA_HAND_PARAM(log_sigmoid)
#endif
#ifdef FA_TANHSHRINK_F32_BY_HAND
    FA_HAND_PARAM(tanhshrink)
#endif
#ifdef FA_MISH_F32_BY_HAND
    FA_HAND_PARAM(mish) FA_HAND_GRAD(mish)
#endif
#ifdef FA_GELU_TANH_GRAD_F32_BY_HAND
    FA_HAND_PARAM(gelu_tanh) FA_HAND_GRAD(gelu_tanh)
#endif
#ifdef FA_GRADS_F32_BY_HAND
    FA_HAND_GRAD(tanhshrink) FA_HAND_GRAD(hardswish)
#endif
#ifdef FA_HARD_F32_BY_HAND
    FA_HAND_PARAM(hardsigmoid) FA_HAND_PARAM(hardswish) FA_HAND_GRAD(hardsigmoid)
    FA_HAND_GRAD(softsign) FA_HAND_GRAD(sigmoid) FA_HAND_GRAD(tanh) FA_HAND_GRAD(relu)
#endif
#ifdef FA_LEAKY_RELU_F32_BY_HAND
    FA_HAND_PARAM(leaky_relu) FA_HAND_GRAD(leaky_relu)
#endif
#ifdef FA_CLAMPS_F32_BY_HAND
    FA_HAND_PARAM(hardtanh) FA_HAND_GRAD(hardtanh)
    FA_HAND_PARAM(relu6) FA_HAND_GRAD(relu6)
    FA_HAND_PARAM(threshold) FA_HAND_GRAD(threshold)
#endif
#ifdef FA_SOFTMAX_F32_BY_HAND
    .softmax[0] = FA_LOCAL(softmax_f32_by_hand),
    .softmax_backward[0] = FA_LOCAL(softmax_backward_f32_by_hand),
#endif
#undef FA_HAND_PARAM
#undef FA_HAND_GRAD
};
