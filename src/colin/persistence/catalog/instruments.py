"""Store instruments as JSON next to the market data (``{root}/instruments.json``)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from colin.core.errors import DataError
from colin.core.ids import InstrumentId
from colin.model.enums import InstrumentKind
from colin.model.instrument import Instrument

_DECIMAL_FIELDS = (
    "tick_size",
    "lot_size",
    "min_quantity",
    "min_notional",
    "maker_fee",
    "taker_fee",
    "contract_size",
    "max_leverage",
)


def instrument_to_dict(instrument: Instrument) -> dict[str, Any]:
    """Return a JSON-ready dict (decimals as strings, so nothing is rounded)."""
    out: dict[str, Any] = {
        "id": str(instrument.id),
        "base": instrument.base,
        "quote": instrument.quote,
        "kind": instrument.kind.value,
        "max_quantity": None if instrument.max_quantity is None else str(instrument.max_quantity),
    }
    out.update({name: str(getattr(instrument, name)) for name in _DECIMAL_FIELDS})
    return out


def instrument_from_dict(data: dict[str, Any], source: str = "instruments") -> Instrument:
    """Build an :class:`Instrument` from :func:`instrument_to_dict` output.

    Raises
    ------
    DataError
        Naming ``source`` and the field, if a field is missing or invalid.
    """
    try:
        values = {name: Decimal(str(data[name])) for name in _DECIMAL_FIELDS if name in data}
        maximum = data.get("max_quantity")
        return Instrument(
            id=InstrumentId(data["id"]),
            base=data["base"],
            quote=data["quote"],
            kind=InstrumentKind(data.get("kind", "SPOT")),
            max_quantity=None if maximum is None else Decimal(str(maximum)),
            **values,
        )
    except KeyError as exc:
        raise DataError(f"{source}: instrument {data.get('id', '?')} lacks field {exc}") from exc
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise DataError(f"{source}: instrument {data.get('id', '?')} is invalid: {exc}") from exc


def load_instruments(path: Path) -> dict[InstrumentId, Instrument]:
    """Read ``instruments.json``; a missing file means no instruments."""
    if not path.exists():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: unreadable instruments file ({exc})") from exc
    if not isinstance(entries, list):
        raise DataError(f"{path}: expected a JSON list of instruments")
    instruments = [instrument_from_dict(entry, str(path)) for entry in entries]
    return {instrument.id: instrument for instrument in instruments}


def save_instruments(path: Path, instruments: dict[InstrumentId, Instrument]) -> None:
    """Write ``instruments.json`` atomically, sorted by id."""
    entries = [instrument_to_dict(instruments[key]) for key in sorted(instruments)]
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(entries, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)
