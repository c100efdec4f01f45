"""The ccxt configuration file a node or a download can be pointed at.

``colin exchange-sim --config-out sim.json`` writes one JSON object with a ccxt config per market
(``{"base_url": ..., "spot": {...}, "usdm": {...}}``); ``colin run --ccxt-config sim.json`` and
``colin data download --ccxt-config sim.json`` read it back and take the entry of the market type
they trade. A plain ccxt config object (no per-market entries) is used as it is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from colin.adapters.ccxt.capabilities import MarketType
from colin.core.errors import ConfigError

_MARKET_KEYS = {"spot", "linear", "usdm", "base_url"}


def load_ccxt_config(path: Path) -> dict[str, Any]:
    """Read a ccxt config JSON file.

    Raises
    ------
    ConfigError
        If the file cannot be read or does not hold a JSON object.
    """
    try:
        config = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"--ccxt-config {path}: {exc}") from exc
    if not isinstance(config, dict):
        raise ConfigError(f"--ccxt-config {path}: expected a JSON object")
    return config


def market_overrides(
    config: Mapping[str, Any] | None, market_type: MarketType
) -> dict[str, Any] | None:
    """The ccxt overrides for one market type: ``config`` itself, or its ``spot`` / ``linear``
    entry (``usdm`` is read as ``linear``; ``base_url`` is ignored), ``None`` if there are none."""
    if not config:
        return None
    if set(config) <= _MARKET_KEYS:
        chosen = config.get(market_type) or (
            config.get("usdm") if market_type == "linear" else None
        )
        return dict(chosen) if chosen else None
    return dict(config)
