"""Update loops and fused scoring of the linear learners (nogil, float32/float64).

X is C-contiguous (n_samples, n_features) in the data's dtype; coefficients
are in the same dtype, the intercept and every dot product in double.  The
dot product has a fixed summation order (src/fastact_linear.h), so an epoch
gives the same bits on every ISA and in fastact.reference.  Arguments are
checked before the GIL is released; nothing raises inside the loops.
"""
cimport numpy as cnp
from cython cimport floating
from cython.parallel cimport prange, threadid
from libc.math cimport isfinite, log
from libc.stdlib cimport free, malloc

from fastact._openmp cimport effective_num_threads
from fastact._src cimport (FA_GRAD_BLOCK_ROWS, fa_dispatch_init, fa_exp_nonpos_f64, fa_grad_padded,
                          fa_grad_stride, fa_kernels, fa_learning_rate, fa_linear, fa_prefetch,
                          fa_prefetch_l2, fa_sgd_args, fa_sigmoid_f64, fa_softplus_f64)

import numpy as np

import fastact._ufuncs  # validates FASTACT_ISA once

cnp.import_array()
# this extension links its own copy of the dispatcher: use the same ISA
fa_dispatch_init(fastact._ufuncs.isa().encode())

# Rows per parallel block of the scoring kernels, and the X size (elements)
# from which scoring uses threads: below it, waking threads costs more than
# it saves (the same order as the activations' thresholds).
cdef enum:
    ROWS_PER_BLOCK = 256
    MIN_PARALLEL_ELEMS = 65536

# Rows requested this many samples ahead of their turn (shuffled order).
# Mini-batch epoch, 1e6 x 100 float32 shuffled, 2 threads: 73.7 / 71.1 /
# 66.5 ms at 8 / 16 / 32 ahead; the sequential SGD epochs did not change.
cdef enum:
    PREFETCH_AHEAD = 32

# Scoring reads X in order, but the hardware prefetcher alone does not keep
# ahead of the dot products (as for the element-wise loops): the row about
# this many bytes ahead is requested explicitly.  1e6 x 100 float32
# predict_proba, 2 threads: 23.5 ms without, 17.1 / 16.6 / 16.8 ms at 8 / 16
# / 32 rows (3.2 / 6.4 / 12.8 KB) ahead into L1; into L2 (the hint now used,
# as for the shuffled rows of SGD) 17.2 / 16.7 / 16.6 ms, float64 28.2 ms
# at 6.4 KB against 29.2 into L1.
cdef enum:
    SCORE_PREFETCH_BYTES = 6400


cdef inline Py_ssize_t score_rows_ahead(Py_ssize_t row_bytes) noexcept nogil:
    return SCORE_PREFETCH_BYTES // row_bytes + 1

cdef inline double fixed_dot(const floating *x, const floating *w, Py_ssize_t n) noexcept nogil:
    if floating is float:
        return fa_linear.dot_f32(x, w, n)
    else:
        return fa_linear.dot_f64(x, w, n)


cdef inline void axpy_(floating *w, floating a, const floating *x, Py_ssize_t n) noexcept nogil:
    if floating is float:
        fa_linear.axpy_f32(w, a, x, n)
    else:
        fa_linear.axpy_f64(w, a, x, n)


cdef inline void prefetch_ahead(const floating[:, ::1] X, const cnp.intp_t *order, Py_ssize_t k,
                                Py_ssize_t n_order) noexcept nogil:
    """Request the row PREFETCH_AHEAD places after position k of `order`."""
    if k + PREFETCH_AHEAD < n_order:
        fa_prefetch_l2(&X[order[k + PREFETCH_AHEAD], 0], X.shape[1] * sizeof(floating))


cdef fa_sgd_args _sgd_args(const double[::1] sample_weight, const cnp.intp_t[::1] order, Py_ssize_t d,
                           double alpha, int schedule, double eta0, double power_t, double optimal_init,
                           double coef_scale, double intercept, double t, bint fit_intercept):
    """The arguments of the C epochs (fastact_linear.h), the state fields set."""
    cdef fa_sgd_args a
    a.sample_weight = &sample_weight[0] if sample_weight.shape[0] else NULL
    a.order = <const Py_ssize_t *>&order[0] if order.shape[0] else NULL
    a.n_order = order.shape[0]
    a.n_features = d
    a.alpha = alpha
    a.schedule = schedule
    a.eta0 = eta0
    a.power_t = power_t
    a.optimal_init = optimal_init
    a.fit_intercept = fit_intercept
    a.coef_scale = coef_scale
    a.intercept = intercept
    a.t = t
    a.sum_loss = 0.0
    a.n_mistakes = 0
    return a


