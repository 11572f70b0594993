"""Generate src/fastact_pw_f32_table.h: float32 sigmoid and the sigmoid's
derivative on [-12, 12) as piecewise polynomials, for the AVX-512 fast
paths.

    python tools/fit_pw_f32.py > src/fastact_pw_f32_table.h   (needs mpmath)

[-12, 12) is cut into 32 intervals of width 3/4; interval i =
round(x * 4/3 + 15.5) (floor((x + 12) * 4/3) away from rounding at the
boundaries, where the neighbour's polynomial, fitted SLACK beyond its
interval, is as good) is read from the low 5 bits of a float with the
"add 1.5 * 2^23" rounding trick, and every coefficient is one
vpermt2ps from a 32-entry table.  On each interval f(c + t) = c0 + t * P(t),
P of degree DEGREE - 1, with c a float near the interval's centre whose f is
within 2^-36 of the float c0 (Gal's accurate tables: the constant term carries
no rounding error and y = fma(t, P(t), c0) rounds once).  Coefficients are
fitted one at a time against mpmath (relative error, Lawson-weighted least
squares), each rounded to float before the next is refitted.  The loops use
the table only when all 16 lanes of a vector lie in (-LIMIT, LIMIT), just
inside (-12, 12) (the common case
for activations); other vectors take the general kernel.

    python tools/fit_pw_f32.py gelu > src/fastact_pw_gelu_f32_table.h
    python tools/fit_pw_f32.py tanhshrink > src/fastact_pw_tanhshrink_f32_table.h
    python tools/fit_pw_f32.py softplus > src/fastact_pw_softplus_f32_table.h
    python tools/fit_pw_f32.py mish > src/fastact_pw_mish_f32_table.h
    python tools/fit_pw_f32.py gelu_n > src/fastact_pw_gelu_n_f32_table.h
    python tools/fit_pw_f32.py gelu_tanh_n > src/fastact_pw_gelu_tanh_n_f32_table.h

write the tables of the other hand-written kernels: the first four on
equal intervals (SMALL_TABLES; of x itself for mish, of |x| for the
others), for example the exact gelu's M(a) = Phi(-a) e^(a^2 / 2) (the
scaled normal tail, smooth where Phi(-a) itself falls off too fast for a
polynomial) on [0, 16), 32 intervals of width 1/2, interval
round(a * 2 - 1/2), degree GELU_DEGREE; the last two on intervals uniform
in a function of |x| (MAPPED_TABLES), narrowing where the tabulated
function falls off fastest: the gelus' tails |x| Phi(-|x|) and |x| S(-|x|)
themselves, and their derivatives, for the kernels' fast paths up to
|x| = 8.48 and 8.06.
"""
import sys

import numpy as np
from mpmath import erfc, exp, log, mp, mpf, pi, sqrt, tanh

from fit_tanh_f32 import bits, f32, fit_powers, from_bits, gal_point, hexf

mp.prec = 120
DEGREE = 7
N_INTERVALS = 32
LOW, WIDTH = -12.0, 0.75
SCALE = 4.0 / 3.0                    # 1 / WIDTH, rounded to float by f32()
OFFSET = -LOW / WIDTH - 0.5          # interval = round(x * SCALE + OFFSET) & 31
SLACK = 1e-4                         # each fit covers its interval and this much beyond
FUNCTIONS = {
    "sigmoid": lambda x: 1 / (1 + exp(-x)),
    # sigmoid'(x) = s (1 - s), for the silu gradient s + x s (1 - s)
    "sigmoid_grad": lambda x: exp(-abs(x)) / (1 + exp(-abs(x))) ** 2,
}


GELU_DEGREE = 6
GELU_LOW, GELU_WIDTH = 0.0, 0.5
GELU_FUNCTIONS = {
    # Phi(-a) e^(a^2/2) = erfc(a / sqrt 2) e^(a^2/2) / 2
    "gelu_m": lambda a: erfc(a / sqrt(2)) * exp(a * a / 2) / 2,
}


