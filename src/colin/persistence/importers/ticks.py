"""Readers for trade files (Tardis.dev CSV, freqtrade parquet) and freqtrade funding rates."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from colin.core.errors import DataError
from colin.persistence.importers.candles import read_freqtrade_feather, read_freqtrade_json
from colin.persistence.importers.timestamps import epoch_to_ns

logger = logging.getLogger(__name__)

_MARK_TOLERANCE_NS = 60 * 1_000_000_000
_SIDES = {"buy": 1, "sell": -1, "unknown": 0, "": 0}


def read_tardis_trades(path: Path) -> pd.DataFrame:
    """Read a Tardis.dev normalised trades CSV (``timestamp``/``local_timestamp`` in µs).

    ``side`` is the aggressor (``buy``/``sell``/``unknown``).
    """
    frame = _read_table(path, pd.read_csv, dtype={"id": str, "side": str})
    _require(frame, ("timestamp", "id", "side", "price", "amount"), path)
    ts_event = epoch_to_ns(frame["timestamp"], str(path), "timestamp")
    local = frame["local_timestamp"] if "local_timestamp" in frame.columns else frame["timestamp"]
    return pd.DataFrame(
        {
            "ts_event": ts_event,
            "ts_init": epoch_to_ns(local, str(path), "local_timestamp"),
            "price": _numbers(frame, "price", path),
            "size": _numbers(frame, "amount", path),
            "side": _sides(frame["side"], path),
            "trade_id": frame["id"].astype(str).to_numpy(),
        }
    )


def read_freqtrade_trades(path: Path) -> pd.DataFrame:
    """Read freqtrade's trades parquet (``timestamp`` ms, ``id, side, price, amount``)."""
    frame = _read_table(path, pd.read_parquet)
    _require(frame, ("timestamp", "id", "side", "price", "amount"), path)
    ts = epoch_to_ns(frame["timestamp"], str(path), "timestamp")
    return pd.DataFrame(
        {
            "ts_event": ts,
            "ts_init": ts,
            "price": _numbers(frame, "price", path),
            "size": _numbers(frame, "amount", path),
            "side": _sides(frame["side"], path),
            "trade_id": frame["id"].astype(str).to_numpy(),
        }
    )


def read_freqtrade_funding(path: Path) -> pd.DataFrame:
    """Read a freqtrade ``*-funding_rate`` file (feather or JSON): the rate is in ``open``.

    When the sibling ``*-mark`` file of the same timeframe exists, the mark price of each funding
    event is the ``open`` of the mark candle starting within a minute of it (freqtrade's rule).
    """
    reader = read_freqtrade_feather if path.suffix == ".feather" else read_freqtrade_json
    bars = reader(path)
    funding = pd.DataFrame({"ts_event": bars["ts_open"], "rate": bars["open"]})
    mark_path = path.with_name(path.name.replace("-funding_rate", "-mark"))
    if mark_path == path or not mark_path.exists():
        return funding.assign(mark_price=np.nan)
    marks = reader(mark_path)[["ts_open", "open"]].sort_values("ts_open")
    merged = pd.merge_asof(
        funding.reset_index().sort_values("ts_event"),
        marks.rename(columns={"ts_open": "ts_event", "open": "mark_price"}),
        on="ts_event",
        direction="nearest",
        tolerance=_MARK_TOLERANCE_NS,
    )
    logger.info("%s: mark prices from %s", path, mark_path.name)
    return merged.sort_values("index").drop(columns="index").reset_index(drop=True)


def _read_table(path: Path, reader, **kwargs):  # type: ignore[no-untyped-def]
    try:
        return reader(path, **kwargs)
    except FileNotFoundError as exc:
        raise DataError(f"{path}: file not found") from exc
    except Exception as exc:  # pandas/pyarrow raise many unrelated types for a bad file
        raise DataError(f"{path}: unreadable ({type(exc).__name__}: {exc})") from exc


def _require(frame: pd.DataFrame, columns: tuple[str, ...], path: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {missing}; found {list(frame.columns)}, "
            f"expected {list(columns)}"
        )


def _numbers(frame: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{path}: row {row}: column {column} is not a number ({frame[column].iloc[row]!r})"
        )
    return values.to_numpy(np.float64)


def _sides(values: pd.Series, path: Path) -> np.ndarray:
    text = values.fillna("").astype(str).str.strip().str.lower()
    codes = text.map(_SIDES)
    unknown = codes.isna()
    if unknown.any():
        row = int(np.flatnonzero(unknown.to_numpy())[0])
        raise DataError(
            f"{path}: row {row}: column side has {values.iloc[row]!r}; "
            "expected buy, sell or unknown"
        )
    return codes.to_numpy(np.int8)
