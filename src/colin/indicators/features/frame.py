"""Batch feature frames: a feature set over a bar DataFrame, aligned to the base bars.

Features on a higher timeframe are computed on bars aggregated from the base bars (open first,
high max, low min, close last, volume sum, grouped by ``ts_open`` floored to the timeframe) and
joined back as of the base bar's close: a base bar sees the latest higher-timeframe bar that
had closed by then, never the one in progress.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from colin.core.errors import DataError
from colin.core.time import timeframe_to_ns
from colin.indicators._validate import FloatArray, as_timestamps
from colin.indicators.features.registry import lookup
from colin.indicators.features.spec import FeatureSetSpec, FeatureSpec

BAR_COLUMNS = ("ts_open", "open", "high", "low", "close", "volume")


def compute_features(spec: FeatureSetSpec, bars: pd.DataFrame) -> pd.DataFrame:
    """Return the feature frame of ``bars`` (one row per bar, index ``ts_open``).

    Parameters
    ----------
    spec
        The feature set.
    bars
        Columns ``ts_open`` (int64 ns, strictly increasing, aligned to the base timeframe),
        ``open``, ``high``, ``low``, ``close``, ``volume``.

    Raises
    ------
    DataError
        If a column is missing, time is not increasing, or a bar is not aligned to the base
        timeframe (the indicator checks name any bad value and its row).
    """
    missing = [c for c in BAR_COLUMNS if c not in bars.columns]
    if missing:
        raise DataError(f"bars: missing column(s) {missing}; expected {list(BAR_COLUMNS)}")
    ts = as_timestamps("ts_open", bars["ts_open"].to_numpy())
    base = timeframe_to_ns(spec.timeframe)
    misaligned = ts % base != 0
    if misaligned.any():
        row = int(np.argmax(misaligned))
        raise DataError(f"ts_open: row {row} ({ts[row]}) is not aligned to {spec.timeframe} bars")
    columns: dict[str, FloatArray] = {}
    base_frame = bars.reset_index(drop=True)
    for feature in spec.features:
        if feature.timeframe is None or feature.timeframe == spec.timeframe:
            outputs = _run(feature, base_frame)
        else:
            outputs = _higher_timeframe(feature, base_frame, base)
        columns.update(zip(feature.columns(spec.timeframe), outputs, strict=True))
    return pd.DataFrame(columns, index=pd.Index(ts, name="ts_open"))


def _run(feature: FeatureSpec, frame: pd.DataFrame) -> list[FloatArray]:
    entry = lookup(feature.indicator)
    result = entry.batch(*(frame[name].to_numpy() for name in entry.inputs), **feature.params)
    arrays = [result] if isinstance(result, np.ndarray) else list(result)
    by_output = dict(zip(entry.outputs, arrays, strict=True))
    return [np.asarray(by_output[o], dtype=np.float64) for o in feature.selected_outputs()]


def aggregate_bars(bars: pd.DataFrame, timeframe_ns: int) -> pd.DataFrame:
    """Aggregate bars into ``timeframe_ns`` bars keyed by floored ``ts_open`` (incomplete kept)."""
    key = bars["ts_open"].to_numpy() // timeframe_ns
    grouped = bars.groupby(key, sort=True)
    return pd.DataFrame(
        {
            "ts_open": grouped.size().index.to_numpy(dtype=np.int64) * timeframe_ns,
            "open": grouped["open"].first().to_numpy(),
            "high": grouped["high"].max().to_numpy(),
            "low": grouped["low"].min().to_numpy(),
            "close": grouped["close"].last().to_numpy(),
            "volume": grouped["volume"].sum().to_numpy(),
        }
    )


def _higher_timeframe(feature: FeatureSpec, bars: pd.DataFrame, base_ns: int) -> list[FloatArray]:
    higher_ns = timeframe_to_ns(feature.timeframe or "")
    higher = aggregate_bars(bars, higher_ns)
    outputs = _run(feature, higher)
    closes_at = higher["ts_open"].to_numpy() + higher_ns
    base_close = bars["ts_open"].to_numpy() + base_ns
    position = np.searchsorted(closes_at, base_close, side="right") - 1
    aligned = []
    for values in outputs:
        column = np.full(len(bars), np.nan)
        seen = position >= 0
        column[seen] = values[position[seen]]
        aligned.append(column)
    return aligned
