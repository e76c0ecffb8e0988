"""The Python layer is thin: its visible defaults are the core's, fitted models are native
handles, and what it shows (summaries, intervals, tiers) comes from the core."""

from __future__ import annotations

import copy
import json
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import kehu
from kehu import _native
from kehu.segment import GaussianMixture, KMeans, KModes, KPrototypes, MiniBatchKMeans
from kehu.value import BetaGeo, GammaGamma, holdout_check, value_tiers


def _resolved(estimator: str, given: str | None = None) -> dict:
    return json.loads(_native.resolved_options(estimator, given))


@pytest.mark.parametrize(
    "cls, core",
    [
        (KMeans, "KMeans"),
        (MiniBatchKMeans, "MiniBatchKMeans"),
        (GaussianMixture, "GaussianMixture"),
        (KPrototypes, "KPrototypes"),
        (KModes, "KPrototypes"),
    ],
)
def test_signature_defaults_are_the_cores(cls, core):
    """The scikit-learn/kmodes defaults shown in each signature read, in the core, as the
    core's own defaults (so get_params() shows what a fit really uses)."""
    assert _resolved(core, cls()._options()) == _resolved(core)


def test_lifetimes_clv_defaults_are_the_cores():
    import inspect

    from kehu.lifetimes import GammaGammaFitter

    sig = inspect.signature(GammaGammaFitter.customer_lifetime_value).parameters
    core = _resolved("ClvOptions")
    assert (sig["time"].default, sig["discount_rate"].default) == (core["months"], core["discount_rate"])


def test_rfm_score_defaults_are_the_cores():
    import inspect

    from kehu.segment import rfm_scores

    sig = inspect.signature(rfm_scores).parameters
    core = _resolved("RfmScoreOptions")
    assert (sig["bins"].default, sig["ties"].default) == (core["bins"], core["ties"])


def test_lifetimes_fit_defaults_are_the_cores():
    import inspect

    from kehu.lifetimes import GammaGammaFitter

    core = _resolved("ValueOptions", '{"kind": "gamma_gamma"}')
    fit = inspect.signature(GammaGammaFitter.fit).parameters
    init = inspect.signature(GammaGammaFitter.__init__).parameters
    assert (fit["q_constraint"].default, init["penalizer_coef"].default) == (core["q_constraint"], core["penalizer"])


