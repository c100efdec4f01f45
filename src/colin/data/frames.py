"""Column contracts and time alignment shared by the bar checks and the aggregators.

A bars frame has ``ts_open`` (int64 ns UTC, the bar's open time) and float64 ``open, high, low,
close, volume``. A trades frame has ``ts_event`` (int64 ns), float64 ``price`` and ``size``, int8
``side`` (+1 buyer aggressor, -1 seller, 0 unknown) and str ``trade_id``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from colin.core.errors import DataError
from colin.core.time import NANOS_PER_DAY, timeframe_to_ns

BAR_COLUMNS = ("ts_open", "open", "high", "low", "close", "volume")
PRICE_COLUMNS = ("open", "high", "low", "close")
TRADE_COLUMNS = ("ts_event", "price", "size", "side", "trade_id")

_WEEK = 7 * NANOS_PER_DAY
_MONDAY_ORIGIN = 4 * NANOS_PER_DAY  # 1970-01-01 was a Thursday; weeks open on Monday


def require_columns(frame: pd.DataFrame, columns: Sequence[str], source: str) -> None:
    """Raise a :class:`DataError` naming ``source`` if ``frame`` lacks any of ``columns``."""
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise DataError(
            f"{source}: missing column(s) {missing}; found {list(frame.columns)}, "
            f"expected {list(columns)}"
        )


def timeframe_ns(timeframe: str) -> int:
    """Return a timeframe's length in ns, as a :class:`DataError` when it is invalid."""
    try:
        return timeframe_to_ns(timeframe)
    except ValueError as exc:
        raise DataError(str(exc)) from exc


def bucket_origin(step_ns: int) -> int:
    """Return the epoch offset buckets of ``step_ns`` are aligned to.

    Buckets up to a day are aligned to the UNIX epoch (so 4h bars open at 00:00, 04:00, ... UTC);
    whole-week buckets open on Monday 00:00 UTC, as on Binance and most venues.
    """
    return _MONDAY_ORIGIN if step_ns % _WEEK == 0 else 0


def bucket_start(ts: npt.NDArray[np.int64], step_ns: int) -> npt.NDArray[np.int64]:
    """Return the open time of the ``step_ns`` bucket that holds each timestamp."""
    origin = bucket_origin(step_ns)
    return ((ts - origin) // step_ns) * step_ns + origin
