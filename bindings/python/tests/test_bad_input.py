"""Bad input to the Python package (issue 15): every failure is a typed `kehu.KehuError` with a
code, and accepted input is converted without losing or inventing values."""

from __future__ import annotations

import copy
import json
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import kehu
from kehu.lifetimes import GammaGammaFitter
from kehu.segment import (
    Audience,
    GaussianMixture,
    KMeans,
    KModes,
    KPrototypes,
    MiniBatchKMeans,
    SegmentMap,
    k_sweep,
    portrait,
    silhouette_score,
)
from kehu.value import BetaGeo, GammaGamma, holdout_check, period_transactions

FAR_DATES = ["0001-01-01", "2999-01-01", "9999-12-31"]
MALFORMED = ["{not json", "[]", "null", '{"format_version": 1}', 5, None]


def _raises(cls: type, code: str, f, *args, **kwargs) -> kehu.KehuError:
    with pytest.raises(cls) as info:
        f(*args, **kwargs)
    assert isinstance(info.value, kehu.KehuError)
    assert info.value.code == code
    return info.value


def _tx() -> pd.DataFrame:
    return pd.DataFrame({"id": ["a", "a", "b"], "ts": ["2020-01-01", "2020-01-05", "2020-01-02"], "amt": [1.0, 2.0, 3.0]})


@pytest.fixture(scope="module")
def bg() -> BetaGeo:
    return BetaGeo().fit([1, 2, 0, 3, 1], [5, 10, 0, 20, 3], [30, 30, 30, 30, 30])


@pytest.fixture(scope="module")
def gg() -> GammaGamma:
    return GammaGamma().fit([1, 2, 3, 1], [10, 20, 30, 15])


# 1. Timestamps pandas cannot hold as datetime64[ns]


def test_profile_keeps_timestamps_of_years_1_to_9999() -> None:
    tx = pd.DataFrame({"id": ["a", "a", "b"], "ts": FAR_DATES, "amt": [1.0, 2.0, 3.0]})
    frame = kehu.profile(tx, "id", "ts", "amt")
    assert str(frame["first_purchase"].dtype) == "datetime64[us]"
    assert frame.loc["a", "first_purchase"] == pd.Timestamp(np.datetime64("0001-01-01", "us"))
    assert frame.loc["a", "last_purchase"] == pd.Timestamp(np.datetime64("2999-01-01", "us"))
    assert frame.loc["b", "last_purchase"] == pd.Timestamp(np.datetime64("9999-12-31", "us"))


def test_incremental_profile_keeps_far_timestamps() -> None:
    p = kehu.IncrementalProfile()
    p.add("9999-12-30", 1.0)
    out = p.profile("x", "9999-12-31")
    assert out["first_purchase"] == pd.Timestamp(np.datetime64("9999-12-30", "us"))


def test_audience_date_attributes_of_far_years() -> None:
    customers = pd.DataFrame({"customer_id": ["a"], "signup": pd.Series(np.array(["2999-01-01"], dtype="datetime64[us]"))})
    rules = {"late": {"attribute": "signup", "op": ">", "value": "2500-01-01"}}
    got = Audience(rules).evaluate(as_of="2999-06-01", customers=customers)
    assert bool(got.loc["a", "late"])


# 2. NaN ids are missing ids; integral float ids are the integer's text


def test_nan_float_id_is_rejected_as_missing() -> None:
    tx = pd.DataFrame({"id": [1.0, np.nan], "ts": ["2020-01-01", "2020-01-02"], "amt": [1.0, 2.0]})
    report = kehu.validate(tx, "id", "ts", "amt")
    assert report.accepted == 1
    assert report.rejected[["row", "field", "reason"]].values.tolist() == [[1, "customer_id", "missing"]]
    _raises(kehu.DataError, "DATA_REJECTED_ROW", kehu.validate, tx, "id", "ts", "amt", strict=True)


