"""Type stubs of the native module (`kehu._native`); use the `kehu` package's functions."""

from typing import Any

import pyarrow as pa

class KehuError(ValueError):
    code: str

class DataError(KehuError): ...
class ProfileError(KehuError): ...
class FormatError(KehuError): ...
class SimulateError(KehuError): ...
class ValueModelError(KehuError): ...
class SegmentError(KehuError): ...

def summarize(
    table: Any,
    columns: dict[str, str],
    observation_period_end: str | None = None,
    freq: str | None = None,
    freq_multiplier: float | None = None,
    include_first_transaction: bool | None = None,
    datetime_format: str | None = None,
) -> dict[str, Any]: ...
def calibration_and_holdout(
    table: Any,
    columns: dict[str, str],
    calibration_period_end: str,
    observation_period_end: str | None = None,
    freq: str | None = None,
    freq_multiplier: float | None = None,
    include_first_transaction: bool | None = None,
    datetime_format: str | None = None,
) -> dict[str, Any]: ...
def validate(
    table: Any,
    columns: dict[str, str],
    datetime_format: str | None = None,
    allow_returns: bool | None = None,
    observation_end: str | None = None,
    deduplicate: bool | None = None,
    strict: bool | None = None,
) -> dict[str, Any]: ...
def profile(
    table: Any,
    columns: dict[str, str],
    datetime_format: str | None = None,
    allow_returns: bool | None = None,
    observation_end: str | None = None,
    deduplicate: bool | None = None,
    top_n: int | None = None,
    trend_periods: int | None = None,
    trend_period_days: int | None = None,
    tags: str | None = None,
) -> dict[str, Any]: ...
def simulate(config_json: str | None = None) -> dict[str, pa.Table | str]: ...
def default_simulation_config() -> str: ...
def check_tag_rules(json: str) -> str: ...
def format_version() -> int: ...

class IncrementalProfile:
    def __init__(self) -> None: ...
    def add(
        self,
        timestamp: str,
        amount: float,
        order_id: str | None = None,
        category: str | None = None,
        channel: str | None = None,
    ) -> None: ...
    def profile(
        self,
        customer_id: str,
        observation_end: str | None = None,
        top_n: int | None = None,
        trend_periods: int | None = None,
        trend_period_days: int | None = None,
        tags: str | None = None,
    ) -> dict[str, Any] | None: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(json: str) -> "IncrementalProfile": ...


def fit_value_model(
    kind: str, a: Any, b: Any, c: Any, weights: Any | None = None, penalizer: float | None = None
) -> tuple[str, dict[str, Any]]: ...
def load_value_model(json: str) -> tuple[str, dict[str, float]]: ...
def value_predict(json: str, what: str, s: Any, a: Any, b: Any, c: Any) -> Any: ...
def value_holdout_check(json: str, frequency_cal: Any, recency_cal: Any, T_cal: Any, frequency_holdout: Any, duration_holdout: Any, max_frequency: int) -> tuple[dict[str, Any], dict[str, float]]: ...
def value_period_transactions(json: str, frequency: Any, T: Any, max_frequency: int) -> dict[str, Any]: ...
def value_pmf(json: str, n: Any, t: Any, frequency: Any = None, recency: Any = None, age: Any = None) -> Any: ...
def value_clv(
    purchase_json: str,
    spend_json: str,
    frequency: Any,
    recency: Any,
    t: Any,
    monetary_value: Any,
    months: int | None = None,
    discount_rate: float | None = None,
    margin: float | None = None,
    units_per_month: float | None = None,
) -> Any: ...
def value_simulate(json: str, t: Any, seed: int) -> tuple[Any, Any | None]: ...
def value_tiers_of(values: Any, cut_offs: list[float]) -> Any: ...
def segment_rfm_scores(recency: Any, frequency: Any, monetary: Any, options: str | None = None) -> tuple[Any, Any, Any]: ...
def segment_map_json(name: str | None = None, code_table: str | None = None) -> str: ...
def segment_map_check(json: str, bins: int) -> tuple[list[str], list[tuple[str, list[str]]]]: ...
def segment_map_segments(json: str) -> list[str]: ...
def segment_assign(json: str, r: Any, f: Any, m: Any) -> list[str | None]: ...
