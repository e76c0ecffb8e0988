"""Segmentation: kehu against scikit-learn, side by side in one run, on the same data.

    python benches/segment_bench.py

Needs kehu (the wheel), scikit-learn, kmodes and numpy. Cases from the issue: KMeans on
make_blobs(1_000_000, 8, centers=8, random_state=42) with k = 8, n_init = 1 (time and inertia),
the silhouette of 20,000 × 8 rows, and KPrototypes on 50,000 rows (5 numeric, 3 categorical
columns that follow the blobs 70 % of the time), k = 8, against kmodes' defaults (Cao start,
n_init = 10; kehu's defaults: k-prototypes++ start, n_init = 10). Prints wall and CPU seconds
and the ratios.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.cluster import KMeans as SkKMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import silhouette_score as sk_silhouette

import pandas as pd
from kmodes.kprototypes import KPrototypes as RefKPrototypes

from kehu.segment import KMeans, KPrototypes, silhouette_score


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def row(case, ref, ours, extra=""):
    (_, rw, rc), (_, kw, kc) = ref, ours
    print(f"| {case} | {rw:.3f} s ({rc:.2f} CPU-s) | {kw:.3f} s ({kc:.2f} CPU-s) | {rw / kw:.1f}× | {rc / kc:.1f}× | {extra} |", flush=True)


def main():
    print("| case | scikit-learn | kehu | wall ratio | CPU ratio | quality |")
    print("|---|---|---|---|---|---|")
    X, _ = make_blobs(1_000_000, 8, centers=8, random_state=42)
    ref = timed(lambda: SkKMeans(8, n_init=1, random_state=0).fit(X))
    ours = timed(lambda: KMeans(8, n_init=1, random_state=0).fit(X))
    row("KMeans 1M × 8, k = 8", ref, ours, f"inertia {ref[0].inertia_:.6e} vs {ours[0].inertia_:.6e}")
    small = X[:20_000]
    labels = KMeans(8, random_state=0).fit(small).labels_
    ref = timed(lambda: sk_silhouette(small, labels))
    ours = timed(lambda: silhouette_score(small, labels))
    assert abs(ref[0] - ours[0]) < 1e-9
    row("silhouette 20k × 8", ref, ours, f"{ours[0]:.6f} both")
    num, group = make_blobs(50_000, 5, centers=8, random_state=42)
    rng = np.random.default_rng(42)
    cols = {f"x{j}": num[:, j] for j in range(5)}
    for j, n_values in enumerate((4, 6, 8)):
        follow = rng.random(50_000) < 0.7
        cols[f"c{j}"] = np.where(follow, group % n_values, rng.integers(0, n_values, 50_000)).astype(str)
    frame = pd.DataFrame(cols)
    ref = timed(lambda: RefKPrototypes(8, random_state=0).fit(frame.to_numpy(dtype=object), categorical=[5, 6, 7]))
    ours = timed(lambda: KPrototypes(8, random_state=0).fit(frame, categorical=[5, 6, 7]))
    row("KPrototypes 50k (5 num + 3 cat), k = 8", ref, ours, f"cost {ref[0].cost_:.6e} vs {ours[0].cost_:.6e}")


if __name__ == "__main__":
    main()