def test_integral_float_ids_are_the_integer_text() -> None:
    tx = pd.DataFrame({"id": [1.0, 2.5, 1.0], "ts": ["2020-01-01", "2020-01-02", "2020-01-03"], "amt": [1.0, 2.0, 3.0]})
    assert sorted(kehu.profile(tx, "id", "ts", "amt").index) == ["1", "2.5"]
    assert kehu.summarize(tx, "id", "ts", "amt").index.tolist() == ["1", "2.5"]
    ints = tx.assign(id=[1, 3, 1])
    assert sorted(kehu.profile(ints, "id", "ts", "amt").index) == ["1", "3"]


def test_audience_customer_ids_convert_like_transaction_ids() -> None:
    tx = pd.DataFrame({"customer_id": [1.0, 2.0], "timestamp": ["2020-01-01", "2020-01-02"]})
    rules = {"all": {"field": "orders", "op": ">=", "value": 0}}
    got = Audience(rules).evaluate(tx, as_of="2020-02-01", customers=pd.DataFrame({"customer_id": [1.0, 2.0]}))
    assert sorted(got.index) == ["1", "2"]
    missing = pd.DataFrame({"customer_id": [1.0, np.nan]})
    _raises(kehu.DataError, "DATA_INVALID_OPTION", Audience(rules).evaluate, tx, as_of="2020-02-01", customers=missing)

    # A segmentation whose index has a missing id is the core's error by row, not "not in the table".
    labels = pd.Series(["x", "y"], index=[1.0, np.nan])
    e = _raises(kehu.SegmentError, "SEGMENT_INVALID_DATA", Audience(rules).evaluate, tx, as_of="2020-02-01", segments={"rfm": labels})
    assert "row 1" in str(e) and "customer id is missing" in str(e)


def test_documents_and_shorthands_are_read_by_the_core() -> None:
    rule = {"field": "orders", "op": ">=", "value": 1}
    by_name = Audience({"zeta": rule, "alpha": rule})
    assert by_name.names == ["zeta", "alpha"]
    assert Audience([{"name": "zeta", "rule": rule}, {"name": "alpha", "rule": rule}]).to_json() == by_name.to_json()
    assert Audience(by_name.to_json()).to_json() == by_name.to_json()
    # Text shorthands are read like the objects (the same rule in every binding).
    assert Audience(json.dumps({"zeta": rule, "alpha": rule})).names == ["zeta", "alpha"]
    _raises(kehu.FormatError, "FORMAT_INVALID", Audience, 5)
    tx = pd.DataFrame({"customer_id": ["a", "b"], "timestamp": ["2024-01-01", "2024-01-02"], "amount": [600.0, 5.0]})
    def tags_of(tags):
        return kehu.profile(tx, "customer_id", "timestamp", "amount", tags=tags)["tags"].tolist()
    want = tags_of({"vip": "total_spend >= 500"})
    assert want == [["vip"], []]
    assert tags_of([{"name": "vip", "when": "total_spend >= 500"}]) == want
    assert tags_of(json.dumps({"tags": [{"name": "vip", "when": "total_spend >= 500"}]})) == want
    _raises(kehu.ProfileError, "PROFILE_INVALID_RULE", tags_of, {"vip": "total_spen >= 500"})


# 3. Malformed documents and negative counts


@pytest.mark.parametrize("doc", MALFORMED)
@pytest.mark.parametrize(
    "load",
    [
        KMeans.from_json,
        KPrototypes.from_json,
        KModes.from_json,
        GaussianMixture.from_json,
        MiniBatchKMeans.from_state,
        BetaGeo.from_json,
        GammaGamma.from_json,
        SegmentMap.from_json,
        kehu.IncrementalProfile.from_json,
    ],
)
def test_malformed_documents_are_format_invalid(load, doc) -> None:
    _raises(kehu.FormatError, "FORMAT_INVALID", load, doc)


