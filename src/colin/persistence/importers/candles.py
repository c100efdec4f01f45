"""Readers for candle files: freqtrade feather/JSON, CSV exports and QuantConnect LEAN zips.

Every reader returns a raw bars frame (``ts_open`` int64 ns UTC, float64 ``open, high, low,
close, volume``) in file order; quality checks and repairs happen afterwards, in one place.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from colin.core.errors import DataError
from colin.data.frames import BAR_COLUMNS, PRICE_COLUMNS
from colin.persistence.importers.timestamps import datetimes_to_ns, epoch_to_ns, pick_column

logger = logging.getLogger(__name__)

_TIME_COLUMNS = ("date", "datetime", "timestamp", "time", "open_time", "unix", "ts_open")
_LEAN_RESOLUTIONS = {"second": "1s", "minute": "1m", "hour": "1h", "daily": "1d"}


def read_freqtrade_feather(path: Path) -> pd.DataFrame:
    """Read a freqtrade ``.feather`` candle file (``date, open, high, low, close, volume``)."""
    frame = _read(path, pd.read_feather)
    return _bars_from_frame(frame, path, time_column="date")


def read_freqtrade_json(path: Path) -> pd.DataFrame:
    """Read a freqtrade ``.json`` / ``.json.gz`` candle file (``[[ms, o, h, l, c, v], ...]``)."""
    opener = gzip.open if _is_gzip(path) else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            rows = json.load(handle)
    except (OSError, EOFError, ValueError) as exc:
        raise DataError(f"{path}: unreadable freqtrade JSON ({exc})") from exc
    if not isinstance(rows, list) or any(not isinstance(r, list) or len(r) < 6 for r in rows[:1]):
        raise DataError(
            f"{path}: expected a JSON list of [time_ms, open, high, low, close, volume]"
        )
    try:
        frame = pd.DataFrame([row[:6] for row in rows], columns=list(BAR_COLUMNS))
    except (ValueError, TypeError) as exc:
        raise DataError(f"{path}: rows are not [time_ms, open, high, low, close, volume]") from exc
    return _bars_from_frame(frame, path, time_column="ts_open")


def read_csv_candles(path: Path, base_currency: str | None = None) -> pd.DataFrame:
    """Read a CSV candle export, with or without a banner line (CryptoDataDownload).

    Column names are matched case-insensitively; the time column may be any of ``date,
    datetime, timestamp, time, open_time, unix`` holding epoch numbers or date strings (naive
    times are read as UTC). When several volume columns exist (``Volume BTC``, ``Volume USD``),
    ``volume_<base_currency>`` is preferred, then ``volume``.
    """
    frame = _read(path, lambda p: pd.read_csv(p, skiprows=_banner_lines(p)))
    frame.columns = [re.sub(r"\s+", "_", str(c).strip().lower()) for c in frame.columns]
    time_column = pick_column(frame.columns, _TIME_COLUMNS)
    if time_column is None:
        raise DataError(
            f"{path}: no time column; expected one of {list(_TIME_COLUMNS)}, "
            f"found {list(frame.columns)}"
        )
    volume = pick_column(
        frame.columns, [f"volume_{(base_currency or '').lower()}", "volume", "vol", "base_volume"]
    )
    if volume is not None and volume != "volume":
        frame = frame.drop(columns=["volume"], errors="ignore").rename(columns={volume: "volume"})
    bars = _bars_from_frame(frame, path, time_column=time_column)
    ts = bars["ts_open"].to_numpy()
    if len(ts) > 1 and (np.diff(ts) < 0).all():
        # Newest-first is a layout (CryptoDataDownload), not a defect: flip it.
        logger.info("%s: rows are newest-first; reading them in time order", path)
        bars = bars.iloc[::-1].reset_index(drop=True)
    return bars


def read_lean_zip(path: Path) -> tuple[pd.DataFrame, str]:
    """Read a QuantConnect LEAN crypto trade-bar zip; return the bars and their timeframe.

    Minute/second files hold ``ms_since_midnight,o,h,l,c,v`` for the day in the inner file name
    (``20221213_btcbusd_minute_trade.csv``); hour/daily files hold ``YYYYMMDD HH:MM,o,h,l,c,v``.

    Raises
    ------
    DataError
        For quote-bar zips, zips without exactly one CSV, or unreadable rows.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if n.endswith(".csv")]
            if len(names) != 1:
                raise DataError(f"{path}: expected one CSV inside the LEAN zip, found {names}")
            name = names[0]
            text = archive.read(name).decode("utf-8")
    except (OSError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: unreadable LEAN zip ({exc})") from exc
    if "quote" in name or "quote" in path.name:
        raise DataError(f"{path}: LEAN quote bars are not supported; import the _trade zip")
    columns = ["time", "open", "high", "low", "close", "volume"]
    frame = _read(path, lambda _: pd.read_csv(io.StringIO(text), header=None, names=columns))
    day = re.match(r"(\d{8})_", Path(name).name)
    if day is not None and pd.api.types.is_numeric_dtype(frame["time"].dtype):
        midnight = int(pd.Timestamp(day.group(1), tz="UTC").value)
        frame["time"] = midnight + frame["time"].astype(np.int64) * 1_000_000
        bars = _bars_from_frame(frame, path, time_column="time", epoch_ns=True)
    else:
        bars = _bars_from_frame(frame, path, time_column="time")
    resolution = next(
        (tf for word, tf in _LEAN_RESOLUTIONS.items() if word in name + path.name), None
    )
    if resolution is None:
        raise DataError(f"{path}: cannot tell the LEAN resolution from {name!r}")
    return bars, resolution


def _bars_from_frame(
    frame: pd.DataFrame, path: Path, time_column: str, epoch_ns: bool = False
) -> pd.DataFrame:
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in (time_column, *PRICE_COLUMNS, "volume") if c not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {missing}; found {list(frame.columns)}, expected a time "
            "column and open, high, low, close, volume"
        )
    if epoch_ns:
        ts = frame[time_column].to_numpy(np.int64)
    elif time_column == "ts_open":
        ts = epoch_to_ns(frame[time_column], str(path), time_column)
    else:
        ts = datetimes_to_ns(frame[time_column], str(path), time_column)
    out = {"ts_open": ts}
    for name in (*PRICE_COLUMNS, "volume"):
        values = pd.to_numeric(frame[name], errors="coerce")
        text_bad = values.isna() & frame[name].notna()
        if text_bad.any():
            row = int(np.flatnonzero(text_bad.to_numpy())[0])
            raise DataError(
                f"{path}: row {row}: column {name} is not a number ({frame[name].iloc[row]!r})"
            )
        out[name] = values.to_numpy(np.float64)
    return pd.DataFrame(out)


def _read(path: Path, reader):  # type: ignore[no-untyped-def]
    try:
        return reader(path)
    except FileNotFoundError as exc:
        raise DataError(f"{path}: file not found") from exc
    except DataError:
        raise
    except Exception as exc:  # every reader library has its own error tree
        raise DataError(f"{path}: unreadable ({type(exc).__name__}: {exc})") from exc


def _banner_lines(path: Path) -> int:
    opener = gzip.open if _is_gzip(path) else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        first, second = handle.readline(), handle.readline()
    return 1 if first.count(",") < second.count(",") or "http" in first.lower() else 0


def _is_gzip(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(2) == b"\x1f\x8b"
    except OSError as exc:
        raise DataError(f"{path}: unreadable ({exc})") from exc
