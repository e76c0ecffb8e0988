"""Plots of fitted value models, with lifetimes' function names (matplotlib is an optional
extra: ``pip install kehu[plot]``). Every number plotted comes from the core: the holdout and
period checks of `kehu.value`, and the models' predictions on a grid."""

from __future__ import annotations

from typing import Any

import numpy as np

from .value import _PurchaseModel, _Model, holdout_check, period_transactions

__all__ = [
    "plot_calibration_purchases_vs_holdout_purchases",
    "plot_period_transactions",
    "plot_frequency_recency_matrix",
    "plot_probability_alive_matrix",
]


def _axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("kehu.plotting needs matplotlib: pip install 'kehu[plot]'") from e
    return plt.figure().add_subplot(111)


def _labels(frame: Any) -> list[str]:
    return [f"{f}+" if open_ else str(f) for f, open_ in zip(frame.index, frame["open_ended"])]


def plot_calibration_purchases_vs_holdout_purchases(
    model: _Model, calibration_holdout_matrix: Any, n: int = 7, ax: Any = None, **kwargs: Any
) -> Any:
    """Mean actual and predicted holdout purchases by calibration frequency (the last bin is
    open-ended, so every customer counts)."""
    ax = _axes(ax)
    table = holdout_check(model, calibration_holdout_matrix, max_frequency=n)
    x = np.arange(len(table))
    ax.plot(x, table["actual"], marker="o", label="actual", **kwargs)
    ax.plot(x, table["predicted"], marker="s", linestyle="--", label="model", **kwargs)
    ax.set_xticks(x, _labels(table))
    ax.set_xlabel("Purchases in calibration period")
    ax.set_ylabel("Average purchases in holdout period")
    ax.set_title("Actual purchases in holdout period vs predicted")
    ax.legend()
    return ax


def plot_period_transactions(
    model: _Model, frequency: Any, T: Any, max_frequency: int = 7, ax: Any = None, **kwargs: Any
) -> Any:
    """Customers by calibration repeat purchases: counted against the model's expectation."""
    ax = _axes(ax)
    table = period_transactions(model, frequency, T, max_frequency=max_frequency)
    x = np.arange(len(table))
    width = 0.4
    ax.bar(x - width / 2, table["actual"], width, label="actual", **kwargs)
    ax.bar(x + width / 2, table["predicted"], width, label="model", **kwargs)
    ax.set_xticks(x, _labels(table))
    ax.set_xlabel("Number of calibration period transactions")
    ax.set_ylabel("Customers")
    ax.set_title("Frequency of repeat transactions")
    ax.legend()
    return ax


def _grid(model: _PurchaseModel, max_frequency: int | None, max_recency: int | None, horizon: float | None = None) -> np.ndarray:
    """The core's (recency × frequency) grid: P(alive), or expected purchases in the next
    `horizon`; a bound not given is the fitted data's (the core's `grid_bounds`). A customer
    without repeat purchases has recency 0, so the frequency-0 column shows that customer at
    every row, as lifetimes' matrix does for BG/NBD."""
    extent = getattr(model, "data_extent_", None)
    fitted = {} if extent is None else {"frequency": np.array([extent["max_frequency"]]), "t": np.array([extent["max_T"]])}
    grid, mf, mr = model._model().grid(max_frequency, max_recency, horizon, **fitted)
    return np.asarray(grid).reshape(mr + 1, mf + 1)


def _matrix(ax: Any, z: np.ndarray, title: str, **kwargs: Any) -> Any:
    image = ax.imshow(z, aspect="auto", origin="upper", **kwargs)
    ax.figure.colorbar(image, ax=ax)
    ax.set_xlabel("Customer's historical frequency")
    ax.set_ylabel("Customer's recency")
    ax.set_title(title)
    return ax


def plot_frequency_recency_matrix(
    model: _PurchaseModel,
    T: float = 1,
    max_frequency: int | None = None,
    max_recency: int | None = None,
    ax: Any = None,
    **kwargs: Any,
) -> Any:
    """Expected purchases in the next `T` time units for every (frequency, recency) of a
    customer observed for `max_recency` (rows: recency 0 … max_recency, most recent at the
    bottom; columns: frequency 0 … max_frequency)."""
    z = _grid(model, max_frequency, max_recency, float(T))
    return _matrix(_axes(ax), z, f"Expected purchases in the next {T:g} time units", **kwargs)


def plot_probability_alive_matrix(
    model: _PurchaseModel,
    max_frequency: int | None = None,
    max_recency: int | None = None,
    ax: Any = None,
    **kwargs: Any,
) -> Any:
    """P(alive) for every (frequency, recency) of a customer observed for `max_recency`."""
    return _matrix(_axes(ax), _grid(model, max_frequency, max_recency), "Probability customer is alive", **kwargs)
