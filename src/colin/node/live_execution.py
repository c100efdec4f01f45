"""The live venue side of a node: the ccxt execution client and reconciliation.

:class:`LiveExecution` wires a :class:`~colin.execution.reconcile.Reconciler` and a
:class:`~colin.adapters.ccxt.execution_client.CcxtExecutionClient` into the node's engines and
runs their lifecycle: connect and reconcile before strategies start, reconcile periodically,
and on shutdown wait for requests in flight and close the connection.

In live mode the venue is the truth about money: the account policy corrects the portfolio's
balances and derivative positions to the venue's numbers at every reconciliation.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from colin.adapters.ccxt.execution_client import CcxtExecutionClient
from colin.cache.cache import Cache
from colin.core.bus import MessageBus
from colin.core.clock import Clock
from colin.core.time import NANOS_PER_SECOND
from colin.execution.engine import ExecutionEngine
from colin.execution.reconcile import (
    ReconcilePolicy,
    Reconciler,
    ReconcileReport,
    UnknownOrderPolicy,
)
from colin.node.live_config import ReconcileConfig
from colin.portfolio.portfolio import Portfolio

log = logging.getLogger(__name__)

_IDLE_WAIT_S = 10.0


def reconcile_policy(config: ReconcileConfig) -> ReconcilePolicy:
    """The reconciler's policy for a live node (the account is always corrected)."""
    return ReconcilePolicy(
        unknown_orders=UnknownOrderPolicy(config.unknown_orders),
        ack_grace_ns=int(config.ack_grace_s * NANOS_PER_SECOND),
        correct_account=True,
    )


class LiveExecution:
    """The ccxt execution client of one account, with its reconciler.

    Parameters
    ----------
    exchange
        A ``ccxt.pro`` exchange with credentials.
    venue
        Colin's venue name of the instruments.
    config
        Reconciliation settings.
    bus, clock, cache, engine, portfolio
        The node's engines.
    """

    def __init__(
        self,
        exchange: Any,
        venue: str,
        config: ReconcileConfig,
        bus: MessageBus,
        clock: Clock,
        cache: Cache,
        engine: ExecutionEngine,
        portfolio: Portfolio,
    ) -> None:
        self.exchange = exchange
        self.reconciler = Reconciler(
            bus, clock, cache, engine, reconcile_policy(config), account=portfolio
        )
        self.client = CcxtExecutionClient(
            exchange,
            venue=venue,
            bus=bus,
            clock=clock,
            cache=cache,
            reconciler=self.reconciler,
            instrument_ids=[i.id for i in cache.instruments() if i.venue == venue],
        )
        engine.register_client(self.client)
        self.reports: list[ReconcileReport] = []

    async def start(self) -> ReconcileReport:
        """Connect (markets, user streams), then reconcile; return the first report."""
        await self.client.start()
        return await self.reconcile()

    async def reconcile(self) -> ReconcileReport:
        """Reconcile with a fresh venue snapshot and log what changed."""
        report = await self.client.reconcile()
        self.reports.append(report)
        extra = {
            "clean": report.is_clean,
            "counts": report.counts,
            "pending": list(report.pending),
            "balance_mismatches": len(report.balance_mismatches),
            "position_mismatches": len(report.position_mismatches),
            "details": list(report.details),
        }
        if report.is_clean:
            log.debug("reconciled", extra=extra)
        else:
            log.info("reconciled", extra=extra)
        return report

    async def wait_idle(self, timeout_s: float = _IDLE_WAIT_S) -> None:
        """Wait (bounded) for submits, cancels and lookups in flight to finish."""
        try:
            await asyncio.wait_for(self.client.wait_idle(), timeout_s)
        except TimeoutError:
            log.warning("requests still in flight at shutdown")

    async def close(self) -> None:
        """Stop the streams and close the exchange connection."""
        await self.client.stop()
        await self.exchange.close()
