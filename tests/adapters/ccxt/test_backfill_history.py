"""Funding-rate and open-interest pagination (the simulator serves neither endpoint, so a small
in-process venue answers ccxt-shaped structures the way Binance pages them)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from colin.adapters.ccxt.backfill import Backfiller
from colin.adapters.ccxt.capabilities import capabilities_for
from colin.core.errors import ConfigError, DataError
from colin.core.ids import InstrumentId
from colin.core.time import NANOS_PER_MILLI

PERP = InstrumentId("BTC/USDT:USDT.BINANCE")
T0 = 1_704_067_200_000
EIGHT_HOURS = 8 * 3_600_000


class HistoryVenue:
    """Answers ``fetch_funding_rate_history`` / ``fetch_open_interest_history`` from lists,
    ``since`` inclusive, ``until`` inclusive, at most ``limit`` rows (ccxt's semantics)."""

    def __init__(self, funding: list[dict[str, Any]], interest: list[dict[str, Any]]) -> None:
        self.funding = funding
        self.interest = interest
        self.calls: list[tuple[str, int, int, int]] = []

    @staticmethod
    def _page(rows, since, limit, until):
        return [r for r in rows if since <= r["timestamp"] <= until][:limit]

    async def fetch_funding_rate_history(self, symbol, since, limit, params):
        assert symbol == "BTC/USDT:USDT"
        self.calls.append(("funding", since, limit, params["until"]))
        return self._page(self.funding, since, limit, params["until"])

    async def fetch_open_interest_history(self, symbol, period, since, limit, params):
        assert period == "5m"
        self.calls.append(("interest", since, limit, params["until"]))
        return self._page(self.interest, since, limit, params["until"])


def funding_rows(count: int) -> list[dict[str, Any]]:
    return [
        {"timestamp": T0 + i * EIGHT_HOURS, "fundingRate": 0.0001 * (i % 3 - 1), "info": {}}
        for i in range(count)
    ]


def gather(generator) -> list:
    async def run():
        return [frame async for frame in generator]

    return asyncio.run(asyncio.wait_for(run(), 10))


def test_funding_history_pages_by_limit_and_stops_at_until() -> None:
    venue = HistoryVenue(funding_rows(30), [])
    backfiller = Backfiller(venue, capabilities_for("binance", "linear"), page_limit=7)
    end_ns = (T0 + 25 * EIGHT_HOURS) * NANOS_PER_MILLI
    frames = gather(backfiller.funding(PERP, T0 * NANOS_PER_MILLI, end_ns))
    assert [len(f) for f in frames] == [7, 7, 7, 4]
    rates = [rate for f in frames for rate in f["rate"]]
    assert rates == [row["fundingRate"] for row in funding_rows(25)]
    # each page starts one millisecond after the last rate it received
    assert [call[1] for call in venue.calls] == [T0] + [
        T0 + (7 * n - 1) * EIGHT_HOURS + 1 for n in range(1, 4)
    ]
    assert {call[3] for call in venue.calls} == {end_ns // NANOS_PER_MILLI - 1}


def test_open_interest_history() -> None:
    rows = [
        {"timestamp": T0 + i * 300_000, "openInterestAmount": 100.0 + i, "openInterestValue": None}
        for i in range(12)
    ]
    venue = HistoryVenue([], rows)
    backfiller = Backfiller(venue, capabilities_for("binance", "linear"), page_limit=5)
    frames = gather(
        backfiller.open_interest(PERP, T0 * NANOS_PER_MILLI, (T0 + 3_600_000) * NANOS_PER_MILLI)
    )
    assert [len(f) for f in frames] == [5, 5, 2]
    assert frames[-1]["open_interest"].tolist() == [110.0, 111.0]


def test_venues_without_such_history_say_so() -> None:
    backfiller = Backfiller(HistoryVenue([], []), capabilities_for("binance", "spot"))
    with pytest.raises(ConfigError, match="BINANCE spot has no funding-rate history"):
        gather(backfiller.funding(PERP, 0, 1))
    bybit = Backfiller(HistoryVenue([], []), capabilities_for("bybit", "linear"))
    with pytest.raises(ConfigError, match="only recent trades"):
        gather(bybit.trades(PERP, 0, 1))


def test_malformed_venue_answers_are_data_errors() -> None:
    venue = HistoryVenue([{"timestamp": T0, "fundingRate": "n/a"}], [])
    backfiller = Backfiller(venue, capabilities_for("binance", "linear"))
    with pytest.raises(DataError, match="fundingRate: not a number"):
        gather(backfiller.funding(PERP, T0 * NANOS_PER_MILLI, (T0 + 1) * NANOS_PER_MILLI))
