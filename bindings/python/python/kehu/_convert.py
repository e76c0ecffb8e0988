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


def _data_error(message: str, code: str) -> Exception:
    err = _native.DataError(message)
    err.code = code
    return err


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
    raise TypeError(
        "expected a pandas or polars DataFrame, a pyarrow Table, or a dict of columns; "
        f"got {type(data).__name__}"
    )


def iso(value: Any, datetime_format: str | None = None) -> str | None:
    """ISO 8601 text of a date given as text, datetime, date, pandas Timestamp/Period or numpy
    datetime64 (time-zone aware values are taken in UTC)."""
    if value is None:
        return None
    if isinstance(value, pd.Period):
        value = value.to_timestamp()
    if isinstance(value, str):
        try:
            value = pd.to_datetime(value, format=datetime_format)
        except (ValueError, TypeError):
            return value  # left for the core to reject with a typed error
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    raise TypeError(f"expected a date, datetime or ISO text; got {type(value).__name__}")


def index_of(ids: Any, name: str) -> pd.Index:
    """A pandas index of customer ids (integers stay integers)."""
    if isinstance(ids, np.ndarray):
        return pd.Index(ids, name=name, dtype="int64")
    return pd.Index(ids, name=name, dtype="object")
