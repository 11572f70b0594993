#!/bin/sh
# Build, check and time fastact on a many-core machine in one go (the lent
# 16-core device machine; any Linux box with Python 3, numpy, Cython,
# setuptools and pytest).  Results also land in $OUT (default /tmp/fastact-out).
#
#     sh benchmarks/device_run.sh
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/fastact-out}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
nproc
lscpu | grep -E "Model name|^CPU\(s\)|Thread\(s\)|Socket|NUMA node\(s\)|L3"
$PY -c "import setuptools, numpy, Cython; print('setuptools', setuptools.__version__, 'numpy', numpy.__version__, 'Cython', Cython.__version__)"
if ! $PY -m pip install --no-build-isolation --no-deps -q . > "$OUT/build.log" 2>&1; then
    tail -5 "$OUT/build.log"
    echo "pip install failed; building in place"
    $PY setup.py build_ext --inplace > "$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log"; exit 1; }
fi
$PY -c "import fastact; fastact.show_config()"
$PY -m pytest -q -x -p no:cacheprovider tests/test_ufunc.py tests/test_threads.py tests/test_isa.py \
    tests/test_linear_kernels.py 2>&1 | tail -3
$PY benchmarks/scaling.py --threads 1,2,4,8,16 --sizes 1e4,1e6,1e8 --learners | tee "$OUT/scaling.txt"
$PY -m fastact bench --threads 16 --dtypes float32 --sizes 1e4,1e6,1e8 --json "$OUT/bench16.json" \
    2>/dev/null | tee "$OUT/bench16.txt"
