"""End to end: risk decisions and events land in the SQL audit log as a verifiable hash chain."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from colin.persistence.sql import AuditLog, create_store
from colin.risk import RiskConfig

from .harness import BTC, Node


@pytest.fixture
def audit_log(database_url: str) -> Iterator[AuditLog]:
    with create_store(database_url) as store:
        yield AuditLog(store)


def test_decisions_and_risk_events_form_a_verified_chain(audit_log: AuditLog) -> None:
    node = Node(RiskConfig(drawdown={"enabled": False}))
    node.risk.audit = audit_log
    node.venue.fill(node.buy(BTC, "0.1", "50000"))
    node.buy(BTC, "-1", "50000")
    node.risk.kill(flatten=True, reason="end of test")

    entries = audit_log.entries()
    kinds = [e.kind for e in entries]
    assert kinds.count("risk.decision") == 3  # approved, denied, flatten
    assert "risk.event" in kinds
    denied = [e.record for e in entries if e.kind == "risk.decision" and not e.record["approved"]]
    assert denied[0]["reasons"] == ["invalid_quantity: quantity must be positive, got -1"]
    assert audit_log.verify().ok
