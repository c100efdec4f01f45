"""Vectorised research mode: long-only signal backtests and SMA-crossover grid sweeps in numba.

The execution rules are those of the event-driven engine with a built-in all-in strategy
(:class:`~colin.strategy.builtin.sma_cross.SmaCross`) on a spot instrument:

- a signal is decided on a bar's close; the market order fills at the next bar's open (a signal
  on the last bar never fills);
- an entry needs no position; it spends ``allocation`` of the cash, sized at the signal bar's
  close raised by ``buffer_bps`` and the taker fee, rounded down to the lot size, and is skipped
  when the quantity is below the instrument's minimum quantity or its notional (at that close)
  below the minimum notional, as the risk engine would deny it;
- an exit sells the whole position; every fill pays the taker fee on its notional;
- equity is marked at every bar's close: ``cash + quantity * close``.

Quantities are exact multiples of the lot (integer lots); cash is float64, so a quantity can
differ from the engine's exact ``Decimal`` sizing by one lot only when the budget lies within
about 1e-12 (relative) of a lot boundary. The SMA is computed with the same running sum, in the
same order, as the streaming :class:`~colin.indicators.moving_averages.SMA`, so crossings agree
bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numba as nb
import numpy as np

from colin.core.errors import DataError
from colin.model.instrument import Instrument

_BUY = 1
_SELL = -1


@dataclass(frozen=True, slots=True)
class ExecutionRules:
    """How signals become fills: fee, lot rounding, minimums and sizing.

    Attributes
    ----------
    starting_cash
        Quote-currency cash before the first bar.
    fee_rate
        Taker fee as a fraction of the notional.
    lot_size, min_quantity, min_notional
        The instrument's trading rules.
    allocation
        Fraction of the cash spent on an entry (0 < allocation <= 1).
    buffer_bps
        Headroom (basis points) added to the signal close when sizing.
    """

    starting_cash: float
    fee_rate: float
    lot_size: float
    min_quantity: float = 0.0
    min_notional: float = 0.0
    allocation: float = 1.0
    buffer_bps: float = 10.0

    def __post_init__(self) -> None:
        if not self.starting_cash > 0:
            raise ValueError(f"starting_cash must be positive, got {self.starting_cash}")
        if not self.lot_size > 0:
            raise ValueError(f"lot_size must be positive, got {self.lot_size}")
        if not 0 < self.allocation <= 1:
            raise ValueError(f"allocation must be in (0, 1], got {self.allocation}")
        if self.buffer_bps < 0 or self.fee_rate < 0:
            raise ValueError("buffer_bps and fee_rate must not be negative")

    @classmethod
    def for_instrument(
        cls,
        instrument: Instrument,
        starting_cash: float | Decimal,
        allocation: float = 1.0,
        buffer_bps: float = 10.0,
    ) -> ExecutionRules:
        """Take the fee, lot size and minimums from a spot ``instrument``.

        Raises
        ------
        ValueError
            If the instrument is a derivative (the vectorised mode is spot, long only).
        """
        if instrument.is_derivative or instrument.contract_size != 1:
            raise ValueError(f"{instrument.id}: the vectorised mode trades spot instruments only")
        return cls(
            starting_cash=float(starting_cash),
            fee_rate=float(instrument.taker_fee),
            lot_size=float(instrument.lot_size),
            min_quantity=float(instrument.min_quantity),
            min_notional=float(instrument.min_notional),
            allocation=allocation,
            buffer_bps=buffer_bps,
        )


@dataclass(frozen=True, slots=True)
class SignalRun:
    """Fills and equity of one signal backtest.

    Attributes
    ----------
    fill_index
        Bar index of every fill (the fill happens at that bar's open).
    side
        ``+1`` for a buy, ``-1`` for a sell.
    quantity, price, fee
        Filled quantity, fill price and fee (quote currency).
    equity
        Equity at every bar's close.
    """

    fill_index: np.ndarray
    side: np.ndarray
    quantity: np.ndarray
    price: np.ndarray
    fee: np.ndarray
    equity: np.ndarray

    @property
    def final_equity(self) -> float:
        """Equity at the last bar's close."""
        return float(self.equity[-1])


@dataclass(frozen=True, slots=True)
class SweepResult:
    """One row per ``(fast, slow)`` pair of an SMA-crossover sweep.

    Attributes
    ----------
    fast, slow
        The pair's periods.
    final_equity, total_return, max_drawdown, sharpe
        Summary of the equity marked at every close; ``sharpe`` is per bar (not annualised) and
        ``nan`` when the equity never moves.
    fills
        Number of fills.
    """

    fast: np.ndarray
    slow: np.ndarray
    final_equity: np.ndarray
    total_return: np.ndarray
    max_drawdown: np.ndarray
    sharpe: np.ndarray
    fills: np.ndarray


def sma_cross_signals(close: np.ndarray, fast: int, slow: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the entry and exit arrays of an SMA crossover decided on each close.

    An entry is ``fast - slow`` going from ``<= 0`` to ``> 0`` between two consecutive bars on
    which both averages are defined, an exit from ``>= 0`` to ``< 0``.
    """
    prices = _prices("close", close)
    _check_periods(fast, slow)
    entries = np.zeros(len(prices), dtype=np.bool_)
    exits = np.zeros(len(prices), dtype=np.bool_)
    _sma_signals(prices, fast, slow, entries, exits)
    return entries, exits


def backtest_signals(
    open_: np.ndarray,
    close: np.ndarray,
    entries: np.ndarray,
    exits: np.ndarray,
    rules: ExecutionRules,
) -> SignalRun:
    """Run one long-only signal backtest under ``rules``.

    Raises
    ------
    DataError
        If the arrays differ in length, are empty, or a price is not finite and positive.
    """
    opens, closes = _prices("open", open_), _prices("close", close)
    n = len(closes)
    for name, array in (("open", opens), ("entries", entries), ("exits", exits)):
        if len(array) != n:
            raise DataError(f"{name} has {len(array)} values, close has {n}")
    out_index = np.empty(n, dtype=np.int64)
    out_side = np.empty(n, dtype=np.int8)
    out_lots = np.empty(n, dtype=np.int64)
    equity = np.empty(n, dtype=np.float64)
    count = _simulate(
        opens,
        closes,
        np.asarray(entries, dtype=np.bool_),
        np.asarray(exits, dtype=np.bool_),
        _rule_args(rules),
        out_index,
        out_side,
        out_lots,
        equity,
    )
    index = out_index[:count]
    quantity = np.round(out_lots[:count] * rules.lot_size, _decimals(rules.lot_size))
    price = opens[index]
    return SignalRun(
        fill_index=index,
        side=out_side[:count].copy(),
        quantity=quantity,
        price=price,
        fee=quantity * price * rules.fee_rate,
        equity=equity,
    )


def sweep_sma_cross(
    open_: np.ndarray,
    close: np.ndarray,
    fast: np.ndarray,
    slow: np.ndarray,
    rules: ExecutionRules,
) -> SweepResult:
    """Backtest every ``(fast[k], slow[k])`` SMA crossover on the same bars.

    Each pair runs the same kernel as :func:`sma_cross_signals` + :func:`backtest_signals`,
    without storing its fills, in one compiled loop.

    Raises
    ------
    DataError
        If the prices are invalid.
    ValueError
        If ``fast`` and ``slow`` differ in length or a pair has ``fast >= slow`` or ``fast < 2``.
    """
    opens, closes = _prices("open", open_), _prices("close", close)
    if len(opens) != len(closes):
        raise DataError(f"open has {len(opens)} values, close has {len(closes)}")
    fast_arr = np.asarray(fast, dtype=np.int64)
    slow_arr = np.asarray(slow, dtype=np.int64)
    if fast_arr.shape != slow_arr.shape or fast_arr.ndim != 1:
        raise ValueError("fast and slow must be one-dimensional arrays of the same length")
    for f, s in zip(fast_arr.tolist(), slow_arr.tolist(), strict=True):
        _check_periods(f, s)
    pairs = len(fast_arr)
    final = np.empty(pairs)
    drawdown = np.empty(pairs)
    sharpe = np.empty(pairs)
    fills = np.empty(pairs, dtype=np.int64)
    _sweep(opens, closes, fast_arr, slow_arr, _rule_args(rules), final, drawdown, sharpe, fills)
    return SweepResult(
        fast=fast_arr,
        slow=slow_arr,
        final_equity=final,
        total_return=final / rules.starting_cash - 1.0,
        max_drawdown=drawdown,
        sharpe=sharpe,
        fills=fills,
    )


def _prices(name: str, values: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(values, dtype=np.float64)
    if array.ndim != 1 or len(array) == 0:
        raise DataError(f"{name} must be a non-empty one-dimensional array")
    bad = ~(np.isfinite(array) & (array > 0))
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(f"{name} at row {row} is {array[row]}: prices must be finite and positive")
    return array


def _decimals(step: float) -> int:
    exponent = Decimal(repr(step)).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _check_periods(fast: int, slow: int) -> None:
    if fast < 2 or fast >= slow:
        raise ValueError(f"need 2 <= fast < slow, got fast={fast}, slow={slow}")


def _rule_args(rules: ExecutionRules) -> np.ndarray:
    """Pack the rules for the kernels: cash, fee, lot, minimums, allocation, sizing markup."""
    markup = (1.0 + rules.buffer_bps / 10_000.0) * (1.0 + rules.fee_rate)
    return np.array(
        [
            rules.starting_cash,
            rules.fee_rate,
            rules.lot_size,
            rules.min_quantity,
            rules.min_notional,
            rules.allocation,
            markup,
        ]
    )


@nb.njit(cache=True, nogil=True)
def _sma_signals(
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
def _simulate(
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
            notional = abs(pending) * lot * opens[i]
            if pending > 0:
                cash -= notional + notional * fee
                out_side[count] = _BUY
            else:
                cash += notional - notional * fee
                out_side[count] = _SELL
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


@nb.njit(cache=True, nogil=True)
def _sweep(
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
        peak = start_cash
        worst = 0.0
        last = start_cash
        total = 0.0
        squares = 0.0
        for i in range(n):
            if pending != 0:
                notional = abs(pending) * lot * opens[i]
                if pending > 0:
                    cash -= notional + notional * fee
                else:
                    cash += notional - notional * fee
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
            change = mark / last - 1.0
            total += change
            squares += change * change
            last = mark
            if mark > peak:
                peak = mark
            elif 1.0 - mark / peak > worst:
                worst = 1.0 - mark / peak
        final[k] = last
        drawdown[k] = worst
        fills[k] = count
        mean = total / n
        variance = (squares - n * mean * mean) / (n - 1) if n > 1 else 0.0
        sharpe[k] = mean / np.sqrt(variance) if variance > 0.0 else np.nan
