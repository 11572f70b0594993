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

/* The modern family (fastact_family.h): one input and up to two parameters,
 * passed as doubles.  float32 loops evaluate the float64 function on the
 * widened input.  Adding a name here adds its forward loops, and its
 * gradient loops below, for every ISA. */
#define FA_PARAM_KERNELS(X) \
    X(leaky_relu)           \
    X(elu)                  \
    X(celu)                 \
    X(selu)                 \
    X(silu)                 \
    X(mish)                 \
    X(softsign)             \
    X(hardsigmoid)          \
    X(hardswish)            \
    X(hardtanh)             \
    X(relu6)                \
    X(log_sigmoid)          \
    X(threshold)            \
    X(softplus_bt)          \
    X(gelu)                 \
    X(gelu_tanh)            \
    X(tanhshrink)

/* Gradients: out = g * f'(in), for the original five and the family. */
#define FA_GRAD_KERNELS(X) \
    X(sigmoid)             \
    X(tanh)                \
    X(softplus)            \
    X(relu)                \
    X(step)                \
    FA_PARAM_KERNELS(X)

typedef void (*fa_param_fn)(const void *x, void *y, ptrdiff_t n, const double *p);
typedef void (*fa_grad_fn)(const void *g, const void *in, void *out, ptrdiff_t n, const double *p);
typedef void (*fa_half_to_float_fn)(const void *h, float *f, ptrdiff_t n);
typedef void (*fa_float_to_half_fn)(const float *f, void *h, ptrdiff_t n);
/* stream: write y (out) with streaming stores where the kernel can (the
 * float softmax rows on AVX-512; the others ignore it).  The forward takes
 * n_rows C-contiguous rows of n (scratch: 2n + 64 doubles, which the
 * float rows align to 64 bytes), the backward one row (scratch: n
 * doubles). */
typedef void (*fa_softmax_fn)(const void *x, void *y, ptrdiff_t n_rows, ptrdiff_t n, int log_out,
                              double *scratch, int stream);
typedef void (*fa_softmax_backward_fn)(const void *g, const void *y, void *out, ptrdiff_t n,
                                       int log_out, double *scratch, int stream);

#define FA_ENUM_PARAM(name) FA_P_##name,
enum fa_param_kernel { FA_PARAM_KERNELS(FA_ENUM_PARAM) FA_N_PARAM };
#undef FA_ENUM_PARAM
#define FA_ENUM_GRAD(name) FA_G_##name,
enum fa_grad_kernel { FA_GRAD_KERNELS(FA_ENUM_GRAD) FA_N_GRAD };
#undef FA_ENUM_GRAD

typedef struct {
    fa_param_fn param[FA_N_PARAM][2];      /* [kernel][0: float32, 1: float64] */
    fa_grad_fn grad[FA_N_GRAD][2];
    fa_param_fn param_nt[FA_N_PARAM][2];   /* their streaming-store twins (fa_kernels_nt) */
    fa_grad_fn grad_nt[FA_N_GRAD][2];
    fa_half_to_float_fn half_to_float;     /* float16 <-> float32, blocks */
    fa_float_to_half_fn float_to_half;
    /* softmax rows (a block: scratch 2n + 64 doubles) and their backward (a row:
     * scratch n doubles), [float32, float64] */
    fa_softmax_fn softmax[2];
    fa_softmax_backward_fn softmax_backward[2];
} fa_family_table;

/* The family table in use; filled by fa_dispatch_init with fa_kernels. */
extern fa_family_table fa_family;

/* Lookups for the Cython layer, which does not see the table's layout:
 * the number of kernels, the name of kernel k (NULL out of range), and the
 * loop in use for kernel k and dtype (0: float32, 1: float64). */
int fa_n_param_kernels(void);
int fa_n_grad_kernels(void);
const char *fa_param_kernel_name(int k);
const char *fa_grad_kernel_name(int k);
fa_param_fn fa_param_kernel(int k, int is_double);
fa_grad_fn fa_grad_kernel(int k, int is_double);
fa_param_fn fa_param_kernel_nt(int k, int is_double);
fa_grad_fn fa_grad_kernel_nt(int k, int is_double);
void fa_half_to_float(const void *h, float *f, ptrdiff_t n);
fa_softmax_fn fa_softmax_kernel(int is_double);
fa_softmax_backward_fn fa_softmax_backward_kernel(int is_double);
void fa_float_to_half(const float *f, void *h, ptrdiff_t n);

enum fa_isa { FA_ISA_BASELINE = 0, FA_ISA_AVX2 = 1, FA_ISA_AVX512 = 2 };

/* The kernel table in use; filled by fa_dispatch_init. */
extern fa_kernel_table fa_kernels;

/* The same kernels writing with non-temporal (streaming) stores, for large
 * outputs: a streamed store skips the read-for-ownership of its destination
 * cache line, so a pass moves 2 bytes per output byte instead of 3.  On the
 * 2-core development machine a 1e8-element float32 copy runs at 27 GB/s with
 * plain stores and 40 GB/s streamed; below the last-level cache's size plain
 * stores win for whoever reads the result next (it is still cached).  Same
 * results as fa_kernels, bit for bit; x == y allowed.  Where the build has no
 * streaming store (not x86), these are the plain kernels. */
extern fa_kernel_table fa_kernels_nt;

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

/* Output size (bytes, of the whole ufunc call) from which the element-wise
 * loops stream: a quarter of the last-level cache, so that input and output
 * together fill half of it -- more than a shared cache keeps for one caller
 * (64 MiB when the OS does not say).  Below it the output stays cached for
 * whoever reads it next. */
ptrdiff_t fa_default_stream_min_bytes(void);

#endif /* FASTACT_LOOPS_H */
