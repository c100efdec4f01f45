"""Turn the many timestamp spellings found in market-data files into int64 ns UTC."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from colin.core.errors import DataError

# Epoch values of 1990..2100 in each unit; anything else is not an epoch timestamp we trust.
_EPOCH_UNITS = (
    ("s", 1_000_000_000, 6.3e8, 4.2e9),
    ("ms", 1_000_000, 6.3e11, 4.2e12),
    ("us", 1_000, 6.3e14, 4.2e15),
    ("ns", 1, 6.3e17, 4.2e18),
)
_TEXT_FORMATS = ("%Y-%m-%d %I-%p", "%Y%m%d %H:%M")  # CryptoDataDownload hourly, LEAN hour/day


def epoch_to_ns(values: pd.Series, source: str, column: str) -> np.ndarray:
    """Convert epoch numbers in s, ms, µs or ns (inferred from their magnitude) to ns.

    Raises
    ------
    DataError
        Naming the file and column, if values are missing or not plausible epoch times.
    """
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(np.float64)
    if len(numbers) == 0:
        return numbers.astype(np.int64)
    bad = ~np.isfinite(numbers)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{source}: row {row}: column {column} is not a number ({values.iloc[row]!r})"
        )
    median = float(np.median(np.abs(numbers)))
    for _unit, factor, low, high in _EPOCH_UNITS:
        if low <= median <= high:
            raw = pd.to_numeric(values).to_numpy()
            if raw.dtype.kind == "f":
                return np.round(raw * factor).astype(np.int64)
            return raw.astype(np.int64) * factor
    raise DataError(
        f"{source}: column {column} holds numbers like {numbers[0]:.0f} that are not epoch "
        "seconds, milliseconds, microseconds or nanoseconds between 1990 and 2100"
    )


def datetimes_to_ns(values: pd.Series, source: str, column: str) -> np.ndarray:
    """Convert datetimes (tz-aware, or naive read as UTC) or date strings to ns.

    Raises
    ------
    DataError
        Naming the file, column and first unparsable row.
    """
    if pd.api.types.is_numeric_dtype(values.dtype):
        return epoch_to_ns(values, source, column)
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(
        values.dtype
    ):
        parsed = values
    else:
        text = values.astype(str).str.strip()
        parsed = _parse_text(text, source, column)
    if parsed.dt.tz is None:
        parsed = parsed.dt.tz_localize("UTC")
    utc = parsed.dt.tz_convert("UTC").dt.as_unit("ns")
    return np.asarray(utc.astype(np.int64).to_numpy(), dtype=np.int64)


def _parse_text(text: pd.Series, source: str, column: str) -> pd.Series:
    if text.str.fullmatch(r"-?\d+(\.\d+)?").all():
        return pd.Series(pd.to_datetime(epoch_to_ns(text, source, column), unit="ns", utc=True))
    for fmt in _TEXT_FORMATS:
        try:
            return pd.to_datetime(text, format=fmt)
        except (ValueError, TypeError):
            continue
    parsed = pd.to_datetime(text, errors="coerce", utc=True, format="mixed")
    missing = np.flatnonzero(parsed.isna().to_numpy())
    if len(missing):
        row = int(missing[0])
        raise DataError(
            f"{source}: row {row}: column {column} is not a date/time ({text.iloc[row]!r})"
        )
    return parsed


def pick_column(columns: Sequence[str], candidates: Sequence[str]) -> str | None:
    """Return the first of ``candidates`` present in ``columns``."""
    return next((name for name in candidates if name in columns), None)
