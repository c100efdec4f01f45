"""The SQL order journal: durable, ordered, per stream, decoding back to model objects."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update

from colin.core.errors import DataError
from colin.core.ids import VenueOrderId
from colin.execution.journal import Journal
from colin.model import CancelOrder, OrderAccepted, OrderSubmitted, SubmitOrder
from colin.persistence.codec import CodecError, encode
from colin.persistence.sql import SqlJournal, SqlStore, create_store
from colin.persistence.sql import journal as journal_module
from colin.persistence.sql.models import JournalRow
from colin.testkit.factories import event_for, fill_for, make_order


def _session_payloads() -> list[tuple[str, int, object]]:
    order = make_order(quantity="0.50", price="100.10")
    return [
        ("command", 10, SubmitOrder(order=order, ts_init=10)),
        ("event", 11, event_for(order, OrderSubmitted, 11)),
        ("event", 12, event_for(order, OrderAccepted, 12, venue_order_id=VenueOrderId("V-1"))),
        ("event", 13, fill_for(order, "0.20", "100.10", commission="0.02", ts=13)),
        (
            "command",
            14,
            CancelOrder(
                instrument_id=order.instrument_id,
                strategy_id=order.strategy_id,
                client_order_id=order.client_order_id,
                ts_init=14,
            ),
        ),
    ]


def test_sql_journal_satisfies_the_journal_port(store: SqlStore) -> None:
    journal: Journal = SqlJournal(store, "node-1")
    assert journal.last_sequence() == 0
    assert list(journal.entries()) == []


def test_entries_come_back_in_order_decoded_into_equal_objects(store: SqlStore) -> None:
    journal = SqlJournal(store, "node-1")
    payloads = _session_payloads()
    written = [journal.append(kind, ts, payload) for kind, ts, payload in payloads]
    assert [entry.sequence for entry in written] == [1, 2, 3, 4, 5]
    read = list(journal.entries())
    assert [(e.sequence, e.ts, e.kind) for e in read] == [
        (e.sequence, e.ts, e.kind) for e in written
    ]
    assert [encode(e.payload) for e in read] == [encode(p) for _, _, p in payloads]
    assert read[3].payload == payloads[3][2]
    assert read[3].payload.last_qty == Decimal("0.20")
    assert [e.sequence for e in journal.entries(after_sequence=3)] == [4, 5]
    assert journal.last_sequence() == 5


def test_appends_are_committed_and_survive_reopening_the_store(database_url: str) -> None:
    with create_store(database_url) as first:
        journal = SqlJournal(first, "node-1")
        for kind, ts, payload in _session_payloads()[:3]:
            journal.append(kind, ts, payload)  # type: ignore[arg-type]
    with create_store(database_url) as second:
        reopened = SqlJournal(second, "node-1")
        assert reopened.last_sequence() == 3
        assert reopened.append("event", 99, _session_payloads()[3][2]).sequence == 4
        assert [e.ts for e in reopened.entries()] == [10, 11, 12, 99]


def test_streams_have_their_own_sequences(store: SqlStore) -> None:
    first, second = SqlJournal(store, "node-1"), SqlJournal(store, "node-2")
    payload = _session_payloads()[1][2]
    assert first.append("event", 1, payload).sequence == 1
    assert first.append("event", 2, payload).sequence == 2
    assert second.append("event", 3, payload).sequence == 1
    assert [e.ts for e in second.entries()] == [3]


def test_two_writers_on_one_stream_never_reuse_a_sequence(store: SqlStore) -> None:
    payload = _session_payloads()[1][2]
    first, second = SqlJournal(store, "node-1"), SqlJournal(store, "node-1")
    first.append("event", 1, payload)
    assert second.append("event", 2, payload).sequence == 2  # catches up after a conflict
    assert first.append("event", 3, payload).sequence == 3
    assert [e.ts for e in first.entries()] == [1, 2, 3]


def test_reading_pages_through_long_journals(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_module, "_READ_BATCH", 3)
    journal = SqlJournal(store, "node-1")
    payload = _session_payloads()[1][2]
    for ts in range(8):
        journal.append("event", ts, payload)
    assert [e.sequence for e in journal.entries()] == list(range(1, 9))
    assert [e.sequence for e in journal.entries(after_sequence=6)] == [7, 8]


def test_bad_appends_are_refused_before_anything_is_written(store: SqlStore) -> None:
    journal = SqlJournal(store, "node-1")
    with pytest.raises(ValueError, match="kind must be 'command' or 'event'"):
        journal.append("intent", 1, _session_payloads()[0][2])  # type: ignore[arg-type]
    with pytest.raises(CodecError, match="not a model command or event"):
        journal.append("event", 1, {"filled": 1})
    with pytest.raises(ValueError, match="stream name"):
        SqlJournal(store, "")
    assert journal.last_sequence() == 0


def test_a_corrupted_payload_is_reported_with_stream_and_sequence(store: SqlStore) -> None:
    journal = SqlJournal(store, "node-1")
    for kind, ts, payload in _session_payloads()[:4]:
        journal.append(kind, ts, payload)  # type: ignore[arg-type]
    with store.session() as session:
        session.execute(
            update(JournalRow)
            .where(JournalRow.sequence == 4)
            .values(payload={"type": "OrderFilled", "last_qty": 1.5})
        )
    with pytest.raises(DataError, match=r"journal 'node-1' sequence 4: cannot decode OrderFilled"):
        list(journal.entries())


def test_concurrent_writers_in_threads_get_distinct_gapless_sequences(store: SqlStore) -> None:
    payload = _session_payloads()[1][2]

    def write(_: int) -> list[int]:
        journal = SqlJournal(store, "node-1")
        return [journal.append("event", i, payload).sequence for i in range(25)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        written = [seq for batch in pool.map(write, range(4)) for seq in batch]
    assert sorted(written) == list(range(1, 101))
    assert [e.sequence for e in SqlJournal(store, "node-1").entries()] == list(range(1, 101))


def test_append_many_writes_consecutive_sequences_in_one_transaction(store: SqlStore) -> None:
    journal = SqlJournal(store, "node-1")
    payloads = _session_payloads()
    journal.append("command", 1, payloads[0][2])
    written = journal.append_many(payloads[1:3])  # type: ignore[arg-type]
    assert [(e.sequence, e.ts, e.kind) for e in written] == [(2, 11, "event"), (3, 12, "event")]
    assert [e.payload for e in written] == [payloads[1][2], payloads[2][2]]
    assert [e.sequence for e in journal.entries()] == [1, 2, 3]
    assert journal.append_many([]) == []
    assert journal.last_sequence() == 3


def test_append_many_writes_nothing_when_one_item_is_invalid(store: SqlStore) -> None:
    journal = SqlJournal(store, "node-1")
    submit, submitted = _session_payloads()[0][2], _session_payloads()[1][2]
    with pytest.raises(CodecError, match="not a model command or event"):
        journal.append_many([("command", 1, submit), ("event", 2, {"filled": 1})])
    with pytest.raises(ValueError, match="kind must be 'command' or 'event'"):
        journal.append_many([("command", 1, submit), ("intent", 2, submitted)])  # type: ignore[list-item]
    assert journal.last_sequence() == 0
    assert list(journal.entries()) == []


def test_append_many_is_all_or_nothing_when_the_database_refuses_a_row(store: SqlStore) -> None:
    journal = SqlJournal(store, "node-1")
    payload = _session_payloads()[1][2]
    journal.append("event", 1, payload)
    with store.session() as session:  # a second row this journal does not know about yet
        session.add(
            JournalRow(
                stream="node-1",
                sequence=3,
                ts=99,
                kind="event",
                payload_type="OrderSubmitted",
                payload=encode(payload),
            )
        )
    written = journal.append_many([("event", 2, payload), ("event", 3, payload)])
    # sequence 2 was free but 3 was taken: the pair moved on together, no gap filled half-way
    assert [e.sequence for e in written] == [4, 5]
    assert [e.ts for e in journal.entries()] == [1, 99, 2, 3]


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(value=_JSON_VALUES)
def test_payload_json_writes_the_values_json_dumps_writes(value: object) -> None:
    # orjson for what it takes; the standard library for big integers and lone surrogates
    assert json.loads(journal_module.payload_json({"v": value})) == json.loads(
        json.dumps({"v": value})
    )


def test_a_payload_orjson_refuses_is_stored_and_read_back(store: SqlStore) -> None:
    journal = SqlJournal(store, "node-1")
    order = make_order(quantity="0.50", price="100.10")
    order.tags = ("naïve", "€")
    submit = SubmitOrder(order=order, ts_init=2**70)  # beyond 64 bits: json.dumps writes it
    journal.append("command", 1, submit)
    (entry,) = journal.entries()
    assert encode(entry.payload) == encode(submit)
    assert entry.payload.ts_init == 2**70 and entry.payload.order.tags == ("naïve", "€")
