"""The venue against real Binance data: fills stay inside what the market traded, the account
reconciles to the fills, and quote/trade matching follows the recorded prints."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from colin.core.ids import InstrumentId
from colin.matching import LatencyModel, SimulatedVenueConfig
from colin.model import (
    AggressorSide,
    Bar,
    CancelAllOrders,
    LiquiditySide,
    OrderFilled,
    OrderSide,
    OrderType,
    QuoteTick,
    TradeTick,
)

from .harness import STRATEGY, Harness, spot_instrument

DATA = Path(__file__).parent / "data"
BINANCE_BTC = InstrumentId("BTC/USDT.SIM")
FIVE_MINUTES = 300_000_000_000
LATENCY = 200_000_000


def _bars() -> list[Bar]:
    with (DATA / "binance_btcusdt_5m_20240805.csv").open() as handle:
        return [
            Bar(
                BINANCE_BTC,
                "5m",
                float(row["open"]),
                float(row["high"]),
                float(row["low"]),
                float(row["close"]),
                float(row["volume"]),
                int(row["ts_open"]),
                int(row["ts_open"]) + FIVE_MINUTES,
            )
            for row in csv.DictReader(handle)
        ]


def test_bar_replay_fills_inside_the_bars_and_reconciles_with_the_account() -> None:
    bars = _bars()
    h = Harness(
        [spot_instrument(id=BINANCE_BTC, tick_size=Decimal("0.01"), lot_size=Decimal("0.00001"))],
        {"USDT": Decimal(100_000)},
        SimulatedVenueConfig(
            latency=LatencyModel(fixed_ns=LATENCY), max_volume_participation=0.001
        ),
        start_ns=bars[0].ts_open,
    )
    arrivals = {}
    for index, bar in enumerate(bars):
        h.clock.advance_to(bar.ts_event)
        h.venue.process_bar(bar)
        if index % 6 == 0:  # every 30 minutes: buy at market, offer it back 0.4% higher
            order = h.submit(h.order(OrderSide.BUY, "0.05"))
            arrivals[order.client_order_id] = bar.ts_event + LATENCY
            target = Decimal(repr(bar.close * 1.004)).quantize(Decimal("0.01"))
            order = h.submit(h.order(OrderSide.SELL, "0.05", OrderType.LIMIT, str(target)))
            arrivals[order.client_order_id] = bar.ts_event + LATENCY
    fills = h.fills()
    assert len(fills) > 50
    assert any(f.liquidity_side is LiquiditySide.MAKER for f in fills)
    for fill in fills:
        assert fill.ts_event >= arrivals[fill.client_order_id]
        (bar,) = [b for b in bars if b.ts_open <= fill.ts_event < b.ts_event]
        assert Decimal(repr(bar.low)) <= fill.last_px <= Decimal(repr(bar.high)), (fill, bar)
        assert fill.last_px == fill.last_px.quantize(Decimal("0.01"))
    _assert_reconciles(h, fills)
    h.venue.cancel_all_orders(
        CancelAllOrders(instrument_id=BINANCE_BTC, strategy_id=STRATEGY, ts_init=bars[-1].ts_event)
    )
    assert any(balance.locked for balance in h.venue.balances().values())  # still in flight
    h.venue.process_time(bars[-1].ts_event + LATENCY)
    assert any(balance.locked for balance in h.venue.balances().values())  # a bar may still come
    h.venue.process_time(bars[-1].ts_event + FIVE_MINUTES + 1)  # none did: the data has ended
    assert all(balance.locked == 0 for balance in h.venue.balances().values())
    _assert_reconciles(h, fills)


def _assert_reconciles(h: Harness, fills: list[OrderFilled]) -> None:
    bought = sum((f.last_qty for f in fills if f.side is OrderSide.BUY), Decimal(0))
    sold = sum((f.last_qty for f in fills if f.side is OrderSide.SELL), Decimal(0))
    cash_flow = sum(
        (f.signed_qty * f.last_px for f in fills), Decimal(0)
    )  # + for buys: what was paid
    commissions = sum((f.commission for f in fills), Decimal(0))
    balances = h.venue.balances()
    assert balances["BTC"].total == bought - sold
    assert balances["USDT"].total == Decimal(100_000) - cash_flow - commissions
    assert h.venue.position_quantity(BINANCE_BTC) == bought - sold


def _replay_rows() -> list[dict[str, str]]:
    with (DATA / "binance_btcusdt_quotes_trades_20240808.csv").open() as handle:
        return list(csv.DictReader(handle))


def _feed(h: Harness, row: dict[str, str]) -> None:
    ts = int(row["ts_ns"])
    h.clock.advance_to(ts)
    if row["kind"] == "Q":
        h.venue.process_quote(
            QuoteTick(
                BINANCE_BTC,
                float(row["bid"]),
                float(row["ask"]),
                float(row["bid_size"]),
                float(row["ask_size"]),
                ts,
            )
        )
    else:
        h.venue.process_trade(
            TradeTick(
                BINANCE_BTC,
                float(row["price"]),
                float(row["size"]),
                AggressorSide[row["aggressor"]],
                row["ts_ns"],
                ts,
            )
        )


def test_quote_and_trade_replay_fills_where_the_recording_says() -> None:
    rows = _replay_rows()
    h = Harness(
        [spot_instrument(id=BINANCE_BTC, lot_size=Decimal("0.00001"))],
        {"USDT": Decimal(100_000)},
        SimulatedVenueConfig(latency=LatencyModel(fixed_ns=5_000_000)),
        start_ns=int(rows[0]["ts_ns"]),
    )
    start = 200
    for row in rows[:start]:
        _feed(h, row)
    arrival = int(rows[start - 1]["ts_ns"]) + 5_000_000
    later = [r for r in rows[start:] if int(r["ts_ns"]) >= arrival]
    lowest_print = min(float(r["price"]) for r in later if r["kind"] == "T")
    limit = Decimal(repr(lowest_print)) + Decimal("0.50")
    market = h.submit(h.order(OrderSide.BUY, "0.001"))
    bid = h.submit(h.order(OrderSide.BUY, "0.001", OrderType.LIMIT, str(limit)))
    for row in rows[start:]:
        _feed(h, row)
    standing = [r for r in rows if r["kind"] == "Q" and int(r["ts_ns"]) < arrival][-1]
    (market_fill,) = h.fills(market)
    assert market_fill.last_px == Decimal(standing["ask"])
    assert market_fill.ts_event == arrival
    crossing = next(
        r
        for r in later
        if (r["kind"] == "T" and Decimal(r["price"]) <= limit)
        or (r["kind"] == "Q" and Decimal(r["ask"]) <= limit)
    )
    (bid_fill,) = h.fills(bid)
    assert (bid_fill.last_px, bid_fill.liquidity_side) == (limit, LiquiditySide.MAKER)
    assert bid_fill.ts_event == int(crossing["ts_ns"])
