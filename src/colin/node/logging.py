"""JSON logs for the trading node: one JSON object per line.

Every line carries ``ts`` (ISO 8601 UTC, microseconds), ``level``, ``logger`` and ``msg``, plus
any fields passed with ``extra=`` (``log.info("order sent", extra={"client_order_id": ...})``)
and ``exc`` with the traceback when an exception is logged. Values that are not JSON types are
written as strings, so a log call never fails on a ``Decimal`` or an id.

:func:`log_trading_events` puts what an operator must see on the log: every fill, every order
the risk engine denied or the venue rejected, and every risk event (state changes, breaker
trips, warnings). Market data is never logged. :func:`final_state` is what the node logs when
it stops.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

from colin.cache.cache import Cache
from colin.core.bus import MessageBus
from colin.core.topics import FILLS_TOPIC, RISK_EVENTS_TOPIC
from colin.execution.reconcile_policy import ReconcileReport
from colin.model.events import OrderDenied, OrderEvent, OrderFilled, OrderRejected
from colin.portfolio.portfolio import Portfolio

# attributes every LogRecord has; anything else on a record came from ``extra=``
_STANDARD = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()
    | {"message", "asctime", "taskName"}
)


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a single line of JSON."""
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="microseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line:
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, separators=(",", ":"))


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Write to whatever ``sys.stderr`` is when a record is emitted, not when the handler was
    made: a caller that swaps stderr (a test runner capturing a command's output) and closes its
    stand-in must not leave the process logging into a closed file."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, _value: IO[str]) -> None:
        """Ignore ``StreamHandler``'s own assignment: the stream is always the current stderr."""


def configure_json_logging(level: str = "INFO", stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record of the process to ``stream`` (default stderr) as JSON lines.

    Replaces the root logger's handlers, so calling it twice does not double the output.
    Returns the installed handler.
    """
    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # schema migration chatter ("Context impl SQLiteImpl.") is not node news
    logging.getLogger("alembic").setLevel(max(root.level, logging.WARNING))
    return handler


_trading = logging.getLogger("colin.node.trading")


def log_trading_events(bus: MessageBus) -> None:
    """Log fills, denied and rejected orders, and risk events published on ``bus``."""
    bus.subscribe(FILLS_TOPIC, _log_fill, priority=-200)
    bus.subscribe("events.order.*", _log_refusal, priority=-200)
    bus.subscribe(RISK_EVENTS_TOPIC, _log_risk_event, priority=-200)


def _log_fill(fill: OrderFilled) -> None:
    _trading.info(
        "fill",
        extra={
            "client_order_id": fill.client_order_id,
            "instrument_id": fill.instrument_id,
            "side": fill.side.value,
            "quantity": fill.last_qty,
            "price": fill.last_px,
            "commission": fill.commission,
            "commission_currency": fill.commission_currency,
            "trade_id": fill.trade_id,
        },
    )


def _log_refusal(event: OrderEvent) -> None:
    if isinstance(event, OrderDenied | OrderRejected):
        _trading.warning(
            "order denied" if isinstance(event, OrderDenied) else "order rejected",
            extra={
                "client_order_id": event.client_order_id,
                "instrument_id": event.instrument_id,
                "reason": event.reason,
            },
        )


def _log_risk_event(event: Any) -> None:
    record = event.to_record() if hasattr(event, "to_record") else {"detail": repr(event)}
    _trading.warning("risk event", extra={"event": record})


def final_state(
    last_report: ReconcileReport | None, fills: int, cache: Cache, portfolio: Portfolio
) -> dict[str, Any]:
    """The fields of the node's last log line: account mismatches at the last reconciliation
    (``None`` without one), fills, open orders, balances and open positions."""
    return {
        "account_mismatches": None
        if last_report is None
        else len(last_report.balance_mismatches) + len(last_report.position_mismatches),
        "fills": fills,
        "open_orders": len(cache.orders_open()),
        "balances": {c: str(v) for c, v in portfolio.balances().items()},
        "positions": {str(p.instrument.id): str(p.quantity) for p in portfolio.positions_open()},
    }
