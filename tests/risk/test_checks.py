"""Each pre-trade check denies exactly the orders it should, with its reason."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from colin.core.errors import ConfigError
from colin.core.ids import ClientOrderId, InstrumentId
from colin.core.topics import RISK_EXECUTE
from colin.model.commands import CancelOrder
from colin.model.enums import OrderSide, OrderStatus, OrderType
from colin.risk import RateLimit, RiskConfig, TradingWindow
from colin.risk.checks import TradingHoursCheck

from .harness import BTC, BTC_PERP, ETH, Node, spot

OFF = {"check_margin": False, "price_band_pct": None, "self_trade_prevention": False}


def codes(node: Node) -> list[str]:
    return [reason.split(":")[0] for reason in node.last_decision.reasons]


def denied_with(node: Node, code: str) -> bool:
    decision = node.last_decision
    return not decision.approved and code in codes(node)


def test_unknown_instrument_is_denied_and_the_order_is_marked_denied() -> None:
    node = Node()
    order = node.buy(InstrumentId("DOGE/USDT.SIM"), "1", "0.1")
    assert denied_with(node, "unknown_instrument")
    assert order.status is OrderStatus.DENIED
    assert "unknown instrument" in order.events[-1].reason  # type: ignore[attr-defined]


def test_precision_checks_name_the_field() -> None:
    node = Node(RiskConfig(**OFF))
    node.buy(BTC, "0.0005", "50000")
    assert denied_with(node, "quantity_precision")
    node.buy(BTC, "0.001", "50000.005")
    assert denied_with(node, "price_precision")
    node.buy(BTC, "0.001", "50000.01")
    assert node.last_decision.approved


def test_min_and_max_quantity_from_instrument_and_config() -> None:
    instrument = spot(BTC, "BTC", min_quantity=Decimal("0.01"), max_quantity=Decimal(5))
    node = Node(
        RiskConfig(max_order_quantity=2.0, **OFF), instruments=(instrument,), prices={BTC: 100.0}
    )
    node.buy(BTC, "0.009", "100")
    assert denied_with(node, "min_quantity")
    node.buy(BTC, "6", "100")
    assert denied_with(node, "max_quantity")
    node.buy(BTC, "3", "100")
    assert denied_with(node, "max_quantity")
    assert "configured maximum" in node.last_decision.reason
    node.buy(BTC, "2", "100")
    assert node.last_decision.approved


def test_min_and_max_notional() -> None:
    instrument = spot(BTC, "BTC", min_notional=Decimal(10))
    node = Node(
        RiskConfig(max_order_notional=1_000.0, **OFF),
        instruments=(instrument,),
        prices={BTC: 100.0},
    )
    node.buy(BTC, "0.05", "100")  # 5 USDT
    assert denied_with(node, "min_notional")
    node.buy(BTC, "10.001", "100")  # 1000.1 USDT
    assert denied_with(node, "max_notional")
    node.buy(BTC, "10", "100")
    assert node.last_decision.approved


def test_fat_finger_band_around_last_price() -> None:
    node = Node(RiskConfig(price_band_pct=0.05, check_margin=False))
    node.buy(BTC, "0.01", "52600")  # +5.2%
    assert denied_with(node, "price_band")
    node.sell(BTC, "0.01", "47400")  # -5.2%
    assert denied_with(node, "price_band")
    node.buy(BTC, "0.01", "52400")
    assert node.last_decision.approved
    stop = node.order(
        BTC, OrderSide.BUY, "0.01", order_type=OrderType.STOP_MARKET, trigger_price="60000"
    )
    node.submit(stop)
    assert denied_with(node, "price_band")
    assert "trigger_price" in node.last_decision.reason


def test_market_order_without_any_price_is_denied() -> None:
    node = Node(RiskConfig(**OFF), prices={BTC: 50_000.0})
    node.buy(ETH, "1")
    assert denied_with(node, "no_reference_price")


def test_position_limit_notional_and_share_of_equity() -> None:
    node = Node(RiskConfig(max_position_notional=10_000.0, **OFF))
    first = node.buy(BTC, "0.1", "50000")  # 5000
    node.venue.fill(first)
    node.buy(BTC, "0.05", "50000")  # working: position could reach 7500
    assert node.last_decision.approved
    node.buy(BTC, "0.06", "50000")  # 5000 + 2500 + 3000 > 10000
    assert denied_with(node, "max_position_notional")
    node.sell(BTC, "0.1")  # reducing always passes
    assert node.last_decision.approved

    pct = Node(RiskConfig(max_position_pct_equity=0.10, **OFF))
    pct.buy(BTC, "0.2", "50000")  # 10% of 100k plus fees
    assert denied_with(pct, "max_position_pct_equity")
    pct.buy(BTC, "0.19", "50000")
    assert pct.last_decision.approved


def test_gross_net_exposure_and_leverage() -> None:
    gross = Node(RiskConfig(max_gross_exposure=20_000.0, **OFF))
    gross.buy(BTC, "0.3", "50000")
    gross.buy(ETH, "3", "2000")  # 15000 + 6000
    assert denied_with(gross, "max_gross_exposure")
    gross.buy(ETH, "2.5", "2000")
    assert gross.last_decision.approved

    net = Node(RiskConfig(max_net_exposure=10_000.0, **OFF))
    net.buy(BTC_PERP, "0.3", "50000")  # +15000
    assert denied_with(net, "max_net_exposure")
    net.venue.fill(net.buy(BTC_PERP, "0.18", "50000"))  # +9000
    net.sell(ETH, "10", "2000")  # 9000 - 20000 = -11000
    assert denied_with(net, "max_net_exposure")
    net.sell(ETH, "5", "2000")  # -1000 at worst
    assert net.last_decision.approved
    net.buy(ETH, "1", "2000")  # 9000 + 2000 > 10000 long
    assert denied_with(net, "max_net_exposure")

    lev = Node(RiskConfig(max_leverage=2.0, **OFF))
    lev.buy(BTC_PERP, "4", "50000")  # 200k / 100k equity (less fees)
    assert denied_with(lev, "max_leverage")
    lev.buy(BTC_PERP, "3.9", "50000")
    assert lev.last_decision.approved


def test_open_order_counts_per_symbol_and_total() -> None:
    node = Node(RiskConfig(max_open_orders_per_symbol=2, max_open_orders_total=3, **OFF))
    node.buy(BTC, "0.01", "49000")
    node.buy(BTC, "0.01", "48000")
    node.buy(BTC, "0.01", "47000")
    assert denied_with(node, "max_open_orders_per_symbol")
    node.buy(ETH, "0.1", "1900")
    assert node.last_decision.approved
    node.buy(ETH, "0.1", "1800")
    assert denied_with(node, "max_open_orders_total")
    first = node.cache.order(ClientOrderId("o-1"))
    assert first is not None
    cancel = CancelOrder(
        instrument_id=BTC,
        strategy_id=first.strategy_id,
        client_order_id=first.client_order_id,
        ts_init=0,
    )
    node.bus.send(RISK_EXECUTE, cancel)
    assert first.status is OrderStatus.CANCELED
    node.buy(ETH, "0.1", "1800")
    assert node.last_decision.approved


def test_submit_throttle_is_a_sliding_window() -> None:
    node = Node(RiskConfig(submit_rate=RateLimit(count=2, interval_s=1.0), **OFF))
    node.buy(BTC, "0.01", "49000")
    node.buy(BTC, "0.01", "49000")
    node.buy(BTC, "0.01", "49000")
    assert denied_with(node, "submit_rate")
    node.advance(1.0)
    node.buy(BTC, "0.01", "49000")
    assert node.last_decision.approved


def test_duplicate_client_order_id_is_denied_without_touching_the_original() -> None:
    node = Node(RiskConfig(**OFF))
    order = node.buy(BTC, "0.01", "49000")
    assert order.status is OrderStatus.ACCEPTED
    node.submit(order)  # the same order again
    assert denied_with(node, "duplicate_client_order_id")
    assert order.status is OrderStatus.ACCEPTED
    assert len(node.venue.submitted) == 1


def test_reduce_only_must_reduce_and_never_flip() -> None:
    node = Node(RiskConfig(**OFF))
    node.submit(node.order(BTC, OrderSide.SELL, "0.1", reduce_only=True))
    assert denied_with(node, "reduce_only")
    node.venue.fill(node.buy(BTC, "0.1", "50000"))
    node.submit(node.order(BTC, OrderSide.SELL, "0.2", reduce_only=True))
    assert denied_with(node, "reduce_only")
    node.submit(node.order(BTC, OrderSide.BUY, "0.05", reduce_only=True))
    assert denied_with(node, "reduce_only")
    node.submit(node.order(BTC, OrderSide.SELL, "0.1", "51000", reduce_only=True))
    assert node.last_decision.approved
    node.submit(
        node.order(BTC, OrderSide.SELL, "0.01", reduce_only=True)
    )  # would flip with the working one
    assert denied_with(node, "reduce_only")


def test_self_trade_prevention() -> None:
    node = Node(RiskConfig(check_margin=False))
    node.sell(BTC, "0.1", "50100")
    node.buy(BTC, "0.1", "50100")
    assert denied_with(node, "self_trade")
    node.buy(BTC, "0.1")  # market buy crosses the resting sell too
    assert denied_with(node, "self_trade")
    node.buy(BTC, "0.1", "50099.99")
    assert node.last_decision.approved


def test_restricted_symbols_and_assets() -> None:
    node = Node(RiskConfig(restricted=frozenset({"ETH"}), **OFF))
    node.buy(ETH, "1", "2000")
    assert denied_with(node, "restricted")
    node.buy(BTC, "0.01", "50000")
    assert node.last_decision.approved


def test_trading_hours_in_utc() -> None:
    # START_NS is Sunday 2020-09-13 12:26:40 UTC
    weekdays = (TradingWindow(days=(0, 1, 2, 3, 4), start="08:00", end="20:00"),)
    node = Node(RiskConfig(trading_hours=weekdays, **OFF))
    node.buy(BTC, "0.01", "50000")
    assert denied_with(node, "trading_hours")
    node.advance(24 * 3600)  # Monday 12:26
    node.buy(BTC, "0.01", "50000")
    assert node.last_decision.approved
    node.advance(8 * 3600)  # Monday 20:26
    node.buy(BTC, "0.01", "50000")
    assert denied_with(node, "trading_hours")


def test_stale_market_data() -> None:
    node = Node(RiskConfig(max_data_age_s=120.0, **OFF))
    node.buy(BTC, "0.01", "50000")
    assert node.last_decision.approved
    node.advance(121)
    node.buy(BTC, "0.01", "50000")
    assert denied_with(node, "stale_data")
    node.bar(BTC, 50_000.0)
    node.buy(BTC, "0.01", "50000")
    assert node.last_decision.approved


def test_cash_sufficiency_counts_working_orders() -> None:
    node = Node(RiskConfig(price_band_pct=None), balances={"USDT": Decimal(10_000)})
    node.buy(BTC, "0.1", "50000")  # 5005 with fees
    assert node.last_decision.approved
    node.buy(BTC, "0.1", "50000")  # another 5005 > 4995 left
    assert denied_with(node, "insufficient_balance")
    node.buy(BTC, "0.09", "50000")
    assert node.last_decision.approved
    node.sell(ETH, "1", "2000")  # no ETH to sell on spot
    assert denied_with(node, "insufficient_balance")


def test_perpetual_margin_uses_leverage() -> None:
    node = Node(
        RiskConfig(perp_leverage=5.0, price_band_pct=None), balances={"USDT": Decimal(10_000)}
    )
    node.buy(BTC_PERP, "1.1", "50000")  # 55000 / 5 = 11000 > 10000
    assert denied_with(node, "insufficient_margin")
    node.buy(BTC_PERP, "0.9", "50000")
    assert node.last_decision.approved


def test_instrument_halt_by_operator() -> None:
    node = Node(RiskConfig(**OFF))
    node.risk.set_instrument_tradable(BTC, False, "venue maintenance")
    node.buy(BTC, "0.01", "50000")
    assert denied_with(node, "not_tradable")
    assert "venue maintenance" in node.last_decision.reason
    node.risk.set_instrument_tradable(BTC, True)
    node.buy(BTC, "0.01", "50000")
    assert node.last_decision.approved


def test_denial_lists_every_broken_limit() -> None:
    node = Node(
        RiskConfig(max_position_notional=1_000.0, max_gross_exposure=1_000.0, price_band_pct=None)
    )
    node.buy(BTC, "3", "50000")
    assert {"max_position_notional", "max_gross_exposure", "insufficient_balance"} <= set(
        codes(node)
    )
    assert node.last_decision.risk_score == 100.0


def test_resize_to_limits_shrinks_the_order_and_records_it() -> None:
    node = Node(RiskConfig(max_position_notional=10_000.0, resize_to_limits=True, **OFF))
    order = node.buy(BTC, "0.5", "50000")
    decision = node.last_decision
    assert decision.approved
    assert order.quantity == Decimal("0.2")
    assert decision.modifications[0].field == "quantity"
    assert decision.modifications[0].original == "0.5"
    assert node.venue.submitted[-1].order.quantity == Decimal("0.2")


@pytest.mark.parametrize("share", [0.85, 0.95])
def test_near_limit_orders_carry_a_warning(share: float) -> None:
    node = Node(RiskConfig(max_gross_exposure=10_000.0, **OFF))
    node.buy(BTC, str(round(share * 10_000 / 50_000, 3)), "50000")
    decision = node.last_decision
    assert decision.approved
    assert any("gross exposure" in w for w in decision.warnings)
    assert decision.risk_score >= 80.0


@given(
    ts=st.integers(min_value=0, max_value=4_102_444_800 * 10**9),
    days=st.sets(st.integers(0, 6), min_size=1),
    start=st.integers(0, 1439),
    length=st.integers(1, 1440),
)
def test_trading_hours_lookup_agrees_with_calendar_arithmetic(
    ts: int, days: set[int], start: int, length: int
) -> None:
    end = min(start + length, 1440)
    window = TradingWindow(
        days=tuple(sorted(days)),
        start=f"{start // 60:02d}:{start % 60:02d}",
        end="24:00" if end == 1440 else f"{end // 60:02d}:{end % 60:02d}",
    )
    moment = datetime.fromtimestamp(ts // 10**9, tz=UTC)
    minute = moment.hour * 60 + moment.minute
    expected = moment.weekday() in days and start <= minute < end
    assert TradingHoursCheck((window,)).is_open(ts) is expected


def test_a_resized_order_that_is_then_throttled_keeps_its_quantity() -> None:
    node = Node(
        RiskConfig(
            max_position_notional=10_000.0,
            resize_to_limits=True,
            submit_rate=RateLimit(count=1, interval_s=60),
            **OFF,
        )
    )
    node.buy(ETH, "1", "2000")
    order = node.buy(BTC, "0.5", "50000")
    assert denied_with(node, "submit_rate")
    assert order.quantity == Decimal("0.5")
    assert order.status is OrderStatus.DENIED


def test_var_limit_uses_the_incremental_var_of_the_order() -> None:
    node = Node(RiskConfig(max_var=6_000.0, var_level=0.99, resize_to_limits=False, **OFF))
    cov = [[0.04**2, 0.8 * 0.04 * 0.05], [0.8 * 0.04 * 0.05, 0.05**2]]
    node.risk.set_covariance([BTC_PERP, ETH], cov)
    node.venue.fill(node.buy(BTC_PERP, "1", "50000"))  # +50,000 of BTC
    var_check = node.risk.assessor.var_limit
    assert var_check is not None
    assert var_check.var == pytest.approx(2.3263479 * 0.04 * 50_000, rel=1e-6)
    node.buy(BTC_PERP, "0.3", "50000")  # VaR to 2.326 * 0.04 * 65,000 = 6,048
    assert denied_with(node, "var_limit")
    node.sell(ETH, "5", "2000")  # a hedge lowers VaR
    assert node.last_decision.approved
    node.buy(BTC, "0.01", "50000")
    assert denied_with(node, "var_limit")
    assert "no return covariance" in node.last_decision.reason
    with pytest.raises(ValueError, match="positive semi-definite"):
        node.risk.set_covariance([BTC_PERP, ETH], [[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ConfigError, match="max_var"):
        Node(RiskConfig()).risk.set_covariance([BTC], [[1.0]])


def test_var_limit_resizes_to_the_largest_order_within_the_limit() -> None:
    node = Node(RiskConfig(max_var=6_000.0, resize_to_limits=True, **OFF))
    node.risk.set_covariance([BTC_PERP], [[0.04**2]])
    node.venue.fill(node.buy(BTC_PERP, "1", "50000"))
    order = node.buy(BTC_PERP, "0.3", "50000")
    assert node.last_decision.approved
    assert order.quantity == Decimal("0.289")  # (6000 / 2.3263 / 0.04 - 50000) / 50000 = 0.2897
