"""Float views of instruments, computed once: ``float(Decimal)`` is too slow for every check."""

from __future__ import annotations

from colin.core.ids import InstrumentId
from colin.model.instrument import Instrument


class InstrumentSpec:
    """The numbers of one instrument that the checks use, as floats."""

    __slots__ = (
        "base",
        "instrument",
        "is_derivative",
        "max_leverage",
        "min_notional",
        "multiplier",
        "quote",
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


class SpecCache:
    """Specs by instrument id, rebuilt when the cache holds a different instrument object."""

    __slots__ = ("_specs",)

    def __init__(self) -> None:
        self._specs: dict[InstrumentId, InstrumentSpec] = {}

    def get(self, instrument: Instrument) -> InstrumentSpec:
        """Return the spec of ``instrument``."""
        spec = self._specs.get(instrument.id)
        if spec is None or spec.instrument is not instrument:
            spec = self._specs[instrument.id] = InstrumentSpec(instrument)
        return spec
