"""lifetimes.plotting's signatures over `kehu.plotting`: plots that lifetimes draws from the
fitter's data take it from the drop-in fitter's `data` too."""

from __future__ import annotations

from typing import Any

from .. import plotting as _plotting
from ..plotting import plot_frequency_recency_matrix, plot_probability_alive_matrix
from ._tracking_plots import plot_cumulative_transactions, plot_history_alive, plot_incremental_transactions

__all__ = [
    "plot_calibration_purchases_vs_holdout_purchases",
    "plot_period_transactions",
    "plot_frequency_recency_matrix",
    "plot_probability_alive_matrix",
    "plot_history_alive",
    "plot_cumulative_transactions",
    "plot_incremental_transactions",
]


def plot_period_transactions(model: Any, max_frequency: int = 7, ax: Any = None, **kwargs: Any) -> Any:
    """Counted against expected customers by calibration repeat purchases (exact expectation,
    where lifetimes simulates)."""
    data = model.data
    age = data["T"] if "T" in data else data["n_periods"]
    return _plotting.plot_period_transactions(model, data["frequency"], age, max_frequency=max_frequency, ax=ax, **kwargs)


def plot_calibration_purchases_vs_holdout_purchases(
    model: Any, calibration_holdout_matrix: Any, kind: str = "frequency_cal", n: int = 7, ax: Any = None, **kwargs: Any
) -> Any:
    """Mean actual and predicted holdout purchases by calibration frequency."""
    if kind != "frequency_cal":
        raise ValueError(f"kind={kind!r} is not supported; kehu bins by 'frequency_cal'")
    return _plotting.plot_calibration_purchases_vs_holdout_purchases(model, calibration_holdout_matrix, n=n, ax=ax, **kwargs)
