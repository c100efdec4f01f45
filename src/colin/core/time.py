"""Time helpers: every timestamp in Colin is an ``int`` of nanoseconds since the UNIX epoch, UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime

NANOS_PER_MICRO = 1_000
NANOS_PER_MILLI = 1_000_000
NANOS_PER_SECOND = 1_000_000_000
NANOS_PER_MINUTE = 60 * NANOS_PER_SECOND
NANOS_PER_HOUR = 60 * NANOS_PER_MINUTE
NANOS_PER_DAY = 24 * NANOS_PER_HOUR

_TIMEFRAME_UNITS = {
    "s": NANOS_PER_SECOND,
    "m": NANOS_PER_MINUTE,
    "h": NANOS_PER_HOUR,
    "d": NANOS_PER_DAY,
    "w": 7 * NANOS_PER_DAY,
}
_TIMEFRAME_RE = re.compile(r"^(\d+)([smhdw])$")


def timeframe_to_ns(timeframe: str) -> int:
    """Return the length of a timeframe such as ``"1m"``, ``"4h"`` or ``"1d"`` in nanoseconds.

    Raises
    ------
    ValueError
        If the string is not ``<positive integer><s|m|h|d|w>``.
    """
    match = _TIMEFRAME_RE.match(timeframe)
    if match is None or int(match.group(1)) == 0:
        raise ValueError(
            f"invalid timeframe {timeframe!r}: expected a positive integer followed by "
            "one of s, m, h, d, w (for example '1m', '4h', '1d')"
        )
    return int(match.group(1)) * _TIMEFRAME_UNITS[match.group(2)]


def dt_to_ns(value: datetime) -> int:
    """Convert a timezone-aware datetime to UTC nanoseconds; naive datetimes are refused."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: Colin only accepts timezone-aware datetimes")
    delta = value - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * NANOS_PER_SECOND + delta.microseconds * 1_000


def ns_to_dt(ts_ns: int) -> datetime:
    """Convert UTC nanoseconds to a timezone-aware datetime (microsecond resolution)."""
    return datetime.fromtimestamp(ts_ns // NANOS_PER_MICRO / 1_000_000, tz=UTC)


def ns_to_iso(ts_ns: int) -> str:
    """Format UTC nanoseconds as an ISO-8601 string ending in ``Z``."""
    return ns_to_dt(ts_ns).isoformat().replace("+00:00", "Z")


def parse_time(value: str | int | datetime) -> int:
    """Parse a user-supplied time (ISO date/datetime, ns integer or aware datetime) to UTC ns.

    A date or datetime string without an offset is read as UTC.
    """
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return dt_to_ns(value)
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"invalid time {value!r}: expected ISO-8601 such as 2024-01-31") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return dt_to_ns(parsed)
