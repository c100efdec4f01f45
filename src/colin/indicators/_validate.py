"""Input checks shared by the batch forms.

Batch functions validate once, up front, and raise a :class:`~colin.core.errors.DataError` or
:class:`~colin.core.errors.ConfigError` that names the field, the row and the reason, so bad input
never surfaces as an exception deep inside numpy, numba or TA-Lib.
"""

from __future__ import annotations

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
    array = np.ascontiguousarray(array, dtype=np.int64)
    first_step_back = _first_step_back if len(array) >= _SHORT else _first_step_back_numpy
    row = first_step_back(array, strict)
    if row > 0:
        raise DataError(
            f"{name}: time is not increasing at row {row} "
            f"({array[row - 1]} followed by {array[row]})"
        )
    return array


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
def _first_below(values: FloatArray, bound: float, inclusive: bool) -> int:  # pragma: no cover
    for i in range(len(values)):
        if values[i] < bound or (inclusive and values[i] == bound):
            return i
    return -1


_BAR_FIELDS = ("open", "high", "low", "close", "volume")


def bar_columns(
    *,
    open: npt.ArrayLike | None = None,
    high: npt.ArrayLike | None = None,
    low: npt.ArrayLike | None = None,
    close: npt.ArrayLike | None = None,
    volume: npt.ArrayLike | None = None,
    positive: bool = False,
) -> list[FloatArray]:
    """Validate bar columns in one pass and return them (in the order given) as float64 arrays.

    Checks: equal lengths, finite values, ``low <= open, close <= high`` for the prices present,
    volume ``>= 0`` and, with ``positive``, prices ``> 0``.

    Raises
    ------
    DataError
        Naming the first offending row, the field and the reason.
    """
    arrays = _bar_arrays(open=open, high=high, low=low, close=close, volume=volume)
    empty = np.empty(0)
    ordered = [arrays.get(name, empty) for name in _BAR_FIELDS]
    scan = _scan_bars if max(len(a) for a in ordered) >= _SHORT else _scan_bars_numpy
    code, field, row = scan(ordered[0], ordered[1], ordered[2], ordered[3], ordered[4], positive)
    if code:
        name = _BAR_FIELDS[field]
        value = float(ordered[field][row])
        if code == 1:
            raise DataError(f"{name}: non-finite value {value} at row {row}")
        if code == 2:
            prices = " ".join(
                f"{n}={float(arrays[n][row])}"
                for n in ("high", "low", "open", "close")
                if n in arrays
            )
            raise DataError(f"row {row}: inconsistent bar {prices}")
        if code == 3:
            raise DataError(f"{name}: price must be positive, got {value} at row {row}")
        raise DataError(f"{name}: must be >= 0, got {value} at row {row}")
    return list(arrays.values())


