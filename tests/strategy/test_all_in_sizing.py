"""``all_in_quantity``: spend the free quote balance, never below the minimum notional."""

from __future__ import annotations

from decimal import Decimal

from colin.strategy.builtin.sizing import all_in_quantity
from colin.testkit.factories import btcusdt_spot


class FreeBalance:
    """A portfolio view with one free balance."""

    def __init__(self, free: str) -> None:
        self.free = Decimal(free)

    def balance_free(self, currency: str) -> Decimal:
        return self.free if currency == "USDT" else Decimal(0)


def test_spends_the_allocation_with_fee_and_buffer_rounded_down_to_the_lot() -> None:
    instrument = btcusdt_spot()
    quantity = all_in_quantity(FreeBalance("10000"), instrument, 50_000.0, 1.0, 10.0)
    unit_cost = Decimal(50_000) * Decimal("1.001") * (1 + instrument.taker_fee)
    assert quantity == instrument.round_quantity(Decimal(10_000) / unit_cost)
    assert quantity * unit_cost <= 10_000 < (quantity + instrument.lot_size) * unit_cost


def test_an_entry_below_the_minimum_notional_is_not_sized() -> None:
    instrument = btcusdt_spot()
    assert instrument.min_notional > 0
    just_enough = str(instrument.min_notional * 2)
    assert all_in_quantity(FreeBalance(just_enough), instrument, 50_000.0, 1.0, 0.0) > 0
    dust = str(instrument.min_notional / 2)  # buys a lot or more, but under the minimum notional
    assert all_in_quantity(FreeBalance(dust), instrument, 100.0, 1.0, 0.0) == 0
    assert all_in_quantity(FreeBalance("0"), instrument, 50_000.0, 1.0, 0.0) == 0
