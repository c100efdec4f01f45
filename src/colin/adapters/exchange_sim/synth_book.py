"""A deterministic L2 book synthesized around a price, for markets recorded without a book.

The touch is the price itself (best bid) and one tick above it (best ask); their sizes change
with time. Deeper levels sit on a fixed grid of prices, every ``spacing`` ticks (about 0.1 basis
point of the price, at least one tick), ``BOOK_LEVELS`` per side. A deeper level's size depends
only on its price and the seed, so when the price moves the levels it does not cross stay exactly
as they were: the diff stream looks like a real book's (a few levels change per update), and the
book at any time does not depend on where the replay started.
"""

from __future__ import annotations

import random
from functools import lru_cache

from colin.model.instrument import Instrument

BOOK_LEVELS = 40
"""Levels per side."""
_SIZE_TABLE = 4096
_MIN_SIZE, _MAX_SIZE = 0.2, 3.0  # base units per level

Levels = list[tuple[float, float]]


class SynthesizedBook:
    """Bids and asks around a price, with seeded level sizes.

    Parameters
    ----------
    instrument
        The instrument (its tick and lot sizes).
    seed
        Seed of the level sizes.
    reference_price
        A typical price of the instrument; it fixes the grid spacing.
    """

    def __init__(self, instrument: Instrument, seed: int, reference_price: float) -> None:
        self._tick = float(instrument.tick_size)
        self._decimals = instrument.price_precision
        self._spacing = max(1, round(reference_price * 1e-5 / self._tick))
        tick, decimals = self._tick, self._decimals
        self._price_at = lru_cache(maxsize=1 << 16)(lambda ticks: round(ticks * tick, decimals))
        lot = float(instrument.lot_size)
        rng = random.Random(f"book:{seed}:{instrument.id}")
        self._sizes = [
            max(round(rng.uniform(_MIN_SIZE, _MAX_SIZE) / lot) * lot, lot)
            for _ in range(_SIZE_TABLE)
        ]

    def levels(self, price: float, ts_ms: int) -> tuple[Levels, Levels]:
        """Return the bids (best first) and asks (best first) around ``price`` at ``ts_ms``.

        The two touch levels' sizes also depend on the time (to the second), as a real touch's
        queue keeps changing.
        """
        spacing, sizes, at = self._spacing, self._sizes, self._price_at
        bid_ticks = round(price / self._tick)
        ask_ticks = bid_ticks + 1
        second = ts_ms // 1000
        bids = [(at(bid_ticks), sizes[(bid_ticks * 31 + second) % _SIZE_TABLE])]
        asks = [(at(ask_ticks), sizes[(ask_ticks * 37 + second * 3) % _SIZE_TABLE])]
        below = (bid_ticks - 1) // spacing
        above = ask_ticks // spacing + 1
        for level in range(BOOK_LEVELS - 1):
            ticks = (below - level) * spacing
            if ticks > 0:
                bids.append((at(ticks), sizes[ticks % _SIZE_TABLE]))
            ticks = (above + level) * spacing
            asks.append((at(ticks), sizes[ticks % _SIZE_TABLE]))
        return bids, asks
