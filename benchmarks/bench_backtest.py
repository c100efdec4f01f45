"""Throughput of the full event-driven stack vs a plain Python loop, in one process.

SMA(10)/SMA(50) long-only crossover over 1,000,000 one-minute bars through bus → strategy →
risk engine → execution engine → simulated venue → portfolio. The bars are a block bootstrap of
the bundled real Binance BTC/USDT 1m returns (so prices move like the real market, at the length
the benchmark needs). Peak RSS is the process's high-water mark while the engine runs (the kernel's
counter is reset after the data is built and the baseline has run), so it counts the imports, the
1M-bar frame and everything the engine allocates.

Run: ``.venv/bin/python benchmarks/bench_backtest.py [--bars N]``
"""

from __future__ import annotations

import argparse
import gc
import time
from collections import deque
from pathlib import Path

import numpy as np
import pandas as pd

from colin.backtest.engine import BacktestEngine
from colin.persistence.catalog import sample_catalog
from colin.strategy.builtin.sma_cross import SmaCross

IID = "BTC/USDT.BINANCE"


def synthetic_minutes(n: int, seed: int = 7) -> pd.DataFrame:
    """``n`` one-minute bars whose log returns are blocks of the real 1m returns."""
    real = sample_catalog().read_bars(IID, "1m")
    close = real["close"].to_numpy()
    rel = real[["open", "high", "low"]].to_numpy() / close[:, None]
    returns = np.diff(np.log(close))
    rng = np.random.default_rng(seed)
    block = 240
    starts = rng.integers(0, len(returns) - block, size=n // block + 1)
    index = (starts[:, None] + np.arange(block)).ravel()[:n]
    closes = close[0] * np.exp(np.cumsum(returns[index]))
    shape = rel[index + 1]
    opens = np.concatenate([[close[0]], closes[:-1]])
    highs = np.maximum(np.maximum(shape[:, 1] * closes, opens), closes)
    lows = np.minimum(np.minimum(shape[:, 2] * closes, opens), closes)
    volume = real["volume"].to_numpy()[index + 1]
    ts_open = real["ts_open"].iloc[0] + np.arange(n, dtype=np.int64) * 60_000_000_000
    return pd.DataFrame(
        {
            "ts_open": ts_open,
            "open": np.round(opens, 2),
            "high": np.round(highs, 2),
            "low": np.round(lows, 2),
            "close": np.round(closes, 2),
            "volume": volume,
        }
    )


def plain_loop(bars: pd.DataFrame) -> float:
    """The same strategy as a bare loop with float money: the floor for any engine."""
    opens = bars["open"].tolist()
    closes = bars["close"].tolist()
    fast_window: deque[float] = deque(maxlen=10)
    slow_window: deque[float] = deque(maxlen=50)
    fast_sum = slow_sum = 0.0
    cash, qty, previous, pending = 10_000.0, 0.0, None, 0
    for i, close in enumerate(closes):
        if pending:
            if pending > 0:
                qty = cash / (opens[i] * 1.001)
                cash = 0.0
            else:
                cash, qty = qty * opens[i] * 0.999, 0.0
            pending = 0
        if len(fast_window) == 10:
            fast_sum -= fast_window[0]
        if len(slow_window) == 50:
            slow_sum -= slow_window[0]
        fast_window.append(close)
        slow_window.append(close)
        fast_sum += close
        slow_sum += close
        if len(slow_window) < 50:
            continue
        diff = fast_sum / 10 - slow_sum / 50
        if previous is not None:
            if previous <= 0 < diff and qty == 0:
                pending = 1
            elif previous >= 0 > diff and qty > 0:
                pending = -1
        previous = diff
    return cash + qty * closes[-1]


def engine_run(bars: pd.DataFrame) -> tuple[float, int]:
    """Run the full stack; return the final equity and the number of fills."""
    engine = BacktestEngine(starting_balances={"USDT": 10_000})
    engine.add_instrument(sample_catalog().instrument(IID))
    engine.add_bars(IID, "1m", bars)
    engine.add_strategy(SmaCross({"instrument_id": IID, "timeframe": "1m"}))
    result = engine.run()
    return float(result.equity[-1]), len(result.fills)


def reset_peak_rss() -> None:
    """Reset the kernel's peak-RSS counter of this process (Linux >= 4.0)."""
    Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mb() -> float:
    """The process's peak resident set size since the last reset, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def main() -> None:
    """Measure and print bars/s for the baseline and the engine, and peak RSS."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    args = parser.parse_args()
    bars = synthetic_minutes(args.bars)
    n = len(bars)

    start = time.perf_counter()
    plain_loop(bars)
    baseline_s = time.perf_counter() - start

    gc.collect()
    reset_peak_rss()
    start = time.perf_counter()
    equity, fills = engine_run(bars)
    engine_s = time.perf_counter() - start
    peak_mb = peak_rss_mb()

    print(f"bars: {n:,}  fills: {fills:,}  final equity: {equity:,.2f} USDT")
    print(f"plain Python loop : {n / baseline_s:>12,.0f} bars/s")
    print(
        f"colin full stack  : {n / engine_s:>12,.0f} bars/s "
        f"({engine_s / baseline_s:.1f}x the plain loop's time)"
    )
    print(f"peak RSS          : {peak_mb:>12,.0f} MB")


if __name__ == "__main__":
    main()
