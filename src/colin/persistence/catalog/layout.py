"""Where the catalog keeps each dataset on disk.

::

    {root}/instruments.json
    {root}/{kind}/{VENUE}/{symbol-safe}/{timeframe or "-"}/part-{period}.parquet

``kind`` is ``bars``, ``trades``, ``quotes``, ``book``, ``funding`` or ``open_interest``;
``symbol-safe`` is the unified symbol with ``/`` and ``:`` replaced (``BTC/USDT:USDT`` ->
``BTC_USDT__USDT``); bars, funding and open interest are split into one file per UTC year
(``part-2024``), tick data into one per UTC month
(``part-2024-08``). Each file's Parquet metadata records the exact instrument id and timeframe, so
listing never has to reverse the directory names.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import numpy.typing as npt

from colin.core.ids import InstrumentId

NO_TIMEFRAME = "-"
METADATA_INSTRUMENT = b"colin.instrument_id"
METADATA_TIMEFRAME = b"colin.timeframe"
METADATA_KIND = b"colin.kind"


class DataKind(StrEnum):
    """The kinds of dataset a catalog holds."""

    BARS = "bars"
    TRADES = "trades"
    QUOTES = "quotes"
    BOOK = "book"
    FUNDING = "funding"
    OPEN_INTEREST = "open_interest"

    @property
    def time_column(self) -> str:
        """The column datasets of this kind are sorted and range-filtered on."""
        return {
            DataKind.BARS: "ts_open",
            DataKind.TRADES: "ts_event",
            DataKind.QUOTES: "ts_init",
            DataKind.BOOK: "ts_init",
            DataKind.FUNDING: "ts_event",
            DataKind.OPEN_INTEREST: "ts_event",
        }[self]

    @property
    def monthly(self) -> bool:
        """Whether files are split by month (tick data) rather than by year."""
        return self in (DataKind.TRADES, DataKind.QUOTES, DataKind.BOOK)


@dataclass(frozen=True, slots=True)
class DatasetKey:
    """Identifies one dataset: kind, instrument and (for bars) timeframe."""

    kind: DataKind
    instrument_id: InstrumentId
    timeframe: str | None = None

    def directory(self, root: Path) -> Path:
        """Return the dataset's directory under ``root``."""
        return (
            root
            / self.kind.value
            / safe_name(self.instrument_id.venue)
            / safe_name(self.instrument_id.symbol)
            / (self.timeframe or NO_TIMEFRAME)
        )

    def describe(self) -> str:
        """Return a short human-readable name, e.g. ``bars BTC/USDT.BINANCE 1h``."""
        suffix = f" {self.timeframe}" if self.timeframe else ""
        return f"{self.kind.value} {self.instrument_id}{suffix}"


def safe_name(text: str) -> str:
    """Return ``text`` usable as a directory name on every filesystem."""
    return text.replace(":", "__").replace("/", "_")


def period_labels(ts: npt.NDArray[np.int64], monthly: bool) -> npt.NDArray[np.str_]:
    """Return the file period (``2024`` or ``2024-08``) of each timestamp."""
    unit = "M" if monthly else "Y"
    return np.datetime_as_string(ts.astype("datetime64[ns]").astype(f"datetime64[{unit}]"))


def period_bounds(label: str) -> tuple[int, int]:
    """Return the [start, end) ns range covered by a period label."""
    start = np.datetime64(label)  # "2024" has unit Y, "2024-08" unit M
    return (
        int(start.astype("datetime64[ns]").astype(np.int64)),
        int((start + 1).astype("datetime64[ns]").astype(np.int64)),
    )


def part_files(
    directory: Path, start_ns: int | None = None, end_ns: int | None = None
) -> list[Path]:
    """Return the part files of a dataset that may hold rows in [start_ns, end_ns), in order."""
    if not directory.is_dir():
        return []
    files = []
    for path in sorted(directory.glob("part-*.parquet")):
        first, last = period_bounds(path.stem.removeprefix("part-"))
        if (start_ns is None or last > start_ns) and (end_ns is None or first < end_ns):
            files.append(path)
    return files
