"""Topic and endpoint names: the one place that spells them."""

from __future__ import annotations

# Endpoints (commands have exactly one handler).
RISK_EXECUTE = "RiskEngine.execute"
EXEC_EXECUTE = "ExecEngine.execute"
EXEC_PROCESS = "ExecEngine.process"


def bars_topic(instrument_id: str, timeframe: str) -> str:
    """``data.bars.{venue}.{symbol}.{timeframe}``."""
    symbol, _, venue = instrument_id.rpartition(".")
    return f"data.bars.{venue}.{symbol}.{timeframe}"


def trades_topic(instrument_id: str) -> str:
    """``data.trades.{venue}.{symbol}``."""
    symbol, _, venue = instrument_id.rpartition(".")
    return f"data.trades.{venue}.{symbol}"


def quotes_topic(instrument_id: str) -> str:
    """``data.quotes.{venue}.{symbol}``."""
    symbol, _, venue = instrument_id.rpartition(".")
    return f"data.quotes.{venue}.{symbol}"


def book_topic(instrument_id: str) -> str:
    """``data.book.{venue}.{symbol}`` (published after each applied snapshot or delta batch)."""
    symbol, _, venue = instrument_id.rpartition(".")
    return f"data.book.{venue}.{symbol}"


def funding_topic(instrument_id: str) -> str:
    """``data.funding.{venue}.{symbol}``."""
    symbol, _, venue = instrument_id.rpartition(".")
    return f"data.funding.{venue}.{symbol}"


def order_events_topic(strategy_id: str) -> str:
    """``events.order.{strategy_id}``: every order event of one strategy."""
    return f"events.order.{strategy_id}"


def position_events_topic(strategy_id: str) -> str:
    """``events.position.{strategy_id}``."""
    return f"events.position.{strategy_id}"


FILLS_TOPIC = "events.fills"
RISK_EVENTS_TOPIC = "events.risk"
RECONCILE_TOPIC = "events.reconcile"


def signals_topic(source: str) -> str:
    """``signals.{source}``."""
    return f"signals.{source}"