def _check(X, y, w, order, sample_weight=None, schedule=None):
    """The arguments every kernel shares, checked before the GIL is released."""
    n, d = X.shape[0], X.shape[1]
    if y is not None and y.shape[0] != n:
        raise ValueError("y has %d entries, expected %d (one per row of X)" % (y.shape[0], n))
    if w.shape[0] != d:
        raise ValueError("coef has %d entries, expected n_features=%d" % (w.shape[0], d))
    if order is not None and order.shape[0]:
        o = np.asarray(order)
        if o.min() < 0 or o.max() >= n:
            raise ValueError("order must hold row indices in [0, %d)" % n)
    if sample_weight is not None and sample_weight.shape[0] != n:
        raise ValueError("sample_weight has %d entries, expected %d" % (sample_weight.shape[0], n))
    if schedule is not None and schedule not in (0, 1, 2):
        raise ValueError("schedule must be 0 (constant), 1 (optimal) or 2 (invscaling), got %d" % schedule)


# Elements per parallel block of all_finite.
cdef enum:
    FINITE_BLOCK = 1 << 18


def all_finite(const floating[:, ::1] X not None):
    """Whether X holds no NaN and no infinity: one read of X, threads over
    blocks of FINITE_BLOCK elements (the check before fitting)."""
    cdef Py_ssize_t n = X.shape[0] * X.shape[1], n_blocks, blk, start, stop
    cdef const floating *x
    cdef int n_threads = 1, bad = 0
    if n == 0:
        return True
    x = &X[0, 0]
    n_blocks = (n + FINITE_BLOCK - 1) // FINITE_BLOCK
    if n_blocks > 1:
        n_threads = min(effective_num_threads(), n_blocks)
    with nogil:
        for blk in prange(n_blocks, schedule='static', num_threads=n_threads,
                          use_threads_if=n_threads > 1):
            start = blk * FINITE_BLOCK
            stop = start + FINITE_BLOCK if start + FINITE_BLOCK < n else n
            if floating is float:
                bad += not fa_linear.all_finite_f32(x + start, stop - start)
            else:
                bad += not fa_linear.all_finite_f64(x + start, stop - start)
    return bad == 0


def dot(const floating[::1] x not None, const floating[::1] w not None):
    """The fixed-order dot product of the kernels (for tests and the reference)."""
    if x.shape[0] != w.shape[0]:
        raise ValueError("x and w must have the same length, got %d and %d" % (x.shape[0], w.shape[0]))
    if x.shape[0] == 0:
        return 0.0
    return fixed_dot(&x[0], &w[0], x.shape[0])


