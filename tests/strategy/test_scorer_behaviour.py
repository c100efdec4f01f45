"""Scorer behaviour: config drives the result, no lookahead, schema, bad input, bus actor."""

from __future__ import annotations

import jsonschema
import numpy as np
import pandas as pd
import pytest

from colin.core.bus import MessageBus
from colin.core.errors import DataError
from colin.core.time import parse_time
from colin.indicators.volatility import realized_volatility
from colin.model.data import Bar
from colin.model.signal import Signal
from colin.persistence.catalog import sample_catalog
from colin.risk.sizing import confidence_scaled, volatility_target
from colin.strategy.scorer import (
    FactorWeights,
    InstitutionalScorer,
    ScorerConfig,
    load_schema,
)
from colin.strategy.scorer.actor import ScorerActor
from colin.strategy.scorer.volume_profile import volume_profile

BTC = "BTC/USDT.BINANCE"
HOUR = 3_600_000_000_000
SHORT_AT = parse_time("2024-09-05T15:00:00Z")  # default config: SHORT, MEDIUM (71.5)
LONG_AT = parse_time("2024-09-04T15:00:00Z")  # default config: LONG, MEDIUM, volatility 63%


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return sample_catalog().read_bars(BTC, "1h")


def test_bars_after_the_scoring_time_are_ignored(bars: pd.DataFrame) -> None:
    when = parse_time("2024-06-01T12:00:00Z")
    scorer = InstitutionalScorer()
    truncated = bars[bars.ts_open + HOUR <= when]
    assert scorer.score(bars, ts_ns=when, symbol=BTC) == scorer.score(
        truncated, ts_ns=when, symbol=BTC
    )
    assert scorer.score(bars, ts_ns=when, symbol=BTC).entry_price == truncated.close.iloc[-1]


def test_weights_come_from_config(bars: pd.DataFrame) -> None:
    only_volume = ScorerConfig(
        weights=FactorWeights(liquidity=0, structure=0, killzone=0, order_flow=0, volume_oi=1)
    )
    report = InstitutionalScorer(only_volume).score(bars, symbol=BTC, ts_ns=SHORT_AT)
    volume = next(f for f in report.factors if f.score.name == "volume_oi")
    assert volume.effective_weight == 1.0
    assert (report.long_confidence, report.short_confidence) == (0.0, 100.0)  # z 2.51, down bar
    assert (report.direction, report.confidence_level) == ("SHORT", "HIGH")
    default = InstitutionalScorer().score(bars, symbol=BTC, ts_ns=SHORT_AT)
    assert default.short_confidence < 100.0


def test_thresholds_and_geometry_come_from_config(bars: pd.DataFrame) -> None:
    default = InstitutionalScorer().score(bars, symbol=BTC, ts_ns=SHORT_AT)
    assert (default.direction, default.confidence_level) == ("SHORT", "MEDIUM")
    config = ScorerConfig.model_validate(
        {
            "thresholds": {"low": 20, "medium": 30, "high": 70},
            "stop_buffer": 0.01,
            "reward_risk": 3.0,
            "max_position_percent": 1.0,
        }
    )
    report = InstitutionalScorer(config).score(bars, symbol=BTC, ts_ns=SHORT_AT)
    assert report.short_confidence == default.short_confidence
    assert report.confidence_level == "HIGH"  # 71.5 >= 70
    assert report.stop_loss_price == pytest.approx(56909.94 * 1.01)
    risk = report.stop_loss_price - report.entry_price
    assert report.take_profit_price == pytest.approx(report.entry_price - 3 * risk)
    assert report.position_size_percent == pytest.approx(report.short_confidence / 100)


def test_high_volatility_shrinks_the_size(bars: pd.DataFrame) -> None:
    report = InstitutionalScorer().score(bars, symbol=BTC, ts_ns=LONG_AT)
    assert report.direction == "LONG"
    [warning] = [w for w in report.warnings if w.startswith("volatility")]
    assert warning.startswith("volatility: realised 63% annualised is above the 60% target")
    scale = float(warning.rsplit(" ", 1)[1])
    assert 0 < scale < 1
    expected = 2.0 * report.long_confidence / 100 * scale
    assert report.position_size_percent == pytest.approx(expected, abs=0.01)
    calm = InstitutionalScorer(ScorerConfig(target_volatility=1.0)).score(
        bars, symbol=BTC, ts_ns=LONG_AT
    )
    assert calm.position_size_percent == pytest.approx(2.0 * report.long_confidence / 100)


def test_min_edge_keeps_a_close_call_neutral(bars: pd.DataFrame) -> None:
    strict = InstitutionalScorer(ScorerConfig(min_edge=40))
    report = strict.score(bars, symbol=BTC, ts_ns=SHORT_AT)
    assert 0 < report.short_confidence - report.long_confidence < 40
    assert report.direction == report.confidence_level == "NEUTRAL"


def test_reports_across_the_sample_validate_against_the_schema(bars: pd.DataFrame) -> None:
    schema = load_schema()
    scorer = InstitutionalScorer(ScorerConfig(thresholds={"low": 25, "medium": 50, "high": 75}))
    seen = set()
    for end in range(400, len(bars), 97):
        report = scorer.score(bars.iloc[:end], symbol=BTC)
        jsonschema.validate(report.to_json_dict(), schema)
        seen.add(report.direction)
        if report.direction == "LONG":
            assert report.stop_loss_price < report.entry_price < report.take_profit_price
        elif report.direction == "SHORT":
            assert report.take_profit_price < report.entry_price < report.stop_loss_price
    assert seen == {"LONG", "SHORT", "NEUTRAL"}


