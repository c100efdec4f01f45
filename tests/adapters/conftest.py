"""Shared fixtures of the adapter tests: the local Binance exchange simulator and ccxt clients.

``sim`` is a stepped simulator on 127.0.0.1 (own thread) trading spot ``BTC/USDT`` and a linear
perpetual ``BTC/USDT:USDT`` (built here: max leverage 20, fees 0.0002/0.0005, tick 0.1, lot
0.001, min notional 100). Both replay the real BTCUSDT 1m bars of the bundled sample catalog
(2024-04-02..07); the perpetual is driven with the same spot data, because the catalog has no
futures data. The book is synthesized around each bar's path (seed 0). The clock starts two
days into the bars (2024-04-04 00:00 UTC), so 2880 closed 1m klines are history.

``sim_l2`` replays the real L2 capture instead (BTCUSDT depth snapshot + diffs and trades of
2024-08-08 23:54-23:58 UTC; klines are aggregated from the captured trades), for both
instruments, starting right after the capture's first snapshot.

``ccxt_spot`` / ``ccxt_usdm`` are synchronous ``ccxt.binance`` clients configured by
``sim.ccxt_config(...)`` with a 10 s timeout. ``ccxt_usdm_mapped`` is the same USD-M client with
the exception table chosen by URL path instead of host (research note G4): against a local URL,
ccxt otherwise maps futures-only codes such as -2019 or -4164 to a bare ``ExchangeError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from ccxt.binance import binance as sync_binance

from colin.adapters.exchange_sim import ExchangeSimulator, SimMarketData
from colin.adapters.exchange_sim.events import Market
from colin.core.ids import InstrumentId
from colin.core.time import NANOS_PER_MILLI
from colin.model.book import BookDeltas, BookSnapshot
from colin.model.data import TradeTick
from colin.model.instrument import Instrument
from colin.persistence.catalog import iter_book_events, iter_trades, sample_catalog
from colin.testkit.factories import btcusdt_perp

SPOT_ID = InstrumentId("BTC/USDT.BINANCE")
PERP_ID = InstrumentId("BTC/USDT:USDT.BINANCE")
SIM_START_MS = 1712188800000  # 2024-04-04 00:00:00 UTC, bar 2880 of the sample 1m bars
SIM_BALANCES = {
    "spot": {"USDT": Decimal(10000), "BTC": Decimal("0.1")},
    "usdm": {"USDT": Decimal(10000)},
}
CLIENT_TIMEOUT_MS = 10_000
HOUR_MS = 3_600_000
FUNDING_START_MS = 1708387200000  # 2024-02-20 00:00:00 UTC


def perpetual_instrument() -> Instrument:
    """The simulated USD-M BTCUSDT perpetual: Binance's filters and fees, leverage up to 20."""
    return replace(btcusdt_perp(), max_leverage=Decimal(20))


@pytest.fixture(scope="session")
def sim_instruments() -> list[Instrument]:
    """Spot BTC/USDT (from the sample catalog) and the perpetual."""
    return [sample_catalog().instrument(SPOT_ID), perpetual_instrument()]


@pytest.fixture(scope="session")
def btc_bars() -> pd.DataFrame:
    """The real BTCUSDT 1m bars of the sample catalog."""
    bars: pd.DataFrame = sample_catalog().read_bars(SPOT_ID, "1m")
    return bars


@pytest.fixture(scope="session")
def btc_capture() -> tuple[list[BookSnapshot | BookDeltas], list[TradeTick]]:
    """The real BTCUSDT L2 capture (book messages and trades) of the sample catalog."""
    catalog = sample_catalog()
    book = list(iter_book_events(catalog.read_book(SPOT_ID)))
    trades = list(iter_trades(catalog.read_trades(SPOT_ID), SPOT_ID))
    return book, trades


