"""Vectorised SMA-crossover sweep: Colin's kernel next to vectorbt's ``Portfolio.from_signals``.

Sweeps 1,000 (fast, slow) pairs over 100,000 bars with the same signals and execution (signal on
the close, fill at the next open, 0.1% fee, all-in) and prints combinations x bars per second for
both, measured in the same run, plus the total fill count of each as a check that both traded the
same signals. vectorbt runs without ``size_granularity``: with it, its float rounding of an exit
can leave one lot open, which silently blocks later entries; Colin rounds entries to the lot.

Run it in the benchmark environment that has vectorbt (see docs/optimize.md)::

    .venv-bench/bin/python benchmarks/bench_sweep.py

Without vectorbt installed, only Colin's figure is printed.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from colin.backtest.vectorized import ExecutionRules, sweep_sma_cross

FEE = 0.001
LOT = 0.00001
CASH = 10_000.0


def make_bars(bars: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (open, close) of a geometric random walk starting at 40,000 (hourly-like moves)."""
    rng = np.random.default_rng(seed)
    close = 40_000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.004, bars)))
    opens = np.concatenate(([40_000.0], close[:-1])) * (1 + rng.normal(0.0, 0.0003, bars))
    return opens, close


def make_grid(pairs: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``pairs`` (fast, slow) pairs with 2 <= fast < slow, spread over 5..250."""
    fast = np.arange(5, 105, 2)
    slow = np.arange(20, 260, 8)
    grid = [(f, s) for f in fast for s in slow if f < s]
    chosen = np.array(grid[:pairs])
    if len(chosen) < pairs:
        raise SystemExit(f"the grid holds only {len(chosen)} pairs")
    return chosen[:, 0].copy(), chosen[:, 1].copy()


def run_colin(opens: np.ndarray, close: np.ndarray, fast: np.ndarray, slow: np.ndarray) -> float:
    """Sweep with Colin's kernel; return the seconds taken."""
    rules = ExecutionRules(starting_cash=CASH, fee_rate=FEE, lot_size=LOT, min_notional=5.0)
    sweep_sma_cross(opens[:500], close[:500], fast[:2], slow[:2], rules)  # compile
    start = time.perf_counter()
    result = sweep_sma_cross(opens, close, fast, slow, rules)
    seconds = time.perf_counter() - start
    print(f"  colin: {int(result.fills.sum()):,} fills")
    return seconds


def run_vectorbt(
    opens: np.ndarray, close: np.ndarray, fast: np.ndarray, slow: np.ndarray
) -> float | None:
    """Sweep with vectorbt (MA indicator, crossings, from_signals); return seconds or None."""
    try:
        import pandas as pd  # noqa: PLC0415 - vectorbt is optional here
        import vectorbt as vbt  # noqa: PLC0415
    except ImportError:
        print("  vectorbt is not installed here: no comparison")
        return None

    def sweep(o: np.ndarray, c: np.ndarray, f: np.ndarray, s: np.ndarray) -> object:
        close_s = pd.Series(c)
        columns = pd.MultiIndex.from_arrays([f, s], names=["fast", "slow"])
        fast_ma = vbt.MA.run(close_s, window=list(f)).ma.to_numpy()
        slow_ma = vbt.MA.run(close_s, window=list(s)).ma.to_numpy()
        fast_df = pd.DataFrame(fast_ma, columns=columns)
        slow_df = pd.DataFrame(slow_ma, columns=columns)
        entries = fast_df.vbt.crossed_above(slow_df).shift(1, fill_value=False)
        exits = fast_df.vbt.crossed_below(slow_df).shift(1, fill_value=False)
        portfolio = vbt.Portfolio.from_signals(
            close_s,
            entries,
            exits,
            price=pd.Series(o),
            fees=FEE,
            init_cash=CASH,
            freq="1h",
        )
        return portfolio.orders.count()

    sweep(opens[:500], close[:500], fast[:2], slow[:2])  # compile
    start = time.perf_counter()
    orders = np.asarray(sweep(opens, close, fast, slow))
    seconds = time.perf_counter() - start
    print(f"  vectorbt: {int(orders.sum()):,} fills")
    return seconds


def main() -> None:
    """Run both sweeps and print combinations x bars per second and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    opens, close = make_bars(args.bars, args.seed)
    fast, slow = make_grid(args.pairs)
    work = args.pairs * args.bars
    print(f"{args.pairs:,} SMA pairs x {args.bars:,} bars")
    colin_s = run_colin(opens, close, fast, slow)
    vbt_s = run_vectorbt(opens, close, fast, slow)
    print(f"colin    {colin_s:8.2f} s  {work / colin_s / 1e6:10.1f} M combination-bars/s")
    if vbt_s is not None:
        print(f"vectorbt {vbt_s:8.2f} s  {work / vbt_s / 1e6:10.1f} M combination-bars/s")
        print(f"colin / vectorbt speed: {vbt_s / colin_s:.2f}x")


if __name__ == "__main__":
    main()
