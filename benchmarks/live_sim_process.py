"""The local exchange simulator in a process of its own, for the live-trading benchmark.

:class:`SimProcess` starts :func:`build_simulator`'s simulator in a child process (so its CPU is
never the measured side's) and talks to it over a pipe: step its clock, mark and report its CPU
share. Every symbol replays the sample catalog's real BTCUSDT 1m bars, rotated per symbol, with
a synthesized L2 book.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
import time
from dataclasses import dataclass
from decimal import Decimal
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
import pandas as pd

from colin.adapters.exchange_sim import ExchangeSimulator, SimMarketData
from colin.core.ids import InstrumentId
from colin.model.instrument import Instrument
from colin.persistence.catalog import sample_catalog

SPOT = InstrumentId("BTC/USDT.BINANCE")
SIM_START_MS = 1_712_188_800_000  # 2024-04-04 00:00 UTC, two days into the sample bars
STARTUP_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class SimSpec:
    """What the simulator process serves: ``symbols`` spot pairs on a stepped or realtime clock."""

    symbols: int = 1
    clock: str = "stepped"
    speed: float = 1.0
    cpus: frozenset[int] | None = None
    """The CPUs the simulator process may run on (``None``: any; see :func:`split_cpus`)."""


def symbol_ids(count: int) -> list[InstrumentId]:
    """BTC/USDT, then synthetic pairs S001/USDT, S002/USDT, ..."""
    return [SPOT] + [InstrumentId(f"S{i:03d}/USDT.BINANCE") for i in range(1, count)]


def build_simulator(spec: SimSpec) -> ExchangeSimulator:
    """Every symbol replays the sample's real BTCUSDT 1m bars, rotated by 97 bars per symbol so
    that they do not move in step; books are synthesized; request weights are not limited."""
    catalog = sample_catalog()
    btc: Instrument = catalog.instrument(SPOT)
    bars: pd.DataFrame = catalog.read_bars(SPOT, "1m")
    values = [c for c in bars.columns if c != "ts_open"]
    instruments: list[Instrument] = []
    market: dict[InstrumentId | str, SimMarketData] = {}
    for n, iid in enumerate(symbol_ids(spec.symbols)):
        frame = bars.copy()
        frame[values] = np.roll(bars[values].to_numpy(), 97 * n, axis=0)
        instrument = btc if n == 0 else dataclasses.replace(btc, id=iid, base=iid.symbol[:4])
        instruments.append(instrument)
        market[iid] = SimMarketData(bars=frame, timeframe="1m")
    return ExchangeSimulator(
        instruments=instruments,
        market=market,
        balances={"spot": {"USDT": Decimal(10_000_000)}},
        clock="realtime" if spec.clock == "realtime" else "stepped",
        speed=spec.speed,
        start_ms=SIM_START_MS,
        weight_limit=1_000_000_000,
    )


def _serve(conn: Connection, spec: SimSpec) -> None:
    """Child process: serve until told to stop; step the clock, mark and report the CPU share
    on request."""
    if spec.cpus is not None:
        os.sched_setaffinity(0, spec.cpus)
    sim = build_simulator(spec)
    sim.start_in_thread()
    conn.send({"ccxt": sim.ccxt_config("spot"), "sim_ms": sim.now_ms(), "wall_ns": time.time_ns()})
    cpu0, wall0 = time.process_time(), time.monotonic()
    while True:
        command, argument = conn.recv()
        if command == "advance":
            sim.advance(argument)
        elif command == "mark":
            cpu0, wall0 = time.process_time(), time.monotonic()
        elif command == "report":
            conn.send({"cpu_share": (time.process_time() - cpu0) / (time.monotonic() - wall0)})
        else:
            sim.stop_thread()
            return


def split_cpus() -> tuple[frozenset[int], frozenset[int]] | None:
    """``(simulator's CPUs, the measured process's CPUs)``: the last usable CPU for the
    simulator, the others for the measured side; ``None`` where the process cannot be pinned
    (fewer than two usable CPUs, or no ``sched_setaffinity``).

    On a shared CPU the simulator distorts what is measured: a request the measured process
    writes on loopback wakes the simulator's thread, and the kernel tends to run the woken
    thread on the writer's CPU and preempt the writer until it has answered (measured: the
    ``send`` took 0.6-1.3 ms of wall time for 30 us of CPU, with one involuntary context
    switch). An exchange runs on other machines, so the benchmark gives it a CPU of its own.
    """
    if not hasattr(os, "sched_setaffinity"):
        return None
    usable = sorted(os.sched_getaffinity(0))
    if len(usable) < 2:
        return None
    return frozenset(usable[-1:]), frozenset(usable[:-1])


class SimProcess:
    """A simulator served by a child process (``with SimProcess(spec) as sim: ...``)."""

    def __init__(self, spec: SimSpec) -> None:
        self.spec = spec
        self._conn, child = mp.get_context("spawn").Pipe()
        self._process = mp.get_context("spawn").Process(target=_serve, args=(child, spec))
        self.ccxt: dict[str, Any] = {}
        self.sim_ms = 0
        self.wall_ns = 0

    def __enter__(self) -> SimProcess:
        self._process.start()
        if not self._conn.poll(STARTUP_TIMEOUT_S):
            raise TimeoutError("the simulator process did not start")
        hello = self._conn.recv()
        self.ccxt, self.sim_ms, self.wall_ns = hello["ccxt"], hello["sim_ms"], hello["wall_ns"]
        return self

    def __exit__(self, *exc: object) -> None:
        self._conn.send(("stop", None))
        self._process.join(30)
        if self._process.is_alive():
            self._process.kill()

    def advance(self, ms: int) -> None:
        """Step the simulator's clock (returns at once; the market messages follow)."""
        self._conn.send(("advance", ms))

    def mark(self) -> None:
        """Start the simulator's CPU measurement now."""
        self._conn.send(("mark", None))

    def report(self) -> float:
        """The simulator process's CPU share (of one core) since :meth:`mark`."""
        self._conn.send(("report", None))
        share: float = self._conn.recv()["cpu_share"]
        return share


def percentiles(values_ns: list[int]) -> dict[str, float]:
    """p50/p99/max in microseconds, and the count."""
    if not values_ns:
        return {"n": 0, "p50_us": float("nan"), "p99_us": float("nan"), "max_us": float("nan")}
    a = np.asarray(values_ns, dtype=np.float64) / 1_000
    return {
        "n": len(values_ns),
        "p50_us": float(np.percentile(a, 50)),
        "p99_us": float(np.percentile(a, 99)),
        "max_us": float(a.max()),
    }