def perceptron_epoch(const floating[:, ::1] X not None, const floating[::1] y not None,
                     const double[::1] sample_weight not None, floating[::1] coef not None,
                     double intercept, const cnp.intp_t[::1] order not None, double eta,
                     bint fit_intercept=True, double coef_scale=1.0, double l2=0.0, double l1=0.0,
                     double[::1] l1_q=None, double l1_u=0.0, double[::1] avg_coef=None,
                     double avg_intercept=0.0, double n_avg=0.0):
    """One perceptron pass over the rows in `order` (y in {-1, +1}).

    The weights are coef_scale * coef.  A row of positive weight s_i is a
    mistake when y_i * (w . x_i + intercept) <= 0; then
    coef += eta * s_i * y_i * x_i / coef_scale (in the data's precision) and
    intercept += eta * s_i * y_i.  With a penalty (scikit-learn's
    SGDClassifier(loss='perceptron') update), every row first shrinks the
    weights by (1 - eta * l2) -- a factor on coef_scale, no O(d) work -- and
    after the update applies the L1 part as Tsuruoka et al.'s cumulative
    clipping: l1_u accumulates eta * l1, l1_q[j] what was applied to w[j].
    With avg_coef (float64), every row visited also updates the running mean
    of the weights, avg += (w - avg) / n_avg (the averaged perceptron; this
    costs one more O(n_features) pass per row), and of the intercept.

    Returns
    -------
    intercept : float
    n_mistakes : int
    coef_scale, l1_u, avg_intercept, n_avg : float
    sum_loss : float
        The weighted perceptron loss, sum of s_i * max(0, -y_i * margin_i),
        each margin taken before its row's update.
    """
    _check(X, y, coef, order, sample_weight)
    cdef Py_ssize_t d = X.shape[1], k, i, j, mistakes = 0, n_order = order.shape[0]
    cdef double margin, update, shrink, z, sum_loss = 0.0
    cdef bint penalized = l2 > 0 or l1 > 0
    if not (l2 >= 0 and l1 >= 0 and isfinite(l2) and isfinite(l1)):
        raise ValueError("l2 and l1 must be finite and >= 0, got %r and %r" % (l2, l1))
    if not coef_scale > 0:
        raise ValueError("coef_scale must be > 0, got %r" % coef_scale)
    if l1 > 0 and (l1_q is None or l1_q.shape[0] != d):
        raise ValueError("l1 > 0 needs l1_q with n_features=%d entries" % d)
    if avg_coef is not None and avg_coef.shape[0] != d:
        raise ValueError("avg_coef has %d entries, expected n_features=%d" % (avg_coef.shape[0], d))
    cdef bint averaging = avg_coef is not None
    if d == 0 or n_order == 0:
        return intercept, 0, coef_scale, l1_u, avg_intercept, n_avg, 0.0
    cdef fa_sgd_args args
    cdef int status
    if not penalized and not averaging:
        # the plain epoch: the per-ISA loop of src/fastact_linear.c
        args = _sgd_args(sample_weight, order, d, 0.0, 0, eta, 0.0, 0.0, coef_scale, intercept,
                         0.0, fit_intercept)
        with nogil:
            if floating is float:
                status = fa_linear.perceptron_f32(&args, &X[0, 0], &y[0], &coef[0])
            else:
                status = fa_linear.perceptron_f64(&args, &X[0, 0], &y[0], &coef[0])
        if status != 0:
            raise MemoryError("no memory for a copy of the %d coefficients" % d)
        return args.intercept, args.n_mistakes, coef_scale, l1_u, avg_intercept, n_avg, args.sum_loss
    with nogil:
        for k in range(n_order):
            i = order[k]
            prefetch_ahead(X, &order[0], k, n_order)
            if sample_weight[i] <= 0 and not penalized:
                continue
            margin = coef_scale * fixed_dot(&X[i, 0], &coef[0], d) + intercept
            update = 0.0
            if sample_weight[i] > 0 and y[i] * margin <= 0:
                update = eta * sample_weight[i] * y[i]
                mistakes += 1
                sum_loss -= sample_weight[i] * y[i] * margin
            if l2 > 0:
                shrink = 1.0 - eta * l2
                coef_scale *= shrink if shrink > 0 else 0.0
                if coef_scale < 1e-9:
                    # fold the scale in before it underflows (or reaches 0)
                    for j in range(d):
                        coef[j] = <floating>(coef[j] * coef_scale)
                    coef_scale = 1.0
            if update != 0:
                axpy_(&coef[0], <floating>(update / coef_scale), &X[i, 0], d)
                if fit_intercept:
                    intercept += update
            if averaging:
                n_avg += 1.0
                for j in range(d):
                    avg_coef[j] += (coef_scale * coef[j] - avg_coef[j]) / n_avg
                avg_intercept += (intercept - avg_intercept) / n_avg
            if l1 > 0:
                l1_u += eta * l1
                for j in range(d):
                    z = coef[j]
                    if z > 0:
                        coef[j] = <floating>max(0.0, z - (l1_u + l1_q[j]) / coef_scale)
                    elif z < 0:
                        coef[j] = <floating>min(0.0, z + (l1_u - l1_q[j]) / coef_scale)
                    l1_q[j] += coef_scale * (coef[j] - z)
    return intercept, mistakes, coef_scale, l1_u, avg_intercept, n_avg, sum_loss


