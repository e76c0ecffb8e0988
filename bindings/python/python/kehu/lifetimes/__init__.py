"""A drop-in for the parts of lifetimes that kehu covers: change `from lifetimes import ...` to
`from kehu.lifetimes import ...` and the same calls give the same frames and numbers, computed by
kehu's core."""

from . import datasets, generate_data, plotting, utils
from .fitters import BetaGeoBetaBinomFitter, BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter

__all__ = ["datasets", "generate_data", "plotting", "utils", "BetaGeoFitter", "ModifiedBetaGeoFitter", "ParetoNBDFitter", "BetaGeoBetaBinomFitter", "GammaGammaFitter"]
