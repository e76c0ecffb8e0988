"""Progress bars for kehu's long calls (the core reports; this module only draws)."""

from __future__ import annotations

import contextlib
import sys
from typing import Any, Callable, Iterator

from . import _native

Callback = Callable[[str, int, int], Any]


class _TextBar:
    """A one-line bar on stderr, for when tqdm is not installed."""

    def __init__(self, stage: str, total: int) -> None:
        self.stage, self.total, self.n = stage, total, 0

    def refresh(self) -> None:
        width = 30
        filled = width * self.n // self.total if self.total else width
        sys.stderr.write(f"\r{self.stage} [{'#' * filled}{'.' * (width - filled)}] {self.n}/{self.total}")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()


class _Bars:
    """One bar per running stage (tqdm's when installed), closed when the stage ends."""

    def __init__(self) -> None:
        self._open: dict[str, Any] = {}

    def _new(self, stage: str, total: int) -> Any:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return _TextBar(stage, total)
        return tqdm(total=total, desc=stage, leave=False)

    def __call__(self, stage: str, done: int, total: int) -> None:
        bar = self._open.get(stage)
        if bar is None:
            bar = self._open[stage] = self._new(stage, total)
        bar.total = total
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()
            del self._open[stage]

    def close(self) -> None:
        for bar in self._open.values():
            bar.close()
        self._open.clear()


@contextlib.contextmanager
def progress(callback: Callback | None = None) -> Iterator[None]:
    """Shows the progress of kehu's long calls made inside the block: value fits, k-means
    seeding and runs, Gaussian mixtures, k-prototypes, mini-batch steps, silhouette scores and
    k sweeps.

    Without `callback`, each stage gets a bar (tqdm's when it is installed, a line on stderr
    otherwise). `callback(stage, done, total)` receives the reports instead, from the calling
    thread while it waits: the latest report every 50 ms, and `done = total` for every stage
    that ends (also one that ends early, as a converged fit does). The setting is process-wide:
    calls from other threads inside the block report too. A callback that raises stops the
    call, and its exception is raised from it.

    >>> with kehu.progress():
    ...     kehu.segment.KMeans(8).fit(X)
    """
    bars = _Bars() if callback is None else None
    previous = _native.set_progress(bars if bars is not None else callback)
    try:
        yield
    finally:
        _native.set_progress(previous)
        if bars is not None:
            bars.close()
