"""Maker/taker commissions charged by the simulated venue."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from colin.model.enums import LiquiditySide
from colin.model.instrument import Instrument


class FeeModel(BaseModel):
    """Commission as a fraction of the traded notional, in the instrument's quote currency.

    The rates default to the instrument's ``maker_fee`` and ``taker_fee``; set ``maker_fee`` or
    ``taker_fee`` here to override them for every instrument (for example a VIP tier, or zero
    fees for a study). A negative maker fee is a rebate. Subclass and override :meth:`rate` for
    tiered or per-instrument schedules.

    Parameters
    ----------
    maker_fee
        Rate charged when a fill adds liquidity, or ``None`` to use the instrument's.
    taker_fee
        Rate charged when a fill removes liquidity, or ``None`` to use the instrument's.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    maker_fee: Decimal | None = None
    taker_fee: Decimal | None = None

    def rate(self, instrument: Instrument, liquidity_side: LiquiditySide) -> Decimal:
        """Return the fee rate of a fill on ``instrument`` with ``liquidity_side``."""
        if liquidity_side is LiquiditySide.MAKER:
            return instrument.maker_fee if self.maker_fee is None else self.maker_fee
        return instrument.taker_fee if self.taker_fee is None else self.taker_fee

    def max_rate(self, instrument: Instrument) -> Decimal:
        """Return the higher of the maker and taker rates (what an order reserves for fees)."""
        return max(
            self.rate(instrument, LiquiditySide.MAKER), self.rate(instrument, LiquiditySide.TAKER)
        )

    def commission(
        self,
        instrument: Instrument,
        quantity: Decimal,
        price: Decimal,
        liquidity_side: LiquiditySide,
    ) -> Decimal:
        """Return the commission of a fill, in the quote currency (exact, not rounded)."""
        return instrument.notional(quantity, price) * self.rate(instrument, liquidity_side)
