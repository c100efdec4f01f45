"""Per-instrument views computed once: float numbers, validated values and the check plan.

``float(Decimal)`` and Decimal arithmetic are too slow to repeat for every check of every order,
so each instrument gets an :class:`InstrumentSpec` holding its numbers as floats, memos of the
order quantities and prices already found well formed (with their float values), and the tuples
of checks that apply to an order in it that adds risk and to one that reduces it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from colin.core.ids import InstrumentId
from colin.model.instrument import Instrument

if TYPE_CHECKING:
    from colin.risk.checks.base import Breach, OrderContext

    CheckFunction = Callable[[OrderContext], Breach | None]

MEMO_SIZE = 4096
"""How many distinct quantities (and prices) an instrument's memo holds before it starts afresh."""


class InstrumentSpec:
    """The numbers of one instrument that the checks use, as floats, and its check plan.

    ``quantities`` and ``prices`` map values that passed validation (lot/tick multiples within
    the limits) to their floats; only the validator writes them (see :meth:`remember`).
    ``adding`` and ``reducing`` are the checks (bound ``check`` methods) to run on an order that
    may add risk and on one that can only reduce a position, and ``restricted`` tells whether the
    restricted list names the instrument (every order adding risk in it is denied); the assessor
    fills them in.
    """

    __slots__ = (
        "adding",
        "base",
        "instrument",
        "is_derivative",
        "max_leverage",
        "min_notional",
        "multiplier",
        "prices",
        "quantities",
        "quote",
        "reducing",
        "restricted",
        "taker_fee",
    )

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.multiplier = float(instrument.contract_size)
        self.taker_fee = float(instrument.taker_fee)
        self.min_notional = float(instrument.min_notional)
        self.max_leverage = float(instrument.max_leverage)
        self.is_derivative = instrument.is_derivative
        self.base = instrument.base
        self.quote = instrument.quote
        self.quantities: dict[Decimal, float] = {}
        self.prices: dict[Decimal, float] = {}
        self.adding: tuple[CheckFunction, ...] = ()
        self.reducing: tuple[CheckFunction, ...] = ()
        self.restricted = False

    @staticmethod
    def remember(memo: dict[Decimal, float], value: Decimal) -> None:
        """Add a validated value to ``memo``, starting afresh when it is full."""
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[value] = float(value)


class SpecCache:
    """Specs by instrument id, rebuilt when the cache holds a different instrument object.

    Parameters
    ----------
    plan
        Called with each new spec to fill in its check plan.
    """

    __slots__ = ("_plan", "by_id")

    def __init__(self, plan: Callable[[InstrumentSpec], None] | None = None) -> None:
        self.by_id: dict[InstrumentId, InstrumentSpec] = {}
        self._plan = plan

    def get(self, instrument: Instrument) -> InstrumentSpec:
        """Return the spec of ``instrument``.

        A caller on the hot path may read ``by_id`` itself and call this only when the entry is
        missing or holds another instrument object.
        """
        spec = self.by_id.get(instrument.id)
        if spec is None or spec.instrument is not instrument:
            spec = self.by_id[instrument.id] = InstrumentSpec(instrument)
            if self._plan is not None:
                self._plan(spec)
        return spec
