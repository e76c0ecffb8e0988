"""Shared paths for the Python suite (run against the installed wheel)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def golden() -> dict:
    return json.loads((ROOT / "testdata" / "golden_profile.json").read_text())


@pytest.fixture(scope="session")
def golden_value() -> dict:
    return json.loads((ROOT / "testdata" / "golden_value.json").read_text())


@pytest.fixture(scope="session")
def cdnow_dir() -> Path:
    path = SHARED / "cdnow"
    if not path.exists():
        pytest.skip(f"{path} is absent (a fresh clone without ../shared): CDNOW checks not run")
    return path


@pytest.fixture(scope="session")
def cdnow():
    path = SHARED / "cdnow" / "CDNOW_sample.txt"
    if not path.exists():
        pytest.skip(f"{path} is absent (a fresh clone without ../shared): CDNOW checks not run")
    import pandas as pd

    df = pd.read_csv(path, sep=r"\s+", header=None, names=["master", "id", "date", "cds", "value"], dtype={"date": str})
    df["date"] = pd.to_datetime(df["date"], format="%Y%m%d")
    return df
