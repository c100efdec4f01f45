"""Model objects ⇄ JSON-safe dicts, exact and lossless.

Every command and event of :mod:`colin.model` encodes to a plain ``dict`` that :func:`json.dumps`
accepts, tagged with its class name under ``"type"``: decimals become strings (``"0.10"`` stays
``"0.10"``), enums their value, ids plain strings and ``None`` stays ``null``. :func:`decode`
turns such a dict back into an object equal to the original. Decoding is strict: an unknown type,
a missing or extra field, or a value of the wrong kind raises :class:`CodecError` naming the type,
the field and the reason; nothing is coerced silently.

A :class:`~colin.model.commands.SubmitOrder` carries its order's *initial* fields (what the
constructor takes), which is what a write-ahead journal must hold: the state the order reaches
later is rebuilt from the events that follow. :func:`encode_order_state` and
:func:`decode_order_state` store an order's full current state instead (run storage).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from colin.core.errors import DataError
from colin.core.ids import ClientOrderId, InstrumentId, StrategyId, TradeId, VenueOrderId
from colin.model import commands, events
from colin.model.enums import OrderStatus
from colin.model.orders import Order

JsonDict = dict[str, Any]
_Encoder = Callable[[Any], Any]
_Decoder = Callable[[Any], Any]


class CodecError(DataError):
    """A dict cannot be decoded into a model object, or an object cannot be encoded."""


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    encode: _Encoder
    decode: _Decoder


# -- per-type converters ---------------------------------------------------------------------------


def _encode_decimal(value: Decimal) -> str:
    if not isinstance(value, Decimal):
        raise TypeError(f"expected a Decimal, got {value!r} ({type(value).__name__})")
    if not value.is_finite():
        raise ValueError(f"money values must be finite, got {value}")
    return str(value)


def _decode_decimal(value: Any) -> Decimal:
    if not isinstance(value, str):
        raise TypeError(f"expected a decimal string, got {value!r} ({type(value).__name__})")
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a decimal number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"money values must be finite, got {value!r}")
    return result


def _str_decoder(kind: type[str]) -> _Decoder:
    def decode(value: Any) -> str:
        if not isinstance(value, str):
            raise TypeError(f"expected a string, got {value!r} ({type(value).__name__})")
        return kind(value)

    return decode


def _str_encoder(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r} ({type(value).__name__})")
    return str(value)


def _exact_type_decoder(kind: type) -> _Decoder:
    # bool is an int subclass: a flag must not pass as a timestamp, nor 1 as True
    def check(value: Any) -> Any:
        if type(value) is not kind:
            raise TypeError(f"expected {kind.__name__}, got {value!r} ({type(value).__name__})")
        return value

    return check


def _enum_decoder(kind: type[Enum]) -> _Decoder:
    def decode(value: Any) -> Enum:
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(repr(member.value) for member in kind)
            raise ValueError(f"{value!r} is not a {kind.__name__} (one of {allowed})") from None

    return decode


def _encode_enum(value: Enum) -> Any:
    if not isinstance(value, Enum):
        raise TypeError(f"expected an enum member, got {value!r}")
    return value.value


def _encode_tags(value: tuple[str, ...]) -> list[str]:
    return [_str_encoder(tag) for tag in value]


def _decode_tags(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list of strings, got {value!r}")
    return tuple(_str_decoder(str)(tag) for tag in value)


def _optional(encode: _Encoder, decode: _Decoder) -> tuple[_Encoder, _Decoder]:
    return (
        lambda value: None if value is None else encode(value),
        lambda value: None if value is None else decode(value),
    )


_ID_TYPES: tuple[type[str], ...] = (
    ClientOrderId,
    InstrumentId,
    StrategyId,
    TradeId,
    VenueOrderId,
    str,
)


def _converters(hint: Any) -> tuple[_Encoder, _Decoder]:
    """Return the (encode, decode) pair for one annotated type."""
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        inner = [arg for arg in args if arg is not type(None)]
        if len(inner) != 1 or len(args) != 2:
            raise TypeError(f"unsupported union {hint}")
        return _optional(*_converters(inner[0]))
    if hint is Decimal:
        return _encode_decimal, _decode_decimal
    if hint in (int, bool):
        return _exact_type_decoder(hint), _exact_type_decoder(hint)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return _encode_enum, _enum_decoder(hint)
    if hint in _ID_TYPES:
        return _str_encoder, _str_decoder(hint)
    if typing.get_origin(hint) is tuple and args == (str, Ellipsis):
        return _encode_tags, _decode_tags
    if hint is Order:
        return encode_order_initial, decode_order_initial
    raise TypeError(f"no codec for type {hint!r}")


def _spec(hints: dict[str, Any]) -> tuple[_Field, ...]:
    return tuple(_Field(name, *_converters(hint)) for name, hint in hints.items())


# -- orders ----------------------------------------------------------------------------------------

_ORDER_INIT_FIELDS = _spec(
    {name: hint for name, hint in typing.get_type_hints(Order.__init__).items() if name != "return"}
)
_ORDER_STATE_FIELDS = _spec(
    {
        "status": OrderStatus,
        "venue_order_id": VenueOrderId | None,
        "filled_qty": Decimal,
        "avg_px": Decimal | None,
        "ts_last": int,
    }
)


def _encode_fields(obj: Any, spec: tuple[_Field, ...], type_name: str) -> JsonDict:
    data: JsonDict = {}
    for field in spec:
        try:
            data[field.name] = field.encode(getattr(obj, field.name))
        except (TypeError, ValueError) as exc:
            raise CodecError(f"cannot encode {type_name}: field {field.name!r}: {exc}") from None
    return data


def _decode_fields(
    data: Any, spec: tuple[_Field, ...], type_name: str, extra: frozenset[str] = frozenset()
) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise CodecError(f"cannot decode {type_name}: expected an object, got {data!r}")
    expected = {field.name for field in spec} | extra
    unknown = sorted(set(data) - expected)
    if unknown:
        raise CodecError(f"cannot decode {type_name}: unknown field(s) {unknown}")
    values: dict[str, Any] = {}
    for field in spec:
        if field.name not in data:
            raise CodecError(f"cannot decode {type_name}: missing field {field.name!r}")
        try:
            values[field.name] = field.decode(data[field.name])
        except (TypeError, ValueError, CodecError) as exc:
            raise CodecError(f"cannot decode {type_name}: field {field.name!r}: {exc}") from None
    return values


def encode_order_initial(order: Order) -> JsonDict:
    """Encode the fields ``order`` was created with (its constructor arguments).

    Call it when the order is submitted: quantity and prices are read as they are *now*, so an
    order already changed by an :class:`~colin.model.events.OrderUpdated` encodes its new values.
    """
    return _encode_fields(order, _ORDER_INIT_FIELDS, "Order")


def decode_order_initial(data: Any) -> Order:
    """Create a fresh (``INITIALIZED``) order from :func:`encode_order_initial`'s output."""
    return Order(**_decode_fields(data, _ORDER_INIT_FIELDS, "Order"))


