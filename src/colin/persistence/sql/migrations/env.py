"""Alembic environment: migrations run on the connection :class:`SqlStore` hands over.

Run programmatically by :meth:`colin.persistence.sql.store.SqlStore.migrate`; developers create a
new revision with ``alembic -c <ini with script_location here> revision --autogenerate``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from colin.persistence.sql.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as own_connection:
        _run(own_connection)
