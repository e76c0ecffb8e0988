"""kehu's estimators as scikit-learn estimators (issue 11): scikit-learn's own estimator checks,
pipelines, searches, clone, pickling and set_params with asserted values, and the package
without scikit-learn (a subprocess that cannot import it)."""

from __future__ import annotations

import importlib.util
import json
import pickle
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest

import kehu
from kehu.segment import GaussianMixture, KMeans, KModes, KPrototypes, MiniBatchKMeans

HAVE_SKLEARN = importlib.util.find_spec("sklearn") is not None


def _instances() -> list:
    # Two clusters for the k-prototypes family: several checks give them data with only a
    # handful of distinct rows (categories made from rounded numbers), and k cannot exceed
    # the distinct rows. Column 0 is the categorical one of KPrototypes.
    return [KMeans(), MiniBatchKMeans(), GaussianMixture(), KPrototypes(n_clusters=2, categorical=[0]), KModes(n_clusters=2)]


_FIT1D = "kehu takes a 1-D X as one column (one value per customer, e.g. spend) by design; scikit-learn requires 2-D"
_WEIGHTS = (
    "the check shuffles the weighted rows, and seeding draws rows by position, so the start and the label "
    "numbering differ from the repeated rows' (scikit-learn lists this check as failing for its KMeans too)"
)
EXPECTED_FAILED = {
    "KMeans": {"check_fit1d": _FIT1D, "check_sample_weight_equivalence_on_dense_data": _WEIGHTS},
    "MiniBatchKMeans": {"check_fit1d": _FIT1D, "check_sample_weight_equivalence_on_dense_data": _WEIGHTS},
    "GaussianMixture": {"check_fit1d": _FIT1D},
    "KPrototypes": {
        "check_fit1d": _FIT1D,
        "check_sample_weight_equivalence_on_dense_data": _WEIGHTS,
        "check_estimators_overwrite_params": "as kmodes' KPrototypes, fit replaces gamma=None by the fitted γ, which users read back",
        "check_dont_overwrite_parameters": "as kmodes' KPrototypes, fit replaces gamma=None by the fitted γ, which users read back",
    },
    "KModes": {
        "check_fit1d": _FIT1D,
        "check_sample_weight_equivalence_on_dense_data": _WEIGHTS,
        "check_clustering": "the check clusters continuous blobs, which k-modes reads as categories (each value its own)",
    },
}


def _expected_failed(estimator) -> dict[str, str]:
    return EXPECTED_FAILED[type(estimator).__name__]


# 1. scikit-learn's estimator checks

if HAVE_SKLEARN:
    from sklearn.utils.estimator_checks import parametrize_with_checks

    @parametrize_with_checks(_instances(), expected_failed_checks=_expected_failed, xfail_strict=True)
    def test_sklearn_estimator_checks(estimator, check, monkeypatch) -> None:
        # check_array_api_input (NumPy inputs with array API dispatch on) skips unless
        # SCIPY_ARRAY_API is set, which scikit-learn reads when the check runs: set it so
        # that the check runs (a skip fails in CI) rather than listing it.
        monkeypatch.setenv("SCIPY_ARRAY_API", "1")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the checks' own SkipTestWarning / FutureWarning
            check(estimator)

else:

    def test_sklearn_estimator_checks() -> None:
        pytest.importorskip("sklearn")


_COLUMN_CHECKS = ["check_dataframe_column_names_consistency"]
_TRANSFORMER_CHECKS = [
    "check_get_feature_names_out_error",
    "check_transformer_get_feature_names_out",
    "check_transformer_get_feature_names_out_pandas",
    "check_set_output_transform",
    "check_set_output_transform_pandas",
    "check_global_output_transform_pandas",
    "check_set_output_transform_polars",
    "check_global_set_output_transform_polars",
]


