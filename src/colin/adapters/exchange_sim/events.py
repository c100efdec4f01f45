"""What the simulated exchange's core emits: the venue-neutral events its wire renderers turn into
Binance WebSocket frames (market streams, the spot user-data WebSocket API, the USD-M listenKey
stream).

The core (:mod:`colin.adapters.exchange_sim.exchange`) owns the mutable state; every event carries
immutable, already-formatted values (decimal strings, millisecond times, Binance enum spellings), so
a renderer never reaches back into the core and a frame can be duplicated, dropped or reordered by
fault injection without touching the exchange's truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Market = Literal["spot", "usdm"]
"""Which Binance product an event belongs to: spot (``/api/v3``) or USD-M futures (``/fapi``)."""

PriceLevel = tuple[str, str]
"""``(price, quantity)`` as decimal strings; quantity ``"0"`` removes the level."""


@dataclass(frozen=True, slots=True)
class DepthUpdate:
    """An order-book diff with Binance update ids (``U``, ``u`` and, on USD-M, ``pu``)."""

    market: Market
    symbol: str  # exchange symbol, e.g. "BTCUSDT"
    event_ms: int
    first_update_id: int
    final_update_id: int
    prev_final_update_id: int
    bids: tuple[PriceLevel, ...]
    asks: tuple[PriceLevel, ...]


@dataclass(frozen=True, slots=True)
class TradePrint:
    """One public trade."""

    market: Market
    symbol: str
    trade_id: int
    price: str
    quantity: str
    trade_ms: int
    event_ms: int
    buyer_is_maker: bool


@dataclass(frozen=True, slots=True)
class KlineUpdate:
    """The state of one kline (candle); ``closed`` is true for its final update."""

    market: Market
    symbol: str
    interval: str  # "1m", "1h", ...
    event_ms: int
    open_ms: int
    close_ms: int  # open_ms + interval - 1, as Binance sends it
    open: str
    high: str
    low: str
    close: str
    volume: str
    quote_volume: str
    trades: int
    taker_buy_volume: str
    taker_buy_quote_volume: str
    closed: bool


@dataclass(frozen=True, slots=True)
class OrderSnapshot:
    """An order as the exchange knows it, in Binance's vocabulary."""

    market: Market
    symbol: str
    order_id: int
    client_order_id: str
    side: Literal["BUY", "SELL"]
    type: str  # LIMIT, MARKET, LIMIT_MAKER, STOP_LOSS_LIMIT, STOP_MARKET, ...
    time_in_force: str  # GTC, IOC, FOK, GTX
    price: str
    stop_price: str
    orig_qty: str
    executed_qty: str
    cum_quote: str
    status: str  # NEW, PARTIALLY_FILLED, FILLED, CANCELED, EXPIRED, REJECTED
    reduce_only: bool
    time_ms: int
    update_ms: int


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """One execution report: what happened to an order (``execution_type``) and its new state."""

    order: OrderSnapshot
    execution_type: str  # NEW, TRADE, CANCELED, EXPIRED, REJECTED, AMENDMENT
    event_ms: int
    last_qty: str = "0"
    last_price: str = "0"
    commission: str = "0"
    commission_asset: str = ""
    trade_id: int = -1
    is_maker: bool = False
    realized_pnl: str = "0"
    reject_reason: str = "NONE"


@dataclass(frozen=True, slots=True)
class AssetBalance:
    """An asset's free and locked amounts (spot) or wallet and cross balance (USD-M)."""

    asset: str
    free: str
    locked: str


@dataclass(frozen=True, slots=True)
class PositionState:
    """A USD-M position: signed amount, entry price and unrealized PnL."""

    symbol: str
    amount: str
    entry_price: str
    unrealized_pnl: str


@dataclass(frozen=True, slots=True)
class AccountUpdate:
    """Balances (and, on USD-M, positions) changed by an event such as a fill."""

    market: Market
    event_ms: int
    reason: str  # ORDER, FUNDING_FEE, DEPOSIT, ...
    balances: tuple[AssetBalance, ...]
    positions: tuple[PositionState, ...] = field(default=())


ExchangeEvent = DepthUpdate | TradePrint | KlineUpdate | OrderUpdate | AccountUpdate
"""Everything the core publishes to its subscribers, in the order it happened."""
