"""The trading node's configuration: the ``trading:`` section of the node config file.

:class:`TradingNodeConfig` composes the configs of the packages a node runs (risk limits, the
simulated venue of paper mode) with what only a running node needs: where market data comes
from, which exchange and market, the SQL store holding the order journal, reconciliation, the
stale-feed thresholds and the shutdown policy. It is loaded with the rest of the node config by
:func:`colin.node.config.load_config` (one YAML file plus ``COLIN_TRADING__*`` variables).

API keys are never part of the file: :func:`api_credentials` reads them from the environment
(``COLIN_<EXCHANGE>_API_KEY`` / ``COLIN_<EXCHANGE>_API_SECRET``, else ``COLIN_API_KEY`` /
``COLIN_API_SECRET``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, model_validator

from colin.matching.config import SimulatedVenueConfig
from colin.node.config_types import Balances, FrozenConfig, InstrumentIds, Timeframe, TimeWindow
from colin.node.event_loop import EventLoopKind
from colin.risk.config import RiskConfig

TradingMode = Literal["paper", "live"]
FeedKind = Literal["bars", "trades", "book"]


class StaleFeedConfig(FrozenConfig):
    """When silence on the market-data feed tightens the trading state.

    After ``reducing_after_s`` seconds without any market event the risk engine goes to
    REDUCING (only risk-reducing orders pass), after ``halted_after_s`` to HALTED (only
    cancels). The first event after the silence returns it to ACTIVE, unless another rule or
    the operator has set the state in the meantime.
    """

    enabled: bool = True
    reducing_after_s: float = Field(default=30.0, gt=0)
    halted_after_s: float = Field(default=120.0, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> StaleFeedConfig:
        if self.halted_after_s <= self.reducing_after_s:
            raise ValueError("halted_after_s must be longer than reducing_after_s")
        return self


class ReconcileConfig(FrozenConfig):
    """How the node reconciles its orders, balances and positions with the venue (live mode).

    ``unknown_orders`` says what to do with an open order at the venue that the journal does
    not know: ``cancel`` it (the default: nothing this node did not decide stays working) or
    ``adopt`` it into the cache. ``ack_grace_s`` is how long an order whose submit was never
    answered may still appear at the venue; after it, an order the venue does not know is
    rejected (never sent again). Keep it above the request timeout plus the venue's receive
    window.
    """

    interval_s: float = Field(default=60.0, gt=0)
    unknown_orders: Literal["cancel", "adopt"] = "cancel"
    ack_grace_s: float = Field(default=60.0, gt=0)


class CatalogReplayConfig(TimeWindow):
    """Market data replayed from the Parquet catalog instead of an exchange feed (paper mode).

    ``start`` and ``end`` bound the event times replayed (``end`` exclusive). ``speed`` paces the
    replay against the wall clock (``60`` plays one recorded minute per second); ``None`` replays
    as fast as the node processes it.
    """

    speed: float | None = Field(default=None, gt=0)


class TradingNodeConfig(FrozenConfig):
    """A paper or live trading node: market, data, strategy, risk, OMS store and policies."""

    mode: TradingMode = "paper"
    trader_id: str = Field(
        "COLIN",
        min_length=1,
        max_length=12,
        pattern=r"^[A-Za-z0-9_]+$",
        description="Prefix of client order ids and name of the journal stream",
    )
    exchange: str = Field("binance", description="ccxt exchange id")
    market_type: Literal["spot", "linear"] = "spot"
    testnet: bool = False
    instruments: InstrumentIds = Field(
        default_factory=lambda: ["BTC/USDT.BINANCE"], min_length=1, description="SYMBOL.VENUE"
    )
    timeframe: Timeframe = "1m"
    data: list[FeedKind] = Field(default_factory=lambda: list[FeedKind](["bars"]), min_length=1)
    source: Literal["exchange", "catalog"] = Field(
        "exchange", description="Market data from the exchange (ccxt) or the Parquet catalog"
    )
    replay: CatalogReplayConfig = CatalogReplayConfig()
    clock: Literal["live", "event"] = Field(
        "live",
        description="live: the system clock; event: time follows the market events (paper only)",
    )
    strategy: str = Field("sma_cross", description="Registered name, or 'package.module:Class'")
    parameters: dict[str, Any] = Field(default_factory=dict)
    risk: RiskConfig = RiskConfig()
    venue: SimulatedVenueConfig = Field(
        SimulatedVenueConfig(), description="Matching, latency, fees of paper mode"
    )
    starting_balances: Balances = Field(
        default_factory=lambda: {"USDT": Decimal(10_000)},
        description="Paper account; live balances come from the venue",
    )
    base_currency: str = "USDT"
    store_url: str | None = Field(
        None, description="SQL store of the order journal (default: database_url, else SQLite)"
    )
    store_durability: Literal["full", "normal"] = Field(
        "normal",
        description="SQLite journal sync: 'normal' survives a process crash, 'full' also a "
        "power cut at one fsync per order (docs/live-trading.md, Durability)",
    )
    reconcile: ReconcileConfig = ReconcileConfig()
    stale_feed: StaleFeedConfig = StaleFeedConfig()
    on_shutdown: Literal["cancel_orders", "leave_orders"] = "cancel_orders"
    equity_interval_s: float = Field(
        1.0, gt=0, description="How often equity feeds the drawdown rules (live clock)"
    )
    ccxt_overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="Merged into the ccxt exchange config (e.g. URLs of the local simulator)",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    event_loop: EventLoopKind = Field(
        "auto",
        description="'auto' runs on uvloop when it is installed (shorter tick-to-order path), "
        "'uvloop' requires it, 'asyncio' uses the standard loop",
    )

    @model_validator(mode="after")
    def _consistent(self) -> TradingNodeConfig:
        if self.mode == "live" and self.clock == "event":
            raise ValueError(
                "clock 'event' is for paper mode only; live trading runs on the system clock"
            )
        if self.mode == "live" and self.source == "catalog":
            raise ValueError("live mode needs the exchange feed (source: exchange)")
        return self

    @property
    def journal_stream(self) -> str:
        """The journal stream of this node: one per trader id and mode."""
        return f"node.{self.trader_id}.{self.mode}"


def api_credentials(exchange: str, environ: Mapping[str, str]) -> tuple[str, str] | None:
    """Return ``(key, secret)`` from the environment, or ``None`` if either is missing.

    ``COLIN_<EXCHANGE>_API_KEY`` and ``COLIN_<EXCHANGE>_API_SECRET`` (e.g.
    ``COLIN_BINANCE_API_KEY``) win over the generic ``COLIN_API_KEY`` / ``COLIN_API_SECRET``.
    """
    prefix = f"COLIN_{exchange.upper()}_"
    key = environ.get(f"{prefix}API_KEY") or environ.get("COLIN_API_KEY")
    secret = environ.get(f"{prefix}API_SECRET") or environ.get("COLIN_API_SECRET")
    if not key or not secret:
        return None
    return key, secret
