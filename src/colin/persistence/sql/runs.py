"""The run store: backtest runs with their orders, fills, final positions and equity curve.

A run is one row in ``runs`` (config, metrics and risk events as JSON; the equity curve as two
little-endian numpy blobs, int64 timestamps and float64 values, so a million points is 16 MB in
one row rather than a million rows), plus bulk-inserted child rows in ``run_orders`` (each with
its full state and event history), ``run_fills``, ``run_positions`` (netted from the fills) and
``run_prices`` (chart series, as blobs). Deleting a run deletes its children (``ON DELETE
CASCADE``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from colin.core.errors import DataError, NotFoundError
from colin.core.ids import ClientOrderId, InstrumentId, StrategyId, TradeId, VenueOrderId
from colin.model.enums import LiquiditySide, OrderSide
from colin.model.events import OrderDenied, OrderFilled
from colin.model.instrument import Instrument
from colin.persistence.codec import CodecError, decode, decode_order_state
from colin.persistence.json_safe import restore_nonfinite
from colin.persistence.sql.models import (
    RunFillRow,
    RunOrderRow,
    RunPositionRow,
    RunPriceRow,
    RunRow,
)
from colin.persistence.sql.run_records import (
    FLOAT64,
    INT64,
    RunResult,
    RunSummary,
    StoredPosition,
    StoredRun,
    blob_to_array,
)
from colin.persistence.sql.run_rows import run_rows
from colin.persistence.sql.store import SqlStore

_SUMMARY_COLUMNS = (
    RunRow.run_id,
    RunRow.strategy,
    RunRow.symbols,
    RunRow.start_ns,
    RunRow.end_ns,
    RunRow.created_at_ns,
    RunRow.base_currency,
    RunRow.starting_equity,
    RunRow.final_equity,
    RunRow.metrics,
    RunRow.fill_count,
)


class RunRepository:
    """Save, list, read and delete backtest runs in a :class:`SqlStore`."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store

    def save(
        self,
        result: RunResult,
        *,
        instruments: Mapping[InstrumentId, Instrument] | None = None,
        created_at_ns: int | None = None,
        replace: bool = False,
    ) -> None:
        """Store ``result`` and everything in it, in one transaction.

        Parameters
        ----------
        result
            A ``BacktestResult`` (or anything with the same attributes, see :class:`RunResult`).
        instruments
            The run's instruments, to value final positions exactly; without one, a position's
            ``realized_pnl`` is stored as unknown (``None``).
        created_at_ns
            When the run was stored (UTC ns); now by default.
        replace
            Overwrite a stored run with the same id instead of refusing.

        Raises
        ------
        DataError
            If a run with this id is stored and ``replace`` is false, or a field of the result
            cannot be stored (the message names it).
        """
        row, children = run_rows(result, instruments or {}, created_at_ns or time.time_ns())
        with self._store.session() as session:
            exists = session.scalar(select(RunRow.run_id).where(RunRow.run_id == row.run_id))
            if exists is not None:
                if not replace:
                    raise DataError(f"run {row.run_id!r} is already stored; delete it first")
                session.execute(delete(RunRow).where(RunRow.run_id == row.run_id))
            session.add(row)
            session.flush()
            for model, rows in children.items():
                if rows:
                    session.execute(insert(model), rows)

    def list(self, limit: int = 50) -> list[RunSummary]:
        """Return the newest ``limit`` runs, newest first."""
        query = (
            select(*_SUMMARY_COLUMNS)
            .order_by(RunRow.created_at_ns.desc(), RunRow.run_id.desc())
            .limit(limit)
        )
        with self._store.session() as session:
            return [_summary(row) for row in session.execute(query)]

    def get(self, run_id: str) -> StoredRun:
        """Read a run back with its equity curve, orders, fills, positions and prices.

        Raises
        ------
        NotFoundError
            If no run has this id.
        DataError
            If a stored value cannot be decoded (the message names the run and the part).
        """
        with self._store.session() as session:
            row = session.get(RunRow, run_id)
            if row is None:
                raise NotFoundError(f"run {run_id!r} is not in the store {self._store.url}")
            try:
                return _stored_run(session, row)
            except (CodecError, ValueError) as exc:
                raise DataError(f"run {run_id!r}: {exc}") from None

    def delete(self, run_id: str) -> None:
        """Delete a run and all its rows.

        Raises
        ------
        NotFoundError
            If no run has this id.
        """
        with self._store.session() as session:
            deleted = session.execute(
                delete(RunRow).where(RunRow.run_id == run_id).returning(RunRow.run_id)
            ).all()
        if not deleted:
            raise NotFoundError(f"run {run_id!r} is not in the store {self._store.url}")


