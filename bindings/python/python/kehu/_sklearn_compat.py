"""scikit-learn's estimator API for kehu's models, with scikit-learn optional.

Where scikit-learn is importable the bases are scikit-learn's own (`BaseEstimator` and its
mixins), so kehu's models are scikit-learn estimators: tags, `clone`, pipelines, search,
`set_output`, `check_is_fitted`. Without it, small stand-ins give the same `get_params` /
`set_params` / `repr` / `set_output` behaviour, so `import kehu` never needs scikit-learn.
Only the estimator protocol lives here; every fit and prediction is the core's.
"""

from __future__ import annotations

import inspect
from functools import wraps
from typing import Any, Callable

import numpy as np
import pandas as pd

from . import _native
from ._convert import coded

try:
    from sklearn.base import (
        BaseEstimator,
        ClassNamePrefixFeaturesOutMixin,
        ClusterMixin,
        DensityMixin,
        TransformerMixin,
    )
    from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

    HAVE_SKLEARN = True
except ImportError:
    HAVE_SKLEARN = False

    class BaseEstimator:  # type: ignore[no-redef]
        """Stand-in for `sklearn.base.BaseEstimator`: parameters from `__init__`'s signature
        and scikit-learn's repr (the parameters that differ from their defaults, by name)."""

        @classmethod
        def _get_param_names(cls) -> list[str]:
            init = cls.__init__
            if init is object.__init__:
                return []
            params = inspect.signature(init).parameters.values()
            return sorted(p.name for p in params if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))

        def get_params(self, deep: bool = True) -> dict[str, Any]:
            return {k: getattr(self, k) for k in self._get_param_names()}

        def set_params(self, **params: Any) -> Any:
            for k, v in params.items():
                setattr(self, k, v)
            return self

        def __repr__(self) -> str:
            defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}

            def changed(k: str, v: Any) -> bool:
                d = defaults.get(k, inspect.Parameter.empty)
                if d is inspect.Parameter.empty:
                    return True
                both_nan = isinstance(v, float) and isinstance(d, float) and v != v and d != d
                return repr(v) != repr(d) and not both_nan

            shown = sorted((k, v) for k, v in self.get_params(deep=False).items() if changed(k, v))
            return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in shown)})"

    class ClusterMixin:  # type: ignore[no-redef]
        """Stand-in for `sklearn.base.ClusterMixin` (the models define `fit_predict`)."""

        _estimator_type = "clusterer"

    class DensityMixin:  # type: ignore[no-redef]
        """Stand-in for `sklearn.base.DensityMixin` (the models define `score`)."""

        _estimator_type = "DensityEstimator"

    class ClassNamePrefixFeaturesOutMixin:  # type: ignore[no-redef]
        """Stand-in for `sklearn.base.ClassNamePrefixFeaturesOutMixin` (see `FeaturesOut`)."""

    def _wrap_output(method: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(method)
        def wrapped(self: Any, X: Any, *args: Any, **kwargs: Any) -> Any:
            out = method(self, X, *args, **kwargs)
            kind = getattr(self, "_sklearn_output_config", {}).get("transform", "default")
            if kind == "default" or not isinstance(out, np.ndarray):
                return out
            columns = list(self.get_feature_names_out())
            if kind == "polars":
                import polars as pl

                return pl.DataFrame(out, schema=columns, orient="row")
            index = X.index if isinstance(X, pd.DataFrame) else None
            return pd.DataFrame(out, columns=columns, index=index)

        return wrapped

    class TransformerMixin:  # type: ignore[no-redef]
        """Stand-in for `sklearn.base.TransformerMixin`: `set_output(transform=...)` with
        "default", "pandas" or "polars", wrapping `transform` and `fit_transform` as
        scikit-learn's does."""

        def __init_subclass__(cls, **kwargs: Any) -> None:
            super().__init_subclass__(**kwargs)
            for name in ("transform", "fit_transform"):
                if name in cls.__dict__:
                    setattr(cls, name, _wrap_output(cls.__dict__[name]))

        def set_output(self, *, transform: str | None = None) -> Any:
            if transform is None:
                return self
            if transform not in ("default", "pandas", "polars"):
                raise coded(
                    _native.SegmentError,
                    f"invalid option 'transform': must be 'default', 'pandas' or 'polars', got {transform!r}",
                    "SEGMENT_INVALID_OPTION",
                )
            self._sklearn_output_config = {**getattr(self, "_sklearn_output_config", {}), "transform": transform}
            return self


if HAVE_SKLEARN:

    class NotFittedError(_native.SegmentError, _SklearnNotFittedError):
        """A model used before `fit`: a `kehu.SegmentError` (code SEGMENT_INVALID_OPTION) that
        is also scikit-learn's `NotFittedError` (a ValueError and an AttributeError)."""

else:

    class NotFittedError(_native.SegmentError, AttributeError):  # type: ignore[no-redef]
        """A model used before `fit`: a `kehu.SegmentError` (code SEGMENT_INVALID_OPTION) that
        is also an AttributeError, as scikit-learn's `NotFittedError` is."""


class InputTypeError(_native.SegmentError, TypeError):
    """Input of a type the models cannot take (sparse matrices, objects that are not numbers):
    a `kehu.SegmentError` (code SEGMENT_INVALID_DATA) that is also a TypeError, as numpy's and
    scikit-learn's errors for the same input are."""


for _cls in (NotFittedError, InputTypeError):
    _cls.__module__ = "kehu.segment"


def feature_names(X: Any) -> np.ndarray | None:
    """The column names of a pandas or polars DataFrame when all of them are text (object
    array), None otherwise; names of mixed types are refused, as scikit-learn refuses them."""
    if isinstance(X, pd.DataFrame) or (type(X).__module__.split(".")[0] == "polars" and hasattr(X, "columns")):
        columns = list(X.columns)
    else:
        return None
    if not columns:
        return None
    names = np.asarray(columns, dtype=object)
    types = sorted({type(n).__name__ for n in columns})
    if len(types) > 1 and "str" in types:
        raise coded(
            InputTypeError,
            "Feature names are only supported if all input features have string names, but your input has "
            f"{types} as feature name / column name types. If you want feature names to be stored and validated, "
            "you must convert them all to strings, by using X.columns = X.columns.astype(str) for example. "
            "Otherwise you can remove feature / column names from your input data, or convert them all to a "
            "non-string data type.",
            "SEGMENT_INVALID_DATA",
        )
    return names if types == ["str"] else None
