"""Building blocks shared by the node's config models (:mod:`.config`, :mod:`.live_config`).

:class:`FrozenConfig` is the base of every section (immutable, unknown keys refused); the
annotated types validate the fields that backtests and trading nodes both have (instrument ids,
a bar timeframe, starting balances); :class:`TimeWindow` adds an optional ``start`` / ``end``
pair of ISO dates with their values in ns.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from colin.core.ids import InstrumentId
from colin.core.time import parse_time, timeframe_to_ns


class FrozenConfig(BaseModel):
    """A config section: immutable, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _instrument_ids(value: list[str]) -> list[str]:
    return [str(InstrumentId(v)) for v in value]


def _timeframe(value: str) -> str:
    timeframe_to_ns(value)
    return value


def _balances(value: dict[str, Decimal]) -> dict[str, Decimal]:
    for currency, amount in value.items():
        if not amount.is_finite() or amount < 0:
            raise ValueError(f"balance of {currency} must be a non-negative number")
    return value


def _time(value: str | None) -> str | None:
    if value is not None:
        parse_time(value)
    return value


InstrumentIds = Annotated[list[str], AfterValidator(_instrument_ids)]
"""Instrument ids (``SYMBOL.VENUE``), normalized."""

Timeframe = Annotated[str, AfterValidator(_timeframe)]
"""A bar timeframe (``1m``, ``4h``, ...)."""

Balances = Annotated[dict[str, Decimal], AfterValidator(_balances)]
"""Starting balances per currency, each finite and non-negative."""

IsoTime = Annotated[str | None, AfterValidator(_time)]
"""An optional time that :func:`~colin.core.time.parse_time` reads (ISO date, UTC)."""


class TimeWindow(FrozenConfig):
    """An optional ``[start, end)`` window of event times."""

    start: IsoTime = Field(None, description="First event time (ISO date, UTC)")
    end: IsoTime = Field(None, description="End of the window (ISO date, UTC, exclusive)")

    @property
    def start_ns(self) -> int | None:
        """``start`` in UTC ns."""
        return None if self.start is None else parse_time(self.start)

    @property
    def end_ns(self) -> int | None:
        """``end`` in UTC ns."""
        return None if self.end is None else parse_time(self.end)
