"""The registry of strategies the CLI and config files can name."""

from __future__ import annotations

from colin.core.errors import NotFoundError
from colin.strategy.builtin.rsi_reversion import RsiReversion
from colin.strategy.builtin.sma_cross import SmaCross
from colin.strategy.strategy import Strategy

STRATEGIES: dict[str, type[Strategy]] = {cls.name: cls for cls in (SmaCross, RsiReversion)}


def strategy_class(name: str) -> type[Strategy]:
    """Return the strategy class registered under ``name``.

    Raises
    ------
    NotFoundError
        Naming the strategies that do exist.
    """
    try:
        return STRATEGIES[name]
    except KeyError:
        known = ", ".join(sorted(STRATEGIES))
        raise NotFoundError(f"unknown strategy {name!r}; available: {known}") from None