def logistic_sgd_epoch(const floating[:, ::1] X not None, const floating[::1] y not None,
                       const double[::1] sample_weight not None, floating[::1] coef not None,
                       double coef_scale, double intercept, const cnp.intp_t[::1] order not None,
                       double alpha, int schedule, double eta0, double power_t, double t,
                       double optimal_init, bint fit_intercept=True):
    """One pass of logistic-regression SGD over the rows in `order` (y in {0, 1}).

    The weights are coef_scale * coef: the L2 step multiplies coef_scale by
    (1 - eta * alpha) instead of touching every coefficient, and the gradient
    step adds (-eta * g / coef_scale) * x_i, g = (sigmoid(w . x_i + b) - y_i) * s_i
    with s_i the sample weight -- scikit-learn's SGDClassifier(loss='log_loss')
    update.  eta follows the schedule: constant eta0; optimal
    1 / (alpha * (optimal_init + t)); invscaling eta0 / (t + 1) ** power_t,
    t the number of samples seen before this one.

    Returns
    -------
    coef_scale, intercept, t, sum_loss : float
        sum_loss is the weighted log loss of the rows, each taken before its update.
    """
    _check(X, y, coef, order, sample_weight, schedule)
    cdef Py_ssize_t d = X.shape[1]
    if d == 0 or order.shape[0] == 0:
        return coef_scale, intercept, t + order.shape[0], 0.0
    cdef fa_sgd_args args = _sgd_args(sample_weight, order, d, alpha, schedule, eta0, power_t,
                                      optimal_init, coef_scale, intercept, t, fit_intercept)
    cdef int status
    with nogil:
        if floating is float:
            status = fa_linear.logistic_sgd_f32(&args, &X[0, 0], &y[0], &coef[0])
        else:
            status = fa_linear.logistic_sgd_f64(&args, &X[0, 0], &y[0], &coef[0])
    if status != 0:
        raise MemoryError("no memory for a copy of the %d coefficients" % d)
    return args.coef_scale, args.intercept, args.t, args.sum_loss


def multinomial_sgd_epoch(const floating[:, ::1] X not None, const cnp.intp_t[::1] y not None,
                          const double[::1] sample_weight not None, floating[:, ::1] coef not None,
                          double coef_scale, double[::1] intercept not None,
                          const cnp.intp_t[::1] order not None, double alpha, int schedule,
                          double eta0, double power_t, double t, double optimal_init,
                          bint fit_intercept=True):
    """One pass of multinomial (softmax) logistic-regression SGD over the rows
    in `order`; y holds class indices in [0, n_classes).

    The weights are coef_scale * coef, coef of shape (n_classes, n_features).
    For each row: z_k = w_k . x + b_k, p = softmax(z) (max-subtracted),
    g_k = (p_k - [y == k]) * s; the L2 step scales coef_scale by
    (1 - eta * alpha), then w_k += (-eta * g_k / coef_scale) * x and
    b_k -= eta * g_k.  eta follows the schedules of logistic_sgd_epoch.

    Returns
    -------
    coef_scale, t, sum_loss : float
        sum_loss: the weighted cross-entropy of the rows, each before its update.
    """
    cdef Py_ssize_t n = X.shape[0], d = X.shape[1], k_classes = coef.shape[0]
    if y.shape[0] != n:
        raise ValueError("y has %d entries, expected %d (one per row of X)" % (y.shape[0], n))
    if coef.shape[1] != d:
        raise ValueError("coef has %d columns, expected n_features=%d" % (coef.shape[1], d))
    if intercept.shape[0] != k_classes:
        raise ValueError("intercept has %d entries, expected n_classes=%d" % (intercept.shape[0], k_classes))
    if k_classes < 2:
        raise ValueError("multinomial needs at least 2 classes, got %d" % k_classes)
    if n and (np.asarray(y).min() < 0 or np.asarray(y).max() >= k_classes):
        raise ValueError("y must hold class indices in [0, %d)" % k_classes)
    _check(X, None, coef[0], order, sample_weight, schedule)
    cdef Py_ssize_t n_order = order.shape[0], kk, i, k, j
    cdef double eta, zmax, total, step, sum_loss = 0.0
    cdef double *z = <double *>malloc(k_classes * sizeof(double))
    if z == NULL:
        raise MemoryError()
    try:
        with nogil:
            for kk in range(n_order):
                i = order[kk]
                prefetch_ahead(X, &order[0], kk, n_order)
                eta = fa_learning_rate(schedule, eta0, alpha, optimal_init, power_t, t)
                zmax = -1e308
                for k in range(k_classes):
                    z[k] = coef_scale * fixed_dot(&X[i, 0], &coef[k, 0], d) + intercept[k]
                    if z[k] > zmax:
                        zmax = z[k]
                total = 0.0
                for k in range(k_classes):
                    z[k] = fa_exp_nonpos_f64(z[k] - zmax)    # now e^(z_k - max) in (0, 1]
                    total += z[k]
                sum_loss += sample_weight[i] * (log(total) - log(z[y[i]]))
                if alpha > 0:
                    coef_scale *= 1.0 - eta * alpha
                for k in range(k_classes):
                    step = -eta * (z[k] / total - (1.0 if k == y[i] else 0.0)) * sample_weight[i]
                    if step != 0:
                        axpy_(&coef[k, 0], <floating>(step / coef_scale), &X[i, 0], d)
                        if fit_intercept:
                            intercept[k] += step
                if coef_scale < 1e-9:
                    for k in range(k_classes):
                        for j in range(d):
                            coef[k, j] = <floating>(coef[k, j] * coef_scale)
                    coef_scale = 1.0
                t += 1
    finally:
        free(z)
    return coef_scale, t, sum_loss


