"""Customer segmentation (客群分类): RFM scores with explicit tie policies and segment maps.

>>> from kehu.segment import rfm_scores, rfm_segments
>>> scores = rfm_scores(recency_days, frequency, monetary)        # DataFrame R, F, M
>>> segments = rfm_segments(scores, map="rf10")                    # Series of names

Every score and segment is computed by kehu's core; options are passed through as data.
"""

from __future__ import annotations

import json
import os
from typing import Any, Sequence

import numpy as np
import pandas as pd

from . import _native

__all__ = ["rfm_scores", "rfm_segments", "SegmentMap"]

_TIES = ("mid", "min", "max", "first")


def _arr(values: Any) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(values, dtype=np.float64).reshape(-1))


def _binning(bins: int, ties: str, cut_offs: Sequence[float] | None, edges: Sequence[float] | None) -> dict[str, Any]:
    if edges is not None:
        return {"kind": "edges", "edges": [float(e) for e in edges]}
    if cut_offs is not None:
        return {"kind": "cut_offs", "cut_offs": [float(c) for c in cut_offs], "ties": ties}
    return {"kind": "quantiles", "bins": int(bins), "ties": ties}


def rfm_scores(
    recency: Any,
    frequency: Any,
    monetary: Any,
    bins: int = 5,
    ties: str = "mid",
    cut_offs: Sequence[float] | None = None,
    recency_edges: Sequence[float] | None = None,
    frequency_edges: Sequence[float] | None = None,
    monetary_edges: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Scores 1…bins per customer as a DataFrame with integer columns `R`, `F`, `M`.

    `recency` is in days since the last purchase (fewer days score higher). `ties`: "mid"
    (default; p = (count below + ½ count equal)/n, score = min(bins, 1 + ⌊bins·p⌋)), "min",
    "max", or "first" (row order, as `pd.qcut(x.rank(method="first"), bins)`: order-dependent).
    `cut_offs` bins at custom rank shares instead; `*_edges` bin a column at fixed values (a
    value equal to an edge goes to the bin above it). The index is taken from a Series input.
    """
    options = {
        "recency": _binning(bins, ties, cut_offs, recency_edges),
        "frequency": _binning(bins, ties, cut_offs, frequency_edges),
        "monetary": _binning(bins, ties, cut_offs, monetary_edges),
    }
    r, f, m = _native.segment_rfm_scores(_arr(recency), _arr(frequency), _arr(monetary), json.dumps(options))
    index = next((v.index for v in (recency, frequency, monetary) if isinstance(v, pd.Series)), None)
    return pd.DataFrame({"R": r, "F": f, "M": m}, index=index)


class SegmentMap:
    """Rules from (R, F, M) scores to segment names; the first matching rule wins."""

    def __init__(self, document: str) -> None:
        _native.segment_map_segments(document)  # validates
        self._json = document

    @classmethod
    def builtin(cls, name: str) -> "SegmentMap":
        """`rf10` (the 10-name R×F map) or `rfm8` (the 8-name R×FM table)."""
        return cls(_native.segment_map_json(name=name))

    @classmethod
    def from_code_table(cls, source: str | os.PathLike[str]) -> "SegmentMap":
        """A code table, `R,F,M,code,segment` per line (a CSV path or its text), e.g. a
        125-code map."""
        text = str(source)
        if os.path.exists(text):
            with open(text, encoding="utf-8") as fh:
                text = fh.read()
        return cls(_native.segment_map_json(code_table=text))

    @classmethod
    def from_json(cls, document: str) -> "SegmentMap":
        """A `segment_map` document (custom rules over R, F, M and FM ranges)."""
        return cls(document)

    def to_json(self) -> str:
        """The map as a versioned document."""
        return self._json

    @property
    def segments(self) -> list[str]:
        """Segment names in rule order."""
        return _native.segment_map_segments(self._json)

    def check(self, bins: int = 5) -> dict[str, Any]:
        """Totality check over every code: `unassigned` codes and `overlapping` codes (with
        the segments that match them, the first winning)."""
        unassigned, overlapping = _native.segment_map_check(self._json, int(bins))
        return {"unassigned": unassigned, "overlapping": dict(overlapping)}

    def __repr__(self) -> str:
        return f"SegmentMap({len(self.segments)} segments)"


def rfm_segments(scores: pd.DataFrame, map: str | SegmentMap = "rf10") -> pd.Series:
    """The segment of each customer's scores (columns R, F, M) under `map`: "rf10", "rfm8",
    a `SegmentMap`, or the path of a code table CSV. Customers no rule matches get None (kept,
    never dropped)."""
    if isinstance(map, SegmentMap):
        seg_map = map
    elif os.path.exists(str(map)):
        seg_map = SegmentMap.from_code_table(map)
    else:
        seg_map = SegmentMap.builtin(str(map))
    cols = [np.ascontiguousarray(np.asarray(scores[c], dtype=np.int64)) for c in ("R", "F", "M")]
    names = _native.segment_assign(seg_map.to_json(), *cols)
    return pd.Series(names, index=scores.index, name="segment", dtype=object)
