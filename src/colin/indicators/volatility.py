"""Realised volatility estimators over a rolling window of OHLC bars.

``estimator`` is one of:

- ``close_to_close``: sample standard deviation of log close-to-close returns;
- ``parkinson``: high-low range, ``sum(ln(H/L)^2) / (4 n ln 2)``;
- ``garman_klass``: ``mean(0.5 ln(H/L)^2 - (2 ln 2 - 1) ln(C/O)^2)``;
- ``rogers_satchell``: ``mean(ln(H/C) ln(H/O) + ln(L/C) ln(L/O))`` (drift-independent);
- ``yang_zhang``: overnight (open vs previous close) + ``k`` x open-to-close +
  ``(1 - k)`` x Rogers-Satchell, ``k = 0.34 / (1.34 + (n + 1) / (n - 1))``.

Results are per-bar volatilities multiplied by ``sqrt(annualization)`` (pass e.g. 8760 for 1h bars
to annualise crypto's 24/7 trading). Prices must be positive; estimators that need the previous
close start one bar later. A negative variance from rounding is reported as 0.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Literal

import numba
import numpy as np
import numpy.typing as npt

from colin.core.errors import ConfigError, DataError
from colin.indicators._validate import (
    FloatArray,
    bar_columns,
    check_period,
    check_positive,
)
from colin.indicators.base import OhlcIndicator

Estimator = Literal["close_to_close", "parkinson", "garman_klass", "rogers_satchell", "yang_zhang"]
ESTIMATORS: tuple[str, ...] = (
    "close_to_close",
    "parkinson",
    "garman_klass",
    "rogers_satchell",
    "yang_zhang",
)
_LN2 = math.log(2.0)
_log = math.log
_GK = 2.0 * _LN2 - 1.0


_CODES = {name: code for code, name in enumerate(ESTIMATORS)}
_CLOSE_TO_CLOSE, _PARKINSON, _GARMAN_KLASS, _ROGERS_SATCHELL, _YANG_ZHANG = range(5)
_USED_COLUMNS = {"close_to_close": ("close",), "parkinson": ("high", "low")}


def _variance(
    code: int, s0: float, s1: float, s2: float, s3: float, s4: float, n: int, k: float
) -> float:
    """Turn window sums of the per-bar terms into a variance (``k``: Yang-Zhang's weight)."""
    if code == 0:
        return (s1 - s0 * s0 / n) / (n - 1)
    if code == 1:
        return s0 / (4.0 * n * _LN2)
    if code in (2, 3):
        return s0 / n
    overnight = (s1 - s0 * s0 / n) / (n - 1)
    open_close = (s3 - s2 * s2 / n) / (n - 1)
    return overnight + k * open_close + (1.0 - k) * (s4 / n)


def _yang_zhang_weight(n: int) -> float:
    """Return Yang-Zhang's ``k = 0.34 / (1.34 + (n + 1) / (n - 1))`` for a window of ``n``."""
    return 0.34 / (1.34 + (n + 1) / (n - 1))


def _terms(
    code: int, open: float, high: float, low: float, close: float, previous: float
) -> tuple[float, float, float, float, float]:
    """Per-bar terms of an estimator (unused slots are 0)."""
    if code == 0:
        change = math.log(close / previous)
        return (change, change * change, 0.0, 0.0, 0.0)
    if code == 1:
        spread = math.log(high / low)
        return (spread * spread, 0.0, 0.0, 0.0, 0.0)
    if code == 2:
        spread = math.log(high / low)
        body = math.log(close / open)
        return (0.5 * spread * spread - _GK * body * body, 0.0, 0.0, 0.0, 0.0)
    rogers = math.log(high / close) * math.log(high / open) + math.log(low / close) * math.log(
        low / open
    )
    if code == 3:
        return (rogers, 0.0, 0.0, 0.0, 0.0)
    overnight = math.log(open / previous)
    body = math.log(close / open)
    return (overnight, overnight * overnight, body, body * body, rogers)


_variance_jit = numba.njit(cache=True)(_variance)
_terms_jit = numba.njit(cache=True)(_terms)


class RealizedVolatility(OhlcIndicator):
    """Rolling realised volatility with a choice of estimator (see the module docstring)."""

    __slots__ = (
        "_close",
        "_code",
        "_k",
        "_s0",
        "_s1",
        "_s2",
        "_s3",
        "_s4",
        "_scale",
        "_window",
        "annualization",
        "estimator",
        "period",
    )

    def __init__(
        self, period: int = 20, estimator: Estimator = "yang_zhang", annualization: float = 1.0
    ) -> None:
        super().__init__()
        if estimator not in ESTIMATORS:
            raise ConfigError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}")
        self.period = check_period("period", period, 2)
        self.estimator = estimator
        self._code = _CODES[estimator]
        self.annualization = check_positive("annualization", annualization)
        self._scale = math.sqrt(self.annualization)
        self._k = _yang_zhang_weight(self.period)
        self._window: deque[tuple[float, float, float, float, float]] = deque(maxlen=self.period)
        self._s0 = self._s1 = self._s2 = self._s3 = self._s4 = 0.0
        self._close = 0.0

    def parameters(self) -> tuple[object, ...]:
        """Return ``(period, estimator, annualization)``."""
        return (self.period, self.estimator, self.annualization)

    def update(self, open: float, high: float, low: float, close: float) -> None:
        """Add the newest bar (all prices > 0)."""
        previous = self._close
        self._close = close
        count = self.count + 1
        self.count = count
        code = self._code
        if code == _YANG_ZHANG:  # the hot default, inlined (same expressions as _terms)
            if count == 1:
                return  # needs the previous close
            overnight = _log(open / previous)
            body = _log(close / open)
            rogers = _log(high / close) * _log(high / open) + _log(low / close) * _log(low / open)
            overnight_2 = overnight * overnight
            body_2 = body * body
            window = self._window
            n = self.period
            if len(window) == n:
                old_overnight, old_overnight_2, old_body, old_body_2, old_rogers = window[0]
                s0 = self._s0 + (overnight - old_overnight)
                s1 = self._s1 + (overnight_2 - old_overnight_2)
                s2 = self._s2 + (body - old_body)
                s3 = self._s3 + (body_2 - old_body_2)
                s4 = self._s4 + (rogers - old_rogers)
            else:
                s0 = self._s0 + overnight
                s1 = self._s1 + overnight_2
                s2 = self._s2 + body
                s3 = self._s3 + body_2
                s4 = self._s4 + rogers
            self._s0, self._s1, self._s2, self._s3, self._s4 = s0, s1, s2, s3, s4
            window.append((overnight, overnight_2, body, body_2, rogers))
            if len(window) == n:
                # _variance's Yang-Zhang branch, spelled out (same operations, same order)
                k = self._k
                variance = (
                    (s1 - s0 * s0 / n) / (n - 1)
                    + k * ((s3 - s2 * s2 / n) / (n - 1))
                    + (1.0 - k) * (s4 / n)
                )
                self.value = math.sqrt(variance) * self._scale if variance > 0.0 else 0.0
                self.ready = True
            return
        if count == 1 and code == _CLOSE_TO_CLOSE:
            return  # needs the previous close
        window = self._window
        terms = _terms(code, open, high, low, close, previous)
        if len(window) == self.period:
            old = window[0]
            self._s0 += terms[0] - old[0]
            self._s1 += terms[1] - old[1]
        else:
            self._s0 += terms[0]
            self._s1 += terms[1]
        window.append(terms)
        if len(window) == self.period:
            variance = _variance(code, self._s0, self._s1, 0.0, 0.0, 0.0, self.period, self._k)
            self.value = math.sqrt(variance) * self._scale if variance > 0.0 else 0.0
            self.ready = True