@pytest.mark.parametrize(
    "make, check",
    [(m, c) for m in range(5) for c in _COLUMN_CHECKS] + [(m, c) for m in range(2) for c in _TRANSFORMER_CHECKS],
    ids=lambda v: type(_instances()[v]).__name__ if isinstance(v, int) else v,
)
def test_sklearn_column_and_output_checks(make, check) -> None:
    """The checks scikit-learn runs on its own estimators beyond `parametrize_with_checks`:
    column names (`feature_names_in_`, the warnings and errors on a mismatch), feature names
    out and `set_output` (pandas and polars, per estimator and global)."""
    checks = pytest.importorskip("sklearn.utils.estimator_checks")
    if "polars" in check:
        pytest.importorskip("polars")
    estimator = _instances()[make]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        # The set_output checks fit on a DataFrame and transform an array (and back): the
        # feature-name warnings are scikit-learn's own, as its KMeans gives them there.
        warnings.filterwarnings("ignore", "X (does not have valid|has) feature names", UserWarning)
        getattr(checks, check)(type(estimator).__name__, estimator)


def test_bases_and_tags() -> None:
    base = pytest.importorskip("sklearn.base")
    from sklearn.utils import get_tags

    for est in _instances():
        assert isinstance(est, base.BaseEstimator)
    for cls in (KMeans, MiniBatchKMeans):
        assert issubclass(cls, base.ClusterMixin) and issubclass(cls, base.TransformerMixin)
        assert issubclass(cls, base.ClassNamePrefixFeaturesOutMixin)
        tags = get_tags(cls())
        assert tags.estimator_type == "clusterer" and tags.transformer_tags.preserves_dtype == ["float64"]
        assert not tags.input_tags.sparse and not tags.input_tags.allow_nan and not tags.non_deterministic
    assert issubclass(GaussianMixture, base.DensityMixin) and not issubclass(GaussianMixture, base.ClusterMixin)
    assert get_tags(GaussianMixture()).estimator_type == "density_estimator"
    for cls in (KPrototypes, KModes):
        assert issubclass(cls, base.ClusterMixin) and not issubclass(cls, base.TransformerMixin)
        tags = get_tags(cls())
        assert tags.estimator_type == "clusterer"
        assert tags.input_tags.categorical and tags.input_tags.string and tags.input_tags.allow_nan
    # The parameter list kehu keeps is the constructor's (clone rebuilds from it).
    import inspect

    for cls in (KMeans, MiniBatchKMeans, GaussianMixture, KPrototypes, KModes):
        assert set(cls._params) == set(inspect.signature(cls.__init__).parameters) - {"self"}


# 2. Pipelines, searches, clone, pickling, set_params


def _blobs(n: int = 240, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0, 0.0], [6.0, 1.0, -2.0], [1.0, 8.0, 3.0], [-5.0, 4.0, 7.0]])
    return centres[rng.integers(0, 4, n)] * np.array([1.0, 10.0, 0.1]) + rng.normal(0, 1, (n, 3))


