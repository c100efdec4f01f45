"""Rolling walk-forward windows and the stitched out-of-sample equity curve.

Every window is a training span followed directly by a test span, both half-open in bar open
time (``[start, end)``): the optimiser sees bars that open in ``[train_start, train_end)`` and
``train_end == test_start``, so the last training bar closes exactly when the first test bar
opens. Windows advance by ``step`` (by default the test length, so the test spans tile the
range without overlap) and only whole windows are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from colin.core.errors import ConfigError
from colin.core.time import ns_to_iso, timeframe_to_ns


@dataclass(frozen=True, slots=True)
class Window:
    """One walk-forward window; times are UTC ns bar open times, ends exclusive."""

    index: int
    train_start: int
    train_end: int
    test_start: int
    test_end: int

    def describe(self) -> str:
        """Render the window as ``train A..B, test B..C`` in ISO time."""
        return (
            f"train {ns_to_iso(self.train_start)}..{ns_to_iso(self.train_end)}, "
            f"test {ns_to_iso(self.test_start)}..{ns_to_iso(self.test_end)}"
        )


def parse_span(text: str, timeframe: str, option: str) -> int:
    """Read a span as a duration (``"90d"``, ``"12h"``) or a count of ``timeframe`` bars.

    Raises
    ------
    ConfigError
        Naming ``option`` if the text is neither.
    """
    value = text.strip()
    if value.isdigit():
        bars = int(value)
        if bars <= 0:
            raise ConfigError(f"{option} {text!r}: a bar count must be positive")
        return bars * timeframe_to_ns(timeframe)
    try:
        return timeframe_to_ns(value)
    except ValueError as exc:
        raise ConfigError(
            f"{option} {text!r}: expected a duration such as 90d, 12h or 2w, or a number of bars"
            f" ({exc})"
        ) from None


def walk_forward_windows(
    start: int, end: int, train: int, test: int, step: int | None = None
) -> list[Window]:
    """Split ``[start, end)`` into rolling (train, test) windows.

    Parameters
    ----------
    start, end
        The data range in UTC ns (``end`` exclusive).
    train, test
        Lengths of the training and test spans in ns.
    step
        How far each window moves on; the test length by default.

    Raises
    ------
    ConfigError
        If a length is not positive or the range holds no whole window.
    """
    step = test if step is None else step
    if train <= 0 or test <= 0 or step <= 0:
        raise ConfigError("walk-forward: --train, --test and --step must be positive")
    windows: list[Window] = []
    train_start = start
    while train_start + train + test <= end:
        test_start = train_start + train
        windows.append(Window(len(windows), train_start, test_start, test_start, test_start + test))
        train_start += step
    if not windows:
        raise ConfigError(
            f"walk-forward: {ns_to_iso(start)}..{ns_to_iso(end)} is shorter than one training "
            f"span plus one test span ({(train + test) / 86_400e9:g} days)"
        )
    return windows


def stitch_equity(
    segments: Sequence[tuple[np.ndarray, np.ndarray, float]], starting_equity: float
) -> tuple[np.ndarray, np.ndarray]:
    """Chain test-window equity curves into one compounded curve.

    Each segment is ``(ts, equity, segment_starting_equity)``; its returns are applied to the
    equity reached at the end of the previous segment, as if the account had carried on.

    Raises
    ------
    ConfigError
        If segments overlap in time or a segment starts with a non-positive equity.
    """
    stitched_ts: list[np.ndarray] = []
    stitched: list[np.ndarray] = []
    level = starting_equity
    last_ts: int | None = None
    for ts, equity, segment_start in segments:
        if len(ts) == 0:
            continue
        if segment_start <= 0:
            raise ConfigError("stitching: a test window starts with non-positive equity")
        if last_ts is not None and int(ts[0]) <= last_ts:
            raise ConfigError("stitching: test windows overlap in time")
        scaled = np.asarray(equity, dtype=np.float64) * (level / segment_start)
        stitched_ts.append(np.asarray(ts, dtype=np.int64))
        stitched.append(scaled)
        level = float(scaled[-1])
        last_ts = int(ts[-1])
    if not stitched:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    return np.concatenate(stitched_ts), np.concatenate(stitched)
