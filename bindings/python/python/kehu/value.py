"""Customer value models (价值评估): BG/NBD, MBG/NBD, Pareto/NBD, BG/BB and Gamma-Gamma, fitted by
maximum likelihood in the Rust core, with standard errors, predictions, CLV and value tiers.

>>> from kehu.value import BetaGeo, GammaGamma
>>> bg = BetaGeo().fit(summary["frequency"], summary["recency"], summary["T"])
>>> bg.params_, bg.standard_errors_, bg.log_likelihood_
"""

from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np
import pandas as pd

from . import _native
from ._convert import coded, float_array, options_json

__all__ = [
    "BetaGeo",
    "ModifiedBetaGeo",
    "ParetoNBD",
    "BetaGeoBetaBinom",
    "GammaGamma",
    "value_tiers",
    "holdout_check",
    "period_transactions",
]


def _arr(values: Any) -> np.ndarray:
    return np.ascontiguousarray(float_array(values, _native.ValueModelError, "VALUE_INVALID_DATA").reshape(-1))


def _broadcast(*values: Any) -> list[np.ndarray]:
    try:
        arrays = np.broadcast_arrays(*[float_array(v, _native.ValueModelError, "VALUE_INVALID_DATA") for v in values])
    except ValueError as e:
        raise coded(_native.ValueModelError, f"inputs of different lengths: {e}", "VALUE_INVALID_DATA") from None
    return [np.ascontiguousarray(a.reshape(-1)) for a in arrays]


def _like(result: np.ndarray, *inputs: Any) -> Any:
    """A Series when an input was a Series (same index), a float for scalars, else an array."""
    for v in inputs:
        if isinstance(v, pd.Series) and len(v) == len(result):
            return pd.Series(result, index=v.index)
    if all(np.ndim(v) == 0 for v in inputs):
        return float(result[0])
    return result


