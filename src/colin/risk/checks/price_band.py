"""Fat-finger protection: a price far from the last price is a typo until proven otherwise."""

from __future__ import annotations

from colin.risk.checks.base import Breach, OrderContext


class PriceBandCheck:
    """Deny limit and trigger prices more than ``band`` (a fraction) away from the last price."""

    code = "price_band"
    __slots__ = ("band",)

    def __init__(self, band: float) -> None:
        self.band = band

    def check(self, ctx: OrderContext) -> Breach | None:
        """Compare the order's price and trigger price with the reference price."""
        reference = ctx.reference_price
        order = ctx.order
        if reference is None:
            if order.price is not None or order.trigger_price is not None:
                ctx.warn("no reference price: the price band was not checked")
            return None
        own = ctx.own_price
        if own is None:
            return None
        if order.trigger_price is None:  # the common case: one price, already a float
            if abs(own / reference - 1.0) <= self.band:
                return None
            return self._compare("price", own, reference)
        for name, value in (("price", order.price), ("trigger_price", order.trigger_price)):
            if value is not None:
                breach = self._compare(name, float(value), reference)
                if breach is not None:
                    return breach
        return None

    def _compare(self, name: str, value: float, reference: float) -> Breach | None:
        deviation = abs(value / reference - 1.0)
        if deviation > self.band:
            return Breach(
                "price_band",
                f"{name} {value:g} is {deviation:.1%} from the last price {reference:g} "
                f"(band {self.band:.1%})",
            )
        return None