def test_malformed_audiences_and_tags_are_format_invalid() -> None:
    _raises(kehu.FormatError, "FORMAT_INVALID", Audience, "{not json")
    _raises(kehu.FormatError, "FORMAT_INVALID", kehu.profile, _tx(), "id", "ts", "amt", tags="{not json")
    _raises(kehu.FormatError, "FORMAT_INVALID", kehu.profile, _tx(), "id", "ts", "amt", tags=5)


def test_documents_still_load_from_their_own_json() -> None:
    x = np.arange(20, dtype=float).reshape(10, 2)
    km = KMeans(n_clusters=2).fit(x)
    again = KMeans.from_json(km.to_json())
    assert again.n_clusters == 2 and again.n_features_in_ == 2
    assert (again.predict(x) == km.predict(x)).all()
    assert KMeans.from_json(km.to_json().encode()).n_clusters == 2
    mb = MiniBatchKMeans(n_clusters=2, batch_size=4).fit(x)
    assert MiniBatchKMeans.from_state(mb.state_json()).n_features_in_ == 2
    gm = GaussianMixture(n_components=2, covariance_type="diag").fit(x)
    assert GaussianMixture.from_json(gm.to_json()).covariance_type == "diag"
    mixed = pd.DataFrame({"x": [1.0, 2.0, 10.0, 11.0], "c": ["a", "a", "b", "b"]})
    kp = KPrototypes(n_clusters=2).fit(mixed, categorical=[1])
    assert KPrototypes.from_json(kp.to_json())._model().categorical_columns == [1]
    # The layout travels with the model: categories first loads and scores without being told.
    flipped = mixed[["c", "x"]]
    first = KPrototypes(n_clusters=2).fit(flipped, categorical=[0])
    loaded = KPrototypes.from_json(first.to_json())
    assert loaded._model().categorical_columns == [0]
    np.testing.assert_array_equal(loaded.predict(flipped), first.labels_)


def test_clv_negative_months_is_a_value_error(bg, gg) -> None:
    _raises(kehu.ValueModelError, "VALUE_INVALID_OPTION", bg.customer_lifetime_value, gg, [1], [5], [30], [10], months=-1)
    _raises(kehu.ValueModelError, "VALUE_INVALID_OPTION", bg.customer_lifetime_value, gg, [1], [5], [30], [10], months=1.5)
    _raises(kehu.ValueModelError, "VALUE_INVALID_OPTION", bg.customer_lifetime_value, gg, [1], [5], [30], [10], discount_rate="x")


def test_portrait_negative_top_is_a_segment_error() -> None:
    features = pd.DataFrame({"x": [1.0, 2.0], "c": ["u", "v"]})
    _raises(kehu.SegmentError, "SEGMENT_INVALID_OPTION", portrait, ["a", "b"], features, top=-1)


def test_other_negative_counts_and_seeds_are_typed(bg) -> None:
    x = np.random.default_rng(0).random((10, 2))
    labels = [0, 1] * 5
    ch = pd.DataFrame({"frequency_cal": [1.0], "recency_cal": [1.0], "T_cal": [5.0], "frequency_holdout": [1.0], "duration_holdout": [3.0]})
    cases = [
        (kehu.ValueModelError, "VALUE_INVALID_OPTION", lambda: bg.simulate([10, 20], seed=-1)),
        (kehu.ValueModelError, "VALUE_INVALID_OPTION", lambda: holdout_check(bg, ch, max_frequency=-1)),
        (kehu.ValueModelError, "VALUE_INVALID_OPTION", lambda: period_transactions(bg, [1, 2], [10, 10], max_frequency=-1)),
        (kehu.ProfileError, "PROFILE_INVALID_OPTION", lambda: kehu.profile(_tx(), "id", "ts", "amt", top_n=-1)),
        (kehu.ProfileError, "PROFILE_INVALID_OPTION", lambda: kehu.profile(_tx(), "id", "ts", "amt", trend_periods=-1)),
        (kehu.ProfileError, "PROFILE_INVALID_OPTION", lambda: kehu.profile(_tx(), "id", "ts", "amt", trend_period_days=-1)),
        (kehu.SegmentError, "SEGMENT_INVALID_OPTION", lambda: silhouette_score(x, labels, sample_size=-1)),
        (kehu.SegmentError, "SEGMENT_INVALID_OPTION", lambda: silhouette_score(x, labels, sample_size=5, random_state=-1)),
        (kehu.SegmentError, "SEGMENT_INVALID_OPTION", lambda: k_sweep(x, [-1])),
        (kehu.SegmentError, "SEGMENT_INVALID_OPTION", lambda: k_sweep(x, [2], min_cluster_size=-1)),
        (kehu.SegmentError, "SEGMENT_INVALID_OPTION", lambda: SegmentMap.builtin("rf10").check(bins=-1)),
        (kehu.SegmentError, "SEGMENT_INVALID_OPTION", lambda: KMeans(n_clusters=-1).fit(x)),
        (kehu.SegmentError, "SEGMENT_INVALID_OPTION", lambda: KMeans(n_clusters=2.5).fit(x)),
    ]
    for cls, code, f in cases:
        _raises(cls, code, f)


