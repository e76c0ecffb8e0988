"""lifetimes' fitter classes, backed by kehu's value models: the same names, arguments and
outputs (`params_` as a Series, `summary`, the prediction methods)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import _native
from .._convert import coded
from ..value import BetaGeo, BetaGeoBetaBinom, GammaGamma, ModifiedBetaGeo, ParetoNBD

__all__ = ["BetaGeoFitter", "ModifiedBetaGeoFitter", "ParetoNBDFitter", "BetaGeoBetaBinomFitter", "GammaGammaFitter"]

_UNITS_PER_MONTH = {"W": 4.345, "M": 1.0, "D": 30.0, "H": 30.0 * 24}


class _FitterMixin:
    _lifetimes_names: dict[str, str] = {}

    def __init__(self, penalizer_coef: float = 0.0) -> None:
        super().__init__(penalizer=penalizer_coef)  # type: ignore[call-arg]
        self.penalizer_coef = penalizer_coef

    @property
    def params_(self) -> pd.Series:  # type: ignore[override]
        """Estimated parameters, as lifetimes gives them."""
        params = pd.Series(super().params_)  # type: ignore[misc]
        return params.rename(index=lambda k: self._lifetimes_names.get(k, k))

    @property
    def summary(self) -> pd.DataFrame:
        """coef, se(coef) and the 95% bounds, as in lifetimes."""
        params = self.params_
        rename = lambda k: self._lifetimes_names.get(k, k)  # noqa: E731
        se = pd.Series(self.standard_errors_).rename(index=rename)  # type: ignore[attr-defined]
        bounds = pd.DataFrame(self.confidence_intervals_, index=["lower 95% bound", "upper 95% bound"]).T.rename(index=rename)  # type: ignore[attr-defined]
        return pd.DataFrame({"coef": params, "se(coef)": se}).join(bounds)

    def _keep(self, **columns: Any) -> None:
        """The fitted data, kept as lifetimes keeps it (`data`, used by its plots)."""
        self.data = pd.DataFrame({k: pd.Series(v).to_numpy() for k, v in columns.items()})

    @property
    def _negative_log_likelihood_(self) -> float:
        return -self.log_likelihood_ / self.fit_report_["customers"]  # type: ignore[attr-defined]


class BetaGeoFitter(_FitterMixin, BetaGeo):
    """lifetimes.BetaGeoFitter."""

    def fit(self, frequency: Any, recency: Any, T: Any, weights: Any = None, **_: Any) -> "BetaGeoFitter":
        super().fit(frequency, recency, T, weights)
        self._keep(frequency=frequency, recency=recency, T=T)
        return self

    predict = BetaGeo.conditional_expected_number_of_purchases_up_to_time


class ModifiedBetaGeoFitter(_FitterMixin, ModifiedBetaGeo):
    """lifetimes.ModifiedBetaGeoFitter."""

    def fit(self, frequency: Any, recency: Any, T: Any, weights: Any = None, **_: Any) -> "ModifiedBetaGeoFitter":
        super().fit(frequency, recency, T, weights)
        self._keep(frequency=frequency, recency=recency, T=T)
        return self

    predict = ModifiedBetaGeo.conditional_expected_number_of_purchases_up_to_time


class ParetoNBDFitter(_FitterMixin, ParetoNBD):
    """lifetimes.ParetoNBDFitter (deterministic: no random start, with standard errors)."""

    def fit(self, frequency: Any, recency: Any, T: Any, weights: Any = None, **_: Any) -> "ParetoNBDFitter":
        super().fit(frequency, recency, T, weights)
        self._keep(frequency=frequency, recency=recency, T=T)
        return self

    predict = ParetoNBD.conditional_expected_number_of_purchases_up_to_time


class BetaGeoBetaBinomFitter(_FitterMixin, BetaGeoBetaBinom):
    """lifetimes.BetaGeoBetaBinomFitter."""

    def fit(self, frequency: Any, recency: Any, n_periods: Any, weights: Any = None, **_: Any) -> "BetaGeoBetaBinomFitter":
        super().fit(frequency, recency, n_periods, weights)
        self._keep(frequency=frequency, recency=recency, n_periods=n_periods)
        return self


class GammaGammaFitter(_FitterMixin, GammaGamma):
    """lifetimes.GammaGammaFitter (lifetimes calls γ `v`)."""

    _lifetimes_names = {"gamma": "v"}

    def fit(self, frequency: Any, monetary_value: Any, weights: Any = None, **_: Any) -> "GammaGammaFitter":
        return super().fit(frequency, monetary_value, weights)  # type: ignore[return-value]

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
            months=time, discount_rate=discount_rate, units_per_month=self._units_per_month(freq),
        )

    @staticmethod
    def _units_per_month(freq: str) -> float:
        try:
            return _UNITS_PER_MONTH[freq]
        except (KeyError, TypeError):
            raise coded(
                _native.ValueModelError, f"invalid option 'freq': must be one of {', '.join(_UNITS_PER_MONTH)}", "VALUE_INVALID_OPTION"
            ) from None
