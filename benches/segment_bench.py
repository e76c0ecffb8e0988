"""Segmentation: kehu against scikit-learn, side by side in one run, on the same data.

    python benches/segment_bench.py

Needs kehu (the wheel), scikit-learn and numpy. Cases from the issue: KMeans on
make_blobs(1_000_000, 8, centers=8, random_state=42) with k = 8, n_init = 1 (time and inertia),
and the silhouette of 20,000 × 8 rows. Prints wall and CPU seconds and the ratios.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.cluster import KMeans as SkKMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import silhouette_score as sk_silhouette

from kehu.segment import KMeans, silhouette_score


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


if __name__ == "__main__":
    main()
