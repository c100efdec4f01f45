"""``colin risk check``: what the risk engine would decide about one hypothetical order."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
import yaml
from pydantic import ValidationError
from rich.console import Console

from colin.cache.cache import Cache
from colin.cli.errors import user_error
from colin.core.bus import MessageBus
from colin.core.clock import SimClock
from colin.core.ids import ClientOrderId, InstrumentId, StrategyId, TradeId, VenueOrderId
from colin.core.time import ns_to_iso, parse_time
from colin.core.topics import FILLS_TOPIC
from colin.model.data import Bar
from colin.model.enums import InstrumentKind, LiquiditySide, OrderSide, OrderType
from colin.model.events import OrderFilled
from colin.model.instrument import Instrument
from colin.model.orders import Order
from colin.portfolio.portfolio import Portfolio
from colin.risk import RiskConfig, RiskDecision, RiskEngine

console = Console()


def _decimal(value: str, option: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise typer.BadParameter(f"not a number: {value!r}", param_hint=option) from None
    return number


def load_config(path: Path | None) -> RiskConfig:
    """Read a risk config YAML file (the ``risk:`` section of a node config, or the bare model)."""
    if path is None:
        return RiskConfig()
    if not path.exists():
        raise user_error(f"{path}: no such file")
    data = yaml.safe_load(path.read_text()) or {}
    if isinstance(data, dict) and "risk" in data:
        data = data["risk"]
    try:
        return RiskConfig.model_validate(data)
    except ValidationError as exc:
        raise user_error(f"{path}: invalid risk config:\n{exc}") from exc


def check(
    instrument: Annotated[str, typer.Option(help="Instrument id, e.g. BTC/USDT.BINANCE.")],
    side: Annotated[OrderSide, typer.Option(case_sensitive=False, help="BUY or SELL.")],
    quantity: Annotated[str, typer.Option(help="Order quantity.")],
    last_price: Annotated[float, typer.Option(help="The market's last price.")],
    price: Annotated[
        str | None, typer.Option(help="Limit price (omit for a market order).")
    ] = None,
    balance: Annotated[
        list[str] | None, typer.Option(help="CURRENCY=AMOUNT (repeat); default USDT=100000.")
    ] = None,
    position: Annotated[str | None, typer.Option(help="Current signed position quantity.")] = None,
    perpetual: Annotated[
        bool, typer.Option(help="Treat the instrument as a linear perpetual.")
    ] = False,
    tick_size: Annotated[str, typer.Option(help="Price increment.")] = "0.01",
    lot_size: Annotated[str, typer.Option(help="Quantity increment.")] = "0.00001",
    config: Annotated[Path | None, typer.Option(help="Risk config YAML.")] = None,
    at: Annotated[
        str | None, typer.Option(help="Time of the check (ISO, UTC); default now.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Check a hypothetical order against the risk engine; exit 1 when it would be denied."""
    try:
        iid = InstrumentId(instrument)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--instrument") from None
    base, _, quote = iid.symbol.split(":")[0].partition("/")
    if not quote:
        raise typer.BadParameter(
            f"symbol {iid.symbol!r} is not BASE/QUOTE", param_hint="--instrument"
        )
    now = parse_time(at) if at is not None else pd.Timestamp.now(tz="UTC").value
    spec = Instrument(
        id=iid,
        base=base,
        quote=quote,
        tick_size=_decimal(tick_size, "--tick-size"),
        lot_size=_decimal(lot_size, "--lot-size"),
        kind=InstrumentKind.PERPETUAL if perpetual else InstrumentKind.SPOT,
        max_leverage=Decimal(125) if perpetual else Decimal(1),
    )
    balances = (
        {quote: Decimal(100_000)}
        if not balance
        else {
            k: _decimal(v, "--balance") for k, v in (item.partition("=")[::2] for item in balance)
        }
    )
    decision = _evaluate(
        spec, side, quantity, price, last_price, balances, position, load_config(config), now
    )
    if as_json:
        console.print_json(json.dumps(decision.to_record()))
    else:
        _print_decision(decision)
    if not decision.approved:
        raise typer.Exit(code=1)


def _evaluate(
    instrument: Instrument,
    side: OrderSide,
    quantity: str,
    price: str | None,
    last_price: float,
    balances: dict[str, Decimal],
    position: str | None,
    config: RiskConfig,
    now: int,
) -> RiskDecision:
    bus, clock, cache = MessageBus(), SimClock(now), Cache()
    cache.add_instrument(instrument)
    cache.add_bar(
        Bar(instrument.id, "1m", last_price, last_price, last_price, last_price, 0.0, now, now)
    )
    portfolio = Portfolio(bus, clock, cache, balances, instrument.quote)
    if position is not None and _decimal(position, "--position") != 0:
        signed = _decimal(position, "--position")
        bus.publish(
            FILLS_TOPIC,
            OrderFilled(
                client_order_id=ClientOrderId("what-if-position"),
                instrument_id=instrument.id,
                strategy_id=StrategyId("what-if"),
                ts_event=now,
                ts_init=now,
                venue_order_id=VenueOrderId("what-if"),
                trade_id=TradeId("what-if"),
                side=OrderSide.BUY if signed > 0 else OrderSide.SELL,
                last_qty=abs(signed),
                last_px=instrument.round_price(last_price),
                commission=Decimal(0),
                commission_currency=instrument.quote,
                liquidity_side=LiquiditySide.TAKER,
            ),
        )
    engine = RiskEngine(bus, clock, cache, portfolio, config)
    order = Order(
        client_order_id=ClientOrderId("what-if"),
        strategy_id=StrategyId("what-if"),
        instrument_id=instrument.id,
        side=side,
        order_type=OrderType.MARKET if price is None else OrderType.LIMIT,
        quantity=_decimal(quantity, "--quantity"),
        price=None if price is None else _decimal(price, "--price"),
        ts_init=now,
    )
    return engine.evaluate(order)


def _print_decision(decision: RiskDecision) -> None:
    verdict = "[bold green]APPROVED[/]" if decision.approved else "[bold red]DENIED[/]"
    console.print(
        f"{verdict}  risk level {decision.risk_level.value}, score {decision.risk_score:.0f}"
        f"  (checked at {ns_to_iso(decision.ts)} in {decision.validation_ns / 1000:.0f} µs)"
    )
    for reason in decision.reasons:
        console.print(f"  reason: {reason}", highlight=False)
    for warning in decision.warnings:
        console.print(f"  warning: {warning}", highlight=False)
    for change in decision.modifications:
        console.print(
            f"  modified {change.field}: {change.original} -> {change.modified} ({change.reason})",
            highlight=False,
        )