# --- parallel mini-batch ------------------------------------------------------

def logistic_minibatch_epoch(const floating[:, ::1] X not None, const floating[::1] y not None,
                             const double[::1] sample_weight not None, floating[::1] coef not None,
                             double intercept, const cnp.intp_t[::1] order not None,
                             Py_ssize_t batch_size, double alpha, double eta,
                             bint fit_intercept=True, double[::1] avg=None):
    """One epoch of mini-batch gradient descent on the L2-penalised log loss
    (y in {0, 1}): for each batch of `batch_size` rows of `order`,
    w -= eta * (mean weighted gradient + alpha * w), b -= eta * its intercept part.

    The gradient of a batch is summed over blocks of FA_GRAD_BLOCK_ROWS rows,
    the blocks in parallel, their sums added in block order: the result is
    bitwise the same for any thread count.  The log loss of each row is taken
    on the way, with the weights of its batch before the batch's step (as the
    sequential solvers take it before each sample's step).

    avg (float64, n_features + 2), if given, holds the running mean of the
    weights after each step (averaged SGD): avg[:d] of coef, avg[d] of the
    intercept, avg[d + 1] the number of steps averaged; each step adds one,
    avg += (w - avg) / count, in place.

    Returns
    -------
    intercept, sum_loss : float
    """
    _check(X, y, coef, order, sample_weight)
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1, got %d" % batch_size)
    if avg is not None and avg.shape[0] != X.shape[1] + 2:
        raise ValueError("avg has %d entries, expected n_features + 2 = %d" % (avg.shape[0], X.shape[1] + 2))
    cdef bint averaging = avg is not None
    cdef Py_ssize_t d = X.shape[1], n_order = order.shape[0], start, m, n_blocks, blk, j, r0, r1
    cdef Py_ssize_t max_blocks = (batch_size + FA_GRAD_BLOCK_ROWS - 1) // FA_GRAD_BLOCK_ROWS
    cdef Py_ssize_t pd = fa_grad_padded(d)
    cdef double[:, ::1] grads = np.zeros((max_blocks, fa_grad_stride(d)))
    cdef double total_w, g_j, sum_loss = 0.0
    cdef int n_threads = effective_num_threads()
    cdef const cnp.intp_t *rows = &order[0] if n_order else NULL
    if d == 0 or n_order == 0:
        return intercept, 0.0
    with nogil:
        start = 0
        while start < n_order:
            m = batch_size if start + batch_size <= n_order else n_order - start
            n_blocks = (m + FA_GRAD_BLOCK_ROWS - 1) // FA_GRAD_BLOCK_ROWS
            # a batch of one block runs on this thread: no parallel region
            for blk in prange(n_blocks, schedule='static', use_threads_if=n_threads > 1 and n_blocks > 1,
                              num_threads=n_threads if n_threads < n_blocks else n_blocks):
                r0 = blk * FA_GRAD_BLOCK_ROWS
                r1 = r0 + FA_GRAD_BLOCK_ROWS if r0 + FA_GRAD_BLOCK_ROWS < m else m
                if floating is float:
                    fa_linear.block_gradient_f32(&X[0, 0], d, &y[0], &sample_weight[0], &coef[0],
                                                 intercept, <const Py_ssize_t *>(rows + start + r0),
                                                 r1 - r0, n_order - start - r0, &grads[blk, 0])
                else:
                    fa_linear.block_gradient_f64(&X[0, 0], d, &y[0], &sample_weight[0], &coef[0],
                                                 intercept, <const Py_ssize_t *>(rows + start + r0),
                                                 r1 - r0, n_order - start - r0, &grads[blk, 0])
            total_w = 0.0
            for blk in range(n_blocks):               # fixed order
                sum_loss += grads[blk, pd + 1]
                total_w += grads[blk, pd + 2]
            if total_w > 0:
                for j in range(d + 1):
                    g_j = 0.0
                    for blk in range(n_blocks):       # fixed order
                        g_j += grads[blk, j if j < d else pd]
                    if j < d:
                        coef[j] = <floating>(coef[j] - eta * (g_j / total_w + alpha * coef[j]))
                    elif fit_intercept:
                        intercept -= eta * g_j / total_w
                if averaging:
                    avg[d + 1] += 1.0
                    for j in range(d):
                        avg[j] += (coef[j] - avg[j]) / avg[d + 1]
                    avg[d] += (intercept - avg[d]) / avg[d + 1]
            start += m
    return intercept, sum_loss


