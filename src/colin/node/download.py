"""``colin data download``: fill the catalog from a venue's REST history, resumably.

For each symbol the venue's market becomes a catalog instrument, then only what the catalog lacks
is fetched: for bars, every range of missing bar open times in ``[since, until)`` (so an
interrupted download resumes where it stopped and holes are repaired); for trades, funding and open
interest (sampled every ``timeframe``), the spans before the first and after the last stored
row. Pages are written as they arrive (in batches of ``flush_rows``; an interruption keeps what
was written). After the fetch, bars are checked with :func:`colin.data.quality.check_bars` and
missing ranges are fetched once more; what is still missing then (a venue outage, a pair listed
later than ``since``) is reported, not invented.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from colin.adapters.ccxt.backfill import Backfiller, Range, missing_ranges
from colin.adapters.ccxt.capabilities import MarketType, capabilities_for, market_type_of
from colin.adapters.ccxt.exchange_factory import create_exchange
from colin.adapters.ccxt.rate_limit import TokenBucket
from colin.core.errors import ConfigError
from colin.core.ids import InstrumentId
from colin.core.time import NANOS_PER_MILLI, timeframe_to_ns
from colin.data.quality import IssueKind, QualityReport, check_bars
from colin.node.ccxt_config import market_overrides
from colin.persistence.catalog import DataKind, DatasetKey, ParquetCatalog

logger = logging.getLogger(__name__)

DownloadKind = Literal["ohlcv", "trades", "funding", "open_interest"]
Progress = Callable[[InstrumentId, int, int], None]
"""``(instrument, done, total)``: bars for OHLCV, seconds of the span for the other kinds."""

_TICK_KINDS: dict[str, DataKind] = {
    "trades": DataKind.TRADES,
    "funding": DataKind.FUNDING,
    "open_interest": DataKind.OPEN_INTEREST,
}


@dataclass(frozen=True, slots=True)
class DownloadRequest:
    """What to download (see :func:`download`).

    ``ccxt_config`` is deep-merged into the ccxt config of every exchange built; a mapping with
    only the keys ``spot`` / ``linear`` (or ``usdm``) gives each market type its own.
    """

    exchange: str
    symbols: tuple[str, ...]
    start_ns: int
    end_ns: int | None = None
    kind: DownloadKind = "ohlcv"
    timeframe: str = "1m"
    ccxt_config: Mapping[str, Any] | None = None
    page_limit: int | None = None
    flush_rows: int = 50_000


@dataclass(slots=True)
class SymbolReport:
    """What a download did for one instrument."""

    instrument_id: InstrumentId
    rows_written: int = 0
    requests: int = 0
    fetched: list[Range] = field(default_factory=list)
    missing: list[Range] = field(default_factory=list)
    """Bar ranges still missing after the repair pass (the venue has no data there)."""
    quality: QualityReport | None = None


async def download(
    request: DownloadRequest, catalog: ParquetCatalog, progress: Progress | None = None
) -> list[SymbolReport]:
    """Download ``request`` into ``catalog`` and return one report per symbol.

    Raises
    ------
    ConfigError
        For an unknown venue, market type, symbol or a history the venue does not serve.
    DataError, RetryableError
        When the venue's answers are malformed, or it keeps failing past the retry budget.
    """
    if request.start_ns >= (request.end_ns or 2**63 - 1):
        raise ConfigError("--since must be before --until")
    if request.kind == "open_interest" and timeframe_to_ns(request.timeframe) < 300 * 10**9:
        raise ConfigError(
            "open interest is sampled every 5m or more: pass --timeframe 5m (or 15m, 1h, 1d...)"
        )
    reports = []
    exchanges: dict[MarketType, Any] = {}
    buckets: dict[MarketType, TokenBucket] = {}
    try:
        for symbol in request.symbols:
            market_type = market_type_of(symbol)
            capabilities = capabilities_for(request.exchange, market_type)
            if market_type not in exchanges:
                exchanges[market_type] = create_exchange(
                    request.exchange,
                    market_type,
                    overrides=market_overrides(request.ccxt_config, market_type),
                )
                buckets[market_type] = TokenBucket.from_budget(capabilities.rate_budget)
            exchange = exchanges[market_type]
            backfiller = Backfiller(
                exchange, capabilities, buckets[market_type], page_limit=request.page_limit
            )
            instrument = await backfiller.instrument(symbol)
            catalog.write_instruments([instrument])
            instrument_id = instrument.id
            job = _Job(request, catalog, backfiller, instrument_id, progress)
            reports.append(await job.run())
    finally:
        for exchange in exchanges.values():
            await exchange.close()
    return reports


class _Job:
    """One symbol's download."""

    def __init__(
        self,
        request: DownloadRequest,
        catalog: ParquetCatalog,
        backfiller: Backfiller,
        instrument_id: InstrumentId,
        progress: Progress | None,
    ) -> None:
        self.request = request
        self.catalog = catalog
        self.backfiller = backfiller
        self.instrument_id = instrument_id
        self.progress = progress
        self.report = SymbolReport(instrument_id)
        self.done = 0
        self.total = 0
        self._base = 0

    async def run(self) -> SymbolReport:
        kind = self.request.kind
        if kind == "ohlcv":
            await self._bars()
        else:
            await self._ticks(_TICK_KINDS[kind])
        self.report.requests = self.backfiller.requests
        return self.report

    # -- bars ------------------------------------------------------------------------------------

    async def _bars(self) -> None:
        timeframe = self.request.timeframe
        step = timeframe_to_ns(timeframe)
        venue_now = await self.backfiller.venue_time_ms() * NANOS_PER_MILLI
        end = min(self.request.end_ns or venue_now, venue_now // step * step)
        start = self.request.start_ns
        gaps = missing_ranges(self._stored_bar_times(start, end), start, end, step)
        self.total = sum((stop - first) // step for first, stop in gaps)
        self._tick(0)
        for repair in (False, True):
            for first, stop in gaps:
                self.report.fetched.append((first, stop))
                pages = self.backfiller.ohlcv(self.instrument_id, timeframe, first, stop)
                await self._write(DataKind.BARS, pages, first)
            gaps = missing_ranges(self._stored_bar_times(start, end), start, end, step)
            if not gaps or repair:
                break
            logger.info(
                "%s: %d range(s) still missing; fetching them again", self.instrument_id, len(gaps)
            )
        self.report.missing = gaps
        key = DatasetKey(DataKind.BARS, self.instrument_id, timeframe)
        if self.catalog.has_dataset(key):
            stored = self.catalog.read_bars(self.instrument_id, timeframe, start, end)
            self.report.quality = check_bars(stored, timeframe, key.describe())
            if self.report.quality.count(IssueKind.GAP):
                logger.warning("%s", self.report.quality.describe())

    def _stored_bar_times(self, start: int, end: int) -> np.ndarray:
        key = DatasetKey(DataKind.BARS, self.instrument_id, self.request.timeframe)
        if not self.catalog.has_dataset(key):
            return np.empty(0, dtype=np.int64)
        bars = self.catalog.read_bars(self.instrument_id, self.request.timeframe, start, end)
        return bars["ts_open"].to_numpy(np.int64)

    # -- trades, funding and open interest -------------------------------------------------------

    async def _ticks(self, kind: DataKind) -> None:
        start = self.request.start_ns
        end = self.request.end_ns or await self.backfiller.venue_time_ms() * NANOS_PER_MILLI
        spans = self._unstored_spans(kind, start, end)
        self.total = sum(stop - first for first, stop in spans) // 10**9
        self._tick(0)
        for first, stop in spans:
            self.report.fetched.append((first, stop))
            await self._write(kind, self._fetch(kind, first, stop), first)
            self._tick(self._base + (stop - first) // 10**9)

    def _fetch(self, kind: DataKind, start: int, end: int) -> AsyncIterator[pd.DataFrame]:
        if kind is DataKind.TRADES:
            return self.backfiller.trades(self.instrument_id, start, end)
        if kind is DataKind.FUNDING:
            return self.backfiller.funding(self.instrument_id, start, end)
        return self.backfiller.open_interest(
            self.instrument_id, start, end, period=self.request.timeframe
        )

    def _unstored_spans(self, kind: DataKind, start: int, end: int) -> list[Range]:
        period = self.request.timeframe if kind is DataKind.OPEN_INTEREST else None
        key = DatasetKey(kind, self.instrument_id, period)
        if not self.catalog.has_dataset(key):
            return [(start, end)]
        ts = self.catalog.read(key, start, end)["ts_event"]
        if ts.empty:
            return [(start, end)]
        first, last = int(ts.min()), int(ts.max())
        # the last stored millisecond is fetched again: its rows are replaced, never doubled
        resume = last // NANOS_PER_MILLI * NANOS_PER_MILLI if kind is DataKind.TRADES else last + 1
        return [span for span in ((start, first), (resume, end)) if span[0] < span[1]]

    # -- writing ---------------------------------------------------------------------------------

    async def _write(
        self, kind: DataKind, pages: AsyncIterator[pd.DataFrame], span_start: int
    ) -> None:
        buffer: list[pd.DataFrame] = []
        buffered = 0
        self._base = self.done
        try:
            async for page in pages:
                buffer.append(page)
                buffered += len(page)
                if kind is DataKind.BARS:
                    self._tick(self.done + len(page))
                else:
                    reached = int(page["ts_event"].max()) - span_start
                    self._tick(self._base + reached // 10**9)
                if buffered >= self.request.flush_rows:
                    buffer = self._flush(kind, buffer, final=False)
                    buffered = sum(len(frame) for frame in buffer)
        finally:
            self._flush(kind, buffer, final=True)

    def _flush(self, kind: DataKind, buffer: list[pd.DataFrame], final: bool) -> list[pd.DataFrame]:
        """Write the buffered pages; return what is held back for the next write.

        Trades at the last buffered millisecond wait for the next write when more may follow:
        a tick write replaces the stored rows of its whole time range, so two writes must never
        share a millisecond.
        """
        if not buffer:
            return []
        frame = pd.concat(buffer, ignore_index=True)
        held = frame.iloc[0:0]
        if kind is DataKind.TRADES and not final:
            last_ms = (
                frame["ts_event"] // NANOS_PER_MILLI
                == int(frame["ts_event"].max()) // NANOS_PER_MILLI
            )
            frame, held = frame.loc[~last_ms], frame.loc[last_ms]
        if len(frame):
            if kind is DataKind.BARS:
                written = self.catalog.write_bars(self.instrument_id, self.request.timeframe, frame)
            elif kind is DataKind.TRADES:
                written = self.catalog.write_trades(self.instrument_id, frame)
            elif kind is DataKind.FUNDING:
                written = self.catalog.write_funding(self.instrument_id, frame)
            else:
                written = self.catalog.write_open_interest(
                    self.instrument_id, self.request.timeframe, frame
                )
            self.report.rows_written += written
        return [held] if len(held) else []

    def _tick(self, done: int) -> None:
        self.done = min(done, self.total)
        if self.progress is not None:
            self.progress(self.instrument_id, self.done, self.total)


def parse_symbols(text: str | Sequence[str]) -> tuple[str, ...]:
    """Split ``BTC/USDT,ETH/USDT`` (or a list of such) into unique symbols, in order."""
    items = [text] if isinstance(text, str) else list(text)
    symbols = [s.strip() for item in items for s in item.split(",") if s.strip()]
    if not symbols:
        raise ConfigError("no symbols given: expected e.g. BTC/USDT,ETH/USDT:USDT")
    return tuple(dict.fromkeys(symbols))
