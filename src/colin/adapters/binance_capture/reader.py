"""Read a recorded Binance websocket capture (hftbacktest raw format) into Colin objects.

Each line is ``<local receive time> <raw JSON>``; the file may be gzip-compressed. The local time
is in nanoseconds (``*.gz``) or microseconds (``*.dat.gz``); the unit is inferred from the
magnitude, which cannot be ambiguous for dates after 1973.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from colin.adapters.binance_capture.decoder import BinanceCaptureDecoder, MarketEvent
from colin.adapters.binance_capture.sync import BinanceBookSync, BookSyncStats
from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.model.book import BookDeltas, BookSnapshot
from colin.model.data import TradeTick

_NS_FLOOR = 10**17  # 1973 in ns; also 5138 AD in µs
_US_FLOOR = 10**14  # 1973 in µs


@dataclass(slots=True)
class CaptureStats:
    """Counts of what a capture contained and what was kept."""

    lines: int = 0
    snapshots: int = 0
    deltas: int = 0
    trades: int = 0
    quotes: int = 0
    skipped: int = 0
    book: BookSyncStats = field(default_factory=BookSyncStats)


def local_time_to_ns(value: int) -> int:
    """Convert a capture's local timestamp (ns or µs since the epoch) to ns.

    Raises
    ------
    DataError
        If the value is too small to be a ns or µs epoch timestamp.
    """
    if value >= _NS_FLOOR:
        return value
    if value >= _US_FLOOR:
        return value * 1_000
    raise DataError(f"timestamp {value} is neither epoch nanoseconds nor microseconds")


def iter_capture(
    path: str | Path,
    instrument_id: InstrumentId | str,
    venue_symbol: str | None = None,
    stats: CaptureStats | None = None,
    sync_book: bool = True,
) -> Iterator[MarketEvent]:
    """Yield the market events of a capture file in receive order.

    Parameters
    ----------
    path
        The capture, plain text or gzip.
    instrument_id
        The instrument the capture records.
    venue_symbol
        Binance's symbol, when it cannot be derived from ``instrument_id`` (COIN-M contracts).
    stats
        Filled in with counts while iterating, if given.
    sync_book
        Pass depth events through :class:`BinanceBookSync` so that the yielded snapshot and diffs
        apply cleanly to an :class:`OrderBook` (default). ``False`` yields them as recorded.

    Raises
    ------
    DataError
        Naming the file and line, if a line is not ``<integer> <JSON>`` or cannot be decoded.
    """
    path = Path(path)
    decoder = BinanceCaptureDecoder(instrument_id, venue_symbol)
    counts = stats if stats is not None else CaptureStats()
    sync = BinanceBookSync()
    counts.book = sync.stats
    for line_number, line in enumerate(_read_lines(path), start=1):
        if not line.strip():
            continue
        counts.lines += 1
        event = _decode_line(decoder, line, path, line_number)
        if event is None:
            counts.skipped += 1
            continue
        if isinstance(event, BookSnapshot | BookDeltas):
            if isinstance(event, BookSnapshot):
                counts.snapshots += 1
            else:
                counts.deltas += 1
            if sync_book:
                yield from sync.on_event(event)
            else:
                yield event
            continue
        if isinstance(event, TradeTick):
            counts.trades += 1
        else:
            counts.quotes += 1
        yield event
    if sync_book:
        sync.finish()


def _decode_line(
    decoder: BinanceCaptureDecoder, line: str, path: Path, line_number: int
) -> MarketEvent | None:
    stamp, _, payload = line.partition(" ")
    try:
        ts_init = local_time_to_ns(int(stamp))
        return decoder.decode(payload, ts_init)
    except ValueError as exc:
        raise DataError(
            f"{path}:{line_number}: expected '<local timestamp> <JSON>', got {line[:60]!r}"
        ) from exc
    except DataError as exc:
        raise DataError(f"{path}:{line_number}: {exc}") from exc


def _read_lines(path: Path) -> Iterator[str]:
    try:
        with path.open("rb") as raw:
            compressed = raw.read(2) == b"\x1f\x8b"
        opener = gzip.open if compressed else open
        with opener(path, "rt", encoding="utf-8") as handle:
            yield from handle
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read capture ({exc})") from exc
