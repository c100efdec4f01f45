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

import numpy as np

from colin.backtest._vectorized_kernels import (
    simulate_kernel,
    sma_signals_kernel,
    sweep_signals_kernel,
    sweep_sma_kernel,
)
from colin.core.errors import DataError
from colin.model.instrument import Instrument


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
    """One row per swept combination, in the order given.

    Attributes
    ----------
    final_equity, total_return, max_drawdown, sharpe
        Summary of the equity marked at every close; ``sharpe`` is per bar (not annualised) and
        ``nan`` when the equity never moves.
    fills
        Number of fills.
    """

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
    sma_signals_kernel(prices, fast, slow, entries, exits)
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
    count = simulate_kernel(
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
    sweep_sma_kernel(
        opens, closes, fast_arr, slow_arr, _rule_args(rules), final, drawdown, sharpe, fills
    )
    return SweepResult(
        final_equity=final,
        total_return=final / rules.starting_cash - 1.0,
        max_drawdown=drawdown,
        sharpe=sharpe,
        fills=fills,
    )


def sweep_signals(
    open_: np.ndarray,
    close: np.ndarray,
    entries: np.ndarray,
    exits: np.ndarray,
    rules: ExecutionRules,
) -> SweepResult:
    """Backtest every column of ``entries``/``exits`` (shape ``(bars, combinations)``).

    Each column is one signal strategy (for example one threshold pair of an RSI rule), run
    under the same rules as :func:`backtest_signals`.

    Raises
    ------
    DataError
        If the prices are invalid or the signal arrays do not have one row per bar.
    """
    opens, closes = _prices("open", open_), _prices("close", close)
    entry = np.asfortranarray(entries, dtype=np.bool_)
    exit_ = np.asfortranarray(exits, dtype=np.bool_)
    if len(opens) != len(closes) or entry.ndim != 2 or entry.shape != exit_.shape:
        raise DataError("entries and exits must both have shape (bars, combinations)")
    if entry.shape[0] != len(closes):
        raise DataError(f"the signals have {entry.shape[0]} rows, close has {len(closes)} bars")
    columns = entry.shape[1]
    final, drawdown, sharpe = np.empty(columns), np.empty(columns), np.empty(columns)
    fills = np.empty(columns, dtype=np.int64)
    sweep_signals_kernel(
        opens, closes, entry, exit_, _rule_args(rules), final, drawdown, sharpe, fills
    )
    return SweepResult(
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
