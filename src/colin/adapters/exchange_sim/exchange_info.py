"""``exchangeInfo`` derived from Colin instruments, and the filters it announces, enforced.

Every filter listed for a symbol is checked on every order, with Binance's error codes (spot
``-1013 Filter failure: NAME``; USD-M its ``-4xxx`` codes), so ccxt sees what it would see live.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from colin.adapters.exchange_sim.algo_orders import ALGO_TYPES
from colin.adapters.exchange_sim.errors import BinanceError, filter_failure
from colin.adapters.exchange_sim.events import Market
from colin.adapters.exchange_sim.orders import (
    SPOT_ORDER_TYPES,
    USDM_ORDER_TYPES,
    USDM_TIME_IN_FORCE,
    OrderRequest,
    fmt,
    plain,
)
from colin.model.enums import OrderType
from colin.model.instrument import Instrument

MAX_PRICE = Decimal(1_000_000)
MAX_NUM_ORDERS = 200
MAX_NUM_ALGO_ORDERS = 5
DEFAULT_MAX_QTY = Decimal(9000)


def binance_symbol(instrument: Instrument) -> str:
    """Return Binance's symbol of an instrument (``BTCUSDT``)."""
    return f"{instrument.base}{instrument.quote}"


def _max_qty(instrument: Instrument) -> Decimal:
    return instrument.max_quantity if instrument.max_quantity is not None else DEFAULT_MAX_QTY


def _price_and_lot(
    instrument: Instrument, render: Callable[[Decimal], str]
) -> list[dict[str, Any]]:
    """The PRICE_FILTER and LOT_SIZE filters, numbers rendered by ``render``."""
    return [
        {
            "filterType": "PRICE_FILTER",
            "minPrice": render(instrument.tick_size),
            "maxPrice": render(MAX_PRICE),
            "tickSize": render(instrument.tick_size),
        },
        {
            "filterType": "LOT_SIZE",
            "minQty": render(_min_qty(instrument)),
            "maxQty": render(_max_qty(instrument)),
            "stepSize": render(instrument.lot_size),
        },
    ]


def _min_qty(instrument: Instrument) -> Decimal:
    return max(instrument.min_quantity, instrument.lot_size)


def spot_symbol_info(instrument: Instrument) -> dict[str, Any]:
    """Return the ``/api/v3/exchangeInfo`` entry of a spot instrument."""
    return {
        "symbol": binance_symbol(instrument),
        "status": "TRADING",
        "baseAsset": instrument.base,
        "baseAssetPrecision": 8,
        "quoteAsset": instrument.quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 8,
        "quoteCommissionPrecision": 8,
        "orderTypes": list(SPOT_ORDER_TYPES),
        "icebergAllowed": False,
        "ocoAllowed": False,
        "otoAllowed": False,
        "quoteOrderQtyMarketAllowed": True,
        "allowTrailingStop": False,
        "cancelReplaceAllowed": True,
        "amendAllowed": False,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            *_price_and_lot(instrument, fmt),
            {
                "filterType": "MARKET_LOT_SIZE",
                "minQty": fmt(0),
                "maxQty": fmt(_max_qty(instrument)),
                "stepSize": fmt(0),
            },
            {
                "filterType": "NOTIONAL",
                "minNotional": fmt(instrument.min_notional),
                "applyMinToMarket": True,
                "maxNotional": fmt(Decimal(9_000_000)),
                "applyMaxToMarket": False,
                "avgPriceMins": 0,
            },
            {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": MAX_NUM_ORDERS},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": MAX_NUM_ALGO_ORDERS},
        ],
        "permissions": [],
        "permissionSets": [["SPOT"]],
        "defaultSelfTradePreventionMode": "NONE",
        "allowedSelfTradePreventionModes": ["NONE"],
    }


