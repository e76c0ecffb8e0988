"""lifetimes' tracking plots (P(alive) history, cumulative and incremental transactions) with
its signatures; the numbers are the core's (`kehu.lifetimes.utils`), only the drawing is here."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._convert import to_arrow
from .utils import _tracking_frame, expected_cumulative_transactions

__all__ = ["plot_history_alive", "plot_cumulative_transactions", "plot_incremental_transactions"]


def _axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    from matplotlib import pyplot as plt

    return plt.subplot(111)


def _instants(micros: Any) -> Any:
    return np.asarray(micros).astype("datetime64[us]")


def plot_history_alive(
    model: Any, t: int, transactions: Any, datetime_col: str, freq: str = "D", start_date: Any = None, ax: Any = None, **kwargs: Any
) -> Any:
    """P(alive) of one customer over time, with their purchase periods as dashed lines; both
    are drawn at their periods' first instants, as the core gives them."""
    ax = _axes(ax)
    table = to_arrow(transactions, [datetime_col])
    path, starts, purchases = model._model().alive_path(table, datetime_col, t, freq)
    path_dates, purchase_dates = _instants(starts), _instants(purchases)
    ax.plot(path_dates, path, "-", label="P_alive", **kwargs)
    ax.vlines(purchase_dates, ymin=0, ymax=1, colors="r", linestyles="dashed", label="purchases")
    ax.set_ylim(0, 1.0)
    ax.set_yticks(np.arange(0, 1.1, 0.1))
    ax.set_xlim(path_dates[0] if start_date is None else pd.Timestamp(start_date), path_dates[-1])
    ax.legend(loc=3)
    ax.set_ylabel("P_alive")
    ax.set_title("History of P_alive")
    return ax


def _tracking(
    frame: pd.DataFrame, t_cal: float, set_index_date: bool, title: str, xlabel: str, ylabel: str, ax: Any, **kwargs: Any
) -> Any:
    ax = frame.plot(ax=_axes(ax), title=title, **kwargs)
    if set_index_date:
        x_vline: Any = frame.index[int(t_cal)]
        xlabel = "date"
    else:
        x_vline = t_cal
    ax.axvline(x=x_vline, color="r", linestyle="--")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def plot_cumulative_transactions(
    model: Any,
    transactions: Any,
    datetime_col: str,
    customer_id_col: str,
    t: int,
    t_cal: float,
    datetime_format: str | None = None,
    freq: str = "D",
    set_index_date: bool = False,
    title: str = "Tracking Cumulative Transactions",
    xlabel: str = "day",
    ylabel: str = "Cumulative Transactions",
    ax: Any = None,
    **kwargs: Any,
) -> Any:
    """Actual against expected cumulative repeat transactions, a dashed line at `t_cal`."""
    frame = expected_cumulative_transactions(
        model, transactions, datetime_col, customer_id_col, t, datetime_format=datetime_format, freq=freq, set_index_date=set_index_date
    )
    return _tracking(frame, t_cal, set_index_date, title, xlabel, ylabel, ax, **kwargs)


def plot_incremental_transactions(
    model: Any,
    transactions: Any,
    datetime_col: str,
    customer_id_col: str,
    t: int,
    t_cal: float,
    datetime_format: str | None = None,
    freq: str = "D",
    set_index_date: bool = False,
    title: str = "Tracking Daily Transactions",
    xlabel: str = "day",
    ylabel: str = "Transactions",
    ax: Any = None,
    **kwargs: Any,
) -> Any:
    """Actual against expected repeat transactions per period (the cumulative curves' steps;
    the first period's from zero, where lifetimes leaves it out), a dashed line at `t_cal`."""
    args = (model, transactions, datetime_col, customer_id_col, t, datetime_format, freq, 1)
    steps = _tracking_frame(*args, set_index_date, increments=True)
    return _tracking(steps, t_cal, set_index_date, title, xlabel, ylabel, ax, **kwargs)
