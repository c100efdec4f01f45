"""Import one market-data file into a catalog: detect, read, check/repair, write."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.core.time import NANOS_PER_SECOND
from colin.data.quality import QualityReport, RepairPolicy, check_bars, repair_bars
from colin.data.trade_quality import repair_trades
from colin.model.book import BookDeltas, BookSnapshot
from colin.model.data import QuoteTick, TradeTick
from colin.persistence.catalog import (
    DataKind,
    DatasetKey,
    LayeredCatalog,
    ParquetCatalog,
    book_events_to_frame,
    quotes_to_frame,
    trades_to_frame,
)
from colin.persistence.importers.candles import (
    read_csv_candles,
    read_freqtrade_feather,
    read_freqtrade_json,
    read_lean_zip,
)
from colin.persistence.importers.detect import FileFormat, detect_format, name_hints
from colin.persistence.importers.ticks import (
    read_freqtrade_funding,
    read_freqtrade_trades,
    read_tardis_trades,
)

logger = logging.getLogger(__name__)

Catalog = ParquetCatalog | LayeredCatalog
MarketEvent = TradeTick | QuoteTick | BookSnapshot | BookDeltas
CaptureReader = Callable[[Path, InstrumentId], Iterable[MarketEvent]]
_UNITS = (("w", 7 * 86_400), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))
_BAR_FORMATS = {
    FileFormat.FREQTRADE_FEATHER,
    FileFormat.FREQTRADE_JSON,
    FileFormat.CSV_CANDLES,
    FileFormat.LEAN_ZIP,
}


@dataclass(slots=True)
class ImportResult:
    """What one import wrote, and the quality reports behind it."""

    path: Path
    file_format: FileFormat
    written: list[tuple[DatasetKey, int]] = field(default_factory=list)
    reports: list[QualityReport] = field(default_factory=list)
    events: int = 0


def import_file(
    catalog: Catalog,
    path: str | Path,
    instrument_id: InstrumentId | str | None = None,
    timeframe: str | None = None,
    venue: str = "BINANCE",
    policy: RepairPolicy | str = RepairPolicy.RAISE,
    file_format: FileFormat | str | None = None,
    on_progress: Callable[[int], None] | None = None,
    capture_reader: CaptureReader | None = None,
) -> ImportResult:
    """Import one file into ``catalog``.

    Parameters
    ----------
    catalog
        Where to write.
    path
        The file; its format is detected from name and content unless ``file_format`` is given.
    instrument_id
        ``SYMBOL.VENUE``; inferred from freqtrade-style names (``BTC_USDT-1h.feather`` ->
        ``BTC/USDT.<venue>``) when omitted.
    timeframe
        Bar timeframe; inferred from the name, the LEAN resolution or the most common spacing.
    venue
        Venue for inferred instrument ids.
    policy
        Repair policy for bad rows (``raise``, ``drop`` or ``fill``).
    file_format
        Skip detection.
    on_progress
        Called with the number of events decoded so far (capture imports).
    capture_reader
        Decoder for venue captures (``binance-capture`` files), e.g.
        :func:`colin.adapters.binance_capture.iter_capture`; persistence does not know venue
        wire formats, so the caller (the CLI) supplies it.

    Raises
    ------
    DataError
        If the file is unreadable, its format unknown, a column missing, the instrument or
        timeframe cannot be determined, or (policy ``raise``) the data fails a quality check.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    fmt = FileFormat(file_format) if file_format is not None else detect_format(path)
    iid = _instrument(path, instrument_id, venue)
    result = ImportResult(path=path, file_format=fmt)
    if fmt in _BAR_FORMATS:
        bars, chosen = _read_bar_file(fmt, path, iid, timeframe)
        clean, report = repair_bars(bars, chosen, policy, source=str(path))
        result.reports.append(report)
        rows = catalog.write_bars(iid, chosen, clean)
        result.written.append((DatasetKey(DataKind.BARS, iid, chosen), rows))
    elif fmt in (FileFormat.TARDIS_TRADES, FileFormat.FREQTRADE_TRADES):
        reader = read_tardis_trades if fmt is FileFormat.TARDIS_TRADES else read_freqtrade_trades
        trades, report = repair_trades(reader(path), policy, source=str(path))
        result.reports.append(report)
        result.written.append((DatasetKey(DataKind.TRADES, iid), catalog.write_trades(iid, trades)))
    elif fmt is FileFormat.FREQTRADE_FUNDING:
        funding = _clean_funding(read_freqtrade_funding(path), RepairPolicy(policy), path)
        rows = catalog.write_funding(iid, funding)
        result.written.append((DatasetKey(DataKind.FUNDING, iid), rows))
    else:
        if capture_reader is None:
            raise DataError(
                f"{path}: {fmt} files need a capture reader (the venue adapter's decoder)"
            )
        _import_capture(catalog, capture_reader(path, iid), iid, result, on_progress)
    return result


