"""lifetimes.utils look-alikes with lifetimes' signatures and outputs."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import calibration_and_holdout, summarize

__all__ = ["summary_data_from_transaction_data", "calibration_and_holdout_data"]


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
