"""Progress of long calls (issue 15): `kehu.progress` passes the core's reports to a callback
or draws bars; segment maps refuse scores binned for another range; calibration counts rows
after the end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kehu
from kehu.segment import GaussianMixture, KMeans, SegmentMap, k_sweep, rfm_scores, rfm_segments, silhouette_score
from kehu.value import BetaGeo


def _blobs(n: int = 20_000, d: int = 4) -> np.ndarray:
    return np.random.default_rng(7).normal(size=(n, d))


def _record(f) -> list[tuple[str, int, int]]:
    seen: list[tuple[str, int, int]] = []
    with kehu.progress(lambda stage, done, total: seen.append((stage, done, total))):
        f()
    return seen


def _check_stages(seen: list[tuple[str, int, int]]) -> dict[str, list[tuple[int, int]]]:
    by_stage: dict[str, list[tuple[int, int]]] = {}
    for stage, done, total in seen:
        assert isinstance(stage, str) and isinstance(done, int) and isinstance(total, int)
        assert 0 <= done <= total
        by_stage.setdefault(stage, []).append((done, total))
    for stage, reports in by_stage.items():
        # Every stage ends with done == total.
        assert reports[-1][0] == reports[-1][1], (stage, reports)
    return by_stage


def test_kmeans_reports_seeding_and_runs_to_their_end() -> None:
    X = _blobs()
    seen = _record(lambda: KMeans(n_clusters=64, n_init=2, random_state=1).fit(X))
    stages = _check_stages(seen)
    assert set(stages) == {"k-means++ seeding", "k-means"}
    # The k-means stage covers n_init × max_iter iterations.
    assert stages["k-means"][-1] == (600, 600)
    assert stages["k-means++ seeding"][-1] == (64, 64)


def test_other_long_calls_report() -> None:
    X = _blobs(4_000, 3)
    labels = KMeans(n_clusters=4, random_state=1).fit_predict(X)
    assert "silhouette" in _check_stages(_record(lambda: silhouette_score(X, labels)))
    assert "gaussian mixture" in _check_stages(_record(lambda: GaussianMixture(3, random_state=1).fit(X)))
    assert "k sweep" in _check_stages(_record(lambda: k_sweep(X, range(2, 5))))
    sim = kehu.simulate(customers=2_000, seed=1, dirty_rate=0.0)
    s = kehu.summarize(sim.transactions, "customer_id", "timestamp", "amount")
    assert "value fit" in _check_stages(_record(lambda: BetaGeo().fit(s["frequency"], s["recency"], s["T"])))


def test_no_reports_outside_the_block_and_the_previous_callback_returns() -> None:
    X = _blobs(2_000, 2)
    outer: list[str] = []
    inner: list[str] = []
    with kehu.progress(lambda s, d, t: outer.append(s)):
        with kehu.progress(lambda s, d, t: inner.append(s)):
            KMeans(n_clusters=3, random_state=1).fit(X)
        n_inner = len(inner)
        KMeans(n_clusters=3, random_state=1).fit(X)
    KMeans(n_clusters=3, random_state=1).fit(X)
    assert n_inner > 0 and len(inner) == n_inner
    assert outer and set(outer) <= {"k-means++ seeding", "k-means"}


def test_default_bars_are_drawn_on_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    with kehu.progress():
        KMeans(n_clusters=8, random_state=1).fit(_blobs(5_000, 3))
    assert "k-means" in capfd.readouterr().err


def test_results_do_not_depend_on_progress() -> None:
    X = _blobs(5_000, 3)
    plain = KMeans(n_clusters=5, random_state=3).fit(X)
    with kehu.progress(lambda *a: None):
        watched = KMeans(n_clusters=5, random_state=3).fit(X)
    assert np.array_equal(plain.cluster_centers_, watched.cluster_centers_)
    assert plain.inertia_ == watched.inertia_


def test_segment_maps_refuse_scores_binned_for_another_range() -> None:
    v = np.arange(200.0)
    for bins in (2, 100):
        scores = rfm_scores(v, v, v, bins=bins)
        assert scores.attrs["bins"] == [bins] * 3
        for name in ("rf10", "rfm8"):
            with pytest.raises(kehu.SegmentError) as info:
                rfm_segments(scores, name)
            assert info.value.code == "SEGMENT_SCORE_RANGE_MISMATCH"
    five = rfm_scores(v, v, v)
    assert rfm_segments(five, "rf10").notna().all()
    # Scores a user made (no bins recorded) are checked score by score.
    own = pd.DataFrame({"R": [1, 5], "F": [2, 5], "M": [3, 5]})
    assert rfm_segments(own, SegmentMap.builtin("rf10")).tolist() == ["Hibernating", "Champions"]
    with pytest.raises(kehu.SegmentError) as info:
        rfm_segments(pd.DataFrame({"R": [6], "F": [1], "M": [1]}), "rf10")
    assert info.value.code == "SEGMENT_SCORE_OUT_OF_RANGE"


def test_calibration_and_holdout_counts_rows_after_the_end() -> None:
    tx = pd.DataFrame(
        {
            "id": ["a", "a", "b", "a", "b"],
            "ts": ["2024-01-01", "2024-02-01", "2024-01-15", "2024-04-01", "2024-09-01"],
        }
    )
    ch = kehu.calibration_and_holdout(tx, "id", "ts", "2024-03-01", observation_period_end="2024-06-30")
    assert ch.attrs["rows_after_end"] == 1
    assert ch.loc["a", "frequency_holdout"] == 1.0
    everything = kehu.calibration_and_holdout(tx, "id", "ts", "2024-03-01")
    assert everything.attrs["rows_after_end"] == 0


def test_a_callback_that_raises_stops_the_call_with_its_exception() -> None:
    X = _blobs(200_000, 4)

    class Stop(Exception):
        pass

    def stop(stage: str, done: int, total: int) -> None:
        raise Stop(stage)

    with kehu.progress(stop):
        with pytest.raises(Stop):
            KMeans(n_clusters=2_000, random_state=1).fit(X)
    # The stop request does not outlive the call.
    assert KMeans(n_clusters=3, random_state=1).fit(X[:1000]).labels_.shape == (1000,)
