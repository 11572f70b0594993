"""Build fastact: Cython extensions over the portable C in src/.

This file is the only build logic.  It
- probes whether the compiler builds and links an OpenMP program and falls
  back to a serial build with a warning (FASTACT_OPENMP=0 forces the serial
  build, FASTACT_OPENMP=1 makes a missing OpenMP an error);
- compiles src/fastact_loops.c and src/fastact_linear.c once per ISA
  (baseline, AVX2+FMA, AVX-512) for the runtime dispatch in
  src/fastact_dispatch.c;
- never uses -ffast-math, nor -march=native unless FASTACT_NATIVE=1 asks.
FASTACT_DEBUG=1 builds with Cython's boundscheck on, for the tests.
"""
import os
import sys
import platform
import shutil
import tempfile
import textwrap

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

SRC = "src"

# Opt-in only (FASTACT_NATIVE=1): a default build must run on any x86-64.
NATIVE_FLAG = "-march=native"  # opt-in: only with FASTACT_NATIVE=1

# Flags for the C math in src/.  -ffp-contract=off: the only FMAs are the
# explicit ones, so every FMA-capable ISA gives the same bits.
# -fno-trapping-math lets GCC if-convert the selects of fastact_math.h (it
# changes no result: both sides are computed anyway); -fopenmp-simd honours
# `#pragma omp simd` without the OpenMP runtime.
LOOP_CFLAGS = ["-O3", "-fopenmp-simd", "-ffp-contract=off", "-fno-trapping-math"]
ISA_FLAGS = {
    "avx2": ["-mavx2", "-mfma"],
    "avx512": ["-mavx512f", "-mavx512dq", "-mavx512vl", "-mavx512bw",
               "-mavx2", "-mfma", "-mprefer-vector-width=512"],
}

# An instruction of each ISA, so that an assembler too old for it fails the probe.
ISA_PROBES = {
    "avx2": textwrap.dedent("""
        #include <immintrin.h>
        int main(void) {
            __m256 a = _mm256_set1_ps(1.0f);
            a = _mm256_fmadd_ps(a, a, a);
            return (int)_mm256_cvtss_f32(a);
        }
    """),
    "avx512": textwrap.dedent("""
        #include <immintrin.h>
        int main(void) {
            __m512d a = _mm512_set1_pd(1.0);
            __m512i k = _mm512_cvtpd_epi64(a);   /* AVX-512DQ */
            return (int)_mm512_reduce_add_epi64(k);
        }
    """),
}

OPENMP_TEST = textwrap.dedent("""
    #include <omp.h>
    #include <stdio.h>
    int main(void) {
        int n = 0;
        #pragma omp parallel reduction(+:n)
        n += 1;
        printf("%d %d\\n", n, omp_get_max_threads());
        return 0;
    }
""")


def env_flag(name):
    """None if unset or empty, else the value as given."""
    value = os.environ.get(name, "").strip()
    return value or None


