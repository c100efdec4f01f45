"""The JSON result round-trips losslessly and bad documents get clear errors."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from colin.backtest.result import BacktestResult
from colin.backtest.serialization import (
    read_result_json,
    result_from_json,
    result_to_json,
    write_result_json,
)
from colin.core.errors import DataError
from colin.core.ids import ClientOrderId, VenueOrderId
from colin.model.enums import OrderSide, OrderStatus, OrderType
from colin.model.events import (
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderPendingCancel,
    OrderPendingUpdate,
    OrderSubmitted,
    OrderUpdated,
)
from colin.model.orders import Order

from .builders import BTC, STRATEGY, daily_result, day, fill


def _order_with_history() -> Order:
    order_id = ClientOrderId("O-limit-1")
    common = {"client_order_id": order_id, "instrument_id": BTC, "strategy_id": STRATEGY}
    order = Order(
        client_order_id=order_id,
        strategy_id=STRATEGY,
        instrument_id=BTC,
        side=OrderSide.BUY,
        order_type=OrderType.LIMIT,
        quantity=Decimal("2"),
        price=Decimal("100.5"),
        ts_init=day(1),
        tags=("entry",),
    )
    order.apply(OrderSubmitted(**common, ts_event=day(1), ts_init=day(1)))
    order.apply(
        OrderAccepted(**common, ts_event=day(1), ts_init=day(1), venue_order_id=VenueOrderId("V1"))
    )
    order.apply(OrderPendingUpdate(**common, ts_event=day(2), ts_init=day(2)))
    order.apply(
        OrderUpdated(
            **common,
            ts_event=day(2),
            ts_init=day(2),
            quantity=Decimal("3"),
            price=Decimal("99.25"),
            trigger_price=None,
        )
    )
    order.apply(fill("BUY", "1.5", "99.25", day(3), fee="0.148875", order_id=order_id))
    order.apply(OrderPendingCancel(**common, ts_event=day(4), ts_init=day(4)))
    order.apply(OrderCanceled(**common, ts_event=day(4), ts_init=day(4)))
    return order


def _full_result() -> BacktestResult:
    order = _order_with_history()
    fills = [event for event in order.events if type(event).__name__ == "OrderFilled"]
    denied = OrderDenied(
        client_order_id=ClientOrderId("O-denied"),
        instrument_id=BTC,
        strategy_id=STRATEGY,
        ts_event=day(2),
        ts_init=day(2),
        reason="max notional exceeded",
    )
    result = daily_result(
        [100.0, 100.125, 99.875, 101.0],
        starting_equity=100.0,
        fills=fills,
        denied=[denied],
        prices={BTC: {"ts": np.array([day(1), day(2)]), "close": np.array([0.1, 1e300])}},
        risk_events=[{"ts": day(2), "kind": "breaker", "detail": {"drawdown": 0.1}}],
        config={"strategy": "sma", "fees": {"taker": Decimal("0.001")}, "latency_ns": 5},
        started_at_ns=1,
        finished_at_ns=2,
        events_processed=4,
    )
    result.orders = [order]
    result.metrics = {"sharpe": float("nan"), "profit_factor": float("inf"), "trade_count": 3}
    return result


def _assert_same_order(left: Order, right: Order) -> None:
    for name in Order.__slots__:
        if name != "_status_before_pending":
            assert getattr(left, name) == getattr(right, name), name


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    original = _full_result()
    path = write_result_json(original, tmp_path / "nested" / "result.json")
    loaded = read_result_json(path)
    assert loaded.fills == original.fills
    assert loaded.denied == original.denied
    assert isinstance(loaded.fills[0].last_px, Decimal)
    _assert_same_order(loaded.orders[0], original.orders[0])
    assert loaded.orders[0].status is OrderStatus.CANCELED
    assert loaded.orders[0].quantity == Decimal("3")
    np.testing.assert_array_equal(loaded.equity_ts, original.equity_ts)
    np.testing.assert_array_equal(loaded.equity, original.equity)
    assert loaded.equity_ts.dtype == np.int64 and loaded.equity.dtype == np.float64
    np.testing.assert_array_equal(loaded.prices[BTC]["close"], original.prices[BTC]["close"])
    assert math.isnan(loaded.metrics["sharpe"])
    assert loaded.metrics["profit_factor"] == math.inf
    assert loaded.metrics["trade_count"] == 3
    assert loaded.config == {"strategy": "sma", "fees": {"taker": "0.001"}, "latency_ns": 5}
    assert loaded.risk_events == original.risk_events
    for name in ("run_id", "base_currency", "starting_equity", "started_at_ns", "events_processed"):
        assert getattr(loaded, name) == getattr(original, name)


def test_document_is_plain_json() -> None:
    text = json.dumps(result_to_json(_full_result()), allow_nan=False)
    assert '"format": "colin.backtest-result"' in text


def test_wrong_format_is_refused() -> None:
    with pytest.raises(DataError, match=r"not a colin\.backtest-result version 1"):
        result_from_json({"format": "other", "version": 1})


def test_missing_field_is_named() -> None:
    document = result_to_json(_full_result())
    del document["equity"]
    with pytest.raises(DataError, match="missing field 'equity'"):
        result_from_json(document)


def test_bad_decimal_names_the_fill_and_field() -> None:
    document = result_to_json(_full_result())
    document["fills"][0]["last_px"] = "twelve"
    with pytest.raises(DataError, match=r"fills\[0\]\.last_px"):
        result_from_json(document)


def test_event_of_the_wrong_type_is_refused() -> None:
    document = result_to_json(_full_result())
    document["fills"][0]["type"] = "OrderCanceled"
    with pytest.raises(DataError, match=r"fills\[0\]: expected a OrderFilled event"):
        result_from_json(document)


def test_invalid_json_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match=r"broken\.json: not valid JSON"):
        read_result_json(path)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["BUY", "SELL"]),
            st.decimals(min_value="0.00000001", max_value="1000000", places=8),
            st.decimals(min_value="0.01", max_value="100000", places=2),
            st.decimals(min_value="0", max_value="100", places=10),
        ),
        max_size=10,
    ),
    st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=2, max_size=10),
)
def test_fills_and_equity_survive_exactly(
    raw: list[tuple[str, Decimal, Decimal, Decimal]], equity: list[float]
) -> None:
    fills = [fill(side, qty, px, day(i), fee=fee) for i, (side, qty, px, fee) in enumerate(raw)]
    original = daily_result(equity, fills=fills)
    loaded = result_from_json(json.loads(json.dumps(result_to_json(original))))
    assert loaded.fills == fills
    assert [f.last_qty.as_tuple() for f in loaded.fills] == [f.last_qty.as_tuple() for f in fills]
    np.testing.assert_array_equal(loaded.equity, original.equity)


def test_corrupt_array_names_the_field() -> None:
    document = result_to_json(_full_result())
    document["equity"]["zlib_base64"] = "bm90IHpsaWI="  # base64 of "not zlib"
    with pytest.raises(DataError, match=r"equity: invalid array data"):
        result_from_json(document)


def test_regular_timestamps_take_almost_no_space() -> None:
    result = daily_result(np.ones(100_000))
    assert len(result_to_json(result)["equity_ts"]["zlib_base64"]) < 10_000  # raw: ~1 MB