# 4. profile frames merge, concatenate, copy and pickle


def test_profile_frames_merge_and_concatenate() -> None:
    tx = pd.concat([_tx(), pd.DataFrame({"id": ["c"], "ts": ["not a date"], "amt": [1.0]})], ignore_index=True)
    frame = kehu.profile(tx, "id", "ts", "amt")
    counts = frame.attrs["validation"]
    assert counts == {"total_rows": 4, "accepted": 3, "rejected": 1, "by_reason": counts["by_reason"]}
    assert counts.accepted == 3 and sum(counts.counts_by_reason().values()) == 1
    json.dumps(frame.attrs)
    assert pd.concat([frame, frame]).shape[0] == 2 * len(frame)
    assert frame.merge(frame, left_index=True, right_index=True).shape[0] == len(frame)
    assert pickle.loads(pickle.dumps(frame)).attrs == frame.attrs
    assert copy.deepcopy(frame).attrs == frame.attrs
    same, report = kehu.profile(tx, "id", "ts", "amt", with_report=True)
    assert report.rejected["row"].tolist() == [3]
    assert report.counts() == counts


# 5. summarize surfaces the rows after the observation end


def test_summarize_counts_rows_after_end() -> None:
    tx = pd.DataFrame({"id": ["a", "b"], "ts": ["2020-01-01", "2020-03-02"], "amt": [1.0, 2.0]})
    s = kehu.summarize(tx, "id", "ts", "amt", observation_period_end="2020-02-01")
    assert len(s) == 1
    assert s.attrs["rows_after_end"] == 1 and isinstance(s.attrs["rows_after_end"], int)
    assert kehu.summarize(tx, "id", "ts", "amt").attrs["rows_after_end"] == 0


# More of the same kind


def test_unsupported_inputs_are_data_errors() -> None:
    _raises(kehu.DataError, "DATA_INVALID_OPTION", kehu.summarize, [1, 2], "id", "ts", "amt")
    _raises(kehu.DataError, "DATA_INVALID_OPTION", kehu.summarize, _tx(), "id", "ts", "amt", observation_period_end=5)
    _raises(kehu.ProfileError, "PROFILE_INVALID_OPTION", kehu.summarize, _tx(), "id", "ts", "amt", freq_multiplier="x")


def test_incremental_add_bad_amount_is_a_profile_error() -> None:
    _raises(kehu.ProfileError, "PROFILE_INVALID_EVENT", kehu.IncrementalProfile().add, "2020-01-01", "x")
    _raises(kehu.ProfileError, "PROFILE_INVALID_EVENT", kehu.IncrementalProfile().add, None, 1.0)


