"""The node configuration: one YAML file plus ``COLIN_*`` environment variables.

Every package has its own frozen config model; this module composes them. Environment variables
override the file: ``COLIN_BACKTEST__TIMEFRAME=4h`` sets ``backtest.timeframe`` (``__`` separates
levels; values are read as YAML scalars, so ``COLIN_BACKTEST__STARTING_BALANCES='{USDT: 5000}'``
works). An invalid value fails with :class:`~colin.core.errors.ConfigError` naming the field and
the reason.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError

from colin.backtest.engine import default_backtest_risk
from colin.core.errors import ConfigError
from colin.matching.config import SimulatedVenueConfig
from colin.node.config_types import Balances, FrozenConfig, InstrumentIds, Timeframe, TimeWindow
from colin.node.live_config import TradingNodeConfig
from colin.risk.config import RiskConfig

ENV_PREFIX = "COLIN_"
DataKind = Literal["bars", "trades", "quotes", "book"]


class BacktestRunConfig(TimeWindow):
    """What to backtest, on which data, under which assumptions.

    ``start`` and ``end`` bound the bar open times replayed (``end`` exclusive).
    """

    strategy: str = Field("sma_cross", description="Registered strategy name")
    parameters: dict[str, Any] = Field(default_factory=dict, description="Strategy parameters")
    instruments: InstrumentIds = Field(
        default_factory=lambda: ["BTC/USDT.BINANCE"],
        min_length=1,
        description="Instrument ids, SYMBOL.VENUE",
    )
    timeframe: Timeframe = Field("1h", description="Bar timeframe to replay")
    data: list[DataKind] = Field(
        default_factory=lambda: list[DataKind](["bars"]),
        min_length=1,
        description="Which of the catalog's data kinds to replay for every instrument",
    )
    starting_balances: Balances = Field(default_factory=lambda: {"USDT": Decimal(10_000)})
    base_currency: str = "USDT"
    venue: SimulatedVenueConfig = SimulatedVenueConfig()
    risk: RiskConfig = Field(
        default_factory=default_backtest_risk,
        description="Risk limits; the drawdown hard stops are off unless configured",
    )


class ColinConfig(FrozenConfig):
    """The whole node configuration."""

    backtest: BacktestRunConfig = BacktestRunConfig()
    trading: TradingNodeConfig = TradingNodeConfig()
    catalog: Path | None = Field(None, description="Parquet catalog root (default: layered)")
    database_url: str | None = Field(None, description="SQL store URL (default: SQLite)")
    output_dir: Path = Field(Path("runs"), description="Where reports and JSON results go")


def load_config(
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ColinConfig:
    """Load the YAML file (if any), apply ``COLIN_*`` variables, then ``overrides``.

    ``overrides`` uses dotted keys (``{"backtest.timeframe": "4h"}``), as the CLI does.

    Raises
    ------
    ConfigError
        If the file is unreadable or not a mapping, or a value is invalid.
    """
    data: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise ConfigError(f"config file {path} is not valid YAML: {exc}") from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"config file {path} must hold a mapping at the top level")
        data = loaded or {}
    env = os.environ if environ is None else environ
    for key, raw in sorted(env.items()):
        if key.startswith(ENV_PREFIX) and "__" in key:
            dotted = key[len(ENV_PREFIX) :].lower().replace("__", ".")
            _set_dotted(data, dotted, _yaml_scalar(raw, key))
        elif (
            key.startswith(ENV_PREFIX)
            and key[len(ENV_PREFIX) :].lower() in ColinConfig.model_fields
        ):
            _set_dotted(data, key[len(ENV_PREFIX) :].lower(), _yaml_scalar(raw, key))
    for dotted, value in (overrides or {}).items():
        _set_dotted(data, dotted, value)
    try:
        return ColinConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source=str(path) if path else None)) from exc


def format_validation_error(exc: ValidationError, source: str | None = None) -> str:
    """One line per invalid field: ``field.path: reason (got value)``."""
    where = f" in {source}" if source else ""
    lines = [f"invalid configuration{where}:"]
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "(root)"
        message = error["msg"].removeprefix("Value error, ")
        got = f" (got {error['input']!r})" if error["type"] != "missing" else ""
        lines.append(f"  {field}: {message}{got}")
    return "\n".join(lines)


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    node = data
    *parents, leaf = dotted.split(".")
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[leaf] = value


def _yaml_scalar(raw: str, key: str) -> Any:
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ConfigError(f"environment variable {key} is not a valid value: {exc}") from exc
