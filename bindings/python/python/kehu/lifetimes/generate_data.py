"""lifetimes.generate_data's generators with lifetimes' signatures and frames, simulated by kehu's
core from each model's generative process.

Randomness: each call draws one 63-bit seed for the core from numpy's global generator
(``np.random``), so ``np.random.seed(k)`` before a call reproduces it, as with lifetimes; the
numbers differ from lifetimes' own (kehu's core draws each customer from its own ChaCha8 stream
of that seed, the same on every platform and for any thread count).

Where lifetimes' generators depart from the models, kehu follows the model:

- lifetimes counts a BG/NBD, MBG/NBD or Pareto/NBD customer's ``frequency`` as the number of
  distinct whole time units with a repeat purchase (``np.unique(times.astype(int))``), so two
  purchases in the same unit count once, and a purchase in (0, 1) does not count while the
  recency does; kehu counts every repeat purchase, which is the frequency the models' fits take.
- lifetimes' transactional generator dates each repeat purchase one time unit late (its first
  purchase is at ``observation_period_end - T`` units, the repeats at that date plus 1 + t) and
  so can date purchases after ``observation_period_end``; kehu dates them at the first purchase
  plus t, within the observation.

Bad parameters (≤ 0, NaN, infinite), a negative ``size`` or a ``T`` that is not a number > 0
raise the core's ``ValueModelError`` with its code (``VALUE_INVALID_PARAMETER``,
``VALUE_INVALID_OPTION``, ``VALUE_INVALID_DATA``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import _native
from .._convert import coded, float_array, iso

__all__ = [
    "beta_geometric_nbd_model",
    "beta_geometric_nbd_model_transactional_data",
    "pareto_nbd_model",
    "modified_beta_geometric_nbd_model",
    "beta_geometric_beta_binom_model",
]


def _seed() -> int:
    """The core's seed, drawn from numpy's global generator."""
    return int(np.random.randint(0, np.iinfo(np.int64).max, dtype=np.int64))


def _lengths(T: Any) -> np.ndarray:
    return np.ascontiguousarray(float_array(T, _native.ValueModelError, "VALUE_INVALID_DATA").reshape(-1))


def _simulate(kind: str, params: dict[str, float], T: Any, size: Any) -> dict[str, Any]:
    model = _native.ValueModel.at_params(kind, [(k, float(v)) for k, v in params.items()])
    return _native.generate_customers(model, _lengths(T), size, _seed())


def _purchase_frame(sim: dict[str, Any]) -> pd.DataFrame:
    """lifetimes' layout: float64 columns (alive as 1.0/0.0), indexed by a float64 customer_id."""
    n = len(sim["frequency"])
    columns = ["frequency", "recency", "T", *sim["latent_names"], "alive"]
    data = {c: np.asarray(sim[c], dtype=np.float64) for c in columns}
    return pd.DataFrame(data, index=pd.Index(np.arange(n, dtype=np.float64), name="customer_id"))


def beta_geometric_nbd_model(T: Any, r: float, alpha: float, a: float, b: float, size: int = 1) -> pd.DataFrame:
    """Customers simulated from a BG/NBD model (Fader, Hardie and Lee 2005).

    ``T``: one observation length for all ``size`` customers, or one per customer (the first
    ``size`` are used). Returns lifetimes' frame: index ``customer_id`` (float), float columns
    frequency, recency, T, lambda (the purchase rate), p (the dropout probability), alive (1.0
    when the customer is alive at T). See the module docstring for the seed and how the
    frequency differs from lifetimes'.
    """
    return _purchase_frame(_simulate("bgnbd", {"r": r, "alpha": alpha, "a": a, "b": b}, T, size))


def modified_beta_geometric_nbd_model(T: Any, r: float, alpha: float, a: float, b: float, size: int = 1) -> pd.DataFrame:
    """Customers simulated from an MBG/NBD model (Batislam, Denizel and Filiztekin 2007): as
    :func:`beta_geometric_nbd_model`, a customer may also drop out right after the first
    purchase."""
    return _purchase_frame(_simulate("mbgnbd", {"r": r, "alpha": alpha, "a": a, "b": b}, T, size))


def pareto_nbd_model(T: Any, r: float, alpha: float, s: float, beta: float, size: int = 1) -> pd.DataFrame:
    """Customers simulated from a Pareto/NBD model (Schmittlein, Morrison and Colombo 1987).

    Returns lifetimes' frame: index ``customer_id`` (float), float columns frequency, recency,
    T, lambda (the purchase rate), mu (the dropout rate), alive (1.0 when the lifetime outlasts
    T)."""
    return _purchase_frame(_simulate("pnbd", {"r": r, "alpha": alpha, "s": s, "beta": beta}, T, size))


