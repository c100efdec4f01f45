"""The common shape of a scored factor, and the bar window the factors read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from colin.core.errors import DataError

FloatArray = npt.NDArray[np.float64]
Detail = float | int | str | None


class BarWindow(NamedTuple):
    """Closed bars, oldest first, as float64 arrays (``ts_open`` int64 nanoseconds UTC)."""

    ts_open: npt.NDArray[np.int64]
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> BarWindow:
        """Take the bar columns of a catalog bar frame.

        Raises
        ------
        DataError
            If a column is missing.
        """
        missing = [c for c in cls._fields if c not in frame.columns]
        if missing:
            raise DataError(f"bars: missing column(s) {missing}")

        def floats(name: str) -> FloatArray:
            return np.ascontiguousarray(frame[name].to_numpy(), dtype=np.float64)

        return cls(
            np.ascontiguousarray(frame["ts_open"].to_numpy(), dtype=np.int64),
            floats("open"),
            floats("high"),
            floats("low"),
            floats("close"),
            floats("volume"),
        )

    def take(self, index: slice | npt.NDArray[np.bool_]) -> BarWindow:
        """Return the bars selected by a slice or a boolean mask."""
        return BarWindow(
            self.ts_open[index],
            self.open[index],
            self.high[index],
            self.low[index],
            self.close[index],
            self.volume[index],
        )

    def tail(self, count: int) -> BarWindow:
        """Return the last ``count`` bars."""
        return self.take(slice(-count, None))


@dataclass(frozen=True, slots=True)
class FactorScore:
    """One factor's support for a long and for a short, each in [0, 1].

    ``available`` is false when the data the factor needs does not exist; such a factor scores
    nothing and its weight is shared among the others. ``summary`` is one readable sentence;
    ``details`` holds the numbers behind it.
    """

    name: str
    available: bool
    long: float
    short: float
    summary: str
    details: dict[str, Detail] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for side in ("long", "short"):
            value = getattr(self, side)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"factor {self.name}: {side} score must be in [0, 1], got {value}")

    @classmethod
    def absent(cls, name: str, reason: str) -> FactorScore:
        """Return a factor that could not be scored, saying why."""
        return cls(name, False, 0.0, 0.0, reason)


def proximity(distance_atr: float, reach_atr: float) -> float:
    """Return ``1 - distance / reach`` clipped to [0, 1]: 1 at the level, 0 at ``reach`` ATRs."""
    if not np.isfinite(distance_atr):
        return 0.0
    return float(min(1.0, max(0.0, 1.0 - abs(distance_atr) / reach_atr)))