def _start(
    instruments: list[Instrument], data: SimMarketData, **options: Any
) -> Iterator[ExchangeSimulator]:
    """Run a stepped simulator (seed 0, the sample balances) serving ``data`` for both markets."""
    simulator = ExchangeSimulator(
        instruments=instruments,
        market={SPOT_ID: data, PERP_ID: data},
        balances=SIM_BALANCES,
        seed=0,
        clock="stepped",
        **options,
    )
    simulator.start_in_thread()
    try:
        yield simulator
    finally:
        simulator.stop_thread()


def funding_frame() -> pd.DataFrame:
    """8-hourly funding from 2024-02-20 to 2024-04-10; the mark price of every fourth missing."""
    ts = FUNDING_START_MS + np.arange(150) * 8 * HOUR_MS
    mark = 60_000 + np.arange(150) * 10.5
    mark[::4] = np.nan
    rate = 0.0001 * ((np.arange(150) % 5) - 2)
    return pd.DataFrame({"ts_event": ts * NANOS_PER_MILLI, "rate": rate, "mark_price": mark})


def interest_frame() -> pd.DataFrame:
    """Open interest every 5 minutes over the same 50 days (no value column)."""
    ts = FUNDING_START_MS + np.arange(50 * 288) * 300_000
    return pd.DataFrame(
        {"ts_event": ts * NANOS_PER_MILLI, "open_interest": 70_000 + np.arange(len(ts)) * 0.5}
    )


@pytest.fixture
def sim(sim_instruments: list[Instrument], btc_bars: pd.DataFrame) -> Iterator[ExchangeSimulator]:
    """A stepped simulator replaying the sample 1m bars for spot and perpetual, started."""
    data = SimMarketData(bars=btc_bars, timeframe="1m")
    yield from _start(sim_instruments, data, start_ms=SIM_START_MS)


@pytest.fixture
def sim_l2(
    sim_instruments: list[Instrument],
    btc_capture: tuple[list[BookSnapshot | BookDeltas], list[TradeTick]],
) -> Iterator[ExchangeSimulator]:
    """A stepped simulator replaying the real L2 capture (book + trades), started."""
    book, trades = btc_capture
    data = SimMarketData(timeframe="1m", trades=trades, book=book)
    yield from _start(sim_instruments, data)


@pytest.fixture
def sim_history(
    sim_instruments: list[Instrument], btc_bars: pd.DataFrame
) -> Iterator[ExchangeSimulator]:
    """The bar simulator with a funding and open-interest history (served for the perpetual)."""
    data = SimMarketData(
        bars=btc_bars, timeframe="1m", funding=funding_frame(), open_interest=interest_frame()
    )
    yield from _start(sim_instruments, data, start_ms=SIM_START_MS)


def _client(simulator: ExchangeSimulator, market: Market) -> Any:
    config = simulator.ccxt_config(market)
    config["timeout"] = CLIENT_TIMEOUT_MS
    return sync_binance(config)


@pytest.fixture
def ccxt_spot(sim: ExchangeSimulator) -> Any:
    """A synchronous ccxt client for the simulator's spot market."""
    return _client(sim, "spot")


@pytest.fixture
def ccxt_usdm(sim: ExchangeSimulator) -> Any:
    """A synchronous ccxt client for the simulator's USD-M market."""
    return _client(sim, "usdm")


class LocalBinance(sync_binance):  # type: ignore[misc]
    """``ccxt.binance`` picking its per-market exception table from the URL path (tests only)."""

    def get_exceptions_by_url(self, url: str, exactOrBroad: str) -> Any:
        path = url.split("://", 1)[-1].split("/", 1)[-1]
        market = None
        if path.startswith(("fapi/", "futures/")):
            market = "linear"
        elif path.startswith(("api/", "sapi/")):
            market = "spot"
        if market is None:
            return {}
        return self.safe_dict(self.safe_dict(self.exceptions, market, {}), exactOrBroad, {})


@pytest.fixture
def ccxt_usdm_mapped(sim: ExchangeSimulator) -> Any:
    """The USD-M client with futures error codes mapped to ccxt's specific exceptions."""
    config = sim.ccxt_config("usdm")
    config["timeout"] = CLIENT_TIMEOUT_MS
    return LocalBinance(config)