def high_low_close(
    high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return high, low and close as equally long 1-D float64 arrays, their values unchecked.

    For kernels that test each row with :func:`hlc_row_valid` in their own pass over the data
    (free where the kernel waits on a loop-carried dependency) and, on a failed row, call
    :func:`bar_columns` for the error.
    """
    arrays = _bar_arrays(high=high, low=low, close=close)
    return arrays["high"], arrays["low"], arrays["close"]


def _bar_arrays(**columns: npt.ArrayLike | None) -> dict[str, FloatArray]:
    """Return the given columns as float64 arrays, refusing other shapes and unequal lengths."""
    arrays = {
        name: np.ascontiguousarray(values, dtype=np.float64)
        for name, values in columns.items()
        if values is not None
    }
    for name, array in arrays.items():
        if array.ndim != 1:
            raise DataError(f"{name}: expected a 1-D array, got shape {array.shape}")
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise DataError(f"input series have different lengths: {lengths}")
    return arrays


@numba.njit(cache=True)
def hlc_row_valid(high: float, low: float, close: float) -> bool:  # pragma: no cover
    """Return whether one bar passes :func:`bar_columns`'s checks for high, low and close."""
    return (
        abs(high) < np.inf
        and abs(low) < np.inf
        and abs(close) < np.inf
        and low <= high
        and low <= close <= high
    )


_SHORT = 4096
"""Below this many rows, bars are checked with numpy: a short series (a signal's look-back
window) is checked as fast either way, and a process that only scores a few hundred bars then
never pays numba's one-off runtime start-up (about a second)."""


def _scan_bars_numpy(
    o: FloatArray, h: FloatArray, lo: FloatArray, c: FloatArray, v: FloatArray, positive: bool
) -> tuple[int, int, int]:
    """:func:`_scan_bars` with numpy: the same first problem, by row then by check order."""
    columns = (o, h, lo, c, v)
    checks: list[tuple[int, int, npt.NDArray[np.bool_]]] = [
        (1, f, ~np.isfinite(col)) for f, col in enumerate(columns) if len(col)
    ]
    if len(h) and len(lo):
        checks.append((2, 1, h < lo))
        if len(o):
            checks.append((2, 0, (o > h) | (o < lo)))
        if len(c):
            checks.append((2, 3, (c > h) | (c < lo)))
    if positive:
        checks.extend((3, f, columns[f] <= 0.0) for f in range(4) if len(columns[f]))
    if len(v):
        checks.append((4, 4, v < 0.0))
    found = (0, 0, 0)
    first = -1
    for code, field, mask in checks:  # in the order the row-wise scan tests them
        if mask.any():
            row = int(mask.argmax())
            if first < 0 or row < first:
                first, found = row, (code, field, row)
    return found


@numba.njit(cache=True)
def _scan_bars(
    o: FloatArray, h: FloatArray, lo: FloatArray, c: FloatArray, v: FloatArray, positive: bool
) -> tuple[int, int, int]:  # pragma: no cover - compiled
    """Return ``(code, field, row)`` of the first problem, or ``(0, 0, 0)``.

    Codes: 1 non-finite, 2 inconsistent OHLC, 3 non-positive price, 4 negative volume. Absent
    columns are empty arrays.
    """
    rows = max(len(o), len(h), len(lo), len(c), len(v))
    has_o, has_h, has_l, has_c, has_v = len(o) > 0, len(h) > 0, len(lo) > 0, len(c) > 0, len(v) > 0
    for i in range(rows):
        # NaN fails every comparison, so one negated test per column catches it cheaply
        if has_o and not abs(o[i]) < np.inf:
            return 1, 0, i
        if has_h and not abs(h[i]) < np.inf:
            return 1, 1, i
        if has_l and not abs(lo[i]) < np.inf:
            return 1, 2, i
        if has_c and not abs(c[i]) < np.inf:
            return 1, 3, i
        if has_v and not abs(v[i]) < np.inf:
            return 1, 4, i
        if has_h and has_l:
            if h[i] < lo[i]:
                return 2, 1, i
            if has_o and (o[i] > h[i] or o[i] < lo[i]):
                return 2, 0, i
            if has_c and (c[i] > h[i] or c[i] < lo[i]):
                return 2, 3, i
        if positive:
            if has_o and o[i] <= 0.0:
                return 3, 0, i
            if has_h and h[i] <= 0.0:
                return 3, 1, i
            if has_l and lo[i] <= 0.0:
                return 3, 2, i
            if has_c and c[i] <= 0.0:
                return 3, 3, i
        if has_v and v[i] < 0.0:
            return 4, 4, i
    return 0, 0, 0


def _first_step_back_numpy(ts: IntArray, strict: bool) -> int:
    """:func:`_first_step_back` with numpy, for short series."""
    steps = np.diff(ts)
    backward = steps <= 0 if strict else steps < 0
    return int(backward.argmax()) + 1 if backward.any() else -1


@numba.njit(cache=True)
def _first_step_back(ts: IntArray, strict: bool) -> int:  # pragma: no cover - compiled
    """Return the first row whose time is not after (``strict``) or is before the previous."""
    for i in range(1, len(ts)):
        if ts[i] < ts[i - 1] or (strict and ts[i] == ts[i - 1]):
            return i
    return -1
