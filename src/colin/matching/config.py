"""Configuration of the simulated venue."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, field_validator

from colin.matching.bar_path import BarPathOrder
from colin.matching.fees import FeeModel
from colin.matching.fill_models import SlippageModel, parse_slippage
from colin.matching.latency import LatencyModel


class SimulatedVenueConfig(BaseModel):
    """How the simulated venue matches orders and what it charges.

    Parameters
    ----------
    bar_path
        Order of the extremes on a bar's assumed intrabar path (see :mod:`colin.matching.bar_path`).
    max_volume_participation
        The share of a bar's volume or a trade print's size that this venue's orders may fill,
        together, on that bar or print; ``None`` for no limit.
    leverage
        Leverage of perpetual positions: initial margin is ``notional / leverage``. It must not
        exceed any perpetual instrument's ``max_leverage``.
    latency
        Delay between a command's ``ts_init`` and its arrival at the venue.
    slippage
        Model moving taker fills against the trader (default: none).
    fees
        Maker/taker commission rates (default: each instrument's own).
    reject_stop_would_trigger
        Reject stop orders whose trigger is already reached on arrival (Binance futures does,
        with code -2021) instead of triggering them at once.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    bar_path: BarPathOrder = "nearest"
    max_volume_participation: float | None = Field(default=1.0, gt=0.0, le=1.0)
    leverage: Decimal = Field(default=Decimal(1), gt=0)
    latency: LatencyModel = LatencyModel()
    slippage: SerializeAsAny[SlippageModel] = SlippageModel()
    fees: FeeModel = FeeModel()
    reject_stop_would_trigger: bool = True

    @field_validator("slippage", mode="before")
    @classmethod
    def _parse_slippage(cls, value: Any) -> SlippageModel:
        return parse_slippage(value)
