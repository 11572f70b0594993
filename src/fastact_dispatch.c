/*
 * fastact_dispatch.c -- choose the kernel table for the CPU we run on.
 *
 * A wheel is built without -march flags, so it runs on any x86-64; the
 * AVX2/AVX-512 copies of fastact_loops.c are only called when cpuid (through
 * the compiler's __builtin_cpu_supports, which also checks that the OS saves
 * the wide registers) says they can run.  setup.py defines FA_HAVE_AVX2 /
 * FA_HAVE_AVX512 when it compiled those copies.
 */
#include <string.h>
#if defined(__linux__) || defined(__APPLE__)
#include <unistd.h>
#endif

#include "fastact_linear.h"
#include "fastact_loops.h"

extern const fa_kernel_table fa_kernels_baseline;
extern const fa_kernel_table fa_kernels_nt_baseline;
extern const fa_linear_table fa_linear_baseline;
extern const fa_family_table fa_family_baseline;
#ifdef FA_HAVE_AVX2
extern const fa_kernel_table fa_kernels_avx2;
extern const fa_kernel_table fa_kernels_nt_avx2;
extern const fa_linear_table fa_linear_avx2;
extern const fa_family_table fa_family_avx2;
#endif
#ifdef FA_HAVE_AVX512
extern const fa_kernel_table fa_kernels_avx512;
extern const fa_kernel_table fa_kernels_nt_avx512;
extern const fa_linear_table fa_linear_avx512;
extern const fa_family_table fa_family_avx512;
#endif

fa_kernel_table fa_kernels;
fa_kernel_table fa_kernels_nt;
fa_linear_table fa_linear;
fa_family_table fa_family;
static int fa_isa_in_use = -1;

static const char *const fa_isa_names[] = {"baseline", "avx2", "avx512"};

static int fa_cpu_best_isa(void)
{
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
    __builtin_cpu_init();
#ifdef FA_HAVE_AVX512
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw")) {
        return FA_ISA_AVX512;
    }
#endif
#ifdef FA_HAVE_AVX2
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        return FA_ISA_AVX2;
    }
#endif
#endif
    return FA_ISA_BASELINE;
}

static void fa_install(int isa)
{
    switch (isa) {
#ifdef FA_HAVE_AVX512
    case FA_ISA_AVX512:
        fa_kernels = fa_kernels_avx512;
        fa_kernels_nt = fa_kernels_nt_avx512;
        fa_linear = fa_linear_avx512;
        fa_family = fa_family_avx512;
        return;
#endif
#ifdef FA_HAVE_AVX2
    case FA_ISA_AVX2:
        fa_kernels = fa_kernels_avx2;
        fa_kernels_nt = fa_kernels_nt_avx2;
        fa_linear = fa_linear_avx2;
        fa_family = fa_family_avx2;
        return;
#endif
    default:
        fa_kernels = fa_kernels_baseline;
        fa_kernels_nt = fa_kernels_nt_baseline;
        fa_linear = fa_linear_baseline;
        fa_family = fa_family_baseline;
    }
}

int fa_dispatch_init(const char *request)
{
    int best = fa_cpu_best_isa();
    int isa = best;
    if (request != NULL && request[0] != '\0') {
        isa = -1;
        for (int i = 0; i < 3; i++) {
            if (strcmp(request, fa_isa_names[i]) == 0) {
                isa = i;
            }
        }
        if (isa < 0) {
            return -1;
        }
        if (isa > best) {
            return -2;
        }
    }
    fa_install(isa);
    fa_isa_in_use = isa;
    return 0;
}

const char *fa_dispatch_isa(void)
{
    return fa_isa_in_use < 0 ? "none" : fa_isa_names[fa_isa_in_use];
}

const char *fa_dispatch_compiled(void)
{
#if defined(FA_HAVE_AVX512) && defined(FA_HAVE_AVX2)
    return "baseline avx2 avx512";
#elif defined(FA_HAVE_AVX2)
    return "baseline avx2";
#else
    return "baseline";
#endif
}

/* --- lookups for the Cython layer ------------------------------------------ */

#define FA_NAME_STRING(name) #name,
static const char *const fa_param_names[] = {FA_PARAM_KERNELS(FA_NAME_STRING)};
static const char *const fa_grad_names[] = {FA_GRAD_KERNELS(FA_NAME_STRING)};

int fa_n_param_kernels(void) { return FA_N_PARAM; }
int fa_n_grad_kernels(void) { return FA_N_GRAD; }

const char *fa_param_kernel_name(int k)
{
    return (k >= 0 && k < FA_N_PARAM) ? fa_param_names[k] : NULL;
}

const char *fa_grad_kernel_name(int k)
{
    return (k >= 0 && k < FA_N_GRAD) ? fa_grad_names[k] : NULL;
}

fa_param_fn fa_param_kernel(int k, int is_double)
{
    return fa_family.param[k][is_double ? 1 : 0];
}

fa_grad_fn fa_grad_kernel(int k, int is_double)
{
    return fa_family.grad[k][is_double ? 1 : 0];
}

fa_param_fn fa_param_kernel_nt(int k, int is_double)
{
    return fa_family.param_nt[k][is_double ? 1 : 0];
}

fa_grad_fn fa_grad_kernel_nt(int k, int is_double)
{
    return fa_family.grad_nt[k][is_double ? 1 : 0];
}

void fa_half_to_float(const void *h, float *f, ptrdiff_t n) { fa_family.half_to_float(h, f, n); }
void fa_float_to_half(const float *f, void *h, ptrdiff_t n) { fa_family.float_to_half(f, h, n); }

fa_softmax_fn fa_softmax_kernel(int is_double) { return fa_family.softmax[is_double ? 1 : 0]; }
fa_softmax_backward_fn fa_softmax_backward_kernel(int is_double)
{
    return fa_family.softmax_backward[is_double ? 1 : 0];
}

/* --- streaming stores for large outputs (see fastact_loops.h) ------------- */

ptrdiff_t fa_default_stream_min_bytes(void)
{
    long llc = 0;
#if defined(__linux__) && defined(_SC_LEVEL3_CACHE_SIZE)
    llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
    if (llc <= 0) {
        llc = sysconf(_SC_LEVEL2_CACHE_SIZE);
    }
#endif
    if (llc <= 0) {
        return (ptrdiff_t)64 << 20;
    }
    return (ptrdiff_t)llc / 4;
}
