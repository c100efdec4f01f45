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
_GK = 2.0 * _LN2 - 1.0


_CODES = {name: code for code, name in enumerate(ESTIMATORS)}
_CLOSE_TO_CLOSE, _PARKINSON, _GARMAN_KLASS, _ROGERS_SATCHELL, _YANG_ZHANG = range(5)
_USED_COLUMNS = {"close_to_close": ("close",), "parkinson": ("high", "low")}


def _variance(code: int, s0: float, s1: float, s2: float, s3: float, s4: float, n: int) -> float:
    """Turn window sums of the per-bar terms into a variance."""
    if code == 0:
        return (s1 - s0 * s0 / n) / (n - 1)
    if code == 1:
        return s0 / (4.0 * n * _LN2)
    if code in (2, 3):
        return s0 / n
    k = 0.34 / (1.34 + (n + 1) / (n - 1))
    overnight = (s1 - s0 * s0 / n) / (n - 1)
    open_close = (s3 - s2 * s2 / n) / (n - 1)
    return overnight + k * open_close + (1.0 - k) * (s4 / n)


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
        self.count += 1
        code = self._code
        if self.count == 1 and code in (_CLOSE_TO_CLOSE, _YANG_ZHANG):
            return  # these estimators need the previous close
        window = self._window
        full = len(window) == self.period
        if code == _YANG_ZHANG:  # the hot default, inlined (same expressions as _terms)
            overnight = math.log(open / previous)
            body = math.log(close / open)
            rogers = math.log(high / close) * math.log(high / open) + math.log(
                low / close
            ) * math.log(low / open)
            terms = (overnight, overnight * overnight, body, body * body, rogers)
            if full:
                old = window[0]
                self._s0 += overnight - old[0]
                self._s1 += terms[1] - old[1]
                self._s2 += body - old[2]
                self._s3 += terms[3] - old[3]
                self._s4 += rogers - old[4]
            else:
                self._s0 += overnight
                self._s1 += terms[1]
                self._s2 += body
                self._s3 += terms[3]
                self._s4 += rogers
        else:
            terms = _terms(code, open, high, low, close, previous)
            if full:
                old = window[0]
                self._s0 += terms[0] - old[0]
                self._s1 += terms[1] - old[1]
            else:
                self._s0 += terms[0]
                self._s1 += terms[1]
        window.append(terms)
        if len(window) == self.period:
            variance = _variance(
                code, self._s0, self._s1, self._s2, self._s3, self._s4, self.period
            )
            self.value = math.sqrt(variance) * self._scale if variance > 0.0 else 0.0
            self.ready = True


@numba.njit(cache=True)
def _kernel(
    o: FloatArray,
    h: FloatArray,
    lo: FloatArray,
    c: FloatArray,
    period: int,
    code: int,
    scale: float,
) -> FloatArray:  # pragma: no cover - compiled
    n = len(c)
    out = np.full(n, np.nan)
    # keep the logs only: a stored term's square is recomputed, bit for bit, when it leaves
    width = 3 if code == 4 else 1
    base = np.zeros((n, width))
    start = 1 if code in (0, 4) else 0
    s = np.zeros(5)
    for i in range(start, n):
        previous = c[i - 1] if i > 0 else 0.0
        row = _terms_jit(code, o[i], h[i], lo[i], c[i], previous)
        if code == 4:
            base[i, 0], base[i, 1], base[i, 2] = row[0], row[2], row[4]
        else:
            base[i, 0] = row[0]
        if i - start >= period:
            old = _terms_from_base(code, base, i - period)
            for j in range(5):
                s[j] += row[j] - old[j]
        else:
            for j in range(5):
                s[j] += row[j]
        if i - start + 1 >= period:
            variance = _variance_jit(code, s[0], s[1], s[2], s[3], s[4], period)
            out[i] = math.sqrt(variance) * scale if variance > 0.0 else 0.0
    return out


@numba.njit(cache=True)
def _terms_from_base(
    code: int, base: FloatArray, i: int
) -> tuple[float, float, float, float, float]:  # pragma: no cover - compiled
    """Rebuild row ``i``'s terms from its stored logs (same products as :func:`_terms`)."""
    if code == 0:
        change = base[i, 0]
        return (change, change * change, 0.0, 0.0, 0.0)
    if code == 4:
        overnight, body = base[i, 0], base[i, 1]
        return (overnight, overnight * overnight, body, body * body, base[i, 2])
    return (base[i, 0], 0.0, 0.0, 0.0, 0.0)


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
    return _kernel(o, h, lo, c, period, _CODES[estimator], math.sqrt(annualization))
