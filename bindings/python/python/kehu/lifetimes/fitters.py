"""lifetimes' fitter classes, backed by kehu's value models: the same names, signatures and
outputs (`params_` as an assignable Series, `summary`, `data`, `save_model` / `load_model`, the
prediction methods, `__repr__` in lifetimes' form).

Where kehu differs, it is on purpose: the fit is kehu's deterministic maximum likelihood (so
`initial_params`, `verbose`, `tol`, and Pareto/NBD's `iterative_fitting`, `fit_method` and
`maxiter` are accepted and have no effect); `variance_matrix_` is the covariance of the
estimates (lifetimes multiplies each column, not each cell, by the squared parameters, so its
off-diagonal cells are off); `save_model` writes a standard pickle (lifetimes uses dill);
`conditional_probability_alive_matrix` of Pareto/NBD and MBG/NBD shows a customer without repeat
purchases at recency 0 in every row, the only history the models allow for them (lifetimes
evaluates impossible histories there; for BG/NBD the two agree).
"""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pandas as pd

from .. import _native
from ..value import BetaGeo, BetaGeoBetaBinom, GammaGamma, ModifiedBetaGeo, ParetoNBD, _arr, _like

__all__ = ["BetaGeoFitter", "ModifiedBetaGeoFitter", "ParetoNBDFitter", "BetaGeoBetaBinomFitter", "GammaGammaFitter"]

class _FitterMixin:
    """What every lifetimes fitter has: parameters, summary, data, persistence, repr."""

    _lifetimes_names: dict[str, str] = {}

    def __init__(self, penalizer_coef: float = 0.0) -> None:
        super().__init__(penalizer=penalizer_coef)  # type: ignore[call-arg]
        self.penalizer_coef = penalizer_coef

    def _rename(self, name: str) -> str:
        return self._lifetimes_names.get(name, name)

    @property
    def params_(self) -> pd.Series:  # type: ignore[override]
        """Estimated parameters, as lifetimes names and orders them. Assign a Series or dict
        (every parameter, lifetimes' names) to score at given parameters, as in lifetimes."""
        if self._handle is None:  # type: ignore[attr-defined]
            raise AttributeError(f"{type(self).__name__} has no params_: call fit() first or assign them")
        return pd.Series(dict(self._handle.params)).rename(index=self._rename)  # type: ignore[attr-defined]

    @params_.setter
    def params_(self, values: Any) -> None:
        kehu_names = {v: k for k, v in self._lifetimes_names.items()}
        given = [(kehu_names.get(str(k), str(k)), float(v)) for k, v in pd.Series(values).items()]
        self._handle = _native.ValueModel.at_params(self._kind, given)  # type: ignore[attr-defined]
        self._report = None  # the fit's errors and intervals belong to other parameters

    @property
    def standard_errors_(self) -> pd.Series:  # type: ignore[override]
        """Standard errors of the estimates (NaN where the information matrix is singular)."""
        se = self._report_value("standard_errors")  # type: ignore[attr-defined]
        names = [self._rename(n) for n in self._report_value("names")]  # type: ignore[attr-defined]
        return pd.Series(np.nan if se is None else se, index=names, dtype=float)

    @property
    def confidence_intervals_(self) -> pd.DataFrame:  # type: ignore[override]
        """The 95% bounds, estimate ± 1.96 SE, as lifetimes lays them out."""
        ci = self._report_value("confidence_intervals")  # type: ignore[attr-defined]
        names = [self._rename(n) for n in self._report_value("names")]  # type: ignore[attr-defined]
        bounds = np.full((len(names), 2), np.nan) if ci is None else np.asarray(ci, dtype=float)
        return pd.DataFrame(bounds, index=names, columns=["lower 95% bound", "upper 95% bound"])

    @property
    def variance_matrix_(self) -> pd.DataFrame:
        """Covariance matrix of the estimates (NaN where the information matrix is singular)."""
        cov = self._report_value("covariance")  # type: ignore[attr-defined]
        names = [self._rename(n) for n in self._report_value("names")]  # type: ignore[attr-defined]
        k = len(names)
        values = np.full((k, k), np.nan) if cov is None else np.asarray(cov, dtype=float).reshape(k, k)
        return pd.DataFrame(values, index=names, columns=names)

    @property
    def summary(self) -> pd.DataFrame:
        """coef, se(coef) and the 95% bounds, as in lifetimes."""
        frame = pd.DataFrame({"coef": self.params_, "se(coef)": self.standard_errors_})
        return frame.join(self.confidence_intervals_)

    @property
    def _negative_log_likelihood_(self) -> float:
        return self._report_value("objective")  # type: ignore[attr-defined]

    def _keep(self, index: Any, weights: Any, **columns: Any) -> None:
        """The fitted data, kept as lifetimes keeps it (`data`, used by its plots)."""
        n = len(next(iter(columns.values())))
        w = np.ones(n, dtype=np.int64) if weights is None else np.asarray(weights)
        self.data = pd.DataFrame({**{k: np.asarray(v) for k, v in columns.items()}, "weights": w}, index=index)

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickles, also fitters pickled by an earlier kehu (data without `weights`)."""
        super().__setstate__(state)  # type: ignore[misc]
        data = self.__dict__.get("data")
        if isinstance(data, pd.DataFrame) and "weights" not in data:
            self.data = data.assign(weights=np.ones(len(data), dtype=np.int64))

    def generate_new_data(self, size: int = 1) -> pd.DataFrame:
        """`size` customers simulated from the fitted model over the fitted data's observation
        lengths, in lifetimes' generator layout (`kehu.lifetimes.generate_data`)."""
        from .generate_data import _generate_for

        return _generate_for(self, size)

    def save_model(self, path: Any, save_data: bool = True, save_generate_data_method: bool = True, values_to_save: Any = None) -> None:
        """Saves the fitter as a pickle; `save_data=False` leaves `data` out (set to
        `values_to_save[0]`, default None). The generator is a method here, so
        `save_generate_data_method` changes nothing. For a file every kehu binding reads, use
        `to_json()`."""
        state = dict(self.__dict__)
        if not save_data:
            state["data"] = None if values_to_save is None else list(values_to_save)[0]
        copy = object.__new__(type(self))
        copy.__dict__.update(state)
        with open(path, "wb") as out:
            pickle.dump(copy, out)

    def load_model(self, path: Any) -> None:
        """Loads a fitter saved with `save_model` into this one (a pickle: load only files you
        trust)."""
        with open(path, "rb") as f:
            loaded = pickle.load(f)
        self.__dict__.update(loaded.__dict__)

    def __repr__(self) -> str:
        name = type(self).__name__
        try:
            params = self.params_
        except AttributeError:
            return f"<lifetimes.{name}>"
        data = getattr(self, "data", None)
        subjects = f" fitted with {data.shape[0]:d} subjects," if data is not None else ""
        values = ", ".join(f"{k}: {v:.2f}" for k, v in sorted(params.items()))
        return f"<lifetimes.{name}:{subjects} {values}>"