def test_value_model_misuse_is_typed(bg, gg) -> None:
    _raises(kehu.ValueModelError, "VALUE_INVALID_DATA", BetaGeo().fit, ["a"], [1], [1])
    _raises(kehu.ValueModelError, "VALUE_INVALID_OPTION", BetaGeo().set_params, foo=1)
    _raises(kehu.ValueModelError, "VALUE_INVALID_OPTION", lambda: BetaGeo().params_)
    _raises(kehu.ValueModelError, "VALUE_INVALID_OPTION", BetaGeo(penalizer="x").fit, [1, 2], [1, 2], [3, 3])
    _raises(kehu.FormatError, "FORMAT_WRONG_KIND", GammaGamma.from_json, bg.to_json())
    _raises(kehu.ValueModelError, "VALUE_INVALID_OPTION", GammaGammaFitter().fit([1, 2, 3, 1], [10, 20, 30, 15]).customer_lifetime_value, bg, [1], [5], [30], [10], freq="Q")
    _raises(kehu.ValueModelError, "VALUE_INVALID_DATA", kehu.value.value_tiers, [1, 2, 3], cut_offs=["x"])


def test_segment_misuse_is_typed() -> None:
    x = np.random.default_rng(0).random((10, 2))
    _raises(kehu.SegmentError, "SEGMENT_INVALID_OPTION", KMeans().predict, [[1, 2]])
    _raises(kehu.SegmentError, "SEGMENT_INVALID_OPTION", KMeans(init="zz").fit, x)
    _raises(kehu.SegmentError, "SEGMENT_INVALID_OPTION", KMeans().set_params, foo=1)
    _raises(kehu.SegmentError, "SEGMENT_INVALID_DATA", KMeans().fit, np.zeros((2, 2, 2)))
    _raises(kehu.SegmentError, "SEGMENT_INVALID_DATA", KMeans().fit, [["a", "b"]])
    _raises(kehu.SegmentError, "SEGMENT_INVALID_OPTION", GaussianMixture(weights_init=[0.5]).fit, x)  # weights must sum to 1
    frame = pd.DataFrame({"x": ["a", "b"], "c": ["a", "b"]})
    _raises(kehu.SegmentError, "SEGMENT_INVALID_OPTION", KPrototypes(n_clusters=2).fit, frame, categorical=[5])
    _raises(kehu.SegmentError, "SEGMENT_INVALID_DATA", KPrototypes(n_clusters=2).fit, frame, categorical=[1])
    # The core's table split: no rows, an infinite number.
    _raises(kehu.SegmentError, "SEGMENT_INVALID_OPTION", KPrototypes(n_clusters=2).fit, pd.DataFrame({"a": [], "b": []}), categorical=[1])
    infinite = pd.DataFrame({"a": [1.0, np.inf], "b": ["x", "y"]})
    _raises(kehu.SegmentError, "SEGMENT_INVALID_DATA", KPrototypes(n_clusters=2).fit, infinite, categorical=[1])


def test_simulation_settings_are_typed() -> None:
    _raises(kehu.SimulateError, "SIMULATE_INVALID_CONFIG", kehu.simulate, customers=-1)
    _raises(kehu.SimulateError, "SIMULATE_INVALID_CONFIG", kehu.simulate, customers=object())
    assert len(kehu.simulate(customers=np.int64(5), seed=np.int64(1)).customers) == 5


# --- Ctrl-C (issue 15, item 3) --------------------------------------------------------------

_INTERRUPT_SCRIPT = r"""
import os, signal, sys, threading, time
import numpy as np
import kehu
from kehu.segment import KMeans

which = sys.argv[1]
rng = np.random.default_rng(0)
if which == "kmeans":
    X = rng.normal(size=(200_000, 4))
else:
    import pandas as pd
    n = 1_000_000
    df = pd.DataFrame({
        "customer": rng.integers(0, 100_000, n).astype(str),
        "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365 * 24 * 3600, n), unit="s"),
        "amount": rng.uniform(1, 100, n),
    })
threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
start = time.monotonic()
try:
    if which == "kmeans":
        KMeans(n_clusters=20000, n_init=1, random_state=0).fit(X)
    else:
        # The first profile call of the process, then more: each is short, so the interrupt
        # lands inside one (or between two) and must surface as KeyboardInterrupt.
        for _ in range(1000):
            kehu.profile(df, "customer", "date", "amount")
    print("FINISHED", time.monotonic() - start)
except KeyboardInterrupt:
    print("INTERRUPTED", time.monotonic() - start)
"""


