"""Input checks shared by the batch forms.

Batch functions validate once, up front, and raise a :class:`~colin.core.errors.DataError` or
:class:`~colin.core.errors.ConfigError` that names the field, the row and the reason, so bad input
never surfaces as an exception deep inside numpy, numba or TA-Lib.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np
import numpy.typing as npt

from colin.core.errors import ConfigError, DataError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

NAN = float("nan")


def check_period(name: str, value: int, minimum: int = 1) -> int:
    """Return ``value`` if it is an integer ``>= minimum``, else raise :class:`ConfigError`."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def check_positive(name: str, value: float) -> float:
    """Return ``value`` as a float if it is finite and ``> 0``, else raise :class:`ConfigError`."""
    number = float(value)
    if not np.isfinite(number) or number <= 0.0:
        raise ConfigError(f"{name} must be a positive finite number, got {value!r}")
    return number


def as_series(name: str, values: npt.ArrayLike, allow_nan: bool = False) -> FloatArray:
    """Return ``values`` as a contiguous 1-D float64 array, refusing NaN/inf unless allowed.

    Raises
    ------
    DataError
        If the input is not one-dimensional or holds a non-finite value (the first offending row
        is named).
    """
    array = np.ascontiguousarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise DataError(f"{name}: expected a 1-D array, got shape {array.shape}")
    if not allow_nan:
        row = _first_non_finite(array)
        if row >= 0:
            raise DataError(f"{name}: non-finite value {float(array[row])} at row {row}")
    return array


def as_columns(**columns: npt.ArrayLike) -> list[FloatArray]:
    """Validate several equally long series (``high=..., low=..., close=...``) at once."""
    arrays = [as_series(name, values) for name, values in columns.items()]
    lengths = {name: len(array) for name, array in zip(columns, arrays, strict=True)}
    if len(set(lengths.values())) > 1:
        raise DataError(f"input series have different lengths: {lengths}")
    return arrays


def check_ohlc(
    high: FloatArray, low: FloatArray, others: Sequence[tuple[str, FloatArray]] = ()
) -> None:
    """Raise :class:`DataError` where ``high < low`` or another price lies outside the range."""
    scans = [_first_outside(high, low, low)]  # high < low
    scans += [_first_outside(high, low, series) for _, series in others]
    found = [row for row in scans if row >= 0]
    if found:
        row = min(found)
        detail = ", ".join(f"{name}={float(series[row])}" for name, series in others)
        raise DataError(
            f"row {row}: inconsistent bar high={float(high[row])} low={float(low[row])}"
            + (f" {detail}" if detail else "")
        )


def check_positive_prices(name: str, values: FloatArray) -> None:
    """Raise :class:`DataError` if a price is zero or negative (log-based estimators need > 0)."""
    row = _first_below(values, 0.0, True)
    if row >= 0:
        raise DataError(f"{name}: price must be positive, got {float(values[row])} at row {row}")


def check_non_negative(name: str, values: FloatArray) -> None:
    """Raise :class:`DataError` if a value (a volume, a size) is negative."""
    row = _first_below(values, 0.0, False)
    if row >= 0:
        raise DataError(f"{name}: must be >= 0, got {float(values[row])} at row {row}")


def as_timestamps(name: str, values: npt.ArrayLike, strict: bool = True) -> IntArray:
    """Return int64 nanosecond timestamps, refusing time that goes backwards.

    Parameters
    ----------
    name
        Field name used in error messages.
    values
        Timestamps in integer nanoseconds since the epoch, UTC.
    strict
        Require strictly increasing time (bars); ``False`` allows equal neighbours (ticks).
    """
    array = np.ascontiguousarray(values)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise DataError(
            f"{name}: expected 1-D integer nanoseconds, got {array.dtype} {array.shape}"
        )
    array = array.astype(np.int64, copy=False)
    if len(array) > 1:
        step = np.diff(array)
        bad = step <= 0 if strict else step < 0
        if bad.any():
            row = int(np.argmax(bad)) + 1
            raise DataError(
                f"{name}: time is not increasing at row {row} "
                f"({array[row - 1]} followed by {array[row]})"
            )
    return array


def nan_head(values: FloatArray, lookback: int) -> FloatArray:
    """Set the first ``lookback`` entries to NaN in place (the warm-up) and return the array."""
    values[: min(lookback, len(values))] = NAN
    return values


def check_length(name: str, length: int, expected: int) -> None:
    """Raise :class:`DataError` if a column has ``length`` rows where ``expected`` are needed."""
    if length != expected:
        raise DataError(f"{name}: has {length} rows, the other columns have {expected}")


# Single-pass scans (no temporaries): validation must cost little next to the indicator itself.


@numba.njit(cache=True)
def _first_non_finite(values: FloatArray) -> int:  # pragma: no cover - compiled
    for i in range(len(values)):
        if not np.isfinite(values[i]):
            return i
    return -1


@numba.njit(cache=True)
def _first_outside(
    high: FloatArray, low: FloatArray, values: FloatArray
) -> int:  # pragma: no cover
    for i in range(len(values)):
        if high[i] < low[i] or values[i] > high[i] or values[i] < low[i]:
            return i
    return -1


@numba.njit(cache=True)
def _first_below(values: FloatArray, bound: float, inclusive: bool) -> int:  # pragma: no cover
    for i in range(len(values)):
        if values[i] < bound or (inclusive and values[i] == bound):
            return i
    return -1