# -- reading ---------------------------------------------------------------------------------------


def _summary(row: Any) -> RunSummary:
    metrics = {key: restore_nonfinite(value) for key, value in row.metrics.items()}

    def number(key: str) -> float | None:
        value = metrics.get(key)
        return float(value) if isinstance(value, int | float) else None

    trades = metrics.get("trade_count")
    return RunSummary(
        run_id=row.run_id,
        strategy=row.strategy,
        symbols=tuple(row.symbols),
        start_ns=row.start_ns,
        end_ns=row.end_ns,
        created_at_ns=row.created_at_ns,
        base_currency=row.base_currency,
        starting_equity=row.starting_equity,
        final_equity=row.final_equity,
        total_return=number("total_return"),
        sharpe=number("sharpe"),
        max_drawdown=number("max_drawdown"),
        trade_count=int(trades) if isinstance(trades, int | float) else None,
        fill_count=row.fill_count,
    )


def _stored_run(session: Session, row: RunRow) -> StoredRun:
    run_id = row.run_id
    orders = session.scalars(
        select(RunOrderRow).where(RunOrderRow.run_id == run_id).order_by(RunOrderRow.seq)
    )
    fills = session.scalars(
        select(RunFillRow).where(RunFillRow.run_id == run_id).order_by(RunFillRow.seq)
    )
    positions = session.scalars(
        select(RunPositionRow)
        .where(RunPositionRow.run_id == run_id)
        .order_by(RunPositionRow.instrument_id)
    )
    prices = session.scalars(select(RunPriceRow).where(RunPriceRow.run_id == run_id))
    return StoredRun(
        run_id=run_id,
        created_at_ns=row.created_at_ns,
        strategy=row.strategy,
        symbols=tuple(row.symbols),
        config=row.config,
        base_currency=row.base_currency,
        starting_equity=row.starting_equity,
        equity_ts=blob_to_array(row.equity_ts, INT64, row.equity_points, "equity_ts"),
        equity=blob_to_array(row.equity, FLOAT64, row.equity_points, "equity"),
        fills=[_fill(fill) for fill in fills],
        orders=[decode_order_state(order.state) for order in orders],
        positions=[_position(position) for position in positions],
        denied=_denied(row.denied),
        prices={
            price.instrument_id: {
                "ts": blob_to_array(price.ts, INT64, price.points, "prices ts"),
                "close": blob_to_array(price.close, FLOAT64, price.points, "prices close"),
            }
            for price in prices
        },
        risk_events=row.risk_events,
        metrics={key: restore_nonfinite(value) for key, value in row.metrics.items()},
        started_at_ns=row.started_at_ns,
        finished_at_ns=row.finished_at_ns,
        events_processed=row.events_processed,
    )


def _fill(row: RunFillRow) -> OrderFilled:
    return OrderFilled(
        client_order_id=ClientOrderId(row.client_order_id),
        instrument_id=InstrumentId(row.instrument_id),
        strategy_id=StrategyId(row.strategy_id),
        ts_event=row.ts_event,
        ts_init=row.ts_init,
        venue_order_id=VenueOrderId(row.venue_order_id),
        trade_id=TradeId(row.trade_id),
        side=OrderSide(row.side),
        last_qty=row.last_qty,
        last_px=row.last_px,
        commission=row.commission,
        commission_currency=row.commission_currency,
        liquidity_side=LiquiditySide(row.liquidity_side),
    )


def _position(row: RunPositionRow) -> StoredPosition:
    return StoredPosition(
        instrument_id=InstrumentId(row.instrument_id),
        quantity=row.quantity,
        avg_entry_price=row.avg_entry_price,
        realized_pnl=row.realized_pnl,
        commissions=row.commissions,
        trade_count=row.trade_count,
        ts_opened=row.ts_opened,
        ts_closed=row.ts_closed,
        ts_last=row.ts_last,
    )


def _denied(items: Sequence[Any]) -> list[OrderDenied]:
    denied = [decode(item) for item in items]
    for event in denied:
        if not isinstance(event, OrderDenied):
            raise CodecError(f"denied holds a {type(event).__name__}, not an OrderDenied")
    return denied
