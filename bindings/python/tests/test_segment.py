"""Segmentation through Python: RFM scores against the formula and the pandas recipe, the
built-in and CSV segment maps with their totality check, and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kehu
from kehu.segment import KMeans, SegmentMap, rfm_scores, rfm_segments

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"


def mid_rank_scores(v: np.ndarray, bins: int = 5) -> np.ndarray:
    below = (v[None, :] < v[:, None]).sum(axis=1)
    equal = (v[None, :] == v[:, None]).sum(axis=1)
    p = (below + 0.5 * equal) / len(v)
    return np.minimum(bins, 1 + np.floor(bins * p)).astype(int)


def test_mid_rank_scores_follow_the_formula():
    rng = np.random.default_rng(4)
    recency = rng.integers(0, 60, 500).astype(float)  # many ties
    frequency = rng.poisson(2.0, 500).astype(float)
    monetary = rng.gamma(2.0, 30.0, 500).round(0)
    s = rfm_scores(recency, frequency, monetary)
    assert list(s.columns) == ["R", "F", "M"] and s.dtypes.tolist() == [np.int64] * 3
    np.testing.assert_array_equal(s["F"], mid_rank_scores(frequency))
    np.testing.assert_array_equal(s["M"], mid_rank_scores(monetary))
    np.testing.assert_array_equal(s["R"], 6 - mid_rank_scores(recency))
    # Equal values always share a score.
    for col, v in (("R", recency), ("F", frequency)):
        assert s.groupby(v)[col].nunique().max() == 1


@pytest.mark.parametrize("n", [7, 10, 11, 50, 333])
def test_first_matches_the_pandas_recipe(n):
    rng = np.random.default_rng(n)
    values = pd.Series(rng.integers(0, 20, n).astype(float))
    ours = rfm_scores(values, values, values, ties="first")
    pandas_f = pd.qcut(values.rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
    pandas_r = pd.qcut(values.rank(method="first"), 5, labels=[5, 4, 3, 2, 1]).astype(int)
    np.testing.assert_array_equal(ours["F"], pandas_f)
    np.testing.assert_array_equal(ours["R"], pandas_r)
    assert ours.index.equals(values.index)


def test_edges_and_cut_offs():
    s = rfm_scores([10, 30, 200, 400], [1, 2, 5, 12], [0, 50, 100, 1000], recency_edges=[30, 90, 180, 365], frequency_edges=[2, 5, 10], monetary_edges=[100])
    assert s["R"].tolist() == [5, 4, 2, 1]
    assert s["F"].tolist() == [1, 2, 3, 4]
    assert s["M"].tolist() == [1, 1, 2, 2]
    c = rfm_scores(range(10), range(10), range(10), cut_offs=[0.5, 0.9])
    assert c["F"].tolist() == [1] * 5 + [2] * 4 + [3]


def test_builtin_maps():
    rf10 = SegmentMap.builtin("rf10")
    assert rf10.check() == {"unassigned": [], "overlapping": {}}
    assert len(rf10.segments) == 10
    scores = pd.DataFrame({"R": [5, 3, 1, 2], "F": [5, 3, 5, 1], "M": [1, 1, 1, 1]}, index=list("abcd"))
    seg = rfm_segments(scores, "rf10")
    assert seg.tolist() == ["Champions", "Need Attention", "Can't Lose Them", "Hibernating"]
    assert seg.index.tolist() == list("abcd")
    rfm8 = rfm_segments(pd.DataFrame({"R": [5, 5, 1], "F": [5, 3, 5], "M": [5, 4, 4]}), "rfm8")
    assert rfm8.tolist() == ["Champions", "Loyal Customers", "At Risk"]
    assert SegmentMap.builtin("rfm8").check()["unassigned"] == []
    assert SegmentMap.from_json(rf10.to_json()).segments == rf10.segments


def test_the_125_code_table_is_total():
    path = SHARED / "segments" / "rfm_segment_map_125.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent (a fresh clone without ../shared): 125-code map not checked")
    table = SegmentMap.from_code_table(path)
    assert table.check() == {"unassigned": [], "overlapping": {}}
    assert len(table.segments) == 11
    raw = pd.read_csv(path, comment="#")
    seg = rfm_segments(raw[["R", "F", "M"]], str(path))
    assert seg.tolist() == raw["segment"].tolist()


def test_errors_name_row_and_field():
    with pytest.raises(kehu.SegmentError, match="row 1, field 'recency'") as e:
        rfm_scores([1.0, np.nan], [1, 2], [1, 2])
    assert e.value.code == "SEGMENT_INVALID_DATA"
    with pytest.raises(kehu.SegmentError, match="frequency"):
        rfm_scores([1, 2], [1, -2], [1, 2])
    with pytest.raises(kehu.SegmentError, match="unknown variant, expected one of `mid`"):
        rfm_scores([1, 2], [1, 2], [1, 2], ties="average")
    with pytest.raises(kehu.SegmentError, match="rfm125"):
        rfm_segments(pd.DataFrame({"R": [1], "F": [1], "M": [1]}), "rfm125")
    with pytest.raises(kehu.SegmentError, match="row 0, field 'R'"):
        rfm_segments(pd.DataFrame({"R": [0], "F": [1], "M": [1]}), "rf10")
    partial = SegmentMap.from_code_table("5,5,5,555,Champions\n")
    assert rfm_segments(pd.DataFrame({"R": [5, 4], "F": [5, 4], "M": [5, 4]}), partial).tolist() == ["Champions", None]


def _blobs(n=3000, d=4, k=5, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-10, 10, (k, d))
    X = centers[rng.integers(0, k, n)] + rng.normal(0, 1.0, (n, d))
    return X


def test_kmeans_from_given_centres_equals_sklearn():
    sklearn = pytest.importorskip("sklearn.cluster")
    X = _blobs()
    init = X[[0, 1, 2, 3, 4]]  # a poor start: several iterations, tolerance decides the end
    for tol in (1e-4, 0.0):
        ours = KMeans(5, init=init, n_init=1, tol=tol).fit(X)
        ref = sklearn.KMeans(5, init=init, n_init=1, tol=tol, algorithm="lloyd").fit(X)
        np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-10, atol=1e-10)
        np.testing.assert_array_equal(ours.labels_, ref.labels_)
        assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-10)
        assert ours.n_iter_ == ref.n_iter_
    # Weights act as repeated rows.
    w = np.random.default_rng(1).integers(1, 4, len(X)).astype(float)
    ours = KMeans(5, init=init, n_init=1).fit(X, sample_weight=w)
    ref = sklearn.KMeans(5, init=init, n_init=1, algorithm="lloyd").fit(X, sample_weight=w)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-10, atol=1e-10)
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-10)
    assert ours.score(X, sample_weight=w) == pytest.approx(ref.score(X, sample_weight=w), rel=1e-10)
    np.testing.assert_allclose(ours.transform(X[:50]), ref.transform(X[:50]), rtol=1e-10)
    np.testing.assert_array_equal(ours.predict(X[:50]), ref.predict(X[:50]))


def test_kmeans_plus_plus_is_as_good_as_sklearn_and_deterministic():
    sklearn = pytest.importorskip("sklearn.cluster")
    X = _blobs(n=20000, d=6, k=8, seed=3)
    ours = KMeans(8, random_state=5).fit(X)
    ref = sklearn.KMeans(8, n_init=1, random_state=5).fit(X)
    assert ours.inertia_ <= ref.inertia_ * (1 + 1e-9)
    again = KMeans(8, random_state=5).fit(X)
    np.testing.assert_array_equal(again.labels_, ours.labels_)
    assert again.inertia_ == ours.inertia_
    loaded = KMeans.from_json(ours.to_json())
    np.testing.assert_array_equal(loaded.predict(X), ours.labels_)
    assert KMeans(3).get_params()["n_clusters"] == 3 and KMeans().set_params(n_clusters=4).n_clusters == 4
    assert KMeans(8, init="random", random_state=1).fit(X).inertia_ <= ref.inertia_ * 1.05


def test_kmeans_errors():
    X = _blobs(n=20)
    with pytest.raises(kehu.SegmentError, match="row 3, field 'column 1'"):
        bad = X.copy()
        bad[3, 1] = np.nan
        KMeans(2).fit(bad)
    with pytest.raises(kehu.SegmentError, match="k"):
        KMeans(50).fit(X)
    with pytest.raises(kehu.SegmentError, match="columns"):
        KMeans(2).fit(X).predict(X[:, :2])
    with pytest.raises(kehu.SegmentError, match="not fitted"):
        KMeans(2).predict(X)


def test_cluster_scores_equal_sklearn():
    metrics = pytest.importorskip("sklearn.metrics")
    from kehu.segment import calinski_harabasz_score, davies_bouldin_score, k_sweep, silhouette_score

    X = _blobs(n=2000, d=5, k=4, seed=8)
    labels = KMeans(4, random_state=2).fit(X).labels_
    assert silhouette_score(X, labels) == pytest.approx(metrics.silhouette_score(X, labels), rel=1e-10)
    assert calinski_harabasz_score(X, labels) == pytest.approx(metrics.calinski_harabasz_score(X, labels), rel=1e-10)
    assert davies_bouldin_score(X, labels) == pytest.approx(metrics.davies_bouldin_score(X, labels), rel=1e-10)
    # A singleton cluster scores 0 in the silhouette, as in scikit-learn.
    odd = labels.copy()
    odd[0] = 4
    assert silhouette_score(X, odd) == pytest.approx(metrics.silhouette_score(X, odd), rel=1e-10)
    sampled = silhouette_score(X, labels, sample_size=500, random_state=3)
    assert abs(sampled - silhouette_score(X, labels)) < 0.05
    assert sampled == silhouette_score(X, labels, sample_size=500, random_state=3)
    sweep = k_sweep(X, range(2, 7), min_cluster_size=300, gmm="diag", random_state=1)
    assert sweep["gmm_bic"].idxmin() == 4
    assert list(sweep.index) == [2, 3, 4, 5, 6]
    assert sweep["silhouette"].idxmax() == 4
    assert sweep.loc[4, "sizes"] == sorted(np.bincount(labels).tolist(), reverse=True)
    assert set(sweep.columns) >= {"inertia", "silhouette", "calinski_harabasz", "davies_bouldin", "sizes", "meets_min_size"}
    with pytest.raises(kehu.SegmentError, match="clusters in use"):
        silhouette_score(X, np.zeros(len(X)))


def test_golden_segment_vectors():
    import json

    g = json.loads((Path(__file__).resolve().parents[3] / "testdata" / "golden_segment.json").read_text())
    km = KMeans.from_json(json.dumps(g["kmeans"]))
    assert km.predict(np.array(g["points"])).tolist() == g["labels"]
    i = g["rfm_inputs"]
    s = rfm_scores(i["recency"], i["frequency"], i["monetary"])
    assert {c: s[c].tolist() for c in "RFM"} == g["rfm_scores"]
    seg_map = SegmentMap.from_json(json.dumps(g["segment_map"]))
    assert rfm_segments(s, seg_map).tolist() == g["segments"]
    from kehu.segment import Audience, GaussianMixture, KPrototypes

    gm = GaussianMixture.from_json(json.dumps(g["gmm"]))
    pts = np.array(g["points"])
    assert gm.predict(pts).tolist() == g["gmm_components"]
    np.testing.assert_allclose(gm.predict_proba(pts), np.array(g["gmm_probabilities"]), rtol=1e-12, atol=1e-300)

    kp = KPrototypes.from_json(json.dumps(g["kprototypes"]))
    rows = pd.DataFrame([[np.nan if v is None else v for v in n] + c for n, c in zip(g["mixed_numeric"], g["mixed_categories"])])
    assert kp.predict(rows, categorical=[2, 3]).tolist() == g["mixed_labels"]
    c = g["audience_customer"]
    events = pd.DataFrame(c["events"]).assign(customer_id=c["customer_id"])
    a = c["attributes"]
    customers = pd.DataFrame({"customer_id": [c["customer_id"]], "age": [a["age"]], "member": [a["member"]],
                              "region": [a["region"]], "signup": [pd.Timestamp(a["signup"])]})
    got = Audience(json.dumps(g["audiences"])).evaluate(
        events, "customer_id", "timestamp", "amount", category_col="category", channel_col="channel", as_of=c["as_of"],
        customers=customers, segments={"rfm": pd.Series(c["segments"]["rfm"], index=[c["customer_id"]])},
    )
    assert [n for n in got.columns if got.loc[c["customer_id"], n]] == g["audience_members"]


def test_lifecycle_stages_and_migration():
    from kehu.segment import lifecycle_stages, migration_matrix

    tenure = pd.Series([np.nan, 10, 400, 400, 400, 400], index=list("abcdef"))
    since = pd.Series([0, 10, 30, 120, 300, 399], index=list("abcdef"))
    stages = lifecycle_stages(tenure, since)
    assert stages.tolist() == ["prospect", "new", "active", "at_risk", "lapsed", "lost"]
    assert stages.index.tolist() == list("abcdef")
    assert lifecycle_stages(tenure, since, active_days=20).tolist()[2] == "at_risk"
    alive = lifecycle_stages([100, 100, 100], [5, 5, 5], probability_alive=[0.9, 0.3, 0.05], kind="alive")
    assert alive.tolist() == ["active", "lapsed", "lost"]
    later = ["new", "active", "at_risk", "at_risk", "lost", "lost"]
    m = migration_matrix(stages, later)
    assert m.loc["prospect", "new"] == 1 and m.loc["lapsed", "lost"] == 1 and int(m.values.sum()) == 6
    with pytest.raises(kehu.SegmentError, match="row 1, field 'days_since_last'"):
        lifecycle_stages([100, 10], [5, 50])
    with pytest.raises(kehu.SegmentError, match="needs P\\(alive\\)"):
        lifecycle_stages([100], [5], kind="alive")
    with pytest.raises(kehu.SegmentError, match="not a setting"):
        lifecycle_stages([100], [5], active=0.5)


def test_cadence_stages_use_each_customers_p80_gap():
    from kehu.segment import lifecycle_stages

    sim = kehu.simulate(customers=400, seed=3, dirty_rate=0.0, return_rate=0.0)
    tx = sim.transactions
    prof = kehu.profile(tx, "customer_id", "timestamp", "amount", observation_end=sim.observation_end)
    # The profile's p80 gap equals numpy's percentile of the gaps between purchase days.
    days = tx.assign(day=pd.to_datetime(tx["timestamp"]).dt.floor("D")).groupby("customer_id")["day"]
    for cid, d in list(days)[:150]:
        gaps = np.diff(np.unique(d.values)).astype("timedelta64[D]").astype(float)
        got = prof.loc[cid, "interval_p80_days"]
        if len(gaps) == 0:
            assert np.isnan(got)
        else:
            assert got == pytest.approx(np.percentile(gaps, 80), rel=1e-12)
    stages = lifecycle_stages(prof["tenure_days"], prof["days_since_last_purchase"],
                              interval_p80_days=prof["interval_p80_days"], kind="cadence", new_days=0)
    c = np.where(np.isnan(prof["interval_p80_days"]), 90.0, np.maximum(prof["interval_p80_days"], 7.0))
    since = prof["days_since_last_purchase"].to_numpy()
    expected = np.select([since <= c, since <= 2 * c, since <= 4 * c], ["active", "at_risk", "lapsed"], "lost")
    expected = np.where(prof["tenure_days"].to_numpy() <= 0, "new", expected)
    assert stages.tolist() == expected.tolist()
    with pytest.raises(kehu.SegmentError, match="p80"):
        lifecycle_stages(prof["tenure_days"], prof["days_since_last_purchase"], kind="cadence")


def test_portrait_against_pandas():
    from kehu.segment import portrait

    rng = np.random.default_rng(12)
    n = 400
    features = pd.DataFrame({
        "spend": rng.gamma(2.0, 40.0, n),
        "orders": rng.poisson(3.0, n).astype(float),
        "channel": rng.choice(["app", "web", "store"], n, p=[0.5, 0.3, 0.2]),
    })
    features.loc[5, "spend"] = np.nan
    segments = pd.Series(rng.choice(["A", "B", "C"], n))
    segments[7] = None
    p = portrait(segments, features, top=2)
    num = p["numeric"]
    for seg in ["A", "B", "C"]:
        part = features[segments == seg]
        row = num.loc[(seg, "spend")]
        assert row["customers"] == len(part)
        assert row["mean"] == pytest.approx(part["spend"].mean(), rel=1e-12)
        assert row["median"] == pytest.approx(part["spend"].median(), rel=1e-12)
        assert row["p25"] == pytest.approx(part["spend"].quantile(0.25), rel=1e-12)
        assert row["index"] == pytest.approx(100 * part["spend"].mean() / features["spend"].mean(), rel=1e-12)
    flat = num.reset_index()
    base = flat[flat["segment"].isna() & (flat["feature"] == "orders")].iloc[0]
    assert base["customers"] == n and base["index"] == 100
    assert flat[flat["segment"].isna() & (flat["feature"] == "spend")].iloc[0]["missing"] == 1
    cats = p["categories"]
    top_a = cats[(cats.segment == "A") & (cats.feature == "channel")]
    share = features[segments == "A"]["channel"].value_counts(normalize=True)
    assert top_a["value"].tolist() == share.index[:2].tolist()
    np.testing.assert_allclose(top_a["share"], share.values[:2], rtol=1e-12)


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_gaussian_mixture_from_given_start_equals_sklearn(covariance_type):
    mixture = pytest.importorskip("sklearn.mixture")
    from kehu.segment import GaussianMixture

    X = _blobs(n=3000, d=3, k=3, seed=21)
    rng = np.random.default_rng(2)
    means = X[rng.choice(len(X), 3, replace=False)]
    weights = np.full(3, 1 / 3)
    precisions = np.stack([np.eye(3)] * 3) if covariance_type == "full" else np.ones((3, 3))
    kw = dict(n_components=3, covariance_type=covariance_type, weights_init=weights, means_init=means, precisions_init=precisions, max_iter=200, tol=1e-6)
    ours = GaussianMixture(**kw).fit(X)
    ref = mixture.GaussianMixture(**kw).fit(X)
    assert ours.converged_ and ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.means_, ref.means_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours.weights_, ref.weights_, rtol=1e-7)
    np.testing.assert_allclose(ours.covariances_, ref.covariances_, rtol=1e-6, atol=1e-9)
    assert ours.lower_bound_ == pytest.approx(ref.lower_bound_, rel=1e-9)
    np.testing.assert_allclose(ours.score_samples(X[:100]), ref.score_samples(X[:100]), rtol=1e-9)
    np.testing.assert_allclose(ours.predict_proba(X[:100]), ref.predict_proba(X[:100]), atol=1e-9)
    assert ours.bic(X) == pytest.approx(ref.bic(X), rel=1e-9)
    assert ours.aic(X) == pytest.approx(ref.aic(X), rel=1e-9)
    np.testing.assert_array_equal(GaussianMixture.from_json(ours.to_json()).predict(X), ours.predict(X))
    # From kehu's own k-means start, as good as scikit-learn's.
    auto = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(X)
    assert auto.score(X) >= mixture.GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(X).score(X) - 1e-6


@pytest.mark.parametrize("part", ["weights_init", "means_init", "precisions_init"])
def test_gaussian_mixture_takes_any_given_part_as_sklearn_does(part):
    """scikit-learn takes each of weights_init, means_init and precisions_init alone, the rest
    from k-means; kehu does too, and both reach the same mixture on separated blobs."""
    mixture = pytest.importorskip("sklearn.mixture")
    from kehu.segment import GaussianMixture

    X = _blobs(n=3000, d=3, k=3, seed=21)
    given = {
        "weights_init": np.array([0.2, 0.3, 0.5]),
        "means_init": X[np.random.default_rng(2).choice(len(X), 3, replace=False)],
        "precisions_init": np.stack([np.eye(3)] * 3),
    }
    kw = dict(n_components=3, max_iter=300, tol=1e-8, random_state=0, **{part: given[part]})
    ours = GaussianMixture(**kw).fit(X)
    ref = mixture.GaussianMixture(**kw).fit(X)
    assert ours.converged_ and ref.converged_
    order, ref_order = np.argsort(ours.means_[:, 0]), np.argsort(ref.means_[:, 0])
    np.testing.assert_allclose(ours.means_[order], ref.means_[ref_order], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.weights_[order], ref.weights_[ref_order], rtol=1e-5)
    assert ours.lower_bound_ == pytest.approx(ref.lower_bound_, rel=1e-7)
    assert ours.get_params()[part] is given[part]
    with pytest.raises(kehu.SegmentError) as bad:
        GaussianMixture(3, weights_init=[0.5, 0.6, 0.1]).fit(X)
    assert bad.value.code == "SEGMENT_INVALID_OPTION" and "weights_init" in str(bad.value)


def test_minibatch_kmeans_against_scikit_learn():
    sklearn = pytest.importorskip("sklearn.cluster")
    from sklearn.datasets import make_blobs

    from kehu.segment import MiniBatchKMeans

    X, _ = make_blobs(60_000, 5, centers=6, random_state=7)
    ours = MiniBatchKMeans(6, random_state=0).fit(X)
    ref = sklearn.MiniBatchKMeans(6, random_state=0, n_init=1).fit(X)
    full = sklearn.KMeans(6, random_state=0).fit(X)
    # Within 0.1 % of full k-means, as scikit-learn's mini-batch is (both ~1.0001-1.0004 here).
    assert ours.inertia_ <= 1.001 * full.inertia_
    assert ours.inertia_ == pytest.approx(ref.inertia_, rel=1e-3)
    assert ours.inertia_ == pytest.approx(-ours.score(X), rel=1e-12)
    np.testing.assert_array_equal(ours.predict(X), ours.labels_)
    assert ours.n_steps_ < 100 * 59 and ours.n_iter_ >= 1
    # partial_fit over chunks, the state saved and restored between chunks.
    m = MiniBatchKMeans(6, random_state=0)
    for chunk in np.array_split(X, 30):
        m.partial_fit(chunk)
        restored = MiniBatchKMeans.from_state(m.state_json())
        np.testing.assert_array_equal(restored.cluster_centers_, m.cluster_centers_)
    assert m.n_steps_ == 30 and m.counts_.sum() == pytest.approx(60_000)
    assert -m.score(X) <= 1.05 * full.inertia_
    again = MiniBatchKMeans.from_state(m.state_json()).partial_fit(X[:1000])
    assert again.n_steps_ == 31
    with pytest.raises(kehu.SegmentError, match="at least k"):
        MiniBatchKMeans(6).partial_fit(X[:3])


def test_kmeans_algorithms_agree():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(5000, 4)) + rng.integers(0, 3, size=(5000, 1)) * 2.0
    a = KMeans(5, random_state=1, algorithm="lloyd").fit(X)
    b = KMeans(5, random_state=1).fit(X)
    c = KMeans(5, random_state=1, algorithm="elkan").fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.cluster_centers_, c.cluster_centers_)
    assert a.inertia_ == b.inertia_ and a.n_iter_ == b.n_iter_ > 2
    with pytest.raises(ValueError, match="algorithm"):
        KMeans(2, algorithm="fast").fit(X)
    par = KMeans(5, random_state=1, init="k-means||").fit(X)
    assert par.inertia_ <= 1.02 * b.inertia_