def fit(f, lo, hi, degree=DEGREE, at_top=False):
    """at_top: c near hi instead of the middle (TOP_ANCHORED)"""
    mid = hi if at_top else 0.5 * (lo + hi)
    # a function that is 0 at a = 0, on the interval that starts there (the
    # exact gelu's a Phi(-a)): c = c0 = 0, so t = a and f = t P(t) keeps its
    # relative accuracy down to the smallest a (fitted on [0, hi])
    anchored = lo <= 0.0 < hi and f(mpf(0)) == 0
    if anchored:
        c = c0 = 0.0
        lo = 0.0
    else:
        try:
            # an interval centred on 0: the search starts just above it (its
            # bit patterns go no lower)
            c, c0 = gal_point(mid if mid != 0 else (hi - lo) / 64, f, tolerance_bits=36, steps=1 << 20)
        except RuntimeError:
            # no such point (mish's T just below 1 near x = 10, which no
            # float meets): c0 is f(mid) rounded, its error counted in the fit's
            c = f32(mid)
            c0 = f32(float(f(mpf(c))))
    n = 300
    t = 0.5 * (lo + hi) - c + 0.5 * (hi - lo) * np.cos(np.pi * (np.arange(n) + 0.5) / n)
    exact = [f(mpf(c) + mpf(v)) for v in t]
    # relative weights, capped at 2^6 / (the interval's largest |f|): the
    # cap only binds on an interval where f crosses zero (mish's gradient),
    # whose error is then absolute, near the crossing, at that scale; an
    # anchored interval's are not capped (f(t) / t is the fitted P there)
    top = max(abs(float(e)) for e in exact)
    w = np.array([1.0 / (abs(float(e)) if anchored else max(abs(float(e)), top / 64)) for e in exact])
    resid = np.array([float(e - mpf(c0)) for e in exact])
    coef, err = fit_powers(t, resid, w, 1, degree)
    return c, c0, coef, err


def interval(x):
    """The loops' index: round(fl(fma(x, SCALE, OFFSET)))."""
    u = np.float32(np.float64(np.float32(x)) * np.float64(f32(SCALE)) + OFFSET)
    return int(np.rint(u))


def limit():
    """The largest float L for which every |x| < L gets an index in 0..31 that
    is its own interval or a neighbour (within SLACK of it)."""
    L = f32(-LOW)
    while not (interval(L) <= 31 and interval(-L) >= 0):
        L = from_bits(bits(L) - 1)
    for x in np.linspace(-L, L, 200001, dtype=np.float32):
        i = interval(x)
        assert LOW + i * WIDTH - SLACK <= x <= LOW + (i + 1) * WIDTH + SLACK, x
    return L


def main():
    out = sys.stdout
    out.write("/* Generated by tools/fit_pw_f32.py -- do not edit. */\n")
    out.write("#ifndef FASTACT_PW_F32_TABLE_H\n#define FASTACT_PW_F32_TABLE_H\n\n")
    out.write("/* Interval i of [%g, %g): round(x * SCALE + OFFSET) & 31; rows: c, c0, then P's\n"
              " * coefficients from t^0 up: f(x) = c0 + t * P(t), t = x - c. */\n"
              % (LOW, LOW + N_INTERVALS * WIDTH))
    out.write("#define FA_PW_F32_ROWS %d\n" % (DEGREE + 2))
    # |x| < LIMIT: just inside the ends, where the rounded index would wrap around
    out.write("#define FA_PW_F32_LIMIT %s\n" % hexf(limit()))
    out.write("#define FA_PW_F32_SCALE %s\n#define FA_PW_F32_OFFSET %s\n\n"
              % (hexf(f32(SCALE)), hexf(OFFSET)))
    write_tables(out, FUNCTIONS, LOW, WIDTH, DEGREE)
    out.write("#endif /* FASTACT_PW_F32_TABLE_H */\n")


def write_tables(out, functions, low, width, degree, intervals=None):
    """intervals: (lo, hi) of each of the 32, else [low + i width, low + (i + 1) width)"""
    if intervals is None:
        intervals = [(low + i * width, low + (i + 1) * width) for i in range(N_INTERVALS)]
    for name, f in functions.items():
        fits = [fit(f, lo - SLACK, hi + SLACK, degree, name in TOP_ANCHORED) for lo, hi in intervals]
        out.write("static const float fa_pw_%s_f32_table[%d][32] = {\n" % (name, degree + 2))
        for j in range(degree + 2):
            vals = [r[0] if j == 0 else r[1] if j == 1 else r[2][j - 2] for r in fits]
            out.write("    { /* %s */\n" % ("c" if j == 0 else "c0" if j == 1 else "t^%d" % (j - 2)))
            for k in range(0, 32, 4):
                out.write("        %s,\n" % ", ".join(hexf(v) for v in vals[k:k + 4]))
            out.write("    },\n")
        out.write("};\n")
        worst = max(r[3] for r in fits)
        out.write("/* %s: max relative error of the polynomials 2^%.1f */\n\n" % (name, np.log2(worst)))
        sys.stderr.write("%s degree %d: 2^%.1f\n" % (name, degree, np.log2(worst)))


