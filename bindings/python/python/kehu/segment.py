"""Customer segmentation (客群分类): RFM scores with explicit tie policies and segment maps.

>>> from kehu.segment import rfm_scores, rfm_segments
>>> scores = rfm_scores(recency_days, frequency, monetary)        # DataFrame R, F, M
>>> segments = rfm_segments(scores, map="rf10")                    # Series of names

Every score and segment is computed by kehu's core; options are passed through as data.
"""

from __future__ import annotations

import datetime as _dt
import decimal as _decimal
import json
import os
import sys
import warnings
from typing import Any, Sequence

import numpy as np
import pandas as pd

from . import _native
from ._convert import coded, float_array, iso, options_json, texts, to_arrow
from ._sklearn_compat import (
    HAVE_SKLEARN,
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    DensityMixin,
    InputTypeError,
    NotFittedError,
    TransformerMixin,
    feature_names as _feature_names,
)

__all__ = [
    "rfm_scores",
    "rfm_segments",
    "SegmentMap",
    "KMeans",
    "MiniBatchKMeans",
    "silhouette_score",
    "calinski_harabasz_score",
    "davies_bouldin_score",
    "k_sweep",
    "lifecycle_stages",
    "migration_matrix",
    "portrait",
    "GaussianMixture",
    "KPrototypes",
    "KModes",
    "Audience",
]

def _arr(values: Any) -> np.ndarray:
    return np.ascontiguousarray(float_array(values, _native.SegmentError, "SEGMENT_INVALID_DATA").reshape(-1))


def _invalid(message: str) -> Exception:
    return coded(_native.SegmentError, message, "SEGMENT_INVALID_OPTION")


def _json(options: Any, what: str) -> str:
    return options_json(options, _native.SegmentError, "SEGMENT_INVALID_OPTION", what)


def _ids(values: Any) -> list[str | None]:
    """Customer ids as text, converted as transaction ids are (1.0 is "1"; NaN/None missing)."""
    return _native.customer_id_texts(to_arrow({"id": pd.Series(values).reset_index(drop=True)}, ["id"]), "id")


def rfm_scores(
    recency: Any,
    frequency: Any,
    monetary: Any,
    bins: int = 5,
    ties: str = "mid",
    cut_offs: Sequence[float] | None = None,
    recency_edges: Sequence[float] | None = None,
    frequency_edges: Sequence[float] | None = None,
    monetary_edges: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Scores 1…bins per customer as a DataFrame with integer columns `R`, `F`, `M`.

    `recency` is in days since the last purchase (fewer days score higher). `ties`: "mid"
    (default; p = (count below + ½ count equal)/n, score = min(bins, 1 + ⌊bins·p⌋)), "min",
    "max", or "first" (row order, as `pd.qcut(x.rank(method="first"), bins)`: order-dependent).
    `cut_offs` bins at custom rank shares instead; `*_edges` bin a column at fixed values (a
    value equal to an edge goes to the bin above it). The index is taken from a Series input.
    `attrs["bins"]` holds the number of bins of R, F and M, so that `rfm_segments` refuses a
    map made for another score range.
    """
    given = {"bins": bins, "ties": ties, "cut_offs": cut_offs, "recency_edges": recency_edges, "frequency_edges": frequency_edges, "monetary_edges": monetary_edges}
    options = {k: v for k, v in given.items() if v is not None}
    r, f, m, binned = _native.segment_rfm_scores(_arr(recency), _arr(frequency), _arr(monetary), _json(options, "binning"))
    index = next((v.index for v in (recency, frequency, monetary) if isinstance(v, pd.Series)), None)
    scores = pd.DataFrame({"R": r, "F": f, "M": m}, index=index)
    if binned is not None:
        scores.attrs["bins"] = list(binned)
    return scores


class SegmentMap:
    """Rules from (R, F, M) scores to segment names; the first matching rule wins. Held as the
    core's parsed map (`_native.SegmentMap`)."""

    def __init__(self, document: Any) -> None:
        self._handle = document if isinstance(document, _native.SegmentMap) else _native.SegmentMap.from_json(document)

    @classmethod
    def builtin(cls, name: str) -> "SegmentMap":
        """`rf10` (the 10-name R×F map) or `rfm8` (the 8-name R×FM table)."""
        return cls(_native.SegmentMap.builtin(name))

    @classmethod
    def from_code_table(cls, source: str | os.PathLike[str]) -> "SegmentMap":
        """A code table, `R,F,M,code,segment` per line (a CSV path or its text), e.g. a
        125-code map."""
        text = str(source)
        if os.path.exists(text):
            with open(text, encoding="utf-8") as fh:
                text = fh.read()
        return cls(_native.SegmentMap.from_code_table(text))

    @classmethod
    def from_json(cls, document: str) -> "SegmentMap":
        """A `segment_map` document (custom rules over R, F, M and FM ranges)."""
        return cls(document)

    def to_json(self) -> str:
        """The map as a versioned document."""
        return self._handle.to_json()

    @property
    def segments(self) -> list[str]:
        """Segment names in rule order."""
        return self._handle.segments

    def check(self, bins: int = 5) -> dict[str, Any]:
        """Totality check over every code: `unassigned` codes and `overlapping` codes (with
        the segments that match them, the first winning)."""
        unassigned, overlapping = self._handle.check(bins)
        return {"unassigned": unassigned, "overlapping": dict(overlapping)}

    def __getstate__(self) -> dict[str, Any]:
        return {"document": self.to_json()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._handle = _native.SegmentMap.from_json(state.get("document", state.get("_json")))

    def __repr__(self) -> str:
        return f"SegmentMap({len(self.segments)} segments)"


def rfm_segments(scores: pd.DataFrame, map: str | SegmentMap = "rf10") -> pd.Series:
    """The segment of each customer's scores (columns R, F, M) under `map`: "rf10", "rfm8",
    a `SegmentMap`, or the path of a code table CSV. Customers no rule matches get None (kept,
    never dropped). Scores from `rfm_scores` binned for another range than the map's are
    refused (`SEGMENT_SCORE_RANGE_MISMATCH`)."""
    if isinstance(map, SegmentMap):
        seg_map = map
    elif os.path.exists(str(map)):
        seg_map = SegmentMap.from_code_table(map)
    else:
        seg_map = SegmentMap.builtin(str(map))
    cols = [np.ascontiguousarray(np.asarray(scores[c], dtype=np.int64)) for c in ("R", "F", "M")]
    names = seg_map._handle.assign(*cols, getattr(scores, "attrs", {}).get("bins"))
    return pd.Series(names, index=scores.index, name="segment", dtype=object)


_DATA = "SEGMENT_INVALID_DATA"


def _refuse_unsupported(X: Any) -> None:
    """Sparse matrices and complex numbers are refused by name (numpy would fail on the first
    with an unhelpful message and silently drop the imaginary part of the second)."""
    if type(X).__module__.startswith("scipy.sparse"):
        raise coded(InputTypeError, "sparse input is not supported: pass a dense array (X.toarray())", _DATA)
    dtype = getattr(X, "dtype", None)
    kinds = [getattr(dtype, "kind", "")] if dtype is not None else [getattr(d, "kind", "") for d in getattr(X, "dtypes", [])]
    if "c" in kinds:
        raise coded(_native.SegmentError, "Complex data not supported: X holds complex numbers", _DATA)


def _floats(X: Any) -> np.ndarray:
    _refuse_unsupported(X)
    try:
        return np.asarray(X, dtype=np.float64)
    except TypeError as e:
        raise coded(InputTypeError, f"expected numbers (an array, Series or list of them): {e}", _DATA) from None
    except ValueError as e:
        raise coded(_native.SegmentError, f"expected numbers (an array, Series or list of them): {e}", _DATA) from None


def _rows(a: np.ndarray) -> np.ndarray:
    """A 2-D float array as C-contiguous rows; a 1-D one is one column."""
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    if a.ndim != 2:
        raise coded(_native.SegmentError, f"X must be 2-dimensional, got {a.ndim} dimensions", _DATA)
    return np.ascontiguousarray(a)


def _matrix(X: Any) -> np.ndarray:
    return _rows(_floats(X))


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _with_set(options: dict[str, Any], **optional: Any) -> dict[str, Any]:
    """`options` plus those of `optional` the user set (not None): the core's serde reads
    scikit-learn's names and holds the defaults of the rest (random_state None: seed 0)."""
    return {**options, **{k: v for k, v in optional.items() if v is not None}}


def _warn(message: str) -> None:
    """A UserWarning pointing at the first caller outside the kehu package (and outside
    scikit-learn's set_output wrapper of transform)."""
    frame, level = sys._getframe(0), 1
    while frame is not None and (
        os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR)
        or frame.f_globals.get("__name__") == "sklearn.utils._set_output"
    ):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, UserWarning, stacklevel=level)