@pytest.mark.parametrize("which", ["kmeans", "profile"])
def test_ctrl_c_stops_long_calls_with_keyboard_interrupt(tmp_path, which):
    import subprocess
    import sys

    script = tmp_path / "interrupt.py"
    script.write_text(_INTERRUPT_SCRIPT)
    out = subprocess.run(
        [sys.executable, str(script), which], capture_output=True, text=True, timeout=300
    )
    assert "PanicException" not in out.stderr, out.stderr[-2000:]
    assert out.stdout.startswith("INTERRUPTED"), (out.stdout, out.stderr[-2000:])
    # Raised within a few seconds of the signal (sent at 1 s), not after the whole fit.
    assert float(out.stdout.split()[1]) < 30.0, out.stdout


# ---- segmentation (issue 15, segment/): user numbers are never sizes; maps check score ranges ----


def test_one_large_cluster_label_is_a_label_not_a_size():
    from kehu.segment import calinski_harabasz_score, davies_bouldin_score

    X = (np.arange(100, dtype=float) % 17).reshape(50, 2) * 0.5
    small = np.array([0] * 25 + [1] * 25)
    large = np.where(small == 1, 10**9, 0)
    for score in (silhouette_score, calinski_harabasz_score, davies_bouldin_score):
        assert score(X, large) == score(X, small)
    with pytest.raises(kehu.KehuError) as e:
        silhouette_score(X, np.full(50, 10**9))
    assert e.value.code == "SEGMENT_INVALID_OPTION"


def test_segment_maps_refuse_scores_of_another_range():
    from kehu.segment import rfm_scores, rfm_segments

    v = np.arange(200, dtype=float)
    assert rfm_segments(rfm_scores(v, v, v, bins=5), "rf10").notna().all()
    for name in ("rf10", "rfm8"):
        # The scores carry their bins (attrs), so a map for another range is refused whether the
        # scores fall outside it (100 bins) or inside (2 bins).
        for bins in (100, 2):
            scores = rfm_scores(v, v, v, bins=bins)
            assert scores.attrs["bins"] == [bins, bins, bins]
            with pytest.raises(kehu.KehuError) as e:
                rfm_segments(scores, name)
            assert e.value.code == "SEGMENT_SCORE_RANGE_MISMATCH"
            assert "recency score" in str(e.value) and "1…5" in str(e.value) and f"1…{bins}" in str(e.value)
        # Scores without bins are still checked one by one.
        with pytest.raises(kehu.KehuError) as e:
            rfm_segments(pd.DataFrame({"R": [6], "F": [1], "M": [1]}), name)
        assert e.value.code == "SEGMENT_SCORE_OUT_OF_RANGE"
        assert "recency score" in str(e.value)
    # A check over more scores than the map takes is an error, not bins³ work.
    with pytest.raises(kehu.KehuError) as e:
        SegmentMap.builtin("rf10").check(bins=10**6)
    assert e.value.code == "SEGMENT_INVALID_OPTION"


# ---- value models (issue 15, value/): T = 0 customers fit, predictions check their inputs,
# ---- overflowing amounts are rejected, unidentified and boundary fits say so ----


def _value_doc(kind: str, **params: float) -> str:
    return json.dumps({"format_version": kehu.format_version(), "kind": kind, **params})


