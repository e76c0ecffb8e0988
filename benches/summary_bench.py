"""Benchmark: the lifetimes RFM summary of simulated transactions, side by side in one run.

    python benches/summary_bench.py [--rows 10000000] [--out target/bench]

Simulates a customer base with kehu's seeded simulator (BG/NBD purchases, CDNOW parameters,
no dirty rows), keeps the first N rows, writes them once to Parquet (integer customer ids,
datetime64 timestamps, float amounts), then times in separate processes, on the same data:

- lifetimes.utils.summary_data_from_transaction_data (the reference),
- the same aggregation written as a polars lazy group_by,
- kehu.summarize from a pandas DataFrame and from a pyarrow Table.

Each process reports the wall time of the summary alone and its peak RSS growth over the
loaded data. Results are compared for equality (1e-9). One run; the machine is shared, so read
the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

FREQ_MULTIPLIER = 7.0


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    # Linux: writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def prepare(rows: int, path: Path) -> str:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    import kehu

    customers = int(rows / 3.3) + 1000
    sim = kehu.simulate(customers=customers, seed=7, dirty_rate=0.0, return_rate=0.0, as_arrow=True)
    t = sim.transactions.slice(0, rows)
    assert t.num_rows == rows, f"simulated only {t.num_rows} rows; raise customers"
    ids = pc.cast(pc.utf8_slice_codeunits(t["customer_id"], 1), pa.int64())
    ts = pc.strptime(t["timestamp"], format="%Y-%m-%d %H:%M:%S", unit="ns")
    table = pa.table({"customer_id": ids, "timestamp": ts, "amount": t["amount"]})
    # Shuffle rows (seeded) so no tool benefits from customer-ordered input.
    order = np.random.default_rng(1).permutation(rows)
    pq.write_table(table.take(pa.array(order)), path)
    return sim.observation_end.isoformat()


def run_lifetimes(df, end):
    from lifetimes.utils import summary_data_from_transaction_data

    return summary_data_from_transaction_data(
        df, "customer_id", "timestamp", monetary_value_col="amount",
        observation_period_end=end, freq="D", freq_multiplier=FREQ_MULTIPLIER,
    )


def run_polars(df, end):
    import polars as pl

    end_day = pl.lit(end).str.to_datetime().dt.truncate("1d")
    per_day = (
        df.lazy()
        .with_columns(day=pl.col("timestamp").dt.truncate("1d"))
        .filter(pl.col("day") <= end_day)
        .group_by("customer_id", "day")
        .agg(pl.col("amount").sum())
    )
    out = (
        per_day.group_by("customer_id")
        .agg(
            first=pl.col("day").min(),
            last=pl.col("day").max(),
            n=pl.len(),
            total=pl.col("amount").sum(),
            first_amount=pl.col("amount").sort_by("day").first(),
        )
        .with_columns(
            frequency=(pl.col("n") - 1).cast(pl.Float64),
            recency=(pl.col("last") - pl.col("first")).dt.total_days() / FREQ_MULTIPLIER,
            T=(end_day - pl.col("first")).dt.total_days() / FREQ_MULTIPLIER,
            monetary_value=pl.when(pl.col("n") > 1)
            .then((pl.col("total") - pl.col("first_amount")) / (pl.col("n") - 1))
            .otherwise(0.0),
        )
        .select("customer_id", "frequency", "recency", "T", "monetary_value")
        .sort("customer_id")
    )
    return out.collect()


def run_kehu(data, end):
    import kehu

    return kehu.summarize(data, "customer_id", "timestamp", "amount",
                          observation_period_end=end, freq="D", freq_multiplier=FREQ_MULTIPLIER)


def child(tool: str, path: str, end: str, result_path: str) -> None:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    if tool == "polars":
        import polars as pl

        data = pl.from_arrow(table)
    elif tool == "kehu_arrow":
        data = table
    else:
        data = table.to_pandas()
    del table
    base = rss_mb()
    reset_peak()
    start = time.perf_counter()
    out = {"lifetimes": run_lifetimes, "polars": run_polars, "kehu_pandas": run_kehu, "kehu_arrow": run_kehu}[tool](data, end)
    seconds = time.perf_counter() - start
    peak = peak_mb()
    if tool == "polars":
        out = out.to_pandas().set_index("customer_id")
    out.to_parquet(result_path)
    print(json.dumps({"tool": tool, "seconds": seconds, "peak_growth_mb": peak - base, "customers": len(out)}))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--out", default="target/bench")
    p.add_argument("--tools", default="lifetimes,polars,kehu_pandas,kehu_arrow")
    p.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(*args.child)
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = out / f"transactions_{args.rows}.parquet"
    meta = out / f"transactions_{args.rows}.json"
    if not data.exists() or not meta.exists():
        meta.write_text(json.dumps({"end": prepare(args.rows, data)}))
    end = json.loads(meta.read_text())["end"]
    results = {}
    for tool in args.tools.split(","):
        res = out / f"result_{tool}.parquet"
        line = subprocess.run([sys.executable, __file__, "--child", tool, str(data), end, str(res)],
                              check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        results[tool] = json.loads(line)
        print(line, flush=True)
    import pandas as pd

    frames = {t: pd.read_parquet(out / f"result_{t}.parquet") for t in results}
    ref = next(iter(frames.values()))
    for t, f in frames.items():
        pd.testing.assert_frame_equal(f.astype(float).set_axis(ref.index), ref.astype(float), rtol=1e-9, atol=1e-9, check_names=False)
    print(f"all {len(frames)} results equal (rtol 1e-9) on {len(ref)} customers, {args.rows} rows")
    fastest_kehu = min(results[t]["seconds"] for t in results if t.startswith("kehu"))
    for t, r in results.items():
        print(f"{t:<12} {r['seconds']:8.3f} s  peak +{r['peak_growth_mb']:7.0f} MB  "
              f"time / fastest kehu = {r['seconds'] / fastest_kehu:6.1f}x")


if __name__ == "__main__":
    main()
