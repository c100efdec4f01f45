"""Test helpers: run a streaming indicator over a bar frame and compare with the batch form."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from colin.core.ids import InstrumentId
from colin.indicators.base import Indicator
from colin.indicators.features.registry import IndicatorEntry
from colin.model.data import Bar

HOUR_NS = 3_600_000_000_000
INSTRUMENT = InstrumentId("BTCUSDT.BINANCE")


def to_bars(frame: pd.DataFrame) -> list[Bar]:
    """Turn a bar frame into :class:`Bar` objects (1h bars)."""
    return [
        Bar(INSTRUMENT, "1h", o, h, lo, c, v, int(ts), int(ts) + HOUR_NS)
        for ts, o, h, lo, c, v in frame[
            ["ts_open", "open", "high", "low", "close", "volume"]
        ].itertuples(index=False)
    ]


def stream(indicator: Indicator, bars: list[Bar]) -> dict[str, np.ndarray]:
    """Feed ``bars`` through ``handle_bar``; return each output.

    ``value`` is read as NaN while the indicator is not ready; secondary outputs that become
    valid earlier (ADX's +DI/-DI) are read as they are.
    """
    outputs = indicator.outputs
    rows = []
    for bar in bars:
        indicator.handle_bar(bar)
        rows.append(
            [indicator.value if indicator.ready else np.nan]
            + [getattr(indicator, name) for name in outputs[1:]]
        )
    table = np.array(rows, dtype=float).reshape(len(bars), len(outputs))
    return {name: table[:, i] for i, name in enumerate(outputs)}


def batch(entry: IndicatorEntry, frame: pd.DataFrame, params: dict[str, Any]) -> dict:
    """Run the batch form; return outputs keyed like the streaming class's ``outputs``."""
    result = entry.batch(*(frame[name].to_numpy() for name in entry.inputs), **params)
    arrays = [result] if isinstance(result, np.ndarray) else list(result)
    return dict(zip(entry.outputs, arrays, strict=True))


def assert_same(actual: np.ndarray, expected: np.ndarray, label: str) -> None:
    """Equal NaN pattern and ``|a - e| <= 1e-9 * |e| + 1e-9`` elsewhere."""
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected), err_msg=f"{label}: NaNs")
    mask = ~np.isnan(expected)
    np.testing.assert_allclose(actual[mask], expected[mask], rtol=1e-9, atol=1e-9, err_msg=label)