def usdm_symbol_info(instrument: Instrument, onboard_ms: int) -> dict[str, Any]:
    """Return the ``/fapi/v1/exchangeInfo`` entry of a linear perpetual."""
    return {
        "symbol": binance_symbol(instrument),
        "pair": binance_symbol(instrument),
        "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000,
        "onboardDate": onboard_ms,
        "status": "TRADING",
        "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000",
        "baseAsset": instrument.base,
        "quoteAsset": instrument.quote,
        "marginAsset": instrument.quote,
        "pricePrecision": instrument.price_precision,
        "quantityPrecision": instrument.size_precision,
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "settlePlan": 0,
        "triggerProtect": "0.0500",
        "liquidationFee": "0.012500",
        "marketTakeBound": "0.05",
        "maxMoveOrderLimit": 10000,
        "filters": [
            *_price_and_lot(instrument, plain),
            {
                "filterType": "MARKET_LOT_SIZE",
                "minQty": plain(_min_qty(instrument)),
                "maxQty": plain(_max_qty(instrument)),
                "stepSize": plain(instrument.lot_size),
            },
            {"filterType": "MAX_NUM_ORDERS", "limit": MAX_NUM_ORDERS},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": MAX_NUM_ALGO_ORDERS},
            {"filterType": "MIN_NOTIONAL", "notional": plain(instrument.min_notional)},
        ],
        "orderTypes": sorted(set(USDM_ORDER_TYPES) | set(ALGO_TYPES)),
        "timeInForce": list(USDM_TIME_IN_FORCE),
    }


def exchange_info(
    market: Market, instruments: list[Instrument], server_ms: int, onboard_ms: int
) -> dict[str, Any]:
    """Return the whole ``exchangeInfo`` reply of one market."""
    limits = [
        {
            "rateLimitType": "REQUEST_WEIGHT",
            "interval": "MINUTE",
            "intervalNum": 1,
            "limit": 6000 if market == "spot" else 2400,
        },
        {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
    ]
    if market == "spot":
        symbols = [spot_symbol_info(i) for i in instruments]
        return {
            "timezone": "UTC",
            "serverTime": server_ms,
            "rateLimits": limits,
            "exchangeFilters": [],
            "symbols": symbols,
        }
    assets = sorted({i.quote for i in instruments})
    return {
        "timezone": "UTC",
        "serverTime": server_ms,
        "futuresType": "U_MARGINED",
        "rateLimits": limits,
        "exchangeFilters": [],
        "assets": [
            {"asset": a, "marginAvailable": True, "autoAssetExchange": "-10000"} for a in assets
        ],
        "symbols": [usdm_symbol_info(i, onboard_ms) for i in instruments],
    }


def check_filters(
    market: Market,
    instrument: Instrument,
    request: OrderRequest,
    reference: Decimal | None,
    open_orders: int,
    open_stops: int,
) -> None:
    """Apply the symbol's filters to an order.

    ``reference`` is the price a market order is valued at (the touch it would take).

    Raises
    ------
    BinanceError
        The first filter the order fails, with the market's code and message.
    """
    for price in (request.price, request.stop_price):
        if price is not None and (
            price < instrument.tick_size or price > MAX_PRICE or price % instrument.tick_size
        ):
            raise filter_error(market, "PRICE_FILTER")
    quantity = request.quantity
    assert quantity is not None, "a quote-sized order is sized before its filters"
    if quantity < _min_qty(instrument) or quantity % instrument.lot_size:
        raise filter_error(market, "LOT_SIZE")
    if quantity > _max_qty(instrument):
        is_market = request.order_type is OrderType.MARKET
        raise filter_error(market, "MARKET_LOT_SIZE" if is_market else "LOT_SIZE")
    value_price = request.price or request.stop_price or reference
    if (
        value_price is not None
        and instrument.notional(quantity, value_price) < instrument.min_notional
        and not request.reduce_only
    ):
        raise filter_error(market, "NOTIONAL" if market == "spot" else "MIN_NOTIONAL", instrument)
    if open_orders >= MAX_NUM_ORDERS:
        raise filter_error(market, "MAX_NUM_ORDERS")
    is_stop = request.order_type in (OrderType.STOP_MARKET, OrderType.STOP_LIMIT)
    if is_stop and open_stops >= MAX_NUM_ALGO_ORDERS:
        raise filter_error(market, "MAX_NUM_ALGO_ORDERS")


def filter_error(market: Market, name: str, instrument: Instrument | None = None) -> BinanceError:
    """Return the error a failed filter ``name`` gets in ``market``."""
    if market == "spot":
        return filter_failure(name)
    if name == "PRICE_FILTER":
        return BinanceError(-4014, "Price not increased by tick size.")
    if name in ("LOT_SIZE", "MARKET_LOT_SIZE"):
        return BinanceError(-1111, "Precision is over the maximum defined for this asset.")
    if name == "MIN_NOTIONAL" and instrument is not None:
        return BinanceError(
            -4164,
            f"Order's notional must be no smaller than {plain(instrument.min_notional)} "
            "(unless you choose reduce only).",
        )
    return BinanceError(
        -4183 if name == "MAX_NUM_ALGO_ORDERS" else -4182, f"Filter failure: {name}"
    )
