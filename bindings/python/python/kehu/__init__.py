"""kehu (客户): customer analytics from a fast, deterministic Rust core.

Data in: pandas or polars DataFrames, pyarrow tables (taken through Arrow without a Python loop).
Data out: pandas DataFrames.

>>> import kehu
>>> sim = kehu.simulate(customers=1000, seed=1)
>>> summary = kehu.summarize(sim.transactions.dropna(), "customer_id", "timestamp", "amount")
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import pandas as pd

from . import _native
from ._progress import progress
from ._convert import coded, index_of, iso, micros_to_datetimes, micros_to_timestamp, options_json, to_arrow
from ._native import (
    DataError,
    FormatError,
    KehuError,
    ProfileError,
    SimulateError,
    SegmentError,
    ValueModelError,
    format_version,
)

__all__ = [
    "KehuError",
    "DataError",
    "ProfileError",
    "FormatError",
    "SimulateError",
    "ValueModelError",
    "SegmentError",
    "summarize",
    "calibration_and_holdout",
    "validate",
    "profile",
    "simulate",
    "IncrementalProfile",
    "ValidationReport",
    "ValidationCounts",
    "SimulatedData",
    "format_version",
    "progress",
]


def _mapping(**fields: str | None) -> dict[str, str]:
    return {k: v for k, v in fields.items() if v is not None}


def summarize(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None = None,
    observation_period_end: Any = None,
    freq: str | None = None,
    freq_multiplier: float | None = None,
    include_first_transaction: bool | None = None,
    datetime_format: str | None = None,
) -> pd.DataFrame:
    """Per-customer `frequency`, `recency`, `T` (and `monetary_value`) with lifetimes' semantics.

    Returns a DataFrame indexed by customer id (sorted), like lifetimes'
    `summary_data_from_transaction_data`. `freq`, `freq_multiplier` and
    `include_first_transaction` left as None take the core's defaults (lifetimes' "D", 1,
    False). Rows after `observation_period_end` are left out, as
    lifetimes leaves them out, and counted in `frame.attrs["rows_after_end"]` (an int); any
    other bad row raises `DataError` naming the row and field.
    """
    cols = _mapping(customer_id=customer_id_col, timestamp=datetime_col, amount=monetary_value_col)
    table = to_arrow(transactions, cols.values())
    out = _native.summarize(
        table,
        cols,
        observation_period_end=iso(observation_period_end, "observation_period_end"),
        freq=freq,
        freq_multiplier=freq_multiplier,
        include_first_transaction=include_first_transaction,
        datetime_format=datetime_format,
    )
    names = ["frequency", "recency", "T"] + (["monetary_value"] if monetary_value_col else [])
    frame = pd.DataFrame({n: out[n] for n in names}, index=index_of(out["customer_id"], customer_id_col))
    frame.attrs["rows_after_end"] = int(out["rows_after_end"])
    return frame


def calibration_and_holdout(
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
    """Calibration summary (`*_cal`) plus holdout purchases per calibration customer, like
    lifetimes' `calibration_and_holdout_data`. Rows after `observation_period_end` are in
    neither period: they are left out, as lifetimes leaves them out, and counted in
    `frame.attrs["rows_after_end"]`."""
    cols = _mapping(customer_id=customer_id_col, timestamp=datetime_col, amount=monetary_value_col)
    table = to_arrow(transactions, cols.values())
    out = _native.calibration_and_holdout(
        table,
        cols,
        iso(calibration_period_end, "calibration_period_end"),
        observation_period_end=iso(observation_period_end, "observation_period_end"),
        freq=freq,
        freq_multiplier=freq_multiplier,
        include_first_transaction=include_first_transaction,
        datetime_format=datetime_format,
    )
    names = ["frequency_cal", "recency_cal", "T_cal"]
    if monetary_value_col:
        names.append("monetary_value_cal")
    names.append("frequency_holdout")
    if monetary_value_col:
        names.append("monetary_value_holdout")
    frame = pd.DataFrame({n: out[n] for n in names}, index=index_of(out["customer_id"], customer_id_col))
    frame["duration_holdout"] = float(out["duration_holdout"])
    frame.attrs["rows_after_end"] = int(out["rows_after_end"])
    return frame


@dataclass(frozen=True)
class ValidationReport:
    """What validation accepted and rejected: `rejected` has one row per rejected input row
    (`row` is the 0-based input position, `field`, `reason` code, `detail`)."""

    total_rows: int
    accepted: int
    rejected: pd.DataFrame
    by_reason: Mapping[str, int] = field(repr=False)

    def counts_by_reason(self) -> dict[str, int]:
        """Number of rejected rows per reason code (the core's counts, in code order)."""
        return dict(self.by_reason)

    def counts(self) -> "ValidationCounts":
        """The counts of this report (what `frame.attrs["validation"]` holds)."""
        return ValidationCounts(
            total_rows=self.total_rows,
            accepted=self.accepted,
            rejected=len(self.rejected),
            by_reason=self.counts_by_reason(),
        )

    @staticmethod
    def _from_native(d: Mapping[str, Any]) -> "ValidationReport":
        rejected = pd.DataFrame(
            {
                "row": d["rejected_row"],
                "field": d["rejected_field"],
                "reason": d["rejected_reason"],
                "detail": d["rejected_detail"],
            }
        )
        return ValidationReport(int(d["total_rows"]), int(d["accepted"]), rejected, dict(d["by_reason"]))


class ValidationCounts(dict):
    """A validation report's counts as kept in a frame's `attrs["validation"]`: a plain dict
    (`total_rows`, `accepted`, `rejected` and `by_reason`, reason code -> rows) whose keys also
    read as attributes. It holds no DataFrame, so frames carrying it still merge, concatenate,
    copy and save (pandas compares, deep-copies and JSON-encodes `attrs`). The rejected rows
    themselves: `kehu.validate`, or `profile(..., with_report=True)`."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def counts_by_reason(self) -> dict[str, int]:
        """Number of rejected rows per reason code."""
        return dict(self["by_reason"])


def validate(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None = None,
    *,
    order_id_col: str | None = None,
    quantity_col: str | None = None,
    product_id_col: str | None = None,
    category_col: str | None = None,
    channel_col: str | None = None,
    datetime_format: str | None = None,
    allow_returns: bool | None = None,
    observation_end: Any = None,
    deduplicate: bool | None = None,
    strict: bool | None = None,
) -> ValidationReport:
    """Checks every row (missing id, unparseable or future date, NaN/inf or negative amount,
    exact duplicate) and reports each rejected row. `strict=True` raises `DataError` on the first."""
    cols = _mapping(
        customer_id=customer_id_col,
        timestamp=datetime_col,
        amount=monetary_value_col,
        order_id=order_id_col,
        quantity=quantity_col,
        product_id=product_id_col,
        category=category_col,
        channel=channel_col,
    )
    out = _native.validate(
        to_arrow(transactions, cols.values()),
        cols,
        datetime_format=datetime_format,
        allow_returns=allow_returns,
        observation_end=iso(observation_end, option="observation_end"),
        deduplicate=deduplicate,
        strict=strict,
    )
    return ValidationReport._from_native(out)


def _tags_json(tags: Any) -> Any:
    """Tag rules as text for the core, which reads a `tag_rules` document, a list of rules or
    conditions by tag name."""
    if tags is None or isinstance(tags, (str, bytes)):
        return tags
    return options_json(tags, ProfileError, "PROFILE_INVALID_RULE", "tag rules")


_PROFILE_TIMES = ("first_purchase", "last_purchase")


def _profile_frame(out: Mapping[str, Any]) -> pd.DataFrame:
    names = [k for k in out if k not in ("customer_id", "report", "without_purchases")]
    columns = {k: micros_to_datetimes(out[k]) if k in _PROFILE_TIMES else out[k] for k in names}
    return pd.DataFrame(columns, index=pd.Index(out["customer_id"], name="customer_id"))


def profile(
    transactions: Any,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None = None,
    *,
    order_id_col: str | None = None,
    category_col: str | None = None,
    channel_col: str | None = None,
    datetime_format: str | None = None,
    allow_returns: bool | None = None,
    deduplicate: bool | None = None,
    observation_end: Any = None,
    top_n: int | None = None,
    trend_periods: int | None = None,
    trend_period_days: int | None = None,
    tags: Any = None,
    with_report: bool = False,
) -> Any:
    """Validates transactions and returns one profile row per customer with a purchase (客户画像):
    tenure, orders, spend, lifetimes' daily summary, purchase intervals, top categories and
    channels, preferred weekday/hour, spend trend, returns, and `tags` when rules are given
    (a `tag_rules` JSON text, a dict name -> condition, or a list of rules).

    `first_purchase` / `last_purchase` are datetime64[us] (years 1–9999). The validation counts
    are in `frame.attrs["validation"]` (a `ValidationCounts` dict: total_rows, accepted,
    rejected, by_reason); customers with only returns are listed in
    `frame.attrs["without_purchases"]`. `attrs` hold plain values only, so the frame merges,
    concatenates and saves like any other. With `with_report=True` the result is
    `(frame, ValidationReport)`, the report listing every rejected row.
    """
    cols = _mapping(
        customer_id=customer_id_col,
        timestamp=datetime_col,
        amount=monetary_value_col,
        order_id=order_id_col,
        category=category_col,
        channel=channel_col,
    )
    out = _native.profile(
        to_arrow(transactions, cols.values()),
        cols,
        datetime_format=datetime_format,
        allow_returns=allow_returns,
        observation_end=iso(observation_end, option="observation_end"),
        deduplicate=deduplicate,
        top_n=top_n,
        trend_periods=trend_periods,
        trend_period_days=trend_period_days,
        tags=_tags_json(tags),
    )
    frame = _profile_frame(out)
    report = ValidationReport._from_native(out["report"])
    frame.attrs["validation"] = report.counts()
    frame.attrs["without_purchases"] = [str(v) for v in out["without_purchases"]]
    return (frame, report) if with_report else frame


@dataclass(frozen=True)
class SimulatedData:
    """A simulated customer base: `customers` and `transactions` DataFrames (or pyarrow tables)
    and the end of the observation period."""

    customers: Any
    transactions: Any
    observation_end: pd.Timestamp


def simulate(*, as_arrow: bool = False, **settings: Any) -> SimulatedData:
    """Simulates a customer base with BG/NBD purchases and Gamma-Gamma spend.

    Settings (all optional): customers, seed, start, acquisition_days, observation_days,
    purchase ({r, alpha, a, b}), spend ({p, q, gamma}), categories, products_per_category,
    channels, return_rate, dirty_rate. The same settings give the same data on every platform.
    """
    config = options_json(settings, SimulateError, "SIMULATE_INVALID_CONFIG", "simulation settings") if settings else None
    out = _native.simulate(config)
    customers, transactions = out["customers"], out["transactions"]
    if not as_arrow:
        customers, transactions = customers.to_pandas(), transactions.to_pandas()
    return SimulatedData(customers, transactions, pd.Timestamp(out["observation_end"]))


class IncrementalProfile:
    """One customer's profile updated event by event; the same numbers as `profile` on the
    same events. Save and resume with `to_json` / `from_json`."""

    def __init__(self, _state: Any = None) -> None:
        self._state = _state if _state is not None else _native.IncrementalProfile()

    def add(
        self,
        timestamp: Any,
        amount: float,
        order_id: str | None = None,
        category: str | None = None,
        channel: str | None = None,
    ) -> None:
        """Adds one event (a negative amount is a return)."""
        self._state.add(iso(timestamp, option="timestamp"), amount, order_id, category, channel)

    def profile(
        self,
        customer_id: str,
        observation_end: Any = None,
        *,
        top_n: int | None = None,
        trend_periods: int | None = None,
        trend_period_days: int | None = None,
        tags: Any = None,
    ) -> dict[str, Any] | None:
        """The profile as a dict (None before the first purchase)."""
        out = self._state.profile(
            customer_id, iso(observation_end, option="observation_end"), top_n, trend_periods, trend_period_days, _tags_json(tags)
        )
        if out is None:
            return None
        out = {k: (v.item() if hasattr(v, "item") else v) for k, v in out.items()}
        for k in _PROFILE_TIMES:
            out[k] = micros_to_timestamp(out[k])
        return out

    def to_json(self) -> str:
        """The state as a versioned JSON document."""
        return self._state.to_json()

    @staticmethod
    def from_json(text: str) -> "IncrementalProfile":
        """Restores a state saved with `to_json`."""
        return IncrementalProfile(_native.IncrementalProfile.from_json(text))

    def __getstate__(self) -> str:
        return self.to_json()

    def __setstate__(self, state: str) -> None:
        self._state = _native.IncrementalProfile.from_json(state)
