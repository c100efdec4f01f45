"""``colin signal`` for 10 symbols from cached (catalog) data; target: under 2 s.

A temporary catalog holds ten instruments: the bundled real Binance BTC/USDT and ETH/USDT 1h
bars (5,980 each) under ten symbols (prices scaled so the instruments differ). Three numbers:

- **in-process**: the ``signal`` command for the ten symbols, imports already done (median of
  repeats) - what a ``--continuous`` iteration costs;
- **cold process**: a fresh Python process running the command (imports, numba cache load,
  catalog reads and scoring) - what a user typing ``colin signal`` waits for; its CPU time
  (user + system) is printed too, as wall time on a shared machine includes waiting for a core;
- **baseline**: reading the ten bar datasets alone, in the same run, and the ratio to it.

Run: ``.venv/bin/python benchmarks/bench_signal.py [--repeats 5]``
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import typer
from typer.testing import CliRunner

from colin.cli.signal import signal
from colin.persistence.catalog import ParquetCatalog, default_catalog, sample_catalog

SOURCES = ("BTC/USDT.BINANCE", "ETH/USDT.BINANCE")
BASES = ("AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH", "III", "JJJ")
COLD = (
    "import typer, sys; from colin.cli.signal import signal; app = typer.Typer(); "
    "app.command()(signal); app(sys.argv[1:])"
)


def build_catalog(root: Path) -> list[str]:
    """Write ten 1h instruments into a catalog at ``root``; return their compact symbols."""
    sample = sample_catalog()
    catalog = ParquetCatalog(root)
    symbols = []
    for number, base in enumerate(BASES):
        bars = sample.read_bars(SOURCES[number % 2], "1h")
        scale = 1.0 + number / 10
        for column in ("open", "high", "low", "close"):
            bars[column] = bars[column] * scale
        catalog.write_bars(f"{base}/USDT.BINANCE", "1h", bars)
        symbols.append(f"{base}USDT")
    return symbols


def main() -> None:
    """Build the catalog, time the command three ways and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "catalog"
        symbols = build_catalog(root)
        os.environ["COLIN_CATALOG"] = str(root)
        app = typer.Typer()
        app.command()(signal)
        runner = CliRunner()
        argv = [*symbols, "--format", "json"]
        first = runner.invoke(app, argv)  # warm-up (numba cache, pandas paths)
        if first.exit_code != 0:
            raise SystemExit(first.output)
        warm = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            result = runner.invoke(app, argv)
            warm.append(time.perf_counter() - start)
            assert result.exit_code == 0, result.output
        reads = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            catalog = default_catalog()
            for base in BASES:
                catalog.read_bars(f"{base}/USDT.BINANCE", "1h")
            reads.append(time.perf_counter() - start)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", COLD, *argv], check=True, capture_output=True)
        cold = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cold_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    in_process, baseline = statistics.median(warm), statistics.median(reads)
    print(f"colin signal, 10 symbols x 5,980 1h bars (lookback 300), median of {args.repeats}")
    print(f"  in-process          {in_process:7.3f} s   ({in_process / 10 * 1e3:.1f} ms/symbol)")
    print(
        f"  cold process        {cold:7.3f} s   (target < 2 s: {'met' if cold < 2 else 'MISSED'})"
    )
    print(f"  cold process CPU    {cold_cpu:7.3f} s   (user + system)")
    print(
        f"  baseline: bar reads {baseline:7.3f} s   (signal / reads = {in_process / baseline:.1f}x)"
    )


if __name__ == "__main__":
    main()
