"""Replay of the bundled real Binance L2 book and trade capture through the full stack."""

from __future__ import annotations

from decimal import Decimal

import pytest

from colin.backtest.engine import BacktestEngine
from colin.model import BookSide, OrderBook, OrderFilled, OrderSide, TimeInForce, TradeTick
from colin.node.backtest import build_engine
from colin.node.config import BacktestRunConfig
from colin.persistence.catalog import sample_catalog
from colin.strategy.strategy import Strategy

IID = "BTC/USDT.BINANCE"


class BookTaker(Strategy):
    """Takes 0.05 BTC on the 50th book update, rests a bid two ticks under the best bid."""

    name = "book_taker"

    def on_start(self) -> None:
        self.subscribe_order_book(IID)
        self.subscribe_trade_ticks(IID)
        self.updates = 0
        self.seen_ts: list[int] = []
        self.expected_vwap: float | None = None
        self.limit_price: Decimal | None = None
        self.limit_sent_ns = 0
        self.trades: list[TradeTick] = []
        self.fills: list[OrderFilled] = []

    def on_order_book(self, book: OrderBook) -> None:
        self.updates += 1
        self.seen_ts.append(self.clock.timestamp_ns())
        if self.updates == 50:
            self.expected_vwap, filled = book.vwap_to_size(BookSide.ASK, 0.05)
            assert filled == pytest.approx(0.05)
            self.submit_market(IID, OrderSide.BUY, "0.05", tags=("take",))
        elif self.updates == 60:
            bid = book.best_bid_price()
            assert bid is not None
            self.limit_price = Decimal(repr(bid)) - Decimal("0.02")
            self.limit_sent_ns = self.clock.timestamp_ns()
            self.submit_limit(IID, OrderSide.BUY, "0.001", self.limit_price, TimeInForce.GTC)

    def on_trade_tick(self, trade: TradeTick) -> None:
        self.seen_ts.append(self.clock.timestamp_ns())
        self.trades.append(trade)

    def on_order_event(self, event: object) -> None:
        if isinstance(event, OrderFilled):
            self.fills.append(event)


def test_market_order_walks_the_real_book_and_a_resting_bid_fills_only_when_traded_through() -> (
    None
):
    catalog = sample_catalog()
    config = BacktestRunConfig(instruments=[IID], data=["book", "trades"])
    engine: BacktestEngine = build_engine(config, catalog)
    engine.strategies.clear()
    strategy = BookTaker()
    engine.add_strategy(strategy)
    result = engine.run()

    assert result.events_processed > 7_000
    assert strategy.seen_ts == sorted(strategy.seen_ts), "events must arrive in time order"

    take = [f for f in strategy.fills if f.client_order_id.endswith("-1")]
    quantity = sum(f.last_qty for f in take)
    assert quantity == Decimal("0.05")
    average = sum(f.last_qty * f.last_px for f in take) / quantity
    assert float(average) == pytest.approx(strategy.expected_vwap, rel=1e-12)

    rest = [f for f in strategy.fills if f.client_order_id.endswith("-2")]
    assert rest, "the resting bid should fill during the capture"
    first = rest[0]
    assert first.last_px == strategy.limit_price
    assert first.ts_event > strategy.limit_sent_ns
    printed_through = [
        t
        for t in strategy.trades
        if strategy.limit_sent_ns <= t.ts_event <= first.ts_event
        and Decimal(repr(t.price)) <= strategy.limit_price
    ]
    assert printed_through, "a resting bid may only fill after a trade at or below its price"
    assert engine.portfolio.balance_total("BTC") == Decimal("0.051")
