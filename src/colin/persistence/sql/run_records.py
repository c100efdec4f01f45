"""What the run store reads and returns: the result protocol, stored runs and run summaries.

Persistence and backtest are sibling packages, so the store never imports
:class:`colin.backtest.result.BacktestResult`; :class:`RunResult` names the attributes it reads,
and :meth:`StoredRun.result_fields` gives back exactly the keyword arguments that rebuild one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

import numpy as np

from colin.core.ids import InstrumentId
from colin.model.events import OrderDenied, OrderFilled
from colin.model.orders import Order

INT64 = np.dtype("<i8")
FLOAT64 = np.dtype("<f8")


class RunResult(Protocol):
    """The attributes of a finished run that :meth:`RunRepository.save` stores."""

    run_id: str
    config: dict[str, Any]
    base_currency: str
    starting_equity: float
    equity_ts: np.ndarray
    equity: np.ndarray
    fills: list[OrderFilled]
    orders: list[Order]
    denied: list[OrderDenied]
    prices: dict[str, dict[str, np.ndarray]]
    risk_events: list[dict[str, Any]]
    metrics: dict[str, float]
    started_at_ns: int
    finished_at_ns: int
    events_processed: int


@dataclass(frozen=True, slots=True)
class StoredPosition:
    """A run's final net position in one instrument, netted from its fills.

    ``realized_pnl`` is ``None`` when the run was saved without the instrument (its contract
    size is needed to value closed quantity).
    """

    instrument_id: InstrumentId
    quantity: Decimal
    avg_entry_price: Decimal
    realized_pnl: Decimal | None
    commissions: Decimal
    trade_count: int
    ts_opened: int
    ts_closed: int
    ts_last: int


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One line of ``colin runs list``: what a run was and how it did.

    ``total_return``, ``sharpe``, ``max_drawdown`` and ``trade_count`` come from the stored
    metrics (``None`` when the run has no such metric).
    """

    run_id: str
    strategy: str
    symbols: tuple[str, ...]
    start_ns: int | None
    end_ns: int | None
    created_at_ns: int
    base_currency: str
    starting_equity: float
    final_equity: float | None
    total_return: float | None
    sharpe: float | None
    max_drawdown: float | None
    trade_count: int | None
    fill_count: int


@dataclass(slots=True)
class StoredRun:
    """A run read back from the store: everything needed to report on it again."""

    run_id: str
    created_at_ns: int
    strategy: str
    symbols: tuple[str, ...]
    config: dict[str, Any]
    base_currency: str
    starting_equity: float
    equity_ts: np.ndarray
    equity: np.ndarray
    fills: list[OrderFilled]
    orders: list[Order]
    positions: list[StoredPosition]
    denied: list[OrderDenied] = field(default_factory=list)
    prices: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    risk_events: list[dict[str, Any]] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    started_at_ns: int = 0
    finished_at_ns: int = 0
    events_processed: int = 0

    def result_fields(self) -> dict[str, Any]:
        """Return the keyword arguments of ``BacktestResult`` for this run.

        ``BacktestResult(**stored.result_fields())`` rebuilds the result, e.g. for a report.
        """
        return {
            "run_id": self.run_id,
            "config": self.config,
            "base_currency": self.base_currency,
            "starting_equity": self.starting_equity,
            "equity_ts": self.equity_ts,
            "equity": self.equity,
            "fills": self.fills,
            "orders": self.orders,
            "denied": self.denied,
            "prices": self.prices,
            "risk_events": self.risk_events,
            "metrics": self.metrics,
            "started_at_ns": self.started_at_ns,
            "finished_at_ns": self.finished_at_ns,
            "events_processed": self.events_processed,
        }


def array_to_blob(values: Any, dtype: np.dtype[Any], name: str) -> tuple[bytes, int]:
    """Return the little-endian bytes of a 1-D array and its length.

    Raises
    ------
    ValueError
        If ``values`` is not one-dimensional, or holds floats where int64 is expected.
    """
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {array.shape}")
    if dtype.kind == "i" and array.size and array.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold int64 nanoseconds, got dtype {array.dtype}")
    if dtype.kind == "f" and array.size and array.dtype.kind not in "iuf":
        raise ValueError(f"{name} must hold numbers, got dtype {array.dtype}")
    return np.ascontiguousarray(array, dtype=dtype).tobytes(), int(array.size)


def blob_to_array(blob: bytes, dtype: np.dtype[Any], points: int, name: str) -> np.ndarray:
    """Read an array written by :func:`array_to_blob` (a writable copy, native byte order).

    Raises
    ------
    ValueError
        If the blob does not hold exactly ``points`` values of ``dtype``.
    """
    if len(blob) != points * dtype.itemsize:
        raise ValueError(
            f"{name}: {len(blob)} bytes stored for {points} values of {dtype.itemsize} bytes"
        )
    return np.frombuffer(blob, dtype=dtype).astype(dtype.newbyteorder("="))