@numba.njit(cache=True)
def _log_terms(
    o: FloatArray, h: FloatArray, lo: FloatArray, c: FloatArray, code: int
) -> tuple[FloatArray, FloatArray]:  # pragma: no cover - compiled
    """Return each bar's logs, the first of two passes (split, the loops run faster than fused).

    The first array holds the summed term (close-to-close: the log return; Yang-Zhang: the
    overnight return) and becomes the output; the second holds Yang-Zhang's body and
    Rogers-Satchell terms (empty for the other estimators). Squares are formed in the second
    pass, from these very values, exactly as :func:`_terms` forms them.
    """
    n = len(c)
    first = np.empty(n)
    extra = np.empty((2, n) if code == _YANG_ZHANG else (2, 0))
    for i in range(1 if code in (_CLOSE_TO_CLOSE, _YANG_ZHANG) else 0, n):
        row = _terms_jit(code, o[i], h[i], lo[i], c[i], c[i - 1] if i > 0 else 0.0)
        first[i] = row[0]
        if code == _YANG_ZHANG:
            extra[0, i] = row[2]
            extra[1, i] = row[4]
    return first, extra


@numba.njit(cache=True)
def _rolling_volatility(
    first: FloatArray, extra: FloatArray, code: int, period: int, k: float, scale: float
) -> FloatArray:  # pragma: no cover - compiled
    """Slide the window sums over :func:`_log_terms` as :class:`RealizedVolatility` does.

    The volatilities overwrite ``first`` (no new array); a ring keeps the terms that have
    still to leave the window.
    """
    n = len(first)
    start = 1 if code in (_CLOSE_TO_CLOSE, _YANG_ZHANG) else 0
    squares = code in (_CLOSE_TO_CLOSE, _YANG_ZHANG)
    body, rogers = extra[0], extra[1]  # Yang-Zhang only
    ring = np.empty(period)
    slot = 0
    first[: min(n, start)] = np.nan
    s0 = s1 = s2 = s3 = s4 = 0.0
    for i in range(start, n):
        x = first[i]
        if i - start >= period:
            old = ring[slot]
            s0 += x - old
            if squares:
                s1 += x * x - old * old
            if code == _YANG_ZHANG:
                b, old_body = body[i], body[i - period]
                s2 += b - old_body
                s3 += b * b - old_body * old_body
                s4 += rogers[i] - rogers[i - period]
        else:
            s0 += x
            if squares:
                s1 += x * x
            if code == _YANG_ZHANG:
                b = body[i]
                s2 += b
                s3 += b * b
                s4 += rogers[i]
        ring[slot] = x
        slot = slot + 1 if slot + 1 < period else 0
        if i - start + 1 >= period:
            variance = _variance_jit(code, s0, s1, s2, s3, s4, period, k)
            first[i] = math.sqrt(variance) * scale if variance > 0.0 else 0.0
        else:
            first[i] = np.nan  # its term is in the sums (and the ring) already
    return first