# Functions whose expansions are taken at each interval's top, where they
# are smallest: the tanh gelu's V(a) = a S(-a) falls by e^1.6 across an
# interval, and from its middle t P would cancel against c0 by up to 1.2x
# V at the interval's top; from the top t P has c0's sign (at most 0.8 V)
TOP_ANCHORED = {"gelu_tanh_v"}


def tanhshrink_f(a):
    """(a - tanh a) / a^3, its series near 0 (where the quotient is 0/0)"""
    if abs(a) < mpf(2) ** -20:
        return mpf(1) / 3 - 2 * a * a / 15
    return (a - tanh(a)) / a ** 3


# mish: x T(x), T = tanh(softplus(x)), and its gradient D = mish' on
# [-13.125, 10.875), 32 intervals of width 3/4 centred on -12.75 + 3i/4,
# interval round(x * 4/3 + 17) (one FMA with the shifter: 17 is an integer)
MISH_LOW, MISH_WIDTH, MISH_DEGREE = -13.125, 0.75, 7

# name -> (LOW, WIDTH, DEGREE, LIMIT, functions): tables of a = |x| for the
# float kernels written by hand (fastact_loops.c)
SMALL_TABLES = {
    # gelu: M on [0, 16), interval round(a * 2 - 1/2); 15.5 rounds to 30 or 31
    "gelu": (GELU_LOW, GELU_WIDTH, GELU_DEGREE, "0x1.fp+3f", GELU_FUNCTIONS),
    # tanhshrink below |x| = 8: (a - tanh a) / a^3 on [-4/31, 8 + 4/31),
    # interval round(a * 3.875) (centred on the multiples of 8/31; above 8
    # the result is a - 1 rounded)
    "tanhshrink": (-4.0 / 31, 8.0 / 31, 6, "0x1p+3f", {"tanhshrink_f": tanhshrink_f}),
    # softplus(u) = max(u, 0) + G(|u|): G(a) = log1p(e^-a) on [-5/16, 20 - 5/16),
    # interval round(a * 1.6) (centred on the multiples of 5/8), for |u| <= 19.5
    # (19.5 * fl(1.6) rounds to 31; fl(1.6)'s error moves the boundaries by
    # less than SLACK)
    "softplus": (-5.0 / 16, 5.0 / 8, 6, "0x1.38p+4f", {"softplus_g": lambda a: log(1 + exp(-a))}),
}


def mish_t(x):
    """tanh(softplus(x)) = n / (n + 2), n = e^x (e^x + 2)"""
    u = exp(x)
    return u * (u + 2) / (u * (u + 2) + 2)


def mish_d(x):
    """mish'(x) = T + x sigmoid(x) (1 - T^2)"""
    t = mish_t(x)
    return t + x / (1 + exp(-x)) * (1 - t * t)


MISH_FUNCTIONS = {"mish_t": mish_t, "mish_d": mish_d}
SMALL_TABLES["mish"] = (MISH_LOW, MISH_WIDTH, MISH_DEGREE, "0x1.ap+3f", MISH_FUNCTIONS)


def gelu_tanh_s(a):
    """S(-a) = sigmoid(-v(a)), v = 2 sqrt(2/pi) (a + 0.044715 a^3)"""
    return 1 / (1 + exp(2 * sqrt(2 / pi) * (a + mpf("0.044715") * a ** 3)))


def gelu_tanh_g(a):
    """the tanh gelu's derivative at -a: S - a v'(a) S (1 - S), S = S(-a)"""
    s = gelu_tanh_s(a)
    return s - a * 2 * sqrt(2 / pi) * (1 + 3 * mpf("0.044715") * a * a) * s * (1 - s)


def _cubic_root(w):
    """a >= 0 with a + 0.044715 a^3 = w"""
    return float(max(r.real for r in np.roots([0.044715, 0.0, 1.0, -max(w, 0.0)]) if abs(r.imag) < 1e-9))