def _inertia(X: np.ndarray, centres: np.ndarray) -> float:
    return float(((X[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).min(axis=1).sum())


def test_pipeline_predicts_as_on_scaled_data() -> None:
    pytest.importorskip("sklearn")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = _blobs()
    pipe = make_pipeline(StandardScaler(), KMeans(3, random_state=4)).fit(X)
    scaled = StandardScaler().fit_transform(X)
    direct = KMeans(3, random_state=4).fit(scaled)
    np.testing.assert_array_equal(pipe.predict(X), direct.predict(scaled))
    np.testing.assert_array_equal(pipe.predict(X), direct.labels_)
    np.testing.assert_allclose(pipe.transform(X), direct.transform(scaled), rtol=1e-12)
    assert pipe.score(X) == pytest.approx(-direct.inertia_, rel=1e-12)
    # set_params through the pipeline, and names through it (DataFrame in, DataFrame out).
    pipe.set_params(kmeans__n_clusters=4).fit(X)
    assert pipe[-1].n_clusters == 4 and len(pipe[-1].cluster_centers_) == 4
    frame = pd.DataFrame(X, columns=["recency", "frequency", "monetary"])
    out = make_pipeline(StandardScaler(), KMeans(2, random_state=0)).set_output(transform="pandas").fit(frame).transform(frame)
    assert list(out.columns) == ["kmeans0", "kmeans1"] and out.index.equals(frame.index)
    # GaussianMixture in a pipeline: predict_proba and score_samples through the scaler.
    gm = make_pipeline(StandardScaler(), GaussianMixture(4, random_state=0)).fit(X)
    np.testing.assert_allclose(gm.predict_proba(X), GaussianMixture(4, random_state=0).fit(scaled).predict_proba(scaled), rtol=1e-10, atol=1e-12)


def test_grid_search_scores_are_held_out_inertia() -> None:
    pytest.importorskip("sklearn")
    from sklearn.model_selection import GridSearchCV, KFold

    X = _blobs()
    search = GridSearchCV(KMeans(), {"n_clusters": [2, 3, 4]}, cv=3).fit(X)
    results = search.cv_results_
    assert np.isfinite(results["mean_test_score"]).all()
    for i, k in enumerate([2, 3, 4]):
        for split, (train, test) in enumerate(KFold(3).split(X)):
            fold = KMeans(k).fit(X[train])
            expected = -_inertia(X[test], fold.cluster_centers_)
            assert results[f"split{split}_test_score"][i] == pytest.approx(expected, rel=1e-10)
    assert search.best_params_ == {"n_clusters": 4}  # the data have four groups
    assert search.best_estimator_.inertia_ == KMeans(4).fit(X).inertia_
    # A density estimator scores the held-out mean log-likelihood.
    gsearch = GridSearchCV(GaussianMixture(random_state=0), {"n_components": [1, 4]}, cv=3).fit(X)
    train, test = next(iter(KFold(3).split(X)))
    held_out = GaussianMixture(4, random_state=0).fit(X[train]).score_samples(X[test]).mean()
    assert gsearch.cv_results_["split0_test_score"][1] == pytest.approx(held_out, rel=1e-10)
    assert gsearch.best_params_ == {"n_components": 4}


def test_clone_set_params_and_not_fitted() -> None:
    pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    km = KMeans(3, init="random", random_state=7).fit(_blobs())
    twin = clone(km)
    assert twin.get_params() == km.get_params() and not hasattr(twin, "labels_")
    assert repr(twin) == "KMeans(init='random', n_clusters=3, random_state=7)"
    with pytest.raises(NotFittedError):
        check_is_fitted(twin)
    check_is_fitted(km)
    check_is_fitted(KMeans.from_json(km.to_json()))
    for est, method in [(KMeans(), "predict"), (MiniBatchKMeans(), "transform"), (GaussianMixture(), "score_samples"),
                        (KPrototypes(), "predict"), (KModes(), "predict")]:
        with pytest.raises(NotFittedError) as info:
            getattr(est, method)(np.zeros((2, 2)))
        assert isinstance(info.value, kehu.SegmentError) and info.value.code == "SEGMENT_INVALID_OPTION"
        assert "not fitted" in str(info.value)
    assert not hasattr(KMeans(), "cluster_centers_") and not hasattr(GaussianMixture(), "means_")
    with pytest.raises(NotFittedError):
        KMeans().get_feature_names_out()
    # set_params: kehu's typed error for an unknown name, chaining otherwise.
    assert KMeans().set_params(n_clusters=5, tol=0.0).get_params()["n_clusters"] == 5
    with pytest.raises(kehu.SegmentError) as info:
        KMeans().set_params(n_cluster=5)
    assert info.value.code == "SEGMENT_INVALID_OPTION"
    # KPrototypes: the categorical columns as a parameter survive clone; gamma as in kmodes.
    df = _mixed()
    kp = KPrototypes(n_clusters=3, categorical=[2, 3], random_state=1)
    again = clone(kp).fit(df)
    np.testing.assert_array_equal(again.labels_, KPrototypes(n_clusters=3, random_state=1).fit(df, categorical=[2, 3]).labels_)
    assert kp.gamma is None and again.gamma == pytest.approx(0.5 * df[["spend", "age"]].to_numpy().std(axis=0).mean(), rel=1e-12)


def _mixed() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    g = rng.integers(0, 3, 300)
    return pd.DataFrame(
        {
            "spend": g * 10.0 + rng.normal(0, 1, 300),
            "age": 30 + g * 5 + rng.normal(0, 1, 300),
            "channel": np.array(["app", "web", "store"])[g],
            "tier": np.where(rng.random(300) < 0.8, np.array(["gold", "silver", "bronze"])[g], "silver"),
        }
    )


def test_pickle_round_trips() -> None:
    pytest.importorskip("sklearn")
    X = pd.DataFrame(_blobs(), columns=["r", "f", "m"])
    df = _mixed()
    fitted = [
        (KMeans(4, random_state=2).set_output(transform="pandas").fit(X), X),
        (MiniBatchKMeans(4, batch_size=64, random_state=2).fit(X), X),
        (GaussianMixture(4, covariance_type="diag", random_state=2).fit(X), X),
        (KPrototypes(n_clusters=3, random_state=2).fit(df, categorical=[2, 3]), df),
        (KModes(n_clusters=3, random_state=2).fit(df[["channel", "tier"]]), df[["channel", "tier"]]),
    ]
    for est, data in fitted:
        back = pickle.loads(pickle.dumps(est))
        assert type(back) is type(est) and back.get_params().keys() == est.get_params().keys()
        assert back.to_json() == est.to_json()
        np.testing.assert_array_equal(back.predict(data), est.predict(data))
        np.testing.assert_array_equal(back.feature_names_in_, est.feature_names_in_)
        assert back.n_features_in_ == est.n_features_in_
    km, back = fitted[0][0], pickle.loads(pickle.dumps(fitted[0][0]))
    pd.testing.assert_frame_equal(back.transform(X), km.transform(X))
    mb = pickle.loads(pickle.dumps(fitted[1][0])).partial_fit(X.iloc[:50])
    assert mb.n_steps_ == fitted[1][0].n_steps_ + 1
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted[2][0])).means_, fitted[2][0].means_)


