"""The append-only, hash-chained audit log (risk decisions, breaker trips, operator actions).

Each record is chained to the one before it: ``hash = sha256(prev_hash + body)`` where ``body`` is
the canonical JSON (sorted keys, no spaces, UTF-8) of ``{"sequence", "ts", "kind", "record"}``
and the first record's ``prev_hash`` is 64 zeros. :meth:`AuditLog.verify` recomputes the chain
and reports the first record that was edited, deleted or moved. The class offers no update or
delete, and database triggers refuse both, so changing history takes deliberate DDL and is then
caught by :meth:`~AuditLog.verify`. Removing records from the *end* leaves a valid shorter chain:
keep :attr:`VerificationResult.head_hash` somewhere else and pass it as ``expected_head``.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from colin.core.errors import DataError
from colin.persistence.json_safe import to_json_safe
from colin.persistence.sql.models import AuditRow
from colin.persistence.sql.store import SqlStore

GENESIS_HASH = "0" * 64
_APPEND_ATTEMPTS = 100
_RETRY_PAUSE_S = 0.002
_READ_BATCH = 1_000


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit record as stored."""

    sequence: int
    ts: int
    kind: str
    record: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """The outcome of :meth:`AuditLog.verify`.

    Attributes
    ----------
    ok
        Whether every record checked out.
    entries_checked
        Records read before the first problem (all of them when ``ok``).
    head_hash
        Hash of the last valid record (:data:`GENESIS_HASH` for an empty log).
    bad_sequence
        Sequence of the first bad record, ``None`` when ``ok`` or when only the head is wrong.
    problem
        What is wrong, ``None`` when ``ok``.
    """

    ok: bool
    entries_checked: int
    head_hash: str
    bad_sequence: int | None = None
    problem: str | None = None


def canonical_json(value: Any) -> str:
    """Serialise ``value`` as canonical JSON (sorted keys, compact, UTF-8, no NaN).

    Decimals become their exact string and enums their value; anything else that JSON cannot
    hold raises ``ValueError`` naming where it is.
    """
    return json.dumps(
        to_json_safe(value, "record"),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def chain_hash(prev_hash: str, sequence: int, ts: int, kind: str, record_json: str) -> str:
    """Return the hash of one record given its predecessor's hash."""
    body = (
        f'{{"kind":{json.dumps(kind, ensure_ascii=False)},"record":{record_json},'
        f'"sequence":{sequence},"ts":{ts}}}'
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


class AuditLog:
    """Append-only, hash-chained audit records in a :class:`SqlStore`."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store

    def append(self, kind: str, ts: int, record: Mapping[str, Any]) -> AuditEntry:
        """Append one record and return it with its sequence and hash.

        Parameters
        ----------
        kind
            What the record is about (``"risk.decision"``, ``"risk.breaker"``...), 1-64 chars.
        ts
            UTC nanoseconds of the decision.
        record
            JSON-safe details; Decimals are stored as strings, enums as values.

        Raises
        ------
        ValueError
            If ``kind`` is empty or too long, ``ts`` is not an int, or ``record`` holds a value
            JSON cannot represent (the message names the key).
        """
        if not kind or len(kind) > 64:
            raise ValueError(f"audit kind must be 1-64 characters, got {kind!r}")
        if type(ts) is not int:
            raise ValueError(f"audit ts must be int nanoseconds, got {ts!r}")
        if not isinstance(record, Mapping):
            raise ValueError(f"audit record must be a mapping, got {type(record).__name__}")
        record_json = canonical_json(dict(record))
        for _ in range(_APPEND_ATTEMPTS):
            try:
                with self._store.session() as session:
                    last = session.execute(
                        select(AuditRow.sequence, AuditRow.hash)
                        .order_by(AuditRow.sequence.desc())
                        .limit(1)
                    ).first()
                    sequence, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
                    row = AuditRow(
                        sequence=sequence,
                        ts=ts,
                        kind=kind,
                        record=record_json,
                        prev_hash=prev_hash,
                        hash=chain_hash(prev_hash, sequence, ts, kind, record_json),
                    )
                    session.add(row)
            except (IntegrityError, OperationalError) as exc:
                if isinstance(exc, OperationalError) and "locked" not in str(exc):
                    raise
                # a concurrent writer appended first (on SQLite: its commit invalidated our
                # read snapshot): wait a moment, read the new head and chain onto it
                time.sleep(random.uniform(0, _RETRY_PAUSE_S))
                continue
            return _entry(row)
        raise DataError(f"audit log: could not append after {_APPEND_ATTEMPTS} attempts")

    def entries(
        self, *, kind: str | None = None, after_sequence: int = 0, limit: int | None = None
    ) -> list[AuditEntry]:
        """Return records after ``after_sequence`` in order, optionally of one ``kind`` only."""
        query = select(AuditRow).where(AuditRow.sequence > after_sequence)
        if kind is not None:
            query = query.where(AuditRow.kind == kind)
        query = query.order_by(AuditRow.sequence).limit(limit)
        with self._store.session() as session:
            return [_entry(row) for row in session.scalars(query)]

    def head(self) -> AuditEntry | None:
        """Return the newest record, ``None`` when the log is empty."""
        with self._store.session() as session:
            row = session.scalars(
                select(AuditRow).order_by(AuditRow.sequence.desc()).limit(1)
            ).first()
            return None if row is None else _entry(row)

    def verify(self, expected_head: str | None = None) -> VerificationResult:
        """Recompute the chain and report the first record that does not check out.

        Parameters
        ----------
        expected_head
            A head hash recorded earlier (elsewhere). When given, the chain must still contain a
            record with that hash, which catches records removed from the end.
        """
        prev_hash, expected_sequence, checked = GENESIS_HASH, 1, 0
        seen_expected = expected_head is None or expected_head == GENESIS_HASH
        for row in self._rows():
            problem = _check(row, expected_sequence, prev_hash)
            if problem is not None:
                return VerificationResult(False, checked, prev_hash, row.sequence, problem)
            prev_hash, expected_sequence, checked = row.hash, row.sequence + 1, checked + 1
            seen_expected = seen_expected or row.hash == expected_head
        if not seen_expected:
            problem = f"expected head {expected_head} is not in the chain: records were removed"
            return VerificationResult(False, checked, prev_hash, None, problem)
        return VerificationResult(True, checked, prev_hash)

    def _rows(self) -> Iterator[AuditRow]:
        cursor = 0
        while True:
            with self._store.session() as session:
                rows = session.scalars(
                    select(AuditRow)
                    .where(AuditRow.sequence > cursor)
                    .order_by(AuditRow.sequence)
                    .limit(_READ_BATCH)
                ).all()
            yield from rows
            if len(rows) < _READ_BATCH:
                return
            cursor = rows[-1].sequence


def _check(row: AuditRow, expected_sequence: int, prev_hash: str) -> str | None:
    if row.sequence != expected_sequence:
        return f"sequence {row.sequence} follows {expected_sequence - 1}: records were removed"
    if row.prev_hash != prev_hash:
        return f"record {row.sequence} does not chain to the previous record"
    try:
        canonical = canonical_json(json.loads(row.record))
    except ValueError:
        return f"record {row.sequence} holds invalid JSON"
    if canonical != row.record:
        return f"record {row.sequence} is not in canonical form: it was edited"
    if chain_hash(prev_hash, row.sequence, row.ts, row.kind, row.record) != row.hash:
        return f"record {row.sequence} does not match its hash: it was edited"
    return None


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        row.sequence, row.ts, row.kind, json.loads(row.record), row.prev_hash, row.hash
    )
