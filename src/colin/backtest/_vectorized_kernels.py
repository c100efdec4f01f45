"""Compiled (numba) loops of the vectorised research mode; see :mod:`colin.backtest.vectorized`.

The rules array packs ``(starting cash, fee rate, lot size, minimum quantity, minimum notional,
allocation, sizing markup)``; positions are integer lots.
"""

from __future__ import annotations

import numba as nb
import numpy as np

_BUY = 1
_SELL = -1


@nb.njit(cache=True, nogil=True)
def sma_signals_kernel(
    close: np.ndarray, fast: int, slow: int, entries: np.ndarray, exits: np.ndarray
) -> None:  # pragma: no cover - compiled
    fast_sum = 0.0
    slow_sum = 0.0
    previous = 0.0
    for i in range(len(close)):
        value = close[i]
        if i >= fast:
            fast_sum += value - close[i - fast]
        else:
            fast_sum += value
        if i >= slow:
            slow_sum += value - close[i - slow]
        else:
            slow_sum += value
        if i < slow - 1:
            continue
        diff = fast_sum / fast - slow_sum / slow
        if i >= slow:
            if previous <= 0.0 < diff:
                entries[i] = True
            elif previous >= 0.0 > diff:
                exits[i] = True
        previous = diff


@nb.njit(cache=True, nogil=True)
def _unpack(
    rules: np.ndarray,
) -> tuple[float, float, float, float, float, float, float]:  # pragma: no cover - compiled
    return rules[0], rules[1], rules[2], rules[3], rules[4], rules[5], rules[6]


@nb.njit(cache=True, nogil=True)
def _entry_lots(
    cash: float,
    price: float,
    lot: float,
    min_quantity: float,
    min_notional: float,
    spend: float,
    markup: float,
) -> int:  # pragma: no cover - compiled
    if cash <= 0.0:
        return 0
    lots = int(np.floor(cash * spend / (price * markup) / lot))
    quantity = lots * lot
    if lots <= 0 or quantity < min_quantity or quantity * price < min_notional:
        return 0
    return lots


@nb.njit(cache=True, nogil=True)
def simulate_kernel(
    opens: np.ndarray,
    closes: np.ndarray,
    entries: np.ndarray,
    exits: np.ndarray,
    rules: np.ndarray,
    out_index: np.ndarray,
    out_side: np.ndarray,
    out_lots: np.ndarray,
    equity: np.ndarray,
) -> int:  # pragma: no cover - compiled
    cash, fee, lot, min_quantity, min_notional, spend, markup = _unpack(rules)
    held = 0
    pending = 0  # lots to trade at the next open: > 0 buy, < 0 sell
    count = 0
    for i in range(len(closes)):
        if pending != 0:
            cash = _settle(cash, pending, opens[i], lot, fee)
            out_side[count] = _BUY if pending > 0 else _SELL
            held += pending
            out_index[count] = i
            out_lots[count] = abs(pending)
            count += 1
            pending = 0
        if entries[i] and held == 0:
            pending = _entry_lots(cash, closes[i], lot, min_quantity, min_notional, spend, markup)
        elif exits[i] and held > 0:
            pending = -held
        equity[i] = cash + held * lot * closes[i]
    return count


@nb.njit(cache=True, nogil=True, inline="always")
def _settle(
    cash: float, pending: int, price: float, lot: float, fee: float
) -> float:  # pragma: no cover - compiled
    notional = abs(pending) * lot * price
    if pending > 0:
        return cash - (notional + notional * fee)
    return cash + (notional - notional * fee)


@nb.njit(cache=True, nogil=True, inline="always")
def _track(
    mark: float, last: float, peak: float, worst: float, total: float, squares: float
) -> tuple[float, float, float, float]:  # pragma: no cover - compiled
    change = mark / last - 1.0
    if mark > peak:
        peak = mark
    elif 1.0 - mark / peak > worst:
        worst = 1.0 - mark / peak
    return peak, worst, total + change, squares + change * change


@nb.njit(cache=True, nogil=True)
def _sharpe(total: float, squares: float, n: int) -> float:  # pragma: no cover - compiled
    mean = total / n
    variance = (squares - n * mean * mean) / (n - 1) if n > 1 else 0.0
    return mean / np.sqrt(variance) if variance > 0.0 else np.nan


@nb.njit(cache=True, nogil=True)
def sweep_sma_kernel(
    opens: np.ndarray,
    closes: np.ndarray,
    fast: np.ndarray,
    slow: np.ndarray,
    rules: np.ndarray,
    final: np.ndarray,
    drawdown: np.ndarray,
    sharpe: np.ndarray,
    fills: np.ndarray,
) -> None:  # pragma: no cover - compiled
    start_cash, fee, lot, min_quantity, min_notional, spend, markup = _unpack(rules)
    n = len(closes)
    for k in range(len(fast)):
        f = fast[k]
        s = slow[k]
        cash = start_cash
        held = 0
        pending = 0
        count = 0
        fast_sum = 0.0
        slow_sum = 0.0
        previous = 0.0
        peak = last = start_cash
        worst = total = squares = 0.0
        for i in range(n):
            if pending != 0:
                cash = _settle(cash, pending, opens[i], lot, fee)
                held += pending
                count += 1
                pending = 0
            value = closes[i]
            if i >= f:
                fast_sum += value - closes[i - f]
            else:
                fast_sum += value
            if i >= s:
                slow_sum += value - closes[i - s]
            else:
                slow_sum += value
            if i >= s - 1:
                diff = fast_sum / f - slow_sum / s
                if i >= s:
                    if previous <= 0.0 < diff:
                        if held == 0:
                            pending = _entry_lots(
                                cash, value, lot, min_quantity, min_notional, spend, markup
                            )
                    elif previous >= 0.0 > diff and held > 0:
                        pending = -held
                previous = diff
            mark = cash + held * lot * value
            peak, worst, total, squares = _track(mark, last, peak, worst, total, squares)
            last = mark
        final[k] = last
        drawdown[k] = worst
        fills[k] = count
        sharpe[k] = _sharpe(total, squares, n)


@nb.njit(cache=True, nogil=True)
def sweep_signals_kernel(
    opens: np.ndarray,
    closes: np.ndarray,
    entries: np.ndarray,
    exits: np.ndarray,
    rules: np.ndarray,
    final: np.ndarray,
    drawdown: np.ndarray,
    sharpe: np.ndarray,
    fills: np.ndarray,
) -> None:  # pragma: no cover - compiled
    start_cash, fee, lot, min_quantity, min_notional, spend, markup = _unpack(rules)
    n = len(closes)
    for k in range(entries.shape[1]):
        cash = start_cash
        held = 0
        pending = 0
        count = 0
        peak = last = start_cash
        worst = total = squares = 0.0
        for i in range(n):
            if pending != 0:
                cash = _settle(cash, pending, opens[i], lot, fee)
                held += pending
                count += 1
                pending = 0
            value = closes[i]
            if entries[i, k] and held == 0:
                pending = _entry_lots(cash, value, lot, min_quantity, min_notional, spend, markup)
            elif exits[i, k] and held > 0:
                pending = -held
            mark = cash + held * lot * value
            peak, worst, total, squares = _track(mark, last, peak, worst, total, squares)
            last = mark
        final[k] = last
        drawdown[k] = worst
        fills[k] = count
        sharpe[k] = _sharpe(total, squares, n)