class _Model:
    """Shared fit/predict machinery; subclasses set `_kind`."""

    _kind = ""

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer
        self._handle: Any = None  # the core's fitted model (`_native.ValueModel`)
        self._report: dict | None = None

    # scikit-learn style parameters
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Estimator parameters (scikit-learn convention)."""
        return {"penalizer": self.penalizer}

    def set_params(self, **params: Any) -> "_Model":
        """Sets estimator parameters (scikit-learn convention)."""
        for k, v in params.items():
            if k != "penalizer":
                raise coded(_native.ValueModelError, f"invalid option {k!r}: not a parameter of {type(self).__name__}", "VALUE_INVALID_OPTION")
            setattr(self, k, v)
        return self

    def _fit(self, a: Any, b: Any, c: Any, weights: Any, **given: Any) -> "_Model":
        w = None if weights is None else _arr(weights)
        options = options_json({"kind": self._kind, "penalizer": self.penalizer, **given}, _native.ValueModelError, "VALUE_INVALID_OPTION", "options")
        self._handle, self._report = _native.fit_value_model(options, _arr(a), _arr(b), None if c is None else _arr(c), w)
        for message in self._report["warnings"]:
            warnings.warn(f"{type(self).__name__}: {message}", RuntimeWarning, stacklevel=3)
        return self

    def _model(self) -> Any:
        if self._handle is None:
            raise coded(_native.ValueModelError, "invalid option 'model': not fitted; call fit() or from_json() first", "VALUE_INVALID_OPTION")
        return self._handle

    @property
    def params_(self) -> dict[str, float]:
        """Estimated parameters."""
        return dict(self._model().params)

    def _report_value(self, key: str) -> Any:
        self._model()
        if self._report is None:
            raise coded(_native.ValueModelError, "invalid option 'model': no fit report, the model was loaded, not fitted", "VALUE_INVALID_OPTION")
        return self._report.get(key)  # a report pickled by an earlier kehu may lack newer keys

    @property
    def standard_errors_(self) -> dict[str, float] | None:
        """Standard errors from the inverse Hessian (None if it is singular)."""
        se = self._report_value("standard_errors")
        return None if se is None else dict(zip(self._report_value("names"), se))

    @property
    def confidence_intervals_(self) -> dict[str, tuple[float, float]] | None:
        """95% confidence intervals (estimate ± 1.96 SE)."""
        ci = self._report_value("confidence_intervals")
        return None if ci is None else dict(zip(self._report_value("names"), map(tuple, ci)))

    @property
    def log_likelihood_(self) -> float:
        """Log-likelihood at the estimates, in the data's time unit."""
        return self._report_value("log_likelihood")

    @property
    def aic_(self) -> float:
        """Akaike information criterion."""
        return self._report_value("aic")

    @property
    def bic_(self) -> float:
        """Bayesian information criterion."""
        return self._report_value("bic")

    @property
    def fit_report_(self) -> dict[str, Any]:
        """Iterations, gradient norm and convergence of the fit."""
        return dict(self._report_value("iterations") and self._report or {})

    def _predict(self, what: str, s: Any, a: Any, b: Any, c: Any) -> np.ndarray:
        s_, a_, b_, c_ = _broadcast(s, a, b, c)
        return self._model().predict(what, s_, a_, b_, c_)

    def _pmf(self, n: Any, t: Any, history: tuple[Any, Any, Any] | None) -> Any:
        if history is None:
            n_, t_ = _broadcast(n, t)
            return _like(self._model().pmf(n_, t_), t, n)
        n_, t_, x_, r_, a_ = _broadcast(n, t, *history)
        return _like(self._model().pmf(n_, t_, x_, r_, a_), *history, n, t)

    def to_json(self) -> str:
        """The fitted model as a versioned JSON document (loads in every kehu binding)."""
        return self._model().to_json()

    @classmethod
    def from_json(cls, text: str) -> "_Model":
        """Loads a model saved with `to_json` (any binding); malformed text raises `FormatError`
        (code FORMAT_INVALID), another model kind FORMAT_WRONG_KIND."""
        model = cls()
        model._handle = _native.ValueModel.from_json(text, cls._kind)
        return model

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickles, also from earlier kehu pickles, which held the model as JSON text (`_json`)."""
        state = dict(state)
        text = state.pop("_json", None)
        self.__dict__.update(state)
        if text is not None:
            self._handle = _native.ValueModel.from_json(text, self._kind)
        self.__dict__.setdefault("_handle", None)
        self.__dict__.setdefault("_report", None)

    def __repr__(self) -> str:
        if self._handle is None:
            return f"{type(self).__name__}(penalizer={self.penalizer})"
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({params})"


class _PurchaseModel(_Model):
    def fit(self, frequency: Any, recency: Any, T: Any, weights: Any = None) -> "_PurchaseModel":
        """Fits on per-customer frequency (repeat purchases), recency and T."""
        self._fit(frequency, recency, T, weights)
        return self

    @property
    def data_extent_(self) -> dict[str, float] | None:
        """The fitted data's largest frequency and T (the core's fit report): the plots' default
        axes, as lifetimes takes them from its data. None for a model loaded, not fitted."""
        report = self._report if self._handle is not None else None
        if not report or report.get("max_T") is None:
            return None
        return {"max_frequency": report["max_frequency"], "max_T": report["max_T"]}

    def conditional_expected_number_of_purchases_up_to_time(self, t: Any, frequency: Any, recency: Any, T: Any) -> Any:
        """Expected purchases in the next t time units, per customer."""
        return _like(self._predict("conditional_expected_purchases", t, frequency, recency, T), frequency, recency, T, t)

    def conditional_probability_alive(self, frequency: Any, recency: Any, T: Any) -> Any:
        """P(alive | frequency, recency, T)."""
        return _like(self._predict("probability_alive", 0.0, frequency, recency, T), frequency, recency, T)

    def expected_number_of_purchases_up_to_time(self, t: Any) -> Any:
        """E[X(t)] for a customer just acquired."""
        return _like(self._predict("expected_purchases_new", 0.0, 0.0, 0.0, t), t)

    def probability_of_n_purchases_up_to_time(self, t: Any, n: Any) -> Any:
        """P(X(t) = n) for a customer just acquired."""
        return self._pmf(n, t, None)

    def conditional_probability_of_n_purchases_up_to_time(self, n: Any, t: Any, frequency: Any, recency: Any, T: Any) -> Any:
        """P(n purchases in the next t time units | frequency, recency, T)."""
        return self._pmf(n, t, (frequency, recency, T))

    def simulate(self, T: Any, seed: int | None = None) -> pd.DataFrame:
        """Customers simulated from the fitted model (its exact generative process), one per
        entry of `T` (observation lengths); the same seed gives the same data everywhere."""
        t = _arr(T)
        frequency, recency = self._model().simulate(t, seed)
        return pd.DataFrame({"frequency": frequency, "recency": recency, "T": t})

    def customer_lifetime_value(
        self,
        spend_model: "GammaGamma",
        frequency: Any,
        recency: Any,
        T: Any,
        monetary_value: Any,
        months: int | None = None,
        discount_rate: float | None = None,
        margin: float | None = None,
        units_per_month: float | None = None,
    ) -> Any:
        """CLV with lifetimes' monthly discounting: `units_per_month` is 30 when the model's time
        unit is days, 4.345 for weeks. Options left as None take the core's defaults (12 months,
        0.01 a month, margin 1, 30 units a month); a negative `months` raises ValueModelError
        (VALUE_INVALID_OPTION)."""
        f, r, t, m = _broadcast(frequency, recency, T, monetary_value)
        given = dict(months=months, discount_rate=discount_rate, margin=margin, units_per_month=units_per_month)
        options = options_json({k: v for k, v in given.items() if v is not None}, _native.ValueModelError, "VALUE_INVALID_OPTION", "clv")
        out = self._model().clv(spend_model._model(), f, r, t, m, options)
        return _like(out, frequency, recency, T, monetary_value)


class BetaGeo(_PurchaseModel):
    """BG/NBD (Fader, Hardie and Lee 2005)."""

    _kind = "bgnbd"


class ModifiedBetaGeo(_PurchaseModel):
    """MBG/NBD (Batislam, Denizel and Filiztekin 2007)."""

    _kind = "mbgnbd"


class ParetoNBD(_PurchaseModel):
    """Pareto/NBD (Schmittlein, Morrison and Colombo 1987; Fader, Hardie and Lee 2005)."""

    _kind = "pnbd"

    def discounted_expected_residual_transactions(self, discount_rate: Any, frequency: Any, recency: Any, T: Any) -> Any:
        """DERT: expected future purchases, each discounted continuously at `discount_rate` per
        time unit (e.g. ln(1.15)/52 for 15% a year on weekly data)."""
        out = self._predict("dert", discount_rate, frequency, recency, T)
        return _like(out, frequency, recency, T, discount_rate)


class BetaGeoBetaBinom(_Model):
    """BG/BB, discrete time (Fader, Hardie and Shang 2010)."""

    _kind = "bgbb"

    def fit(self, frequency: Any, recency: Any, n_periods: Any, weights: Any = None) -> "BetaGeoBetaBinom":
        """Fits on transactions, the opportunity of the last one, and opportunities."""
        return self._fit(frequency, recency, n_periods, weights)

    def conditional_expected_number_of_purchases_up_to_time(self, m_periods_in_future: Any, frequency: Any, recency: Any, n_periods: Any) -> Any:
        """Expected transactions in the next m opportunities."""
        out = self._predict("conditional_expected_purchases", m_periods_in_future, frequency, recency, n_periods)
        return _like(out, frequency, recency, n_periods, m_periods_in_future)

    def probability_of_n_purchases_up_to_time(self, m_periods: Any, n: Any) -> Any:
        """P(n transactions in the first m opportunities) for a customer just acquired."""
        return self._pmf(n, m_periods, None)

    def conditional_probability_of_n_purchases_up_to_time(self, n: Any, m_periods_in_future: Any, frequency: Any, recency: Any, n_periods: Any) -> Any:
        """P(n transactions in the next m opportunities | frequency, recency, n_periods)."""
        return self._pmf(n, m_periods_in_future, (frequency, recency, n_periods))

    def conditional_probability_alive(self, frequency: Any, recency: Any, n_periods: Any) -> Any:
        """P(alive at the next opportunity)."""
        return _like(self._predict("probability_alive", 0.0, frequency, recency, n_periods), frequency, recency, n_periods)

    def simulate(self, n_periods: Any, seed: int | None = None) -> pd.DataFrame:
        """Customers simulated from the fitted model, one per entry of `n_periods`."""
        n = _arr(n_periods)
        frequency, recency = self._model().simulate(n, seed)
        return pd.DataFrame({"frequency": frequency, "recency": recency, "n_periods": n})

    def discounted_expected_residual_transactions(self, discount_rate: Any, frequency: Any, recency: Any, n_periods: Any) -> Any:
        """DERT: expected future transactions, discounted at `discount_rate` per opportunity."""
        out = self._predict("dert", discount_rate, frequency, recency, n_periods)
        return _like(out, frequency, recency, n_periods, discount_rate)


class GammaGamma(_Model):
    """Gamma-Gamma spend model (Fader and Hardie 2013); fit on repeat buyers only."""

    _kind = "gamma_gamma"

    def fit(self, frequency: Any, monetary_value: Any, weights: Any = None, q_constraint: bool = False) -> "GammaGamma":
        """Fits on repeat transactions (≥ 1) and their mean value; `q_constraint=True` keeps
        q ≥ 1 (a finite population mean spend), as lifetimes' option does."""
        return self._fit(frequency, monetary_value, None, weights, q_constraint=q_constraint)

    def simulate(self, frequency: Any, seed: int | None = None) -> pd.Series:
        """Mean spend simulated for customers with `frequency` (≥ 1) transactions each."""
        spend, _ = self._model().simulate(_arr(frequency), seed)
        return _like(spend, frequency) if isinstance(frequency, pd.Series) else pd.Series(spend, name="monetary_value")

    def conditional_expected_average_profit(self, frequency: Any, monetary_value: Any) -> Any:
        """E[mean spend | frequency, monetary_value]."""
        return _like(self._predict("conditional_expected_spend", 0.0, frequency, monetary_value, 0.0), frequency, monetary_value)