# --- fused scoring -----------------------------------------------------------

cdef enum:
    SCORE_DECISION = 0
    SCORE_PROBA = 1


cdef inline double scoring_dot(const floating *x, const double *w64, Py_ssize_t n) noexcept nogil:
    if floating is float:
        return fa_linear.dot_f32_w64(x, w64, n)
    else:
        return fa_linear.dot_f64(x, w64, n)


cdef int scoring_threads(Py_ssize_t n_elems, Py_ssize_t n_blocks) noexcept:
    """Threads for a pass over n_elems elements of X in n_blocks row blocks:
    one below MIN_PARALLEL_ELEMS, never more than the blocks."""
    cdef int n_threads = effective_num_threads() if n_elems >= MIN_PARALLEL_ELEMS else 1
    return n_threads if n_threads < n_blocks else <int>n_blocks


cdef Py_ssize_t score_rows(const floating[:, ::1] X, const double *coef, double scale,
                           double intercept, floating[:, ::1] out, int kind, Py_ssize_t start,
                           Py_ssize_t stop) noexcept nogil:
    """Rows [start, stop), at most ROWS_PER_BLOCK: the margins first, then the
    activation over the block with the vectorized sigmoid loop.  Returns how
    many margins are not finite (a NaN or infinity in X shows up there, at
    the cost of n checks instead of n * n_features)."""
    cdef Py_ssize_t i, m = stop - start, d = X.shape[1], n_nonfinite = 0
    cdef double z[ROWS_PER_BLOCK]
    cdef double p[ROWS_PER_BLOCK]
    cdef Py_ssize_t ahead = score_rows_ahead(d * sizeof(floating))
    if floating is float:
        n_nonfinite = fa_linear.margins_f32(&X[start, 0], d, m, coef, scale, intercept, ahead,
                                            X.shape[0] - start, z)
    else:
        n_nonfinite = fa_linear.margins_f64(&X[start, 0], d, m, coef, scale, intercept, ahead,
                                            X.shape[0] - start, z)
    if kind == SCORE_DECISION:
        for i in range(m):
            out[start + i, 0] = <floating>z[i]
        return n_nonfinite
    # both columns from the sigmoid: 1 - p would lose the small ones
    fa_kernels.sigmoid_f64(z, p, m)
    for i in range(m):
        out[start + i, 1] = <floating>p[i]
        z[i] = -z[i]
    fa_kernels.sigmoid_f64(z, p, m)
    for i in range(m):
        out[start + i, 0] = <floating>p[i]
    return n_nonfinite


def score_binary(const floating[:, ::1] X not None, const floating[::1] coef not None,
                 double intercept, out_array, str kind, double scale=1.0):
    """out[:, 0] = X @ coef * scale + intercept ("decision"), or
    out = [sigmoid(-z), sigmoid(z)] ("proba"), in one pass over X with
    threads over blocks of rows, into `out_array` (C-contiguous, X's dtype).

    Returns
    -------
    n_nonfinite : int
        How many rows had a margin that is not finite (NaN or infinity in X,
        or an overflow of huge values).
    """
    cdef floating[:, ::1] out = out_array
    cdef int kind_code = SCORE_DECISION if kind == "decision" else SCORE_PROBA
    if kind not in ("decision", "proba"):
        raise ValueError("kind must be 'decision' or 'proba', got %r" % (kind,))
    _check(X, None, coef, None)
    cdef Py_ssize_t n = X.shape[0], n_blocks, blk, start
    if out.shape[0] != n or out.shape[1] != (1 if kind_code == SCORE_DECISION else 2):
        raise ValueError("out must have shape (%d, %d), got (%d, %d)" % (
            n, 1 if kind_code == SCORE_DECISION else 2, out.shape[0], out.shape[1]))
    if n == 0:
        return 0
    if X.shape[1] == 0:
        raise ValueError("X has 0 features")
    cdef Py_ssize_t n_nonfinite = 0
    # the coefficients in double once: the products are the same, and rows
    # then convert only X (the conversion port is the scoring bottleneck)
    cdef const double[::1] w64 = np.asarray(coef, dtype=np.float64)
    cdef const double *w = &w64[0]
    n_blocks = (n + ROWS_PER_BLOCK - 1) // ROWS_PER_BLOCK
    cdef int n_threads = scoring_threads(n * X.shape[1], n_blocks)
    with nogil:
        for blk in prange(n_blocks, schedule='static', num_threads=n_threads,
                          use_threads_if=n_threads > 1):
            start = blk * ROWS_PER_BLOCK
            n_nonfinite += score_rows(X, w, scale, intercept, out, kind_code, start,
                                      start + ROWS_PER_BLOCK if start + ROWS_PER_BLOCK < n else n)
    return n_nonfinite


