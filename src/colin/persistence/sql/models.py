"""SQLAlchemy ORM models of the SQL store (the schema the migrations create).

Money is exact: decimals are stored as their string form (:class:`DecimalString`) so SQLite and
PostgreSQL hold the same digits. Timestamps are UTC nanoseconds in ``BIGINT`` columns. The equity
curve and price series of a run are compact little-endian numpy blobs on the run row, not one row
per point (a run can have millions of points).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JsonType = JSON().with_variant(JSONB(), "postgresql")
"""JSON on SQLite, JSONB on PostgreSQL."""

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class DecimalString(TypeDecorator[Decimal]):
    """A ``Decimal`` stored as its exact string (``"0.10"`` stays ``"0.10"``)."""

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        """Store ``value`` as a string, refusing anything that is not a finite Decimal."""
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValueError(f"expected a finite Decimal, got {value!r}")
        return str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """Read the stored string back as a Decimal."""
        return None if value is None else Decimal(value)


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (stable migration names)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RunRow(Base):
    """One stored backtest run."""

    __tablename__ = "runs"

    run_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    created_at_ns: Mapped[int] = mapped_column(BigInteger, index=True)
    started_at_ns: Mapped[int] = mapped_column(BigInteger)
    finished_at_ns: Mapped[int] = mapped_column(BigInteger)
    strategy: Mapped[str] = mapped_column(String(200))
    symbols: Mapped[list[str]] = mapped_column(JsonType)
    start_ns: Mapped[int | None] = mapped_column(BigInteger)
    end_ns: Mapped[int | None] = mapped_column(BigInteger)
    base_currency: Mapped[str] = mapped_column(String(32))
    starting_equity: Mapped[float] = mapped_column(Float)
    final_equity: Mapped[float | None] = mapped_column(Float)
    events_processed: Mapped[int] = mapped_column(BigInteger)
    fill_count: Mapped[int] = mapped_column(Integer)
    order_count: Mapped[int] = mapped_column(Integer)
    config: Mapped[dict[str, Any]] = mapped_column(JsonType)
    metrics: Mapped[dict[str, Any]] = mapped_column(JsonType)
    risk_events: Mapped[list[Any]] = mapped_column(JsonType)
    denied: Mapped[list[Any]] = mapped_column(JsonType)
    equity_points: Mapped[int] = mapped_column(Integer)
    equity_ts: Mapped[bytes] = mapped_column(LargeBinary)
    equity: Mapped[bytes] = mapped_column(LargeBinary)


class RunPriceRow(Base):
    """The price series of one instrument of a run (for charts), as numpy blobs."""

    __tablename__ = "run_prices"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    instrument_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    points: Mapped[int] = mapped_column(Integer)
    ts: Mapped[bytes] = mapped_column(LargeBinary)
    close: Mapped[bytes] = mapped_column(LargeBinary)


class RunOrderRow(Base):
    """An order of a run with its final state; ``state`` holds fields and event history."""

    __tablename__ = "run_orders"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_order_id: Mapped[str] = mapped_column(String(64))
    instrument_id: Mapped[str] = mapped_column(String(128))
    side: Mapped[str] = mapped_column(String(8))
    order_type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[Decimal] = mapped_column(DecimalString)
    filled_qty: Mapped[Decimal] = mapped_column(DecimalString)
    avg_px: Mapped[Decimal | None] = mapped_column(DecimalString)
    state: Mapped[dict[str, Any]] = mapped_column(JsonType)


class RunFillRow(Base):
    """One fill of a run."""

    __tablename__ = "run_fills"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_order_id: Mapped[str] = mapped_column(String(64))
    instrument_id: Mapped[str] = mapped_column(String(128))
    strategy_id: Mapped[str] = mapped_column(String(128))
    venue_order_id: Mapped[str] = mapped_column(String(128))
    trade_id: Mapped[str] = mapped_column(String(128))
    side: Mapped[str] = mapped_column(String(8))
    last_qty: Mapped[Decimal] = mapped_column(DecimalString)
    last_px: Mapped[Decimal] = mapped_column(DecimalString)
    commission: Mapped[Decimal] = mapped_column(DecimalString)
    commission_currency: Mapped[str] = mapped_column(String(32))
    liquidity_side: Mapped[str] = mapped_column(String(8))
    ts_event: Mapped[int] = mapped_column(BigInteger)
    ts_init: Mapped[int] = mapped_column(BigInteger)


class RunPositionRow(Base):
    """The final net position of one instrument of a run, netted from its fills."""

    __tablename__ = "run_positions"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True
    )
    instrument_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    quantity: Mapped[Decimal] = mapped_column(DecimalString)
    avg_entry_price: Mapped[Decimal] = mapped_column(DecimalString)
    realized_pnl: Mapped[Decimal | None] = mapped_column(DecimalString)
    commissions: Mapped[Decimal] = mapped_column(DecimalString)
    trade_count: Mapped[int] = mapped_column(Integer)
    ts_opened: Mapped[int] = mapped_column(BigInteger)
    ts_closed: Mapped[int] = mapped_column(BigInteger)
    ts_last: Mapped[int] = mapped_column(BigInteger)


class JournalRow(Base):
    """One order-journal entry of a stream (a write-ahead log of intents and events)."""

    __tablename__ = "journal_entries"

    stream: Mapped[str] = mapped_column(String(128), primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ts: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    payload_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType)


class AuditRow(Base):
    """One audit-log record; ``hash`` chains it to the previous record (append-only)."""

    __tablename__ = "audit_log"

    sequence: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ts: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    record: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
