"""Sessions and killzones: default windows and weights, configuration, batch == streaming."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from colin.core.errors import ConfigError
from colin.indicators.sessions import SessionCalendar, SessionWeight, SessionWindow, session_weight

HOUR = 3_600_000_000_000
DAY = 24 * HOUR
MONDAY = 1_715_558_400_000_000_000  # 2024-05-13 00:00 UTC


@pytest.mark.parametrize(
    ("hour", "active", "weight"),
    [
        (0, ("asian",), 1.0),
        (7, ("asian", "london"), 1.2),
        (9, ("london",), 1.2),
        (12, ("london", "new_york", "london_new_york_overlap"), 1.5),
        (15, ("london", "new_york", "london_new_york_overlap"), 1.5),
        (16, ("new_york",), 1.2),
        (22, (), 1.0),
    ],
)
def test_default_sessions(hour: int, active: tuple[str, ...], weight: float) -> None:
    calendar = SessionCalendar()
    ts = MONDAY + hour * HOUR
    assert calendar.active(ts) == active
    assert calendar.weight(ts) == weight
    assert calendar.active(ts + 3 * DAY) == active  # same hours every day


def test_window_end_is_exclusive() -> None:
    calendar = SessionCalendar()
    assert "asian" in calendar.active(MONDAY + 9 * HOUR - 1)
    assert "asian" not in calendar.active(MONDAY + 9 * HOUR)


def test_custom_windows_wrap_midnight_and_weight() -> None:
    sydney = SessionWindow(name="sydney", start="21:00", end="06:00", weight=0.8)
    calendar = SessionCalendar([sydney], outside_weight=0.5)
    assert calendar.active(MONDAY + 23 * HOUR) == ("sydney",)
    assert calendar.active(MONDAY + 5 * HOUR) == ("sydney",)
    assert calendar.weight(MONDAY + 12 * HOUR) == 0.5


def test_bad_session_config_is_refused() -> None:
    with pytest.raises(ValidationError, match="expected HH:MM"):
        SessionWindow(name="x", start="25:00", end="01:00")
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        SessionWindow(name="x", start="01:00", end="02:00", colour="red")  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match="unique"):
        SessionCalendar([SessionWindow(name="x", start="01:00", end="02:00")] * 2)


def test_batch_frame_equals_streaming_weight() -> None:
    ts = MONDAY + np.arange(0, 72 * 60, 7) * 60_000_000_000  # every 7 minutes for 3 days
    frame = SessionCalendar().frame(ts)
    streaming = SessionWeight()
    values = []
    for t in ts.tolist():
        streaming.update(t)
        values.append(streaming.value)
    np.testing.assert_array_equal(frame["session_weight"].to_numpy(), values)
    np.testing.assert_array_equal(session_weight(ts), values)
    assert frame["session_london_new_york_overlap"].sum() == pytest.approx(3 * 4 * 60 / 7, abs=3)