def test_feature_names_and_columns_are_checked() -> None:
    X = _blobs(60)
    frame = pd.DataFrame(X, columns=["recency", "frequency", "monetary"])
    km = KMeans(2, random_state=0).fit(frame)
    assert list(km.feature_names_in_) == ["recency", "frequency", "monetary"] and km.feature_names_in_.dtype == object
    np.testing.assert_array_equal(km.predict(frame), km.labels_)
    with pytest.raises(kehu.SegmentError, match="Feature names must be in the same order") as info:
        km.predict(frame[["frequency", "recency", "monetary"]])
    assert info.value.code == "SEGMENT_INVALID_DATA"
    with pytest.warns(UserWarning, match="X does not have valid feature names, but KMeans was fitted with feature names"):
        np.testing.assert_array_equal(km.predict(X), km.labels_)
    with pytest.raises(kehu.SegmentError, match="X has 2 features, but KMeans is expecting 3 features") as info:
        with pytest.warns(UserWarning, match="X does not have valid feature names"):
            km.predict(X[:, :2])
    assert info.value.code == "SEGMENT_INVALID_OPTION"
    with pytest.raises(kehu.SegmentError, match="Reshape your data"), pytest.warns(UserWarning):
        km.predict(X[0])
    # The warning points at the caller, not into kehu.
    with pytest.warns(UserWarning) as record:
        km.transform(X)
    assert record[0].filename == __file__
    # A model loaded from JSON knows its column count, not names: a DataFrame is taken silently.
    loaded = KMeans.from_json(km.to_json())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(loaded.predict(frame), km.labels_)
    with pytest.warns(UserWarning, match="X has feature names, but KMeans was fitted without feature names"):
        KMeans(2).fit(X).predict(frame)
    # Fitted on an array again: the names are gone.
    assert not hasattr(KMeans(2).fit(frame).fit(X), "feature_names_in_")
    # Integer column names are no names (as in scikit-learn); mixed ones are refused.
    assert not hasattr(KMeans(2).fit(pd.DataFrame(X)), "feature_names_in_")
    with pytest.raises(TypeError, match="Feature names are only supported if all input features have string names") as info:
        KMeans(2).fit(pd.DataFrame(X, columns=["a", 1, "c"]))
    assert isinstance(info.value, kehu.SegmentError) and info.value.code == "SEGMENT_INVALID_DATA"
    # Input the models cannot take, refused by name and typed.
    sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="sparse input is not supported") as info:
        KMeans(2).fit(sparse.csr_array(X))
    assert info.value.code == "SEGMENT_INVALID_DATA"
    with pytest.raises(kehu.SegmentError, match="Complex data not supported"):
        KMeans(2).fit(X + 1j)
    with pytest.raises(kehu.SegmentError, match=r"row 2, field 'column 1': must be a finite number, got NaN"):
        KMeans(2).fit(np.where(np.arange(X.size).reshape(X.shape) == 7, np.nan, X))


