"""Avellaneda–Stoikov market maker on the bundled real Binance BTC/USDT L2 capture."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from colin.backtest.engine import BacktestEngine
from colin.core.ids import InstrumentId
from colin.model import OrderBook
from colin.model.events import OrderDenied, OrderEvent, OrderFilled
from colin.model.orders import Order
from colin.persistence.catalog import iter_book_events, iter_trades, sample_catalog
from colin.strategy.builtin.market_making import AvellanedaStoikov, AvellanedaStoikovParams

IID = "BTC/USDT.BINANCE"
MAX_INVENTORY = Decimal("0.002")


class RecordingMaker(AvellanedaStoikov):
    """Records the state behind every quote decision and the position after every fill."""

    def on_start(self) -> None:
        super().on_start()
        self.priced: list[tuple[float, Decimal, float, float]] = []
        self.positions_after_fill: list[Decimal] = []
        self.commands: list[object] = []
        self.submitted_at: list[tuple[Order, Decimal]] = []
        self.denied: list[OrderDenied] = []

    def submit_order(self, order: Order) -> None:
        self.commands.append(order)
        self.submitted_at.append((order, self.portfolio.net_quantity(self._iid)))
        super().submit_order(order)

    def modify_order(
        self,
        order: Order,
        quantity: object = None,
        price: object = None,
        trigger_price: object = None,
    ) -> None:
        self.commands.append(("modify", order.client_order_id, price))
        super().modify_order(order, price=price)  # type: ignore[arg-type]

    def on_order_book(self, book: OrderBook) -> None:
        before = self._quoted_ns
        super().on_order_book(book)
        if self._quoted_ns != before:
            position = self.portfolio.net_quantity(self._iid)
            self.priced.append((self._quoted_mid, position, self.reservation_price, self.spread))

    def on_order_event(self, event: OrderEvent) -> None:
        if isinstance(event, OrderDenied):
            self.denied.append(event)
        if isinstance(event, OrderFilled):
            self.positions_after_fill.append(self.portfolio.net_quantity(self._iid))


def _run(balances: dict[str, Decimal]) -> tuple[RecordingMaker, BacktestEngine]:
    catalog = sample_catalog()
    engine = BacktestEngine(balances)
    engine.add_instrument(catalog.instrument(IID))
    engine.add_book_events(IID, iter_book_events(catalog.read_book(IID)))
    engine.add_trades(IID, iter_trades(catalog.read_trades(IID), IID))
    strategy = RecordingMaker(
        {
            "instrument_id": IID,
            "order_size": "0.001",
            "max_inventory": str(MAX_INVENTORY),
            "gamma": 0.1,
            "arrival_decay": 1.5,
            "horizon_s": 10,
        }
    )
    engine.add_strategy(strategy)
    engine.run()
    return strategy, engine


@pytest.fixture(scope="module")
def run() -> tuple[RecordingMaker, BacktestEngine, list[object]]:
    strategy, engine = _run({"USDT": Decimal(100_000), "BTC": Decimal(1)})
    return strategy, engine, strategy.commands


def test_every_quote_is_post_only_and_both_sides_are_quoted(run) -> None:  # type: ignore[no-untyped-def]
    _, _, commands = run
    submits = [c for c in commands if isinstance(c, Order)]
    assert submits, "the maker never quoted"
    assert all(c.post_only and c.price is not None for c in submits)
    assert {c.side.value for c in submits} == {"BUY", "SELL"}


def test_inventory_never_exceeds_the_limit_after_any_fill(run) -> None:  # type: ignore[no-untyped-def]
    strategy, _, _ = run
    assert len(strategy.positions_after_fill) >= 5, "the capture should fill several quotes"
    assert all(abs(q) <= MAX_INVENTORY for q in strategy.positions_after_fill)
    assert max(abs(q) for q in strategy.positions_after_fill) == MAX_INVENTORY, (
        "the run should reach the limit, otherwise the limit was not exercised"
    )


def test_quotes_are_skewed_against_inventory(run) -> None:  # type: ignore[no-untyped-def]
    strategy, _, _ = run
    long = [(m, r) for m, q, r, _ in strategy.priced if q > 0]
    short = [(m, r) for m, q, r, _ in strategy.priced if q < 0]
    flat = [(m, r) for m, q, r, _ in strategy.priced if q == 0]
    assert long and flat
    assert all(r < m for m, r in long), "long inventory must put the reservation price below mid"
    assert all(r > m for m, r in short)
    assert all(r == m for m, r in flat)


def test_a_new_quote_never_leaves_room_to_exceed_the_limit(run) -> None:  # type: ignore[no-untyped-def]
    strategy, engine, _ = run
    for order, position in strategy.submitted_at:
        if order.side.value == "BUY":
            assert position + order.quantity <= MAX_INVENTORY
        else:
            assert position - order.quantity >= -MAX_INVENTORY
    at_limit = [q for _, q, _, _ in strategy.priced if abs(q) == MAX_INVENTORY]
    assert at_limit, "the run should price quotes while at the limit"
    iid = InstrumentId(IID)
    position = engine.portfolio.net_quantity(iid)
    bids = sum((o.leaves_qty for o in engine.cache.orders_open(iid) if o.is_buy), Decimal(0))
    asks = sum((o.leaves_qty for o in engine.cache.orders_open(iid) if not o.is_buy), Decimal(0))
    assert position + bids <= MAX_INVENTORY and position - asks >= -MAX_INVENTORY


def test_quotes_refresh_with_modify(run) -> None:  # type: ignore[no-untyped-def]
    strategy, _, commands = run
    modifies = [c for c in commands if isinstance(c, tuple)]
    assert len(modifies) > 10
    assert len(strategy.priced) > 10


def test_reservation_price_formula() -> None:
    strategy = AvellanedaStoikov({"instrument_id": IID, "gamma": 0.5, "arrival_decay": 2.0})
    strategy.variance_rate = 4.0
    bid, ask = strategy.quotes(100.0, 2.0)
    risk = 0.5 * 4.0 * 10.0
    assert strategy.reservation_price == pytest.approx(100.0 - 2.0 * risk)
    assert ask - bid == pytest.approx(risk + 2.0 / 0.5 * 0.22314355131420976)


def test_parameters_are_validated() -> None:
    with pytest.raises(ValidationError, match="gamma"):
        AvellanedaStoikovParams(instrument_id=IID, gamma=0)


def test_spot_without_the_base_asset_quotes_only_what_it_holds(run) -> None:  # type: ignore[no-untyped-def]
    funded, _, _ = run
    assert funded.denied == []
    strategy, _ = _run({"USDT": Decimal(100_000)})
    assert strategy.denied == [], "a side the account cannot fund must not be sent"
    sells = [(o, q) for o, q in strategy.submitted_at if not o.is_buy]
    assert sells, "once it has bought, the maker can quote asks"
    assert all(o.quantity <= q for o, q in sells), "an ask never sells more BTC than held"
    assert all(q >= 0 for q in strategy.positions_after_fill)
