"""An ``INSERT`` run straight on the database driver's connection, for the hottest writers.

The order journal appends before every order leaves for a venue, so its write is on the
tick-to-order path. SQLAlchemy Core still runs a few hundred lines of Python per statement
(execution context, statement cache lookup, parameter processing, transaction bookkeeping); on
a live node, where other work evicts that code from the CPU caches between two orders, that is
most of the append. :class:`DriverInsert` compiles the table's ``INSERT`` once, for the store's
dialect and with SQLAlchemy's own type processing (JSON columns serialized as SQLAlchemy would,
unless the writer brings a faster serializer for values it knows), and runs it with the DBAPI's
``executemany`` and ``commit`` on a connection it holds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Table, insert
from sqlalchemy.exc import IntegrityError

from colin.persistence.sql.store import SqlStore


class DriverInsert:
    """Insert rows into one table, one transaction per call, on a connection of its own.

    Parameters
    ----------
    store
        The open store; the connection is checked out from it on the first insert and closed
        with the store.
    table
        The table; every row passed to :meth:`insert_many` names all of its columns.
    json_dumps
        Writes the values of the table's JSON columns as JSON text, instead of SQLAlchemy's
        processing (the compiled statement casts the text where the dialect needs it, as
        PostgreSQL's ``::JSONB``); ``None``: SQLAlchemy's.

    Notes
    -----
    Use one object per writing thread: a DBAPI connection is not shared between threads.
    """

    def __init__(
        self, store: SqlStore, table: Table, json_dumps: Callable[[Any], str] | None = None
    ) -> None:
        dialect = store.engine.dialect
        compiled = insert(table).compile(dialect=dialect)
        self._store = store
        self._sql = compiled.string
        self._positional = compiled.positional
        keys = compiled.positiontup if compiled.positional else None
        processors = {
            column.key: (
                json_dumps
                if json_dumps is not None and isinstance(column.type, JSON)
                else column.type.dialect_impl(dialect).bind_processor(dialect)
            )
            for column in table.columns
        }
        self._plan: tuple[tuple[str, Callable[[Any], Any] | None], ...] = tuple(
            (key, processors[key]) for key in (keys or processors)
        )
        """Each parameter's column and SQLAlchemy's conversion for it, in the statement's order."""
        self._integrity_error: type[Exception] = dialect.loaded_dbapi.IntegrityError
        self._dbapi: Any = None
        self._cursor: Any = None

    def insert_many(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert ``rows`` and commit: all of them or, on any error, none.

        Raises
        ------
        sqlalchemy.exc.IntegrityError
            If the database refuses a row for a constraint (for example a duplicate key); the
            transaction is rolled back.
        """
        params = [self._bind(row) for row in rows]
        cursor = self._cursor or self._open()
        try:
            cursor.executemany(self._sql, params)
            self._dbapi.commit()
        except BaseException as exc:
            self._dbapi.rollback()
            if isinstance(exc, self._integrity_error):
                raise IntegrityError(self._sql, None, exc) from exc
            raise

    def _bind(self, row: Mapping[str, Any]) -> Any:
        values = [row[key] if convert is None else convert(row[key]) for key, convert in self._plan]
        if self._positional:
            return values
        return {key: value for (key, _), value in zip(self._plan, values, strict=True)}

    def _open(self) -> Any:
        connection = self._store.hold_connection()
        self._dbapi = connection.connection.driver_connection
        self._cursor = self._dbapi.cursor()
        return self._cursor
