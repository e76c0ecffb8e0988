"""lifetimes.datasets' loaders with lifetimes' signatures and frames, reading the example data
files of an installed lifetimes package (kehu does not ship them). lifetimes is located, not
imported (its import pulls in autograd and dill); without it, the loaders raise ImportError
saying to ``pip install lifetimes``."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "load_dataset",
    "load_cdnow_summary",
    "load_transaction_data",
    "load_cdnow_summary_data_with_monetary_value",
    "load_donations",
]

_MISSING = "the lifetimes example data sets are read from the lifetimes package, which is not installed: pip install lifetimes"


def _datasets_dir() -> Path:
    """The `datasets` folder of the installed lifetimes package."""
    spec = importlib.util.find_spec("lifetimes")
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        folder = Path(location) / "datasets"
        if folder.is_dir():
            return folder
    raise ImportError(_MISSING)


def load_dataset(filename: str, **kwargs: Any) -> pd.DataFrame:
    """The data file `filename` of lifetimes' datasets (e.g. "donations.csv") read by
    ``pandas.read_csv`` with ``kwargs`` (``usecols``, ...)."""
    return pd.read_csv(_datasets_dir() / filename, **kwargs)


def load_donations(**kwargs: Any) -> pd.DataFrame:
    """The donations data set (a BG/BB example: frequency, recency, periods, weights)."""
    return load_dataset("donations.csv", **kwargs)


def load_cdnow_summary(**kwargs: Any) -> pd.DataFrame:
    """The CDNOW customer summary (ID, frequency, recency, T in weeks)."""
    return load_dataset("cdnow_customers_summary.csv", **kwargs)


def load_transaction_data(**kwargs: Any) -> pd.DataFrame:
    """lifetimes' artificial transactions (date, id) of 2014."""
    return load_dataset("example_transactions.csv", **kwargs)


def load_cdnow_summary_data_with_monetary_value(**kwargs: Any) -> pd.DataFrame:
    """The CDNOW summary with the mean spend: frequency, recency, T, monetary_value, indexed by
    customer_id."""
    df = load_dataset("cdnow_customers_summary_with_transactions.csv", **kwargs)
    df.columns = ["customer_id", "frequency", "recency", "T", "monetary_value"]
    return df.set_index("customer_id")
