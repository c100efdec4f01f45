"""Decision engine on real BTC/ETH 1h bars from the bundled sample catalog, over a real bus."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from colin.core.bus import MessageBus
from colin.core.clock import SimClock
from colin.core.ids import InstrumentId
from colin.core.topics import bars_topic, book_topic, signals_topic, trades_topic
from colin.indicators.volatility import realized_volatility
from colin.model.book import BookSnapshot, OrderBook
from colin.model.data import Bar
from colin.model.enums import AggressorSide
from colin.model.signal import Signal
from colin.persistence.catalog import iter_book_events, iter_trades, sample_catalog
from colin.strategy.decision import (
    CorrelationSource,
    DecisionConfig,
    DecisionEngine,
    MomentumSource,
    MonteCarloSource,
    OrderFlowSource,
    SignalSource,
    TechnicalSource,
)
from colin.strategy.decision.engine import label

BTC = "BTC/USDT.BINANCE"
ETH = "ETH/USDT.BINANCE"
HOUR = 3_600_000_000_000
NO_OVERRIDES: dict[str, object] = {"regime_weights": {}}


def _bars(instrument_id: str, count: int) -> list[Bar]:
    frame = sample_catalog().read_bars(instrument_id, "1h").iloc[:count]
    iid = InstrumentId(instrument_id)
    rows = frame[["open", "high", "low", "close", "volume"]].to_numpy().tolist()
    stamps = frame["ts_open"].to_numpy().tolist()
    return [
        Bar(iid, "1h", o, h, low, c, v, ts, ts + HOUR)
        for (o, h, low, c, v), ts in zip(rows, stamps, strict=True)
    ]


@pytest.fixture(scope="module")
def btc() -> list[Bar]:
    return _bars(BTC, 2000)


def _run(
    bars: Sequence[Bar],
    config: DecisionConfig | None = None,
    sources: Sequence[SignalSource] | None = None,
    reference: Sequence[Bar] = (),
) -> tuple[DecisionEngine, list[Signal]]:
    bus, clock = MessageBus(), SimClock()
    engine = DecisionEngine(bus, clock, bars[0].instrument_id, "1h", config, sources)
    engine.start()
    signals: list[Signal] = []
    bus.subscribe(signals_topic("decision"), signals.append)
    references = {bar.ts_open: bar for bar in reference}
    for bar in bars:
        clock.set_time(bar.ts_event)
        if bar.ts_open in references:
            bus.publish(bars_topic(BTC, "1h"), references[bar.ts_open])
        bus.publish(bars_topic(bar.instrument_id, "1h"), bar)
    return engine, signals


def test_fused_score_is_the_weighted_average_of_the_source_scores(btc: list[Bar]) -> None:
    bars = btc[:600]
    _, signals = _run(bars, DecisionConfig.model_validate(NO_OVERRIDES))
    last = signals[-1]
    # Independent sources fed the same bars give the scores the engine reports.
    technical, momentum, monte_carlo = TechnicalSource(), MomentumSource(), MonteCarloSource()
    for bar in bars:
        for source in (technical, momentum, monte_carlo):
            source.update(bar)
    t, m, mc = technical.score(), momentum.score(), monte_carlo.score()
    assert t is not None and m is not None and mc is not None
    assert last.details["scores"] == {"technical": t, "momentum": m, "monte_carlo": mc}
    # Defaults 30/25/10 over the present sources (0.65 in all).
    assert last.details["weights"] == pytest.approx(
        {"technical": 0.30 / 0.65, "momentum": 0.25 / 0.65, "monte_carlo": 0.10 / 0.65}
    )
    assert last.details["score"] == pytest.approx((0.30 * t + 0.25 * m + 0.10 * mc) / 0.65)
    # Changing the configured weights changes the score exactly as the weighted average says.
    reweighted = DecisionConfig.model_validate(
        {**NO_OVERRIDES, "weights": {"technical": 0.1, "momentum": 0.6, "monte_carlo": 0.3}}
    )
    _, other = _run(bars, reweighted)
    assert other[-1].details["score"] == pytest.approx(0.1 * t + 0.6 * m + 0.3 * mc)
    assert other[-1].details["score"] != pytest.approx(last.details["score"])


def test_absent_sources_are_reported_and_their_weight_renormalised(btc: list[Bar]) -> None:
    engine, signals = _run(btc[:400])
    assert engine.absent == ("correlation", "order_flow", "sentiment", "ml")
    for signal in signals:
        assert signal.source == "decision"
        assert signal.details["absent"] == ["correlation", "order_flow", "sentiment", "ml"]
        used = signal.details["weights"]
        assert (
            set(used) == set(signal.details["scores"]) <= {"technical", "momentum", "monte_carlo"}
        )
        assert sum(used.values()) == pytest.approx(1.0)


def test_not_ready_sources_are_listed_and_left_out(btc: list[Bar]) -> None:
    # A Monte Carlo window longer than the regime warm-up keeps it out of the first signals.
    sources: list[SignalSource] = [
        TechnicalSource(),
        MomentumSource(),
        MonteCarloSource(window=300),
    ]
    _, signals = _run(btc[:400], sources=sources)
    first, last = signals[0], signals[-1]
    assert first.details["not_ready"] == ["monte_carlo"]
    assert "monte_carlo" not in first.details["weights"]
    assert last.details["not_ready"] == []
    assert "monte_carlo" in last.details["weights"]


def test_regime_weights_switch_with_the_regime(btc: list[Bar]) -> None:
    only = {
        "trending": {"technical": 1.0, "momentum": 0.0, "monte_carlo": 0.0},
        "ranging": {"technical": 0.0, "momentum": 1.0, "monte_carlo": 0.0},
        "volatile": {"technical": 0.0, "momentum": 0.0, "monte_carlo": 1.0},
    }
    config = DecisionConfig.model_validate({"regime_weights": only})
    _, signals = _run(btc, config)
    by_regime = {"trending": "technical", "ranging": "momentum", "volatile": "monte_carlo"}
    seen = set()
    for signal in signals:
        regime = signal.details["regime"]
        seen.add(regime)
        assert signal.details["score"] == signal.details["scores"][by_regime[regime]]
    assert seen == {"trending", "ranging", "volatile"}


def test_threshold_scales_with_volatility(btc: list[Bar]) -> None:
    config = DecisionConfig.model_validate(
        {"threshold": {"base": 0.2, "min_scale": 0.8, "max_scale": 1.2}}
    )
    _, signals = _run(btc, config)
    for signal in signals:
        ratio = signal.details["volatility_ratio"]
        assert signal.details["threshold"] == pytest.approx(0.2 * min(max(ratio, 0.8), 1.2))
    thresholds = {round(s.details["threshold"], 12) for s in signals}
    assert {0.16, 0.24} <= thresholds  # both clips are reached on this data
    assert len(thresholds) > 100
    # The ratio is short over reference close-to-close volatility, checked with the batch form.
    closes = np.array([bar.close for bar in btc])
    short = realized_volatility(closes, closes, closes, closes, 24, "close_to_close")
    reference = realized_volatility(closes, closes, closes, closes, 240, "close_to_close")
    assert signals[-1].details["volatility_ratio"] == pytest.approx(short[-1] / reference[-1])


def test_labels_direction_strength_and_confidence_follow_the_score(btc: list[Bar]) -> None:
    config = DecisionConfig()
    _, signals = _run(btc, config)
    labels = set()
    for signal in signals:
        score, threshold = signal.details["score"], signal.details["threshold"]
        expected = label(abs(score), threshold, config.labels)
        assert signal.details["label"] == expected
        labels.add(expected)
        assert signal.direction == (0 if expected == "NEUTRAL" else (1 if score > 0 else -1))
        assert signal.strength == pytest.approx(min(abs(score), 1.0))
        strong_level = min(config.labels.strong * threshold, 1.0)
        assert signal.confidence == pytest.approx(
            signal.details["agreement"] * min(abs(score) / strong_level, 1.0)
        )
    assert labels == {"STRONG", "MODERATE", "WEAK", "NEUTRAL"}


def test_appending_future_bars_never_changes_an_earlier_signal(btc: list[Bar]) -> None:
    _, short = _run(btc[:700])
    _, long = _run(btc[:1000])
    assert len(short) > 300
    assert long[: len(short)] == short


def test_correlation_source_follows_the_reference(btc: list[Bar]) -> None:
    eth = _bars(ETH, 600)
    source = CorrelationSource(BTC, window=72, lookback=6)
    _, signals = _run(eth, sources=[TechnicalSource(), source], reference=btc[:600])
    last = signals[-1]
    assert last.details["absent"] == ["momentum", "order_flow", "sentiment", "ml", "monte_carlo"]
    own = np.diff(np.log([bar.close for bar in eth]))[-72:]
    ref = np.diff(np.log([bar.close for bar in btc[:600]]))[-72:]
    correlation = np.corrcoef(own, ref)[0, 1]
    assert source.correlation == pytest.approx(correlation, rel=1e-9)
    assert correlation > 0.5  # ETH follows BTC on this sample
    expected = correlation * np.tanh(ref[-6:].sum() / (ref.std() * np.sqrt(6)))
    assert last.details["scores"]["correlation"] == pytest.approx(expected, rel=1e-9)


def test_order_flow_source_reads_trades_from_the_bus(btc: list[Bar]) -> None:
    bus, clock = MessageBus(), SimClock()
    flow = OrderFlowSource(trade_window=200)
    engine = DecisionEngine(bus, clock, BTC, "1h", sources=[TechnicalSource(), flow])
    engine.start()
    trades = list(iter_trades(sample_catalog().read_trades(BTC), BTC))
    for trade in trades:
        bus.publish(trades_topic(BTC), trade)
    signed = [
        (t.size, 1.0 if t.aggressor_side is AggressorSide.BUYER else -1.0)
        for t in trades
        if t.aggressor_side is not AggressorSide.UNKNOWN
    ][-200:]
    expected = sum(s * d for s, d in signed) / sum(s for s, _ in signed)
    assert flow.score() == pytest.approx(expected, rel=1e-9)
    for bar in btc[:300]:
        bus.publish(bars_topic(BTC, "1h"), bar)
    assert engine.last_signal is not None
    assert engine.last_signal.details["scores"]["order_flow"] == pytest.approx(expected)
    engine.stop()
    assert not bus.has_subscribers(trades_topic(BTC))


def test_monte_carlo_score_is_a_seeded_bootstrap(btc: list[Bar]) -> None:
    source = MonteCarloSource(window=50, horizon=10, paths=300, every=1, seed=3)
    for bar in btc[:200]:
        source.update(bar)
    returns = np.diff(np.log([bar.close for bar in btc[:200]]))[-50:]
    rng = np.random.default_rng([3, btc[199].ts_open])
    draws = rng.integers(0, 50, size=(300, 10))
    expected = 2.0 * np.mean(returns[draws].sum(axis=1) > 0.0) - 1.0
    assert source.score() == pytest.approx(expected)


def test_order_flow_source_averages_book_and_trade_imbalance() -> None:
    bus, clock = MessageBus(), SimClock()
    flow = OrderFlowSource(depth=5, trade_window=100)
    engine = DecisionEngine(bus, clock, BTC, "1h", sources=[flow])
    engine.start()
    catalog = sample_catalog()
    book = OrderBook(InstrumentId(BTC))
    for event in list(iter_book_events(catalog.read_book(BTC)))[:300]:
        if isinstance(event, BookSnapshot):
            book.apply_snapshot(event)
        else:
            book.apply_deltas(event)
        bus.publish(book_topic(BTC), book)
    bids, asks = book.bids(5), book.asks(5)
    bid_size, ask_size = sum(s for _, s in bids), sum(s for _, s in asks)
    book_imbalance = (bid_size - ask_size) / (bid_size + ask_size)
    assert flow.score() == pytest.approx(book_imbalance, rel=1e-9)
    trades = list(iter_trades(catalog.read_trades(BTC), BTC))[:500]
    for trade in trades:
        bus.publish(trades_topic(BTC), trade)
    signed = [
        (t.size, 1.0 if t.aggressor_side is AggressorSide.BUYER else -1.0)
        for t in trades
        if t.aggressor_side is not AggressorSide.UNKNOWN
    ][-100:]
    trade_imbalance = sum(s * d for s, d in signed) / sum(s for s, _ in signed)
    assert flow.score() == pytest.approx((book_imbalance + trade_imbalance) / 2, rel=1e-9)
