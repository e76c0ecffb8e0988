"""kehu's summaries against lifetimes itself, on the CDNOW sample (every customer, 1e-9)."""

from __future__ import annotations

import pandas as pd
import pytest

import kehu
from kehu.lifetimes import utils as kutils

lifetimes_utils = pytest.importorskip("lifetimes.utils", reason="lifetimes is not installed")

CASES = [
    dict(freq="D", freq_multiplier=7, observation_period_end="1997-09-30"),
    dict(freq="W", observation_period_end="1997-09-30"),
    dict(freq="D"),
    dict(freq="D", include_first_transaction=True, observation_period_end=pd.Timestamp("1997-12-31")),
]


@pytest.mark.parametrize("kwargs", CASES)
def test_summary_equals_lifetimes(cdnow, kwargs):
    expected = lifetimes_utils.summary_data_from_transaction_data(cdnow, "id", "date", monetary_value_col="value", **kwargs)
    got = kutils.summary_data_from_transaction_data(cdnow, "id", "date", monetary_value_col="value", **kwargs)
    assert len(got) == 2357
    pd.testing.assert_frame_equal(got, expected, rtol=1e-9, atol=1e-9)


def test_summary_without_monetary_equals_lifetimes(cdnow):
    expected = lifetimes_utils.summary_data_from_transaction_data(cdnow, "id", "date", observation_period_end="1997-09-30")
    got = kutils.summary_data_from_transaction_data(cdnow, "id", "date", observation_period_end="1997-09-30")
    pd.testing.assert_frame_equal(got, expected, rtol=1e-9, atol=1e-9)


def test_calibration_holdout_equals_lifetimes(cdnow):
    kwargs = dict(
        calibration_period_end="1997-09-30",
        observation_period_end="1998-06-30",
        freq="D",
        freq_multiplier=7,
        monetary_value_col="value",
    )
    expected = lifetimes_utils.calibration_and_holdout_data(cdnow, "id", "date", **kwargs)
    got = kutils.calibration_and_holdout_data(cdnow, "id", "date", **kwargs)
    assert got.shape == (2357, 7)
    pd.testing.assert_frame_equal(got, expected, rtol=1e-9, atol=1e-9)


def test_shared_rounded_summary(cdnow, cdnow_dir):
    ref = pd.read_csv(cdnow_dir / "cdnow_customers_summary.csv").set_index("ID")
    got = kehu.summarize(cdnow, "id", "date", observation_period_end="1997-09-30", freq_multiplier=7)
    assert (got["frequency"].values == ref["frequency"].values).all()
    assert (abs(got["recency"].values - ref["recency"].values) <= 0.005 + 1e-9).all()
    assert (abs(got["T"].values - ref["T"].values) <= 0.005 + 1e-9).all()
