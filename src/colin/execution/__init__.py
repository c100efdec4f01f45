"""The order management system: execution engine, journal, and the venue client port."""

from colin.execution.client import ExecutionClient
from colin.execution.engine import ExecutionCounters, ExecutionEngine
from colin.execution.journal import InMemoryJournal, Journal, JournalEntry

__all__ = [
    "ExecutionClient",
    "ExecutionCounters",
    "ExecutionEngine",
    "InMemoryJournal",
    "Journal",
    "JournalEntry",
]
