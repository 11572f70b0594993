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

#include "fastact_linear.h"
#include "fastact_loops.h"

extern const fa_kernel_table fa_kernels_baseline;
extern const fa_linear_table fa_linear_baseline;
#ifdef FA_HAVE_AVX2
extern const fa_kernel_table fa_kernels_avx2;
extern const fa_linear_table fa_linear_avx2;
#endif
#ifdef FA_HAVE_AVX512
extern const fa_kernel_table fa_kernels_avx512;
extern const fa_linear_table fa_linear_avx512;
#endif

fa_kernel_table fa_kernels;
fa_linear_table fa_linear;
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
        fa_linear = fa_linear_avx512;
        return;
#endif
#ifdef FA_HAVE_AVX2
    case FA_ISA_AVX2:
        fa_kernels = fa_kernels_avx2;
        fa_linear = fa_linear_avx2;
        return;
#endif
    default:
        fa_kernels = fa_kernels_baseline;
        fa_linear = fa_linear_baseline;
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
