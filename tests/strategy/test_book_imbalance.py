"""Order-book imbalance strategy on the bundled real Binance BTC/USDT L2 capture."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from colin.backtest.engine import BacktestEngine
from colin.core.ids import InstrumentId
from colin.model import OrderBook
from colin.model.orders import Order
from colin.persistence.catalog import iter_book_events, iter_trades, sample_catalog
from colin.strategy.builtin.book_imbalance import BookImbalance, BookImbalanceParams

IID = "BTC/USDT.BINANCE"


def _imbalance(book: OrderBook, depth: int) -> float:
    """NOBI over the top ``depth`` levels, computed here independently of the indicator."""
    bids, asks = book.bids(depth), book.asks(depth)
    if not bids or not asks or bids[0][0] >= asks[0][0]:
        return math.nan
    bid_size = sum(size for _, size in bids)
    ask_size = sum(size for _, size in asks)
    return (bid_size - ask_size) / (bid_size + ask_size)


class RecordingImbalance(BookImbalance):
    """Records what the strategy saw whenever it sends an order."""

    def on_start(self) -> None:
        super().on_start()
        self.seen = math.nan
        self.seen_before = math.nan
        self.mid = math.nan
        self.orders: list[dict[str, Any]] = []

    def on_order_book(self, book: OrderBook) -> None:
        depth = 1 if self.params.measure == "touch" else self.params.depth
        self.seen_before, self.seen = self.seen, _imbalance(book, depth)
        self.mid = book.mid_price() or math.nan
        super().on_order_book(book)

    def submit_order(self, order: Order) -> None:
        held = self.portfolio.position(InstrumentId(IID))
        self.orders.append(
            {
                "tags": order.tags,
                "side": order.side.value,
                "before": self.seen_before,
                "now": self.seen,
                "flow": self.order_flow,
                "mid": self.mid,
                "ts": self.clock.timestamp_ns(),
                "position": self.portfolio.net_quantity(InstrumentId(IID)),
                "entry_price": float(held.avg_entry_price) if held is not None else math.nan,
            }
        )
        super().submit_order(order)


def _run(**params: Any) -> RecordingImbalance:
    catalog = sample_catalog()
    engine = BacktestEngine({"USDT": Decimal(100_000), "BTC": Decimal(1)})
    engine.add_instrument(catalog.instrument(IID))
    engine.add_book_events(IID, iter_book_events(catalog.read_book(IID)))
    engine.add_trades(IID, iter_trades(catalog.read_trades(IID), IID))
    strategy = RecordingImbalance({"instrument_id": IID, "quantity": "0.01", **params})
    engine.add_strategy(strategy)
    engine.run()
    return strategy


@pytest.fixture(scope="module")
def long_only() -> RecordingImbalance:
    return _run(entry_threshold=0.6, reversal_threshold=0.2, take_profit_bps=1.0, max_hold_s=10)


@pytest.fixture(scope="module")
def both_sides() -> RecordingImbalance:
    return _run(
        entry_threshold=0.7, require_ofi=False, allow_short=True, stop_loss_bps=0.5, max_hold_s=5
    )


def _check_entries(strategy: RecordingImbalance) -> list[dict[str, Any]]:
    p = strategy.params
    entries = [o for o in strategy.orders if o["tags"] == ("entry",)]
    assert len(entries) >= 3
    for entry in entries:
        assert entry["position"] == 0
        if entry["side"] == "BUY":
            assert entry["before"] <= p.entry_threshold < entry["now"]
            assert not p.require_ofi or entry["flow"] > 0
        else:
            assert p.allow_short
            assert entry["before"] >= -p.entry_threshold > entry["now"]
            assert not p.require_ofi or entry["flow"] < 0
    return entries


def _check_exits(strategy: RecordingImbalance) -> set[str]:
    p = strategy.params
    reasons = set()
    previous_entry_ts = None
    for order in strategy.orders:
        if order["tags"] == ("entry",):
            previous_entry_ts = order["ts"]
            continue
        assert order["tags"][0] == "exit" and previous_entry_ts is not None
        direction = 1 if order["position"] > 0 else -1
        move_bps = direction * (order["mid"] / order["entry_price"] - 1) * 1e4
        reason = order["tags"][1]
        reasons.add(reason)
        if reason == "reversal":
            assert direction * order["now"] < -p.reversal_threshold
        elif reason == "take_profit":
            assert move_bps >= p.take_profit_bps
        elif reason == "stop_loss":
            assert move_bps <= -p.stop_loss_bps
        else:
            assert reason == "time_stop"
            assert order["ts"] - previous_entry_ts >= p.max_hold_s * 1e9
    return reasons


def test_long_entries_only_when_the_imbalance_crossed_up_with_positive_order_flow(
    long_only: RecordingImbalance,
) -> None:
    entries = _check_entries(long_only)
    assert {e["side"] for e in entries} == {"BUY"}


def test_long_exits_follow_their_rules(long_only: RecordingImbalance) -> None:
    reasons = _check_exits(long_only)
    assert len(reasons) >= 2, f"only {reasons} exercised"


def test_both_sides_entries_and_exits(both_sides: RecordingImbalance) -> None:
    entries = _check_entries(both_sides)
    assert {e["side"] for e in entries} == {"BUY", "SELL"}
    reasons = _check_exits(both_sides)
    assert len(reasons) >= 2, f"only {reasons} exercised"


def test_touch_measure_trades_on_the_best_levels_only() -> None:
    strategy = _run(measure="touch", entry_threshold=0.8)
    _check_entries(strategy)
    _check_exits(strategy)


def test_bad_parameters_name_the_field() -> None:
    with pytest.raises(ValidationError, match="measure"):
        BookImbalanceParams(instrument_id=IID, measure="levels")
    with pytest.raises(ValidationError, match="entry_threshold"):
        BookImbalanceParams(instrument_id=IID, entry_threshold=1.5)