def value_tiers(values: Any, cut_offs: Sequence[float] | None = None) -> Any:
    """Tier of each customer by value: 0 for the top `cut_offs[0]` share, 1 for the next, …,
    `len(cut_offs)` for the rest; `cut_offs` None: the core's default tiers (the top 1%, the
    next 4%, the next 15%, the rest)."""
    out = _native.value_tiers_of(_arr(values), None if cut_offs is None else _arr(cut_offs).tolist())
    return _like(out, values)


def _bins_frame(bins: dict[str, Any], index_name: str) -> pd.DataFrame:
    frame = pd.DataFrame(bins).set_index("frequency")
    frame.index.name = index_name
    return frame


def holdout_check(model: _Model, calibration_holdout: pd.DataFrame, max_frequency: int | None = None) -> pd.DataFrame:
    """Mean actual against mean predicted holdout purchases by calibration frequency.

    `calibration_holdout` has the columns of `kehu.calibration_and_holdout` (frequency_cal,
    recency_cal, T_cal, frequency_holdout, duration_holdout). Rows are frequencies
    0 … max_frequency − 1 (None: the core's default, 7) and an open-ended last row (`open_ended`), so no customer is left
    out; columns `customers`, `actual`, `predicted`. `attrs` holds the totals and the per-customer
    mean absolute and root mean squared errors."""
    c = calibration_holdout
    cols = [_arr(c[k]) for k in ("frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout")]
    bins, metrics = model._model().holdout_check(*cols, max_frequency)
    frame = _bins_frame(bins, "frequency_cal")
    frame.attrs.update(metrics)
    return frame


def period_transactions(model: _Model, frequency: Any, T: Any, max_frequency: int | None = None) -> pd.DataFrame:
    """Customers by repeat purchases in the calibration period: `actual` (counted) and
    `predicted` (Σ over customers of the model's P(X(T) = x), exact rather than simulated).
    Rows are frequencies 0 … max_frequency − 1 (None: the core's default, 7) and an open-ended
    last row."""
    bins = model._model().period_transactions(_arr(frequency), _arr(T), max_frequency)
    return _bins_frame(bins, "frequency").drop(columns="customers")