# Tables of a = |x| on 32 intervals uniform in u(a), interval round(u *
# SCALE), for the hand kernels' fast paths of the functions that fall off
# like e^(-a^2/2) or faster: intervals about as wide as the function changes
# by a factor 2-5, where equal widths in a would leave |t P| close to c0
# near 0 (its float coefficients then too coarse) and the function falling
# off by e^4 and more across the last ones.  Beyond LIMIT the kernels take
# their exponential paths.  name -> (u's formula, a of u, SCALE, LIMIT,
# DEGREE, functions):
MAPPED_TABLES = {
    # the exact gelu: V(a) = a Phi(-a) (gelu(x) = x - V(x) for x > 0, -V(|x|)
    # below; V's first interval anchored at 0), and the gradient's G(a) =
    # Phi(-a) - a phi(a) = V'(a) (gelu'(x) = G(|x|) for x <= 0, 1 - G(|x|)
    # above; G crosses zero at a = 0.7518, where V peaks); u = a (a + 3):
    # widths 0.45 at a = 0 to 0.16 at 8.4 (with a (a + 2), V's degree-7 fit
    # on the wider [0.55, 1.29] was 2^-25.9; a (a + 3) gives 2^-27.1)
    "gelu_n": ("a (a + 3)", lambda u: float(-1.5 + np.sqrt(2.25 + max(u, 0.0))), 0.323, 8.48, 7,
               {"gelu_v": lambda a: a * erfc(a / sqrt(2)) / 2,
                "gelu_g": lambda a: erfc(a / sqrt(2)) / 2 - a * exp(-a * a / 2) / sqrt(2 * pi)}),
    # the tanh gelu: V(a) = a S(-a), S = S(-a) (TOP_ANCHORED), and its
    # gradient's G = S - a v' S (1 - S) (the derivative at -a; 1 - G at a);
    # u = a + 0.044715 a^3 (v / 2 sqrt(2/pi)): S(-a) moves by e^1.6 across
    # an interval
    "gelu_tanh_n": ("a + 0.044715 a^3", _cubic_root, 1.0, 8.06, 8,
                    {"gelu_tanh_v": lambda a: a * gelu_tanh_s(a), "gelu_tanh_g": gelu_tanh_g}),
}


def write_header(name, doc, degree, defines, functions, low, width, intervals=None):
    """src/fastact_pw_<name>_f32_table.h to stdout: doc (the lines before the
    rows' description), ROWS, the other (key, value) defines, the tables."""
    out = sys.stdout
    guard = "FASTACT_PW_%s_F32_TABLE_H" % name.upper()
    prefix = "FA_PW_%s_F32_" % name.upper()
    out.write("/* Generated by tools/fit_pw_f32.py %s -- do not edit. */\n" % name)
    out.write("#ifndef %s\n#define %s\n\n" % (guard, guard))
    out.write("/* %s\n"
              " * rows: c, c0, then P's coefficients from t^0 up: f(a) = c0 + t * P(t), t = a - c. */\n"
              % doc)
    out.write("#define %sROWS %d\n" % (prefix, degree + 2))
    for key, value in defines:
        out.write("#define %s%s %s\n" % (prefix, key, value))
    out.write("\n")
    write_tables(out, functions, low, width, degree, intervals)
    out.write("#endif /* %s */\n" % guard)


def main_mapped(name):
    formula, a_of, scale, limit, degree, functions = MAPPED_TABLES[name]
    s = float(f32(scale))
    intervals = [(a_of((i - 0.5) / s), a_of((i + 0.5) / s)) for i in range(N_INTERVALS)]
    assert intervals[-2][1] < limit < intervals[-1][1]
    doc = ("%s on 32 intervals of a = |x| <= LIMIT:\n * i = round(%s * SCALE);"
           % (" and ".join(functions), formula))
    write_header(name, doc, degree, [("LIMIT", hexf(f32(limit))), ("SCALE", hexf(s))],
                 functions, 0.0, 0.0, intervals)


def main_small(name):
    low, width, degree, limit, functions = SMALL_TABLES[name]
    arg = "a = x in [-LIMIT, 10.49]" if name == "mish" else "a = |x| <= LIMIT"
    doc = ("Interval i of [%g, %g): round(a * SCALE + OFFSET) & 31 for %s;"
           % (low, low + N_INTERVALS * width, arg))
    write_header(name, doc, degree, [("LIMIT", limit), ("SCALE", hexf(f32(1.0 / width))),
                                     ("OFFSET", hexf(-low / width - 0.5))],
                 functions, low, width)


if __name__ == "__main__":
    if sys.argv[1:] and sys.argv[1] in MAPPED_TABLES:
        main_mapped(sys.argv[1])
    elif sys.argv[1:] and sys.argv[1] in SMALL_TABLES:
        main_small(sys.argv[1])
    else:
        main()
