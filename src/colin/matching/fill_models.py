"""Slippage models: how far a taker fill lands from the reference market price.

A model receives the side, the reference price (the path point, trade print or book level the
fill is matched against), the fill quantity and the liquidity seen there, and returns the price
moved against the trader. The venue then rounds the result to the tick in the adverse direction
and caps it at the order's limit price. Maker fills never slip.

Subclass :class:`SlippageModel` for another model; the built-in ones can be given in config
files as mappings with a ``kind`` key (``{"kind": "fixed_bps", "bps": 2}``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from colin.model.enums import OrderSide


class SlippageModel(BaseModel):
    """No slippage: fills at the reference price. Base class of the other models."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["none"] = "none"

    def slipped_price(
        self,
        side: OrderSide,
        price: float,
        quantity: float,
        volume: float | None,
        spread: float | None,
    ) -> float:
        """Return the fill price of a taker fill.

        Parameters
        ----------
        side
            The order side: buys slip up, sells down.
        price
            The reference market price.
        quantity
            The fill quantity in base units.
        volume
            The liquidity the fill is matched against, in base units (bar volume, trade print
            size or book level size), or ``None`` when unknown.
        spread
            The latest bid/ask spread in price units, or ``None`` when no quote or book is known.
        """
        return price


class FixedBpsSlippage(SlippageModel):
    """Move every taker fill ``bps`` basis points against the trader."""

    kind: Literal["fixed_bps"] = "fixed_bps"  # type: ignore[assignment]
    bps: float = Field(ge=0.0)

    def slipped_price(
        self,
        side: OrderSide,
        price: float,
        quantity: float,
        volume: float | None,
        spread: float | None,
    ) -> float:
        """Return ``price`` moved by the fixed fraction."""
        return price * (1.0 + side.sign * self.bps * 1e-4)


class HalfSpreadSlippage(SlippageModel):
    """Cross half the spread: the latest quote/book spread, else ``default_spread_bps``.

    Bars and trade prints carry no spread, so they are assumed to be mid prices and a taker pays
    half of the known (or default) spread on top.
    """

    kind: Literal["half_spread"] = "half_spread"  # type: ignore[assignment]
    default_spread_bps: float = Field(ge=0.0)

    def slipped_price(
        self,
        side: OrderSide,
        price: float,
        quantity: float,
        volume: float | None,
        spread: float | None,
    ) -> float:
        """Return ``price`` moved by half the spread."""
        half = spread * 0.5 if spread is not None else price * self.default_spread_bps * 0.5e-4
        return price + side.sign * half


class VolumeImpactSlippage(SlippageModel):
    """Price impact growing with participation: ``coefficient * (quantity / volume) ** exponent``.

    The impact is a fraction of the price (``coefficient=0.1, exponent=0.5`` moves a fill that
    takes 1% of the bar volume by 1%). When the volume is unknown or zero the participation is
    taken as 1, the largest impact.
    """

    kind: Literal["volume_impact"] = "volume_impact"  # type: ignore[assignment]
    coefficient: float = Field(ge=0.0)
    exponent: float = Field(default=0.5, gt=0.0)

    def slipped_price(
        self,
        side: OrderSide,
        price: float,
        quantity: float,
        volume: float | None,
        spread: float | None,
    ) -> float:
        """Return ``price`` moved by the participation-dependent impact."""
        participation = 1.0 if not volume or volume <= 0.0 else min(quantity / volume, 1.0)
        impact = self.coefficient * float(participation**self.exponent)
        return price * (1.0 + side.sign * impact)


_BUILT_IN: dict[str, type[SlippageModel]] = {
    "none": SlippageModel,
    "fixed_bps": FixedBpsSlippage,
    "half_spread": HalfSpreadSlippage,
    "volume_impact": VolumeImpactSlippage,
}


def parse_slippage(value: Any) -> SlippageModel:
    """Return ``value`` as a slippage model (a model instance, or a mapping with ``kind``).

    Raises
    ------
    ValueError
        If a mapping names no known ``kind``, or ``value`` is neither a model nor a mapping.
    """
    if isinstance(value, SlippageModel):
        return value
    if isinstance(value, dict):
        kind = value.get("kind", "none")
        model = _BUILT_IN.get(kind)
        if model is None:
            raise ValueError(
                f"slippage kind {kind!r} is unknown; expected one of {sorted(_BUILT_IN)}"
            )
        return model.model_validate(value)
    raise ValueError(
        f"slippage must be a SlippageModel or a mapping with 'kind', got {type(value).__name__}"
    )
