"""Parameter search spaces derived from a strategy's pydantic ``Params`` model.

A numeric field with bounds on both sides (``ge``/``gt`` and ``le``/``lt``) is searchable as it
stands; ``--space`` specs name the fields to search and may narrow or set their range:

- ``fast`` - the model's own bounds (both must exist);
- ``fast=5:30`` - integers (or floats) from 5 to 30 inclusive; ``rate=0.001:0.1:log`` samples
  on a log scale;
- ``mode=a,b,c`` - one of the listed values (read as YAML scalars).

A range must lie within the model's bounds. Combinations the model rejects (``fast >= slow``)
are not excluded here: the optimiser prunes them when the strategy is built.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import annotated_types
import optuna
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from colin.core.errors import ConfigError

Kind = Literal["int", "float", "categorical"]


@dataclass(frozen=True, slots=True)
class Dimension:
    """One searched parameter.

    Attributes
    ----------
    name
        The parameter's field name.
    kind
        ``"int"`` and ``"float"`` sample from ``[low, high]``; ``"categorical"`` from ``choices``.
    low, high
        Inclusive bounds of a numeric dimension.
    log
        Sample a numeric dimension on a log scale.
    choices
        Values of a categorical dimension.
    """

    name: str
    kind: Kind
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    choices: tuple[Any, ...] = ()

    def suggest(self, trial: optuna.Trial) -> Any:
        """Draw this parameter's value for ``trial``."""
        if self.kind == "int":
            return trial.suggest_int(self.name, int(self.low), int(self.high), log=self.log)
        if self.kind == "float":
            return trial.suggest_float(self.name, self.low, self.high, log=self.log)
        return trial.suggest_categorical(self.name, list(self.choices))

    def describe(self) -> str:
        """Render the dimension as a ``--space`` spec."""
        if self.kind == "categorical":
            return f"{self.name}=" + ",".join(str(c) for c in self.choices)
        low, high = (int(self.low), int(self.high)) if self.kind == "int" else (self.low, self.high)
        return f"{self.name}={low}:{high}" + (":log" if self.log else "")


