"""Benchmark: live trading on loopback against the local exchange simulator, through ccxt.

Run with ``python benchmarks/bench_live.py [--orders 1000] [--json out.json]`` (about three
minutes; ``--latency-only`` runs measurement 1 alone). Every simulator runs in a process of its
own. Three measurements:

1. **Tick-to-order latency** (:mod:`live_latency`): a node in live mode answers every trade,
   closed-bar and book message (and, separately, every trade alone) with an order; from ccxt's
   receipt of the WebSocket message to ccxt issuing the HTTP request, p50/p99/max over
   ``--orders`` orders per path, against the bare ccxt path (no Colin engine) measured in the
   same process on the same simulator. The simulator gets a CPU of its own (``--no-pin``: it
   shares them; see :func:`live_sim_process.split_cpus` for why that distorts the latency).
2. **The simulator's sustained order rate**: async ccxt clients create and cancel resting limit
   orders for ``--rate-seconds``; orders per second, and each side's CPU.
3. **Symbols one paper node follows** (:mod:`live_symbols`): S symbols with ``kline_1m`` and L2
   books at ``--speed`` simulated seconds per wall second; the node process's CPU per wall second,
   messages per second and lags.

The load average is printed with the results: other processes on the machine slow both sides.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

from colin.adapters.ccxt.exchange_factory import create_exchange
from colin.adapters.ccxt.symbols import to_ccxt_symbol
from live_latency import PATHS, tick_to_order
from live_sim_process import SPOT, SimProcess, SimSpec, split_cpus
from live_symbols import symbols_on_one_core

TRADES_ONLY = ("bare ccxt, trades only", "colin node, trades only")


async def order_rate(sim: SimProcess, clients: int, workers: int, seconds: float) -> dict[str, Any]:
    """``clients`` async ccxt exchanges with ``workers`` coroutines each create and cancel
    resting limit orders for ``seconds``; count the round trips."""
    exchanges = [create_exchange("binance", "spot", overrides=sim.ccxt) for _ in range(clients)]
    await asyncio.gather(*(ex.load_markets() for ex in exchanges))
    symbol = to_ccxt_symbol(SPOT)
    price = (await exchanges[0].fetch_order_book(symbol, 5))["bids"][0][0] * 0.9
    created = canceled = failed = 0
    deadline = 0.0

    async def worker(exchange: Any) -> None:
        nonlocal created, canceled, failed
        while time.monotonic() < deadline:
            try:
                order = await exchange.create_order(symbol, "limit", "buy", 0.001, price)
                created += 1
                await exchange.cancel_order(order["id"], symbol)
                canceled += 1
            except Exception:  # counted: the rate is of successful requests only
                failed += 1

    sim.mark()
    cpu0, wall0 = time.process_time(), time.monotonic()
    deadline = wall0 + seconds
    try:
        await asyncio.gather(*(worker(ex) for ex in exchanges for _ in range(workers)))
        wall = time.monotonic() - wall0
        client_cpu = (time.process_time() - cpu0) / wall
        simulator_cpu = sim.report()
    finally:
        await asyncio.gather(*(ex.close() for ex in exchanges))
    return {
        "clients": clients * workers,
        "seconds": round(wall, 2),
        "orders_per_s": created / wall,
        "requests_per_s": (created + canceled) / wall,
        "failed": failed,
        "client_cpu_share": client_cpu,
        "simulator_cpu_share": simulator_cpu,
        "simulator_us_per_request": simulator_cpu * wall / max(created + canceled, 1) * 1e6,
    }


def simulator_order_rate(seconds: float) -> dict[str, Any]:
    """Run :func:`order_rate` against a stepped one-symbol simulator in its own process."""
    with SimProcess(SimSpec()) as sim:
        return asyncio.run(order_rate(sim, clients=4, workers=4, seconds=seconds))


def _ms(stats: dict[str, float], key: str) -> str:
    return f"{stats[key] / 1000:.2f}"


def print_latency(result: dict[str, Any]) -> None:
    """Table of the tick-to-order latencies, with ratios to the bare ccxt path."""
    print("\n1. tick-to-order on loopback (ccxt WS receipt -> order request issued), ms")
    print(
        f"{'path':<33}{'orders':>7}{'p50':>7}{'p99':>7}{'max':>7}{'x p50':>6}{'x p99':>6}"
        f"{'first of step p50/p99':>23}"
    )
    for name, stats in result.items():
        every, first = stats["all"], stats["first"]
        base = result[stats["baseline"]]["all"]
        print(
            f"{name:<33}{every['n']:>7}{_ms(every, 'p50_us'):>7}{_ms(every, 'p99_us'):>7}"
            f"{_ms(every, 'max_us'):>7}{every['p50_us'] / base['p50_us']:>6.1f}"
            f"{every['p99_us'] / base['p99_us']:>6.1f}"
            f"{_ms(first, 'p50_us') + ' / ' + _ms(first, 'p99_us'):>23}"
        )
    for name, stats in result.items():
        kinds = ", ".join(
            f"{kind} {_ms(stats[kind], 'p50_us')}/{_ms(stats[kind], 'p99_us')}"
            for kind in ("trade", "bar", "book")
            if stats[kind]["n"]
        )
        legs = ", ".join(
            f"{leg} {_ms(stats[leg], 'p50_us')}/{_ms(stats[leg], 'p99_us')}"
            for leg in ("to_strategy", "submit", "to_wire")
        )
        print(f"   {name}: by message {kinds}; legs {legs} (p50/p99 ms)")
        print(f"   {name}: orders ended {stats['order_outcomes']}")


def print_order_rate(result: dict[str, Any]) -> None:
    """The simulator's sustained order rate."""
    print("\n2. simulator order rate (create + cancel, async ccxt clients)")
    print(
        f"   {result['clients']} clients, {result['seconds']} s: "
        f"{result['orders_per_s']:.0f} orders/s ({result['requests_per_s']:.0f} requests/s, "
        f"{result['failed']} failed); CPU: simulator {result['simulator_cpu_share']:.0%}, "
        f"clients {result['client_cpu_share']:.0%} of a core; "
        f"{result['simulator_us_per_request']:.0f} us of simulator CPU per request"
    )


