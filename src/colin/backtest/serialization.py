"""A backtest result as JSON, and back.

The document is a JSON object with ``"format": "colin.backtest-result"`` and ``"version": 1``.
Fills, denied orders and order events are written field by field with a ``"type"`` tag; Decimals are
strings, enums their value, ids plain strings, so reading them back gives equal objects. Numeric
arrays (equity curve, chart prices) are exact: their little-endian bytes (int64 arrays as first
value and differences, so regular timestamps shrink to almost nothing), zlib-compressed, in
base64. Metrics that are not finite are the strings ``"nan"``, ``"inf"`` and ``"-inf"``.
``config`` and ``risk_events`` are written as JSON with Decimals, paths and datetimes turned into
strings: they are for display, not for replay.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import math
import types
import typing
import zlib
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from colin.backtest.result import BacktestResult
from colin.core.errors import DataError
from colin.core.ids import ClientOrderId, InstrumentId, StrategyId, VenueOrderId
from colin.model import events as order_events
from colin.model.enums import OrderSide, OrderStatus, OrderType, TimeInForce
from colin.model.events import OrderDenied, OrderEvent, OrderFilled
from colin.model.orders import Order

FORMAT = "colin.backtest-result"
VERSION = 1
_ARRAY_DTYPES = {"int64": "<i8", "float64": "<f8"}
_E = TypeVar("_E", bound=OrderEvent)
_NON_FINITE = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}


def result_to_json(result: BacktestResult) -> dict[str, Any]:
    """Return ``result`` as a JSON-ready dict (see the module docstring for the encoding)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "run_id": result.run_id,
        "config": _plain(result.config),
        "base_currency": result.base_currency,
        "starting_equity": result.starting_equity,
        "equity_ts": _encode_array(result.equity_ts, "int64"),
        "equity": _encode_array(result.equity, "float64"),
        "fills": [_encode_event(fill) for fill in result.fills],
        "orders": [_encode_order(order) for order in result.orders],
        "denied": [_encode_event(denied) for denied in result.denied],
        "prices": {
            instrument: {
                "ts": _encode_array(series["ts"], "int64"),
                "close": _encode_array(series["close"], "float64"),
            }
            for instrument, series in result.prices.items()
        },
        "risk_events": _plain(result.risk_events),
        "metrics": {key: _encode_metric(value) for key, value in result.metrics.items()},
        "started_at_ns": result.started_at_ns,
        "finished_at_ns": result.finished_at_ns,
        "events_processed": result.events_processed,
    }


def result_from_json(data: Mapping[str, Any]) -> BacktestResult:
    """Rebuild a :class:`BacktestResult` from :func:`result_to_json` output.

    Raises
    ------
    DataError
        If the document is not a version-1 Colin result or a field is missing or malformed
        (the message names the field).
    """
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise DataError(
            f"not a {FORMAT} version {VERSION} document "
            f"(format={data.get('format')!r}, version={data.get('version')!r})"
        )
    return BacktestResult(
        run_id=_get(data, "run_id", str),
        config=_get(data, "config", dict),
        base_currency=_get(data, "base_currency", str),
        starting_equity=float(_get(data, "starting_equity", (int, float))),
        equity_ts=_decode_array(_get(data, "equity_ts", dict), "equity_ts"),
        equity=_decode_array(_get(data, "equity", dict), "equity"),
        fills=[
            _decode_event(item, f"fills[{i}]", OrderFilled)
            for i, item in enumerate(_get(data, "fills", list))
        ],
        orders=[
            _decode_order(item, f"orders[{i}]") for i, item in enumerate(_get(data, "orders", list))
        ],
        denied=[
            _decode_event(item, f"denied[{i}]", OrderDenied)
            for i, item in enumerate(_get(data, "denied", list))
        ],
        prices={
            instrument: {
                key: _decode_array(_get(series, key, dict), f"prices[{instrument}].{key}")
                for key in ("ts", "close")
            }
            for instrument, series in _get(data, "prices", dict).items()
        },
        risk_events=_get(data, "risk_events", list),
        metrics={
            key: _decode_metric(value, key) for key, value in _get(data, "metrics", dict).items()
        },
        started_at_ns=_get(data, "started_at_ns", int),
        finished_at_ns=_get(data, "finished_at_ns", int),
        events_processed=_get(data, "events_processed", int),
    )