class _ContinuousFitter(_FitterMixin):
    def fit(
        self,
        frequency: Any,
        recency: Any,
        T: Any,
        weights: Any = None,
        initial_params: Any = None,
        verbose: bool = False,
        tol: float = 1e-7,
        index: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Fits on per-customer frequency, recency and T (`weights`: customers per row)."""
        super().fit(frequency, recency, T, weights)  # type: ignore[misc]
        self._keep(index, weights, frequency=_arr(frequency).astype(np.int64), recency=recency, T=T)
        return self

    def predict(self, t: Any, frequency: Any, recency: Any, T: Any) -> Any:
        """lifetimes' alias of `conditional_expected_number_of_purchases_up_to_time`."""
        return self.conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, T)  # type: ignore[attr-defined]

    def conditional_probability_alive_matrix(self, max_frequency: Any = None, max_recency: Any = None) -> np.ndarray:
        """P(alive) for every (recency, frequency) of a customer observed for `max_recency`:
        rows recency 0 … max_recency, columns frequency 0 … max_frequency (defaults: the
        largest frequency and T fitted)."""
        data = getattr(self, "data", None)
        fitted = {} if data is None else {"frequency": _arr(data["frequency"]), "t": _arr(data["T"])}
        grid, mf, mr = self._model().grid(max_frequency, max_recency, **fitted)  # type: ignore[attr-defined]
        return np.asarray(grid).reshape(mr + 1, mf + 1)


class BetaGeoFitter(_ContinuousFitter, BetaGeo):
    """lifetimes.BetaGeoFitter."""


class ModifiedBetaGeoFitter(_ContinuousFitter, ModifiedBetaGeo):
    """lifetimes.ModifiedBetaGeoFitter."""


