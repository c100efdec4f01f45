"""The account snapshot for reconciliation counts exactly the fills it reports."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from colin.adapters.ccxt.venue_state import VenueRequests

SYMBOL = "BTC/USDT:USDT"


def _trade(trade_id: str) -> dict[str, Any]:
    return {
        "id": trade_id,
        "order": "7",
        "symbol": SYMBOL,
        "side": "buy",
        "amount": 0.002,
        "price": 69000.0,
        "fee": {"cost": 0.0276, "currency": "USDT"},
        "takerOrMaker": "taker",
        "timestamp": 1_712_016_000_000,
    }


class LandingFill:
    """A venue where a fill of 0.002 lands right after the first read of the account's trades."""

    def __init__(self, fills_landing: int = 1) -> None:
        self.trades: list[dict[str, Any]] = []
        self.position = Decimal(0)
        self.reads = {"my_trades": 0, "balance": 0, "positions": 0}
        self._landing = fills_landing

    def _land(self) -> None:
        if self._landing:
            self._landing -= 1
            self.trades.append(_trade(f"T{len(self.trades) + 1}"))
            self.position += Decimal("0.002")

    async def fetch_open_orders(self, symbol: str) -> list[Any]:
        return []

    async def fetch_my_trades(self, symbol: str, since: Any, limit: int) -> list[dict[str, Any]]:
        self.reads["my_trades"] += 1
        trades = list(self.trades)
        self._land()  # lands after this read, before the account is read
        return trades

    async def fetch_balance(self) -> dict[str, Any]:
        self.reads["balance"] += 1
        return {"total": {"USDT": 10000.0}, "used": {"USDT": 0.0}, "info": {}}

    async def fetch_positions(self, symbols: list[str]) -> list[dict[str, Any]]:
        self.reads["positions"] += 1
        return [{"symbol": SYMBOL, "contracts": float(self.position), "side": "long"}]

    def milliseconds(self) -> int:
        return 1_712_016_060_000


def _snapshot(exchange: LandingFill) -> Any:
    requests = VenueRequests(exchange, "BINANCE")
    return asyncio.run(requests.venue_state([SYMBOL], [], None, with_positions=True))


def test_a_fill_landing_between_the_reads_makes_the_account_be_read_again() -> None:
    exchange = LandingFill()
    state = _snapshot(exchange)
    (position,) = state.positions
    assert position.quantity == Decimal("0.002")
    assert [f.trade_id for f in state.fills] == ["T1"]  # the fill the position counts is reported
    assert exchange.reads == {"my_trades": 3, "balance": 2, "positions": 2}


def test_a_quiet_account_is_read_once() -> None:
    exchange = LandingFill(fills_landing=0)
    state = _snapshot(exchange)
    assert state.positions == () and state.fills == ()
    assert exchange.reads == {"my_trades": 2, "balance": 1, "positions": 1}