def _blobs(n: int = 300, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [6.0, 1.0], [1.0, 7.0]])
    return np.vstack([c + rng.normal(size=(n // 3, 2)) for c in centres])


@pytest.mark.parametrize(
    "make, native",
    [
        (lambda X: KMeans(3, random_state=1).fit(X), "KMeansModel"),
        (lambda X: MiniBatchKMeans(3, batch_size=64, random_state=1).fit(X), "KMeansModel"),
        (lambda X: GaussianMixture(3, random_state=1).fit(X), "GaussianMixtureModel"),
    ],
)
def test_fitted_models_are_native_handles_that_pickle(make, native):
    X = _blobs()
    model = make(X)
    assert type(model._model()).__name__ == native
    for clone in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert type(clone._model()).__name__ == native
        np.testing.assert_array_equal(clone.predict(X), model.predict(X))
    handle = pickle.loads(pickle.dumps(model._model()))
    assert handle.to_json() == model.to_json()


def test_kprototypes_handle_gives_centroids_without_reading_the_document():
    frame = pd.DataFrame({"x": [0.0, 0.1, 5.0, 5.2, 0.2, 5.1], "c": list("aabbab")})
    model = KPrototypes(2, init="Cao").fit(frame, categorical=[1])
    assert type(model._model()).__name__ == "KPrototypesModel"
    centroids = model.cluster_centroids_
    assert centroids.shape == (2, 2)
    assert sorted(centroids[:, 1]) == ["a", "b"]
    restored = KPrototypes.from_json(model.to_json())
    np.testing.assert_array_equal(restored.predict(frame), model.predict(frame))


def test_malformed_documents_are_format_errors_with_a_code():
    for cls in (KMeans, GaussianMixture, KPrototypes, BetaGeo):
        with pytest.raises(kehu.FormatError) as e:
            cls.from_json("{not json")
        assert e.value.code == "FORMAT_INVALID"
    gg = GammaGamma().fit([1, 2, 3, 1, 4], [10.0, 22.0, 31.0, 15.0, 12.0])
    with pytest.raises(kehu.FormatError) as e:
        BetaGeo.from_json(gg.to_json())
    assert e.value.code == "FORMAT_WRONG_KIND"


def test_value_handle_scores_at_given_parameters():
    rng = np.random.default_rng(0)
    f = rng.poisson(2, 500).astype(float)
    T = np.full(500, 40.0)
    r = np.where(f > 0, rng.uniform(0, 40, 500), 0.0)
    bg = BetaGeo().fit(f, r, T)
    handle = bg._model()
    same = handle.with_params(list(bg.params_.items()))
    np.testing.assert_allclose(
        same.predict("probability_alive", np.zeros(3), f[:3], r[:3], T[:3]),
        handle.predict("probability_alive", np.zeros(3), f[:3], r[:3], T[:3]),
        rtol=0,
    )
    with pytest.raises(kehu.ValueModelError, match="no parameter 'q'"):
        handle.with_params([("q", 1.0)])
    with pytest.raises(kehu.ValueModelError, match="'b' is missing"):
        handle.with_params([("r", 1.0), ("alpha", 2.0), ("a", 0.5)])


def test_value_tiers_default_is_the_cores():
    values = np.arange(1000.0)
    np.testing.assert_array_equal(value_tiers(values), value_tiers(values, [0.01, 0.05, 0.2]))
    assert np.bincount(value_tiers(values)).tolist() == [10, 40, 150, 800]


def test_lifetimes_summary_bounds_are_the_cores_intervals(cdnow):
    from kehu.lifetimes import BetaGeoFitter
    from kehu.lifetimes.utils import summary_data_from_transaction_data

    lifetimes = pytest.importorskip("lifetimes", reason="lifetimes is not installed")
    s = summary_data_from_transaction_data(cdnow, "id", "date", observation_period_end="1997-09-30", freq="W")
    ours = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    theirs = lifetimes.BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    intervals = ours.confidence_intervals_
    assert list(intervals.columns) == list(theirs.confidence_intervals_.columns)
    core = BetaGeo.confidence_intervals_.fget(ours)  # the core's intervals, as kehu.value gives them
    for name, (lo, hi) in core.items():
        assert (intervals.loc[name, "lower 95% bound"], intervals.loc[name, "upper 95% bound"]) == (lo, hi)
    pd.testing.assert_frame_equal(ours.summary[["lower 95% bound", "upper 95% bound"]], intervals)
    assert list(ours.summary.columns) == list(theirs.summary.columns)
    # lifetimes' standard errors come from its own numerical Hessian: equal to 1%.
    np.testing.assert_allclose(ours.summary["coef"], theirs.summary["coef"], rtol=1e-3)
    np.testing.assert_allclose(ours.summary["se(coef)"], theirs.summary["se(coef)"], rtol=1e-2)


def test_time_options_are_read_by_the_core_alone(cdnow):
    """Text times are the core's to read (ISO 8601, or the datetime format): pandas no longer
    reads 'Sep 30 1997' here, so every binding accepts the same times."""
    with pytest.raises(kehu.DataError) as e:
        kehu.summarize(cdnow, "id", "date", observation_period_end="Sep 30 1997")
    assert e.value.code == "DATA_INVALID_OPTION" and "observation_period_end" in str(e.value)
    iso = kehu.summarize(cdnow, "id", "date", observation_period_end="1997-09-30")
    stamp = kehu.summarize(cdnow, "id", "date", observation_period_end=pd.Timestamp("1997-09-30"))
    pd.testing.assert_frame_equal(iso, stamp)
    # lifetimes' integer YYYYMMDD dates with a datetime format, the end given the same way.
    ymd = cdnow.assign(date=pd.to_datetime(cdnow["date"]).dt.strftime("%Y%m%d").astype("int64"))
    from kehu.lifetimes.utils import summary_data_from_transaction_data

    for end in (19970930, "19970930", pd.Timestamp("1997-09-30")):
        got = summary_data_from_transaction_data(ymd, "id", "date", datetime_format="%Y%m%d", observation_period_end=end)
        np.testing.assert_array_equal(got["T"].to_numpy(), iso["T"].to_numpy())
    lifetimes_utils = pytest.importorskip("lifetimes.utils", reason="lifetimes is not installed")
    theirs = lifetimes_utils.summary_data_from_transaction_data(ymd, "id", "date", datetime_format="%Y%m%d", observation_period_end=19970930)
    np.testing.assert_allclose(got[["frequency", "recency", "T"]].to_numpy(), theirs[["frequency", "recency", "T"]].to_numpy(), rtol=0, atol=1e-12)


def test_attribute_kinds_are_inferred_by_the_core():
    """One rule in every binding: an attribute column has the kind of its first present value;
    another kind later is DATA_WRONG_TYPE naming the attribute and row (as in Node)."""
    from kehu.segment import Audience

    adults = Audience({"adults": {"attribute": "age", "op": ">=", "value": 30}})
    ok = pd.DataFrame({"customer_id": ["a", "b", "c"], "age": pd.Series([40, None, 20], dtype=object)})
    got = adults.evaluate(customers=ok, as_of="2024-02-01")
    assert got["adults"].tolist() == [True, False, False]
    mixed = pd.DataFrame({"customer_id": ["a", "b"], "age": pd.Series([40, "41"], dtype=object)})
    with pytest.raises(kehu.DataError) as e:
        adults.evaluate(customers=mixed, as_of="2024-02-01")
    assert e.value.code == "DATA_WRONG_TYPE" and "'age'" in str(e.value) and "row 1" in str(e.value)
    assert "41" not in str(e.value)
    signup = Audience({"new": {"attribute": "signup", "op": ">=", "value": "2024-01-01"}})
    dates = pd.DataFrame({"customer_id": ["a", "b"], "signup": [pd.Timestamp("2024-01-05"), pd.Timestamp("2023-12-31")]})
    assert signup.evaluate(customers=dates, as_of="2024-02-01")["new"].tolist() == [True, False]
    import datetime as dt

    objects = dates.assign(signup=pd.Series([dt.date(2024, 1, 5), dt.date(2023, 12, 31)], dtype=object))
    assert signup.evaluate(customers=objects, as_of="2024-02-01")["new"].tolist() == [True, False]


def _coded(exc_type, code, fn):
    with pytest.raises(exc_type) as e:
        fn()
    assert getattr(e.value, "code", None) == code, (code, e.value)
    return str(e.value)


def test_new_entry_points_refuse_bad_input_with_a_code():
    """Bad input to what this issue added (native handles, resolved options, time and
    attribute rules, max_frequency defaults): typed errors with codes, no guesses."""
    from kehu.segment import Audience

    rng = np.random.default_rng(1)
    f = rng.poisson(2, 300).astype(float)
    T = np.full(300, 40.0)
    r = np.where(f > 0, rng.uniform(0, 40, 300), 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bg = BetaGeo().fit(f, r, T)
    handle = bg._model()
    names = list(bg.params_)
    for bad in (np.nan, np.inf, -1.0, 0.0):
        _coded(kehu.ValueModelError, "VALUE_INVALID_PARAMETER", lambda: handle.with_params([(n, bad if n == "r" else 1.0) for n in names]))
    _coded(kehu.ValueModelError, "VALUE_INVALID_OPTION", lambda: handle.with_params([]))
    _coded(kehu.FormatError, "FORMAT_WRONG_KIND", lambda: _native.ValueModel.from_json(bg.to_json(), "nonsense"))
    _coded(kehu.SegmentError, "SEGMENT_INVALID_OPTION", lambda: _native.resolved_options("NoSuchEstimator"))
    _coded(kehu.SegmentError, "SEGMENT_INVALID_OPTION", lambda: _native.resolved_options("KMeans", '{"n_clusterz": 3}'))
    # Batch P(alive): NaN, infinite, mismatched and empty input.
    _coded(kehu.ValueModelError, "VALUE_INVALID_DATA", lambda: bg.conditional_probability_alive([1.0, np.nan], [1.0, 1.0], [5.0, 5.0]))
    _coded(kehu.ValueModelError, "VALUE_INVALID_DATA", lambda: bg.conditional_probability_alive([1.0], [1.0], [np.inf]))
    assert len(bg.conditional_probability_alive(np.array([]), np.array([]), np.array([]))) == 0
    # max_frequency: out of range, not whole, huge.
    cal = pd.DataFrame({"frequency_cal": f, "recency_cal": r, "T_cal": T, "frequency_holdout": f, "duration_holdout": np.full(300, 10.0)})
    for bad in (0, -1, 2.5, 10**30):
        _coded(kehu.ValueModelError, "VALUE_INVALID_OPTION", lambda: holdout_check(bg, cal, max_frequency=bad))
    assert len(holdout_check(bg, cal)) == 8  # the core's default, 7 bins and an open one
    # Time options: empty, huge year, impossible date.
    frame = pd.DataFrame({"id": ["a", "a"], "date": ["2024-01-01", "2024-02-01"]})
    for end in ("", "99999-01-01", "2024-02-30"):
        _coded(kehu.DataError, "DATA_INVALID_OPTION", lambda: kehu.summarize(frame, "id", "date", observation_period_end=end))
    # Attribute values: infinite numbers and unsupported objects are typed errors.
    adults = Audience({"adults": {"attribute": "age", "op": ">=", "value": 30}})
    for values in ([40.0, np.inf], [40, [1, 2]], [{"x": 1}, 3]):
        customers = pd.DataFrame({"customer_id": ["a", "b"], "age": pd.Series(values, dtype=object)})
        message = _coded(kehu.DataError, "DATA_WRONG_TYPE", lambda: adults.evaluate(customers=customers, as_of="2024-01-01"))
        assert "'age'" in message
    _coded(kehu.DataError, "DATA_INVALID_OPTION", lambda: adults.evaluate(customers=None, as_of="soon"))



def test_segment_maps_and_audiences_are_native_handles() -> None:
    """Parsed and checked once, held by the core; they pickle through their documents."""
    import pickle

    from kehu.segment import Audience, SegmentMap, rfm_scores, rfm_segments

    seg_map = SegmentMap.builtin("rfm8")
    assert isinstance(seg_map._handle, _native.SegmentMap)
    back = pickle.loads(pickle.dumps(seg_map))
    assert back.segments == seg_map.segments and back.to_json() == seg_map.to_json()
    v = np.arange(40, dtype=float)
    scores = rfm_scores(v, v, v)
    pd.testing.assert_series_equal(rfm_segments(scores, back), rfm_segments(scores, "rfm8"))
    audience = Audience({"big": {"field": "total_spend", "op": ">", "value": 10}})
    assert isinstance(audience._handle, _native.Audiences)
    again = pickle.loads(pickle.dumps(audience))
    assert again.names == ["big"] and again.to_json() == audience.to_json()
    with pytest.raises(kehu.FormatError) as err:
        SegmentMap.from_json("{not json")
    assert err.value.code == "FORMAT_INVALID"


def test_values_become_text_by_the_cores_rule():
    """Categories, labels and ids are written as the core writes them, in every binding: a float
    category 1.0 is "1" (as Node's 1 and an integer 1), True is "true"."""
    from kehu._convert import texts

    got = texts([1.0, 2.5, True, np.int64(3), "x", None, float("nan"), pd.NA, 1e21, np.float32(0.5), -0.0])
    assert got == ["1", "2.5", "true", "3", "x", None, None, None, "1000000000000000000000", "0.5", "0"]
    rng = np.random.default_rng(2)
    num = rng.normal(size=(60, 1))
    cat = rng.integers(0, 3, size=60)
    as_float = pd.DataFrame({"a": num[:, 0], "c": cat.astype(float)})
    as_int = pd.DataFrame({"a": num[:, 0], "c": cat})
    fa = KPrototypes(2, random_state=0, n_init=2).fit(as_float, categorical=[1])
    fi = KPrototypes(2, random_state=0, n_init=2).fit(as_int, categorical=[1])
    np.testing.assert_array_equal(fa.labels_, fi.labels_)
    np.testing.assert_array_equal(fa.predict(as_int, categorical=[1]), fi.labels_)


def test_portrait_feature_kinds_are_the_cores_rule():
    """A column whose present values are all numbers is numeric, whatever its dtype (as in
    Node); any other is categorical, its values written by the core's text rule."""
    from kehu.segment import portrait

    features = pd.DataFrame({
        "spend": pd.Series([1, 2, None, 4], dtype=object),  # numbers in an object column
        "tier": pd.Series([1.0, "gold", True, None], dtype=object),
        "age": [30.0, 40.0, 50.0, np.nan],
    })
    out = portrait(["a", "a", "b", "b"], features)
    assert set(out["numeric"].index.get_level_values("feature")) == {"spend", "age"}
    assert set(out["categories"]["value"]) == {"1", "gold", "true"}
    with pytest.raises(kehu.DataError) as err:
        portrait(["a"], pd.DataFrame({"x": pd.Series([[1]], dtype=object)}))
    assert err.value.code == "DATA_WRONG_TYPE" and "row 0" in str(err.value)


def test_more_visible_defaults_are_the_cores():
    import inspect

    from kehu.lifetimes import BetaGeoFitter
    from kehu.lifetimes import plotting as lplotting
    from kehu.lifetimes import utils as lutils
    from kehu import plotting
    from kehu.segment import k_sweep
    from kehu.value import period_transactions

    sweep = inspect.signature(k_sweep).parameters
    core = _resolved("SweepOptions")
    assert (list(sweep["k_range"].default), sweep["min_cluster_size"].default) == (core["k_range"], core["min_cluster_size"])
    assert (sweep["silhouette_sample"].default, sweep["gmm"].default) == (core["silhouette_sample"], core["gmm"])
    clv = inspect.signature(lutils.customer_lifetime_value).parameters
    core = _resolved("ClvOptions")
    assert (clv["time"].default, clv["discount_rate"].default) == (core["months"], core["discount_rate"])
    for cls in (BetaGeo, GammaGamma):
        assert inspect.signature(cls.__init__).parameters["penalizer"].default == _resolved("ValueOptions", '{"kind": "bgnbd"}')["penalizer"]
    # The plots' max_frequency is the core's default number of bins.
    rng = np.random.default_rng(5)
    T = rng.uniform(10, 40, 400)
    f = np.minimum(rng.poisson(3, 400), np.floor(T)).astype(float)
    model = BetaGeoFitter().fit(f, np.minimum(f, T * rng.uniform(0, 1, 400)), T)
    core_default = period_transactions(model, f, T)
    for fn in (plotting.plot_period_transactions, lplotting.plot_period_transactions):
        shown = inspect.signature(fn).parameters["max_frequency"].default
        pd.testing.assert_frame_equal(period_transactions(model, f, T, max_frequency=shown), core_default)
    # The calibration plots' n is the core's default number of holdout bins.
    r = np.minimum(f, T * rng.uniform(0, 1, 400))
    cal = pd.DataFrame({"frequency_cal": f, "recency_cal": r, "T_cal": T,
                        "frequency_holdout": rng.poisson(1, 400).astype(float), "duration_holdout": np.full(400, 10.0)})
    core_bins = holdout_check(model, cal)
    for fn in (plotting.plot_calibration_purchases_vs_holdout_purchases, lplotting.plot_calibration_purchases_vs_holdout_purchases):
        shown = inspect.signature(fn).parameters["n"].default
        pd.testing.assert_frame_equal(holdout_check(model, cal, max_frequency=shown), core_bins)
    q = inspect.signature(GammaGamma.fit).parameters["q_constraint"].default
    assert q == _resolved("ValueOptions", '{"kind": "gamma_gamma"}')["q_constraint"]
