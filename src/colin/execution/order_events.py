"""Order events built from the order they are about.

Every order event names its order the same way (client order id, instrument, strategy) and
carries two timestamps; :func:`order_event` fills those in so that the reconciler and the
execution clients state only what the event adds.
"""

from __future__ import annotations

from typing import Any, TypeVar

from colin.execution.reports import OrderStatusReport
from colin.model.events import OrderEvent, OrderUpdated
from colin.model.orders import Order

E = TypeVar("E", bound=OrderEvent)


def order_event(kind: type[E], order: Order, ts_event: int, ts_init: int, **fields: Any) -> E:
    """Return a ``kind`` event about ``order``.

    Parameters
    ----------
    kind
        The event class (``OrderAccepted``, ``OrderFilled``, ...).
    order
        The order it is about: gives the client order id, instrument and strategy.
    ts_event, ts_init
        When it happened (venue time) and when Colin created the event (UTC ns).
    **fields
        What the event adds (venue order id, fill, reason, ...).
    """
    return kind(
        client_order_id=order.client_order_id,
        instrument_id=order.instrument_id,
        strategy_id=order.strategy_id,
        ts_event=ts_event,
        ts_init=ts_init,
        **fields,
    )


def updated_event(
    order: Order, report: OrderStatusReport, ts_event: int, ts_init: int
) -> OrderUpdated:
    """Return the ``OrderUpdated`` that gives ``order`` the quantity and prices of ``report``."""
    return order_event(
        OrderUpdated,
        order,
        ts_event,
        ts_init,
        quantity=report.quantity,
        price=report.price,
        trigger_price=report.trigger_price,
    )
