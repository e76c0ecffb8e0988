"""Value models through Python: CDNOW fits against the papers, predictions and CLV against
lifetimes' formulas at the same parameters, the lifetimes drop-in fitters, persistence, errors."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest

import kehu
from kehu.lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
from kehu.value import BetaGeo, BetaGeoBetaBinom, GammaGamma, ModifiedBetaGeo, ParetoNBD, holdout_check, period_transactions, value_tiers


@pytest.fixture(scope="module")
def weekly(cdnow):
    return kehu.summarize(cdnow, "id", "date", "value", observation_period_end="1997-09-30", freq_multiplier=7)


def test_bgnbd_on_cdnow(weekly):
    bg = BetaGeo().fit(weekly["frequency"], weekly["recency"], weekly["T"])
    for name, published in dict(r=0.243, alpha=4.414, a=0.793, b=2.426).items():
        assert bg.params_[name] == pytest.approx(published, abs=5e-4 + 1e-9)
    assert bg.log_likelihood_ == pytest.approx(-9582.429, abs=1e-3)
    for name, se in dict(r=0.01256, alpha=0.37822, a=0.18573, b=0.70541).items():
        assert bg.standard_errors_[name] == pytest.approx(se, rel=1e-3)
    lo, hi = bg.confidence_intervals_["r"]
    assert lo < bg.params_["r"] < hi
    assert bg.aic_ == pytest.approx(8 + 2 * 9582.429, abs=2e-3)
    assert bg.fit_report_["converged"]


def test_predictions_equal_lifetimes_formulas(weekly):
    lifetimes = pytest.importorskip("lifetimes")
    bg = BetaGeo().fit(weekly["frequency"], weekly["recency"], weekly["T"])
    ref = lifetimes.BetaGeoFitter()
    ref.params_ = pd.Series(bg.params_)
    ref.predict = ref.conditional_expected_number_of_purchases_up_to_time  # what lifetimes' fit sets
    f, r, t = weekly["frequency"], weekly["recency"], weekly["T"]
    got = bg.conditional_expected_number_of_purchases_up_to_time(52, f, r, t)
    assert isinstance(got, pd.Series) and got.index.equals(weekly.index)
    np.testing.assert_allclose(got.values, ref.conditional_expected_number_of_purchases_up_to_time(52, f, r, t).values, rtol=1e-9)
    np.testing.assert_allclose(bg.conditional_probability_alive(f, r, t).values, np.asarray(ref.conditional_probability_alive(f, r, t)), rtol=1e-9)
    assert bg.expected_number_of_purchases_up_to_time(39) == pytest.approx(float(ref.expected_number_of_purchases_up_to_time(39)), rel=1e-9)
    assert bg.probability_of_n_purchases_up_to_time(39, 0) == pytest.approx(float(ref.probability_of_n_purchases_up_to_time(39, 0)), rel=1e-9)

    repeat = weekly[weekly["frequency"] > 0]
    gg = GammaGamma().fit(repeat["frequency"], repeat["monetary_value"])
    for name, published in dict(p=6.25, q=3.74, gamma=15.44).items():
        assert gg.params_[name] == pytest.approx(published, abs=5e-3 + 1e-9)
    assert gg.log_likelihood_ == pytest.approx(-4055.918, abs=1e-3)
    ref_gg = lifetimes.GammaGammaFitter()
    ref_gg.params_ = pd.Series(dict(p=gg.params_["p"], q=gg.params_["q"], v=gg.params_["gamma"]))
    np.testing.assert_allclose(
        gg.conditional_expected_average_profit(repeat["frequency"], repeat["monetary_value"]).values,
        ref_gg.conditional_expected_average_profit(repeat["frequency"], repeat["monetary_value"]).values,
        rtol=1e-12,
    )
    clv = bg.customer_lifetime_value(gg, f, r, t, weekly["monetary_value"], months=12, discount_rate=0.01, units_per_month=4.345)
    ref_clv = ref_gg.customer_lifetime_value(ref, f, r, t, weekly["monetary_value"], time=12, discount_rate=0.01, freq="W")
    np.testing.assert_allclose(clv.values, ref_clv.values, rtol=1e-9)


def test_lifetimes_dropin_fitters(weekly):
    bgf = BetaGeoFitter(penalizer_coef=0.0).fit(weekly["frequency"], weekly["recency"], weekly["T"])
    assert isinstance(bgf.params_, pd.Series) and list(bgf.params_.index) == ["r", "alpha", "a", "b"]
    assert list(bgf.summary.columns) == ["coef", "se(coef)", "lower 95% bound", "upper 95% bound"]
    pred = bgf.predict(4, weekly["frequency"], weekly["recency"], weekly["T"])
    assert pred.shape == (2357,) and (pred >= 0).all()
    penalized = BetaGeoFitter(penalizer_coef=0.1).fit(weekly["frequency"], weekly["recency"], weekly["T"])
    assert penalized.params_["alpha"] < bgf.params_["alpha"]
    repeat = weekly[weekly["frequency"] > 0]
    ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    assert list(ggf.params_.index) == ["p", "q", "v"]  # lifetimes' names
    assert list(ggf.summary.index) == ["p", "q", "v"]
    clv = ggf.customer_lifetime_value(bgf, repeat["frequency"], repeat["recency"], repeat["T"], repeat["monetary_value"], freq="W")
    assert clv.index.equals(repeat.index) and (clv > 0).all()


def test_mbgnbd_and_bgbb(weekly, cdnow_dir):
    mbg = ModifiedBetaGeo().fit(weekly["frequency"], weekly["recency"], weekly["T"])
    for name, published in dict(r=0.525, alpha=6.183, a=0.891, b=1.614).items():
        assert mbg.params_[name] == pytest.approx(published, abs=5e-4 + 1e-9)
    d = pd.read_csv(cdnow_dir / "donations.csv")
    bb = BetaGeoBetaBinom().fit(d["frequency"], d["recency"], d["periods"], weights=d["weights"])
    for name, published in dict(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783).items():
        assert bb.params_[name] == pytest.approx(published, abs=5e-4 + 1e-9)
    assert bb.log_likelihood_ == pytest.approx(-33225.6, abs=0.05)
    # P(X(6) = y) over the donors' 6 opportunities sums to 1; MBG/NBD's against lifetimes.
    probs = bb.probability_of_n_purchases_up_to_time(6, np.arange(7))
    assert probs.sum() == pytest.approx(1.0, rel=1e-12)
    cond = bb.conditional_probability_of_n_purchases_up_to_time(np.arange(6)[:, None], 5, d["frequency"].values, d["recency"].values, d["periods"].values)
    np.testing.assert_allclose(cond.reshape(6, -1).sum(axis=0), 1.0, rtol=1e-12)
    lifetimes = pytest.importorskip("lifetimes")
    ref = lifetimes.ModifiedBetaGeoFitter()
    ref.params_ = pd.Series(mbg.params_)
    for n in (0, 1, 3, 7):
        assert mbg.probability_of_n_purchases_up_to_time(39, n) == pytest.approx(float(ref.probability_of_n_purchases_up_to_time(39, n)), rel=1e-9)


def test_persistence_and_errors():
    bg = BetaGeo().fit([0, 1, 2, 5, 0, 3], [0, 5, 10, 30, 0, 20], [40, 40, 39, 38, 35, 36])
    text = bg.to_json()
    doc = json.loads(text)
    assert doc["kind"] == "bgnbd" and doc["format_version"] == kehu.format_version()
    loaded = BetaGeo.from_json(text)
    assert loaded.params_ == bg.params_
    assert pickle.loads(pickle.dumps(bg)).params_ == bg.params_
    assert loaded.conditional_probability_alive(2, 10, 39) == bg.conditional_probability_alive(2, 10, 39)
    with pytest.raises(kehu.FormatError):
        GammaGamma.from_json(text)
    with pytest.raises(kehu.ValueModelError) as e:
        BetaGeo().fit([1, 2], [5, 50], [40, 40])
    assert e.value.code == "VALUE_INVALID_DATA" and "row 1" in str(e.value)
    with pytest.raises(kehu.ValueModelError):
        BetaGeo().params_
    with pytest.raises(kehu.ValueModelError):
        BetaGeo().fit([1.0, float("nan")], [1, 1], [2, 2])
    with pytest.raises(kehu.ValueModelError) as e:
        BetaGeo.from_json(text).aic_
    assert "loaded" in str(e.value)
    newer = dict(doc, format_version=99)
    with pytest.raises(kehu.FormatError):
        BetaGeo.from_json(json.dumps(newer))


def test_value_tiers():
    tiers = value_tiers(pd.Series([5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 8.0, 4.0, 6.0, 0.0]), [0.1, 0.3])
    assert list(tiers) == [2, 2, 0, 2, 1, 2, 1, 2, 2, 2]
    with pytest.raises(kehu.ValueModelError):
        value_tiers([1.0], [0.5, 0.2])


def test_golden_value_vectors(golden_value):
    g = golden_value
    bg = BetaGeo.from_json(json.dumps(g["bgnbd"]))
    gg = GammaGamma.from_json(json.dumps(g["gamma_gamma"]))
    c = g["customers"]
    f, r, t, m = (np.array(c[k]) for k in ("frequency", "recency", "T", "monetary_value"))
    np.testing.assert_allclose(bg.conditional_expected_number_of_purchases_up_to_time(52, f, r, t), g["expected_purchases_52"], rtol=1e-12)
    np.testing.assert_allclose(bg.conditional_probability_alive(f, r, t), g["probability_alive"], rtol=1e-12)
    o = g["clv_options"]
    clv = bg.customer_lifetime_value(gg, f, r, t, m, months=o["months"], discount_rate=o["discount_rate"], margin=o["margin"], units_per_month=o["units_per_month"])
    np.testing.assert_allclose(clv, g["clv"], rtol=1e-12)
    assert list(value_tiers(clv, [0.1, 0.3])) == g["tiers"]
    pnbd = ParetoNBD.from_json(json.dumps(g["pnbd"]))
    np.testing.assert_allclose(pnbd.conditional_expected_number_of_purchases_up_to_time(52, f, r, t), g["pnbd_expected_purchases_52"], rtol=1e-12)
    np.testing.assert_allclose(pnbd.conditional_probability_alive(f, r, t), g["pnbd_probability_alive"], rtol=1e-12)
    pnbd_clv = pnbd.customer_lifetime_value(gg, f, r, t, m, months=o["months"], discount_rate=o["discount_rate"], margin=o["margin"], units_per_month=o["units_per_month"])
    np.testing.assert_allclose(pnbd_clv, g["pnbd_clv"], rtol=1e-12)
    np.testing.assert_allclose(pnbd.discounted_expected_residual_transactions(g["pnbd_dert_rate"], f, r, t), g["pnbd_dert"], rtol=1e-12)
    np.testing.assert_allclose(pnbd.conditional_probability_of_n_purchases_up_to_time(1, 26, f, r, t), g["pnbd_probability_one_purchase_in_26"], rtol=1e-12)
    np.testing.assert_allclose(bg.probability_of_n_purchases_up_to_time(39, np.arange(5)), g["bgnbd_new_customer_purchases_39"], rtol=1e-12)


def test_pareto_nbd_on_cdnow_against_the_paper_and_lifetimes(weekly):
    f, r, t = weekly["frequency"], weekly["recency"], weekly["T"]
    pnbd = ParetoNBD().fit(f, r, t)
    for name, published in dict(r=0.553, alpha=10.578, s=0.606, beta=11.669).items():
        assert pnbd.params_[name] == pytest.approx(published, abs=5e-4 + 1e-9)
    assert pnbd.log_likelihood_ == pytest.approx(-9594.976, abs=1e-3)
    for name, se in dict(r=0.0476, alpha=0.843, s=0.187, beta=6.21).items():
        assert pnbd.standard_errors_[name] == pytest.approx(se, rel=2e-3)
    fitter = ParetoNBDFitter().fit(f, r, t)
    assert list(fitter.params_.index) == ["r", "alpha", "s", "beta"]
    np.testing.assert_allclose(fitter.predict(52, f, r, t).values, pnbd.conditional_expected_number_of_purchases_up_to_time(52, f, r, t).values, rtol=0)
    assert ParetoNBD.from_json(pnbd.to_json()).params_ == pnbd.params_
    # DERT at 15% a year on weekly data: positive, and larger for the more active customers.
    dert = pnbd.discounted_expected_residual_transactions(np.log(1.15) / 52, f, r, t)
    assert (dert > 0).all() and dert[f > 5].mean() > dert[f == 0].mean()

    lifetimes = pytest.importorskip("lifetimes")
    ref = lifetimes.ParetoNBDFitter()
    ref.params_ = pd.Series(pnbd.params_)
    np.testing.assert_allclose(pnbd.conditional_probability_alive(f, r, t).values, np.asarray(ref.conditional_probability_alive(f, r, t)), rtol=1e-9)
    np.testing.assert_allclose(
        pnbd.conditional_expected_number_of_purchases_up_to_time(52, f, r, t).values,
        np.asarray(ref.conditional_expected_number_of_purchases_up_to_time(52, f, r, t)),
        rtol=1e-9,
    )
    assert pnbd.expected_number_of_purchases_up_to_time(39) == pytest.approx(float(ref.expected_number_of_purchases_up_to_time(39)), rel=1e-12)
    # P(n purchases in the next 26 weeks) for every 10th customer against lifetimes' eq. 16.
    sample = weekly.iloc[::10]
    for n in (0, 1, 4):
        ours = pnbd.conditional_probability_of_n_purchases_up_to_time(n, 26, sample["frequency"], sample["recency"], sample["T"])
        theirs = [float(ref.conditional_probability_of_n_purchases_up_to_time(n, 26, x, tx, T)) for x, tx, T in sample[["frequency", "recency", "T"]].itertuples(index=False)]
        np.testing.assert_allclose(ours.values, theirs, rtol=1e-8, atol=1e-300)
    assert ours.index.equals(sample.index)


def test_simulate_from_a_fitted_model_and_refit():
    truth = dict(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    model = ParetoNBD.from_json(json.dumps({"format_version": 1, "kind": "pnbd", **truth}))
    T = np.linspace(26, 52, 50_000)
    sim = model.simulate(T, seed=3)
    assert list(sim.columns) == ["frequency", "recency", "T"] and len(sim) == 50_000
    pd.testing.assert_frame_equal(sim, model.simulate(T, seed=3))
    refit = ParetoNBD().fit(sim["frequency"], sim["recency"], sim["T"])
    for name, value in truth.items():
        assert abs(refit.params_[name] - value) <= 3 * refit.standard_errors_[name]
    gg = GammaGamma.from_json(json.dumps({"format_version": 1, "kind": "gamma_gamma", "p": 6.25, "q": 3.74, "gamma": 15.44}))
    spend = gg.simulate(np.full(1000, 3.0), seed=1)
    assert (spend > 0).all() and len(spend) == 1000
    with pytest.raises(kehu.ValueModelError):
        gg.simulate([0.0])


@pytest.fixture(scope="module")
def calibration_holdout(cdnow):
    return kehu.calibration_and_holdout(cdnow, "id", "date", "1997-09-30", observation_period_end="1998-06-30", freq_multiplier=7)


def test_holdout_and_period_checks(calibration_holdout):
    ch = calibration_holdout
    f, r, t = ch["frequency_cal"], ch["recency_cal"], ch["T_cal"]
    bg = BetaGeo().fit(f, r, t)
    table = holdout_check(bg, ch, max_frequency=7)
    assert list(table.index) == list(range(8)) and table["open_ended"].tolist() == [False] * 7 + [True]
    assert table["customers"].sum() == len(ch)
    # The same means as lifetimes' calibration-vs-holdout plot computes (first 7 bins), and
    # the open-ended bin holds the rest.
    pred = bg.conditional_expected_number_of_purchases_up_to_time(ch["duration_holdout"], f, r, t)
    bins = np.minimum(f, 7)
    np.testing.assert_allclose(table["predicted"], pred.groupby(bins).mean(), rtol=1e-12)
    np.testing.assert_allclose(table["actual"], ch["frequency_holdout"].groupby(bins).mean(), rtol=1e-12)
    assert table.attrs["actual_total"] == ch["frequency_holdout"].sum()
    assert table.attrs["predicted_total"] == pytest.approx(pred.sum(), rel=1e-12)
    assert table.attrs["mean_absolute_error"] == pytest.approx((pred - ch["frequency_holdout"]).abs().mean(), rel=1e-12)

    periods = period_transactions(bg, f, t, max_frequency=7)
    assert periods["actual"].tolist() == [float((bins == k).sum()) for k in range(8)]
    assert periods["predicted"].sum() == pytest.approx(len(ch), rel=1e-9)
    expected0 = sum(bg.probability_of_n_purchases_up_to_time(T, 0) for T in t)
    assert periods["predicted"].iloc[0] == pytest.approx(expected0, rel=1e-10)
    with pytest.raises(kehu.ValueModelError):
        holdout_check(bg, ch, max_frequency=0)


def test_plots_draw_the_core_tables(calibration_holdout):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from kehu import plotting

    ch = calibration_holdout
    bg = BetaGeo().fit(ch["frequency_cal"], ch["recency_cal"], ch["T_cal"])
    ax = plotting.plot_calibration_purchases_vs_holdout_purchases(bg, ch, n=5)
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), holdout_check(bg, ch, max_frequency=5)["predicted"])
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "5+"
    ax = plotting.plot_period_transactions(bg, ch["frequency_cal"], ch["T_cal"])
    assert len(ax.patches) == 16
    ax = plotting.plot_frequency_recency_matrix(bg, T=5)
    z = ax.images[0].get_array()
    assert z.shape == (int(ch["T_cal"].max()) + 1, int(ch["frequency_cal"].max()) + 1)
    assert z[-1, -1] == pytest.approx(bg.conditional_expected_number_of_purchases_up_to_time(5, z.shape[1] - 1, z.shape[0] - 1, z.shape[0] - 1))
    ax = plotting.plot_probability_alive_matrix(bg, max_frequency=10, max_recency=20)
    p = ax.images[0].get_array()
    assert p.shape == (21, 11) and float(p.min()) >= 0 and float(p.max()) <= 1
    with pytest.raises(ValueError, match="max_frequency"):
        plotting.plot_probability_alive_matrix(BetaGeo.from_json(bg.to_json()))


def test_lifetimes_notebook_plots(calibration_holdout):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from kehu.lifetimes.plotting import (
        plot_calibration_purchases_vs_holdout_purchases,
        plot_frequency_recency_matrix,
        plot_period_transactions,
        plot_probability_alive_matrix,
    )

    ch = calibration_holdout
    bgf = BetaGeoFitter().fit(ch["frequency_cal"], ch["recency_cal"], ch["T_cal"])
    assert list(bgf.data.columns) == ["frequency", "recency", "T", "weights"] and len(bgf.data) == len(ch)
    ax = plot_period_transactions(bgf)
    heights = [p.get_height() for p in ax.patches]
    table = period_transactions(bgf, ch["frequency_cal"], ch["T_cal"])
    np.testing.assert_allclose(heights, list(table["actual"]) + list(table["predicted"]))
    plot_calibration_purchases_vs_holdout_purchases(bgf, ch, n=6)
    plot_frequency_recency_matrix(bgf)
    plot_probability_alive_matrix(bgf)
    with pytest.raises(ValueError, match="recency_cal"):
        plot_calibration_purchases_vs_holdout_purchases(bgf, ch, kind="recency_cal")


def test_pickles_of_the_json_layout_still_load(weekly):
    """Earlier kehu pickled a value model as its JSON text (`_json`); such pickles still load."""
    bg = BetaGeo().fit(weekly["frequency"], weekly["recency"], weekly["T"])
    old = BetaGeo()
    old.__dict__ = {"penalizer": 0.0, "_json": bg.to_json(), "_report": None}
    back = pickle.loads(pickle.dumps(old))
    assert back.params_ == bg.params_
    np.testing.assert_array_equal(
        back.conditional_probability_alive(weekly["frequency"], weekly["recency"], weekly["T"]),
        bg.conditional_probability_alive(weekly["frequency"], weekly["recency"], weekly["T"]),
    )
    fresh = pickle.loads(pickle.dumps(bg))
    assert fresh.params_ == bg.params_ and fresh.log_likelihood_ == bg.log_likelihood_
