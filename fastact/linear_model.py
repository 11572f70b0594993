"""Perceptron and LogisticRegression: scikit-learn-style estimators on
fastact's update loops (fastact._linear).

scikit-learn is not needed to import or use them; where it is installed they
derive from its BaseEstimator and ClassifierMixin, so clone, Pipeline and
GridSearchCV take them.  float32 data stays float32 end to end; other dtypes
are converted once.  Input is validated once, by `_validate_data`.
"""
import inspect
import json
import warnings

import numpy as np

import contextlib
from concurrent.futures import ThreadPoolExecutor

from fastact import _linear
from fastact._openmp import get_num_threads as _get_num_threads
from fastact._openmp import num_threads as _num_threads

class _FallbackBase:
    """get_params/set_params as scikit-learn defines them, for when it is
    not installed."""

    @classmethod
    def _get_param_names(cls):
        sig = inspect.signature(cls.__init__)
        return sorted(p.name for p in sig.parameters.values() if p.name != "self")

    def get_params(self, deep=True):
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params):
        valid = self._get_param_names()
        for key, value in params.items():
            if key not in valid:
                raise ValueError("invalid parameter %r for %s; valid parameters: %s"
                                 % (key, type(self).__name__, ", ".join(valid)))
            setattr(self, key, value)
        return self

    def __repr__(self):
        args = ", ".join("%s=%r" % kv for kv in self.get_params().items())
        return "%s(%s)" % (type(self).__name__, args)


class _FallbackClassifierMixin:
    _estimator_type = "classifier"

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of predict(X) against y."""
        correct = (self.predict(X) == np.asarray(y)).astype(np.float64)
        return float(np.average(correct, weights=sample_weight))


class _FallbackNotFittedError(ValueError, AttributeError):
    """Raised when a model is used before fit (scikit-learn's NotFittedError
    where it is installed)."""


try:  # with scikit-learn installed, be one of its estimators
    from sklearn.base import BaseEstimator as _Base
    from sklearn.base import ClassifierMixin as _ClassifierMixin
    from sklearn.exceptions import DataConversionWarning as _DataConversionWarning
    from sklearn.exceptions import NotFittedError
except ImportError:
    _Base, _ClassifierMixin = _FallbackBase, _FallbackClassifierMixin
    NotFittedError = _FallbackNotFittedError
    _DataConversionWarning = UserWarning

__all__ = ["Perceptron", "LogisticRegression", "load", "NotFittedError"]

_SCHEDULES = ("constant", "optimal", "invscaling", "adaptive")


def _all_finite(X):
    """Whether X (C-contiguous float32/float64, 2-d) has no NaN or infinity:
    one threaded read, no temporary."""
    return bool(_linear.all_finite(X))


# Integer labels spanning fewer values than this are counted, not sorted.
_LABEL_RANGE_COUNTED = 1 << 16


def _int_range(y):
    """(min, max) of integer labels whose range is small enough to count, else None."""
    if y.dtype.kind not in "iub" or y.size == 0:
        return None
    lo, hi = int(y.min()), int(y.max())
    return (lo, hi) if hi - lo < _LABEL_RANGE_COUNTED else None


def _unique_labels(y):
    """np.unique(y); integer labels of a small range by one bincount (1e6
    labels: 3 ms instead of 17)."""
    span = _int_range(y)
    if span is None:
        return np.unique(y)
    counts = np.bincount(y.astype(np.intp) - span[0])
    return (np.flatnonzero(counts) + span[0]).astype(y.dtype)


def _label_index(classes, y):
    """The index of each label of y in the sorted classes (every label of y
    is a class); integer labels through a lookup table, not a binary search."""
    span = _int_range(y)
    if span is None or classes.dtype.kind not in "iub":
        return np.searchsorted(classes, y)
    lut = np.zeros(span[1] - span[0] + 1, dtype=np.intp)
    inside = (classes >= span[0]) & (classes <= span[1])
    lut[classes[inside].astype(np.intp) - span[0]] = np.flatnonzero(inside)
    return lut[y.astype(np.intp) - span[0]]


def _validate_data(X, y=None, sample_weight=None, n_features=None, dtype=None, check_finite=True,
                   estimator="the model"):
    """X as a finite C-contiguous float32/float64 array (float32 kept, anything
    else converted once), and y and sample_weight checked against it.
    check_finite=False leaves the NaN/inf check to the caller (the scoring
    kernels count non-finite margins, _score).  Messages follow scikit-learn's."""
    if hasattr(X, "tocsr") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError("sparse input is not supported: pass a dense array (X.toarray())")
    X = np.asarray(X)
    if X.dtype.kind == "c":
        raise ValueError("Complex data not supported")
    if X.dtype.kind == "O":
        try:
            X = X.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError("X must be numeric: %s" % exc) from exc
    if X.dtype.kind not in "biuf":
        raise ValueError("X must be numeric, got dtype %s" % X.dtype)
    if X.ndim != 2:
        raise ValueError("Expected a 2-d array X (n_samples, n_features), got shape %s. Reshape your "
                         "data with X.reshape(-1, 1) for one feature or X.reshape(1, -1) for one sample."
                         % (X.shape,))
    target = dtype or (X.dtype if X.dtype in (np.float32, np.float64) else np.float64)
    X = np.ascontiguousarray(X, dtype=target)
    if X.shape[0] == 0:
        raise ValueError("Found array with 0 sample(s) (shape=%s) while a minimum of 1 is required."
                         % (X.shape,))
    if X.shape[1] == 0:
        raise ValueError("Found array with 0 feature(s) (shape=%s) while a minimum of 1 is required."
                         % (X.shape,))
    if check_finite and not _all_finite(X):
        raise ValueError("X contains NaN or infinity")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError("X has %d features, but %s is expecting %d features as input."
                         % (X.shape[1], estimator, n_features))
    return X