class ParetoNBDFitter(_ContinuousFitter, ParetoNBD):
    """lifetimes.ParetoNBDFitter (deterministic: no random start, with standard errors)."""

    def fit(  # type: ignore[override]
        self,
        frequency: Any,
        recency: Any,
        T: Any,
        weights: Any = None,
        iterative_fitting: int = 1,
        initial_params: Any = None,
        verbose: bool = False,
        tol: float = 1e-4,
        index: Any = None,
        fit_method: str = "Nelder-Mead",
        maxiter: int = 2000,
        **kwargs: Any,
    ) -> "ParetoNBDFitter":
        """Fits on per-customer frequency, recency and T (`weights`: customers per row)."""
        return super().fit(frequency, recency, T, weights, index=index)  # type: ignore[no-any-return]


class BetaGeoBetaBinomFitter(_FitterMixin, BetaGeoBetaBinom):
    """lifetimes.BetaGeoBetaBinomFitter."""

    def fit(  # type: ignore[override]
        self,
        frequency: Any,
        recency: Any,
        n_periods: Any,
        weights: Any = None,
        initial_params: Any = None,
        verbose: bool = False,
        tol: float = 1e-7,
        index: Any = None,
        **kwargs: Any,
    ) -> "BetaGeoBetaBinomFitter":
        """Fits on transactions, the opportunity of the last one, and opportunities
        (`weights`: customers per row, as in lifetimes' aggregated BG/BB data)."""
        super().fit(frequency, recency, n_periods, weights)
        self._keep(index, weights, frequency=frequency, recency=recency, n_periods=n_periods)
        return self

    def conditional_probability_alive(self, m_periods_in_future: Any, frequency: Any, recency: Any, n_periods: Any) -> Any:  # type: ignore[override]
        """P(alive at opportunity n_periods + m_periods_in_future | history)."""
        out = self._predict("probability_alive_at", m_periods_in_future, frequency, recency, n_periods)
        return _like(out, frequency, recency, n_periods, m_periods_in_future)

    def expected_number_of_transactions_in_first_n_periods(self, n: Any) -> pd.DataFrame:
        """Expected customers with x transactions in the first n opportunities, for every x of
        the fitted data (column `model`, indexed by `frequency`), as lifetimes gives it."""
        x, expected = self._model().expected_customers_by_frequency(_arr(self.data["frequency"]), float(n), _arr(self.data["weights"]))
        return pd.DataFrame({"model": expected}, index=pd.Index(x.astype(self.data["frequency"].dtype), name="frequency"))

    def predict(self, m_periods_in_future: Any, frequency: Any, recency: Any, n_periods: Any) -> Any:
        """Alias of `conditional_expected_number_of_purchases_up_to_time`."""
        return self.conditional_expected_number_of_purchases_up_to_time(m_periods_in_future, frequency, recency, n_periods)


class GammaGammaFitter(_FitterMixin, GammaGamma):
    """lifetimes.GammaGammaFitter (lifetimes calls γ `v`)."""

    _lifetimes_names = {"gamma": "v"}

    def fit(  # type: ignore[override]
        self,
        frequency: Any,
        monetary_value: Any,
        weights: Any = None,
        initial_params: Any = None,
        verbose: bool = False,
        tol: float = 1e-7,
        index: Any = None,
        q_constraint: bool = False,
        **kwargs: Any,
    ) -> "GammaGammaFitter":
        """Fits on repeat buyers' frequency and mean spend; `q_constraint=True` keeps q ≥ 1, as
        lifetimes' bound on log q does (the core holds q at 1 when the free estimate is
        below)."""
        super().fit(frequency, monetary_value, weights, q_constraint=q_constraint)
        self._keep(index, weights, monetary_value=monetary_value, frequency=frequency)
        return self

    def customer_lifetime_value(  # type: ignore[override]
        self,
        transaction_prediction_model: Any,
        frequency: Any,
        recency: Any,
        T: Any,
        monetary_value: Any,
        time: int = 12,
        discount_rate: float = 0.01,
        freq: str = "D",
    ) -> Any:
        """lifetimes' CLV: `time` months, monthly `discount_rate`, the model's time unit `freq`."""
        return transaction_prediction_model.customer_lifetime_value(
            self, frequency, recency, T, monetary_value,
            months=time, discount_rate=discount_rate, units_per_month=units_per_month(freq),
        )


def units_per_month(freq: str) -> float:
    """lifetimes' model time units per month for `freq` (D, W, M, H), from the core."""
    return _native.units_per_month(freq)
