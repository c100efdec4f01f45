"""Turn plain Python values (configs, metrics, audit records) into JSON-safe ones.

Decimals become their exact string, enums their value, tuples lists, numpy scalars and arrays
Python numbers and lists, dates ISO-8601 strings and paths strings. Non-finite floats either raise
(``nonfinite="reject"``, for hashed records) or become ``"nan"``, ``"inf"`` and ``"-inf"``
(``nonfinite="string"``, the same spelling as the backtest result JSON). Anything else raises
``ValueError`` naming where in the value it sits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any, Literal

import numpy as np

NonFinite = Literal["reject", "string"]
NONFINITE_STRINGS: dict[str, float] = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def to_json_safe(value: Any, path: str = "value", nonfinite: NonFinite = "reject") -> Any:
    """Return a copy of ``value`` made only of dict, list, str, int, float, bool and None.

    Parameters
    ----------
    value
        The value to convert.
    path
        How to name ``value`` in error messages (``"config"``, ``"record"``...).
    nonfinite
        What to do with NaN and infinities: raise, or write them as strings.

    Raises
    ------
    ValueError
        If some part cannot be represented (the message gives its path and type).
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isfinite(number):
            return number
        if nonfinite == "reject":
            raise ValueError(f"{path}: {number} cannot be stored in JSON; use null or a string")
        return "nan" if math.isnan(number) else ("inf" if number > 0 else "-inf")
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return to_json_safe(value.value, path, nonfinite)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{path}: key {key!r} is not a string")
            result[key] = to_json_safe(item, f"{path}[{key!r}]", nonfinite)
        return result
    if isinstance(value, list | tuple | np.ndarray):
        return [to_json_safe(item, f"{path}[{i}]", nonfinite) for i, item in enumerate(value)]
    raise ValueError(f"{path}: {type(value).__name__} value {value!r} is not JSON-safe")


def restore_nonfinite(value: Any) -> Any:
    """Turn the strings ``"nan"``, ``"inf"`` and ``"-inf"`` back into floats (else unchanged)."""
    if isinstance(value, str):
        return NONFINITE_STRINGS.get(value, value)
    return value
