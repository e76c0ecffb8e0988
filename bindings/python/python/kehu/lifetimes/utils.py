"""lifetimes.utils look-alikes with lifetimes' signatures and outputs."""

from __future__ import annotations

from typing import Any

import pandas as pd

import numpy as np

from .. import _native, calibration_and_holdout, summarize
from .._convert import options_json, to_arrow
from ..value import _arr

__all__ = [
    "summary_data_from_transaction_data",
    "calibration_and_holdout_data",
    "calculate_alive_path",
    "expected_cumulative_transactions",
    "customer_lifetime_value",
]


def summary_data_from_transaction_data(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None = None,
    datetime_format: str | None = None,
    observation_period_end: Any = None,
    freq: str | None = None,
    freq_multiplier: float | None = None,
    include_first_transaction: bool | None = None,
) -> pd.DataFrame:
    """Same arguments and result as `lifetimes.utils.summary_data_from_transaction_data`."""
    return summarize(
        transactions,
        customer_id_col,
        datetime_col,
        monetary_value_col=monetary_value_col,
        observation_period_end=observation_period_end,
        freq=freq,
        freq_multiplier=freq_multiplier,
        include_first_transaction=include_first_transaction,
        datetime_format=datetime_format,
    )


def calibration_and_holdout_data(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    calibration_period_end: Any,
    observation_period_end: Any = None,
    freq: str | None = None,
    freq_multiplier: float | None = None,
    datetime_format: str | None = None,
    monetary_value_col: str | None = None,
    include_first_transaction: bool | None = None,
) -> pd.DataFrame:
    """Same arguments and result as `lifetimes.utils.calibration_and_holdout_data`."""
    return calibration_and_holdout(
        transactions,
        customer_id_col,
        datetime_col,
        calibration_period_end,
        observation_period_end=observation_period_end,
        freq=freq,
        freq_multiplier=freq_multiplier,
        datetime_format=datetime_format,
        monetary_value_col=monetary_value_col,
        include_first_transaction=include_first_transaction,
    )


def calculate_alive_path(model: Any, transactions: Any, datetime_col: str, t: int, freq: str = "D") -> pd.Series:
    """P(alive) of one customer (all rows of `transactions` are theirs) at each age 0 … t
    periods of `freq` since the first purchase, or to the last purchase when that is later;
    several purchases in one period count as one. lifetimes 0.11's own version fails on
    pandas ≥ 3 (`fillna(method=...)`); this one does not."""
    path, _, _ = model._model().alive_path(to_arrow(transactions, [datetime_col]), datetime_col, t, freq)
    return pd.Series(path)


def expected_cumulative_transactions(
    model: Any,
    transactions: Any,
    datetime_col: str,
    customer_id_col: str,
    t: int,
    datetime_format: str | None = None,
    freq: str = "D",
    freq_multiplier: int = 1,
    set_index_date: bool = False,
) -> pd.DataFrame:
    """Actual and expected cumulative repeat transactions over the `t` periods of `freq` from
    the first transaction, every `freq_multiplier` periods (the model's time unit): columns
    `actual` and `predicted`, indexed 0, 1, … or, with `set_index_date`, by the last period
    each row counts, as lifetimes gives them (Fader, Hardie and Lee 2005)."""
    args = (model, transactions, datetime_col, customer_id_col, t, datetime_format, freq, freq_multiplier)
    return _tracking_frame(*args, set_index_date, increments=False)


def _tracking_frame(
    model: Any,
    transactions: Any,
    datetime_col: str,
    customer_id_col: str,
    t: int,
    datetime_format: str | None,
    freq: str,
    freq_multiplier: int,
    set_index_date: bool,
    increments: bool,
) -> pd.DataFrame:
    """`expected_cumulative_transactions`, or with `increments` each row's step."""
    columns = {"customer_id": customer_id_col, "timestamp": datetime_col}
    table = to_arrow(transactions, columns.values())
    actual, predicted, starts = model._model().cumulative_transactions(
        table, columns, t, freq, freq_multiplier, datetime_format, increments
    )
    if set_index_date:
        index: Any = pd.DatetimeIndex(np.asarray(starts).astype("datetime64[us]")).to_period(freq)
    else:
        index = range(0, len(actual))
    return pd.DataFrame({"actual": actual.astype(np.int64), "predicted": predicted}, index=index)


def customer_lifetime_value(
    transaction_prediction_model: Any,
    frequency: Any,
    recency: Any,
    T: Any,
    monetary_value: Any,
    time: int = 12,
    discount_rate: float = 0.01,
    freq: str = "D",
) -> pd.Series:
    """lifetimes' `utils._customer_lifetime_value`: CLV with the value per purchase given as
    `monetary_value` (no spend model), `time` months, monthly `discount_rate`, the model's time
    unit `freq`; a Series named `clv` indexed like `frequency`."""
    from .fitters import units_per_month

    options = {"months": time, "discount_rate": discount_rate, "units_per_month": units_per_month(freq)}
    text = options_json(options, _native.ValueModelError, "VALUE_INVALID_OPTION", "CLV options")
    out = transaction_prediction_model._model().clv(None, _arr(frequency), _arr(recency), _arr(T), _arr(monetary_value), text)
    index = frequency.index if isinstance(frequency, pd.Series) else None
    return pd.Series(out, index=index, name="clv")


_customer_lifetime_value = customer_lifetime_value
