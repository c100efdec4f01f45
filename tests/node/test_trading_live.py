"""Live mode against the local exchange simulator, through the real ccxt client on loopback.

The node trades an order-heavy strategy (:class:`ChurnStrategy`: resting and marketable limit
orders, market orders, cancels) on the simulator's spot BTC/USDT; afterwards its orders, fills
and balances must equal the simulator's ground truth.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pydantic import Field
from tests.adapters.ccxt.exec_node import venue_status
from tests.adapters.conftest import PERP_ID, perpetual_instrument

from colin.adapters.ccxt.exchange_factory import create_exchange
from colin.adapters.exchange_sim import ExchangeSimulator, SimMarketData
from colin.core.ids import ClientOrderId, InstrumentId
from colin.core.time import timeframe_to_ns
from colin.model.data import Bar
from colin.model.enums import OrderSide, OrderStatus, TimeInForce
from colin.model.instrument import Instrument
from colin.node.config import ColinConfig
from colin.node.feeds import MarketDataSink
from colin.node.launch import build_trading_node
from colin.node.live_config import TradingNodeConfig
from colin.node.trading import TradingNode
from colin.persistence.catalog import sample_catalog
from colin.persistence.sql import create_store
from colin.strategy.params import StrategyParams
from colin.strategy.strategy import Strategy

SPOT = InstrumentId("BTC/USDT.BINANCE")
SIM_START_MS = 1_712_188_800_000  # 2024-04-04 00:00 UTC
SIM_SPEED = 60.0  # one simulated minute per wall second
BALANCES = {"spot": {"USDT": Decimal(10000), "BTC": Decimal("0.1")}}
MINUTE_NS = timeframe_to_ns("1m")
UNTIL_S = 60.0  # how much longer than its nominal time a run may take on a loaded machine
# the venue's own self-trade prevention stays on; the churn strategy never crosses itself
CHURN_RISK = {
    "max_order_notional": 1000,
    "max_position_notional": 20000,
    "self_trade_prevention": False,
}


class ChurnParams(StrategyParams):
    """Parameters of :class:`ChurnStrategy`."""

    instrument_id: str = Field(description="Instrument to trade")
    timeframe: str = Field("1m", description="Bars that drive it")
    quantity: str = Field("0.001", description="Order size")


class ChurnStrategy(Strategy):
    """Every bar: a resting bid and ask, one marketable limit, cancels of older orders, and a
    market order every third bar (buys and sells alternate, so balances stay bounded)."""

    name = "churn"
    Params = ChurnParams
    params: ChurnParams

    def on_start(self) -> None:
        """Subscribe to bars."""
        self._bars = 0
        self.subscribe_bars(self.params.instrument_id, self.params.timeframe)

    def on_bar(self, bar: Bar) -> None:
        """Place and cancel orders around the close."""
        iid, qty = self.params.instrument_id, Decimal(self.params.quantity)
        self._bars += 1
        for order in self.cache.orders_open(InstrumentId(iid), self.id):
            if order.status is OrderStatus.ACCEPTED:
                self.cancel_order(order)
        close = Decimal(str(bar.close))
        self.submit_limit(iid, OrderSide.BUY, qty, close * Decimal("0.995"))
        self.submit_limit(iid, OrderSide.SELL, qty, close * Decimal("1.005"))
        side = OrderSide.BUY if self._bars % 2 else OrderSide.SELL
        cross = Decimal("1.002") if side is OrderSide.BUY else Decimal("0.998")
        self.submit_limit(iid, side, qty, close * cross, time_in_force=TimeInForce.IOC)
        if self._bars % 3 == 0:
            self.submit_market(iid, side, qty)


class SimBarFeed:
    """Closed 1m bars of the data the simulator replays, as its clock passes their close."""

    def __init__(self, sim: ExchangeSimulator, bars: pd.DataFrame) -> None:
        self._sim = sim
        self._bars = bars

    async def run(self, sink: MarketDataSink) -> None:
        rows = self._bars[self._bars["ts_open"] >= (SIM_START_MS - 60_000) * 1_000_000]
        columns = [rows[c].tolist() for c in ("ts_open", "open", "high", "low", "close", "volume")]
        for ts_open, o, h, lo, c, v in zip(*columns, strict=True):
            close_ns = int(ts_open) + MINUTE_NS
            while self._sim.now_ms() * 1_000_000 < close_ns:
                await asyncio.sleep(0.02)
            sink.handle_bar(Bar(SPOT, "1m", o, h, lo, c, v, int(ts_open), close_ns))

    def silence_s(self) -> float:
        return 0.0

    async def close(self) -> None:
        return None


def spot_simulator() -> ExchangeSimulator:
    """A stepped simulator of spot BTC/USDT replaying the sample 1m bars."""
    catalog = sample_catalog()
    return ExchangeSimulator(
        instruments=[catalog.instrument(SPOT)],
        market={SPOT: SimMarketData(bars=catalog.read_bars(SPOT, "1m"), timeframe="1m")},
        balances=BALANCES,
        seed=0,
        clock="stepped",
        start_ms=SIM_START_MS,
    )


class SimDriver:
    """Move a stepped simulator's clock in small steps from a thread, ``speed`` x wall time
    (the market stands still between steps)."""

    def __init__(
        self, sim: ExchangeSimulator, speed: float = SIM_SPEED, step_s: float = 0.05
    ) -> None:
        self._sim = sim
        self._speed = speed
        self._step_s = step_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sim-driver", daemon=True)

    def __enter__(self) -> SimDriver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        step_ms = int(self._step_s * 1000 * self._speed)
        while not self._stop.wait(self._step_s):
            self._sim.advance(step_ms)


def live_config(sim: ExchangeSimulator, **extra: Any) -> TradingNodeConfig:
    """The node config of a live node trading the churn strategy on ``sim``."""
    return TradingNodeConfig.model_validate(
        {
            "mode": "live",
            "strategy": f"{__name__}:ChurnStrategy",
            "instruments": [str(SPOT)],
            "risk": CHURN_RISK,
            "reconcile": {"interval_s": 1.0, "ack_grace_s": 5.0},
            "stale_feed": {"enabled": False},
            "ccxt_overrides": {**sim.ccxt_config("spot"), "timeout": 10_000},
            **extra,
        }
    )


@pytest.fixture
def sim() -> Iterator[ExchangeSimulator]:
    simulator = spot_simulator()
    simulator.start_in_thread()
    try:
        yield simulator
    finally:
        simulator.stop_thread()


async def _run_for(
    node: TradingNode, seconds: float, until: Callable[[], bool] = lambda: True
) -> None:
    """Run ``node`` for ``seconds``, then on until ``until()`` holds (at most ``UNTIL_S`` more).

    The simulator is driven in wall-clock steps, so a loaded machine replays fewer minutes in
    ``seconds``: what a test counts on (orders placed) ends the run, not the wall time alone.
    """

    async def stop_later() -> None:
        await asyncio.sleep(seconds)
        deadline = asyncio.get_running_loop().time() + UNTIL_S
        while not until() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        node.request_stop("test over")

    stopper = asyncio.create_task(stop_later())
    try:
        await asyncio.wait_for(node.run(install_signal_handlers=False), seconds + UNTIL_S + 60)
    finally:
        stopper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stopper


def _live_node(
    sim: ExchangeSimulator,
    database: Path,
    seconds: float,
    until: Callable[[], bool] = lambda: True,
    **extra: Any,
) -> TradingNode:
    """Run a live churn node on ``sim`` for ``seconds`` and until ``until()`` holds (the
    simulator driven meanwhile; see :func:`_run_for`)."""
    config = live_config(sim, **extra)
    catalog = sample_catalog()
    instrument: Instrument = catalog.instrument(SPOT)

    async def main() -> TradingNode:
        exchange = create_exchange(
            "binance", "spot", "test-key", "test-secret", overrides=config.ccxt_overrides
        )
        node = TradingNode(
            config,
            [instrument],
            SimBarFeed(sim, catalog.read_bars(SPOT, "1m")),
            create_store(f"sqlite:///{database}"),
            exchange=exchange,
        )
        await _run_for(node, seconds, until)
        return node

    with SimDriver(sim):
        return asyncio.run(main())


def test_live_node_orders_fills_and_balances_equal_the_exchange(
    sim: ExchangeSimulator, tmp_path: Path
) -> None:
    node = _live_node(sim, tmp_path / "live.db", 6.0, lambda: len(sim.orders("spot")) >= 20)
    venue = {ClientOrderId(o.client_order_id): o for o in sim.orders("spot")}
    ours = {o.client_order_id: o for o in node.cache.orders()}
    assert len(venue) >= 20
    assert set(venue) <= set(ours)
    for client_order_id, snapshot in venue.items():
        order = ours[client_order_id]
        assert order.status is venue_status(snapshot.status), client_order_id
        assert order.filled_qty == Decimal(snapshot.executed_qty), client_order_id
    never_sent = set(ours) - set(venue)
    assert all(ours[c].status in (OrderStatus.DENIED, OrderStatus.REJECTED) for c in never_sent)
    assert not node.cache.orders_open()  # on_shutdown: cancel_orders
    venue_balances = sim.wallet("spot")
    assert node.portfolio.balances()["USDT"] == venue_balances["USDT"]
    assert node.portfolio.balances()["BTC"] == venue_balances["BTC"]
    assert node.live is not None
    final = node.live.reports[-1]
    assert not final.balance_mismatches, final


def test_a_restarted_node_takes_its_orders_back_and_never_reuses_an_id(
    sim: ExchangeSimulator, tmp_path: Path
) -> None:
    def resting() -> bool:
        return any(o.status == "NEW" for o in sim.orders("spot"))

    first = _live_node(sim, tmp_path / "live.db", 3.0, resting, on_shutdown="leave_orders")
    left_open = {o.client_order_id for o in first.cache.orders_open()}
    assert left_open  # resting orders stay working at the venue
    first_ids = {o.client_order_id for o in first.cache.orders()}

    sent_by_first = len(sim.orders("spot"))

    def more_sent() -> bool:
        return len(sim.orders("spot")) > sent_by_first

    second = _live_node(sim, tmp_path / "live.db", 3.0, more_sent)
    assert set(second.restored.order_ids) == first_ids
    new_ids = {o.client_order_id for o in second.cache.orders()} - first_ids
    assert new_ids
    last_first = max(int(c.rsplit("-", 1)[1]) for c in first_ids)
    assert min(int(c.rsplit("-", 1)[1]) for c in new_ids) == last_first + 1
    # the orders left working were canceled by the strategy or at shutdown: nothing is open
    venue = {ClientOrderId(o.client_order_id): o for o in sim.orders("spot")}
    assert all(venue[c].status != "NEW" for c in left_open)
    for client_order_id, snapshot in venue.items():
        order = second.cache.order(client_order_id)
        assert order is not None and order.status is venue_status(snapshot.status), client_order_id
    venue_balances = sim.wallet("spot")
    assert second.portfolio.balances()["USDT"] == venue_balances["USDT"]
    assert second.portfolio.balances()["BTC"] == venue_balances["BTC"]


def test_live_perpetual_node_built_from_config_matches_positions_and_wallet(
    tmp_path: Path,
) -> None:
    """USD-M through the launcher (markets, exchange feed, keys from the environment)."""
    catalog = sample_catalog()
    bars = catalog.read_bars(SPOT, "1m")
    data = SimMarketData(bars=bars, timeframe="1m")
    sim = ExchangeSimulator(
        instruments=[catalog.instrument(SPOT), perpetual_instrument()],
        market={SPOT: data, PERP_ID: data},
        balances={"usdm": {"USDT": Decimal(10000)}},
        seed=0,
        clock="stepped",
        start_ms=SIM_START_MS,
    )
    sim.start_in_thread()
    try:
        overrides = {**sim.ccxt_config("usdm"), "timeout": 10_000}
        for secret in ("apiKey", "secret"):
            overrides.pop(secret)
        config = ColinConfig.model_validate(
            {
                "database_url": f"sqlite:///{tmp_path / 'node.db'}",
                "trading": {
                    "mode": "live",
                    "market_type": "linear",
                    "strategy": f"{__name__}:ChurnStrategy",
                    "parameters": {"quantity": "0.002"},
                    "instruments": [str(PERP_ID)],
                    "risk": CHURN_RISK,
                    "reconcile": {"interval_s": 1.0, "ack_grace_s": 5.0},
                    "stale_feed": {"enabled": False},
                    "ccxt_overrides": overrides,
                },
            }
        )
        keys = {"COLIN_BINANCE_API_KEY": "test-key", "COLIN_BINANCE_API_SECRET": "test-secret"}

        async def main() -> TradingNode:
            node = await build_trading_node(config, keys)
            await _run_for(node, 6.0, lambda: len(sim.orders("usdm")) >= 20)
            return node

        with SimDriver(sim, speed=120.0):
            node = asyncio.run(main())
        venue_orders = sim.orders("usdm")
        positions = sim.positions()
        wallet = sim.wallet("usdm")
    finally:
        sim.stop_thread()

    venue = {ClientOrderId(o.client_order_id): o for o in venue_orders}
    assert len(venue) >= 20
    for client_order_id, snapshot in venue.items():
        order = node.cache.order(client_order_id)
        assert order is not None and order.status is venue_status(snapshot.status)
        assert order.filled_qty == Decimal(snapshot.executed_qty), client_order_id
    amount = positions.get("BTCUSDT", (Decimal(0), Decimal(0)))[0]
    assert node.portfolio.net_quantity(PERP_ID) == amount
    assert node.portfolio.balances()["USDT"] == wallet["USDT"]
    assert node.live is not None
    final = node.live.reports[-1]
    assert not final.balance_mismatches and not final.position_mismatches, final


class _IdleFeed:
    async def run(self, sink: MarketDataSink) -> None:
        await asyncio.Event().wait()

    def silence_s(self) -> float:
        return 0.0

    async def close(self) -> None:
        return None


def test_a_live_node_that_cannot_reach_the_exchange_does_not_start(tmp_path: Path) -> None:
    dead = "http://127.0.0.1:9"  # discard port: nothing listens
    overrides = {
        "urls": {"api": {"public": f"{dead}/api/v3", "private": f"{dead}/api/v3"}},
        "timeout": 2_000,
    }
    config = TradingNodeConfig.model_validate(
        {
            "mode": "live",
            "risk": {"max_order_notional": 1000, "max_position_notional": 20000},
            "ccxt_overrides": overrides,
        }
    )

    async def main() -> TradingNode:
        exchange = create_exchange("binance", "spot", "k", "s", overrides=overrides)
        node = TradingNode(
            config,
            [sample_catalog().instrument(SPOT)],
            _IdleFeed(),
            create_store(f"sqlite:///{tmp_path / 'node.db'}"),
            exchange=exchange,
        )
        assert await asyncio.wait_for(node.run(install_signal_handlers=False), 60) == 1
        return node

    node = asyncio.run(main())
    assert node.stop_reason == "connection failed"
    assert not node.strategies[0].is_running