def write_result_json(result: BacktestResult, path: Path) -> Path:
    """Write ``result`` to ``path`` as JSON (parent folders are created) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result_to_json(result), separators=(",", ":")), encoding="utf-8")
    return path


def read_result_json(path: Path) -> BacktestResult:
    """Read a result written by :func:`write_result_json`.

    Raises
    ------
    DataError
        If the file is not valid JSON or not a Colin result; the message names the file.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected a JSON object, got {type(data).__name__}")
    try:
        return result_from_json(data)
    except DataError as exc:
        raise DataError(f"{path}: {exc}") from exc


# -- encoding ------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Turn config-like values into JSON types (lossy for Decimals, dates, paths, enums)."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | Path):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _encode_array(values: np.ndarray, dtype: str) -> dict[str, Any]:
    array = np.ascontiguousarray(values, dtype=_ARRAY_DTYPES[dtype])
    if dtype == "int64":  # timestamps: regular steps compress to almost nothing
        array = np.diff(array, prepend=np.zeros(1, array.dtype))
    packed = zlib.compress(array.tobytes(), 1)
    return {"dtype": dtype, "zlib_base64": base64.b64encode(packed).decode("ascii")}


def _encode_metric(value: float) -> float | str:
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def _encode_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _encode_event(event: OrderEvent) -> dict[str, Any]:
    encoded = {"type": type(event).__name__}
    for item in dataclasses.fields(event):
        encoded[item.name] = _encode_value(getattr(event, item.name))
    return encoded


def _encode_order(order: Order) -> dict[str, Any]:
    return {
        "client_order_id": order.client_order_id,
        "strategy_id": order.strategy_id,
        "instrument_id": order.instrument_id,
        "side": order.side.value,
        "order_type": order.order_type.value,
        "quantity": str(order.quantity),
        "price": _encode_value(order.price),
        "trigger_price": _encode_value(order.trigger_price),
        "time_in_force": order.time_in_force.value,
        "post_only": order.post_only,
        "reduce_only": order.reduce_only,
        "ts_init": order.ts_init,
        "ts_last": order.ts_last,
        "tags": list(order.tags),
        "status": order.status.value,
        "venue_order_id": order.venue_order_id,
        "filled_qty": str(order.filled_qty),
        "avg_px": _encode_value(order.avg_px),
        "commissions": {currency: str(amount) for currency, amount in order.commissions.items()},
        "events": [_encode_event(event) for event in order.events],
    }


# -- decoding ------------------------------------------------------------------------------------


