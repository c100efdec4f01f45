"""Catalog read speed: 1M one-minute bars, against ``pandas.read_parquet`` of the same files.

Run: ``.venv/bin/python benchmarks/bench_catalog.py`` (add ``--rows N`` to change the size).
Bars are a seeded random walk: the timing depends on row count and types, not on the values.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from colin.core.time import NANOS_PER_MINUTE, parse_time
from colin.persistence.catalog import ParquetCatalog

INSTRUMENT = "BTC/USDT.BINANCE"


def make_bars(rows: int) -> pd.DataFrame:
    """Return ``rows`` consistent 1m bars starting 2022-01-01."""
    rng = np.random.default_rng(7)
    close = 30_000 * np.exp(np.cumsum(rng.normal(0, 1e-3, rows)))
    open_ = np.concatenate(([close[0]], close[:-1]))
    spread = np.abs(rng.normal(0, 5e-4, rows)) * close
    return pd.DataFrame(
        {
            "ts_open": parse_time("2022-01-01")
            + np.arange(rows, dtype=np.int64) * NANOS_PER_MINUTE,
            "open": open_,
            "high": np.maximum(open_, close) + spread,
            "low": np.minimum(open_, close) - spread,
            "close": close,
            "volume": rng.exponential(10, rows),
        }
    )


def best_of(function: Callable[[], object], repeat: int = 5) -> float:
    """Return the fastest of ``repeat`` timed calls, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main(rows: int) -> None:
    """Write ``rows`` bars to a temporary catalog and time full and range reads."""
    bars = make_bars(rows)
    with tempfile.TemporaryDirectory() as folder:
        catalog = ParquetCatalog(folder)
        start = time.perf_counter()
        catalog.write_bars(INSTRUMENT, "1m", bars)
        write_s = time.perf_counter() - start
        files = sorted(Path(folder).rglob("part-*.parquet"))

        def pandas_full() -> pd.DataFrame:
            return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)

        week_start = int(bars.ts_open.iloc[rows // 2])
        week_end = week_start + 7 * 24 * 60 * NANOS_PER_MINUTE

        def pandas_week() -> pd.DataFrame:
            full = pandas_full()
            return full[(full.ts_open >= week_start) & (full.ts_open < week_end)]

        assert len(catalog.read_bars(INSTRUMENT, "1m")) == rows
        assert len(catalog.read_bars(INSTRUMENT, "1m", week_start, week_end)) == len(pandas_week())
        full_catalog = best_of(lambda: catalog.read_bars(INSTRUMENT, "1m"))
        full_pandas = best_of(pandas_full)
        week_catalog = best_of(lambda: catalog.read_bars(INSTRUMENT, "1m", week_start, week_end))
        week_pandas = best_of(pandas_week)
        size = sum(f.stat().st_size for f in files) / 1e6
    rate = rows / full_catalog / 1e6
    print(f"{rows:,} bars, {len(files)} files, {size:.1f} MB zstd; write {write_s:.2f} s")
    print(
        f"full read   catalog {full_catalog * 1e3:7.1f} ms ({rate:.1f} M bars/s)  "
        f"pandas.read_parquet {full_pandas * 1e3:7.1f} ms  "
        f"ratio {full_pandas / full_catalog:.2f}x"
    )
    print(
        f"1-week read catalog {week_catalog * 1e3:7.1f} ms  "
        f"pandas read+filter  {week_pandas * 1e3:7.1f} ms  "
        f"ratio {week_pandas / week_catalog:.2f}x"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    main(parser.parse_args().rows)
