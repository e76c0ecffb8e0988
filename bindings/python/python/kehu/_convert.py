"""Conversions between Python data (pandas, polars, pyarrow, plain dicts) and the native module.

Only type conversion lives here: every rule, default and algorithm is in the Rust core.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from . import _native


def coded(cls: type, message: str, code: str) -> Exception:
    """An exception of kehu's class `cls` with the core's stable `code` (for the few failures
    found while converting Python values, before the core sees them)."""
    err = cls(message)
    err.code = code
    return err


def _data_error(message: str, code: str) -> Exception:
    return coded(_native.DataError, message, code)


def float_array(values: Any, error_cls: type, code: str) -> np.ndarray:
    """`values` as a float64 array; values that are not numbers are `error_cls` with `code`."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise coded(error_cls, "expected numbers (an array, Series or list of them)", code) from None


def micros_to_datetimes(values: Any) -> np.ndarray:
    """The core's timestamps (microseconds since 1970-01-01) as datetime64[us], which holds
    years 1–9999 (datetime64[ns] only 1677–2262)."""
    return np.asarray(values, dtype=np.int64).astype("datetime64[us]")


def micros_to_timestamp(value: Any) -> pd.Timestamp:
    """One core timestamp as a pandas Timestamp in microseconds (years 1–9999)."""
    return pd.Timestamp(np.datetime64(int(value), "us"))


def json_value(value: Any) -> Any:
    """`json.dumps` `default=`: numpy scalars and arrays as Python numbers and lists, dates and
    times as ISO text; anything else is left for the caller to report."""
    if isinstance(value, (_dt.date, np.datetime64, pd.Period)):
        return iso(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (np.ndarray, pd.Series, pd.Index)):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def texts(values: Iterable[Any]) -> list[str | None]:
    """Values as text by the core's one rule (ids, categories, labels: `1.0` is "1", True is
    "true", in every binding); pandas' missing markers (None, NaN, NaT, NA) are missing."""
    from . import _native

    def plain(v: Any) -> Any:
        if v is None or (not isinstance(v, (str, list, tuple, dict, set, np.ndarray)) and pd.isna(v)):
            return None
        return v.item() if isinstance(v, np.generic) else v

    return _native.value_texts([plain(v) for v in values])


def options_json(value: Any, error_cls: type, code: str, what: str) -> str:
    """Options as JSON text for the core; a value JSON cannot hold is `error_cls` with `code`."""
    import json

    try:
        return json.dumps(value, default=json_value, allow_nan=True)
    except (TypeError, ValueError) as e:
        raise coded(error_cls, f"invalid {what}: {e}", code) from None


def to_arrow(data: Any, columns: Iterable[str | None]) -> pa.Table:
    """An Arrow table with the named columns of `data` (missing names are left for the core to
    report). Accepts pandas and polars DataFrames, pyarrow tables and record batches, objects with
    `__arrow_c_stream__`, and dicts of equal-length sequences."""
    wanted = [c for c in dict.fromkeys(columns) if c is not None]
    if isinstance(data, pd.DataFrame):
        present = [c for c in wanted if c in data.columns]
        arrays = {}
        for c in present:
            try:
                # NaN in a float column stays NaN (reported as not finite); elsewhere pandas'
                # missing markers (None, NaN, NaT) become nulls.
                float_column = pd.api.types.is_float_dtype(data[c].dtype)
                arrays[c] = pa.array(data[c], from_pandas=not float_column)
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as e:
                raise _data_error(
                    f"column '{c}' has values of mixed or unsupported types ({type(e).__name__})",
                    "DATA_WRONG_TYPE",
                ) from None
        return pa.table(arrays) if arrays else pa.table({"__empty__": pa.nulls(len(data))})
    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    if isinstance(data, pa.Table):
        return data.select([c for c in wanted if c in data.column_names])
    if isinstance(data, Mapping):
        lengths = {k: len(data[k]) for k in wanted if k in data}
        if len(set(lengths.values())) > 1:
            first = next(iter(lengths))
            column, found = next((k, n) for k, n in lengths.items() if n != lengths[first])
            raise _data_error(
                f"column '{column}' has {found} rows, expected {lengths[first]}", "DATA_LENGTH_MISMATCH"
            )
        return to_arrow(pd.DataFrame({k: data[k] for k in lengths}), wanted)
    module = type(data).__module__.split(".")[0]
    if module == "polars":
        return data.select([c for c in wanted if c in data.columns]).to_arrow()
    if hasattr(data, "__arrow_c_stream__"):
        return pa.table(data).select([c for c in wanted if c in pa.table(data).column_names])
    raise _data_error(
        "invalid option 'transactions': expected a pandas or polars DataFrame, a pyarrow Table, "
        f"or a dict of columns; got {type(data).__name__}",
        "DATA_INVALID_OPTION",
    )


def iso(value: Any, option: str = "date") -> str | None:
    """A time option for the core: text as given (the core reads it, ISO 8601 or the
    transactions' datetime format, by the same rule in every binding); a whole number as its
    digits (`19970930`, which the core reads with a format such as `%Y%m%d`); a datetime, date,
    pandas Timestamp/Period or numpy datetime64 as ISO 8601 UTC text (time-zone aware values are
    taken in UTC). Another type is a `DataError` naming `option`."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, pd.Period):
        value = value.to_timestamp()
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return "NaT"  # left for the core to reject with a typed error
        value = value.astype("datetime64[us]").item()
    # Objects are written as full UTC date-times ending in "Z" (as JS `toISOString` writes
    # them), which no date format of the user's can misread.
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds") + "Z"
    if isinstance(value, _dt.date):
        return value.isoformat() + "T00:00:00Z"
    raise _data_error(
        f"invalid option '{option}': expected a date, datetime or ISO text; got {type(value).__name__}",
        "DATA_INVALID_OPTION",
    )


def index_of(ids: Any, name: str) -> pd.Index:
    """A pandas index of customer ids (integers stay integers)."""
    if isinstance(ids, np.ndarray):
        return pd.Index(ids, name=name, dtype="int64")
    return pd.Index(ids, name=name, dtype="object")
