"""Where decisions and risk events are written: the :class:`AuditSink` port.

The node passes the SQL store's append-only, hash-chained audit log; the risk engine only needs
``append``. :class:`InMemoryAuditSink` is the embedded default and keeps its own SHA-256 chain so
that tampering with a stored record is detectable in tests and in paper trading too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Protocol


class AuditSink(Protocol):
    """An append-only log of audit records."""

    def append(self, kind: str, ts: int, record: dict[str, Any]) -> object:
        """Store one record of ``kind`` at time ``ts`` (UTC ns)."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One stored record and its place in the hash chain."""

    sequence: int
    kind: str
    ts: int
    record: dict[str, Any]
    previous_hash: str
    hash: str


GENESIS_HASH = "0" * 64


# one encoder for every record: json.dumps with these options builds a new encoder per call
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)


def chain_hash(
    previous_hash: str, sequence: int, kind: str, ts: int, record: dict[str, Any]
) -> str:
    """Return the SHA-256 of a record chained to the previous entry's hash."""
    payload = _CANONICAL.encode([previous_hash, sequence, kind, ts, record])
    return hashlib.sha256(payload.encode()).hexdigest()


class InMemoryAuditSink:
    """A hash-chained audit log kept in memory."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def append(self, kind: str, ts: int, record: dict[str, Any]) -> AuditEntry:
        """Store a record and return its chained entry."""
        previous = self.entries[-1].hash if self.entries else GENESIS_HASH
        sequence = len(self.entries)
        entry = AuditEntry(
            sequence, kind, ts, record, previous, chain_hash(previous, sequence, kind, ts, record)
        )
        self.entries.append(entry)
        return entry

    def verify(self) -> int | None:
        """Return the sequence of the first entry whose hash does not match, or ``None``."""
        previous = GENESIS_HASH
        for entry in self.entries:
            expected = chain_hash(previous, entry.sequence, entry.kind, entry.ts, entry.record)
            if entry.previous_hash != previous or entry.hash != expected:
                return entry.sequence
            previous = entry.hash
        return None
