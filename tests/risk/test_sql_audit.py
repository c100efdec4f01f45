"""End to end: risk decisions and events land in the SQL audit log as a verifiable hash chain."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from colin.persistence.sql import AuditLog, create_store
from colin.risk import RiskConfig
from colin.testkit.sql import (
    postgres_test_url,
    postgres_unreachable_reason,
    temporary_postgres_schema,
)

from .harness import BTC, Node


def _postgres_url() -> str:
    url = postgres_test_url()
    reason = postgres_unreachable_reason(url)
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true requires it")
        pytest.skip(reason)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def audit_log(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AuditLog]:
    if request.param == "sqlite":
        with create_store(f"sqlite:///{tmp_path / 'audit.db'}") as store:
            yield AuditLog(store)
        return
    with temporary_postgres_schema(_postgres_url()) as url, create_store(url) as store:
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
