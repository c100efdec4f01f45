"""The risk engine's decision log: build each verdict, keep a bounded history, audit it.

Decisions are named tuples built with ``tuple.__new__`` (the named tuple's keyword-handling
constructor costs more than the rest of a quiet approval). The history keeps the last
``decision_history`` decisions; every decision also goes to the audit sink when there is one.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from colin.model.orders import Order
from colin.risk.assessor import Assessment
from colin.risk.audit import AuditSink
from colin.risk.checks import Breach
from colin.risk.decision import Modification, RiskDecision, RiskLevel, risk_level
from colin.risk.fused import FastApproval

_new_decision = tuple.__new__
_LOW, _MEDIUM, _HIGH = RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH


class DecisionLog:
    """The last decisions, the approval and denial counts, and the audit sink.

    Parameters
    ----------
    history
        How many decisions to keep.
    audit
        Where every decision is appended (``None``: nowhere).
    """

    __slots__ = ("approved", "audit", "denied", "history")

    def __init__(self, history: int, audit: AuditSink | None) -> None:
        self.history: deque[RiskDecision] = deque(maxlen=history)
        self.audit = audit
        self.approved = 0
        self.denied = 0

    def store(self, decision: RiskDecision) -> None:
        """Keep, count and audit one decision."""
        self.history.append(decision)
        if decision.approved:
            self.approved += 1
        else:
            self.denied += 1
        if self.audit is not None:
            self.audit.append("risk.decision", decision.ts, decision.to_record())

    def fused(self, order: Order, passed: FastApproval, now: int, started: int) -> None:
        """Store the approval of a new order that took the fused path (as :meth:`assessed`)."""
        score = passed.utilisation * 100.0
        if score > 100.0:
            score = 100.0
        decision = _new_decision(
            RiskDecision,
            (
                "submit",
                order.client_order_id,
                order.instrument_id,
                order.strategy_id,
                True,
                _LOW if score < 50.0 else _MEDIUM if score < 80.0 else _HIGH,  # risk_level()
                (),
                (),
                (),
                score,
                now,
                time.perf_counter_ns() - started,
            ),
        )
        self.history.append(decision)  # store(), for an approval
        self.approved += 1
        if self.audit is not None:
            self.audit.append("risk.decision", now, decision.to_record())

    @staticmethod
    def assessed(
        kind: str, order: Any, assessment: Assessment, now: int, started: int
    ) -> RiskDecision:
        """Build (not store) the decision on an assessed order; its score is the utilisation."""
        ctx = assessment.context
        breaches = assessment.breaches
        if breaches:
            approved = False
            score = 100.0
            reasons = tuple([str(b) for b in breaches])
        else:
            approved = True
            score = ctx.utilisation * 100.0 if ctx is not None else 100.0
            if score > 100.0:
                score = 100.0
            reasons = ()
        warnings = tuple(ctx.warnings) if ctx is not None and ctx.warnings else ()
        client_order_id: str = ""
        instrument_id: str = ""
        strategy_id: str = ""
        if isinstance(order, Order):
            client_order_id = order.client_order_id
            instrument_id = order.instrument_id
            strategy_id = order.strategy_id
        return _new_decision(
            RiskDecision,
            (
                kind,
                client_order_id,
                instrument_id,
                strategy_id,
                approved,
                risk_level(score, approved),
                reasons,
                warnings,
                assessment.modifications,
                score,
                now,
                time.perf_counter_ns() - started,
            ),
        )

    def command(
        self,
        kind: str,
        client_order_id: str,
        instrument_id: str,
        strategy_id: str,
        breaches: list[Breach],
        started: int,
        now: int,
        warnings: tuple[str, ...] = (),
        modifications: tuple[Modification, ...] = (),
    ) -> RiskDecision:
        """Build and store the decision on a command that is not a new order's assessment."""
        approved = not breaches
        decision = RiskDecision(
            kind,
            str(client_order_id),
            str(instrument_id),
            str(strategy_id),
            approved,
            risk_level(0.0, approved),
            tuple(str(b) for b in breaches),
            warnings,
            modifications,
            0.0 if approved else 100.0,
            now,
            time.perf_counter_ns() - started,
        )
        self.store(decision)
        return decision