def _validate_fit_data(X, y, sample_weight, estimator, dtype=None, n_features=None):
    """X, y (1-d labels) and sample_weight for fit and partial_fit."""
    if y is None:
        raise ValueError("%s requires y to be passed, but the target y is None" % estimator)
    X = _validate_data(X, dtype=dtype, n_features=n_features, estimator=estimator)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn("A column-vector y was passed when a 1d array was expected: it is raveled.",
                      _DataConversionWarning, stacklevel=3)
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError("y must be 1-d (n_samples,), got shape %s" % (y.shape,))
    if y.shape[0] != X.shape[0]:
        raise ValueError("X and y have different lengths: %d and %d" % (X.shape[0], y.shape[0]))
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            raise ValueError("y contains NaN or infinity")
        if not np.all(y == np.round(y)):
            raise ValueError("Unknown label type: continuous. A classifier needs class labels "
                             "(integers, strings, ...), not continuous values.")
    if sample_weight is None:
        sample_weight = np.ones(X.shape[0])
    else:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if sample_weight.shape != (X.shape[0],):
            raise ValueError("sample_weight must have shape (%d,), got %s"
                             % (X.shape[0], sample_weight.shape))
        if not np.isfinite(sample_weight).all() or (sample_weight < 0).any():
            raise ValueError("sample_weight must be finite and non-negative")
        if not sample_weight.any():
            raise ValueError("sample_weight is zero for every sample: nothing to fit")
    return X, y, np.ascontiguousarray(sample_weight)