def realized_volatility(
    open: npt.ArrayLike,
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    period: int = 20,
    estimator: Estimator = "yang_zhang",
    annualization: float = 1.0,
) -> FloatArray:
    """Return rolling realised volatility (see the module docstring for the estimators).

    Only the columns the estimator reads are validated (close-to-close reads the close,
    Parkinson the high and low, the others all four); all four must have the same length.
    """
    RealizedVolatility(period, estimator, annualization)
    given = {"open": open, "high": high, "low": low, "close": close}
    used = _USED_COLUMNS.get(estimator, tuple(given))
    validated = bar_columns(**{k: given[k] for k in used}, positive=True)
    checked = dict(zip(used, validated, strict=True))
    arrays = [checked.get(k, np.ascontiguousarray(v, dtype=np.float64)) for k, v in given.items()]
    lengths = {k: len(a) for k, a in zip(given, arrays, strict=True)}
    if len(set(lengths.values())) > 1:
        raise DataError(f"input series have different lengths: {lengths}")
    o, h, lo, c = arrays
    code = _CODES[estimator]
    first, extra = _log_terms(o, h, lo, c, code)
    return _rolling_volatility(
        first,
        extra,
        code,
        period,
        _yang_zhang_weight(period),
        math.sqrt(annualization),
    )
