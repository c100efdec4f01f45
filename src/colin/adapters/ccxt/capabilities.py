"""What each venue can do, declared as data.

One :class:`VenueCapabilities` per (venue, market type): the ccxt exchange id and the options it
needs, the timeframes and history page sizes of the REST endpoints, the order types and flags the
venue accepts, which ``watch_*`` streams exist, the REST rate-limit budget with per-endpoint request
weights, and whether a testnet exists. The adapter reads these values instead of branching on venue
names, so adding a venue is adding a row here.

Endpoint names are Colin's, venue-neutral: ``markets``, ``time``, ``ohlcv``, ``trades``,
``order_book``, ``ticker``, ``funding``, ``open_interest``, ``create_order``, ``cancel_order``,
``fetch_order``, ``open_orders``, ``balance``, ``positions``, ``my_trades``, ``set_leverage``.
An endpoint a budget does not list costs ``default_weight``.

Figures come from each venue's public API documentation (Binance: ``REQUEST_WEIGHT`` 6000/min on
``/api/v3``, 2400/min on ``/fapi``; weights per endpoint and by ``limit``). Where a venue limits by
request count rather than weight, every request weighs 1 and the budget is that count.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from colin.core.errors import ConfigError
from colin.model.enums import OrderType, TimeInForce

MarketType = Literal["spot", "linear"]
"""``spot`` pairs or ``linear`` (USDT/USDC-margined) perpetuals."""

MARKET_TYPES: tuple[MarketType, ...] = ("spot", "linear")

WATCH_MARKET_DATA = frozenset({"ohlcv", "trades", "order_book", "ticker", "bids_asks"})
WATCH_PRIVATE = frozenset({"orders", "my_trades", "balance", "positions"})


@dataclass(frozen=True, slots=True)
class Weight:
    """The request weight of one endpoint, optionally stepped by the ``limit`` parameter.

    ``by_limit`` holds ``(largest limit, weight)`` steps in ascending order; a limit above the
    last step costs the last step's weight, no limit costs ``base``.
    """

    base: int
    by_limit: tuple[tuple[int, int], ...] = ()

    def for_limit(self, limit: int | None) -> int:
        """Return the weight of a request with ``limit`` rows."""
        if limit is None or not self.by_limit:
            return self.base
        for largest, weight in self.by_limit:
            if limit <= largest:
                return weight
        return self.by_limit[-1][1]


@dataclass(frozen=True, slots=True)
class RateBudget:
    """A REST rate limit: ``capacity`` weight per ``window_s`` seconds, refilled continuously."""

    capacity: int
    window_s: float
    weights: Mapping[str, Weight] = field(default_factory=lambda: MappingProxyType({}))
    default_weight: int = 1

    @property
    def refill_per_s(self) -> float:
        """Weight regained per second."""
        return self.capacity / self.window_s

    def weight(self, endpoint: str, limit: int | None = None) -> int:
        """Return the weight of one request to ``endpoint`` asking for ``limit`` rows."""
        entry = self.weights.get(endpoint)
        return self.default_weight if entry is None else entry.for_limit(limit)


@dataclass(frozen=True, slots=True)
class HistoryLimits:
    """Page sizes of the REST history endpoints (``None``: no paginated history there).

    ``trades_window_ms`` is the widest ``[start, end]`` span one trades request may ask for.
    """

    candles: int
    trades: int | None
    trades_window_ms: int | None = None
    funding: int | None = None
    open_interest: int | None = None


_ALL_TYPES = frozenset(OrderType)
_BASIC_TYPES = frozenset({OrderType.MARKET, OrderType.LIMIT})
_GTC_IOC_FOK = frozenset({TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK})
_GTC_IOC = frozenset({TimeInForce.GTC, TimeInForce.IOC})


@dataclass(frozen=True, slots=True)
class VenueCapabilities:
    """Everything Colin needs to know about one venue's market type (see the module docstring).

    The defaults are the common case (every order type; GTC, IOC and FOK; post-only and amend
    supported, reduce-only not; a testnet exists; no extra ccxt options): a row of the table
    names only what differs.
    """

    venue: str
    ccxt_id: str
    market_type: MarketType
    timeframes: tuple[str, ...]
    history: HistoryLimits
    watch: frozenset[str]
    rate_budget: RateBudget
    order_types: frozenset[OrderType] = _ALL_TYPES
    time_in_force: frozenset[TimeInForce] = _GTC_IOC_FOK
    post_only: bool = True
    reduce_only: bool = False
    amend: bool = True
    testnet: bool = True
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def supports_watch(self, stream: str) -> bool:
        """Whether ``watch_<stream>`` exists (``ohlcv``, ``trades``, ``order_book``, ...)."""
        return stream in self.watch

    def ccxt_options(self) -> dict[str, Any]:
        """Return a fresh copy of the ccxt ``options`` this venue needs."""
        return copy.deepcopy(dict(self.options))

    def weight(self, endpoint: str, limit: int | None = None) -> int:
        """Return the request weight of ``endpoint`` (see :meth:`RateBudget.weight`)."""
        return self.rate_budget.weight(endpoint, limit)


def _weights(**entries: int | Weight) -> Mapping[str, Weight]:
    return MappingProxyType(
        {
            name: value if isinstance(value, Weight) else Weight(value)
            for name, value in entries.items()
        }
    )


def _frozen(options: dict[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(options)


def _watch(bids_asks: bool, positions: bool) -> frozenset[str]:
    return (
        _BOOK_AND_TRADES
        | _PRIVATE_SPOT
        | ({"bids_asks"} if bids_asks else set())
        | ({"positions"} if positions else set())
    )


def _timeframes(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_BOOK_AND_TRADES = frozenset({"ohlcv", "trades", "order_book", "ticker"})
_PRIVATE_SPOT = frozenset({"orders", "my_trades", "balance"})

_BINANCE_TIMEFRAMES = _timeframes("1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w")
_BINANCE_OPTIONS = {"fetchCurrencies": False, "fetchMargins": False}

_BINANCE_SPOT_BUDGET = RateBudget(
    capacity=6000,
    window_s=60.0,
    weights=_weights(
        markets=20,
        time=1,
        ohlcv=2,
        trades=4,  # aggTrades
        order_book=Weight(5, ((100, 5), (500, 25), (1000, 50), (5000, 250))),
        ticker=2,
        create_order=1,
        cancel_order=1,
        fetch_order=4,
        open_orders=6,
        balance=20,
        my_trades=20,
    ),
)
_BINANCE_USDM_BUDGET = RateBudget(
    capacity=2400,
    window_s=60.0,
    weights=_weights(
        markets=1,
        time=1,
        ohlcv=Weight(5, ((99, 1), (499, 2), (1000, 5), (1500, 10))),
        trades=20,  # aggTrades
        order_book=Weight(5, ((50, 2), (100, 5), (500, 10), (1000, 20))),
        ticker=1,
        funding=1,  # also limited to 500 requests / 5 min / IP on its own
        open_interest=1,  # /futures/data: 1000 requests / 5 min / IP on its own
        create_order=1,
        cancel_order=1,
        fetch_order=1,
        open_orders=1,
        balance=5,
        positions=5,
        my_trades=5,
        set_leverage=1,
    ),
)

_BYBIT_BUDGET = RateBudget(capacity=600, window_s=5.0)  # 600 requests / 5 s / IP
_OKX_BUDGET = RateBudget(capacity=20, window_s=2.0)  # market-data endpoints: 20-40 req / 2 s
_DERIBIT_BUDGET = RateBudget(capacity=100, window_s=5.0)  # credits: 20 req/s, burst 100
_KRAKEN_BUDGET = RateBudget(capacity=1, window_s=1.0)  # public REST: about 1 request / s
_HYPERLIQUID_BUDGET = RateBudget(
    capacity=1200,
    window_s=60.0,
    weights=_weights(
        markets=20,
        ohlcv=20,
        trades=20,
        order_book=2,
        ticker=2,
        funding=20,
        create_order=1,
        cancel_order=1,
        fetch_order=2,
        open_orders=20,
        balance=2,
        positions=2,
        my_trades=20,
        set_leverage=1,
    ),
    default_weight=20,
)

_TABLE: dict[tuple[str, MarketType], VenueCapabilities] = {}


def _register(capabilities: VenueCapabilities) -> None:
    _TABLE[(capabilities.venue, capabilities.market_type)] = capabilities


_register(
    VenueCapabilities(
        venue="BINANCE",
        ccxt_id="binance",
        market_type="spot",  # post-only: LIMIT_MAKER; amend: cancelReplace
        timeframes=_BINANCE_TIMEFRAMES,
        history=HistoryLimits(candles=1000, trades=1000, trades_window_ms=3_600_000),
        watch=_watch(bids_asks=True, positions=False),
        rate_budget=_BINANCE_SPOT_BUDGET,
        options=_frozen(
            {**_BINANCE_OPTIONS, "defaultType": "spot", "fetchMarkets": {"types": ["spot"]}}
        ),
    )
)
_register(
    VenueCapabilities(
        venue="BINANCE",
        ccxt_id="binance",
        market_type="linear",  # post-only: timeInForce GTX; amend: PUT /fapi/v1/order
        timeframes=_BINANCE_TIMEFRAMES,
        history=HistoryLimits(
            candles=1000, trades=1000, trades_window_ms=3_600_000, funding=1000, open_interest=500
        ),
        reduce_only=True,
        watch=_watch(bids_asks=True, positions=True),
        rate_budget=_BINANCE_USDM_BUDGET,
        options=_frozen(
            {**_BINANCE_OPTIONS, "defaultType": "swap", "fetchMarkets": {"types": ["linear"]}}
        ),
    )
)


def _spot_and_linear(market: MarketType) -> list[VenueCapabilities]:
    """Bybit, OKX, Deribit and Hyperliquid, whose two market types differ in few fields."""
    linear = market == "linear"
    default_type = "swap" if linear else "spot"
    return [
        VenueCapabilities(
            venue="BYBIT",
            ccxt_id="bybit",
            timeframes=_timeframes("1m 3m 5m 15m 30m 1h 2h 4h 6h 12h 1d 1w"),
            history=HistoryLimits(
                candles=1000,
                trades=None,  # recent trades only
                funding=200 if linear else None,
                open_interest=200 if linear else None,
            ),
            reduce_only=linear,
            watch=_watch(bids_asks=True, positions=linear),
            rate_budget=_BYBIT_BUDGET,
            options=_frozen({"defaultType": default_type}),
            market_type=market,
        ),
        VenueCapabilities(
            venue="OKX",  # testnet: demo trading
            ccxt_id="okx",
            timeframes=_timeframes("1m 3m 5m 15m 30m 1h 2h 4h 6h 12h 1d 1w"),
            history=HistoryLimits(
                candles=100,  # history-candles
                trades=100,  # history-trades
                funding=100 if linear else None,
                open_interest=100 if linear else None,
            ),
            reduce_only=linear,
            watch=_watch(bids_asks=True, positions=linear),
            rate_budget=_OKX_BUDGET,
            options=_frozen({"defaultType": default_type}),
            market_type=market,
        ),
        VenueCapabilities(
            venue="DERIBIT",
            ccxt_id="deribit",
            timeframes=_timeframes("1m 3m 5m 10m 15m 30m 1h 2h 3h 6h 12h 1d"),
            history=HistoryLimits(candles=1000, trades=1000, funding=720 if linear else None),
            reduce_only=True,
            watch=_watch(bids_asks=True, positions=False),
            rate_budget=_DERIBIT_BUDGET,
            options=_frozen({"defaultType": default_type}),
            market_type=market,
        ),
        VenueCapabilities(
            venue="HYPERLIQUID",
            ccxt_id="hyperliquid",
            timeframes=_timeframes("1m 3m 5m 15m 30m 1h 2h 4h 8h 12h 1d 3d 1w"),
            history=HistoryLimits(candles=5000, trades=None, funding=500 if linear else None),
            order_types=_BASIC_TYPES | {OrderType.STOP_MARKET, OrderType.STOP_LIMIT},
            time_in_force=_GTC_IOC,  # post-only is ALO
            reduce_only=linear,
            watch=_watch(bids_asks=False, positions=linear),
            rate_budget=_HYPERLIQUID_BUDGET,
            options=_frozen(
                {
                    "defaultType": default_type,
                    "fetchMarkets": {"types": [default_type]},
                    # no builder fee, no referrer: ccxt would otherwise sign both on first use
                    "builderFee": False,
                    "approvedBuilderFee": True,
                    "refSet": True,
                }
            ),
            market_type=market,
        ),
    ]


for _capabilities in (*_spot_and_linear("spot"), *_spot_and_linear("linear")):
    _register(_capabilities)
_register(
    VenueCapabilities(
        venue="KRAKEN",
        ccxt_id="kraken",
        market_type="spot",
        timeframes=_timeframes("1m 5m 15m 30m 1h 4h 1d 1w"),
        history=HistoryLimits(candles=720, trades=1000),  # OHLC: the latest 720 candles only
        watch=_watch(bids_asks=True, positions=False),
        rate_budget=_KRAKEN_BUDGET,
        testnet=False,
        options=_frozen({"defaultType": "spot"}),
    )
)


def venues() -> list[tuple[str, MarketType]]:
    """Return every declared ``(venue, market type)``, sorted."""
    return sorted(_TABLE)


def capabilities_for(venue: str, market_type: str = "spot") -> VenueCapabilities:
    """Return the capabilities of ``venue`` (a Colin venue name or ccxt id, any case).

    Raises
    ------
    ConfigError
        If the venue or market type is not declared; the message lists what is.
    """
    name = venue.upper()
    if market_type not in MARKET_TYPES:
        raise ConfigError(f"unknown market type {market_type!r}: expected one of {MARKET_TYPES}")
    found = _TABLE.get((name, market_type))
    if found is None:
        declared = ", ".join(f"{v.lower()} {t}" for v, t in venues())
        raise ConfigError(f"no capabilities for {venue} {market_type}; declared: {declared}")
    return found


def market_type_of(symbol: str) -> MarketType:
    """Return the market type of a unified symbol (``BTC/USDT`` spot, ``BTC/USDT:USDT`` linear)."""
    return "linear" if ":" in symbol else "spot"
