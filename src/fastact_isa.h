/*
 * fastact_isa.h -- naming for the sources compiled once per ISA.
 *
 * setup.py compiles fastact_loops.c and fastact_linear.c with
 * -DFA_ISA_SUFFIX=<isa>; FA_LOCAL(name) gives each copy's symbols that suffix
 * (name_avx2, ...), so the copies link side by side.
 */
#ifndef FASTACT_ISA_H
#define FASTACT_ISA_H

#ifndef FA_ISA_SUFFIX
#define FA_ISA_SUFFIX baseline
#endif
#define FA_CAT_(a, b) a##_##b
#define FA_CAT(a, b) FA_CAT_(a, b)
#define FA_LOCAL(name) FA_CAT(name, FA_ISA_SUFFIX)

#endif /* FASTACT_ISA_H */