def _get(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    if key not in data:
        raise DataError(f"missing field {key!r}")
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise DataError(f"field {key!r}: expected {kind}, got {type(value).__name__}")
    return value


def _decode_array(data: Mapping[str, Any], where: str) -> np.ndarray:
    dtype = data.get("dtype")
    if dtype not in _ARRAY_DTYPES:
        raise DataError(f"{where}: unknown array dtype {dtype!r}")
    try:
        raw = zlib.decompress(base64.b64decode(_get(data, "zlib_base64", str), validate=True))
        array = np.frombuffer(raw, dtype=_ARRAY_DTYPES[dtype]).astype(dtype)
    except (ValueError, zlib.error) as exc:
        raise DataError(f"{where}: invalid array data ({exc})") from exc
    return np.cumsum(array) if dtype == "int64" else array


def _decode_metric(value: Any, key: str) -> float:
    if isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataError(f"metrics.{key}: expected a number, got {value!r}")
    return value


@cache
def _event_types() -> dict[str, tuple[type[OrderEvent], dict[str, Any]]]:
    """Map each order event class name to the class and its resolved field types."""
    return {
        name: (cls, typing.get_type_hints(cls))
        for name, cls in vars(order_events).items()
        if isinstance(cls, type) and issubclass(cls, OrderEvent) and cls is not OrderEvent
    }


def _decode_value(value: Any, hint: Any, where: str) -> Any:
    if isinstance(hint, types.UnionType):
        if value is None:
            return None
        (hint,) = (arg for arg in typing.get_args(hint) if arg is not type(None))
    if hint is Decimal:
        if not isinstance(value, str):
            raise DataError(f"{where}: expected a decimal string, got {value!r}")
        return Decimal(value)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise DataError(f"{where}: expected an integer, got {value!r}")
        return value
    if isinstance(hint, type) and issubclass(hint, str):
        if not isinstance(value, str):
            raise DataError(f"{where}: expected a string, got {value!r}")
        return hint(value)
    raise DataError(f"{where}: cannot decode a field of type {hint}")


def _decode_event(
    data: Mapping[str, Any],
    where: str,
    expected: type[_E] = OrderEvent,  # type: ignore[assignment]
) -> _E:
    if not isinstance(data, Mapping):
        raise DataError(f"{where}: expected an object, got {type(data).__name__}")
    cls, hints = _event_types().get(data.get("type", ""), (None, {}))
    if cls is None or not issubclass(cls, expected):
        raise DataError(f"{where}: expected a {expected.__name__} event, got {data.get('type')!r}")
    values = {}
    for name, hint in hints.items():
        if name not in data:
            raise DataError(f"{where}: missing field {name!r}")
        try:
            values[name] = _decode_value(data[name], hint, f"{where}.{name}")
        except (ArithmeticError, ValueError) as exc:
            raise DataError(f"{where}.{name}: invalid value {data[name]!r} ({exc})") from exc
    return cls(**values)


def _decode_order(data: Mapping[str, Any], where: str) -> Order:
    if not isinstance(data, Mapping):
        raise DataError(f"{where}: expected an object, got {type(data).__name__}")
    try:
        order = Order(
            client_order_id=ClientOrderId(data["client_order_id"]),
            strategy_id=StrategyId(data["strategy_id"]),
            instrument_id=InstrumentId(data["instrument_id"]),
            side=OrderSide(data["side"]),
            order_type=OrderType(data["order_type"]),
            quantity=Decimal(data["quantity"]),
            price=None if data["price"] is None else Decimal(data["price"]),
            trigger_price=None if data["trigger_price"] is None else Decimal(data["trigger_price"]),
            time_in_force=TimeInForce(data["time_in_force"]),
            post_only=bool(data["post_only"]),
            reduce_only=bool(data["reduce_only"]),
            ts_init=int(data["ts_init"]),
            tags=tuple(data["tags"]),
        )
        # the final state is restored as recorded rather than replayed: an order's original
        # quantity and price are not kept once an OrderUpdated has changed them
        order.status = OrderStatus(data["status"])
        order.ts_last = int(data["ts_last"])
        order.filled_qty = Decimal(data["filled_qty"])
        order.avg_px = None if data["avg_px"] is None else Decimal(data["avg_px"])
        order.commissions = {cur: Decimal(amount) for cur, amount in data["commissions"].items()}
        events = data["events"]
        venue_order_id = data["venue_order_id"]
    except KeyError as exc:
        raise DataError(f"{where}: missing field {exc.args[0]!r}") from exc
    except (ArithmeticError, ValueError, TypeError, AttributeError) as exc:
        raise DataError(f"{where}: invalid order ({exc})") from exc
    order.venue_order_id = None if venue_order_id is None else VenueOrderId(venue_order_id)
    order.events = [_decode_event(event, f"{where}.events[{i}]") for i, event in enumerate(events)]
    return order
