/*
 * fastact_loops.h -- the contiguous inner loops and their runtime dispatch.
 *
 * Each kernel maps one contiguous chunk: y[i] = f(x[i]) for 0 <= i < n.  x and
 * y may be the same array (in place); partial overlap is not allowed (NumPy's
 * ufunc machinery never passes it).  fastact_loops.c is compiled once per ISA
 * (baseline, AVX2+FMA, AVX-512) and fastact_dispatch.c picks one table at
 * start-up.  Plain C, no Python: the Cython layer declares this in _src.pxd.
 */
#ifndef FASTACT_LOOPS_H
#define FASTACT_LOOPS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The element-wise activations, one X(name) per kernel (copy: the memory
 * bandwidth yardstick of the benchmarks, through the same machinery).  Adding a name here
 * adds its loops for every ISA and its slot in the dispatch table. */
#define FA_UNARY_KERNELS(X) \
    X(sigmoid)              \
    X(tanh)                 \
    X(softplus)             \
    X(relu)                 \
    X(step)                 \
    X(copy)

/* Both dtypes share one pointer type so one ufunc inner loop serves both. */
typedef void (*fa_unary_fn)(const void *x, void *y, ptrdiff_t n);

typedef struct {
#define FA_TABLE_FIELDS(name) fa_unary_fn name##_f32; fa_unary_fn name##_f64;
    FA_UNARY_KERNELS(FA_TABLE_FIELDS)
#undef FA_TABLE_FIELDS
} fa_kernel_table;

enum fa_isa { FA_ISA_BASELINE = 0, FA_ISA_AVX2 = 1, FA_ISA_AVX512 = 2 };

/* The kernel table in use; filled by fa_dispatch_init. */
extern fa_kernel_table fa_kernels;

/* Choose the best ISA this CPU supports, or `request` ("baseline", "avx2",
 * "avx512") when it is non-NULL and non-empty.  Returns 0, or -1 if the
 * request is unknown (the table is then left unchanged), or -2 if the
 * CPU does not support the requested ISA. */
int fa_dispatch_init(const char *request);

/* Name of the ISA in use ("baseline", "avx2" or "avx512"). */
const char *fa_dispatch_isa(void);

/* Space-separated names of the ISAs compiled into this build. */
const char *fa_dispatch_compiled(void);

#ifdef __cplusplus
}
#endif

#endif /* FASTACT_LOOPS_H */
