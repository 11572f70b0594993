"""Generate src/fastact_tanh_f32_table.h: float32 tanh as piecewise polynomials.

    python tools/fit_tanh_f32.py > src/fastact_tanh_f32_table.h   (needs mpmath)
    python tools/fit_tanh_f32.py --entries 32 --degree 6 > src/fastact_tanh_f32_table32.h

The second: four intervals per binade (bits >> 21) in 32-entry tables, which
one vpermt2ps reads, so a lower degree: the AVX-512 loop's table.

|x| in [0, 10] is cut where the float's bits cut it: two intervals per binade
from 0.1875 up ([0.1875, 0.25), [0.25, 0.375), ..., [8, 12)), and one interval
[0, 0.1875) below.  The interval of a = max(|x|, 0.125) is (bits(a) >> 22) & 15,
no clamping needed: 13 intervals in a 16-entry table, which one AVX-512
vpermps (or two AVX2 vpermps) reads for 16 (8) lanes at once.

On each interval tanh(c + t) = c0 + t * P(t), P of degree 6, with
  - c a float whose tanh lies within 2^-38 (relative) of the float c0
    (Gal's accurate tables), so that t = |x| - c is exact (Sterbenz) and the
    constant term carries no rounding error: y = fma(t, P(t), c0) rounds
    once, with t * P(t) small next to c0;
  - on [0, 0.1875): c = c0 = 0 and y = fma(t, P(t), t), P(t) = t * (...),
    so that y = t + O(t^3) keeps full relative accuracy near 0.
The coefficients are fitted one at a time (weighted least squares with Lawson
iterations, relative error against mpmath), each rounded to float before the
next is refitted, so the rounding of one is absorbed by the others.
Max relative error of the polynomials: below 2^-27.  Result over all 2^32
float inputs: <= 0.631 ULP, 99.96% correctly rounded (tests/test_exhaustive.py).
"""
import struct
import argparse
import sys

import numpy as np
from mpmath import mp, mpf, tanh

mp.prec = 120
DEGREE = 7          # P has terms t^0 .. t^(DEGREE - 1); y = c0 + t * P(t)
SHIFT = 22          # 23 - log2(intervals per binade)
ENTRIES = 16        # table length; SHIFT = 22 for 16 entries, 21 for 32
LOW = 0.125         # |x| below goes to interval 0 (which spans [0, 0.1875))
TOP = 10.0          # tanh(|x|) rounds to 1 from 9.01 on; |x| is clamped to 10


def f32(x):
    return float(np.float32(x))


def bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def from_bits(b):
    return struct.unpack("<f", struct.pack("<I", b))[0]


def hexf(v):
    """C float literal: the hex form without trailing zeros."""
    m, e = float.hex(v).split("p")
    m = m.rstrip("0").rstrip(".") if "." in m else m
    return "%sp%sf" % (m, e)


def gal_point(start, f=tanh, tolerance_bits=38, steps=200000):
    """A float near start whose f is within 2^-tolerance_bits (relative) of a
    float: (c, f(c) rounded to float).  Searches outward from start, towards
    +-0 first for negative starts."""
    b0 = bits(f32(start))
    best = None
    for d in range(steps):
        for b in ((b0 + d, b0 - d) if start >= 0 else (b0 - d, b0 + d)):
            c = from_bits(b)
            exact = f(mpf(c))
            c0 = f32(float(exact))
            err = abs((exact - mpf(c0)) / exact)
            if best is None or err < best[0]:
                best = (err, c, c0)
        if best[0] < mpf(2) ** -tolerance_bits:
            return best[1], best[2]
    raise RuntimeError("no accurate point near %r" % start)


def fit_powers(t, resid, w, first, degree):
    """Coefficients of t^first .. t^degree fitting resid with relative weights
    w, one at a time: each a Lawson-weighted least-squares fit, rounded to
    float before the next is refitted (so the others absorb its rounding).
    Returns the coefficients and the max weighted error left."""
    h = np.abs(t).max()
    u = t / h
    coef = []
    for j in range(first, degree + 1):
        A = np.stack([u ** k for k in range(j, degree + 1)], axis=1)
        lw = np.ones_like(t)
        for _ in range(20):
            W = w * lw
            a = np.linalg.lstsq(A * W[:, None], resid * W, rcond=None)[0]
            r = np.abs((A @ a - resid) * w)
            lw *= (r / r.max()) ** 0.5 + 1e-3
            lw /= lw.mean()
        cj = f32(a[0] / h ** j)
        coef.append(cj)
        resid = resid - cj * t ** j
    return coef, float(np.abs(resid * w).max())


