"""Trading sessions and killzones in UTC, with configurable hours and weights.

Defaults: Asian 00:00-09:00 (weight 1.0), London 07:00-16:00 (1.2), New York 12:00-22:00 (1.2)
and the London-New York overlap 12:00-16:00 (1.5). A window whose end is before its start wraps
past midnight. A bar belongs to the sessions that contain its *open* time; its weight is the
largest weight among them, or ``outside_weight`` when none is active.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from colin.core.errors import ConfigError
from colin.core.time import NANOS_PER_DAY, NANOS_PER_MINUTE
from colin.indicators._validate import as_timestamps
from colin.indicators.base import Indicator
from colin.model.data import Bar

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class SessionWindow(BaseModel):
    """One named window of the UTC day: ``name``, ``start``/``end`` as ``HH:MM`` and ``weight``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    start: str
    end: str
    weight: float = 1.0

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError(f"expected HH:MM in 24h UTC, got {value!r}")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise ValueError(f"session name must be lower_snake_case, got {value!r}")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> SessionWindow:
        if self.start == self.end:
            raise ValueError(f"session {self.name!r} starts and ends at {self.start}")
        if not self.weight >= 0.0:
            raise ValueError(f"session {self.name!r} weight must be >= 0, got {self.weight}")
        return self

    @property
    def start_ns(self) -> int:
        """Start as nanoseconds after midnight."""
        hours, minutes = self.start.split(":")
        return (int(hours) * 60 + int(minutes)) * NANOS_PER_MINUTE

    @property
    def end_ns(self) -> int:
        """End (exclusive) as nanoseconds after midnight."""
        hours, minutes = self.end.split(":")
        return (int(hours) * 60 + int(minutes)) * NANOS_PER_MINUTE

    def contains(self, time_of_day_ns: int) -> bool:
        """Whether a time of day (ns after midnight UTC) lies in ``[start, end)``."""
        start, end = self.start_ns, self.end_ns
        if start < end:
            return start <= time_of_day_ns < end
        return time_of_day_ns >= start or time_of_day_ns < end


DEFAULT_SESSIONS: tuple[SessionWindow, ...] = (
    SessionWindow(name="asian", start="00:00", end="09:00", weight=1.0),
    SessionWindow(name="london", start="07:00", end="16:00", weight=1.2),
    SessionWindow(name="new_york", start="12:00", end="22:00", weight=1.2),
    SessionWindow(name="london_new_york_overlap", start="12:00", end="16:00", weight=1.5),
)


class SessionCalendar:
    """Which sessions are active at a timestamp, and the session weight.

    Parameters
    ----------
    windows
        The session windows (defaults: :data:`DEFAULT_SESSIONS`); names must be unique.
    outside_weight
        Weight when no window is active.
    """

    __slots__ = ("_by_minute", "_weight_by_minute", "outside_weight", "windows")

    def __init__(
        self, windows: Sequence[SessionWindow] = DEFAULT_SESSIONS, outside_weight: float = 1.0
    ) -> None:
        names = [w.name for w in windows]
        if len(set(names)) != len(names):
            raise ConfigError(f"session names must be unique, got {names}")
        if not windows:
            raise ConfigError("at least one session window is required")
        self.windows = tuple(windows)
        self.outside_weight = float(outside_weight)
        # Precompute the active mask and weight for each minute of the day: O(1) lookups.
        minutes = np.arange(24 * 60, dtype=np.int64) * NANOS_PER_MINUTE
        self._by_minute = np.array(
            [[w.contains(int(m)) for w in self.windows] for m in minutes], dtype=bool
        )
        weights = np.array([w.weight for w in self.windows])
        best = np.where(self._by_minute, weights, -np.inf).max(axis=1)
        self._weight_by_minute = np.where(np.isfinite(best), best, self.outside_weight)

    def _minute(self, ts_ns: int) -> int:
        return int(ts_ns % NANOS_PER_DAY // NANOS_PER_MINUTE)

    def active(self, ts_ns: int) -> tuple[str, ...]:
        """Return the names of the sessions active at ``ts_ns`` (UTC nanoseconds)."""
        mask = self._by_minute[self._minute(ts_ns)]
        return tuple(w.name for w, on in zip(self.windows, mask, strict=True) if on)

    def weight(self, ts_ns: int) -> float:
        """Return the largest weight among active sessions (``outside_weight`` if none)."""
        return float(self._weight_by_minute[self._minute(ts_ns)])

    def frame(self, ts_open: npt.ArrayLike) -> pd.DataFrame:
        """Return one boolean column per session plus ``session_weight`` for each timestamp."""
        ts = as_timestamps("ts_open", ts_open)
        minutes = (ts % NANOS_PER_DAY // NANOS_PER_MINUTE).astype(np.int64)
        mask = self._by_minute[minutes]
        columns: dict[str, npt.NDArray[np.generic]] = {
            f"session_{w.name}": mask[:, i] for i, w in enumerate(self.windows)
        }
        columns["session_weight"] = self._weight_by_minute[minutes]
        return pd.DataFrame(columns)


class SessionWeight(Indicator):
    """Streaming session weight of each bar's open time (always ready)."""

    __slots__ = ("calendar",)
    inputs = ("ts_open",)

    def __init__(self, calendar: SessionCalendar | None = None) -> None:
        super().__init__()
        self.calendar = calendar or SessionCalendar()

    def parameters(self) -> tuple[object, ...]:
        """Return ``(calendar,)``."""
        return (self.calendar,)

    def update(self, ts_open: int) -> None:
        """Take the bar's open time (UTC nanoseconds)."""
        self.value = self.calendar.weight(ts_open)
        self.ready = True
        self.count += 1

    def handle_bar(self, bar: Bar) -> None:
        """Update from ``bar.ts_open``."""
        self.update(bar.ts_open)


def session_weight(
    ts_open: npt.ArrayLike, calendar: SessionCalendar | None = None
) -> npt.NDArray[np.float64]:
    """Return the session weight for each bar open time (batch form of :class:`SessionWeight`)."""
    result = (calendar or SessionCalendar()).frame(ts_open)["session_weight"]
    return result.to_numpy(dtype=np.float64)
