"""The shortcuts of the per-order and per-bar paths give the same answers as the long way."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from colin.core.bus import MessageBus
from colin.core.ids import ClientOrderId, InstrumentId, StrategyId
from colin.core.topics import RISK_EXECUTE, bars_topic
from colin.model.commands import CancelOrder, ModifyOrder
from colin.model.enums import OrderSide, OrderStatus, OrderType
from colin.model.orders import Order
from colin.risk import RiskConfig, TradingWindow
from colin.risk.checks import RestrictedCheck, TradingHoursCheck, validate_order
from colin.risk.config import DrawdownConfig
from colin.risk.drawdown import DrawdownController
from colin.risk.engine import RiskEngine
from colin.risk.ledger import InstrumentOrders, OpenOrderLedger
from colin.risk.spec import MEMO_SIZE, InstrumentSpec

from .harness import BTC, BTC_PERP, ETH, Node, spot

WEEK_NS = 7 * 86_400 * 10**9
OFF = {"check_margin": False, "price_band_pct": None, "self_trade_prevention": False}


class _Clock:
    """Just enough of an order context for the trading-hours check."""

    __slots__ = ("now",)

    def __init__(self, now: int) -> None:
        self.now = now


@settings(max_examples=60)
@given(
    days=st.sets(st.integers(0, 6), min_size=1),
    start=st.integers(0, 1439),
    length=st.integers(1, 1440),
    times=st.lists(st.integers(0, 60 * WEEK_NS), min_size=1, max_size=40),
)
def test_trading_hours_stretch_cache_agrees_with_the_lookup(
    days: set[int], start: int, length: int, times: list[int]
) -> None:
    end = min(start + length, 1440)
    window = TradingWindow(
        days=tuple(sorted(days)),
        start=f"{start // 60:02d}:{start % 60:02d}",
        end="24:00" if end == 1440 else f"{end // 60:02d}:{end % 60:02d}",
    )
    check = TradingHoursCheck((window,))
    reference = TradingHoursCheck((window,))
    # the clock jumps back and forth, and steps to the minute boundaries around each time
    for ts in [t + d for t in times for d in (0, -1, 60 * 10**9 - 1)]:
        verdict = check.check(_Clock(ts))  # type: ignore[arg-type]
        assert (verdict is None) is reference.is_open(ts)


def test_an_always_open_window_is_one_stretch_per_week() -> None:
    check = TradingHoursCheck((TradingWindow(),))
    assert check.check(_Clock(0)) is None  # type: ignore[arg-type]
    assert check.stretch_until_ns - check.stretch_from_ns == WEEK_NS


def _spec(max_quantity: Decimal | None = None) -> InstrumentSpec:
    return InstrumentSpec(spot(BTC, "BTC", max_quantity=max_quantity))


def _order(quantity: object, price: object, order_type: OrderType = OrderType.LIMIT) -> Order:
    return Order(
        client_order_id=ClientOrderId("memo"),
        strategy_id=StrategyId("test"),
        instrument_id=BTC,
        side=OrderSide.BUY,
        order_type=order_type,
        quantity=quantity,  # type: ignore[arg-type]
        price=price,  # type: ignore[arg-type]
    )


VALUES = st.one_of(
    st.decimals(min_value=Decimal("-1"), max_value=Decimal("10"), places=4),
    st.sampled_from(
        [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("0.50"), Decimal("5E-1")]
    ),
    st.floats(0.001, 10.0),
)


@settings(max_examples=150)
@given(pairs=st.lists(st.tuples(VALUES, VALUES), min_size=1, max_size=30))
def test_memoised_validation_gives_the_verdict_of_a_fresh_instrument(
    pairs: list[tuple[object, object]],
) -> None:
    memoised = _spec(Decimal(5))
    for quantity, price in pairs:
        order = _order(quantity, price)
        fresh = validate_order(order, _spec(Decimal(5)), Decimal(3))
        again = validate_order(order, memoised, Decimal(3))
        assert (again is None) is (fresh is None)
        if fresh is not None and again is not None:
            assert (again.code, again.detail) == (fresh.code, fresh.detail)
        if fresh is None:
            assert memoised.quantities[quantity] == float(quantity)  # type: ignore[arg-type,index]
            assert memoised.prices[price] == float(price)  # type: ignore[arg-type,index]


def test_a_float_equal_to_a_remembered_decimal_is_still_refused() -> None:
    spec = _spec()
    assert validate_order(_order(Decimal("0.5"), Decimal(100)), spec, None) is None
    breach = validate_order(_order(0.5, Decimal(100)), spec, None)
    assert breach is not None and "must be a Decimal" in breach.detail
    breach = validate_order(_order(Decimal("0.5"), 100.0), spec, None)
    assert breach is not None and "must be a Decimal" in breach.detail


def test_the_memo_is_bounded() -> None:
    spec = _spec()
    for n in range(1, MEMO_SIZE + 10):
        assert validate_order(_order(Decimal(n) / 1000, Decimal(100)), spec, None) is None
    assert 0 < len(spec.quantities) <= MEMO_SIZE


@given(
    steps=st.lists(
        st.tuples(st.booleans(), st.integers(0, 9), st.integers(1, 50), st.booleans()),
        max_size=60,
    )
)
def test_the_best_resting_prices_follow_every_add_and_remove(
    steps: list[tuple[bool, int, int, bool]],
) -> None:
    totals = InstrumentOrders()
    for add, key, price, buy in steps:
        client_order_id = ClientOrderId(f"o{key}")
        if add:
            totals.remove_limit(client_order_id, buy)
            totals.add_limit(client_order_id, buy, float(price))
        else:
            totals.remove_limit(client_order_id, buy)
        assert totals.highest_buy == max(totals.buy_limits.values(), default=None)
        assert totals.lowest_sell == min(totals.sell_limits.values(), default=None)


def test_self_trade_uses_the_next_best_price_after_the_best_one_goes() -> None:
    node = Node(RiskConfig(check_margin=False))
    best = node.sell(BTC, "0.1", "50100")
    node.sell(BTC, "0.1", "50200")
    node.buy(BTC, "0.1", "50150")
    assert not node.last_decision.approved
    _cancel(node, best)  # the venue's OrderCanceled reaches the ledger through the bus
    node.buy(BTC, "0.1", "50150")
    assert node.last_decision.approved
    node.buy(BTC, "0.1", "50200")
    assert node.last_decision.reasons[0].startswith("self_trade")


def _cancel(node: Node, order: Order) -> None:
    node.bus.send(
        RISK_EXECUTE,
        CancelOrder(
            instrument_id=order.instrument_id,
            strategy_id=order.strategy_id,
            client_order_id=order.client_order_id,
            ts_init=0,
        ),
    )
    assert order.status is OrderStatus.CANCELED


def test_checks_are_planned_per_instrument() -> None:
    node = Node(RiskConfig(restricted=frozenset({"ETH"}), **{**OFF, "check_margin": True}))
    plans = {}
    for instrument_id in (BTC, ETH, BTC_PERP):
        instrument = node.cache.instrument(instrument_id)
        assert instrument is not None
        spec = node.risk.assessor.specs.get(instrument)
        plans[instrument_id] = {type(check.__self__).__name__ for check in spec.adding}  # type: ignore[attr-defined]
    assert "RestrictedCheck" in plans[ETH] and "RestrictedCheck" not in plans[BTC]
    assert "CashCheck" in plans[BTC] and "MarginCheck" not in plans[BTC]
    assert "MarginCheck" in plans[BTC_PERP] and "CashCheck" not in plans[BTC_PERP]
    assert RestrictedCheck(frozenset({"USDT"})).match(node.cache.instrument(BTC)) == "USDT"  # type: ignore[arg-type]


def test_prices_are_followed_only_when_a_limit_reads_the_marks() -> None:
    topic = bars_topic(BTC, "1m")
    quiet = Node(RiskConfig(**OFF))
    assert quiet.risk.exposure.on_price not in quiet.bus.handlers_for(topic)
    marked = Node(RiskConfig(max_gross_exposure=1e6, **OFF))
    assert marked.risk.exposure.on_price in marked.bus.handlers_for(topic)
    marked.venue.fill(marked.buy(BTC, "1", "50000"))
    marked.bar(BTC, 51_000.0)
    assert marked.risk.exposure.gross == 51_000.0


@settings(max_examples=100)
@given(
    moves=st.lists(
        st.tuples(st.integers(0, 3 * 86_400), st.floats(-0.06, 0.06)), min_size=1, max_size=80
    ),
    warning=st.floats(0.01, 0.04),
    stop=st.floats(0.045, 0.2),
)
def test_the_drawdown_floor_never_hides_a_crossing(
    moves: list[tuple[int, float]], warning: float, stop: float
) -> None:
    config = DrawdownConfig(
        daily_warning=warning, daily_stop=stop, weekly_stop=stop * 1.5, peak_warning=warning * 2
    )
    fast, slow = DrawdownController(config), DrawdownController(config)
    ts, equity = 1_600_000_000 * 10**9, 100_000.0
    for seconds, change in moves:
        ts += seconds * 10**9
        equity *= 1.0 + change
        slow._floor = float("inf")  # always take the exact path
        assert fast.update(ts, equity) == slow.update(ts, equity)


def test_an_unknown_instrument_id_never_reaches_the_plan() -> None:
    node = Node(RiskConfig(**OFF))
    node.buy(InstrumentId("XRP/USDT.SIM"), "1", "1")
    assert node.last_decision.reasons[0].startswith("unknown_instrument")


def _ledger_totals(ledger: OpenOrderLedger) -> tuple[object, ...]:
    """The ledger's totals but costs (an approval prices in the limit's distance to the market),
    rounded (sums in another order differ in the last bits)."""
    by_instrument = {
        k: (v.count, round(v.buy_qty, 9), round(v.sell_qty, 9), v.highest_buy, v.lowest_sell)
        for k, v in ledger.by_instrument.items()
        if v.count
    }
    reserved = {k: round(v, 6) for k, v in ledger.reserved.items()}
    return ledger.count, round(ledger.notional, 6), reserved, by_instrument


def test_the_ledger_follows_its_orders_through_their_events() -> None:
    # submitted and accepted leave the ledger as it is; fills and amendments resize an order
    config = RiskConfig(**OFF)
    node = Node(config)
    partly = node.buy(BTC, "0.5", "49000")
    amended = node.sell(ETH, "2", "2100")
    node.buy(BTC_PERP, "0.2")  # a market order, working until told otherwise
    node.venue.fill(partly, Decimal("0.2"))
    node.bus.send(
        RISK_EXECUTE,
        ModifyOrder(
            instrument_id=ETH,
            strategy_id=amended.strategy_id,
            client_order_id=amended.client_order_id,
            quantity=Decimal("1.5"),
            price=Decimal("2150"),
            ts_init=0,
        ),
    )
    assert amended.quantity == Decimal("1.5") and partly.filled_qty == Decimal("0.2")
    # a node restarted on the same cache builds its ledger from the open orders alone
    rebuilt = RiskEngine(MessageBus(), node.clock, node.cache, node.portfolio, config).ledger
    assert _ledger_totals(node.risk.ledger) == _ledger_totals(rebuilt)
