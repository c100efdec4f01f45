"""Aggregate trades into time bars and bars into larger bars.

Buckets are aligned to the UNIX epoch in UTC (weeks open on Monday 00:00 UTC), and every bar is
labelled with its *open* time ``ts_open``. A bucket the input does not cover completely (a first one
that starts before the data, and the last one) is a *partial* bar: by
default it is dropped; with ``partial="flag"`` it is kept and a boolean ``partial`` column marks it.
Buckets with no input (no trades, or an exchange outage) produce no bar.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from colin.core.errors import DataError
from colin.data.frames import BAR_COLUMNS, bucket_start, require_columns, timeframe_ns

PartialBars = Literal["drop", "flag"]


def trades_to_bars(
    trades: pd.DataFrame,
    timeframe: str,
    start_ns: int | None = None,
    end_ns: int | None = None,
    partial: PartialBars = "drop",
) -> pd.DataFrame:
    """Build OHLCV time bars from trades.

    Parameters
    ----------
    trades
        Columns ``ts_event`` (int64 ns), ``price`` and ``size``; sorted or not (a stable sort by
        ``ts_event`` keeps same-time trades in their given order).
    timeframe
        Bar length, e.g. ``"1m"``.
    start_ns, end_ns
        The span ``[start_ns, end_ns)`` the trades are known to cover completely. The bucket of
        the first trade is complete only if it starts at or after ``start_ns``, the bucket of the
        last trade only if it ends at or before ``end_ns``; without them those buckets are
        partial (a recording rarely starts or stops on a bar boundary).
    partial
        ``"drop"`` partial bars or ``"flag"`` them in a ``partial`` column.

    Returns
    -------
    DataFrame
        ``ts_open, open, high, low, close, volume, trades`` (+ ``partial``), sorted by ``ts_open``.

    Raises
    ------
    DataError
        On missing columns, NaN or non-positive prices, or negative sizes.
    """
    require_columns(trades, ("ts_event", "price", "size"), "trades")
    step = timeframe_ns(timeframe)
    ts = trades["ts_event"].to_numpy(np.int64)
    price = trades["price"].to_numpy(np.float64)
    size = trades["size"].to_numpy(np.float64)
    _require_valid(price, size)
    if len(ts) > 1 and (np.diff(ts) < 0).any():
        order = np.argsort(ts, kind="stable")
        ts, price, size = ts[order], price[order], size[order]
    buckets = bucket_start(ts, step)
    starts = _group_starts(buckets)
    bars = pd.DataFrame(
        {
            "ts_open": buckets[starts],
            "open": price[starts],
            "high": np.maximum.reduceat(price, starts) if len(starts) else price[:0],
            "low": np.minimum.reduceat(price, starts) if len(starts) else price[:0],
            "close": price[_group_ends(starts, len(ts))],
            "volume": np.add.reduceat(size, starts) if len(starts) else size[:0],
            "trades": np.diff(np.append(starts, len(ts))).astype(np.int64),
        }
    )
    is_partial = np.zeros(len(bars), dtype=bool)
    if len(bars):
        is_partial[0] = start_ns is None or int(bars["ts_open"].iloc[0]) < start_ns
        is_partial[-1] |= end_ns is None or int(bars["ts_open"].iloc[-1]) + step > end_ns
    return _apply_partial(bars, is_partial, partial)


def resample_bars(
    bars: pd.DataFrame,
    source_timeframe: str,
    timeframe: str,
    partial: PartialBars = "drop",
) -> pd.DataFrame:
    """Aggregate bars into bars of a larger timeframe.

    Parameters
    ----------
    bars
        Sorted bars with unique ``ts_open`` (as returned by the catalog or
        :func:`colin.data.quality.repair_bars`).
    source_timeframe
        The timeframe of ``bars``.
    timeframe
        The target timeframe; a whole multiple of ``source_timeframe``.
    partial
        ``"drop"`` partial first/last bars or ``"flag"`` them in a ``partial`` column.

    Returns
    -------
    DataFrame
        ``ts_open, open, high, low, close, volume, bars`` (+ ``partial``); ``bars`` counts the
        source bars in each output bar (fewer than the ratio where the venue had an outage).

    Raises
    ------
    DataError
        If the target is not a multiple of the source timeframe, a column is missing, or the
        input is unsorted or has duplicate ``ts_open``.
    """
    require_columns(bars, BAR_COLUMNS, "bars")
    source_step, step = timeframe_ns(source_timeframe), timeframe_ns(timeframe)
    if step % source_step or step < source_step:
        raise DataError(
            f"cannot resample {source_timeframe} bars to {timeframe}: the target must be a "
            f"whole multiple of the source timeframe"
        )
    ts = bars["ts_open"].to_numpy(np.int64)
    if len(ts) > 1 and (np.diff(ts) <= 0).any():
        raise DataError(
            "bars to resample must be sorted with unique ts_open; run a quality repair first"
        )
    buckets = bucket_start(ts, step)
    starts = _group_starts(buckets)
    ends = _group_ends(starts, len(ts))
    column = {name: bars[name].to_numpy(np.float64) for name in BAR_COLUMNS[1:]}
    empty = len(starts) == 0
    out = pd.DataFrame(
        {
            "ts_open": buckets[starts],
            "open": column["open"][starts],
            "high": column["high"][:0] if empty else np.maximum.reduceat(column["high"], starts),
            "low": column["low"][:0] if empty else np.minimum.reduceat(column["low"], starts),
            "close": column["close"][ends],
            "volume": column["volume"][:0] if empty else np.add.reduceat(column["volume"], starts),
            "bars": np.diff(np.append(starts, len(ts))).astype(np.int64),
        }
    )
    is_partial = np.zeros(len(out), dtype=bool)
    if len(out):
        is_partial[0] = ts[0] > buckets[0]
        is_partial[-1] |= ts[-1] + source_step < buckets[-1] + step
    return _apply_partial(out, is_partial, partial)


def _require_valid(price: npt.NDArray[np.float64], size: npt.NDArray[np.float64]) -> None:
    bad_price = ~np.isfinite(price) | (price <= 0)
    bad_size = ~np.isfinite(size) | (size < 0)
    for name, mask in (("price", bad_price), ("size", bad_size)):
        if mask.any():
            row = int(np.flatnonzero(mask)[0])
            raise DataError(
                f"trades: {int(mask.sum())} row(s) with invalid {name}, first at row {row} "
                f"({name}={(price if name == 'price' else size)[row]})"
            )


def _group_starts(buckets: npt.NDArray[np.int64]) -> npt.NDArray[np.intp]:
    if len(buckets) == 0:
        return np.zeros(0, dtype=np.intp)
    change = np.flatnonzero(buckets[1:] != buckets[:-1]) + 1
    return np.concatenate(([0], change)).astype(np.intp)


def _group_ends(starts: npt.NDArray[np.intp], length: int) -> npt.NDArray[np.intp]:
    if len(starts) == 0:
        return starts
    return (np.append(starts[1:], length) - 1).astype(np.intp)


def _apply_partial(
    bars: pd.DataFrame, is_partial: npt.NDArray[np.bool_], partial: PartialBars
) -> pd.DataFrame:
    if partial == "flag":
        return bars.assign(partial=is_partial)
    if partial != "drop":
        raise ValueError(f"partial must be 'drop' or 'flag', got {partial!r}")
    return bars.loc[~is_partial].reset_index(drop=True)
