"""lifetimes.plotting's signatures over `kehu.plotting`: plots that lifetimes draws from the
fitter's data take it from the drop-in fitter's `data` too."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _native
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
    "plot_transaction_rate_heterogeneity",
    "plot_dropout_rate_heterogeneity",
    "plot_expected_repeat_purchases",
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


def _heterogeneity(model: Any, latent: str, suptitle: str, xlabel: str, ylabel: str, suptitle_fontsize: int, **kwargs: Any) -> Any:
    """The core's mixing density of `latent` on 100 points from 0 to its 99% quantile, in a new
    figure titled with the distribution's mean and variance."""
    from matplotlib import pyplot as plt

    handle = model._model()
    upper = _native.mixing_quantile_of(handle, latent, 0.99)
    x = np.linspace(0.0, upper, 100)
    density, mean, variance = _native.mixing_density_of(handle, latent, x)
    fig, ax = plt.subplots(1)
    fig.suptitle(suptitle, fontsize=suptitle_fontsize, fontweight="bold")
    ax.set_title("mean: {:.3f}, var: {:.3f}".format(mean, variance))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.tight_layout(rect=[0, 0.03, 1, 0.95])
    ax.plot(x, density, **kwargs)
    return ax


def plot_transaction_rate_heterogeneity(
    model: Any,
    suptitle: str = "Heterogeneity in Transaction Rate",
    xlabel: str = "Transaction Rate",
    ylabel: str = "Density",
    suptitle_fontsize: int = 14,
    **kwargs: Any,
) -> Any:
    """The Gamma(r, α) density of the customers' purchase rate λ (BG/NBD, MBG/NBD, Pareto/NBD)
    from 0 to its 99% quantile, titled with its mean and variance; `kwargs` go to ``plot``.
    Unlike lifetimes, which ignores `suptitle` here, the figure takes it. A model without that
    distribution (BG/BB, Gamma-Gamma) is the core's ValueModelError (VALUE_INVALID_OPTION)."""
    return _heterogeneity(model, "transaction_rate", suptitle, xlabel, ylabel, suptitle_fontsize, **kwargs)


def plot_dropout_rate_heterogeneity(
    model: Any,
    suptitle: str = "Heterogeneity in Dropout Probability",
    xlabel: str = "Dropout Probability p",
    ylabel: str = "Density",
    suptitle_fontsize: int = 14,
    **kwargs: Any,
) -> Any:
    """The Beta(a, b) density of the customers' dropout probability p (BG/NBD, MBG/NBD) from 0
    to its 99% quantile, titled with its mean and variance; `kwargs` go to ``plot``. Pareto/NBD
    (whose dropout is a rate μ ~ Gamma(s, β)), BG/BB and Gamma-Gamma have no such distribution:
    lifetimes fails on them, kehu raises the core's ValueModelError (VALUE_INVALID_OPTION)."""
    return _heterogeneity(model, "dropout", suptitle, xlabel, ylabel, suptitle_fontsize, **kwargs)


def plot_expected_repeat_purchases(
    model: Any,
    title: str = "Expected Number of Repeat Purchases per Customer",
    xlabel: str = "Time Since First Purchase",
    ax: Any = None,
    label: str | None = None,
    **kwargs: Any,
) -> Any:
    """E[X(t)] of a new customer, solid up to the longest observation T of the fitted data and
    dashed on to 1.5 times it, in one colour (`c`/`color`, else the axes' next one). The title,
    label and legend go to `ax` (lifetimes puts them on pyplot's current axes), and the legend
    is drawn only with a `label` (lifetimes draws an empty one). A model loaded from JSON has
    no fitted data: a ValueError asks to fit it."""
    from matplotlib import pyplot as plt

    if ax is None:
        ax = plt.subplot(111)
    data = getattr(model, "data", None)
    extent = getattr(model, "data_extent_", None)
    if data is not None and "T" in data:
        max_T = float(np.max(np.asarray(data["T"], dtype=np.float64)))
    elif extent is not None:
        max_T = float(extent["max_T"])
    else:
        raise ValueError("the model keeps no fitted data (loaded from JSON?): fit it to plot its expected purchases")
    color = kwargs.pop("c", None)
    color = kwargs.pop("color", None) if color is None else color
    times = np.linspace(0, max_T, 100)
    (line,) = ax.plot(times, model.expected_number_of_purchases_up_to_time(times), color=color, label=label, **kwargs)
    times = np.linspace(max_T, 1.5 * max_T, 100)
    ax.plot(times, model.expected_number_of_purchases_up_to_time(times), color=line.get_color(), ls="--", **kwargs)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    if label is not None:
        ax.legend(loc="lower right")
    return ax
