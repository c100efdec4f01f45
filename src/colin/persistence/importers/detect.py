"""Recognise a market-data file's format from its name and first bytes."""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from colin.core.errors import DataError

_FREQTRADE_NAME = re.compile(
    r"^(?P<pair>[A-Z0-9]+(?:_[A-Z0-9]+){1,2})-(?P<timeframe>\d+[smhdwM])"
    r"(?:-(?P<suffix>futures|mark|funding_rate|index|premiumIndex))?$"
)
_TRADE_FIELDS = {"timestamp", "id", "side", "price", "amount"}
_FREQTRADE_TRADES_NAME = re.compile(r"^(?P<pair>[A-Z0-9]+(?:_[A-Z0-9]+){1,2})-trades$")


class FileFormat(StrEnum):
    """The file formats the importers read."""

    FREQTRADE_FEATHER = "freqtrade-feather"
    FREQTRADE_JSON = "freqtrade-json"
    FREQTRADE_FUNDING = "freqtrade-funding"
    FREQTRADE_TRADES = "freqtrade-trades"
    CSV_CANDLES = "csv-candles"
    LEAN_ZIP = "lean-zip"
    TARDIS_TRADES = "tardis-trades"
    BINANCE_CAPTURE = "binance-capture"


@dataclass(frozen=True, slots=True)
class NameHints:
    """What a freqtrade-style file name says: unified symbol, timeframe and suffix."""

    symbol: str | None = None
    timeframe: str | None = None
    suffix: str | None = None


def name_hints(path: Path) -> NameHints:
    """Parse ``BTC_USDT-1h.feather``, ``XRP_USDT_USDT-8h-funding_rate.json.gz`` and the like."""
    stem = _strip_suffixes(path.name)
    match = _FREQTRADE_NAME.match(stem)
    if match is None:
        trades = _FREQTRADE_TRADES_NAME.match(stem)
        return NameHints(symbol=_unified(trades["pair"])) if trades else NameHints()
    symbol = _unified(match["pair"])
    if match["suffix"] is not None and ":" not in symbol:
        # freqtrade futures files may omit the settle currency: linear perps settle in quote.
        symbol = f"{symbol}:{symbol.split('/')[1]}"
    return NameHints(symbol, match["timeframe"], match["suffix"])


def detect_format(path: Path) -> FileFormat:
    """Return the format of ``path``.

    Raises
    ------
    DataError
        If the file cannot be read or its format is not one Colin imports; the message lists the
        supported formats.
    """
    name = path.name.lower()
    hints = name_hints(path)
    head = _head(path)
    if hints.suffix in ("mark", "index", "premiumIndex"):
        raise DataError(
            f"{path}: {hints.suffix} candles are not market data Colin imports; import the "
            "matching -funding_rate file for funding, or the trade candles"
        )
    if name.endswith(".zip"):
        return FileFormat.LEAN_ZIP
    if name.endswith(".feather"):
        if hints.suffix == "funding_rate":
            return FileFormat.FREQTRADE_FUNDING
        return FileFormat.FREQTRADE_FEATHER
    if name.endswith(".parquet") and head.startswith(b"PAR1"):
        if set(_parquet_columns(path)) >= _TRADE_FIELDS:
            return FileFormat.FREQTRADE_TRADES
        raise DataError(
            f"{path}: parquet file with columns {_parquet_columns(path)} is not a freqtrade "
            f"trades file (needs {sorted(_TRADE_FIELDS)})"
        )
    text = head.decode("utf-8", errors="replace")
    first_line = text.split("\n", 1)[0].strip().lower()
    if text.lstrip().startswith("[[") or name.endswith((".json", ".json.gz")):
        if hints.suffix == "funding_rate":
            return FileFormat.FREQTRADE_FUNDING
        return FileFormat.FREQTRADE_JSON
    if re.match(r"^\d{13,19} \{", first_line):
        return FileFormat.BINANCE_CAPTURE
    header = {field.strip() for field in first_line.split(",")}
    if {"local_timestamp", "id", "side", "price", "amount"} <= header:
        return FileFormat.TARDIS_TRADES
    lines = text.lower().split("\n")[:2]
    candle_header = any(
        {"open", "high", "close"} <= {f.strip() for f in line.split(",")} for line in lines
    )
    if candle_header or (name.endswith((".csv", ".csv.gz")) and "," in first_line):
        return FileFormat.CSV_CANDLES
    raise DataError(
        f"{path}: unknown market-data format (first line {first_line[:80]!r}); supported: "
        f"{', '.join(f.value for f in FileFormat)}"
    )


def _parquet_columns(path: Path) -> list[str]:
    try:
        return list(pq.read_schema(path).names)
    except (OSError, pa.ArrowException) as exc:
        raise DataError(f"{path}: unreadable parquet ({exc})") from exc


def _head(path: Path, size: int = 4096) -> bytes:
    try:
        with path.open("rb") as handle:
            head = handle.read(size)
        if head.startswith(b"\x1f\x8b"):
            with gzip.open(path, "rb") as handle:
                head = handle.read(size)
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: unreadable ({exc})") from exc
    return head


def _strip_suffixes(name: str) -> str:
    for suffix in (".gz", ".json", ".feather", ".parquet", ".csv"):
        name = name.removesuffix(suffix)
    return name


def _unified(pair: str) -> str:
    parts = pair.split("_")
    symbol = f"{parts[0]}/{parts[1]}"
    return f"{symbol}:{parts[2]}" if len(parts) == 3 else symbol