cdef double loss_rows(const floating[:, ::1] X, const floating[::1] y, const double[::1] sample_weight,
                      const double *coef, double intercept, Py_ssize_t start,
                      Py_ssize_t stop) noexcept nogil:
    """sum of s_i softplus(-+z_i) over rows [start, stop), at most
    ROWS_PER_BLOCK: the margins, one vectorized softplus, the sum in order."""
    cdef Py_ssize_t i, m = stop - start, d = X.shape[1]
    cdef double z[ROWS_PER_BLOCK]
    cdef double total = 0.0
    cdef Py_ssize_t ahead = score_rows_ahead(d * sizeof(floating))
    if floating is float:
        fa_linear.margins_f32(&X[start, 0], d, m, coef, 1.0, intercept, ahead, X.shape[0] - start, z)
    else:
        fa_linear.margins_f64(&X[start, 0], d, m, coef, 1.0, intercept, ahead, X.shape[0] - start, z)
    for i in range(m):
        # log loss: softplus(-z) for y = 1, softplus(z) for y = 0
        z[i] = -z[i] if y[start + i] == 1 else z[i]
    fa_kernels.softplus_f64(z, z, m)
    for i in range(m):
        total += sample_weight[start + i] * z[i]
    return total


def log_loss(const floating[:, ::1] X not None, const floating[::1] y not None,
             const double[::1] sample_weight not None, const double[::1] coef not None,
             double intercept):
    """sum_i s_i log(1 + exp(-z_i)) for y_i = 1 and s_i log(1 + exp(z_i)) for
    y_i = 0, z = X @ coef + intercept (coef in double): one pass over X in
    order, threads over blocks of rows, the blocks' sums added in block order
    (the same bits for any thread count)."""
    _check(X, y, coef, None, sample_weight)
    cdef Py_ssize_t n = X.shape[0], n_blocks, blk, start
    if n == 0:
        return 0.0
    if X.shape[1] == 0:
        raise ValueError("X has 0 features")
    cdef const double *w = &coef[0]
    n_blocks = (n + ROWS_PER_BLOCK - 1) // ROWS_PER_BLOCK
    cdef int n_threads = scoring_threads(n * X.shape[1], n_blocks)
    cdef double[::1] partial = np.empty(n_blocks)
    with nogil:
        for blk in prange(n_blocks, schedule='static', num_threads=n_threads,
                          use_threads_if=n_threads > 1):
            start = blk * ROWS_PER_BLOCK
            partial[blk] = loss_rows(X, y, sample_weight, w, intercept, start,
                                     start + ROWS_PER_BLOCK if start + ROWS_PER_BLOCK < n else n)
    cdef double total = 0.0
    for blk in range(n_blocks):
        total += partial[blk]
    return total


cdef enum:
    MULTI_DECISION = 0
    MULTI_SOFTMAX = 1
    MULTI_OVR = 2

_MULTI_KINDS = {"decision": MULTI_DECISION, "softmax": MULTI_SOFTMAX, "ovr": MULTI_OVR}


