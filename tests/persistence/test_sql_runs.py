"""The run store: a backtest result goes in and comes back whole."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import func, select

from colin.backtest.result import BacktestResult
from colin.core.errors import DataError, NotFoundError
from colin.core.ids import VenueOrderId
from colin.model import OrderAccepted, OrderDenied, OrderSide, OrderSubmitted, OrderType
from colin.model.orders import Order
from colin.persistence.codec import encode, encode_order_state
from colin.persistence.sql import RunRepository, SqlStore
from colin.persistence.sql.models import RunFillRow, RunOrderRow, RunPositionRow, RunPriceRow
from colin.testkit.factories import (
    BTCUSDT,
    BTCUSDT_PERP,
    btcusdt_perp,
    event_for,
    fill_for,
    make_order,
)

T0 = 1_704_067_200_000_000_000  # 2024-01-01 UTC
MINUTE = 60_000_000_000


def _filled(order: Order, *fills: tuple[str, str, str]) -> Order:
    order.apply(event_for(order, OrderSubmitted, T0))
    order.apply(event_for(order, OrderAccepted, T0 + 1, venue_order_id=VenueOrderId("V")))
    for i, (qty, px, fee) in enumerate(fills):
        order.apply(
            fill_for(
                order,
                qty,
                px,
                commission=fee,
                trade_id=f"{order.client_order_id}-{i}",
                ts=T0 + (i + 2) * MINUTE,
            )
        )
    return order


def _result(run_id: str = "run-1", points: int = 1_000) -> BacktestResult:
    buy = _filled(
        make_order(
            OrderSide.BUY,
            "0.003",
            OrderType.LIMIT,
            "42000.1",
            instrument_id=BTCUSDT_PERP,
            client_order_id="B-1",
        ),
        ("0.001", "42000.1", "0.0084"),
        ("0.002", "42000.0", "0.0168"),
    )
    sell = _filled(
        make_order(
            OrderSide.SELL,
            "0.005",
            OrderType.MARKET,
            None,
            instrument_id=BTCUSDT_PERP,
            client_order_id="S-1",
        ),
        ("0.005", "42100.5", "0.1052"),
    )
    spot = _filled(
        make_order(
            OrderSide.BUY,
            "0.01000",
            OrderType.MARKET,
            None,
            instrument_id=BTCUSDT,
            client_order_id="B-2",
        ),
        ("0.01000", "42010.00", "0.00001"),
    )
    denied_order = make_order(client_order_id="D-1")
    denied = event_for(denied_order, OrderDenied, T0, reason="max notional 1000 exceeded")
    denied_order.apply(denied)
    orders = [buy, sell, spot, denied_order]
    fills = [
        event for order in orders for event in order.events if type(event).__name__ == "OrderFilled"
    ]
    ts = T0 + np.arange(points, dtype=np.int64) * MINUTE
    equity = 10_000.0 + np.cumsum(np.sin(np.arange(points) / 7.0))
    return BacktestResult(
        run_id=run_id,
        config={
            "strategy": "sma_cross",
            "instruments": [BTCUSDT_PERP, BTCUSDT],
            "params": {"fast": 10, "slow": 30},
            "fees": Decimal("0.0005"),
            "timeframe": "1m",
        },
        base_currency="USDT",
        starting_equity=10_000.0,
        equity_ts=ts,
        equity=equity,
        fills=fills,  # type: ignore[arg-type]
        orders=orders,
        denied=[denied],  # type: ignore[list-item]
        prices={BTCUSDT_PERP: {"ts": ts[::10], "close": 42_000.0 + np.arange(len(ts[::10]))}},
        risk_events=[{"ts": T0, "kind": "breaker", "detail": {"drawdown": 0.081}}],
        metrics={
            "total_return": 0.0123,
            "sharpe": 1.5,
            "max_drawdown": 0.042,
            "trade_count": 1,
            "profit_factor": math.inf,
            "sortino": math.nan,
        },
        started_at_ns=T0 + 5,
        finished_at_ns=T0 + 9,
        events_processed=points,
    )


def test_a_saved_run_comes_back_whole(store: SqlStore) -> None:
    runs = RunRepository(store)
    result = _result()
    runs.save(result, instruments={BTCUSDT_PERP: btcusdt_perp()}, created_at_ns=T0 + 10)
    stored = runs.get("run-1")
    rebuilt = BacktestResult(**stored.result_fields())
    assert rebuilt.equity_ts.dtype == np.int64 and rebuilt.equity.dtype == np.float64
    np.testing.assert_array_equal(rebuilt.equity_ts, result.equity_ts)
    np.testing.assert_array_equal(rebuilt.equity, result.equity)  # bit-exact, not approx
    assert [encode(f) for f in rebuilt.fills] == [encode(f) for f in result.fills]
    assert [encode_order_state(o) for o in rebuilt.orders] == [
        encode_order_state(o) for o in result.orders
    ]
    assert [encode(d) for d in rebuilt.denied] == [encode(d) for d in result.denied]
    np.testing.assert_array_equal(
        rebuilt.prices[BTCUSDT_PERP]["close"], result.prices[BTCUSDT_PERP]["close"]
    )
    assert rebuilt.config["fees"] == "0.0005"
    assert rebuilt.config["params"] == {"fast": 10, "slow": 30}
    assert rebuilt.risk_events == result.risk_events
    assert rebuilt.metrics["profit_factor"] == math.inf and math.isnan(rebuilt.metrics["sortino"])
    assert rebuilt.metrics["sharpe"] == 1.5
    assert (rebuilt.started_at_ns, rebuilt.finished_at_ns, rebuilt.events_processed) == (
        T0 + 5,
        T0 + 9,
        1_000,
    )
    assert (stored.strategy, stored.symbols) == ("sma_cross", (BTCUSDT_PERP, BTCUSDT))


def test_final_positions_are_netted_from_the_fills(store: SqlStore) -> None:
    runs = RunRepository(store)
    runs.save(_result(), instruments={BTCUSDT_PERP: btcusdt_perp()})
    positions = {p.instrument_id: p for p in runs.get("run-1").positions}
    perp = positions[BTCUSDT_PERP]
    # long 0.003 @ (0.001*42000.1 + 0.002*42000.0)/0.003, then sell 0.005 @ 42100.5 → short 0.002
    entry = (
        (Decimal("0.001") * Decimal("42000.1") + Decimal("0.002") * Decimal("42000.0")) / 3 * 1000
    )
    assert perp.quantity == Decimal("-0.002")
    assert perp.avg_entry_price == Decimal("42100.5")
    assert perp.realized_pnl == Decimal("0.003") * (Decimal("42100.5") - entry)
    assert perp.commissions == Decimal("0.1304")
    assert perp.trade_count == 3
    spot = positions[BTCUSDT]  # no instrument given: realised PnL unknown, not guessed
    assert (spot.quantity, spot.avg_entry_price, spot.realized_pnl) == (
        Decimal("0.01000"),
        Decimal("42010.00"),
        None,
    )


def test_list_returns_summaries_newest_first(store: SqlStore) -> None:
    runs = RunRepository(store)
    for i in range(3):
        runs.save(_result(f"run-{i}", points=10), created_at_ns=T0 + i)
    summaries = runs.list(limit=2)
    assert [s.run_id for s in summaries] == ["run-2", "run-1"]
    top = summaries[0]
    assert (top.strategy, top.symbols, top.fill_count, top.trade_count) == (
        "sma_cross",
        (BTCUSDT_PERP, BTCUSDT),
        4,
        1,
    )
    assert (top.start_ns, top.end_ns) == (T0, T0 + 9 * MINUTE)
    assert (top.total_return, top.sharpe, top.max_drawdown) == (0.0123, 1.5, 0.042)
    assert top.final_equity == pytest.approx(_result(points=10).equity[-1])


def test_a_million_point_equity_curve_is_one_compact_row(store: SqlStore) -> None:
    runs = RunRepository(store)
    result = _result(points=1_000_000)
    runs.save(result)
    stored = runs.get("run-1")
    np.testing.assert_array_equal(stored.equity, result.equity)
    np.testing.assert_array_equal(stored.equity_ts, result.equity_ts)


def test_delete_removes_the_run_and_all_its_rows(store: SqlStore) -> None:
    runs = RunRepository(store)
    runs.save(_result("keep", points=5))
    runs.save(_result("drop", points=5))
    runs.delete("drop")
    with pytest.raises(NotFoundError, match="run 'drop' is not in the store"):
        runs.get("drop")
    with pytest.raises(NotFoundError):
        runs.delete("drop")
    with store.session() as session:
        for model in (RunOrderRow, RunFillRow, RunPositionRow, RunPriceRow):
            ids = session.scalars(select(model.run_id).distinct()).all()
            assert ids == ["keep"], model.__tablename__
    assert [s.run_id for s in runs.list()] == ["keep"]


def test_saving_an_existing_run_is_refused_unless_replacing(store: SqlStore) -> None:
    runs = RunRepository(store)
    runs.save(_result(points=5))
    with pytest.raises(DataError, match="run 'run-1' is already stored"):
        runs.save(_result(points=5))
    runs.save(_result(points=7), replace=True)
    assert len(runs.get("run-1").equity) == 7
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(RunFillRow)) == 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"equity": np.ones(3)}, "equity_ts has 5 points but equity has 3"),
        ({"equity_ts": np.ones(5)}, "equity_ts must hold int64 nanoseconds, got dtype float64"),
        ({"equity": np.ones((5, 2))}, r"equity must be a 1-D array, got shape \(5, 2\)"),
        ({"prices": {"X.Y": {"ts": np.arange(2)}}}, r"prices\['X.Y'\] lacks \['close'\]"),
        ({"config": {"when": object()}}, r"config\['when'\]: object value"),
    ],
)
def test_results_that_cannot_be_stored_are_refused_naming_the_field(
    store: SqlStore, change: dict[str, object], message: str
) -> None:
    result = _result(points=5)
    for name, value in change.items():
        setattr(result, name, value)
    runs = RunRepository(store)
    with pytest.raises(DataError, match=rf"cannot store run 'run-1': {message}"):
        runs.save(result)
    assert runs.list() == []


def test_a_run_without_equity_points_is_stored(store: SqlStore) -> None:
    result = _result(points=5)
    result.equity_ts, result.equity = np.array([], dtype=np.int64), np.array([])
    runs = RunRepository(store)
    runs.save(result)
    summary = runs.list()[0]
    assert (summary.start_ns, summary.end_ns, summary.final_equity) == (None, None, None)
    assert len(runs.get("run-1").equity) == 0