def print_symbols(rows: list[dict[str, Any]]) -> None:
    """Table of the symbols-on-one-core runs: bare ccxt, then the paper node, per S."""
    print("\n3. following kline_1m + L2 book of S symbols, one process (simulator in another)")
    print(
        f"{'S':>5} {'follower':<10}{'follows':>8}{'msg/s':>7}{'CPU':>6}{'us/msg':>7}{'x':>5}"
        f"{'lag in follower p50/p99':>25}{'lag from event p50/p99':>24}{'sim CPU':>8}"
    )
    for row in rows:
        base = row["ccxt"]
        for who in ("ccxt", "node"):
            r = row[who]
            inner, event = r["lag_in_follower"], r["lag_from_event"]
            print(
                f"{row['symbols']:>5} {who:<10}{r['following']:>8}{r['messages_per_s']:>7.0f}"
                f"{r['cpu_share']:>6.0%}{r['cpu_us_per_message']:>7.0f}"
                f"{r['cpu_share'] / base['cpu_share']:>5.1f}"
                f"{_ms(inner, 'p50_us') + ' / ' + _ms(inner, 'p99_us') + ' ms':>25}"
                f"{_ms(event, 'p50_us') + ' / ' + _ms(event, 'p99_us') + ' ms':>24}"
                f"{r['simulator_cpu_share']:>8.0%}"
            )
    node = rows[-1]["node"]
    per_symbol = node["messages_per_s"] / node["symbols"]
    print(
        f"   the node at {per_symbol:.1f} messages/s per symbol: one core would follow about "
        f"{node['symbols'] / node['cpu_share']:.0f} symbols (linear extrapolation); at "
        f"Binance's busiest, 10 depth diffs/s + 0.5 klines/s per symbol, about "
        f"{1e6 / node['cpu_us_per_message'] / 10.5:.0f}"
    )


def main() -> None:
    """Run the three measurements, print the tables, optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000, help="orders per latency path")
    parser.add_argument("--rate-seconds", type=float, default=10.0)
    parser.add_argument("--symbols", default="50,100,200", help="comma-separated S values")
    parser.add_argument("--speed", type=float, default=10.0, help="simulated s per wall s")
    parser.add_argument("--follow-seconds", type=float, default=8.0)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--latency-only", action="store_true", help="measure tick-to-order latency (1.) only"
    )
    parser.add_argument(
        "--loop",
        choices=("auto", "uvloop", "asyncio"),
        default="auto",
        help="event loop of the latency paths (the node's event_loop setting; default auto)",
    )
    parser.add_argument(
        "--trades-only",
        action="store_true",
        help="latency: only the bare ccxt and the node path on trades alone",
    )
    parser.add_argument(
        "--no-pin",
        action="store_true",
        help="latency: let the simulator share CPUs with the measured process (default: it "
        "runs on a CPU of its own, as an exchange runs on other machines)",
    )
    args = parser.parse_args()
    started = time.monotonic()
    load = {"start": os.getloadavg()}
    print(f"load average at start: {load['start'][0]:.2f} (1 min), {os.cpu_count()} CPUs")
    paths = [p for p in PATHS if not args.trades_only or p.name in TRADES_ONLY]
    cpus = None if args.no_pin else split_cpus()
    print(
        f"latency: simulator on CPU {sorted(cpus[0])}, measured process on CPUs {sorted(cpus[1])}"
        if cpus
        else "latency: simulator and measured process share the CPUs"
    )
    latency = tick_to_order(args.orders, 60.0, paths, loop=args.loop, pin=not args.no_pin)
    load["tick_to_order_end"] = os.getloadavg()
    print_latency(latency)
    rate: dict[str, Any] = {}
    symbols: list[dict[str, Any]] = []
    if not args.latency_only:
        rate = simulator_order_rate(args.rate_seconds)
        load["order_rate_end"] = os.getloadavg()
        print_order_rate(rate)
        symbols = [
            symbols_on_one_core(int(s), args.speed, args.follow_seconds)
            for s in args.symbols.split(",")
        ]
        print_symbols(symbols)
    load["end"] = os.getloadavg()
    elapsed = time.monotonic() - started
    print(f"\nload average at end: {load['end'][0]:.2f}; benchmark took {elapsed:.0f} s")
    if args.json is not None:
        report = {
            "tick_to_order": latency,
            "order_rate": rate,
            "symbols": symbols,
            "load_average": load,
            "seconds": elapsed,
        }
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