@dataclass(frozen=True, slots=True)
class SearchSpace:
    """The searched parameters of one strategy."""

    dimensions: tuple[Dimension, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The searched parameter names, in order."""
        return tuple(d.name for d in self.dimensions)

    def suggest(self, trial: optuna.Trial) -> dict[str, Any]:
        """Draw every parameter for ``trial``."""
        return {d.name: d.suggest(trial) for d in self.dimensions}


def search_space(model: type[BaseModel], specs: Sequence[str] = ()) -> SearchSpace:
    """Build the search space of ``model`` from ``--space`` specs.

    Parameters
    ----------
    model
        The strategy's parameter model.
    specs
        ``NAME``, ``NAME=LOW:HIGH[:log]`` or ``NAME=A,B,...``; empty means every numeric field
        with bounds on both sides.

    Raises
    ------
    ConfigError
        If a spec is malformed, names no field, or lies outside the field's bounds, or the space
        ends up empty.
    """
    fields = model.model_fields
    if not specs:
        dims = [
            d
            for name, f in fields.items()
            if (d := _from_bounds(name, f, required=False)) is not None
        ]
        if not dims:
            raise ConfigError(
                f"{model.__name__} has no parameter with bounds on both sides: name the "
                "parameters to search with --space NAME=LOW:HIGH"
            )
        return SearchSpace(tuple(dims))
    dimensions: dict[str, Dimension] = {}
    for spec in specs:
        name, sep, body = (part.strip() for part in spec.partition("="))
        if name not in fields:
            known = ", ".join(fields)
            raise ConfigError(
                f"--space {spec!r}: {model.__name__} has no parameter {name!r} ({known})"
            )
        if name in dimensions:
            raise ConfigError(f"--space {spec!r}: parameter {name!r} is given twice")
        field = fields[name]
        if not sep:
            dimension = _from_bounds(name, field, required=True)
            assert dimension is not None
        elif ":" in body:
            dimension = _range(spec, name, body, field)
        else:
            dimension = _choices(spec, name, body)
        dimensions[name] = dimension
    return SearchSpace(tuple(dimensions.values()))


def _numeric_kind(field: FieldInfo) -> Kind | None:
    annotation = field.annotation
    if annotation is int:
        return "int"
    if annotation is float:
        return "float"
    return None


def _bounds(field: FieldInfo, kind: Kind) -> tuple[float, float]:
    low, high = -math.inf, math.inf
    for item in field.metadata:
        if isinstance(item, annotated_types.Ge):
            low = max(low, float(item.ge))  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Gt):
            gt = float(item.gt)  # type: ignore[arg-type]
            low = max(low, gt + 1 if kind == "int" else math.nextafter(gt, math.inf))
        elif isinstance(item, annotated_types.Le):
            high = min(high, float(item.le))  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Lt):
            lt = float(item.lt)  # type: ignore[arg-type]
            high = min(high, lt - 1 if kind == "int" else math.nextafter(lt, -math.inf))
    if kind == "int":  # whole numbers inside the bounds (infinite bounds stay infinite)
        low = float(math.ceil(low)) if math.isfinite(low) else low
        high = float(math.floor(high)) if math.isfinite(high) else high
    return low, high


def _from_bounds(name: str, field: FieldInfo, required: bool) -> Dimension | None:
    kind = _numeric_kind(field)
    if kind is None:
        if required:
            raise ConfigError(
                f"--space {name}: parameter {name!r} is not numeric; list its values "
                f"({name}=A,B,...)"
            )
        return None
    low, high = _bounds(field, kind)
    if math.isinf(low) or math.isinf(high):
        if required:
            raise ConfigError(
                f"--space {name}: parameter {name!r} has no bound on both sides; give its range "
                f"({name}=LOW:HIGH)"
            )
        return None
    return Dimension(name, kind, low, high)


def _range(spec: str, name: str, body: str, field: FieldInfo) -> Dimension:
    kind = _numeric_kind(field)
    if kind is None:
        raise ConfigError(f"--space {spec!r}: parameter {name!r} is not numeric")
    parts = body.split(":")
    log = len(parts) == 3 and parts[2].strip() == "log"
    if len(parts) != 2 and not log:
        raise ConfigError(f"--space {spec!r}: expected {name}=LOW:HIGH or {name}=LOW:HIGH:log")
    try:
        low, high = float(parts[0]), float(parts[1])
    except ValueError:
        raise ConfigError(f"--space {spec!r}: LOW and HIGH must be numbers") from None
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise ConfigError(f"--space {spec!r}: need finite LOW < HIGH")
    if kind == "int" and not (low.is_integer() and high.is_integer()):
        raise ConfigError(f"--space {spec!r}: parameter {name!r} is an integer")
    if log and low <= 0:
        raise ConfigError(f"--space {spec!r}: a log scale needs LOW > 0")
    floor, ceiling = _bounds(field, kind)
    if low < floor or high > ceiling:
        raise ConfigError(
            f"--space {spec!r}: the range must lie within the bounds of {name!r} "
            f"[{_show(floor)}, {_show(ceiling)}]"
        )
    return Dimension(name, kind, low, high, log=log)


def _choices(spec: str, name: str, body: str) -> Dimension:
    try:
        choices = tuple(yaml.safe_load(part) for part in body.split(","))
    except yaml.YAMLError as exc:
        raise ConfigError(f"--space {spec!r}: values are not valid YAML scalars: {exc}") from None
    if not body.strip() or any(c is None or isinstance(c, list | dict) for c in choices):
        raise ConfigError(f"--space {spec!r}: expected {name}=A,B,... with scalar values")
    if len(set(choices)) != len(choices):
        raise ConfigError(f"--space {spec!r}: values must be distinct")
    return Dimension(name, "categorical", choices=choices)


def _show(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)
