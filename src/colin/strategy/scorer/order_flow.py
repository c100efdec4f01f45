"""Order-flow delta: who is aggressing in the tape and which side of the book is heavier.

Two components, each in [-1, 1], over the ``order_flow_window_ns`` before the scoring time:

- **trade delta**: the volume imbalance of the trades in the window, ``(buy volume - sell
  volume) / volume`` (trades signed by their recorded aggressor side; unknown sides skipped);
- **book imbalance (NOBI)**: the depth imbalance of the top levels of the last book state in the
  window, ``(bid size - ask size) / (bid size + ask size)``.

The factor's long score is the mean of the available components' positive parts and its short
score the mean of their negative parts. Without trades and book updates in the window the factor
is absent: it is never estimated from bars.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from colin.core.errors import DataError
from colin.indicators.orderflow.book import book_features
from colin.indicators.orderflow.replay import book_levels_from_frame
from colin.indicators.orderflow.trades import trade_imbalance
from colin.strategy.scorer.factor import Detail, FactorScore

NAME = "order_flow"
BOOK_DEPTH = 10


def trade_delta(trades: pd.DataFrame) -> float | None:
    """Return the volume imbalance of ``trades`` (``size``, ``side`` +1/-1/0), or None."""
    if trades.empty:
        return None
    series = trade_imbalance(trades["size"].to_numpy(), trades["side"].to_numpy(), len(trades))
    value = float(series.volume_imbalance[-1])
    return None if np.isnan(value) else value


def book_imbalance(book: pd.DataFrame, depth: int = BOOK_DEPTH) -> float | None:
    """Return the depth imbalance of the book after the last message of ``book``, or None."""
    if book.empty:
        return None
    _, levels = book_levels_from_frame(book, depth)
    value = float(book_features(levels).imbalance_depth[-1])
    return None if np.isnan(value) else value


def score_order_flow(
    trades: pd.DataFrame | None, book: pd.DataFrame | None, start_ns: int, ts_ns: int
) -> FactorScore:
    """Score order flow from trades in ``[start_ns, ts_ns]`` and the book as of ``ts_ns``.

    ``book`` may start before ``start_ns`` (a replay needs its snapshot); the factor uses it only
    if one of its messages falls inside the window.
    """
    delta = None
    if trades is not None:
        times = trades["ts_event"].to_numpy()
        rows = np.flatnonzero((times >= start_ns) & (times <= ts_ns))
        sides = trades["side"].to_numpy()[rows]
        bad = ~np.isin(sides, (-1, 0, 1))
        if bad.any():
            row = int(rows[np.argmax(bad)])
            raise DataError(f"trades: side must be -1, 0 or +1, got {sides[bad][0]} at row {row}")
        delta = trade_delta(trades.iloc[rows])
    nobi = None
    if book is not None:
        times = book["ts_event"].to_numpy()
        upto = book[times <= ts_ns]
        if len(upto) and int(upto["ts_event"].iloc[-1]) >= start_ns:
            nobi = book_imbalance(upto)
    components = [c for c in (delta, nobi) if c is not None]
    if not components:
        return FactorScore.absent(NAME, "no trade or order-book data in the window")
    long = sum(max(c, 0.0) for c in components) / len(components)
    short = sum(max(-c, 0.0) for c in components) / len(components)
    parts = []
    if delta is not None:
        parts.append(f"trade delta {delta:+.2f}")
    if nobi is not None:
        parts.append(f"book imbalance {nobi:+.2f}")
    details: dict[str, Detail] = {"trade_delta": delta, "book_imbalance": nobi}
    return FactorScore(NAME, True, long, short, ", ".join(parts), details)
