"""The order journal in the SQL store: a durable, per-stream write-ahead log.

:class:`SqlJournal` implements :class:`colin.execution.journal.Journal`. Each append is committed
before it returns, so an intent journaled before it is sent to a venue survives a crash of the
process (and, with the store's ``"full"`` durability, a power cut too; see
:mod:`colin.persistence.sql.store`). Payloads are stored with :mod:`colin.persistence.codec` and
come back as the model objects that were appended.

Appends are on the hot path of every order, so they skip the ORM and SQLAlchemy's execution
machinery: one ``INSERT`` compiled once and run on the driver's connection, which the journal
keeps for its lifetime (:class:`~colin.persistence.sql.driver_insert.DriverInsert`), one
transaction per :meth:`SqlJournal.append_many`, payloads written as JSON by orjson
(:func:`payload_json`).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator, Sequence
from typing import Any, cast

import orjson
from sqlalchemy import Table, func, select
from sqlalchemy.exc import IntegrityError

from colin.core.errors import DataError
from colin.execution.journal import EntryInput, EntryKind, JournalEntry
from colin.persistence.codec import CodecError, JsonDict, decode, encode
from colin.persistence.sql.driver_insert import DriverInsert
from colin.persistence.sql.models import JournalRow
from colin.persistence.sql.store import SqlStore

_KINDS: frozenset[str] = frozenset({"command", "event"})
_APPEND_ATTEMPTS = 100
_RETRY_PAUSE_S = 0.002
_READ_BATCH = 1_000


def payload_json(payload: JsonDict) -> str:
    """A codec payload as JSON text: the values :func:`json.dumps` would write, compactly.

    The codec writes strings, integers, booleans, ``None``, lists and objects with string keys
    (decimals as strings, never floats), on which orjson and :func:`json.dumps` agree; orjson
    writes them several times faster. What orjson refuses (an integer beyond 64 bits, a string
    with a lone surrogate) is written by :func:`json.dumps`.
    """
    try:
        return orjson.dumps(payload).decode()
    except orjson.JSONEncodeError:
        return json.dumps(payload)


class SqlJournal:
    """The journal of one stream (for example one trading node) in a :class:`SqlStore`.

    Parameters
    ----------
    store
        The open store.
    stream
        Name of the stream; sequences count from 1 within each stream.

    Notes
    -----
    The journal appends on a connection of its own, held until the store is closed; use one
    journal object per writing thread.
    """

    def __init__(self, store: SqlStore, stream: str) -> None:
        if not stream or len(stream) > 128:
            raise ValueError(f"journal stream name must be 1-128 characters, got {stream!r}")
        self._store = store
        self.stream = stream
        self._insert = DriverInsert(
            store, cast(Table, JournalRow.__table__), json_dumps=payload_json
        )
        self._last = self._read_last_sequence()

    def append(self, kind: EntryKind, ts: int, payload: Any) -> JournalEntry:
        """Durably record ``payload`` and return its entry with the next sequence number.

        Raises
        ------
        ValueError
            If ``kind`` is not ``"command"`` or ``"event"``.
        CodecError
            If ``payload`` is not a model command or event.
        """
        return self.append_many([(kind, ts, payload)])[0]

    def append_many(self, items: Sequence[EntryInput]) -> list[JournalEntry]:
        """Durably record ``items`` in one transaction, with consecutive sequence numbers.

        Either every item is written or none is. Nothing is written if any item is invalid.

        Raises
        ------
        ValueError
            If a kind is not ``"command"`` or ``"event"``.
        CodecError
            If a payload is not a model command or event.
        """
        encoded = []
        for kind, ts, payload in items:
            if kind not in _KINDS:
                raise ValueError(f"journal entry kind must be 'command' or 'event', got {kind!r}")
            encoded.append((kind, ts, encode(payload)))
        if not encoded:
            return []
        for _ in range(_APPEND_ATTEMPTS):
            first = self._last + 1
            rows = [
                {
                    "stream": self.stream,
                    "sequence": first + offset,
                    "ts": ts,
                    "kind": kind,
                    "payload_type": data["type"],
                    "payload": data,
                }
                for offset, (kind, ts, data) in enumerate(encoded)
            ]
            try:
                self._insert.insert_many(rows)
            except IntegrityError:
                # another writer took one of these sequences: catch up and try the next ones
                time.sleep(random.uniform(0, _RETRY_PAUSE_S))
                self._last = self._read_last_sequence()
                continue
            self._last = first + len(encoded) - 1
            return [
                JournalEntry(first + offset, ts, kind, payload)
                for offset, (kind, ts, payload) in enumerate(items)
            ]
        raise DataError(
            f"journal {self.stream!r}: could not append after {_APPEND_ATTEMPTS} attempts; "
            "other writers keep taking the next sequence"
        )

    def entries(self, after_sequence: int = 0) -> Iterator[JournalEntry]:
        """Iterate over entries with a sequence greater than ``after_sequence``, in order.

        Raises
        ------
        DataError
            If a stored payload cannot be decoded (the message names the stream and sequence).
        """
        cursor = after_sequence
        while True:
            with self._store.session() as session:
                rows = session.scalars(
                    select(JournalRow)
                    .where(JournalRow.stream == self.stream, JournalRow.sequence > cursor)
                    .order_by(JournalRow.sequence)
                    .limit(_READ_BATCH)
                ).all()
            for row in rows:
                yield self._entry(row)
            if len(rows) < _READ_BATCH:
                return
            cursor = rows[-1].sequence

    def last_sequence(self) -> int:
        """The highest sequence written to this stream, 0 when empty."""
        self._last = self._read_last_sequence()
        return self._last

    def _read_last_sequence(self) -> int:
        with self._store.session() as session:
            last = session.scalar(
                select(func.max(JournalRow.sequence)).where(JournalRow.stream == self.stream)
            )
        return int(last or 0)

    def _entry(self, row: JournalRow) -> JournalEntry:
        if row.kind not in _KINDS:
            raise DataError(
                f"journal {self.stream!r} sequence {row.sequence}: unknown kind {row.kind!r}"
            )
        try:
            payload = decode(row.payload)
        except CodecError as exc:
            raise DataError(f"journal {self.stream!r} sequence {row.sequence}: {exc}") from None
        kind: EntryKind = "command" if row.kind == "command" else "event"
        return JournalEntry(row.sequence, row.ts, kind, payload)

    def __repr__(self) -> str:
        return f"SqlJournal({self.stream!r}, last_sequence={self._last})"
