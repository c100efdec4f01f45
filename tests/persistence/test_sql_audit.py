"""The audit log: append-only, hash-chained, and verify() catches every kind of tampering."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from colin.model import TradingState
from colin.persistence.sql import AuditLog, SqlStore
from colin.persistence.sql.audit import GENESIS_HASH, canonical_json
from colin.persistence.sql.models import AuditRow


def _fill_log(log: AuditLog, count: int = 5) -> None:
    for i in range(count):
        log.append(
            "risk.decision",
            1_700_000_000_000_000_000 + i,
            {"order": f"O-{i}", "approved": i % 2 == 0, "notional": Decimal(f"{i}.50")},
        )


def _drop_append_only_guard(store: SqlStore) -> None:
    """What someone with DDL rights could do before tampering."""
    with store.engine.begin() as connection:
        if store.dialect == "postgresql":
            connection.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
        else:
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
            connection.execute(text("DROP TRIGGER audit_log_no_delete"))


def test_records_are_chained_with_sha256_of_the_canonical_body(store: SqlStore) -> None:
    log = AuditLog(store)
    first = log.append("risk.decision", 5, {"b": 1, "a": [Decimal("0.10"), TradingState.HALTED]})
    second = log.append("risk.breaker", 6, {"reason": "drawdown 10% ≥ 8%"})
    assert (first.sequence, first.prev_hash) == (1, GENESIS_HASH)
    assert first.record == {"a": ["0.10", "HALTED"], "b": 1}
    body = '{"kind":"risk.decision","record":{"a":["0.10","HALTED"],"b":1},"sequence":1,"ts":5}'
    assert first.hash == hashlib.sha256((GENESIS_HASH + body).encode()).hexdigest()
    assert second.prev_hash == first.hash
    assert log.entries() == [first, second]
    assert log.entries(kind="risk.breaker") == [second]
    assert log.entries(after_sequence=1) == [second]
    assert log.head() == second
    result = log.verify(expected_head=second.hash)
    assert (result.ok, result.entries_checked, result.head_hash) == (True, 2, second.hash)


def test_an_empty_log_verifies(store: SqlStore) -> None:
    log = AuditLog(store)
    assert log.head() is None
    assert log.verify().ok and log.verify().head_hash == GENESIS_HASH


def test_the_database_refuses_updates_and_deletes(store: SqlStore) -> None:
    log = AuditLog(store)
    _fill_log(log, 2)
    with pytest.raises(DBAPIError, match="append-only"), store.session() as session:
        session.execute(update(AuditRow).where(AuditRow.sequence == 1).values(kind="x"))
    with pytest.raises(DBAPIError, match="append-only"), store.session() as session:
        session.execute(delete(AuditRow).where(AuditRow.sequence == 2))
    assert log.verify().ok
    assert not hasattr(log, "update") and not hasattr(log, "delete")


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"record": '{"approved":true,"notional":"9.50","order":"O-2"}'}, "does not match"),
        ({"record": '{"order": "O-2"}'}, "not in canonical form"),
        ({"ts": 1}, "does not match its hash"),
        ({"kind": "risk.override"}, "does not match its hash"),
    ],
)
def test_an_edited_record_is_found(
    store: SqlStore, values: dict[str, object], problem: str
) -> None:
    log = AuditLog(store)
    _fill_log(log)
    _drop_append_only_guard(store)
    with store.session() as session:
        session.execute(update(AuditRow).where(AuditRow.sequence == 3).values(**values))
    result = log.verify()
    assert not result.ok
    assert (result.bad_sequence, result.entries_checked) == (3, 2)
    assert problem in (result.problem or "")


def test_an_edited_record_with_a_recomputed_hash_breaks_the_next_link(store: SqlStore) -> None:
    log = AuditLog(store)
    _fill_log(log)
    third = log.entries()[2]
    assert third.record["approved"] is True
    forged = canonical_json(third.record | {"approved": False})
    body = f'{{"kind":"{third.kind}","record":{forged},"sequence":3,"ts":{third.ts}}}'
    forged_hash = hashlib.sha256((third.prev_hash + body).encode()).hexdigest()
    _drop_append_only_guard(store)
    with store.session() as session:
        session.execute(
            update(AuditRow).where(AuditRow.sequence == 3).values(record=forged, hash=forged_hash)
        )
    result = log.verify()
    assert (result.ok, result.bad_sequence) == (False, 4)
    assert "does not chain" in (result.problem or "")


def test_a_deleted_record_is_found(store: SqlStore) -> None:
    log = AuditLog(store)
    _fill_log(log)
    _drop_append_only_guard(store)
    with store.session() as session:
        session.execute(delete(AuditRow).where(AuditRow.sequence == 2))
    result = log.verify()
    assert (result.ok, result.bad_sequence) == (False, 3)
    assert "removed" in (result.problem or "")


def test_reordered_records_are_found(store: SqlStore) -> None:
    log = AuditLog(store)
    _fill_log(log)
    entries = log.entries()
    _drop_append_only_guard(store)
    with store.session() as session:  # swap the contents of records 2 and 3
        for target, source in ((2, entries[2]), (3, entries[1])):
            session.execute(
                update(AuditRow)
                .where(AuditRow.sequence == target)
                .values(ts=source.ts, record=canonical_json(source.record))
            )
    result = log.verify()
    assert (result.ok, result.bad_sequence) == (False, 2)


def test_records_cut_from_the_end_are_found_with_a_saved_head(store: SqlStore) -> None:
    log = AuditLog(store)
    _fill_log(log)
    saved_head = log.verify().head_hash
    _drop_append_only_guard(store)
    with store.session() as session:
        session.execute(delete(AuditRow).where(AuditRow.sequence >= 4))
    assert log.verify().ok  # a shorter chain is still a chain ...
    result = log.verify(expected_head=saved_head)
    assert not result.ok and "removed" in (result.problem or "")  # ... but not the one we saw


def test_two_writers_extend_one_chain(store: SqlStore) -> None:
    first, second = AuditLog(store), AuditLog(store)
    for i in range(3):
        first.append("a", i, {"i": i})
        second.append("b", i, {"i": i})
    assert [e.kind for e in first.entries()] == ["a", "b"] * 3
    assert first.verify().ok


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"var": float("nan")}, r"record\['var'\]: nan cannot be stored in JSON"),
        ({"limits": [1, object()]}, r"record\['limits'\]\[1\]: object value"),
        ({"by_id": {1: "x"}}, r"record\['by_id'\]: key 1 is not a string"),
    ],
)
def test_records_json_cannot_hold_are_refused_naming_the_key(
    store: SqlStore, record: dict[str, object], message: str
) -> None:
    log = AuditLog(store)
    with pytest.raises(ValueError, match=message):
        log.append("risk.decision", 1, record)
    with pytest.raises(ValueError, match="audit kind"):
        log.append("", 1, {})
    with pytest.raises(ValueError, match="audit ts must be int"):
        log.append("risk.decision", 1.5, {})  # type: ignore[arg-type]
    assert log.entries() == []


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(record=st.dictionaries(st.text(), _json_values, max_size=4))
def test_any_json_record_round_trips_and_verifies(store: SqlStore, record: dict) -> None:
    log = AuditLog(store)
    entry = log.append("fuzz", 1, record)
    assert entry.record == json.loads(json.dumps(record))
    assert log.entries(after_sequence=entry.sequence - 1) == [entry]
    assert log.verify().ok


def test_concurrent_writers_in_threads_keep_one_valid_chain(store: SqlStore) -> None:
    def write(worker: int) -> None:
        log = AuditLog(store)
        for i in range(25):
            log.append("load", i, {"worker": worker, "i": i})

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(4)))
    result = AuditLog(store).verify()
    assert (result.ok, result.entries_checked) == (True, 100)