# 3. Without scikit-learn

_WITHOUT_SKLEARN = textwrap.dedent(
    """
    import importlib.abc, json, pickle, sys

    class NoSklearn(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "sklearn" or name.startswith("sklearn."):
                raise ModuleNotFoundError(f"No module named {name!r}")
            return None

    sys.meta_path.insert(0, NoSklearn())
    import numpy as np, pandas as pd
    import kehu
    import kehu.segment as seg
    from kehu.segment import GaussianMixture, KMeans, KModes, KPrototypes, MiniBatchKMeans

    assert not seg.HAVE_SKLEARN and not any(m.split(".")[0] == "sklearn" for m in sys.modules)
    X = np.asarray(json.loads(sys.argv[1]))
    frame = pd.DataFrame(X, columns=["r", "f", "m"])
    km = KMeans(4, random_state=2).fit(frame)
    assert repr(km) == "KMeans(n_clusters=4, random_state=2)" and repr(KMeans()) == "KMeans()"
    assert km.get_params()["n_clusters"] == 4 and km.set_params(tol=0.0) is km
    twin = type(km)(**km.get_params())
    assert not hasattr(twin, "labels_") and twin.get_params() == km.get_params()
    try:
        KMeans().set_params(foo=1)
        raise AssertionError("set_params accepted foo")
    except kehu.SegmentError as e:
        assert e.code == "SEGMENT_INVALID_OPTION"
    try:
        KMeans().predict(X)
        raise AssertionError("predict before fit")
    except AttributeError as e:
        assert isinstance(e, kehu.SegmentError) and e.code == "SEGMENT_INVALID_OPTION"
    assert list(km.feature_names_in_) == ["r", "f", "m"] and km.n_features_in_ == 3
    assert list(km.get_feature_names_out()) == ["kmeans0", "kmeans1", "kmeans2", "kmeans3"]
    out = km.set_output(transform="pandas").transform(frame)
    assert list(out.columns) == ["kmeans0", "kmeans1", "kmeans2", "kmeans3"] and out.index.equals(frame.index)
    assert isinstance(km.set_output(transform="default").fit_transform(X), np.ndarray)
    back = pickle.loads(pickle.dumps(km))
    assert (back.predict(frame) == km.labels_).all()
    gm = GaussianMixture(2, random_state=0).fit(X)
    mb = MiniBatchKMeans(3, batch_size=32, random_state=0).fit(X)
    kp = KPrototypes(n_clusters=2, categorical=[0], random_state=0).fit(np.round(X))
    kmo = KModes(n_clusters=2).fit(np.round(X[:, :2]))
    print(json.dumps({"inertia": km.inertia_, "labels": km.labels_.tolist(), "gmm": gm.lower_bound_,
                      "mb": mb.inertia_, "kp": kp.cost_, "kmodes": kmo.cost_}))
    """
)


def test_package_works_without_sklearn() -> None:
    X = _blobs(120)
    run = subprocess.run(
        [sys.executable, "-c", _WITHOUT_SKLEARN, json.dumps(X.tolist())], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    # The same numbers as with scikit-learn's bases (here, when it is installed).
    km = KMeans(4, random_state=2).fit(X)
    assert got["inertia"] == km.inertia_ and got["labels"] == km.labels_.tolist()
    assert got["gmm"] == GaussianMixture(2, random_state=0).fit(X).lower_bound_
    assert got["mb"] == MiniBatchKMeans(3, batch_size=32, random_state=0).fit(X).inertia_
    assert got["kp"] == KPrototypes(n_clusters=2, categorical=[0], random_state=0).fit(np.round(X)).cost_
    assert got["kmodes"] == KModes(n_clusters=2).fit(np.round(X[:, :2])).cost_
