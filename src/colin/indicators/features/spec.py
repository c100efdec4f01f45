"""Declarative feature-set specs (YAML or Python) and the stable column names they produce.

A feature set lists indicator specs::

    name: core_1h
    timeframe: 1h
    features:
      - {indicator: rsi, params: {period: 14}}
      - {indicator: bb, params: {period: 20, width: 2}, outputs: [upper, lower]}
      - {indicator: rsi, params: {period: 14}, timeframe: 4h}

Column names are ``<indicator>[_<output>]_<every parameter value in constructor order>
[_<timeframe>]``: ``rsi_14``, ``bb_upper_20_2``, ``bb_20_2`` (the middle line is the ``value``
output), ``macd_signal_12_26_9``, ``rsi_14_4h``. Defaults are spelled out, so a name never changes
meaning when a default does.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from colin.core.errors import ConfigError
from colin.core.time import timeframe_to_ns
from colin.indicators.base import Indicator
from colin.indicators.features.registry import lookup

Scalar = int | float | str | bool


class FeatureSpec(BaseModel):
    """One indicator in a feature set."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    indicator: str
    params: dict[str, Scalar] = Field(default_factory=dict)
    outputs: tuple[str, ...] | None = None
    timeframe: str | None = None

    @model_validator(mode="after")
    def _check(self) -> FeatureSpec:
        entry = lookup(self.indicator)
        accepted = _parameter_names(entry.streaming)
        unknown = sorted(set(self.params) - set(accepted))
        if unknown:
            raise ValueError(
                f"{self.indicator}: unknown parameter(s) {unknown}; accepted: {list(accepted)}"
            )
        if self.outputs is not None:
            bad = sorted(set(self.outputs) - set(entry.outputs))
            if bad or not self.outputs:
                raise ValueError(
                    f"{self.indicator}: unknown output(s) {bad}; available: {list(entry.outputs)}"
                )
        if self.timeframe is not None:
            timeframe_to_ns(self.timeframe)
        self.build()  # parameter values are checked by the indicator itself
        return self

    def build(self) -> Indicator:
        """Construct a fresh streaming indicator for this spec."""
        return lookup(self.indicator).streaming(**self.params)

    def selected_outputs(self) -> tuple[str, ...]:
        """Outputs to emit, in the indicator's order."""
        outputs = lookup(self.indicator).outputs
        return outputs if self.outputs is None else tuple(o for o in outputs if o in self.outputs)

    def columns(self, base_timeframe: str) -> tuple[str, ...]:
        """Column names of the selected outputs (see the module docstring)."""
        entry = lookup(self.indicator)
        values = {**_defaults(entry.streaming), **self.params}
        suffix = "_".join(
            _format(values[name])
            for name in _parameter_names(entry.streaming)
            if isinstance(values.get(name), Scalar)
        )
        timeframe = self.timeframe if self.timeframe not in (None, base_timeframe) else None
        names = []
        for output in self.selected_outputs():
            parts = [self.indicator] + ([] if output == "value" else [output])
            parts += [suffix] if suffix else []
            parts += [timeframe] if timeframe else []
            names.append("_".join(parts))
        return tuple(names)


class FeatureSetSpec(BaseModel):
    """A named list of :class:`FeatureSpec` over bars of one base ``timeframe``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    timeframe: str
    features: tuple[FeatureSpec, ...]

    @model_validator(mode="after")
    def _check(self) -> FeatureSetSpec:
        base = timeframe_to_ns(self.timeframe)
        if not self.features:
            raise ValueError("a feature set needs at least one feature")
        for feature in self.features:
            if feature.timeframe is not None:
                higher = timeframe_to_ns(feature.timeframe)
                if higher % base:
                    raise ValueError(
                        f"{feature.indicator}: timeframe {feature.timeframe} is not a multiple "
                        f"of the base timeframe {self.timeframe}"
                    )
        columns = self.columns()
        duplicates = sorted({c for c in columns if columns.count(c) > 1})
        if duplicates:
            raise ValueError(f"duplicate feature columns: {duplicates}")
        return self

    def columns(self) -> list[str]:
        """All column names, in spec order."""
        return [c for feature in self.features for c in feature.columns(self.timeframe)]

    @classmethod
    def from_yaml(cls, path: str | Path) -> FeatureSetSpec:
        """Load a spec from a YAML file.

        Raises
        ------
        ConfigError
            Naming the file and the problem if it cannot be read or is invalid.
        """
        path = Path(path)
        try:
            document: Any = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{path}: cannot read feature set: {exc}") from exc
        return cls.from_mapping(document, source=str(path))

    @classmethod
    def from_mapping(cls, document: Any, source: str = "feature set") -> FeatureSetSpec:
        """Build a spec from a parsed mapping, turning validation errors into ConfigError."""
        if not isinstance(document, dict):
            raise ConfigError(f"{source}: expected a mapping with name, timeframe, features")
        try:
            return cls.model_validate(document)
        except ValidationError as exc:
            raise ConfigError(f"{source}: invalid feature set:\n{exc}") from exc
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from exc


def _parameter_names(cls: type[Indicator]) -> tuple[str, ...]:
    signature = inspect.signature(cls.__init__)
    return tuple(name for name in signature.parameters if name != "self")


def _defaults(cls: type[Indicator]) -> dict[str, Any]:
    signature = inspect.signature(cls.__init__)
    return {
        name: p.default
        for name, p in signature.parameters.items()
        if p.default is not inspect.Parameter.empty
    }


def _format(value: Scalar) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
