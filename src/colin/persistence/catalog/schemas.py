"""Column contracts of each dataset kind, and coercion of incoming frames to them."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from colin.core.errors import DataError
from colin.data.frames import require_columns
from colin.persistence.catalog.layout import DataKind

SCHEMAS: dict[DataKind, pa.Schema] = {
    DataKind.BARS: pa.schema(
        [
            ("ts_open", pa.int64()),
            ("open", pa.float64()),
            ("high", pa.float64()),
            ("low", pa.float64()),
            ("close", pa.float64()),
            ("volume", pa.float64()),
        ]
    ),
    DataKind.TRADES: pa.schema(
        [
            ("ts_event", pa.int64()),
            ("ts_init", pa.int64()),
            ("price", pa.float64()),
            ("size", pa.float64()),
            ("side", pa.int8()),
            ("trade_id", pa.string()),
        ]
    ),
    DataKind.QUOTES: pa.schema(
        [
            ("ts_event", pa.int64()),
            ("ts_init", pa.int64()),
            ("bid_price", pa.float64()),
            ("ask_price", pa.float64()),
            ("bid_size", pa.float64()),
            ("ask_size", pa.float64()),
        ]
    ),
    DataKind.BOOK: pa.schema(
        [
            ("ts_event", pa.int64()),
            ("ts_init", pa.int64()),
            ("kind", pa.int8()),
            ("side", pa.int8()),
            ("price", pa.float64()),
            ("size", pa.float64()),
            ("first_update_id", pa.int64()),
            ("last_update_id", pa.int64()),
        ]
    ),
    DataKind.FUNDING: pa.schema(
        [("ts_event", pa.int64()), ("rate", pa.float64()), ("mark_price", pa.float64())]
    ),
    DataKind.OPEN_INTEREST: pa.schema(
        [
            ("ts_event", pa.int64()),
            ("open_interest", pa.float64()),
            ("open_interest_value", pa.float64()),
        ]
    ),
}

# Optional columns: filled in when absent (copied from another column or set to a constant).
_COPIED: dict[DataKind, dict[str, str]] = {DataKind.TRADES: {"ts_init": "ts_event"}}
_CONSTANT: dict[DataKind, dict[str, float | int | str]] = {
    DataKind.TRADES: {"side": 0, "trade_id": ""},
    DataKind.FUNDING: {"mark_price": float("nan")},
    DataKind.OPEN_INTEREST: {"open_interest_value": float("nan")},
}
# Extra columns a bars frame may carry through the catalog (from repairs and aggregation).
EXTRA_BAR_COLUMNS = {"filled": pa.bool_(), "partial": pa.bool_()}


def to_table(kind: DataKind, frame: pd.DataFrame, source: str) -> pa.Table:
    """Coerce ``frame`` to the schema of ``kind`` as an Arrow table.

    Raises
    ------
    DataError
        Naming ``source`` and the column, if a required column is missing or cannot be converted.
    """
    schema = SCHEMAS[kind]
    frame = frame.copy()
    for name, origin in _COPIED.get(kind, {}).items():
        if name not in frame.columns and origin in frame.columns:
            frame[name] = frame[origin]
    for name, constant in _CONSTANT.get(kind, {}).items():
        if name not in frame.columns:
            frame[name] = constant
    require_columns(frame, schema.names, source)
    fields = list(schema)
    if kind is DataKind.BARS:
        fields += [pa.field(n, t) for n, t in EXTRA_BAR_COLUMNS.items() if n in frame.columns]
    arrays = []
    for field in fields:
        column = frame[field.name]
        if pa.types.is_string(field.type):
            column = column.astype(str)
        elif pa.types.is_integer(field.type) and not pd.api.types.is_integer_dtype(column.dtype):
            raise DataError(f"{source}: column {field.name} must be integer, got {column.dtype}")
        try:
            arrays.append(pa.array(column.to_numpy(), type=field.type, safe=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, TypeError) as exc:
            raise DataError(
                f"{source}: column {field.name} cannot be stored as {field.type}: {exc}"
            ) from exc
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))
