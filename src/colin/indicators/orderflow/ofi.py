"""Order flow imbalance (Cont, Kukanov and Stoikov 2014) and its multi-level form.

Between two consecutive book states, the contribution at level ``m`` is::

    e = 1{Pb >= Pb'} Qb - 1{Pb <= Pb'} Qb' - 1{Pa <= Pa'} Qa + 1{Pa >= Pa'} Qa'

(primes: the previous state), i.e. bid liquidity added at or above the old bid counts as buying
pressure, ask liquidity added at or below the old ask as selling pressure. ``value`` is the sum of
the level-1 contributions over the last ``window`` book updates; ``levels`` holds the same sum for
levels 1..``levels`` (the multi-level OFI of Xu, Kolm and Cont). A missing level contributes 0.
"""

from __future__ import annotations

import math
from collections import deque
from typing import NamedTuple

import numba
import numpy as np

from colin.indicators._validate import FloatArray, check_period
from colin.indicators.orderflow.levels import BookLevels, pad_levels
from colin.model.book import OrderBook

NAN = float("nan")


def _contribution(
    bid: float,
    bid_size: float,
    ask: float,
    ask_size: float,
    old_bid: float,
    old_bid_size: float,
    old_ask: float,
    old_ask_size: float,
) -> float:
    flow = 0.0
    if bid >= old_bid:
        flow += bid_size
    if bid <= old_bid:
        flow -= old_bid_size
    if ask <= old_ask:
        flow -= ask_size
    if ask >= old_ask:
        flow += old_ask_size
    return flow


class OrderFlowImbalance:
    """Streaming (multi-level) OFI over the last ``window`` book updates."""

    __slots__ = ("_previous", "_sums", "_window", "count", "levels", "ready", "value", "window")
    outputs = ("value",)

    def __init__(self, levels: int = 5, window: int = 100) -> None:
        depth = check_period("levels", levels, 1)
        self.window = check_period("window", window, 1)
        self._window: deque[list[float]] = deque(maxlen=self.window)
        self._sums = [0.0] * depth
        self._previous: tuple[list[float], list[float], list[float], list[float]] | None = None
        self.levels = [NAN] * depth
        self.value = NAN
        self.ready = False
        self.count = 0

    def update(self, book: OrderBook) -> None:
        """Take the book after an update."""
        self.count += 1
        depth = len(self._sums)
        bid_px, bid_sz = pad_levels(book.bids(depth), depth)
        ask_px, ask_sz = pad_levels(book.asks(depth), depth)
        previous = self._previous
        self._previous = (bid_px, bid_sz, ask_px, ask_sz)
        if previous is None:
            return
        old_bid_px, old_bid_sz, old_ask_px, old_ask_sz = previous
        flows = []
        for m in range(depth):
            flow = _contribution(
                bid_px[m],
                bid_sz[m],
                ask_px[m],
                ask_sz[m],
                old_bid_px[m],
                old_bid_sz[m],
                old_ask_px[m],
                old_ask_sz[m],
            )
            flows.append(0.0 if math.isnan(flow) else flow)  # missing level
        window, sums = self._window, self._sums
        if len(window) == self.window:
            oldest = window[0]
            for m in range(depth):
                sums[m] += flows[m] - oldest[m]
        else:
            for m in range(depth):
                sums[m] += flows[m]
        window.append(flows)
        if len(window) == self.window:
            self.levels = list(sums)
            self.value = sums[0]
            self.ready = True


class OFISeries(NamedTuple):
    """Per-update contributions and their rolling sums, shape ``(updates, levels)``."""

    contributions: FloatArray
    rolling: FloatArray


def order_flow_imbalance(levels: BookLevels, window: int = 100) -> OFISeries:
    """Return multi-level OFI contributions and their ``window``-update rolling sums.

    Row 0 has no previous state and is NaN; column ``m`` is level ``m + 1``.
    """
    check_period("window", window, 1)
    levels.validate()
    contributions, rolling = _ofi_kernel(*levels, window)
    return OFISeries(contributions, rolling)


_contribution_jit = numba.njit(cache=True)(_contribution)


@numba.njit(cache=True)
def _ofi_kernel(
    bid_px: FloatArray, bid_sz: FloatArray, ask_px: FloatArray, ask_sz: FloatArray, window: int
) -> tuple[FloatArray, FloatArray]:  # pragma: no cover - compiled
    rows, depth = bid_px.shape
    flows = np.full((rows, depth), np.nan)
    rolling = np.full((rows, depth), np.nan)
    sums = np.zeros(depth)
    for i in range(1, rows):
        for m in range(depth):
            flow = _contribution_jit(
                bid_px[i, m],
                bid_sz[i, m],
                ask_px[i, m],
                ask_sz[i, m],
                bid_px[i - 1, m],
                bid_sz[i - 1, m],
                ask_px[i - 1, m],
                ask_sz[i - 1, m],
            )
            flow = 0.0 if np.isnan(flow) else flow
            flows[i, m] = flow
            if i > window:
                sums[m] += flow - flows[i - window, m]
            else:
                sums[m] += flow
            if i >= window:
                rolling[i, m] = sums[m]
    return flows, rolling