def check_file(
    path: str | Path,
    instrument_id: InstrumentId | str | None = None,
    timeframe: str | None = None,
    venue: str = "BINANCE",
) -> QualityReport:
    """Check a candle file's quality without importing it.

    Raises
    ------
    DataError
        If the file is not a candle file Colin reads, or cannot be read.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    fmt = detect_format(path)
    if fmt not in _BAR_FORMATS:
        raise DataError(f"{path}: only candle files can be checked, this is {fmt}")
    try:
        iid = _instrument(path, instrument_id, venue)
    except DataError:
        iid = InstrumentId("UNKNOWN/UNKNOWN." + venue.upper())  # only the base name matters
    bars, chosen = _read_bar_file(fmt, path, iid, timeframe)
    return check_bars(bars, chosen, source=str(path))


def infer_timeframe(ts_open: np.ndarray, source: str = "bars") -> str:
    """Return the most common spacing of bar open times as a timeframe string (``"1h"``).

    Raises
    ------
    DataError
        If there are fewer than two distinct times or the spacing is not whole seconds.
    """
    unique = np.unique(ts_open)
    if len(unique) < 2:
        raise DataError(f"{source}: too few bars to infer the timeframe; pass it explicitly")
    steps, counts = np.unique(np.diff(unique), return_counts=True)
    step = int(steps[np.argmax(counts)])
    if step % NANOS_PER_SECOND:
        raise DataError(f"{source}: bar spacing {step} ns is not whole seconds; pass the timeframe")
    seconds = step // NANOS_PER_SECOND
    unit, size = next((u, s) for u, s in _UNITS if seconds % s == 0)
    return f"{seconds // size}{unit}"


def _instrument(path: Path, given: InstrumentId | str | None, venue: str) -> InstrumentId:
    if given is not None:
        try:
            return InstrumentId(given)
        except ValueError as exc:
            raise DataError(str(exc)) from exc
    symbol = name_hints(path).symbol
    if symbol is None:
        raise DataError(
            f"{path}: cannot tell the instrument from the file name; pass it as SYMBOL.VENUE "
            "(for example --instrument BTC/USDT.BINANCE)"
        )
    return InstrumentId.of(symbol, venue)


def _read_bar_file(
    fmt: FileFormat, path: Path, iid: InstrumentId, timeframe: str | None
) -> tuple[pd.DataFrame, str]:
    bars, found_timeframe = _read_bars(fmt, path, iid)
    return bars, _timeframe(path, bars, timeframe, found_timeframe)


def _read_bars(fmt: FileFormat, path: Path, iid: InstrumentId) -> tuple[pd.DataFrame, str | None]:
    if fmt is FileFormat.FREQTRADE_FEATHER:
        return read_freqtrade_feather(path), None
    if fmt is FileFormat.FREQTRADE_JSON:
        return read_freqtrade_json(path), None
    if fmt is FileFormat.LEAN_ZIP:
        return read_lean_zip(path)
    return read_csv_candles(path, base_currency=iid.symbol.split("/")[0]), None


def _timeframe(path: Path, bars: pd.DataFrame, given: str | None, found: str | None) -> str:
    named = name_hints(path).timeframe or found
    if given is not None and named is not None and given != named:
        raise DataError(f"{path}: --timeframe {given} contradicts the file's own {named}")
    if given is not None or named is not None:
        return given or named  # type: ignore[return-value]
    inferred = infer_timeframe(bars["ts_open"].to_numpy(np.int64), str(path))
    logger.info("%s: inferred timeframe %s from bar spacing", path, inferred)
    return inferred


def _clean_funding(funding: pd.DataFrame, policy: RepairPolicy, path: Path) -> pd.DataFrame:
    bad = ~np.isfinite(funding["rate"].to_numpy(np.float64))
    duplicated = funding["ts_event"].duplicated(keep="last").to_numpy()
    if (bad.any() or duplicated.any()) and policy is RepairPolicy.RAISE:
        row = int(np.flatnonzero(bad | duplicated)[0])
        reason = "rate is NaN" if bad[row] else "ts_event repeats"
        raise DataError(f"{path}: row {row}: {reason} (choose the repair policy 'drop' to repair)")
    if bad.any() or duplicated.any():
        logger.warning("%s: dropped %d bad funding row(s)", path, int((bad | duplicated).sum()))
    kept: pd.DataFrame = funding.loc[~(bad | duplicated)]
    return kept.sort_values("ts_event", kind="stable")


def _import_capture(
    catalog: Catalog,
    events: Iterable[MarketEvent],
    iid: InstrumentId,
    result: ImportResult,
    on_progress: Callable[[int], None] | None,
) -> None:
    trades: list[TradeTick] = []
    quotes: list[QuoteTick] = []
    book: list[BookSnapshot | BookDeltas] = []
    for count, event in enumerate(events, start=1):
        if isinstance(event, TradeTick):
            trades.append(event)
        elif isinstance(event, QuoteTick):
            quotes.append(event)
        else:
            book.append(event)
        if on_progress is not None and count % 10_000 == 0:
            on_progress(count)
        result.events = count
    for kind, frame, write in (
        (DataKind.TRADES, trades_to_frame(trades), catalog.write_trades),
        (DataKind.QUOTES, quotes_to_frame(quotes), catalog.write_quotes),
        (DataKind.BOOK, book_events_to_frame(book), catalog.write_book),
    ):
        if len(frame):
            result.written.append((DatasetKey(kind, iid), write(iid, frame)))
