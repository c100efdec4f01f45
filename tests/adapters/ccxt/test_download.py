"""``download``: catalog-aware, resumable backfill with gap repair, against the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal

import pandas as pd
import pytest
from tests.adapters.conftest import (
    HOUR_MS,
    PERP_ID,
    SIM_BALANCES,
    SIM_START_MS,
    SPOT_ID,
    funding_frame,
    interest_frame,
)

from colin.adapters.exchange_sim import ExchangeSimulator, SimMarketData
from colin.core.errors import ConfigError
from colin.core.ids import InstrumentId
from colin.core.time import NANOS_PER_MILLI, NANOS_PER_MINUTE, parse_time, timeframe_to_ns
from colin.data.quality import IssueKind
from colin.model.enums import InstrumentKind
from colin.node.download import DownloadRequest, SymbolReport, download, parse_symbols
from colin.persistence.catalog import ParquetCatalog

DAY = parse_time("2024-04-02")
BAR_COLUMNS = ["ts_open", "open", "high", "low", "close", "volume"]


class Interrupted(Exception):
    """Stands in for Ctrl-C in the middle of a download."""


def fetch(
    sim: ExchangeSimulator, catalog: ParquetCatalog, progress=None, **fields
) -> list[SymbolReport]:
    config = {"spot": sim.ccxt_config("spot"), "linear": sim.ccxt_config("usdm")}
    request = DownloadRequest(exchange="binance", ccxt_config=config, **fields)

    async def bounded() -> list[SymbolReport]:
        return await asyncio.wait_for(download(request, catalog, progress), 60)

    return asyncio.run(bounded())


def recorded(bars: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    keep = (bars["ts_open"] >= start) & (bars["ts_open"] < end)
    return bars.loc[keep, BAR_COLUMNS].reset_index(drop=True)


def klines_requests(sim: ExchangeSimulator) -> int:
    return sum(r.path.endswith("/klines") for r in sim.requests)


def test_spot_and_perpetual_bars_and_instruments_land_in_the_catalog(
    sim, btc_bars, tmp_path
) -> None:
    catalog = ParquetCatalog(tmp_path)
    end = DAY + 240 * NANOS_PER_MINUTE
    reports = fetch(
        sim,
        catalog,
        symbols=("BTC/USDT", "BTC/USDT:USDT"),
        start_ns=DAY,
        end_ns=end,
        page_limit=100,
    )
    assert [r.instrument_id for r in reports] == [SPOT_ID, PERP_ID]
    for report in reports:
        assert report.rows_written == 240 and report.missing == [] and report.quality.ok
        stored = catalog.read_bars(report.instrument_id, "1m")
        pd.testing.assert_frame_equal(stored[BAR_COLUMNS], recorded(btc_bars, DAY, end))
    perp = catalog.instrument(PERP_ID)
    assert perp.kind is InstrumentKind.PERPETUAL and perp.tick_size == Decimal("0.1")
    assert perp.min_notional == Decimal(100)
    spot = catalog.instrument(SPOT_ID)
    assert (
        spot.kind is InstrumentKind.SPOT
        and spot.lot_size == sim.exchange.symbol("spot", "BTCUSDT").instrument.lot_size
    )


def test_an_interrupted_download_resumes_without_refetching_or_doubling(
    sim, btc_bars, tmp_path
) -> None:
    catalog = ParquetCatalog(tmp_path)
    end = DAY + 1000 * NANOS_PER_MINUTE
    progress: list[tuple[int, int]] = []

    def interrupt_after_three_pages(instrument_id: InstrumentId, done: int, total: int) -> None:
        progress.append((done, total))
        if done >= 300:
            raise Interrupted

    with pytest.raises(Interrupted):
        fetch(
            sim, catalog, interrupt_after_three_pages,
            symbols=("BTC/USDT",), start_ns=DAY, end_ns=end, page_limit=100, flush_rows=100,
        )  # fmt: skip
    assert progress[0] == (0, 1000) and len(catalog.read_bars(SPOT_ID, "1m")) == 300
    before = klines_requests(sim)
    [report] = fetch(sim, catalog, symbols=("BTC/USDT",), start_ns=DAY, end_ns=end, page_limit=100)
    assert klines_requests(sim) - before == 7  # pages 4..10 only
    assert report.rows_written == 700 and report.fetched == [(DAY + 300 * NANOS_PER_MINUTE, end)]
    stored = catalog.read_bars(SPOT_ID, "1m")
    assert not stored["ts_open"].duplicated().any()
    pd.testing.assert_frame_equal(stored[BAR_COLUMNS], recorded(btc_bars, DAY, end))
    [again] = fetch(sim, catalog, symbols=("BTC/USDT",), start_ns=DAY, end_ns=end)
    assert again.rows_written == 0 and again.fetched == [] and klines_requests(sim) - before == 7


@pytest.fixture
def gappy_sim(sim_instruments, btc_bars) -> Iterator[ExchangeSimulator]:
    """The venue lost ten minutes of bars (an outage)."""
    outage = (btc_bars["ts_open"] >= DAY + 100 * NANOS_PER_MINUTE) & (
        btc_bars["ts_open"] < DAY + 110 * NANOS_PER_MINUTE
    )
    bars = btc_bars.loc[~outage].reset_index(drop=True)
    simulator = ExchangeSimulator(
        instruments=sim_instruments[:1],
        market={SPOT_ID: SimMarketData(bars=bars, timeframe="1m")},
        balances=SIM_BALANCES,
        clock="stepped",
        start_ms=SIM_START_MS,
    )
    simulator.start_in_thread()
    try:
        yield simulator
    finally:
        simulator.stop_thread()


def test_a_gap_at_the_venue_is_refetched_once_then_reported(gappy_sim, btc_bars, tmp_path) -> None:
    catalog = ParquetCatalog(tmp_path)
    end = DAY + 200 * NANOS_PER_MINUTE
    [report] = fetch(
        gappy_sim, catalog, symbols=("BTC/USDT",), start_ns=DAY, end_ns=end, page_limit=50
    )
    gap = (DAY + 100 * NANOS_PER_MINUTE, DAY + 110 * NANOS_PER_MINUTE)
    assert report.missing == [gap]
    assert report.fetched[-1] == gap  # the repair pass asked for it again
    assert report.quality is not None and report.quality.count(IssueKind.GAP) == 10
    stored = catalog.read_bars(SPOT_ID, "1m")
    assert len(stored) == 190 and "filled" not in stored.columns  # nothing invented
    # a later run asks for the hole again (one request), and still reports it
    before = klines_requests(gappy_sim)
    [again] = fetch(gappy_sim, catalog, symbols=("BTC/USDT",), start_ns=DAY, end_ns=end)
    assert again.missing == [gap] and klines_requests(gappy_sim) - before == 2


def test_trades_download_resumes_from_the_last_stored_millisecond(
    sim_l2, btc_capture, tmp_path
) -> None:
    _, recorded_trades = btc_capture
    catalog = ParquetCatalog(tmp_path)
    start = recorded_trades[0].ts_event
    middle = recorded_trades[300].ts_event
    end_ms = recorded_trades[800].ts_event // NANOS_PER_MILLI
    sim_l2.advance_to(end_ms)
    fetch(
        sim_l2,
        catalog,
        symbols=("BTC/USDT",),
        kind="trades",
        start_ns=start,
        end_ns=middle,
        page_limit=40,
        flush_rows=90,
    )
    first = catalog.read_trades(SPOT_ID)
    assert len(first) == sum(t.ts_event < middle for t in recorded_trades)
    [report] = fetch(
        sim_l2, catalog, symbols=("BTC/USDT",), kind="trades",
        start_ns=start, end_ns=(end_ms + 1) * NANOS_PER_MILLI, page_limit=40,
    )  # fmt: skip
    assert report.fetched == [
        (
            first["ts_event"].max() // NANOS_PER_MILLI * NANOS_PER_MILLI,
            (end_ms + 1) * NANOS_PER_MILLI,
        )
    ]
    stored = catalog.read_trades(SPOT_ID)
    expected = [t for t in recorded_trades if t.ts_event <= end_ms * NANOS_PER_MILLI]
    assert not stored["trade_id"].duplicated().any()
    assert stored["ts_event"].tolist() == [t.ts_event for t in expected]
    assert stored["size"].tolist() == pytest.approx([t.size for t in expected])


def test_bad_requests_are_config_errors(sim, tmp_path) -> None:
    catalog = ParquetCatalog(tmp_path)
    with pytest.raises(ConfigError, match="has no market DOGE/USDT"):
        fetch(sim, catalog, symbols=("DOGE/USDT",), start_ns=DAY, end_ns=DAY + NANOS_PER_MINUTE)
    with pytest.raises(ConfigError, match="before --until"):
        fetch(sim, catalog, symbols=("BTC/USDT",), start_ns=DAY, end_ns=DAY)
    with pytest.raises(ConfigError, match="no funding-rate history"):
        fetch(sim, catalog, symbols=("BTC/USDT",), kind="funding", start_ns=DAY, end_ns=DAY + 1)
    assert parse_symbols("BTC/USDT, ETH/USDT,,BTC/USDT") == ("BTC/USDT", "ETH/USDT")
    with pytest.raises(ConfigError, match="no symbols"):
        parse_symbols(" , ")


@pytest.mark.parametrize(
    ("kind", "timeframe", "column", "expected"),
    [
        ("funding", "1m", "rate", funding_frame),
        ("open_interest", "1h", "open_interest", interest_frame),
    ],
)
def test_funding_and_open_interest_download_page_by_page_and_resume(
    sim_history, tmp_path, kind, timeframe, column, expected
) -> None:
    def stored_rows() -> pd.DataFrame:
        if kind == "open_interest":
            return catalog.read_open_interest(PERP_ID, timeframe)
        return catalog.read_funding(PERP_ID)

    catalog = ParquetCatalog(tmp_path)
    start = (SIM_START_MS - 20 * 24 * HOUR_MS) * NANOS_PER_MILLI
    middle = (SIM_START_MS - 10 * 24 * HOUR_MS) * NANOS_PER_MILLI
    end = (SIM_START_MS + 1) * NANOS_PER_MILLI
    options = {"symbols": ("BTC/USDT:USDT",), "kind": kind, "timeframe": timeframe}
    fetch(sim_history, catalog, start_ns=start, end_ns=middle, page_limit=7, **options)
    first = stored_rows()
    [report] = fetch(sim_history, catalog, start_ns=start, end_ns=end, page_limit=7, **options)
    # only the span after the last stored row is asked for again
    assert report.fetched == [(int(first["ts_event"].max()) + 1, end)]
    stored = stored_rows()
    frame = expected()
    step = timeframe_to_ns(timeframe) if kind == "open_interest" else 1
    want = frame[(frame["ts_event"] >= start) & (frame["ts_event"] < end)]
    want = want[want["ts_event"] % step == 0]
    assert stored["ts_event"].tolist() == want["ts_event"].tolist()
    assert not stored["ts_event"].duplicated().any()
    assert stored[column].tolist() == pytest.approx(want[column].tolist())
    assert report.requests > report.rows_written // 7  # paged at 7 rows a request


def test_open_interest_needs_a_period_of_five_minutes_or_more(sim_history, tmp_path) -> None:
    with pytest.raises(ConfigError, match="--timeframe 5m"):
        fetch(
            sim_history,
            ParquetCatalog(tmp_path),
            symbols=("BTC/USDT:USDT",),
            kind="open_interest",
            start_ns=DAY,
            end_ns=DAY + NANOS_PER_MINUTE,
        )


def test_each_open_interest_period_is_a_dataset_of_its_own(sim_history, tmp_path) -> None:
    catalog = ParquetCatalog(tmp_path)
    start = (SIM_START_MS - 2 * 24 * HOUR_MS) * NANOS_PER_MILLI
    end = SIM_START_MS * NANOS_PER_MILLI
    for period in ("1h", "4h"):
        fetch(
            sim_history, catalog, symbols=("BTC/USDT:USDT",), kind="open_interest",
            timeframe=period, start_ns=start, end_ns=end,
        )  # fmt: skip
    hourly = catalog.read_open_interest(PERP_ID, "1h")
    four_hourly = catalog.read_open_interest(PERP_ID, "4h")
    assert (len(hourly), len(four_hourly)) == (48, 12)
    assert set(four_hourly["ts_event"]) <= set(hourly["ts_event"])
    listed = [(i.kind.value, i.timeframe) for i in catalog.list_datasets("open_interest")]
    assert listed == [("open_interest", "1h"), ("open_interest", "4h")]
