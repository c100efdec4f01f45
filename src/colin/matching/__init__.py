"""Simulated order matching: the venue behind backtests, paper trading and the exchange simulator.

Layer 3: imports ``core``, ``model`` and ``cache`` only. :class:`SimulatedVenue` conforms to the
``ExecutionClient`` port structurally.
"""

from colin.matching.config import SimulatedVenueConfig
from colin.matching.fees import FeeModel
from colin.matching.fill_models import (
    FixedBpsSlippage,
    HalfSpreadSlippage,
    SlippageModel,
    VolumeImpactSlippage,
)
from colin.matching.latency import LatencyModel
from colin.matching.venue import SimulatedVenue

__all__ = [
    "FeeModel",
    "FixedBpsSlippage",
    "HalfSpreadSlippage",
    "LatencyModel",
    "SimulatedVenue",
    "SimulatedVenueConfig",
    "SlippageModel",
    "VolumeImpactSlippage",
]