def _curvature_step(X, sample_weight, train, alpha, fit_intercept):
    """1 / (L / 4 + alpha): L the largest eigenvalue of sum_i s_i z_i z_i^T /
    sum_i s_i, z_i = (x_i, 1) with an intercept, by 20 power iterations on up
    to 5e5 elements of rows of `train` (the log loss's curvature is at most
    1/4 of it).  Deterministic: the sample is drawn with a fixed seed, not
    from the estimator's random state.  np.einsum, not
    the @ of BLAS: a threaded BLAS call leaves its threads spinning for a
    while, and they take a core from the epochs that follow (a default fit on
    1e6 x 100 float32 took 0.25 s instead of 0.21 with OpenBLAS's threads)."""
    n, d = train.size, X.shape[1]
    m = min(n, max(1000, 500_000 // (d + 1)))
    # all the rows, or m drawn with a fixed seed (evenly spaced rows would
    # alias with a periodic layout, such as alternating classes); the
    # estimator's random state is left alone
    rows = train if m == n else train[np.sort(np.random.default_rng(0).integers(0, n, m))]
    Z = X[rows].astype(np.float64)
    if fit_intercept:
        Z = np.hstack([Z, np.ones((m, 1))])
    s = sample_weight[rows]
    s = s / s.sum() if s.sum() > 0 else np.full(m, 1.0 / m)
    v = np.ones(Z.shape[1]) / np.sqrt(Z.shape[1])
    lam = 0.0
    for _ in range(20):
        u = np.einsum("ij,i->j", Z, s * np.einsum("ij,j->i", Z, v))
        lam = float(np.sqrt(np.einsum("i,i->", u, u)))
        if not lam > 0:
            break
        v = u / lam
    L = 0.25 * lam + alpha
    return 1.0 / L if L > 0 else 1.0


def _log_loss(X, y01, sample_weight, avg):
    """sum_i s_i log(1 + exp(-(2 y_i - 1) z_i)), z = X @ avg[:d] + avg[d]: one
    fused pass over X (_linear.log_loss)."""
    d = X.shape[1]
    return _linear.log_loss(X, y01, sample_weight, np.ascontiguousarray(avg[:d]), float(avg[d]))


class _EpochOrders:
    """The rows each epoch visits: `train` itself (rng None: no shuffle) or a
    fresh permutation of it per epoch, drawn from rng in epoch order.

    With overlap (the sequential solvers, whose epochs use one thread) the
    order of epoch e + 1 is drawn when epoch e starts -- on a helper thread
    when fastact may use two or more, so that it overlaps the epoch (the
    kernels release the GIL; drawing 1e6 costs about 15 ms, a sequential
    epoch on 1e6 x 100 float32 60-90 ms), else on this one, so that the
    random state advances the same: the same fit at any thread count.
    Without overlap each order is drawn when its epoch starts."""

    def __init__(self, rng, train, max_epochs, whole, overlap):
        # whole: train is every row in order, so a permutation is the order;
        # overlap: the epochs run on one thread (the sequential solvers)
        self._rng, self._train, self._left, self._whole = rng, train, max_epochs, whole
        threaded = overlap and rng is not None and max_epochs > 1 and _get_num_threads() > 1
        self._ahead = overlap
        self._pool = ThreadPoolExecutor(1) if threaded else None
        self._pending = None
        if rng is not None and overlap:
            self._pending = self._pool.submit(self._draw) if threaded else self._draw()

    def _draw(self):
        perm = self._rng.permutation(self._train.size)
        return perm.astype(np.intp, copy=False) if self._whole else self._train[perm]

    def next(self):
        if self._rng is None:
            return self._train
        if not self._ahead:
            return self._draw()
        order = self._pending.result() if self._pool is not None else self._pending
        self._left -= 1
        if self._left > 0:
            self._pending = self._pool.submit(self._draw) if self._pool is not None else self._draw()
        return order

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._pool is not None:
            self._pool.shutdown(wait=True)


class _LinearClassifier(_ClassifierMixin, _Base):
    """What Perceptron and LogisticRegression share: classes, validation,
    the epoch loop with its stopping rule, scoring, save.  The weights live
    in _coef * _scale (the logistic L2 step scales, never touches each
    coefficient); coef_ publishes their product after every fit."""

    _binary_labels = None   # (negative, positive) label values the kernel wants
    _patience_default = None  # n_iter_no_change=None allowed when a method resolves it

    def _check_params(self):
        for name in ("max_iter", "n_iter_no_change"):
            v = getattr(self, name)
            if name == "n_iter_no_change" and v is None and self._patience_default is not None:
                continue
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError("%s must be a positive int, got %r" % (name, v))
        if self.tol is not None and not (np.isfinite(self.tol) and self.tol >= 0):
            raise ValueError("tol must be None or a non-negative number, got %r" % (self.tol,))
        if not isinstance(self.early_stopping, (bool, np.bool_)):
            raise ValueError("early_stopping must be True or False, got %r" % (self.early_stopping,))
        if not (isinstance(self.validation_fraction, (int, float, np.number))
                and 0 < self.validation_fraction < 1):
            raise ValueError("validation_fraction must be in (0, 1), got %r" % (self.validation_fraction,))
        cw = self.class_weight
        if not (cw is None or (isinstance(cw, str) and cw == "balanced") or isinstance(cw, dict)):
            raise ValueError("class_weight must be None, 'balanced' or a dict {label: weight}, got %r"
                             % (cw,))
        if isinstance(cw, dict) and not all(np.isfinite(v) and v >= 0 for v in cw.values()):
            raise ValueError("class_weight values must be finite and non-negative, got %r" % (cw,))

    def _check_labels(self, y):
        unseen = np.setdiff1d(_unique_labels(y), self.classes_)
        if unseen.size:
            raise ValueError("y contains labels not in classes_ %r: %r" % (self.classes_, unseen))

    def _class_weighted(self, y, sample_weight, partial=False):
        """sample_weight times the weight of each row's class (class_weight)."""
        cw = self.class_weight
        if cw is None:
            return sample_weight
        if isinstance(cw, str):   # 'balanced', checked in _check_params
            if partial:
                raise ValueError("class_weight='balanced' is not supported by partial_fit: the class "
                                 "frequencies of one batch are not those of the data; pass a dict")
            counts = np.bincount(_label_index(self.classes_, y), minlength=self.classes_.size)
            weights = y.shape[0] / (self.classes_.size * np.maximum(counts, 1))
        else:
            unknown = [label for label in cw if label not in set(self.classes_.tolist())]
            if unknown:
                raise ValueError("class_weight has labels that are not classes: %r (classes_ %r)"
                                 % (unknown, self.classes_))
            weights = np.array([float(cw.get(label, 1.0)) for label in self.classes_.tolist()])
        return np.ascontiguousarray(sample_weight * weights[_label_index(self.classes_, y)])

    def _validation_split(self, y):
        """(training rows, validation rows): validation_fraction of each class,
        drawn with the estimator's random state (stratified, as scikit-learn)."""
        idx = _label_index(self.classes_, y)
        val = []
        for k in range(self.classes_.size):
            rows = np.flatnonzero(idx == k)
            take = int(round(self.validation_fraction * rows.size))
            if rows.size >= 2 and take >= 1:
                val.append(self._rng.permutation(rows)[:min(take, rows.size - 1)])
        val = np.sort(np.concatenate(val)) if val else np.empty(0, dtype=np.intp)
        if val.size < self.classes_.size:
            raise ValueError("early_stopping: validation_fraction=%r of %d samples leaves a validation "
                             "set of %d rows for %d classes; use more data or a larger fraction"
                             % (self.validation_fraction, y.shape[0], val.size, self.classes_.size))
        train = np.setdiff1d(np.arange(y.shape[0]), val)
        return train.astype(np.intp), val.astype(np.intp)

    def _publish(self):
        self.coef_ = self._coef * self._scale[:, None].astype(self._coef.dtype)
        self.intercept_ = self._intercept.copy()

    def _targets(self, y, dtype):
        """(n_outputs, n_samples) kernel targets: one row for two classes,
        one per class (one-vs-rest) for more."""
        idx = _label_index(self.classes_, y)
        neg, pos = self._binary_labels
        n_outputs = 1 if self.classes_.size == 2 else self.classes_.size
        first = 1 if n_outputs == 1 else 0
        return np.stack([np.where(idx == k + first, pos, neg).astype(dtype) for k in range(n_outputs)])

    def _start(self, classes, n_features, dtype):
        """Fresh state: zero weights (kept as coef * scale), zero intercepts."""
        self.classes_ = classes
        if classes.size < 2:
            raise ValueError("y has only one class (%r): a classifier needs at least 2 classes"
                             % (classes[0],))
        n_outputs = 1 if classes.size == 2 else classes.size
        self._coef = np.zeros((n_outputs, n_features), dtype=dtype)
        self._scale = np.ones(n_outputs)
        self._intercept = np.zeros(n_outputs)
        self._eta = float(self.eta0)
        self.t_ = 0.0
        self.n_features_in_ = n_features
        seed = self.random_state
        self._rng = seed if isinstance(seed, np.random.RandomState) else np.random.RandomState(seed)

    def _threads(self):
        """The n_threads setting as a context (None: fastact's default)."""
        n = getattr(self, "n_threads", None)
        return contextlib.nullcontext() if n is None else _num_threads(n)

    def _run(self, X, y, sample_weight, max_epochs, use_tol):
        """Epochs over (X, y) with the stopping rule; then publish coef_."""
        with self._threads():
            return self._run_epochs(X, y, sample_weight, max_epochs, use_tol)

    def _run_epochs(self, X, y, sample_weight, max_epochs, use_tol):
        targets = self._targets(y, X.dtype)
        train = np.arange(X.shape[0], dtype=np.intp)
        validation = None
        stop_on_tol = use_tol and self.tol is not None
        if use_tol and self.early_stopping:
            # the kernels visit only the training rows: no copy of X for them
            train, val = self._validation_split(y)
            val_weight = sample_weight[val]
            validation = (X[val], y[val], val_weight if val_weight.any() else None)
        self._prepare(X, sample_weight, train)
        best, no_improvement = -np.inf, 0
        self.n_iter_ = 0
        with _EpochOrders(self._rng if self.shuffle else None, train, max_epochs,
                          whole=validation is None,
                          overlap=getattr(self, "solver", "sgd") == "sgd") as orders:
            for _ in range(max_epochs):
                order = orders.next()
                need_loss = stop_on_tol and validation is None
                loss = self._epoch(X, targets, sample_weight, order, need_loss) / train.size
                self.n_iter_ += 1
                if stop_on_tol:
                    if validation is None:
                        score = -loss                      # the training loss, lower is better
                    else:
                        self._publish()
                        score = self.score(*validation)    # validation accuracy, higher is better
                    no_improvement = no_improvement + 1 if score < best + self.tol else 0
                    best = max(best, score)
                    if no_improvement >= self._patience():
                        if not self._on_plateau():
                            break
                        no_improvement = 0
        self._publish()
        return self

    def _on_plateau(self):
        """Called after n_iter_no_change epochs without improvement; True to go on."""
        return False

    def _patience(self):
        """Epochs without improvement before stopping (n_iter_no_change)."""
        return self.n_iter_no_change

    def _prepare(self, X, sample_weight, train):
        """Called before the epochs of each fit / partial_fit, with the data
        and the rows the epochs will visit."""

    def fit(self, X, y, sample_weight=None):
        """Fit on (X, y), up to max_iter epochs.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features), float32 or float64
            float32 stays float32; other dtypes are converted to float64.
        y : array_like of shape (n_samples,)
            Labels of any type, at least two distinct.
        sample_weight : array_like of shape (n_samples,), optional

        Returns
        -------
        self
        """
        self._check_params()
        X, y, sample_weight = _validate_fit_data(X, y, sample_weight, type(self).__name__)
        classes = _unique_labels(y)
        warm = (self.warm_start and hasattr(self, "_coef") and np.array_equal(classes, self.classes_)
                and self._coef.shape[1] == X.shape[1] and self._coef.dtype == X.dtype)
        if not warm:
            self._start(classes, X.shape[1], X.dtype)
        sample_weight = self._class_weighted(y, sample_weight)
        return self._run(X, y, sample_weight, self.max_iter, use_tol=True)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over (X, y); `classes` (every label) is required on the
        first call and must not change afterwards."""
        self._check_params()
        if not hasattr(self, "_coef"):
            if classes is None:
                raise ValueError("classes must be passed to the first call of partial_fit")
            X, y, sample_weight = _validate_fit_data(X, y, sample_weight, type(self).__name__)
            self._start(np.unique(np.asarray(classes)), X.shape[1], X.dtype)
        else:
            if classes is not None and not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
                raise ValueError("classes=%r differs from classes_ %r of the earlier calls"
                                 % (classes, self.classes_))
            X, y, sample_weight = _validate_fit_data(X, y, sample_weight, type(self).__name__,
                                                     dtype=self._coef.dtype, n_features=self.n_features_in_)
        self._check_labels(y)
        sample_weight = self._class_weighted(y, sample_weight, partial=True)
        return self._run(X, y, sample_weight, 1, use_tol=False)

    def _check_fitted(self):
        if not hasattr(self, "coef_"):
            raise NotFittedError("This %s instance is not fitted yet. Call 'fit' with appropriate "
                                 "arguments before using this estimator." % type(self).__name__)

    def _score(self, X, kind):
        """One fused pass over X: kind 'decision' or 'proba' for one output
        ((n, 1) margins, or (n, 2) probabilities); 'decision', 'softmax' or
        'ovr' (normalised sigmoids) across the classes for several ((n, k)).
        X is validated once, its NaN/inf check fused into the pass."""
        self._check_fitted()
        X = _validate_data(X, n_features=self.n_features_in_, dtype=self.coef_.dtype, check_finite=False,
                           estimator=type(self).__name__)
        with self._threads():
            if self.coef_.shape[0] == 1:
                out = np.empty((X.shape[0], 1 if kind == "decision" else 2), dtype=X.dtype)
                n_nonfinite = _linear.score_binary(X, self.coef_[0], float(self.intercept_[0]), out, kind)
            else:
                out = np.empty((X.shape[0], self.coef_.shape[0]), dtype=X.dtype)
                n_nonfinite = _linear.score_multiclass(X, np.ascontiguousarray(self.coef_),
                                                       np.asarray(self.intercept_, dtype=np.float64),
                                                       out, kind)
        if n_nonfinite and not _all_finite(X):
            raise ValueError("X contains NaN or infinity")
        return out

    def decision_function(self, X):
        """Margins X @ coef_.T + intercept_: shape (n_samples,) for two classes,
        (n_samples, n_classes) for more; in X's dtype after validation."""
        scores = self._score(X, "decision")
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X):
        """Class labels (from classes_) for the rows of X."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(np.intp)]
        return self.classes_[np.argmax(scores, axis=1)]

    def save(self, path):
        """Write the fitted model to an .npz (no pickle inside): load(path) reads it."""
        self._check_fitted()
        classes = self.classes_
        if classes.dtype == object:
            classes = classes.astype(str)
        np.savez(path, kind=np.array(type(self).__name__), params=np.array(json.dumps(self.get_params())),
                 coef=self.coef_, intercept=self.intercept_, classes=classes,
                 n_iter=np.array(self.n_iter_))


class Perceptron(_LinearClassifier):
    """The perceptron: predict step(w . x + b); on a mistake w += eta0 * s * y * x
    (s the sample weight), optionally with an L2, L1 or elastic-net penalty.

    One-vs-rest for more than two classes.

    Parameters
    ----------
    penalty : {None, 'l2', 'l1', 'elasticnet'}, default=None
        Regularization, as scikit-learn's Perceptron: every row shrinks the
        weights by (1 - eta0 * alpha * (1 - l1_ratio)) (a scale factor, no
        O(n_features) work) and applies the L1 part, eta0 * alpha * l1_ratio,
        by cumulative clipping (Tsuruoka et al., 2009), which sets weights to
        exactly 0.  'l2' is l1_ratio = 0, 'l1' is l1_ratio = 1.
    alpha : float, default=0.0001
        Strength of the penalty.
    l1_ratio : float in [0, 1], default=0.15
        The L1 share of 'elasticnet'.
    eta0 : float, default=1.0
        Step size.
    fit_intercept : bool, default=True
    max_iter : int, default=1000
        Epochs at most.
    tol : float or None, default=1e-3
        Stop when the epoch's perceptron loss, the mean over rows of
        s * max(0, -y * margin) with s the (class-weighted) sample weight, has
        not dropped by tol for n_iter_no_change epochs (None: run max_iter
        epochs).  scikit-learn sums the loss unweighted; weighting it lets a
        heavy class's mistakes count in the stopping rule as in the updates.
    n_iter_no_change : int, default=5
    shuffle : bool, default=True
        Visit the rows in a new random order every epoch.
    random_state : int, RandomState or None
    warm_start : bool, default=False
        Start fit from the previous solution.
    early_stopping : bool, default=False
        Hold out validation_fraction of the rows (stratified) and stop when
        their accuracy has not risen by tol for n_iter_no_change epochs,
        instead of watching the training loss.  fit only (not partial_fit).
    validation_fraction : float in (0, 1), default=0.1
    class_weight : None, 'balanced' or dict {label: weight}, default=None
        Multiplies each row's sample weight by its class's weight;
        'balanced' is n_samples / (n_classes * count of the class) (fit only).
    average : bool, default=False
        The averaged perceptron: coef_ and intercept_ are the mean of the
        weights after every row visited (since the first fit), not the last
        weights -- steadier on data that is not separable.  Costs one more
        O(n_features) pass per row.
    n_threads : int or None, default=None
        Threads for scoring (None: fastact's default, see fastact.num_threads).

    Attributes
    ----------
    coef_ : ndarray of shape (1 or n_classes, n_features), X's dtype
    intercept_ : ndarray of shape (1 or n_classes,)
    classes_, n_iter_, n_features_in_
    """

    _binary_labels = (-1.0, 1.0)

    def __init__(self, *, penalty=None, alpha=0.0001, l1_ratio=0.15, eta0=1.0, fit_intercept=True,
                 max_iter=1000, tol=1e-3, n_iter_no_change=5, shuffle=True, random_state=None,
                 warm_start=False, early_stopping=False, validation_fraction=0.1, class_weight=None,
                 average=False, n_threads=None):
        self.penalty = penalty
        self.average = average
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.eta0 = eta0
        self.n_threads = n_threads
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.random_state = random_state
        self.warm_start = warm_start
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.class_weight = class_weight

    def _check_params(self):
        super()._check_params()
        if self.penalty not in (None, "l2", "l1", "elasticnet"):
            raise ValueError("penalty must be None, 'l2', 'l1' or 'elasticnet', got %r" % (self.penalty,))
        if not (isinstance(self.alpha, (int, float, np.number)) and np.isfinite(self.alpha)
                and self.alpha >= 0):
            raise ValueError("alpha must be a finite number >= 0, got %r" % (self.alpha,))
        if not (isinstance(self.l1_ratio, (int, float, np.number)) and 0 <= self.l1_ratio <= 1):
            raise ValueError("l1_ratio must be in [0, 1], got %r" % (self.l1_ratio,))
        if not self.eta0 > 0:
            raise ValueError("eta0 must be > 0, got %r" % (self.eta0,))
        if not isinstance(self.average, (bool, np.bool_)):
            raise ValueError("average must be True or False, got %r" % (self.average,))

    def _penalty(self):
        """(l2, l1) strengths for the kernel."""
        alpha = float(self.alpha)
        l1_share = {None: 0.0, "l2": 0.0, "l1": 1.0, "elasticnet": float(self.l1_ratio)}[self.penalty]
        if self.penalty is None:
            return 0.0, 0.0
        return (1.0 - l1_share) * alpha, l1_share * alpha

    def _start(self, classes, n_features, dtype):
        super()._start(classes, n_features, dtype)
        n_outputs = self._coef.shape[0]
        self._l1_q = np.zeros((n_outputs, n_features))
        self._l1_u = np.zeros(n_outputs)
        self._avg = np.zeros((n_outputs, n_features))
        self._avg_intercept = np.zeros(n_outputs)
        self._n_avg = np.zeros(n_outputs)

    def _epoch(self, X, targets, sample_weight, order, need_loss=True):
        l2, l1 = self._penalty()
        total = 0.0
        for k in range(targets.shape[0]):
            b, _, scale, u, avg_b, n_avg, loss = _linear.perceptron_epoch(
                X, targets[k], sample_weight, self._coef[k], float(self._intercept[k]), order,
                float(self.eta0), bool(self.fit_intercept), float(self._scale[k]), l2, l1,
                self._l1_q[k], float(self._l1_u[k]), self._avg[k] if self.average else None,
                float(self._avg_intercept[k]), float(self._n_avg[k]))
            self._intercept[k], self._scale[k], self._l1_u[k] = b, scale, u
            self._avg_intercept[k], self._n_avg[k] = avg_b, n_avg
            total += loss
        return total / targets.shape[0]

    def _publish(self):
        if not self.average:
            return super()._publish()
        self.coef_ = self._avg.astype(self._coef.dtype)
        self.intercept_ = self._avg_intercept.copy()


class LogisticRegression(_LinearClassifier):
    """Logistic regression by stochastic gradient descent on the log loss with
    an L2 penalty: averaged mini-batch steps by default, or one sample at a
    time -- scikit-learn's SGDClassifier(loss='log_loss') update.

    More than two classes: multinomial (softmax) with solver='sgd',
    one-vs-rest (probabilities normalised) with solver='minibatch'.

    Parameters
    ----------
    alpha : float, default=1e-4
        L2 penalty; also sets the 'optimal' learning rate.
    learning_rate : {'optimal', 'constant', 'invscaling', 'adaptive'}, default='optimal'
        'optimal' with solver='sgd': 1 / (alpha * (t0 + t)) with Bottou's
        t0 heuristic.  'optimal' with solver='minibatch': the constant step
        1 / (L / 4 + alpha), L the largest eigenvalue of the (weighted)
        second-moment matrix of the rows (with a column of ones for the
        intercept), estimated by power iteration on up to 5e5 elements of
        rows drawn with a fixed seed; and the weights published are the mean of the
        iterates after each step of the last epoch (averaged SGD, whose
        error falls as 1/steps with a constant step: Bach and Moulines,
        2013; over the last epoch only, so that with few batches per epoch
        the early iterates do not hold the mean back).
        'constant': eta0; 'invscaling': eta0 / (t + 1) ** power_t;
        'adaptive': eta0, divided by 5 when n_iter_no_change epochs do not
        improve the loss by tol (stop once it falls below 1e-6).
    eta0 : float, default=0.01
        Step size of 'constant', 'invscaling' and 'adaptive'.
    power_t : float, default=0.5
    solver : {'minibatch', 'sgd'}, default='minibatch'
        'minibatch': the mean gradient of batch_size rows per step, computed
        by threads over fixed blocks of rows and summed in a fixed order --
        the result is bitwise the same for any thread count ('invscaling'
        decays per epoch).  'sgd': one sample at a time (sequential).
    batch_size : int, default=1024
        Rows per step of the 'minibatch' solver.
    n_iter_no_change : int or None, default=None
        As for Perceptron; None: 1 for solver='minibatch' (its loss for tol
        is measured on all the training rows after the epoch, with the
        published weights: it does not need smoothing), 5 for 'sgd' (as
        SGDClassifier: the loss of its epoch is the running one).
    fit_intercept, max_iter, tol, shuffle, random_state, warm_start,
    early_stopping, validation_fraction, class_weight, n_threads :
    as for Perceptron (without early stopping tol applies to the mean log
    loss; n_threads also sets the 'minibatch' solver's threads).

    Attributes
    ----------
    coef_ : ndarray of shape (1 or n_classes, n_features), X's dtype
    intercept_ : ndarray of shape (1 or n_classes,)
    classes_, n_iter_, n_features_in_
    """

    _binary_labels = (0.0, 1.0)
    _patience_default = {"minibatch": 1, "sgd": 5}

    def __init__(self, *, alpha=1e-4, learning_rate="optimal", eta0=0.01, power_t=0.5,
                 solver="minibatch", batch_size=1024, fit_intercept=True, max_iter=1000, tol=1e-3,
                 n_iter_no_change=None, shuffle=True, random_state=None, warm_start=False,
                 early_stopping=False, validation_fraction=0.1, class_weight=None, n_threads=None):
        self.alpha = alpha
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.class_weight = class_weight
        self.solver = solver
        self.batch_size = batch_size
        self.n_threads = n_threads
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.power_t = power_t
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.random_state = random_state
        self.warm_start = warm_start

    def _check_params(self):
        super()._check_params()
        if self.learning_rate not in _SCHEDULES:
            raise ValueError("learning_rate must be one of %s, got %r" % (", ".join(_SCHEDULES),
                                                                           self.learning_rate))
        if not self.alpha >= 0:
            raise ValueError("alpha must be >= 0, got %r" % (self.alpha,))
        if self.learning_rate == "optimal" and self.alpha == 0:
            raise ValueError("learning_rate='optimal' needs alpha > 0")
        if self.solver not in ("sgd", "minibatch"):
            raise ValueError("solver must be 'sgd' or 'minibatch', got %r" % (self.solver,))
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, (int, np.integer)) \
                or self.batch_size < 1:
            raise ValueError("batch_size must be a positive int, got %r" % (self.batch_size,))
        if self.learning_rate != "optimal" and not self.eta0 > 0:
            raise ValueError("eta0 must be > 0 for learning_rate=%r, got %r" % (self.learning_rate, self.eta0))

    def _patience(self):
        if self.n_iter_no_change is None:
            return self._patience_default[self.solver]
        return self.n_iter_no_change

    def _averaged(self):
        """Averaged mini-batch SGD with the curvature step ('optimal' and 'minibatch')."""
        return self.solver == "minibatch" and self.learning_rate == "optimal"

    def _prepare(self, X, sample_weight, train):
        n_outputs, d = self._coef.shape
        if not self._averaged():
            return
        if getattr(self, "_avg", None) is None or self._avg.shape != (n_outputs, d + 2):
            # a fresh fit, or the settings changed since (warm_start, partial_fit)
            self._avg = np.zeros((n_outputs, d + 2))
            self._avg[:, :d] = self._coef * self._scale[:, None]
            self._avg[:, d] = self._intercept
        if not getattr(self, "_eta_from_data", False):
            self._eta = _curvature_step(X, sample_weight, train, float(self.alpha),
                                        bool(self.fit_intercept))
            self._eta_from_data = True

    def _start(self, classes, n_features, dtype):
        super()._start(classes, n_features, dtype)
        self._avg = None
        self._eta_from_data = False

    def _publish(self):
        if not self._averaged() or self._avg is None or not (self._avg[:, -1] > 0).all():
            return super()._publish()
        d = self._coef.shape[1]
        self.coef_ = self._avg[:, :d].astype(self._coef.dtype)
        self.intercept_ = self._avg[:, d].copy()

    def _multinomial(self):
        """Softmax regression: more than two classes with the sgd solver."""
        return self.classes_.size > 2 and self.solver == "sgd"

    def _targets(self, y, dtype):
        if self._multinomial():
            return _label_index(self.classes_, y).astype(np.intp)
        return super()._targets(y, dtype)

    def _epoch(self, X, targets, sample_weight, order, need_loss=True):
        if self.solver == "minibatch":
            return self._minibatch_epoch(X, targets, sample_weight, order, need_loss)
        schedule = {"constant": 0, "adaptive": 0, "optimal": 1, "invscaling": 2}[self.learning_rate]
        # Bottou's heuristic (as scikit-learn): the first step is about
        # typw = sqrt(1 / sqrt(alpha)), the log loss's slope being at most 1.
        typw = np.sqrt(1.0 / np.sqrt(self.alpha)) if self.alpha > 0 else 1.0
        optimal_init = 1.0 / (typw * self.alpha) if self.alpha > 0 else 1.0
        if self._multinomial():
            # one scale for the whole coefficient matrix
            scale, self.t_, loss = _linear.multinomial_sgd_epoch(
                X, targets, sample_weight, self._coef, float(self._scale[0]), self._intercept, order,
                float(self.alpha), schedule, self._eta, float(self.power_t), self.t_, optimal_init,
                bool(self.fit_intercept))
            self._scale[:] = scale
            return loss
        total, t0 = 0.0, self.t_
        for k in range(targets.shape[0]):
            scale, b, t, loss = _linear.logistic_sgd_epoch(
                X, targets[k], sample_weight, self._coef[k], float(self._scale[k]),
                float(self._intercept[k]), order, float(self.alpha), schedule, self._eta,
                float(self.power_t), t0, optimal_init, bool(self.fit_intercept))
            self._scale[k], self._intercept[k] = scale, b
            total += loss
        self.t_ = t
        return total / targets.shape[0]

    def _minibatch_epoch(self, X, targets, sample_weight, order, need_loss):
        epoch = self.t_
        eta = (self.eta0 / (epoch + 1.0) ** self.power_t if self.learning_rate == "invscaling"
               else self._eta)
        total = 0.0
        for k in range(targets.shape[0]):
            # the mini-batch kernel works on the plain weights: fold the scale in
            coef = self._coef[k]
            coef *= coef.dtype.type(self._scale[k])
            self._scale[k] = 1.0
            # the loss for tol comes from the kernel: each row's, with its
            # batch's weights before the step (no second pass over X) --
            # except when averaging: then that of the averaged weights after
            # the epoch, one in-order pass
            avg = self._avg[k] if self._averaged() else None
            if avg is not None:
                avg[-1] = 0.0     # the mean of this epoch's iterates (tail averaging)
            self._intercept[k], loss = _linear.logistic_minibatch_epoch(
                X, targets[k], sample_weight, coef, float(self._intercept[k]), order,
                int(self.batch_size), float(self.alpha), eta, bool(self.fit_intercept), avg)
            if avg is not None and need_loss:
                loss = _log_loss(X, targets[k], sample_weight, avg)
            total += loss
        self.t_ = epoch + 1
        return total / targets.shape[0] if need_loss else 0.0

    def _on_plateau(self):
        if self.learning_rate != "adaptive" or self._eta / 5 < 1e-6:
            return False
        self._eta /= 5
        return True

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes), in X's dtype, in
        one fused pass over X: the sigmoid of the margin for two classes; for
        more, the softmax of the margins (multinomial), or one-vs-rest
        sigmoids normalised to sum to 1 (solver='minibatch')."""
        self._check_fitted()
        if self.coef_.shape[0] == 1:
            return self._score(X, "proba")
        return self._score(X, "softmax" if self._multinomial() else "ovr")

    def predict_log_proba(self, X):
        return np.log(self.predict_proba(X))


_KINDS = {"Perceptron": Perceptron, "LogisticRegression": LogisticRegression}


def load(path):
    """Read a model written by save(path); the file is opened without pickle."""
    with np.load(path, allow_pickle=False) as f:
        kind = str(f["kind"])
        if kind not in _KINDS:
            raise ValueError("%s does not hold a fastact model (kind %r)" % (path, kind))
        model = _KINDS[kind](**json.loads(str(f["params"])))
        model.coef_ = f["coef"]
        model.intercept_ = f["intercept"]
        model.classes_ = f["classes"]
        model.n_iter_ = int(f["n_iter"])
        model.n_features_in_ = model.coef_.shape[1]
    return model
