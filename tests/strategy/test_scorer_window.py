"""The scorer's factors on a hand-labelled real window (Binance BTC/USDT 1h, 7-8 August 2024).

The window is the 48 closed hourly bars before 2024-08-09 00:00 UTC, scored at that time with
the bundled trades and book capture (23:54:15-23:57:58 UTC), so every factor except open
interest has data. Each expected number below is worked out from the rules in
``docs/signal.md`` and the bars printed by ``sample_catalog().read_bars(...)``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import talib

from colin.core.time import parse_time
from colin.persistence.catalog import sample_catalog
from colin.strategy.scorer import InstitutionalScorer, ScorerConfig, SignalReport

BTC = "BTC/USDT.BINANCE"
SCORED_AT = parse_time("2024-08-09T00:00:00Z")
SHORT_AT = parse_time("2024-09-05T15:00:00Z")
CLOSE = 61685.99  # close of the 23:00 bar (open 62332.00: a down bar)
# ATR(14) of the 48-bar window (Wilder, TA-Lib seeding), the unit of every distance below.
ATR = 892.1651681150986


@pytest.fixture(scope="module")
def report() -> SignalReport:
    catalog = sample_catalog()
    bars = catalog.read_bars(BTC, "1h")
    scorer = InstitutionalScorer(ScorerConfig(lookback_bars=48))
    return scorer.score(
        bars,
        symbol=BTC,
        trades=catalog.read_trades(BTC),
        book=catalog.read_book(BTC),
        ts_ns=SCORED_AT,
    )


def factor(report: SignalReport, name: str) -> tuple[float, float, dict[str, object]]:
    [weighted] = [f for f in report.factors if f.score.name == name]
    return weighted.score.long, weighted.score.short, weighted.score.details


def test_atr_is_the_talib_value() -> None:
    bars = sample_catalog().read_bars(BTC, "1h")
    window = bars[bars.ts_open + 3_600_000_000_000 <= SCORED_AT].tail(48)
    value = talib.ATR(*(window[c].to_numpy() for c in ("high", "low", "close")), 14)[-1]
    assert value == pytest.approx(ATR, rel=1e-12)


def test_liquidity(report: SignalReport) -> None:
    # The one pool is the equal lows 56670.47 (swing lows of 04:00 and 13:00 on 8 Aug, 56670.47
    # and 56700.00, 29.53 apart < 0.1 ATR), intact. The volume-profile point of control of the
    # window (24 bins of 341.105 from 54558.62 to 62745.14; the heaviest is 56946.355-57287.46,
    # centre 57116.9075) is also below the close. Nothing rests above the close, so long = 0;
    # the nearest level below is the POC, (61685.99 - 57116.9075) / ATR = 5.12 ATR, beyond the
    # 3-ATR reach: short = 0. No pool was swept.
    long, short, details = factor(report, "liquidity")
    assert details["point_of_control"] == pytest.approx(57116.9075)
    assert details["target_below"] == pytest.approx(57116.9075)
    assert details["target_above"] is None
    assert details["distance_below_atr"] == pytest.approx((CLOSE - 57116.9075) / ATR)
    assert details["intact_pools"] == 1
    assert (long, short) == (0.0, 0.0)


def test_structure(report: SignalReport) -> None:
    # trend: the 21:00 bar closed at 61173.69 above the 16:00 swing high 59863.00 - a bullish
    # BOS, so trend long 1, short 0.
    # order block: the bullish block 59317.89-59696.44 (the 18:00 down candle before the 21:00
    # displacement) is active below the close: 1 - (61685.99 - 59696.44) / ATR / 3 = 0.25666.
    # fair value gap: the 23:00 bar's low 61583.22 is above the 21:00 high 61355.66, an open
    # bullish gap 61355.66-61583.22: 1 - (61685.99 - 61583.22) / ATR / 3 = 0.96160.
    # premium/discount: latest swing low 59237.59 (19:00), high 59863.00 (16:00): the close is at
    # (61685.99 - 59237.59) / 625.41 = 3.915 of the range, deep premium: long 0, short 1.
    # No bearish block or unfilled bearish gap: short gets only the premium quarter.
    long, short, details = factor(report, "structure")
    block = 1 - (CLOSE - 59696.44) / ATR / 3
    gap = 1 - (CLOSE - 61583.22) / ATR / 3
    assert details["last_break"] == "bos:bullish"
    assert details["order_block_long"] == pytest.approx(block)
    assert details["fvg_long"] == pytest.approx(gap)
    assert details["premium_discount"] == pytest.approx((CLOSE - 59237.59) / (59863.0 - 59237.59))
    assert long == pytest.approx((1.0 + block + gap + 0.0) / 4)
    assert long == pytest.approx(0.554565, abs=1e-6)
    assert short == pytest.approx(0.25)


def test_killzone(report: SignalReport) -> None:
    # 00:00 UTC is in the Asian session only (weight 1.0, the calendar's lowest): score 0.
    long, short, details = factor(report, "killzone")
    assert details["sessions"] == "asian"
    assert (long, short) == (0.0, 0.0)


def test_order_flow(report: SignalReport) -> None:
    # Trades 23:55:00-00:00:00: 4,299 prints, sum(size x side) / sum(size) = -0.046685 (sellers
    # slightly heavier). Book after its last message (23:57:58): top-10 depth imbalance +0.103689.
    # long = (0.103689 + 0) / 2, short = (0 + 0.046685) / 2.
    long, short, details = factor(report, "order_flow")
    catalog = sample_catalog()
    trades = catalog.read_trades(BTC, SCORED_AT - 300_000_000_000, SCORED_AT + 1)
    delta = float((trades["size"] * trades["side"]).sum() / trades["size"].sum())
    assert len(trades) == 4299
    assert details["trade_delta"] == pytest.approx(delta)
    assert delta == pytest.approx(-0.046685, abs=1e-6)
    assert details["book_imbalance"] == pytest.approx(0.103689, abs=1e-6)
    assert long == pytest.approx(0.103689 / 2, abs=1e-6)
    assert short == pytest.approx(0.046685 / 2, abs=1e-6)


def test_volume(report: SignalReport) -> None:
    # Last bar volume 3588.40 against the last 20 bars (mean and population std): z = 1.19912,
    # strength z / 2 = 0.59956 on a down bar: short only.
    long, short, details = factor(report, "volume_oi")
    bars = sample_catalog().read_bars(BTC, "1h")
    volume = bars[bars.ts_open + 3_600_000_000_000 <= SCORED_AT]["volume"].to_numpy()[-20:]
    z = (volume[-1] - volume.mean()) / volume.std()
    assert details["volume_zscore"] == pytest.approx(z)
    assert z == pytest.approx(1.199122, abs=1e-6)
    assert (long, short) == (0.0, pytest.approx(z / 2))


def test_combined_confidence_is_neutral(report: SignalReport) -> None:
    # long  = 100 x (0.25 x 0 + 0.25 x 0.554565 + 0.15 x 0 + 0.20 x 0.051845 + 0.15 x 0) = 14.90
    # short = 100 x (0.25 x 0 + 0.25 x 0.25 + 0.15 x 0 + 0.20 x 0.023342 + 0.15 x 0.599561) = 15.71
    # Neither side reaches LOW (40): NEUTRAL, no stop, no target, no size.
    assert report.long_confidence == pytest.approx(14.901, abs=1e-3)
    assert report.short_confidence == pytest.approx(15.710, abs=1e-3)
    assert report.direction == "NEUTRAL"
    assert report.confidence_level == "NEUTRAL"
    assert report.stop_loss_price is None
    assert report.take_profit_price is None
    assert report.position_size_percent == 0.0
    assert report.entry_price == CLOSE
    assert math.isclose(sum(f.effective_weight for f in report.factors), 1.0)
    assert not report.warnings


def test_short_signal_levels() -> None:
    # Default config at 2024-09-05 15:00 UTC (the 14:00 bar closed at 56558.01, down, on a volume
    # z-score of 2.51: volume short 1). Killzone: 15:00 is in the London/New York overlap, 1
    # both ways. No trades or book then: order flow is absent and its 0.20 is shared, so the
    # other weights become 0.25/0.8, 0.25/0.8, 0.15/0.8, 0.15/0.8. Short confidence 71.5: MEDIUM.
    # The nearest structure above the entry is the swing high 56909.94: stop 56909.94 x 1.002,
    # target entry - 2 x (stop - entry); size 2% x 71.5 / 100 (realised volatility under 60%).
    # The equal lows at 56187.61 lie between entry and target: a liquidity warning.
    bars = sample_catalog().read_bars(BTC, "1h")
    report = InstitutionalScorer().score(bars, symbol=BTC, ts_ns=SHORT_AT)
    assert report.direction == "SHORT"
    assert report.confidence_level == "MEDIUM"
    assert report.short_confidence == pytest.approx(71.5, abs=0.05)
    assert report.entry_price == 56558.01
    stop = 56909.94 * 1.002
    assert report.stop_loss_price == pytest.approx(stop)
    assert report.take_profit_price == pytest.approx(56558.01 - 2 * (stop - 56558.01))
    assert report.position_size_percent == pytest.approx(2.0 * report.short_confidence / 100)
    assert report.warnings[1] == "liquidity: equal lows at 56187.61 lie before the target"
    assert report.warnings[0].startswith("order_flow absent")
    order_flow = next(f for f in report.factors if f.score.name == "order_flow")
    assert not order_flow.score.available and order_flow.effective_weight == 0.0
    others = [f for f in report.factors if f.score.available]
    assert [f.effective_weight for f in others] == pytest.approx(
        [w / 0.8 for w in (0.25, 0.25, 0.15, 0.15)]
    )
    killzone, volume = others[2].score, others[3].score
    assert (killzone.long, killzone.short, volume.long, volume.short) == (1.0, 1.0, 0.0, 1.0)
    assert np.isclose(report.short_confidence, sum(f.contribution("short") for f in others))