def test_customers_first_seen_on_the_last_day_fit_bgnbd():
    from kehu.lifetimes import BetaGeoFitter

    # The data: the profile of a simulated base has customers whose first (and only)
    # purchase is on the last day, T = 0; lifetimes fits them (their likelihood term is 1).
    sim = kehu.simulate(customers=10000, seed=1)
    p = kehu.profile(sim.transactions, "customer_id", "timestamp", "amount")
    zero = p["T"] == 0
    assert zero.sum() >= 1
    assert (p.loc[zero, "frequency"] == 0).all() and (p.loc[zero, "recency"] == 0).all()
    rest = p[~zero]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bg = BetaGeo().fit(p["frequency"], p["recency"], p["T"])
        without = BetaGeo().fit(rest["frequency"], rest["recency"], rest["T"])
        fitter = BetaGeoFitter().fit(p["frequency"], p["recency"], p["T"])
    assert bg.fit_report_["converged"] and fitter.fit_report_["converged"]
    assert bg.fit_report_["customers"] == len(p)
    assert bg.standard_errors_ is not None
    for name, value in without.params_.items():
        assert bg.params_[name] == pytest.approx(value, rel=1e-6)
    assert bg.log_likelihood_ == pytest.approx(without.log_likelihood_, abs=1e-6)
    assert fitter.params_.to_dict() == bg.params_
    assert np.isfinite(fitter.summary["se(coef)"]).all()


def test_value_predictions_check_their_inputs_with_row_and_field():
    bg = BetaGeo.from_json(_value_doc("bgnbd", r=0.243, alpha=4.414, a=0.793, b=2.426))
    pn = kehu.value.ParetoNBD.from_json(_value_doc("pnbd", r=0.553, alpha=10.578, s=0.606, beta=11.669))
    gg = GammaGamma.from_json(_value_doc("gamma_gamma", p=6.25, q=3.74, gamma=15.44))
    for m in (bg, pn):
        e = _raises(kehu.ValueModelError, "VALUE_INVALID_DATA", m.conditional_probability_alive, 3, 40, 30)
        assert "row 0" in str(e) and "'recency'" in str(e)
        e = _raises(kehu.ValueModelError, "VALUE_INVALID_DATA", m.conditional_probability_alive, [3, 3, 3], [1, 2, 40], [30, 30, 30])
        assert "row 2" in str(e) and "'recency'" in str(e)
        e = _raises(kehu.ValueModelError, "VALUE_INVALID_DATA", m.conditional_probability_alive, 3, 4, -30)
        assert "row 0" in str(e) and "'T'" in str(e)
        e = _raises(kehu.ValueModelError, "VALUE_INVALID_DATA", m.conditional_probability_alive, 1.5, 4, 30)
        assert "'frequency'" in str(e)
        e = _raises(kehu.ValueModelError, "VALUE_INVALID_OPTION", m.conditional_expected_number_of_purchases_up_to_time, -1, 3, 4, 30)
        assert "'horizon'" in str(e)
        e = _raises(kehu.ValueModelError, "VALUE_INVALID_OPTION", m.expected_number_of_purchases_up_to_time, -1)
        assert "'t'" in str(e)
        # A customer first seen at the end of the observation is scored: alive for sure.
        assert m.conditional_probability_alive(0, 0, 0) == 1.0
    # Gamma-Gamma: negative spend of a repeat buyer is refused with its row.
    e = _raises(kehu.ValueModelError, "VALUE_INVALID_DATA", gg.conditional_expected_average_profit, 2, -5)
    assert "row 0" in str(e) and "'monetary_value'" in str(e)
    e = _raises(kehu.ValueModelError, "VALUE_INVALID_DATA", gg.conditional_expected_average_profit, [2, 3], [5, -5])
    assert "row 1" in str(e) and "'monetary_value'" in str(e)
    _raises(kehu.ValueModelError, "VALUE_INVALID_DATA", gg.conditional_expected_average_profit, -1, 5)
    _raises(kehu.ValueModelError, "VALUE_INVALID_DATA", gg.conditional_expected_average_profit, 2, np.nan)
    # No repeat transactions: the population mean p·γ/(q − 1), whatever the spend given.
    mean = 6.25 * 15.44 / (3.74 - 1.0)
    got = gg.conditional_expected_average_profit([0, 0], [0, 37])
    assert got == pytest.approx([mean, mean], rel=1e-12)
    # CLV checks the spend of every row too, and names the first bad one.
    e = _raises(kehu.ValueModelError, "VALUE_INVALID_DATA", bg.customer_lifetime_value, gg, [1, 2], [3, 5], [30, 30], [20, -104])
    assert "row 1" in str(e) and "'monetary_value'" in str(e)