def compiles(compiler, code, extra_args, link=False):
    """Whether `compiler` builds (and, with link=True, links) `code`."""
    tmp = tempfile.mkdtemp(prefix="fastact-probe-")
    try:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write(code)
        objects = compiler.compile([src], output_dir=tmp, extra_postargs=extra_args)
        if link:
            compiler.link_executable(objects, "probe", output_dir=tmp, extra_postargs=extra_args)
        return True
    except Exception:
        return False
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class BuildExt(build_ext):
    """build_ext that probes OpenMP and compiles the per-ISA loops."""

    def initialize_options(self):
        super().initialize_options()
        # The objects depend on FASTACT_OPENMP/FASTACT_DEBUG/FASTACT_NATIVE,
        # which timestamps cannot see, and pip builds in the source tree's
        # build/: always rebuild rather than link a stale variant.
        self.force = True

    def build_extensions(self):
        msvc = self.compiler.compiler_type == "msvc"
        openmp_args = self._openmp_args(msvc)
        native = env_flag("FASTACT_NATIVE") == "1"
        base_args = ["/O2"] if msvc else ["-O3"]
        if native and not msvc:
            base_args.append(NATIVE_FLAG)

        loop_objects, isa_macros, isas = self._compile_loops(msvc, native)
        build_info = {
            "openmp": bool(openmp_args),
            "cflags": " ".join(base_args + openmp_args),
            "loop_cflags": " ".join(([] if msvc else LOOP_CFLAGS) + ([NATIVE_FLAG] if native else [])),
            "isas": " ".join(isas),
            "debug": env_flag("FASTACT_DEBUG") == "1",
        }
        for ext in self.extensions:
            ext.extra_compile_args = base_args + openmp_args
            ext.extra_link_args = list(openmp_args) if not msvc else []
            if ext.name in USES_LOOPS:
                ext.extra_objects = list(loop_objects)
                ext.define_macros = list(ext.define_macros) + isa_macros
            if ext.name == "fastact._openmp":
                ext.define_macros = list(ext.define_macros) + [
                    ("FASTACT_BUILD_" + k.upper(), '"%s"' % v) for k, v in build_info.items()
                ]
        print("fastact build: openmp=%(openmp)s isas=%(isas)s cflags=%(cflags)s" % build_info)
        super().build_extensions()

    def run(self):
        super().run()
        if not self.inplace:
            self._copy_into_source_tree()

    def _copy_into_source_tree(self):
        """Put the built modules beside the sources too.

        Python started in a clone's root (`python -c`, `python -m fastact`,
        `python -m pytest`) imports ./fastact, not the installed package; with
        the same build's modules there, both are the same fastact.  The copies
        are git-ignored and replaced by every build.
        """
        root = os.path.dirname(os.path.abspath(__file__))
        for ext in self.extensions:
            built = self.get_ext_fullpath(ext.name)
            package_dir = os.path.join(root, *ext.name.split(".")[:-1])
            if os.path.isdir(package_dir) and os.access(package_dir, os.W_OK):
                shutil.copyfile(built, os.path.join(package_dir, os.path.basename(built)))

    def _openmp_args(self, msvc):
        mode = env_flag("FASTACT_OPENMP")
        if mode not in (None, "0", "1"):
            raise SystemExit("FASTACT_OPENMP must be 0 or 1, got %r" % mode)
        if mode == "0":
            print("fastact build: FASTACT_OPENMP=0, building the serial extension")
            return []
        args = ["/openmp"] if msvc else ["-fopenmp"]
        if compiles(self.compiler, OPENMP_TEST, args, link=True):
            return args
        if mode == "1":
            raise SystemExit("fastact build: FASTACT_OPENMP=1 but the compiler cannot "
                             "build and link an OpenMP program with %s" % " ".join(args))
        print("#" * 72)
        print("# WARNING: the compiler cannot build an OpenMP program; fastact is")
        print("# built serial (one thread).  Install an OpenMP runtime (libgomp,")
        print("# libomp) and rebuild for parallel kernels.")
        print("#" * 72)
        return []

    def _compile_loops(self, msvc, native):
        """Compile the per-ISA sources of src/; return objects, macros, ISA names."""
        x86 = platform.machine().lower() in ("x86_64", "amd64", "i686", "i386", "x86")
        isas = ["baseline"]
        if x86 and not msvc and not native:
            isas += [isa for isa in ("avx2", "avx512")
                     if compiles(self.compiler, ISA_PROBES[isa], ISA_FLAGS[isa])]
        common = [] if msvc else list(LOOP_CFLAGS)
        if native and not msvc:
            common.append(NATIVE_FLAG)
        objects = []
        for isa in isas:
            objects += self.compiler.compile(
                [os.path.join(SRC, "fastact_loops.c"), os.path.join(SRC, "fastact_linear.c")],
                output_dir=os.path.join(self.build_temp, "isa_" + isa),
                macros=[("FA_ISA_SUFFIX", isa)],
                include_dirs=[SRC],
                extra_postargs=common + ISA_FLAGS.get(isa, []),
                debug=self.debug,
            )
        macros = [("FA_HAVE_" + isa.upper(), "1") for isa in isas if isa != "baseline"]
        return objects, macros, isas


# The extensions that link the per-ISA loops and their dispatcher.
USES_LOOPS = {"fastact._ufuncs", "fastact._linear", "fastact._family", "fastact._softmax"}


def extension(name, sources, uses_numpy=False):
    return Extension(
        name,
        sources=sources,
        libraries=[] if sys.platform == "win32" else ["m"],   # erfc, exp of the gelu loops
        include_dirs=[SRC] + ([np.get_include()] if uses_numpy else []),
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_2_0_API_VERSION")] if uses_numpy else [],
    )


extensions = [
    extension("fastact._openmp", ["fastact/_openmp.pyx"]),
    extension("fastact._ufuncs", ["fastact/_ufuncs.pyx", os.path.join(SRC, "fastact_dispatch.c")],
              uses_numpy=True),
    extension("fastact._linear", ["fastact/_linear.pyx", os.path.join(SRC, "fastact_dispatch.c")],
              uses_numpy=True),
    extension("fastact._family", ["fastact/_family.pyx", os.path.join(SRC, "fastact_dispatch.c")],
              uses_numpy=True),
    extension("fastact._softmax", ["fastact/_softmax.pyx", os.path.join(SRC, "fastact_dispatch.c")],
              uses_numpy=True),
]

debug = env_flag("FASTACT_DEBUG") == "1"
setup(
    ext_modules=cythonize(
        extensions,
        force=True,   # the directives depend on FASTACT_DEBUG (see BuildExt.force)
        compiler_directives={
            "language_level": 3,
            "boundscheck": debug,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": debug,
        },
    ),
    cmdclass={"build_ext": BuildExt},
)
