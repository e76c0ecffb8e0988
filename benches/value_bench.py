"""Value models: kehu against lifetimes, side by side in one run, on the same data.

    python benches/value_bench.py [--customers 1000000] [--skip-pareto-lifetimes]

Needs kehu (the wheel), lifetimes and pandas. Cases: BG/NBD on CDNOW (from ../shared/data),
BG/NBD and Pareto/NBD on simulated customers (kehu's simulator with the CDNOW estimates,
T spread over 26–52 weeks), and P(alive), 52-week expected purchases and 12-month CLV for
the same customers. Prints wall and CPU seconds and the ratios; checks the two libraries agree.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import kehu
from kehu.value import BetaGeo, GammaGamma, ParetoNBD

warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parents[1]
CDNOW = ROOT.parent / "shared" / "data" / "cdnow" / "CDNOW_sample.txt"


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def row(case, ref, ours):
    (_, rw, rc), (_, kw, kc) = ref, ours
    print(f"| {case} | {rw:.3f} s ({rc:.2f} CPU-s) | {kw:.4f} s ({kc:.3f} CPU-s) | {rw / kw:.0f}× | {rc / kc:.0f}× |", flush=True)


def model(kind, **params):
    return json.dumps({"format_version": 1, "kind": kind, **params})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--skip-pareto-lifetimes", action="store_true", help="lifetimes' Pareto/NBD fit takes minutes")
    args = ap.parse_args()
    import lifetimes

    print(f"kehu {kehu.__version__ if hasattr(kehu, '__version__') else ''}, lifetimes {lifetimes.__version__}")
    print("| case | lifetimes | kehu | wall ratio | CPU ratio |")
    print("|---|---|---|---|---|")

    if CDNOW.exists():
        raw = pd.read_csv(CDNOW, sep=r"\s+", header=None, names=["id", "sample", "date", "cds", "value"])
        raw["date"] = pd.to_datetime(raw["date"].astype(str), format="%Y%m%d")
        s = kehu.summarize(raw, "id", "date", "value", observation_period_end="1997-09-30", freq_multiplier=7)
        f, r, t = (s[c].to_numpy() for c in ("frequency", "recency", "T"))
        ref = timed(lambda: lifetimes.BetaGeoFitter().fit(f, r, t))
        ours = timed(lambda: BetaGeo().fit(f, r, t))
        assert abs(ref[0].params_["r"] - ours[0].params_["r"]) < 1e-3
        row("BG/NBD fit, CDNOW (2,357 customers)", ref, ours)
        ref = timed(lambda: lifetimes.ParetoNBDFitter().fit(f, r, t))
        ours = timed(lambda: ParetoNBD().fit(f, r, t))
        row("Pareto/NBD fit, CDNOW", ref, ours)
        print(f"<!-- CDNOW Pareto/NBD: lifetimes {dict(ref[0].params_.round(4))} LL {-ref[0]._negative_log_likelihood_ * len(f):.3f}; "
              f"kehu {dict((k, round(v, 4)) for k, v in ours[0].params_.items())} LL {ours[0].log_likelihood_:.3f} -->")

    n = args.customers
    T = np.linspace(26.0, 52.0, n)
    bg_true = BetaGeo.from_json(model("bgnbd", r=0.243, alpha=4.414, a=0.793, b=2.426))
    sim = bg_true.simulate(T, seed=1)
    f, r, t = (sim[c].to_numpy() for c in ("frequency", "recency", "T"))
    ref = timed(lambda: lifetimes.BetaGeoFitter().fit(f, r, t))
    ours = timed(lambda: BetaGeo().fit(f, r, t))
    np.testing.assert_allclose(ref[0].params_.to_numpy(), list(ours[0].params_.values()), rtol=2e-3)
    row(f"BG/NBD fit, {n:,} simulated customers", ref, ours)
    bgf, bg = ref[0], ours[0]
    bgf.params_ = pd.Series(bg.params_)  # predictions compared at the same parameters

    repeat = f > 0
    gg = GammaGamma.from_json(model("gamma_gamma", p=6.25, q=3.74, gamma=15.44))
    money = np.zeros(n)
    money[repeat] = gg.simulate(f[repeat], seed=2).to_numpy()
    ggk = GammaGamma().fit(f[repeat], money[repeat])
    ggf = lifetimes.GammaGammaFitter()
    ggf.params_ = pd.Series(dict(p=ggk.params_["p"], q=ggk.params_["q"], v=ggk.params_["gamma"]))
    # Continuous ages (every customer different), then ages at day resolution, as summaries
    # of real transaction logs have them (customers share (frequency, T) pairs).
    for label, age, rec in [("continuous T", t, r), ("T in whole days", np.round(t * 7) / 7, np.minimum(np.round(r * 7) / 7, np.round(t * 7) / 7))]:
        ref = timed(lambda: bgf.conditional_probability_alive(f, rec, age))
        ours = timed(lambda: bg.conditional_probability_alive(f, rec, age))
        np.testing.assert_allclose(ours[0], ref[0], rtol=1e-8)
        row(f"P(alive), {n:,} customers, {label}", ref, ours)
        ref = timed(lambda: bgf.conditional_expected_number_of_purchases_up_to_time(52, f, rec, age))
        ours = timed(lambda: bg.conditional_expected_number_of_purchases_up_to_time(52, f, rec, age))
        np.testing.assert_allclose(ours[0], ref[0], rtol=1e-8)
        row(f"E[Y(52)], {n:,} customers, {label}", ref, ours)
        fs, rs, ts, ms = (pd.Series(v) for v in (f, rec, age, money))  # lifetimes needs Series here
        ref = timed(lambda: ggf.customer_lifetime_value(bgf, fs, rs, ts, ms, time=12, discount_rate=0.01, freq="W"))
        ours = timed(lambda: bg.customer_lifetime_value(ggk, f, rec, age, money, months=12, discount_rate=0.01, units_per_month=4.345))
        np.testing.assert_allclose(ours[0], np.asarray(ref[0]), rtol=1e-8)
        row(f"12-month CLV, {n:,} customers, {label}", ref, ours)

    pnbd_true = ParetoNBD.from_json(model("pnbd", r=0.553, alpha=10.578, s=0.606, beta=11.669))
    sim = pnbd_true.simulate(T, seed=3)
    f, r, t = (sim[c].to_numpy() for c in ("frequency", "recency", "T"))
    ours = timed(lambda: ParetoNBD().fit(f, r, t))
    se = ours[0].standard_errors_
    print(f"<!-- Pareto/NBD on {n:,}: kehu {ours[0].params_} (se {se}) -->")
    if args.skip_pareto_lifetimes:
        print(f"| Pareto/NBD fit, {n:,} simulated customers | not run | {ours[1]:.3f} s ({ours[2]:.2f} CPU-s) | | |")
    else:
        ref = timed(lambda: lifetimes.ParetoNBDFitter().fit(f, r, t))
        print(f"<!-- lifetimes: {dict(ref[0].params_)} -->")
        row(f"Pareto/NBD fit, {n:,} simulated customers", ref, ours)


if __name__ == "__main__":
    main()