def test_amounts_whose_sums_would_overflow_are_rejected_not_summed():
    tx = pd.DataFrame({"id": ["a", "a", "a", "b"], "ts": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"], "amt": [1e308, 1e308, 1e308, 5.0]})
    report = kehu.validate(tx, "id", "ts", "amt")
    assert (report.total_rows, report.accepted) == (4, 1)
    assert report.counts_by_reason() == {"too_large": 3}
    assert report.rejected[["row", "field"]].values.tolist() == [[0, "amount"], [1, "amount"], [2, "amount"]]
    frame = kehu.profile(tx, "id", "ts", "amt")
    assert frame.index.tolist() == ["b"]
    assert frame.loc["b", "total_spend"] == 5.0
    # No inf anywhere (the intervals of a one-purchase customer are NaN: there are none).
    assert not np.isinf(frame.select_dtypes("number").to_numpy()).any()
    assert frame.attrs["validation"]["by_reason"] == {"too_large": 3}
    # The lifetimes summary refuses the row instead of summing to inf.
    e = _raises(kehu.DataError, "DATA_REJECTED_ROW", kehu.summarize, tx, "id", "ts", "amt")
    assert "row 0" in str(e) and "'amount'" in str(e)
    # And Gamma-Gamma refuses such spend at its input.
    e = _raises(kehu.ValueModelError, "VALUE_INVALID_DATA", GammaGamma().fit, [2, 3], [1e308, 1e308])
    assert "row 0" in str(e)


def test_no_repeat_purchases_is_not_identified():
    from kehu.lifetimes import BetaGeoFitter, ParetoNBDFitter
    from kehu.value import BetaGeoBetaBinom, ModifiedBetaGeo, ParetoNBD

    z = [0.0] * 10
    for cls in (BetaGeo, ModifiedBetaGeo, ParetoNBD, BetaGeoBetaBinom, BetaGeoFitter, ParetoNBDFitter):
        e = _raises(kehu.ValueModelError, "VALUE_NOT_IDENTIFIED", cls().fit, z, z, [30.0] * 10)
        assert "repeat purchase" in str(e), cls


def test_pareto_nbd_at_its_limit_ends_and_says_so():
    from kehu.value import ParetoNBD

    # No evidence of heterogeneity: lifetimes returns r, alpha → ∞; so does kehu, saying so.
    with pytest.warns(RuntimeWarning) as record:
        m = ParetoNBD().fit([0, 1, 2, 3, 0, 5, 1, 7, 2, 0], [0, 5, 10, 20, 0, 28, 3, 29, 15, 0], [30] * 10)
    assert m.fit_report_["converged"] is False
    assert m.standard_errors_ is None
    messages = [str(w.message) for w in record]
    assert all(msg.startswith("ParetoNBD: ") for msg in messages)
    assert any("without bound" in msg for msg in messages), messages
    assert any("no standard errors" in msg for msg in messages), messages
    # The purchase rate r/alpha is still estimated (lifetimes: 0.1280 at its limit).
    assert m.params_["r"] / m.params_["alpha"] == pytest.approx(0.128, abs=0.002)
    assert np.isfinite(m.log_likelihood_)


def test_malformed_score_bins_are_a_typed_error():
    from kehu.segment import rfm_scores, rfm_segments

    v = np.arange(50, dtype=float)
    for bad in ("five", [5, 5], [5, -1, 5], 5.5):
        scores = rfm_scores(v, v, v, bins=5)
        scores.attrs["bins"] = bad
        with pytest.raises(kehu.SegmentError) as e:
            rfm_segments(scores, "rf10")
        assert e.value.code == "SEGMENT_INVALID_OPTION" and "bins" in str(e.value)
