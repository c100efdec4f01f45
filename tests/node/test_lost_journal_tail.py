"""A journal that lost its last orders (``store_durability: normal`` and a power cut): the
restarted node adopts them from the exchange and never reuses their client order ids."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete
from tests.node.test_trading_live import _live_node, sim  # noqa: F401 (the fixture)

from colin.adapters.exchange_sim import ExchangeSimulator
from colin.core.ids import ClientOrderId
from colin.model.enums import OrderStatus
from colin.persistence.sql import SqlJournal, create_store
from colin.persistence.sql.models import JournalRow


def _forget_orders(database: Path, stream: str, lost: set[ClientOrderId]) -> None:
    """Delete every journal entry of the ``lost`` orders, as if never committed to disk."""
    with create_store(f"sqlite:///{database}") as store:
        sequences = [
            entry.sequence
            for entry in SqlJournal(store, stream).entries()
            if getattr(entry.payload, "client_order_id", None) in lost
            or getattr(getattr(entry.payload, "order", None), "client_order_id", None) in lost
        ]
        with store.session() as session:
            session.execute(
                delete(JournalRow).where(
                    JournalRow.stream == stream, JournalRow.sequence.in_(sequences)
                )
            )


def test_orders_the_journal_lost_are_adopted_and_their_ids_never_reused(
    sim: ExchangeSimulator,  # noqa: F811
    tmp_path: Path,
) -> None:
    database = tmp_path / "live.db"

    def resting() -> bool:
        return any(o.status == "NEW" for o in sim.orders("spot"))

    first = _live_node(sim, database, 3.0, resting, on_shutdown="leave_orders")
    left_open = {o.client_order_id for o in first.cache.orders_open()}
    assert left_open
    _forget_orders(database, first.journal.stream, left_open)

    sent_by_first = len(sim.orders("spot"))

    def more_sent() -> bool:
        return len(sim.orders("spot")) > sent_by_first

    second = _live_node(sim, database, 3.0, more_sent)
    assert not left_open & set(second.restored.order_ids)  # the journal did not know them
    for client_order_id in left_open:  # adopted at the first reconciliation, then canceled
        order = second.cache.order(client_order_id)
        assert order is not None and "adopted" in order.tags, client_order_id
        assert order.status is OrderStatus.CANCELED, client_order_id
    taken = {o.client_order_id for o in first.cache.orders()}
    new_ids = {o.client_order_id for o in second.cache.orders()} - taken
    assert new_ids
    highest_lost = max(int(c.rsplit("-", 1)[1]) for c in left_open)
    assert min(int(c.rsplit("-", 1)[1]) for c in new_ids) > highest_lost
