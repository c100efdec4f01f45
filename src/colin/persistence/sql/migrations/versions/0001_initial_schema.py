"""Initial schema: runs (orders, fills, positions, prices), order journal, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-21

Decimals are ``VARCHAR(64)`` holding the exact decimal string. The audit log gets triggers that
refuse ``UPDATE`` and ``DELETE`` on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_DECIMAL = sa.String(length=64)
_RUN_FK = "runs.run_id"

_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER audit_log_no_{action.lower()} BEFORE {action} ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"""
    for action in ("UPDATE", "DELETE")
]
_POSTGRES_TRIGGERS = [
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
]


def _run_child(name: str, *columns: sa.Column[Any], key: tuple[str, ...]) -> None:
    op.create_table(
        name,
        sa.Column("run_id", sa.String(length=128), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["run_id"], [_RUN_FK], name=op.f(f"fk_{name}_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", *key, name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    """Create every table, index and the audit log's append-only triggers."""
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(length=128), nullable=False),
        sa.Column("created_at_ns", sa.BigInteger(), nullable=False),
        sa.Column("started_at_ns", sa.BigInteger(), nullable=False),
        sa.Column("finished_at_ns", sa.BigInteger(), nullable=False),
        sa.Column("strategy", sa.String(length=200), nullable=False),
        sa.Column("symbols", _JSON, nullable=False),
        sa.Column("start_ns", sa.BigInteger(), nullable=True),
        sa.Column("end_ns", sa.BigInteger(), nullable=True),
        sa.Column("base_currency", sa.String(length=32), nullable=False),
        sa.Column("starting_equity", sa.Float(), nullable=False),
        sa.Column("final_equity", sa.Float(), nullable=True),
        sa.Column("events_processed", sa.BigInteger(), nullable=False),
        sa.Column("fill_count", sa.Integer(), nullable=False),
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("config", _JSON, nullable=False),
        sa.Column("metrics", _JSON, nullable=False),
        sa.Column("risk_events", _JSON, nullable=False),
        sa.Column("denied", _JSON, nullable=False),
        sa.Column("equity_points", sa.Integer(), nullable=False),
        sa.Column("equity_ts", sa.LargeBinary(), nullable=False),
        sa.Column("equity", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_runs")),
    )
    op.create_index(op.f("ix_runs_created_at_ns"), "runs", ["created_at_ns"])
    _run_child(
        "run_prices",
        sa.Column("instrument_id", sa.String(length=128), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("ts", sa.LargeBinary(), nullable=False),
        sa.Column("close", sa.LargeBinary(), nullable=False),
        key=("instrument_id",),
    )
    _run_child(
        "run_orders",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("client_order_id", sa.String(length=64), nullable=False),
        sa.Column("instrument_id", sa.String(length=128), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("order_type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("quantity", _DECIMAL, nullable=False),
        sa.Column("filled_qty", _DECIMAL, nullable=False),
        sa.Column("avg_px", _DECIMAL, nullable=True),
        sa.Column("state", _JSON, nullable=False),
        key=("seq",),
    )
    _run_child(
        "run_fills",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("client_order_id", sa.String(length=64), nullable=False),
        sa.Column("instrument_id", sa.String(length=128), nullable=False),
        sa.Column("strategy_id", sa.String(length=128), nullable=False),
        sa.Column("venue_order_id", sa.String(length=128), nullable=False),
        sa.Column("trade_id", sa.String(length=128), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("last_qty", _DECIMAL, nullable=False),
        sa.Column("last_px", _DECIMAL, nullable=False),
        sa.Column("commission", _DECIMAL, nullable=False),
        sa.Column("commission_currency", sa.String(length=32), nullable=False),
        sa.Column("liquidity_side", sa.String(length=8), nullable=False),
        sa.Column("ts_event", sa.BigInteger(), nullable=False),
        sa.Column("ts_init", sa.BigInteger(), nullable=False),
        key=("seq",),
    )
    _run_child(
        "run_positions",
        sa.Column("instrument_id", sa.String(length=128), nullable=False),
        sa.Column("quantity", _DECIMAL, nullable=False),
        sa.Column("avg_entry_price", _DECIMAL, nullable=False),
        sa.Column("realized_pnl", _DECIMAL, nullable=True),
        sa.Column("commissions", _DECIMAL, nullable=False),
        sa.Column("trade_count", sa.Integer(), nullable=False),
        sa.Column("ts_opened", sa.BigInteger(), nullable=False),
        sa.Column("ts_closed", sa.BigInteger(), nullable=False),
        sa.Column("ts_last", sa.BigInteger(), nullable=False),
        key=("instrument_id",),
    )
    op.create_table(
        "journal_entries",
        sa.Column("stream", sa.String(length=128), nullable=False),
        sa.Column("sequence", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload_type", sa.String(length=64), nullable=False),
        sa.Column("payload", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("stream", "sequence", name=op.f("pk_journal_entries")),
    )
    op.create_table(
        "audit_log",
        sa.Column("sequence", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("sequence", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_log_hash")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_audit_log_prev_hash")),
    )
    op.create_index(op.f("ix_audit_log_kind"), "audit_log", ["kind"])
    triggers = (
        _POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else _SQLITE_TRIGGERS
    )
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    """Drop everything :func:`upgrade` created."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in (
        "audit_log",
        "journal_entries",
        "run_positions",
        "run_fills",
        "run_orders",
        "run_prices",
        "runs",
    ):
        op.drop_table(table)