class _Estimator(BaseEstimator):
    """scikit-learn's estimator protocol and the fitted document, shared by the models here.

    With scikit-learn installed this is a `sklearn.base.BaseEstimator` (tags, clone, repr,
    pipelines); without it a stand-in with the same parameter protocol and repr. Parameters
    are checked by kehu's core at fit time, as scikit-learn checks them at fit time too; the
    checks on X here are the estimator protocol's (column count, column names).
    """

    _params: tuple[str, ...] = ()

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Estimator parameters (scikit-learn convention)."""
        return {p: getattr(self, p) for p in self._params}

    def set_params(self, **params: Any) -> Any:
        """Sets estimator parameters (scikit-learn convention)."""
        for k, v in params.items():
            if k not in self._params:
                raise _invalid(f"invalid option {k!r}: not a parameter of {type(self).__name__}")
            setattr(self, k, v)
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return getattr(self, "_handle", None) is not None

    def _model(self) -> Any:
        """The core's fitted model (a native handle of `kehu._native`)."""
        if getattr(self, "_handle", None) is None:
            raise coded(NotFittedError, "invalid option 'model': not fitted; call fit() or from_json() first", "SEGMENT_INVALID_OPTION")
        return self._handle

    def to_json(self) -> str:
        """The fitted model as a versioned document (loads in every binding)."""
        return self._model().to_json()

    def _check_columns(self, names: np.ndarray | None, shape: tuple[int, int], reset: bool, one_d: bool = False) -> None:
        """scikit-learn's column protocol: at fit (`reset`) at least one column; afterwards the
        fitted number of columns (`n_features_in_`) and, for DataFrames, the fitted names in
        the fitted order (`feature_names_in_`; a warning when only one side has names)."""
        cls, width = type(self).__name__, shape[1]
        if reset:
            if width == 0:
                raise _invalid(f"invalid option 'X': 0 feature(s) (shape={tuple(shape)}) while a minimum of 1 is required.")
            return
        fitted = getattr(self, "feature_names_in_", None)
        # A model loaded from JSON has no column names to compare: no warning for it.
        if names is not None and fitted is None and getattr(self, "_fitted_here", False):
            _warn(f"X has feature names, but {cls} was fitted without feature names")
        elif names is None and fitted is not None:
            _warn(f"X does not have valid feature names, but {cls} was fitted with feature names")
        elif names is not None and fitted is not None and (len(names) != len(fitted) or (names != fitted).any()):
            message = "The feature names should match those that were passed during fit.\n"
            unseen = sorted(set(names) - set(fitted))
            missing = sorted(set(fitted) - set(names))
            if unseen:
                message += "Feature names unseen at fit time:\n" + "".join(f"- {n}\n" for n in unseen[:5]) + ("- ...\n" if len(unseen) > 5 else "")
            if missing:
                message += "Feature names seen at fit time, yet now missing:\n" + "".join(f"- {n}\n" for n in missing[:5]) + ("- ...\n" if len(missing) > 5 else "")
            if not unseen and not missing:
                message += "Feature names must be in the same order as they were in fit.\n"
            raise coded(_native.SegmentError, message, _DATA)
        expected = getattr(self, "n_features_in_", None)
        if expected is not None and width != expected:
            message = f"X has {width} features, but {cls} is expecting {expected} features as input (the model has {expected} columns)"
            if one_d:
                message += "; X is 1-dimensional: Reshape your data with X.reshape(1, -1) if it is a single row"
            raise _invalid(message)

    def _set_columns(self, names: np.ndarray | None, width: int) -> None:
        self._fitted_here = True
        self.n_features_in_ = width
        if names is not None:
            self.feature_names_in_ = names
        else:
            self.__dict__.pop("feature_names_in_", None)

    def _input(self, X: Any, reset: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """(X as float rows, its column names) after the column protocol and the finiteness
        check; a 1-D X is one column (one value per customer)."""
        names = _feature_names(X)
        a = _floats(X)
        x = _rows(a)
        self._check_columns(names, x.shape, reset, one_d=a.ndim == 1)
        return x, names


class KMeans(ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, _Estimator):
    """k-means with scikit-learn's parameters and attributes (`labels_`, `cluster_centers_`,
    `inertia_`, `n_iter_`, `n_features_in_`, `feature_names_in_` when fitted on a DataFrame
    with text column names), computed by kehu's core: greedy k-means++ by default, the same
    result on any number of threads for a given `random_state` (None means 0: kehu is
    deterministic). Fitted models save to JSON. With scikit-learn installed, a scikit-learn
    clusterer and transformer (pipelines, search, `clone`, `set_output`); `transform` gives
    the distances to the centres, named "kmeans0", "kmeans1", ... by `get_feature_names_out`.
    """

    _params = ("n_clusters", "init", "n_init", "max_iter", "tol", "random_state", "algorithm")

    def __init__(
        self,
        n_clusters: int = 8,
        init: Any = "k-means++",
        n_init: int | str = "auto",
        max_iter: int = 300,
        tol: float = 1e-4,
        random_state: int | None = None,
        algorithm: str | None = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.algorithm = algorithm

    def _settings(self) -> dict[str, Any]:
        """The options as the user gave them, in the core's names (its serde reads
        scikit-learn's spellings: "k-means++", n_init "auto", algorithm "elkan")."""
        init = {"kind": self.init} if isinstance(self.init, str) else {"kind": "centers", "centers": _arr(self.init).tolist()}
        opts: dict[str, Any] = {"n_clusters": self.n_clusters, "init": init, "n_init": self.n_init, "max_iter": self.max_iter, "tol": self.tol}
        return _with_set(opts, algorithm=getattr(self, "algorithm", None), random_state=self.random_state)

    def _options(self) -> str:
        return _json(self._settings(), type(self).__name__)

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> "KMeans":
        """Fits on the rows of X (n × d), with optional per-row weights."""
        x, names = self._input(X, reset=True)
        w = None if sample_weight is None else _arr(sample_weight)
        self._handle, self.labels_, self.inertia_, self.n_iter_ = _native.segment_kmeans_fit(x, self._options(), w)
        self._set_columns(names, x.shape[1])
        return self

    @property
    def cluster_centers_(self) -> np.ndarray:
        """Centres, k × d."""
        return self._model().centers

    @property
    def _n_features_out(self) -> int:
        return self.cluster_centers_.shape[0]

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the columns of `transform`: the class name and the centre's index
        ("kmeans0", "kmeans1", ...), as scikit-learn names them; `input_features`, if given,
        must be the fitted columns."""
        k = self._n_features_out
        if input_features is not None:
            given = np.asarray(input_features, dtype=object)
            fitted = getattr(self, "feature_names_in_", None)
            if fitted is not None and not np.array_equal(fitted, given):
                raise _invalid("invalid option 'input_features': input_features is not equal to feature_names_in_")
            if len(given) != self.n_features_in_:
                raise _invalid(
                    "invalid option 'input_features': input_features should have length equal to number of "
                    f"features ({self.n_features_in_}), got {len(given)}"
                )
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{i}" for i in range(k)], dtype=object)

    def predict(self, X: Any) -> np.ndarray:
        """The nearest centre of each row (the lowest index among equally near ones)."""
        model = self._model()
        return model.predict(self._input(X)[0])

    def fit_predict(self, X: Any, y: Any = None, sample_weight: Any = None) -> np.ndarray:
        """Fits and returns `labels_`."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def _transform(self, X: Any) -> np.ndarray:
        model = self._model()
        return model.transform(self._input(X)[0])

    def transform(self, X: Any) -> np.ndarray:
        """Euclidean distances of each row to every centre (n × k)."""
        return self._transform(X)

    def fit_transform(self, X: Any, y: Any = None, sample_weight: Any = None) -> np.ndarray:
        """Fits and returns `transform(X)`."""
        return self.fit(X, sample_weight=sample_weight)._transform(X)

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """Minus the inertia of X (scikit-learn's convention: higher is better)."""
        model = self._model()
        x = self._input(X)[0]
        w = None if sample_weight is None else _arr(sample_weight)
        return -model.inertia(x, w)

    if HAVE_SKLEARN:

        def __sklearn_tags__(self) -> Any:
            tags = super().__sklearn_tags__()
            tags.transformer_tags.preserves_dtype = ["float64"]  # the core computes in float64
            return tags

    @classmethod
    def from_json(cls, document: str) -> "KMeans":
        """A model saved by `to_json` (in any binding): predict, transform and score work."""
        handle = _native.KMeansModel.from_json(document)  # the core reads and checks it
        model = cls(n_clusters=handle.k)
        model._handle = handle
        model.n_features_in_ = handle.d
        return model


class MiniBatchKMeans(KMeans):
    """Mini-batch k-means with scikit-learn's parameters and attributes (`labels_`,
    `cluster_centers_`, `inertia_`, `n_iter_`, `n_steps_`, `counts_`), for data that does not
    fit in memory: `partial_fit(batch)` continues from the state, which `state_json()` saves
    and `from_state(...)` restores in any binding. The same result on any number of threads for
    a given `random_state` (None means 0).
    """

    _params = ("n_clusters", "init", "max_iter", "batch_size", "tol", "max_no_improvement", "init_size", "n_init", "reassignment_ratio", "random_state")

    def __init__(
        self,
        n_clusters: int = 8,
        init: Any = "k-means++",
        max_iter: int = 100,
        batch_size: int = 1024,
        tol: float = 0.0,
        max_no_improvement: int | None = 10,
        init_size: int | None = None,
        n_init: int | str = "auto",
        reassignment_ratio: float = 0.01,
        random_state: int | None = None,
    ) -> None:
        # Only the parameters of this signature are set (scikit-learn's rule): no `algorithm`.
        self.n_clusters = n_clusters
        self.init = init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.tol = tol
        self.max_no_improvement = max_no_improvement
        self.init_size = init_size
        self.n_init = n_init
        self.reassignment_ratio = reassignment_ratio
        self.random_state = random_state

    def _settings(self) -> dict[str, Any]:
        return {
            **super()._settings(),
            "batch_size": self.batch_size,
            "max_no_improvement": self.max_no_improvement,
            "init_size": self.init_size,
            "reassignment_ratio": self.reassignment_ratio,
        }

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> "MiniBatchKMeans":
        """Fits on the rows of X (n × d) by random batches, with optional per-row weights."""
        x, names = self._input(X, reset=True)
        w = None if sample_weight is None else _arr(sample_weight)
        self._state, self.labels_, self.inertia_, self.n_iter_, self.n_steps_ = _native.segment_minibatch_fit(x, self._options(), w)
        self._handle = self._state.model
        self._set_columns(names, x.shape[1])
        return self

    def partial_fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> "MiniBatchKMeans":
        """One step on the batch X (the first call initialises from it; later batches must
        have the same columns)."""
        first = getattr(self, "_state", None) is None
        x, names = self._input(X, reset=first)
        w = None if sample_weight is None else _arr(sample_weight)
        self._state = _native.segment_minibatch_partial_fit(getattr(self, "_state", None), x, self._options(), w)
        self._handle = self._state.model
        self.n_steps_ = self._state.steps
        if first:
            self._set_columns(names, x.shape[1])
        return self

    @property
    def counts_(self) -> np.ndarray:
        """Weight absorbed by each centre."""
        return self._state.counts

    def state_json(self) -> str:
        """The training state (centres, counts, steps, settings) as a versioned document."""
        if getattr(self, "_state", None) is None:
            raise coded(NotFittedError, "the model is not fitted; call fit() or partial_fit() first", "SEGMENT_INVALID_OPTION")
        return self._state.to_json()

    @classmethod
    def from_state(cls, document: str) -> "MiniBatchKMeans":
        """Restores a state saved with `state_json`: partial_fit continues it."""
        state = _native.MiniBatchState.from_json(document)  # the core reads and checks it
        model = cls(n_clusters=state.model.k)
        model._state = state
        model._handle = state.model
        model.n_features_in_ = state.model.d
        return model


def _labels(labels: Any) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(labels).reshape(-1).astype(np.int64))


def silhouette_score(X: Any, labels: Any, sample_size: int | None = None, random_state: int | None = None) -> float:
    """Mean silhouette (Euclidean), exact over every pair in O(n) memory; with `sample_size`,
    on a seeded sample of that many rows, as scikit-learn estimates it."""
    return _native.segment_score("silhouette", _matrix(X), _labels(labels), sample_size, random_state)


def calinski_harabasz_score(X: Any, labels: Any) -> float:
    """Calinski–Harabasz index (higher is better)."""
    return _native.segment_score("calinski_harabasz", _matrix(X), _labels(labels))


def davies_bouldin_score(X: Any, labels: Any) -> float:
    """Davies–Bouldin index (lower is better)."""
    return _native.segment_score("davies_bouldin", _matrix(X), _labels(labels))


def k_sweep(
    X: Any,
    k_range: Sequence[int] | range = range(2, 11),
    min_cluster_size: int = 0,
    silhouette_sample: int | None = None,
    gmm: str | None = None,
    **kmeans_params: Any,
) -> pd.DataFrame:
    """Fits `KMeans` for every k in `k_range` and returns a DataFrame indexed by
    k with inertia, silhouette, calinski_harabasz, davies_bouldin, sizes (largest first) and
    meets_min_size; with `gmm="full"` or `"diag"` also the BIC of a Gaussian mixture per k
    (`gmm_bic`). `kmeans_params` are KMeans' (init, n_init, max_iter, tol, random_state)."""
    options = KMeans(**kmeans_params)._options()
    given = {"k_range": list(k_range), "min_cluster_size": min_cluster_size, "silhouette_sample": silhouette_sample, "gmm": gmm}
    rows = json.loads(_native.segment_k_sweep(_matrix(X), options, _json(given, "k_sweep options")))
    return pd.DataFrame(rows).set_index("k")


def lifecycle_stages(
    tenure_days: Any, days_since_last: Any, probability_alive: Any = None, interval_p80_days: Any = None, **rule: Any
) -> pd.Series:
    """Each customer's stage: prospect (NaN tenure: no purchase), new, active, at_risk, lapsed,
    lost. By days since the last purchase (`kind="days"`: new_days, active_days, at_risk_days,
    lost_days), by each customer's own cadence (`kind="cadence"` with `interval_p80_days` from
    the profile, NaN for one purchase day: new_days, min_interval_days,
    single_purchase_interval_days, lapsed_multiple, lost_multiple), or by a value model's
    P(alive) (`kind="alive"`: new_days, active, at_risk, lapsed); thresholds not given keep the
    core's defaults."""
    p = None if probability_alive is None else _arr(probability_alive)
    c = None if interval_p80_days is None else _arr(interval_p80_days)
    names = _native.segment_lifecycle(_arr(tenure_days), _arr(days_since_last), p, c, _json(rule, "lifecycle rule") if rule else None)
    index = next((v.index for v in (tenure_days, days_since_last) if isinstance(v, pd.Series)), None)
    return pd.Series(pd.Categorical(names, categories=_native.segment_stage_names(), ordered=True), index=index, name="stage")


def migration_matrix(before: Any, after: Any) -> pd.DataFrame:
    """Customers by stage in one snapshot (rows) and the next (columns), every stage listed."""
    stages = _native.segment_stage_names()
    counts = _native.segment_migration([str(v) for v in before], [str(v) for v in after])
    return pd.DataFrame(counts, index=pd.Index(stages, name="from"), columns=pd.Index(stages, name="to"))


def portrait(segments: Any, features: pd.DataFrame, top: int | None = None) -> dict[str, pd.DataFrame]:
    """Portraits of a segmentation (画像) against the whole base.

    `segments`: each customer's segment (None/NaN: no segment; counted in the base only);
    `features`: one row per customer. A column whose present values are all numbers is
    numeric, any other categorical (the core's rule, as in Node). Returns
    `{"numeric": ..., "categories": ...}`: per (segment, feature) the customers, share, mean,
    quartiles, index (100 × mean / base mean) and missing count, the base first as segment
    None; and per segment and categorical feature its `top` values (default 3) with share,
    base share and lift.
    """
    seg = texts(pd.Series(segments).tolist())
    # Numeric dtypes hold only numbers: handed over as arrays (the core's rule gives the same).
    numeric = [c for c in features.columns if pd.api.types.is_numeric_dtype(features[c]) and not pd.api.types.is_bool_dtype(features[c])]
    other = [c for c in features.columns if c not in numeric]
    arrays = [_arr(features[c]) for c in numeric]
    given = [_given_values(features[c]) for c in other]
    num_json, cat_json = _native.segment_portrait(seg, [str(c) for c in numeric], arrays, [str(c) for c in other], given, top)
    num = pd.DataFrame(json.loads(num_json))
    cat = pd.DataFrame(json.loads(cat_json), columns=["segment", "feature", "value", "share", "base_share", "lift"])
    if not num.empty:
        num = num.set_index(["segment", "feature"])
    return {"numeric": num, "categories": cat}


class GaussianMixture(DensityMixin, _Estimator):
    """Gaussian mixture by EM with scikit-learn's parameters and attributes (`weights_`,
    `means_`, `covariances_`, `converged_`, `n_iter_`, `lower_bound_`, `n_features_in_`,
    `feature_names_in_`); covariance_type "full" or "diag"; k-means initialisation (kehu's,
    seeded by `random_state`) with any of `weights_init`, `means_init`, `precisions_init` in
    place of its estimates, as scikit-learn does. Fitted models
    save to JSON. With scikit-learn installed, a scikit-learn density estimator, as
    scikit-learn's own GaussianMixture is."""

    _params = ("n_components", "covariance_type", "tol", "reg_covar", "max_iter", "weights_init", "means_init", "precisions_init", "random_state")

    def __init__(
        self,
        n_components: int = 1,
        covariance_type: str = "full",
        tol: float = 1e-3,
        reg_covar: float = 1e-6,
        max_iter: int = 100,
        weights_init: Any = None,
        means_init: Any = None,
        precisions_init: Any = None,
        random_state: int | None = None,
    ) -> None:
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state

    def _options(self) -> str:
        parts = {"weights": self.weights_init, "means": self.means_init, "precisions": self.precisions_init}
        given = {k: _arr(v).tolist() for k, v in parts.items() if v is not None}
        init = {"init": {"kind": "given", **given}} if given else {}
        return _json(
            _with_set(
                {
                    "n_components": self.n_components,
                    "covariance_type": self.covariance_type,
                    "reg_covar": self.reg_covar,
                    "tol": self.tol,
                    "max_iter": self.max_iter,
                    **init,
                },
                random_state=self.random_state,
            ),
            "GaussianMixture",
        )

    def fit(self, X: Any, y: Any = None) -> "GaussianMixture":
        """Fits by EM on the rows of X."""
        x, names = self._input(X, reset=True)
        self._handle, self.converged_, self.n_iter_, self.lower_bound_ = _native.segment_gmm_fit(x, self._options())
        self._set_columns(names, x.shape[1])
        return self

    def _apply(self, what: str, X: Any) -> Any:
        model = self._model()
        return getattr(model, what)(self._input(X)[0])

    @property
    def weights_(self) -> np.ndarray:
        """Mixture weights (k)."""
        return self._model().weights

    @property
    def means_(self) -> np.ndarray:
        """Means, k × d."""
        return self._model().means

    @property
    def covariances_(self) -> np.ndarray:
        """Covariances: k × d × d ("full") or k × d ("diag")."""
        return self._model().covariances

    def predict(self, X: Any) -> np.ndarray:
        """The most probable component of each row."""
        return self._apply("predict", X)

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        """Fits and predicts."""
        return self.fit(X).predict(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Responsibilities, n × k."""
        return self._apply("predict_proba", X)

    def score_samples(self, X: Any) -> np.ndarray:
        """ln p(x) of each row."""
        return self._apply("score_samples", X)

    def score(self, X: Any, y: Any = None) -> float:
        """Mean ln p(x)."""
        return self._apply("score", X)

    def bic(self, X: Any) -> float:
        """Bayesian information criterion (lower is better)."""
        return self._apply("bic", X)

    def aic(self, X: Any) -> float:
        """Akaike information criterion."""
        return self._apply("aic", X)

    @classmethod
    def from_json(cls, document: str) -> "GaussianMixture":
        """A model saved by `to_json`."""
        handle = _native.GaussianMixtureModel.from_json(document)  # the core reads and checks it
        model = cls(n_components=handle.k, covariance_type=handle.covariance_type)
        model._handle = handle
        model.n_features_in_ = handle.d
        return model


def _category_column(values: Any) -> list[str | None]:
    return texts(values)


def _mixed_columns(X: Any, categorical: Any) -> tuple[list[Any], list[int]]:
    """(the columns of a DataFrame or 2-D array: numeric columns as float arrays, others as
    the core's given values in JSON; the categorical column indices), for the core to split."""
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=object))
    if isinstance(categorical, (int, np.integer)):
        categorical = [categorical]
    columns = [frame.iloc[:, j] for j in range(frame.shape[1])]
    plain = pd.api.types.is_numeric_dtype
    given = [_arr(c) if plain(c.dtype) and not pd.api.types.is_bool_dtype(c.dtype) else _given_values(c) for c in columns]
    return given, [int(c) for c in (categorical or [])]


def _frame(X: Any) -> tuple[pd.DataFrame, int]:
    """(X as a DataFrame, the number of dimensions X had): a 1-D X is one column."""
    _refuse_unsupported(X)
    if isinstance(X, pd.DataFrame):
        return X, 2
    a = np.asarray(X, dtype=object)
    ndim = a.ndim
    if ndim == 1:
        a = a.reshape(-1, 1)
    if a.ndim != 2:
        raise coded(_native.SegmentError, f"X must be 2-dimensional, got {ndim} dimensions", _DATA)
    return pd.DataFrame(a), ndim


class KPrototypes(ClusterMixin, _Estimator):
    """k-prototypes for numeric and categorical customer attributes, with kmodes' parameters
    and attributes (`labels_`, `cost_`, `cluster_centroids_`, `n_iter_`, `gamma`), computed by
    kehu's core in batch iterations: `init` "k-prototypes++" (greedy k-means++ on the mixed
    distance; the default, as it reaches lower costs), "Cao" (deterministic, the numeric part
    too), "Huang", "random" or given centres `[numeric k × p, categories k × q]`; `gamma` None (0.5 ×
    the mean standard deviation of the numeric columns), one number, or one per categorical
    column; missing values (NaN/None) leave their column out of a row's distance; categories
    unseen in fitting are handled at predict time. `n_init` None: 1 for Cao, 10 otherwise.
    Where kmodes retries and fails ("could not initialize"), every start here begins from
    distinct rows; `notes_` says when an emptied cluster had to be refilled.

    `categorical` (indices of the categorical columns) is taken from `fit(X, categorical=...)`
    as in kmodes, or else from the parameter of the same name, which `clone`, pipelines and
    searches keep. With scikit-learn installed, a scikit-learn clusterer (as kmodes' is: a
    BaseEstimator and ClusterMixin) tagged for categorical, text and missing input; as in
    kmodes, `fit` replaces a `gamma` of None by the fitted value.
    """

    _params = ("n_clusters", "max_iter", "init", "n_init", "gamma", "random_state", "categorical")

    def __init__(
        self,
        n_clusters: int = 8,
        max_iter: int = 100,
        init: Any = "k-prototypes++",
        n_init: int | None = None,
        gamma: float | Sequence[float] | None = None,
        random_state: int | None = None,
        categorical: int | Sequence[int] | None = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.max_iter = max_iter
        self.init = init
        self.n_init = n_init
        self.gamma = gamma
        self.random_state = random_state
        self.categorical = categorical

    def _options(self) -> str:
        if isinstance(self.init, str):
            init: Any = self.init  # the core reads kmodes' names in any case ("Huang", "cao")
        else:
            numeric, cats = self._given_centres()
            init = {"kind": "centers", "numeric": numeric, "categorical": cats}
        g = getattr(self, "gamma", None)
        if g is None:
            gamma: dict[str, Any] = {"kind": "auto"}
        elif np.ndim(g) == 0:
            gamma = {"kind": "all", "value": g}
        else:
            gamma = {"kind": "per_column", "value": list(g)}
        return _json(
            _with_set(
                {"n_clusters": self.n_clusters, "init": init, "n_init": self.n_init, "max_iter": self.max_iter, "gamma": gamma},
                random_state=self.random_state,
            ),
            type(self).__name__,
        )

    def _given_centres(self) -> tuple[list[float], list[str]]:
        numeric, cats = self.init
        return [float(v) for v in np.asarray(numeric, dtype=np.float64).ravel()], texts(np.asarray(cats, dtype=object).ravel())

    def _split(self, X: Any, categorical: Any) -> tuple[list[Any], list[int]]:
        return _mixed_columns(X, categorical)

    def _mixed(self, X: Any, reset: bool = False) -> tuple[pd.DataFrame, np.ndarray | None]:
        """(X as a DataFrame, its column names) after the column protocol."""
        names = _feature_names(X)
        frame, ndim = _frame(X)
        self._check_columns(names, frame.shape, reset, one_d=ndim == 1)
        return frame, names

    def fit(self, X: Any, y: Any = None, categorical: Any = None, sample_weight: Any = None) -> "KPrototypes":
        """Fits on X (DataFrame or 2-D array); `categorical`: indices of its categorical
        columns (default: the `categorical` parameter)."""
        frame, names = self._mixed(X, reset=True)
        if categorical is None:
            categorical = getattr(self, "categorical", None)
        columns, cats = self._split(frame, categorical)
        w = None if sample_weight is None else _arr(sample_weight)
        self._handle, self.labels_, self.cost_, self.n_iter_, self.notes_ = _native.segment_kprototypes_fit(columns, cats, self._options(), w)
        self._set_columns(names, frame.shape[1])
        if "gamma" in self._params:
            gammas = self._handle.gamma
            self.gamma = gammas[0] if len(set(gammas)) == 1 else np.asarray(gammas)
        return self

    def _scored(self, X: Any, categorical: Any) -> tuple[list[Any], list[int] | None]:
        """X's columns and the categorical indices given (None: the model's fitted layout)."""
        columns, cats = self._split(self._mixed(X)[0], categorical)
        return columns, None if categorical is None else cats

    def predict(self, X: Any, categorical: Any = None) -> np.ndarray:
        """The nearest centre of each row (the lowest index among equally near ones);
        `categorical` absent: the columns that were categorical in the fit."""
        return self._model().predict(*self._scored(X, categorical))[0]

    def fit_predict(self, X: Any, y: Any = None, categorical: Any = None, sample_weight: Any = None) -> np.ndarray:
        """Fits and returns `labels_`."""
        return self.fit(X, categorical=categorical, sample_weight=sample_weight).labels_

    def cost(self, X: Any, categorical: Any = None, sample_weight: Any = None) -> float:
        """Σ weight · distance of the rows of X to their nearest centres."""
        model = self._model()
        w = None if sample_weight is None else _arr(sample_weight)
        return float(model.predict(*self._scored(X, categorical), w)[1])

    @property
    def cluster_centroids_(self) -> np.ndarray:
        """Centres, k × (p + q): the numeric parts, then the modes (as kmodes orders them)."""
        model = self._model()
        modes = np.asarray(model.mode_values, dtype=object).reshape(model.k, model.q)
        return np.hstack([model.numeric_centres.astype(object), modes])

    @classmethod
    def from_json(cls, document: str) -> Any:
        """A model saved by `to_json` (in any binding); it scores tables laid out as the one it
        was fitted on (or pass `categorical` to `predict`)."""
        handle = _native.KPrototypesModel.from_json(document)  # the core reads and checks it
        model = cls(n_clusters=handle.k)
        p, q, gammas = handle.p, handle.q, handle.gamma
        model._handle = handle
        model.n_features_in_ = p + q
        if "gamma" in cls._params:
            model.gamma = gammas[0] if len(set(gammas)) == 1 else np.asarray(gammas)
        return model

    if HAVE_SKLEARN:

        def __sklearn_tags__(self) -> Any:
            tags = super().__sklearn_tags__()
            tags.input_tags.categorical = True  # categorical columns, given by index
            tags.input_tags.string = True  # categories may be text
            tags.input_tags.allow_nan = True  # a missing value leaves its column out of a row's distance
            return tags


class KModes(KPrototypes):
    """k-modes for categorical customer attributes, with kmodes' parameters and attributes
    (`labels_`, `cost_`, `cluster_centroids_`, `n_iter_`): k-prototypes without numeric
    columns and γ = 1, so the cost counts mismatching attributes. Every column of X is
    categorical; given centres are a k × q array of categories. With scikit-learn installed,
    a scikit-learn clusterer (as kmodes' is).
    """

    _params = ("n_clusters", "max_iter", "init", "n_init", "random_state")

    def __init__(
        self,
        n_clusters: int = 8,
        max_iter: int = 100,
        init: Any = "k-prototypes++",
        n_init: int | None = None,
        random_state: int | None = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.max_iter = max_iter
        self.init = init
        self.n_init = n_init
        self.random_state = random_state

    def _given_centres(self) -> tuple[list[float], list[str]]:
        return [], texts(np.asarray(self.init, dtype=object).ravel())

    def _split(self, X: Any, categorical: Any) -> tuple[list[Any], Any]:
        return _mixed_columns(X, None)[0], None  # k-modes: the core takes every column as a category

    def fit(self, X: Any, y: Any = None, sample_weight: Any = None) -> "KModes":  # type: ignore[override]
        """Fits on X (DataFrame or 2-D array of categories)."""
        super().fit(X, categorical=None, sample_weight=sample_weight)
        return self

    def predict(self, X: Any) -> np.ndarray:  # type: ignore[override]
        """The nearest centre of each row."""
        return super().predict(X)

    def fit_predict(self, X: Any, y: Any = None, sample_weight: Any = None) -> np.ndarray:  # type: ignore[override]
        """Fits and returns `labels_`."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def cost(self, X: Any, sample_weight: Any = None) -> float:  # type: ignore[override]
        """Σ weight · mismatches of the rows of X with their nearest modes."""
        return super().cost(X, sample_weight=sample_weight)

    @property
    def cluster_centroids_(self) -> np.ndarray:
        """Modes, k × q."""
        return super().cluster_centroids_


_EPOCH = _dt.date(1970, 1, 1)
_EPOCH_TIME = _dt.datetime(1970, 1, 1)


def _given(v: Any) -> Any:
    """One attribute value as the core's given value (a JSON value): the core decides the
    column's kind from them, by the same rule for every binding."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, float, np.integer, np.floating)):
        if isinstance(v, (int, np.integer)):
            return int(v)
        if np.isnan(v):
            return None  # pandas' missing marker
        return float(v) if np.isfinite(v) else {"other": "infinite number"}
    if isinstance(v, str):
        return v
    if isinstance(v, _decimal.Decimal):
        return _given(float(v)) if not v.is_nan() else None
    if v is pd.NaT:
        return None
    if isinstance(v, _dt.datetime):
        # An instant (naive: taken as UTC, as `iso` takes it); the core keeps its UTC day.
        epoch = _EPOCH_TIME if v.tzinfo is None else _EPOCH_TIME.replace(tzinfo=_dt.timezone.utc)
        return {"time": (v - epoch) // _dt.timedelta(microseconds=1)}
    if isinstance(v, _dt.date):
        return {"date": (v - _EPOCH).days}
    if isinstance(v, np.datetime64):
        return None if np.isnat(v) else {"time": int(v.astype("datetime64[us]").astype(np.int64))}
    if not isinstance(v, (list, tuple, dict, set, np.ndarray)) and pd.isna(v):
        return None
    return {"other": type(v).__name__}


def _given_values(col: pd.Series) -> str:
    """An attribute column as JSON text of the core's given values (calendar dates as days
    since 1970-01-01, date-times as instants in µs, whose UTC day the core keeps)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        # A declared category is text, whatever its categories look like (1, 2, 3 included).
        values: list[Any] = texts(col.tolist())
    elif pd.api.types.is_datetime64_any_dtype(col):
        # Instants as µs since the epoch (a zoned column in UTC); the core keeps the UTC day.
        utc = col.dt.tz_convert("UTC").dt.tz_localize(None) if getattr(col.dt, "tz", None) is not None else col
        micros = utc.to_numpy().astype("datetime64[us]")
        values = [None if np.isnat(v) else {"time": int(v.astype(np.int64))} for v in micros]
    else:
        values = [_given(v) for v in col.tolist()]
    return json.dumps(values)


class Audience:
    """Rule audiences (the CDP audience builder), evaluated by kehu's core.

    `rules`: an `audiences` JSON document, a list of `{"name": ..., "rule": ...}` or a dict
    name -> rule. A rule is a tree of `and` / `or` / `not` over `field` (profile fields),
    `attribute` (customer attributes), `segment` (segmentations passed to `evaluate`), `events`
    (count / sum / avg / min / max / distinct of purchases within the last `within_days`,
    filtered by `where` conditions on the same event) and `audience` (another audience here),
    with operators =, !=, <, <=, >, >=, in, not_in, between, is_missing, is_present. An invalid
    rule raises SegmentError naming the node, e.g. ``audience 'vip', rule.and[2]: ...``.
    """

    def __init__(self, rules: Any) -> None:
        # A document, a list of definitions or rules by name: the core reads each.
        document = rules if isinstance(rules, (str, bytes)) else _json(rules, "audiences")
        self._handle = _native.Audiences.from_json(document)
        self.names = self._handle.names

    def to_json(self) -> str:
        """The audiences as a versioned document (loads in every binding)."""
        return self._handle.to_json()

    def __getstate__(self) -> dict[str, Any]:
        return {"document": self.to_json()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._handle = _native.Audiences.from_json(state.get("document", state.get("_document")))
        self.names = self._handle.names

    def evaluate(
        self,
        transactions: Any = None,
        customer_id_col: str = "customer_id",
        datetime_col: str = "timestamp",
        monetary_value_col: str | None = None,
        *,
        as_of: Any,
        quantity_col: str | None = None,
        order_id_col: str | None = None,
        product_id_col: str | None = None,
        category_col: str | None = None,
        channel_col: str | None = None,
        datetime_format: str | None = None,
        allow_returns: bool | None = None,
        customers: pd.DataFrame | None = None,
        segments: dict[str, pd.Series] | None = None,
    ) -> pd.DataFrame:
        """Membership of every customer (the rows of `customers`, then those found only in
        `transactions`) in every audience, as a boolean DataFrame indexed by customer id.

        Profiles and event windows are computed as of `as_of`; `customers` holds one row per
        customer (`customer_id_col` and typed attribute columns); `segments` maps a
        segmentation name to a Series of labels indexed by customer id. The transactions'
        validation counts are in `frame.attrs["validation"]` (a `kehu.ValidationCounts` dict).
        """
        from . import ValidationReport

        table = cols = None
        if transactions is not None:
            cols = {
                k: v
                for k, v in dict(
                    customer_id=customer_id_col, timestamp=datetime_col, amount=monetary_value_col, quantity=quantity_col,
                    order_id=order_id_col, product_id=product_id_col, category=category_col, channel=channel_col,
                ).items()
                if v is not None
            }
            table = to_arrow(transactions, cols.values())
        ids = attrs = None
        if customers is not None:
            ids = _ids(customers[customer_id_col])
            attrs = [(str(c), _given_values(customers[c])) for c in customers.columns if c != customer_id_col]
        segs = None
        if segments:
            segs = []
            for name, labels in segments.items():
                labels = pd.Series(labels)
                segs.append((str(name), _ids(labels.index), _category_column(labels.tolist())))
        out_ids, names, members, report = self._handle.evaluate(iso(as_of), table, cols, datetime_format, allow_returns, ids, attrs, segs)
        frame = pd.DataFrame({n: np.asarray(m, dtype=bool) for n, m in zip(names, members)}, index=pd.Index(out_ids, name="customer_id"))
        if report:
            frame.attrs["validation"] = ValidationReport._from_native(report).counts()
        return frame

    def __repr__(self) -> str:
        return f"Audience({self.names})"
