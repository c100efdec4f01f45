"""Rebuild orders and positions by replaying an order journal.

The journal holds every intent (``SubmitOrder``, ``ModifyOrder``, ``CancelOrder``,
``CancelAllOrders``) and every order event, in the order the execution engine processed them.
Replaying them through the same state machine that ran live gives back the same orders, and
netting the fills gives back the same positions: this is how a node recovers after a restart.

Only a ``SubmitOrder`` creates an order; its events then move it with :meth:`Order.apply`.
Modify and cancel intents change nothing by themselves (their ``OrderPending*``/``OrderUpdated``
events do). Position events are derived from fills and are skipped.

The execution engine journals an event *before* applying it and drops (and counts) one that the
state machine refuses, and it journals an ``OrderDenied`` for an order that never reached it. By
default replay does the same: such events are skipped with a warning, so the rebuilt state is
what the engine had. With ``strict=True`` they raise :class:`JournalReplayError` instead. A
broken journal (sequences not increasing, an order submitted twice, a fill for an instrument not
given, a payload that is not a command or event) always raises, naming the entry's sequence.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from colin.core.errors import DataError, InvalidStateTransition
from colin.core.ids import ClientOrderId, InstrumentId
from colin.execution.journal import JournalEntry
from colin.model.commands import CancelAllOrders, CancelOrder, ModifyOrder, SubmitOrder
from colin.model.events import OrderEvent, OrderFilled, PositionEvent
from colin.model.instrument import Instrument
from colin.model.orders import Order
from colin.model.position import Position
from colin.persistence.codec import decode_order_initial, encode_order_initial

_INTENTS_WITHOUT_STATE = (ModifyOrder, CancelOrder, CancelAllOrders, PositionEvent)

log = logging.getLogger(__name__)


class JournalReplayError(DataError):
    """The journal is inconsistent and cannot be replayed."""


def rebuild_from_journal(
    entries: Iterable[JournalEntry],
    instruments: Mapping[InstrumentId, Instrument],
    *,
    strict: bool = False,
) -> tuple[dict[ClientOrderId, Order], dict[InstrumentId, Position]]:
    """Replay journal entries into orders and net positions.

    Parameters
    ----------
    entries
        Journal entries in increasing ``sequence`` order (e.g. ``journal.entries()``).
    instruments
        Every instrument that has a fill in the journal (positions need the contract size).
    strict
        Raise on events the live engine would have dropped (see the module docstring) instead
        of skipping them.

    Returns
    -------
    orders, positions
        Orders by client order id, in submission order; net positions by instrument, one per
        instrument with at least one fill (flat ones included).

    Raises
    ------
    JournalReplayError
        If sequences do not increase, an order is submitted twice, a fill's instrument is not in
        ``instruments``, or a payload is not a command or event; with ``strict``, also if an
        event belongs to an order never submitted or the state machine refuses it.
    """
    orders: dict[ClientOrderId, Order] = {}
    positions: dict[InstrumentId, Position] = {}
    last_sequence = 0
    for entry in entries:
        if entry.sequence <= last_sequence:
            raise JournalReplayError(
                f"journal entry {entry.sequence} follows {last_sequence}: sequences must increase"
            )
        last_sequence = entry.sequence
        payload = entry.payload
        if isinstance(payload, SubmitOrder):
            _submit(orders, payload.order, entry.sequence)
        elif isinstance(payload, OrderEvent):
            applied = _apply(orders, payload, entry.sequence, strict)
            if applied and isinstance(payload, OrderFilled):
                _book_fill(positions, instruments, payload, entry.sequence)
        elif not isinstance(payload, _INTENTS_WITHOUT_STATE):
            raise JournalReplayError(
                f"journal entry {entry.sequence}: {type(payload).__name__} is not an order "
                "command or event"
            )
    return orders, positions


def _submit(orders: dict[ClientOrderId, Order], order: Order, sequence: int) -> None:
    if order.client_order_id in orders:
        raise JournalReplayError(
            f"journal entry {sequence}: order {order.client_order_id} is submitted twice"
        )
    # a fresh copy: an in-memory journal holds the live order object, already moved on
    orders[order.client_order_id] = decode_order_initial(encode_order_initial(order))


def _apply(
    orders: dict[ClientOrderId, Order], event: OrderEvent, sequence: int, strict: bool
) -> bool:
    order = orders.get(event.client_order_id)
    if order is None:
        problem = (
            f"journal entry {sequence}: {type(event).__name__} for order "
            f"{event.client_order_id}, which has no SubmitOrder before it"
        )
    else:
        try:
            order.apply(event)
        except InvalidStateTransition as exc:
            problem = f"journal entry {sequence}: {exc}"
        else:
            return True
    if strict:
        raise JournalReplayError(problem)
    log.warning("replay skipped %s", problem)
    return False


def _book_fill(
    positions: dict[InstrumentId, Position],
    instruments: Mapping[InstrumentId, Instrument],
    fill: OrderFilled,
    sequence: int,
) -> None:
    position = positions.get(fill.instrument_id)
    if position is None:
        instrument = instruments.get(fill.instrument_id)
        if instrument is None:
            raise JournalReplayError(
                f"journal entry {sequence}: fill for {fill.instrument_id}, which is not among "
                "the instruments given"
            )
        position = positions[fill.instrument_id] = Position(instrument, fill.strategy_id)
    position.apply(fill)
