"""Funding-rate history and open-interest statistics from the simulator, through ccxt."""

from __future__ import annotations

import ccxt
import pytest
from ccxt.binance import binance as sync_binance
from tests.adapters.conftest import (
    FUNDING_START_MS,
    HOUR_MS,
    SIM_START_MS,
    funding_frame,
    interest_frame,
)

from colin.adapters.exchange_sim import ExchangeSimulator
from colin.core.time import NANOS_PER_MILLI

SYMBOL = "BTC/USDT:USDT"


def client(sim: ExchangeSimulator) -> sync_binance:
    return sync_binance(sim.ccxt_config("usdm") | {"timeout": 10_000})


def test_funding_history_pages_forward_and_never_shows_the_future(sim_history) -> None:
    exchange = client(sim_history)
    frame = funding_frame()
    rows = exchange.fetch_funding_rate_history(SYMBOL, FUNDING_START_MS, 10)
    assert [r["timestamp"] for r in rows] == (frame["ts_event"][:10] // NANOS_PER_MILLI).tolist()
    assert [r["fundingRate"] for r in rows] == pytest.approx(frame["rate"][:10].tolist())
    # the latest rows up to the simulator's clock: none after it
    latest = exchange.fetch_funding_rate_history(SYMBOL, None, 1000)
    served = frame[frame["ts_event"] // NANOS_PER_MILLI <= SIM_START_MS]
    assert len(latest) == len(served) == 133
    assert latest[-1]["timestamp"] == SIM_START_MS  # 2024-04-04 00:00 is a funding time
    assert latest[-1]["info"]["markPrice"] == "" and latest[-2]["info"]["markPrice"] == "61375.5"
    sim_history.advance_to(SIM_START_MS + 8 * HOUR_MS)
    assert len(exchange.fetch_funding_rate_history(SYMBOL, None, 1000)) == 134
    until = exchange.fetch_funding_rate_history(
        SYMBOL, FUNDING_START_MS, 1000, {"until": FUNDING_START_MS + 16 * HOUR_MS}
    )
    assert len(until) == 3


def test_open_interest_is_served_per_period_for_the_last_30_days(sim_history) -> None:
    exchange = client(sim_history)
    hourly = exchange.fetch_open_interest_history(
        SYMBOL, "1h", SIM_START_MS - 5 * HOUR_MS, 500, {"until": SIM_START_MS + HOUR_MS}
    )
    assert [r["timestamp"] for r in hourly] == [
        SIM_START_MS - h * HOUR_MS for h in range(5, -1, -1)
    ]
    frame = interest_frame().set_index("ts_event")["open_interest"]
    expected = [frame[ts * NANOS_PER_MILLI] for ts in (r["timestamp"] for r in hourly)]
    assert [r["openInterestAmount"] for r in hourly] == pytest.approx(expected)
    assert hourly[0]["openInterestValue"] is None  # the recording has no value column
    old = exchange.fetch_open_interest_history(SYMBOL, "1d", FUNDING_START_MS, 500)
    # Binance keeps 30 days: the first day served is 30 days before the clock, not the recording's
    assert old[0]["timestamp"] == SIM_START_MS - 30 * 24 * HOUR_MS
    assert old[-1]["timestamp"] == SIM_START_MS and len(old) == 31
    default = exchange.fetch_open_interest_history(SYMBOL, "5m")
    assert len(default) == 30 and default[-1]["timestamp"] == SIM_START_MS


def test_bad_history_requests_get_binance_errors(sim_history) -> None:
    exchange = client(sim_history)
    with pytest.raises(ccxt.BadRequest, match="-1130"):
        exchange.fetch_open_interest_history(SYMBOL, "3m")
    with pytest.raises(ccxt.BadSymbol):
        exchange.fapiDataGetOpenInterestHist({"symbol": "DOGEUSDT", "period": "5m"})
    with pytest.raises(ccxt.BadRequest, match="-1102"):
        exchange.fapiDataGetOpenInterestHist({"symbol": "BTCUSDT"})


def test_a_perpetual_without_recorded_history_answers_with_no_rows(sim) -> None:
    exchange = client(sim)
    assert exchange.fetch_funding_rate_history(SYMBOL, None, 100) == []
    assert exchange.fetch_open_interest_history(SYMBOL, "5m") == []