def beta_geometric_beta_binom_model(N: Any, alpha: float, beta: float, gamma: float, delta: float, size: int = 1) -> pd.DataFrame:
    """Customers simulated from a BG/BB model (Fader, Hardie and Shang 2010) over ``N``
    transaction opportunities (whole numbers).

    Returns lifetimes' frame: a default index and float columns frequency, recency (the
    opportunity of the last transaction), n_periods, p (the transaction probability), theta
    (the dropout probability), alive (1.0 when alive at opportunity N + 1, as lifetimes and
    P(alive) define it), customer_id. Here lifetimes' generator follows the model, and so does
    kehu's."""
    return _bgbb_frame(_simulate("bgbb", {"alpha": alpha, "beta": beta, "gamma": gamma, "delta": delta}, N, size))


def _bgbb_frame(sim: dict[str, Any]) -> pd.DataFrame:
    """lifetimes' BG/BB generator layout: float columns on a default index."""
    n = len(sim["frequency"])
    columns = {
        "frequency": sim["frequency"],
        "recency": sim["recency"],
        "n_periods": sim["T"],
        "p": sim["p"],
        "theta": sim["theta"],
        "alive": sim["alive"],
        "customer_id": np.arange(n),
    }
    return pd.DataFrame({k: np.asarray(v, dtype=np.float64) for k, v in columns.items()})


def beta_geometric_nbd_model_transactional_data(
    T: Any,
    r: float,
    alpha: float,
    a: float,
    b: float,
    observation_period_end: Any = "2019-1-1",
    freq: str = "D",
    size: int = 1,
) -> pd.DataFrame:
    """Transactions of customers simulated from a BG/NBD model: columns customer_id (int) and
    date, one row per purchase (the first, then the repeats), customers in order, on a default
    index.

    Customer i makes the first purchase ``T[i]`` time units of ``freq`` (pandas' unit: "D",
    "W", "h", ...) before ``observation_period_end`` and the repeat purchases at that date plus
    each repeat's time; a day has the fraction of time of the simulation, not a whole day.

    lifetimes 0.11's own version builds its frame with ``DataFrame.append``, removed in pandas
    2, so it fails on pandas ≥ 2; this one gives the layout it gives on pandas 1 (customer_id
    int64, date datetime64[ns]). It also dates repeats one unit late (module docstring). A
    date that nanoseconds cannot hold (outside 1677–2262) is an error, as it is in lifetimes,
    not a date wrapped round.
    """
    model = _native.ValueModel.at_params("bgnbd", [("r", float(r)), ("alpha", float(alpha)), ("a", float(a)), ("b", float(b))])
    ids, micros = _native.generate_transactions(model, _lengths(T), size, _seed(), iso(observation_period_end, "observation_period_end"), freq)
    if len(micros) and np.abs(micros).max() > _NS_LIMIT_MICROS:
        raise coded(_native.ValueModelError, "invalid option 'observation_period_end': the purchase dates fall outside the years 1677–2262 that datetime64[ns] holds", "VALUE_INVALID_OPTION")
    return pd.DataFrame({"customer_id": ids.astype(np.int64), "date": micros.astype("datetime64[us]").astype("datetime64[ns]")})


# The largest |µs since the epoch| datetime64[ns] holds.
_NS_LIMIT_MICROS = np.iinfo(np.int64).max // 1000


_LAYOUTS = {
    "bgnbd": (_purchase_frame, "T"),
    "mbgnbd": (_purchase_frame, "T"),
    "pnbd": (_purchase_frame, "T"),
    "bgbb": (_bgbb_frame, "n_periods"),
}


def _generate_for(fitter: Any, size: int = 1) -> pd.DataFrame:
    """lifetimes' ``fitter.generate_new_data(size)`` for a fitted drop-in fitter (or a kehu
    value model fitted on data it keeps as ``data``): ``size`` customers of the fitted model,
    observed for the first ``size`` observation lengths of the fitted data (one per customer
    row; a BG/BB fit's rows repeated by their ``weights``, as lifetimes' BG/BB fitter does), in
    lifetimes' generator frame for the model's kind. A gamma_gamma model (which lifetimes does
    not generate either) is the core's ``VALUE_INVALID_OPTION``."""
    handle = fitter._model()
    if handle.kind not in _LAYOUTS:
        return _native.generate_customers(handle, _lengths([1.0]), size, _seed())  # the core rejects it
    layout, age = _LAYOUTS[handle.kind]
    weights = fitter.data.get("weights")
    sim = _native.generate_customers(handle, _lengths(fitter.data[age]), size, _seed(), None if weights is None else _lengths(weights))
    return layout(sim)
