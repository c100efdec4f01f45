"""Turn a finished run into the rows of the run store (see :mod:`colin.persistence.sql.runs`).

Final positions are netted from the fills with :class:`~colin.model.position.Position`. Quantity,
entry price and fees do not depend on the contract size; realised PnL does, so it is stored only
for the instruments given and is unknown (``NULL``) for the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.model.events import OrderFilled
from colin.model.instrument import Instrument
from colin.model.orders import Order
from colin.model.position import Position
from colin.persistence.codec import CodecError, encode, encode_order_state
from colin.persistence.json_safe import to_json_safe
from colin.persistence.sql.models import (
    RunFillRow,
    RunOrderRow,
    RunPositionRow,
    RunPriceRow,
    RunRow,
)
from colin.persistence.sql.run_records import FLOAT64, INT64, RunResult, array_to_blob


def run_rows(
    result: RunResult, instruments: Mapping[InstrumentId, Instrument], created_at_ns: int
) -> tuple[RunRow, dict[type, list[dict[str, Any]]]]:
    """Return the run row and, per child model, the rows to bulk-insert.

    Raises
    ------
    DataError
        If a field of the result cannot be stored (the message names the run and the field).
    """
    run_id = result.run_id
    try:
        equity_ts, points = array_to_blob(result.equity_ts, INT64, "equity_ts")
        equity, equity_points = array_to_blob(result.equity, FLOAT64, "equity")
        if points != equity_points:
            raise ValueError(f"equity_ts has {points} points but equity has {equity_points}")
        config = to_json_safe(result.config, "config", "string")
        row = RunRow(
            run_id=run_id,
            created_at_ns=created_at_ns,
            started_at_ns=result.started_at_ns,
            finished_at_ns=result.finished_at_ns,
            strategy=_strategy_name(config),
            symbols=_symbols(config, result),
            start_ns=int(result.equity_ts[0]) if points else None,
            end_ns=int(result.equity_ts[-1]) if points else None,
            base_currency=result.base_currency,
            starting_equity=float(result.starting_equity),
            final_equity=float(result.equity[-1]) if points else None,
            events_processed=result.events_processed,
            fill_count=len(result.fills),
            order_count=len(result.orders),
            config=config,
            metrics=to_json_safe(result.metrics, "metrics", "string"),
            risk_events=to_json_safe(result.risk_events, "risk_events", "string"),
            denied=[encode(event) for event in result.denied],
            equity_points=points,
            equity_ts=equity_ts,
            equity=equity,
        )
        children: dict[type, list[dict[str, Any]]] = {
            RunPriceRow: _price_rows(run_id, result.prices),
            RunOrderRow: [
                _order_row(run_id, seq, order) for seq, order in enumerate(result.orders)
            ],
            RunFillRow: [_fill_row(run_id, seq, fill) for seq, fill in enumerate(result.fills)],
            RunPositionRow: _position_rows(run_id, result.fills, instruments),
        }
    except (CodecError, ValueError, TypeError, IndexError) as exc:
        raise DataError(f"cannot store run {run_id!r}: {exc}") from None
    return row, children


def _strategy_name(config: Mapping[str, Any]) -> str:
    strategy = config.get("strategy", "")
    if isinstance(strategy, Mapping):
        strategy = strategy.get("name", "")
    return str(strategy)[:200]


def _symbols(config: Mapping[str, Any], result: RunResult) -> list[str]:
    instruments = config.get("instruments")
    if isinstance(instruments, str):
        return [instruments]
    if isinstance(instruments, list) and instruments:
        return [str(item) for item in instruments]
    return sorted(set(result.prices) | {str(order.instrument_id) for order in result.orders})


def _price_rows(run_id: str, prices: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for instrument_id, series in prices.items():
        missing = {"ts", "close"} - set(series)
        if missing:
            raise ValueError(f"prices[{instrument_id!r}] lacks {sorted(missing)}")
        ts, points = array_to_blob(series["ts"], INT64, f"prices[{instrument_id!r}]['ts']")
        close, closes = array_to_blob(
            series["close"], FLOAT64, f"prices[{instrument_id!r}]['close']"
        )
        if points != closes:
            raise ValueError(f"prices[{instrument_id!r}]: {points} timestamps, {closes} closes")
        rows.append(
            {"run_id": run_id, "instrument_id": instrument_id, "points": points, "ts": ts}
            | {"close": close}
        )
    return rows


def _order_row(run_id: str, seq: int, order: Order) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "seq": seq,
        "client_order_id": order.client_order_id,
        "instrument_id": order.instrument_id,
        "side": order.side.value,
        "order_type": order.order_type.value,
        "status": order.status.value,
        "quantity": order.quantity,
        "filled_qty": order.filled_qty,
        "avg_px": order.avg_px,
        "state": encode_order_state(order),
    }


def _fill_row(run_id: str, seq: int, fill: OrderFilled) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "seq": seq,
        "client_order_id": fill.client_order_id,
        "instrument_id": fill.instrument_id,
        "strategy_id": fill.strategy_id,
        "venue_order_id": fill.venue_order_id,
        "trade_id": fill.trade_id,
        "side": fill.side.value,
        "last_qty": fill.last_qty,
        "last_px": fill.last_px,
        "commission": fill.commission,
        "commission_currency": fill.commission_currency,
        "liquidity_side": fill.liquidity_side.value,
        "ts_event": fill.ts_event,
        "ts_init": fill.ts_init,
    }


def _position_rows(
    run_id: str, fills: Iterable[OrderFilled], instruments: Mapping[InstrumentId, Instrument]
) -> list[dict[str, Any]]:
    positions: dict[InstrumentId, Position] = {}
    for fill in fills:
        position = positions.get(fill.instrument_id)
        if position is None:
            instrument = instruments.get(fill.instrument_id) or _unit_instrument(fill.instrument_id)
            position = positions[fill.instrument_id] = Position(instrument, fill.strategy_id)
        position.apply(fill)
    return [
        {
            "run_id": run_id,
            "instrument_id": instrument_id,
            "quantity": position.quantity,
            "avg_entry_price": position.avg_entry_price,
            "realized_pnl": position.realized_pnl if instrument_id in instruments else None,
            "commissions": position.commissions,
            "trade_count": position.trade_count,
            "ts_opened": position.ts_opened,
            "ts_closed": position.ts_closed,
            "ts_last": position.ts_last,
        }
        for instrument_id, position in positions.items()
    ]


def _unit_instrument(instrument_id: InstrumentId) -> Instrument:
    # stands in for an instrument not given: contract size 1, quote (fee) currency from the symbol
    base, _, rest = instrument_id.symbol.partition("/")
    quote = rest.partition(":")[0]
    unit = Decimal("1E-18")
    return Instrument(id=instrument_id, base=base, quote=quote, tick_size=unit, lot_size=unit)