def encode_order_state(order: Order) -> JsonDict:
    """Encode an order's full current state: fields, status, fills summary and event history."""
    data = encode_order_initial(order)
    data.update(_encode_fields(order, _ORDER_STATE_FIELDS, "Order"))
    data["commissions"] = {
        currency: _encode_decimal(amount) for currency, amount in order.commissions.items()
    }
    data["events"] = [encode(event) for event in order.events]
    return data


def decode_order_state(data: Any) -> Order:
    """Rebuild an order from :func:`encode_order_state`'s output, with the same state and events."""
    state_names = frozenset(field.name for field in _ORDER_STATE_FIELDS)
    extra = state_names | {"commissions", "events"}
    order = Order(**_decode_fields(data, _ORDER_INIT_FIELDS, "Order", extra))
    for name, value in _decode_fields(
        {key: data[key] for key in state_names if key in data}, _ORDER_STATE_FIELDS, "Order"
    ).items():
        setattr(order, name, value)
    commissions, history = data.get("commissions"), data.get("events")
    if not isinstance(commissions, dict) or not isinstance(history, list):
        raise CodecError("cannot decode Order: 'commissions' must be an object, 'events' a list")
    try:
        order.commissions = {str(k): _decode_decimal(v) for k, v in commissions.items()}
    except (TypeError, ValueError) as exc:
        raise CodecError(f"cannot decode Order: field 'commissions': {exc}") from None
    order.events = [_decode_order_event(item) for item in history]
    return order


# -- commands and events ---------------------------------------------------------------------------

_CLASSES: tuple[type, ...] = (
    commands.SubmitOrder,
    commands.ModifyOrder,
    commands.CancelOrder,
    commands.CancelAllOrders,
    events.OrderDenied,
    events.OrderSubmitted,
    events.OrderAccepted,
    events.OrderRejected,
    events.OrderTriggered,
    events.OrderPendingUpdate,
    events.OrderPendingCancel,
    events.OrderUpdated,
    events.OrderModifyRejected,
    events.OrderCancelRejected,
    events.OrderCanceled,
    events.OrderExpired,
    events.OrderFilled,
    events.PositionOpened,
    events.PositionChanged,
    events.PositionClosed,
)
_BY_NAME: dict[str, type] = {cls.__name__: cls for cls in _CLASSES}
_SPECS: dict[type, tuple[_Field, ...]] = {
    cls: _spec({f.name: typing.get_type_hints(cls)[f.name] for f in fields(cls)})
    for cls in _CLASSES
}


def encodable_types() -> tuple[type, ...]:
    """Return every class :func:`encode` accepts."""
    return _CLASSES


def encode(obj: Any) -> JsonDict:
    """Encode a command or event as a JSON-safe dict tagged with ``"type"``.

    Raises
    ------
    CodecError
        If ``obj`` is not a model command/event or holds a value of the wrong kind.
    """
    spec = _SPECS.get(type(obj))
    if spec is None:
        raise CodecError(f"cannot encode {type(obj).__name__}: not a model command or event")
    data = {"type": type(obj).__name__}
    data.update(_encode_fields(obj, spec, type(obj).__name__))
    return data


def decode(data: Any) -> Any:
    """Decode :func:`encode`'s output back into the command or event object.

    Raises
    ------
    CodecError
        If the type tag is unknown, a field is missing or extra, or a value has the wrong kind.
    """
    if not isinstance(data, dict):
        raise CodecError(f"cannot decode: expected an object with a 'type', got {data!r}")
    name = data.get("type")
    cls = _BY_NAME.get(name) if isinstance(name, str) else None
    if cls is None:
        raise CodecError(f"cannot decode: unknown type {name!r}")
    body = {key: value for key, value in data.items() if key != "type"}
    return cls(**_decode_fields(body, _SPECS[cls], cls.__name__))


def _decode_order_event(data: Any) -> events.OrderEvent:
    event = decode(data)
    if not isinstance(event, events.OrderEvent):
        raise CodecError(f"cannot decode Order: {type(event).__name__} is not an order event")
    return event