def fit(i, lo, hi):
    if i == 0:
        c = c0 = 0.0
    else:
        # near 9.01 tanh is flat; start at atanh(1 - 2^-24), where it crosses a float
        c, c0 = gal_point(0.5 * (lo + hi) if hi < TOP else 8.6643397569993164)
    n = 400
    t = 0.5 * (lo + hi) - c + 0.5 * (hi - lo) * np.cos(np.pi * (np.arange(n) + 0.5) / n)
    exact = [tanh(mpf(c) + mpf(v)) for v in t]
    w = np.array([1.0 / abs(float(e)) if e else 1.0 for e in exact])
    resid = np.array([float(e - mpf(c0)) for e in exact])
    if i == 0:
        resid = resid - t                     # y = t + t * P(t), P(0) = 0
    coef, err = fit_powers(t, resid, w, 2 if i == 0 else 1, DEGREE)
    return c, c0, ([0.0] if i == 0 else []) + coef, err


def main():
    global DEGREE, SHIFT, ENTRIES
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=16, choices=(16, 32))
    ap.add_argument("--degree", type=int, default=7)
    args = ap.parse_args()
    ENTRIES, DEGREE = args.entries, args.degree
    SHIFT = 22 if ENTRIES == 16 else 21
    sfx = "" if ENTRIES == 16 else "32"
    mask = ENTRIES - 1
    base = bits(LOW) >> SHIFT
    top = (bits(TOP) - 1) >> SHIFT
    rows = {}
    for i in range(top - base + 1):
        lo = 0.0 if i == 0 else from_bits((base + i) << SHIFT)
        hi = min(from_bits((base + i + 1) << SHIFT), TOP)
        c, c0, coef, err = fit(i, lo, hi)
        rows[(base + i) & mask] = (lo, hi, c, c0, coef, err)
    assert len(rows) == top - base + 1 <= ENTRIES
    last = rows[top & mask]
    table = [rows.get(k, last) for k in range(ENTRIES)]   # unused slots: never read
    out = sys.stdout
    out.write("/* Generated by tools/fit_tanh_f32.py -- do not edit. */\n")
    out.write("/* Entry (bits(max(|x|, 0.125)) >> %d) & %d is the interval of |x|;\n" % (SHIFT, mask))
    out.write(" * rows: c, c0, then P's coefficients from t^0 up (see fa_tanh_f32). */\n")
    out.write("#ifndef FASTACT_TANH_F32_TABLE%s_H\n#define FASTACT_TANH_F32_TABLE%s_H\n\n" % (sfx, sfx))
    out.write("#define FA_TANH_F32_SHIFT%s %d\n#define FA_TANH_F32_ROWS%s %d\n" % (sfx, SHIFT, sfx, DEGREE + 2))
    if sfx:
        out.write("#define FA_TANH_F32_FIRST_END%s %sf  /* interval 0 is [0, this) */\n"
                  % (sfx, hexf(from_bits((base + 1) << SHIFT))[:-1]))
    out.write("\n")
    out.write("static const float fa_tanh_f32_table%s[%d][%d] = {\n" % (sfx, DEGREE + 2, ENTRIES))
    for j in range(DEGREE + 2):
        vals = [r[2] if j == 0 else r[3] if j == 1 else r[4][j - 2] for r in table]
        name = "c" if j == 0 else "c0" if j == 1 else "t^%d" % (j - 2)
        out.write("    { /* %s */\n" % name)
        for k in range(0, ENTRIES, 4):
            out.write("        %s,\n" % ", ".join(hexf(v) for v in vals[k:k + 4]))
        out.write("    },\n")
    out.write("};\n\n")
    for k in range(ENTRIES):
        if k not in rows:
            out.write("/* entry %2d: unused (a copy of entry %d) */\n" % (k, top & mask))
            continue
        lo, hi, c, c0, coef, err = rows[k]
        out.write("/* entry %2d: [%-9g, %-9g) relative error 2^%.1f */\n" % (k, lo, hi, np.log2(err)))
    out.write("\n#endif /* FASTACT_TANH_F32_TABLE%s_H */\n" % sfx)


if __name__ == "__main__":
    main()
