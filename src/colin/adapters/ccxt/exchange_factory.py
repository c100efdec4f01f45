"""Build configured ``ccxt.pro`` exchange instances.

:func:`create_exchange` applies what :mod:`colin.adapters.ccxt.capabilities` declares for the venue
(options such as ``fetchMarkets.types`` so ``load_markets`` stays on the market type in use, no
currency or margin listing calls), switches ccxt's own rate limiter off (a :class:`TokenBucket`
paces requests by weight instead), and deep-merges caller overrides last, which is how tests point
ccxt at the local exchange simulator (``sim.ccxt_config()``). Keys come only from the arguments;
the trading node reads them from the environment.

Where the venue's depth-snapshot weight grows with the depth asked for (Binance), ccxt's
``watchOrderBookLimit`` is set to the deepest snapshot that still costs the base weight (100
levels: weight 5 instead of 50 for ccxt's default 1000), so a node subscribing to 200 books does
not spend Binance's 6000-per-minute weight budget on the snapshots alone.

Binance with overridden URLs gets a subclass that picks ccxt's per-market error table from the
request path instead of the host name (``/fapi/`` is USD-M): with ``127.0.0.1`` URLs ccxt would
otherwise map futures-only codes such as -2019 or -4116 to a bare ``ExchangeError``. Against the
real hosts the subclass chooses the same table ccxt does.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import ccxt.pro

from colin.adapters.ccxt.capabilities import VenueCapabilities, capabilities_for
from colin.core.errors import ConfigError

_PATH_MARKETS = (
    (("fapi/", "futures/"), "linear"),
    (("dapi/",), "inverse"),
    (("api/", "sapi/"), "spot"),
)


class PathMappedBinance(ccxt.pro.binance):  # type: ignore[misc]
    """``ccxt.pro.binance`` choosing its per-market exception table from the URL path."""

    def get_exceptions_by_url(self, url: str, exactOrBroad: str) -> dict[str, Any]:
        """Return the exception table of the market type the URL path belongs to."""
        path = url.split("://", 1)[-1].split("/", 1)[-1]
        for prefixes, market_type in _PATH_MARKETS:
            if path.startswith(prefixes):
                table = self.safe_dict(self.exceptions, market_type, {})
                result: dict[str, Any] = self.safe_dict(table, exactOrBroad, {})
                return result
        return {}


def create_exchange(
    venue: str,
    market_type: str = "spot",
    api_key: str | None = None,
    secret: str | None = None,
    testnet: bool = False,
    overrides: Mapping[str, Any] | None = None,
) -> Any:
    """Return a ``ccxt.pro`` exchange for ``venue`` and ``market_type`` (``spot`` or ``linear``).

    Parameters
    ----------
    venue
        A venue declared in the capabilities (``binance``, ``bybit``, ``okx``, ``deribit``,
        ``kraken``, ``hyperliquid``; any case).
    market_type
        ``spot`` or ``linear``.
    api_key, secret
        Credentials, or ``None`` for public data only.
    testnet
        Use the venue's testnet (ccxt sandbox mode).
    overrides
        ccxt config deep-merged last (``urls``, ``options``, ``timeout``, ...).

    Raises
    ------
    ConfigError
        If the venue or market type is unknown, or a testnet is asked for where none exists.
    """
    capabilities = capabilities_for(venue, market_type)
    if testnet and not capabilities.testnet:
        raise ConfigError(f"{capabilities.venue} {market_type} has no testnet")
    config: dict[str, Any] = {
        "enableRateLimit": False,
        "options": capabilities.ccxt_options(),
    }
    book_limit = _cheap_book_limit(capabilities)
    if book_limit is not None:
        config["options"]["watchOrderBookLimit"] = book_limit
    if api_key is not None:
        config["apiKey"] = api_key
    if secret is not None:
        config["secret"] = secret
    if overrides:
        config = _deep_merge(config, copy.deepcopy(dict(overrides)))
    config["enableRateLimit"] = False
    cls = _exchange_class(capabilities.ccxt_id, overrides)
    exchange = cls(config)
    if testnet:
        exchange.set_sandbox_mode(True)
    return exchange


def _cheap_book_limit(capabilities: VenueCapabilities) -> int | None:
    """The deepest order-book snapshot that costs no more than a snapshot without a limit."""
    weight = capabilities.rate_budget.weights.get("order_book")
    if weight is None:
        return None
    cheap = [largest for largest, cost in weight.by_limit if cost <= weight.base]
    return max(cheap) if cheap else None


def _exchange_class(ccxt_id: str, overrides: Mapping[str, Any] | None) -> Any:
    if ccxt_id == "binance" and overrides and "urls" in overrides:
        return PathMappedBinance
    cls = getattr(ccxt.pro, ccxt_id, None)
    if cls is None:
        raise ConfigError(f"ccxt.pro has no exchange {ccxt_id!r}")
    return cls


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
