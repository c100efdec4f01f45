"""The order journal port: a write-ahead log of every order intent and event.

The execution engine appends a :class:`JournalEntry` for each command *before* it is sent to a
venue, and for each order event it processes. A command and the order event it causes before the
send (``SubmitOrder`` and ``OrderSubmitted``, a cancel and ``OrderPendingCancel``) are written
together with :meth:`Journal.append_many`: one durable write, all or nothing. Replaying the
entries in ``sequence`` order rebuilds every order (and, through the fills, every position).
:class:`InMemoryJournal` serves backtests; the SQL journal in :mod:`colin.persistence` serves
paper and live trading.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Literal, NamedTuple, Protocol

EntryKind = Literal["command", "event"]
EntryInput = tuple[EntryKind, int, Any]
"""What is appended: ``(kind, ts, payload)``."""


class JournalEntry(NamedTuple):
    """One journal record. ``payload`` is the command or event object itself.

    An immutable named tuple: several are written for every order, and a tuple is built in one
    step where a frozen dataclass sets each field through ``object.__setattr__``.
    """

    sequence: int
    ts: int
    kind: EntryKind
    payload: Any


class Journal(Protocol):
    """Append-only storage of journal entries."""

    def append(self, kind: EntryKind, ts: int, payload: Any) -> JournalEntry:
        """Durably record ``payload`` and return its entry (with the next sequence number)."""

    def append_many(self, items: Sequence[EntryInput]) -> list[JournalEntry]:
        """Durably record ``items`` in one write (all or none), with consecutive sequences."""

    def entries(self, after_sequence: int = 0) -> Iterator[JournalEntry]:
        """Iterate over entries with a sequence greater than ``after_sequence``, in order."""

    def last_sequence(self) -> int:
        """The highest sequence written, 0 when empty."""


class InMemoryJournal:
    """A journal kept in a list (backtests; the run store persists it at the end)."""

    def __init__(self) -> None:
        self._entries: list[JournalEntry] = []

    def append(self, kind: EntryKind, ts: int, payload: Any) -> JournalEntry:
        """Record ``payload``."""
        entries = self._entries
        entry = JournalEntry(len(entries) + 1, ts, kind, payload)
        entries.append(entry)
        return entry

    def append_many(self, items: Sequence[EntryInput]) -> list[JournalEntry]:
        """Record ``items`` in order."""
        entries = self._entries
        first = len(entries) + 1
        added = [
            JournalEntry(first + offset, ts, kind, payload)
            for offset, (kind, ts, payload) in enumerate(items)
        ]
        entries.extend(added)
        return added

    def entries(self, after_sequence: int = 0) -> Iterator[JournalEntry]:
        """Iterate over the entries after ``after_sequence``."""
        return iter(self._entries[after_sequence:])

    def last_sequence(self) -> int:
        """The highest sequence written."""
        return len(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
