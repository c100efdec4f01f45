"""The registry of strategies the CLI and config files can name."""

from __future__ import annotations

from importlib import import_module

from colin.core.errors import NotFoundError
from colin.strategy.builtin.bollinger_rsi import BollingerRsiReversion
from colin.strategy.builtin.book_imbalance import BookImbalance
from colin.strategy.builtin.donchian import DonchianBreakout
from colin.strategy.builtin.ema_adx import EmaAdxTrend
from colin.strategy.builtin.market_making import AvellanedaStoikov
from colin.strategy.builtin.oscillator_scalper import OscillatorScalper
from colin.strategy.builtin.pairs import PairsTrading
from colin.strategy.builtin.rsi_reversion import RsiReversion
from colin.strategy.builtin.sma_cross import SmaCross
from colin.strategy.builtin.supertrend import SuperTrendFollow
from colin.strategy.builtin.zscore_reversion import ZScoreReversion
from colin.strategy.decision.follower import SignalFollower
from colin.strategy.strategy import Strategy

_BUILT_IN: tuple[type[Strategy], ...] = (
    SmaCross,
    RsiReversion,
    EmaAdxTrend,
    SuperTrendFollow,
    DonchianBreakout,
    BollingerRsiReversion,
    ZScoreReversion,
    OscillatorScalper,
    BookImbalance,
    AvellanedaStoikov,
    PairsTrading,
    SignalFollower,
)
STRATEGIES: dict[str, type[Strategy]] = {cls.name: cls for cls in _BUILT_IN}


def strategy_class(name: str) -> type[Strategy]:
    """Return the strategy class registered under ``name``, or named ``package.module:Class``.

    The ``module:Class`` form loads a user's own strategy (a :class:`Strategy` subclass) from an
    importable module.

    Raises
    ------
    NotFoundError
        Naming the strategies that do exist, or saying why ``module:Class`` did not load.
    """
    if ":" in name:
        return _imported(name)
    try:
        return STRATEGIES[name]
    except KeyError:
        known = ", ".join(sorted(STRATEGIES))
        raise NotFoundError(f"unknown strategy {name!r}; available: {known}") from None


def _imported(name: str) -> type[Strategy]:
    module_name, _, attribute = name.partition(":")
    try:
        cls = getattr(import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise NotFoundError(f"cannot load strategy {name!r}: {exc}") from None
    if not (isinstance(cls, type) and issubclass(cls, Strategy)):
        raise NotFoundError(f"{name!r} is not a Strategy subclass")
    return cls
