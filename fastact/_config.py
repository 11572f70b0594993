"""show_config(): what this fastact was built with and runs with."""
import sys

import numpy as np

from fastact._openmp import build_info, get_num_threads
from fastact._ufuncs import _stream_threshold, compiled_isas, isa
from fastact._version import __version__


def config():
    """The build and runtime configuration as a dict."""
    info = build_info()
    info.update(
        version=__version__,
        num_threads=get_num_threads(),
        isa=isa(),
        compiled_isas=compiled_isas(),
        stream_min_bytes=_stream_threshold(),
        numpy=np.__version__,
        python=sys.version.split()[0],
    )
    return info


def show_config(file=None):
    """Print fastact's version, OpenMP support, thread count, ISA and flags."""
    c = config()
    openmp = ("yes (OpenMP %s)" % c["openmp_version"]) if c["openmp"] else "no (serial build)"
    lines = [
        "fastact %s" % c["version"],
        "  numpy:          %s (Python %s)" % (c["numpy"], c["python"]),
        "  openmp:         %s" % openmp,
        "  threads:        %d (of %d available CPUs)" % (c["num_threads"], c["available_cpus"]),
        "  isa in use:     %s (compiled: %s)" % (c["isa"], " ".join(c["compiled_isas"])),
        "  streaming:      outputs from %.0f MiB (non-temporal stores)" % (c["stream_min_bytes"] / 2**20),
        "  cflags:         %s" % c["cflags"],
        "  loop cflags:    %s" % c["loop_cflags"],
        "  debug build:    %s" % ("yes" if c["debug"] else "no"),
    ]
    print("\n".join(lines), file=file or sys.stdout)
