"""A drop-in for the parts of lifetimes that kehu covers: change `from lifetimes import ...` to
`from kehu.lifetimes import ...` and the same calls give the same frames and numbers, computed by
kehu's core."""

from . import utils
from .fitters import BetaGeoBetaBinomFitter, BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter

__all__ = ["utils", "BetaGeoFitter", "ModifiedBetaGeoFitter", "ParetoNBDFitter", "BetaGeoBetaBinomFitter", "GammaGammaFitter"]
