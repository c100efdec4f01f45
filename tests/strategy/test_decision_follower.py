"""SignalFollower: trades exactly where the decision engine's labels say, on real BTC bars."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from colin.core.bus import MessageBus
from colin.core.clock import SimClock
from colin.core.ids import InstrumentId
from colin.model.data import Bar
from colin.model.signal import Signal
from colin.strategy.decision import DecisionEngine
from colin.strategy.decision.follower import SignalFollower

from .bar_rules import BTC, BTC_PERP, bars, engine_trades, reference_trades, run

HOUR = 3_600_000_000_000
ROWS = 1500


def _decisions(instrument_id: str) -> list[Signal | None]:
    """The engine's decision at every bar, computed outside any strategy."""
    frame = bars(BTC, "1h", ROWS)
    engine = DecisionEngine(MessageBus(), SimClock(), instrument_id, "1h")
    iid = InstrumentId(instrument_id)
    rows = frame[["open", "high", "low", "close", "volume"]].to_numpy().tolist()
    return [
        engine.decide(Bar(iid, "1h", o, h, low, c, v, ts, ts + HOUR))
        for (o, h, low, c, v), ts in zip(rows, frame["ts_open"].to_numpy().tolist(), strict=True)
    ]


def _masks(decisions: list[Signal | None]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ready = np.array([d is not None for d in decisions])
    direction = np.array([0 if d is None else d.direction for d in decisions])
    labels = np.array(["NEUTRAL" if d is None else d.details["label"] for d in decisions])
    return ready, direction, labels


def test_long_only_follower_enters_on_moderate_and_exits_on_any_opposite_signal() -> None:
    frame = bars(BTC, "1h", ROWS)
    result = run(SignalFollower({"instrument_id": BTC}), BTC, "1h", frame)
    got = engine_trades(result, frame)
    ready, direction, labels = _masks(_decisions(BTC))
    long_entry = (direction > 0) & np.isin(labels, ["STRONG", "MODERATE"])
    expected = reference_trades(len(frame), ready, long_entry, lambda i, _: bool(direction[i] < 0))
    assert len(expected) >= 10
    assert got == expected


def test_perpetual_follower_with_strong_entries_also_goes_short() -> None:
    frame = bars(BTC, "1h", ROWS)
    params = {
        "instrument_id": BTC_PERP,
        "allow_short": True,
        "allocation": 0.5,
        "entry_label": "STRONG",
        "exit_label": "MODERATE",
    }
    got = engine_trades(run(SignalFollower(params), BTC_PERP, "1h", frame), frame)
    ready, direction, labels = _masks(_decisions(BTC_PERP))
    strong = labels == "STRONG"
    at_least_moderate = np.isin(labels, ["STRONG", "MODERATE"])
    expected = reference_trades(
        len(frame),
        ready,
        (direction > 0) & strong,
        lambda i, _: bool(direction[i] < 0 and at_least_moderate[i]),
        (direction < 0) & strong,
        lambda i, _: bool(direction[i] > 0 and at_least_moderate[i]),
    )
    assert any(t.position < 0 for t in expected)
    assert got == expected


def test_follower_rejects_unknown_labels_and_decision_fields() -> None:
    with pytest.raises(ValidationError, match="entry_label"):
        SignalFollower({"instrument_id": BTC, "entry_label": "HUGE"})
    with pytest.raises(ValidationError, match="surprise"):
        SignalFollower({"instrument_id": BTC, "decision": {"surprise": 1}})