def test_schema_rejects_a_malformed_report(bars: pd.DataFrame) -> None:
    payload = InstitutionalScorer().score(bars, symbol=BTC).to_json_dict()
    payload["direction"] = "UP"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(payload, load_schema())


def test_missing_column_and_short_history_are_clear_errors(bars: pd.DataFrame) -> None:
    scorer = InstitutionalScorer()
    with pytest.raises(DataError, match=r"missing column\(s\) \['volume'\]"):
        scorer.score(bars.drop(columns="volume"), symbol=BTC)
    with pytest.raises(DataError, match="BTC: need at least 20 closed 1h bars, got 10"):
        scorer.score(bars.head(10), symbol="BTC")
    broken = bars.head(50).copy()
    broken.loc[7, "close"] = np.nan
    with pytest.raises(DataError, match="close: non-finite value nan at row 7"):
        scorer.score(broken, symbol=BTC)


def test_volume_profile_by_hand() -> None:
    high = np.array([11.0, 12.0, 13.0, 12.0])
    low = np.array([9.0, 10.0, 11.0, 10.0])
    close = np.array([10.0, 11.0, 12.0, 11.0])  # typical prices 10, 11, 12, 11
    volume = np.array([1.0, 5.0, 2.0, 4.0])
    profile = volume_profile(high, low, close, volume, bins=4)
    # bins of 1 from 9 to 13: [9,10) 0, [10,11) 1, [11,12) 9, [12,13] 2
    assert profile.volume.tolist() == [0.0, 1.0, 9.0, 2.0]
    assert profile.point_of_control == 11.5
    # 70% of 12 is 8.4: the POC bin alone holds 9
    assert (profile.value_area_low, profile.value_area_high) == (11.0, 12.0)
    with pytest.raises(DataError, match="no volume"):
        volume_profile(high, low, close, np.zeros(4))


def test_actor_publishes_a_signal_per_closed_bar(bars: pd.DataFrame) -> None:
    bus = MessageBus()
    received: list[Signal] = []
    bus.subscribe("signals.colin", received.append)
    actor = ScorerActor(bus, BTC, "1h")
    actor.start()
    rows = bars.tail(40).itertuples(index=False)
    for row in rows:
        bar = Bar(
            BTC,
            "1h",
            row.open,
            row.high,
            row.low,
            row.close,
            row.volume,
            row.ts_open,
            row.ts_open + HOUR,
        )
        bus.publish("data.bars.BINANCE.BTC/USDT.1h", bar)
    assert len(received) == 40 - 19  # from the 20th bar (volume z-score window)
    last = received[-1]
    expected = InstitutionalScorer().score(bars.tail(40), symbol=BTC)
    assert last.source == "colin"
    assert last.ts_event == int(bars.ts_open.iloc[-1]) + HOUR
    assert last.details == expected.to_json_dict()
    assert last.direction == {"LONG": 1, "SHORT": -1, "NEUTRAL": 0}[expected.direction]
    actor.stop()
    bus.publish("data.bars.BINANCE.BTC/USDT.1h", bar)
    assert len(received) == 21


def test_a_window_without_volume_scores_on_pools_alone(bars: pd.DataFrame) -> None:
    quiet = bars.tail(120).copy()
    quiet["volume"] = 0.0
    report = InstitutionalScorer().score(quiet, symbol=BTC)
    liquidity = next(f for f in report.factors if f.score.name == "liquidity")
    volume = next(f for f in report.factors if f.score.name == "volume_oi")
    assert liquidity.score.details["point_of_control"] is None
    assert (volume.score.long, volume.score.short) == (0.0, 0.0)  # z-score NaN: no confirmation
    jsonschema.validate(report.to_json_dict(), load_schema())


def test_size_equals_the_risk_sizing_functions(bars: pd.DataFrame) -> None:
    """The scorer's size is colin.risk.sizing's volatility target, capped, scaled by confidence."""
    report = InstitutionalScorer().score(bars, symbol=BTC, ts_ns=LONG_AT)
    window = bars[bars.ts_open + HOUR <= LONG_AT].tail(300)
    volatility = realized_volatility(
        *(window[c].to_numpy() for c in ("open", "high", "low", "close")),
        24,
        "yang_zhang",
        8760,
    )[-1]
    capped = min(2.0, volatility_target(2.0, 0.6, volatility, 1.0))
    expected = confidence_scaled(capped, report.long_confidence / 100)
    assert report.position_size_percent == pytest.approx(expected)


def test_bad_trades_and_unsorted_bars_name_the_row(bars: pd.DataFrame) -> None:
    scorer = InstitutionalScorer()
    catalog = sample_catalog()
    trades = catalog.read_trades(BTC)
    trades.loc[5000, "side"] = 3
    with pytest.raises(DataError, match="trades: side must be -1, 0 or \\+1, got 3 at row 5000"):
        scorer.score(bars, symbol=BTC, trades=trades, ts_ns=parse_time("2024-08-09T00:00:00Z"))
    shuffled = bars.head(60).iloc[[*range(30), 31, 30, *range(32, 60)]]
    with pytest.raises(DataError, match="ts_open: time is not increasing at row 31"):
        scorer.score(shuffled, symbol=BTC)
