"""A drop-in for the parts of lifetimes that kehu covers: `from kehu.lifetimes import utils`
instead of `from lifetimes import utils` gives the same frames, computed by kehu's core."""

from . import utils

__all__ = ["utils"]
