"""Intake from pandas, polars and pyarrow, validation reports, and the bad-input suite."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import kehu

ROWS = {
    "cust": ["a", "a", "b", "b", "c"],
    "when": ["2024-01-01", "2024-01-08 10:00", "2024-01-02", "2024-02-01", "2024-03-01"],
    "value": [10.0, 20.0, 5.0, 7.5, 3.0],
}


def test_same_result_from_pandas_polars_pyarrow_and_dict():
    polars = pytest.importorskip("polars")
    frames = [pd.DataFrame(ROWS), polars.DataFrame(ROWS), pa.table(ROWS), ROWS]
    results = [kehu.summarize(f, "cust", "when", "value", observation_period_end="2024-03-31") for f in frames]
    for r in results[1:]:
        pd.testing.assert_frame_equal(r, results[0])
    a = results[0].loc["a"]
    assert (a.frequency, a.recency, a["T"], a.monetary_value) == (1.0, 7.0, 90.0, 20.0)


def test_datetime_and_integer_ids_keep_types():
    df = pd.DataFrame({"id": [3, 1, 3], "t": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-03"]), "v": [1, 2, 3]})
    s = kehu.summarize(df, "id", "t", "v")
    assert s.index.dtype == np.int64 and list(s.index) == [1, 3]
    assert s.loc[3, "recency"] == 2.0 and s.loc[3, "monetary_value"] == 3.0


def test_validation_report_lists_every_bad_row():
    df = pd.DataFrame(
        {
            "cust": ["a", None, "b", "c", "d", "e", "a", "f", "g"],
            "when": ["2024-01-01", "2024-01-01", "not a date", "2024-01-02", "2024-01-03", "2030-01-01", "2024-01-01", "2024-01-04", "2024-01-05"],
            "value": [1.0, 1.0, 1.0, float("nan"), -2.0, 1.0, 1.0, float("inf"), 4.0],
        }
    )
    r = kehu.validate(df, "cust", "when", "value", observation_end="2025-01-01")
    assert (r.total_rows, r.accepted) == (9, 2)
    got = list(zip(r.rejected["row"], r.rejected["field"], r.rejected["reason"]))
    assert got == [
        (1, "customer_id", "missing"),
        (2, "timestamp", "unparseable_timestamp"),
        (3, "amount", "not_finite"),
        (4, "amount", "negative"),
        (5, "timestamp", "after_observation_end"),
        (6, "event", "duplicate_event"),
        (7, "amount", "not_finite"),
    ]
    assert r.counts_by_reason()["not_finite"] == 2
    with pytest.raises(kehu.DataError) as e:
        kehu.validate(df, "cust", "when", "value", strict=True)
    assert e.value.code == "DATA_REJECTED_ROW" and "row 1" in str(e.value)


def test_bad_input_is_a_typed_error():
    df = pd.DataFrame(ROWS)
    cases = [
        (lambda: kehu.summarize(df.iloc[0:0], "cust", "when", "value"), "DATA_EMPTY"),
        (lambda: kehu.summarize(df, "customer", "when", "value"), "DATA_MISSING_COLUMN"),
        (lambda: kehu.summarize(df.assign(value=["x"] * 5), "cust", "when", "value"), "DATA_WRONG_TYPE"),
        (lambda: kehu.summarize(df.assign(when=[1.5] * 5), "cust", "when", "value"), "DATA_WRONG_TYPE"),
        (lambda: kehu.summarize(df.assign(value=[1, 2, math.nan, 4, 5]), "cust", "when", "value"), "DATA_REJECTED_ROW"),
        (lambda: kehu.summarize(df.assign(when=["2024-01-01"] * 4 + ["soon"]), "cust", "when", "value"), "DATA_REJECTED_ROW"),
        (lambda: kehu.summarize(df, "cust", "when", "value", freq="fortnight"), "PROFILE_INVALID_OPTION"),
        (lambda: kehu.summarize(df, "cust", "when", "value", freq_multiplier=0), "PROFILE_INVALID_OPTION"),
        (lambda: kehu.summarize(df, "cust", "when", "value", observation_period_end="yesterday"), "DATA_INVALID_OPTION"),
        (lambda: kehu.summarize({"cust": ["a", "b"], "when": ["2024-01-01"], "value": [1.0, 2.0]}, "cust", "when", "value"), "DATA_LENGTH_MISMATCH"),
        (lambda: kehu.summarize(pd.DataFrame({"cust": ["a", 1], "when": ["2024-01-01"] * 2}), "cust", "when"), "DATA_WRONG_TYPE"),
        (lambda: kehu.calibration_and_holdout(df, "cust", "when", "2024-06-01", "2024-07-01"), "PROFILE_NO_HOLDOUT_DATA"),
        (lambda: kehu.profile(df, "cust", "when", "value", tags={"x": "nonsense >= 1"}), "PROFILE_INVALID_RULE"),
        (lambda: kehu.profile(df, "cust", "when", "value", trend_periods=1), "PROFILE_INVALID_OPTION"),
        (lambda: kehu.simulate(customers=0), "SIMULATE_INVALID_CONFIG"),
        (lambda: kehu.simulate(sede=1), "SIMULATE_INVALID_CONFIG"),
    ]
    for call, code in cases:
        with pytest.raises(kehu.KehuError) as e:
            call()
        assert e.value.code == code, (code, str(e.value))
        assert isinstance(e.value, ValueError)


def test_newer_format_version_is_rejected():
    state = kehu.IncrementalProfile().to_json()
    newer = json.loads(state)
    newer["format_version"] = 99
    with pytest.raises(kehu.FormatError) as e:
        kehu.IncrementalProfile.from_json(json.dumps(newer))
    assert e.value.code == "FORMAT_NEWER_VERSION"
    rules = {"format_version": 99, "kind": "tag_rules", "tags": []}
    with pytest.raises(kehu.FormatError):
        kehu.profile(pd.DataFrame(ROWS), "cust", "when", "value", tags=json.dumps(rules))


def test_error_messages_do_not_leak_ids():
    df = pd.DataFrame({"cust": ["alice@example.com", "bob@example.com"], "when": ["2024-01-01", "bad"], "value": [1.0, 2.0]})
    with pytest.raises(kehu.DataError) as e:
        kehu.summarize(df, "cust", "when", "value")
    assert "example.com" not in str(e.value) and "bad" not in str(e.value)
