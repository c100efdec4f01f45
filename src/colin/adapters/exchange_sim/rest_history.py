"""USD-M derivatives history: funding-rate history and open-interest statistics.

``GET /fapi/v1/fundingRate`` and ``GET /futures/data/openInterestHist`` answer from the recorded
frames of a perpetual's :class:`~colin.adapters.exchange_sim.market.SimMarketData`, as Binance
does: rows up to the simulator's clock only (never the future), ascending, ``limit`` rows from
``startTime`` when it is given and otherwise the latest ``limit`` rows up to ``endTime`` (or now).
Open interest is served at the requested ``period`` (the recorded rows whose timestamp is a
multiple of it) and, like Binance, for the last 30 days only.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd
from aiohttp import web

from colin.adapters.exchange_sim.errors import BinanceError, mandatory
from colin.adapters.exchange_sim.rest_base import add_endpoint, int_param, symbol_param
from colin.core.time import NANOS_PER_MILLI, timeframe_to_ns

if TYPE_CHECKING:
    from colin.adapters.exchange_sim.server import ExchangeSimulator

OPEN_INTEREST_PERIODS = ("5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d")
OPEN_INTEREST_DAYS = 30
_DAY_MS = 86_400_000


def add_history_routes(app: web.Application, sim: ExchangeSimulator) -> None:
    """Register the funding-rate and open-interest history endpoints."""

    def funding_rate(params: dict[str, str]) -> Any:
        symbol = symbol_param(sim, "usdm", params)
        state = sim.exchange.symbol("usdm", symbol)
        rows = _window(state.replay.funding, params, sim.now_ms(), 100, max_limit=1000)
        return [
            {
                "symbol": symbol,
                "fundingTime": ts // NANOS_PER_MILLI,
                "fundingRate": f"{rate:.8f}",
                "markPrice": "" if math.isnan(mark) else state.price_str(mark),
            }
            for ts, rate, mark in _columns(rows, "rate", "mark_price")
        ]

    def open_interest(params: dict[str, str]) -> Any:
        symbol = symbol_param(sim, "usdm", params)
        period = params.get("period")
        if not period:
            raise mandatory("period")
        if period not in OPEN_INTEREST_PERIODS:
            raise BinanceError(-1130, "Invalid data sent for a parameter.")
        frame = sim.exchange.symbol("usdm", symbol).replay.open_interest
        step = timeframe_to_ns(period)
        frame = frame[frame["ts_event"] % step == 0]
        oldest_ns = (sim.now_ms() - OPEN_INTEREST_DAYS * _DAY_MS) * NANOS_PER_MILLI
        frame = frame[frame["ts_event"] >= oldest_ns]
        rows = _window(frame, params, sim.now_ms(), 30, max_limit=500)
        return [
            {
                "symbol": symbol,
                "sumOpenInterest": f"{amount:.8f}",
                "sumOpenInterestValue": "" if math.isnan(value) else f"{value:.8f}",
                "timestamp": ts // NANOS_PER_MILLI,
            }
            for ts, amount, value in _columns(rows, "open_interest", "open_interest_value")
        ]

    add_endpoint(app, sim, "GET", "/fapi/v1/fundingRate", funding_rate)
    add_endpoint(app, sim, "GET", "/futures/data/openInterestHist", open_interest)


def _columns(frame: pd.DataFrame, first: str, second: str) -> list[tuple[int, float, float]]:
    """``(ts_event, first, second)`` of every row, as Python numbers."""
    return list(
        zip(frame["ts_event"].tolist(), frame[first].tolist(), frame[second].tolist(), strict=True)
    )


def _window(
    frame: pd.DataFrame, params: dict[str, str], now_ms: int, default_limit: int, max_limit: int
) -> pd.DataFrame:
    """The rows a history request selects: in ``[startTime, endTime]`` and not after now,
    ``limit`` of them from the start when ``startTime`` is given, else the latest ``limit``."""
    limit = int_param(params, "limit", default_limit, max_limit) or default_limit
    start = int_param(params, "startTime", None)
    end = int_param(params, "endTime", None)
    end_ms = now_ms if end is None else min(end, now_ms)
    ts_ms = frame["ts_event"] // NANOS_PER_MILLI
    selected = frame[(ts_ms <= end_ms) & (ts_ms >= (start if start is not None else 0))]
    return selected.head(limit) if start is not None else selected.tail(limit)