cdef Py_ssize_t score_multi_row(const floating *x, const double *w64, const double *b,
                                Py_ssize_t k, Py_ssize_t d, floating *out, double *z,
                                int kind) noexcept nogil:
    """One row: its k margins in double, then the activation across them,
    written into out[0:k].  Returns 1 if a margin is not finite."""
    cdef Py_ssize_t c
    cdef double zmax, total
    cdef bint bad = False
    for c in range(k):
        z[c] = scoring_dot(x, w64 + c * d, d) + b[c]
        bad = bad or not isfinite(z[c])
    if kind == MULTI_DECISION:
        for c in range(k):
            out[c] = <floating>z[c]
        return bad
    if kind == MULTI_SOFTMAX:
        zmax = z[0]
        for c in range(1, k):
            zmax = z[c] if z[c] > zmax else zmax
        for c in range(k):
            z[c] = fa_exp_nonpos_f64(z[c] - zmax)    # in (0, 1], the largest is 1
    else:
        total = 0.0
        for c in range(k):
            total += fa_sigmoid_f64(z[c])
        if total > 1e-300:
            for c in range(k):
                z[c] = fa_sigmoid_f64(z[c])
        else:
            # every sigmoid (nearly) underflows: normalise in log space,
            # log sigmoid(z) = -softplus(-z), relative to the largest
            for c in range(k):
                z[c] = -fa_softplus_f64(-z[c])
            zmax = z[0]
            for c in range(1, k):
                zmax = z[c] if z[c] > zmax else zmax
            for c in range(k):
                z[c] = fa_exp_nonpos_f64(z[c] - zmax)
    total = 0.0
    for c in range(k):
        total += z[c]
    for c in range(k):
        out[c] = <floating>(z[c] / total)
    return bad


def score_multiclass(const floating[:, ::1] X not None, const floating[:, ::1] coef not None,
                     const double[::1] intercept not None, out_array, str kind):
    """Scores of k classes in one pass over X, threads over blocks of rows:
    out[i, c] = X[i] . coef[c] + intercept[c] ("decision"), their stable
    softmax ("softmax": max-subtracted, so it never overflows), or the
    sigmoids of the margins normalised to sum to 1 ("ovr").  The margins of a
    row are kept in double; `out_array` (n, k), C-contiguous, X's dtype, is
    the only output written -- no (n, k) temporary.

    Returns
    -------
    n_nonfinite : int
        How many rows had a margin that is not finite.
    """
    if kind not in _MULTI_KINDS:
        raise ValueError("kind must be 'decision', 'softmax' or 'ovr', got %r" % (kind,))
    cdef int kind_code = _MULTI_KINDS[kind]
    cdef floating[:, ::1] out = out_array
    cdef Py_ssize_t n = X.shape[0], d = X.shape[1], k = coef.shape[0]
    if coef.shape[1] != d:
        raise ValueError("coef has %d columns, expected n_features=%d" % (coef.shape[1], d))
    if intercept.shape[0] != k:
        raise ValueError("intercept has %d entries, expected n_classes=%d" % (intercept.shape[0], k))
    if k < 1:
        raise ValueError("coef has no rows: at least one class is needed")
    if out.shape[0] != n or out.shape[1] != k:
        raise ValueError("out must have shape (%d, %d), got (%d, %d)" % (n, k, out.shape[0], out.shape[1]))
    if n == 0:
        return 0
    if d == 0:
        raise ValueError("X has 0 features")
    cdef const double[:, ::1] w64 = np.ascontiguousarray(coef, dtype=np.float64)
    cdef const double *w = &w64[0, 0]
    cdef const double *b = &intercept[0]
    cdef Py_ssize_t n_nonfinite = 0, blk, i, start, stop
    cdef Py_ssize_t n_blocks = (n + ROWS_PER_BLOCK - 1) // ROWS_PER_BLOCK
    cdef int n_threads = scoring_threads(n * d * k, n_blocks)
    cdef double[:, ::1] margins = np.empty((n_threads, k))     # one row's margins per thread
    cdef Py_ssize_t ahead = score_rows_ahead(d * sizeof(floating))
    with nogil:
        for blk in prange(n_blocks, schedule='static', num_threads=n_threads,
                          use_threads_if=n_threads > 1):
            start = blk * ROWS_PER_BLOCK
            stop = start + ROWS_PER_BLOCK if start + ROWS_PER_BLOCK < n else n
            for i in range(start, stop):
                if i + ahead < n:
                    fa_prefetch(&X[i + ahead, 0], d * sizeof(floating))
                n_nonfinite += score_multi_row(&X[i, 0], w, b, k, d, &out[i, 0],
                                               &margins[threadid(), 0], kind_code)
    return n_nonfinite
