"""Background WAL checkpoints: commits never checkpoint, the thread does, and stops with it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import text

from colin.model import OrderSubmitted
from colin.persistence.sql import SqlJournal, create_store
from colin.persistence.sql.checkpoints import WalCheckpointer
from colin.testkit.factories import event_for, make_order


def _wal_pages(store) -> tuple[int, int]:
    """``(pages in the log, pages checkpointed)`` without checkpointing anything new."""
    with store.engine.connect() as connection:
        _, log, done = connection.execute(text("PRAGMA wal_checkpoint(NOOP)")).one()
    return int(log), int(done)


def _autocheckpoint(store) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(text("PRAGMA wal_autocheckpoint")).scalar_one())


def _append(journal: SqlJournal, count: int) -> None:
    event = event_for(make_order(quantity="0.5", price="100"), OrderSubmitted, 1)
    for i in range(count):
        journal.append("event", i, event)


def test_commits_leave_checkpoints_to_the_thread(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/j.db"
    store = create_store(url, durability="normal", checkpoint_interval_s=0.05)
    try:
        assert store.checkpointer is not None and store.checkpointer.running
        assert _autocheckpoint(store) == 0  # no commit checkpoints by itself
        journal = SqlJournal(store, "node")
        _append(journal, 300)
        before = store.checkpointer.checkpoints
        deadline = time.monotonic() + 10
        while store.checkpointer.checkpoints < before + 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        log, done = _wal_pages(store)
        assert store.checkpointer.checkpoints >= before + 2
        assert done == log  # the thread has copied the whole log back
    finally:
        store.close()
    assert not store.checkpointer.running
    reopened = create_store(f"sqlite:///{tmp_path}/j.db")
    try:
        assert SqlJournal(reopened, "node").last_sequence() == 300
        assert _autocheckpoint(reopened) == 1000  # SQLite's default without an interval
    finally:
        reopened.close()


def test_without_an_interval_sqlite_checkpoints_itself(tmp_path: Path) -> None:
    store = create_store(f"sqlite:///{tmp_path}/j.db", durability="normal")
    try:
        assert store.checkpointer is None
        _append(SqlJournal(store, "node"), 1500)
        log, _ = _wal_pages(store)
        assert log < 1500  # the log was checkpointed and recycled by the commits
    finally:
        store.close()


def test_in_memory_stores_and_bad_intervals(tmp_path: Path) -> None:
    memory = create_store("sqlite:///:memory:", checkpoint_interval_s=1.0)
    assert memory.checkpointer is None
    memory.close()
    with pytest.raises(ValueError, match="must be positive"):
        WalCheckpointer(memory.engine, 0)
